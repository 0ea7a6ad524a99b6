/* reply.c: reply templates (stub, replaced by its owner). */
#include <stdio.h>

#include "policy.h"

size_t
policy_reply_expand(const char *tmpl, const struct policy_vars *v, char *out,
    size_t outlen)
{
	(void)tmpl; (void)v;
	if (outlen > 0)
		out[0] = '\0';
	return 0;
}

int
policy_reply_check(const char *tmpl, char *err, size_t errlen)
{
	(void)tmpl;
	snprintf(err, errlen, "not implemented");
	return -1;
}
