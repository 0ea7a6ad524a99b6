/*
 * dns.c: a minimal synchronous TXT lookup through c-ares for DKIM keys.
 *
 * Stands in until src/dns/resolver.c offers TXT lookups; the daemon will
 * fill the key cache from its async resolver instead (dkim_keycache_put).
 * Asks once with the system resolver configuration and a deadline, and
 * parses the answer itself so that the TTL is known (RFC 1035 section
 * 4.1.3). Untrusted input: the answer packet; every read is bounded by
 * struct rd. Returns OK with the first TXT record's strings joined,
 * NOTFOUND for NXDOMAIN or no TXT, TEMPFAIL otherwise.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>

#include <ares.h>

#include "core/buf.h"
#include "core/xmalloc.h"
#include "dkim_int.h"

#define DNS_TIMEOUT_MS	5000

struct q {
	int		 done;
	int		 status;
	uint8_t		*abuf;
	int		 alen;
};

static void
on_answer(void *arg, int status, int timeouts, unsigned char *abuf,
    int alen)
{
	struct q	*q = arg;

	(void)timeouts;
	q->done = 1;
	q->status = status;
	if (abuf != NULL && alen > 0) {
		q->abuf = xmalloc((size_t)alen);
		memcpy(q->abuf, abuf, (size_t)alen);
		q->alen = alen;
	}
}

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

enum dkim_lookup_status
dkim_dns_lookup(void *arg, const char *name, char **txt, size_t *txtlen,
    uint32_t *ttl)
{
	static int		 inited;
	ares_channel		 ch;
	struct ares_options	 opt;
	struct q		 q;
	int			 ms = arg != NULL ? *(int *)arg : DNS_TIMEOUT_MS;
	int			 nfds, left;
	fd_set			 rfds, wfds;
	struct timeval		 tv, maxtv, *tvp;
	enum dkim_lookup_status	 st;

	if (!inited) {
		if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS)
			return DKIM_LOOKUP_TEMPFAIL;
		inited = 1;
	}
	memset(&opt, 0, sizeof(opt));
	opt.timeout = ms / 2 > 0 ? ms / 2 : 1;
	opt.tries = 2;
	if (ares_init_options(&ch, &opt, ARES_OPT_TIMEOUTMS |
	    ARES_OPT_TRIES) != ARES_SUCCESS)
		return DKIM_LOOKUP_TEMPFAIL;
	memset(&q, 0, sizeof(q));
	ares_query(ch, name, 1 /* IN */, 16 /* TXT */, on_answer, &q);
	for (left = ms; !q.done && left > 0;) {
		FD_ZERO(&rfds);
		FD_ZERO(&wfds);
		nfds = ares_fds(ch, &rfds, &wfds);
		if (nfds == 0)
			break;
		maxtv.tv_sec = left / 1000;
		maxtv.tv_usec = (left % 1000) * 1000;
		tvp = ares_timeout(ch, &maxtv, &tv);
		select(nfds, &rfds, &wfds, NULL, tvp);
		ares_process(ch, &rfds, &wfds);
		left -= (int)(tvp->tv_sec * 1000 + tvp->tv_usec / 1000);
		if (tvp->tv_sec == 0 && tvp->tv_usec == 0)
			left--;
	}
	ares_destroy(ch);	/* runs the callback if still pending */
	if (q.status == ARES_ENOTFOUND || q.status == ARES_ENODATA)
		st = DKIM_LOOKUP_NOTFOUND;
	else if (q.status != ARES_SUCCESS || q.abuf == NULL)
		st = DKIM_LOOKUP_TEMPFAIL;
	else
		st = parse_answer(q.abuf, (size_t)q.alen, txt, txtlen, ttl);
	free(q.abuf);
	return st;
}
