/* verdict.c: facts in, verdict out (stub, replaced by its owner). */
#include <string.h>

#include "policy.h"

void
policy_decide(const struct policy_conf *pc, const struct policy_facts *f,
    struct policy_verdict *v)
{
	(void)pc; (void)f;
	memset(v, 0, sizeof(*v));
	v->rule = "pass";
}

void
policy_action_format(const struct policy_conf *pc,
    const struct policy_verdict *v, int with_header, struct sbuf *b)
{
	(void)pc; (void)v; (void)with_header;
	sbuf_adds(b, "action=DUNNO\n\n");
}

void
policy_failopen_format(const struct policy_conf *pc, struct sbuf *b)
{
	(void)pc;
	sbuf_adds(b, "action=DUNNO\n\n");
}
