/*
 * store_int.h: what the files of src/store/ share, and nothing outside
 * them may include: struct store, the statement cache and the helpers for
 * errors, transactions, checks and the audit and history rows.
 *
 * Files: db.c opens and migrates the store and holds zones, listings and
 * bulk transactions; base.c the helpers declared here; stats.c the audit
 * log, per-zone statistics, data_version and the generation.
 *
 * Prepared statements. db.c's statements are the enum below, prepared
 * once per connection by st_stmt. Another file keeps its SQL in its own
 * static strings and calls st_sql(s, SQL): the statement is prepared on
 * first use and cached in the connection, keyed by the string's address
 * (not its text), so each SQL text must be one object with static
 * storage, e.g. a "static const char x_sql[] = ...". Both return the
 * statement reset (bindings kept: every caller binds every parameter);
 * store_close finalizes them.
 *
 * Conventions: a helper that fails returns -1 (NULL for a pointer) with
 * the message in s->err (st_seterr, st_dberr); callers return -1 in turn.
 * A write runs between st_tx_begin and st_tx_end, which join a bulk
 * transaction (store_begin) when one is open.
 */
#ifndef FAIRLIST_STORE_INT_H
#define FAIRLIST_STORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "core/addr.h"
#include "store/removal.h"
#include "store/store.h"

#define STORE_DIRTY_MAX		16	/* zones whose serial a batch bumps */
#define STORE_SQL_CACHE_MAX	64	/* statements of st_sql per connection */

/* db.c's statements; their SQL is stmt_sql[] in db.c. */
enum stmt {
	ST_ZONE_GET,
	ST_ZONE_INSERT,
	ST_ZONE_UPDATE,
	ST_ZONE_BUMP,
	ST_ZONE_ALL,
	ST_DUP,
	ST_CLOSE,
	ST_INSERT,
	ST_HISTORY,
	ST_AUDIT,
	ST_REMOVE_FIND,
	ST_REMOVE_FIND_ZONE,
	ST_COVER_PLENS,
	ST_PLEN_ADD,
	ST_EVENTS,
	ST_ACTIVE_ALL,
	ST_ACTIVE_ZONE,
	ST_ACTIVE_SORTED,
	ST_NEXT_EXPIRY,
	ST_OPEN_KEYS,
	ST_EXPIRES_OF,
	ST_OPEN_TOTAL,
	ST_DATA_VERSION,
	ST_MAX_ID,
	ST_LIST,
	ST_LISTING_GET,
	ST_UPDATE,
	ST_ZONE_IN_FORCE,
	ST_ZONE_OPEN_IDS,
	ST_ZONE_RENAME,
	ST_AUDIT_SINCE,
	ST_STATS,
	ST_COOL_ANY,
	ST_COUNT
};

struct keyset;

struct store {
	sqlite3		*db;
	char		*path;		/* for messages */
	sqlite3_stmt	*st[ST_COUNT];
	int		 rdonly;
	int		 lean;		/* STORE_LEAN */
	int		 bulk;		/* inside store_begin */
	int		 reading;	/* store_read_begin depth */
	int		 read_own;	/* and it opened the transaction */
	int		 cool_any;	/* in store_begin: self_removal has rows */
	int		 bulk_lost;	/* SQLite rolled the batch back */
	char		 bulk_err[STORE_ERR_MAX];	/* and why */
	char		*zone_ok;	/* last zone known to exist */
	int64_t		 zone_ok_id;	/* and its zone.id */
	struct dirty {
		char	*zone;
		int64_t	 delta;		/* change of zone.open */
	}		 dirty[STORE_DIRTY_MAX];	/* serials to bump */
	int		 ndirty;
	int64_t		 nbulk;		/* adds in this bulk transaction */
	int64_t		 open0;		/* open rows when it began */
	struct keyset	*keys;		/* non-NULL: listing_active dropped */
	int64_t		 bulk_plen[ADDR_LEN * 8 + 1];	/* adds per prefix
					   length while keys is set (and
					   plen_count_add dropped) */
	struct st_cached {
		const char	*sql;	/* the key: its address */
		sqlite3_stmt	*st;
	}		 sqlc[STORE_SQL_CACHE_MAX];	/* st_sql */
	int		 nsqlc;
	/*
	 * The prefix lengths that hold any listing, [0] open and [1]
	 * closed (store_foreach_covering probes only those), valid while
	 * data_version (other connections) and total_changes (this one)
	 * stay at cover_dv and cover_tc.
	 */
	uint8_t		 cover_plen[2][ADDR_LEN * 8 + 1];
	int		 cover_ok;
	int64_t		 cover_dv;
	int64_t		 cover_tc;
	sqlite3_stmt	*cover_st[2];	/* open, closed: n keys */
	int		 cover_stn[2];
	char		 err[STORE_ERR_MAX];
};

/* The time the store writes: seconds since the epoch. */
int64_t	st_now(void);

/* Set s->err (truncated to STORE_ERR_MAX). */
void	st_seterr(struct store *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* s->err from SQLite's last error, "disk full: ..." for a full disk; -1. */
int	st_dberr(struct store *s, const char *what);

/* Run SQL without results (sqlite3_exec); 0 or -1. */
int	st_exec(struct store *s, const char *sql);

/* db.c's prepared statement id, reset; NULL on error. */
sqlite3_stmt *st_stmt(struct store *s, enum stmt id);

/*
 * The prepared statement for sql, cached per connection by the address
 * of sql (see the header comment), reset; NULL on error or when
 * STORE_SQL_CACHE_MAX statements are cached already.
 */
sqlite3_stmt *st_sql(struct store *s, const char *sql);

/* Step a statement that returns no rows and reset it; 0 or -1. */
int	st_step_done(struct store *s, sqlite3_stmt *st, const char *what);

/* Bind v (NULL binds NULL) as SQLITE_STATIC: v must outlive the step. */
void	st_bind_text(sqlite3_stmt *st, int i, const char *v);

/* Column i as text (NULL for NULL); valid until the next step or reset. */
const char *st_col_text(sqlite3_stmt *st, int i);

/* The index key folded from a 128-bit address: high XOR low 64 bits. */
int64_t	st_addr_key(const uint8_t a[ADDR_LEN]);

/* The family (4 or 6) of a stored prefix, from lo and plen. */
uint8_t	st_row_family(const uint8_t lo[ADDR_LEN], unsigned plen);

/*
 * A listing row's columns 0-6 (lo, plen, exclude, code, listed_at,
 * expires_at, reason) into l; -1, l untouched, when lo is not an address.
 * The reason is valid until the next step or reset.
 */
int	st_row_listing(sqlite3_stmt *st, struct store_listing *l);

/*
 * Inside store_begin: 0, or -1 once SQLite has rolled the batch back by
 * itself (a full disk), with the error that lost it, at every call until
 * store_rollback.
 */
int	st_bulk_check(struct store *s);

/*
 * Open a write transaction (BEGIN IMMEDIATE) unless a bulk one is
 * running; OUT:own says whether the caller must end it with st_tx_end,
 * which commits if ok and own, rolls back if !ok and own (keeping s->err),
 * and returns 0 if ok and the commit worked, else -1.
 */
int	st_tx_begin(struct store *s, int *own);
int	st_tx_end(struct store *s, int own, int ok);

/*
 * Checks that set s->err and return -1: text a person or a file gave
 * (bounded, valid UTF-8, no control or bidi characters; NULL passes), a
 * listing code (0 passes: the default), a zone name.
 */
int	st_check_text(struct store *s, const char *what, const char *v,
	    size_t max);
int	st_check_code(struct store *s, uint32_t code);
int	st_check_zone_name(struct store *s, const char *name);

/* Append an audit row / a history row of listing id; 0 or -1. */
int	st_audit(struct store *s, int64_t now, const char *actor,
	    const char *action, const char *detail);
int	st_history(struct store *s, int64_t id, int64_t now, const char *actor,
	    const char *action, const char *why);

/*
 * Bind (id, now, actor or "?", action, why) to st, an INSERT of an event
 * row (a listing's history, a request's), and step it; -1 if st is NULL
 * (a failed prepare) or the step fails, else 0.
 */
int	st_event_row(struct store *s, sqlite3_stmt *st, int64_t id,
	    int64_t now, const char *actor, const char *action,
	    const char *why);

/*
 * The end of a row loop: reset st, then r if a callback stopped it (r !=
 * 0), -1 with the message if sqlite3_step's last rc was not SQLITE_DONE,
 * else 0.
 */
int	st_rows_end(struct store *s, sqlite3_stmt *st, int rc, int r,
	    const char *what);

/* The zone's id (> 0), or -1 with "unknown zone 'x'" or a db error. */
int64_t	st_zone_id(struct store *s, const char *zone);

/*
 * A change to zone: its serial is bumped and its count of open listings
 * moved by delta, now or (inside store_begin) once at commit.
 */
int	st_zone_changed(struct store *s, const char *zone, int64_t now,
	    int64_t delta);

/* store_zone_foreach, also passing each zone's id. */
int	st_zone_iter(struct store *s,
	    int (*cb)(const struct store_zone *, int64_t, void *), void *arg);

/*
 * The base64url text (RFC 4648 section 5, no padding) of n bytes into
 * dst, which holds (n * 4 + 2) / 3 + 1 bytes.
 */
void	st_b64url(char *dst, const uint8_t *src, size_t n);

/* n random bytes from getrandom into dst; 0 or -1. */
int	st_random(struct store *s, uint8_t *dst, size_t n);

/*
 * 1 if key is a positive decimal id (at most 18 digits), written to
 * OUT:id; 0 if it is not (a name or a reference).
 */
int	st_key_id(const char *key, int64_t *id);

/*
 * Close open listing id of zone (net its prefix as text) at now with why:
 * the listing row, a "remove" history event, the zone's serial and open
 * count, an audit row "remove". 0 or -1.
 */
int	st_close_listing(struct store *s, int64_t id, const char *zone,
	    const char *net, int64_t now, const char *actor, const char *why);

/*
 * The cooldown of prefix p in zone zid at now into OUT:c (removal.h).
 * 0 or -1.
 */
int	st_cooldown_of(struct store *s, int64_t zid,
	    const struct addr_prefix *p, int64_t now, struct store_cooldown *c);

/*
 * Names of an enum whose values are 1 to n - 1 (names[0] unused): the
 * value named text, or -1; the name of v, or "?" out of range.
 */
int	st_name_index(const char *const *names, int n, const char *text);
const char *st_name_of(const char *const *names, int n, int v);

#endif /* FAIRLIST_STORE_INT_H */
