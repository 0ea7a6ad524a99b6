/*
 * fuzz_watch_hook.c: the webhook's parsers (watch/hook.c) on arbitrary
 * bytes: the answer's status line (watch_hook_status), the host's A and
 * AAAA answers (watch_hook_addrs) and the URL (watch_url_split, then
 * watch_hook_request). Oracles: a status is 200..599 and a refusal says
 * why; "more" is only said below the read limit, and a prefix of an
 * answer never gets a different code; at most max addresses; a URL that
 * splits gives a host, a port 1..65535 and a request whose header block
 * holds no bare CR or LF (no header injection from the URL).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "core/buf.h"
#include "dns/dns.h"
#include "watch/watch.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
status(const uint8_t *data, size_t size)
{
	const char	*why;
	int		 rc, code, rc2, code2;
	size_t		 cut;

	rc = watch_hook_status(data, size, &code, &why);
	if (rc == 1 && (code < 200 || code > 599))
		abort();
	if (rc == -1 && why == NULL)
		abort();
	if (rc == 0 && size >= WATCH_HOOK_ANSWER_MAX)
		abort();
	/* A shorter read of the same answer: more, the same, or refused. */
	cut = size / 2;
	rc2 = watch_hook_status(data, cut, &code2, &why);
	if (rc2 == 1 && (rc != 1 || code2 != code))
		abort();
	if (rc2 == -1 && rc != -1)
		abort();
}

static void
addrs(const uint8_t *data, size_t size)
{
	uint8_t	a[WATCH_HOOK_ADDRS_MAX][ADDR_LEN];
	int	n;

	n = watch_hook_addrs(data, size, DNS_T_A, a, WATCH_HOOK_ADDRS_MAX);
	if (n < 0 || n > WATCH_HOOK_ADDRS_MAX)
		abort();
	n = watch_hook_addrs(data, size, DNS_T_AAAA, a, 2);
	if (n < 0 || n > 2)
		abort();
}

static void
url(const uint8_t *data, size_t size)
{
	struct watch_url	 u;
	struct sbuf		 b;
	const char		*why, *end;
	char			*s;
	size_t			 i;

	if (size > WATCH_URL_MAX)
		size = WATCH_URL_MAX;
	s = malloc(size + 1);
	if (s == NULL)
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	if (watch_url_split(s, &u, &why) == 0) {
		if (u.host[0] == '\0' || u.port < 1 || u.port > 65535 ||
		    (u.path[0] != '/' && u.path[0] != '?') ||
		    strchr(u.path, '#') != NULL)
			abort();
		sbuf_init(&b);
		watch_hook_request(&b, &u, "{}", 2);
		end = strstr(b.s, "\r\n\r\n");
		if (end == NULL)
			abort();
		for (i = 0; b.s + i < end; i++)
			if ((b.s[i] == '\r' && b.s[i + 1] != '\n') ||
			    (b.s[i] == '\n' && (i == 0 || b.s[i - 1] != '\r')))
				abort();
		sbuf_free(&b);
	} else if (why == NULL)
		abort();
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	status(data, size);
	addrs(data, size);
	url(data, size);
	return 0;
}
