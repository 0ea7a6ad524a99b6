/*
 * test_rrl.c: response rate limiting (dnsbl/rrl.c) with an injected
 * clock: accounts by prefix and name, NXDOMAIN by zone, errors by prefix;
 * credit, debt and window; slip; exemptions; the query-time check; the
 * slipped form; malformed packets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "dns/dns.h"
#include "dnsbl/rrl.h"

#define T0	1000000		/* ms; any monotonic value */

static struct sockaddr_storage
src(const char *ip)
{
	struct sockaddr_storage	ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(ip, ':') != NULL) {
		ss.ss_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, ip,
		    &((struct sockaddr_in6 *)&ss)->sin6_addr), 1);
	} else {
		ss.ss_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, ip,
		    &((struct sockaddr_in *)&ss)->sin_addr), 1);
	}
	return ss;
}

/* Header and question of name/type; returns the length. */
static size_t
mkq(uint8_t *p, const char *name, uint16_t type)
{
	size_t		 n = DNS_HEADER_LEN, l;
	const char	*s = name, *dot;

	memset(p, 0, DNS_HEADER_LEN);
	p[0] = 0x12;
	p[1] = 0x34;
	p[2] = 0x01;			/* RD */
	p[5] = 1;
	while (*s != '\0') {
		dot = strchr(s, '.');
		l = dot != NULL ? (size_t)(dot - s) : strlen(s);
		p[n++] = (uint8_t)l;
		memcpy(p + n, s, l);
		n += l;
		s += l + (dot != NULL);
	}
	p[n++] = 0;
	p[n++] = (uint8_t)(type >> 8);
	p[n++] = (uint8_t)type;
	p[n++] = 0;
	p[n++] = 1;
	return n;
}

/*
 * A response as answer.c writes it: rcode, one A record for NOERROR with
 * an answer, or for NXDOMAIN an authority SOA whose owner points at the
 * question's label zlab (the zone apex).
 */
static size_t
mkr(uint8_t *p, const char *name, uint16_t type, int rcode, int answer,
    int zlab)
{
	size_t	n = mkq(p, name, type), off = DNS_HEADER_LEN;
	int	i;

	p[2] |= 0x84;			/* QR, AA */
	p[3] = (uint8_t)rcode;
	for (i = 0; i < zlab; i++)
		off += 1 + p[off];
	if (answer) {
		p[7] = 1;
		memcpy(p + n, "\xc0\x0c\x00\x01\x00\x01\x00\x00\x01\x2c\x00\x04"
		    "\x7f\x00\x00\x02", 16);
		n += 16;
	} else if (rcode == DNS_R_NXDOMAIN || rcode == DNS_R_NOERROR) {
		p[9] = 1;
		p[n++] = (uint8_t)(0xc0 | off >> 8);
		p[n++] = (uint8_t)off;
		memcpy(p + n, "\x00\x06\x00\x01\x00\x00\x01\x2c\x00\x00", 10);
		n += 10;
	}
	return n;
}

static struct rrl *
mk(uint32_t rate, uint32_t slip, uint32_t window)
{
	struct rrl_conf	c;

	rrl_conf_defaults(&c);
	c.rate = rate;
	c.slip = slip;
	c.window = window;
	return rrl_new(&c, 42);
}

/* One response from ip at t; the action letter: P, D or S. */
static char
resp(struct rrl *r, const char *ip, const char *name, uint16_t type,
    int rcode, int64_t t)
{
	struct sockaddr_storage	ss = src(ip);
	uint8_t			p[600];
	size_t			n = mkr(p, name, type, rcode,
				    rcode == DNS_R_NOERROR, 4);

	switch (rrl_response(r, (struct sockaddr *)&ss, p, n, t)) {
	case RRL_PASS:
		return 'P';
	case RRL_DROP:
		return 'D';
	case RRL_SLIP:
		return 'S';
	default:
		return '?';
	}
}

/* n responses for the same name at t, as a string of action letters. */
static void
run(struct rrl *r, const char *ip, const char *name, int rcode, int n,
    int64_t t, const char *want)
{
	char	got[128];
	int	i;

	for (i = 0; i < n; i++)
		got[i] = resp(r, ip, name, DNS_T_A, rcode, t);
	got[n] = '\0';
	if (strcmp(got, want) != 0)
		fail_msg("%s %s: got %s, want %s", ip, name, got, want);
}

static void
test_credit_and_slip(void **state)
{
	struct rrl	*r = mk(5, 2, 2);

	(void)state;
	/* One second of credit, then every 2nd limited one slips. */
	run(r, "192.0.2.1", "1.2.0.192.bl.test", 0, 11, T0, "PPPPPDSDSDS");
	/* Same /24, same name: the same account. */
	run(r, "192.0.2.200", "1.2.0.192.bl.test", 0, 2, T0, "DS");
	/* Another /24, another name: accounts of their own. */
	run(r, "192.0.3.1", "1.2.0.192.bl.test", 0, 5, T0, "PPPPP");
	run(r, "192.0.2.1", "2.2.0.192.bl.test", 0, 5, T0, "PPPPP");
	/* Another type is another account too. */
	assert_int_equal(resp(r, "192.0.2.1", "1.2.0.192.bl.test",
	    DNS_T_TXT, 0, T0), 'P');
	/* Case does not make a new account. */
	run(r, "192.0.2.1", "1.2.0.192.BL.Test", 0, 1, T0, "D");
	rrl_free(r);

	r = mk(2, 0, 2);		/* slip 0: drop them all */
	run(r, "192.0.2.1", "x.bl.test", 0, 6, T0, "PPDDDD");
	rrl_free(r);
	r = mk(2, 1, 2);		/* slip 1: truncate them all */
	run(r, "192.0.2.1", "x.bl.test", 0, 6, T0, "PPSSSS");
	rrl_free(r);
}

static void
test_window(void **state)
{
	struct rrl	*r = mk(5, 0, 2);
	char		 want[101];

	(void)state;
	/* 5 answered, then debt down to -window * rate = -10. */
	memset(want, 'D', 100);
	memset(want, 'P', 5);
	want[100] = '\0';
	run(r, "192.0.2.1", "q.bl.test", 0, 100, T0, want);
	/* 2 s later: back to 0, still no credit. */
	run(r, "192.0.2.1", "q.bl.test", 0, 1, T0 + 2000, "D");
	/* That cost one more (-1); 400 ms earn 2: one answer. */
	run(r, "192.0.2.1", "q.bl.test", 0, 2, T0 + 2400, "PD");
	/* A quiet second refills to the one-second cap, no more. */
	run(r, "192.0.2.1", "q.bl.test", 0, 6, T0 + 9000, "PPPPPD");
	/* The clock going back earns nothing. */
	run(r, "192.0.2.1", "q.bl.test", 0, 1, T0, "D");
	rrl_free(r);
}

static void
test_categories(void **state)
{
	struct rrl	*r = mk(3, 0, 1);

	(void)state;
	/* NXDOMAIN: every name of the zone shares one account. */
	run(r, "192.0.2.1", "1.9.9.9.bl.test", DNS_R_NXDOMAIN, 1, T0, "P");
	run(r, "192.0.2.1", "2.9.9.9.bl.test", DNS_R_NXDOMAIN, 1, T0, "P");
	run(r, "192.0.2.1", "3.9.9.9.bl.test", DNS_R_NXDOMAIN, 1, T0, "P");
	run(r, "192.0.2.1", "4.9.9.9.bl.test", DNS_R_NXDOMAIN, 1, T0, "D");
	run(r, "192.0.2.1", "4.9.9.9.other.test", DNS_R_NXDOMAIN, 1, T0,
	    "P");
	/* ... and not the positive answers of the zone. */
	run(r, "192.0.2.1", "4.9.9.9.bl.test", 0, 1, T0, "P");
	/* Errors: one account per prefix, whatever the name. */
	run(r, "192.0.2.1", "a.example", DNS_R_REFUSED, 1, T0, "P");
	run(r, "192.0.2.1", "b.example", DNS_R_REFUSED, 1, T0, "P");
	run(r, "192.0.2.1", "c.example", DNS_R_FORMERR, 1, T0, "P");
	run(r, "192.0.2.1", "d.example", DNS_R_REFUSED, 1, T0, "D");
	run(r, "192.0.3.1", "d.example", DNS_R_REFUSED, 1, T0, "P");
	rrl_free(r);
}

static void
test_prefixes(void **state)
{
	struct rrl_conf	 c;
	struct rrl	*r;
	const char	*e;

	(void)state;
	rrl_conf_defaults(&c);
	c.rate = 1;
	c.slip = 0;
	assert_int_equal(addr_parse("198.51.100.0/24", &c.exempt[0], &e), 0);
	assert_int_equal(addr_parse("2001:db8:ffff::/48", &c.exempt[1], &e),
	    0);
	c.nexempt = 2;
	r = rrl_new(&c, 7);
	/* /56: 2001:db8:0:1:: and 2001:db8:0:ff:: share, :100:: not. */
	run(r, "2001:db8:0:1::1", "n.bl.test", 0, 1, T0, "P");
	run(r, "2001:db8:0:ff::2", "n.bl.test", 0, 1, T0, "D");
	run(r, "2001:db8:0:100::1", "n.bl.test", 0, 1, T0, "P");
	/* A v4-mapped source is its IPv4 address. */
	run(r, "203.0.113.1", "n.bl.test", 0, 1, T0, "P");
	run(r, "::ffff:203.0.113.9", "n.bl.test", 0, 1, T0, "D");
	/* Exempt: never limited. */
	run(r, "198.51.100.7", "n.bl.test", 0, 4, T0, "PPPP");
	run(r, "2001:db8:ffff:1::1", "n.bl.test", 0, 4, T0, "PPPP");
	rrl_free(r);
}

static void
test_query(void **state)
{
	struct sockaddr_storage	 ss = src("192.0.2.1");
	struct sockaddr		*sa = (struct sockaddr *)&ss;
	struct rrl		*r = mk(2, 2, 1);
	uint8_t			 q[600];
	size_t			 n;

	(void)state;
	n = mkq(q, "1.2.0.192.bl.test", DNS_T_A);
	/* No account yet, then one with credit: build the answer. */
	assert_int_equal(rrl_query(r, sa, q, n, T0), RRL_PASS);
	run(r, "192.0.2.1", "1.2.0.192.bl.test", 0, 1, T0, "P");
	assert_int_equal(rrl_query(r, sa, q, n, T0), RRL_PASS);
	run(r, "192.0.2.1", "1.2.0.192.bl.test", 0, 1, T0, "P");
	/* Out of credit: limited before answering, and charged (slip 2). */
	assert_int_equal(rrl_query(r, sa, q, n, T0), RRL_DROP);
	assert_int_equal(rrl_query(r, sa, q, n, T0), RRL_SLIP);
	run(r, "192.0.2.1", "1.2.0.192.bl.test", 0, 1, T0, "D");
	/* Upper case is the same account; another name is not. */
	n = mkq(q, "1.2.0.192.BL.TEST", DNS_T_A);
	assert_int_equal(rrl_query(r, sa, q, n, T0), RRL_SLIP);
	n = mkq(q, "2.2.0.192.bl.test", DNS_T_A);
	assert_int_equal(rrl_query(r, sa, q, n, T0), RRL_PASS);
	/* A response (QR), another opcode, a runt: not judged here. */
	n = mkq(q, "1.2.0.192.bl.test", DNS_T_A);
	q[2] |= 0x80;
	assert_int_equal(rrl_query(r, sa, q, n, T0), RRL_PASS);
	q[2] = 0x28;			/* UPDATE */
	assert_int_equal(rrl_query(r, sa, q, n, T0), RRL_PASS);
	assert_int_equal(rrl_query(r, sa, q, 11, T0), RRL_PASS);
	/* Off: everything passes. */
	rrl_free(r);
	r = mk(0, 2, 1);
	q[2] = 0x01;
	assert_int_equal(rrl_query(r, sa, q, n, T0), RRL_PASS);
	run(r, "192.0.2.1", "1.2.0.192.bl.test", 0, 3, T0, "PPP");
	rrl_free(r);
}

static void
test_slip(void **state)
{
	uint8_t	p[600];
	size_t	n, qn;

	(void)state;
	qn = mkq(p, "1.2.0.192.bl.test", DNS_T_TXT);
	n = mkr(p, "1.2.0.192.bl.test", DNS_T_TXT, 0, 1, 4);
	assert_true(n > qn);
	assert_int_equal(rrl_slip(p, n), qn);
	assert_int_equal(p[2], 0x87);		/* QR AA TC RD */
	assert_int_equal(p[3] & 0x0f, 0);
	assert_memory_equal(p + 4, "\x00\x01\x00\x00\x00\x00\x00\x00", 8);
	/* From an NXDOMAIN: rcode NOERROR, no authority. */
	n = mkr(p, "9.9.9.9.bl.test", DNS_T_A, DNS_R_NXDOMAIN, 0, 4);
	assert_int_equal(rrl_slip(p, n), mkq(p + 300, "9.9.9.9.bl.test",
	    DNS_T_A));
	assert_int_equal(p[3] & 0x0f, 0);
	assert_int_equal(p[9], 0);
	/* A query becomes a response. */
	qn = mkq(p, "x.bl.test", DNS_T_A);
	assert_int_equal(rrl_slip(p, qn), qn);
	assert_int_equal(p[2] & 0x82, 0x82);
}

/* Untrusted input: nothing that does not parse is read past its end. */
static void
test_malformed(void **state)
{
	static const struct {
		const char	*name;
		const char	*pkt;
		size_t		 len;
	} t[] = {
		{ "runt", "\x12\x34\x01\x00\x00\x01", 6 },
		{ "header only", "\x12\x34\x01\x00\x00\x01\0\0\0\0\0\0", 12 },
		{ "qdcount 2", "\x12\x34\x01\x00\x00\x02\0\0\0\0\0\0"
		    "\x01x\0\0\x01\0\x01", 19 },
		{ "label past end", "\x12\x34\x01\x00\x00\x01\0\0\0\0\0\0"
		    "\x05x\0\0\x01", 17 },
		{ "no type", "\x12\x34\x01\x00\x00\x01\0\0\0\0\0\0"
		    "\x01x\0\0\x01", 17 },
		{ "compressed", "\x12\x34\x01\x00\x00\x01\0\0\0\0\0\0"
		    "\xc0\x0c\0\x01\0\x01", 18 },
	};
	struct sockaddr_storage	 ss = src("192.0.2.1");
	struct rrl		*r = mk(1, 1, 1);
	uint8_t			 p[600];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memcpy(p, t[i].pkt, t[i].len);
		if (rrl_slip(p, t[i].len) != 0)
			fail_msg("%s: slipped, want 0", t[i].name);
		if (rrl_query(r, (struct sockaddr *)&ss, p, t[i].len, T0) !=
		    RRL_PASS)
			fail_msg("%s: query limited, want pass", t[i].name);
		/* As responses: charged to the prefix's error account. */
		p[2] |= 0x80;
		(void)rrl_response(r, (struct sockaddr *)&ss, p, t[i].len,
		    T0);
	}
	/* A 255-byte name is the longest. */
	memcpy(p, "\x12\x34\x01\x00\x00\x01\0\0\0\0\0\0", 12);
	for (i = 0; i < 4; i++) {
		p[12 + 64 * i] = 63;
		memset(p + 13 + 64 * i, 'a', 63);
	}
	p[12 + 256] = 0;		/* 4 x 64 + 1 = 257 bytes: too long */
	memcpy(p + 12 + 257, "\0\x01\0\x01", 4);
	assert_int_equal(rrl_slip(p, 12 + 257 + 4), 0);
	p[12 + 192] = 61;		/* 3 x 64 + 62 + 1 = 255 bytes */
	p[12 + 192 + 62] = 0;
	memcpy(p + 12 + 255, "\0\x01\0\x01", 4);
	assert_int_equal(rrl_slip(p, 12 + 255 + 4), 12 + 255 + 4);
	rrl_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_credit_and_slip),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_categories),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_slip),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
