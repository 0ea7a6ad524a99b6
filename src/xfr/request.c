/*
 * request.c: the parser of zone transfer requests and signed queries
 * (RFC 5936 section 2.2, RFC 1995 section 3, RFC 8945 section 4.2).
 *
 * It decides whether a query is ours (AXFR, IXFR, or any query with a
 * TSIG RR) or dnsbl_answer's, and for ours reads the question, the IXFR
 * client's SOA serial and the TSIG RR, on the bounds-checked cursor of
 * core/buf.h. Names other than the question and the TSIG names are only
 * skipped (dns_rd_skip_name: pointers strictly backwards, never
 * followed). No I/O, no allocation, no logging.
 */
#include <string.h>

#include "core/buf.h"
#include "dns/dns.h"
#include "xfr/xfr.h"
#include "xfr/xfr_int.h"

#define RR_FIXED	10	/* type, class, ttl, rdlength */

/*
 * Untrusted input (RFC 8945 section 4.2): an uncompressed name into
 * OUT:dst (lower case), for the TSIG owner and algorithm: the MAC covers
 * them in canonical form, so a pointer is refused.
 */
size_t
xfr_rd_plain_name(struct rd *r, uint8_t *dst)
{
	size_t	n = 0;
	uint8_t	l;

	for (;;) {
		l = rd_u8(r);
		if (r->err != NULL)
			return 0;
		if (l > DNS_LABEL_MAX) {
			rd_fail(r, "compressed or bad TSIG name");
			return 0;
		}
		if (n + 1 + l + (l > 0 ? 1 : 0) > DNS_NAME_MAX) {
			rd_fail(r, "TSIG name too long");
			return 0;
		}
		dst[n++] = l;
		if (l == 0)
			return n;
		rd_bytes(r, dst + n, l);
		dns_lower(dst + n, dst + n, l);
		n += l;
	}
}

void
xfr_rd_tsig(struct rd *r, struct xfr_req *q)
{
	size_t		rdstart;
	uint16_t	rdlen, other;

	if (rd_u16(r) != DNS_C_ANY || rd_u32(r) != 0)
		rd_fail(r, "TSIG class or TTL");
	rdlen = rd_u16(r);
	rdstart = r->off;
	q->alg_len = xfr_rd_plain_name(r, q->alg);
	q->time = (uint64_t)rd_u16(r) << 32;
	q->time |= rd_u32(r);
	q->fudge = rd_u16(r);
	q->mac_len = rd_u16(r);
	if (q->mac_len > 64)
		rd_fail(r, "TSIG MAC too long");
	q->mac = rd_take(r, q->mac_len);
	q->orig_id = rd_u16(r);
	q->error = rd_u16(r);
	other = rd_u16(r);
	q->other = rd_take(r, other);
	q->other_len = q->other != NULL ? other : 0;
	if (r->err == NULL && r->off - rdstart != rdlen)
		rd_fail(r, "TSIG RDLENGTH");
}

/* Untrusted input (RFC 1995 section 3): the IXFR client's SOA. */
static void
read_soa(struct rd *r, struct xfr_req *q)
{
	size_t		rdstart;
	uint16_t	rdlen;

	dns_rd_skip_name(r);
	if (rd_u16(r) != DNS_T_SOA)
		rd_fail(r, "IXFR authority is not an SOA");
	(void)rd_u16(r);		/* class */
	(void)rd_u32(r);		/* ttl */
	rdlen = rd_u16(r);
	rdstart = r->off;
	dns_rd_skip_name(r);		/* mname */
	dns_rd_skip_name(r);		/* rname */
	q->serial = rd_u32(r);
	rd_take(r, 16);			/* refresh, retry, expire, minimum */
	if (r->err == NULL && r->off - rdstart != rdlen)
		rd_fail(r, "SOA RDLENGTH");
	q->soa = 1;
}

enum xfr_parse
xfr_request_parse(const uint8_t *pkt, size_t len, struct xfr_req *q)
{
	struct rd	r;
	uint16_t	qd, an, ns, ar, i, type;
	size_t		at;
	uint8_t		owner[DNS_NAME_MAX];
	int		nopt = 0, xfr;

	memset(q, 0, sizeof(*q));
	if (len < DNS_HEADER_LEN)
		return XFR_PARSE_DROP;
	rd_init(&r, pkt, len);
	q->q.id = rd_u16(&r);
	q->q.flags = rd_u16(&r);
	if (q->q.flags & DNS_F_QR)
		return XFR_PARSE_DROP;
	if (DNS_OPCODE(q->q.flags) != DNS_OPCODE_QUERY)
		return XFR_PARSE_PASS;
	qd = rd_u16(&r);
	an = rd_u16(&r);
	ns = rd_u16(&r);
	ar = rd_u16(&r);
	/* Most queries: one question, nothing else, no transfer type. */
	if (qd != 1)
		return XFR_PARSE_PASS;
	dns_rd_qname(&r, &q->q);
	q->q.qtype = rd_u16(&r);
	q->q.qclass = rd_u16(&r);
	if (r.err != NULL)
		return XFR_PARSE_PASS;		/* dnsbl_answer: FORMERR */
	xfr = q->q.qtype == DNS_T_AXFR || q->q.qtype == DNS_T_IXFR;
	if (!xfr && ar == 0)
		return XFR_PARSE_PASS;
	q->q.edns_udp = DNS_UDP_MIN;
	if (an != 0)
		rd_fail(&r, "answer records in a query");
	/* RFC 1995 section 3: IXFR carries the client's SOA; else nothing. */
	if (ns > 1 || (ns == 1 && q->q.qtype != DNS_T_IXFR))
		rd_fail(&r, "authority records in a query");
	if (ns == 1 && r.err == NULL)
		read_soa(&r, q);
	for (i = 0; i < ar && r.err == NULL; i++) {
		at = r.off;
		/* Each RR takes at least 11 bytes: a huge count fails fast. */
		if (rd_left(&r) >= 1 + RR_FIXED && r.p[r.off] == 0 &&
		    (r.p[r.off + 1] << 8 | r.p[r.off + 2]) == DNS_T_OPT) {
			if (nopt++ > 0) {
				rd_fail(&r, "two OPT records");
				break;
			}
			rd_take(&r, 3);
			q->q.edns = 1;
			q->q.edns_udp = rd_u16(&r);
			if (q->q.edns_udp < DNS_UDP_MIN)
				q->q.edns_udp = DNS_UDP_MIN;
			(void)rd_u8(&r);	/* extended rcode */
			q->q.edns_version = rd_u8(&r);
			q->q.edns_do = (rd_u16(&r) & 0x8000) != 0;
			rd_take(&r, rd_u16(&r));	/* options */
			continue;
		}
		/* A TSIG owner is read whole; any other name is skipped. */
		if (rd_left(&r) > 0 && r.p[r.off] < 0xc0) {
			struct rd	peek = r;
			size_t		n = xfr_rd_plain_name(&peek, owner);

			if (peek.err == NULL && rd_left(&peek) >= 2 &&
			    (peek.p[peek.off] << 8 | peek.p[peek.off + 1]) ==
			    XFR_T_TSIG) {
				/* RFC 8945 section 5.1: the last record. */
				if (i != ar - 1) {
					rd_fail(&r, "TSIG not last");
					break;
				}
				r = peek;
				(void)rd_u16(&r);
				memcpy(q->key, owner, n);
				q->key_len = n;
				q->tsig = 1;
				q->tsig_off = at;
				xfr_rd_tsig(&r, q);
				continue;
			}
		}
		dns_rd_skip_name(&r);
		type = rd_u16(&r);
		(void)rd_u16(&r);
		(void)rd_u32(&r);
		rd_take(&r, rd_u16(&r));
		if (type == DNS_T_OPT || type == XFR_T_TSIG)
			rd_fail(&r, "OPT or TSIG with a bad owner");
	}
	if (r.err == NULL && rd_left(&r) != 0)
		rd_fail(&r, "trailing bytes");
	/* A plain query that is bad is dnsbl_answer's to refuse. */
	if (r.err != NULL)
		return xfr || q->tsig ? XFR_PARSE_FORMERR : XFR_PARSE_PASS;
	if (!xfr && !q->tsig)
		return XFR_PARSE_PASS;
	return XFR_PARSE_OK;
}
