/*
 * conf.c: the http { } block (docs/CONFIG.md): listen, public-url,
 * trusted-proxies, max-body, timeout, clients, workers. Without a block
 * the service listens on WEB_LISTEN_DEFAULT, best effort. The confirm { }
 * block too, for POST /api/v1/confirm-check.
 */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"
#include "core/sockaddr.h"
#include "core/str.h"
#include "core/xmalloc.h"
#include "web/web.h"

static int
bad(char *err, size_t errlen, const struct conf *cf,
    const struct conf_node *n, const char *why)
{
	snprintf(err, errlen, "%s:%d: http: %s %s", cf->path, n->line,
	    n->name, why);
	return -1;
}

/* http://HOST[:PORT][/PATH] or https://..., no query, stored without a
   trailing '/'. Only URL characters that need no escaping in HTML. */
static int
url_ok(const char *u)
{
	size_t	n = strlen(u), skip;

	if (strncmp(u, "http://", 7) == 0)
		skip = 7;
	else if (strncmp(u, "https://", 8) == 0)
		skip = 8;
	else
		return 0;
	if (n <= skip || n > WEB_URL_MAX || u[skip] == '/')
		return 0;
	return strspn(u, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-._~:/[]@!()*+,;=%") == n;
}

static int
read_int(const struct conf *cf, const struct conf_node *n, int min, int max,
    int *out, char *err, size_t errlen)
{
	const char	*e;
	long long	 v;

	if (n->nargs != 1)
		return bad(err, errlen, cf, n, "takes one value");
	v = str_tonum(n->args[0], min, max, &e);
	if (e != NULL) {
		char	why[96];

		snprintf(why, sizeof(why), "must be %d to %d", min, max);
		return bad(err, errlen, cf, n, why);
	}
	*out = (int)v;
	return 0;
}

/* The keys of node into wc; -1 leaves wc for the caller to free. */
static int
read_block(const struct conf *cf, const struct conf_node *node,
    struct web_conf *wc, char *err, size_t errlen)
{
	const struct conf_node	*n;
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	const char		*why;
	int			 i;

	for (n = node->child; n != NULL; n = n->next) {
		if (n->child != NULL)
			return bad(err, errlen, cf, n, "takes no { } block");
		if (strcmp(n->name, "listen") == 0) {
			if (n->nargs != 1 || (strcmp(n->args[0], "off") != 0 &&
			    sa_parse(n->args[0], -1, &ss, &sl) == -1))
				return bad(err, errlen, cf, n, "takes one "
				    "ADDR:PORT, [V6]:PORT or off");
			free(wc->listen);
			wc->listen = strcmp(n->args[0], "off") == 0 ? NULL :
			    xstrdup(n->args[0]);
		} else if (strcmp(n->name, "public-url") == 0) {
			if (n->nargs != 1 || !url_ok(n->args[0]))
				goto badurl;
			free(wc->public_url);
			wc->public_url = xstrdup(n->args[0]);
			i = (int)strlen(wc->public_url);
			while (i > 0 && wc->public_url[i - 1] == '/')
				wc->public_url[--i] = '\0';
		} else if (strcmp(n->name, "trusted-proxies") == 0) {
			if (n->nargs < 1 || n->nargs > WEB_PROXIES_MAX)
				return bad(err, errlen, cf, n, "takes 1 to 32 "
				    "addresses or prefixes");
			for (i = 0; i < n->nargs; i++)
				if (addr_parse(n->args[i], &wc->proxies[i],
				    &why) == -1) {
					snprintf(err, errlen, "%s:%d: http: "
					    "trusted-proxies: %s", cf->path,
					    n->line, why);
					return -1;
				}
			wc->nproxies = n->nargs;
		} else if (strcmp(n->name, "max-body") == 0) {
			if (read_int(cf, n, 256, WEB_BODY_CAP, &wc->body_max,
			    err, errlen) == -1)
				return -1;
		} else if (strcmp(n->name, "timeout") == 0) {
			if (read_int(cf, n, 1, 3600, &wc->timeout_s, err,
			    errlen) == -1)
				return -1;
		} else if (strcmp(n->name, "workers") == 0) {
			if (read_int(cf, n, 1, WEB_WORKERS_MAX, &wc->workers,
			    err, errlen) == -1)
				return -1;
		} else if (read_int(cf, n, 1, 100000, &wc->clients, err,
		    errlen) == -1)
			return -1;
	}
	return 0;
badurl:
	snprintf(err, errlen, "%s:%d: http: public-url takes one http:// or "
	    "https:// URL of at most %d bytes (no spaces, quotes or '$')",
	    cf->path, n->line, WEB_URL_MAX);
	return -1;
}

int
web_conf_read(const struct conf *cf, const struct conf_node *node,
    struct web_conf *wc, char *err, size_t errlen)
{
	static const char *const keys[] = { "listen", "public-url",
	    "trusted-proxies", "max-body", "timeout", "clients", "workers",
	    NULL };

	memset(wc, 0, sizeof(*wc));
	wc->body_max = WEB_BODY_MAX;
	wc->timeout_s = WEB_TIMEOUT_S;
	wc->clients = WEB_CLIENTS;
	wc->workers = WEB_WORKERS;
	wc->explicit = node != NULL;
	if (node != NULL && (conf_check_keys(cf, node, keys, err,
	    errlen) == -1 || read_block(cf, node, wc, err, errlen) == -1)) {
		web_conf_free(wc);
		return -1;
	}
	if (confirm_conf_read(cf, cf != NULL ? conf_find(cf->root,
	    "confirm") : NULL, &wc->confirm, err, errlen) == -1) {
		web_conf_free(wc);
		return -1;
	}
	if (node == NULL || conf_find(node, "listen") == NULL)
		wc->listen = xstrdup(WEB_LISTEN_DEFAULT);
	return 0;
}

void
web_conf_free(struct web_conf *wc)
{
	free(wc->listen);
	free(wc->public_url);
	wc->listen = wc->public_url = NULL;
}
