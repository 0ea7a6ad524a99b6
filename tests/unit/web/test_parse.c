/*
 * test_parse.c: the web request parsers (web/parse.c): percent-decoding,
 * query strings and form bodies, Cookie headers, X-Forwarded-For behind
 * trusted proxies;
 * well-formed and malformed input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/buf.h"
#include "web/web_int.h"

static const struct {
	const char	*in;
	int		 plus;
	long		 want;		/* length, -1: refused */
	const char	*out;
} pct[] = {
	{ "192.0.2.1", 0, 9, "192.0.2.1" },
	{ "2001%3Adb8%3a%3A1", 0, 11, "2001:db8::1" },
	{ "a+b", 0, 3, "a+b" },
	{ "a+b", 1, 3, "a b" },
	{ "%2B", 1, 1, "+" },
	{ "", 0, 0, "" },
	{ "%", 0, -1, NULL },
	{ "%4", 0, -1, NULL },
	{ "%zz", 0, -1, NULL },
	{ "%4g", 0, -1, NULL },
	{ "a%00b", 0, -1, NULL },	/* NUL */
	{ "%3C%73%3E", 0, 3, "<s>" },
};

static void
test_pct(void **state)
{
	char	out[64];
	size_t	i;
	long	n;

	(void)state;
	for (i = 0; i < sizeof(pct) / sizeof(pct[0]); i++) {
		n = web_pct_decode(pct[i].in, strlen(pct[i].in), out,
		    sizeof(out), pct[i].plus);
		if (n != pct[i].want)
			fail_msg("%s: got %ld, want %ld", pct[i].in, n,
			    pct[i].want);
		if (n >= 0 && strcmp(out, pct[i].out) != 0)
			fail_msg("%s: got '%s', want '%s'", pct[i].in, out,
			    pct[i].out);
	}
	/* Exactly full: the NUL needs a byte. */
	assert_int_equal(web_pct_decode("abcd", 4, out, 5, 0), 4);
	assert_int_equal(web_pct_decode("abcde", 5, out, 5, 0), -1);
	assert_int_equal(web_pct_decode("a", 1, out, 0, 0), -1);
}

static int
collect(const char *name, const char *value, void *arg)
{
	struct sbuf	*b = arg;

	sbuf_printf(b, "[%s=%s]", name, value);
	return strcmp(name, "stop") == 0 ? 7 : 0;
}

static const struct {
	const char	*in;
	int		 want;		/* web_form_each's return */
	const char	*out;
} forms[] = {
	{ "ip=192.0.2.1", 0, "[ip=192.0.2.1]" },
	{ "ip=192.0.2.1&zone=bl.example&note=a+b%21", 0,
	    "[ip=192.0.2.1][zone=bl.example][note=a b!]" },
	{ "a&&b=&=c", 0, "[a=][b=][=c]" },
	{ "", 0, "" },
	{ "&&&", 0, "" },
	{ "a=1=2", 0, "[a=1=2]" },
	{ "a=%zz", -1, "" },
	{ "a=1&b=%", -1, "[a=1]" },
	{ "a=%00", -1, "" },
	{ "x=1&stop=1&y=2", 7, "[x=1][stop=1]" },
	{ "1&2&3&4&5&6&7&8&9&10&11&12&13&14&15&16", 0,
	    "[1=][2=][3=][4=][5=][6=][7=][8=][9=][10=][11=][12=][13=][14=]"
	    "[15=][16=]" },
	{ "1&2&3&4&5&6&7&8&9&10&11&12&13&14&15&16&17", -1,
	    "[1=][2=][3=][4=][5=][6=][7=][8=][9=][10=][11=][12=][13=][14=]"
	    "[15=][16=]" },
};

static void
test_form(void **state)
{
	struct sbuf	 b;
	const char	*err;
	size_t		 i;
	int		 rc;

	(void)state;
	sbuf_init(&b);
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		sbuf_reset(&b);
		rc = web_form_each(forms[i].in, strlen(forms[i].in), collect,
		    &b, &err);
		if (rc != forms[i].want || strcmp(b.s != NULL ? b.s : "",
		    forms[i].out) != 0)
			fail_msg("%s: got %d '%s', want %d '%s'", forms[i].in,
			    rc, b.s, forms[i].want, forms[i].out);
		if (rc == -1 && err == NULL)
			fail_msg("%s: no reason", forms[i].in);
	}
	sbuf_free(&b);
}

static void
test_form_long_field(void **state)
{
	char		 big[WEB_FIELD_MAX + 8];
	struct sbuf	 b;
	const char	*err;

	(void)state;
	sbuf_init(&b);
	memset(big, 'a', sizeof(big));
	big[0] = 'k';
	big[1] = '=';
	/* A value of WEB_FIELD_MAX - 1 bytes fits, one more does not. */
	assert_int_equal(web_form_each(big, WEB_FIELD_MAX + 1, collect, &b,
	    &err), 0);
	assert_int_equal(web_form_each(big, WEB_FIELD_MAX + 2, collect, &b,
	    &err), -1);
	sbuf_free(&b);
}

static const struct {
	const char	*peer;
	const char	*xff;		/* NULL: no header */
	int		 want;		/* from the header */
	const char	*client;
} xffs[] = {
	{ "127.0.0.1", "203.0.113.9", 0, "127.0.0.1" },	/* untrusted */
	{ "10.0.0.1", NULL, 0, "10.0.0.1" },
	{ "10.0.0.1", "203.0.113.9", 1, "203.0.113.9" },
	{ "10.0.0.1", "198.51.100.1, 203.0.113.9", 1, "203.0.113.9" },
	{ "10.0.0.1", "198.51.100.1, 203.0.113.9, 10.0.0.2", 1,
	    "203.0.113.9" },
	{ "10.0.0.1", "10.0.0.3,10.0.0.2", 1, "10.0.0.3" },	/* all trusted */
	{ "10.0.0.1", " 2001:db8::1 ", 1, "2001:db8::1" },
	{ "10.0.0.1", "::ffff:203.0.113.9", 1, "203.0.113.9" },
	{ "10.0.0.1", "", 0, "10.0.0.1" },
	{ "10.0.0.1", ",", 0, "10.0.0.1" },
	{ "10.0.0.1", "203.0.113.9,", 0, "10.0.0.1" },
	{ "10.0.0.1", "unknown", 0, "10.0.0.1" },
	{ "10.0.0.1", "203.0.113.0/24", 0, "10.0.0.1" },
	{ "10.0.0.1", "203.0.113.9:4711", 0, "10.0.0.1" },
	{ "10.0.0.1", "[2001:db8::1]", 0, "10.0.0.1" },
	{ "10.0.0.1", "<script>", 0, "10.0.0.1" },
};

static void
test_xff(void **state)
{
	struct addr_prefix	 px[2], peer, want;
	uint8_t			 got[ADDR_LEN];
	const char		*why;
	char			 text[ADDR_TEXT_MAX];
	size_t			 i;
	int			 rc;

	(void)state;
	assert_int_equal(addr_parse("10.0.0.0/24", &px[0], &why), 0);
	assert_int_equal(addr_parse("192.0.2.0/24", &px[1], &why), 0);
	for (i = 0; i < sizeof(xffs) / sizeof(xffs[0]); i++) {
		assert_int_equal(addr_parse(xffs[i].peer, &peer, &why), 0);
		assert_int_equal(addr_parse(xffs[i].client, &want, &why), 0);
		rc = web_client_addr(px, 2, peer.a, xffs[i].xff,
		    xffs[i].xff != NULL ? strlen(xffs[i].xff) : 0, got);
		if (rc != xffs[i].want || memcmp(got, want.a, ADDR_LEN) != 0)
			fail_msg("%s via %s: got %d %s, want %d %s",
			    xffs[i].xff, xffs[i].peer, rc, addr_ntop(got,
			    addr_is_v4(got, NULL) ? 4 : 6, text,
			    sizeof(text)), xffs[i].want, xffs[i].client);
	}
}

static void
test_xff_hops_max(void **state)
{
	struct addr_prefix	 px, peer;
	struct sbuf		 b;
	uint8_t			 got[ADDR_LEN];
	const char		*why;
	int			 i;

	(void)state;
	assert_int_equal(addr_parse("10.0.0.0/8", &px, &why), 0);
	assert_int_equal(addr_parse("10.0.0.1", &peer, &why), 0);
	sbuf_init(&b);
	for (i = 0; i < WEB_XFF_MAX; i++)
		sbuf_printf(&b, "%s203.0.113.%d", i ? "," : "", i);
	assert_int_equal(web_client_addr(&px, 1, peer.a, b.s, b.len, got), 1);
	sbuf_adds(&b, ",203.0.113.200");
	assert_int_equal(web_client_addr(&px, 1, peer.a, b.s, b.len, got), 0);
	assert_memory_equal(got, peer.a, ADDR_LEN);
	sbuf_free(&b);
}

static const struct {
	const char	*hdr;
	const char	*want;		/* NULL: absent */
} cookies[] = {
	{ "fl_csrf=abc", "abc" },
	{ "a=1; fl_csrf=abc; b=2", "abc" },
	{ "a=1;fl_csrf=abc", "abc" },
	{ "fl_csrf=abc ", "abc" },
	{ "xfl_csrf=abc", NULL },
	{ "fl_csrfx=abc", NULL },
	{ "fl_csrf", NULL },
	{ "fl_csrf=", NULL },
	{ "", NULL },
	{ ";;;", NULL },
	{ "fl_csrf=0123456789012345678901234567890123456789", NULL },	/* too long */
	{ "a=fl_csrf=x; fl_csrf=y", "y" },
	{ "fl_csrf=a\x01b", NULL },			/* a control byte */
	{ "fl_csrf=\"abc\"", NULL },			/* not a cookie-octet */
	{ "fl_csrf=a\xc3\xa9", NULL },			/* 8-bit */
};

static void
test_cookie(void **state)
{
	char		 out[32];
	const char	*got;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(cookies) / sizeof(cookies[0]); i++) {
		got = web_cookie_value(cookies[i].hdr, strlen(cookies[i].hdr),
		    "fl_csrf", out, sizeof(out));
		if ((got == NULL) != (cookies[i].want == NULL) ||
		    (got != NULL && strcmp(got, cookies[i].want) != 0))
			fail_msg("%s: got %s, want %s", cookies[i].hdr,
			    got != NULL ? got : "NULL", cookies[i].want != NULL ?
			    cookies[i].want : "NULL");
	}
	/*
	 * A value that starts with NUL bytes came out as an empty string
	 * (found by fuzz_web_form: "; fl_csrf=\0\0\0\0" "3 ;=").
	 */
	got = web_cookie_value("; fl_csrf=\0\0\0\0" "3 ;=", 18, "fl_csrf",
	    out, sizeof(out));
	if (got != NULL)
		fail_msg("a value holding NUL bytes: got \"%s\", want NULL",
		    got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pct),
		cmocka_unit_test(test_form),
		cmocka_unit_test(test_form_long_field),
		cmocka_unit_test(test_xff),
		cmocka_unit_test(test_xff_hops_max),
		cmocka_unit_test(test_cookie),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
