/*
 * conf.h: the configuration file, parsed into a tree of statements.
 *
 *   # comment
 *   db /var/lib/fairlist/fairlist.db
 *   dns {
 *       listen 127.0.0.1:5300
 *       listen [::1]:5300
 *   }
 *   zone bl.example.org { code 127.0.0.2; txt "listed: $reason" }
 *
 * A statement is a name and arguments, ended by a newline, ';' or a
 * '{ ... }' block of child statements (after which another statement may
 * follow on the same line). Arguments may be double-quoted
 * (with \" and \\). The tree is generic: each module reads its own keys,
 * and docs/CONFIG.md lists them all.
 */
#ifndef FAIRLIST_CONF_H
#define FAIRLIST_CONF_H

#include <stddef.h>

#define CONF_FILE_MAX	(1024 * 1024)	/* bytes */
#define CONF_DEPTH_MAX	8
#define CONF_ARGS_MAX	32
#define CONF_TOKEN_MAX	4096
#define CONF_NODES_MAX	10000

struct conf_node {
	char			*name;
	char			**args;		/* nargs strings */
	int			 nargs;
	int			 line;
	struct conf_node	*child;		/* first child, or NULL */
	struct conf_node	*next;		/* next sibling */
};

struct conf {
	struct conf_node	*root;		/* name "", children at top */
	char			*path;
};

/*
 * Untrusted input: parse len bytes of text (path is for messages). On
 * error returns NULL and writes "path:line: message" to OUT:err.
 */
struct conf	*conf_parse(const char *text, size_t len, const char *path,
		    char *err, size_t errlen);
/* Read and parse a file. Same contract as conf_parse. */
struct conf	*conf_load(const char *path, char *err, size_t errlen);
void		 conf_free(struct conf *c);	/* NULL is a no-op */

/* First child of n named key, or NULL. n may be NULL. */
struct conf_node	*conf_find(const struct conf_node *n, const char *key);
/* Next sibling after n with n's name, or NULL. */
struct conf_node	*conf_next(const struct conf_node *n);
/* First argument of the first child named key, or NULL. */
const char		*conf_get(const struct conf_node *n, const char *key);

/*
 * Check that every child of n has a name from the NULL-terminated list
 * keys. Returns 0, or -1 with "path:line: unknown key 'x'" in OUT:err.
 */
int	conf_check_keys(const struct conf *c, const struct conf_node *n,
	    const char *const *keys, char *err, size_t errlen);

/*
 * Write "path:line: message" for node k (line 0 for NULL) into OUT:err.
 * Returns -1, so a reader can `return conf_err(...)`.
 */
int	conf_err(const struct conf *c, const struct conf_node *k, char *err,
	    size_t errlen, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));

#endif /* FAIRLIST_CONF_H */
