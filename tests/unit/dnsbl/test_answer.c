/*
 * test_answer.c: the DNSBL answer path (dnsbl/answer.c), fed raw query
 * packets against an index built with index_builder_*. Each response is
 * rendered as one line of text (rcode, flags, sections, decompressed
 * names, rdata) and compared with the wanted line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/addr.h"
#include "core/metrics.h"
#include "dns/dns.h"
#include "dnsbl/dnsbl.h"
#include "list/list.h"

#define NOW		1795900000	/* 2026-11-28T22:13:20Z */
#define LISTED		1795824000	/* 2026-11-28T00:00:00Z */
#define WEEK		(7 * 86400)
#define QF_EDNS		0x01
#define QF_DO		0x02
#define QF_V1		0x04
#define QF_TCP		0x08

static struct index	*idx;
static struct dnsbl_conf conf;
static char		 longreason[501];

static void
add(struct index_builder *b, int zone, const char *cidr, int exclude,
    uint32_t code, const char *reason, int64_t listed, int64_t expires)
{
	struct addr_prefix	 p;
	const char		*err;

	assert_int_equal(addr_parse(cidr, &p, &err), 0);
	assert_int_equal(index_builder_add(b, zone, &p, exclude, code, reason,
	    listed, expires), 0);
}

/* The RFC 5782 section 5 test points index_load adds to every zone. */
static void
test_points(struct index_builder *b, int zone)
{
	add(b, zone, "127.0.0.2", 0, 0, LIST_TEST_REASON, 0, 0);
	add(b, zone, "127.0.0.1", 1, 0, NULL, 0, 0);
}

/*
 * The zone bl.test: the test points, a /32, a range with an exclusion,
 * an expired listing, IPv6 single and range. Returns its number.
 */
static int
add_bl_test(struct index_builder *b)
{
	struct index_zone	z;
	int			zn;

	memset(&z, 0, sizeof(z));
	z.name = "bl.test";
	z.code = 0x7f000002;
	z.txt = "$reason (listed $listed, expires $expires); see $url";
	z.url = "https://bl.test/lookup/$ip";
	z.serial = 2026112801;
	zn = index_builder_zone(b, &z);
	test_points(b, zn);
	add(b, zn, "192.0.2.1", 0, 0, "spam trap hit", LISTED, 0);
	add(b, zn, "198.51.100.0/24", 0, 0x7f000003, "range", LISTED,
	    LISTED + WEEK);
	add(b, zn, "198.51.100.7", 1, 0, NULL, 0, 0);
	add(b, zn, "203.0.113.5", 0, 0, "expired", 1000, 2000);
	add(b, zn, "2001:db8::1", 0, 0, "v6 spam", LISTED, 0);
	add(b, zn, "2001:db8:1::/48", 0, 0x7f00000a, "v6 range", LISTED, 0);
	return zn;
}

/* No code and no template: 127.0.0.2 and the bare reason. */
static void
add_other_example(struct index_builder *b)
{
	struct index_zone	z;
	int			zn;

	memset(&z, 0, sizeof(z));
	z.name = "other.example";
	z.serial = 1;
	zn = index_builder_zone(b, &z);
	test_points(b, zn);
	add(b, zn, "10.0.0.0/8", 0, 0, "ten", LISTED, 0);
}

static int
setup(void **state)
{
	struct index_builder	*b;
	struct index_zone	 z;
	int			 zn;

	(void)state;
	memset(longreason, 'r', 500);
	longreason[0] = '<';
	longreason[499] = '>';
	b = index_builder_new();

	assert_int_equal(add_bl_test(b), 0);
	memset(&z, 0, sizeof(z));

	/* Nested under bl.test: the longest suffix wins. */
	z.name = "big.bl.test";
	z.code = 0x7f000004;
	z.txt = "$reason|$reason|$reason|$reason|$reason|$reason";
	z.url = "";
	z.serial = 7;
	zn = index_builder_zone(b, &z);
	test_points(b, zn);
	add(b, zn, "192.0.2.1", 0, 0, longreason, LISTED, 0);

	add_other_example(b);

	z.name = "vars.test";
	z.code = 0x7f000005;
	z.txt = "$$ $zone $foo $ip $expires $url $";
	z.url = "u/$ip/$zone/$url/$$";
	z.serial = 3;
	zn = index_builder_zone(b, &z);
	test_points(b, zn);
	add(b, zn, "192.0.2.1", 0, 0, "x", LISTED, LISTED + WEEK);
	add(b, zn, "2001:db8::1", 0, 0, "x", LISTED, 0);

	/* A template that expands past DNSBL_TXT_MAX. */
	z.name = "huge.test";
	z.code = 0x7f000006;
	z.txt = "$reason$reason$reason$reason$reason$reason$reason$reason"
	    "$reason$reason";
	z.url = "";
	z.serial = 4;
	zn = index_builder_zone(b, &z);
	add(b, zn, "192.0.2.1", 0, 0, longreason, LISTED, 0);

	idx = index_builder_finish(b);
	assert_non_null(idx);

	dnsbl_conf_defaults(&conf);
	conf.ns[0] = "ns1.bl.test";
	conf.ns[1] = "ns2.example.net";
	conf.nns = 2;
	conf.soa_mname = "ns1.bl.test";
	conf.soa_rname = "hostmaster.bl.test";
	conf.soa_refresh = 3600;
	conf.soa_retry = 900;
	conf.soa_expire = 604800;
	conf.soa_minimum = 300;
	conf.ttl = 2100;
	conf.ns_ttl = 86400;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	index_free(idx);
	return 0;
}

/* A query for text name (case kept), type, class, with QF_* flags. */
static size_t
mkquery(uint8_t *pkt, const char *name, uint16_t type, uint16_t class,
    int flags)
{
	size_t		 n = DNS_HEADER_LEN, l;
	const char	*p = name, *dot;

	memcpy(pkt, "\xbe\xef\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12);
	while (*p != '\0' && strcmp(p, ".") != 0) {
		if ((dot = strchr(p, '.')) == NULL)
			dot = p + strlen(p);
		l = (size_t)(dot - p);
		pkt[n++] = (uint8_t)l;
		memcpy(pkt + n, p, l);
		n += l;
		p = *dot == '.' ? dot + 1 : dot;
	}
	pkt[n++] = 0;
	pkt[n++] = (uint8_t)(type >> 8);
	pkt[n++] = (uint8_t)type;
	pkt[n++] = (uint8_t)(class >> 8);
	pkt[n++] = (uint8_t)class;
	if (flags & QF_EDNS) {
		pkt[11] = 1;
		memcpy(pkt + n, "\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00",
		    11);
		if (flags & QF_V1)
			pkt[n + 6] = 1;
		if (flags & QF_DO)
			pkt[n + 7] = 0x80;
		n += 11;
	}
	return n;
}

/* Response reader: a cursor that fails the test on a malformed message. */
struct rr {
	const uint8_t	*m;
	size_t		 len, off;
};

static unsigned
get16(struct rr *r)
{
	assert_true(r->off + 2 <= r->len);
	r->off += 2;
	return (unsigned)r->m[r->off - 2] << 8 | r->m[r->off - 1];
}

static unsigned long
get32(struct rr *r)
{
	unsigned long	hi = get16(r);

	return hi << 16 | get16(r);
}

/* Decompress a name into out (text with a trailing dot). */
static void
getname(struct rr *r, char *out, size_t outsize)
{
	size_t	o = r->off, n = 0, jumps = 0;
	int	jumped = 0;
	uint8_t	l;

	out[0] = '\0';
	for (;;) {
		assert_true(o < r->len);
		l = r->m[o];
		if ((l & 0xc0) == 0xc0) {
			size_t	to;

			assert_true(o + 1 < r->len);
			to = (size_t)(l & 0x3f) << 8 | r->m[o + 1];
			assert_true(to < o);	/* strictly backwards */
			assert_true(++jumps < 64);
			if (!jumped)
				r->off = o + 2;
			jumped = 1;
			o = to;
			continue;
		}
		assert_true(l <= 63);
		if (l == 0) {
			if (!jumped)
				r->off = o + 1;
			if (n == 0)
				snprintf(out, outsize, ".");
			return;
		}
		assert_true(o + 1 + l <= r->len);
		assert_true(n + l + 2 < outsize);
		memcpy(out + n, r->m + o + 1, l);
		n += l;
		out[n++] = '.';
		out[n] = '\0';
		o += 1 + l;
	}
}

static const char *
typename(unsigned t)
{
	static char	buf[16];

	switch (t) {
	case DNS_T_A: return "A";
	case DNS_T_NS: return "NS";
	case DNS_T_SOA: return "SOA";
	case DNS_T_TXT: return "TXT";
	case DNS_T_AAAA: return "AAAA";
	case DNS_T_MX: return "MX";
	case DNS_T_ANY: return "ANY";
	case DNS_T_AXFR: return "AXFR";
	case DNS_T_OPT: return "OPT";
	default:
		snprintf(buf, sizeof(buf), "TYPE%u", t);
		return buf;
	}
}

static const char *
rcodename(unsigned rc)
{
	static const char *const names[] = { "NOERROR", "FORMERR",
	    "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED" };

	if (rc < 6)
		return names[rc];
	if (rc == 16)
		return "BADVERS";
	return "RCODE?";
}

#define ADDF(...)	do { \
	size_t _n = strlen(out); \
	snprintf(out + _n, outsize - _n, __VA_ARGS__); \
} while (0)

/*
 * Render a response as "RCODE flags | Q name type | AN owner ttl TYPE
 * rdata | ..." with TXT strings joined by '/' between character-strings.
 * OUT:txtlen (may be NULL) gets the total TXT bytes of the last TXT.
 */
static void
render(const uint8_t *m, size_t len, char *out, size_t outsize,
    size_t *txtlen)
{
	struct rr	r = { m, len, 0 };
	unsigned	flags, qd, an, ns, ar, i, type, class, rdlen, rcode;
	unsigned long	ttl;
	char		name[300], name2[300];
	static const char *const sec[] = { "AN", "NS", "AR" };
	size_t		end, n;

	out[0] = '\0';
	assert_true(len >= 12);
	(void)get16(&r);
	flags = get16(&r);
	qd = get16(&r);
	an = get16(&r);
	ns = get16(&r);
	ar = get16(&r);
	rcode = flags & 0x0f;
	/* The extended rcode sits in the OPT: find it first. */
	{
		struct rr	s = r;

		for (i = 0; i < qd; i++) {
			getname(&s, name, sizeof(name));
			s.off += 4;
		}
		for (i = 0; i < an + ns + ar; i++) {
			getname(&s, name, sizeof(name));
			type = get16(&s);
			(void)get16(&s);
			ttl = get32(&s);
			rdlen = get16(&s);
			if (type == DNS_T_OPT)
				rcode |= (unsigned)(ttl >> 24) << 4;
			s.off += rdlen;
		}
		assert_int_equal(s.off, len);
	}
	ADDF("%s%s%s%s%s", rcodename(rcode), flags & DNS_F_QR ? " qr" : "",
	    flags & DNS_F_AA ? " aa" : "", flags & DNS_F_TC ? " tc" : "",
	    flags & DNS_F_RD ? " rd" : "");
	for (i = 0; i < qd; i++) {
		getname(&r, name, sizeof(name));
		type = get16(&r);
		class = get16(&r);
		ADDF(" | Q %s %s%s", name, typename(type),
		    class == DNS_C_IN ? "" : " !IN");
	}
	for (i = 0; i < an + ns + ar; i++) {
		const char	*s = sec[i < an ? 0 : i < an + ns ? 1 : 2];

		getname(&r, name, sizeof(name));
		type = get16(&r);
		class = get16(&r);
		ttl = get32(&r);
		rdlen = get16(&r);
		end = r.off + rdlen;
		assert_true(end <= len);
		if (type == DNS_T_OPT) {
			ADDF(" | %s OPT udp=%u ver=%lu%s rdlen=%u", s, class,
			    (ttl >> 16) & 0xff, ttl & 0x8000 ? " do" : "",
			    rdlen);
			r.off = end;
			continue;
		}
		ADDF(" | %s %s %lu %s%s", s, name, ttl, typename(type),
		    class == DNS_C_IN ? "" : " !IN");
		switch (type) {
		case DNS_T_A:
			assert_int_equal(rdlen, 4);
			ADDF(" %u.%u.%u.%u", m[r.off], m[r.off + 1],
			    m[r.off + 2], m[r.off + 3]);
			break;
		case DNS_T_NS:
			getname(&r, name, sizeof(name));
			ADDF(" %s", name);
			break;
		case DNS_T_SOA:
			getname(&r, name, sizeof(name));
			getname(&r, name2, sizeof(name2));
			ADDF(" %s %s", name, name2);
			ADDF(" %lu", get32(&r));
			ADDF(" %lu", get32(&r));
			ADDF(" %lu", get32(&r));
			ADDF(" %lu", get32(&r));
			ADDF(" %lu", get32(&r));
			break;
		case DNS_T_TXT:
			n = 0;
			ADDF(" \"");
			while (r.off < end) {
				unsigned l = m[r.off];

				assert_true(r.off + 1 + l <= end);
				if (n > 0)
					ADDF("/");
				ADDF("%.*s", (int)l, (const char *)m + r.off +
				    1);
				n += l;
				r.off += 1 + l;
			}
			ADDF("\"");
			if (txtlen != NULL)
				*txtlen = n;
			break;
		default:
			break;
		}
		assert_int_equal(r.off <= end, 1);
		r.off = end;
	}
}

/* Query, answer, render; fail with got/want when they differ. */
static int
check(const char *what, const uint8_t *pkt, size_t plen, int tcp,
    const char *want)
{
	static uint8_t	out[DNS_TCP_MAX];
	static char	got[70000];
	size_t		n;

	n = dnsbl_answer(&conf, idx, pkt, plen, out, sizeof(out), tcp, NOW);
	if (want == NULL) {
		if (n != 0) {
			print_error("%s: got %zu bytes, want no answer\n",
			    what, n);
			return 1;
		}
		return 0;
	}
	if (n == 0) {
		print_error("%s: got no answer, want %s\n", what, want);
		return 1;
	}
	/* Every answer echoes the id. */
	if (out[0] != 0xbe || out[1] != 0xef) {
		print_error("%s: id got %02x%02x, want beef\n", what, out[0],
		    out[1]);
		return 1;
	}
	render(out, n, got, sizeof(got), NULL);
	if (strcmp(got, want) != 0) {
		print_error("%s:\n  got  %s\n  want %s\n", what, got, want);
		return 1;
	}
	return 0;
}

#define SOA_BL	"NS bl.test. 300 SOA ns1.bl.test. hostmaster.bl.test. " \
	"2026112801 3600 900 604800 300"
#define TP_TXT	"RFC 5782 test point (listed always, " \
	"expires never); see https://bl.test/lookup/127.0.0.2"
#define V6_1	"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0" \
	".0.2"
#define V6_31	"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"
#define V6_1UP	"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0" \
	".0.2"
#define V6_2	"2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0" \
	".0.2"
#define V6_R	"5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.8.b.d.0.1.0" \
	".0.2"
#define V6_MAP	"1.0.2.0.0.0.0.c.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0" \
	".0.0"

static void
test_table(void **state)
{
	static const struct {
		const char	*name;
		const char	*qname;
		uint16_t	 qtype, qclass;
		int		 flags;
		const char	*want;
	} t[] = {
		/* RFC 5782 section 5 test points. */
		{ "test point A", "2.0.0.127.bl.test", DNS_T_A, 1, 0,
		    "NOERROR qr aa rd | Q 2.0.0.127.bl.test. A | "
		    "AN 2.0.0.127.bl.test. 2100 A 127.0.0.2" },
		{ "test point TXT", "2.0.0.127.bl.test", DNS_T_TXT, 1, 0,
		    "NOERROR qr aa rd | Q 2.0.0.127.bl.test. TXT | "
		    "AN 2.0.0.127.bl.test. 2100 TXT \"" TP_TXT "\"" },
		{ "test point not listed", "1.0.0.127.bl.test", DNS_T_A, 1,
		    0, "NXDOMAIN qr aa rd | Q 1.0.0.127.bl.test. A | "
		    SOA_BL },
		/* Listed addresses, codes, TXT expansion. */
		{ "listed A", "1.2.0.192.bl.test", DNS_T_A, 1, 0,
		    "NOERROR qr aa rd | Q 1.2.0.192.bl.test. A | "
		    "AN 1.2.0.192.bl.test. 2100 A 127.0.0.2" },
		{ "listed TXT", "1.2.0.192.bl.test", DNS_T_TXT, 1, 0,
		    "NOERROR qr aa rd | Q 1.2.0.192.bl.test. TXT | "
		    "AN 1.2.0.192.bl.test. 2100 TXT \"spam trap hit (listed "
		    "2026-11-28T00:00:00Z, expires never); see "
		    "https://bl.test/lookup/192.0.2.1\"" },
		/* RFC 8482 section 4.1: ANY gets the A RRset alone. */
		{ "listed ANY", "1.2.0.192.bl.test", DNS_T_ANY, 1, 0,
		    "NOERROR qr aa rd | Q 1.2.0.192.bl.test. ANY | "
		    "AN 1.2.0.192.bl.test. 2100 A 127.0.0.2" },
		{ "range ANY: its code alone", "5.100.51.198.bl.test",
		    DNS_T_ANY, 1, 0,
		    "NOERROR qr aa rd | Q 5.100.51.198.bl.test. ANY | "
		    "AN 5.100.51.198.bl.test. 2100 A 127.0.0.3" },
		{ "unlisted ANY", "9.9.9.9.bl.test", DNS_T_ANY, 1, 0,
		    "NXDOMAIN qr aa rd | Q 9.9.9.9.bl.test. ANY | " SOA_BL },
		{ "listed AAAA: NODATA", "1.2.0.192.bl.test", DNS_T_AAAA, 1,
		    0, "NOERROR qr aa rd | Q 1.2.0.192.bl.test. AAAA | "
		    SOA_BL },
		{ "listed MX: NODATA", "1.2.0.192.bl.test", DNS_T_MX, 1, 0,
		    "NOERROR qr aa rd | Q 1.2.0.192.bl.test. MX | " SOA_BL },
		{ "listed, class ANY", "1.2.0.192.bl.test", DNS_T_A, 255, 0,
		    "NOERROR qr aa rd | Q 1.2.0.192.bl.test. A !IN | "
		    "AN 1.2.0.192.bl.test. 2100 A 127.0.0.2" },
		{ "case echoed", "1.2.0.192.BL.Test", DNS_T_A, 1, 0,
		    "NOERROR qr aa rd | Q 1.2.0.192.BL.Test. A | "
		    "AN 1.2.0.192.BL.Test. 2100 A 127.0.0.2" },
		{ "case in NXDOMAIN SOA", "9.9.9.9.bL.TeSt", DNS_T_A, 1, 0,
		    "NXDOMAIN qr aa rd | Q 9.9.9.9.bL.TeSt. A | "
		    "NS bL.TeSt. 300 SOA ns1.bL.TeSt. hostmaster.bL.TeSt. "
		    "2026112801 3600 900 604800 300" },
		{ "range code", "5.100.51.198.bl.test", DNS_T_A, 1, 0,
		    "NOERROR qr aa rd | Q 5.100.51.198.bl.test. A | "
		    "AN 5.100.51.198.bl.test. 2100 A 127.0.0.3" },
		{ "range TXT expires", "5.100.51.198.bl.test", DNS_T_TXT, 1,
		    0, "NOERROR qr aa rd | Q 5.100.51.198.bl.test. TXT | "
		    "AN 5.100.51.198.bl.test. 2100 TXT \"range (listed "
		    "2026-11-28T00:00:00Z, expires 2026-12-05T00:00:00Z); "
		    "see https://bl.test/lookup/198.51.100.5\"" },
		{ "excluded", "7.100.51.198.bl.test", DNS_T_A, 1, 0,
		    "NXDOMAIN qr aa rd | Q 7.100.51.198.bl.test. A | "
		    SOA_BL },
		{ "expired", "5.113.0.203.bl.test", DNS_T_A, 1, 0,
		    "NXDOMAIN qr aa rd | Q 5.113.0.203.bl.test. A | "
		    SOA_BL },
		{ "unlisted TXT", "9.9.9.9.bl.test", DNS_T_TXT, 1, 0,
		    "NXDOMAIN qr aa rd | Q 9.9.9.9.bl.test. TXT | " SOA_BL },
		/* Zone apex. */
		{ "apex SOA", "bl.test", DNS_T_SOA, 1, 0,
		    "NOERROR qr aa rd | Q bl.test. SOA | AN bl.test. 86400 SOA "
		    "ns1.bl.test. hostmaster.bl.test. 2026112801 3600 900 "
		    "604800 300" },
		{ "apex NS", "bl.test", DNS_T_NS, 1, 0,
		    "NOERROR qr aa rd | Q bl.test. NS | AN bl.test. 86400 NS "
		    "ns1.bl.test. | AN bl.test. 86400 NS ns2.example.net." },
		/* RFC 8482 section 4.1: the SOA RRset alone. */
		{ "apex ANY", "Bl.Test.", DNS_T_ANY, 1, 0,
		    "NOERROR qr aa rd | Q Bl.Test. ANY | AN Bl.Test. 86400 SOA "
		    "ns1.Bl.Test. hostmaster.Bl.Test. 2026112801 3600 900 "
		    "604800 300" },
		{ "apex A: NODATA", "bl.test", DNS_T_A, 1, 0,
		    "NOERROR qr aa rd | Q bl.test. A | " SOA_BL },
		{ "apex TXT: NODATA", "bl.test", DNS_T_TXT, 1, 0,
		    "NOERROR qr aa rd | Q bl.test. TXT | " SOA_BL },
		{ "nested apex SOA", "big.bl.test", DNS_T_SOA, 1, 0,
		    "NOERROR qr aa rd | Q big.bl.test. SOA | AN big.bl.test. "
		    "86400 SOA ns1.bl.test. hostmaster.bl.test. 7 3600 900 "
		    "604800 300" },
		/* Outside, classes, transfers. */
		{ "outside", "example.com", DNS_T_A, 1, 0,
		    "REFUSED qr rd | Q example.com. A" },
		{ "suffix not on a label", "xbl.test", DNS_T_A, 1, 0,
		    "REFUSED qr rd | Q xbl.test. A" },
		{ "parent of zone", "test", DNS_T_SOA, 1, 0,
		    "REFUSED qr rd | Q test. SOA" },
		{ "root", ".", DNS_T_NS, 1, 0, "REFUSED qr rd | Q . NS" },
		{ "class CH", "2.0.0.127.bl.test", DNS_T_TXT, DNS_C_CH, 0,
		    "REFUSED qr rd | Q 2.0.0.127.bl.test. TXT !IN" },
		{ "AXFR", "bl.test", DNS_T_AXFR, 1, QF_TCP,
		    "REFUSED qr rd | Q bl.test. AXFR" },
		/* Empty non-terminals and other names in the zone. */
		{ "ENT /8 test point", "127.bl.test", DNS_T_A, 1, 0,
		    "NOERROR qr aa rd | Q 127.bl.test. A | " SOA_BL },
		{ "ENT /16", "0.127.bl.test", DNS_T_A, 1, 0,
		    "NOERROR qr aa rd | Q 0.127.bl.test. A | " SOA_BL },
		{ "ENT /24", "2.0.192.bl.test", DNS_T_TXT, 1, 0,
		    "NOERROR qr aa rd | Q 2.0.192.bl.test. TXT | " SOA_BL },
		{ "ENT inside a listed range", "100.51.198.bl.test",
		    DNS_T_A, 1, 0, "NOERROR qr aa rd | Q 100.51.198.bl.test. "
		    "A | " SOA_BL },
		{ "not an ENT", "9.9.bl.test", DNS_T_A, 1, 0,
		    "NXDOMAIN qr aa rd | Q 9.9.bl.test. A | " SOA_BL },
		{ "leading zero", "01.2.0.192.bl.test", DNS_T_A, 1, 0,
		    "NXDOMAIN qr aa rd | Q 01.2.0.192.bl.test. A | " SOA_BL },
		{ "octet 256", "1.2.0.256.bl.test", DNS_T_A, 1, 0,
		    "NXDOMAIN qr aa rd | Q 1.2.0.256.bl.test. A | " SOA_BL },
		{ "five labels", "1.1.2.0.192.bl.test", DNS_T_A, 1, 0,
		    "NXDOMAIN qr aa rd | Q 1.1.2.0.192.bl.test. A | "
		    SOA_BL },
		{ "word", "www.bl.test", DNS_T_A, 1, 0,
		    "NXDOMAIN qr aa rd | Q www.bl.test. A | " SOA_BL },
		/* IPv6 nibbles (RFC 5782 section 2.4). */
		{ "v6 listed", V6_1 ".bl.test", DNS_T_A, 1, 0,
		    "NOERROR qr aa rd | Q " V6_1 ".bl.test. A | AN " V6_1
		    ".bl.test. 2100 A 127.0.0.2" },
		{ "v6 upper-case hex", V6_1UP ".bl.test", DNS_T_A, 1, 0,
		    "NOERROR qr aa rd | Q " V6_1UP ".bl.test. A | AN " V6_1UP
		    ".bl.test. 2100 A 127.0.0.2" },
		{ "v6 TXT", V6_1 ".bl.test", DNS_T_TXT, 1, 0,
		    "NOERROR qr aa rd | Q " V6_1 ".bl.test. TXT | AN " V6_1
		    ".bl.test. 2100 TXT \"v6 spam (listed 2026-11-28T00:00:00Z"
		    ", expires never); see https://bl.test/lookup/"
		    "2001:db8::1\"" },
		{ "v6 range", V6_R ".bl.test", DNS_T_A, 1, 0,
		    "NOERROR qr aa rd | Q " V6_R ".bl.test. A | AN " V6_R
		    ".bl.test. 2100 A 127.0.0.10" },
		{ "v6 unlisted", V6_2 ".bl.test", DNS_T_A, 1, 0,
		    "NXDOMAIN qr aa rd | Q " V6_2 ".bl.test. A | " SOA_BL },
		{ "v6 ENT", "8.b.d.0.1.0.0.2.bl.test", DNS_T_A, 1, 0,
		    "NOERROR qr aa rd | Q 8.b.d.0.1.0.0.2.bl.test. A | "
		    SOA_BL },
		{ "v6 not an ENT", "3.8.b.d.0.1.0.0.2.bl.test", DNS_T_A, 1,
		    0, "NXDOMAIN qr aa rd | Q 3.8.b.d.0.1.0.0.2.bl.test. A | "
		    SOA_BL },
		{ "v6 bad nibble", "g" V6_1 ".bl.test", DNS_T_A, 1, 0,
		    "NXDOMAIN qr aa rd | Q g" V6_1 ".bl.test. A | " SOA_BL },
		{ "v6 two-char label", "01" V6_1 ".bl.test", DNS_T_A, 1, 0,
		    "NXDOMAIN qr aa rd | Q 01" V6_1 ".bl.test. A | " SOA_BL },
		{ "v6 31 nibbles: ENT", V6_31 ".bl.test", DNS_T_A, 1, 0,
		    "NOERROR qr aa rd | Q " V6_31 ".bl.test. A | " SOA_BL },
		/* Several zones, each with its own code and template. */
		{ "nested zone A", "1.2.0.192.big.bl.test", DNS_T_A, 1, 0,
		    "NOERROR qr aa rd | Q 1.2.0.192.big.bl.test. A | "
		    "AN 1.2.0.192.big.bl.test. 2100 A 127.0.0.4" },
		{ "zone without code", "1.2.3.10.other.example", DNS_T_A, 1,
		    0, "NOERROR qr aa rd | Q 1.2.3.10.other.example. A | "
		    "AN 1.2.3.10.other.example. 2100 A 127.0.0.2" },
		{ "zone without template", "1.2.3.10.other.example",
		    DNS_T_TXT, 1, 0, "NOERROR qr aa rd | Q "
		    "1.2.3.10.other.example. TXT | AN 1.2.3.10.other.example. "
		    "2100 TXT \"ten\"" },
		{ "other zone SOA", "1.1.1.1.other.example", DNS_T_A, 1, 0,
		    "NXDOMAIN qr aa rd | Q 1.1.1.1.other.example. A | "
		    "NS other.example. 300 SOA ns1.bl.test. "
		    "hostmaster.bl.test. 1 3600 900 604800 300" },
		{ "template variables", "1.2.0.192.vars.test", DNS_T_TXT, 1,
		    0, "NOERROR qr aa rd | Q 1.2.0.192.vars.test. TXT | "
		    "AN 1.2.0.192.vars.test. 2100 TXT \"$ vars.test $foo "
		    "192.0.2.1 2026-12-05T00:00:00Z u/192.0.2.1/vars.test/$url/$"
		    " $\"" },
		{ "v4-mapped nibbles", V6_MAP ".vars.test", DNS_T_TXT, 1, 0,
		    "NOERROR qr aa rd | Q " V6_MAP ".vars.test. TXT | AN "
		    V6_MAP ".vars.test. 2100 TXT \"$ vars.test $foo "
		    "::ffff:192.0.2.1 2026-12-05T00:00:00Z "
		    "u/::ffff:192.0.2.1/vars.test/$url/$ $\"" },
		{ "v6 $ip", V6_1 ".vars.test", DNS_T_TXT, 1, 0,
		    "NOERROR qr aa rd | Q " V6_1 ".vars.test. TXT | AN "
		    V6_1 ".vars.test. 2100 TXT \"$ vars.test $foo 2001:db8::1 "
		    "never u/2001:db8::1/vars.test/$url/$ $\"" },
		/* EDNS (RFC 6891). */
		{ "EDNS echoed", "2.0.0.127.bl.test", DNS_T_A, 1, QF_EDNS,
		    "NOERROR qr aa rd | Q 2.0.0.127.bl.test. A | "
		    "AN 2.0.0.127.bl.test. 2100 A 127.0.0.2 | "
		    "AR OPT udp=4096 ver=0 rdlen=0" },
		{ "EDNS DO echoed", "9.9.9.9.bl.test", DNS_T_A, 1,
		    QF_EDNS | QF_DO, "NXDOMAIN qr aa rd | Q 9.9.9.9.bl.test. "
		    "A | " SOA_BL " | AR OPT udp=4096 ver=0 do rdlen=0" },
		{ "BADVERS", "2.0.0.127.bl.test", DNS_T_A, 1,
		    QF_EDNS | QF_V1, "BADVERS qr rd | Q 2.0.0.127.bl.test. A"
		    " | AR OPT udp=4096 ver=0 rdlen=0" },
		{ "EDNS REFUSED", "example.com", DNS_T_A, 1, QF_EDNS,
		    "REFUSED qr rd | Q example.com. A | "
		    "AR OPT udp=4096 ver=0 rdlen=0" },
	};
	uint8_t		 pkt[600];
	size_t		 i, n;
	int		 fails = 0, prepared;
	const char	*bad;

	(void)state;
	/* Once with names converted per query, once prepared. */
	for (prepared = 0; prepared <= 1; prepared++) {
		if (prepared) {
			assert_int_equal(dnsbl_conf_prepare(&conf, &bad), 0);
			assert_null(bad);
		}
		for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			n = mkquery(pkt, t[i].qname, t[i].qtype, t[i].qclass,
			    t[i].flags);
			fails += check(t[i].name, pkt, n,
			    (t[i].flags & QF_TCP) != 0, t[i].want);
		}
	}
	conf.prepared = 0;
	assert_int_equal(fails, 0);
}

static void
test_prepare(void **state)
{
	struct dnsbl_conf	 c;
	const char		*bad;

	(void)state;
	dnsbl_conf_defaults(&c);
	assert_int_equal(dnsbl_conf_prepare(&c, &bad), 0);
	assert_int_equal(c.w_mname_len, 11);
	assert_memory_equal(c.w_mname, "\x09localhost\x00", 11);
	c.ns[1] = "bad..name";
	c.nns = 2;
	assert_int_equal(dnsbl_conf_prepare(&c, &bad), -1);
	assert_string_equal(bad, "bad..name");
	assert_int_equal(c.prepared, 0);
	c.nns = 1;
	c.soa_rname = NULL;
	assert_int_equal(dnsbl_conf_prepare(&c, &bad), -1);
	assert_string_equal(bad, "(none)");
}

/* Negative TTL is min(SOA TTL, SOA minimum) (RFC 2308 section 5). */
static void
test_negative_ttl(void **state)
{
	uint8_t	pkt[600];
	size_t	n;
	int	fails = 0;

	(void)state;
	conf.ns_ttl = 120;
	n = mkquery(pkt, "9.9.9.9.bl.test", DNS_T_A, 1, 0);
	fails += check("ns_ttl below minimum", pkt, n, 0,
	    "NXDOMAIN qr aa rd | Q 9.9.9.9.bl.test. A | NS bl.test. 120 SOA "
	    "ns1.bl.test. hostmaster.bl.test. 2026112801 3600 900 604800 "
	    "300");
	conf.ns_ttl = 86400;
	assert_int_equal(fails, 0);
}

static void
test_malformed(void **state)
{
	static const struct {
		const char	*name;
		const char	*pkt;
		size_t		 len;
		const char	*want;		/* NULL: no answer */
	} t[] = {
#define PK(s)	s, sizeof(s) - 1
		{ "runt", PK("\xbe\xef\x01\x00\x00\x01"), NULL },
		{ "response", PK("\xbe\xef\x81\x80\x00\x01\x00\x00\x00\x00"
		    "\x00\x00" "\x01" "2" "\x01" "0" "\x01" "0" "\x03" "127"
		    "\x02" "bl" "\x04" "test" "\x00" "\x00\x01\x00\x01"),
		    NULL },
		{ "FORMERR no question", PK("\xbe\xef\x01\x00\x00\x02\x00"
		    "\x00\x00\x00\x00\x00"), "FORMERR qr rd" },
		{ "FORMERR compressed", PK("\xbe\xef\x01\x00\x00\x01\x00\x00"
		    "\x00\x00\x00\x00" "\xc0\x0c\x00\x01\x00\x01"),
		    "FORMERR qr rd" },
		{ "FORMERR trailing, question echoed",
		    PK("\xbe\xef\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
		    "\x02" "bl" "\x04" "test" "\x00" "\x00\x06\x00\x01" "zz"),
		    "FORMERR qr rd | Q bl.test. SOA" },
		{ "FORMERR two OPTs",
		    PK("\xbe\xef\x01\x00\x00\x01\x00\x00\x00\x00\x00\x02"
		    "\x02" "bl" "\x04" "test" "\x00" "\x00\x06\x00\x01"
		    "\x00\x00\x29\x10\x00\x00\x00\x00\x00\x00\x00"
		    "\x00\x00\x29\x10\x00\x00\x00\x00\x00\x00\x00"),
		    "FORMERR qr rd | Q bl.test. SOA" },
		/* A '.' byte inside a label is data, not a separator. */
		{ "dotted label below the zone",
		    PK("\xbe\xef\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
		    "\x09" "1.2.0.192" "\x02" "bl" "\x04" "test" "\x00"
		    "\x00\x01\x00\x01"),
		    "NXDOMAIN qr aa rd | Q 1.2.0.192.bl.test. A | " SOA_BL },
		{ "zone name only through a dotted label",
		    PK("\xbe\xef\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
		    "\x04" "x.bl" "\x04" "test" "\x00" "\x00\x06\x00\x01"),
		    "REFUSED qr rd | Q x.bl.test. SOA" },
		{ "dotted label holding the whole zone name",
		    PK("\xbe\xef\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
		    "\x07" "bl.test" "\x00" "\x00\x06\x00\x01"),
		    "REFUSED qr rd | Q bl.test. SOA" },
		{ "length byte 46 (a '.') in the name",
		    PK("\xbe\xef\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
		    "\x2e" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "\x02" "bl" "\x04" "test" "\x00" "\x00\x01\x00\x01"),
		    "NXDOMAIN qr aa rd | Q aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaa.bl.test. A | " SOA_BL },
		{ "NOTIMP", PK("\xbe\xef\x28\x00\x00\x01\x00\x00\x00\x00"
		    "\x00\x00" "\x02" "bl" "\x04" "test" "\x00"
		    "\x00\x06\x00\x01"), "NOTIMP qr" },
#undef PK
	};
	size_t	i;
	int	fails = 0;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		fails += check(t[i].name, (const uint8_t *)t[i].pkt, t[i].len,
		    0, t[i].want);
	assert_int_equal(fails, 0);
}

/*
 * The big zone's TXT is 6 x 500 reason bytes: it needs TCP or a big EDNS
 * buffer; over plain UDP the answer goes empty with TC.
 */
static void
test_truncation(void **state)
{
	static uint8_t	out[DNS_TCP_MAX];
	static char	got[70000];
	uint8_t		pkt[600];
	size_t		n, qn, txtlen = 0;
	int		fails = 0;
	const char	*q = "1.2.0.192.big.bl.test";

	(void)state;
	qn = mkquery(pkt, q, DNS_T_TXT, 1, 0);
	fails += check("big TXT over UDP", pkt, qn, 0,
	    "NOERROR qr aa tc rd | Q 1.2.0.192.big.bl.test. TXT");
	n = dnsbl_answer(&conf, idx, pkt, qn, out, sizeof(out), 0, NOW);
	assert_true(n <= DNS_UDP_MIN);

	/* EDNS 1232: still too small, TC and the OPT. */
	qn = mkquery(pkt, q, DNS_T_TXT, 1, QF_EDNS);
	fails += check("big TXT over EDNS 1232", pkt, qn, 0,
	    "NOERROR qr aa tc rd | Q 1.2.0.192.big.bl.test. TXT | "
	    "AR OPT udp=4096 ver=0 rdlen=0");

	/* EDNS 4096: it fits over UDP. */
	qn = mkquery(pkt, q, DNS_T_TXT, 1, QF_EDNS);
	pkt[qn - 8] = 0x10;
	pkt[qn - 7] = 0x00;
	n = dnsbl_answer(&conf, idx, pkt, qn, out, sizeof(out), 0, NOW);
	render(out, n, got, sizeof(got), &txtlen);
	if (txtlen != 6 * 500 + 5 || (out[2] & 0x02) || n > DNS_EDNS_MAX) {
		print_error("EDNS 4096: got %zu TXT bytes in %zu, tc=%d, want "
		    "3005 bytes, no tc\n", txtlen, n, (out[2] & 0x02) != 0);
		fails++;
	}
	/* A client offering 65535 still gets at most DNS_EDNS_MAX. */
	qn = mkquery(pkt, "1.2.0.192.huge.test", DNS_T_TXT, 1, QF_EDNS);
	pkt[qn - 8] = 0xff;
	pkt[qn - 7] = 0xff;
	n = dnsbl_answer(&conf, idx, pkt, qn, out, sizeof(out), 0, NOW);
	if (n > DNS_EDNS_MAX || !(out[2] & 0x02)) {
		print_error("EDNS 65535 huge: got %zu bytes tc=%d, want <= "
		    "4096 with tc\n", n, (out[2] & 0x02) != 0);
		fails++;
	}

	/* TCP: the whole answer, over 2048 bytes. */
	qn = mkquery(pkt, q, DNS_T_TXT, 1, 0);
	n = dnsbl_answer(&conf, idx, pkt, qn, out, sizeof(out), 1, NOW);
	render(out, n, got, sizeof(got), &txtlen);
	if (n <= 2048 || txtlen != 3005 || (out[2] & 0x02) ||
	    strncmp(got, "NOERROR qr aa rd | Q 1.2.0.192.big.bl.test. TXT | "
	    "AN 1.2.0.192.big.bl.test. 2100 TXT \"<rrr", 80) != 0) {
		print_error("TCP: got %zu bytes, %zu TXT, %.150s\n", n, txtlen,
		    got);
		fails++;
	}

	/*
	 * RFC 8482: ANY of the same name is the A record alone, over UDP
	 * without EDNS and over TCP: no TC, no 3 KB TXT to amplify.
	 */
	qn = mkquery(pkt, q, DNS_T_ANY, 1, 0);
	fails += check("big ANY over UDP", pkt, qn, 0,
	    "NOERROR qr aa rd | Q 1.2.0.192.big.bl.test. ANY | "
	    "AN 1.2.0.192.big.bl.test. 2100 A 127.0.0.4");
	fails += check("big ANY over TCP", pkt, qn, 1,
	    "NOERROR qr aa rd | Q 1.2.0.192.big.bl.test. ANY | "
	    "AN 1.2.0.192.big.bl.test. 2100 A 127.0.0.4");

	/* The cap: DNSBL_TXT_MAX bytes, in 255-byte character-strings. */
	qn = mkquery(pkt, "1.2.0.192.huge.test", DNS_T_TXT, 1, 0);
	n = dnsbl_answer(&conf, idx, pkt, qn, out, sizeof(out), 1, NOW);
	render(out, n, got, sizeof(got), &txtlen);
	if (txtlen != DNSBL_TXT_MAX) {
		print_error("cap: got %zu TXT bytes, want %d\n", txtlen,
		    DNSBL_TXT_MAX);
		fails++;
	}
	/* 4096 = 16 x 255 + 16: 17 strings, the first ones full. */
	if (n != 12 + 25 + 12 + DNSBL_TXT_MAX + 17 || out[12 + 25 + 12] !=
	    255) {
		print_error("cap: got %zu bytes, want %d\n", n,
		    12 + 25 + 12 + DNSBL_TXT_MAX + 17);
		fails++;
	}
	/* A small output buffer limits even TCP. */
	n = dnsbl_answer(&conf, idx, pkt, qn, out, 600, 1, NOW);
	if (n > 600 || !(out[2] & 0x02)) {
		print_error("outsize 600: got %zu bytes tc=%d\n", n,
		    (out[2] & 0x02) != 0);
		fails++;
	}
	assert_int_equal(fails, 0);
}

/* The listed A answer is exactly header, question and a 16-byte RR. */
static void
test_compression(void **state)
{
	uint8_t	pkt[600], out[600];
	size_t	qn, n;

	(void)state;
	qn = mkquery(pkt, "2.0.0.127.bl.test", DNS_T_A, 1, 0);
	n = dnsbl_answer(&conf, idx, pkt, qn, out, sizeof(out), 0, NOW);
	assert_int_equal(n, qn + 16);
	assert_memory_equal(out + qn, "\xc0\x0c\x00\x01\x00\x01\x00\x00\x08"
	    "\x34\x00\x04\x7f\x00\x00\x02", 16);
	/* The SOA owner points at the apex inside the question. */
	qn = mkquery(pkt, "9.9.9.9.bl.test", DNS_T_A, 1, 0);
	n = dnsbl_answer(&conf, idx, pkt, qn, out, sizeof(out), 0, NOW);
	assert_int_equal(out[qn], 0xc0);
	assert_int_equal(out[qn + 1], 12 + 8);
	/* mname ns1.bl.test: "ns1" then a pointer to the apex. */
	assert_memory_equal(out + qn + 12, "\x03" "ns1\xc0\x14", 6);
}

/* fairlist_dns_queries_total counts each answer by zone and kind. */
static uint64_t
queries(const char *zone, const char *answer)
{
	static const char *const kinds[] = { "listed", "nxdomain", "nodata",
		"refused", "error", NULL };
	static const struct metrics_label labels[] = {
		{ "zone", NULL, INDEX_ZONES_MAX + 2 },
		{ "answer", kinds, 0 },
	};
	struct metrics_family	*f;

	f = metrics_counter("fairlist_dns_queries_total", "", labels, 2);
	return metrics_value(f, metrics_series(f,
	    (const char *const[]){ zone, answer }));
}

static void
test_metrics(void **state)
{
	static const struct {
		const char	*qname;
		uint16_t	 type;
		const char	*zone, *answer;
	} t[] = {
		{ "1.2.0.192.bl.test", DNS_T_A, "bl.test", "listed" },
		{ "1.2.0.192.bl.test", DNS_T_MX, "bl.test", "listed" },
		{ "9.9.9.9.bl.test", DNS_T_TXT, "bl.test", "nxdomain" },
		{ "bl.test", DNS_T_SOA, "bl.test", "nodata" },
		{ "1.2.0.192.other.test", DNS_T_A, "none", "refused" },
	};
	uint8_t		pkt[600], out[4096];
	uint64_t	before;
	size_t		i, n;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		before = queries(t[i].zone, t[i].answer);
		n = mkquery(pkt, t[i].qname, t[i].type, 1, 0);
		assert_true(dnsbl_answer(&conf, idx, pkt, n, out, sizeof(out),
		    0, NOW) > 0);
		if (queries(t[i].zone, t[i].answer) != before + 1)
			fail_msg("%s %u: got %llu for %s/%s, want %llu",
			    t[i].qname, t[i].type, (unsigned long long)
			    queries(t[i].zone, t[i].answer), t[i].zone,
			    t[i].answer, (unsigned long long)before + 1);
	}
	before = queries("none", "error");
	assert_true(dnsbl_answer(&conf, idx, (const uint8_t *)"\xbe\xef\x01"
	    "\x00\x00\x02\x00\x00\x00\x00\x00\x00", 12, out, sizeof(out), 0,
	    NOW) > 0);
	assert_int_equal(queries("none", "error"), before + 1);
}

/* A snapshot of zones names[0..n-1], in that order, nothing listed. */
static struct index *
zones_snapshot(const char *const *names, int n)
{
	struct index_builder	*b = index_builder_new();
	struct index_zone	 z;
	int			 i;

	for (i = 0; i < n; i++) {
		memset(&z, 0, sizeof(z));
		z.name = names[i];
		z.serial = 1;
		assert_int_equal(index_builder_zone(b, &z), i);
	}
	return index_builder_finish(b);
}

/*
 * The per-thread counter cells follow the zone's name, not its number:
 * a new snapshot that puts another zone first (freed and built again,
 * perhaps at the old address) counts each query under its own zone.
 */
static void
test_metrics_renumbered(void **state)
{
	static const char *const one[] = { "m1.test", "m2.test" };
	static const char *const two[] = { "m2.test", "m1.test" };
	struct index	*s;
	uint8_t		 pkt[600], out[4096];
	uint64_t	 b1, b2;
	size_t		 n;
	int		 round;

	(void)state;
	for (round = 0; round < 2; round++) {
		s = zones_snapshot(round == 0 ? one : two, 2);
		b1 = queries("m1.test", "nodata");
		b2 = queries("m2.test", "nodata");
		n = mkquery(pkt, "m1.test", DNS_T_TXT, 1, 0);
		assert_true(dnsbl_answer(&conf, s, pkt, n, out, sizeof(out),
		    0, NOW) > 0);
		if (queries("m1.test", "nodata") != b1 + 1 ||
		    queries("m2.test", "nodata") != b2)
			fail_msg("round %d: got m1 +%llu m2 +%llu, want +1 +0",
			    round, (unsigned long long)(queries("m1.test",
			    "nodata") - b1), (unsigned long long)(queries(
			    "m2.test", "nodata") - b2));
		index_free(s);
	}
}

/*
 * The per-thread TXT cache (answer.c txt_entry): for listings whose text
 * is short, long (several character-strings), with $ip in the reason, or
 * with more addresses than the cache splices, each TXT answer's RDATA is
 * what list_txt_expand_url gives, on the first query (a miss), the second
 * (a hit), and after the conf's public-url changes (a new prepare).
 */
static size_t
txt_rdata_want(uint8_t *d, const char *text, size_t len)
{
	size_t	off = 0, n, k = 0;

	do {
		n = len - off > 255 ? 255 : len - off;
		d[k++] = (uint8_t)n;
		memcpy(d + k, text + off, n);
		k += n;
		off += n;
	} while (off < len);
	return k;
}

static void
test_txt_cache(void **state)
{
	struct index_builder	*b = index_builder_new();
	struct index		*ti;
	struct index_zone	 z;
	struct dnsbl_conf	 c;
	const struct index_zone	*zp;
	static char		 reason[600], text[DNSBL_TXT_MAX];
	static uint8_t		 out[DNS_TCP_MAX], want[DNS_TCP_MAX];
	uint8_t			 pkt[600];
	char			 name[64], ip[32], cidr[32];
	const char		*bad, *bases[] = { "https://a.example",
				    "https://bee.example/x" };
	struct index_hit	 hit;
	size_t			 i, n, wl, tl, qend;
	int			 round, fails = 0, hits = 0, k;
	uint8_t			 a[ADDR_LEN];

	(void)state;
	memset(&z, 0, sizeof(z));
	z.name = "c.test";
	z.code = 0x7f000002;
	z.txt = "$reason ($ip, listed $listed, expires $expires) $url";
	z.url = "http://127.0.0.1:8080/lookup/$ip";
	z.serial = 9;
	assert_int_equal(index_builder_zone(b, &z), 0);
	for (i = 0; i < 200; i++) {
		size_t	rl = i % 4 == 0 ? 20 : i % 4 == 1 ? 300 : i % 4 == 2 ?
			    590 : 8;

		memset(reason, 'a' + (int)(i % 26), rl);
		reason[rl] = '\0';
		if (i % 4 == 3)		/* five addresses: not cached */
			memcpy(reason, "$ip$ip", 6);
		else if (i % 3 == 0)
			memcpy(reason, "r $ip", 5);	/* rbldnsd's $ */
		snprintf(cidr, sizeof(cidr), "10.1.%zu.%zu", i / 100, i % 100);
		add(b, 0, cidr, 0, 0, reason, LISTED + (int64_t)i,
		    i % 2 ? 0 : LISTED + WEEK);
	}
	ti = index_builder_finish(b);
	zp = index_zone_get(ti, 0);
	dnsbl_conf_defaults(&c);
	for (round = 0; round < 6; round++) {
		c.public_url = round < 4 ? NULL : bases[round % 2];
		if (round % 2 == 0)
			assert_int_equal(dnsbl_conf_prepare(&c, &bad), 0);
		for (i = 0; i < 200; i++) {
			snprintf(name, sizeof(name), "%zu.%zu.1.10.c.test",
			    i % 100, i / 100);
			snprintf(ip, sizeof(ip), "10.1.%zu.%zu", i / 100,
			    i % 100);
			addr_from_v4(a, 0x0a010000u | (uint32_t)(i / 100) << 8 |
			    (uint32_t)(i % 100));
			assert_int_equal(index_match(ti, 0, a, NOW, &hit), 1);
			tl = list_txt_expand_url(text, sizeof(text), zp, hit.v,
			    ip, strlen(ip), c.public_url);
			wl = txt_rdata_want(want, text, tl);
			qend = DNS_HEADER_LEN + strlen(name) + 2 + 4;
			if (round == 5) {
				/* Fill its entry with the other base first. */
				c.public_url = bases[0];
				n = mkquery(pkt, name, DNS_T_TXT, 1, QF_TCP);
				(void)dnsbl_answer(&c, ti, pkt, n, out,
				    sizeof(out), 1, NOW);
				c.public_url = bases[1];
			}
			/* Twice: a miss (or a stale entry), then a hit. */
			for (k = 0; k < 2; k++) {
				n = mkquery(pkt, name, DNS_T_TXT, 1, QF_TCP);
				n = dnsbl_answer(&c, ti, pkt, n, out,
				    sizeof(out), 1, NOW);
				if (n != qend + 12 + wl || out[7] != 1 ||
				    (size_t)(out[qend + 10] << 8 |
				    out[qend + 11]) != wl ||
				    memcmp(out + qend + 12, want, wl) != 0) {
					print_error("round %d, %s, query %d: "
					    "%zu bytes, want %zu\n", round,
					    name, k, n, qend + 12 + wl);
					fails++;
				}
			}
			hits += strstr(text, "bee.example/x/lookup/10.1.") !=
			    NULL;
		}
	}
	index_free(ti);
	assert_int_equal(fails, 0);
	assert_int_equal(hits, 200);	/* round 5 used its base */
}

/*
 * The fast path (dnsbl_answer) and the general one (dnsbl_answer_general)
 * give the same bytes for every query: each zone of the setup, listed,
 * excluded, expired, ranged and unlisted addresses, names that are also
 * IPv6 empty non-terminals, bad octets, case, every type and class asked,
 * EDNS with and without options, bad and trailing additional data, every
 * cut of each packet, a flipped byte anywhere in it, UDP, TCP and small
 * buffers. The common shapes must take the fast path, so that this
 * compares two roads and not one.
 */
static const struct index	*cmp_idx;	/* answers_equal's */

static size_t
answers_equal(const uint8_t *pkt, size_t n, int *fails)
{
	static uint8_t	a[DNS_TCP_MAX], g[DNS_TCP_MAX];
	static const size_t sizes[] = { DNS_EDNS_MAX, DNS_TCP_MAX, 600, 60,
	    20 };
	size_t		i, na, ng, calls = 0;
	int		tcp;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		tcp = sizes[i] == DNS_TCP_MAX;
		memset(a, 0xa5, sizes[i]);
		memset(g, 0x5a, sizes[i]);
		na = dnsbl_answer(&conf, cmp_idx, pkt, n, a, sizes[i], tcp,
		    NOW);
		ng = dnsbl_answer_general(&conf, cmp_idx, pkt, n, g, sizes[i],
		    tcp, NOW);
		calls++;
		if (na != ng || memcmp(a, g, na) != 0) {
			if (*fails < 10)
				print_error("query of %zu bytes (byte 12 %02x,"
				    " out %zu): fast %zu bytes, general %zu\n",
				    n, n > 12 ? pkt[12] : 0, sizes[i], na, ng);
			(*fails)++;
		}
	}
	return calls;
}

/* Zones that do not nest, for the fast path (the setup's do). */
static struct index *
flat_index(void)
{
	struct index_builder	*b = index_builder_new();
	struct index_zone	 z;
	int			 zn;

	add_bl_test(b);
	add_other_example(b);
	memset(&z, 0, sizeof(z));
	z.name = "huge.test";
	z.code = 0x7f000006;
	z.txt = "$reason$reason$reason$reason$reason$reason$reason$reason"
	    "$reason$reason";
	zn = index_builder_zone(b, &z);
	add(b, zn, "192.0.2.1", 0, 0, longreason, LISTED, 0);
	add(b, zn, "0.0.0.0/0", 0, 0, "everything", LISTED, 0);
	/* Longer than three words, and shorter than one. */
	z.name = "a-rather-long-zone-name.example.org";
	zn = index_builder_zone(b, &z);
	add(b, zn, "192.0.2.0/24", 0, 0, "long", LISTED, 0);
	z.name = "b.tt";
	zn = index_builder_zone(b, &z);
	add(b, zn, "192.0.2.1", 0, 0, "short", LISTED, 0);
	return index_builder_finish(b);
}

static size_t	fast_queries(int *fails);

static void
test_fast_path(void **state)
{
	struct index	*flat = flat_index();
	size_t		 fast;
	int		 fails = 0;

	(void)state;
	assert_int_equal(index_zones_nested(idx), 1);
	assert_int_equal(index_zones_nested(flat), 0);
	/* Nested zones (big.bl.test under bl.test) take the general path. */
	cmp_idx = idx;
	assert_int_equal(fast_queries(&fails), 0);
	assert_int_equal(fails, 0);
	/*
	 * The fast ones: the 12 names of the list with 4 valid octets, in
	 * the 8 spellings of a zone of the flat index (bl.test, BL.Test,
	 * bl.test., other.example, huge.test, the long one, B.tt, b.tt), A
	 * or TXT, class IN, no EDNS or version 0 with or without DO:
	 * 12 * 8 * 2 * 3 = 576, and the same with a cookie option (2 EDNS
	 * sets): 384 more.
	 */
	cmp_idx = flat;
	fast = fast_queries(&fails);
	assert_int_equal(fails, 0);
	assert_int_equal(fast, 960);
	index_free(flat);
}

static size_t
fast_queries(int *failsp)
{
	static const char *const zones[] = { "bl.test", "big.bl.test",
	    "other.example", "vars.test", "huge.test", "BL.Test",
	    "bIg.Bl.TeSt", "nozone.test", "bl.test.", "test",
	    "a-rather-long-zone-name.example.org", "B.tt", "b.tt" };
	static const char *const addrs[] = { "1.0.2.192", "7.100.51.198",
	    "8.100.51.198", "5.113.0.203", "2.0.0.127", "1.0.0.127",
	    "3.2.1.10", "1.0.0.2", "8.b.d.0", "1.2.3.4", "01.2.3.4",
	    "256.1.1.1", "1.2.3", "1.2.3.4.5", "0.0.0.0", "255.255.255.255",
	    "99.199.9.10", "1.0.2", "a.b.c.d", "" };
	static const uint16_t types[] = { DNS_T_A, DNS_T_TXT, DNS_T_AAAA,
	    DNS_T_ANY, DNS_T_MX, DNS_T_SOA, DNS_T_AXFR };
	static const uint16_t classes[] = { DNS_C_IN, DNS_C_ANY, DNS_C_CH };
	static const int qflags[] = { 0, QF_EDNS, QF_EDNS | QF_DO,
	    QF_EDNS | QF_V1 };
	uint8_t		pkt[600], cut[600];
	char		name[300];
	size_t		zi, ai, ti, ci, fi, n, k, calls = 0, fast = 0;
	int		fails = 0;

	for (zi = 0; zi < sizeof(zones) / sizeof(zones[0]); zi++)
	for (ai = 0; ai < sizeof(addrs) / sizeof(addrs[0]); ai++)
	for (ti = 0; ti < sizeof(types) / sizeof(types[0]); ti++)
	for (ci = 0; ci < sizeof(classes) / sizeof(classes[0]); ci++)
	for (fi = 0; fi < sizeof(qflags) / sizeof(qflags[0]); fi++) {
		snprintf(name, sizeof(name), "%s%s%s", addrs[ai],
		    addrs[ai][0] != '\0' ? "." : "", zones[zi]);
		n = mkquery(pkt, name, types[ti], classes[ci], qflags[fi]);
		fast += (size_t)dnsbl_answer_is_fast(cmp_idx, pkt, n);
		calls += answers_equal(pkt, n, &fails);
		if (ci > 0 || ti > 1)
			continue;
		/* RD off, TC and CD set, another opcode, a response. */
		pkt[2] ^= 0x01;
		pkt[3] ^= 0x10;
		calls += answers_equal(pkt, n, &fails);
		pkt[2] ^= 0x03;
		calls += answers_equal(pkt, n, &fails);
		pkt[2] ^= 0x02 | 0x08;
		calls += answers_equal(pkt, n, &fails);
		pkt[2] ^= 0x08 | 0x80;
		calls += answers_equal(pkt, n, &fails);
		pkt[2] ^= 0x80;
		pkt[3] ^= 0x10;
		/* Every cut, and each byte flipped in turn. */
		for (k = 0; k < n; k++) {
			memcpy(cut, pkt, k);
			calls += answers_equal(cut, k, &fails);
		}
		for (k = 0; k < n; k++) {
			memcpy(cut, pkt, n);
			cut[k] ^= k < 12 ? 0x01 : 0x20;
			calls += answers_equal(cut, n, &fails);
			cut[k] ^= k < 12 ? 0x01 ^ 0xff : 0x20 ^ 0x7f;
			calls += answers_equal(cut, n, &fails);
		}
		/* Trailing bytes, and an OPT with options (cookie, bad). */
		memcpy(cut, pkt, n);
		cut[n] = 0;
		calls += answers_equal(cut, n + 1, &fails);
		if (qflags[fi] & QF_EDNS) {
			memcpy(cut + n, "\x00\x0a\x00\x08" "01234567", 12);
			cut[n - 1] = 12;
			calls += answers_equal(cut, n + 12, &fails);
			fast += (size_t)dnsbl_answer_is_fast(cmp_idx, cut, n + 12);
			cut[n + 3] = 9;		/* option longer than RDATA */
			calls += answers_equal(cut, n + 12, &fails);
			cut[n - 1] = 13;	/* RDATA longer than the packet */
			calls += answers_equal(cut, n + 12, &fails);
		} else {
			/* An additional record that is not an OPT. */
			cut[11] = 1;
			memcpy(cut + n, "\xc0\x0c\x00\x01\x00\x01\x00\x00"
			    "\x00\x01\x00\x04\x7f\x00\x00\x01", 16);
			calls += answers_equal(cut, n + 16, &fails);
		}
	}
	print_message("fast path: %zu of the queries, %zu answers compared\n",
	    fast, calls);
	assert_true(calls > 100000);
	*failsp += fails;
	return fast;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_prepare),
		cmocka_unit_test(test_negative_ttl),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_compression),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_txt_cache),
		cmocka_unit_test(test_metrics_renumbered),
		cmocka_unit_test(test_fast_path),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
