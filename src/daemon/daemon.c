/*
 * daemon.c: daemon_run, the services table and the signals.
 *
 * Startup: open the store and publish the first snapshot (reload.c), bind
 * every service's sockets, drop privileges if `user` is set, start every
 * service on the libevent loop and the reload thread, then serve. SIGHUP
 * forces a rebuild of the index; SIGINT and SIGTERM stop the daemon.
 *
 * Logs one line at startup (zones, listings, load time), one per rebuild,
 * and every failure with its reason.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "core/log.h"
#include "daemon/daemon_int.h"
#include "list/list.h"
#include "store/store.h"

/* Start order; stopped in reverse. The policy server reads the DNS one's. */
static const struct daemon_service *const services[] = {
	&daemon_dns_service,
	&daemon_policy_service,
};
#define NSERVICES	(sizeof(services) / sizeof(services[0]))

static const int signos[] = { SIGINT, SIGTERM, SIGHUP };
#define NSIGNALS	(sizeof(signos) / sizeof(signos[0]))

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct daemon	*d = arg;
	size_t		 i;

	(void)what;
	if (sig == SIGHUP) {
		log_info("SIGHUP: rebuilding the index");
		for (i = 0; i < NSERVICES; i++)
			if (services[i]->reload != NULL &&
			    services[i]->reload(d) == -1)
				log_warnx("SIGHUP: %s: reload failed",
				    services[i]->name);
		atomic_store(&d->hup, 1);
		return;
	}
	log_info("signal %d: stopping", (int)sig);
	event_base_loopbreak(d->base);
}

int
daemon_run(const struct daemon_conf *conf)
{
	struct daemon	 d;
	struct event	*sigs[NSIGNALS];
	size_t		 i, nbound = 0, nsigs = 0;
	int		 rc = 1, e;

	memset(&d, 0, sizeof(d));
	d.conf = conf;
	if (daemon_first_load(&d) == -1)
		goto out;
	for (; nbound < NSERVICES; nbound++)
		if (services[nbound]->bind != NULL &&
		    services[nbound]->bind(&d) == -1)
			goto out;
	if (conf->user != NULL && daemon_drop_privileges(conf->user) == -1)
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
		if (services[i]->start != NULL && services[i]->start(&d) == -1)
			goto out;
	if ((e = pthread_create(&d.reloader, NULL, daemon_reloader,
	    &d)) != 0) {
		errno = e;
		log_warn("pthread_create");
		goto out;
	}
	event_base_dispatch(d.base);
	atomic_store(&d.stop, 1);
	pthread_join(d.reloader, NULL);
	rc = 0;
out:
	while (nbound > 0) {
		nbound--;
		if (services[nbound]->stop != NULL)
			services[nbound]->stop(&d);
	}
	index_free(d.first);
	while (nsigs > 0)
		event_free(sigs[--nsigs]);
	if (d.base != NULL)
		event_base_free(d.base);
	store_close(d.st);
	free(d.snap);
	return rc;
}
