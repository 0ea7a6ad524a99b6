/*
 * test_cache.c: the engine (policy/engine.c, cache.c, probe.c) on an
 * in-memory zone through the resolver seam (policy_engine_dns_hook): no
 * sockets, no DNS server. Checks the cache's seeded hash, thresholds and
 * weights, code filters, a TEMPFAIL and a malformed answer (not cached),
 * fail-open at the deadline, the health probes and the cache TTL. The
 * same logic against real servers is in test_engine.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>

#include <event2/event.h>

#include "core/xmalloc.h"
#include "dns/dns.h"
#include "policy/policy.h"
#include "policy/policy_int.h"

#include "engine_test.h"

#define ZONE_MAX	32
#define HELD_MAX	32

enum how { ANSWER, SERVFAIL, SILENT, MALFORMED };

/* One name of the zone: its A codes (none: NODATA), or another fate. */
struct rec {
	const char	*name;
	enum how	 how;
	uint32_t	 codes[4];
	int		 ncodes;
	uint32_t	 ttl;
};

struct held {
	void	(*cb)(void *, enum dns_resolver_status, const uint8_t *,
		    size_t);
	void	*arg;
};

static struct rec		 zone[ZONE_MAX];
static int			 nzone;
static struct held		 held[HELD_MAX];
static int			 nheld;
static int			 nqueries;

static void
rec_add(const char *name, enum how how, uint32_t code, uint32_t ttl)
{
	struct rec	*r;
	int		 i;

	for (i = 0; i < nzone; i++)
		if (strcmp(zone[i].name, name) == 0)
			break;
	if (i == nzone) {
		assert_true(nzone < ZONE_MAX);
		nzone++;
	}
	r = &zone[i];
	r->name = name;
	r->how = how;
	r->ttl = ttl;
	if (how == ANSWER && code != 0)
		r->codes[r->ncodes++] = code;
}

/* A response to (name, A) with r's codes, written by hand. */
static size_t
build(uint8_t *pkt, size_t cap, const char *name, const struct rec *r)
{
	size_t	n = DNS_HEADER_LEN, qlen;
	int	i;

	memset(pkt, 0, DNS_HEADER_LEN);
	pkt[2] = 0x81;
	pkt[3] = 0x80;
	pkt[5] = 1;
	pkt[7] = (uint8_t)r->ncodes;
	qlen = dns_name_from_text(name, pkt + n, cap - n);
	assert_true(qlen > 0);
	n += qlen;
	memcpy(pkt + n, "\x00\x01\x00\x01", 4);
	n += 4;
	for (i = 0; i < r->ncodes; i++) {
		assert_true(n + 16 <= cap);
		memcpy(pkt + n, "\xc0\x0c\x00\x01\x00\x01", 6);
		pkt[n + 6] = (uint8_t)(r->ttl >> 24);
		pkt[n + 7] = (uint8_t)(r->ttl >> 16);
		pkt[n + 8] = (uint8_t)(r->ttl >> 8);
		pkt[n + 9] = (uint8_t)r->ttl;
		pkt[n + 10] = 0;
		pkt[n + 11] = 4;
		pkt[n + 12] = (uint8_t)(r->codes[i] >> 24);
		pkt[n + 13] = (uint8_t)(r->codes[i] >> 16);
		pkt[n + 14] = (uint8_t)(r->codes[i] >> 8);
		pkt[n + 15] = (uint8_t)r->codes[i];
		n += 16;
	}
	if (r->how == MALFORMED)
		pkt[n - 5] = 40;	/* RDLENGTH past the end */
	return n;
}

static void
mem_query(void *ctx, const char *servers, const char *name, uint16_t type,
    void (*cb)(void *, enum dns_resolver_status, const uint8_t *, size_t),
    void *arg)
{
	uint8_t	pkt[512];
	int	i;

	(void)ctx;
	(void)servers;
	nqueries++;
	assert_int_equal(type, DNS_T_A);
	for (i = 0; i < nzone; i++)
		if (strcasecmp(zone[i].name, name) == 0)
			break;
	if (i == nzone) {
		cb(arg, DNS_RES_NXDOMAIN, NULL, 0);
		return;
	}
	switch (zone[i].how) {
	case SERVFAIL:
		cb(arg, DNS_RES_TEMPFAIL, NULL, 0);
		break;
	case SILENT:
		assert_true(nheld < HELD_MAX);
		held[nheld].cb = cb;
		held[nheld].arg = arg;
		nheld++;
		break;
	case ANSWER:
	case MALFORMED:
	default:
		if (zone[i].ncodes == 0 && zone[i].how == ANSWER) {
			cb(arg, DNS_RES_NODATA, NULL, 0);
			break;
		}
		cb(arg, DNS_RES_OK, pkt, build(pkt, sizeof(pkt), name,
		    &zone[i]));
		break;
	}
}

/* As c-ares does when freed: every held query gets TEMPFAIL. */
static void
mem_cancel(void *ctx)
{
	(void)ctx;
	while (nheld > 0) {
		nheld--;
		held[nheld].cb(held[nheld].arg, DNS_RES_TEMPFAIL, NULL, 0);
	}
}

static int
setup(void **state)
{
	struct policy_dns	d = { NULL, mem_query, mem_cancel };

	(void)state;
	base = event_base_new();
	assert_non_null(base);
	policy_engine_dns_hook(&d);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	policy_engine_dns_hook(NULL);
	event_base_free(base);
	return 0;
}

/* Each test starts with an empty zone. */
static int
reset(void **state)
{
	(void)state;
	memset(zone, 0, sizeof(zone));
	nzone = 0;
	nheld = 0;
	nqueries = 0;
	return 0;
}

/* Run the loop for ms, or until o ran (o may be NULL). */
static void
run_loop(struct outcome *o, int ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };
	struct event	*ev;
	int		 over = 0;

	ev = evtimer_new(base, guard, &over);
	evtimer_add(ev, &tv);
	while (!over && (o == NULL || o->ran == 0))
		event_base_loop(base, EVLOOP_ONCE);
	event_free(ev);
}

/* Judge ip; returns 1 if it finished inside policy_evaluate. */
static int
judge(struct policy_engine *e, const char *ip, struct outcome *o)
{
	struct policy_query	 q;
	struct policy_eval	*ev;

	query_of(&q, ip, NULL);
	memset(o, 0, sizeof(*o));
	if ((ev = policy_evaluate(e, NULL, &q, done, o)) == NULL) {
		assert_int_equal(o->ran, 1);
		return 1;
	}
	run_loop(o, 20000);
	if (o->ran != 1)
		fail_msg("%s: the evaluation never finished", ip);
	return 0;
}

/*
 * The bucket of a key depends on the engine's secret seed, so peers
 * cannot pick HELO names that share one chain. (With the unseeded FNV-1a
 * the engine had, every key kept its bucket under any seed.)
 */
static void
test_seed_buckets(void **state)
{
	struct policy_conf	 pc;
	struct policy_engine	*e;
	char			 key[64];
	uint32_t		 h1[64];
	int			 i, moved = 0, n;

	(void)state;
	conf_sites(&pc, NULL);
	e = engine(&pc);
	e->seed = 1;
	for (i = 0; i < 64; i++) {
		n = snprintf(key, sizeof(key), "192.0.2.1\nhelo%d.example", i);
		h1[i] = policy_cache_hash(e, CE_SPF, NULL, key, (size_t)n) &
		    (CACHE_BUCKETS - 1);
	}
	e->seed = 2;
	for (i = 0; i < 64; i++) {
		n = snprintf(key, sizeof(key), "192.0.2.1\nhelo%d.example", i);
		if ((policy_cache_hash(e, CE_SPF, NULL, key, (size_t)n) &
		    (CACHE_BUCKETS - 1)) != h1[i])
			moved++;
	}
	/* 64 keys in 65,536 buckets: all but a chance few move. */
	if (moved < 60)
		fail_msg("got %d of 64 keys in a new bucket, want >= 60",
		    moved);
	engine_done(e, &pc);
}

static void
test_threshold_weights(void **state)
{
	static const char *const sites[] = {
		"bl.test*2", "w2.test", "bl.test=127.0.0.3*3", NULL
	};
	struct policy_conf	 pc;
	struct policy_engine	*e;
	struct outcome		 o;

	(void)state;
	rec_add("1.2.0.192.bl.test", ANSWER, 0x7f000002, 300);
	rec_add("1.2.0.192.w2.test", ANSWER, 0x7f000002, 300);
	rec_add("2.2.0.192.bl.test", ANSWER, 0x7f000002, 300);
	rec_add("3.2.0.192.bl.test", ANSWER, 0x7f000003, 300);
	rec_add("4.2.0.192.w2.test", ANSWER, 0, 300);	/* NODATA */
	conf_sites(&pc, sites);
	e = engine(&pc);

	/* 2 + 1 reaches 3; the filtered site does not match 127.0.0.2. */
	judge(e, "192.0.2.1", &o);
	assert_int_equal(o.f.lists[0].state, POLICY_LIST_LISTED);
	assert_int_equal(o.f.lists[1].state, POLICY_LIST_LISTED);
	assert_int_equal(o.f.lists[2].state, POLICY_LIST_CLEAN);
	assert_int_equal(o.v.score, 3);
	assert_string_equal(o.v.rule, "dnsbl");
	assert_int_equal(o.v.action, POLICY_REJECT);
	/* One query per distinct (zone, resolver): bl.test is asked once. */
	assert_int_equal(nqueries, 2);

	/* Weight 2 alone stays below 3. */
	judge(e, "192.0.2.2", &o);
	assert_int_equal(o.v.score, 2);
	assert_string_equal(o.v.rule, "pass");

	/* 127.0.0.3: both bl.test sites, 2 + 3. */
	judge(e, "192.0.2.3", &o);
	assert_int_equal(o.f.lists[0].state, POLICY_LIST_LISTED);
	assert_int_equal(o.f.lists[2].state, POLICY_LIST_LISTED);
	assert_int_equal(o.v.score, 5);

	/* NXDOMAIN and NODATA are clean. */
	judge(e, "192.0.2.4", &o);
	assert_int_equal(o.f.lists[0].state, POLICY_LIST_CLEAN);
	assert_int_equal(o.f.lists[1].state, POLICY_LIST_CLEAN);
	assert_string_equal(o.v.rule, "pass");
	engine_done(e, &pc);
}

/* A TEMPFAIL or an answer that does not parse: not cached, fail-open. */
static void
test_tempfail_malformed(void **state)
{
	static const char *const sites[] = { "bl.test*3", NULL };
	struct policy_conf	 pc;
	struct policy_engine	*e;
	struct outcome		 o;

	(void)state;
	rec_add("1.2.0.192.bl.test", SERVFAIL, 0, 0);
	rec_add("2.2.0.192.bl.test", MALFORMED, 0x7f000002, 300);
	conf_sites(&pc, sites);
	pc.fail_open = POLICY_DEFER;
	e = engine(&pc);
	judge(e, "192.0.2.1", &o);
	assert_int_equal(o.f.lists[0].state, POLICY_LIST_TEMPFAIL);
	assert_string_equal(o.v.rule, "fail-open");
	assert_int_equal(o.v.action, POLICY_DEFER);
	judge(e, "192.0.2.2", &o);
	assert_int_equal(o.f.lists[0].state, POLICY_LIST_TEMPFAIL);
	assert_string_equal(o.v.rule, "fail-open");
	/* Asked again: neither was cached. */
	nqueries = 0;
	judge(e, "192.0.2.1", &o);
	judge(e, "192.0.2.2", &o);
	assert_int_equal(nqueries, 2);
	assert_int_equal(o.f.cache_hits, 0);
	engine_done(e, &pc);
}

/* A list that never answers: the deadline decides, fail-open. */
static void
test_deadline(void **state)
{
	static const char *const sites[] = { "bl.test*3", NULL };
	struct policy_conf	 pc;
	struct policy_engine	*e;
	struct outcome		 o;

	(void)state;
	rec_add("1.2.0.192.bl.test", SILENT, 0, 0);
	conf_sites(&pc, sites);
	pc.deadline_ms = 600;
	pc.fail_open = POLICY_DEFER;
	e = engine(&pc);
	assert_int_equal(judge(e, "192.0.2.1", &o), 0);
	assert_int_equal(o.f.timed_out, 1);
	assert_int_equal(o.f.lists[0].state, POLICY_LIST_PENDING);
	assert_string_equal(o.v.rule, "fail-open");
	assert_int_equal(o.v.action, POLICY_DEFER);
	assert_int_equal(nheld, 1);
	/* Freeing the engine answers what is held (mem_cancel). */
	policy_engine_free(e);
	assert_int_equal(nheld, 0);
	policy_conf_free(&pc);
}

/* Probes at startup: a list without its test points is DEAD, skipped. */
static void
test_probes(void **state)
{
	static const char *const sites[] = { "dead.test*3", "all.test*3",
		"bl.test*3", NULL };
	struct policy_conf	 pc;
	struct policy_engine	*e;
	struct outcome		 o;

	(void)state;
	rec_add("2.0.0.127.bl.test", ANSWER, 0x7f000002, 300);
	rec_add("2.0.0.127.all.test", ANSWER, 0x7f000002, 300);
	/* all.test lists 127.0.0.1 too: it lists everything. */
	rec_add("1.0.0.127.all.test", ANSWER, 0x7f000002, 300);
	rec_add("1.2.0.192.dead.test", ANSWER, 0x7f000002, 300);
	conf_sites(&pc, sites);
	pc.probe_s = 300;
	/*
	 * The answers come inside each query call: the round is judged
	 * once, after every list was asked. (Judged after the first list,
	 * it called bl.test dead before asking it, then alive again.)
	 */
	catch_start();
	e = engine(&pc);
	if (catch_end("dnsbl bl.test:"))
		fail_msg("bl.test was judged before it was probed");
	assert_int_equal(nqueries, 6);
	assert_int_equal(policy_engine_list_dead(e, 0), 1);
	assert_int_equal(policy_engine_list_dead(e, 1), 1);
	assert_int_equal(policy_engine_list_dead(e, 2), 0);
	judge(e, "192.0.2.1", &o);
	assert_int_equal(o.f.lists[0].state, POLICY_LIST_DEAD);
	assert_int_equal(o.f.lists[1].state, POLICY_LIST_DEAD);
	assert_string_equal(o.v.rule, "pass");
	engine_done(e, &pc);
}

/* A cached answer serves until its TTL (clamped to ttl_max) passes. */
static void
test_cache_ttl(void **state)
{
	static const char *const sites[] = { "bl.test*3", NULL };
	struct policy_conf	 pc;
	struct policy_engine	*e;
	struct outcome		 o;

	(void)state;
	rec_add("1.2.0.192.bl.test", ANSWER, 0x7f000002, 86400);
	conf_sites(&pc, sites);
	pc.ttl_min = pc.ttl_max = 1;
	e = engine(&pc);
	assert_int_equal(judge(e, "192.0.2.1", &o), 1);
	assert_int_equal(o.f.queries, 1);
	assert_int_equal(o.f.cache_hits, 0);
	assert_int_equal(judge(e, "192.0.2.1", &o), 1);
	assert_int_equal(o.f.queries, 0);
	assert_int_equal(o.f.cache_hits, 1);
	assert_int_equal(o.f.lists[0].cached, 1);
	assert_true(o.f.lists[0].ttl <= 1);
	assert_string_equal(o.v.rule, "dnsbl");
	/* Past the clamped TTL of 1 s (monotonic seconds: wait 2.1). */
	run_loop(NULL, 2100);
	assert_int_equal(judge(e, "192.0.2.1", &o), 1);
	assert_int_equal(o.f.queries, 1);
	assert_int_equal(o.f.cache_hits, 0);
	assert_int_equal(nqueries, 2);
	engine_done(e, &pc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_seed_buckets, reset),
		cmocka_unit_test_setup(test_threshold_weights, reset),
		cmocka_unit_test_setup(test_tempfail_malformed, reset),
		cmocka_unit_test_setup(test_deadline, reset),
		cmocka_unit_test_setup(test_probes, reset),
		cmocka_unit_test_setup(test_cache_ttl, reset),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
