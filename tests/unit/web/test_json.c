/*
 * test_json.c: the answer writer (web/json.c, web_json_write) against
 * json_dumps(JSON_COMPACT), byte for byte: every JSON type, escapes
 * ('"', '\\', the short forms, other control bytes as \u00XX in upper
 * case as jansson writes them, an embedded NUL), UTF-8 copied as it is,
 * nesting, empty containers, key order; and the refusals (NULL, too
 * deep) that leave the buffer as it was.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/buf.h"
#include "web/web_int.h"

static void
same(const char *name, json_t *v)
{
	struct sbuf	 b;
	char		*want;

	assert_non_null(v);
	want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	assert_non_null(want);
	sbuf_init(&b);
	sbuf_adds(&b, "x");
	if (web_json_write(&b, v) != 0)
		fail_msg("%s: web_json_write failed", name);
	if (strcmp(b.s + 1, want) != 0 || b.len != strlen(want) + 1)
		fail_msg("%s: got %s, want %s", name, b.s + 1, want);
	free(want);
	sbuf_free(&b);
	json_decref(v);
}

static void
test_types(void **state)
{
	(void)state;
	same("null", json_null());
	same("true", json_true());
	same("false", json_false());
	same("zero", json_integer(0));
	same("negative", json_integer(-42));
	same("max", json_integer(INT64_MAX));
	same("min", json_integer(INT64_MIN));
	same("real", json_real(0.5));
	same("empty string", json_string(""));
	same("empty object", json_object());
	same("empty array", json_array());
}

static void
test_strings(void **state)
{
	static const char	nul[] = "a\0b";
	char			ctl[40];
	int			i;

	(void)state;
	same("quote and backslash", json_string("say \"hi\" \\ there"));
	same("short forms", json_string("\b\f\n\r\t"));
	for (i = 1; i < 32; i++)
		ctl[i - 1] = (char)i;
	ctl[31] = '\x7f';
	ctl[32] = '\0';
	same("control bytes", json_string(ctl));
	same("embedded NUL", json_stringn(nul, 3));
	same("UTF-8", json_string("caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x98\x80"));
	same("slash", json_string("</script><script>alert(1)</script>"));
	same("escape at end", json_string("end\n"));
	same("escape at start", json_string("\"start"));
}

static void
test_nesting(void **state)
{
	json_t	*o;

	(void)state;
	same("lookup", json_pack("{s:s, s:b, s:[{s:I, s:s, s:n, s:o}], "
	    "s:[], s:{}}", "ip", "192.0.2.1", "listed", 1, "listings", "id",
	    (json_int_t)7, "reason", "a <b> & \"c\"\r\n", "expires_at",
	    "code", json_string("127.0.0.2"), "history", "zones"));
	o = json_object();
	json_object_set_new(o, "z", json_integer(1));
	json_object_set_new(o, "a", json_integer(2));
	json_object_set_new(o, "m", json_array());
	json_object_set_new(o, "key \"q\"\n", json_null());
	same("insertion order and escaped key", o);
	same("array of arrays", json_pack("[[[i, i], []], [s], [n]]", 1, 2,
	    "x"));
}

static void
test_refused(void **state)
{
	struct sbuf	 b;
	json_t		*v, *top;
	int		 i;

	(void)state;
	sbuf_init(&b);
	sbuf_adds(&b, "keep");
	assert_int_equal(web_json_write(&b, NULL), -1);
	assert_string_equal(b.s, "keep");
	/* Within the depth cap it is written; one deeper it is not. */
	top = v = json_array();
	for (i = 0; i < WEB_JSON_DEPTH; i++) {
		json_t	*a = json_array();

		json_array_append_new(v, a);
		v = a;
	}
	assert_int_equal(web_json_write(&b, top), 0);
	assert_int_equal(b.len, 4 + 2 * (WEB_JSON_DEPTH + 1));
	sbuf_reset(&b);
	sbuf_adds(&b, "keep");
	json_array_append_new(v, json_array());
	assert_int_equal(web_json_write(&b, top), -1);
	assert_string_equal(b.s, "keep");
	assert_int_equal(b.len, 4);
	json_decref(top);
	sbuf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
