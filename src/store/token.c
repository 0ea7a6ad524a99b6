/*
 * token.c: API tokens (token.h): 32 random bytes shown once as
 * base64url, stored as their SHA-256, checked in constant time.
 *
 * Does not: log, or keep a secret anywhere but the caller's buffer (it is
 * wiped here after hashing).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#include "core/str.h"
#include "core/xmalloc.h"
#include "store/store.h"
#include "store/store_int.h"
#include "store/token.h"

#define TOKEN_BYTES	32	/* random bytes of a secret */
#define TOKEN_HASH	32	/* SHA-256 */

static const char sql_token_insert[] = "INSERT INTO token (name, scope,"
    " hash, created_at) VALUES (coalesce(?1, 'token-' || (SELECT"
    " coalesce(max(id), 0) + 1 FROM token)), ?2, ?3, ?4)";
static const char sql_token_name[] = "SELECT name FROM token WHERE id = ?1";
static const char sql_token_taken[] = "SELECT 1 FROM token WHERE name = ?1";
static const char sql_token_hashes[] = "SELECT hash, scope, name,"
    " revoked_at FROM token";
static const char sql_token_by_id[] = "SELECT id, name, revoked_at FROM token"
    " WHERE id = ?1";
static const char sql_token_by_name[] = "SELECT id, name, revoked_at"
    " FROM token WHERE name = ?1";
static const char sql_token_revoke[] = "UPDATE token SET revoked_at = ?2"
    " WHERE id = ?1";
static const char sql_token_all[] = "SELECT id, name, scope, created_at,"
    " revoked_at FROM token ORDER BY id";

static const char *const scope_names[] = {
	[STORE_SCOPE_READ] = "read",
	[STORE_SCOPE_WRITE] = "write",
	[STORE_SCOPE_ADMIN] = "admin",
};

const char *
store_scope_name(enum store_scope sc)
{
	return st_name_of(scope_names, STORE_SCOPE_ADMIN + 1, (int)sc);
}

int
store_scope_parse(const char *text, enum store_scope *sc)
{
	int	i = st_name_index(scope_names, STORE_SCOPE_ADMIN + 1, text);

	*sc = (enum store_scope)(i > 0 ? i : 0);
	return i > 0 ? 0 : -1;
}

int
store_token_name_ok(const char *name)
{
	size_t	len = strlen(name), i;
	int	digits = 1;

	if (len == 0 || len > STORE_TOKEN_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		if (name[i] >= '0' && name[i] <= '9')
			continue;
		digits = 0;
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= 'A' && name[i] <= 'Z') ||
		    strchr("-_.:", name[i]) != NULL))
			return 0;
	}
	return !digits;
}

/* SHA-256 of len bytes into h; 0 or -1. */
static int
sha256(struct store *s, const void *p, size_t len, uint8_t h[TOKEN_HASH])
{
	unsigned int	n = 0;

	if (EVP_Digest(p, len, h, &n, EVP_sha256(), NULL) != 1 ||
	    n != TOKEN_HASH) {
		st_seterr(s, "SHA-256 failed");
		return -1;
	}
	return 0;
}

int64_t
store_token_create(struct store *s, const char *name, enum store_scope sc,
    const char *actor, char secret[STORE_TOKEN_LEN + 1])
{
	sqlite3_stmt	*st;
	uint8_t		 raw[TOKEN_BYTES], h[TOKEN_HASH];
	char		*detail = NULL;
	int64_t		 id = -1;
	int		 own, rc, ok = 0;

	secret[0] = '\0';
	if (name != NULL && !store_token_name_ok(name)) {
		st_seterr(s, "bad token name '%.64s' (1 to %d letters, digits, "
		    "'-', '_', '.', ':', not all digits)", name,
		    STORE_TOKEN_NAME_MAX);
		return -1;
	}
	if ((int)sc < STORE_SCOPE_READ || sc > STORE_SCOPE_ADMIN) {
		st_seterr(s, "bad token scope");
		return -1;
	}
	if (st_random(s, raw, sizeof(raw)) == -1)
		return -1;
	st_b64url(secret, raw, sizeof(raw));
	explicit_bzero(raw, sizeof(raw));
	if (sha256(s, secret, STORE_TOKEN_LEN, h) == -1 ||
	    st_tx_begin(s, &own) == -1)
		goto wipe;
	if (name != NULL) {
		if ((st = st_sql(s, sql_token_taken)) == NULL)
			goto out;
		st_bind_text(st, 1, name);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc == SQLITE_ROW) {
			st_seterr(s, "a token named '%s' exists", name);
			goto out;
		}
		if (rc != SQLITE_DONE) {
			st_dberr(s, "token");
			goto out;
		}
	}
	if ((st = st_sql(s, sql_token_insert)) == NULL)
		goto out;
	st_bind_text(st, 1, name);
	sqlite3_bind_int(st, 2, sc);
	sqlite3_bind_blob(st, 3, h, sizeof(h), SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, st_now());
	if (st_step_done(s, st, "token") == -1)
		goto out;
	id = sqlite3_last_insert_rowid(s->db);
	if ((st = st_sql(s, sql_token_name)) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		xasprintf(&detail, "token %lld '%s' scope %s", (long long)id,
		    st_col_text(st, 0), store_scope_name(sc));
	sqlite3_reset(st);
	if (detail == NULL) {
		st_dberr(s, "token");
		goto out;
	}
	if (st_audit(s, st_now(), actor, "token-create", detail) == -1)
		goto out;
	ok = 1;
out:
	free(detail);
	if (st_tx_end(s, own, ok) == 0)
		return id;
wipe:
	explicit_bzero(secret, STORE_TOKEN_LEN + 1);
	return -1;
}

int
store_token_verify(struct store *s, const char *secret, size_t len,
    enum store_scope *sc, char name[STORE_TOKEN_NAME_MAX + 1])
{
	sqlite3_stmt	*st;
	uint8_t		 h[TOKEN_HASH];
	const void	*blob;
	int		 rc, found = 0, revoked = 0, eq;

	name[0] = '\0';
	/* Another length is no token of ours: hash it anyway, same work. */
	if (sha256(s, secret, len, h) == -1)
		return -1;
	if ((st = st_sql(s, sql_token_hashes)) == NULL)
		return -1;
	/* Every row, every byte: no early exit that timing could show. */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		blob = sqlite3_column_blob(st, 0);
		eq = blob != NULL && sqlite3_column_bytes(st, 0) ==
		    TOKEN_HASH && CRYPTO_memcmp(blob, h, TOKEN_HASH) == 0 &&
		    len == STORE_TOKEN_LEN;
		if (eq && !found) {
			found = 1;
			revoked = sqlite3_column_int64(st, 3) != 0;
			*sc = (enum store_scope)sqlite3_column_int(st, 1);
			str_lcpy(name, st_col_text(st, 2) != NULL ?
			    st_col_text(st, 2) : "", STORE_TOKEN_NAME_MAX + 1);
		}
	}
	sqlite3_reset(st);
	explicit_bzero(h, sizeof(h));
	if (rc != SQLITE_DONE)
		return st_dberr(s, "token");
	if (!found) {
		st_seterr(s, "unknown token");
		return 0;
	}
	if (revoked) {
		st_seterr(s, "token '%s' is revoked", name);
		name[0] = '\0';
		return 0;
	}
	return 1;
}

int
store_token_revoke(struct store *s, const char *key, const char *actor)
{
	sqlite3_stmt	*st;
	int64_t		 id = 0, now = st_now(), revoked = 0;
	char		*detail = NULL;
	int		 own, rc, ok = 0;

	if (st_tx_begin(s, &own) == -1)
		return -1;
	if (st_key_id(key, &id)) {
		if ((st = st_sql(s, sql_token_by_id)) == NULL)
			goto out;
		sqlite3_bind_int64(st, 1, id);
	} else {
		if ((st = st_sql(s, sql_token_by_name)) == NULL)
			goto out;
		st_bind_text(st, 1, key);
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		xasprintf(&detail, "token %lld '%s'", (long long)id,
		    st_col_text(st, 1));
		revoked = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE) {
		st_seterr(s, "no token '%.64s'", key);
		goto out;
	}
	if (rc != SQLITE_ROW) {
		st_dberr(s, "token");
		goto out;
	}
	if (revoked != 0) {
		st_seterr(s, "%s is revoked already", detail);
		goto out;
	}
	if ((st = st_sql(s, sql_token_revoke)) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	if (st_step_done(s, st, "token revoke") == -1 ||
	    st_audit(s, now, actor, "token-revoke", detail) == -1)
		goto out;
	ok = 1;
out:
	free(detail);
	return st_tx_end(s, own, ok);
}

int
store_foreach_token(struct store *s,
    int (*cb)(const struct store_token *, void *), void *arg)
{
	sqlite3_stmt		*st;
	struct store_token	 t;
	int			 rc, r = 0;

	if ((st = st_sql(s, sql_token_all)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		t.id = sqlite3_column_int64(st, 0);
		t.name = st_col_text(st, 1);
		t.scope = (enum store_scope)sqlite3_column_int(st, 2);
		t.created_at = sqlite3_column_int64(st, 3);
		t.revoked_at = sqlite3_column_int64(st, 4);
		if ((r = cb(&t, arg)) != 0)
			break;
	}
	return st_rows_end(s, st, rc, r, "tokens");
}
