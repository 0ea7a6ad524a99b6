/*
 * store.h: the durable store (SQLite, WAL): zones, listings, their history
 * and the audit log. The single source of truth; the DNS answer path never
 * reads it directly but through an index snapshot compiled from it.
 */
#ifndef FAIRLIST_STORE_H
#define FAIRLIST_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"

#define STORE_SCHEMA_VERSION	6
#define STORE_ZONE_MAX		253	/* DNS name, no trailing dot */
#define STORE_REASON_MAX	512	/* bytes of a listing reason */
#define STORE_EVIDENCE_MAX	4096	/* bytes of a listing's evidence */
#define STORE_TEMPLATE_MAX	1024	/* bytes of a TXT or URL template */
#define STORE_ERR_MAX		256	/* bytes of an error message */
#define STORE_DEFAULT_ZONE	"bl.fairlist.test"
#define STORE_DEFAULT_CODE	0x7f000002u	/* 127.0.0.2 */
#define STORE_DEFAULT_TXT	"$reason (listed $listed); see $url"
#define STORE_DEFAULT_BASE	"http://127.0.0.1:8080"	/* http { public-url } */
#define STORE_DEFAULT_URL	STORE_DEFAULT_BASE "/lookup/$ip"

struct store;

/*
 * 1 if code (host order) may be a listing's A answer: 127.0.0.2 to
 * 127.255.254.255. RFC 5782 section 2.1 keeps 127.0.0.1 (and the network
 * address 127.0.0.0) out, and Spamhaus answers 127.255.255.0/24 for errors
 * about the query: receivers, fairlist's policy engine too, ignore them.
 * store_add and store_zone_put refuse other codes (0 = default aside).
 */
int	store_code_ok(uint32_t code);

/*
 * 1 if name may be a zone's: a lower-case DNS name (str_dnsname_ok) of at
 * most STORE_ZONE_MAX bytes, no trailing dot. store_zone_put refuses
 * other names.
 */
int	store_zone_name_ok(const char *name);

/* A zone as stored. Strings are borrowed for the callback's duration. */
struct store_zone {
	const char	*name;		/* lower case, no trailing dot */
	uint32_t	 code;		/* default answer, host order */
	const char	*txt;		/* TXT template (see dnsbl.h) */
	const char	*url;		/* lookup URL template */
	int64_t		 serial;	/* bumped on every change to the zone */
	int64_t		 listings;	/* not removed (expired included) */
};

/*
 * A listing. In store_add, id, listed_at (0 = now) and removed_at are
 * filled in by the store. code 0 means the zone's default.
 */
struct store_listing {
	int64_t			 id;
	const char		*zone;
	struct addr_prefix	 prefix;
	int			 exclude;	/* rbldnsd "!" entry */
	uint32_t		 code;
	const char		*reason;
	const char		*evidence;
	const char		*source;	/* "cli", "import:FILE", ... */
	int64_t			 listed_at;
	int64_t			 expires_at;	/* 0 = never */
	int64_t			 removed_at;	/* 0 = still listed */
	const char		*removed_why;
};

/*
 * One history row: every change to a listing. The first event ("add", or
 * "exclude" for an exclusion) is the listing row itself (its listed_at,
 * actor and reason as why), so a bulk import writes one row per listing;
 * later events ("remove", "expire") are rows of their own.
 */
struct store_event {
	int64_t		 listing_id;
	int64_t		 at;
	const char	*actor;
	const char	*action;	/* "add", "remove", "expire", ... */
	const char	*why;
};

#define STORE_RDONLY	0x01	/* open read-only (no create, no migrate) */
/*
 * Keep this connection's memory small, for a long-running reader such as
 * the daemon: no mmap of the file (its pages would count as the daemon's
 * resident memory), a 2 MiB page cache, released after every full scan.
 */
#define STORE_LEAN	0x02

/*
 * Open (creating and migrating if needed) the store at path. WAL mode,
 * synchronous=FULL: a call that returned success has reached the disk.
 * A new store holds the default zone STORE_DEFAULT_ZONE. Returns NULL and
 * writes a message to OUT:err (STORE_ERR_MAX bytes) on failure.
 */
struct store	*store_open(const char *path, int flags, char *err);
void		 store_close(struct store *s);	/* NULL is a no-op */

/*
 * How long a call on s waits for another connection's lock before it
 * fails as busy (store_open sets 5,000 ms). A connection on the daemon's
 * event loop may set less, so that a writer holding the store cannot
 * stall the loop for long.
 */
void		 store_busy_timeout(struct store *s, int ms);

/* The message of the last failed call on s. Valid until the next call. */
const char	*store_errmsg(const struct store *s);

/*
 * Create or update a zone (upsert by name). txt/url NULL keep the current
 * value (or the default for a new zone); code 0 likewise, and any other
 * code must pass store_code_ok. Audited. An
 * update that changes nothing writes nothing (no serial bump, no audit
 * row), so syncing zones from the configuration on every run is cheap.
 * The name must be a lower-case DNS name without trailing dot; templates
 * are at most STORE_TEMPLATE_MAX bytes without control characters.
 */
int	store_zone_put(struct store *s, const char *name, uint32_t code,
	    const char *txt, const char *url, const char *actor);
/* 1 if the zone exists, 0 if not, -1 on error. */
int	store_zone_exists(struct store *s, const char *name);
/* Call cb for each zone, by name; a non-zero cb return stops (and is returned). */
int	store_zone_foreach(struct store *s,
	    int (*cb)(const struct store_zone *, void *), void *arg);

/*
 * Add a listing. Checks: zone exists, a reason that is not blank, reason,
 * evidence and source within limits and passing str_text_check (UTF-8,
 * no control or bidi characters), code 0 or store_code_ok, an IPv4-mapped
 * prefix is stored as IPv4 (l->prefix.family becomes 4), no active
 * listing with the same zone
 * and prefix (an expired one is closed first, with an "expire" event).
 * Writes the listing, a history event and an audit row in one
 * transaction. Returns the new id (> 0), or -1 with store_errmsg set and
 * nothing changed.
 */
int64_t	store_add(struct store *s, struct store_listing *l, const char *actor);

/*
 * Remove the active listing for exactly this prefix, in zone (NULL: in
 * every zone). Records why in the history and audit log. Sets *OUT:count
 * to the number removed. Returns 0 (even if none matched) or -1. why is
 * required (not blank, STORE_REASON_MAX, str_text_check). A
 * listing that expired but was never closed counts as active here.
 */
int	store_remove(struct store *s, const char *zone,
	    const struct addr_prefix *p, const char *actor, const char *why,
	    int *count);

/*
 * 1 if zone holds a listing in force at time now (not removed, not
 * expired) for exactly prefix p, 0 if not, -1 on a store error. One probe
 * of the listing_active index: what an import of a few rows into a large
 * zone asks per row instead of reading the whole zone
 * (store_foreach_active). Outside a bulk transaction, or inside one whose
 * index is still there (store_batch_unindexed is 0).
 */
int	store_is_listed(struct store *s, const char *zone,
	    const struct addr_prefix *p, int64_t now);

/*
 * Call cb for every listing (active, and with all != 0 also removed and
 * expired ones) whose prefix covers address a, most specific first; within
 * one prefix, open listings by zone name, then closed ones newest first.
 * Only listings of a's family are returned. A callback may call
 * store_foreach_event.
 */
int	store_foreach_covering(struct store *s, const uint8_t a[ADDR_LEN],
	    int all, int (*cb)(const struct store_listing *, void *),
	    void *arg);

/*
 * Which listings store_foreach_listing returns. Zero-filled: every
 * listing in force at now. Strings are matched as given (zone lower case).
 */
struct store_filter {
	const char		*zone;		/* NULL: every zone */
	const char		*source;	/* exact; NULL: any */
	const char		*reason;	/* substring, ASCII case folded */
	const struct addr_prefix *prefix;	/* exactly this; NULL: any */
	int			 all;		/* also removed and expired */
	int64_t			 expires_before; /* 0: any; else expiry < it */
	int64_t			 now;		/* 0: the current time */
	int64_t			 limit;		/* 0: no limit */
	int64_t			 offset;	/* rows skipped first */
};

/*
 * Call cb for each listing matching f, by id (oldest first): the page
 * [offset, offset + limit) of the matches. All fields are filled as in
 * store_foreach_covering. A non-zero cb return stops (and is returned).
 */
int	store_foreach_listing(struct store *s, const struct store_filter *f,
	    int (*cb)(const struct store_listing *, void *), void *arg);

/*
 * Change a listing that is not removed: reason and evidence (NULL: keep;
 * checked as in store_add), expiry (STORE_KEEP: keep, 0: never, else Unix
 * time). Writes an "update" history event whose why says what changed
 * from what, an audit row, and bumps the zone's serial, in one
 * transaction. A change to nothing writes nothing. Returns 1 if changed,
 * 0 if nothing to change, -1 (no such open listing, bad text, db error).
 */
#define STORE_KEEP	INT64_MIN
int	store_update(struct store *s, int64_t id, const char *reason,
	    const char *evidence, int64_t expires_at, const char *actor);

/*
 * Remove a zone. Refused (-1, store_errmsg says how many) while it holds
 * listings in force, unless force: then every open listing of it is
 * closed first, as removed with why "zone removed", with history rows.
 * The zone row is kept under the name "removed:ID:NAME", which no zone
 * name can be: it leaves zone lists and the index, its listings keep
 * their history (show --all names the zone so), and NAME may be added
 * again as a new zone. Sets *OUT:closed. Audited. Returns 0 or -1.
 */
int	store_zone_remove(struct store *s, const char *name, int force,
	    const char *actor, int64_t *closed);

/* One row of the audit log. */
struct store_audit_row {
	int64_t		 id;
	int64_t		 at;
	const char	*actor;
	const char	*action;
	const char	*detail;	/* may be NULL */
};

/*
 * Call cb for each audit row with at >= since, oldest first; limit 0 is
 * no limit, else the newest limit rows (still oldest first).
 */
int	store_foreach_audit(struct store *s, int64_t since, int64_t limit,
	    int (*cb)(const struct store_audit_row *, void *), void *arg);

/* Listings in force of one zone and one source (store_foreach_stat). */
struct store_stat {
	const char	*zone;
	const char	*source;
	int64_t		 listings;	/* exclusions included */
	int64_t		 ranges;	/* prefixes shorter than /32 or /128 */
	int64_t		 exclusions;
	int64_t		 expiring;	/* expiry within 24 h of now */
};

/*
 * Call cb for each (zone, source) pair with listings in force at now
 * (0: the current time), by zone then source. One read, one snapshot.
 */
int	store_foreach_stat(struct store *s, int64_t now,
	    int (*cb)(const struct store_stat *, void *), void *arg);

/*
 * Append the store's Prometheus gauges to out (core/metrics.h):
 * fairlist_listings{zone, source} (listings in force; "import:FILE"
 * counted as "import"; past STORE_METRICS_ROWS rows the rest is one
 * {zone="other",source="other"} row) and fairlist_removal_requests{state}.
 * One read transaction. 0 or -1.
 */
#define STORE_METRICS_ROWS	256
#define STORE_METRICS_SOURCE_MAX 32	/* bytes of a source label */
struct sbuf;
int	store_metrics(struct store *s, struct sbuf *out);

/* Call cb for each history event of a listing, oldest first. */
int	store_foreach_event(struct store *s, int64_t listing_id,
	    int (*cb)(const struct store_event *, void *), void *arg);

/*
 * Call cb for every listing in force at time now (not removed, not
 * expired), grouped by zone: all rows of one zone come together (zones in
 * name order when at most four hold listings, else in creation order).
 * Strings are borrowed for the callback only. Only the fields the index
 * needs are filled: id is 0, evidence, source and removed_why are NULL.
 * Reads one consistent snapshot. Used to compile the index and to export;
 * fast: one table scan per zone in use, no per-row allocation.
 */
int	store_foreach_active(struct store *s, int64_t now,
	    int (*cb)(const struct store_listing *, void *), void *arg);

/* Earliest expires_at > now among active listings, or 0 if none. */
int64_t	store_next_expiry(struct store *s, int64_t now);

/*
 * Bulk changes: store_begin, many store_add, then store_commit (or
 * store_rollback). Inside a bulk transaction store_add does not open its
 * own; one audit row for the batch is the caller's job (store_audit).
 * A store_add refused for bad input or a duplicate leaves the batch
 * intact (the caller may go on); after any other error, roll back. Zone
 * serials are bumped once per zone at commit. A failed store_commit has
 * rolled the batch back. A batch that grows past STORE_REINDEX_MIN adds and
 * half the store runs without the unique index (an in-memory key set
 * checks duplicates, about 32 bytes per listing) and store_commit rebuilds
 * it: store_foreach_covering is slow on this connection until then;
 * store_batch_unindexed is 1 from that point to the end of the batch.
 */
#define STORE_REINDEX_MIN	20000	/* bulk adds before dropping the index */
int	store_begin(struct store *s);
int	store_batch_unindexed(const struct store *s);
/*
 * 1 if SQLite has rolled the open batch back by itself (a full disk, an
 * I/O error): every later call fails with that error, so the caller
 * should stop and store_rollback. A full disk reads "disk full: cannot
 * write PATH (...)", in a batch or not.
 */
int	store_batch_lost(struct store *s);
int	store_commit(struct store *s);
int	store_rollback(struct store *s);

/*
 * A read transaction: every read between store_read_begin and
 * store_read_end sees one snapshot of the store, and takes the WAL read
 * lock once instead of once per statement. Nests (only the outermost
 * pair begins and commits); inside a bulk transaction it does nothing.
 * No write may run inside one (st_tx_begin refuses it). 0 or -1.
 */
int	store_read_begin(struct store *s);
void	store_read_end(struct store *s);

/* Append a row to the audit log. */
int	store_audit(struct store *s, const char *actor, const char *action,
	    const char *detail);

/*
 * SQLite's data_version for this connection: it changes whenever another
 * connection (another process) commits. Cheap; polled by the daemon.
 */
int	store_data_version(struct store *s, int64_t *v);

/*
 * The store's generation: a 64-bit hash (core/hash.h, HASH_SEED_FIXED,
 * chained) over the schema version,
 * every zone row (id, name, code, txt, url, serial, open listings) and
 * max(listing.id), read in one transaction. Every change that can change
 * a compiled index (add, remove, expire-close, bulk import, zone put)
 * bumps its zone's serial, which is strictly increasing; the open count
 * and max(id) make a store rebuilt from scratch differ too. Listings
 * that merely pass their expiry do not change it (the index skips them
 * at lookup time). Cheap: one zone table scan and one B-tree descent.
 * Sets *OUT:gen; returns 0 or -1.
 */
int	store_generation(struct store *s, uint64_t *gen);

#endif /* FAIRLIST_STORE_H */
