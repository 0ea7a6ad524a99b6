/*
 * test_ixfr.c: IXFR (RFC 1995) differences and the kept versions
 * (xfr/ixfr.c) and the difference stream (xfr/axfr.c). An oracle test:
 * for each case the old and the new zone are built as records, the
 * difference is applied to the old records (each deletion must be there,
 * each addition must not) and the result must be the new records
 * exactly. Then IXFR requests through xfr_handle: a kept serial gets the
 * condensed sequence (our SOA, the old SOA, deletions, our SOA,
 * additions, our SOA), an unknown one or a difference larger than the
 * zone the whole zone, the current one our SOA, and the versions kept
 * are at most XFR_HISTORY_MAX per zone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/addr.h"
#include "dns/dns.h"
#include "dnsbl/dnsbl.h"
#include "list/list.h"
#include "xfr/xfr.h"

#define NOW	1000
#define RR_MAX	4096		/* records of a case's zone */
#define RR_LEN	(DNS_NAME_MAX + DNSBL_TXT_MAX + 32)

struct add {
	const char	*pfx;
	const char	*reason;	/* NULL: an exclusion */
	uint32_t	 code;
};

struct tcase {
	const char	*name;
	const char	*txt;		/* the zone's TXT template */
	struct add	 old[6];
	struct add	 new[6];
	size_t		 want_del, want_add;	/* records */
};

static const struct tcase cases[] = {
	{ "nothing changes", "$reason",
	    { { "192.0.2.1", "one", 0 } }, { { "192.0.2.1", "one", 0 } },
	    0, 0 },
	{ "a /32 added", "$reason",
	    { { "192.0.2.1", "one", 0 } },
	    { { "192.0.2.1", "one", 0 }, { "198.51.100.77", "new", 0 } },
	    0, 2 },
	{ "a /32 removed", "$reason",
	    { { "192.0.2.1", "one", 0 }, { "198.51.100.77", "new", 0 } },
	    { { "192.0.2.1", "one", 0 } }, 2, 0 },
	{ "a reason changed: the TXT only", "$reason",
	    { { "192.0.2.1", "one", 0 } }, { { "192.0.2.1", "two", 0 } },
	    1, 1 },
	{ "a code changed: the A only", "$reason",
	    { { "192.0.2.1", "one", 0 } },
	    { { "192.0.2.1", "one", 0x7f00000a } }, 1, 1 },
	{ "a /24 added is one wildcard", "$reason",
	    { { "192.0.2.1", "one", 0 } },
	    { { "192.0.2.1", "one", 0 }, { "203.0.113.0/24", "net", 0 } },
	    0, 2 },
	{ "an exclusion splits the wildcard", "$reason",
	    { { "203.0.113.0/24", "net", 0 } },
	    { { "203.0.113.0/24", "net", 0 }, { "203.0.113.9", NULL, 0 } },
	    2, 2 * 255 },
	{ "$ip: a range is expanded", "$reason at $ip",
	    { { "192.0.2.1", "one", 0 } },
	    { { "192.0.2.1", "one", 0 }, { "198.51.100.0/28", "net", 0 } },
	    0, 2 * 16 },
	{ "IPv6 added and removed", "$reason",
	    { { "2001:db8::1", "six", 0 }, { "192.0.2.1", "one", 0 } },
	    { { "2001:db8::2", "six", 0 }, { "192.0.2.1", "one", 0 } },
	    2, 2 },
	{ "everything replaced", "$reason",
	    { { "192.0.2.1", "a", 0 }, { "192.0.2.2", "b", 0 } },
	    { { "10.0.0.1", "c", 0 }, { "2001:db8::9", "d", 0 } }, 4, 4 },
};

static struct index *
build_index(const char *txt, const struct add *a, int64_t serial)
{
	struct index_builder	*b = index_builder_new();
	struct index_zone	 z;
	struct addr_prefix	 p;
	const char		*err;
	size_t			 i;

	memset(&z, 0, sizeof(z));
	z.name = "bl.test";
	z.txt = txt;
	z.serial = serial;
	assert_int_equal(index_builder_zone(b, &z), 0);
	for (i = 0; i < 6 && a[i].pfx != NULL; i++) {
		assert_int_equal(addr_parse(a[i].pfx, &p, &err), 0);
		index_builder_add(b, 0, &p, a[i].reason == NULL, a[i].code,
		    a[i].reason, 1, 0);
	}
	return index_builder_finish(b);
}

/* Record k of a name as text: "owner type data". */
static void
rr_text(const struct xfr_zone *z, const struct xfr_name *n, uint16_t type,
    char *dst)
{
	uint8_t	lab[2 * 32 + 2];
	char	owner[DNS_NAME_MAX + 1], txt[DNSBL_TXT_MAX + 1];
	size_t	len = xfr_name_labels(n, lab), k;

	lab[len++] = 0;
	if (dns_name_to_text(lab, len, owner, sizeof(owner)) == (size_t)-1)
		fail_msg("bad owner");
	if (type == DNS_T_A) {
		snprintf(dst, RR_LEN, "%s A %08x", owner, xfr_name_code(z, n));
		return;
	}
	k = xfr_name_txt(z, n, txt, sizeof(txt) - 1);
	txt[k] = '\0';
	snprintf(dst, RR_LEN, "%s TXT %s", owner, txt);
}

/* The records of z as text, OUT:rr; returns the count. */
static size_t
records(const struct xfr_zone *z, char (*rr)[RR_LEN])
{
	size_t	i, n = 0;

	for (i = 0; i < xfr_zone_count(z); i++) {
		assert_true(n + 2 <= RR_MAX);
		rr_text(z, xfr_zone_get(z, i), DNS_T_A, rr[n++]);
		rr_text(z, xfr_zone_get(z, i), DNS_T_TXT, rr[n++]);
	}
	return n;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void
test_diff(void **state)
{
	static char		 orr[RR_MAX][RR_LEN], nrr[RR_MAX][RR_LEN];
	char			 t[RR_LEN];
	struct xfr_zone_stats	 st;
	struct xfr_diff		 d;
	size_t			 i, k, on, nn;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tcase	*c = &cases[i];
		struct index		*oi = build_index(c->txt, c->old, 7);
		struct index		*ni = build_index(c->txt, c->new, 8);
		struct xfr_zone		*oz = xfr_zone_build(oi, 0, NOW, 1000,
					    &st);
		struct xfr_zone		*nz = xfr_zone_build(ni, 0, NOW, 1000,
					    &st);

		/* The zones are in xfr_name_cmp order. */
		for (k = 1; k < xfr_zone_count(nz); k++)
			if (xfr_name_cmp(xfr_zone_get(nz, k - 1),
			    xfr_zone_get(nz, k)) >= 0)
				fail_msg("%s: name %zu out of order", c->name,
				    k);
		if (xfr_zone_diff(oz, nz, RR_MAX, &d) != 0)
			fail_msg("%s: no difference", c->name);
		if (d.ndel != c->want_del || d.nadd != c->want_add)
			fail_msg("%s: got %zu deleted, %zu added; want %zu, "
			    "%zu", c->name, d.ndel, d.nadd, c->want_del,
			    c->want_add);
		/* Apply it to the old records: the new ones must result. */
		on = records(oz, orr);
		nn = records(nz, nrr);
		for (k = 0; k < d.ndel; k++) {
			size_t	m;

			rr_text(oz, xfr_zone_get(oz, d.del[k].i),
			    d.del[k].type, t);
			for (m = 0; m < on && strcmp(orr[m], t) != 0; m++)
				;
			if (m == on)
				fail_msg("%s: deletes %s, not there", c->name,
				    t);
			memcpy(orr[m], orr[--on], RR_LEN);
		}
		for (k = 0; k < d.nadd; k++) {
			size_t	m;

			rr_text(nz, xfr_zone_get(nz, d.add[k].i),
			    d.add[k].type, t);
			for (m = 0; m < on && strcmp(orr[m], t) != 0; m++)
				;
			if (m < on)
				fail_msg("%s: adds %s, already there",
				    c->name, t);
			assert_true(on < RR_MAX);
			memcpy(orr[on++], t, RR_LEN);
		}
		qsort(orr, on, RR_LEN, str_cmp);
		qsort(nrr, nn, RR_LEN, str_cmp);
		if (on != nn)
			fail_msg("%s: got %zu records, want %zu", c->name, on,
			    nn);
		for (k = 0; k < on; k++)
			if (strcmp(orr[k], nrr[k]) != 0)
				fail_msg("%s: got %s, want %s", c->name,
				    orr[k], nrr[k]);
		/* Past max there is no difference to send. */
		if (d.ndel + d.nadd > 0) {
			struct xfr_diff	d2;

			assert_int_equal(xfr_zone_diff(oz, nz,
			    d.ndel + d.nadd - 1, &d2), -1);
			assert_null(d2.del);
			assert_null(d2.add);
		}
		xfr_diff_free(&d);
		xfr_zone_free(oz);
		xfr_zone_free(nz);
		index_free(oi);
		index_free(ni);
	}
}

/* An unsigned IXFR query from serial over TCP. */
static size_t
ixfr_query(uint32_t serial, uint8_t *b)
{
	static const uint8_t	head[] = { 0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 1,
	    0, 0, 2, 'b', 'l', 4, 't', 'e', 's', 't', 0, 0, 251, 0, 1,
	    /* the client's SOA: owner a pointer to the question */
	    0xc0, 12, 0, 6, 0, 1, 0, 0, 0, 0, 0, 22, 0, 0 };
	size_t			n = sizeof(head);

	memcpy(b, head, n);
	b[n++] = (uint8_t)(serial >> 24);
	b[n++] = (uint8_t)(serial >> 16);
	b[n++] = (uint8_t)(serial >> 8);
	b[n++] = (uint8_t)serial;
	memset(b + n, 0, 16);
	return n + 16;
}

/* The serials of the SOA records of a whole stream, and its records. */
static size_t
stream_soas(struct xfr_stream *s, uint32_t *soa, size_t *nsoa)
{
	static uint8_t		 out[XFR_MSG_MAX + XFR_TSIG_ROOM];
	struct dns_answer	 a;
	struct dns_rr		 rr;
	size_t			 len, n = 0;

	*nsoa = 0;
	while ((len = xfr_stream_next(s, out, sizeof(out), NOW)) > 0) {
		assert_int_equal(dns_answer_init(&a, out, len), 0);
		while (dns_answer_next(&a, &rr) == 1) {
			if (rr.type == DNS_T_SOA && *nsoa < 8) {
				const uint8_t	*p = rr.rdata + rr.rdlen - 20;

				soa[(*nsoa)++] = (uint32_t)p[0] << 24 |
				    (uint32_t)p[1] << 16 | p[2] << 8 | p[3];
			}
			n++;
		}
	}
	return n;
}

static const struct add	v_old[6] = { { "192.0.2.1", "one", 0 },
    { "192.0.2.2", "two", 0 }, { "192.0.2.3", "three", 0 },
    { "192.0.2.4", "four", 0 } };
static const struct add	v_new[6] = { { "192.0.2.1", "one", 0 },
    { "192.0.2.2", "two", 0 }, { "192.0.2.3", "three", 0 },
    { "198.51.100.77", "new", 0 } };
static const struct add	v_other[6] = { { "10.0.0.1", "a", 0 },
    { "10.0.0.2", "b", 0 } };

static void
test_handle(void **state)
{
	static uint8_t		 out[DNS_TCP_MAX];
	struct dnsbl_conf	 conf;
	struct xfr_history	*h = xfr_history_new();
	struct index		*oi, *ni, *xi;
	struct xfr_stream	*s;
	struct xfr_result	 res;
	struct xfr_req		 r;
	struct addr_prefix	 peer;
	uint8_t			 q[128];
	uint32_t		 soa[8];
	size_t			 len, n, nsoa;
	const char		*err;

	(void)state;
	dnsbl_conf_defaults(&conf);
	assert_int_equal(dnsbl_conf_prepare(&conf, NULL), 0);
	assert_int_equal(addr_parse("127.0.0.1", &conf.xfr.allow[0], &err), 0);
	conf.xfr.nallow = 1;
	assert_int_equal(addr_parse("127.0.0.1", &peer, &err), 0);
	oi = build_index("$reason", v_old, 7);
	ni = build_index("$reason", v_new, 8);
	assert_int_equal(xfr_history_keep(h, &conf, oi, "bl.test", NOW), 0);
	assert_int_equal(xfr_history_keep(h, &conf, oi, "other.test", NOW),
	    -1);

	/* Kept serial 7: one condensed sequence, 2 deleted, 2 added. */
	len = ixfr_query(7, q);
	assert_int_equal(xfr_request_parse(q, len, &r), XFR_PARSE_OK);
	assert_int_equal(r.serial, 7);
	n = xfr_handle(&conf, ni, q, len, &r, peer.a, 1, NOW, h, out,
	    sizeof(out), &s, &res);
	assert_int_equal(n, 0);
	assert_non_null(s);
	assert_int_equal(res.ixfr, 1);
	assert_int_equal(res.from, 7);
	assert_int_equal(res.deleted, 2);
	assert_int_equal(res.added, 2);
	assert_int_equal(stream_soas(s, soa, &nsoa), 4 + 2 + 2);
	assert_int_equal(nsoa, 4);
	assert_int_equal(soa[0], 8);
	assert_int_equal(soa[1], 7);
	assert_int_equal(soa[2], 8);
	assert_int_equal(soa[3], 8);
	xfr_stream_free(s);
	/* Both versions are kept now. */
	assert_int_equal(xfr_history_count(h), 2);

	/* An unknown serial: the whole zone, and why. */
	len = ixfr_query(5, q);
	assert_int_equal(xfr_request_parse(q, len, &r), XFR_PARSE_OK);
	n = xfr_handle(&conf, ni, q, len, &r, peer.a, 1, NOW, h, out,
	    sizeof(out), &s, &res);
	assert_non_null(s);
	assert_int_equal(res.ixfr, 0);
	assert_non_null(res.whole);
	/* SOA, NS, 4 names of A and TXT, SOA. */
	assert_int_equal(stream_soas(s, soa, &nsoa), 1 + 1 + 8 + 1);
	assert_int_equal(nsoa, 2);
	xfr_stream_free(s);

	/* No history (as over UDP's caller): the whole zone. */
	len = ixfr_query(7, q);
	assert_int_equal(xfr_request_parse(q, len, &r), XFR_PARSE_OK);
	n = xfr_handle(&conf, ni, q, len, &r, peer.a, 1, NOW, NULL, out,
	    sizeof(out), &s, &res);
	assert_non_null(s);
	assert_int_equal(res.ixfr, 0);
	xfr_stream_free(s);

	/* A difference larger than the zone: the whole zone. */
	xi = build_index("$reason", v_other, 9);
	n = xfr_handle(&conf, xi, q, len, &r, peer.a, 1, NOW, h, out,
	    sizeof(out), &s, &res);
	assert_non_null(s);
	assert_int_equal(res.ixfr, 0);
	assert_string_equal(res.whole,
	    "the difference is not smaller than the zone");
	assert_int_equal(stream_soas(s, soa, &nsoa), 1 + 1 + 4 + 1);
	xfr_stream_free(s);

	/*
	 * Odd serials against ours (8), RFC 1982 arithmetic: newer ones
	 * (9, 8 + 2^31 - 1) get our SOA alone; one behind across the wrap
	 * (0xffffffff) and one 2^31 away (undefined: taken as older) are
	 * not kept, so the whole zone.
	 */
	{
		static const struct {
			uint32_t	serial;
			int		want_stream;
		} odd[] = { { 9, 0 }, { 8u + 0x7fffffffu, 0 },
		    { 0xffffffffu, 1 }, { 8u + 0x80000000u, 1 }, { 0, 1 } };
		size_t	k;

		for (k = 0; k < sizeof(odd) / sizeof(odd[0]); k++) {
			len = ixfr_query(odd[k].serial, q);
			assert_int_equal(xfr_request_parse(q, len, &r),
			    XFR_PARSE_OK);
			n = xfr_handle(&conf, ni, q, len, &r, peer.a, 1, NOW,
			    h, out, sizeof(out), &s, &res);
			if ((s != NULL) != odd[k].want_stream)
				fail_msg("serial %u: got %s, want %s",
				    odd[k].serial, s != NULL ? "the zone" :
				    "our SOA", odd[k].want_stream ?
				    "the zone" : "our SOA");
			if (s != NULL) {
				assert_int_equal(res.ixfr, 0);
				assert_non_null(res.whole);
			} else
				assert_int_equal(out[7], 1);
			xfr_stream_free(s);
		}
	}

	/* The current serial: our SOA alone. */
	len = ixfr_query(8, q);
	assert_int_equal(xfr_request_parse(q, len, &r), XFR_PARSE_OK);
	n = xfr_handle(&conf, ni, q, len, &r, peer.a, 1, NOW, h, out,
	    sizeof(out), &s, &res);
	assert_null(s);
	assert_true(n > DNS_HEADER_LEN);
	assert_int_equal(out[7], 1);
	index_free(oi);
	index_free(ni);
	index_free(xi);
	xfr_history_free(h);
}

/* At most XFR_HISTORY_MAX versions of a zone; the least used go. */
static void
test_history(void **state)
{
	struct xfr_history	*h = xfr_history_new();
	struct xfr_zone_stats	 st;
	struct xfr_zone		*z[XFR_HISTORY_MAX + 2], *g;
	struct index		*ix;
	size_t			 i;

	(void)state;
	for (i = 0; i < XFR_HISTORY_MAX + 2; i++) {
		ix = build_index("$reason", v_old, (int64_t)(10 + i));
		z[i] = xfr_zone_build(ix, 0, NOW, 1000, &st);
		index_free(ix);
		xfr_history_put(h, z[i], (uint32_t)(10 + i), 99);
		if (i == XFR_HISTORY_MAX - 1) {
			/* Using 10 when full makes 11, then 12, go first. */
			g = xfr_history_get(h, "bl.test", 10, 99);
			assert_ptr_equal(g, z[0]);
			xfr_zone_free(g);
		}
	}
	assert_int_equal(xfr_history_count(h), XFR_HISTORY_MAX);
	assert_null(xfr_history_get(h, "bl.test", 11, 99));
	assert_null(xfr_history_get(h, "bl.test", 12, 99));
	g = xfr_history_get(h, "bl.test", 10, 99);
	assert_ptr_equal(g, z[0]);
	xfr_zone_free(g);
	/* Another apex is another version. */
	assert_null(xfr_history_get(h, "bl.test", 15, 98));
	g = xfr_history_get(h, "bl.test", 15, 99);
	assert_ptr_equal(g, z[5]);
	xfr_zone_free(g);
	for (i = 0; i < XFR_HISTORY_MAX + 2; i++)
		xfr_zone_free(z[i]);	/* the history keeps its own */
	xfr_history_free(h);
}

/*
 * Versions read back from the store (xfr_history_put_old): never replace
 * a kept version of their serial, go first when room is needed, and are
 * not kept into a full history.
 */
static void
test_history_old(void **state)
{
	struct xfr_history	*h = xfr_history_new();
	struct xfr_zone_stats	 st;
	struct xfr_zone		*z[XFR_HISTORY_MAX + 2], *g, *g2;
	struct index		*ix;
	size_t			 i;

	(void)state;
	for (i = 0; i < XFR_HISTORY_MAX + 2; i++) {
		ix = build_index("$reason", v_old, (int64_t)(20 + i));
		z[i] = xfr_zone_build(ix, 0, NOW, 1000, &st);
		index_free(ix);
	}
	/* 20 transferred; 20 read back does not replace it. */
	xfr_history_put(h, z[0], 20, 99);
	xfr_history_put_old(h, z[1], 20, 99);
	g = xfr_history_get(h, "bl.test", 20, 99);
	assert_ptr_equal(g, z[0]);
	xfr_zone_free(g);
	/* 21 and 22 read back, 23 transferred: full. */
	xfr_history_put_old(h, z[1], 21, 99);
	xfr_history_put_old(h, z[2], 22, 99);
	xfr_history_put(h, z[3], 23, 99);
	assert_int_equal(xfr_history_count(h), XFR_HISTORY_MAX);
	/* Full: one more read back is not kept. */
	xfr_history_put_old(h, z[4], 19, 99);
	assert_null(xfr_history_get(h, "bl.test", 19, 99));
	/* A new transferred version evicts a read-back one, not 20 or 23. */
	xfr_history_put(h, z[5], 25, 99);
	assert_int_equal(xfr_history_count(h), XFR_HISTORY_MAX);
	g = xfr_history_get(h, "bl.test", 20, 99);
	assert_ptr_equal(g, z[0]);
	xfr_zone_free(g);
	g = xfr_history_get(h, "bl.test", 23, 99);
	assert_ptr_equal(g, z[3]);
	xfr_zone_free(g);
	g = xfr_history_get(h, "bl.test", 21, 99);
	g2 = xfr_history_get(h, "bl.test", 22, 99);
	assert_true((g == NULL) != (g2 == NULL));
	xfr_zone_free(g);
	xfr_zone_free(g2);
	for (i = 0; i < XFR_HISTORY_MAX + 2; i++)
		xfr_zone_free(z[i]);
	xfr_history_free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_handle),
		cmocka_unit_test(test_history),
		cmocka_unit_test(test_history_old),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
