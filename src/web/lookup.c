/*
 * lookup.c: what the store says about one address, as the JSON the API
 * returns and the page expands (docs/WEB.md has the keys).
 *
 * Reads the zones (store_zone_foreach) and every listing that ever
 * covered the address, removed and expired ones too
 * (store_foreach_covering with all), each with its history
 * (store_foreach_event). Per zone, the most specific listing in force
 * decides, as in the DNS answer: an exclusion there means not listed.
 * Each listing in force gets its removal policy and cooldown
 * (store/removal.h); the address's removal requests follow. At most
 * WEB_LOOKUP_MAX listings and requests are read ("truncated" says so
 * for listings).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "core/buf.h"
#include "core/str.h"
#include "core/xmalloc.h"
#include "list/list.h"
#include "store/removal.h"
#include "store/store.h"
#include "web/web_int.h"

#define WEB_LOOKUP_MAX	200	/* listings of one address read */

struct lk {
	struct store	*st;
	struct web_zones *zs;		/* NULL: none kept */
	json_t		*zones;		/* name -> zone object */
	json_t		*listings;	/* in force */
	json_t		*history;
	json_t		*requests;
	json_t		*cur;		/* listing of the events */
	int64_t		 now;
	int		 n;
	int		 truncated;
};

/*
 * The answer is built with json_object_set_new_nocheck (keys are ours,
 * ASCII), not json_pack: parsing the format strings was a fifth of an API
 * lookup's instructions (callgrind). The keys go in json_pack's order,
 * so the bytes written are the same.
 */
static void
oset(json_t *o, const char *key, json_t *v)
{
	json_object_set_new_nocheck(o, key, v);
}

json_t *
web_json_time(int64_t t)
{
	char	buf[LIST_TXT_TIME_LEN + 1];

	if (t == 0)
		return json_null();
	buf[list_txt_time(buf, t)] = '\0';
	return json_string(buf);
}

/* A string the store checked (UTF-8, no control characters), or null. */
static json_t *
jstr(const char *s)
{
	json_t	*v;

	if (s == NULL)
		return json_null();
	/* The store refuses bad UTF-8; null rather than no answer. */
	return (v = json_string(s)) != NULL ? v : json_null();
}

static json_t *
jcode(uint32_t code)
{
	char	buf[16];

	return json_string(addr_v4_text(code, buf, sizeof(buf)));
}

static int
on_zone(const struct store_zone *z, void *arg)
{
	struct lk	*k = arg;
	json_t		*o = json_object();

	oset(o, "name", json_string(z->name));
	oset(o, "listed", json_false());
	oset(o, "excluded", json_false());
	oset(o, "listings", json_array());
	oset(o, "past", json_array());
	oset(o, "code", jcode(z->code));
	json_object_set_new(k->zones, z->name, o);
	return 0;
}

/* Insert event e into the history, oldest first (stable for ties). */
static void
history_add(json_t *h, json_t *e)
{
	json_int_t	at = json_integer_value(json_object_get(e, "t"));
	size_t		i = json_array_size(h);

	while (i > 0 && json_integer_value(json_object_get(json_array_get(h,
	    i - 1), "t")) > at)
		i--;
	json_array_insert_new(h, i, e);
}

const char *
web_public_actor(const char *actor)
{
	if (actor == NULL)
		return "";
	return strncmp(actor, "web:", 4) == 0 ? "the requester" : actor;
}

json_t *
web_public_why(const char *why, const char *actor)
{
	const char	*addr, *hit;
	struct sbuf	 b;
	json_t		*v;
	size_t		 n;

	if (why == NULL)
		return json_null();
	if (actor == NULL || strncmp(actor, "web:", 4) != 0 ||
	    (n = strlen(addr = actor + 4)) == 0)
		return jstr(why);
	sbuf_init(&b);
	while ((hit = strstr(why, addr)) != NULL) {
		sbuf_add(&b, why, (size_t)(hit - why));
		sbuf_adds(&b, "the requester");
		why = hit + n;
	}
	sbuf_adds(&b, why);
	v = jstr(b.s);
	sbuf_free(&b);
	return v;
}

static int
on_event(const struct store_event *ev, void *arg)
{
	struct lk	*k = arg;
	json_t		*e;

	e = json_object();
	json_object_set_nocheck(e, "listing_id", json_object_get(k->cur,
	    "id"));
	json_object_set_nocheck(e, "zone", json_object_get(k->cur, "zone"));
	json_object_set_nocheck(e, "prefix", json_object_get(k->cur,
	    "prefix"));
	oset(e, "at", web_json_time(ev->at));
	oset(e, "t", json_integer((json_int_t)ev->at));
	oset(e, "actor", jstr(web_public_actor(ev->actor)));
	oset(e, "action", jstr(ev->action));
	oset(e, "why", web_public_why(ev->why, ev->actor));
	/* The listing's removed_why, public too (store_remove's why). */
	if (ev->action != NULL && strcmp(ev->action, "remove") == 0 &&
	    json_object_get(k->cur, "removed_why") != NULL)
		json_object_set(k->cur, "removed_why", json_object_get(e, "why"));
	history_add(k->history, e);
	return 0;
}

static const char *
state(const struct store_listing *l, int64_t now)
{
	if (l->removed_at != 0)
		return "removed";
	if (l->expires_at != 0 && l->expires_at <= now)
		return "expired";
	return l->exclude ? "excluded" : "listed";
}

/*
 * How listing l (in force) leaves: "removal" is its zone's policy for its
 * source ("self-service", "review", "none"; a range is always reviewed,
 * so that one address cannot delist its neighbours), and "cooldown" how
 * its prefix stands: self-service removals in the window and the
 * multiplier of its next listing's duration.
 */
static int
removal(struct lk *k, const struct store_listing *l, json_t *o)
{
	struct store_cooldown	c;
	json_t			*cd;
	int			p;

	if (web_zones_policy(k->st, k->zs, l->zone, l->source, &p) == -1 ||
	    store_cooldown(k->st, l->zone, &l->prefix, k->now, &c) == -1)
		return -1;
	if (p == STORE_REMOVAL_SELF && l->prefix.plen != 128)
		p = STORE_REMOVAL_REVIEW;
	json_object_set_new(o, "removal", json_string(store_removal_name(
	    (enum store_removal)p)));
	cd = json_object();
	oset(cd, "count", json_integer((json_int_t)c.count));
	oset(cd, "since", web_json_time(c.since));
	oset(cd, "window_days", json_integer((json_int_t)(c.window / 86400)));
	oset(cd, "multiplier", json_integer((json_int_t)c.multiplier));
	oset(cd, "max", json_integer((json_int_t)c.max));
	json_object_set_new(o, "cooldown", cd);
	return 0;
}

static int
on_request(const struct store_request *r, void *arg)
{
	struct lk	*k = arg;

	/* No reference: it is the requester's key to the request page. */
	json_array_append_new(k->requests, json_pack("{s:s, s:s, s:o, "
	    "s:o}", "zone", r->zone, "state",
	    store_req_state_name(r->state), "created_at",
	    web_json_time(r->created_at), "decided_at",
	    web_json_time(r->decided_at)));
	return 0;
}

json_t *
web_listing_json(const struct store_listing *l, int64_t now)
{
	json_t		*o;
	char		 pfx[ADDR_TEXT_MAX], count[32];
	unsigned	 bits = 128u - l->prefix.plen;	/* host bits */

	if (bits < 63)
		snprintf(count, sizeof(count), "%lld", 1LL << bits);
	else
		snprintf(count, sizeof(count), "2^%u", bits);
	o = json_object();
	oset(o, "id", json_integer((json_int_t)l->id));
	oset(o, "zone", json_string(l->zone));
	oset(o, "prefix", json_string(addr_format(&l->prefix, pfx,
	    sizeof(pfx))));
	oset(o, "range", json_boolean(bits > 0));
	oset(o, "addresses", json_string(count));
	oset(o, "reason", jstr(l->reason));
	oset(o, "evidence", jstr(l->evidence));
	oset(o, "source", jstr(l->source));
	oset(o, "listed_at", web_json_time(l->listed_at));
	oset(o, "expires_at", web_json_time(l->expires_at));
	oset(o, "state", json_string(state(l, now)));
	oset(o, "removal", json_null());
	oset(o, "code", l->code != 0 ? jcode(l->code) : json_null());
	if (o != NULL && l->removed_at != 0) {
		json_object_set_new(o, "removed_at",
		    web_json_time(l->removed_at));
		json_object_set_new(o, "removed_why", jstr(l->removed_why));
	}
	return o;
}

static int
on_listing(const struct store_listing *l, void *arg)
{
	struct lk	*k = arg;
	json_t		*o, *z;
	const char	*st = state(l, k->now);

	if (++k->n > WEB_LOOKUP_MAX) {
		k->truncated = 1;
		return 1;
	}
	z = json_object_get(k->zones, l->zone);	/* NULL: a removed zone */
	if ((o = web_listing_json(l, k->now)) == NULL)
		return 0;
	if (l->code == 0 && z != NULL)
		json_object_set(o, "code", json_object_get(z, "code"));
	if (z != NULL && strcmp(st, "listed") == 0 && removal(k, l, o) == -1) {
		json_decref(o);
		return -1;
	}
	k->cur = o;
	if (store_foreach_event(k->st, l->id, on_event, k) == -1) {
		json_decref(o);
		return -1;
	}
	if (z == NULL) {
		json_decref(o);
		return 0;
	}
	/* Most specific first: the first in force in a zone decides. */
	if (strcmp(st, "listed") == 0 || strcmp(st, "excluded") == 0) {
		if (!json_is_true(json_object_get(z, "excluded")) &&
		    strcmp(st, "excluded") == 0 &&
		    json_array_size(json_object_get(z, "listings")) == 0)
			json_object_set_new(z, "excluded", json_true());
		if (strcmp(st, "listed") == 0 &&
		    !json_is_true(json_object_get(z, "excluded"))) {
			json_object_set_new(z, "listed", json_true());
			json_array_append(json_object_get(z, "listings"), o);
			json_array_append(k->listings, o);
		}
	} else
		json_array_append(json_object_get(z, "past"), o);
	json_decref(o);
	return 0;
}

static int	zones_fresh(struct store *st, struct web_zones *zs);

/* The cached zones of zs through on_zone, as store_zone_foreach would. */
static int
zones_each(struct store *st, struct web_zones *zs, struct lk *k)
{
	struct store_zone	z;
	size_t			i;

	if (zs == NULL)
		return store_zone_foreach(st, on_zone, k);
	if (zones_fresh(st, zs) == -1)
		return -1;
	memset(&z, 0, sizeof(z));
	for (i = 0; i < zs->n; i++) {
		z.name = zs->z[i].name;
		z.code = zs->z[i].code;
		on_zone(&z, k);
	}
	return 0;
}

json_t *
web_lookup(struct store *st, struct web_zones *zs,
    const struct addr_prefix *ip, int64_t now, char *err)
{
	struct lk			 k;
	struct store_request_filter	 rf;
	json_t				*out, *zl, *z, *e;
	const char			*name;
	char				 text[ADDR_TEXT_MAX];
	size_t				 i;

	memset(&k, 0, sizeof(k));
	k.st = st;
	k.zs = zs;
	k.now = now;
	k.zones = json_object();
	k.listings = json_array();
	k.history = json_array();
	k.requests = json_array();
	memset(&rf, 0, sizeof(rf));
	rf.addr = ip;
	rf.limit = WEB_LOOKUP_MAX;
	/* One snapshot for every read, and one WAL read lock. */
	if (store_read_begin(st) == -1 ||
	    zones_each(st, zs, &k) < 0 ||
	    store_foreach_covering(st, ip->a, 1, on_listing, &k) < 0 ||
	    store_foreach_request(st, &rf, on_request, &k) < 0) {
		str_lcpy(err, store_errmsg(st), STORE_ERR_MAX);
		store_read_end(st);
		json_decref(k.zones);
		json_decref(k.listings);
		json_decref(k.history);
		json_decref(k.requests);
		return NULL;
	}
	store_read_end(st);
	zl = json_array();
	json_object_foreach(k.zones, name, z) {
		json_object_set_new(z, "has_past", json_boolean(
		    json_array_size(json_object_get(z, "past")) > 0));
		json_array_append(zl, z);
	}
	json_decref(k.zones);
	json_array_foreach(k.history, i, e)
		json_object_del(e, "t");
	out = json_object();
	oset(out, "ip", json_string(addr_format(ip, text, sizeof(text))));
	oset(out, "listed", json_boolean(json_array_size(k.listings) > 0));
	oset(out, "listings", k.listings);
	oset(out, "has_history", json_boolean(json_array_size(k.history) > 0));
	oset(out, "has_requests", json_boolean(json_array_size(k.requests) >
	    0));
	oset(out, "history", k.history);
	oset(out, "requests", k.requests);
	oset(out, "zones", zl);
	oset(out, "truncated", json_boolean(k.truncated));
	return out;
}

/*
 * --- the API's answer in one pass ---
 *
 * The same facts and bytes as web_lookup's tree written by
 * web_json_write, less the page's keys (zones, has_history,
 * has_requests), straight from the rows: no jansson tree to build and
 * free (the tree and its json_delete were a third of an API lookup's
 * instructions, callgrind). The rules are web_lookup's: the most
 * specific listing in force decides in each zone, an exclusion there
 * means not listed; the history is every event of every listing read,
 * sorted by time, ties in the order read.
 */

void
web_zones_clear(struct web_zones *zs)
{
	size_t	i;

	for (i = 0; i < zs->n; i++)
		free(zs->z[i].name);
	for (i = 0; i < zs->npol; i++) {
		free(zs->pol[i].zone);
		free(zs->pol[i].source);
	}
	zs->n = 0;
	zs->npol = 0;
	zs->valid = 0;
}

int
web_zones_policy(struct store *st, struct web_zones *zs, const char *zone,
    const char *source, int *p)
{
	struct web_zpolicy	*w;
	enum store_removal	 r;
	size_t			 i;

	if (source == NULL)
		source = "";
	for (i = 0; zs != NULL && i < zs->npol; i++)
		if (strcmp(zs->pol[i].zone, zone) == 0 &&
		    strcmp(zs->pol[i].source, source) == 0) {
			*p = zs->pol[i].policy;
			return 0;
		}
	if (store_removal_policy(st, zone, source, &r) == -1)
		return -1;
	*p = (int)r;
	/* A few (zone, source) pairs in practice; bounded all the same. */
	if (zs == NULL || !zs->valid || zs->npol >= WEB_ZPOLICY_MAX)
		return 0;
	if (zs->npol == zs->polcap) {
		zs->polcap = zs->polcap == 0 ? 8 : zs->polcap * 2;
		zs->pol = xreallocarray(zs->pol, zs->polcap, sizeof(*zs->pol));
	}
	w = &zs->pol[zs->npol++];
	w->zone = xstrdup(zone);
	w->source = xstrdup(source);
	w->policy = (int)r;
	return 0;
}

void
web_zones_free(struct web_zones *zs)
{
	web_zones_clear(zs);
	free(zs->z);
	free(zs->pol);
	zs->z = NULL;
	zs->pol = NULL;
	zs->cap = 0;
	zs->polcap = 0;
}

static int
on_zone_copy(const struct store_zone *z, void *arg)
{
	struct web_zones	*zs = arg;

	if (zs->n == zs->cap) {
		zs->cap = zs->cap == 0 ? 8 : zs->cap * 2;
		zs->z = xreallocarray(zs->z, zs->cap, sizeof(*zs->z));
	}
	zs->z[zs->n].name = xstrdup(z->name);
	zs->z[zs->n].code = z->code;
	zs->n++;
	return 0;
}

int
web_zones_load(struct store *st, struct web_zones *zs)
{
	web_zones_clear(zs);
	if (store_zone_foreach(st, on_zone_copy, zs) < 0) {
		web_zones_clear(zs);
		return -1;
	}
	zs->valid = 1;
	return 0;
}

/*
 * zs as the store has them now, inside a read transaction. The zones
 * change only with a commit: another connection's moves data_version,
 * the worker's own writes clear zs (server.c).
 */
static int
zones_fresh(struct store *st, struct web_zones *zs)
{
	int64_t	v;

	if (store_data_version(st, &v) == -1)
		return -1;
	if ((!zs->valid || v != zs->version) && web_zones_load(st, zs) == -1)
		return -1;
	zs->version = v;
	return 0;
}

#define ZF_LISTED	0x01
#define ZF_EXCLUDED	0x02

/* One event of the history: its time and its bytes in lka.events. */
struct lka_ev {
	int64_t	t;
	size_t	off, len;
};

struct lka {
	struct store		*st;
	struct web_zones	*zs;
	unsigned char		*zf;		/* ZF_* per zone of zs */
	struct sbuf		 listings;	/* "{...},{...}" */
	int			 nlistings;
	struct sbuf		 events;	/* each event's bytes */
	struct lka_ev		*ev;
	size_t			 nev, cap;
	struct sbuf		 head;		/* the current listing's keys
						   of its events */
	int64_t			 now;
	int			 n;
	int			 truncated;
};

static int
lka_event(const struct store_event *e, void *arg)
{
	struct lka	*k = arg;
	struct sbuf	*b = &k->events;
	struct lka_ev	*v;
	const char	*why;
	json_t		*pw;

	if (k->nev == k->cap) {
		k->cap = k->cap == 0 ? 16 : k->cap * 2;
		k->ev = xreallocarray(k->ev, k->cap, sizeof(*k->ev));
	}
	v = &k->ev[k->nev++];
	v->t = e->at;
	v->off = b->len;
	sbuf_add(b, k->head.s, k->head.len);
	sbuf_add(b, ",\"at\":", 6);
	web_json_tm(b, e->at);
	sbuf_add(b, ",\"actor\":", 9);
	web_json_jstr(b, web_public_actor(e->actor));
	sbuf_add(b, ",\"action\":", 10);
	web_json_jstr(b, e->action);
	sbuf_add(b, ",\"why\":", 7);
	if (e->why != NULL && e->actor != NULL &&
	    strncmp(e->actor, "web:", 4) == 0 && e->actor[4] != '\0') {
		/* Rare: a requester's event, its address in the text. */
		pw = web_public_why(e->why, e->actor);
		why = json_string_value(pw);
		web_json_jstr(b, why);
		json_decref(pw);
	} else
		web_json_jstr(b, e->why);
	sbuf_addc(b, '}');
	v->len = b->len - v->off;
	return 0;
}

/* The listing l (in force, listed) of zone z, as web_listing_json and
 * removal() make it, appended to k->listings. */
static int
lka_listing(struct lka *k, const struct store_listing *l,
    const struct web_zone *z)
{
	struct sbuf		*b = &k->listings;
	struct store_cooldown	 c;
	char			 pfx[ADDR_TEXT_MAX], code[16];
	int			 p;
	unsigned		 bits = 128u - l->prefix.plen;	/* host bits */

	if (web_zones_policy(k->st, k->zs, l->zone, l->source, &p) == -1 ||
	    store_cooldown(k->st, l->zone, &l->prefix, k->now, &c) == -1)
		return -1;
	if (p == STORE_REMOVAL_SELF && l->prefix.plen != 128)
		p = STORE_REMOVAL_REVIEW;
	if (k->nlistings++ > 0)
		sbuf_addc(b, ',');
	sbuf_add(b, "{\"id\":", 6);
	web_json_i64(b, l->id);
	sbuf_add(b, ",\"zone\":", 8);
	web_json_jstr(b, l->zone);
	sbuf_add(b, ",\"prefix\":", 10);
	web_json_jstr(b, addr_format(&l->prefix, pfx, sizeof(pfx)));
	sbuf_add(b, ",\"range\":", 9);
	web_json_bool(b, bits > 0);
	sbuf_add(b, ",\"addresses\":\"", 14);
	if (bits < 63)
		web_json_i64(b, (int64_t)(1LL << bits));
	else {
		sbuf_add(b, "2^", 2);
		web_json_i64(b, bits);
	}
	sbuf_add(b, "\",\"reason\":", 11);
	web_json_jstr(b, l->reason);
	sbuf_add(b, ",\"evidence\":", 12);
	web_json_jstr(b, l->evidence);
	sbuf_add(b, ",\"source\":", 10);
	web_json_jstr(b, l->source);
	sbuf_add(b, ",\"listed_at\":", 13);
	web_json_tm(b, l->listed_at);
	sbuf_add(b, ",\"expires_at\":", 14);
	web_json_tm(b, l->expires_at);
	sbuf_add(b, ",\"state\":\"listed\",\"removal\":", 28);
	web_json_jstr(b, store_removal_name((enum store_removal)p));
	sbuf_add(b, ",\"code\":", 8);
	web_json_jstr(b, addr_v4_text(l->code != 0 ? l->code : z->code, code,
	    sizeof(code)));
	sbuf_add(b, ",\"cooldown\":{\"count\":", 21);
	web_json_i64(b, c.count);
	sbuf_add(b, ",\"since\":", 9);
	web_json_tm(b, c.since);
	sbuf_add(b, ",\"window_days\":", 15);
	web_json_i64(b, c.window / 86400);
	sbuf_add(b, ",\"multiplier\":", 14);
	web_json_i64(b, c.multiplier);
	sbuf_add(b, ",\"max\":", 7);
	web_json_i64(b, c.max);
	sbuf_add(b, "}}", 2);
	return 0;
}

static int
lka_on_listing(const struct store_listing *l, void *arg)
{
	struct lka		*k = arg;
	const struct web_zone	*z = NULL;
	const char		*st = state(l, k->now);
	char			 pfx[ADDR_TEXT_MAX];
	size_t			 i;

	if (++k->n > WEB_LOOKUP_MAX) {
		k->truncated = 1;
		return 1;
	}
	for (i = 0; i < k->zs->n; i++)
		if (strcmp(k->zs->z[i].name, l->zone) == 0) {
			z = &k->zs->z[i];	/* NULL: a removed zone */
			break;
		}
	/* Most specific first: the first in force in a zone decides. */
	if (z != NULL && strcmp(st, "excluded") == 0 &&
	    (k->zf[i] & (ZF_EXCLUDED | ZF_LISTED)) == 0)
		k->zf[i] |= ZF_EXCLUDED;
	else if (z != NULL && strcmp(st, "listed") == 0 &&
	    (k->zf[i] & ZF_EXCLUDED) == 0) {
		if (lka_listing(k, l, z) == -1)
			return -1;
		k->zf[i] |= ZF_LISTED;
	}
	/* The keys every event of this listing starts with. */
	sbuf_reset(&k->head);
	sbuf_add(&k->head, "{\"listing_id\":", 14);
	web_json_i64(&k->head, l->id);
	sbuf_add(&k->head, ",\"zone\":", 8);
	web_json_jstr(&k->head, l->zone);
	sbuf_add(&k->head, ",\"prefix\":", 10);
	web_json_jstr(&k->head, addr_format(&l->prefix, pfx, sizeof(pfx)));
	return store_foreach_event(k->st, l->id, lka_event, k) == -1 ? -1 : 0;
}

struct lka_rq {
	struct sbuf	*b;
	int		 n;
};

static int
lka_on_request(const struct store_request *r, void *arg)
{
	struct lka_rq	*q = arg;
	struct sbuf	*b = q->b;

	if (q->n++ > 0)
		sbuf_addc(b, ',');
	sbuf_add(b, "{\"zone\":", 8);
	web_json_jstr(b, r->zone);
	sbuf_add(b, ",\"state\":", 9);
	web_json_jstr(b, store_req_state_name(r->state));
	sbuf_add(b, ",\"created_at\":", 14);
	web_json_tm(b, r->created_at);
	sbuf_add(b, ",\"decided_at\":", 14);
	web_json_tm(b, r->decided_at);
	sbuf_addc(b, '}');
	return 0;
}

int
web_lookup_api(struct store *st, struct web_zones *zs,
    const struct addr_prefix *ip, int64_t now, struct sbuf *out, char *err)
{
	struct lka			 k;
	struct lka_rq			 q;
	struct store_request_filter	 rf;
	struct lka_ev			 e;
	char				 text[ADDR_TEXT_MAX];
	size_t				 i, j;
	int				 rc = -1;

	memset(&k, 0, sizeof(k));
	k.st = st;
	k.zs = zs;
	k.now = now;
	sbuf_init(&k.listings);
	sbuf_init(&k.events);
	sbuf_init(&k.head);
	memset(&rf, 0, sizeof(rf));
	rf.addr = ip;
	rf.limit = WEB_LOOKUP_MAX;
	/* One snapshot for every read, and one WAL read lock. */
	if (store_read_begin(st) == -1)
		goto fail;
	if (zones_fresh(st, zs) == -1) {
		store_read_end(st);
		goto fail;
	}
	k.zf = xcalloc(zs->n + 1, 1);
	if (store_foreach_covering(st, ip->a, 1, lka_on_listing, &k) < 0) {
		store_read_end(st);
		goto fail;
	}
	sbuf_add(out, "{\"ip\":", 6);
	web_json_jstr(out, addr_format(ip, text, sizeof(text)));
	sbuf_add(out, ",\"listed\":", 10);
	web_json_bool(out, k.nlistings > 0);
	sbuf_add(out, ",\"listings\":[", 13);
	sbuf_add(out, k.listings.s, k.listings.len);
	sbuf_add(out, "],\"history\":[", 13);
	/* Oldest first, stable for ties: an insertion sort, as before. */
	for (i = 1; i < k.nev; i++) {
		e = k.ev[i];
		for (j = i; j > 0 && k.ev[j - 1].t > e.t; j--)
			k.ev[j] = k.ev[j - 1];
		k.ev[j] = e;
	}
	for (i = 0; i < k.nev; i++) {
		if (i > 0)
			sbuf_addc(out, ',');
		sbuf_add(out, k.events.s + k.ev[i].off, k.ev[i].len);
	}
	sbuf_add(out, "],\"requests\":[", 14);
	q.b = out;
	q.n = 0;
	if (store_foreach_request(st, &rf, lka_on_request, &q) < 0) {
		store_read_end(st);
		goto fail;
	}
	store_read_end(st);
	sbuf_add(out, "],\"truncated\":", 14);
	web_json_bool(out, k.truncated);
	sbuf_addc(out, '}');
	rc = 0;
fail:
	if (rc == -1)
		str_lcpy(err, store_errmsg(st), STORE_ERR_MAX);
	free(k.zf);
	free(k.ev);
	sbuf_free(&k.listings);
	sbuf_free(&k.events);
	sbuf_free(&k.head);
	return rc;
}
