/*
 * test_db.c: unit tests for the SQLite store (src/store/db.c).
 *
 * Each test opens a fresh store in its own temporary directory. Tables
 * list { name, input, want } and failures say "got X, want Y".
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
#include <sqlite3.h>

#include "core/addr.h"
#include "store/store.h"
#include "fx.h"

static int64_t
add(struct store *s, const char *zone, const char *prefix,
    const char *reason, int64_t expires)
{
	struct store_listing	l;

	memset(&l, 0, sizeof(l));
	l.zone = zone;
	l.prefix = pfx(prefix);
	l.reason = reason;
	l.evidence = "trap hit";
	l.source = "test";
	l.expires_at = expires;
	return store_add(s, &l, "test:unit");
}

static void
test_new_store(void **state)
{
	struct fx	*f = *state;
	int64_t		 v;

	assert_int_equal(store_zone_exists(f->s, STORE_DEFAULT_ZONE), 1);
	assert_int_equal(store_zone_exists(f->s, "nope.test"), 0);
	v = sql_int(f->path, "PRAGMA user_version");
	if (v != STORE_SCHEMA_VERSION)
		fail_msg("user_version: got %lld, want %d", (long long)v,
		    STORE_SCHEMA_VERSION);
	if (sql_int(f->path, "PRAGMA journal_mode = WAL") < 0)
		fail_msg("journal mode query failed");
}

static void
test_migrate_empty_file(void **state)
{
	struct fx	*f = *state;
	struct store	*s;
	char		 path[160], err[STORE_ERR_MAX];
	FILE		*fp;

	snprintf(path, sizeof(path), "%s/empty.db", f->dir);
	assert_non_null(fp = fopen(path, "w"));
	fclose(fp);
	if ((s = store_open(path, 0, err)) == NULL)
		fail_msg("open empty file: got error '%s', want success", err);
	assert_int_equal(store_zone_exists(s, STORE_DEFAULT_ZONE), 1);
	store_close(s);
	/* Opening again must not migrate twice. */
	if ((s = store_open(path, 0, err)) == NULL)
		fail_msg("reopen: %s", err);
	store_close(s);
	if (sql_int(path, "SELECT count(*) FROM zone") != 1)
		fail_msg("zones after reopen: got %lld, want 1",
		    (long long)sql_int(path, "SELECT count(*) FROM zone"));
}

static void
test_newer_schema_refused(void **state)
{
	struct fx	*f = *state;
	struct store	*s;
	char		 err[STORE_ERR_MAX];

	store_close(f->s);
	assert_int_equal(sql_int(f->path, "PRAGMA user_version = 99"), -1);
	s = store_open(f->path, 0, err);
	if (s != NULL || strstr(err, "newer") == NULL)
		fail_msg("newer schema: got '%s', want a 'newer' error",
		    s != NULL ? "success" : err);
	f->s = NULL;
}

static void
test_not_a_database(void **state)
{
	struct fx	*f = *state;
	char		 path[160], err[STORE_ERR_MAX];
	FILE		*fp;

	snprintf(path, sizeof(path), "%s/junk.db", f->dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs("this is not a database, just some text of some length\n"
	    "padding padding padding padding padding padding padding\n", fp);
	fclose(fp);
	if (store_open(path, 0, err) != NULL)
		fail_msg("junk file: got success, want an error");
}

static void
test_add_validation(void **state)
{
	static char	long_reason[STORE_REASON_MAX + 2];
	struct fx	*f = *state;
	struct {
		const char	*name, *zone, *prefix, *reason, *evidence;
		const char	*want_err;	/* NULL: success */
	} cases[] = {
		{ "ok v4", STORE_DEFAULT_ZONE, "192.0.2.1", "spam", "trap",
		    NULL },
		{ "ok v6 range", STORE_DEFAULT_ZONE, "2001:db8::/48", "spam",
		    "trap", NULL },
		{ "duplicate", STORE_DEFAULT_ZONE, "192.0.2.1", "again",
		    "trap", "already listed: 192.0.2.1 in bl.fairlist.test "
		    "(id 1)" },
		{ "unknown zone", "nope.test", "192.0.2.2", "spam", "trap",
		    "unknown zone 'nope.test'" },
		{ "tab in reason", STORE_DEFAULT_ZONE, "192.0.2.3", "a\tb",
		    "trap", "reason contains a control character" },
		{ "newline in evidence", STORE_DEFAULT_ZONE, "192.0.2.3",
		    "spam", "a\nb", "evidence contains a control character" },
		{ "DEL in reason", STORE_DEFAULT_ZONE, "192.0.2.3", "a\x7f",
		    "trap", "reason contains a control character" },
		{ "empty reason", STORE_DEFAULT_ZONE, "192.0.2.3", "",
		    "trap", "a listing needs a reason" },
		{ "long reason", STORE_DEFAULT_ZONE, "192.0.2.3", long_reason,
		    "trap", "reason too long" },
		/* Issue 9: text that is not clean UTF-8 is refused. */
		{ "blank reason", STORE_DEFAULT_ZONE, "192.0.2.3", " \t ",
		    "trap", "a listing needs a reason" },
		{ "NEL in reason", STORE_DEFAULT_ZONE, "192.0.2.3",
		    "a\xc2\x85", "trap", "reason contains a control "
		    "character" },
		{ "RLO in reason", STORE_DEFAULT_ZONE, "192.0.2.3",
		    "a\xe2\x80\xae", "trap", "reason contains a "
		    "bidirectional control character" },
		{ "latin-1 evidence", STORE_DEFAULT_ZONE, "192.0.2.3", "spam",
		    "caf\xe9", "evidence is not valid UTF-8" },
		{ "overlong source-free reason", STORE_DEFAULT_ZONE,
		    "192.0.2.3", "\xc0\xaf", "trap", "reason is not valid "
		    "UTF-8" },
		{ "ok utf-8", STORE_DEFAULT_ZONE, "192.0.2.4",
		    "Spam an Postf\xc3\xa4" "cher", "trap", NULL },
	};
	struct store_listing	l;
	size_t			i;
	int64_t			id;

	memset(long_reason, 'x', sizeof(long_reason) - 1);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&l, 0, sizeof(l));
		l.zone = cases[i].zone;
		l.prefix = pfx(cases[i].prefix);
		l.reason = cases[i].reason;
		l.evidence = cases[i].evidence;
		id = store_add(f->s, &l, "test");
		if (cases[i].want_err == NULL && id <= 0)
			fail_msg("%s: got error '%s', want success",
			    cases[i].name, store_errmsg(f->s));
		if (cases[i].want_err != NULL && (id != -1 ||
		    strncmp(store_errmsg(f->s), cases[i].want_err,
		    strlen(cases[i].want_err)) != 0))
			fail_msg("%s: got id %lld '%s', want error '%s'",
			    cases[i].name, (long long)id,
			    id == -1 ? store_errmsg(f->s) : "",
			    cases[i].want_err);
	}
	/* Refused adds changed nothing. */
	if (sql_int(f->path, "SELECT count(*) FROM listing") != 3)
		fail_msg("rows: got %lld, want 3",
		    (long long)sql_int(f->path, "SELECT count(*) FROM listing"));
	if (sql_int(f->path, "SELECT count(*) FROM audit WHERE action = 'add'")
	    != 3)
		fail_msg("audit rows: got %lld, want 3", (long long)sql_int(
		    f->path, "SELECT count(*) FROM audit WHERE action='add'"));
}

struct seen {
	char	items[16][96];
	int	n;
};

static int
collect(const struct store_listing *l, void *arg)
{
	struct seen	*sn = arg;
	char		 net[ADDR_TEXT_MAX];

	if (sn->n < 16)
		snprintf(sn->items[sn->n++], sizeof(sn->items[0]), "%s %s%s%s",
		    l->zone, addr_format(&l->prefix, net, sizeof(net)),
		    l->removed_at != 0 ? " removed" : "",
		    l->exclude ? " exclude" : "");
	return 0;
}

static void
want_seen(const char *name, const struct seen *got, const char *const *want,
    int nwant)
{
	int	i;

	if (got->n != nwant)
		fail_msg("%s: got %d listings, want %d (first: '%s')", name,
		    got->n, nwant, got->n > 0 ? got->items[0] : "");
	for (i = 0; i < nwant; i++)
		if (strcmp(got->items[i], want[i]) != 0)
			fail_msg("%s: [%d] got '%s', want '%s'", name, i,
			    got->items[i], want[i]);
}

/*
 * Issue 9: an IPv4-mapped prefix is stored as IPv4, and a row an older
 * fairlist wrote as IPv6 (family 6) is found and shown as IPv4.
 */
static void
test_mapped_is_v4(void **state)
{
	struct fx		*f = *state;
	struct store_listing	 l;
	struct seen		 sn;
	struct addr_prefix	 a = pfx("192.0.2.50"), b = pfx("192.0.2.51");
	static const char *const want_a[] = { "bl.fairlist.test 192.0.2.50" };
	static const char *const want_b[] = { "bl.fairlist.test 192.0.2.51" };

	memset(&l, 0, sizeof(l));
	l.zone = STORE_DEFAULT_ZONE;
	l.prefix = a;
	l.prefix.family = 6;	/* as "::ffff:192.0.2.50" once parsed */
	l.reason = "mapped";
	assert_true(store_add(f->s, &l, "test") > 0);
	assert_int_equal(l.prefix.family, 4);
	if (sql_int(f->path, "SELECT family FROM listing WHERE id = 1") != 4)
		fail_msg("stored family: got %lld, want 4", (long long)sql_int(
		    f->path, "SELECT family FROM listing WHERE id = 1"));
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_foreach_covering(f->s, a.a, 1, collect, &sn),
	    0);
	want_seen("mapped", &sn, want_a, 1);

	assert_true(add(f->s, STORE_DEFAULT_ZONE, "192.0.2.51", "old", 0) > 0);
	assert_true(add(f->s, STORE_DEFAULT_ZONE, "::/0", "all v6", 0) > 0);
	sql_int(f->path, "UPDATE listing SET family = 6 WHERE reason = 'old'");
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_foreach_covering(f->s, b.a, 1, collect, &sn),
	    0);
	want_seen("old family-6 row", &sn, want_b, 1);
}

static int
count_listing(const struct store_listing *l, void *arg)
{
	(void)l;
	(*(int *)arg)++;
	return 0;
}

static int
count_stat(const struct store_stat *t, void *arg)
{
	struct seen	*sn = arg;

	if (sn->n < 16)
		snprintf(sn->items[sn->n++], sizeof(sn->items[0]),
		    "%s %s %lld %lld %lld", t->zone, t->source,
		    (long long)t->listings, (long long)t->ranges,
		    (long long)t->expiring);
	return 0;
}

static int
count_audit(const struct store_audit_row *a, void *arg)
{
	struct seen	*sn = arg;

	if (sn->n < 16)
		snprintf(sn->items[sn->n++], sizeof(sn->items[0]), "%s",
		    a->action);
	return 0;
}

/* Issue 9, item 11: the queries and changes behind list, update, zone
 * remove, audit and stats. */
static void
test_admin_queries(void **state)
{
	struct fx		*f = *state;
	struct store_filter	 flt;
	struct seen		 sn;
	struct addr_prefix	 p = pfx("192.0.2.0/24");
	int64_t			 now = (int64_t)time(NULL), closed;
	int			 n;
	static const char *const want_stats[] = {
		"bl.example.org test 1 0 0",
		"bl.fairlist.test test 2 1 1",
	};

	assert_int_equal(store_zone_put(f->s, "bl.example.org", 0, NULL,
	    NULL, "test"), 0);
	assert_true(add(f->s, STORE_DEFAULT_ZONE, "192.0.2.1", "spam", 0) > 0);
	assert_true(add(f->s, STORE_DEFAULT_ZONE, "192.0.2.0/24", "Snowshoe",
	    now + 3600) > 0);
	assert_true(add(f->s, "bl.example.org", "192.0.2.1", "other", 0) > 0);
	memset(&flt, 0, sizeof(flt));
	n = 0;
	assert_int_equal(store_foreach_listing(f->s, &flt, count_listing, &n),
	    0);
	assert_int_equal(n, 3);
	flt.reason = "snowSHOE";
	n = 0;
	assert_int_equal(store_foreach_listing(f->s, &flt, count_listing, &n),
	    0);
	assert_int_equal(n, 1);
	memset(&flt, 0, sizeof(flt));
	flt.prefix = &p;
	flt.expires_before = now + 7200;
	n = 0;
	assert_int_equal(store_foreach_listing(f->s, &flt, count_listing, &n),
	    0);
	assert_int_equal(n, 1);
	memset(&flt, 0, sizeof(flt));
	flt.limit = 1;
	flt.offset = 2;
	n = 0;
	assert_int_equal(store_foreach_listing(f->s, &flt, count_listing, &n),
	    0);
	assert_int_equal(n, 1);

	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_foreach_stat(f->s, now, count_stat, &sn), 0);
	want_seen("stats", &sn, want_stats, 2);

	/* update: a change, then the same change again (nothing). */
	assert_int_equal(store_update(f->s, 1, "spam t7", NULL, now + 60,
	    "test"), 1);
	assert_int_equal(store_update(f->s, 1, "spam t7", NULL, STORE_KEEP,
	    "test"), 0);
	assert_int_equal(store_update(f->s, 1, " ", NULL, STORE_KEEP,
	    "test"), -1);
	assert_int_equal(store_update(f->s, 99, "x", NULL, STORE_KEEP,
	    "test"), -1);
	if (sql_int(f->path, "SELECT count(*) FROM history WHERE action = "
	    "'update' AND why LIKE 'reason was: spam; expires never -> %'")
	    != 1)
		fail_msg("update history row missing");

	/* zone remove: refused with listings in force, then forced. */
	assert_int_equal(store_zone_remove(f->s, "bl.example.org", 0, "test",
	    &closed), -1);
	assert_int_equal(strncmp(store_errmsg(f->s), "zone bl.example.org has "
	    "1 listing in force", 38), 0);
	assert_int_equal(store_zone_remove(f->s, "bl.example.org", 1, "test",
	    &closed), 0);
	assert_int_equal(closed, 1);
	assert_int_equal(store_zone_exists(f->s, "bl.example.org"), 0);
	assert_true(add(f->s, "bl.example.org", "192.0.2.1", "x", 0) == -1);
	/* Added again: its serial goes on from the removed zone's. */
	sql_int(f->path, "UPDATE zone SET serial = 4000000000 WHERE name LIKE "
	    "'removed:%:bl.example.org'");
	assert_int_equal(store_zone_put(f->s, "bl.example.org", 0, NULL, NULL,
	    "test"), 0);
	if (sql_int(f->path, "SELECT serial FROM zone WHERE name = "
	    "'bl.example.org'") != 4000000001LL)
		fail_msg("serial after re-add: got %lld, want 4000000001",
		    (long long)sql_int(f->path, "SELECT serial FROM zone "
		    "WHERE name = 'bl.example.org'"));
	assert_true(add(f->s, "bl.example.org", "192.0.2.1", "new", 0) > 0);

	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_foreach_audit(f->s, 0, 2, count_audit, &sn), 0);
	{
		static const char *const want[] = { "zone-add", "add" };

		want_seen("audit newest 2", &sn, want, 2);
	}
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_foreach_audit(f->s, now + 3600, 0, count_audit,
	    &sn), 0);
	assert_int_equal(sn.n, 0);
}

/* Issue 9: codes receivers read as errors are refused. */
static void
test_codes(void **state)
{
	static const struct {
		uint32_t	code;
		int		ok;
	} cases[] = {
		{ 0x7f000002, 1 }, { 0x7f0000ff, 1 }, { 0x7ffffeff, 1 },
		{ 0x7f000000, 0 }, { 0x7f000001, 0 }, { 0x7fffff00, 0 },
		{ 0x7ffffffe, 0 }, { 0x7fffffff, 0 }, { 0x0a000002, 0 },
		{ 0x80000002, 0 },
	};
	struct fx		*f = *state;
	struct store_listing	 l;
	char			 zone[32];
	size_t			 i;
	int64_t			 id;
	int			 rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&l, 0, sizeof(l));
		l.zone = STORE_DEFAULT_ZONE;
		l.prefix = pfx("192.0.2.1");
		l.prefix.a[15] = (uint8_t)i;
		l.reason = "r";
		l.code = cases[i].code;
		id = store_add(f->s, &l, "test");
		snprintf(zone, sizeof(zone), "z%zu.test", i);
		rc = store_zone_put(f->s, zone, cases[i].code, NULL, NULL,
		    "test");
		if (store_code_ok(cases[i].code) != cases[i].ok ||
		    (id > 0) != cases[i].ok || (rc == 0) != cases[i].ok)
			fail_msg("code %08x: got ok %d, add %lld, zone %d, "
			    "want %s", cases[i].code,
			    store_code_ok(cases[i].code), (long long)id, rc,
			    cases[i].ok ? "accepted" : "refused");
		if (!cases[i].ok && strncmp(store_errmsg(f->s), "code ", 5))
			fail_msg("code %08x: message '%s'", cases[i].code,
			    store_errmsg(f->s));
	}
}

static void
test_expired_duplicate(void **state)
{
	struct fx		*f = *state;
	struct seen		 sn;
	struct addr_prefix	 p = pfx("198.51.100.7");
	int64_t			 old, id;
	static const char *const want[] = {
		"bl.fairlist.test 198.51.100.7",
		"bl.fairlist.test 198.51.100.7 removed",
	};

	old = add(f->s, STORE_DEFAULT_ZONE, "198.51.100.7", "old",
	    (int64_t)time(NULL) - 10);
	assert_true(old > 0);
	/* Expired: not in force, not a duplicate. */
	memset(&sn, 0, sizeof(sn));
	store_foreach_covering(f->s, p.a, 0, collect, &sn);
	want_seen("in force before re-add", &sn, NULL, 0);
	id = add(f->s, STORE_DEFAULT_ZONE, "198.51.100.7", "new", 0);
	if (id <= 0)
		fail_msg("re-add after expiry: got '%s', want success",
		    store_errmsg(f->s));
	memset(&sn, 0, sizeof(sn));
	store_foreach_covering(f->s, p.a, 1, collect, &sn);
	want_seen("all after re-add", &sn, want, 2);
	if (sql_int(f->path, "SELECT count(*) FROM history WHERE action = "
	    "'expire'") != 1)
		fail_msg("expire events: got %lld, want 1", (long long)sql_int(
		    f->path, "SELECT count(*) FROM history WHERE "
		    "action='expire'"));
	/* Not expired: a duplicate again. */
	if (add(f->s, STORE_DEFAULT_ZONE, "198.51.100.7", "x", 0) != -1)
		fail_msg("third add: got success, want duplicate error");
}

static void
test_covering_order(void **state)
{
	struct fx		*f = *state;
	struct seen		 sn;
	struct addr_prefix	 a = pfx("10.1.2.3"), p;
	int			 n;
	static const char *const want_open[] = {
		"bl.fairlist.test 10.1.2.3",
		"bl.example.org 10.1.2.0/24",
		"bl.fairlist.test 10.1.2.0/24",
		"bl.fairlist.test 10.1.0.0/16",
		"bl.fairlist.test 10.0.0.0/8 exclude",
	};
	static const char *const want_all[] = {
		"bl.fairlist.test 10.1.2.3",
		"bl.example.org 10.1.2.0/24",
		"bl.fairlist.test 10.1.2.0/24",
		"bl.fairlist.test 10.1.2.0/23 removed",
		"bl.fairlist.test 10.1.0.0/16",
		"bl.fairlist.test 10.0.0.0/8 exclude",
	};
	struct store_listing	 l;

	assert_int_equal(store_zone_put(f->s, "bl.example.org", 0, NULL,
	    NULL, "test"), 0);
	assert_true(add(f->s, STORE_DEFAULT_ZONE, "10.1.0.0/16", "b", 0) > 0);
	assert_true(add(f->s, STORE_DEFAULT_ZONE, "10.1.2.3", "a", 0) > 0);
	assert_true(add(f->s, STORE_DEFAULT_ZONE, "10.1.2.0/24", "c", 0) > 0);
	assert_true(add(f->s, "bl.example.org", "10.1.2.0/24", "d", 0) > 0);
	assert_true(add(f->s, STORE_DEFAULT_ZONE, "10.1.2.0/23", "e", 0) > 0);
	assert_true(add(f->s, STORE_DEFAULT_ZONE, "10.9.0.0/16", "other",
	    0) > 0);
	assert_true(add(f->s, STORE_DEFAULT_ZONE, "2001:db8::/32", "v6",
	    0) > 0);
	memset(&l, 0, sizeof(l));
	l.zone = STORE_DEFAULT_ZONE;
	l.prefix = pfx("10.0.0.0/8");
	l.exclude = 1;
	l.reason = "ours";
	assert_true(store_add(f->s, &l, "test") > 0);
	p = pfx("10.1.2.0/23");
	assert_int_equal(store_remove(f->s, NULL, &p, "test", "mistake", &n),
	    0);
	assert_int_equal(n, 1);
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_foreach_covering(f->s, a.a, 0, collect, &sn),
	    0);
	want_seen("open", &sn, want_open, 5);
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_foreach_covering(f->s, a.a, 1, collect, &sn),
	    0);
	want_seen("all", &sn, want_all, 6);
}

struct evs {
	char	items[8][128];
	int	n;
};

static int
collect_ev(const struct store_event *e, void *arg)
{
	struct evs	*ev = arg;

	if (ev->n < 8)
		snprintf(ev->items[ev->n++], sizeof(ev->items[0]), "%s %s %s",
		    e->action, e->actor, e->why != NULL ? e->why : "-");
	return 0;
}

static void
test_history_and_audit(void **state)
{
	struct fx		*f = *state;
	struct evs		 ev;
	struct addr_prefix	 p = pfx("203.0.113.9");
	int64_t			 id, audit0;
	int			 n, i;
	static const char *const want[] = {
		"add test:unit spam run",
		"remove test:other request 12",
	};

	audit0 = sql_int(f->path, "SELECT count(*) FROM audit");
	id = add(f->s, STORE_DEFAULT_ZONE, "203.0.113.9", "spam run", 0);
	assert_true(id > 0);
	assert_int_equal(store_remove(f->s, STORE_DEFAULT_ZONE, &p,
	    "test:other", "request 12", &n), 0);
	assert_int_equal(n, 1);
	/* Nothing left to remove: success, count 0. */
	assert_int_equal(store_remove(f->s, STORE_DEFAULT_ZONE, &p,
	    "test:other", "again", &n), 0);
	assert_int_equal(n, 0);
	/* A removal needs a why. */
	assert_int_equal(store_remove(f->s, NULL, &p, "x", "", &n), -1);
	memset(&ev, 0, sizeof(ev));
	assert_int_equal(store_foreach_event(f->s, id, collect_ev, &ev), 0);
	if (ev.n != 2)
		fail_msg("events: got %d, want 2", ev.n);
	for (i = 0; i < 2; i++)
		if (strcmp(ev.items[i], want[i]) != 0)
			fail_msg("event %d: got '%s', want '%s'", i,
			    ev.items[i], want[i]);
	if (sql_int(f->path, "SELECT count(*) FROM audit") != audit0 + 2)
		fail_msg("audit rows: got %lld, want %lld", (long long)sql_int(
		    f->path, "SELECT count(*) FROM audit"),
		    (long long)audit0 + 2);
	assert_int_equal(store_audit(f->s, "test", "import", "10 rows"), 0);
	if (sql_int(f->path, "SELECT count(*) FROM audit WHERE action = "
	    "'import'") != 1)
		fail_msg("store_audit row missing");
}

static void
test_data_version(void **state)
{
	struct fx	*f = *state;
	struct store	*other;
	char		 err[STORE_ERR_MAX];
	int64_t		 v1, v2, v3;

	assert_int_equal(store_data_version(f->s, &v1), 0);
	assert_int_equal(store_data_version(f->s, &v2), 0);
	if (v1 != v2)
		fail_msg("idle: got %lld then %lld, want no change",
		    (long long)v1, (long long)v2);
	if ((other = store_open(f->path, 0, err)) == NULL)
		fail_msg("second connection: %s", err);
	assert_true(add(other, STORE_DEFAULT_ZONE, "192.0.2.44", "x", 0) > 0);
	store_close(other);
	assert_int_equal(store_data_version(f->s, &v3), 0);
	if (v3 == v2)
		fail_msg("after another commit: got %lld, want a change",
		    (long long)v3);
}

static int
count_cb(const struct store_listing *l, void *arg)
{
	(void)l;
	(*(int *)arg)++;
	return 0;
}

struct zseq {
	char	last[64];
	int	changes;
	int	bad;
};

static int
zone_order_cb(const struct store_listing *l, void *arg)
{
	struct zseq	*z = arg;

	if (strcmp(z->last, l->zone) != 0) {
		z->changes++;
		snprintf(z->last, sizeof(z->last), "%s", l->zone);
	}
	if (l->reason == NULL || l->prefix.family == 0)
		z->bad++;
	return 0;
}

static void
test_foreach_active(void **state)
{
	struct fx		*f = *state;
	struct addr_prefix	 p = pfx("192.0.2.2");
	struct zseq		 z;
	int			 n = 0, removed, i;
	int64_t			 now = (int64_t)time(NULL);
	char			 a[32];

	assert_int_equal(store_zone_put(f->s, "a.test", 0, NULL, NULL, "t"),
	    0);
	/* Interleave zones so that grouping is really tested. */
	for (i = 0; i < 20; i++) {
		snprintf(a, sizeof(a), "192.0.2.%d", i);
		assert_true(add(f->s, i % 2 ? "a.test" : STORE_DEFAULT_ZONE,
		    a, "r", 0) > 0);
	}
	assert_true(add(f->s, STORE_DEFAULT_ZONE, "198.51.100.0/24", "gone",
	    now - 1) > 0);
	assert_true(add(f->s, STORE_DEFAULT_ZONE, "198.51.100.1", "later",
	    now + 3600) > 0);
	assert_int_equal(store_remove(f->s, NULL, &p, "t", "x", &removed), 0);
	assert_int_equal(store_foreach_active(f->s, now, count_cb, &n), 0);
	if (n != 20)
		fail_msg("active: got %d, want 20", n);
	memset(&z, 0, sizeof(z));
	assert_int_equal(store_foreach_active(f->s, now, zone_order_cb, &z),
	    0);
	if (z.changes != 2 || z.bad != 0)
		fail_msg("grouping: got %d zone changes, %d bad rows, want 2 "
		    "and 0", z.changes, z.bad);
	if (store_next_expiry(f->s, now) != now + 3600)
		fail_msg("next expiry: got %lld, want %lld",
		    (long long)store_next_expiry(f->s, now),
		    (long long)now + 3600);
	/* After the hour, that listing is no longer in force. */
	n = 0;
	assert_int_equal(store_foreach_active(f->s, now + 3601, count_cb, &n),
	    0);
	if (n != 19)
		fail_msg("active later: got %d, want 19", n);
}

static void
test_many_zones_grouped(void **state)
{
	struct fx	*f = *state;
	struct zseq	 z;
	char		 zone[32], a[32];
	int		 i, n = 0;

	for (i = 0; i < 6; i++) {
		snprintf(zone, sizeof(zone), "z%d.test", i);
		assert_int_equal(store_zone_put(f->s, zone, 0, NULL, NULL,
		    "t"), 0);
	}
	for (i = 0; i < 60; i++) {
		snprintf(zone, sizeof(zone), "z%d.test", i % 6);
		snprintf(a, sizeof(a), "10.0.0.%d", i);
		assert_true(add(f->s, zone, a, "r", 0) > 0);
	}
	memset(&z, 0, sizeof(z));
	assert_int_equal(store_foreach_active(f->s, (int64_t)time(NULL),
	    zone_order_cb, &z), 0);
	assert_int_equal(store_foreach_active(f->s, (int64_t)time(NULL),
	    count_cb, &n), 0);
	if (z.changes != 6 || n != 60)
		fail_msg("6 zones: got %d groups of %d rows, want 6 and 60",
		    z.changes, n);
}

struct zser {
	const char	*name;
	int64_t		 serial;
	uint32_t	 code;
};

static int
serial_cb(const struct store_zone *z, void *arg)
{
	struct zser	*zs = arg;

	if (strcmp(z->name, zs->name) == 0) {
		zs->serial = z->serial;
		zs->code = z->code;
	}
	return 0;
}

static int64_t
serial_of(struct store *s, const char *name, uint32_t *code)
{
	struct zser	zs = { name, -1, 0 };

	assert_int_equal(store_zone_foreach(s, serial_cb, &zs), 0);
	if (code != NULL)
		*code = zs.code;
	return zs.serial;
}

static void
test_zone_put_and_serial(void **state)
{
	struct fx	*f = *state;
	int64_t		 s0, s1, s2, s3;
	uint32_t	 code;
	struct {
		const char	*name;
		int		 want;
	} names[] = {
		{ "bl.example.org", 0 },
		{ "BL.example.org", -1 },
		{ "bl.example.org.", -1 },
		{ "bl..example.org", -1 },
		{ "", -1 },
		{ "bl example.org", -1 },
	};
	size_t		 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (store_zone_put(f->s, names[i].name, 0, NULL, NULL, "t") !=
		    names[i].want)
			fail_msg("zone name '%s': got %d, want %d",
			    names[i].name, -names[i].want - 1, names[i].want);
	assert_int_equal(store_zone_put(f->s, "t.test", 0, "a\nb", NULL, "t"),
	    -1);
	s0 = serial_of(f->s, STORE_DEFAULT_ZONE, NULL);
	assert_true(add(f->s, STORE_DEFAULT_ZONE, "192.0.2.1", "r", 0) > 0);
	s1 = serial_of(f->s, STORE_DEFAULT_ZONE, NULL);
	if (s1 <= s0)
		fail_msg("serial after add: got %lld, want > %lld",
		    (long long)s1, (long long)s0);
	/* Unchanged zone: no write, same serial. */
	assert_int_equal(store_zone_put(f->s, STORE_DEFAULT_ZONE, 0,
	    STORE_DEFAULT_TXT, NULL, "t"), 0);
	s2 = serial_of(f->s, STORE_DEFAULT_ZONE, NULL);
	if (s2 != s1)
		fail_msg("serial after no-op put: got %lld, want %lld",
		    (long long)s2, (long long)s1);
	assert_int_equal(store_zone_put(f->s, STORE_DEFAULT_ZONE, 0x7f00000a,
	    NULL, NULL, "t"), 0);
	s3 = serial_of(f->s, STORE_DEFAULT_ZONE, &code);
	if (s3 <= s2 || code != 0x7f00000a)
		fail_msg("after code change: got serial %lld code %08x, want "
		    "> %lld and 7f00000a", (long long)s3, code, (long long)s2);
}

static void
test_bulk(void **state)
{
	struct fx	*f = *state;
	char		 a[32];
	int		 i, n = 0;
	int64_t		 s0, s1;

	s0 = serial_of(f->s, STORE_DEFAULT_ZONE, NULL);
	assert_int_equal(store_begin(f->s), 0);
	for (i = 0; i < 1000; i++) {
		snprintf(a, sizeof(a), "10.0.%d.%d", i / 256, i % 256);
		assert_true(add(f->s, STORE_DEFAULT_ZONE, a, "bulk", 0) > 0);
	}
	/* A refused add inside the batch leaves the batch intact. */
	if (add(f->s, STORE_DEFAULT_ZONE, "10.0.0.1", "dup", 0) != -1 ||
	    strstr(store_errmsg(f->s), "already listed") == NULL)
		fail_msg("duplicate in batch: got '%s', want already listed",
		    store_errmsg(f->s));
	assert_int_equal(store_commit(f->s), 0);
	s1 = serial_of(f->s, STORE_DEFAULT_ZONE, NULL);
	if (s1 <= s0)
		fail_msg("serial after batch: got %lld, want > %lld",
		    (long long)s1, (long long)s0);
	assert_int_equal(store_foreach_active(f->s, (int64_t)time(NULL),
	    count_cb, &n), 0);
	if (n != 1000)
		fail_msg("after commit: got %d rows, want 1000", n);
	/* Rollback: nothing of the batch remains. */
	assert_int_equal(store_begin(f->s), 0);
	assert_true(add(f->s, STORE_DEFAULT_ZONE, "10.9.9.9", "x", 0) > 0);
	assert_int_equal(store_rollback(f->s), 0);
	n = 0;
	assert_int_equal(store_foreach_active(f->s, (int64_t)time(NULL),
	    count_cb, &n), 0);
	if (n != 1000)
		fail_msg("after rollback: got %d rows, want 1000", n);
	if (sql_int(f->path, "SELECT open FROM zone WHERE "
	    "name = 'bl.fairlist.test'") != 1000)
		fail_msg("zone.open: got %lld, want 1000", (long long)sql_int(
		    f->path, "SELECT open FROM zone WHERE "
		    "name='bl.fairlist.test'"));
}


static int64_t
index_count(const char *path)
{
	return sql_int(path, "SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'index' AND name = 'listing_active'");
}

/*
 * A batch larger than the store drops listing_active after
 * STORE_REINDEX_MIN adds and builds it again at commit: duplicates, expired duplicates and
 * removals inside the batch must behave exactly as with the index.
 */
static void
test_big_batch(void **state)
{
	struct fx		*f = *state;
	struct addr_prefix	 p;
	struct seen		 sn;
	char			 a[32], msg[128];
	const int		 nb = STORE_REINDEX_MIN + 10000;
	int			 i, n = 0, removed;
	int64_t			 id5, now = (int64_t)time(NULL), old;
	static const char *const want[] = {
		"bl.fairlist.test 10.0.0.9",
		"bl.fairlist.test 10.0.0.9 removed",
	};

	old = add(f->s, STORE_DEFAULT_ZONE, "10.0.0.9", "expired", now - 5);
	assert_true(old > 0);
	assert_true(add(f->s, STORE_DEFAULT_ZONE, "10.0.0.5", "before", 0) > 0);
	assert_int_equal(store_begin(f->s), 0);
	for (i = 0; i < nb; i++) {
		if (i == 5 || i == 9)
			continue;
		snprintf(a, sizeof(a), "10.%d.%d.%d", i >> 16, (i >> 8) & 255,
		    i & 255);
		if (add(f->s, STORE_DEFAULT_ZONE, a, "bulk", 0) <= 0)
			fail_msg("bulk add %s: %s", a, store_errmsg(f->s));
	}
	if (!store_batch_unindexed(f->s))
		fail_msg("listing_active still in use after %d adds", nb);
	if (index_count(f->path) != 1)
		fail_msg("index visible to others mid-batch: got %lld, want 1",
		    (long long)index_count(f->path));
	/* Duplicates after the switch: one from before, one from the batch. */
	id5 = sql_int(f->path, "SELECT id FROM listing WHERE reason = "
	    "'before'");
	if (add(f->s, STORE_DEFAULT_ZONE, "10.0.0.5", "dup", 0) != -1)
		fail_msg("duplicate of an old listing: got success");
	snprintf(msg, sizeof(msg), "already listed: 10.0.0.5 in "
	    "bl.fairlist.test (id %lld)", (long long)id5);
	if (strcmp(store_errmsg(f->s), msg) != 0)
		fail_msg("got '%s', want '%s'", store_errmsg(f->s), msg);
	if (add(f->s, STORE_DEFAULT_ZONE, "10.0.100.1", "dup", 0) != -1 ||
	    strncmp(store_errmsg(f->s), "already listed: 10.0.100.1", 26) != 0)
		fail_msg("duplicate within the batch: got '%s'",
		    store_errmsg(f->s));
	/* The expired one is closed and replaced. */
	if (add(f->s, STORE_DEFAULT_ZONE, "10.0.0.9", "fresh", 0) <= 0)
		fail_msg("re-add of expired: %s", store_errmsg(f->s));
	/* A removal inside the batch, then the prefix may be added again. */
	p = pfx("10.0.1.1");
	assert_int_equal(store_remove(f->s, NULL, &p, "t", "why", &removed),
	    0);
	if (removed != 1)
		fail_msg("remove in batch: got %d, want 1", removed);
	if (add(f->s, STORE_DEFAULT_ZONE, "10.0.1.1", "again", 0) <= 0)
		fail_msg("re-add after remove in batch: %s",
		    store_errmsg(f->s));
	assert_int_equal(store_commit(f->s), 0);
	if (index_count(f->path) != 1)
		fail_msg("index after commit: got %lld, want 1",
		    (long long)index_count(f->path));
	assert_int_equal(store_foreach_active(f->s, now, count_cb, &n), 0);
	if (n != nb)
		fail_msg("active after commit: got %d, want %d", n, nb);
	if (sql_int(f->path, "SELECT open FROM zone WHERE name = "
	    "'bl.fairlist.test'") != nb)
		fail_msg("zone.open: got %lld, want %d", (long long)sql_int(
		    f->path,
		    "SELECT open FROM zone WHERE name = 'bl.fairlist.test'"), nb);
	memset(&sn, 0, sizeof(sn));
	p = pfx("10.0.0.9");
	assert_int_equal(store_foreach_covering(f->s, p.a, 1, collect, &sn),
	    0);
	want_seen("expired closed in batch", &sn, want, 2);
	/* The rebuilt index still refuses duplicates. */
	if (add(f->s, STORE_DEFAULT_ZONE, "10.0.50.50", "x", 0) != -1)
		fail_msg("duplicate after commit: got success");
	/* A rolled-back big batch leaves the index and the rows as they were. */
	assert_int_equal(store_begin(f->s), 0);
	for (i = 0; i < 2 * nb; i++) {
		snprintf(a, sizeof(a), "11.%d.%d.%d", i >> 16, (i >> 8) & 255,
		    i & 255);
		assert_true(add(f->s, STORE_DEFAULT_ZONE, a, "r", 0) > 0);
	}
	if (!store_batch_unindexed(f->s))
		fail_msg("listing_active still in use after %d adds", 2 * nb);
	assert_int_equal(store_rollback(f->s), 0);
	if (index_count(f->path) != 1)
		fail_msg("index after rollback: got %lld, want 1",
		    (long long)index_count(f->path));
	n = 0;
	assert_int_equal(store_foreach_active(f->s, now, count_cb, &n), 0);
	if (n != nb)
		fail_msg("active after rollback: got %d, want %d", n, nb);
}

static void
test_rdonly(void **state)
{
	struct fx	*f = *state;
	struct store	*r;
	char		 err[STORE_ERR_MAX];

	assert_true(add(f->s, STORE_DEFAULT_ZONE, "192.0.2.1", "r", 0) > 0);
	if ((r = store_open(f->path, STORE_RDONLY, err)) == NULL)
		fail_msg("read-only open: %s", err);
	if (add(r, STORE_DEFAULT_ZONE, "192.0.2.2", "r", 0) != -1)
		fail_msg("add on read-only store: got success, want error");
	store_close(r);
}

/*
 * Issue 9: a writer leaves -wal and -shm behind for readers that may not
 * create them; a read-only open of a missing store creates nothing.
 */
static void
test_rdonly_files(void **state)
{
	struct fx	*f = *state;
	struct store	*r;
	char		 err[STORE_ERR_MAX], path[192], want[256];

	assert_true(add(f->s, STORE_DEFAULT_ZONE, "192.0.2.1", "r", 0) > 0);
	store_close(f->s);
	f->s = NULL;
	snprintf(path, sizeof(path), "%s-wal", f->path);
	if (access(path, F_OK) != 0)
		fail_msg("%s: gone after close, want kept", path);
	snprintf(path, sizeof(path), "%s-shm", f->path);
	if (access(path, F_OK) != 0)
		fail_msg("%s: gone after close, want kept", path);
	snprintf(path, sizeof(path), "%s/typo.db", f->dir);
	if ((r = store_open(path, STORE_RDONLY, err)) != NULL)
		fail_msg("read-only open of a missing store: got success");
	snprintf(want, sizeof(want), "%s: no such store (a read-only open "
	    "creates none)", path);
	assert_string_equal(err, want);
	if (access(path, F_OK) == 0)
		fail_msg("%s: created by a read-only open", path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_store, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_migrate_empty_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_a_database, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_add_validation, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_mapped_is_v4, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_codes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_admin_queries, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_expired_duplicate, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_covering_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_history_and_audit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_data_version, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_foreach_active, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_many_zones_grouped, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_zone_put_and_serial,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_bulk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_batch, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rdonly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rdonly_files, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
