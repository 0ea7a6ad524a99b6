/*
 * server.c: the HTTP service's glue: its socket, libevent's evhttp on
 * http { workers } threads (worker_main, each with its own event base,
 * listener and store connection; web_int.h says what they share), the
 * limits (request size, header count, time, open connections that sent a
 * request), the security headers of every answer, and the routes
 * (docs/WEB.md).
 *
 * Routes: GET / (the search form), GET /lookup?ip= (a redirect to
 * /lookup/IP), GET /lookup/IP (the page), GET /api/v1/lookup/IP (JSON),
 * GET /metrics, GET /static/style.css; removal.c has POST
 * /api/v1/removal and GET /request/REF, /api/v1/request/REF; bounce.c
 * POST /api/v1/bounce, GET and POST /bounce; confirm.c POST
 * /api/v1/confirm-check; admin.c /api/v1/admin/. Every answer is counted
 * by route and status and timed
 * (fairlist_http_requests_total, fairlist_http_request_duration_seconds). A bad address is a 400, an unknown path a 404,
 * another method a 405, too many header lines a 431; evhttp answers 413
 * for a body over max-body and closes a request not whole within
 * timeout. Pages come from the templates of share/web/ (tpl.c), every
 * value HTML-escaped; JSON from jansson's tree (web_json_write), the
 * API's lookup and request answers in one pass (lookup.c, removal.c).
 *
 * Logs a warning for each store error (the client gets a 500).
 */
#include <sys/socket.h>
#include <sys/queue.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>

#include "core/buf.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/sockaddr.h"
#include "core/str.h"
#include "core/time.h"
#include "core/xmalloc.h"
#include "store/store.h"
#include "web/web.h"
#include "web/web_int.h"

/* Every answer: no script, no framing, no sniffing, no referrer. */
#define WEB_CSP	"default-src 'none'; style-src 'self'; img-src 'self'; " \
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"


struct web_server *
web_server_new(const struct web_conf *wc, char *err, size_t errlen)
{
	struct web_server	*ws;
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	int			 fd, on = 1;

	if (sa_parse(wc->listen, -1, &ss, &sl) == -1) {
		snprintf(err, errlen, "http: bad listen address '%s'",
		    wc->listen);
		return NULL;
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    bind(fd, (struct sockaddr *)&ss, sl) == -1 ||
	    listen(fd, 128) == -1) {
		snprintf(err, errlen, "http: %s: %s", wc->listen,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return NULL;
	}
	ws = xcalloc(1, sizeof(*ws));
	ws->wc = wc;
	ws->fd = fd;
	for (ws->cap = 16; ws->cap <= (size_t)wc->clients * 2; ws->cap *= 2)
		;
	ws->conns = xcalloc(ws->cap, sizeof(*ws->conns));
	ws->seed = hash_seed();
	ws->rl = web_rl_new();
	atomic_init(&ws->total0, 0);
	ws->total = &ws->total0;
	return ws;
}

/*
 * --- connections: the ones that sent a request, in a set of at most
 * clients; a connection that sends none is closed at timeout ---
 */

static size_t
conn_slot(const struct web_server *ws, const void *c)
{
	return (size_t)hash_bytes(&c, sizeof(c), ws->seed) & (ws->cap - 1);
}

static void
conn_gone(struct evhttp_connection *c, void *arg)
{
	struct web_server	*ws = arg;
	size_t			 i = conn_slot(ws, c), j, k;

	web_confirm_conn_gone(ws, c);
	while (ws->conns[i] != c) {
		if (ws->conns[i] == NULL)
			return;
		i = (i + 1) & (ws->cap - 1);
	}
	ws->conns[i] = NULL;
	ws->nconn--;
	atomic_fetch_sub(ws->total, 1);
	/* Backward-shift deletion keeps every probe chain whole. */
	for (j = (i + 1) & (ws->cap - 1); ws->conns[j] != NULL;
	    j = (j + 1) & (ws->cap - 1)) {
		k = conn_slot(ws, ws->conns[j]);
		if ((j > i && (k <= i || k > j)) || (j < i && k <= i && k > j)) {
			ws->conns[i] = ws->conns[j];
			ws->conns[j] = NULL;
			i = j;
		}
	}
}

/*
 * Count the connection of req on its first request: 0, or -1 when
 * clients connections are open already (the caller answers 503 and
 * closes it).
 */
static int
conn_seen(struct web_server *ws, struct evhttp_request *req)
{
	struct evhttp_connection	*c = evhttp_request_get_connection(req);
	size_t				 i;

	if (c == NULL)
		return 0;
	for (i = conn_slot(ws, c); ws->conns[i] != NULL;
	    i = (i + 1) & (ws->cap - 1))
		if (ws->conns[i] == c)
			return 0;
	/* Every worker's connections count; clients is a restart setting. */
	if (atomic_fetch_add(ws->total, 1) >= ws->wc->clients) {
		atomic_fetch_sub(ws->total, 1);
		return -1;
	}
	ws->conns[i] = c;
	ws->nconn++;
	evhttp_connection_set_closecb(c, conn_gone, ws);
	return 0;
}

/* --- answers --- */

/* The status of the last answer, for the metrics (each worker's). */
static _Thread_local int	last_status;

void
web_reply(struct evhttp_request *req, int status, const char *ctype,
    const char *body, size_t len)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	struct evbuffer		*b = evhttp_request_get_output_buffer(req);

	evhttp_add_header(h, "Content-Type", ctype);
	evhttp_add_header(h, "Content-Security-Policy", WEB_CSP);
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_add_header(h, "Cross-Origin-Resource-Policy", "same-origin");
	last_status = status;
	if (evhttp_find_header(h, "Cache-Control") == NULL)
		evhttp_add_header(h, "Cache-Control", "no-store");
	/* Into the request's own output buffer: no evbuffer to make. */
	if (b != NULL)
		evbuffer_add(b, body, len);
	evhttp_send_reply(req, status, NULL, NULL);
}

void
web_reply_json(struct evhttp_request *req, int status, json_t *o)
{
	static const char	json_fail[] =
	    "{\"error\": \"the answer cannot be written\"}\n";
	struct sbuf		b;

	/*
	 * Compact, one line and a newline: the indented form cost about a
	 * third of a lookup's instructions (callgrind); jq pretty-prints.
	 * web_json_write, not json_dumps: its loop check and callback
	 * were a fifth of what an API lookup was left with.
	 */
	sbuf_init(&b);
	sbuf_reserve(&b, 1024);
	if (o == NULL || web_json_write(&b, o) == -1)
		web_reply(req, 500, "application/json", json_fail,
		    sizeof(json_fail) - 1);
	else {
		sbuf_addc(&b, '\n');
		web_reply(req, status, "application/json", b.s, b.len);
	}
	sbuf_free(&b);
	json_decref(o);
}

/* A page: head.html, the template called name, foot.html over data. */
void
web_reply_page(struct evhttp_request *req, int status, const char *name,
    json_t *data)
{
	static const char *const parts[] = { "head.html", NULL, "foot.html" };
	const struct web_asset	*a;
	struct sbuf		 b;
	size_t			 i;

	sbuf_init(&b);
	sbuf_reserve(&b, 8192);		/* a lookup page: about 3 KB */
	for (i = 0; i < 3; i++) {
		if ((a = web_asset_get(parts[i] != NULL ? parts[i] :
		    name)) == NULL ||
		    web_tpl_expand(&b, a->data, a->len, data) == -1) {
			log_warnx("http: template %s is malformed",
			    parts[i] != NULL ? parts[i] : name);
			sbuf_free(&b);
			json_decref(data);
			web_reply(req, 500, "text/plain", "template error\n", 15);
			return;
		}
		sbuf_addc(&b, '\n');
	}
	web_reply(req, status, "text/html; charset=utf-8", b.s, b.len);
	sbuf_free(&b);
	json_decref(data);
}

static const char *
status_text(int status)
{
	switch (status) {
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 415:
		return "Unsupported Media Type";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 503:
		return "Service Unavailable";
	default:
		return "Error";
	}
}

/* An error, as JSON under /api/, else as a page. msg is escaped. */
void
web_reply_error(struct evhttp_request *req, int api, int status,
    const char *msg)
{
	char	esc[512];

	str_escape(esc, sizeof(esc), msg, strlen(msg));
	if (api)
		web_reply_json(req, status, json_pack("{s:s}", "error", esc));
	else
		web_reply_page(req, status, "error.html", json_pack("{s:i, s:s, "
		    "s:s}", "status", status, "title", status_text(status),
		    "message", esc));
}

const struct web_asset *
web_asset_get(const char *name)
{
	size_t	i;

	for (i = 0; i < web_nassets; i++)
		if (strcmp(web_assets[i].name, name) == 0)
			return &web_assets[i];
	return NULL;
}

/* --- routes --- */

/* The address in a path segment (percent-encoded), or -1 with OUT:why. */
int
web_path_addr(const char *seg, struct addr_prefix *p, const char **why)
{
	char	text[ADDR_TEXT_MAX];

	if (web_pct_decode(seg, strlen(seg), text, sizeof(text), 0) < 0) {
		*why = "not an IP address";
		return -1;
	}
	if (addr_parse(text, p, why) == -1)
		return -1;
	if (p->plen != 128) {
		*why = "a single address, not a prefix, please";
		return -1;
	}
	return 0;
}

void
web_client(struct web_server *ws, struct evhttp_request *req,
    uint8_t out[ADDR_LEN], char *text, size_t size)
{
	struct evhttp_connection *c = evhttp_request_get_connection(req);
	struct evkeyval		*kv;
	struct addr_prefix	 p;
	struct sbuf		 xff;
	const char		*why;
	char			*host = NULL;
	ev_uint16_t		 port;
	int			 fam;

	memset(&p, 0, sizeof(p));
	if (c != NULL)
		evhttp_connection_get_peer(c, &host, &port);
	if (host == NULL || addr_parse(host, &p, &why) == -1)
		memset(&p, 0, sizeof(p));
	sbuf_init(&xff);
	TAILQ_FOREACH(kv, evhttp_request_get_input_headers(req), next)
		if (strcasecmp(kv->key, "X-Forwarded-For") == 0) {
			if (xff.len > 0)
				sbuf_addc(&xff, ',');
			sbuf_adds(&xff, kv->value);
		}
	web_client_addr(ws->wc->proxies, ws->wc->nproxies, p.a,
	    xff.len > 0 ? xff.s : NULL, xff.len, out);
	sbuf_free(&xff);
	fam = addr_is_v4(out, NULL) ? 4 : 6;
	addr_ntop(out, fam, text, size);
}

static void
route_index(struct web_server *ws, struct evhttp_request *req)
{
	uint8_t	a[ADDR_LEN];
	char	text[ADDR_TEXT_MAX];

	web_client(ws, req, a, text, sizeof(text));
	web_reply_page(req, 200, "index.html", json_pack("{s:s, s:s}", "title",
	    "Look up an address", "client", text));
}

static int
query_ip(const char *name, const char *value, void *arg)
{
	if (strcmp(name, "ip") == 0)
		str_lcpy(arg, value, ADDR_TEXT_MAX);
	return 0;
}

/* GET /lookup?ip=ADDR, the search form: 303 to /lookup/ADDR. */
static void
route_search(struct evhttp_request *req, const char *query)
{
	struct addr_prefix	 p;
	const char		*why, *s;
	char			 ip[ADDR_TEXT_MAX] = "", loc[ADDR_TEXT_MAX + 16];
	size_t			 n;

	if (query == NULL || web_form_each(query, strlen(query), query_ip, ip,
	    &why) == -1 || ip[0] == '\0') {
		web_reply_error(req, 0, 400, "type an IP address in the form");
		return;
	}
	/* Spaces around a pasted address are no error. */
	s = ip + strspn(ip, " \t");
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	memmove(loc, s, n);
	loc[n] = '\0';
	if (addr_parse(loc, &p, &why) == -1) {
		web_reply_error(req, 0, 400, "not an IP address");
		return;
	}
	if (p.plen != 128) {
		web_reply_error(req, 0, 400, "a single address, not a prefix, "
		    "please");
		return;
	}
	snprintf(loc, sizeof(loc), "/lookup/%s", addr_format(&p, ip,
	    sizeof(ip)));
	evhttp_add_header(evhttp_request_get_output_headers(req), "Location",
	    loc);
	web_reply(req, 303, "text/plain", "", 0);
}

static void	route_page(struct web_server *, struct evhttp_request *,
		    const struct addr_prefix *, int64_t);

static void
route_lookup(struct web_server *ws, struct evhttp_request *req,
    const char *seg, int api)
{
	struct addr_prefix	 p;
	const char		*why;
	char			 err[STORE_ERR_MAX], msg[128], text[ADDR_TEXT_MAX];
	int64_t			 now = (int64_t)time(NULL);
	struct sbuf		 b;

	if (web_path_addr(seg, &p, &why) == -1) {
		/* Untrusted: the address as typed, escaped by web_reply_error. */
		if (web_pct_decode(seg, strlen(seg), text, sizeof(text),
		    0) < 0)
			str_lcpy(text, seg, sizeof(text));
		snprintf(msg, sizeof(msg), "'%.64s': %s", text, why);
		web_reply_error(req, api, 400, msg);
		return;
	}
	if (api) {
		/* One pass from the rows to the bytes, no jansson tree. */
		sbuf_init(&b);
		sbuf_reserve(&b, 1024);
		if (web_lookup_api(ws->st, &ws->zones, &p, now, &b, err) == -1) {
			sbuf_free(&b);
			log_warnx("http: lookup: %s", err);
			web_reply_error(req, api, 500, "the store cannot be read");
			return;
		}
		sbuf_addc(&b, '\n');
		web_reply(req, 200, "application/json", b.s, b.len);
		sbuf_free(&b);
		return;
	}
	web_arena_begin();
	route_page(ws, req, &p, now);
	web_arena_end();
}

/* The lookup page of p: its tree in the arena, freed before it ends. */
static void
route_page(struct web_server *ws, struct evhttp_request *req,
    const struct addr_prefix *p, int64_t now)
{
	char	 err[STORE_ERR_MAX];
	json_t	*o;

	if ((o = web_lookup(ws->st, &ws->zones, p, now, err)) == NULL) {
		log_warnx("http: lookup: %s", err);
		web_reply_error(req, 0, 500, "the store cannot be read");
		return;
	}
	json_object_set_new(o, "title", json_string(json_string_value(
	    json_object_get(o, "ip"))));
	/*
	 * The removal form's CSRF token: a hidden field and a cookie, both
	 * made once a second (and the cookie again for a new configuration:
	 * public-url decides Secure).
	 */
	if (ws->csrf_at != now || ws->csrf[0] == '\0' ||
	    ws->csrf_wc != ws->wc) {
		web_csrf_make(now, ws->csrf);
		ws->csrf_at = now;
		ws->csrf_wc = ws->wc;
		snprintf(ws->csrf_cookie, sizeof(ws->csrf_cookie), "%s=%s; "
		    "Path=/api/v1/removal; Max-Age=%d; HttpOnly; "
		    "SameSite=Strict%s", WEB_CSRF_COOKIE, ws->csrf, WEB_CSRF_TTL,
		    ws->wc->public_url != NULL &&
		    strncmp(ws->wc->public_url, "https:", 6) == 0 ?
		    "; Secure" : "");
	}
	json_object_set_new(o, "csrf", json_string(ws->csrf));
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Set-Cookie", ws->csrf_cookie);
	web_reply_page(req, 200, "lookup.html", o);
}

static void
route_static(struct evhttp_request *req, const char *name)
{
	const struct web_asset	*a = web_asset_get(name);

	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Cache-Control", "max-age=3600");
	web_reply(req, 200, "text/css", a->data, a->len);
}

/*
 * GET /metrics: the process's registry (core/metrics.h: DNS answers,
 * policy verdicts, these HTTP requests) and the store's gauges (listings
 * by zone and source, removal requests by state), Prometheus text 0.0.4.
 */
static void
route_metrics(struct web_server *ws, struct evhttp_request *req)
{
	struct sbuf	b;

	sbuf_init(&b);
	metrics_render(&b);
	if (store_metrics(ws->st, &b) == -1) {
		sbuf_free(&b);
		web_reply_error(req, 0, 500, "the store cannot be read");
		return;
	}
	web_reply(req, 200, "text/plain; version=0.0.4; charset=utf-8", b.s,
	    b.len);
	sbuf_free(&b);
}

static int
too_many_headers(struct evhttp_request *req)
{
	struct evkeyval	*kv;
	int		 n = 0;

	TAILQ_FOREACH(kv, evhttp_request_get_input_headers(req), next)
		if (++n > WEB_HEADERS_MAX)
			return 1;
	return 0;
}

/* The route label of the metrics (web_route_names order). */
enum route {
	R_INDEX, R_SEARCH, R_LOOKUP, R_API_LOOKUP, R_REMOVAL, R_REQUEST,
	R_API_REQUEST, R_ADMIN, R_METRICS, R_STATIC, R_WATCH, R_API_WATCH,
	R_BOUNCE, R_BOUNCE_PAGE, R_CONFIRM, R_OTHER, R_N
};
static const char *const route_names[R_N + 1] = {
	"index", "search", "lookup", "api_lookup", "removal", "request",
	"api_request", "admin", "metrics", "static", "watch", "api_watch",
	"bounce", "bounce_page", "confirm_check", "other", NULL
};

/* Answer req; returns its route. */
static enum route
dispatch(struct web_server *ws, struct evhttp_request *req)
{
	const struct evhttp_uri	*u = evhttp_request_get_evhttp_uri(req);
	const char		*path = u != NULL ? evhttp_uri_get_path(u) : NULL;
	enum evhttp_cmd_type	 m = evhttp_request_get_command(req);
	int			 api;

	if (path == NULL || path[0] != '/') {
		web_reply_error(req, 0, 400, "bad request target");
		return R_OTHER;
	}
	api = strncmp(path, "/api/", 5) == 0;
	/* This connection's own commits leave data_version as it is. */
	if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD)
		ws->zones.valid = 0;
	if (conn_seen(ws, req) == -1) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Connection", "close");
		web_reply_error(req, api, 503, "too many connections; try again");
		return R_OTHER;
	}
	if (too_many_headers(req)) {
		web_reply_error(req, api, 431, "too many header lines");
		return R_OTHER;
	}
	if (strncmp(path, "/api/v1/admin/", 14) == 0) {
		web_route_admin(ws, req, path + 14);
		return R_ADMIN;
	}
	if (strcmp(path, "/api/v1/removal") == 0) {
		if (m == EVHTTP_REQ_POST)
			web_route_removal(ws, req);
		else {
			evhttp_add_header(evhttp_request_get_output_headers(req),
			    "Allow", "POST");
			web_reply_error(req, 1, 405, "this route answers POST");
		}
		return R_REMOVAL;
	}
	if (strcmp(path, "/api/v1/confirm-check") == 0) {
		if (m == EVHTTP_REQ_POST)
			web_route_confirm(ws, req);
		else {
			evhttp_add_header(evhttp_request_get_output_headers(req),
			    "Allow", "POST");
			web_reply_error(req, 1, 405, "this route answers POST");
		}
		return R_CONFIRM;
	}
	if (strcmp(path, "/api/v1/bounce") == 0) {
		if (m == EVHTTP_REQ_POST)
			web_route_bounce(ws, req);
		else {
			evhttp_add_header(evhttp_request_get_output_headers(req),
			    "Allow", "POST");
			web_reply_error(req, 1, 405, "this route answers POST");
		}
		return R_BOUNCE;
	}
	if (strcmp(path, "/bounce") == 0 && m == EVHTTP_REQ_POST) {
		web_route_bounce_page(ws, req, 1);
		return R_BOUNCE_PAGE;
	}
	if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "GET, HEAD");
		web_reply_error(req, api, 405, "this route answers GET and HEAD");
		return R_OTHER;
	}
	if (strcmp(path, "/") == 0) {
		route_index(ws, req);
		return R_INDEX;
	}
	if (strcmp(path, "/lookup") == 0) {
		route_search(req, evhttp_uri_get_query(u));
		return R_SEARCH;
	}
	if (strncmp(path, "/lookup/", 8) == 0) {
		route_lookup(ws, req, path + 8, 0);
		return R_LOOKUP;
	}
	if (strncmp(path, "/api/v1/lookup/", 15) == 0) {
		route_lookup(ws, req, path + 15, 1);
		return R_API_LOOKUP;
	}
	if (strncmp(path, "/request/", 9) == 0) {
		web_route_request(ws, req, path + 9, 0);
		return R_REQUEST;
	}
	if (strncmp(path, "/api/v1/request/", 16) == 0) {
		web_route_request(ws, req, path + 16, 1);
		return R_API_REQUEST;
	}
	if (strcmp(path, "/watch") == 0) {
		web_route_watch(ws, req, 0);
		return R_WATCH;
	}
	if (strcmp(path, "/api/v1/watch") == 0) {
		web_route_watch(ws, req, 1);
		return R_API_WATCH;
	}
	if (strcmp(path, "/bounce") == 0) {
		web_route_bounce_page(ws, req, 0);
		return R_BOUNCE_PAGE;
	}
	if (strcmp(path, "/metrics") == 0) {
		route_metrics(ws, req);
		return R_METRICS;
	}
	if (strcmp(path, "/static/style.css") == 0) {
		route_static(req, "style.css");
		return R_STATIC;
	}
	web_reply_error(req, api, 404, "no such page");
	return R_OTHER;
}

/*
 * Every request: answered by dispatch, then counted by route and status
 * and timed (the families are registered by web_server_start).
 */
static void
on_request(struct evhttp_request *req, void *arg)
{
	struct web_server	*ws = arg;
	int64_t			 t0 = time_mono_us();
	const char		*lv[3];
	char			 code[8];
	enum route		 r;

	last_status = 0;
	r = dispatch(ws, req);
	snprintf(code, sizeof(code), "%d", last_status);
	lv[0] = route_names[r];
	lv[1] = code;
	lv[2] = NULL;
	metrics_inc(ws->m_requests, metrics_series(ws->m_requests, lv));
	lv[1] = NULL;
	metrics_observe(ws->m_latency, metrics_series(ws->m_latency, lv),
	    (uint64_t)(time_mono_us() - t0));
}

/* --- the service --- */

/* Latency buckets, microseconds: 100 us to 1 s. */
static const uint64_t latency_us[] = { 100, 250, 500, 1000, 2500, 5000,
    10000, 25000, 50000, 100000, 250000, 1000000 };

static void
register_metrics(struct web_server *ws)
{
	const struct metrics_label	rs[] = {
		{ "route", route_names, 0 },
		{ "status", NULL, 24 },
	};

	ws->m_requests = metrics_counter("fairlist_http_requests_total",
	    "HTTP requests answered, by route and status.", rs, 2);
	ws->m_latency = metrics_histogram(
	    "fairlist_http_request_duration_seconds",
	    "Time to answer an HTTP request, from its parsed head.", rs, 1,
	    latency_us, (int)(sizeof(latency_us) / sizeof(latency_us[0])),
	    1e-6);
}

static void
apply_limits(struct web_server *ws)
{
	evhttp_set_max_headers_size(ws->http, WEB_HEADERS_SIZE_MAX);
	evhttp_set_max_body_size(ws->http, ws->wc->body_max);
	evhttp_set_timeout(ws->http, ws->wc->timeout_s);
}

/* A worker's loop, until web_server_free asks it to exit. */
static void *
worker_main(void *arg)
{
	struct web_server	*w = arg;

	event_base_loop(w->base, EVLOOP_NO_EXIT_ON_EMPTY);
	web_arena_free();
	return NULL;
}

/*
 * Worker w's base, evhttp, store connection and listener on fd (taken).
 * Returns 0, or -1 after logging why.
 */
static int
worker_init(struct web_server *w, const char *db, int fd)
{
	char	err[STORE_ERR_MAX];

	w->fd = fd;
	if ((w->base = event_base_new()) == NULL) {
		log_warnx("http: event_base_new failed");
		return -1;
	}
	if ((w->st = store_open(db, STORE_LEAN, err)) == NULL) {
		log_warnx("http: %s", err);
		return -1;
	}
	if ((w->http = evhttp_new(w->base)) == NULL) {
		log_warnx("http: evhttp_new failed");
		return -1;
	}
	apply_limits(w);
	evhttp_set_allowed_methods(w->http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_gencb(w->http, on_request, w);
	if ((w->bound = evhttp_accept_socket_with_handle(w->http,
	    w->fd)) == NULL) {
		log_warnx("http: cannot listen on %s", w->wc->listen);
		return -1;
	}
	w->fd = -1;		/* the listener's now */
	return 0;
}

/*
 * The workers: each on a thread of its own, off the daemon's loop (the
 * policy and milter services stay on it), every signal blocked there
 * (the loop's thread takes them). The listening socket is dup'ed for
 * each: the kernel hands each connection to one accept, and a
 * connection's requests stay on the worker that accepted it.
 */
int
web_server_start(struct web_server *ws, struct event_base *base,
    const char *db)
{
	struct web_server	*w;
	sigset_t		 all, old;
	char			 tok[WEB_CSRF_LEN];
	int			 i, fd, e;

	(void)base;
	/* Cross-thread loopexit and event_base_once (reconf, free). */
	if (evthread_use_pthreads() == -1) {
		log_warnx("http: evthread_use_pthreads failed");
		return -1;
	}
	web_csrf_make(0, tok);		/* the secret, before the threads */
	web_arena_init();		/* jansson's allocator, likewise */
	register_metrics(ws);
	ws->nworkers = ws->wc->workers > 0 ? ws->wc->workers : 1;
	ws->workers = xcalloc((size_t)ws->nworkers, sizeof(*ws->workers));
	ws->workers[0] = ws;
	for (i = 1; i < ws->nworkers; i++) {
		w = xcalloc(1, sizeof(*w));
		w->wc = ws->wc;
		w->id = i;
		w->fd = -1;
		w->cap = ws->cap;
		w->conns = xcalloc(w->cap, sizeof(*w->conns));
		w->seed = ws->seed;
		w->rl = ws->rl;
		w->total = ws->total;
		w->m_requests = ws->m_requests;
		w->m_latency = ws->m_latency;
		ws->workers[i] = w;
	}
	/* Worker 0 takes the socket itself, last: the others dup it. */
	for (i = ws->nworkers - 1; i >= 0; i--) {
		w = ws->workers[i];
		if (i == 0) {
			fd = ws->fd;
			ws->fd = -1;
		} else if ((fd = fcntl(ws->fd, F_DUPFD_CLOEXEC, 0)) == -1) {
			log_warn("http: dup");
			return -1;
		}
		if (worker_init(w, db, fd) == -1) {
			if (w->fd != -1)
				close(w->fd);
			w->fd = -1;
			return -1;
		}
	}
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 0; i < ws->nworkers; i++) {
		w = ws->workers[i];
		if ((e = pthread_create(&w->thr, NULL, worker_main, w)) != 0) {
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			errno = e;
			log_warn("http: pthread_create");
			return -1;
		}
		w->running = 1;
		/* For top -H and bench/web/run's CPU shares. */
		pthread_setname_np(w->thr, "fl-http");
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	log_info("http: listening on %s, %d worker thread%s", ws->wc->listen,
	    ws->nworkers, ws->nworkers == 1 ? "" : "s");
	return 0;
}

/* A new configuration for one worker, applied on its thread. */
struct reconf_job {
	struct web_server	*w;
	const struct web_conf	*wc;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	int			 done;
};

static void
reconf_apply(evutil_socket_t fd, short what, void *arg)
{
	struct reconf_job	*j = arg;

	(void)fd;
	(void)what;
	j->w->wc = j->wc;
	apply_limits(j->w);
	pthread_mutex_lock(&j->mu);
	j->done = 1;
	pthread_cond_signal(&j->cv);
	pthread_mutex_unlock(&j->mu);
}

/*
 * Each worker switches to wc between two of its callbacks, and this
 * returns once all have: the caller may then free the old configuration.
 * workers is a restart setting (the daemon keeps the running count).
 */
void
web_server_reconf(struct web_server *ws, const struct web_conf *wc)
{
	struct reconf_job	 j;
	struct web_server	*w;
	int			 i;

	if (ws->workers == NULL) {
		ws->wc = wc;
		return;
	}
	for (i = 0; i < ws->nworkers; i++) {
		w = ws->workers[i];
		if (!w->running || w->http == NULL) {
			w->wc = wc;
			continue;
		}
		memset(&j, 0, sizeof(j));
		j.w = w;
		j.wc = wc;
		pthread_mutex_init(&j.mu, NULL);
		pthread_cond_init(&j.cv, NULL);
		if (event_base_once(w->base, -1, EV_TIMEOUT, reconf_apply, &j,
		    NULL) == -1) {
			log_warnx("http: worker %d: reconfiguration not "
			    "applied", i);
			j.done = 1;
		}
		pthread_mutex_lock(&j.mu);
		while (!j.done)
			pthread_cond_wait(&j.cv, &j.mu);
		pthread_mutex_unlock(&j.mu);
		pthread_mutex_destroy(&j.mu);
		pthread_cond_destroy(&j.cv);
	}
}

static void
worker_free(struct web_server *w)
{
	web_confirm_free(w);
	if (w->http != NULL)
		evhttp_free(w->http);
	if (w->fd != -1)
		close(w->fd);
	store_close(w->st);
	web_zones_free(&w->zones);
	if (w->base != NULL)
		event_base_free(w->base);
	free(w->conns);
}

void
web_server_free(struct web_server *ws)
{
	int	i;

	if (ws == NULL)
		return;
	for (i = 0; ws->workers != NULL && i < ws->nworkers; i++)
		if (ws->workers[i]->running)
			event_base_loopexit(ws->workers[i]->base, NULL);
	for (i = 0; ws->workers != NULL && i < ws->nworkers; i++)
		if (ws->workers[i]->running)
			pthread_join(ws->workers[i]->thr, NULL);
	for (i = 1; ws->workers != NULL && i < ws->nworkers; i++) {
		worker_free(ws->workers[i]);
		free(ws->workers[i]);
	}
	free(ws->workers);
	worker_free(ws);
	web_rl_free(ws->rl);
	free(ws);
}
