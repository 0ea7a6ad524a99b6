/*
 * test_orgdomain.c: organizational domains (dmarc/orgdomain.c) from
 * Debian's public suffix list and from a small list in memory: plain
 * suffixes, multi-label suffixes, the wildcard *.ck and its exception
 * !www.ck, a private-section suffix, an unlisted TLD (the "*" rule), a
 * domain that is itself a public suffix; and the normalisation (upper
 * case, trailing dot, U-labels, bad names).
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

static const struct {
	const char	*in;
	const char	*want;
} org[] = {
	{ "example.com", "example.com" },
	{ "a.b.example.com", "example.com" },
	{ "mail.example.co.uk", "example.co.uk" },
	{ "co.uk", "co.uk" },			/* itself a public suffix */
	{ "com", "com" },
	{ "a.b.foo.ck", "b.foo.ck" },		/* *.ck: foo.ck is a suffix */
	{ "foo.ck", "foo.ck" },
	{ "mail.www.ck", "www.ck" },		/* !www.ck */
	{ "www.ck", "www.ck" },
	{ "x.y.blogspot.com", "y.blogspot.com" },	/* private section */
	{ "a.b.example.unlistedtld", "example.unlistedtld" },
	{ "a.b.xn--p1ai", "b.xn--p1ai" },	/* .рф as an A-label */
};

static void
check_org(struct dmarc_psl *psl, size_t from, size_t to)
{
	char	out[DMARC_DOMAIN_MAX + 1];
	size_t	i;

	for (i = from; i < to; i++) {
		assert_int_equal(dmarc_orgdomain(psl, org[i].in, out,
		    sizeof(out)), 0);
		if (strcmp(out, org[i].want) != 0)
			fail_msg("%s: got %s, want %s", org[i].in, out,
			    org[i].want);
	}
}

static void
test_debian_list(void **state)
{
	struct dmarc_psl	*psl;
	char			 err[256];

	(void)state;
	psl = dmarc_psl_load(NULL, err, sizeof(err));
	if (psl == NULL)
		fail_msg("%s (Debian package publicsuffix)", err);
	check_org(psl, 0, sizeof(org) / sizeof(org[0]));
	dmarc_psl_free(psl);
}

static void
test_mem_list(void **state)
{
	static const char	 list[] = "// test list\ncom\nuk\nco.uk\n"
				    "*.ck\n!www.ck\n"
				    "// ===BEGIN PRIVATE DOMAINS===\n"
				    "blogspot.com\n";
	struct dmarc_psl	*psl;
	char			 err[256], out[DMARC_DOMAIN_MAX + 1];

	(void)state;
	psl = dmarc_psl_from_mem(list, sizeof(list) - 1, err, sizeof(err));
	assert_non_null(psl);
	check_org(psl, 0, 11);
	/* The output buffer is respected. */
	assert_int_equal(dmarc_orgdomain(psl, "a.example.com", out, 5), -1);
	dmarc_psl_free(psl);
	/* An empty list: every TLD is a suffix by the "*" rule. */
	psl = dmarc_psl_from_mem("", 0, err, sizeof(err));
	assert_non_null(psl);
	assert_int_equal(dmarc_orgdomain(psl, "a.b.example.com", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "example.com");
	dmarc_psl_free(psl);
	/* A missing file names itself. */
	assert_null(dmarc_psl_load("/nonexistent/psl.dat", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/psl.dat"));
}

static const struct {
	const char	*in;
	const char	*want;		/* NULL: refused */
} norm[] = {
	{ "example.com", "example.com" },
	{ "Example.COM", "example.com" },
	{ "example.com.", "example.com" },
	{ "EXAMPLE.com.", "example.com" },
	{ "b\xc3\xbc" "cher.example", "xn--bcher-kva.example" },
	{ "B\xc3\x9c" "CHER.example", "xn--bcher-kva.example" },
	{ "xn--bcher-kva.example", "xn--bcher-kva.example" },
	{ "_dmarc.example.com", "_dmarc.example.com" },
	{ "", NULL },
	{ ".", NULL },
	{ "example.com..", NULL },
	{ "a..example.com", NULL },
	{ ".example.com", NULL },
	{ "exa mple.com", NULL },
	{ "example.com;x", NULL },
	{ "ex\"ample.com", NULL },
	{ "\xff\xfe.example", NULL },		/* not UTF-8 */
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    ".example", NULL },			/* a 64-byte label */
};

static void
test_norm(void **state)
{
	char	out[DMARC_DOMAIN_MAX + 1], big[400];
	size_t	i;
	int	rc;

	(void)state;
	for (i = 0; i < sizeof(norm) / sizeof(norm[0]); i++) {
		rc = dmarc_domain_norm(norm[i].in, strlen(norm[i].in), out,
		    sizeof(out));
		if (norm[i].want == NULL && rc != -1)
			fail_msg("'%s': got '%s', want refused", norm[i].in,
			    out);
		if (norm[i].want != NULL && (rc != 0 ||
		    strcmp(out, norm[i].want) != 0))
			fail_msg("'%s': got %s, want %s", norm[i].in,
			    rc == 0 ? out : "refused", norm[i].want);
	}
	/* A NUL inside, and names over 253 bytes. */
	assert_int_equal(dmarc_domain_norm("a\0b.com", 7, out, sizeof(out)),
	    -1);
	memset(big, 'a', sizeof(big));
	for (i = 10; i < sizeof(big); i += 11)
		big[i] = '.';
	assert_int_equal(dmarc_domain_norm(big, 253, out, sizeof(out)), 0);
	assert_int_equal(dmarc_domain_norm(big, 254, out, sizeof(out)), -1);
	assert_int_equal(dmarc_domain_norm(big, sizeof(big), out,
	    sizeof(out)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debian_list),
		cmocka_unit_test(test_mem_list),
		cmocka_unit_test(test_norm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
