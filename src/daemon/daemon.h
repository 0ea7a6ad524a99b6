/*
 * daemon.h: `fairlist serve` as a module: the daemon context, the services
 * it runs, the reload thread, signals, privilege drop and descriptor limits.
 *
 * Each service (DNS, policy, HTTP, milter, watch) is a struct daemon_service registered in
 * daemon.c's table. daemon_run calls, in table order, every service's bind
 * hook before privileges are dropped, then every start hook on the event
 * loop; reload, with the configuration read again, on SIGHUP; stop, in
 * reverse order, when the daemon ends.
 */
#ifndef FAIRLIST_DAEMON_H
#define FAIRLIST_DAEMON_H

#include <stdatomic.h>

#include "dnsbl/dnsbl.h"
#include "dnsbl/server.h"
#include "milter/milter.h"
#include "policy/policy.h"
#include "traps/traps.h"
#include "watch/watch.h"
#include "web/web.h"

struct conf;
struct daemon;
struct json_t;
struct store;

#define DAEMON_RELOAD_MS	200	/* default store poll interval */
#define DAEMON_RELOAD_MS_MIN	10	/* shortest poll interval accepted */
#define DAEMON_NOFILE_CAP	65536	/* soft descriptor limit we ask for */
#define DAEMON_NOFILE_SPARE	64	/* store, UDP, c-ares, logs, ... */

/*
 * The configuration of a running daemon, built by the caller (cmd_serve.c)
 * at startup and again on SIGHUP. daemon_run owns it; daemon_conf_free
 * frees it. The strings and cf are owned; dc's names point into cf.
 */
struct daemon_conf {
	char			*db;
	char			*user;		/* NULL: keep the user */
	char			*file_db;	/* the file's db key, or NULL */
	char			*control;	/* control socket, NULL: none */
	int			 control_explicit;	/* configured: failing
						   to bind it is fatal */
	const char		*version;	/* for fairlist status */
	struct conf		*cf;		/* the file, NULL: defaults */
	struct dnsbl_conf	 dc;
	struct dnsbl_server_conf sc;		/* sc.dns is &dc */
	struct policy_conf	 pc;		/* pc.nlisten 0: no server */
	int			 policy_explicit;	/* policy configured:
						   failing to start it is
						   fatal, else a warning */
	struct milter_conf	 mc;		/* mc.nlisten 0: no milter */
	struct traps_conf	 tc;		/* tc.nlisten 0: no traps */
	int			 reload_ms;
	int			 snapcache;	/* use <db>.snap */
	struct web_conf		 wc;		/* http { }; dc and pc borrow
						   its public_url */
	struct watch_conf	 wac;		/* watch { }; on 0: none */

	/* the daemon's own */
	atomic_int		 refs;
	struct daemon_conf	*retired_next;
};

/* Frees c and all it owns; NULL is a no-op. */
void	daemon_conf_free(struct daemon_conf *c);

/*
 * A service. Hooks return 0 or -1 (after logging or printing why); a NULL
 * hook is skipped. bind runs as the starting user, before the privilege
 * drop; start runs once the event loop exists; reload (SIGHUP, loop
 * thread) switches the service to nc, which becomes d->conf once every
 * service took it: a reload that fails must leave its service as it was,
 * and the services before it get d->conf back; stop frees what bind made.
 */
struct daemon_service {
	const char	*name;
	int		(*bind)(struct daemon *d);
	int		(*start)(struct daemon *d);
	int		(*reload)(struct daemon *d,
			    struct daemon_conf *nc);
	void		(*stop)(struct daemon *d);
	/*
	 * fairlist status, on the loop thread: svc is the service's object
	 * in the answer ("name" set; add "listen", an array of addresses,
	 * and anything else); root is the whole answer, whose "secondaries"
	 * array a transfer service appends to, one object per secondary
	 * and zone: "address", "zone", and what it knows ("last_notify",
	 * "last_transfer": ISO times or null, "serial", "result", ...),
	 * printed in that order by `fairlist status`.
	 */
	void		(*status)(struct daemon *d, struct json_t *svc,
			    struct json_t *root);
};

/*
 * The caller's side. reread (NULL: there is no file) reads the
 * configuration file again, for SIGHUP, printing "FILE:LINE: why" and
 * returning NULL when it is bad. sync_zones writes c's zones into st
 * (startup and SIGHUP), returning -1 after printing why.
 */
struct daemon_ops {
	struct daemon_conf	*(*reread)(void *arg);
	int			 (*sync_zones)(void *arg,
				    const struct daemon_conf *c,
				    struct store *st);
	void			 *arg;
};

/*
 * Run the daemon in the foreground until SIGINT or SIGTERM, taking conf.
 * Returns 0 after a clean stop, 1 when startup failed (reason printed).
 */
int	daemon_run(struct daemon_conf *conf, const struct daemon_ops *ops);

/*
 * Raise the soft descriptor limit for policy_clients + tcp_clients
 * connections (capped at DAEMON_NOFILE_CAP unless more is needed); a limit
 * still too low is a warning.
 */
void	daemon_raise_nofile(int policy_clients, int tcp_clients);

/*
 * After binding: become user (groups, gid, uid; NULL or already the user:
 * no change) and give up every capability (not as root without a user).
 * Returns 0 or -1 with a printed reason.
 */
int	daemon_drop_privileges(const char *user);

#endif /* FAIRLIST_DAEMON_H */
