/*
 * conf.c: the confirm { } block (docs/CONFIG.md): per-address,
 * per-domain and window, the limits of confirm-check, and resolver, the
 * DNS servers its SPF checks ask.
 */
#include <stdio.h>
#include <string.h>

#include "confirm/confirm.h"
#include "core/conf.h"
#include "core/sockaddr.h"
#include "core/str.h"

static int
bad(char *err, size_t errlen, const struct conf *cf,
    const struct conf_node *n, const char *why)
{
	snprintf(err, errlen, "%s:%d: confirm: %s %s", cf->path, n->line,
	    n->name, why);
	return -1;
}

int
confirm_conf_read(const struct conf *cf, const struct conf_node *node,
    struct confirm_conf *cc, char *err, size_t errlen)
{
	static const char *const keys[] = { "per-address", "per-domain",
	    "window", "resolver", NULL };
	const struct conf_node	*n;
	const char		*e;
	char			 why[96];
	int64_t			 secs;
	long long		 v;

	cc->per_address = CONFIRM_PER_ADDRESS_DEFAULT;
	cc->per_domain = CONFIRM_PER_DOMAIN_DEFAULT;
	cc->window = CONFIRM_WINDOW_DEFAULT;
	cc->resolver[0] = '\0';
	if (node == NULL)
		return 0;
	if (conf_check_keys(cf, node, keys, err, errlen) == -1)
		return -1;
	for (n = node->child; n != NULL; n = n->next) {
		if (n->child != NULL)
			return bad(err, errlen, cf, n, "takes no { } block");
		if (n->nargs != 1)
			return bad(err, errlen, cf, n, "takes one value");
		if (strcmp(n->name, "resolver") == 0) {
			if (strlen(n->args[0]) >= sizeof(cc->resolver) ||
			    sa_servers_check(n->args[0], 53, why,
			    sizeof(why)) == -1)
				return bad(err, errlen, cf, n, "takes "
				    "IP[:PORT],... (at most 511 bytes)");
			str_lcpy(cc->resolver, n->args[0],
			    sizeof(cc->resolver));
			continue;
		}
		if (strcmp(n->name, "window") == 0) {
			if (str_duration(n->args[0], &secs) == -1 ||
			    secs < 1 || secs > CONFIRM_WINDOW_MAX)
				return bad(err, errlen, cf, n, "must be a "
				    "duration from 1s to 90d");
			cc->window = secs;
			continue;
		}
		v = str_tonum(n->args[0], 0, CONFIRM_LIMIT_MAX, &e);
		if (e != NULL) {
			snprintf(why, sizeof(why), "must be 0 (no limit) to %d",
			    CONFIRM_LIMIT_MAX);
			return bad(err, errlen, cf, n, why);
		}
		if (strcmp(n->name, "per-address") == 0)
			cc->per_address = (int)v;
		else
			cc->per_domain = (int)v;
	}
	return 0;
}
