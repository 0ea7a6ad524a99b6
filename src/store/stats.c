/*
 * stats.c: what the store says about itself: the audit log (store_audit,
 * store_foreach_audit), listings per zone and source (store_foreach_stat),
 * and the change detectors the daemon polls (store_data_version,
 * store_generation), and the gauges of store_metrics.
 *
 * Does not: write anything but audit rows, or log.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "core/buf.h"
#include "core/hash.h"
#include "core/metrics.h"
#include "store/removal.h"
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

/* store_metrics' listings: (zone, source) rows, merged as they come. */
struct mrows {
	struct sbuf	*out;
	char		 zone[STORE_ZONE_MAX + 1];
	char		 source[STORE_METRICS_SOURCE_MAX + 1];
	double		 n;
	double		 other;	/* rows past STORE_METRICS_ROWS */
	int		 rows;
	int		 have;
};

static void
mrows_flush(struct mrows *m)
{
	static const char *const ln[] = { "zone", "source" };
	const char		*lv[2];

	if (!m->have)
		return;
	lv[0] = m->zone;
	lv[1] = m->source;
	if (m->rows < STORE_METRICS_ROWS) {
		metrics_write_sample(m->out, "fairlist_listings", ln, lv, 2,
		    m->n);
		m->rows++;
	} else
		m->other += m->n;
	m->have = 0;
}

static int
mrows_add(const struct store_stat *t, void *arg)
{
	struct mrows	*m = arg;
	char		 src[STORE_METRICS_SOURCE_MAX + 1];
	size_t		 n;

	/* "import:FILE" counts as "import": file names are unbounded. */
	n = strcspn(t->source, ":");
	if (n > STORE_METRICS_SOURCE_MAX)
		n = STORE_METRICS_SOURCE_MAX;
	memcpy(src, t->source, n);
	src[n] = '\0';
	if (m->have && strcmp(m->zone, t->zone) == 0 &&
	    strcmp(m->source, src) == 0) {
		m->n += (double)t->listings;
		return 0;
	}
	mrows_flush(m);
	snprintf(m->zone, sizeof(m->zone), "%s", t->zone);
	memcpy(m->source, src, n + 1);
	m->n = (double)t->listings;
	m->have = 1;
	return 0;
}

int
store_metrics(struct store *s, struct sbuf *out)
{
	static const char *const ln[] = { "state" };
	struct mrows		 m;
	int64_t			 n[STORE_REQ_REFUSED + 1];
	const char		*lv[1];
	int			 i;

	memset(&m, 0, sizeof(m));
	m.out = out;
	if (store_read_begin(s) == -1)
		return -1;
	metrics_write_head(out, "fairlist_listings", "Listings in force, by "
	    "zone and source (import:FILE as import).", "gauge");
	if (store_foreach_stat(s, 0, mrows_add, &m) != 0)
		goto fail;
	mrows_flush(&m);
	if (m.other > 0) {
		metrics_write_sample(out, "fairlist_listings",
		    (const char *const[]){ "zone", "source" },
		    (const char *const[]){ "other", "other" }, 2, m.other);
	}
	if (store_request_counts(s, n) == -1)
		goto fail;
	metrics_write_head(out, "fairlist_removal_requests", "Removal "
	    "requests, by state.", "gauge");
	for (i = STORE_REQ_OPEN; i <= STORE_REQ_REFUSED; i++) {
		lv[0] = store_req_state_name((enum store_req_state)i);
		metrics_write_sample(out, "fairlist_removal_requests", ln, lv,
		    1, (double)n[i]);
	}
	store_read_end(s);
	return 0;
fail:
	store_read_end(s);
	return -1;
}
