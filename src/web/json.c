/*
 * json.c: the JSON request reader: one object, its keys checked against
 * a table (name, type, required, size), unknown keys and duplicates
 * refused (RFC 8259 section 4 leaves duplicates to the reader); and the
 * answer writer, web_json_write.
 *
 * jansson parses (UTF-8 checked, \u0000 refused, nesting bounded); this
 * file only validates. The body is already capped by the server's
 * max-body.
 *
 * The writer writes what json_dumps(JSON_COMPACT) writes, byte for byte
 * (test_json compares them), straight into an sbuf: json_dumps checked
 * every object and array for loops with a snprintf'd "%p" key in a hash
 * table and wrote through a callback, about a fifth of an API lookup's
 * instructions (callgrind). Our values have no loops (we build them);
 * the depth is capped all the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/str.h"
#include "web/web_int.h"

static const char *
type_name(json_type t)
{
	switch (t) {
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	default:
		return "a value of another type";
	}
}

static int
type_ok(const json_t *v, json_type want)
{
	if (want == JSON_TRUE || want == JSON_FALSE)
		return json_is_boolean(v);
	return json_typeof(v) == want;
}

json_t *
web_json_read(const char *body, size_t len, const struct web_jkey *keys,
    char *err, size_t errlen)
{
	json_error_t		 je;
	json_t			*o, *v;
	const char		*k;
	const struct web_jkey	*kd;
	char			 kq[64];

	if ((o = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je)) ==
	    NULL) {
		snprintf(err, errlen, "bad JSON at byte %d: %s", je.position,
		    je.text);
		return NULL;
	}
	if (!json_is_object(o)) {
		snprintf(err, errlen, "the body must be a JSON object");
		goto fail;
	}
	json_object_foreach(o, k, v) {
		for (kd = keys; kd->name != NULL; kd++)
			if (strcmp(kd->name, k) == 0)
				break;
		/* Untrusted key: escaped and cut for the message. */
		str_escape(kq, sizeof(kq), k, strlen(k));
		if (kd->name == NULL) {
			snprintf(err, errlen, "unknown key \"%s\"", kq);
			goto fail;
		}
		if (!type_ok(v, kd->type)) {
			snprintf(err, errlen, "\"%s\" must be %s", kq,
			    type_name(kd->type));
			goto fail;
		}
		if (kd->type == JSON_STRING && kd->max > 0 &&
		    json_string_length(v) > kd->max) {
			snprintf(err, errlen, "\"%s\" is longer than %zu bytes",
			    kq, kd->max);
			goto fail;
		}
	}
	for (kd = keys; kd->name != NULL; kd++)
		if (kd->required && json_object_get(o, kd->name) == NULL) {
			snprintf(err, errlen, "\"%s\" is required", kd->name);
			goto fail;
		}
	return o;
fail:
	json_decref(o);
	return NULL;
}

static int
write_value(struct sbuf *b, json_t *v, int depth)
{
	const char	*k;
	json_t		*e;
	json_free_t	 jfree;
	char		*r, num[32];
	size_t		 i;
	int		 n;

	if (v == NULL || depth > WEB_JSON_DEPTH)
		return -1;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		sbuf_addc(b, '{');
		i = 0;
		json_object_foreach(v, k, e) {
			if (i++ > 0)
				sbuf_addc(b, ',');
			if (web_json_str(b, k, strlen(k)) == -1)
				return -1;
			sbuf_addc(b, ':');
			if (write_value(b, e, depth + 1) == -1)
				return -1;
		}
		sbuf_addc(b, '}');
		return 0;
	case JSON_ARRAY:
		sbuf_addc(b, '[');
		json_array_foreach(v, i, e) {
			if (i > 0)
				sbuf_addc(b, ',');
			if (write_value(b, e, depth + 1) == -1)
				return -1;
		}
		sbuf_addc(b, ']');
		return 0;
	case JSON_STRING:
		/* jansson's strings are valid UTF-8: the same bytes. */
		return web_json_str(b, json_string_value(v),
		    json_string_length(v));
	case JSON_INTEGER:
		n = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		sbuf_add(b, num, (size_t)n);
		return 0;
	case JSON_TRUE:
		sbuf_add(b, "true", 4);
		return 0;
	case JSON_FALSE:
		sbuf_add(b, "false", 5);
		return 0;
	case JSON_NULL:
		sbuf_add(b, "null", 4);
		return 0;
	case JSON_REAL:
		/* Rare (none in the lookup): jansson's own format. */
		if ((r = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT)) ==
		    NULL)
			return -1;
		sbuf_adds(b, r);
		/* jansson's allocator made it (arena.c may stand in). */
		json_get_alloc_funcs(NULL, &jfree);
		jfree(r);
		return 0;
	default:
		return -1;
	}
}

int
web_json_write(struct sbuf *b, json_t *v)
{
	size_t	len = b->len;

	if (write_value(b, v, 0) == -1) {
		b->len = len;
		if (b->s != NULL)
			b->s[len] = '\0';
		return -1;
	}
	return 0;
}
