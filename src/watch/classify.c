/*
 * classify.c: one DNSBL answer about one of our addresses, and whether a
 * new answer is a transition.
 *
 * RFC 5782 section 2.1: a listing is an A record in 127.0.0.0/8 other
 * than 127.0.0.1. The big lists answer errors in the same channel: the
 * Spamhaus family returns 127.255.255.252 (a typo in the zone name),
 * .254 (query through a public or open resolver, refused) and .255
 * (excessive number of queries); those are REFUSED here, so the operator
 * knows the answer says nothing about the address and that the resolver
 * is at fault. 127.0.0.1 and codes outside 127/8 are what a wildcard, a
 * parked or an expired list domain answers: BROKEN. The same decision as
 * the gatekeeper's (policy_code_is_error): an error answer is never a
 * listing. A timeout, SERVFAIL, REFUSED or a packet the answer reader
 * refuses is NO_ANSWER. No I/O.
 */
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/str.h"
#include "dns/dns.h"
#include "watch/watch.h"

static const char *const state_names[WATCH_NSTATES] = {
	[WATCH_UNKNOWN] = "unknown",
	[WATCH_NOT_LISTED] = "not-listed",
	[WATCH_LISTED] = "listed",
	[WATCH_REFUSED] = "refused",
	[WATCH_BROKEN] = "broken",
	[WATCH_NO_ANSWER] = "no-answer",
};

const char *
watch_state_name(enum watch_state s)
{
	if ((int)s < 0 || s >= WATCH_NSTATES)
		return "?";
	return state_names[s];
}

int
watch_state_parse(const char *text)
{
	int	i;

	for (i = 0; i < WATCH_NSTATES; i++)
		if (strcmp(state_names[i], text) == 0)
			return i;
	return -1;
}

/* The Spamhaus-style error codes, 127.255.255.0/24. */
static const char *
refusal_meaning(uint32_t code)
{
	switch (code & 0xff) {
	case 252:
		return "typo in the DNSBL zone name";
	case 254:
		return "the list refuses queries from this resolver (a public "
		    "or open resolver)";
	case 255:
		return "the list refuses the resolver: excessive number of "
		    "queries";
	default:
		return "the list answered an error code";
	}
}

/* A preset's label for code: the first of its sites (on this zone)
   whose filter takes it. */
static const char *
preset_label(const struct watch_list *l, uint32_t code)
{
	struct policy_site	s;
	char			err[160];
	int			i;

	if (l->preset == NULL)
		return NULL;
	for (i = 0; l->preset->sites[i] != NULL; i++) {
		if (policy_site_parse(l->preset->sites[i], &s, err,
		    sizeof(err)) == -1 || strcmp(s.zone, l->zone) != 0)
			continue;
		if (policy_site_match(&s, code))
			return l->preset->labels[i];
	}
	return NULL;
}

void
watch_classify(const struct watch_list *l, enum dns_resolver_status st,
    const uint8_t *pkt, size_t len, struct watch_result *r)
{
	struct dns_answer	a;
	struct dns_rr		rr;
	uint32_t		codes[WATCH_CODES_MAX], c;
	const char		*label;
	char			ct[16];
	int			n = 0, i, rc;

	memset(r, 0, sizeof(*r));
	switch (st) {
	case DNS_RES_NXDOMAIN:
	case DNS_RES_NODATA:
		r->state = WATCH_NOT_LISTED;
		return;
	case DNS_RES_OK:
		break;
	case DNS_RES_TEMPFAIL:
	default:
		r->state = WATCH_NO_ANSWER;
		snprintf(r->meaning, sizeof(r->meaning), "no answer from the "
		    "list's servers (timeout, SERVFAIL or REFUSED)");
		return;
	}
	if (pkt == NULL || dns_answer_init(&a, pkt, len) == -1) {
		r->state = WATCH_NO_ANSWER;
		snprintf(r->meaning, sizeof(r->meaning), "malformed answer");
		return;
	}
	while ((rc = dns_answer_next(&a, &rr)) == 1) {
		if (rr.type != DNS_T_A || !rr.on_chain || rr.rdlen != 4 ||
		    n >= WATCH_CODES_MAX)
			continue;
		codes[n++] = (uint32_t)rr.rdata[0] << 24 |
		    (uint32_t)rr.rdata[1] << 16 | (uint32_t)rr.rdata[2] << 8 |
		    rr.rdata[3];
	}
	if (rc == -1) {
		r->state = WATCH_NO_ANSWER;
		snprintf(r->meaning, sizeof(r->meaning), "malformed answer: "
		    "%s", a.err != NULL ? a.err : "?");
		return;
	}
	if (n == 0) {
		r->state = WATCH_NOT_LISTED;
		return;
	}
	/* A listing wins over an error code in the same answer. */
	for (i = 0; i < n; i++) {
		if (policy_code_is_error(codes[i]))
			continue;
		r->state = WATCH_LISTED;
		r->code = codes[i];
		addr_v4_text(codes[i], ct, sizeof(ct));
		if ((label = preset_label(l, codes[i])) != NULL)
			snprintf(r->meaning, sizeof(r->meaning), "%s (%s)",
			    label, ct);
		else
			snprintf(r->meaning, sizeof(r->meaning), "listed on "
			    "%s (%s)", l->zone, ct);
		return;
	}
	c = codes[0];
	r->code = c;
	addr_v4_text(c, ct, sizeof(ct));
	if ((c & 0xffffff00) == 0x7fffff00) {
		r->state = WATCH_REFUSED;
		snprintf(r->meaning, sizeof(r->meaning), "%s (%s): not a "
		    "listing", refusal_meaning(c), ct);
	} else {
		r->state = WATCH_BROKEN;
		snprintf(r->meaning, sizeof(r->meaning), "the list answered "
		    "%s, which is not a listing (RFC 5782 2.1): a wildcard, "
		    "a parked or an expired list domain", ct);
	}
}

char *
watch_txt(const uint8_t *pkt, size_t len, char *dst, size_t dstsize)
{
	struct dns_answer	a;
	struct dns_rr		rr;
	struct sbuf		b;
	int			rc;

	dst[0] = '\0';
	if (pkt == NULL || dns_answer_init(&a, pkt, len) == -1)
		return dst;
	sbuf_init(&b);
	while ((rc = dns_answer_next(&a, &rr)) == 1) {
		if (rr.type != DNS_T_TXT || !rr.on_chain)
			continue;
		dns_rr_txt(&rr, &b, WATCH_TEXT_MAX);
		break;
	}
	if (rc == 1 && b.len > 0)
		str_escape(dst, dstsize, b.s, b.len > WATCH_TEXT_MAX ?
		    WATCH_TEXT_MAX : b.len);
	sbuf_free(&b);
	return dst;
}

int
watch_transition(enum watch_state old, uint32_t oldcode,
    enum watch_state new, uint32_t newcode)
{
	if (old == new && (new != WATCH_LISTED || oldcode == newcode))
		return 0;
	if (old == WATCH_UNKNOWN && new == WATCH_NOT_LISTED)
		return 1;
	return 2;
}
