/*
 * cmd_requests.c: the commands behind the public removal and the admin
 * API: `requests` (list, show, create, approve, deny removal requests)
 * and `token` (create, list, revoke, verify API tokens), and the zone
 * block's removal keys (cli_zone_removal).
 *
 * Each prints text or, with --json, one JSON object built with jansson.
 * Errors are one line, "fairlist: CMD: message"; exit codes 0 success, 1
 * failure, 2 usage. docs/CLI.md is the user's reference.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/addr.h"
#include "core/conf.h"
#include "core/str.h"
#include "store/removal.h"
#include "store/store.h"
#include "store/token.h"
#include "cli/cli.h"

#define REQ_TEXT	(STORE_NOTE_MAX * 4 + 1)	/* cli_esc of a note */

/* A subcommand: its name and function. */
struct sub {
	const char	*name;
	int		(*fn)(struct cli *, int, char **);
};

/*
 * Run the subcommand argv[1] of cmd from subs (NULL-terminated), or the
 * usage for help; 2 for a missing or unknown one.
 */
static int
dispatch(struct cli *c, const char *cmd, const struct sub *subs,
    const char *names, void (*usage)(FILE *), int argc, char **argv)
{
	int	i;

	opterr = 0;
	if (argc < 2) {
		cli_err(cmd, "%s? (see 'fairlist %s --help')", names, cmd);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	/* The subcommand name plays argv[0] for its own getopt. */
	optind = 1;
	for (i = 0; subs[i].name != NULL; i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			return subs[i].fn(c, argc - 1, argv + 1);
	cli_err(cmd, "unknown subcommand '%.64s' (%s)", argv[1], names);
	return 2;
}

/*
 * getopt_long over argv with opts; a --json flag sets *json, --help
 * prints usage. Other options go to opt(ch, optarg, arg): 0 or an exit
 * code. Returns -1 to go on, else the exit code.
 */
static int
options(const char *cmd, int argc, char **argv, const struct option *opts,
    const char *shorts, void (*usage)(FILE *), int *json,
    int (*opt)(int, const char *, void *), void *arg)
{
	int	ch, rc;

	while ((ch = getopt_long(argc, argv, shorts, opts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			*json = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case '?':
		case ':':
			return cli_opt_err(cmd, ch, argv);
		default:
			if (opt == NULL)
				return cli_opt_err(cmd, ch, argv);
			if ((rc = opt(ch, optarg, arg)) != 0)
				return rc;
		}
	}
	return -1;
}

/* The store's error as cmd's line; closes s; the exit code 1. */
static int
failed(const char *cmd, struct store *s)
{
	cli_err(cmd, "%s", store_errmsg(s));
	store_close(s);
	return 1;
}

/* ---- requests ---- */

static void
requests_usage(FILE *f)
{
	fprintf(f,
	    "usage: fairlist requests list [--state STATE] [--json]\n"
	    "       fairlist requests show ID [--json]\n"
	    "       fairlist requests create ADDRESS [--zone ZONE] "
	    "[--note TEXT] [--from ADDR]\n"
	    "       fairlist requests approve ID [--why TEXT]\n"
	    "       fairlist requests deny ID --why TEXT\n"
	    "Removal requests: list them (newest first), show one with its "
	    "history,\nmake one as the web form does (the zone's removal "
	    "policy applies), or\ndecide an open one. ID is the number or "
	    "the public reference.\n\n"
	    "  --state STATE  open, approved, denied, done or refused\n"
	    "  --zone ZONE    the zone to leave (default: the one that lists "
	    "it)\n"
	    "  --note TEXT    the requester's note\n"
	    "  --from ADDR    the requester (default: cli:USER)\n"
	    "  --why TEXT     why it was approved or denied (deny: "
	    "required)\n"
	    "  --json         one JSON object\n"
	    "  --help         this text\n");
}

static json_t *
request_json(const struct store_request *r)
{
	json_t	*o = json_object();
	char	 ip[ADDR_TEXT_MAX];

	json_object_set_new(o, "id", json_integer(r->id));
	json_object_set_new(o, "ref", str_json(r->ref));
	json_object_set_new(o, "state", json_string(
	    store_req_state_name(r->state)));
	json_object_set_new(o, "ip", json_string(addr_format(&r->addr, ip,
	    sizeof(ip))));
	json_object_set_new(o, "zone", str_json(r->zone));
	json_object_set_new(o, "requester", str_json(r->requester));
	json_object_set_new(o, "note", str_json(r->note));
	json_object_set_new(o, "created_at", cli_json_time(r->created_at));
	json_object_set_new(o, "decided_at", cli_json_time(r->decided_at));
	json_object_set_new(o, "actor", str_json(r->actor));
	json_object_set_new(o, "why", str_json(r->why));
	return o;
}

static void
request_line(const struct store_request *r)
{
	char	ip[ADDR_TEXT_MAX], t[32], who[STORE_REQUESTER_MAX * 4 + 1];

	printf("%lld  %s  %-8s  %s  %s  %s  %s\n", (long long)r->id, r->ref,
	    store_req_state_name(r->state), addr_format(&r->addr, ip,
	    sizeof(ip)), r->zone, cli_time_text(r->created_at, "-", t,
	    sizeof(t)), cli_esc(who, sizeof(who), r->requester));
}

static int
request_row(const struct store_request *r, void *arg)
{
	if (arg != NULL)
		json_array_append_new(arg, request_json(r));
	else
		request_line(r);
	return 0;
}

static int
list_opt(int ch, const char *v, void *arg)
{
	enum store_req_state	*st = arg;

	if (ch != 's')
		return 2;
	if (store_req_state_parse(v, st) == -1) {
		cli_err("requests", "--state %.32s: not a state (open, "
		    "approved, denied, done or refused)", v);
		return 2;
	}
	return 0;
}

/* Print arr (--json) as {key: arr} or nothing; the exit code. */
static int
json_out(json_t *arr, const char *key)
{
	json_t	*root;

	if (arr == NULL)
		return 0;
	root = json_object();
	json_object_set_new(root, key, arr);
	return cli_json_print(root, 0) == 0 ? 0 : 1;
}

static int
requests_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct store_request_filter	 f;
	struct store			*s;
	json_t				*arr = NULL;
	int				 rc, json = 0;

	memset(&f, 0, sizeof(f));
	if ((rc = options("requests", argc, argv, opts, ":s:jh",
	    requests_usage, &json, list_opt, &f.state)) != -1)
		return rc;
	if (cli_operands("requests", argc - optind, NULL) != 0)
		return 2;
	if ((s = cli_open_store(c, "requests", 1)) == NULL)
		return 1;
	if (json)
		arr = json_array();
	if (store_foreach_request(s, &f, request_row, arr) != 0) {
		json_decref(arr);
		return failed("requests", s);
	}
	store_close(s);
	return json_out(arr, "requests");
}

struct show {
	json_t	*o;		/* --json */
	json_t	*hist;
};

static int
show_req(const struct store_request *r, void *arg)
{
	struct show	*sh = arg;
	char		 ip[ADDR_TEXT_MAX], t[32], note[REQ_TEXT];
	char		 who[STORE_REQUESTER_MAX * 4 + 1];

	if (sh->o != NULL) {
		json_t	*o = request_json(r);

		json_object_update(sh->o, o);
		json_decref(o);
		return 0;
	}
	printf("request %lld (%s): %s\n", (long long)r->id, r->ref,
	    store_req_state_name(r->state));
	printf("  address:   %s in %s\n", addr_format(&r->addr, ip,
	    sizeof(ip)), r->zone);
	printf("  requester: %s\n", cli_esc(who, sizeof(who), r->requester));
	if (r->note != NULL && r->note[0] != '\0')
		printf("  note:      %s\n", cli_esc(note, sizeof(note),
		    r->note));
	printf("  created:   %s\n", cli_time_text(r->created_at, "-", t,
	    sizeof(t)));
	if (r->decided_at != 0)
		printf("  decided:   %s by %s\n", cli_time_text(r->decided_at,
		    "-", t, sizeof(t)), cli_esc(who, sizeof(who), r->actor));
	printf("  history:\n");
	return 0;
}

static int
show_ev(const struct store_request_event *e, void *arg)
{
	struct show	*sh = arg;
	json_t		*o;
	char		 t[32], actor[STORE_REASON_MAX * 4 + 1];
	char		 why[STORE_REASON_MAX * 4 + 1];

	if (sh->o != NULL) {
		o = json_object();
		json_object_set_new(o, "at", cli_json_time(e->at));
		json_object_set_new(o, "actor", str_json(e->actor));
		json_object_set_new(o, "action", str_json(e->action));
		json_object_set_new(o, "why", str_json(e->why));
		json_array_append_new(sh->hist, o);
		return 0;
	}
	printf("    %s  %s  %s%s%s\n", cli_time_text(e->at, "-", t, sizeof(t)),
	    cli_esc(actor, sizeof(actor), e->actor), e->action,
	    e->why != NULL ? ": " : "", e->why != NULL ? cli_esc(why,
	    sizeof(why), e->why) : "");
	return 0;
}

static int
requests_show(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct store	*s;
	struct show	 sh = { NULL, NULL };
	int		 rc, json = 0;

	if ((rc = options("requests", argc, argv, opts, ":jh",
	    requests_usage, &json, NULL, NULL)) != -1)
		return rc;
	if (cli_operands("requests", argc - optind, "request") != 0)
		return 2;
	if ((s = cli_open_store(c, "requests", 1)) == NULL)
		return 1;
	if (json) {
		sh.o = json_object();
		sh.hist = json_array();
	}
	rc = store_request_get(s, argv[optind], 0, show_req, show_ev, &sh);
	if (rc != 1) {
		json_decref(sh.o);
		json_decref(sh.hist);
		return failed("requests", s);
	}
	store_close(s);
	if (!json)
		return 0;
	json_object_set_new(sh.o, "history", sh.hist);
	return cli_json_print(sh.o, 0) == 0 ? 0 : 1;
}

struct create_opts {
	const char	*zone;
	const char	*note;
	const char	*from;
	const char	*why;
	char		 zbuf[STORE_ZONE_MAX + 2];
};

static int
create_opt(int ch, const char *v, void *arg)
{
	struct create_opts	*o = arg;

	switch (ch) {
	case 'z':
		if (cli_zone_name("requests", v, o->zbuf, sizeof(o->zbuf)) ==
		    -1)
			return 1;
		o->zone = o->zbuf;
		return 0;
	case 'n': o->note = v; return 0;
	case 'f': o->from = v; return 0;
	case 'w': o->why = v; return 0;
	default: return 2;
	}
}

static int
requests_create(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "zone", required_argument, NULL, 'z' },
		{ "note", required_argument, NULL, 'n' },
		{ "from", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct create_opts		 o;
	struct store_request_made	 m;
	struct addr_prefix		 a;
	struct store			*s;
	const char			*err;
	char				 actor[CLI_ACTOR_MAX + 8];
	int64_t				 id;
	int				 rc, json = 0;

	memset(&o, 0, sizeof(o));
	if ((rc = options("requests", argc, argv, opts, ":z:n:f:h",
	    requests_usage, &json, create_opt, &o)) != -1)
		return rc;
	if (cli_operands("requests", argc - optind, "address") != 0)
		return 2;
	if (addr_parse(argv[optind], &a, &err) == -1) {
		cli_err("requests", "%.64s: %s", argv[optind], err);
		return 1;
	}
	if (a.plen != 128) {
		cli_err("requests", "%.64s: a removal request is for one "
		    "address, not a range", argv[optind]);
		return 1;
	}
	cli_actor(actor, sizeof(actor));
	if ((s = cli_open_store(c, "requests", 0)) == NULL)
		return 1;
	id = store_request_create(s, &a, o.zone, o.from != NULL ? o.from :
	    actor, o.note, actor, &m);
	if (id <= 0) {
		return failed("requests", s);
	}
	store_close(s);
	printf("request %lld (%s): %s%s; %d removed, %d for review, %d "
	    "refused\n", (long long)m.id, m.ref, store_req_state_name(m.state),
	    m.existing ? " (already open)" : "", m.removed, m.pending,
	    m.refused);
	return 0;
}

/* approve (approve 1) or deny (0) the request argv[optind]. */
static int
requests_decide(struct cli *c, int argc, char **argv, int approve)
{
	static const struct option opts[] = {
		{ "why", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct create_opts	 o;
	struct store		*s;
	char			 actor[CLI_ACTOR_MAX + 8];
	int			 rc, json = 0, n;

	memset(&o, 0, sizeof(o));
	if ((rc = options("requests", argc, argv, opts, ":w:h",
	    requests_usage, &json, create_opt, &o)) != -1)
		return rc;
	if (cli_operands("requests", argc - optind, "request") != 0)
		return 2;
	if (!approve && o.why == NULL) {
		cli_err("requests", "deny needs --why TEXT (the requester "
		    "reads it)");
		return 2;
	}
	if ((s = cli_open_store(c, "requests", 0)) == NULL)
		return 1;
	n = store_request_decide(s, argv[optind], approve, o.why,
	    cli_actor(actor, sizeof(actor)));
	if (n == -1) {
		return failed("requests", s);
	}
	store_close(s);
	if (approve)
		printf("approved request %s: %d listing%s removed\n",
		    argv[optind], n, n == 1 ? "" : "s");
	else
		printf("denied request %s\n", argv[optind]);
	return 0;
}

static int
requests_approve(struct cli *c, int argc, char **argv)
{
	return requests_decide(c, argc, argv, 1);
}

static int
requests_deny(struct cli *c, int argc, char **argv)
{
	return requests_decide(c, argc, argv, 0);
}

int
cmd_requests(struct cli *c, int argc, char **argv)
{
	static const struct sub subs[] = {
		{ "list", requests_list },
		{ "show", requests_show },
		{ "create", requests_create },
		{ "approve", requests_approve },
		{ "deny", requests_deny },
		{ NULL, NULL }
	};

	return dispatch(c, "requests", subs, "list, show, create, approve or "
	    "deny", requests_usage, argc, argv);
}

/* ---- token ---- */

static void
token_usage(FILE *f)
{
	fprintf(f,
	    "usage: fairlist token create --scope read|write|admin "
	    "[--name NAME] [--json]\n"
	    "       fairlist token list [--json]\n"
	    "       fairlist token revoke ID|NAME\n"
	    "       fairlist token verify < SECRET\n"
	    "API tokens for the admin routes (Authorization: Bearer). create "
	    "prints the\nsecret once: the store keeps only its SHA-256. "
	    "verify reads a secret on\nstdin and says whose it is (exit 1: "
	    "unknown or revoked).\n\n"
	    "  --scope S    read, write or admin (each allows the ones "
	    "before it)\n"
	    "  --name NAME  letters, digits, '-', '_', '.', ':' (default: "
	    "token-ID)\n"
	    "  --json       one JSON object\n"
	    "  --help       this text\n");
}

struct token_opts {
	enum store_scope	 scope;
	const char		*name;
};

static int
token_opt(int ch, const char *v, void *arg)
{
	struct token_opts	*o = arg;

	if (ch == 'n') {
		o->name = v;
		return 0;
	}
	if (ch != 's')
		return 2;
	if (store_scope_parse(v, &o->scope) == -1) {
		cli_err("token", "--scope %.32s: not a scope (read, write or "
		    "admin)", v);
		return 2;
	}
	return 0;
}

static int
token_create(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "scope", required_argument, NULL, 's' },
		{ "name", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct token_opts	 o = { 0, NULL };
	struct store		*s;
	json_t			*root;
	char			 secret[STORE_TOKEN_LEN + 1];
	char			 actor[CLI_ACTOR_MAX + 8], name[32];
	int64_t			 id;
	int			 rc, json = 0;

	if ((rc = options("token", argc, argv, opts, ":s:n:jh", token_usage,
	    &json, token_opt, &o)) != -1)
		return rc;
	if (cli_operands("token", argc - optind, NULL) != 0)
		return 2;
	if (o.scope == 0) {
		cli_err("token", "create needs --scope read|write|admin");
		return 2;
	}
	if (o.name != NULL && !store_token_name_ok(o.name)) {
		cli_err("token", "--name %.64s: 1 to %d letters, digits, '-', "
		    "'_', '.', ':', not all digits", o.name,
		    STORE_TOKEN_NAME_MAX);
		return 2;
	}
	if ((s = cli_open_store(c, "token", 0)) == NULL)
		return 1;
	id = store_token_create(s, o.name, o.scope, cli_actor(actor,
	    sizeof(actor)), secret);
	if (id <= 0) {
		return failed("token", s);
	}
	store_close(s);
	if (json) {
		root = json_object();
		json_object_set_new(root, "id", json_integer(id));
		/* The store's default name for a token without one. */
		snprintf(name, sizeof(name), "token-%lld", (long long)id);
		json_object_set_new(root, "name", json_string(o.name != NULL ?
		    o.name : name));
		json_object_set_new(root, "scope",
		    json_string(store_scope_name(o.scope)));
		json_object_set_new(root, "token", json_string(secret));
		rc = cli_json_print(root, 0) == 0 ? 0 : 1;
	} else {
		printf("%s\n", secret);
		rc = 0;
	}
	explicit_bzero(secret, sizeof(secret));
	return rc;
}

static int
token_row(const struct store_token *t, void *arg)
{
	json_t	*o;
	char	 c1[32], c2[32];

	if (arg != NULL) {
		o = json_object();
		json_object_set_new(o, "id", json_integer(t->id));
		json_object_set_new(o, "name", str_json(t->name));
		json_object_set_new(o, "scope",
		    json_string(store_scope_name(t->scope)));
		json_object_set_new(o, "created_at",
		    cli_json_time(t->created_at));
		json_object_set_new(o, "revoked_at",
		    cli_json_time(t->revoked_at));
		json_array_append_new(arg, o);
		return 0;
	}
	printf("%lld  %s  %s  %s  %s\n", (long long)t->id, t->name,
	    store_scope_name(t->scope), cli_time_text(t->created_at, "-", c1,
	    sizeof(c1)), t->revoked_at != 0 ? cli_time_text(t->revoked_at,
	    "-", c2, sizeof(c2)) : "in force");
	return 0;
}

static int
token_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct store	*s;
	json_t		*arr = NULL;
	int		 rc, json = 0;

	if ((rc = options("token", argc, argv, opts, ":jh", token_usage,
	    &json, NULL, NULL)) != -1)
		return rc;
	if (cli_operands("token", argc - optind, NULL) != 0)
		return 2;
	if ((s = cli_open_store(c, "token", 1)) == NULL)
		return 1;
	if (json)
		arr = json_array();
	if (store_foreach_token(s, token_row, arr) != 0) {
		json_decref(arr);
		return failed("token", s);
	}
	store_close(s);
	return json_out(arr, "tokens");
}

static int
token_revoke(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct store	*s;
	char		 actor[CLI_ACTOR_MAX + 8];
	int		 rc, json = 0;

	if ((rc = options("token", argc, argv, opts, ":h", token_usage,
	    &json, NULL, NULL)) != -1)
		return rc;
	if (cli_operands("token", argc - optind, "token") != 0)
		return 2;
	if ((s = cli_open_store(c, "token", 0)) == NULL)
		return 1;
	if (store_token_revoke(s, argv[optind], cli_actor(actor,
	    sizeof(actor))) == -1) {
		return failed("token", s);
	}
	store_close(s);
	printf("revoked token %s\n", argv[optind]);
	return 0;
}

static int
token_verify(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct store		*s;
	enum store_scope	 sc;
	char			 buf[STORE_TOKEN_LEN + 64];
	char			 name[STORE_TOKEN_NAME_MAX + 1];
	size_t			 len;
	int			 rc, json = 0;

	if ((rc = options("token", argc, argv, opts, ":h", token_usage,
	    &json, NULL, NULL)) != -1)
		return rc;
	if (cli_operands("token", argc - optind, NULL) != 0)
		return 2;
	/* On stdin, not argv: arguments are visible to every user (ps). */
	if (fgets(buf, sizeof(buf), stdin) == NULL)
		buf[0] = '\0';
	len = strcspn(buf, "\r\n");
	buf[len] = '\0';
	if ((s = cli_open_store(c, "token", 1)) == NULL)
		return 1;
	rc = store_token_verify(s, buf, len, &sc, name);
	explicit_bzero(buf, sizeof(buf));
	if (rc != 1) {
		return failed("token", s);
	}
	store_close(s);
	printf("valid: %s (scope %s)\n", name, store_scope_name(sc));
	return 0;
}

int
cmd_token(struct cli *c, int argc, char **argv)
{
	static const struct sub subs[] = {
		{ "create", token_create },
		{ "list", token_list },
		{ "revoke", token_revoke },
		{ "verify", token_verify },
		{ NULL, NULL }
	};

	return dispatch(c, "token", subs, "create, list, revoke or verify",
	    token_usage, argc, argv);
}

/* ---- the zone block's removal keys ---- */

int
cli_zone_removal(const struct conf *cf, const struct conf_node *n,
    const char *zone, struct store_removal_rule *rules, int *nrules,
    int64_t *window, int64_t *max)
{
	const struct conf_node	*k;
	const char		*path = cf->path != NULL ? cf->path : "config",
				*e, *v;
	enum store_removal	 p;

	*nrules = 0;
	*window = STORE_COOLDOWN_WINDOW;
	*max = STORE_COOLDOWN_MAX;
	for (k = conf_find(n, "removal"); k != NULL; k = conf_next(k)) {
		if (k->nargs != 2 || store_removal_parse(k->args[1], &p) ==
		    -1) {
			cli_err(NULL, "%s:%d: zone %s: removal SOURCE "
			    "self-service|review|none", path, k->line, zone);
			return -1;
		}
		if (!store_removal_source_ok(k->args[0])) {
			cli_err(NULL, "%s:%d: zone %s: removal %.64s: a source "
			    "is letters, digits, '-', '_', '.', ':', '/', and "
			    "a final '*'", path, k->line, zone, k->args[0]);
			return -1;
		}
		if (*nrules == STORE_RULES_MAX) {
			cli_err(NULL, "%s:%d: zone %s: at most %d removal "
			    "rules", path, k->line, zone, STORE_RULES_MAX);
			return -1;
		}
		rules[*nrules].source = k->args[0];
		rules[(*nrules)++].policy = p;
	}
	if ((v = conf_get(n, "cooldown-window")) != NULL &&
	    (str_duration(v, window) == -1 || *window <= 0)) {
		cli_err(NULL, "%s: zone %s: cooldown-window %.32s: not a "
		    "duration (90d, 12h, ...)", path, zone, v);
		return -1;
	}
	if ((v = conf_get(n, "cooldown-max")) != NULL) {
		*max = str_tonum(v, 1, 1 << 20, &e);
		if (e != NULL) {
			cli_err(NULL, "%s: zone %s: cooldown-max %.32s: not a "
			    "multiplier (1-%d)", path, zone, v, 1 << 20);
			return -1;
		}
	}
	return 0;
}
