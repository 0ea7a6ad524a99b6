/*
 * test_token.c: unit tests for API tokens (src/store/token.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "store/store.h"
#include "store/token.h"
#include "fx.h"

static int
verify(struct store *s, const char *secret, enum store_scope *sc,
    char name[STORE_TOKEN_NAME_MAX + 1])
{
	return store_token_verify(s, secret, strlen(secret), sc, name);
}

static void
test_create_verify(void **state)
{
	struct fx		*f = *state;
	char			 sec[STORE_TOKEN_LEN + 1], bad[STORE_TOKEN_LEN + 1];
	char			 name[STORE_TOKEN_NAME_MAX + 1];
	enum store_scope	 sc = 0;
	int64_t			 id;

	id = store_token_create(f->s, "ops", STORE_SCOPE_WRITE, "cli:root",
	    sec);
	if (id <= 0)
		fail_msg("create: %s", store_errmsg(f->s));
	assert_int_equal(strlen(sec), STORE_TOKEN_LEN);
	assert_int_equal(strspn(sec, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
	    "opqrstuvwxyz0123456789-_"), STORE_TOKEN_LEN);
	assert_int_equal(verify(f->s, sec, &sc, name), 1);
	assert_int_equal(sc, STORE_SCOPE_WRITE);
	assert_string_equal(name, "ops");
	/* One character changed, one missing, one more: no token. */
	memcpy(bad, sec, sizeof(bad));
	bad[10] = bad[10] == 'A' ? 'B' : 'A';
	assert_int_equal(verify(f->s, bad, &sc, name), 0);
	assert_string_equal(name, "");
	assert_non_null(strstr(store_errmsg(f->s), "unknown token"));
	assert_int_equal(store_token_verify(f->s, sec, STORE_TOKEN_LEN - 1,
	    &sc, name), 0);
	assert_int_equal(verify(f->s, "", &sc, name), 0);
	/* A second token: each verifies as itself. */
	assert_true(store_token_create(f->s, NULL, STORE_SCOPE_ADMIN, "cli:root",
	    bad) > 0);
	assert_int_equal(verify(f->s, bad, &sc, name), 1);
	assert_int_equal(sc, STORE_SCOPE_ADMIN);
	assert_string_equal(name, "token-2");
	assert_int_equal(verify(f->s, sec, &sc, name), 1);
	assert_string_equal(name, "ops");
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM audit WHERE"
	    " action = 'token-create' AND actor = 'cli:root'"), 2);
}

/* The store holds the secret's SHA-256 and never the secret. */
static void
test_hash_only(void **state)
{
	struct fx	*f = *state;
	char		 sec[STORE_TOKEN_LEN + 1], sql[256], hex[65];
	unsigned char	 h[32];
	unsigned int	 n;
	int		 i;

	assert_true(store_token_create(f->s, "h", STORE_SCOPE_READ, "t",
	    sec) > 0);
	assert_int_equal(EVP_Digest(sec, strlen(sec), h, &n, EVP_sha256(),
	    NULL), 1);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02X", h[i]);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM token WHERE hash ="
	    " X'%s'", hex);
	assert_int_equal(sql_int(f->path, sql), 1);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM token, audit WHERE"
	    " instr(token.name || audit.detail, '%s') > 0", sec);
	assert_int_equal(sql_int(f->path, sql), 0);
}

static void
test_revoke(void **state)
{
	struct fx		*f = *state;
	char			 a[STORE_TOKEN_LEN + 1], b[STORE_TOKEN_LEN + 1];
	char			 name[STORE_TOKEN_NAME_MAX + 1];
	enum store_scope	 sc;
	int64_t			 ida;
	char			 key[24];

	ida = store_token_create(f->s, "a", STORE_SCOPE_READ, "t", a);
	assert_true(ida > 0);
	assert_true(store_token_create(f->s, "b", STORE_SCOPE_READ, "t", b) >
	    0);
	assert_int_equal(store_token_revoke(f->s, "b", "cli:root"), 0);
	assert_int_equal(verify(f->s, b, &sc, name), 0);
	assert_non_null(strstr(store_errmsg(f->s), "revoked"));
	assert_int_equal(verify(f->s, a, &sc, name), 1);
	snprintf(key, sizeof(key), "%lld", (long long)ida);
	assert_int_equal(store_token_revoke(f->s, key, "cli:root"), 0);
	assert_int_equal(verify(f->s, a, &sc, name), 0);
	assert_int_equal(store_token_revoke(f->s, "a", "cli:root"), -1);
	assert_non_null(strstr(store_errmsg(f->s), "revoked already"));
	assert_int_equal(store_token_revoke(f->s, "nope", "cli:root"), -1);
	assert_non_null(strstr(store_errmsg(f->s), "no token"));
	assert_int_equal(store_token_revoke(f->s, "77", "cli:root"), -1);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM audit WHERE"
	    " action = 'token-revoke'"), 2);
}

static int
list_cb(const struct store_token *t, void *arg)
{
	char	*out = arg;
	size_t	 n = strlen(out);

	snprintf(out + n, 256 - n, "%lld:%s:%s:%d;", (long long)t->id, t->name,
	    store_scope_name(t->scope), t->revoked_at != 0);
	return 0;
}

static void
test_names_and_list(void **state)
{
	static const struct {
		const char	*name;
		int		 ok;
	} names[] = {
		{ "ops", 1 }, { "web-1", 1 }, { "a.b:c_d", 1 }, { "123", 0 },
		{ "", 0 }, { "a b", 0 }, { "x/y", 0 }, { "1a", 1 },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		    1 },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		    0 },
	};
	struct fx		*f = *state;
	char			 sec[STORE_TOKEN_LEN + 1], out[256] = "";
	enum store_scope	 sc;
	size_t			 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (store_token_name_ok(names[i].name) != names[i].ok)
			fail_msg("name '%s': got %d, want %d", names[i].name,
			    !names[i].ok, names[i].ok);
	assert_int_equal(store_token_create(f->s, "a b", STORE_SCOPE_READ,
	    "t", sec), -1);
	assert_string_equal(sec, "");
	assert_true(store_token_create(f->s, "r", STORE_SCOPE_READ, "t", sec) >
	    0);
	assert_int_equal(store_token_create(f->s, "r", STORE_SCOPE_ADMIN, "t",
	    sec), -1);
	assert_non_null(strstr(store_errmsg(f->s), "exists"));
	assert_true(store_token_create(f->s, "w", STORE_SCOPE_ADMIN, "t", sec) >
	    0);
	assert_int_equal(store_token_revoke(f->s, "w", "t"), 0);
	assert_int_equal(store_foreach_token(f->s, list_cb, out), 0);
	assert_string_equal(out, "1:r:read:0;2:w:admin:1;");
	assert_int_equal(store_scope_parse("write", &sc), 0);
	assert_int_equal(sc, STORE_SCOPE_WRITE);
	assert_int_equal(store_scope_parse("root", &sc), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_verify, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hash_only, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_revoke, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names_and_list, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
