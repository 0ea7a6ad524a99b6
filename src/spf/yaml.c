/*
 * yaml.c: a bounded YAML 1.2 subset reader for conformance suites.
 *
 * Untrusted input (YAML 1.2 chapters 6 to 9, subset): a stream of
 * documents ("---", "..."), block mappings and sequences (compact
 * "- key: value" too), flow sequences and mappings, plain, single- and
 * double-quoted scalars (all escapes, \xHH as a code point in UTF-8, line
 * folding), literal and folded block scalars with chomping and indentation
 * indicators, and comments. Anchors, aliases, tags and complex keys are
 * refused with a clear error. Every scalar is a string. Sizes, depth and
 * node counts are capped (SPF_SUITE_*). Errors are "path:line: message".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/str.h"
#include "core/xmalloc.h"
#include "spf/spf_int.h"

struct yp {
	const char	 *path;
	char		**line;
	size_t		 *len;
	size_t		  nlines;
	size_t		  li, col;
	int		  depth;
	long		  nodes;
	char		 *err;
	size_t		  errlen;
	int		  failed;
};

static struct ynode *
ynew(struct yp *p, int kind)
{
	struct ynode	*n;

	if (++p->nodes > SPF_SUITE_NODES_MAX) {
		if (!p->failed)
			snprintf(p->err, p->errlen, "%s:%zu: too many nodes",
			    p->path, p->li + 1);
		p->failed = 1;
	}
	n = xcalloc(1, sizeof(*n));
	n->kind = kind;
	n->line = (int)p->li + 1;
	n->str = NULL;
	return n;
}

static void
yadd(struct ynode *parent, struct ynode *c)
{
	if (parent->last == NULL)
		parent->child = c;
	else
		parent->last->next = c;
	parent->last = c;
}

void
yaml_free(struct ynode *n)
{
	struct ynode	*c, *next;

	if (n == NULL)
		return;
	for (c = n->child; c != NULL; c = next) {
		next = c->next;
		yaml_free(c);
	}
	free(n->str);
	free(n->key);
	free(n);
}

static void
fail(struct yp *p, const char *msg)
{
	if (!p->failed)
		snprintf(p->err, p->errlen, "%s:%zu: %s", p->path,
		    p->li < p->nlines ? p->li + 1 : p->nlines, msg);
	p->failed = 1;
}

static int
at_eof(const struct yp *p)
{
	return p->li >= p->nlines;
}

/* Current character, or '\0' at the end of the line. */
static int
cur(const struct yp *p)
{
	if (at_eof(p) || p->col >= p->len[p->li])
		return '\0';
	return (unsigned char)p->line[p->li][p->col];
}

static int
peek(const struct yp *p, size_t k)
{
	if (at_eof(p) || p->col + k >= p->len[p->li])
		return '\0';
	return (unsigned char)p->line[p->li][p->col + k];
}

static size_t
indent_of(const struct yp *p, size_t li)
{
	size_t	i = 0;

	while (i < p->len[li] && p->line[li][i] == ' ')
		i++;
	return i;
}

static int
blank_line(const struct yp *p, size_t li)
{
	size_t	i = indent_of(p, li);

	while (i < p->len[li] && p->line[li][i] == '\t')
		i++;
	return i == p->len[li] || p->line[li][i] == '#';
}

static int
marker_line(const struct yp *p, size_t li)
{
	const char	*l = p->line[li];
	size_t		 n = p->len[li];

	if (n < 3 || (strncmp(l, "---", 3) != 0 && strncmp(l, "...", 3) != 0))
		return 0;
	return n == 3 || l[3] == ' ' || l[3] == '\t';
}

static void
skip_spaces(struct yp *p)
{
	while (cur(p) == ' ' || cur(p) == '\t')
		p->col++;
}

/* At end of the line's content (EOL or a comment)? */
static int
at_eol(struct yp *p)
{
	skip_spaces(p);
	return cur(p) == '\0' || cur(p) == '#';
}

/*
 * Move to the next line holding content, col at its first character.
 * Returns 0 at the end of the stream or at a document marker.
 */
static int
next_content(struct yp *p)
{
	if (!at_eof(p) && p->col == 0 && marker_line(p, p->li))
		return 0;
	if (!at_eof(p) && !at_eol(p))
		return 1;
	for (p->li++; p->li < p->nlines; p->li++) {
		if (marker_line(p, p->li)) {
			p->col = 0;
			return 0;
		}
		if (!blank_line(p, p->li)) {
			p->col = indent_of(p, p->li);
			if (p->col < p->len[p->li] &&
			    p->line[p->li][p->col] == '\t') {
				fail(p, "tab in indentation");
				return 0;
			}
			return 1;
		}
	}
	p->col = 0;
	return 0;
}

static void
put_utf8(struct sbuf *b, unsigned long cp)
{
	if (cp < 0x80)
		sbuf_addc(b, (int)cp);
	else if (cp < 0x800) {
		sbuf_addc(b, (int)(0xc0 | cp >> 6));
		sbuf_addc(b, (int)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		sbuf_addc(b, (int)(0xe0 | cp >> 12));
		sbuf_addc(b, (int)(0x80 | ((cp >> 6) & 0x3f)));
		sbuf_addc(b, (int)(0x80 | (cp & 0x3f)));
	} else {
		sbuf_addc(b, (int)(0xf0 | cp >> 18));
		sbuf_addc(b, (int)(0x80 | ((cp >> 12) & 0x3f)));
		sbuf_addc(b, (int)(0x80 | ((cp >> 6) & 0x3f)));
		sbuf_addc(b, (int)(0x80 | (cp & 0x3f)));
	}
}

static void
trim_trailing(struct sbuf *b)
{
	if (b->s == NULL)
		sbuf_adds(b, "");	/* nothing added yet */
	while (b->len > 0 && (b->s[b->len - 1] == ' ' ||
	    b->s[b->len - 1] == '\t'))
		b->len--;
	b->s[b->len] = '\0';
}

/*
 * Quoted scalar at the cursor (single or double); may span lines, which
 * fold into one space (an empty line gives a newline).
 */
static int
quoted(struct yp *p, struct sbuf *b)
{
	int	q = cur(p), c, k, d, n;
	unsigned long cp;
	int	nl;

	p->col++;
	for (;;) {
		if (at_eof(p)) {
			fail(p, "unterminated quoted string");
			return -1;
		}
		c = cur(p);
		if (c == '\0' && p->col >= p->len[p->li]) {
			/* Line folding. */
			trim_trailing(b);
			nl = 0;
			for (;;) {
				p->li++;
				if (at_eof(p)) {
					fail(p, "unterminated quoted string");
					return -1;
				}
				p->col = 0;
				skip_spaces(p);
				if (cur(p) != '\0')
					break;
				nl++;
			}
			if (nl == 0)
				sbuf_addc(b, ' ');
			while (nl-- > 0)
				sbuf_addc(b, '\n');
			continue;
		}
		if (q == '\'') {
			if (c == '\'') {
				if (peek(p, 1) == '\'') {
					sbuf_addc(b, '\'');
					p->col += 2;
					continue;
				}
				p->col++;
				return 0;
			}
			sbuf_addc(b, c);
			p->col++;
			continue;
		}
		if (c == '"') {
			p->col++;
			return 0;
		}
		if (c != '\\') {
			sbuf_addc(b, c);
			p->col++;
			continue;
		}
		p->col++;
		c = cur(p);
		p->col++;
		switch (c) {
		case '\0':
			/* Escaped line break: join without a space. */
			p->li++;
			p->col = 0;
			if (at_eof(p)) {
				fail(p, "unterminated quoted string");
				return -1;
			}
			skip_spaces(p);
			continue;
		case '0': sbuf_addc(b, '\0'); continue;
		case 'a': sbuf_addc(b, '\a'); continue;
		case 'b': sbuf_addc(b, '\b'); continue;
		case 't': case '\t': sbuf_addc(b, '\t'); continue;
		case 'n': sbuf_addc(b, '\n'); continue;
		case 'v': sbuf_addc(b, '\v'); continue;
		case 'f': sbuf_addc(b, '\f'); continue;
		case 'r': sbuf_addc(b, '\r'); continue;
		case 'e': sbuf_addc(b, 0x1b); continue;
		case ' ': sbuf_addc(b, ' '); continue;
		case '"': sbuf_addc(b, '"'); continue;
		case '/': sbuf_addc(b, '/'); continue;
		case '\\': sbuf_addc(b, '\\'); continue;
		case 'N': put_utf8(b, 0x85); continue;
		case '_': put_utf8(b, 0xa0); continue;
		case 'L': put_utf8(b, 0x2028); continue;
		case 'P': put_utf8(b, 0x2029); continue;
		case 'x': n = 2; break;
		case 'u': n = 4; break;
		case 'U': n = 8; break;
		default:
			fail(p, "unknown escape in double-quoted string");
			return -1;
		}
		cp = 0;
		for (k = 0; k < n; k++) {
			if ((d = str_hexval(cur(p))) == -1) {
				fail(p, "bad hex escape");
				return -1;
			}
			cp = cp << 4 | (unsigned long)d;
			p->col++;
		}
		if (cp > 0x10ffff) {
			fail(p, "escape beyond Unicode");
			return -1;
		}
		put_utf8(b, cp);
	}
}

static struct ynode *
scalar_node(struct yp *p, struct sbuf *b, int line)
{
	struct ynode	*n = ynew(p, Y_SCALAR);

	n->line = line;
	n->str = b->s != NULL ? b->s : xstrdup("");
	n->len = b->len;
	sbuf_init(b);
	return n;
}

static int
refuse_indicator(struct yp *p)
{
	switch (cur(p)) {
	case '&': case '*': case '!':
		fail(p, "anchors, aliases and tags are not supported");
		return -1;
	case '?':
		if (peek(p, 1) == ' ' || peek(p, 1) == '\0') {
			fail(p, "complex mapping keys are not supported");
			return -1;
		}
		return 0;
	case '@': case '`':
		fail(p, "reserved indicator at start of a scalar");
		return -1;
	default:
		return 0;
	}
}

static struct ynode	*flow_node(struct yp *p);

/* Skip spaces, newlines and comments inside a flow collection. */
static int
flow_ws(struct yp *p)
{
	for (;;) {
		if (at_eof(p)) {
			fail(p, "unterminated flow collection");
			return -1;
		}
		skip_spaces(p);
		if (cur(p) == '\0' || cur(p) == '#') {
			p->li++;
			p->col = 0;
			continue;
		}
		return 0;
	}
}

static struct ynode *
flow_scalar(struct yp *p)
{
	struct sbuf	 b;
	int		 c, line = (int)p->li + 1;

	sbuf_init(&b);
	if (cur(p) == '"' || cur(p) == '\'') {
		if (quoted(p, &b) == -1) {
			sbuf_free(&b);
			return NULL;
		}
		return scalar_node(p, &b, line);
	}
	if (refuse_indicator(p) == -1)
		return NULL;
	while ((c = cur(p)) != '\0') {
		if (c == ',' || c == '[' || c == ']' || c == '{' || c == '}')
			break;
		if (c == ':' && (peek(p, 1) == ' ' || peek(p, 1) == '\0' ||
		    strchr(",[]{}", peek(p, 1)) != NULL))
			break;
		if (c == '#' && b.len > 0 && (b.s[b.len - 1] == ' ' ||
		    b.s[b.len - 1] == '\t'))
			break;
		sbuf_addc(&b, c);
		p->col++;
	}
	if (b.s == NULL)
		sbuf_adds(&b, "");
	trim_trailing(&b);
	return scalar_node(p, &b, line);
}

static struct ynode *
flow_node(struct yp *p)
{
	struct ynode	*n, *c, *v;
	int		 close;

	if (++p->depth > SPF_SUITE_DEPTH_MAX) {
		fail(p, "nested too deeply");
		return NULL;
	}
	if (flow_ws(p) == -1)
		return NULL;
	if (cur(p) != '[' && cur(p) != '{') {
		n = flow_scalar(p);
		p->depth--;
		return n;
	}
	n = ynew(p, cur(p) == '[' ? Y_SEQ : Y_MAP);
	close = cur(p) == '[' ? ']' : '}';
	p->col++;
	for (;;) {
		if (p->failed || flow_ws(p) == -1)
			goto bad;
		if (cur(p) == close) {
			p->col++;
			break;
		}
		if ((c = flow_node(p)) == NULL)
			goto bad;
		if (flow_ws(p) == -1) {
			yaml_free(c);
			goto bad;
		}
		if (n->kind == Y_MAP || cur(p) == ':') {
			if (c->kind != Y_SCALAR || cur(p) != ':') {
				yaml_free(c);
				fail(p, "expected ':' in flow mapping");
				goto bad;
			}
			p->col++;
			if (flow_ws(p) == -1) {
				yaml_free(c);
				goto bad;
			}
			if (cur(p) == ',' || cur(p) == close) {
				v = ynew(p, Y_SCALAR);
				v->str = xstrdup("");
			} else if ((v = flow_node(p)) == NULL) {
				yaml_free(c);
				goto bad;
			}
			v->key = c->str;
			v->keylen = c->len;
			c->str = NULL;
			yaml_free(c);
			if (n->kind == Y_SEQ) {
				/* [ a: b ] is a one-pair mapping. */
				c = ynew(p, Y_MAP);
				yadd(c, v);
				v = c;
			}
			c = v;
		}
		yadd(n, c);
		if (flow_ws(p) == -1)
			goto bad;
		if (cur(p) == ',') {
			p->col++;
			continue;
		}
		if (cur(p) == close) {
			p->col++;
			break;
		}
		fail(p, "expected ',' or end of flow collection");
		goto bad;
	}
	p->depth--;
	return n;
bad:
	yaml_free(n);
	return NULL;
}

/* Literal (|) or folded (>) block scalar; parent is the parent indent. */
static struct ynode *
block_scalar(struct yp *p, long parent)
{
	struct sbuf	 b;
	int		 folded = cur(p) == '>', chomp = 0, line;
	long		 ind = 0, base = parent < 0 ? 0 : parent;
	size_t		 li, k, trail;
	int		 prev_normal = 0, pending = 0;

	p->col++;
	for (k = 0; k < 2; k++) {
		if (cur(p) == '-' || cur(p) == '+') {
			chomp = cur(p) == '-' ? -1 : 1;
			p->col++;
		} else if (cur(p) >= '1' && cur(p) <= '9') {
			ind = base + (cur(p) - '0');
			if (parent < 0)
				ind = cur(p) - '0';
			p->col++;
		}
	}
	if (!at_eol(p)) {
		fail(p, "text after block scalar indicator");
		return NULL;
	}
	line = (int)p->li + 1;
	sbuf_init(&b);
	sbuf_adds(&b, "");
	li = p->li + 1;
	if (ind == 0) {
		for (k = li; k < p->nlines; k++) {
			if (indent_of(p, k) < p->len[k]) {
				ind = (long)indent_of(p, k);
				break;
			}
		}
		if (ind <= parent)
			ind = parent + 1;
	}
	for (; li < p->nlines; li++) {
		size_t	in = indent_of(p, li);

		if (in >= p->len[li]) {
			/* Empty line. */
			sbuf_addc(&b, '\n');
			pending = 1;
			continue;
		}
		if ((long)in < ind || marker_line(p, li))
			break;
		if (folded) {
			int	more = p->line[li][ind] == ' ' ||
			    p->line[li][ind] == '\t';

			if (prev_normal && !more && !pending) {
				/* Replace the line break by a space. */
				b.s[b.len - 1] = ' ';
			} else if (prev_normal && !more && pending) {
				/* The first break of a run is dropped. */
				b.len--;
				b.s[b.len] = '\0';
			}
			prev_normal = !more;
		}
		pending = 0;
		sbuf_add(&b, p->line[li] + ind, p->len[li] - (size_t)ind);
		sbuf_addc(&b, '\n');
	}
	p->li = li - 1;
	p->col = p->len[p->li];
	/* Chomping: strip (-), clip (default), keep (+). */
	trail = 0;
	while (trail < b.len && b.s[b.len - 1 - trail] == '\n')
		trail++;
	if (chomp == -1)
		b.len -= trail;
	else if (chomp == 0 && trail > 1)
		b.len -= trail - 1;
	b.s[b.len] = '\0';
	if (b.len == trail && chomp != 1) {
		b.len = 0;
		b.s[0] = '\0';
	}
	return scalar_node(p, &b, line);
}

/* Plain scalar in block context; continuation lines are > parent. */
static struct ynode *
plain(struct yp *p, long parent)
{
	struct sbuf	 b;
	int		 c, line = (int)p->li + 1, nl;
	size_t		 li;

	sbuf_init(&b);
	sbuf_adds(&b, "");
	if (refuse_indicator(p) == -1) {
		sbuf_free(&b);
		return NULL;
	}
	for (;;) {
		while ((c = cur(p)) != '\0') {
			if (c == '#' && (p->col == 0 ||
			    p->line[p->li][p->col - 1] == ' ' ||
			    p->line[p->li][p->col - 1] == '\t'))
				break;
			if (c == ':' && (peek(p, 1) == ' ' ||
			    peek(p, 1) == '\0')) {
				fail(p, "unexpected ':' in a plain scalar");
				sbuf_free(&b);
				return NULL;
			}
			sbuf_addc(&b, c);
			p->col++;
		}
		trim_trailing(&b);
		if (cur(p) == '#')
			break;
		/* Continuation lines fold into one space. */
		nl = 0;
		for (li = p->li + 1; li < p->nlines; li++) {
			if (indent_of(p, li) >= p->len[li]) {
				nl++;
				continue;
			}
			break;
		}
		if (li >= p->nlines || marker_line(p, li) ||
		    blank_line(p, li) || (long)indent_of(p, li) <= parent)
			break;
		{
			size_t	in = indent_of(p, li);
			const char *l = p->line[li] + in;

			if ((l[0] == '-' && (l[1] == ' ' || l[1] == '\0')) &&
			    (long)in <= parent + 1)
				break;
		}
		p->li = li;
		p->col = indent_of(p, li);
		if (nl == 0)
			sbuf_addc(&b, ' ');
		while (nl-- > 0)
			sbuf_addc(&b, '\n');
	}
	return scalar_node(p, &b, line);
}

/*
 * If a mapping key starts at the cursor, return the column just after
 * its ':' and the key's text in OUT:key; else return 0.
 */
static size_t
map_key(struct yp *p, struct sbuf *key)
{
	size_t	 save_li = p->li, save_col = p->col, i;
	const char *l;
	size_t	 n;

	if (at_eof(p))
		return 0;
	l = p->line[p->li];
	n = p->len[p->li];
	if (cur(p) == '"' || cur(p) == '\'') {
		int	was = p->failed;

		if (quoted(p, key) == -1 || p->li != save_li) {
			if (!was) {
				p->failed = 0;
				p->err[0] = '\0';
			}
			goto no;
		}
		skip_spaces(p);
		if (cur(p) == ':' && (peek(p, 1) == ' ' ||
		    peek(p, 1) == '\0')) {
			i = p->col + 1;
			p->col = save_col;
			return i;
		}
		goto no;
	}
	if (cur(p) == '[' || cur(p) == '{' || cur(p) == '-' ||
	    cur(p) == '|' || cur(p) == '>' || cur(p) == '#')
		if (!(cur(p) == '-' && peek(p, 1) != ' ' &&
		    peek(p, 1) != '\0'))
			return 0;
	for (i = p->col; i < n; i++) {
		if (l[i] == '#' && i > p->col && (l[i - 1] == ' ' ||
		    l[i - 1] == '\t'))
			break;
		if (l[i] == ':' && (i + 1 == n || l[i + 1] == ' ' ||
		    l[i + 1] == '\t')) {
			sbuf_add(key, l + p->col, i - p->col);
			trim_trailing(key);
			return i + 1;
		}
	}
no:
	sbuf_reset(key);
	p->li = save_li;
	p->col = save_col;
	return 0;
}

static struct ynode	*block_node(struct yp *p, long parent, int compact);

static struct ynode *
block_map(struct yp *p, size_t c)
{
	struct ynode	*m = ynew(p, Y_MAP), *v, *k;
	struct sbuf	 key;
	size_t		 after;

	sbuf_init(&key);
	for (;;) {
		sbuf_reset(&key);
		if ((after = map_key(p, &key)) == 0) {
			fail(p, "expected a mapping key");
			goto bad;
		}
		for (k = m->child; k != NULL; k = k->next)
			if (k->keylen == key.len && key.s != NULL &&
			    memcmp(k->key, key.s, key.len) == 0) {
				fail(p, "duplicate mapping key");
				goto bad;
			}
		p->col = after;
		if (at_eol(p)) {
			if (!next_content(p) || p->col < c ||
			    (p->col == c && !(cur(p) == '-' &&
			    (peek(p, 1) == ' ' || peek(p, 1) == '\0')))) {
				v = ynew(p, Y_SCALAR);
				v->str = xstrdup("");
			} else
				v = block_node(p, p->col == c ? (long)c - 1 :
				    (long)c, 0);
		} else
			v = block_node(p, (long)c, 0);
		if (v == NULL || p->failed) {
			yaml_free(v);
			goto bad;
		}
		v->key = key.s != NULL ? key.s : xstrdup("");
		v->keylen = key.len;
		sbuf_init(&key);
		yadd(m, v);
		if (!next_content(p) || p->col < c)
			break;
		if (p->col > c) {
			fail(p, "bad indentation in mapping");
			goto bad;
		}
	}
	sbuf_free(&key);
	return m;
bad:
	sbuf_free(&key);
	yaml_free(m);
	return NULL;
}

static struct ynode *
block_seq(struct yp *p, size_t c)
{
	struct ynode	*s = ynew(p, Y_SEQ), *v;

	for (;;) {
		if (cur(p) != '-' || (peek(p, 1) != ' ' && peek(p, 1) != '\0'
		    && peek(p, 1) != '\t')) {
			fail(p, "expected '- '");
			goto bad;
		}
		p->col++;
		if (at_eol(p)) {
			if (!next_content(p) || p->col <= c) {
				v = ynew(p, Y_SCALAR);
				v->str = xstrdup("");
			} else
				v = block_node(p, (long)c, 0);
		} else
			v = block_node(p, (long)c, 1);
		if (v == NULL || p->failed) {
			yaml_free(v);
			goto bad;
		}
		yadd(s, v);
		if (!next_content(p) || p->col < c)
			break;
		if (p->col > c) {
			fail(p, "bad indentation in sequence");
			goto bad;
		}
		if (cur(p) != '-')
			break;	/* a key of the enclosing mapping */
	}
	return s;
bad:
	yaml_free(s);
	return NULL;
}

/*
 * A node at the cursor. parent is the indentation of the enclosing
 * block; compact != 0 allows a mapping or sequence to start on the
 * current line (after "- ").
 */
static struct ynode *
block_node(struct yp *p, long parent, int compact)
{
	struct ynode	*n;
	struct sbuf	 key;
	int		 first_on_line, rest;

	if (++p->depth > SPF_SUITE_DEPTH_MAX) {
		fail(p, "nested too deeply");
		return NULL;
	}
	first_on_line = p->col == indent_of(p, p->li);
	skip_spaces(p);
	if (cur(p) == '[' || cur(p) == '{') {
		n = flow_node(p);
		if (n != NULL && !at_eol(p)) {
			fail(p, "text after flow collection");
			yaml_free(n);
			n = NULL;
		}
	} else if (cur(p) == '|' || cur(p) == '>')
		n = block_scalar(p, parent);
	else if ((first_on_line || compact) && cur(p) == '-' &&
	    (peek(p, 1) == ' ' || peek(p, 1) == '\0'))
		n = block_seq(p, p->col);
	else {
		sbuf_init(&key);
		rest = (first_on_line || compact) && map_key(p, &key) != 0;
		sbuf_free(&key);
		if (rest)
			n = block_map(p, p->col);
		else if (cur(p) == '"' || cur(p) == '\'') {
			int	line = (int)p->li + 1;

			sbuf_init(&key);
			if (quoted(p, &key) == -1) {
				sbuf_free(&key);
				n = NULL;
			} else {
				n = scalar_node(p, &key, line);
				if (!at_eol(p)) {
					fail(p, "text after quoted scalar");
					yaml_free(n);
					n = NULL;
				}
			}
		} else
			n = plain(p, parent);
	}
	p->depth--;
	return n;
}

struct ynode *
yaml_parse(const char *text, size_t len, const char *path, char *err,
    size_t errlen)
{
	struct yp	 p;
	struct ynode	*docs, *d;
	char		*copy;
	size_t		 i, start, cap;

	memset(&p, 0, sizeof(p));
	p.path = path;
	p.err = err;
	p.errlen = errlen;
	err[0] = '\0';
	if (len > SPF_SUITE_FILE_MAX) {
		snprintf(err, errlen, "%s: file too large", path);
		return NULL;
	}
	if (memchr(text, '\0', len) != NULL) {
		snprintf(err, errlen, "%s: NUL byte in file", path);
		return NULL;
	}
	copy = xmalloc(len + 1);
	memcpy(copy, text, len);
	copy[len] = '\0';
	cap = 1;
	for (i = 0; i < len; i++)
		if (copy[i] == '\n')
			cap++;
	p.line = xreallocarray(NULL, cap, sizeof(*p.line));
	p.len = xreallocarray(NULL, cap, sizeof(*p.len));
	for (start = 0, i = 0; i <= len; i++) {
		if (i == len || copy[i] == '\n') {
			size_t	e = i;

			if (i == len && start == len)
				break;
			if (e > start && copy[e - 1] == '\r')
				e--;
			p.line[p.nlines] = copy + start;
			p.len[p.nlines] = e - start;
			p.nlines++;
			start = i + 1;
		}
	}
	/* Skip a UTF-8 byte order mark. */
	if (p.nlines > 0 && p.len[0] >= 3 &&
	    memcmp(p.line[0], "\xef\xbb\xbf", 3) == 0) {
		p.line[0] += 3;
		p.len[0] -= 3;
	}
	docs = ynew(&p, Y_SEQ);
	p.li = 0;
	p.col = 0;
	while (!p.failed) {
		/* Directives, blank lines and comments between documents. */
		while (p.li < p.nlines && (blank_line(&p, p.li) ||
		    p.line[p.li][0] == '%' || (p.len[p.li] >= 3 &&
		    strncmp(p.line[p.li], "...", 3) == 0 &&
		    marker_line(&p, p.li))))
			p.li++;
		if (p.li >= p.nlines)
			break;
		p.col = 0;
		if (marker_line(&p, p.li) && p.line[p.li][0] == '-') {
			p.col = 3;
			if (at_eol(&p)) {
				if (!next_content(&p)) {
					/* An empty document. */
					if (p.li < p.nlines &&
					    marker_line(&p, p.li) &&
					    p.line[p.li][0] == '.')
						p.li++;
					continue;
				}
			}
		} else {
			p.col = indent_of(&p, p.li);
			if (p.col < p.len[p.li] &&
			    p.line[p.li][p.col] == '\t') {
				fail(&p, "tab in indentation");
				break;
			}
		}
		if ((d = block_node(&p, -1, 0)) == NULL || p.failed) {
			yaml_free(d);
			break;
		}
		yadd(docs, d);
		if (next_content(&p)) {
			fail(&p, "unexpected text after a document");
			break;
		}
		if (p.li < p.nlines && !marker_line(&p, p.li)) {
			fail(&p, "unexpected text after a document");
			break;
		}
	}
	free(p.line);
	free(p.len);
	free(copy);
	if (p.failed) {
		if (err[0] == '\0')
			snprintf(err, errlen, "%s: parse error", path);
		yaml_free(docs);
		return NULL;
	}
	return docs;
}

struct ynode *
yaml_get(const struct ynode *map, const char *key)
{
	struct ynode	*c;
	size_t		 kl = strlen(key);

	if (map == NULL || map->kind != Y_MAP)
		return NULL;
	for (c = map->child; c != NULL; c = c->next)
		if (c->keylen == kl && memcmp(c->key, key, kl) == 0)
			return c;
	return NULL;
}
