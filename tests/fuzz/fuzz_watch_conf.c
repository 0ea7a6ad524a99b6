/*
 * fuzz_watch_conf.c: the watch { } reader (watch/conf.c) on arbitrary
 * configuration text. Whatever it accepts must satisfy its own limits
 * and give query names that fit; a refusal always says why.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"
#include "core/str.h"
#include "watch/watch.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char			 err[256], q[WATCH_QNAME_MAX];
	struct watch_url	 u;
	const char		*why;
	struct conf		*c;
	struct watch_conf	 wc;
	int			 i, k;

	c = conf_parse((const char *)data, size, "fuzz", err, sizeof(err));
	if (c == NULL)
		return 0;
	if (watch_conf_read(c, conf_find(c->root, "watch"), &wc, err,
	    sizeof(err)) == 0) {
		if (wc.ntargets < 0 || wc.ntargets > WATCH_TARGETS_MAX ||
		    wc.nlists < 0 || wc.nlists > WATCH_LISTS_MAX ||
		    wc.interval_s < WATCH_INTERVAL_MIN_S ||
		    wc.interval_s > WATCH_INTERVAL_MAX_S ||
		    wc.hook_tries < 1 || wc.hook_tries > WATCH_HOOK_TRIES_MAX ||
		    wc.timeout_ms <= 0)
			abort();
		if (wc.on && (wc.ntargets == 0 || wc.nlists == 0))
			abort();
		if (wc.webhook != NULL && watch_url_split(wc.webhook, &u,
		    &why) == -1)
			abort();
		if (wc.webhook_ca != NULL && (wc.webhook == NULL || !u.tls ||
		    wc.webhook_ca[0] != '/'))
			abort();
		for (i = 0; i < wc.nlists; i++) {
			if (!str_dnsname_ok(wc.lists[i].zone,
			    strlen(wc.lists[i].zone)))
				abort();
			for (k = 0; k < wc.ntargets; k++)
				if (watch_qname(&wc.targets[k], &wc.lists[i],
				    q, sizeof(q)) == 0 &&
				    strlen(q) > STR_DNSNAME_MAX)
					abort();
		}
		watch_conf_free(&wc);
	} else if (err[0] == '\0')
		abort();
	conf_free(c);
	return 0;
}
