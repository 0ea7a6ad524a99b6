/*
 * fuzz_dmarc_record.c: the DMARC record parser (dmarc/record.c), with
 * its contract as the oracle: the kept rua, ruf, fo and rf are
 * NUL-terminated printable ASCII within their buffers, pct is 0..100,
 * the policies are in range, and a record that is not OK says why.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc/dmarc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
printable(const char *s, size_t cap)
{
	size_t	n = strnlen(s, cap);

	if (n == cap)
		abort();
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dmarc_record	 rec;
	enum dmarc_rec_status	 st;
	const char		*why;

	st = dmarc_record_parse(data, size, &rec, &why);
	if (st != DMARC_REC_OK) {
		if (why == NULL)
			abort();
		return 0;
	}
	printable(rec.rua, sizeof(rec.rua));
	printable(rec.ruf, sizeof(rec.ruf));
	printable(rec.fo, sizeof(rec.fo));
	printable(rec.rf, sizeof(rec.rf));
	if (rec.pct < 0 || rec.pct > 100 || rec.p > DMARC_POLICY_REJECT ||
	    rec.sp > DMARC_POLICY_REJECT || rec.np > DMARC_POLICY_REJECT)
		abort();
	if (rec.p_assumed && (rec.p != DMARC_POLICY_NONE || rec.rua[0] == '\0'))
		abort();
	return 0;
}
