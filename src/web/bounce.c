/*
 * bounce.c: the bounce routes (docs/WEB.md): POST /api/v1/bounce reads a
 * rejection (JSON {"text"} for an SMTP reply, {"message"} or a raw
 * message/rfc822 body for a whole bounce, at most max-body bytes) and
 * answers what `fairlist bounce classify --json` prints, plus what it
 * means here: whether the list it names is one of this store's zones,
 * whether that zone lists the address it names now, and the lookup page.
 * GET /bounce is the "paste the rejection you got" form (CSRF token in a
 * hidden field and a cookie, as the removal form), POST /bounce its
 * verdict page: really listed or not, by whom, and whether the
 * receiver's resolver is at fault.
 *
 * The classifier (src/bounce) is pure and bounded, so these routes are
 * public and need no rate limit beyond the server's. Nothing is stored
 * or logged of the text; a store error is a 500 and a warning.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "bounce/bounce.h"
#include "core/addr.h"
#include "core/log.h"
#include "core/str.h"
#include "core/xmalloc.h"
#include "store/store.h"
#include "web/web.h"
#include "web/web_int.h"

/* A peer's string: as it is when UTF-8, else \xHH-escaped; "" is null. */
static json_t *
jstr(const char *s)
{
	return s == NULL || s[0] == '\0' ? json_null() : str_json(s);
}

/*
 * Whether zone (one of ours) lists the address ip at now: 1, 0, or -1
 * for a store error (logged).
 */
static int
listed_in(struct web_server *ws, const char *zone, const struct addr_prefix *ip)
{
	json_t		*o, *l;
	size_t		 i;
	char		 err[STORE_ERR_MAX];
	int		 hit = 0;

	if ((o = web_lookup(ws->st, &ws->zones, ip, (int64_t)time(NULL),
	    err)) == NULL) {
		log_warnx("http: bounce: %s", err);
		return -1;
	}
	json_array_foreach(json_object_get(o, "listings"), i, l)
		if (strcasecmp(json_string_value(json_object_get(l, "zone")),
		    zone) == 0 && strcmp(json_string_value(json_object_get(l,
		    "state")), "listed") == 0)
			hit = 1;
	json_decref(o);
	return hit;
}

/* One sentence for a person: what the rejection means for the sender. */
static const char *
verdict_text(const struct bounce_result *r, int ours, int here)
{
	switch (r->cls) {
	case BOUNCE_RESOLVER_ERROR:
		return "You are not listed: the receiver's DNS resolver could "
		    "not query the list (refused or failed), so the receiver "
		    "must fix its resolver; nothing needs removing.";
	case BOUNCE_BROKEN_LIST:
		return "The receiver queries a list that is dead or answers "
		    "for every address: the receiver must stop using it; "
		    "nothing needs removing.";
	case BOUNCE_BLOCKLIST:
		if (ours && here == 1)
			return "Yes: the address is listed on our list. The "
			    "lookup page says why, since when, and how to get "
			    "it removed.";
		if (ours)
			return "The list is ours and does not list the "
			    "address now: the listing has expired or was "
			    "removed (the receiver may still hold an old "
			    "answer in its cache).";
		if (r->list[0] != '\0')
			return "The address is listed on a DNS blocklist we do "
			    "not run: ask that list about it.";
		return "A DNS blocklist lists the address, but the text does "
		    "not say which one: ask the receiver's postmaster.";
	case BOUNCE_PROVIDER_BLOCK:
	case BOUNCE_REPUTATION_TEMP:
		return "Not a DNS blocklist: the receiver's own reputation "
		    "system refused the mail; ask the receiver's postmaster.";
	case BOUNCE_UNKNOWN:
		return "This text does not say why the mail was refused.";
	default:
		return "Not a blocklist listing: the explanation says what "
		    "the receiver refused.";
	}
}

json_t *
web_bounce_json(struct web_server *ws, const struct bounce_result *r)
{
	struct addr_prefix	 p;
	const char		*why;
	char			 url[WEB_URL_MAX + ADDR_TEXT_MAX + 16];
	char			 ip[ADDR_TEXT_MAX];
	int			 ours = 0, here = -2, has_ip;
	json_t			*o;

	has_ip = r->ip[0] != '\0' && addr_parse(r->ip, &p, &why) == 0 &&
	    p.plen == 128;
	if (r->list[0] != '\0' && (ours = store_zone_exists(ws->st,
	    r->list)) == -1) {
		log_warnx("http: bounce: %s", store_errmsg(ws->st));
		return NULL;
	}
	if (ours == 1 && has_ip && (here = listed_in(ws, r->list, &p)) == -1)
		return NULL;
	o = json_object();
	json_object_set_new(o, "class",
	    json_string(bounce_class_name(r->cls)));
	json_object_set_new(o, "action",
	    json_string(bounce_action_name(r->action)));
	json_object_set_new(o, "list", jstr(r->list));
	json_object_set_new(o, "ip", jstr(r->ip));
	json_object_set_new(o, "reply", jstr(r->reply));
	json_object_set_new(o, "status", jstr(r->status));
	json_object_set_new(o, "rule", jstr(r->rule));
	json_object_set_new(o, "explanation", jstr(r->explain));
	json_object_set_new(o, "dsn", json_boolean(r->dsn));
	json_object_set_new(o, "recipient", jstr(r->recipient));
	json_object_set_new(o, "remote_mta", jstr(r->remote_mta));
	json_object_set_new(o, "diagnostic", jstr(r->diag));
	json_object_set_new(o, "resolver_at_fault",
	    json_boolean(r->cls == BOUNCE_RESOLVER_ERROR));
	json_object_set_new(o, "ours", json_boolean(ours == 1));
	json_object_set_new(o, "listed_here", here >= 0 ?
	    json_boolean(here) : json_null());
	if (ours == 1 && has_ip) {
		snprintf(url, sizeof(url), "%s/lookup/%s",
		    ws->wc->public_url != NULL ? ws->wc->public_url :
		    STORE_DEFAULT_BASE, addr_format(&p, ip, sizeof(ip)));
		json_object_set_new(o, "lookup_url", json_string(url));
	} else
		json_object_set_new(o, "lookup_url", json_null());
	json_object_set_new(o, "verdict", json_string(verdict_text(r,
	    ours == 1, here)));
	return o;
}

static const struct web_jkey bounce_keys[] = {
	{ "text", JSON_STRING, 0, 0 },
	{ "message", JSON_STRING, 0, 0 },
	{ NULL, 0, 0, 0 },
};

void
web_route_bounce(struct web_server *ws, struct evhttp_request *req)
{
	struct evbuffer		*b = evhttp_request_get_input_buffer(req);
	struct bounce_result	 r;
	size_t			 len = evbuffer_get_length(b);
	const char		*body = (const char *)evbuffer_pullup(b, -1);
	json_t			*o, *t, *m;
	char			 err[256];

	if (body == NULL)
		body = "";
	if (web_ctype_is(req, "message/rfc822")) {
		bounce_classify_message(body, len, &r);
	} else if (web_ctype_is(req, "application/json")) {
		if ((o = web_json_read(body, len, bounce_keys, err,
		    sizeof(err))) == NULL) {
			web_reply_error(req, 1, 400, err);
			return;
		}
		t = json_object_get(o, "text");
		m = json_object_get(o, "message");
		if ((t == NULL) == (m == NULL)) {
			json_decref(o);
			web_reply_error(req, 1, 400, "give \"text\" (an SMTP "
			    "reply) or \"message\" (a whole bounce), one of "
			    "them");
			return;
		}
		/* Untrusted: the lengths jansson read, NUL bytes included. */
		if (t != NULL)
			bounce_classify_text(json_string_value(t),
			    json_string_length(t), &r);
		else
			bounce_classify_message(json_string_value(m),
			    json_string_length(m), &r);
		json_decref(o);
	} else {
		web_reply_error(req, 1, 415, "send application/json or "
		    "message/rfc822");
		return;
	}
	if ((o = web_bounce_json(ws, &r)) == NULL) {
		web_reply_error(req, 1, 500, "the store cannot be read");
		return;
	}
	web_reply_json(req, 200, o);
}

/* The form's fields: the pasted text and the CSRF token. */
struct bform {
	char		 text[WEB_FIELD_MAX];
	char		 csrf[WEB_CSRF_LEN];
	const char	*bad;
};

static int
bform_field(const char *name, const char *value, void *arg)
{
	struct bform	*f = arg;

	if (strcmp(name, "text") == 0)
		str_lcpy(f->text, value, sizeof(f->text));
	else if (strcmp(name, "csrf") == 0) {
		if (str_lcpy(f->csrf, value, sizeof(f->csrf)) >=
		    sizeof(f->csrf)) {
			f->bad = "the form's token is too long";
			return 1;
		}
	} else {
		f->bad = "unknown form field";
		return 1;
	}
	return 0;
}

/* The form page, with a fresh CSRF token in a field and a cookie. */
static void
form_page(struct web_server *ws, struct evhttp_request *req, json_t *o)
{
	char	csrf[WEB_CSRF_LEN], cookie[WEB_CSRF_LEN + 128];

	web_csrf_make((int64_t)time(NULL), csrf);
	json_object_set_new(o, "csrf", json_string(csrf));
	json_object_set_new(o, "title", json_string("Why was my mail "
	    "refused?"));
	snprintf(cookie, sizeof(cookie), "%s=%s; Path=/bounce; Max-Age=%d; "
	    "HttpOnly; SameSite=Strict%s", WEB_BOUNCE_COOKIE, csrf,
	    WEB_CSRF_TTL, ws->wc->public_url != NULL &&
	    strncmp(ws->wc->public_url, "https:", 6) == 0 ? "; Secure" : "");
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Set-Cookie", cookie);
	web_reply_page(req, 200, "bounce.html", o);
}

void
web_route_bounce_page(struct web_server *ws, struct evhttp_request *req,
    int post)
{
	struct evbuffer		*b;
	struct bounce_result	 r;
	struct bform		*f;
	const char		*body, *why, *cookie, *lu, *lp;
	char			 ck[WEB_CSRF_LEN];
	size_t			 len;
	json_t			*o;

	if (!post) {
		form_page(ws, req, json_object());
		return;
	}
	if (!web_ctype_is(req, "application/x-www-form-urlencoded")) {
		web_reply_error(req, 0, 415, "send the page's form");
		return;
	}
	b = evhttp_request_get_input_buffer(req);
	len = evbuffer_get_length(b);
	if ((body = (const char *)evbuffer_pullup(b, -1)) == NULL)
		body = "";
	f = xcalloc(1, sizeof(*f));
	if (web_form_each(body, len, bform_field, f, &why) != 0) {
		web_reply_error(req, 0, 400, f->bad != NULL ? f->bad : why);
		goto out;
	}
	cookie = web_req_cookie(req, WEB_BOUNCE_COOKIE, ck, sizeof(ck));
	if (!web_csrf_check(f->csrf, cookie, (int64_t)time(NULL))) {
		web_reply_error(req, 0, 403, "the form is too old or did not "
		    "come from this site: open the form again");
		goto out;
	}
	if (f->text[strspn(f->text, " \t\r\n")] == '\0') {
		web_reply_error(req, 0, 400, "paste the rejection text into "
		    "the form");
		goto out;
	}
	/* A pasted whole bounce has headers; a reply line is read as one. */
	bounce_classify_message(f->text, strlen(f->text), &r);
	if ((o = web_bounce_json(ws, &r)) == NULL) {
		web_reply_error(req, 0, 500, "the store cannot be read");
		goto out;
	}
	/* The page links the lookup page on this host, whatever public-url. */
	if ((lu = json_string_value(json_object_get(o, "lookup_url"))) != NULL &&
	    (lp = strstr(lu, "/lookup/")) != NULL)
		json_object_set_new(o, "lookup_path", json_string(lp));
	json_object_set_new(o, "result", json_true());
	json_object_set_new(o, "text", jstr(f->text));
	form_page(ws, req, o);
out:
	free(f);
}
