/*
 * dnsbl.h: the DNSBL answer path (RFC 5782) and the DNS server that runs
 * it. dnsbl_answer is pure protocol code; server.c owns the sockets.
 */
#ifndef FAIRLIST_DNSBL_H
#define FAIRLIST_DNSBL_H

#include <stddef.h>
#include <stdint.h>

#include "xfr/xfr.h"

struct index;

#define DNSBL_NS_MAX		8
#define DNSBL_WIRE_MAX		255	/* a name in wire form (DNS_NAME_MAX) */
/*
 * Bytes of an expanded TXT answer; the rest is cut. Large enough for a
 * template that repeats a full STORE_REASON_MAX reason a few times (such
 * answers go over TCP or big EDNS: a UDP answer that does not fit is sent
 * empty with TC).
 */
#define DNSBL_TXT_MAX		4096

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
	struct xfr_conf	 xfr;			/* dns { transfer { } } */
	const char	*public_url;		/* base of $url (list.h's
						   list_txt_expand_url),
						   NULL: as stored */

	/*
	 * Wire forms of the names above, filled by dnsbl_conf_prepare so
	 * that negative answers do not convert them on every query. Until
	 * prepared is set, dnsbl_answer converts the text names itself.
	 */
	int		 prepared;
	uint64_t	 gen;		/* new on each prepare (caches) */
	uint8_t		 w_mname[DNSBL_WIRE_MAX], w_rname[DNSBL_WIRE_MAX];
	uint8_t		 w_ns[DNSBL_NS_MAX][DNSBL_WIRE_MAX];
	uint8_t		 w_mname_len, w_rname_len, w_ns_len[DNSBL_NS_MAX];
};

/* Fill c with the documented defaults (see docs/CONFIG.md). */
void	dnsbl_conf_defaults(struct dnsbl_conf *c);

/*
 * Check the names of c (ns, soa_mname, soa_rname: DNS names of at most
 * 253 characters, no empty labels or control characters) and store their
 * wire forms in c. Call after filling c and before serving; call again
 * after changing a name. Returns 0, or -1 with *OUT:bad (may be NULL)
 * pointing at the first bad name.
 */
int	dnsbl_conf_prepare(struct dnsbl_conf *c, const char **bad);

/*
 * Answer one query packet (pkt, len) from snapshot idx at time now into
 * out (outsize bytes; at least DNS_TCP_MAX for TCP, DNS_EDNS_MAX for UDP).
 * Over UDP the answer is limited to 512 bytes, or the EDNS payload size
 * capped at DNS_EDNS_MAX, and sets TC if it does not fit. Returns the
 * response length, or 0 when the packet must be dropped (a response, or
 * shorter than a header).
 *
 * TXT templates expand $ip (the queried address), $reason, $listed and
 * $expires (ISO 8601 UTC dates; $expires is "never" for 0), $zone, $url
 * (the zone's URL template, itself expanded, except for $url) and $$;
 * anything else after $ is copied as is. The expansion is cut at
 * DNSBL_TXT_MAX bytes and split into 255-byte character-strings.
 *
 * Address names are <d>.<c>.<b>.<a>.<zone> with decimal labels 0-255
 * without leading zeros ("0" alone is fine; "01" makes the name NXDOMAIN)
 * and 32 one-digit hex labels (either case) for IPv6 (RFC 5782 section
 * 2.4). Negative answers carry the SOA, TTL min(ns_ttl, soa_minimum).
 * ANY gets one RRset (RFC 8482 section 4.1): a listed name's A record, the
 * apex's SOA, over UDP and TCP alike.
 * Outside every zone, for classes other than IN/ANY and for AXFR/IXFR
 * (transfers are xfr_handle's: the server hands them there first) the
 * answer is REFUSED without AA.
 *
 * No allocation, lock or stdio: safe to call from any number of threads
 * on the same snapshot.
 */
size_t	dnsbl_answer(const struct dnsbl_conf *c, const struct index *idx,
	    const uint8_t *pkt, size_t len, uint8_t *out, size_t outsize,
	    int tcp, int64_t now);

/*
 * dnsbl_answer without its fast path (the common A and TXT query of an
 * IPv4 address, read in one pass): the same answer by the general road,
 * dns_parse_query and find_zone. For the tests and the fuzz target that
 * hold the two to the same bytes.
 */
size_t	dnsbl_answer_general(const struct dnsbl_conf *c,
	    const struct index *idx, const uint8_t *pkt, size_t len,
	    uint8_t *out, size_t outsize, int tcp, int64_t now);

/* 1 if dnsbl_answer would answer pkt from idx by its fast path, else 0. */
int	dnsbl_answer_is_fast(const struct index *idx, const uint8_t *pkt,
	    size_t len);

#endif /* FAIRLIST_DNSBL_H */
