/*
 * removal.c: removal requests, the zones' removal policies and the
 * cooldown (removal.h).
 *
 * A request is one row of table request, its steps rows of
 * request_event; a listing closed by self-service also leaves a row in
 * self_removal, which the cooldown counts (store_add asks st_cooldown_of
 * before it writes a listing that expires). Each write is one
 * transaction: the request, its events, the listings it closes and the
 * audit rows land together or not at all.
 *
 * Does not: rate-limit requesters (the HTTP service does), or log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "core/addr.h"
#include "core/str.h"
#include "core/xmalloc.h"
#include "store/removal.h"
#include "store/store.h"
#include "store/store_int.h"

#define REQ_COLS "SELECT r.id, r.ref, z.name, r.lo, r.requester, r.note," \
	" r.state, r.created_at, r.decided_at, r.actor, r.why FROM request r" \
	" JOIN zone z ON z.id = r.zone"

static const char sql_zone_removal[] = "SELECT removal, cooldown_window,"
    " cooldown_max FROM zone WHERE id = ?1";
static const char sql_zone_set_removal[] = "UPDATE zone SET removal = ?2,"
    " cooldown_window = ?3, cooldown_max = ?4 WHERE id = ?1";
static const char sql_cooldown[] = "SELECT count(*), coalesce(min(at), 0)"
    " FROM self_removal WHERE k = ?1 AND zone = ?2 AND lo = ?3"
    " AND plen = ?4 AND at > ?5";
static const char sql_req_open[] = "SELECT id, ref FROM request"
    " WHERE lo = ?1 AND zone = ?2 AND state = 1 ORDER BY id DESC LIMIT 1";
static const char sql_req_insert[] = "INSERT INTO request (ref, zone, lo,"
    " requester, note, state, created_at) VALUES (?1, ?2, ?3, ?4, ?5, 1,"
    " ?6)";
static const char sql_req_decide[] = "UPDATE request SET state = ?2,"
    " decided_at = ?3, actor = ?4, why = ?5 WHERE id = ?1";
static const char sql_req_event[] = "INSERT INTO request_event (request_id,"
    " at, actor, action, why) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_self_removal[] = "INSERT INTO self_removal (zone, k,"
    " lo, plen, at, listing_id, request_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
    " ?7)";
static const char sql_req_by_id[] = REQ_COLS " WHERE r.id = ?1";
static const char sql_req_by_ref[] = REQ_COLS " WHERE r.ref = ?1";
static const char sql_req_events[] = "SELECT request_id, at, actor, action,"
    " why FROM request_event WHERE request_id = ?1 ORDER BY id";
static const char sql_req_list[] = REQ_COLS " WHERE (?1 = 0 OR r.state = ?1)"
    " AND (?2 IS NULL OR r.lo = ?2) AND (?3 IS NULL OR z.name = ?3)"
    " ORDER BY r.id DESC LIMIT ?4";
static const char sql_req_counts[] = "SELECT state, count(*) FROM request"
    " GROUP BY state";

static const char *const removal_names[] = {
	[STORE_REMOVAL_SELF] = "self-service",
	[STORE_REMOVAL_REVIEW] = "review",
	[STORE_REMOVAL_NONE] = "none",
};

static const char *const state_names[] = {
	[STORE_REQ_OPEN] = "open",
	[STORE_REQ_APPROVED] = "approved",
	[STORE_REQ_DENIED] = "denied",
	[STORE_REQ_DONE] = "done",
	[STORE_REQ_REFUSED] = "refused",
};

const char *
store_removal_name(enum store_removal p)
{
	return st_name_of(removal_names, STORE_REMOVAL_NONE + 1, (int)p);
}

int
store_removal_parse(const char *text, enum store_removal *p)
{
	int	i = st_name_index(removal_names, STORE_REMOVAL_NONE + 1, text);

	*p = (enum store_removal)(i > 0 ? i : 0);
	return i > 0 ? 0 : -1;
}

const char *
store_req_state_name(enum store_req_state st)
{
	return st_name_of(state_names, STORE_REQ_REFUSED + 1, (int)st);
}

int
store_req_state_parse(const char *text, enum store_req_state *st)
{
	int	i = st_name_index(state_names, STORE_REQ_REFUSED + 1, text);

	*st = (enum store_req_state)(i > 0 ? i : 0);
	return i > 0 ? 0 : -1;
}

int
store_removal_source_ok(const char *src)
{
	size_t	len = strlen(src), i;

	if (len == 0 || len > 64)
		return 0;
	for (i = 0; i < len; i++) {
		if (src[i] == '*') {
			if (i != len - 1)
				return 0;
			continue;
		}
		if (!((src[i] >= 'a' && src[i] <= 'z') ||
		    (src[i] >= 'A' && src[i] <= 'Z') ||
		    (src[i] >= '0' && src[i] <= '9') ||
		    strchr("-_.:/", src[i]) != NULL))
			return 0;
	}
	return 1;
}

/*
 * How well rule source pat matches source: 3 + length for an exact
 * match, 2 + length of the prefix for "prefix*", 1 for "*", 0 for none.
 */
static size_t
rule_match(const char *pat, size_t plen, const char *source)
{
	if (plen == 1 && pat[0] == '*')
		return 1;
	if (pat[plen - 1] == '*')
		return strncmp(pat, source, plen - 1) == 0 ? 2 + plen - 1 : 0;
	return strlen(source) == plen && strncmp(pat, source, plen) == 0 ?
	    3 + plen : 0;
}

/*
 * The policy for source under the stored rules text ("SRC=POLICY ...",
 * written by store_zone_set_removal); a malformed word is skipped.
 */
static enum store_removal
rules_policy(const char *rules, const char *source)
{
	enum store_removal	 best, p;
	const char		*w, *eq, *end;
	size_t			 score, bscore = 0;
	char			 pol[16];

	best = strcmp(source, "trap") == 0 || strcmp(source, "auto") == 0 ?
	    STORE_REMOVAL_SELF : STORE_REMOVAL_REVIEW;
	for (w = rules; *w != '\0'; w = *end != '\0' ? end + 1 : end) {
		if ((end = strchr(w, ' ')) == NULL)
			end = w + strlen(w);
		if ((eq = memchr(w, '=', (size_t)(end - w))) == NULL ||
		    eq == w || (size_t)(end - eq - 1) >= sizeof(pol))
			continue;
		memcpy(pol, eq + 1, (size_t)(end - eq - 1));
		pol[end - eq - 1] = '\0';
		if (store_removal_parse(pol, &p) == -1)
			continue;
		score = rule_match(w, (size_t)(eq - w), source);
		if (score > bscore) {
			bscore = score;
			best = p;
		}
	}
	return best;
}

/* Zone zid's rules text (caller frees), window and max. */
static int
zone_removal(struct store *s, int64_t zid, char **rules, int64_t *window,
    int64_t *max)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = st_sql(s, sql_zone_removal)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, zid);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (rules != NULL)
			*rules = xstrdup(st_col_text(st, 0) != NULL ?
			    st_col_text(st, 0) : "");
		*window = sqlite3_column_int64(st, 1);
		*max = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return st_dberr(s, "zone removal policy");
	return 0;
}

int
store_zone_set_removal(struct store *s, const char *zone,
    const struct store_removal_rule *rules, int n, int64_t window,
    int64_t max, const char *actor)
{
	sqlite3_stmt	*st;
	char		 text[STORE_RULES_MAX * 80], *old = NULL, *detail = NULL;
	int64_t		 zid, owin, omax;
	int		 i, own, ok = 0;
	size_t		 len = 0;

	if (n < 0 || n > STORE_RULES_MAX) {
		st_seterr(s, "at most %d removal rules per zone",
		    STORE_RULES_MAX);
		return -1;
	}
	if (window <= 0 || max < 1) {
		st_seterr(s, "cooldown window must be positive and its "
		    "largest multiplier at least 1");
		return -1;
	}
	text[0] = '\0';
	for (i = 0; i < n; i++) {
		if (!store_removal_source_ok(rules[i].source) ||
		    (int)rules[i].policy < STORE_REMOVAL_SELF ||
		    rules[i].policy > STORE_REMOVAL_NONE) {
			st_seterr(s, "bad removal rule for source '%.64s' "
			    "(letters, digits, '-_.:/', a final '*'; "
			    "self-service, review or none)", rules[i].source);
			return -1;
		}
		/* At most 1 + 64 + 1 + 12 bytes a rule: it fits. */
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    "%s%s=%s", i > 0 ? " " : "", rules[i].source,
		    store_removal_name(rules[i].policy));
	}
	if (st_tx_begin(s, &own) == -1)
		return -1;
	if ((zid = st_zone_id(s, zone)) == -1 ||
	    zone_removal(s, zid, &old, &owin, &omax) == -1)
		goto out;
	if (strcmp(old, text) == 0 && owin == window && omax == max) {
		ok = 1;
		goto out;
	}
	if ((st = st_sql(s, sql_zone_set_removal)) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, zid);
	st_bind_text(st, 2, text);
	sqlite3_bind_int64(st, 3, window);
	sqlite3_bind_int64(st, 4, max);
	if (st_step_done(s, st, "zone removal policy") == -1)
		goto out;
	xasprintf(&detail, "%s removal '%s' cooldown window %llds max %lld",
	    zone, text, (long long)window, (long long)max);
	if (st_audit(s, st_now(), actor, "zone-removal", detail) == -1)
		goto out;
	ok = 1;
out:
	free(old);
	free(detail);
	return st_tx_end(s, own, ok);
}

int
store_removal_policy(struct store *s, const char *zone, const char *source,
    enum store_removal *p)
{
	char	*rules;
	int64_t	 zid, w, m;

	if ((zid = st_zone_id(s, zone)) == -1 ||
	    zone_removal(s, zid, &rules, &w, &m) == -1)
		return -1;
	*p = rules_policy(rules, source != NULL ? source : "");
	free(rules);
	return 0;
}

int
st_cooldown_of(struct store *s, int64_t zid, const struct addr_prefix *p,
    int64_t now, struct store_cooldown *c)
{
	sqlite3_stmt	*st;
	int		 rc;
	int64_t		 i;

	memset(c, 0, sizeof(*c));
	if (zone_removal(s, zid, NULL, &c->window, &c->max) == -1)
		return -1;
	if ((st = st_sql(s, sql_cooldown)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, st_addr_key(p->a));
	sqlite3_bind_int64(st, 2, zid);
	sqlite3_bind_blob(st, 3, p->a, ADDR_LEN, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 4, p->plen);
	sqlite3_bind_int64(st, 5, now - c->window);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		c->count = sqlite3_column_int64(st, 0);
		c->since = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return st_dberr(s, "cooldown");
	/* 2^count, capped: doubling stops at max, so nothing overflows. */
	c->multiplier = 1;
	for (i = 0; i < c->count && c->multiplier < c->max; i++)
		c->multiplier *= 2;
	if (c->multiplier > c->max)
		c->multiplier = c->max;
	return 0;
}

int
store_cooldown(struct store *s, const char *zone, const struct addr_prefix *p,
    int64_t now, struct store_cooldown *out)
{
	int64_t	zid;

	if ((zid = st_zone_id(s, zone)) == -1)
		return -1;
	return st_cooldown_of(s, zid, p, now != 0 ? now : st_now(), out);
}

/* A listing that lists the address, from store_foreach_covering. */
struct item {
	int64_t			 id;
	char			*zone;
	char			*source;
	struct addr_prefix	 prefix;
};

struct items {
	struct item	*v;
	size_t		 n;
	const char	*zone;		/* NULL: every zone */
	char		**excluded;	/* zones whose search hit an exclusion */
	size_t		 nexcluded;
};

static int
zone_in(char *const *v, size_t n, const char *zone)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], zone) == 0)
			return 1;
	return 0;
}

/*
 * Most specific first (store_foreach_covering): in each zone, an
 * exclusion ends the listings that count, as in the index.
 */
static int
collect_item(const struct store_listing *l, void *arg)
{
	struct items	*it = arg;
	struct item	*e;

	if (it->zone != NULL && strcmp(it->zone, l->zone) != 0)
		return 0;
	if (zone_in(it->excluded, it->nexcluded, l->zone))
		return 0;
	if (l->exclude) {
		it->excluded = xreallocarray(it->excluded, it->nexcluded + 1,
		    sizeof(*it->excluded));
		it->excluded[it->nexcluded++] = xstrdup(l->zone);
		return 0;
	}
	it->v = xreallocarray(it->v, it->n + 1, sizeof(*it->v));
	e = &it->v[it->n++];
	e->id = l->id;
	e->zone = xstrdup(l->zone);
	e->source = xstrdup(l->source != NULL ? l->source : "");
	e->prefix = l->prefix;
	return 0;
}

static void
items_free(struct items *it)
{
	size_t	i;

	for (i = 0; i < it->n; i++) {
		free(it->v[i].zone);
		free(it->v[i].source);
	}
	for (i = 0; i < it->nexcluded; i++)
		free(it->excluded[i]);
	free(it->excluded);
	free(it->v);
}

static int
req_event(struct store *s, int64_t rid, int64_t now, const char *actor,
    const char *action, const char *why)
{
	return st_event_row(s, st_sql(s, sql_req_event), rid, now, actor,
	    action, why);
}

static int
req_set_state(struct store *s, int64_t rid, enum store_req_state state,
    int64_t now, const char *actor, const char *why)
{
	sqlite3_stmt	*st;

	if ((st = st_sql(s, sql_req_decide)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, rid);
	sqlite3_bind_int(st, 2, state);
	sqlite3_bind_int64(st, 3, now);
	st_bind_text(st, 4, actor != NULL ? actor : "?");
	st_bind_text(st, 5, why);
	return st_step_done(s, st, "request state");
}

/* Close item e by self-service for request rid and count it. */
static int
self_remove(struct store *s, const struct item *e, int64_t zid, int64_t rid,
    const char *ref, const char *requester, int64_t now, const char *actor)
{
	sqlite3_stmt	*st;
	char		 net[ADDR_TEXT_MAX], *why;
	int		 rc;

	addr_format(&e->prefix, net, sizeof(net));
	xasprintf(&why, "self-service removal by %s (request %s)", requester,
	    ref);
	rc = st_close_listing(s, e->id, e->zone, net, now, actor, why);
	free(why);
	if (rc == -1 || (st = st_sql(s, sql_self_removal)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, zid);
	sqlite3_bind_int64(st, 2, st_addr_key(e->prefix.a));
	sqlite3_bind_blob(st, 3, e->prefix.a, ADDR_LEN, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 4, e->prefix.plen);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_int64(st, 6, e->id);
	sqlite3_bind_int64(st, 7, rid);
	return st_step_done(s, st, "self removal");
}

/* An open request for a in zone zid: its id into OUT:rid and ref; 0/1/-1. */
static int
open_request(struct store *s, const struct addr_prefix *a, int64_t zid,
    int64_t *rid, char ref[STORE_REF_LEN + 1])
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = st_sql(s, sql_req_open)) == NULL)
		return -1;
	sqlite3_bind_blob(st, 1, a->a, ADDR_LEN, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, zid);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*rid = sqlite3_column_int64(st, 0);
		str_lcpy(ref, st_col_text(st, 1) != NULL ? st_col_text(st, 1) :
		    "", STORE_REF_LEN + 1);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return st_dberr(s, "open request");
}

/*
 * The one zone that lists the address (it->v holds every zone's
 * listings); sets the message and returns STORE_UNLISTED or
 * STORE_AMBIGUOUS otherwise.
 */
static int
pick_zone(struct store *s, const struct items *it, const char *net,
    const char *zone, const char **out)
{
	size_t	i;

	if (it->n == 0) {
		st_seterr(s, "%s is not listed%s%.253s", net,
		    zone != NULL ? " in " : "", zone != NULL ? zone : "");
		return STORE_UNLISTED;
	}
	for (i = 1; i < it->n; i++)
		if (strcmp(it->v[i].zone, it->v[0].zone) != 0) {
			st_seterr(s, "%s is listed in %s and %s: name the "
			    "zone", net, it->v[0].zone, it->v[i].zone);
			return STORE_AMBIGUOUS;
		}
	*out = it->v[0].zone;
	return 0;
}

/* Judge every listing of request rid by the zone's policy; tallies. */
static int
apply_policy(struct store *s, const struct items *it, int64_t zid,
    const char *rules, struct store_request_made *m, const char *requester,
    int64_t now, const char *actor)
{
	enum store_removal	 p;
	char			 net[ADDR_TEXT_MAX], *why;
	const char		*action;
	size_t			 i;
	int			 rc;

	for (i = 0; i < it->n; i++) {
		const struct item	*e = &it->v[i];

		p = rules_policy(rules, e->source);
		addr_format(&e->prefix, net, sizeof(net));
		/* One address never delists a range: review it. */
		if (p == STORE_REMOVAL_SELF && e->prefix.plen != 128)
			p = STORE_REMOVAL_REVIEW;
		switch (p) {
		case STORE_REMOVAL_SELF:
			if (self_remove(s, e, zid, m->id, m->ref, requester,
			    now, actor) == -1)
				return -1;
			m->removed++;
			action = "self-service";
			xasprintf(&why, "listing %lld (%s, source %s) removed",
			    (long long)e->id, net, e->source);
			break;
		case STORE_REMOVAL_NONE:
			m->refused++;
			action = "refused";
			xasprintf(&why, "listing %lld (%s): zone %s takes no "
			    "removal requests for source '%s'",
			    (long long)e->id, net, e->zone, e->source);
			break;
		case STORE_REMOVAL_REVIEW:
		default:
			m->pending++;
			action = "review";
			xasprintf(&why, "listing %lld (%s, source %s) waits for "
			    "review%s", (long long)e->id, net, e->source,
			    e->prefix.plen != 128 ? " (a range)" : "");
			break;
		}
		rc = req_event(s, m->id, now, actor, action, why);
		free(why);
		if (rc == -1)
			return -1;
	}
	return 0;
}

int64_t
store_request_create(struct store *s, const struct addr_prefix *a,
    const char *zone, const char *requester, const char *note,
    const char *actor, struct store_request_made *m)
{
	sqlite3_stmt	*st;
	struct items	 it;
	uint8_t		 rnd[12];
	char		 net[ADDR_TEXT_MAX], *rules = NULL, *detail = NULL;
	const char	*z;
	int64_t		 zid, now = st_now(), w, mx;
	int		 own, rc, ok = 0;
	int64_t		 ret = -1;

	memset(m, 0, sizeof(*m));
	memset(&it, 0, sizeof(it));
	if (a->plen != 128) {
		st_seterr(s, "a removal request is for one address");
		return -1;
	}
	if (requester == NULL || requester[0] == '\0') {
		st_seterr(s, "a removal request needs the requester's "
		    "address");
		return -1;
	}
	if (st_check_text(s, "requester", requester,
	    STORE_REQUESTER_MAX) == -1 ||
	    st_check_text(s, "note", note, STORE_NOTE_MAX) == -1)
		return -1;
	addr_format(a, net, sizeof(net));
	if (st_tx_begin(s, &own) == -1)
		return -1;
	if (zone != NULL && st_zone_id(s, zone) == -1)
		goto out;
	it.zone = zone;
	if (store_foreach_covering(s, a->a, 0, collect_item, &it) != 0)
		goto out;
	if ((rc = pick_zone(s, &it, net, zone, &z)) != 0) {
		ret = rc;
		goto out;
	}
	if ((zid = st_zone_id(s, z)) == -1 ||
	    (rc = open_request(s, a, zid, &m->id, m->ref)) == -1)
		goto out;
	if (rc == 1) {
		m->existing = 1;
		m->state = STORE_REQ_OPEN;
		ok = 1;
		ret = m->id;
		goto out;
	}
	if (zone_removal(s, zid, &rules, &w, &mx) == -1 ||
	    st_random(s, rnd, sizeof(rnd)) == -1)
		goto out;
	st_b64url(m->ref, rnd, sizeof(rnd));
	/*
	 * Never a leading '-': `fairlist requests show REF` would take it
	 * for an option (1 reference in 64 did; 0.02 bits of the 96 go).
	 */
	if (m->ref[0] == '-')
		m->ref[0] = 'x';
	if ((st = st_sql(s, sql_req_insert)) == NULL)
		goto out;
	st_bind_text(st, 1, m->ref);
	sqlite3_bind_int64(st, 2, zid);
	sqlite3_bind_blob(st, 3, a->a, ADDR_LEN, SQLITE_TRANSIENT);
	st_bind_text(st, 4, requester);
	st_bind_text(st, 5, note != NULL ? note : "");
	sqlite3_bind_int64(st, 6, now);
	if (st_step_done(s, st, "request") == -1)
		goto out;
	m->id = sqlite3_last_insert_rowid(s->db);
	xasprintf(&detail, "removal of %s from %s asked by %s", net, z,
	    requester);
	if (req_event(s, m->id, now, actor, "create", detail) == -1 ||
	    apply_policy(s, &it, zid, rules, m, requester, now, actor) == -1)
		goto out;
	m->state = m->pending > 0 ? STORE_REQ_OPEN : m->removed > 0 ?
	    STORE_REQ_DONE : STORE_REQ_REFUSED;
	if (m->state != STORE_REQ_OPEN && req_set_state(s, m->id, m->state,
	    now, actor, m->state == STORE_REQ_DONE ? "removed by self-service" :
	    "the zone's policy takes no removal requests for these "
	    "listings") == -1)
		goto out;
	free(detail);
	xasprintf(&detail, "request %lld (%s): %s in %s by %s: %s",
	    (long long)m->id, m->ref, net, z, requester,
	    store_req_state_name(m->state));
	if (st_audit(s, now, actor, "removal-request", detail) == -1)
		goto out;
	ok = 1;
	ret = m->id;
out:
	free(rules);
	free(detail);
	items_free(&it);
	if (st_tx_end(s, own, ok) == -1)
		return ret < -1 ? ret : -1;
	return ret;
}

static void
row_request(sqlite3_stmt *st, struct store_request *r)
{
	const void	*lo;

	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	r->ref = st_col_text(st, 1);
	r->zone = st_col_text(st, 2);
	lo = sqlite3_column_blob(st, 3);
	if (lo != NULL && sqlite3_column_bytes(st, 3) == ADDR_LEN)
		memcpy(r->addr.a, lo, ADDR_LEN);
	r->addr.plen = 128;
	r->addr.family = st_row_family(r->addr.a, 128);
	r->requester = st_col_text(st, 4);
	r->note = st_col_text(st, 5);
	r->state = (enum store_req_state)sqlite3_column_int(st, 6);
	r->created_at = sqlite3_column_int64(st, 7);
	r->decided_at = sqlite3_column_int64(st, 8);
	r->actor = st_col_text(st, 9);
	r->why = st_col_text(st, 10);
}

/* The statement positioned on the request key names; 1, 0 or -1. */
static int
find_request(struct store *s, const char *key, int public,
    sqlite3_stmt **out)
{
	sqlite3_stmt	*st;
	int64_t		 id;
	int		 rc;

	if (!public && st_key_id(key, &id)) {
		if ((st = st_sql(s, sql_req_by_id)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, id);
	} else {
		if ((st = st_sql(s, sql_req_by_ref)) == NULL)
			return -1;
		st_bind_text(st, 1, key);
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = st;
		return 1;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE) {
		st_seterr(s, "no removal request '%.64s'", key);
		return 0;
	}
	return st_dberr(s, "request");
}

int
store_request_get(struct store *s, const char *key, int public,
    int (*cb)(const struct store_request *, void *),
    int (*ev)(const struct store_request_event *, void *), void *arg)
{
	sqlite3_stmt			*st = NULL;
	struct store_request		 r;
	struct store_request_event	 e;
	int64_t				 id;
	int				 rc, r2 = 0;

	if ((rc = find_request(s, key, public, &st)) != 1)
		return rc;
	row_request(st, &r);
	id = r.id;
	r2 = cb(&r, arg);
	sqlite3_reset(st);
	if (r2 != 0)
		return r2;
	if (ev == NULL)
		return 1;
	if ((st = st_sql(s, sql_req_events)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		e.request_id = sqlite3_column_int64(st, 0);
		e.at = sqlite3_column_int64(st, 1);
		e.actor = st_col_text(st, 2);
		e.action = st_col_text(st, 3);
		e.why = st_col_text(st, 4);
		if ((r2 = ev(&e, arg)) != 0)
			break;
	}
	if ((r2 = st_rows_end(s, st, rc, r2, "request history")) != 0)
		return r2;
	return 1;
}

int
store_foreach_request(struct store *s, const struct store_request_filter *f,
    int (*cb)(const struct store_request *, void *), void *arg)
{
	sqlite3_stmt		*st;
	struct store_request	 r;
	int			 rc, r2 = 0;

	if ((st = st_sql(s, sql_req_list)) == NULL)
		return -1;
	sqlite3_bind_int(st, 1, (int)f->state);
	if (f->addr != NULL)
		sqlite3_bind_blob(st, 2, f->addr->a, ADDR_LEN,
		    SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 2);
	st_bind_text(st, 3, f->zone);
	sqlite3_bind_int64(st, 4, f->limit > 0 ? f->limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_request(st, &r);
		if ((r2 = cb(&r, arg)) != 0)
			break;
	}
	return st_rows_end(s, st, rc, r2, "requests");
}

/* What store_request_decide needs of the request, copied out. */
struct decide {
	int64_t			 id;
	char			 ref[STORE_REF_LEN + 1];
	char			*zone;
	struct addr_prefix	 addr;
	enum store_req_state	 state;
};

static int
copy_request(const struct store_request *r, void *arg)
{
	struct decide	*d = arg;

	d->id = r->id;
	str_lcpy(d->ref, r->ref != NULL ? r->ref : "", sizeof(d->ref));
	d->zone = xstrdup(r->zone != NULL ? r->zone : "");
	d->addr = r->addr;
	d->state = r->state;
	return 0;
}

/* Close every listing of the request's zone that still lists it. */
static int
approve_close(struct store *s, const struct decide *d, const char *why,
    int64_t now, const char *actor, int *closed)
{
	struct items	 it;
	char		 net[ADDR_TEXT_MAX], *w, *ev;
	size_t		 i;
	int		 rc = 0;

	memset(&it, 0, sizeof(it));
	it.zone = d->zone;
	if (store_foreach_covering(s, d->addr.a, 0, collect_item, &it) != 0) {
		items_free(&it);
		return -1;
	}
	xasprintf(&w, "removal request %s approved by %s%s%s", d->ref,
	    actor != NULL ? actor : "?", why != NULL ? ": " : "",
	    why != NULL ? why : "");
	for (i = 0; i < it.n && rc == 0; i++) {
		addr_format(&it.v[i].prefix, net, sizeof(net));
		rc = st_close_listing(s, it.v[i].id, it.v[i].zone, net, now,
		    actor, w);
		if (rc == 0) {
			xasprintf(&ev, "listing %lld (%s, source %s) removed",
			    (long long)it.v[i].id, net, it.v[i].source);
			rc = req_event(s, d->id, now, actor, "remove", ev);
			free(ev);
		}
	}
	*closed = (int)it.n;
	free(w);
	items_free(&it);
	return rc;
}

int
store_request_decide(struct store *s, const char *key, int approve,
    const char *why, const char *actor)
{
	struct decide	 d;
	char		 net[ADDR_TEXT_MAX], *detail = NULL;
	int64_t		 now = st_now();
	int		 own, rc, ok = 0, closed = 0;

	memset(&d, 0, sizeof(d));
	if (!approve && (why == NULL || str_is_blank(why, strlen(why)))) {
		st_seterr(s, "a denial needs a reason (--why)");
		return -1;
	}
	if (st_check_text(s, "why", why, STORE_REASON_MAX) == -1 ||
	    st_tx_begin(s, &own) == -1)
		return -1;
	if ((rc = store_request_get(s, key, 0, copy_request, NULL, &d)) != 1)
		goto out;
	if (d.state != STORE_REQ_OPEN) {
		st_seterr(s, "request %lld is %s already", (long long)d.id,
		    store_req_state_name(d.state));
		goto out;
	}
	if (approve && approve_close(s, &d, why, now, actor, &closed) == -1)
		goto out;
	if (req_event(s, d.id, now, actor, approve ? "approve" : "deny",
	    why) == -1 || req_set_state(s, d.id, approve ? STORE_REQ_APPROVED :
	    STORE_REQ_DENIED, now, actor, why) == -1)
		goto out;
	addr_format(&d.addr, net, sizeof(net));
	xasprintf(&detail, "request %lld (%s): %s in %s: %s%s%s", (long long)d.id,
	    d.ref, net, d.zone, approve ? "approved" : "denied",
	    why != NULL ? ": " : "", why != NULL ? why : "");
	if (st_audit(s, now, actor, approve ? "removal-approve" :
	    "removal-deny", detail) == -1)
		goto out;
	ok = 1;
out:
	free(d.zone);
	free(detail);
	if (st_tx_end(s, own, ok) == -1)
		return -1;
	return closed;
}

int
store_request_counts(struct store *s, int64_t n[STORE_REQ_REFUSED + 1])
{
	sqlite3_stmt	*st;
	int		 rc, state;

	memset(n, 0, sizeof(int64_t) * (STORE_REQ_REFUSED + 1));
	if ((st = st_sql(s, sql_req_counts)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		state = sqlite3_column_int(st, 0);
		if (state >= STORE_REQ_OPEN && state <= STORE_REQ_REFUSED)
			n[state] = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return st_dberr(s, "request counts");
	return 0;
}
