/*
 * confirm.h: confirm-check (issue 12, part 3): may a confirmation, a
 * welcome or an auto-reply be sent to the requester of a subscription or
 * of a message, without it being backscatter to a forged address?
 *
 * Yes when the address is authenticated for the request (SPF passed for
 * it, RFC 7208, or a DKIM signature aligned with its domain passed, as
 * the caller saw) and the sends to that address and to its domain within
 * the window stay below the limits of the confirm { } block. The counts
 * live in the store (store/confirm.h), so every caller shares them: the
 * CLI, POST /api/v1/confirm-check and the policy listener
 * (docs/SENDER-CARE.md).
 *
 * confirm_decide does no DNS: the caller evaluates SPF (spf/spf.h, by
 * spf_check_sync or on its own loop) and gives the result.
 */
#ifndef FAIRLIST_CONFIRM_H
#define FAIRLIST_CONFIRM_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "spf/spf.h"

struct conf;
struct conf_node;
struct dmarc_psl;
struct store;

#define CONFIRM_PER_ADDRESS_DEFAULT	3	/* sends per address ... */
#define CONFIRM_PER_DOMAIN_DEFAULT	100	/* ... and per domain ... */
#define CONFIRM_WINDOW_DEFAULT		86400	/* ... per this many s */
#define CONFIRM_WINDOW_MAX		(90 * 86400)
#define CONFIRM_LIMIT_MAX		1000000
#define CONFIRM_ADDR_MAX		320	/* bytes of MAIL FROM kept */
#define CONFIRM_REASON_MAX		1024	/* bytes of the reason text */

#define CONFIRM_RESOLVER_MAX		512	/* bytes of resolver */

/* The confirm { } block (docs/CONFIG.md). */
struct confirm_conf {
	int	per_address;	/* 0: no limit */
	int	per_domain;	/* 0: no limit */
	int64_t	window;		/* seconds */
	char	resolver[CONFIRM_RESOLVER_MAX];	/* SPF's DNS servers,
						   "": the system's */
};

/*
 * Read the confirm { } block node of cf (NULL: the defaults) into
 * OUT:cc. Strict: an unknown key or a bad value returns -1 with
 * "FILE:LINE: confirm: why" in OUT:err.
 */
int	confirm_conf_read(const struct conf *cf, const struct conf_node *node,
	    struct confirm_conf *cc, char *err, size_t errlen);

enum confirm_verdict {
	CONFIRM_SEND,		/* exit 0 */
	CONFIRM_REFUSE		/* exit 1 */
};

/* Why; confirm_reason_name gives the JSON "reason" code. */
enum confirm_reason {
	CONFIRM_R_SPF_PASS,	/* send: SPF passed */
	CONFIRM_R_DKIM_PASS,	/* send: an aligned DKIM pass */
	CONFIRM_R_NULL_SENDER,	/* refuse: MAIL FROM <> (a bounce) */
	CONFIRM_R_BAD_ADDRESS,	/* refuse: no domain, too long, ... */
	CONFIRM_R_SPF,		/* refuse: SPF not pass, no DKIM */
	CONFIRM_R_TEMPERROR,	/* refuse: SPF temperror, try later */
	CONFIRM_R_RATE_ADDRESS,	/* refuse: per-address limit */
	CONFIRM_R_RATE_DOMAIN	/* refuse: per-domain limit */
};

struct confirm_result {
	enum confirm_verdict	verdict;
	enum confirm_reason	reason;
	enum spf_result		spf;
	char			address[CONFIRM_ADDR_MAX + 1];	/* lower */
	char			domain[CONFIRM_ADDR_MAX + 1];	/* lower */
	char			dkim_domain[CONFIRM_ADDR_MAX + 1]; /* or "" */
	int			dkim_aligned;
	int64_t			sent_address;	/* in the window, this one
						   included when sent */
	int64_t			sent_domain;
	int			counted;	/* a row was recorded */
	char			text[CONFIRM_REASON_MAX];	/* a person's */
};

/*
 * Untrusted input: mail_from (the requester's address, MAIL FROM
 * without the brackets; "" for a bounce) is split at its last '@' and
 * lower-cased into OUT:r->address and r->domain. 0, or -1 with
 * r->reason CONFIRM_R_NULL_SENDER or CONFIRM_R_BAD_ADDRESS and r->text.
 */
int	confirm_address(const char *mail_from, struct confirm_result *r);

/*
 * Decide for mail_from given the SPF result spf of the request and
 * dkim_domain (NULL or "": no DKIM pass; else the d= of a signature that
 * passed on the request). DKIM counts when d= is the address's domain or
 * shares its organizational domain (psl; NULL: only the same domain,
 * strict alignment, RFC 7489 section 3.1.1). When authenticated, the
 * limits of cc are taken in st at now (a send is recorded; no store: no
 * limits, counted 0). Fills OUT:r. Returns 0, or -1 for a store error
 * (its message in OUT:err, the caller answers "error", exit 2).
 */
int	confirm_decide(const struct confirm_conf *cc, struct store *st,
	    const struct dmarc_psl *psl, const char *mail_from,
	    enum spf_result spf, const char *dkim_domain, int64_t now,
	    struct confirm_result *r, char *err, size_t errlen);

/* "spf-pass", "dkim-pass", "null-sender", ... */
const char	*confirm_reason_name(enum confirm_reason r);
/* "send" or "refuse". */
const char	*confirm_verdict_name(enum confirm_verdict v);

/*
 * The answer as a new JSON object: verdict, send (boolean), reason,
 * explanation, address, domain, spf, dkim_domain (null), dkim_aligned,
 * sent_address, sent_domain, limits {per_address, per_domain, window}.
 * The CLI's --json, the HTTP endpoint and the tests share it.
 */
json_t	*confirm_result_json(const struct confirm_conf *cc,
	    const struct confirm_result *r);

#endif /* FAIRLIST_CONFIRM_H */
