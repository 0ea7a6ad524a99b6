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
#include "milter/milter.h"
#include "policy/policy.h"

#define SERVE_DEFAULT_LISTEN	"127.0.0.1:5300"

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
 * Read the policy block of cf (NULL: defaults) into pc and apply the
 * --policy-listen addresses (they replace the configured ones; "off"
 * disables the server).
 */
static int
read_policy_conf(const struct conf *cf, struct policy_conf *pc,
    char **plisten, int nplisten)
{
	struct conf_node	*node = NULL;
	char			 err[512];
	int			 i;

	if (cf != NULL)
		node = conf_find(cf->root, "policy");
	if (policy_conf_read(cf, node, pc, err, sizeof(err)) == -1) {
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

/* serve's command line, applied over the file at startup and on SIGHUP. */
struct serve_opts {
	struct cli		*c;
	struct dnsbl_server_conf sc;		/* --listen */
	int			 workers;	/* --workers, -1: none */
	char			*plisten[POLICY_LISTEN_MAX];
	int			 nplisten;
};

/*
 * The daemon's configuration from cf (taken: freed on failure too; NULL
 * for the defaults) and the command line. NULL after printing why.
 */
static struct daemon_conf *
build_conf(struct serve_opts *o, struct conf *cf)
{
	struct daemon_conf	*dc = xcalloc(1, sizeof(*dc));
	const char		*e, *v;
	char			 err[512];
	uint32_t		 reload_ms = DAEMON_RELOAD_MS;

	dc->cf = cf;
	dc->db = xstrdup(o->c->db);
	dc->snapcache = 1;
	dnsbl_conf_defaults(&dc->dc);
	if (cf != NULL) {
		if ((v = conf_get(cf->root, "user")) != NULL)
			dc->user = xstrdup(v);
		if ((v = conf_get(cf->root, "db")) != NULL)
			dc->file_db = xstrdup(v);
	}
	dc->version = FAIRLIST_VERSION;
	if (cli_control_path(cf, dc->db, &dc->control,
	    &dc->control_explicit) == -1)
		goto fail;
	if (cli_dns_conf(cf, &dc->dc, &dc->sc, &reload_ms,
	    &dc->snapcache) == -1)
		goto fail;
	if (dnsbl_conf_prepare(&dc->dc, &e) == -1) {
		cli_err("serve", "dns: '%s' is not a valid DNS name", e);
		goto fail;
	}
	if (read_policy_conf(cf, &dc->pc, o->plisten, o->nplisten) == -1) {
		/* pc was freed: nothing left for daemon_conf_free. */
		memset(&dc->pc, 0, sizeof(dc->pc));
		goto fail;
	}
	dc->policy_explicit = o->nplisten > 0 || (cf != NULL &&
	    conf_find(cf->root, "policy") != NULL);
	if (web_conf_read(cf, cf != NULL ? conf_find(cf->root, "http") :
	    NULL, &dc->wc, err, sizeof(err)) == -1) {
		cli_err("serve", "%s", err);
		goto fail;
	}
	dc->dc.public_url = dc->wc.public_url;
	dc->pc.public_url = dc->wc.public_url;
	if (milter_conf_read(cf, cf != NULL ? conf_find(cf->root, "milter") :
	    NULL, &dc->mc, err, sizeof(err)) == -1) {
		cli_err("serve", "%s", err);
		goto fail;
	}
	if (watch_conf_read(cf, cf != NULL ? conf_find(cf->root, "watch") :
	    NULL, &dc->wac, err, sizeof(err)) == -1) {
		cli_err("serve", "%s", err);
		goto fail;
	}
	if (traps_conf_read(cf, cf != NULL ? conf_find(cf->root, "traps") :
	    NULL, &dc->tc, err, sizeof(err)) == -1) {
		cli_err("serve", "%s", err);
		goto fail;
	}
	if (o->sc.nlisten > 0) {
		memcpy(dc->sc.listen, o->sc.listen, sizeof(dc->sc.listen));
		memcpy(dc->sc.listen_len, o->sc.listen_len,
		    sizeof(dc->sc.listen_len));
		dc->sc.nlisten = o->sc.nlisten;
	}
	if (dc->sc.nlisten == 0) {
		dnsbl_parse_listen(SERVE_DEFAULT_LISTEN, &dc->sc.listen[0],
		    &dc->sc.listen_len[0]);
		dc->sc.nlisten = 1;
	}
	if (o->workers >= 0)
		dc->sc.workers = o->workers;
	if (reload_ms < DAEMON_RELOAD_MS_MIN)
		reload_ms = DAEMON_RELOAD_MS_MIN;
	dc->reload_ms = (int)reload_ms;
	dc->sc.dns = &dc->dc;
	return dc;
fail:
	daemon_conf_free(dc);
	return NULL;
}

/*
 * SIGHUP: the file again, checked as strictly as at startup (every error
 * is printed as "fairlist: serve: FILE:LINE: why"), with the same command
 * line over it.
 */
static struct daemon_conf *
reread_conf(void *arg)
{
	struct serve_opts	*o = arg;
	struct cli		 tmp = *o->c;
	char			 err[512];

	if ((tmp.conf = conf_load(o->c->config, err, sizeof(err))) == NULL) {
		cli_err("serve", "%s", err);
		return NULL;
	}
	if (cli_conf_check(&tmp) == -1) {
		conf_free(tmp.conf);
		return NULL;
	}
	return build_conf(o, tmp.conf);
}

static int
sync_zones(void *arg, const struct daemon_conf *dc, struct store *st)
{
	struct serve_opts	*o = arg;
	struct cli		 tmp = *o->c;

	tmp.conf = dc->cf;
	return cli_sync_zones(&tmp, st);
}

static void
serve_usage(FILE *f)
{
	fprintf(f,
"usage: fairlist [--db PATH] [--config FILE] serve [--listen ADDR[:PORT]]...\n"
"                [--policy-listen ADDR:PORT|unix:PATH|off]... [--workers N]\n"
"\n"
"Run the daemon in the foreground: a DNSBL server (RFC 5782, UDP and TCP)\n"
"answering from the store, the Postfix policy server (the gatekeeper) and\n"
"the web lookup page and API (http { }, 127.0.0.1:8080; docs/WEB.md).\n"
"Changes made to the store by any process are served within a second;\n"
"SIGHUP reads the configuration again (docs/CONFIG.md, Reloading), SIGTERM\n"
"stops.\n"
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
	struct serve_opts	 o;
	struct daemon_ops	 ops;
	struct daemon_conf	*dc;
	const char		*e;
	int			 ch;

	memset(&o, 0, sizeof(o));
	o.c = c;
	o.workers = -1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":l:w:p:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			if (o.nplisten >= POLICY_LISTEN_MAX) {
				cli_err("serve", "at most %d --policy-listen "
				    "addresses", POLICY_LISTEN_MAX);
				return 2;
			}
			o.plisten[o.nplisten++] = optarg;
			break;
		case 'l':
			if (o.sc.nlisten >= DNSBL_LISTEN_MAX) {
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
			    &o.sc.listen[o.sc.nlisten],
			    &o.sc.listen_len[o.sc.nlisten]) == -1) {
				cli_err("serve", "bad listen address '%s' "
				    "(want ADDR[:PORT], [V6][:PORT])", optarg);
				return 2;
			}
			o.sc.nlisten++;
			break;
		case 'w':
			o.workers = (int)str_tonum(optarg, 0, DNSBL_WORKERS_MAX,
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
			return cli_opt_err("serve", ch, argv);
		}
	}
	if (optind != argc) {
		serve_usage(stderr);
		return 2;
	}

	/* The file was checked strictly by main (cli_conf_check). */
	dc = build_conf(&o, c->conf);
	c->conf = NULL;		/* dc has it now */
	if (dc == NULL)
		return 1;
	/* Before binding: the listeners' descriptors count too. */
	daemon_raise_nofile(dc->pc.nlisten > 0 ? dc->pc.clients : 0,
	    dc->sc.tcp_clients > 0 ? dc->sc.tcp_clients : DNSBL_TCP_CLIENTS);
	ops.reread = c->config != NULL ? reread_conf : NULL;
	ops.sync_zones = sync_zones;
	ops.arg = &o;
	return daemon_run(dc, &ops);
}
