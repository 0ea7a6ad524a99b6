/*
 * test_export.c: the list file writers (list/export.c) and the TXT
 * template expansion they share with the DNS server (list/txt.c): exact
 * output for small zones.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/addr.h"
#include "list/list.h"

#define NOW	1795860000	/* 2026-11-28T10:00:00Z */
#define HDR4(f)	"# fairlist export of zone bl.test as rbldnsd " f \
		", 2026-11-28T10:00:00Z\n# load with: rbldnsd ... bl.test:" f \
		":FILE\n# \"#@expires\" lines are fairlist's: rbldnsd " \
		"ignores them (comments)\n"

#define BIND_HDR \
	"; fairlist export of zone bl.test as a BIND master file, " \
	"2026-11-28T10:00:00Z\n" \
	"; entries of more than 256 addresses are not expanded\n" \
	"$ORIGIN bl.test.\n$TTL 300\n" \
	"@\t3600\tIN\tSOA\tns1.bl.test. hostmaster.bl.test. 7 3600 600 " \
	"86400 60\n" \
	"@\t3600\tIN\tNS\tns1.bl.test.\n@\t3600\tIN\tNS\tns2.bl.test.\n"

/*
 * One listing: "[!]prefix[ code][ @expires]|reason" (no '|': default).
 * Entries come out sorted by value (expiry, code, reason), exclusions last.
 */
struct icase {
	const char	*name;
	int		 fmt;
	const char	*txt;		/* zone template, NULL = none */
	const char	*items[6];
	const char	*want;
	size_t		 other, big;
};

static const struct index_zone zone_base = {
	.name = "bl.test", .code = 0x7f000002u, .txt = NULL,
	.url = "http://x.test/$ip?$url", .serial = 7
};

static const char *const test_ns[] = { "ns1.bl.test", "ns2.bl.test." };

static const struct list_soa test_soa = {
	test_ns, 2, "ns1.bl.test", "hostmaster.bl.test", 3600, 600, 86400,
	60, 300, 3600
};

static void
item(const char *spec, struct list_item *e)
{
	char		 buf[256], *bar, *sp;
	const char	*err;

	memset(e, 0, sizeof(*e));
	snprintf(buf, sizeof(buf), "%s", spec);
	if ((bar = strchr(buf, '|')) != NULL) {
		*bar = '\0';
		e->reason = spec + (bar - buf) + 1;
	}
	if (buf[0] == '!')
		e->excl = 1;
	if ((sp = strchr(buf, ' ')) != NULL) {
		*sp++ = '\0';
		if (*sp == '@')
			e->expires = strtoll(sp + 1, NULL, 10);
		else
			e->code = (uint32_t)strtoul(sp, NULL, 16);
	}
	assert_int_equal(addr_parse(buf + e->excl, &e->p, &err), 0);
	e->listed = NOW - 86400;
}

static char *
run(const struct icase *c, struct list_export_stats *st)
{
	struct index_zone	 z = zone_base;
	struct list_item	 v[6];
	size_t			 n = 0, len = 0;
	char			*out = NULL;
	FILE			*f = open_memstream(&out, &len);

	assert_non_null(f);
	z.txt = c->txt;
	while (n < 6 && c->items[n] != NULL) {
		item(c->items[n], &v[n]);
		n++;
	}
	/* An empty zone is a NULL array, as the CLI has it (UBSan checks). */
	assert_int_equal(list_export(f, (enum list_format)c->fmt, &z,
	    &test_soa, n > 0 ? v : NULL, &n, NOW, st), 0);
	fclose(f);
	return out;
}

static const struct icase cases[] = {
	{ "empty ip4set", LIST_FMT_IP4SET, NULL, { NULL }, HDR4("ip4set"),
	    0, 0 },
	{ "empty ip6trie", LIST_FMT_IP6TRIE, NULL, { NULL }, HDR4("ip6trie"),
	    0, 0 },
	{ "ip4set: default lines, exclusions last, IPv6 left out",
	    LIST_FMT_IP4SET, NULL,
	    { "!192.0.2.8/30", "192.0.2.0/24|spam", "198.51.100.7 7f000004|spam",
	      "2001:db8::/32|v6", "203.0.113.9 @1796000000|spam", NULL },
	    HDR4("ip4set")
	    ":127.0.0.2:spam\n192.0.2.0/24\n"
	    ":127.0.0.4:spam\n198.51.100.7\n"
	    ":127.0.0.2:spam\n#@expires 2026-11-30T00:53:20Z\n203.0.113.9\n"
	    "!192.0.2.8/30\n", 1, 0 },
	{ "ip6trie: IPv6 only, text with $ and UTF-8", LIST_FMT_IP6TRIE,
	    NULL, { "192.0.2.1|v4", "2001:db8::/48|costs $5 \xc3\xbc",
	      "!2001:db8::1", NULL },
	    HDR4("ip6trie")
	    ":127.0.0.2:costs $$5 \xc3\xbc\n2001:db8::/48\n!2001:db8::1\n",
	    1, 0 },
	{ "bind: empty zone has SOA, NS and the test point", LIST_FMT_BIND,
	    NULL, { NULL },
	    BIND_HDR
	    "2.0.0.127\tIN\tA\t127.0.0.2\n\tIN\tTXT\t\"RFC 5782 test point\"\n",
	    0, 0 },
	{ "bind: expansion limit, exclusion, IPv6, TXT template",
	    LIST_FMT_BIND, "$reason, $$1, $zone, $listed, $expires, $url, $x",
	    { "10.0.0.0/23|big", "192.0.2.0/31|two \xc3\xbc", "!192.0.2.1",
	      "2001:db8::5|six", NULL },
	    BIND_HDR
	    "; 10.0.0.0/23 not expanded (more than 256 addresses)\n"
	    "5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"
	    "\tIN\tA\t127.0.0.2\n\tIN\tTXT\t\"six, $1, bl.test, "
	    "2026-11-27T10:00:00Z, never, http://x.test/2001:db8::5?$url, "
	    "$x\"\n"
	    "0.2.0.192\tIN\tA\t127.0.0.2\n\tIN\tTXT\t\"two \\195\\188, $1, "
	    "bl.test, 2026-11-27T10:00:00Z, never, "
	    "http://x.test/192.0.2.0?$url, $x\"\n"
	    "2.0.0.127\tIN\tA\t127.0.0.2\n\tIN\tTXT\t\"RFC 5782 test point, "
	    "$1, bl.test, always, never, http://x.test/127.0.0.2?$url, $x\"\n",
	    0, 1 },
};

static void
test_writers(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct list_export_stats	 st;
		char				*got = run(&cases[i], &st);

		if (strcmp(got, cases[i].want) != 0 ||
		    st.other != cases[i].other || st.big != cases[i].big)
			fail_msg("%s: got\n%s(other %zu, big %zu), want\n%s"
			    "(other %zu, big %zu)", cases[i].name, got,
			    st.other, st.big, cases[i].want, cases[i].other,
			    cases[i].big);
		free(got);
	}
}

/*
 * ip4set counts nested entries of one octet class (here /25 and /26) that
 * rbldnsd answers differently; /8 over /16 is exact.
 */
static void
test_ip4set_conflicts(void **state)
{
	static const struct icase c = { "conflicts", LIST_FMT_IP4SET, NULL,
	    { "192.0.2.0/25|a", "192.0.2.0/26|b", "10.0.0.0/8|a",
	      "10.1.0.0/16|a", NULL }, "", 0, 0 };
	struct list_export_stats	 st;

	(void)state;
	free(run(&c, &st));
	assert_int_equal(st.conflicts, 1);
}

/* The expansion the DNS server and the BIND export share. */
static void
test_txt_expand(void **state)
{
	struct index_zone	z = zone_base;
	struct index_value	v = { 0x7f000002u, 4, "spam", NOW, 0 };
	char			buf[64];
	size_t			n;

	(void)state;
	z.txt = NULL;
	n = list_txt_expand(buf, sizeof(buf), &z, &v, "192.0.2.1", 9);
	assert_int_equal(n, 4);
	assert_memory_equal(buf, "spam", 4);
	z.txt = "$ip $url";
	n = list_txt_expand(buf, 20, &z, &v, "192.0.2.1", 9);
	assert_int_equal(n, 20);		/* cut at cap */
	assert_memory_equal(buf, "192.0.2.1 http://x.t", 20);
	z.txt = "$";
	n = list_txt_expand(buf, sizeof(buf), &z, &v, "", 0);
	assert_int_equal(n, 1);
	assert_memory_equal(buf, "$", 1);
	/* A reason's "$ip" is the address, "$$" a '$' (rbldnsd's "$"). */
	z.txt = "[$reason]";
	v.reason = "at $ip: $$ip $5 $$ $";
	v.reason_len = (uint32_t)strlen(v.reason);
	n = list_txt_expand(buf, sizeof(buf), &z, &v, "192.0.2.1", 9);
	buf[n] = '\0';
	assert_string_equal(buf, "[at 192.0.2.1: $ip $5 $ $]");
	v.reason = "cut $i";
	v.reason_len = 5;		/* "cut $": "ip" lies past the end */
	n = list_txt_expand(buf, sizeof(buf), &z, &v, "192.0.2.1", 9);
	buf[n] = '\0';
	assert_string_equal(buf, "[cut $]");
	n = list_txt_time(buf, 0);
	assert_int_equal(n, LIST_TXT_TIME_LEN);
	assert_memory_equal(buf, "1970-01-01T00:00:00Z", n);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_writers),
		cmocka_unit_test(test_ip4set_conflicts),
		cmocka_unit_test(test_txt_expand),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
