/*
 * test_confirm.c: the confirm_sent table (src/store/confirm.c): the
 * per-address and per-domain limits, the window, and the schema 4
 * migration of a version 3 store.
 */
#include "fx.h"
#include "store/confirm.h"

#define NOW	1800000000

static int
take(struct store *s, const char *a, const char *d, int64_t now,
    int64_t *na, int64_t *nd)
{
	return store_confirm_take(s, a, d, now, 3600, 2, 3, na, nd);
}

/* { address, domain, seconds after NOW, want, want counts } in order. */
static void
test_limits(void **state)
{
	static const struct {
		const char	*name, *addr, *domain;
		int64_t		 dt;
		int		 want;
		int64_t		 na, nd;
	} tab[] = {
		{ "first", "a@x.test", "x.test", 0, STORE_CONFIRM_TAKEN, 1, 1 },
		{ "second", "a@x.test", "x.test", 1, STORE_CONFIRM_TAKEN, 2, 2 },
		{ "third to a", "a@x.test", "x.test", 2,
		    STORE_CONFIRM_ADDRESS_FULL, 2, 2 },
		{ "b, third to x", "b@x.test", "x.test", 3,
		    STORE_CONFIRM_TAKEN, 1, 3 },
		{ "c, fourth to x", "c@x.test", "x.test", 4,
		    STORE_CONFIRM_DOMAIN_FULL, 0, 3 },
		{ "another domain", "c@y.test", "y.test", 5,
		    STORE_CONFIRM_TAKEN, 1, 1 },
		/* NOW + 3600: the first send (at NOW) leaves the window. */
		{ "window moved", "a@x.test", "x.test", 3600,
		    STORE_CONFIRM_TAKEN, 2, 3 },
		{ "second send moved", "a@x.test", "x.test", 3601,
		    STORE_CONFIRM_TAKEN, 2, 3 },
		{ "a full again", "a@x.test", "x.test", 3602,
		    STORE_CONFIRM_ADDRESS_FULL, 2, 3 },
		{ "an hour later", "a@x.test", "x.test", 7202,
		    STORE_CONFIRM_TAKEN, 1, 1 },
	};
	struct fx	*f = *state;
	int64_t		 na, nd;
	size_t		 i;
	int		 got;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		got = take(f->s, tab[i].addr, tab[i].domain, NOW + tab[i].dt,
		    &na, &nd);
		if (got != tab[i].want || na != tab[i].na || nd != tab[i].nd)
			fail_msg("%s: got %d (%lld, %lld), want %d (%lld, %lld)",
			    tab[i].name, got, (long long)na, (long long)nd,
			    tab[i].want, (long long)tab[i].na,
			    (long long)tab[i].nd);
	}
	/* Rows older than the window are gone. */
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM confirm_sent"),
	    1);
}

/* A limit of 0 is no limit; an overlong address is an error. */
static void
test_no_limit_and_long(void **state)
{
	struct fx	*f = *state;
	char		 a[STORE_CONFIRM_ADDR_MAX + 2];
	int64_t		 na, nd;
	int		 i;

	for (i = 0; i < 50; i++)
		assert_int_equal(store_confirm_take(f->s, "a@x.test", "x.test",
		    NOW, 3600, 0, 0, &na, &nd), STORE_CONFIRM_TAKEN);
	assert_int_equal(na, 50);
	memset(a, 'a', sizeof(a) - 1);
	a[sizeof(a) - 1] = '\0';
	assert_int_equal(store_confirm_take(f->s, a, "x.test", NOW, 3600, 0,
	    0, &na, &nd), -1);
	assert_non_null(strstr(store_errmsg(f->s), "longer than"));
}

/* A version 3 store (without confirm_sent) migrates to version 4. */
static void
test_migrate_v3(void **state)
{
	struct fx	*f = *state;
	char		 err[STORE_ERR_MAX];
	int64_t		 na, nd;

	store_close(f->s);
	f->s = NULL;
	/* Schema 6's zone_version and its triggers: older files had none. */
	assert_int_equal(sql_int(f->path, "DROP TRIGGER zone_version_new"), -1);
	assert_int_equal(sql_int(f->path, "DROP TRIGGER zone_version_bump"),
	    -1);
	assert_int_equal(sql_int(f->path, "DROP TABLE zone_version"), -1);
	assert_int_equal(sql_int(f->path, "DROP TABLE confirm_sent"), -1);
	/* Schema 5's plen_count and triggers: a version 3 file had none. */
	assert_int_equal(sql_int(f->path, "DROP TRIGGER plen_count_add"), -1);
	assert_int_equal(sql_int(f->path, "DROP TRIGGER plen_count_del"), -1);
	assert_int_equal(sql_int(f->path, "DROP TRIGGER plen_count_move"),
	    -1);
	assert_int_equal(sql_int(f->path, "DROP TABLE plen_count"), -1);
	assert_int_equal(sql_int(f->path, "PRAGMA user_version = 3"), -1);
	if ((f->s = store_open(f->path, 0, err)) == NULL)
		fail_msg("reopen v3: %s", err);
	assert_int_equal(sql_int(f->path, "PRAGMA user_version"),
	    STORE_SCHEMA_VERSION);
	assert_int_equal(take(f->s, "a@x.test", "x.test", NOW, &na, &nd),
	    STORE_CONFIRM_TAKEN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_limit_and_long, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_migrate_v3, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
