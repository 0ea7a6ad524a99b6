/*
 * policy.h: the gatekeeper. One verdict per SMTP client, for Postfix's
 * policy delegation protocol (SMTPD_POLICY_README) and `fairlist check`.
 *
 * The parts, each in its own file:
 *   request.c     the policy protocol: a bounded, in-place request parser
 *   site.c        remote DNSBLs in postscreen syntax, and the presets
 *   reply.c       reply templates, every variable sanitised for SMTP
 *   pconf.c       the `policy { }` configuration block
 *   verdict.c     the pure decision: facts in, verdict out; action lines
 *   engine.c      the asynchronous evaluation: local lists, remote DNSBL
 *                 lookups (cache, list health probes), SPF, deadline
 *   delegation.c  the policy server on the daemon's libevent loop
 *
 * The order of judgement (docs/POLICY.md): exempt clients (SASL, exempt
 * networks) and exempt recipients (postmaster@, abuse@, the removal
 * address) get DUNNO; then a local allowlist hit beats everything; then a
 * local blocklist hit takes its zone's action; then the weighted score of
 * the remote DNSBLs against the threshold; then SPF fail (if configured).
 * Everything the engine does on the network is asynchronous; a lookup
 * that fails or times out counts as unknown, never as listed.
 */
#ifndef FAIRLIST_POLICY_H
#define FAIRLIST_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "confirm/confirm.h"
#include "core/addr.h"
#include "core/buf.h"
#include "spf/spf.h"

struct conf;
struct conf_node;
struct event_base;
struct index;

/* Limits. */
#define POLICY_LINE_MAX		4096	/* bytes of one name=value line */
#define POLICY_ATTRS_MAX	128	/* attributes in one request */
#define POLICY_REQUEST_MAX	65536	/* bytes of one request */
#define POLICY_SITES_MAX	64	/* remote DNSBL entries (after presets) */
#define POLICY_LOCAL_MAX	16	/* local allowlist + blocklist zones */
#define POLICY_EXEMPT_MAX	64	/* exempt networks */
#define POLICY_RCPT_MAX		16	/* exempt recipient local parts */
#define POLICY_CODES_MAX	8	/* A records kept of one DNSBL answer */
#define POLICY_ZONE_MAX		254	/* bytes of a DNSBL zone name, with NUL */
#define POLICY_TEMPLATE_MAX	1024	/* bytes of a reply template */
#define POLICY_VAR_MAX		200	/* bytes of one expanded variable */
#define POLICY_REPLY_MAX	400	/* bytes of reply text sent to Postfix */
#define POLICY_HEADER_MAX	900	/* bytes of a header line we prepend */
#define POLICY_REASON_MAX	256	/* bytes of a listing reason we keep */
#define POLICY_DEADLINE_MS	5000	/* default: answer within this */
#define POLICY_LOOKUP_MS	2000	/* default: one DNS query's budget */
#define POLICY_MARGIN_MS	250	/* the engine decides this long before
					   the deadline */
#define POLICY_TTL_MIN		60	/* default cache floor (postscreen) */
#define POLICY_TTL_MAX		3600	/* default cache ceiling */
#define POLICY_PROBE_S		300	/* default list health probe period */
#define POLICY_THRESHOLD	3	/* default score that rejects */
#define POLICY_DEFAULT_LISTEN	"127.0.0.1:10040"

/* ------------------------------------------------------------------ */
/* request.c: the Postfix policy protocol                              */
/* ------------------------------------------------------------------ */

/*
 * A request is name=value lines ended by an empty line. The reader finds
 * the end of one request in a growing buffer and enforces the limits
 * while it scans, so a server never buffers more than POLICY_REQUEST_MAX
 * bytes of one request. Then policy_request_parse() splits the complete
 * request in place.
 */
struct policy_reader {
	size_t	off;		/* bytes scanned so far */
	size_t	line_start;	/* offset where the current line begins */
	int	nattrs;		/* lines seen */
};

void	policy_reader_init(struct policy_reader *rd);

/*
 * Untrusted input: scan buf[0..len) (the bytes received so far of this
 * request; earlier bytes are never rescanned). Returns the length of the
 * complete request including its empty line (> 0), 0 if more bytes are
 * needed, or -1 when a limit is exceeded (a line over POLICY_LINE_MAX, more
 * than POLICY_ATTRS_MAX lines, a request over POLICY_REQUEST_MAX, a NUL
 * byte), with a static message in *OUT:err.
 */
long	policy_reader_scan(struct policy_reader *rd, const char *buf,
	    size_t len, const char **err);

/* What a request asks (its `request` attribute). */
enum policy_request_kind {
	POLICY_REQ_ACCESS,	/* "smtpd_access_policy": Postfix's question */
	POLICY_REQ_CONFIRM	/* "confirm_check": may a confirmation be
				   sent (docs/POLICY.md, policy.h below) */
};

/* The attributes fairlist uses; "" when absent. Borrowed from the buffer. */
struct policy_request {
	const char	*request;		/* "smtpd_access_policy" or
						   "confirm_check" */
	enum policy_request_kind kind;		/* which of the two */
	const char	*protocol_state;	/* CONNECT, EHLO, HELO, MAIL,
						   RCPT, DATA, END-OF-MESSAGE,
						   VRFY, ETRN */
	const char	*protocol_name;		/* SMTP, ESMTP */
	const char	*client_address;
	const char	*client_name;
	const char	*reverse_client_name;
	const char	*helo_name;
	const char	*sender;
	const char	*recipient;
	const char	*instance;
	const char	*sasl_username;
	const char	*queue_id;
	const char	*dkim_pass;		/* confirm_check: the d= of a
						   DKIM signature that passed */
	int		 has_sender;		/* a sender line was there */
	int		 nattrs;		/* attributes seen, known or not */
};

/*
 * Untrusted input: parse one complete request (len bytes as returned by
 * policy_reader_scan) in place: '=' and '\n' become NULs. Unknown
 * attributes are ignored; a repeated attribute keeps its last value.
 * Returns 0 with OUT:r->kind set, or -1 with a static message in *OUT:err
 * for a line without '=', an empty name, or a missing/unknown `request`
 * value (only "smtpd_access_policy" and "confirm_check" are known).
 */
int	policy_request_parse(char *buf, size_t len, struct policy_request *r,
	    const char **err);

/* ------------------------------------------------------------------ */
/* site.c: remote DNSBLs, postscreen syntax, presets                   */
/* ------------------------------------------------------------------ */

/* A return-code filter: one bitmap of allowed values per octet. */
struct policy_filter {
	uint8_t	octet[4][32];
};

struct policy_site {
	char			 zone[POLICY_ZONE_MAX]; /* lower case, no dot */
	int			 has_filter;	/* 0: any 127.0.0.0/8 code */
	struct policy_filter	 filter;
	int			 weight;	/* may be negative */
	const char		*label;		/* preset label ("Spamhaus SBL"),
						   or NULL; static */
	char			*server;	/* DNS servers for this zone
						   (resolver syntax), or NULL */
	char			*reply;		/* reply template, or NULL */
	char			*url;		/* lookup URL template, or NULL */
};

/*
 * Parse "zone[=filter][*weight]" (postscreen_dnsbl_sites syntax). The
 * filter is d.d.d.d where each d is a number, or [list] of numbers and
 * ranges n..m separated by ';'. The weight is an integer, default 1.
 * Returns 0, or -1 with a message in OUT:err. Does not set server, reply,
 * url or label.
 */
int	policy_site_parse(const char *spec, struct policy_site *s, char *err,
	    size_t errlen);

/*
 * 1 if code (host order) passes s's filter (no filter: any 127/8 code).
 * An error code (policy_code_is_error) never matches, whatever the filter.
 */
int	policy_site_match(const struct policy_site *s, uint32_t code);

/*
 * 1 if code is a DNSBL error answer rather than a listing: anything
 * outside 127.0.0.0/8, 127.0.0.1 (a list that answers for everything, or
 * an address outside the list's range), 127.255.255.0/24 (Spamhaus: bad
 * zone name, open resolver, too many queries).
 */
int	policy_code_is_error(uint32_t code);

/* The presets, with their return codes: docs/POLICY.md. */
struct policy_preset {
	const char	*name;		/* "spamhaus-zen", "spamcop", ... */
	const char	*about;		/* one line for docs and --help */
	const char	*const *sites;	/* NULL-terminated specs */
	const char	*const *labels;	/* label per spec */
	const char	*url;		/* lookup URL template */
};

/* The preset called name, or NULL. */
const struct policy_preset	*policy_preset_find(const char *name);
/* All presets, NULL-terminated. */
const struct policy_preset	*const *policy_presets(void);

/* ------------------------------------------------------------------ */
/* reply.c: reply templates                                            */
/* ------------------------------------------------------------------ */

/*
 * Variables of a reply template: $ip, $list (zone or preset label),
 * $zone, $since (YYYY-MM-DD), $listed (ISO 8601), $reason, $url, $code
 * (the A answer), $score, $threshold, $sender, $helo, $spf (the SPF
 * result), $explanation (SPF), and $$. NULL values expand to "".
 */
struct policy_vars {
	const char	*ip, *list, *zone, *since, *listed, *reason, *url;
	const char	*code, *score, *threshold, *sender, *helo, *spf;
	const char	*explanation;
};

/*
 * Expand tmpl into OUT:out (outlen bytes, always NUL-terminated). Every
 * variable is sanitised: CR, LF, TAB and other control bytes become a
 * space, non-ASCII bytes become '?', runs of spaces collapse, and it is
 * cut at POLICY_VAR_MAX bytes with "...". The whole result is valid RFC
 * 5321 reply text (printable ASCII and SP only, no leading or trailing
 * space) of at most min(outlen - 1, POLICY_REPLY_MAX) bytes. Unknown
 * variables are kept literally. Returns the length.
 */
size_t	policy_reply_expand(const char *tmpl, const struct policy_vars *v,
	    char *out, size_t outlen);

/* Check a template at configuration time: -1 and OUT:err if unusable. */
int	policy_reply_check(const char *tmpl, char *err, size_t errlen);

/* ------------------------------------------------------------------ */
/* pconf.c: the `policy { }` block (docs/CONFIG.md)                    */
/* ------------------------------------------------------------------ */

enum policy_action {
	POLICY_DUNNO,		/* no opinion: Postfix goes on */
	POLICY_REJECT,		/* 5xx with our reply */
	POLICY_DEFER,		/* DEFER_IF_PERMIT: 4xx if nothing rejects */
	POLICY_TAG,		/* PREPEND a header, accept */
	POLICY_REPORT		/* WARN: logged by Postfix, accepted */
};

enum policy_state {		/* protocol_state at which to judge */
	POLICY_AT_CONNECT, POLICY_AT_HELO, POLICY_AT_MAIL, POLICY_AT_RCPT,
	POLICY_AT_DATA, POLICY_AT_EOM
};

enum policy_spf_header {
	POLICY_SPF_HDR_NONE,
	POLICY_SPF_HDR_RECEIVED,	/* Received-SPF (default) */
	POLICY_SPF_HDR_AR		/* Authentication-Results */
};

/* A local zone (in the store) used as an allowlist or a blocklist. */
struct policy_local {
	char			 zone[POLICY_ZONE_MAX];
	int			 allow;		/* 1 allowlist, 0 blocklist */
	enum policy_action	 action;	/* blocklist: default REJECT */
	char			*reply;		/* template, or NULL */
};

#define POLICY_LISTEN_MAX	8	/* policy server addresses */

struct policy_conf {
	/* the server */
	char			*listen[POLICY_LISTEN_MAX];	/* "ADDR:PORT" or "unix:PATH" */
	int			 nlisten;
	int			 socket_mode;	/* unix socket mode, 0666 */
	int			 deadline_ms;	/* answer within this */
	enum policy_action	 fail_open;	/* answer at the deadline:
						   DUNNO (default) or DEFER */
	enum policy_state	 state;		/* judge at: RCPT */
	int			 idle_s;	/* idle connection close: 300 */
	int			 request_s;	/* whole request within: 5 */
	int			 clients;	/* concurrent connections: 1000 */

	/* exemptions */
	struct addr_prefix	 exempt[POLICY_EXEMPT_MAX];
	int			 nexempt;	/* loopback + private default */
	int			 exempt_sasl;	/* 1 (default) */
	char			*exempt_rcpt[POLICY_RCPT_MAX]; /* local parts:
						   postmaster, abuse */
	int			 nexempt_rcpt;
	char			*removal_address; /* always accepted, or NULL */
	const char		*public_url;	/* base of the zones' $url
						   (list_url_rebase), NULL:
						   as stored; borrowed */

	/* local lists */
	struct policy_local	 local[POLICY_LOCAL_MAX];
	int			 nlocal;
	int			 local_store;	/* 1 without a policy block:
						   every zone of the snapshot
						   is a blocklist (REJECT) */

	/* remote DNSBLs */
	struct policy_site	 sites[POLICY_SITES_MAX];
	int			 nsites;
	int			 threshold;	/* score that triggers action */
	enum policy_action	 action;	/* at threshold: REJECT */
	char			*dnsbl_reply;	/* template, or NULL */
	char			*resolver;	/* default DNS servers, NULL:
						   /etc/resolv.conf */
	int			 lookup_ms;	/* one query's budget */
	int			 ttl_min, ttl_max;	/* cache caps, seconds */
	int			 probe_s;	/* health probe period, 0 off */

	/* SPF */
	int			 spf;		/* 1: check (default) */
	int			 spf_helo;	/* 1: also check the HELO name */
	enum policy_action	 spf_fail_action; /* DUNNO (default) */
	enum policy_spf_header	 spf_header;
	char			*spf_reply;	/* template, or NULL */
	char			*authserv_id;	/* for headers: the hostname */

	/* tagging */
	char			*tag_header;	/* "X-Fairlist" */

	/* the reject code (554 5.7.1); a defer is Postfix's DEFER_IF_PERMIT,
	   whose code is Postfix's own access_map_defer_code (450 4.7.1) */
	int			 reject_code;	/* 5xx */

	/* request=confirm_check (confirm.c, docs/POLICY.md) */
	int			 confirm_check;	/* 0 (default): such a request
						   is closed unanswered */
	struct confirm_conf	 confirm;	/* the confirm { } block when
						   confirm_check, else its
						   defaults */
};

/*
 * Fill pc from the `policy` node. NULL gives the defaults, which judge
 * by the store's own zones: local_store is set, so every zone of the
 * snapshot the engine is given is a blocklist. A `policy` block, even an
 * empty one, has only the allowlist and blocklist lines it names.
 * Strict: unknown keys, bad numbers, unknown presets and unusable
 * templates are errors, with "file:line: message" in OUT:err. Returns 0
 * or -1 (pc is then freed). The result is immutable while an engine uses
 * it.
 */
int	policy_conf_read(const struct conf *cf, const struct conf_node *node,
	    struct policy_conf *pc, char *err, size_t errlen);
void	policy_conf_free(struct policy_conf *pc);

const char	*policy_action_name(enum policy_action a);

/* ------------------------------------------------------------------ */
/* verdict.c: facts in, verdict out (pure)                             */
/* ------------------------------------------------------------------ */

/* What one remote DNSBL said about the client. */
enum policy_list_state {
	POLICY_LIST_CLEAN,	/* NXDOMAIN, or no code passed the filter */
	POLICY_LIST_LISTED,	/* a code passed the filter: weight counts */
	POLICY_LIST_ERROR,	/* an error code (policy_code_is_error) */
	POLICY_LIST_TEMPFAIL,	/* SERVFAIL, timeout, lost resolver */
	POLICY_LIST_DEAD,	/* skipped: its health probe fails */
	POLICY_LIST_PENDING	/* no answer by the deadline, or not waited
				   for (the score was reached already) */
};

struct policy_list_result {
	const struct policy_site	*site;		/* in the conf */
	enum policy_list_state		 state;
	uint32_t			 codes[POLICY_CODES_MAX];
	int				 ncodes;
	int				 weight;	/* counted: 0 unless
							   LISTED */
	int				 cached;	/* answer from cache */
	uint32_t			 ttl;		/* seconds left */
	double				 ms;		/* lookup time */
};

/* A local list hit. */
struct policy_local_hit {
	const struct policy_local	*local;		/* in the conf */
	char				 zone[POLICY_ZONE_MAX];
	char				 prefix[ADDR_TEXT_MAX];	/* listing */
	char				 reason[POLICY_REASON_MAX];
	int64_t				 listed_at;
	int64_t				 expires_at;	/* 0 never */
	uint32_t			 code;
	char				 url[POLICY_TEMPLATE_MAX]; /* expanded */
};

/* What the engine gathered about one client: the input of the verdict. */
struct policy_facts {
	/* the query */
	char			 ip[ADDR_TEXT_MAX];
	uint8_t			 a[ADDR_LEN];
	char			 sender[SPF_MAILFROM_MAX + 1];
	char			 helo[256];
	char			 recipient[SPF_MAILFROM_MAX + 1];
	int			 sasl;		/* authenticated */
	int64_t			 now;

	const char		*exempt;	/* why exempt, or NULL */
	struct policy_local_hit	 allow;		/* valid if has_allow */
	int			 has_allow;
	struct policy_local_hit	 block;		/* valid if has_block */
	int			 has_block;

	struct policy_list_result lists[POLICY_SITES_MAX]; /* per site */
	int			 nlists;

	int			 spf_done;	/* spf_result valid */
	enum spf_result		 spf_result;
	char			 spf_explanation[SPF_EXP_MAX];
	char			 spf_header[POLICY_HEADER_MAX]; /* "" if none */
	enum spf_result		 helo_result;	/* if helo_done */
	int			 helo_done;

	int			 cache_hits;	/* DNS answers from cache */
	int			 queries;	/* DNS queries sent */
	int			 timed_out;	/* the deadline passed */
	double			 ms;		/* evaluation time */
};

struct policy_verdict {
	enum policy_action	 action;
	const char		*rule;		/* "exempt", "allowlist",
						   "blocklist", "dnsbl", "spf",
						   "pass", "fail-open" */
	int			 score;		/* sum of weights counted */
	int			 threshold;
	char			 text[POLICY_REPLY_MAX + 1];	/* reply */
	char			 header[POLICY_HEADER_MAX];	/* to prepend,
							   "" for none */
};

/*
 * Decide. Pure: the same facts and conf give the same verdict. Fills
 * OUT:v, including the reply text (from the templates) and the header to
 * prepend (SPF header, or the tag header for POLICY_TAG). Rules, first
 * match wins: exempt; allowlist; blocklist (its local action); dnsbl
 * (score >= threshold and > 0: pc->action); spf (fail, if
 * spf_fail_action is not DUNNO); fail-open (pc->fail_open, when the
 * lists that did not answer, TEMPFAIL or PENDING, carry enough positive
 * weight to reach the threshold, or SPF was cut off while an SPF fail
 * would act: so a dead resolver gives the configured answer); pass
 * (DUNNO, with the SPF header if configured). ERROR and DEAD lists count
 * as unknown but never trigger fail-open: they are the list's own fault
 * and are skipped.
 */
void	policy_decide(const struct policy_conf *pc,
	    const struct policy_facts *f, struct policy_verdict *v);

/*
 * The reply line for Postfix, "action=...\n\n", into OUT:b:
 * DUNNO; "554 5.7.1 text"; "DEFER_IF_PERMIT text"; "PREPEND header";
 * "WARN text". With_header 0 drops a PREPEND of the SPF header (it was
 * already sent for this message) and answers DUNNO instead.
 */
void	policy_action_format(const struct policy_conf *pc,
	    const struct policy_verdict *v, int with_header, struct sbuf *b);

/* The fail-open reply line (the deadline passed). */
void	policy_failopen_format(const struct policy_conf *pc, struct sbuf *b);

/* ------------------------------------------------------------------ */
/* engine.c: the asynchronous evaluation                               */
/* ------------------------------------------------------------------ */

struct policy_engine;
struct policy_eval;

struct policy_query {
	const char	*client_address;	/* required */
	const char	*helo;			/* may be NULL or "" */
	const char	*sender;		/* may be NULL or "" (bounce) */
	const char	*recipient;		/* may be NULL */
	int		 sasl;			/* authenticated */
};

/*
 * Create the engine on base (the daemon's loop, or a private loop for
 * `fairlist check`): one c-ares resolver per distinct server list, the
 * answer cache, and the health probes (started at once when probe_s > 0).
 * pc must outlive the engine. Returns NULL with OUT:err.
 */
struct policy_engine	*policy_engine_new(const struct policy_conf *pc,
			    struct event_base *base, char *err,
			    size_t errlen);
/* Cancels every evaluation in flight (their callbacks do not run). */
void			 policy_engine_free(struct policy_engine *e);

/*
 * Judge one client. idx (may be NULL: no local lists) is read only during
 * this call. done(arg, facts, verdict) runs exactly once, unless the
 * evaluation is cancelled: either before policy_evaluate returns (every
 * answer was cached; then it returns NULL) or later from base; facts and
 * verdict are valid only during the callback. At pc->deadline_ms -
 * POLICY_MARGIN_MS after the call the engine stops waiting: a lookup still
 * out counts as PENDING, SPF as temperror, facts->timed_out is set, and
 * the verdict is made from what is known (policy_decide turns a verdict
 * that missing answers could have changed into the fail-open action).
 * The engine decides early, without waiting for the lists still out
 * (PENDING), once the answered lists reach a positive threshold, every
 * list out has a weight >= 0 and the dnsbl action is not DUNNO.
 * The server itself answers fail-open at pc->deadline_ms if done has not
 * run by then. Returns the evaluation, or NULL if done already ran.
 */
struct policy_eval	*policy_evaluate(struct policy_engine *e,
			    const struct index *idx,
			    const struct policy_query *q,
			    void (*done)(void *arg,
			    const struct policy_facts *f,
			    const struct policy_verdict *v), void *arg);
/* Stop an evaluation; its callback will not run. */
void			 policy_cancel(struct policy_eval *ev);

/* Counters for logs and `fairlist check`. */
struct policy_stats {
	uint64_t	evaluations, cache_hits, queries, timeouts;
	int		dead_lists;
};
void	policy_engine_stats(const struct policy_engine *e,
	    struct policy_stats *st);

/* 1 if the list of site i is considered dead by its health probe. */
int	policy_engine_list_dead(const struct policy_engine *e, int i);

/* ------------------------------------------------------------------ */
/* confirm.c: confirm-check over the policy protocol                   */
/* ------------------------------------------------------------------ */

/*
 * List software that asks per message sends, on the policy socket,
 *
 *	request=confirm_check
 *	client_address=IP	(the requester's address)
 *	sender=ADDR		(who would get the confirmation; "": a bounce)
 *	helo_name=NAME		(optional)
 *	dkim_pass=DOMAIN	(optional: a DKIM d= that passed on the request)
 *
 * and gets confirm-check's decision (confirm/confirm.h), over the counts
 * in the store that the CLI and POST /api/v1/confirm-check share. The
 * reply is attribute lines, action first, as a Postfix policy reply:
 *
 *	action=OK | action=REJECT TEXT | action=DEFER TEXT
 *	verdict=send|refuse|error
 *	reason=spf-pass|...|store-error|timeout
 *	spf=RESULT  dkim_aligned=yes|no  sent_address=N  sent_domain=N
 *	counted=yes|no  explanation=TEXT
 *
 * DEFER is a temporary refusal: an SPF temperror (the requester cannot
 * be told from a forger now), or no decision (verdict=error: the store
 * could not count the send, or the deadline passed): hold the
 * confirmation and ask again. It is off unless policy { confirm-check
 * yes }: a send spends the address's allowance and makes the daemon ask
 * DNS for the sender's domain, and the policy socket has no token.
 */
#define POLICY_CONFIRM_BUSY_MS	200	/* the store's busy timeout for the
					   server's confirm connection: less
					   than POLICY_MARGIN_MS, so a locked
					   store still answers in time */

struct policy_confirm;

/*
 * SPF for one confirm_check request: RFC 7208 check_host() for the MAIL
 * FROM identity of sender at ip (helo may be NULL or ""), as `fairlist
 * confirm-check` evaluates it, on e's confirm resolver (pc->confirm's
 * resolver servers, else the system's; policy_engine_new makes it when
 * pc->confirm_check is set). Not cached: every request is evaluated
 * afresh, as the CLI does. done(arg, result) runs exactly once, later
 * from e's base (never inside this call), unless the check is cancelled
 * or e is freed first; at pc->deadline_ms - POLICY_MARGIN_MS it runs with
 * SPF_TEMPERROR (RFC 7208 section 2.6.6: no answer in time). Returns
 * NULL with OUT:err when e has no confirm resolver or spf_new refuses.
 */
struct policy_confirm	*policy_confirm_spf(struct policy_engine *e,
			    const char *ip, const char *sender,
			    const char *helo, void (*done)(void *arg,
			    enum spf_result r), void *arg, char *err,
			    size_t errlen);
/* Stop a check: done will not run. NULL is a no-op. */
void	policy_confirm_cancel(struct policy_confirm *c);

/* Why a confirm_check request got no decision. */
enum policy_confirm_error {
	POLICY_CONFIRM_STORE,	/* "store-error": no store, or its error */
	POLICY_CONFIRM_TIMEOUT	/* "timeout": the server's deadline */
};

/*
 * The reply to a confirm_check request for the decision r (reason and
 * text from confirm_decide) into OUT:b, reset first: action=OK for a
 * send, action=DEFER TEXT for an SPF temperror, action=REJECT TEXT for
 * any other refusal, then the lines above and the empty line. TEXT is
 * r->text with every byte outside printable ASCII written as '?'. Pure.
 */
void	policy_confirm_format(const struct confirm_result *r,
	    struct sbuf *b);
/* The reply without a decision: action=DEFER, verdict=error, reason. */
void	policy_confirm_format_error(enum policy_confirm_error why,
	    struct sbuf *b);

/* ------------------------------------------------------------------ */
/* delegation.c: the policy server                                     */
/* ------------------------------------------------------------------ */

struct policy_server;

/*
 * How the server reads the current index snapshot: acquire before a
 * call to policy_evaluate, release after it. Both run on the loop thread.
 */
struct policy_index_src {
	const struct index	*(*acquire)(void *arg);
	void			 (*release)(void *arg);
	void			  *arg;
};

/*
 * Bind every pc->listen address (before privileges are dropped). Returns
 * NULL with OUT:err.
 */
struct policy_server	*policy_server_new(const struct policy_conf *pc,
			    char *err, size_t errlen);
/*
 * The store in which confirm_check requests count their sends (path db,
 * copied; call before policy_server_start). The server opens a
 * connection of its own to it on the loop thread (STORE_LEAN, busy
 * timeout POLICY_CONFIRM_BUSY_MS): at start when pc->confirm_check is
 * set, else at the first such request. Without a store a confirm_check
 * request is answered store-error.
 */
void	policy_server_store(struct policy_server *s, const char *db);
/* Start accepting on base, judging with e. Returns 0 or -1 (logged). */
int	policy_server_start(struct policy_server *s, struct event_base *base,
	    struct policy_engine *e, const struct policy_index_src *src);
/*
 * Judge the requests read from now on with pc and e, whose timeouts apply
 * to the timers set from now on (SIGHUP). The addresses stay bound; a
 * request in flight finishes on the engine it started on (and its reply
 * is formatted with pc), so the caller frees that engine and its conf only
 * after their deadline has passed. Returns 0, or -1 (logged, unchanged).
 */
int	policy_server_reconf(struct policy_server *s,
	    const struct policy_conf *pc, struct policy_engine *e);
/* Close every connection and socket. NULL is a no-op. */
void	policy_server_free(struct policy_server *s);

#endif /* FAIRLIST_POLICY_H */
