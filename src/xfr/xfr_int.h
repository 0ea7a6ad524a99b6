/*
 * xfr_int.h: what the files of src/xfr share and no one else sees: the
 * zone as records (zone.c builds it, ixfr.c diffs two of them).
 */
#ifndef FAIRLIST_XFR_INT_H
#define FAIRLIST_XFR_INT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "list/list.h"
#include "xfr/xfr.h"

/*
 * A zone as records. Its names are in the order xfr_zone_build writes
 * them, which is xfr_name_cmp's: IPv4 before IPv6, then by address, a
 * wildcard's block before the names below it.
 */
struct xfr_zone {
	atomic_int		 refs;		/* xfr_zone_ref, xfr_zone_free */
	struct index_zone	 z;		/* strings owned */
	struct index_value	*values;	/* reasons owned */
	size_t			 nvalues;
	struct xfr_name		*names;
	size_t			 n, cap;
	int			 ip_free;	/* TXT does not use $ip */
	struct xfr_zone_stats	 st;		/* as built */
};

/*
 * Untrusted input (RFC 8945 section 4.2): an uncompressed name at r into
 * OUT:dst (DNS_NAME_MAX bytes, lower case), for TSIG owner and algorithm
 * names, whose MAC covers the canonical form. Returns its length, 0 with
 * r->err set if it is compressed, bad or too long (request.c).
 */
size_t	xfr_rd_plain_name(struct rd *r, uint8_t *dst);

/*
 * Untrusted input (RFC 8945 section 4.2): the TSIG RR at r after its
 * owner and type (class, TTL, RDATA) into the TSIG fields of OUT:q;
 * r->err is set if it is malformed (request.c).
 */
void	xfr_rd_tsig(struct rd *r, struct xfr_req *q);

/*
 * Check the TSIG of an answer (pkt; its TSIG parsed into r, fields tsig
 * ... other) to a request we signed with k whose MAC was req_mac, at now
 * (RFC 8945 sections 5.3, 5.4). Returns 0, XFR_TSIG_BADKEY (another key
 * or algorithm), the answer's own TSIG error (the peer refused our
 * signature), XFR_TSIG_BADSIG (a bad or short MAC) or XFR_TSIG_BADTIME
 * (tsig.c).
 */
int	xfr_tsig_verify_reply(const struct xfr_key *k,
	    const uint8_t req_mac[XFR_MAC_LEN], const uint8_t *pkt,
	    const struct xfr_req *r, int64_t now);

#endif /* FAIRLIST_XFR_INT_H */
