/*
 * reload.c: the first snapshot and the reload thread.
 *
 * At startup the store is opened (created if needed), the configured zones
 * are written into it and the first snapshot is read from the snapshot
 * cache (<db>.snap) when it records the store's generation, else compiled.
 * The reload thread then polls the store's data_version (a change made by
 * any process, e.g. the CLI) every reload-interval and at the next listing
 * expiry, compiles a new snapshot and publishes it; a failed compile keeps
 * the last good snapshot (unlike rbldnsd, which answers SERVFAIL). SIGHUP
 * forces a rebuild; a configuration it replaced is dropped once the
 * rebuild is published, when no DNS reader can still use it.
 */
#include <sys/resource.h>
#include <sys/syscall.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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
	struct timespec	 nap;
	uint64_t	 gen = 0, save_gen = d->save_gen;
	int		 failing = 0, have_gen, save = d->save_pending;
	int		 save_failing = 0;
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
	nap.tv_sec = reload_ms / 1000;
	nap.tv_nsec = (long)(reload_ms % 1000) * 1000000L;
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
		have_gen = d->snap != NULL &&
		    store_generation(d->st, &gen) == 0;
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
		save = have_gen;
		save_gen = gen;
	}
	return NULL;
}
