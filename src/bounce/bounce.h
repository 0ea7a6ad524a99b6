/*
 * bounce.h: read a bounce the way a person would. Protocol code without
 * I/O: bytes in, a classification out.
 *
 *   mime.c     the message walk: RFC 2045/2046 headers, multipart
 *              boundaries, base64 and quoted-printable text parts, the
 *              RFC 3464 message/delivery-status fields; non-DSN bounces
 *              (Exim, qmail, Exchange, Gmail) by their human text
 *   classify.c the rule table (rules.c) over the remote server's reply
 *              text, the enhanced status code (RFC 3463) as a fallback,
 *              the list name and the address the text names
 *   rules.c    the rule table: data, one pattern and class a row
 *
 * A classification is one of the classes below, with an action for a
 * list manager: suppress only for a dead mailbox or domain in a permanent
 * failure; a blocklist bounce is never suppress. docs/BOUNCES.md lists
 * the classes, the actions and the rules.
 */
#ifndef FAIRLIST_BOUNCE_H
#define FAIRLIST_BOUNCE_H

#include <stddef.h>

/* Limits: input past them is not read, so any input is bounded work. */
#define BOUNCE_MSG_MAX		(4u * 1024 * 1024) /* bytes of a message read */
#define BOUNCE_TEXT_MAX		(64u * 1024)	/* decoded human text kept */
#define BOUNCE_DIAG_MAX		4096		/* a DSN field's value kept */
#define BOUNCE_PARTS_MAX	64		/* MIME parts walked */
#define BOUNCE_DEPTH_MAX	8		/* multipart nesting */
#define BOUNCE_HEADER_MAX	16384		/* one unfolded header field */
#define BOUNCE_BOUNDARY_MAX	200		/* RFC 2046 says 70; be lenient */

enum bounce_class {
	BOUNCE_UNKNOWN = 0,
	BOUNCE_BLOCKLIST,	/* a third-party DNSBL listed our address */
	BOUNCE_PROVIDER_BLOCK,	/* the receiver's own reputation system */
	BOUNCE_REPUTATION_TEMP,	/* a 4xx throttle for reputation */
	BOUNCE_RESOLVER_ERROR,	/* the receiver's DNSBL query failed */
	BOUNCE_BROKEN_LIST,	/* the list itself is broken (dead, wildcard) */
	BOUNCE_USER_UNKNOWN,
	BOUNCE_MAILBOX_FULL,
	BOUNCE_DOMAIN_UNKNOWN,
	BOUNCE_CONTENT,
	BOUNCE_POLICY,
	BOUNCE_TEMPORARY,
	BOUNCE_CLASS_COUNT
};

enum bounce_action {
	BOUNCE_KEEP = 0,	/* the member stays subscribed */
	BOUNCE_RETRY,		/* try again later */
	BOUNCE_SUPPRESS		/* the mailbox or domain is dead */
};

/* One classification. Every string is NUL-terminated, "" when absent. */
struct bounce_result {
	enum bounce_class	 cls;
	enum bounce_action	 action;
	int			 dsn;		/* a message/delivery-status seen */
	char			 reply[4];	/* SMTP reply code, "550" */
	char			 status[12];	/* enhanced code, "5.7.1" */
	char			 list[256];	/* the list the text names */
	char			 ip[64];	/* the address the text names */
	char			 recipient[256]; /* DSN Final-Recipient */
	char			 remote_mta[256]; /* DSN Remote-MTA */
	const char		*rule;		/* the rule that fired, static */
	char			 explain[512];	/* one line for a person */
	char			 diag[512];	/* the reply text read, cut */
};

/*
 * Classify a whole message (a DSN, a non-DSN bounce, or text without
 * headers, read as a reply). Untrusted input: any bytes; at most
 * BOUNCE_MSG_MAX of them are read. Malformed MIME gives a best effort
 * or BOUNCE_UNKNOWN, never a failure. Fills OUT:r.
 */
void		 bounce_classify_message(const void *msg, size_t len,
		    struct bounce_result *r);

/*
 * Classify a bare SMTP reply text ("550 5.7.1 Service unavailable; ...",
 * possibly multi-line). Untrusted input. Fills OUT:r.
 */
void		 bounce_classify_text(const void *text, size_t len,
		    struct bounce_result *r);

/* "blocklist", "user-unknown", ...; NULL for a value out of range. */
const char	*bounce_class_name(enum bounce_class c);
/* "keep", "retry", "suppress". */
const char	*bounce_action_name(enum bounce_action a);

#endif /* FAIRLIST_BOUNCE_H */
