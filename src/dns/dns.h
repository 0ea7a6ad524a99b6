/*
 * dns.h: the DNS wire codec: parse a query, write a response with name
 * compression, read the answer section of a response. Protocol code
 * only: bytes in, bytes out, no I/O.
 */
#ifndef FAIRLIST_DNS_H
#define FAIRLIST_DNS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct sbuf;

#define DNS_HEADER_LEN		12
#define DNS_NAME_MAX		255	/* wire bytes, RFC 1035 section 2.3.4 */
#define DNS_LABEL_MAX		63
#define DNS_LABELS_MAX		128
#define DNS_UDP_MIN		512	/* without EDNS, RFC 1035 */
#define DNS_EDNS_MAX		4096	/* largest UDP answer we send */
#define DNS_TCP_MAX		65535

enum dns_type {
	DNS_T_A = 1, DNS_T_NS = 2, DNS_T_CNAME = 5, DNS_T_SOA = 6,
	DNS_T_PTR = 12, DNS_T_MX = 15, DNS_T_TXT = 16, DNS_T_AAAA = 28,
	DNS_T_OPT = 41, DNS_T_IXFR = 251, DNS_T_AXFR = 252, DNS_T_ANY = 255
};

enum dns_class { DNS_C_IN = 1, DNS_C_CH = 3, DNS_C_ANY = 255 };

enum dns_rcode {
	DNS_R_NOERROR = 0, DNS_R_FORMERR = 1, DNS_R_SERVFAIL = 2,
	DNS_R_NXDOMAIN = 3, DNS_R_NOTIMP = 4, DNS_R_REFUSED = 5,
	DNS_R_BADVERS = 16	/* extended: needs EDNS */
};

#define DNS_F_QR	0x8000
#define DNS_F_AA	0x0400
#define DNS_F_TC	0x0200
#define DNS_F_RD	0x0100
#define DNS_OPCODE(f)	(((f) >> 11) & 0x0f)
#define DNS_OPCODE_QUERY	0

/* A parsed query. */
struct dns_query {
	uint16_t	id;
	uint16_t	flags;			/* as received */
	uint16_t	qtype;
	uint16_t	qclass;
	/*
	 * The question name in wire form as the client sent it (case kept):
	 * it points into the packet given to dns_parse_query and is valid
	 * as long as that is. Compare it with dns_name_eq_lower.
	 */
	const uint8_t	*name;
	size_t		name_len;		/* including the root label */
	uint8_t		nlabels;		/* not counting the root */
	uint8_t		label_off[DNS_LABELS_MAX]; /* into name, per label */
	int		edns;			/* 1 if an OPT RR came */
	uint16_t	edns_udp;		/* its payload size (>= 512) */
	uint8_t		edns_version;
	int		edns_do;
};

enum dns_parse_result {
	DNS_PARSE_OK,		/* q is filled in */
	DNS_PARSE_DROP,		/* a response, or shorter than a header */
	DNS_PARSE_FORMERR,	/* answer FORMERR (q->id and flags valid) */
	DNS_PARSE_NOTIMP	/* opcode not QUERY: answer NOTIMP */
};

/*
 * Untrusted input (RFC 1035 section 4.1, RFC 6891 section 6.1.1): parse
 * a query packet. Checks QR=0 and the opcode first, QDCOUNT=1, an
 * uncompressed question name of at most 255 bytes with labels of at most
 * 63, ANCOUNT=NSCOUNT=0, at most one OPT in the additional section.
 */
enum dns_parse_result	dns_parse_query(const uint8_t *pkt, size_t len,
			    struct dns_query *q);

/*
 * The name readers of dns_parse_query, for other parsers of queries (zone
 * transfer requests). dns_rd_qname reads an uncompressed name at the
 * cursor into q->name, q->lname, q->nlabels, q->label_off and
 * q->name_len; dns_rd_skip_name skips a name that may end in a pointer,
 * which must point strictly backwards. Both set r->err on bad input.
 */
struct rd;
void	dns_rd_qname(struct rd *r, struct dns_query *q);
void	dns_rd_skip_name(struct rd *r);

/*
 * Response writer over a caller's buffer. Records that do not fit set
 * truncated and are not written (the caller then sets TC or retries).
 */
struct dns_writer {
	uint8_t		*buf;
	size_t		 cap;		/* the size limit of this response */
	size_t		 len;
	int		 truncated;	/* something did not fit */
	int		 overflow;	/* the current RR did not fit */
	uint16_t	 flags;		/* header flags without TC/rcode */
	uint16_t	 qdcount, ancount, nscount, arcount;
	size_t		 qend;		/* end of the question section */
};

/*
 * Start a response to q in buf (at most cap bytes): header with QR, AA,
 * the query's id, RD and opcode, rcode, and the question copied back with
 * the case the client sent. The question is left out when q->name_len is
 * 0 (it did not parse). Callers may change w->flags (e.g. clear AA for
 * REFUSED) before dns_writer_finish.
 */
void	dns_writer_init(struct dns_writer *w, uint8_t *buf, size_t cap,
	    const struct dns_query *q, int rcode);

/*
 * The writers below are inline: the answer path calls them a dozen times
 * per query. dns_room says whether n more bytes fit, and records the
 * overflow (truncated, and overflow for the current RR) when they do not.
 */
static inline int
dns_room(struct dns_writer *w, size_t n)
{
	if (w->overflow)
		return 0;
	if (w->cap - w->len < n) {
		w->overflow = 1;
		w->truncated = 1;
		return 0;
	}
	return 1;
}

static inline void
dns_put_bytes(struct dns_writer *w, const void *p, size_t n)
{
	if (!dns_room(w, n))
		return;
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static inline void
dns_put_u16(struct dns_writer *w, uint16_t v)
{
	if (!dns_room(w, 2))
		return;
	w->buf[w->len] = (uint8_t)(v >> 8);
	w->buf[w->len + 1] = (uint8_t)v;
	w->len += 2;
}

static inline void
dns_put_u32(struct dns_writer *w, uint32_t v)
{
	uint8_t	*p;

	if (!dns_room(w, 4))
		return;
	p = w->buf + w->len;
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	w->len += 4;
}

/* Write a full uncompressed wire name. */
static inline void
dns_put_name(struct dns_writer *w, const uint8_t *name, size_t len)
{
	dns_put_bytes(w, name, len);
}

/*
 * Write a name as a compression pointer to offset off of an earlier name
 * in the packet (12 is the question name), optionally preceded by labels
 * (prefix, prefix_len wire bytes, not root-terminated).
 */
static inline void
dns_put_name_ptr(struct dns_writer *w, const uint8_t *prefix,
    size_t prefix_len, uint16_t off)
{
	/* RFC 1035 section 4.1.4: 14 bits of offset, to an earlier name. */
	if (!dns_room(w, prefix_len + 2))
		return;
	if (prefix_len > 0)
		memcpy(w->buf + w->len, prefix, prefix_len);
	w->len += prefix_len;
	w->buf[w->len] = (uint8_t)(0xc0 | ((off >> 8) & 0x3f));
	w->buf[w->len + 1] = (uint8_t)off;
	w->len += 2;
}

/*
 * Record bookkeeping: dns_rr_begin remembers the start of an RR (call
 * before its owner name); dns_rr_end patches RDLENGTH at rdlen_off and
 * counts it in section 0 (answer), 1 (authority) or 2 (additional), or
 * rolls the RR back and sets truncated if it did not fit.
 */
static inline size_t
dns_rr_begin(const struct dns_writer *w)
{
	return w->len;
}

void	dns_rr_end(struct dns_writer *w, size_t start, size_t rdlen_off,
	    int section);

/*
 * Append an OPT RR (our payload size, version 0, DO echoed). ext_rcode is
 * the full 12-bit rcode: its upper 8 bits go into the OPT (RFC 6891
 * section 6.1.3), so pass the same value to dns_writer_finish.
 */
void	dns_put_opt(struct dns_writer *w, uint16_t udp, int do_bit,
	    int ext_rcode);

/*
 * Drop every RR written after the question (counts back to 0), keeping
 * the truncated flag: used to answer "TC, empty answer" over UDP.
 */
void	dns_writer_rewind(struct dns_writer *w);

/*
 * Patch counts, TC (when truncated) and the low 4 bits of rcode into the
 * header; returns the length.
 */
static inline size_t
dns_writer_finish(struct dns_writer *w, int rcode)
{
	uint16_t	flags = w->flags;
	uint8_t		*h = w->buf;

	if (w->len < DNS_HEADER_LEN)
		return 0;
	if (w->truncated)
		flags |= DNS_F_TC;
	flags = (uint16_t)(flags | (rcode & 0x0f));
	h[2] = (uint8_t)(flags >> 8);
	h[3] = (uint8_t)flags;
	h[4] = (uint8_t)(w->qdcount >> 8);
	h[5] = (uint8_t)w->qdcount;
	h[6] = (uint8_t)(w->ancount >> 8);
	h[7] = (uint8_t)w->ancount;
	h[8] = (uint8_t)(w->nscount >> 8);
	h[9] = (uint8_t)w->nscount;
	h[10] = (uint8_t)(w->arcount >> 8);
	h[11] = (uint8_t)w->arcount;
	return w->len;
}

/*
 * Text name (dots, optional trailing dot, at most 253 characters) to wire
 * form, lower-cased. "" and "." are the root. Empty labels, labels over
 * 63 bytes, control characters and names that do not fit cap are invalid.
 * Returns the wire length, or 0 if invalid.
 */
size_t	dns_name_from_text(const char *text, uint8_t *wire, size_t cap);

/*
 * Wire name to text (dots, no trailing dot; the root is ""), into dst
 * (dstsize bytes, NUL-terminated). Bytes are copied as they are: callers
 * that log or match must know labels may hold dots or binary. Returns the
 * text length, or (size_t)-1 if dst is too small.
 */
size_t	dns_name_to_text(const uint8_t *wire, size_t len, char *dst,
	    size_t dstsize);

/* Lower-case ASCII letters of n bytes from src into dst (may be equal). */
void	dns_lower(uint8_t *dst, const uint8_t *src, size_t n);

/*
 * 1 if the n bytes at a equal those at lower once ASCII letters of a are
 * folded (RFC 4343); lower must already be lower case. 0 otherwise.
 */
int	dns_name_eq_lower(const uint8_t *a, const uint8_t *lower, size_t n);

/*
 * The answer reader (answer.c): the one parser of responses, for every
 * module that resolves (policy, SPF, DKIM). dns_answer_init reads the
 * header and the question; each dns_answer_next gives one record of the
 * answer section with its owner expanded and, for CNAME, MX and PTR, the
 * target name expanded (wire form, case kept). rdata points into the
 * packet: valid as long as the packet is.
 */
#define DNS_ANSWER_HOPS_MAX	DNS_LABELS_MAX	/* pointers of one name */

struct dns_rr {
	uint16_t	 type;
	uint16_t	 rclass;
	uint32_t	 ttl;		/* over 2^31-1: 0 (RFC 2181 8) */
	int		 on_chain;	/* owner is the question or a CNAME
					   target reached so far */
	uint8_t		 owner[DNS_NAME_MAX];
	size_t		 owner_len;
	const uint8_t	*rdata;
	uint16_t	 rdlen;
	uint16_t	 pref;			/* MX */
	uint8_t		 target[DNS_NAME_MAX];	/* CNAME, MX, PTR */
	size_t		 target_len;		/* 0 for other types */
};

struct dns_answer {
	const uint8_t	*pkt;
	size_t		 len, off;
	const char	*err;		/* the first error, or NULL */
	uint16_t	 id;
	uint16_t	 flags;
	int		 rcode;		/* low 4 bits of the header */
	uint16_t	 qtype;
	uint16_t	 ancount;
	uint16_t	 nread;		/* answer records read so far */
	uint8_t		 chain[DNS_NAME_MAX];	/* lower-cased */
	size_t		 chain_len;
};

/*
 * Untrusted input (RFC 1035 sections 4.1.1, 4.1.2, 4.1.4): start reading
 * the response pkt (len bytes; the caller keeps it). Refuses a packet
 * shorter than a header, a query (QR=0), QDCOUNT other than 1 and a bad
 * question name. Returns 0, or -1 with the reason in a->err.
 */
int	dns_answer_init(struct dns_answer *a, const uint8_t *pkt, size_t len);

/*
 * Untrusted input (RFC 1035 sections 3.2.1, 3.3, 4.1.3, 4.1.4): read the
 * next answer record into OUT:rr. Names may be compressed; every pointer
 * must point strictly before the label run it ends (so they cannot loop)
 * and after the header, labels are at most 63 bytes and names at most
 * 255. RDATA must lie in the packet, and A (4 bytes), AAAA (16), CNAME,
 * PTR and MX (a name ending exactly at RDLENGTH) and TXT (one or more
 * character-strings filling RDLENGTH) must be well formed. A CNAME on
 * the chain moves the chain to its target. Returns 1 with rr filled, 0
 * after the last record, -1 with a->err set (later calls return -1).
 */
int	dns_answer_next(struct dns_answer *a, struct dns_rr *rr);

/*
 * Append the character-strings of a TXT record, joined without
 * separators (RFC 7208 section 3.3, RFC 6376 section 3.6.2.2), to b, at
 * most max bytes of them. Returns the full joined length, which exceeds
 * max when the record was cut.
 */
size_t	dns_rr_txt(const struct dns_rr *rr, struct sbuf *b, size_t max);

#endif /* FAIRLIST_DNS_H */
