/*
 * dns.c: a synchronous TXT lookup for DKIM keys over src/dns/resolver.h,
 * for the CLI. The daemon fills the key cache from its event loop instead
 * (dkim_keycache_put). Parses the answer itself so that the TTL is known
 * (RFC 1035 section 4.1.3). Untrusted input: the answer packet; every read is bounded by
 * struct rd. Returns OK with the first TXT record's strings joined,
 * NOTFOUND for NXDOMAIN or no TXT, TEMPFAIL otherwise.
 */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "dns/resolver.h"
#include "dkim_int.h"

/* Skip a possibly compressed name. */
static void
skip_name(struct rd *r)
{
	uint8_t	l;

	for (;;) {
		l = rd_u8(r);
		if (r->err != NULL || l == 0)
			return;
		if ((l & 0xc0) == 0xc0) {
			(void)rd_u8(r);
			return;
		}
		if (l > 63) {
			rd_fail(r, "bad label");
			return;
		}
		rd_take(r, l);
	}
}

/* Untrusted input: the first TXT RR of the answer section. */
static enum dkim_lookup_status
parse_answer(const uint8_t *p, size_t len, char **txt, size_t *txtlen,
    uint32_t *ttl)
{
	struct rd	 r;
	uint16_t	 qd, an, type, rdlen, i;
	uint32_t	 t;
	struct sbuf	 b;
	const uint8_t	*rdata;

	rd_init(&r, p, len);
	rd_take(&r, 4);
	qd = rd_u16(&r);
	an = rd_u16(&r);
	rd_take(&r, 4);
	for (i = 0; i < qd && r.err == NULL; i++) {
		skip_name(&r);
		rd_take(&r, 4);
	}
	for (i = 0; i < an && r.err == NULL; i++) {
		skip_name(&r);
		type = rd_u16(&r);
		(void)rd_u16(&r);
		t = rd_u32(&r);
		rdlen = rd_u16(&r);
		rdata = rd_take(&r, rdlen);
		if (r.err != NULL || type != 16)
			continue;
		sbuf_init(&b);
		{
			struct rd	s;

			rd_init(&s, rdata, rdlen);
			while (rd_left(&s) > 0 && s.err == NULL) {
				uint8_t		 n = rd_u8(&s);
				const uint8_t	*str = rd_take(&s, n);

				if (str != NULL && b.len + n <=
				    DKIM_KEY_RECORD_MAX)
					sbuf_add(&b, str, n);
			}
			if (s.err != NULL) {
				sbuf_free(&b);
				return DKIM_LOOKUP_TEMPFAIL;
			}
		}
		if (b.s == NULL)
			sbuf_add(&b, "", 0);
		*txt = b.s;
		*txtlen = b.len;
		*ttl = t;
		return DKIM_LOOKUP_OK;
	}
	return r.err != NULL ? DKIM_LOOKUP_TEMPFAIL : DKIM_LOOKUP_NOTFOUND;
}

struct txtq {
	int			 done;
	enum dkim_lookup_status	 st;
	char			*txt;
	size_t			 txtlen;
	uint32_t		 ttl;
};

static void
on_answer(void *arg, enum dns_resolver_status st, const uint8_t *pkt,
    size_t len)
{
	struct txtq	*q = arg;

	q->done = 1;
	switch (st) {
	case DNS_RES_OK:
		q->st = pkt != NULL ? parse_answer(pkt, len, &q->txt,
		    &q->txtlen, &q->ttl) : DKIM_LOOKUP_TEMPFAIL;
		break;
	case DNS_RES_NODATA:
	case DNS_RES_NXDOMAIN:
		q->st = DKIM_LOOKUP_NOTFOUND;
		break;
	case DNS_RES_TEMPFAIL:
	default:
		q->st = DKIM_LOOKUP_TEMPFAIL;
		break;
	}
}

enum dkim_lookup_status
dkim_dns_lookup(void *arg, const char *name, char **txt, size_t *txtlen,
    uint32_t *ttl)
{
	struct dns_resolver	*r = arg;
	struct txtq		 q;

	memset(&q, 0, sizeof(q));
	q.st = DKIM_LOOKUP_TEMPFAIL;
	dns_resolver_query(r, name, 16 /* TXT */, on_answer, &q);
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
