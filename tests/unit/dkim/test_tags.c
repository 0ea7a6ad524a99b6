/*
 * test_tags.c: RFC 6376 section 3.2 tag lists and the base64 decoder
 * (FWS inside values, padding rules).
 */
#include "dkim_test.h"

static const struct {
	const char	*in;
	long		 want;		/* decoded length, -1 for invalid */
	const char	*out;
} b64[] = {
	{ "", 0, "" },
	{ "QQ==", 1, "A" },
	{ "QUI=", 2, "AB" },
	{ "QUJD", 3, "ABC" },
	{ "QU JD\r\n\tRA==", 4, "ABCD" },
	{ "Q\tQ==", 1, "A" },
	{ " Q U J D R A = = ", 4, "ABCD" },
	{ "QUJDREVGR0g=", 8, "ABCDEFGH" },
	{ "QUJDREVG\r\n R0hJ", 9, "ABCDEFGHI" },
	{ "Q", -1, NULL },
	{ "QQ=", -1, NULL },
	{ "QQ===", -1, NULL },
	{ "QQ==QQ==", -1, NULL },
	{ "QU*D", -1, NULL },
	{ "QUJDR", -1, NULL },
	{ "QUJ=D", -1, NULL },
	{ "====", -1, NULL },
	{ "QUJD\x80", -1, NULL },
};

static void
test_b64(void **state)
{
	uint8_t	out[64];
	size_t	i;
	long	n;

	(void)state;
	for (i = 0; i < sizeof(b64) / sizeof(b64[0]); i++) {
		n = dkim_b64_decode(b64[i].in, strlen(b64[i].in), out,
		    sizeof(out));
		if (n != b64[i].want || (n > 0 && memcmp(out, b64[i].out,
		    (size_t)n) != 0))
			fail_msg("'%s': got %ld, want %ld", b64[i].in, n,
			    b64[i].want);
	}
	/* Output capacity is respected. */
	assert_int_equal(dkim_b64_decode("QUJDREVG", 8, out, 5), -1);
}

/* The decoder's rules, spelt out one character at a time. */
static long
ref_b64(const char *p, size_t len, uint8_t *out, size_t cap)
{
	static const char	abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	uint8_t			v[512];
	size_t			i, n = 0, npad = 0, olen, k;
	const char		*c;
	uint32_t		acc;

	for (i = 0; i < len; i++) {
		if (strchr(" \t\r\n", p[i]) != NULL && p[i] != '\0')
			continue;
		if (p[i] == '=') {
			npad++;
			continue;
		}
		if (p[i] == '\0' || (c = strchr(abc, p[i])) == NULL ||
		    npad > 0 || n == sizeof(v))
			return -1;
		v[n++] = (uint8_t)(c - abc);
	}
	if (npad > 2 || (n + npad) % 4 != 0 || n % 4 == 1 ||
	    (n % 4 == 2 && npad != 2) || (n % 4 == 3 && npad != 1) ||
	    (n % 4 == 0 && npad != 0))
		return -1;
	olen = n / 4 * 3 + (n % 4 == 2 ? 1 : n % 4 == 3 ? 2 : 0);
	if (olen > cap)
		return -1;
	for (i = 0, k = 0; i < n; i += 4) {
		acc = (uint32_t)v[i] << 18 | (uint32_t)v[i + 1] << 12 |
		    (i + 2 < n ? (uint32_t)v[i + 2] << 6 : 0) |
		    (i + 3 < n ? v[i + 3] : 0);
		out[k++] = (uint8_t)(acc >> 16);
		if (i + 2 < n)
			out[k++] = (uint8_t)(acc >> 8);
		if (i + 3 < n)
			out[k++] = (uint8_t)acc;
	}
	return (long)olen;
}

/*
 * The decoder against ref_b64 on random text: mostly base64, with folds,
 * padding and the odd bad byte anywhere, and every output capacity near
 * the length (the fast path stores 8 bytes at a time).
 */
static void
test_b64_random(void **state)
{
	static const char	pool[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij"
	    "klmnopqrstuvwxyz0123456789+/";
	char			in[400];
	uint8_t			got[320], want[320];
	uint32_t		r = 12345;
	size_t			len, i, cap;
	long			g, w;
	int			iter, same = 0;

	(void)state;
	for (iter = 0; iter < 200000; iter++) {
		r = r * 1103515245 + 12345;
		len = (r >> 8) % 360;
		for (i = 0; i < len; i++) {
			r = r * 1103515245 + 12345;
			switch ((r >> 16) % 64) {
			case 0: in[i] = '\r'; break;
			case 1: in[i] = '\n'; break;
			case 2: in[i] = '\t'; break;
			case 3: in[i] = ' '; break;
			case 4: in[i] = (iter % 7 == 0) ? '=' : 'A'; break;
			case 5: in[i] = (iter % 11 == 0) ? '*' : 'z'; break;
			default: in[i] = pool[(r >> 22) % 64]; break;
			}
		}
		/* Often a well-formed ending: padding to a whole group. */
		if (iter % 3 == 0)
			while (len < sizeof(in) - 2 && (len % 4) != 0)
				in[len++] = '=';
		r = r * 1103515245 + 12345;
		cap = len * 3 / 4 + 8 > (r >> 24) % 16 ?
		    len * 3 / 4 + 8 - (r >> 24) % 16 : 0;
		if (cap > sizeof(got))
			cap = sizeof(got);
		memset(got, 0xaa, sizeof(got));
		g = dkim_b64_decode(in, len, got, cap);
		w = ref_b64(in, len, want, cap);
		if (g != w || (g > 0 && memcmp(got, want, (size_t)g) != 0))
			fail_msg("iteration %d, '%.*s' cap %zu: got %ld, "
			    "want %ld", iter, (int)len, in, cap, g, w);
		/* Nothing written past cap. */
		for (i = cap; i < sizeof(got); i++)
			if (got[i] != 0xaa)
				fail_msg("iteration %d: byte %zu past cap %zu "
				    "written", iter, i, cap);
		same += w >= 0;
	}
	/* The mix must reach both outcomes often. */
	assert_true(same > 20000 && same < 180000);
}

static const struct {
	const char	*in;
	int		 want;		/* tag count, -1 for invalid */
	const char	*why;
} lists[] = {
	{ "v=1; a=rsa-sha256", 2, NULL },
	{ "v=1; a=rsa-sha256;", 2, NULL },
	{ " v = 1 ;\r\n\ta=x ; ", 2, NULL },
	{ "v=1;; a=2", 2, NULL },
	{ "", 0, NULL },
	{ "v=", 1, NULL },
	{ "v=1; v=2", -1, "duplicate tag" },
	{ "b=1; bh=2", 2, NULL },
	{ "1v=1", -1, "bad tag name" },
	{ "v", -1, "tag without '='" },
	{ "v=a b", 1, NULL },
	{ "v=\x01", -1, "invalid character in tag value" },
	{ "v=\xc3\xa4", -1, "invalid character in tag value" },
};

static void
test_taglists(void **state)
{
	struct dkim_taglist	 tl;
	const char		*why;
	size_t			 i;
	int			 r;

	(void)state;
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		why = NULL;
		r = dkim_tags_parse(lists[i].in, strlen(lists[i].in), &tl,
		    &why);
		if ((r == -1 ? -1 : (int)tl.ntags) != lists[i].want ||
		    (lists[i].why != NULL && (why == NULL ||
		    strcmp(why, lists[i].why) != 0)))
			fail_msg("'%s': got %d (%s), want %d (%s)", lists[i].in,
			    r == -1 ? -1 : (int)tl.ntags, why != NULL ? why :
			    "-", lists[i].want, lists[i].why != NULL ?
			    lists[i].why : "-");
	}
	/* Values are trimmed of FWS and found by exact name. */
	assert_int_equal(dkim_tags_parse(" h = from : to \r\n ;x=1", 22, &tl,
	    &why), 0);
	assert_int_equal(dkim_tags_get(&tl, "h")->vallen, 9);
	assert_null(dkim_tags_get(&tl, "H"));
	/* NUL inside a list. */
	assert_int_equal(dkim_tags_parse("v=1\0; a=2", 9, &tl, &why), -1);
	assert_string_equal(why, "NUL byte in tag list");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64),
		cmocka_unit_test(test_b64_random),
		cmocka_unit_test(test_taglists),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
