/*
 * cmd_serve.c: `fairlist serve`: its options and configuration; the
 * daemon itself is src/daemon/.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/conf.h"
#include "core/log.h"
#include "core/str.h"
#include "core/xmalloc.h"
#include "daemon/daemon.h"
#include "dnsbl/dnsbl.h"
#include "dnsbl/server.h"
#include "policy/policy.h"

#define SERVE_DEFAULT_LISTEN	"127.0.0.1:5300"

static int
sync_zones(void *arg, struct store *st)
{
	return cli_sync_zones(arg, st);
}

/*
 * A bare IPv6 address whose last group is decimal, and which is still an
 * address without it (::1:5300), reads as ADDR:PORT but is an address on
 * the default port: 1 when s is one, so serve asks for brackets.
 */
static int
ambiguous_v6(const char *s)
{
	const char	*colon = strrchr(s, ':');
	char		 head[INET6_ADDRSTRLEN + 1];
	struct in6_addr	 a;
	size_t		 n;

	if (s[0] == '[' || colon == NULL || strchr(s, ':') == colon ||
	    colon[1] == '\0' || strspn(colon + 1, "0123456789") !=
	    strlen(colon + 1))
		return 0;
	if ((n = (size_t)(colon - s)) >= sizeof(head))
		return 0;
	memcpy(head, s, n);
	head[n] = '\0';
	return inet_pton(AF_INET6, head, &a) == 1;
}

/*
 * Read the policy block into pc and apply the --policy-listen addresses
 * (they replace the configured ones; "off" disables the server).
 */
static int
read_policy_conf(struct cli *c, struct policy_conf *pc, char **plisten,
    int nplisten)
{
	struct conf_node	*node = NULL;
	char			 err[512];
	int			 i;

	if (c->conf != NULL)
		node = conf_find(c->conf->root, "policy");
	if (policy_conf_read(c->conf, node, pc, err, sizeof(err)) == -1) {
		cli_err("serve", "%s", err);
		return -1;
	}
	if (nplisten == 0)
		return 0;
	for (i = 0; i < pc->nlisten; i++) {
		free(pc->listen[i]);
		pc->listen[i] = NULL;
	}
	pc->nlisten = 0;
	for (i = 0; i < nplisten; i++) {
		if (strcmp(plisten[i], "off") == 0) {
			if (nplisten != 1) {
				cli_err("serve", "--policy-listen off cannot "
				    "be combined with addresses");
				policy_conf_free(pc);
				return -1;
			}
			break;
		}
		pc->listen[pc->nlisten++] = xstrdup(plisten[i]);
	}
	return 0;
}

static void
serve_usage(FILE *f)
{
	fprintf(f,
"usage: fairlist [--db PATH] [--config FILE] serve [--listen ADDR[:PORT]]...\n"
"                [--policy-listen ADDR:PORT|unix:PATH|off]... [--workers N]\n"
"\n"
"Run the daemon in the foreground: a DNSBL server (RFC 5782, UDP and TCP)\n"
"answering from the store, and the Postfix policy server (the gatekeeper).\n"
"Changes made to the store by any process are\n"
"served within a second; SIGHUP forces a rebuild, SIGTERM stops.\n"
"\n"
"  --listen ADDR[:PORT]  listen address (repeatable; replaces the config's;\n"
"                        default " SERVE_DEFAULT_LISTEN ")\n"
"  --policy-listen ADDR  policy server address, ADDR:PORT, [V6]:PORT or\n"
"                        unix:PATH (repeatable; replaces the config's;\n"
"                        default " POLICY_DEFAULT_LISTEN "; off: none)\n"
"  --workers N           UDP worker threads per address (0 = cores - 1)\n"
"\n"
"Configuration keys: docs/CONFIG.md. Store: --db (default %s).\n",
	    CLI_DEFAULT_DB);
}

int
cmd_serve(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "workers", required_argument, NULL, 'w' },
		{ "policy-listen", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const top_keys[] = { "db", "user", "dns", "zone",
	    "policy", "http", "spf", "dkim", NULL };
	struct daemon_conf	 dconf;
	struct policy_conf	 pc;
	struct dnsbl_conf	 dc;
	struct dnsbl_server_conf sc, cli_sc;
	const char		*e;
	char			 err[256];
	int			 ch, workers = -1, rc;
	int			 snapcache = 1, nplisten = 0;
	char			*plisten[POLICY_LISTEN_MAX];
	uint32_t		 reload_ms = DAEMON_RELOAD_MS;

	memset(&dconf, 0, sizeof(dconf));
	memset(&sc, 0, sizeof(sc));
	memset(&cli_sc, 0, sizeof(cli_sc));
	while ((ch = getopt_long(argc, argv, "l:w:p:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			if (nplisten >= POLICY_LISTEN_MAX) {
				cli_err("serve", "at most %d --policy-listen "
				    "addresses", POLICY_LISTEN_MAX);
				return 2;
			}
			plisten[nplisten++] = optarg;
			break;
		case 'l':
			if (cli_sc.nlisten >= DNSBL_LISTEN_MAX) {
				cli_err("serve", "at most %d --listen "
				    "addresses", DNSBL_LISTEN_MAX);
				return 2;
			}
			if (ambiguous_v6(optarg)) {
				cli_err("serve", "listen address '%s' is an "
				    "IPv6 address without a port: write "
				    "[ADDR]:PORT, e.g. [::1]:5300, or "
				    "[%s] for that address", optarg, optarg);
				return 2;
			}
			if (dnsbl_parse_listen(optarg,
			    &cli_sc.listen[cli_sc.nlisten],
			    &cli_sc.listen_len[cli_sc.nlisten]) == -1) {
				cli_err("serve", "bad listen address '%s' "
				    "(want ADDR[:PORT], [V6][:PORT])", optarg);
				return 2;
			}
			cli_sc.nlisten++;
			break;
		case 'w':
			workers = (int)str_tonum(optarg, 0, DNSBL_WORKERS_MAX,
			    &e);
			if (e != NULL) {
				cli_err("serve", "--workers %s is %s", optarg,
				    e);
				return 2;
			}
			break;
		case 'h':
			serve_usage(stdout);
			return 0;
		default:
			serve_usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		serve_usage(stderr);
		return 2;
	}

	dnsbl_conf_defaults(&dc);
	if (c->conf != NULL) {
		if (conf_check_keys(c->conf, c->conf->root, top_keys, err,
		    sizeof(err)) == -1) {
			cli_err("serve", "%s", err);
			return 1;
		}
		dconf.user = conf_get(c->conf->root, "user");
	}
	if (cli_dns_conf(c->conf, &dc, &sc, &reload_ms, &snapcache) == -1)
		return 1;
	if (dnsbl_conf_prepare(&dc, &e) == -1) {
		cli_err("serve", "dns: '%s' is not a valid DNS name", e);
		return 1;
	}
	if (read_policy_conf(c, &pc, plisten, nplisten) == -1)
		return 1;
	dconf.policy_explicit = nplisten > 0 || (c->conf != NULL &&
	    conf_find(c->conf->root, "policy") != NULL);
	if (cli_sc.nlisten > 0) {
		memcpy(sc.listen, cli_sc.listen, sizeof(sc.listen));
		memcpy(sc.listen_len, cli_sc.listen_len, sizeof(sc.listen_len));
		sc.nlisten = cli_sc.nlisten;
	}
	if (sc.nlisten == 0) {
		dnsbl_parse_listen(SERVE_DEFAULT_LISTEN, &sc.listen[0],
		    &sc.listen_len[0]);
		sc.nlisten = 1;
	}
	if (workers >= 0)
		sc.workers = workers;
	if (reload_ms < DAEMON_RELOAD_MS_MIN)
		reload_ms = DAEMON_RELOAD_MS_MIN;
	sc.dns = &dc;
	/* Before binding: the listeners' descriptors count too. */
	daemon_raise_nofile(pc.nlisten > 0 ? pc.clients : 0,
	    sc.tcp_clients > 0 ? sc.tcp_clients : DNSBL_TCP_CLIENTS);

	dconf.db = c->db;
	dconf.sc = &sc;
	dconf.pc = &pc;
	dconf.reload_ms = (int)reload_ms;
	dconf.snapcache = snapcache;
	dconf.sync_zones = sync_zones;
	dconf.sync_arg = c;
	rc = daemon_run(&dconf);
	policy_conf_free(&pc);
	return rc;
}
