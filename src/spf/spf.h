/*
 * spf.h: Sender Policy Framework (RFC 7208) evaluation as a non-blocking
 * state machine, the Received-SPF and Authentication-Results headers, an
 * in-memory DNS zone for tests, and the openspf YAML suite runner.
 *
 * The evaluator does no I/O. It stops whenever it needs a DNS record and
 * says which (name, type); the caller looks it up however it likes (c-ares
 * on the event loop, an in-memory zone) and feeds the answer back. One
 * evaluation is one struct spf; the daemon can keep thousands alive.
 *
 *	s = spf_new(&req, err, sizeof(err));
 *	while (spf_step(s) == SPF_STEP_QUERY) {
 *		look up spf_query_name(s) / spf_query_type(s) ...
 *		spf_answer(s, &answer);
 *	}
 *	spf_result(s), spf_explanation(s) ...; spf_free(s);
 *
 * spf_run() wraps that loop around a callback resolver (struct
 * spf_resolver) so that asynchronous and synchronous resolvers share one
 * driver.
 */
#ifndef FAIRLIST_SPF_H
#define FAIRLIST_SPF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "core/buf.h"
#include "dns/dns.h"	/* DNS_T_*: the record types asked for */
#include "dns/resolver.h"

/* RFC 7208 section 4.6.4 processing limits. */
#define SPF_LOOKUPS_MAX		10	/* DNS-querying terms */
#define SPF_VOID_MAX		2	/* void lookups */
#define SPF_MX_MAX		10	/* MX names per mx mechanism */
#define SPF_PTR_MAX		10	/* PTR names per ptr mechanism / %{p} */
/* Our own resource limits. */
#define SPF_RECORD_MAX		65536	/* bytes of one joined TXT record */
#define SPF_TERMS_MAX		1024	/* terms in one record */
#define SPF_EXPAND_MAX		8192	/* bytes of one macro expansion */
#define SPF_EXP_MAX		1024	/* bytes of the explanation kept */
#define SPF_DEPTH_MAX		12	/* include nesting (lookups bound it) */
#define SPF_MEM_MAX		(1024 * 1024)	/* arena bytes per check */
#define SPF_NAME_MAX		253	/* RFC 7208 section 7.3 truncation */
#define SPF_MAILFROM_MAX	1024	/* longest sender accepted */
#define SPF_MACRO_PARTS_MAX	128	/* delimiter-separated parts kept */
#define SPF_HDR_VALUE_MAX	512	/* bytes of a peer value in a header */
#define SPF_ANSWER_RR_MAX	256	/* records kept of a c-ares answer */
#define SPF_ZONE_CNAME_MAX	8	/* CNAMEs followed by the memory zone */
#define SPF_ZONE_RR_MAX		4096	/* records in one memory-zone answer */
#define SPF_SUITE_SPF_MAX	64	/* SPF entries of one suite name */
#define SPF_CLI_ZONES_MAX	16	/* --dns-zone files of spf check */
#define SPF_CLI_BATCH_MAX	100000	/* lines of spf check --batch */
#define SPF_CLI_BATCH_LINE_MAX	4096	/* bytes of one --batch line */
#define SPF_CLI_BATCH_INFLIGHT	100	/* --batch evaluations at once */

enum spf_result {
	SPF_NONE,
	SPF_NEUTRAL,
	SPF_PASS,
	SPF_FAIL,
	SPF_SOFTFAIL,
	SPF_TEMPERROR,
	SPF_PERMERROR
};

/* Which identity is checked (RFC 7208 section 2.3 and 2.4). */
enum spf_identity {
	SPF_ID_MAILFROM,	/* MAIL FROM; falls back to HELO if empty */
	SPF_ID_HELO		/* the HELO/EHLO name alone */
};

enum spf_dns_status {
	SPF_DNS_OK,		/* NOERROR; nrr may be 0 (no data) */
	SPF_DNS_NXDOMAIN,	/* RCODE 3 */
	SPF_DNS_TEMPFAIL	/* timeout, SERVFAIL, lost resolver */
};

/*
 * One answer record, borrowed for the duration of spf_answer():
 * A: 4 bytes; AAAA: 16 bytes; MX: pref and the exchange name as text;
 * PTR: the name as text; TXT: the character-strings of one record joined
 * without separators (may hold any byte, NUL included). Records of other
 * types are ignored.
 */
struct spf_rr {
	uint16_t	 type;
	uint16_t	 pref;
	const void	*data;
	size_t		 len;
};

struct spf_answer {
	enum spf_dns_status	 status;
	const struct spf_rr	*rr;
	size_t			 nrr;
};

struct spf_request {
	const char		*ip;		/* client address, v4 or v6 */
	const char		*mail_from;	/* may be "" or NULL */
	const char		*helo;		/* may be NULL */
	enum spf_identity	 identity;
	const char		*receiver;	/* %{r}; NULL gives "unknown" */
	const char		*default_exp;	/* NULL gives SPF_EXP_DEFAULT */
	time_t			 now;		/* %{t}; 0 means time(NULL) */
};

#define SPF_EXP_DEFAULT	"See https://www.rfc-editor.org/rfc/rfc7208 " \
			"(SPF) for why this was rejected"

struct spf;

/*
 * Start one check_host() evaluation. Copies what it needs from req.
 * Returns NULL and writes a message to OUT:err when req->ip does not
 * parse or both mail_from and helo are missing. Free with spf_free().
 */
struct spf	*spf_new(const struct spf_request *req, char *err,
		    size_t errlen);
void		 spf_free(struct spf *s);	/* NULL is a no-op */

enum spf_step {
	SPF_STEP_DONE,		/* spf_result() is final */
	SPF_STEP_QUERY		/* answer spf_query_*() with spf_answer() */
};

/*
 * Run until the evaluation needs a DNS answer or is finished. Calling it
 * again while a query is outstanding returns SPF_STEP_QUERY again.
 */
enum spf_step	 spf_step(struct spf *s);
/* The outstanding question: a name without trailing dot, and its type. */
const char	*spf_query_name(const struct spf *s);
uint16_t	 spf_query_type(const struct spf *s);
/* Feed the answer to the outstanding question. a is only borrowed. */
void		 spf_answer(struct spf *s, const struct spf_answer *a);

/* Results; strings stay valid until spf_free(). */
enum spf_result	 spf_result(const struct spf *s);
/* The explanation for a fail, else NULL (RFC 7208 section 6.2). */
const char	*spf_explanation(const struct spf *s);
/* The term that decided, e.g. "-all", "default" or "" when none. */
const char	*spf_mechanism(const struct spf *s);
/* Why the result is permerror/temperror/none, for logs; "" otherwise. */
const char	*spf_problem(const struct spf *s);
/* DNS-querying terms counted against SPF_LOOKUPS_MAX. */
int		 spf_lookups(const struct spf *s);
/* DNS queries actually asked (every type). */
int		 spf_queries(const struct spf *s);
/* The domain checked and the sender used (after postmaster fallback). */
const char	*spf_domain(const struct spf *s);
const char	*spf_sender(const struct spf *s);
const char	*spf_client_ip(const struct spf *s);
const char	*spf_helo(const struct spf *s);
enum spf_identity spf_identity(const struct spf *s);

/* "pass", "fail", ...; spf_result_parse returns -1 for unknown text. */
const char	*spf_result_str(enum spf_result r);
int		 spf_result_parse(const char *s);

/*
 * A resolver behind a callback: query() must eventually call cb exactly
 * once with the answer, either before it returns (an in-memory zone) or
 * later from the event loop (c-ares).
 */
struct spf_resolver {
	void	*ctx;
	void	(*query)(void *ctx, const char *name, uint16_t type,
		    void (*cb)(void *arg, const struct spf_answer *a),
		    void *arg);
};

/*
 * Drive s with r until it is done, then call done(s, arg). Returns at
 * once if r answers asynchronously; done may be called before spf_run
 * returns. s stays owned by the caller (free it in done or after).
 */
void	spf_run(struct spf *s, const struct spf_resolver *r,
	    void (*done)(struct spf *s, void *arg), void *arg);

/*
 * A resolver over the c-ares client of dns/resolver.h: answers arrive
 * from dns_resolver_process()/wait(). Answers are parsed by the one
 * answer reader (dns_answer_next); a packet that does not parse gives
 * TEMPFAIL.
 */
struct dns_resolver;
void	spf_resolver_dns(struct dns_resolver *dr, struct spf_resolver *r);

/*
 * The same over any raw query function (query(ctx, ...) as
 * dns_resolver_query; NULL: ctx is a struct dns_resolver): the policy
 * engine's resolvers and its test seam. raw must outlive r.
 */
struct spf_raw {
	void	*ctx;
	void	(*query)(void *ctx, const char *name, uint16_t type,
		    void (*cb)(void *arg, enum dns_resolver_status st,
		    const uint8_t *pkt, size_t len), void *arg);
};
void	spf_resolver_raw(struct spf_raw *raw, struct spf_resolver *r);

/*
 * Headers. Each appends one header field (with its name, without CRLF)
 * to OUT:b. Every value from the peer is quoted or escaped, so the field
 * never contains CR, LF or bytes outside printable ASCII.
 * receiver is the authserv-id / receiving host name.
 */
void	spf_received_spf(const struct spf *s, const char *receiver,
	    struct sbuf *b);
void	spf_auth_results(const struct spf *s, const char *authserv_id,
	    struct sbuf *b);

/*
 * In-memory DNS zone: names are case-insensitive, CNAMEs are followed
 * (a loop or a chain over 8 answers TEMPFAIL), and a name marked with
 * spf_zone_timeout() answers TEMPFAIL to every query.
 */
struct spf_zone;

struct spf_zone	*spf_zone_new(void);
void		 spf_zone_free(struct spf_zone *z);	/* NULL no-op */
/* Add one record; data as in struct spf_rr (CNAME: the target). */
void		 spf_zone_add(struct spf_zone *z, const char *name,
		    uint16_t type, uint16_t pref, const void *data,
		    size_t len);
void		 spf_zone_timeout(struct spf_zone *z, const char *name);
/* 1 if the name owns a TXT record (or a TXT "none" marker). */
int		 spf_zone_has(struct spf_zone *z, const char *name,
		    uint16_t type);
/* Look up synchronously. OUT:a stays valid until the next call. */
void		 spf_zone_lookup(struct spf_zone *z, const char *name,
		    uint16_t type, struct spf_answer *a);
/* A resolver that answers from z before query() returns. */
void		 spf_zone_resolver(struct spf_zone *z,
		    struct spf_resolver *r);
/* Queries answered so far (to count DNS lookups). */
unsigned long	 spf_zone_queries(const struct spf_zone *z);

#define SPF_ZONEFILE_MAX	(16 * 1024 * 1024)	/* bytes */
#define SPF_ZONEFILE_LINE_MAX	65536
#define SPF_ZONEFILE_FIELDS_MAX	64	/* fields of one record */

/*
 * Untrusted input: read a master-format zone file (RFC 1035 section 5.1
 * subset: $ORIGIN, $TTL, @, relative names, optional TTL and class,
 * parentheses, A AAAA MX PTR TXT SPF CNAME). Returns 0, or -1 with
 * "file:line: message" in OUT:err.
 */
int	spf_zone_load(struct spf_zone *z, const char *path, char *err,
	    size_t errlen);
/* The same over len bytes of text; name is used in messages. */
int	spf_zone_parse(struct spf_zone *z, const char *text, size_t len,
	    const char *name, char *err, size_t errlen);

/*
 * Conformance suites in the openspf YAML format. spf_suite_load parses
 * one file (a bounded YAML subset: documents, block and flow collections,
 * plain/quoted/block scalars). Returns NULL with "file:line: message" in
 * OUT:err.
 */
#define SPF_SUITE_FILE_MAX	(8 * 1024 * 1024)
#define SPF_SUITE_DEPTH_MAX	32
#define SPF_SUITE_NODES_MAX	200000

struct spf_suite;

struct spf_suite	*spf_suite_load(const char *path, char *err,
			    size_t errlen);
void			 spf_suite_free(struct spf_suite *st);
size_t			 spf_suite_count(const struct spf_suite *st);
/*
 * Evaluate test i from scratch. Returns 1 if the result (and the
 * explanation, when the test gives one) is as expected, else 0; OUT:got
 * (may be NULL) gets the result.
 */
int			 spf_suite_eval(struct spf_suite *st, size_t i,
			    enum spf_result *got);
/*
 * Run every test, print one line per failure to out
 * ("scenario: test: got X, want Y"), add to OUT:passed and OUT:failed.
 */
void			 spf_suite_run(struct spf_suite *st, FILE *out,
			    int *passed, int *failed);

#endif /* FAIRLIST_SPF_H */
