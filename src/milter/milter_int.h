/*
 * milter_int.h: what the files of src/milter/ share: the signing keys
 * (keys.c), the asynchronous SPF and DMARC checks (check.c) and the
 * worker pool (work.c).
 */
#ifndef FAIRLIST_MILTER_INT_H
#define FAIRLIST_MILTER_INT_H

#include <stddef.h>

#include "milter/milter.h"

/* One loaded key, shared by the keyrings that use it. */
struct milter_mkey {
	int		 refs;
	char		*domain;
	char		*selector;
	char		*path;
	struct dkim_key	*key;
};

/*
 * The keys of one configuration. A message in progress holds a reference
 * from its end of headers to its end, so a SIGHUP never frees a key that
 * a signer still borrows. Loop thread only.
 */
struct milter_keyring {
	int			 refs;
	int			 n;
	struct milter_mkey	*k[MILTER_KEYS_MAX];
};

/*
 * Load mc's keys. With prev NULL (startup) a key that cannot be read is
 * an error naming its file (NULL, OUT:err). With prev (SIGHUP) it keeps
 * prev's key of the same domain and selector, with a log line; a new key
 * that cannot be read is left out, logged. The result holds one
 * reference.
 */
struct milter_keyring	*milter_keyring_load(const struct milter_conf *mc,
			    const struct milter_keyring *prev, char *err,
			    size_t errlen);
void			 milter_keyring_hold(struct milter_keyring *kr);
void			 milter_keyring_drop(struct milter_keyring *kr);

/*
 * The keys for mail from domain (lower case): its own, or with
 * subdomains those of the nearest parent that has any. Up to max into
 * OUT:out; returns the count (0: none) and OUT:signdom, the d= domain.
 */
size_t	milter_keyring_find(const struct milter_keyring *kr,
	    const char *domain, int subdomains,
	    const struct milter_mkey **out, size_t max, const char **signdom);

struct dmarc;
struct dmarc_psl;
struct dns_evres;
struct spf;
struct spf_request;

/* One SPF or DMARC check in flight on the loop's resolver (check.c). */
struct milter_check;

/*
 * Start check_host() for req (copied) on res. done(arg) runs once when
 * the result is final, possibly before this returns. Returns NULL with
 * OUT:err when spf_new refuses req.
 */
struct milter_check	*milter_spf_start(struct dns_evres *res,
			    const struct spf_request *req,
			    void (*done)(void *arg), void *arg, char *err,
			    size_t errlen);
/*
 * Start DMARC policy discovery for domain (NULL: no usable From, done at
 * once) on res; psl must outlive the check. done(arg) as above.
 */
struct milter_check	*milter_dmarc_start(struct dns_evres *res,
			    const struct dmarc_psl *psl, const char *domain,
			    void (*done)(void *arg), void *arg);
/* 1 once done has run. */
int			 milter_check_done(const struct milter_check *k);
/* The machine, owned by k: results once done (NULL for the other kind). */
const struct spf	*milter_check_spf(const struct milter_check *k);
struct dmarc		*milter_check_dmarc(const struct milter_check *k);
/*
 * Free k; with a query out it is detached instead (done never runs) and
 * the answer frees it. NULL is a no-op.
 */
void			 milter_check_free(struct milter_check *k);

/*
 * The worker pool (work.c). A job is embedded in its owner's object;
 * run(job) runs on a worker thread (or at submit time with no workers),
 * then done(job) on the loop thread, once, never from within submit.
 * What run() touches belongs to the job until done(): an owner that no
 * longer wants the result detaches it and frees it in done().
 */
struct milter_job {
	void			(*run)(struct milter_job *);
	void			(*done)(struct milter_job *);
	struct milter_job	*next;		/* the pool's */
};

struct milter_pool;
struct event_base;

/* nworkers threads (0: jobs run on the loop); fatal if they cannot start. */
struct milter_pool	*milter_pool_new(struct event_base *base,
			    int nworkers);
void			 milter_pool_submit(struct milter_pool *p,
			    struct milter_job *j);
int			 milter_pool_workers(const struct milter_pool *p);
/*
 * Run what is queued, stop the threads and call done() for every job
 * not yet done (on the calling thread, the loop's). NULL is a no-op.
 */
void			 milter_pool_free(struct milter_pool *p);

#endif /* FAIRLIST_MILTER_INT_H */
