/*
 * test_list.c: the trap receiver's listing decision (src/traps/list.c)
 * over a fresh store, and its configuration block (src/traps/tconf.c):
 *   - spam goes to zone, backscatter to backscatter-zone only, both with
 *     source "trap" and the evidence fields;
 *   - an address listed already gets nothing new;
 *   - each relisting doubles the expiry, capped at max-expiry; listings
 *     older than forget are not counted;
 *   - a range is listed only once range-min distinct addresses of it
 *     were trap-listed within range-window, into range-zone alone, with
 *     its reason saying so; backscatter never escalates; IPv6 by /64;
 *   - the traps { } block: defaults, every refusal.
 */
#include "../store/fx.h"

#include <time.h>

#include "core/conf.h"
#include "core/str.h"
#include "traps/traps.h"

static struct traps_conf	tc;
static char			d0[] = "trap.example.org";
static char			z_spam[] = "bl.test", z_bs[] = "bs.test",
				z_range[] = "ranges.test";

static void
conf_init(void)
{
	memset(&tc, 0, sizeof(tc));
	tc.domains[0] = d0;
	tc.ndomains = 1;
	tc.zone = z_spam;
	tc.backscatter_zone = z_bs;
	tc.range_zone = z_range;
	tc.first_expiry = TRAPS_FIRST_EXPIRY;
	tc.max_expiry = TRAPS_MAX_EXPIRY;
	tc.forget = TRAPS_FORGET;
	tc.range_min = 3;
	tc.range_window = TRAPS_RANGE_WINDOW;
	tc.range_v4 = 24;
	tc.range_v6 = 64;
}

/*
 * The store closes an expired listing by the clock (a new add of its
 * prefix), so the hits are dated in the past, at a midnight.
 */
static int64_t
t0(void)
{
	return ((int64_t)time(NULL) / 86400 - 100) * 86400;
}

static int
lsetup(void **state)
{
	struct fx	*f;

	setup(state);
	f = *state;
	assert_int_equal(store_zone_put(f->s, z_spam, 0, NULL, NULL, "t"), 0);
	assert_int_equal(store_zone_put(f->s, z_bs, 0, NULL, NULL, "t"), 0);
	assert_int_equal(store_zone_put(f->s, z_range, 0, NULL, NULL, "t"),
	    0);
	conf_init();
	return 0;
}

/* One hit from addr at time at, of class cls; returns the outcome. */
static void
hit(struct fx *f, const char *addr, int64_t at, enum traps_class cls,
    struct traps_outcome *o)
{
	struct traps_verdict	v;
	struct traps_hit	h;
	const char		*e;
	char			err[STORE_ERR_MAX];

	memset(&v, 0, sizeof(v));
	v.cls = cls;
	v.rule = cls == TRAPS_SPAM ? "no-backscatter-sign" : "null-sender";
	strcpy(v.msgid, "<m1@x>");
	memset(&h, 0, sizeof(h));
	h.at = at;
	assert_int_equal(addr_parse(addr, &h.peer, &e), 0);
	h.trap = "t\xff@trap.example.org";	/* 8-bit: escaped */
	h.msgid = v.msgid;
	traps_sha256_hex("abc", 3, h.sha256);
	h.v = &v;
	if (traps_list(f->s, &tc, &h, o, err, sizeof(err)) != 0)
		fail_msg("traps_list: %s", err);
}

struct got {
	int			n;
	struct {
		char		zone[64], reason[512], evidence[1024];
		char		source[16], prefix[ADDR_TEXT_MAX];
		int64_t		listed_at, expires_at;
	}			l[8];
};

static int
collect(const struct store_listing *l, void *arg)
{
	struct got	*g = arg;

	if (g->n >= 8)
		return 1;
	snprintf(g->l[g->n].zone, 64, "%s", l->zone);
	snprintf(g->l[g->n].reason, 512, "%s", l->reason);
	snprintf(g->l[g->n].evidence, 1024, "%s", l->evidence);
	snprintf(g->l[g->n].source, 16, "%s", l->source);
	addr_format(&l->prefix, g->l[g->n].prefix, ADDR_TEXT_MAX);
	g->l[g->n].listed_at = l->listed_at;
	g->l[g->n].expires_at = l->expires_at;
	g->n++;
	return 0;
}

/* Listings in force at now in zone (NULL: all). */
static void
listings(struct fx *f, const char *zone, int64_t now, struct got *g)
{
	struct store_filter	flt;

	memset(g, 0, sizeof(*g));
	memset(&flt, 0, sizeof(flt));
	flt.zone = zone;
	flt.now = now;
	assert_true(store_foreach_listing(f->s, &flt, collect, g) >= 0);
}

static void
test_zones(void **state)
{
	struct fx		*f = *state;
	struct traps_outcome	 o;
	struct got		 g;
	char			 at[64], when[32];
	int64_t			 t = t0();

	hit(f, "192.0.2.1", t, TRAPS_SPAM, &o);
	assert_string_equal(o.zone, z_spam);
	assert_true(o.id > 0);
	assert_int_equal(o.expires_at, t + 86400);
	hit(f, "192.0.2.2", t, TRAPS_BACKSCATTER, &o);
	assert_string_equal(o.zone, z_bs);
	listings(f, z_spam, t, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.l[0].prefix, "192.0.2.1");
	assert_string_equal(g.l[0].source, "trap");
	assert_non_null(strstr(g.l[0].reason, "spam trap hit"));
	snprintf(at, sizeof(at), "at=%s ", str_isotime(when, sizeof(when),
	    t));
	assert_non_null(strstr(g.l[0].evidence, at));
	assert_non_null(strstr(g.l[0].evidence,
	    "trap=t\\xff@trap.example.org"));
	assert_non_null(strstr(g.l[0].evidence, "message-id=<m1@x>"));
	assert_non_null(strstr(g.l[0].evidence, "sha256=ba7816bf8f01cfea41"
	    "4140de5dae2223b00361a396177a9cb410ff61f20015ad"));
	assert_non_null(strstr(g.l[0].evidence,
	    "class=spam rule=no-backscatter-sign listing=1 expiry=1d"));
	listings(f, z_bs, t, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.l[0].prefix, "192.0.2.2");
	assert_non_null(strstr(g.l[0].reason, "backscatter"));
	assert_non_null(strstr(g.l[0].evidence, "class=backscatter"));
	/* Backscatter never reaches the spam zone, nor spam the other. */
	hit(f, "192.0.2.2", t + 1, TRAPS_BACKSCATTER, &o);
	assert_int_equal(o.already, 1);
	assert_int_equal(o.id, 0);
	listings(f, z_spam, t + 1, &g);
	assert_int_equal(g.n, 1);
	/* Listed already: nothing new. */
	hit(f, "192.0.2.1", t + 5, TRAPS_SPAM, &o);
	assert_int_equal(o.already, 1);
	listings(f, NULL, t + 5, &g);
	assert_int_equal(g.n, 2);
}

static void
test_relisting(void **state)
{
	struct fx		*f = *state;
	struct traps_outcome	 o;
	int64_t			 t = t0() - 200 * 86400, want = 86400;
	int			 i;

	tc.range_zone = NULL;
	/* Each time the listing has expired, the next one lasts twice as
	   long: 1, 2, 4, 8, 16 days, then the 30-day cap. */
	for (i = 0; i < 7; i++) {
		hit(f, "198.51.100.7", t, TRAPS_SPAM, &o);
		assert_int_equal(o.already, 0);
		assert_int_equal(o.relistings, i);
		assert_int_equal(o.expires_at - t, want);
		t = o.expires_at + 1;
		want = want * 2 > TRAPS_MAX_EXPIRY ? TRAPS_MAX_EXPIRY :
		    want * 2;
	}
	/* Past forget, the earlier listings are not counted. */
	tc.forget = 86400;
	t += 10 * 86400;
	hit(f, "198.51.100.7", t, TRAPS_SPAM, &o);
	assert_int_equal(o.relistings, 0);
	assert_int_equal(o.expires_at - t, 86400);
	/* The backscatter zone counts its own listings apart. */
	hit(f, "198.51.100.7", t, TRAPS_BACKSCATTER, &o);
	assert_int_equal(o.relistings, 0);

	assert_int_equal(traps_expiry(86400, 30 * 86400, 0), 86400);
	assert_int_equal(traps_expiry(86400, 30 * 86400, 1), 172800);
	assert_int_equal(traps_expiry(86400, 30 * 86400, 5), 30 * 86400);
	assert_int_equal(traps_expiry(86400, 30 * 86400, 1000), 30 * 86400);
	assert_int_equal(traps_expiry(INT64_MAX / 2 + 1, INT64_MAX, 3),
	    INT64_MAX);
}

static void
test_range(void **state)
{
	struct fx		*f = *state;
	struct traps_outcome	 o;
	struct got		 g;
	int64_t			 t = t0();
	int			 i;

	/* Backscatter from many addresses never escalates. */
	hit(f, "203.0.113.1", t, TRAPS_BACKSCATTER, &o);
	hit(f, "203.0.113.2", t, TRAPS_BACKSCATTER, &o);
	hit(f, "203.0.113.3", t, TRAPS_BACKSCATTER, &o);
	hit(f, "203.0.113.4", t, TRAPS_BACKSCATTER, &o);
	listings(f, z_range, t, &g);
	assert_int_equal(g.n, 0);
	/* Spam: an old hit outside the window does not count. */
	hit(f, "203.0.113.9", t - TRAPS_RANGE_WINDOW - 10, TRAPS_SPAM, &o);
	hit(f, "203.0.113.10", t, TRAPS_SPAM, &o);
	assert_int_equal(o.range_id, 0);
	assert_int_equal(o.range_count, 1);
	hit(f, "203.0.114.11", t, TRAPS_SPAM, &o);	/* another /24 */
	assert_int_equal(o.range_count, 1);
	hit(f, "203.0.113.11", t + 1, TRAPS_SPAM, &o);
	assert_int_equal(o.range_id, 0);
	assert_int_equal(o.range_count, 2);
	listings(f, z_range, t + 1, &g);
	assert_int_equal(g.n, 0);
	hit(f, "203.0.113.12", t + 2, TRAPS_SPAM, &o);
	assert_true(o.range_id > 0);
	assert_string_equal(o.range, "203.0.113.0/24");
	assert_int_equal(o.range_count, 3);
	listings(f, z_range, t + 2, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.l[0].prefix, "203.0.113.0/24");
	assert_string_equal(g.l[0].source, "trap");
	assert_non_null(strstr(g.l[0].reason, "range listing"));
	assert_non_null(strstr(g.l[0].reason, "3 addresses of "
	    "203.0.113.0/24 within 7d"));
	assert_non_null(strstr(g.l[0].evidence,
	    "203.0.113.10 203.0.113.11 203.0.113.12"));
	/* Never a range in the spam zone. */
	listings(f, z_spam, t + 2, &g);
	assert_int_equal(g.n, 4);	/* .9 expired; all single addresses */
	for (i = 0; i < g.n; i++)
		assert_null(strchr(g.l[i].prefix, '/'));
	/* Listed already: a fourth address adds no second range. */
	hit(f, "203.0.113.13", t + 3, TRAPS_SPAM, &o);
	assert_int_equal(o.range_id, 0);
	listings(f, z_range, t + 3, &g);
	assert_int_equal(g.n, 1);

	/* IPv6 by /64. */
	hit(f, "2001:db8:1:2::1", t, TRAPS_SPAM, &o);
	hit(f, "2001:db8:1:2::2", t, TRAPS_SPAM, &o);
	hit(f, "2001:db8:1:3::3", t, TRAPS_SPAM, &o);
	assert_int_equal(o.range_count, 1);
	hit(f, "2001:db8:1:2:ffff::4", t, TRAPS_SPAM, &o);
	assert_string_equal(o.range, "2001:db8:1:2::/64");
	assert_true(o.range_id > 0);

	/* No range-zone: no escalation at all. */
	tc.range_zone = NULL;
	hit(f, "192.0.2.1", t, TRAPS_SPAM, &o);
	hit(f, "192.0.2.2", t, TRAPS_SPAM, &o);
	hit(f, "192.0.2.3", t, TRAPS_SPAM, &o);
	assert_int_equal(o.range_id, 0);
	assert_string_equal(o.range, "");
}

/* A store that fails: -1 and its message, nothing half-done. */
static void
test_store_error(void **state)
{
	struct fx		*f = *state;
	struct traps_verdict	 v;
	struct traps_hit	 h;
	struct traps_outcome	 o;
	char			 err[STORE_ERR_MAX];
	const char		*e;

	memset(&v, 0, sizeof(v));
	v.rule = "x";
	memset(&h, 0, sizeof(h));
	h.at = t0();
	assert_int_equal(addr_parse("192.0.2.1", &h.peer, &e), 0);
	h.trap = "t@trap.example.org";
	h.msgid = "";
	h.v = &v;
	strcpy(h.sha256, "00");
	tc.zone = (char *)"nosuch.test";
	err[0] = '\0';
	assert_int_equal(traps_list(f->s, &tc, &h, &o, err, sizeof(err)), -1);
	assert_true(err[0] != '\0');
}

static int
read_block(const char *text, struct traps_conf *out, char *err,
    size_t errlen)
{
	struct conf	*cf;
	int		 r;

	cf = conf_parse(text, strlen(text), "t.conf", err, errlen);
	assert_non_null(cf);
	r = traps_conf_read(cf, conf_find(cf->root, "traps"), out, err,
	    errlen);
	conf_free(cf);
	return r;
}

static void
test_conf(void **state)
{
	static const struct {
		const char	*text;
		const char	*err;
	} bad[] = {
		{ "traps { zone a.test; backscatter-zone b.test }",
		  "no domain" },
		{ "traps { domain t.test; zone a.test }",
		  "both required" },
		{ "traps { domain t.test; zone a.test; backscatter-zone a.test }",
		  "different zones" },
		{ "traps { domain t.test; zone a.test; backscatter-zone b.test;"
		  " range-zone b.test }", "different zones" },
		{ "traps { domain t.test; zone A..test; backscatter-zone b.test }",
		  "not a zone name" },
		{ "traps { domain a..b; zone a.test; backscatter-zone b.test }",
		  "not a domain name" },
		{ "traps { domain t.test; zone a.test; backscatter-zone b.test;"
		  " zone c.test }", "given twice" },
		{ "traps { domain t.test; zone a.test; backscatter-zone b.test;"
		  " first-expiry 2d; max-expiry 1d }", "shorter" },
		{ "traps { domain t.test; zone a.test; backscatter-zone b.test;"
		  " range-min 1 }", "range-min" },
		{ "traps { domain t.test; zone a.test; backscatter-zone b.test;"
		  " range-v4 32 }", "range-v4" },
		{ "traps { domain t.test; zone a.test; backscatter-zone b.test;"
		  " message-size 10 }", "message-size" },
		{ "traps { domain t.test; zone a.test; backscatter-zone b.test;"
		  " idle-timeout 0 }", "idle-timeout" },
		{ "traps { domain t.test; zone a.test; backscatter-zone b.test;"
		  " hostname \"a b\" }", "hostname" },
		{ "traps { domain t.test; zone a.test; backscatter-zone b.test;"
		  " nosuch 1 }", "unknown key" },
	};
	struct traps_conf	c;
	char			err[512];
	size_t			i;

	(void)state;
	assert_int_equal(read_block("db x", &c, err, sizeof(err)), 0);
	assert_int_equal(c.nlisten, 0);
	traps_conf_free(&c);
	assert_int_equal(read_block("traps {\n domain Trap.Example.org. "
	    "t2.test\n zone BL.test.\n backscatter-zone bs.test\n"
	    " first-expiry 1h\n range-v6 48\n}\n", &c, err, sizeof(err)), 0);
	assert_int_equal(c.nlisten, 1);
	assert_string_equal(c.listen[0], "127.0.0.1:2525");
	assert_int_equal(c.ndomains, 2);
	assert_string_equal(c.domains[0], "trap.example.org");
	assert_string_equal(c.zone, "bl.test");
	assert_null(c.range_zone);
	assert_int_equal(c.first_expiry, 3600);
	assert_int_equal(c.max_expiry, TRAPS_MAX_EXPIRY);
	assert_int_equal(c.range_v6, 48);
	assert_int_equal(c.range_min, TRAPS_RANGE_MIN);
	assert_int_equal(c.msg_max, TRAPS_MSG_MAX);
	traps_conf_free(&c);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (read_block(bad[i].text, &c, err, sizeof(err)) != -1)
			fail_msg("accepted: %s", bad[i].text);
		if (strstr(err, bad[i].err) == NULL ||
		    strncmp(err, "t.conf:", 7) != 0)
			fail_msg("%s: error '%s', want '%s'", bad[i].text,
			    err, bad[i].err);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_zones, lsetup, teardown),
		cmocka_unit_test_setup_teardown(test_relisting, lsetup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_range, lsetup, teardown),
		cmocka_unit_test_setup_teardown(test_store_error, lsetup,
		    teardown),
		cmocka_unit_test(test_conf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
