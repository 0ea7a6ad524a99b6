/*
 * daemon_int.h: the daemon context, shared by the files of src/daemon/.
 */
#ifndef FAIRLIST_DAEMON_INT_H
#define FAIRLIST_DAEMON_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "daemon/daemon.h"

struct event_base;
struct index;

struct policy_drain;
struct traps_srv;
struct daemon_ctl;
struct json_t;

struct daemon {
	struct daemon_conf	*conf;		/* the running one */
	const struct daemon_ops	*ops;
	struct store		*st;
	struct dnsbl_server	*srv;
	struct index		*first;		/* not yet published */
	struct event_base	*base;
	atomic_int		 stop;
	atomic_int		 hup;
	atomic_uint		 hup_seq;	/* SIGHUPs so far (loop thread) */
	pthread_t		 reloader;
	int			 reload_ms;	/* the reload thread's copy */
	int			 wal_fd;	/* daemon_wal_watch, or -1 */
	int			 wake_fd;	/* eventfd: daemon_reloader_wake */
	char			*snap;		/* <db>.snap, NULL: no cache */
	int			 save_pending;	/* startup compile not saved */
	uint64_t		 save_gen;	/* its store generation */
	struct policy_server	*psrv;		/* NULL: no policy server */
	struct policy_engine	*peng;
	struct daemon_conf	*peng_conf;	/* the conf peng uses */
	struct policy_drain	*drains;	/* engines replaced by SIGHUP */
	struct web_server	*wsrv;		/* NULL: no HTTP service */
	struct milter_server	*msrv;		/* NULL: no milter */
	struct watch_svc	*watch;		/* NULL: no watch (watch_svc.c) */
	struct traps_srv	*tsrv;		/* NULL: no trap receiver */
	struct daemon_ctl	*ctl;		/* NULL: no control socket */
	int64_t			 started;	/* wall clock, seconds */
	int64_t			 started_ms;	/* time_mono_ms() */
	/* The published snapshot: how many so far, and when (wall, s). */
	atomic_uint_fast64_t	 snap_gen;
	atomic_int_fast64_t	 snap_at;

	/*
	 * Configurations replaced by SIGHUP, still read by the DNS readers
	 * until the next publish: the reload thread drops them after it.
	 */
	pthread_mutex_t		 retired_mu;
	struct daemon_conf	*retired;
};

/*
 * conf.c: references to a configuration. A new one holds one; the last
 * drop frees it (from any thread).
 */
void	daemon_conf_hold(struct daemon_conf *c);
void	daemon_conf_drop(struct daemon_conf *c);

/*
 * reload.c: an inotify descriptor (non-blocking) watching db's WAL file
 * for writes and for closes after a write, which wake the reload thread
 * at once; or -1, logged at debug level: the thread then polls every
 * reload-interval only. The reload thread owns and closes it.
 */
int	daemon_wal_watch(const char *db);
/*
 * reload.c: wake the reload thread now (a write to d->wake_fd, made by
 * daemon_run): after SIGHUP, so the rebuild starts at once, and at stop,
 * so the join does not wait out a reload-interval. Any thread; daemon_run
 * closes the descriptor after the join.
 */
void	daemon_reloader_wake(struct daemon *d);

/* conf.c: hand c to the reload thread, to drop after the next publish. */
void	daemon_conf_retire(struct daemon *d, struct daemon_conf *c);

/* conf.c: drop every configuration in the list (retired_next links). */
void	daemon_conf_drop_list(struct daemon_conf *list);

/*
 * conf.c: log each setting that differs between the running conf and nc
 * but needs new sockets or a restart (listen addresses, http's too,
 * workers, TCP limits, user, db, reload-interval, snapshot-cache), and
 * keep the running value in nc.
 */
void	daemon_conf_keep_restart(const struct daemon_conf *run,
	    struct daemon_conf *nc);

/*
 * services.c: OUT:src reads the DNS server's snapshot on the loop thread,
 * for the engine's local lists (the policy server's and the milter's).
 */
void	daemon_index_src(struct daemon *d, struct policy_index_src *src);

/* The services, in start order (services.c, control.c). */
extern const struct daemon_service daemon_dns_service;
extern const struct daemon_service daemon_policy_service;
extern const struct daemon_service daemon_web_service;
extern const struct daemon_service daemon_milter_service;
extern const struct daemon_service daemon_watch_service;
extern const struct daemon_service daemon_traps_service;
extern const struct daemon_service daemon_control_service;

/* daemon.c's table, for the control service's status answer. */
extern const struct daemon_service *const daemon_services[];
extern const size_t daemon_nservices;

/*
 * notify.c: systemd's sd_notify (nothing without NOTIFY_SOCKET): READY=1
 * with a STATUS= line naming what (first start, reload) and the current
 * snapshot; RELOADING=1 at SIGHUP; STOPPING=1.
 */
void	daemon_notify_ready(struct daemon *d, const char *what);
void	daemon_notify_reloading(void);
void	daemon_notify_stopping(void);

/* A snapshot was just published (any thread): count it, note when. */
void	daemon_note_publish(struct daemon *d);

/*
 * control.c: the request reader of the control socket, pure (fuzzed by
 * tests/fuzz/fuzz_control_req.c). A request is one line, at most
 * DAEMON_CTL_LINE_MAX bytes before its "\n" (a "\r" before it is
 * dropped); bytes after the line are ignored. daemon_ctl_feed takes the
 * next n bytes at p and says whether the line is whole: DAEMON_CTL_MORE
 * (all n taken), or the command it names (DAEMON_CTL_STATUS for
 * "status"), or DAEMON_CTL_BAD for any other line or one too long.
 * Start r zeroed; once it returned anything but MORE, it returns the
 * same again.
 */
#define DAEMON_CTL_LINE_MAX	64
enum daemon_ctl_cmd {
	DAEMON_CTL_MORE,
	DAEMON_CTL_STATUS,
	DAEMON_CTL_BAD,
};
struct daemon_ctl_req {
	char			line[DAEMON_CTL_LINE_MAX + 1];
	size_t			len;
	enum daemon_ctl_cmd	done;
};
enum daemon_ctl_cmd daemon_ctl_feed(struct daemon_ctl_req *r,
	    const void *p, size_t n);

/*
 * control.c: the status answer (docs/CLI.md, fairlist status), built on
 * the loop thread. A new object the caller frees.
 */
struct json_t	*daemon_ctl_status(struct daemon *d);

/*
 * reload.c: open the store, sync the zones and publish the first snapshot
 * (from the cache when valid) in d->first: 0 or -1 with a printed reason.
 */
int	daemon_first_load(struct daemon *d);

/* reload.c: the reload thread's body; owns d->st once started. */
void	*daemon_reloader(void *arg);

#endif /* FAIRLIST_DAEMON_INT_H */
