/*
 * round.c: one round of watch checks, every (target, list) pair, as a
 * small state machine driven by the caller's resolver (watch_query_fn),
 * so that the daemon drives it with c-ares on its loop, the CLI with a
 * blocking wait, and the unit tests with an in-memory zone.
 *
 * Per pair: an A query for the reversed address (RFC 5782 2.1, 2.4) or
 * the domain (2.3) under the list's zone; a LISTED answer is followed by
 * a TXT query for the list's reason. Names that do not fit a DNS name
 * are NO_ANSWER without a query. No I/O of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "dns/dns.h"
#include "watch/watch.h"

struct item {
	struct watch_round	*r;
	int			 li;
	char			 qname[WATCH_QNAME_MAX];
	struct watch_check	 c;
};

struct watch_round {
	const struct watch_conf	*wc;
	watch_query_fn		 q;
	void			*qarg;
	void			(*each)(void *, const struct watch_check *);
	void			(*done)(void *);
	void			*arg;
	struct item		*items;
	int			 nitems;
	int			 out;		/* queries not back, + 1 while
						   starting */
	int			 cancelled;
};

static void
settle(struct watch_round *r)
{
	if (--r->out > 0)
		return;
	if (!r->cancelled)
		r->done(r->arg);
}

static void
finish(struct item *it)
{
	struct watch_round	*r = it->r;

	if (!r->cancelled)
		r->each(r->arg, &it->c);
	settle(r);
}

static void
on_txt(void *arg, enum dns_resolver_status st, const uint8_t *pkt,
    size_t len)
{
	struct item	*it = arg;

	if (st == DNS_RES_OK)
		watch_txt(pkt, len, it->c.txt, sizeof(it->c.txt));
	finish(it);
}

static void
on_a(void *arg, enum dns_resolver_status st, const uint8_t *pkt, size_t len)
{
	struct item		*it = arg;
	struct watch_round	*r = it->r;

	watch_classify(it->c.l, st, pkt, len, &it->c.r);
	if (it->c.r.state == WATCH_LISTED && !r->cancelled) {
		/* The TXT is asked for before this item counts as back. */
		r->q(r->qarg, it->li, it->qname, DNS_T_TXT, on_txt, it);
		return;
	}
	finish(it);
}

struct watch_round *
watch_round_start(const struct watch_conf *wc, watch_query_fn q, void *qarg,
    void (*each)(void *, const struct watch_check *), void (*done)(void *),
    void *arg)
{
	struct watch_round	*r = xcalloc(1, sizeof(*r));
	struct item		*it;
	int			 ti, li;

	r->wc = wc;
	r->q = q;
	r->qarg = qarg;
	r->each = each;
	r->done = done;
	r->arg = arg;
	r->items = xcalloc((size_t)(wc->ntargets * wc->nlists) + 1,
	    sizeof(*r->items));
	for (ti = 0; ti < wc->ntargets; ti++)
		for (li = 0; li < wc->nlists; li++) {
			if (wc->targets[ti].kind != wc->lists[li].kind)
				continue;
			it = &r->items[r->nitems++];
			it->r = r;
			it->li = li;
			it->c.t = &wc->targets[ti];
			it->c.l = &wc->lists[li];
		}
	/* Every item counts before the first query, which may answer now. */
	r->out = r->nitems + 1;
	for (ti = 0; ti < r->nitems; ti++) {
		it = &r->items[ti];
		if (watch_qname(it->c.t, it->c.l, it->qname,
		    sizeof(it->qname)) == -1) {
			it->c.r.state = WATCH_NO_ANSWER;
			snprintf(it->c.r.meaning, sizeof(it->c.r.meaning),
			    "the query name is longer than a DNS name");
			finish(it);
			continue;
		}
		q(qarg, it->li, it->qname, DNS_T_A, on_a, it);
	}
	settle(r);
	return r;
}

void
watch_round_cancel(struct watch_round *r)
{
	if (r != NULL)
		r->cancelled = 1;
}

int
watch_round_over(const struct watch_round *r)
{
	return r->out <= 0;
}

void
watch_round_free(struct watch_round *r)
{
	if (r == NULL)
		return;
	free(r->items);
	free(r);
}
