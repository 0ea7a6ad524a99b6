/*
 * policy_int.h: the engine's private parts, shared by engine.c (the
 * evaluations), cache.c (the answer cache), probe.c (the list health
 * probes) and confirm.c (confirm_check's SPF). Not for use outside
 * src/policy/ and its unit tests.
 */
#ifndef FAIRLIST_POLICY_INT_H
#define FAIRLIST_POLICY_INT_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include <event2/event_struct.h>

#include "dns/evres.h"
#include "dns/resolver.h"
#include "policy/policy.h"

#define CACHE_BUCKETS	65536		/* power of two */
#define CACHE_MAX	100000		/* entries, in flight included */
#define SWEEP_S		60		/* expired-entry sweep period */
#define ERROR_LOG_S	3600		/* error answers: one log per list */
#define QNAME_MAX	(64 + POLICY_ZONE_MAX + 2)
#define DNAME_MAX	253		/* a domain name in text, no final dot
					   (RFC 1035 section 2.3.4: 255
					   octets on the wire) */
#define PROBE_PREFIX	10		/* strlen("2.0.0.127.") */

/*
 * The resolver seam: when query is set, the engine asks it instead of
 * c-ares (servers is the list's server list, NULL for the system's), so
 * unit tests answer from an in-memory zone. cb runs exactly once, now or
 * later from the event loop; pkt is valid during the call only. The
 * engine calls cancel (if set) from policy_engine_free: every query
 * still held must then get its callback (as c-ares gives TEMPFAIL).
 */
struct policy_dns {
	void	*ctx;
	void	(*query)(void *ctx, const char *servers, const char *name,
		    uint16_t type, void (*cb)(void *arg,
		    enum dns_resolver_status st, const uint8_t *pkt,
		    size_t len), void *arg);
	void	(*cancel)(void *ctx);
};

/*
 * Engines created after this call use d (copied; NULL: c-ares again).
 * For tests, as Postfix's mock_dns_lookup.
 */
void	policy_engine_dns_hook(const struct policy_dns *d);

enum ce_kind { CE_DNSBL, CE_SPF, CE_SPF_HELO };
enum ce_status { CE_ANSWER, CE_EMPTY, CE_TEMPFAIL };

struct policy_eval;
struct resolver;

struct waiter {
	TAILQ_ENTRY(waiter)	 link;
	struct policy_eval	*ev;
	struct centry		*ce;		/* NULL: not waiting */
};

/* A cached answer, or a query in flight with its waiters. */
struct centry {
	struct centry		*hnext;
	TAILQ_ENTRY(centry)	 age;		/* answered entries */
	TAILQ_HEAD(, waiter)	 waiters;
	struct policy_engine	*e;
	struct resolver		*r;		/* NULL for SPF results */
	uint32_t		 hash;
	enum ce_kind		 kind;
	int			 inflight;
	int			 busy;		/* its waiters being served */
	int64_t			 expires;	/* monotonic seconds */
	enum ce_status		 status;
	uint32_t		 codes[POLICY_CODES_MAX];
	int			 ncodes;
	enum spf_result		 spf;
	char			*spf_exp;
	char			*spf_hdr;
	size_t			 keylen;
	char			 key[];
};

/* One resolver per distinct server list. */
struct resolver {
	const char		*servers;	/* NULL: system */
	struct dns_evres	*dr;		/* NULL under a test seam */
	struct policy_engine	*e;
	int			 probing;	/* lists of this round out */
	int			 probe_now;	/* starting a round */
	int			 down;		/* answered no probe */
};

/* One probe of a list: which test point, and its outcome. */
struct probe {
	struct zlist		*zl;
	int			 point;		/* 2 or 1 */
};

/* A distinct (zone, resolver): what is queried, probed and cached. */
struct zlist {
	struct policy_engine	*e;
	const char		*zone;
	struct resolver		*r;
	int			 dead;
	int			 probing;	/* probes out */
	int			 probe_ok;
	int			 probe_tempfail; /* probes unanswered */
	char			 probe_why[128];
	struct probe		 pr[2];
	int64_t			 err_logged;	/* monotonic s, 0 never */
	int			 long_logged;	/* a name too long, logged */
	int			 noprobe;	/* no test point fits */
};

struct spf_job {
	struct policy_engine	*e;
	struct policy_eval	*ev;		/* NULL: detached */
	struct spf		*s;
	enum ce_kind		 kind;
	int			 inq, answered;
	char			*key;
	size_t			 keylen;
};

struct policy_eval {
	TAILQ_ENTRY(policy_eval) link;
	struct policy_engine	*e;
	void			(*done)(void *, const struct policy_facts *,
				    const struct policy_verdict *);
	void			*arg;
	int			 heap;
	int			 armed;
	int			 setup;		/* inside policy_evaluate */
	int			 outstanding;
	int64_t			 t0_us;		/* time_mono_us() */
	struct event		 deadline;
	struct spf_job		*spf[2];
	struct waiter		 w[POLICY_SITES_MAX];
	struct policy_facts	 f;
};

struct policy_engine {
	const struct policy_conf *pc;
	struct event_base	*base;
	struct resolver		 res[POLICY_SITES_MAX + 2];	/* the sites',
						   SPF's, confirm-check's */
	int			 nres;
	struct resolver		*spf_res;
	struct spf_resolver	 spf_dq;	/* spf's view of spf_res */
	struct spf_raw		 spf_raw;
	struct resolver		*confirm_res;	/* confirm_check's SPF, or
						   NULL (off) */
	struct spf_resolver	 confirm_dq;	/* spf's view of it */
	struct spf_raw		 confirm_raw;
	TAILQ_HEAD(, policy_confirm) confirms;	/* its checks, detached
						   ones included */
	struct zlist		 zl[POLICY_SITES_MAX];
	int			 nzl;
	int			 site_zl[POLICY_SITES_MAX];
	struct policy_dns	 dns;		/* seam; query NULL: c-ares */
	uint64_t		 seed;		/* of the cache's hash */
	struct centry		**buckets;
	size_t			 ncache;
	TAILQ_HEAD(, centry)	 aged;
	TAILQ_HEAD(, policy_eval) evals;
	struct event		*probe_timer;
	struct event		*sweep_timer;
	struct policy_stats	 st;
	int64_t			 warn_at;	/* last deadline warning */
	int			 warn_quiet;	/* suppressed since */
	int			 closing;
	int			 scratch_busy;
	struct policy_eval	 scratch;
};


/* engine.c */
/* The resolver for servers (NULL: the system's), made at the first need. */
struct resolver	*policy_resolver_get(struct policy_engine *e,
		    const char *servers, char *err, size_t errlen);
void	policy_res_query(struct resolver *r, const char *name, uint16_t type,
	    void (*cb)(void *arg, enum dns_resolver_status st,
	    const uint8_t *pkt, size_t len), void *arg);
/*
 * The A codes on the question's CNAME chain (at most POLICY_CODES_MAX)
 * and their smallest TTL; -1 if the answer does not parse.
 */
int	policy_parse_a(const uint8_t *pkt, size_t len, uint32_t *codes,
	    int *ncodes, uint32_t *ttl);

/*
 * cache.c: entries keyed by (kind, resolver, key), hashed with the
 * engine's seed (hash_seed(): peers choose the keys, HELO names and
 * domains among them, and must not be able to chain one bucket).
 */
uint32_t	 policy_cache_hash(const struct policy_engine *e,
		    enum ce_kind kind, const struct resolver *r,
		    const char *k, size_t n);
struct centry	*policy_cache_find(struct policy_engine *e, enum ce_kind kind,
		    const struct resolver *r, const char *k, size_t n,
		    uint32_t h);
/* A new entry in flight (the oldest answers go when full). */
struct centry	*policy_cache_add(struct policy_engine *e, enum ce_kind kind,
		    struct resolver *r, const char *k, size_t n, uint32_t h);
/* An entry in flight got its answer: keep it for ttl (clamped) s. */
void		 policy_cache_settle(struct policy_engine *e,
		    struct centry *ce, uint32_t ttl);
/* Take a settled entry out of the table without freeing it. */
void		 policy_cache_unlink(struct policy_engine *e,
		    struct centry *ce);
void		 policy_cache_entry_free(struct centry *ce);
/* Drop the answered entries expired at now (monotonic s). */
void		 policy_cache_expire(struct policy_engine *e, int64_t now);
/* Free every entry (policy_engine_free). */
void		 policy_cache_clear(struct policy_engine *e);

/* probe.c: a round of RFC 5782 section 5 probes on every resolver idle. */
void	policy_probe_all(struct policy_engine *e);

/*
 * confirm.c: the confirm resolver of a new engine (pc->confirm_check; 0
 * or -1 with OUT:err), and, from policy_engine_free before its
 * resolvers go, the detaching of every check still out.
 */
int	policy_confirm_init(struct policy_engine *e, char *err,
	    size_t errlen);
void	policy_confirm_detach_all(struct policy_engine *e);
/* After the resolvers are gone: free what no callback freed. */
void	policy_confirm_free_all(struct policy_engine *e);

#endif /* FAIRLIST_POLICY_INT_H */
