/*
 * confirm.c: confirm-check over the policy protocol (policy.h,
 * docs/POLICY.md): the SPF check of a request=confirm_check on the
 * engine's loop, and the reply lines.
 *
 * The decision itself is confirm_decide (src/confirm), the one the CLI
 * and POST /api/v1/confirm-check make; the server (delegation.c) calls it
 * with its own store connection once SPF is known. This file only gets
 * SPF without blocking the loop: RFC 7208 check_host() for the MAIL FROM
 * identity, stepped by spf_step over the engine's confirm resolver (a
 * c-ares client on the base, confirm { resolver } or the system's; the
 * engine's test seam in unit tests). Unlike the engine's own SPF it is
 * never cached: a confirmation is asked for once per request, and the
 * CLI evaluates afresh each time, so the two cannot differ by a cached
 * answer.
 *
 * Lifetimes: a check starts on the next loop turn (its callback never
 * runs inside policy_confirm_spf). At its deadline, or when cancelled,
 * it is detached: its callback no longer runs, and it is freed when the
 * query it has out comes back (at the latest when policy_engine_free
 * frees the resolver, which answers every query). Does not log; the
 * server logs every answer.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "core/xmalloc.h"
#include "policy/policy_int.h"

struct policy_confirm {
	TAILQ_ENTRY(policy_confirm) link;
	struct policy_engine	*e;
	struct spf		*s;
	void			(*done)(void *, enum spf_result); /* NULL:
						   detached */
	void			*arg;
	struct event		 start, deadline;
	int			 out;		/* a query is out */
	int			 inq;		/* inside the query call */
	int			 answered;	/* answered inside it */
};

static void	run(struct policy_confirm *);

/* SPF's raw queries (struct spf_raw), on the confirm resolver. */
static void
raw_query(void *ctx, const char *name, uint16_t type,
    void (*cb)(void *, enum dns_resolver_status, const uint8_t *, size_t),
    void *arg)
{
	policy_res_query(ctx, name, type, cb, arg);
}

int
policy_confirm_init(struct policy_engine *e, char *err, size_t errlen)
{
	const struct policy_conf	*pc = e->pc;

	if (!pc->confirm_check)
		return 0;
	if ((e->confirm_res = policy_resolver_get(e,
	    pc->confirm.resolver[0] != '\0' ? pc->confirm.resolver : NULL,
	    err, errlen)) == NULL)
		return -1;
	e->confirm_raw.ctx = e->confirm_res;
	e->confirm_raw.query = raw_query;
	spf_resolver_raw(&e->confirm_raw, &e->confirm_dq);
	return 0;
}

static void
job_free(struct policy_confirm *c)
{
	TAILQ_REMOVE(&c->e->confirms, c, link);
	event_del(&c->start);
	event_del(&c->deadline);
	spf_free(c->s);
	free(c);
}

/* Detach c: its callback will not run; it goes once nothing is out. */
static void
detach(struct policy_confirm *c)
{
	c->done = NULL;
	event_del(&c->start);
	event_del(&c->deadline);
	if (!c->out)
		job_free(c);
}

/* The check is over: free it, then tell the caller. */
static void
finish(struct policy_confirm *c, enum spf_result r)
{
	void	(*done)(void *, enum spf_result) = c->done;
	void	*arg = c->arg;

	job_free(c);
	if (done != NULL)
		done(arg, r);
}

static void
answered(void *arg, const struct spf_answer *a)
{
	struct policy_confirm	*c = arg;

	c->out = 0;
	if (c->done != NULL)
		spf_answer(c->s, a);
	if (c->inq) {
		c->answered = 1;
		return;		/* run() goes on */
	}
	if (c->done == NULL) {
		job_free(c);
		return;
	}
	run(c);
}

static void
run(struct policy_confirm *c)
{
	for (;;) {
		if (c->done == NULL) {
			job_free(c);
			return;
		}
		if (c->e->closing || spf_step(c->s) == SPF_STEP_DONE) {
			finish(c, spf_result(c->s));
			return;
		}
		c->out = 1;
		c->answered = 0;
		c->inq = 1;
		c->e->st.queries++;
		c->e->confirm_dq.query(c->e->confirm_dq.ctx,
		    spf_query_name(c->s), spf_query_type(c->s), answered, c);
		c->inq = 0;
		if (!c->answered)
			return;		/* answered() goes on */
	}
}

static void
started(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	run(arg);
}

/* RFC 7208 section 2.6.6: no answer in time is a temperror. */
static void
deadline_fired(evutil_socket_t fd, short what, void *arg)
{
	struct policy_confirm	*c = arg;
	void			(*done)(void *, enum spf_result) = c->done;
	void			*darg = c->arg;

	(void)fd;
	(void)what;
	c->e->st.timeouts++;
	detach(c);
	if (done != NULL)
		done(darg, SPF_TEMPERROR);
}

struct policy_confirm *
policy_confirm_spf(struct policy_engine *e, const char *ip,
    const char *sender, const char *helo, void (*done)(void *arg,
    enum spf_result r), void *arg, char *err, size_t errlen)
{
	const struct policy_conf	*pc = e->pc;
	struct policy_confirm		*c;
	struct spf_request		 req;
	struct spf			*s;
	struct timeval			 tv;
	int				 ms;

	if (e->confirm_res == NULL) {
		snprintf(err, errlen, "confirm-check is off");
		return NULL;
	}
	/* The request of `fairlist confirm-check` (spf_check_sync). */
	memset(&req, 0, sizeof(req));
	req.ip = ip;
	req.mail_from = sender;
	req.helo = helo != NULL && helo[0] != '\0' ? helo : NULL;
	req.identity = SPF_ID_MAILFROM;
	if ((s = spf_new(&req, err, errlen)) == NULL)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	c->e = e;
	c->s = s;
	c->done = done;
	c->arg = arg;
	TAILQ_INSERT_TAIL(&e->confirms, c, link);
	e->st.evaluations++;
	event_assign(&c->start, e->base, -1, 0, started, c);
	event_active(&c->start, EV_TIMEOUT, 1);
	/* The engine's own cut-off: the server answers before its deadline. */
	ms = pc->deadline_ms > 0 ? pc->deadline_ms : POLICY_DEADLINE_MS;
	ms = ms > 2 * POLICY_MARGIN_MS ? ms - POLICY_MARGIN_MS : ms / 2;
	evtimer_assign(&c->deadline, e->base, deadline_fired, c);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(&c->deadline, &tv);
	return c;
}

void
policy_confirm_cancel(struct policy_confirm *c)
{
	if (c != NULL)
		detach(c);
}

void
policy_confirm_detach_all(struct policy_engine *e)
{
	struct policy_confirm	*c, *next;

	for (c = TAILQ_FIRST(&e->confirms); c != NULL; c = next) {
		next = TAILQ_NEXT(c, link);
		detach(c);
	}
}

void
policy_confirm_free_all(struct policy_engine *e)
{
	/* Every resolver answered what it held: nothing can call back. */
	while (!TAILQ_EMPTY(&e->confirms))
		job_free(TAILQ_FIRST(&e->confirms));
}

/* ------------------------------------------------------------------ */
/* the reply                                                           */
/* ------------------------------------------------------------------ */

/* t as one line of printable ASCII: any other byte becomes '?'. */
static void
add_text(struct sbuf *b, const char *t)
{
	for (; *t != '\0'; t++)
		sbuf_addc(b, (unsigned char)*t >= 0x20 &&
		    (unsigned char)*t < 0x7f ? *t : '?');
}

void
policy_confirm_format(const struct confirm_result *r, struct sbuf *b)
{
	sbuf_reset(b);
	if (r->verdict == CONFIRM_SEND)
		sbuf_adds(b, "action=OK");
	else {
		/* A temperror is "not now": hold it and ask again. */
		sbuf_adds(b, r->reason == CONFIRM_R_TEMPERROR ?
		    "action=DEFER " : "action=REJECT ");
		add_text(b, r->text);
	}
	sbuf_printf(b, "\nverdict=%s\nreason=%s\nspf=%s\ndkim_aligned=%s\n"
	    "sent_address=%lld\nsent_domain=%lld\ncounted=%s\nexplanation=",
	    confirm_verdict_name(r->verdict), confirm_reason_name(r->reason),
	    spf_result_str(r->spf), r->dkim_aligned ? "yes" : "no",
	    (long long)r->sent_address, (long long)r->sent_domain,
	    r->counted ? "yes" : "no");
	add_text(b, r->text);
	sbuf_adds(b, "\n\n");
}

void
policy_confirm_format_error(enum policy_confirm_error why, struct sbuf *b)
{
	const char	*reason, *text;

	switch (why) {
	case POLICY_CONFIRM_STORE:
		reason = "store-error";
		text = "the send could not be counted in the store: hold "
		    "the confirmation and ask again later";
		break;
	case POLICY_CONFIRM_TIMEOUT:
	default:
		reason = "timeout";
		text = "no decision within the deadline: hold the "
		    "confirmation and ask again later";
		break;
	}
	sbuf_reset(b);
	sbuf_printf(b, "action=DEFER %s\nverdict=error\nreason=%s\n"
	    "explanation=%s\n\n", text, reason, text);
}
