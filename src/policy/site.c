/* site.c: remote DNSBLs in postscreen syntax (stub, replaced by its owner). */
#include <stdio.h>

#include "policy.h"

int
policy_site_parse(const char *spec, struct policy_site *s, char *err,
    size_t errlen)
{
	(void)spec; (void)s;
	snprintf(err, errlen, "not implemented");
	return -1;
}

int
policy_site_match(const struct policy_site *s, uint32_t code)
{
	(void)s; (void)code;
	return 0;
}

int
policy_code_is_error(uint32_t code)
{
	(void)code;
	return 1;
}

const struct policy_preset *
policy_preset_find(const char *name)
{
	(void)name;
	return NULL;
}

const struct policy_preset *const *
policy_presets(void)
{
	static const struct policy_preset *const none[] = { NULL };

	return none;
}
