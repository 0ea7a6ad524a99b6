/*
 * daemon.h: `fairlist serve` as a module: the daemon context, the services
 * it runs, the reload thread, signals, privilege drop and descriptor limits.
 *
 * Each service (DNS, policy today) is a struct daemon_service registered in
 * daemon.c's table. daemon_run calls, in table order, every service's bind
 * hook before privileges are dropped, then every start hook on the event
 * loop; reload on SIGHUP; stop, in reverse order, when the daemon ends.
 */
#ifndef FAIRLIST_DAEMON_H
#define FAIRLIST_DAEMON_H

#include "dnsbl/server.h"
#include "policy/policy.h"

struct daemon;
struct store;

#define DAEMON_RELOAD_MS	200	/* default store poll interval */
#define DAEMON_RELOAD_MS_MIN	10	/* shortest poll interval accepted */
#define DAEMON_NOFILE_CAP	65536	/* soft descriptor limit we ask for */
#define DAEMON_NOFILE_SPARE	64	/* store, UDP, c-ares, logs, ... */

/*
 * A service. Hooks return 0 or -1 (after logging or printing why); a NULL
 * hook is skipped. bind runs as the starting user, before the privilege
 * drop; start runs once the event loop exists; stop frees what bind made.
 */
struct daemon_service {
	const char	*name;
	int		(*bind)(struct daemon *d);
	int		(*start)(struct daemon *d);
	int		(*reload)(struct daemon *d);
	void		(*stop)(struct daemon *d);
};

/*
 * What daemon_run needs. sc and pc are the caller's and stay theirs;
 * pc may have nlisten 0 (no policy server). policy_explicit: the policy
 * server was configured, so a failure to start it is fatal (otherwise a
 * warning and the daemon goes on without it). sync_zones writes the
 * configured zones into the store (NULL: none).
 */
struct daemon_conf {
	const char			*db;
	const char			*user;		/* NULL: keep the user */
	struct dnsbl_server_conf	*sc;
	struct policy_conf		*pc;
	int				 policy_explicit;
	int				 reload_ms;
	int				 snapcache;	/* use <db>.snap */
	int				(*sync_zones)(void *arg,
					    struct store *st);
	void				*sync_arg;
};

/*
 * Run the daemon in the foreground until SIGINT or SIGTERM. Returns 0
 * after a clean stop, 1 when startup failed (the reason is printed).
 */
int	daemon_run(const struct daemon_conf *conf);

/*
 * Raise the soft descriptor limit for policy_clients + tcp_clients
 * connections (capped at DAEMON_NOFILE_CAP unless more is needed); a limit
 * still too low is a warning.
 */
void	daemon_raise_nofile(int policy_clients, int tcp_clients);

/* Become user (groups, gid, uid). Returns 0 or -1 with a printed reason. */
int	daemon_drop_privileges(const char *user);

#endif /* FAIRLIST_DAEMON_H */
