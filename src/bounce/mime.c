/*
 * mime.c: the bounce message walk. Untrusted input (RFC 5322 header
 * fields, RFC 2045 transfer encodings, RFC 2046 multipart, RFC 3464
 * message/delivery-status). Reads lines with the core/buf.h cursor;
 * every part, nesting level, header field and decoded text is capped
 * (bounce.h), so any input is bounded work and memory. Malformed MIME
 * (no boundary, no closing delimiter, bad base64) is read as far as it
 * goes. Charsets are not converted: text is bytes.
 *
 * Keeps: the first recipient block's Status, Action, Diagnostic-Code,
 * Final-Recipient and Remote-MTA; text/plain parts (or a single-part
 * body) up to the copy of the returned message (Exim, qmail, Exchange);
 * text/html with its tags dropped. The returned message itself
 * (message/rfc822, text/rfc822-headers) is skipped: its words are the
 * sender's, not the receiver's.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "bounce/bounce_int.h"
#include "core/str.h"

enum cte { CTE_IDENTITY, CTE_BASE64, CTE_QP };

struct mhdr {
	char		type[64];		/* "text/plain", lower case */
	char		boundary[BOUNCE_BOUNDARY_MAX + 1];
	enum cte	cte;
};

struct walker {
	struct bounce_input	*in;
};

/* The text buffers of in, for the loops of init and free. */
static void
input_bufs(struct bounce_input *in, struct sbuf *v[7])
{
	v[0] = &in->diag;
	v[1] = &in->status;
	v[2] = &in->action;
	v[3] = &in->recipient;
	v[4] = &in->remote_mta;
	v[5] = &in->human;
	v[6] = &in->html;
}

void
bounce_input_init(struct bounce_input *in)
{
	struct sbuf	*v[7];
	size_t		 i;

	memset(in, 0, sizeof(*in));
	input_bufs(in, v);
	for (i = 0; i < 7; i++)
		sbuf_init(v[i]);
}

void
bounce_input_free(struct bounce_input *in)
{
	struct sbuf	*v[7];
	size_t		 i;

	input_bufs(in, v);
	for (i = 0; i < 7; i++)
		sbuf_free(v[i]);
}

/* Borrow the next line (without CR LF) into OUT:line; 0 at the end. */
static int
next_line(struct rd *r, const uint8_t **line, size_t *llen)
{
	const uint8_t	*p, *nl;
	size_t		 n, left = rd_left(r);

	if (left == 0 || r->err != NULL)
		return 0;
	p = r->p + r->off;
	nl = memchr(p, '\n', left);
	n = nl != NULL ? (size_t)(nl - p) + 1 : left;
	(void)rd_take(r, n);
	*line = p;
	if (n > 0 && p[n - 1] == '\n')
		n--;
	if (n > 0 && p[n - 1] == '\r')
		n--;
	*llen = n;
	return 1;
}

/* A header field's first line: a name of printable bytes, then ':'. */
static int
is_field_start(const uint8_t *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (p[i] == ':')
			return i > 0;
		if (p[i] <= ' ' || p[i] >= 0x7f)
			return 0;
	}
	return 0;
}

typedef void	field_fn(void *arg, const char *name, size_t nlen,
		    const char *val, size_t vlen);

static void
emit(struct sbuf *f, field_fn *fn, void *arg)
{
	const char	*c;
	size_t		 nlen, off;

	if (f->len == 0)
		return;
	c = memchr(f->s, ':', f->len);
	if (c != NULL) {
		nlen = (size_t)(c - f->s);
		off = nlen + 1;
		while (off < f->len && (f->s[off] == ' ' || f->s[off] == '\t'))
			off++;
		fn(arg, f->s, nlen, f->s + off, f->len - off);
	}
	sbuf_reset(f);
}

/*
 * Read header fields from r up to an empty line (or the end), unfolding
 * continuation lines (RFC 5322 section 2.2.3), and call fn for each.
 * Returns 0 when the block does not start like header fields (nothing
 * is read then), else 1.
 */
static int
read_fields(struct rd *r, field_fn *fn, void *arg)
{
	struct sbuf	 f;
	const uint8_t	*line;
	size_t		 n, save = r->off;
	int		 first = 1;

	sbuf_init(&f);
	while (next_line(r, &line, &n)) {
		if (n == 0)
			break;
		if ((line[0] == ' ' || line[0] == '\t') && !first) {
			if (f.len + n < BOUNCE_HEADER_MAX)
				sbuf_add(&f, line, n);
			continue;
		}
		if (!is_field_start(line, n)) {
			if (first) {
				r->off = save;
				sbuf_free(&f);
				return 0;
			}
			continue;	/* best effort: skip a stray line */
		}
		emit(&f, fn, arg);
		sbuf_add(&f, line, n < BOUNCE_HEADER_MAX ? n :
		    BOUNCE_HEADER_MAX);
		first = 0;
	}
	emit(&f, fn, arg);
	sbuf_free(&f);
	return 1;
}

static int
name_is(const char *name, size_t nlen, const char *want)
{
	return strlen(want) == nlen && strncasecmp(name, want, nlen) == 0;
}

/* A parameter's value (token or quoted string) of a Content-Type. */
static void
param(const char *v, size_t n, const char *want, char *out, size_t cap)
{
	size_t	i = 0, k, wl = strlen(want), o;

	while (i < n) {
		while (i < n && v[i] != ';')
			i++;
		if (i >= n)
			return;
		i++;
		while (i < n && (v[i] == ' ' || v[i] == '\t'))
			i++;
		if (n - i <= wl || strncasecmp(v + i, want, wl) != 0 ||
		    v[i + wl] != '=')
			continue;
		k = i + wl + 1;
		o = 0;
		if (k < n && v[k] == '"') {
			for (k++; k < n && v[k] != '"' && o + 1 < cap; k++)
				out[o++] = v[k];
		} else {
			for (; k < n && v[k] != ';' && v[k] != ' ' &&
			    v[k] != '\t' && o + 1 < cap; k++)
				out[o++] = v[k];
		}
		out[o] = '\0';
		return;
	}
}

static void
on_part_field(void *arg, const char *name, size_t nlen, const char *v,
    size_t n)
{
	struct mhdr	*h = arg;
	size_t		 i;

	if (name_is(name, nlen, "content-type")) {
		for (i = 0; i < n && i + 1 < sizeof(h->type) && v[i] != ';' &&
		    v[i] != ' ' && v[i] != '\t'; i++)
			h->type[i] = (char)tolower((unsigned char)v[i]);
		h->type[i] = '\0';
		param(v, n, "boundary", h->boundary, sizeof(h->boundary));
	} else if (name_is(name, nlen, "content-transfer-encoding")) {
		while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
			n--;
		if (name_is(v, n, "base64"))
			h->cte = CTE_BASE64;
		else if (name_is(v, n, "quoted-printable"))
			h->cte = CTE_QP;
	}
}

static int
b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Decode body p (n bytes) by cte into out, at most cap bytes. Base64
 * skips bytes outside its alphabet (RFC 2045 section 6.8) and stops at
 * '='; quoted-printable keeps a malformed '=' as it is (section 6.7).
 */
static void
decode(const uint8_t *p, size_t n, enum cte cte, struct sbuf *out,
    size_t cap)
{
	size_t		i;
	uint32_t	acc = 0;
	int		bits = 0, v, h, l;

	for (i = 0; i < n && out->len < cap; i++) {
		switch (cte) {
		case CTE_BASE64:
			if (p[i] == '=')
				return;
			if ((v = b64val(p[i])) < 0)
				break;
			acc = (acc << 6) | (uint32_t)v;
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				sbuf_addc(out, (int)((acc >> bits) & 0xff));
			}
			break;
		case CTE_QP:
			if (p[i] != '=') {
				sbuf_addc(out, p[i]);
				break;
			}
			if (i + 1 < n && p[i + 1] == '\n') {	/* soft break */
				i++;
				break;
			}
			if (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n') {
				i += 2;
				break;
			}
			if (i + 2 < n && (h = str_hexval(p[i + 1])) >= 0 &&
			    (l = str_hexval(p[i + 2])) >= 0) {
				sbuf_addc(out, h * 16 + l);
				i += 2;
				break;
			}
			sbuf_addc(out, '=');
			break;
		default:
			sbuf_addc(out, p[i]);
			break;
		}
	}
}

/* Where the copy of the returned message starts in a human text. */
static const char *const copy_marks[] = {
	"------ This is a copy of the message",		/* Exim */
	"--- Below this line is a copy of the message",	/* qmail */
	"Original message headers:",			/* Exchange */
	"----- Original message -----",
	"------ Original Message ------",
};

static void
add_human(struct sbuf *dst, const uint8_t *p, size_t n, enum cte cte)
{
	struct sbuf	t;
	size_t		i, cut;
	const char	*m;

	if (dst->len >= BOUNCE_TEXT_MAX)
		return;
	sbuf_init(&t);
	decode(p, n, cte, &t, BOUNCE_TEXT_MAX - dst->len);
	cut = t.len;
	for (i = 0; i < sizeof(copy_marks) / sizeof(copy_marks[0]); i++) {
		m = memmem(t.s != NULL ? t.s : "", t.len, copy_marks[i],
		    strlen(copy_marks[i]));
		if (m != NULL && (size_t)(m - t.s) < cut)
			cut = (size_t)(m - t.s);
	}
	if (dst->len > 0)
		sbuf_addc(dst, '\n');
	sbuf_add(dst, t.s != NULL ? t.s : "", cut);
	sbuf_free(&t);
}

static void
add_html(struct sbuf *dst, const uint8_t *p, size_t n, enum cte cte)
{
	struct sbuf	t;
	size_t		i;
	int		in_tag = 0;

	if (dst->len >= BOUNCE_TEXT_MAX)
		return;
	sbuf_init(&t);
	decode(p, n, cte, &t, BOUNCE_TEXT_MAX - dst->len);
	for (i = 0; i < t.len; i++) {
		if (t.s[i] == '<')
			in_tag = 1;
		else if (t.s[i] == '>') {
			in_tag = 0;
			sbuf_addc(dst, ' ');
		} else if (!in_tag)
			sbuf_addc(dst, t.s[i]);
	}
	sbuf_free(&t);
}

/* A per-recipient block of a delivery-status part (RFC 3464 2.3). */
struct dsn_block {
	struct bounce_input	*in;
	int			 recipient;	/* the block names one */
	struct sbuf		 f[5];
};

static const char *const dsn_fields[5] = {
	"status", "action", "diagnostic-code", "final-recipient", "remote-mta"
};

static void
on_dsn_field(void *arg, const char *name, size_t nlen, const char *v,
    size_t n)
{
	struct dsn_block	*b = arg;
	size_t			 i;

	for (i = 0; i < 5; i++) {
		if (!name_is(name, nlen, dsn_fields[i]))
			continue;
		if (i == 0 || i == 3)
			b->recipient = 1;
		if (b->f[i].len == 0)
			sbuf_add(&b->f[i], v, n < BOUNCE_DIAG_MAX ? n :
			    BOUNCE_DIAG_MAX);
	}
}

static void
read_dsn(struct bounce_input *in, const uint8_t *p, size_t n)
{
	struct dsn_block	 b;
	struct sbuf		*dst[5];
	struct rd		 r;
	size_t			 i, blocks = 0;

	in->dsn = 1;
	if (in->status.len > 0 || in->diag.len > 0)
		return;		/* the first delivery-status part wins */
	dst[0] = &in->status;
	dst[1] = &in->action;
	dst[2] = &in->diag;
	dst[3] = &in->recipient;
	dst[4] = &in->remote_mta;
	rd_init(&r, p, n);
	/* Per-message fields, then per-recipient blocks; keep the first. */
	while (rd_left(&r) > 0 && blocks++ < BOUNCE_PARTS_MAX) {
		memset(&b, 0, sizeof(b));
		for (i = 0; i < 5; i++)
			sbuf_init(&b.f[i]);
		if (!read_fields(&r, on_dsn_field, &b)) {
			const uint8_t	*line;
			size_t		 ll;

			(void)next_line(&r, &line, &ll);	/* stray line */
		}
		if (b.recipient)
			for (i = 0; i < 5; i++)
				sbuf_add(dst[i], b.f[i].s != NULL ? b.f[i].s :
				    "", b.f[i].len);
		for (i = 0; i < 5; i++)
			sbuf_free(&b.f[i]);
		if (b.recipient)
			return;
	}
}

static void walk(struct walker *w, const uint8_t *p, size_t n, int depth,
    int headers);

/*
 * Is line (n bytes) "--" boundary, then optional white space (RFC 2046
 * section 5.1.1: transport padding)? 2 when it is the closing one, with
 * "--" after the boundary; 0 when it is not a delimiter.
 */
static int
delimiter(const uint8_t *line, size_t n, const char *bd, size_t bl)
{
	size_t	i = bl + 2;
	int	d = 1;

	if (n < bl + 2 || line[0] != '-' || line[1] != '-' ||
	    memcmp(line + 2, bd, bl) != 0)
		return 0;
	if (n >= i + 2 && line[i] == '-' && line[i + 1] == '-') {
		d = 2;
		i += 2;
	}
	for (; i < n; i++)
		if (line[i] != ' ' && line[i] != '\t')
			return 0;
	return d;
}

/* RFC 2046 section 5.1.1: the parts between the delimiter lines. */
static void
split(struct walker *w, const uint8_t *p, size_t n, const char *bd,
    int depth)
{
	struct rd	 r;
	const uint8_t	*line;
	size_t		 ll, bl = strlen(bd), start = 0, end;
	int		 inpart = 0, d;

	rd_init(&r, p, n);
	for (;;) {
		end = r.off;
		if (!next_line(&r, &line, &ll)) {
			if (inpart)	/* no closing delimiter: best effort */
				walk(w, p + start, end - start, depth + 1, 1);
			return;
		}
		if ((d = delimiter(line, ll, bd, bl)) == 0)
			continue;
		if (inpart)
			walk(w, p + start, end - start, depth + 1, 1);
		if (d == 2 || w->in->parts >= BOUNCE_PARTS_MAX)
			return;
		inpart = 1;
		start = r.off;
	}
}

static void
walk(struct walker *w, const uint8_t *p, size_t n, int depth, int headers)
{
	struct mhdr	 h;
	struct rd	 r;
	const uint8_t	*body;
	size_t		 bn;

	if (depth > BOUNCE_DEPTH_MAX || w->in->parts >= BOUNCE_PARTS_MAX)
		return;
	w->in->parts++;
	memset(&h, 0, sizeof(h));
	rd_init(&r, p, n);
	if (headers && !read_fields(&r, on_part_field, &h)) {
		/* A part may start with its blank line (no fields). */
		if (n > 0 && (p[0] == '\n' || p[0] == '\r')) {
			const uint8_t	*line;
			size_t		 ll;

			(void)next_line(&r, &line, &ll);
		}
	}
	body = p + r.off;
	bn = n - r.off;
	if (strncmp(h.type, "multipart/", 10) == 0) {
		if (h.boundary[0] != '\0')
			split(w, body, bn, h.boundary, depth);
		else
			add_human(&w->in->human, body, bn, h.cte);
	} else if (strcmp(h.type, "message/delivery-status") == 0 ||
	    strcmp(h.type, "message/global-delivery-status") == 0) {
		struct sbuf	t;

		sbuf_init(&t);
		decode(body, bn, h.cte, &t, BOUNCE_TEXT_MAX);
		read_dsn(w->in, (const uint8_t *)(t.s != NULL ? t.s : ""),
		    t.len);
		sbuf_free(&t);
	} else if (strcmp(h.type, "text/html") == 0)
		add_html(&w->in->html, body, bn, h.cte);
	else if (h.type[0] == '\0' || strcmp(h.type, "text/plain") == 0)
		add_human(&w->in->human, body, bn, h.cte);
	/* message/rfc822, text/rfc822-headers, attachments: skipped. */
}

void
bounce_mime_walk(const unsigned char *msg, size_t len,
    struct bounce_input *in)
{
	struct walker	w;

	w.in = in;
	walk(&w, msg, len, 0, 1);
}

void
bounce_classify_message(const void *msg, size_t len,
    struct bounce_result *r)
{
	struct bounce_input	in;
	struct rd		rr;
	struct mhdr		h;

	if (len > BOUNCE_MSG_MAX)
		len = BOUNCE_MSG_MAX;
	memset(&h, 0, sizeof(h));
	rd_init(&rr, msg, len);
	if (!read_fields(&rr, on_part_field, &h)) {
		/* No header fields: a bare reply text. */
		bounce_classify_text(msg, len, r);
		return;
	}
	bounce_input_init(&in);
	bounce_mime_walk(msg, len, &in);
	bounce_classify_input(&in, r);
	bounce_input_free(&in);
}
