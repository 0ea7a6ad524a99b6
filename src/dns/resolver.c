/*
 * resolver.c: c-ares glue for asynchronous DNS queries.
 *
 * Wraps one ares channel: server selection (system or an explicit list,
 * which tests use to reach a server on 127.0.0.1:PORT), per-try timeout
 * and tries, and the mapping of c-ares statuses to our four outcomes.
 * Protocol parsing is left to the caller. Logs nothing; errors go to the
 * callback as DNS_RES_TEMPFAIL (RFC 7208 temperror territory).
 */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ares.h>

#include "core/xmalloc.h"
#include "dns/resolver.h"

struct dns_resolver {
	ares_channel	 ch;
	int		 pending;
	int		 closing;	/* in dns_resolver_free() */
	void		(*sock_cb)(void *, int, int, int);
	void		*sock_arg;
};

struct query {
	struct dns_resolver	*r;
	void			(*cb)(void *, enum dns_resolver_status,
				    const uint8_t *, size_t);
	void			*arg;
};

/* c-ares' one-time global init; resolvers are made on several threads. */
static pthread_once_t	library_once = PTHREAD_ONCE_INIT;
static int		library_rc;

static void
library_init(void)
{
	library_rc = ares_library_init(ARES_LIB_INIT_ALL);
}

static void
sock_state(void *arg, ares_socket_t fd, int readable, int writable)
{
	struct dns_resolver	*r = arg;

	if (r->sock_cb != NULL)
		r->sock_cb(r->sock_arg, (int)fd, readable, writable);
}

/*
 * Convert "1.2.3.4:53,[::1]:5353" to c-ares's CSV form (it accepts the
 * same syntax); we only check the length and the characters.
 */
static int
check_servers(const char *s, char *err, size_t errlen)
{
	size_t	i, n = strlen(s);

	if (n == 0 || n >= DNS_RESOLVER_SERVERS_MAX) {
		snprintf(err, errlen, "bad DNS server list");
		return -1;
	}
	for (i = 0; i < n; i++) {
		char	c = s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		    (c >= 'A' && c <= 'F') || c == '.' || c == ':' ||
		    c == '[' || c == ']' || c == ',')) {
			snprintf(err, errlen, "bad character in DNS server "
			    "list '%s' (want IP[:PORT],...)", s);
			return -1;
		}
	}
	return 0;
}

struct dns_resolver *
dns_resolver_new(const char *servers, int timeout_ms, char *err,
    size_t errlen)
{
	struct dns_resolver	*r;
	struct ares_options	 o;
	int			 rc, mask;

	(void)pthread_once(&library_once, library_init);
	if (library_rc != ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares: %s", ares_strerror(library_rc));
		return NULL;
	}
	if (servers != NULL && check_servers(servers, err, errlen) == -1)
		return NULL;
	r = xcalloc(1, sizeof(*r));
	memset(&o, 0, sizeof(o));
	o.timeout = timeout_ms > 0 ? timeout_ms : DNS_RESOLVER_TIMEOUT_MS;
	o.tries = DNS_RESOLVER_TRIES;
	o.sock_state_cb = sock_state;
	o.sock_state_cb_data = r;
	/*
	 * A burst of answers (1,500 policy clients asking at once) overflows
	 * the default UDP receive buffer and the kernel drops answers, which
	 * then wait for a retry or time out. The kernel caps this at
	 * net.core.rmem_max.
	 */
	o.socket_receive_buffer_size = DNS_RESOLVER_RCVBUF;
	mask = ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB |
	    ARES_OPT_SOCK_RCVBUF;
	if ((rc = ares_init_options(&r->ch, &o, mask)) != ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares init: %s", ares_strerror(rc));
		free(r);
		return NULL;
	}
	if (servers != NULL &&
	    (rc = ares_set_servers_ports_csv(r->ch, servers)) != ARES_SUCCESS) {
		snprintf(err, errlen, "DNS servers '%s': %s", servers,
		    ares_strerror(rc));
		ares_destroy(r->ch);
		free(r);
		return NULL;
	}
	return r;
}

void
dns_resolver_free(struct dns_resolver *r)
{
	if (r == NULL)
		return;
	r->closing = 1;
	ares_destroy(r->ch);	/* runs pending callbacks (ARES_EDESTRUCTION) */
	free(r);
}

static void
answered(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct query		*q = arg;
	enum dns_resolver_status st;

	(void)timeouts;
	switch (status) {
	case ARES_SUCCESS:
		st = DNS_RES_OK;
		break;
	case ARES_ENODATA:
		st = DNS_RES_NODATA;
		break;
	case ARES_ENOTFOUND:
	case ARES_EBADNAME:
		/* A name that cannot be encoded cannot exist either. */
		st = DNS_RES_NXDOMAIN;
		break;
	default:
		/* ETIMEOUT, ESERVFAIL, EREFUSED, ECONNREFUSED, ... */
		st = DNS_RES_TEMPFAIL;
		break;
	}
	q->r->pending--;
	q->cb(q->arg, st, st == DNS_RES_OK ? abuf : NULL,
	    st == DNS_RES_OK && alen > 0 ? (size_t)alen : 0);
	free(q);
}

void
dns_resolver_query(struct dns_resolver *r, const char *name, uint16_t type,
    void (*cb)(void *arg, enum dns_resolver_status st, const uint8_t *pkt,
    size_t len), void *arg)
{
	struct query	*q;

	if (r->closing) {
		/* A callback run by ares_destroy() asked again: refuse. */
		cb(arg, DNS_RES_TEMPFAIL, NULL, 0);
		return;
	}
	q = xmalloc(sizeof(*q));
	q->r = r;
	q->cb = cb;
	q->arg = arg;
	r->pending++;
	ares_query(r->ch, name, 1 /* IN */, type, answered, q);
}

int
dns_resolver_pending(const struct dns_resolver *r)
{
	return r->pending;
}

void
dns_resolver_set_sock_cb(struct dns_resolver *r,
    void (*cb)(void *arg, int fd, int readable, int writable), void *arg)
{
	r->sock_cb = cb;
	r->sock_arg = arg;
}

void
dns_resolver_process(struct dns_resolver *r, int rfd, int wfd)
{
	ares_process_fd(r->ch, rfd < 0 ? ARES_SOCKET_BAD : rfd,
	    wfd < 0 ? ARES_SOCKET_BAD : wfd);
}

struct timeval *
dns_resolver_timeout(struct dns_resolver *r, struct timeval *tv)
{
	return ares_timeout(r->ch, NULL, tv);
}

void
dns_resolver_wait(struct dns_resolver *r)
{
	ares_socket_t	 socks[ARES_GETSOCK_MAXNUM];
	struct pollfd	 pfd[ARES_GETSOCK_MAXNUM];
	struct timeval	 tv, *tvp;
	int		 bits, i, n = 0, ms;

	bits = ares_getsock(r->ch, socks, ARES_GETSOCK_MAXNUM);
	for (i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
		short	ev = 0;

		/* Not ARES_GETSOCK_WRITABLE: its 1 << 31 is undefined. */
		if ((unsigned)bits & (1u << i))
			ev |= POLLIN;
		if ((unsigned)bits & (1u << (i + ARES_GETSOCK_MAXNUM)))
			ev |= POLLOUT;
		if (ev == 0)
			continue;
		pfd[n].fd = socks[i];
		pfd[n].events = ev;
		pfd[n].revents = 0;
		n++;
	}
	tvp = ares_timeout(r->ch, NULL, &tv);
	ms = tvp != NULL ? (int)(tvp->tv_sec * 1000 + tvp->tv_usec / 1000) :
	    1000;
	if (poll(pfd, (nfds_t)n, ms) <= 0) {
		ares_process_fd(r->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
		return;
	}
	for (i = 0; i < n; i++)
		ares_process_fd(r->ch,
		    pfd[i].revents & (POLLIN | POLLERR | POLLHUP) ?
		    pfd[i].fd : ARES_SOCKET_BAD,
		    pfd[i].revents & POLLOUT ? pfd[i].fd : ARES_SOCKET_BAD);
}
