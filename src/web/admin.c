/*
 * admin.c: the admin API under /api/v1/admin/ (docs/WEB.md): what the CLI
 * does, for a client holding a token (`fairlist token create`).
 *
 *   GET   /api/v1/admin/listings?zone=&source=&reason=&all=&limit=&offset=
 *   POST  /api/v1/admin/listings            add
 *   PATCH /api/v1/admin/listings/ID         update reason, evidence, expiry
 *   POST  /api/v1/admin/remove              remove a prefix (from a zone)
 *   GET   /api/v1/admin/requests?state=&limit=
 *   POST  /api/v1/admin/requests/KEY/approve, .../deny
 *   GET   /api/v1/admin/stats
 *   GET   /api/v1/admin/audit?since=&limit=
 *
 * Every route needs "Authorization: Bearer TOKEN": store_token_verify
 * compares its SHA-256 with every stored hash in constant time. No
 * token, an unknown or a revoked one: 401 with WWW-Authenticate; a token
 * whose scope is too small: 403. Reads need read, changes write, the
 * audit log admin. Bodies are JSON objects whose keys and types are
 * checked (web_json_read): unknown keys are refused. Changes are made as
 * actor "token:NAME" and reach the DNS answers at the next reload poll.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "core/addr.h"
#include "core/str.h"
#include "store/removal.h"
#include "store/store.h"
#include "store/token.h"
#include "web/web_int.h"

#define ADMIN_LIMIT_MAX	10000	/* rows of one listing page */

/*
 * Check the bearer token of req for scope want: 1 with the actor
 * ("token:NAME") in OUT:actor, or 0 after answering 401, 403 or 500.
 */
int
web_authorize(struct web_server *ws, struct evhttp_request *req, int want,
    char *actor, size_t size)
{
	const char		*h = evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Authorization");
	char			 name[STORE_TOKEN_NAME_MAX + 1];
	enum store_scope	 sc;
	int			 rc;

	/* RFC 6750 section 2.1: "Bearer" (any case), one space, the token. */
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0 || h[7] == '\0') {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "WWW-Authenticate", "Bearer realm=\"fairlist\"");
		web_reply_error(req, 1, 401, "this route needs "
		    "'Authorization: Bearer TOKEN'");
		return 0;
	}
	rc = store_token_verify(ws->st, h + 7, strlen(h + 7), &sc, name);
	if (rc == -1) {
		web_reply_error(req, 1, 500, "the store cannot be read");
		return 0;
	}
	if (rc == 0) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "WWW-Authenticate", "Bearer realm=\"fairlist\", "
		    "error=\"invalid_token\"");
		web_reply_error(req, 1, 401, "unknown or revoked token");
		return 0;
	}
	if ((int)sc < want) {
		char	msg[96];

		snprintf(msg, sizeof(msg), "this route needs a token of scope "
		    "%s (this one is %s)", store_scope_name((enum store_scope)want),
		    store_scope_name(sc));
		web_reply_error(req, 1, 403, msg);
		return 0;
	}
	snprintf(actor, size, "token:%s", name);
	return 1;
}

/* The JSON body of req checked against keys, or NULL after a 4xx. */
static json_t *
body_json(struct evhttp_request *req, const struct web_jkey *keys)
{
	struct evbuffer	*b = evhttp_request_get_input_buffer(req);
	size_t		 len = evbuffer_get_length(b);
	const char	*body = (const char *)evbuffer_pullup(b, -1);
	char		 err[256];
	json_t		*o;

	if ((o = web_json_read(body != NULL ? body : "", len, keys, err,
	    sizeof(err))) == NULL)
		web_reply_error(req, 1, 400, err);
	return o;
}

static const char *
jget(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The query of an admin GET, as named fields (at most a few bytes each). */
struct query {
	char	zone[STORE_ZONE_MAX + 1];
	char	source[256];
	char	reason[STORE_REASON_MAX + 1];
	char	state[16];
	char	all[8];
	char	limit[24], offset[24], since[24];
	const char *bad;
};

static int
query_field(const char *name, const char *value, void *arg)
{
	static const struct {
		const char	*name;
		size_t		 off, size;
	} f[] = {
#define F(x)	{ #x, offsetof(struct query, x), sizeof(((struct query *)0)->x) }
		F(zone), F(source), F(reason), F(state), F(all), F(limit),
		F(offset), F(since),
#undef F
	};
	struct query	*q = arg;
	size_t		 i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (strcmp(f[i].name, name) == 0) {
			if (str_lcpy((char *)q + f[i].off, value, f[i].size) >=
			    f[i].size) {
				q->bad = "a query field is too long";
				return 1;
			}
			return 0;
		}
	q->bad = "unknown query field";
	return 1;
}

/* Read the query of req into OUT:q; 0, or -1 after a 400. */
static int
read_query(struct evhttp_request *req, struct query *q)
{
	const struct evhttp_uri	*u = evhttp_request_get_evhttp_uri(req);
	const char		*s = evhttp_uri_get_query(u), *why;

	memset(q, 0, sizeof(*q));
	if (s != NULL && web_form_each(s, strlen(s), query_field, q,
	    &why) != 0) {
		web_reply_error(req, 1, 400, q->bad != NULL ? q->bad : why);
		return -1;
	}
	return 0;
}

/* A decimal query field in [min, max] (empty: def) into OUT:v. */
static int
query_num(struct evhttp_request *req, const char *name, const char *s,
    long long min, long long max, long long def, long long *v)
{
	const char	*e;
	char		 msg[96];

	if (s[0] == '\0') {
		*v = def;
		return 0;
	}
	*v = str_tonum(s, min, max, &e);
	if (e != NULL) {
		snprintf(msg, sizeof(msg), "%s must be %lld to %lld", name, min,
		    max);
		web_reply_error(req, 1, 400, msg);
		return -1;
	}
	return 0;
}

/* --- listings --- */

struct rows {
	json_t	*a;
	int64_t	 now;
};

static int
on_listing_row(const struct store_listing *l, void *arg)
{
	struct rows	*r = arg;

	json_array_append_new(r->a, web_listing_json(l, r->now));
	return 0;
}

static void
listings_get(struct web_server *ws, struct evhttp_request *req)
{
	struct store_filter	f;
	struct query		q;
	struct rows		r;
	long long		limit, offset;

	if (read_query(req, &q) == -1 ||
	    query_num(req, "limit", q.limit, 1, ADMIN_LIMIT_MAX, 1000,
	    &limit) == -1 ||
	    query_num(req, "offset", q.offset, 0, INT64_MAX / 2, 0,
	    &offset) == -1)
		return;
	memset(&f, 0, sizeof(f));
	f.zone = q.zone[0] != '\0' ? q.zone : NULL;
	f.source = q.source[0] != '\0' ? q.source : NULL;
	f.reason = q.reason[0] != '\0' ? q.reason : NULL;
	f.all = strcmp(q.all, "1") == 0 || strcmp(q.all, "yes") == 0;
	f.limit = limit;
	f.offset = offset;
	r.a = json_array();
	r.now = (int64_t)time(NULL);
	if (store_foreach_listing(ws->st, &f, on_listing_row, &r) < 0) {
		json_decref(r.a);
		web_reply_error(req, 1, 500, store_errmsg(ws->st));
		return;
	}
	web_reply_json(req, 200, json_pack("{s:o}", "listings", r.a));
}

static const struct web_jkey add_keys[] = {
	{ "prefix", JSON_STRING, 1, ADDR_TEXT_MAX - 1 },
	{ "zone", JSON_STRING, 0, STORE_ZONE_MAX },
	{ "reason", JSON_STRING, 1, STORE_REASON_MAX },
	{ "evidence", JSON_STRING, 1, STORE_EVIDENCE_MAX },
	{ "source", JSON_STRING, 0, 255 },
	{ "code", JSON_STRING, 0, 15 },
	{ "expires_in", JSON_INTEGER, 0, 0 },
	{ NULL, 0, 0, 0 },
};

static void
listings_add(struct web_server *ws, struct evhttp_request *req,
    const char *actor)
{
	struct store_listing	 l;
	struct addr_prefix	 code;
	const char		*why;
	json_t			*o, *v;
	json_int_t		 in;
	int64_t			 id;
	char			 msg[STORE_ERR_MAX];

	if ((o = body_json(req, add_keys)) == NULL)
		return;
	memset(&l, 0, sizeof(l));
	if (addr_parse(jget(o, "prefix"), &l.prefix, &why) == -1) {
		snprintf(msg, sizeof(msg), "prefix: %s", why);
		goto bad;
	}
	l.zone = jget(o, "zone") != NULL ? jget(o, "zone") :
	    STORE_DEFAULT_ZONE;
	l.reason = jget(o, "reason");
	l.evidence = jget(o, "evidence");
	l.source = jget(o, "source") != NULL ? jget(o, "source") : "admin";
	if (jget(o, "code") != NULL) {
		uint32_t	v4;

		if (addr_parse(jget(o, "code"), &code, &why) == -1 ||
		    code.plen != 128 || !addr_is_v4(code.a, &v4)) {
			snprintf(msg, sizeof(msg), "code: an IPv4 address in "
			    "127.0.0.0/8, please");
			goto bad;
		}
		l.code = v4;
	}
	if ((v = json_object_get(o, "expires_in")) != NULL) {
		if ((in = json_integer_value(v)) < 0 || in > 100LL * 365 *
		    86400) {
			snprintf(msg, sizeof(msg), "expires_in: seconds, 0 "
			    "(never) to 100 years");
			goto bad;
		}
		l.expires_at = in == 0 ? 0 : (int64_t)time(NULL) + in;
	}
	if ((id = store_add(ws->st, &l, actor)) == -1) {
		snprintf(msg, sizeof(msg), "%s", store_errmsg(ws->st));
		goto bad;
	}
	json_decref(o);
	web_reply_json(req, 201, json_pack("{s:I}", "id", (json_int_t)id));
	return;
bad:
	json_decref(o);
	web_reply_error(req, 1, 400, msg);
}

static const struct web_jkey update_keys[] = {
	{ "reason", JSON_STRING, 0, STORE_REASON_MAX },
	{ "evidence", JSON_STRING, 0, STORE_EVIDENCE_MAX },
	{ "expires_in", JSON_INTEGER, 0, 0 },
	{ NULL, 0, 0, 0 },
};

static void
listings_update(struct web_server *ws, struct evhttp_request *req,
    const char *seg, const char *actor)
{
	const char	*e;
	json_t		*o, *v;
	long long	 id = str_tonum(seg, 1, INT64_MAX, &e);
	int64_t		 exp = STORE_KEEP;
	int		 rc;

	if (e != NULL) {
		web_reply_error(req, 1, 404, "no such listing");
		return;
	}
	if ((o = body_json(req, update_keys)) == NULL)
		return;
	if ((v = json_object_get(o, "expires_in")) != NULL) {
		if (json_integer_value(v) < 0) {
			json_decref(o);
			web_reply_error(req, 1, 400, "expires_in: seconds, 0 "
			    "for never");
			return;
		}
		exp = json_integer_value(v) == 0 ? 0 : (int64_t)time(NULL) +
		    json_integer_value(v);
	}
	rc = store_update(ws->st, id, jget(o, "reason"), jget(o, "evidence"),
	    exp, actor);
	json_decref(o);
	if (rc == -1)
		web_reply_error(req, 1, 400, store_errmsg(ws->st));
	else
		web_reply_json(req, 200, json_pack("{s:b}", "changed",
		    rc == 1));
}

static const struct web_jkey remove_keys[] = {
	{ "prefix", JSON_STRING, 1, ADDR_TEXT_MAX - 1 },
	{ "zone", JSON_STRING, 0, STORE_ZONE_MAX },
	{ "why", JSON_STRING, 1, STORE_REASON_MAX },
	{ NULL, 0, 0, 0 },
};

static void
listings_remove(struct web_server *ws, struct evhttp_request *req,
    const char *actor)
{
	struct addr_prefix	 p;
	const char		*why;
	json_t			*o;
	char			 msg[STORE_ERR_MAX];
	int			 n = 0;

	if ((o = body_json(req, remove_keys)) == NULL)
		return;
	if (addr_parse(jget(o, "prefix"), &p, &why) == -1) {
		snprintf(msg, sizeof(msg), "prefix: %s", why);
		json_decref(o);
		web_reply_error(req, 1, 400, msg);
		return;
	}
	if (store_remove(ws->st, jget(o, "zone"), &p, actor, jget(o, "why"),
	    &n) == -1) {
		json_decref(o);
		web_reply_error(req, 1, 400, store_errmsg(ws->st));
		return;
	}
	json_decref(o);
	web_reply_json(req, 200, json_pack("{s:i}", "removed", n));
}

/* --- requests --- */

static int
on_request_row(const struct store_request *r, void *arg)
{
	char	ip[ADDR_TEXT_MAX];

	json_array_append_new(arg, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, "
	    "s:s, s:o, s:o, s:o, s:o}", "id", (json_int_t)r->id, "ref", r->ref,
	    "ip", addr_format(&r->addr, ip, sizeof(ip)), "zone", r->zone,
	    "requester", r->requester != NULL ? r->requester : "",
	    "note", r->note != NULL ? r->note : "",
	    "state", store_req_state_name(r->state),
	    "created_at", web_json_time(r->created_at),
	    "decided_at", web_json_time(r->decided_at),
	    "actor", r->actor != NULL ? json_string(r->actor) : json_null(),
	    "why", r->why != NULL ? json_string(r->why) : json_null()));
	return 0;
}

static void
requests_get(struct web_server *ws, struct evhttp_request *req)
{
	struct store_request_filter	f;
	struct query			q;
	long long			limit;
	json_t				*a;

	if (read_query(req, &q) == -1 || query_num(req, "limit", q.limit, 1,
	    ADMIN_LIMIT_MAX, 1000, &limit) == -1)
		return;
	memset(&f, 0, sizeof(f));
	if (q.state[0] != '\0' && store_req_state_parse(q.state,
	    &f.state) == -1) {
		web_reply_error(req, 1, 400, "state: open, approved, denied, "
		    "done or refused");
		return;
	}
	f.zone = q.zone[0] != '\0' ? q.zone : NULL;
	f.limit = limit;
	a = json_array();
	if (store_foreach_request(ws->st, &f, on_request_row, a) < 0) {
		json_decref(a);
		web_reply_error(req, 1, 500, store_errmsg(ws->st));
		return;
	}
	web_reply_json(req, 200, json_pack("{s:o}", "requests", a));
}

static const struct web_jkey decide_keys[] = {
	{ "why", JSON_STRING, 0, STORE_REASON_MAX },
	{ NULL, 0, 0, 0 },
};

/* POST /api/v1/admin/requests/KEY/approve or /deny; seg is "KEY/VERB". */
static void
requests_decide(struct web_server *ws, struct evhttp_request *req,
    const char *seg, const char *actor)
{
	const char	*slash = strchr(seg, '/');
	char		 key[32];
	json_t		*o;
	int		 approve, n;

	if (slash == NULL || slash == seg ||
	    (size_t)(slash - seg) >= sizeof(key))
		approve = -1;
	else if (strcmp(slash + 1, "approve") == 0)
		approve = 1;
	else if (strcmp(slash + 1, "deny") == 0)
		approve = 0;
	else
		approve = -1;
	if (approve == -1) {
		web_reply_error(req, 1, 404, "no such route: .../requests/"
		    "KEY/approve or .../deny");
		return;
	}
	memcpy(key, seg, (size_t)(slash - seg));
	key[slash - seg] = '\0';
	if ((o = body_json(req, decide_keys)) == NULL)
		return;
	n = store_request_decide(ws->st, key, approve, jget(o, "why"), actor);
	json_decref(o);
	if (n == -1)
		web_reply_error(req, 1, 400, store_errmsg(ws->st));
	else
		web_reply_json(req, 200, json_pack("{s:s, s:i}", "state",
		    approve ? "approved" : "denied", "removed", n));
}

/* --- stats and audit --- */

static int
on_stat(const struct store_stat *st, void *arg)
{
	json_array_append_new(arg, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}",
	    "zone", st->zone, "source", st->source,
	    "listings", (json_int_t)st->listings,
	    "ranges", (json_int_t)st->ranges,
	    "exclusions", (json_int_t)st->exclusions,
	    "expiring", (json_int_t)st->expiring));
	return 0;
}

static int
on_audit(const struct store_audit_row *r, void *arg)
{
	json_array_append_new(arg, json_pack("{s:I, s:o, s:s, s:s, s:o}",
	    "id", (json_int_t)r->id, "at", web_json_time(r->at),
	    "actor", r->actor, "action", r->action,
	    "detail", r->detail != NULL ? json_string(r->detail) :
	    json_null()));
	return 0;
}

static void
stats_or_audit(struct web_server *ws, struct evhttp_request *req, int audit)
{
	struct query	q;
	long long	since = 0, limit = 0;
	json_t		*a = json_array();
	int		rc;

	if (audit && (read_query(req, &q) == -1 ||
	    query_num(req, "since", q.since, 0, INT64_MAX / 2, 0,
	    &since) == -1 ||
	    query_num(req, "limit", q.limit, 1, ADMIN_LIMIT_MAX, 1000,
	    &limit) == -1)) {
		json_decref(a);
		return;
	}
	rc = audit ? store_foreach_audit(ws->st, since, limit, on_audit, a) :
	    store_foreach_stat(ws->st, 0, on_stat, a);
	if (rc < 0) {
		json_decref(a);
		web_reply_error(req, 1, 500, store_errmsg(ws->st));
		return;
	}
	web_reply_json(req, 200, json_pack("{s:o}", audit ? "audit" : "stats",
	    a));
}

/* --- routing --- */

static void
method_not_allowed(struct evhttp_request *req, const char *allow)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
	    allow);
	web_reply_error(req, 1, 405, "method not allowed here");
}

void
web_route_admin(struct web_server *ws, struct evhttp_request *req,
    const char *rest)
{
	enum evhttp_cmd_type	m = evhttp_request_get_command(req);
	int			get = m == EVHTTP_REQ_GET || m == EVHTTP_REQ_HEAD;
	enum store_scope	want;
	char			actor[STORE_TOKEN_NAME_MAX + 8];

	/* Authentication first: an unknown route says nothing unsigned. */
	want = strcmp(rest, "audit") == 0 ? STORE_SCOPE_ADMIN : get ?
	    STORE_SCOPE_READ : STORE_SCOPE_WRITE;
	if (!web_authorize(ws, req, want, actor, sizeof(actor)))
		return;
	if (strcmp(rest, "listings") == 0) {
		if (get)
			listings_get(ws, req);
		else if (m == EVHTTP_REQ_POST)
			listings_add(ws, req, actor);
		else
			method_not_allowed(req, "GET, POST");
	} else if (strncmp(rest, "listings/", 9) == 0) {
		if (m == EVHTTP_REQ_PATCH)
			listings_update(ws, req, rest + 9, actor);
		else
			method_not_allowed(req, "PATCH");
	} else if (strcmp(rest, "remove") == 0) {
		if (m == EVHTTP_REQ_POST)
			listings_remove(ws, req, actor);
		else
			method_not_allowed(req, "POST");
	} else if (strcmp(rest, "requests") == 0) {
		if (get)
			requests_get(ws, req);
		else
			method_not_allowed(req, "GET");
	} else if (strncmp(rest, "requests/", 9) == 0) {
		if (m == EVHTTP_REQ_POST)
			requests_decide(ws, req, rest + 9, actor);
		else
			method_not_allowed(req, "POST");
	} else if (strcmp(rest, "stats") == 0 || strcmp(rest, "audit") == 0) {
		if (get)
			stats_or_audit(ws, req, rest[0] == 'a');
		else
			method_not_allowed(req, "GET");
	} else
		web_reply_error(req, 1, 404, "no such admin route");
}
