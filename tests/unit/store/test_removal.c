/*
 * test_removal.c: unit tests for removal requests, removal policies and
 * the cooldown (src/store/removal.c), and the schema 2 migration.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/addr.h"
#include "core/buf.h"
#include "store/removal.h"
#include "store/store.h"
#include "fx.h"

#define Z	STORE_DEFAULT_ZONE
#define DAY	86400

static int64_t
add_src(struct store *s, const char *zone, const char *prefix,
    const char *source, int64_t ttl)
{
	struct store_listing	l;
	int64_t			id;

	memset(&l, 0, sizeof(l));
	l.zone = zone;
	l.prefix = pfx(prefix);
	l.reason = "spam trap hit";
	l.source = source;
	l.listed_at = time(NULL);
	l.expires_at = ttl != 0 ? l.listed_at + ttl : 0;
	id = store_add(s, &l, "test:unit");
	if (id <= 0)
		fail_msg("add %s: %s", prefix, store_errmsg(s));
	return id;
}

static int64_t
add_excl(struct store *s, const char *prefix)
{
	struct store_listing	l;

	memset(&l, 0, sizeof(l));
	l.zone = Z;
	l.prefix = pfx(prefix);
	l.reason = "not this one";
	l.source = "cli";
	l.exclude = 1;
	return store_add(s, &l, "test:unit");
}

/* Open listings of zone covering address text. */
static int
count_cb(const struct store_listing *l, void *arg)
{
	struct { const char *zone; int n; } *c = arg;

	if (c->zone == NULL || strcmp(c->zone, l->zone) == 0)
		c->n++;
	return 0;
}

static int
open_listings(struct store *s, const char *zone, const char *addr)
{
	struct { const char *zone; int n; } c = { zone, 0 };
	struct addr_prefix	p = pfx(addr);

	assert_int_equal(store_foreach_covering(s, p.a, 0, count_cb, &c), 0);
	return c.n;
}

static int64_t
ask(struct store *s, const char *addr, const char *zone,
    struct store_request_made *m)
{
	struct addr_prefix	p = pfx(addr);

	return store_request_create(s, &p, zone, "198.51.100.7",
	    "please", "web:198.51.100.7", m);
}

/* A request and its history, copied out of the callbacks. */
struct got {
	struct store_request	r;
	char			ref[STORE_REF_LEN + 1];
	char			zone[256];
	char			events[1024];
	char			why[512];
};

static int
got_req(const struct store_request *r, void *arg)
{
	struct got	*g = arg;

	g->r = *r;
	snprintf(g->ref, sizeof(g->ref), "%s", r->ref);
	snprintf(g->zone, sizeof(g->zone), "%s", r->zone);
	g->r.ref = g->ref;
	g->r.zone = g->zone;
	g->r.requester = g->r.note = g->r.actor = g->r.why = NULL;
	return 0;
}

static int
got_ev(const struct store_request_event *e, void *arg)
{
	struct got	*g = arg;
	size_t		 n = strlen(g->events);

	snprintf(g->events + n, sizeof(g->events) - n, "%s%s", n > 0 ? "," :
	    "", e->action);
	if (strcmp(e->action, "refused") == 0 || strcmp(e->action,
	    "review") == 0 || strcmp(e->action, "self-service") == 0)
		snprintf(g->why, sizeof(g->why), "%s", e->why);
	return 0;
}

static int
get(struct store *s, const char *key, int public, struct got *g)
{
	memset(g, 0, sizeof(*g));
	return store_request_get(s, key, public, got_req, got_ev, g);
}

/* The why of the newest history event of listing id named action. */
struct evq {
	const char	*action;
	char		 why[512];
};

static int
ev_cb(const struct store_event *e, void *arg)
{
	struct evq	*q = arg;

	if (strcmp(e->action, q->action) == 0)
		snprintf(q->why, sizeof(q->why), "%s", e->why != NULL ? e->why :
		    "");
	return 0;
}

static const char *
event_why(struct store *s, int64_t id, const char *action, struct evq *q)
{
	q->action = action;
	q->why[0] = '\0';
	assert_int_equal(store_foreach_event(s, id, ev_cb, q), 0);
	return q->why;
}

static void
test_policy_table(void **state)
{
	static const struct {
		const char		*name;
		const char		*source;
		enum store_removal	 want;
	} defaults[] = {
		{ "trap is automatic", "trap", STORE_REMOVAL_SELF },
		{ "auto is automatic", "auto", STORE_REMOVAL_SELF },
		{ "cli is manual", "cli", STORE_REMOVAL_REVIEW },
		{ "admin is manual", "admin", STORE_REMOVAL_REVIEW },
		{ "an import is manual", "import:x.txt", STORE_REMOVAL_REVIEW },
		{ "no source is manual", "", STORE_REMOVAL_REVIEW },
		{ "trapx is not trap", "trapx", STORE_REMOVAL_REVIEW },
	}, ruled[] = {
		{ "exact beats prefix", "import:a", STORE_REMOVAL_SELF },
		{ "prefix", "import:b", STORE_REMOVAL_NONE },
		{ "star for the rest", "cli", STORE_REMOVAL_REVIEW },
		{ "star over a default", "trap", STORE_REMOVAL_REVIEW },
		{ "exact over star", "auto", STORE_REMOVAL_SELF },
	};
	static const struct store_removal_rule rules[] = {
		{ "import:*", STORE_REMOVAL_NONE },
		{ "import:a", STORE_REMOVAL_SELF },
		{ "*", STORE_REMOVAL_REVIEW },
		{ "auto", STORE_REMOVAL_SELF },
	};
	struct fx		*f = *state;
	enum store_removal	 p;
	size_t			 i;

	for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		assert_int_equal(store_removal_policy(f->s, Z,
		    defaults[i].source, &p), 0);
		if (p != defaults[i].want)
			fail_msg("%s: got %s, want %s", defaults[i].name,
			    store_removal_name(p),
			    store_removal_name(defaults[i].want));
	}
	assert_int_equal(store_zone_set_removal(f->s, Z, rules, 4,
	    STORE_COOLDOWN_WINDOW, STORE_COOLDOWN_MAX, "test"), 0);
	for (i = 0; i < sizeof(ruled) / sizeof(ruled[0]); i++) {
		assert_int_equal(store_removal_policy(f->s, Z,
		    ruled[i].source, &p), 0);
		if (p != ruled[i].want)
			fail_msg("%s: got %s, want %s", ruled[i].name,
			    store_removal_name(p),
			    store_removal_name(ruled[i].want));
	}
}

static void
test_policy_set(void **state)
{
	static const struct store_removal_rule bad[] = {
		{ "a b", STORE_REMOVAL_SELF },
		{ "im*port", STORE_REMOVAL_SELF },
		{ "", STORE_REMOVAL_SELF },
		{ "cli", (enum store_removal)9 },
	};
	struct store_removal_rule ok = { "cli", STORE_REMOVAL_SELF };
	struct fx	*f = *state;
	int64_t		 n0, n1;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (store_zone_set_removal(f->s, Z, &bad[i], 1, DAY, 2,
		    "test") != -1)
			fail_msg("rule '%s' accepted, want refused",
			    bad[i].source);
	assert_int_equal(store_zone_set_removal(f->s, Z, &ok, 1, 0, 2,
	    "test"), -1);
	assert_int_equal(store_zone_set_removal(f->s, "no.such", &ok, 1, DAY,
	    2, "test"), -1);
	assert_non_null(strstr(store_errmsg(f->s), "unknown zone"));
	assert_int_equal(store_zone_set_removal(f->s, Z, &ok, 1, DAY, 2,
	    "test"), 0);
	n0 = sql_int(f->path, "SELECT count(*) FROM audit WHERE action ="
	    " 'zone-removal'");
	assert_int_equal(n0, 1);
	/* The same setting again writes nothing. */
	assert_int_equal(store_zone_set_removal(f->s, Z, &ok, 1, DAY, 2,
	    "test"), 0);
	n1 = sql_int(f->path, "SELECT count(*) FROM audit WHERE action ="
	    " 'zone-removal'");
	assert_int_equal(n1, 1);
}

static void
test_self_service(void **state)
{
	struct fx			*f = *state;
	struct store_request_made	 m;
	struct got			 g;
	struct evq			 q;
	int64_t				 lid, id;
	char				 want[128];

	lid = add_src(f->s, Z, "192.0.2.1", "trap", DAY);
	id = ask(f->s, "192.0.2.1", NULL, &m);
	if (id <= 0)
		fail_msg("create: got %lld (%s), want an id", (long long)id,
		    store_errmsg(f->s));
	assert_int_equal(m.state, STORE_REQ_DONE);
	assert_int_equal(m.removed, 1);
	assert_int_equal(m.pending, 0);
	assert_int_equal(strlen(m.ref), STORE_REF_LEN);
	assert_int_equal(strspn(m.ref, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijkl"
	    "mnopqrstuvwxyz0123456789-_"), STORE_REF_LEN);
	assert_int_equal(open_listings(f->s, Z, "192.0.2.1"), 0);
	snprintf(want, sizeof(want), "self-service removal by 198.51.100.7 "
	    "(request %s)", m.ref);
	if (strcmp(event_why(f->s, lid, "remove", &q), want) != 0)
		fail_msg("history why: got '%s', want '%s'", q.why, want);
	assert_int_equal(get(f->s, m.ref, 1, &g), 1);
	assert_int_equal(g.r.state, STORE_REQ_DONE);
	assert_string_equal(g.events, "create,self-service");
	assert_string_equal(g.zone, Z);
	assert_true(g.r.decided_at > 0);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM audit WHERE"
	    " action = 'removal-request' AND actor = 'web:198.51.100.7'"), 1);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM self_removal"),
	    1);
}

/*
 * No reference starts with '-' (the CLI would read it as an option): 300
 * requests, where the plain base64url of random bits gives one in 64.
 */
static void
test_ref_no_dash(void **state)
{
	struct fx			*f = *state;
	struct store_request_made	 m;
	char				 addr[32];
	int				 i, dash = 0;

	for (i = 0; i < 300; i++) {
		snprintf(addr, sizeof(addr), "192.0.%d.%d", 2 + i / 250,
		    1 + i % 250);
		add_src(f->s, Z, addr, "trap", DAY);
		assert_true(ask(f->s, addr, NULL, &m) > 0);
		assert_int_equal(strlen(m.ref), STORE_REF_LEN);
		dash += m.ref[0] == '-';
	}
	assert_int_equal(dash, 0);
}

static void
test_review_approve(void **state)
{
	struct fx			*f = *state;
	struct store_request_made	 m, m2;
	struct got			 g;
	char				 key[32];
	int64_t				 id;

	add_src(f->s, Z, "192.0.2.2", "cli", 0);
	id = ask(f->s, "192.0.2.2", Z, &m);
	assert_true(id > 0);
	assert_int_equal(m.state, STORE_REQ_OPEN);
	assert_int_equal(m.pending, 1);
	assert_int_equal(open_listings(f->s, Z, "192.0.2.2"), 1);
	/* Asking again returns the open request. */
	assert_int_equal(ask(f->s, "192.0.2.2", NULL, &m2), id);
	assert_int_equal(m2.existing, 1);
	assert_string_equal(m2.ref, m.ref);
	/* The public lookup takes the reference only. */
	snprintf(key, sizeof(key), "%lld", (long long)id);
	assert_int_equal(get(f->s, key, 1, &g), 0);
	assert_int_equal(get(f->s, key, 0, &g), 1);
	assert_string_equal(g.ref, m.ref);
	assert_int_equal(store_request_decide(f->s, key, 1, "checked",
	    "cli:root"), 1);
	assert_int_equal(open_listings(f->s, Z, "192.0.2.2"), 0);
	assert_int_equal(get(f->s, m.ref, 1, &g), 1);
	assert_int_equal(g.r.state, STORE_REQ_APPROVED);
	assert_string_equal(g.events, "create,review,remove,approve");
	/* Twice: refused, and so is a denial now. */
	assert_int_equal(store_request_decide(f->s, key, 1, NULL, "cli:root"),
	    -1);
	assert_non_null(strstr(store_errmsg(f->s), "approved already"));
	assert_int_equal(store_request_decide(f->s, m.ref, 0, "no",
	    "cli:root"), -1);
	assert_int_equal(store_request_decide(f->s, "999", 1, NULL,
	    "cli:root"), -1);
	assert_non_null(strstr(store_errmsg(f->s), "no removal request"));
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM audit WHERE"
	    " action = 'removal-approve' AND actor = 'cli:root'"), 1);
}

static void
test_deny(void **state)
{
	struct fx			*f = *state;
	struct store_request_made	 m;
	struct got			 g;

	add_src(f->s, Z, "192.0.2.3", "import:list.txt", 0);
	assert_true(ask(f->s, "192.0.2.3", NULL, &m) > 0);
	assert_int_equal(m.state, STORE_REQ_OPEN);
	assert_int_equal(store_request_decide(f->s, m.ref, 0, NULL, "cli:x"),
	    -1);
	assert_non_null(strstr(store_errmsg(f->s), "reason"));
	assert_int_equal(store_request_decide(f->s, m.ref, 0, "still spam",
	    "cli:x"), 0);
	assert_int_equal(open_listings(f->s, Z, "192.0.2.3"), 1);
	assert_int_equal(get(f->s, m.ref, 1, &g), 1);
	assert_int_equal(g.r.state, STORE_REQ_DENIED);
	assert_string_equal(g.events, "create,review,deny");
}

static void
test_range_and_none(void **state)
{
	struct fx			*f = *state;
	struct store_request_made	 m;
	struct got			 g;
	struct store_removal_rule	 none = { "trap", STORE_REMOVAL_NONE };

	/* A trap range is reviewed: one address does not delist others. */
	add_src(f->s, Z, "192.0.2.0/24", "trap", DAY);
	assert_true(ask(f->s, "192.0.2.9", NULL, &m) > 0);
	assert_int_equal(m.state, STORE_REQ_OPEN);
	assert_int_equal(m.pending, 1);
	assert_int_equal(open_listings(f->s, Z, "192.0.2.9"), 1);
	assert_int_equal(store_zone_put(f->s, "b.test", 0, NULL, NULL, "t"),
	    0);
	assert_int_equal(store_zone_set_removal(f->s, "b.test", &none, 1,
	    DAY, 2, "t"), 0);
	add_src(f->s, "b.test", "198.51.100.1", "trap", DAY);
	assert_true(ask(f->s, "198.51.100.1", "b.test", &m) > 0);
	assert_int_equal(m.state, STORE_REQ_REFUSED);
	assert_int_equal(m.refused, 1);
	assert_int_equal(open_listings(f->s, "b.test", "198.51.100.1"), 1);
	assert_int_equal(get(f->s, m.ref, 1, &g), 1);
	assert_int_equal(g.r.state, STORE_REQ_REFUSED);
	assert_non_null(strstr(g.why, "takes no removal requests"));
}

static void
test_unlisted_ambiguous(void **state)
{
	struct fx			*f = *state;
	struct store_request_made	 m;
	int64_t				 rc;

	rc = ask(f->s, "203.0.113.1", NULL, &m);
	if (rc != STORE_UNLISTED)
		fail_msg("unlisted: got %lld, want STORE_UNLISTED",
		    (long long)rc);
	assert_non_null(strstr(store_errmsg(f->s), "not listed"));
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM request"), 0);
	assert_int_equal(ask(f->s, "203.0.113.1", "no.such", &m), -1);
	assert_non_null(strstr(store_errmsg(f->s), "unknown zone"));
	/* An exclusion inside a listed range: not listed. */
	add_src(f->s, Z, "203.0.113.0/24", "trap", DAY);
	assert_true(add_excl(f->s, "203.0.113.5") > 0);
	assert_int_equal(ask(f->s, "203.0.113.5", NULL, &m), STORE_UNLISTED);
	/* Listed in two zones: which one must be said. */
	assert_int_equal(store_zone_put(f->s, "b.test", 0, NULL, NULL, "t"),
	    0);
	add_src(f->s, "b.test", "203.0.113.1", "trap", DAY);
	assert_int_equal(ask(f->s, "203.0.113.1", NULL, &m), STORE_AMBIGUOUS);
	assert_non_null(strstr(store_errmsg(f->s), "b.test"));
	assert_true(ask(f->s, "203.0.113.1", "b.test", &m) > 0);
	assert_int_equal(m.state, STORE_REQ_DONE);
	assert_int_equal(open_listings(f->s, Z, "203.0.113.1"), 1);
	/* Not an address, bad text. */
	{
		struct addr_prefix	p = pfx("203.0.113.0/24");

		assert_int_equal(store_request_create(f->s, &p, NULL, "x",
		    NULL, "t", &m), -1);
		p = pfx("203.0.113.7");
		assert_int_equal(store_request_create(f->s, &p, NULL,
		    "a\nb", NULL, "t", &m), -1);
		assert_int_equal(store_request_create(f->s, &p, NULL, "",
		    NULL, "t", &m), -1);
	}
}

static int
count_req(const struct store_request *r, void *arg)
{
	(void)r;
	(*(int *)arg)++;
	return 0;
}

static void
test_list_and_counts(void **state)
{
	struct fx			*f = *state;
	struct store_request_made	 m;
	struct store_request_filter	 flt;
	struct addr_prefix		 a = pfx("192.0.2.21");
	int64_t				 n[STORE_REQ_REFUSED + 1];
	int				 c;

	add_src(f->s, Z, "192.0.2.20", "trap", DAY);
	add_src(f->s, Z, "192.0.2.21", "cli", DAY);
	add_src(f->s, Z, "192.0.2.22", "cli", DAY);
	assert_true(ask(f->s, "192.0.2.20", NULL, &m) > 0);
	assert_true(ask(f->s, "192.0.2.21", NULL, &m) > 0);
	assert_true(ask(f->s, "192.0.2.22", NULL, &m) > 0);
	memset(&flt, 0, sizeof(flt));
	c = 0;
	assert_int_equal(store_foreach_request(f->s, &flt, count_req, &c), 0);
	assert_int_equal(c, 3);
	flt.state = STORE_REQ_OPEN;
	c = 0;
	assert_int_equal(store_foreach_request(f->s, &flt, count_req, &c), 0);
	assert_int_equal(c, 2);
	flt.addr = &a;
	c = 0;
	assert_int_equal(store_foreach_request(f->s, &flt, count_req, &c), 0);
	assert_int_equal(c, 1);
	assert_int_equal(store_request_counts(f->s, n), 0);
	assert_int_equal(n[STORE_REQ_OPEN], 2);
	assert_int_equal(n[STORE_REQ_DONE], 1);
	assert_int_equal(n[STORE_REQ_DENIED], 0);
}

/* Self-remove addr (listed from trap for ttl) and list it again. */
static int64_t
relist(struct store *s, const char *addr, int64_t ttl,
    struct store_listing *out)
{
	struct store_request_made	m;
	int64_t				id;

	add_src(s, Z, addr, "trap", ttl);
	assert_true(ask(s, addr, NULL, &m) > 0);
	assert_int_equal(m.state, STORE_REQ_DONE);
	memset(out, 0, sizeof(*out));
	out->zone = Z;
	out->prefix = pfx(addr);
	out->reason = "back again";
	out->source = "trap";
	out->listed_at = time(NULL);
	out->expires_at = out->listed_at + ttl;
	id = store_add(s, out, "test:unit");
	assert_true(id > 0);
	return id;
}

static void
test_cooldown(void **state)
{
	struct fx		*f = *state;
	struct store_listing	 l;
	struct store_cooldown	 c;
	struct store_request_made m;
	struct addr_prefix	 p = pfx("192.0.2.30");
	struct evq		 q;
	int64_t			 id;

	assert_int_equal(store_cooldown(f->s, Z, &p, 0, &c), 0);
	assert_int_equal(c.count, 0);
	assert_int_equal(c.multiplier, 1);
	assert_int_equal(c.window, STORE_COOLDOWN_WINDOW);
	/* Once removed: the next listing lasts twice as long. */
	id = relist(f->s, "192.0.2.30", DAY, &l);
	assert_int_equal(l.expires_at - l.listed_at, 2 * DAY);
	if (strstr(event_why(f->s, id, "cooldown", &q), "listed for 2 days "
	    "instead of 1 day: self-removed 1 time since ") == NULL)
		fail_msg("cooldown why: got '%s'", q.why);
	/* Twice: four times. */
	assert_true(ask(f->s, "192.0.2.30", NULL, &m) > 0);
	memset(&l, 0, sizeof(l));
	l.zone = Z;
	l.prefix = p;
	l.reason = "and again";
	l.source = "cli";
	l.listed_at = time(NULL);
	l.expires_at = l.listed_at + DAY;
	/* In a batch too. */
	assert_int_equal(store_begin(f->s), 0);
	id = store_add(f->s, &l, "test:unit");
	assert_true(id > 0);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(l.expires_at - l.listed_at, 4 * DAY);
	assert_int_equal(store_cooldown(f->s, Z, &p, 0, &c), 0);
	assert_int_equal(c.count, 2);
	assert_int_equal(c.multiplier, 4);
	assert_true(c.since > 0);
	/* Past the window nothing counts. */
	assert_int_equal(store_cooldown(f->s, Z, &p, time(NULL) +
	    STORE_COOLDOWN_WINDOW + 10, &c), 0);
	assert_int_equal(c.count, 0);
	assert_int_equal(c.multiplier, 1);
	/* The cap. */
	{
		struct store_removal_rule	r = { "x", STORE_REMOVAL_REVIEW };

		assert_int_equal(store_zone_set_removal(f->s, Z, &r, 1,
		    STORE_COOLDOWN_WINDOW, 3, "t"), 0);
		assert_int_equal(store_cooldown(f->s, Z, &p, 0, &c), 0);
		assert_int_equal(c.multiplier, 3);
	}
	/* Another address is not cooled down. */
	id = add_src(f->s, Z, "192.0.2.31", "trap", DAY);
	assert_int_equal(sql_int(f->path, "SELECT expires_at - listed_at FROM"
	    " listing WHERE id = (SELECT max(id) FROM listing)"), DAY);
}

/* A version 1 store (the v2 tables and columns taken out) migrates. */
static void
test_migrate_v1(void **state)
{
	struct fx		*f = *state;
	struct store_request_made m;
	char			 err[STORE_ERR_MAX];

	add_src(f->s, Z, "192.0.2.40", "trap", DAY);
	store_close(f->s);
	f->s = NULL;
	assert_int_equal(sql_int(f->path, "DROP TABLE request"), -1);
	assert_int_equal(sql_int(f->path, "DROP TABLE request_event"), -1);
	assert_int_equal(sql_int(f->path, "DROP TABLE self_removal"), -1);
	assert_int_equal(sql_int(f->path, "DROP TABLE token"), -1);
	assert_int_equal(sql_int(f->path, "DROP TABLE watch_state"), -1);
	assert_int_equal(sql_int(f->path, "DROP TABLE watch_event"), -1);
	/* Schema 6's zone_version and its triggers: older files had none. */
	assert_int_equal(sql_int(f->path, "DROP TRIGGER zone_version_new"), -1);
	assert_int_equal(sql_int(f->path, "DROP TRIGGER zone_version_bump"),
	    -1);
	assert_int_equal(sql_int(f->path, "DROP TABLE zone_version"), -1);
	assert_int_equal(sql_int(f->path, "DROP TABLE confirm_sent"), -1);
	assert_int_equal(sql_int(f->path, "ALTER TABLE zone DROP COLUMN"
	    " removal"), -1);
	assert_int_equal(sql_int(f->path, "ALTER TABLE zone DROP COLUMN"
	    " cooldown_window"), -1);
	assert_int_equal(sql_int(f->path, "ALTER TABLE zone DROP COLUMN"
	    " cooldown_max"), -1);
	/* Schema 5's table and triggers too: a version 1 file had none. */
	assert_int_equal(sql_int(f->path, "DROP TRIGGER plen_count_add"), -1);
	assert_int_equal(sql_int(f->path, "DROP TRIGGER plen_count_del"), -1);
	assert_int_equal(sql_int(f->path, "DROP TRIGGER plen_count_move"),
	    -1);
	assert_int_equal(sql_int(f->path, "DROP TABLE plen_count"), -1);
	assert_int_equal(sql_int(f->path, "PRAGMA user_version = 1"), -1);
	f->s = store_open(f->path, 0, err);
	if (f->s == NULL)
		fail_msg("reopen v1: %s", err);
	assert_int_equal(sql_int(f->path, "PRAGMA user_version"),
	    STORE_SCHEMA_VERSION);
	assert_true(ask(f->s, "192.0.2.40", NULL, &m) > 0);
	assert_int_equal(m.state, STORE_REQ_DONE);
}

/* store_read_begin: one snapshot, nested, and no writes inside. */
static void
test_read_tx(void **state)
{
	struct fx		*f = *state;
	struct store		*w;
	struct store_listing	 l;
	char			 err[STORE_ERR_MAX];

	w = store_open(f->path, 0, err);
	assert_non_null(w);
	add_src(f->s, Z, "192.0.2.50", "cli", 0);
	assert_int_equal(store_read_begin(f->s), 0);
	assert_int_equal(store_read_begin(f->s), 0);
	assert_int_equal(open_listings(f->s, Z, "192.0.2.51"), 0);
	add_src(w, Z, "192.0.2.51", "cli", 0);
	store_read_end(f->s);
	/* Still inside the outer one: the other writer's add is not seen. */
	assert_int_equal(open_listings(f->s, Z, "192.0.2.51"), 0);
	memset(&l, 0, sizeof(l));
	l.zone = Z;
	l.prefix = pfx("192.0.2.52");
	l.reason = "x";
	assert_int_equal(store_add(f->s, &l, "t"), -1);
	assert_non_null(strstr(store_errmsg(f->s), "store_read_begin"));
	store_read_end(f->s);
	assert_int_equal(open_listings(f->s, Z, "192.0.2.51"), 1);
	assert_true(store_add(f->s, &l, "t") > 0);
	store_read_end(f->s);	/* unbalanced: nothing happens */
	store_close(w);
}

/* store_metrics: the exact gauges, import files folded into "import". */
static void
test_store_metrics(void **state)
{
	struct fx			*f = *state;
	struct store_request_made	 m;
	struct sbuf			 b;

	add_src(f->s, Z, "192.0.2.60", "import:a.txt", 0);
	add_src(f->s, Z, "192.0.2.61", "import:b.txt", 0);
	add_src(f->s, Z, "192.0.2.62", "trap", DAY);
	add_src(f->s, Z, "192.0.2.63", "cli", DAY);
	assert_true(ask(f->s, "192.0.2.62", NULL, &m) > 0);
	assert_true(ask(f->s, "192.0.2.63", NULL, &m) > 0);
	sbuf_init(&b);
	assert_int_equal(store_metrics(f->s, &b), 0);
	assert_string_equal(b.s,
	    "# HELP fairlist_listings Listings in force, by zone and source "
	    "(import:FILE as import).\n"
	    "# TYPE fairlist_listings gauge\n"
	    "fairlist_listings{zone=\"" Z "\",source=\"cli\"} 1\n"
	    "fairlist_listings{zone=\"" Z "\",source=\"import\"} 2\n"
	    "# HELP fairlist_removal_requests Removal requests, by state.\n"
	    "# TYPE fairlist_removal_requests gauge\n"
	    "fairlist_removal_requests{state=\"open\"} 1\n"
	    "fairlist_removal_requests{state=\"approved\"} 0\n"
	    "fairlist_removal_requests{state=\"denied\"} 0\n"
	    "fairlist_removal_requests{state=\"done\"} 1\n"
	    "fairlist_removal_requests{state=\"refused\"} 0\n");
	sbuf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_policy_table, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_policy_set, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_self_service, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ref_no_dash, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_review_approve, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_deny, setup, teardown),
		cmocka_unit_test_setup_teardown(test_range_and_none, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unlisted_ambiguous, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_list_and_counts, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cooldown, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_migrate_v1, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_read_tx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_metrics, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
