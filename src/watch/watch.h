/*
 * watch.h: the alarm for our own addresses on other people's lists
 * (docs/SENDER-CARE.md, "watch").
 *
 *   conf.c      the `watch { }` block: targets (addresses, domains), the
 *               lists (presets, dnsbl, rhsbl), schedule, webhook
 *   classify.c  one DNSBL answer into listed / refused / broken /
 *               no answer / not listed, and the transitions between them
 *   event.c     a transition as the webhook's JSON body, and the URL of
 *               a list's removal page for a target
 *   hook.c      the webhook's URL, request, answer status line and host
 *               addresses, as bytes
 *   post.c      the glue: one webhook POST on a libevent loop (name on
 *               the daemon's c-ares, TCP, TLS with OpenSSL, the answer)
 *
 * Pure code but post.c: no I/O. The daemon's service (daemon/watch_svc.c)
 * and `fairlist watch check` (cli/cmd_watch.c) ask the questions through
 * c-ares and keep the state in the store (store/watch.h). An error
 * answer (a list refusing the resolver, a wildcard, a timeout) is never
 * a listing.
 */
#ifndef FAIRLIST_WATCH_H
#define FAIRLIST_WATCH_H

#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "dns/resolver.h"
#include "policy/policy.h"

struct conf;
struct conf_node;
struct event_base;
struct json_t;
struct sbuf;
struct ssl_ctx_st;

/* Limits. */
#define WATCH_TARGETS_MAX	64	/* addresses and domains */
#define WATCH_LISTS_MAX		64	/* lists, presets expanded */
#define WATCH_TARGET_MAX	254	/* bytes of a target's text, NUL */
#define WATCH_URL_MAX		1024	/* bytes of the webhook URL */
#define WATCH_TEXT_MAX		256	/* bytes of a TXT reason we keep */
#define WATCH_MEANING_MAX	320	/* bytes of a code's meaning */
#define WATCH_QNAME_MAX		256	/* bytes of a query name, NUL */

/* Defaults (docs/CONFIG.md). */
#define WATCH_INTERVAL_S	900	/* 15m between rounds */
#define WATCH_INTERVAL_MIN_S	1
#define WATCH_INTERVAL_MAX_S	(7 * 86400)
#define WATCH_TIMEOUT_MS	3000	/* one query's budget, both tries */
#define WATCH_TIMEOUT_MIN_MS	10
#define WATCH_TIMEOUT_MAX_MS	60000
#define WATCH_HOOK_TRIES	6	/* webhook attempts in all */
#define WATCH_HOOK_TRIES_MAX	20
#define WATCH_HOOK_BACKOFF_S	10	/* first retry; doubles */
#define WATCH_HOOK_BACKOFF_MAX_S 3600	/* a retry waits at most this */
#define WATCH_HOOK_TIMEOUT_S	10	/* each of connect, TLS handshake,
					   answer */
#define WATCH_HOOK_ANSWER_MAX	8192	/* bytes read for the status line */
#define WATCH_HOOK_ADDRS_MAX	4	/* addresses tried per POST */
#define WATCH_PATH_MAX		4096	/* bytes of the webhook-ca path */

/* What a list is asked about. */
enum watch_kind {
	WATCH_IP = 1,		/* reversed address (RFC 5782 2.1, 2.4) */
	WATCH_DOMAIN		/* the name itself (RFC 5782 2.3) */
};

struct watch_list {
	char				 zone[POLICY_ZONE_MAX];
	enum watch_kind			 kind;
	const struct policy_preset	*preset;	/* or NULL; static */
	char				*server;	/* DNS servers for it
							   (resolver syntax),
							   NULL: the block's */
	char				*url;		/* removal page
							   template ($ip), or
							   NULL */
};

struct watch_target {
	char			 text[WATCH_TARGET_MAX];	/* canonical */
	enum watch_kind		 kind;
	uint8_t			 a[ADDR_LEN];		/* WATCH_IP */
};

struct watch_conf {
	int			 on;		/* a watch { } block exists */
	struct watch_target	 targets[WATCH_TARGETS_MAX];
	int			 ntargets;
	struct watch_list	 lists[WATCH_LISTS_MAX];
	int			 nlists;
	int			 interval_s;
	char			*resolver;	/* NULL: /etc/resolv.conf */
	int			 timeout_ms;	/* one query, both tries: the
						   resolver's try is a third
						   (c-ares doubles the second) */
	char			*webhook;	/* http:// or https:// URL, or
						   NULL */
	char			*webhook_ca;	/* CA file for https, NULL: the
						   system's store */
	int			 hook_tries;
	int			 hook_backoff_s;
	int			 hook_timeout_s;
};

/*
 * Read the watch block node of cf (NULL: no block; on 0) into OUT:wc,
 * strictly: an unknown key, a bad value, a repeated single key or a list
 * given twice is "file:line: why" in OUT:err and -1 (wc is then empty).
 * A block needs at least one target and one list for its kind. The
 * webhook is an http:// or https:// URL (watch_url_split); webhook-ca
 * needs an https:// one. The CA file is not read here (no I/O): the
 * daemon reads it before its first https POST. Strings are owned by wc;
 * free with watch_conf_free.
 */
int	watch_conf_read(const struct conf *cf, const struct conf_node *node,
	    struct watch_conf *wc, char *err, size_t errlen);
void	watch_conf_free(struct watch_conf *wc);


/*
 * The query name of target t on list l into OUT:dst (WATCH_QNAME_MAX):
 * reversed address or domain, then the zone. Returns 0, or -1 when it
 * would be longer than a DNS name (253 bytes) or the kinds differ.
 */
int	watch_qname(const struct watch_target *t, const struct watch_list *l,
	    char *dst, size_t dstsize);

/* ------------------------------------------------------------------ */
/* classify.c                                                          */
/* ------------------------------------------------------------------ */

/* States, as the store keeps them (their names). */
enum watch_state {
	WATCH_UNKNOWN = 0,	/* never checked */
	WATCH_NOT_LISTED,	/* NXDOMAIN or no A record */
	WATCH_LISTED,		/* a code in 127.0.0.0/8 that is a listing */
	WATCH_REFUSED,		/* 127.255.255.x: the list refuses the
				   resolver (open resolver, rate, zone typo) */
	WATCH_BROKEN,		/* 127.0.0.1 or outside 127/8: a wildcard,
				   an expired or parked list domain */
	WATCH_NO_ANSWER,	/* timeout, SERVFAIL, REFUSED, bad packet */
	WATCH_NSTATES
};

/* "unknown", "not-listed", "listed", "refused", "broken", "no-answer". */
const char	*watch_state_name(enum watch_state s);
/* The state named text, or -1. */
int		 watch_state_parse(const char *text);

#define WATCH_CODES_MAX	8	/* A records read from one answer */

struct watch_result {
	enum watch_state	 state;
	uint32_t		 code;		/* the deciding A code, 0: none */
	char			 meaning[WATCH_MEANING_MAX];
};

/*
 * Untrusted input: classify the answer to an A query for a target on
 * list l: st from the resolver and, for DNS_RES_OK, the raw packet
 * (len bytes). The first A code on the question's chain that is a
 * listing (policy_code_is_error says no) decides LISTED, with its
 * meaning from the preset's labels (a preset's filters name the part of
 * the list, "Spamhaus XBL") or "listed on ZONE (CODE)"; failing that an
 * error code decides REFUSED or BROKEN; no A record is NOT_LISTED; a
 * packet the answer reader refuses is NO_ANSWER. Fills OUT:r.
 */
void	watch_classify(const struct watch_list *l, enum dns_resolver_status st,
	    const uint8_t *pkt, size_t len, struct watch_result *r);

/*
 * Untrusted input: the first TXT record of an answer on the question's
 * chain, escaped (str_escape) and cut to WATCH_TEXT_MAX bytes, into
 * OUT:dst; "" when none. Returns dst.
 */
char	*watch_txt(const uint8_t *pkt, size_t len, char *dst, size_t dstsize);

/*
 * Whether a check that found new (code newcode) after old (oldcode) is
 * a transition: 0 no (same state, and for LISTED the same code), 1 yes,
 * stored but not alerted (the first check of a pair that is not listed),
 * 2 yes, stored and alerted.
 */
int	watch_transition(enum watch_state old, uint32_t oldcode,
	    enum watch_state new, uint32_t newcode);

/* ------------------------------------------------------------------ */
/* event.c                                                             */
/* ------------------------------------------------------------------ */

/* One stored transition, as the webhook and the CLI show it. */
struct watch_event {
	int64_t		 id;
	int64_t		 at;		/* seconds since the epoch */
	const char	*target, *list;
	const char	*old, *new;	/* state names */
	const char	*code;		/* "127.0.0.2" or NULL */
	const char	*text;		/* meaning and TXT, or NULL */
	const char	*removal_url;	/* or NULL */
};

/*
 * The removal page of list l for target (the preset's or the list's url
 * template with $ip replaced, TXT-safe) into OUT:dst; "" when the list
 * has none. Returns dst.
 */
char	*watch_removal_url(const struct watch_list *l, const char *target,
	    char *dst, size_t dstsize);

/*
 * The webhook's body: {"event":"watch.transition","id":..,"at":ISO,
 * "target","list","old","new","code","text","removal_url","listed"
 * (bool)}, a new object the caller frees (docs/SENDER-CARE.md).
 */
struct json_t	*watch_event_json(const struct watch_event *e);

/* ------------------------------------------------------------------ */
/* round.c: one round of checks, I/O through the caller's query hook   */
/* ------------------------------------------------------------------ */

/* The result of one (target, list) check. */
struct watch_check {
	const struct watch_target	*t;
	const struct watch_list		*l;
	struct watch_result		 r;
	char				 txt[4 * WATCH_TEXT_MAX + 1];
};

/*
 * The caller's resolver: ask (name, type) for list number li of the
 * round's configuration (so the glue picks the list's servers); cb runs
 * exactly once, possibly before the hook returns, with the resolver's
 * status and the raw answer (valid only during the call).
 */
typedef void	(*watch_query_fn)(void *qarg, int li, const char *name,
		    uint16_t type, void (*cb)(void *arg,
		    enum dns_resolver_status st, const uint8_t *pkt,
		    size_t len), void *arg);

struct watch_round;

/*
 * Start a round over every (target, list) pair of wc whose kinds agree:
 * an A query each; a LISTED answer is followed by a TXT query for the
 * reason. each(arg, c) runs once per pair as its answer is complete (c
 * valid during the call), then done(arg) once, after the last; both may
 * run before this returns. wc must outlive the round. done must not free
 * the round: free it with watch_round_free once done has run.
 */
struct watch_round	*watch_round_start(const struct watch_conf *wc,
			    watch_query_fn q, void *qarg,
			    void (*each)(void *arg, const struct watch_check *c),
			    void (*done)(void *arg), void *arg);

/*
 * Stop reporting: each and done are not called again. The queries still
 * out must call back before the round is freed, so: cancel, free the
 * resolver (its queries call back with TEMPFAIL), then free the round.
 * watch_round_free(NULL) is a no-op.
 */
void	watch_round_cancel(struct watch_round *r);
void	watch_round_free(struct watch_round *r);

/* 1 once every query of the round has called back. */
int	watch_round_over(const struct watch_round *r);

/* ------------------------------------------------------------------ */
/* hook.c: the webhook's exchange as bytes                             */
/* ------------------------------------------------------------------ */

/* A webhook URL split for the client. */
struct watch_url {
	char		 host[256];	/* a DNS name (lower case, no final
					   dot) or an address, no brackets */
	int		 port;		/* default 80, or 443 for https */
	int		 tls;		/* https:// */
	int		 literal;	/* 4 or 6: host is an address */
	const char	*path;		/* path and query, "/" when none;
					   into the URL */
};

/*
 * Split url (RFC 3986 section 3) into OUT:u, whose path points into url.
 * Returns 0, or -1 with a static message in *OUT:why: not http:// or
 * https://, no host, a host that is neither a DNS name nor an address
 * (IPv6 in brackets), a bad port, a control byte or a space, user info.
 */
int	watch_url_split(const char *url, struct watch_url *u, const char **why);

/*
 * Append to b the POST of body (len bytes, JSON) to u: HTTP/1.1, Host
 * (with the port unless the scheme's default), Content-Type
 * application/json, Content-Length, User-Agent, Connection: close.
 */
void	watch_hook_request(struct sbuf *b, const struct watch_url *u,
	    const char *body, size_t len);

/*
 * Untrusted input (RFC 9112 section 4, RFC 9110 section 15.2): the final
 * status code of an answer whose first len bytes are p, interim 1xx
 * answers skipped. Returns 1 with OUT:code (200..599), 0 when more bytes
 * are needed (no complete final status line yet, fewer than
 * WATCH_HOOK_ANSWER_MAX bytes), or -1 with a static message in *OUT:why.
 * Only the first WATCH_HOOK_ANSWER_MAX bytes are looked at.
 */
int	watch_hook_status(const uint8_t *p, size_t len, int *code,
	    const char **why);

/*
 * Untrusted input: the addresses of the type (DNS_T_A or DNS_T_AAAA)
 * records on the question's chain of the answer pkt (len bytes), at most
 * max, into OUT:a (IPv4 mapped, core/addr.h). Returns their count; 0 for
 * a packet the answer reader refuses or a question of another type.
 */
int	watch_hook_addrs(const uint8_t *pkt, size_t len, uint16_t type,
	    uint8_t (*a)[ADDR_LEN], int max);

/* ------------------------------------------------------------------ */
/* post.c: one webhook POST on a libevent loop (glue)                  */
/* ------------------------------------------------------------------ */

/*
 * The TLS client context for https webhooks: TLS 1.2 or later, the peer's
 * chain verified against cafile (PEM, one or more CA certificates) or,
 * when NULL, OpenSSL's default store (Debian: /etc/ssl/certs, package
 * ca-certificates; SSL_CERT_FILE and SSL_CERT_DIR override it). Returns
 * a new context (SSL_CTX_free), or NULL with the reason in OUT:err.
 */
struct ssl_ctx_st	*watch_tls_ctx(const char *cafile, char *err,
			    size_t errlen);

/* What one POST is asked to do. */
struct watch_post_req {
	const char	*url;		/* copied */
	const char	*resolver;	/* servers for the host's name
					   (resolver syntax), NULL: the
					   system's; copied */
	int		 lookup_ms;	/* one DNS try */
	int		 timeout_s;	/* each of connect, TLS handshake and
					   the answer */
	const char	*body;		/* copied */
	size_t		 len;
};

/* How a POST ended. */
struct watch_post_result {
	int		 code;		/* the HTTP status, 0: none */
	int		 tls_verify;	/* 1: the certificate was refused */
	const char	*why;		/* the failure, "" for an answer */
};

struct watch_post;

/*
 * POST rq on base: the host's name asked on a c-ares resolver of its own
 * (A and AAAA; an address literal is not asked), each address tried in
 * turn (IPv6 first) until one connects, TLS over it for https with ctx
 * (watch_tls_ctx, referenced for the POST's life; NULL for http), the
 * certificate's chain and host name (or address) verified and SNI sent
 * for a name, then the request, then the status line of the answer.
 * Nothing is ever sent unless the handshake and verification passed.
 * done(arg, res) runs exactly once, never before this returns, from the
 * loop; res is valid during the call; the POST frees itself after done
 * returns. Returns the POST (for watch_post_cancel) or NULL with the
 * reason in OUT:err (bad URL; done never runs).
 */
struct watch_post	*watch_post_start(struct event_base *base,
			    struct ssl_ctx_st *ctx,
			    const struct watch_post_req *rq,
			    void (*done)(void *arg,
			    const struct watch_post_result *res), void *arg,
			    char *err, size_t errlen);

/*
 * Stop a POST whose done has not run, and free it: done does not run.
 * Not from inside done. watch_post_cancel(NULL) is a no-op.
 */
void	watch_post_cancel(struct watch_post *p);

/* ------------------------------------------------------------------ */
/* record.c: a check into the store                                    */
/* ------------------------------------------------------------------ */

struct store;

/* What record did. */
struct watch_recorded {
	int		 transition;	/* watch_transition's answer */
	int64_t		 event_id;	/* > 0 when an event was written */
	char		 old[16];	/* the state before ("unknown") */
	char		 code[16];	/* "127.0.0.2" or "" */
	char		 removal_url[WATCH_URL_MAX + 1];
};

/*
 * Write check c at now into st: the pair's state, and on a transition an
 * event whose notify is pending (webhook configured: hook != 0),
 * no-webhook, or quiet for a first check that is not listed (store/watch.h).
 * The stored text is the meaning, then the TXT after " -- ". Fills
 * OUT:out; out->transition is 0 when another process stored the same
 * change first. Returns 0, or -1 with store_errmsg(st).
 */
int	watch_record(struct store *st, const struct watch_check *c, int hook,
	    int64_t now, struct watch_recorded *out);

#endif /* FAIRLIST_WATCH_H */
