/*
 * fuzz_spf_record.c: the SPF record parser, then a whole evaluation of
 * the bytes as the TXT record of a domain in an in-memory zone that also
 * answers the includes, redirects and address lookups it triggers (the
 * input is reused as every TXT record, so includes and redirects recurse
 * into it).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spf/spf.h"
#include "spf/spf_int.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
evaluate(const uint8_t *data, size_t size, const char *ip)
{
	struct spf_request	 req;
	struct spf		*s;
	struct spf_answer	 a;
	struct spf_rr		 rr[2];
	static const uint8_t	 v4[4] = { 192, 0, 2, 1 };
	static const uint8_t	 v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
				    0, 0, 0, 0, 0, 0, 0, 1 };
	char			 err[128];
	int			 steps = 0;

	memset(&req, 0, sizeof(req));
	req.ip = ip;
	req.mail_from = "user-name+tag@example.com";
	req.helo = "mail.example.com";
	req.now = 1;
	if ((s = spf_new(&req, err, sizeof(err))) == NULL)
		abort();
	while (spf_step(s) == SPF_STEP_QUERY) {
		if (++steps > 1000)
			abort();	/* the limits stop it long before */
		a.status = SPF_DNS_OK;
		a.rr = rr;
		a.nrr = 1;
		rr[0].pref = 10;
		switch (spf_query_type(s)) {
		case DNS_T_TXT:
			rr[0].type = DNS_T_TXT;
			rr[0].data = data;
			rr[0].len = size;
			break;
		case DNS_T_A:
			rr[0].type = DNS_T_A;
			rr[0].data = v4;
			rr[0].len = 4;
			break;
		case DNS_T_AAAA:
			rr[0].type = DNS_T_AAAA;
			rr[0].data = v6;
			rr[0].len = 16;
			break;
		case DNS_T_MX:
		case DNS_T_PTR:
			rr[0].type = spf_query_type(s);
			rr[0].data = "mail.example.com";
			rr[0].len = 16;
			break;
		default:
			a.status = SPF_DNS_NXDOMAIN;
			a.nrr = 0;
		}
		if (steps % 7 == 6)
			a.status = SPF_DNS_NXDOMAIN;
		spf_answer(s, &a);
	}
	(void)spf_explanation(s);
	spf_free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spf_term		*terms;
	struct spf_record	 rec;
	const char		*err;
	size_t			 n;

	if (size > SPF_RECORD_MAX)
		return 0;
	n = spf_record_max_terms((const char *)data, size);
	if (n > SPF_TERMS_MAX)
		n = SPF_TERMS_MAX;
	terms = malloc(sizeof(*terms) * n);
	(void)spf_record_parse((const char *)data, size, terms, &rec, &err);
	free(terms);
	evaluate(data, size, "192.0.2.1");
	evaluate(data, size, "2001:db8::1");
	return 0;
}
