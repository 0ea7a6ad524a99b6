/*
 * authres.c: the Authentication-Results header field (RFC 8601), written
 * and read.
 *
 * dmarc_ar_write is the one writer of the field for SPF, DKIM and DMARC
 * together (`fairlist dkim verify` and the milter use it): "spf=" with
 * smtp.mailfrom or smtp.helo (section 2.7.2), one "dkim=" per signature
 * with header.d, header.i, header.s and header.b (section 2.7.1, RFC
 * 6008), "dmarc=" with header.from (RFC 7489 section 11.2) and the
 * applied policy and disposition in a comment, the form OpenDMARC
 * writes. Each result goes on its own folded line; a property that would
 * make a line longer than 78 characters starts a new one.
 *
 * Every value is the peer's text, so it is written as an RFC 2045 token
 * when it is one (or local-part@domain where section 2.2 allows it), and
 * as a quoted-string otherwise, with '"' and '\\' escaped, every byte
 * outside printable ASCII replaced by '?' and the value cut at
 * DMARC_AR_VALUE_MAX: no CR, LF, ';' or '(' of the peer's can end the
 * field, add a result or open a comment.
 *
 * dmarc_ar_authserv_id reads the first element of a field someone else
 * wrote (section 2.2): CFWS with nested comments, then the authserv-id
 * as a token or a quoted-string. The milter deletes the fields whose id
 * is ours (section 5). No I/O, no logging.
 */
#include <string.h>
#include <strings.h>

#include "core/str.h"
#include "dmarc/dmarc.h"
#include "dmarc/dmarc_int.h"

/* RFC 2045 token: CHAR except SPACE, CTLs and tspecials. */
static int
token_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

static int
is_token(const char *s, size_t n)
{
	size_t	i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!token_char((unsigned char)s[i]))
			return 0;
	return 1;
}

/* [local-part] "@" domain: a dot-atom local part and a token domain. */
static int
is_addr(const char *s, size_t n)
{
	const char	*at = memrchr(s, '@', n);
	size_t		 i;

	if (at == NULL || !is_token(at + 1, n - (size_t)(at + 1 - s)))
		return 0;
	for (i = 0; s + i < at; i++)
		if (!(token_char((unsigned char)s[i]) || s[i] == '/' ||
		    s[i] == '=' || s[i] == '?') || s[i] == '"')
			return 0;
	return 1;
}

/* A value (section 2.2): a token, an address where allowed, or quoted. */
static void
add_value(struct sbuf *b, const char *s, int at_ok)
{
	size_t	i, n = strlen(s);

	if (n > DMARC_AR_VALUE_MAX)
		n = DMARC_AR_VALUE_MAX;
	else if (is_token(s, n) || (at_ok && is_addr(s, n))) {
		sbuf_add(b, s, n);
		return;
	}
	sbuf_addc(b, '"');
	for (i = 0; i < n; i++) {
		unsigned char	c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			sbuf_addc(b, '\\');
		sbuf_addc(b, c >= 0x20 && c < 0x7f ? c : '?');
	}
	sbuf_addc(b, '"');
}

struct writer {
	struct sbuf	*b;
	size_t		 line;		/* offset where the line starts */
	struct sbuf	 tmp;
};

/* Start a result on a new folded line: ";" CRLF TAB "method=result". */
static void
result(struct writer *w, const char *method, const char *res)
{
	sbuf_adds(w->b, ";\r\n\t");
	w->line = w->b->len - 1;
	sbuf_printf(w->b, "%s=%s", method, res);
}

/* " text", or CRLF TAB "text" when the line would grow too long. */
static void
piece(struct writer *w, const char *text, size_t len)
{
	if (w->b->len - w->line + 1 + len > DMARC_AR_LINE_MAX) {
		sbuf_adds(w->b, "\r\n\t");
		w->line = w->b->len - 1;
	} else
		sbuf_addc(w->b, ' ');
	sbuf_add(w->b, text, len);
}

/* " name=value", nothing when value is NULL or "". */
static void
prop(struct writer *w, const char *name, const char *value, int at_ok)
{
	if (value == NULL || value[0] == '\0')
		return;
	sbuf_reset(&w->tmp);
	sbuf_printf(&w->tmp, "%s=", name);
	add_value(&w->tmp, value, at_ok);
	piece(w, w->tmp.s, w->tmp.len);
}

/*
 * RFC 6008 section 4: the shortest prefix of b= (at least 8 characters)
 * that no other signature of the message shares, into OUT:out.
 */
static void
bprefix(const struct dmarc_ar *ar, size_t i, char *out, size_t outlen)
{
	const char	*mine = ar->dkim[i].bprefix, *o;
	size_t		 j, n, len = strlen(mine);

	n = len < 8 ? len : 8;
	for (j = 0; j < ar->ndkim; j++) {
		o = ar->dkim[j].bprefix;
		if (j == i || o == NULL)
			continue;
		while (n < len && strncmp(o, mine, n) == 0)
			n++;
	}
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, mine, n);
	out[n] = '\0';
}

static void
write_dmarc(struct writer *w, const struct dmarc_verdict *v)
{
	result(w, "dmarc", dmarc_result_name(v->result));
	if (v->result == DMARC_RES_PASS || v->result == DMARC_RES_FAIL) {
		sbuf_reset(&w->tmp);
		sbuf_printf(&w->tmp, "(%s=%s dis=%s)",
		    v->policy_tag != NULL ? v->policy_tag : "p",
		    dmarc_policy_name(v->policy),
		    dmarc_disposition_name(v->disposition));
		piece(w, w->tmp.s, w->tmp.len);
	} else if (v->reason != NULL &&
	    (v->result == DMARC_RES_TEMPERROR ||
	    v->result == DMARC_RES_PERMERROR))
		prop(w, "reason", v->reason, 0);
	prop(w, "header.from", v->from, 0);
}

void
dmarc_ar_write(const struct dmarc_ar *ar, struct sbuf *b)
{
	struct writer		 w;
	const struct dmarc_dkim	*dk;
	char			 bp[DKIM_BPREFIX_MAX + 1];
	size_t			 i;
	int			 any = 0;

	w.b = b;
	sbuf_init(&w.tmp);
	w.line = b->len;
	sbuf_adds(b, "Authentication-Results: ");
	add_value(b, ar->authserv_id != NULL && ar->authserv_id[0] != '\0' ?
	    ar->authserv_id : "localhost", 0);
	if (ar->has_spf) {
		any = 1;
		result(&w, "spf", spf_result_str(ar->spf));
		if (ar->spf_mailfrom != NULL && ar->spf_mailfrom[0] != '\0')
			prop(&w, "smtp.mailfrom", ar->spf_mailfrom, 1);
		else
			prop(&w, "smtp.helo", ar->spf_helo, 0);
	}
	if (ar->has_dkim && ar->ndkim == 0) {
		any = 1;
		result(&w, "dkim", "none");
	}
	for (i = 0; ar->has_dkim && i < ar->ndkim; i++) {
		any = 1;
		dk = &ar->dkim[i];
		result(&w, "dkim", dkim_result_name(dk->result));
		if (dk->result != DKIM_RES_PASS)
			prop(&w, "reason", dk->reason, 0);
		prop(&w, "header.d", dk->domain, 0);
		prop(&w, "header.i", dk->identity, 1);
		prop(&w, "header.s", dk->selector, 0);
		if (dk->bprefix != NULL) {
			bprefix(ar, i, bp, sizeof(bp));
			prop(&w, "header.b", bp, 0);
		}
	}
	if (ar->dmarc != NULL) {
		any = 1;
		write_dmarc(&w, ar->dmarc);
	}
	if (!any)
		sbuf_adds(b, "; none");		/* no-result */
	sbuf_free(&w.tmp);
}

char *
dmarc_ar_dkim(const struct dkim_verify *v, const char *authserv_id)
{
	struct dmarc_dkim	dk[DKIM_VERIFY_SIGS_MAX];
	struct dmarc_ar		ar;
	struct sbuf		b;

	memset(&ar, 0, sizeof(ar));
	ar.authserv_id = authserv_id;
	ar.has_dkim = 1;
	ar.dkim = dk;
	ar.ndkim = dmarc_dkim_from_verify(v, dk, DKIM_VERIFY_SIGS_MAX);
	sbuf_init(&b);
	dmarc_ar_write(&ar, &b);
	sbuf_adds(&b, "\r\n");
	return b.s;
}

/* ---- reading ----------------------------------------------------- */

int
dmarc_ar_authserv_id(const void *value, size_t len, char *id, size_t idlen)
{
	const unsigned char	*p = value;
	size_t			 n = 0, off;
	long			 at;

	if (idlen == 0 || (at = dmarc_cfws(p, len, 0)) == -1)
		return -1;
	off = (size_t)at;
	if (off < len && p[off] == '"') {
		/* quoted-string, quoted-pairs unescaped */
		for (off++; off < len && p[off] != '"'; off++) {
			if (p[off] == '\\' && ++off == len)
				return -1;
			/* No controls (a NUL would cut the id short). */
			if ((p[off] < 0x20 && p[off] != '\t') ||
			    p[off] == 0x7f || n + 1 >= idlen)
				return -1;
			id[n++] = (char)p[off];
		}
		if (off == len)
			return -1;
		off++;
	} else {
		/* token; 8-bit bytes are allowed (RFC 8601 section 2.2) */
		for (; off < len && (token_char(p[off]) || p[off] >= 0x80);
		    off++) {
			if (n + 1 >= idlen)
				return -1;
			id[n++] = (char)p[off];
		}
	}
	id[n] = '\0';
	/* What follows is CFWS, ';' or the end; an id is never empty. */
	if (n == 0 || (off < len && p[off] != ';' && p[off] != ' ' &&
	    p[off] != '\t' && p[off] != '\r' && p[off] != '\n' &&
	    p[off] != '('))
		return -1;
	return 0;
}

int
dmarc_ar_is_ours(const void *value, size_t len, const char *authserv_id)
{
	char	id[DMARC_AR_VALUE_MAX + 1];

	if (authserv_id == NULL ||
	    dmarc_ar_authserv_id(value, len, id, sizeof(id)) == -1)
		return 0;
	return strcasecmp(id, authserv_id) == 0;
}
