/*
 * request.c: the Postfix policy delegation protocol (SMTPD_POLICY_README),
 * the request side.
 *
 * A request is a list of name=value lines, each ended by LF, and the list
 * is ended by an empty line. The name is everything before the first '=';
 * the value (which may itself contain '=') is the rest of the line.
 * Postfix sends one request and waits for the reply before the next one
 * on the same connection, but a client may pipeline, so the reader finds
 * the end of one request and leaves the bytes after it alone.
 *
 * The reader enforces the limits while it scans, incrementally: a server
 * that feeds it a growing buffer never rescans old bytes and never holds
 * more than POLICY_REQUEST_MAX bytes of one request. It rejects:
 *   - a line of more than POLICY_LINE_MAX bytes (not counting its LF);
 *   - more than POLICY_ATTRS_MAX lines (caught at the first byte of the
 *     line over the limit);
 *   - a request of more than POLICY_REQUEST_MAX bytes (its empty line
 *     included);
 *   - a NUL byte;
 *   - a line that is a lone CR: the end of a request written with CRLF.
 * Postfix writes LF only. A CR inside a line is kept as part of the value
 * (Postfix passes SMTP command text through, and the engine sanitises
 * everything it echoes), but a CRLF client would otherwise never see its
 * request end and would hang until the idle timeout; rejecting its CRLF
 * empty line closes it at once with a clear log line instead.
 *
 * The parser then splits a complete request in place. It does no I/O and
 * no allocation; the server logs and disconnects on -1 (a policy client
 * gets no reply to a malformed request). Two request types are known:
 * Postfix's smtpd_access_policy, and fairlist's own confirm_check
 * (policy.h, docs/POLICY.md), which adds the dkim_pass attribute.
 */
#include <stddef.h>
#include <string.h>

#include "policy/policy.h"

void
policy_reader_init(struct policy_reader *rd)
{
	memset(rd, 0, sizeof(*rd));
}

/*
 * The scan works a line at a time with memchr for the LF; the NUL check is
 * one memchr over everything this call scanned, done before any result is
 * returned, so a NUL before the point of another error still wins (as if
 * each line were checked as it is reached). rd->off is where the next call
 * resumes; rd->line_start and rd->nattrs carry the state of the current
 * line.
 */
long
policy_reader_scan(struct policy_reader *rd, const char *buf, size_t len,
    const char **err)
{
	const char	*nl, *msg = NULL;
	size_t		 i, i0, end, lim, stop, ls;
	long		 ret = 0;
	int		 na;

	/* No byte at or past POLICY_REQUEST_MAX can belong to a request. */
	end = len < POLICY_REQUEST_MAX ? len : POLICY_REQUEST_MAX;
	i = i0 = rd->off;
	ls = rd->line_start;
	na = rd->nattrs;
	while (i < end) {
		if (i == ls) {
			if (buf[i] == '\n') {
				ret = (long)(i + 1);
				i++;
				goto out;
			}
			if (na >= POLICY_ATTRS_MAX) {
				msg = "too many attributes";
				goto out;
			}
		}
		/* The LF of a full-length line is at line_start + LINE_MAX. */
		lim = ls + POLICY_LINE_MAX + 1;
		if (lim > end)
			lim = end;
		if ((nl = memchr(buf + i, '\n', lim - i)) == NULL) {
			i = lim;
			if (lim - ls > POLICY_LINE_MAX) {
				msg = "line too long";
				goto out;
			}
			break;
		}
		stop = (size_t)(nl - buf);
		if (stop - ls == 1 && buf[ls] == '\r') {
			i = stop;
			msg = "CRLF line ending (the protocol uses LF)";
			goto out;
		}
		na++;
		ls = i = stop + 1;
	}
	if (len > POLICY_REQUEST_MAX && i >= POLICY_REQUEST_MAX)
		msg = "request too long";
out:
	if (memchr(buf + i0, '\0', i - i0) != NULL) {
		*err = "NUL byte in request";
		return -1;
	}
	if (msg != NULL) {
		*err = msg;
		return -1;
	}
	rd->off = i;
	rd->line_start = ls;
	rd->nattrs = na;
	return ret;
}

/* The attributes we keep, and where. */
static const struct {
	const char	*name;
	size_t		 len;
	size_t		 off;
} attrs[] = {
#define A(n) { #n, sizeof(#n) - 1, offsetof(struct policy_request, n) }
	A(request),
	A(protocol_state),
	A(protocol_name),
	A(client_address),
	A(client_name),
	A(reverse_client_name),
	A(helo_name),
	A(sender),
	A(recipient),
	A(instance),
	A(sasl_username),
	A(queue_id),
	A(dkim_pass),
#undef A
};

/*
 * Untrusted input, but already bounded by policy_reader_scan(). Stays
 * safe on any bytes: it never reads or writes past buf[len - 1], and a
 * last line without its LF is an error.
 */
int
policy_request_parse(char *buf, size_t len, struct policy_request *r,
    const char **err)
{
	char		*line, *eq, *nl;
	size_t		 off, n, k;

	for (k = 0; k < sizeof(attrs) / sizeof(attrs[0]); k++)
		*(const char **)(void *)((char *)r + attrs[k].off) = "";
	r->kind = POLICY_REQ_ACCESS;
	r->has_sender = 0;
	r->nattrs = 0;

	for (off = 0; off < len; off = (size_t)(nl - buf) + 1) {
		line = buf + off;
		if ((nl = memchr(line, '\n', len - off)) == NULL) {
			*err = "request without its empty line";
			return -1;
		}
		if (nl == line)
			break;		/* the empty line ends the request */
		*nl = '\0';
		n = (size_t)(nl - line);
		if ((eq = memchr(line, '=', n)) == NULL) {
			*err = "attribute without '='";
			return -1;
		}
		if (eq == line) {
			*err = "attribute with an empty name";
			return -1;
		}
		*eq = '\0';
		r->nattrs++;
		n = (size_t)(eq - line);
		for (k = 0; k < sizeof(attrs) / sizeof(attrs[0]); k++) {
			if (attrs[k].len == n &&
			    memcmp(attrs[k].name, line, n) == 0) {
				/* A repeated attribute keeps its last value. */
				*(const char **)(void *)((char *)r +
				    attrs[k].off) = eq + 1;
				if (attrs[k].off == offsetof(struct
				    policy_request, sender))
					r->has_sender = 1;
				break;
			}
		}
	}
	if (off >= len) {
		*err = "request without its empty line";
		return -1;
	}
	if (r->request[0] == '\0') {
		*err = "request attribute missing";
		return -1;
	}
	if (strcmp(r->request, "smtpd_access_policy") == 0)
		r->kind = POLICY_REQ_ACCESS;
	else if (strcmp(r->request, "confirm_check") == 0)
		r->kind = POLICY_REQ_CONFIRM;
	else {
		*err = "unknown request type";
		return -1;
	}
	return 0;
}
