/*
 * removal.c: the removal routes (docs/WEB.md): POST /api/v1/removal, as
 * JSON {"ip", "zone"?, "note"?} or as the lookup page's urlencoded form
 * (with its CSRF token), and the request's state, GET /request/REF and
 * GET /api/v1/request/REF. The zone's policy decides in the store
 * (store_request_create, store/removal.h): a self-service removal closes
 * the listing at once and the DNS answer goes at the daemon's next
 * reload poll; other listings wait for an operator.
 *
 * Before the store is asked: the body is read (max-body), the CSRF token
 * of a form checked, then the rate limits per requester and per listed
 * address (429 with Retry-After). Every request is audited by the store
 * with actor "web:ADDR", ADDR the requester's address.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <sys/queue.h>
#include <event2/keyvalq_struct.h>

#include "core/addr.h"
#include "core/buf.h"
#include "core/str.h"
#include "store/removal.h"
#include "store/store.h"
#include "web/web.h"
#include "web/web_int.h"

/* The removal request as read from JSON or from the form. */
struct rm_in {
	char	ip[ADDR_TEXT_MAX];
	char	zone[STORE_ZONE_MAX + 1];
	char	note[STORE_NOTE_MAX + 1];
	char	csrf[WEB_CSRF_LEN];
	int	has_zone, form;
	const char *bad;	/* a form field we refuse */
};

static int
form_field(const char *name, const char *value, void *arg)
{
	struct rm_in	*in = arg;
	char		*dst;
	size_t		 cap;

	if (strcmp(name, "ip") == 0) {
		dst = in->ip;
		cap = sizeof(in->ip);
	} else if (strcmp(name, "zone") == 0) {
		dst = in->zone;
		cap = sizeof(in->zone);
		in->has_zone = value[0] != '\0';
	} else if (strcmp(name, "note") == 0) {
		dst = in->note;
		cap = sizeof(in->note);
	} else if (strcmp(name, "csrf") == 0) {
		dst = in->csrf;
		cap = sizeof(in->csrf);
	} else {
		in->bad = "unknown form field";
		return 1;
	}
	if (str_lcpy(dst, value, cap) >= cap) {
		in->bad = "a form field is too long";
		return 1;
	}
	return 0;
}

static const struct web_jkey rm_keys[] = {
	{ "ip", JSON_STRING, 1, ADDR_TEXT_MAX - 1 },
	{ "zone", JSON_STRING, 0, STORE_ZONE_MAX },
	{ "note", JSON_STRING, 0, STORE_NOTE_MAX },
	{ NULL, 0, 0, 0 },
};

int
web_ctype_is(struct evhttp_request *req, const char *want)
{
	const char	*ct = evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Content-Type");
	size_t		 n = strlen(want);

	return ct != NULL && strncasecmp(ct, want, n) == 0 &&
	    (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* Read the body of req into OUT:in; 0, or -1 after answering 4xx. */
static int
read_body(struct evhttp_request *req, struct rm_in *in)
{
	struct evbuffer	*b = evhttp_request_get_input_buffer(req);
	size_t		 len = evbuffer_get_length(b);
	const char	*body = (const char *)evbuffer_pullup(b, -1), *why;
	char		 err[256];
	json_t		*o;

	memset(in, 0, sizeof(*in));
	if (body == NULL)
		body = "";
	if (web_ctype_is(req, "application/x-www-form-urlencoded")) {
		in->form = 1;
		if (web_form_each(body, len, form_field, in, &why) != 0) {
			web_reply_error(req, 0, 400, in->bad != NULL ?
			    in->bad : why);
			return -1;
		}
		if (in->ip[0] == '\0') {
			web_reply_error(req, 0, 400, "the form has no address");
			return -1;
		}
		return 0;
	}
	if (!web_ctype_is(req, "application/json")) {
		web_reply_error(req, 1, 415, "send application/json (or the "
		    "page's form)");
		return -1;
	}
	if ((o = web_json_read(body, len, rm_keys, err, sizeof(err))) ==
	    NULL) {
		web_reply_error(req, 1, 400, err);
		return -1;
	}
	str_lcpy(in->ip, json_string_value(json_object_get(o, "ip")),
	    sizeof(in->ip));
	if (json_object_get(o, "zone") != NULL) {
		str_lcpy(in->zone, json_string_value(json_object_get(o,
		    "zone")), sizeof(in->zone));
		in->has_zone = 1;
	}
	if (json_object_get(o, "note") != NULL)
		str_lcpy(in->note, json_string_value(json_object_get(o,
		    "note")), sizeof(in->note));
	json_decref(o);
	return 0;
}

const char *
web_req_cookie(struct evhttp_request *req, const char *name, char *out,
    size_t cap)
{
	struct evkeyval	*kv;

	TAILQ_FOREACH(kv, evhttp_request_get_input_headers(req), next)
		if (strcasecmp(kv->key, "Cookie") == 0 &&
		    web_cookie_value(kv->value, strlen(kv->value), name, out,
		    cap) != NULL)
			return out;
	return NULL;
}

/* A rate limit hit: 429 with Retry-After. */
static void
too_many(struct evhttp_request *req, int api, int64_t wait, const char *who)
{
	char	v[24], msg[128];

	snprintf(v, sizeof(v), "%lld", (long long)wait);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Retry-After", v);
	snprintf(msg, sizeof(msg), "too many removal requests %s; try again "
	    "in %lld seconds", who, (long long)wait);
	web_reply_error(req, api, 429, msg);
}

/* The public URL of a request: public-url (or the default) + path. */
static void
request_url(const struct web_server *ws, const char *ref, char *out,
    size_t size)
{
	snprintf(out, size, "%s/request/%s", ws->wc->public_url != NULL ?
	    ws->wc->public_url : STORE_DEFAULT_BASE, ref);
}

void
web_route_removal(struct web_server *ws, struct evhttp_request *req)
{
	struct store_request_made	 made;
	struct rm_in			 in;
	struct addr_prefix		 p;
	uint8_t				 client[ADDR_LEN];
	const char			*why, *cookie;
	char				 who[ADDR_TEXT_MAX], actor[ADDR_TEXT_MAX + 8];
	char				 csrf[WEB_CSRF_LEN], msg[STORE_ERR_MAX + 64];
	char				 url[WEB_URL_MAX + 64], loc[64];
	int64_t				 now = (int64_t)time(NULL), id, wait;
	int				 api;

	if (read_body(req, &in) == -1)
		return;
	api = !in.form;
	if (in.form) {
		cookie = web_req_cookie(req, WEB_CSRF_COOKIE, csrf,
		    sizeof(csrf));
		if (!web_csrf_check(in.csrf, cookie, now)) {
			web_reply_error(req, 0, 403, "the form is too old or "
			    "did not come from this site: open the lookup page "
			    "again");
			return;
		}
	}
	if (addr_parse(in.ip, &p, &why) == -1 || p.plen != 128) {
		snprintf(msg, sizeof(msg), "'%.64s': %s", in.ip,
		    p.plen == 128 ? why : "a single address, not a prefix");
		web_reply_error(req, api, 400, msg);
		return;
	}
	if (in.has_zone && store_zone_exists(ws->st, in.zone) != 1) {
		snprintf(msg, sizeof(msg), "no zone '%.64s'", in.zone);
		web_reply_error(req, api, 404, msg);
		return;
	}
	web_client(ws, req, client, who, sizeof(who));
	if ((wait = web_rl_hit(ws->rl, WEB_RL_REQUESTER, client,
	    WEB_RM_PER_REQUESTER, WEB_RM_WINDOW, now)) > 0) {
		too_many(req, api, wait, "from your address");
		return;
	}
	if ((wait = web_rl_hit(ws->rl, WEB_RL_LISTED, p.a, WEB_RM_PER_LISTED,
	    WEB_RM_WINDOW, now)) > 0) {
		too_many(req, api, wait, "for this address");
		return;
	}
	snprintf(actor, sizeof(actor), "web:%s", who);
	id = store_request_create(ws->st, &p, in.has_zone ? in.zone : NULL,
	    who, in.note[0] != '\0' ? in.note : NULL, actor, &made);
	if (id == STORE_UNLISTED || id == STORE_AMBIGUOUS || id == -1) {
		snprintf(msg, sizeof(msg), "%s", store_errmsg(ws->st));
		web_reply_error(req, api, id == STORE_UNLISTED ? 404 :
		    id == STORE_AMBIGUOUS ? 409 : 400, msg);
		return;
	}
	request_url(ws, made.ref, url, sizeof(url));
	if (in.form) {
		snprintf(loc, sizeof(loc), "/request/%s", made.ref);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Location", loc);
		web_reply(req, 303, "text/plain", "", 0);
		return;
	}
	web_reply_json(req, 202, json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, "
	    "s:b}", "id", made.ref, "state", store_req_state_name(made.state),
	    "url", url, "removed", made.removed, "pending", made.pending,
	    "refused", made.refused, "existing", made.existing));
}

/* --- a request's state --- */

struct rq {
	const struct web_server	*ws;
	json_t			*o;
};

static int
on_request(const struct store_request *r, void *arg)
{
	struct rq	*q = arg;
	char		 ip[ADDR_TEXT_MAX], url[WEB_URL_MAX + 64];

	request_url(q->ws, r->ref, url, sizeof(url));
	q->o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:s, s:[]}",
	    "id", r->ref, "ip", addr_format(&r->addr, ip, sizeof(ip)),
	    "zone", r->zone, "state", store_req_state_name(r->state),
	    "note", r->note != NULL ? r->note : "",
	    "created_at", web_json_time(r->created_at),
	    "decided_at", web_json_time(r->decided_at),
	    "why", web_public_why(r->why, r->actor),
	    "url", url, "history");
	return 0;
}

static int
on_request_event(const struct store_request_event *e, void *arg)
{
	struct rq	*q = arg;

	if (q->o != NULL)
		json_array_append_new(json_object_get(q->o, "history"),
		    json_pack("{s:o, s:s, s:s, s:o}", "at", web_json_time(e->at),
		    "actor", web_public_actor(e->actor), "action",
		    e->action != NULL ? e->action : "", "why",
		    web_public_why(e->why, e->actor)));
	return 0;
}

json_t *
web_request_json(struct web_server *ws, const char *ref, int *found)
{
	struct rq	q = { ws, NULL };

	*found = store_request_get(ws->st, ref, 1, on_request,
	    on_request_event, &q);
	if (*found != 1 || q.o == NULL) {
		json_decref(q.o);
		if (*found == 1)
			*found = -1;	/* out of memory */
		return NULL;
	}
	return q.o;
}

/*
 * GET /api/v1/request/REF in one pass (the bytes web_request_json's
 * object gets from web_json_write): a string json_pack would refuse (bad
 * UTF-8) fails the request as it did (bad), and an event's skips the
 * event.
 */
struct rqw {
	const struct web_server	*ws;
	struct sbuf		*b;
	int			 nev;
	int			 bad;
};

static int
str_or_bad(struct rqw *q, const char *s)
{
	if (web_json_str(q->b, s, strlen(s)) == -1)
		q->bad = 1;
	return q->bad;
}

static int
on_request_w(const struct store_request *r, void *arg)
{
	struct rqw	*q = arg;
	struct sbuf	*b = q->b;
	json_t		*why;
	char		 ip[ADDR_TEXT_MAX], url[WEB_URL_MAX + 64];

	request_url(q->ws, r->ref, url, sizeof(url));
	sbuf_add(b, "{\"id\":", 6);
	if (str_or_bad(q, r->ref))
		return 0;
	sbuf_add(b, ",\"ip\":", 6);
	if (str_or_bad(q, addr_format(&r->addr, ip, sizeof(ip))))
		return 0;
	sbuf_add(b, ",\"zone\":", 8);
	if (str_or_bad(q, r->zone))
		return 0;
	sbuf_add(b, ",\"state\":", 9);
	if (str_or_bad(q, store_req_state_name(r->state)))
		return 0;
	sbuf_add(b, ",\"note\":", 8);
	if (str_or_bad(q, r->note != NULL ? r->note : ""))
		return 0;
	sbuf_add(b, ",\"created_at\":", 14);
	web_json_tm(b, r->created_at);
	sbuf_add(b, ",\"decided_at\":", 14);
	web_json_tm(b, r->decided_at);
	sbuf_add(b, ",\"why\":", 7);
	why = web_public_why(r->why, r->actor);
	web_json_jstr(b, json_string_value(why));
	json_decref(why);
	sbuf_add(b, ",\"url\":", 7);
	if (str_or_bad(q, url))
		return 0;
	sbuf_add(b, ",\"history\":[", 12);
	return 0;
}

static int
on_request_event_w(const struct store_request_event *e, void *arg)
{
	struct rqw	*q = arg;
	struct sbuf	*b = q->b;
	size_t		 start = b->len;
	const char	*actor = web_public_actor(e->actor);
	const char	*action = e->action != NULL ? e->action : "";
	json_t		*why;

	if (q->bad)
		return 0;
	if (q->nev > 0)
		sbuf_addc(b, ',');
	sbuf_add(b, "{\"at\":", 6);
	web_json_tm(b, e->at);
	sbuf_add(b, ",\"actor\":", 9);
	if (web_json_str(b, actor, strlen(actor)) == -1)
		goto skip;
	sbuf_add(b, ",\"action\":", 10);
	if (web_json_str(b, action, strlen(action)) == -1)
		goto skip;
	sbuf_add(b, ",\"why\":", 7);
	why = web_public_why(e->why, e->actor);
	web_json_jstr(b, json_string_value(why));
	json_decref(why);
	sbuf_addc(b, '}');
	q->nev++;
	return 0;
skip:
	b->len = start;
	b->s[start] = '\0';
	return 0;
}

/* As web_request_json, the answer appended to b; *OUT:found likewise. */
static void
request_write(struct web_server *ws, const char *ref, struct sbuf *b,
    int *found)
{
	struct rqw	q = { ws, b, 0, 0 };

	*found = store_request_get(ws->st, ref, 1, on_request_w,
	    on_request_event_w, &q);
	if (*found == 1 && q.bad)
		*found = -1;
	if (*found == 1)
		sbuf_add(b, "]}\n", 3);
}

void
web_route_request(struct web_server *ws, struct evhttp_request *req,
    const char *seg, int api)
{
	struct sbuf	 b;
	char		 ref[STORE_REF_LEN + 1];
	json_t		*o;
	int		 found;

	/* Untrusted input: a reference is STORE_REF_LEN url-safe bytes. */
	if (strlen(seg) != STORE_REF_LEN || strspn(seg, "abcdefghijklmnop"
	    "qrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") !=
	    STORE_REF_LEN) {
		web_reply_error(req, api, 404, "no such request");
		return;
	}
	memcpy(ref, seg, sizeof(ref));
	if (api) {
		sbuf_init(&b);
		sbuf_reserve(&b, 1024);
		request_write(ws, ref, &b, &found);
		if (found == 1)
			web_reply(req, 200, "application/json", b.s, b.len);
		sbuf_free(&b);
		if (found != 1)
			web_reply_error(req, api, found == 0 ? 404 : 500,
			    found == 0 ? "no such request" :
			    "the store cannot be read");
		return;
	}
	/* The page's tree in the arena, freed before it ends (arena.c). */
	web_arena_begin();
	if ((o = web_request_json(ws, ref, &found)) == NULL)
		web_reply_error(req, api, found == 0 ? 404 : 500, found == 0 ?
		    "no such request" : "the store cannot be read");
	else {
		json_object_set_new(o, "title", json_string("Removal request"));
		web_reply_page(req, 200, "request.html", o);
	}
	web_arena_end();
}
