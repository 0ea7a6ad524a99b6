/*
 * macro.c: SPF macro expansion (RFC 7208 section 7).
 *
 * macro-string = *( macro-expand / macro-literal )
 * macro-expand = ( "%{" macro-letter transformers *delimiter "}" )
 *                / "%%" / "%_" / "%-"
 *
 * Letters s l o d i p h v, plus c r t in explanation text only; an upper
 * case letter is URL-escaped after expansion. transformers = [digits]
 * ["r"]: reverse the parts, keep the rightmost N, join with ".". The
 * output is bounded by the caller's buffer (at most SPF_EXPAND_MAX), so a
 * macro bomb fails with -2 instead of growing. No I/O, no allocation.
 */
#include <string.h>

#include "spf/spf_int.h"

static int
is_delim(int c)
{
	return c == '.' || c == '-' || c == '+' || c == ',' || c == '/' ||
	    c == '_' || c == '=';
}

/* Letter to its value, or NULL if the letter is not allowed here. */
static const char *
letter_value(const struct spf_macro_env *e, int c, int exp)
{
	switch (c | 0x20) {
	case 's': return e->s;
	case 'l': return e->l;
	case 'o': return e->o;
	case 'd': return e->d;
	case 'i': return e->i;
	case 'p': return e->p;
	case 'h': return e->h;
	case 'v': return e->v;
	case 'c': return exp ? e->c : NULL;
	case 'r': return exp ? e->r : NULL;
	case 't': return exp ? e->t : NULL;
	default: return NULL;
	}
}

static int
letter_ok(int c, int exp)
{
	switch (c | 0x20) {
	case 's': case 'l': case 'o': case 'd': case 'i': case 'p':
	case 'h': case 'v':
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
	case 'c': case 'r': case 't':
		return exp && ((c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z'));
	default:
		return 0;
	}
}

/*
 * Parse the inside of %{...} starting at spec[*i] (just after "{").
 * Fills the letter, digit count (0 = all), reverse flag and delimiter
 * set; leaves *i after the "}". Returns 0 or -1.
 */
static int
parse_expand(const char *spec, size_t len, size_t *i, int exp, int *letter,
    unsigned *ndig, int *rev, char delims[8], size_t *ndelims)
{
	size_t		 k = *i;
	unsigned	 n = 0;
	int		 digits = 0;

	if (k >= len || !letter_ok((unsigned char)spec[k], exp))
		return -1;
	*letter = (unsigned char)spec[k++];
	while (k < len && spec[k] >= '0' && spec[k] <= '9') {
		if (n < 100000)
			n = n * 10 + (unsigned)(spec[k] - '0');
		digits = 1;
		k++;
	}
	if (digits && n == 0)
		return -1;	/* section 7.3: the count must be nonzero */
	*ndig = n;
	*rev = 0;
	if (k < len && (spec[k] == 'r' || spec[k] == 'R')) {
		*rev = 1;
		k++;
	}
	*ndelims = 0;
	while (k < len && is_delim((unsigned char)spec[k])) {
		if (*ndelims < 7 && memchr(delims, spec[k], *ndelims) == NULL)
			delims[(*ndelims)++] = spec[k];
		k++;
	}
	if (k >= len || spec[k] != '}')
		return -1;
	*i = k + 1;
	return 0;
}

int
spf_macro_check(const char *spec, size_t len, int exp, int *needs_p)
{
	size_t		 i = 0, nd;
	int		 letter, rev;
	unsigned	 ndig;
	char		 delims[8];

	if (needs_p != NULL)
		*needs_p = 0;
	while (i < len) {
		unsigned char	c = (unsigned char)spec[i];

		if (c != '%') {
			/* macro-literal = %x21-24 / %x26-7E; exp text: SP */
			if (c > 0x7e || c < 0x20 || (c == 0x20 && !exp))
				return -1;
			i++;
			continue;
		}
		if (++i >= len)
			return -1;
		switch (spec[i]) {
		case '%': case '_': case '-':
			i++;
			continue;
		case '{':
			i++;
			if (parse_expand(spec, len, &i, exp, &letter, &ndig,
			    &rev, delims, &nd) == -1)
				return -1;
			if ((letter | 0x20) == 'p' && needs_p != NULL)
				*needs_p = 1;
			continue;
		default:
			return -1;
		}
	}
	return 0;
}

struct out {
	char	*p;
	size_t	 len, cap;
	int	 full;
};

static void
put(struct out *o, const char *s, size_t n)
{
	if (o->full || n > o->cap - o->len) {
		o->full = 1;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

/* Unreserved characters (RFC 3986) stay; everything else is %XX. */
static void
put_escaped(struct out *o, const char *s, size_t n)
{
	static const char	hex[] = "0123456789ABCDEF";
	size_t			i;
	char			esc[3];

	for (i = 0; i < n; i++) {
		unsigned char	c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~')
			put(o, s + i, 1);
		else {
			esc[0] = '%';
			esc[1] = hex[c >> 4];
			esc[2] = hex[c & 15];
			put(o, esc, 3);
		}
	}
}

static void
put_part(struct out *o, const char *s, size_t n, int escape)
{
	if (escape)
		put_escaped(o, s, n);
	else
		put(o, s, n);
}

static void
expand_one(struct out *o, const char *val, int letter, unsigned ndig,
    int rev, const char *delims, size_t nd)
{
	const char	*ps[SPF_MACRO_PARTS_MAX];
	size_t		 pl[SPF_MACRO_PARTS_MAX];
	size_t		 np = 0, vlen = strlen(val), i, start, first, k;
	int		 escape = letter >= 'A' && letter <= 'Z';

	if (nd == 0) {
		delims = ".";
		nd = 1;
	}
	if (ndig == 0 && !rev) {
		/* Whole value: split and re-join with "." (section 7.3). */
		start = 0;
		for (i = 0; i <= vlen; i++) {
			if (i == vlen || memchr(delims, val[i], nd) != NULL) {
				if (start > 0)
					put(o, ".", 1);
				put_part(o, val + start, i - start, escape);
				start = i + 1;
			}
		}
		return;
	}
	start = 0;
	for (i = 0; i <= vlen; i++) {
		if (i == vlen || memchr(delims, val[i], nd) != NULL) {
			if (np == SPF_MACRO_PARTS_MAX) {
				/* Keep the rightmost parts: drop the oldest. */
				memmove(ps, ps + 1, sizeof(ps[0]) * (np - 1));
				memmove(pl, pl + 1, sizeof(pl[0]) * (np - 1));
				np--;
			}
			ps[np] = val + start;
			pl[np] = i - start;
			np++;
			start = i + 1;
		}
	}
	if (rev) {
		for (i = 0; i < np / 2; i++) {
			const char	*tp = ps[i];
			size_t		 tl = pl[i];

			ps[i] = ps[np - 1 - i];
			pl[i] = pl[np - 1 - i];
			ps[np - 1 - i] = tp;
			pl[np - 1 - i] = tl;
		}
	}
	first = ndig != 0 && ndig < np ? np - ndig : 0;
	for (k = first; k < np; k++) {
		if (k > first)
			put(o, ".", 1);
		put_part(o, ps[k], pl[k], escape);
	}
}

long
spf_macro_expand(const struct spf_macro_env *env, const char *spec,
    size_t len, int exp, char *buf, size_t outsize)
{
	struct out	 o;
	size_t		 i = 0, nd;
	int		 letter, rev;
	unsigned	 ndig;
	char		 delims[8];
	const char	*val;

	if (outsize == 0)
		return -2;
	o.p = buf;
	o.len = 0;
	o.cap = outsize - 1;
	o.full = 0;
	while (i < len) {
		unsigned char	c = (unsigned char)spec[i];

		if (c != '%') {
			if (c > 0x7e || c < 0x20 || (c == 0x20 && !exp))
				return -1;
			put(&o, spec + i, 1);
			i++;
			continue;
		}
		if (++i >= len)
			return -1;
		switch (spec[i]) {
		case '%':
			put(&o, "%", 1);
			i++;
			continue;
		case '_':
			put(&o, " ", 1);
			i++;
			continue;
		case '-':
			put(&o, "%20", 3);
			i++;
			continue;
		case '{':
			i++;
			if (parse_expand(spec, len, &i, exp, &letter, &ndig,
			    &rev, delims, &nd) == -1)
				return -1;
			val = letter_value(env, letter, exp);
			if (val == NULL)
				val = "";
			expand_one(&o, val, letter, ndig, rev, delims, nd);
			break;
		default:
			return -1;
		}
		/* A full buffer still parses on: a syntax error wins. */
	}
	if (o.full)
		return -2;
	buf[o.len] = '\0';
	return (long)o.len;
}
