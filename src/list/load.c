/*
 * load.c: compile an index snapshot from the store.
 *
 * Reads every zone and every listing in force at time now
 * (store_foreach_active) into an index builder, then adds the RFC 5782
 * section 5 test points to every zone: 127.0.0.2 listed (reason
 * LIST_TEST_REASON) and 127.0.0.1 explicitly not listed. The test points
 * are added last, so they hold even if the store lists or excludes those
 * addresses. IPv4 is kept IPv4-mapped, so the IPv6 test points
 * ::ffff:7f00:2 and ::ffff:7f00:1 are the same keys. Logs and returns NULL
 * on failure; the caller keeps its previous snapshot.
 */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xmalloc.h"
#include "store/store.h"
#include "store/version.h"
#include "list/list.h"

struct load_ctx {
	struct index_builder	*b;
	char			*names[INDEX_ZONES_MAX];
	int			 nzones;
	int			 last;		/* zone of the previous row */
	size_t			 rows, skipped;
};

static int
load_zone(const struct store_zone *sz, void *arg)
{
	struct load_ctx		*c = arg;
	struct index_zone	 z;
	int			 n;

	memset(&z, 0, sizeof(z));
	z.name = sz->name;
	z.code = sz->code != 0 ? sz->code : STORE_DEFAULT_CODE;
	z.txt = sz->txt;
	z.url = sz->url;
	z.serial = sz->serial;
	if ((n = index_builder_zone(c->b, &z)) == -1) {
		log_warnx("index: more than %d zones, zone %s left out",
		    INDEX_ZONES_MAX, sz->name);
		return 0;
	}
	/* The store's strings are borrowed for this callback only. */
	c->names[n] = xstrdup(sz->name);
	c->nzones = n + 1;
	return 0;
}

static int
zone_number(struct load_ctx *c, const char *name)
{
	int	i;

	if (c->last >= 0 && strcmp(c->names[c->last], name) == 0)
		return c->last;
	for (i = 0; i < c->nzones; i++)
		if (strcmp(c->names[i], name) == 0)
			return c->last = i;
	return -1;
}

static int
load_listing(const struct store_listing *l, void *arg)
{
	struct load_ctx	*c = arg;
	int		 zone;

	c->rows++;
	if ((zone = zone_number(c, l->zone)) == -1) {
		c->skipped++;
		return 0;
	}
	if (index_builder_add(c->b, zone, &l->prefix, l->exclude, l->code,
	    l->reason, l->listed_at, l->expires_at) == -1)
		c->skipped++;
	return 0;
}

static void
load_ctx_free(struct load_ctx *c)
{
	int	i;

	for (i = 0; i < c->nzones; i++)
		free(c->names[i]);
}

/* RFC 5782 section 5: the test points, in every zone of c. */
static void
load_test_points(struct load_ctx *c)
{
	struct addr_prefix	p;
	int			i;

	memset(&p, 0, sizeof(p));
	p.plen = 128;
	p.family = 4;
	for (i = 0; i < c->nzones; i++) {
		addr_from_v4(p.a, 0x7f000002u);
		index_builder_add(c->b, i, &p, 0, 0, LIST_TEST_REASON, 0, 0);
		addr_from_v4(p.a, 0x7f000001u);
		index_builder_add(c->b, i, &p, 1, 0, NULL, 0, 0);
	}
}

struct index *
index_load_version(struct store *s, const char *zone, int64_t serial,
    int64_t *at)
{
	struct load_ctx	c;
	int		r;

	memset(&c, 0, sizeof(c));
	c.last = -1;
	c.b = index_builder_new();
	r = store_foreach_version(s, zone, serial, load_zone, load_listing,
	    &c, at);
	if (r != 0 || c.nzones != 1 || c.skipped > 0) {
		if (r == -1)
			log_warnx("index: zone %s at serial %lld: %s", zone,
			    (long long)serial, store_errmsg(s));
		index_builder_free(c.b);
		load_ctx_free(&c);
		return NULL;
	}
	load_test_points(&c);
	load_ctx_free(&c);
	return index_builder_finish(c.b);
}

struct index *
index_load(struct store *s, int64_t now)
{
	struct load_ctx		c;

	memset(&c, 0, sizeof(c));
	c.last = -1;
	c.b = index_builder_new();
	if (store_zone_foreach(s, load_zone, &c) != 0) {
		log_warnx("index: reading zones: %s", store_errmsg(s));
		index_builder_free(c.b);
		load_ctx_free(&c);
		return NULL;
	}
	if (store_foreach_active(s, now, load_listing, &c) != 0) {
		log_warnx("index: reading listings: %s", store_errmsg(s));
		index_builder_free(c.b);
		load_ctx_free(&c);
		return NULL;
	}
	if (c.skipped > 0)
		log_warnx("index: %zu of %zu listings left out (zone not "
		    "loaded)", c.skipped, c.rows);
	load_test_points(&c);
	log_debug("index: %zu listings in %d zones", c.rows, c.nzones);
	load_ctx_free(&c);
	return index_builder_finish(c.b);
}
