/*
 * test_eval.c: DMARC policy discovery and evaluation (dmarc/eval.c)
 * against an in-memory zone, with Debian's public suffix list. The RFC
 * 7489 appendix B alignment and policy examples, strict and relaxed
 * alignment of SPF and DKIM, the organizational-domain fallback, sp and
 * np (RFC 9091, with the existence query), pct with an injected roll, no
 * record, a TXT that is not DMARC, several DMARC records, temporary
 * failures, a PSL wildcard, a From domain that is a public suffix, and
 * the 550 text. Each case also checks which queries were asked.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dns/dns.h"
#include "dmarc/dmarc.h"

#define NX	(-1)	/* NXDOMAIN */
#define TF	(-2)	/* TEMPFAIL */

/* The zone: TXT records by name ("" ends a list), or a status. */
static const struct rrset {
	const char	*name;
	int		 status;	/* 0, NX or TF */
	const char	*txt[3];
} zone[] = {
	{ "_dmarc.example.com", 0, { "v=DMARC1; p=reject" } },
	{ "_dmarc.strict.example", 0,
	    { "v=DMARC1; p=reject; adkim=s; aspf=s" } },
	{ "_dmarc.sub.example", 0, { "v=DMARC1; p=none; sp=reject" } },
	{ "_dmarc.np.example", 0,
	    { "v=DMARC1; p=none; sp=quarantine; np=reject" } },
	{ "nx.np.example", NX, { NULL } },
	{ "tf.np.example", TF, { NULL } },
	{ "_dmarc.pct0.example", 0, { "v=DMARC1; p=reject; pct=0" } },
	{ "_dmarc.pct50.example", 0, { "v=DMARC1; p=reject; pct=50" } },
	{ "_dmarc.q0.example", 0, { "v=DMARC1; p=quarantine; pct=0" } },
	{ "_dmarc.two.example", 0,
	    { "v=DMARC1; p=reject", "v=DMARC1; p=none" } },
	{ "_dmarc.mixed.example", 0,
	    { "v=spf1 -all", "v=DMARC1; p=quarantine", "hello" } },
	{ "_dmarc.notdmarc.example", 0, { "v=spf1 -all" } },
	{ "_dmarc.a.notdmarc.example", 0, { "v=spf1 -all" } },
	{ "_dmarc.invalid.example", 0, { "v=DMARC1; sp=reject" } },
	{ "_dmarc.a.invalid.example", 0, { "v=DMARC1; pct=1" } },
	{ "_dmarc.rua.example", 0,
	    { "v=DMARC1; p=bogus; rua=mailto:d@rua.example" } },
	{ "_dmarc.tf.example", TF, { NULL } },
	{ "_dmarc.tforg.example", TF, { NULL } },
	{ "_dmarc.b.foo.ck", 0, { "v=DMARC1; p=quarantine" } },
	{ "_dmarc.foo.ck", 0, { "v=DMARC1; p=none" } },
	{ "_dmarc.www.ck", 0, { "v=DMARC1; p=reject" } },
	{ "_dmarc.co.uk", 0, { "v=DMARC1; p=reject" } },
	{ "_dmarc.xn--bcher-kva.example", 0, { "v=DMARC1; p=reject" } },
};

/* The queries asked, "TXT name" or "A name", joined by ' '. */
static char	asked[1024];

static void
answer(struct dmarc *d)
{
	struct dmarc_txt	 txt[3];
	const char		*name = dmarc_query_name(d);
	size_t			 i, n;
	int			 st = NX, found = 0;

	snprintf(asked + strlen(asked), sizeof(asked) - strlen(asked),
	    "%s%s %s", asked[0] != '\0' ? " " : "",
	    dmarc_query_type(d) == DNS_T_A ? "A" : "TXT", name);
	for (i = 0; i < sizeof(zone) / sizeof(zone[0]); i++) {
		if (strcmp(zone[i].name, name) != 0)
			continue;
		st = zone[i].status;
		found = 1;
		break;
	}
	if (dmarc_query_type(d) == DNS_T_A && st != TF) {
		/* A names exist unless listed as NX. */
		dmarc_answer(d, found && st == NX ? DMARC_DNS_NXDOMAIN :
		    DMARC_DNS_OK,
		    NULL, 0);
		return;
	}
	if (st == TF) {
		dmarc_answer(d, DMARC_DNS_TEMPFAIL, NULL, 0);
		return;
	}
	if (st == NX) {
		dmarc_answer(d, DMARC_DNS_NXDOMAIN, NULL, 0);
		return;
	}
	for (n = 0; n < 3 && zone[i].txt[n] != NULL; n++) {
		txt[n].p = zone[i].txt[n];
		txt[n].len = strlen(zone[i].txt[n]);
	}
	dmarc_answer(d, DMARC_DNS_OK, txt, n);
}

static struct dmarc_psl	*psl;

static void
run(const char *from, const struct dmarc_auth *a, struct dmarc_verdict *v)
{
	struct dmarc	*d;
	int		 steps = 0;

	asked[0] = '\0';
	d = dmarc_new(psl, from);
	while (dmarc_step(d) == DMARC_STEP_QUERY) {
		assert_true(++steps <= 3);
		answer(d);
	}
	dmarc_eval(d, a, v);
	dmarc_free(d);
}

#define PASS	DKIM_RES_PASS
#define FAIL	DKIM_RES_FAIL

static const struct {
	const char		*name;
	const char		*from;
	const char		*spf_domain;
	enum spf_result		 spf;
	const char		*dkim1;		/* d= of a signature */
	enum dkim_result	 dkim1_res;
	int			 roll;
	enum dmarc_result	 want;
	enum dmarc_disposition	 disp;
	const char		*tag;		/* policy tag, or NULL */
	const char		*asked;
} table[] = {
	/* Appendix B.1.1: SPF, relaxed and strict. */
	{ "spf same domain", "example.com", "example.com", SPF_PASS, NULL, 0,
	    0, DMARC_RES_PASS, DMARC_DISP_NONE, "p",
	    "TXT _dmarc.example.com" },
	{ "spf subdomain relaxed", "example.com", "child.example.com",
	    SPF_PASS, NULL, 0, 0, DMARC_RES_PASS, DMARC_DISP_NONE, "p",
	    "TXT _dmarc.example.com" },
	{ "spf as an address", "example.com", "bounce@child.example.com",
	    SPF_PASS, NULL, 0, 0, DMARC_RES_PASS, DMARC_DISP_NONE, "p",
	    "TXT _dmarc.example.com" },
	{ "spf subdomain strict", "strict.example", "child.strict.example",
	    SPF_PASS, NULL, 0, 0, DMARC_RES_FAIL, DMARC_DISP_REJECT, "p",
	    "TXT _dmarc.strict.example" },
	{ "spf strict same domain", "strict.example", "STRICT.example.",
	    SPF_PASS, NULL, 0, 0, DMARC_RES_PASS, DMARC_DISP_NONE, "p",
	    "TXT _dmarc.strict.example" },
	{ "spf softfail does not pass", "example.com", "example.com",
	    SPF_SOFTFAIL, NULL, 0, 0, DMARC_RES_FAIL, DMARC_DISP_REJECT, "p",
	    "TXT _dmarc.example.com" },
	{ "spf other organization", "example.com", "example.net",
	    SPF_PASS, NULL, 0, 0, DMARC_RES_FAIL, DMARC_DISP_REJECT, "p",
	    "TXT _dmarc.example.com" },
	/* Appendix B.1.2: DKIM. */
	{ "dkim same domain", "example.com", NULL, SPF_NONE, "example.com",
	    PASS, 0, DMARC_RES_PASS, DMARC_DISP_NONE, "p",
	    "TXT _dmarc.example.com" },
	{ "dkim subdomain relaxed", "example.com", NULL, SPF_NONE,
	    "child.example.com", PASS, 0, DMARC_RES_PASS, DMARC_DISP_NONE,
	    "p", "TXT _dmarc.example.com" },
	{ "dkim parent relaxed", "mail.example.com", NULL, SPF_NONE,
	    "example.com", PASS, 0, DMARC_RES_PASS, DMARC_DISP_NONE, "sp",
	    "TXT _dmarc.mail.example.com TXT _dmarc.example.com" },
	{ "dkim subdomain strict", "strict.example", NULL, SPF_NONE,
	    "child.strict.example", PASS, 0, DMARC_RES_FAIL,
	    DMARC_DISP_REJECT, "p", "TXT _dmarc.strict.example" },
	{ "dkim failing signature", "example.com", NULL, SPF_NONE,
	    "example.com", FAIL, 0, DMARC_RES_FAIL, DMARC_DISP_REJECT, "p",
	    "TXT _dmarc.example.com" },
	/* Appendix B.1.3: one of the two is enough. */
	{ "spf fails, dkim aligned", "example.com", "example.com", SPF_FAIL,
	    "example.com", PASS, 0, DMARC_RES_PASS, DMARC_DISP_NONE, "p",
	    "TXT _dmarc.example.com" },
	{ "dkim of another domain, spf aligned", "example.com",
	    "example.com", SPF_PASS, "example.net", PASS, 0, DMARC_RES_PASS,
	    DMARC_DISP_NONE, "p", "TXT _dmarc.example.com" },
	/* Subdomain policy (section 6.3 sp, appendix B.2.3). */
	{ "sp for a subdomain", "a.b.sub.example", NULL, SPF_NONE, NULL, 0,
	    0, DMARC_RES_FAIL, DMARC_DISP_REJECT, "sp",
	    "TXT _dmarc.a.b.sub.example TXT _dmarc.sub.example" },
	{ "p for the domain itself", "sub.example", NULL, SPF_NONE, NULL, 0,
	    0, DMARC_RES_FAIL, DMARC_DISP_NONE, "p",
	    "TXT _dmarc.sub.example" },
	/* RFC 9091 np: only with the existence query. */
	{ "np for a domain that does not exist", "nx.np.example", NULL,
	    SPF_NONE, NULL, 0, 0, DMARC_RES_FAIL, DMARC_DISP_REJECT, "np",
	    "TXT _dmarc.nx.np.example TXT _dmarc.np.example A nx.np.example" },
	{ "sp for one that does", "www.np.example", NULL, SPF_NONE, NULL, 0,
	    0, DMARC_RES_FAIL, DMARC_DISP_QUARANTINE, "sp",
	    "TXT _dmarc.www.np.example TXT _dmarc.np.example "
	    "A www.np.example" },
	{ "sp when the existence query fails", "tf.np.example", NULL,
	    SPF_NONE, NULL, 0, 0, DMARC_RES_FAIL, DMARC_DISP_QUARANTINE, "sp",
	    "TXT _dmarc.tf.np.example TXT _dmarc.np.example A tf.np.example" },
	{ "no existence query when np = sp", "nx.sub.example", NULL,
	    SPF_NONE, NULL, 0, 0, DMARC_RES_FAIL, DMARC_DISP_REJECT, "sp",
	    "TXT _dmarc.nx.sub.example TXT _dmarc.sub.example" },
	/* pct: roll < pct applies the policy, else the next one down. */
	{ "pct=0 reject becomes quarantine", "pct0.example", NULL, SPF_NONE,
	    NULL, 0, 0, DMARC_RES_FAIL, DMARC_DISP_QUARANTINE, "p",
	    "TXT _dmarc.pct0.example" },
	{ "pct=50 roll 49", "pct50.example", NULL, SPF_NONE, NULL, 0, 49,
	    DMARC_RES_FAIL, DMARC_DISP_REJECT, "p",
	    "TXT _dmarc.pct50.example" },
	{ "pct=50 roll 50", "pct50.example", NULL, SPF_NONE, NULL, 0, 50,
	    DMARC_RES_FAIL, DMARC_DISP_QUARANTINE, "p",
	    "TXT _dmarc.pct50.example" },
	{ "pct=100 roll 99", "example.com", NULL, SPF_NONE, NULL, 0, 99,
	    DMARC_RES_FAIL, DMARC_DISP_REJECT, "p", "TXT _dmarc.example.com" },
	{ "pct=0 quarantine becomes none", "q0.example", NULL, SPF_NONE,
	    NULL, 0, 0, DMARC_RES_FAIL, DMARC_DISP_NONE, "p",
	    "TXT _dmarc.q0.example" },
	/* Discovery (section 6.6.3). */
	{ "no record anywhere", "mail.nothing.example", NULL, SPF_NONE, NULL,
	    0, 0, DMARC_RES_NONE, DMARC_DISP_NONE, NULL,
	    "TXT _dmarc.mail.nothing.example TXT _dmarc.nothing.example" },
	{ "no record, no fallback for the org domain", "nothing.example",
	    NULL, SPF_NONE, NULL, 0, 0, DMARC_RES_NONE, DMARC_DISP_NONE, NULL,
	    "TXT _dmarc.nothing.example" },
	{ "a TXT that is not DMARC", "notdmarc.example", NULL, SPF_NONE,
	    NULL, 0, 0, DMARC_RES_NONE, DMARC_DISP_NONE, NULL,
	    "TXT _dmarc.notdmarc.example" },
	{ "not DMARC at the subdomain: fallback", "a.notdmarc.example", NULL,
	    SPF_NONE, NULL, 0, 0, DMARC_RES_NONE, DMARC_DISP_NONE, NULL,
	    "TXT _dmarc.a.notdmarc.example TXT _dmarc.notdmarc.example" },
	{ "DMARC among other TXT records", "mixed.example", NULL, SPF_NONE,
	    NULL, 0, 0, DMARC_RES_FAIL, DMARC_DISP_QUARANTINE, "p",
	    "TXT _dmarc.mixed.example" },
	{ "two DMARC records: none, no fallback", "two.example", NULL,
	    SPF_NONE, NULL, 0, 0, DMARC_RES_NONE, DMARC_DISP_NONE, NULL,
	    "TXT _dmarc.two.example" },
	{ "invalid record: none, no fallback", "a.invalid.example", NULL,
	    SPF_NONE, NULL, 0, 0, DMARC_RES_NONE, DMARC_DISP_NONE, NULL,
	    "TXT _dmarc.a.invalid.example" },
	{ "bad p with rua: p=none", "rua.example", NULL, SPF_NONE, NULL, 0,
	    0, DMARC_RES_FAIL, DMARC_DISP_NONE, "p", "TXT _dmarc.rua.example" },
	{ "tempfail at the From domain", "tf.example", NULL, SPF_NONE, NULL,
	    0, 0, DMARC_RES_TEMPERROR, DMARC_DISP_NONE, NULL,
	    "TXT _dmarc.tf.example" },
	{ "tempfail at the org domain", "a.tforg.example", NULL, SPF_NONE,
	    NULL, 0, 0, DMARC_RES_TEMPERROR, DMARC_DISP_NONE, NULL,
	    "TXT _dmarc.a.tforg.example TXT _dmarc.tforg.example" },
	/* The public suffix list: *.ck makes b.foo.ck the org domain. */
	{ "PSL wildcard", "a.b.foo.ck", NULL, SPF_NONE, NULL, 0, 0,
	    DMARC_RES_FAIL, DMARC_DISP_QUARANTINE, "sp",
	    "TXT _dmarc.a.b.foo.ck TXT _dmarc.b.foo.ck" },
	{ "PSL wildcard, relaxed needs the same org", "a.b.foo.ck",
	    "c.foo.ck", SPF_PASS, NULL, 0, 0, DMARC_RES_FAIL,
	    DMARC_DISP_QUARANTINE, "sp",
	    "TXT _dmarc.a.b.foo.ck TXT _dmarc.b.foo.ck" },
	{ "PSL exception !www.ck", "mail.www.ck", NULL, SPF_NONE, NULL, 0, 0,
	    DMARC_RES_FAIL, DMARC_DISP_REJECT, "sp",
	    "TXT _dmarc.mail.www.ck TXT _dmarc.www.ck" },
	{ "From domain is a public suffix", "co.uk", NULL, SPF_NONE, NULL, 0,
	    0, DMARC_RES_FAIL, DMARC_DISP_REJECT, "p", "TXT _dmarc.co.uk" },
	{ "upper case, trailing dot", "Example.COM.", NULL, SPF_NONE, NULL,
	    0, 0, DMARC_RES_FAIL, DMARC_DISP_REJECT, "p",
	    "TXT _dmarc.example.com" },
	{ "IDN", "b\xc3\xbc" "cher.example", NULL, SPF_NONE, NULL, 0, 0,
	    DMARC_RES_FAIL, DMARC_DISP_REJECT, "p",
	    "TXT _dmarc.xn--bcher-kva.example" },
	{ "IDN dkim aligned", "xn--bcher-kva.example", NULL, SPF_NONE,
	    "B\xc3\xbc" "cher.example", PASS, 0, DMARC_RES_PASS,
	    DMARC_DISP_NONE, "p", "TXT _dmarc.xn--bcher-kva.example" },
	/* No usable From domain (from.c's MULTIPLE, NODOMAIN, BAD). */
	{ "no From domain", NULL, "example.com", SPF_PASS, NULL, 0, 0,
	    DMARC_RES_PERMERROR, DMARC_DISP_NONE, NULL, "" },
	{ "a From domain that is no name", "exa mple.com", NULL, SPF_NONE,
	    NULL, 0, 0, DMARC_RES_PERMERROR, DMARC_DISP_NONE, NULL, "" },
};

static void
test_table(void **state)
{
	struct dmarc_verdict	 v;
	struct dmarc_auth	 a;
	struct dmarc_dkim	 dk;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		memset(&a, 0, sizeof(a));
		memset(&dk, 0, sizeof(dk));
		a.spf_domain = table[i].spf_domain;
		a.spf = table[i].spf;
		a.roll = table[i].roll;
		if (table[i].dkim1 != NULL) {
			dk.domain = table[i].dkim1;
			dk.result = table[i].dkim1_res;
			a.dkim = &dk;
			a.ndkim = 1;
		}
		run(table[i].from, &a, &v);
		if (v.result != table[i].want)
			fail_msg("%s: got %s (%s), want %s", table[i].name,
			    dmarc_result_name(v.result),
			    v.reason != NULL ? v.reason : "-",
			    dmarc_result_name(table[i].want));
		if (v.disposition != table[i].disp)
			fail_msg("%s: got disposition %s, want %s",
			    table[i].name,
			    dmarc_disposition_name(v.disposition),
			    dmarc_disposition_name(table[i].disp));
		if ((v.result == DMARC_RES_PASS ||
		    v.result == DMARC_RES_FAIL) &&
		    (table[i].tag == NULL || v.policy_tag == NULL ||
		    strcmp(v.policy_tag, table[i].tag) != 0))
			fail_msg("%s: got policy tag %s, want %s",
			    table[i].name,
			    v.policy_tag != NULL ? v.policy_tag : "-",
			    table[i].tag != NULL ? table[i].tag : "-");
		if (strcmp(asked, table[i].asked) != 0)
			fail_msg("%s: asked '%s', want '%s'", table[i].name,
			    asked, table[i].asked);
		if (v.result == DMARC_RES_FAIL && v.reason == NULL)
			fail_msg("%s: a fail without a reason", table[i].name);
	}
}

static void
test_several_signatures(void **state)
{
	struct dmarc_verdict	 v;
	struct dmarc_auth	 a;
	struct dmarc_dkim	 dk[3];

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(dk, 0, sizeof(dk));
	dk[0].domain = "example.com";
	dk[0].result = DKIM_RES_FAIL;
	dk[1].domain = "esp.example";
	dk[1].result = DKIM_RES_PASS;
	dk[2].domain = "mail.example.com";
	dk[2].result = DKIM_RES_PASS;
	a.dkim = dk;
	a.ndkim = 3;
	run("example.com", &a, &v);
	assert_int_equal(v.result, DMARC_RES_PASS);
	assert_true(v.dkim_aligned);
	assert_false(v.spf_aligned);
	assert_string_equal(v.dkim_domain, "mail.example.com");
	/* Nothing authenticated at all: a NULL auth. */
	run("example.com", NULL, &v);
	assert_int_equal(v.result, DMARC_RES_FAIL);
	assert_int_equal(v.disposition, DMARC_DISP_REJECT);
	/* A hostile d= is just not aligned. */
	dk[0].domain = "example.com\r\nX: y";
	dk[0].result = DKIM_RES_PASS;
	a.ndkim = 1;
	run("example.com", &a, &v);
	assert_int_equal(v.result, DMARC_RES_FAIL);
}

static void
test_long_name(void **state)
{
	struct dmarc_verdict	 v;
	char			 from[DMARC_DOMAIN_MAX + 1];
	size_t			 n;

	(void)state;
	/* 250 bytes: "_dmarc." + it passes 253, so only the org is asked. */
	memset(from, 'a', 238);
	for (n = 63; n < 238; n += 64)
		from[n] = '.';
	memcpy(from + 238, ".example.com", 13);
	assert_int_equal(strlen(from), 250);
	run(from, NULL, &v);
	assert_int_equal(v.result, DMARC_RES_FAIL);
	assert_string_equal(v.policy_tag, "sp");
	assert_string_equal(asked, "TXT _dmarc.example.com");
	/* 246 bytes: "_dmarc." + it is 253, and is asked first. */
	memmove(from, from + 4, strlen(from + 4) + 1);
	from[0] = 'b';
	run(from, NULL, &v);
	assert_int_equal(v.result, DMARC_RES_FAIL);
	assert_true(strncmp(asked, "TXT _dmarc.b", 12) == 0);
}

static void
test_raw_answer(void **state)
{
	/* _dmarc.example.com TXT "v=DMARC1; " "p=reject" (two strings). */
	static const uint8_t	 pkt[] = {
		0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,
		6, '_', 'd', 'm', 'a', 'r', 'c', 7, 'e', 'x', 'a', 'm', 'p',
		'l', 'e', 3, 'c', 'o', 'm', 0, 0, 16, 0, 1,
		0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 60, 0, 19,
		9, 'v', '=', 'D', 'M', 'A', 'R', 'C', '1', ';',
		8, 'p', '=', 'r', 'e', 'j', 'e', 'c', 't',
	};
	struct dmarc_verdict	 v;
	struct dmarc		*d;

	(void)state;
	d = dmarc_new(psl, "example.com");
	assert_int_equal(dmarc_step(d), DMARC_STEP_QUERY);
	dmarc_answer_raw(d, DNS_RES_OK, pkt, sizeof(pkt));
	assert_int_equal(dmarc_step(d), DMARC_STEP_DONE);
	dmarc_eval(d, NULL, &v);
	assert_int_equal(v.result, DMARC_RES_FAIL);
	assert_int_equal(v.policy, DMARC_POLICY_REJECT);
	dmarc_free(d);
	/* A truncated packet is a temporary failure. */
	d = dmarc_new(psl, "example.com");
	dmarc_answer_raw(d, DNS_RES_OK, pkt, sizeof(pkt) - 3);
	dmarc_eval(d, NULL, &v);
	assert_int_equal(v.result, DMARC_RES_TEMPERROR);
	dmarc_free(d);
	/* NODATA at a subdomain falls back like NXDOMAIN. */
	d = dmarc_new(psl, "mail.example.com");
	dmarc_answer_raw(d, DNS_RES_NODATA, NULL, 0);
	assert_int_equal(dmarc_step(d), DMARC_STEP_QUERY);
	assert_string_equal(dmarc_query_name(d), "_dmarc.example.com");
	dmarc_answer_raw(d, DNS_RES_OK, pkt, sizeof(pkt));
	dmarc_eval(d, NULL, &v);
	assert_int_equal(v.result, DMARC_RES_FAIL);
	assert_string_equal(v.policy_tag, "sp");
	dmarc_free(d);
}

static void
test_reply(void **state)
{
	struct dmarc_verdict	 v;
	char			 buf[512];
	const char		*p;

	(void)state;
	run("a.b.sub.example", NULL, &v);
	dmarc_reply(&v, buf, sizeof(buf));
	if (strstr(buf, "5.7.1 ") != buf ||
	    strstr(buf, "sub.example (sp=reject)") == NULL ||
	    strstr(buf, "From a.b.sub.example ") == NULL)
		fail_msg("got '%s'", buf);
	for (p = buf; *p != '\0'; p++)
		assert_true(*p >= 0x20 && *p < 0x7f);
	run("example.com", NULL, &v);
	dmarc_reply(&v, buf, sizeof(buf));
	if (strstr(buf, "of example.com (p=reject)") == NULL)
		fail_msg("got '%s'", buf);
}

static int
setup(void **state)
{
	char	err[256];

	(void)state;
	psl = dmarc_psl_load(NULL, err, sizeof(err));
	if (psl == NULL)
		fail_msg("%s (Debian package publicsuffix)", err);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	dmarc_psl_free(psl);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_several_signatures),
		cmocka_unit_test(test_long_name),
		cmocka_unit_test(test_raw_answer),
		cmocka_unit_test(test_reply),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
