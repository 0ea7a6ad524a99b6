/*
 * format.c: the list file formats: a pure line parser for rbldnsd ip4set,
 * ip4trie and ip6trie data and plain address lists, and the small text
 * helpers the exporter shares with it.
 *
 * The formats are rbldnsd's (rbldnsd(8), "DATASET TYPES AND FORMATS"),
 * summarised with our choices in docs/IMPORT-EXPORT.md. The parser does
 * no I/O and never allocates per line: bytes of one line in, up to
 * LIST_LINE_ENTRIES entries out, or -1 and a message. It keeps the state
 * a file carries from line to line: the default value (":A:TXT"), the
 * substitution variables ($0..$9, $=) and our "#@expires" extension.
 *
 * TXT templates are expanded at import time, since a listing stores a
 * reason, not a template: "$$" becomes a dollar sign, "$n" the variable
 * n, a "$=" base template wraps the entry's text, and "$" (rbldnsd: the
 * address queried) becomes "$ip", which the answer path replaces with
 * the queried address (list_txt_expand), on an entry's line and in the
 * file's default value alike: one shared reason, and the answer rbldnsd
 * gave.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "core/buf.h"
#include "core/str.h"
#include "core/xmalloc.h"
#include "list/list.h"

#define VARS		10		/* $0 .. $9 */
#define IP4_LOOPBACK	0x7f000000u

struct list_parser {
	enum list_format	 fmt;
	uint32_t		 def_code;	/* 0 = zone default */
	int			 def_has_txt;
	size_t			 lineno;	/* lines parsed */
	size_t			 def_bad;	/* line of a refused default */
	char			 msg[80];
	char			 def_txt[LIST_RAW_MAX];
	char			*vars[VARS];
	char			*base;		/* "$=" template, or NULL */
	int64_t			 expires_at;
	char			 txt[LIST_LINE_ENTRIES][LIST_TXT_MAX];
};

static const char *const fmt_names[] = {
	[LIST_FMT_PLAIN] = "plain",
	[LIST_FMT_IP4SET] = "ip4set",
	[LIST_FMT_IP4TRIE] = "ip4trie",
	[LIST_FMT_IP6TRIE] = "ip6trie",
	[LIST_FMT_BIND] = "bind",
};

int
list_format_parse(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(fmt_names) / sizeof(fmt_names[0]); i++)
		if (strcmp(name, fmt_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
list_format_name(enum list_format f)
{
	if ((size_t)f >= sizeof(fmt_names) / sizeof(fmt_names[0]))
		return "?";
	return fmt_names[f];
}

struct list_parser *
list_parser_new(enum list_format f)
{
	struct list_parser	*p;

	if (f != LIST_FMT_PLAIN && f != LIST_FMT_IP4SET &&
	    f != LIST_FMT_IP4TRIE && f != LIST_FMT_IP6TRIE)
		return NULL;
	p = xcalloc(1, sizeof(*p));
	p->fmt = f;
	return p;
}

void
list_parser_free(struct list_parser *p)
{
	int	i;

	if (p == NULL)
		return;
	for (i = 0; i < VARS; i++)
		free(p->vars[i]);
	free(p->base);
	free(p);
}

static int
is_space(int c)
{
	return c == ' ' || c == '\t';
}

static int
is_comment(int c)
{
	return c == '#' || c == ';';
}

/*
 * rbldnsd's IPv4 prefix: 1 to 4 dotted decimal octets, the first stored
 * in the top byte. Returns the bits given (8, 16, 24, 32) and advances
 * *sp, or -1.
 */
static int
ip4_prefix(struct rd *r, uint32_t *a)
{
	int	octets = 0;

	*a = 0;
	for (;;) {
		unsigned	v = 0, digits = 0;

		while (rd_left(r) > 0 && isdigit(r->p[r->off])) {
			v = v * 10 + (unsigned)(r->p[r->off++] - '0');
			if (++digits > 3 || v > 255)
				return -1;
		}
		if (digits == 0)
			return -1;
		*a |= v << (24 - 8 * octets);
		octets++;
		if (octets == 4 || rd_left(r) < 2 || r->p[r->off] != '.' ||
		    !isdigit(r->p[r->off + 1]))
			break;
		r->off++;
	}
	return octets * 8;
}

static int
ip4_bits(struct rd *r)
{
	unsigned	v = 0, digits = 0;

	while (rd_left(r) > 0 && isdigit(r->p[r->off])) {
		v = v * 10 + (unsigned)(r->p[r->off++] - '0');
		if (++digits > 2 || v > 32)
			return -1;
	}
	return digits == 0 ? -1 : (int)v;
}

static uint32_t
mask4(int bits)
{
	return bits == 0 ? 0 : UINT32_MAX << (32 - bits);
}

static void
prefix4(struct addr_prefix *p, uint32_t a, int bits)
{
	memset(p, 0, sizeof(*p));
	addr_from_v4(p->a, a);
	p->plen = (uint8_t)(96 + bits);
	p->family = 4;
}

/* Cover [a, b] with the fewest aligned CIDRs (at most 62). */
static int
range_cidrs(uint32_t a, uint32_t b, struct list_entry *out)
{
	int	n = 0;

	for (;;) {
		int		bits = 32;
		uint64_t	size;

		/* Grow the block while it stays aligned and inside [a, b]. */
		while (bits > 0) {
			uint64_t	s = (uint64_t)1 << (33 - bits);

			if ((a & (uint32_t)(s - 1)) != 0 ||
			    (uint64_t)a + s - 1 > b)
				break;
			bits--;
		}
		prefix4(&out[n].prefix, a, bits);
		n++;
		size = (uint64_t)1 << (32 - bits);
		if ((uint64_t)a + size - 1 >= b)
			break;
		a = (uint32_t)(a + size);
	}
	return n;
}

/*
 * An ip4set address: "1.2.3.4", "1.2.3" (/24), "1.2" (/16), "1.2.3.0/24",
 * "127/8", ranges "1.2.3.4-1.2.3.10", "1.2-1.3" and "1.2.3.1-255" (a
 * single last number completes the first address). Returns the number of
 * CIDRs written to out, or -1.
 */
static int
parse_ip4set(struct rd *r, struct list_entry *out, const char **msg)
{
	uint32_t	a, b;
	int		bits, bbits;

	if ((bits = ip4_prefix(r, &a)) < 0) {
		*msg = "not an IPv4 address";
		return -1;
	}
	if (rd_left(r) > 0 && r->p[r->off] == '-') {
		r->off++;
		if ((bbits = ip4_prefix(r, &b)) < 0) {
			*msg = "bad end of range";
			return -1;
		}
		if (bbits == 8 && bits > 8) {
			/* "127.0.0.1-255": the number is the last octet. */
			b = (b >> (bits - 8)) | (a & mask4(bits - 8));
			bbits = bits;
		} else if (bbits != bits) {
			*msg = "range ends have different lengths";
			return -1;
		}
		b |= ~mask4(bbits);
		if (a > b) {
			*msg = "range start is after its end";
			return -1;
		}
		return range_cidrs(a, b, out);
	}
	if (rd_left(r) > 0 && r->p[r->off] == '/') {
		r->off++;
		if ((bits = ip4_bits(r)) < 0) {
			*msg = "prefix length must be 0-32";
			return -1;
		}
	} else if (bits == 8) {
		*msg = "a bare number is not an address (write 10/8)";
		return -1;
	}
	if ((a & ~mask4(bits)) != 0) {
		*msg = "host bits set under the prefix length";
		return -1;
	}
	prefix4(&out[0].prefix, a, bits);
	return 1;
}

/* ip4trie: CIDRs and prefixes only, no ranges. */
static int
parse_ip4trie(struct rd *r, struct list_entry *out, const char **msg)
{
	size_t	start = r->off, i;

	for (i = start; i < r->len && !is_space(r->p[i]) &&
	    !is_comment(r->p[i]) && r->p[i] != ':'; i++)
		if (r->p[i] == '-') {
			*msg = "ranges are not allowed in ip4trie (use CIDRs)";
			return -1;
		}
	return parse_ip4set(r, out, msg);
}

/*
 * An ip6trie address: "2001:db8::/32", "2001:db8::1", or rbldnsd's short
 * form without "::" where missing trailing groups are zero and the
 * prefix length is 16 per group given ("2001:21ab:c000" is /48).
 */
static int
parse_ip6(struct rd *r, struct list_entry *out, const char **msg)
{
	char		 tok[ADDR_TEXT_MAX + 8];
	size_t		 n = 0, groups = 1;
	const char	*err, *slash;
	int		 dcolon;

	while (rd_left(r) > 0 && !is_space(r->p[r->off]) &&
	    !is_comment(r->p[r->off])) {
		if (n + 4 >= sizeof(tok)) {
			*msg = "address too long";
			return -1;
		}
		if (r->p[r->off] == ':')
			groups++;
		tok[n++] = (char)r->p[r->off++];
	}
	tok[n] = '\0';
	dcolon = strstr(tok, "::") != NULL;
	slash = strchr(tok, '/');
	if (!dcolon && groups < 8 && strchr(tok, '.') == NULL) {
		size_t	hlen = slash != NULL ? (size_t)(slash - tok) : n;
		char	tmp[sizeof(tok)];

		/* Short form: complete with "::" before any "/len". */
		if (snprintf(tmp, sizeof(tmp), "%.*s::%s", (int)hlen, tok,
		    slash != NULL ? slash : "") >= (int)sizeof(tmp)) {
			*msg = "address too long";
			return -1;
		}
		memcpy(tok, tmp, sizeof(tok));
		if (slash == NULL) {
			if (addr_parse(tok, &out[0].prefix, &err) == -1) {
				*msg = err;
				return -1;
			}
			out[0].prefix.plen = (uint8_t)(16 * groups);
			if (out[0].prefix.family != 6) {
				*msg = "not an IPv6 address";
				return -1;
			}
			addr_mask(out[0].prefix.a, out[0].prefix.plen);
			return 1;
		}
	}
	if (addr_parse(tok, &out[0].prefix, &err) == -1) {
		*msg = err;
		return -1;
	}
	if (out[0].prefix.family != 6) {
		*msg = "not an IPv6 address";
		return -1;
	}
	return 1;
}

/* plain: any address or CIDR, IPv4 or IPv6, as addr_parse reads it. */
static int
parse_plain(struct rd *r, struct list_entry *out, const char **msg)
{
	char		 tok[ADDR_TEXT_MAX + 8];
	size_t		 n = 0;
	const char	*err;

	while (rd_left(r) > 0 && !is_space(r->p[r->off]) &&
	    !is_comment(r->p[r->off])) {
		if (n + 1 >= sizeof(tok)) {
			*msg = "address too long";
			return -1;
		}
		tok[n++] = (char)r->p[r->off++];
	}
	tok[n] = '\0';
	if (addr_parse(tok, &out[0].prefix, &err) == -1) {
		*msg = err;
		return -1;
	}
	return 1;
}

/*
 * rbldnsd's A value after a colon: a full address, or one number n
 * meaning 127.0.0.n; shorter dotted forms follow inet_aton ("1.2" is
 * 1.0.0.2). 0 is refused.
 */
static int
parse_code(struct rd *r, uint32_t *code)
{
	uint32_t	a;
	int		bits;

	if ((bits = ip4_prefix(r, &a)) < 0)
		return -1;
	switch (bits) {
	case 8:
		a = IP4_LOOPBACK | (a >> 24);
		break;
	case 16:
		a = (a & 0xff000000u) | ((a >> 16) & 0xff);
		break;
	case 24:
		a = (a & 0xffff0000u) | ((a >> 8) & 0xff);
		break;
	default:
		break;
	}
	if (a == 0)
		return -1;
	*code = a;
	return 0;
}

/*
 * The value part ":A:TXT", ":A" or "TXT" (rbldnsd "Resulting A values and
 * TXT templates"). *has_txt is 0 when only an A value was given (the
 * default TXT applies); an empty TXT after a second colon means none.
 */
static int
parse_value(struct rd *r, uint32_t def_code, uint32_t *code,
    const char **txt, size_t *txtlen, int *has_txt, const char **msg)
{
	*code = def_code;
	*has_txt = 1;
	if (rd_left(r) > 0 && r->p[r->off] == ':') {
		r->off++;
		if (parse_code(r, code) == -1) {
			*msg = "invalid A value";
			return -1;
		}
		while (rd_left(r) > 0 && is_space(r->p[r->off]))
			r->off++;
		if (rd_left(r) == 0) {
			*has_txt = 0;
			*txt = NULL;
			*txtlen = 0;
			return 0;
		}
		if (r->p[r->off] != ':') {
			*msg = "unrecognized value (want :A:TXT)";
			return -1;
		}
		r->off++;
		while (rd_left(r) > 0 && is_space(r->p[r->off]))
			r->off++;
	}
	*txt = (const char *)r->p + r->off;
	*txtlen = rd_left(r);
	return 0;
}

static void
out_cap(char *dst, size_t cap, size_t *o, const char *s, size_t n,
    int *overflow)
{
	if (*o + n >= cap) {
		*overflow = 1;
		return;
	}
	memcpy(dst + *o, s, n);
	*o += n;
}

static void
out_add(char *dst, size_t *o, const char *s, size_t n, int *overflow)
{
	out_cap(dst, LIST_TXT_MAX, o, s, n, overflow);
}

/* A literal '$' in a reason: "$$" for now, see unescape. */
static void
out_dollars(char *dst, size_t *o, const char *s, size_t n, int *overflow)
{
	size_t	i, k;

	for (i = 0; i < n; i = k) {
		for (k = i; k < n && s[k] != '$'; k++)
			;
		out_add(dst, o, s + i, k - i, overflow);
		if (k < n) {
			out_add(dst, o, "$$", 2, overflow);
			k++;
		}
	}
}

/*
 * In place: every "$$" (a literal '$') that is not followed by "ip" or
 * '$' becomes '$' again, so a reason keeps its plain dollar signs and
 * "$$" stays only where it must (list_txt_expand's reason rules).
 */
static void
unescape(char *t)
{
	size_t	i = 0, o = 0;

	while (t[i] != '\0') {
		if (t[i] == '$' && t[i + 1] == '$') {
			t[o++] = '$';
			i += 2;
			if (t[i] == '$' || (t[i] == 'i' && t[i + 1] == 'p'))
				t[o++] = '$';
		} else if (t[i] == '$') {	/* "$ip" */
			t[o++] = t[i++];
			t[o++] = t[i++];
			t[o++] = t[i++];
		} else
			t[o++] = t[i++];
	}
	t[o] = '\0';
}

/*
 * Expand template t into the reason dst (LIST_TXT_MAX bytes), as rbldnsd
 * expands it at answer time (rbldnsd(8), "Resulting A values and TXT
 * templates"): "$$" is a '$', "$n" the substitution variable n (as is
 * when not defined), and any other '$' the queried address, stored as
 * "$ip" for the answer path to splice (list_txt_expand). The same on an
 * entry's line and in the default value, so one shared reason serves a
 * million entries.
 */
static int
expand(const struct list_parser *p, const char *t, size_t tlen, char *dst)
{
	size_t	i, o = 0;
	int	overflow = 0;

	if (memchr(t, '$', tlen) == NULL) {
		/* The common case: nothing to expand. */
		if (tlen >= LIST_TXT_MAX)
			return -1;
		memcpy(dst, t, tlen);
		dst[tlen] = '\0';
		return 0;
	}
	for (i = 0; i < tlen; i++) {
		if (t[i] != '$') {
			out_add(dst, &o, t + i, 1, &overflow);
			continue;
		}
		if (i + 1 < tlen && t[i + 1] == '$') {
			out_add(dst, &o, "$$", 2, &overflow);
			i++;
		} else if (i + 1 < tlen && isdigit((unsigned char)t[i + 1])) {
			const char	*v = p->vars[t[i + 1] - '0'];

			/* Variables are not templates themselves. */
			if (v != NULL)
				out_dollars(dst, &o, v, strlen(v), &overflow);
			else
				out_dollars(dst, &o, t + i, 2, &overflow);
			i++;
		} else
			out_add(dst, &o, "$ip", 3, &overflow);
	}
	dst[o] = '\0';
	if (overflow)
		return -1;
	unescape(dst);
	return 0;
}

/* Apply the "$=" base template: "$=" inside it is the entry's text. */
static int
apply_base(const struct list_parser *p, const char *t, size_t tlen,
    char *dst, size_t *dlen)
{
	const char	*b = p->base;
	size_t		 o = 0;
	int		 overflow = 0;

	for (; *b != '\0'; b++) {
		if (b[0] == '$' && b[1] == '=') {
			if (tlen == 0)
				out_cap(dst, LIST_RAW_MAX, &o, "$", 1, &overflow);
			else
				out_cap(dst, LIST_RAW_MAX, &o, t, tlen, &overflow);
			b++;
		} else if (b[0] == '$' && b[1] == '$') {
			out_cap(dst, LIST_RAW_MAX, &o, "$$", 2, &overflow);
			b++;
		} else
			out_cap(dst, LIST_RAW_MAX, &o, b, 1, &overflow);
	}
	dst[o] = '\0';
	*dlen = o;
	return overflow ? -1 : 0;
}

/*
 * Special lines: "$SOA", "$NS", "$TTL", "$TIMESTAMP", "$MAXRANGE4" are
 * rbldnsd server settings we do not take from a list (noted, skipped);
 * "$0".."$9" and "$=" set substitution variables.
 */
static int
parse_special(struct list_parser *p, const char *s, size_t len,
    const char **msg)
{
	static const char *const skip[] = { "SOA", "NS", "TTL", "TIMESTAMP",
	    "MAXRANGE4", "DATASET" };
	size_t		 i, klen;
	char		**slot;

	for (klen = 0; klen < len && !is_space(s[klen]); klen++)
		;
	for (i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (klen == strlen(skip[i]) &&
		    strncasecmp(s, skip[i], klen) == 0) {
			*msg = "rbldnsd special line ignored (zone settings "
			    "come from the store)";
			return 0;
		}
	if (klen != 1 || (!isdigit((unsigned char)s[0]) && s[0] != '=')) {
		*msg = "unrecognized special line";
		return -1;
	}
	slot = s[0] == '=' ? &p->base : &p->vars[s[0] - '0'];
	while (klen < len && is_space(s[klen]))
		klen++;
	if (len - klen >= LIST_RAW_MAX) {
		*msg = "variable text too long";
		return -1;
	}
	free(*slot);
	*slot = xstrndup(s + klen, len - klen);
	return 0;
}

/* Our extension: "#@expires <ISO 8601 UTC | @unix | never>". */
static int
parse_expires(struct list_parser *p, const char *s, size_t len,
    const char **msg)
{
	char	buf[64];
	int64_t	t;

	while (len > 0 && is_space(*s)) {
		s++;
		len--;
	}
	if (len == 0 || len >= sizeof(buf)) {
		*msg = "bad #@expires time";
		return -1;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (strcmp(buf, "never") == 0) {
		p->expires_at = 0;
		return 0;
	}
	/* Absolute times only: a file must mean the same tomorrow. */
	if (buf[0] == '+' || strcmp(buf, "now") == 0 ||
	    str_time(buf, 0, 0, &t) == -1) {
		*msg = "bad #@expires time (want 2026-12-01T00:00:00Z, "
		    "@UNIX or never)";
		return -1;
	}
	p->expires_at = t;
	return 0;
}

/*
 * Untrusted input: one line of an rbldnsd ip4set/ip4trie/ip6trie data
 * file (rbldnsd(8), "DATASET TYPES AND FORMATS" and "Resulting A values
 * and TXT templates") or of a plain list (docs/IMPORT-EXPORT.md). Every
 * read goes through the struct rd cursor over exactly len bytes; the line
 * is not NUL-terminated and may hold any bytes.
 */
int
list_parse_line(struct list_parser *p, const char *line, size_t len,
    struct list_entry *out, const char **msg)
{
	struct rd	 r;
	const char	*txt;
	size_t		 txtlen, i, start;
	uint32_t	 code;
	int		 n, k, exclude = 0, has_txt, shared;
	char		 based[LIST_RAW_MAX];

	*msg = NULL;
	p->lineno++;
	if (len > LIST_LINE_MAX) {
		*msg = "line too long";
		return -1;
	}
	if (len > 0 && line[len - 1] == '\r')
		len--;
	for (i = 0; i < len; i++) {
		unsigned char	c = (unsigned char)line[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			*msg = "control character in line";
			return -1;
		}
	}
	/* Trim the blanks around the line, as rbldnsd does. */
	for (start = 0; start < len && is_space(line[start]); start++)
		;
	while (len > start && is_space(line[len - 1]))
		len--;
	line += start;
	len -= start;
	if (len == 0)
		return 0;

	if (p->fmt != LIST_FMT_PLAIN) {
		if (line[0] == '$')
			return parse_special(p, line + 1, len - 1, msg);
		if (len > 1 && (is_comment(line[0]) || line[0] == ':') &&
		    line[1] == '$')
			return parse_special(p, line + 2, len - 2, msg);
		if (len >= 9 && memcmp(line, "#@expires", 9) == 0 &&
		    (len == 9 || is_space(line[9])))
			return parse_expires(p, line + 9, len - 9, msg);
	}
	if (is_comment(line[0]))
		return 0;

	rd_init(&r, line, len);
	/* In ip6trie, "::1" is an address, not a value. */
	if (p->fmt != LIST_FMT_PLAIN && line[0] == ':' &&
	    !(p->fmt == LIST_FMT_IP6TRIE && len > 1 && line[1] == ':')) {
		/* The default value for the rest of the file. */
		/*
		 * A refused default line refuses the entries after it, up to
		 * the next good one: they must not take the value before it.
		 */
		p->def_bad = p->lineno;
		if (parse_value(&r, p->def_code != 0 ? p->def_code :
		    0x7f000002u, &code, &txt, &txtlen, &has_txt, msg) == -1)
			return -1;
		if (has_txt) {
			if (txtlen >= LIST_RAW_MAX) {
				*msg = "text too long";
				return -1;
			}
			memcpy(p->def_txt, txt, txtlen);
			p->def_txt[txtlen] = '\0';
			p->def_has_txt = txtlen > 0;
		}
		p->def_code = code;
		p->def_bad = 0;
		return 0;
	}
	if (p->fmt != LIST_FMT_PLAIN && line[0] == '!') {
		exclude = 1;
		r.off++;
		while (rd_left(&r) > 0 && is_space(r.p[r.off]))
			r.off++;
	}
	switch (p->fmt) {
	case LIST_FMT_IP4SET:
		n = parse_ip4set(&r, out, msg);
		break;
	case LIST_FMT_IP4TRIE:
		n = parse_ip4trie(&r, out, msg);
		break;
	case LIST_FMT_IP6TRIE:
		n = parse_ip6(&r, out, msg);
		break;
	case LIST_FMT_PLAIN:
		n = parse_plain(&r, out, msg);
		break;
	default:
		*msg = "format cannot be read";
		return -1;
	}
	if (n < 0)
		return -1;
	/* rbldnsd: the address ends at a blank, a comment or a colon. */
	if (rd_left(&r) > 0 && !is_space(r.p[r.off]) &&
	    !is_comment(r.p[r.off]) &&
	    (r.p[r.off] != ':' || p->fmt == LIST_FMT_PLAIN)) {
		*msg = "junk after the address";
		return -1;
	}
	while (rd_left(&r) > 0 && is_space(r.p[r.off]))
		r.off++;
	code = p->def_code;
	txt = p->def_has_txt ? p->def_txt : NULL;
	txtlen = txt != NULL ? strlen(txt) : 0;
	has_txt = txt != NULL;
	shared = 1;
	if (p->fmt == LIST_FMT_PLAIN) {
		if (rd_left(&r) > 0 && !is_comment(r.p[r.off])) {
			*msg = "junk after the address";
			return -1;
		}
	} else if (rd_left(&r) > 0 && !is_comment(r.p[r.off]) && !exclude) {
		/* An exclusion's value is ignored, as by rbldnsd. */
		if (parse_value(&r, p->def_code, &code, &txt, &txtlen,
		    &has_txt, msg) == -1)
			return -1;
		shared = !has_txt;
		if (!has_txt) {
			txt = p->def_has_txt ? p->def_txt : NULL;
			txtlen = txt != NULL ? strlen(txt) : 0;
		}
	}
	if (txt != NULL && txtlen == 0)
		txt = NULL;		/* ":A:" means no text: the default */
	if (txt != NULL && txt[0] == '=') {
		/* "=text" opts out of the base template. */
		txt++;
		txtlen--;
	} else if (txt != NULL && p->base != NULL) {
		if (apply_base(p, txt, txtlen, based, &txtlen) == -1) {
			*msg = "text too long";
			return -1;
		}
		txt = based;
	}
	if (txtlen >= LIST_RAW_MAX) {
		*msg = "text too long";
		return -1;
	}
	if (p->def_bad != 0 && shared && !exclude) {
		snprintf(p->msg, sizeof(p->msg), "the default value of line "
		    "%zu was refused", p->def_bad);
		*msg = p->msg;
		return -1;
	}
	for (k = 0; k < n; k++) {
		out[k].exclude = exclude;
		out[k].code = exclude ? 0 : code;
		out[k].expires_at = exclude ? 0 : p->expires_at;
		out[k].txt = NULL;
		if (exclude || txt == NULL)
			continue;
		if (expand(p, txt, txtlen, p->txt[k]) == -1) {
			*msg = "text too long after expansion";
			return -1;
		}
		out[k].txt = p->txt[k];
	}
	return n;
}

char *
list_format_prefix(const struct addr_prefix *p, char *dst, size_t dstsize)
{
	return addr_format(p, dst, dstsize);
}

char *
list_escape_rbldnsd(const char *text, char *dst, size_t dstsize)
{
	size_t	o = 0;

	if (dstsize == 0)
		return dst;
	for (; *text != '\0'; text++) {
		unsigned char	c = (unsigned char)*text;

		/* UTF-8 passes: rbldnsd serves the bytes as they are. */
		if (c < 0x20 || c == 0x7f)
			continue;
		if (c == '$' && text[1] == 'i' && text[2] == 'p') {
			/* The queried address: rbldnsd's own "$". */
			if (o + 1 >= dstsize)
				break;
			dst[o++] = '$';
			text += 2;
			continue;
		}
		if (o + (c == '$' ? 2 : 1) >= dstsize)
			break;
		if (c == '$')
			dst[o++] = '$';
		dst[o++] = (char)c;
		if (c == '$' && text[1] == '$')
			text++;		/* "$$" is one '$', written "$$" */
	}
	dst[o] = '\0';
	return dst;
}

void
list_bind_txt(struct sbuf *b, const char *text, size_t len)
{
	size_t	i = 0;

	do {
		size_t	chunk = len - i > 255 ? 255 : len - i, j;

		if (i > 0)
			sbuf_addc(b, ' ');
		sbuf_addc(b, '"');
		for (j = i; j < i + chunk; j++) {
			unsigned char	c = (unsigned char)text[j];

			if (c == '"' || c == '\\') {
				sbuf_addc(b, '\\');
				sbuf_addc(b, c);
			} else if (c < 0x20 || c >= 0x7f)
				sbuf_printf(b, "\\%03u", c);
			else
				sbuf_addc(b, c);
		}
		sbuf_addc(b, '"');
		i += chunk;
	} while (i < len);
}
