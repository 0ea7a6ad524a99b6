/* test_wire.c: the DNS query parser and response writer (dns/wire.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dns/dns.h"

/* Header: id 0x1234, RD, then QD/AN/NS/AR counts. */
#define HDR(flags, qd, an, ns, ar)	"\x12\x34" flags \
	"\x00" qd "\x00" an "\x00" ns "\x00" ar
#define HQ		HDR("\x01\x00", "\x01", "\x00", "\x00", "\x00")
#define HQ_AR1		HDR("\x01\x00", "\x01", "\x00", "\x00", "\x01")
#define HQ_AR2		HDR("\x01\x00", "\x01", "\x00", "\x00", "\x02")
/* 2.0.0.127.bl.test IN A */
#define QNAME		"\x01" "2" "\x01" "0" "\x01" "0" "\x03" "127" \
	"\x02" "bl" "\x04" "test" "\x00"
#define Q_A		QNAME "\x00\x01\x00\x01"
/* OPT: root, type 41, payload, ext rcode, version, DO/Z, rdlength. */
#define OPT(udp, ver, dobit, rdl)	"\x00" "\x00\x29" udp "\x00" ver \
	dobit "\x00" rdl

#define P(s)	(const uint8_t *)(s), sizeof(s) - 1

static const char *
result_name(enum dns_parse_result r)
{
	switch (r) {
	case DNS_PARSE_OK:
		return "OK";
	case DNS_PARSE_DROP:
		return "DROP";
	case DNS_PARSE_FORMERR:
		return "FORMERR";
	case DNS_PARSE_NOTIMP:
		return "NOTIMP";
	default:
		return "?";
	}
}

static void
test_parse_table(void **state)
{
	static const struct {
		const char	*name;
		const uint8_t	*pkt;
		size_t		 len;
		enum dns_parse_result want;
		int		 question;	/* name_len > 0 expected */
	} t[] = {
		{ "empty", P(""), DNS_PARSE_DROP, 0 },
		{ "11 bytes", P("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00"),
		    DNS_PARSE_DROP, 0 },
		{ "valid A", P(HQ Q_A), DNS_PARSE_OK, 1 },
		{ "response bit", P(HDR("\x81\x00", "\x01", "\x00", "\x00",
		    "\x00") Q_A), DNS_PARSE_DROP, 0 },
		{ "response, header only", P(HDR("\x80\x00", "\x00", "\x00",
		    "\x00", "\x00")), DNS_PARSE_DROP, 0 },
		{ "opcode IQUERY", P(HDR("\x09\x00", "\x01", "\x00", "\x00",
		    "\x00") Q_A), DNS_PARSE_NOTIMP, 0 },
		{ "opcode STATUS", P(HDR("\x10\x00", "\x01", "\x00", "\x00",
		    "\x00") Q_A), DNS_PARSE_NOTIMP, 0 },
		{ "opcode NOTIFY", P(HDR("\x20\x00", "\x01", "\x00", "\x00",
		    "\x00") Q_A), DNS_PARSE_NOTIMP, 0 },
		{ "opcode UPDATE", P(HDR("\x28\x00", "\x01", "\x00", "\x00",
		    "\x00") Q_A), DNS_PARSE_NOTIMP, 0 },
		{ "qdcount 0", P(HDR("\x01\x00", "\x00", "\x00", "\x00",
		    "\x00")), DNS_PARSE_FORMERR, 0 },
		{ "qdcount 2", P(HDR("\x01\x00", "\x02", "\x00", "\x00",
		    "\x00") Q_A Q_A), DNS_PARSE_FORMERR, 0 },
		{ "header only", P(HQ), DNS_PARSE_FORMERR, 0 },
		{ "name cut", P(HQ "\x01" "2" "\x01"), DNS_PARSE_FORMERR, 0 },
		{ "no root label", P(HQ "\x01" "2"), DNS_PARSE_FORMERR, 0 },
		{ "no qtype", P(HQ QNAME), DNS_PARSE_FORMERR, 0 },
		{ "half qclass", P(HQ QNAME "\x00\x01\x00"),
		    DNS_PARSE_FORMERR, 0 },
		{ "compressed qname", P(HQ "\xc0\x0c" "\x00\x01\x00\x01"),
		    DNS_PARSE_FORMERR, 0 },
		{ "compressed after label", P(HQ "\x01" "a" "\xc0\x0c"
		    "\x00\x01\x00\x01"), DNS_PARSE_FORMERR, 0 },
		{ "label type 0x40", P(HQ "\x40" "a" "\x00\x00\x01\x00\x01"),
		    DNS_PARSE_FORMERR, 0 },
		{ "label type 0x80", P(HQ "\x80" "a" "\x00\x00\x01\x00\x01"),
		    DNS_PARSE_FORMERR, 0 },
		{ "root qname", P(HQ "\x00" "\x00\x06\x00\x01"),
		    DNS_PARSE_OK, 1 },
		{ "ancount 1", P(HDR("\x01\x00", "\x01", "\x01", "\x00",
		    "\x00") Q_A), DNS_PARSE_FORMERR, 1 },
		{ "nscount 1", P(HDR("\x01\x00", "\x01", "\x00", "\x01",
		    "\x00") Q_A), DNS_PARSE_FORMERR, 1 },
		{ "trailing byte", P(HQ Q_A "\x00"), DNS_PARSE_FORMERR, 1 },
		{ "trailing after OPT", P(HQ_AR1 Q_A
		    OPT("\x10\x00", "\x00", "\x00", "\x00\x00") "xx"),
		    DNS_PARSE_FORMERR, 1 },
		{ "arcount 1, nothing", P(HQ_AR1 Q_A), DNS_PARSE_FORMERR, 1 },
		{ "OPT", P(HQ_AR1 Q_A OPT("\x10\x00", "\x00", "\x80",
		    "\x00\x00")), DNS_PARSE_OK, 1 },
		{ "OPT with cookie", P(HQ_AR1 Q_A OPT("\x04\xd0", "\x00",
		    "\x00", "\x00\x0c") "\x00\x0a\x00\x08" "abcdefgh"),
		    DNS_PARSE_OK, 1 },
		{ "OPT option overruns rdata", P(HQ_AR1 Q_A OPT("\x04\xd0",
		    "\x00", "\x00", "\x00\x06") "\x00\x0a\x00\x08" "ab"),
		    DNS_PARSE_FORMERR, 1 },
		{ "OPT option header cut", P(HQ_AR1 Q_A OPT("\x04\xd0",
		    "\x00", "\x00", "\x00\x02") "\x00\x0a"),
		    DNS_PARSE_FORMERR, 1 },
		{ "OPT rdata past end", P(HQ_AR1 Q_A OPT("\x04\xd0", "\x00",
		    "\x00", "\x00\x10") "\x00\x0a\x00\x08"),
		    DNS_PARSE_FORMERR, 1 },
		{ "OPT cut", P(HQ_AR1 Q_A "\x00\x00\x29\x10\x00\x00"),
		    DNS_PARSE_FORMERR, 1 },
		{ "two OPTs", P(HQ_AR2 Q_A OPT("\x10\x00", "\x00", "\x00",
		    "\x00\x00") OPT("\x10\x00", "\x00", "\x00", "\x00\x00")),
		    DNS_PARSE_FORMERR, 1 },
		{ "OPT not at root", P(HQ_AR1 Q_A "\x01" "x" "\x00\x29"
		    "\x10\x00" "\x00\x00\x00\x00" "\x00\x00"),
		    DNS_PARSE_FORMERR, 1 },
		{ "OPT owner pointer", P(HQ_AR1 Q_A "\xc0\x0c" "\x00\x29"
		    "\x10\x00" "\x00\x00\x00\x00" "\x00\x00"),
		    DNS_PARSE_FORMERR, 1 },
		{ "other additional RR, back pointer", P(HQ_AR1 Q_A
		    "\xc0\x0c" "\x00\x01\x00\x01" "\x00\x00\x00\x3c"
		    "\x00\x04" "\x7f\x00\x00\x01"), DNS_PARSE_OK, 1 },
		{ "other RR and OPT", P(HQ_AR2 Q_A
		    OPT("\x10\x00", "\x00", "\x00", "\x00\x00")
		    "\x01" "k" "\x00" "\x00\xfa\x00\xff" "\x00\x00\x00\x00"
		    "\x00\x00"), DNS_PARSE_OK, 1 },
		{ "additional RR, forward pointer", P(HQ_AR1 Q_A
		    "\xc0\x30" "\x00\x01\x00\x01" "\x00\x00\x00\x3c"
		    "\x00\x04" "\x7f\x00\x00\x01"), DNS_PARSE_FORMERR, 1 },
		{ "additional RR, self pointer", P(HQ_AR1 Q_A
		    "\xc0\x23" "\x00\x01\x00\x01" "\x00\x00\x00\x3c"
		    "\x00\x04" "\x7f\x00\x00\x01"), DNS_PARSE_FORMERR, 1 },
		{ "additional RR, rdata cut", P(HQ_AR1 Q_A
		    "\x00" "\x00\x01\x00\x01" "\x00\x00\x00\x3c"
		    "\x00\x04" "\x7f\x00"), DNS_PARSE_FORMERR, 1 },
		{ "additional RR, bad label type", P(HQ_AR1 Q_A
		    "\x41" "\x00\x01\x00\x01" "\x00\x00\x00\x3c"
		    "\x00\x00"), DNS_PARSE_FORMERR, 1 },
		{ "arcount 65535", P(HDR("\x01\x00", "\x01", "\x00", "\x00",
		    "\xff") Q_A OPT("\x10\x00", "\x00", "\x00", "\x00\x00")),
		    DNS_PARSE_FORMERR, 1 },
	};
	struct dns_query	q;
	enum dns_parse_result	got;
	size_t			i;
	int			fails = 0;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&q, 0xa5, sizeof(q));
		got = dns_parse_query(t[i].pkt, t[i].len, &q);
		if (got != t[i].want) {
			print_error("%s: got %s, want %s\n", t[i].name,
			    result_name(got), result_name(t[i].want));
			fails++;
			continue;
		}
		if (got == DNS_PARSE_DROP)
			continue;
		if (q.id != 0x1234) {
			print_error("%s: id got %04x, want 1234\n", t[i].name,
			    q.id);
			fails++;
		}
		if ((q.name_len > 0) != t[i].question) {
			print_error("%s: question got %zu bytes, want %s\n",
			    t[i].name, q.name_len,
			    t[i].question ? "some" : "none");
			fails++;
		}
	}
	assert_int_equal(fails, 0);
}

static void
test_parse_fields(void **state)
{
	static const uint8_t	want_name[] = QNAME;
	struct dns_query	q;

	(void)state;
	assert_int_equal(dns_parse_query(P(HQ Q_A), &q), DNS_PARSE_OK);
	assert_int_equal(q.qtype, DNS_T_A);
	assert_int_equal(q.qclass, DNS_C_IN);
	assert_int_equal(q.flags, 0x0100);
	assert_int_equal(q.name_len, sizeof(want_name) - 1);
	assert_memory_equal(q.name, want_name, q.name_len);
	assert_int_equal(q.nlabels, 6);
	assert_int_equal(q.label_off[0], 0);
	assert_int_equal(q.label_off[3], 6);
	assert_int_equal(q.label_off[4], 10);
	assert_int_equal(q.label_off[5], 13);
	assert_int_equal(q.edns, 0);

	/* Case: the name keeps it (dns_name_eq_lower folds, test_name.c). */
	assert_int_equal(dns_parse_query(P(HQ "\x03" "A\xc1z" "\x02" "Bl"
	    "\x00" "\x00\x10\x00\x01"), &q), DNS_PARSE_OK);
	assert_memory_equal(q.name, "\x03" "A\xc1z" "\x02" "Bl" "\x00", 8);
	assert_int_equal(q.qtype, DNS_T_TXT);

	/* Root. */
	assert_int_equal(dns_parse_query(P(HQ "\x00" "\x00\x06\x00\x01"),
	    &q), DNS_PARSE_OK);
	assert_int_equal(q.name_len, 1);
	assert_int_equal(q.nlabels, 0);
}

static void
test_parse_edns(void **state)
{
	static const struct {
		const char	*name;
		const uint8_t	*pkt;
		size_t		 len;
		uint16_t	 udp;
		uint8_t		 version;
		int		 do_bit;
	} t[] = {
		{ "4096 DO", P(HQ_AR1 Q_A OPT("\x10\x00", "\x00", "\x80",
		    "\x00\x00")), 4096, 0, 1 },
		{ "1232", P(HQ_AR1 Q_A OPT("\x04\xd0", "\x00", "\x00",
		    "\x00\x00")), 1232, 0, 0 },
		{ "100 is 512", P(HQ_AR1 Q_A OPT("\x00\x64", "\x00", "\x00",
		    "\x00\x00")), 512, 0, 0 },
		{ "0 is 512", P(HQ_AR1 Q_A OPT("\x00\x00", "\x00", "\x00",
		    "\x00\x00")), 512, 0, 0 },
		{ "65535", P(HQ_AR1 Q_A OPT("\xff\xff", "\x00", "\x00",
		    "\x00\x00")), 65535, 0, 0 },
		{ "version 1", P(HQ_AR1 Q_A OPT("\x10\x00", "\x01", "\x00",
		    "\x00\x00")), 4096, 1, 0 },
		{ "version 255", P(HQ_AR1 Q_A OPT("\x10\x00", "\xff", "\x80",
		    "\x00\x00")), 4096, 255, 1 },
	};
	struct dns_query	q;
	size_t			i;
	int			fails = 0;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (dns_parse_query(t[i].pkt, t[i].len, &q) != DNS_PARSE_OK ||
		    !q.edns || q.edns_udp != t[i].udp ||
		    q.edns_version != t[i].version ||
		    q.edns_do != t[i].do_bit) {
			print_error("%s: got edns=%d udp=%u version=%u do=%d, "
			    "want edns=1 udp=%u version=%u do=%d\n",
			    t[i].name, q.edns, q.edns_udp, q.edns_version,
			    q.edns_do, t[i].udp, t[i].version, t[i].do_bit);
			fails++;
		}
	}
	assert_int_equal(fails, 0);
}

/* A query for a name of n labels of length l (and the root). */
static size_t
long_query(uint8_t *pkt, size_t cap, const size_t *labels, size_t n)
{
	size_t	len = 0, i;

	memcpy(pkt, HQ, DNS_HEADER_LEN);
	len = DNS_HEADER_LEN;
	for (i = 0; i < n; i++) {
		assert_true(len + 1 + labels[i] < cap);
		pkt[len++] = (uint8_t)labels[i];
		memset(pkt + len, 'a' + (int)(i % 26), labels[i]);
		len += labels[i];
	}
	memcpy(pkt + len, "\x00\x00\x01\x00\x01", 5);
	return len + 5;
}

static void
test_parse_limits(void **state)
{
	static const size_t	l63[] = { 63 };
	static const size_t	l64[] = { 64 };
	/* 3 * 64 + 62 + 1 = 255 bytes with the root; one more is 256. */
	static const size_t	n255[] = { 63, 63, 63, 61 };
	static const size_t	n256[] = { 63, 63, 63, 62 };
	uint8_t			pkt[600];
	struct dns_query	q;
	size_t			len, i;
	size_t			many[128];

	(void)state;
	len = long_query(pkt, sizeof(pkt), l63, 1);
	assert_int_equal(dns_parse_query(pkt, len, &q), DNS_PARSE_OK);
	len = long_query(pkt, sizeof(pkt), l64, 1);
	assert_int_equal(dns_parse_query(pkt, len, &q), DNS_PARSE_FORMERR);
	assert_int_equal(q.name_len, 0);
	len = long_query(pkt, sizeof(pkt), n255, 4);
	assert_int_equal(dns_parse_query(pkt, len, &q), DNS_PARSE_OK);
	assert_int_equal(q.name_len, 255);
	len = long_query(pkt, sizeof(pkt), n256, 4);
	assert_int_equal(dns_parse_query(pkt, len, &q), DNS_PARSE_FORMERR);
	assert_int_equal(q.name_len, 0);

	/* 127 one-byte labels: 255 bytes, the most labels a name has. */
	for (i = 0; i < 128; i++)
		many[i] = 1;
	len = long_query(pkt, sizeof(pkt), many, 127);
	assert_int_equal(dns_parse_query(pkt, len, &q), DNS_PARSE_OK);
	assert_int_equal(q.nlabels, 127);
	assert_int_equal(q.label_off[126], 252);
	len = long_query(pkt, sizeof(pkt), many, 128);
	assert_int_equal(dns_parse_query(pkt, len, &q), DNS_PARSE_FORMERR);
}

static void
test_writer(void **state)
{
	struct dns_query	q;
	struct dns_writer	w;
	uint8_t			buf[64];
	size_t			start, rdl, n;
	static const uint8_t	want[] =
	    "\x12\x34\x85\x00\x00\x01\x00\x01\x00\x00\x00\x01"	/* header */
	    "\x01" "A" "\x00" "\x00\x01\x00\x01"		/* question */
	    "\xc0\x0c" "\x00\x01\x00\x01" "\x00\x00\x01\x2c"
	    "\x00\x04" "\x7f\x00\x00\x02"			/* answer */
	    "\x00" "\x00\x29" "\x10\x00" "\x00\x00\x80\x00" "\x00\x00";

	(void)state;
	assert_int_equal(dns_parse_query(P(HQ "\x01" "A" "\x00"
	    "\x00\x01\x00\x01"), &q), DNS_PARSE_OK);
	dns_writer_init(&w, buf, sizeof(buf), &q, 0);
	assert_int_equal(w.len, 12 + 3 + 4);
	start = dns_rr_begin(&w);
	dns_put_name_ptr(&w, NULL, 0, 12);
	dns_put_u16(&w, DNS_T_A);
	dns_put_u16(&w, DNS_C_IN);
	dns_put_u32(&w, 300);
	rdl = w.len;
	dns_put_u16(&w, 0);
	dns_put_u32(&w, 0x7f000002);
	dns_rr_end(&w, start, rdl, 0);
	dns_put_opt(&w, 4096, 1, 0);
	n = dns_writer_finish(&w, 0);
	assert_int_equal(n, sizeof(want) - 1);
	assert_memory_equal(buf, want, n);

	/* An RR that does not fit is rolled back and sets TC. */
	dns_writer_init(&w, buf, 12 + 7 + 10, &q, 3);
	start = dns_rr_begin(&w);
	dns_put_name_ptr(&w, (const uint8_t *)"\x01x", 2, 12);
	dns_put_u16(&w, DNS_T_A);
	dns_put_u16(&w, DNS_C_IN);
	dns_put_u32(&w, 300);
	rdl = w.len;
	dns_put_u16(&w, 0);
	dns_put_u32(&w, 0x7f000002);
	dns_rr_end(&w, start, rdl, 0);
	assert_true(w.truncated);
	assert_int_equal(w.len, 19);
	assert_int_equal(w.ancount, 0);
	n = dns_writer_finish(&w, 3);
	assert_int_equal(n, 19);
	assert_int_equal(buf[2], 0x87);		/* QR, AA, TC, RD */
	assert_int_equal(buf[3], 0x03);

	/* BADVERS: 16 is 1 in the OPT and 0 in the header. */
	dns_writer_init(&w, buf, sizeof(buf), &q, 0);
	dns_put_opt(&w, 4096, 0, DNS_R_BADVERS);
	n = dns_writer_finish(&w, DNS_R_BADVERS);
	assert_int_equal(buf[3] & 0x0f, 0);
	assert_int_equal(buf[n - 6], 1);

	/* Rewind keeps the question and TC, drops the records. */
	dns_writer_init(&w, buf, sizeof(buf), &q, 0);
	dns_put_opt(&w, 4096, 0, 0);
	w.truncated = 1;
	dns_writer_rewind(&w);
	n = dns_writer_finish(&w, 0);
	assert_int_equal(n, 19);
	assert_int_equal(buf[11], 0);
	assert_int_equal(buf[2] & 0x02, 0x02);

	/* A question that did not parse is not echoed. */
	assert_int_equal(dns_parse_query(P(HQ "\xc0\x0c\x00\x01\x00\x01"),
	    &q), DNS_PARSE_FORMERR);
	dns_writer_init(&w, buf, sizeof(buf), &q, DNS_R_FORMERR);
	n = dns_writer_finish(&w, DNS_R_FORMERR);
	assert_int_equal(n, 12);
	assert_int_equal(buf[5], 0);
	assert_int_equal(buf[3], 1);

	/* A buffer smaller than a header gives nothing, safely. */
	dns_writer_init(&w, buf, 11, &q, 0);
	assert_int_equal(dns_writer_finish(&w, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_parse_fields),
		cmocka_unit_test(test_parse_edns),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_writer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
