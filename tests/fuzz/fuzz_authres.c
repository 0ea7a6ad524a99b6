/*
 * fuzz_authres.c: the authserv-id reader (dmarc/authres.c) on the input
 * as a field value, and the writer with the input as every peer value.
 * Oracles: a parsed id is non-empty and is_ours agrees with it; the
 * written field holds no control byte but folding (CRLF TAB), no 8-bit
 * byte, exactly the results given, and reads back our authserv-id.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dmarc/dmarc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Count the results: each starts a line with ";" CRLF TAB, and no peer
 * text can hold a CR, so the count is exact.
 */
static int
results(const char *f)
{
	int	n = 0;

	while ((f = strstr(f, ";\r\n\t")) != NULL) {
		n++;
		f += 4;
	}
	return n;
}

static void
write_back(const char *text)
{
	struct dmarc_ar		 ar;
	struct dmarc_dkim	 dk[2];
	struct dmarc_verdict	 v;
	struct sbuf		 b;
	char			 id[DMARC_AR_VALUE_MAX + 1];
	size_t			 i;

	memset(&ar, 0, sizeof(ar));
	memset(dk, 0, sizeof(dk));
	memset(&v, 0, sizeof(v));
	ar.authserv_id = "mx.example.net";
	ar.has_spf = 1;
	ar.spf = SPF_PASS;
	ar.spf_mailfrom = text;
	ar.has_dkim = 1;
	for (i = 0; i < 2; i++) {
		dk[i].domain = text;
		dk[i].selector = text;
		dk[i].identity = text;
		dk[i].bprefix = text;
		dk[i].reason = text;
		dk[i].result = i == 0 ? DKIM_RES_PASS : DKIM_RES_FAIL;
	}
	ar.dkim = dk;
	ar.ndkim = 2;
	v.result = DMARC_RES_TEMPERROR;
	v.reason = text;
	ar.dmarc = &v;
	sbuf_init(&b);
	dmarc_ar_write(&ar, &b);
	for (i = 0; i < b.len; i++) {
		unsigned char	c = (unsigned char)b.s[i];

		if (c >= 0x7f || (c < 0x20 && c != '\r' && c != '\n' &&
		    c != '\t'))
			abort();
		if (c == '\r' && (i + 2 >= b.len || b.s[i + 1] != '\n' ||
		    b.s[i + 2] != '\t'))
			abort();
		if (c == '\n' && b.s[i - 1] != '\r')
			abort();
	}
	if (results(b.s) != 4)
		abort();
	if (dmarc_ar_authserv_id(b.s + 24, b.len - 24, id, sizeof(id)) != 0 ||
	    strcmp(id, "mx.example.net") != 0)
		abort();
	sbuf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	id[DMARC_AR_VALUE_MAX + 1], *text;

	if (dmarc_ar_authserv_id(data, size, id, sizeof(id)) == 0) {
		if (id[0] == '\0' || !dmarc_ar_is_ours(data, size, id))
			abort();
	} else if (dmarc_ar_is_ours(data, size, "mx.example.net"))
		abort();
	if ((text = malloc(size + 1)) == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	write_back(text);
	free(text);
	return 0;
}
