/*
 * test_canon.c: RFC 6376 section 3.4 canonicalization: the section 3.4.6
 * example byte for byte, body edge cases under every chunking, header
 * selection (section 5.4.2).
 */
#include "dkim_test.h"

#include <openssl/evp.h>

static void
sha256(const void *p, size_t n, uint8_t *out)
{
	unsigned int	len = 32;

	EVP_Digest(p, n, out, &len, EVP_sha256(), NULL);
}

/* Body digest of in under c, fed in chunks of chunk bytes. */
static void
body_digest(enum dkim_canon c, const char *in, size_t len, size_t chunk,
    uint8_t *out, uint64_t *total)
{
	struct dkim_bhash	h;
	size_t			i;

	dkim_bhash_init(&h, c, UINT64_MAX);
	for (i = 0; i < len; i += chunk)
		dkim_bhash_update(&h, (const uint8_t *)in + i,
		    len - i < chunk ? len - i : chunk);
	dkim_bhash_final(&h, out);
	*total = h.total;
	dkim_bhash_free(&h);
}

/* Check in against want under every chunk size. */
static void
check_body(const char *name, enum dkim_canon c, const char *in, size_t len,
    const char *want, size_t wantlen)
{
	uint8_t		got[32], exp[32];
	uint64_t	total;
	size_t		chunk;

	sha256(want, wantlen, exp);
	for (chunk = 1; chunk <= len + 1; chunk++) {
		body_digest(c, in, len, chunk, got, &total);
		if (memcmp(got, exp, 32) != 0 || total != wantlen)
			fail_msg("%s (%s, chunk %zu): got %llu bytes, want "
			    "%zu, or digest differs", name, c ==
			    DKIM_CANON_SIMPLE ? "simple" : "relaxed", chunk,
			    (unsigned long long)total, wantlen);
	}
}

static void
test_346_example(void **state)
{
	struct sbuf		 in, rh, rb, sh, sb, got;
	struct dkim_hdrs	 h;
	size_t			 n, i;

	(void)state;
	slurp(shared_path("rfc6376/canon-example.input"), &in);
	slurp(shared_path("rfc6376/canon-example.relaxed.headers"), &rh);
	slurp(shared_path("rfc6376/canon-example.relaxed.body"), &rb);
	slurp(shared_path("rfc6376/canon-example.simple.headers"), &sh);
	slurp(shared_path("rfc6376/canon-example.simple.body"), &sb);
	dkim_hdrs_init(&h);
	n = dkim_hdrs_write(&h, (const uint8_t *)in.s, in.len);
	assert_true(dkim_hdrs_done(&h));
	assert_int_equal(h.n, 2);
	sbuf_init(&got);
	for (i = 0; i < h.n; i++) {
		dkim_canon_header(DKIM_CANON_RELAXED, h.buf.s + h.f[i].off,
		    h.f[i].len, &got);
		sbuf_add(&got, "\r\n", 2);
	}
	assert_int_equal(got.len, rh.len);
	assert_memory_equal(got.s, rh.s, rh.len);
	sbuf_reset(&got);
	for (i = 0; i < h.n; i++) {
		dkim_canon_header(DKIM_CANON_SIMPLE, h.buf.s + h.f[i].off,
		    h.f[i].len, &got);
		sbuf_add(&got, "\r\n", 2);
	}
	assert_int_equal(got.len, sh.len);
	assert_memory_equal(got.s, sh.s, sh.len);
	check_body("3.4.6 relaxed", DKIM_CANON_RELAXED, in.s + n, in.len - n,
	    rb.s, rb.len);
	check_body("3.4.6 simple", DKIM_CANON_SIMPLE, in.s + n, in.len - n,
	    sb.s, sb.len);
	sbuf_free(&got);
	dkim_hdrs_free(&h);
	sbuf_free(&in);
	sbuf_free(&rh);
	sbuf_free(&rb);
	sbuf_free(&sh);
	sbuf_free(&sb);
}

static const struct {
	const char	*name;
	const char	*in;
	const char	*simple;
	const char	*relaxed;
} bodies[] = {
	{ "empty", "", "\r\n", "" },
	{ "only CRLFs", "\r\n\r\n\r\n", "\r\n", "" },
	{ "no final CRLF", "a", "a\r\n", "a\r\n" },
	{ "WSP runs", "a \t b  \r\n", "a \t b  \r\n", "a b\r\n" },
	{ "leading WSP", "  \r\n a\r\n", "  \r\n a\r\n", "\r\n a\r\n" },
	{ "trailing WSP lines", "a\r\n \t \r\n\r\n", "a\r\n \t \r\n",
	    "a\r\n" },
	{ "inner empty lines", "a\r\n\r\n\r\nb\r\n", "a\r\n\r\n\r\nb\r\n",
	    "a\r\n\r\n\r\nb\r\n" },
	{ "bare CR", "a\rb\r\n", "a\rb\r\n", "a\rb\r\n" },
	{ "bare LF", "a\nb \n\n", "a\r\nb \r\n", "a\r\nb\r\n" },
	{ "CR at end", "x\r", "x\r\r\n", "x\r\r\n" },
	{ "WSP then CR", "a \rb\r\n", "a \rb\r\n", "a \rb\r\n" },
	{ "tabs only", "\t\t", "\t\t\r\n", "" },
	{ "long clean line", "The quick brown fox jumps over the lazy dog, "
	    "again and again and again.\r\n", "The quick brown fox jumps "
	    "over the lazy dog, again and again and again.\r\n",
	    "The quick brown fox jumps over the lazy dog, again and again "
	    "and again.\r\n" },
	{ "NUL and 8-bit", "a\0\xff b\r\n", "a\0\xff b\r\n",
	    "a\0\xff b\r\n" },
};

static void
test_body_table(void **state)
{
	size_t	i, inlen;

	(void)state;
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		inlen = strlen(bodies[i].in);
		if (strcmp(bodies[i].name, "NUL and 8-bit") == 0)
			inlen = 7;
		check_body(bodies[i].name, DKIM_CANON_SIMPLE, bodies[i].in,
		    inlen, bodies[i].simple, inlen == 7 ? 7 :
		    strlen(bodies[i].simple));
		check_body(bodies[i].name, DKIM_CANON_RELAXED, bodies[i].in,
		    inlen, bodies[i].relaxed, inlen == 7 ? 7 :
		    strlen(bodies[i].relaxed));
	}
}

static void
test_body_limit(void **state)
{
	struct dkim_bhash	h;
	uint8_t			got[32], exp[32];

	(void)state;
	/* l=5 hashes "hello" and counts all 14 canonical bytes. */
	dkim_bhash_init(&h, DKIM_CANON_SIMPLE, 5);
	dkim_bhash_update(&h, (const uint8_t *)"hello\r\nworld\r\n", 14);
	dkim_bhash_final(&h, got);
	sha256("hello", 5, exp);
	assert_memory_equal(got, exp, 32);
	assert_int_equal(h.total, 14);
	assert_int_equal(h.hashed, 5);
	dkim_bhash_free(&h);
}

static const struct {
	const char	*in;
	const char	*relaxed;
} headers[] = {
	{ "Subject:  Hi \r\n\tthere  ", "subject:Hi there" },
	{ "X-Empty:", "x-empty:" },
	{ "X-Empty:   \r\n ", "x-empty:" },
	{ "B\t: c", "b:c" },
	{ "MiXeD-Case: VaLuE", "mixed-case:VaLuE" },
};

static void
test_header_table(void **state)
{
	struct sbuf	b;
	size_t		i;

	(void)state;
	sbuf_init(&b);
	for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		sbuf_reset(&b);
		dkim_canon_header(DKIM_CANON_RELAXED, headers[i].in,
		    strlen(headers[i].in), &b);
		if (strcmp(b.s, headers[i].relaxed) != 0)
			fail_msg("'%s': got '%s', want '%s'", headers[i].in,
			    b.s, headers[i].relaxed);
		sbuf_reset(&b);
		dkim_canon_header(DKIM_CANON_SIMPLE, headers[i].in,
		    strlen(headers[i].in), &b);
		assert_string_equal(b.s, headers[i].in);
	}
	sbuf_free(&b);
}

static void
test_header_selection(void **state)
{
	struct dkim_hdrs	 h;
	struct sbuf		 scratch;
	EVP_MD_CTX		*md = EVP_MD_CTX_new();
	uint8_t			 got[32], exp[32];
	unsigned int		 n = 32;
	char			*names[] = { "x", "X", "x", "from" };
	const char		*msg = "X: 1\nfrom: f\nx: 2\n\nbody\n";
	const char		*want = "x: 2\r\nX: 1\r\nfrom: f\r\n";

	(void)state;
	/* Bottom-up, one instance per name, a missing one adds nothing. */
	dkim_hdrs_init(&h);
	sbuf_init(&scratch);
	dkim_hdrs_write(&h, (const uint8_t *)msg, strlen(msg));
	assert_int_equal(h.n, 3);
	EVP_DigestInit_ex(md, dkim_sha256(), NULL);
	dkim_hash_headers(md, &h, names, 4, DKIM_CANON_SIMPLE, &scratch);
	EVP_DigestFinal_ex(md, got, &n);
	sha256(want, strlen(want), exp);
	assert_memory_equal(got, exp, 32);
	EVP_MD_CTX_free(md);
	sbuf_free(&scratch);
	dkim_hdrs_free(&h);
}

static void
test_header_split(void **state)
{
	struct dkim_hdrs	 h;
	const char		*msg = "A: 1\r\n\tcont\r\nB: 2\nC:3\r\n\r\nbody";
	size_t			 i, n = 0, len = strlen(msg);

	(void)state;
	/* One byte at a time: the same fields as in one piece. */
	dkim_hdrs_init(&h);
	for (i = 0; i < len && !dkim_hdrs_done(&h); i++)
		n += dkim_hdrs_write(&h, (const uint8_t *)msg + i, 1);
	assert_int_equal(n, len - 4);
	assert_int_equal(h.n, 3);
	assert_int_equal(h.f[0].len, 11);
	assert_memory_equal(h.buf.s + h.f[0].off, "A: 1\r\n\tcont", 11);
	assert_memory_equal(h.buf.s + h.f[1].off, "B: 2", 4);
	assert_memory_equal(h.buf.s + h.f[2].off, "C:3", 3);
	dkim_hdrs_free(&h);
}

/*
 * A plain reference of sections 3.4.3 and 3.4.4 on a whole body, line by
 * line, to check the vectorised streaming code against.
 */
static void
ref_body(enum dkim_canon c, const uint8_t *in, size_t len, struct sbuf *out)
{
	struct sbuf	n, line;
	size_t		i, start;

	sbuf_init(&n);
	sbuf_init(&line);
	sbuf_reset(out);
	for (i = 0; i < len; i++) {	/* bare LF is CRLF */
		if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r'))
			sbuf_addc(&n, '\r');
		sbuf_addc(&n, in[i]);
	}
	for (start = i = 0; i <= n.len; i++) {
		int	eol = i + 1 < n.len && n.s[i] == '\r' &&
		    n.s[i + 1] == '\n';

		if (!eol && i < n.len)
			continue;
		sbuf_reset(&line);
		if (c == DKIM_CANON_SIMPLE)
			sbuf_add(&line, n.s + start, i - start);
		else {
			size_t	k;
			int	wsp = 0;

			for (k = start; k < i; k++) {
				if (n.s[k] == ' ' || n.s[k] == '\t') {
					wsp = 1;
					continue;
				}
				if (wsp)
					sbuf_addc(&line, ' ');
				wsp = 0;
				sbuf_addc(&line, n.s[k]);
			}
		}
		if (eol || line.len > 0) {
			sbuf_add(out, line.s, line.len);
			sbuf_add(out, "\r\n", 2);
		}
		if (!eol)
			break;
		i++;
		start = i + 1;
	}
	while (out->len >= 4 && memcmp(out->s + out->len - 4, "\r\n\r\n",
	    4) == 0)
		out->len -= 2;
	if (out->len == 2 && memcmp(out->s, "\r\n", 2) == 0)
		out->len = 0;
	if (c == DKIM_CANON_SIMPLE && out->len == 0)
		sbuf_add(out, "\r\n", 2);
	sbuf_free(&n);
	sbuf_free(&line);
}

static void
test_body_random(void **state)
{
	static const uint8_t	alpha[] = { 'a', 'b', ' ', '\t', '\r', '\n',
	    'z', 0, 0xff, ' ', '\r', '\n', 'q', 'r', 's', 't' };
	static const size_t	chunks[] = { 1, 3, 64, 65, 100, 4096 };
	uint8_t			buf[2000], got[32], exp[32];
	struct sbuf		want;
	uint32_t		seed = 12345;
	uint64_t		total;
	size_t			len, i, k;
	int			round, c, clean;

	(void)state;
	sbuf_init(&want);
	for (round = 0; round < 3000; round++) {
		len = (size_t)(round * 7 % 700) + 1;
		/* Mostly text with sparse specials, as mail is. */
		clean = round % 3;
		for (i = 0; i < len; i++) {
			seed = seed * 1103515245 + 12345;
			if (clean && (seed >> 16) % 10 != 0)
				buf[i] = (seed >> 20) % 5 == 0 ? ' ' : 'x';
			else if (clean == 2 && (seed >> 16) % 10 == 0)
				buf[i] = (seed >> 24) % 2 ? '\r' : '\n';
			else
				buf[i] = alpha[(seed >> 16) % sizeof(alpha)];
		}
		for (c = 0; c < 2; c++) {
			ref_body((enum dkim_canon)c, buf, len, &want);
			sha256(want.s, want.len, exp);
			for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]);
			    k++) {
				body_digest((enum dkim_canon)c,
				    (const char *)buf, len, chunks[k], got,
				    &total);
				if (memcmp(got, exp, 32) != 0 ||
				    total != want.len)
					fail_msg("round %d canon %d chunk "
					    "%zu: got %llu bytes, want %zu",
					    round, c, chunks[k],
					    (unsigned long long)total,
					    want.len);
			}
		}
	}
	sbuf_free(&want);
	/*
	 * Clean lines of every length, so that CRLFs fall on every offset
	 * around the 64-byte steps and the scalar handoff.
	 */
	for (len = 1; len < 140; len++) {
		struct sbuf	m;

		sbuf_init(&m);
		for (i = 0; i < 400; i++) {
			sbuf_addc(&m, i % len == len - 1 ? '\r' : 'x');
			if (i % len == len - 1)
				sbuf_addc(&m, '\n');
		}
		for (c = 0; c < 2; c++) {
			ref_body((enum dkim_canon)c, (const uint8_t *)m.s,
			    m.len, &want);
			sha256(want.s, want.len, exp);
			for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]);
			    k++) {
				body_digest((enum dkim_canon)c, m.s, m.len,
				    chunks[k], got, &total);
				if (memcmp(got, exp, 32) != 0 ||
				    total != want.len)
					fail_msg("lines of %zu, canon %d, chunk "
					    "%zu: got %llu bytes, want %zu", len,
					    c, chunks[k],
					    (unsigned long long)total,
					    want.len);
			}
		}
		sbuf_free(&m);
	}
	sbuf_free(&want);
}

/* Body digest of in under c, as two updates split at cut. */
static void
body_digest2(enum dkim_canon c, const uint8_t *in, size_t len, size_t cut,
    uint8_t *out, uint64_t *total)
{
	struct dkim_bhash	h;

	dkim_bhash_init(&h, c, UINT64_MAX);
	dkim_bhash_update(&h, in, cut);
	dkim_bhash_update(&h, in + cut, len - cut);
	dkim_bhash_final(&h, out);
	*total = h.total;
	dkim_bhash_free(&h);
}

/*
 * The edges of the body scans: each special sequence put at every offset
 * of clean text longer than two 64-byte steps (so it falls on every
 * position of a step, of the scalar or padded tail, and at both ends),
 * the body then fed in one update, in two split at every byte of the
 * sequence (a WSP run or a CRLF across two updates), and in chunks.
 */
static void
test_body_edges(void **state)
{
	static const struct {
		const char	*s;
		size_t		 len;
	} pats[] = {
#define P(x)	{ x, sizeof(x) - 1 }
		P(" "), P("  "), P(" \t "), P("\t"), P(" \r\n"), P("\t\r\n"),
		P("\r\n"), P("\r\n\r\n"), P("\r\n\r\n\r\n"), P("\r\n "),
		P("\r\n\t\r\n"), P("\n"), P("x\n"), P("\n\n"), P(" \n"),
		P("\r"), P("\r\r\n"), P("\n\r"), P("\r \r\n"), P("\0"),
		P("\x7f"), P("\xff"), P("\x0b"), P("\x1f "), P("\r\n\r\n "),
#undef P
	};
	static const size_t	chunks[] = { 1, 2, 63, 64, 65, 97 };
	static const char	base[] = "the of and to in is that for it as "
	    "was\r\nwith be by on not he this are or his from at which but "
	    "have\r\nan they you were her she there one all we their\r\n"
	    "it is a truth universally acknowledged that a single man in "
	    "possession of\r\na good fortune must be in want of a wife\r\n"
	    "end";
	uint8_t			buf[sizeof(base) + 32], got[32], exp[32];
	struct sbuf		want;
	uint64_t		total;
	size_t			blen = sizeof(base) - 1, k, o, j, len, cut;
	int			c, crlf;

	(void)state;
	sbuf_init(&want);
	for (k = 0; k < sizeof(pats) / sizeof(pats[0]); k++)
	for (crlf = 0; crlf < 2; crlf++)
	for (o = 0; o <= blen; o++) {
		/* The text ends with "end" or with "end\r\n". */
		memcpy(buf, base, o);
		memcpy(buf + o, pats[k].s, pats[k].len);
		memcpy(buf + o + pats[k].len, base + o, blen - o);
		len = blen + pats[k].len;
		if (crlf) {
			memcpy(buf + len, "\r\n", 2);
			len += 2;
		}
		for (c = 0; c < 2; c++) {
			ref_body((enum dkim_canon)c, buf, len, &want);
			sha256(want.s, want.len, exp);
			for (j = 0; j <= pats[k].len + 1; j++) {
				cut = o + j > len ? len : o + j;
				body_digest2((enum dkim_canon)c, buf, len, cut,
				    got, &total);
				if (memcmp(got, exp, 32) != 0 ||
				    total != want.len)
					fail_msg("pattern %zu at %zu, canon %d, "
					    "cut %zu: got %llu bytes, want %zu",
					    k, o, c, cut,
					    (unsigned long long)total,
					    want.len);
			}
			for (j = 0; j < sizeof(chunks) / sizeof(chunks[0]);
			    j++) {
				body_digest((enum dkim_canon)c,
				    (const char *)buf, len, chunks[j], got,
				    &total);
				if (memcmp(got, exp, 32) != 0 ||
				    total != want.len)
					fail_msg("pattern %zu at %zu, canon %d, "
					    "chunk %zu: got %llu bytes, want %zu",
					    k, o, c, chunks[j],
					    (unsigned long long)total,
					    want.len);
			}
		}
	}
	/* Trailing empty and WSP-only lines after a long clean text. */
	for (k = 0; k < 40; k++) {
		len = blen;
		memcpy(buf, base, blen);
		for (j = 0; j < k % 8 && len + 3 <= sizeof(buf); j++) {
			memcpy(buf + len, k >= 8 && j % 2 ? " \r\n" : "\r\n",
			    k >= 8 && j % 2 ? 3 : 2);
			len += k >= 8 && j % 2 ? 3 : 2;
		}
		for (c = 0; c < 2; c++) {
			ref_body((enum dkim_canon)c, buf, len, &want);
			sha256(want.s, want.len, exp);
			for (cut = 0; cut <= len; cut++) {
				body_digest2((enum dkim_canon)c, buf, len, cut,
				    got, &total);
				if (memcmp(got, exp, 32) != 0 ||
				    total != want.len)
					fail_msg("trailing lines %zu, canon %d, "
					    "cut %zu: got %llu bytes, want %zu",
					    k, c, cut,
					    (unsigned long long)total,
					    want.len);
			}
		}
	}
	sbuf_free(&want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_346_example),
		cmocka_unit_test(test_body_table),
		cmocka_unit_test(test_body_limit),
		cmocka_unit_test(test_body_random),
		cmocka_unit_test(test_body_edges),
		cmocka_unit_test(test_header_table),
		cmocka_unit_test(test_header_selection),
		cmocka_unit_test(test_header_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
