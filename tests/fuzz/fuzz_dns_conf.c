/*
 * fuzz_dns_conf.c: the dns { } reader (cli/dnsconf.c) on arbitrary
 * configuration text, with its transfer { } and rrl { } blocks. Whatever
 * it accepts must satisfy its own limits: allow prefixes, notify targets
 * (IPv4 or IPv6 with their lengths), a TSIG secret of 1-64 bytes,
 * expand-max, and rrl's rate, slip, window, prefixes and exemptions;
 * and dnsbl_conf_prepare must not crash on the names it took.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include "cli/cli.h"
#include "core/conf.h"
#include "dnsbl/dnsbl.h"
#include "dnsbl/rrl.h"
#include "dnsbl/server.h"
#include "xfr/xfr.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_xfr(const struct xfr_conf *xc)
{
	size_t	i;

	if (xc->nallow > XFR_ALLOW_MAX || xc->nnotify > XFR_NOTIFY_MAX ||
	    xc->expand_max > 16777216)
		abort();
	if (xc->tsig && (xc->key.len < 1 || xc->key.len > XFR_KEY_MAX ||
	    xc->key.name_len < 1 || xc->key.name_len > XFR_KEY_NAME_MAX))
		abort();
	for (i = 0; i < xc->nnotify; i++)
		if (!((xc->notify[i].ss_family == AF_INET &&
		    xc->notify_len[i] == sizeof(struct sockaddr_in)) ||
		    (xc->notify[i].ss_family == AF_INET6 &&
		    xc->notify_len[i] == sizeof(struct sockaddr_in6))))
			abort();
}

static void
check_rrl(const struct rrl_conf *rc)
{
	if (rc->rate == 0)
		return;		/* off */
	if (rc->rate > RRL_RATE_MAX || rc->slip > RRL_SLIP_MAX ||
	    rc->window < 1 || rc->window > RRL_WINDOW_MAX ||
	    rc->v4_prefix < 8 || rc->v4_prefix > 32 ||
	    rc->v6_prefix < 16 || rc->v6_prefix > 128 ||
	    rc->nexempt > RRL_EXEMPT_MAX)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char				 err[256];
	struct conf			*c;
	struct dnsbl_conf		 dc;
	struct dnsbl_server_conf	 sc;
	const char			*name;
	uint32_t			 reload_ms = 0;
	int				 snapcache = 0;

	c = conf_parse((const char *)data, size, "fuzz", err, sizeof(err));
	if (c == NULL)
		return 0;
	dnsbl_conf_defaults(&dc);
	memset(&sc, 0, sizeof(sc));
	if (cli_dns_conf(c, &dc, &sc, &reload_ms, &snapcache) == 0) {
		if (sc.nlisten > DNSBL_LISTEN_MAX || dc.nns > DNSBL_NS_MAX ||
		    sc.workers < 0 || sc.workers > DNSBL_WORKERS_MAX ||
		    reload_ms > 60000 || (snapcache != 0 && snapcache != 1))
			abort();
		check_xfr(&dc.xfr);
		check_rrl(&sc.rrl);
		(void)dnsbl_conf_prepare(&dc, &name);
	}
	conf_free(c);
	return 0;
}
