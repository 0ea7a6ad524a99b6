/*
 * from.c: the author domain of a message, from its RFC5322.From field
 * (RFC 7489 section 3.1 and 6.6.1).
 *
 * Parses the field value as an RFC 5322 section 3.4 address-list:
 * mailboxes with or without a display name (atoms, quoted-strings,
 * the obsolete '.' in phrases), angle addresses with an obsolete route
 * skipped, comments (nested, with quoted-pairs) and folding anywhere
 * CFWS may be, and groups. 8-bit bytes count as atext (RFC 6532). A
 * domain literal ("[192.0.2.1]") is no domain. The result follows the
 * choice documented in docs/DMARC.md: one domain (every address in the
 * same one) is OK, addresses in different domains are MULTIPLE, a
 * mailbox without a domain or a list without a mailbox is NODOMAIN, and
 * anything that does not parse is BAD; the evaluation makes the last
 * three a permerror. No I/O, no logging, no allocation.
 */
#include <string.h>

#include "dmarc/dmarc.h"
#include "dmarc/dmarc_int.h"

/* A bounded cursor; the first error sticks (STYLE section 7). */
struct cur {
	const unsigned char	*p;
	size_t			 len, off;
	int			 bad;
};

static int
peek(const struct cur *c)
{
	return !c->bad && c->off < c->len ? c->p[c->off] : -1;
}

static int
is_atext(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch >= 0x80 ||
	    (ch > 0 && strchr("!#$%&'*+-/=?^_`{|}~", ch) != NULL);
}

long
dmarc_cfws(const unsigned char *p, size_t len, size_t off)
{
	int	depth;

	while (off < len) {
		if (p[off] == ' ' || p[off] == '\t' || p[off] == '\r' ||
		    p[off] == '\n') {
			off++;
			continue;
		}
		if (p[off] != '(')
			break;
		for (depth = 0; off < len; off++) {
			if (p[off] == '\\') {
				if (++off == len)
					return -1;
			} else if (p[off] == '(') {
				if (++depth > DMARC_COMMENT_DEPTH_MAX)
					return -1;
			} else if (p[off] == ')' && --depth == 0)
				break;
		}
		if (off == len)
			return -1;		/* unterminated comment */
		off++;
	}
	return (long)off;
}

/* CFWS at the cursor; a bad comment makes the cursor bad. */
static void
skip_cfws(struct cur *c)
{
	long	at;

	if (c->bad)
		return;
	if ((at = dmarc_cfws(c->p, c->len, c->off)) == -1)
		c->bad = 1;
	else
		c->off = (size_t)at;
}

/* A quoted-string; the cursor is on the opening quote. */
static void
skip_quoted(struct cur *c)
{
	int	ch;

	c->off++;
	while ((ch = peek(c)) != -1) {
		c->off++;
		if (ch == '"')
			return;
		if (ch == '\\') {
			if (peek(c) == -1)
				break;
			c->off++;
		}
	}
	c->bad = 1;
}

/* Atoms, quoted strings and dots until a special; returns words read. */
static int
skip_words(struct cur *c)
{
	int	n = 0, ch;

	for (;;) {
		skip_cfws(c);
		ch = peek(c);
		if (ch == '"')
			skip_quoted(c);
		else if (is_atext(ch) || ch == '.')
			while (is_atext(peek(c)) || peek(c) == '.')
				c->off++;
		else
			return n;
		n++;
	}
}

/*
 * A domain after '@': a dot-atom, normalised into OUT:dom. Returns 1 for
 * a domain, 0 for a domain literal or none; sets bad when it does not
 * normalise.
 */
static int
domain(struct cur *c, char *dom, size_t domlen)
{
	size_t	start;
	int	ch;

	skip_cfws(c);
	if (peek(c) == '[') {
		while ((ch = peek(c)) != -1 && ch != ']')
			c->off++;
		if (ch == -1)
			c->bad = 1;
		else
			c->off++;
		return 0;
	}
	start = c->off;
	while (is_atext(peek(c)) || peek(c) == '.')
		c->off++;
	if (c->off == start)
		return 0;
	if (dmarc_domain_norm((const char *)c->p + start, c->off - start, dom,
	    domlen) == -1) {
		c->bad = 1;
		return 0;
	}
	return 1;
}

/* After "<": [obs-route] addr-spec ">" (or "<>"). */
static int
angle_addr(struct cur *c, char *dom, size_t domlen)
{
	int	got = 0;

	c->off++;
	skip_cfws(c);
	/* obs-route: "@a.example,@b.example:" before the address. */
	if (peek(c) == '@') {
		while (peek(c) != -1 && peek(c) != ':' && peek(c) != '>')
			c->off++;
		if (peek(c) != ':') {
			c->bad = 1;
			return 0;
		}
		c->off++;
	}
	(void)skip_words(c);
	if (peek(c) == '@') {
		c->off++;
		got = domain(c, dom, domlen);
	}
	skip_cfws(c);
	if (peek(c) != '>') {
		c->bad = 1;
		return 0;
	}
	c->off++;
	return got;
}

struct seen {
	char	 first[DMARC_DOMAIN_MAX + 1];
	int	 naddr;
	int	 nodomain;
	int	 multiple;
};

static void
add(struct seen *s, int got, const char *dom)
{
	s->naddr++;
	if (!got)
		s->nodomain = 1;
	else if (s->first[0] == '\0')
		memcpy(s->first, dom, strlen(dom) + 1);
	else if (strcmp(s->first, dom) != 0)
		s->multiple = 1;
}

/* One mailbox, or one group of them; returns at the ',' or the end. */
static void
address(struct cur *c, struct seen *s, int in_group)
{
	char	dom[DMARC_DOMAIN_MAX + 1];
	int	words, ch, got;

	words = skip_words(c);
	ch = peek(c);
	if (ch == '<') {
		got = angle_addr(c, dom, sizeof(dom));
		add(s, got, dom);
	} else if (ch == '@' && words > 0) {
		c->off++;
		got = domain(c, dom, sizeof(dom));
		add(s, got, dom);
	} else if (ch == ':' && words > 0 && !in_group) {
		/* A group (section 3.4): display-name ":" [list] ";". */
		c->off++;
		for (;;) {
			skip_cfws(c);
			ch = peek(c);
			if (ch == ';') {
				c->off++;
				break;
			}
			if (ch == ',') {
				c->off++;
				continue;
			}
			if (ch == -1 || s->naddr >= DMARC_FROM_ADDRS_MAX) {
				c->bad = 1;
				return;
			}
			address(c, s, 1);
			if (peek(c) != ',' && peek(c) != ';')
				c->bad = 1;
		}
	} else if (words > 0)
		add(s, 0, NULL);	/* "From: user": no domain */
	else if (ch != ',' && ch != -1)
		c->bad = 1;
	skip_cfws(c);
}

enum dmarc_from_status
dmarc_from_domain(const void *value, size_t len, char *dom, size_t domlen)
{
	struct cur	c;
	struct seen	s;
	int		ch;

	memset(&c, 0, sizeof(c));
	memset(&s, 0, sizeof(s));
	if (domlen > 0)
		dom[0] = '\0';
	if (len > DMARC_FROM_MAX)
		return DMARC_FROM_BAD;
	c.p = value;
	c.len = len;
	for (;;) {
		if (s.naddr >= DMARC_FROM_ADDRS_MAX) {
			c.bad = 1;
			break;
		}
		address(&c, &s, 0);
		ch = peek(&c);
		if (ch == ',') {
			c.off++;
			continue;
		}
		if (ch != -1)
			c.bad = 1;
		break;
	}
	if (c.bad)
		return DMARC_FROM_BAD;
	if (s.nodomain || s.naddr == 0 || s.first[0] == '\0')
		return DMARC_FROM_NODOMAIN;
	if (s.multiple)
		return DMARC_FROM_MULTIPLE;
	if (strlen(s.first) >= domlen)
		return DMARC_FROM_BAD;
	memcpy(dom, s.first, strlen(s.first) + 1);
	return DMARC_FROM_OK;
}

const char *
dmarc_from_why(enum dmarc_from_status st)
{
	switch (st) {
	case DMARC_FROM_OK:
		return "one From domain";
	case DMARC_FROM_MULTIPLE:
		return "From addresses in several domains";
	case DMARC_FROM_NODOMAIN:
		return "no domain in From";
	case DMARC_FROM_BAD:
		return "From is not an address list";
	default:
		return "?";
	}
}
