/*
 * test_conf.c: the watch { } block (watch/conf.c): a table of blocks
 * that must be read, with what they give, and of blocks that must be
 * refused, with the message; the webhook URL splitter; query names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/conf.h"
#include "watch/watch.h"

/* Read text's watch block; 0 or -1 with err. */
static int
rd(const char *text, struct watch_conf *wc, char *err, size_t errlen)
{
	struct conf	*c;
	int		 rc;

	if ((c = conf_parse(text, strlen(text), "t.conf", err, errlen)) ==
	    NULL)
		return -1;
	rc = watch_conf_read(c, conf_find(c->root, "watch"), wc, err, errlen);
	conf_free(c);
	return rc;
}

static void
test_full(void **state)
{
	struct watch_conf	wc;
	char			err[256];

	(void)state;
	if (rd("watch {\n"
	    "\taddress 203.0.113.5 2001:DB8::25\n"
	    "\tdomain Example.ORG.\n"
	    "\tpreset spamhaus-zen; preset spamcop; preset uceprotect\n"
	    "\tdnsbl bl.example.net { server 127.0.0.1:5353; url "
	    "\"http://x/$ip\" }\n"
	    "\trhsbl dbl.example.net\n"
	    "\tinterval 15m\n"
	    "\tresolver 127.0.0.1:53 [::1]:53\n"
	    "\tlookup-timeout 2000\n"
	    "\twebhook http://hooks.example.org:8080/fairlist?k=1\n"
	    "\twebhook-tries 3; webhook-backoff 1s; webhook-timeout 5s\n"
	    "}\n", &wc, err, sizeof(err)) == -1)
		fail_msg("full block refused: %s", err);
	assert_int_equal(wc.on, 1);
	assert_int_equal(wc.ntargets, 3);
	assert_string_equal(wc.targets[0].text, "203.0.113.5");
	assert_string_equal(wc.targets[1].text, "2001:db8::25");
	assert_string_equal(wc.targets[2].text, "example.org");
	assert_int_equal(wc.targets[2].kind, WATCH_DOMAIN);
	/* zen (one zone for six filters), spamcop, uce 1..3, bl, dbl */
	assert_int_equal(wc.nlists, 7);
	assert_string_equal(wc.lists[0].zone, "zen.spamhaus.org");
	assert_non_null(wc.lists[0].preset);
	assert_string_equal(wc.lists[0].url,
	    "https://check.spamhaus.org/results/?query=$ip");
	assert_string_equal(wc.lists[4].zone, "dnsbl-3.uceprotect.net");
	assert_string_equal(wc.lists[5].zone, "bl.example.net");
	assert_string_equal(wc.lists[5].server, "127.0.0.1:5353");
	assert_string_equal(wc.lists[5].url, "http://x/$ip");
	assert_int_equal(wc.lists[6].kind, WATCH_DOMAIN);
	assert_int_equal(wc.interval_s, 900);
	assert_string_equal(wc.resolver, "127.0.0.1:53,[::1]:53");
	assert_int_equal(wc.timeout_ms, 2000);
	assert_int_equal(wc.hook_tries, 3);
	assert_int_equal(wc.hook_backoff_s, 1);
	assert_int_equal(wc.hook_timeout_s, 5);
	watch_conf_free(&wc);

	/* An https webhook with a CA file of its own. */
	if (rd("watch { address 192.0.2.1; dnsbl x.test\n"
	    "webhook https://hooks.example.org/fairlist\n"
	    "webhook-ca /etc/fairlist/hooks-ca.pem }", &wc, err,
	    sizeof(err)) == -1)
		fail_msg("https block refused: %s", err);
	assert_string_equal(wc.webhook, "https://hooks.example.org/fairlist");
	assert_string_equal(wc.webhook_ca, "/etc/fairlist/hooks-ca.pem");
	watch_conf_free(&wc);

	/* No block: off, defaults. */
	assert_int_equal(rd("db x\n", &wc, err, sizeof(err)), 0);
	assert_int_equal(wc.on, 0);
	assert_int_equal(wc.interval_s, WATCH_INTERVAL_S);
	assert_int_equal(wc.hook_tries, WATCH_HOOK_TRIES);
	watch_conf_free(&wc);
}

struct bad {
	const char	*text;
	const char	*want;	/* in the message */
};

static void
test_bad(void **state)
{
	static const struct bad b[] = {
		{ "watch { address 192.0.2.1 }", "needs an address" },
		{ "watch { dnsbl x.test }", "has nothing to check" },
		{ "watch { address 192.0.2.1; rhsbl d.test }",
		  "add a domain" },
		{ "watch { address 192.0.2.0/24; dnsbl x.test }",
		  "is a network" },
		{ "watch { address 192.0.2.300; dnsbl x.test }", "address" },
		{ "watch { address 192.0.2.1 192.0.2.1; dnsbl x.test }",
		  "given twice" },
		{ "watch { domain localhost; dnsbl x.test }", "with a dot" },
		{ "watch { domain a..b; dnsbl x.test }", "not a DNS name" },
		{ "watch { address 192.0.2.1; dnsbl x.test x.test }",
		  "list 'x.test' is given twice" },
		{ "watch { address 192.0.2.1; dnsbl x.test=127.0.0.2 }",
		  "without a filter" },
		{ "watch { address 192.0.2.1; dnsbl bad_zone! }", "zone" },
		{ "watch { address 192.0.2.1; preset nope }",
		  "unknown preset 'nope' (known: spamhaus-zen" },
		{ "watch { address 192.0.2.1; preset spamcop; "
		  "preset spamcop }", "preset spamcop is given twice" },
		{ "watch { address 192.0.2.1; preset uceprotect; "
		  "preset uceprotect-1 }", "given twice" },
		{ "watch { address 192.0.2.1; dnsbl x.test; interval 0 }",
		  "interval: '0' is not a duration" },
		{ "watch { address 192.0.2.1; dnsbl x.test; interval 1s; "
		  "interval 2s }", "interval given twice" },
		{ "watch { address 192.0.2.1; dnsbl x.test; "
		  "webhook ftp://h.test/ }", "want an http:// or https:// URL" },
		{ "watch { address 192.0.2.1; dnsbl x.test; "
		  "webhook http://h_x!.test/ }", "not a DNS name" },
		{ "watch { address 192.0.2.1; dnsbl x.test; "
		  "webhook http://[h.test]/ }", "not an IPv6 address" },
		{ "watch { address 192.0.2.1; dnsbl x.test; "
		  "webhook http://1.2.3.400/ }", "not an IPv4 address" },
		{ "watch { address 192.0.2.1; dnsbl x.test; "
		  "webhook http://h.test/; webhook-ca /etc/ca.pem }",
		  "webhook-ca is for an https:// webhook" },
		{ "watch { address 192.0.2.1; dnsbl x.test; "
		  "webhook-ca /etc/ca.pem }",
		  "webhook-ca is for an https:// webhook" },
		{ "watch { address 192.0.2.1; dnsbl x.test; "
		  "webhook https://h.test/; webhook-ca ca.pem }",
		  "webhook-ca: want an absolute file name" },
		{ "watch { address 192.0.2.1; dnsbl x.test; "
		  "webhook https://h.test/; webhook-ca /a; webhook-ca /b }",
		  "webhook-ca given twice" },
		{ "watch { address 192.0.2.1; dnsbl x.test; "
		  "webhook http://u:p@h.test/ }", "user info" },
		{ "watch { address 192.0.2.1; dnsbl x.test; "
		  "webhook http://h.test:99999/ }", "bad port" },
		{ "watch { address 192.0.2.1; dnsbl x.test; "
		  "webhook \"http://h.test/a b\" }", "space" },
		{ "watch { address 192.0.2.1; dnsbl x.test; "
		  "webhook-tries 0 }", "webhook-tries" },
		{ "watch { address 192.0.2.1; dnsbl x.test; "
		  "lookup-timeout 3s }", "want milliseconds, 10..60000" },
		{ "watch { address 192.0.2.1; dnsbl x.test; "
		  "lookup-timeout 9 }", "want milliseconds" },
		{ "watch { address 192.0.2.1; dnsbl x.test; "
		  "resolver \"1.2.3.4; rm\" }", "is not IP" },
		{ "watch { address 192.0.2.1; dnsbl x.test { port 5 } }",
		  "unknown key 'port'" },
		{ "watch { address 192.0.2.1; dnsbl x.test { server 1.2.3.4;"
		  " server 1.2.3.5 } }", "server given twice" },
		{ "watch { address 192.0.2.1; dnsbl x.test; colour blue }",
		  "unknown key 'colour'" },
		{ "watch x { address 192.0.2.1; dnsbl x.test }",
		  "not values" },
		{ "watch { address { x } }", "no { } block" },
	};
	struct watch_conf	wc;
	char			err[256];
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		if (rd(b[i].text, &wc, err, sizeof(err)) == 0) {
			watch_conf_free(&wc);
			fail_msg("'%s': read, want refused", b[i].text);
		}
		if (strstr(err, b[i].want) == NULL)
			fail_msg("'%s': got '%s', want '%s' in it", b[i].text,
			    err, b[i].want);
		if (strncmp(err, "t.conf:1: ", 10) != 0)
			fail_msg("'%s': got '%s', want file:line first",
			    b[i].text, err);
		assert_int_equal(wc.nlists, 0);
	}
}

struct ucase {
	const char	*url;
	const char	*host;		/* NULL: refused */
	int		 port;
	const char	*path;
	int		 tls, literal;
};

static void
test_url(void **state)
{
	static const struct ucase u[] = {
		{ "http://h.test", "h.test", 80, "/", 0, 0 },
		{ "http://h.test/", "h.test", 80, "/", 0, 0 },
		{ "http://H.Test./x", "h.test", 80, "/x", 0, 0 },
		{ "http://h.test:8080/a/b?c=d", "h.test", 8080, "/a/b?c=d", 0,
		  0 },
		{ "http://127.0.0.1:1/x", "127.0.0.1", 1, "/x", 0, 4 },
		{ "http://[::1]:9/x", "::1", 9, "/x", 0, 6 },
		{ "http://[::1]/x", "::1", 80, "/x", 0, 6 },
		{ "http://h.test?q", "h.test", 80, "?q", 0, 0 },
		{ "https://h.test/", "h.test", 443, "/", 1, 0 },
		{ "https://hooks.example.org/fairlist", "hooks.example.org",
		  443, "/fairlist", 1, 0 },
		{ "https://h.test:8443", "h.test", 8443, "/", 1, 0 },
		{ "https://127.0.0.1:8443/h", "127.0.0.1", 8443, "/h", 1, 4 },
		{ "https://[2001:db8::1]/h", "2001:db8::1", 443, "/h", 1, 6 },
		{ "http://[::1/x", NULL, 0, NULL, 0, 0 },
		{ "http://[::1]x/", NULL, 0, NULL, 0, 0 },
		{ "http://[1.2.3.4]/", NULL, 0, NULL, 0, 0 },
		{ "http://[]/", NULL, 0, NULL, 0, 0 },
		{ "http://:80/", NULL, 0, NULL, 0, 0 },
		{ "http:///", NULL, 0, NULL, 0, 0 },
		{ "http://./", NULL, 0, NULL, 0, 0 },
		{ "http://a..b/", NULL, 0, NULL, 0, 0 },
		{ "http://h.test:/", NULL, 0, NULL, 0, 0 },
		{ "http://h.test:0/", NULL, 0, NULL, 0, 0 },
		{ "http://h.test:12x/", NULL, 0, NULL, 0, 0 },
		{ "http://h.test/\r\n", NULL, 0, NULL, 0, 0 },
		{ "http://1.2.3/", NULL, 0, NULL, 0, 0 },
		{ "http://300.1.1.1/", NULL, 0, NULL, 0, 0 },
		{ "HTTP://h.test/", NULL, 0, NULL, 0, 0 },
		{ "https:/h.test/", NULL, 0, NULL, 0, 0 },
		{ "https://u@h.test/", NULL, 0, NULL, 0, 0 },
		{ "https://h.test/a#frag", NULL, 0, NULL, 0, 0 },
		{ "https://h.test#1", NULL, 0, NULL, 0, 0 },
	};
	struct watch_url u1;
	const char	*why;
	int		 rc;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		rc = watch_url_split(u[i].url, &u1, &why);
		if (u[i].host == NULL) {
			if (rc != -1)
				fail_msg("%s: split, want refused", u[i].url);
			continue;
		}
		if (rc == -1)
			fail_msg("%s: refused (%s)", u[i].url, why);
		if (strcmp(u1.host, u[i].host) != 0 || u1.port != u[i].port ||
		    strcmp(u1.path, u[i].path) != 0 || u1.tls != u[i].tls ||
		    u1.literal != u[i].literal)
			fail_msg("%s: got %s %d %s tls %d literal %d, want %s "
			    "%d %s tls %d literal %d", u[i].url, u1.host,
			    u1.port, u1.path, u1.tls, u1.literal, u[i].host,
			    u[i].port, u[i].path, u[i].tls, u[i].literal);
	}
}

static void
test_qname(void **state)
{
	struct watch_conf	wc;
	char			err[256], q[WATCH_QNAME_MAX];

	(void)state;
	if (rd("watch { address 192.0.2.1 2001:db8::1; domain ex.org\n"
	    "dnsbl l.test; rhsbl d.test }", &wc, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	assert_int_equal(watch_qname(&wc.targets[0], &wc.lists[0], q,
	    sizeof(q)), 0);
	assert_string_equal(q, "1.2.0.192.l.test");
	assert_int_equal(watch_qname(&wc.targets[1], &wc.lists[0], q,
	    sizeof(q)), 0);
	assert_string_equal(q, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "0.0.8.b.d.0.1.0.0.2.l.test");
	assert_int_equal(watch_qname(&wc.targets[2], &wc.lists[1], q,
	    sizeof(q)), 0);
	assert_string_equal(q, "ex.org.d.test");
	/* Kinds must agree. */
	assert_int_equal(watch_qname(&wc.targets[2], &wc.lists[0], q,
	    sizeof(q)), -1);
	watch_conf_free(&wc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_qname),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
