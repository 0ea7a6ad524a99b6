/* pconf.c: the policy { } block (stub, replaced by its owner). */
#include <stdio.h>
#include <string.h>

#include "policy.h"

int
policy_conf_read(const struct conf *cf, const struct conf_node *node,
    struct policy_conf *pc, char *err, size_t errlen)
{
	(void)cf; (void)node;
	memset(pc, 0, sizeof(*pc));
	snprintf(err, errlen, "policy: not implemented");
	return -1;
}

void
policy_conf_free(struct policy_conf *pc)
{
	(void)pc;
}

const char *
policy_action_name(enum policy_action a)
{
	(void)a;
	return "dunno";
}
