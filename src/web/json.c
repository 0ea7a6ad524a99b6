/*
 * json.c: the JSON request reader: one object, its keys checked against
 * a table (name, type, required, size), unknown keys and duplicates
 * refused (RFC 8259 section 4 leaves duplicates to the reader).
 *
 * jansson parses (UTF-8 checked, \u0000 refused, nesting bounded); this
 * file only validates. The body is already capped by the server's
 * max-body.
 */
#include <stdio.h>
#include <string.h>

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
