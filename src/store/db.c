/*
 * db.c: the durable store on SQLite 3: zones, listings, history, audit.
 *
 * One connection per struct store, WAL journal, synchronous=FULL (a call
 * that returned success has reached the disk), busy_timeout so that the
 * CLI and the daemon can write the same file. Every statement is prepared
 * once per connection and bound; read-then-write sequences run under
 * BEGIN IMMEDIATE so that two writers cannot both pass a duplicate check.
 *
 * The schema is embedded below; its version lives in PRAGMA user_version
 * and migrations[] holds one step per version, so a future version appends
 * a step and bumps STORE_SCHEMA_VERSION.
 *
 * Addresses are stored in the 128-bit form of core/addr.h: lo is the
 * network, hi the last address, both 16-byte BLOBs. BLOBs compare with
 * memcmp, so "lo <= a AND hi >= a" is a correct cover test; the covering
 * query below instead does one point lookup per prefix length that holds
 * any listing (a set cached per connection, cover_plens, read from the
 * per-length counts that triggers keep in plen_count), which is at most
 * O(129 log n) whatever the table size. The indexes lead with k, a 64-bit
 * integer folded from lo (st_addr_key): SQLite compares an integer first
 * column on a fast path, which makes the random-order inserts of a bulk
 * import about a third cheaper than with the 16-byte BLOB in front.
 *
 * Bulk transactions (store_begin) bump zone serials once at commit, and
 * a batch larger than the store drops the unique index and rebuilds it at
 * commit (bulk_drop_index): a 1e6-row import is one table append per row
 * plus one sorted index build, not 1e6 random B-tree inserts.
 *
 * Does not: log (errors go to store_errmsg), cache anything across
 * processes, or decide whether an address is listed (that is the index).
 * The helpers every store file shares are in base.c (store_int.h); the
 * audit log, statistics and change detectors in stats.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/addr.h"
#include "core/buf.h"
#include "core/hash.h"
#include "core/str.h"
#include "core/xmalloc.h"
#include "store/store.h"
#include "store/store_int.h"
#include "store/version.h"

#define STORE_BUSY_MS		5000
#define STORE_CACHE		"-65536"	/* KiB of page cache */
#define STORE_BULK_CACHE	"-262144"	/* KiB, during store_begin */
#define STORE_LEAN_CACHE	"-2048"		/* KiB, STORE_LEAN */
#define STORE_APPEND_CACHE	"-16384"	/* KiB, batch without index */
#define STORE_KEYSET_INIT	(1 << 20)	/* slots (power of two) */
#define STORE_PAGE_SIZE		"16384"	/* bytes; only for a new file */
#define STORE_SCAN_ZONES_MAX	4	/* zones scanned one by one */

/*
 * The unique index on open listings. Named once because a large bulk
 * transaction drops it and builds it again at commit (see store_begin);
 * a migration that changes it must change this too.
 */
#define LISTING_ACTIVE_DDL "CREATE UNIQUE INDEX listing_active" \
	" ON listing(k, plen, zone, lo) WHERE removed_at IS NULL"

/*
 * The trigger that counts added listings per prefix length (schema_v5).
 * Named once because a large bulk transaction drops it with
 * listing_active, counts its adds in C (bulk_plen) and creates it again
 * at commit: the trigger doubled the cost of a 1e6-row import.
 */
#define PLEN_COUNT_ADD_DDL "CREATE TRIGGER plen_count_add AFTER INSERT" \
	" ON listing BEGIN UPDATE plen_count SET n = n + 1" \
	" WHERE closed = (NEW.removed_at IS NOT NULL) AND plen = NEW.plen;" \
	" END"

/* Version 1: the whole schema. Later versions append ALTERs. */
static const char schema_v1[] =
	"CREATE TABLE zone (\n"
	"  id      INTEGER PRIMARY KEY,\n"
	"  name    TEXT NOT NULL UNIQUE,\n"
	"  code    INTEGER NOT NULL,\n"
	"  txt     TEXT NOT NULL,\n"
	"  url     TEXT NOT NULL,\n"
	"  serial  INTEGER NOT NULL,\n"
	"  open    INTEGER NOT NULL DEFAULT 0\n"	/* rows not removed */
	");\n"
	/*
	 * Columns the index compile reads come first: SQLite decodes a
	 * record from its start, so the scan stops early in each row.
	 */
	"CREATE TABLE listing (\n"
	"  id          INTEGER PRIMARY KEY,\n"
	"  zone        INTEGER NOT NULL,\n"	/* zone.id */
	"  lo          BLOB NOT NULL,\n"
	"  plen        INTEGER NOT NULL,\n"
	"  exclude     INTEGER NOT NULL DEFAULT 0,\n"
	"  code        INTEGER NOT NULL DEFAULT 0,\n"
	"  listed_at   INTEGER NOT NULL,\n"
	"  expires_at  INTEGER,\n"
	"  removed_at  INTEGER,\n"
	"  reason      TEXT NOT NULL,\n"
	"  family      INTEGER NOT NULL,\n"
	"  hi          BLOB NOT NULL,\n"
	"  k           INTEGER NOT NULL,\n"	/* addr_key(lo) */
	"  evidence    TEXT NOT NULL DEFAULT '',\n"
	"  source      TEXT NOT NULL DEFAULT '',\n"
	"  actor       TEXT NOT NULL DEFAULT '',\n"
	"  removed_why TEXT\n"
	");\n"
	/*
	 * At most one active listing per zone and prefix (k is a function
	 * of lo). The address leads so that the same index answers "which
	 * open listings cover address a" (one probe per prefix length); a
	 * bulk add then updates one index.
	 */
	LISTING_ACTIVE_DDL ";\n"
	/* The same for closed rows (show --all); empty until removals. */
	"CREATE INDEX listing_closed ON listing(k, plen, lo)\n"
	"  WHERE removed_at IS NOT NULL;\n"
	"CREATE INDEX listing_expiry ON listing(expires_at)\n"
	"  WHERE removed_at IS NULL AND expires_at IS NOT NULL;\n"
	/* Events after the add; the add itself is the listing row. */
	"CREATE TABLE history (\n"
	"  id          INTEGER PRIMARY KEY,\n"
	"  listing_id  INTEGER NOT NULL,\n"
	"  at          INTEGER NOT NULL,\n"
	"  actor       TEXT NOT NULL,\n"
	"  action      TEXT NOT NULL,\n"
	"  why         TEXT\n"
	");\n"
	"CREATE INDEX history_listing ON history(listing_id);\n"
	"CREATE TABLE audit (\n"
	"  id      INTEGER PRIMARY KEY,\n"
	"  at      INTEGER NOT NULL,\n"
	"  actor   TEXT NOT NULL,\n"
	"  action  TEXT NOT NULL,\n"
	"  detail  TEXT\n"
	");\n";

/*
 * Version 2: removal requests and their history, self-service removals
 * (the cooldown counts them), API tokens, and each zone's removal
 * policy and cooldown (removal.h, token.h).
 */
static const char schema_v2[] =
	"ALTER TABLE zone ADD COLUMN removal TEXT NOT NULL DEFAULT '';\n"
	"ALTER TABLE zone ADD COLUMN cooldown_window INTEGER NOT NULL"
	"  DEFAULT 7776000;\n"
	"ALTER TABLE zone ADD COLUMN cooldown_max INTEGER NOT NULL"
	"  DEFAULT 64;\n"
	"CREATE TABLE request (\n"
	"  id          INTEGER PRIMARY KEY,\n"
	"  ref         TEXT NOT NULL UNIQUE,\n"	/* public, random */
	"  zone        INTEGER NOT NULL,\n"	/* zone.id */
	"  lo          BLOB NOT NULL,\n"		/* the host address */
	"  requester   TEXT NOT NULL,\n"
	"  note        TEXT NOT NULL DEFAULT '',\n"
	"  state       INTEGER NOT NULL,\n"	/* enum store_req_state */
	"  created_at  INTEGER NOT NULL,\n"
	"  decided_at  INTEGER,\n"
	"  actor       TEXT,\n"
	"  why         TEXT\n"
	");\n"
	"CREATE INDEX request_state ON request(state, id);\n"
	"CREATE INDEX request_addr ON request(lo, zone);\n"
	"CREATE TABLE request_event (\n"
	"  id          INTEGER PRIMARY KEY,\n"
	"  request_id  INTEGER NOT NULL,\n"
	"  at          INTEGER NOT NULL,\n"
	"  actor       TEXT NOT NULL,\n"
	"  action      TEXT NOT NULL,\n"
	"  why         TEXT\n"
	");\n"
	"CREATE INDEX request_event_request ON request_event(request_id);\n"
	"CREATE TABLE self_removal (\n"
	"  id          INTEGER PRIMARY KEY,\n"
	"  zone        INTEGER NOT NULL,\n"
	"  k           INTEGER NOT NULL,\n"	/* addr_key(lo) */
	"  lo          BLOB NOT NULL,\n"
	"  plen        INTEGER NOT NULL,\n"
	"  at          INTEGER NOT NULL,\n"
	"  listing_id  INTEGER NOT NULL,\n"
	"  request_id  INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX self_removal_key ON self_removal(k, zone, lo, plen, at);\n"
	"CREATE TABLE token (\n"
	"  id          INTEGER PRIMARY KEY,\n"
	"  name        TEXT NOT NULL UNIQUE,\n"
	"  scope       INTEGER NOT NULL,\n"	/* enum store_scope */
	"  hash        BLOB NOT NULL,\n"		/* SHA-256 of the secret */
	"  created_at  INTEGER NOT NULL,\n"
	"  revoked_at  INTEGER\n"
	");\n";

/* Version 3: the watch of our own addresses on other lists (watch.c). */
static const char schema_v3[] =
	"CREATE TABLE watch_state (\n"
	"  target      TEXT NOT NULL,\n"		/* address or domain */
	"  list        TEXT NOT NULL,\n"		/* zone */
	"  state       TEXT NOT NULL,\n"		/* watch_state_name */
	"  code        TEXT,\n"			/* "127.0.0.2" */
	"  text        TEXT,\n"			/* meaning, TXT */
	"  since       INTEGER NOT NULL,\n"
	"  checked_at  INTEGER NOT NULL,\n"
	"  PRIMARY KEY (target, list)\n"
	");\n"
	"CREATE TABLE watch_event (\n"
	"  id          INTEGER PRIMARY KEY,\n"
	"  at          INTEGER NOT NULL,\n"
	"  target      TEXT NOT NULL,\n"
	"  list        TEXT NOT NULL,\n"
	"  old         TEXT NOT NULL,\n"
	"  new         TEXT NOT NULL,\n"
	"  code        TEXT,\n"
	"  text        TEXT,\n"
	"  removal_url TEXT,\n"
	"  notify      INTEGER NOT NULL\n"		/* enum store_watch_notify */
	");\n"
	"CREATE INDEX watch_event_notify ON watch_event(notify, id);\n";

/*
 * Version 4: the confirmations confirm-check allowed, for its rate
 * limits per recipient address and domain (confirm.h).
 */
static const char schema_v4[] =
	"CREATE TABLE confirm_sent (\n"
	"  id       INTEGER PRIMARY KEY,\n"
	"  at       INTEGER NOT NULL,\n"
	"  address  TEXT NOT NULL,\n"
	"  domain   TEXT NOT NULL\n"
	");\n"
	"CREATE INDEX confirm_sent_address ON confirm_sent(address, at);\n"
	"CREATE INDEX confirm_sent_domain ON confirm_sent(domain, at);\n"
	"CREATE INDEX confirm_sent_at ON confirm_sent(at);\n";

/*
 * Version 5: how many listings each prefix length holds, open and closed
 * (plen_count, 2 x 129 rows), kept by triggers on listing, so that the
 * covering query learns the lengths to probe from those rows instead of
 * scanning both listing indexes after every write (cover_plens). The
 * counts of an older store come from one GROUP BY scan.
 */
static const char schema_v5[] =
	"CREATE TABLE plen_count (\n"
	"  closed  INTEGER NOT NULL,\n"	/* removed_at IS NOT NULL */
	"  plen    INTEGER NOT NULL,\n"
	"  n       INTEGER NOT NULL,\n"
	"  PRIMARY KEY (closed, plen)\n"
	") WITHOUT ROWID;\n"
	"INSERT INTO plen_count SELECT removed_at IS NOT NULL, plen, count(*)"
	"  FROM listing WHERE plen BETWEEN 0 AND 128 GROUP BY 1, 2;\n"
	"WITH RECURSIVE p(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM p"
	"  WHERE x < 128)\n"
	"INSERT OR IGNORE INTO plen_count SELECT c.c, p.x, 0 FROM p,"
	"  (SELECT 0 AS c UNION ALL SELECT 1) c;\n"
	PLEN_COUNT_ADD_DDL ";\n"
	"CREATE TRIGGER plen_count_del AFTER DELETE ON listing BEGIN\n"
	"  UPDATE plen_count SET n = n - 1\n"
	"  WHERE closed = (OLD.removed_at IS NOT NULL) AND plen = OLD.plen;\n"
	"END;\n"
	"CREATE TRIGGER plen_count_move AFTER UPDATE OF removed_at, plen"
	"  ON listing WHEN (OLD.removed_at IS NULL) != (NEW.removed_at IS NULL)"
	"  OR OLD.plen != NEW.plen BEGIN\n"
	"  UPDATE plen_count SET n = n - 1\n"
	"  WHERE closed = (OLD.removed_at IS NOT NULL) AND plen = OLD.plen;\n"
	"  UPDATE plen_count SET n = n + 1\n"
	"  WHERE closed = (NEW.removed_at IS NOT NULL) AND plen = NEW.plen;\n"
	"END;\n";

/*
 * Version 6: the zone's versions (zone_version, one row per serial): a
 * trigger on every change of a zone's serial records where the listing
 * and history tables stood (their largest ids), the time and the zone's
 * code and templates. Listings are never deleted and every close writes
 * a "remove" or "expire" history row, so the listings in force at a
 * serial can be read back (store/version.h): the IXFR of a secondary
 * holding that serial is built from them, across restarts. A store
 * migrated from version 5 starts its versions at its current serials.
 */
#define ZONE_VERSION_ROW "INSERT OR REPLACE INTO zone_version VALUES" \
	" (NEW.id, NEW.serial, CAST(strftime('%s', 'now') AS INTEGER)," \
	" (SELECT coalesce(max(id), 0) FROM listing)," \
	" (SELECT coalesce(max(id), 0) FROM history)," \
	" NEW.code, NEW.txt, NEW.url);"
static const char schema_v6[] =
	"CREATE TABLE zone_version (\n"
	"  zone         INTEGER NOT NULL,\n"	/* zone.id */
	"  serial       INTEGER NOT NULL,\n"
	"  at           INTEGER NOT NULL,\n"
	"  listing_max  INTEGER NOT NULL,\n"	/* max(listing.id) then */
	"  history_max  INTEGER NOT NULL,\n"	/* max(history.id) then */
	"  code         INTEGER NOT NULL,\n"
	"  txt          TEXT NOT NULL,\n"
	"  url          TEXT NOT NULL,\n"
	"  PRIMARY KEY (zone, serial)\n"
	") WITHOUT ROWID;\n"
	"INSERT INTO zone_version SELECT id, serial,"
	"  CAST(strftime('%s', 'now') AS INTEGER),"
	"  (SELECT coalesce(max(id), 0) FROM listing),"
	"  (SELECT coalesce(max(id), 0) FROM history), code, txt, url"
	"  FROM zone;\n"
	"CREATE TRIGGER zone_version_new AFTER INSERT ON zone BEGIN "
	ZONE_VERSION_ROW " END;\n"
	"CREATE TRIGGER zone_version_bump AFTER UPDATE OF serial ON zone"
	"  WHEN NEW.serial != OLD.serial BEGIN " ZONE_VERSION_ROW " END;\n";

/*
 * migrations[v] turns a version v store into version v + 1. Append only;
 * never edit a step that has shipped.
 */
static const char *const migrations[] = {
	schema_v1,
	schema_v2,
	schema_v3,
	schema_v4,
	schema_v5,
	schema_v6,
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) ==
    STORE_SCHEMA_VERSION, "one migration step per schema version");

static const char *const stmt_sql[ST_COUNT] = {
	/* A removed zone is kept as "removed:ID:NAME" (store_zone_remove). */
	[ST_ZONE_GET] = "SELECT code, txt, url, id FROM zone WHERE name = ?1"
	    " AND instr(name, ':') = 0",
	/*
	 * A zone added again after zone remove continues the removed one's
	 * serial, so secondaries never see it go back.
	 */
	[ST_ZONE_INSERT] = "INSERT INTO zone (name, code, txt, url, serial)"
	    " VALUES (?1, ?2, ?3, ?4, max(?5, coalesce((SELECT max(serial) + 1"
	    " FROM zone WHERE name LIKE 'removed:%:' || ?1), 0)))",
	[ST_ZONE_UPDATE] = "UPDATE zone SET code = ?2, txt = ?3, url = ?4,"
	    " serial = max(serial + 1, ?5) WHERE name = ?1",
	[ST_ZONE_BUMP] = "UPDATE zone SET serial = max(serial + 1, ?2),"
	    " open = open + ?3 WHERE name = ?1",
	[ST_ZONE_ALL] = "SELECT name, code, txt, url, serial, open, id"
	    " FROM zone WHERE instr(name, ':') = 0 ORDER BY name",
	[ST_DUP] = "SELECT id, expires_at FROM listing WHERE k = ?4 AND lo = ?2"
	    " AND plen = ?3 AND zone = ?1 AND removed_at IS NULL",
	[ST_CLOSE] = "UPDATE listing SET removed_at = ?2, removed_why = ?3"
	    " WHERE id = ?1",
	[ST_INSERT] = "INSERT INTO listing (zone, family, lo, hi, plen,"
	    " exclude, code, reason, evidence, source, listed_at, expires_at,"
	    " actor, k) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
	    " ?12, ?13, ?14)",
	[ST_HISTORY] = "INSERT INTO history (listing_id, at, actor, action,"
	    " why) VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_AUDIT] = "INSERT INTO audit (at, actor, action, detail)"
	    " VALUES (?1, ?2, ?3, ?4)",
	[ST_REMOVE_FIND] = "SELECT l.id, z.name, l.zone FROM listing l JOIN zone z"
	    " ON z.id = l.zone WHERE l.k = ?4 AND l.lo = ?1 AND l.plen = ?2"
	    " AND l.removed_at IS NULL ORDER BY z.name",
	[ST_REMOVE_FIND_ZONE] = "SELECT l.id, z.name, l.zone FROM listing l"
	    " JOIN zone z"
	    " ON z.id = l.zone WHERE l.k = ?4 AND l.lo = ?1 AND l.plen = ?2"
	    " AND z.name = ?3 AND l.removed_at IS NULL",
#define COVER_SELECT "SELECT l.id, z.name, family, lo, plen, exclude," \
	    " l.code, reason, evidence, source, listed_at, expires_at," \
	    " removed_at, removed_why"
#define COVER_COLS COVER_SELECT " FROM listing l JOIN zone z" \
	    " ON z.id = l.zone"
	/*
	 * The covering statements (cover_stmt) are built from COVER_SELECT
	 * with a VALUES list of keys. No family column test: lo and plen
	 * decide (row_family), so a row written as ::ffff:a.b.c.d by an
	 * older fairlist is found as the IPv4 address it is, as the index
	 * finds it.
	 */
	/* The triggers' counts (schema_v5), not a scan of the listings. */
	[ST_COVER_PLENS] = "SELECT plen, closed FROM plen_count WHERE n > 0",
	[ST_PLEN_ADD] = "UPDATE plen_count SET n = n + ?2 WHERE closed = 0"
	    " AND plen = ?1",
	/*
	 * The add event is the listing row itself (listed_at, actor,
	 * reason): a bulk import then writes one row per listing, not two,
	 * and every listing still shows its add in its history.
	 */
	[ST_EVENTS] = "SELECT id, listed_at, actor, CASE exclude WHEN 0"
	    " THEN 'add' ELSE 'exclude' END, reason, 0 AS k, 0 AS n"
	    " FROM listing WHERE id = ?1"
	    " UNION ALL SELECT listing_id, at, actor, action, why, 1, id"
	    " FROM history WHERE listing_id = ?1 ORDER BY 2, 6, 7",
	/* The index compile; see store_foreach_active for the plans. */
#define ACTIVE_COLS "SELECT lo, plen, exclude, code, listed_at," \
	    " expires_at, reason FROM listing"
#define ACTIVE_WHERE " removed_at IS NULL" \
	    " AND (expires_at IS NULL OR expires_at > ?1)"
	[ST_ACTIVE_ALL] = "SELECT lo, plen, exclude, code, listed_at,"
	    " expires_at, reason, zone FROM listing NOT INDEXED WHERE"
	    ACTIVE_WHERE,
	[ST_ACTIVE_ZONE] = ACTIVE_COLS " NOT INDEXED WHERE" ACTIVE_WHERE
	    " AND zone = ?2",
	[ST_ACTIVE_SORTED] = "SELECT lo, plen, exclude, code, listed_at,"
	    " expires_at, reason, zone FROM listing NOT INDEXED WHERE"
	    ACTIVE_WHERE " ORDER BY zone",
	[ST_NEXT_EXPIRY] = "SELECT min(expires_at) FROM listing"
	    " WHERE removed_at IS NULL AND expires_at > ?1",
	[ST_DATA_VERSION] = "PRAGMA data_version",
	/* The rowid's B-tree: one descent, not a scan. */
	[ST_MAX_ID] = "SELECT coalesce(max(id), 0) FROM listing",
	[ST_OPEN_KEYS] = "SELECT id, zone, lo, plen FROM listing NOT INDEXED"
	    " WHERE removed_at IS NULL",
	[ST_EXPIRES_OF] = "SELECT expires_at FROM listing WHERE id = ?1",
	[ST_OPEN_TOTAL] = "SELECT coalesce(sum(open), 0) FROM zone",
	/* store_foreach_listing: every filter is a bound value or NULL. */
	[ST_LIST] = COVER_COLS " WHERE (?1 IS NULL OR z.name = ?1)"
	    " AND (?2 IS NULL OR source = ?2)"
	    " AND (?3 IS NULL OR instr(lower(reason), lower(?3)) > 0)"
	    " AND (?4 = 1 OR (removed_at IS NULL AND (expires_at IS NULL"
	    " OR expires_at > ?5)))"
	    " AND (?6 = 0 OR (expires_at IS NOT NULL AND expires_at < ?6))"
	    " AND (?9 IS NULL OR (k = ?10 AND lo = ?9 AND plen = ?11))"
	    " AND instr(z.name, ':') = 0"
	    " ORDER BY l.id LIMIT ?7 OFFSET ?8",
	[ST_LISTING_GET] = "SELECT l.reason, l.evidence, l.expires_at, z.name"
	    " FROM listing l JOIN zone z ON z.id = l.zone WHERE l.id = ?1"
	    " AND l.removed_at IS NULL",
	[ST_UPDATE] = "UPDATE listing SET reason = ?2, evidence = ?3,"
	    " expires_at = ?4 WHERE id = ?1",
	[ST_ZONE_IN_FORCE] = "SELECT count(*) FROM listing WHERE zone = ?1"
	    " AND removed_at IS NULL AND (expires_at IS NULL OR"
	    " expires_at > ?2)",
	[ST_ZONE_OPEN_IDS] = "SELECT id FROM listing WHERE zone = ?1"
	    " AND removed_at IS NULL",
	[ST_ZONE_RENAME] = "UPDATE zone SET name = 'removed:' || id || ':' ||"
	    " name, open = 0, serial = max(serial + 1, ?2) WHERE id = ?1",
	/* The newest ?2 rows since ?1, oldest first. */
	[ST_AUDIT_SINCE] = "SELECT * FROM (SELECT id, at, actor, action,"
	    " detail FROM audit WHERE at >= ?1 ORDER BY id DESC LIMIT ?2)"
	    " ORDER BY id",
	[ST_COOL_ANY] = "SELECT EXISTS (SELECT 1 FROM self_removal)",
	[ST_STATS] = "SELECT z.name, l.source, count(*), sum(l.plen < 128),"
	    " sum(l.exclude),"
	    " sum(l.expires_at IS NOT NULL AND l.expires_at <= ?2)"
	    " FROM listing l JOIN zone z ON z.id = l.zone"
	    " WHERE l.removed_at IS NULL AND (l.expires_at IS NULL OR"
	    " l.expires_at > ?1) AND instr(z.name, ':') = 0"
	    " GROUP BY z.name, l.source ORDER BY z.name, l.source",
};

/* The prepared statement for id, reset and unbound; NULL on error. */
sqlite3_stmt *
st_stmt(struct store *s, enum stmt id)
{
	sqlite3_stmt	*st = s->st[id];

	if (st == NULL) {
		if (sqlite3_prepare_v3(s->db, stmt_sql[id], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->st[id], NULL) != SQLITE_OK) {
			st_dberr(s, "prepare");
			return NULL;
		}
		return s->st[id];
	}
	/* Every caller binds every parameter, so no clear_bindings. */
	sqlite3_reset(st);
	return st;
}

/*
 * The open keys (zone, lo, plen) of the listing table in memory, with
 * their listing ids: the duplicate check while a large bulk transaction
 * runs without listing_active. Open addressing, linear probing; a removed
 * key leaves a tombstone. About 40 bytes per open listing.
 */
struct keyslot {
	uint8_t	 lo[ADDR_LEN];
	int64_t	 id;
	int32_t	 zone;
	uint8_t	 plen;
	uint8_t	 state;		/* 0 empty, 1 used, 2 removed */
};

struct keyset {
	struct keyslot	*v;
	size_t		 cap;	/* power of two */
	size_t		 used;	/* used and removed slots */
};

/*
 * The slot of a key: keys come from import files, so the seed is this
 * process's random one (core/hash.h) and no file can chain one run.
 */
static size_t
keyset_hash(const struct keyset *ks, int64_t zone, const uint8_t *lo,
    unsigned plen)
{
	uint8_t	k[ADDR_LEN + 9];
	int	i;

	memcpy(k, lo, ADDR_LEN);
	for (i = 0; i < 8; i++)
		k[ADDR_LEN + i] = (uint8_t)((uint64_t)zone >> (8 * i));
	k[ADDR_LEN + 8] = (uint8_t)plen;
	return (size_t)hash_bytes(k, sizeof(k), hash_seed()) & (ks->cap - 1);
}

/* The slot holding the key, or NULL. */
static struct keyslot *
keyset_find(struct keyset *ks, int64_t zone, const uint8_t *lo,
    unsigned plen)
{
	size_t		 i = keyset_hash(ks, zone, lo, plen);
	struct keyslot	*e;

	for (;; i = (i + 1) & (ks->cap - 1)) {
		e = &ks->v[i];
		if (e->state == 0)
			return NULL;
		if (e->state == 1 && e->zone == zone && e->plen == plen &&
		    memcmp(e->lo, lo, ADDR_LEN) == 0)
			return e;
	}
}

static void	keyset_put(struct keyset *ks, int64_t zone, const uint8_t *lo,
    unsigned plen, int64_t id);

static void
keyset_grow(struct keyset *ks)
{
	struct keyset	 n;
	size_t		 i;

	n.cap = ks->cap * 2;
	n.used = 0;
	n.v = xcalloc(n.cap, sizeof(*n.v));
	for (i = 0; i < ks->cap; i++)
		if (ks->v[i].state == 1)
			keyset_put(&n, ks->v[i].zone, ks->v[i].lo,
			    ks->v[i].plen, ks->v[i].id);
	free(ks->v);
	*ks = n;
}

/* Add a key known to be absent. */
static void
keyset_put(struct keyset *ks, int64_t zone, const uint8_t *lo,
    unsigned plen, int64_t id)
{
	size_t		 i;
	struct keyslot	*e;

	if ((ks->used + 1) * 10 > ks->cap * 7)
		keyset_grow(ks);
	for (i = keyset_hash(ks, zone, lo, plen);; i = (i + 1) & (ks->cap - 1))
		if (ks->v[i].state != 1)
			break;
	e = &ks->v[i];
	if (e->state == 0)
		ks->used++;
	memcpy(e->lo, lo, ADDR_LEN);
	e->id = id;
	e->zone = (int32_t)zone;
	e->plen = (uint8_t)plen;
	e->state = 1;
}

static void
keyset_free(struct keyset *ks)
{
	if (ks == NULL)
		return;
	free(ks->v);
	free(ks);
}

static int
get_version(struct store *s, int *v)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st,
	    NULL) != SQLITE_OK)
		return st_dberr(s, "user_version");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return st_dberr(s, "user_version");
	return 0;
}

/*
 * Bring the schema up to STORE_SCHEMA_VERSION in one IMMEDIATE
 * transaction: another process that opens the same new file at the same
 * time waits, then sees the finished schema.
 */
static int
migrate(struct store *s)
{
	char	sql[64];
	int	v;

	if (st_exec(s, "BEGIN IMMEDIATE") == -1)
		return -1;
	if (get_version(s, &v) == -1)
		goto fail;
	if (v > STORE_SCHEMA_VERSION) {
		st_seterr(s, "schema version %d is newer than this fairlist "
		    "supports (%d)", v, STORE_SCHEMA_VERSION);
		goto fail;
	}
	if (v == STORE_SCHEMA_VERSION) {
		st_exec(s, "COMMIT");
		return 0;
	}
	for (; v < STORE_SCHEMA_VERSION; v++) {
		if (st_exec(s, migrations[v]) == -1)
			goto fail;
		if (v == 0) {
			sqlite3_stmt	*st = st_stmt(s, ST_ZONE_INSERT);

			if (st == NULL)
				goto fail;
			sqlite3_bind_text(st, 1, STORE_DEFAULT_ZONE, -1,
			    SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, STORE_DEFAULT_CODE);
			sqlite3_bind_text(st, 3, STORE_DEFAULT_TXT, -1,
			    SQLITE_STATIC);
			sqlite3_bind_text(st, 4, STORE_DEFAULT_URL, -1,
			    SQLITE_STATIC);
			sqlite3_bind_int64(st, 5, st_now());
			if (st_step_done(s, st, "default zone") == -1)
				goto fail;
		}
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
	    STORE_SCHEMA_VERSION);
	if (st_exec(s, sql) == -1 || st_exec(s, "COMMIT") == -1)
		goto fail;
	return 0;
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/*
 * "file:PATH?immutable=1" for sqlite3_open_v2 (SQLITE_OPEN_URI), PATH
 * percent-encoded (RFC 3986 unreserved characters and '/' stay). Caller
 * frees.
 */
static char *
immutable_uri(const char *path)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p;
	char			*u, *o;

	u = xmalloc(strlen(path) * 3 + sizeof("file:?immutable=1"));
	o = u + snprintf(u, 6, "file:");
	for (p = (const unsigned char *)path; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p) != NULL)
			*o++ = (char)*p;
		else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 0xf];
		}
	}
	memcpy(o, "?immutable=1", sizeof("?immutable=1"));
	return u;
}

/*
 * A read-only open of a WAL store needs its -wal and -shm files, or a
 * directory where it may create them (SQLite "WAL: read-only databases").
 * Writers keep both files (SQLITE_FCNTL_PERSIST_WAL), readable as the
 * umask allows. A store without a -wal file has no connection open to
 * it and no unmerged changes, so reading the file as immutable sees
 * all of it; a writer that starts meanwhile is not seen.
 */
static int
open_rdonly(struct store *s, const char *path)
{
	char	*wal, *uri;
	int	 rc, v;

	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return -1;
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	if (get_version(s, &v) == 0)
		return 0;
	if (sqlite3_errcode(s->db) != SQLITE_READONLY &&
	    sqlite3_errcode(s->db) != SQLITE_CANTOPEN)
		return -1;
	xasprintf(&wal, "%s-wal", path);
	rc = access(wal, F_OK);
	free(wal);
	if (rc == 0)
		return -1;
	sqlite3_close(s->db);
	s->db = NULL;
	uri = immutable_uri(path);
	rc = sqlite3_open_v2(uri, &s->db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI, NULL);
	free(uri);
	return rc == SQLITE_OK ? 0 : -1;
}

void
store_busy_timeout(struct store *s, int ms)
{
	sqlite3_busy_timeout(s->db, ms);
}

struct store *
store_open(const char *path, int flags, char *err)
{
	struct store	*s;
	int		 v, one = 1;

	s = xcalloc(1, sizeof(*s));
	s->path = xstrdup(path);
	s->rdonly = (flags & STORE_RDONLY) != 0;
	if (s->rdonly && access(path, F_OK) == -1) {
		snprintf(err, STORE_ERR_MAX, "%s: no such store (a read-only "
		    "open creates none)", path);
		goto fail;
	}
	if (s->rdonly ? open_rdonly(s, path) == -1 :
	    sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, STORE_ERR_MAX, "%s: %s", path,
		    s->db != NULL ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	sqlite3_extended_result_codes(s->db, 0);
	/* Keep -wal and -shm for readers that may not create them. */
	if (!s->rdonly)
		sqlite3_file_control(s->db, "main", SQLITE_FCNTL_PERSIST_WAL,
		    &one);
	/*
	 * WAL lets the daemon read while the CLI writes; synchronous=FULL
	 * fsyncs the WAL at every commit, so an acknowledged change survives
	 * a power cut, not only a crash. mmap and a bigger cache serve the
	 * 1e6-row scans and bulk imports.
	 */
	s->lean = (flags & STORE_LEAN) != 0;
	if ((!s->rdonly && (st_exec(s, "PRAGMA page_size = " STORE_PAGE_SIZE) ==
	    -1 || st_exec(s, "PRAGMA journal_mode = WAL") == -1)) ||
	    st_exec(s, "PRAGMA synchronous = FULL") == -1 ||
	    st_exec(s, s->lean ? "PRAGMA cache_size = " STORE_LEAN_CACHE :
	    "PRAGMA cache_size = " STORE_CACHE) == -1 ||
	    st_exec(s, s->lean ? "PRAGMA mmap_size = 0" :
	    "PRAGMA mmap_size = 1073741824") == -1 ||
	    st_exec(s, "PRAGMA temp_store = MEMORY") == -1 ||
	    st_exec(s, "PRAGMA journal_size_limit = 67108864") == -1)
		goto fail_msg;
	if (s->rdonly) {
		if (get_version(s, &v) == -1)
			goto fail_msg;
		if (v != STORE_SCHEMA_VERSION) {
			st_seterr(s, "schema version %d, want %d (open it "
			    "read-write once to migrate)", v,
			    STORE_SCHEMA_VERSION);
			goto fail_msg;
		}
	} else if (migrate(s) == -1)
		goto fail_msg;
	return s;
fail_msg:
	/* Truncation is fine: the message only has to be read. */
	if (strstr(s->err, path) != NULL)	/* "disk full: ... PATH" */
		str_lcpy(err, s->err, STORE_ERR_MAX);
	else if (snprintf(err, STORE_ERR_MAX, "%s: %s", path, s->err) < 0)
		str_lcpy(err, s->err, STORE_ERR_MAX);
fail:
	store_close(s);
	return NULL;
}

void
store_close(struct store *s)
{
	int	i;

	if (s == NULL)
		return;
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_finalize(s->cover_st[0]);
	sqlite3_finalize(s->cover_st[1]);
	for (i = 0; i < s->nsqlc; i++)
		sqlite3_finalize(s->sqlc[i].st);
	if (s->bulk)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(s->db);
	for (i = 0; i < s->ndirty; i++)
		free(s->dirty[i].zone);
	free(s->zone_ok);
	keyset_free(s->keys);
	free(s->path);
	free(s);
}

const char *
store_errmsg(const struct store *s)
{
	return s->err;
}

/*
 * After some errors (a full disk, an I/O error) SQLite rolls the whole
 * transaction back by itself. A batch is then lost: later writes must not
 * run on their own in autocommit mode, and every call until
 * store_rollback fails with the error that lost it. Returns 0 or -1.
 */
int
st_bulk_check(struct store *s)
{
	if (!s->bulk_lost && !sqlite3_get_autocommit(s->db))
		return 0;
	if (!s->bulk_lost) {
		s->bulk_lost = 1;
		memcpy(s->bulk_err, s->err, sizeof(s->bulk_err));
	}
	memcpy(s->err, s->bulk_err, sizeof(s->err));
	return -1;
}

int
store_batch_unindexed(const struct store *s)
{
	return s->keys != NULL;
}

int
store_batch_lost(struct store *s)
{
	return s->bulk && st_bulk_check(s) == -1;
}

/*
 * Strictly increasing serial, max(serial + 1, now), and the zone's count
 * of open listings moved by delta.
 */
/*
 * The zone_version rows of zone older than its STORE_VERSIONS_KEEP newest
 * (the primary key's range: one descent and the rows it drops). A zone
 * with fewer rows keeps them all: the subquery is NULL.
 */
static const char sql_version_prune[] =
	"DELETE FROM zone_version WHERE zone = (SELECT id FROM zone"
	" WHERE name = ?1) AND serial < (SELECT v.serial FROM zone_version v"
	" WHERE v.zone = (SELECT id FROM zone WHERE name = ?1)"
	" ORDER BY v.serial DESC LIMIT 1 OFFSET ?2)";

static int
bump_serial(struct store *s, const char *zone, int64_t now, int64_t delta)
{
	sqlite3_stmt	*st;

	if ((st = st_stmt(s, ST_ZONE_BUMP)) == NULL)
		return -1;
	st_bind_text(st, 1, zone);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, delta);
	if (st_step_done(s, st, "zone serial") == -1)
		return -1;
	/* The trigger wrote the new serial's row: drop the oldest. */
	if ((st = st_sql(s, sql_version_prune)) == NULL)
		return -1;
	st_bind_text(st, 1, zone);
	sqlite3_bind_int64(st, 2, STORE_VERSIONS_KEEP - 1);
	return st_step_done(s, st, "zone versions");
}

/*
 * Bump now, or (in a bulk transaction) once at commit: a million adds to
 * one zone make one serial change, not a million.
 */
int
st_zone_changed(struct store *s, const char *zone, int64_t now, int64_t delta)
{
	int	i;

	if (!s->bulk)
		return bump_serial(s, zone, now, delta);
	for (i = 0; i < s->ndirty; i++) {
		if (strcmp(s->dirty[i].zone, zone) == 0) {
			s->dirty[i].delta += delta;
			return 0;
		}
	}
	if (s->ndirty == STORE_DIRTY_MAX)
		return bump_serial(s, zone, now, delta);
	s->dirty[s->ndirty].zone = xstrdup(zone);
	s->dirty[s->ndirty++].delta = delta;
	return 0;
}

int
store_zone_put(struct store *s, const char *name, uint32_t code,
    const char *txt, const char *url, const char *actor)
{
	sqlite3_stmt	*st;
	int		 own, rc, found;
	int64_t		 now = st_now();
	uint32_t	 ocode = 0, ncode;
	char		*otxt = NULL, *ourl = NULL, *detail = NULL;

	if (st_check_zone_name(s, name) == -1 || st_check_code(s, code) == -1 ||
	    st_check_text(s, "TXT template", txt, STORE_TEMPLATE_MAX) == -1 ||
	    st_check_text(s, "URL template", url, STORE_TEMPLATE_MAX) == -1)
		return -1;
	if (st_tx_begin(s, &own) == -1)
		return -1;
	if ((st = st_stmt(s, ST_ZONE_GET)) == NULL)
		goto fail;
	st_bind_text(st, 1, name);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		st_dberr(s, "zone");
		goto fail;
	}
	found = rc == SQLITE_ROW;
	if (found) {
		ocode = (uint32_t)sqlite3_column_int64(st, 0);
		otxt = xstrdup(st_col_text(st, 1));
		ourl = xstrdup(st_col_text(st, 2));
	}
	sqlite3_reset(st);
	if (!found) {
		if ((st = st_stmt(s, ST_ZONE_INSERT)) == NULL)
			goto fail;
		sqlite3_bind_int64(st, 5, now);
	} else {
		/* An update that changes nothing is not a change. */
		if ((code == 0 || code == ocode) &&
		    (txt == NULL || strcmp(txt, otxt) == 0) &&
		    (url == NULL || strcmp(url, ourl) == 0)) {
			free(otxt);
			free(ourl);
			return st_tx_end(s, own, 1);
		}
		if ((st = st_stmt(s, ST_ZONE_UPDATE)) == NULL)
			goto fail;
		sqlite3_bind_int64(st, 5, now);
	}
	ncode = code != 0 ? code : found ? ocode : STORE_DEFAULT_CODE;
	st_bind_text(st, 1, name);
	sqlite3_bind_int64(st, 2, ncode);
	st_bind_text(st, 3, txt != NULL ? txt : found ? otxt : STORE_DEFAULT_TXT);
	st_bind_text(st, 4, url != NULL ? url : found ? ourl : STORE_DEFAULT_URL);
	if (st_step_done(s, st, "zone") == -1)
		goto fail;
	xasprintf(&detail, "%s code=%u.%u.%u.%u", name, ncode >> 24,
	    (ncode >> 16) & 0xff, (ncode >> 8) & 0xff, ncode & 0xff);
	if (st_audit(s, now, actor, found ? "zone-update" : "zone-add",
	    detail) == -1)
		goto fail;
	free(detail);
	free(otxt);
	free(ourl);
	return st_tx_end(s, own, 1);
fail:
	free(detail);
	free(otxt);
	free(ourl);
	return st_tx_end(s, own, 0);
}

int
store_zone_exists(struct store *s, const char *name)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = st_stmt(s, ST_ZONE_GET)) == NULL)
		return -1;
	st_bind_text(st, 1, name);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return st_dberr(s, "zone");
}

/* store_zone_foreach, also passing each zone's id. */
int
st_zone_iter(struct store *s,
    int (*cb)(const struct store_zone *, int64_t, void *), void *arg)
{
	sqlite3_stmt		*st;
	struct store_zone	 z;
	int			 rc, r = 0;

	if ((st = st_stmt(s, ST_ZONE_ALL)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		z.name = st_col_text(st, 0);
		z.code = (uint32_t)sqlite3_column_int64(st, 1);
		z.txt = st_col_text(st, 2);
		z.url = st_col_text(st, 3);
		z.serial = sqlite3_column_int64(st, 4);
		z.listings = sqlite3_column_int64(st, 5);
		if ((r = cb(&z, sqlite3_column_int64(st, 6), arg)) != 0)
			break;
	}
	sqlite3_reset(st);
	if (r != 0)
		return r;
	if (rc != SQLITE_DONE)
		return st_dberr(s, "zones");
	return 0;
}

struct zone_cb {
	int	(*cb)(const struct store_zone *, void *);
	void	*arg;
};

static int
zone_cb_call(const struct store_zone *z, int64_t id, void *arg)
{
	struct zone_cb	*zc = arg;

	(void)id;
	return zc->cb(z, zc->arg);
}

int
store_zone_foreach(struct store *s,
    int (*cb)(const struct store_zone *, void *), void *arg)
{
	struct zone_cb	zc = { cb, arg };

	return st_zone_iter(s, zone_cb_call, &zc);
}

/* The zone's id (> 0), or -1 with "unknown zone 'x'" or a db error. */
int64_t
st_zone_id(struct store *s, const char *zone)
{
	sqlite3_stmt	*st;
	int64_t		 id;
	int		 rc;

	/* Zones are never deleted, so a positive answer can be cached. */
	if (s->zone_ok != NULL && strcmp(s->zone_ok, zone) == 0)
		return s->zone_ok_id;
	if ((st = st_stmt(s, ST_ZONE_GET)) == NULL)
		return -1;
	st_bind_text(st, 1, zone);
	rc = sqlite3_step(st);
	id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 3) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return st_dberr(s, "zone");
	if (rc == SQLITE_DONE) {
		st_seterr(s, "unknown zone '%.253s'", zone);
		return -1;
	}
	free(s->zone_ok);
	s->zone_ok = xstrdup(zone);
	s->zone_ok_id = id;
	return id;
}

static int
already_listed(struct store *s, const struct store_listing *l, int64_t id)
{
	char	net[ADDR_TEXT_MAX];

	st_seterr(s, "already listed: %s in %s (id %lld)",
	    addr_format(&l->prefix, net, sizeof(net)), l->zone, (long long)id);
	return -1;
}

/* Close listing id, whose expiry has passed, with an "expire" event. */
static int
close_expired(struct store *s, int64_t id, int64_t now, const char *actor,
    const char *zone)
{
	sqlite3_stmt	*st;

	if ((st = st_stmt(s, ST_CLOSE)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_text(st, 3, "expired", -1, SQLITE_STATIC);
	if (st_step_done(s, st, "close expired") == -1 ||
	    st_history(s, id, now, actor, "expire",
	    "expired; superseded by a new listing") == -1 ||
	    st_zone_changed(s, zone, now, -1) == -1)
		return -1;
	return 0;
}

/* expires_at of listing id (0: never) into OUT:t. */
static int
expires_of(struct store *s, int64_t id, int64_t *t)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = st_stmt(s, ST_EXPIRES_OF)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	*t = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return st_dberr(s, "listing");
	return 0;
}

/* A duration as text: "4 days", "36 hours", "90 seconds". */
static void
span_text(int64_t d, char *buf, size_t size)
{
	if (d % 86400 == 0)
		snprintf(buf, size, "%lld day%s", (long long)(d / 86400),
		    d == 86400 ? "" : "s");
	else if (d % 3600 == 0)
		snprintf(buf, size, "%lld hour%s", (long long)(d / 3600),
		    d == 3600 ? "" : "s");
	else
		snprintf(buf, size, "%lld second%s", (long long)d,
		    d == 1 ? "" : "s");
}

/*
 * The "cooldown" history event of new listing id, which says how long it
 * lasts and why: "listed for 4 days instead of 1 day: self-removed 2
 * times since 2026-...Z (within 90 days)".
 */
static int
cooldown_event(struct store *s, int64_t id, const struct store_listing *l,
    int64_t exp, const struct store_cooldown *cd, int64_t now,
    const char *actor)
{
	char	a[32], b[32], w[32], t[32], *why;
	int	rc;

	span_text(exp - l->listed_at, a, sizeof(a));
	span_text(l->expires_at - l->listed_at, b, sizeof(b));
	span_text(cd->window, w, sizeof(w));
	xasprintf(&why, "listed for %s instead of %s: self-removed %lld "
	    "time%s since %s (within %s; x%lld, at most x%lld)", a, b,
	    (long long)cd->count, cd->count == 1 ? "" : "s",
	    str_isotime(t, sizeof(t), cd->since), w,
	    (long long)cd->multiplier, (long long)cd->max);
	rc = st_history(s, id, now, actor, "cooldown", why);
	free(why);
	return rc;
}

static int64_t
add_locked(struct store *s, struct store_listing *l, const char *actor,
    int64_t now)
{
	sqlite3_stmt	*st;
	struct keyslot	*e;
	uint8_t		 hi[ADDR_LEN];
	char		 net[ADDR_TEXT_MAX], *detail;
	int64_t		 id, old, oexp, exp = l->expires_at;
	int64_t		 zid;
	int		 rc, closed = 0;
	struct store_cooldown	 cd;

	if ((zid = st_zone_id(s, l->zone)) == -1)
		return -1;
	/*
	 * The cooldown (removal.h): a listing that expires lasts longer for
	 * each recent self-service removal of its prefix. A batch asks only
	 * if the store holds any (store_begin).
	 */
	cd.multiplier = 1;
	if (exp > l->listed_at && !l->exclude && (!s->bulk || s->cool_any) &&
	    st_cooldown_of(s, zid, &l->prefix, now, &cd) == -1)
		return -1;
	if (cd.multiplier > 1)
		exp = l->listed_at + (exp - l->listed_at > INT64_MAX / 2 /
		    cd.multiplier ? INT64_MAX / 2 : (exp - l->listed_at) *
		    cd.multiplier);
	/* Without listing_active (large batch), the keyset checks. */
	if (s->keys != NULL &&
	    (e = keyset_find(s->keys, zid, l->prefix.a, l->prefix.plen)) !=
	    NULL) {
		if (expires_of(s, e->id, &oexp) == -1)
			return -1;
		if (oexp == 0 || oexp > now)
			return already_listed(s, l, e->id);
		if (close_expired(s, e->id, now, actor, l->zone) == -1)
			return -1;
		e->state = 2;
		closed = 1;
	}
	/*
	 * Insert first: the unique index on active listings is the
	 * duplicate check, so the common case costs one index search, not
	 * two. A refused INSERT changes nothing (the statement is undone).
	 */
	addr_last(&l->prefix, hi);
	for (;;) {
		if ((st = st_stmt(s, ST_INSERT)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, zid);
		sqlite3_bind_int(st, 2, l->prefix.family);
		sqlite3_bind_blob(st, 3, l->prefix.a, ADDR_LEN, SQLITE_STATIC);
		sqlite3_bind_blob(st, 4, hi, ADDR_LEN, SQLITE_STATIC);
		sqlite3_bind_int(st, 5, l->prefix.plen);
		sqlite3_bind_int(st, 6, l->exclude != 0);
		sqlite3_bind_int64(st, 7, l->code);
		st_bind_text(st, 8, l->reason);
		st_bind_text(st, 9, l->evidence != NULL ? l->evidence : "");
		st_bind_text(st, 10, l->source != NULL ? l->source : "");
		sqlite3_bind_int64(st, 11, l->listed_at);
		if (exp != 0)
			sqlite3_bind_int64(st, 12, exp);
		else
			sqlite3_bind_null(st, 12);
		st_bind_text(st, 13, actor != NULL ? actor : "?");
		sqlite3_bind_int64(st, 14, st_addr_key(l->prefix.a));
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_CONSTRAINT || closed || s->keys != NULL)
			return st_dberr(s, "insert listing");
		/* Is there an active listing for this exact prefix? */
		if ((st = st_stmt(s, ST_DUP)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, zid);
		sqlite3_bind_blob(st, 2, l->prefix.a, ADDR_LEN, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, l->prefix.plen);
		sqlite3_bind_int64(st, 4, st_addr_key(l->prefix.a));
		rc = sqlite3_step(st);
		old = 0;
		oexp = 0;
		if (rc == SQLITE_ROW) {
			old = sqlite3_column_int64(st, 0);
			oexp = sqlite3_column_int64(st, 1); /* NULL reads 0 */
		}
		sqlite3_reset(st);
		if (rc != SQLITE_ROW)
			return st_dberr(s, "insert listing");
		if (oexp == 0 || oexp > now)
			return already_listed(s, l, old);
		/* It expired: close it, visibly, then list anew. */
		if (close_expired(s, old, now, actor, l->zone) == -1)
			return -1;
		closed = 1;
	}
	id = sqlite3_last_insert_rowid(s->db);
	if (s->keys != NULL) {
		keyset_put(s->keys, zid, l->prefix.a, l->prefix.plen, id);
		s->bulk_plen[l->prefix.plen]++;	/* plen_count_add is off */
	}
	if (st_zone_changed(s, l->zone, now, 1) == -1)
		return -1;
	if (cd.multiplier > 1 && cooldown_event(s, id, l, exp, &cd, now,
	    actor) == -1)
		return -1;
	l->expires_at = exp;
	if (!s->bulk) {
		xasprintf(&detail, "%s %s in %s (id %lld)",
		    l->exclude ? "exclude" : "list",
		    addr_format(&l->prefix, net, sizeof(net)), l->zone,
		    (long long)id);
		rc = st_audit(s, now, actor, "add", detail);
		free(detail);
		if (rc == -1)
			return -1;
	}
	return id;
}

/*
 * A large batch into a store that holds fewer rows than the batch: load
 * the open keys into a keyset and drop listing_active, so that each add
 * appends to the table only; store_commit builds the index again, sorted,
 * in one pass. Random-order inserts into a B-tree index were most of the
 * cost of a bulk import. Inside the transaction: a crash or rollback
 * brings the index back untouched.
 */
static int
bulk_drop_index(struct store *s)
{
	sqlite3_stmt	*st;
	struct keyset	*ks;
	const void	*lo;
	int		 rc;

	if ((st = st_stmt(s, ST_OPEN_KEYS)) == NULL)
		return -1;
	/*
	 * A batch that got here is likely large: start big enough for most
	 * imports (1M slots, 32 MiB, touched only as used) rather than
	 * rehash the set several times on the way.
	 */
	ks = xcalloc(1, sizeof(*ks));
	ks->cap = STORE_KEYSET_INIT;
	ks->v = xcalloc(ks->cap, sizeof(*ks->v));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		lo = sqlite3_column_blob(st, 2);
		if (lo == NULL || sqlite3_column_bytes(st, 2) != ADDR_LEN)
			continue;
		keyset_put(ks, sqlite3_column_int64(st, 1), lo,
		    (unsigned)sqlite3_column_int(st, 3),
		    sqlite3_column_int64(st, 0));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		keyset_free(ks);
		return st_dberr(s, "open keys");
	}
	if (st_exec(s, "DROP INDEX listing_active") == -1 ||
	    st_exec(s, "DROP TRIGGER plen_count_add") == -1) {
		keyset_free(ks);
		return -1;
	}
	s->keys = ks;
	memset(s->bulk_plen, 0, sizeof(s->bulk_plen));
	/*
	 * From here on the batch only appends to the table: a small cache
	 * that spills finished pages to the WAL saves memory (and the page
	 * faults of touching it) without writing anything twice.
	 */
	st_exec(s, "PRAGMA cache_size = " STORE_APPEND_CACHE);
	return 0;
}

int64_t
store_add(struct store *s, struct store_listing *l, const char *actor)
{
	int64_t	now = st_now(), id;
	int	own;

	if (l->zone == NULL || l->reason == NULL ||
	    str_is_blank(l->reason, strlen(l->reason))) {
		st_seterr(s, "%s", l->zone == NULL ? "no zone" :
		    "a listing needs a reason");
		return -1;
	}
	/* IPv4-mapped is IPv4, whoever built the prefix (core/addr.h). */
	if (l->prefix.plen <= 128 && l->prefix.family == 6)
		l->prefix.family = st_row_family(l->prefix.a, l->prefix.plen);
	if (l->prefix.plen > 128 || (l->prefix.family != 4 &&
	    l->prefix.family != 6) || (l->prefix.family == 4 &&
	    (l->prefix.plen < 96 || !addr_is_v4(l->prefix.a, NULL)))) {
		st_seterr(s, "bad prefix");
		return -1;
	}
	if (st_check_text(s, "reason", l->reason, STORE_REASON_MAX) == -1 ||
	    st_check_text(s, "evidence", l->evidence, STORE_EVIDENCE_MAX) == -1 ||
	    st_check_text(s, "source", l->source, STORE_REASON_MAX) == -1 ||
	    st_check_code(s, l->code) == -1)
		return -1;
	{
		struct addr_prefix	m = l->prefix;

		addr_mask(m.a, m.plen);
		if (memcmp(m.a, l->prefix.a, ADDR_LEN) != 0) {
			st_seterr(s, "host bits set");
			return -1;
		}
	}
	if (l->listed_at == 0)
		l->listed_at = now;
	if (st_tx_begin(s, &own) == -1)
		return -1;
	/*
	 * Every check that can refuse the listing runs before the first
	 * write, so a refusal changes nothing, inside a batch too. A write
	 * that then fails is an I/O or database error: the batch is lost
	 * anyway and the caller rolls it back.
	 */
	if (s->bulk && s->keys == NULL && s->nbulk >= STORE_REINDEX_MIN &&
	    s->nbulk >= s->open0 / 2 && bulk_drop_index(s) == -1)
		return -1;
	id = add_locked(s, l, actor, now);
	if (st_tx_end(s, own, id > 0) == -1) {
		if (s->bulk)
			st_bulk_check(s);	/* keep the cause if it was lost */
		return -1;
	}
	if (s->bulk)
		s->nbulk++;
	l->id = id;
	l->removed_at = 0;
	return id;
}

struct hit {
	int64_t	 id;
	int64_t	 zid;
	char	*zone;
};

struct zone_ids {
	struct hit	*v;
	size_t		 n;
};

static int
collect_zone_id(const struct store_zone *z, int64_t id, void *arg)
{
	struct zone_ids	*zi = arg;

	zi->v = xreallocarray(zi->v, zi->n + 1, sizeof(*zi->v));
	zi->v[zi->n].id = id;
	zi->v[zi->n++].zone = xstrdup(z->name);
	return 0;
}

/*
 * store_remove's search while listing_active is dropped: the keyset, per
 * zone. Appends to *hits; returns 0 or -1.
 */
static int
remove_find_keys(struct store *s, const char *zone,
    const struct addr_prefix *p, struct hit **hits, size_t *n)
{
	struct zone_ids	 zi = { NULL, 0 };
	struct keyslot	*e;
	size_t		 i;
	int		 r;

	if ((r = st_zone_iter(s, collect_zone_id, &zi)) != 0)
		return -1;
	for (i = 0; i < zi.n; i++) {
		if ((zone == NULL || strcmp(zone, zi.v[i].zone) == 0) &&
		    (e = keyset_find(s->keys, zi.v[i].id, p->a, p->plen)) !=
		    NULL) {
			*hits = xreallocarray(*hits, *n + 1, sizeof(**hits));
			(*hits)[*n].id = e->id;
			(*hits)[*n].zid = zi.v[i].id;
			(*hits)[(*n)++].zone = zi.v[i].zone;
		} else
			free(zi.v[i].zone);
	}
	free(zi.v);
	return 0;
}

int
st_close_listing(struct store *s, int64_t id, const char *zone,
    const char *net, int64_t now, const char *actor, const char *why)
{
	sqlite3_stmt	*st;
	char		*detail;
	int		 rc;

	if ((st = st_stmt(s, ST_CLOSE)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	st_bind_text(st, 3, why);
	if (st_step_done(s, st, "remove") == -1 ||
	    st_history(s, id, now, actor, "remove", why) == -1 ||
	    st_zone_changed(s, zone, now, -1) == -1)
		return -1;
	xasprintf(&detail, "%s from %s (id %lld): %s", net, zone,
	    (long long)id, why);
	rc = st_audit(s, now, actor, "remove", detail);
	free(detail);
	return rc;
}

/* store_is_listed: the listing_active index (k, plen, zone, lo). */
static const char sql_is_listed[] =
	"SELECT 1 FROM listing WHERE k = ?1 AND plen = ?2 AND zone ="
	" (SELECT id FROM zone WHERE name = ?3) AND lo = ?4"
	" AND removed_at IS NULL AND (expires_at IS NULL OR expires_at > ?5)";

int
store_is_listed(struct store *s, const char *zone, const struct addr_prefix *p,
    int64_t now)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (s->keys != NULL) {
		st_seterr(s, "store_is_listed: the batch dropped its index");
		return -1;
	}
	if ((st = st_sql(s, sql_is_listed)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, st_addr_key(p->a));
	sqlite3_bind_int(st, 2, p->plen);
	st_bind_text(st, 3, zone);
	sqlite3_bind_blob(st, 4, p->a, ADDR_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc != SQLITE_DONE)
		return st_dberr(s, "is listed");
	return 0;
}

int
store_remove(struct store *s, const char *zone, const struct addr_prefix *p,
    const char *actor, const char *why, int *count)
{
	sqlite3_stmt	*st;
	struct hit	*hits = NULL;
	struct keyslot	*e;
	size_t		 n = 0, i;
	int64_t		 now = st_now();
	char		 net[ADDR_TEXT_MAX];
	int		 own, rc, ok = 0;

	*count = 0;
	if (why == NULL || str_is_blank(why, strlen(why))) {
		st_seterr(s, "a removal needs a reason");
		return -1;
	}
	if (st_check_text(s, "reason", why, STORE_REASON_MAX) == -1)
		return -1;
	addr_format(p, net, sizeof(net));
	if (st_tx_begin(s, &own) == -1)
		return -1;
	if (s->keys != NULL) {
		if (remove_find_keys(s, zone, p, &hits, &n) == -1)
			goto out;
		goto found;
	}
	if ((st = st_stmt(s, zone != NULL ? ST_REMOVE_FIND_ZONE :
	    ST_REMOVE_FIND)) == NULL)
		goto out;
	sqlite3_bind_blob(st, 1, p->a, ADDR_LEN, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, p->plen);
	sqlite3_bind_int64(st, 4, st_addr_key(p->a));
	if (zone != NULL)
		st_bind_text(st, 3, zone);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		hits = xreallocarray(hits, n + 1, sizeof(*hits));
		hits[n].id = sqlite3_column_int64(st, 0);
		hits[n].zone = xstrdup(st_col_text(st, 1));
		hits[n].zid = sqlite3_column_int64(st, 2);
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		st_dberr(s, "remove");
		goto out;
	}
found:
	for (i = 0; i < n; i++) {
		if (st_close_listing(s, hits[i].id, hits[i].zone, net, now,
		    actor, why) == -1)
			goto out;
		if (s->keys != NULL && (e = keyset_find(s->keys, hits[i].zid,
		    p->a, p->plen)) != NULL)
			e->state = 2;
	}
	ok = 1;
out:
	for (i = 0; i < n; i++)
		free(hits[i].zone);
	free(hits);
	if (st_tx_end(s, own, ok) == -1)
		return -1;
	*count = (int)n;
	return 0;
}

static void
row_listing(sqlite3_stmt *st, struct store_listing *l)
{
	const void	*lo;

	memset(l, 0, sizeof(*l));
	l->id = sqlite3_column_int64(st, 0);
	l->zone = st_col_text(st, 1);
	lo = sqlite3_column_blob(st, 3);
	if (lo != NULL && sqlite3_column_bytes(st, 3) == ADDR_LEN)
		memcpy(l->prefix.a, lo, ADDR_LEN);
	l->prefix.plen = (uint8_t)sqlite3_column_int(st, 4);
	l->prefix.family = st_row_family(l->prefix.a, l->prefix.plen);
	l->exclude = sqlite3_column_int(st, 5);
	l->code = (uint32_t)sqlite3_column_int64(st, 6);
	l->reason = st_col_text(st, 7);
	l->evidence = st_col_text(st, 8);
	l->source = st_col_text(st, 9);
	l->listed_at = sqlite3_column_int64(st, 10);
	l->expires_at = sqlite3_column_int64(st, 11);
	l->removed_at = sqlite3_column_int64(st, 12);
	l->removed_why = st_col_text(st, 13);
}

/*
 * Fill s->cover_plen unless no connection wrote since it was filled:
 * one query then serves every lookup until the next change.
 */
static int
cover_plens(struct store *s)
{
	sqlite3_stmt	*st;
	int64_t		 dv, tc = sqlite3_total_changes64(s->db);
	int		 rc, plen, closed;

	if (store_data_version(s, &dv) == -1)
		return -1;
	if (s->cover_ok && dv == s->cover_dv && tc == s->cover_tc)
		return 0;
	s->cover_ok = 0;
	memset(s->cover_plen, 0, sizeof(s->cover_plen));
	if ((st = st_stmt(s, ST_COVER_PLENS)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		plen = sqlite3_column_int(st, 0);
		closed = sqlite3_column_int(st, 1) != 0;
		if (plen >= 0 && plen <= ADDR_LEN * 8)
			s->cover_plen[closed][plen] = 1;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return st_dberr(s, "covering");
	s->cover_ok = 1;
	s->cover_dv = dv;
	s->cover_tc = tc;
	return 0;
}

/*
 * The rows that cover an address, with their strings, to sort them:
 * most specific first, at one length the open ones by zone name, then
 * the closed ones newest first.
 */
struct cover_row {
	struct store_listing	 l;	/* its strings point into own */
	int			 pass;	/* 0 open, 1 closed */
	char			*own[5];
};

struct cover_rows {
	struct cover_row	*v;
	size_t			 n;
};

static const char *
cover_own(char **own, const char *p)
{
	*own = p != NULL ? xstrdup(p) : NULL;
	return *own;
}

static void
cover_rows_push(struct cover_rows *r, const struct store_listing *l,
    int pass)
{
	struct cover_row	*d;

	r->v = xreallocarray(r->v, r->n + 1, sizeof(*r->v));
	d = &r->v[r->n++];
	d->l = *l;
	d->pass = pass;
	d->l.zone = cover_own(&d->own[0], l->zone);
	d->l.reason = cover_own(&d->own[1], l->reason);
	d->l.evidence = cover_own(&d->own[2], l->evidence);
	d->l.source = cover_own(&d->own[3], l->source);
	d->l.removed_why = cover_own(&d->own[4], l->removed_why);
}

static void
cover_rows_free(struct cover_rows *r)
{
	size_t	i, j;

	for (i = 0; i < r->n; i++)
		for (j = 0; j < sizeof(r->v[i].own) / sizeof(r->v[i].own[0]);
		    j++)
			free(r->v[i].own[j]);
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

static int
cmp_cover(const void *a, const void *b)
{
	const struct cover_row	*x = a, *y = b;

	if (x->l.prefix.plen != y->l.prefix.plen)
		return x->l.prefix.plen > y->l.prefix.plen ? -1 : 1;
	if (x->pass != y->pass)
		return x->pass - y->pass;
	if (x->pass == 1 || x->l.id == y->l.id)
		return x->l.id > y->l.id ? -1 : x->l.id < y->l.id;
	return strcmp(x->l.zone != NULL ? x->l.zone : "",
	    y->l.zone != NULL ? y->l.zone : "");
}

/*
 * The statement of pass (0 open, 1 closed) with n keys in its VALUES list,
 * prepared again only when n changes (cover_plens changed the count).
 */
static sqlite3_stmt *
cover_stmt(struct store *s, int pass, int n)
{
	struct sbuf	q;
	int		i;

	if (s->cover_st[pass] != NULL && s->cover_stn[pass] == n) {
		sqlite3_reset(s->cover_st[pass]);
		return s->cover_st[pass];
	}
	sqlite3_finalize(s->cover_st[pass]);
	s->cover_st[pass] = NULL;
	sbuf_init(&q);
	/*
	 * The keys as a VALUES co-routine that CROSS JOIN keeps outside:
	 * one index seek per key and no ephemeral table, which "k IN
	 * (...)" built (and zeroed a 16 KiB page for) on every run.
	 */
	sbuf_adds(&q, COVER_SELECT " FROM (VALUES ");
	for (i = 0; i < n; i++)
		sbuf_adds(&q, i > 0 ? ",(?)" : "(?)");
	sbuf_adds(&q, ") v CROSS JOIN listing l ON l.k = v.column1"
	    " JOIN zone z ON z.id = l.zone WHERE ");
	sbuf_adds(&q, pass == 0 ? "removed_at IS NULL" :
	    "removed_at IS NOT NULL");
	if (sqlite3_prepare_v3(s->db, q.s, -1, SQLITE_PREPARE_PERSISTENT,
	    &s->cover_st[pass], NULL) != SQLITE_OK) {
		st_dberr(s, "prepare covering");
		sqlite3_finalize(s->cover_st[pass]);
		s->cover_st[pass] = NULL;
		sbuf_free(&q);
		return NULL;
	}
	sbuf_free(&q);
	s->cover_stn[pass] = n;
	return s->cover_st[pass];
}

/*
 * One statement per pass for every prefix length that pass holds: the
 * keys of a's networks at those lengths in one VALUES list (listing_active
 * or listing_closed, one seek each). A row counts when its lo is a
 * masked to its own length, a length of the set: exactly the rows the
 * point probe of that length found, whatever keys collide. Rows go to
 * OUT:rows. 0 or -1.
 */
static int
cover_pass(struct store *s, const uint8_t a[ADDR_LEN], int pass, int all,
    const uint8_t has[ADDR_LEN * 8 + 1], int minplen, int64_t now,
    struct cover_rows *rows)
{
	sqlite3_stmt		*st;
	struct store_listing	 l;
	uint8_t			 net[ADDR_LEN];
	int64_t			 keys[ADDR_LEN * 8 + 1];
	int			 plen, n = 0, i, rc;

	for (plen = ADDR_LEN * 8; plen >= minplen; plen--) {
		if (!has[plen])
			continue;
		memcpy(net, a, ADDR_LEN);
		addr_mask(net, (unsigned)plen);
		keys[n] = st_addr_key(net);
		/* Lengths that mask alike give one key: bind it once. */
		for (i = 0; i < n && keys[i] != keys[n]; i++)
			;
		if (i == n)
			n++;
	}
	if (n == 0)
		return 0;
	if ((st = cover_stmt(s, pass, n)) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		sqlite3_bind_int64(st, i + 1, keys[i]);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_listing(st, &l);
		if (l.prefix.plen < minplen || l.prefix.plen > ADDR_LEN * 8 ||
		    !has[l.prefix.plen])
			continue;
		memcpy(net, a, ADDR_LEN);
		addr_mask(net, l.prefix.plen);
		if (memcmp(net, l.prefix.a, ADDR_LEN) != 0)
			continue;
		if (!all && l.expires_at != 0 && l.expires_at <= now)
			continue;
		cover_rows_push(rows, &l, pass);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return st_dberr(s, "covering");
	return 0;
}

int
store_foreach_covering(struct store *s, const uint8_t a[ADDR_LEN], int all,
    int (*cb)(const struct store_listing *, void *), void *arg)
{
	struct cover_rows	 rows = { NULL, 0 };
	uint8_t			 has[2][ADDR_LEN * 8 + 1];
	int			 minplen, r = 0, pass;
	int64_t			 now = st_now();
	size_t			 i;

	if (cover_plens(s) == -1)
		return -1;
	/* A copy: a callback that writes may refill the cache. */
	memcpy(has, s->cover_plen, sizeof(has));
	/*
	 * An IPv6 prefix (shorter than /96) never covers an IPv4 address,
	 * and an IPv6 address is never inside ::ffff:0:0/96 with a /96 or
	 * longer, so the prefix lengths probed keep the families apart.
	 */
	minplen = addr_is_v4(a, NULL) ? 96 : 0;
	/*
	 * Open listings, then with all the closed ones; every row is read
	 * before the first callback, so a callback may use the store.
	 * One statement a pass, not one probe per length: each probe was
	 * a statement run of its own (bind, step, reset), about 7k
	 * instructions, 14 of them for a listed address of the bench zone.
	 */
	for (pass = 0; r == 0 && pass < (all ? 2 : 1); pass++)
		r = cover_pass(s, a, pass, all, has[pass], minplen, now, &rows);
	if (r == 0 && rows.n > 1)
		qsort(rows.v, rows.n, sizeof(*rows.v), cmp_cover);
	for (i = 0; r == 0 && i < rows.n; i++)
		if (i == 0 || rows.v[i].l.id != rows.v[i - 1].l.id)
			r = cb(&rows.v[i].l, arg);
	cover_rows_free(&rows);
	return r;
}

int
store_foreach_event(struct store *s, int64_t listing_id,
    int (*cb)(const struct store_event *, void *), void *arg)
{
	sqlite3_stmt		*st;
	struct store_event	 e;
	int			 rc, r = 0;

	/*
	 * Its own statement handle, so that a store_foreach_covering
	 * callback may call this.
	 */
	if ((st = st_stmt(s, ST_EVENTS)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, listing_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		e.listing_id = sqlite3_column_int64(st, 0);
		e.at = sqlite3_column_int64(st, 1);
		e.actor = st_col_text(st, 2);
		e.action = st_col_text(st, 3);
		e.why = st_col_text(st, 4);
		if ((r = cb(&e, arg)) != 0)
			break;
	}
	sqlite3_reset(st);
	if (r != 0)
		return r;
	if (rc != SQLITE_DONE)
		return st_dberr(s, "history");
	return 0;
}

struct zone_names {
	char	**v;
	int64_t	 *id;
	int64_t	 *open;
	size_t	  n;
};

static int
collect_zone_open(const struct store_zone *z, int64_t id, void *arg)
{
	struct zone_names	*zn = arg;

	zn->v = xreallocarray(zn->v, zn->n + 1, sizeof(*zn->v));
	zn->id = xreallocarray(zn->id, zn->n + 1, sizeof(*zn->id));
	zn->open = xreallocarray(zn->open, zn->n + 1, sizeof(*zn->open));
	zn->v[zn->n] = xstrdup(z->name);
	zn->open[zn->n] = z->listings;
	zn->id[zn->n++] = id;
	return 0;
}

/* Run one of the ST_ACTIVE_* statements, calling cb per row. */
static int
active_rows(struct store *s, enum stmt id, int64_t now,
    const struct zone_names *zn, size_t zi,
    int (*cb)(const struct store_listing *, void *), void *arg)
{
	sqlite3_stmt		*st;
	struct store_listing	 l;
	int			 rc, r = 0;

	if ((st = st_stmt(s, id)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	if (id == ST_ACTIVE_ZONE)
		sqlite3_bind_int64(st, 2, zn->id[zi]);
	memset(&l, 0, sizeof(l));
	l.zone = zn->v[zi];
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (st_row_listing(st, &l) == -1)
			continue;
		if (id != ST_ACTIVE_ZONE &&
		    sqlite3_column_int64(st, 7) != zn->id[zi]) {
			/*
			 * Sorted: the next zone begins. Single scan: a row
			 * of a zone whose count said empty (only if the
			 * table was edited by hand): named right anyway.
			 */
			int64_t	zid = sqlite3_column_int64(st, 7);

			while (zi < zn->n && zn->id[zi] != zid)
				zi++;
			if (zi == zn->n)
				for (zi = 0; zi < zn->n &&
				    zn->id[zi] != zid; zi++)
					;
			if (zi == zn->n) {
				zi = 0;		/* zone row vanished: skip */
				l.zone = zn->v[zi];
				continue;
			}
			l.zone = zn->v[zi];
		}
		if ((r = cb(&l, arg)) != 0)
			break;
	}
	sqlite3_reset(st);
	if (r == 0 && rc != SQLITE_DONE)
		r = st_dberr(s, "active listings");
	return r;
}

/*
 * Plans, cheapest first. A plain table scan in rowid order reads each page
 * once and needs no sort, where "ORDER BY zone" through an index costs a
 * table lookup per row. zone.open counts each zone's open rows, so: with
 * one zone in use, one scan; with a few, one filtered scan each; with
 * many, one scan and a sort. Only the columns the index needs are read:
 * id, evidence, source and removed_* are 0/NULL in the callback. One read
 * transaction covers it all, so the rows are one consistent snapshot.
 */
int
store_foreach_active(struct store *s, int64_t now,
    int (*cb)(const struct store_listing *, void *), void *arg)
{
	struct zone_names	 zn = { NULL, NULL, NULL, 0 };
	size_t			 i, nuse = 0, first = 0;
	int			 r, own = 0;

	if (sqlite3_get_autocommit(s->db)) {
		if (st_exec(s, "BEGIN") == -1)
			return -1;
		own = 1;
	}
	if ((r = st_zone_iter(s, collect_zone_open, &zn)) != 0 || zn.n == 0)
		goto out;
	for (i = zn.n; i-- > 0;)
		if (zn.open[i] > 0) {
			nuse++;
			first = i;
		}
	/* Zero zones in use: scan anyway, it costs nothing on no rows. */
	if (nuse <= 1)
		r = active_rows(s, ST_ACTIVE_ALL, now, &zn, first, cb, arg);
	else if (nuse <= STORE_SCAN_ZONES_MAX) {
		for (i = 0; i < zn.n && r == 0; i++)
			if (zn.open[i] > 0)
				r = active_rows(s, ST_ACTIVE_ZONE, now, &zn, i,
				    cb, arg);
	} else
		r = active_rows(s, ST_ACTIVE_SORTED, now, &zn, 0, cb, arg);
out:
	for (i = 0; i < zn.n; i++)
		free(zn.v[i]);
	free(zn.v);
	free(zn.id);
	free(zn.open);
	if (own)
		sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	if (s->lean)
		sqlite3_db_release_memory(s->db);
	return r;
}

int64_t
store_next_expiry(struct store *s, int64_t now)
{
	sqlite3_stmt	*st;
	int64_t		 t = 0;
	int		 rc;

	if ((st = st_stmt(s, ST_NEXT_EXPIRY)) == NULL)
		return 0;
	sqlite3_bind_int64(st, 1, now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		t = sqlite3_column_int64(st, 0);
	else
		st_dberr(s, "next expiry");
	sqlite3_reset(st);
	return t;
}

int
store_begin(struct store *s)
{
	sqlite3_stmt	*st;

	if (s->rdonly) {
		st_seterr(s, "store is open read-only");
		return -1;
	}
	if (s->bulk) {
		st_seterr(s, "bulk transaction already open");
		return -1;
	}
	/*
	 * A batch touches every page of the indexes; a cache that holds them
	 * all keeps SQLite from spilling dirty pages to the WAL mid-batch.
	 */
	if (st_exec(s, "PRAGMA cache_size = " STORE_BULK_CACHE) == -1 ||
	    st_exec(s, "BEGIN IMMEDIATE") == -1)
		return -1;
	s->bulk = 1;
	s->nbulk = 0;
	if ((st = st_stmt(s, ST_OPEN_TOTAL)) == NULL) {
		store_rollback(s);
		return -1;
	}
	s->open0 = sqlite3_step(st) == SQLITE_ROW ?
	    sqlite3_column_int64(st, 0) : INT64_MAX;
	sqlite3_reset(st);
	if ((st = st_stmt(s, ST_COOL_ANY)) == NULL) {
		store_rollback(s);
		return -1;
	}
	s->cool_any = sqlite3_step(st) != SQLITE_ROW ||
	    sqlite3_column_int(st, 0) != 0;
	sqlite3_reset(st);
	return 0;
}

static void
dirty_clear(struct store *s)
{
	int	i;

	for (i = 0; i < s->ndirty; i++)
		free(s->dirty[i].zone);
	s->ndirty = 0;
}

/* The adds a bulk batch counted in bulk_plen, into plen_count. */
static int
plen_flush(struct store *s)
{
	sqlite3_stmt	*st;
	int		 plen;

	for (plen = 0; plen <= ADDR_LEN * 8; plen++) {
		if (s->bulk_plen[plen] == 0)
			continue;
		if ((st = st_stmt(s, ST_PLEN_ADD)) == NULL)
			return -1;
		sqlite3_bind_int(st, 1, plen);
		sqlite3_bind_int64(st, 2, s->bulk_plen[plen]);
		if (st_step_done(s, st, "prefix length counts") == -1)
			return -1;
	}
	return 0;
}

int
store_commit(struct store *s)
{
	int	i;

	if (!s->bulk) {
		st_seterr(s, "no bulk transaction open");
		return -1;
	}
	if (st_bulk_check(s) == -1)
		goto fail;
	/*
	 * A large batch dropped the unique index: build it, sorted; and
	 * the counting trigger: add the batch's counts, then create it.
	 */
	if (s->keys != NULL) {
		if (st_exec(s, LISTING_ACTIVE_DDL) == -1 ||
		    plen_flush(s) == -1 || st_exec(s, PLEN_COUNT_ADD_DDL) == -1)
			goto fail;
		keyset_free(s->keys);
		s->keys = NULL;
	}
	for (i = 0; i < s->ndirty; i++)
		if (bump_serial(s, s->dirty[i].zone, st_now(),
		    s->dirty[i].delta) == -1)
			goto fail;
	if (st_exec(s, "COMMIT") == -1)
		goto fail;
	dirty_clear(s);
	s->bulk = 0;
	st_exec(s, "PRAGMA cache_size = " STORE_CACHE);
	return 0;
fail:
	/* Leave nothing half done: the batch is all or nothing. */
	store_rollback(s);
	return -1;
}

/*
 * Prepared once (st_sql): sqlite3_exec parsed "BEGIN" and "COMMIT" on
 * every web lookup, about 20k instructions of each (callgrind).
 */
static const char	sql_read_begin[] = "BEGIN";
static const char	sql_read_end[] = "COMMIT";

int
store_read_begin(struct store *s)
{
	sqlite3_stmt	*st;

	if (s->reading++ > 0)
		return 0;
	s->read_own = 0;
	if (!sqlite3_get_autocommit(s->db))
		return 0;	/* a bulk transaction reads consistently */
	if ((st = st_sql(s, sql_read_begin)) == NULL ||
	    st_step_done(s, st, "begin") == -1) {
		s->reading = 0;
		return -1;
	}
	s->read_own = 1;
	return 0;
}

void
store_read_end(struct store *s)
{
	sqlite3_stmt	*st;

	if (s->reading == 0 || --s->reading > 0)
		return;
	if (s->read_own && ((st = st_sql(s, sql_read_end)) == NULL ||
	    sqlite3_step(st) != SQLITE_DONE || sqlite3_reset(st) != SQLITE_OK))
		sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	s->read_own = 0;
}

int
store_rollback(struct store *s)
{
	char	save[STORE_ERR_MAX];

	if (!s->bulk) {
		st_seterr(s, "no bulk transaction open");
		return -1;
	}
	memcpy(save, s->err, sizeof(save));
	dirty_clear(s);
	s->bulk = 0;
	s->bulk_lost = 0;
	keyset_free(s->keys);
	s->keys = NULL;
	/*
	 * The rollback also brings back a dropped listing_active. After
	 * some errors (a full disk) SQLite has rolled back already: then
	 * there is nothing to do, and the error that caused it stays the
	 * message, not "cannot rollback - no transaction is active".
	 */
	if (!sqlite3_get_autocommit(s->db) && st_exec(s, "ROLLBACK") == -1) {
		memcpy(s->err, save, sizeof(save));
		return -1;
	}
	st_exec(s, "PRAGMA cache_size = " STORE_CACHE);
	memcpy(s->err, save, sizeof(save));
	return 0;
}

int
store_foreach_listing(struct store *s, const struct store_filter *f,
    int (*cb)(const struct store_listing *, void *), void *arg)
{
	sqlite3_stmt		*st;
	struct store_listing	 l;
	int64_t			 now = f->now != 0 ? f->now : st_now();
	int			 rc, r = 0;

	if ((st = st_stmt(s, ST_LIST)) == NULL)
		return -1;
	st_bind_text(st, 1, f->zone);
	st_bind_text(st, 2, f->source);
	st_bind_text(st, 3, f->reason);
	sqlite3_bind_int(st, 4, f->all != 0);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_int64(st, 6, f->expires_before);
	sqlite3_bind_int64(st, 7, f->limit > 0 ? f->limit : -1);
	sqlite3_bind_int64(st, 8, f->offset > 0 ? f->offset : 0);
	if (f->prefix != NULL) {
		sqlite3_bind_blob(st, 9, f->prefix->a, ADDR_LEN,
		    SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 10, st_addr_key(f->prefix->a));
		sqlite3_bind_int(st, 11, f->prefix->plen);
	} else {
		sqlite3_bind_null(st, 9);
		sqlite3_bind_null(st, 10);
		sqlite3_bind_null(st, 11);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_listing(st, &l);
		if ((r = cb(&l, arg)) != 0)
			break;
	}
	sqlite3_reset(st);
	if (r != 0)
		return r;
	if (rc != SQLITE_DONE)
		return st_dberr(s, "list");
	return 0;
}

/* "never" or the ISO time of t, for history text. */
static const char *
when_text(int64_t t, char *buf, size_t size)
{
	if (t == 0)
		return "never";
	return str_isotime(buf, size, t);
}

int
store_update(struct store *s, int64_t id, const char *reason,
    const char *evidence, int64_t expires_at, const char *actor)
{
	sqlite3_stmt	*st;
	char		*oreason = NULL, *oevid = NULL, *zone = NULL;
	char		*why = NULL, *detail = NULL, t1[32], t2[32];
	int64_t		 oexp, nexp, now = st_now();
	int		 own, rc, ok = 0, changed = 0;

	if (reason != NULL && str_is_blank(reason, strlen(reason))) {
		st_seterr(s, "a listing needs a reason");
		return -1;
	}
	if (st_check_text(s, "reason", reason, STORE_REASON_MAX) == -1 ||
	    st_check_text(s, "evidence", evidence, STORE_EVIDENCE_MAX) == -1)
		return -1;
	if (st_tx_begin(s, &own) == -1)
		return -1;
	if ((st = st_stmt(s, ST_LISTING_GET)) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		oreason = xstrdup(st_col_text(st, 0));
		oevid = xstrdup(st_col_text(st, 1));
		oexp = sqlite3_column_int64(st, 2);
		zone = xstrdup(st_col_text(st, 3));
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE) {
		st_seterr(s, "no listing with id %lld in force or expired "
		    "(removed listings cannot change)", (long long)id);
		goto out;
	}
	if (rc != SQLITE_ROW) {
		st_dberr(s, "listing");
		goto out;
	}
	nexp = expires_at == STORE_KEEP ? oexp : expires_at;
	if (reason == NULL)
		reason = oreason;
	if (evidence == NULL)
		evidence = oevid;
	/* The history row says what was: the add event shows the new. */
	xasprintf(&why, "%s%s%s%s%s%s%s%s%s",
	    strcmp(reason, oreason) != 0 ? "reason was: " : "",
	    strcmp(reason, oreason) != 0 ? oreason : "",
	    strcmp(reason, oreason) != 0 ? "; " : "",
	    strcmp(evidence, oevid) != 0 ? "evidence was: " : "",
	    strcmp(evidence, oevid) != 0 ? oevid : "",
	    strcmp(evidence, oevid) != 0 ? "; " : "",
	    nexp != oexp ? "expires " : "",
	    nexp != oexp ? when_text(oexp, t1, sizeof(t1)) : "",
	    nexp != oexp ? " -> " : "");
	if (nexp != oexp) {
		free(detail);
		xasprintf(&detail, "%s%s", why, when_text(nexp, t2,
		    sizeof(t2)));
		free(why);
		why = detail;
		detail = NULL;
	} else if (why[0] != '\0')
		why[strlen(why) - 2] = '\0';	/* the last "; " */
	if (why[0] == '\0') {
		ok = 1;
		goto out;
	}
	if ((st = st_stmt(s, ST_UPDATE)) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	st_bind_text(st, 2, reason);
	st_bind_text(st, 3, evidence);
	if (nexp != 0)
		sqlite3_bind_int64(st, 4, nexp);
	else
		sqlite3_bind_null(st, 4);
	if (st_step_done(s, st, "update") == -1 ||
	    st_history(s, id, now, actor, "update", why) == -1 ||
	    st_zone_changed(s, zone, now, 0) == -1)
		goto out;
	xasprintf(&detail, "listing %lld in %s: %s", (long long)id, zone, why);
	if (st_audit(s, now, actor, "update", detail) == -1)
		goto out;
	ok = 1;
	changed = 1;
out:
	free(oreason);
	free(oevid);
	free(zone);
	free(why);
	free(detail);
	if (st_tx_end(s, own, ok) == -1)
		return -1;
	return changed;
}

int
store_zone_remove(struct store *s, const char *name, int force,
    const char *actor, int64_t *closed)
{
	sqlite3_stmt	*st;
	int64_t		 zid, n = 0, now = st_now(), *ids = NULL, nids = 0, i;
	char		*detail = NULL;
	int		 own, rc, ok = 0;

	*closed = 0;
	if (st_tx_begin(s, &own) == -1)
		return -1;
	if ((zid = st_zone_id(s, name)) == -1)
		goto out;
	if ((st = st_stmt(s, ST_ZONE_IN_FORCE)) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, zid);
	sqlite3_bind_int64(st, 2, now);
	rc = sqlite3_step(st);
	n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		st_dberr(s, "zone listings");
		goto out;
	}
	if (n > 0 && !force) {
		st_seterr(s, "zone %s has %lld listing%s in force (remove them "
		    "first, or --force to remove them with the zone)", name,
		    (long long)n, n == 1 ? "" : "s");
		goto out;
	}
	if ((st = st_stmt(s, ST_ZONE_OPEN_IDS)) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, zid);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ids = xreallocarray(ids, (size_t)nids + 1, sizeof(*ids));
		ids[nids++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		st_dberr(s, "zone listings");
		goto out;
	}
	for (i = 0; i < nids; i++) {
		if ((st = st_stmt(s, ST_CLOSE)) == NULL)
			goto out;
		sqlite3_bind_int64(st, 1, ids[i]);
		sqlite3_bind_int64(st, 2, now);
		sqlite3_bind_text(st, 3, "zone removed", -1, SQLITE_STATIC);
		if (st_step_done(s, st, "remove") == -1 || st_history(s, ids[i],
		    now, actor, "remove", "zone removed") == -1)
			goto out;
	}
	if ((st = st_stmt(s, ST_ZONE_RENAME)) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, zid);
	sqlite3_bind_int64(st, 2, now);
	if (st_step_done(s, st, "zone remove") == -1)
		goto out;
	free(s->zone_ok);
	s->zone_ok = NULL;
	xasprintf(&detail, "%s (%lld open listings closed)", name,
	    (long long)nids);
	if (st_audit(s, now, actor, "zone-remove", detail) == -1)
		goto out;
	*closed = nids;
	ok = 1;
out:
	free(ids);
	free(detail);
	return st_tx_end(s, own, ok);
}
