/*
 * axfr.c: answering zone transfer requests and signed queries, and the
 * stream of AXFR messages (RFC 5936, RFC 1995, RFC 8945).
 *
 * xfr_handle makes the decision: who may transfer (dns { transfer {
 * allow, tsig } }), TSIG errors (NOTAUTH with BADKEY, BADSIG, BADTRUNC
 * unsigned, BADTIME signed), a signed plain query (answered by
 * dnsbl_answer, then signed), IXFR answered by our SOA alone when the
 * client is current (RFC 1995 section 2), by TC over UDP otherwise, and
 * over TCP by the difference from the client's version (ixfr.c) when
 * the caller's history keeps it and the difference is the smaller
 * answer, else by the whole zone (section 4). A transfer builds the zone
 * as records (zone.c) once per serial, from the snapshot the caller
 * holds (or takes the one the history kept), and then needs nothing of
 * it: the stream writes one message at a time as the caller's output
 * drains. Each message is at
 * most XFR_MSG_MAX bytes, names below the apex compressed against it,
 * the question in the first message only (RFC 5936 section 2.2.1), each
 * message signed when the request was. No I/O, no logging: the caller
 * logs what OUT:res says.
 */
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/xmalloc.h"
#include "dns/dns.h"
#include "list/list.h"
#include "dnsbl/dnsbl.h"
#include "xfr/xfr.h"

#define TXT_STRING_MAX	255

struct xfr_stream {
	struct xfr_zone		*z;
	struct dns_query	 q;		/* id, flags, the question */
	uint8_t			 qname[DNS_NAME_MAX];	/* q.name points here */
	uint8_t			 apex[DNS_NAME_MAX];
	size_t			 apex_len;
	uint8_t			 mname[DNS_NAME_MAX], rname[DNS_NAME_MAX];
	size_t			 mname_len, rname_len;
	uint8_t			 ns[DNSBL_NS_MAX][DNS_NAME_MAX];
	size_t			 ns_len[DNSBL_NS_MAX], nns;
	uint32_t		 serial, refresh, retry, expire, minimum;
	uint32_t		 ttl, ns_ttl;
	int			 tsig;
	struct xfr_key		 key;
	struct xfr_tsig		 t;
	size_t			 pos, total;	/* records: SOA, NS, names, SOA */
	size_t			 msgs;
	uint16_t		 apex_off;	/* in the current message */
	/* An IXFR difference: SOA, old SOA, del, SOA, add, SOA. */
	int			 ixfr;
	struct xfr_zone		*oz;		/* the client's version */
	uint32_t		 oserial;
	struct xfr_diff		 d;
};

/* RFC 1982 serial arithmetic: 1 if a is b or after it. */
static int
serial_ge(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

static void
copy_name(const char *text, const uint8_t *w, size_t wlen, int prepared,
    uint8_t *dst, size_t *len)
{
	if (prepared) {
		memcpy(dst, w, wlen);
		*len = wlen;
	} else if (text == NULL ||
	    (*len = dns_name_from_text(text, dst, DNS_NAME_MAX)) == 0) {
		dst[0] = 0;
		*len = 1;
	}
}

/* The stream's copy of the apex records' settings. */
static void
stream_conf(struct xfr_stream *s, const struct dnsbl_conf *c)
{
	size_t	i;

	copy_name(c->soa_mname, c->w_mname, c->w_mname_len, c->prepared,
	    s->mname, &s->mname_len);
	copy_name(c->soa_rname, c->w_rname, c->w_rname_len, c->prepared,
	    s->rname, &s->rname_len);
	for (i = 0; i < c->nns && i < DNSBL_NS_MAX; i++)
		copy_name(c->ns[i], c->w_ns[i], c->w_ns_len[i], c->prepared,
		    s->ns[s->nns], &s->ns_len[s->nns]), s->nns++;
	s->refresh = c->soa_refresh;
	s->retry = c->soa_retry;
	s->expire = c->soa_expire;
	s->minimum = c->soa_minimum;
	s->ttl = c->ttl;
	s->ns_ttl = c->ns_ttl;
}

/*
 * An owner: labels (llen bytes, may be 0) then the apex, as a pointer
 * once the apex is in the message.
 */
static void
put_owner(struct xfr_stream *s, struct dns_writer *w, const uint8_t *lab,
    size_t llen)
{
	if (s->apex_off != 0) {
		dns_put_name_ptr(w, lab, llen, s->apex_off);
		return;
	}
	dns_put_bytes(w, lab, llen);
	if (w->len + s->apex_len <= w->cap && w->len < 0x3fff)
		s->apex_off = (uint16_t)w->len;
	dns_put_name(w, s->apex, s->apex_len);
}

static size_t
rr_head(struct xfr_stream *s, struct dns_writer *w, const uint8_t *lab,
    size_t llen, uint16_t type, uint32_t ttl)
{
	size_t	off;

	put_owner(s, w, lab, llen);
	dns_put_u16(w, type);
	dns_put_u16(w, DNS_C_IN);
	dns_put_u32(w, ttl);
	off = w->len;
	dns_put_u16(w, 0);
	return off;
}

static void
put_soa(struct xfr_stream *s, struct dns_writer *w, uint32_t serial)
{
	size_t	start = dns_rr_begin(w), rdl;

	rdl = rr_head(s, w, NULL, 0, DNS_T_SOA, s->ns_ttl);
	dns_put_name(w, s->mname, s->mname_len);
	dns_put_name(w, s->rname, s->rname_len);
	dns_put_u32(w, serial);
	dns_put_u32(w, s->refresh);
	dns_put_u32(w, s->retry);
	dns_put_u32(w, s->expire);
	dns_put_u32(w, s->minimum);
	dns_rr_end(w, start, rdl, 0);
}

static void
put_ns(struct xfr_stream *s, struct dns_writer *w, size_t i)
{
	size_t	start = dns_rr_begin(w), rdl;

	rdl = rr_head(s, w, NULL, 0, DNS_T_NS, s->ns_ttl);
	dns_put_name(w, s->ns[i], s->ns_len[i]);
	dns_rr_end(w, start, rdl, 0);
}

/* Name n of zone z: its A, or its TXT as dnsbl_answer writes it. */
static void
put_rr(struct xfr_stream *s, struct dns_writer *w, const struct xfr_zone *z,
    const struct xfr_name *n, uint16_t type)
{
	uint8_t	lab[2 * 32 + 2], l;
	char	txt[DNSBL_TXT_MAX];
	size_t	llen = xfr_name_labels(n, lab), start, rdl, len, off, k;

	start = dns_rr_begin(w);
	if (type == DNS_T_A) {
		rdl = rr_head(s, w, lab, llen, DNS_T_A, s->ttl);
		dns_put_u32(w, xfr_name_code(z, n));
		dns_rr_end(w, start, rdl, 0);
		return;
	}
	len = xfr_name_txt(z, n, txt, sizeof(txt));
	rdl = rr_head(s, w, lab, llen, DNS_T_TXT, s->ttl);
	off = 0;
	do {
		k = len - off > TXT_STRING_MAX ? TXT_STRING_MAX : len - off;
		l = (uint8_t)k;
		dns_put_bytes(w, &l, 1);
		dns_put_bytes(w, txt + off, k);
		off += k;
	} while (off < len);
	dns_rr_end(w, start, rdl, 0);
}

/*
 * Record number pos of an IXFR difference (RFC 1995 section 4): our
 * SOA, the client's SOA, the deletions, our SOA, the additions, our SOA.
 */
static void
put_ixfr_record(struct xfr_stream *s, struct dns_writer *w, size_t pos)
{
	const struct xfr_change	*c;
	size_t			 nd = s->d.ndel;

	if (pos == 0 || pos == 2 + nd || pos == s->total - 1)
		put_soa(s, w, s->serial);
	else if (pos == 1)
		put_soa(s, w, s->oserial);
	else if (pos < 2 + nd) {
		c = &s->d.del[pos - 2];
		put_rr(s, w, s->oz, xfr_zone_get(s->oz, c->i), c->type);
	} else {
		c = &s->d.add[pos - 3 - nd];
		put_rr(s, w, s->z, xfr_zone_get(s->z, c->i), c->type);
	}
}

/* Record number pos of the transfer into w. */
static void
put_record(struct xfr_stream *s, struct dns_writer *w, size_t pos)
{
	const struct xfr_name	*n;

	if (s->ixfr)
		put_ixfr_record(s, w, pos);
	else if (pos == 0 || pos == s->total - 1)
		put_soa(s, w, s->serial);
	else if (pos <= s->nns)
		put_ns(s, w, pos - 1);
	else {
		n = xfr_zone_get(s->z, pos - 1 - s->nns);
		put_rr(s, w, s->z, n, DNS_T_A);
		put_rr(s, w, s->z, n, DNS_T_TXT);
	}
}

size_t
xfr_stream_next(struct xfr_stream *s, uint8_t *out, size_t cap,
    int64_t now)
{
	struct dns_writer	w;
	struct dns_query	q = s->q;
	size_t			len, mark, an;

	if (s->pos >= s->total || cap < XFR_MSG_MAX + XFR_TSIG_ROOM)
		return 0;
	if (s->msgs > 0)
		q.name_len = 0;		/* the question once (RFC 5936 2.2.1) */
	dns_writer_init(&w, out, XFR_MSG_MAX, &q, DNS_R_NOERROR);
	s->apex_off = s->msgs == 0 ? DNS_HEADER_LEN : 0;
	while (s->pos < s->total) {
		mark = w.len;
		an = w.ancount;
		put_record(s, &w, s->pos);
		if (w.truncated) {
			/* The rest goes in the next message. */
			w.len = mark;
			w.ancount = (uint16_t)an;
			w.truncated = w.overflow = 0;
			break;
		}
		s->pos++;
	}
	len = dns_writer_finish(&w, DNS_R_NOERROR);
	if (s->tsig)
		len = xfr_tsig_sign(&s->t, out, len, cap, now);
	s->msgs++;
	return len;
}

size_t
xfr_stream_messages(const struct xfr_stream *s)
{
	return s->msgs;
}

void
xfr_stream_free(struct xfr_stream *s)
{
	if (s == NULL)
		return;
	xfr_zone_free(s->z);
	xfr_zone_free(s->oz);
	xfr_diff_free(&s->d);
	explicit_bzero(&s->key, sizeof(s->key));
	free(s);
}

static void
stream_init(struct xfr_stream *s, const struct dnsbl_conf *c,
    const struct xfr_req *r, struct xfr_zone *z, uint32_t serial,
    const struct xfr_tsig *t)
{
	memset(s, 0, sizeof(*s));
	s->z = z;
	s->q = r->q;
	/* q.name points into the request packet, which is not kept. */
	memcpy(s->qname, r->q.name, r->q.name_len);
	s->q.name = s->qname;
	dns_lower(s->apex, r->q.name, r->q.name_len);
	s->apex_len = r->q.name_len;
	stream_conf(s, c);
	s->serial = serial;
	s->total = 1 + s->nns + (z != NULL ? xfr_zone_count(z) : 0) + 1;
	if (t != NULL) {
		s->tsig = 1;
		s->key = *t->key;
		s->t = *t;
		s->t.key = &s->key;
	}
}

/* A response without records (refusals, errors), signed if t is set. */
static size_t
reply_bare(const struct xfr_req *r, int rcode, struct xfr_tsig *t,
    uint8_t *out, size_t outsize, int64_t now)
{
	struct dns_writer	w;
	size_t			len;

	dns_writer_init(&w, out, outsize - XFR_TSIG_ROOM, &r->q, rcode);
	if (rcode != DNS_R_NOERROR)
		w.flags &= (uint16_t)~DNS_F_AA;
	len = dns_writer_finish(&w, rcode);
	if (t != NULL)
		len = xfr_tsig_sign(t, out, len, outsize, now);
	return len;
}

/* Our SOA alone, as the answer to an IXFR from a current client. */
static size_t
reply_soa(const struct dnsbl_conf *c, const struct xfr_req *r,
    uint32_t serial, struct xfr_tsig *t, uint8_t *out, size_t outsize,
    int64_t now)
{
	struct xfr_stream	 s;	/* on the stack: UDP workers call */
	struct dns_writer	 w;
	size_t			 len;

	stream_init(&s, c, r, NULL, serial, NULL);
	dns_writer_init(&w, out, outsize - XFR_TSIG_ROOM, &r->q,
	    DNS_R_NOERROR);
	s.apex_off = DNS_HEADER_LEN;
	put_soa(&s, &w, serial);
	len = dns_writer_finish(&w, DNS_R_NOERROR);
	if (t != NULL)
		len = xfr_tsig_sign(t, out, len, outsize, now);
	return len;
}

/* Over UDP, an IXFR the SOA alone does not answer: retry over TCP. */
static size_t
reply_tc(const struct xfr_req *r, struct xfr_tsig *t, uint8_t *out,
    size_t outsize, int64_t now)
{
	struct dns_writer	w;
	size_t			len;

	dns_writer_init(&w, out, outsize - XFR_TSIG_ROOM, &r->q,
	    DNS_R_NOERROR);
	w.flags |= DNS_F_TC;
	len = dns_writer_finish(&w, DNS_R_NOERROR);
	if (t != NULL)
		len = xfr_tsig_sign(t, out, len, outsize, now);
	return len;
}

/*
 * A hash of the apex records a stream writes (SOA fields but the serial,
 * NS names): a kept version is only diffed under the same apex.
 */
static uint64_t
apex_hash(const struct xfr_stream *s)
{
	uint32_t	v[8];
	uint64_t	h;
	size_t		i;

	v[0] = s->refresh;
	v[1] = s->retry;
	v[2] = s->expire;
	v[3] = s->minimum;
	v[4] = s->ttl;
	v[5] = s->ns_ttl;
	v[6] = (uint32_t)s->nns;
	v[7] = 0;
	h = hash_bytes(v, sizeof(v), HASH_SEED_FIXED);
	h = hash_bytes(s->mname, s->mname_len, h);
	h = hash_bytes(s->rname, s->rname_len, h);
	for (i = 0; i < s->nns; i++)
		h = hash_bytes(s->ns[i], s->ns_len[i], h);
	return h;
}

/*
 * Start the transfer of zone (of idx, at serial) on s: the whole zone,
 * or for an IXFR whose client version h keeps, the difference. The zone
 * comes from h when it has this serial's, else it is built and kept.
 */
static void
stream_start(struct xfr_stream *s, const struct dnsbl_conf *c,
    const struct index *idx, int zone, const struct xfr_req *r,
    struct xfr_history *h, int64_t now, struct xfr_result *res)
{
	const struct xfr_conf	*xc = &c->xfr;
	uint64_t		 apex = apex_hash(s);
	struct xfr_zone		*z, *oz;
	size_t			 records, max;

	if ((z = xfr_history_get(h, res->zone, s->serial, apex)) == NULL) {
		z = xfr_zone_build(idx, zone, now, xc->expand_max != 0 ?
		    xc->expand_max : XFR_EXPAND_MAX, &res->st);
		xfr_history_put(h, z, s->serial, apex);
	} else
		res->st = *xfr_zone_stats(z);
	s->z = z;
	records = 1 + s->nns + 2 * xfr_zone_count(z) + 1;
	s->total = 1 + s->nns + xfr_zone_count(z) + 1;
	if (r->q.qtype != DNS_T_IXFR)
		return;
	res->from = r->serial;
	if ((oz = xfr_history_get(h, res->zone, r->serial, apex)) == NULL) {
		res->whole = h == NULL ? "no history" :
		    "the client's serial is not kept";
		return;
	}
	/* Section 4: the difference only when it is the smaller answer. */
	max = records > 4 ? records - 4 : 0;
	if (xfr_zone_diff(oz, z, max, &s->d) == -1) {
		xfr_zone_free(oz);
		res->whole = "the difference is not smaller than the zone";
		return;
	}
	s->ixfr = 1;
	s->oz = oz;
	s->oserial = r->serial;
	s->total = 4 + s->d.ndel + s->d.nadd;
	res->ixfr = 1;
	res->deleted = s->d.ndel;
	res->added = s->d.nadd;
}

static int
history_keep(struct xfr_history *h, const struct dnsbl_conf *c,
    const struct index *idx, const char *zone, int64_t now, int old)
{
	const struct xfr_conf	*xc = &c->xfr;
	struct xfr_stream	*s;
	struct xfr_zone_stats	 st;
	struct xfr_zone		*z;
	int			 i;

	if (idx == NULL || (i = index_zone_find(idx, zone,
	    strlen(zone))) < 0)
		return -1;
	s = xcalloc(1, sizeof(*s));
	stream_conf(s, c);
	/* Kept already (built by another thread): nothing to build. */
	if ((z = xfr_history_get(h, zone,
	    (uint32_t)index_zone_get(idx, i)->serial, apex_hash(s))) != NULL) {
		xfr_zone_free(z);
		free(s);
		return 0;
	}
	z = xfr_zone_build(idx, i, now, xc->expand_max != 0 ?
	    xc->expand_max : XFR_EXPAND_MAX, &st);
	if (old)
		xfr_history_put_old(h, z, xfr_zone_serial(z), apex_hash(s));
	else
		xfr_history_put(h, z, xfr_zone_serial(z), apex_hash(s));
	free(s);
	xfr_zone_free(z);
	return 0;
}

int
xfr_history_keep(struct xfr_history *h, const struct dnsbl_conf *c,
    const struct index *idx, const char *zone, int64_t now)
{
	return history_keep(h, c, idx, zone, now, 0);
}

int
xfr_history_keep_old(struct xfr_history *h, const struct dnsbl_conf *c,
    const struct index *idx, const char *zone, int64_t now)
{
	return history_keep(h, c, idx, zone, now, 1);
}

/* 1 if peer is in allow. */
static int
allowed(const struct xfr_conf *xc, const uint8_t peer[ADDR_LEN])
{
	size_t	i;

	for (i = 0; i < xc->nallow; i++)
		if (addr_contains(&xc->allow[i], peer))
			return 1;
	return 0;
}

/* A signed query that is no transfer: dnsbl_answer's answer, signed. */
static size_t
signed_query(const struct dnsbl_conf *c, const struct index *idx,
    const uint8_t *pkt, const struct xfr_req *r, int tcp, int64_t now,
    uint8_t *out, size_t outsize, struct xfr_tsig *t)
{
	uint8_t		plain[DNS_TCP_MAX];
	unsigned	ar;
	size_t		len;

	memcpy(plain, pkt, r->tsig_off);
	ar = (unsigned)(plain[10] << 8 | plain[11]) - 1;
	plain[10] = (uint8_t)(ar >> 8);
	plain[11] = (uint8_t)ar;
	len = dnsbl_answer(c, idx, plain, r->tsig_off, out,
	    outsize - XFR_TSIG_ROOM, tcp, now);
	if (len == 0)
		return 0;
	return xfr_tsig_sign(t, out, len, outsize, now);
}

size_t
xfr_handle(const struct dnsbl_conf *c, const struct index *idx,
    const uint8_t *pkt, size_t len, const struct xfr_req *r,
    const uint8_t peer[ADDR_LEN], int tcp, int64_t now,
    struct xfr_history *h, uint8_t *out, size_t outsize,
    struct xfr_stream **stream, struct xfr_result *res)
{
	const struct xfr_conf		*xc = &c->xfr;
	const struct index_zone		*iz;
	struct xfr_tsig			 t, *tp = NULL;
	char				 name[DNS_NAME_MAX + 1];
	uint8_t				 lname[DNS_NAME_MAX];
	size_t				 nlen;
	int				 e, zone;

	memset(res, 0, sizeof(*res));
	*stream = NULL;
	if (outsize < DNS_UDP_MIN + XFR_TSIG_ROOM)
		return 0;
	if (r->tsig) {
		e = xc->tsig ? xfr_tsig_verify(&xc->key, pkt, len, r, now, &t) :
		    XFR_TSIG_BADKEY;
		switch (e) {
		case 0:
			tp = &t;
			break;
		case -1:
			res->rcode = DNS_R_FORMERR;
			res->why = "TSIG MAC too short";
			return reply_bare(r, DNS_R_FORMERR, NULL, out, outsize,
			    now);
		case XFR_TSIG_BADTIME:
			res->rcode = XFR_R_NOTAUTH;
			res->why = "TSIG BADTIME";
			return reply_bare(r, XFR_R_NOTAUTH, &t, out, outsize,
			    now);
		default:
			/* BADKEY, BADSIG, BADTRUNC: unsigned (5.2.1, 5.2.2) */
			res->rcode = XFR_R_NOTAUTH;
			res->why = e == XFR_TSIG_BADKEY ? "TSIG BADKEY" :
			    e == XFR_TSIG_BADSIG ? "TSIG BADSIG" :
			    "TSIG BADTRUNC";
			len = reply_bare(r, XFR_R_NOTAUTH, NULL, out, outsize,
			    now);
			return xfr_tsig_unsigned(r, (uint16_t)e, out, len,
			    outsize);
		}
	}
	if (r->q.qtype != DNS_T_AXFR && r->q.qtype != DNS_T_IXFR)
		return signed_query(c, idx, pkt, r, tcp, now, out, outsize,
		    tp);

	res->rcode = DNS_R_REFUSED;
	if (!tcp && r->q.qtype == DNS_T_AXFR)
		res->why = "AXFR over UDP";
	else if (!allowed(xc, peer))
		res->why = "address not in transfer allow";
	else if (xc->tsig && tp == NULL)
		res->why = "no TSIG";
	else if (r->q.qclass != DNS_C_IN)
		res->why = "class not IN";
	if (res->why != NULL)
		return reply_bare(r, DNS_R_REFUSED, tp, out, outsize, now);
	dns_lower(lname, r->q.name, r->q.name_len);
	nlen = dns_name_to_text(lname, r->q.name_len, name, sizeof(name));
	if (idx == NULL || nlen == (size_t)-1 ||
	    (zone = index_zone_find(idx, name, nlen)) < 0) {
		res->rcode = XFR_R_NOTAUTH;
		res->why = "not a zone of ours";
		return reply_bare(r, XFR_R_NOTAUTH, tp, out, outsize, now);
	}
	iz = index_zone_get(idx, zone);
	res->zone = iz->name;
	res->serial = (uint32_t)iz->serial;
	res->rcode = DNS_R_NOERROR;
	if (r->q.qtype == DNS_T_IXFR) {
		if (!r->soa) {
			res->rcode = DNS_R_FORMERR;
			res->why = "IXFR without an SOA";
			return reply_bare(r, DNS_R_FORMERR, tp, out, outsize,
			    now);
		}
		/* Section 2: the same serial or a newer one. */
		if (serial_ge(r->serial, res->serial)) {
			res->why = "IXFR: current";
			return reply_soa(c, r, res->serial, tp, out, outsize,
			    now);
		}
		if (!tcp) {
			res->why = "IXFR over UDP: TC";
			return reply_tc(r, tp, out, outsize, now);
		}
	}
	*stream = xmalloc(sizeof(**stream));
	stream_init(*stream, c, r, NULL, res->serial, tp);
	stream_start(*stream, c, idx, zone, r, h, now, res);
	return 0;
}

size_t
xfr_formerr(const struct xfr_req *r, uint8_t *out, size_t outsize)
{
	if (outsize < DNS_UDP_MIN + XFR_TSIG_ROOM)
		return 0;
	return reply_bare(r, DNS_R_FORMERR, NULL, out, outsize, 0);
}
