/*
 * cache.c: the engine's answer cache (policy_int.h).
 *
 * One chained hash table of CACHE_BUCKETS buckets holds DNSBL answers,
 * keyed by (query name, resolver), and SPF results, keyed by (client,
 * sender, HELO), with queries in flight among them. The key's hash is
 * SipHash (core/hash.h) under the engine's seed, a per-process random
 * value: the keys are names peers choose. Answered entries also sit on
 * an age list, oldest first, which the sweep and the size cap
 * (CACHE_MAX) walk. Times are monotonic seconds. Logs nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/time.h"
#include "core/xmalloc.h"
#include "policy/policy_int.h"

uint32_t
policy_cache_hash(const struct policy_engine *e, enum ce_kind kind,
    const struct resolver *r, const char *k, size_t n)
{
	/* The kind and resolver vary the key, not its secret. */
	uint64_t	seed = e->seed ^ ((uint64_t)kind << 56) ^
			    (uint64_t)(uintptr_t)r;

	return (uint32_t)hash_bytes(k, n, seed);
}

struct centry *
policy_cache_find(struct policy_engine *e, enum ce_kind kind,
    const struct resolver *r, const char *k, size_t n, uint32_t h)
{
	struct centry	*ce;

	for (ce = e->buckets[h & (CACHE_BUCKETS - 1)]; ce != NULL;
	    ce = ce->hnext)
		if (ce->hash == h && ce->kind == kind && ce->r == r &&
		    ce->keylen == n && memcmp(ce->key, k, n) == 0)
			return ce;
	return NULL;
}

void
policy_cache_entry_free(struct centry *ce)
{
	free(ce->spf_exp);
	free(ce->spf_hdr);
	free(ce);
}

void
policy_cache_unlink(struct policy_engine *e, struct centry *ce)
{
	struct centry	**pp;

	for (pp = &e->buckets[ce->hash & (CACHE_BUCKETS - 1)]; *pp != NULL;
	    pp = &(*pp)->hnext)
		if (*pp == ce) {
			*pp = ce->hnext;
			break;
		}
	if (!ce->inflight)
		TAILQ_REMOVE(&e->aged, ce, age);
	e->ncache--;
}

/* Remove ce from the table (and the age list if answered); free it. */
static void
cache_drop(struct policy_engine *e, struct centry *ce)
{
	policy_cache_unlink(e, ce);
	policy_cache_entry_free(ce);
}

struct centry *
policy_cache_add(struct policy_engine *e, enum ce_kind kind,
    struct resolver *r, const char *k, size_t n, uint32_t h)
{
	struct centry	*ce, *old;
	size_t		 b = h & (CACHE_BUCKETS - 1);

	/*
	 * Full: the oldest answers go first. Entries in flight stay, and so
	 * does one whose waiters are being served (a done callback may get
	 * here); the cap is then exceeded for a moment.
	 */
	while (e->ncache >= CACHE_MAX && (old = TAILQ_FIRST(&e->aged)) !=
	    NULL && !old->busy)
		cache_drop(e, old);
	ce = xcalloc(1, sizeof(*ce) + n + 1);
	memcpy(ce->key, k, n);
	ce->keylen = n;
	ce->hash = h;
	ce->kind = kind;
	ce->r = r;
	ce->e = e;
	ce->inflight = 1;
	TAILQ_INIT(&ce->waiters);
	ce->hnext = e->buckets[b];
	e->buckets[b] = ce;
	e->ncache++;
	return ce;
}

void
policy_cache_settle(struct policy_engine *e, struct centry *ce, uint32_t ttl)
{
	const struct policy_conf	*pc = e->pc;

	if (pc->ttl_min > 0 && ttl < (uint32_t)pc->ttl_min)
		ttl = (uint32_t)pc->ttl_min;
	if (pc->ttl_max > 0 && ttl > (uint32_t)pc->ttl_max)
		ttl = (uint32_t)pc->ttl_max;
	ce->expires = time_mono_ms() / 1000 + ttl;
	ce->inflight = 0;
	TAILQ_INSERT_TAIL(&e->aged, ce, age);
}

void
policy_cache_expire(struct policy_engine *e, int64_t now)
{
	struct centry	*ce, *next;

	for (ce = TAILQ_FIRST(&e->aged); ce != NULL; ce = next) {
		next = TAILQ_NEXT(ce, age);
		if (ce->expires <= now)
			cache_drop(e, ce);
	}
}

void
policy_cache_clear(struct policy_engine *e)
{
	struct centry	*ce;
	size_t		 b;

	for (b = 0; b < CACHE_BUCKETS; b++)
		while ((ce = e->buckets[b]) != NULL) {
			e->buckets[b] = ce->hnext;
			policy_cache_entry_free(ce);
		}
}
