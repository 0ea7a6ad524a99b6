/*
 * notify.c: the NOTIFY messages fairlist sends its secondaries after a
 * zone changes, and the reading of their answers (RFC 1996).
 *
 * A NOTIFY carries the zone in its question (type SOA) and, as section
 * 3.7 allows, the zone's SOA serial in the answer section, so that a
 * secondary already at that serial need not ask. It is signed with the
 * transfer key when one is set (RFC 8945), and then its answer must be
 * signed too: xfr_notify_verify walks the answer to its last record, the
 * TSIG, and checks its MAC over our request's (section 5.3). No I/O, no
 * logging: dnsbl/notify.c sends, retries and logs.
 */
#include <string.h>

#include "dns/dns.h"
#include "core/buf.h"
#include "xfr/xfr.h"
#include "xfr/xfr_int.h"

size_t
xfr_notify_build(const char *zone, uint32_t serial, uint16_t id,
    const struct xfr_key *key, uint8_t *out, size_t cap, int64_t now,
    uint8_t *mac)
{
	struct dns_writer	w;
	struct dns_query	q;
	uint8_t			name[DNS_NAME_MAX];
	size_t			start, rdl, len;

	memset(&q, 0, sizeof(q));
	q.id = id;
	q.flags = DNS_OPCODE_NOTIFY << 11;
	q.qtype = DNS_T_SOA;
	q.qclass = DNS_C_IN;
	q.name = name;
	if ((q.name_len = dns_name_from_text(zone, name,
	    sizeof(name))) == 0 || cap < XFR_TSIG_ROOM + DNS_UDP_MIN)
		return 0;
	dns_writer_init(&w, out, cap - XFR_TSIG_ROOM, &q, DNS_R_NOERROR);
	w.flags &= (uint16_t)~DNS_F_QR;		/* a request */
	start = dns_rr_begin(&w);
	dns_put_name_ptr(&w, NULL, 0, DNS_HEADER_LEN);
	dns_put_u16(&w, DNS_T_SOA);
	dns_put_u16(&w, DNS_C_IN);
	dns_put_u32(&w, 0);
	rdl = w.len;
	dns_put_u16(&w, 0);
	/* Section 3.7: only the serial is read; the names are the root. */
	dns_put_u16(&w, 0);
	dns_put_u32(&w, serial);
	dns_put_u32(&w, 0);
	dns_put_u32(&w, 0);
	dns_put_u32(&w, 0);
	dns_put_u32(&w, 0);
	dns_rr_end(&w, start, rdl, 0);
	len = dns_writer_finish(&w, DNS_R_NOERROR);
	if (len == 0 || w.truncated)
		return 0;
	return key != NULL ? xfr_tsig_sign_request(key, out, len, cap, now,
	    mac) : len;
}

int
xfr_notify_reply(const uint8_t *pkt, size_t len, uint16_t *id, int *rcode)
{
	uint16_t	flags;

	if (len < DNS_HEADER_LEN)
		return -1;
	flags = (uint16_t)(pkt[2] << 8 | pkt[3]);
	if (!(flags & DNS_F_QR) || DNS_OPCODE(flags) != DNS_OPCODE_NOTIFY)
		return -1;
	*id = (uint16_t)(pkt[0] << 8 | pkt[1]);
	*rcode = flags & 0x0f;
	return 0;
}

int
xfr_notify_verify(const struct xfr_key *k, const uint8_t req_mac[XFR_MAC_LEN],
    const uint8_t *pkt, size_t len, int64_t now)
{
	struct rd	r;
	struct xfr_req	q;
	unsigned	qd, rest, i;
	size_t		at;

	memset(&q, 0, sizeof(q));
	if (len < DNS_HEADER_LEN)
		return XFR_NOTIFY_UNSIGNED;
	rd_init(&r, pkt, len);
	rd_take(&r, 4);				/* id, flags */
	qd = rd_u16(&r);
	rest = rd_u16(&r);
	rest += rd_u16(&r);
	rest += rd_u16(&r);
	/* RFC 8945 section 5.1: the TSIG is the last additional record. */
	if (pkt[10] == 0 && pkt[11] == 0)
		return XFR_NOTIFY_UNSIGNED;
	for (i = 0; i < qd && r.err == NULL; i++) {
		dns_rd_skip_name(&r);
		rd_take(&r, 4);
	}
	/* Each record takes 11 bytes at least: a huge count fails fast. */
	for (i = 0; i + 1 < rest && r.err == NULL; i++) {
		dns_rd_skip_name(&r);
		rd_take(&r, 8);
		rd_take(&r, rd_u16(&r));
	}
	at = r.off;
	q.key_len = xfr_rd_plain_name(&r, q.key);
	if (rd_u16(&r) != XFR_T_TSIG)
		rd_fail(&r, "the last record is no TSIG");
	xfr_rd_tsig(&r, &q);
	if (r.err != NULL || rd_left(&r) != 0)
		return XFR_NOTIFY_UNSIGNED;
	q.tsig = 1;
	q.tsig_off = at;
	return xfr_tsig_verify_reply(k, req_mac, pkt, &q, now);
}
