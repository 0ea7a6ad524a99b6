/*
 * cli.h: the subcommands of the fairlist binary. Each cmd_* parses its own
 * options (getopt_long), prints one clear error line to stderr on bad
 * input, and returns the process exit code: 0 success, 1 failure, 2 usage.
 */
#ifndef FAIRLIST_CLI_H
#define FAIRLIST_CLI_H

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
 * store, as the actor "config:FILE". No config: nothing to do. Returns 0,
 * or -1 after printing one error line.
 */
int		 cli_sync_zones(struct cli *c, struct store *s);

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
 * Print the one error line every subcommand uses, "fairlist: CMD: message"
 * (cmd NULL: "fairlist: message"), to stderr; fmt has no trailing newline.
 */
void		 cli_err(const char *cmd, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

/* "cli:user" for history and audit rows, into buf. Returns buf. */
const char	*cli_actor(char *buf, unsigned size);

int	cmd_add(struct cli *c, int argc, char **argv);
int	cmd_remove(struct cli *c, int argc, char **argv);
int	cmd_show(struct cli *c, int argc, char **argv);
int	cmd_zone(struct cli *c, int argc, char **argv);
int	cmd_import(struct cli *c, int argc, char **argv);
int	cmd_export(struct cli *c, int argc, char **argv);
int	cmd_serve(struct cli *c, int argc, char **argv);
int	cmd_spf(struct cli *c, int argc, char **argv);
int	cmd_dkim(struct cli *c, int argc, char **argv);
int	cmd_check(struct cli *c, int argc, char **argv);

#endif /* FAIRLIST_CLI_H */
