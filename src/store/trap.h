/*
 * trap.h: the store's read for the trap receiver's range escalation
 * (src/traps/list.c, docs/FAIRNESS.md rule 5).
 */
#ifndef FAIRLIST_STORE_TRAP_H
#define FAIRLIST_STORE_TRAP_H

#include <stdint.h>

#include "core/addr.h"

struct store;

/*
 * The distinct single addresses inside range that have a listing (in
 * force, expired or removed; not an exclusion) in zone with exactly this
 * source, listed at or after since: at most max of them, lowest first,
 * into OUT:addrs. Returns how many (0..max), or -1 with store_errmsg set
 * ("unknown zone 'x'" for a zone that does not exist). One statement: a
 * scan of the listing table inside SQLite, no row is materialised in C.
 */
int	store_trap_addresses(struct store *s, const char *zone,
	    const char *source, const struct addr_prefix *range,
	    int64_t since, uint8_t (*addrs)[ADDR_LEN], int max);

#endif /* FAIRLIST_STORE_TRAP_H */
