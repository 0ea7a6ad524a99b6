/*
 * dmarc.h: DMARC (RFC 7489, with RFC 9091's np tag) and the
 * Authentication-Results header field (RFC 8601), as protocol code
 * without I/O, for the milter and `fairlist dmarc`.
 *
 *   record.c     the _dmarc TXT record parser (RFC 7489 section 6.3, 6.4)
 *   orgdomain.c  the organizational domain from the Public Suffix List
 *                (libpsl), domain normalisation (section 3.2)
 *   from.c       the RFC5322.From domain (section 6.6.1)
 *   eval.c       policy discovery as a pollable state machine (6.6.3),
 *                identifier alignment (3.1), result and disposition
 *                (6.6.2, 6.6.4), the 550 reply text
 *   authres.c    one Authentication-Results field from the spf, dkim and
 *                dmarc results; the authserv-id of an existing field
 *                (RFC 8601 section 2.2, 5)
 *
 * The evaluation asks for DNS the way src/spf does: it stops with the
 * name whose TXT records it needs, and the caller looks it up however it
 * likes (c-ares on the event loop, a synchronous CLI wait, an in-memory
 * table in tests) and feeds the answer back:
 *
 *	d = dmarc_new(psl, from_domain);
 *	while (dmarc_step(d) == DMARC_STEP_QUERY) {
 *		look up TXT dmarc_query_name(d) ...
 *		dmarc_answer(d, status, txt, ntxt);	// or dmarc_answer_raw
 *	}
 *	dmarc_eval(d, &auth, &verdict); ...; dmarc_free(d);
 *
 * Discovery needs only the From domain, so a milter can start it at the
 * end of the headers and evaluate at the end of the message, when the
 * DKIM results are known. At most three queries are asked: the From
 * domain's _dmarc TXT, the organizational domain's, and, when a record
 * found there gives np and sp different values, an A query for the From
 * domain itself to see whether it exists (RFC 9091).
 */
#ifndef FAIRLIST_DMARC_H
#define FAIRLIST_DMARC_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "dkim/dkim.h"		/* enum dkim_result */
#include "dns/resolver.h"	/* enum dns_resolver_status */
#include "spf/spf.h"		/* enum spf_result */

/* Limits. Input beyond them is refused or cut, never a crash. */
#define DMARC_RECORD_MAX	8192	/* bytes of one TXT record parsed */
#define DMARC_TAGS_MAX		64	/* tags read from one record */
#define DMARC_URIS_MAX		1024	/* bytes of rua/ruf text kept */
#define DMARC_DOMAIN_MAX	253	/* a domain name as text */
#define DMARC_TXT_MAX		32	/* TXT records looked at per name */
#define DMARC_FROM_MAX		(64 * 1024)	/* bytes of a From value */
#define DMARC_FROM_ADDRS_MAX	64	/* addresses in one From value */
#define DMARC_AR_VALUE_MAX	256	/* bytes of a peer value in AR */
#define DMARC_AR_LINE_MAX	78	/* AR lines are folded before this */
#define DMARC_COMMENT_DEPTH_MAX	32	/* nested comments in From and AR */

/* ---- the record (record.c) ----------------------------------------- */

enum dmarc_policy {
	DMARC_POLICY_NONE,
	DMARC_POLICY_QUARANTINE,
	DMARC_POLICY_REJECT
};

enum dmarc_align {
	DMARC_ALIGN_RELAXED,	/* organizational domains equal */
	DMARC_ALIGN_STRICT	/* domains equal */
};

/*
 * A parsed record with the defaults of RFC 7489 section 6.3 filled in:
 * sp defaults to p, np (RFC 9091) to sp, adkim and aspf to relaxed, pct
 * to 100, fo to "0", rf to "afrf", ri to 86400. rua and ruf are kept as
 * text (cut at DMARC_URIS_MAX bytes), never acted on.
 */
struct dmarc_record {
	enum dmarc_policy	 p, sp, np;
	int			 p_assumed;	/* p missing or invalid: p=none
						   from a valid rua (6.6.3) */
	enum dmarc_align	 adkim, aspf;
	int			 pct;		/* 0..100 */
	uint32_t		 ri;
	char			 rua[DMARC_URIS_MAX + 1];
	char			 ruf[DMARC_URIS_MAX + 1];
	char			 fo[16];
	char			 rf[64];
};

enum dmarc_rec_status {
	DMARC_REC_OK,		/* rec is filled in */
	DMARC_REC_NOT_DMARC,	/* does not start with v=DMARC1: discarded
				   (section 6.6.3 step 4) */
	DMARC_REC_INVALID	/* v=DMARC1 but no valid p (or an invalid sp)
				   and no valid rua URI: no DMARC processing
				   (section 6.6.3 step 6) */
};

/*
 * Untrusted input (RFC 7489 section 6.3, 6.4). Parse one TXT record (its
 * strings joined, len bytes, may hold any byte). "v=DMARC1" must be the
 * first tag; p may be anywhere after it. Tag names and keyword values are
 * case-insensitive. Unknown tags, tags without '=', repeated tags (the
 * first counts) and bad values of the optional tags are ignored in
 * favour of the defaults. OUT:why (may be NULL) gets a static reason for
 * NOT_DMARC and INVALID, and for OK a note on the first tag ignored (or
 * NULL).
 */
enum dmarc_rec_status	 dmarc_record_parse(const void *txt, size_t len,
			    struct dmarc_record *rec, const char **why);

/* "none", "quarantine", "reject". */
const char		*dmarc_policy_name(enum dmarc_policy p);

/* ---- organizational domains (orgdomain.c) -------------------------- */

/*
 * The Public Suffix List, loaded once (libpsl) and owned by whoever needs
 * it (the daemon's milter, one CLI run); read-only after loading, so
 * threads may share it. DMARC_PSL_DEFAULT is Debian's publicsuffix
 * package's file.
 */
#define DMARC_PSL_DEFAULT	"/usr/share/publicsuffix/public_suffix_list.dat"

struct dmarc_psl;

/* NULL path: DMARC_PSL_DEFAULT. Returns NULL with a message in OUT:err. */
struct dmarc_psl	*dmarc_psl_load(const char *path, char *err,
			    size_t errlen);
/* The same from len bytes of list text (tests, fuzzing). */
struct dmarc_psl	*dmarc_psl_from_mem(const void *p, size_t len,
			    char *err, size_t errlen);
void			 dmarc_psl_free(struct dmarc_psl *psl);	/* NULL ok */

/*
 * Untrusted input. Normalise a domain name for comparison and lookup:
 * ASCII lower case, one trailing dot dropped, U-labels converted to
 * A-labels (IDNA2008, libidn2); then it must be a DNS name of labels of
 * letters, digits, '-' and '_' within DMARC_DOMAIN_MAX. Writes OUT:out
 * (outlen >= DMARC_DOMAIN_MAX + 1). Returns 0 or -1.
 */
int	dmarc_domain_norm(const char *in, size_t len, char *out,
	    size_t outlen);

/*
 * The organizational domain (RFC 7489 section 3.2) of a normalised
 * domain: the public suffix plus one label (libpsl's registrable domain,
 * ICANN and private sections, wildcard and exception rules). A domain
 * that is itself a public suffix is its own organizational domain.
 * Writes OUT:out. Returns 0, or -1 if domain does not fit outlen.
 */
int	dmarc_orgdomain(const struct dmarc_psl *psl, const char *domain,
	    char *out, size_t outlen);

/* ---- the author domain (from.c) ------------------------------------ */

enum dmarc_from_status {
	DMARC_FROM_OK,		/* one domain (all addresses share it) */
	DMARC_FROM_MULTIPLE,	/* addresses in different domains */
	DMARC_FROM_NODOMAIN,	/* an address without a domain, or none */
	DMARC_FROM_BAD		/* not an RFC 5322 address list */
};

/*
 * Untrusted input (RFC 5322 section 3.4 and 3.6.2). The domain of a From
 * field's value (after the colon, folding included): mailboxes with
 * display names, comments, quoted local parts, groups; obsolete forms
 * beyond that are BAD. A From with several addresses in one domain is
 * that domain (RFC 7489 section 6.6.1 evaluates each, with the same
 * outcome). OUT:domain is normalised with dmarc_domain_norm
 * (domainlen >= DMARC_DOMAIN_MAX + 1); a domain that does not
 * normalise is BAD.
 */
enum dmarc_from_status	 dmarc_from_domain(const void *value, size_t len,
			    char *domain, size_t domainlen);
/* Static text for logs and dmarc_verdict.reason: "no domain in From", ... */
const char		*dmarc_from_why(enum dmarc_from_status st);

/* ---- discovery and evaluation (eval.c) ----------------------------- */

enum dmarc_result {
	DMARC_RES_NONE,		/* no policy published */
	DMARC_RES_PASS,
	DMARC_RES_FAIL,
	DMARC_RES_TEMPERROR,	/* the policy lookup failed for now */
	DMARC_RES_PERMERROR	/* no usable author domain (see from.c) */
};

/* What the receiver should do, after pct (RFC 7489 section 6.6.4). */
enum dmarc_disposition {
	DMARC_DISP_NONE,	/* deliver */
	DMARC_DISP_QUARANTINE,
	DMARC_DISP_REJECT
};

enum dmarc_dns_status {
	DMARC_DNS_OK,		/* NOERROR; ntxt may be 0 */
	DMARC_DNS_NXDOMAIN,
	DMARC_DNS_TEMPFAIL	/* timeout, SERVFAIL, malformed answer */
};

/* One TXT record, its strings joined; borrowed for the call. */
struct dmarc_txt {
	const void	*p;
	size_t		 len;
};

struct dmarc;

/*
 * Start policy discovery for a normalised From domain (dmarc_from_domain
 * or dmarc_domain_norm). psl is borrowed and must outlive d. Never NULL;
 * a NULL domain (no From, several From fields, a From that is not
 * DMARC_FROM_OK) or one that does not normalise gives a permerror at
 * evaluation, with reason "no usable From domain" (the caller may put
 * dmarc_from_why() there instead).
 */
struct dmarc	*dmarc_new(const struct dmarc_psl *psl, const char *domain);
void		 dmarc_free(struct dmarc *d);	/* NULL is a no-op */

enum dmarc_step {
	DMARC_STEP_DONE,	/* discovery is over: call dmarc_eval */
	DMARC_STEP_QUERY	/* answer TXT dmarc_query_name() */
};

enum dmarc_step	 dmarc_step(struct dmarc *d);
/*
 * The outstanding question: "_dmarc.example.org" (no trailing dot) and
 * DNS_T_TXT, or the From domain and DNS_T_A for the existence check.
 * Valid until the next answer.
 */
const char	*dmarc_query_name(const struct dmarc *d);
uint16_t	 dmarc_query_type(const struct dmarc *d);
/*
 * Untrusted input. Feed the answer to the outstanding query: every TXT
 * record at the name (at most DMARC_TXT_MAX are looked at; for the A
 * query only st counts).
 */
void		 dmarc_answer(struct dmarc *d, enum dmarc_dns_status st,
		    const struct dmarc_txt *txt, size_t ntxt);
/*
 * The same from a c-ares answer (dns_resolver_query's callback): the TXT
 * records on the question's chain, read by the one answer reader
 * (dns/answer.c); a packet that does not parse is a TEMPFAIL.
 */
void		 dmarc_answer_raw(struct dmarc *d,
		    enum dns_resolver_status st, const uint8_t *pkt,
		    size_t len);

/*
 * One DKIM signature's outcome, as the verifier gives it. Only domain
 * and result count for DMARC; the rest is for the AR field (NULL or ""
 * leaves a property out).
 */
struct dmarc_dkim {
	const char		*domain;	/* d= */
	enum dkim_result	 result;
	const char		*selector;	/* s= */
	const char		*identity;	/* i= */
	const char		*bprefix;	/* b=, or a prefix of it */
	const char		*reason;	/* why it did not pass */
};

/*
 * Fill OUT:out (up to max entries) from a verifier's results after
 * dkim_verify_eom; the strings are borrowed from v. Returns the count.
 */
size_t	dmarc_dkim_from_verify(const struct dkim_verify *v,
	    struct dmarc_dkim *out, size_t max);

/* The authentication results the evaluation aligns with the From domain. */
struct dmarc_auth {
	const char		*spf_domain;	/* MAIL FROM's domain, or the
						   HELO name when it is
						   empty (section 3.1.2);
						   NULL: no SPF */
	enum spf_result		 spf;
	const struct dmarc_dkim	*dkim;
	size_t			 ndkim;
	/*
	 * A number in 0..99 drawn for this message (dmarc_roll()); the
	 * policy applies when roll < pct. Tests inject it.
	 */
	int			 roll;
};

struct dmarc_verdict {
	enum dmarc_result	 result;
	enum dmarc_policy	 policy;	/* p, sp or np that applies */
	const char		*policy_tag;	/* "p", "sp", "np" or NULL */
	enum dmarc_disposition	 disposition;
	int			 sampled_out;	/* roll >= pct lowered it */
	int			 spf_aligned;	/* SPF passed and aligned */
	int			 dkim_aligned;	/* a DKIM pass aligned */
	const char		*dkim_domain;	/* the aligned d= (borrowed
						   from dmarc_auth), or NULL */
	const char		*reason;	/* static text, for logs */
	char			 from[DMARC_DOMAIN_MAX + 1];
	char			 org[DMARC_DOMAIN_MAX + 1];
	char			 record_at[DMARC_DOMAIN_MAX + 1]; /* the domain
						   whose record applied */
	struct dmarc_record	 rec;		/* when a record applied */
};

/*
 * Evaluate after discovery is DONE (RFC 7489 section 6.6.2, 6.6.4). The
 * result is pass when an SPF pass or a DKIM pass is aligned (adkim,
 * aspf; relaxed compares organizational domains). The policy is np for a
 * From domain that does not exist (NXDOMAIN at its _dmarc name and a
 * record found at the organizational domain, RFC 9091), sp for another
 * subdomain of the organizational domain, else p. The disposition is
 * that policy for a fail; when roll >= pct, reject becomes quarantine
 * and quarantine becomes none. a may be NULL (nothing authenticated,
 * roll 0).
 * OUT:v holds its strings (reason and policy_tag are static), except
 * dkim_domain.
 */
void	dmarc_eval(struct dmarc *d, const struct dmarc_auth *a,
	    struct dmarc_verdict *v);

/* A uniform number in 0..99 (arc4random_uniform), for dmarc_auth.roll. */
int	dmarc_roll(void);

/* "none", "pass", "fail", "temperror", "permerror". */
const char	*dmarc_result_name(enum dmarc_result r);
const char	*dmarc_disposition_name(enum dmarc_disposition d);

/*
 * The text of the 550 for a reject disposition, naming the domain and
 * the policy, e.g. "5.7.1 DMARC policy of example.org (p=reject) rejects
 * this message: From example.org is not aligned with a passing SPF or
 * DKIM identity". Printable ASCII only. Writes OUT:buf, returns buf.
 */
char	*dmarc_reply(const struct dmarc_verdict *v, char *buf, size_t len);

/* ---- Authentication-Results (authres.c) ---------------------------- */

/* What one Authentication-Results field reports; NULL parts are left out. */
struct dmarc_ar {
	const char		*authserv_id;
	/* spf: smtp.mailfrom (with '@' when a sender) or smtp.helo */
	int			 has_spf;
	enum spf_result		 spf;
	const char		*spf_mailfrom;	/* NULL or "" with spf_helo */
	const char		*spf_helo;
	/* dkim: one entry per signature; "dkim=none" when has_dkim and 0 */
	int			 has_dkim;
	const struct dmarc_dkim	*dkim;
	size_t			 ndkim;
	/* dmarc: result, header.from and policy.dmarc */
	const struct dmarc_verdict *dmarc;
};

/*
 * Append one Authentication-Results field (name, value, folded with CRLF
 * TAB before each result, no final CRLF) to OUT:b (RFC 8601 section
 * 2.2). Every value from a peer is emitted as a token when it is one and
 * as a quoted-string otherwise, with '"' and '\\' escaped and bytes
 * outside printable ASCII replaced by '?' (cut at DMARC_AR_VALUE_MAX), so
 * untrusted text can neither end the field nor add a result.
 * header.b is the shortest prefix (at least 8 characters) that tells
 * the signatures apart (RFC 6008).
 */
void	dmarc_ar_write(const struct dmarc_ar *ar, struct sbuf *b);

/*
 * The field for a DKIM verifier's results alone, after dkim_verify_eom
 * ("dkim=none" without signatures), as `fairlist dkim verify` prints it:
 * a malloc'ed string ending in CRLF that the caller frees.
 */
char	*dmarc_ar_dkim(const struct dkim_verify *v, const char *authserv_id);

/*
 * Untrusted input (RFC 8601 section 2.2, 5). The authserv-id of an
 * Authentication-Results field's value (after the colon): CFWS and
 * comments skipped, a token or a quoted-string. Returns 1 if it equals
 * ours (ASCII case-insensitive), 0 if not or if the value does not parse
 * (a field we did not write either way). The milter removes the fields
 * that say 1 when they arrive from outside.
 */
int	dmarc_ar_is_ours(const void *value, size_t len,
	    const char *authserv_id);
/*
 * The same parse: copy the authserv-id into OUT:id. Returns 0, or -1 if
 * the value does not parse or the id does not fit idlen.
 */
int	dmarc_ar_authserv_id(const void *value, size_t len, char *id,
	    size_t idlen);

#endif /* FAIRLIST_DMARC_H */
