/*
 * canon.c: DKIM canonicalization and the header store.
 *
 * Implements RFC 6376 section 3.4: simple and relaxed canonicalization of
 * header fields (3.4.1, 3.4.2) and bodies (3.4.3, 3.4.4, with errata 1384:
 * an empty body is empty under relaxed, one CRLF under simple), and the
 * header selection of section 5.4.2 (bottom-up, a missing field hashes
 * nothing). The body canonicalizer streams: it keeps only a few flags
 * between chunks, and hashes unchanged input in place, in spans as long
 * as the input allows, so clean text costs little more than the SHA-256
 * itself. Bare LF is read as CRLF throughout. No I/O, no logging.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "core/log.h"
#include "core/xmalloc.h"
#include "dkim/dkim_int.h"

static size_t		(*relaxed_scan)(const uint8_t *, size_t);
static size_t		(*simple_scan)(const uint8_t *, size_t);
static pthread_once_t	 scan_once = PTHREAD_ONCE_INIT;
static void		 scan_pick(void);

static EVP_MD		*sha256_md;
static pthread_once_t	 sha256_once = PTHREAD_ONCE_INIT;

static void
sha256_fetch(void)
{
	/* An explicit fetch once, not an implicit one per digest. */
	if ((sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		fatalx("dkim: OpenSSL has no SHA256");
}

const EVP_MD *
dkim_sha256(void)
{
	pthread_once(&sha256_once, sha256_fetch);
	return sha256_md;
}

int
dkim_canon_parse(const char *s, size_t len, enum dkim_canon *h,
    enum dkim_canon *b)
{
	const char	*slash = memchr(s, '/', len);
	size_t		 hl = slash != NULL ? (size_t)(slash - s) : len;

	/* RFC 6376 section 3.5 c=: "relaxed" alone means relaxed/simple. */
	*b = DKIM_CANON_SIMPLE;
	if (hl == 6 && strncasecmp(s, "simple", 6) == 0)
		*h = DKIM_CANON_SIMPLE;
	else if (hl == 7 && strncasecmp(s, "relaxed", 7) == 0)
		*h = DKIM_CANON_RELAXED;
	else
		return -1;
	if (slash == NULL)
		return 0;
	s = slash + 1;
	len -= hl + 1;
	if (len == 6 && strncasecmp(s, "simple", 6) == 0)
		*b = DKIM_CANON_SIMPLE;
	else if (len == 7 && strncasecmp(s, "relaxed", 7) == 0)
		*b = DKIM_CANON_RELAXED;
	else
		return -1;
	return 0;
}

#define IS_WSP(c)	((c) == ' ' || (c) == '\t')	/* evaluates c twice */

void
dkim_canon_header(enum dkim_canon c, const char *f, size_t len,
    struct sbuf *out)
{
	const char	*colon;
	size_t		 i, n, start;
	int		 wsp = 0, any = 0;
	char		*o;

	if (c == DKIM_CANON_SIMPLE) {
		/* Section 3.4.1: no change at all. */
		sbuf_add(out, f, len);
		return;
	}
	/* Section 3.4.2. */
	sbuf_reserve(out, len + 1);
	o = out->s + out->len;
	if ((colon = memchr(f, ':', len)) == NULL) {
		n = len;
		start = len;
	} else {
		n = (size_t)(colon - f);
		start = n + 1;
	}
	/* Lower-case the name, drop the WSP before the colon. */
	while (n > 0 && (IS_WSP(f[n - 1]) || f[n - 1] == '\r' ||
	    f[n - 1] == '\n'))
		n--;
	for (i = 0; i < n; i++)
		*o++ = (char)tolower((unsigned char)f[i]);
	if (colon != NULL)
		*o++ = ':';
	/* Unfold, reduce WSP runs to one SP, drop WSP at both ends. */
	for (i = start; i < len; i++) {
		char	ch = f[i];

		if ((unsigned char)ch > ' ') {
			if (wsp && any)
				*o++ = ' ';
			wsp = 0;
			any = 1;
			/* Copy the whole run of visible bytes. */
#ifdef __SSE2__
			/*
			 * 16 at a time: the output never runs ahead of the
			 * input, so o + 16 stays within the len + 1 reserved.
			 */
			while (i + 16 <= len) {
				__m128i		v = _mm_loadu_si128(
				    (const __m128i *)(f + i));
				unsigned	m = (unsigned)_mm_movemask_epi8(
				    _mm_cmpeq_epi8(_mm_min_epu8(v,
				    _mm_set1_epi8(' ')), v));	/* <= ' ' */

				_mm_storeu_si128((__m128i *)o, v);
				if (m == 0) {
					i += 16;
					o += 16;
					continue;
				}
				i += (size_t)__builtin_ctz(m);
				o += (size_t)__builtin_ctz(m);
				break;
			}
			while (i < len && (unsigned char)f[i] > ' ')
				*o++ = f[i++];
#else
			do
				*o++ = f[i++];
			while (i < len && (unsigned char)f[i] > ' ');
#endif
			i--;
			continue;
		}
		if (ch == '\r' && i + 1 < len && f[i + 1] == '\n') {
			i++;
			continue;
		}
		if (ch == '\n')
			continue;
		if (IS_WSP(ch)) {
			wsp = 1;
			continue;
		}
		if (wsp && any)
			*o++ = ' ';
		wsp = 0;
		any = 1;
		*o++ = ch;
	}
	out->len = (size_t)(o - out->s);
	out->s[out->len] = '\0';
}

/* ---- body ---------------------------------------------------------- */

static const uint8_t crlfs[] =
    "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"
    "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n";
#define NCRLFS	32
static const uint8_t one_sp[] = " ";
static const uint8_t one_cr[] = "\r";

void
dkim_bhash_init(struct dkim_bhash *h, enum dkim_canon c, uint64_t limit)
{
	pthread_once(&scan_once, scan_pick);
	memset(h, 0, sizeof(*h));
	h->canon = c;
	h->limit = limit;
	if ((h->md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(h->md, dkim_sha256(), NULL) != 1)
		fatalx("dkim: EVP_DigestInit failed");
}

void
dkim_bhash_reset(struct dkim_bhash *h, enum dkim_canon c, uint64_t limit)
{
	EVP_MD_CTX	*md = h->md;

	memset(h, 0, sizeof(*h));
	h->canon = c;
	h->limit = limit;
	h->md = md;
	if (EVP_DigestInit_ex(h->md, dkim_sha256(), NULL) != 1)
		fatalx("dkim: EVP_DigestInit failed");
}

void
dkim_bhash_free(struct dkim_bhash *h)
{
	EVP_MD_CTX_free(h->md);
	h->md = NULL;
}

static void
flush(struct dkim_bhash *h)
{
	size_t	n = h->spanlen, take;

	if (n == 0)
		return;
	h->total += n;
	if (h->hashed < h->limit) {
		/* l= (section 3.5): hash only the first limit bytes. */
		take = h->limit - h->hashed < n ? (size_t)(h->limit -
		    h->hashed) : n;
		EVP_DigestUpdate(h->md, h->span, take);
		h->hashed += take;
	}
	h->spanlen = 0;
}

/* Output bytes; adjacent spans of the same buffer merge into one update. */
static inline void
emit(struct dkim_bhash *h, const uint8_t *p, size_t n)
{
	if (h->spanlen != 0 && h->span + h->spanlen == p) {
		h->spanlen += n;
		return;
	}
	flush(h);
	h->span = p;
	h->spanlen = n;
}

/* Content follows on this line: release held empty lines and WSP. */
static inline void
content(struct dkim_bhash *h)
{
	uint64_t	k;

	if (!h->in_line) {
		/* Empty lines are not trailing after all (3.4.3, 3.4.4). */
		while (h->nl_pending > 0) {
			k = h->nl_pending < NCRLFS ? h->nl_pending : NCRLFS;
			emit(h, crlfs, (size_t)k * 2);
			flush(h);
			h->nl_pending -= k;
		}
		h->in_line = 1;
	}
	if (h->wsp) {
		emit(h, one_sp, 1);
		h->wsp = 0;
	}
}

/* End of line; crlf points at a CRLF to emit (input or static). */
static inline void
eol(struct dkim_bhash *h, const uint8_t *crlf)
{
	h->wsp = 0;	/* 3.4.4: WSP at the end of a line is ignored */
	if (h->in_line) {
		emit(h, crlf, 2);
		h->in_line = 0;
	} else
		h->nl_pending++;
}

/*
 * Offset of the first byte that relaxed canonicalization may change, or
 * that needs a look: a byte <= 0x20 other than SP, or a SP followed by a
 * byte <= 0x20 (WSP, CR, LF, ...) or by the end of the buffer. A lone SP
 * between words is kept as it is. Control bytes other than HT, CR and LF
 * come back too; the caller passes them on as content.
 */
static size_t
scan_tail(const uint8_t *p, size_t i, size_t n)
{
	for (; i < n; i++) {
		uint8_t	c = p[i];

		if (c < 0x20)
			return i;
		if (c == ' ' && (i + 1 == n || p[i + 1] <= 0x20))
			return i;
	}
	return n;
}

#if defined(__x86_64__) && defined(__GNUC__)
/*
 * The relaxed scan as a rule on byte pairs (a, b) = (p[i], p[i + 1]):
 * clean text has bytes <= 0x20 only as one SP between content bytes
 * (> 0x20) and as a CRLF between content bytes, and byte i may stay in a
 * span unless
 *
 *	a is a control byte other than CR and LF (or a SP or LF before
 *	    another byte <= 0x20: a WSP run, WSP before a line end, an empty
 *	    line or a line that starts with WSP), or
 *	a is CR and b is not LF (a bare CR), or b is LF and a is not CR
 *	    (a bare LF; byte i is the one before it).
 *
 * A clean CRLF thus does not stop the scan: clean text is one span,
 * hashed straight from the input in one update. Each 32 bytes cost two
 * overlapping loads, six compares and the boolean algebra, with no masks
 * carried from one step to the next. The first byte of p must be content
 * (nothing is known of what came before), and the last is followed by a
 * CR: scan_pairs_fix says where the span really ends.
 */
#define MASK64(a, b, op, x) ((uint64_t)(uint32_t)_mm256_movemask_epi8( \
	op(a, x)) | (uint64_t)(uint32_t)_mm256_movemask_epi8(op(b, x)) << 32)

__attribute__((target("avx2"))) static inline __m256i
pairs_bad32(const uint8_t *q)
{
	const __m256i	sp = _mm256_set1_epi8(' '), cr = _mm256_set1_epi8('\r');
	const __m256i	lf = _mm256_set1_epi8('\n');
	__m256i		a = _mm256_loadu_si256((const __m256i *)(const void *)q);
	__m256i		b = _mm256_loadu_si256((const __m256i *)(const void *)
			    (q + 1));
	__m256i		lea = _mm256_cmpeq_epi8(_mm256_min_epu8(a, sp), a);
	__m256i		leb = _mm256_cmpeq_epi8(_mm256_min_epu8(b, sp), b);
	__m256i		cra = _mm256_cmpeq_epi8(a, cr);
	__m256i		wl = _mm256_or_si256(_mm256_cmpeq_epi8(a, sp),
			    _mm256_cmpeq_epi8(a, lf));

	return _mm256_or_si256(
	    _mm256_xor_si256(cra, _mm256_cmpeq_epi8(b, lf)),
	    _mm256_or_si256(_mm256_and_si256(leb, wl),
	    _mm256_andnot_si256(_mm256_or_si256(wl, cra), lea)));
}

/*
 * k is the first byte the pair rule stops at, or n. Content stops only
 * before a bare LF, and may go in the span; the LF of a clean CRLF stops
 * (before a byte <= 0x20) with its CR, which must not end a span.
 */
static inline size_t
scan_pairs_fix(const uint8_t *p, size_t k, size_t n)
{
	if (k >= n)
		return n;
	if (p[k] > 0x20)
		return k + 1;
	if (p[k] == '\n' && p[k - 1] == '\r')
		return k - 1;
	return k;
}

__attribute__((target("avx2"))) static size_t
scan_avx2(const uint8_t *p, size_t n)
{
	uint8_t		t[2 * 32 + 1];
	__m256i		x, y;
	uint64_t	m;
	size_t		i = 0;

	if (n == 0 || p[0] <= 0x20)
		return 0;
	/* Pairs reach one byte past the 64: p[i + 64] must exist. */
	for (; i + 64 < n; i += 64) {
		x = pairs_bad32(p + i);
		y = pairs_bad32(p + i + 32);
		if (!_mm256_testz_si256(_mm256_or_si256(x, y),
		    _mm256_or_si256(x, y)))
			goto found;
	}
	/*
	 * The last 1 to 64 bytes in a copy followed by CRs: a CR after
	 * content keeps it, after SP, LF, CR or a control byte stops there,
	 * and is itself a stop (a CR not before LF), at n at the latest.
	 */
	memset(t, '\r', sizeof(t));
	memcpy(t, p + i, n - i);
	x = pairs_bad32(t);
	y = pairs_bad32(t + 32);
found:
	m = (uint64_t)(uint32_t)_mm256_movemask_epi8(x) |
	    (uint64_t)(uint32_t)_mm256_movemask_epi8(y) << 32;
	if (m == 0)		/* 64 clean bytes to the end */
		return n;
	return scan_pairs_fix(p, i + (size_t)__builtin_ctzll(m), n);
}

/*
 * The pair rule with AVX-512 VBMI, 64 bytes a step: one table lookup
 * (vpermb) gives each byte's bits as the first of a pair (pa) and another
 * as the second (pb), and the pair is bad where they share a bit:
 *
 *	bit 0: a is SP or LF,		b <= 0x20
 *	bit 1: a is CR,			b is not LF
 *	bit 2: a is not CR,		b is LF
 *	bit 3: a is another control,	always
 *
 * vpermb reads six bits of the index, so bytes from 0x40 up keep the
 * value of content instead.
 */
#define PB_ANY	0x08
static const uint8_t pair_tab_a[64] = {
	['\r'] = 0x02, ['\n'] = 0x05, [' '] = 0x05,
	[0x00] = 0x0c, [0x01] = 0x0c, [0x02] = 0x0c, [0x03] = 0x0c,
	[0x04] = 0x0c, [0x05] = 0x0c, [0x06] = 0x0c, [0x07] = 0x0c,
	[0x08] = 0x0c, [0x09] = 0x0c, [0x0b] = 0x0c, [0x0c] = 0x0c,
	[0x0e] = 0x0c, [0x0f] = 0x0c, [0x10] = 0x0c, [0x11] = 0x0c,
	[0x12] = 0x0c, [0x13] = 0x0c, [0x14] = 0x0c, [0x15] = 0x0c,
	[0x16] = 0x0c, [0x17] = 0x0c, [0x18] = 0x0c, [0x19] = 0x0c,
	[0x1a] = 0x0c, [0x1b] = 0x0c, [0x1c] = 0x0c, [0x1d] = 0x0c,
	[0x1e] = 0x0c, [0x1f] = 0x0c,
	[0x21 ... 0x3f] = 0x04,
};
static const uint8_t pair_tab_b[64] = {
	[0x00 ... 0x09] = 0x0b, ['\n'] = 0x0d, [0x0b ... 0x20] = 0x0b,
	[0x21 ... 0x3f] = 0x0a,
};

__attribute__((target("avx512bw,avx512vbmi"))) static size_t
scan_vbmi(const uint8_t *p, size_t n)
{
	const __m512i	ta = _mm512_loadu_si512((const void *)pair_tab_a);
	const __m512i	tb = _mm512_loadu_si512((const void *)pair_tab_b);
	const __m512i	hi = _mm512_set1_epi8(0x40);
	const __m512i	ca = _mm512_set1_epi8(0x04), cb = _mm512_set1_epi8(0x0a);
	__m512i		a, b;
	uint8_t		t[64 + 1];
	uint64_t	m;
	size_t		i = 0;

	if (n == 0 || p[0] <= 0x20)
		return 0;
	for (;; i += 64) {
		if (i + 64 < n) {
			a = _mm512_loadu_si512((const void *)(p + i));
			b = _mm512_loadu_si512((const void *)(p + i + 1));
		} else {
			/* The last 1 to 64 bytes, followed by CRs. */
			memset(t, '\r', sizeof(t));
			memcpy(t, p + i, n - i);
			a = _mm512_loadu_si512((const void *)t);
			b = _mm512_loadu_si512((const void *)(t + 1));
		}
		m = _mm512_test_epi8_mask(
		    _mm512_mask_permutexvar_epi8(ca,
		    _mm512_cmplt_epu8_mask(a, hi), a, ta),
		    _mm512_mask_permutexvar_epi8(cb,
		    _mm512_cmplt_epu8_mask(b, hi), b, tb));
		if (m != 0)
			return scan_pairs_fix(p, i + (size_t)__builtin_ctzll(m),
			    n);
		if (i + 64 >= n)
			return n;
	}
}

/* Scalar end of the simple scans: the first CR or LF from i. */
static size_t
simple_tail(const uint8_t *p, size_t i, size_t n)
{
	for (; i < n; i++)
		if (p[i] == '\r' || p[i] == '\n')
			return i;
	return n;
}

/*
 * The same for simple canonicalization: stop at CR and LF, except a CRLF
 * that ends a non-empty line and is followed by another non-empty line.
 */
__attribute__((target("avx2"))) static size_t
scan_simple_avx2(const uint8_t *p, size_t n)
{
	const __m256i	cr = _mm256_set1_epi8('\r'), lf = _mm256_set1_epi8('\n');
	__m256i		a, b;
	uint64_t	c, l, c2, l2, cc, m, pl = ~0ULL, pcc = 0;
	size_t		i = 0;

	if (n < 128)
		return simple_tail(p, 0, n);
	a = _mm256_loadu_si256((const __m256i *)(const void *)p);
	b = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));
	c = MASK64(a, b, _mm256_cmpeq_epi8, cr);
	l = MASK64(a, b, _mm256_cmpeq_epi8, lf);
	while (i + 128 <= n) {
		a = _mm256_loadu_si256((const __m256i *)(const void *)
		    (p + i + 64));
		b = _mm256_loadu_si256((const __m256i *)(const void *)
		    (p + i + 96));
		c2 = MASK64(a, b, _mm256_cmpeq_epi8, cr);
		l2 = MASK64(a, b, _mm256_cmpeq_epi8, lf);
		cc = c & (l >> 1 | l2 << 63) & ~(l << 1 | pl >> 63) &
		    ~((c | l) >> 2 | (c2 | l2) << 62);
		m = (c | l) & ~(cc | cc << 1 | pcc >> 63);
		if (m != 0)
			return i + (size_t)__builtin_ctzll(m);
		pl = l;
		pcc = cc;
		c = c2;
		l = l2;
		i += 64;
	}
	return simple_tail(p, i + (pcc >> 63), n);
}

#endif

#ifdef __SSE2__
static size_t
scan_sse2(const uint8_t *p, size_t n)
{
	const __m128i	sp = _mm_set1_epi8(' ');
	size_t		i = 0;

	while (i + 16 < n) {
		__m128i		v = _mm_loadu_si128((const __m128i *)
		    (const void *)(p + i));
		unsigned	le, s, m;

		le = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
		    _mm_min_epu8(v, sp), v));
		s = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, sp));
		m = (le & ~s) | (s & ((le >> 1) |
		    (unsigned)(p[i + 16] <= 0x20) << 15));
		if (m != 0)
			return i + (size_t)__builtin_ctz(m);
		i += 16;
	}
	return scan_tail(p, i, n);
}
#endif


static size_t
scan_plain(const uint8_t *p, size_t n)
{
	return scan_tail(p, 0, n);
}

static size_t
scan_simple_plain(const uint8_t *p, size_t n)
{
	const uint8_t	*a = memchr(p, '\r', n), *b = memchr(p, '\n', n);

	if (a == NULL && b == NULL)
		return n;
	if (a == NULL || (b != NULL && b < a))
		return (size_t)(b - p);
	return (size_t)(a - p);
}

static void
scan_pick(void)
{
	relaxed_scan = scan_plain;
	simple_scan = scan_simple_plain;
#ifdef __SSE2__
	relaxed_scan = scan_sse2;
#endif
#if defined(__x86_64__) && defined(__GNUC__)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2")) {
		relaxed_scan = scan_avx2;
		simple_scan = scan_simple_avx2;
	}
	/* One table lookup instead of the compares (Zen 4, Ice Lake on). */
	if (__builtin_cpu_supports("avx2") &&
	    __builtin_cpu_supports("avx512vbmi"))
		relaxed_scan = scan_vbmi;
	/* Tests and benchmarks can pin a variant. */
	if (getenv("FAIRLIST_DKIM_SIMD") != NULL) {
		const char	*e = getenv("FAIRLIST_DKIM_SIMD");

		if (strcmp(e, "vbmi") == 0 &&
		    __builtin_cpu_supports("avx512vbmi")) {
			relaxed_scan = scan_vbmi;
			simple_scan = scan_simple_avx2;
		} else if (strcmp(e, "avx2") == 0) {
			relaxed_scan = scan_avx2;
			simple_scan = scan_simple_avx2;
		} else if (strcmp(e, "sse2") == 0) {
			relaxed_scan = scan_sse2;
			simple_scan = scan_simple_plain;
		} else if (strcmp(e, "none") == 0) {
			relaxed_scan = scan_plain;
			simple_scan = scan_simple_plain;
		}
	}
#endif
}

static void
update_simple(struct dkim_bhash *h, const uint8_t *p, const uint8_t *end)
{
	size_t	i;

	while (p < end) {
		i = simple_scan(p, (size_t)(end - p));
		if (i > 0) {
			content(h);
			emit(h, p, i);
			p += i;
			if (p == end)
				break;
		}
		if (*p == '\n') {		/* bare LF */
			eol(h, crlfs);
			p++;
		} else if (p + 1 == end) {	/* CR: maybe half a CRLF */
			h->cr = 1;
			p++;
		} else if (p[1] == '\n') {
			eol(h, p);
			p += 2;
		} else {			/* a bare CR is content */
			content(h);
			emit(h, p, 1);
			p++;
		}
	}
}

static void
update_relaxed(struct dkim_bhash *h, const uint8_t *p, const uint8_t *end)
{
	size_t	i;

	/* A WSP run that ended the previous chunk may go on here. */
	if (h->wsp)
		while (p < end && IS_WSP(*p))
			p++;
	while (p < end) {
		i = relaxed_scan(p, (size_t)(end - p));
		if (i > 0) {
			content(h);
			emit(h, p, i);
			p += i;
			if (p == end)
				break;
		}
		switch (*p) {
		case ' ':
		case '\t':
			while (p < end && IS_WSP(*p))
				p++;
			h->wsp = 1;
			break;
		case '\n':
			eol(h, crlfs);
			p++;
			break;
		case '\r':
			if (p + 1 == end) {
				h->cr = 1;
				p++;
			} else if (p[1] == '\n') {
				eol(h, p);
				p += 2;
			} else {
				content(h);	/* a bare CR is content */
				emit(h, p, 1);
				p++;
			}
			break;
		default:
			/* Another control byte: content like any other. */
			content(h);
			emit(h, p, 1);
			p++;
			break;
		}
	}
}

void
dkim_bhash_update(struct dkim_bhash *h, const uint8_t *p, size_t len)
{
	const uint8_t	*end = p + len;

	if (len == 0)
		return;
	if (h->cr) {
		/* A CR ended the previous chunk. */
		h->cr = 0;
		if (p[0] == '\n') {
			eol(h, crlfs);
			p++;
		} else {
			content(h);
			emit(h, one_cr, 1);
		}
	}
	if (h->canon == DKIM_CANON_SIMPLE)
		update_simple(h, p, end);
	else
		update_relaxed(h, p, end);
	flush(h);	/* the input is not ours after return */
}

void
dkim_bhash_final(struct dkim_bhash *h, uint8_t *digest)
{
	unsigned int	n = 32;

	if (h->cr) {
		h->cr = 0;
		content(h);
		emit(h, one_cr, 1);
	}
	/* A last line without CRLF gets one (3.4.3, 3.4.4). */
	if (h->in_line)
		eol(h, crlfs);
	/* Simple: an empty body is one CRLF. Relaxed: nothing. */
	if (h->canon == DKIM_CANON_SIMPLE && h->total + h->spanlen == 0)
		emit(h, crlfs, 2);
	flush(h);
	EVP_DigestFinal_ex(h->md, digest, &n);
}

/* ---- header store -------------------------------------------------- */

enum { HS_LINESTART, HS_INLINE, HS_CR, HS_BLANKCR, HS_DONE };

void
dkim_hdrs_init(struct dkim_hdrs *h)
{
	memset(h, 0, sizeof(*h));
	sbuf_init(&h->buf);
}

void
dkim_hdrs_reset(struct dkim_hdrs *h)
{
	struct sbuf		 buf = h->buf;
	struct dkim_hfield	*f = h->f;
	size_t			 cap = h->cap;

	memset(h, 0, sizeof(*h));
	h->buf = buf;
	sbuf_reset(&h->buf);
	h->f = f;
	h->cap = cap;
}

void
dkim_hdrs_free(struct dkim_hdrs *h)
{
	sbuf_free(&h->buf);
	free(h->f);
	h->f = NULL;
}

/* Record the field stored at buf[off..off+len) and end buf there. */
static void
hdrs_record(struct dkim_hdrs *h, size_t off, size_t len)
{
	struct dkim_hfield	*f;
	const uint8_t		*colon;
	size_t			 n;

	if (h->n == h->cap) {
		h->cap = h->cap == 0 ? 32 : h->cap * 2;
		h->f = xreallocarray(h->f, h->cap, sizeof(*h->f));
	}
	f = &h->f[h->n++];
	f->off = off;
	f->len = len;
	h->buf.len = off + len;
	h->buf.s[h->buf.len] = '\0';
	colon = memchr(h->buf.s + f->off, ':', f->len);
	n = colon == NULL ? 0 : (size_t)(colon - (const uint8_t *)
	    (h->buf.s + f->off));
	while (n > 0 && IS_WSP(h->buf.s[f->off + n - 1]))
		n--;
	f->namelen = colon == NULL ? 0 : n;
}

static void	hdrs_add(struct dkim_hdrs *, const uint8_t *, size_t);

void
dkim_hdrs_add(struct dkim_hdrs *h, const uint8_t *p, size_t len)
{
	char	*pend;
	size_t	 plen = h->curlen;

	if (plen == 0) {
		hdrs_add(h, p, len);
		return;
	}
	/* A field split by *_write is pending at the end of buf: keep it. */
	pend = xmalloc(plen);
	memcpy(pend, h->buf.s + h->buf.len - plen, plen);
	h->buf.len -= plen;
	h->buf.s[h->buf.len] = '\0';
	hdrs_add(h, p, len);
	sbuf_add(&h->buf, pend, plen);
	free(pend);
}

static void
hdrs_add(struct dkim_hdrs *h, const uint8_t *p, size_t len)
{
	size_t			 i, start, off;

	/* Drop the final line end. */
	if (len > 0 && p[len - 1] == '\n')
		len--;
	if (len > 0 && p[len - 1] == '\r')
		len--;
	if (h->n == DKIM_HEADER_FIELDS_MAX ||
	    len > DKIM_HEADER_BYTES_MAX - h->buf.len) {
		h->dropped++;
		if (len >= 15 && strncasecmp((const char *)p,
		    "DKIM-Signature:", 15) == 0)
			h->dropped_sigs++;
		return;
	}
	if (h->buf.cap == 0)
		sbuf_reserve(&h->buf, 4096);
	off = h->buf.len;
	/* Store with CRLF line ends: a bare LF becomes CRLF. */
	for (start = 0; start < len; start = i + 1) {
		const uint8_t	*nl = memchr(p + start, '\n', len - start);

		if (nl == NULL)
			break;
		i = (size_t)(nl - p);
		if (i == 0 || p[i - 1] != '\r') {
			sbuf_add(&h->buf, p + start, i - start);
			sbuf_add(&h->buf, "\r\n", 2);
		} else
			sbuf_add(&h->buf, p + start, i + 1 - start);
	}
	if (start < len)
		sbuf_add(&h->buf, p + start, len - start);
	hdrs_record(h, off, h->buf.len - off);
}

/*
 * The field being split by dkim_hdrs_write is built in place at the end
 * of buf (curlen bytes), so that it is not copied a second time. It
 * holds no LF but those of the CRLF put in for folds.
 */
static void
cur_add(struct dkim_hdrs *h, const uint8_t *p, size_t n)
{
	if (h->buf.cap == 0)
		sbuf_reserve(&h->buf, 4096);
	/* A field longer than the whole block is dropped at its end. */
	if (h->curlen <= DKIM_HEADER_BYTES_MAX) {
		sbuf_add(&h->buf, p, n);
		h->curlen += n;
	}
}

static void
cur_finish(struct dkim_hdrs *h)
{
	size_t	off, len = h->curlen;

	if (len == 0)
		return;
	h->curlen = 0;
	off = h->buf.len - len;
	/* As hdrs_add does: drop the final CR, then the limits. */
	if (len <= DKIM_HEADER_BYTES_MAX && h->buf.s[off + len - 1] == '\r')
		len--;
	if (len > DKIM_HEADER_BYTES_MAX)
		h->dropped++;
	else if (h->n == DKIM_HEADER_FIELDS_MAX ||
	    len > DKIM_HEADER_BYTES_MAX - off) {
		h->dropped++;
		if (len >= 15 && strncasecmp(h->buf.s + off,
		    "DKIM-Signature:", 15) == 0)
			h->dropped_sigs++;
	} else {
		hdrs_record(h, off, len);
		return;
	}
	h->buf.len = off;
	h->buf.s[off] = '\0';
}

size_t
dkim_hdrs_write(struct dkim_hdrs *h, const uint8_t *p, size_t len)
{
	size_t		 i = 0;
	const uint8_t	*nl;

	while (i < len) {
		uint8_t	c = p[i];

		switch (h->state) {
		case HS_LINESTART:
			if (c == '\n') {	/* bare-LF blank line */
				cur_finish(h);
				h->state = HS_DONE;
				return i + 1;
			}
			if (c == '\r') {
				h->state = HS_BLANKCR;
				i++;
				break;
			}
			if (IS_WSP(c) && h->curlen > 0)
				cur_add(h, (const uint8_t *)"\r\n", 2);
			else
				cur_finish(h);
			h->state = HS_INLINE;
			break;
		case HS_INLINE:
			nl = memchr(p + i, '\n', len - i);
			if (nl == NULL) {
				size_t	n = len - i;

				if (p[len - 1] == '\r') {
					n--;
					h->state = HS_CR;
				}
				cur_add(h, p + i, n);
				return len;
			}
			{
				size_t	n = (size_t)(nl - (p + i));

				if (n > 0 && nl[-1] == '\r')
					n--;
				cur_add(h, p + i, n);
			}
			i = (size_t)(nl - p) + 1;
			h->state = HS_LINESTART;
			break;
		case HS_CR:
			if (c == '\n') {
				i++;
				h->state = HS_LINESTART;
			} else {
				cur_add(h, (const uint8_t *)"\r", 1);
				h->state = HS_INLINE;
			}
			break;
		case HS_BLANKCR:
			if (c == '\n') {
				cur_finish(h);
				h->state = HS_DONE;
				return i + 1;
			}
			/* A bare CR starting a line: it starts a field. */
			cur_finish(h);
			cur_add(h, (const uint8_t *)"\r", 1);
			h->state = HS_INLINE;
			break;
		case HS_DONE:
			return i;
		default:
			fatalx("dkim: header state %d", h->state);
		}
	}
	return len;
}

int
dkim_hdrs_done(const struct dkim_hdrs *h)
{
	return h->state == HS_DONE;
}

void
dkim_hdrs_flush(struct dkim_hdrs *h)
{
	cur_finish(h);
	h->state = HS_DONE;
}

int
dkim_hdrs_is(const struct dkim_hdrs *h, size_t i, const char *name,
    size_t namelen)
{
	const char	*f = h->buf.s + h->f[i].off;

	/* Cheap first-letter test before the full comparison. */
	return h->f[i].namelen == namelen && namelen > 0 &&
	    ((f[0] ^ name[0]) & ~0x20) == 0 &&
	    strncasecmp(f, name, namelen) == 0;
}

void
dkim_hash_headers(EVP_MD_CTX *md, const struct dkim_hdrs *h,
    char *const *names, size_t nnames, enum dkim_canon c,
    struct sbuf *scratch)
{
	size_t	k, j, nl, seen;
	size_t	i;

	sbuf_reset(scratch);
	sbuf_reserve(scratch, 2048);
	for (k = 0; k < nnames; k++) {
		nl = strlen(names[k]);
		/* This is occurrence number seen+1 of the name in h=. */
		for (seen = 0, j = 0; j < k; j++)
			if (((names[j][0] ^ names[k][0]) & ~0x20) == 0 &&
			    strcasecmp(names[j], names[k]) == 0)
				seen++;
		/* Section 5.4.2: take instances from the bottom up. */
		for (i = h->n; i-- > 0;) {
			if (!dkim_hdrs_is(h, i, names[k], nl))
				continue;
			if (seen-- > 0)
				continue;
			dkim_canon_header(c, h->buf.s + h->f[i].off,
			    h->f[i].len, scratch);
			sbuf_add(scratch, "\r\n", 2);
			break;
		}
	}
	EVP_DigestUpdate(md, scratch->s, scratch->len);
}
