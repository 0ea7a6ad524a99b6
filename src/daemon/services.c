/*
 * services.c: the DNS server (src/dnsbl) and the policy server
 * (src/policy) as daemon services.
 *
 * The policy server runs on the same loop, judging with the snapshot the
 * DNS server publishes. It is on by default (127.0.0.1:10040): unless it
 * was configured (a policy block or --policy-listen), a failure to bind or
 * start it is a warning and the daemon goes on without it.
 */
#include <stdio.h>

#include "core/log.h"
#include "daemon/daemon_int.h"
#include "list/list.h"

static int
dns_bind(struct daemon *d)
{
	char	err[256];

	if ((d->srv = dnsbl_server_new(d->conf->sc, err)) == NULL) {
		fprintf(stderr, "fairlist: serve: dns: %s\n", err);
		return -1;
	}
	dnsbl_server_publish(d->srv, d->first);
	d->first = NULL;
	return 0;
}

static int
dns_start(struct daemon *d)
{
	return dnsbl_server_start(d->srv, d->base);
}

static void
dns_stop(struct daemon *d)
{
	dnsbl_server_free(d->srv);
	d->srv = NULL;
}

const struct daemon_service daemon_dns_service = {
	.name = "dns",
	.bind = dns_bind,
	.start = dns_start,
	.stop = dns_stop,
};

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

static int
policy_bind(struct daemon *d)
{
	char	err[512];

	if (d->conf->pc->nlisten == 0)
		return 0;
	if ((d->psrv = policy_server_new(d->conf->pc, err,
	    sizeof(err))) != NULL)
		return 0;
	if (d->conf->policy_explicit) {
		fprintf(stderr, "fairlist: serve: %s\n", err);
		return -1;
	}
	log_warnx("%s; the policy server is off (configure "
	    "policy { listen ... })", err);
	return 0;
}

static int
policy_start(struct daemon *d)
{
	struct policy_index_src	 src;
	char			 err[512];

	if (d->psrv == NULL)
		return 0;
	if ((d->peng = policy_engine_new(d->conf->pc, d->base, err,
	    sizeof(err))) == NULL) {
		if (d->conf->policy_explicit) {
			fprintf(stderr, "fairlist: serve: policy: %s\n", err);
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
policy_stop(struct daemon *d)
{
	/* The server first: it cancels its evaluations in the engine. */
	policy_server_free(d->psrv);
	d->psrv = NULL;
	if (d->peng != NULL)
		policy_engine_free(d->peng);
	d->peng = NULL;
}

const struct daemon_service daemon_policy_service = {
	.name = "policy",
	.bind = policy_bind,
	.start = policy_start,
	.stop = policy_stop,
};
