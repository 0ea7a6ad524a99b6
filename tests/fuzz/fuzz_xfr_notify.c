/*
 * fuzz_xfr_notify.c: libFuzzer target for the readers of NOTIFY answers
 * (xfr/notify.c): xfr_notify_reply and xfr_notify_verify on any bytes,
 * against a NOTIFY signed at NOW with the corpus key. Checks, beside no
 * crash and no read outside the input (ASan): the verdict is one of the
 * documented values, xfr_notify_reply accepts only responses of opcode
 * NOTIFY with their id and rcode from the header, and an answer whose
 * TSIG verifies stops verifying when its last byte is cut off.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"
#include "xfr/xfr.h"

#define SECRET	"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI="
#define NOW	1800000000

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct xfr_key	k;
	static uint8_t		mac[XFR_MAC_LEN];
	static int		ready;
	uint8_t			req[DNS_UDP_MIN + XFR_TSIG_ROOM], *copy;
	const char		*err;
	uint16_t		id;
	int			rcode, v;

	if (!ready) {
		if (xfr_key_set(&k, "xfr-key", SECRET, &err) == -1 ||
		    xfr_notify_build("bl.test", 77, 0xabcd, &k, req,
		    sizeof(req), NOW, mac) == 0)
			abort();
		ready = 1;
	}
	/* A copy of the exact size, so ASan sees any read past it. */
	copy = malloc(size > 0 ? size : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	if (xfr_notify_reply(copy, size, &id, &rcode) == 0) {
		assert(size >= DNS_HEADER_LEN && (copy[2] & 0x80));
		assert(((copy[2] >> 3) & 0x0f) == DNS_OPCODE_NOTIFY);
		assert(id == (copy[0] << 8 | copy[1]));
		assert(rcode == (copy[3] & 0x0f));
	}
	v = xfr_notify_verify(&k, mac, copy, size, NOW);
	assert(v == 0 || v == XFR_NOTIFY_UNSIGNED || (v > 0 && v <= 0xffff));
	if (v == 0)
		assert(xfr_notify_verify(&k, mac, copy, size - 1, NOW) != 0);
	free(copy);
	return 0;
}
