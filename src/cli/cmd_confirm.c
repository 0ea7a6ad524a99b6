/*
 * cmd_confirm.c: "fairlist confirm-check": may a confirmation, a welcome
 * or an auto-reply be sent to this requester (src/confirm, issue 12)?
 *
 *   fairlist confirm-check --ip IP --mail-from ADDR [--helo NAME]
 *       [--dkim-pass DOMAIN] [--dns-zone FILE | --dns-server IP:PORT]
 *       [--timeout MS] [--json]
 *
 * Evaluates SPF for the address (spf/check.h), then confirm_decide: a
 * pass, or an aligned DKIM pass the caller saw (--dkim-pass), within the
 * confirm { } limits counted in the store (a "send" answer records one
 * send). Exits 0 send, 1 do not send (with the reason), 2 on bad usage,
 * a resolver or zone-file error or a store error.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli/cli.h"
#include "core/addr.h"
#include "confirm/confirm.h"
#include "core/conf.h"
#include "core/sockaddr.h"
#include "core/str.h"
#include "dmarc/dmarc.h"
#include "spf/check.h"
#include "spf/spf.h"
#include "store/store.h"

#define CMD "confirm-check"

static void
usage_confirm(FILE *f)
{
	fprintf(f,
	    "usage: fairlist confirm-check --ip IP --mail-from ADDR "
	    "[--helo NAME]\n"
	    "           [--dkim-pass DOMAIN] [--json] [DNS options]\n"
	    "\n"
	    "May a confirmation, welcome or auto-reply be sent to ADDR, who\n"
	    "asked from IP? Yes when SPF passes for ADDR (or a DKIM signature\n"
	    "of a domain aligned with ADDR's passed on the request) and the\n"
	    "sends to ADDR and its domain stay within the confirm { } limits.\n"
	    "A yes counts one send in the store.\n"
	    "  --ip IP              the address the request came from\n"
	    "  --mail-from ADDR     the requester's address (MAIL FROM)\n"
	    "  --helo NAME          the HELO/EHLO name of the request\n"
	    "  --dkim-pass DOMAIN   a DKIM signature with d=DOMAIN passed\n"
	    "  --dns-zone FILE      answer DNS from a zone file (repeatable)\n"
	    "  --dns-server IP:PORT ask this server, not the system's\n"
	    "  --timeout MS         per-try DNS timeout (default %d)\n"
	    "  --json               print one JSON object\n"
	    "Exit status: 0 send, 1 do not send, 2 error.\n",
	    DNS_RESOLVER_TIMEOUT_MS);
}

static void
print_text(const struct confirm_conf *cc, const struct confirm_result *r)
{
	printf("verdict: %s\n", confirm_verdict_name(r->verdict));
	printf("reason: %s\n", confirm_reason_name(r->reason));
	if (r->address[0] != '\0')
		printf("address: %s\n", r->address);
	printf("spf: %s\n", spf_result_str(r->spf));
	if (r->dkim_domain[0] != '\0')
		printf("dkim: %s (%s)\n", r->dkim_domain, r->dkim_aligned ?
		    "aligned" : "not aligned");
	if (r->address[0] != '\0')
		printf("sent: %lld of %d to the address, %lld of %d to the "
		    "domain in %llds\n", (long long)r->sent_address,
		    cc->per_address, (long long)r->sent_domain,
		    cc->per_domain, (long long)cc->window);
	printf("explanation: %s\n", r->text);
}

int
cmd_confirm(struct cli *c, int argc, char **argv)
{
	static const struct option	opts[] = {
		{ "ip", required_argument, NULL, 'i' },
		{ "mail-from", required_argument, NULL, 'm' },
		{ "helo", required_argument, NULL, 'H' },
		{ "dkim-pass", required_argument, NULL, 'd' },
		{ "dns-zone", required_argument, NULL, 'z' },
		{ "dns-server", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct confirm_conf	 cc;
	struct confirm_result	 r;
	struct addr_prefix	 ip;
	struct spf_request	 req;
	struct spf_source	*src = NULL;
	struct spf		*s = NULL;
	struct store		*st = NULL;
	struct dmarc_psl	*psl = NULL;
	const char		*zfiles[SPF_CLI_ZONES_MAX], *server = NULL;
	const char		*dkim = NULL, *e;
	char			 err[512];
	int			 ch, json = 0, timeout = 0, nz = 0, rc = 2;

	memset(&req, 0, sizeof(req));
	req.identity = SPF_ID_MAILFROM;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (ch) {
		case 'i': req.ip = optarg; break;
		case 'm': req.mail_from = optarg; break;
		case 'H': req.helo = optarg; break;
		case 'd': dkim = optarg; break;
		case 's': server = optarg; break;
		case 'j': json = 1; break;
		case 'z':
			if (nz == SPF_CLI_ZONES_MAX) {
				cli_err(CMD, "at most %d --dns-zone files",
				    SPF_CLI_ZONES_MAX);
				return 2;
			}
			zfiles[nz++] = optarg;
			break;
		case 't':
			timeout = (int)str_tonum(optarg, 1, 60000, &e);
			if (e != NULL) {
				cli_err(CMD, "--timeout %s: %s", optarg, e);
				return 2;
			}
			break;
		case 'h':
			usage_confirm(stdout);
			return 0;
		default:
			return cli_opt_err(CMD, ch, argv);
		}
	}
	if (optind != argc) {
		cli_err(CMD, "unexpected argument '%s' (see 'fairlist "
		    "confirm-check --help')", argv[optind]);
		return 2;
	}
	if (req.ip == NULL || req.mail_from == NULL) {
		cli_err(CMD, "--ip and --mail-from are required (see "
		    "'fairlist confirm-check --help')");
		return 2;
	}
	if (server != NULL &&
	    sa_servers_check(server, 53, err, sizeof(err)) == -1) {
		cli_err(CMD, "--dns-server: %s", err);
		return 2;
	}
	if (nz > 0 && server != NULL) {
		cli_err(CMD, "--dns-zone and --dns-server exclude each other");
		return 2;
	}
	if (confirm_conf_read(c->conf, c->conf != NULL ?
	    conf_find(c->conf->root, "confirm") : NULL, &cc, err,
	    sizeof(err)) == -1) {
		cli_err(CMD, "%s", err);
		return 2;
	}
	/* confirm { resolver } unless the command line says otherwise. */
	if (server == NULL && nz == 0 && cc.resolver[0] != '\0')
		server = cc.resolver;
	/* A bad IP is bad usage, before any DNS. */
	e = NULL;
	if (addr_parse(req.ip, &ip, &e) == -1 || ip.plen != 128) {
		cli_err(CMD, "--ip %.64s: %s", req.ip, e != NULL ? e :
		    "one address, not a prefix");
		return 2;
	}
	if (dkim != NULL && (psl = dmarc_psl_load(NULL, err,
	    sizeof(err))) == NULL)
		cli_err(CMD, "warning: %s: DKIM alignment is strict (the same "
		    "domain only)", err);
	if ((st = cli_open_store(c, CMD, 0)) == NULL)
		goto out;
	if (req.mail_from[0] == '\0')
		r.spf = SPF_NONE;	/* never evaluated: a bounce */
	else {
		if ((src = spf_source_new(zfiles, nz, server, timeout, err,
		    sizeof(err))) == NULL ||
		    (s = spf_check_sync(src, &req, err, sizeof(err))) == NULL) {
			cli_err(CMD, "%s", err);
			goto out;
		}
	}
	if (confirm_decide(&cc, st, psl, req.mail_from, s != NULL ?
	    spf_result(s) : SPF_NONE, dkim, (int64_t)time(NULL), &r, err,
	    sizeof(err)) == -1) {
		cli_err(CMD, "%s", err);
		goto out;
	}
	if (json) {
		if (cli_json_print(confirm_result_json(&cc, &r), 1) == -1) {
			cli_err(CMD, "cannot write the answer");
			goto out;
		}
	} else
		print_text(&cc, &r);
	rc = r.verdict == CONFIRM_SEND ? 0 : 1;
out:
	spf_free(s);
	spf_source_free(src);
	dmarc_psl_free(psl);
	store_close(st);
	return rc;
}
