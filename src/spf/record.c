/*
 * record.c: SPF record syntax (RFC 7208 sections 4.5, 4.6, 5, 6, 12).
 *
 * Selects "v=spf1" records, splits a record into terms and checks every
 * term before evaluation starts: mechanisms with their domain-specs and
 * dual CIDR lengths, ip4/ip6 networks, the redirect and exp modifiers
 * (at most once each) and the syntax of unknown modifiers. Records may
 * hold only printable ASCII and spaces (section 3.1 and 4.6.1); anything
 * else is a permerror. Also the per-check arena. No I/O, no logging.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "spf/spf_int.h"

struct spf_chunk {
	struct spf_chunk	*next;
};

void
spf_arena_init(struct spf_arena *a, void *mem, size_t len)
{
	a->cur = mem;
	a->left = len;
	a->total = 0;
	a->chunks = NULL;
}

void *
spf_arena_alloc(struct spf_arena *a, size_t n)
{
	struct spf_chunk	*c;
	size_t			 size;
	void			*p;

	n = (n + 15) & ~(size_t)15;
	if (n > SPF_MEM_MAX || a->total + n > SPF_MEM_MAX)
		return NULL;
	if (n > a->left) {
		size = n + sizeof(*c) + 15 > 16384 ? n + sizeof(*c) + 15 :
		    16384;
		c = xmalloc(size);
		c->next = a->chunks;
		a->chunks = c;
		a->cur = (char *)c + ((sizeof(*c) + 15) & ~(size_t)15);
		a->left = size - ((sizeof(*c) + 15) & ~(size_t)15);
	}
	p = a->cur;
	a->cur += n;
	a->left -= n;
	a->total += n;
	return p;
}

char *
spf_arena_strndup(struct spf_arena *a, const char *s, size_t n)
{
	char	*p;

	if ((p = spf_arena_alloc(a, n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
spf_arena_free(struct spf_arena *a)
{
	struct spf_chunk	*c, *next;

	for (c = a->chunks; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->chunks = NULL;
}

static int
lc(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

int
spf_record_is_v1(const char *rec, size_t len)
{
	static const char	v[] = "v=spf1";
	size_t			i;

	if (len < 6)
		return 0;
	for (i = 0; i < 6; i++)
		if (lc((unsigned char)rec[i]) != v[i])
			return 0;
	return len == 6 || rec[6] == ' ';
}

/* Case-insensitive compare of a counted string with a lower-case word. */
static int
word_eq(const char *s, size_t n, const char *w)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (w[i] == '\0' || lc((unsigned char)s[i]) != w[i])
			return 0;
	return w[n] == '\0';
}

int
spf_domain_ok(const char *name, size_t len)
{
	size_t	i, lab = 0, labels = 0, top;
	int	alpha = 0;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > SPF_NAME_MAX)
		return 0;
	for (i = 0; i <= len; i++) {
		if (i == len || name[i] == '.') {
			if (lab == 0 || lab > 63)
				return 0;
			labels++;
			lab = 0;
		} else
			lab++;
	}
	if (labels < 2)
		return 0;
	/* toplabel: alphanumerics and inner hyphens, not all digits. */
	for (top = len; top > 0 && name[top - 1] != '.'; top--)
		;
	if (name[top] == '-' || name[len - 1] == '-')
		return 0;
	for (i = top; i < len; i++) {
		unsigned char	c = (unsigned char)name[i];

		if (is_alpha(c) || c == '-')
			alpha = 1;
		else if (!is_digit(c))
			return 0;
	}
	return alpha;
}

const char *
spf_name_truncate(const char *name, size_t *len)
{
	const char	*dot;

	while (*len > SPF_NAME_MAX) {
		dot = memchr(name, '.', *len);
		if (dot == NULL)
			return NULL;
		*len -= (size_t)(dot + 1 - name);
		name = dot + 1;
	}
	return name;
}

int
spf_domain_spec_check(const char *spec, size_t len, int *needs_p)
{
	size_t		 end, top, i;
	int		 alpha = 0;

	if (len == 0 || spf_macro_check(spec, len, 0, needs_p) == -1)
		return -1;
	/* domain-end = ( "." toplabel [ "." ] ) / macro-expand */
	if (spec[len - 1] == '}')
		return 0;
	end = len;
	if (spec[end - 1] == '.')
		end--;
	for (top = end; top > 0 && spec[top - 1] != '.'; top--)
		;
	if (top == 0 || top == end)
		return -1;
	/* A macro right before the toplabel still leaves it literal. */
	if (spec[top] == '-' || spec[end - 1] == '-')
		return -1;
	for (i = top; i < end; i++) {
		unsigned char	c = (unsigned char)spec[i];

		if (is_alpha(c) || c == '-')
			alpha = 1;
		else if (!is_digit(c))
			return -1;
	}
	return alpha ? 0 : -1;
}

/* Parse a CIDR length: 1*DIGIT without a leading zero, at most max. */
static int
cidr_num(const char *s, size_t n, unsigned max, uint8_t *out)
{
	unsigned	v = 0;
	size_t		i;

	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (!is_digit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = (uint8_t)v;
	return 0;
}

/*
 * Take a dual-cidr-length off the end of s[0..*n): "/N", "//M" or
 * "/N//M". Digits are only taken as a CIDR when a slash precedes them.
 */
static int
dual_cidr(const char *s, size_t *n, struct spf_term *t)
{
	size_t	e = *n, d;

	d = e;
	while (d > 0 && is_digit((unsigned char)s[d - 1]))
		d--;
	if (d == e || d == 0 || s[d - 1] != '/')
		return 0;
	if (d >= 2 && s[d - 2] == '/') {
		if (cidr_num(s + d, e - d, 128, &t->cidr6) == -1)
			return -1;
		e = d - 2;
		d = e;
		while (d > 0 && is_digit((unsigned char)s[d - 1]))
			d--;
		if (d == e || d == 0 || s[d - 1] != '/') {
			*n = e;
			return 0;
		}
	}
	if (d >= 2 && s[d - 2] == '/')
		return -1;		/* "///" or "//N//M" */
	if (cidr_num(s + d, e - d, 32, &t->cidr4) == -1)
		return -1;
	*n = d - 1;
	return 0;
}

static int
parse_ip(const char *s, size_t n, int af, uint8_t *addr, uint8_t *plen)
{
	char		 buf[64];
	const char	*slash;
	size_t		 alen;

	slash = memchr(s, '/', n);
	alen = slash != NULL ? (size_t)(slash - s) : n;
	if (alen == 0 || alen >= sizeof(buf))
		return -1;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (inet_pton(af, buf, addr) != 1)
		return -1;
	if (slash != NULL)
		return cidr_num(slash + 1, n - alen - 1, af == AF_INET ? 32 :
		    128, plen);
	return 0;
}

size_t
spf_record_max_terms(const char *rec, size_t len)
{
	size_t	i, n = 1;

	for (i = 0; i < len; i++)
		if (rec[i] == ' ')
			n++;
	return n;
}

/*
 * redirect= or exp= (RFC 7208 6: each at most once, a domain-spec): sets
 * *dst, *dstlen and *dstp. Returns 0, or -1 with *err = twice or bad.
 */
static int
domain_modifier(const char *v, size_t vlen, const char **dst,
    uint32_t *dstlen, uint8_t *dstp, const char *twice, const char *bad,
    const char **err)
{
	int	p = 0;

	if (*dst != NULL) {
		*err = twice;
		return -1;
	}
	if (spf_domain_spec_check(v, vlen, &p) == -1) {
		*err = bad;
		return -1;
	}
	*dst = v;
	*dstlen = (uint32_t)vlen;
	*dstp = (uint8_t)p;
	return 0;
}

static int
parse_modifier(const char *s, size_t n, const char *eq,
    struct spf_record *out, const char **err)
{
	const char	*v = eq + 1;
	size_t		 namelen = (size_t)(eq - s), vlen = n - namelen - 1;

	if (word_eq(s, namelen, "redirect")) {
		if (domain_modifier(v, vlen, &out->redirect, &out->redirectlen,
		    &out->redirect_p, "redirect given twice",
		    "bad redirect domain", err) == -1)
			return -1;
	} else if (word_eq(s, namelen, "exp")) {
		if (domain_modifier(v, vlen, &out->exp, &out->explen,
		    &out->exp_p, "exp given twice", "bad exp domain", err) == -1)
			return -1;
	} else if (spf_macro_check(v, vlen, 0, NULL) == -1) {
		/* Unknown modifiers are ignored but must parse (6). */
		*err = "bad modifier value";
		return -1;
	}
	return 0;
}

static int
parse_term(const char *s, size_t n, struct spf_term *t,
    struct spf_record *out, int *is_mech, const char **err)
{
	size_t		 i, nl, rest;
	const char	*arg;
	int		 p = 0, optional;

	*is_mech = 0;
	/* A modifier: name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) */
	if (is_alpha((unsigned char)s[0])) {
		for (i = 1; i < n; i++) {
			unsigned char	c = (unsigned char)s[i];

			if (!is_alpha(c) && !is_digit(c) && c != '-' &&
			    c != '_' && c != '.')
				break;
		}
		if (i < n && s[i] == '=')
			return parse_modifier(s, n, s + i, out, err);
	}
	*is_mech = 1;
	memset(t, 0, sizeof(*t));
	t->text = s;
	t->textlen = (uint32_t)n;
	t->cidr4 = 32;
	t->cidr6 = 128;
	t->qual = SPF_PASS;
	switch (s[0]) {
	case '+': t->qual = SPF_PASS; s++; n--; break;
	case '-': t->qual = SPF_FAIL; s++; n--; break;
	case '~': t->qual = SPF_SOFTFAIL; s++; n--; break;
	case '?': t->qual = SPF_NEUTRAL; s++; n--; break;
	default: break;
	}
	for (nl = 0; nl < n && s[nl] != ':' && s[nl] != '/'; nl++)
		;
	rest = n - nl;
	arg = s + nl;
	if (word_eq(s, nl, "all")) {
		t->mech = SPF_M_ALL;
		if (rest != 0)
			goto bad;
		return 0;
	}
	if (word_eq(s, nl, "ip4") || word_eq(s, nl, "ip6")) {
		int	v6 = s[2] == '6';

		t->mech = v6 ? SPF_M_IP6 : SPF_M_IP4;
		if (rest < 2 || arg[0] != ':')
			goto bad;
		if (parse_ip(arg + 1, rest - 1, v6 ? AF_INET6 : AF_INET,
		    t->addr, v6 ? &t->cidr6 : &t->cidr4) == -1)
			goto bad;
		return 0;
	}
	/* a, mx and ptr take an optional ":domain-spec"; include and exists
	 * need one. */
	if (word_eq(s, nl, "a") || word_eq(s, nl, "mx")) {
		t->mech = nl == 1 ? SPF_M_A : SPF_M_MX;
		if (dual_cidr(arg, &rest, t) == -1)
			goto bad;
		optional = 1;
	} else if (word_eq(s, nl, "ptr")) {
		t->mech = SPF_M_PTR;
		optional = 1;
	} else if (word_eq(s, nl, "include") || word_eq(s, nl, "exists")) {
		t->mech = nl == 7 ? SPF_M_INCLUDE : SPF_M_EXISTS;
		optional = 0;
	} else {
		*err = "unknown mechanism";
		return -1;
	}
	if (rest == 0 && optional)
		return 0;
	if (rest == 0 || arg[0] != ':')
		goto bad;
	arg++;
	rest--;
	if (spf_domain_spec_check(arg, rest, &p) == -1)
		goto bad;
	t->spec = arg;
	t->speclen = (uint32_t)rest;
	t->needs_p = (uint8_t)p;
	return 0;
bad:
	*err = "bad mechanism syntax";
	return -1;
}

int
spf_record_parse(const char *rec, size_t len, struct spf_term *terms,
    struct spf_record *out, const char **err)
{
	size_t	i, start;
	int	is_mech;

	memset(out, 0, sizeof(*out));
	out->terms = terms;
	if (!spf_record_is_v1(rec, len)) {
		*err = "not an SPF version 1 record";
		return -1;
	}
	/* Only printable ASCII and spaces (RFC 7208 3.1, 4.6.1). */
	for (i = 0; i < len; i++) {
		unsigned char	c = (unsigned char)rec[i];

		if (c < 0x20 || c > 0x7e) {
			*err = "control or non-ASCII character in record";
			return -1;
		}
	}
	i = 6;
	for (;;) {
		while (i < len && rec[i] == ' ')
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && rec[i] != ' ')
			i++;
		if (out->nterms >= SPF_TERMS_MAX) {
			*err = "too many terms";
			return -1;
		}
		if (parse_term(rec + start, i - start,
		    &terms[out->nterms], out, &is_mech, err) == -1)
			return -1;
		if (is_mech)
			out->nterms++;
	}
	return 0;
}
