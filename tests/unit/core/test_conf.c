/* test_conf.c: the configuration parser (core/conf.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/conf.h"

static void
test_good(void **state)
{
	static const char text[] =
	    "# a comment\n"
	    "db /tmp/x.db\n"
	    "dns {\n"
	    "  listen 127.0.0.1:5300 [::1]:5300   # two\n"
	    "  listen 127.0.0.2\n"
	    "}\n"
	    "zone bl.example.org { code 127.0.0.3; txt \"say \\\"hi\\\" $ip\" }\n"
	    "zone second.test\n";
	char			 err[256];
	struct conf		*c;
	struct conf_node	*dns, *l, *z;

	(void)state;
	c = conf_parse(text, strlen(text), "t.conf", err, sizeof(err));
	if (c == NULL)
		fail_msg("parse: %s", err);
	assert_string_equal(conf_get(c->root, "db"), "/tmp/x.db");
	dns = conf_find(c->root, "dns");
	assert_non_null(dns);
	l = conf_find(dns, "listen");
	assert_int_equal(l->nargs, 2);
	assert_string_equal(l->args[1], "[::1]:5300");
	assert_int_equal(l->line, 4);
	l = conf_next(l);
	assert_string_equal(l->args[0], "127.0.0.2");
	assert_null(conf_next(l));
	z = conf_find(c->root, "zone");
	assert_string_equal(z->args[0], "bl.example.org");
	assert_string_equal(conf_get(z, "code"), "127.0.0.3");
	assert_string_equal(conf_get(z, "txt"), "say \"hi\" $ip");
	z = conf_next(z);
	assert_string_equal(z->args[0], "second.test");
	assert_null(z->child);
	conf_free(c);
}

/* Regression: an empty quoted string as the first token (fuzz_conf). */
static void
test_empty_strings(void **state)
{
	static const char text[] = "\"\" x \"\"\na \"\"\n";
	char		 err[256];
	struct conf	*c;

	(void)state;
	c = conf_parse(text, strlen(text), "t.conf", err, sizeof(err));
	if (c == NULL)
		fail_msg("parse: %s", err);
	assert_string_equal(c->root->child->name, "");
	assert_int_equal(c->root->child->nargs, 2);
	assert_string_equal(c->root->child->args[0], "x");
	assert_string_equal(c->root->child->args[1], "");
	assert_string_equal(conf_get(c->root, "a"), "");
	conf_free(c);
}

static void
test_bad(void **state)
{
	static const struct {
		const char	*text;
		const char	*want;
	} t[] = {
		{ "a {\n b\n", "t.conf:3: missing '}'" },
		{ "}\n", "t.conf:1: unexpected '}'" },
		{ "{ a }\n", "t.conf:1: '{' without a statement" },
		{ "a \"open\n", "t.conf:1: unterminated quoted string" },
		{ "a\x01 b\n", "t.conf:1: control character" },
		{ "a {{{{{{{{{{ }}}}}}}}}}\n", "t.conf:1: '{' without a statement" },
		{ "a{b{c{d{e{f{g{h{i{j{}}}}}}}}}}\n",
		    "t.conf:1: blocks nested too deeply" },
	};
	char	err[256];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		err[0] = '\0';
		if (conf_parse(t[i].text, strlen(t[i].text), "t.conf", err,
		    sizeof(err)) != NULL)
			fail_msg("case %zu: parsed, want '%s'", i, t[i].want);
		if (strcmp(err, t[i].want) != 0)
			fail_msg("case %zu: got '%s', want '%s'", i, err,
			    t[i].want);
	}
	/* A NUL byte inside the file. */
	assert_null(conf_parse("a\0b", 3, "t.conf", err, sizeof(err)));
	assert_string_equal(err, "t.conf:1: NUL byte in file");
}

static void
test_check_keys(void **state)
{
	static const char *const keys[] = { "listen", NULL };
	static const char text[] = "dns {\n listen x\n lisen y\n}\n";
	char		 err[256];
	struct conf	*c;

	(void)state;
	c = conf_parse(text, strlen(text), "t.conf", err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(conf_check_keys(c, conf_find(c->root, "dns"), keys,
	    err, sizeof(err)), -1);
	assert_string_equal(err, "t.conf:3: unknown key 'lisen'");
	conf_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_empty_strings),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_check_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
