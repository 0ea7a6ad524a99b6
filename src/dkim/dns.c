/*
 * dns.c: a synchronous TXT lookup for DKIM keys over src/dns/resolver.h,
 * for the CLI. The daemon fills the key cache from its event loop instead
 * (dkim_keycache_put). The answer goes through the one answer reader
 * (dns/answer.c), which also gives the TTL (RFC 1035 section 4.1.3).
 * Returns OK with the first TXT record's strings joined, NOTFOUND for
 * NXDOMAIN or no TXT, TEMPFAIL otherwise (a malformed answer too).
 */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "dns/dns.h"
#include "dns/resolver.h"
#include "dkim/dkim_int.h"

/*
 * Untrusted input (RFC 1035 section 4.1, RFC 6376 section 3.6.2.2): the
 * first TXT record on the question's chain, its strings joined, cut just
 * past DKIM_KEY_RECORD_MAX so that the key parser refuses it as too long.
 */
static enum dkim_lookup_status
parse_answer(const uint8_t *p, size_t len, char **txt, size_t *txtlen,
    uint32_t *ttl)
{
	struct dns_answer	 a;
	struct dns_rr		 rr;
	struct sbuf		 b;
	int			 rc;

	if (dns_answer_init(&a, p, len) == -1)
		return DKIM_LOOKUP_TEMPFAIL;
	while ((rc = dns_answer_next(&a, &rr)) == 1) {
		if (rr.type != DNS_T_TXT || !rr.on_chain)
			continue;
		sbuf_init(&b);
		(void)dns_rr_txt(&rr, &b, DKIM_KEY_RECORD_MAX + 1);
		if (b.s == NULL)
			sbuf_add(&b, "", 0);
		*txt = b.s;
		*txtlen = b.len;
		*ttl = rr.ttl;
		return DKIM_LOOKUP_OK;
	}
	return rc == -1 ? DKIM_LOOKUP_TEMPFAIL : DKIM_LOOKUP_NOTFOUND;
}

struct txtq {
	int			 done;
	enum dkim_lookup_status	 st;
	char			*txt;
	size_t			 txtlen;
	uint32_t		 ttl;
};

enum dkim_lookup_status
dkim_dns_answer(int st, const uint8_t *pkt, size_t len, char **txt,
    size_t *txtlen, uint32_t *ttl)
{
	switch (st) {
	case DNS_RES_OK:
		return pkt != NULL ? parse_answer(pkt, len, txt, txtlen,
		    ttl) : DKIM_LOOKUP_TEMPFAIL;
	case DNS_RES_NODATA:
	case DNS_RES_NXDOMAIN:
		return DKIM_LOOKUP_NOTFOUND;
	case DNS_RES_TEMPFAIL:
	default:
		return DKIM_LOOKUP_TEMPFAIL;
	}
}

static void
on_answer(void *arg, enum dns_resolver_status st, const uint8_t *pkt,
    size_t len)
{
	struct txtq	*q = arg;

	q->done = 1;
	q->st = dkim_dns_answer(st, pkt, len, &q->txt, &q->txtlen, &q->ttl);
}

enum dkim_lookup_status
dkim_dns_lookup(void *arg, const char *name, char **txt, size_t *txtlen,
    uint32_t *ttl)
{
	struct dns_resolver	*r = arg;
	struct txtq		 q;

	memset(&q, 0, sizeof(q));
	q.st = DKIM_LOOKUP_TEMPFAIL;
	dns_resolver_query(r, name, DNS_T_TXT, on_answer, &q);
	/* The resolver's deadline (timeout x tries) ends the wait. */
	while (!q.done)
		dns_resolver_wait(r);
	if (q.st == DKIM_LOOKUP_OK) {
		*txt = q.txt;
		*txtlen = q.txtlen;
		*ttl = q.ttl;
	} else
		free(q.txt);
	return q.st;
}
