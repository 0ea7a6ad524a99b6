/* request.c: the Postfix policy protocol (stub, replaced by its owner). */
#include <string.h>

#include "policy.h"

void
policy_reader_init(struct policy_reader *rd)
{
	memset(rd, 0, sizeof(*rd));
}

long
policy_reader_scan(struct policy_reader *rd, const char *buf, size_t len,
    const char **err)
{
	(void)rd; (void)buf; (void)len;
	*err = "not implemented";
	return -1;
}

int
policy_request_parse(char *buf, size_t len, struct policy_request *r,
    const char **err)
{
	(void)buf; (void)len; (void)r;
	*err = "not implemented";
	return -1;
}
