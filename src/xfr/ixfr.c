/*
 * ixfr.c: incremental zone transfer (RFC 1995): the difference between
 * two versions of a zone as records, and the versions kept to make it.
 *
 * A secondary asks IXFR with the serial it holds, which is one we
 * transferred to it. The zone as records (zone.c) is not a copy of the
 * listings: ranges become wildcards or expanded names, exclusions split
 * blocks, a template with $ip changes every name. So the difference is
 * taken between the records themselves: the zone built for that serial,
 * kept when it went out, and the current one. Both are in xfr_name_cmp
 * order, so one merge walk finds the names only one side has (their A
 * and TXT deleted or added) and the names both have whose A code or TXT
 * text changed (that record deleted and added). The walk stops as soon
 * as the difference passes the caller's limit: a difference as large as
 * the zone is sent as the whole zone (section 4 allows it).
 *
 * The history keeps, per zone name, the XFR_HISTORY_MAX versions used
 * last, each under its serial and a hash of the apex records: an IXFR
 * across a change of SOA timers or NS names finds no version and gets
 * the whole zone. It lives in memory; at startup the daemon puts in the
 * versions before the current one read back from the store's history
 * (xfr_history_put_old, store/version.h), so the first IXFR after a
 * restart is a difference too. A mutex guards it: the TCP loop and the
 * daemon's reload thread use it; zones are counted atomically.
 *
 * No I/O, no logging.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "core/xmalloc.h"
#include "dns/dns.h"
#include "list/list.h"
#include "dnsbl/dnsbl.h"
#include "xfr/xfr.h"
#include "xfr/xfr_int.h"

struct hent {
	char		 zone[INDEX_WIRE_MAX + 1];
	uint32_t	 serial;
	uint64_t	 apex;
	uint64_t	 used;		/* tick of the last get or put */
	struct xfr_zone	*z;
};

struct xfr_history {
	pthread_mutex_t	 mu;		/* the TCP loop and the reload thread */
	struct hent	*e;
	size_t		 n, cap;
	uint64_t	 tick;
};

int
xfr_name_cmp(const struct xfr_name *a, const struct xfr_name *b)
{
	int	c;

	if (a->v4 != b->v4)
		return a->v4 ? -1 : 1;
	if ((c = memcmp(a->a, b->a, ADDR_LEN)) != 0)
		return c;
	return (int)a->plen - (int)b->plen;
}

/* 1 if the zones' TXT templates, URL and default code are the same. */
static int
same_templates(const struct xfr_zone *a, const struct xfr_zone *b)
{
	const char	*at = a->z.txt != NULL ? a->z.txt : "";
	const char	*bt = b->z.txt != NULL ? b->z.txt : "";
	const char	*au = a->z.url != NULL ? a->z.url : "";
	const char	*bu = b->z.url != NULL ? b->z.url : "";

	return a->z.code == b->z.code && strcmp(at, bt) == 0 &&
	    strcmp(au, bu) == 0 && a->ip_free == b->ip_free;
}

/* 1 if the TXT records of the same owner in zones a and b are equal. */
static int
same_txt(const struct xfr_zone *a, const struct xfr_name *na,
    const struct xfr_zone *b, const struct xfr_name *nb, int tpl)
{
	const struct index_value	*va = &a->values[na->val];
	const struct index_value	*vb = &b->values[nb->val];
	char				 ta[DNSBL_TXT_MAX], tb[DNSBL_TXT_MAX];
	size_t				 la, lb;

	/* The same template and value expand alike: no need to. */
	if (tpl && va->code == vb->code && va->listed_at == vb->listed_at &&
	    va->expires_at == vb->expires_at &&
	    va->reason_len == vb->reason_len &&
	    strcmp(va->reason, vb->reason) == 0)
		return 1;
	la = xfr_name_txt(a, na, ta, sizeof(ta));
	lb = xfr_name_txt(b, nb, tb, sizeof(tb));
	return la == lb && memcmp(ta, tb, la) == 0;
}

static void
push(struct xfr_change **v, size_t *n, size_t *cap, size_t i,
    uint16_t type)
{
	if (*n == *cap) {
		*cap = *cap == 0 ? 256 : *cap * 2;
		*v = xreallocarray(*v, *cap, sizeof(**v));
	}
	(*v)[*n].i = (uint32_t)i;
	(*v)[*n].type = type;
	(*n)++;
}

int
xfr_zone_diff(const struct xfr_zone *old, const struct xfr_zone *new,
    size_t max, struct xfr_diff *d)
{
	const struct xfr_name	*a, *b;
	size_t			 i = 0, j = 0, dcap = 0, acap = 0;
	int			 c, tpl = same_templates(old, new);

	memset(d, 0, sizeof(*d));
	while (i < old->n || j < new->n) {
		a = i < old->n ? &old->names[i] : NULL;
		b = j < new->n ? &new->names[j] : NULL;
		/* The merge needs both in order; a zone out of it is ours. */
		if ((a != NULL && i > 0 && xfr_name_cmp(&old->names[i - 1],
		    a) >= 0) || (b != NULL && j > 0 &&
		    xfr_name_cmp(&new->names[j - 1], b) >= 0))
			goto fail;
		c = a == NULL ? 1 : b == NULL ? -1 : xfr_name_cmp(a, b);
		if (c < 0) {
			push(&d->del, &d->ndel, &dcap, i, DNS_T_A);
			push(&d->del, &d->ndel, &dcap, i, DNS_T_TXT);
			i++;
		} else if (c > 0) {
			push(&d->add, &d->nadd, &acap, j, DNS_T_A);
			push(&d->add, &d->nadd, &acap, j, DNS_T_TXT);
			j++;
		} else {
			if (xfr_name_code(old, a) != xfr_name_code(new, b)) {
				push(&d->del, &d->ndel, &dcap, i, DNS_T_A);
				push(&d->add, &d->nadd, &acap, j, DNS_T_A);
			}
			if (!same_txt(old, a, new, b, tpl)) {
				push(&d->del, &d->ndel, &dcap, i, DNS_T_TXT);
				push(&d->add, &d->nadd, &acap, j, DNS_T_TXT);
			}
			i++;
			j++;
		}
		if (d->ndel + d->nadd > max)
			goto fail;
	}
	return 0;
fail:
	xfr_diff_free(d);
	return -1;
}

void
xfr_diff_free(struct xfr_diff *d)
{
	free(d->del);
	free(d->add);
	memset(d, 0, sizeof(*d));
}

struct xfr_history *
xfr_history_new(void)
{
	struct xfr_history	*h = xcalloc(1, sizeof(*h));

	pthread_mutex_init(&h->mu, NULL);
	return h;
}

void
xfr_history_free(struct xfr_history *h)
{
	size_t	i;

	if (h == NULL)
		return;
	for (i = 0; i < h->n; i++)
		xfr_zone_free(h->e[i].z);
	free(h->e);
	pthread_mutex_destroy(&h->mu);
	free(h);
}

struct xfr_zone *
xfr_history_get(struct xfr_history *h, const char *zone, uint32_t serial,
    uint64_t apex)
{
	size_t	i;

	struct xfr_zone	*z = NULL;

	if (h == NULL)
		return NULL;
	pthread_mutex_lock(&h->mu);
	for (i = 0; i < h->n; i++)
		if (h->e[i].serial == serial && h->e[i].apex == apex &&
		    strcmp(h->e[i].zone, zone) == 0) {
			h->e[i].used = ++h->tick;
			z = xfr_zone_ref(h->e[i].z);
			break;
		}
	pthread_mutex_unlock(&h->mu);
	return z;
}

static void
history_put(struct xfr_history *h, struct xfr_zone *z, uint32_t serial,
    uint64_t apex, int older)
{
	const char	*zone = xfr_zone_name(z);
	size_t		 i, same = 0, lru = 0;
	int		 have = 0;

	for (i = 0; i < h->n; i++) {
		if (strcmp(h->e[i].zone, zone) != 0)
			continue;
		if (h->e[i].serial == serial && h->e[i].apex == apex) {
			/*
			 * Already kept: the newer build replaces it, but
			 * not by one read back from the store.
			 */
			if (older)
				return;
			xfr_zone_free(h->e[i].z);
			h->e[i].z = xfr_zone_ref(z);
			if (!older)
				h->e[i].used = ++h->tick;
			return;
		}
		if (!have || h->e[i].used < h->e[lru].used)
			lru = i;
		have = 1;
		same++;
	}
	if (same >= XFR_HISTORY_MAX && older)
		return;		/* the kept ones are all newer */
	if (same >= XFR_HISTORY_MAX) {
		/* The zone's least recently used version makes room. */
		xfr_zone_free(h->e[lru].z);
		h->e[lru] = h->e[--h->n];
	}
	if (h->n == h->cap) {
		h->cap = h->cap == 0 ? 8 : h->cap * 2;
		h->e = xreallocarray(h->e, h->cap, sizeof(*h->e));
	}
	memset(&h->e[h->n], 0, sizeof(h->e[h->n]));
	str_lcpy(h->e[h->n].zone, zone, sizeof(h->e[h->n].zone));
	h->e[h->n].serial = serial;
	h->e[h->n].apex = apex;
	/* An older version read back from the store is used least. */
	h->e[h->n].used = older ? 0 : ++h->tick;
	h->e[h->n].z = xfr_zone_ref(z);
	h->n++;
}

void
xfr_history_put(struct xfr_history *h, struct xfr_zone *z, uint32_t serial,
    uint64_t apex)
{
	if (h == NULL)
		return;
	pthread_mutex_lock(&h->mu);
	history_put(h, z, serial, apex, 0);
	pthread_mutex_unlock(&h->mu);
}

void
xfr_history_put_old(struct xfr_history *h, struct xfr_zone *z,
    uint32_t serial, uint64_t apex)
{
	if (h == NULL)
		return;
	pthread_mutex_lock(&h->mu);
	history_put(h, z, serial, apex, 1);
	pthread_mutex_unlock(&h->mu);
}

size_t
xfr_history_count(struct xfr_history *h)
{
	size_t	n;

	if (h == NULL)
		return 0;
	pthread_mutex_lock(&h->mu);
	n = h->n;
	pthread_mutex_unlock(&h->mu);
	return n;
}
