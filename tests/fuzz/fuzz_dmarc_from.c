/*
 * fuzz_dmarc_from.c: the From field parser (dmarc/from.c), then a whole
 * policy discovery and evaluation with the input as every TXT record
 * and as a raw DNS answer. Oracle: an OK domain is a normalised name
 * (it normalises to itself), discovery ends within three queries, and
 * the verdict's values are in range.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc/dmarc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dmarc_psl	*psl;

static void
evaluate(const char *from, const uint8_t *data, size_t size, int raw)
{
	struct dmarc_verdict	 v;
	struct dmarc_auth	 a;
	struct dmarc_dkim	 dk;
	struct dmarc_txt	 txt[2];
	struct dmarc		*d;
	int			 steps = 0;

	d = dmarc_new(psl, from);
	while (dmarc_step(d) == DMARC_STEP_QUERY) {
		if (++steps > 3)
			abort();
		if (raw) {
			dmarc_answer_raw(d, DNS_RES_OK, data, size);
			continue;
		}
		txt[0].p = data;
		txt[0].len = size;
		txt[1].p = "v=DMARC1; p=reject";
		txt[1].len = 18;
		dmarc_answer(d, DMARC_DNS_OK, txt, steps == 2 ? 2 : 1);
	}
	memset(&a, 0, sizeof(a));
	dk.domain = from;
	dk.result = DKIM_RES_PASS;
	a.dkim = &dk;
	a.ndkim = size % 2;
	a.spf_domain = from;
	a.spf = SPF_PASS;
	a.roll = (int)(size % 100);
	dmarc_eval(d, &a, &v);
	if (v.result > DMARC_RES_PERMERROR ||
	    v.disposition > DMARC_DISP_REJECT)
		abort();
	if (v.result == DMARC_RES_FAIL)
		abort();	/* an aligned pass was given */
	dmarc_free(d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	dom[DMARC_DOMAIN_MAX + 1], again[DMARC_DOMAIN_MAX + 1];
	char	err[256];

	if (psl == NULL && (psl = dmarc_psl_load(NULL, err,
	    sizeof(err))) == NULL)
		abort();
	if (dmarc_from_domain(data, size, dom, sizeof(dom)) != DMARC_FROM_OK)
		strcpy(dom, "mail.example.com");
	else if (dmarc_domain_norm(dom, strlen(dom), again,
	    sizeof(again)) == -1 || strcmp(dom, again) != 0)
		abort();
	evaluate(dom, data, size, 0);
	evaluate(dom, data, size, 1);
	return 0;
}
