/*
 * token.h: API tokens for the admin routes (Authorization: Bearer).
 *
 * A token is 32 random bytes (getrandom), given to its owner once as
 * STORE_TOKEN_LEN base64url characters (RFC 4648 section 5, no padding).
 * The store keeps its SHA-256 only, with a unique name and a scope:
 * read < write < admin, each allowing what the ones before it allow.
 * A revoked token stays listed (with its revocation time) and never
 * verifies again.
 */
#ifndef FAIRLIST_STORE_TOKEN_H
#define FAIRLIST_STORE_TOKEN_H

#include <stddef.h>
#include <stdint.h>

struct store;

#define STORE_TOKEN_LEN		43	/* base64url characters of a secret */
#define STORE_TOKEN_NAME_MAX	64	/* bytes of a token's name */

enum store_scope {
	STORE_SCOPE_READ = 1,
	STORE_SCOPE_WRITE,
	STORE_SCOPE_ADMIN
};

/* "read", "write", "admin"; "?" otherwise. */
const char	*store_scope_name(enum store_scope sc);
/* The scope named text into OUT:sc; 0, or -1 for another name. */
int		 store_scope_parse(const char *text, enum store_scope *sc);

/*
 * 1 if name may be a token's: 1 to STORE_TOKEN_NAME_MAX letters, digits,
 * '-', '_', '.' and ':', not all digits (so that an id and a name are
 * told apart).
 */
int	store_token_name_ok(const char *name);

/*
 * Create a token of scope sc named name (NULL: "token-ID"). Writes its
 * secret, STORE_TOKEN_LEN characters and a NUL, to OUT:secret: shown
 * once, never stored. Audited (the name and scope, not the secret).
 * Returns the token's id (> 0) or -1 (bad or taken name, db error).
 */
int64_t	store_token_create(struct store *s, const char *name,
	    enum store_scope sc, const char *actor,
	    char secret[STORE_TOKEN_LEN + 1]);

/*
 * Check the secret of len bytes a client presented. Compares its SHA-256
 * with every stored hash in constant time (CRYPTO_memcmp, no early
 * exit), so the time taken says nothing about which bytes matched.
 * Returns 1 with OUT:sc and the name (NUL-terminated) in OUT:name for a
 * token that is not revoked, 0 for an unknown or revoked one (the message
 * says which), -1 on a db error.
 */
int	store_token_verify(struct store *s, const char *secret, size_t len,
	    enum store_scope *sc, char name[STORE_TOKEN_NAME_MAX + 1]);

/*
 * Revoke the token whose id (decimal) or name is key. Audited. Returns 0,
 * or -1 (no such token, revoked already, db error).
 */
int	store_token_revoke(struct store *s, const char *key,
	    const char *actor);

/* A token as stored (no secret, no hash). Borrowed for the callback. */
struct store_token {
	int64_t			 id;
	const char		*name;
	enum store_scope	 scope;
	int64_t			 created_at;
	int64_t			 revoked_at;	/* 0: in force */
};

/* Call cb for each token by id; a non-zero cb return stops (returned). */
int	store_foreach_token(struct store *s,
	    int (*cb)(const struct store_token *, void *), void *arg);

#endif /* FAIRLIST_STORE_TOKEN_H */
