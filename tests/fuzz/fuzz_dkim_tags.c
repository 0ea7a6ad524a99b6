/*
 * fuzz_dkim_tags.c: the DKIM tag-list parser and the DKIM-Signature
 * checks (RFC 6376 sections 3.2 and 3.5) on arbitrary bytes.
 */
#include <stddef.h>
#include <stdint.h>

#include "dkim/dkim_int.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dkim_sig	sig;
	struct dkim_taglist	tl;
	const char		*why = NULL;
	uint8_t			out[1024];

	(void)dkim_tags_parse((const char *)data, size, &tl, &why);
	(void)dkim_sig_parse((const char *)data, size, 0, &sig, &why);
	(void)dkim_b64_decode((const char *)data, size, out, sizeof(out));
	return 0;
}
