/* delegation.c: the policy server (stub, replaced by its owner). */
#include <stdio.h>

#include "policy.h"

struct policy_server *
policy_server_new(const struct policy_conf *pc, char *err, size_t errlen)
{
	(void)pc;
	snprintf(err, errlen, "not implemented");
	return NULL;
}

int
policy_server_start(struct policy_server *s, struct event_base *base,
    struct policy_engine *e, const struct policy_index_src *src)
{
	(void)s; (void)base; (void)e; (void)src;
	return -1;
}

void
policy_server_free(struct policy_server *s)
{
	(void)s;
}
