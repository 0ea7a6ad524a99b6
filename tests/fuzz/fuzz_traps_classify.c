/*
 * fuzz_traps_classify.c: spam or backscatter (src/traps/classify.c) over
 * any bytes, with and without a null sender. Oracle: the class is one of
 * the two and named; a rule is always named; a null sender is always
 * backscatter by the rule null-sender; the Message-ID kept is
 * NUL-terminated within its buffer and printable ASCII without spaces
 * (it goes into the listing's evidence).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "traps/traps.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const struct traps_verdict *v)
{
	size_t	i;

	if ((v->cls != TRAPS_SPAM && v->cls != TRAPS_BACKSCATTER) ||
	    v->rule == NULL || v->rule[0] == '\0')
		abort();
	if ((v->cls == TRAPS_SPAM) !=
	    (strcmp(v->rule, "no-backscatter-sign") == 0))
		abort();
	if (strnlen(v->msgid, sizeof(v->msgid)) == sizeof(v->msgid))
		abort();
	for (i = 0; v->msgid[i] != '\0'; i++)
		if (v->msgid[i] <= ' ' || v->msgid[i] > 0x7e)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct traps_verdict	v;

	traps_classify(data, size, 0, &v);
	check(&v);
	traps_classify(data, size, 1, &v);
	check(&v);
	if (v.cls != TRAPS_BACKSCATTER || strcmp(v.rule, "null-sender") != 0)
		abort();
	return 0;
}
