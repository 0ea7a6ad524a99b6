/*
 * conf.c: the configuration file parser.
 *
 * Untrusted input in the sense that a typo must give "file:line: what"
 * rather than a crash: the file size, nesting depth, arguments per
 * statement, token length and node count are capped (conf.h). It builds a
 * generic tree; the meaning of each key belongs to the module that reads it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/conf.h"
#include "core/str.h"
#include "core/xmalloc.h"

struct parser {
	const char	*p, *end;
	const char	*path;
	int		 line;
	int		 nodes;
	char		*err;
	size_t		 errlen;
	int		 failed;
};

static void
perr(struct parser *ps, const char *msg)
{
	if (ps->failed)
		return;
	ps->failed = 1;
	snprintf(ps->err, ps->errlen, "%s:%d: %s", ps->path, ps->line, msg);
}

static void
node_free(struct conf_node *n)
{
	struct conf_node	*next;
	int			 i;

	while (n != NULL) {
		next = n->next;
		node_free(n->child);
		for (i = 0; i < n->nargs; i++)
			free(n->args[i]);
		free(n->args);
		free(n->name);
		free(n);
		n = next;
	}
}

/* Skip blanks and comments, not newlines. */
static void
skip_space(struct parser *ps)
{
	while (ps->p < ps->end) {
		if (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r')
			ps->p++;
		else if (*ps->p == '#') {
			while (ps->p < ps->end && *ps->p != '\n')
				ps->p++;
		} else
			break;
	}
}

/* Read one word or quoted string into OUT:tok. Returns 0 or -1. */
static int
read_token(struct parser *ps, struct sbuf *tok)
{
	sbuf_reset(tok);
	if (*ps->p == '"') {
		ps->p++;
		for (;;) {
			if (ps->p >= ps->end || *ps->p == '\n') {
				perr(ps, "unterminated quoted string");
				return -1;
			}
			if (*ps->p == '"') {
				ps->p++;
				break;
			}
			if (*ps->p == '\\' && ps->p + 1 < ps->end &&
			    (ps->p[1] == '"' || ps->p[1] == '\\'))
				ps->p++;
			if (*ps->p == '\0' ||
			    (unsigned char)*ps->p < 0x20) {
				perr(ps, "control character in string");
				return -1;
			}
			sbuf_addc(tok, *ps->p++);
			if (tok->len > CONF_TOKEN_MAX) {
				perr(ps, "string too long");
				return -1;
			}
		}
		if (tok->s == NULL)
			sbuf_reserve(tok, 0);
		return 0;
	}
	while (ps->p < ps->end && strchr(" \t\r\n;{}#\"", *ps->p) == NULL) {
		if ((unsigned char)*ps->p < 0x20 || *ps->p == 0x7f) {
			perr(ps, "control character");
			return -1;
		}
		sbuf_addc(tok, *ps->p++);
		if (tok->len > CONF_TOKEN_MAX) {
			perr(ps, "word too long");
			return -1;
		}
	}
	return 0;
}

/* Parse statements until '}' (depth > 0) or the end of the text. */
static struct conf_node *
parse_block(struct parser *ps, int depth)
{
	struct conf_node	*first = NULL, **tail = &first, *n = NULL;
	struct sbuf		 tok;

	sbuf_init(&tok);
	if (depth > CONF_DEPTH_MAX) {
		perr(ps, "blocks nested too deeply");
		return NULL;
	}
	while (!ps->failed) {
		skip_space(ps);
		if (ps->p >= ps->end) {
			if (depth > 0)
				perr(ps, "missing '}'");
			break;
		}
		if (*ps->p == '\n') {
			ps->line++;
			ps->p++;
			n = NULL;
			continue;
		}
		if (*ps->p == ';') {
			ps->p++;
			n = NULL;
			continue;
		}
		if (*ps->p == '}') {
			if (depth == 0)
				perr(ps, "unexpected '}'");
			else
				ps->p++;
			break;
		}
		if (*ps->p == '{') {
			if (n == NULL || n->child != NULL) {
				perr(ps, "'{' without a statement");
				break;
			}
			ps->p++;
			n->child = parse_block(ps, depth + 1);
			n = NULL;
			continue;
		}
		if (read_token(ps, &tok) == -1)
			break;
		if (n == NULL) {
			if (++ps->nodes > CONF_NODES_MAX) {
				perr(ps, "too many statements");
				break;
			}
			n = xcalloc(1, sizeof(*n));
			n->name = xstrdup(tok.s != NULL ? tok.s : "");
			n->line = ps->line;
			*tail = n;
			tail = &n->next;
		} else {
			if (n->nargs >= CONF_ARGS_MAX) {
				perr(ps, "too many arguments");
				break;
			}
			n->args = xreallocarray(n->args, (size_t)n->nargs + 1,
			    sizeof(char *));
			n->args[n->nargs++] = xstrdup(tok.s != NULL ?
			    tok.s : "");
		}
	}
	sbuf_free(&tok);
	return first;
}

struct conf *
conf_parse(const char *text, size_t len, const char *path, char *err,
    size_t errlen)
{
	struct parser		 ps;
	struct conf		*c;
	struct conf_node	*top;

	memset(&ps, 0, sizeof(ps));
	ps.p = text;
	ps.end = text + len;
	ps.path = path;
	ps.line = 1;
	ps.err = err;
	ps.errlen = errlen;
	if (len > CONF_FILE_MAX) {
		perr(&ps, "file too large");
		return NULL;
	}
	if (memchr(text, '\0', len) != NULL) {
		perr(&ps, "NUL byte in file");
		return NULL;
	}
	top = parse_block(&ps, 0);
	if (ps.failed) {
		node_free(top);
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->root = xcalloc(1, sizeof(*c->root));
	c->root->name = xstrdup("");
	c->root->child = top;
	c->path = xstrdup(path);
	return c;
}

struct conf *
conf_load(const char *path, char *err, size_t errlen)
{
	FILE		*f;
	char		*buf;
	size_t		 n;
	struct conf	*c;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf = xmalloc(CONF_FILE_MAX + 1);
	n = fread(buf, 1, CONF_FILE_MAX + 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	c = conf_parse(buf, n, path, err, errlen);
	free(buf);
	return c;
}

void
conf_free(struct conf *c)
{
	if (c == NULL)
		return;
	node_free(c->root);
	free(c->path);
	free(c);
}

struct conf_node *
conf_find(const struct conf_node *n, const char *key)
{
	struct conf_node	*ch;

	if (n == NULL)
		return NULL;
	for (ch = n->child; ch != NULL; ch = ch->next)
		if (strcmp(ch->name, key) == 0)
			return ch;
	return NULL;
}

struct conf_node *
conf_next(const struct conf_node *n)
{
	struct conf_node	*s;

	for (s = n->next; s != NULL; s = s->next)
		if (strcmp(s->name, n->name) == 0)
			return s;
	return NULL;
}

const char *
conf_get(const struct conf_node *n, const char *key)
{
	struct conf_node	*ch = conf_find(n, key);

	if (ch == NULL || ch->nargs < 1)
		return NULL;
	return ch->args[0];
}

int
conf_check_keys(const struct conf *c, const struct conf_node *n,
    const char *const *keys, char *err, size_t errlen)
{
	struct conf_node	*ch;
	size_t			 i;

	if (n == NULL)
		return 0;
	for (ch = n->child; ch != NULL; ch = ch->next) {
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(ch->name, keys[i]) == 0)
				break;
		if (keys[i] == NULL) {
			snprintf(err, errlen, "%s:%d: unknown key '%s'",
			    c->path, ch->line, ch->name);
			return -1;
		}
	}
	return 0;
}

int
conf_err(const struct conf *c, const struct conf_node *k, char *err,
    size_t errlen, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	n = snprintf(err, errlen, "%s:%d: ", c != NULL && c->path != NULL ?
	    c->path : "config", k != NULL ? k->line : 0);
	if (n < 0 || (size_t)n >= errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}
