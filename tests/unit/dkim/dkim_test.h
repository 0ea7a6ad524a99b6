/*
 * dkim_test.h: helpers shared by the DKIM unit tests (header-only: each
 * test_*.c is its own binary).
 */
#ifndef FAIRLIST_DKIM_TEST_H
#define FAIRLIST_DKIM_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/buf.h"
#include "dkim/dkim.h"
#include "dkim/dkim_int.h"

/* Path of a file in the shared conformance folder. */
static inline const char *
shared_path(const char *rel)
{
	static char	 path[4096];
	const char	*s = getenv("FAIRLIST_SHARED");

	snprintf(path, sizeof(path), "%s/conformance/dkim/%s",
	    s != NULL ? s : "../shared", rel);
	return path;
}

/* Read a whole file into b (test files are small). */
static inline void
slurp(const char *path, struct sbuf *b)
{
	FILE	*f = fopen(path, "rb");
	char	 buf[65536];
	size_t	 n;

	if (f == NULL)
		fail_msg("cannot open %s", path);
	sbuf_init(b);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sbuf_add(b, buf, n);
	sbuf_add(b, "", 0);
	fclose(f);
}

/* Verify msg (raw bytes) against kc in chunks of chunk bytes. */
static inline struct dkim_verify *
verify_msg(struct dkim_keycache *kc, const char *msg, size_t len,
    time_t now, size_t chunk)
{
	struct dkim_verify	*v = dkim_verify_new(kc, now);
	size_t			 i;

	if (chunk == 0)
		chunk = len + 1;
	for (i = 0; i < len; i += chunk)
		dkim_verify_write(v, msg + i, len - i < chunk ? len - i :
		    chunk);
	dkim_verify_eom(v);
	return v;
}

/* Sign msg with one signature; returns the signed message (malloc). */
static inline char *
sign_msg(const struct dkim_sign_opts *o, const char *msg)
{
	struct dkim_sign	*s = dkim_sign_new();
	char			 err[256];
	struct sbuf		 out;

	if (dkim_sign_add(s, o, err, sizeof(err)) == -1)
		fail_msg("dkim_sign_add: %s", err);
	dkim_sign_write(s, msg, strlen(msg));
	if (dkim_sign_eom(s, err, sizeof(err)) == -1)
		fail_msg("dkim_sign_eom: %s", err);
	sbuf_init(&out);
	sbuf_adds(&out, dkim_sign_field(s, 0));
	sbuf_adds(&out, msg);
	dkim_sign_free(s);
	return out.s;
}

#endif
