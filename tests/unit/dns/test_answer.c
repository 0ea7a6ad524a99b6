/* test_answer.c: the DNS answer reader (dns/answer.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/buf.h"
#include "dns/dns.h"

/* Response header: id 0x1234, QR RD RA, QD=1, AN=an, NS=AR=0. */
#define HDR(an)		"\x12\x34\x81\x80\x00\x01\x00" an "\x00\x00\x00\x00"
/* 2.0.0.127.bl.test (at offset 12, 19 bytes) IN A */
#define QNAME		"\x01" "2" "\x01" "0" "\x01" "0" "\x03" "127" \
	"\x02" "bl" "\x04" "test" "\x00"
#define Q_A		QNAME "\x00\x01\x00\x01"
#define Q_TXT		QNAME "\x00\x10\x00\x01"
#define PQ		"\xc0\x0c"		/* pointer to the question */
#define IN_TTL		"\x00\x01\x00\x00\x0e\x10"	/* IN, 3600 */
#define RR_A(c)		PQ "\x00\x01" IN_TTL "\x00\x04" c

#define P(s)	(const uint8_t *)(s), sizeof(s) - 1

/* Read every record; returns what the last call gave, counts records. */
static int
walk(const uint8_t *pkt, size_t len, int *n, const char **err)
{
	struct dns_answer	a;
	struct dns_rr		rr;
	int			rc;

	*n = 0;
	*err = NULL;
	if (dns_answer_init(&a, pkt, len) == -1) {
		*err = a.err;
		return -2;
	}
	while ((rc = dns_answer_next(&a, &rr)) == 1)
		(*n)++;
	*err = a.err;
	/* After an error or the end, it stays there. */
	assert_int_equal(dns_answer_next(&a, &rr), rc);
	return rc;
}

static void
test_malformed_table(void **state)
{
	static const struct {
		const char	*name;
		const uint8_t	*pkt;
		size_t		 len;
		int		 want;		/* -2 init fails, -1, 0 */
		int		 nrr;		/* records before that */
	} t[] = {
		{ "empty", P(""), -2, 0 },
		{ "11 bytes", P("\x12\x34\x81\x80\x00\x01\x00\x00\x00\x00\x00"),
		    -2, 0 },
		{ "a query, not a response", P("\x12\x34\x01\x00\x00\x01"
		    "\x00\x00\x00\x00\x00\x00" Q_A), -2, 0 },
		{ "qdcount 0", P("\x12\x34\x81\x80\x00\x00\x00\x00\x00\x00"
		    "\x00\x00"), -2, 0 },
		{ "qdcount 2", P("\x12\x34\x81\x80\x00\x02\x00\x00\x00\x00"
		    "\x00\x00" Q_A Q_A), -2, 0 },
		{ "question cut", P(HDR("\x00") "\x01" "2" "\x01"), -2, 0 },
		{ "question without class", P(HDR("\x00") QNAME "\x00\x01"),
		    -2, 0 },
		{ "question is a pointer", P(HDR("\x00") "\xc0\x0c"
		    "\x00\x01\x00\x01"), -2, 0 },
		{ "question points into the header", P(HDR("\x00") "\xc0\x02"
		    "\x00\x01\x00\x01"), -2, 0 },
		{ "no answers", P(HDR("\x00") Q_A), 0, 0 },
		{ "one A", P(HDR("\x01") Q_A RR_A("\x7f\x00\x00\x02")), 0, 1 },
		{ "two A", P(HDR("\x02") Q_A RR_A("\x7f\x00\x00\x02")
		    RR_A("\x7f\x00\x00\x04")), 0, 2 },
		{ "ancount past the packet", P(HDR("\x03") Q_A
		    RR_A("\x7f\x00\x00\x02")), -1, 1 },
		{ "ancount 65535", P("\x12\x34\x81\x80\x00\x01\xff\xff\x00\x00"
		    "\x00\x00" Q_A RR_A("\x7f\x00\x00\x02")), -1, 1 },
		{ "record cut in its header", P(HDR("\x01") Q_A PQ
		    "\x00\x01\x00\x01\x00"), -1, 0 },
		{ "rdlength past the end", P(HDR("\x01") Q_A PQ "\x00\x01"
		    IN_TTL "\x00\x08" "\x7f\x00\x00\x02"), -1, 0 },
		{ "A of 3 bytes", P(HDR("\x01") Q_A PQ "\x00\x01" IN_TTL
		    "\x00\x03" "\x7f\x00\x00"), -1, 0 },
		{ "AAAA of 4 bytes", P(HDR("\x01") Q_A PQ "\x00\x1c" IN_TTL
		    "\x00\x04" "\x7f\x00\x00\x02"), -1, 0 },
		{ "pointer to itself", P(HDR("\x01") Q_A "\xc0\x23" "\x00\x01"
		    IN_TTL "\x00\x04" "\x7f\x00\x00\x02"), -1, 0 },
		{ "forward pointer", P(HDR("\x01") Q_A "\xc0\x30" "\x00\x01"
		    IN_TTL "\x00\x04" "\x7f\x00\x00\x02"), -1, 0 },
		{ "pointer into the header", P(HDR("\x01") Q_A "\xc0\x04"
		    "\x00\x01" IN_TTL "\x00\x04" "\x7f\x00\x00\x02"), -1, 0 },
		/*
		 * "x" then a pointer back to the "x": backwards from the
		 * pointer, but a loop. Pointers must point before the start
		 * of the run they end.
		 */
		{ "pointer loop", P(HDR("\x01") Q_A
		    "\x01x\xc0\x23" "\x00\x01" IN_TTL "\x00\x04" "\x7f\0\0\2"),
		    -1, 0 },
		{ "pointer cut", P(HDR("\x01") Q_A "\xc0"), -1, 0 },
		{ "label type 0x40", P(HDR("\x01") Q_A "\x41x" "\x00\x00\x01"
		    IN_TTL "\x00\x04" "\x7f\x00\x00\x02"), -1, 0 },
		{ "label of 64", P(HDR("\x01") Q_A "\x40"
		    "0123456789012345678901234567890123456789012345678901234567"
		    "890123" "\x00" "\x00\x01" IN_TTL "\x00\x04" "\x7f\0\0\2"),
		    -1, 0 },
		{ "CNAME target past RDATA", P(HDR("\x01") Q_A PQ "\x00\x05"
		    IN_TTL "\x00\x02" "\x01x" "\x00"), -1, 0 },
		{ "CNAME with bytes after its name", P(HDR("\x01") Q_A PQ
		    "\x00\x05" IN_TTL "\x00\x04" "\x01x\x00" "!"), -1, 0 },
		{ "CNAME pointing into its own RDATA", P(HDR("\x01") Q_A PQ
		    "\x00\x05" IN_TTL "\x00\x02" "\xc0\x2f"), -1, 0 },
		{ "MX too short", P(HDR("\x01") Q_A PQ "\x00\x0f" IN_TTL
		    "\x00\x02" "\x00\x0a"), -1, 0 },
		{ "TXT empty", P(HDR("\x01") Q_TXT PQ "\x00\x10" IN_TTL
		    "\x00\x00"), -1, 0 },
		{ "TXT string past RDATA", P(HDR("\x01") Q_TXT PQ "\x00\x10"
		    IN_TTL "\x00\x03" "\x05" "ab" "cde"), -1, 0 },
		{ "unknown type kept", P(HDR("\x01") Q_A PQ "\x00\x63" IN_TTL
		    "\x00\x03" "abc"), 0, 1 },
	};
	const char	*err;
	size_t		 i;
	int		 rc, n;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		rc = walk(t[i].pkt, t[i].len, &n, &err);
		if (rc != t[i].want || n != t[i].nrr)
			fail_msg("%s: got %d after %d records (%s), want %d "
			    "after %d", t[i].name, rc, n, err != NULL ? err :
			    "no error", t[i].want, t[i].nrr);
		if ((rc < 0) != (err != NULL))
			fail_msg("%s: error %s with result %d", t[i].name,
			    err != NULL ? err : "none", rc);
	}
}

/*
 * A response whose one answer has an owner of nlab labels, the last of
 * last bytes and the others of 63, then an A record. Returns its length.
 */
static size_t
long_owner(uint8_t *pkt, int nlab, uint8_t last)
{
	static const char	head[] = HDR("\x01") Q_A;
	static const char	tail[] = "\x00\x01" IN_TTL "\x00\x04"
				    "\x7f\x00\x00\x02";
	size_t			n = sizeof(head) - 1;
	int			i;

	memcpy(pkt, head, n);
	for (i = 0; i < nlab; i++) {
		pkt[n] = i < nlab - 1 ? 63 : last;
		memset(pkt + n + 1, 'a', pkt[n]);
		n += 1 + (size_t)pkt[n];
	}
	pkt[n++] = 0;
	memcpy(pkt + n, tail, sizeof(tail) - 1);
	return n + sizeof(tail) - 1;
}

static void
test_name_too_long(void **state)
{
	uint8_t			 pkt[512];
	struct dns_answer	 a;
	struct dns_rr		 rr;

	(void)state;
	/* Five labels of 63: 321 bytes. */
	assert_int_equal(dns_answer_init(&a, pkt, long_owner(pkt, 5, 63)), 0);
	assert_int_equal(dns_answer_next(&a, &rr), -1);
	assert_string_equal(a.err, "name too long");
	/* Four of 63 (256 bytes with the root) are one too many. */
	assert_int_equal(dns_answer_init(&a, pkt, long_owner(pkt, 4, 63)), 0);
	assert_int_equal(dns_answer_next(&a, &rr), -1);
	assert_string_equal(a.err, "name too long");
	/* Three of 63 and one of 61: 255 bytes, the longest name. */
	assert_int_equal(dns_answer_init(&a, pkt, long_owner(pkt, 4, 61)), 0);
	assert_int_equal(dns_answer_next(&a, &rr), 1);
	assert_int_equal(rr.owner_len, 255);
	assert_int_equal(rr.on_chain, 0);
}

static void
test_values(void **state)
{
	/*
	 * CNAME from the question to x.bl.test (compressed against the
	 * question's "bl.test" at offset 12+10), then A records of x (on
	 * the chain) and of the question (no longer on it), an MX and a
	 * TXT of two strings.
	 */
	static const char pkt[] = HDR("\x05") Q_A
	    PQ "\x00\x05" IN_TTL "\x00\x04" "\x01x\xc0\x16"	/* @35 */
	    "\xc0\x2f" "\x00\x01" "\x00\x01\x00\x00\x00\x3c" "\x00\x04"
	    "\x7f\x00\x00\x04"
	    PQ "\x00\x01" IN_TTL "\x00\x04" "\x7f\x00\x00\x09"
	    PQ "\x00\x0f" IN_TTL "\x00\x06" "\x00\x0a" "\x01m\xc0\x16"
	    PQ "\x00\x10" "\x00\x01\xff\xff\xff\xff" "\x00\x06"
	    "\x02" "ab" "\x02" "cd";
	struct dns_answer	 a;
	struct dns_rr		 rr;
	struct sbuf		 b;
	char			 text[DNS_NAME_MAX + 1];

	(void)state;
	assert_int_equal(dns_answer_init(&a, P(pkt)), 0);
	assert_int_equal(a.qtype, DNS_T_A);
	assert_int_equal(a.rcode, 0);
	assert_int_equal(a.id, 0x1234);

	assert_int_equal(dns_answer_next(&a, &rr), 1);
	assert_int_equal(rr.type, DNS_T_CNAME);
	assert_int_equal(rr.on_chain, 1);
	assert_int_equal(rr.ttl, 3600);
	dns_name_to_text(rr.target, rr.target_len, text, sizeof(text));
	assert_string_equal(text, "x.bl.test");

	assert_int_equal(dns_answer_next(&a, &rr), 1);
	assert_int_equal(rr.type, DNS_T_A);
	assert_int_equal(rr.on_chain, 1);
	assert_int_equal(rr.ttl, 60);
	assert_memory_equal(rr.rdata, "\x7f\x00\x00\x04", 4);
	dns_name_to_text(rr.owner, rr.owner_len, text, sizeof(text));
	assert_string_equal(text, "x.bl.test");

	assert_int_equal(dns_answer_next(&a, &rr), 1);
	assert_int_equal(rr.type, DNS_T_A);
	assert_int_equal(rr.on_chain, 0);

	assert_int_equal(dns_answer_next(&a, &rr), 1);
	assert_int_equal(rr.type, DNS_T_MX);
	assert_int_equal(rr.pref, 10);
	dns_name_to_text(rr.target, rr.target_len, text, sizeof(text));
	assert_string_equal(text, "m.bl.test");

	assert_int_equal(dns_answer_next(&a, &rr), 1);
	assert_int_equal(rr.type, DNS_T_TXT);
	assert_int_equal(rr.ttl, 0);		/* over 2^31-1 */
	sbuf_init(&b);
	assert_int_equal(dns_rr_txt(&rr, &b, 100), 4);
	assert_int_equal(b.len, 4);
	assert_memory_equal(b.s, "abcd", 4);
	sbuf_reset(&b);
	/* Cut at max, but the full length is still told. */
	assert_int_equal(dns_rr_txt(&rr, &b, 3), 4);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.s, "abc", 3);
	sbuf_free(&b);

	assert_int_equal(dns_answer_next(&a, &rr), 0);
	assert_null(a.err);
}

/* The owner matches the question without regard to case. */
static void
test_chain_case(void **state)
{
	static const char pkt[] = HDR("\x01") Q_A
	    "\x01" "2" "\x01" "0" "\x01" "0" "\x03" "127" "\x02" "BL"
	    "\x04" "Test" "\x00" "\x00\x01" IN_TTL "\x00\x04" "\x7f\0\0\2";
	struct dns_answer	a;
	struct dns_rr		rr;

	(void)state;
	assert_int_equal(dns_answer_init(&a, P(pkt)), 0);
	assert_int_equal(dns_answer_next(&a, &rr), 1);
	assert_int_equal(rr.on_chain, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malformed_table),
		cmocka_unit_test(test_name_too_long),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_chain_case),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
