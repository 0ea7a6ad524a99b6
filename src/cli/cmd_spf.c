/*
 * cmd_spf.c: "fairlist spf": evaluate SPF (RFC 7208) for one client and
 * run openspf-format conformance suites.
 *
 *   fairlist spf check --ip IP --mail-from ADDR [--helo NAME]
 *       [--identity mailfrom|helo] [--dns-zone FILE | --dns-server
 *       IP:PORT] [--timeout MS] [--receiver NAME] [--json]
 *   fairlist spf check --batch FILE [DNS options]
 *   fairlist spf suite FILE.yml [FILE.yml ...]
 *
 * check prints the result, the explanation, the deciding term, the DNS
 * lookup count and the two header fields, and exits 0 whatever the SPF
 * result (1 on a resolver or zone-file error, 2 on bad usage). suite
 * prints one line per failing test, then "N passed, N failed", and exits
 * 0 only when every test passed.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "core/buf.h"
#include "core/sockaddr.h"
#include "core/str.h"
#include "core/xmalloc.h"
#include "dns/resolver.h"
#include "spf/check.h"
#include "spf/spf.h"

static void
usage_spf(FILE *f)
{
	fprintf(f,
	    "usage: fairlist spf check --ip IP --mail-from ADDR "
	    "[--helo NAME] [options]\n"
	    "       fairlist spf suite FILE.yml [FILE.yml ...]\n"
	    "\n"
	    "check: evaluate SPF (RFC 7208) for one SMTP client.\n"
	    "  --ip IP              the client address (IPv4 or IPv6)\n"
	    "  --mail-from ADDR     the MAIL FROM address (\"\" for a bounce)\n"
	    "  --helo NAME          the HELO/EHLO name\n"
	    "  --identity ID        mailfrom (default) or helo\n"
	    "  --dns-zone FILE      answer DNS from a master-format zone file\n"
	    "                       (repeatable)\n"
	    "  --dns-server IP:PORT ask this server (c-ares), not the "
	    "system's\n"
	    "  --timeout MS         per-try DNS timeout (default %d)\n"
	    "  --receiver NAME      receiving host for %%{r} and the headers\n"
	    "  --json               print one JSON object\n"
	    "  --batch FILE         evaluate each line "
	    "\"IP MAIL-FROM [HELO]\"\n"
	    "                       of FILE (\"-\": empty MAIL FROM), "
	    "up to %d\n"
	    "                       at once; prints \"IP SENDER RESULT\n"
	    "                       LOOKUPS\" per line, in order\n"
	    "suite: run openspf YAML conformance files; prints failing tests\n"
	    "  and \"N passed, N failed\"; exit 0 only if all pass.\n",
	    DNS_RESOLVER_TIMEOUT_MS, SPF_CLI_BATCH_INFLIGHT);
}

static void
print_text(struct spf *s, const char *receiver)
{
	struct sbuf	 b;
	const char	*exp = spf_explanation(s);
	char		 esc[2048];

	printf("result: %s\n", spf_result_str(spf_result(s)));
	printf("explanation: %s\n", cli_esc(esc, sizeof(esc), exp));
	printf("mechanism: %s\n", cli_esc(esc, sizeof(esc),
	    spf_mechanism(s)));
	printf("lookups: %d\n", spf_lookups(s));
	printf("dns-queries: %d\n", spf_queries(s));
	if (spf_problem(s)[0] != '\0')
		printf("problem: %s\n", spf_problem(s));
	sbuf_init(&b);
	spf_received_spf(s, receiver, &b);
	printf("%s\n", b.s);
	sbuf_reset(&b);
	spf_auth_results(s, receiver, &b);
	printf("%s\n", b.s);
	sbuf_free(&b);
}

/* One line of --batch: an evaluation in flight. */
struct bitem {
	struct spf	*s;
	int		*pending;
	int		 done;
};

static void
batch_done(struct spf *s, void *arg)
{
	struct bitem	*b = arg;

	(void)s;
	b->done = 1;
	(*b->pending)--;
}

/*
 * --batch FILE: lines "IP MAIL-FROM [HELO]" ("-" for an empty MAIL
 * FROM, # comments). Up to SPF_CLI_BATCH_INFLIGHT evaluations run at
 * once on one resolver; results are printed in input order as
 * "IP SENDER RESULT LOOKUPS".
 */
static int
run_batch(const char *path, const struct spf_request *tmpl,
    const struct spf_resolver *res, struct dns_resolver *dr)
{
	FILE			*f;
	struct bitem		*items = NULL;
	struct spf_request	 req;
	char			*line = NULL, *ip, *mf, *helo, *save;
	char			 err[256];
	size_t			 cap = 0, n = 0, i, icap = 0;
	int			 lineno = 0, pending = 0, rc = 1;

	if ((f = fopen(path, "r")) == NULL) {
		cli_err("spf check", "%s: %s", path,
		    strerror(errno));
		return 1;
	}
	while (getline(&line, &cap, f) != -1) {
		lineno++;
		if (strlen(line) > SPF_CLI_BATCH_LINE_MAX) {
			cli_err("spf check", "%s:%d: line too "
			    "long", path, lineno);
			goto out;
		}
		ip = strtok_r(line, " \t\r\n", &save);
		if (ip == NULL || ip[0] == '#')
			continue;
		mf = strtok_r(NULL, " \t\r\n", &save);
		helo = strtok_r(NULL, " \t\r\n", &save);
		if (mf == NULL || strtok_r(NULL, " \t\r\n", &save) != NULL) {
			cli_err("spf check", "%s:%d: want IP "
			    "MAIL-FROM [HELO]", path, lineno);
			goto out;
		}
		if (n == SPF_CLI_BATCH_MAX) {
			cli_err("spf check", "%s: more than "
			    "%d lines", path, SPF_CLI_BATCH_MAX);
			goto out;
		}
		req = *tmpl;
		req.ip = ip;
		req.mail_from = strcmp(mf, "-") == 0 ? "" : mf;
		req.helo = helo;
		if (n == icap) {
			icap = icap == 0 ? 64 : icap * 2;
			items = xreallocarray(items, icap, sizeof(*items));
		}
		if ((items[n].s = spf_new(&req, err, sizeof(err))) == NULL) {
			cli_err("spf check", "%s:%d: %s",
			    path, lineno, err);
			goto out;
		}
		items[n].pending = &pending;
		items[n].done = 0;
		n++;
	}
	/*
	 * Up to SPF_CLI_BATCH_INFLIGHT evaluations in flight at once on one
	 * resolver: a new one starts whenever one ends.
	 */
	for (i = 0; i < n || pending > 0;) {
		while (i < n && pending < SPF_CLI_BATCH_INFLIGHT) {
			pending++;
			spf_run(items[i].s, res, batch_done, &items[i]);
			i++;
		}
		if (pending > 0 && dr == NULL)
			break;	/* impossible: the zone answers at once */
		if (pending > 0)
			dns_resolver_wait(dr);
	}
	for (i = 0; i < n; i++) {
		struct spf	*s = items[i].s;

		printf("%s %s %s %d\n", spf_client_ip(s),
		    spf_sender(s), items[i].done ?
		    spf_result_str(spf_result(s)) : "stalled",
		    spf_lookups(s));
	}
	rc = pending == 0 ? 0 : 1;
out:
	for (i = 0; i < n; i++)
		spf_free(items[i].s);
	free(items);
	free(line);
	fclose(f);
	return rc;
}

static int
spf_check(int argc, char **argv)
{
	static const struct option	opts[] = {
		{ "ip", required_argument, NULL, 'i' },
		{ "mail-from", required_argument, NULL, 'm' },
		{ "helo", required_argument, NULL, 'H' },
		{ "identity", required_argument, NULL, 'I' },
		{ "dns-zone", required_argument, NULL, 'z' },
		{ "dns-server", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "receiver", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "batch", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct spf_request	 req;
	struct spf_source	*src = NULL;
	struct spf		*s = NULL;
	const char		*zfiles[SPF_CLI_ZONES_MAX], *server = NULL, *e;
	const char		*batch = NULL;
	int			 nz = 0;
	int			 ch, json = 0, timeout = 0, rc = 1;
	char			 err[512];

	memset(&req, 0, sizeof(req));
	req.identity = SPF_ID_MAILFROM;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (ch) {
		case 'i': req.ip = optarg; break;
		case 'm': req.mail_from = optarg; break;
		case 'H': req.helo = optarg; break;
		case 'z':
			if (nz == SPF_CLI_ZONES_MAX) {
				cli_err("spf check", "at "
				    "most %d --dns-zone files",
				    SPF_CLI_ZONES_MAX);
				return 2;
			}
			zfiles[nz++] = optarg;
			break;
		case 's': server = optarg; break;
		case 'r': req.receiver = optarg; break;
		case 'j': json = 1; break;
		case 'b': batch = optarg; break;
		case 'I':
			if (strcmp(optarg, "mailfrom") == 0)
				req.identity = SPF_ID_MAILFROM;
			else if (strcmp(optarg, "helo") == 0)
				req.identity = SPF_ID_HELO;
			else {
				cli_err("spf check",
				    "--identity is mailfrom or helo");
				return 2;
			}
			break;
		case 't':
			timeout = (int)str_tonum(optarg, 1, 60000, &e);
			if (e != NULL) {
				cli_err("spf check",
				    "--timeout %s: %s", optarg, e);
				return 2;
			}
			break;
		case 'h':
			usage_spf(stdout);
			return 0;
		default:
			return cli_opt_err("spf check", ch, argv);
		}
	}
	if (optind != argc || (batch == NULL && (req.ip == NULL ||
	    (req.mail_from == NULL && req.helo == NULL)))) {
		if (optind != argc)
			cli_err("spf check", "unexpected argument '%s' (see "
			    "'fairlist spf check --help')", argv[optind]);
		else
			cli_err("spf check", "--ip and --mail-from (or --helo) "
			    "are required (see 'fairlist spf check --help')");
		return 2;
	}
	if (server != NULL &&
	    sa_servers_check(server, 53, err, sizeof(err)) == -1) {
		cli_err("spf check", "--dns-server: %s", err);
		return 2;
	}
	if (nz > 0 && server != NULL) {
		cli_err("spf check", "--dns-zone and "
		    "--dns-server exclude each other");
		return 2;
	}
	/* A request spf_new refuses is bad usage, before any DNS. */
	if (batch == NULL) {
		if ((s = spf_new(&req, err, sizeof(err))) == NULL) {
			cli_err("spf check", "%s", err);
			return 2;
		}
		spf_free(s);
		s = NULL;
	}
	if ((src = spf_source_new(zfiles, nz, server, timeout, err,
	    sizeof(err))) == NULL) {
		cli_err("spf check", "%s", err);
		goto out;
	}
	if (batch != NULL) {
		rc = run_batch(batch, &req, spf_source_resolver(src),
		    spf_source_dns(src));
		goto out;
	}
	if ((s = spf_check_sync(src, &req, err, sizeof(err))) == NULL) {
		cli_err("spf check", "%s", err);
		goto out;
	}
	/* One line, as docs/SPF.md shows it. */
	rc = json ? (cli_json_print(spf_check_json(s, req.receiver), 1) == 0 ?
	    0 : 1) : (print_text(s, req.receiver), 0);
out:
	spf_free(s);
	spf_source_free(src);
	return rc;
}

static int
spf_suite(int argc, char **argv)
{
	struct spf_suite	*st;
	int			 i, passed = 0, failed = 0, bad = 0;
	char			 err[512];

	if (argc < 2) {
		cli_err("spf suite", "no file given (see 'fairlist spf "
		    "--help')");
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage_spf(stdout);
		return 0;
	}
	for (i = 1; i < argc; i++) {
		if ((st = spf_suite_load(argv[i], err, sizeof(err))) == NULL) {
			cli_err("spf suite", "%s", err);
			bad = 1;
			continue;
		}
		spf_suite_run(st, stdout, &passed, &failed);
		spf_suite_free(st);
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed == 0 && !bad ? 0 : 1;
}

int
cmd_spf(struct cli *c, int argc, char **argv)
{
	(void)c;
	if (argc < 2) {
		cli_err("spf", "check or suite? (see 'fairlist spf --help')");
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage_spf(stdout);
		return 0;
	}
	if (strcmp(argv[1], "check") == 0)
		return spf_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "suite") == 0)
		return spf_suite(argc - 1, argv + 1);
	cli_err("spf", "unknown subcommand '%s' (check or suite)", argv[1]);
	return 2;
}
