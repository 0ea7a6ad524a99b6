/*
 * test_spf.c: check_host() on in-memory zones (spf/spf.c, spf/zone.c):
 * exp= edge cases, the section 4.6.4 limit counters (checked before the
 * lookup), bad input (64 KiB record, macro bomb, loops, NUL, CR/LF,
 * non-ASCII), IPv4-mapped clients, the HELO identity and the headers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "spf/spf.h"

/* Zone lines: "name TYPE value"; MX value "pref name"; TXT verbatim. */
static struct spf_zone *
zone(const char *const *lines)
{
	struct spf_zone	*z = spf_zone_new();
	char		 name[300], type[16];
	const char	*v;
	uint8_t		 a[16];
	int		 off;

	for (; *lines != NULL; lines++) {
		if (sscanf(*lines, "%299s %15s %n", name, type, &off) != 2)
			abort();
		v = *lines + off;
		if (strcmp(type, "A") == 0) {
			if (inet_pton(AF_INET, v, a) != 1)
				abort();
			spf_zone_add(z, name, DNS_T_A, 0, a, 4);
		} else if (strcmp(type, "AAAA") == 0) {
			if (inet_pton(AF_INET6, v, a) != 1)
				abort();
			spf_zone_add(z, name, DNS_T_AAAA, 0, a, 16);
		} else if (strcmp(type, "MX") == 0)
			spf_zone_add(z, name, DNS_T_MX, (uint16_t)atoi(v),
			    strchr(v, ' ') + 1, strlen(strchr(v, ' ') + 1));
		else if (strcmp(type, "PTR") == 0)
			spf_zone_add(z, name, DNS_T_PTR, 0, v, strlen(v));
		else if (strcmp(type, "TXT") == 0)
			spf_zone_add(z, name, DNS_T_TXT, 0, v, strlen(v));
		else if (strcmp(type, "TIMEOUT") == 0)
			spf_zone_timeout(z, name);
		else
			abort();
	}
	return z;
}

struct out {
	enum spf_result	 r;
	char		 exp[1100];
	int		 has_exp;
	int		 lookups, queries;
	char		 mech[128];
};

static void
eval_zone(struct spf_zone *z, const char *ip, const char *from,
    const char *helo, enum spf_identity id, struct out *o)
{
	struct spf_request	 req;
	struct spf		*s;
	struct spf_answer	 a;
	char			 err[128];

	memset(&req, 0, sizeof(req));
	req.ip = ip;
	req.mail_from = from;
	req.helo = helo;
	req.identity = id;
	req.default_exp = "DEFAULT";
	req.receiver = "rcv.example";
	req.now = 1700000000;
	s = spf_new(&req, err, sizeof(err));
	assert_non_null(s);
	while (spf_step(s) == SPF_STEP_QUERY) {
		spf_zone_lookup(z, spf_query_name(s), spf_query_type(s), &a);
		spf_answer(s, &a);
	}
	o->r = spf_result(s);
	o->has_exp = spf_explanation(s) != NULL;
	snprintf(o->exp, sizeof(o->exp), "%s",
	    o->has_exp ? spf_explanation(s) : "");
	o->lookups = spf_lookups(s);
	o->queries = spf_queries(s);
	snprintf(o->mech, sizeof(o->mech), "%s", spf_mechanism(s));
	spf_free(s);
}

struct tcase {
	const char		*name;
	const char		*zone[40];
	const char		*ip;
	const char		*from;
	enum spf_result		 want;
	const char		*exp;	/* NULL: do not check */
	int			 lookups;	/* -1: do not check */
};

static const struct tcase cases[] = {
	/* exp= edge cases (RFC 7208 section 6.2). */
	{ "exp with p macro", { "x.example TXT v=spf1 -all exp=e.x.example",
	    "e.x.example TXT %{i} is %{p} %{v}",
	    "1.2.0.192.in-addr.arpa PTR h.x.example",
	    "h.x.example A 192.0.2.1", NULL }, "192.0.2.1", "a@x.example",
	    SPF_FAIL, "192.0.2.1 is h.x.example in-addr", 0 },
	{ "exp with p unvalidated", { "x.example TXT v=spf1 -all "
	    "exp=e.x.example",
	    "e.x.example TXT from %{p}",
	    "1.2.0.192.in-addr.arpa PTR h.x.example",
	    "h.x.example A 192.0.2.99", NULL }, "192.0.2.1", "a@x.example",
	    SPF_FAIL, "from unknown", 0 },
	{ "exp c r t", { "x.example TXT v=spf1 -all exp=e.x.example",
	    "e.x.example TXT %{c} %{r} %{t} %{L}", NULL }, "2001:db8::1",
	    "A&b@x.example", SPF_FAIL,
	    "2001:db8::1 rcv.example 1700000000 A%26b", 0 },
	{ "exp not on softfail", { "x.example TXT v=spf1 ~all exp=e.x.example",
	    "e.x.example TXT no", NULL }, "192.0.2.1", "a@x.example",
	    SPF_SOFTFAIL, NULL, 0 },
	{ "exp domain with macro", { "x.example TXT v=spf1 -all "
	    "exp=%{l}.x.example",
	    "bob.x.example TXT hi %{l}", NULL }, "192.0.2.1", "bob@x.example",
	    SPF_FAIL, "hi bob", 0 },
	{ "exp domain invalid after expansion",
	    { "x.example TXT v=spf1 -all exp=%{l}.x.example", NULL },
	    "192.0.2.1", "a..b@x.example", SPF_FAIL, "DEFAULT", 0 },
	{ "exp dns error", { "x.example TXT v=spf1 -all exp=e.x.example",
	    "e.x.example TIMEOUT", NULL }, "192.0.2.1", "a@x.example",
	    SPF_FAIL, "DEFAULT", 0 },
	{ "exp bad macro in text", { "x.example TXT v=spf1 -all "
	    "exp=e.x.example",
	    "e.x.example TXT %{z}", NULL }, "192.0.2.1", "a@x.example",
	    SPF_FAIL, "DEFAULT", 0 },
	{ "exp empty text", { "x.example TXT v=spf1 -all exp=e.x.example",
	    "e.x.example TXT ", NULL }, "192.0.2.1", "a@x.example",
	    SPF_FAIL, "", 0 },
	{ "exp not counted as lookup", { "x.example TXT v=spf1 a a a a a a a "
	    "a a a -all exp=e.x.example",
	    "x.example A 198.51.100.1", "e.x.example TXT ten", NULL },
	    "192.0.2.1", "a@x.example", SPF_FAIL, "ten", 10 },
	{ "exp of include target ignored", { "x.example TXT v=spf1 "
	    "-include:i.x.example ?all",
	    "i.x.example TXT v=spf1 +all exp=e.x.example", "e.x.example TXT "
	    "inc", NULL },
	    "192.0.2.1", "a@x.example", SPF_FAIL, "DEFAULT", 1 },
	/* Limits, counted before the lookup (section 4.6.4). */
	{ "ten lookups pass", { "x.example TXT v=spf1 a a a a a a a a a "
	    "ip4:192.0.2.1 a -all",
	    "x.example A 198.51.100.1", NULL }, "192.0.2.1", "a@x.example",
	    SPF_PASS, NULL, 9 },
	{ "eleventh lookup term", { "x.example TXT v=spf1 a a a a a a a a a a "
	    "a -all",
	    "x.example A 198.51.100.1", NULL }, "192.0.2.1", "a@x.example",
	    SPF_PERMERROR, NULL, 11 },
	{ "redirect counts", { "x.example TXT v=spf1 a a a a a a a a a a "
	    "redirect=y.example",
	    "x.example A 198.51.100.1", "y.example TXT v=spf1 +all", NULL },
	    "192.0.2.1", "a@x.example", SPF_PERMERROR, NULL, 11 },
	{ "two void lookups", { "x.example TXT v=spf1 a:n1.x.example "
	    "mx:n2.x.example ?all",
	    NULL }, "192.0.2.1", "a@x.example", SPF_NEUTRAL, NULL, 2 },
	{ "three void lookups", { "x.example TXT v=spf1 a:n1.x.example "
	    "mx:n2.x.example exists:n3.x.example +all",
	    NULL }, "192.0.2.1", "a@x.example", SPF_PERMERROR, NULL, 3 },
	{ "ten MX names", { "x.example TXT v=spf1 mx -all",
	    "x.example MX 1 m1.x.example", "x.example MX 2 m2.x.example",
	    "x.example MX 3 m3.x.example", "x.example MX 4 m4.x.example",
	    "x.example MX 5 m5.x.example", "x.example MX 6 m6.x.example",
	    "x.example MX 7 m7.x.example", "x.example MX 8 m8.x.example",
	    "x.example MX 9 m9.x.example", "x.example MX 10 m10.x.example",
	    "m10.x.example A 192.0.2.1", NULL }, "192.0.2.1", "a@x.example",
	    SPF_PASS, NULL, 1 },
	{ "eleven MX names", { "x.example TXT v=spf1 mx -all",
	    "x.example MX 1 m1.x.example", "x.example MX 2 m2.x.example",
	    "x.example MX 3 m3.x.example", "x.example MX 4 m4.x.example",
	    "x.example MX 5 m5.x.example", "x.example MX 6 m6.x.example",
	    "x.example MX 7 m7.x.example", "x.example MX 8 m8.x.example",
	    "x.example MX 9 m9.x.example", "x.example MX 10 m10.x.example",
	    "x.example MX 11 m11.x.example",
	    "m1.x.example A 192.0.2.1", NULL }, "192.0.2.1", "a@x.example",
	    SPF_PERMERROR, NULL, 1 },
	{ "PTR names past ten ignored", { "x.example TXT v=spf1 ptr -all",
	    "1.2.0.192.in-addr.arpa PTR p1.y.example",
	    "1.2.0.192.in-addr.arpa PTR p2.y.example",
	    "1.2.0.192.in-addr.arpa PTR p3.y.example",
	    "1.2.0.192.in-addr.arpa PTR p4.y.example",
	    "1.2.0.192.in-addr.arpa PTR p5.y.example",
	    "1.2.0.192.in-addr.arpa PTR p6.y.example",
	    "1.2.0.192.in-addr.arpa PTR p7.y.example",
	    "1.2.0.192.in-addr.arpa PTR p8.y.example",
	    "1.2.0.192.in-addr.arpa PTR p9.y.example",
	    "1.2.0.192.in-addr.arpa PTR p10.y.example",
	    "1.2.0.192.in-addr.arpa PTR h.x.example",
	    "h.x.example A 192.0.2.1", NULL }, "192.0.2.1", "a@x.example",
	    SPF_FAIL, NULL, 1 },
	{ "ptr match", { "x.example TXT v=spf1 ptr -all",
	    "1.2.0.192.in-addr.arpa PTR h.X.example.",
	    "h.x.example A 192.0.2.1", NULL }, "192.0.2.1", "a@x.example",
	    SPF_PASS, NULL, 1 },
	{ "include loop", { "x.example TXT v=spf1 include:y.example -all",
	    "y.example TXT v=spf1 include:x.example -all", NULL },
	    "192.0.2.1", "a@x.example", SPF_PERMERROR, NULL, 11 },
	{ "deep redirect chain", { "x.example TXT v=spf1 redirect=r1.x.example",
	    "r1.x.example TXT v=spf1 redirect=r2.x.example",
	    "r2.x.example TXT v=spf1 redirect=r3.x.example",
	    "r3.x.example TXT v=spf1 redirect=r4.x.example",
	    "r4.x.example TXT v=spf1 redirect=r5.x.example",
	    "r5.x.example TXT v=spf1 redirect=r6.x.example",
	    "r6.x.example TXT v=spf1 redirect=r7.x.example",
	    "r7.x.example TXT v=spf1 redirect=r8.x.example",
	    "r8.x.example TXT v=spf1 redirect=r9.x.example",
	    "r9.x.example TXT v=spf1 redirect=r10.x.example",
	    "r10.x.example TXT v=spf1 redirect=r11.x.example",
	    "r11.x.example TXT v=spf1 +all", NULL },
	    "192.0.2.1", "a@x.example", SPF_PERMERROR, NULL, 11 },
	{ "redirect chain of ten", { "x.example TXT v=spf1 "
	    "redirect=r1.x.example",
	    "r1.x.example TXT v=spf1 redirect=r2.x.example",
	    "r2.x.example TXT v=spf1 redirect=r3.x.example",
	    "r3.x.example TXT v=spf1 redirect=r4.x.example",
	    "r4.x.example TXT v=spf1 redirect=r5.x.example",
	    "r5.x.example TXT v=spf1 redirect=r6.x.example",
	    "r6.x.example TXT v=spf1 redirect=r7.x.example",
	    "r7.x.example TXT v=spf1 redirect=r8.x.example",
	    "r8.x.example TXT v=spf1 redirect=r9.x.example",
	    "r9.x.example TXT v=spf1 redirect=r10.x.example",
	    "r10.x.example TXT v=spf1 -all exp=e.x.example",
	    "e.x.example TXT %{d}", NULL },
	    "192.0.2.1", "a@x.example", SPF_FAIL, "r10.x.example", 10 },
	/* Bad input. */
	{ "CR in record", { "x.example TXT v=spf1 ip4:192.0.2.1\r -all", NULL },
	    "192.0.2.1", "a@x.example", SPF_PERMERROR, NULL, 0 },
	{ "LF in record", { "x.example TXT v=spf1 ip4:192.0.2.1\n+all", NULL },
	    "192.0.2.1", "a@x.example", SPF_PERMERROR, NULL, 0 },
	{ "non-ASCII", { "x.example TXT v=spf1 ip4:192.0.2.1 \xc3\xa9 -all",
	    NULL },
	    "192.0.2.1", "a@x.example", SPF_PERMERROR, NULL, 0 },
	{ "tab separator", { "x.example TXT v=spf1\tip4:192.0.2.1 -all", NULL },
	    "192.0.2.1", "a@x.example", SPF_NONE, NULL, 0 },
	{ "macro bomb", { "x.example TXT v=spf1 "
	    "exists:%{s}%{s}%{s}%{s}%{s}%{s}%{s}%{s}"
	    "%{s}%{s}%{s}%{s}%{s}%{s}%{s}%{s}.x.example -all",
	    NULL }, "192.0.2.1",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@x.example",
	    SPF_FAIL, NULL, 1 },
	{ "ipv4-mapped client", { "x.example TXT v=spf1 -ip6:::ffff:0:0/96 "
	    "ip4:192.0.2.1 -all", NULL },
	    "::ffff:192.0.2.1", "a@x.example", SPF_PASS, NULL, 0 },
	{ "ipv6 client vs ip4", { "x.example TXT v=spf1 ip4:0.0.0.0/0 "
	    "ip6:2001:db8::/33 -all", NULL },
	    "2001:db8:7fff::1", "a@x.example", SPF_PASS, NULL, 0 },
	{ "dual cidr a", { "x.example TXT v=spf1 a:h.x.example/24//48 -all",
	    "h.x.example A 192.0.2.200", "h.x.example AAAA 2001:db8:1::1",
	    NULL },
	    "2001:db8:1:ffff::5", "a@x.example", SPF_PASS, NULL, 1 },
	{ "no record", { "x.example A 192.0.2.1", NULL },
	    "192.0.2.1", "a@x.example", SPF_NONE, NULL, 0 },
	{ "dns timeout on record", { "x.example TIMEOUT", NULL },
	    "192.0.2.1", "a@x.example", SPF_TEMPERROR, NULL, 0 },
	{ "include temperror", { "x.example TXT v=spf1 include:t.example -all",
	    "t.example TIMEOUT", NULL },
	    "192.0.2.1", "a@x.example", SPF_TEMPERROR, NULL, 1 },
	{ NULL, { NULL }, NULL, NULL, SPF_NONE, NULL, 0 }
};

static void
test_table(void **state)
{
	const struct tcase	*c;
	struct spf_zone		*z;
	struct out		 o;
	int			 failed = 0;

	(void)state;
	for (c = cases; c->name != NULL; c++) {
		z = zone(c->zone);
		eval_zone(z, c->ip, c->from, "h.example", SPF_ID_MAILFROM, &o);
		if (o.r != c->want || (c->exp != NULL &&
		    (!o.has_exp || strcmp(o.exp, c->exp) != 0)) ||
		    (c->lookups >= 0 && o.lookups != c->lookups)) {
			print_error("%s: got %s \"%s\" lookups %d, want %s "
			    "\"%s\" lookups %d\n", c->name,
			    spf_result_str(o.r), o.exp, o.lookups,
			    spf_result_str(c->want), c->exp ? c->exp : "",
			    c->lookups);
			failed++;
		}
		spf_zone_free(z);
	}
	assert_int_equal(failed, 0);
}

/* The 11th term is refused before its query is sent. */
static void
test_limit_before_lookup(void **state)
{
	static const char *const zl[] = {
	    "x.example TXT v=spf1 a:a1.x.example a:a2.x.example "
	    "a:a3.x.example a:a4.x.example a:a5.x.example a:a6.x.example "
	    "a:a7.x.example a:a8.x.example a:a9.x.example a:a10.x.example "
	    "a:a11.x.example -all",
	    "a1.x.example A 198.51.100.1", "a2.x.example A 198.51.100.1",
	    "a3.x.example A 198.51.100.1", "a4.x.example A 198.51.100.1",
	    "a5.x.example A 198.51.100.1", "a6.x.example A 198.51.100.1",
	    "a7.x.example A 198.51.100.1", "a8.x.example A 198.51.100.1",
	    "a9.x.example A 198.51.100.1", "a10.x.example A 198.51.100.1",
	    "a11.x.example A 192.0.2.1", NULL };
	struct spf_zone	*z = zone(zl);
	struct out	 o;

	(void)state;
	eval_zone(z, "192.0.2.1", "a@x.example", NULL, SPF_ID_MAILFROM, &o);
	assert_int_equal(o.r, SPF_PERMERROR);
	/* One TXT plus ten A queries: the eleventh A was never asked. */
	assert_int_equal(o.queries, 11);
	assert_int_equal(spf_zone_queries(z), 11);
	spf_zone_free(z);
}

/* 64 KiB records: too many terms is a permerror; long terms work. */
static void
test_big_records(void **state)
{
	struct spf_zone	*z = spf_zone_new();
	struct out	 o;
	char		*rec = malloc(SPF_RECORD_MAX + 100);
	size_t		 n;

	(void)state;
	n = (size_t)snprintf(rec, 100, "v=spf1");
	while (n + 14 < SPF_RECORD_MAX)
		n += (size_t)snprintf(rec + n, 20, " ip4:192.0.2.9");
	spf_zone_add(z, "many.example", DNS_T_TXT, 0, rec, n);
	n = (size_t)snprintf(rec, 100, "v=spf1 x=");
	memset(rec + n, 'a', SPF_RECORD_MAX - 40 - n);
	n = SPF_RECORD_MAX - 40;
	n += (size_t)snprintf(rec + n, 40, " ip4:192.0.2.1 -all");
	spf_zone_add(z, "long.example", DNS_T_TXT, 0, rec, n);
	memcpy(rec, "v=spf1 ", 7);
	memset(rec + 7, 'a', SPF_RECORD_MAX + 10);
	spf_zone_add(z, "huge.example", DNS_T_TXT, 0, rec, SPF_RECORD_MAX + 17);
	spf_zone_add(z, "nul.example", DNS_T_TXT, 0, "v=spf1 +all\0", 12);
	free(rec);
	eval_zone(z, "192.0.2.1", "a@many.example", NULL, SPF_ID_MAILFROM,
	    &o);
	assert_int_equal(o.r, SPF_PERMERROR);
	eval_zone(z, "192.0.2.1", "a@long.example", NULL, SPF_ID_MAILFROM,
	    &o);
	assert_int_equal(o.r, SPF_PASS);
	eval_zone(z, "192.0.2.1", "a@huge.example", NULL, SPF_ID_MAILFROM,
	    &o);
	assert_int_equal(o.r, SPF_PERMERROR);
	eval_zone(z, "192.0.2.1", "a@nul.example", NULL, SPF_ID_MAILFROM,
	    &o);
	assert_int_equal(o.r, SPF_PERMERROR);
	spf_zone_free(z);
}

/* HELO identity (section 2.3) and the headers. */
static void
test_helo_and_headers(void **state)
{
	static const char *const zl[] = {
	    "mail.example TXT v=spf1 a -all",
	    "mail.example A 192.0.2.1",
	    "x.example TXT v=spf1 -all", NULL };
	struct spf_zone		*z = zone(zl);
	struct spf_request	 req;
	struct spf		*s;
	struct spf_answer	 a;
	struct sbuf		 b;
	char			 err[64];

	(void)state;
	memset(&req, 0, sizeof(req));
	req.ip = "192.0.2.1";
	req.mail_from = "evil\"\r\nX-Injected: 1@x.example";
	req.helo = "mail.example";
	req.identity = SPF_ID_HELO;
	s = spf_new(&req, err, sizeof(err));
	assert_non_null(s);
	while (spf_step(s) == SPF_STEP_QUERY) {
		spf_zone_lookup(z, spf_query_name(s), spf_query_type(s), &a);
		spf_answer(s, &a);
	}
	assert_int_equal(spf_result(s), SPF_PASS);
	assert_string_equal(spf_sender(s), "postmaster@mail.example");
	sbuf_init(&b);
	spf_received_spf(s, "mx.rcv.example", &b);
	assert_string_equal(b.s, "Received-SPF: pass (mx.rcv.example: "
	    "domain of postmaster@mail.example designates 192.0.2.1 as "
	    "permitted sender) client-ip=192.0.2.1; "
	    "envelope-from=\"postmaster@mail.example\"; helo=mail.example; "
	    "receiver=mx.rcv.example; identity=helo; mechanism=\"a\"");
	sbuf_reset(&b);
	spf_auth_results(s, "mx.rcv.example", &b);
	assert_string_equal(b.s, "Authentication-Results: mx.rcv.example; "
	    "spf=pass smtp.helo=mail.example");
	spf_free(s);

	/* A hostile sender and HELO: no CR/LF, quotes escaped. */
	req.identity = SPF_ID_MAILFROM;
	req.helo = "h\r\nX-Evil: (yes)";
	s = spf_new(&req, err, sizeof(err));
	assert_non_null(s);
	while (spf_step(s) == SPF_STEP_QUERY) {
		spf_zone_lookup(z, spf_query_name(s), spf_query_type(s), &a);
		spf_answer(s, &a);
	}
	assert_int_equal(spf_result(s), SPF_FAIL);
	sbuf_reset(&b);
	spf_received_spf(s, "mx.rcv.example", &b);
	assert_null(strchr(b.s, '\r'));
	assert_null(strchr(b.s, '\n'));
	assert_non_null(strstr(b.s, "envelope-from=\"evil\\\"??X-Injected: "
	    "1@x.example\""));
	assert_non_null(strstr(b.s, "helo=\"h??X-Evil: (yes)\""));
	assert_non_null(strstr(b.s, "domain of evil\"??X-Injected: "
	    "1@x.example does not"));
	sbuf_reset(&b);
	spf_auth_results(s, "mx.rcv.example", &b);
	assert_null(strchr(b.s, '\n'));
	assert_string_equal(b.s, "Authentication-Results: mx.rcv.example; "
	    "spf=fail smtp.mailfrom=\"evil\\\"??X-Injected: 1@x.example\"");
	sbuf_free(&b);
	spf_free(s);
	spf_zone_free(z);
}

/* An IPv6 client-ip is quoted; a problem is reported on permerror. */
static void
test_header_ipv6_problem(void **state)
{
	static const char *const zl[] = {
	    "x.example TXT v=spf1 ip6:2001:db8::/32 moo -all", NULL };
	struct spf_zone		*z = zone(zl);
	struct spf_request	 req;
	struct spf		*s;
	struct spf_answer	 a;
	struct sbuf		 b;
	char			 err[64];

	(void)state;
	memset(&req, 0, sizeof(req));
	req.ip = "2001:db8::1";
	req.mail_from = "a@x.example";
	s = spf_new(&req, err, sizeof(err));
	assert_non_null(s);
	while (spf_step(s) == SPF_STEP_QUERY) {
		spf_zone_lookup(z, spf_query_name(s), spf_query_type(s), &a);
		spf_answer(s, &a);
	}
	assert_int_equal(spf_result(s), SPF_PERMERROR);
	sbuf_init(&b);
	spf_received_spf(s, NULL, &b);
	assert_string_equal(b.s, "Received-SPF: permerror (unknown: "
	    "permanent error in the SPF record of domain of a@x.example) "
	    "client-ip=\"2001:db8::1\"; envelope-from=\"a@x.example\"; "
	    "receiver=unknown; identity=mailfrom; "
	    "problem=\"unknown mechanism\"");
	sbuf_free(&b);
	spf_free(s);
	spf_zone_free(z);
}

/* Bad requests are refused by spf_new, not evaluated. */
static void
test_bad_request(void **state)
{
	struct spf_request	 req;
	char			 err[64];

	(void)state;
	memset(&req, 0, sizeof(req));
	req.ip = "192.0.2.300";
	req.mail_from = "a@x.example";
	assert_null(spf_new(&req, err, sizeof(err)));
	req.ip = "192.0.2.1";
	req.mail_from = "";
	req.helo = NULL;
	assert_null(spf_new(&req, err, sizeof(err)));
}

/*
 * Many evaluations in flight at once, each answered one query at a time
 * in round-robin order (as an event loop would): every one must end as
 * it does alone.
 */
static void
test_interleaved(void **state)
{
	static const char *const zl[] = {
	    "x.example TXT v=spf1 ip4:192.0.2.0/26 mx include:i.x.example "
	    "ptr:x.example exists:%{ir}.e.x.example -all exp=e.x.example",
	    "e.x.example TXT %{i} via %{p}",
	    "x.example MX 10 mx.x.example", "mx.x.example A 192.0.2.70",
	    "i.x.example TXT v=spf1 ip4:192.0.2.80 ~all",
	    "90.2.0.192.in-addr.arpa PTR h.x.example",
	    "h.x.example A 192.0.2.90",
	    "100.2.0.192.e.x.example A 127.0.0.2", NULL };
	enum { N = 1000 };
	static const char *const ips[] = { "192.0.2.65", "192.0.2.70",
	    "192.0.2.80", "192.0.2.90", "192.0.2.100", "192.0.2.200",
	    "2001:db8::1" };
	struct spf_zone		*z = zone(zl);
	struct spf		*s[N];
	struct spf_request	 req;
	struct spf_answer	 a;
	struct out		 want[7];
	char			 err[64];
	int			 i, live = N, done[N];

	(void)state;
	for (i = 0; i < 7; i++)
		eval_zone(z, ips[i], "a@x.example", NULL, SPF_ID_MAILFROM,
		    &want[i]);
	memset(&req, 0, sizeof(req));
	req.mail_from = "a@x.example";
	req.default_exp = "DEFAULT";
	req.receiver = "rcv.example";
	req.now = 1700000000;
	for (i = 0; i < N; i++) {
		req.ip = ips[i % 7];
		s[i] = spf_new(&req, err, sizeof(err));
		assert_non_null(s[i]);
		done[i] = 0;
	}
	while (live > 0) {
		for (i = 0; i < N; i++) {
			if (done[i])
				continue;
			if (spf_step(s[i]) == SPF_STEP_DONE) {
				assert_int_equal(spf_result(s[i]),
				    want[i % 7].r);
				assert_string_equal(spf_explanation(s[i]) ?
				    spf_explanation(s[i]) : "",
				    want[i % 7].exp);
				spf_free(s[i]);
				done[i] = 1;
				live--;
				continue;
			}
			spf_zone_lookup(z, spf_query_name(s[i]),
			    spf_query_type(s[i]), &a);
			spf_answer(s[i], &a);
		}
	}
	assert_int_equal(want[0].r, SPF_FAIL);
	assert_string_equal(want[0].exp, "192.0.2.65 via unknown");
	assert_int_equal(want[1].r, SPF_PASS);
	assert_int_equal(want[2].r, SPF_PASS);	/* via the include */
	assert_int_equal(want[3].r, SPF_PASS);
	assert_int_equal(want[4].r, SPF_PASS);
	assert_string_equal(want[6].exp, "2.0.0.1.0.D.B.8.0.0.0.0.0.0.0.0."
	    "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1 via unknown");
	spf_zone_free(z);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_limit_before_lookup),
		cmocka_unit_test(test_big_records),
		cmocka_unit_test(test_helo_and_headers),
		cmocka_unit_test(test_header_ipv6_problem),
		cmocka_unit_test(test_bad_request),
		cmocka_unit_test(test_interleaved),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
