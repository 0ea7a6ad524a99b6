/* test_addr.c: IP prefix parsing and formatting (core/addr.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/addr.h"

static const struct {
	const char	*in;
	int		 ok;
	const char	*want;	/* canonical text, or the error's start */
	int		 plen;	/* in the 128-bit space */
} cases[] = {
	{ "192.0.2.1", 1, "192.0.2.1", 128 },
	{ "192.0.2.0/24", 1, "192.0.2.0/24", 120 },
	{ "0.0.0.0/0", 1, "0.0.0.0/0", 96 },
	{ "10.0.0.0/8", 1, "10.0.0.0/8", 104 },
	{ "2001:db8::/48", 1, "2001:db8::/48", 48 },
	{ "2001:DB8::1", 1, "2001:db8::1", 128 },
	{ "::/0", 1, "::/0", 0 },
	/* IPv4-mapped text is the IPv4 address or prefix (issue 9). */
	{ "::ffff:192.0.2.50", 1, "192.0.2.50", 128 },
	{ "::FFFF:c000:232", 1, "192.0.2.50", 128 },
	{ "::ffff:192.0.2.0/120", 1, "192.0.2.0/24", 120 },
	{ "::ffff:0:0/96", 1, "0.0.0.0/0", 96 },
	{ "::/80", 1, "::/80", 80 },
	{ "::ffff:192.0.2.1/120", 0, "host bits set (did you mean "
	    "192.0.2.0/24?)", 0 },
	{ "192.0.2.1/24", 0, "host bits set (did you mean 192.0.2.0/24?)", 0 },
	{ "2001:db8::1/48", 0, "host bits set (did you mean 2001:db8::/48?)", 0 },
	{ "192.0.2.0/33", 0, "prefix length must be 0-32", 0 },
	{ "2001:db8::/129", 0, "prefix length must be 0-128", 0 },
	{ "192.0.2.0/", 0, "prefix length must be 0-32", 0 },
	{ "192.0.2.0/-1", 0, "prefix length must be 0-32", 0 },
	{ "192.0.2.0/ 24", 0, "prefix length must be 0-32", 0 },
	{ "192.0.2", 0, "not an IP address", 0 },
	{ "256.0.0.1", 0, "not an IP address", 0 },
	{ "", 0, "not an IP address", 0 },
	{ "/24", 0, "not an IP address", 0 },
	{ "example.org", 0, "not an IP address", 0 },
	{ "192.0.2.1\n", 0, "not an IP address", 0 },
	{ "1.2.3.4 ", 0, "not an IP address", 0 },
};

static void
test_parse_table(void **state)
{
	struct addr_prefix	 p;
	const char		*err;
	char			 buf[ADDR_TEXT_MAX];
	size_t			 i;
	int			 rc, failed = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = addr_parse(cases[i].in, &p, &err);
		if (cases[i].ok) {
			if (rc != 0 || strcmp(addr_format(&p, buf,
			    sizeof(buf)), cases[i].want) != 0 ||
			    p.plen != cases[i].plen) {
				print_error("%s: got rc %d '%s'/%d, want "
				    "'%s'/%d\n", cases[i].in, rc,
				    rc == 0 ? buf : err, p.plen, cases[i].want,
				    cases[i].plen);
				failed++;
			}
		} else if (rc != -1 || strcmp(err, cases[i].want) != 0) {
			print_error("'%s': got rc %d '%s', want error '%s'\n",
			    cases[i].in, rc, rc == -1 ? err : "", cases[i].want);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

static void
test_contains_last(void **state)
{
	struct addr_prefix	 p, q;
	const char		*err;
	uint8_t			 last[ADDR_LEN];
	uint32_t		 v4;
	char			 buf[ADDR_TEXT_MAX];

	(void)state;
	assert_int_equal(addr_parse("192.0.2.0/24", &p, &err), 0);
	addr_last(&p, last);
	assert_true(addr_is_v4(last, &v4));
	assert_int_equal(v4, 0xc00002ffu);
	assert_true(addr_contains(&p, last));
	assert_int_equal(addr_parse("192.0.3.0", &q, &err), 0);
	assert_false(addr_contains(&p, q.a));
	assert_int_equal(addr_parse("2001:db8::/32", &p, &err), 0);
	assert_false(addr_is_v4(p.a, NULL));
	addr_last(&p, last);
	assert_string_equal(addr_ntop(last, 6, buf, sizeof(buf)),
	    "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
	addr_from_v4(last, 0x7f000002u);
	assert_string_equal(addr_ntop(last, 4, buf, sizeof(buf)), "127.0.0.2");
}

static const struct {
	const char	*net, *addr;
	int		 want;
} contains_cases[] = {
	{ "0.0.0.0/0", "255.255.255.255", 1 },
	{ "::/0", "2001:db8::1", 1 },
	{ "::/0", "192.0.2.1", 1 },		/* IPv4-mapped is inside ::/0 */
	{ "128.0.0.0/1", "127.255.255.255", 0 },
	{ "128.0.0.0/1", "128.0.0.0", 1 },
	{ "192.0.2.32/27", "192.0.2.63", 1 },
	{ "192.0.2.32/27", "192.0.2.64", 0 },
	{ "192.0.2.32/27", "192.0.2.31", 0 },
	{ "192.0.2.1", "192.0.2.1", 1 },
	{ "192.0.2.1", "192.0.2.0", 0 },
	{ "2001:db8::/33", "2001:db8:7fff::1", 1 },
	{ "2001:db8::/33", "2001:db8:8000::", 0 },
	{ "2001:db8::/127", "2001:db8::1", 1 },
	{ "2001:db8::/127", "2001:db8::2", 0 },
	{ "2001:db8::1", "2001:db8::1", 1 },
	{ "2001:db8::1", "2001:db8::3", 0 },
};

static void
test_contains_table(void **state)
{
	struct addr_prefix	 p, q;
	const char		*err;
	size_t			 i;
	int			 got;

	(void)state;
	for (i = 0; i < sizeof(contains_cases) / sizeof(contains_cases[0]);
	    i++) {
		assert_int_equal(addr_parse(contains_cases[i].net, &p, &err), 0);
		assert_int_equal(addr_parse(contains_cases[i].addr, &q, &err),
		    0);
		got = addr_contains(&p, q.a);
		if (got != contains_cases[i].want)
			fail_msg("%s in %s: got %d, want %d",
			    contains_cases[i].addr, contains_cases[i].net, got,
			    contains_cases[i].want);
	}
}

static const struct {
	const char	*addr;
	const char	*text;		/* addr_ntop */
	const char	*rev;		/* addr_reverse_name */
} text_cases[] = {
	{ "0.0.0.0", "0.0.0.0", "0.0.0.0." },
	{ "192.0.2.1", "192.0.2.1", "1.2.0.192." },
	{ "10.200.9.255", "10.200.9.255", "255.9.200.10." },
	{ "255.255.255.255", "255.255.255.255", "255.255.255.255." },
	{ "2001:db8::1", "2001:db8::1",
	    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2." },
	{ "::1", "::1",
	    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0." },
};

static void
test_text_and_reverse(void **state)
{
	struct addr_prefix	 p;
	const char		*err;
	char			 buf[ADDR_TEXT_MAX], rev[80];
	size_t			 i, n;

	(void)state;
	for (i = 0; i < sizeof(text_cases) / sizeof(text_cases[0]); i++) {
		assert_int_equal(addr_parse(text_cases[i].addr, &p, &err), 0);
		addr_ntop(p.a, p.family, buf, sizeof(buf));
		if (strcmp(buf, text_cases[i].text) != 0)
			fail_msg("ntop %s: got %s, want %s",
			    text_cases[i].addr, buf, text_cases[i].text);
		n = addr_reverse_name(p.a, rev, sizeof(rev));
		if (strcmp(rev, text_cases[i].rev) != 0 ||
		    n != strlen(text_cases[i].rev))
			fail_msg("reverse %s: got %s (%zu), want %s",
			    text_cases[i].addr, rev, n, text_cases[i].rev);
	}
	/* Too small a buffer: 0 and nothing written past it. */
	assert_int_equal(addr_parse("192.0.2.1", &p, &err), 0);
	assert_int_equal(addr_reverse_name(p.a, rev, 16), 0);
	assert_int_equal(addr_reverse_name(p.a, rev, 17), 10);
	assert_int_equal(addr_parse("2001:db8::1", &p, &err), 0);
	assert_int_equal(addr_reverse_name(p.a, rev, 64), 0);
	assert_int_equal(addr_reverse_name(p.a, rev, 65), 64);
	/* Host-order IPv4 (DNSBL return codes). */
	assert_string_equal(addr_v4_text(0x7f000002u, buf, sizeof(buf)),
	    "127.0.0.2");
	assert_string_equal(addr_v4_text(0x7fffffffu, buf, sizeof(buf)),
	    "127.255.255.255");
	assert_string_equal(addr_v4_text(0, buf, sizeof(buf)), "0.0.0.0");
	assert_string_equal(addr_v4_text(0x0a006405u, buf, sizeof(buf)),
	    "10.0.100.5");
	/* A short destination is truncated, NUL-terminated. */
	assert_int_equal(addr_parse("192.0.2.123", &p, &err), 0);
	addr_ntop(p.a, 4, buf, 6);
	assert_string_equal(buf, "192.0");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_contains_last),
		cmocka_unit_test(test_contains_table),
		cmocka_unit_test(test_text_and_reverse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
