/*
 * watch.h: the store's side of the watch (src/watch/): the current state
 * of each (target, list) pair and every transition, with whether its
 * alert went out.
 *
 * The store keeps states as the names src/watch/ gives them
 * ("not-listed", "listed", ...): it is a lower layer and does not judge
 * them. A transition row is written in the same transaction as the state
 * it leads to, so a crash never leaves a state without its event.
 */
#ifndef FAIRLIST_STORE_WATCH_H
#define FAIRLIST_STORE_WATCH_H

#include <stddef.h>
#include <stdint.h>

struct store;

#define STORE_WATCH_TEXT_MAX	512	/* bytes of a state's text */
#define STORE_WATCH_NAME_MAX	256	/* bytes of a target or list, NUL */
#define STORE_WATCH_STATE_MAX	16	/* bytes of a state name, NUL */
#define STORE_WATCH_CODE_MAX	16	/* "255.255.255.255", NUL */

/* An event's alert. */
enum store_watch_notify {
	STORE_WATCH_QUIET = 0,		/* not alerted (first check) */
	STORE_WATCH_PENDING,		/* the webhook has not taken it yet */
	STORE_WATCH_SENT,		/* the webhook answered 2xx */
	STORE_WATCH_FAILED,		/* every try failed */
	STORE_WATCH_NOHOOK		/* alerted by log and metrics only */
};

/* "quiet", "pending", "sent", "failed", "no-webhook"; "?" otherwise. */
const char	*store_watch_notify_name(enum store_watch_notify n);

/* The state of one pair; strings copied into the struct. */
struct store_watch {
	char	 target[STORE_WATCH_NAME_MAX];
	char	 list[STORE_WATCH_NAME_MAX];
	char	 state[STORE_WATCH_STATE_MAX];
	char	 code[STORE_WATCH_CODE_MAX];	/* "" when none */
	char	 text[STORE_WATCH_TEXT_MAX];	/* "" when none */
	int64_t	 since;			/* when this state began */
	int64_t	 checked_at;		/* the last check */
};

/*
 * The stored state of (target, list) into OUT:w. Returns 1, 0 when the
 * pair was never checked (w zeroed, state ""), -1 on a db error.
 */
int	store_watch_get(struct store *s, const char *target, const char *list,
	    struct store_watch *w);

/*
 * Write the result of one check at now: the pair's state, code (NULL or
 * "") and text. With event != 0 (a transition, as watch_transition
 * said) also an event row from the stored state (or "unknown") to this
 * one, with notify and removal_url, and since = now; otherwise only
 * checked_at (and code, text) move. The event is left out when the
 * stored row already has this state and code (another writer stored the
 * same change first). One IMMEDIATE transaction. Returns
 * the event's id (> 0), 0 when none was written, -1 on a db error.
 */
int64_t	store_watch_put(struct store *s, const char *target, const char *list,
	    const char *state, const char *code, const char *text,
	    const char *removal_url, int event, enum store_watch_notify notify,
	    int64_t now);

/* Call cb for each stored pair by target, list; non-zero stops. */
int	store_watch_foreach(struct store *s,
	    int (*cb)(const struct store_watch *, void *), void *arg);

/* One transition; strings borrowed for the callback. */
struct store_watch_event {
	int64_t			 id;
	int64_t			 at;
	const char		*target, *list, *old, *new;
	const char		*code, *text, *removal_url;	/* or NULL */
	enum store_watch_notify	 notify;
};

/*
 * Call cb for the transitions, newest first, at most limit (0: all);
 * pending != 0: only those whose notify is STORE_WATCH_PENDING, oldest
 * first. A non-zero cb return stops and is returned.
 */
int	store_watch_events(struct store *s, int pending, int limit,
	    int (*cb)(const struct store_watch_event *, void *), void *arg);

/* Set event id's notify (the webhook's outcome). 0 or -1. */
int	store_watch_notified(struct store *s, int64_t id,
	    enum store_watch_notify notify);

#endif /* FAIRLIST_STORE_WATCH_H */
