/*
 * daemon_int.h: the daemon context, shared by the files of src/daemon/.
 */
#ifndef FAIRLIST_DAEMON_INT_H
#define FAIRLIST_DAEMON_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "daemon/daemon.h"

struct event_base;
struct index;

struct daemon {
	const struct daemon_conf *conf;
	struct store		*st;
	struct dnsbl_server	*srv;
	struct index		*first;		/* not yet published */
	struct event_base	*base;
	atomic_int		 stop;
	atomic_int		 hup;
	pthread_t		 reloader;
	char			*snap;		/* <db>.snap, NULL: no cache */
	int			 save_pending;	/* startup compile not saved */
	uint64_t		 save_gen;	/* its store generation */
	struct policy_server	*psrv;		/* NULL: no policy server */
	struct policy_engine	*peng;
};

/* The services, in start order (services.c). */
extern const struct daemon_service daemon_dns_service;
extern const struct daemon_service daemon_policy_service;

/*
 * reload.c: open the store, sync the zones and publish the first snapshot
 * (from the cache when valid) in d->first: 0 or -1 with a printed reason.
 */
int	daemon_first_load(struct daemon *d);

/* reload.c: the reload thread's body; owns d->st once started. */
void	*daemon_reloader(void *arg);

#endif /* FAIRLIST_DAEMON_INT_H */
