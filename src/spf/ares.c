/*
 * ares.c: the SPF resolver interface over dns/resolver.c (c-ares).
 *
 * Turns a raw answer into struct spf_rr records with the one answer
 * reader (dns/answer.c): A and AAAA (following the CNAME chain in the
 * answer from the question), MX, PTR and TXT (character-strings of one
 * record joined without separators, RFC 7208 section 3.3, cut just past
 * SPF_RECORD_MAX so that spf.c refuses it as too long). Records of other
 * types or off the chain are skipped. An answer that does not parse is a
 * TEMPFAIL. Answers hold at most SPF_ANSWER_RR_MAX records.
 */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/xmalloc.h"
#include "dns/dns.h"
#include "dns/resolver.h"
#include "spf/spf_int.h"

struct pending {
	void	(*cb)(void *arg, const struct spf_answer *a);
	void	*arg;
	uint16_t type;
};

static void
deliver(struct pending *p, enum spf_dns_status st, struct spf_rr *rr,
    size_t n)
{
	struct spf_answer	a;

	a.status = st;
	a.rr = rr;
	a.nrr = n;
	p->cb(p->arg, &a);
}

/*
 * Untrusted input (RFC 1035 section 4.1): the records of the type asked,
 * their text (names, joined TXT) kept in one buffer; the pointers into
 * it are set once it stops growing.
 */
static void	raw_query(void *, const char *, uint16_t,
		    void (*)(void *, const struct spf_answer *), void *);

static void
parse_answer(struct pending *p, const uint8_t *pkt, size_t len)
{
	struct spf_rr		 rr[SPF_ANSWER_RR_MAX];
	size_t			 at[SPF_ANSWER_RR_MAX];
	struct dns_answer	 a;
	struct dns_rr		 d;
	struct sbuf		 b;
	char			 name[DNS_NAME_MAX + 1];
	size_t			 n = 0, k, tl;
	int			 rc;

	sbuf_init(&b);
	if (dns_answer_init(&a, pkt, len) == -1) {
		deliver(p, SPF_DNS_TEMPFAIL, NULL, 0);
		return;
	}
	while ((rc = dns_answer_next(&a, &d)) == 1) {
		if (d.type != p->type || !d.on_chain ||
		    n >= SPF_ANSWER_RR_MAX)
			continue;
		rr[n].type = d.type;
		rr[n].pref = d.pref;
		switch (d.type) {
		case DNS_T_A:
		case DNS_T_AAAA:
			/* Points into pkt, valid during the callback. */
			rr[n].data = d.rdata;
			rr[n].len = d.rdlen;
			at[n] = (size_t)-1;
			break;
		case DNS_T_MX:
		case DNS_T_PTR:
			if ((tl = dns_name_to_text(d.target, d.target_len,
			    name, sizeof(name))) == (size_t)-1)
				continue;
			at[n] = b.len;
			rr[n].len = tl;
			sbuf_add(&b, name, tl + 1);
			break;
		case DNS_T_TXT:
			at[n] = b.len;
			tl = dns_rr_txt(&d, &b, SPF_RECORD_MAX + 1);
			rr[n].len = tl > SPF_RECORD_MAX ? SPF_RECORD_MAX + 1 :
			    tl;
			sbuf_addc(&b, '\0');
			break;
		default:
			continue;
		}
		n++;
	}
	if (rc == -1) {
		sbuf_free(&b);
		deliver(p, SPF_DNS_TEMPFAIL, NULL, 0);
		return;
	}
	for (k = 0; k < n; k++)
		if (at[k] != (size_t)-1)
			rr[k].data = b.s + at[k];
	deliver(p, SPF_DNS_OK, rr, n);
	sbuf_free(&b);
}

static void
answered(void *arg, enum dns_resolver_status st, const uint8_t *pkt,
    size_t len)
{
	struct pending	*p = arg;

	switch (st) {
	case DNS_RES_OK:
		parse_answer(p, pkt, len);
		break;
	case DNS_RES_NODATA:
		deliver(p, SPF_DNS_OK, NULL, 0);
		break;
	case DNS_RES_NXDOMAIN:
		deliver(p, SPF_DNS_NXDOMAIN, NULL, 0);
		break;
	default:
		deliver(p, SPF_DNS_TEMPFAIL, NULL, 0);
		break;
	}
	free(p);
}

static void
dns_query(void *ctx, const char *name, uint16_t type,
    void (*cb)(void *arg, const struct spf_answer *a), void *arg)
{
	struct spf_raw	 raw = { ctx, NULL };

	raw_query(&raw, name, type, cb, arg);
}

static void
raw_query(void *ctx, const char *name, uint16_t type,
    void (*cb)(void *arg, const struct spf_answer *a), void *arg)
{
	const struct spf_raw	*raw = ctx;
	struct pending		*p = xmalloc(sizeof(*p));

	p->cb = cb;
	p->arg = arg;
	p->type = type;
	if (raw->query != NULL)
		raw->query(raw->ctx, name, type, answered, p);
	else
		dns_resolver_query(raw->ctx, name, type, answered, p);
}

void
spf_resolver_dns(struct dns_resolver *dr, struct spf_resolver *r)
{
	r->ctx = dr;
	r->query = dns_query;
}

void
spf_resolver_raw(struct spf_raw *raw, struct spf_resolver *r)
{
	r->ctx = raw;
	r->query = raw_query;
}
