/*
 * ares.c: the SPF resolver interface over dns/resolver.c (c-ares).
 *
 * Turns a raw answer into struct spf_rr records with c-ares's own
 * parsers: A and AAAA (CNAME chains in the answer are followed by
 * c-ares), MX, PTR and TXT (character-strings of one record joined
 * without separators, RFC 7208 section 3.3). An answer that does not
 * parse is a TEMPFAIL. Answers hold at most SPF_ANSWER_RR_MAX records.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include <ares.h>

#include "core/xmalloc.h"
#include "dns/resolver.h"
#include "spf_int.h"

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

static void
parse_answer(struct pending *p, const uint8_t *pkt, size_t len)
{
	struct spf_rr		 rr[SPF_ANSWER_RR_MAX];
	struct ares_addrttl	 a4[SPF_ANSWER_RR_MAX];
	struct ares_addr6ttl	 a6[SPF_ANSWER_RR_MAX];
	struct ares_mx_reply	*mx = NULL, *m;
	struct ares_txt_ext	*txt = NULL, *t, *u;
	struct hostent		*he = NULL;
	char			*joined[SPF_ANSWER_RR_MAX];
	size_t			 n = 0, nj = 0, k, total;
	int			 rc = ARES_SUCCESS, na, i;
	uint8_t			 dummy[4] = { 0, 0, 0, 0 };

	switch (p->type) {
	case SPF_T_A:
		na = SPF_ANSWER_RR_MAX;
		rc = ares_parse_a_reply(pkt, (int)len, NULL, a4, &na);
		for (i = 0; rc == ARES_SUCCESS && i < na; i++) {
			rr[n].type = SPF_T_A;
			rr[n].pref = 0;
			rr[n].data = &a4[i].ipaddr;
			rr[n].len = 4;
			n++;
		}
		break;
	case SPF_T_AAAA:
		na = SPF_ANSWER_RR_MAX;
		rc = ares_parse_aaaa_reply(pkt, (int)len, NULL, a6, &na);
		for (i = 0; rc == ARES_SUCCESS && i < na; i++) {
			rr[n].type = SPF_T_AAAA;
			rr[n].pref = 0;
			rr[n].data = &a6[i].ip6addr;
			rr[n].len = 16;
			n++;
		}
		break;
	case SPF_T_MX:
		rc = ares_parse_mx_reply(pkt, (int)len, &mx);
		for (m = mx; rc == ARES_SUCCESS && m != NULL &&
		    n < SPF_ANSWER_RR_MAX; m = m->next) {
			rr[n].type = SPF_T_MX;
			rr[n].pref = m->priority;
			rr[n].data = m->host;
			rr[n].len = strlen(m->host);
			n++;
		}
		break;
	case SPF_T_PTR:
		rc = ares_parse_ptr_reply(pkt, (int)len, dummy, 4, AF_INET,
		    &he);
		if (rc == ARES_SUCCESS && he != NULL && he->h_name != NULL) {
			rr[n].type = SPF_T_PTR;
			rr[n].pref = 0;
			rr[n].data = he->h_name;
			rr[n].len = strlen(he->h_name);
			n++;
			for (i = 0; he->h_aliases != NULL &&
			    he->h_aliases[i] != NULL &&
			    n < SPF_ANSWER_RR_MAX; i++) {
				rr[n].type = SPF_T_PTR;
				rr[n].pref = 0;
				rr[n].data = he->h_aliases[i];
				rr[n].len = strlen(he->h_aliases[i]);
				n++;
			}
		}
		break;
	case SPF_T_TXT:
		rc = ares_parse_txt_reply_ext(pkt, (int)len, &txt);
		for (t = txt; rc == ARES_SUCCESS && t != NULL &&
		    nj < SPF_ANSWER_RR_MAX; t = u) {
			/* One record: this string and the continuations. */
			total = t->length;
			for (u = t->next; u != NULL && !u->record_start;
			    u = u->next)
				total += u->length;
			if (total > SPF_RECORD_MAX)
				total = SPF_RECORD_MAX + 1;
			joined[nj] = xmalloc(total + 1);
			k = 0;
			for (u = t; u != NULL && (u == t || !u->record_start);
			    u = u->next) {
				size_t	l = u->length;

				if (k + l > total)
					l = total - k;
				memcpy(joined[nj] + k, u->txt, l);
				k += l;
			}
			rr[n].type = SPF_T_TXT;
			rr[n].pref = 0;
			rr[n].data = joined[nj];
			rr[n].len = k;
			n++;
			nj++;
		}
		break;
	default:
		break;
	}
	if (rc == ARES_SUCCESS)
		deliver(p, SPF_DNS_OK, rr, n);
	else if (rc == ARES_ENODATA)
		deliver(p, SPF_DNS_OK, rr, 0);
	else
		deliver(p, SPF_DNS_TEMPFAIL, NULL, 0);
	for (k = 0; k < nj; k++)
		free(joined[k]);
	if (mx != NULL)
		ares_free_data(mx);
	if (txt != NULL)
		ares_free_data(txt);
	if (he != NULL)
		ares_free_hostent(he);
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
	struct pending	*p = xmalloc(sizeof(*p));

	p->cb = cb;
	p->arg = arg;
	p->type = type;
	dns_resolver_query(ctx, name, type, answered, p);
}

void
spf_resolver_dns(struct dns_resolver *dr, struct spf_resolver *r)
{
	r->ctx = dr;
	r->query = dns_query;
}
