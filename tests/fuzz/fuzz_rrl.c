/*
 * fuzz_rrl.c: libFuzzer target for the packet readers of response rate
 * limiting (dnsbl/rrl.c): rrl_query, rrl_response and rrl_slip on any
 * bytes. Checks, beside no crash: a query that dns_parse_query accepts
 * slips to exactly its header and question, a slipped packet has QR and
 * TC set and empty sections, and an action is one of the three.
 */
#include <assert.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dns/dns.h"
#include "dnsbl/rrl.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rrl	*r;
	static int64_t		 now = 1000;
	struct sockaddr_in	 sin;
	struct rrl_conf		 c;
	struct dns_query	 q;
	uint8_t			 p[DNS_EDNS_MAX];
	size_t			 n;
	enum rrl_action		 a;

	if (size > sizeof(p))
		return 0;
	if (r == NULL) {
		rrl_conf_defaults(&c);
		c.rate = 2;
		c.slip = 2;
		r = rrl_new(&c, 1);
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(0xc0000201);
	now += 7;

	a = rrl_query(r, (struct sockaddr *)&sin, data, size, now);
	assert(a == RRL_PASS || a == RRL_DROP || a == RRL_SLIP);
	a = rrl_response(r, (struct sockaddr *)&sin, data, size, now);
	assert(a == RRL_PASS || a == RRL_DROP || a == RRL_SLIP);

	memcpy(p, data, size);
	n = rrl_slip(p, size);
	assert(n <= size);
	if (n > 0) {
		assert(n >= DNS_HEADER_LEN + 5);
		assert((p[2] & 0x82) == 0x82 && (p[3] & 0x0f) == 0);
		assert(p[4] == 0 && p[5] == 1);
		assert(memcmp(p + 6, "\0\0\0\0\0\0", 6) == 0);
		assert(memcmp(p + DNS_HEADER_LEN, data + DNS_HEADER_LEN,
		    n - DNS_HEADER_LEN) == 0);
	}
	if (dns_parse_query(data, size, &q) == DNS_PARSE_OK)
		assert(n == DNS_HEADER_LEN + q.name_len + 4);
	return 0;
}
