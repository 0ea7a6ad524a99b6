/*
 * removal.h: removal requests, each zone's removal policy and the
 * cooldown of addresses that remove themselves again and again.
 *
 * A removal request asks for one address to leave one zone. When it is
 * made, every listing of the zone that lists the address (the most
 * specific entries covering it, down to the first exclusion) is judged by
 * the zone's policy for the listing's source:
 *   self-service  the listing is closed at once (history "remove", why
 *                 "self-service removal by REQUESTER (request REF)") and
 *                 the removal counts towards the address's cooldown;
 *   review        the listing waits for an operator (approve or deny);
 *   none          the zone takes no removal requests for that source.
 * Only a single-address listing is removed by self-service: a range is
 * reviewed, so that one address cannot delist its neighbours.
 *
 * A request has an integer id (the operator's: CLI, admin API) and a
 * public reference, STORE_REF_LEN url-safe characters from 96 random
 * bits (the public pages' /request/REF), which nobody can guess or
 * enumerate; it never starts with '-', so the CLI takes it as an
 * argument. Its state:
 *   open      listings wait for review
 *   approved  an operator approved: the listings that waited are closed
 *   denied    an operator denied (why is required)
 *   done      every listing was removed by self-service
 *   refused   nothing was removable: the policy said none
 * Every step is a row in the request's history and in the audit log,
 * with the actor ("web:ADDR", "cli:USER", "token:NAME").
 */
#ifndef FAIRLIST_STORE_REMOVAL_H
#define FAIRLIST_STORE_REMOVAL_H

#include <stdint.h>

#include "core/addr.h"

struct store;

#define STORE_REF_LEN		16	/* characters of a request reference */
#define STORE_NOTE_MAX		1024	/* bytes of a requester's note */
#define STORE_REQUESTER_MAX	64	/* bytes of a requester's address */
#define STORE_RULES_MAX		16	/* removal rules per zone */
#define STORE_COOLDOWN_WINDOW	(90 * 86400)	/* seconds, default */
#define STORE_COOLDOWN_MAX	64	/* largest multiplier, default */

/* store_request_create's results besides an id (> 0) and -1. */
#define STORE_UNLISTED		(-2)	/* the address is listed in no zone */
#define STORE_AMBIGUOUS		(-3)	/* no zone given, listed in several */

enum store_removal {
	STORE_REMOVAL_SELF = 1,		/* "self-service" */
	STORE_REMOVAL_REVIEW,		/* "review" */
	STORE_REMOVAL_NONE		/* "none" */
};

/* "self-service", "review", "none"; "?" for other values. */
const char	*store_removal_name(enum store_removal p);
/* The policy named text into OUT:p; 0, or -1 for an unknown name. */
int		 store_removal_parse(const char *text, enum store_removal *p);

/*
 * One rule of a zone's policy: listings whose source is source get
 * policy. source is exact ("cli"), a prefix ending in '*' ("import:*"),
 * or "*" for every source. For a source the exact rule wins, then the
 * longest prefix, then "*", then the default: self-service for "trap"
 * and "auto", review for every other source ("cli", "admin", "import:
 * FILE", "api", none).
 */
struct store_removal_rule {
	const char		*source;
	enum store_removal	 policy;
};

/* 1 if src may be a rule's source (see store_zone_set_removal). */
int	store_removal_source_ok(const char *src);

/*
 * Set zone's removal rules (n at most STORE_RULES_MAX; sources as above,
 * 1 to 64 bytes of letters, digits, '-', '_', '.', ':', '/', and '*' as
 * the last only) and its
 * cooldown: window seconds (> 0) and largest multiplier max (>= 1). An
 * unchanged setting writes nothing; a change is audited. 0 or -1.
 */
int	store_zone_set_removal(struct store *s, const char *zone,
	    const struct store_removal_rule *rules, int n, int64_t window,
	    int64_t max, const char *actor);

/* The policy of zone for listings of source (NULL: "") into OUT:p; 0, -1. */
int	store_removal_policy(struct store *s, const char *zone,
	    const char *source, enum store_removal *p);

enum store_req_state {
	STORE_REQ_OPEN = 1,
	STORE_REQ_APPROVED,
	STORE_REQ_DENIED,
	STORE_REQ_DONE,
	STORE_REQ_REFUSED
};

/* "open", "approved", "denied", "done", "refused"; "?" otherwise. */
const char	*store_req_state_name(enum store_req_state st);
/* The state named text into OUT:st; 0 or -1. */
int		 store_req_state_parse(const char *text,
		    enum store_req_state *st);

/* A request as stored. Strings are borrowed for the callback only. */
struct store_request {
	int64_t			 id;
	const char		*ref;		/* STORE_REF_LEN chars */
	const char		*zone;
	struct addr_prefix	 addr;		/* /32 or /128 */
	const char		*requester;	/* the requester's address */
	const char		*note;		/* "" when none */
	enum store_req_state	 state;
	int64_t			 created_at;
	int64_t			 decided_at;	/* 0 while open */
	const char		*actor;		/* who decided; NULL while open */
	const char		*why;		/* and why; NULL while open */
};

/* One step of a request: "create", "self-service", "review", "refused",
 * "approve", "deny". */
struct store_request_event {
	int64_t		 request_id;
	int64_t		 at;
	const char	*actor;
	const char	*action;
	const char	*why;
};

/* What store_request_create did. */
struct store_request_made {
	int64_t			 id;
	char			 ref[STORE_REF_LEN + 1];
	enum store_req_state	 state;
	int			 removed;	/* listings closed now */
	int			 pending;	/* listings waiting for review */
	int			 refused;	/* listings the policy keeps */
	int			 existing;	/* 1: an open request was reused */
};

/*
 * Ask for host address a (a /32 or /128 prefix) to leave zone (NULL: the
 * one zone that lists it), on behalf of requester (its address as text,
 * at most STORE_REQUESTER_MAX bytes) with an optional note (NULL or at
 * most STORE_NOTE_MAX bytes, str_text_check). Applies the zone's policy
 * at once (see the top of this file) in one transaction. An open request
 * for the same address and zone is returned again (existing = 1), not
 * duplicated. Fills OUT:made; returns the request id (> 0),
 * STORE_UNLISTED (no listing in force lists a, in zone or at all: nothing
 * written), STORE_AMBIGUOUS (zone NULL and a listed in several zones;
 * the message names them) or -1 (unknown zone, bad text, db error).
 */
int64_t	store_request_create(struct store *s, const struct addr_prefix *a,
	    const char *zone, const char *requester, const char *note,
	    const char *actor, struct store_request_made *made);

/*
 * Find a request by key: its reference, or (public == 0 only) its id in
 * decimal. Calls cb once with it, then ev (if not NULL) for each event of
 * its history, oldest first. Returns 1 (found), 0 (no such request) or -1;
 * a non-zero callback return stops and is returned.
 */
int	store_request_get(struct store *s, const char *key, int public,
	    int (*cb)(const struct store_request *, void *),
	    int (*ev)(const struct store_request_event *, void *), void *arg);

/* Which requests store_foreach_request returns; zero-filled: all. */
struct store_request_filter {
	enum store_req_state		 state;	/* 0: any */
	const struct addr_prefix	*addr;	/* this address; NULL: any */
	const char			*zone;	/* NULL: any */
	int64_t				 limit;	/* 0: no limit */
};

/* Call cb for each request matching f, newest first; as store_foreach_*. */
int	store_foreach_request(struct store *s,
	    const struct store_request_filter *f,
	    int (*cb)(const struct store_request *, void *), void *arg);

/*
 * Decide an open request (key as in store_request_get with public 0).
 * approve: every listing of its zone that still lists its address is
 * closed (history "remove", why "removal request REF approved by ACTOR:
 * WHY") and the state becomes approved; otherwise it becomes denied, and
 * why is required. why: NULL or at most STORE_REASON_MAX bytes. Returns
 * the number of listings closed (>= 0), or -1: no such request, already
 * decided ("request N is approved already"), bad text, db error.
 */
int	store_request_decide(struct store *s, const char *key, int approve,
	    const char *why, const char *actor);

/* Counts of requests by state, for metrics: OUT:n[state], n[0] unused. */
int	store_request_counts(struct store *s, int64_t n[STORE_REQ_REFUSED + 1]);

/*
 * The cooldown of prefix p in zone at time now (0: the current time):
 * each self-service removal of p within the zone's window makes the next
 * listing of p last longer, its expiry (from listed_at) multiplied by
 * 2^count, at most the zone's max. store_add applies it to a listing
 * that expires and writes a "cooldown" history row that says so.
 */
struct store_cooldown {
	int64_t	 count;		/* self-service removals in the window */
	int64_t	 since;		/* the oldest of them; 0 if none */
	int64_t	 window;	/* seconds */
	int64_t	 multiplier;	/* for the next listing: 2^count, capped */
	int64_t	 max;		/* the cap */
};
int	store_cooldown(struct store *s, const char *zone,
	    const struct addr_prefix *p, int64_t now,
	    struct store_cooldown *out);

#endif /* FAIRLIST_STORE_REMOVAL_H */
