/*
 * xfr.h: zone transfers (RFC 5936 AXFR) with TSIG (RFC 8945): a zone of
 * the index snapshot as the records a standard DNS server needs to
 * answer as fairlist does, the transfer request parser, TSIG signing and
 * verification, and the stream of response messages. Protocol code only:
 * bytes in, bytes out; dnsbl/server.c owns the sockets.
 */
#ifndef FAIRLIST_XFR_H
#define FAIRLIST_XFR_H

#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"

struct index;
struct dnsbl_conf;

#define XFR_ALLOW_MAX		32	/* allow prefixes */
#define XFR_NOTIFY_MAX		16	/* notify targets */
#define XFR_KEY_NAME_MAX	255	/* wire bytes of a TSIG key name */
#define XFR_KEY_MAX		64	/* bytes of a TSIG secret */
#define XFR_MAC_LEN		32	/* HMAC-SHA256 */
#define XFR_FUDGE		300	/* seconds, RFC 8945 section 10 */
#define XFR_EXPAND_MAX		65536	/* default dns { transfer { expand-max } } */
#define XFR_MSG_MAX		16384	/* bytes of one AXFR message */

/* --- the zone as records (zone.c) --- */

/* What a transfer of a zone holds, and what it could not hold. */
struct xfr_zone_stats {
	size_t	names;		/* owner names with A and TXT */
	size_t	wildcards;	/* of them, "*." names */
	size_t	expanded;	/* of them, addresses of ranges */
	size_t	left_out;	/* ranges not expanded: past expand-max */
};

/* One owner name of the zone: an address, or a wildcard over a prefix. */
struct xfr_name {
	uint8_t		a[ADDR_LEN];	/* address or prefix */
	uint8_t		plen;		/* 128-bit space; a multiple of the
					   label width (8 for IPv4, 4 IPv6) */
	uint8_t		v4;
	uint8_t		wild;		/* "*." + the prefix's labels */
	uint32_t	val;		/* index into the zone's values */
};

struct xfr_zone;

/*
 * Build zone number zone of snapshot idx at time now as records: SOA and
 * NS at the apex (from the caller's dnsbl_conf when writing), then one A
 * and one TXT per name. A name is an address (a listed /32 or /128, or
 * an address of a range that cannot be a wildcard) or a wildcard
 * "*.<prefix>" for an octet (IPv4) or nibble (IPv6) aligned block whose
 * addresses all answer alike, placed so that RFC 4592 synthesis gives
 * every address name exactly fairlist's answer: a block holding an
 * exclusion or another listing is split into its 256 (or 16) children,
 * and a block never gets a wildcard where a name of the other family
 * could fall under it. Ranges that need expanding (the TXT template uses
 * $ip, so no wildcard can answer) are expanded while the zone's expanded
 * names stay within expand_max; the rest are left out and counted in
 * OUT:st. Everything the result needs is copied: idx may be freed at
 * once. Returns NULL for a bad zone number.
 */
struct xfr_zone	*xfr_zone_build(const struct index *idx, int zone,
		    int64_t now, size_t expand_max, struct xfr_zone_stats *st);
void		 xfr_zone_free(struct xfr_zone *z);	/* NULL is a no-op */

/* The zone's name (lower case, no trailing dot) and SOA serial. */
const char	*xfr_zone_name(const struct xfr_zone *z);
uint32_t	 xfr_zone_serial(const struct xfr_zone *z);
size_t		 xfr_zone_count(const struct xfr_zone *z);
/* Name i (< xfr_zone_count), valid as long as z. */
const struct xfr_name *xfr_zone_get(const struct xfr_zone *z, size_t i);

/*
 * The owner of n in wire form below the zone (labels, no root, no
 * zone) into OUT:w (at least 2 * 32 + 2 bytes). Returns the length.
 */
size_t	xfr_name_labels(const struct xfr_name *n, uint8_t *w);
/* The A record's address (host order) of n. */
uint32_t xfr_name_code(const struct xfr_zone *z, const struct xfr_name *n);
/*
 * The TXT text of n (expanded as the DNS server expands it for the
 * address; a wildcard's text does not depend on the address) into dst,
 * at most cap bytes. Returns the length.
 */
size_t	xfr_name_txt(const struct xfr_zone *z, const struct xfr_name *n,
	    char *dst, size_t cap);

#endif /* FAIRLIST_XFR_H */
