/*
 * test_cover.c: unit tests for store_foreach_covering's cache of the
 * prefix lengths that hold listings (src/store/db.c, cover_plens): a
 * listing at a length the cache did not hold, added or removed after a
 * lookup filled it, by this connection or by another one, is found; the
 * per-length counts the triggers keep (plen_count, schema 5) match the
 * listings after single, bulk and rolled back writes and a migration.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "core/addr.h"
#include "store/store.h"
#include "fx.h"

static int64_t
add_in(struct store *s, const char *zone, const char *prefix,
    const char *reason)
{
	struct store_listing	l = { .zone = zone,
	    .prefix = pfx(prefix), .reason = reason, .source = "test" };

	return store_add(s, &l, "test:unit");
}

static int64_t
add(struct store *s, const char *prefix, const char *reason)
{
	return add_in(s, STORE_DEFAULT_ZONE, prefix, reason);
}

/* The reasons seen, in order, "open" or "closed" after each. */
struct seen {
	char	buf[512];
};

static int
collect(const struct store_listing *l, void *arg)
{
	struct seen	*sn = arg;
	size_t		 n = strlen(sn->buf);

	snprintf(sn->buf + n, sizeof(sn->buf) - n, "%s%s %s",
	    n > 0 ? "; " : "", l->reason,
	    l->removed_at != 0 ? "closed" : "open");
	return 0;
}

static void
want(struct store *s, const char *ip, int all, const char *expect)
{
	struct seen	 sn;
	struct addr_prefix a = pfx(ip);

	memset(&sn, 0, sizeof(sn));
	if (store_foreach_covering(s, a.a, all, collect, &sn) != 0)
		fail_msg("covering %s: %s", ip, store_errmsg(s));
	if (strcmp(sn.buf, expect) != 0)
		fail_msg("covering %s (all %d): got \"%s\", want \"%s\"", ip,
		    all, sn.buf, expect);
}

static struct store *
second(const struct fx *f)
{
	struct store	*s;
	char		 err[STORE_ERR_MAX];

	if ((s = store_open(f->path, 0, err)) == NULL)
		fail_msg("store_open (second): %s", err);
	return s;
}

/* This connection adds a /13 after a lookup that knew only /32. */
static void
test_own_add_after_fill(void **state)
{
	struct fx	*f = *state;

	assert_true(add(f->s, "192.0.2.1", "single") > 0);
	want(f->s, "10.1.2.3", 1, "");
	want(f->s, "192.0.2.1", 0, "single open");
	assert_true(add(f->s, "10.0.0.0/13", "wide") > 0);
	want(f->s, "10.1.2.3", 0, "wide open");
	want(f->s, "10.7.255.255", 1, "wide open");
	want(f->s, "10.8.0.0", 1, "");
}

/* Another connection adds a /127 and a /13, then removes the /13. */
static void
test_other_connection(void **state)
{
	struct fx	*f = *state;
	struct store	*o;
	struct addr_prefix p = pfx("10.0.0.0/13");
	int		 n;

	assert_true(add(f->s, "192.0.2.1", "single") > 0);
	want(f->s, "2001:db8::1", 1, "");
	want(f->s, "10.1.2.3", 1, "");
	o = second(f);
	assert_true(add(o, "2001:db8::/127", "pair") > 0);
	want(f->s, "2001:db8::1", 0, "pair open");
	want(f->s, "2001:db8::2", 0, "");
	assert_true(add(o, "10.0.0.0/13", "wide") > 0);
	assert_true(add(o, "10.1.2.3", "inner") > 0);
	want(f->s, "10.1.2.3", 0, "inner open; wide open");
	assert_int_equal(store_remove(o, NULL, &p, "test:unit", "gone", &n),
	    0);
	assert_int_equal(n, 1);
	want(f->s, "10.1.2.3", 0, "inner open");
	want(f->s, "10.1.2.3", 1, "inner open; wide closed");
	want(f->s, "10.6.0.1", 1, "wide closed");
	store_close(o);
}

/* A closed listing at a length no open one has is still shown by all. */
static void
test_closed_only_length(void **state)
{
	struct fx	*f = *state;
	struct addr_prefix p = pfx("198.51.100.0/27");
	int		 n;

	assert_true(add(f->s, "198.51.100.0/27", "block") > 0);
	want(f->s, "198.51.100.9", 1, "block open");
	assert_int_equal(store_remove(f->s, NULL, &p, "test:unit", "gone",
	    &n), 0);
	assert_int_equal(n, 1);
	want(f->s, "198.51.100.9", 0, "");
	want(f->s, "198.51.100.9", 1, "block closed");
}

/*
 * Open listings of one prefix come by zone name, whatever the order the
 * zones were made in (SQLite returns them by zone id), then the wider
 * prefix, then with all the closed ones, newest first.
 */
static void
test_order(void **state)
{
	struct fx	*f = *state;
	struct addr_prefix p = pfx("203.0.113.7");
	int		 n;

	assert_int_equal(store_zone_put(f->s, "z.test", 0, NULL, NULL,
	    "test"), 0);
	assert_int_equal(store_zone_put(f->s, "m.test", 0, NULL, NULL,
	    "test"), 0);
	assert_int_equal(store_zone_put(f->s, "a.test", 0, NULL, NULL,
	    "test"), 0);
	assert_true(add_in(f->s, "z.test", "203.0.113.7", "z") > 0);
	assert_true(add_in(f->s, "a.test", "203.0.113.7", "a") > 0);
	assert_true(add_in(f->s, "m.test", "203.0.113.0/24", "m24") > 0);
	assert_true(add_in(f->s, "m.test", "203.0.113.7", "m") > 0);
	want(f->s, "203.0.113.7", 0, "a open; m open; z open; m24 open");
	assert_int_equal(store_remove(f->s, "m.test", &p, "test:unit", "gone",
	    &n), 0);
	assert_true(add_in(f->s, "m.test", "203.0.113.7", "m2") > 0);
	assert_int_equal(store_remove(f->s, "m.test", &p, "test:unit", "gone",
	    &n), 0);
	want(f->s, "203.0.113.7", 1,
	    "a open; z open; m2 closed; m closed; m24 open");
}

/*
 * plen_count (schema 5) against the listings themselves: the rows whose
 * count differs from a GROUP BY over listing. 0 when the triggers kept
 * every count.
 */
static int64_t
counts_off(const struct fx *f)
{
	return sql_int(f->path, "SELECT count(*) FROM plen_count c"
	    " LEFT JOIN (SELECT removed_at IS NOT NULL AS closed, plen,"
	    " count(*) AS n FROM listing GROUP BY 1, 2) g"
	    " ON g.closed = c.closed AND g.plen = c.plen"
	    " WHERE c.n != coalesce(g.n, 0)");
}

/*
 * Single adds, removals, a bulk batch large enough to drop the unique
 * index, and a removal of many at once: every count stays that of the
 * listing table, and the lookups find what the counts say.
 */
static void
test_counts(void **state)
{
	struct fx	*f = *state;
	struct addr_prefix p = pfx("10.0.0.0/13");
	char		 ip[32];
	int		 i, n;

	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM plen_count"),
	    2 * 129);
	assert_true(add(f->s, "10.0.0.0/13", "wide") > 0);
	assert_true(add(f->s, "2001:db8::/64", "net6") > 0);
	assert_int_equal(counts_off(f), 0);
	assert_int_equal(sql_int(f->path, "SELECT n FROM plen_count"
	    " WHERE closed = 0 AND plen = 109"), 1);
	assert_int_equal(store_remove(f->s, NULL, &p, "test:unit", "gone",
	    &n), 0);
	assert_int_equal(counts_off(f), 0);
	assert_int_equal(sql_int(f->path, "SELECT n FROM plen_count"
	    " WHERE closed = 1 AND plen = 109"), 1);
	assert_int_equal(sql_int(f->path, "SELECT n FROM plen_count"
	    " WHERE closed = 0 AND plen = 109"), 0);
	assert_int_equal(store_begin(f->s), 0);
	/* Past STORE_REINDEX_MIN: the batch drops listing_active. */
	for (i = 0; i < 3 * 6834; i++) {
		snprintf(ip, sizeof(ip), "198.%d.%d.0/%d", 18 + i / 256,
		    i % 256, 24 + i % 3);
		assert_true(add(f->s, ip, "bulk") > 0);
	}
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(counts_off(f), 0);
	assert_int_equal(sql_int(f->path, "SELECT n FROM plen_count"
	    " WHERE closed = 0 AND plen = 120"), 6834);
	want(f->s, "198.18.0.9", 0, "bulk open");
	want(f->s, "198.18.1.9", 0, "bulk open");
	want(f->s, "10.1.2.3", 1, "wide closed");
	p = pfx("198.18.2.0/26");
	assert_int_equal(store_remove(f->s, NULL, &p, "test:unit", "gone",
	    &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(counts_off(f), 0);
	/* A rolled back batch leaves the counts as they were. */
	assert_int_equal(store_begin(f->s), 0);
	assert_true(add(f->s, "192.0.2.0/25", "rolled back") > 0);
	assert_int_equal(store_rollback(f->s), 0);
	assert_int_equal(counts_off(f), 0);
	want(f->s, "192.0.2.1", 1, "");
}

/*
 * A schema 4 store (no plen_count) with open and closed listings is
 * migrated: the counts come from its rows, and lookups find them.
 */
static void
test_migrate_v4(void **state)
{
	struct fx	*f = *state;
	struct addr_prefix p = pfx("203.0.113.0/24");
	char		 err[STORE_ERR_MAX];
	int		 n;

	assert_true(add(f->s, "203.0.113.0/24", "net") > 0);
	assert_true(add(f->s, "203.0.113.7", "host") > 0);
	assert_int_equal(store_remove(f->s, NULL, &p, "test:unit", "gone",
	    &n), 0);
	store_close(f->s);
	f->s = NULL;
	/* Schema 6's zone_version and its triggers: older files had none. */
	assert_int_equal(sql_int(f->path, "DROP TRIGGER zone_version_new"), -1);
	assert_int_equal(sql_int(f->path, "DROP TRIGGER zone_version_bump"),
	    -1);
	assert_int_equal(sql_int(f->path, "DROP TABLE zone_version"), -1);
	assert_int_equal(sql_int(f->path, "DROP TRIGGER plen_count_add"), -1);
	assert_int_equal(sql_int(f->path, "DROP TRIGGER plen_count_del"), -1);
	assert_int_equal(sql_int(f->path, "DROP TRIGGER plen_count_move"),
	    -1);
	assert_int_equal(sql_int(f->path, "DROP TABLE plen_count"), -1);
	assert_int_equal(sql_int(f->path, "PRAGMA user_version = 4"), -1);
	if ((f->s = store_open(f->path, 0, err)) == NULL)
		fail_msg("reopen v4: %s", err);
	assert_int_equal(sql_int(f->path, "PRAGMA user_version"),
	    STORE_SCHEMA_VERSION);
	assert_int_equal(counts_off(f), 0);
	assert_int_equal(sql_int(f->path, "SELECT sum(n) FROM plen_count"), 2);
	want(f->s, "203.0.113.7", 1, "host open; net closed");
	assert_true(add(f->s, "203.0.113.8/31", "pair") > 0);
	assert_int_equal(counts_off(f), 0);
	want(f->s, "203.0.113.9", 0, "pair open");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_own_add_after_fill,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_connection,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_closed_only_length,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_v4, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
