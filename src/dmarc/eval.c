/*
 * eval.c: DMARC policy discovery, identifier alignment, the result and
 * the disposition (RFC 7489 sections 3.1, 6.6.2 to 6.6.4; RFC 9091
 * section 4.3 for np).
 *
 * Discovery (section 6.6.3) is a state machine in the model of
 * src/spf/spf.h: it asks for the TXT records of _dmarc.<From domain>;
 * records that do not start with v=DMARC1 are discarded; if none is left
 * (NXDOMAIN and no data included) and the organizational domain differs,
 * it asks _dmarc.<organizational domain>. More than one DMARC record at
 * a name, or one without a usable p (record.c), ends discovery with no
 * policy. A temporary failure of either query is a temperror. When the
 * record came from the organizational domain and its np differs from
 * its sp, one A query for the From domain decides between them: NXDOMAIN
 * (RFC 8020: no name at all) means the domain does not exist and np
 * applies; any other answer, a temporary failure included, applies sp.
 *
 * Evaluation (dmarc_eval) aligns the passing SPF and DKIM identifiers
 * with the From domain, strict or relaxed per aspf and adkim, and turns
 * a fail into a disposition with pct (section 6.6.4: a message outside
 * the sample gets the next policy down). The random number is the
 * caller's (dmarc_auth.roll), so tests choose it.
 * No I/O, no logging.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "core/xmalloc.h"
#include "dns/dns.h"
#include "dmarc/dmarc.h"

enum state {
	ST_FROM,		/* asking _dmarc.<from> */
	ST_ORG,			/* asking _dmarc.<org> */
	ST_EXIST,		/* asking A <from> */
	ST_DONE
};

struct dmarc {
	const struct dmarc_psl	*psl;
	enum state		 state;
	int			 bad_from;	/* the domain did not normalise */
	int			 temperror;
	int			 have_rec;
	int			 nonexistent;	/* NXDOMAIN for A <from> */
	const char		*why;		/* no policy: why */
	char			 from[DMARC_DOMAIN_MAX + 1];
	char			 org[DMARC_DOMAIN_MAX + 1];
	char			 qname[DMARC_DOMAIN_MAX + 8];
	char			 record_at[DMARC_DOMAIN_MAX + 1];
	struct dmarc_record	 rec;
};

struct dmarc *
dmarc_new(const struct dmarc_psl *psl, const char *domain)
{
	struct dmarc	*d = xcalloc(1, sizeof(*d));

	d->psl = psl;
	d->state = ST_FROM;
	if (domain == NULL || dmarc_domain_norm(domain, strlen(domain),
	    d->from, sizeof(d->from)) == -1 ||
	    dmarc_orgdomain(psl, d->from, d->org, sizeof(d->org)) == -1) {
		d->bad_from = 1;
		d->state = ST_DONE;
		return d;
	}
	/* "_dmarc." + 253 bytes fits qname. */
	snprintf(d->qname, sizeof(d->qname), "_dmarc.%s", d->from);
	return d;
}

void
dmarc_free(struct dmarc *d)
{
	free(d);
}

enum dmarc_step
dmarc_step(struct dmarc *d)
{
	/*
	 * "_dmarc." and a name near 253 bytes is no DNS name (RFC 1035
	 * section 2.3.4): nothing can be published there, so it counts as
	 * NXDOMAIN and discovery goes on (or ends) without asking.
	 */
	while (d->state != ST_DONE &&
	    strlen(dmarc_query_name(d)) > DMARC_DOMAIN_MAX)
		dmarc_answer(d, DMARC_DNS_NXDOMAIN, NULL, 0);
	return d->state == ST_DONE ? DMARC_STEP_DONE : DMARC_STEP_QUERY;
}

const char *
dmarc_query_name(const struct dmarc *d)
{
	return d->state == ST_EXIST ? d->from : d->qname;
}

uint16_t
dmarc_query_type(const struct dmarc *d)
{
	return d->state == ST_EXIST ? DNS_T_A : DNS_T_TXT;
}

/*
 * Section 6.6.3 steps 2 and 5: keep the DMARC records of an answer.
 * Returns the number of them (the first is parsed into d->rec).
 */
static int
select_records(struct dmarc *d, const struct dmarc_txt *txt, size_t ntxt,
    enum dmarc_rec_status *first, const char **why)
{
	struct dmarc_record	 rec;
	enum dmarc_rec_status	 st;
	const char		*w;
	size_t			 i;
	int			 n = 0;

	if (ntxt > DMARC_TXT_MAX)
		ntxt = DMARC_TXT_MAX;
	for (i = 0; i < ntxt; i++) {
		st = dmarc_record_parse(txt[i].p, txt[i].len, &rec, &w);
		if (st == DMARC_REC_NOT_DMARC)
			continue;
		if (n++ == 0) {
			*first = st;
			*why = w;
			d->rec = rec;
		}
	}
	return n;
}

void
dmarc_answer(struct dmarc *d, enum dmarc_dns_status st,
    const struct dmarc_txt *txt, size_t ntxt)
{
	enum dmarc_rec_status	 first = DMARC_REC_NOT_DMARC;
	const char		*why = NULL;
	int			 n;

	switch (d->state) {
	case ST_EXIST:
		d->nonexistent = st == DMARC_DNS_NXDOMAIN;
		d->state = ST_DONE;
		return;
	case ST_FROM:
	case ST_ORG:
		break;
	case ST_DONE:
	default:
		return;
	}
	if (st == DMARC_DNS_TEMPFAIL) {
		d->temperror = 1;
		d->why = "the policy lookup failed for now";
		d->state = ST_DONE;
		return;
	}
	n = st == DMARC_DNS_OK ? select_records(d, txt, ntxt, &first, &why) :
	    0;
	if (n == 0 && d->state == ST_FROM && strcmp(d->from, d->org) != 0) {
		/* Step 3: fall back to the organizational domain. */
		snprintf(d->qname, sizeof(d->qname), "_dmarc.%s", d->org);
		d->state = ST_ORG;
		return;
	}
	d->state = ST_DONE;
	if (n == 0) {
		d->why = "no DMARC record";
		return;
	}
	if (n > 1) {
		d->why = "more than one DMARC record";
		return;
	}
	if (first != DMARC_REC_OK) {
		d->why = why != NULL ? why : "invalid DMARC record";
		return;
	}
	d->have_rec = 1;
	str_lcpy(d->record_at, strchr(d->qname, '.') + 1,
	    sizeof(d->record_at));
	/* RFC 9091: np only matters for a subdomain that may not exist. */
	if (strcmp(d->record_at, d->from) != 0 && d->rec.np != d->rec.sp)
		d->state = ST_EXIST;
}

void
dmarc_answer_raw(struct dmarc *d, enum dns_resolver_status st,
    const uint8_t *pkt, size_t len)
{
	struct dmarc_txt	 txt[DMARC_TXT_MAX] = { { NULL, 0 } };
	struct sbuf		 b[DMARC_TXT_MAX];
	struct dns_answer	 a;
	struct dns_rr		 rr;
	size_t			 n = 0, i;
	int			 rc = 0;

	switch (st) {
	case DNS_RES_OK:
		break;
	case DNS_RES_NODATA:
		dmarc_answer(d, DMARC_DNS_OK, NULL, 0);
		return;
	case DNS_RES_NXDOMAIN:
		dmarc_answer(d, DMARC_DNS_NXDOMAIN, NULL, 0);
		return;
	case DNS_RES_TEMPFAIL:
	default:
		dmarc_answer(d, DMARC_DNS_TEMPFAIL, NULL, 0);
		return;
	}
	/* Untrusted input (RFC 1035 section 4.1): the one answer reader. */
	if (pkt == NULL || dns_answer_init(&a, pkt, len) == -1) {
		dmarc_answer(d, DMARC_DNS_TEMPFAIL, NULL, 0);
		return;
	}
	while (n < DMARC_TXT_MAX && (rc = dns_answer_next(&a, &rr)) == 1) {
		if (rr.type != DNS_T_TXT || !rr.on_chain)
			continue;
		sbuf_init(&b[n]);
		/* Cut just past the limit: the parser reads DMARC_RECORD_MAX. */
		(void)dns_rr_txt(&rr, &b[n], DMARC_RECORD_MAX + 1);
		n++;
	}
	for (i = 0; i < n; i++) {
		txt[i].p = b[i].s != NULL ? b[i].s : "";
		txt[i].len = b[i].len;
	}
	dmarc_answer(d, rc == -1 ? DMARC_DNS_TEMPFAIL : DMARC_DNS_OK, txt, n);
	for (i = 0; i < n; i++)
		sbuf_free(&b[i]);
}

/*
 * Section 3.1: strict alignment wants the same domain, relaxed the same
 * organizational domain. id may be any text from the peer.
 */
static int
aligned(const struct dmarc *d, const char *id, enum dmarc_align mode)
{
	char		 n[DMARC_DOMAIN_MAX + 1], o[DMARC_DOMAIN_MAX + 1];
	const char	*at;

	if (id == NULL)
		return 0;
	/* An SPF identity may come as the whole MAIL FROM address. */
	if ((at = strrchr(id, '@')) != NULL)
		id = at + 1;
	if (dmarc_domain_norm(id, strlen(id), n, sizeof(n)) == -1)
		return 0;
	if (mode == DMARC_ALIGN_STRICT)
		return strcmp(n, d->from) == 0;
	if (dmarc_orgdomain(d->psl, n, o, sizeof(o)) == -1)
		return 0;
	return strcmp(o, d->org) == 0;
}

void
dmarc_eval(struct dmarc *d, const struct dmarc_auth *a,
    struct dmarc_verdict *v)
{
	size_t	i;

	memset(v, 0, sizeof(*v));
	str_lcpy(v->from, d->from, sizeof(v->from));
	str_lcpy(v->org, d->org, sizeof(v->org));
	if (d->bad_from) {
		v->result = DMARC_RES_PERMERROR;
		v->reason = "no usable From domain";
		return;
	}
	if (d->state != ST_DONE || d->temperror) {
		v->result = DMARC_RES_TEMPERROR;
		v->reason = d->temperror ? d->why : "discovery not finished";
		return;
	}
	if (!d->have_rec) {
		v->result = DMARC_RES_NONE;
		v->reason = d->why;
		return;
	}
	v->rec = d->rec;
	str_lcpy(v->record_at, d->record_at, sizeof(v->record_at));
	/* Section 6.6.3 and RFC 9091 section 4.3: which policy applies. */
	if (strcmp(d->record_at, d->from) == 0) {
		v->policy = d->rec.p;
		v->policy_tag = "p";
	} else if (d->nonexistent) {
		v->policy = d->rec.np;
		v->policy_tag = "np";
	} else {
		v->policy = d->rec.sp;
		v->policy_tag = "sp";
	}
	if (d->rec.p_assumed)
		v->policy_tag = "p";
	/* Section 3.1.1 and 3.1.2: an aligned pass of either. */
	if (a != NULL) {
		v->spf_aligned = a->spf == SPF_PASS &&
		    aligned(d, a->spf_domain, d->rec.aspf);
		for (i = 0; i < a->ndkim && !v->dkim_aligned; i++) {
			if (a->dkim[i].result != DKIM_RES_PASS ||
			    !aligned(d, a->dkim[i].domain, d->rec.adkim))
				continue;
			v->dkim_aligned = 1;
			v->dkim_domain = a->dkim[i].domain;
		}
	}
	if (v->spf_aligned || v->dkim_aligned) {
		v->result = DMARC_RES_PASS;
		v->reason = v->dkim_aligned ? "aligned DKIM pass" :
		    "aligned SPF pass";
		v->disposition = DMARC_DISP_NONE;
		return;
	}
	v->result = DMARC_RES_FAIL;
	v->reason = "no aligned SPF or DKIM pass";
	v->disposition = (enum dmarc_disposition)v->policy;
	/* Section 6.3 pct: outside the sample, the next policy down. */
	if ((a != NULL ? a->roll : 0) >= d->rec.pct &&
	    v->disposition != DMARC_DISP_NONE) {
		v->disposition--;
		v->sampled_out = 1;
	}
}

int
dmarc_roll(void)
{
	return (int)arc4random_uniform(100);
}

const char *
dmarc_result_name(enum dmarc_result r)
{
	switch (r) {
	case DMARC_RES_NONE:
		return "none";
	case DMARC_RES_PASS:
		return "pass";
	case DMARC_RES_FAIL:
		return "fail";
	case DMARC_RES_TEMPERROR:
		return "temperror";
	case DMARC_RES_PERMERROR:
		return "permerror";
	default:
		return "?";
	}
}

const char *
dmarc_disposition_name(enum dmarc_disposition d)
{
	switch (d) {
	case DMARC_DISP_NONE:
		return "none";
	case DMARC_DISP_QUARANTINE:
		return "quarantine";
	case DMARC_DISP_REJECT:
		return "reject";
	default:
		return "?";
	}
}

char *
dmarc_reply(const struct dmarc_verdict *v, char *buf, size_t len)
{
	/* Both domains passed dmarc_domain_norm: letters, digits, -_. */
	snprintf(buf, len, "5.7.1 DMARC policy of %s (%s=%s) rejects this "
	    "message: From %s is not aligned with a passing SPF or DKIM "
	    "identity", v->record_at[0] != '\0' ? v->record_at : v->from,
	    v->policy_tag != NULL ? v->policy_tag : "p",
	    dmarc_policy_name(v->policy), v->from);
	return buf;
}

size_t
dmarc_dkim_from_verify(const struct dkim_verify *v, struct dmarc_dkim *out,
    size_t max)
{
	const struct dkim_sig_result	*r;
	size_t				 i, n = dkim_verify_count(v);

	for (i = 0; i < n && i < max; i++) {
		r = dkim_verify_result(v, i);
		out[i].domain = r->domain;
		out[i].result = r->result;
		out[i].selector = r->selector;
		out[i].identity = r->identity;
		out[i].bprefix = r->bprefix;
		out[i].reason = r->reason;
	}
	return i;
}
