/*
 * conf.c: the `watch { }` block of the configuration (docs/CONFIG.md,
 * docs/SENDER-CARE.md).
 *
 *	watch {
 *		address 203.0.113.5 2001:db8::25	# repeatable
 *		domain example.org			# repeatable
 *		preset spamhaus-zen; preset spamcop	# policy's presets
 *		dnsbl bl.example.net { server 127.0.0.1:53; url "..$ip" }
 *		rhsbl dbl.example.net			# domain lists
 *		interval 15m
 *		resolver 127.0.0.1:53
 *		lookup-timeout 3000
 *		webhook https://hooks.example.org/fairlist
 *		webhook-ca /etc/fairlist/hooks-ca.pem	# else the system's
 *		webhook-tries 6; webhook-backoff 10s; webhook-timeout 10s
 *	}
 *
 * Strict, like the policy block: an unknown key, a bad value, a repeated
 * single key or a list named twice is an error naming the file and line.
 * A preset's zones are taken once each (spamhaus-zen's six filters are
 * one zone, one query; the filters only name the part of the list). No
 * block: watch is off. No I/O.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"
#include "core/str.h"
#include "core/xmalloc.h"
#include "watch/watch.h"

struct wctx {
	const struct conf	*cf;
	struct watch_conf	*wc;
	char			*err;
	size_t			 errlen;
};

static const char *const keys[] = {
	"address", "domain", "preset", "dnsbl", "rhsbl", "interval",
	"resolver", "lookup-timeout", "webhook", "webhook-ca",
	"webhook-tries", "webhook-backoff", "webhook-timeout", NULL
};
static const char *const single_keys[] = {
	"interval", "resolver", "lookup-timeout", "webhook", "webhook-ca",
	"webhook-tries", "webhook-backoff", "webhook-timeout", NULL
};
static const char *const list_keys[] = { "server", "url", NULL };

#define bad(x, k, ...)	conf_err((x)->cf, (k), (x)->err, (x)->errlen, \
			    __VA_ARGS__)

static int
want_args(struct wctx *x, const struct conf_node *k, int min, int max)
{
	if (k->nargs < min || k->nargs > max)
		return bad(x, k, min == max ? "%s takes %d value(s)" :
		    "%s takes %d or more values", k->name, min);
	return 0;
}

static int
plain(struct wctx *x, const struct conf_node *k)
{
	if (k->child != NULL)
		return bad(x, k, "%s takes no { } block", k->name);
	return want_args(x, k, 1, 1);
}

static int
get_secs(struct wctx *x, const struct conf_node *k, int64_t min,
    int64_t max, int *out)
{
	int64_t	v;

	if (plain(x, k) == -1)
		return -1;
	if (str_duration(k->args[0], &v) == -1 || v < min || v > max)
		return bad(x, k, "%s: '%s' is not a duration of %lld..%lld "
		    "seconds", k->name, k->args[0], (long long)min,
		    (long long)max);
	*out = (int)v;
	return 0;
}

/*
 * A DNS server list for c-ares: IP, IP:PORT or [V6]:PORT, separated by
 * commas (one value) or given as several values; checked for its shape
 * here, for its addresses by the resolver when it is made.
 */
static int
get_servers(struct wctx *x, const struct conf_node *k, char **out)
{
	struct sbuf	b;
	int		i;

	if (k->child != NULL)
		return bad(x, k, "%s takes no { } block", k->name);
	if (k->nargs < 1)
		return bad(x, k, "%s takes one or more servers", k->name);
	sbuf_init(&b);
	for (i = 0; i < k->nargs; i++) {
		if (k->args[i][0] == '\0' || strspn(k->args[i],
		    "0123456789abcdefABCDEF.:[],") != strlen(k->args[i])) {
			sbuf_free(&b);
			return bad(x, k, "%s: '%.64s' is not IP, IP:PORT or "
			    "[IPv6]:PORT", k->name, k->args[i]);
		}
		sbuf_printf(&b, "%s%s", i > 0 ? "," : "", k->args[i]);
	}
	if (b.len >= DNS_RESOLVER_SERVERS_MAX) {
		sbuf_free(&b);
		return bad(x, k, "%s: the server list is longer than %d bytes",
		    k->name, DNS_RESOLVER_SERVERS_MAX - 1);
	}
	free(*out);
	*out = b.s;
	return 0;
}

static int
add_target(struct wctx *x, const struct conf_node *k, const char *v,
    enum watch_kind kind)
{
	struct watch_conf	*wc = x->wc;
	struct watch_target	*t;
	struct addr_prefix	 p;
	const char		*why;
	size_t			 len = strlen(v);
	int			 i;

	if (wc->ntargets >= WATCH_TARGETS_MAX)
		return bad(x, k, "at most %d addresses and domains",
		    WATCH_TARGETS_MAX);
	t = &wc->targets[wc->ntargets];
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	if (kind == WATCH_IP) {
		if (addr_parse(v, &p, &why) == -1)
			return bad(x, k, "address '%.64s': %s", v, why);
		if (p.plen != 128)
			return bad(x, k, "address '%.64s' is a network: watch "
			    "each address a server sends from", v);
		memcpy(t->a, p.a, ADDR_LEN);
		addr_format(&p, t->text, sizeof(t->text));
	} else {
		if (len > 0 && v[len - 1] == '.')
			len--;
		if (len == 0 || len >= sizeof(t->text) ||
		    !str_dnsname_ok(v, len) || memchr(v, '.', len) == NULL)
			return bad(x, k, "domain '%.64s' is not a DNS name "
			    "with a dot", v);
		memcpy(t->text, v, len);
		t->text[len] = '\0';
		str_lower(t->text);
	}
	for (i = 0; i < wc->ntargets; i++)
		if (strcmp(wc->targets[i].text, t->text) == 0)
			return bad(x, k, "%s '%s' is given twice", k->name,
			    t->text);
	wc->ntargets++;
	return 0;
}

static int
key_targets(struct wctx *x, const struct conf_node *k, enum watch_kind kind)
{
	int	i;

	if (k->child != NULL)
		return bad(x, k, "%s takes no { } block", k->name);
	if (want_args(x, k, 1, CONF_ARGS_MAX) == -1)
		return -1;
	for (i = 0; i < k->nargs; i++)
		if (add_target(x, k, k->args[i], kind) == -1)
			return -1;
	return 0;
}

/*
 * Add zone (a list name, or a preset's zone) unless a preset already
 * brought it; a list named twice by the operator is an error. Returns
 * the list's index, or -1.
 */
static int
add_list(struct wctx *x, const struct conf_node *k, const char *zone,
    enum watch_kind kind, const struct policy_preset *p)
{
	struct watch_conf	*wc = x->wc;
	struct watch_list	*l;
	struct policy_site	 s;
	char			 why[160];
	int			 i;

	/* The zone's syntax is the policy block's (site.c). */
	if (strchr(zone, '=') != NULL || strchr(zone, '*') != NULL)
		return bad(x, k, "%s '%.64s': a watched list is a zone name, "
		    "without a filter or weight", k->name, zone);
	if (policy_site_parse(zone, &s, why, sizeof(why)) == -1)
		return bad(x, k, "%s", why);
	for (i = 0; i < wc->nlists; i++) {
		if (strcmp(wc->lists[i].zone, s.zone) != 0)
			continue;
		if (p != NULL && wc->lists[i].preset == p)
			return i;
		return bad(x, k, "list '%s' is given twice", s.zone);
	}
	if (wc->nlists >= WATCH_LISTS_MAX)
		return bad(x, k, "at most %d lists (presets included)",
		    WATCH_LISTS_MAX);
	l = &wc->lists[wc->nlists];
	memset(l, 0, sizeof(*l));
	memcpy(l->zone, s.zone, sizeof(l->zone));
	l->kind = kind;
	l->preset = p;
	if (p != NULL && p->url != NULL)
		l->url = xstrdup(p->url);
	return wc->nlists++;
}

/* The { server; url } block after a list line, for lists first..n-1. */
static int
list_block(struct wctx *x, const struct conf_node *k, int first)
{
	const struct conf_node	*c;
	const char		*why;
	int			 i;

	if (k->child == NULL)
		return 0;
	if (conf_check_keys(x->cf, k, list_keys, x->err, x->errlen) == -1)
		return -1;
	for (c = k->child; c != NULL; c = c->next) {
		if (conf_next(c) != NULL)
			return bad(x, conf_next(c), "%s given twice", c->name);
		for (i = first; i < x->wc->nlists; i++) {
			struct watch_list *l = &x->wc->lists[i];

			if (strcmp(c->name, "server") == 0) {
				if (get_servers(x, c, &l->server) == -1)
					return -1;
				continue;
			}
			if (plain(x, c) == -1)
				return -1;
			if (strlen(c->args[0]) > WATCH_URL_MAX ||
			    str_text_check(c->args[0], strlen(c->args[0]),
			    &why) == -1 || strchr(c->args[0], ' ') != NULL)
				return bad(x, c, "url: not a URL template of "
				    "at most %d bytes without spaces",
				    WATCH_URL_MAX);
			free(l->url);
			l->url = xstrdup(c->args[0]);
		}
	}
	return 0;
}

static int
key_lists(struct wctx *x, const struct conf_node *k, enum watch_kind kind)
{
	int	i, first = x->wc->nlists;

	if (want_args(x, k, 1, CONF_ARGS_MAX) == -1)
		return -1;
	for (i = 0; i < k->nargs; i++)
		if (add_list(x, k, k->args[i], kind, NULL) == -1)
			return -1;
	return list_block(x, k, first);
}

static int
key_preset(struct wctx *x, const struct conf_node *k)
{
	const struct policy_preset		*p;
	const struct policy_preset *const	*all;
	struct sbuf				 names;
	char					 zone[POLICY_ZONE_MAX];
	const char				*eq;
	int					 i, first = x->wc->nlists;

	if (want_args(x, k, 1, 1) == -1)
		return -1;
	if ((p = policy_preset_find(k->args[0])) == NULL) {
		sbuf_init(&names);
		for (all = policy_presets(); *all != NULL; all++)
			sbuf_printf(&names, "%s%s", names.len > 0 ? ", " : "",
			    (*all)->name);
		bad(x, k, "unknown preset '%.64s' (known: %s)", k->args[0],
		    names.s != NULL ? names.s : "");
		sbuf_free(&names);
		return -1;
	}
	for (i = 0; i < x->wc->nlists; i++)
		if (x->wc->lists[i].preset == p)
			return bad(x, k, "preset %s is given twice", p->name);
	for (i = 0; p->sites[i] != NULL; i++) {
		eq = strpbrk(p->sites[i], "=*");
		snprintf(zone, sizeof(zone), "%.*s", eq != NULL ?
		    (int)(eq - p->sites[i]) : (int)strlen(p->sites[i]),
		    p->sites[i]);
		if (add_list(x, k, zone, WATCH_IP, p) == -1)
			return -1;
	}
	return list_block(x, k, first);
}

static int
key_webhook(struct wctx *x, const struct conf_node *k)
{
	struct watch_url	 u;
	const char		*why;

	if (plain(x, k) == -1)
		return -1;
	if (strlen(k->args[0]) > WATCH_URL_MAX)
		return bad(x, k, "webhook: URL longer than %d bytes",
		    WATCH_URL_MAX);
	if (watch_url_split(k->args[0], &u, &why) == -1)
		return bad(x, k, "webhook '%.80s': %s", k->args[0], why);
	free(x->wc->webhook);
	x->wc->webhook = xstrdup(k->args[0]);
	return 0;
}

/*
 * An absolute file name (the daemon's working directory is not the
 * configuration's): not read here, the daemon reads it as its user.
 */
static int
key_webhook_ca(struct wctx *x, const struct conf_node *k)
{
	const char	*v, *why;

	if (plain(x, k) == -1)
		return -1;
	v = k->args[0];
	if (v[0] != '/' || strlen(v) >= WATCH_PATH_MAX ||
	    str_text_check(v, strlen(v), &why) == -1)
		return bad(x, k, "webhook-ca: want an absolute file name of "
		    "at most %d bytes", WATCH_PATH_MAX - 1);
	free(x->wc->webhook_ca);
	x->wc->webhook_ca = xstrdup(v);
	return 0;
}

static int
one_key(struct wctx *x, const struct conf_node *k)
{
	struct watch_conf	*wc = x->wc;
	const char		*n = k->name, *e;
	long long		 v;

	if (strcmp(n, "address") == 0)
		return key_targets(x, k, WATCH_IP);
	if (strcmp(n, "domain") == 0)
		return key_targets(x, k, WATCH_DOMAIN);
	if (strcmp(n, "preset") == 0)
		return key_preset(x, k);
	if (strcmp(n, "dnsbl") == 0)
		return key_lists(x, k, WATCH_IP);
	if (strcmp(n, "rhsbl") == 0)
		return key_lists(x, k, WATCH_DOMAIN);
	if (strcmp(n, "interval") == 0)
		return get_secs(x, k, WATCH_INTERVAL_MIN_S,
		    WATCH_INTERVAL_MAX_S, &wc->interval_s);
	if (strcmp(n, "resolver") == 0)
		return get_servers(x, k, &wc->resolver);
	if (strcmp(n, "lookup-timeout") == 0) {
		/* Milliseconds, as the policy block's key. */
		if (plain(x, k) == -1)
			return -1;
		v = str_tonum(k->args[0], WATCH_TIMEOUT_MIN_MS,
		    WATCH_TIMEOUT_MAX_MS, &e);
		if (e != NULL)
			return bad(x, k, "lookup-timeout: want milliseconds, "
			    "%d..%d", WATCH_TIMEOUT_MIN_MS,
			    WATCH_TIMEOUT_MAX_MS);
		wc->timeout_ms = (int)v;
		return 0;
	}
	if (strcmp(n, "webhook") == 0)
		return key_webhook(x, k);
	if (strcmp(n, "webhook-ca") == 0)
		return key_webhook_ca(x, k);
	if (strcmp(n, "webhook-backoff") == 0)
		return get_secs(x, k, 1, WATCH_HOOK_BACKOFF_MAX_S,
		    &wc->hook_backoff_s);
	if (strcmp(n, "webhook-timeout") == 0)
		return get_secs(x, k, 1, 300, &wc->hook_timeout_s);
	/* webhook-tries */
	if (plain(x, k) == -1)
		return -1;
	v = str_tonum(k->args[0], 1, WATCH_HOOK_TRIES_MAX, &e);
	if (e != NULL)
		return bad(x, k, "webhook-tries: want 1..%d", WATCH_HOOK_TRIES_MAX);
	wc->hook_tries = (int)v;
	return 0;
}

int
watch_conf_read(const struct conf *cf, const struct conf_node *node,
    struct watch_conf *wc, char *err, size_t errlen)
{
	struct wctx		 x = { cf, wc, err, errlen };
	const struct conf_node	*k;
	int			 i, nip = 0, ndom = 0;

	memset(wc, 0, sizeof(*wc));
	wc->interval_s = WATCH_INTERVAL_S;
	wc->timeout_ms = WATCH_TIMEOUT_MS;
	wc->hook_tries = WATCH_HOOK_TRIES;
	wc->hook_backoff_s = WATCH_HOOK_BACKOFF_S;
	wc->hook_timeout_s = WATCH_HOOK_TIMEOUT_S;
	err[0] = '\0';
	if (node == NULL)
		return 0;
	if (node->nargs != 0) {
		bad(&x, node, "watch takes a { } block, not values");
		goto fail;
	}
	if (conf_check_keys(cf, node, keys, err, errlen) == -1)
		goto fail;
	for (k = node->child; k != NULL; k = k->next) {
		for (i = 0; single_keys[i] != NULL; i++)
			if (strcmp(k->name, single_keys[i]) == 0 &&
			    conf_next(k) != NULL) {
				bad(&x, conf_next(k), "%s given twice",
				    k->name);
				goto fail;
			}
		if (one_key(&x, k) == -1)
			goto fail;
	}
	for (i = 0; i < wc->ntargets; i++)
		if (wc->targets[i].kind == WATCH_IP)
			nip++;
		else
			ndom++;
	for (i = 0; i < wc->nlists; i++)
		if (wc->lists[i].kind == WATCH_IP ? nip == 0 : ndom == 0) {
			bad(&x, node, "watch: list %s has nothing to check: "
			    "add %s", wc->lists[i].zone,
			    wc->lists[i].kind == WATCH_IP ? "an address" :
			    "a domain");
			goto fail;
		}
	if (wc->webhook_ca != NULL && (wc->webhook == NULL ||
	    strncmp(wc->webhook, "https://", 8) != 0)) {
		bad(&x, conf_find(node, "webhook-ca"), "webhook-ca is for an "
		    "https:// webhook");
		goto fail;
	}
	if (wc->ntargets == 0 || wc->nlists == 0) {
		bad(&x, node, "watch needs an address or domain and a list "
		    "(preset, dnsbl or rhsbl)");
		goto fail;
	}
	wc->on = 1;
	return 0;
fail:
	watch_conf_free(wc);
	return -1;
}

void
watch_conf_free(struct watch_conf *wc)
{
	int	i;

	for (i = 0; i < wc->nlists; i++) {
		free(wc->lists[i].server);
		free(wc->lists[i].url);
	}
	free(wc->resolver);
	free(wc->webhook);
	free(wc->webhook_ca);
	memset(wc, 0, sizeof(*wc));
}

int
watch_qname(const struct watch_target *t, const struct watch_list *l,
    char *dst, size_t dstsize)
{
	char	rev[80];
	int	n;

	if (t->kind != l->kind)
		return -1;
	if (t->kind == WATCH_IP) {
		if (addr_reverse_name(t->a, rev, sizeof(rev)) == 0)
			return -1;
		n = snprintf(dst, dstsize, "%s%s", rev, l->zone);
	} else
		n = snprintf(dst, dstsize, "%s.%s", t->text, l->zone);
	if (n < 0 || (size_t)n >= dstsize || n > STR_DNSNAME_MAX)
		return -1;
	return 0;
}
