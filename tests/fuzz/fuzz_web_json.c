/*
 * fuzz_web_json.c: the JSON request reader (web_json_read) on any bytes,
 * with the removal request's keys. Oracles: an accepted value is an
 * object holding only the table's keys, each of its type and within its
 * size, the required one present; a refusal always says why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "web/web_int.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct web_jkey keys[] = {
	{ "ip", JSON_STRING, 1, 64 },
	{ "zone", JSON_STRING, 0, 253 },
	{ "note", JSON_STRING, 0, WEB_NOTE_MAX },
	{ "expires", JSON_INTEGER, 0, 0 },
	{ "force", JSON_TRUE, 0, 0 },
	{ NULL, 0, 0, 0 },
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct web_jkey	*k;
	const char		*name;
	json_t			*o, *v;
	char			 err[256];

	err[0] = '\0';
	if ((o = web_json_read((const char *)data, size, keys, err,
	    sizeof(err))) == NULL) {
		if (err[0] == '\0')
			abort();
		return 0;
	}
	if (!json_is_object(o) || !json_is_string(json_object_get(o, "ip")))
		abort();
	json_object_foreach(o, name, v) {
		for (k = keys; k->name != NULL; k++)
			if (strcmp(k->name, name) == 0)
				break;
		if (k->name == NULL)
			abort();
		if (k->type == JSON_TRUE ? !json_is_boolean(v) :
		    json_typeof(v) != k->type)
			abort();
		if (k->max > 0 && json_string_length(v) > k->max)
			abort();
	}
	json_decref(o);
	return 0;
}
