/*
 * notify.c: the NOTIFY messages fairlist sends its secondaries after a
 * zone changes, and the reading of their answers (RFC 1996).
 *
 * A NOTIFY carries the zone in its question (type SOA) and, as section
 * 3.7 allows, the zone's SOA serial in the answer section, so that a
 * secondary already at that serial need not ask. It is signed with the
 * transfer key when one is set (RFC 8945). The answer is only matched by
 * id and opcode: its TSIG is not verified, so a forged answer can only
 * stop our retries (the secondary then refreshes at the SOA refresh).
 * No I/O, no logging: dnsbl/notify.c sends, retries and logs.
 */
#include <string.h>

#include "dns/dns.h"
#include "xfr/xfr.h"

size_t
xfr_notify_build(const char *zone, uint32_t serial, uint16_t id,
    const struct xfr_key *key, uint8_t *out, size_t cap, int64_t now)
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
	return key != NULL ? xfr_tsig_sign_request(key, out, len, cap, now) :
	    len;
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
