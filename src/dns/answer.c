/*
 * answer.c: the one reader of DNS responses (the answer section).
 *
 * Implements the response side of RFC 1035 section 4.1: the header, the
 * question (QDCOUNT must be 1), and the records of the answer section
 * with name compression (section 4.1.4), for the types the resolving
 * modules use: A, AAAA (RFC 3596), CNAME, MX, PTR and TXT (section 3.3).
 * The authority and additional sections are never read. It does no I/O
 * and no allocation (except dns_rr_txt's sbuf), logs nothing, and never
 * reads past the packet: the cursor checks every length first (the
 * struct rd discipline of core/buf.h, STYLE section 7).
 *
 * A malformed record ends the walk with an error: callers treat the
 * whole answer as a temporary failure, as they did with c-ares's parsers.
 */
#include <string.h>

#include "core/buf.h"
#include "dns/dns.h"

static uint16_t
get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
fail(struct dns_answer *a, const char *why)
{
	if (a->err == NULL)
		a->err = why;
	a->off = a->len;
}

/*
 * Untrusted input (RFC 1035 section 4.1.4): expand the name at *off of
 * the packet into out (wire form, case kept), and move *off past it (to
 * after its first pointer if it has one). A pointer must point at or
 * after the question and strictly before the start of the label run it
 * ends: the targets then strictly decrease and a name cannot loop.
 * Returns the name's length, or 0 with the reason in OUT:err.
 */
static size_t
read_name(const uint8_t *pkt, size_t len, size_t *off, uint8_t *out,
    const char **err)
{
	size_t		 pos = *off, run = *off, n = 0, target;
	unsigned	 hops = 0;
	int		 jumped = 0;
	uint8_t		 l;

	for (;;) {
		if (pos >= len) {
			*err = "truncated name";
			return 0;
		}
		l = pkt[pos];
		if ((l & 0xc0) == 0xc0) {
			if (pos + 1 >= len) {
				*err = "truncated pointer";
				return 0;
			}
			target = ((size_t)l & 0x3f) << 8 | pkt[pos + 1];
			if (target < DNS_HEADER_LEN || target >= run) {
				*err = "pointer not strictly backwards";
				return 0;
			}
			if (++hops > DNS_ANSWER_HOPS_MAX) {
				*err = "too many pointers";
				return 0;
			}
			if (!jumped)
				*off = pos + 2;
			jumped = 1;
			pos = run = target;
			continue;
		}
		if (l > DNS_LABEL_MAX) {	/* 0x40, 0x80: RFC 6891 5 */
			*err = "bad label type";
			return 0;
		}
		/* The label, its length byte and the final root byte. */
		if (n + 1 + (size_t)l + (l != 0 ? 1 : 0) > DNS_NAME_MAX) {
			*err = "name too long";
			return 0;
		}
		if (len - pos < 1 + (size_t)l) {
			*err = "truncated label";
			return 0;
		}
		memcpy(out + n, pkt + pos, 1 + (size_t)l);
		n += 1 + (size_t)l;
		pos += 1 + (size_t)l;
		if (l == 0) {
			if (!jumped)
				*off = pos;
			return n;
		}
	}
}

/* Read a name at a->off into out; 0 on error (a->err set). */
static size_t
name_at(struct dns_answer *a, uint8_t *out)
{
	const char	*err = NULL;
	size_t		 n;

	if (a->err != NULL)
		return 0;
	if ((n = read_name(a->pkt, a->len, &a->off, out, &err)) == 0)
		fail(a, err);
	return n;
}

int
dns_answer_init(struct dns_answer *a, const uint8_t *pkt, size_t len)
{
	uint8_t	name[DNS_NAME_MAX];
	size_t	n;

	memset(a, 0, sizeof(*a));
	a->pkt = pkt;
	a->len = pkt != NULL ? len : 0;
	if (a->len < DNS_HEADER_LEN) {
		fail(a, "shorter than a header");
		return -1;
	}
	a->id = get_u16(pkt);
	a->flags = get_u16(pkt + 2);
	a->rcode = a->flags & 0x0f;
	if (!(a->flags & DNS_F_QR)) {
		fail(a, "not a response");
		return -1;
	}
	if (get_u16(pkt + 4) != 1) {
		fail(a, "QDCOUNT is not 1");
		return -1;
	}
	a->ancount = get_u16(pkt + 6);
	a->off = DNS_HEADER_LEN;
	/* The question name is the first one: it cannot point anywhere. */
	if ((n = name_at(a, name)) == 0)
		return -1;
	if (a->len - a->off < 4) {
		fail(a, "truncated question");
		return -1;
	}
	a->qtype = get_u16(pkt + a->off);
	a->off += 4;
	dns_lower(a->chain, name, n);
	a->chain_len = n;
	return 0;
}

/* RDATA of a name type: one name ending exactly at RDLENGTH. */
static void
rdata_name(struct dns_answer *a, struct dns_rr *rr, size_t at)
{
	const char	*err = NULL;
	size_t		 off = at, end = (size_t)(rr->rdata - a->pkt) +
			    rr->rdlen;

	/* Pointers may reach before RDATA, but reads stop at its end. */
	if ((rr->target_len = read_name(a->pkt, end, &off, rr->target,
	    &err)) == 0)
		fail(a, err);
	else if (off != end)
		fail(a, "RDATA longer than its name");
}

/* TXT (RFC 1035 section 3.3.14): one or more strings filling RDATA. */
static void
check_txt(struct dns_answer *a, const struct dns_rr *rr)
{
	struct rd	r;

	if (rr->rdlen == 0) {
		fail(a, "empty TXT");
		return;
	}
	rd_init(&r, rr->rdata, rr->rdlen);
	while (rd_left(&r) > 0)
		rd_take(&r, rd_u8(&r));
	if (r.err != NULL)
		fail(a, "TXT string past RDATA");
}

int
dns_answer_next(struct dns_answer *a, struct dns_rr *rr)
{
	uint8_t	low[DNS_NAME_MAX];
	size_t	at;

	if (a->err != NULL)
		return -1;
	if (a->nread >= a->ancount)
		return 0;
	memset(rr, 0, offsetof(struct dns_rr, owner));
	rr->owner_len = 0;
	rr->target_len = 0;
	if ((rr->owner_len = name_at(a, rr->owner)) == 0)
		return -1;
	/* Type, class, TTL, RDLENGTH (section 4.1.3). */
	if (a->len - a->off < 10) {
		fail(a, "truncated record");
		return -1;
	}
	rr->type = get_u16(a->pkt + a->off);
	rr->rclass = get_u16(a->pkt + a->off + 2);
	rr->ttl = (uint32_t)get_u16(a->pkt + a->off + 4) << 16 |
	    get_u16(a->pkt + a->off + 6);
	if (rr->ttl > 0x7fffffffu)
		rr->ttl = 0;
	rr->rdlen = get_u16(a->pkt + a->off + 8);
	a->off += 10;
	if (a->len - a->off < rr->rdlen) {
		fail(a, "RDLENGTH past the end");
		return -1;
	}
	rr->rdata = a->pkt + a->off;
	at = a->off;
	a->off += rr->rdlen;
	a->nread++;

	switch (rr->type) {
	case DNS_T_A:
		if (rr->rdlen != 4)
			fail(a, "A RDLENGTH is not 4");
		break;
	case DNS_T_AAAA:
		if (rr->rdlen != 16)
			fail(a, "AAAA RDLENGTH is not 16");
		break;
	case DNS_T_CNAME:
	case DNS_T_PTR:
		rdata_name(a, rr, at);
		break;
	case DNS_T_MX:
		if (rr->rdlen < 3) {
			fail(a, "MX too short");
			break;
		}
		rr->pref = get_u16(rr->rdata);
		rdata_name(a, rr, at + 2);
		break;
	case DNS_T_TXT:
		check_txt(a, rr);
		break;
	default:
		/* Other types are given as they are: rdata only. */
		break;
	}
	if (a->err != NULL)
		return -1;

	dns_lower(low, rr->owner, rr->owner_len);
	rr->on_chain = rr->owner_len == a->chain_len &&
	    memcmp(low, a->chain, a->chain_len) == 0;
	if (rr->on_chain && rr->type == DNS_T_CNAME) {
		dns_lower(a->chain, rr->target, rr->target_len);
		a->chain_len = rr->target_len;
	}
	return 1;
}

size_t
dns_rr_txt(const struct dns_rr *rr, struct sbuf *b, size_t max)
{
	struct rd	 r;
	const uint8_t	*s;
	size_t		 total = 0, n, room;
	uint8_t		 l;

	rd_init(&r, rr->rdata, rr->rdlen);
	while (rd_left(&r) > 0) {
		l = rd_u8(&r);
		if ((s = rd_take(&r, l)) == NULL)
			break;
		n = l;
		room = total < max ? max - total : 0;
		if (n > room)
			n = room;
		if (n > 0)
			sbuf_add(b, s, n);
		total += l;
	}
	return total;
}
