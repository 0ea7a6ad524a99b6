/*
 * tconf.c: the `traps { }` block of the configuration (docs/CONFIG.md,
 * docs/FAIRNESS.md).
 *
 *	traps {
 *		listen 127.0.0.1:2525		# repeatable
 *		domain trap.example.org		# repeatable, several a line
 *		zone bl.fairlist.test		# spam
 *		backscatter-zone bs.fairlist.test
 *		range-zone ranges.fairlist.test	# optional
 *		hostname mx.trap.example.org
 *		first-expiry 24h; max-expiry 30d; forget 90d
 *		range-min 5; range-window 7d; range-v4 24; range-v6 64
 *		message-size 1048576; rcpt-max 100
 *		idle-timeout 60s; session-timeout 10m; clients 256
 *	}
 *
 * Strict: an unknown key, a bad value or a repeated single key is an
 * error naming the file and line. No block: no trap receiver. No I/O
 * except gethostname().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/conf.h"
#include "core/str.h"
#include "core/xmalloc.h"
#include "store/store.h"
#include "traps/traps.h"

#define TCONF_DEFAULT_LISTEN	"127.0.0.1:2525"

struct tctx {
	const struct conf	*cf;
	struct traps_conf	*tc;
	char			*err;
	size_t			 errlen;
};

static const char *const keys[] = {
	"listen", "domain", "zone", "backscatter-zone", "range-zone",
	"hostname", "first-expiry", "max-expiry", "forget", "range-min",
	"range-window", "range-v4", "range-v6", "message-size", "rcpt-max",
	"idle-timeout", "session-timeout", "clients", NULL
};

/* Every key but listen and domain is given at most once. */
static int
repeatable(const char *k)
{
	return strcmp(k, "listen") == 0 || strcmp(k, "domain") == 0;
}

static int
one_arg(struct tctx *x, const struct conf_node *k)
{
	if (k->child != NULL || k->nargs != 1)
		return conf_err(x->cf, k, x->err, x->errlen,
		    "%s takes one value", k->name);
	return 0;
}

static int
get_secs(struct tctx *x, const struct conf_node *k, int64_t min,
    int64_t max, int64_t *out)
{
	if (one_arg(x, k) == -1)
		return -1;
	if (str_duration(k->args[0], out) == -1 || *out < min || *out > max)
		return conf_err(x->cf, k, x->err, x->errlen, "%s: '%s' is not "
		    "a duration of %lld..%lld seconds", k->name, k->args[0],
		    (long long)min, (long long)max);
	return 0;
}

static int
get_num(struct tctx *x, const struct conf_node *k, long long min,
    long long max, long long *out)
{
	const char	*e;

	if (one_arg(x, k) == -1)
		return -1;
	*out = str_tonum(k->args[0], min, max, &e);
	if (e != NULL)
		return conf_err(x->cf, k, x->err, x->errlen, "%s: '%s' is %s "
		    "(%lld..%lld)", k->name, k->args[0], e, min, max);
	return 0;
}

/* A zone name: lower case, no trailing dot, store_zone_name_ok. */
static int
get_zone(struct tctx *x, const struct conf_node *k, char **out)
{
	char	*z;
	size_t	 n;

	if (one_arg(x, k) == -1)
		return -1;
	z = xstrdup(k->args[0]);
	n = strlen(z);
	if (n > 0 && z[n - 1] == '.')
		z[n - 1] = '\0';
	str_lower(z);
	if (!store_zone_name_ok(z)) {
		free(z);
		return conf_err(x->cf, k, x->err, x->errlen, "%s: '%s' is not "
		    "a zone name", k->name, k->args[0]);
	}
	*out = z;
	return 0;
}

static int
get_domains(struct tctx *x, const struct conf_node *k)
{
	char	*d;
	size_t	 n;
	int	 i;

	if (k->child != NULL || k->nargs < 1)
		return conf_err(x->cf, k, x->err, x->errlen,
		    "domain takes one or more values");
	for (i = 0; i < k->nargs; i++) {
		if (x->tc->ndomains >= TRAPS_DOMAINS_MAX)
			return conf_err(x->cf, k, x->err, x->errlen, "more "
			    "than %d trap domains", TRAPS_DOMAINS_MAX);
		d = xstrdup(k->args[i]);
		n = strlen(d);
		if (n > 0 && d[n - 1] == '.')
			d[--n] = '\0';
		str_lower(d);
		if (!str_dnsname_ok(d, n)) {
			free(d);
			return conf_err(x->cf, k, x->err, x->errlen, "domain: "
			    "'%s' is not a domain name", k->args[i]);
		}
		x->tc->domains[x->tc->ndomains++] = d;
	}
	return 0;
}

static int
read_key(struct tctx *x, const struct conf_node *k)
{
	struct traps_conf	*tc = x->tc;
	long long		 v;

	if (strcmp(k->name, "listen") == 0) {
		if (one_arg(x, k) == -1)
			return -1;
		if (tc->nlisten >= TRAPS_LISTEN_MAX)
			return conf_err(x->cf, k, x->err, x->errlen, "more "
			    "than %d listen addresses", TRAPS_LISTEN_MAX);
		tc->listen[tc->nlisten++] = xstrdup(k->args[0]);
	} else if (strcmp(k->name, "domain") == 0)
		return get_domains(x, k);
	else if (strcmp(k->name, "zone") == 0)
		return get_zone(x, k, &tc->zone);
	else if (strcmp(k->name, "backscatter-zone") == 0)
		return get_zone(x, k, &tc->backscatter_zone);
	else if (strcmp(k->name, "range-zone") == 0)
		return get_zone(x, k, &tc->range_zone);
	else if (strcmp(k->name, "hostname") == 0) {
		if (one_arg(x, k) == -1)
			return -1;
		if (!str_dnsname_ok(k->args[0], strlen(k->args[0])))
			return conf_err(x->cf, k, x->err, x->errlen, "hostname:"
			    " '%s' is not a host name", k->args[0]);
		str_lcpy(tc->hostname, k->args[0], sizeof(tc->hostname));
	} else if (strcmp(k->name, "first-expiry") == 0)
		return get_secs(x, k, 1, 10 * 365 * 86400LL,
		    &tc->first_expiry);
	else if (strcmp(k->name, "max-expiry") == 0)
		return get_secs(x, k, 1, 10 * 365 * 86400LL, &tc->max_expiry);
	else if (strcmp(k->name, "forget") == 0)
		return get_secs(x, k, 0, 10 * 365 * 86400LL, &tc->forget);
	else if (strcmp(k->name, "range-window") == 0)
		return get_secs(x, k, 1, 365 * 86400LL, &tc->range_window);
	else {
		if (strcmp(k->name, "range-min") == 0) {
			if (get_num(x, k, 2, TRAPS_RANGE_MIN_MAX, &v) == -1)
				return -1;
			tc->range_min = (int)v;
		} else if (strcmp(k->name, "range-v4") == 0) {
			if (get_num(x, k, 8, 31, &v) == -1)
				return -1;
			tc->range_v4 = (int)v;
		} else if (strcmp(k->name, "range-v6") == 0) {
			if (get_num(x, k, 16, 127, &v) == -1)
				return -1;
			tc->range_v6 = (int)v;
		} else if (strcmp(k->name, "message-size") == 0) {
			if (get_num(x, k, 1024, TRAPS_MSG_LIMIT, &v) == -1)
				return -1;
			tc->msg_max = (size_t)v;
		} else if (strcmp(k->name, "rcpt-max") == 0) {
			if (get_num(x, k, 1, TRAPS_RCPT_LIMIT, &v) == -1)
				return -1;
			tc->rcpt_max = (int)v;
		} else if (strcmp(k->name, "clients") == 0) {
			if (get_num(x, k, 1, TRAPS_CLIENTS_MAX, &v) == -1)
				return -1;
			tc->clients = (int)v;
		}
	}
	return 0;
}

int
traps_conf_read(const struct conf *cf, const struct conf_node *node,
    struct traps_conf *tc, char *err, size_t errlen)
{
	struct tctx		 x = { cf, tc, err, errlen };
	const struct conf_node	*k;
	int64_t			 secs;

	memset(tc, 0, sizeof(*tc));
	tc->first_expiry = TRAPS_FIRST_EXPIRY;
	tc->max_expiry = TRAPS_MAX_EXPIRY;
	tc->forget = TRAPS_FORGET;
	tc->range_min = TRAPS_RANGE_MIN;
	tc->range_window = TRAPS_RANGE_WINDOW;
	tc->range_v4 = TRAPS_RANGE_V4;
	tc->range_v6 = TRAPS_RANGE_V6;
	tc->msg_max = TRAPS_MSG_MAX;
	tc->rcpt_max = TRAPS_RCPT_MAX;
	tc->idle_s = TRAPS_IDLE_S;
	tc->session_s = TRAPS_SESSION_S;
	tc->clients = TRAPS_CLIENTS;
	if (node == NULL)
		return 0;
	if (gethostname(tc->hostname, sizeof(tc->hostname)) == -1 ||
	    !str_dnsname_ok(tc->hostname, strnlen(tc->hostname,
	    sizeof(tc->hostname))))
		str_lcpy(tc->hostname, "localhost", sizeof(tc->hostname));
	tc->hostname[sizeof(tc->hostname) - 1] = '\0';
	if (conf_check_keys(cf, node, keys, err, errlen) == -1)
		goto fail;
	for (k = node->child; k != NULL; k = k->next) {
		if (!repeatable(k->name) && conf_next(k) != NULL) {
			conf_err(cf, conf_next(k), err, errlen, "%s given "
			    "twice", k->name);
			goto fail;
		}
		if (strcmp(k->name, "idle-timeout") == 0 ||
		    strcmp(k->name, "session-timeout") == 0) {
			if (get_secs(&x, k, 1, 86400, &secs) == -1)
				goto fail;
			if (k->name[0] == 'i')
				tc->idle_s = (int)secs;
			else
				tc->session_s = (int)secs;
			continue;
		}
		if (read_key(&x, k) == -1)
			goto fail;
	}
	if (tc->nlisten == 0)
		tc->listen[tc->nlisten++] = xstrdup(TCONF_DEFAULT_LISTEN);
	if (tc->ndomains == 0) {
		conf_err(cf, node, err, errlen, "traps: no domain (the trap "
		    "addresses' domains)");
		goto fail;
	}
	if (tc->zone == NULL || tc->backscatter_zone == NULL) {
		conf_err(cf, node, err, errlen, "traps: zone and "
		    "backscatter-zone are both required");
		goto fail;
	}
	if (strcmp(tc->zone, tc->backscatter_zone) == 0 ||
	    (tc->range_zone != NULL && (strcmp(tc->range_zone,
	    tc->zone) == 0 || strcmp(tc->range_zone,
	    tc->backscatter_zone) == 0))) {
		conf_err(cf, node, err, errlen, "traps: zone, "
		    "backscatter-zone and range-zone must be different zones "
		    "(backscatter is never published as spam)");
		goto fail;
	}
	if (tc->max_expiry < tc->first_expiry) {
		conf_err(cf, node, err, errlen, "traps: max-expiry is shorter "
		    "than first-expiry");
		goto fail;
	}
	return 0;
fail:
	traps_conf_free(tc);
	return -1;
}

void
traps_conf_free(struct traps_conf *tc)
{
	int	i;

	for (i = 0; i < tc->nlisten; i++)
		free(tc->listen[i]);
	for (i = 0; i < tc->ndomains; i++)
		free(tc->domains[i]);
	free(tc->zone);
	free(tc->backscatter_zone);
	free(tc->range_zone);
	memset(tc, 0, sizeof(*tc));
}
