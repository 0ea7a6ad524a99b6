/*
 * web_int.h: the parts of src/web/ shared by its files and unit tests:
 * the request parsers (parse.c), the JSON request reader (json.c), the
 * page templates (tpl.c, assets compiled in from share/web/) and the
 * lookup's facts (lookup.c). All pure but lookup.c: bytes in, result out.
 */
#ifndef FAIRLIST_WEB_INT_H
#define FAIRLIST_WEB_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/addr.h"
#include "spf/spf.h"

struct evhttp;
struct metrics_family;
struct evhttp_bound_socket;
struct evhttp_request;
struct sbuf;
struct store;
struct web_conf;
struct web_rl;
struct web_cc_job;
struct dmarc_psl;
struct dns_evres;

#define WEB_FIELD_MAX		4096	/* bytes of one decoded field */
#define WEB_FIELDS_MAX		16	/* fields of a query or form */
#define WEB_XFF_MAX		32	/* X-Forwarded-For hops read */
#define WEB_TPL_DEPTH		8	/* nested template sections */
#define WEB_NOTE_MAX		1024	/* bytes of a removal note */

/*
 * Untrusted input (RFC 3986 section 2.1): percent-decode len bytes of s
 * into dst (cap bytes, NUL-terminated), '+' as a space when plus is set
 * (HTML form encoding). Refuses a bad or truncated %XX, a NUL byte (%00)
 * and a result that does not fit. Returns the decoded length or -1.
 */
long	web_pct_decode(const char *s, size_t len, char *dst, size_t cap,
	    int plus);

/*
 * Untrusted input (application/x-www-form-urlencoded, the HTML form
 * encoding, also a URL's query): call cb with each decoded name and value
 * (NUL-terminated, borrowed for the call) of "a=1&b=2", in order. A pair
 * without '=' has the value "". Empty pairs ("a=1&&b=2") are skipped.
 * Refuses more than WEB_FIELDS_MAX pairs and any field web_pct_decode
 * refuses. Returns 0, the first non-zero cb return, or -1 (OUT:err says
 * why, a static string).
 */
int	web_form_each(const char *s, size_t len,
	    int (*cb)(const char *name, const char *value, void *arg),
	    void *arg, const char **err);

/*
 * Untrusted input: the client of a request from peer that carried the
 * X-Forwarded-For value xff (len bytes, several headers joined by ',';
 * NULL: none). Only a peer inside one of the n proxies prefixes is
 * believed: then the hops are read right to left, skipping trusted
 * proxies, and the first other address is the client (all trusted: the
 * leftmost). Hops are bare IPv4 or IPv6 addresses separated by ',' and
 * optional spaces; a hop that does not parse, or more than WEB_XFF_MAX
 * hops, and the header is ignored (the peer is the client). Writes
 * OUT:client; returns 1 when it came from the header, 0 for the peer.
 */
int	web_client_addr(const struct addr_prefix *proxies, int n,
	    const uint8_t peer[ADDR_LEN], const char *xff, size_t len,
	    uint8_t client[ADDR_LEN]);

/*
 * Untrusted input (RFC 6265 section 5.4): the value of the cookie called
 * name in one Cookie header value (len bytes of "a=1; b=2") into out (cap
 * bytes, NUL-terminated). Returns out, or NULL when it is absent, empty,
 * does not fit or holds a byte that is not an RFC 6265 cookie-octet (a
 * NUL, a control or 8-bit byte, a quote, comma or backslash).
 */
const char	*web_cookie_value(const char *hdr, size_t len,
		    const char *name, char *out, size_t cap);

/* One key a JSON request object may have. */
struct web_jkey {
	const char	*name;
	json_type	 type;		/* JSON_STRING, JSON_INTEGER, ... */
	int		 required;
	size_t		 max;		/* strings: bytes at most, 0: any */
};

/*
 * Untrusted input (RFC 8259): parse len bytes as one JSON object whose
 * keys are all in the NULL-named-terminated table keys, each of its type
 * (JSON_TRUE stands for a boolean) and size, the required ones present,
 * no key twice. Returns the object (the caller json_decref's it), or NULL
 * with a message for the client in OUT:err.
 */
json_t	*web_json_read(const char *body, size_t len,
	    const struct web_jkey *keys, char *err, size_t errlen);

/* Append s (len bytes) to b with & < > " ' as HTML character references. */
void	web_html_escape(struct sbuf *b, const char *s, size_t len);

/*
 * A template (tpl.c) expanded over data into b. {{name}} writes a value
 * of the context, HTML-escaped (strings as they are, integers in decimal,
 * true as "yes", null or missing as nothing); {{.}} the context itself;
 * {{#name}}...{{/name}} repeats the part for each element of an array
 * (which becomes the context), once for an object (likewise) or another
 * true value, never for false, null, "", 0 or []; {{^name}}...{{/name}}
 * only for those. A name is looked up in the context, then in the
 * enclosing ones. Returns 0, or -1 for a malformed template (an unclosed
 * or mismatched section, more than WEB_TPL_DEPTH nested).
 */
int	web_tpl_expand(struct sbuf *b, const char *tpl, size_t len,
	    json_t *data);

/* A file of share/web/, compiled in (web_assets.c, made by CMake). */
struct web_asset {
	const char	*name;		/* "lookup.html" */
	const char	*data;		/* NUL-terminated */
	size_t		 len;
};
extern const struct web_asset	web_assets[];
extern const size_t		web_nassets;

/* The asset called name, or NULL. */
const struct web_asset	*web_asset_get(const char *name);

/*
 * The facts about address ip (a single address) at time now, as the API
 * writes them (docs/WEB.md): {"ip", "listed", "listings", "history",
 * "requests", "truncated"}, plus for the page "has_history" and "zones"
 * (one object per zone of the store: name, code, listed, excluded,
 * listings, past, has_past). zs: the zones as web_lookup_api takes them
 * (NULL: read from the store). Returns a new object,
 * or NULL with the store's message in OUT:err (STORE_ERR_MAX bytes).
 */
struct web_zones;
json_t	*web_lookup(struct store *st, struct web_zones *zs,
	    const struct addr_prefix *ip, int64_t now, char *err);

/*
 * The zones of the store, name and default code (lookup.c), as the API
 * answer needs them; valid 0: to be read. web_zones_load reads them
 * (0, or -1 with the store's error); web_zones_clear marks them to be
 * read again; web_zones_free frees them (zs itself is the caller's).
 */
struct web_zone {
	char		*name;
	uint32_t	 code;
};
/* A removal policy read for (zone, source), kept with the zones. */
#define WEB_ZPOLICY_MAX	64	/* (zone, source) policies kept */
struct web_zpolicy {
	char		*zone;
	char		*source;
	int		 policy;		/* enum store_removal */
};
struct web_zones {
	struct web_zone	*z;
	size_t		 n, cap;
	struct web_zpolicy *pol;
	size_t		 npol, polcap;
	int		 valid;
	int64_t		 version;	/* the store's data_version read */
};
int	web_zones_load(struct store *st, struct web_zones *zs);
void	web_zones_clear(struct web_zones *zs);
void	web_zones_free(struct web_zones *zs);
/*
 * The removal policy of zone for listings of source (NULL: "") into
 * OUT:p, as store_removal_policy says, kept in zs (and forgotten with its
 * zones) after the first read. Returns 0 or -1 (the store's error).
 */
int	web_zones_policy(struct store *st, struct web_zones *zs,
	    const char *zone, const char *source, int *p);

/*
 * GET /api/v1/lookup/IP's answer for address ip at time now appended to
 * out: the bytes web_json_write writes for web_lookup's object less its
 * page keys (zones, has_history, has_requests), written in one pass from
 * the store's rows. zs: the zones, read again when not valid or when the
 * store's data_version is not zs->version (another connection's commit;
 * the caller clears zs after its own writes). Returns 0,
 * or -1 with the store's message in OUT:err (out then holds a part).
 */
int	web_lookup_api(struct store *st, struct web_zones *zs,
	    const struct addr_prefix *ip, int64_t now, struct sbuf *out,
	    char *err);

/*
 * CSRF tokens of the removal form (guard.c). web_csrf_make writes a token
 * for time now into OUT:tok; web_csrf_check returns 1 when field (the
 * form's) and cookie (NULL: none) are the same token, made by this
 * process at most WEB_CSRF_TTL seconds before now, else 0.
 */
#define WEB_CSRF_LEN	64		/* bytes of a token and its NUL */
#define WEB_CSRF_TTL	7200		/* seconds a form stays valid */
void	web_csrf_make(int64_t now, char tok[WEB_CSRF_LEN]);
int	web_csrf_check(const char *field, const char *cookie, int64_t now);

/*
 * Rate limits (guard.c): fixed windows in a table of fixed size. One
 * event of kind for address a at time now: 0 if it is within max per
 * window seconds, else the seconds until the window ends (Retry-After);
 * a refused event does not count.
 */
#define WEB_RL_SLOTS		8192	/* windows kept */
#define WEB_RL_PROBE		8	/* slots looked at per key */
#define WEB_RL_REQUESTER	0	/* kind: a requester's address */
#define WEB_RL_LISTED		1	/* kind: the address to remove */
struct web_rl;
struct web_rl	*web_rl_new(void);
void		 web_rl_free(struct web_rl *rl);	/* NULL: no-op */
int64_t		 web_rl_hit(struct web_rl *rl, int kind,
		    const uint8_t a[ADDR_LEN], int max, int64_t window,
		    int64_t now);

/*
 * The removal routes (removal.c). web_route_removal answers POST
 * /api/v1/removal (JSON, or the lookup page's form); web_route_request
 * GET /request/REF (api 0) and /api/v1/request/REF (api 1) for the path
 * segment seg. web_request_json is a request's public JSON: *OUT:found
 * is 1, 0 (no such request: NULL) or -1 (store error: NULL).
 */
#define WEB_CSRF_COOKIE		"fl_csrf"
#define WEB_RM_PER_REQUESTER	10	/* removal requests a requester ... */
#define WEB_RM_PER_LISTED	5	/* ... and for one address ... */
#define WEB_RM_WINDOW		3600	/* ... per this many seconds */
struct web_server;
void	web_route_removal(struct web_server *ws, struct evhttp_request *req);
void	web_route_request(struct web_server *ws, struct evhttp_request *req,
	    const char *seg, int api);
json_t	*web_request_json(struct web_server *ws, const char *ref,
	    int *found);

/*
 * Shared by the POST routes (removal.c): web_ctype_is is 1 when req's
 * Content-Type is the media type want (lower case), parameters aside;
 * web_req_cookie the value of cookie name in req's Cookie headers into
 * out (cap bytes), or NULL.
 */
int		 web_ctype_is(struct evhttp_request *req, const char *want);
const char	*web_req_cookie(struct evhttp_request *req, const char *name,
		    char *out, size_t cap);

/*
 * The bounce routes (bounce.c): POST /api/v1/bounce, the JSON answer of
 * `bounce classify --json` with what it means here (web_route_bounce);
 * GET /bounce, the "paste the rejection you got" form, and POST /bounce,
 * its verdict page (web_route_bounce_page, post 0 or 1).
 * web_bounce_json is the answer for a classification r (the store says
 * whether a list it names is ours and lists the address it names).
 */
#define WEB_BOUNCE_COOKIE	"fl_csrf_bounce"
struct bounce_result;
void	web_route_bounce(struct web_server *ws, struct evhttp_request *req);
void	web_route_bounce_page(struct web_server *ws,
	    struct evhttp_request *req, int post);
json_t	*web_bounce_json(struct web_server *ws,
	    const struct bounce_result *r);

/*
 * POST /api/v1/confirm-check (confirm.c). web_confirm_conn_gone forgets
 * the requests of connection c (closed) still waiting for SPF;
 * web_confirm_free ends every job and frees the resolver and the PSL.
 */
struct evhttp_connection;
void	web_route_confirm(struct web_server *ws, struct evhttp_request *req);
void	web_confirm_conn_gone(struct web_server *ws,
	    struct evhttp_connection *c);
void	web_confirm_free(struct web_server *ws);

/*
 * Check the bearer token of req for scope want (admin.c): 1 with the
 * actor ("token:NAME") in OUT:actor, or 0 after answering 401, 403 or
 * 500.
 */
int	web_authorize(struct web_server *ws, struct evhttp_request *req,
	    int want, char *actor, size_t size);

/* The admin API (admin.c): the request for /api/v1/admin/REST. */
/* watch.c: GET /watch (page) and /api/v1/watch (api != 0). */
void	web_route_watch(struct web_server *ws, struct evhttp_request *req,
	    int api);
void	web_route_admin(struct web_server *ws, struct evhttp_request *req,
	    const char *rest);

/*
 * The public form of a history row (lookup.c): an actor "web:ADDR" (a
 * requester) is "the requester", and ADDR in its why text likewise; the
 * audit log keeps the address. web_public_why returns a new string (or
 * JSON null for NULL).
 */
const char	*web_public_actor(const char *actor);
json_t		*web_public_why(const char *why, const char *actor);

/*
 * A listing as the API writes it (lookup.c): id, zone, prefix, range,
 * addresses, reason, evidence, source, listed_at, expires_at, state
 * (listed, excluded, expired, removed at now), removal (null), code (null
 * for the zone's default), and removed_at and removed_why once removed.
 */
struct store_listing;
json_t	*web_listing_json(const struct store_listing *l, int64_t now);

/*
 * Append v to b as json_dumps(v, JSON_COMPACT) would write it (no
 * newline). Returns 0, or -1 (b as it was) for a NULL value, nesting
 * deeper than WEB_JSON_DEPTH or a real jansson cannot write.
 */
#define WEB_JSON_DEPTH	32
int	web_json_write(struct sbuf *b, json_t *v);

/*
 * The one-pass JSON writer (jwrite.c), jansson's bytes without its tree.
 * web_json_str appends n bytes of s as a JSON string, escaped as
 * json_dumps escapes it; -1 (b as it was) when s is not valid UTF-8, as
 * json_string refuses it. web_json_jstr writes s, or null for NULL and
 * for bad UTF-8 (lookup.c's jstr). web_json_i64, web_json_bool a number,
 * true/false; web_json_tm t as web_json_time would (a quoted RFC 3339
 * time, null for 0).
 */
int	web_json_str(struct sbuf *b, const char *s, size_t n);
void	web_json_jstr(struct sbuf *b, const char *s);
void	web_json_i64(struct sbuf *b, int64_t v);
void	web_json_bool(struct sbuf *b, int v);
void	web_json_tm(struct sbuf *b, int64_t t);

/*
 * The page routes' arena for jansson (arena.c has the contract).
 * web_arena_init makes jansson allocate through it, once, before the
 * worker threads start; web_arena_begin and web_arena_end bracket one
 * page on the calling thread; web_arena_free frees the thread's arena at
 * its end.
 */
#define WEB_ARENA_SIZE	(256 * 1024)	/* bytes of a thread's arena */
void	web_arena_init(void);
void	web_arena_begin(void);
void	web_arena_end(void);
void	web_arena_free(void);

/* t as RFC 3339 UTC text ("2026-11-28T10:00:00Z"), or JSON null for 0. */
json_t	*web_json_time(int64_t t);

/*
 * The service (server.c), shared with the routes of removal.c: one per
 * HTTP worker thread (http { workers N }), each with its own event base,
 * evhttp, listener (a dup of the one socket), store connection, CSRF
 * token, confirm-check resolver and connection set; the routes of a
 * worker run on its thread alone. Shared by all: rl (locked inside),
 * the metrics families (core/metrics.h is thread-safe) and the count of
 * open connections. Worker 0 is the one web_server_new returns and holds
 * the others in workers[].
 */
struct web_server {
	const struct web_conf		*wc;
	int				 fd;
	struct event_base		*base;
	struct evhttp			*http;
	struct evhttp_bound_socket	*bound;
	struct store			*st;
	struct web_rl			*rl;		/* removal rate limits,
							   worker 0's */
	struct web_server		**workers;	/* worker 0: nworkers */
	int				 nworkers;
	int				 id;		/* 0 .. nworkers - 1 */
	pthread_t			 thr;
	int				 running;	/* thr was started */
	atomic_int			*total;		/* open connections of
							   every worker (0's) */
	atomic_int			 total0;
	struct dns_evres		*evres;		/* confirm-check's SPF,
							   NULL until used */
	struct spf_raw			 cc_raw;
	struct spf_resolver		 cc_res;
	struct web_cc_job		*cc_jobs;	/* waiting for SPF */
	struct dmarc_psl		*psl;		/* DKIM alignment */
	int				 psl_tried;
	struct metrics_family		*m_requests;	/* by route, status */
	struct metrics_family		*m_latency;	/* by route */
	const void			**conns;	/* open-addressing set */
	size_t				 cap;		/* a power of 2 > clients */
	uint64_t			 seed;
	int				 nconn;
	/*
	 * The removal form's CSRF token of second csrf_at: it depends on
	 * the second alone, and its HMAC was a seventh of a page.
	 */
	int64_t				 csrf_at;
	char				 csrf[WEB_CSRF_LEN];
	char				 csrf_cookie[WEB_CSRF_LEN + 128];
	const struct web_conf		*csrf_wc;	/* csrf_cookie's */
	struct web_zones		 zones;		/* the API lookup's */
};

/*
 * Answers (server.c), each with the security headers. web_reply sends
 * len bytes of body as ctype; web_reply_json sends o (taken: decref'd);
 * web_reply_page expands head.html, the template name and foot.html over
 * data (taken); web_reply_error sends msg (escaped by str_escape) as
 * {"error"} when api, else as the error page.
 */
void	web_reply(struct evhttp_request *req, int status, const char *ctype,
	    const char *body, size_t len);
void	web_reply_json(struct evhttp_request *req, int status, json_t *o);
void	web_reply_page(struct evhttp_request *req, int status,
	    const char *name, json_t *data);
void	web_reply_error(struct evhttp_request *req, int api, int status,
	    const char *msg);

/*
 * The single address in a percent-encoded path segment into OUT:p, or -1
 * with a message in OUT:why.
 */
int	web_path_addr(const char *seg, struct addr_prefix *p,
	    const char **why);

/*
 * The request's client (the peer, or X-Forwarded-For from a trusted
 * proxy) into OUT:out and as text into OUT:text (size bytes).
 */
void	web_client(struct web_server *ws, struct evhttp_request *req,
	    uint8_t out[ADDR_LEN], char *text, size_t size);

#endif /* FAIRLIST_WEB_INT_H */
