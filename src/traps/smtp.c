/*
 * smtp.c: the trap receiver's SMTP server, as a state machine without I/O.
 *
 * RFC 5321 minimal server (section 4.5.1): EHLO/HELO, MAIL, RCPT, DATA,
 * RSET, NOOP, QUIT, plus VRFY (252) and HELP; everything else is 500 or
 * 502. It accepts mail only for the configured trap domains (RCPT to any
 * other domain is 550: never a relay), at most rcpt-max recipients and
 * message-size bytes (SIZE, RFC 1870, refused early when declared). Lines
 * are framed by LF; in DATA only CRLF "." CRLF ends a message (section
 * 4.1.1.4), so a bare LF cannot smuggle a second message, and dot-stuffing
 * is undone (section 4.5.2).
 *
 * Replies are fixed texts and the configured host name: nothing the peer
 * sent is ever echoed, so no CR or LF of theirs reaches a reply. Bad
 * commands are counted; after TRAPS_ERRORS_MAX the session ends with 421.
 * Time limits are the glue's (src/daemon/traps_svc.c).
 */
#include <string.h>
#include <strings.h>

#include "core/str.h"
#include "traps/traps.h"

/* The DATA scanner's states (s->dstate). */
enum {
	D_BOL = 0,	/* after CRLF: a line starts */
	D_DOT,		/* BOL, then "." (removed) */
	D_DOTCR,	/* BOL, ".", CR */
	D_MID,		/* inside a line */
	D_CR		/* inside a line, CR just read */
};

void
traps_smtp_init(struct traps_smtp *s, const struct traps_conf *tc)
{
	memset(s, 0, sizeof(*s));
	s->domains = (const char *const *)tc->domains;
	s->ndomains = tc->ndomains;
	s->hostname = tc->hostname;
	s->msg_max = tc->msg_max;
	s->rcpt_max = tc->rcpt_max;
	sbuf_init(&s->msg);
}

void
traps_smtp_free(struct traps_smtp *s)
{
	sbuf_free(&s->msg);
}

void
traps_smtp_greet(struct traps_smtp *s, struct sbuf *out)
{
	sbuf_printf(out, "220 %s ESMTP\r\n", s->hostname);
}

/* A new transaction: forget MAIL, RCPT and the message. */
static void
reset_tx(struct traps_smtp *s)
{
	s->null_sender = 0;
	s->from[0] = '\0';
	s->rcpt[0] = '\0';
	s->nrcpt = 0;
	s->too_big = 0;
	s->dstate = D_BOL;
	sbuf_reset(&s->msg);
}

/* A bad command: its reply, counted; the last one closes the session. */
static void
bad(struct traps_smtp *s, struct sbuf *out, const char *reply)
{
	if (++s->errors >= TRAPS_ERRORS_MAX) {
		sbuf_adds(out, "421 4.7.0 too many errors; closing\r\n");
		s->state = TRAPS_S_CLOSED;
		return;
	}
	sbuf_adds(out, reply);
}

/* 1 if line starts with the command word w followed by the end or SP. */
static int
is_cmd(const char *line, const char *w)
{
	size_t	n = strlen(w);

	return strncasecmp(line, w, n) == 0 &&
	    (line[n] == '\0' || line[n] == ' ');
}

/*
 * "FROM:<path> params" or "TO:<path> params" after the verb (RFC 5321
 * section 4.1.2; a space after the colon is tolerated, as Postfix does).
 * Copies the path without its brackets into OUT:path and sets *OUT:params
 * to the rest. 0, or -1 for bad syntax (no brackets, too long, a control
 * character, a space inside).
 */
static int
parse_path(const char *arg, const char *key, char path[TRAPS_PATH_MAX + 1],
    const char **params)
{
	const char	*p, *end;
	size_t		 n = strlen(key), i;

	while (*arg == ' ')
		arg++;
	if (strncasecmp(arg, key, n) != 0)
		return -1;
	p = arg + n;
	while (*p == ' ')
		p++;
	if (*p != '<' || (end = strchr(p, '>')) == NULL)
		return -1;
	p++;
	if ((size_t)(end - p) > TRAPS_PATH_MAX)
		return -1;
	for (i = 0; p + i < end; i++)
		if ((unsigned char)p[i] <= ' ' || p[i] == 0x7f || p[i] == '<')
			return -1;
	memcpy(path, p, (size_t)(end - p));
	path[end - p] = '\0';
	*params = end + 1;
	if (**params != '\0' && **params != ' ')
		return -1;
	return 0;
}

/* 1 if the domain of address a (after its last '@') is a trap domain. */
static int
is_trap(const struct traps_smtp *s, const char *a)
{
	const char	*at = strrchr(a, '@');
	int		 i;

	if (at == NULL || at == a)
		return 0;
	for (i = 0; i < s->ndomains; i++)
		if (strcasecmp(at + 1, s->domains[i]) == 0)
			return 1;
	return 0;
}

/* MAIL's parameters: only SIZE=n is read (RFC 1870); 1 if too big. */
static int
size_too_big(const struct traps_smtp *s, const char *params)
{
	const char	*p = params;
	size_t		 v;

	while ((p = strcasestr(p, "SIZE=")) != NULL) {
		if (p == params || p[-1] == ' ') {
			p += 5;
			v = 0;
			while (*p >= '0' && *p <= '9') {
				if (v > s->msg_max)
					return 1;
				v = v * 10 + (size_t)(*p++ - '0');
			}
			return v > s->msg_max;
		}
		p += 5;
	}
	return 0;
}

static void
cmd_mail(struct traps_smtp *s, const char *arg, struct sbuf *out)
{
	const char	*params;

	if (s->state != TRAPS_S_MAIL) {
		bad(s, out, s->state == TRAPS_S_HELO ?
		    "503 5.5.1 EHLO or HELO first\r\n" :
		    "503 5.5.1 nested MAIL command\r\n");
		return;
	}
	reset_tx(s);
	if (parse_path(arg, "FROM:", s->from, &params) == -1) {
		s->from[0] = '\0';
		bad(s, out, "501 5.5.4 syntax: MAIL FROM:<address>\r\n");
		return;
	}
	if (size_too_big(s, params)) {
		s->from[0] = '\0';
		sbuf_adds(out, "552 5.3.4 message size exceeds the limit\r\n");
		return;
	}
	s->null_sender = s->from[0] == '\0';
	s->state = TRAPS_S_RCPT;
	sbuf_adds(out, "250 2.1.0 ok\r\n");
}

static void
cmd_rcpt(struct traps_smtp *s, const char *arg, struct sbuf *out)
{
	char		 path[TRAPS_PATH_MAX + 1];
	const char	*params;

	if (s->state != TRAPS_S_RCPT) {
		bad(s, out, "503 5.5.1 MAIL first\r\n");
		return;
	}
	if (parse_path(arg, "TO:", path, &params) == -1) {
		bad(s, out, "501 5.5.4 syntax: RCPT TO:<address>\r\n");
		return;
	}
	if (s->nrcpt >= s->rcpt_max) {
		sbuf_adds(out, "452 4.5.3 too many recipients\r\n");
		return;
	}
	if (!is_trap(s, path)) {
		sbuf_adds(out, "550 5.7.1 relay access denied\r\n");
		return;
	}
	if (s->nrcpt++ == 0)
		memcpy(s->rcpt, path, sizeof(path));
	sbuf_adds(out, "250 2.1.5 ok\r\n");
}

static void
cmd_data(struct traps_smtp *s, const char *arg, struct sbuf *out)
{
	if (*arg != '\0') {
		bad(s, out, "501 5.5.4 syntax: DATA\r\n");
		return;
	}
	if (s->state != TRAPS_S_RCPT) {
		bad(s, out, "503 5.5.1 MAIL first\r\n");
		return;
	}
	if (s->nrcpt == 0) {
		bad(s, out, "554 5.5.1 no valid recipients\r\n");
		return;
	}
	sbuf_reset(&s->msg);
	s->dstate = D_BOL;
	s->too_big = 0;
	s->state = TRAPS_S_DATA;
	sbuf_adds(out, "354 end data with <CR><LF>.<CR><LF>\r\n");
}

/* One command line, NUL-terminated, without its CR LF. */
static void
command(struct traps_smtp *s, char *line, size_t len, struct sbuf *out)
{
	const char	*arg;

	if (memchr(line, '\0', len) != NULL) {
		bad(s, out, "500 5.5.2 NUL in a command line\r\n");
		return;
	}
	arg = line + strcspn(line, " ");
	while (*arg == ' ')
		arg++;
	if (is_cmd(line, "EHLO") || is_cmd(line, "HELO")) {
		if (*arg == '\0') {
			bad(s, out, "501 5.5.4 syntax: EHLO hostname\r\n");
			return;
		}
		reset_tx(s);
		s->state = TRAPS_S_MAIL;
		if ((line[0] | 0x20) == 'e')
			sbuf_printf(out, "250-%s\r\n250-PIPELINING\r\n"
			    "250-SIZE %zu\r\n250-8BITMIME\r\n"
			    "250 ENHANCEDSTATUSCODES\r\n", s->hostname,
			    s->msg_max);
		else
			sbuf_printf(out, "250 %s\r\n", s->hostname);
	} else if (is_cmd(line, "MAIL"))
		cmd_mail(s, arg, out);
	else if (is_cmd(line, "RCPT"))
		cmd_rcpt(s, arg, out);
	else if (is_cmd(line, "DATA"))
		cmd_data(s, arg, out);
	else if (is_cmd(line, "RSET")) {
		reset_tx(s);
		if (s->state != TRAPS_S_HELO)
			s->state = TRAPS_S_MAIL;
		sbuf_adds(out, "250 2.0.0 ok\r\n");
	} else if (is_cmd(line, "NOOP"))
		sbuf_adds(out, "250 2.0.0 ok\r\n");
	else if (is_cmd(line, "QUIT")) {
		sbuf_adds(out, "221 2.0.0 bye\r\n");
		s->state = TRAPS_S_CLOSED;
	} else if (is_cmd(line, "VRFY"))
		sbuf_adds(out, "252 2.5.0 cannot verify\r\n");
	else if (is_cmd(line, "HELP"))
		sbuf_adds(out, "214 2.0.0 see RFC 5321\r\n");
	else if (is_cmd(line, "STARTTLS") || is_cmd(line, "AUTH") ||
	    is_cmd(line, "EXPN") || is_cmd(line, "TURN") ||
	    is_cmd(line, "BDAT"))
		bad(s, out, "502 5.5.1 not implemented\r\n");
	else
		bad(s, out, "500 5.5.1 unknown command\r\n");
}

/* Append c to the message unless it is past msg_max already. */
static inline void
msg_add(struct traps_smtp *s, int c)
{
	if (s->msg.len >= s->msg_max) {
		s->too_big = 1;
		return;
	}
	sbuf_addc(&s->msg, c);
}

/*
 * Scan message bytes from p[*off] on. Returns 1 at the end of the
 * message (*off past its final LF), 0 when every byte was taken.
 */
static int
data(struct traps_smtp *s, const unsigned char *p, size_t n, size_t *off)
{
	size_t	i = *off;
	int	c;

	while (i < n) {
		c = p[i++];
		switch (s->dstate) {
		case D_BOL:
			if (c == '.') {
				s->dstate = D_DOT;	/* section 4.5.2 */
				continue;
			}
			break;
		case D_DOT:
			if (c == '\r') {
				s->dstate = D_DOTCR;
				continue;
			}
			break;		/* the dot was stuffing */
		case D_DOTCR:
			if (c == '\n') {
				*off = i;
				return 1;
			}
			msg_add(s, '\r');	/* "." CR x: dot removed */
			s->dstate = D_MID;
			break;
		case D_MID:
		case D_CR:
			break;
		default:
			s->dstate = D_MID;
			break;
		}
		/* c is message text; track CRLF for the next line start. */
		msg_add(s, c);
		if (c == '\r')
			s->dstate = D_CR;
		else if (c == '\n' && s->dstate == D_CR)
			s->dstate = D_BOL;
		else
			s->dstate = D_MID;
	}
	*off = i;
	return 0;
}

enum traps_smtp_event
traps_smtp_feed(struct traps_smtp *s, const void *buf, size_t n,
    size_t *used, struct sbuf *out)
{
	const unsigned char	*p = buf, *lf;
	size_t			 off = 0, take;

	while (off < n) {
		if (s->state == TRAPS_S_CLOSED)
			break;
		if (s->state == TRAPS_S_DATA) {
			if (!data(s, p, n, &off))
				break;
			s->state = TRAPS_S_MAIL;
			if (s->too_big) {
				reset_tx(s);
				sbuf_adds(out, "552 5.3.4 message size exceeds "
				    "the limit\r\n");
				continue;
			}
			*used = off;
			return TRAPS_EV_MESSAGE;
		}
		lf = memchr(p + off, '\n', n - off);
		take = (lf != NULL ? (size_t)(lf - p) : n) - off;
		if (s->skipping) {
			/* The rest of a line already refused. */
			if (lf != NULL)
				s->skipping = 0;
			off += take + (lf != NULL);
			continue;
		}
		/* Section 4.5.3.1.4: 512 bytes with the CR LF. */
		if (s->linelen + take > TRAPS_LINE_MAX - 1) {
			s->linelen = 0;
			s->skipping = lf == NULL;
			off += take + (lf != NULL);
			bad(s, out, "500 5.5.2 line too long\r\n");
			continue;
		}
		memcpy(s->line + s->linelen, p + off, take);
		s->linelen += take;
		off += take;
		if (lf == NULL)
			break;
		off++;
		if (s->linelen > 0 && s->line[s->linelen - 1] == '\r')
			s->linelen--;
		s->line[s->linelen] = '\0';
		take = s->linelen;
		s->linelen = 0;
		command(s, s->line, take, out);
	}
	*used = s->state == TRAPS_S_CLOSED ? n : off;
	return s->state == TRAPS_S_CLOSED ? TRAPS_EV_CLOSE : TRAPS_EV_MORE;
}

void
traps_smtp_done(struct traps_smtp *s, int ok, struct sbuf *out)
{
	reset_tx(s);
	s->state = TRAPS_S_MAIL;
	sbuf_adds(out, ok ? "250 2.0.0 message accepted\r\n" :
	    "451 4.3.0 temporary failure; try again later\r\n");
}
