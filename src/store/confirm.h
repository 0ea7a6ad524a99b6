/*
 * confirm.h: the counts behind confirm-check's rate limits (issue 12):
 * one row per confirmation, welcome or auto-reply that confirm-check
 * allowed, kept for the window and no longer, so that the limits hold
 * across CLI runs, the daemon's HTTP service and its policy listener.
 */
#ifndef FAIRLIST_STORE_CONFIRM_H
#define FAIRLIST_STORE_CONFIRM_H

#include <stdint.h>

struct store;

#define STORE_CONFIRM_ADDR_MAX	320	/* bytes of a stored address */

enum store_confirm_take {
	STORE_CONFIRM_TAKEN,		/* within both limits: counted */
	STORE_CONFIRM_ADDRESS_FULL,	/* per_address reached: not counted */
	STORE_CONFIRM_DOMAIN_FULL	/* per_domain reached: not counted */
};

/*
 * In one IMMEDIATE transaction: forget rows older than window seconds
 * before now, count the rows of address (lower case, as the caller gives
 * it) and of domain within it into OUT:n_addr and OUT:n_domain, and if
 * both are below their limit record one more for (address, domain) at
 * now (the counts then include it). A limit of 0 means none. Returns the
 * enum store_confirm_take, or -1 on a database error (store_errmsg).
 */
int	store_confirm_take(struct store *s, const char *address,
	    const char *domain, int64_t now, int64_t window, int per_address,
	    int per_domain, int64_t *n_addr, int64_t *n_domain);

#endif /* FAIRLIST_STORE_CONFIRM_H */
