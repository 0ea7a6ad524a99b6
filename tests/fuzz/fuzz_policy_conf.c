/*
 * fuzz_policy_conf.c: the policy { } reader (pconf.c) on arbitrary
 * configuration text. Whatever it accepts must satisfy its own limits,
 * and those of the confirm { } block that confirm-check yes reads.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"
#include "policy/policy.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char			 err[256];
	struct conf		*c;
	struct policy_conf	 pc;
	int			 i;

	c = conf_parse((const char *)data, size, "fuzz", err, sizeof(err));
	if (c == NULL)
		return 0;
	if (policy_conf_read(c, conf_find(c->root, "policy"), &pc, err,
	    sizeof(err)) == 0) {
		if (pc.nlisten < 0 || pc.nlisten > 8 ||
		    pc.nsites < 0 || pc.nsites > POLICY_SITES_MAX ||
		    pc.nlocal < 0 || pc.nlocal > POLICY_LOCAL_MAX ||
		    pc.nexempt < 0 || pc.nexempt > POLICY_EXEMPT_MAX ||
		    pc.nexempt_rcpt < 0 || pc.nexempt_rcpt > POLICY_RCPT_MAX ||
		    pc.deadline_ms <= POLICY_MARGIN_MS)
			abort();
		/* confirm { } limits, read with confirm-check yes. */
		if (pc.confirm.per_address < 0 ||
		    pc.confirm.per_address > CONFIRM_LIMIT_MAX ||
		    pc.confirm.per_domain < 0 ||
		    pc.confirm.per_domain > CONFIRM_LIMIT_MAX ||
		    pc.confirm.window < 1 ||
		    pc.confirm.window > CONFIRM_WINDOW_MAX ||
		    memchr(pc.confirm.resolver, '\0',
		    sizeof(pc.confirm.resolver)) == NULL)
			abort();
		for (i = 0; i < pc.nsites; i++)
			if (strlen(pc.sites[i].zone) >= POLICY_ZONE_MAX)
				abort();
		policy_conf_free(&pc);
	} else if (err[0] == '\0')
		abort();	/* a refusal always says why */
	conf_free(c);
	return 0;
}
