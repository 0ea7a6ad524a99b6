/*
 * server.h: the DNS server that runs dnsbl_answer: UDP workers (one per
 * core but one, SO_REUSEPORT, recvmmsg/sendmmsg batches) and TCP on the daemon's
 * libevent loop. Owns the published index snapshot and its safe reclaim.
 */
#ifndef FAIRLIST_DNSBL_SERVER_H
#define FAIRLIST_DNSBL_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dnsbl/rrl.h"

struct event_base;
struct index;
struct dnsbl_conf;

#define DNSBL_LISTEN_MAX	8	/* listen addresses */
#define DNSBL_WORKERS_MAX	64	/* UDP workers per address */
#define DNSBL_BATCH		32	/* packets per recvmmsg/sendmmsg */
#define DNSBL_TCP_CLIENTS	256	/* concurrent TCP connections */
#define DNSBL_TCP_IDLE		10	/* seconds before an idle TCP close */
#define DNSBL_TCP_MESSAGE	5	/* seconds to receive one whole message */
#define DNSBL_TCP_OUTBUF	(256 * 1024)	/* stop reading past this */
#define DNSBL_SECONDARIES_MAX	256	/* secondaries x zones in status */

struct dnsbl_server_conf {
	struct sockaddr_storage	 listen[DNSBL_LISTEN_MAX];
	socklen_t		 listen_len[DNSBL_LISTEN_MAX];
	size_t			 nlisten;
	int			 workers;	/* per address; 0 = cores - 1 */
	int			 tcp_idle;	/* seconds */
	int			 tcp_message;	/* seconds, one whole message */
	int			 tcp_clients;
	struct rrl_conf		 rrl;		/* UDP only; rate 0: off */
	const struct dnsbl_conf	*dns;		/* borrowed, must outlive */
};

struct dnsbl_server;

/*
 * Parse "127.0.0.1:5300", "[::1]:5300" or "127.0.0.1" (port 5300) into
 * OUT:ss/OUT:len. Returns 0 or -1.
 */
int	dnsbl_parse_listen(const char *s, struct sockaddr_storage *ss,
	    socklen_t *len);

/*
 * Create the server and bind every UDP and TCP socket (do this before
 * dropping privileges). Returns NULL and a message in OUT:err (256 bytes).
 */
struct dnsbl_server	*dnsbl_server_new(const struct dnsbl_server_conf *c,
			    char *err);

/*
 * Publish a new snapshot (the server takes ownership). Readers switch to
 * it at their next batch; the previous snapshot is freed once no reader
 * holds it. Call from one thread at a time (the reload thread). idx may
 * be NULL only before the first start.
 */
void	dnsbl_server_publish(struct dnsbl_server *s, struct index *idx);

/*
 * Answer with dc from the next batch on (SIGHUP). Readers load it after
 * taking their snapshot, so the previous dnsbl_conf is unused once the
 * next dnsbl_server_publish has returned: keep it valid until then.
 */
void	dnsbl_server_set_dns(struct dnsbl_server *s,
	    const struct dnsbl_conf *dc);

/* The current snapshot, for the publisher's own bookkeeping only. */
const struct index	*dnsbl_server_current(const struct dnsbl_server *s);

/*
 * The current snapshot for another user on the loop thread (the policy
 * server), held in the loop's hazard slot until the release. Loop thread
 * only; do not nest with the TCP DNS path (both run to completion).
 */
const struct index	*dnsbl_server_loop_acquire(struct dnsbl_server *s);
void			 dnsbl_server_loop_release(struct dnsbl_server *s);

/* The answer settings in use (loop thread: valid until the next event). */
const struct dnsbl_conf	*dnsbl_server_dns(struct dnsbl_server *s);

/*
 * NOTIFY to dns { transfer { notify } } after each change of a zone's
 * serial (notify.c), on base; dnsbl_server_start starts it and
 * dnsbl_server_free frees it. NULL is a no-op for the free.
 */
struct dnsbl_notify;
struct dnsbl_notify	*dnsbl_notify_new(struct dnsbl_server *s,
			    struct event_base *base);
void			 dnsbl_notify_free(struct dnsbl_notify *n);
/*
 * Wake the notifier on its loop now (an eventfd write): any thread. The
 * server calls it when the hold is released (dnsbl_server_xfr_hold).
 * NULL is a no-op.
 */
void			 dnsbl_notify_wake(struct dnsbl_notify *n);

/*
 * Build zone (its name) of idx as records for transfers and keep it in
 * the IXFR history, when transfers are allowed at all: the notifier
 * calls this on each new serial before it sends the NOTIFYs, so that the
 * transfers they bring find the zone ready (one build per change, not
 * one per secondary, and no secondary waits for it). Any thread (the
 * history locks itself): the daemon's reload thread builds each new
 * serial while it holds the notifier, whose call then finds it kept.
 */
void	dnsbl_server_xfr_keep(struct dnsbl_server *s, const struct index *idx,
	    const char *zone);
/*
 * Keep idx's zone (its name), a version before the current one read
 * back from the store at its time at (index_load_version), in the IXFR
 * history as an older version (xfr_history_keep_old), when transfers
 * are allowed. Any thread (the history locks itself); idx may go after.
 */
void	dnsbl_server_xfr_keep_old(struct dnsbl_server *s,
	    const struct index *idx, const char *zone, int64_t at);
/* 1 when transfers are allowed (dns { transfer { allow } }). */
int	dnsbl_server_xfr_on(struct dnsbl_server *s);
/*
 * Hold (1) or release (0) the notifier: while held, new serials are
 * neither built for transfers nor NOTIFYed, so that the NOTIFYs after a
 * start wait until the older versions are in the history (the daemon's
 * reload thread reads them back). Released after dnsbl_server_new.
 * A release wakes the notifier at once (dnsbl_notify_wake), so a new
 * serial's NOTIFYs go out as soon as it is built, not at its next tick.
 * Called by the reload thread only once the DNS service has started.
 */
void	dnsbl_server_xfr_hold(struct dnsbl_server *s, int hold);
int	dnsbl_server_xfr_held(struct dnsbl_server *s);

/* The NOTIFY answer of a secondary, for fairlist status. */
enum dnsbl_notify_result {
	DNSBL_NOTIFY_NONE,	/* none sent */
	DNSBL_NOTIFY_WAITING,	/* sent, no answer yet */
	DNSBL_NOTIFY_ANSWERED,	/* rcode says how */
	DNSBL_NOTIFY_NO_ANSWER,	/* given up after XFR_NOTIFY_TRIES */
	DNSBL_NOTIFY_BAD_TSIG	/* answers came unsigned or badly signed */
};

/*
 * What fairlist status says of one secondary and zone: a NOTIFY target
 * (address with port), or an address that transferred the zone and is
 * no single target's (its own, or shared by several targets). Times are
 * wall-clock seconds, 0 for never.
 */
struct dnsbl_secondary {
	char				 address[64];
	char				 zone[256];
	struct sockaddr_storage		 sa;	/* port 0 for a transfer peer */
	int				 target;	/* a notify target */
	int64_t				 notify_at;	/* last sent */
	uint32_t			 notify_serial;
	enum dnsbl_notify_result	 notify_result;
	int				 notify_rcode;
	int64_t				 xfr_at;	/* last transfer's end */
	int				 xfr_ixfr;	/* a difference */
	uint32_t			 xfr_serial;
	uint64_t			 xfr_bytes;	/* with TCP lengths */
};

/*
 * The entry of (sa, zone), made if new (with address as sa's text, the
 * port only for a target), or NULL when DNSBL_SECONDARIES_MAX are known.
 * Loop thread only; valid until the server is freed.
 */
struct dnsbl_secondary	*dnsbl_server_secondary(struct dnsbl_server *s,
			    const struct sockaddr_storage *sa, int target,
			    const char *zone);
/* Every entry: the count, and the array in *OUT:v. Loop thread only. */
size_t			 dnsbl_server_secondaries(struct dnsbl_server *s,
			    const struct dnsbl_secondary **v);

/* Start the UDP workers and the TCP listeners on base. Returns 0 or -1. */
int	dnsbl_server_start(struct dnsbl_server *s, struct event_base *base);

/* Stop the workers, close every socket, free the snapshot. NULL: no-op. */
void	dnsbl_server_free(struct dnsbl_server *s);

#endif /* FAIRLIST_DNSBL_SERVER_H */
