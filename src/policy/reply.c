/*
 * reply.c: reply templates, with every variable made safe for SMTP.
 *
 * A template is text with $name or ${name} variables (name: the longest
 * run of a-z after the '$') and $$ for a dollar. The values come from
 * peers (the SMTP client's HELO and sender) and from listing reasons that
 * anyone with write access to a list may have typed, so each one is
 * sanitised before it is placed: control bytes (CR, LF, TAB, DEL and the
 * rest) become a space, bytes above 0x7e become '?', runs of spaces
 * collapse, and a value is cut at POLICY_VAR_MAX bytes ending in "...".
 * The template text goes through the same filter, so the result is always
 * RFC 5321 section 4.2 reply text: printable ASCII and single spaces, no
 * leading or trailing space, and at most POLICY_REPLY_MAX bytes (cut with
 * "..." as well). Nothing a value holds can end the reply line or start
 * another SMTP reply.
 *
 * policy_reply_check() is the configuration-time check: it rejects what
 * expansion would have to repair (control bytes, non-ASCII, a stray '$',
 * an unknown variable) so that a typo is an error at startup rather than
 * a literal "$reasn" in a reply. No I/O, no allocation.
 */
#include <stdio.h>
#include <string.h>

#include "policy/policy.h"

/* The output being built: a bounded buffer that keeps the text valid. */
struct out {
	char	*p;
	size_t	 len;
	size_t	 cap;		/* bytes of text allowed, NUL not counted */
	int	 full;		/* something was dropped */
};

/* Map one byte to what may appear in reply text. */
static int
clean_byte(int c)
{
	if (c < 0x20 || c == 0x7f)
		return ' ';
	if (c > 0x7e)
		return '?';
	return c;
}

/*
 * Append one cleaned byte: no leading space, no two spaces in a row.
 * Past the cap the byte is dropped and the output marked full.
 */
static void
out_put(struct out *o, int c)
{
	c = clean_byte(c);
	if (c == ' ' && (o->len == 0 || o->p[o->len - 1] == ' '))
		return;
	if (o->len >= o->cap) {
		/* A space may be trailing: only real text is a loss. */
		if (c != ' ')
			o->full = 1;
		return;
	}
	o->p[o->len++] = (char)c;
}

/* Drop trailing spaces. */
static void
out_trim(struct out *o)
{
	while (o->len > 0 && o->p[o->len - 1] == ' ')
		o->len--;
}

/*
 * If something was dropped, end the text in "..." within the cap (when
 * the cap has room for it), never leaving a space before the dots.
 */
static void
out_ellipsis(struct out *o)
{
	if (!o->full)
		return;
	if (o->cap < 3) {
		out_trim(o);
		return;
	}
	if (o->len > o->cap - 3)
		o->len = o->cap - 3;
	out_trim(o);
	memcpy(o->p + o->len, "...", 3);
	o->len += 3;
}

/*
 * Sanitise one variable's value into OUT:dst (POLICY_VAR_MAX + 1 bytes).
 * Returns its length.
 */
static size_t
clean_var(const char *v, char dst[POLICY_VAR_MAX + 1])
{
	struct out	o = { dst, 0, POLICY_VAR_MAX, 0 };

	if (v == NULL) {
		dst[0] = '\0';
		return 0;
	}
	for (; *v != '\0' && !o.full; v++)
		out_put(&o, (unsigned char)*v);
	out_trim(&o);
	out_ellipsis(&o);
	dst[o.len] = '\0';
	return o.len;
}

/* The value of variable name[0..len), or -1 in *known if none such. */
static const char *
var_value(const struct policy_vars *v, const char *name, size_t len,
    int *known)
{
	static const struct {
		const char	*name;
		size_t		 off;
	} vars[] = {
		{ "ip", offsetof(struct policy_vars, ip) },
		{ "list", offsetof(struct policy_vars, list) },
		{ "zone", offsetof(struct policy_vars, zone) },
		{ "since", offsetof(struct policy_vars, since) },
		{ "listed", offsetof(struct policy_vars, listed) },
		{ "reason", offsetof(struct policy_vars, reason) },
		{ "url", offsetof(struct policy_vars, url) },
		{ "code", offsetof(struct policy_vars, code) },
		{ "score", offsetof(struct policy_vars, score) },
		{ "threshold", offsetof(struct policy_vars, threshold) },
		{ "sender", offsetof(struct policy_vars, sender) },
		{ "helo", offsetof(struct policy_vars, helo) },
		{ "spf", offsetof(struct policy_vars, spf) },
		{ "explanation", offsetof(struct policy_vars, explanation) },
	};
	size_t	i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		if (strlen(vars[i].name) == len &&
		    memcmp(vars[i].name, name, len) == 0) {
			*known = 1;
			if (v == NULL)
				return NULL;
			return *(const char *const *)(const void *)
			    ((const char *)v + vars[i].off);
		}
	}
	*known = 0;
	return NULL;
}

static int
is_lower(int c)
{
	return c >= 'a' && c <= 'z';
}

/*
 * Find the variable that starts at t[i] == '$'. Sets the name's start
 * and length and the number of template bytes it spans. Returns 1 for a
 * well-formed reference ($name, ${name}), 2 for "$$", 0 for anything
 * else (a '$' that refers to nothing).
 */
static int
scan_var(const char *t, size_t i, size_t *name, size_t *nlen, size_t *span)
{
	size_t	k = i + 1;

	if (t[k] == '$') {
		*span = 2;
		return 2;
	}
	if (t[k] == '{') {
		k++;
		*name = k;
		while (is_lower((unsigned char)t[k]))
			k++;
		if (k == *name || t[k] != '}')
			return 0;
		*nlen = k - *name;
		*span = k + 1 - i;
		return 1;
	}
	*name = k;
	while (is_lower((unsigned char)t[k]))
		k++;
	if (k == *name)
		return 0;
	*nlen = k - *name;
	*span = k - i;
	return 1;
}

size_t
policy_reply_expand(const char *tmpl, const struct policy_vars *v, char *out,
    size_t outlen)
{
	struct out	 o;
	char		 val[POLICY_VAR_MAX + 1];
	const char	*s;
	size_t		 i, name = 0, nlen = 0, span, k;
	int		 kind, known;

	if (outlen == 0)
		return 0;
	o.p = out;
	o.len = 0;
	o.cap = outlen - 1 < POLICY_REPLY_MAX ? outlen - 1 : POLICY_REPLY_MAX;
	o.full = 0;
	for (i = 0; tmpl != NULL && tmpl[i] != '\0' && !o.full; ) {
		if (tmpl[i] != '$') {
			out_put(&o, (unsigned char)tmpl[i++]);
			continue;
		}
		kind = scan_var(tmpl, i, &name, &nlen, &span);
		if (kind == 2) {
			out_put(&o, '$');
			i += span;
			continue;
		}
		if (kind == 0) {
			out_put(&o, '$');
			i++;
			continue;
		}
		s = var_value(v, tmpl + name, nlen, &known);
		if (!known) {
			/* Kept literally, byte by byte through the filter. */
			for (k = 0; k < span; k++)
				out_put(&o, (unsigned char)tmpl[i + k]);
		} else {
			clean_var(s, val);
			for (k = 0; val[k] != '\0'; k++)
				out_put(&o, (unsigned char)val[k]);
		}
		i += span;
	}
	out_trim(&o);
	out_ellipsis(&o);
	out[o.len] = '\0';
	return o.len;
}

int
policy_reply_check(const char *tmpl, char *err, size_t errlen)
{
	size_t	i, len, name = 0, nlen = 0, span;
	int	c, kind, known;

	len = strlen(tmpl);
	if (len == 0) {
		snprintf(err, errlen, "empty template");
		return -1;
	}
	if (len >= POLICY_TEMPLATE_MAX) {
		snprintf(err, errlen, "template longer than %d bytes",
		    POLICY_TEMPLATE_MAX - 1);
		return -1;
	}
	for (i = 0; i < len; ) {
		c = (unsigned char)tmpl[i];
		if (c < 0x20 || c == 0x7f) {
			snprintf(err, errlen, "control character 0x%02x in "
			    "template", c);
			return -1;
		}
		if (c > 0x7e) {
			snprintf(err, errlen, "non-ASCII byte in template "
			    "(SMTP replies are ASCII)");
			return -1;
		}
		if (c != '$') {
			i++;
			continue;
		}
		kind = scan_var(tmpl, i, &name, &nlen, &span);
		if (kind == 0) {
			snprintf(err, errlen, "'$' at offset %zu names no "
			    "variable (write $$ for a dollar)", i);
			return -1;
		}
		if (kind == 1) {
			(void)var_value(NULL, tmpl + name, nlen, &known);
			if (!known) {
				snprintf(err, errlen, "unknown variable "
				    "'$%.*s'", nlen > 40 ? 40 : (int)nlen,
				    tmpl + name);
				return -1;
			}
		}
		i += span;
	}
	return 0;
}
