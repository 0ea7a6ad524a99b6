/*
 * evres.c: c-ares on a libevent base (the glue of evres.h).
 *
 * c-ares reports which sockets it wants read or written through the
 * socket callback of dns/resolver.c; each gets a persistent event. One
 * timer follows ares_timeout(): it is re-armed after each query and
 * after each round of processing, and removed when nothing is pending.
 * Logs a warning when a socket cannot be watched (the query then times
 * out and fails as TEMPFAIL).
 */
#include <stdio.h>
#include <stdlib.h>

#include <event2/event.h>

#include "core/log.h"
#include "core/xmalloc.h"
#include "dns/evres.h"

struct sockev {
	struct sockev		*next;
	struct dns_evres	*r;
	int			 fd;
	struct event		*ev;
};

struct dns_evres {
	struct event_base	*base;
	struct dns_resolver	*dr;
	struct event		*timer;
	struct sockev		*socks;
	int			 closing;	/* in dns_evres_free */
};

void
dns_evres_rearm(struct dns_evres *r)
{
	struct timeval	tv;

	if (r->closing)
		return;
	if (dns_resolver_pending(r->dr) == 0 ||
	    dns_resolver_timeout(r->dr, &tv) == NULL) {
		evtimer_del(r->timer);
		return;
	}
	evtimer_add(r->timer, &tv);
}

static void
timer_fired(evutil_socket_t fd, short what, void *arg)
{
	struct dns_evres	*r = arg;

	(void)fd;
	(void)what;
	dns_resolver_process(r->dr, -1, -1);
	dns_evres_rearm(r);
}

static void
sock_ready(evutil_socket_t fd, short what, void *arg)
{
	struct dns_evres	*r = ((struct sockev *)arg)->r;

	/* The sockev may be freed by sock_changed() during process. */
	dns_resolver_process(r->dr, (what & EV_READ) ? fd : -1,
	    (what & EV_WRITE) ? fd : -1);
	dns_evres_rearm(r);
}

static void
sock_changed(void *arg, int fd, int readable, int writable)
{
	struct dns_evres	*r = arg;
	struct sockev		*s, **pp;

	for (pp = &r->socks; (s = *pp) != NULL; pp = &s->next)
		if (s->fd == fd)
			break;
	if (s != NULL && s->ev != NULL) {
		event_free(s->ev);
		s->ev = NULL;
	}
	if (!readable && !writable) {
		if (s != NULL) {
			*pp = s->next;
			free(s);
		}
		return;
	}
	if (s == NULL) {
		s = xcalloc(1, sizeof(*s));
		s->fd = fd;
		s->r = r;
		s->next = r->socks;
		r->socks = s;
	}
	if (r->closing)
		return;
	s->ev = event_new(r->base, fd, (readable ? EV_READ : 0) |
	    (writable ? EV_WRITE : 0) | EV_PERSIST, sock_ready, s);
	if (s->ev == NULL || event_add(s->ev, NULL) == -1)
		log_warnx("dns: cannot watch DNS socket %d", fd);
}

struct dns_evres *
dns_evres_new(struct event_base *base, const char *servers, int timeout_ms,
    char *err, size_t errlen)
{
	struct dns_evres	*r = xcalloc(1, sizeof(*r));

	r->base = base;
	if ((r->dr = dns_resolver_new(servers, timeout_ms, err,
	    errlen)) == NULL) {
		free(r);
		return NULL;
	}
	if ((r->timer = evtimer_new(base, timer_fired, r)) == NULL) {
		dns_resolver_free(r->dr);
		free(r);
		snprintf(err, errlen, "evtimer_new failed");
		return NULL;
	}
	dns_resolver_set_sock_cb(r->dr, sock_changed, r);
	return r;
}

void
dns_evres_free(struct dns_evres *r)
{
	struct sockev	*s;

	if (r == NULL)
		return;
	r->closing = 1;
	dns_resolver_free(r->dr);	/* callbacks run here */
	while ((s = r->socks) != NULL) {
		r->socks = s->next;
		if (s->ev != NULL)
			event_free(s->ev);
		free(s);
	}
	event_free(r->timer);
	free(r);
}

void
dns_evres_query(struct dns_evres *r, const char *name, uint16_t type,
    void (*cb)(void *, enum dns_resolver_status, const uint8_t *, size_t),
    void *arg)
{
	dns_resolver_query(r->dr, name, type, cb, arg);
	dns_evres_rearm(r);
}

struct dns_resolver *
dns_evres_resolver(struct dns_evres *r)
{
	return r->dr;
}
