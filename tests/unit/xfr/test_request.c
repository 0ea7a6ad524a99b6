/*
 * test_request.c: transfer requests end to end through the protocol code
 * (xfr/request.c, tsig.c, axfr.c): parse, TSIG, who may transfer, IXFR
 * serials, and the message stream (SOA first and last, every message
 * signed). Requests are built and signed here with OpenSSL's HMAC, as a
 * secondary signs them (RFC 8945 section 4.3).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/hmac.h>

#include "core/addr.h"
#include "dns/dns.h"
#include "dnsbl/dnsbl.h"
#include "list/list.h"
#include "xfr/xfr.h"

#define NOW	1800000000
#define SECRET	"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI="

enum sign { UNSIGNED, SIGNED, BAD_MAC, OTHER_KEY, OLD_TIME, SHORT_MAC,
	NOT_LAST, TRUNCATED };

struct tcase {
	const char	*name;
	const char	*qname;
	uint16_t	 qtype;
	uint32_t	 ixfr_serial;	/* IXFR: the client's */
	enum sign	 sign;
	int		 tcp;
	const char	*peer;
	int		 want_rcode;	/* -1: a stream */
	int		 want_tsig_err;	/* -1: no TSIG in the reply */
	int		 want_signed;
	int		 want_answers;
};

static const struct tcase cases[] = {
	{ "signed AXFR streams", "bl.test", DNS_T_AXFR, 0, SIGNED, 1,
	    "127.0.0.1", -1, 0, 1, 0 },
	{ "a bad MAC is BADSIG, unsigned", "bl.test", DNS_T_AXFR, 0, BAD_MAC,
	    1, "127.0.0.1", XFR_R_NOTAUTH, XFR_TSIG_BADSIG, 0, 0 },
	{ "another key is BADKEY, unsigned", "bl.test", DNS_T_AXFR, 0,
	    OTHER_KEY, 1, "127.0.0.1", XFR_R_NOTAUTH, XFR_TSIG_BADKEY, 0, 0 },
	{ "an old time is BADTIME, signed", "bl.test", DNS_T_AXFR, 0,
	    OLD_TIME, 1, "127.0.0.1", XFR_R_NOTAUTH, XFR_TSIG_BADTIME, 1, 0 },
	{ "a short MAC is FORMERR", "bl.test", DNS_T_AXFR, 0, SHORT_MAC, 1,
	    "127.0.0.1", DNS_R_FORMERR, -1, 0, 0 },
	{ "TSIG not last is FORMERR", "bl.test", DNS_T_AXFR, 0, NOT_LAST, 1,
	    "127.0.0.1", DNS_R_FORMERR, -1, 0, 0 },
	{ "a truncated query is FORMERR", "bl.test", DNS_T_AXFR, 0,
	    TRUNCATED, 1, "127.0.0.1", DNS_R_FORMERR, -1, 0, 0 },
	{ "no TSIG when one is set: REFUSED", "bl.test", DNS_T_AXFR, 0,
	    UNSIGNED, 1, "127.0.0.1", DNS_R_REFUSED, -1, 0, 0 },
	{ "an address not in allow: REFUSED", "bl.test", DNS_T_AXFR, 0,
	    SIGNED, 1, "127.0.0.2", DNS_R_REFUSED, 0, 1, 0 },
	{ "AXFR over UDP: REFUSED", "bl.test", DNS_T_AXFR, 0, SIGNED, 0,
	    "127.0.0.1", DNS_R_REFUSED, 0, 1, 0 },
	{ "a zone not ours: NOTAUTH", "other.test", DNS_T_AXFR, 0, SIGNED, 1,
	    "127.0.0.1", XFR_R_NOTAUTH, 0, 1, 0 },
	{ "IXFR from the future: our SOA alone", "bl.test", DNS_T_IXFR,
	    1042, SIGNED, 1, "127.0.0.1", DNS_R_NOERROR, 0, 1, 1 },
	{ "IXFR of the current serial: our SOA alone", "bl.test", DNS_T_IXFR,
	    42, SIGNED, 1, "127.0.0.1", DNS_R_NOERROR, 0, 1, 1 },
	{ "IXFR of an older serial over UDP: TC, no answer", "bl.test",
	    DNS_T_IXFR, 7, SIGNED, 0, "127.0.0.1", DNS_R_NOERROR, 0, 1, 0 },
	{ "IXFR of the current serial over UDP: our SOA alone", "bl.test",
	    DNS_T_IXFR, 42, SIGNED, 0, "127.0.0.1", DNS_R_NOERROR, 0, 1, 1 },
	{ "IXFR of an older serial: the whole zone", "bl.test", DNS_T_IXFR,
	    7, SIGNED, 1, "127.0.0.1", -1, 0, 1, 0 },
	{ "a signed SOA query is answered and signed", "bl.test", DNS_T_SOA,
	    0, SIGNED, 0, "127.0.0.2", DNS_R_NOERROR, 0, 1, 1 },
};

static struct dnsbl_conf	conf;
static struct index		*idx;

static void
put16(uint8_t *b, size_t *n, unsigned v)
{
	b[(*n)++] = (uint8_t)(v >> 8);
	b[(*n)++] = (uint8_t)v;
}

static void
put32(uint8_t *b, size_t *n, uint32_t v)
{
	put16(b, n, v >> 16);
	put16(b, n, v & 0xffff);
}

/* The TSIG variables (RFC 8945 section 4.3.3) after the message in d. */
static size_t
tsig_vars(uint8_t *d, size_t n, const uint8_t *key, size_t klen,
    uint64_t t, uint16_t fudge)
{
	static const uint8_t	alg[] = "\013hmac-sha256";

	memcpy(d + n, key, klen);
	n += klen;
	put16(d, &n, DNS_C_ANY);
	put32(d, &n, 0);
	memcpy(d + n, alg, sizeof(alg));
	n += sizeof(alg);
	put16(d, &n, (unsigned)(t >> 32));
	put32(d, &n, (uint32_t)t);
	put16(d, &n, fudge);
	put16(d, &n, 0);	/* error */
	put16(d, &n, 0);	/* other len */
	return n;
}

/* A query as a secondary sends it, signed as the case says. */
static size_t
build(const struct tcase *t, uint8_t *b)
{
	static const uint8_t	alg[] = "\013hmac-sha256";
	const struct xfr_key	*k = &conf.xfr.key;
	uint8_t			 key[DNS_NAME_MAX], mac[32];
	size_t			 n = 0, klen, tsig_at, i;
	unsigned		 maclen = 32;
	uint64_t		 when = t->sign == OLD_TIME ? NOW - 1000 : NOW;
	uint8_t			 d[2048];
	size_t			 dn;

	put16(b, &n, 0x1234);
	put16(b, &n, 0);
	put16(b, &n, 1);
	put16(b, &n, 0);
	put16(b, &n, t->qtype == DNS_T_IXFR ? 1 : 0);
	put16(b, &n, t->sign == UNSIGNED ? 0 : t->sign == NOT_LAST ? 2 : 1);
	n += dns_name_from_text(t->qname, b + n, DNS_NAME_MAX);
	put16(b, &n, t->qtype);
	put16(b, &n, DNS_C_IN);
	if (t->qtype == DNS_T_IXFR) {
		b[n++] = 0xc0;
		b[n++] = 12;
		put16(b, &n, DNS_T_SOA);
		put16(b, &n, DNS_C_IN);
		put32(b, &n, 0);
		put16(b, &n, 22);
		b[n++] = 0;
		b[n++] = 0;
		put32(b, &n, t->ixfr_serial);
		for (i = 0; i < 4; i++)
			put32(b, &n, 1);
	}
	if (t->sign == UNSIGNED)
		return n;
	if (t->sign == OTHER_KEY)
		klen = dns_name_from_text("other-key", key, sizeof(key));
	else {
		memcpy(key, k->name, k->name_len);
		klen = k->name_len;
	}
	memcpy(d, b, n);
	d[11] = 0;		/* ARCOUNT without the TSIG */
	dn = tsig_vars(d, n, key, klen, when, XFR_FUDGE);
	HMAC(EVP_sha256(), k->secret, (int)k->len, d, dn, mac, &maclen);
	if (t->sign == BAD_MAC)
		mac[5] ^= 1;
	if (t->sign == SHORT_MAC)
		maclen = 8;
	b[11] = 1;
	tsig_at = n;
	memcpy(b + n, key, klen);
	n += klen;
	put16(b, &n, XFR_T_TSIG);
	put16(b, &n, DNS_C_ANY);
	put32(b, &n, 0);
	put16(b, &n, (unsigned)(sizeof(alg) + 16 + maclen));
	memcpy(b + n, alg, sizeof(alg));
	n += sizeof(alg);
	put16(b, &n, (unsigned)(when >> 32));
	put32(b, &n, (uint32_t)when);
	put16(b, &n, XFR_FUDGE);
	put16(b, &n, maclen);
	memcpy(b + n, mac, maclen);
	n += maclen;
	put16(b, &n, 0x1234);
	put16(b, &n, 0);
	put16(b, &n, 0);
	if (t->sign == NOT_LAST) {
		/* An OPT after the TSIG. */
		b[11] = 2;
		b[n++] = 0;
		put16(b, &n, DNS_T_OPT);
		put16(b, &n, 1232);
		put32(b, &n, 0);
		put16(b, &n, 0);
	}
	if (t->sign == TRUNCATED)
		n = tsig_at + klen + 14;
	return n;
}

/* The reply's rcode, answer count and TSIG (error, MAC length). */
static void
reply_info(const uint8_t *p, size_t len, int *rcode, int *an, int *terr,
    int *maclen)
{
	struct dns_answer	 a;
	struct dns_rr		 rr;
	size_t			 off;
	unsigned		 ar = (unsigned)(p[10] << 8 | p[11]);

	*rcode = p[3] & 0x0f;
	*an = p[6] << 8 | p[7];
	*terr = -1;
	*maclen = 0;
	assert_int_equal(dns_answer_init(&a, p, len), 0);
	while (dns_answer_next(&a, &rr) == 1)
		;
	assert_null(a.err);
	if (ar == 0)
		return;
	/* The TSIG is last: find its owner from the end is hard; walk. */
	off = a.off;
	for (;;) {
		size_t	o = off, rdl;

		while (p[o] != 0 && (p[o] & 0xc0) != 0xc0)
			o += 1 + p[o];
		o += (p[o] & 0xc0) == 0xc0 ? 2 : 1;
		rdl = (size_t)(p[o + 8] << 8 | p[o + 9]);
		if ((p[o] << 8 | p[o + 1]) == XFR_T_TSIG) {
			const uint8_t	*r = p + o + 10;
			size_t		 q = 0, ml;

			while (r[q] != 0)
				q += 1 + r[q];
			q += 1 + 6 + 2;
			ml = (size_t)(r[q] << 8 | r[q + 1]);
			*maclen = (int)ml;
			q += 2 + ml + 2;
			*terr = r[q] << 8 | r[q + 1];
			return;
		}
		off = o + 10 + rdl;
		if (off >= len)
			return;
	}
}

static void
setup_index(void)
{
	struct index_builder	*b = index_builder_new();
	struct index_zone	 z;
	struct addr_prefix	 p;
	const char		*err;

	memset(&z, 0, sizeof(z));
	z.name = "bl.test";
	z.txt = "$reason";
	z.serial = 42;
	assert_int_equal(index_builder_zone(b, &z), 0);
	assert_int_equal(addr_parse("192.0.2.0/24", &p, &err), 0);
	index_builder_add(b, 0, &p, 0, 0, "net", 1, 0);
	assert_int_equal(addr_parse("192.0.2.9", &p, &err), 0);
	index_builder_add(b, 0, &p, 1, 0, NULL, 1, 0);
	assert_int_equal(addr_parse("198.51.100.1", &p, &err), 0);
	index_builder_add(b, 0, &p, 0, 0, "one", 1, 0);
	idx = index_builder_finish(b);
	dnsbl_conf_defaults(&conf);
	assert_int_equal(dnsbl_conf_prepare(&conf, NULL), 0);
	assert_int_equal(addr_parse("127.0.0.1", &conf.xfr.allow[0], &err), 0);
	conf.xfr.nallow = 1;
	assert_int_equal(xfr_key_set(&conf.xfr.key, "xfr-key", SECRET, &err),
	    0);
	conf.xfr.tsig = 1;
}

/* The whole stream: SOA first and last, every message signed. */
static void
check_stream(const struct tcase *t, struct xfr_stream *s)
{
	static uint8_t		 out[XFR_MSG_MAX + XFR_TSIG_ROOM + 2];
	struct dns_answer	 a;
	struct dns_rr		 rr;
	size_t			 len, records = 0, msgs = 0;
	int			 rcode, an, terr, ml;
	uint16_t		 first = 0, last = 0;

	while ((len = xfr_stream_next(s, out, sizeof(out), NOW)) > 0) {
		reply_info(out, len, &rcode, &an, &terr, &ml);
		if (rcode != 0 || terr != 0 || ml != 32)
			fail_msg("%s: message %zu: rcode %d, TSIG error %d, "
			    "MAC %d bytes", t->name, msgs, rcode, terr, ml);
		assert_int_equal(dns_answer_init(&a, out, len), 0);
		while (dns_answer_next(&a, &rr) == 1) {
			if (records == 0)
				first = rr.type;
			last = rr.type;
			records++;
		}
		msgs++;
	}
	assert_int_equal(first, DNS_T_SOA);
	assert_int_equal(last, DNS_T_SOA);
	/* SOA, NS, 255 addresses and a /32, each A+TXT, SOA. */
	if (records != 1 + 1 + 2 * 256 + 1)
		fail_msg("%s: %zu records, want %d", t->name, records,
		    1 + 1 + 2 * 256 + 1);
	assert_int_equal(xfr_stream_messages(s), msgs);
}

static void
test_cases(void **state)
{
	static uint8_t	out[DNS_TCP_MAX];
	uint8_t		pkt[1024];
	size_t		i, len, n;

	(void)state;
	setup_index();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tcase	*t = &cases[i];
		struct xfr_req		 r;
		struct xfr_result	 res;
		struct xfr_stream	*s = NULL;
		struct addr_prefix	 peer;
		const char		*err;
		enum xfr_parse		 pr;
		int			 rcode, an, terr, ml;

		len = build(t, pkt);
		assert_int_equal(addr_parse(t->peer, &peer, &err), 0);
		pr = xfr_request_parse(pkt, len, &r);
		if (pr == XFR_PARSE_FORMERR)
			n = xfr_formerr(&r, out, sizeof(out));
		else {
			if (pr != XFR_PARSE_OK)
				fail_msg("%s: parse %d, want OK", t->name, pr);
			n = xfr_handle(&conf, idx, pkt, len, &r, peer.a,
			    t->tcp, NOW, NULL, out, t->tcp ? sizeof(out) :
			    DNS_EDNS_MAX, &s, &res);
		}
		if (t->want_rcode == -1) {
			if (s == NULL || n != 0)
				fail_msg("%s: no stream (rcode %d: %s)",
				    t->name, res.rcode, res.why);
			check_stream(t, s);
			xfr_stream_free(s);
			continue;
		}
		if (s != NULL || n == 0)
			fail_msg("%s: a stream or nothing, want a reply",
			    t->name);
		reply_info(out, n, &rcode, &an, &terr, &ml);
		if (rcode != t->want_rcode || terr != t->want_tsig_err ||
		    (ml == 32) != t->want_signed || an != t->want_answers)
			fail_msg("%s: got rcode %d, TSIG error %d, MAC %d, "
			    "%d answers; want %d, %d, %s, %d", t->name, rcode,
			    terr, ml, an, t->want_rcode, t->want_tsig_err,
			    t->want_signed ? "signed" : "unsigned",
			    t->want_answers);
		/* RFC 1995 section 2: TC asks for TCP, nothing else does. */
		if (((out[2] & 0x02) != 0) != (t->qtype == DNS_T_IXFR &&
		    !t->tcp && t->want_answers == 0))
			fail_msg("%s: TC %d", t->name, (out[2] & 0x02) != 0);
		if (t->want_answers == 1 && t->qtype == DNS_T_IXFR) {
			/* Our serial, not the client's. */
			struct dns_answer	a;
			struct dns_rr		rr;

			assert_int_equal(dns_answer_init(&a, out, n), 0);
			assert_int_equal(dns_answer_next(&a, &rr), 1);
			assert_int_equal(rr.type, DNS_T_SOA);
			assert_int_equal(rr.rdata[rr.rdlen - 17], 42);
		}
	}
	index_free(idx);
}

/* Plain queries are not ours; responses and runts are dropped. */
static void
test_pass(void **state)
{
	static const uint8_t	q[] = { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
	    2, 'b', 'l', 0, 0, 1, 0, 1 };
	uint8_t			resp[sizeof(q)];
	struct xfr_req		r;

	(void)state;
	assert_int_equal(xfr_request_parse(q, sizeof(q), &r), XFR_PARSE_PASS);
	memcpy(resp, q, sizeof(q));
	resp[2] |= 0x80;
	assert_int_equal(xfr_request_parse(resp, sizeof(resp), &r),
	    XFR_PARSE_DROP);
	assert_int_equal(xfr_request_parse(q, 11, &r), XFR_PARSE_DROP);
}

/* Key secrets: base64 of 1-64 bytes. */
static void
test_key(void **state)
{
	struct xfr_key	k;
	const char	*err;

	(void)state;
	assert_int_equal(xfr_key_set(&k, "k", "c2VjcmV0", &err), 0);
	assert_int_equal(k.len, 6);
	assert_int_equal(xfr_key_set(&k, "k", "c2VjcmV", &err), -1);
	assert_int_equal(xfr_key_set(&k, "k", "", &err), -1);
	assert_int_equal(xfr_key_set(&k, "", "c2VjcmV0", &err), 0);
	assert_int_equal(xfr_key_set(&k, "bad..name", "c2VjcmV0", &err), -1);
}

/* A NOTIFY: opcode, AA, question, the serial hint, a TSIG; its answer. */
static void
test_notify(void **state)
{
	struct xfr_key	k;
	uint8_t		b[DNS_UDP_MIN + XFR_TSIG_ROOM];
	const char	*err;
	size_t		n, plain;
	uint16_t	id;
	int		rcode;

	(void)state;
	assert_int_equal(xfr_key_set(&k, "xfr-key", SECRET, &err), 0);
	plain = xfr_notify_build("bl.test", 77, 0xabcd, NULL, b, sizeof(b),
	    NOW, NULL);
	assert_true(plain > DNS_HEADER_LEN);
	assert_int_equal(b[0] << 8 | b[1], 0xabcd);
	assert_int_equal((b[2] >> 3) & 0x0f, DNS_OPCODE_NOTIFY);
	assert_int_equal(b[2] & 0x80, 0);		/* a request */
	assert_int_equal(b[2] & 0x04, 0x04);		/* AA */
	assert_int_equal(b[5], 1);			/* QDCOUNT */
	assert_int_equal(b[7], 1);			/* the SOA hint */
	assert_int_equal(b[plain - 17], 77);		/* its serial */
	assert_int_equal(b[11], 0);
	n = xfr_notify_build("bl.test", 77, 0xabcd, &k, b, sizeof(b), NOW,
	    NULL);
	assert_true(n > plain);
	assert_int_equal(b[11], 1);			/* the TSIG */
	assert_int_equal(xfr_notify_build("bad..name", 1, 1, NULL, b,
	    sizeof(b), NOW, NULL), 0);
	/* Its answer: QR set, same opcode. */
	assert_int_equal(xfr_notify_reply(b, n, &id, &rcode), -1);
	b[2] |= 0x80;
	b[3] = (uint8_t)((b[3] & 0xf0) | XFR_R_NOTAUTH);
	assert_int_equal(xfr_notify_reply(b, n, &id, &rcode), 0);
	assert_int_equal(id, 0xabcd);
	assert_int_equal(rcode, XFR_R_NOTAUTH);
	assert_int_equal(xfr_notify_reply(b, 11, &id, &rcode), -1);
}

/*
 * The answer a secondary gives our signed NOTIFY (RFC 8945 5.3): the
 * request less its TSIG, QR set, signed with key over req_mac at t.
 */
static size_t
notify_answer(const struct xfr_key *key, const uint8_t *req, size_t plain,
    const uint8_t *req_mac, int64_t t, uint8_t *out, size_t cap)
{
	struct xfr_tsig	ts;

	memcpy(out, req, plain);
	out[2] |= 0x80;
	out[10] = out[11] = 0;		/* the request's TSIG is not copied */
	if (key == NULL)
		return plain;
	memset(&ts, 0, sizeof(ts));
	ts.key = key;
	memcpy(ts.mac, req_mac, XFR_MAC_LEN);
	ts.mac_len = XFR_MAC_LEN;
	ts.time = (uint64_t)t;
	ts.fudge = XFR_FUDGE;
	ts.id = (uint16_t)(req[0] << 8 | req[1]);
	ts.first = 1;
	return xfr_tsig_sign(&ts, out, plain, cap, t);
}

/* A NOTIFY answer's TSIG: good, unsigned, tampered, other key, late. */
static void
test_notify_verify(void **state)
{
	struct xfr_key	k, other;
	uint8_t		req[DNS_UDP_MIN + XFR_TSIG_ROOM];
	uint8_t		ans[DNS_UDP_MIN + XFR_TSIG_ROOM];
	uint8_t		mac[XFR_MAC_LEN], bad[XFR_MAC_LEN];
	const char	*err;
	size_t		plain, n, len;
	int		v;

	(void)state;
	assert_int_equal(xfr_key_set(&k, "xfr-key", SECRET, &err), 0);
	assert_int_equal(xfr_key_set(&other, "other-key", SECRET, &err), 0);
	plain = xfr_notify_build("bl.test", 77, 0xabcd, NULL, req,
	    sizeof(req), NOW, NULL);
	n = xfr_notify_build("bl.test", 77, 0xabcd, &k, req, sizeof(req),
	    NOW, mac);
	assert_true(n > plain);
	/* The MAC given back is the one in the request. */
	assert_memory_equal(req + n - 6 - XFR_MAC_LEN, mac, XFR_MAC_LEN);

	len = notify_answer(&k, req, plain, mac, NOW, ans, sizeof(ans));
	assert_true(len > plain);
	assert_int_equal(xfr_notify_verify(&k, mac, ans, len, NOW), 0);
	/* Within the fudge, and past it. */
	assert_int_equal(xfr_notify_verify(&k, mac, ans, len,
	    NOW + XFR_FUDGE), 0);
	assert_int_equal(xfr_notify_verify(&k, mac, ans, len,
	    NOW + XFR_FUDGE + 1), XFR_TSIG_BADTIME);
	/* Over another request's MAC. */
	memcpy(bad, mac, sizeof(bad));
	bad[0] ^= 1;
	assert_int_equal(xfr_notify_verify(&k, bad, ans, len, NOW),
	    XFR_TSIG_BADSIG);
	/* A byte of the answer changed. */
	ans[plain - 1] ^= 1;
	assert_int_equal(xfr_notify_verify(&k, mac, ans, len, NOW),
	    XFR_TSIG_BADSIG);
	ans[plain - 1] ^= 1;
	/* Every truncation is malformed: no TSIG to check. */
	for (n = 0; n < len; n++) {
		v = xfr_notify_verify(&k, mac, ans, n, NOW);
		if (v != XFR_NOTIFY_UNSIGNED)
			fail_msg("truncated at %zu: got %d, want %d", n, v,
			    XFR_NOTIFY_UNSIGNED);
	}
	/* Unsigned. */
	len = notify_answer(NULL, req, plain, mac, NOW, ans, sizeof(ans));
	assert_int_equal(xfr_notify_verify(&k, mac, ans, len, NOW),
	    XFR_NOTIFY_UNSIGNED);
	/* Signed with another key. */
	len = notify_answer(&other, req, plain, mac, NOW, ans, sizeof(ans));
	assert_int_equal(xfr_notify_verify(&k, mac, ans, len, NOW),
	    XFR_TSIG_BADKEY);
	/* The secondary's own verdict: BADSIG, no MAC. */
	{
		struct xfr_req	r;

		memset(&r, 0, sizeof(r));
		memcpy(r.key, k.name, k.name_len);
		r.key_len = k.name_len;
		r.time = NOW;
		r.fudge = XFR_FUDGE;
		r.orig_id = 0xabcd;
		len = notify_answer(NULL, req, plain, mac, NOW, ans,
		    sizeof(ans));
		len = xfr_tsig_unsigned(&r, XFR_TSIG_BADSIG, ans, len,
		    sizeof(ans));
		assert_true(len > plain);
		assert_int_equal(xfr_notify_verify(&k, mac, ans, len, NOW),
		    XFR_TSIG_BADSIG);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_notify),
		cmocka_unit_test(test_notify_verify),
		cmocka_unit_test(test_pass),
		cmocka_unit_test(test_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
