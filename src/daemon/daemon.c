/*
 * daemon.c: daemon_run, the services table and the signals.
 *
 * Startup: open the store and publish the first snapshot (reload.c), bind
 * every service's sockets, drop privileges if `user` is set, start every
 * service on the libevent loop and the reload thread, then serve. SIGHUP
 * reads the configuration file again, gives it to every service's reload
 * hook, writes its zones into the store and forces a rebuild of the index;
 * SIGINT and SIGTERM stop the daemon.
 *
 * Logs one line at startup (zones, listings, load time), one per rebuild,
 * one per SIGHUP and per setting it could not apply, and every failure
 * with its reason.
 */
#include <sys/eventfd.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "core/log.h"
#include "core/time.h"
#include "daemon/daemon_int.h"
#include "list/list.h"
#include "store/store.h"

/*
 * Start order; stopped in reverse. The policy server reads the DNS one's
 * snapshot; the milter uses the policy service's engine; the control
 * socket reports on every service before it.
 */
const struct daemon_service *const daemon_services[] = {
	&daemon_dns_service,
	&daemon_policy_service,
	&daemon_web_service,
	&daemon_milter_service,
	&daemon_watch_service,
	&daemon_traps_service,
	&daemon_control_service,
};
#define NSERVICES	(sizeof(daemon_services) / sizeof(daemon_services[0]))
const size_t daemon_nservices = NSERVICES;

static const int signos[] = { SIGINT, SIGTERM, SIGHUP };
#define NSIGNALS	(sizeof(signos) / sizeof(signos[0]))

/*
 * SIGHUP with a configuration file: read it again and give it to every
 * service; what needs new sockets keeps its running value. A bad file, or
 * a service that cannot take the new configuration, keeps the running
 * one. Then the zones go to the store, through a connection of our own
 * (the reload thread owns d->st), and the caller forces a rebuild.
 */
static void
reload_conf(struct daemon *d)
{
	struct daemon_conf	*nc, *run = d->conf;
	struct store		*st;
	char			 err[256];
	size_t			 i, j;

	if (d->ops->reread == NULL) {
		log_info("SIGHUP: no configuration file; rebuilding the index");
		return;
	}
	log_info("SIGHUP: reading the configuration again");
	if ((nc = d->ops->reread(d->ops->arg)) == NULL) {
		log_warnx("SIGHUP: the configuration has errors (above); the "
		    "running one stays");
		return;
	}
	atomic_init(&nc->refs, 1);
	daemon_conf_keep_restart(run, nc);
	for (i = 0; i < NSERVICES; i++)
		if (daemon_services[i]->reload != NULL &&
		    daemon_services[i]->reload(d, nc) == -1)
			break;
	if (i < NSERVICES) {
		log_warnx("SIGHUP: %s cannot take the new configuration; the "
		    "running one stays", daemon_services[i]->name);
		for (j = 0; j < i; j++)
			if (daemon_services[j]->reload != NULL)
				(void)daemon_services[j]->reload(d, run);
		/* The DNS readers may have seen it: retired, not freed. */
		daemon_conf_retire(d, nc);
		return;
	}
	d->conf = nc;
	daemon_conf_retire(d, run);
	if (d->ops->sync_zones == NULL)
		return;
	if ((st = store_open(nc->db, STORE_LEAN, err)) == NULL) {
		log_warnx("SIGHUP: %s: %s; zones not written", nc->db, err);
		return;
	}
	if (d->ops->sync_zones(d->ops->arg, nc, st) == -1)
		log_warnx("SIGHUP: zones not all written (above)");
	store_close(st);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct daemon	*d = arg;

	(void)what;
	if (sig == SIGHUP) {
		daemon_notify_reloading();
		reload_conf(d);
		/* The reload thread says READY=1 after this rebuild. */
		atomic_fetch_add(&d->hup_seq, 1);
		atomic_store(&d->hup, 1);
		daemon_reloader_wake(d);
		return;
	}
	log_info("signal %d: stopping", (int)sig);
	daemon_notify_stopping();
	event_base_loopbreak(d->base);
}

int
daemon_run(struct daemon_conf *conf, const struct daemon_ops *ops)
{
	struct daemon	 d;
	struct event	*sigs[NSIGNALS];
	size_t		 i, nbound = 0, nsigs = 0;
	int		 rc = 1, e;

	memset(&d, 0, sizeof(d));
	atomic_init(&conf->refs, 1);
	d.conf = conf;
	d.ops = ops;
	pthread_mutex_init(&d.retired_mu, NULL);
	d.started = (int64_t)time(NULL);
	d.started_ms = time_mono_ms();
	if (daemon_first_load(&d) == -1)
		goto out;
	for (; nbound < NSERVICES; nbound++)
		if (daemon_services[nbound]->bind != NULL &&
		    daemon_services[nbound]->bind(&d) == -1)
			goto out;
	if (daemon_drop_privileges(conf->user) == -1)
		goto out;
	if (conf->user == NULL && geteuid() == 0)
		log_warnx("running as root: set 'user' in the configuration "
		    "to drop privileges after binding");
	if ((d.base = event_base_new()) == NULL) {
		fprintf(stderr, "fairlist: serve: event_base_new failed\n");
		goto out;
	}
	for (; nsigs < NSIGNALS; nsigs++) {
		sigs[nsigs] = evsignal_new(d.base, signos[nsigs], on_signal,
		    &d);
		event_add(sigs[nsigs], NULL);
	}
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < NSERVICES; i++)
		if (daemon_services[i]->start != NULL &&
		    daemon_services[i]->start(&d) == -1)
			goto out;
	d.reload_ms = conf->reload_ms;
	d.wal_fd = daemon_wal_watch(conf->db);
	d.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	/*
	 * READY=1 before the reload thread exists: it reads the published
	 * snapshot without a reader slot, and only that thread publishes
	 * (and frees the one it replaces) after this point.
	 */
	daemon_notify_ready(&d, "serving");
	/* The reload thread releases it once older versions are read. */
	dnsbl_server_xfr_hold(d.srv, 1);
	if ((e = pthread_create(&d.reloader, NULL, daemon_reloader,
	    &d)) != 0) {
		errno = e;
		log_warn("pthread_create");
		goto out;
	}
	event_base_dispatch(d.base);
	atomic_store(&d.stop, 1);
	daemon_reloader_wake(&d);
	pthread_join(d.reloader, NULL);
	if (d.wake_fd != -1)
		close(d.wake_fd);
	rc = 0;
out:
	while (nbound > 0) {
		nbound--;
		if (daemon_services[nbound]->stop != NULL)
			daemon_services[nbound]->stop(&d);
	}
	index_free(d.first);
	while (nsigs > 0)
		event_free(sigs[--nsigs]);
	if (d.base != NULL)
		event_base_free(d.base);
	store_close(d.st);
	free(d.snap);
	daemon_conf_drop_list(d.retired);
	daemon_conf_drop(d.conf);
	pthread_mutex_destroy(&d.retired_mu);
	return rc;
}
