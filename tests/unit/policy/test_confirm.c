/*
 * test_confirm.c: confirm-check over the policy protocol (policy/confirm.c):
 * the reply lines for every kind of decision, byte for byte, and the SPF
 * check on the engine's loop through the resolver seam
 * (policy_engine_dns_hook) with an in-memory zone of TXT records: pass,
 * fail, softfail, none, a SERVFAIL (temperror), a resolver that never
 * answers (temperror at the engine's cut-off), cancelling, an engine
 * freed with a check out, and an engine without confirm-check.
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

#include "confirm/confirm.h"
#include "dns/dns.h"
#include "policy/policy.h"
#include "policy/policy_int.h"

#define HELD_MAX	8

enum how { TXT, SERVFAIL, SILENT };

/* The zone: a name's one TXT string, or its fate. */
static const struct rec {
	const char	*name;
	enum how	 how;
	const char	*txt;
} zone[] = {
	{ "example.test", TXT, "v=spf1 ip4:192.0.2.10 -all" },
	{ "soft.example.test", TXT, "v=spf1 ip4:192.0.2.10 ~all" },
	{ "nospf.example.test", TXT, "hello world" },
	{ "broken.example.test", SERVFAIL, NULL },
	{ "silent.example.test", SILENT, NULL },
};

struct held {
	void	(*cb)(void *, enum dns_resolver_status, const uint8_t *,
		    size_t);
	void	*arg;
};

static struct event_base	*base;
static struct held		 held[HELD_MAX];
static int			 nheld;
static int			 nqueries;

/* A response to (name, TXT) with one string, written by hand. */
static size_t
build(uint8_t *pkt, size_t cap, const char *name, const char *txt)
{
	size_t	n = DNS_HEADER_LEN, qlen, tlen = strlen(txt);

	memset(pkt, 0, DNS_HEADER_LEN);
	pkt[2] = 0x81;
	pkt[3] = 0x80;
	pkt[5] = 1;
	pkt[7] = 1;
	qlen = dns_name_from_text(name, pkt + n, cap - n);
	assert_true(qlen > 0);
	n += qlen;
	memcpy(pkt + n, "\x00\x10\x00\x01", 4);
	n += 4;
	assert_true(tlen < 256 && n + 13 + tlen <= cap);
	memcpy(pkt + n, "\xc0\x0c\x00\x10\x00\x01\x00\x00\x01\x2c", 10);
	n += 10;
	pkt[n++] = (uint8_t)((tlen + 1) >> 8);
	pkt[n++] = (uint8_t)(tlen + 1);
	pkt[n++] = (uint8_t)tlen;
	memcpy(pkt + n, txt, tlen);
	return n + tlen;
}

static void
mem_query(void *ctx, const char *servers, const char *name, uint16_t type,
    void (*cb)(void *, enum dns_resolver_status, const uint8_t *, size_t),
    void *arg)
{
	uint8_t	pkt[512];
	size_t	i;

	(void)ctx;
	(void)servers;
	nqueries++;
	for (i = 0; i < sizeof(zone) / sizeof(zone[0]); i++)
		if (strcasecmp(zone[i].name, name) == 0)
			break;
	if (i == sizeof(zone) / sizeof(zone[0])) {
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
	case TXT:
	default:
		if (type != DNS_T_TXT) {
			cb(arg, DNS_RES_NODATA, NULL, 0);
			break;
		}
		cb(arg, DNS_RES_OK, pkt, build(pkt, sizeof(pkt), name,
		    zone[i].txt));
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

/* What one check gave. */
struct outcome {
	int		ran;
	enum spf_result	r;
};

static void
done(void *arg, enum spf_result r)
{
	struct outcome	*o = arg;

	o->ran++;
	o->r = r;
	event_base_loopbreak(base);
}

static void
guard(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
	event_base_loopbreak(base);
}

/* Run the loop until o ran, or for at most 10 s (a hung test). */
static void
run_until(struct outcome *o)
{
	struct event	*ev;
	struct timeval	 tv = { 10, 0 };
	int		 fired = 0;

	ev = evtimer_new(base, guard, &fired);
	evtimer_add(ev, &tv);
	while (o->ran == 0 && !fired)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(ev);
	if (fired)
		fail_msg("no answer in 10 s");
}

/* The defaults with confirm-check on (or off), no SPF, no probes. */
static void
conf_confirm(struct policy_conf *pc, int on, int deadline_ms)
{
	char	err[256];

	assert_int_equal(policy_conf_read(NULL, NULL, pc, err, sizeof(err)),
	    0);
	pc->probe_s = 0;
	pc->local_store = 0;
	pc->spf = 0;
	pc->spf_helo = 0;
	pc->confirm_check = on;
	pc->deadline_ms = deadline_ms;
}

static struct policy_engine *
engine(const struct policy_conf *pc)
{
	struct policy_engine	*e;
	char			 err[256];

	if ((e = policy_engine_new(pc, base, err, sizeof(err))) == NULL)
		fail_msg("policy_engine_new: %s", err);
	return e;
}

static void
test_spf_results(void **state)
{
	static const struct {
		const char	*name, *ip, *sender;
		enum spf_result	 want;
	} cases[] = {
		{ "pass", "192.0.2.10", "alice@example.test", SPF_PASS },
		{ "pass v6 no", "2001:db8::1", "alice@example.test", SPF_FAIL },
		{ "fail", "192.0.2.99", "bob@example.test", SPF_FAIL },
		{ "softfail", "192.0.2.99", "bob@soft.example.test",
		    SPF_SOFTFAIL },
		{ "no record", "192.0.2.99", "bob@nospf.example.test",
		    SPF_NONE },
		{ "no name", "192.0.2.99", "bob@gone.example.test", SPF_NONE },
		{ "servfail", "192.0.2.99", "bob@broken.example.test",
		    SPF_TEMPERROR },
	};
	struct policy_conf	 pc;
	struct policy_engine	*e;
	struct policy_confirm	*c;
	struct outcome		 o;
	char			 err[256];
	size_t			 i;
	int			 failed = 0;

	(void)state;
	conf_confirm(&pc, 1, 5000);
	e = engine(&pc);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&o, 0, sizeof(o));
		c = policy_confirm_spf(e, cases[i].ip, cases[i].sender,
		    "mx.example.test", done, &o, err, sizeof(err));
		if (c == NULL)
			fail_msg("%s: %s", cases[i].name, err);
		/* Never inside the call, even with every answer at hand. */
		if (o.ran != 0) {
			print_error("%s: done ran inside the call\n",
			    cases[i].name);
			failed++;
		}
		run_until(&o);
		if (o.ran != 1 || o.r != cases[i].want) {
			print_error("%s: got %s (ran %d), want %s\n",
			    cases[i].name, spf_result_str(o.r), o.ran,
			    spf_result_str(cases[i].want));
			failed++;
		}
	}
	policy_engine_free(e);
	policy_conf_free(&pc);
	assert_int_equal(failed, 0);
}

/* A resolver that never answers: temperror at the engine's cut-off. */
static void
test_silent_deadline(void **state)
{
	struct policy_conf	 pc;
	struct policy_engine	*e;
	struct outcome		 o;
	char			 err[256];

	(void)state;
	nheld = 0;
	conf_confirm(&pc, 1, 400);
	e = engine(&pc);
	memset(&o, 0, sizeof(o));
	assert_non_null(policy_confirm_spf(e, "192.0.2.10",
	    "a@silent.example.test", NULL, done, &o, err, sizeof(err)));
	run_until(&o);
	assert_int_equal(o.ran, 1);
	assert_int_equal(o.r, SPF_TEMPERROR);
	/* The query is still held: the engine's free answers and frees it. */
	assert_int_equal(nheld, 1);
	policy_engine_free(e);
	assert_int_equal(nheld, 0);
	assert_int_equal(o.ran, 1);
	policy_conf_free(&pc);
}

/* Cancelled before it starts, or with a query out: done never runs. */
static void
test_cancel(void **state)
{
	struct policy_conf	 pc;
	struct policy_engine	*e;
	struct policy_confirm	*c;
	struct outcome		 o, o2, o3;
	char			 err[256];

	(void)state;
	nheld = 0;
	conf_confirm(&pc, 1, 5000);
	e = engine(&pc);
	memset(&o, 0, sizeof(o));
	memset(&o2, 0, sizeof(o2));
	memset(&o3, 0, sizeof(o3));
	c = policy_confirm_spf(e, "192.0.2.10", "a@example.test", NULL, done,
	    &o, err, sizeof(err));
	assert_non_null(c);
	policy_confirm_cancel(c);
	/* A held query: cancel, then a second check runs to its end. */
	c = policy_confirm_spf(e, "192.0.2.10", "a@silent.example.test", NULL,
	    done, &o2, err, sizeof(err));
	assert_non_null(c);
	event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(nheld, 1);
	policy_confirm_cancel(c);
	policy_confirm_cancel(NULL);
	assert_non_null(policy_confirm_spf(e, "192.0.2.10", "a@example.test",
	    NULL, done, &o3, err, sizeof(err)));
	run_until(&o3);
	assert_int_equal(o3.r, SPF_PASS);
	/* The held answer arrives late: nothing runs for the cancelled. */
	mem_cancel(NULL);
	event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(o.ran, 0);
	assert_int_equal(o2.ran, 0);
	/* An engine freed with a check out: its done does not run. */
	memset(&o, 0, sizeof(o));
	assert_non_null(policy_confirm_spf(e, "192.0.2.10",
	    "a@silent.example.test", NULL, done, &o, err, sizeof(err)));
	event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(nheld, 1);
	policy_engine_free(e);
	assert_int_equal(nheld, 0);
	assert_int_equal(o.ran, 0);
	policy_conf_free(&pc);
}

static void
test_off(void **state)
{
	struct policy_conf	 pc;
	struct policy_engine	*e;
	struct outcome		 o;
	char			 err[256];

	(void)state;
	conf_confirm(&pc, 0, 5000);
	e = engine(&pc);
	assert_null(policy_confirm_spf(e, "192.0.2.10", "a@example.test",
	    NULL, done, &o, err, sizeof(err)));
	assert_string_equal(err, "confirm-check is off");
	policy_engine_free(e);
	policy_conf_free(&pc);
}

/* The reply lines, byte for byte (docs/POLICY.md). */
static void
test_format(void **state)
{
	static const struct {
		const char		*name;
		enum confirm_verdict	 verdict;
		enum confirm_reason	 reason;
		enum spf_result		 spf;
		int			 aligned, counted;
		int64_t			 sa, sd;
		const char		*text, *want;
	} cases[] = {
		{ "send", CONFIRM_SEND, CONFIRM_R_SPF_PASS, SPF_PASS, 0, 1, 1,
		    7, "a@example.test: send (...)",
		    "action=OK\nverdict=send\nreason=spf-pass\nspf=pass\n"
		    "dkim_aligned=no\nsent_address=1\nsent_domain=7\n"
		    "counted=yes\nexplanation=a@example.test: send (...)\n\n" },
		{ "dkim send", CONFIRM_SEND, CONFIRM_R_DKIM_PASS, SPF_SOFTFAIL,
		    1, 1, 2, 2, "t",
		    "action=OK\nverdict=send\nreason=dkim-pass\nspf=softfail\n"
		    "dkim_aligned=yes\nsent_address=2\nsent_domain=2\n"
		    "counted=yes\nexplanation=t\n\n" },
		{ "refuse", CONFIRM_REFUSE, CONFIRM_R_SPF, SPF_FAIL, 0, 0, 0, 0,
		    "SPF for example.test is fail",
		    "action=REJECT SPF for example.test is fail\n"
		    "verdict=refuse\nreason=not-authenticated\nspf=fail\n"
		    "dkim_aligned=no\nsent_address=0\nsent_domain=0\n"
		    "counted=no\nexplanation=SPF for example.test is "
		    "fail\n\n" },
		{ "rate", CONFIRM_REFUSE, CONFIRM_R_RATE_ADDRESS, SPF_PASS, 0,
		    0, 3, 9, "3 confirmations",
		    "action=REJECT 3 confirmations\nverdict=refuse\n"
		    "reason=rate-address\nspf=pass\ndkim_aligned=no\n"
		    "sent_address=3\nsent_domain=9\ncounted=no\n"
		    "explanation=3 confirmations\n\n" },
		{ "temperror defers", CONFIRM_REFUSE, CONFIRM_R_TEMPERROR,
		    SPF_TEMPERROR, 0, 0, 0, 0, "later",
		    "action=DEFER later\nverdict=refuse\nreason=temperror\n"
		    "spf=temperror\ndkim_aligned=no\nsent_address=0\n"
		    "sent_domain=0\ncounted=no\nexplanation=later\n\n" },
		{ "one line always", CONFIRM_REFUSE, CONFIRM_R_BAD_ADDRESS,
		    SPF_NONE, 0, 0, 0, 0, "a\nb\r\x01\xc3\xa9",
		    "action=REJECT a?b????\nverdict=refuse\n"
		    "reason=bad-address\nspf=none\ndkim_aligned=no\n"
		    "sent_address=0\nsent_domain=0\ncounted=no\n"
		    "explanation=a?b????\n\n" },
	};
	struct confirm_result	r;
	struct sbuf		b;
	size_t			i;
	int			failed = 0;

	(void)state;
	sbuf_init(&b);
	sbuf_adds(&b, "left over");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&r, 0, sizeof(r));
		r.verdict = cases[i].verdict;
		r.reason = cases[i].reason;
		r.spf = cases[i].spf;
		r.dkim_aligned = cases[i].aligned;
		r.counted = cases[i].counted;
		r.sent_address = cases[i].sa;
		r.sent_domain = cases[i].sd;
		snprintf(r.text, sizeof(r.text), "%s", cases[i].text);
		policy_confirm_format(&r, &b);
		if (strcmp(b.s, cases[i].want) != 0) {
			print_error("%s: got '%s', want '%s'\n",
			    cases[i].name, b.s, cases[i].want);
			failed++;
		}
	}
	policy_confirm_format_error(POLICY_CONFIRM_STORE, &b);
	if (strcmp(b.s, "action=DEFER the send could not be counted in the "
	    "store: hold the confirmation and ask again later\n"
	    "verdict=error\nreason=store-error\nexplanation=the send could "
	    "not be counted in the store: hold the confirmation and ask "
	    "again later\n\n") != 0) {
		print_error("store error: got '%s'\n", b.s);
		failed++;
	}
	policy_confirm_format_error(POLICY_CONFIRM_TIMEOUT, &b);
	if (strncmp(b.s, "action=DEFER no decision within the deadline",
	    44) != 0 || strstr(b.s, "\nverdict=error\nreason=timeout\n") ==
	    NULL || strcmp(b.s + b.len - 2, "\n\n") != 0) {
		print_error("timeout: got '%s'\n", b.s);
		failed++;
	}
	sbuf_free(&b);
	assert_int_equal(failed, 0);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_spf_results),
		cmocka_unit_test(test_silent_deadline),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_off),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
