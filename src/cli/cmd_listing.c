/*
 * cmd_listing.c: the listing subcommands: add, remove, update, show and
 * zone (list, add, remove), and the helpers cmd_report.c shares (cli.h).
 *
 * Thin glue between the command line and the store: parse and check the
 * options, call one store function, print one line of result. Bad input
 * gets exactly one error line on stderr ("fairlist: add: ...") and changes
 * nothing; exit codes are 0 success, 1 failure or refused input, 2 usage
 * (an unknown option, a missing argument or required option). Every
 * subcommand takes --help. docs/CLI.md is the user's reference.
 *
 * Fairness rules enforced here: no listing without a reason, no listing
 * without evidence (an exclusion needs a reason only), no removal without
 * a why. Expiry is kept by the store; "show" reports expired listings as
 * expired.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "core/addr.h"
#include "core/conf.h"
#include "core/str.h"
#include "core/xmalloc.h"
#include "store/removal.h"
#include "store/store.h"
#include "cli/cli.h"

#define CMD_ZONE_ARGS	(STORE_ZONE_MAX + 2)
#define SHOW_ZONES_MAX	64	/* zones named in "is listed in" */

int
cli_zone_name(const char *cmd, const char *in, char *dst, size_t dstsize)
{
	size_t	len;

	if (str_lcpy(dst, in, dstsize) >= dstsize) {
		cli_err(cmd, "zone name too long (at most %d bytes)",
		    STORE_ZONE_MAX);
		return -1;
	}
	len = strlen(dst);
	if (len > 1 && dst[len - 1] == '.')
		dst[len - 1] = '\0';
	str_lower(dst);
	return 0;
}

/*
 * "127.0.0.2" to host order; 0 and a message if it is not a listing code
 * (store_code_ok). what names the option or the configuration key.
 */
static uint32_t
parse_code(const char *cmd, const char *what, const char *s)
{
	struct in_addr	in;
	uint32_t	v;

	if (inet_pton(AF_INET, s, &in) != 1) {
		cli_err(cmd, "%s %s: not an IPv4 address", what, s);
		return 0;
	}
	v = ntohl(in.s_addr);
	if (v >> 24 != 127) {
		cli_err(cmd, "%s %s: must be in 127.0.0.0/8 (RFC 5782)", what,
		    s);
		return 0;
	}
	if (!store_code_ok(v)) {
		cli_err(cmd, "%s %s: receivers take it for an error, not a "
		    "listing (RFC 5782 section 2.1: use 127.0.0.2 to "
		    "127.255.254.255)", what, s);
		return 0;
	}
	return v;
}

char *
cli_time_text(int64_t t, const char *none, char *dst, size_t dstsize)
{
	if (t == 0)
		str_lcpy(dst, none, dstsize);
	else
		str_isotime(dst, dstsize, t);
	return dst;
}

/*
 * Upsert the zones of the configuration (zone NAME { code A; txt "...";
 * url "..." }) into the store (serve), or only check them (s NULL: every
 * other command, through cli_conf_check). A zone whose values did not
 * change writes nothing. Prints one error line and returns -1 on a bad
 * zone block.
 */
int
cli_sync_zones(struct cli *c, struct store *s)
{
	static const char *const keys[] = { "code", "txt", "url", "removal",
		"cooldown-window", "cooldown-max", NULL };
	struct store_removal_rule rules[STORE_RULES_MAX];
	int64_t			 window, max;
	int			 nrules;
	struct conf_node	*n;
	const char		*v;
	char			 name[CMD_ZONE_ARGS], err[256];
	char			 actor[CLI_ACTOR_MAX + 16], what[1024];
	uint32_t		 code;
	const char		*path;

	if (c->conf == NULL)
		return 0;
	path = c->conf->path != NULL ? c->conf->path : "config";
	snprintf(actor, sizeof(actor), "config:%s", path);
	for (n = conf_find(c->conf->root, "zone"); n != NULL;
	    n = conf_next(n)) {
		if (n->nargs != 1) {
			cli_err(NULL, "%s:%d: zone needs exactly one name",
			    path, n->line);
			return -1;
		}
		if (conf_check_keys(c->conf, n, keys, err, sizeof(err)) ==
		    -1) {
			cli_err(NULL, "%s", err);
			return -1;
		}
		if (cli_zone_name(NULL, n->args[0], name, sizeof(name)) == -1)
			return -1;
		code = 0;
		/* Truncation only shortens the message. */
		if (snprintf(what, sizeof(what), "%s:%d: zone %s: code", path,
		    n->line, name) < 0)
			what[0] = '\0';
		if ((v = conf_get(n, "code")) != NULL &&
		    (code = parse_code(NULL, what, v)) == 0)
			return -1;
		if (cli_zone_removal(c->conf, n, name, rules, &nrules, &window,
		    &max) == -1)
			return -1;
		if (s == NULL) {
			if (cli_zone_check(c->conf, n, name) == -1)
				return -1;
			continue;
		}
		if (store_zone_put(s, name, code, conf_get(n, "txt"),
		    conf_get(n, "url"), actor) == -1 ||
		    store_zone_set_removal(s, name, rules, nrules, window, max,
		    actor) == -1) {
			cli_err(NULL, "%s:%d: zone %s: %s", path, n->line,
			    name, store_errmsg(s));
			return -1;
		}
	}
	return 0;
}

/*
 * Open the store for cmd. Read-write opens create the file (only serve
 * applies the configured zones); a read-only open (show, zone list,
 * list, audit, stats) wants an existing store, works for a user who may
 * only read it, and writes nothing.
 */
struct store *
cli_open_store(struct cli *c, const char *cmd, int rdonly)
{
	struct store	*s;
	char		 err[STORE_ERR_MAX];

	if ((s = store_open(c->db, rdonly ? STORE_RDONLY : 0, err)) == NULL) {
		cli_err(cmd, "%s", err);
		return NULL;
	}
	return s;
}

/*
 * A zone missing from the store that the configuration defines: say that
 * only serve writes it there (cli_sync_zones). Returns 1 after printing
 * the error line, else 0.
 */
static int
zone_only_configured(struct cli *c, const char *cmd, struct store *s,
    const char *zone)
{
	const struct conf_node	*n;
	char			 name[CMD_ZONE_ARGS];

	if (c->conf == NULL || store_zone_exists(s, zone) != 0)
		return 0;
	for (n = conf_find(c->conf->root, "zone"); n != NULL;
	    n = conf_next(n)) {
		if (n->nargs != 1 || str_lcpy(name, n->args[0],
		    sizeof(name)) >= sizeof(name) ||
		    strcmp(str_lower(name), zone) != 0)
			continue;
		cli_err(cmd, "unknown zone '%s' (%s:%d defines it, but only "
		    "'fairlist serve' writes configured zones into the store; "
		    "or create it with 'fairlist zone add %s')", zone,
		    c->conf->path, n->line, zone);
		return 1;
	}
	return 0;
}

/*
 * --expires WHEN: *OUT:t is 0 for "never", else a future Unix time.
 * Returns 0, or -1 after printing the error line.
 */
static int
parse_expires(const char *cmd, const char *text, int64_t now, int64_t *t)
{
	*t = 0;
	if (strcmp(text, "never") == 0)
		return 0;
	if (str_time(text, (time_t)now, 1, t) == -1) {
		cli_err(cmd, "--expires %s: not a time (use 7d, +12h, "
		    "2026-12-01, 2026-12-01T10:00Z or never)", text);
		return -1;
	}
	if (*t <= now) {
		cli_err(cmd, "--expires %s: that is in the past", text);
		return -1;
	}
	return 0;
}

/*
 * A reason reaches SMTP replies (the policy server's reject text), which
 * must be ASCII: say so once when it is not.
 */
static void
warn_nonascii(const char *cmd, const char *reason)
{
	if (reason != NULL && str_has_nonascii(reason, strlen(reason)))
		cli_err(cmd, "warning: the reason is not ASCII; SMTP replies "
		    "show each non-ASCII byte as '?'");
}

/* Parse a positional ADDR[/LEN]; prints "cmd: text: why" on error. */
static int
parse_prefix(const char *cmd, const char *text, struct addr_prefix *p)
{
	const char	*why;

	if (addr_parse(text, p, &why) == -1) {
		cli_err(cmd, "%s: %s", text, why);
		return -1;
	}
	return 0;
}

/* ---- add ---- */

static void
add_usage(FILE *f)
{
	fprintf(f,
	    "usage: fairlist add ADDR[/LEN] --reason TEXT --evidence TEXT "
	    "[options]\n"
	    "List an address or CIDR range in a zone.\n\n"
	    "  --zone ZONE        zone to list in (default %s)\n"
	    "  --reason TEXT      why, for people: shown in TXT answers "
	    "(required)\n"
	    "  --evidence TEXT    what was seen, when, where (required "
	    "unless --exclude)\n"
	    "  --source TEXT      where the listing comes from (default "
	    "\"cli\")\n"
	    "  --expires WHEN     7d, +12h, 2026-12-01, 2026-12-01T10:00Z, "
	    "@UNIXTIME\n"
	    "                     or never (default never)\n"
	    "  --code 127.0.0.X   A record answered (default: the zone's "
	    "code)\n"
	    "  --exclude          an exception: never answer for this "
	    "prefix in the zone\n"
	    "  --help             this text\n", STORE_DEFAULT_ZONE);
}

int
cmd_add(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "zone", required_argument, NULL, 'z' },
		{ "reason", required_argument, NULL, 'r' },
		{ "evidence", required_argument, NULL, 'e' },
		{ "source", required_argument, NULL, 's' },
		{ "expires", required_argument, NULL, 'x' },
		{ "code", required_argument, NULL, 'c' },
		{ "exclude", no_argument, NULL, 'X' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct store_listing	 l;
	struct store		*s;
	const char		*zone = STORE_DEFAULT_ZONE, *expires = NULL;
	const char		*code = NULL;
	char			 zbuf[CMD_ZONE_ARGS], net[ADDR_TEXT_MAX];
	char			 actor[CLI_ACTOR_MAX], when[32];
	int64_t			 now = (int64_t)time(NULL), id;
	int			 ch;

	memset(&l, 0, sizeof(l));
	l.source = "cli";
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":z:r:e:s:x:c:Xh", opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'z': zone = optarg; break;
		case 'r': l.reason = optarg; break;
		case 'e': l.evidence = optarg; break;
		case 's': l.source = optarg; break;
		case 'x': expires = optarg; break;
		case 'c': code = optarg; break;
		case 'X': l.exclude = 1; break;
		case 'h':
			add_usage(stdout);
			return 0;
		default:
			return cli_opt_err("add", ch, argv);
		}
	}
	if (cli_operands("add", argc - optind, "address or range") != 0)
		return 2;
	if (l.reason == NULL) {
		cli_err("add", "--reason is required: no listing without a "
		    "reason");
		return 2;
	}
	if (l.evidence == NULL && !l.exclude) {
		cli_err("add", "--evidence is required: no listing without "
		    "evidence");
		return 2;
	}
	if (l.evidence != NULL && !l.exclude &&
	    str_is_blank(l.evidence, strlen(l.evidence))) {
		cli_err("add", "--evidence is blank: no listing without "
		    "evidence");
		return 1;
	}
	if (parse_prefix("add", argv[optind], &l.prefix) == -1)
		return 1;
	if (cli_zone_name("add", zone, zbuf, sizeof(zbuf)) == -1)
		return 1;
	l.zone = zbuf;
	if (expires != NULL && parse_expires("add", expires, now,
	    &l.expires_at) == -1)
		return 1;
	if (code != NULL && (l.code = parse_code("add", "--code", code)) == 0)
		return 1;
	if ((s = cli_open_store(c, "add", 0)) == NULL)
		return 1;
	if (zone_only_configured(c, "add", s, l.zone)) {
		store_close(s);
		return 1;
	}
	id = store_add(s, &l, cli_actor(actor, sizeof(actor)));
	if (id == -1) {
		cli_err("add", "%s", store_errmsg(s));
		store_close(s);
		return 1;
	}
	store_close(s);
	warn_nonascii("add", l.reason);
	printf("%s %s in %s (id %lld), expires %s\n", l.exclude ? "excluded" :
	    "listed", addr_format(&l.prefix, net, sizeof(net)), l.zone,
	    (long long)id, cli_time_text(l.expires_at, "never", when,
	    sizeof(when)));
	return 0;
}

/* ---- remove ---- */

static void
remove_usage(FILE *f)
{
	fprintf(f,
	    "usage: fairlist remove ADDR[/LEN] --why TEXT [--zone ZONE]\n"
	    "Delist exactly this address or range (a covering range is "
	    "not touched).\n\n"
	    "  --why TEXT     why it is removed, kept in the history "
	    "(required)\n"
	    "  --zone ZONE    only in this zone (default: every zone)\n"
	    "  --help         this text\n");
}

int
cmd_remove(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "zone", required_argument, NULL, 'z' },
		{ "why", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct addr_prefix	 p;
	struct store		*s;
	const char		*zone = NULL, *why = NULL;
	char			 zbuf[CMD_ZONE_ARGS], net[ADDR_TEXT_MAX];
	char			 actor[CLI_ACTOR_MAX];
	int			 ch, count;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":z:w:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'z': zone = optarg; break;
		case 'w': why = optarg; break;
		case 'h':
			remove_usage(stdout);
			return 0;
		default:
			return cli_opt_err("remove", ch, argv);
		}
	}
	if (cli_operands("remove", argc - optind, "address or range") != 0)
		return 2;
	if (why == NULL) {
		cli_err("remove", "--why is required: every removal is "
		    "recorded with its reason");
		return 2;
	}
	if (parse_prefix("remove", argv[optind], &p) == -1)
		return 1;
	if (zone != NULL) {
		if (cli_zone_name("remove", zone, zbuf, sizeof(zbuf)) == -1)
			return 1;
		zone = zbuf;
	}
	if ((s = cli_open_store(c, "remove", 0)) == NULL)
		return 1;
	if (zone != NULL && store_zone_exists(s, zone) != 1) {
		cli_err("remove", "unknown zone '%s'", zone);
		store_close(s);
		return 1;
	}
	if (store_remove(s, zone, &p, cli_actor(actor, sizeof(actor)), why,
	    &count) == -1) {
		cli_err("remove", "%s", store_errmsg(s));
		store_close(s);
		return 1;
	}
	store_close(s);
	addr_format(&p, net, sizeof(net));
	if (count == 0) {
		cli_err("remove", "%s is not listed in %s", net,
		    zone != NULL ? zone : "any zone");
		return 1;
	}
	if (zone != NULL)
		printf("removed %s from %s\n", net, zone);
	else
		printf("removed %s from %d zone%s\n", net, count,
		    count == 1 ? "" : "s");
	return 0;
}

/* ---- update ---- */

static void
update_usage(FILE *f)
{
	fprintf(f,
	    "usage: fairlist update ID|ADDR[/LEN] [--zone ZONE] "
	    "[--reason TEXT]\n"
	    "                       [--evidence TEXT] [--expires WHEN|never]\n"
	    "Change or extend a listing that is not removed (an expired one "
	    "too),\nwith an \"update\" history row saying what it was.\n\n"
	    "  --zone ZONE       with ADDR: the zone (needed if listed in "
	    "several)\n"
	    "  --reason TEXT     the new reason\n"
	    "  --evidence TEXT   the new evidence\n"
	    "  --expires WHEN    new expiry: 7d, +12h, 2026-12-01, @UNIXTIME "
	    "or never\n"
	    "  --help            this text\n");
}

struct update_find {
	int64_t	id;
	int	n;
};

static int
update_found(const struct store_listing *l, void *arg)
{
	struct update_find	*uf = arg;

	if (l->removed_at == 0) {
		uf->id = l->id;
		uf->n++;
	}
	return 0;
}

/* The id of the open listing for ID or ADDR; 0 after an error line. */
static int64_t
update_target(struct store *s, const char *arg, const char *zone)
{
	struct store_filter	 f;
	struct update_find	 uf = { 0, 0 };
	struct addr_prefix	 p;
	const char		*e;
	int64_t			 id;

	if (arg[0] >= '0' && arg[0] <= '9' && strchr(arg, '.') == NULL &&
	    strchr(arg, ':') == NULL) {
		id = str_tonum(arg, 1, INT64_MAX, &e);
		if (e != NULL) {
			cli_err("update", "%s: not a listing id", arg);
			return 0;
		}
		return id;
	}
	if (parse_prefix("update", arg, &p) == -1)
		return 0;
	memset(&f, 0, sizeof(f));
	f.zone = zone;
	f.prefix = &p;
	f.all = 1;
	if (store_foreach_listing(s, &f, update_found, &uf) != 0) {
		cli_err("update", "%s", store_errmsg(s));
		return 0;
	}
	if (uf.n == 0)
		cli_err("update", "%s is not listed in %s", arg,
		    zone != NULL ? zone : "any zone");
	else if (uf.n > 1)
		cli_err("update", "%s is listed in %d zones: give --zone", arg,
		    uf.n);
	return uf.n == 1 ? uf.id : 0;
}

int
cmd_update(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "zone", required_argument, NULL, 'z' },
		{ "reason", required_argument, NULL, 'r' },
		{ "evidence", required_argument, NULL, 'e' },
		{ "expires", required_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct store	*s;
	const char	*zone = NULL, *reason = NULL, *evidence = NULL;
	const char	*expires = NULL;
	char		 zbuf[CMD_ZONE_ARGS], actor[CLI_ACTOR_MAX];
	int64_t		 now = (int64_t)time(NULL), id, exp = STORE_KEEP;
	int		 ch, rc;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":z:r:e:x:h", opts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'z': zone = optarg; break;
		case 'r': reason = optarg; break;
		case 'e': evidence = optarg; break;
		case 'x': expires = optarg; break;
		case 'h':
			update_usage(stdout);
			return 0;
		default:
			return cli_opt_err("update", ch, argv);
		}
	}
	if (cli_operands("update", argc - optind, "listing") != 0)
		return 2;
	if (reason == NULL && evidence == NULL && expires == NULL) {
		cli_err("update", "nothing to change: give --reason, "
		    "--evidence or --expires");
		return 2;
	}
	if (evidence != NULL && str_is_blank(evidence, strlen(evidence))) {
		cli_err("update", "--evidence is blank: no listing without "
		    "evidence");
		return 1;
	}
	if (expires != NULL && parse_expires("update", expires, now,
	    &exp) == -1)
		return 1;
	if (zone != NULL) {
		if (cli_zone_name("update", zone, zbuf, sizeof(zbuf)) == -1)
			return 1;
		zone = zbuf;
	}
	if ((s = cli_open_store(c, "update", 0)) == NULL)
		return 1;
	if ((id = update_target(s, argv[optind], zone)) == 0) {
		store_close(s);
		return 1;
	}
	rc = store_update(s, id, reason, evidence, exp,
	    cli_actor(actor, sizeof(actor)));
	if (rc == -1) {
		cli_err("update", "%s", store_errmsg(s));
		store_close(s);
		return 1;
	}
	store_close(s);
	if (rc == 0)
		printf("listing %lld unchanged\n", (long long)id);
	else {
		printf("updated listing %lld\n", (long long)id);
		warn_nonascii("update", reason);
	}
	return 0;
}

/* ---- show ---- */

struct show_event {
	int64_t	 at;
	char	*actor, *action, *why;
};

struct show_item {
	struct store_listing	 l;	/* strings owned */
	char			 prefix[ADDR_TEXT_MAX];
	const char		*status;
	uint32_t		 code;	/* effective */
	struct show_event	*ev;
	size_t			 nev;
};

struct show {
	struct store		*s;
	int			 all;
	int64_t			 now;
	struct show_item	*it;
	size_t			 n;
	struct zone_code {
		char		*name;
		uint32_t	 code;
	}			*zones;
	size_t			 nzones;
};

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static int
show_zone(const struct store_zone *z, void *arg)
{
	struct show	*sh = arg;

	sh->zones = xreallocarray(sh->zones, sh->nzones + 1,
	    sizeof(*sh->zones));
	sh->zones[sh->nzones].name = xstrdup(z->name);
	sh->zones[sh->nzones++].code = z->code;
	return 0;
}

const char *
cli_listing_status(const struct store_listing *l, int64_t now)
{
	if (l->removed_at != 0) {
		if ((l->removed_why != NULL &&
		    strcmp(l->removed_why, "expired") == 0) ||
		    (l->expires_at != 0 && l->expires_at <= l->removed_at))
			return "expired";
		return "removed";
	}
	if (l->expires_at != 0 && l->expires_at <= now)
		return "expired";
	return l->exclude ? "exclusion" : "listed";
}

static int
show_listing(const struct store_listing *l, void *arg)
{
	struct show		*sh = arg;
	struct show_item	*it;
	size_t			 i;

	if (!sh->all && l->removed_at != 0)
		return 0;
	sh->it = xreallocarray(sh->it, sh->n + 1, sizeof(*sh->it));
	it = &sh->it[sh->n++];
	memset(it, 0, sizeof(*it));
	it->l = *l;
	it->l.zone = xstrdup(l->zone);
	it->l.reason = dup_or_null(l->reason);
	it->l.evidence = dup_or_null(l->evidence);
	it->l.source = dup_or_null(l->source);
	it->l.removed_why = dup_or_null(l->removed_why);
	addr_format(&l->prefix, it->prefix, sizeof(it->prefix));
	it->status = cli_listing_status(l, sh->now);
	it->code = l->code;
	for (i = 0; it->code == 0 && i < sh->nzones; i++)
		if (strcmp(sh->zones[i].name, l->zone) == 0)
			it->code = sh->zones[i].code;
	return 0;
}

static int
show_event(const struct store_event *e, void *arg)
{
	struct show_item	*it = arg;
	struct show_event	*ev;

	it->ev = xreallocarray(it->ev, it->nev + 1, sizeof(*it->ev));
	ev = &it->ev[it->nev++];
	ev->at = e->at;
	ev->actor = xstrdup(e->actor != NULL ? e->actor : "");
	ev->action = xstrdup(e->action != NULL ? e->action : "");
	ev->why = dup_or_null(e->why);
	return 0;
}

static void
show_free(struct show *sh)
{
	size_t	i, j;

	for (i = 0; i < sh->n; i++) {
		struct show_item	*it = &sh->it[i];

		free((char *)(uintptr_t)it->l.zone);
		free((char *)(uintptr_t)it->l.reason);
		free((char *)(uintptr_t)it->l.evidence);
		free((char *)(uintptr_t)it->l.source);
		free((char *)(uintptr_t)it->l.removed_why);
		for (j = 0; j < it->nev; j++) {
			free(it->ev[j].actor);
			free(it->ev[j].action);
			free(it->ev[j].why);
		}
		free(it->ev);
	}
	free(sh->it);
	for (i = 0; i < sh->nzones; i++)
		free(sh->zones[i].name);
	free(sh->zones);
}

/*
 * Zones where the address is listed: in each zone the most specific entry
 * in force decides, and an exclusion there means "not listed".
 */
static size_t
listed_zones(const struct show *sh, const char **out, size_t max)
{
	size_t	i, j, n = 0;
	int	seen;

	for (i = 0; i < sh->n; i++) {
		const struct show_item	*it = &sh->it[i];

		if (it->l.removed_at != 0 || (it->l.expires_at != 0 &&
		    it->l.expires_at <= sh->now))
			continue;
		seen = 0;
		/* An earlier (more specific) item of this zone decided. */
		for (j = 0; j < i; j++) {
			const struct show_item	*o = &sh->it[j];

			if (strcmp(o->l.zone, it->l.zone) == 0 &&
			    o->l.removed_at == 0 && (o->l.expires_at == 0 ||
			    o->l.expires_at > sh->now))
				seen = 1;
		}
		if (!seen && !it->l.exclude && n < max)
			out[n++] = it->l.zone;
	}
	return n;
}

static int
show_json(const struct show *sh, const char *addr, const char **zones,
    size_t nz)
{
	json_t	*root, *arr, *o, *h, *e, *lz;
	size_t	 i, j;

	root = json_object();
	json_object_set_new(root, "address", json_string(addr));
	json_object_set_new(root, "listed", json_boolean(nz > 0));
	lz = json_array();
	for (i = 0; i < nz; i++)
		json_array_append_new(lz, json_string(zones[i]));
	json_object_set_new(root, "listed_in", lz);
	arr = json_array();
	for (i = 0; i < sh->n; i++) {
		const struct show_item	*it = &sh->it[i];

		o = cli_listing_json(&it->l, it->status, it->code);
		h = json_array();
		for (j = 0; j < it->nev; j++) {
			e = json_object();
			json_object_set_new(e, "at", cli_json_time(it->ev[j].at));
			json_object_set_new(e, "actor",
			    json_string(it->ev[j].actor));
			json_object_set_new(e, "action",
			    json_string(it->ev[j].action));
			json_object_set_new(e, "why", str_json(it->ev[j].why));
			json_array_append_new(h, e);
		}
		json_object_set_new(o, "history", h);
		json_array_append_new(arr, o);
	}
	json_object_set_new(root, "listings", arr);
	return cli_json_print(root, 0);
}

json_t *
cli_listing_json(const struct store_listing *l, const char *status,
    uint32_t code)
{
	json_t	*o = json_object();
	char	 net[ADDR_TEXT_MAX], ctext[16];

	json_object_set_new(o, "id", json_integer(l->id));
	json_object_set_new(o, "zone", json_string(l->zone));
	json_object_set_new(o, "prefix", json_string(addr_format(&l->prefix,
	    net, sizeof(net))));
	json_object_set_new(o, "status", json_string(status));
	json_object_set_new(o, "exclude", json_boolean(l->exclude));
	json_object_set_new(o, "code", code != 0 ? json_string(addr_v4_text(
	    code, ctext, sizeof(ctext))) : json_null());
	json_object_set_new(o, "reason", str_json(l->reason));
	json_object_set_new(o, "evidence", str_json(l->evidence));
	json_object_set_new(o, "source", str_json(l->source));
	json_object_set_new(o, "listed_at", cli_json_time(l->listed_at));
	json_object_set_new(o, "expires_at", cli_json_time(l->expires_at));
	json_object_set_new(o, "removed_at", cli_json_time(l->removed_at));
	json_object_set_new(o, "removed_why", str_json(l->removed_why));
	return o;
}

static void
show_text(const struct show *sh, const char *addr, const char **zones,
    size_t nz)
{
	char	t1[32], code[16], buf[STORE_EVIDENCE_MAX * 4 + 1];
	size_t	i, j;

	if (nz == 0)
		printf("%s is not listed\n", addr);
	else {
		printf("%s is listed in ", addr);
		for (i = 0; i < nz; i++)
			printf("%s%s", i > 0 ? ", " : "", zones[i]);
		printf("\n");
	}
	for (i = 0; i < sh->n; i++) {
		const struct show_item	*it = &sh->it[i];

		printf("\n%s in %s (id %lld): %s\n", it->prefix, it->l.zone,
		    (long long)it->l.id, it->status);
		printf("  reason:   %s\n", cli_esc(buf, sizeof(buf),
		    it->l.reason));
		printf("  evidence: %s\n", cli_esc(buf, sizeof(buf),
		    it->l.evidence));
		printf("  source:   %s\n", cli_esc(buf, sizeof(buf),
		    it->l.source));
		if (!it->l.exclude)
			printf("  code:     %s\n", addr_v4_text(it->code, code,
			    sizeof(code)));
		printf("  listed:   %s\n", cli_time_text(it->l.listed_at, "-", t1,
		    sizeof(t1)));
		printf("  expires:  %s\n", cli_time_text(it->l.expires_at,
		    "never", t1, sizeof(t1)));
		if (it->l.removed_at != 0)
			printf("  removed:  %s: %s\n", cli_time_text(
			    it->l.removed_at, "-", t1, sizeof(t1)),
			    cli_esc(buf, sizeof(buf), it->l.removed_why));
		printf("  history:\n");
		for (j = 0; j < it->nev; j++) {
			printf("    %s %s by %s", cli_time_text(it->ev[j].at, "-",
			    t1, sizeof(t1)), it->ev[j].action,
			    cli_esc(buf, sizeof(buf), it->ev[j].actor));
			if (it->ev[j].why != NULL && it->ev[j].why[0] != '\0')
				printf(": %s", cli_esc(buf, sizeof(buf),
				    it->ev[j].why));
			printf("\n");
		}
	}
}

static void
show_usage(FILE *f)
{
	fprintf(f,
	    "usage: fairlist show ADDR [--all] [--json]\n"
	    "Every listing covering an address, in every zone, most "
	    "specific first,\nwith its history. Exits 0 whether or not the "
	    "address is listed.\n\n"
	    "  --all     also removed listings\n"
	    "  --json    machine-readable output\n"
	    "  --help    this text\n");
}

int
cmd_show(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct show		 sh;
	struct addr_prefix	 p;
	const char		*zones[SHOW_ZONES_MAX];
	char			 addr[ADDR_TEXT_MAX];
	size_t			 i, nz;
	int			 ch, json = 0, rc = 0;

	memset(&sh, 0, sizeof(sh));
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":ajh", opts, NULL)) != -1) {
		switch (ch) {
		case 'a': sh.all = 1; break;
		case 'j': json = 1; break;
		case 'h':
			show_usage(stdout);
			return 0;
		default:
			return cli_opt_err("show", ch, argv);
		}
	}
	if (cli_operands("show", argc - optind, "address") != 0)
		return 2;
	if (parse_prefix("show", argv[optind], &p) == -1)
		return 1;
	if (p.plen != 128) {
		cli_err("show", "%s: give one address, not a range",
		    argv[optind]);
		return 1;
	}
	if ((sh.s = cli_open_store(c, "show", 1)) == NULL)
		return 1;
	sh.now = (int64_t)time(NULL);
	if (store_zone_foreach(sh.s, show_zone, &sh) != 0 ||
	    store_foreach_covering(sh.s, p.a, 1, show_listing, &sh) != 0)
		goto fail;
	for (i = 0; i < sh.n; i++)
		if (store_foreach_event(sh.s, sh.it[i].l.id, show_event,
		    &sh.it[i]) != 0)
			goto fail;
	addr_format(&p, addr, sizeof(addr));
	nz = listed_zones(&sh, zones, SHOW_ZONES_MAX);
	if (json)
		rc = show_json(&sh, addr, zones, nz) == -1 ? 1 : 0;
	else
		show_text(&sh, addr, zones, nz);
	store_close(sh.s);
	show_free(&sh);
	return rc;
fail:
	cli_err("show", "%s", store_errmsg(sh.s));
	store_close(sh.s);
	show_free(&sh);
	return 1;
}

/* ---- zone ---- */

static void
zone_usage(FILE *f)
{
	fprintf(f,
	    "usage: fairlist zone list [--json]\n"
	    "       fairlist zone add NAME [--code 127.0.0.X] [--txt TEMPLATE] "
	    "[--url TEMPLATE]\n"
	    "       fairlist zone remove NAME [--force]\n"
	    "List the zones, create or change one, or remove one (refused "
	    "while it\nholds listings in force, unless --force removes them "
	    "too).\n\n"
	    "  --json          zone list: one JSON object\n"
	    "  --force         zone remove: also remove its listings\n"
	    "  --code A        A record for listed addresses (new zone: "
	    "127.0.0.2)\n"
	    "  --txt TEMPLATE  TXT answer (new zone: \"%s\")\n"
	    "  --url TEMPLATE  lookup page URL (new zone: \"%s\")\n"
	    "  --help          this text\n"
	    "Templates expand $ip $reason $listed $expires $zone $url and "
	    "$$.\n", STORE_DEFAULT_TXT, STORE_DEFAULT_URL);
}

static int
zone_print(const struct store_zone *z, void *arg)
{
	char	code[16];

	(void)arg;
	printf("%s  code %s  serial %lld  listings %lld\n", z->name,
	    addr_v4_text(z->code, code, sizeof(code)), (long long)z->serial,
	    (long long)z->listings);
	printf("  txt %s\n  url %s\n", z->txt, z->url);
	return 0;
}

static int
zone_json(const struct store_zone *z, void *arg)
{
	json_t	*o = json_object();
	char	 code[16];

	json_object_set_new(o, "name", json_string(z->name));
	json_object_set_new(o, "code", json_string(addr_v4_text(z->code, code,
	    sizeof(code))));
	json_object_set_new(o, "txt", json_string(z->txt));
	json_object_set_new(o, "url", json_string(z->url));
	json_object_set_new(o, "serial", json_integer(z->serial));
	json_object_set_new(o, "listings", json_integer(z->listings));
	json_array_append_new(arg, o);
	return 0;
}

static int
zone_list(struct cli *c, int argc, char **argv)
{
	struct store	*s;
	json_t		*root = NULL, *arr = NULL;
	int		 ch, json = 0, rc;
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};

	while ((ch = getopt_long(argc, argv, ":jh", opts, NULL)) != -1) {
		if (ch == 'j') {
			json = 1;
			continue;
		}
		if (ch == 'h') {
			zone_usage(stdout);
			return 0;
		}
		return cli_opt_err("zone", ch, argv);
	}
	if (optind != argc) {
		cli_err("zone", "list takes no arguments");
		return 2;
	}
	if ((s = cli_open_store(c, "zone", 1)) == NULL)
		return 1;
	if (json)
		arr = json_array();
	rc = store_zone_foreach(s, json ? zone_json : zone_print, arr);
	if (rc != 0) {
		cli_err("zone", "%s", store_errmsg(s));
		json_decref(arr);
		store_close(s);
		return 1;
	}
	store_close(s);
	if (json) {
		root = json_object();
		json_object_set_new(root, "zones", arr);
		rc = cli_json_print(root, 0);
	}
	return rc == 0 ? 0 : 1;
}

static int
zone_remove(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct store	*s;
	char		 name[CMD_ZONE_ARGS], actor[CLI_ACTOR_MAX];
	int64_t		 closed;
	int		 ch, force = 0;

	while ((ch = getopt_long(argc, argv, ":fh", opts, NULL)) != -1) {
		switch (ch) {
		case 'f': force = 1; break;
		case 'h':
			zone_usage(stdout);
			return 0;
		default:
			return cli_opt_err("zone", ch, argv);
		}
	}
	if (optind != argc - 1) {
		cli_err("zone", optind == argc ? "remove: which zone name? "
		    "(see 'fairlist zone --help')" : "remove: one zone at a "
		    "time");
		return 2;
	}
	if (cli_zone_name("zone", argv[optind], name, sizeof(name)) == -1)
		return 1;
	if ((s = cli_open_store(c, "zone", 0)) == NULL)
		return 1;
	if (store_zone_remove(s, name, force, cli_actor(actor, sizeof(actor)),
	    &closed) == -1) {
		cli_err("zone", "%s", store_errmsg(s));
		store_close(s);
		return 1;
	}
	store_close(s);
	printf("removed zone %s (%lld listing%s removed with it)\n", name,
	    (long long)closed, closed == 1 ? "" : "s");
	return 0;
}

static int
zone_add(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "code", required_argument, NULL, 'c' },
		{ "txt", required_argument, NULL, 't' },
		{ "url", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct store	*s;
	const char	*code = NULL, *txt = NULL, *url = NULL;
	char		 name[CMD_ZONE_ARGS], actor[CLI_ACTOR_MAX];
	uint32_t	 v = 0;
	int		 ch, existed;

	while ((ch = getopt_long(argc, argv, ":c:t:u:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': code = optarg; break;
		case 't': txt = optarg; break;
		case 'u': url = optarg; break;
		case 'h':
			zone_usage(stdout);
			return 0;
		default:
			return cli_opt_err("zone", ch, argv);
		}
	}
	if (optind != argc - 1) {
		cli_err("zone", optind == argc ? "add: which zone name? "
		    "(see 'fairlist zone --help')" : "add: one zone at a time");
		return 2;
	}
	if (cli_zone_name("zone", argv[optind], name, sizeof(name)) == -1)
		return 1;
	if (code != NULL && (v = parse_code("zone", "--code", code)) == 0)
		return 1;
	if ((s = cli_open_store(c, "zone", 0)) == NULL)
		return 1;
	if ((existed = store_zone_exists(s, name)) == -1 ||
	    store_zone_put(s, name, v, txt, url,
	    cli_actor(actor, sizeof(actor))) == -1) {
		cli_err("zone", "%s", store_errmsg(s));
		store_close(s);
		return 1;
	}
	store_close(s);
	printf("%s zone %s\n", existed ? "updated" : "added", name);
	return 0;
}

int
cmd_zone(struct cli *c, int argc, char **argv)
{
	opterr = 0;
	if (argc < 2) {
		cli_err("zone", "list, add or remove? (see 'fairlist zone "
		    "--help')");
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		zone_usage(stdout);
		return 0;
	}
	/* The subcommand name plays argv[0] for its own getopt. */
	optind = 1;
	if (strcmp(argv[1], "list") == 0)
		return zone_list(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "add") == 0)
		return zone_add(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "remove") == 0)
		return zone_remove(c, argc - 1, argv + 1);
	cli_err("zone", "unknown subcommand '%s' (list, add or remove)",
	    argv[1]);
	return 2;
}
