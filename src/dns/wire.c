/*
 * wire.c: the DNS message codec: parse a query, write a response.
 *
 * Implements the query side of RFC 1035 section 4.1 (header, question,
 * resource records), the OPT pseudo-RR of RFC 6891 section 6 and name
 * compression pointers (RFC 1035 section 4.1.4) in responses. It does no
 * I/O and no allocation, logs nothing, and never reads past the packet:
 * every read goes through the struct rd cursor (core/buf.h).
 *
 * dns_parse_query returns OK, DROP (a response or a runt: never answer
 * those, they are how reflection loops start), FORMERR or NOTIMP; the
 * writer never writes past its cap and reports what did not fit.
 */
#include <string.h>

#include "core/buf.h"
#include "dns/dns.h"

/* Header offsets and the OPT RR layout (RFC 6891 section 6.1.2). */
#define HDR_ID		0
#define HDR_FLAGS	2
#define HDR_QDCOUNT	4
#define HDR_ANCOUNT	6
#define HDR_NSCOUNT	8
#define HDR_ARCOUNT	10
#define OPT_RR_LEN	11	/* root, type, class, ttl, rdlength */
#define OPT_DO		0x8000

/*
 * Untrusted input (RFC 1035 section 3.1, 4.1.2): read the uncompressed
 * question name: q->name points at it in the packet, and the label
 * offsets are filled in. A query's question is the first name of the packet, so a compression pointer
 * there could only point forwards or into the header: refuse it, as well
 * as the 0x40/0x80 label types (RFC 6891 section 5 retired the extended
 * ones), labels over 63 bytes and names over 255.
 *
 * This is the hot path of every query: one bounded walk over the length
 * bytes and nothing else (no copy, no case folding: the answer path
 * compares and parses the labels in place).
 */
static const char *
walk_qname(const uint8_t *p, size_t left, struct dns_query *q)
{
	size_t		 n = 0, limit = left < DNS_NAME_MAX ? left : DNS_NAME_MAX;
	unsigned	 k = 0;
	uint8_t		 l;

	/*
	 * One bound per label: the next length byte must lie in the packet
	 * and, with the root byte after it, within 255 bytes (so a name has
	 * at most 127 labels: label_off cannot overflow).
	 */
	for (;;) {
		if (n >= limit)
			return n >= left ? "truncated name" : "name too long";
		if ((l = p[n]) == 0)
			break;
		if (l > DNS_LABEL_MAX)		/* pointer or label type */
			return "compressed or bad label";
		q->label_off[k++] = (uint8_t)n;
		n += 1 + (size_t)l;
	}
	q->name = p;
	q->nlabels = (uint8_t)k;
	q->name_len = n + 1;		/* the root label, inside the packet */
	return NULL;
}

void
dns_rd_qname(struct rd *r, struct dns_query *q)
{
	const char	*err;

	if (r->err != NULL)
		return;
	if ((err = walk_qname(r->p + r->off, r->len - r->off, q)) != NULL) {
		rd_fail(r, err);
		return;
	}
	rd_take(r, q->name_len);
}

/*
 * Untrusted input (RFC 1035 section 4.1.4): skip an owner name in the
 * additional section. It may end in a pointer, which must point strictly
 * backwards; we never follow it, since nothing in it is used.
 */
void
dns_rd_skip_name(struct rd *r)
{
	size_t	n = 0, at;
	uint8_t	l;

	for (;;) {
		at = r->off;
		l = rd_u8(r);
		if (r->err != NULL)
			return;
		if (l == 0)
			return;
		if ((l & 0xc0) == 0xc0) {
			if ((((size_t)l & 0x3f) << 8 | rd_u8(r)) >= at)
				rd_fail(r, "forward pointer");
			return;
		}
		if (l > DNS_LABEL_MAX) {
			rd_fail(r, "bad label type");
			return;
		}
		if ((n += 1 + (size_t)l) + 1 > DNS_NAME_MAX) {
			rd_fail(r, "name too long");
			return;
		}
		rd_take(r, l);
	}
}

/*
 * Untrusted input (RFC 6891 section 6.1): the OPT RR, after its owner
 * (which the caller checked is the root) and type. Fills q->edns*. The
 * options must exactly fill RDATA; we implement none, so their contents
 * are ignored (section 6.1.2: unknown options are ignored).
 */
static void
read_opt(struct rd *r, struct dns_query *q)
{
	uint16_t	udp, rdlen, olen;
	uint32_t	ttl;
	struct rd	o;
	const uint8_t	*p;

	udp = rd_u16(r);
	ttl = rd_u32(r);
	rdlen = rd_u16(r);
	if ((p = rd_take(r, rdlen)) == NULL)
		return;
	rd_init(&o, p, rdlen);
	while (rd_left(&o) > 0) {
		(void)rd_u16(&o);		/* option code */
		olen = rd_u16(&o);
		rd_take(&o, olen);
	}
	if (o.err != NULL) {
		rd_fail(r, "bad EDNS option");
		return;
	}
	q->edns = 1;
	/* Section 6.2.3: values below 512 are treated as 512. */
	q->edns_udp = udp < DNS_UDP_MIN ? DNS_UDP_MIN : udp;
	q->edns_version = (uint8_t)(ttl >> 16);
	q->edns_do = (ttl & OPT_DO) != 0;
}

static uint16_t
get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

enum dns_parse_result
dns_parse_query(const uint8_t *pkt, size_t len, struct dns_query *q)
{
	struct rd	r;
	uint16_t	qdcount, ancount, nscount, arcount, type, i;
	size_t		off;
	int		nopt = 0;

	q->name = NULL;
	q->name_len = 0;
	q->nlabels = 0;
	q->qtype = q->qclass = 0;
	q->edns = 0;
	q->edns_udp = DNS_UDP_MIN;
	q->edns_version = 0;
	q->edns_do = 0;

	/* STYLE 7: a response or a runt is dropped before any work. */
	if (len < DNS_HEADER_LEN)
		return DNS_PARSE_DROP;
	/* The header is all there (len >= 12): read it in place. */
	q->id = get_u16(pkt + HDR_ID);
	q->flags = get_u16(pkt + HDR_FLAGS);
	if (q->flags & DNS_F_QR)
		return DNS_PARSE_DROP;
	if (DNS_OPCODE(q->flags) != DNS_OPCODE_QUERY)
		return DNS_PARSE_NOTIMP;
	qdcount = get_u16(pkt + HDR_QDCOUNT);
	ancount = get_u16(pkt + HDR_ANCOUNT);
	nscount = get_u16(pkt + HDR_NSCOUNT);
	arcount = get_u16(pkt + HDR_ARCOUNT);
	if (qdcount != 1)
		return DNS_PARSE_FORMERR;

	/* The question, without the cursor: the hot path of every query. */
	if (walk_qname(pkt + DNS_HEADER_LEN, len - DNS_HEADER_LEN, q) !=
	    NULL || len - DNS_HEADER_LEN - q->name_len < 4) {
		q->name = NULL;
		q->name_len = 0;	/* the question is not echoed */
		q->nlabels = 0;
		return DNS_PARSE_FORMERR;
	}
	off = DNS_HEADER_LEN + q->name_len;
	q->qtype = get_u16(pkt + off);
	q->qclass = get_u16(pkt + off + 2);
	off += 4;

	/* A query carries no answer or authority (RFC 1035 section 4.1). */
	if (ancount != 0 || nscount != 0)
		return DNS_PARSE_FORMERR;
	if (arcount == 0)
		return off == len ? DNS_PARSE_OK : DNS_PARSE_FORMERR;

	rd_init(&r, pkt, len);
	r.off = off;
	for (i = 0; i < arcount; i++) {
		/*
		 * Each RR takes at least 11 bytes, so a huge count fails on
		 * the length checks long before it costs anything.
		 */
		if (rd_left(&r) >= OPT_RR_LEN && r.p[r.off] == 0 &&
		    (r.p[r.off + 1] << 8 | r.p[r.off + 2]) == DNS_T_OPT) {
			/* RFC 6891 section 6.1.1: one OPT at most. */
			if (nopt++ > 0)
				return DNS_PARSE_FORMERR;
			rd_take(&r, 3);
			read_opt(&r, q);
		} else {
			dns_rd_skip_name(&r);
			type = rd_u16(&r);
			(void)rd_u16(&r);	/* class */
			(void)rd_u32(&r);	/* ttl */
			rd_take(&r, rd_u16(&r));
			/* Section 6.1.1: an OPT must have the root owner. */
			if (type == DNS_T_OPT)
				rd_fail(&r, "OPT not at the root");
		}
		if (r.err != NULL)
			return DNS_PARSE_FORMERR;
	}
	/* Trailing garbage means we misread the counts: FORMERR. */
	if (rd_left(&r) != 0)
		return DNS_PARSE_FORMERR;
	return DNS_PARSE_OK;
}

static void
set_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void
dns_writer_init(struct dns_writer *w, uint8_t *buf, size_t cap,
    const struct dns_query *q, int rcode)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->truncated = 0;
	w->overflow = 0;
	w->qdcount = w->ancount = w->nscount = w->arcount = 0;
	/* RFC 1035 section 4.1.1: copy the opcode and RD; we never recurse. */
	w->flags = DNS_F_QR | DNS_F_AA | (q->flags & (0x7800 | DNS_F_RD));
	if (!dns_room(w, DNS_HEADER_LEN)) {
		w->qend = 0;
		return;
	}
	memset(buf, 0, DNS_HEADER_LEN);
	set_u16(buf + HDR_ID, q->id);
	set_u16(buf + HDR_FLAGS, (uint16_t)(w->flags | (rcode & 0x0f)));
	w->len = DNS_HEADER_LEN;
	if (q->name_len > 0 && dns_room(w, q->name_len + 4)) {
		memcpy(buf + w->len, q->name, q->name_len);
		w->len += q->name_len;
		set_u16(buf + w->len, q->qtype);
		set_u16(buf + w->len + 2, q->qclass);
		w->len += 4;
		w->qdcount = 1;
	}
	w->overflow = 0;
	w->qend = w->len;
}

void
dns_rr_end(struct dns_writer *w, size_t start, size_t rdlen_off,
    int section)
{
	if (w->overflow || rdlen_off + 2 > w->len) {
		/* Roll back: a partial RR would corrupt the message. */
		w->len = start;
		w->overflow = 0;
		w->truncated = 1;
		return;
	}
	set_u16(w->buf + rdlen_off, (uint16_t)(w->len - rdlen_off - 2));
	switch (section) {
	case 0:
		w->ancount++;
		break;
	case 1:
		w->nscount++;
		break;
	case 2:
		w->arcount++;
		break;
	default:
		/* Our bug: do not count it anywhere, drop it. */
		w->len = start;
		break;
	}
}

void
dns_put_opt(struct dns_writer *w, uint16_t udp, int do_bit, int ext_rcode)
{
	size_t	start = dns_rr_begin(w), rdlen_off;

	dns_put_bytes(w, "", 1);		/* root owner */
	dns_put_u16(w, DNS_T_OPT);
	dns_put_u16(w, udp);
	/* TTL: extended rcode, version 0, DO, Z (section 6.1.3). */
	dns_put_u32(w, (uint32_t)((ext_rcode >> 4) & 0xff) << 24 |
	    (do_bit ? OPT_DO : 0));
	rdlen_off = w->len;
	dns_put_u16(w, 0);
	dns_rr_end(w, start, rdlen_off, 2);
}

void
dns_writer_rewind(struct dns_writer *w)
{
	w->len = w->qend;
	w->overflow = 0;
	w->ancount = w->nscount = w->arcount = 0;
}

