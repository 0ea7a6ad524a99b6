/*
 * resolver.h: the asynchronous DNS client (c-ares glue).
 *
 * A query gives its callback the status and the raw answer packet;
 * callers parse it with the answer reader (dns.h, answer.c). Every
 * query has a deadline (timeout x tries). The resolver does no blocking
 * I/O of its own except in dns_resolver_wait(), the helper for
 * synchronous tools; the daemon instead watches the sockets reported
 * through dns_resolver_set_sock_cb() and calls dns_resolver_process().
 */
#ifndef FAIRLIST_RESOLVER_H
#define FAIRLIST_RESOLVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#define DNS_RESOLVER_TIMEOUT_MS	3000	/* per try */
#define DNS_RESOLVER_TRIES	2
#define DNS_RESOLVER_SERVERS_MAX	512	/* bytes of a server list */
#define DNS_RESOLVER_RCVBUF	(4 << 20)	/* UDP receive buffer asked */

enum dns_resolver_status {
	DNS_RES_OK,		/* NOERROR with answers: pkt is set */
	DNS_RES_NODATA,		/* NOERROR, no answer of that type */
	DNS_RES_NXDOMAIN,	/* RCODE 3 */
	DNS_RES_TEMPFAIL	/* timeout, SERVFAIL, REFUSED, lost */
};

struct dns_resolver;

/*
 * Create a resolver. servers NULL uses the system configuration
 * (/etc/resolv.conf); otherwise a comma-separated list of IP, IP:PORT or
 * [IPv6]:PORT. timeout_ms 0 means DNS_RESOLVER_TIMEOUT_MS. Returns NULL
 * with a message in OUT:err.
 */
struct dns_resolver	*dns_resolver_new(const char *servers, int timeout_ms,
			    char *err, size_t errlen);
/* Cancels outstanding queries (their callbacks get TEMPFAIL). */
void			 dns_resolver_free(struct dns_resolver *r);

/*
 * Ask for (name, type) in class IN with recursion desired. cb runs
 * exactly once, from dns_resolver_process()/wait() or from free(); pkt
 * (len bytes) is only valid during the call and may be NULL.
 */
void	dns_resolver_query(struct dns_resolver *r, const char *name,
	    uint16_t type, void (*cb)(void *arg, enum dns_resolver_status st,
	    const uint8_t *pkt, size_t len), void *arg);

/* Queries not answered yet. */
int	dns_resolver_pending(const struct dns_resolver *r);

/*
 * Event-loop integration: cb(arg, fd, readable, writable) whenever a
 * socket's interest changes (both 0: stop watching). Then call
 * dns_resolver_process() when fd is ready (-1 for a timer tick) and use
 * dns_resolver_timeout() for the next deadline.
 */
void	dns_resolver_set_sock_cb(struct dns_resolver *r,
	    void (*cb)(void *arg, int fd, int readable, int writable),
	    void *arg);
void	dns_resolver_process(struct dns_resolver *r, int rfd, int wfd);
/* OUT:tv gets the time until the next deadline; returns tv or NULL. */
struct timeval	*dns_resolver_timeout(struct dns_resolver *r,
		    struct timeval *tv);

/* Block (poll) until at least one event was handled or a deadline. */
void	dns_resolver_wait(struct dns_resolver *r);

#endif /* FAIRLIST_RESOLVER_H */
