/*
 * trivial.c: the trivial responder of the policy benchmark, the ceiling
 * that a policy server which decides nothing reaches on this machine with
 * this load generator.
 *
 *   trivial HOST:PORT | /path/to/unix.sock
 *
 * One thread, epoll, non-blocking sockets. Reads each connection's bytes,
 * and for every empty line (the end of a Postfix policy request) writes
 * "action=DUNNO\n\n". It parses nothing else. Runs until killed. A
 * benchmark helper, not part of fairlist.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define TR_BUF		65536
#define TR_EVENTS	256

static const char	reply[] = "action=DUNNO\n\n";

struct tr_conn {
	int	fd;
	int	at_bol;		/* the last byte read ended a line */
};

static int
listen_on(const char *target)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_un	*sun = (struct sockaddr_un *)&ss;
	socklen_t		 sl;
	char			 host[256], *colon, *end;
	unsigned long		 port;
	int			 fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (strchr(target, '/') != NULL) {
		sun->sun_family = AF_UNIX;
		if (strlen(target) >= sizeof(sun->sun_path))
			return -1;
		memcpy(sun->sun_path, target, strlen(target) + 1);
		unlink(target);
		sl = sizeof(*sun);
	} else {
		if (strlen(target) >= sizeof(host))
			return -1;
		memcpy(host, target, strlen(target) + 1);
		if ((colon = strrchr(host, ':')) == NULL)
			return -1;
		*colon = '\0';
		errno = 0;
		port = strtoul(colon + 1, &end, 10);
		if (errno != 0 || *end != '\0' || port == 0 || port > 65535)
			return -1;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return -1;
		sl = sizeof(*sin);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) == -1 ||
	    listen(fd, 1024) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
conn_close(int ep, struct tr_conn *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c);
}

/* Read all there is; answer every request that ended. 0, or -1: close. */
static int
conn_read(struct tr_conn *c)
{
	static char	 buf[TR_BUF];
	ssize_t		 n, i, w;
	int		 replies;

	for (;;) {
		n = read(c->fd, buf, sizeof(buf));
		if (n == 0)
			return -1;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		}
		replies = 0;
		for (i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				c->at_bol = 0;
				continue;
			}
			if (c->at_bol)
				replies++;
			c->at_bol = 1;
		}
		/* The client waits for each reply: one write each, small. */
		while (replies-- > 0) {
			w = write(c->fd, reply, sizeof(reply) - 1);
			if (w != (ssize_t)sizeof(reply) - 1)
				return -1;
		}
	}
}

int
main(int argc, char **argv)
{
	struct epoll_event	 ev, evs[TR_EVENTS];
	struct tr_conn		*c;
	int			 lfd, ep, n, i, fd, one = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: trivial HOST:PORT | /unix/socket\n");
		return 2;
	}
	if ((lfd = listen_on(argv[1])) == -1) {
		fprintf(stderr, "trivial: cannot listen on %s: %s\n", argv[1],
		    strerror(errno));
		return 1;
	}
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		return 1;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) == -1)
		return 1;
	for (;;) {
		n = epoll_wait(ep, evs, TR_EVENTS, -1);
		for (i = 0; i < n; i++) {
			if (evs[i].data.ptr == NULL) {
				while ((fd = accept4(lfd, NULL, NULL,
				    SOCK_NONBLOCK | SOCK_CLOEXEC)) != -1) {
					setsockopt(fd, IPPROTO_TCP, TCP_NODELAY,
					    &one, sizeof(one));
					if ((c = calloc(1, sizeof(*c))) ==
					    NULL) {
						close(fd);
						continue;
					}
					c->fd = fd;
					c->at_bol = 1;
					ev.events = EPOLLIN;
					ev.data.ptr = c;
					if (epoll_ctl(ep, EPOLL_CTL_ADD, fd,
					    &ev) == -1) {
						close(fd);
						free(c);
					}
				}
				continue;
			}
			c = evs[i].data.ptr;
			if (conn_read(c) == -1)
				conn_close(ep, c);
		}
	}
}
