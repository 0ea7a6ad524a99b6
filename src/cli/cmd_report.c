/*
 * cmd_report.c: the reporting subcommands: list, audit and stats.
 *
 * Each opens the store read-only (it works for a user who may only read
 * the store, and writes nothing), runs one store query and prints text or,
 * with --json, one JSON object built with jansson. Errors are one line,
 * "fairlist: CMD: message"; exit codes 0 success, 1 failure, 2 usage.
 * docs/CLI.md is the user's reference.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/addr.h"
#include "core/str.h"
#include "core/xmalloc.h"
#include "store/store.h"
#include "cli/cli.h"

#define REPORT_LIMIT_MAX	1000000000LL	/* --limit, --offset */

/* --limit N / --offset N; -1 after the error line. */
static int64_t
parse_count(const char *cmd, const char *opt, const char *v)
{
	const char	*e;
	int64_t		 n;

	n = str_tonum(v, 0, REPORT_LIMIT_MAX, &e);
	if (e != NULL) {
		cli_err(cmd, "%s %s: not a count (0-%lld)", opt, v,
		    REPORT_LIMIT_MAX);
		return -1;
	}
	return n;
}

/*
 * A point in time for --since and --expires-before: a duration counts
 * back from now for since (sign -1) and forward for expires-before (+1);
 * else a date, a time or @UNIXTIME (str_time). -1 after the error line.
 */
static int
parse_when(const char *cmd, const char *opt, const char *v, int64_t now,
    int sign, int64_t *t)
{
	int64_t	d;

	if (str_duration(v[0] == '+' ? v + 1 : v, &d) == 0) {
		*t = now + sign * d;
		return 0;
	}
	if (str_time(v, (time_t)now, 0, t) == 0)
		return 0;
	cli_err(cmd, "%s %s: not a time (use 7d, 12h, 2026-12-01, "
	    "2026-12-01T10:00Z or @UNIXTIME)", opt, v);
	return -1;
}

/* ---- list ---- */

static int
zone_code(const struct store_zone *z, void *arg)
{
	json_object_set_new(arg, z->name, json_integer(z->code));
	return 0;
}

struct list_out {
	json_t	*arr;		/* --json */
	json_t	*codes;		/* zone name -> its code, for code 0 */
	int64_t	 now;
	int64_t	 n;
	int64_t	 max;		/* rows to print; one more means a next page */
	int	 more;
};

static int
list_row(const struct store_listing *l, void *arg)
{
	struct list_out	*lo = arg;
	char		 net[ADDR_TEXT_MAX], t[32];
	char		 reason[STORE_REASON_MAX * 4 + 1];
	char		 source[STORE_REASON_MAX * 4 + 1];
	const char	*status = cli_listing_status(l, lo->now);

	if (lo->max > 0 && lo->n == lo->max) {
		lo->more = 1;
		return 1;
	}
	lo->n++;
	if (lo->arr != NULL) {
		json_array_append_new(lo->arr, cli_listing_json(l, status,
		    l->code != 0 ? l->code : (uint32_t)json_integer_value(
		    json_object_get(lo->codes, l->zone))));
		return 0;
	}
	/* Text from the store is escaped for the terminal. */
	printf("%lld  %s  %s  %s  expires %s  source %s  reason %s\n",
	    (long long)l->id, addr_format(&l->prefix, net, sizeof(net)),
	    l->zone, status, cli_time_text(l->expires_at, "never", t,
	    sizeof(t)), cli_esc(source, sizeof(source), l->source),
	    cli_esc(reason, sizeof(reason), l->reason));
	return 0;
}

static void
list_usage(FILE *f)
{
	fprintf(f,
	    "usage: fairlist list [--zone ZONE] [--source TEXT] [--reason TEXT]\n"
	    "                     [--expires-before WHEN] [--all]\n"
	    "                     [--limit N] [--offset N] [--json]\n"
	    "The listings in force (with --all also removed and expired "
	    "ones), oldest\nfirst, one per line.\n\n"
	    "  --zone ZONE            only this zone\n"
	    "  --source TEXT          only this source (exact)\n"
	    "  --reason TEXT          reason contains TEXT (ASCII case "
	    "ignored)\n"
	    "  --expires-before WHEN  expiring before WHEN (7d from now, "
	    "2026-12-01, ...)\n"
	    "  --all                  also removed and expired listings\n"
	    "  --limit N              at most N listings (default: all)\n"
	    "  --offset N             skip the first N matches (paging)\n"
	    "  --json                 one JSON object\n"
	    "  --help                 this text\n");
}

int
cmd_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "zone", required_argument, NULL, 'z' },
		{ "source", required_argument, NULL, 's' },
		{ "reason", required_argument, NULL, 'r' },
		{ "expires-before", required_argument, NULL, 'x' },
		{ "all", no_argument, NULL, 'a' },
		{ "limit", required_argument, NULL, 'l' },
		{ "offset", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct store_filter	 f;
	struct list_out		 lo;
	struct store		*s;
	char			 zbuf[STORE_ZONE_MAX + 2];
	json_t			*root;
	int			 ch, json = 0, rc;

	memset(&f, 0, sizeof(f));
	memset(&lo, 0, sizeof(lo));
	lo.now = f.now = (int64_t)time(NULL);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":z:s:r:x:al:o:jh", opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'z':
			if (cli_zone_name("list", optarg, zbuf,
			    sizeof(zbuf)) == -1)
				return 1;
			f.zone = zbuf;
			break;
		case 's': f.source = optarg; break;
		case 'r': f.reason = optarg; break;
		case 'x':
			if (parse_when("list", "--expires-before", optarg,
			    f.now, 1, &f.expires_before) == -1)
				return 1;
			break;
		case 'a': f.all = 1; break;
		case 'l':
			if ((f.limit = parse_count("list", "--limit",
			    optarg)) == -1)
				return 1;
			break;
		case 'o':
			if ((f.offset = parse_count("list", "--offset",
			    optarg)) == -1)
				return 1;
			break;
		case 'j': json = 1; break;
		case 'h':
			list_usage(stdout);
			return 0;
		default:
			return cli_opt_err("list", ch, argv);
		}
	}
	if (cli_operands("list", argc - optind, NULL) != 0)
		return 2;
	if ((s = cli_open_store(c, "list", 1)) == NULL)
		return 1;
	/* One row past the page says whether another page follows. */
	lo.max = f.limit;
	if (f.limit > 0)
		f.limit++;
	if (json)
		lo.arr = json_array();
	lo.codes = json_object();
	rc = store_zone_foreach(s, zone_code, lo.codes);
	if (rc == 0)
		rc = store_foreach_listing(s, &f, list_row, &lo);
	json_decref(lo.codes);
	if (rc == -1) {
		cli_err("list", "%s", store_errmsg(s));
		json_decref(lo.arr);
		store_close(s);
		return 1;
	}
	store_close(s);
	if (json) {
		root = json_object();
		json_object_set_new(root, "listings", lo.arr);
		json_object_set_new(root, "offset", json_integer(f.offset));
		json_object_set_new(root, "next_offset", lo.more ?
		    json_integer(f.offset + lo.n) : json_null());
		return cli_json_print(root, 0) == 0 ? 0 : 1;
	}
	if (lo.more)
		printf("(more: --offset %lld)\n", (long long)(f.offset + lo.n));
	return 0;
}

/* ---- audit ---- */

static int
audit_row(const struct store_audit_row *a, void *arg)
{
	json_t	*arr = arg, *o;
	char	 t[32], actor[STORE_REASON_MAX * 4 + 1];
	char	 detail[STORE_EVIDENCE_MAX * 4 + 1];

	if (arr != NULL) {
		o = json_object();
		json_object_set_new(o, "id", json_integer(a->id));
		json_object_set_new(o, "at", cli_json_time(a->at));
		json_object_set_new(o, "actor", json_string(a->actor));
		json_object_set_new(o, "action", json_string(a->action));
		json_object_set_new(o, "detail", str_json(a->detail));
		json_array_append_new(arr, o);
		return 0;
	}
	printf("%s  %s  %s", cli_time_text(a->at, "-", t, sizeof(t)),
	    cli_esc(actor, sizeof(actor), a->actor), a->action);
	if (a->detail != NULL)
		printf(": %s", cli_esc(detail, sizeof(detail), a->detail));
	printf("\n");
	return 0;
}

static void
audit_usage(FILE *f)
{
	fprintf(f,
	    "usage: fairlist audit [--since WHEN] [--limit N] [--json]\n"
	    "The audit log, oldest first: every change with its time and "
	    "actor.\n\n"
	    "  --since WHEN   from WHEN on: 7d (ago), 12h, 2026-12-01, "
	    "@UNIXTIME\n"
	    "  --limit N      only the newest N rows\n"
	    "  --json         one JSON object\n"
	    "  --help         this text\n");
}

int
cmd_audit(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct store	*s;
	json_t		*arr = NULL, *root;
	int64_t		 since = 0, limit = 0, now = (int64_t)time(NULL);
	int		 ch, json = 0;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":s:l:jh", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			if (parse_when("audit", "--since", optarg, now, -1,
			    &since) == -1)
				return 1;
			break;
		case 'l':
			if ((limit = parse_count("audit", "--limit",
			    optarg)) == -1)
				return 1;
			break;
		case 'j': json = 1; break;
		case 'h':
			audit_usage(stdout);
			return 0;
		default:
			return cli_opt_err("audit", ch, argv);
		}
	}
	if (cli_operands("audit", argc - optind, NULL) != 0)
		return 2;
	if ((s = cli_open_store(c, "audit", 1)) == NULL)
		return 1;
	if (json)
		arr = json_array();
	if (store_foreach_audit(s, since, limit, audit_row, arr) != 0) {
		cli_err("audit", "%s", store_errmsg(s));
		json_decref(arr);
		store_close(s);
		return 1;
	}
	store_close(s);
	if (!json)
		return 0;
	root = json_object();
	json_object_set_new(root, "since", cli_json_time(since));
	json_object_set_new(root, "audit", arr);
	return cli_json_print(root, 0) == 0 ? 0 : 1;
}

/* ---- stats ---- */

struct zstat {
	char		*name;
	int64_t		 listings, ranges, exclusions, expiring;
	json_t		*sources;	/* array of objects */
};

struct stats {
	struct zstat	*z;
	size_t		 n;
};

static int
stats_zone(const struct store_zone *z, void *arg)
{
	struct stats	*st = arg;

	st->z = xreallocarray(st->z, st->n + 1, sizeof(*st->z));
	memset(&st->z[st->n], 0, sizeof(st->z[0]));
	st->z[st->n].name = xstrdup(z->name);
	st->z[st->n++].sources = json_array();
	return 0;
}

static int
stats_row(const struct store_stat *t, void *arg)
{
	struct stats	*st = arg;
	struct zstat	*z = NULL;
	json_t		*o;
	size_t		 i;

	for (i = 0; i < st->n && z == NULL; i++)
		if (strcmp(st->z[i].name, t->zone) == 0)
			z = &st->z[i];
	if (z == NULL)
		return 0;	/* a zone added since the zone scan */
	z->listings += t->listings;
	z->ranges += t->ranges;
	z->exclusions += t->exclusions;
	z->expiring += t->expiring;
	o = json_object();
	json_object_set_new(o, "source", json_string(t->source));
	json_object_set_new(o, "listings", json_integer(t->listings));
	json_object_set_new(o, "ranges", json_integer(t->ranges));
	json_object_set_new(o, "exclusions", json_integer(t->exclusions));
	json_object_set_new(o, "expiring_24h", json_integer(t->expiring));
	json_array_append_new(z->sources, o);
	return 0;
}

static void
stats_text(const struct stats *st)
{
	char	 buf[STORE_REASON_MAX * 4 + 1];
	size_t	 i, j;
	json_t	*o;

	for (i = 0; i < st->n; i++) {
		const struct zstat	*z = &st->z[i];

		printf("%s: listings %lld  ranges %lld  exclusions %lld  "
		    "expiring-24h %lld\n", z->name,
		    (long long)z->listings, (long long)z->ranges,
		    (long long)z->exclusions, (long long)z->expiring);
		json_array_foreach(z->sources, j, o) {
			const char	*src = json_string_value(
			    json_object_get(o, "source"));

			printf("  source %s: listings %lld  ranges %lld  "
			    "exclusions %lld  expiring-24h %lld\n",
			    cli_esc(buf, sizeof(buf), src),
			    (long long)json_integer_value(json_object_get(o,
			    "listings")),
			    (long long)json_integer_value(json_object_get(o,
			    "ranges")),
			    (long long)json_integer_value(json_object_get(o,
			    "exclusions")),
			    (long long)json_integer_value(json_object_get(o,
			    "expiring_24h")));
		}
	}
}

static json_t *
stats_json(const struct stats *st)
{
	json_t	*root = json_object(), *arr = json_array(), *o;
	size_t	 i;

	for (i = 0; i < st->n; i++) {
		o = json_object();
		json_object_set_new(o, "zone", json_string(st->z[i].name));
		json_object_set_new(o, "listings",
		    json_integer(st->z[i].listings));
		json_object_set_new(o, "ranges", json_integer(st->z[i].ranges));
		json_object_set_new(o, "exclusions",
		    json_integer(st->z[i].exclusions));
		json_object_set_new(o, "expiring_24h",
		    json_integer(st->z[i].expiring));
		json_object_set_new(o, "sources",
		    json_incref(st->z[i].sources));
		json_array_append_new(arr, o);
	}
	json_object_set_new(root, "zones", arr);
	return root;
}

int
cmd_stats(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct stats	 st = { NULL, 0 };
	struct store	*s;
	size_t		 i;
	int		 ch, json = 0, rc = 0;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":jh", opts, NULL)) != -1) {
		switch (ch) {
		case 'j': json = 1; break;
		case 'h':
			printf("usage: fairlist stats [--json]\n"
			    "Per zone: listings in force by source, how many "
			    "are ranges or\nexclusions, and how many expire "
			    "within 24 hours.\n");
			return 0;
		default:
			return cli_opt_err("stats", ch, argv);
		}
	}
	if (cli_operands("stats", argc - optind, NULL) != 0)
		return 2;
	if ((s = cli_open_store(c, "stats", 1)) == NULL)
		return 1;
	if (store_zone_foreach(s, stats_zone, &st) != 0 ||
	    store_foreach_stat(s, 0, stats_row, &st) != 0) {
		cli_err("stats", "%s", store_errmsg(s));
		rc = 1;
	}
	store_close(s);
	if (rc == 0 && json)
		rc = cli_json_print(stats_json(&st), 0) == 0 ? 0 : 1;
	else if (rc == 0)
		stats_text(&st);
	for (i = 0; i < st.n; i++) {
		free(st.z[i].name);
		json_decref(st.z[i].sources);
	}
	free(st.z);
	return rc;
}
