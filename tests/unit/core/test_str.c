/* test_str.c: bounded strings, numbers, durations and times (core/str.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/buf.h"
#include "core/str.h"

static void
test_lcpy(void **state)
{
	char	buf[4];

	(void)state;
	assert_int_equal(str_lcpy(buf, "abcdef", sizeof(buf)), 6);
	assert_string_equal(buf, "abc");
	assert_int_equal(str_lcat(buf, "x", sizeof(buf)), 4);
	assert_string_equal(buf, "abc");
	assert_int_equal(str_lcpy(buf, "a", sizeof(buf)), 1);
	assert_int_equal(str_lcat(buf, "b", sizeof(buf)), 2);
	assert_string_equal(buf, "ab");
}

static void
test_tonum(void **state)
{
	static const struct {
		const char	*in;
		long long	 min, max, want;
		const char	*err;
	} t[] = {
		{ "42", 0, 100, 42, NULL },
		{ "-1", 0, 100, 0, "too small" },
		{ "101", 0, 100, 0, "too large" },
		{ "", 0, 100, 0, "invalid" },
		{ " 1", 0, 100, 0, "invalid" },
		{ "1x", 0, 100, 0, "invalid" },
		{ "99999999999999999999", 0, 100, 0, "too large" },
	};
	const char	*err;
	long long	 v;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		v = str_tonum(t[i].in, t[i].min, t[i].max, &err);
		if (t[i].err == NULL) {
			assert_null(err);
			assert_int_equal(v, t[i].want);
		} else {
			assert_non_null(err);
			if (strcmp(err, t[i].err) != 0)
				fail_msg("'%s': got %s, want %s", t[i].in, err,
				    t[i].err);
		}
	}
}

static void
test_duration_time(void **state)
{
	static const struct {
		const char	*in;
		int		 ok;
		int64_t		 want;	/* relative to now = 1000 */
	} t[] = {
		{ "90", 1, 1090 }, { "15m", 1, 1900 }, { "2h", 1, 8200 },
		{ "7d", 1, 1000 + 7 * 86400 }, { "+1w", 1, 1000 + 7 * 86400 },
		{ "now", 1, 1000 }, { "@1700000000", 1, 1700000000 },
		{ "2026-11-28", 1, 1795824000 },
		{ "2026-11-28T10:00Z", 1, 1795824000 + 36000 },
		{ "2026-11-28T10:00:30Z", 1, 1795824000 + 36030 },
		{ "7x", 0, 0 }, { "d", 0, 0 }, { "", 0, 0 }, { "-5d", 0, 0 },
		{ "2026-13-01", 0, 0 }, { "2026-02-30", 0, 0 },
		{ "2026-11-28T25:00Z", 0, 0 }, { "2026-11-28junk", 0, 0 },
		{ "99999999999999d", 0, 0 },
	};
	int64_t	v;
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		v = 0;
		int rc = str_time(t[i].in, 1000, 1, &v);
		if (t[i].ok && (rc != 0 || v != t[i].want))
			fail_msg("'%s': got rc %d v %lld, want %lld", t[i].in,
			    rc, (long long)v, (long long)t[i].want);
		if (!t[i].ok && rc != -1)
			fail_msg("'%s': got %lld, want an error", t[i].in,
			    (long long)v);
	}
}

static void
test_escape_isotime(void **state)
{
	char	buf[64];

	(void)state;
	assert_string_equal(str_escape(buf, sizeof(buf), "a\r\nb\\", 5),
	    "a\\x0d\\x0ab\\x5c");
	/* Truncation never splits an escape. */
	assert_string_equal(str_escape(buf, 6, "a\nb", 3), "a\\x0a");
	assert_string_equal(str_isotime(buf, sizeof(buf), 1795824000),
	    "2026-11-28T00:00:00Z");
	assert_true(str_has_ctl("a\tb", 3));
	assert_false(str_has_ctl("a b", 3));
}

static const struct {
	const char	*name;
	const char	*in;
	const char	*why;	/* NULL: accepted */
} text_cases[] = {
	{ "ascii", "hit spam trap t7", NULL },
	{ "empty", "", NULL },
	{ "latin-1 letters", "Gr\xc3\xbc\xc3\x9f" "e", NULL },
	{ "cjk", "\xe8\xbf\x9d\xe5\x8f\x8d", NULL },
	{ "emoji (4 bytes)", "\xf0\x9f\x93\xa7", NULL },
	{ "U+00A0 after C1", "\xc2\xa0", NULL },
	{ "tab", "a\tb", "contains a control character" },
	{ "DEL", "a\x7f", "contains a control character" },
	{ "NEL U+0085", "a\xc2\x85", "contains a control character" },
	{ "U+009F", "\xc2\x9f", "contains a control character" },
	{ "RLO U+202E", "a\xe2\x80\xae" "b", "contains a bidirectional "
	    "control character" },
	{ "LRE U+202A", "\xe2\x80\xaa", "contains a bidirectional "
	    "control character" },
	{ "LRM U+200E", "\xe2\x80\x8e", "contains a bidirectional "
	    "control character" },
	{ "RLM U+200F", "\xe2\x80\x8f", "contains a bidirectional "
	    "control character" },
	{ "ALM U+061C", "\xd8\x9c", "contains a bidirectional "
	    "control character" },
	{ "PDI U+2069", "\xe2\x81\xa9", "contains a bidirectional "
	    "control character" },
	{ "LRI U+2066", "\xe2\x81\xa6", "contains a bidirectional "
	    "control character" },
	{ "U+2065 is not bidi", "\xe2\x81\xa5", NULL },
	{ "U+202F is not bidi", "\xe2\x80\xaf", NULL },
	{ "latin-1 byte", "caf\xe9", "is not valid UTF-8" },
	{ "lone continuation", "\x80", "is not valid UTF-8" },
	{ "overlong slash", "\xc0\xaf", "is not valid UTF-8" },
	{ "overlong 3 bytes", "\xe0\x80\xaf", "is not valid UTF-8" },
	{ "surrogate", "\xed\xa0\x80", "is not valid UTF-8" },
	{ "above U+10FFFF", "\xf4\x90\x80\x80", "is not valid UTF-8" },
	{ "truncated", "a\xe2\x80", "is not valid UTF-8" },
	{ "0xff", "\xff", "is not valid UTF-8" },
};

static void
test_text_check(void **state)
{
	const char	*why;
	size_t		 i;
	int		 rc, failed = 0;

	(void)state;
	for (i = 0; i < sizeof(text_cases) / sizeof(text_cases[0]); i++) {
		rc = str_text_check(text_cases[i].in,
		    strlen(text_cases[i].in), &why);
		if ((text_cases[i].why == NULL && rc != 0) ||
		    (text_cases[i].why != NULL && (rc != -1 || why == NULL ||
		    strcmp(why, text_cases[i].why) != 0))) {
			print_error("%s: got %d '%s', want '%s'\n",
			    text_cases[i].name, rc, why != NULL ? why : "",
			    text_cases[i].why != NULL ? text_cases[i].why :
			    "accepted");
			failed++;
		}
	}
	/* A NUL inside the length is a control character too. */
	assert_int_equal(str_text_check("a\0b", 3, NULL), -1);
	assert_true(str_is_blank("", 0));
	assert_true(str_is_blank(" \t ", 3));
	assert_false(str_is_blank(" x ", 3));
	assert_true(str_has_nonascii("caf\xc3\xa9", 5));
	assert_false(str_has_nonascii("cafe~", 5));
	assert_int_equal(failed, 0);
}

static void
test_rd_sbuf(void **state)
{
	static const uint8_t	 in[] = { 1, 2, 3, 4, 5, 6, 7 };
	struct rd		 r;
	struct sbuf		 b;

	(void)state;
	rd_init(&r, in, sizeof(in));
	assert_int_equal(rd_u8(&r), 1);
	assert_int_equal(rd_u16(&r), 0x0203);
	assert_int_equal(rd_u32(&r), 0x04050607);
	assert_null(r.err);
	assert_int_equal(rd_u8(&r), 0);
	assert_non_null(r.err);
	/* After a failure every read returns zero. */
	rd_init(&r, in, 3);
	assert_int_equal(rd_u32(&r), 0);
	assert_int_equal(rd_u8(&r), 0);
	assert_string_equal(r.err, "truncated");
	sbuf_init(&b);
	sbuf_printf(&b, "%d-%s", 42, "x");
	sbuf_addc(&b, '!');
	assert_string_equal(b.s, "42-x!");
	assert_int_equal(b.len, 5);
	sbuf_free(&b);
	sbuf_free(NULL);
	/* A reserve on a fresh buffer leaves an empty, terminated string. */
	sbuf_init(&b);
	sbuf_reserve(&b, 0);
	assert_string_equal(b.s, "");
	sbuf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lcpy),
		cmocka_unit_test(test_tonum),
		cmocka_unit_test(test_duration_time),
		cmocka_unit_test(test_escape_isotime),
		cmocka_unit_test(test_text_check),
		cmocka_unit_test(test_rd_sbuf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
