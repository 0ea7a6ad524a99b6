/*
 * fuzz_dkim_canon.c: header splitting and canonicalization (RFC 6376
 * section 3.4) on arbitrary bytes. The first byte picks a chunk size; the
 * body digest must not depend on the chunking, and a whole message goes
 * through the verifier with an empty key cache.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dkim/dkim_int.h"
#include "dmarc/dmarc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
digest(enum dkim_canon c, const uint8_t *p, size_t n, size_t chunk,
    uint8_t *out)
{
	struct dkim_bhash	h;
	size_t			i;

	dkim_bhash_init(&h, c, UINT64_MAX);
	for (i = 0; i < n; i += chunk)
		dkim_bhash_update(&h, p + i, n - i < chunk ? n - i : chunk);
	dkim_bhash_final(&h, out);
	dkim_bhash_free(&h);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dkim_keycache	*kc;
	struct dkim_hdrs		 h;
	struct dkim_verify		*v;
	struct sbuf			 out;
	uint8_t				 a[32], b[32];
	size_t				 chunk, n, i;
	int				 c;

	if (size < 1)
		return 0;
	chunk = (size_t)data[0] % 17 + 1;
	data++;
	size--;
	for (c = 0; c < 2; c++) {
		digest((enum dkim_canon)c, data, size, size + 1, a);
		digest((enum dkim_canon)c, data, size, chunk, b);
		if (memcmp(a, b, 32) != 0)
			abort();	/* chunking changed the result */
	}
	dkim_hdrs_init(&h);
	sbuf_init(&out);
	n = dkim_hdrs_write(&h, data, size);
	(void)n;
	dkim_hdrs_flush(&h);
	for (i = 0; i < h.n; i++) {
		dkim_canon_header(DKIM_CANON_RELAXED, h.buf.s + h.f[i].off,
		    h.f[i].len, &out);
		dkim_canon_header(DKIM_CANON_SIMPLE, h.buf.s + h.f[i].off,
		    h.f[i].len, &out);
	}
	sbuf_free(&out);
	dkim_hdrs_free(&h);
	if (kc == NULL)
		kc = dkim_keycache_new(NULL, NULL);
	v = dkim_verify_new(kc, 1700000000);
	for (i = 0; i < size; i += chunk)
		dkim_verify_write(v, data + i, size - i < chunk ? size - i :
		    chunk);
	dkim_verify_eom(v);
	free(dmarc_ar_dkim(v, "fuzz"));
	dkim_verify_free(v);
	return 0;
}
