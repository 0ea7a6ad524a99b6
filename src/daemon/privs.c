/*
 * privs.c: the privilege drop after binding and the descriptor limit.
 */
#include <sys/resource.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "daemon/daemon.h"

int
daemon_drop_privileges(const char *user)
{
	struct passwd	*pw;

	if ((pw = getpwnam(user)) == NULL) {
		fprintf(stderr, "fairlist: serve: user '%s' does not exist\n",
		    user);
		return -1;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1) {
		fprintf(stderr, "fairlist: serve: cannot become %s: %s\n", user,
		    strerror(errno));
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
