/*
 * version.h: a zone as it was at one of its serials, read back from the
 * store's history (schema 6, zone_version), for IXFR (RFC 1995) from any
 * serial the history still covers, across restarts of the daemon.
 *
 * Every change of a zone's serial records where the listing and history
 * tables stood. Listings are never deleted and each close writes a
 * "remove" or "expire" history row, so the listings in force at serial S
 * are the rows added by then, not closed by then, and not expired at S's
 * time. An "update" of a listing (reason, evidence, expiry) after S
 * rewrote the row in place: S cannot be read back then.
 */
#ifndef FAIRLIST_STORE_VERSION_H
#define FAIRLIST_STORE_VERSION_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct store_zone;
struct store_listing;

#define STORE_VERSIONS_MAX	64	/* serials store_zone_versions lists */
/*
 * zone_version rows kept per zone: its current serial and the
 * STORE_VERSIONS_MAX before it, the most store_zone_versions can list.
 * Every change of a serial drops the older rows (about 60 bytes each),
 * so a zone changed millions of times keeps 65, not millions.
 */
#define STORE_VERSIONS_KEEP	(STORE_VERSIONS_MAX + 1)

/*
 * The serials of zone (its name) below serial below that the store can
 * read back, newest first, at most max (<= STORE_VERSIONS_MAX) into
 * OUT:v, their number into *OUT:n. Returns 0 or -1.
 */
int	store_zone_versions(struct store *s, const char *zone, int64_t below,
	    int64_t *v, size_t max, size_t *n);

/*
 * Zone (its name) as it was at serial: zcb once with the zone's row as
 * it was then (code and templates of then, serial, listings 0), then cb
 * for every listing in force at serial at that serial's time, which goes
 * to *OUT:at; strings borrowed for the callback only, as
 * store_foreach_active fills them. One read transaction. Returns 0, 1
 * when the store cannot give that serial (never recorded, or a listing
 * of the zone was updated in place since), -1 on error, or a callback's
 * non-zero return.
 */
int	store_foreach_version(struct store *s, const char *zone, int64_t serial,
	    int (*zcb)(const struct store_zone *, void *),
	    int (*cb)(const struct store_listing *, void *), void *arg,
	    int64_t *at);

#endif /* FAIRLIST_STORE_VERSION_H */
