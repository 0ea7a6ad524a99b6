/*
 * watch_svc.c: the watch (src/watch) as a daemon service: our own
 * addresses checked on other people's lists on a schedule, the state
 * kept in the store, and every alerted transition logged, counted and
 * posted to the webhook (docs/SENDER-CARE.md).
 *
 * Off unless the configuration has a watch { } block. The first round
 * starts with the loop; each round asks every (target, list) pair
 * through c-ares on the loop (one dns_evres per distinct server list,
 * made for the round), writes each answer through its own store
 * connection (the reload thread owns d->st), and when its last answer
 * is in, the next round is timed `interval` later. A round holds the
 * configuration it started with (reference-counted), so a SIGHUP applies
 * from the next round; a block added by SIGHUP starts the first one.
 *
 * The webhook is an outbox in the store: an alerted transition is
 * written as pending (by this service or by `fairlist watch check`), and
 * the sender posts the oldest pending one, one at a time, in order,
 * through watch/post.c (the host's name on c-ares on the loop, TCP, TLS
 * for https with the certificate verified). A 2xx answer marks it sent;
 * anything else (no address, no connection, a refused certificate, a
 * timeout, a 5xx, a CA file that cannot be read) is retried after
 * webhook-backoff, doubling, until webhook-tries POSTs failed: then it
 * is marked failed and the next one goes. Events left pending at a stop
 * are posted after the next start. The TLS context (webhook-ca or the
 * system's CA store) is made at start and again after each SIGHUP, so a
 * renewed CA file is read.
 *
 * Logs one line per alerted transition (a listing as a warning), one per
 * webhook outcome, and every failure with its reason (a refused
 * certificate as a warning on every try). Metrics:
 * fairlist_watch_checks_total{state}, fairlist_watch_transitions_total
 * {state} (the new state), fairlist_watch_webhook_total{result}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>
#include <openssl/ssl.h>

#include "core/log.h"
#include "core/metrics.h"
#include "core/xmalloc.h"
#include "daemon/daemon_int.h"
#include "dns/evres.h"
#include "store/store.h"
#include "store/watch.h"
#include "watch/watch.h"

struct watch_svc {
	struct daemon		*d;
	struct store		*st;
	struct event		*tick;		/* next round */
	struct event		*reap;		/* a round's end, off the
						   resolver's callback */
	/* the round under way */
	struct watch_round	*round;
	struct daemon_conf	*rconf;		/* held while it runs */
	struct {
		const char		*servers;
		struct dns_evres	*r;
	}			 res[WATCH_LISTS_MAX];
	int			 nres;
	int			 of_list[WATCH_LISTS_MAX];
	int			 rounds;
	/* the webhook sender */
	struct event		*hook_ev;	/* retry timer, or "go now" */
	struct watch_post	*post;		/* the POST in flight */
	SSL_CTX			*tls;		/* for https, made at the first
						   POST after a (re)load */
	char			*tls_ca;	/* the webhook-ca it holds */
	int64_t			 hook_id;	/* event in flight or waiting */
	int			 hook_tries;	/* POSTs of it so far */
	int			 stopping;
};

static struct metrics_family	*m_checks, *m_trans, *m_hook;

static const char *const state_values[] = { "unknown", "not-listed",
    "listed", "refused", "broken", "no-answer", NULL };
static const char *const hook_values[] = { "sent", "retry", "failed", NULL };

static void
metrics_register(void)
{
	static const struct metrics_label st[] = { { "state", state_values,
	    0 } };
	static const struct metrics_label hk[] = { { "result", hook_values,
	    0 } };

	m_checks = metrics_counter("fairlist_watch_checks_total",
	    "Watch answers about our own addresses, by state", st, 1);
	m_trans = metrics_counter("fairlist_watch_transitions_total",
	    "Alerted watch transitions, by the new state", st, 1);
	m_hook = metrics_counter("fairlist_watch_webhook_total",
	    "Watch webhook POSTs, by result", hk, 1);
}

static void	hook_kick(struct watch_svc *w);

/* --- rounds ---------------------------------------------------------- */

static void
query(void *qarg, int li, const char *name, uint16_t type,
    void (*cb)(void *, enum dns_resolver_status, const uint8_t *, size_t),
    void *arg)
{
	struct watch_svc	*w = qarg;

	dns_evres_query(w->res[w->of_list[li]].r, name, type, cb, arg);
}

static void
each(void *arg, const struct watch_check *c)
{
	struct watch_svc		*w = arg;
	const struct watch_conf		*wc = &w->rconf->wac;
	struct watch_recorded		 rec;
	const char			*st = watch_state_name(c->r.state);

	metrics_inc(m_checks, metrics_series(m_checks,
	    (const char *const[]){ st }));
	if (watch_record(w->st, c, wc->webhook != NULL, (int64_t)time(NULL),
	    &rec) == -1) {
		log_warnx("watch: %s %s: store: %s", c->t->text, c->l->zone,
		    store_errmsg(w->st));
		return;
	}
	if (rec.transition < 2)
		return;
	metrics_inc(m_trans, metrics_series(m_trans,
	    (const char *const[]){ st }));
	(c->r.state == WATCH_LISTED ? log_warnx : log_info)("watch: %s %s: "
	    "%s -> %s%s%s%s%s%s%s", c->t->text, c->l->zone, rec.old, st,
	    c->r.meaning[0] != '\0' ? ": " : "", c->r.meaning,
	    c->txt[0] != '\0' ? " -- " : "", c->txt,
	    c->r.state == WATCH_LISTED && rec.removal_url[0] != '\0' ?
	    "; removal: " : "", c->r.state == WATCH_LISTED ?
	    rec.removal_url : "");
}

static void
round_done(void *arg)
{
	struct watch_svc	*w = arg;

	/* Inside a c-ares callback: free the resolvers from the loop. */
	event_active(w->reap, EV_TIMEOUT, 1);
}

/* Free the round, its resolvers and its hold on the configuration. */
static void
round_end(struct watch_svc *w)
{
	int	k;

	if (w->round != NULL)
		watch_round_cancel(w->round);
	for (k = 0; k < w->nres; k++)
		dns_evres_free(w->res[k].r);
	w->nres = 0;
	watch_round_free(w->round);
	w->round = NULL;
	daemon_conf_drop(w->rconf);
	w->rconf = NULL;
}

static void
schedule(struct watch_svc *w, int secs)
{
	struct timeval	tv = { secs, 0 };

	evtimer_add(w->tick, &tv);
}

static void
on_reap(evutil_socket_t fd, short what, void *arg)
{
	struct watch_svc	*w = arg;

	(void)fd;
	(void)what;
	round_end(w);
	if (w->d->conf->wac.on)
		schedule(w, w->d->conf->wac.interval_s);
	hook_kick(w);
}

static int
make_resolvers(struct watch_svc *w, const struct watch_conf *wc)
{
	const char	*srv;
	char		 err[256];
	int		 i, k;

	for (i = 0; i < wc->nlists; i++) {
		srv = wc->lists[i].server != NULL ? wc->lists[i].server :
		    wc->resolver;
		for (k = 0; k < w->nres; k++)
			if (srv == NULL ? w->res[k].servers == NULL :
			    w->res[k].servers != NULL &&
			    strcmp(srv, w->res[k].servers) == 0)
				break;
		if (k == w->nres) {
			w->res[k].servers = srv;
			if ((w->res[k].r = dns_evres_new(w->d->base, srv,
			    wc->timeout_ms / 3 > 0 ? wc->timeout_ms / 3 : 1,
			    err, sizeof(err))) == NULL) {
				log_warnx("watch: list %s: resolver: %s",
				    wc->lists[i].zone, err);
				return -1;
			}
			w->nres++;
		}
		w->of_list[i] = k;
	}
	return 0;
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct watch_svc	*w = arg;
	struct daemon_conf	*c = w->d->conf;

	(void)fd;
	(void)what;
	if (w->round != NULL || !c->wac.on)
		return;
	daemon_conf_hold(c);
	w->rconf = c;
	if (make_resolvers(w, &c->wac) == -1) {
		round_end(w);
		schedule(w, c->wac.interval_s);
		return;
	}
	w->rounds++;
	log_debug("watch: round %d: %d addresses and domains, %d lists",
	    w->rounds, c->wac.ntargets, c->wac.nlists);
	w->round = watch_round_start(&c->wac, query, w, each, round_done, w);
}

/* --- the webhook ----------------------------------------------------- */

struct hook_pick {
	struct watch_event	 e;
	json_t			*body;
};

static int
pick_one(const struct store_watch_event *se, void *arg)
{
	struct hook_pick	*p = arg;

	p->e.id = se->id;
	p->e.at = se->at;
	p->e.target = se->target;
	p->e.list = se->list;
	p->e.old = se->old;
	p->e.new = se->new;
	p->e.code = se->code;
	p->e.text = se->text;
	p->e.removal_url = se->removal_url;
	p->body = watch_event_json(&p->e);
	return 1;
}

static void
hook_mark(struct watch_svc *w, enum store_watch_notify n)
{
	if (store_watch_notified(w->st, w->hook_id, n) == -1)
		log_warnx("watch: webhook: event %lld: store: %s",
		    (long long)w->hook_id, store_errmsg(w->st));
	w->hook_id = 0;
	w->hook_tries = 0;
}

static void	hook_send(struct watch_svc *w);

/*
 * One try's end: code is the HTTP status (0: none, why says what failed;
 * a refused certificate, tls_verify, is a warning every time).
 */
static void
hook_result(struct watch_svc *w, int code, int tls_verify, const char *why)
{
	const struct watch_conf	*wc = &w->d->conf->wac;
	char			 last[600];
	int64_t			 wait;
	struct timeval		 tv;

	if (code >= 200 && code < 300) {
		metrics_inc(m_hook, metrics_series(m_hook,
		    (const char *const[]){ "sent" }));
		log_info("watch: webhook: event %lld sent (HTTP %d, try %d)",
		    (long long)w->hook_id, code, w->hook_tries);
		hook_mark(w, STORE_WATCH_SENT);
		event_active(w->hook_ev, EV_TIMEOUT, 1);
		return;
	}
	if (code != 0)
		snprintf(last, sizeof(last), "HTTP %d", code);
	else
		snprintf(last, sizeof(last), "%s", why);
	if (w->hook_tries >= wc->hook_tries) {
		metrics_inc(m_hook, metrics_series(m_hook,
		    (const char *const[]){ "failed" }));
		log_warnx("watch: webhook: event %lld failed after %d tries "
		    "(last: %s)", (long long)w->hook_id, w->hook_tries, last);
		hook_mark(w, STORE_WATCH_FAILED);
		event_active(w->hook_ev, EV_TIMEOUT, 1);
		return;
	}
	metrics_inc(m_hook, metrics_series(m_hook,
	    (const char *const[]){ "retry" }));
	wait = (int64_t)wc->hook_backoff_s << (w->hook_tries - 1 < 20 ?
	    w->hook_tries - 1 : 20);
	if (wait > WATCH_HOOK_BACKOFF_MAX_S)
		wait = WATCH_HOOK_BACKOFF_MAX_S;
	(tls_verify ? log_warnx : log_info)("watch: webhook: event %lld: %s "
	    "on try %d; again in %llds", (long long)w->hook_id, last,
	    w->hook_tries, (long long)wait);
	tv.tv_sec = (time_t)wait;
	tv.tv_usec = 0;
	evtimer_add(w->hook_ev, &tv);
}

static void
on_post_done(void *arg, const struct watch_post_result *res)
{
	struct watch_svc	*w = arg;

	w->post = NULL;
	hook_result(w, res->code, res->tls_verify, res->why);
}

/*
 * The TLS context for the configured CA (webhook-ca, or the system's
 * store), made again after a reload or when the CA key changed. NULL
 * with the reason in OUT:err.
 */
static SSL_CTX *
hook_tls(struct watch_svc *w, const char *ca, char *err, size_t errlen)
{
	if (w->tls != NULL && (ca == NULL ? w->tls_ca == NULL :
	    w->tls_ca != NULL && strcmp(ca, w->tls_ca) == 0))
		return w->tls;
	SSL_CTX_free(w->tls);
	free(w->tls_ca);
	w->tls_ca = ca != NULL ? xstrdup(ca) : NULL;
	w->tls = watch_tls_ctx(ca, err, errlen);
	return w->tls;
}

/* POST the event in w->hook_id (read again: the store is the outbox). */
static void
hook_send(struct watch_svc *w)
{
	const struct watch_conf	*wc = &w->d->conf->wac;
	struct watch_post_req	 rq;
	struct hook_pick	 p;
	struct watch_url	 u;
	SSL_CTX			*ctx = NULL;
	char			 err[600], *s;
	const char		*why;

	if (wc->webhook == NULL || watch_url_split(wc->webhook, &u,
	    &why) == -1)
		return;
	memset(&p, 0, sizeof(p));
	if (store_watch_events(w->st, 1, 1, pick_one, &p) == -1) {
		log_warnx("watch: webhook: store: %s", store_errmsg(w->st));
		return;
	}
	if (p.body == NULL)
		return;		/* nothing pending */
	if (p.e.id != w->hook_id) {
		w->hook_id = p.e.id;
		w->hook_tries = 0;
	}
	s = json_dumps(p.body, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(p.body);
	if (s == NULL) {
		log_warnx("watch: webhook: event %lld: out of memory",
		    (long long)p.e.id);
		return;
	}
	w->hook_tries++;
	if (u.tls && (ctx = hook_tls(w, wc->webhook_ca, err,
	    sizeof(err))) == NULL) {
		/* A CA file that cannot be read: a failed try, retried. */
		free(s);
		hook_result(w, 0, 0, err);
		return;
	}
	memset(&rq, 0, sizeof(rq));
	rq.url = wc->webhook;
	rq.resolver = wc->resolver;
	rq.lookup_ms = wc->timeout_ms / 3 > 0 ? wc->timeout_ms / 3 : 1;
	rq.timeout_s = wc->hook_timeout_s;
	rq.body = s;
	rq.len = strlen(s);
	w->post = watch_post_start(w->d->base, ctx, &rq, on_post_done, w,
	    err, sizeof(err));
	free(s);
	if (w->post == NULL)
		hook_result(w, 0, 0, err);
}

static void
on_hook_ev(evutil_socket_t fd, short what, void *arg)
{
	struct watch_svc	*w = arg;

	(void)fd;
	(void)what;
	if (w->post == NULL && !w->stopping)
		hook_send(w);
}

/* Send the next pending event unless one is in flight or waiting. */
static void
hook_kick(struct watch_svc *w)
{
	if (w->post != NULL || evtimer_pending(w->hook_ev, NULL))
		return;
	hook_send(w);
}

/* --- the service ----------------------------------------------------- */

/*
 * Drop the TLS context (a SIGHUP may bring a new CA file) and, for an
 * https webhook, make it now, so a CA file that cannot be read is a
 * warning at once rather than at the first alert.
 */
static void
tls_check(struct watch_svc *w, const struct watch_conf *wc)
{
	char	err[600];

	SSL_CTX_free(w->tls);
	w->tls = NULL;
	free(w->tls_ca);
	w->tls_ca = NULL;
	if (wc->webhook == NULL || strncmp(wc->webhook, "https://", 8) != 0)
		return;
	if (hook_tls(w, wc->webhook_ca, err, sizeof(err)) == NULL)
		log_warnx("watch: webhook: %s; every POST fails until it is "
		    "fixed", err);
}

static int
watch_start(struct daemon *d)
{
	struct watch_svc	*w;
	char			 err[STORE_ERR_MAX];

	if (!d->conf->wac.on)
		return 0;
	metrics_register();
	w = xcalloc(1, sizeof(*w));
	w->d = d;
	if ((w->st = store_open(d->conf->db, STORE_LEAN, err)) == NULL) {
		log_warnx("watch: store: %s", err);
		free(w);
		return -1;
	}
	w->tick = evtimer_new(d->base, on_tick, w);
	w->reap = evtimer_new(d->base, on_reap, w);
	w->hook_ev = evtimer_new(d->base, on_hook_ev, w);
	d->watch = w;
	log_info("watch: %d addresses and domains on %d lists, every %ds%s",
	    d->conf->wac.ntargets, d->conf->wac.nlists,
	    d->conf->wac.interval_s, d->conf->wac.webhook != NULL ?
	    ", webhook on" : "");
	tls_check(w, &d->conf->wac);
	schedule(w, 0);
	return 0;
}

/* The next round takes nc (d->conf by then); a new block starts now. */
static int
watch_reload(struct daemon *d, struct daemon_conf *nc)
{
	struct watch_svc	*w = d->watch;
	struct daemon_conf	*run;
	int			 rc;

	if (w == NULL) {
		if (!nc->wac.on)
			return 0;
		/* start() reads d->conf: give it nc for the call. */
		run = d->conf;
		d->conf = nc;
		rc = watch_start(d);
		d->conf = run;
		return rc;
	}
	if (w->round == NULL && nc->wac.on) {
		evtimer_del(w->tick);
		schedule(w, 0);
	}
	tls_check(w, &nc->wac);
	return 0;
}

static void
watch_stop(struct daemon *d)
{
	struct watch_svc	*w = d->watch;

	if (w == NULL)
		return;
	w->stopping = 1;
	round_end(w);
	watch_post_cancel(w->post);
	SSL_CTX_free(w->tls);
	free(w->tls_ca);
	event_free(w->tick);
	event_free(w->reap);
	event_free(w->hook_ev);
	store_close(w->st);
	free(w);
	d->watch = NULL;
}

const struct daemon_service daemon_watch_service = {
	.name = "watch",
	.start = watch_start,
	.reload = watch_reload,
	.stop = watch_stop,
};
