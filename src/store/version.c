/*
 * version.c: a zone as it was at one of its serials (version.h), from
 * zone_version (schema 6) and the listing and history tables.
 *
 * The listings of serial S are read in rowid order up to S's
 * listing_max (a range of the table's B-tree, no index), and a closed
 * row is kept when its close (the first "remove" or "expire" row of its
 * history) came after S's history_max: one history_listing probe per
 * closed row only. S's time decides expiry, as the daemon's compile at
 * that serial did.
 */
#include <string.h>

#include <sqlite3.h>

#include "core/addr.h"
#include "store/store.h"
#include "store/store_int.h"
#include "store/version.h"

static const char sql_versions[] =
	"SELECT v.serial FROM zone_version v JOIN zone z ON z.id = v.zone"
	" WHERE z.name = ?1 AND v.serial < ?2 ORDER BY v.serial DESC"
	" LIMIT ?3";
static const char sql_version[] =
	"SELECT z.id, v.at, v.listing_max, v.history_max, v.code, v.txt,"
	" v.url FROM zone_version v JOIN zone z ON z.id = v.zone"
	" WHERE z.name = ?1 AND v.serial = ?2";
/* A listing of the zone in force at S rewritten since. */
static const char sql_updated[] =
	"SELECT EXISTS (SELECT 1 FROM history h JOIN listing l"
	" ON l.id = h.listing_id WHERE h.id > ?1 AND h.action = 'update'"
	" AND l.zone = ?2 AND l.id <= ?3)";
static const char sql_listings[] =
	"SELECT lo, plen, exclude, code, listed_at, expires_at, reason"
	" FROM listing l WHERE l.id <= ?2 AND l.zone = ?1"
	" AND (l.expires_at IS NULL OR l.expires_at > ?4)"
	" AND (l.removed_at IS NULL OR coalesce((SELECT min(h.id)"
	" FROM history h WHERE h.listing_id = l.id"
	" AND h.action IN ('remove', 'expire')), ?3 + 1) > ?3)";

int
store_zone_versions(struct store *s, const char *zone, int64_t below,
    int64_t *v, size_t max, size_t *n)
{
	sqlite3_stmt	*st;
	int		 rc;

	*n = 0;
	if (max > STORE_VERSIONS_MAX)
		max = STORE_VERSIONS_MAX;
	if ((st = st_sql(s, sql_versions)) == NULL)
		return -1;
	st_bind_text(st, 1, zone);
	sqlite3_bind_int64(st, 2, below);
	sqlite3_bind_int64(st, 3, (int64_t)max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max)
		v[(*n)++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return st_dberr(s, "zone versions");
	return 0;
}

/* The listings of the version (zid, lmax, hmax, at) into cb. */
static int
version_rows(struct store *s, const char *zone, int64_t zid, int64_t lmax,
    int64_t hmax, int64_t at,
    int (*cb)(const struct store_listing *, void *), void *arg)
{
	sqlite3_stmt		*st;
	struct store_listing	 l;
	int			 rc, r = 0;

	if ((st = st_sql(s, sql_listings)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, zid);
	sqlite3_bind_int64(st, 2, lmax);
	sqlite3_bind_int64(st, 3, hmax);
	sqlite3_bind_int64(st, 4, at);
	memset(&l, 0, sizeof(l));
	l.zone = zone;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (st_row_listing(st, &l) == -1)
			continue;
		if ((r = cb(&l, arg)) != 0)
			break;
	}
	sqlite3_reset(st);
	if (r == 0 && rc != SQLITE_DONE)
		r = st_dberr(s, "version listings");
	return r;
}

static int
version_read(struct store *s, const char *zone, int64_t serial,
    int (*zcb)(const struct store_zone *, void *),
    int (*cb)(const struct store_listing *, void *), void *arg,
    int64_t *at)
{
	sqlite3_stmt		*st;
	struct store_zone	 z;
	int64_t			 zid, lmax, hmax, upd;
	int			 rc, r;

	if ((st = st_sql(s, sql_version)) == NULL)
		return -1;
	st_bind_text(st, 1, zone);
	sqlite3_bind_int64(st, 2, serial);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? 1 : st_dberr(s, "zone version");
	}
	zid = sqlite3_column_int64(st, 0);
	*at = sqlite3_column_int64(st, 1);
	lmax = sqlite3_column_int64(st, 2);
	hmax = sqlite3_column_int64(st, 3);
	memset(&z, 0, sizeof(z));
	z.name = zone;
	z.code = (uint32_t)sqlite3_column_int64(st, 4);
	z.serial = serial;
	z.txt = st_col_text(st, 5);
	z.url = st_col_text(st, 6);
	if (z.txt == NULL || z.url == NULL) {
		sqlite3_reset(st);
		return 1;
	}
	/* The row's strings last until its reset: zcb runs first. */
	r = zcb(&z, arg);
	sqlite3_reset(st);
	if (r != 0)
		return r;
	if ((st = st_sql(s, sql_updated)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, hmax);
	sqlite3_bind_int64(st, 2, zid);
	sqlite3_bind_int64(st, 3, lmax);
	rc = sqlite3_step(st);
	upd = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return st_dberr(s, "zone version updates");
	if (upd)
		return 1;
	return version_rows(s, zone, zid, lmax, hmax, *at, cb, arg);
}

int
store_foreach_version(struct store *s, const char *zone, int64_t serial,
    int (*zcb)(const struct store_zone *, void *),
    int (*cb)(const struct store_listing *, void *), void *arg,
    int64_t *at)
{
	int	r;

	*at = 0;
	if (store_read_begin(s) == -1)
		return -1;
	r = version_read(s, zone, serial, zcb, cb, arg, at);
	store_read_end(s);
	return r;
}
