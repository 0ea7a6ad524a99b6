/*
 * rrl.c: response rate limiting (the BIND/Knot RRL model) for the UDP
 * answers of server.c.
 *
 * Each response is charged to an account: the client's prefix (/24 IPv4,
 * /56 IPv6 by default) and what was answered: NOERROR by query name and
 * type, NXDOMAIN by zone (so random names under one zone share one
 * account, as in BIND), every other rcode by prefix alone. An account is
 * a token bucket in thousandths of a response: it earns rate responses a
 * second, holds at most one second of them, and goes at most window
 * seconds into debt, so a flooding prefix must be quiet that long before
 * it is answered again. A response without credit is dropped; every
 * slip-th is sent truncated (TC) instead, so that a real client behind a
 * spoofed-upon prefix retries over TCP, which cannot be spoofed.
 *
 * The table is fixed (RRL_TABLE accounts, RRL_WAYS-way buckets, least
 * recently used replaced) and keyed by SipHash with the caller's seed, so
 * neither a flood of sources nor chosen names can grow it or chain one
 * bucket. One table per thread: no locks.
 *
 * Untrusted input: rrl_query and rrl_slip read a query as it came from
 * the network (RFC 1035 section 4.1: header, uncompressed question name of
 * labels of at most 63 bytes and at most 255 bytes, type, class); what
 * does not parse is passed on to dnsbl_answer, which answers it FORMERR.
 * Logs nothing; the caller counts.
 */
#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/xmalloc.h"
#include "dns/dns.h"
#include "dnsbl/rrl.h"

#define UNIT		1000	/* one response, in bucket units */
#define KEY_MAX		(4 + ADDR_LEN + DNS_NAME_MAX + 2)

enum { CAT_NAME = 1, CAT_NXDOMAIN, CAT_ERROR };

struct account {
	uint64_t	key;		/* 0: empty */
	int64_t		last_ms;
	int64_t		balance;	/* units */
	uint32_t	limited;	/* responses limited, for slip */
	uint32_t	pad;
};

struct rrl {
	struct rrl_conf	 c;
	uint64_t	 seed;
	struct account	*t;
};

void
rrl_conf_defaults(struct rrl_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->slip = 2;
	c->window = 15;
	c->v4_prefix = 24;
	c->v6_prefix = 56;
}

struct rrl *
rrl_new(const struct rrl_conf *c, uint64_t seed)
{
	struct rrl	*r = xcalloc(1, sizeof(*r));

	r->c = *c;
	r->seed = seed;
	r->t = xcalloc(RRL_TABLE, sizeof(*r->t));
	return r;
}

void
rrl_free(struct rrl *r)
{
	if (r == NULL)
		return;
	free(r->t);
	free(r);
}

/*
 * The question of pkt: the name's length (wire form, with the root) at
 * offset DNS_HEADER_LEN, or 0 if the header or the name is malformed
 * (untrusted input, RFC 1035 section 4.1.2). The type follows the name.
 */
static size_t
question(const uint8_t *pkt, size_t len)
{
	size_t	off = DNS_HEADER_LEN, l;

	/* QDCOUNT 1 (RFC 1035 section 4.1.1), and the type and class. */
	if (len < DNS_HEADER_LEN + 5 || pkt[4] != 0 || pkt[5] != 1)
		return 0;
	while ((l = pkt[off]) != 0) {
		/* No compression in a question; labels of 63 at most. */
		if (l > 63 || off - DNS_HEADER_LEN + 1 + l >= DNS_NAME_MAX ||
		    len - off < 1 + l + 5)
			return 0;
		off += 1 + l;
	}
	return off + 1 - DNS_HEADER_LEN;
}

/*
 * The source's prefix into k (family byte, then ADDR_LEN bytes masked),
 * or -1 if the source is exempt or of another family.
 */
static int
prefix(const struct rrl *r, const struct sockaddr *sa, uint8_t *k)
{
	uint8_t		 a[ADDR_LEN];
	uint32_t	 v4;
	unsigned	 plen, i;

	if (sa->sa_family == AF_INET) {
		memcpy(&v4, &((const struct sockaddr_in *)(const void *)sa)->
		    sin_addr, 4);
		addr_from_v4(a, ntohl(v4));
	} else if (sa->sa_family == AF_INET6)
		memcpy(a, &((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_addr, ADDR_LEN);
	else
		return -1;
	for (i = 0; i < r->c.nexempt; i++)
		if (addr_contains(&r->c.exempt[i], a))
			return -1;
	/* A v4-mapped IPv6 source counts as the IPv4 address it is. */
	if (addr_is_v4(a, NULL)) {
		k[0] = 4;
		plen = 96u + r->c.v4_prefix;
	} else {
		k[0] = 6;
		plen = r->c.v6_prefix;
	}
	addr_mask(a, plen);
	memcpy(k + 1, a, ADDR_LEN);
	return 0;
}

/* The account key: prefix, category, then name (lower case) and type. */
static uint64_t
key(const struct rrl *r, const uint8_t *pre, int cat, const uint8_t *name,
    size_t nlen, const uint8_t *type)
{
	uint8_t		 k[KEY_MAX];
	size_t		 n = 1 + ADDR_LEN;
	uint64_t	 h;

	memcpy(k, pre, n);
	k[n++] = (uint8_t)cat;
	if (name != NULL) {
		dns_lower(k + n, name, nlen);
		n += nlen;
	}
	if (type != NULL) {
		memcpy(k + n, type, 2);
		n += 2;
	}
	h = hash_bytes(k, n, r->seed);
	return h != 0 ? h : 1;
}

/*
 * The account of key k, credited up to now_ms; NULL if there is none and
 * create is 0. A new account starts with one second of credit.
 */
static struct account *
find(struct rrl *r, uint64_t k, int64_t now_ms, int create)
{
	struct account	*b = r->t + (k & (RRL_TABLE - 1) & ~(uint64_t)
			    (RRL_WAYS - 1)), *a = NULL, *old = b;
	int64_t		 full = (int64_t)r->c.rate * UNIT, dt;
	int		 i;

	for (i = 0; i < RRL_WAYS; i++) {
		if (b[i].key == k) {
			a = &b[i];
			break;
		}
		if (b[i].key == 0 || (old->key != 0 &&
		    b[i].last_ms < old->last_ms))
			old = &b[i];
	}
	if (a == NULL) {
		if (!create)
			return NULL;
		a = old;
		memset(a, 0, sizeof(*a));
		a->key = k;
		a->last_ms = now_ms;
		a->balance = full;
		return a;
	}
	/* rate responses a second is rate units a millisecond. */
	if ((dt = now_ms - a->last_ms) > 0) {
		a->balance = dt >= RRL_WINDOW_MAX * 1000 + 1000 ? full :
		    a->balance + dt * (int64_t)r->c.rate;
		if (a->balance > full)
			a->balance = full;
		a->last_ms = now_ms;
	}
	return a;
}

/* Charge one response to a; PASS with credit, else DROP or SLIP. */
static enum rrl_action
charge(const struct rrl *r, struct account *a)
{
	int64_t	floor = -(int64_t)r->c.window * r->c.rate * UNIT;

	if (a->balance >= UNIT) {
		a->balance -= UNIT;
		return RRL_PASS;
	}
	if (a->balance - UNIT >= floor)
		a->balance -= UNIT;
	a->limited++;
	if (r->c.slip > 0 && a->limited % r->c.slip == 0)
		return RRL_SLIP;
	return RRL_DROP;
}

enum rrl_action
rrl_query(struct rrl *r, const struct sockaddr *sa, const uint8_t *pkt,
    size_t len, int64_t now_ms)
{
	uint8_t		 pre[1 + ADDR_LEN];
	struct account	*a;
	size_t		 n;

	/* A query (QR clear), opcode QUERY (RFC 1035 section 4.1.1). */
	if (r->c.rate == 0 || len < DNS_HEADER_LEN || (pkt[2] & 0xf8) != 0 ||
	    (n = question(pkt, len)) == 0 || prefix(r, sa, pre) == -1)
		return RRL_PASS;
	a = find(r, key(r, pre, CAT_NAME, pkt + DNS_HEADER_LEN, n,
	    pkt + DNS_HEADER_LEN + n), now_ms, 0);
	/* Only an account already in debt: its answer would be limited. */
	if (a == NULL || a->balance >= UNIT)
		return RRL_PASS;
	return charge(r, a);
}

enum rrl_action
rrl_response(struct rrl *r, const struct sockaddr *sa, const uint8_t *resp,
    size_t rlen, int64_t now_ms)
{
	uint8_t		 pre[1 + ADDR_LEN];
	const uint8_t	*q = resp + DNS_HEADER_LEN;
	size_t		 n, off, z;
	uint64_t	 k;

	if (r->c.rate == 0 || rlen < DNS_HEADER_LEN ||
	    prefix(r, sa, pre) == -1)
		return RRL_PASS;
	n = question(resp, rlen);
	switch (n == 0 ? -1 : resp[3] & 0xf) {
	case DNS_R_NOERROR:
		k = key(r, pre, CAT_NAME, q, n, q + n);
		break;
	case DNS_R_NXDOMAIN:
		/*
		 * The zone: the authority SOA's owner, a pointer into the
		 * question (answer.c writes it so; RFC 1035 section 4.1.4).
		 * Anything else is charged to the whole name.
		 */
		z = 0;
		off = DNS_HEADER_LEN + n + 4;
		if (resp[6] == 0 && resp[7] == 0 && rlen - off >= 2 &&
		    (resp[off] & 0xc0) == 0xc0) {
			z = ((size_t)(resp[off] & 0x3f) << 8 | resp[off + 1]) -
			    DNS_HEADER_LEN;
			if (z >= n)
				z = 0;
		}
		k = key(r, pre, CAT_NXDOMAIN, q + z, n - z, NULL);
		break;
	default:
		/* FORMERR, REFUSED, NOTIMP, SERVFAIL: per prefix. */
		k = key(r, pre, CAT_ERROR, NULL, 0, NULL);
		break;
	}
	return charge(r, find(r, k, now_ms, 1));
}

size_t
rrl_slip(uint8_t *pkt, size_t len)
{
	size_t	n;

	if (len < DNS_HEADER_LEN || (n = question(pkt, len)) == 0)
		return 0;
	pkt[2] |= 0x82;			/* QR, TC */
	pkt[3] &= 0xf0;			/* rcode NOERROR */
	memset(pkt + 6, 0, 6);		/* no answer, authority, additional */
	return DNS_HEADER_LEN + n + 4;
}
