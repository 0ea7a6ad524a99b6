/*
 * services.c: the DNS server (src/dnsbl), the policy server (src/policy)
 * and the HTTP service (src/web) as daemon services.
 *
 * The policy server runs on the same loop, judging with the snapshot the
 * DNS server publishes. It is on by default (127.0.0.1:10040): unless it
 * was configured (a policy block or --policy-listen), a failure to bind or
 * start it is a warning and the daemon goes on without it.
 *
 * On SIGHUP the DNS server answers with the new dns { } settings from its
 * next batch; the policy server judges new requests with a new engine on
 * the new policy { } block while the old engine finishes its own.
 *
 * The HTTP service is on by default too (127.0.0.1:8080, the base of
 * every lookup URL the answers print) and best effort the same way unless
 * an http block configures it. It reads the store through a connection of
 * its own, on the loop thread.
 */
#include <stdio.h>
#include <stdlib.h>

#include <event2/event.h>
#include <jansson.h>

#include "core/log.h"
#include "core/sockaddr.h"
#include "core/str.h"
#include "core/xmalloc.h"
#include "daemon/daemon_int.h"
#include "list/list.h"

static int
dns_bind(struct daemon *d)
{
	char	err[256];

	if ((d->srv = dnsbl_server_new(&d->conf->sc, err)) == NULL) {
		fprintf(stderr, "fairlist: serve: dns: %s\n", err);
		return -1;
	}
	dnsbl_server_publish(d->srv, d->first);
	daemon_note_publish(d);
	d->first = NULL;
	return 0;
}

static int
dns_start(struct daemon *d)
{
	return dnsbl_server_start(d->srv, d->base);
}

/* The answers' settings; the sockets and TCP limits need a restart. */
static int
dns_reload(struct daemon *d, struct daemon_conf *nc)
{
	dnsbl_server_set_dns(d->srv, &nc->dc);
	return 0;
}

static void
dns_stop(struct daemon *d)
{
	dnsbl_server_free(d->srv);
	d->srv = NULL;
}

static json_t *
time_or_null(int64_t t)
{
	char	buf[32];

	return t == 0 ? json_null() : json_string(str_isotime(buf, sizeof(buf),
	    t));
}

/* One secondary and zone of the DNS server's table (docs/CLI.md). */
static json_t *
secondary_json(const struct dnsbl_secondary *e)
{
	static const char *const	 res[] = {
		[DNSBL_NOTIFY_NONE] = "none",
		[DNSBL_NOTIFY_WAITING] = "waiting",
		[DNSBL_NOTIFY_ANSWERED] = "answered",
		[DNSBL_NOTIFY_NO_ANSWER] = "no answer",
		[DNSBL_NOTIFY_BAD_TSIG] = "bad signature",
	};
	json_t				*o = json_object();
	int				 sent = e->notify_at != 0;
	int				 xfr = e->xfr_at != 0;

	json_object_set_new(o, "address", json_string(e->address));
	json_object_set_new(o, "zone", json_string(e->zone));
	json_object_set_new(o, "last_notify", time_or_null(e->notify_at));
	json_object_set_new(o, "notify_serial", sent ?
	    json_integer(e->notify_serial) : json_null());
	json_object_set_new(o, "notify_result",
	    json_string(res[e->notify_result]));
	json_object_set_new(o, "notify_rcode",
	    e->notify_result == DNSBL_NOTIFY_ANSWERED ?
	    json_integer(e->notify_rcode) : json_null());
	json_object_set_new(o, "last_transfer", time_or_null(e->xfr_at));
	json_object_set_new(o, "transfer", xfr ?
	    json_string(e->xfr_ixfr ? "IXFR" : "AXFR") : json_null());
	json_object_set_new(o, "transfer_serial", xfr ?
	    json_integer(e->xfr_serial) : json_null());
	json_object_set_new(o, "transfer_bytes", xfr ?
	    json_integer((json_int_t)e->xfr_bytes) : json_null());
	return o;
}

static void
dns_status(struct daemon *d, json_t *svc, json_t *root)
{
	const struct dnsbl_server_conf	*sc = &d->conf->sc;
	const struct dnsbl_secondary	*v;
	char				 a[SA_TEXT_MAX];
	size_t				 i, n;

	for (i = 0; i < sc->nlisten; i++) {
		sa_format((const struct sockaddr *)&sc->listen[i], a,
		    sizeof(a));
		json_array_append_new(json_object_get(svc, "listen"),
		    json_string(a));
	}
	n = d->srv != NULL ? dnsbl_server_secondaries(d->srv, &v) : 0;
	for (i = 0; i < n; i++)
		json_array_append_new(json_object_get(root, "secondaries"),
		    secondary_json(&v[i]));
}

const struct daemon_service daemon_dns_service = {
	.name = "dns",
	.bind = dns_bind,
	.start = dns_start,
	.reload = dns_reload,
	.stop = dns_stop,
	.status = dns_status,
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

void
daemon_index_src(struct daemon *d, struct policy_index_src *src)
{
	src->acquire = policy_idx_acquire;
	src->release = policy_idx_release;
	src->arg = d->srv;
}

static int
policy_bind(struct daemon *d)
{
	char	err[512];

	if (d->conf->pc.nlisten == 0)
		return 0;
	if ((d->psrv = policy_server_new(&d->conf->pc, err,
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
	if ((d->peng = policy_engine_new(&d->conf->pc, d->base, err,
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
	d->peng_conf = d->conf;
	daemon_conf_hold(d->peng_conf);
	daemon_index_src(d, &src);
	/* confirm_check counts its sends in the store (its own connection). */
	policy_server_store(d->psrv, d->conf->db);
	return policy_server_start(d->psrv, d->base, d->peng, &src);
}

/*
 * An engine replaced by SIGHUP, with the configuration it reads: kept
 * until its evaluations are over (every one ends by its deadline).
 */
struct policy_drain {
	struct policy_drain	*next;
	struct daemon		*d;
	struct policy_engine	*e;
	struct daemon_conf	*conf;
	struct event		*ev;
};

static void
drain_free(struct policy_drain *dr)
{
	struct policy_drain	**pp;

	for (pp = &dr->d->drains; *pp != dr; pp = &(*pp)->next)
		;
	*pp = dr->next;
	policy_engine_free(dr->e);
	daemon_conf_drop(dr->conf);
	event_free(dr->ev);
	free(dr);
}

static void
drain_done(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	drain_free(arg);
}

/*
 * A new engine on nc for the requests read from now on; the old one
 * drains. Every policy setting but the addresses applies.
 */
static int
policy_reload(struct daemon *d, struct daemon_conf *nc)
{
	struct policy_engine	*e;
	struct policy_drain	*dr;
	struct timeval		 tv;
	char			 err[512];

	if (d->psrv == NULL || d->peng_conf == nc)
		return 0;
	if ((e = policy_engine_new(&nc->pc, d->base, err,
	    sizeof(err))) == NULL) {
		log_warnx("policy: %s", err);
		return -1;
	}
	if (policy_server_reconf(d->psrv, &nc->pc, e) == -1) {
		policy_engine_free(e);
		return -1;
	}
	dr = xcalloc(1, sizeof(*dr));
	dr->d = d;
	dr->e = d->peng;
	dr->conf = d->peng_conf;
	dr->ev = evtimer_new(d->base, drain_done, dr);
	/* Past the old deadline, with a second to spare. */
	tv.tv_sec = dr->conf->pc.deadline_ms / 1000 + 1;
	tv.tv_usec = (dr->conf->pc.deadline_ms % 1000) * 1000;
	evtimer_add(dr->ev, &tv);
	dr->next = d->drains;
	d->drains = dr;
	d->peng = e;
	d->peng_conf = nc;
	daemon_conf_hold(d->peng_conf);
	return 0;
}

static void
policy_stop(struct daemon *d)
{
	/* The server first: it cancels its evaluations in the engines. */
	policy_server_free(d->psrv);
	d->psrv = NULL;
	while (d->drains != NULL)
		drain_free(d->drains);
	if (d->peng != NULL)
		policy_engine_free(d->peng);
	d->peng = NULL;
	daemon_conf_drop(d->peng_conf);
	d->peng_conf = NULL;
}

static void
policy_status(struct daemon *d, json_t *svc, json_t *root)
{
	int	i;

	(void)root;
	for (i = 0; d->psrv != NULL && i < d->conf->pc.nlisten; i++)
		json_array_append_new(json_object_get(svc, "listen"),
		    json_string(d->conf->pc.listen[i]));
}

const struct daemon_service daemon_policy_service = {
	.name = "policy",
	.bind = policy_bind,
	.start = policy_start,
	.reload = policy_reload,
	.stop = policy_stop,
	.status = policy_status,
};

static int
web_bind(struct daemon *d)
{
	char	err[512];

	if (d->conf->wc.listen == NULL)
		return 0;
	if ((d->wsrv = web_server_new(&d->conf->wc, err,
	    sizeof(err))) != NULL)
		return 0;
	if (d->conf->wc.explicit) {
		fprintf(stderr, "fairlist: serve: %s\n", err);
		return -1;
	}
	log_warnx("%s; the web service is off (configure http { listen "
	    "... })", err);
	return 0;
}

static int
web_start(struct daemon *d)
{
	if (d->wsrv == NULL ||
	    web_server_start(d->wsrv, d->base, d->conf->db) == 0)
		return 0;
	if (d->conf->wc.explicit)
		return -1;
	log_warnx("http: the web service is off");
	web_server_free(d->wsrv);
	d->wsrv = NULL;
	return 0;
}

static int
web_reload(struct daemon *d, struct daemon_conf *nc)
{
	if (d->wsrv != NULL)
		web_server_reconf(d->wsrv, &nc->wc);
	return 0;
}

static void
web_stop(struct daemon *d)
{
	web_server_free(d->wsrv);
	d->wsrv = NULL;
}

static void
web_status(struct daemon *d, json_t *svc, json_t *root)
{
	(void)root;
	if (d->wsrv != NULL && d->conf->wc.listen != NULL)
		json_array_append_new(json_object_get(svc, "listen"),
		    json_string(d->conf->wc.listen));
}

const struct daemon_service daemon_web_service = {
	.name = "http",
	.bind = web_bind,
	.start = web_start,
	.reload = web_reload,
	.stop = web_stop,
	.status = web_status,
};
