/*
 * milter_svc.c: the milter (src/milter) as a daemon service.
 *
 * Off unless the configuration has a milter { } block. Its keys are read
 * and its sockets bound before privileges are dropped; a key that cannot
 * be read or an address that cannot be bound stops the daemon. On SIGHUP
 * the new block applies to the messages that start after it (keys read
 * again; one that cannot be read keeps the one loaded before); the
 * listen addresses need a restart (conf.c).
 */
#include <stdio.h>

#include "core/log.h"
#include "daemon/daemon_int.h"

static int
milter_bind(struct daemon *d)
{
	char	err[512];

	if (d->conf->mc.nlisten == 0)
		return 0;
	if ((d->msrv = milter_server_new(&d->conf->mc, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "fairlist: serve: %s\n", err);
		return -1;
	}
	return 0;
}

/* The policy service's engine judges at RCPT (none: no verdict). */
static int
milter_start(struct daemon *d)
{
	struct policy_index_src	src;

	if (d->msrv == NULL)
		return 0;
	daemon_index_src(d, &src);
	return milter_server_start(d->msrv, d->base, &d->conf->pc, d->peng,
	    &src);
}

static int
milter_reload(struct daemon *d, struct daemon_conf *nc)
{
	if (d->msrv == NULL)
		return 0;
	return milter_server_reconf(d->msrv, &nc->mc, &nc->pc, d->peng);
}

static void
milter_stop(struct daemon *d)
{
	milter_server_free(d->msrv);
	d->msrv = NULL;
}

const struct daemon_service daemon_milter_service = {
	.name = "milter",
	.bind = milter_bind,
	.start = milter_start,
	.reload = milter_reload,
	.stop = milter_stop,
};
