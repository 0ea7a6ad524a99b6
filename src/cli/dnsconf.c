/*
 * dnsconf.c: the dns { } block (docs/CONFIG.md), read strictly, for the
 * daemon and for the BIND export, so both use the same SOA, NS and TTL
 * values.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/conf.h"
#include "core/str.h"
#include "dnsbl/dnsbl.h"
#include "dnsbl/server.h"

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

int
cli_dns_conf(const struct conf *cf, struct dnsbl_conf *dc,
    struct dnsbl_server_conf *sc, uint32_t *reload_ms, int *snapcache)
{
	static const char *const keys[] = { "listen", "workers", "ttl",
	    "ns-ttl", "negative-ttl", "ns", "soa-mname", "soa-rname",
	    "refresh", "retry", "expire", "tcp-idle-timeout",
	    "tcp-message-timeout", "tcp-clients", "reload-interval",
	    "snapshot-cache", NULL };
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
	if ((k = conf_find(dns, "snapshot-cache")) != NULL) {
		if (k->nargs != 1 || (strcmp(k->args[0], "yes") != 0 &&
		    strcmp(k->args[0], "no") != 0)) {
			cli_err(NULL, "%s:%d: snapshot-cache takes "
			    "yes or no", cf->path, k->line);
			return -1;
		}
		*snapcache = strcmp(k->args[0], "yes") == 0;
	}
	return 0;
}
