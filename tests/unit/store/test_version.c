/*
 * test_version.c: a zone read back as it was at each of its serials
 * (store/version.h, schema 6): adds, removals, a bulk batch, an update
 * in place (that serial and the ones before it are no longer readable),
 * a serial never recorded, and the versions listed newest first; the
 * rows kept per zone (STORE_VERSIONS_KEEP).
 */
#include "fx.h"

#include "store/version.h"

static int64_t
add(struct store *s, const char *prefix, const char *reason)
{
	struct store_listing	l = { .zone = STORE_DEFAULT_ZONE,
	    .prefix = pfx(prefix), .reason = reason, .source = "test" };

	return store_add(s, &l, "test:unit");
}

static int64_t
serial(const char *path)
{
	return sql_int(path, "SELECT serial FROM zone WHERE name = '"
	    STORE_DEFAULT_ZONE "'");
}

struct got {
	char	buf[512];
	int	zones;
	int64_t	serial;
};

static int
got_zone(const struct store_zone *z, void *arg)
{
	struct got	*g = arg;

	g->zones++;
	g->serial = z->serial;
	return 0;
}

static int
got_listing(const struct store_listing *l, void *arg)
{
	struct got	*g = arg;
	size_t		 n = strlen(g->buf);

	snprintf(g->buf + n, sizeof(g->buf) - n, "%s%s", n > 0 ? " " : "",
	    l->reason);
	return 0;
}

/* The reasons in force at serial v, in rowid order, or "-" if none. */
static void
want(struct store *s, int64_t v, int rc, const char *expect)
{
	struct got	g;
	int64_t		at;

	memset(&g, 0, sizeof(g));
	assert_int_equal(store_foreach_version(s, STORE_DEFAULT_ZONE, v,
	    got_zone, got_listing, &g, &at), rc);
	if (rc != 0)
		return;
	assert_int_equal(g.zones, 1);
	assert_int_equal(g.serial, v);
	assert_true(at > 0);
	assert_string_equal(g.buf[0] != '\0' ? g.buf : "-", expect);
}

static void
test_versions(void **state)
{
	struct fx		*f = *state;
	struct addr_prefix	 p = pfx("192.0.2.1");
	int64_t			 s0, s1, s2, s3, s4, s5, id, v[8];
	size_t			 n;
	int			 cnt;

	s0 = serial(f->path);
	assert_true(add(f->s, "192.0.2.1", "a") > 0);
	s1 = serial(f->path);
	assert_true(add(f->s, "198.51.100.0/24", "b") > 0);
	s2 = serial(f->path);
	assert_int_equal(store_remove(f->s, NULL, &p, "test:unit", "gone",
	    &cnt), 0);
	s3 = serial(f->path);
	assert_int_equal(store_begin(f->s), 0);
	assert_true(add(f->s, "203.0.113.5", "c") > 0);
	assert_true((id = add(f->s, "203.0.113.6", "d")) > 0);
	assert_int_equal(store_commit(f->s), 0);
	s4 = serial(f->path);
	assert_true(s0 < s1 && s1 < s2 && s2 < s3 && s3 < s4);

	want(f->s, s0, 0, "-");
	want(f->s, s1, 0, "a");
	want(f->s, s2, 0, "a b");
	want(f->s, s3, 0, "b");
	want(f->s, s4, 0, "b c d");
	want(f->s, s4 + 1000, 1, NULL);

	assert_int_equal(store_zone_versions(f->s, STORE_DEFAULT_ZONE, s4, v,
	    3, &n), 0);
	assert_int_equal(n, 3);
	assert_true(v[0] == s3 && v[1] == s2 && v[2] == s1);

	/* d rewritten in place: s4 (which held d) cannot be read back. */
	assert_int_equal(store_update(f->s, id, "d2", NULL, STORE_KEEP,
	    "test:unit"), 1);
	s5 = serial(f->path);
	assert_true(s5 > s4);
	want(f->s, s4, 1, NULL);
	want(f->s, s5, 0, "b c d2");
	/* The versions before d existed do not depend on it. */
	want(f->s, s3, 0, "b");
}

/*
 * zone_version keeps STORE_VERSIONS_KEEP rows per zone: 80 changes leave
 * the newest 65, the current serial among them, the oldest kept still
 * readable and store_zone_versions still listing STORE_VERSIONS_MAX.
 */
static void
test_prune(void **state)
{
	struct fx	*f = *state;
	char		 net[32];
	int64_t		 first = 0, cur, v[STORE_VERSIONS_MAX];
	size_t		 n;
	int		 i;

	for (i = 0; i < 80; i++) {
		snprintf(net, sizeof(net), "10.0.%d.1", i);
		assert_true(add(f->s, net, "p") > 0);
		if (i == 80 - STORE_VERSIONS_KEEP)
			first = serial(f->path);
	}
	cur = serial(f->path);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM zone_version v"
	    " JOIN zone z ON z.id = v.zone WHERE z.name = '"
	    STORE_DEFAULT_ZONE "'"), STORE_VERSIONS_KEEP);
	assert_int_equal(sql_int(f->path, "SELECT max(v.serial) FROM"
	    " zone_version v JOIN zone z ON z.id = v.zone WHERE z.name = '"
	    STORE_DEFAULT_ZONE "'"), cur);
	assert_int_equal(sql_int(f->path, "SELECT min(v.serial) FROM"
	    " zone_version v JOIN zone z ON z.id = v.zone WHERE z.name = '"
	    STORE_DEFAULT_ZONE "'"), first);
	assert_int_equal(store_zone_versions(f->s, STORE_DEFAULT_ZONE, cur, v,
	    STORE_VERSIONS_MAX, &n), 0);
	assert_int_equal(n, STORE_VERSIONS_MAX);
	assert_int_equal(v[n - 1], first);
	want(f->s, cur, 0, "p p p p p p p p p p p p p p p p p p p p p p p p p p"
	    " p p p p p p p p p p p p p p p p p p p p p p p p p p p p p p p p p p"
	    " p p p p p p p p p p p p p p p p p p p p");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_versions, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_prune, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
