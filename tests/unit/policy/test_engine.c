/*
 * test_engine.c: the asynchronous evaluation (policy/engine.c) on a
 * private event_base against a real DNS server on loopback: fairlist's
 * own DNSBL server (dnsbl/server.c) serving an index built here. Checks
 * listed, clean and error answers, weights and the threshold, the cache
 * (a second evaluation completes inside policy_evaluate), in-flight
 * deduplication, local lists, exemptions, a dead list (health probes
 * against a zone the server refuses), the deadline against a server that
 * never answers, and cancellation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>

#include <event2/event.h>

#include "core/addr.h"
#include "core/metrics.h"
#include "core/buf.h"
#include "core/str.h"
#include "core/xmalloc.h"
#include "dns/resolver.h"
#include "dnsbl/dnsbl.h"
#include "dnsbl/server.h"
#include "list/list.h"
#include "policy/policy.h"

#include "engine_test.h"

#define LISTED	1795824000	/* 2026-11-28T00:00:00Z */

static struct dnsbl_server	*srv;
static struct dnsbl_conf	 dconf;
static const struct index	*idx;
static char			 server[64];	/* "127.0.0.1:PORT" */
static char			 silent[64];	/* a socket never read */
static int			 silent_fd = -1;


static struct outcome	*outs;

static void	knot_stop(void);

static void
add(struct index_builder *b, int zone, const char *cidr, int exclude,
    uint32_t code, const char *reason)
{
	struct addr_prefix	 p;
	const char		*err;

	assert_int_equal(addr_parse(cidr, &p, &err), 0);
	assert_int_equal(index_builder_add(b, zone, &p, exclude, code, reason,
	    LISTED, 0), 0);
}

static int
zone(struct index_builder *b, const char *name, const char *url,
    int points)
{
	struct index_zone	z;
	int			zn;

	memset(&z, 0, sizeof(z));
	z.name = name;
	z.code = 0x7f000002;
	z.txt = "$reason";
	z.url = url;
	z.serial = 1;
	zn = index_builder_zone(b, &z);
	assert_true(zn >= 0);
	if (points) {
		add(b, zn, "127.0.0.2", 0, 0, LIST_TEST_REASON);
		add(b, zn, "127.0.0.1", 1, 0, NULL);
	}
	return zn;
}

/* A loopback port free for both UDP and TCP right now. */
static int
free_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			u, t, port;

	u = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(u >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(u, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(u, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	t = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(t >= 0);
	if (bind(t, (struct sockaddr *)&sin, sizeof(sin)) != 0)
		port = -1;
	close(t);
	close(u);
	return port;
}

/* The snapshot the server answers from. */
static struct index *
build_index(int points)
{
	struct index_builder	*b;
	int			 zn;

	b = index_builder_new();
	zn = zone(b, "bl.test", "https://bl.test/q?$ip", 1);
	add(b, zn, "192.0.2.1", 0, 0, "spam\r\naction=OK\r\n\r\ntrap");
	add(b, zn, "192.0.2.2", 0, 0x7f000003, "code three");
	add(b, zn, "192.0.2.9", 0, 0x7ffffffe, "error code");
	add(b, zn, "192.0.2.10", 0, 0x7f000003, "dedupe");
	add(b, zn, "2001:db8::1", 0, 0, "v6");
	zn = zone(b, "w2.test", NULL, 1);
	add(b, zn, "192.0.2.1", 0, 0, "w2");
	add(b, zn, "192.0.2.3", 0, 0, "w2 only");
	/* Without RFC 5782 test points (unless points): probes fail. */
	zn = zone(b, "nopoints.test", NULL, points);
	add(b, zn, "192.0.2.1", 0, 0, "x");
	/* Local lists, read from the same snapshot. */
	zn = zone(b, "local-block.test", "https://lb.test/$ip", 0);
	add(b, zn, "198.51.100.0/24", 0, 0, "local\r\nX-Evil: 1");
	zn = zone(b, "local-allow.test", NULL, 0);
	add(b, zn, "198.51.100.7", 0, 0, "friend");

	return index_builder_finish(b);
}

static int
setup(void **state)
{
	struct dnsbl_server_conf sc;
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	char			 err[256];
	int			 port, tries;

	(void)state;
	dnsbl_conf_defaults(&dconf);
	dconf.ns[0] = "ns.bl.test";
	dconf.nns = 1;
	dconf.soa_mname = "ns.bl.test";
	dconf.soa_rname = "hostmaster.bl.test";

	for (tries = 0; tries < 20; tries++) {
		if ((port = free_port()) <= 0)
			continue;
		memset(&sc, 0, sizeof(sc));
		snprintf(server, sizeof(server), "127.0.0.1:%d", port);
		assert_int_equal(dnsbl_parse_listen(server, &sc.listen[0],
		    &sc.listen_len[0]), 0);
		sc.nlisten = 1;
		sc.workers = 1;
		sc.dns = &dconf;
		if ((srv = dnsbl_server_new(&sc, err)) != NULL)
			break;
	}
	assert_non_null(srv);
	dnsbl_server_publish(srv, build_index(0));
	idx = dnsbl_server_current(srv);
	base = event_base_new();
	assert_non_null(base);
	assert_int_equal(dnsbl_server_start(srv, base), 0);

	/* A DNS "server" that never answers. */
	silent_fd = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(silent_fd, (struct sockaddr *)&sin,
	    sizeof(sin)), 0);
	assert_int_equal(getsockname(silent_fd, (struct sockaddr *)&sin,
	    &len), 0);
	snprintf(silent, sizeof(silent), "127.0.0.1:%d", ntohs(sin.sin_port));
	outs = xcalloc(8, sizeof(*outs));
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	knot_stop();
	dnsbl_server_free(srv);
	event_base_free(base);
	close(silent_fd);
	free(outs);
	return 0;
}

/* The defaults, with lookups on our server and no probes or SPF. */
static void
conf(struct policy_conf *pc, const char *const *sites)
{
	conf_sites(pc, sites);
	pc->resolver = xstrdup(server);
}

/* Run the loop until every outcome in o[0..n) ran (a hang fails). */
static void
wait_all(struct outcome *o, int n)
{
	struct timeval	 tv = { 20, 0 };
	struct event	*ev;
	int		 i, hung = 0, left;

	ev = evtimer_new(base, guard, &hung);
	evtimer_add(ev, &tv);
	for (;;) {
		for (left = 0, i = 0; i < n; i++)
			left += o[i].ran == 0;
		if (left == 0 || hung)
			break;
		event_base_loop(base, EVLOOP_ONCE);
	}
	event_free(ev);
	if (hung)
		fail_msg("evaluation never finished");
}

/* Run the loop until the probes find list i dead (or alive). */
static void
wait_probe(struct policy_engine *e, int i, int dead)
{
	struct timeval	 tv = { 20, 0 };
	struct event	*ev;
	int		 hung = 0;

	ev = evtimer_new(base, guard, &hung);
	evtimer_add(ev, &tv);
	while (policy_engine_list_dead(e, i) != dead && !hung)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(ev);
	if (hung)
		fail_msg("list %d never found %s", i, dead ? "dead" : "alive");
}

/* Run the loop for ms milliseconds. */
static void
idle(int ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };
	struct event	*ev;
	int		 over = 0;

	ev = evtimer_new(base, guard, &over);
	evtimer_add(ev, &tv);
	while (!over)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(ev);
}

/* Evaluate ip; *sync says whether it finished inside policy_evaluate. */
static void
judge(struct policy_engine *e, const char *ip, const char *rcpt,
    struct outcome *o, int *sync)
{
	struct policy_query	 q;
	struct policy_eval	*ev;

	query_of(&q, ip, rcpt);
	memset(o, 0, sizeof(*o));
	ev = policy_evaluate(e, idx, &q, done, o);
	*sync = ev == NULL;
	if (ev == NULL) {
		assert_int_equal(o->ran, 1);
		return;
	}
	assert_int_equal(o->ran, 0);
	wait_all(o, 1);
	assert_int_equal(o->ran, 1);
}

static void
check_line(const struct policy_conf *pc, const struct policy_verdict *v,
    const char *prefix)
{
	struct sbuf	b;

	sbuf_init(&b);
	policy_action_format(pc, v, 1, &b);
	if (strncmp(b.s, prefix, strlen(prefix)) != 0)
		fail_msg("got line '%s', want prefix '%s'", b.s, prefix);
	/* One line and the empty line: no injected line. */
	if (strchr(b.s, '\n') != b.s + b.len - 2 || strchr(b.s, '\r') != NULL)
		fail_msg("got line '%s' with an inner line break", b.s);
	sbuf_free(&b);
}

static const char *const two_lists[] = {
	"bl.test*2", "w2.test", NULL
};

static void
test_listed_clean_error(void **state)
{
	struct policy_conf	 pc;
	struct policy_engine	*e;
	struct policy_stats	 st;
	struct outcome		*o = &outs[0];
	int			 sync;

	(void)state;
	conf(&pc, two_lists);
	e = engine(&pc);

	/* Both lists: 2 + 1 reaches 3. */
	judge(e, "192.0.2.1", NULL, o, &sync);
	assert_false(sync);
	assert_int_equal(o->f.nlists, 2);
	assert_int_equal(o->f.lists[0].state, POLICY_LIST_LISTED);
	assert_int_equal(o->f.lists[0].ncodes, 1);
	assert_int_equal(o->f.lists[0].codes[0], 0x7f000002);
	assert_int_equal(o->f.lists[0].weight, 2);
	assert_int_equal(o->f.lists[1].state, POLICY_LIST_LISTED);
	assert_int_equal(o->f.queries, 2);
	assert_int_equal(o->f.cache_hits, 0);
	assert_int_equal(o->v.score, 3);
	assert_string_equal(o->v.rule, "dnsbl");
	assert_int_equal(o->v.action, POLICY_REJECT);
	if (strstr(o->v.text, "192.0.2.1") == NULL ||
	    strstr(o->v.text, "bl.test") == NULL)
		fail_msg("got text '%s'", o->v.text);
	check_line(&pc, &o->v, "action=554 5.7.1 Mail from 192.0.2.1 ");

	/* One list, weight 2: below the threshold. */
	judge(e, "192.0.2.2", NULL, o, &sync);
	assert_int_equal(o->f.lists[0].state, POLICY_LIST_LISTED);
	assert_int_equal(o->f.lists[0].codes[0], 0x7f000003);
	assert_int_equal(o->f.lists[1].state, POLICY_LIST_CLEAN);
	assert_int_equal(o->v.score, 2);
	assert_string_equal(o->v.rule, "pass");
	check_line(&pc, &o->v, "action=DUNNO");

	/* Only w2 (weight 1). */
	judge(e, "192.0.2.3", NULL, o, &sync);
	assert_int_equal(o->f.lists[0].state, POLICY_LIST_CLEAN);
	assert_int_equal(o->f.lists[1].state, POLICY_LIST_LISTED);
	assert_int_equal(o->v.score, 1);

	/* 127.255.255.254: an error, not a listing. */
	judge(e, "192.0.2.9", NULL, o, &sync);
	assert_int_equal(o->f.lists[0].state, POLICY_LIST_ERROR);
	assert_int_equal(o->f.lists[0].weight, 0);
	assert_int_equal(o->v.score, 0);
	assert_string_equal(o->v.rule, "pass");

	/* Clean everywhere; IPv6 listed. */
	judge(e, "192.0.2.200", NULL, o, &sync);
	assert_int_equal(o->f.lists[0].state, POLICY_LIST_CLEAN);
	assert_int_equal(o->f.lists[1].state, POLICY_LIST_CLEAN);
	assert_string_equal(o->v.rule, "pass");
	judge(e, "2001:db8::1", NULL, o, &sync);
	assert_int_equal(o->f.lists[0].state, POLICY_LIST_LISTED);
	assert_int_equal(o->f.lists[1].state, POLICY_LIST_CLEAN);

	policy_engine_stats(e, &st);
	assert_int_equal(st.evaluations, 6);
	assert_int_equal(st.queries, 12);
	engine_done(e, &pc);
}

static void
test_filter(void **state)
{
	static const char *const sites[] = {
		"bl.test=127.0.0.3*3", NULL
	};
	struct policy_conf	 pc;
	struct policy_engine	*e;
	struct outcome		*o = &outs[0];
	int			 sync;

	(void)state;
	conf(&pc, sites);
	e = engine(&pc);
	judge(e, "192.0.2.1", NULL, o, &sync);	/* 127.0.0.2 */
	assert_int_equal(o->f.lists[0].state, POLICY_LIST_CLEAN);
	assert_int_equal(o->f.lists[0].codes[0], 0x7f000002);
	assert_string_equal(o->v.rule, "pass");
	judge(e, "192.0.2.2", NULL, o, &sync);	/* 127.0.0.3 */
	assert_int_equal(o->f.lists[0].state, POLICY_LIST_LISTED);
	assert_int_equal(o->v.score, 3);
	assert_string_equal(o->v.rule, "dnsbl");
	engine_done(e, &pc);
}

static void
test_cache(void **state)
{
	struct policy_conf	 pc;
	struct policy_engine	*e;
	struct policy_stats	 st;
	struct outcome		*o = &outs[0];
	struct timespec		 t0, t1;
	double			 us;
	int			 sync, i, n = 2000;

	(void)state;
	conf(&pc, two_lists);
	e = engine(&pc);
	judge(e, "192.0.2.1", NULL, o, &sync);
	assert_false(sync);
	assert_int_equal(o->f.queries, 2);
	judge(e, "192.0.2.1", NULL, o, &sync);
	assert_true(sync);
	assert_int_equal(o->f.queries, 0);
	assert_int_equal(o->f.cache_hits, 2);
	assert_int_equal(o->f.lists[0].cached, 1);
	assert_true(o->f.lists[0].ttl >= 1);
	assert_true(o->f.lists[0].ttl <= (uint32_t)pc.ttl_max);
	assert_string_equal(o->v.rule, "dnsbl");
	assert_int_equal(o->v.score, 3);

	/* Negative answers are cached too. */
	judge(e, "192.0.2.201", NULL, o, &sync);
	assert_false(sync);
	judge(e, "192.0.2.201", NULL, o, &sync);
	assert_true(sync);
	assert_int_equal(o->f.lists[0].state, POLICY_LIST_CLEAN);
	assert_int_equal(o->f.cache_hits, 2);

	/* The hot path: reported, never asserted on. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++)
		judge(e, "192.0.2.1", NULL, o, &sync);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	us = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 +
	    (double)(t1.tv_nsec - t0.tv_nsec)) / 1e3 / n;
	print_message("cached evaluation (2 lists, rejected, logged): "
	    "%.2f us\n", us);
	assert_true(sync);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++)
		judge(e, "192.0.2.201", NULL, o, &sync);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	us = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 +
	    (double)(t1.tv_nsec - t0.tv_nsec)) / 1e3 / n;
	print_message("cached evaluation (2 lists, pass): %.2f us\n", us);
	assert_true(sync);
	policy_engine_stats(e, &st);
	assert_int_equal(st.queries, 4);
	policy_engine_free(e);

	/* A TTL of 1 s: after 2 s the answers are asked again. */
	pc.ttl_min = pc.ttl_max = 1;
	e = engine(&pc);
	judge(e, "192.0.2.1", NULL, o, &sync);
	assert_int_equal(o->f.queries, 2);
	judge(e, "192.0.2.1", NULL, o, &sync);
	assert_true(sync);
	assert_true(o->f.lists[0].ttl <= 1);
	idle(2100);
	judge(e, "192.0.2.1", NULL, o, &sync);
	assert_false(sync);
	assert_int_equal(o->f.queries, 2);
	assert_string_equal(o->v.rule, "dnsbl");
	engine_done(e, &pc);
}

static void
test_dedupe(void **state)
{
	/* Three sites on one zone: one query. */
	static const char *const sites[] = {
		"bl.test=127.0.0.2", "bl.test=127.0.0.3*3", "bl.test*1",
		NULL
	};
	struct policy_conf	 pc;
	struct policy_engine	*e;
	struct policy_stats	 st;
	struct policy_query	 q;
	struct policy_eval	*ev[4];
	int			 i;

	(void)state;
	conf(&pc, sites);
	e = engine(&pc);
	memset(&q, 0, sizeof(q));
	q.client_address = "192.0.2.10";
	memset(outs, 0, 4 * sizeof(*outs));
	for (i = 0; i < 4; i++) {
		ev[i] = policy_evaluate(e, idx, &q, done, &outs[i]);
		assert_non_null(ev[i]);
	}
	policy_engine_stats(e, &st);
	assert_int_equal(st.queries, 1);
	/* Cancel one while it waits: the shared query goes on. */
	policy_cancel(ev[2]);
	wait_all(outs, 2);
	wait_all(outs + 3, 1);
	for (i = 0; i < 4; i++) {
		if (i == 2) {
			assert_int_equal(outs[i].ran, 0);
			continue;
		}
		assert_int_equal(outs[i].ran, 1);
		assert_int_equal(outs[i].f.lists[0].state, POLICY_LIST_CLEAN);
		assert_int_equal(outs[i].f.lists[1].state, POLICY_LIST_LISTED);
		assert_int_equal(outs[i].f.lists[2].state, POLICY_LIST_LISTED);
		assert_int_equal(outs[i].v.score, 4);
	}
	assert_int_equal(outs[0].f.queries, 1);
	assert_int_equal(outs[1].f.queries, 0);
	policy_engine_stats(e, &st);
	assert_int_equal(st.queries, 1);
	engine_done(e, &pc);
}

/* fairlist_policy_verdicts_total{rule, action}, as engine.c counts it. */
static uint64_t
verdicts(const char *rule, const char *action)
{
	static const char *const rules[] = { "exempt", "allowlist",
		"blocklist", "dnsbl", "spf", "fail-open", "pass", NULL };
	static const char *const actions[] = { "dunno", "reject", "defer",
		"tag", "report", NULL };
	static const struct metrics_label labels[] = {
		{ "rule", rules, 0 }, { "action", actions, 0 },
	};
	struct metrics_family	*f;

	f = metrics_counter("fairlist_policy_verdicts_total", "", labels, 2);
	return metrics_value(f, metrics_series(f,
	    (const char *const[]){ rule, action }));
}

static void
test_local_and_exempt(void **state)
{
	struct policy_conf	 pc;
	struct policy_engine	*e;
	struct outcome		*o = &outs[0];
	int			 sync;
	uint64_t		 n0;

	(void)state;
	conf(&pc, two_lists);
	str_lcpy(pc.local[0].zone, "local-allow.test", POLICY_ZONE_MAX);
	pc.local[0].allow = 1;
	str_lcpy(pc.local[1].zone, "local-block.test", POLICY_ZONE_MAX);
	pc.local[1].action = POLICY_REJECT;
	str_lcpy(pc.local[2].zone, "missing.test", POLICY_ZONE_MAX);
	pc.nlocal = 3;
	pc.removal_address = xstrdup("Removals@Example.NET");
	e = engine(&pc);

	n0 = verdicts("blocklist", "reject");
	judge(e, "198.51.100.8", NULL, o, &sync);
	assert_true(sync);
	assert_int_equal(verdicts("blocklist", "reject"), n0 + 1);
	assert_int_equal(o->f.has_block, 1);
	assert_string_equal(o->f.block.zone, "local-block.test");
	assert_string_equal(o->f.block.prefix, "198.51.100.0/24");
	assert_string_equal(o->f.block.url, "https://lb.test/198.51.100.8");
	assert_int_equal(o->f.block.listed_at, LISTED);
	assert_int_equal(o->f.queries, 0);
	assert_string_equal(o->v.rule, "blocklist");
	if (strstr(o->v.text, "2026-11-28") == NULL ||
	    strstr(o->v.text, "local-block.test") == NULL)
		fail_msg("got text '%s'", o->v.text);
	check_line(&pc, &o->v, "action=554 5.7.1 Mail from 198.51.100.8 ");

	/* The allowlist beats the blocklist. */
	judge(e, "198.51.100.7", NULL, o, &sync);
	assert_true(sync);
	assert_int_equal(o->f.has_allow, 1);
	assert_string_equal(o->v.rule, "allowlist");

	/* Exemptions: no lookups at all. */
	judge(e, "192.0.2.1", "postmaster@example.net", o, &sync);
	assert_true(sync);
	assert_non_null(o->f.exempt);
	assert_string_equal(o->v.rule, "exempt");
	judge(e, "192.0.2.1", "Abuse@example.net", o, &sync);
	assert_string_equal(o->v.rule, "exempt");
	judge(e, "192.0.2.1", "POSTMASTER", o, &sync);
	assert_string_equal(o->v.rule, "exempt");
	judge(e, "192.0.2.1", "removals@example.net", o, &sync);
	assert_string_equal(o->v.rule, "exempt");
	judge(e, "10.1.2.3", NULL, o, &sync);
	assert_string_equal(o->v.rule, "exempt");
	assert_int_equal(o->f.queries, 0);
	judge(e, "not-an-address", NULL, o, &sync);
	assert_true(sync);
	assert_string_equal(o->v.rule, "exempt");
	/* Not exempt: postmaster.x@, abuse in the domain. */
	judge(e, "192.0.2.1", "postmaster.x@example.net", o, &sync);
	assert_string_equal(o->v.rule, "dnsbl");
	judge(e, "192.0.2.1", "joe@abuse", o, &sync);
	assert_string_equal(o->v.rule, "dnsbl");
	engine_done(e, &pc);
}

/*
 * Without a policy block (local_store) every zone of the snapshot is a
 * blocklist, in the snapshot's zone order; a zone that appears in a later
 * snapshot is judged by the same engine at once (issue 9 item 12). With
 * local_store off and no lists named, nothing local is judged.
 */
static void
test_store_zones(void **state)
{
	static const struct {
		const char	*ip, *rule, *zone, *reason;
	} tests[] = {
		{ "192.0.2.3", "blocklist", "w2.test", "w2 only" },
		{ "192.0.2.1", "blocklist", "bl.test", "spam" },
		{ "2001:db8::1", "blocklist", "bl.test", "v6" },
		{ "198.51.100.8", "blocklist", "local-block.test", "local" },
		/* In local-allow.test too: the earlier zone decides. */
		{ "198.51.100.7", "blocklist", "local-block.test", "local" },
		{ "192.0.2.77", "pass", "", "" },
		{ "127.0.0.2", "exempt", "", "" },
	};
	struct policy_conf	 pc;
	struct policy_engine	*e;
	struct outcome		*o = &outs[0];
	const struct index	*saved = idx;
	struct index_builder	*b;
	struct index		*later;
	size_t			 i;
	int			 sync;

	(void)state;
	conf(&pc, NULL);
	pc.local_store = 1;
	e = engine(&pc);
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		judge(e, tests[i].ip, NULL, o, &sync);
		if (!sync || strcmp(o->v.rule, tests[i].rule) != 0)
			fail_msg("%s: got rule %s%s, want %s", tests[i].ip,
			    o->v.rule, sync ? "" : " (not at once)",
			    tests[i].rule);
		if (!o->f.has_block)
			continue;
		if (strcmp(o->f.block.zone, tests[i].zone) != 0 ||
		    strncmp(o->f.block.reason, tests[i].reason,
		    strlen(tests[i].reason)) != 0)
			fail_msg("%s: got zone %s reason '%s', want %s '%s'",
			    tests[i].ip, o->f.block.zone, o->f.block.reason,
			    tests[i].zone, tests[i].reason);
		assert_int_equal(o->v.action, POLICY_REJECT);
		assert_non_null(o->f.block.local);
		assert_int_equal(o->f.block.local->action, POLICY_REJECT);
	}
	catch_start();
	judge(e, "198.51.100.8", NULL, o, &sync);
	/* The log names the zone and the listing (issue 9 item 13). */
	if (!catch_end("policy: client=198.51.100.8 rule=blocklist "
	    "action=reject zone=local-block.test listing=198.51.100.0/24 ms="))
		fail_msg("no blocklist log line naming zone and listing");
	assert_string_equal(o->f.block.url, "https://lb.test/198.51.100.8");
	check_line(&pc, &o->v, "action=554 5.7.1 Mail from 198.51.100.8 ");

	/* A zone added to the store: the next snapshot has it. */
	b = index_builder_new();
	add(b, zone(b, "later.test", NULL, 0), "192.0.2.77", 0, 0, "later");
	later = index_builder_finish(b);
	assert_non_null(later);
	idx = later;
	judge(e, "192.0.2.77", NULL, o, &sync);
	idx = saved;
	assert_string_equal(o->v.rule, "blocklist");
	assert_string_equal(o->f.block.zone, "later.test");
	assert_string_equal(o->f.block.reason, "later");
	index_free(later);
	policy_engine_free(e);

	/* An explicit block without local lists: the store is not asked. */
	pc.local_store = 0;
	e = engine(&pc);
	judge(e, "192.0.2.3", NULL, o, &sync);
	assert_string_equal(o->v.rule, "pass");
	assert_int_equal(o->f.has_block, 0);
	engine_done(e, &pc);
}

/*
 * The client's text in the facts is the engine's own canonical form, built
 * without inet_ntop for IPv4; and facts reused by the next evaluation
 * carry nothing over from the last one.
 */
static void
test_client_text(void **state)
{
	static const struct {
		const char	*in, *want, *rule;
	} tests[] = {
		{ "192.0.2.1", "192.0.2.1", "pass" },
		{ "0.0.0.0", "0.0.0.0", "pass" },
		{ "255.255.255.255", "255.255.255.255", "pass" },
		{ "8.80.100.9", "8.80.100.9", "pass" },
		{ "100.10.1.0", "100.10.1.0", "pass" },
		{ "10.0.0.1", "10.0.0.1", "exempt" },
		{ "1.2.3.4/32", "1.2.3.4", "pass" },
		{ "198.51.100.8", "198.51.100.8", "blocklist" },
		/* IPv4-mapped is IPv4 (issue 9): judged and named as one. */
		{ "::ffff:192.0.2.5", "192.0.2.5", "pass" },
		{ "2001:DB8:0:0::1", "2001:db8::1", "pass" },
		{ "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1", "pass" },
		{ "198.51.100.7", "198.51.100.7", "allowlist" },
		{ "192.0.2.0/24", "unknown", "exempt" },
		{ "01.2.3.4", "unknown", "exempt" },
		{ "", "unknown", "exempt" },
		{ "192.0.2.77", "192.0.2.77", "pass" },
		/* The exempt networks added below, not on byte edges. */
		{ "203.0.113.77", "203.0.113.77", "exempt" },
		{ "203.0.113.64", "203.0.113.64", "exempt" },
		{ "203.0.113.95", "203.0.113.95", "exempt" },
		{ "203.0.113.63", "203.0.113.63", "pass" },
		{ "203.0.113.96", "203.0.113.96", "pass" },
		{ "2001:db8:8000::1", "2001:db8:8000::1", "exempt" },
		{ "2001:db8:7fff::1", "2001:db8:7fff::1", "pass" },
		{ "2001:db9::5", "2001:db9::5", "exempt" },
		{ "2001:db9::6", "2001:db9::6", "pass" },
		/*
		 * ::/8 holds ::ffff:0:0/96 bit for bit, but an IPv6 prefix
		 * never matches an IPv4 client (issue 9 item 2).
		 */
		{ "::2", "::2", "exempt" },
		{ "::ffff:192.0.2.6", "192.0.2.6", "pass" },
	};
	static const char *const exempt[] = {
		"203.0.113.64/27", "2001:db8:8000::/33", "2001:db9::5",
		"::/8",
	};
	const char		*err;
	struct policy_conf	 pc;
	struct policy_engine	*e;
	struct outcome		*o = &outs[0];
	size_t			 i;
	int			 sync;

	(void)state;
	conf(&pc, NULL);
	str_lcpy(pc.local[0].zone, "local-allow.test", POLICY_ZONE_MAX);
	pc.local[0].allow = 1;
	str_lcpy(pc.local[1].zone, "local-block.test", POLICY_ZONE_MAX);
	pc.local[1].action = POLICY_REJECT;
	pc.nlocal = 2;
	for (i = 0; i < sizeof(exempt) / sizeof(exempt[0]); i++)
		if (addr_parse(exempt[i], &pc.exempt[pc.nexempt++], &err) != 0)
			fail_msg("%s: %s", exempt[i], err);
	e = engine(&pc);
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		judge(e, tests[i].in, NULL, o, &sync);
		if (!sync)
			fail_msg("%s: not judged at once", tests[i].in);
		if (strcmp(o->f.ip, tests[i].want) != 0)
			fail_msg("%s: got ip '%s', want '%s'", tests[i].in,
			    o->f.ip, tests[i].want);
		if (strcmp(o->v.rule, tests[i].rule) != 0)
			fail_msg("%s: got rule %s, want %s", tests[i].in,
			    o->v.rule, tests[i].rule);
		/* Nothing left over from the evaluation before. */
		if (o->f.has_block != (strcmp(tests[i].rule, "blocklist") == 0) ||
		    o->f.has_allow != (strcmp(tests[i].rule, "allowlist") ==
		    0) || o->f.nlists != 0 || o->f.queries != 0 ||
		    o->f.spf_done || o->f.helo_done || o->f.timed_out ||
		    o->f.spf_header[0] != '\0' ||
		    o->f.spf_explanation[0] != '\0' ||
		    (o->f.exempt != NULL) != (strcmp(tests[i].rule, "exempt") ==
		    0))
			fail_msg("%s: stale facts", tests[i].in);
		assert_string_equal(o->f.helo, "mail.example.org");
		assert_string_equal(o->f.sender, "someone@example.org");
		assert_string_equal(o->f.recipient, "user@example.net");
	}
	engine_done(e, &pc);
}

static void
test_dead(void **state)
{
	/* The server refuses other.example; nopoints.test lacks 127.0.0.2. */
	static const char *const sites[] = {
		"other.example*3", "nopoints.test*3", "bl.test*3", NULL
	};
	struct policy_conf	 pc;
	struct policy_engine	*e;
	struct policy_stats	 st;
	struct outcome		*o = &outs[0];
	int			 sync;

	(void)state;
	conf(&pc, sites);
	pc.probe_s = 300;
	e = engine(&pc);
	wait_probe(e, 0, 1);
	wait_probe(e, 1, 1);
	judge(e, "192.0.2.1", NULL, o, &sync);
	assert_int_equal(o->f.lists[0].state, POLICY_LIST_DEAD);
	assert_int_equal(o->f.lists[1].state, POLICY_LIST_DEAD);
	assert_int_equal(o->f.lists[2].state, POLICY_LIST_LISTED);
	assert_int_equal(o->f.queries, 1);
	assert_int_equal(o->v.score, 3);
	assert_int_equal(policy_engine_list_dead(e, 2), 0);
	policy_engine_stats(e, &st);
	assert_int_equal(st.dead_lists, 2);
	policy_engine_free(e);

	/*
	 * nopoints.test gets its test points: the next probe revives it.
	 * A threshold of 6 waits for both lists (3 would decide early).
	 */
	pc.probe_s = 1;
	pc.threshold = 6;
	e = engine(&pc);
	wait_probe(e, 1, 1);
	dnsbl_server_publish(srv, build_index(1));
	idx = dnsbl_server_current(srv);
	wait_probe(e, 1, 0);
	assert_int_equal(policy_engine_list_dead(e, 0), 1);
	judge(e, "192.0.2.1", NULL, o, &sync);
	assert_int_equal(o->f.lists[0].state, POLICY_LIST_DEAD);
	assert_int_equal(o->f.lists[1].state, POLICY_LIST_LISTED);
	assert_int_equal(o->v.score, 6);
	policy_engine_stats(e, &st);
	assert_int_equal(st.dead_lists, 1);
	policy_engine_free(e);
	dnsbl_server_publish(srv, build_index(0));
	idx = dnsbl_server_current(srv);
	policy_conf_free(&pc);
}

static void
test_deadline(void **state)
{
	static const char *const sites[] = { "bl.test*3", NULL };
	struct policy_conf	 pc;
	struct policy_engine	*e;
	struct policy_stats	 st;
	struct outcome		*o = &outs[0];
	int			 sync;

	(void)state;
	conf(&pc, sites);
	free(pc.resolver);
	pc.resolver = xstrdup(silent);
	pc.deadline_ms = 600;
	pc.lookup_ms = 60000;	/* the deadline comes first */
	pc.fail_open = POLICY_DEFER;
	e = engine(&pc);
	catch_start();
	judge(e, "192.0.2.1", NULL, o, &sync);
	/* The log names the list that did not answer. */
	if (!catch_end("policy: 192.0.2.1: fail-open (defer): no answer from "
	    "bl.test in "))
		fail_msg("no fail-open log line naming bl.test");
	assert_false(sync);
	assert_int_equal(o->f.timed_out, 1);
	assert_int_equal(o->f.lists[0].state, POLICY_LIST_PENDING);
	assert_string_equal(o->v.rule, "fail-open");
	assert_int_equal(o->v.action, POLICY_DEFER);
	check_line(&pc, &o->v, "action=DEFER_IF_PERMIT ");
	policy_engine_stats(e, &st);
	assert_int_equal(st.timeouts, 1);
	/* The query is still out: free must not call back. */
	engine_done(e, &pc);
}

static void
test_early(void **state)
{
	/*
	 * bl.test lists 192.0.2.1 with weight 3 = threshold; dead.test sits
	 * on a server that never answers. The verdict comes when bl.test
	 * answers, not at the deadline: dead.test is PENDING, and nothing
	 * timed out. A negative weight still out must be waited for.
	 */
	static const char *const sites[] = { "bl.test*3", "dead.test", NULL };
	static const char *const neg[] = { "bl.test*3", "dead.test*-5",
	    NULL };
	struct policy_conf	 pc;
	struct policy_engine	*e;
	struct policy_stats	 st;
	struct outcome		*o = &outs[0];
	int			 sync, i;

	(void)state;
	conf(&pc, sites);
	pc.sites[1].server = xstrdup(silent);
	pc.lookup_ms = 60000;
	pc.deadline_ms = 60000;	/* a hang fails in wait_all instead */
	pc.fail_open = POLICY_DEFER;
	e = engine(&pc);
	for (i = 0; i < 2; i++) {
		/* The second time bl.test is cached: decided at once. */
		judge(e, "192.0.2.1", NULL, o, &sync);
		if (i == 1)
			assert_true(sync);
		if (o->f.lists[0].state != POLICY_LIST_LISTED ||
		    o->f.lists[1].state != POLICY_LIST_PENDING)
			fail_msg("round %d: got states %d,%d, want LISTED, "
			    "PENDING", i, o->f.lists[0].state,
			    o->f.lists[1].state);
		assert_int_equal(o->f.timed_out, 0);
		assert_string_equal(o->v.rule, "dnsbl");
		assert_int_equal(o->v.action, POLICY_REJECT);
		assert_int_equal(o->v.score, 3);
		check_line(&pc, &o->v, "action=554 5.7.1 ");
	}
	policy_engine_stats(e, &st);
	assert_int_equal(st.timeouts, 0);
	/* A clean client: dead.test could still list it, so it waits. */
	policy_engine_free(e);
	policy_conf_free(&pc);

	conf(&pc, neg);
	pc.sites[1].server = xstrdup(silent);
	pc.lookup_ms = 60000;
	pc.deadline_ms = 600;
	e = engine(&pc);
	judge(e, "192.0.2.1", NULL, o, &sync);
	assert_false(sync);
	assert_int_equal(o->f.timed_out, 1);
	assert_int_equal(o->f.lists[1].state, POLICY_LIST_PENDING);
	engine_done(e, &pc);
}

/* A zone of exactly n bytes: labels of 31 bytes, ending in ".test". */
static void
long_zone(char *z, size_t n)
{
	size_t	i, body;

	assert_true(n > 6 && n < POLICY_ZONE_MAX);
	body = n - 5;
	for (i = 0; i < body; i++)
		z[i] = i % 32 == 31 && i + 1 < body ? '.' : 'a';
	memcpy(z + body, ".test", 6);
}

static void
test_long_zone(void **state)
{
	/*
	 * A zone the configuration accepts but too long under a reversed
	 * address: 64 + 200 bytes for IPv6, 10 + 245 for 192.0.2.1 (DNS
	 * allows 253). The list is unknown (ERROR) for that client, no
	 * query is sent, and the other list still counts.
	 */
	static const struct {
		size_t		 zlen;
		const char	*ip;
		int		 state;		/* of the long zone */
	} t[] = {
		{ 200, "2001:db8::1", POLICY_LIST_ERROR },
		{ 189, "2001:db8::1", POLICY_LIST_ERROR },	/* 253: fits */
		{ 245, "192.0.2.1", POLICY_LIST_ERROR },
		{ 253, "192.0.2.1", POLICY_LIST_ERROR },
	};
	struct policy_conf	 pc;
	struct policy_engine	*e;
	struct outcome		*o = &outs[0];
	char			 spec[300];
	char			 z[POLICY_ZONE_MAX];
	size_t			 k;
	int			 sync;

	(void)state;
	for (k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
		long_zone(z, t[k].zlen);
		assert_int_equal(strlen(z), t[k].zlen);
		snprintf(spec, sizeof(spec), "%s*3", z);
		{
			const char *const sites[] = { spec, "bl.test", NULL };

			conf(&pc, sites);
		}
		pc.probe_s = 300;	/* no test point fits some: skipped */
		e = engine(&pc);
		catch_start();
		judge(e, t[k].ip, NULL, o, &sync);
		if (catch_end("over the DNS limit of 253") != (t[k].zlen != 189))
			fail_msg("zone of %zu bytes, %s: the too-long warning "
			    "%s", t[k].zlen, t[k].ip, t[k].zlen != 189 ?
			    "is missing" : "is wrong");
		if (t[k].zlen == 189) {
			/* 64 + 189 = 253: asked; our server refuses it. */
			assert_int_equal(o->f.lists[0].state,
			    POLICY_LIST_TEMPFAIL);
			assert_int_equal(o->f.queries, 2);
			assert_string_equal(o->v.rule, "fail-open");
		} else {
			if ((int)o->f.lists[0].state != t[k].state)
				fail_msg("zone of %zu bytes, %s: got state %d, "
				    "want %d", t[k].zlen, t[k].ip,
				    o->f.lists[0].state, t[k].state);
			assert_int_equal(o->f.queries, 1);
		}
		assert_int_equal(o->f.lists[1].state, POLICY_LIST_LISTED);
		assert_int_equal(o->v.score, 1);
		if (t[k].zlen != 189)
			assert_string_equal(o->v.rule, "pass");
		/* Again: still unknown, not logged again. */
		catch_start();
		judge(e, t[k].ip, NULL, o, &sync);
		if (catch_end("over the DNS limit"))
			fail_msg("zone of %zu bytes: logged twice", t[k].zlen);
		assert_int_equal(o->f.lists[1].state, POLICY_LIST_LISTED);
		policy_engine_free(e);
		policy_conf_free(&pc);
	}
}

static void
test_resolver_down(void **state)
{
	/* No answer to any probe: the resolver's fault, lists stay in use. */
	static const char *const sites[] = { "bl.test*3", "w2.test", NULL };
	struct policy_conf	 pc;
	struct policy_engine	*e;
	struct outcome		*o = &outs[0];
	int			 sync, i;

	(void)state;
	conf(&pc, sites);
	free(pc.resolver);
	pc.resolver = xstrdup(silent);
	pc.probe_s = 300;
	pc.lookup_ms = 300;
	pc.fail_open = POLICY_DEFER;
	e = engine(&pc);
	for (i = 0; i < 2; i++) {
		judge(e, "192.0.2.1", NULL, o, &sync);
		assert_int_equal(o->f.lists[0].state, POLICY_LIST_TEMPFAIL);
		assert_int_equal(o->f.lists[1].state, POLICY_LIST_TEMPFAIL);
		assert_int_equal(o->f.timed_out, 0);
		assert_string_equal(o->v.rule, "fail-open");
		assert_int_equal(o->v.action, POLICY_DEFER);
		assert_int_equal(policy_engine_list_dead(e, 0), 0);
		assert_int_equal(policy_engine_list_dead(e, 1), 0);
	}
	engine_done(e, &pc);
}

static void
test_cancel(void **state)
{
	static const char *const sites[] = { "bl.test*3", "w2.test", NULL };
	struct policy_conf	 pc;
	struct policy_engine	*e;
	struct policy_query	 q;
	struct policy_eval	*ev;
	int			 i;

	(void)state;
	conf(&pc, sites);
	e = engine(&pc);
	memset(&q, 0, sizeof(q));
	q.client_address = "192.0.2.1";
	memset(outs, 0, 2 * sizeof(*outs));
	/* Cancel at once; then let the answers arrive and be cached. */
	ev = policy_evaluate(e, idx, &q, done, &outs[0]);
	assert_non_null(ev);
	policy_cancel(ev);
	policy_cancel(NULL);
	for (i = 0; i < 50; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	/* The next one waits on the same entries or hits the cache. */
	ev = policy_evaluate(e, idx, &q, done, &outs[1]);
	if (ev != NULL)
		wait_all(&outs[1], 1);
	assert_int_equal(outs[0].ran, 0);
	assert_int_equal(outs[1].ran, 1);
	assert_string_equal(outs[1].v.rule, "dnsbl");
	/* Free with evaluations in flight: their callbacks do not run. */
	q.client_address = "192.0.2.77";
	memset(outs, 0, 2 * sizeof(*outs));
	assert_non_null(policy_evaluate(e, idx, &q, done, &outs[0]));
	policy_engine_free(e);
	for (i = 0; i < 20; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(outs[0].ran, 0);
	policy_conf_free(&pc);
}

static void
test_spf_none(void **state)
{
	/* bl.test has no TXT at example names: SPF none, header recorded. */
	static const char *const sites[] = { "bl.test*3", NULL };
	struct policy_conf	 pc;
	struct policy_engine	*e;
	struct policy_query	 q;
	struct outcome		*o = &outs[0];

	(void)state;
	conf(&pc, sites);
	pc.spf = 1;
	pc.spf_helo = 1;
	e = engine(&pc);
	memset(&q, 0, sizeof(q));
	q.client_address = "192.0.2.200";
	q.sender = "someone@x.bl.test";
	q.helo = "mx.bl.test";
	memset(o, 0, sizeof(*o));
	if (policy_evaluate(e, idx, &q, done, o) != NULL)
		wait_all(o, 1);
	assert_int_equal(o->ran, 1);
	assert_int_equal(o->f.spf_done, 1);
	assert_int_equal(o->f.spf_result, SPF_NONE);
	assert_int_equal(o->f.helo_done, 1);
	assert_string_equal(o->v.rule, "pass");
	if (strncmp(o->v.header, "Received-SPF: none ", 19) != 0)
		fail_msg("got header '%s'", o->v.header);
	check_line(&pc, &o->v, "action=PREPEND Received-SPF: none ");
	/* Again: the SPF results and the list answer come from the cache. */
	memset(o, 0, sizeof(*o));
	assert_null(policy_evaluate(e, idx, &q, done, o));
	assert_int_equal(o->f.cache_hits, 3);
	assert_int_equal(o->f.spf_result, SPF_NONE);
	engine_done(e, &pc);
}

/*
 * SPF records need a general DNS server: Knot on loopback, if installed
 * (without knotd the test fails, naming the package). Zone spf.test:
 *	fail.spf.test	only 203.0.113.0/24, -all, exp= with a macro
 *	pass.spf.test	192.0.2.0/24
 *	mx.spf.test	HELO name: -all
 */
static pid_t	knot_pid = -1;
static char	knot_dir[64];
static char	knot_server[64];

static const char knot_zone[] =
    "$ORIGIN spf.test.\n"
    "$TTL 300\n"
    "@ IN SOA ns.spf.test. hostmaster.spf.test. 1 3600 600 86400 300\n"
    "  IN NS ns\n"
    "ns IN A 127.0.0.1\n"
    "fail IN TXT \"v=spf1 ip4:203.0.113.0/24 -all exp=why.spf.test\"\n"
    "why IN TXT \"%{i} may not send for %{d}\"\n"
    "pass IN TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
    "mx IN TXT \"v=spf1 -all\"\n";

static void
write_file(const char *path, const char *text)
{
	FILE	*fp = fopen(path, "w");

	assert_non_null(fp);
	assert_true(fputs(text, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
}

static void
knot_answered(void *arg, enum dns_resolver_status st, const uint8_t *pkt,
    size_t len)
{
	(void)pkt;
	(void)len;
	*(int *)arg = st == DNS_RES_OK ? 1 : 2;
}

/* 1 if a Knot server answers for spf.test, 0 if there is no knotd. */
static int
knot_start(void)
{
	const char		*knotd = "/usr/sbin/knotd";
	struct dns_resolver	*r;
	char			 path[128], text[1024], err[256];
	int			 port, fd, tries, waits, got;

	if (access(knotd, X_OK) != 0)
		return 0;
	str_lcpy(knot_dir, "/tmp/fairlist-test-knot-XXXXXX", sizeof(knot_dir));
	assert_non_null(mkdtemp(knot_dir));
	snprintf(path, sizeof(path), "%s/spf.test.zone", knot_dir);
	write_file(path, knot_zone);
	snprintf(path, sizeof(path), "%s/db", knot_dir);
	assert_int_equal(mkdir(path, 0700), 0);
	for (tries = 0; tries < 3; tries++) {
		assert_true((port = free_port()) > 0);
		snprintf(text, sizeof(text),
		    "server:\n    listen: 127.0.0.1@%d\n    rundir: %s\n"
		    "log:\n  - target: stderr\n    any: warning\n"
		    "database:\n    storage: %s/db\n"
		    "zone:\n  - domain: spf.test\n"
		    "    file: %s/spf.test.zone\n", port, knot_dir, knot_dir,
		    knot_dir);
		snprintf(path, sizeof(path), "%s/knot.conf", knot_dir);
		write_file(path, text);
		knot_pid = fork();
		assert_true(knot_pid >= 0);
		if (knot_pid == 0) {
			snprintf(text, sizeof(text), "%s/knot.log", knot_dir);
			if ((fd = open(text, O_WRONLY | O_CREAT | O_TRUNC,
			    0600)) >= 0) {
				dup2(fd, 1);
				dup2(fd, 2);
			}
			execl(knotd, "knotd", "-c", path, (char *)NULL);
			_exit(127);
		}
		snprintf(knot_server, sizeof(knot_server), "127.0.0.1:%d",
		    port);
		r = dns_resolver_new(knot_server, 100, err, sizeof(err));
		assert_non_null(r);
		for (got = 0, waits = 0; got != 1 &&
		    waitpid(knot_pid, NULL, WNOHANG) == 0; ) {
			got = 0;
			dns_resolver_query(r, "fail.spf.test", 16,
			    knot_answered, &got);
			while (got == 0)
				dns_resolver_wait(r);
			if (got != 1)
				usleep(50000);
			if (++waits > 200)
				break;
		}
		dns_resolver_free(r);
		if (got == 1)
			return 1;
		kill(knot_pid, SIGTERM);
		waitpid(knot_pid, NULL, 0);
		knot_pid = -1;
	}
	fail_msg("knotd did not start: see %s/knot.log", knot_dir);
	return 0;
}

static void
knot_stop(void)
{
	char	cmd[128];

	if (knot_pid > 0) {
		kill(knot_pid, SIGTERM);
		waitpid(knot_pid, NULL, 0);
		knot_pid = -1;
	}
	if (knot_dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", knot_dir);
		if (system(cmd) != 0)
			print_error("could not remove %s\n", knot_dir);
		knot_dir[0] = '\0';
	}
}

static void
spf_query(struct policy_query *q, const char *ip, const char *sender,
    const char *helo)
{
	memset(q, 0, sizeof(*q));
	q->client_address = ip;
	q->sender = sender;
	q->helo = helo;
	q->recipient = "user@example.net";
}

static void
run(struct policy_engine *e, const struct policy_query *q, struct outcome *o,
    int *sync)
{
	memset(o, 0, sizeof(*o));
	*sync = policy_evaluate(e, idx, q, done, o) == NULL;
	if (!*sync)
		wait_all(o, 1);
	assert_int_equal(o->ran, 1);
}

static void
test_spf_knot(void **state)
{
	/* The DNSBL on fairlist's server, SPF on Knot. */
	static const char *const sites[] = { "bl.test*3", NULL };
	struct policy_conf	 pc;
	struct policy_engine	*e;
	struct policy_query	 q;
	struct outcome		*o = &outs[0];
	int			 sync;

	(void)state;
	if (!knot_start())
		fail_msg("/usr/sbin/knotd not found: install the Debian package knot");
	conf(&pc, sites);
	pc.sites[0].server = xstrdup(server);
	free(pc.resolver);
	pc.resolver = xstrdup(knot_server);
	pc.spf = 1;
	pc.spf_helo = 1;
	pc.spf_fail_action = POLICY_REJECT;
	e = engine(&pc);

	/* MAIL FROM fails, with the record's own explanation. */
	spf_query(&q, "192.0.2.200", "joe@fail.spf.test", "client.spf.test");
	run(e, &q, o, &sync);
	assert_false(sync);
	assert_int_equal(o->f.lists[0].state, POLICY_LIST_CLEAN);
	assert_int_equal(o->f.spf_done, 1);
	assert_int_equal(o->f.spf_result, SPF_FAIL);
	assert_string_equal(o->f.spf_explanation,
	    "192.0.2.200 may not send for fail.spf.test");
	assert_string_equal(o->v.rule, "spf");
	assert_int_equal(o->v.action, POLICY_REJECT);
	check_line(&pc, &o->v, "action=554 5.7.1 Mail from 192.0.2.200 "
	    "refused: SPF fail for <joe@fail.spf.test>: 192.0.2.200 may not "
	    "send for fail.spf.test\n");
	if (strncmp(o->f.spf_header, "Received-SPF: fail ", 19) != 0)
		fail_msg("got header '%s'", o->f.spf_header);

	/* The same again: SPF and the list from the cache, at once. */
	run(e, &q, o, &sync);
	assert_true(sync);
	assert_int_equal(o->f.queries, 0);
	assert_string_equal(o->v.rule, "spf");

	/* A pass records Received-SPF: pass. */
	spf_query(&q, "192.0.2.200", "joe@pass.spf.test", "client.spf.test");
	run(e, &q, o, &sync);
	assert_int_equal(o->f.spf_result, SPF_PASS);
	assert_string_equal(o->v.rule, "pass");
	check_line(&pc, &o->v, "action=PREPEND Received-SPF: pass ");

	/* The HELO name fails on its own. */
	spf_query(&q, "192.0.2.200", "joe@pass.spf.test", "mx.spf.test");
	run(e, &q, o, &sync);
	assert_int_equal(o->f.spf_result, SPF_PASS);
	assert_int_equal(o->f.helo_done, 1);
	assert_int_equal(o->f.helo_result, SPF_FAIL);
	assert_string_equal(o->v.rule, "spf");

	/*
	 * A listed client: the DNSBL decides before SPF, and without
	 * waiting for it (SPF may or may not have finished first).
	 */
	spf_query(&q, "192.0.2.1", "joe@fail.spf.test", "client.spf.test");
	run(e, &q, o, &sync);
	assert_int_equal(o->f.timed_out, 0);
	assert_string_equal(o->v.rule, "dnsbl");

	/* Cancel with SPF in flight, then free with it in flight. */
	spf_query(&q, "192.0.2.201", "ann@fail.spf.test", "client.spf.test");
	memset(o, 0, sizeof(*o));
	policy_cancel(policy_evaluate(e, idx, &q, done, o));
	spf_query(&q, "192.0.2.202", "ann@fail.spf.test", "client.spf.test");
	assert_non_null(policy_evaluate(e, idx, &q, done, o));
	policy_engine_free(e);
	assert_int_equal(o->ran, 0);

	/* SPF cut off by the deadline: temperror, fail-open. */
	free(pc.resolver);
	pc.resolver = xstrdup(silent);
	pc.deadline_ms = 600;
	pc.lookup_ms = 60000;
	pc.fail_open = POLICY_DEFER;
	e = engine(&pc);
	spf_query(&q, "192.0.2.203", "joe@fail.spf.test", "client.spf.test");
	run(e, &q, o, &sync);
	assert_int_equal(o->f.timed_out, 1);
	assert_int_equal(o->f.spf_done, 1);
	assert_int_equal(o->f.spf_result, SPF_TEMPERROR);
	assert_string_equal(o->v.rule, "fail-open");
	assert_int_equal(o->v.action, POLICY_DEFER);
	engine_done(e, &pc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listed_clean_error),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_dedupe),
		cmocka_unit_test(test_local_and_exempt),
		cmocka_unit_test(test_store_zones),
		cmocka_unit_test(test_client_text),
		cmocka_unit_test(test_dead),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_early),
		cmocka_unit_test(test_long_zone),
		cmocka_unit_test(test_resolver_down),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_spf_none),
		cmocka_unit_test(test_spf_knot),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
