/*
 * fuzz_web_jstr.c: the one-pass JSON writer's strings (web_json_str,
 * jwrite.c) against jansson on any bytes. Oracle: jansson's json_stringn
 * refuses the bytes (not UTF-8 by its rules) exactly when web_json_str
 * does, which then leaves the buffer as it was; otherwise web_json_str
 * wrote what json_dumps(JSON_ENCODE_ANY | JSON_COMPACT) writes, byte for
 * byte. web_json_jstr on the bytes up to the first NUL writes the same
 * or null.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "web/web_int.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sbuf	 b;
	json_t		*j;
	char		*want, *z;
	int		 rc;

	sbuf_init(&b);
	sbuf_adds(&b, "x");
	rc = web_json_str(&b, (const char *)data, size);
	j = json_stringn((const char *)data, size);
	if (j == NULL) {
		if (rc != -1 || b.len != 1 || strcmp(b.s, "x") != 0)
			abort();
	} else {
		if (rc != 0 || (want = json_dumps(j, JSON_ENCODE_ANY |
		    JSON_COMPACT)) == NULL)
			abort();
		if (b.len != 1 + strlen(want) || memcmp(b.s + 1, want,
		    b.len - 1) != 0)
			abort();
		free(want);
		json_decref(j);
	}
	/* The NUL-terminated form: the same string, or null. */
	z = malloc(size + 1);
	if (z == NULL)
		abort();
	memcpy(z, data, size);
	z[size] = '\0';
	sbuf_reset(&b);
	web_json_jstr(&b, z);
	if ((j = json_string(z)) == NULL) {
		if (strcmp(b.s, "null") != 0)
			abort();
	} else {
		want = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
		if (want == NULL || strcmp(b.s, want) != 0)
			abort();
		free(want);
		json_decref(j);
	}
	free(z);
	sbuf_free(&b);
	return 0;
}
