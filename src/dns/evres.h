/*
 * evres.h: a c-ares resolver (dns/resolver.h) driven by a libevent base.
 *
 * The glue between c-ares and the event loop, shared by every module
 * that resolves on the daemon's loop: it watches the sockets c-ares asks
 * for and keeps one timer on the next c-ares deadline. Answers are read
 * with the answer reader (dns.h).
 */
#ifndef FAIRLIST_EVRES_H
#define FAIRLIST_EVRES_H

#include <stddef.h>
#include <stdint.h>

#include "dns/resolver.h"

struct event_base;
struct dns_evres;

/*
 * A resolver for servers (NULL: the system's; the syntax of
 * dns_resolver_new) with timeout_ms per try, on base. Returns NULL with
 * a message in OUT:err.
 */
struct dns_evres	*dns_evres_new(struct event_base *base,
			    const char *servers, int timeout_ms, char *err,
			    size_t errlen);

/*
 * Stop watching, then free the resolver: the callbacks of queries still
 * out run from here with DNS_RES_TEMPFAIL. dns_evres_free(NULL) is a
 * no-op.
 */
void	dns_evres_free(struct dns_evres *r);

/*
 * Ask for (name, type) in class IN, as dns_resolver_query, and arm the
 * timer. cb runs exactly once, possibly before this call returns; pkt is
 * valid only during the call.
 */
void	dns_evres_query(struct dns_evres *r, const char *name, uint16_t type,
	    void (*cb)(void *arg, enum dns_resolver_status st,
	    const uint8_t *pkt, size_t len), void *arg);

/* Re-arm the timer after queries made on dns_evres_resolver() directly. */
void	dns_evres_rearm(struct dns_evres *r);

/* The c-ares resolver underneath (owned by r). */
struct dns_resolver	*dns_evres_resolver(struct dns_evres *r);

#endif /* FAIRLIST_EVRES_H */
