/* engine.c: the asynchronous evaluation (stub, replaced by its owner). */
#include <stdio.h>

#include "policy.h"

struct policy_engine *
policy_engine_new(const struct policy_conf *pc, struct event_base *base,
    char *err, size_t errlen)
{
	(void)pc; (void)base;
	snprintf(err, errlen, "not implemented");
	return NULL;
}

void
policy_engine_free(struct policy_engine *e)
{
	(void)e;
}

struct policy_eval *
policy_evaluate(struct policy_engine *e, const struct index *idx,
    const struct policy_query *q, void (*done)(void *arg,
    const struct policy_facts *f, const struct policy_verdict *v), void *arg)
{
	(void)e; (void)idx; (void)q; (void)done; (void)arg;
	return NULL;
}

void
policy_cancel(struct policy_eval *ev)
{
	(void)ev;
}

void
policy_engine_stats(const struct policy_engine *e, struct policy_stats *st)
{
	(void)e;
	*st = (struct policy_stats){ 0 };
}

int
policy_engine_list_dead(const struct policy_engine *e, int i)
{
	(void)e; (void)i;
	return 0;
}
