/*
 * dnsbl.h: the DNSBL answer path (RFC 5782) and the DNS server that runs
 * it. dnsbl_answer is pure protocol code; server.c owns the sockets.
 */
#ifndef FAIRLIST_DNSBL_H
#define FAIRLIST_DNSBL_H

#include <stddef.h>
#include <stdint.h>

struct index;

#define DNSBL_NS_MAX		8
#define DNSBL_TXT_MAX		1024	/* bytes of an expanded TXT answer */

/* Server-wide DNS settings, fixed after startup. */
struct dnsbl_conf {
	const char	*ns[DNSBL_NS_MAX];	/* NS names for every zone */
	size_t		 nns;
	const char	*soa_mname;		/* primary name server */
	const char	*soa_rname;		/* mailbox, as a DNS name */
	uint32_t	 soa_refresh, soa_retry, soa_expire;
	uint32_t	 soa_minimum;		/* negative-caching TTL */
	uint32_t	 ttl;			/* A/TXT answers */
	uint32_t	 ns_ttl;		/* SOA/NS records */
};

/* Fill c with the documented defaults (see docs/CONFIG.md). */
void	dnsbl_conf_defaults(struct dnsbl_conf *c);

/*
 * Answer one query packet (pkt, len) from snapshot idx at time now into
 * out (outsize bytes; at least DNS_TCP_MAX for TCP, DNS_EDNS_MAX for UDP).
 * Over UDP the answer is limited to 512 bytes, or the EDNS payload size
 * capped at DNS_EDNS_MAX, and sets TC if it does not fit. Returns the
 * response length, or 0 when the packet must be dropped (a response, or
 * shorter than a header).
 *
 * TXT templates expand $ip (the queried address), $reason, $listed and
 * $expires (ISO 8601 UTC dates), $zone, $url (the zone's URL template,
 * itself expanded) and $$; anything else after $ is copied as is.
 */
size_t	dnsbl_answer(const struct dnsbl_conf *c, const struct index *idx,
	    const uint8_t *pkt, size_t len, uint8_t *out, size_t outsize,
	    int tcp, int64_t now);

#endif /* FAIRLIST_DNSBL_H */
