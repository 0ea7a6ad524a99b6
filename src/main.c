/*
 * main.c: the fairlist binary: global options, then one subcommand.
 *
 * --db PATH, --config FILE and -v are accepted anywhere on the command
 * line and apply to every subcommand; the rest of argv goes to the
 * subcommand, which parses its own options.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/conf.h"
#include "core/log.h"
#include "core/str.h"

static const struct command {
	const char	*name;
	int		(*fn)(struct cli *, int, char **);
	const char	*summary;
} commands[] = {
	{ "serve",  cmd_serve,  "run the daemon: DNSBL and policy servers" },
	{ "add",    cmd_add,    "list an address or CIDR range" },
	{ "remove", cmd_remove, "delist an address or CIDR range" },
	{ "show",   cmd_show,   "every listing covering an address, with history" },
	{ "update", cmd_update, "change or extend a listing (reason, evidence, expiry)" },
	{ "list",   cmd_list,   "listings by zone, source, reason or expiry, paged" },
	{ "zone",   cmd_zone,   "list, define or remove zones" },
	{ "audit",  cmd_audit,  "the audit log of every change" },
	{ "stats",  cmd_stats,  "per zone: listings by source, ranges, expiring soon" },
	{ "import", cmd_import, "read rbldnsd or plain list files into the store" },
	{ "export", cmd_export, "write a zone as an rbldnsd or BIND file" },
	{ "spf",    cmd_spf,    "evaluate SPF (RFC 7208); run conformance suites" },
	{ "dkim",   cmd_dkim,   "DKIM keys, signing and verification" },
	{ "dmarc",  cmd_dmarc,  "evaluate DMARC (RFC 7489) for a From domain" },
	{ "bounce", cmd_bounce, "classify a bounce: blocklist, dead mailbox, ..." },
	{ "confirm-check", cmd_confirm, "may a confirmation be sent? SPF and rate limits" },
	{ "check",  cmd_check,  "the gatekeeper's verdict for one client, explained" },
	{ "requests", cmd_requests, "removal requests: list, show, approve, deny" },
	{ "token",  cmd_token,  "API tokens for the admin routes: create, list, revoke" },
	{ "status", cmd_status, "the running daemon's services, zones and snapshot" },
	{ "watch",  cmd_watch,  "our own addresses on other lists: status, check now" },
};

static void
usage(FILE *f)
{
	size_t	i, w = 0;

	/* The summaries line up after the longest command name. */
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strlen(commands[i].name) > w)
			w = strlen(commands[i].name);
	fprintf(f, "usage: fairlist [--db PATH] [--config FILE] [-v] "
	    "COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-*s %s\n", (int)w, commands[i].name,
		    commands[i].summary);
	fprintf(f, "\n'fairlist COMMAND --help' describes each command.\n"
	    "--db PATH     the store (default %s)\n"
	    "--config FILE the configuration (default: embedded defaults)\n",
	    CLI_DEFAULT_DB);
}

/* Any fatal error of a short-lived command reads as its error line. */
static void
cli_fatal(const char *msg)
{
	cli_err(NULL, "%s", msg);
	exit(1);
}

int
main(int argc, char **argv)
{
	struct cli		 c;
	const struct command	*cmd = NULL;
	char			*rest[256];
	int			 i, n = 0, rc, conf_rc;
	size_t			 k;
	char			 err[256];
	const char		*v;

	memset(&c, 0, sizeof(c));
	c.db = NULL;
	log_init(1, 0, "fairlist");
	if (argc > (int)(sizeof(rest) / sizeof(rest[0])) - 1) {
		cli_err(NULL, "too many arguments (at most %zu)",
		    sizeof(rest) / sizeof(rest[0]) - 2);
		return 2;
	}
	/* Take the global options out of argv, wherever they stand. */
	for (i = 1; i < argc; i++) {
		const char	*a = argv[i];

		if (strcmp(a, "--") == 0) {
			while (i < argc)
				rest[n++] = argv[i++];
			break;
		}
		if (strcmp(a, "--db") == 0 || strcmp(a, "--config") == 0) {
			if (i + 1 >= argc) {
				cli_err(NULL, "option '%s' needs a value (see "
				    "'fairlist --help')", a);
				return 2;
			}
			if (a[2] == 'd')
				c.db = argv[++i];
			else
				c.config = argv[++i];
		} else if (strncmp(a, "--db=", 5) == 0)
			c.db = a + 5;
		else if (strncmp(a, "--config=", 9) == 0)
			c.config = a + 9;
		else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0)
			c.verbose++;
		else
			rest[n++] = argv[i];
	}
	rest[n] = NULL;
	if (n == 0 || strcmp(rest[0], "--help") == 0 ||
	    strcmp(rest[0], "-h") == 0 || strcmp(rest[0], "help") == 0) {
		usage(n == 0 ? stderr : stdout);
		return n == 0 ? 2 : 0;
	}
	if (strcmp(rest[0], "--version") == 0) {
		printf("fairlist %s\n", FAIRLIST_VERSION);
		return 0;
	}
	for (k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
		if (strcmp(rest[0], commands[k].name) == 0)
			cmd = &commands[k];
	if (cmd == NULL) {
		cli_err(rest[0], "unknown command (see 'fairlist --help')");
		return 2;
	}
	cli_command = cmd->name;
	/*
	 * check exits 1 for refused mail, watch for "listed", confirm-check
	 * for "do not send": their configuration errors are 2.
	 */
	conf_rc = strcmp(cmd->name, "check") == 0 ||
	    strcmp(cmd->name, "watch") == 0 ||
	    strcmp(cmd->name, "confirm-check") == 0 ? 2 : 1;
	/* The daemon's fatal errors go to its log as they are. */
	if (strcmp(cmd->name, "serve") != 0)
		log_fatal_hook = cli_fatal;
	log_setverbose(c.verbose);
	if (c.config != NULL) {
		if ((c.conf = conf_load(c.config, err, sizeof(err))) == NULL) {
			cli_err(NULL, "%s", err);
			return conf_rc;
		}
		/* Strict for every subcommand; only serve applies zones. */
		if (cli_conf_check(&c) == -1) {
			conf_free(c.conf);
			return conf_rc;
		}
		if (c.db == NULL && (v = conf_get(c.conf->root, "db")) != NULL)
			c.db = v;
	}
	if (c.db == NULL)
		c.db = CLI_DEFAULT_DB;
	/* getopt_long state starts fresh for the subcommand. */
	optind = 1;
	rc = cmd->fn(&c, n, rest);
	conf_free(c.conf);
	return rc;
}
