/*
 * listen.h: a listening stream socket from its text form, shared by the
 * servers on the daemon's loop (policy, milter): "ADDR:PORT", "[V6]:PORT"
 * (core/sockaddr.h) or "unix:/PATH".
 */
#ifndef FAIRLIST_LISTEN_H
#define FAIRLIST_LISTEN_H

#include <stddef.h>
#include <sys/un.h>

#define LISTEN_NAME_MAX	(sizeof(((struct sockaddr_un *)0)->sun_path) + 8)

struct listen_sock {
	int	 fd;
	int	 is_unix;
	char	 name[LISTEN_NAME_MAX];	/* for logs: the bound address */
	char	*path;			/* unix socket, owned */
};

/*
 * Bind and listen on spec, non-blocking and close-on-exec. A TCP socket
 * gets SO_REUSEADDR (and IPV6_V6ONLY); port 0 asks the kernel for one,
 * and OUT:l->name holds the real one. A unix socket is chmod'ed to mode;
 * a stale socket file (nobody accepts on it) is removed first, a live
 * one or a path that is not a socket is an error rather than something
 * to destroy. Returns 0, or -1 with "what: why" in OUT:err.
 */
int	listen_bind(struct listen_sock *l, const char *spec, int mode,
	    const char *what, char *err, size_t errlen);

/* Close l->fd, unlink and free l->path. fd -1 and no path: a no-op. */
void	listen_close(struct listen_sock *l);

#endif /* FAIRLIST_LISTEN_H */
