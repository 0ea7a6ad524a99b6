/*
 * test_tpl.c: the page template expander (web/tpl.c) and the JSON request
 * reader (web/json.c): escaping, sections, malformed templates, every
 * template of share/web/ over a lookup-shaped value; key and type checks.
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
	const char	*name;
	const char	*tpl;
	const char	*data;		/* JSON */
	const char	*want;		/* NULL: -1 */
} cases[] = {
	{ "plain", "hello", "{}", "hello" },
	{ "value", "<b>{{x}}</b>", "{\"x\": \"a<b>&\\\"'\"}",
	    "<b>a&lt;b&gt;&amp;&quot;&#39;</b>" },
	{ "integer", "{{n}}", "{\"n\": 42}", "42" },
	{ "true, null, missing", "[{{t}}][{{z}}][{{m}}]",
	    "{\"t\": true, \"z\": null}", "[yes][][]" },
	{ "array", "{{#a}}<{{.}}>{{/a}}", "{\"a\": [\"x\", \"<\"]}",
	    "<x><&lt;>" },
	{ "array of objects, outer name", "{{#a}}{{k}}{{ip}};{{/a}}",
	    "{\"ip\": \"I\", \"a\": [{\"k\": 1}, {\"k\": 2, \"ip\": \"J\"}]}",
	    "1I;2J;" },
	{ "empty array", "{{#a}}x{{/a}}{{^a}}none{{/a}}", "{\"a\": []}",
	    "none" },
	{ "false", "{{#f}}x{{/f}}{{^f}}no{{/f}}", "{\"f\": false}", "no" },
	{ "object", "{{#o}}{{k}}{{/o}}", "{\"o\": {\"k\": \"v\"}}", "v" },
	{ "inner null hides outer", "{{#a}}[{{x}}]{{/a}}",
	    "{\"x\": \"outer\", \"a\": [{\"x\": null}]}", "[]" },
	{ "nested", "{{#a}}{{#b}}{{.}}{{/b}}|{{/a}}",
	    "{\"a\": [{\"b\": [1, 2]}, {\"b\": []}]}", "12||" },
	{ "lone braces", "a { b } {c}", "{}", "a { b } {c}" },
	{ "unclosed section", "{{#a}}x", "{\"a\": 1}", NULL },
	{ "unclosed skipped section", "{{#a}}x", "{}", NULL },
	{ "mismatched", "{{#a}}x{{/b}}", "{\"a\": 1}", NULL },
	{ "stray close", "x{{/a}}", "{}", NULL },
	{ "unclosed tag", "x{{a", "{}", NULL },
	{ "empty tag", "x{{}}", "{}", NULL },
	{ "too deep",
	    "{{#a}}{{#a}}{{#a}}{{#a}}{{#a}}{{#a}}{{#a}}{{#a}}{{#a}}x"
	    "{{/a}}{{/a}}{{/a}}{{/a}}{{/a}}{{/a}}{{/a}}{{/a}}{{/a}}",
	    "{\"a\": true}", NULL },
};

static void
test_expand(void **state)
{
	struct sbuf	 b;
	json_error_t	 je;
	json_t		*d;
	size_t		 i;
	int		 rc;

	(void)state;
	sbuf_init(&b);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sbuf_reset(&b);
		if ((d = json_loads(cases[i].data, 0, &je)) == NULL)
			fail_msg("%s: bad test data", cases[i].name);
		rc = web_tpl_expand(&b, cases[i].tpl, strlen(cases[i].tpl), d);
		json_decref(d);
		if (cases[i].want == NULL) {
			if (rc != -1)
				fail_msg("%s: got success, want -1",
				    cases[i].name);
			continue;
		}
		if (rc != 0 || strcmp(b.s != NULL ? b.s : "",
		    cases[i].want) != 0)
			fail_msg("%s: got %d '%s', want '%s'", cases[i].name,
			    rc, b.s, cases[i].want);
	}
	sbuf_free(&b);
}

/* Every compiled-in template expands, and escapes what it writes. */
static void
test_assets(void **state)
{
	static const char data[] = "{\"title\": \"<t>\", \"client\": \"<c>\", "
	    "\"status\": 400, \"message\": \"<m>\", \"ip\": \"<ip>\", "
	    "\"listed\": true, \"has_history\": true, \"truncated\": true, "
	    "\"history\": [{\"at\": \"<at>\", \"why\": \"<w>\"}], "
	    "\"zones\": [{\"name\": \"<z>\", \"listed\": true, "
	    "\"has_past\": true, \"past\": [{\"reason\": \"<p>\"}], "
	    "\"listings\": [{\"id\": 1, \"range\": true, \"reason\": "
	    "\"<script>\", \"evidence\": \"<e>\", \"expires_at\": null}]}]}";
	struct sbuf	 b;
	json_error_t	 je;
	json_t		*d = json_loads(data, 0, &je);
	size_t		 i;

	(void)state;
	assert_non_null(d);
	assert_true(web_nassets >= 6);
	sbuf_init(&b);
	for (i = 0; i < web_nassets; i++) {
		sbuf_reset(&b);
		if (web_tpl_expand(&b, web_assets[i].data, web_assets[i].len,
		    d) != 0)
			fail_msg("%s: does not expand", web_assets[i].name);
		if (b.len > 0 && strstr(b.s, "<script") != NULL)
			fail_msg("%s: writes <script", web_assets[i].name);
		if (b.len > 0 && (strstr(b.s, "<t>") != NULL ||
		    strstr(b.s, "<ip>") != NULL || strstr(b.s, "<z>") != NULL))
			fail_msg("%s: writes a value unescaped",
			    web_assets[i].name);
	}
	sbuf_reset(&b);
	assert_int_equal(web_tpl_expand(&b, web_asset_get("lookup.html")->data,
	    web_asset_get("lookup.html")->len, d), 0);
	assert_non_null(strstr(b.s, "&lt;script&gt;"));
	assert_non_null(strstr(b.s, "&lt;e&gt;"));
	assert_null(web_asset_get("nope.html"));
	sbuf_free(&b);
	json_decref(d);
}

static const struct web_jkey keys[] = {
	{ "ip", JSON_STRING, 1, 64 },
	{ "zone", JSON_STRING, 0, 253 },
	{ "expires", JSON_INTEGER, 0, 0 },
	{ "force", JSON_TRUE, 0, 0 },
	{ NULL, 0, 0, 0 },
};

static const struct {
	const char	*in;
	const char	*err;		/* NULL: accepted; else in the message */
} jcases[] = {
	{ "{\"ip\": \"192.0.2.1\"}", NULL },
	{ "{\"ip\": \"192.0.2.1\", \"zone\": \"z\", \"expires\": 3, "
	    "\"force\": false}", NULL },
	{ "{\"zone\": \"z\"}", "\"ip\" is required" },
	{ "{\"ip\": 1}", "\"ip\" must be a string" },
	{ "{\"ip\": \"x\", \"expires\": \"3\"}", "\"expires\" must be an integer" },
	{ "{\"ip\": \"x\", \"expires\": 3.5}", "must be an integer" },
	{ "{\"ip\": \"x\", \"force\": 1}", "must be a boolean" },
	{ "{\"ip\": \"x\", \"other\": 1}", "unknown key \"other\"" },
	{ "{\"ip\": \"x\", \"ip\": \"y\"}", "bad JSON" },	/* duplicate */
	{ "{\"ip\": \"x\"", "bad JSON" },
	{ "[\"ip\"]", "must be a JSON object" },
	{ "\"ip\"", "bad JSON" },
	{ "", "bad JSON" },
	{ "{\"ip\": \"a\\u0000b\"}", "bad JSON" },
	{ "{\"ip\": \"\xff\"}", "bad JSON" },
	{ "{\"ip\": \"x\"} {}", "bad JSON" },
	{ "{\"ip\": \"0123456789012345678901234567890123456789012345678901"
	    "2345678901234\"}", "longer than 64" },
	{ "{\"ip\": \"x\", \"\\u0001<\": 1}", "unknown key \"\\x01<\"" },
};

static void
test_json(void **state)
{
	char	 err[256];
	json_t	*o;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(jcases) / sizeof(jcases[0]); i++) {
		err[0] = '\0';
		o = web_json_read(jcases[i].in, strlen(jcases[i].in), keys,
		    err, sizeof(err));
		if (jcases[i].err == NULL) {
			if (o == NULL)
				fail_msg("%s: got '%s', want accepted",
				    jcases[i].in, err);
		} else if (o != NULL || strstr(err, jcases[i].err) == NULL)
			fail_msg("%s: got '%s', want '%s'", jcases[i].in,
			    o != NULL ? "accepted" : err, jcases[i].err);
		json_decref(o);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_assets),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
