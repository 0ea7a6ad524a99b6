/*
 * test_generation.c: store_generation (src/store/db.c) changes with every
 * change that can change a compiled index, and only with those.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/addr.h"
#include "store/store.h"

static uint64_t
gen_of(struct store *s)
{
	uint64_t	g = 0;

	if (store_generation(s, &g) == -1)
		fail_msg("store_generation: %s", store_errmsg(s));
	return g;
}

static struct store_listing
listing(const char *zone, const char *pfx, int64_t expires)
{
	struct store_listing	l;
	const char		*err;

	memset(&l, 0, sizeof(l));
	l.zone = zone;
	if (addr_parse(pfx, &l.prefix, &err) == -1)
		fail_msg("bad test prefix %s: %s", pfx, err);
	l.reason = "test";
	l.expires_at = expires;
	return l;
}

static void
test_generation_changes(void **state)
{
	char			 dir[64], path[128], cmd[200], err[STORE_ERR_MAX];
	struct store		*s, *s2;
	struct store_listing	 l;
	struct addr_prefix	 p;
	uint64_t		 g0, g, last;
	const char		*perr;
	int			 n, i;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/fairlist-gen-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.db", dir);
	assert_non_null(s = store_open(path, 0, err));

	g0 = gen_of(s);
	assert_true(gen_of(s) == g0);

	/* add */
	l = listing(STORE_DEFAULT_ZONE, "192.0.2.1", 0);
	assert_true(store_add(s, &l, "t") > 0);
	g = gen_of(s);
	if (g == g0)
		fail_msg("add: got the same generation, want a new one");
	last = g;

	/* a refused add (duplicate) changes nothing */
	l = listing(STORE_DEFAULT_ZONE, "192.0.2.1", 0);
	assert_int_equal(store_add(s, &l, "t"), -1);
	assert_true(gen_of(s) == last);

	/* an audit row is not an index change */
	assert_int_equal(store_audit(s, "t", "note", "x"), 0);
	assert_true(gen_of(s) == last);

	/* remove */
	assert_int_equal(addr_parse("192.0.2.1", &p, &perr), 0);
	assert_int_equal(store_remove(s, NULL, &p, "t", "why", &n), 0);
	assert_int_equal(n, 1);
	g = gen_of(s);
	assert_true(g != last);
	last = g;

	/* expire-close: an expired listing superseded by a new add */
	l = listing(STORE_DEFAULT_ZONE, "192.0.2.9", (int64_t)time(NULL) - 5);
	l.listed_at = (int64_t)time(NULL) - 10;
	assert_true(store_add(s, &l, "t") > 0);
	g = gen_of(s);
	assert_true(g != last);
	last = g;
	l = listing(STORE_DEFAULT_ZONE, "192.0.2.9", 0);
	assert_true(store_add(s, &l, "t") > 0);
	g = gen_of(s);
	assert_true(g != last);
	last = g;

	/* zone put: a change bumps, a no-op does not */
	assert_int_equal(store_zone_put(s, STORE_DEFAULT_ZONE, 0, NULL, NULL,
	    "t"), 0);
	assert_true(gen_of(s) == last);
	assert_int_equal(store_zone_put(s, STORE_DEFAULT_ZONE, 0x7f000003u,
	    NULL, NULL, "t"), 0);
	g = gen_of(s);
	assert_true(g != last);
	last = g;
	assert_int_equal(store_zone_put(s, "new.test", 0, NULL, NULL, "t"), 0);
	g = gen_of(s);
	assert_true(g != last);
	last = g;

	/* bulk: a rolled-back batch changes nothing, a committed one does */
	assert_int_equal(store_begin(s), 0);
	l = listing("new.test", "198.51.100.1", 0);
	assert_true(store_add(s, &l, "t") > 0);
	assert_int_equal(store_rollback(s), 0);
	assert_true(gen_of(s) == last);
	assert_int_equal(store_begin(s), 0);
	for (i = 0; i < 50; i++) {
		char	a[32];

		snprintf(a, sizeof(a), "198.51.100.%d", i);
		l = listing("new.test", a, 0);
		assert_true(store_add(s, &l, "t") > 0);
	}
	assert_int_equal(store_commit(s), 0);
	g = gen_of(s);
	assert_true(g != last);
	last = g;

	/* another connection sees the same generation */
	assert_non_null(s2 = store_open(path, STORE_RDONLY, err));
	assert_true(gen_of(s2) == last);
	store_close(s2);

	store_close(s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generation_changes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
