/*
 * test_confirm.c: confirm-check's decision (src/confirm/confirm.c): the
 * requester's address, SPF and aligned DKIM, with no store (no limits)
 * and with one (the limits and the reasons they give), the JSON answer,
 * and the confirm { } block.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "confirm/confirm.h"
#include "core/conf.h"
#include "dmarc/dmarc.h"
#include "store/store.h"

static const char psl_text[] = "test\nnet\nco.uk\n";

static void
test_decide(void **state)
{
	static const struct {
		const char		*name, *from, *dkim;
		enum spf_result		 spf;
		enum confirm_verdict	 want;
		enum confirm_reason	 reason;
		const char		*addr;
	} tab[] = {
		{ "spf pass", "Alice@Example.TEST", NULL, SPF_PASS,
		    CONFIRM_SEND, CONFIRM_R_SPF_PASS, "alice@example.test" },
		{ "spf fail", "a@example.test", NULL, SPF_FAIL,
		    CONFIRM_REFUSE, CONFIRM_R_SPF, "a@example.test" },
		{ "softfail", "a@example.test", NULL, SPF_SOFTFAIL,
		    CONFIRM_REFUSE, CONFIRM_R_SPF, "a@example.test" },
		{ "neutral", "a@example.test", NULL, SPF_NEUTRAL,
		    CONFIRM_REFUSE, CONFIRM_R_SPF, "a@example.test" },
		{ "none", "a@example.test", NULL, SPF_NONE,
		    CONFIRM_REFUSE, CONFIRM_R_SPF, "a@example.test" },
		{ "permerror", "a@example.test", NULL, SPF_PERMERROR,
		    CONFIRM_REFUSE, CONFIRM_R_SPF, "a@example.test" },
		{ "temperror", "a@example.test", NULL, SPF_TEMPERROR,
		    CONFIRM_REFUSE, CONFIRM_R_TEMPERROR, "a@example.test" },
		{ "dkim same domain", "a@example.test", "EXAMPLE.test.",
		    SPF_FAIL, CONFIRM_SEND, CONFIRM_R_DKIM_PASS,
		    "a@example.test" },
		{ "dkim parent (relaxed)", "a@lists.example.test",
		    "example.test", SPF_NONE, CONFIRM_SEND,
		    CONFIRM_R_DKIM_PASS, "a@lists.example.test" },
		{ "dkim sibling (relaxed)", "a@a.example.co.uk",
		    "b.example.co.uk", SPF_NONE, CONFIRM_SEND,
		    CONFIRM_R_DKIM_PASS, "a@a.example.co.uk" },
		{ "dkim other org", "a@example.co.uk", "other.co.uk",
		    SPF_NONE, CONFIRM_REFUSE, CONFIRM_R_SPF,
		    "a@example.co.uk" },
		{ "dkim public suffix", "a@example.co.uk", "co.uk",
		    SPF_NONE, CONFIRM_REFUSE, CONFIRM_R_SPF,
		    "a@example.co.uk" },
		{ "dkim not a name", "a@example.test", "exa mple.test",
		    SPF_NONE, CONFIRM_REFUSE, CONFIRM_R_SPF,
		    "a@example.test" },
		{ "null sender", "", NULL, SPF_PASS, CONFIRM_REFUSE,
		    CONFIRM_R_NULL_SENDER, "" },
		{ "no at", "postmaster", NULL, SPF_PASS, CONFIRM_REFUSE,
		    CONFIRM_R_BAD_ADDRESS, "" },
		{ "empty local part", "@example.test", NULL, SPF_PASS,
		    CONFIRM_REFUSE, CONFIRM_R_BAD_ADDRESS, "" },
		{ "empty domain", "a@", NULL, SPF_PASS, CONFIRM_REFUSE,
		    CONFIRM_R_BAD_ADDRESS, "" },
		{ "one label", "a@localhost", NULL, SPF_PASS, CONFIRM_REFUSE,
		    CONFIRM_R_BAD_ADDRESS, "" },
		{ "trailing dot", "a@example.test.", NULL, SPF_PASS,
		    CONFIRM_REFUSE, CONFIRM_R_BAD_ADDRESS, "" },
		{ "a space", "a b@example.test", NULL, SPF_PASS,
		    CONFIRM_REFUSE, CONFIRM_R_BAD_ADDRESS, "" },
		{ "8-bit", "\xc3\xa9@example.test", NULL, SPF_PASS,
		    CONFIRM_REFUSE, CONFIRM_R_BAD_ADDRESS, "" },
		{ "control", "a\r\n@example.test", NULL, SPF_PASS,
		    CONFIRM_REFUSE, CONFIRM_R_BAD_ADDRESS, "" },
		{ "last at", "\"a@b\"@example.test", NULL, SPF_PASS,
		    CONFIRM_SEND, CONFIRM_R_SPF_PASS,
		    "\"a@b\"@example.test" },
	};
	struct confirm_conf	 cc = { .per_address = 3, .per_domain = 100,
	    .window = 86400 };
	struct confirm_result	 r;
	struct dmarc_psl	*psl;
	char			 err[256];
	size_t			 i;

	(void)state;
	psl = dmarc_psl_from_mem(psl_text, sizeof(psl_text) - 1, err,
	    sizeof(err));
	if (psl == NULL)
		fail_msg("psl: %s", err);
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (confirm_decide(&cc, NULL, psl, tab[i].from, tab[i].spf,
		    tab[i].dkim, 1800000000, &r, err, sizeof(err)) == -1)
			fail_msg("%s: error %s", tab[i].name, err);
		if (r.verdict != tab[i].want || r.reason != tab[i].reason ||
		    strcmp(r.address, tab[i].addr) != 0)
			fail_msg("%s: got %s %s '%s', want %s %s '%s'",
			    tab[i].name, confirm_verdict_name(r.verdict),
			    confirm_reason_name(r.reason), r.address,
			    confirm_verdict_name(tab[i].want),
			    confirm_reason_name(tab[i].reason), tab[i].addr);
		if (r.counted || r.text[0] == '\0')
			fail_msg("%s: counted %d, text '%s'", tab[i].name,
			    r.counted, r.text);
	}
	/* Without the list, alignment is strict: the parent is refused. */
	confirm_decide(&cc, NULL, NULL, "a@lists.example.test",
	    SPF_NONE, "example.test", 0, &r, err, sizeof(err));
	assert_int_equal(r.reason, CONFIRM_R_SPF);
	confirm_decide(&cc, NULL, NULL, "a@lists.example.test",
	    SPF_NONE, "Lists.Example.Test", 0, &r, err, sizeof(err));
	assert_int_equal(r.reason, CONFIRM_R_DKIM_PASS);
	dmarc_psl_free(psl);
}

/* With a store: the limits, the counts and the JSON answer. */
static void
test_limits_json(void **state)
{
	struct confirm_conf	 cc = { .per_address = 1, .per_domain = 0,
	    .window = 3600 };
	struct confirm_result	 r;
	struct store		*st;
	char			 dir[] = "/tmp/fairlist-confirm-XXXXXX";
	char			 path[64], err[STORE_ERR_MAX], cmd[96];
	char			*s;
	json_t			*o;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.db", dir);
	if ((st = store_open(path, 0, err)) == NULL)
		fail_msg("store_open: %s", err);
	assert_int_equal(confirm_decide(&cc, st, NULL, "a@x.test", SPF_PASS,
	    NULL, 1800000000, &r, err, sizeof(err)), 0);
	assert_int_equal(r.verdict, CONFIRM_SEND);
	assert_int_equal(r.counted, 1);
	assert_int_equal(r.sent_address, 1);
	/* A refusal on SPF neither counts nor reads the limits. */
	confirm_decide(&cc, st, NULL, "a@x.test", SPF_FAIL, NULL, 1800000001,
	    &r, err, sizeof(err));
	assert_int_equal(r.reason, CONFIRM_R_SPF);
	assert_int_equal(r.sent_address, 0);
	confirm_decide(&cc, st, NULL, "A@X.test", SPF_PASS, NULL, 1800000002,
	    &r, err, sizeof(err));
	assert_int_equal(r.reason, CONFIRM_R_RATE_ADDRESS);
	assert_int_equal(r.counted, 0);
	o = confirm_result_json(&cc, &r);
	assert_non_null(o);
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_string_equal(s, "{\"verdict\":\"refuse\",\"send\":false,"
	    "\"reason\":\"rate-address\",\"explanation\":\"1 confirmations to "
	    "a@x.test in the last 3600s already (per-address 1)\","
	    "\"address\":\"a@x.test\",\"domain\":\"x.test\",\"spf\":\"pass\","
	    "\"dkim_domain\":null,\"dkim_aligned\":false,\"sent_address\":1,"
	    "\"sent_domain\":1,\"counted\":false,\"limits\":{\"per_address\":"
	    "1,\"per_domain\":0,\"window\":3600}}");
	free(s);
	json_decref(o);
	/* A bad address gives JSON nulls, never a NULL object. */
	confirm_decide(&cc, st, NULL, "\xff", SPF_PASS, "\xfe", 0, &r, err,
	    sizeof(err));
	assert_non_null(o = confirm_result_json(&cc, &r));
	assert_true(json_is_null(json_object_get(o, "address")));
	assert_true(json_is_null(json_object_get(o, "dkim_domain")));
	json_decref(o);
	store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

/* The confirm { } block: defaults, values, refusals. */
static void
test_conf(void **state)
{
	static const struct {
		const char	*text;
		int		 ok, pa, pd;
		int64_t		 window;
		const char	*err;
	} tab[] = {
		{ "", 1, CONFIRM_PER_ADDRESS_DEFAULT, CONFIRM_PER_DOMAIN_DEFAULT,
		    CONFIRM_WINDOW_DEFAULT, NULL },
		{ "confirm { per-address 1; per-domain 0; window 15m }", 1, 1,
		    0, 900, NULL },
		{ "confirm { per-address 1000001 }", 0, 0, 0, 0,
		    "t.conf:1: confirm: per-address must be 0 (no limit) to "
		    "1000000" },
		{ "confirm { window 0 }", 0, 0, 0, 0,
		    "t.conf:1: confirm: window must be a duration from 1s to "
		    "90d" },
		{ "confirm { window 91d }", 0, 0, 0, 0, NULL },
		{ "confirm { per-domain }", 0, 0, 0, 0,
		    "t.conf:1: confirm: per-domain takes one value" },
		{ "confirm { per-adress 2 }", 0, 0, 0, 0, NULL },
	};
	struct confirm_conf	 cc;
	struct conf		*cf;
	char			 err[256];
	size_t			 i;
	int			 rc;

	(void)state;
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		cf = conf_parse(tab[i].text, strlen(tab[i].text), "t.conf",
		    err, sizeof(err));
		assert_non_null(cf);
		err[0] = '\0';
		rc = confirm_conf_read(cf, conf_find(cf->root, "confirm"), &cc,
		    err, sizeof(err));
		if ((rc == 0) != tab[i].ok)
			fail_msg("'%s': got %d (%s), want ok %d", tab[i].text,
			    rc, err, tab[i].ok);
		if (tab[i].ok && (cc.per_address != tab[i].pa ||
		    cc.per_domain != tab[i].pd || cc.window != tab[i].window))
			fail_msg("'%s': got %d %d %lld", tab[i].text,
			    cc.per_address, cc.per_domain,
			    (long long)cc.window);
		if (tab[i].err != NULL && strcmp(err, tab[i].err) != 0)
			fail_msg("'%s': got '%s', want '%s'", tab[i].text, err,
			    tab[i].err);
		conf_free(cf);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_limits_json),
		cmocka_unit_test(test_conf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
