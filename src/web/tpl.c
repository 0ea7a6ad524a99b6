/*
 * tpl.c: the page templates' expander, a small subset of Mustache over a
 * jansson value: {{name}}, {{.}}, {{#name}}...{{/name}} and
 * {{^name}}...{{/name}} (web_int.h has the rules). Every value it writes
 * is HTML-escaped; there is no unescaped form, so no template can write
 * a stored reason as markup.
 *
 * The templates are ours (share/web/, compiled in) and a unit test
 * expands each one; a malformed template still cannot overrun: the
 * expander stops with -1.
 */
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "web/web_int.h"

void
web_html_escape(struct sbuf *b, const char *s, size_t len)
{
	size_t	i, run = 0;

	for (i = 0; i < len; i++) {
		const char	*ent;

		switch (s[i]) {
		case '&':
			ent = "&amp;";
			break;
		case '<':
			ent = "&lt;";
			break;
		case '>':
			ent = "&gt;";
			break;
		case '"':
			ent = "&quot;";
			break;
		case '\'':
			ent = "&#39;";
			break;
		default:
			continue;
		}
		sbuf_add(b, s + run, i - run);
		sbuf_adds(b, ent);
		run = i + 1;
	}
	sbuf_add(b, s + run, len - run);
}

/* The contexts, innermost last. */
struct ctx {
	json_t	*stack[WEB_TPL_DEPTH + 1];
	int	 n;
};

static json_t *
lookup(const struct ctx *c, const char *name, size_t len)
{
	char	key[64];
	json_t	*v;
	int	i;

	if (len == 1 && name[0] == '.')
		return c->stack[c->n - 1];
	if (len >= sizeof(key))
		return NULL;
	memcpy(key, name, len);
	key[len] = '\0';
	for (i = c->n - 1; i >= 0; i--)
		if (json_is_object(c->stack[i]) &&
		    (v = json_object_get(c->stack[i], key)) != NULL)
			return v;
	return NULL;
}

static int
truthy(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return 1;
	case JSON_ARRAY:
		return json_array_size(v) > 0;
	case JSON_STRING:
		return json_string_length(v) > 0;
	case JSON_INTEGER:
		return json_integer_value(v) != 0;
	case JSON_REAL:
		return json_real_value(v) != 0;
	case JSON_TRUE:
		return 1;
	default:
		return 0;
	}
}

static void
put_value(struct sbuf *b, const json_t *v)
{
	char	num[32];

	if (v == NULL)
		return;
	switch (json_typeof(v)) {
	case JSON_STRING:
		web_html_escape(b, json_string_value(v),
		    json_string_length(v));
		break;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		sbuf_adds(b, num);
		break;
	case JSON_REAL:
		snprintf(num, sizeof(num), "%g", json_real_value(v));
		sbuf_adds(b, num);
		break;
	case JSON_TRUE:
		sbuf_adds(b, "yes");
		break;
	default:
		break;
	}
}

/* A tag at p: OUT:kind ('#', '^', '/', or 0), OUT:name/nlen, OUT:next. */
static int
tag(const char *p, const char *end, char *kind, const char **name,
    size_t *nlen, const char **next)
{
	const char	*close;

	p += 2;
	*kind = 0;
	if (p < end && (*p == '#' || *p == '^' || *p == '/'))
		*kind = *p++;
	for (close = p; (close = memchr(close, '}', (size_t)(end -
	    close))) != NULL && close + 1 < end && close[1] != '}'; close++)
		;
	if (close == NULL || close + 1 >= end || close == p)
		return -1;
	*name = p;
	*nlen = (size_t)(close - p);
	*next = close + 2;
	return 0;
}

/*
 * Expand [p, end) until the {{/name}} closing the section open (NULL at
 * the top); with out NULL only skip it. Sets OUT:rest past the closing
 * tag. depth counts the sections open around p.
 */
static int
expand(struct sbuf *out, const char *p, const char *end, struct ctx *c,
    const char *open, size_t olen, const char **rest, int depth)
{
	const char	*s, *name, *next, *body;
	size_t		 nlen, i, n;
	char		 kind;
	json_t		*v;
	int		 on;

	while (p < end) {
		/* memchr, not a byte loop: the scan was most of a page. */
		for (s = p; (s = memchr(s, '{', (size_t)(end - s))) != NULL &&
		    s + 1 < end && s[1] != '{'; s++)
			;
		if (s == NULL || s + 1 >= end)
			s = end;
		if (out != NULL)
			sbuf_add(out, p, (size_t)(s - p));
		if (s == end)
			break;
		if (tag(s, end, &kind, &name, &nlen, &next) == -1)
			return -1;
		p = next;
		if (kind == '/') {
			if (open == NULL || nlen != olen ||
			    memcmp(name, open, nlen) != 0)
				return -1;
			*rest = p;
			return 0;
		}
		if (kind == 0) {
			if (out != NULL)
				put_value(out, lookup(c, name, nlen));
			continue;
		}
		if (depth >= WEB_TPL_DEPTH)
			return -1;
		v = out != NULL ? lookup(c, name, nlen) : NULL;
		on = v != NULL && truthy(v);
		if (kind == '^')
			on = !on;
		body = p;
		if (!on || out == NULL || kind == '^' ||
		    !(json_is_array(v) || json_is_object(v))) {
			/* Once in the same context, or skipped. */
			if (expand(on ? out : NULL, body, end, c, name, nlen,
			    &p, depth + 1) == -1)
				return -1;
			continue;
		}
		n = json_is_array(v) ? json_array_size(v) : 1;
		for (i = 0; i < n; i++) {
			c->stack[c->n++] = json_is_array(v) ?
			    json_array_get(v, i) : v;
			if (expand(out, body, end, c, name, nlen, &p,
			    depth + 1) == -1)
				return -1;
			c->n--;
		}
	}
	if (open != NULL)
		return -1;		/* unclosed section */
	*rest = p;
	return 0;
}

int
web_tpl_expand(struct sbuf *b, const char *tpl, size_t len, json_t *data)
{
	struct ctx	 c;
	const char	*rest;

	c.stack[0] = data;
	c.n = 1;
	return expand(b, tpl, tpl + len, &c, NULL, 0, &rest, 0);
}
