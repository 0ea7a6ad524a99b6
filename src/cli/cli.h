/*
 * cli.h: the subcommands of the fairlist binary. Each cmd_* parses its own
 * options (getopt_long), prints one clear error line to stderr on bad
 * input, and returns the process exit code: 0 success, 1 failure, 2 usage.
 */
#ifndef FAIRLIST_CLI_H
#define FAIRLIST_CLI_H

#include <stddef.h>
#include <stdint.h>

struct conf;

/* Options every subcommand accepts, taken out of argv by main(). */
struct cli {
	const char	*db;		/* --db PATH (default CLI_DEFAULT_DB) */
	const char	*config;	/* --config FILE, or NULL */
	struct conf	*conf;		/* parsed config, or NULL */
	int		 verbose;	/* -v count */
};

#define CLI_DEFAULT_DB	"./fairlist.db"
#define CLI_ACTOR_MAX	64

struct store;

/*
 * Write the zones of c->conf (zone NAME { code; txt; url }) into the
 * store, as the actor "config:FILE"; s NULL only checks them. No config:
 * nothing to do. Only `serve` applies them. Returns 0, or -1 after
 * printing one error line.
 */
int		 cli_sync_zones(struct cli *c, struct store *s);

struct conf_node;

/* The keys allowed at the top of the configuration file. */
extern const char *const cli_conf_top_keys[];

/*
 * Check the whole configuration c->conf strictly, each block with its
 * own reader (cliconf.c), without applying anything. main() runs it for
 * every subcommand. Returns 0, or -1 after printing
 * "fairlist: FILE:LINE: message".
 */
int		 cli_conf_check(struct cli *c);

/*
 * The values store_zone_put would refuse in the zone block n named name
 * (already lower-cased): the name, the txt and url templates. Returns 0,
 * or -1 after printing one error line.
 */
int		 cli_zone_check(const struct conf *cf,
		    const struct conf_node *n, const char *name);

struct store_removal_rule;

/*
 * The removal keys of zone block n named zone (removal SOURCE POLICY,
 * repeatable; cooldown-window DURATION; cooldown-max N) into rules
 * (STORE_RULES_MAX of them; sources borrowed from n), *nrules, *window
 * and *max, the defaults for keys not given. Returns 0, or -1 after
 * printing "fairlist: FILE:LINE: message".
 */
int		 cli_zone_removal(const struct conf *cf,
		    const struct conf_node *n, const char *zone,
		    struct store_removal_rule *rules, int *nrules,
		    int64_t *window, int64_t *max);

struct dnsbl_conf;
struct dnsbl_server_conf;

/*
 * Read the dns { } block of cf (NULL, or no block: nothing changes) into
 * dc (start from dnsbl_conf_defaults), sc (listen addresses, workers, TCP
 * limits), *reload_ms and *snapcache. Strict: returns -1 after printing
 * "fairlist: FILE:LINE: message" for an unknown key or a bad value.
 */
int		 cli_dns_conf(const struct conf *cf, struct dnsbl_conf *dc,
		    struct dnsbl_server_conf *sc, uint32_t *reload_ms,
		    int *snapcache);

/*
 * The control socket's path (cmd_status.c): control { socket PATH|off }
 * of cf (NULL: defaults), else "<db>.control". *path (if path is not
 * NULL) gets a copy the caller frees, or NULL for off; *explicit (if not
 * NULL) is 1 when the block set it. Strict: returns -1 after printing
 * "fairlist: FILE:LINE: message" for an unknown key or a bad value.
 */
int		 cli_control_path(const struct conf *cf, const char *db,
		    char **path, int *explicit);

/*
 * The command main() runs ("add", "zone", ...), set before the
 * configuration is read, so that errors found in shared code name it.
 * NULL before the command is known.
 */
extern const char *cli_command;

/*
 * Print the one error line every subcommand uses, "fairlist: CMD: message"
 * (cmd NULL: cli_command; both NULL: "fairlist: message"), to stderr; fmt
 * has no trailing newline.
 */
void		 cli_err(const char *cmd, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

/* "cli:user" for history and audit rows, into buf. Returns buf. */
const char	*cli_actor(char *buf, unsigned size);

struct store_listing;
struct json_t;

/*
 * Shared by the listing and report commands (cmd_listing.c, cmd_report.c).
 * cli_open_store: the store for cmd; a write open creates it (only serve
 * writes the configured zones), a read-only one (rdonly) wants it to
 * exist and writes nothing. NULL after printing the error line.
 */
struct store	*cli_open_store(struct cli *c, const char *cmd, int rdonly);
/*
 * getopt_long's complaint ('?' or ':'), as one line; returns 2. Every
 * command sets opterr = 0 and calls it (cli.c), as it does cli_operands.
 */
int		 cli_opt_err(const char *cmd, int ch, char **argv);
/*
 * After getopt: the n operands left (argc - optind) against what cmd
 * takes: what NULL, none; else exactly one, named what ("address"). 0 if
 * they fit, else 2 after the line "no arguments expected", "which WHAT?"
 * or "one WHAT at a time", with the (see 'fairlist CMD --help') hint.
 */
int		 cli_operands(const char *cmd, int n, const char *what);
/* A zone name lower case, one trailing dot off, into dst; 0 or -1. */
int		 cli_zone_name(const char *cmd, const char *in, char *dst,
		    size_t dstsize);
/* The ISO time of t, or none for 0, into dst. Returns dst. */
char		*cli_time_text(int64_t t, const char *none, char *dst,
		    size_t dstsize);
/* "listed", "exclusion", "expired" or "removed" at time now. */
const char	*cli_listing_status(const struct store_listing *l,
		    int64_t now);
/* A listing as a new JSON object (code: the effective one; 0: null). */
struct json_t	*cli_listing_json(const struct store_listing *l,
		    const char *status, uint32_t code);
/*
 * The one JSON path of every --json output (cli.c), through jansson.
 * cli_json_time: null for 0, else the ISO time (strings go through
 * core's str_json: text that is not UTF-8, peer bytes or rows from before
 * the store refused it, comes \xHH-escaped instead of dropping the key).
 * cli_json_print: print root, keys in
 * order, indented (oneline: compact and ASCII-only, \uXXXX), and a
 * newline; frees root. 0, or -1 if it could not be printed.
 */
struct json_t	*cli_json_time(int64_t t);
int		 cli_json_print(struct json_t *root, int oneline);

/*
 * The one escape of untrusted text for a terminal: s with every byte
 * outside printable ASCII, and '\\', as \xHH, into dst (4 * strlen(s) + 1
 * bytes hold it whole; less truncates). NULL gives "". Returns dst or "".
 */
const char	*cli_esc(char *dst, size_t dstsize, const char *s);

int	cmd_add(struct cli *c, int argc, char **argv);
int	cmd_update(struct cli *c, int argc, char **argv);
int	cmd_list(struct cli *c, int argc, char **argv);
int	cmd_audit(struct cli *c, int argc, char **argv);
int	cmd_stats(struct cli *c, int argc, char **argv);
int	cmd_remove(struct cli *c, int argc, char **argv);
int	cmd_show(struct cli *c, int argc, char **argv);
int	cmd_zone(struct cli *c, int argc, char **argv);
int	cmd_import(struct cli *c, int argc, char **argv);
int	cmd_export(struct cli *c, int argc, char **argv);
int	cmd_serve(struct cli *c, int argc, char **argv);
int	cmd_spf(struct cli *c, int argc, char **argv);
int	cmd_dkim(struct cli *c, int argc, char **argv);
int	cmd_dmarc(struct cli *c, int argc, char **argv);
int	cmd_bounce(struct cli *c, int argc, char **argv);
int	cmd_confirm(struct cli *c, int argc, char **argv);
int	cmd_check(struct cli *c, int argc, char **argv);
int	cmd_requests(struct cli *c, int argc, char **argv);
int	cmd_token(struct cli *c, int argc, char **argv);
int	cmd_status(struct cli *c, int argc, char **argv);
int	cmd_watch(struct cli *c, int argc, char **argv);

#endif /* FAIRLIST_CLI_H */
