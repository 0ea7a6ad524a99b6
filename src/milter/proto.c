/*
 * proto.c: the milter v6 packet codec: framing, command parser,
 * negotiation and reply writers.
 *
 * Reads only through the struct rd cursor (core/buf.h), allocates
 * nothing, logs nothing. A packet that does not parse is an error for
 * the caller, which answers as STYLE section 5 says (close the
 * connection after a log line). Replies are appended to a struct sbuf.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "milter/proto.h"

int
milter_frame(const uint8_t *p, size_t len, size_t max, struct milter_pkt *pkt,
    size_t *used, const char **err)
{
	struct rd	r;
	uint32_t	n;

	if (len < MILTER_LEN_BYTES)
		return 0;
	rd_init(&r, p, len);
	n = rd_u32(&r);
	/*
	 * Untrusted input: the length counts the command byte, so 0 is
	 * malformed; past the negotiated data limit (plus that byte) the
	 * peer is not speaking the protocol we agreed on. Checked before
	 * waiting for the bytes, so nothing is buffered for it.
	 */
	if (n == 0) {
		*err = "zero packet length";
		return -1;
	}
	if ((size_t)n - 1 > max) {
		*err = "packet longer than the negotiated limit";
		return -1;
	}
	if (rd_left(&r) < n)
		return 0;
	pkt->cmd = rd_u8(&r);
	pkt->len = n - 1;
	pkt->data = rd_take(&r, pkt->len);
	*used = MILTER_LEN_BYTES + n;
	return 1;
}

/* Untrusted input: a NUL-terminated string at the cursor. */
static const char *
rd_cstr(struct rd *r, size_t *lenp)
{
	const uint8_t	*p, *nul;
	size_t		 n;

	if (r->err != NULL)
		return NULL;
	p = r->p + r->off;
	if ((nul = memchr(p, '\0', rd_left(r))) == NULL) {
		rd_fail(r, "string without its NUL");
		return NULL;
	}
	n = (size_t)(nul - p);
	rd_take(r, n + 1);
	if (lenp != NULL)
		*lenp = n;
	return (const char *)p;
}

/* MAIL and RCPT: the address, then ESMTP arguments, each with a NUL. */
static void
parse_args(struct rd *r, struct milter_cmd *c)
{
	const char	*a;

	c->arg = rd_cstr(r, NULL);
	while (r->err == NULL && rd_left(r) > 0) {
		a = rd_cstr(r, NULL);
		if (a != NULL && c->nargs < MILTER_ESMTP_ARGS_MAX)
			c->args[c->nargs++] = a;
	}
}

/*
 * Untrusted input: SMFIC_MACRO, the command byte the macros are for,
 * then name/value pairs. A name without its value is truncated.
 */
static void
parse_macros(struct rd *r, struct milter_cmd *c)
{
	const char	*n, *v;

	c->macro_cmd = rd_u8(r);
	while (r->err == NULL && rd_left(r) > 0) {
		n = rd_cstr(r, NULL);
		if (r->err == NULL && rd_left(r) == 0) {
			rd_fail(r, "macro name without a value");
			break;
		}
		v = rd_cstr(r, NULL);
		if (r->err == NULL && c->nmacros < MILTER_MACROS_MAX) {
			c->mname[c->nmacros] = n;
			c->mvalue[c->nmacros++] = v;
		}
	}
}

/*
 * Untrusted input: SMFIC_CONNECT, "host\0", the family, and for inet
 * families the port and "address\0". Sendmail writes IPv6 addresses as
 * "IPv6:2001:db8::1"; the prefix is stripped here.
 */
static void
parse_connect(struct rd *r, struct milter_cmd *c)
{
	c->host = rd_cstr(r, NULL);
	c->family = rd_u8(r);
	c->addr = "";
	switch (c->family) {
	case SMFIA_UNKNOWN:
		/* Postfix may send nothing more; libmilter allows it. */
		if (rd_left(r) == 0)
			break;
		/* FALLTHROUGH */
	case SMFIA_UNIX:
	case SMFIA_INET:
	case SMFIA_INET6:
		c->port = rd_u16(r);
		c->addr = rd_cstr(r, NULL);
		if (c->addr != NULL && c->family == SMFIA_INET6 &&
		    strncasecmp(c->addr, "IPv6:", 5) == 0)
			c->addr += 5;
		break;
	default:
		rd_fail(r, "unknown address family");
		break;
	}
}

int
milter_parse(const struct milter_pkt *pkt, struct milter_cmd *c,
    const char **err)
{
	struct rd	r;

	memset(c, 0, sizeof(*c));
	c->cmd = pkt->cmd;
	rd_init(&r, pkt->data, pkt->len);
	switch (pkt->cmd) {
	case SMFIC_OPTNEG:
		c->version = rd_u32(&r);
		c->actions = rd_u32(&r);
		c->protocol = rd_u32(&r);
		/* Sendmail may append more; libmilter ignores it too. */
		r.off = r.len;
		break;
	case SMFIC_MACRO:
		parse_macros(&r, c);
		break;
	case SMFIC_CONNECT:
		parse_connect(&r, c);
		break;
	case SMFIC_HELO:
		c->arg = rd_cstr(&r, NULL);
		break;
	case SMFIC_MAIL:
	case SMFIC_RCPT:
		parse_args(&r, c);
		break;
	case SMFIC_HEADER:
		c->hname = rd_cstr(&r, NULL);
		c->hvalue = rd_cstr(&r, &c->hvalue_len);
		if (r.err == NULL && c->hname[0] == '\0')
			rd_fail(&r, "header without a name");
		break;
	case SMFIC_UNKNOWN:
		c->arg = rd_cstr(&r, NULL);
		break;
	case SMFIC_BODY:
	case SMFIC_BODYEOB:
		c->body = rd_take(&r, pkt->len);
		c->body_len = pkt->len;
		break;
	case SMFIC_DATA:
	case SMFIC_EOH:
	case SMFIC_ABORT:
	case SMFIC_QUIT:
	case SMFIC_QUIT_NC:
		/* No data; libmilter ignores any that comes. */
		r.off = r.len;
		break;
	default:
		rd_fail(&r, "unknown command");
		break;
	}
	if (r.err == NULL && rd_left(&r) != 0)
		rd_fail(&r, "trailing bytes");
	if (r.err != NULL) {
		*err = r.err;
		return -1;
	}
	return 0;
}

int
milter_negotiate(const struct milter_cmd *offer, uint32_t want_actions,
    uint32_t want_proto, uint32_t *actions, uint32_t *proto,
    size_t *data_max, const char **err)
{
	/* Postfix 2.6+ and Sendmail 8.14+ speak 6; rspamd refuses less. */
	if (offer->version < MILTER_VERSION) {
		*err = "MTA speaks a milter version below 6";
		return -1;
	}
	*actions = offer->actions & want_actions;
	*proto = offer->protocol & want_proto;
	*data_max = MILTER_DATA_64K;
	if (offer->protocol & SMFIP_MDS_1M) {
		*proto |= SMFIP_MDS_1M;
		*data_max = MILTER_DATA_1M;
	} else if (offer->protocol & SMFIP_MDS_256K) {
		*proto |= SMFIP_MDS_256K;
		*data_max = MILTER_DATA_256K;
	}
	return 0;
}

int
milter_macro_is(const char *name, const char *n)
{
	size_t	len = strlen(n);

	if (strcmp(name, n) == 0)
		return 1;
	return name[0] == '{' && strncmp(name + 1, n, len) == 0 &&
	    name[len + 1] == '}' && name[len + 2] == '\0';
}

/* The frame header: length (data + the command byte), command. */
static void
put_head(struct sbuf *out, uint8_t cmd, size_t len)
{
	uint8_t	h[MILTER_LEN_BYTES + 1];
	size_t	n = len + 1;

	h[0] = (uint8_t)(n >> 24);
	h[1] = (uint8_t)(n >> 16);
	h[2] = (uint8_t)(n >> 8);
	h[3] = (uint8_t)n;
	h[4] = cmd;
	sbuf_add(out, h, sizeof(h));
}

static void
put_u32(struct sbuf *out, uint32_t v)
{
	uint8_t	b[4];

	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
	sbuf_add(out, b, sizeof(b));
}

void
milter_put(struct sbuf *out, uint8_t cmd)
{
	put_head(out, cmd, 0);
}

void
milter_put_optneg(struct sbuf *out, uint32_t actions, uint32_t proto)
{
	put_head(out, SMFIC_OPTNEG, 12);
	put_u32(out, MILTER_VERSION);
	put_u32(out, actions);
	put_u32(out, proto);
}

int
milter_put_replycode(struct sbuf *out, int code, const char *xcode,
    const char *text)
{
	char	buf[MILTER_REPLY_MAX + 1];
	size_t	n, i;
	int	w;

	if (code < 400 || code > 599)
		return -1;
	w = snprintf(buf, sizeof(buf), "%d %s %s", code, xcode, text);
	if (w < 0)
		return -1;
	n = (size_t)w < sizeof(buf) ? (size_t)w : sizeof(buf) - 1;
	/* One line; '%' is a macro escape in Sendmail's reply text. */
	for (i = 0; i < n; i++)
		if (buf[i] == '\r' || buf[i] == '\n' || buf[i] == '%')
			buf[i] = ' ';
	put_head(out, SMFIR_REPLYCODE, n + 1);
	sbuf_add(out, buf, n + 1);
	return 0;
}

void
milter_put_header(struct sbuf *out, uint8_t cmd, uint32_t idx,
    const char *name, const char *value)
{
	size_t	nl = strlen(name) + 1, vl = strlen(value) + 1;

	if (cmd == SMFIR_ADDHEADER) {
		put_head(out, cmd, nl + vl);
	} else {
		put_head(out, cmd, 4 + nl + vl);
		put_u32(out, idx);
	}
	sbuf_add(out, name, nl);
	sbuf_add(out, value, vl);
}
