/*
 * test_tags.c: RFC 6376 section 3.2 tag lists and the base64 decoder
 * (FWS inside values, padding rules).
 */
#include "dkim_test.h"

static const struct {
	const char	*in;
	long		 want;		/* decoded length, -1 for invalid */
	const char	*out;
} b64[] = {
	{ "", 0, "" },
	{ "QQ==", 1, "A" },
	{ "QUI=", 2, "AB" },
	{ "QUJD", 3, "ABC" },
	{ "QU JD\r\n\tRA==", 4, "ABCD" },
	{ "Q\tQ==", 1, "A" },
	{ " Q U J D R A = = ", 4, "ABCD" },
	{ "QUJDREVGR0g=", 8, "ABCDEFGH" },
	{ "QUJDREVG\r\n R0hJ", 9, "ABCDEFGHI" },
	{ "Q", -1, NULL },
	{ "QQ=", -1, NULL },
	{ "QQ===", -1, NULL },
	{ "QQ==QQ==", -1, NULL },
	{ "QU*D", -1, NULL },
	{ "QUJDR", -1, NULL },
	{ "QUJ=D", -1, NULL },
	{ "====", -1, NULL },
	{ "QUJD\x80", -1, NULL },
};

static void
test_b64(void **state)
{
	uint8_t	out[64];
	size_t	i;
	long	n;

	(void)state;
	for (i = 0; i < sizeof(b64) / sizeof(b64[0]); i++) {
		n = dkim_b64_decode(b64[i].in, strlen(b64[i].in), out,
		    sizeof(out));
		if (n != b64[i].want || (n > 0 && memcmp(out, b64[i].out,
		    (size_t)n) != 0))
			fail_msg("'%s': got %ld, want %ld", b64[i].in, n,
			    b64[i].want);
	}
	/* Output capacity is respected. */
	assert_int_equal(dkim_b64_decode("QUJDREVG", 8, out, 5), -1);
}

static const struct {
	const char	*in;
	int		 want;		/* tag count, -1 for invalid */
	const char	*why;
} lists[] = {
	{ "v=1; a=rsa-sha256", 2, NULL },
	{ "v=1; a=rsa-sha256;", 2, NULL },
	{ " v = 1 ;\r\n\ta=x ; ", 2, NULL },
	{ "v=1;; a=2", 2, NULL },
	{ "", 0, NULL },
	{ "v=", 1, NULL },
	{ "v=1; v=2", -1, "duplicate tag" },
	{ "b=1; bh=2", 2, NULL },
	{ "1v=1", -1, "bad tag name" },
	{ "v", -1, "tag without '='" },
	{ "v=a b", 1, NULL },
	{ "v=\x01", -1, "invalid character in tag value" },
	{ "v=\xc3\xa4", -1, "invalid character in tag value" },
};

static void
test_taglists(void **state)
{
	struct dkim_taglist	 tl;
	const char		*why;
	size_t			 i;
	int			 r;

	(void)state;
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		why = NULL;
		r = dkim_tags_parse(lists[i].in, strlen(lists[i].in), &tl,
		    &why);
		if ((r == -1 ? -1 : (int)tl.ntags) != lists[i].want ||
		    (lists[i].why != NULL && (why == NULL ||
		    strcmp(why, lists[i].why) != 0)))
			fail_msg("'%s': got %d (%s), want %d (%s)", lists[i].in,
			    r == -1 ? -1 : (int)tl.ntags, why != NULL ? why :
			    "-", lists[i].want, lists[i].why != NULL ?
			    lists[i].why : "-");
	}
	/* Values are trimmed of FWS and found by exact name. */
	assert_int_equal(dkim_tags_parse(" h = from : to \r\n ;x=1", 22, &tl,
	    &why), 0);
	assert_int_equal(dkim_tags_get(&tl, "h")->vallen, 9);
	assert_null(dkim_tags_get(&tl, "H"));
	/* NUL inside a list. */
	assert_int_equal(dkim_tags_parse("v=1\0; a=2", 9, &tl, &why), -1);
	assert_string_equal(why, "NUL byte in tag list");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64),
		cmocka_unit_test(test_taglists),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
