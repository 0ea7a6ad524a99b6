/*
 * fuzz_dnsbl_answer.c: libFuzzer target for the DNSBL answer path
 * (dnsbl_answer: parse, zone match, index lookups, TXT expansion, write)
 * against a small fixed index built once. Both transports are tried: the
 * UDP answer must respect its limit, and every answer must echo the id
 * and be a response. The general path (dnsbl_answer_general, without the
 * fast path for plain IPv4 A and TXT queries) must give the same bytes.
 *
 * Seeds: tests/fuzz/fuzz_dnsbl_answer.in/ (queries for the zones below).
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/addr.h"
#include "dns/dns.h"
#include "dnsbl/dnsbl.h"
#include "list/list.h"

#define NOW	1795900000

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct index	*idx, *flat;	/* flat: no zone under another */
static struct dnsbl_conf conf;

static void
add(struct index_builder *b, int zone, const char *cidr, int exclude,
    uint32_t code, const char *reason, int64_t expires)
{
	struct addr_prefix	 p;
	const char		*err;

	if (addr_parse(cidr, &p, &err) == 0)
		index_builder_add(b, zone, &p, exclude, code, reason,
		    NOW - 86400, expires);
}

static struct index *
build_one(int nested)
{
	struct index_builder	*b = index_builder_new();
	struct index_zone	 z;
	static char		 longreason[501];
	int			 i;

	memset(longreason, 'r', 500);
	memset(&z, 0, sizeof(z));
	z.name = "bl.test";
	z.code = 0x7f000002;
	z.txt = "$reason (listed $listed, expires $expires); see $url $";
	z.url = "https://bl.test/lookup/$ip?z=$zone&$url$$";
	z.serial = 2026112801;
	i = index_builder_zone(b, &z);
	add(b, i, "127.0.0.2", 0, 0, LIST_TEST_REASON, 0);
	add(b, i, "127.0.0.1", 1, 0, NULL, 0);
	add(b, i, "192.0.2.1", 0, 0, "spam trap hit", 0);
	add(b, i, "198.51.100.0/24", 0, 0x7f000003, "range", NOW + 86400);
	add(b, i, "198.51.100.7", 1, 0, NULL, 0);
	add(b, i, "203.0.113.5", 0, 0, "expired", NOW - 1);
	add(b, i, "2001:db8::1", 0, 0, "v6", 0);
	add(b, i, "2001:db8:1::/48", 0, 0, "v6 range", 0);
	add(b, i, "::ffff:10.0.0.0/104", 0, 0, "mapped", 0);
	z.name = nested ? "big.bl.test" : "big.test";
	z.txt = "$reason$reason$reason$reason$reason$reason$reason$reason"
	    "$reason$reason";
	z.url = "";
	i = index_builder_zone(b, &z);
	add(b, i, "127.0.0.2", 0, 0, longreason, 0);
	add(b, i, "0.0.0.0/0", 0, 0, "everything", 0);
	z.name = "other.example";
	z.code = 0;
	z.txt = NULL;
	z.url = NULL;
	i = index_builder_zone(b, &z);
	add(b, i, "127.0.0.2", 0, 0, LIST_TEST_REASON, 0);
	add(b, i, "::/0", 0, 0, "all of v6", 0);
	return index_builder_finish(b);
}

static void
build(void)
{
	idx = build_one(1);
	flat = build_one(0);
	dnsbl_conf_defaults(&conf);
	conf.ns[0] = "ns1.bl.test";
	conf.ns[1] = "ns2.example.net";
	conf.nns = 2;
	conf.soa_mname = "ns1.bl.test";
	conf.soa_rname = "hostmaster.bl.test";
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t	out[DNS_TCP_MAX], gen[DNS_TCP_MAX];
	size_t		n, g;
	int		r, tcp;

	if (idx == NULL)
		build();
	for (r = 0; r < 4; r++) {
		/* The nested index, then the flat one (the fast path). */
		const struct index *x = r < 2 ? idx : flat;

		tcp = r % 2;
		n = dnsbl_answer(&conf, x, data, size, out,
		    tcp ? DNS_TCP_MAX : DNS_EDNS_MAX, tcp, NOW);
		g = dnsbl_answer_general(&conf, x, data, size, gen,
		    tcp ? DNS_TCP_MAX : DNS_EDNS_MAX, tcp, NOW);
		assert(n == g && memcmp(out, gen, n) == 0);
		if (n == 0) {
			assert(size < DNS_HEADER_LEN || (data[2] & 0x80));
			continue;
		}
		assert(n >= DNS_HEADER_LEN);
		assert(tcp ? n <= DNS_TCP_MAX : n <= DNS_EDNS_MAX);
		assert(out[0] == data[0] && out[1] == data[1]);
		assert(out[2] & 0x80);
		/* Without EDNS, UDP answers stay within 512 bytes. */
		if (!tcp && out[11] == 0)
			assert(n <= DNS_UDP_MIN);
	}
	return 0;
}
