/*
 * fuzz_web_form.c: the web's query string and form body reader
 * (web_form_each), percent-decoding (web_pct_decode) and the Cookie
 * header reader (web_cookie_value) on any bytes.
 * Oracles: a decoded field holds no NUL and is never longer than its
 * encoded text; at most WEB_FIELDS_MAX fields reach the callback; the
 * decoder's length matches strlen of its output; a cookie value is a
 * non-empty run of the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "web/web_int.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	size_t	size;
	int	n;
};

static int
field(const char *name, const char *value, void *arg)
{
	struct seen	*s = arg;

	if (strlen(name) + strlen(value) > s->size ||
	    ++s->n > WEB_FIELDS_MAX)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen	 s = { size, 0 };
	const char	*err;
	char		 out[256];
	long		 n;
	int		 rc;

	rc = web_form_each((const char *)data, size, field, &s, &err);
	if ((rc == -1) != (err != NULL))
		abort();
	n = web_pct_decode((const char *)data, size, out, sizeof(out),
	    size > 0 && data[0] & 1);
	if (n >= 0 && ((size_t)n != strlen(out) || (size_t)n > size))
		abort();
	/* The same bytes as a Cookie header: a value is a part of them. */
	if (web_cookie_value((const char *)data, size, "fl_csrf", out,
	    sizeof(out)) != NULL && (strlen(out) == 0 ||
	    memmem(data, size, out, strlen(out)) == NULL))
		abort();
	return 0;
}
