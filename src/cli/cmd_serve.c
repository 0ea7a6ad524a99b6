/*
 * cmd_serve.c: `fairlist serve`, the daemon.
 *
 * Startup: read the configuration (or run on the embedded defaults), open
 * the store (creating it if needed), write the configured zones into it,
 * compile the first index snapshot, bind every socket, drop privileges if
 * `user` is set, then serve. A reload thread polls the store's
 * data_version (a change made by any process, e.g. the CLI) every
 * reload-interval and at the next listing expiry, compiles a new snapshot
 * and publishes it; a failed compile keeps the last good snapshot (unlike
 * rbldnsd, which answers SERVFAIL). SIGHUP forces a rebuild; SIGINT and
 * SIGTERM stop the daemon.
 *
 * The policy server (Postfix policy delegation, src/policy) runs on the
 * same loop, judging with the snapshot the DNS server publishes. It is on
 * by default (127.0.0.1:10040): without a `policy` block or
 * --policy-listen, a failure to bind or start it is a warning and serve
 * goes on without it; once configured, a failure is fatal.
 *
 * Logs one line at startup (zones, listings, load time, addresses), one
 * per rebuild, and every failure with its reason.
 */
#include <sys/resource.h>
#include <sys/syscall.h>

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "cli.h"
#include "core/conf.h"
#include "core/log.h"
#include "core/str.h"
#include "core/xmalloc.h"
#include "dnsbl/dnsbl.h"
#include "dnsbl/server.h"
#include "list/list.h"
#include "policy/policy.h"
#include "store/store.h"

#define SERVE_RELOAD_MS		200	/* default store poll interval */
#define SERVE_DEFAULT_LISTEN	"127.0.0.1:5300"
#define SERVE_NOFILE_CAP	65536	/* soft descriptor limit we ask for */
#define SERVE_NOFILE_SPARE	64	/* store, UDP, c-ares, logs, ... */

struct daemon {
	struct store		*st;
	struct dnsbl_server	*srv;
	struct event_base	*base;
	int			 reload_ms;
	atomic_int		 stop;
	atomic_int		 hup;
	pthread_t		 reloader;
	char			*snap;		/* <db>.snap, NULL: no cache */
	int			 save_pending;	/* startup compile not saved */
	uint64_t		 save_gen;	/* its store generation */
	struct policy_conf	 pc;		/* the policy { } block */
	int			 have_pc;
	struct policy_server	*psrv;		/* NULL: no policy server */
	struct policy_engine	*peng;
};

static double
ms_since(const struct timespec *t0)
{
	struct timespec	t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/*
 * Save the published snapshot, compiled from store generation gen, to the
 * snapshot cache. Called on the reload thread only (the one publisher), so
 * the current snapshot stays valid throughout, and only when it is idle.
 * A failure costs only the next start's time: a warning, never fatal.
 */
static void
save_snapshot(struct daemon *d, uint64_t gen)
{
	struct timespec	t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (index_save(dnsbl_server_current(d->srv), gen, d->snap) == -1)
		log_warn("snapshot cache: cannot write %s", d->snap);
	else
		log_debug("snapshot cache: wrote %s in %.1f ms", d->snap,
		    ms_since(&t0));
}

static size_t
index_listings(const struct index *idx)
{
	size_t	n = 0;
	int	z;

	for (z = 0; z < index_zone_count(idx); z++)
		n += index_zone_size(idx, z);
	return n;
}

/*
 * The reload thread: owns d->st after startup. Reads data_version before
 * compiling, so a commit that lands during a compile triggers another.
 */
static void *
reloader(void *arg)
{
	struct daemon	*d = arg;
	int64_t		 seen = 0, v, now, next_exp;
	struct index	*idx;
	struct timespec	 t0, nap;
	uint64_t	 gen = 0, save_gen = d->save_gen;
	int		 failing = 0, have_gen, save = d->save_pending;

	/* Rebuilds yield to the UDP workers when the cores are busy. */
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
	if (store_data_version(d->st, &seen) == -1)
		seen = -1;
	next_exp = index_next_expiry(dnsbl_server_current(d->srv),
	    (int64_t)time(NULL));
	nap.tv_sec = d->reload_ms / 1000;
	nap.tv_nsec = (long)(d->reload_ms % 1000) * 1000000L;
	while (!atomic_load(&d->stop)) {
		nanosleep(&nap, NULL);
		if (atomic_load(&d->stop))
			break;
		if (store_data_version(d->st, &v) == -1) {
			if (!failing++)
				log_warnx("reload: cannot read the store: %s",
				    store_errmsg(d->st));
			continue;
		}
		now = (int64_t)time(NULL);
		if (v == seen && !atomic_exchange(&d->hup, 0) &&
		    (next_exp == 0 || now < next_exp)) {
			/*
			 * Idle: write the last compile (or the startup one) to
			 * the cache now, so its fsync never delays a reload
			 * and a burst of changes is saved once.
			 */
			if (save)
				save_snapshot(d, save_gen);
			save = 0;
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &t0);
		/*
		 * The generation is read before compiling: a change landing
		 * during the compile makes the saved file stale, not wrong.
		 */
		have_gen = d->snap != NULL &&
		    store_generation(d->st, &gen) == 0;
		if ((idx = index_load(d->st, now)) == NULL) {
			/* Keep serving the last good snapshot; retry later. */
			if (!failing++)
				log_warnx("reload: compile failed; keeping "
				    "the previous snapshot");
			continue;
		}
		if (failing)
			log_info("reload: store readable again");
		failing = 0;
		seen = v;
		next_exp = index_next_expiry(idx, now);
		log_info("reload: %zu listings compiled in %.1f ms",
		    index_listings(idx), ms_since(&t0));
		dnsbl_server_publish(d->srv, idx);
		/* Without its generation, the new snapshot is not saved. */
		save = have_gen;
		save_gen = gen;
	}
	return NULL;
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct daemon	*d = arg;

	(void)what;
	if (sig == SIGHUP) {
		log_info("SIGHUP: rebuilding the index");
		atomic_store(&d->hup, 1);
		return;
	}
	log_info("signal %d: stopping", (int)sig);
	event_base_loopbreak(d->base);
}

static int
drop_privileges(const char *user)
{
	struct passwd	*pw;

	if ((pw = getpwnam(user)) == NULL) {
		fprintf(stderr, "fairlist: user '%s' does not exist\n", user);
		return -1;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1) {
		fprintf(stderr, "fairlist: cannot become %s: %s\n", user,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Every policy client and every DNS TCP client holds a descriptor, and
 * the usual soft limit (1024) is below the default policy { clients 1000 }
 * plus the DNS TCP clients: raise the soft limit to the hard one, capped
 * at SERVE_NOFILE_CAP unless more is needed. Past the limit accept() fails
 * with EMFILE and the servers pause; that is survivable, so a limit still
 * too low is a warning, not an error.
 */
static void
raise_nofile(int policy_clients, int tcp_clients)
{
	struct rlimit	rl;
	rlim_t		want, need;
	char		hard[32];

	need = (rlim_t)policy_clients + (rlim_t)tcp_clients +
	    SERVE_NOFILE_SPARE;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		log_warn("getrlimit RLIMIT_NOFILE");
		return;
	}
	want = need > SERVE_NOFILE_CAP ? need : SERVE_NOFILE_CAP;
	if (rl.rlim_max != RLIM_INFINITY && want > rl.rlim_max)
		want = rl.rlim_max;
	/* Never lower a limit someone set higher on purpose. */
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want)
		want = rl.rlim_cur;
	else {
		rl.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
			log_warn("setrlimit RLIMIT_NOFILE %llu",
			    (unsigned long long)want);
			if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
				return;
			want = rl.rlim_cur;
		}
	}
	if (rl.rlim_max == RLIM_INFINITY)
		snprintf(hard, sizeof(hard), "unlimited");
	else
		snprintf(hard, sizeof(hard), "%llu",
		    (unsigned long long)rl.rlim_max);
	if (want == RLIM_INFINITY)
		log_debug("descriptors: no limit");
	else
		log_debug("descriptors: soft limit %llu (hard %s), %llu "
		    "needed", (unsigned long long)want, hard,
		    (unsigned long long)need);
	if (want != RLIM_INFINITY && want < need)
		log_warnx("descriptor limit %llu is below the %llu needed by "
		    "%d policy clients, %d DNS TCP clients and %d spare: "
		    "connections past it wait; raise the hard limit (ulimit "
		    "-Hn, systemd LimitNOFILE=)", (unsigned long long)want,
		    (unsigned long long)need, policy_clients, tcp_clients,
		    SERVE_NOFILE_SPARE);
}

/* The policy server reads the DNS server's snapshot on the loop thread. */
static const struct index *
policy_idx_acquire(void *arg)
{
	return dnsbl_server_loop_acquire(arg);
}

static void
policy_idx_release(void *arg)
{
	dnsbl_server_loop_release(arg);
}

/*
 * Read the policy block and apply the --policy-listen addresses (they
 * replace the configured ones; "off" disables the server).
 */
static int
read_policy_conf(struct cli *c, struct daemon *d, char **plisten,
    int nplisten)
{
	struct conf_node	*node = NULL;
	char			 err[512];
	int			 i;

	if (c->conf != NULL)
		node = conf_find(c->conf->root, "policy");
	if (policy_conf_read(c->conf, node, &d->pc, err, sizeof(err)) == -1) {
		fprintf(stderr, "fairlist: %s\n", err);
		return -1;
	}
	d->have_pc = 1;
	if (nplisten == 0)
		return 0;
	for (i = 0; i < d->pc.nlisten; i++) {
		free(d->pc.listen[i]);
		d->pc.listen[i] = NULL;
	}
	d->pc.nlisten = 0;
	for (i = 0; i < nplisten; i++) {
		if (strcmp(plisten[i], "off") == 0) {
			if (nplisten != 1) {
				fprintf(stderr, "fairlist: serve: "
				    "--policy-listen off cannot be combined "
				    "with addresses\n");
				return -1;
			}
			break;
		}
		d->pc.listen[d->pc.nlisten++] = xstrdup(plisten[i]);
	}
	return 0;
}

/*
 * Start the policy engine and server on d->base. Without an explicit
 * policy configuration, a failure turns the server off with a warning.
 */
static int
start_policy(struct daemon *d, int explicit)
{
	struct policy_index_src	 src;
	char			 err[512];

	if (d->psrv == NULL)
		return 0;
	if ((d->peng = policy_engine_new(&d->pc, d->base, err,
	    sizeof(err))) == NULL) {
		if (explicit) {
			fprintf(stderr, "fairlist: policy: %s\n", err);
			return -1;
		}
		log_warnx("policy: %s; the policy server is off", err);
		policy_server_free(d->psrv);
		d->psrv = NULL;
		return 0;
	}
	src.acquire = policy_idx_acquire;
	src.release = policy_idx_release;
	src.arg = d->srv;
	return policy_server_start(d->psrv, d->base, d->peng, &src);
}

static void
serve_usage(FILE *f)
{
	fprintf(f,
"usage: fairlist [--db PATH] [--config FILE] serve [--listen ADDR[:PORT]]...\n"
"                [--policy-listen ADDR:PORT|unix:PATH|off]... [--workers N]\n"
"\n"
"Run the daemon in the foreground: a DNSBL server (RFC 5782, UDP and TCP)\n"
"answering from the store, and the Postfix policy server (the gatekeeper).\n"
"Changes made to the store by any process are\n"
"served within a second; SIGHUP forces a rebuild, SIGTERM stops.\n"
"\n"
"  --listen ADDR[:PORT]  listen address (repeatable; replaces the config's;\n"
"                        default " SERVE_DEFAULT_LISTEN ")\n"
"  --policy-listen ADDR  policy server address, ADDR:PORT, [V6]:PORT or\n"
"                        unix:PATH (repeatable; replaces the config's;\n"
"                        default " POLICY_DEFAULT_LISTEN "; off: none)\n"
"  --workers N           UDP worker threads per address (0 = cores - 1)\n"
"\n"
"Configuration keys: docs/CONFIG.md. Store: --db (default %s).\n",
	    CLI_DEFAULT_DB);
}

int
cmd_serve(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "workers", required_argument, NULL, 'w' },
		{ "policy-listen", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const top_keys[] = { "db", "user", "dns", "zone",
	    "policy", "http", "spf", "dkim", NULL };
	struct daemon		 d;
	struct dnsbl_conf	 dc;
	struct dnsbl_server_conf sc, cli_sc;
	struct index		*idx;
	struct event		*sigs[3];
	struct timespec		 t0;
	const char		*user = NULL, *e;
	char			 err[256];
	int			 ch, workers = -1, rc = 1, i, pexplicit;
	int			 snapcache = 1, eno, nplisten = 0;
	char			*plisten[8];
	uint64_t		 gen = 0;
	uint32_t		 reload_ms = SERVE_RELOAD_MS;
	const int		 signos[3] = { SIGINT, SIGTERM, SIGHUP };

	memset(&d, 0, sizeof(d));
	memset(&sc, 0, sizeof(sc));
	memset(&cli_sc, 0, sizeof(cli_sc));
	while ((ch = getopt_long(argc, argv, "l:w:p:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			if (nplisten >= 8) {
				fprintf(stderr, "fairlist: serve: at most 8 "
				    "--policy-listen addresses\n");
				return 2;
			}
			plisten[nplisten++] = optarg;
			break;
		case 'l':
			if (cli_sc.nlisten >= DNSBL_LISTEN_MAX ||
			    dnsbl_parse_listen(optarg,
			    &cli_sc.listen[cli_sc.nlisten],
			    &cli_sc.listen_len[cli_sc.nlisten]) == -1) {
				fprintf(stderr, "fairlist: serve: bad listen "
				    "address '%s' (want ADDR[:PORT])\n",
				    optarg);
				return 2;
			}
			cli_sc.nlisten++;
			break;
		case 'w':
			workers = (int)str_tonum(optarg, 0, DNSBL_WORKERS_MAX,
			    &e);
			if (e != NULL) {
				fprintf(stderr, "fairlist: serve: --workers "
				    "%s is %s\n", optarg, e);
				return 2;
			}
			break;
		case 'h':
			serve_usage(stdout);
			return 0;
		default:
			serve_usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		serve_usage(stderr);
		return 2;
	}

	dnsbl_conf_defaults(&dc);
	if (c->conf != NULL) {
		if (conf_check_keys(c->conf, c->conf->root, top_keys, err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "fairlist: %s\n", err);
			return 1;
		}
		user = conf_get(c->conf->root, "user");
	}
	if (cli_dns_conf(c->conf, &dc, &sc, &reload_ms, &snapcache) == -1)
		return 1;
	if (dnsbl_conf_prepare(&dc, &e) == -1) {
		fprintf(stderr, "fairlist: dns: '%s' is not a valid DNS name\n",
		    e);
		return 1;
	}
	if (read_policy_conf(c, &d, plisten, nplisten) == -1)
		goto out;
	pexplicit = nplisten > 0 || (c->conf != NULL &&
	    conf_find(c->conf->root, "policy") != NULL);
	if (cli_sc.nlisten > 0) {
		memcpy(sc.listen, cli_sc.listen, sizeof(sc.listen));
		memcpy(sc.listen_len, cli_sc.listen_len, sizeof(sc.listen_len));
		sc.nlisten = cli_sc.nlisten;
	}
	if (sc.nlisten == 0) {
		dnsbl_parse_listen(SERVE_DEFAULT_LISTEN, &sc.listen[0],
		    &sc.listen_len[0]);
		sc.nlisten = 1;
	}
	if (workers >= 0)
		sc.workers = workers;
	if (reload_ms < 10)
		reload_ms = 10;
	sc.dns = &dc;
	d.reload_ms = (int)reload_ms;
	/* Before binding: the listeners' descriptors count too. */
	raise_nofile(d.pc.nlisten > 0 ? d.pc.clients : 0,
	    sc.tcp_clients > 0 ? sc.tcp_clients : DNSBL_TCP_CLIENTS);

	if ((d.st = store_open(c->db, STORE_LEAN, err)) == NULL) {
		fprintf(stderr, "fairlist: %s: %s\n", c->db, err);
		goto out;
	}
	if (cli_sync_zones(c, d.st) == -1)
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	idx = NULL;
	if (snapcache) {
		/* The cache is valid only for the generation it records. */
		xasprintf(&d.snap, "%s.snap", c->db);
		if (store_generation(d.st, &gen) == -1) {
			log_warnx("snapshot cache: cannot read the store "
			    "generation: %s", store_errmsg(d.st));
			free(d.snap);
			d.snap = NULL;
		} else if ((idx = index_open_saved(d.snap, gen, err,
		    sizeof(err))) != NULL) {
			log_info("loaded %d zones, %zu listings from %s in "
			    "%.1f ms", index_zone_count(idx),
			    index_listings(idx), d.snap, ms_since(&t0));
		} else if ((eno = errno) == ENOENT)
			log_debug("snapshot cache: %s; compiling", err);
		else if (eno == ESTALE)
			log_info("snapshot cache: %s; compiling", err);
		else
			log_warnx("snapshot cache: %s; compiling", err);
	}
	if (idx == NULL) {
		if ((idx = index_load(d.st, (int64_t)time(NULL))) == NULL) {
			fprintf(stderr, "fairlist: %s: cannot compile the "
			    "index\n", c->db);
			goto out;
		}
		log_info("loaded %d zones, %zu listings from %s in %.1f ms",
		    index_zone_count(idx), index_listings(idx), c->db,
		    ms_since(&t0));
		d.save_pending = d.snap != NULL;
		d.save_gen = gen;
	}
	if ((d.srv = dnsbl_server_new(&sc, err)) == NULL) {
		fprintf(stderr, "fairlist: dns: %s\n", err);
		index_free(idx);
		goto out;
	}
	dnsbl_server_publish(d.srv, idx);
	if (d.pc.nlisten > 0 && (d.psrv = policy_server_new(&d.pc, err,
	    sizeof(err))) == NULL) {
		if (pexplicit) {
			fprintf(stderr, "fairlist: %s\n", err);
			goto out;
		}
		log_warnx("%s; the policy server is off (configure "
		    "policy { listen ... })", err);
	}
	if (user != NULL && drop_privileges(user) == -1)
		goto out;
	if (user == NULL && geteuid() == 0)
		log_warnx("running as root: set 'user' in the configuration "
		    "to drop privileges after binding");
	if ((d.base = event_base_new()) == NULL) {
		fprintf(stderr, "fairlist: event_base_new failed\n");
		goto out;
	}
	for (i = 0; i < 3; i++) {
		sigs[i] = evsignal_new(d.base, signos[i], on_signal, &d);
		event_add(sigs[i], NULL);
	}
	signal(SIGPIPE, SIG_IGN);
	if (dnsbl_server_start(d.srv, d.base) == -1)
		goto out;
	if (start_policy(&d, pexplicit) == -1)
		goto out;
	if ((rc = pthread_create(&d.reloader, NULL, reloader, &d)) != 0) {
		errno = rc;
		log_warn("pthread_create");
		rc = 1;
		goto out;
	}
	event_base_dispatch(d.base);
	atomic_store(&d.stop, 1);
	pthread_join(d.reloader, NULL);
	for (i = 0; i < 3; i++)
		event_free(sigs[i]);
	rc = 0;
out:
	/* The server first: it cancels its evaluations in the engine. */
	policy_server_free(d.psrv);
	if (d.peng != NULL)
		policy_engine_free(d.peng);
	if (d.have_pc)
		policy_conf_free(&d.pc);
	dnsbl_server_free(d.srv);
	if (d.base != NULL)
		event_base_free(d.base);
	store_close(d.st);
	free(d.snap);
	return rc;
}
