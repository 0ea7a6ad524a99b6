/*
 * dnsconf.c: the dns { } block (docs/CONFIG.md), read strictly, for the
 * daemon and for the BIND export, so both use the same SOA, NS and TTL
 * values.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <netinet/in.h>

#include "cli/cli.h"
#include "core/addr.h"
#include "core/conf.h"
#include "core/str.h"
#include "dnsbl/dnsbl.h"
#include "dnsbl/server.h"
#include "xfr/xfr.h"

static int
conf_u32(const struct conf *cf, const struct conf_node *n, const char *key,
    uint32_t *out, long long max)
{
	struct conf_node	*k = conf_find(n, key);
	const char		*e;
	long long		 v;

	if (k == NULL)
		return 0;
	if (k->nargs != 1) {
		cli_err(NULL, "%s:%d: %s takes one value",
		    cf->path, k->line, key);
		return -1;
	}
	v = str_tonum(k->args[0], 0, max, &e);
	if (e != NULL) {
		cli_err(NULL, "%s:%d: %s: %s is %s", cf->path,
		    k->line, key, k->args[0], e);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

/*
 * An ns or soa-mname line: host names (the DNS writer would take any
 * text and put it on the wire and in the BIND export). A trailing dot is
 * allowed, as in zone files. Returns 0, or -1 after saying why.
 */
static int
host_names(const struct conf *cf, const struct conf_node *k, int one)
{
	size_t	len;
	int	i;

	if (k->nargs == 0 || (one && k->nargs != 1)) {
		cli_err(NULL, "%s:%d: %s %s", cf->path, k->line, k->name,
		    one ? "takes one name" : "takes at least one name");
		return -1;
	}
	for (i = 0; i < k->nargs; i++) {
		len = strlen(k->args[i]);
		if (len > 1 && k->args[i][len - 1] == '.')
			len--;
		if (!str_dnsname_ok(k->args[i], len)) {
			cli_err(NULL, "%s:%d: %s: '%.64s' is not a host name "
			    "(letters, digits, '-', dots)", cf->path, k->line,
			    k->name, k->args[i]);
			return -1;
		}
	}
	return 0;
}

/*
 * The dns { rrl { } } block into OUT:rc: rate is required, the rest has
 * rrl_conf_defaults. Returns 0, or -1 after saying why.
 */
static int
rrl_conf(const struct conf *cf, const struct conf_node *n,
    struct rrl_conf *rc)
{
	static const char *const keys[] = { "rate", "slip", "window",
	    "ipv4-prefix", "ipv6-prefix", "exempt", NULL };
	static const struct {
		const char	*key;
		long long	 min, max;
	} lim[] = {
		{ "rate", 1, RRL_RATE_MAX }, { "slip", 0, RRL_SLIP_MAX },
		{ "window", 1, RRL_WINDOW_MAX }, { "ipv4-prefix", 8, 32 },
		{ "ipv6-prefix", 16, 128 }
	};
	struct conf_node	*k;
	const char		*e;
	char			 err[256];
	uint32_t		 v[5];
	size_t			 i;
	int			 j;

	if (conf_check_keys(cf, n, keys, err, sizeof(err)) == -1) {
		cli_err(NULL, "%s", err);
		return -1;
	}
	rrl_conf_defaults(rc);
	v[0] = 0;
	v[1] = rc->slip;
	v[2] = rc->window;
	v[3] = rc->v4_prefix;
	v[4] = rc->v6_prefix;
	for (i = 0; i < 5; i++) {
		if (conf_u32(cf, n, lim[i].key, &v[i], lim[i].max) == -1)
			return -1;
		if ((k = conf_find(n, lim[i].key)) != NULL &&
		    v[i] < lim[i].min) {
			cli_err(NULL, "%s:%d: rrl %s: %s is too small (at "
			    "least %lld)", cf->path, k->line, lim[i].key,
			    k->args[0], lim[i].min);
			return -1;
		}
	}
	if (conf_find(n, "rate") == NULL) {
		cli_err(NULL, "%s:%d: rrl needs 'rate N' (responses per "
		    "second)", cf->path, n->line);
		return -1;
	}
	rc->rate = v[0];
	rc->slip = v[1];
	rc->window = v[2];
	rc->v4_prefix = (uint8_t)v[3];
	rc->v6_prefix = (uint8_t)v[4];
	for (k = conf_find(n, "exempt"); k != NULL; k = conf_next(k)) {
		for (j = 0; j < k->nargs; j++) {
			if (rc->nexempt >= RRL_EXEMPT_MAX) {
				cli_err(NULL, "%s:%d: rrl: at most %d exempt "
				    "prefixes", cf->path, k->line,
				    RRL_EXEMPT_MAX);
				return -1;
			}
			if (addr_parse(k->args[j],
			    &rc->exempt[rc->nexempt], &e) == -1) {
				cli_err(NULL, "%s:%d: rrl exempt: %s: %s",
				    cf->path, k->line, k->args[j], e);
				return -1;
			}
			rc->nexempt++;
		}
	}
	return 0;
}

/* A notify target: ADDR:PORT or [ADDR]:PORT, port 53 if left out. */
static int
notify_addr(const char *a, struct sockaddr_storage *ss, socklen_t *len)
{
	const char	*c = strchr(a, ':');
	int		 port;

	if (dnsbl_parse_listen(a, ss, len) == -1)
		return -1;
	port = a[0] == '[' ? strstr(a, "]:") != NULL :
	    c != NULL && c == strrchr(a, ':');
	if (!port && ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(53);
	else if (!port)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(53);
	return 0;
}

/* dns { transfer { allow, tsig, notify, expand-max } } into OUT:xc. */
static int
transfer_conf(const struct conf *cf, const struct conf_node *dns,
    struct xfr_conf *xc)
{
	static const char *const keys[] = { "allow", "tsig", "notify",
	    "expand-max", NULL };
	struct conf_node	*t, *k;
	const char		*e;
	char			 err[256];
	uint32_t		 v;
	int			 i;

	if ((t = conf_find(dns, "transfer")) == NULL)
		return 0;
	if (conf_check_keys(cf, t, keys, err, sizeof(err)) == -1) {
		cli_err(NULL, "%s", err);
		return -1;
	}
	for (k = conf_find(t, "allow"); k != NULL; k = conf_next(k)) {
		for (i = 0; i < k->nargs; i++) {
			if (xc->nallow >= XFR_ALLOW_MAX) {
				cli_err(NULL, "%s:%d: at most %d allow "
				    "prefixes", cf->path, k->line,
				    XFR_ALLOW_MAX);
				return -1;
			}
			if (addr_parse(k->args[i], &xc->allow[xc->nallow],
			    &e) == -1) {
				cli_err(NULL, "%s:%d: allow: %s: %s", cf->path,
				    k->line, k->args[i], e);
				return -1;
			}
			xc->nallow++;
		}
	}
	if ((k = conf_find(t, "tsig")) != NULL) {
		if (k->nargs != 3 || strcmp(k->args[1], "hmac-sha256") != 0) {
			cli_err(NULL, "%s:%d: tsig takes NAME hmac-sha256 "
			    "BASE64", cf->path, k->line);
			return -1;
		}
		if (xfr_key_set(&xc->key, k->args[0], k->args[2], &e) == -1) {
			cli_err(NULL, "%s:%d: tsig: %s", cf->path, k->line, e);
			return -1;
		}
		xc->tsig = 1;
	}
	for (k = conf_find(t, "notify"); k != NULL; k = conf_next(k)) {
		for (i = 0; i < k->nargs; i++) {
			if (xc->nnotify >= XFR_NOTIFY_MAX) {
				cli_err(NULL, "%s:%d: at most %d notify "
				    "targets", cf->path, k->line,
				    XFR_NOTIFY_MAX);
				return -1;
			}
			if (notify_addr(k->args[i], &xc->notify[xc->nnotify],
			    &xc->notify_len[xc->nnotify]) == -1) {
				cli_err(NULL, "%s:%d: bad notify address '%s' "
				    "(want ADDR[:PORT])", cf->path, k->line,
				    k->args[i]);
				return -1;
			}
			xc->nnotify++;
		}
	}
	v = XFR_EXPAND_MAX;
	if (conf_u32(cf, t, "expand-max", &v, 16777216) == -1)
		return -1;
	xc->expand_max = v;
	return 0;
}

int
cli_dns_conf(const struct conf *cf, struct dnsbl_conf *dc,
    struct dnsbl_server_conf *sc, uint32_t *reload_ms, int *snapcache)
{
	static const char *const keys[] = { "listen", "workers", "ttl",
	    "ns-ttl", "negative-ttl", "ns", "soa-mname", "soa-rname",
	    "refresh", "retry", "expire", "tcp-idle-timeout",
	    "tcp-message-timeout", "tcp-clients", "reload-interval",
	    "snapshot-cache", "rrl", "transfer", NULL };
	struct conf_node	*dns, *k;
	uint32_t		 v;
	char			 err[256];
	int			 i;

	if (cf == NULL || (dns = conf_find(cf->root, "dns")) == NULL)
		return 0;
	if (conf_check_keys(cf, dns, keys, err, sizeof(err)) == -1) {
		cli_err(NULL, "%s", err);
		return -1;
	}
	for (k = conf_find(dns, "listen"); k != NULL; k = conf_next(k)) {
		for (i = 0; i < k->nargs; i++) {
			if (sc->nlisten >= DNSBL_LISTEN_MAX) {
				cli_err(NULL, "%s:%d: at most %d "
				    "listen addresses", cf->path, k->line,
				    DNSBL_LISTEN_MAX);
				return -1;
			}
			if (dnsbl_parse_listen(k->args[i],
			    &sc->listen[sc->nlisten],
			    &sc->listen_len[sc->nlisten]) == -1) {
				cli_err(NULL, "%s:%d: bad listen "
				    "address '%s' (want ADDR[:PORT])",
				    cf->path, k->line, k->args[i]);
				return -1;
			}
			sc->nlisten++;
		}
	}
	/* ns lines, if any, replace the default name servers. */
	if (conf_find(dns, "ns") != NULL)
		dc->nns = 0;
	for (k = conf_find(dns, "ns"); k != NULL; k = conf_next(k)) {
		if (host_names(cf, k, 0) == -1)
			return -1;
		for (i = 0; i < k->nargs; i++) {
			if (dc->nns >= DNSBL_NS_MAX) {
				cli_err(NULL, "%s:%d: at most %d "
				    "ns names", cf->path, k->line,
				    DNSBL_NS_MAX);
				return -1;
			}
			dc->ns[dc->nns++] = k->args[i];
		}
	}
	for (k = conf_find(dns, "soa-mname"); k != NULL; k = conf_next(k))
		if (host_names(cf, k, 1) == -1)
			return -1;
	if (dc->nns > 0)
		dc->soa_mname = dc->ns[0];
	if (conf_get(dns, "soa-mname") != NULL)
		dc->soa_mname = conf_get(dns, "soa-mname");
	if (conf_get(dns, "soa-rname") != NULL)
		dc->soa_rname = conf_get(dns, "soa-rname");
	v = 0;
	if (conf_u32(cf, dns, "workers", &v, DNSBL_WORKERS_MAX) == -1)
		return -1;
	sc->workers = (int)v;
	if (conf_u32(cf, dns, "ttl", &dc->ttl, 604800) == -1 ||
	    conf_u32(cf, dns, "ns-ttl", &dc->ns_ttl, 604800) == -1 ||
	    conf_u32(cf, dns, "negative-ttl", &dc->soa_minimum, 86400) == -1 ||
	    conf_u32(cf, dns, "refresh", &dc->soa_refresh, 2419200) == -1 ||
	    conf_u32(cf, dns, "retry", &dc->soa_retry, 2419200) == -1 ||
	    conf_u32(cf, dns, "expire", &dc->soa_expire, 2419200) == -1 ||
	    conf_u32(cf, dns, "reload-interval", reload_ms, 60000) == -1)
		return -1;
	v = 0;
	if (conf_u32(cf, dns, "tcp-idle-timeout", &v, 3600) == -1)
		return -1;
	sc->tcp_idle = (int)v;
	v = 0;
	if (conf_u32(cf, dns, "tcp-message-timeout", &v, 3600) == -1)
		return -1;
	sc->tcp_message = (int)v;
	v = 0;
	if (conf_u32(cf, dns, "tcp-clients", &v, 65536) == -1)
		return -1;
	sc->tcp_clients = (int)v;
	if ((k = conf_find(dns, "rrl")) != NULL &&
	    rrl_conf(cf, k, &sc->rrl) == -1)
		return -1;
	if ((k = conf_find(dns, "snapshot-cache")) != NULL) {
		if (k->nargs != 1 || (strcmp(k->args[0], "yes") != 0 &&
		    strcmp(k->args[0], "no") != 0)) {
			cli_err(NULL, "%s:%d: snapshot-cache takes "
			    "yes or no", cf->path, k->line);
			return -1;
		}
		*snapcache = strcmp(k->args[0], "yes") == 0;
	}
	return transfer_conf(cf, dns, &dc->xfr);
}
