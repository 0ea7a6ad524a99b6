/*
 * fuzz_dkim_key.c: the DKIM key-record parser (RFC 6376 section 3.6.1,
 * RFC 8463 section 4) on arbitrary bytes, DER decoding included.
 */
#include <stddef.h>
#include <stdint.h>

#include "dkim/dkim_int.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dkim_pubkey	k;
	const char		*why = NULL;

	if (dkim_pubkey_parse((const char *)data, size, &k, &why) == 0)
		dkim_pubkey_clear(&k);
	return 0;
}
