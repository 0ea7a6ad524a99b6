/*
 * list.c: the trap receiver's listing decision (docs/FAIRNESS.md).
 *
 * One hit (a message a trap accepted) lists the connecting address:
 * spam in the spam zone, backscatter in the backscatter zone and never
 * the other. An address listed there already gets nothing new. A new
 * listing's expiry is first_expiry doubled for each earlier trap listing
 * of the same address in the same zone made within `forget`, capped at
 * max_expiry (fail2ban's bantime.increment); a listing ended by a
 * self-service removal is left to the store's cooldown, which lengthens
 * every listing after one (store/removal.h). Spam may escalate to the
 * address's range (range-v4 / range-v6) in range_zone alone, and only
 * when at least range_min distinct addresses of it were trap-listed in
 * the spam zone within range_window; its reason says it is a range
 * listing, from how many addresses, within what time.
 *
 * Every listing has source "trap" (self-service removal, store/removal.h)
 * and evidence: time, trap address, Message-ID, SHA-256 of the message,
 * class, rule, and which listing of the address this is. Peer text in the
 * evidence is escaped (str_escape), so store_add's text check never
 * refuses it. The store does the writing; this file only reads and adds.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/str.h"
#include "store/store.h"
#include "store/trap.h"
#include "traps/traps.h"

/* How store/removal.c words a self-service removal's why. */
#define SELF_SERVICE	"self-service removal"

int64_t
traps_expiry(int64_t first, int64_t max, int n)
{
	int64_t	e = first;

	while (n-- > 0 && e < max)
		e = e > max / 2 ? max : e * 2;
	return e < max ? e : max;
}

void
traps_sha256_hex(const void *p, size_t len, char hex[65])
{
	static const char	 digits[] = "0123456789abcdef";
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0, i;

	if (EVP_Digest(p, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32) {
		memset(hex, '0', 64);
		hex[64] = '\0';
		return;
	}
	for (i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
}

/* store_foreach_listing callbacks. */
struct count {
	int64_t		since;
	int		n;
};

static int
count_any(const struct store_listing *l, void *arg)
{
	struct count	*c = arg;

	(void)l;
	c->n++;
	return 0;
}

/*
 * An earlier listing counts unless it is older than since or ended by a
 * self-service removal: those the store's cooldown counts already
 * (store/removal.h), and one removal is not charged twice.
 */
static int
count_since(const struct store_listing *l, void *arg)
{
	struct count	*c = arg;

	if (l->listed_at >= c->since && (l->removed_why == NULL ||
	    strncmp(l->removed_why, SELF_SERVICE, strlen(SELF_SERVICE)) != 0))
		c->n++;
	return 0;
}

/* Listings in force in zone for exactly p: -1 on error. */
static int
in_force(struct store *st, const char *zone, const struct addr_prefix *p,
    int64_t now)
{
	struct store_filter	f;
	struct count		c = { 0, 0 };

	memset(&f, 0, sizeof(f));
	f.zone = zone;
	f.prefix = p;
	f.now = now;
	if (store_foreach_listing(st, &f, count_any, &c) < 0)
		return -1;
	return c.n;
}

/* Earlier trap listings in zone for exactly p since since: -1 on error. */
static int
earlier(struct store *st, const char *zone, const struct addr_prefix *p,
    int64_t now, int64_t since)
{
	struct store_filter	f;
	struct count		c = { since, 0 };

	memset(&f, 0, sizeof(f));
	f.zone = zone;
	f.prefix = p;
	f.source = TRAPS_SOURCE;
	f.all = 1;
	f.now = now;
	if (store_foreach_listing(st, &f, count_since, &c) < 0)
		return -1;
	return c.n;
}

static void
duration_text(int64_t s, char *dst, size_t n)
{
	if (s % 86400 == 0)
		snprintf(dst, n, "%lldd", (long long)(s / 86400));
	else if (s % 3600 == 0)
		snprintf(dst, n, "%lldh", (long long)(s / 3600));
	else
		snprintf(dst, n, "%llds", (long long)s);
}

static int
store_fail(struct store *st, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s", store_errmsg(st));
	return -1;
}

/* The range step, after a spam listing of h->peer. */
static int
list_range(struct store *st, const struct traps_conf *tc,
    const struct traps_hit *h, struct traps_outcome *o, char *err,
    size_t errlen)
{
	struct addr_prefix	 range = h->peer;
	struct store_listing	 l;
	uint8_t			 found[TRAPS_RANGE_MIN_MAX][ADDR_LEN];
	char			 reason[STORE_REASON_MAX], ev[STORE_EVIDENCE_MAX];
	char			 txt[ADDR_TEXT_MAX], win[32], exp[32];
	int			 n, i, nf;
	size_t			 off;
	int64_t			 id, life;

	range.plen = range.family == 4 ? (uint8_t)(96 + tc->range_v4) :
	    (uint8_t)tc->range_v6;
	addr_mask(range.a, range.plen);
	addr_format(&range, o->range, sizeof(o->range));
	if ((n = in_force(st, tc->range_zone, &range, h->at)) < 0)
		return store_fail(st, err, errlen);
	if (n > 0)
		return 0;
	if ((nf = store_trap_addresses(st, tc->zone, TRAPS_SOURCE, &range,
	    h->at - tc->range_window, found, tc->range_min)) < 0)
		return store_fail(st, err, errlen);
	o->range_count = nf;
	if (nf < tc->range_min)
		return 0;
	if ((n = earlier(st, tc->range_zone, &range, h->at,
	    h->at - tc->forget)) < 0)
		return store_fail(st, err, errlen);
	life = traps_expiry(tc->first_expiry, tc->max_expiry, n);
	duration_text(tc->range_window, win, sizeof(win));
	duration_text(life, exp, sizeof(exp));
	snprintf(reason, sizeof(reason), "range listing: spam trap hits from "
	    "%d addresses of %s within %s (the range, not one address)",
	    nf, o->range, win);
	off = (size_t)snprintf(ev, sizeof(ev), "range %s: %d distinct "
	    "addresses trap-listed in %s within %s; listing %d of the range, "
	    "expiry %s; addresses:", o->range, nf, tc->zone, win, n + 1, exp);
	for (i = 0; i < nf && off < sizeof(ev) - ADDR_TEXT_MAX - 8; i++) {
		addr_ntop(found[i], range.family, txt, sizeof(txt));
		off += (size_t)snprintf(ev + off, sizeof(ev) - off, " %s",
		    txt);
	}
	memset(&l, 0, sizeof(l));
	l.zone = tc->range_zone;
	l.prefix = range;
	l.reason = reason;
	l.evidence = ev;
	l.source = TRAPS_SOURCE;
	l.listed_at = h->at;
	l.expires_at = h->at + life;
	if ((id = store_add(st, &l, TRAPS_ACTOR)) < 0)
		return store_fail(st, err, errlen);
	o->range_id = id;
	return 0;
}

int
traps_list(struct store *st, const struct traps_conf *tc,
    const struct traps_hit *h, struct traps_outcome *o, char *err,
    size_t errlen)
{
	const struct traps_verdict	*v = h->v;
	struct store_listing		 l;
	char				 reason[STORE_REASON_MAX];
	char				 ev[STORE_EVIDENCE_MAX], when[32];
	char				 trap[TRAPS_PATH_MAX * 4 + 1];
	char				 msgid[TRAPS_MSGID_MAX * 4 + 1];
	char				 peer[ADDR_TEXT_MAX], exp[32];
	int				 n;
	int64_t				 id, life;

	memset(o, 0, sizeof(*o));
	o->zone = v->cls == TRAPS_SPAM ? tc->zone : tc->backscatter_zone;
	if ((n = in_force(st, o->zone, &h->peer, h->at)) < 0)
		return store_fail(st, err, errlen);
	if (n > 0) {
		o->already = 1;
		return 0;
	}
	if ((n = earlier(st, o->zone, &h->peer, h->at,
	    h->at - tc->forget)) < 0)
		return store_fail(st, err, errlen);
	o->relistings = n;
	life = traps_expiry(tc->first_expiry, tc->max_expiry, n);
	o->expires_at = h->at + life;
	str_isotime(when, sizeof(when), h->at);
	str_escape(trap, sizeof(trap), h->trap, strlen(h->trap));
	str_escape(msgid, sizeof(msgid), h->msgid, strlen(h->msgid));
	addr_format(&h->peer, peer, sizeof(peer));
	duration_text(life, exp, sizeof(exp));
	if (v->cls == TRAPS_SPAM)
		snprintf(reason, sizeof(reason), "spam trap hit: mail to a "
		    "trap address (rule %s)", v->rule);
	else
		snprintf(reason, sizeof(reason), "backscatter: a bounce, "
		    "auto-reply or confirmation sent to a trap address "
		    "(rule %s); not spam", v->rule);
	snprintf(ev, sizeof(ev), "at=%s peer=%s trap=%s message-id=%s "
	    "sha256=%s class=%s rule=%s listing=%d expiry=%s", when, peer,
	    trap, msgid[0] != '\0' ? msgid : "none", h->sha256,
	    traps_class_name(v->cls), v->rule, n + 1, exp);
	memset(&l, 0, sizeof(l));
	l.zone = o->zone;
	l.prefix = h->peer;
	l.reason = reason;
	l.evidence = ev;
	l.source = TRAPS_SOURCE;
	l.listed_at = h->at;
	l.expires_at = o->expires_at;
	if ((id = store_add(st, &l, TRAPS_ACTOR)) < 0)
		return store_fail(st, err, errlen);
	o->id = id;
	if (v->cls == TRAPS_SPAM && tc->range_zone != NULL &&
	    tc->range_min > 0)
		return list_range(st, tc, h, o, err, errlen);
	return 0;
}
