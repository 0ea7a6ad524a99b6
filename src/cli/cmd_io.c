/*
 * cmd_io.c: "fairlist import" and "fairlist export": list files in and
 * out of the store.
 *
 * import reads a plain or rbldnsd (ip4set, ip4trie, ip6trie) file with
 * list/import.c's reader and list/format.c's line parser, sorts and
 * dedupes it (list_items_dedupe), then writes every entry in one
 * store transaction with one audit row. Malformed lines are reported as
 * "FILE:LINE: reason" on stderr and skipped; with --strict any of them
 * aborts the import with nothing written. Duplicates (the same prefix twice
 * in the file, or already listed in the zone) are skipped and counted;
 * with --replace the file wins instead. A summary line goes to stdout.
 *
 * export writes the listings in force in one zone as an rbldnsd data file
 * that rbldnsd itself loads, or as a BIND master file (SOA, NS, then A and
 * TXT records per address, expanding only entries of at most
 * LIST_BIND_EXPAND addresses) through list/export.c.
 * docs/IMPORT-EXPORT.md is the manual.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/addr.h"
#include "core/conf.h"
#include "core/log.h"
#include "core/str.h"
#include "core/time.h"
#include "core/xmalloc.h"
#include "dnsbl/dnsbl.h"
#include "dnsbl/server.h"
#include "list/list.h"
#include "store/store.h"
#include "cli/cli.h"

#define IMPORT_PROGRESS_MIN	(1024 * 1024)	/* bytes for a progress bar */
#define IMPORT_PROGRESS_LINES	65536		/* lines between updates */
/*
 * An import whose file holds fewer than 1/IMPORT_PROBE_RATIO of the
 * zone's listings asks the store, per file row, whether that prefix is
 * listed (store_is_listed: one index probe) instead of reading the whole
 * zone: 1,000 rows into a 1M-listing zone read 1M rows to find 1,000.
 * A probe costs several times a row of the scan, hence the margin.
 */
#define IMPORT_PROBE_RATIO	8

/* Zone data copied out of the store: z points at the strings here. */
struct zinfo {
	int			 found;
	const char		*want;
	char			*name, *txt, *url;
	int64_t			 listings;	/* open rows (store_zone) */
	struct index_zone	 z;
};

static int
zone_cb(const struct store_zone *z, void *arg)
{
	struct zinfo	*zi = arg;

	if (strcmp(z->name, zi->want) != 0)
		return 0;
	zi->found = 1;
	zi->name = xstrdup(z->name);
	/* NULL stays NULL: list_txt_expand then does what the server does. */
	zi->txt = z->txt != NULL ? xstrdup(z->txt) : NULL;
	zi->url = z->url != NULL ? xstrdup(z->url) : NULL;
	zi->z.name = zi->name;
	zi->z.txt = zi->txt;
	zi->z.url = zi->url;
	zi->z.code = z->code != 0 ? z->code : STORE_DEFAULT_CODE;
	zi->z.serial = z->serial;
	zi->listings = z->listings;
	return 1;
}

static int
zone_load(struct store *s, const char *name, struct zinfo *zi)
{
	memset(zi, 0, sizeof(*zi));
	zi->want = name;
	if (store_zone_foreach(s, zone_cb, zi) < 0) {
		cli_err(NULL, "%s", store_errmsg(s));
		return -1;
	}
	if (!zi->found) {
		cli_err(NULL, "no zone %s (create it with 'fairlist zone add "
		    "%s')", name, name);
		return -1;
	}
	return 0;
}

static void
zone_free(struct zinfo *zi)
{
	free(zi->name);
	free(zi->txt);
	free(zi->url);
}

static void
progress(const char *what, off_t done, off_t total)
{
	int	pct = total > 0 ? (int)(done * 100 / total) : 0;
	char	bar[41];
	int	i;

	for (i = 0; i < 40; i++)
		bar[i] = i < pct * 40 / 100 ? '#' : '.';
	bar[40] = '\0';
	fprintf(stderr, "\r%s [%s] %3d%%", what, bar, pct);
}

static void
import_usage(FILE *f)
{
	fprintf(f, "usage: fairlist import FILE [--format plain|ip4set|"
	    "ip4trie|ip6trie] [--zone ZONE]\n"
	    "         [--reason TEXT] [--source TEXT] [--expires WHEN] "
	    "[--evidence TEXT]\n"
	    "         [--strict | --keep-going] [--replace] [--sync]\n"
	    "FILE '-' is standard input. Defaults: --format ip4set, --zone "
	    "%s,\n--reason \"imported from FILE\", --source import:FILE, "
	    "--evidence \"FILE line N\".\nSee docs/IMPORT-EXPORT.md.\n",
	    STORE_DEFAULT_ZONE);
}

struct active_ctx {
	const char		*zone;
	struct list_items	*out;
	struct list_strings		*reasons;
};

static int
active_cb(const struct store_listing *l, void *arg)
{
	struct active_ctx	*c = arg;
	struct list_item		*e;

	if (strcmp(l->zone, c->zone) != 0)
		return 0;
	e = list_items_push(c->out);
	e->p = l->prefix;
	e->excl = l->exclude != 0;
	e->code = l->code;
	e->reason = c->reasons != NULL && l->reason != NULL ?
	    list_strings_intern(c->reasons, l->reason) : NULL;
	e->expires = l->expires_at;
	e->listed = l->listed_at;
	return 0;
}

struct sync_ctx {
	struct list_pset		 fset;		/* the file's prefixes */
	struct list_items	 gone;		/* listings to remove */
};

static int
sync_cb(const struct store_listing *l, void *arg)
{
	struct sync_ctx	*c = arg;

	if (list_pset_find(&c->fset, &l->prefix, -1) < 0)
		list_items_push(&c->gone)->p = l->prefix;
	return 0;
}

/*
 * --sync: remove the listings in force in zone whose source is source
 * and whose prefix is not in file. Adds the count to *delisted. Returns 0
 * or -1 (store error).
 */
static int
import_sync(struct store *s, const char *zone, const char *source,
    const struct list_items *file, const char *actor, const char *path,
    size_t *delisted)
{
	const struct list_item	*fbase = file->v;
	struct store_filter	 f;
	struct sync_ctx		 c;
	char			*why;
	size_t			 i;
	int			 cnt, rc;

	memset(&c, 0, sizeof(c));
	c.fset.base = &fbase;
	for (i = 0; i < file->n; i++)
		list_pset_find(&c.fset, &file->v[i].p, (int64_t)i);
	memset(&f, 0, sizeof(f));
	f.zone = zone;
	f.source = source;
	rc = store_foreach_listing(s, &f, sync_cb, &c) < 0 ? -1 : 0;
	xasprintf(&why, "removed by import --sync %s", path);
	for (i = 0; i < c.gone.n && rc == 0; i++)
		if ((rc = store_remove(s, zone, &c.gone.v[i].p, actor, why,
		    &cnt)) == 0)
			*delisted += (size_t)cnt;
	free(why);
	list_pset_free(&c.fset);
	free(c.gone.v);
	return rc;
}

/*
 * Step 2 of an import by probes (IMPORT_PROBE_RATIO): push to *have each
 * file entry whose prefix zone lists at time now, as the scan of the zone
 * would have found it (the rest of the import only asks have which
 * prefixes are listed). One read transaction. Returns 0 or -1 (store
 * error, said on stderr).
 */
static int
import_probe(struct store *s, const char *zone, const struct list_items *file,
    int64_t now, struct list_items *have)
{
	size_t	i;
	int	r = 0;

	if (store_read_begin(s) == -1) {
		cli_err(NULL, "%s", store_errmsg(s));
		return -1;
	}
	for (i = 0; i < file->n && r >= 0; i++)
		if ((r = store_is_listed(s, zone, &file->v[i].p, now)) == 1)
			list_items_push(have)->p = file->v[i].p;
	store_read_end(s);
	if (r < 0) {
		cli_err(NULL, "%s", store_errmsg(s));
		return -1;
	}
	return 0;
}

int
cmd_import(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "zone", required_argument, NULL, 'z' },
		{ "reason", required_argument, NULL, 'r' },
		{ "source", required_argument, NULL, 's' },
		{ "expires", required_argument, NULL, 'e' },
		{ "strict", no_argument, NULL, 'S' },
		{ "replace", no_argument, NULL, 'R' },
		{ "keep-going", no_argument, NULL, 'k' },
		{ "sync", no_argument, NULL, 'y' },
		{ "evidence", required_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char		*zone = STORE_DEFAULT_ZONE, *reason = NULL;
	const char		*source = NULL, *expires_s = NULL, *path, *msg;
	const char		*line, *base, *last_reason = NULL;
	const char		*evidence = NULL;
	int			 fmt = LIST_FMT_IP4SET, strict = 0, replace = 0;
	int			 keep_going = 0, sync = 0;
	int			 ch, rc = 1, show, toolong, n, k, r;
	int64_t			 now = (int64_t)time(NULL), expires = 0;
	struct list_parser	*lp = NULL;
	struct list_entry	 ents[LIST_LINE_ENTRIES];
	struct list_items	 file = { NULL, 0, 0 }, have = { NULL, 0, 0 };
	const struct list_item	*hbase;
	struct list_pset		 hset;
	struct list_strings		 reasons;
	struct list_reader		 rd;
	struct store		*s = NULL;
	struct zinfo		 zi;
	struct stat		 st;
	struct active_ctx	 ac;
	char			 err[STORE_ERR_MAX], actor[CLI_ACTOR_MAX];
	char			*defreason = NULL, *defsource = NULL, *detail;
	char			 esc[128], synced[48] = "";
	size_t			 lineno = 0, malformed = 0, dups = 0, i;
	size_t			 added = 0, replaced = 0, failed = 0, gone = 0;
	size_t			 delisted = 0;
	off_t			 total = 0;
	int64_t			 t0 = time_mono_us();

	memset(&hset, 0, sizeof(hset));
	memset(&reasons, 0, sizeof(reasons));
	memset(&rd, 0, sizeof(rd));
	memset(&zi, 0, sizeof(zi));
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":f:z:r:s:e:h", opts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'f':
			fmt = list_format_parse(optarg);
			if (fmt == -1 || fmt == LIST_FMT_BIND) {
				cli_err("import", "unknown format '%s'",
				    optarg);
				return 2;
			}
			break;
		case 'z':
			zone = optarg;
			break;
		case 'r':
			reason = optarg;
			break;
		case 's':
			source = optarg;
			break;
		case 'e':
			expires_s = optarg;
			break;
		case 'S':
			strict = 1;
			break;
		case 'R':
			replace = 1;
			break;
		case 'k':
			keep_going = 1;
			break;
		case 'y':
			sync = 1;
			break;
		case 'v':
			evidence = optarg;
			break;
		case 'h':
			import_usage(stdout);
			return 0;
		default:
			return cli_opt_err("import", ch, argv);
		}
	}
	if (optind != argc - 1) {
		import_usage(stderr);
		return 2;
	}
	path = argv[optind];
	if (expires_s != NULL && (str_time(expires_s, (time_t)now, 1,
	    &expires) == -1 || expires <= now)) {
		cli_err("import", "bad --expires '%s' (want 7d, +12h or "
		    "2026-12-01)", expires_s);
		return 2;
	}
	base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	if (reason == NULL) {
		xasprintf(&defreason, "imported from %s",
		    strcmp(path, "-") == 0 ? "standard input" : base);
		reason = defreason;
	}
	if (source == NULL) {
		xasprintf(&defsource, "import:%s", base);
		source = defsource;
	}

	if ((s = store_open(c->db, 0, err)) == NULL) {
		cli_err("import", "%s", err);
		goto out;
	}
	if (zone_load(s, zone, &zi) == -1)
		goto out;

	if (strcmp(path, "-") == 0)
		rd.f = stdin;
	else if ((rd.f = fopen(path, "r")) == NULL) {
		cli_err("import", "%s: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fileno(rd.f), &st) == 0 && S_ISREG(st.st_mode))
		total = st.st_size;
	show = isatty(STDERR_FILENO) && total >= IMPORT_PROGRESS_MIN;
	list_reader_init(&rd, rd.f);
	lp = list_parser_new((enum list_format)fmt);

	/* 1. Parse the whole file: nothing is written before it is read. */
	while ((r = list_read_line(&rd, &line, &i, &toolong)) == 1) {
		lineno++;
		if (show && lineno % IMPORT_PROGRESS_LINES == 0)
			progress("reading", rd.consumed, total);
		if (toolong) {
			n = -1;
			msg = "line too long";
		} else
			n = list_parse_line(lp, line, i, ents, &msg);
		if (n < 0) {
			if (show)
				fputc('\n', stderr);
			fprintf(stderr, "%s:%zu: %s\n", path, lineno, msg);
			malformed++;
			continue;
		}
		if (n == 0 && msg != NULL) {
			fprintf(stderr, "%s:%zu: note: %s\n", path, lineno,
			    msg);
			continue;
		}
		for (k = 0; k < n; k++) {
			struct list_item	*e;

			e = list_items_push(&file);
			e->p = ents[k].prefix;
			e->excl = ents[k].exclude != 0;
			e->code = ents[k].code == zi.z.code ? 0 : ents[k].code;
			e->line = (uint32_t)lineno;
			if (ents[k].txt == NULL)
				e->reason = NULL;
			else if (last_reason != NULL &&
			    strcmp(last_reason, ents[k].txt) == 0)
				e->reason = last_reason;
			else
				e->reason = last_reason =
				    list_strings_intern(&reasons, ents[k].txt);
			e->expires = ents[k].expires_at != 0 ?
			    ents[k].expires_at : expires;
		}
	}
	if (show) {
		progress("reading", total, total);
		fputc('\n', stderr);
	}
	if (r == -1) {
		cli_err("import", "%s: %s", path, strerror(errno));
		goto out;
	}
	if ((strict || sync) && malformed > 0) {
		/* --sync: a refused line must not delist what it holds. */
		cli_err("import", "%zu malformed line%s; %s: nothing written",
		    malformed, malformed == 1 ? "" : "s",
		    strict ? "--strict" : "--sync");
		goto out;
	}

	/*
	 * Sort by address, which finds the duplicates within the file and
	 * lets the store's B-tree indexes grow at one end instead of taking
	 * a million random inserts.
	 */
	log_debug("import: parsed %zu lines in %.1f ms", lineno, time_ms_since(t0));
	t0 = time_mono_us();
	dups += list_items_dedupe(&file, replace);
	log_debug("import: %zu entries sorted in %.1f ms", file.n,
	    time_ms_since(t0));
	t0 = time_mono_us();

	/*
	 * 2. What the zone lists already: the whole zone, or for a file much
	 * smaller than the zone, a probe per file entry.
	 */
	if (file.n * IMPORT_PROBE_RATIO < (size_t)zi.listings) {
		if (import_probe(s, zone, &file, now, &have) == -1)
			goto out;
	} else {
		ac.zone = zone;
		ac.out = &have;
		ac.reasons = NULL;
		if (store_foreach_active(s, now, active_cb, &ac) < 0) {
			cli_err(NULL, "%s", store_errmsg(s));
			goto out;
		}
	}
	hbase = have.v;
	hset.base = &hbase;
	for (i = 0; i < have.n; i++)
		list_pset_find(&hset, &have.v[i].p, (int64_t)i);

	log_debug("import: %zu listings of the zone found in %.1f ms (%s)",
	    have.n, time_ms_since(t0), file.n * IMPORT_PROBE_RATIO <
	    (size_t)zi.listings ? "probed per file entry" : "zone read");
	t0 = time_mono_us();

	/* 3. One transaction. */
	cli_actor(actor, sizeof(actor));
	if (store_begin(s) == -1) {
		cli_err(NULL, "%s", store_errmsg(s));
		goto out;
	}
	for (i = 0; i < file.n; i++) {
		const struct list_item	*e = &file.v[i];
		struct store_listing	 l;
		char			 ev[STORE_REASON_MAX + 1];
		int			 cnt;

		if (show && i % IMPORT_PROGRESS_LINES == 0)
			progress("writing", (off_t)i, (off_t)file.n);
		if (!e->excl && e->expires != 0 && e->expires <= now) {
			gone++;		/* "#@expires" in the past */
			continue;
		}
		if (list_pset_find(&hset, &e->p, -1) >= 0) {
			if (!replace) {
				dups++;
				continue;
			}
			if (store_remove(s, zone, &e->p, actor,
			    "replaced by import", &cnt) == -1)
				goto store_fail;
			replaced++;
		}
		memset(&l, 0, sizeof(l));
		l.zone = zone;
		l.prefix = e->p;
		l.exclude = e->excl;
		l.code = e->excl ? 0 : e->code;
		l.reason = e->reason != NULL && !e->excl ? e->reason : reason;
		if (evidence == NULL) {
			snprintf(ev, sizeof(ev), "%s line %u",
			    strcmp(path, "-") == 0 ? "stdin" : base, e->line);
			l.evidence = ev;
		} else
			l.evidence = evidence;
		l.source = source;
		/* One listing time for the whole import: values share. */
		l.listed_at = now;
		l.expires_at = e->excl ? 0 : e->expires;
		if (store_add(s, &l, actor) < 0) {
			if (show)
				fputc('\n', stderr);
			fprintf(stderr, "%s:%u: %s\n", path, e->line,
			    store_errmsg(s));
			failed++;
			if (store_batch_lost(s))
				goto store_fail;
			if (strict || sync)
				goto rollback;
			continue;
		}
		added++;
	}
	if (show) {
		progress("writing", 1, 1);
		fputc('\n', stderr);
	}
	str_escape(esc, sizeof(esc), path, strlen(path));
	if (sync && import_sync(s, zone, source, &file, actor, esc,
	    &delisted) == -1)
		goto store_fail;
	xasprintf(&detail, "import %s format=%s zone=%s added=%zu "
	    "replaced=%zu duplicates=%zu skipped=%zu expired=%zu "
	    "delisted=%zu", esc, list_format_name((enum list_format)fmt),
	    zone, added, replaced, dups, malformed + failed, gone, delisted);
	if (sync)
		snprintf(synced, sizeof(synced), ", %zu delisted", delisted);
	r = store_audit(s, actor, "import", detail);
	free(detail);
	log_debug("import: %zu store_add calls in %.1f ms", file.n,
	    time_ms_since(t0));
	t0 = time_mono_us();
	if (r == -1 || store_commit(s) == -1)
		goto store_fail;
	log_debug("import: commit in %.1f ms", time_ms_since(t0));
	printf("%s: %zu added, %zu replaced, %zu duplicates, %zu skipped "
	    "(%zu malformed, %zu refused by the store), %zu already "
	    "expired%s\n", path, added, replaced, dups, malformed + failed,
	    malformed, failed, gone, synced);
	rc = 0;
	if (malformed + failed > 0 && !keep_going) {
		cli_err("import", "%zu refused (%zu malformed lines, %zu "
		    "entries refused by the store); the rest is written; "
		    "--keep-going exits 0", malformed + failed, malformed,
		    failed);
		rc = 1;
	}
	goto out;

store_fail:
	cli_err("import", "%s", store_errmsg(s));
rollback:
	store_rollback(s);
	cli_err("import", "aborted: nothing written");
out:
	if (rd.f != NULL && rd.f != stdin)
		fclose(rd.f);
	list_reader_free(&rd);
	list_parser_free(lp);
	free(file.v);
	free(have.v);
	list_pset_free(&hset);
	list_strings_free(&reasons);
	zone_free(&zi);
	store_close(s);
	free(defreason);
	free(defsource);
	return rc;
}

/* Export. */

static void
export_usage(FILE *f)
{
	fprintf(f, "usage: fairlist export [--zone ZONE] [--format ip4set|"
	    "ip4trie|ip6trie|bind] [-o FILE]\n"
	    "Defaults: --zone %s, --format ip4set, standard output. See "
	    "docs/IMPORT-EXPORT.md.\n", STORE_DEFAULT_ZONE);
}

int
cmd_export(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "zone", required_argument, NULL, 'z' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char		*zone = STORE_DEFAULT_ZONE, *outpath = NULL;
	int			 fmt = LIST_FMT_IP4SET, ch, rc = 1;
	int64_t			 now = (int64_t)time(NULL);
	struct store		*s = NULL;
	struct zinfo		 zi;
	struct list_items	 all = { NULL, 0, 0 };
	struct list_strings		 reasons;
	struct active_ctx	 ac;
	struct dnsbl_conf	 dc;
	struct dnsbl_server_conf sc;
	uint32_t		 reload_ms = 0;
	int			 snapcache = 0;
	struct list_soa		 soa;
	struct list_export_stats st;
	const char		*bad;
	char			 err[STORE_ERR_MAX], *tmp = NULL;
	FILE			*o = stdout;

	memset(&zi, 0, sizeof(zi));
	memset(&reasons, 0, sizeof(reasons));
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":f:z:o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			if ((fmt = list_format_parse(optarg)) == -1 ||
			    fmt == LIST_FMT_PLAIN) {
				cli_err("export", "unknown format '%s'",
				    optarg);
				return 2;
			}
			break;
		case 'z':
			zone = optarg;
			break;
		case 'o':
			outpath = optarg;
			break;
		case 'h':
			export_usage(stdout);
			return 0;
		default:
			return cli_opt_err("export", ch, argv);
		}
	}
	if (optind != argc) {
		export_usage(stderr);
		return 2;
	}
	if (fmt == LIST_FMT_BIND) {
		/* The SOA and NS records the daemon would serve. */
		dnsbl_conf_defaults(&dc);
		memset(&sc, 0, sizeof(sc));
		if (cli_dns_conf(c->conf, &dc, &sc, &reload_ms, &snapcache) ==
		    -1)
			return 1;
		if (dnsbl_conf_prepare(&dc, &bad) == -1) {
			cli_err("export", "dns: '%s' is not a valid DNS "
			    "name", bad);
			return 1;
		}
		memset(&soa, 0, sizeof(soa));
		soa.ns = dc.ns;
		soa.nns = dc.nns;
		soa.mname = dc.soa_mname;
		soa.rname = dc.soa_rname;
		soa.refresh = dc.soa_refresh;
		soa.retry = dc.soa_retry;
		soa.expire = dc.soa_expire;
		soa.minimum = dc.soa_minimum;
		soa.ttl = dc.ttl;
		soa.ns_ttl = dc.ns_ttl;
	}
	if ((s = store_open(c->db, STORE_RDONLY, err)) == NULL) {
		cli_err("export", "%s", err);
		return 1;
	}
	if (zone_load(s, zone, &zi) == -1)
		goto out;
	ac.zone = zone;
	ac.out = &all;
	ac.reasons = &reasons;
	if (store_foreach_active(s, now, active_cb, &ac) < 0) {
		cli_err(NULL, "%s", store_errmsg(s));
		goto out;
	}
	if (outpath != NULL) {
		/* Write a temporary file and rename it: rbldnsd may reload. */
		xasprintf(&tmp, "%s.tmp%ld", outpath, (long)getpid());
		if ((o = fopen(tmp, "w")) == NULL) {
			cli_err("export", "%s: %s", tmp, strerror(errno));
			goto out;
		}
	}
	list_export(o, (enum list_format)fmt, &zi.z, &soa, all.v, &all.n, now,
	    &st);
	if (fflush(o) == EOF || ferror(o)) {
		cli_err("export", "%s: %s", outpath != NULL ? tmp : "stdout",
		    strerror(errno));
		goto out;
	}
	if (outpath != NULL) {
		if (fclose(o) == EOF || rename(tmp, outpath) == -1) {
			o = NULL;
			cli_err("export", "%s: %s", outpath, strerror(errno));
			goto out;
		}
		o = NULL;
	}
	if (st.other > 0)
		cli_err("export", "%zu %s entr%s of %s not written: %s "
		    "holds %s only", st.other,
		    fmt == LIST_FMT_IP6TRIE ? "IPv4" : "IPv6",
		    st.other == 1 ? "y" : "ies", zone, list_format_name(fmt),
		    fmt == LIST_FMT_IP6TRIE ? "IPv6" : "IPv4");
	if (st.big > 0)
		cli_err("export", "%zu entr%s of more than %d addresses not "
		    "expanded in the BIND file", st.big,
		    st.big == 1 ? "y" : "ies", LIST_BIND_EXPAND);
	if (st.conflicts > 0)
		cli_err("export", "%zu nested entr%s differently in rbldnsd "
		    "ip4set (octet granularity); use --format ip4trie for "
		    "exact answers", st.conflicts,
		    st.conflicts == 1 ? "y answers" : "ies answer");
	rc = 0;
out:
	if (o != NULL && o != stdout) {
		fclose(o);
		unlink(tmp);
	}
	free(tmp);
	free(all.v);
	list_strings_free(&reasons);
	zone_free(&zi);
	store_close(s);
	return rc;
}
