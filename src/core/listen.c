/*
 * listen.c: bind a listening stream socket, TCP or unix, from its text
 * form (listen.h). Moved out of the policy server so the milter binds the
 * same way.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/listen.h"
#include "core/sockaddr.h"
#include "core/str.h"
#include "core/xmalloc.h"

static int
bind_inet(struct listen_sock *l, const char *spec, const char *what,
    char *err, size_t errlen)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	int			 fd, one = 1;

	if (sa_parse(spec, -1, &ss, &len) == -1) {
		snprintf(err, errlen, "%s: bad listen address '%s' (want "
		    "ADDR:PORT, [V6]:PORT or unix:PATH)", what, spec);
		return -1;
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "%s: socket %s: %s", what, spec,
		    strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(fd, SOMAXCONN) == -1) {
		snprintf(err, errlen, "%s: bind %s: %s", what, spec,
		    strerror(errno));
		close(fd);
		return -1;
	}
	/* Port 0 asks the kernel for one: log the real one. */
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		sa_format((struct sockaddr *)&ss, l->name, sizeof(l->name));
	else
		str_lcpy(l->name, spec, sizeof(l->name));
	l->fd = fd;
	return 0;
}

/*
 * A unix socket. A stale socket file (nobody accepts on it) is removed
 * first; a live one, or a path that is not a socket, is an error rather
 * than something to destroy.
 */
static int
bind_unix(struct listen_sock *l, const char *path, int mode,
    const char *what, char *err, size_t errlen)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	int			 fd, probe;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (path[0] != '/' || str_lcpy(sun.sun_path, path,
	    sizeof(sun.sun_path)) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: bad unix socket path '%s' "
		    "(absolute, at most %zu bytes)", what, path,
		    sizeof(sun.sun_path) - 1);
		return -1;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s: %s exists and is not a "
			    "socket", what, path);
			return -1;
		}
		if ((probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC,
		    0)) != -1) {
			if (connect(probe, (struct sockaddr *)&sun,
			    sizeof(sun)) == 0) {
				close(probe);
				snprintf(err, errlen, "%s: %s: another "
				    "server is listening on it", what, path);
				return -1;
			}
			close(probe);
		}
		if (unlink(path) == -1) {
			snprintf(err, errlen, "%s: unlink stale %s: %s", what,
			    path, strerror(errno));
			return -1;
		}
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "%s: socket %s: %s", what, path,
		    strerror(errno));
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		snprintf(err, errlen, "%s: bind %s: %s", what, path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	/* chmod, not umask: the mode is exact whatever the umask is. */
	if (chmod(path, (mode_t)mode) == -1 || listen(fd, SOMAXCONN) == -1) {
		snprintf(err, errlen, "%s: %s: %s", what, path,
		    strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	l->fd = fd;
	l->is_unix = 1;
	l->path = xstrdup(path);
	snprintf(l->name, sizeof(l->name), "unix:%s", path);
	return 0;
}

int
listen_bind(struct listen_sock *l, const char *spec, int mode,
    const char *what, char *err, size_t errlen)
{
	l->fd = -1;
	l->is_unix = 0;
	l->path = NULL;
	l->name[0] = '\0';
	if (strncmp(spec, "unix:", 5) == 0)
		return bind_unix(l, spec + 5, mode, what, err, errlen);
	return bind_inet(l, spec, what, err, errlen);
}

void
listen_close(struct listen_sock *l)
{
	if (l->fd != -1)
		close(l->fd);
	l->fd = -1;
	if (l->path != NULL) {
		(void)unlink(l->path);
		free(l->path);
		l->path = NULL;
	}
}
