/*
 * stats.c: what the store says about itself: the audit log (store_audit,
 * store_foreach_audit), listings per zone and source (store_foreach_stat),
 * and the change detectors the daemon polls (store_data_version,
 * store_generation).
 *
 * Does not: write anything but audit rows, or log.
 */
#include <stdint.h>
#include <string.h>

#include <sqlite3.h>

#include "core/hash.h"
#include "store/store.h"
#include "store/store_int.h"

int
store_audit(struct store *s, const char *actor, const char *action,
    const char *detail)
{
	int	own;

	if (st_check_text(s, "audit detail", detail, STORE_EVIDENCE_MAX) == -1)
		return -1;
	if (st_tx_begin(s, &own) == -1)
		return -1;
	return st_tx_end(s, own, st_audit(s, st_now(), actor, action,
	    detail) == 0);
}

int
store_data_version(struct store *s, int64_t *v)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = st_stmt(s, ST_DATA_VERSION)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return st_dberr(s, "data_version");
	return 0;
}

/*
 * One piece of the generation, chained: the seed is the hash so far.
 * HASH_SEED_FIXED at the start, so every process computes the same value.
 */
static uint64_t
gen_bytes(uint64_t h, const void *p, size_t len)
{
	return hash_bytes(p, len, h);
}

static uint64_t
gen_int(uint64_t h, int64_t v)
{
	unsigned char	b[8];
	int		i;

	/* Little-endian bytes, so the hash does not depend on the host. */
	for (i = 0; i < 8; i++)
		b[i] = (unsigned char)((uint64_t)v >> (8 * i));
	return gen_bytes(h, b, sizeof(b));
}

static uint64_t
gen_str(uint64_t h, const char *s)
{
	size_t	len = strlen(s);

	/* Length first: ("ab", "c") and ("a", "bc") must differ. */
	h = gen_int(h, (int64_t)len);
	return gen_bytes(h, s, len);
}

static int
gen_zone(const struct store_zone *z, int64_t id, void *arg)
{
	uint64_t	*h = arg;

	*h = gen_int(*h, id);
	*h = gen_str(*h, z->name);
	*h = gen_int(*h, z->code);
	*h = gen_str(*h, z->txt);
	*h = gen_str(*h, z->url);
	*h = gen_int(*h, z->serial);
	*h = gen_int(*h, z->listings);
	return 0;
}

int
store_generation(struct store *s, uint64_t *gen)
{
	sqlite3_stmt	*st;
	uint64_t	 h = HASH_SEED_FIXED;
	int64_t		 maxid;
	int		 rc, own;

	/* One read transaction, so zones and max(id) agree. */
	if (!s->bulk && st_exec(s, "BEGIN") == -1)
		return -1;
	own = !s->bulk;
	h = gen_int(h, STORE_SCHEMA_VERSION);
	if (st_zone_iter(s, gen_zone, &h) != 0)
		goto fail;
	if ((st = st_stmt(s, ST_MAX_ID)) == NULL)
		goto fail;
	rc = sqlite3_step(st);
	maxid = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		st_dberr(s, "max listing id");
		goto fail;
	}
	h = gen_int(h, maxid);
	if (own && st_exec(s, "COMMIT") == -1)
		return -1;
	*gen = h;
	return 0;
fail:
	if (own) {
		char	save[STORE_ERR_MAX];

		memcpy(save, s->err, sizeof(save));
		st_exec(s, "ROLLBACK");
		memcpy(s->err, save, sizeof(save));
	}
	return -1;
}

int
store_foreach_audit(struct store *s, int64_t since, int64_t limit,
    int (*cb)(const struct store_audit_row *, void *), void *arg)
{
	sqlite3_stmt		*st;
	struct store_audit_row	 a;
	int			 rc, r = 0;

	if ((st = st_stmt(s, ST_AUDIT_SINCE)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, since);
	sqlite3_bind_int64(st, 2, limit > 0 ? limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		a.id = sqlite3_column_int64(st, 0);
		a.at = sqlite3_column_int64(st, 1);
		a.actor = st_col_text(st, 2);
		a.action = st_col_text(st, 3);
		a.detail = st_col_text(st, 4);
		if ((r = cb(&a, arg)) != 0)
			break;
	}
	sqlite3_reset(st);
	if (r != 0)
		return r;
	if (rc != SQLITE_DONE)
		return st_dberr(s, "audit");
	return 0;
}

int
store_foreach_stat(struct store *s, int64_t now,
    int (*cb)(const struct store_stat *, void *), void *arg)
{
	sqlite3_stmt		*st;
	struct store_stat	 t;
	int			 rc, r = 0;

	if (now == 0)
		now = st_now();
	if ((st = st_stmt(s, ST_STATS)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, now + 86400);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		t.zone = st_col_text(st, 0);
		t.source = st_col_text(st, 1);
		t.listings = sqlite3_column_int64(st, 2);
		t.ranges = sqlite3_column_int64(st, 3);
		t.exclusions = sqlite3_column_int64(st, 4);
		t.expiring = sqlite3_column_int64(st, 5);
		if ((r = cb(&t, arg)) != 0)
			break;
	}
	sqlite3_reset(st);
	if (r != 0)
		return r;
	if (rc != SQLITE_DONE)
		return st_dberr(s, "stats");
	return 0;
}
