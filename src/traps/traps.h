/*
 * traps.h: the trap receiver (docs/FAIRNESS.md): a minimal SMTP server
 * for trap addresses, the classifier that tells spam from backscatter,
 * and the listing decision that lists the sending address fairly.
 *
 *   smtp.c     the RFC 5321 server state machine, pure: bytes in, replies
 *              and whole messages out (no I/O; fuzzed)
 *   classify.c spam or backscatter, and the rule that said so (pure;
 *              fuzzed)
 *   list.c     the listing decision over a store connection: which zone,
 *              the evidence, the expiry that doubles on each relisting,
 *              range escalation
 *   tconf.c    the traps { } block
 *
 * The socket glue is src/daemon/traps_svc.c.
 */
#ifndef FAIRLIST_TRAPS_H
#define FAIRLIST_TRAPS_H

#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/buf.h"

struct conf;
struct conf_node;
struct store;

/* RFC 5321 section 4.5.3.1: the sizes every server must accept. */
#define TRAPS_LINE_MAX		512	/* a command line, CRLF included */
#define TRAPS_PATH_MAX		256	/* a reverse or forward path */
#define TRAPS_DOMAIN_MAX	253	/* a trap domain, no trailing dot */

#define TRAPS_LISTEN_MAX	8
#define TRAPS_DOMAINS_MAX	64
#define TRAPS_RCPT_MAX		100	/* recipients per message, default */
#define TRAPS_RCPT_LIMIT	1000	/* largest rcpt-max accepted */
#define TRAPS_MSG_MAX		(1024 * 1024)	/* message-size, default */
#define TRAPS_MSG_LIMIT		(64 * 1024 * 1024) /* largest accepted */
#define TRAPS_ERRORS_MAX	10	/* bad commands before 421 and close */
#define TRAPS_IDLE_S		60	/* a command or data line, default */
#define TRAPS_SESSION_S		600	/* a whole connection, default */
#define TRAPS_CLIENTS		256	/* connections at once, default */
#define TRAPS_CLIENTS_MAX	100000
#define TRAPS_OUT_MAX		(64 * 1024)	/* unread replies: stop reading */
#define TRAPS_MSGID_MAX		200	/* bytes of a Message-ID kept */
#define TRAPS_HOSTNAME_MAX	253

#define TRAPS_FIRST_EXPIRY	86400		/* 24 h */
#define TRAPS_MAX_EXPIRY	(30 * 86400)	/* 30 days */
#define TRAPS_FORGET		(90 * 86400)	/* relistings counted */
#define TRAPS_RANGE_MIN		5	/* addresses before a range */
#define TRAPS_RANGE_WINDOW	(7 * 86400)
#define TRAPS_RANGE_V4		24
#define TRAPS_RANGE_V6		64
#define TRAPS_RANGE_MIN_MAX	1000	/* largest range-min accepted */

#define TRAPS_SOURCE		"trap"	/* every listing's source */
#define TRAPS_ACTOR		"trap"

/* ------------------------------------------------------------------ */
/* configuration (tconf.c)                                            */
/* ------------------------------------------------------------------ */

struct traps_conf {
	char		*listen[TRAPS_LISTEN_MAX];
	int		 nlisten;	/* 0: no trap receiver */
	char		*domains[TRAPS_DOMAINS_MAX];	/* lower case */
	int		 ndomains;
	char		*zone;		/* spam */
	char		*backscatter_zone;
	char		*range_zone;	/* NULL: no range escalation */
	char		 hostname[TRAPS_HOSTNAME_MAX + 1];
	int64_t		 first_expiry;	/* seconds */
	int64_t		 max_expiry;
	int64_t		 forget;	/* earlier listings older: not counted */
	int		 range_min;	/* distinct addresses */
	int64_t		 range_window;
	int		 range_v4;	/* prefix lengths */
	int		 range_v6;
	size_t		 msg_max;
	int		 rcpt_max;
	int		 idle_s;
	int		 session_s;
	int		 clients;
};

/*
 * Read the traps block node of cf (NULL: no block, nlisten 0: off) into
 * OUT:tc, strictly: an unknown key, a bad value or a repeated single key
 * is "file:line: why" in OUT:err and -1. A block needs domain, zone and
 * backscatter-zone, three different zones (range-zone too when given).
 * Strings are owned by tc; free with traps_conf_free.
 */
int	traps_conf_read(const struct conf *cf, const struct conf_node *node,
	    struct traps_conf *tc, char *err, size_t errlen);
void	traps_conf_free(struct traps_conf *tc);

/* ------------------------------------------------------------------ */
/* the SMTP state machine (smtp.c)                                    */
/* ------------------------------------------------------------------ */

enum traps_smtp_state {
	TRAPS_S_HELO = 0,	/* waiting for EHLO or HELO */
	TRAPS_S_MAIL,		/* waiting for MAIL */
	TRAPS_S_RCPT,		/* MAIL given: RCPT, or DATA after one */
	TRAPS_S_DATA,		/* reading the message */
	TRAPS_S_CLOSED		/* QUIT, or too many errors: close */
};

/* What traps_smtp_feed stopped at. */
enum traps_smtp_event {
	TRAPS_EV_MORE = 0,	/* every byte taken; feed more */
	TRAPS_EV_MESSAGE,	/* a whole message: traps_smtp_done it */
	TRAPS_EV_CLOSE		/* write the replies, then close */
};

/*
 * One SMTP session. Zero it, then traps_smtp_init. The domains and
 * hostname are borrowed and must outlive the session.
 */
struct traps_smtp {
	enum traps_smtp_state	 state;
	const char *const	*domains;
	int			 ndomains;
	const char		*hostname;
	size_t			 msg_max;
	int			 rcpt_max;
	int			 errors;
	int			 skipping;	/* an overlong line's rest */
	char			 line[TRAPS_LINE_MAX + 1];
	size_t			 linelen;
	/* the transaction */
	int			 null_sender;
	char			 from[TRAPS_PATH_MAX + 1];
	char			 rcpt[TRAPS_PATH_MAX + 1];	/* the first */
	int			 nrcpt;
	int			 too_big;	/* past msg_max: refused */
	int			 dstate;	/* smtp.c's DATA scanner */
	struct sbuf		 msg;		/* unstuffed, as received */
};

void	traps_smtp_init(struct traps_smtp *s, const struct traps_conf *tc);
/* Frees what the session holds (not s). */
void	traps_smtp_free(struct traps_smtp *s);

/* The 220 greeting, appended to OUT:out. */
void	traps_smtp_greet(struct traps_smtp *s, struct sbuf *out);

/*
 * Untrusted input (RFC 5321): take bytes from p (n of them) until an
 * event, setting *OUT:used, and append every reply to OUT:out. Command
 * lines end in LF (a CR before it is dropped), are at most
 * TRAPS_LINE_MAX bytes (a longer one gets 500 and is skipped to its end)
 * and may not hold NUL. In DATA only CRLF "." CRLF ends the message
 * (section 4.1.1.4; a bare LF never does), a leading dot is removed
 * (section 4.5.2), and a message past msg_max is read to its end and
 * refused with 552. After TRAPS_ERRORS_MAX bad commands the session says
 * 421 and closes. Replies never hold a byte the peer sent.
 *
 * TRAPS_EV_MESSAGE: the message is in s->msg (with s->from, s->rcpt,
 * s->null_sender); the caller judges it and calls traps_smtp_done
 * before feeding more. TRAPS_EV_CLOSE: write out and close.
 */
enum traps_smtp_event traps_smtp_feed(struct traps_smtp *s, const void *p,
	    size_t n, size_t *used, struct sbuf *out);

/*
 * The reply to the message just read: 250 when ok, else 451 4.3.0 (our
 * own failure: the client tries again later). Ends the transaction.
 */
void	traps_smtp_done(struct traps_smtp *s, int ok, struct sbuf *out);

/* ------------------------------------------------------------------ */
/* the classifier (classify.c)                                        */
/* ------------------------------------------------------------------ */

enum traps_class {
	TRAPS_SPAM = 0,
	TRAPS_BACKSCATTER
};

struct traps_verdict {
	enum traps_class	 cls;
	const char		*rule;		/* static: the rule that fired */
	char			 msgid[TRAPS_MSGID_MAX + 1];	/* printable
						   ASCII, "" when none */
};

/*
 * Untrusted input: classify a message (header and body, as received)
 * sent with a null reverse path or not. Backscatter when any rule of
 * docs/FAIRNESS.md fires (the first, in its order, is named), else spam
 * (rule "no-backscatter-sign"). Reads at most the header and the first
 * TRAPS_BODY_SCAN bytes of the body. Fills OUT:v.
 */
#define TRAPS_BODY_SCAN		(16 * 1024)
#define TRAPS_HEADER_SCAN	(64 * 1024)
void	traps_classify(const void *msg, size_t len, int null_sender,
	    struct traps_verdict *v);

/* "spam", "backscatter". */
const char	*traps_class_name(enum traps_class c);

/* ------------------------------------------------------------------ */
/* the listing decision (list.c)                                      */
/* ------------------------------------------------------------------ */

/* One trap hit: a message accepted for a trap address. */
struct traps_hit {
	int64_t			 at;		/* Unix time */
	struct addr_prefix	 peer;		/* the connecting address */
	const char		*trap;		/* the first recipient */
	const char		*msgid;
	char			 sha256[65];	/* of the message, hex */
	const struct traps_verdict *v;
};

/* What traps_list did. */
struct traps_outcome {
	const char	*zone;		/* the zone of the address's class */
	int64_t		 id;		/* the new listing, 0: none */
	int		 already;	/* listed there before: nothing added */
	int64_t		 expires_at;	/* of the new listing */
	int		 relistings;	/* earlier trap listings counted */
	int64_t		 range_id;	/* a new range listing, 0: none */
	char		 range[ADDR_TEXT_MAX];	/* its prefix */
	int		 range_count;	/* distinct addresses seen in it */
};

/*
 * The decision for one hit, written through st (a connection of the
 * caller's; one writer). Spam goes to tc->zone, backscatter to
 * tc->backscatter_zone only. An address listed there already (any
 * source) gets nothing new. Otherwise a listing with source "trap", the
 * evidence (time, trap address, Message-ID, SHA-256, class, rule) and an
 * expiry of first_expiry doubled for each earlier trap listing of the
 * address in that zone within forget, capped at max_expiry. Spam only:
 * when range_zone is set and the address's range (range-v4, range-v6)
 * now holds trap listings of at least range_min distinct addresses of
 * tc->zone made within range_window, the range goes into range_zone,
 * its reason saying it is a range listing and why. Fills OUT:o.
 * Returns 0, or -1 with the store's message in OUT:err.
 */
int	traps_list(struct store *st, const struct traps_conf *tc,
	    const struct traps_hit *h, struct traps_outcome *o, char *err,
	    size_t errlen);

/*
 * The expiry, in seconds, of a listing with n earlier ones: first
 * doubled n times, at most max. Pure.
 */
int64_t	traps_expiry(int64_t first, int64_t max, int n);

/* SHA-256 of len bytes at p as 64 hex digits and a NUL in OUT:hex. */
void	traps_sha256_hex(const void *p, size_t len, char hex[65]);

#endif /* FAIRLIST_TRAPS_H */
