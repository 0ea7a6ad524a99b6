/*
 * privs.c: the privilege drop after binding and the descriptor limit.
 *
 * The daemon binds its sockets as it was started: as root, or as the
 * service user with CAP_NET_BIND_SERVICE in its ambient set (systemd's
 * AmbientCapabilities=), which is what a port below 1024 needs. Once every
 * service is bound it becomes `user` and gives up every capability: nothing
 * after the bind needs one (a setting that needs new sockets needs a
 * restart, conf.c), so a SIGHUP never rebinds. Without `user`, a daemon
 * started as root stays root, and one started as another user with
 * capabilities only gives up the capabilities.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include <linux/capability.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "daemon/daemon.h"

static int
caps_get(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct	hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };

	memset(data, 0, 2 * sizeof(data[0]));
	return (int)syscall(SYS_capget, &hdr, data);
}

/*
 * Empty the effective, permitted and inheritable sets, and so the ambient
 * one (it is a subset of the permitted). setresuid to a non-zero uid has
 * already emptied them for a daemon started as root; one started with
 * ambient capabilities keeps them until this.
 */
static int
caps_drop_all(void)
{
	struct __user_cap_header_struct	hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct	data[2];
	int				i;

	memset(data, 0, sizeof(data));
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 &&
	    errno != EINVAL)
		return -1;
	if (syscall(SYS_capset, &hdr, data) == -1 || caps_get(data) == -1)
		return -1;
	for (i = 0; i < 2; i++)
		if (data[i].effective != 0 || data[i].permitted != 0) {
			errno = EPERM;
			return -1;
		}
	return 0;
}

int
daemon_drop_privileges(const char *user)
{
	struct passwd	*pw;

	if (user != NULL) {
		if ((pw = getpwnam(user)) == NULL) {
			fprintf(stderr, "fairlist: serve: user '%s' does not "
			    "exist\n", user);
			return -1;
		}
		/*
		 * Started as the user already (systemd User=): its groups
		 * are set, and without CAP_SETGID initgroups would fail.
		 */
		if (getuid() != pw->pw_uid || geteuid() != pw->pw_uid ||
		    getgid() != pw->pw_gid || getegid() != pw->pw_gid) {
			if (initgroups(pw->pw_name, pw->pw_gid) == -1 ||
			    setresgid(pw->pw_gid, pw->pw_gid,
			    pw->pw_gid) == -1 ||
			    setresuid(pw->pw_uid, pw->pw_uid,
			    pw->pw_uid) == -1) {
				fprintf(stderr, "fairlist: serve: cannot "
				    "become %s: %s\n", user, strerror(errno));
				return -1;
			}
		}
	}
	/* Root without a user keeps root (daemon_run warns about it). */
	if (user == NULL && getuid() == 0)
		return 0;
	if (caps_drop_all() == -1) {
		fprintf(stderr, "fairlist: serve: cannot drop capabilities: "
		    "%s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Every policy client and every DNS TCP client holds a descriptor, and
 * the usual soft limit (1024) is below the default policy { clients 1000 }
 * plus the DNS TCP clients: raise the soft limit to the hard one, capped
 * at DAEMON_NOFILE_CAP unless more is needed. Past the limit accept() fails
 * with EMFILE and the servers pause; that is survivable, so a limit still
 * too low is a warning, not an error.
 */
void
daemon_raise_nofile(int policy_clients, int tcp_clients)
{
	struct rlimit	rl;
	rlim_t		want, need;
	char		hard[32];

	need = (rlim_t)policy_clients + (rlim_t)tcp_clients +
	    DAEMON_NOFILE_SPARE;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		log_warn("getrlimit RLIMIT_NOFILE");
		return;
	}
	want = need > DAEMON_NOFILE_CAP ? need : DAEMON_NOFILE_CAP;
	if (rl.rlim_max != RLIM_INFINITY && want > rl.rlim_max)
		want = rl.rlim_max;
	/* Never lower a limit someone set higher on purpose. */
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want)
		want = rl.rlim_cur;
	else {
		rl.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
			log_warn("setrlimit RLIMIT_NOFILE %llu",
			    (unsigned long long)want);
			if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
				return;
			want = rl.rlim_cur;
		}
	}
	if (rl.rlim_max == RLIM_INFINITY)
		snprintf(hard, sizeof(hard), "unlimited");
	else
		snprintf(hard, sizeof(hard), "%llu",
		    (unsigned long long)rl.rlim_max);
	if (want == RLIM_INFINITY)
		log_debug("descriptors: no limit");
	else
		log_debug("descriptors: soft limit %llu (hard %s), %llu "
		    "needed", (unsigned long long)want, hard,
		    (unsigned long long)need);
	if (want != RLIM_INFINITY && want < need)
		log_warnx("descriptor limit %llu is below the %llu needed by "
		    "%d policy clients, %d DNS TCP clients and %d spare: "
		    "connections past it wait; raise the hard limit (ulimit "
		    "-Hn, systemd LimitNOFILE=)", (unsigned long long)want,
		    (unsigned long long)need, policy_clients, tcp_clients,
		    DAEMON_NOFILE_SPARE);
}
