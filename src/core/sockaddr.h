/*
 * sockaddr.h: listen and peer addresses as text, shared by every server
 * (DNS, policy): "ADDR", "ADDR:PORT", "[V6]:PORT", "[V6]" and a bare V6.
 */
#ifndef FAIRLIST_SOCKADDR_H
#define FAIRLIST_SOCKADDR_H

#include <stddef.h>
#include <sys/socket.h>

#define SA_TEXT_MAX	56	/* "[v6 address]:65535" and a NUL */

/*
 * Parse an IPv4 or IPv6 address with an optional port into OUT:ss and
 * OUT:len. defport is the port when none is given; -1 makes the port
 * required (and a bare IPv6 address, which cannot carry one, an error).
 * Returns 0, or -1 for anything else (names are not resolved).
 */
int	sa_parse(const char *s, int defport, struct sockaddr_storage *ss,
	    socklen_t *len);

/*
 * 1 if s (len bytes, not NUL-terminated) is one DNS or policy server
 * address as sa_parse reads it with defport, the port is not 0 and
 * brackets hold an IPv6 address; 0 otherwise. The configuration and the
 * command line check server addresses with it.
 */
int	sa_server_ok(const char *s, size_t len, int defport);

/*
 * Check a comma-separated list of DNS servers ("ADDR[:PORT],[V6]:PORT"),
 * each element by sa_server_ok with defport. Returns 0, or -1 with
 * "bad DNS server 'x' (want ...)" in OUT:err.
 */
int	sa_servers_check(const char *list, int defport, char *err,
	    size_t errlen);

/* "ADDR:PORT" or "[V6]:PORT" of an AF_INET/AF_INET6 address, "?" else. */
void	sa_format(const struct sockaddr *sa, char *dst, size_t size);

#endif /* FAIRLIST_SOCKADDR_H */
