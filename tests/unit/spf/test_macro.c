/*
 * test_macro.c: SPF macro expansion (spf/macro.c), the RFC 7208 section
 * 7.4 examples for IPv4 and IPv6, transformers, URL escaping, syntax
 * errors and the output bound; and the IPv6 %{i} form produced by the
 * evaluator itself (query names).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "spf/spf.h"
#include "spf/spf_int.h"

/* %{i} of 2001:db8::cb01: the nibbles in address order. */
#define V6NIB "2.0.0.1.0.D.B.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.C.B.0.1"

static const struct {
	const char	*name;
	int		 v6;
	int		 exp;
	const char	*in;
	long		 rc;	/* 0: expect want; -1 syntax; -2 too long */
	const char	*want;
} cases[] = {
	{ "s", 0, 0, "%{s}", 0, "strong-bad@email.example.com" },
	{ "o", 0, 0, "%{o}", 0, "email.example.com" },
	{ "d", 0, 0, "%{d}", 0, "email.example.com" },
	{ "d4", 0, 0, "%{d4}", 0, "email.example.com" },
	{ "d3", 0, 0, "%{d3}", 0, "email.example.com" },
	{ "d2", 0, 0, "%{d2}", 0, "example.com" },
	{ "d1", 0, 0, "%{d1}", 0, "com" },
	{ "dr", 0, 0, "%{dr}", 0, "com.example.email" },
	{ "d2r", 0, 0, "%{d2r}", 0, "example.email" },
	{ "l", 0, 0, "%{l}", 0, "strong-bad" },
	{ "l-", 0, 0, "%{l-}", 0, "strong.bad" },
	{ "lr", 0, 0, "%{lr}", 0, "strong-bad" },
	{ "lr-", 0, 0, "%{lr-}", 0, "bad.strong" },
	{ "l1r-", 0, 0, "%{l1r-}", 0, "strong" },
	{ "v4 ir", 0, 0, "%{ir}.%{v}._spf.%{d2}", 0,
	    "3.2.0.192.in-addr._spf.example.com" },
	{ "lr- lp", 0, 0, "%{lr-}.lp._spf.%{d2}", 0,
	    "bad.strong.lp._spf.example.com" },
	{ "mixed", 0, 0, "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", 0,
	    "bad.strong.lp.3.2.0.192.in-addr._spf.example.com" },
	{ "mixed2", 0, 0, "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", 0,
	    "3.2.0.192.in-addr.strong.lp._spf.example.com" },
	{ "trusted", 0, 0, "%{d2}.trusted-domains.example.net", 0,
	    "example.com.trusted-domains.example.net" },
	{ "v6 ir", 1, 0, "%{ir}.%{v}._spf.%{d2}", 0,
	    "1.0.B.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2"
	    ".ip6._spf.example.com" },
	{ "v6 i", 1, 0, "%{i}", 0, V6NIB },
	{ "v6 i8", 1, 0, "%{i8}", 0, "0.0.0.0.C.B.0.1" },
	{ "v6 i4r", 1, 0, "%{i4r}", 0, "1.0.0.2" },
	{ "v6 I escaped", 1, 0, "%{I1}", 0, "1" },
	{ "v6 c exp", 1, 1, "%{c}", 0, "2001:db8::cb01" },
	{ "v6 C exp escaped", 1, 1, "%{C}", 0, "2001%3Adb8%3A%3Acb01" },
	{ "v6 v", 1, 0, "%{v}", 0, "ip6" },
	{ "v6 c outside exp", 1, 0, "%{c}", -1, NULL },
	{ "r outside exp", 0, 0, "%{r}", -1, NULL },
	{ "t outside exp", 0, 0, "%{t}", -1, NULL },
	{ "r t exp", 0, 1, "%{r} at %{t}", 0, "rcv.example at 1700000000" },
	{ "url escape", 0, 0, "%{S}", 0, "strong-bad%40email.example.com" },
	{ "escapes", 0, 0, "a%%b%_c%-d", 0, "a%b c%20d" },
	{ "delims all", 0, 0, "%{l.-+,/_=}", 0, "strong.bad" },
	{ "digits huge", 0, 0, "%{d99999999999}", 0, "email.example.com" },
	{ "zero digits", 0, 0, "%{d0}", -1, NULL },
	{ "bad letter", 0, 0, "%{x}", -1, NULL },
	{ "lone percent", 0, 0, "foo%", -1, NULL },
	{ "percent letter", 0, 0, "%a", -1, NULL },
	{ "unclosed", 0, 0, "%{d", -1, NULL },
	{ "bad delim", 0, 0, "%{d2r:}", -1, NULL },
	{ "space outside exp", 0, 0, "a b", -1, NULL },
	{ "space in exp", 0, 1, "a b", 0, "a b" },
	{ "ctl", 0, 1, "a\tb", -1, NULL },
	{ "non-ascii", 0, 1, "caf\xc3\xa9", -1, NULL },
	{ "p unknown", 0, 0, "%{p}", 0, "unknown" },
	{ "h", 0, 0, "%{h}", 0, "mx.example.org" },
};

static void
env(struct spf_macro_env *e, int v6)
{
	e->s = "strong-bad@email.example.com";
	e->l = "strong-bad";
	e->o = "email.example.com";
	e->d = "email.example.com";
	e->i = v6 ? V6NIB : "192.0.2.3";
	e->p = "unknown";
	e->h = "mx.example.org";
	e->c = v6 ? "2001:db8::cb01" : "192.0.2.3";
	e->r = "rcv.example";
	e->t = "1700000000";
	e->v = v6 ? "ip6" : "in-addr";
}

static void
test_expand_table(void **state)
{
	struct spf_macro_env	 e;
	char			 out[SPF_EXPAND_MAX];
	size_t			 i;
	long			 r;
	int			 failed = 0, ck;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		env(&e, cases[i].v6);
		r = spf_macro_expand(&e, cases[i].in, strlen(cases[i].in),
		    cases[i].exp, out, sizeof(out));
		ck = spf_macro_check(cases[i].in, strlen(cases[i].in),
		    cases[i].exp, NULL);
		if (cases[i].rc == 0 && (r < 0 ||
		    strcmp(out, cases[i].want) != 0)) {
			print_error("%s: got %ld '%s', want '%s'\n",
			    cases[i].name, r, r >= 0 ? out : "",
			    cases[i].want);
			failed++;
		} else if (cases[i].rc != 0 && r != cases[i].rc) {
			print_error("%s: got %ld, want %ld\n", cases[i].name,
			    r, cases[i].rc);
			failed++;
		}
		if ((ck == -1) != (cases[i].rc == -1)) {
			print_error("%s: check got %d\n", cases[i].name, ck);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

/* A macro bomb stops at the buffer instead of growing. */
static void
test_bomb(void **state)
{
	struct spf_macro_env	 e;
	char			 in[4096], out[SPF_EXPAND_MAX];
	size_t			 i;

	(void)state;
	env(&e, 1);
	for (i = 0; i + 4 < sizeof(in); i += 4)
		memcpy(in + i, "%{s}", 4);
	in[i] = '\0';
	assert_int_equal(spf_macro_expand(&e, in, strlen(in), 0, out,
	    sizeof(out)), -2);
	assert_int_equal(spf_macro_expand(&e, "%{s}", 4, 0, out, 10), -2);
}

/* The section 7.3 truncation keeps the right-hand labels. */
static void
test_truncate(void **state)
{
	char		 name[600];
	const char	*t;
	size_t		 n, i;

	(void)state;
	for (i = 0; i < 50; i++)
		memcpy(name + i * 10, "abcdefghi.", 10);
	memcpy(name + 500, "example.com", 12);
	n = strlen(name);
	t = spf_name_truncate(name, &n);
	assert_non_null(t);
	assert_true(n <= SPF_NAME_MAX);
	assert_string_equal(t + n - 11, "example.com");
	assert_int_equal(t[-1], '.');
	memset(name, 'a', 300);
	name[300] = '\0';
	n = 300;
	assert_null(spf_name_truncate(name, &n));
}

/* The evaluator's own %{i}/%{v} for an IPv6 client, seen in a query. */
static void
test_ipv6_query_name(void **state)
{
	struct spf_request	 req;
	struct spf		*s;
	struct spf_answer	 a;
	struct spf_rr		 rr;
	const char		*rec = "v=spf1 exists:%{ir}.%{v}._spf.%{d2} "
				    "exists:%{i}.%{l1r-}.%{d1} -all";
	char			 err[64];

	(void)state;
	memset(&req, 0, sizeof(req));
	req.ip = "2001:DB8::CB01";
	req.mail_from = "strong-bad@email.example.com";
	req.helo = "mx.example.org";
	s = spf_new(&req, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(spf_step(s), SPF_STEP_QUERY);
	assert_string_equal(spf_query_name(s), "email.example.com");
	rr.type = DNS_T_TXT;
	rr.data = rec;
	rr.len = strlen(rec);
	a.status = SPF_DNS_OK;
	a.rr = &rr;
	a.nrr = 1;
	spf_answer(s, &a);
	assert_int_equal(spf_step(s), SPF_STEP_QUERY);
	assert_string_equal(spf_query_name(s),
	    "1.0.B.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2"
	    ".ip6._spf.example.com");
	/* exists always asks for A, even for an IPv6 client (5.7). */
	assert_int_equal(spf_query_type(s), DNS_T_A);
	a.status = SPF_DNS_NXDOMAIN;
	a.nrr = 0;
	spf_answer(s, &a);
	assert_int_equal(spf_step(s), SPF_STEP_QUERY);
	assert_string_equal(spf_query_name(s), V6NIB ".strong.com");
	spf_answer(s, &a);
	assert_int_equal(spf_step(s), SPF_STEP_DONE);
	assert_int_equal(spf_result(s), SPF_FAIL);
	assert_int_equal(spf_lookups(s), 2);
	spf_free(s);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_expand_table),
		cmocka_unit_test(test_bomb),
		cmocka_unit_test(test_truncate),
		cmocka_unit_test(test_ipv6_query_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
