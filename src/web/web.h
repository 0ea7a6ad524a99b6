/*
 * web.h: the HTTP service of `fairlist serve`: the public lookup page and
 * its JSON API (docs/WEB.md), on libevent's evhttp on worker threads of
 * its own (http { workers N }).
 *
 * web_conf_read reads the http { } block; web_server_new binds its
 * socket (before the privilege drop), web_server_start serves it on
 * workers threads, each with its own event base and store connection,
 * web_server_free stops them. The pages and API read the store, not the
 * index snapshot: a lookup says what the store holds, history included.
 */
#ifndef FAIRLIST_WEB_H
#define FAIRLIST_WEB_H

#include <stddef.h>

#include "confirm/confirm.h"
#include "core/addr.h"

struct conf;
struct conf_node;
struct event_base;

#define WEB_LISTEN_DEFAULT	"127.0.0.1:8080"
#define WEB_URL_MAX		256	/* bytes of public-url */
#define WEB_PROXIES_MAX		32	/* trusted-proxies prefixes */
#define WEB_BODY_MAX		16384	/* default max-body, bytes */
#define WEB_BODY_CAP		(1024 * 1024)	/* largest max-body */
#define WEB_HEADERS_SIZE_MAX	8192	/* request line and headers, bytes */
#define WEB_HEADERS_MAX		64	/* header lines of a request */
#define WEB_TIMEOUT_S		10	/* a request must be whole within */
#define WEB_CLIENTS		256	/* open connections at most */
#define WEB_WORKERS		1	/* default HTTP threads (WEB.md) */
#define WEB_WORKERS_MAX		64

struct web_conf {
	char			*listen;	/* "ADDR:PORT", NULL: off */
	char			*public_url;	/* no trailing '/', NULL:
						   the stored URLs as is */
	struct addr_prefix	 proxies[WEB_PROXIES_MAX];
	int			 nproxies;
	int			 body_max;	/* bytes */
	int			 timeout_s;
	int			 clients;
	int			 workers;	/* threads, each with its own
						   loop and store connection */
	struct confirm_conf	 confirm;	/* the confirm { } block, for
						   /api/v1/confirm-check */
	int			 explicit;	/* an http block: failing to
						   bind is fatal, else a
						   warning */
};

/*
 * Read the http { } block node of cf (node NULL: the defaults, listening
 * on WEB_LISTEN_DEFAULT) into OUT:wc. Returns 0, or -1 with
 * "FILE:LINE: why" in OUT:err. web_conf_free frees what it holds.
 */
int	web_conf_read(const struct conf *cf, const struct conf_node *node,
	    struct web_conf *wc, char *err, size_t errlen);
void	web_conf_free(struct web_conf *wc);

struct web_server;

/*
 * Bind wc->listen (wc is borrowed until web_server_reconf or free).
 * Returns NULL with the reason in OUT:err.
 */
struct web_server	*web_server_new(const struct web_conf *wc, char *err,
			    size_t errlen);

/*
 * Serve on wc->workers threads of the service's own (base, the daemon's,
 * is not used), each reading the store at db through a connection of its
 * own. Returns 0, or -1 after logging why (web_server_free cleans up).
 */
int	web_server_start(struct web_server *ws, struct event_base *base,
	    const char *db);

/*
 * SIGHUP: every setting but the listen address, clients and workers, from
 * wc (borrowed); returns once every worker uses wc.
 */
void	web_server_reconf(struct web_server *ws, const struct web_conf *wc);

/* Close every connection and the socket; NULL is a no-op. */
void	web_server_free(struct web_server *ws);

#endif /* FAIRLIST_WEB_H */
