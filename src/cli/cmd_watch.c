/*
 * cmd_watch.c: "fairlist watch": our own addresses on other lists
 * (src/watch, docs/SENDER-CARE.md).
 *
 *   fairlist watch status [--json] [--events N]
 *   fairlist watch check [--json]
 *
 * status prints the stored state of every (address or domain, list)
 * pair and the latest transitions; check asks every list now, from this
 * process (c-ares, the watch block's resolvers), and writes the state
 * and the transitions into the store. check sends no webhook itself: an
 * alerted transition it finds waits in the store as pending, and the
 * running daemon posts it (its next round or retry timer).
 *
 * Exit status (docs/CLI.md): 0 nothing listed (and, for check, every list
 * answered), 1 something is listed, 3 (check) nothing listed but some
 * list gave no usable answer (refused, broken, no answer), 2 usage,
 * configuration or store error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli/cli.h"
#include "core/conf.h"
#include "core/str.h"
#include "dns/resolver.h"
#include "store/store.h"
#include "store/watch.h"
#include "watch/watch.h"

#define WATCH_EVENTS_SHOWN	20	/* status: default --events */

static void
usage_watch(FILE *f)
{
	fprintf(f,
	    "usage: fairlist watch status [--json] [--events N]\n"
	    "       fairlist watch check [--json]\n"
	    "\n"
	    "Our own addresses and domains (watch { } in the configuration)\n"
	    "on other people's DNS blocklists.\n"
	    "  status        the stored state of every pair and the latest\n"
	    "                transitions (--events N, default %d; 0: none)\n"
	    "  check         ask every list now and store the result\n"
	    "  --json        one JSON object\n"
	    "Exit status: 0 nothing listed, 1 listed, 3 (check) not listed but\n"
	    "some list gave no usable answer, 2 error.\n",
	    WATCH_EVENTS_SHOWN);
}

static int
read_conf(struct cli *c, const char *cmd, struct watch_conf *wc)
{
	char	err[512];

	if (c->conf == NULL || conf_find(c->conf->root, "watch") == NULL) {
		cli_err(cmd, "no watch { } block in the configuration (see "
		    "docs/SENDER-CARE.md)");
		return -1;
	}
	if (watch_conf_read(c->conf, conf_find(c->conf->root, "watch"), wc,
	    err, sizeof(err)) == -1) {
		cli_err(cmd, "%s", err);
		return -1;
	}
	return 0;
}

/* --- check ---------------------------------------------------------- */

/* One resolver per distinct server list; lists point at theirs. */
struct cres {
	const char		*servers;	/* NULL: the system's */
	struct dns_resolver	*r;
};

struct cstate {
	struct watch_conf	*wc;
	struct store		*st;
	struct cres		 res[WATCH_LISTS_MAX + 1];
	int			 nres;
	int			 of_list[WATCH_LISTS_MAX];
	json_t			*pairs;		/* --json, or NULL */
	int			 listed, unusable, failed;
	int64_t			 now;
};

static int
same(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

static int
make_resolvers(struct cstate *x)
{
	const char	*srv;
	char		 err[256];
	int		 i, k;

	for (i = 0; i < x->wc->nlists; i++) {
		srv = x->wc->lists[i].server != NULL ?
		    x->wc->lists[i].server : x->wc->resolver;
		for (k = 0; k < x->nres; k++)
			if (same(x->res[k].servers, srv))
				break;
		if (k == x->nres) {
			x->res[k].servers = srv;
			if ((x->res[k].r = dns_resolver_new(srv,
			    x->wc->timeout_ms / 3 > 0 ? x->wc->timeout_ms / 3 :
			    1, err, sizeof(err))) == NULL) {
				cli_err("watch", "list %s: resolver: %s",
				    x->wc->lists[i].zone, err);
				return -1;
			}
			x->nres++;
		}
		x->of_list[i] = k;
	}
	return 0;
}

static void
query(void *qarg, int li, const char *name, uint16_t type,
    void (*cb)(void *, enum dns_resolver_status, const uint8_t *, size_t),
    void *arg)
{
	struct cstate	*x = qarg;

	dns_resolver_query(x->res[x->of_list[li]].r, name, type, cb, arg);
}

static void
each(void *arg, const struct watch_check *c)
{
	struct cstate		*x = arg;
	struct watch_recorded	 rec;
	json_t			*o;

	if (watch_record(x->st, c, x->wc->webhook != NULL, x->now,
	    &rec) == -1) {
		cli_err("watch", "%s", store_errmsg(x->st));
		x->failed = 1;
		return;
	}
	if (c->r.state == WATCH_LISTED)
		x->listed++;
	else if (c->r.state != WATCH_NOT_LISTED)
		x->unusable++;
	if (x->pairs != NULL) {
		o = json_object();
		json_object_set_new(o, "target", str_json(c->t->text));
		json_object_set_new(o, "list", str_json(c->l->zone));
		json_object_set_new(o, "state",
		    json_string(watch_state_name(c->r.state)));
		json_object_set_new(o, "code", rec.code[0] != '\0' ?
		    json_string(rec.code) : json_null());
		json_object_set_new(o, "meaning", c->r.meaning[0] != '\0' ?
		    str_json(c->r.meaning) : json_null());
		json_object_set_new(o, "txt", c->txt[0] != '\0' ?
		    str_json(c->txt) : json_null());
		json_object_set_new(o, "removal_url",
		    c->r.state == WATCH_LISTED && rec.removal_url[0] != '\0' ?
		    str_json(rec.removal_url) : json_null());
		json_object_set_new(o, "was", json_string(rec.old));
		json_object_set_new(o, "transition",
		    json_boolean(rec.transition > 0));
		json_array_append_new(x->pairs, o);
		return;
	}
	printf("%s %s %s", c->t->text, c->l->zone,
	    watch_state_name(c->r.state));
	if (c->r.meaning[0] != '\0')
		printf(": %s", c->r.meaning);
	if (c->txt[0] != '\0')
		printf(" -- %s", c->txt);
	if (c->r.state == WATCH_LISTED && rec.removal_url[0] != '\0')
		printf("; removal: %s", rec.removal_url);
	if (rec.transition > 0)
		printf(" (was %s)", rec.old);
	printf("\n");
}

static void
round_done(void *arg)
{
	(void)arg;
}

static int
any_pending(struct cstate *x)
{
	int	k;

	for (k = 0; k < x->nres; k++)
		if (dns_resolver_pending(x->res[k].r) > 0)
			return 1;
	return 0;
}

static int
watch_check(struct cli *c, int json)
{
	struct watch_conf	 wc;
	struct cstate		 x;
	struct watch_round	*r;
	int			 k, rc;

	if (read_conf(c, "watch", &wc) == -1)
		return 2;
	memset(&x, 0, sizeof(x));
	x.wc = &wc;
	x.now = (int64_t)time(NULL);
	if ((x.st = cli_open_store(c, "watch", 0)) == NULL) {
		watch_conf_free(&wc);
		return 2;
	}
	if (make_resolvers(&x) == -1) {
		rc = 2;
		goto out;
	}
	if (json)
		x.pairs = json_array();
	r = watch_round_start(&wc, query, &x, each, round_done, &x);
	while (!watch_round_over(r) && any_pending(&x))
		for (k = 0; k < x.nres; k++)
			if (dns_resolver_pending(x.res[k].r) > 0)
				dns_resolver_wait(x.res[k].r);
	watch_round_free(r);
	if (json) {
		json_t	*o = json_object();

		json_object_set_new(o, "pairs", x.pairs);
		json_object_set_new(o, "listed", json_integer(x.listed));
		json_object_set_new(o, "unusable", json_integer(x.unusable));
		x.pairs = NULL;
		if (cli_json_print(o, 0) == -1)
			x.failed = 1;
	}
	rc = x.failed ? 2 : x.listed > 0 ? 1 : x.unusable > 0 ? 3 : 0;
out:
	for (k = 0; k < x.nres; k++)
		dns_resolver_free(x.res[k].r);
	json_decref(x.pairs);
	store_close(x.st);
	watch_conf_free(&wc);
	return rc;
}

/* --- status --------------------------------------------------------- */

struct sstate {
	const struct watch_conf	*wc;
	json_t			*arr;		/* --json */
	int			 listed;
};

static const struct watch_list *
conf_list(const struct watch_conf *wc, const char *zone)
{
	int	i;

	for (i = 0; wc != NULL && i < wc->nlists; i++)
		if (strcmp(wc->lists[i].zone, zone) == 0)
			return &wc->lists[i];
	return NULL;
}

static int
status_row(const struct store_watch *w, void *arg)
{
	struct sstate		*x = arg;
	const struct watch_list	*l = conf_list(x->wc, w->list);
	char			 since[32], url[WATCH_URL_MAX + 1];
	json_t			*o;
	int			 listed = strcmp(w->state, "listed") == 0;

	x->listed += listed;
	url[0] = '\0';
	if (listed && l != NULL)
		watch_removal_url(l, w->target, url, sizeof(url));
	if (x->arr != NULL) {
		o = json_object();
		json_object_set_new(o, "target", str_json(w->target));
		json_object_set_new(o, "list", str_json(w->list));
		json_object_set_new(o, "state", str_json(w->state));
		json_object_set_new(o, "code", w->code[0] != '\0' ?
		    str_json(w->code) : json_null());
		json_object_set_new(o, "text", w->text[0] != '\0' ?
		    str_json(w->text) : json_null());
		json_object_set_new(o, "since", cli_json_time(w->since));
		json_object_set_new(o, "checked_at",
		    cli_json_time(w->checked_at));
		json_object_set_new(o, "removal_url", url[0] != '\0' ?
		    str_json(url) : json_null());
		json_object_set_new(o, "configured", json_boolean(l != NULL));
		json_array_append_new(x->arr, o);
		return 0;
	}
	printf("%s %s %s since %s", w->target, w->list, w->state,
	    str_isotime(since, sizeof(since), w->since));
	if (w->text[0] != '\0')
		printf(": %s", w->text);
	if (url[0] != '\0')
		printf("; removal: %s", url);
	if (l == NULL)
		printf(" (no longer configured)");
	printf("\n");
	return 0;
}

static int
event_row(const struct store_watch_event *e, void *arg)
{
	json_t	*arr = arg, *o;
	char	 at[32];

	if (arr != NULL) {
		o = json_object();
		json_object_set_new(o, "id", json_integer(e->id));
		json_object_set_new(o, "at", cli_json_time(e->at));
		json_object_set_new(o, "target", str_json(e->target));
		json_object_set_new(o, "list", str_json(e->list));
		json_object_set_new(o, "old", str_json(e->old));
		json_object_set_new(o, "new", str_json(e->new));
		json_object_set_new(o, "code", str_json(e->code));
		json_object_set_new(o, "text", str_json(e->text));
		json_object_set_new(o, "removal_url",
		    str_json(e->removal_url));
		json_object_set_new(o, "notify",
		    json_string(store_watch_notify_name(e->notify)));
		json_array_append_new(arr, o);
		return 0;
	}
	printf("  %s %s %s %s -> %s%s%s [%s]\n", str_isotime(at, sizeof(at),
	    e->at), e->target, e->list, e->old, e->new,
	    e->code != NULL ? " " : "", e->code != NULL ? e->code : "",
	    store_watch_notify_name(e->notify));
	return 0;
}

static int
watch_status(struct cli *c, int json, int nevents)
{
	struct watch_conf	 wc;
	struct sstate		 x;
	struct store		*st;
	json_t			*events = NULL, *o;
	int			 have_conf = 0, rc = 0, r;

	memset(&x, 0, sizeof(x));
	/* The configuration only adds the removal pages: optional. */
	if (c->conf != NULL && conf_find(c->conf->root, "watch") != NULL) {
		if (read_conf(c, "watch", &wc) == -1)
			return 2;
		have_conf = 1;
		x.wc = &wc;
	}
	if ((st = cli_open_store(c, "watch", 1)) == NULL) {
		rc = 2;
		goto out;
	}
	if (json) {
		x.arr = json_array();
		events = json_array();
	}
	r = store_watch_foreach(st, status_row, &x);
	if (r == 0 && nevents > 0 && !json)
		printf("transitions (newest first):\n");
	if (r == 0 && nevents > 0)
		r = store_watch_events(st, 0, nevents, event_row, events);
	if (r == -1) {
		cli_err("watch", "%s", store_errmsg(st));
		rc = 2;
	} else if (json) {
		o = json_object();
		json_object_set_new(o, "pairs", x.arr);
		json_object_set_new(o, "events", events);
		json_object_set_new(o, "listed", json_integer(x.listed));
		x.arr = events = NULL;
		if (cli_json_print(o, 0) == -1)
			rc = 2;
	}
	if (rc == 0)
		rc = x.listed > 0 ? 1 : 0;
	json_decref(x.arr);
	json_decref(events);
	store_close(st);
out:
	if (have_conf)
		watch_conf_free(&wc);
	return rc;
}

int
cmd_watch(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "events", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*e;
	int		 ch, json = 0, nevents = WATCH_EVENTS_SHOWN, check;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage_watch(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "status") == 0)
		check = 0;
	else if (strcmp(argv[1], "check") == 0)
		check = 1;
	else {
		cli_err("watch", "unknown subcommand '%s' (status, check)",
		    argv[1]);
		return 2;
	}
	argc--;
	argv++;
	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			json = 1;
			break;
		case 'e':
			if (check) {
				cli_err("watch", "--events is for watch status");
				return 2;
			}
			nevents = (int)str_tonum(optarg, 0, 100000, &e);
			if (e != NULL) {
				cli_err("watch", "--events %s is %s", optarg,
				    e);
				return 2;
			}
			break;
		case 'h':
			usage_watch(stdout);
			return 0;
		default:
			return cli_opt_err("watch", ch, argv);
		}
	}
	if (optind != argc)
		return cli_operands("watch", argc - optind, NULL);
	return check ? watch_check(c, json) : watch_status(c, json, nevents);
}
