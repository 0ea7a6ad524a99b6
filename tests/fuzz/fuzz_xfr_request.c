/*
 * fuzz_xfr_request.c: libFuzzer target for zone transfer requests: the
 * parser (xfr_request_parse), TSIG verification and xfr_handle with a
 * small zone, over TCP and UDP, and the whole stream of a transfer it
 * starts. Checks the contract on every input: what the parser returns
 * lies inside the packet (question name, TSIG offset and MAC), every
 * reply is a response with the request's id and fits its buffer, a UDP
 * request never starts a stream, and a stream ends with every message
 * of at most XFR_MSG_MAX bytes plus its TSIG.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/addr.h"
#include "dns/dns.h"
#include "dnsbl/dnsbl.h"
#include "list/list.h"
#include "xfr/xfr.h"

/* The corpus is signed with this key (xfr-key). */
#define SECRET	"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI="
#define NOW	1800000000

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dnsbl_conf	 conf;
static struct index		*idx;
static struct xfr_history	*hist;	/* the zone at serial 7 */

/* The zone: a range, an exclusion in it, an IPv6 range. */
static const struct {
	const char	*pfx;
	const char	*reason;	/* NULL: an exclusion */
} listings[] = {
	{ "192.0.2.0/24", "net" }, { "192.0.2.9", NULL },
	{ "2001:db8::/126", "six" },
};

/*
 * The zone at serial (42 now, 7 as kept for IXFR): serial 7 lacks the
 * first listing and holds one the current zone does not.
 */
static struct index *
zone_at(int64_t serial)
{
	struct index_builder	*b = index_builder_new();
	struct index_zone	 z = { .name = "bl.test", .txt = "$reason",
	    .serial = serial };
	struct addr_prefix	 p;
	const char		*err;
	size_t			 i;

	index_builder_zone(b, &z);
	for (i = serial == 42 ? 0 : 1; i < sizeof(listings) /
	    sizeof(listings[0]); i++) {
		addr_parse(listings[i].pfx, &p, &err);
		index_builder_add(b, 0, &p, listings[i].reason == NULL, 0,
		    listings[i].reason, 1, 0);
	}
	if (serial != 42) {
		addr_parse("198.51.100.7", &p, &err);
		index_builder_add(b, 0, &p, 0, 0, "old", 1, 0);
	}
	return index_builder_finish(b);
}

static void
setup(void)
{
	struct index	*old;
	const char	*err;

	idx = zone_at(42);
	dnsbl_conf_defaults(&conf);
	dnsbl_conf_prepare(&conf, NULL);
	addr_parse("127.0.0.1", &conf.xfr.allow[0], &err);
	conf.xfr.nallow = 1;
	xfr_key_set(&conf.xfr.key, "xfr-key", SECRET, &err);
	conf.xfr.tsig = 1;
	hist = xfr_history_new();
	old = zone_at(7);
	xfr_history_keep(hist, &conf, old, "bl.test", NOW);
	index_free(old);
}

static void
check_reply(const uint8_t *data, size_t size, const uint8_t *out,
    size_t n, size_t cap)
{
	if (n == 0)
		return;
	assert(n >= DNS_HEADER_LEN && n <= cap);
	assert(out[2] & 0x80);
	assert(out[0] == data[0] && out[1] == data[1]);
	(void)size;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t		 out[DNS_TCP_MAX];
	struct xfr_req		 r;
	struct xfr_result	 res;
	struct xfr_stream	*s;
	uint8_t			 peer[ADDR_LEN];
	enum xfr_parse		 pr;
	size_t			 n, msgs;
	int			 tcp;

	if (idx == NULL)
		setup();
	pr = xfr_request_parse(data, size, &r);
	if (pr == XFR_PARSE_DROP || pr == XFR_PARSE_PASS)
		return 0;
	assert(r.q.name_len >= 1 && r.q.name_len <= DNS_NAME_MAX);
	assert(DNS_HEADER_LEN + r.q.name_len + 4 <= size);
	if (pr == XFR_PARSE_FORMERR) {
		n = xfr_formerr(&r, out, sizeof(out));
		check_reply(data, size, out, n, sizeof(out));
		return 0;
	}
	if (r.tsig) {
		assert(r.tsig_off >= DNS_HEADER_LEN && r.tsig_off < size);
		assert(r.mac_len == 0 ||
		    (r.mac >= data && r.mac + r.mac_len <= data + size));
		assert(r.key_len >= 1 && r.key_len <= DNS_NAME_MAX);
	}
	addr_from_v4(peer, 0x7f000001);
	for (tcp = 0; tcp < 2; tcp++) {
		size_t	cap = tcp ? sizeof(out) : DNS_EDNS_MAX;

		n = xfr_handle(&conf, idx, data, size, &r, peer, tcp, NOW,
		    tcp ? hist : NULL, out, cap, &s, &res);
		if (s == NULL) {
			check_reply(data, size, out, n, cap);
			continue;
		}
		assert(tcp && n == 0);
		for (msgs = 0; (n = xfr_stream_next(s, out, sizeof(out),
		    NOW)) > 0; msgs++) {
			assert(n <= XFR_MSG_MAX + XFR_TSIG_ROOM);
			check_reply(data, size, out, n, sizeof(out));
			assert(msgs < 1000);
		}
		xfr_stream_free(s);
	}
	return 0;
}
