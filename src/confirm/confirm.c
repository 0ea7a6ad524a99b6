/*
 * confirm.c: confirm-check's decision (confirm.h): the requester's
 * address, its authentication (SPF pass, or an aligned DKIM pass) and
 * the rate limits per address and per domain, counted in the store.
 *
 * Refuses, never errs, on what the requester sent: a null sender (a
 * bounce must never be answered, RFC 3834 section 2), an address without
 * a domain or with a byte outside printable ASCII, an SPF result other
 * than pass without an aligned DKIM pass. An SPF temperror refuses too,
 * with its own reason: the sender cannot be told from a forger now, and
 * a confirmation held back is retried by the caller, while one sent to a
 * forged address is backscatter. Only a store error is an error.
 * Does not log: the caller says what it decided.
 */
#include <stdio.h>
#include <string.h>

#include "confirm/confirm.h"
#include "core/str.h"
#include "dmarc/dmarc.h"
#include "store/confirm.h"
#include "store/store.h"

static const char *const reason_names[] = {
	[CONFIRM_R_SPF_PASS] = "spf-pass",
	[CONFIRM_R_DKIM_PASS] = "dkim-pass",
	[CONFIRM_R_NULL_SENDER] = "null-sender",
	[CONFIRM_R_BAD_ADDRESS] = "bad-address",
	[CONFIRM_R_SPF] = "not-authenticated",
	[CONFIRM_R_TEMPERROR] = "temperror",
	[CONFIRM_R_RATE_ADDRESS] = "rate-address",
	[CONFIRM_R_RATE_DOMAIN] = "rate-domain",
};

const char *
confirm_reason_name(enum confirm_reason r)
{
	if ((size_t)r >= sizeof(reason_names) / sizeof(reason_names[0]))
		return "?";
	return reason_names[r];
}

const char *
confirm_verdict_name(enum confirm_verdict v)
{
	return v == CONFIRM_SEND ? "send" : "refuse";
}

static void
lower(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* 1 when s is printable ASCII without spaces. */
static int
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

int
confirm_address(const char *mail_from, struct confirm_result *r)
{
	const char	*at;
	size_t		 n = strlen(mail_from);

	r->verdict = CONFIRM_REFUSE;
	r->address[0] = r->domain[0] = '\0';
	if (n == 0) {
		r->reason = CONFIRM_R_NULL_SENDER;
		snprintf(r->text, sizeof(r->text), "the null sender <> is a "
		    "bounce: never answer it");
		return -1;
	}
	/* Untrusted input: printable ASCII only, so JSON and logs hold it. */
	at = strrchr(mail_from, '@');
	if (n > CONFIRM_ADDR_MAX || !printable(mail_from) || at == NULL || at == mail_from ||
	    at[1] == '\0' || strchr(at + 1, '.') == NULL ||
	    at[strlen(at) - 1] == '.') {
		r->reason = CONFIRM_R_BAD_ADDRESS;
		snprintf(r->text, sizeof(r->text), "not an address "
		    "local@domain.example of at most %d printable ASCII "
		    "bytes", CONFIRM_ADDR_MAX);
		return -1;
	}
	memcpy(r->address, mail_from, n + 1);
	lower(r->address);
	str_lcpy(r->domain, r->address + (at - mail_from) + 1,
	    sizeof(r->domain));
	return 0;
}

/*
 * 1 when the DKIM d= domain d is aligned with the address's domain:
 * equal, or (psl given) the same organizational domain (relaxed, RFC
 * 7489 section 3.1.1).
 */
static int
aligned(const struct dmarc_psl *psl, const char *d, const char *domain)
{
	char	nd[DMARC_DOMAIN_MAX + 1], od1[DMARC_DOMAIN_MAX + 1];
	char	od2[DMARC_DOMAIN_MAX + 1];

	if (dmarc_domain_norm(d, strlen(d), nd, sizeof(nd)) == -1)
		return 0;
	if (strcmp(nd, domain) == 0)
		return 1;
	if (psl == NULL ||
	    dmarc_orgdomain(psl, nd, od1, sizeof(od1)) == -1 ||
	    dmarc_orgdomain(psl, domain, od2, sizeof(od2)) == -1)
		return 0;
	return strcmp(od1, od2) == 0;
}

int
confirm_decide(const struct confirm_conf *cc, struct store *st,
    const struct dmarc_psl *psl, const char *mail_from, enum spf_result spf,
    const char *dkim_domain, int64_t now, struct confirm_result *r,
    char *err, size_t errlen)
{
	int	rc;

	memset(r, 0, sizeof(*r));
	r->spf = spf;
	if (dkim_domain != NULL) {
		/* Kept for the answer only when it is printable. */
		if (strlen(dkim_domain) <= CONFIRM_ADDR_MAX &&
		    printable(dkim_domain))
			str_lcpy(r->dkim_domain, dkim_domain,
			    sizeof(r->dkim_domain));
		lower(r->dkim_domain);
	}
	if (confirm_address(mail_from, r) == -1)
		return 0;
	r->dkim_aligned = r->dkim_domain[0] != '\0' &&
	    aligned(psl, r->dkim_domain, r->domain);
	if (spf == SPF_PASS)
		r->reason = CONFIRM_R_SPF_PASS;
	else if (r->dkim_aligned)
		r->reason = CONFIRM_R_DKIM_PASS;
	else {
		r->verdict = CONFIRM_REFUSE;
		r->reason = spf == SPF_TEMPERROR ? CONFIRM_R_TEMPERROR :
		    CONFIRM_R_SPF;
		if (spf == SPF_TEMPERROR)
			snprintf(r->text, sizeof(r->text), "SPF for %s could "
			    "not be evaluated now (temperror): hold the "
			    "confirmation and try again later", r->domain);
		else
			snprintf(r->text, sizeof(r->text), "SPF for %s is %s "
			    "and no aligned DKIM signature passed: the "
			    "address may be forged, a confirmation to it "
			    "would be backscatter%s", r->domain,
			    spf_result_str(spf), r->dkim_domain[0] != '\0' ?
			    " (the DKIM domain given is not aligned)" : "");
		return 0;
	}
	if (st == NULL)
		rc = STORE_CONFIRM_TAKEN;
	else if ((rc = store_confirm_take(st, r->address, r->domain, now,
	    cc->window, cc->per_address, cc->per_domain, &r->sent_address,
	    &r->sent_domain)) == -1) {
		snprintf(err, errlen, "%s", store_errmsg(st));
		return -1;
	}
	switch (rc) {
	case STORE_CONFIRM_TAKEN:
		r->verdict = CONFIRM_SEND;
		r->counted = st != NULL;
		snprintf(r->text, sizeof(r->text), "%s: send (%s for %s; %lld "
		    "of %d to the address and %lld of %d to the domain in "
		    "%llds)", r->address, r->reason == CONFIRM_R_SPF_PASS ?
		    "SPF passed" : "an aligned DKIM signature passed",
		    r->domain, (long long)r->sent_address, cc->per_address,
		    (long long)r->sent_domain, cc->per_domain,
		    (long long)cc->window);
		break;
	case STORE_CONFIRM_ADDRESS_FULL:
		r->verdict = CONFIRM_REFUSE;
		r->reason = CONFIRM_R_RATE_ADDRESS;
		snprintf(r->text, sizeof(r->text), "%lld confirmations to %s "
		    "in the last %llds already (per-address %d)",
		    (long long)r->sent_address, r->address,
		    (long long)cc->window, cc->per_address);
		break;
	default:
		r->verdict = CONFIRM_REFUSE;
		r->reason = CONFIRM_R_RATE_DOMAIN;
		snprintf(r->text, sizeof(r->text), "%lld confirmations to "
		    "the domain %s in the last %llds already (per-domain %d)",
		    (long long)r->sent_domain, r->domain,
		    (long long)cc->window, cc->per_domain);
		break;
	}
	return 0;
}

json_t *
confirm_result_json(const struct confirm_conf *cc,
    const struct confirm_result *r)
{
	/* Every string was checked printable ASCII: json_string holds it. */
	return json_pack("{s:s, s:b, s:s, s:s, s:s?, s:s?, s:s, s:s?, s:b, "
	    "s:I, s:I, s:b, s:{s:i, s:i, s:I}}",
	    "verdict", confirm_verdict_name(r->verdict),
	    "send", r->verdict == CONFIRM_SEND,
	    "reason", confirm_reason_name(r->reason),
	    "explanation", r->text,
	    "address", r->address[0] != '\0' ? r->address : NULL,
	    "domain", r->domain[0] != '\0' ? r->domain : NULL,
	    "spf", spf_result_str(r->spf),
	    "dkim_domain", r->dkim_domain[0] != '\0' ? r->dkim_domain : NULL,
	    "dkim_aligned", r->dkim_aligned,
	    "sent_address", (json_int_t)r->sent_address,
	    "sent_domain", (json_int_t)r->sent_domain,
	    "counted", r->counted,
	    "limits", "per_address", cc->per_address,
	    "per_domain", cc->per_domain, "window", (json_int_t)cc->window);
}
