/*
 * engine.c: the asynchronous evaluation of one SMTP client.
 *
 * For each client the engine gathers facts and hands them to
 * policy_decide(): the exemptions, the local lists (the index snapshot,
 * read during policy_evaluate only), the remote DNSBLs (A queries for the
 * reversed address, RFC 5782 section 2.1 and 2.4) and SPF (RFC 7208, the
 * MAIL FROM identity and optionally HELO). Everything on the network runs
 * on the caller's libevent base through one resolver per distinct server
 * list (dns/evres.c, c-ares on the loop; unit tests substitute an
 * in-memory zone through policy_engine_dns_hook), and every answer is
 * read by dns/answer.c.
 *
 * DNSBL answers are cached (cache.c) per (query name, resolver) for their
 * TTL clamped to [ttl_min, ttl_max] (an NXDOMAIN or NODATA for ttl_min,
 * as postscreen does); a TEMPFAIL is never cached. A query already in
 * flight is shared: later evaluations wait on the same entry. SPF results
 * are cached for ttl_min per (client, sender, HELO). An evaluation whose
 * answers are all cached finishes inside policy_evaluate() on a scratch
 * evaluation owned by the engine, without allocation.
 *
 * The lists' health probes (probe.c, RFC 5782 section 5) mark a list that
 * fails its test points DEAD: it is skipped until a probe passes. An
 * answer a list gives that is an error code (policy_code_is_error) is
 * logged once an hour per list. Local lists missing from the snapshot
 * are silently skipped. Without a policy block (pc->local_store) every
 * zone of the snapshot is a blocklist, so the set follows the store.
 *
 * Exemptions (no lookups): exempt networks, SASL clients, recipients
 * whose local part is exempt (case-insensitive; "postmaster" without a
 * domain too, RFC 5321 section 4.5.1) or equal to the removal address.
 * An allowlist or blocklist hit also skips the remote lists and SPF: the
 * verdict cannot depend on them.
 *
 * Lifetimes: an evaluation waits on cache entries through waiters it
 * owns; cancelling (or the deadline) unlinks them, so resolver callbacks
 * that arrive later only fill the cache. An SPF check in flight when its
 * evaluation goes away is detached: it runs to its end for the cache.
 *
 * Early decision: once the lists that answered reach the threshold with
 * a positive score and every list still out has a weight >= 0, nothing
 * out can change the verdict (local lists were read first; SPF and
 * fail-open come after the dnsbl rule), so the engine decides at once:
 * lists out are PENDING, SPF out is left to finish for the cache.
 *
 * A query name is at most 253 bytes (the reversed address under the
 * zone): a zone too long for a client's name makes that list ERROR for
 * it, logged once per list; a zone too long for the test points is not
 * probed.
 *
 * Logs: one info line per verdict that is not a plain pass (fail-open
 * names the lists that did not answer), debug for passes, a warning when
 * the deadline passes with answers still out.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "core/hash.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/str.h"
#include "core/time.h"
#include "core/xmalloc.h"
#include "dns/dns.h"
#include "dns/evres.h"
#include "list/list.h"
#include "policy/policy_int.h"

#define SPF_KEY_MAX	(ADDR_TEXT_MAX + SPF_MAILFROM_MAX + 256 + 4)

/* What disconnect() records about what is still out. */
#define DISC_LISTS	0x1		/* lists out become PENDING */
#define DISC_SPF	0x2		/* SPF out becomes temperror */

static void	finish(struct policy_eval *);
static int	decided_early(const struct policy_eval *);
static void	decide_early(struct policy_eval *);

/* ------------------------------------------------------------------ */
/* resolvers                                                           */
/* ------------------------------------------------------------------ */

static struct policy_dns	dns_hook;

void
policy_engine_dns_hook(const struct policy_dns *d)
{
	if (d != NULL)
		dns_hook = *d;
	else
		memset(&dns_hook, 0, sizeof(dns_hook));
}

struct resolver *
policy_resolver_get(struct policy_engine *e, const char *servers, char *err,
    size_t errlen)
{
	struct resolver	*r;
	int		 i, ms;

	for (i = 0; i < e->nres; i++) {
		r = &e->res[i];
		if (r->servers == servers || (r->servers != NULL &&
		    servers != NULL && strcmp(r->servers, servers) == 0))
			return r;
	}
	r = &e->res[e->nres];
	/*
	 * c-ares doubles the timeout on the second try, so a query with
	 * two tries takes at most three times the first try's timeout.
	 */
	ms = e->pc->lookup_ms > 0 ? e->pc->lookup_ms : POLICY_LOOKUP_MS;
	if (e->dns.query == NULL && (r->dr = dns_evres_new(e->base, servers,
	    ms / 3 > 0 ? ms / 3 : 1, err, errlen)) == NULL)
		return NULL;
	r->servers = servers;
	r->e = e;
	e->nres++;
	return r;
}

void
policy_res_query(struct resolver *r, const char *name, uint16_t type,
    void (*cb)(void *, enum dns_resolver_status, const uint8_t *, size_t),
    void *arg)
{
	struct policy_engine	*e = r->e;

	if (e->dns.query != NULL)
		e->dns.query(e->dns.ctx, r->servers, name, type, cb, arg);
	else
		dns_evres_query(r->dr, name, type, cb, arg);
}

/* SPF's raw queries (struct spf_raw), on the SPF resolver. */
static void
spf_raw_query(void *ctx, const char *name, uint16_t type,
    void (*cb)(void *, enum dns_resolver_status, const uint8_t *, size_t),
    void *arg)
{
	policy_res_query(ctx, name, type, cb, arg);
}

static void
sweep(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	policy_cache_expire(arg, time_mono_ms() / 1000);
}

static void
probe_fired(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	policy_probe_all(arg);
}

/* ------------------------------------------------------------------ */
/* DNSBL answers                                                       */
/* ------------------------------------------------------------------ */

/*
 * The A codes (at most POLICY_CODES_MAX, on the question's CNAME chain)
 * and their smallest TTL of an answer; -1 if it does not parse.
 */
int
policy_parse_a(const uint8_t *pkt, size_t len, uint32_t *codes, int *ncodes,
    uint32_t *ttl)
{
	struct dns_answer	a;
	struct dns_rr		rr;
	int			rc, n = 0;

	*ncodes = 0;
	*ttl = 0;
	if (dns_answer_init(&a, pkt, len) == -1)
		return -1;
	while ((rc = dns_answer_next(&a, &rr)) == 1) {
		if (rr.type != DNS_T_A || !rr.on_chain ||
		    n >= POLICY_CODES_MAX)
			continue;
		codes[n] = (uint32_t)rr.rdata[0] << 24 |
		    (uint32_t)rr.rdata[1] << 16 | (uint32_t)rr.rdata[2] << 8 |
		    rr.rdata[3];
		if (n == 0 || rr.ttl < *ttl)
			*ttl = rr.ttl;
		n++;
	}
	if (rc == -1)
		return -1;
	*ncodes = n;
	return 0;
}

/* Fill site i's result of ev from a settled entry. */
static void
apply(struct policy_eval *ev, int i, const struct centry *ce, int cached,
    int64_t now)
{
	struct policy_engine		*e = ev->e;
	struct policy_list_result	*res = &ev->f.lists[i];
	const struct policy_site	*s = res->site;
	struct zlist			*zl = &e->zl[e->site_zl[i]];
	int				 k, listed = 0, err = -1;

	res->cached = cached;
	res->ttl = ce->expires > now ? (uint32_t)(ce->expires - now) : 0;
	res->ncodes = ce->ncodes;
	memcpy(res->codes, ce->codes, sizeof(ce->codes[0]) * ce->ncodes);
	if (ce->status == CE_TEMPFAIL) {
		res->state = POLICY_LIST_TEMPFAIL;
		return;
	}
	for (k = 0; k < ce->ncodes; k++) {
		if (policy_code_is_error(ce->codes[k])) {
			if (err == -1)
				err = k;
		} else if (policy_site_match(s, ce->codes[k]))
			listed = 1;
	}
	if (listed) {
		res->state = POLICY_LIST_LISTED;
		res->weight = s->weight;
	} else if (err != -1) {
		char	code[16];

		res->state = POLICY_LIST_ERROR;
		if (zl->err_logged == 0 || now - zl->err_logged >=
		    ERROR_LOG_S) {
			zl->err_logged = now;
			addr_v4_text(ce->codes[err], code, sizeof(code));
			log_warnx("dnsbl %s: error answer %s for %s, not a "
			    "listing; ignoring it (logged once an hour)",
			    s->label != NULL ? s->label : s->zone, code,
			    ev->f.ip);
		}
	} else
		res->state = POLICY_LIST_CLEAN;
}

static void
dnsbl_answered(void *arg, enum dns_resolver_status st, const uint8_t *pkt,
    size_t len)
{
	struct centry		*ce = arg;
	struct policy_engine	*e = ce->e;
	struct waiter		*w;
	struct policy_eval	*ev;
	uint32_t		 ttl = 0;
	int64_t			 now;

	switch (st) {
	case DNS_RES_OK:
		if (policy_parse_a(pkt, len, ce->codes, &ce->ncodes,
		    &ttl) == -1)
			ce->status = CE_TEMPFAIL;
		else
			ce->status = ce->ncodes > 0 ? CE_ANSWER : CE_EMPTY;
		break;
	case DNS_RES_NODATA:
	case DNS_RES_NXDOMAIN:
		ce->status = CE_EMPTY;
		ttl = 0;	/* negative answers: ttl_min */
		break;
	default:
		ce->status = CE_TEMPFAIL;
		break;
	}
	if (e->closing) {
		ce->inflight = 0;
		ce->status = CE_TEMPFAIL;	/* freed with the table */
		TAILQ_INSERT_TAIL(&e->aged, ce, age);
		return;
	}
	policy_cache_settle(e, ce, ttl);
	/* A TEMPFAIL is not cached: unlink now, free after the waiters. */
	if (ce->status == CE_TEMPFAIL)
		policy_cache_unlink(e, ce);
	now = time_mono_ms() / 1000;
	/* A done callback may cancel or start evaluations: re-read. */
	ce->busy = 1;
	while ((w = TAILQ_FIRST(&ce->waiters)) != NULL) {
		TAILQ_REMOVE(&ce->waiters, w, link);
		w->ce = NULL;
		ev = w->ev;
		apply(ev, (int)(w - ev->w), ce, 0, now);
		ev->f.lists[w - ev->w].ms = time_ms_since(ev->t0_us);
		if (--ev->outstanding == 0)
			finish(ev);
		else if (!ev->setup && ((w = TAILQ_FIRST(&ce->waiters)) ==
		    NULL || w->ev != ev) && decided_early(ev))
			/* (Sites of one zone wait in a row: all applied.) */
			decide_early(ev);
	}
	ce->busy = 0;
	if (ce->status == CE_TEMPFAIL)
		policy_cache_entry_free(ce);
}

/* ------------------------------------------------------------------ */
/* SPF                                                                 */
/* ------------------------------------------------------------------ */

static void	spf_job_run(struct spf_job *);

static void
spf_job_free(struct spf_job *j)
{
	spf_free(j->s);
	free(j->key);
	free(j);
}

static void
spf_job_done(struct spf_job *j)
{
	struct policy_engine	*e = j->e;
	const struct policy_conf *pc = e->pc;
	struct policy_eval	*ev = j->ev;
	struct policy_facts	*f;
	struct centry		*ce;
	struct sbuf		 hb;
	enum spf_result		 r = spf_result(j->s);
	const char		*exp = spf_explanation(j->s);
	uint32_t		 h;

	sbuf_init(&hb);
	if (j->kind == CE_SPF && pc->spf_header != POLICY_SPF_HDR_NONE) {
		if (pc->spf_header == POLICY_SPF_HDR_AR)
			spf_auth_results(j->s, pc->authserv_id, &hb);
		else
			spf_received_spf(j->s, pc->authserv_id, &hb);
		/* Too long to prepend whole: better none than a cut one. */
		if (hb.len >= POLICY_HEADER_MAX)
			sbuf_reset(&hb);
	}
	if (r != SPF_TEMPERROR && !e->closing) {
		h = policy_cache_hash(e, j->kind, NULL, j->key, j->keylen);
		ce = policy_cache_find(e, j->kind, NULL, j->key, j->keylen, h);
		if (ce == NULL)
			ce = policy_cache_add(e, j->kind, NULL, j->key,
			    j->keylen, h);
		else if (!ce->inflight) {
			TAILQ_REMOVE(&e->aged, ce, age);
			ce->inflight = 1;
		}
		ce->spf = r;
		free(ce->spf_exp);
		free(ce->spf_hdr);
		ce->spf_exp = exp != NULL ? xstrdup(exp) : NULL;
		ce->spf_hdr = hb.len > 0 ? xstrdup(hb.s) : NULL;
		policy_cache_settle(e, ce, 0);
	}
	if (ev == NULL) {
		sbuf_free(&hb);
		spf_job_free(j);
		return;
	}
	f = &ev->f;
	if (j->kind == CE_SPF) {
		f->spf_done = 1;
		f->spf_result = r;
		str_lcpy(f->spf_explanation, exp != NULL ? exp : "",
		    sizeof(f->spf_explanation));
		str_lcpy(f->spf_header, hb.len > 0 ? hb.s : "",
		    sizeof(f->spf_header));
		ev->spf[0] = NULL;
	} else {
		f->helo_done = 1;
		f->helo_result = r;
		ev->spf[1] = NULL;
	}
	sbuf_free(&hb);
	spf_job_free(j);
	if (--ev->outstanding == 0)
		finish(ev);
}

static void
spf_job_answer(void *arg, const struct spf_answer *a)
{
	struct spf_job	*j = arg;

	spf_answer(j->s, a);
	if (j->inq) {
		j->answered = 1;
		return;
	}
	spf_job_run(j);
}

static void
spf_job_run(struct spf_job *j)
{
	for (;;) {
		if (j->e->closing || spf_step(j->s) == SPF_STEP_DONE) {
			spf_job_done(j);
			return;
		}
		j->answered = 0;
		j->inq = 1;
		j->e->st.queries++;
		if (j->ev != NULL)
			j->ev->f.queries++;
		j->e->spf_dq.query(j->e->spf_dq.ctx, spf_query_name(j->s),
		    spf_query_type(j->s), spf_job_answer, j);
		j->inq = 0;
		if (!j->answered)
			return;		/* spf_job_answer goes on */
	}
}

/*
 * Let a job run on without its evaluation (cancel, deadline): it still
 * fills the cache for the next client of that sender, within the RFC
 * 7208 section 4.6.4 limits and the lookup timeouts, and frees itself.
 * During policy_engine_free it stops at its next step.
 */
static void
spf_job_detach(struct spf_job *j)
{
	j->ev = NULL;
}

/* ------------------------------------------------------------------ */
/* evaluations                                                         */
/* ------------------------------------------------------------------ */

static struct policy_eval *
promote(struct policy_eval *ev)
{
	struct policy_engine	*e = ev->e;
	struct policy_eval	*n;

	if (ev->heap)
		return ev;
	n = xmalloc(sizeof(*n));
	memcpy(n, ev, sizeof(*n));
	n->heap = 1;
	TAILQ_INSERT_TAIL(&e->evals, n, link);
	e->scratch_busy = 0;
	return n;
}

static void
release(struct policy_eval *ev)
{
	struct policy_engine	*e = ev->e;

	if (ev->heap)
		free(ev);
	else
		e->scratch_busy = 0;
}

/*
 * Unlink waiters and detach SPF: nothing refers to ev afterwards. Flags
 * (DISC_*) say how what is still out shows in the facts.
 */
static void
disconnect(struct policy_eval *ev, int flags)
{
	int	i, k;

	for (i = 0; i < ev->f.nlists; i++) {
		struct waiter	*w = &ev->w[i];

		if (w->ce == NULL)
			continue;
		TAILQ_REMOVE(&w->ce->waiters, w, link);
		w->ce = NULL;
		if (flags & DISC_LISTS)
			ev->f.lists[i].state = POLICY_LIST_PENDING;
	}
	for (k = 0; k < 2; k++) {
		if (ev->spf[k] == NULL)
			continue;
		spf_job_detach(ev->spf[k]);
		ev->spf[k] = NULL;
		if (!(flags & DISC_SPF))
			continue;
		/* RFC 7208 section 2.6.6: no answer in time. */
		if (k == 0) {
			ev->f.spf_done = 1;
			ev->f.spf_result = SPF_TEMPERROR;
		} else {
			ev->f.helo_done = 1;
			ev->f.helo_result = SPF_TEMPERROR;
		}
	}
	if (ev->armed) {
		event_del(&ev->deadline);
		ev->armed = 0;
	}
}

/*
 * Can the lists still out no longer change the verdict? The lists that
 * answered already reach the threshold with a positive score, and every
 * list still out can only add to it (weight >= 0). Nothing else out can
 * come first: local lists were read synchronously, and SPF and fail-open
 * come after the dnsbl rule. With a dnsbl action of dunno the verdict is
 * a pass that still wants the SPF header: wait then.
 */
static int
decided_early(const struct policy_eval *ev)
{
	const struct policy_conf	*pc = ev->e->pc;
	const struct policy_facts	*f = &ev->f;
	int				 i, score = 0;

	if (pc->action == POLICY_DUNNO || f->exempt != NULL ||
	    f->has_allow || f->has_block)
		return 0;
	for (i = 0; i < f->nlists; i++) {
		if (ev->w[i].ce != NULL) {
			if (f->lists[i].site->weight < 0)
				return 0;
		} else if (f->lists[i].state == POLICY_LIST_LISTED)
			score += f->lists[i].weight;
	}
	return score > 0 && score >= pc->threshold;
}

/* Decide now: lists still out are PENDING, SPF out is left undone. */
static void
decide_early(struct policy_eval *ev)
{
	disconnect(ev, DISC_LISTS);
	ev->outstanding = 0;
	finish(ev);
}

/* Zones of the lists in state st (TEMPFAIL also counts PENDING). */
static void
state_names(const struct policy_facts *f, enum policy_list_state st,
    char *dst, size_t size)
{
	enum policy_list_state	s;
	int			i;

	dst[0] = '\0';
	for (i = 0; i < f->nlists; i++) {
		s = f->lists[i].state;
		if (s == POLICY_LIST_PENDING && st == POLICY_LIST_TEMPFAIL)
			s = POLICY_LIST_TEMPFAIL;
		if (s != st)
			continue;
		/* Sites of one zone (presets) come in a row: name it once. */
		if (i > 0 && strcmp(f->lists[i - 1].site->zone,
		    f->lists[i].site->zone) == 0 && (f->lists[i - 1].state ==
		    f->lists[i].state || (st == POLICY_LIST_TEMPFAIL &&
		    (f->lists[i - 1].state == POLICY_LIST_PENDING ||
		    f->lists[i - 1].state == POLICY_LIST_TEMPFAIL))))
			continue;
		if (dst[0] != '\0')
			str_lcat(dst, ",", size);
		str_lcat(dst, f->lists[i].site->zone, size);
	}
}

static void
listed_names(const struct policy_facts *f, char *dst, size_t size)
{
	int	i;

	dst[0] = '\0';
	for (i = 0; i < f->nlists; i++) {
		if (f->lists[i].state != POLICY_LIST_LISTED)
			continue;
		/* Sites of one zone (presets) come in a row: name it once. */
		if (i > 0 && f->lists[i - 1].state == POLICY_LIST_LISTED &&
		    strcmp(f->lists[i - 1].site->zone,
		    f->lists[i].site->zone) == 0)
			continue;
		if (dst[0] != '\0')
			str_lcat(dst, ",", size);
		str_lcat(dst, f->lists[i].site->zone, size);
	}
	if (dst[0] == '\0')
		str_lcpy(dst, "-", size);
}

/* fairlist_policy_verdicts_total{rule, action}: every verdict sent. */
static struct metrics_family	*m_verdicts;

__attribute__((constructor)) static void
engine_metrics(void)
{
	static const char *const rules[] = { "exempt", "allowlist",
		"blocklist", "dnsbl", "spf", "fail-open", "pass", NULL };
	static const char *const actions[] = { "dunno", "reject", "defer",
		"tag", "report", NULL };
	static const struct metrics_label labels[] = {
		{ "rule", rules, 0 },
		{ "action", actions, 0 },
	};

	m_verdicts = metrics_counter("fairlist_policy_verdicts_total",
	    "Policy verdicts, by the rule that decided and the action.",
	    labels, 2);
}

static void
finish(struct policy_eval *ev)
{
	struct policy_engine	*e = ev->e;
	struct policy_verdict	 v;
	char			 lists[512];

	disconnect(ev, 0);
	ev->f.ms = time_ms_since(ev->t0_us);
	policy_decide(e->pc, &ev->f, &v);
	metrics_inc(m_verdicts, metrics_series(m_verdicts,
	    (const char *const[]){ v.rule, policy_action_name(v.action) }));
	if (strcmp(v.rule, "fail-open") == 0) {
		/* Name what did not answer: that is what to look at. */
		state_names(&ev->f, POLICY_LIST_TEMPFAIL, lists,
		    sizeof(lists));
		if ((ev->f.spf_done && ev->f.spf_result == SPF_TEMPERROR) ||
		    (ev->f.helo_done && ev->f.helo_result == SPF_TEMPERROR))
			str_lcat(lists, lists[0] != '\0' ? ",spf" : "spf",
			    sizeof(lists));
		log_info("policy: %s: fail-open (%s): no answer from %s in "
		    "%.0f ms", ev->f.ip, policy_action_name(v.action),
		    lists[0] != '\0' ? lists : "?", ev->f.ms);
	} else if (strcmp(v.rule, "blocklist") == 0) {
		/* No remote list was asked: name the listing that decided. */
		log_info("policy: client=%s rule=blocklist action=%s zone=%s "
		    "listing=%s ms=%.1f", ev->f.ip, policy_action_name(v.action),
		    ev->f.block.zone, ev->f.block.prefix, ev->f.ms);
	} else if (v.action != POLICY_DUNNO || strcmp(v.rule, "dnsbl") == 0 ||
	    strcmp(v.rule, "spf") == 0) {
		char	pending[512];

		listed_names(&ev->f, lists, sizeof(lists));
		state_names(&ev->f, POLICY_LIST_PENDING, pending,
		    sizeof(pending));
		log_info("policy: client=%s rule=%s action=%s score=%d/%d "
		    "lists=%s%s%s ms=%.1f", ev->f.ip, v.rule,
		    policy_action_name(v.action), v.score, v.threshold, lists,
		    pending[0] != '\0' ? " pending=" : "", pending, ev->f.ms);
	} else
		log_debug("policy: client=%s rule=%s%s%s ms=%.3f", ev->f.ip,
		    v.rule, ev->f.exempt != NULL ? " exempt=" : "",
		    ev->f.exempt != NULL ? ev->f.exempt : "", ev->f.ms);
	if (ev->heap)
		TAILQ_REMOVE(&e->evals, ev, link);
	ev->done(ev->arg, &ev->f, &v);
	release(ev);
}

static void
deadline_fired(evutil_socket_t fd, short what, void *arg)
{
	struct policy_eval	*ev = arg;
	struct policy_engine	*e = ev->e;
	char			 out[512];
	int64_t			 now;
	int			 i;

	(void)fd;
	(void)what;
	ev->armed = 0;
	out[0] = '\0';
	for (i = 0; i < ev->f.nlists; i++) {
		if (ev->w[i].ce == NULL)
			continue;
		/* Sites of one zone wait on one entry: name it once. */
		if (i > 0 && ev->w[i - 1].ce == ev->w[i].ce)
			continue;
		if (out[0] != '\0')
			str_lcat(out, ",", sizeof(out));
		str_lcat(out, ev->f.lists[i].site->zone, sizeof(out));
	}
	if (ev->spf[0] != NULL || ev->spf[1] != NULL)
		str_lcat(out, out[0] != '\0' ? ",spf" : "spf", sizeof(out));
	/* A dead resolver times out every client: one line a second. */
	now = time_mono_ms() / 1000;
	if (now != e->warn_at) {
		if (e->warn_quiet > 0)
			log_warnx("policy: %d more evaluations reached the "
			    "deadline", e->warn_quiet);
		log_warnx("policy: %s: deadline: no answer from %s in %.0f "
		    "ms; deciding without", ev->f.ip, out[0] != '\0' ? out :
		    "?", time_ms_since(ev->t0_us));
		e->warn_at = now;
		e->warn_quiet = 0;
	} else
		e->warn_quiet++;
	ev->f.timed_out = 1;
	e->st.timeouts++;
	disconnect(ev, DISC_LISTS | DISC_SPF);
	ev->outstanding = 0;
	finish(ev);
}

/* Why the client needs no checks, or NULL. */
static const char *
exempt_reason(const struct policy_conf *pc, const struct policy_facts *f)
{
	const char	*rcpt = f->recipient, *at;
	size_t		 llen;
	int		 i, v4;

	v4 = addr_is_v4(f->a, NULL);
	for (i = 0; i < pc->nexempt; i++) {
		/* Issue 9: an IPv6 prefix never matches an IPv4 client. */
		if (v4 && pc->exempt[i].family == 6)
			continue;
		if (addr_contains(&pc->exempt[i], f->a))
			return "network";
	}
	if (f->sasl && pc->exempt_sasl)
		return "sasl";
	if (rcpt[0] == '\0')
		return NULL;
	if (pc->removal_address != NULL &&
	    strcasecmp(rcpt, pc->removal_address) == 0)
		return "removal-address";
	/* RFC 5321 section 4.5.1: "postmaster" without a domain. */
	if ((at = strrchr(rcpt, '@')) == NULL) {
		if (strcasecmp(rcpt, "postmaster") == 0)
			return "recipient";
		llen = strlen(rcpt);
	} else
		llen = (size_t)(at - rcpt);
	for (i = 0; i < pc->nexempt_rcpt; i++)
		if (pc->exempt_rcpt[i] != NULL &&
		    strlen(pc->exempt_rcpt[i]) == llen &&
		    strncasecmp(rcpt, pc->exempt_rcpt[i], llen) == 0)
			return "recipient";
	return NULL;
}

/*
 * The blocklist entry of a configuration without a policy block
 * (pc->local_store): every zone of the snapshot rejects with the default
 * reply.
 */
static const struct policy_local store_zone = {
	.allow = 0, .action = POLICY_REJECT, .reply = NULL
};

/*
 * Fill OUT:h from the listing hit of snapshot zone z for local list lc;
 * base is http { public-url } for the zone's URL (NULL: as stored).
 */
static void
local_hit(struct policy_facts *f, struct policy_local_hit *h,
    const struct policy_local *lc, const struct index *idx, int z,
    const struct index_hit *hit, const char *base)
{
	const struct index_zone	*zt = index_zone_get(idx, z);
	struct addr_prefix	 p;
	struct policy_vars	 vars;
	char			 tpl[POLICY_TEMPLATE_MAX];

	h->local = lc;
	str_lcpy(h->zone, zt != NULL ? zt->name : lc->zone, sizeof(h->zone));
	memcpy(p.a, hit->a, ADDR_LEN);
	p.plen = hit->plen;
	p.family = addr_is_v4(hit->a, NULL) ? 4 : 6;
	addr_format(&p, h->prefix, sizeof(h->prefix));
	str_lcpy(h->reason, hit->v->reason != NULL ? hit->v->reason : "",
	    sizeof(h->reason));
	h->listed_at = hit->v->listed_at;
	h->expires_at = hit->v->expires_at;
	h->code = hit->v->code;
	h->url[0] = '\0';
	if (zt != NULL && zt->url != NULL && zt->url[0] != '\0') {
		memset(&vars, 0, sizeof(vars));
		vars.ip = f->ip;
		vars.zone = h->zone;
		vars.list = h->zone;
		list_url_rebase(tpl, sizeof(tpl), zt->url, base);
		policy_reply_expand(tpl, &vars, h->url, sizeof(h->url));
	}
}

/*
 * The configured allowlists and blocklists in order, or with
 * pc->local_store every zone of this snapshot as a blocklist (in the
 * snapshot's zone order; the first that lists the client decides), so a
 * zone added to the store is judged from the first snapshot that has it.
 */
static void
local_lists(struct policy_engine *e, struct policy_eval *ev,
    const struct index *idx)
{
	const struct policy_conf	*pc = e->pc;
	struct policy_facts		*f = &ev->f;
	const struct policy_local	*lc;
	struct index_hit		 hit;
	int				 i, z, n;

	if (idx == NULL)
		return;
	for (i = 0; i < pc->nlocal && !f->has_allow; i++) {
		lc = &pc->local[i];
		if (!lc->allow && f->has_block)
			continue;
		z = index_zone_find(idx, lc->zone, strlen(lc->zone));
		if (z < 0 || !index_match(idx, z, f->a, f->now, &hit) ||
		    hit.v == NULL)
			continue;
		if (lc->allow) {
			local_hit(f, &f->allow, lc, idx, z, &hit,
			    pc->public_url);
			f->has_allow = 1;
		} else {
			local_hit(f, &f->block, lc, idx, z, &hit,
			    pc->public_url);
			f->has_block = 1;
		}
	}
	if (!pc->local_store || f->has_allow || f->has_block)
		return;
	n = index_zone_count(idx);
	for (z = 0; z < n; z++) {
		if (!index_match(idx, z, f->a, f->now, &hit) || hit.v == NULL)
			continue;
		local_hit(f, &f->block, &store_zone, idx, z, &hit,
		    pc->public_url);
		f->has_block = 1;
		return;
	}
}

static struct policy_eval *
remote_lists(struct policy_engine *e, struct policy_eval *ev)
{
	const struct policy_conf	*pc = e->pc;
	struct policy_list_result	*res;
	struct zlist			*zl;
	struct centry			*ce;
	struct waiter			*w;
	char				 name[QNAME_MAX];
	size_t				 rlen, zlen, n;
	int64_t				 now = 0;
	uint32_t			 h;
	int				 i, fresh;

	ev->f.nlists = pc->nsites;
	if (pc->nsites == 0)
		return ev;
	rlen = addr_reverse_name(ev->f.a, name, sizeof(name));
	for (i = 0; i < pc->nsites; i++) {
		res = &ev->f.lists[i];
		res->site = &pc->sites[i];
		zl = &e->zl[e->site_zl[i]];
		if (zl->dead) {
			res->state = POLICY_LIST_DEAD;
			continue;
		}
		zlen = strlen(zl->zone);
		if (rlen == 0 || rlen + zlen > DNAME_MAX ||
		    rlen + zlen >= sizeof(name)) {
			/*
			 * A zone the configuration accepts may still be too
			 * long under 32 nibbles (or even an IPv4 address):
			 * no query can ask it, so the list cannot say.
			 */
			res->state = POLICY_LIST_ERROR;
			if (!zl->long_logged)
				log_warnx("dnsbl %s: the query name for %s "
				    "would be %zu bytes, over the DNS limit of "
				    "%d; counting the list as unknown for such "
				    "clients (logged once)", zl->zone, ev->f.ip,
				    rlen + zlen, DNAME_MAX);
			zl->long_logged = 1;
			continue;
		}
		memcpy(name + rlen, zl->zone, zlen + 1);
		n = rlen + zlen;
		/* The evaluation's start: one clock read per request. */
		if (now == 0)
			now = ev->t0_us / 1000000;
		h = policy_cache_hash(e, CE_DNSBL, zl->r, name, n);
		ce = policy_cache_find(e, CE_DNSBL, zl->r, name, n, h);
		/* busy: just answered, even with a TTL of 0. */
		if (ce != NULL && !ce->inflight && (ce->expires > now ||
		    ce->busy)) {
			apply(ev, i, ce, 1, now);
			ev->f.cache_hits++;
			e->st.cache_hits++;
			continue;
		}
		ev = promote(ev);
		fresh = 0;
		if (ce == NULL) {
			ce = policy_cache_add(e, CE_DNSBL, zl->r, name, n, h);
			fresh = 1;
		} else if (!ce->inflight) {
			/* Expired: ask again in the same entry. */
			TAILQ_REMOVE(&e->aged, ce, age);
			ce->inflight = 1;
			ce->ncodes = 0;
			fresh = 1;
		}
		/* Wait first: the answer may come inside policy_res_query. */
		w = &ev->w[i];
		w->ev = ev;
		w->ce = ce;
		TAILQ_INSERT_TAIL(&ce->waiters, w, link);
		ev->outstanding++;
		if (fresh) {
			ev->f.queries++;
			e->st.queries++;
			policy_res_query(zl->r, name, DNS_T_A,
			    dnsbl_answered, ce);
		}
	}
	return ev;
}

/* SPF for one identity: from the cache, else a job (ev is promoted). */
static struct policy_eval *
start_spf(struct policy_engine *e, struct policy_eval *ev, enum ce_kind kind)
{
	const struct policy_conf	*pc = e->pc;
	struct policy_facts		*f = &ev->f;
	struct spf_request		 req;
	struct spf_job			*j;
	struct centry			*ce;
	struct spf			*s;
	char				 key[SPF_KEY_MAX], err[256];
	uint32_t			 h;
	int				 n;

	if (kind == CE_SPF)
		n = snprintf(key, sizeof(key), "%s\n%s\n%s", f->ip, f->sender,
		    f->helo);
	else
		n = snprintf(key, sizeof(key), "%s\n%s", f->ip, f->helo);
	if (n < 0 || (size_t)n >= sizeof(key))
		return ev;
	h = policy_cache_hash(e, kind, NULL, key, (size_t)n);
	ce = policy_cache_find(e, kind, NULL, key, (size_t)n, h);
	if (ce != NULL && !ce->inflight &&
	    ce->expires > ev->t0_us / 1000000) {
		f->cache_hits++;
		e->st.cache_hits++;
		if (kind == CE_SPF) {
			f->spf_done = 1;
			f->spf_result = ce->spf;
			str_lcpy(f->spf_explanation, ce->spf_exp != NULL ?
			    ce->spf_exp : "", sizeof(f->spf_explanation));
			str_lcpy(f->spf_header, ce->spf_hdr != NULL ?
			    ce->spf_hdr : "", sizeof(f->spf_header));
		} else {
			f->helo_done = 1;
			f->helo_result = ce->spf;
		}
		return ev;
	}
	memset(&req, 0, sizeof(req));
	req.ip = f->ip;
	req.mail_from = kind == CE_SPF ? f->sender : NULL;
	req.helo = f->helo[0] != '\0' ? f->helo : NULL;
	req.identity = kind == CE_SPF ? SPF_ID_MAILFROM : SPF_ID_HELO;
	req.receiver = pc->authserv_id;
	if ((s = spf_new(&req, err, sizeof(err))) == NULL) {
		log_debug("policy: client=%s: no SPF check: %s", f->ip, err);
		return ev;
	}
	ev = promote(ev);
	j = xcalloc(1, sizeof(*j));
	j->e = e;
	j->ev = ev;
	j->s = s;
	j->kind = kind;
	j->key = xstrndup(key, (size_t)n);
	j->keylen = (size_t)n;
	ev->spf[kind == CE_SPF ? 0 : 1] = j;
	ev->outstanding++;
	spf_job_run(j);
	return ev;
}

/*
 * Ready f for a new evaluation. The facts are over 12 KB, and zeroing them
 * whole was the largest cost of a cached request (over 40% of its
 * instructions). Most of it needs no zeroing: the local hits are filled
 * whole before has_allow or has_block says they are valid, the strings
 * are read up to their NUL, and only lists[0..nlists) are read. So: every
 * scalar, the first byte of every string, and the lists of the sites.
 */
static void
facts_reset(struct policy_facts *f, int nsites)
{
	f->ip[0] = '\0';
	memset(f->a, 0, sizeof(f->a));
	f->sender[0] = '\0';
	f->helo[0] = '\0';
	f->recipient[0] = '\0';
	f->sasl = 0;
	f->now = 0;
	f->exempt = NULL;
	f->has_allow = 0;
	f->has_block = 0;
	memset(f->lists, 0, sizeof(f->lists[0]) * (size_t)nsites);
	f->nlists = 0;
	f->spf_done = 0;
	f->spf_result = SPF_NONE;
	f->spf_explanation[0] = '\0';
	f->spf_header[0] = '\0';
	f->helo_result = SPF_NONE;
	f->helo_done = 0;
	f->cache_hits = 0;
	f->queries = 0;
	f->timed_out = 0;
	f->ms = 0;
}

struct policy_eval *
policy_evaluate(struct policy_engine *e, const struct index *idx,
    const struct policy_query *q, void (*done)(void *arg,
    const struct policy_facts *f, const struct policy_verdict *v), void *arg)
{
	const struct policy_conf	*pc = e->pc;
	struct policy_eval		*ev;
	struct policy_facts		*f;
	struct addr_prefix		 p;
	const char			*err;
	struct timeval			 tv;
	int				 ms, early;

	if (!e->scratch_busy) {
		ev = &e->scratch;
		e->scratch_busy = 1;
		ev->heap = 0;
	} else {
		ev = xmalloc(sizeof(*ev));
		ev->heap = 1;
		TAILQ_INSERT_TAIL(&e->evals, ev, link);
	}
	ev->e = e;
	ev->done = done;
	ev->arg = arg;
	ev->armed = 0;
	ev->setup = 1;		/* no early decision inside this call */
	ev->outstanding = 1;	/* held until the end of this call */
	ev->spf[0] = ev->spf[1] = NULL;
	ev->t0_us = time_mono_us();
	f = &ev->f;
	facts_reset(f, pc->nsites);
	memset(ev->w, 0, sizeof(ev->w[0]) * (size_t)pc->nsites);
	e->st.evaluations++;

	f->now = (int64_t)time(NULL);
	f->sasl = q->sasl;
	if (q->helo != NULL)
		str_lcpy(f->helo, q->helo, sizeof(f->helo));
	if (q->sender != NULL)
		str_lcpy(f->sender, q->sender, sizeof(f->sender));
	if (q->recipient != NULL)
		str_lcpy(f->recipient, q->recipient, sizeof(f->recipient));
	if (q->client_address == NULL ||
	    addr_parse(q->client_address, &p, &err) == -1 || p.plen != 128) {
		/* Postfix always sends one; judge nothing we cannot name. */
		str_lcpy(f->ip, "unknown", sizeof(f->ip));
		f->exempt = "no client address";
	} else {
		memcpy(f->a, p.a, ADDR_LEN);
		/*
		 * Always our own text, never the request's: Postfix's IPv6
		 * text need not be canonical, and "1.2.3.4/32" parses too.
		 */
		addr_ntop(p.a, p.family, f->ip, sizeof(f->ip));
		f->exempt = exempt_reason(pc, f);
	}
	if (f->exempt == NULL)
		local_lists(e, ev, idx);
	early = 0;
	if (f->exempt == NULL && !f->has_allow && !f->has_block) {
		ev = remote_lists(e, ev);
		/* Cached listings may already decide: SPF cannot matter. */
		early = decided_early(ev);
		if (!early && pc->spf && (ev->f.sender[0] != '\0' ||
		    ev->f.helo[0] != '\0'))
			ev = start_spf(e, ev, CE_SPF);
		/* With no sender the MAIL FROM check is the HELO check. */
		if (!early && pc->spf && pc->spf_helo &&
		    ev->f.helo[0] != '\0' && ev->f.sender[0] != '\0')
			ev = start_spf(e, ev, CE_SPF_HELO);
	}
	ev->setup = 0;
	if (--ev->outstanding == 0) {
		finish(ev);
		return NULL;
	}
	if (early) {
		decide_early(ev);
		return NULL;
	}
	ms = pc->deadline_ms > 0 ? pc->deadline_ms : POLICY_DEADLINE_MS;
	ms = ms > 2 * POLICY_MARGIN_MS ? ms - POLICY_MARGIN_MS : ms / 2;
	evtimer_assign(&ev->deadline, e->base, deadline_fired, ev);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(&ev->deadline, &tv);
	ev->armed = 1;
	return ev;
}

void
policy_cancel(struct policy_eval *ev)
{
	if (ev == NULL)
		return;
	disconnect(ev, 0);
	if (ev->heap)
		TAILQ_REMOVE(&ev->e->evals, ev, link);
	release(ev);
}

struct policy_engine *
policy_engine_new(const struct policy_conf *pc, struct event_base *base,
    char *err, size_t errlen)
{
	struct policy_engine	*e;
	struct resolver		*r;
	const char		*servers;
	struct timeval		 tv;
	int			 i, k;

	if (pc->nsites < 0 || pc->nsites > POLICY_SITES_MAX) {
		snprintf(err, errlen, "bad number of DNSBL sites");
		return NULL;
	}
	e = xcalloc(1, sizeof(*e));
	e->pc = pc;
	e->base = base;
	e->dns = dns_hook;
	e->seed = hash_seed();
	e->buckets = xcalloc(CACHE_BUCKETS, sizeof(*e->buckets));
	TAILQ_INIT(&e->aged);
	TAILQ_INIT(&e->evals);
	TAILQ_INIT(&e->confirms);
	if (pc->spf && (e->spf_res = policy_resolver_get(e, pc->resolver,
	    err, errlen)) == NULL)
		goto fail;
	if (e->spf_res != NULL) {
		e->spf_raw.ctx = e->spf_res;
		e->spf_raw.query = spf_raw_query;
		spf_resolver_raw(&e->spf_raw, &e->spf_dq);
	}
	for (i = 0; i < pc->nsites; i++) {
		const struct policy_site	*s = &pc->sites[i];

		servers = s->server != NULL ? s->server : pc->resolver;
		if ((r = policy_resolver_get(e, servers, err,
		    errlen)) == NULL)
			goto fail;
		for (k = 0; k < e->nzl; k++)
			if (e->zl[k].r == r &&
			    strcmp(e->zl[k].zone, s->zone) == 0)
				break;
		if (k == e->nzl) {
			e->zl[k].e = e;
			e->zl[k].zone = s->zone;
			e->zl[k].r = r;
			e->zl[k].pr[0].zl = &e->zl[k];
			e->zl[k].pr[0].point = 2;
			e->zl[k].pr[1].zl = &e->zl[k];
			e->zl[k].pr[1].point = 1;
			/* No test point fits under a zone that long. */
			e->zl[k].noprobe = PROBE_PREFIX + strlen(s->zone) >
			    DNAME_MAX;
			e->nzl++;
		}
		e->site_zl[i] = k;
	}
	if (policy_confirm_init(e, err, errlen) == -1)
		goto fail;
	e->sweep_timer = event_new(base, -1, EV_PERSIST, sweep, e);
	if (e->sweep_timer == NULL) {
		snprintf(err, errlen, "event_new failed");
		goto fail;
	}
	tv.tv_sec = SWEEP_S;
	tv.tv_usec = 0;
	evtimer_add(e->sweep_timer, &tv);
	if (pc->probe_s > 0 && e->nzl > 0) {
		e->probe_timer = event_new(base, -1, EV_PERSIST, probe_fired,
		    e);
		if (e->probe_timer == NULL) {
			snprintf(err, errlen, "event_new failed");
			goto fail;
		}
		tv.tv_sec = pc->probe_s;
		evtimer_add(e->probe_timer, &tv);
		policy_probe_all(e);
	}
	return e;
fail:
	policy_engine_free(e);
	return NULL;
}

void
policy_engine_free(struct policy_engine *e)
{
	struct policy_eval	*ev;
	int			 i;

	if (e == NULL)
		return;
	while ((ev = TAILQ_FIRST(&e->evals)) != NULL)
		policy_cancel(ev);
	policy_confirm_detach_all(e);
	e->closing = 1;
	if (e->probe_timer != NULL)
		event_free(e->probe_timer);
	if (e->sweep_timer != NULL)
		event_free(e->sweep_timer);
	/* Callbacks run here: entries settle, detached SPF jobs go. */
	if (e->dns.query != NULL && e->dns.cancel != NULL)
		e->dns.cancel(e->dns.ctx);
	for (i = 0; i < e->nres; i++)
		dns_evres_free(e->res[i].dr);
	policy_confirm_free_all(e);
	policy_cache_clear(e);
	free(e->buckets);
	free(e);
}

void
policy_engine_stats(const struct policy_engine *e, struct policy_stats *st)
{
	*st = e->st;
}

int
policy_engine_list_dead(const struct policy_engine *e, int i)
{
	if (i < 0 || i >= e->pc->nsites)
		return 0;
	return e->zl[e->site_zl[i]].dead;
}
