/*
 * test_from.c: the author domain from a From field's value
 * (dmarc/from.c): display names, quoted strings, comments and folding,
 * groups, routes, several addresses in one domain or in several, a From
 * without a domain, domain literals, 8-bit domains, malformed values and
 * the address count limit.
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

#define OK	DMARC_FROM_OK
#define MULTI	DMARC_FROM_MULTIPLE
#define NODOM	DMARC_FROM_NODOMAIN
#define BAD	DMARC_FROM_BAD

static const struct {
	const char		*in;
	enum dmarc_from_status	 want;
	const char		*domain;
} table[] = {
	{ "user@example.com", OK, "example.com" },
	{ " user@Example.COM ", OK, "example.com" },
	{ "John Doe <john@example.com>", OK, "example.com" },
	{ "\"Doe, John\" <john@example.com>", OK, "example.com" },
	{ "\"a@b.org\" <john@example.com>", OK, "example.com" },
	{ "John Q. Public <john@example.com>", OK, "example.com" },
	{ "\"quoted local\"@example.com", OK, "example.com" },
	{ "(comment) john (more (nested \\) )) @ example.com (c)", OK,
	    "example.com" },
	{ "John\r\n <john@example.com>\r\n (folded)", OK, "example.com" },
	{ "<@route.example,@r2.example:john@example.com>", OK,
	    "example.com" },
	{ "john@example.com.", OK, "example.com" },
	{ "john@b\xc3\xbc" "cher.example", OK, "xn--bcher-kva.example" },
	{ "J\xc3\xb6rg <j@example.com>", OK, "example.com" },
	{ "a@example.com, B <b@EXAMPLE.com>", OK, "example.com" },
	{ "a@example.com,,b@example.com,", OK, "example.com" },
	{ "team: a@x.example, b@x.example;", OK, "x.example" },
	{ "team: a@x.example;, c@x.example", OK, "x.example" },
	/* RFC 7489 section 6.6.1: the choices of docs/DMARC.md. */
	{ "a@example.com, b@example.org", MULTI, NULL },
	{ "a@sub.example.com, b@example.com", MULTI, NULL },
	{ "team: a@x.example, b@y.example;", MULTI, NULL },
	{ "", NODOM, NULL },
	{ "   ", NODOM, NULL },
	{ "undisclosed-recipients:;", NODOM, NULL },
	{ "user", NODOM, NULL },
	{ "<>", NODOM, NULL },
	{ "<user>", NODOM, NULL },
	{ "john@[192.0.2.1]", NODOM, NULL },
	{ "a@example.com, user", NODOM, NULL },
	{ "\"unterminated", BAD, NULL },
	{ "(unterminated comment john@x.org", BAD, NULL },
	{ "john@example.com <x@y.org>", BAD, NULL },
	{ "john@exa mple.com", BAD, NULL },
	{ "<john@example.com", BAD, NULL },
	{ "john@example.com>", BAD, NULL },
	{ "a: b: c@x.org;;", BAD, NULL },
	{ "team: a@x.example", BAD, NULL },
	{ "john@", NODOM, NULL },
	{ "john@example..com", BAD, NULL },
	{ "john@\xff\xfe.example", BAD, NULL },
	{ "@example.com", BAD, NULL },
	{ "john@[192.0.2.1", BAD, NULL },
	{ "<@route.example john@example.com>", BAD, NULL },
	{ ";", BAD, NULL },
};

static void
test_table(void **state)
{
	char			 dom[DMARC_DOMAIN_MAX + 1];
	enum dmarc_from_status	 st;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		st = dmarc_from_domain(table[i].in, strlen(table[i].in), dom,
		    sizeof(dom));
		if (st != table[i].want)
			fail_msg("'%s': got %d, want %d", table[i].in, st,
			    table[i].want);
		if (st == OK && strcmp(dom, table[i].domain) != 0)
			fail_msg("'%s': got %s, want %s", table[i].in, dom,
			    table[i].domain);
	}
}

static void
test_limits(void **state)
{
	char	dom[DMARC_DOMAIN_MAX + 1], *buf;
	size_t	i, n = 0;

	(void)state;
	buf = malloc(DMARC_FROM_MAX + 16);
	assert_non_null(buf);
	for (i = 0; i < DMARC_FROM_ADDRS_MAX; i++)
		n += (size_t)snprintf(buf + n, 32, "%sa@x.example",
		    i > 0 ? "," : "");
	assert_int_equal(dmarc_from_domain(buf, n, dom, sizeof(dom)), OK);
	n += (size_t)snprintf(buf + n, 32, ",a@x.example");
	assert_int_equal(dmarc_from_domain(buf, n, dom, sizeof(dom)), BAD);
	/* Deep comments stop at their limit, a long value at its own. */
	memset(buf, '(', 100);
	assert_int_equal(dmarc_from_domain(buf, 100, dom, sizeof(dom)), BAD);
	memset(buf, ' ', DMARC_FROM_MAX + 1);
	assert_int_equal(dmarc_from_domain(buf, DMARC_FROM_MAX + 1, dom,
	    sizeof(dom)), BAD);
	/* A NUL byte is no atext. */
	assert_int_equal(dmarc_from_domain("a@x\0.example", 13, dom,
	    sizeof(dom)), BAD);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
