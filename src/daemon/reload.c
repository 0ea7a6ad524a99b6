/*
 * reload.c: the first snapshot and the reload thread.
 *
 * At startup the store is opened (created if needed), the configured zones
 * are written into it and the first snapshot is read from the snapshot
 * cache (<db>.snap) when it records the store's generation, else compiled.
 * The reload thread then polls the store's data_version (a change made by
 * any process, e.g. the CLI) every reload-interval, at the next listing
 * expiry and as soon as inotify says the store's WAL file was written or
 * closed after a write (a commit of another process ends with both),
 * compiles a new snapshot and publishes it; a failed compile keeps
 * the last good snapshot (unlike rbldnsd, which answers SERVFAIL). SIGHUP
 * forces a rebuild; a configuration it replaced is dropped once the
 * rebuild is published, when no DNS reader can still use it.
 */
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/time.h"
#include "core/xmalloc.h"
#include "daemon/daemon_int.h"
#include "list/list.h"
#include "store/store.h"
#include "store/version.h"
#include "xfr/xfr.h"

/*
 * After a WAL write that did not change data_version yet (the commit's
 * frames are written before its fsync and the WAL index update that make
 * it visible), look again this soon, this many times, before waiting the
 * whole reload-interval. The writer's close of the file at its exit (the
 * CLI) wakes the thread once more anyway.
 */
#define RELOAD_RECHECK_MS	5
#define RELOAD_RECHECKS		8

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
 * Save the published snapshot, compiled from store generation gen, to the
 * snapshot cache. Called on the reload thread only (the one publisher), so
 * the current snapshot stays valid throughout, and only when it is idle.
 * A failure costs only the next start's time: a warning, never fatal,
 * logged once (*failing is set) and not again until a save succeeds,
 * which is logged too.
 */
static void
save_snapshot(struct daemon *d, uint64_t gen, int *failing)
{
	int64_t	t0 = time_mono_us();

	if (index_save(dnsbl_server_current(d->srv), gen, d->snap) == -1) {
		if (!*failing)
			log_warn("snapshot cache: cannot write %s (warned "
			    "once, until it can be written again)", d->snap);
		*failing = 1;
		return;
	}
	if (*failing)
		log_info("snapshot cache: %s writable again", d->snap);
	*failing = 0;
	log_debug("snapshot cache: wrote %s in %.1f ms", d->snap,
	    time_ms_since(t0));
}

int
daemon_first_load(struct daemon *d)
{
	const struct daemon_conf *conf = d->conf;
	const struct daemon_ops	*ops = d->ops;
	struct index	*idx = NULL;
	char		 err[256];
	uint64_t	 gen = 0;
	int64_t		 t0;
	int		 eno;

	if ((d->st = store_open(conf->db, STORE_LEAN, err)) == NULL) {
		fprintf(stderr, "fairlist: serve: %s: %s\n", conf->db, err);
		return -1;
	}
	if (ops->sync_zones != NULL &&
	    ops->sync_zones(ops->arg, conf, d->st) == -1)
		return -1;
	t0 = time_mono_us();
	if (conf->snapcache) {
		/* The cache is valid only for the generation it records. */
		xasprintf(&d->snap, "%s.snap", conf->db);
		if (store_generation(d->st, &gen) == -1) {
			log_warnx("snapshot cache: cannot read the store "
			    "generation: %s", store_errmsg(d->st));
			free(d->snap);
			d->snap = NULL;
		} else if ((idx = index_open_saved(d->snap, gen, err,
		    sizeof(err))) != NULL) {
			log_info("loaded %d zones, %zu listings from %s in "
			    "%.1f ms", index_zone_count(idx),
			    index_listings(idx), d->snap, time_ms_since(t0));
		} else if ((eno = errno) == ENOENT)
			log_debug("snapshot cache: %s; compiling", err);
		else if (eno == ESTALE)
			log_info("snapshot cache: %s; compiling", err);
		else
			log_warnx("snapshot cache: %s; compiling", err);
	}
	if (idx == NULL) {
		if ((idx = index_load(d->st, (int64_t)time(NULL))) == NULL) {
			fprintf(stderr, "fairlist: serve: %s: cannot compile "
			    "the index\n", conf->db);
			return -1;
		}
		log_info("loaded %d zones, %zu listings from %s in %.1f ms",
		    index_zone_count(idx), index_listings(idx), conf->db,
		    time_ms_since(t0));
		d->save_pending = d->snap != NULL;
		d->save_gen = gen;
	}
	d->first = idx;
	return 0;
}

/*
 * The IXFR history after a start: for each zone of the current snapshot,
 * the XFR_HISTORY_MAX - 1 serials before its own that the store can read
 * back (store/version.h) are compiled as they were and kept as older
 * versions, so a secondary that held one of them gets a difference, not
 * the whole zone. Runs on the reload thread (off the DNS loop), while
 * the notifier is held: the NOTIFYs of the start go out after it.
 */
static void
seed_history(struct daemon *d)
{
	const struct index	*cur = dnsbl_server_current(d->srv);
	const struct index_zone	*iz;
	struct index		*idx;
	int64_t			 v[XFR_HISTORY_MAX], at, t0;
	size_t			 n, j, kept;
	int			 i;

	if (cur == NULL || !dnsbl_server_xfr_on(d->srv))
		return;
	for (i = 0; i < index_zone_count(cur); i++) {
		if ((iz = index_zone_get(cur, i)) == NULL)
			continue;
		t0 = time_mono_us();
		if (store_zone_versions(d->st, iz->name, iz->serial, v,
		    XFR_HISTORY_MAX - 1, &n) == -1) {
			log_warnx("xfr: zone %s: cannot read its versions: %s",
			    iz->name, store_errmsg(d->st));
			continue;
		}
		for (j = kept = 0; j < n; j++) {
			if ((idx = index_load_version(d->st, iz->name, v[j],
			    &at)) == NULL)
				continue;
			dnsbl_server_xfr_keep_old(d->srv, idx, iz->name, at);
			index_free(idx);
			kept++;
		}
		if (n > 0)
			log_info("xfr: zone %s: %zu of %zu older versions "
			    "read back from the store for IXFR in %.1f ms",
			    iz->name, kept, n, time_ms_since(t0));
	}
}

/*
 * Build each zone of idx (the snapshot just published) whose serial has
 * no transfer version yet, as records for transfers, here on the reload
 * thread: a 1M-entry zone takes seconds, which on the DNS loop (where
 * the notifier would build it) stalled TCP, policy and HTTP. The caller
 * holds the notifier meanwhile, so the NOTIFYs go out once it is ready.
 */
static void
build_for_transfers(struct daemon *d, const struct index *idx)
{
	const struct index_zone	*iz;
	int			 i;

	if (idx == NULL || !dnsbl_server_xfr_on(d->srv))
		return;
	for (i = 0; i < index_zone_count(idx); i++)
		if ((iz = index_zone_get(idx, i)) != NULL)
			dnsbl_server_xfr_keep(d->srv, idx, iz->name);
}

int
daemon_wal_watch(const char *db)
{
	char	*wal;
	int	 fd;

	if ((fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1) {
		log_debug("reload: inotify: %s; polling only", strerror(errno));
		return -1;
	}
	xasprintf(&wal, "%s-wal", db);
	if (inotify_add_watch(fd, wal, IN_MODIFY | IN_CLOSE_WRITE) == -1) {
		log_debug("reload: cannot watch %s: %s; polling only", wal,
		    strerror(errno));
		close(fd);
		fd = -1;
	}
	free(wal);
	return fd;
}

void
daemon_reloader_wake(struct daemon *d)
{
	uint64_t	one = 1;

	/* EAGAIN: the counter is full, the thread wakes anyway. */
	if (d->wake_fd != -1 && write(d->wake_fd, &one, sizeof(one)) == -1 &&
	    errno != EAGAIN)
		log_debug("reload: wake-up: %s", strerror(errno));
}

/*
 * Wait up to ms for a write to the WAL (ifd) or a wake-up (wfd, SIGHUP
 * and stop); either may be -1 (none). Returns 1 when the WAL woke us,
 * else 0. Drains the events: one look at data_version answers for all
 * of them.
 */
static int
wal_wait(int ifd, int wfd, int ms)
{
	struct pollfd	pfd[2];
	char		buf[4096];
	int		woke = 0;

	pfd[0].fd = ifd;
	pfd[1].fd = wfd;
	pfd[0].events = pfd[1].events = POLLIN;
	pfd[0].revents = pfd[1].revents = 0;
	/* poll ignores a negative fd: with neither, a plain sleep. */
	if (poll(pfd, 2, ms) <= 0)
		return 0;
	if (pfd[1].revents != 0)
		(void)!read(wfd, buf, sizeof(uint64_t));
	if (pfd[0].revents != 0)
		while (read(ifd, buf, sizeof(buf)) > 0)
			woke = 1;
	return woke;
}

/*
 * The reload thread: owns d->st after startup. Reads data_version before
 * compiling, so a commit that lands during a compile triggers another.
 */
void *
daemon_reloader(void *arg)
{
	struct daemon	*d = arg;
	int64_t		 seen = 0, v, now, next_exp, t0;
	struct index	*idx;
	struct daemon_conf *retired;
	uint64_t	 gen = 0, save_gen = d->save_gen;
	int		 failing = 0, have_gen, save = d->save_pending;
	int		 save_failing = 0, ifd, recheck = 0, woke, hup, due;
	int		 cur_ok = 0;
	uint64_t	 cur_gen = 0;
	int		 reload_ms = d->reload_ms;
	unsigned	 hup_seq, ready_seq = 0;

	/* Rebuilds yield to the UDP workers when the cores are busy. */
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
	seed_history(d);
	build_for_transfers(d, dnsbl_server_current(d->srv));
	dnsbl_server_xfr_hold(d->srv, 0);
	if (store_data_version(d->st, &seen) == -1)
		seen = -1;
	next_exp = index_next_expiry(dnsbl_server_current(d->srv),
	    (int64_t)time(NULL));
	ifd = d->wal_fd;
	while (!atomic_load(&d->stop)) {
		woke = wal_wait(ifd, d->wake_fd, recheck > 0 ?
		    RELOAD_RECHECK_MS : reload_ms);
		if (woke)
			recheck = RELOAD_RECHECKS;
		else if (recheck > 0)
			recheck--;
		if (atomic_load(&d->stop))
			break;
		if (store_data_version(d->st, &v) == -1) {
			if (!failing++)
				log_warnx("reload: cannot read the store: %s",
				    store_errmsg(d->st));
			continue;
		}
		now = (int64_t)time(NULL);
		hup = atomic_exchange(&d->hup, 0);
		due = next_exp != 0 && now >= next_exp;
		if (v == seen && !hup && !due) {
			/* A write still being committed: not idle yet. */
			if (recheck > 0)
				continue;
			/*
			 * Idle: write the last compile (or the startup one) to
			 * the cache now, so saving never delays a reload and a
			 * burst of changes is saved once.
			 */
			if (save)
				save_snapshot(d, save_gen, &save_failing);
			save = 0;
			continue;
		}
		t0 = time_mono_us();
		/* A compile begun after a SIGHUP ends its RELOADING=1. */
		hup_seq = atomic_load(&d->hup_seq);
		/*
		 * The generation is read before compiling: a change landing
		 * during the compile makes the saved file stale, not wrong.
		 */
		have_gen = store_generation(d->st, &gen) == 0;
		/*
		 * data_version also moves when another connection restarts
		 * the WAL (its first write after a checkpoint), before it
		 * commits anything: the CLI's import did, and the compile it
		 * set off made the import's own change wait for it. Every
		 * change of what a snapshot holds changes the generation (the
		 * snapshot cache relies on it too), so an equal generation
		 * needs no compile.
		 */
		if (v != seen && !hup && !due && !failing && have_gen &&
		    cur_ok && gen == cur_gen) {
			log_debug("reload: the store's data_version moved, its "
			    "generation did not: nothing to compile");
			seen = v;
			continue;
		}
		/* Retired before this compile: unused after its publish. */
		pthread_mutex_lock(&d->retired_mu);
		retired = d->retired;
		d->retired = NULL;
		pthread_mutex_unlock(&d->retired_mu);
		if ((idx = index_load(d->st, now)) == NULL) {
			/* Keep serving the last good snapshot; retry later. */
			if (!failing++)
				log_warnx("reload: compile failed; keeping "
				    "the previous snapshot");
			while (retired != NULL) {
				struct daemon_conf	*c = retired;

				retired = c->retired_next;
				daemon_conf_retire(d, c);
			}
			if (hup_seq != ready_seq)
				daemon_notify_ready(d, "serving the last good "
				    "snapshot (compile failed)");
			ready_seq = hup_seq;
			continue;
		}
		if (failing)
			log_info("reload: store readable again");
		failing = 0;
		seen = v;
		recheck = 0;
		next_exp = index_next_expiry(idx, now);
		log_info("reload: %zu listings compiled in %.1f ms",
		    index_listings(idx), time_ms_since(t0));
		/* The notifier waits for the transfer build (above). */
		dnsbl_server_xfr_hold(d->srv, 1);
		dnsbl_server_publish(d->srv, idx);
		daemon_note_publish(d);
		build_for_transfers(d, idx);
		dnsbl_server_xfr_hold(d->srv, 0);
		if (hup_seq != ready_seq)
			daemon_notify_ready(d, "serving (reloaded)");
		ready_seq = hup_seq;
		daemon_conf_drop_list(retired);
		/* Without its generation, the new snapshot is not saved. */
		save = d->snap != NULL && have_gen;
		save_gen = gen;
		cur_ok = have_gen;
		cur_gen = gen;
	}
	if (ifd != -1)
		close(ifd);
	return NULL;
}
