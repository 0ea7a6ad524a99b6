/*
 * check.c: the milter's asynchronous checks on the daemon's resolver:
 * SPF (RFC 7208) of the MAIL FROM identity (the HELO name when MAIL FROM
 * is empty, section 2.4), started at MAIL, and DMARC policy discovery
 * (RFC 7489 section 6.6.3) for the From domain, started at the end of
 * the headers. Both are the protocol modules' state machines (spf_step,
 * dmarc_step) driven by dns_evres_query on the loop, the way the policy
 * engine drives SPF.
 *
 * A check calls its done callback once, when its machine has finished,
 * possibly before milter_*_start returns (an answer c-ares gives at
 * once). A check freed while a query is out is detached: the answer
 * frees it, and no further query is asked. The RFC 7208 section 4.6.4
 * limits are the SPF machine's; each query has the resolver's timeout,
 * and the milter's stage deadline bounds the wait at the end of the
 * message. No logging.
 */
#include <stdlib.h>

#include "core/xmalloc.h"
#include "dmarc/dmarc.h"
#include "dns/evres.h"
#include "milter/milter_int.h"
#include "spf/spf.h"

struct milter_check {
	struct dns_evres	*res;
	struct spf_resolver	 sr;		/* SPF's queries over res */
	struct spf_raw		 raw;
	struct spf		*spf;
	struct dmarc		*dmarc;
	void			(*done)(void *);
	void			*arg;
	int			 finished;
	int			 detached;	/* freed while a query is out */
	int			 out;		/* a query is out */
	int			 inq;		/* inside the query call */
	int			 answered;	/* it answered before returning */
};

static void
check_destroy(struct milter_check *k)
{
	spf_free(k->spf);
	dmarc_free(k->dmarc);
	free(k);
}

static void
check_finish(struct milter_check *k)
{
	k->finished = 1;
	if (k->done != NULL)
		k->done(k->arg);
}

/* ---- SPF ----------------------------------------------------------- */

static void	spf_go(struct milter_check *);

static void
evres_raw(void *ctx, const char *name, uint16_t type,
    void (*cb)(void *, enum dns_resolver_status, const uint8_t *, size_t),
    void *arg)
{
	dns_evres_query(ctx, name, type, cb, arg);
}

static void
spf_answered(void *arg, const struct spf_answer *a)
{
	struct milter_check	*k = arg;

	k->out = 0;
	if (k->detached) {
		check_destroy(k);
		return;
	}
	spf_answer(k->spf, a);
	if (k->inq) {
		k->answered = 1;
		return;
	}
	spf_go(k);
}

/* Step until a query is out (its answer goes on) or the check is over. */
static void
spf_go(struct milter_check *k)
{
	for (;;) {
		if (spf_step(k->spf) == SPF_STEP_DONE) {
			check_finish(k);
			return;
		}
		k->answered = 0;
		k->inq = 1;
		k->out = 1;
		k->sr.query(k->sr.ctx, spf_query_name(k->spf),
		    spf_query_type(k->spf), spf_answered, k);
		k->inq = 0;
		if (!k->answered)
			return;
	}
}

struct milter_check *
milter_spf_start(struct dns_evres *res, const struct spf_request *req,
    void (*done)(void *arg), void *arg, char *err, size_t errlen)
{
	struct milter_check	*k;
	struct spf		*s;

	if ((s = spf_new(req, err, errlen)) == NULL)
		return NULL;
	k = xcalloc(1, sizeof(*k));
	k->res = res;
	k->spf = s;
	k->done = done;
	k->arg = arg;
	k->raw.ctx = res;
	k->raw.query = evres_raw;
	spf_resolver_raw(&k->raw, &k->sr);
	spf_go(k);
	return k;
}

/* ---- DMARC --------------------------------------------------------- */

static void	dmarc_go(struct milter_check *);

static void
dmarc_answered(void *arg, enum dns_resolver_status st, const uint8_t *pkt,
    size_t len)
{
	struct milter_check	*k = arg;

	k->out = 0;
	if (k->detached) {
		check_destroy(k);
		return;
	}
	dmarc_answer_raw(k->dmarc, st, pkt, len);
	if (k->inq) {
		k->answered = 1;
		return;
	}
	dmarc_go(k);
}

static void
dmarc_go(struct milter_check *k)
{
	for (;;) {
		if (dmarc_step(k->dmarc) == DMARC_STEP_DONE) {
			check_finish(k);
			return;
		}
		k->answered = 0;
		k->inq = 1;
		k->out = 1;
		dns_evres_query(k->res, dmarc_query_name(k->dmarc),
		    dmarc_query_type(k->dmarc), dmarc_answered, k);
		k->inq = 0;
		if (!k->answered)
			return;
	}
}

struct milter_check *
milter_dmarc_start(struct dns_evres *res, const struct dmarc_psl *psl,
    const char *domain, void (*done)(void *arg), void *arg)
{
	struct milter_check	*k = xcalloc(1, sizeof(*k));

	k->res = res;
	k->dmarc = dmarc_new(psl, domain);
	k->done = done;
	k->arg = arg;
	dmarc_go(k);
	return k;
}

/* ---- results ------------------------------------------------------- */

int
milter_check_done(const struct milter_check *k)
{
	return k->finished;
}

const struct spf *
milter_check_spf(const struct milter_check *k)
{
	return k->spf;
}

struct dmarc *
milter_check_dmarc(const struct milter_check *k)
{
	return k->dmarc;
}

void
milter_check_free(struct milter_check *k)
{
	if (k == NULL)
		return;
	if (k->out) {
		k->detached = 1;
		k->done = NULL;
		return;
	}
	check_destroy(k);
}
