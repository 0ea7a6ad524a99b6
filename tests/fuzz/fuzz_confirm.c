/*
 * fuzz_confirm.c: confirm-check's reading of the requester (src/confirm):
 * the first byte picks the SPF result, the rest is MAIL FROM, a NUL, then
 * the DKIM domain given (none without a NUL). No store. The contract is
 * the oracle: send only on an SPF pass or an aligned DKIM pass (reason
 * and verdict agree); a refusal for the address leaves address and
 * domain empty; otherwise the address is printable ASCII without upper
 * case, at most CONFIRM_ADDR_MAX bytes, and ends with "@" and its
 * domain; the text is set; the JSON answer is made.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "confirm/confirm.h"
#include "core/xmalloc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct confirm_conf	 cc = { .per_address = 3, .per_domain = 100,
	    .window = 86400 };
	struct confirm_result	 r;
	enum spf_result		 spf;
	char			*buf, *dkim, err[256];
	size_t			 n, i;
	json_t			*o;

	if (size < 1)
		return 0;
	spf = (enum spf_result)(data[0] % (SPF_PERMERROR + 1));
	buf = xmalloc(size);
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	dkim = memchr(buf, '\0', size - 1) != NULL && strlen(buf) < size - 1 ?
	    buf + strlen(buf) + 1 : NULL;
	if (confirm_decide(&cc, NULL, NULL, buf, spf, dkim, 0, &r, err,
	    sizeof(err)) == -1)
		abort();	/* no store: never an error */
	if (r.text[0] == '\0')
		abort();
	if (r.verdict == CONFIRM_SEND) {
		if (!(r.reason == CONFIRM_R_SPF_PASS && spf == SPF_PASS) &&
		    !(r.reason == CONFIRM_R_DKIM_PASS && r.dkim_aligned))
			abort();
	} else if (r.reason == CONFIRM_R_SPF_PASS ||
	    r.reason == CONFIRM_R_DKIM_PASS)
		abort();
	if (r.reason == CONFIRM_R_NULL_SENDER ||
	    r.reason == CONFIRM_R_BAD_ADDRESS) {
		if (r.address[0] != '\0' || r.domain[0] != '\0')
			abort();
	} else {
		n = strlen(r.address);
		if (n == 0 || n > CONFIRM_ADDR_MAX ||
		    n <= strlen(r.domain) ||
		    strcmp(r.address + n - strlen(r.domain), r.domain) != 0 ||
		    r.address[n - strlen(r.domain) - 1] != '@')
			abort();
		for (i = 0; i < n; i++)
			if ((unsigned char)r.address[i] <= ' ' ||
			    (unsigned char)r.address[i] >= 0x7f ||
			    (r.address[i] >= 'A' && r.address[i] <= 'Z'))
				abort();
	}
	if ((o = confirm_result_json(&cc, &r)) == NULL)
		abort();
	json_decref(o);
	free(buf);
	return 0;
}
