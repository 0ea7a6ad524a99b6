/*
 * watch.c: GET /watch and /api/v1/watch, the watch of our own addresses
 * on other lists (docs/SENDER-CARE.md, docs/WEB.md): every stored pair
 * with its state, and the latest transitions, from the store
 * (store/watch.h), read on the loop thread through the web service's
 * own connection.
 *
 * Public, like the lookup page: the addresses are the operator's own
 * sending addresses, which every message they send shows, and the states
 * are what the lists answer anyone in DNS. It shows no configuration
 * (no resolver, no webhook URL) and changes nothing.
 */
#include <string.h>

#include <jansson.h>

#include "store/store.h"
#include "store/watch.h"
#include "web/web_int.h"

#define WEB_WATCH_EVENTS	20	/* transitions shown */

/* Store text (checked UTF-8, no controls) or null. */
static json_t *
sval(const char *s)
{
	json_t	*j;

	if (s == NULL || s[0] == '\0')
		return json_null();
	return (j = json_string(s)) != NULL ? j : json_null();
}

static int
pair_row(const struct store_watch *w, void *arg)
{
	json_t	*o = json_object();

	json_object_set_new(o, "target", sval(w->target));
	json_object_set_new(o, "list", sval(w->list));
	json_object_set_new(o, "state", sval(w->state));
	json_object_set_new(o, "listed", json_boolean(strcmp(w->state,
	    "listed") == 0));
	json_object_set_new(o, "code", sval(w->code));
	json_object_set_new(o, "text", sval(w->text));
	json_object_set_new(o, "since", web_json_time(w->since));
	json_object_set_new(o, "checked_at", web_json_time(w->checked_at));
	json_array_append_new(arg, o);
	return 0;
}

static int
event_row(const struct store_watch_event *e, void *arg)
{
	json_t	*o = json_object();

	json_object_set_new(o, "at", web_json_time(e->at));
	json_object_set_new(o, "target", sval(e->target));
	json_object_set_new(o, "list", sval(e->list));
	json_object_set_new(o, "old", sval(e->old));
	json_object_set_new(o, "new", sval(e->new));
	json_object_set_new(o, "code", sval(e->code));
	json_object_set_new(o, "removal_url", sval(e->removal_url));
	json_array_append_new(arg, o);
	return 0;
}

void
web_route_watch(struct web_server *ws, struct evhttp_request *req, int api)
{
	json_t	*pairs = json_array(), *events = json_array(), *o;
	int	 listed = 0;
	size_t	 i;

	if (store_watch_foreach(ws->st, pair_row, pairs) == -1 ||
	    store_watch_events(ws->st, 0, WEB_WATCH_EVENTS, event_row,
	    events) == -1) {
		json_decref(pairs);
		json_decref(events);
		web_reply_error(req, api, 500, "the store cannot be read");
		return;
	}
	for (i = 0; i < json_array_size(pairs); i++)
		listed += json_is_true(json_object_get(json_array_get(pairs, i),
		    "listed"));
	o = json_object();
	json_object_set_new(o, "pairs", pairs);
	json_object_set_new(o, "events", events);
	json_object_set_new(o, "listed", json_integer(listed));
	if (api) {
		web_reply_json(req, 200, o);
		return;
	}
	json_object_set_new(o, "title", json_string("Our addresses on other "
	    "lists"));
	json_object_set_new(o, "any", json_boolean(json_array_size(pairs) >
	    0));
	web_reply_page(req, 200, "watch.html", o);
}
