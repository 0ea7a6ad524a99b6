/*
 * tags.c: DKIM tag lists, base64, DKIM-Signature fields and key records.
 *
 * Parses untrusted text only; does no I/O, no hashing and no signature
 * check. Implements RFC 6376 section 3.2 (tag lists), 3.5 (signature
 * tags) and 3.6.1 (key records), RFC 8463 section 4 (Ed25519 keys) and
 * RFC 8301 (rsa-sha1 is recognised so that it can be refused). Every
 * failure returns a short static reason for the per-signature result.
 */
#include <ctype.h>
#include <stddef.h>
#include <endian.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <openssl/err.h>
#include <openssl/x509.h>

#include "core/str.h"
#include "dkim/dkim_int.h"

#define IS_FWS(c)	((c) == ' ' || (c) == '\t' || (c) == '\r' || \
			    (c) == '\n')	/* evaluates c several times */

/* Byte classes for tag lists: one table lookup per byte. */
#define C_ALPHA	0x01	/* ALPHA */
#define C_NAME	0x02	/* ALPHA / DIGIT / "_" */
#define C_FWS	0x04	/* SP HTAB CR LF */
#define C_TVAL	0x08	/* %x21-3A / %x3C-7E (tval, not ';') */
static uint8_t	ctab[256];

static void
ctab_init(void)
{
	int	c;

	for (c = 0x21; c <= 0x7e; c++)
		if (c != ';')
			ctab[c] |= C_TVAL;
	for (c = 'a'; c <= 'z'; c++) {
		ctab[c] |= C_ALPHA | C_NAME;
		ctab[c - 32] |= C_ALPHA | C_NAME;
	}
	for (c = '0'; c <= '9'; c++)
		ctab[c] |= C_NAME;
	ctab['_'] |= C_NAME;
	ctab[' '] = ctab['\t'] = ctab['\r'] = ctab['\n'] = C_FWS;
}

int
dkim_tags_parse(const char *p, size_t len, struct dkim_taglist *tl,
    const char **why)
{
	const unsigned char	*u = (const unsigned char *)p;
	size_t			 i = 0, j, k, start;
	struct dkim_tag		*t;
	uint32_t		 seen = 0;	/* 1 << (first letter) */

	if (ctab['a'] == 0)
		ctab_init();	/* idempotent, so no lock is needed */
	tl->ntags = 0;
	while (i < len) {
		while (i < len && (ctab[u[i]] & C_FWS))
			i++;
		if (i == len)
			break;
		if (u[i] == ';') {	/* empty tag-spec, tolerated */
			i++;
			continue;
		}
		/* tag-name = ALPHA *ALNUMPUNC (section 3.2) */
		if (!(ctab[u[i]] & C_ALPHA)) {
			*why = "bad tag name";
			return -1;
		}
		start = i;
		while (i < len && (ctab[u[i]] & C_NAME))
			i++;
		if (tl->ntags == DKIM_TAGS_MAX) {
			*why = "too many tags";
			return -1;
		}
		t = &tl->tags[tl->ntags];
		t->name = p + start;
		t->namelen = i - start;
		while (i < len && (ctab[u[i]] & C_FWS))
			i++;
		if (i == len || u[i] != '=') {
			*why = "tag without '='";
			return -1;
		}
		i++;
		t->rawoff = i;
		while (i < len && (ctab[u[i]] & C_FWS))
			i++;
		start = i;
		/* tval is %x21-3A / %x3C-7E, separated by FWS */
		while (i < len) {
#ifdef __SSE2__
			/*
			 * 16 bytes at a time while all are %x21-7E but ';'
			 * (a subset of TVAL); the byte loop takes the rest.
			 */
			if (i + 16 <= len) {
				__m128i	v = _mm_loadu_si128(
				    (const __m128i *)(u + i));
				__m128i	ok = _mm_andnot_si128(
				    _mm_cmpeq_epi8(v, _mm_set1_epi8(';')),
				    _mm_and_si128(
				    _mm_cmpgt_epi8(v, _mm_set1_epi8(0x20)),
				    _mm_cmplt_epi8(v, _mm_set1_epi8(0x7f))));
				unsigned m = (unsigned)_mm_movemask_epi8(ok);

				if (m == 0xffff) {
					i += 16;
					continue;
				}
				i += (size_t)__builtin_ctz(~m);
			}
#endif
			if (!(ctab[u[i]] & (C_TVAL | C_FWS)))
				break;
			i++;
		}
		if (i < len && u[i] != ';') {
			*why = u[i] == 0 ? "NUL byte in tag list" :
			    "invalid character in tag value";
			return -1;
		}
		t->rawend = i;
		j = i;
		while (j > start && (ctab[u[j - 1]] & C_FWS))
			j--;
		t->val = p + start;
		t->vallen = j - start;
		/* Section 3.2: a duplicate tag name makes the list invalid. */
		if (seen & 1u << (t->name[0] & 31)) {
			for (k = 0; k < tl->ntags; k++) {
				if (tl->tags[k].namelen == t->namelen &&
				    memcmp(tl->tags[k].name, t->name,
				    t->namelen) == 0) {
					*why = "duplicate tag";
					return -1;
				}
			}
		}
		seen |= 1u << (t->name[0] & 31);
		tl->ntags++;
		if (i < len)
			i++;	/* the ';' */
	}
	return 0;
}

const struct dkim_tag *
dkim_tags_get(const struct dkim_taglist *tl, const char *name)
{
	size_t	i, n = strlen(name);

	/* Tag names are case-sensitive (RFC 6376 section 3.2). */
	for (i = 0; i < tl->ntags; i++)
		if (tl->tags[i].namelen == n && tl->tags[i].name[0] ==
		    name[0] && memcmp(tl->tags[i].name, name, n) == 0)
			return &tl->tags[i];
	return NULL;
}

int
dkim_tag_is(const struct dkim_tag *t, const char *s)
{
	size_t	n = strlen(s);

	return t->vallen == n && strncasecmp(t->val, s, n) == 0;
}

/* Base64 values; 64 for FWS (skipped), 65 for '=', 66 for the rest. */
static const uint8_t b64tab[256] = {
	66, 66, 66, 66, 66, 66, 66, 66, 66, 64, 64, 66, 66, 64, 66, 66,
	66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66,
	64, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 62, 66, 66, 66, 63,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 66, 66, 66, 65, 66, 66,
	66,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 66, 66, 66, 66, 66,
	66, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 66, 66, 66, 66, 66,
	66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66,
	66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66,
	66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66,
	66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66,
	66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66,
	66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66,
	66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66,
	66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66,
};

/*
 * b64tab as four tables of whole words, each value already shifted to
 * its place in a group's 24 bits; anything but the 64 characters has the
 * top byte set, so one test of four ORed lookups checks a group.
 */
#define B64_BAD		0xff000000u
static uint32_t		b64w[4][256];
static pthread_once_t	b64w_once = PTHREAD_ONCE_INIT;

static void
b64w_init(void)
{
	unsigned	c, k;

	for (c = 0; c < 256; c++)
		for (k = 0; k < 4; k++)
			b64w[k][c] = b64tab[c] < 64 ?
			    (uint32_t)b64tab[c] << (18 - 6 * k) : B64_BAD;
}

/* One group of four characters at s: its 24 bits, or B64_BAD set. */
static inline uint32_t
b64_group(const unsigned char *s)
{
	return b64w[0][s[0]] | b64w[1][s[1]] | b64w[2][s[2]] | b64w[3][s[3]];
}

long
dkim_b64_decode(const char *p, size_t len, uint8_t *out, size_t cap)
{
	const unsigned char	*u = (const unsigned char *)p;
	size_t			 i = 0, o = 0, nchars = 0, npad = 0;
	uint32_t		 acc = 0, x0, x1;
	uint64_t		 y;
	int			 nacc = 0;

	pthread_once(&b64w_once, b64w_init);
	/*
	 * Whole groups straight from the input while no group is split:
	 * eight characters to one 8-byte store (6 bytes of it kept) while
	 * out has room, then four to three bytes. A fold (b= values are
	 * folded every line), padding or a bad byte goes one character at a
	 * time until the groups line up again; padding ends this loop and
	 * the loop below checks it.
	 */
	while (i < len) {
		if (nacc == 0) {
			while (len - i >= 8 && cap - o >= 8) {
				x0 = b64_group(u + i);
				x1 = b64_group(u + i + 4);
				if ((x0 | x1) & B64_BAD)
					break;
				y = htobe64((uint64_t)x0 << 40 |
				    (uint64_t)x1 << 16);
				memcpy(out + o, &y, 8);
				i += 8;
				o += 6;
			}
			while (len - i >= 4 && cap - o >= 3 &&
			    !((x0 = b64_group(u + i)) & B64_BAD)) {
				out[o++] = (uint8_t)(x0 >> 16);
				out[o++] = (uint8_t)(x0 >> 8);
				out[o++] = (uint8_t)x0;
				i += 4;
			}
		}
		if (i >= len)
			break;
		/* One character the slow way (FWS, padding, a split group). */
		x0 = b64tab[u[i]];
		if (x0 == 66)
			return -1;
		if (x0 == 65)
			break;		/* padding: the loop below checks it */
		if (x0 < 64) {
			acc = acc << 6 | x0;
			if (++nacc == 4) {
				if (cap - o < 3)
					return -1;
				out[o++] = (uint8_t)(acc >> 16);
				out[o++] = (uint8_t)(acc >> 8);
				out[o++] = (uint8_t)acc;
				acc = 0;
				nacc = 0;
			}
		}
		i++;
	}
	/* Characters so far: 4 per output group, plus those in acc. */
	nchars = o / 3 * 4 + (size_t)nacc;
	for (; i < len; i++) {
		uint8_t	v = b64tab[(unsigned char)p[i]];

		if (v < 64) {
			if (npad > 0)
				return -1;	/* data after padding */
			nchars++;
			acc = acc << 6 | v;
			if (++nacc == 4) {
				if (cap - o < 3)
					return -1;
				out[o++] = (uint8_t)(acc >> 16);
				out[o++] = (uint8_t)(acc >> 8);
				out[o++] = (uint8_t)acc;
				acc = 0;
				nacc = 0;
			}
		} else if (v == 65)
			npad++;
		else if (v == 66)
			return -1;
	}
	if (npad > 2 || (nchars + npad) % 4 != 0)
		return -1;
	if (nacc == 2) {
		if (npad != 2 || cap - o < 1)
			return -1;
		out[o++] = (uint8_t)(acc >> 4);
	} else if (nacc == 3) {
		if (npad != 1 || cap - o < 2)
			return -1;
		out[o++] = (uint8_t)(acc >> 10);
		out[o++] = (uint8_t)(acc >> 2);
	} else if (nacc != 0 || npad != 0)
		return -1;
	return (long)o;
}

void
dkim_b64_encode(struct sbuf *b, const uint8_t *p, size_t len)
{
	static const char	abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t			i;
	char			*o;
	uint32_t		v;

	sbuf_reserve(b, (len + 2) / 3 * 4);
	o = b->s + b->len;
	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		*o++ = abc[v >> 18];
		*o++ = abc[(v >> 12) & 63];
		*o++ = abc[(v >> 6) & 63];
		*o++ = abc[v & 63];
	}
	if (i < len) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		*o++ = abc[v >> 18];
		*o++ = abc[(v >> 12) & 63];
		*o++ = i + 1 < len ? abc[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	b->len = (size_t)(o - b->s);
	b->s[b->len] = '\0';
}

int
dkim_domain_ok(const char *s, size_t len)
{
	return len <= DKIM_DOMAIN_MAX && str_dnsname_ok(s, len);
}

/* Copy a tag value into dst (size n) lower-cased; 0 if it does not fit. */
static int
copy_lower(char *dst, size_t n, const struct dkim_tag *t)
{
	size_t	i;

	if (t->vallen >= n)
		return 0;
	for (i = 0; i < t->vallen; i++)
		dst[i] = (char)tolower((unsigned char)t->val[i]);
	dst[t->vallen] = '\0';
	return 1;
}

/* Parse 1*digits (at most maxdig) into OUT:v. Returns 0 or -1. */
static int
parse_num(const struct dkim_tag *t, size_t maxdig, uint64_t *v)
{
	size_t		i;
	uint64_t	n = 0;

	if (t->vallen == 0 || t->vallen > maxdig)
		return -1;
	for (i = 0; i < t->vallen; i++) {
		if (!isdigit((unsigned char)t->val[i]))
			return -1;
		if (n > (UINT64_MAX - 9) / 10)
			return -1;
		n = n * 10 + (uint64_t)(t->val[i] - '0');
	}
	*v = n;
	return 0;
}

/*
 * The next item of the colon-separated list in t from *i, FWS trimmed:
 * [*b, *e). Returns 0 at the end of the list, else 1 with *i past the item.
 */
static int
list_next(const struct dkim_tag *t, size_t *i, size_t *b, size_t *e)
{
	size_t	j;

	if (*i > t->vallen)
		return 0;
	for (j = *i; j < t->vallen && t->val[j] != ':'; j++)
		;
	*b = *i;
	*e = j;
	while (*b < *e && IS_FWS(t->val[*b]))
		(*b)++;
	while (*e > *b && IS_FWS(t->val[*e - 1]))
		(*e)--;
	*i = j + 1;
	return 1;
}

/* Does the colon-separated list in t hold item (case-insensitive)? */
static int
list_has(const struct dkim_tag *t, const char *item)
{
	size_t	i = 0, b, e, n = strlen(item);

	while (list_next(t, &i, &b, &e))
		if (e - b == n && strncasecmp(t->val + b, item, n) == 0)
			return 1;
	return 0;
}

/* Split h= into sig->hnames. Returns 0, or -1 with OUT:why. */
static int
parse_h(const struct dkim_tag *t, struct dkim_sig *sig, const char **why)
{
	size_t	at = 0, i, e, k, o = 0;
	int	from = 0;

	sig->nh = 0;
	while (list_next(t, &at, &i, &e)) {
		if (e == i) {
			*why = "empty name in h=";
			return -1;
		}
		for (k = i; k < e; k++) {
			/* field-name = 1*ftext, %x21-39 / %x3B-7E */
			if ((unsigned char)t->val[k] < 0x21 ||
			    (unsigned char)t->val[k] > 0x7e) {
				*why = "bad name in h=";
				return -1;
			}
		}
		if (sig->nh == DKIM_H_MAX ||
		    sizeof(sig->hbuf) - o < e - i + 1) {
			*why = "h= too long";
			return -1;
		}
		memcpy(sig->hbuf + o, t->val + i, e - i);
		sig->hbuf[o + e - i] = '\0';
		sig->hnames[sig->nh++] = sig->hbuf + o;
		if (e - i == 4 && strncasecmp(t->val + i, "from", 4) == 0)
			from = 1;
		o += e - i + 1;
	}
	if (!from) {
		/* RFC 6376 section 5.4: From MUST be signed. */
		*why = "h= does not include From";
		return -1;
	}
	return 0;
}

enum dkim_result
dkim_sig_parse(const char *val, size_t len, size_t voff, struct dkim_sig *sig,
    const char **why)
{
	struct dkim_taglist	 tl;
	const struct dkim_tag	*t;
	uint64_t		 n;
	long			 r;
	size_t			 i, k, dl;
	const char		*at;
	/* The tags by name, assigned in one pass (a..z, and bh=). */
	const struct dkim_tag	*tag[26], *tag_bh = NULL;

	memset(sig, 0, offsetof(struct dkim_sig, b));
	sig->t = sig->x = -1;
	if (len > DKIM_SIG_FIELD_MAX) {
		*why = "DKIM-Signature field too long";
		return DKIM_RES_PERMERROR;
	}
	if (dkim_tags_parse(val, len, &tl, why) == -1)
		return DKIM_RES_PERMERROR;
	/*
	 * Tag names are case-sensitive and dkim_tags_parse refused
	 * duplicates, so this finds what dkim_tags_get would.
	 */
	memset(tag, 0, sizeof(tag));
	for (i = 0; i < tl.ntags; i++) {
		const struct dkim_tag	*g = &tl.tags[i];

		if (g->namelen == 1 && g->name[0] >= 'a' && g->name[0] <= 'z')
			tag[g->name[0] - 'a'] = g;
		else if (g->namelen == 2 && g->name[0] == 'b' &&
		    g->name[1] == 'h')
			tag_bh = g;
	}
	/* What the result line shows is taken first, as far as it parses. */
	if ((t = tag['d' - 'a']) != NULL)
		copy_lower(sig->d, sizeof(sig->d), t);
	if ((t = tag['s' - 'a']) != NULL)
		copy_lower(sig->s, sizeof(sig->s), t);
	if ((t = tag['b' - 'a']) != NULL) {
		sig->boff = voff + t->rawoff;
		sig->bend = voff + t->rawend;
		for (i = k = 0; i < t->vallen && k < DKIM_BPREFIX_MAX; i++)
			if (!IS_FWS(t->val[i]))
				sig->bprefix[k++] = t->val[i];
		sig->bprefix[k] = '\0';
	}
	if ((t = tag['a' - 'a']) != NULL) {
		if (dkim_tag_is(t, "rsa-sha256"))
			sig->alg = DKIM_ALG_RSA_SHA256;
		else if (dkim_tag_is(t, "ed25519-sha256"))
			sig->alg = DKIM_ALG_ED25519_SHA256;
		else if (dkim_tag_is(t, "rsa-sha1"))
			sig->alg = DKIM_ALG_RSA_SHA1;
	}

	/* Section 3.5: v=, a=, b=, bh=, d=, h=, s= are required. */
	if ((t = tag['v' - 'a']) == NULL) {
		*why = "missing v=";
		return DKIM_RES_PERMERROR;
	}
	if (t->vallen != 1 || t->val[0] != '1') {
		*why = "unsupported version v=";
		return DKIM_RES_PERMERROR;
	}
	if ((t = tag['a' - 'a']) == NULL) {
		*why = "missing a=";
		return DKIM_RES_PERMERROR;
	}
	if (sig->alg == DKIM_ALG_NONE) {
		*why = "unknown algorithm a=";
		return DKIM_RES_PERMERROR;
	}
	if ((t = tag['b' - 'a']) == NULL) {
		*why = "missing b=";
		return DKIM_RES_PERMERROR;
	}
	r = dkim_b64_decode(t->val, t->vallen, sig->b, sizeof(sig->b));
	if (r <= 0) {
		*why = r == 0 ? "empty b=" : "invalid base64 in b=";
		return DKIM_RES_PERMERROR;
	}
	sig->blen = (size_t)r;
	if ((t = tag_bh) == NULL) {
		*why = "missing bh=";
		return DKIM_RES_PERMERROR;
	}
	{
		uint8_t	tmp[64];

		r = dkim_b64_decode(t->val, t->vallen, tmp, sizeof(tmp));
		if (r < 0) {
			*why = "invalid base64 in bh=";
			return DKIM_RES_PERMERROR;
		}
		if (sig->alg == DKIM_ALG_RSA_SHA1) {
			/* RFC 8301 section 3.1: never valid. */
			*why = "rsa-sha1 is not allowed (RFC 8301)";
			return DKIM_RES_FAIL;
		}
		if (r != 32) {
			*why = "bh= is not a SHA-256 digest";
			return DKIM_RES_PERMERROR;
		}
		memcpy(sig->bh, tmp, 32);
	}
	sig->hcanon = sig->bcanon = DKIM_CANON_SIMPLE;
	if ((t = tag['c' - 'a']) != NULL &&
	    dkim_canon_parse(t->val, t->vallen, &sig->hcanon,
	    &sig->bcanon) == -1) {
		*why = "unknown canonicalization c=";
		return DKIM_RES_PERMERROR;
	}
	if ((t = tag['d' - 'a']) == NULL) {
		*why = "missing d=";
		return DKIM_RES_PERMERROR;
	}
	if (!dkim_domain_ok(t->val, t->vallen)) {
		*why = "invalid domain d=";
		return DKIM_RES_PERMERROR;
	}
	if ((t = tag['s' - 'a']) == NULL) {
		*why = "missing s=";
		return DKIM_RES_PERMERROR;
	}
	if (!dkim_domain_ok(t->val, t->vallen) ||
	    t->vallen + strlen(sig->d) + 12 > DKIM_DOMAIN_MAX) {
		*why = "invalid selector s=";
		return DKIM_RES_PERMERROR;
	}
	if ((t = tag['h' - 'a']) == NULL) {
		*why = "missing h=";
		return DKIM_RES_PERMERROR;
	}
	if (parse_h(t, sig, why) == -1)
		return DKIM_RES_PERMERROR;
	/* Section 3.5 i=: defaults to "@d"; its domain is d or below it. */
	if ((t = tag['i' - 'a']) != NULL) {
		if (!copy_lower(sig->i, sizeof(sig->i), t) ||
		    (at = strrchr(sig->i, '@')) == NULL) {
			*why = "invalid identity i=";
			return DKIM_RES_PERMERROR;
		}
		sig->idomain = at + 1;
		n = strlen(sig->idomain);
		dl = strlen(sig->d);
		if (!dkim_domain_ok(sig->idomain, n)) {
			*why = "invalid identity i=";
			return DKIM_RES_PERMERROR;
		}
		if (!(n == dl || (n > dl && sig->idomain[n - dl - 1] == '.'))
		    || strcmp(sig->idomain + n - dl, sig->d) != 0) {
			*why = "i= domain is not within d=";
			return DKIM_RES_PERMERROR;
		}
	} else {
		snprintf(sig->i, sizeof(sig->i), "@%s", sig->d);
		sig->idomain = sig->i + 1;
	}
	if ((t = tag['l' - 'a']) != NULL) {
		if (parse_num(t, 76, &n) == -1) {
			*why = "invalid body length l=";
			return DKIM_RES_PERMERROR;
		}
		sig->has_l = 1;
		sig->l = n;
	}
	/* q=: a colon list that must offer dns/txt, the only method. */
	if ((t = tag['q' - 'a']) != NULL &&
	    !list_has(t, "dns/txt") && !list_has(t, "dns")) {
		*why = "unsupported query method q=";
		return DKIM_RES_PERMERROR;
	}
	if ((t = tag['t' - 'a']) != NULL) {
		if (parse_num(t, 12, &n) == -1) {
			*why = "invalid timestamp t=";
			return DKIM_RES_PERMERROR;
		}
		sig->t = (int64_t)n;
	}
	if ((t = tag['x' - 'a']) != NULL) {
		if (parse_num(t, 12, &n) == -1) {
			*why = "invalid expiration x=";
			return DKIM_RES_PERMERROR;
		}
		sig->x = (int64_t)n;
		/* Section 3.5 x=: MUST be greater than t=. */
		if (sig->t != -1 && sig->x < sig->t) {
			*why = "x= is before t=";
			return DKIM_RES_PERMERROR;
		}
	}
	return DKIM_RES_NONE;
}

int
dkim_pubkey_parse(const char *txt, size_t len, struct dkim_pubkey *k,
    const char **why)
{
	struct dkim_taglist	 tl;
	const struct dkim_tag	*t;
	uint8_t			 der[4096];
	const unsigned char	*dp;
	long			 n;

	memset(k, 0, sizeof(*k));
	k->ktype = DKIM_ALG_RSA_SHA256;
	k->sha256_ok = 1;
	if (len > DKIM_KEY_RECORD_MAX) {
		*why = "key record too long";
		return -1;
	}
	if (dkim_tags_parse(txt, len, &tl, why) == -1) {
		*why = "key record syntax error";
		return -1;
	}
	/* Section 3.6.1 v=: if present, first and exactly "DKIM1". */
	if ((t = dkim_tags_get(&tl, "v")) != NULL &&
	    (t != &tl.tags[0] || t->vallen != 5 ||
	    memcmp(t->val, "DKIM1", 5) != 0)) {
		*why = "key record has a bad v=";
		return -1;
	}
	if ((t = dkim_tags_get(&tl, "h")) != NULL)
		k->sha256_ok = list_has(t, "sha256");
	if ((t = dkim_tags_get(&tl, "k")) != NULL) {
		if (dkim_tag_is(t, "rsa"))
			k->ktype = DKIM_ALG_RSA_SHA256;
		else if (dkim_tag_is(t, "ed25519"))
			k->ktype = DKIM_ALG_ED25519_SHA256;
		else {
			*why = "unknown key type k=";
			return -1;
		}
	}
	if ((t = dkim_tags_get(&tl, "s")) != NULL && !list_has(t, "*") &&
	    !list_has(t, "email")) {
		*why = "key is not for email (s=)";
		return -1;
	}
	if ((t = dkim_tags_get(&tl, "t")) != NULL) {
		k->testing = list_has(t, "y");
		k->strict = list_has(t, "s");
	}
	if ((t = dkim_tags_get(&tl, "p")) == NULL) {
		*why = "key record without p=";
		return -1;
	}
	if ((n = dkim_b64_decode(t->val, t->vallen, der, sizeof(der))) < 0) {
		*why = "invalid base64 in key p=";
		return -1;
	}
	if (n == 0) {
		/* Section 3.6.1 p=: an empty value means revoked. */
		k->revoked = 1;
		return 0;
	}
	if (k->ktype == DKIM_ALG_ED25519_SHA256) {
		/* RFC 8463 section 4: the raw 32-byte public key. */
		if (n != 32) {
			*why = "Ed25519 key p= is not 32 bytes";
			return -1;
		}
		k->pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL,
		    der, 32);
		k->bits = 256;
	} else {
		/* SubjectPublicKeyInfo, or a bare RSAPublicKey (PKCS#1). */
		dp = der;
		k->pkey = d2i_PUBKEY(NULL, &dp, n);
		if (k->pkey == NULL) {
			dp = der;
			k->pkey = d2i_PublicKey(EVP_PKEY_RSA, NULL, &dp, n);
		}
		if (k->pkey != NULL && EVP_PKEY_get_base_id(k->pkey) !=
		    EVP_PKEY_RSA) {
			EVP_PKEY_free(k->pkey);
			k->pkey = NULL;
			ERR_clear_error();
			*why = "key p= is not an RSA key";
			return -1;
		}
		if (k->pkey != NULL)
			k->bits = EVP_PKEY_get_bits(k->pkey);
	}
	if (k->pkey == NULL) {
		ERR_clear_error();
		*why = "key p= does not parse";
		return -1;
	}
	if (k->bits > DKIM_RSA_MAX_BITS) {
		EVP_PKEY_free(k->pkey);
		k->pkey = NULL;
		*why = "RSA key longer than 8192 bits";
		return -1;
	}
	return 0;
}
