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
#include <sys/socket.h>

#include "core/addr.h"
#include "dns/dns.h"

struct index;
struct dnsbl_conf;

#define XFR_ALLOW_MAX		32	/* allow prefixes */
#define XFR_NOTIFY_MAX		16	/* notify targets */
#define XFR_NOTIFY_TRIES	5	/* sends of one NOTIFY */
#define XFR_NOTIFY_RETRY_MS	1000	/* first retry; doubles after each */
#define XFR_NOTIFY_RETRY_CAP_MS	4000	/* up to this */
#define DNS_OPCODE_NOTIFY	4	/* RFC 1996 */
#define XFR_KEY_NAME_MAX	255	/* wire bytes of a TSIG key name */
#define XFR_KEY_MAX		64	/* bytes of a TSIG secret */
#define XFR_MAC_LEN		32	/* HMAC-SHA256 */
#define XFR_FUDGE		300	/* seconds, RFC 8945 section 10 */
#define XFR_EXPAND_MAX		65536	/* default dns { transfer { expand-max } } */
#define XFR_MSG_MAX		16384	/* bytes of one AXFR message */
#define XFR_TSIG_ROOM		(XFR_KEY_NAME_MAX + 64)	/* a TSIG RR */

#define XFR_T_TSIG		250	/* RFC 8945 */
#define XFR_R_NOTAUTH		9
/* TSIG errors (RFC 8945 section 3), in the TSIG RR's error field. */
#define XFR_TSIG_BADSIG		16
#define XFR_TSIG_BADKEY		17
#define XFR_TSIG_BADTIME	18
#define XFR_TSIG_BADTRUNC	22

/* A TSIG key: its name (wire form, lower case) and secret. */
struct xfr_key {
	uint8_t		name[XFR_KEY_NAME_MAX];
	size_t		name_len;
	uint8_t		secret[XFR_KEY_MAX];
	size_t		len;
};

/* dns { transfer { } } (docs/CONFIG.md). Zeroed: nobody may transfer. */
struct xfr_conf {
	struct addr_prefix	allow[XFR_ALLOW_MAX];
	size_t			nallow;
	int			tsig;		/* key set: required */
	struct xfr_key		key;
	struct sockaddr_storage	notify[XFR_NOTIFY_MAX];
	socklen_t		notify_len[XFR_NOTIFY_MAX];
	size_t			nnotify;
	size_t			expand_max;	/* 0: XFR_EXPAND_MAX */
};

/*
 * Set OUT:k from a key name (text) and a base64 secret. Returns 0, or -1
 * with a static message in *OUT:err.
 */
int	xfr_key_set(struct xfr_key *k, const char *name, const char *b64,
	    const char **err);

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
/*
 * A zone is counted: xfr_zone_ref takes one more reference (returns z),
 * xfr_zone_free drops one and frees the zone with the last. Not
 * thread-safe: one thread (the TCP loop) shares zones.
 */
struct xfr_zone	*xfr_zone_ref(struct xfr_zone *z);
void		 xfr_zone_free(struct xfr_zone *z);	/* NULL is a no-op */

/* The zone's name (lower case, no trailing dot) and SOA serial. */
const char	*xfr_zone_name(const struct xfr_zone *z);
uint32_t	 xfr_zone_serial(const struct xfr_zone *z);
size_t		 xfr_zone_count(const struct xfr_zone *z);
/* What xfr_zone_build said of z (its OUT:st). */
const struct xfr_zone_stats *xfr_zone_stats(const struct xfr_zone *z);
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

/* --- IXFR: differences and the zones kept for them (ixfr.c) --- */

#define XFR_HISTORY_MAX		4	/* versions kept per zone */

/* One record of a difference: name i of its zone, its A or its TXT. */
struct xfr_change {
	uint32_t	i;
	uint16_t	type;		/* DNS_T_A or DNS_T_TXT */
};

/* The records to delete from old and to add from new (RFC 1995 4). */
struct xfr_diff {
	struct xfr_change	*del;		/* names of old */
	struct xfr_change	*add;		/* names of new */
	size_t			 ndel, nadd;
};

/*
 * Order of two names as a zone holds them: IPv4 first, then by address,
 * then the shorter prefix (a wildcard before the names below it).
 * Returns <0, 0 or >0.
 */
int	xfr_name_cmp(const struct xfr_name *a, const struct xfr_name *b);

/*
 * The difference from zone old to zone new (both built by
 * xfr_zone_build) into OUT:d: every A and TXT record that old has and
 * new has not, and the reverse; a name whose code or text changed has
 * its old record deleted and its new one added. Returns 0, or -1 (d
 * empty) when the difference would exceed max records (send the whole
 * zone instead) or a zone's names are out of order. xfr_diff_free
 * frees d.
 */
int	xfr_zone_diff(const struct xfr_zone *old, const struct xfr_zone *new,
	    size_t max, struct xfr_diff *d);
void	xfr_diff_free(struct xfr_diff *d);

/*
 * The zones as they were transferred, by zone name, serial and a hash
 * of the apex records (SOA fields and NS), at most XFR_HISTORY_MAX per
 * zone name (the least recently used go first). A secondary asking IXFR
 * from a serial gets the difference from the kept zone of that serial.
 * Kept in memory; after a restart the daemon puts in the zone's older
 * versions read back from the store (xfr_history_keep_old). Thread-safe
 * (a mutex): the TCP loop and the reload thread share it.
 */
struct xfr_history;

struct xfr_history	*xfr_history_new(void);
void			 xfr_history_free(struct xfr_history *h);
/*
 * The kept zone of (zone, serial, apex), with a reference the caller
 * drops with xfr_zone_free, or NULL.
 */
struct xfr_zone		*xfr_history_get(struct xfr_history *h,
			    const char *zone, uint32_t serial, uint64_t apex);
/* Keep z (the history takes its own reference) as (serial, apex). */
void			 xfr_history_put(struct xfr_history *h,
			    struct xfr_zone *z, uint32_t serial, uint64_t apex);
size_t			 xfr_history_count(struct xfr_history *h);
/*
 * Build zone (its name) of idx at now with c's settings and keep it in
 * h, as a transfer of it would (axfr.c). Returns 0, -1 if idx has no
 * such zone.
 */
int			 xfr_history_keep(struct xfr_history *h,
			    const struct dnsbl_conf *c, const struct index *idx,
			    const char *zone, int64_t now);
/*
 * Keep z as (serial, apex) as an older version, read back from the
 * store: used least (the first to go), never replacing a kept version of
 * that serial, and not kept when XFR_HISTORY_MAX versions of the zone
 * are.
 */
void			 xfr_history_put_old(struct xfr_history *h,
			    struct xfr_zone *z, uint32_t serial, uint64_t apex);
/*
 * xfr_history_keep for idx, a version read back from the store
 * (index_load_version) at its time now: kept by xfr_history_put_old.
 */
int			 xfr_history_keep_old(struct xfr_history *h,
			    const struct dnsbl_conf *c, const struct index *idx,
			    const char *zone, int64_t now);

/* --- the request (request.c) --- */

/* A parsed query that zone transfers handle. */
struct xfr_req {
	struct dns_query	 q;		/* header, question, EDNS */
	int			 soa;		/* IXFR: an SOA in authority */
	uint32_t		 serial;	/* its serial */
	int			 tsig;		/* a TSIG RR came, last */
	size_t			 tsig_off;	/* where it starts */
	uint8_t			 key[DNS_NAME_MAX];	/* lower case */
	size_t			 key_len;
	uint8_t			 alg[DNS_NAME_MAX];	/* lower case */
	size_t			 alg_len;
	uint64_t		 time;		/* 48 bits */
	uint16_t		 fudge;
	uint16_t		 mac_len;
	const uint8_t		*mac;		/* into the packet */
	uint16_t		 orig_id;
	uint16_t		 error;
	const uint8_t		*other;		/* other data, into the packet */
	uint16_t		 other_len;
};

enum xfr_parse {
	XFR_PARSE_PASS,		/* not ours: no transfer, no TSIG */
	XFR_PARSE_OK,		/* a transfer or a signed query */
	XFR_PARSE_FORMERR,	/* answer FORMERR (q.id and flags valid) */
	XFR_PARSE_DROP		/* a response, or shorter than a header */
};

/*
 * Untrusted input (RFC 1035 section 4.1, RFC 5936 section 2.2, RFC 1995
 * section 3, RFC 8945 section 4.2): parse a query. A QUERY whose type is
 * AXFR or IXFR, or that carries a TSIG RR, is ours (XFR_PARSE_OK); any
 * other packet, including other opcodes, is XFR_PARSE_PASS for
 * dnsbl_answer. Checks QDCOUNT=1 and an uncompressed question name,
 * ANCOUNT=0, NSCOUNT=0 (or one SOA for IXFR), at most one OPT, and a
 * TSIG only as the last record, with an uncompressed key and algorithm
 * name, class ANY, TTL 0, a MAC of at most 64 bytes and RDATA filled
 * exactly. OUT:r borrows pkt.
 */
enum xfr_parse	xfr_request_parse(const uint8_t *pkt, size_t len,
		    struct xfr_req *r);

/* --- TSIG (tsig.c) --- */

/* The running state of a signed exchange (RFC 8945 section 5.3.1). */
struct xfr_tsig {
	const struct xfr_key	*key;	/* borrowed */
	uint8_t			 mac[XFR_MAC_LEN];	/* the prior MAC */
	size_t			 mac_len;
	uint64_t		 time;
	uint16_t		 fudge;
	uint16_t		 id;		/* original id */
	uint16_t		 error;		/* for the first response */
	uint64_t		 other_time;	/* BADTIME: our time */
	int			 first;		/* next is the first reply */
};

/*
 * Verify the TSIG of request r (pkt, len) with key k at time now (RFC
 * 8945 section 5.2). Returns 0, XFR_TSIG_BADKEY (another key or
 * algorithm: only hmac-sha256 is known), XFR_TSIG_BADSIG,
 * XFR_TSIG_BADTIME (time signed more than fudge away; the MAC checked
 * first) or XFR_TSIG_BADTRUNC (a MAC of 16-31 bytes), or -1 for a MAC
 * shorter than 16 bytes (FORMERR). For 0 and BADTIME, OUT:t is ready to
 * sign the response. MACs are compared in constant time.
 */
int	xfr_tsig_verify(const struct xfr_key *k, const uint8_t *pkt,
	    size_t len, const struct xfr_req *r, int64_t now,
	    struct xfr_tsig *t);

/*
 * Sign the message in buf (len bytes, room for cap) with t at now:
 * append the TSIG RR and add it to ARCOUNT. The first message covers the
 * request MAC and all TSIG variables, later ones the prior MAC and the
 * timers (RFC 8945 sections 5.3 and 5.3.1). Returns the new length, or 0
 * if it does not fit.
 */
size_t	xfr_tsig_sign(struct xfr_tsig *t, uint8_t *buf, size_t len,
	    size_t cap, int64_t now);

/*
 * Sign a request we send (a NOTIFY) in buf (len bytes, room for cap)
 * with key k at now (RFC 8945 section 4.3.3: the message and all the
 * variables), its MAC into OUT:mac unless that is NULL (the answer's
 * MAC covers it). Returns the new length, or 0 if it does not fit.
 */
size_t	xfr_tsig_sign_request(const struct xfr_key *k, uint8_t *buf,
	    size_t len, size_t cap, int64_t now, uint8_t *mac);

/*
 * Append an unsigned TSIG RR (no MAC) with error to buf, naming r's key
 * and algorithm, as BADKEY and BADSIG replies need (RFC 8945 5.2.1,
 * 5.2.2). Returns the new length, or 0 if it does not fit.
 */
size_t	xfr_tsig_unsigned(const struct xfr_req *r, uint16_t error,
	    uint8_t *buf, size_t len, size_t cap);

/* --- the transfer (axfr.c) --- */

struct xfr_stream;

/* What xfr_handle did, for the caller's log line. */
struct xfr_result {
	int			 rcode;
	const char		*why;	/* static: why refused, or NULL */
	const char		*zone;	/* borrowed from the snapshot, or NULL */
	uint32_t		 serial;
	struct xfr_zone_stats	 st;
	int			 ixfr;	/* 1: a difference, not the zone */
	uint32_t		 from;	/* IXFR: the client's serial */
	size_t			 deleted, added;	/* IXFR: records */
	const char		*whole;	/* IXFR as the whole zone: why */
};

/*
 * Handle a request xfr_request_parse accepted (r, from pkt, len), sent by
 * peer (an address) over tcp or UDP, with c's transfer settings and
 * answers and snapshot idx at now. Either the one response is written to
 * out (outsize bytes, at least DNS_TCP_MAX for TCP) and its length
 * returned, or a transfer starts: *OUT:stream is set (the caller frees
 * it) and 0 returned. A signed query that is no transfer is answered by
 * dnsbl_answer and the answer signed. Transfers need the peer in allow
 * and, when a key is set, the key; else REFUSED. AXFR over UDP is
 * REFUSED. IXFR from a serial at or past ours gets our SOA alone (RFC
 * 1995 section 2); over UDP an older serial gets an empty answer with TC
 * (retry over TCP). Over TCP, h (NULL over UDP) gives the zone as it was
 * at the client's serial: the answer is the difference (one condensed
 * sequence: our SOA, the old SOA, deletions, our SOA, additions, our
 * SOA), or the whole zone (section 4) when that serial is not kept, or
 * the difference is not smaller than the zone. The zone transferred is
 * kept in h. The stream copies what it needs: idx and c may go once this
 * returns. OUT:res says what happened.
 */
size_t	xfr_handle(const struct dnsbl_conf *c, const struct index *idx,
	    const uint8_t *pkt, size_t len, const struct xfr_req *r,
	    const uint8_t peer[ADDR_LEN], int tcp, int64_t now,
	    struct xfr_history *h, uint8_t *out, size_t outsize,
	    struct xfr_stream **stream, struct xfr_result *res);

/*
 * FORMERR for a request xfr_request_parse refused (its question parsed),
 * into out (outsize >= DNS_UDP_MIN + XFR_TSIG_ROOM). Returns the length.
 */
size_t	xfr_formerr(const struct xfr_req *r, uint8_t *out, size_t outsize);

/*
 * The next message of a transfer into out (cap >= XFR_MSG_MAX +
 * XFR_TSIG_ROOM), each signed when the request was: the SOA first, the
 * NS records, every name's A and TXT, the SOA last (RFC 5936 section
 * 2.2), or for an IXFR difference the records xfr_handle says. Returns
 * its length, 0 when the transfer is complete.
 */
size_t	xfr_stream_next(struct xfr_stream *s, uint8_t *out, size_t cap,
	    int64_t now);
size_t	xfr_stream_messages(const struct xfr_stream *s);
void	xfr_stream_free(struct xfr_stream *s);	/* NULL is a no-op */

/* --- NOTIFY (notify.c) --- */

/*
 * A NOTIFY for zone (text, no trailing dot) at serial, with id, into out
 * (cap bytes): opcode NOTIFY, AA, the question (zone, SOA, IN) and our
 * SOA serial as a hint in the answer section (RFC 1996 sections 3.7,
 * 4.7), signed with key unless it is NULL, its MAC into OUT:mac
 * (XFR_MAC_LEN bytes) unless that is NULL. Returns the length, or 0 if
 * the name is bad or it does not fit.
 */
size_t	xfr_notify_build(const char *zone, uint32_t serial, uint16_t id,
	    const struct xfr_key *key, uint8_t *out, size_t cap, int64_t now,
	    uint8_t *mac);

/*
 * Untrusted input (RFC 1996 section 4.7): 0 if pkt (len bytes) is a
 * NOTIFY response, with its id in *OUT:id and rcode in *OUT:rcode, else
 * -1. Only the header is read.
 */
int	xfr_notify_reply(const uint8_t *pkt, size_t len, uint16_t *id,
	    int *rcode);

#define XFR_NOTIFY_UNSIGNED	(-1)	/* xfr_notify_verify: no TSIG */

/*
 * Untrusted input (RFC 1035 section 4.1, RFC 8945 sections 4.2, 5.3):
 * the TSIG of a NOTIFY answer (pkt, len bytes) to our NOTIFY signed with
 * key k whose MAC was req_mac, at now. Returns 0 when it is signed with
 * k, its MAC covers our request's and the time is within its fudge;
 * XFR_NOTIFY_UNSIGNED when it carries no TSIG as its last record or is
 * malformed; else XFR_TSIG_BADKEY, XFR_TSIG_BADSIG, XFR_TSIG_BADTIME, or
 * the TSIG error the answer carries. Reads only inside pkt.
 */
int	xfr_notify_verify(const struct xfr_key *k,
	    const uint8_t req_mac[XFR_MAC_LEN], const uint8_t *pkt,
	    size_t len, int64_t now);

#endif /* FAIRLIST_XFR_H */
