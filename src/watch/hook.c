/*
 * hook.c: the webhook's HTTP/1.1 exchange as bytes (docs/SENDER-CARE.md).
 *
 * The URL (RFC 3986 section 3: "http://" or "https://", a host that is
 * a DNS name or an address literal, an optional port, the path and
 * query as written), the POST request (RFC 9112 section 3, RFC 9110
 * section 7.2 for Host), the status line of the answer (RFC 9112
 * section 4, skipping interim 1xx answers, RFC 9110 section 15.2), and
 * the host's addresses from its A and AAAA answers.
 *
 * No I/O: post.c drives it on the daemon's loop, the unit tests and the
 * fuzz target feed it bytes. Only the status code of the answer is
 * read: its headers and body are not needed to tell sent from failed.
 */
#include <stdio.h>
#include <string.h>

#include "core/addr.h"
#include "core/buf.h"
#include "core/str.h"
#include "dns/dns.h"
#include "watch/watch.h"

/*
 * RFC 3986 section 3: scheme "://" host [":" port] [path-abempty and
 * query]. No user info (it would go into a log line), no fragment (it
 * would not be sent): the path and query are sent as written. The host is a DNS name (it is
 * resolved on the daemon's resolver), an IPv4 address or an IPv6 one in
 * brackets (RFC 3986 section 3.2.2), which needs no lookup.
 */
int
watch_url_split(const char *url, struct watch_url *u, const char **why)
{
	struct addr_prefix	 ap;
	const char		*h, *end, *colon, *e, *perr;
	size_t			 n;
	long long		 v;
	char			 num[8];
	int			 bracket = 0;

	memset(u, 0, sizeof(*u));
	if (str_has_ctl(url, strlen(url)) || strchr(url, ' ') != NULL) {
		*why = "a control byte or a space in the URL";
		return -1;
	}
	/* RFC 3986 section 3.5: a fragment is never sent to the server. */
	if (strchr(url, '#') != NULL) {
		*why = "a fragment (#) in the URL";
		return -1;
	}
	if (strncmp(url, "https://", 8) == 0) {
		u->tls = 1;
		u->port = 443;
		h = url + 8;
	} else if (strncmp(url, "http://", 7) == 0) {
		u->port = 80;
		h = url + 7;
	} else {
		*why = "want an http:// or https:// URL";
		return -1;
	}
	end = h + strcspn(h, "/?");
	u->path = *end == '\0' ? "/" : end;
	if (memchr(h, '@', (size_t)(end - h)) != NULL) {
		*why = "user info in the URL";
		return -1;
	}
	if (*h == '[') {
		if ((e = memchr(h, ']', (size_t)(end - h))) == NULL) {
			*why = "unclosed [ in the host";
			return -1;
		}
		colon = e + 1 < end && e[1] == ':' ? e + 1 : NULL;
		if (e + 1 < end && colon == NULL) {
			*why = "text after ] in the host";
			return -1;
		}
		h++;
		n = (size_t)(e - h);
		bracket = 1;
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		n = (size_t)((colon != NULL ? colon : end) - h);
	}
	if (n == 0 || n >= sizeof(u->host)) {
		*why = "no host, or a host longer than 255 bytes";
		return -1;
	}
	memcpy(u->host, h, n);
	u->host[n] = '\0';
	if (bracket) {
		if (strchr(u->host, ':') == NULL || addr_parse(u->host, &ap,
		    &perr) == -1 || ap.family != 6 || ap.plen != 128) {
			*why = "not an IPv6 address in [ ]";
			return -1;
		}
		u->literal = 6;
	} else if (strspn(u->host, "0123456789.") == n) {
		if (addr_parse(u->host, &ap, &perr) == -1 || ap.family != 4 ||
		    ap.plen != 128) {
			*why = "not an IPv4 address";
			return -1;
		}
		u->literal = 4;
	} else {
		if (u->host[n - 1] == '.')
			u->host[--n] = '\0';
		if (n == 0 || !str_dnsname_ok(u->host, n)) {
			*why = "the host is not a DNS name or an address";
			return -1;
		}
		str_lower(u->host);
	}
	if (colon != NULL) {
		n = (size_t)(end - colon - 1);
		if (n == 0 || n >= sizeof(num)) {
			*why = "bad port";
			return -1;
		}
		memcpy(num, colon + 1, n);
		num[n] = '\0';
		v = str_tonum(num, 1, 65535, &e);
		if (e != NULL) {
			*why = "bad port";
			return -1;
		}
		u->port = (int)v;
	}
	return 0;
}

void
watch_hook_request(struct sbuf *b, const struct watch_url *u,
    const char *body, size_t len)
{
	int	defport = u->port == (u->tls ? 443 : 80);

	sbuf_printf(b, "POST %s HTTP/1.1\r\n", u->path);
	/* RFC 9110 section 7.2: the port only when it is not the default. */
	if (u->literal == 6)
		sbuf_printf(b, "Host: [%s]", u->host);
	else
		sbuf_printf(b, "Host: %s", u->host);
	if (!defport)
		sbuf_printf(b, ":%d", u->port);
	sbuf_printf(b, "\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\nUser-Agent: fairlist/%s\r\n"
	    "Connection: close\r\n\r\n", len, FAIRLIST_VERSION);
	sbuf_add(b, body, len);
}

/* The offset just past the LF that ends the line at off, or 0. */
static size_t
line_end(const uint8_t *p, size_t len, size_t off)
{
	const uint8_t	*lf = memchr(p + off, '\n', len - off);

	return lf == NULL ? 0 : (size_t)(lf - p) + 1;
}

/*
 * Untrusted input (RFC 9112 section 4): status-line = HTTP-version SP
 * status-code SP [ reason-phrase ] CRLF, HTTP-version = "HTTP/" DIGIT
 * "." DIGIT. A bare LF ends a line too (RFC 9112 section 2.2), and a
 * missing SP before an empty reason is taken (servers that send
 * "HTTP/1.1 200\r\n" exist). An interim 1xx answer is skipped with its
 * header block, up to the final one (RFC 9110 section 15.2).
 */
int
watch_hook_status(const uint8_t *p, size_t len, int *code, const char **why)
{
	size_t		 off = 0, eol, k;
	const uint8_t	*s;
	int		 c;

	*code = 0;
	*why = NULL;
	if (len > WATCH_HOOK_ANSWER_MAX)
		len = WATCH_HOOK_ANSWER_MAX;
	for (;;) {
		/* Refuse what is not HTTP as soon as its first bytes came. */
		k = len - off < 7 ? len - off : 7;
		if (memcmp(p + off, "HTTP/1.", k) != 0) {
			*why = "not an HTTP/1.x status line";
			return -1;
		}
		if ((eol = line_end(p, len, off)) == 0)
			goto more;
		s = p + off;
		/* "HTTP/1.x 123" is 12 bytes before the end of the line. */
		if (eol - off < 13 || memcmp(s, "HTTP/1.", 7) != 0 ||
		    s[7] < '0' || s[7] > '9' || s[8] != ' ') {
			*why = "not an HTTP/1.x status line";
			return -1;
		}
		for (k = 9, c = 0; k < 12; k++) {
			if (s[k] < '0' || s[k] > '9') {
				*why = "the status code is not 3 digits";
				return -1;
			}
			c = c * 10 + (s[k] - '0');
		}
		if (s[12] != ' ' && s[12] != '\r' && s[12] != '\n') {
			*why = "the status code is not 3 digits";
			return -1;
		}
		if (c < 100 || c > 599) {
			*why = "the status code is not 100..599";
			return -1;
		}
		/* The reason phrase: text, no control bytes but HTAB. */
		for (k = 12; off + k < eol - 1; k++)
			if ((s[k] < 0x20 && s[k] != '\t' && !(s[k] == '\r' &&
			    off + k == eol - 2)) || s[k] == 0x7f) {
				*why = "a control byte in the status line";
				return -1;
			}
		if (c >= 200) {
			*code = c;
			return 1;
		}
		/* 1xx: its header fields, to the empty line. */
		off = eol;
		for (;;) {
			if ((eol = line_end(p, len, off)) == 0)
				goto more;
			k = eol - off;
			off = eol;
			if (k == 1 || (k == 2 && p[eol - 2] == '\r'))
				break;
		}
	}
more:
	if (len >= WATCH_HOOK_ANSWER_MAX) {
		*why = "no final status line in the first 8 KiB";
		return -1;
	}
	return 0;
}

int
watch_hook_addrs(const uint8_t *pkt, size_t len, uint16_t type,
    uint8_t (*a)[ADDR_LEN], int max)
{
	struct dns_answer	ans;
	struct dns_rr		rr;
	int			n = 0;

	if (pkt == NULL || dns_answer_init(&ans, pkt, len) == -1 ||
	    ans.qtype != type)
		return 0;
	while (n < max && dns_answer_next(&ans, &rr) == 1) {
		if (rr.type != type || !rr.on_chain)
			continue;
		if (type == DNS_T_A && rr.rdlen == 4)
			addr_from_v4(a[n++], (uint32_t)rr.rdata[0] << 24 |
			    (uint32_t)rr.rdata[1] << 16 |
			    (uint32_t)rr.rdata[2] << 8 | rr.rdata[3]);
		else if (type == DNS_T_AAAA && rr.rdlen == ADDR_LEN)
			memcpy(a[n++], rr.rdata, ADDR_LEN);
	}
	/* An answer the reader refuses gives no address at all. */
	if (ans.err != NULL)
		return 0;
	return n;
}
