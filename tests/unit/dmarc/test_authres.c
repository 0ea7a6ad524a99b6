/*
 * test_authres.c: the Authentication-Results field (dmarc/authres.c).
 * Written: spf with smtp.mailfrom or smtp.helo, dkim per signature with
 * the RFC 6008 header.b prefix, dmarc with header.from and the policy
 * comment, "none", folding, and hostile peer text (CR, LF, ';', '(',
 * quotes, 8-bit bytes, over-long values) that must stay inside one
 * quoted value. Read: the authserv-id after CFWS and comments, quoted
 * ids, case-insensitive matching, and malformed values.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dmarc/dmarc.h"

/* Every line at most 78 bytes, CR only before LF, LF only before TAB. */
static void
check_field(const char *f)
{
	const char	*p, *line = f;

	for (p = f; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 && *p != '\r' && *p != '\n' &&
		    *p != '\t')
			fail_msg("control byte in '%s'", f);
		if ((unsigned char)*p >= 0x7f)
			fail_msg("8-bit byte in '%s'", f);
		if (*p == '\r' && (p[1] != '\n' || p[2] != '\t'))
			fail_msg("bare CR or unfolded line in '%s'", f);
		if (*p == '\n' && p[-1] != '\r')
			fail_msg("bare LF in '%s'", f);
		if (*p == '\n') {
			if ((size_t)(p - line) > 79)
				fail_msg("line over 78 in '%s'", f);
			line = p + 1;
		}
	}
}

/*
 * Count the results: each starts a line with ";" CRLF TAB, and no peer
 * text can hold a CR, so the count is exact.
 */
static int
count_results(const char *f)
{
	int	n = 0;

	while ((f = strstr(f, ";\r\n\t")) != NULL) {
		n++;
		f += 4;
	}
	return n;
}

static void
test_write(void **state)
{
	struct dmarc_ar		 ar;
	struct dmarc_dkim	 dk[2];
	struct dmarc_verdict	 v;
	struct sbuf		 b;

	(void)state;
	memset(&ar, 0, sizeof(ar));
	memset(dk, 0, sizeof(dk));
	memset(&v, 0, sizeof(v));
	ar.authserv_id = "mx.example.net";
	ar.has_spf = 1;
	ar.spf = SPF_PASS;
	ar.spf_mailfrom = "bounce+x=y@example.com";
	ar.has_dkim = 1;
	dk[0].domain = "example.com";
	dk[0].selector = "s1";
	dk[0].identity = "@example.com";
	dk[0].bprefix = "abcdefghijAAAA";
	dk[0].result = DKIM_RES_PASS;
	dk[1].domain = "example.com";
	dk[1].selector = "s2";
	dk[1].bprefix = "abcdefghijBBBB";
	dk[1].result = DKIM_RES_FAIL;
	dk[1].reason = "signature did not verify";
	ar.dkim = dk;
	ar.ndkim = 2;
	v.result = DMARC_RES_PASS;
	v.policy = DMARC_POLICY_REJECT;
	v.policy_tag = "p";
	v.disposition = DMARC_DISP_NONE;
	strcpy(v.from, "example.com");
	ar.dmarc = &v;
	sbuf_init(&b);
	dmarc_ar_write(&ar, &b);
	check_field(b.s);
	assert_string_equal(b.s, "Authentication-Results: mx.example.net;\r\n"
	    "\tspf=pass smtp.mailfrom=bounce+x=y@example.com;\r\n"
	    "\tdkim=pass header.d=example.com header.i=@example.com "
	    "header.s=s1\r\n\theader.b=abcdefghijA;\r\n"
	    "\tdkim=fail reason=\"signature did not verify\" "
	    "header.d=example.com header.s=s2\r\n\theader.b=abcdefghijB;\r\n"
	    "\tdmarc=pass (p=reject dis=none) header.from=example.com");
	assert_int_equal(count_results(b.s), 4);

	/* HELO identity, dkim=none, a dmarc fail under sp. */
	sbuf_reset(&b);
	ar.spf = SPF_NONE;
	ar.spf_mailfrom = "";
	ar.spf_helo = "mail.example.org";
	ar.ndkim = 0;
	v.result = DMARC_RES_FAIL;
	v.policy_tag = "sp";
	v.disposition = DMARC_DISP_QUARANTINE;
	dmarc_ar_write(&ar, &b);
	check_field(b.s);
	assert_string_equal(b.s, "Authentication-Results: mx.example.net;\r\n"
	    "\tspf=none smtp.helo=mail.example.org;\r\n\tdkim=none;\r\n"
	    "\tdmarc=fail (sp=reject dis=quarantine) "
	    "header.from=example.com");

	/* A permerror without a From domain gives its reason. */
	sbuf_reset(&b);
	memset(&ar, 0, sizeof(ar));
	memset(&v, 0, sizeof(v));
	v.result = DMARC_RES_PERMERROR;
	v.reason = "no usable From domain";
	ar.authserv_id = "mx";
	ar.dmarc = &v;
	dmarc_ar_write(&ar, &b);
	assert_string_equal(b.s, "Authentication-Results: mx;\r\n"
	    "\tdmarc=permerror reason=\"no usable From domain\"");

	/* Nothing to report. */
	sbuf_reset(&b);
	memset(&ar, 0, sizeof(ar));
	ar.authserv_id = "mx";
	dmarc_ar_write(&ar, &b);
	assert_string_equal(b.s, "Authentication-Results: mx; none");
	sbuf_free(&b);
}

static void
test_hostile(void **state)
{
	static const char *const evil[] = {
		"x.example;\r\n\tdkim=pass header.d=bank.example",
		"a\"b\\c;d(e)f",
		"\xc3\xa9v\xc3\xa9nement.example",
		"x\r\nAuthentication-Results: mx; dmarc=pass",
		"(comment",
		"",
	};
	struct dmarc_ar		 ar;
	struct dmarc_dkim	 dk;
	struct sbuf		 b;
	char			 big[2000], id[300];
	size_t			 i;

	(void)state;
	sbuf_init(&b);
	for (i = 0; i < sizeof(evil) / sizeof(evil[0]); i++) {
		memset(&ar, 0, sizeof(ar));
		memset(&dk, 0, sizeof(dk));
		ar.authserv_id = "mx";
		ar.has_spf = 1;
		ar.spf = SPF_FAIL;
		ar.spf_mailfrom = evil[i];
		ar.has_dkim = 1;
		dk.domain = evil[i];
		dk.selector = evil[i];
		dk.identity = evil[i];
		dk.bprefix = evil[i];
		dk.reason = evil[i];
		dk.result = DKIM_RES_PERMERROR;
		ar.dkim = &dk;
		ar.ndkim = 1;
		sbuf_reset(&b);
		dmarc_ar_write(&ar, &b);
		check_field(b.s);
		if (count_results(b.s) != 2)
			fail_msg("'%s': got %d results in '%s', want 2",
			    evil[i], count_results(b.s), b.s);
		assert_int_equal(dmarc_ar_authserv_id(b.s + 24, b.len - 24, id,
		    sizeof(id)), 0);
		assert_string_equal(id, "mx");
		if (i == 1 && strstr(b.s, " header.d=\"a\\\"b\\\\c;d(e)f\"") ==
		    NULL)
			fail_msg("got '%s', want header.d quoted", b.s);
		if (i == 0 && strstr(b.s, "header.d=\"x.example;???dkim=pass "
		    "header.d=bank.example\"") == NULL)
			fail_msg("got '%s', want header.d quoted", b.s);
	}
	/* An over-long value is cut inside its quotes. */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[10] = ' ';
	memset(&ar, 0, sizeof(ar));
	ar.authserv_id = big;
	ar.has_spf = 1;
	ar.spf_helo = big;
	sbuf_reset(&b);
	dmarc_ar_write(&ar, &b);
	assert_true(b.len < 2 * DMARC_AR_VALUE_MAX + 100);
	assert_int_equal(count_results(b.s), 1);
	sbuf_free(&b);
}

static const struct {
	const char	*value;
	const char	*id;		/* NULL: does not parse */
} ids[] = {
	{ "mx.example.net; spf=pass", "mx.example.net" },
	{ " mx.example.net;spf=pass", "mx.example.net" },
	{ "mx.example.net 1; none", "mx.example.net" },
	{ "mx.example.net", "mx.example.net" },
	{ "(comment) mx.example.net ; dkim=pass", "mx.example.net" },
	{ "(nested (comment \\) here)) \r\n\tmx.example.net;", "mx.example.net" },
	{ "mx.example.net(comment); x=y", "mx.example.net" },
	{ "\"mx.example.net\"; x=y", "mx.example.net" },
	{ "\"mx\\\".example\"; x=y", "mx\".example" },
	{ "\xc3\xa9.example; x=y", "\xc3\xa9.example" },
	{ "", NULL },
	{ "   ", NULL },
	{ "; spf=pass", NULL },
	{ "(unterminated mx.example.net; spf=pass", NULL },
	{ "\"unterminated; spf=pass", NULL },
	{ "mx.example.net/x; spf=pass", NULL },
	{ "mx@example.net; spf=pass", NULL },
	{ "\"\"; x=y", NULL },
	{ "\"a\r\nb\"; x", NULL },
};

static void
test_read(void **state)
{
	char	id[64];
	size_t	i;
	int	rc;

	(void)state;
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		rc = dmarc_ar_authserv_id(ids[i].value, strlen(ids[i].value),
		    id, sizeof(id));
		if (ids[i].id == NULL && rc != -1)
			fail_msg("'%s': got '%s', want no id", ids[i].value,
			    id);
		if (ids[i].id != NULL && (rc != 0 ||
		    strcmp(id, ids[i].id) != 0))
			fail_msg("'%s': got %s, want %s", ids[i].value,
			    rc == 0 ? id : "no id", ids[i].id);
	}
	/* A NUL or a control byte in a quoted id does not parse. */
	assert_int_equal(dmarc_ar_authserv_id("\"\0\"", 3, id, sizeof(id)), -1);
	assert_int_equal(dmarc_ar_authserv_id("\"mx\0evil\"; x", 12, id,
	    sizeof(id)), -1);
	assert_false(dmarc_ar_is_ours("\"mx\0evil\"; x", 12, "mx"));
	assert_int_equal(dmarc_ar_authserv_id("\"a\x01\"", 4, id, sizeof(id)),
	    -1);
	/* An id longer than the buffer does not parse. */
	assert_int_equal(dmarc_ar_authserv_id("abcdefgh; x", 11, id, 8), -1);
	assert_int_equal(dmarc_ar_authserv_id("abcdefg; x", 10, id, 8), 0);
	/* Ours, case-insensitively; nothing else. */
	assert_true(dmarc_ar_is_ours("MX.Example.NET; spf=pass", 24,
	    "mx.example.net"));
	assert_true(dmarc_ar_is_ours("(x) \"mx.example.net\"", 20,
	    "mx.example.net"));
	assert_false(dmarc_ar_is_ours("mx.example.net.evil; spf=pass", 29,
	    "mx.example.net"));
	assert_false(dmarc_ar_is_ours("evil mx.example.net; spf=pass", 29,
	    "mx.example.net"));
	assert_false(dmarc_ar_is_ours("(mx.example.net) other; x", 25,
	    "mx.example.net"));
	assert_false(dmarc_ar_is_ours("", 0, "mx.example.net"));
	assert_false(dmarc_ar_is_ours("mx.example.net", 14, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
