/*
 * sockaddr.c: addresses with ports as text (see sockaddr.h).
 */
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "core/sockaddr.h"
#include "core/str.h"

int
sa_parse(const char *s, int defport, struct sockaddr_storage *ss,
    socklen_t *len)
{
	char			 host[INET6_ADDRSTRLEN + 1];
	const char		*port = NULL, *end, *e;
	size_t			 hlen;
	long long		 p = defport;
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		if ((end = strchr(s, ']')) == NULL)
			return -1;
		s++;
		hlen = (size_t)(end - s);
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != '\0')
			return -1;
	} else {
		/* A second colon: a bare IPv6 address, which has no port. */
		end = strchr(s, ':');
		if (end != NULL && strchr(end + 1, ':') != NULL)
			end = NULL;
		else if (end != NULL)
			port = end + 1;
		hlen = end != NULL ? (size_t)(end - s) : strlen(s);
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -1;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (port != NULL) {
		p = str_tonum(port, 0, 65535, &e);
		if (e != NULL)
			return -1;
	} else if (defport < 0 || defport > 65535)
		return -1;
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)p);
		*len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)p);
		*len = sizeof(*sin6);
	} else
		return -1;
	return 0;
}

int
sa_server_ok(const char *s, size_t len, int defport)
{
	char			 buf[INET6_ADDRSTRLEN + 16];
	struct sockaddr_storage	 ss;
	socklen_t		 sl;

	if (len == 0 || len >= sizeof(buf))
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (sa_parse(buf, defport, &ss, &sl) == -1)
		return 0;
	if (buf[0] == '[' && ss.ss_family != AF_INET6)
		return 0;
	return ss.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port != 0 :
	    ((struct sockaddr_in *)&ss)->sin_port != 0;
}

int
sa_servers_check(const char *list, int defport, char *err, size_t errlen)
{
	const char	*s, *comma;
	size_t		 n;

	for (s = list; ; s = comma + 1) {
		comma = strchr(s, ',');
		n = comma != NULL ? (size_t)(comma - s) : strlen(s);
		if (!sa_server_ok(s, n, defport)) {
			snprintf(err, errlen, "bad DNS server '%.*s' (want "
			    "ADDR[:PORT] or [V6]:PORT, port not 0)",
			    n > 64 ? 64 : (int)n, s);
			return -1;
		}
		if (comma == NULL)
			return 0;
	}
}

void
sa_format(const struct sockaddr *sa, char *dst, size_t size)
{
	char	buf[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, buf, sizeof(buf));
		snprintf(dst, size, "[%s]:%u", buf, ntohs(s6->sin6_port));
	} else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, buf, sizeof(buf));
		snprintf(dst, size, "%s:%u", buf, ntohs(s4->sin_port));
	} else
		snprintf(dst, size, "?");
}
