/*
 * cliconf.c: the strict check of the whole configuration file, run by
 * main() for every subcommand before it starts (docs/CONFIG.md).
 *
 * It reads each block with that block's own reader: the top-level keys
 * here, dns { } with cli_dns_conf (which checks the host names of ns and
 * soa-mname) and dnsbl_conf_prepare, policy { } with policy_conf_read,
 * http { } with web_conf_read, milter { } with milter_conf_read,
 * watch { } with watch_conf_read, confirm { } with confirm_conf_read,
 * traps { } with traps_conf_read,
 * control { } with cli_control_path, zone NAME { } with cli_sync_zones in
 * its check-only form. spf { } and dkim { } are reserved for the services
 * to come, as serve reserves them: accepted as blocks, not read.
 * Nothing is applied: only `serve` writes the configured zones into the
 * store. Every refusal is one line "fairlist: COMMAND: FILE:LINE: message".
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "confirm/confirm.h"
#include "core/conf.h"
#include "core/str.h"
#include "dnsbl/dnsbl.h"
#include "dnsbl/server.h"
#include "milter/milter.h"
#include "policy/policy.h"
#include "store/store.h"
#include "traps/traps.h"
#include "watch/watch.h"
#include "web/web.h"

const char *const cli_conf_top_keys[] = { "db", "user", "dns", "zone",
    "policy", "http", "spf", "dkim", "milter", "control", "watch", "confirm",
    "traps", NULL };

/* The top-level keys that are one { } block each. */
static const char *const blocks[] = { "dns", "policy", "http", "spf",
    "dkim", "milter", "control", "watch", "confirm", "traps", NULL };

static int
bad(const struct conf *cf, const struct conf_node *n, const char *what)
{
	cli_err(NULL, "%s:%d: %s %s", cf->path, n->line, n->name, what);
	return -1;
}

static int
is_block(const char *name)
{
	int	i;

	for (i = 0; blocks[i] != NULL; i++)
		if (strcmp(name, blocks[i]) == 0)
			return 1;
	return 0;
}

/* Top-level statements: db and user take one value, the rest of the keys
   but zone are one block each. */
static int
check_top(const struct conf *cf)
{
	const struct conf_node	*n;
	char			 err[256];

	if (conf_check_keys(cf, cf->root, cli_conf_top_keys, err,
	    sizeof(err)) == -1) {
		cli_err(NULL, "%s", err);
		return -1;
	}
	for (n = cf->root->child; n != NULL; n = n->next) {
		if (strcmp(n->name, "db") == 0 ||
		    strcmp(n->name, "user") == 0) {
			if (n->nargs != 1 || n->child != NULL)
				return bad(cf, n, "takes one value");
			if (n->args[0][0] == '\0')
				return bad(cf, n, "is empty");
		} else if (is_block(n->name)) {
			if (n->nargs != 0)
				return bad(cf, n, "takes no value, only a "
				    "{ } block");
		} else
			continue;
		if (n != conf_find(cf->root, n->name))
			return bad(cf, n, "is given twice");
	}
	return 0;
}

int
cli_conf_check(struct cli *c)
{
	const struct conf	*cf = c->conf;
	struct dnsbl_conf	 dc;
	struct dnsbl_server_conf sc;
	struct policy_conf	 pc;
	struct web_conf		 wc;
	struct milter_conf	 mc;
	struct watch_conf	 wac;
	struct confirm_conf	 cc;
	struct traps_conf	 tc;
	uint32_t		 reload_ms = 0;
	int			 snapcache = 0;
	const char		*name;
	char			 err[512];

	if (cf == NULL)
		return 0;
	if (check_top(cf) == -1)
		return -1;
	dnsbl_conf_defaults(&dc);
	memset(&sc, 0, sizeof(sc));
	if (cli_dns_conf(cf, &dc, &sc, &reload_ms, &snapcache) == -1)
		return -1;
	if (dnsbl_conf_prepare(&dc, &name) == -1) {
		cli_err(NULL, "%s: dns: '%s' is not a valid DNS name",
		    cf->path, name);
		return -1;
	}
	if (policy_conf_read(cf, conf_find(cf->root, "policy"), &pc, err,
	    sizeof(err)) == -1) {
		cli_err(NULL, "%s", err);
		return -1;
	}
	policy_conf_free(&pc);
	if (web_conf_read(cf, conf_find(cf->root, "http"), &wc, err,
	    sizeof(err)) == -1) {
		cli_err(NULL, "%s", err);
		return -1;
	}
	web_conf_free(&wc);
	if (milter_conf_read(cf, conf_find(cf->root, "milter"), &mc, err,
	    sizeof(err)) == -1) {
		cli_err(NULL, "%s", err);
		return -1;
	}
	milter_conf_free(&mc);
	if (watch_conf_read(cf, conf_find(cf->root, "watch"), &wac, err,
	    sizeof(err)) == -1) {
		cli_err(NULL, "%s", err);
		return -1;
	}
	watch_conf_free(&wac);
	if (traps_conf_read(cf, conf_find(cf->root, "traps"), &tc, err,
	    sizeof(err)) == -1) {
		cli_err(NULL, "%s", err);
		return -1;
	}
	traps_conf_free(&tc);
	if (cli_control_path(cf, c->db, NULL, NULL) == -1)
		return -1;
	if (confirm_conf_read(cf, conf_find(cf->root, "confirm"), &cc, err,
	    sizeof(err)) == -1) {
		cli_err(NULL, "%s", err);
		return -1;
	}
	return cli_sync_zones(c, NULL);
}

int
cli_zone_check(const struct conf *cf, const struct conf_node *n,
    const char *name)
{
	static const char *const key[] = { "txt", "url", NULL };
	static const char *const what[] = { "TXT", "URL" };
	const char	*v, *why;
	size_t		 len;
	int		 i;

	/* The messages are the store's, which refuses the same values. */
	if (!store_zone_name_ok(name)) {
		cli_err(NULL, "%s:%d: invalid zone name '%.64s' (lower-case "
		    "DNS name, no trailing dot)", cf->path, n->line, name);
		return -1;
	}
	for (i = 0; key[i] != NULL; i++) {
		if ((v = conf_get(n, key[i])) == NULL)
			continue;
		if ((len = strlen(v)) > STORE_TEMPLATE_MAX) {
			cli_err(NULL, "%s:%d: zone %s: %s template too long "
			    "(%zu bytes, at most %d)", cf->path, n->line, name,
			    what[i], len, STORE_TEMPLATE_MAX);
			return -1;
		}
		if (str_text_check(v, len, &why) == -1) {
			cli_err(NULL, "%s:%d: zone %s: %s template %s",
			    cf->path, n->line, name, what[i], why);
			return -1;
		}
	}
	return 0;
}
