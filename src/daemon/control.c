/*
 * control.c: the control socket, a daemon service: `fairlist status` asks
 * the running daemon for its state over it.
 *
 * A unix stream socket (control { socket PATH }, default <db>.control),
 * bound before the privilege drop, mode 0660, owned by the daemon's user
 * and group. A peer sends one line, "status\n"; the daemon answers one
 * JSON object and a newline, and closes. A peer whose SO_PEERCRED uid is
 * neither root nor the daemon's own gets {"error": ...} instead (the
 * socket's mode already keeps out everyone but the user and its group).
 * Any other line, one longer than DAEMON_CTL_LINE_MAX, or a peer silent
 * for DAEMON_CTL_TIMEOUT_S gets an error or a close; at most
 * DAEMON_CTL_CLIENTS at once, a further one is closed at once.
 *
 * The answer (docs/CLI.md): version, pid, user, start time and uptime;
 * each service with its listen addresses (its status hook, daemon.h); the
 * published snapshot's generation (snapshots published since start), age
 * and totals; every zone with its serial and entries (the listings in
 * force, with the two RFC 5782 test points); and the
 * secondaries a transfer service reports. Logs refused peers and failures
 * to bind; nothing per request.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <jansson.h>

#include "core/log.h"
#include "core/str.h"
#include "core/time.h"
#include "core/xmalloc.h"
#include "daemon/daemon_int.h"
#include "list/list.h"

#define DAEMON_CTL_CLIENTS	8	/* connections at once */
#define DAEMON_CTL_TIMEOUT_S	5	/* to send the line, to read the answer */

struct ctl_conn {
	struct ctl_conn		*next, **prevp;	/* the open ones */
	struct daemon_ctl	*ctl;
	struct bufferevent	*bev;
	struct daemon_ctl_req	 req;
	int			 answered;
	int			 refused;	/* the peer's uid may not ask */
};

struct daemon_ctl {
	struct daemon	*d;
	int		 fd;
	char		*path;
	struct event	*ev;
	uid_t		 uid;		/* the daemon's, after the drop */
	int		 nconn;
	struct ctl_conn	*conns;
};

enum daemon_ctl_cmd
daemon_ctl_feed(struct daemon_ctl_req *r, const void *p, size_t n)
{
	const char	*s = p, *nl;
	size_t		 take;

	if (r->done != DAEMON_CTL_MORE)
		return r->done;
	nl = memchr(s, '\n', n);
	take = nl != NULL ? (size_t)(nl - s) : n;
	/* Untrusted input: the line never grows past its buffer. */
	if (take > DAEMON_CTL_LINE_MAX - r->len)
		return r->done = DAEMON_CTL_BAD;
	memcpy(r->line + r->len, s, take);
	r->len += take;
	if (nl == NULL)
		return DAEMON_CTL_MORE;
	if (r->len > 0 && r->line[r->len - 1] == '\r')
		r->len--;
	r->line[r->len] = '\0';
	if (r->len == 6 && memcmp(r->line, "status", 6) == 0)
		return r->done = DAEMON_CTL_STATUS;
	return r->done = DAEMON_CTL_BAD;
}

void
daemon_note_publish(struct daemon *d)
{
	atomic_store(&d->snap_at, (int_fast64_t)time(NULL));
	atomic_fetch_add(&d->snap_gen, 1);
}

static json_t *
iso_time(int64_t t)
{
	char	buf[32];

	return json_string(str_isotime(buf, sizeof(buf), t));
}

static void
add_zones(struct daemon *d, json_t *root)
{
	const struct index	*idx;
	const struct index_zone	*z;
	json_t			*zones = json_array(), *snap = json_object();
	size_t			 total = 0, n;
	int64_t			 at = (int64_t)atomic_load(&d->snap_at);
	int			 i;

	idx = dnsbl_server_loop_acquire(d->srv);
	for (i = 0; idx != NULL && i < index_zone_count(idx); i++) {
		z = index_zone_get(idx, i);
		n = index_zone_size(idx, i);
		total += n;
		json_array_append_new(zones, json_pack("{s:s, s:I, s:I}",
		    "name", z->name, "serial", (json_int_t)z->serial,
		    "entries", (json_int_t)n));
	}
	dnsbl_server_loop_release(d->srv);
	json_object_set_new(snap, "generation",
	    json_integer((json_int_t)atomic_load(&d->snap_gen)));
	json_object_set_new(snap, "published", iso_time(at));
	json_object_set_new(snap, "age_s",
	    json_integer((json_int_t)((int64_t)time(NULL) - at)));
	json_object_set_new(snap, "zones", json_integer(json_array_size(
	    zones)));
	json_object_set_new(snap, "entries", json_integer(
	    (json_int_t)total));
	json_object_set_new(root, "snapshot", snap);
	json_object_set_new(root, "zones", zones);
}

json_t *
daemon_ctl_status(struct daemon *d)
{
	json_t		*root = json_object(), *svcs = json_array(), *svc;
	struct passwd	*pw;
	size_t		 i;

	json_object_set_new(root, "version", json_string(d->conf->version !=
	    NULL ? d->conf->version : "unknown"));
	json_object_set_new(root, "pid", json_integer(getpid()));
	json_object_set_new(root, "uid", json_integer(geteuid()));
	pw = getpwuid(geteuid());
	json_object_set_new(root, "user", pw != NULL ?
	    json_string(pw->pw_name) : json_null());
	json_object_set_new(root, "started", iso_time(d->started));
	json_object_set_new(root, "uptime_s", json_integer(
	    (json_int_t)((time_mono_ms() - d->started_ms) / 1000)));
	json_object_set_new(root, "services", svcs);
	add_zones(d, root);
	json_object_set_new(root, "secondaries", json_array());
	for (i = 0; i < daemon_nservices; i++) {
		if (daemon_services[i]->status == NULL)
			continue;
		svc = json_pack("{s:s, s:[]}", "name",
		    daemon_services[i]->name, "listen");
		daemon_services[i]->status(d, svc, root);
		/* A service that is off says so by leaving no address. */
		if (json_array_size(json_object_get(svc, "listen")) > 0)
			json_array_append(svcs, svc);
		json_decref(svc);
	}
	return root;
}

static void
conn_free(struct ctl_conn *cc)
{
	cc->ctl->nconn--;
	if (cc->next != NULL)
		cc->next->prevp = cc->prevp;
	*cc->prevp = cc->next;
	bufferevent_free(cc->bev);
	free(cc);
}

static void
answer(struct ctl_conn *cc, json_t *j)
{
	char	*s;

	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (s != NULL) {
		bufferevent_write(cc->bev, s, strlen(s));
		bufferevent_write(cc->bev, "\n", 1);
		free(s);
	}
	cc->answered = 1;
	bufferevent_disable(cc->bev, EV_READ);
	if (s == NULL || evbuffer_get_length(bufferevent_get_output(
	    cc->bev)) == 0)
		conn_free(cc);
}

static void
answer_error(struct ctl_conn *cc, const char *msg)
{
	answer(cc, json_pack("{s:s}", "error", msg));
}

static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct ctl_conn		*cc = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	char			 buf[DAEMON_CTL_LINE_MAX + 2];
	enum daemon_ctl_cmd	 cmd = DAEMON_CTL_MORE;
	int			 n;

	while (cmd == DAEMON_CTL_MORE &&
	    (n = evbuffer_remove(in, buf, sizeof(buf))) > 0)
		cmd = daemon_ctl_feed(&cc->req, buf, (size_t)n);
	/*
	 * Refused peers are answered once their line is read: a close with
	 * unread bytes resets the connection before the answer is read.
	 */
	if (cmd != DAEMON_CTL_MORE && cc->refused) {
		answer_error(cc, "permission denied: only root and the "
		    "daemon's user may ask");
		return;
	}
	switch (cmd) {
	case DAEMON_CTL_MORE:
		return;
	case DAEMON_CTL_STATUS:
		answer(cc, daemon_ctl_status(cc->ctl->d));
		return;
	case DAEMON_CTL_BAD:
	default:
		answer_error(cc, "unknown request (want \"status\")");
		return;
	}
}

static void
conn_written(struct bufferevent *bev, void *arg)
{
	struct ctl_conn	*cc = arg;

	(void)bev;
	if (cc->answered)
		conn_free(cc);
}

/* EOF, an error or the timeout: the peer is gone or too slow. */
static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	conn_free(arg);
}

static void
ctl_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct daemon_ctl	*ctl = arg;
	struct ctl_conn		*cc;
	struct ucred		 cr;
	socklen_t		 crlen = sizeof(cr);
	struct timeval		 tv = { DAEMON_CTL_TIMEOUT_S, 0 };
	int			 fd;

	(void)what;
	if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) ==
	    -1) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_warn("control: accept");
		return;
	}
	if (ctl->nconn >= DAEMON_CTL_CLIENTS) {
		close(fd);
		return;
	}
	cc = xcalloc(1, sizeof(*cc));
	cc->ctl = ctl;
	cc->bev = bufferevent_socket_new(ctl->d->base, fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (cc->bev == NULL) {
		close(fd);
		free(cc);
		return;
	}
	ctl->nconn++;
	if ((cc->next = ctl->conns) != NULL)
		cc->next->prevp = &cc->next;
	cc->prevp = &ctl->conns;
	ctl->conns = cc;
	bufferevent_setcb(cc->bev, conn_read, conn_written, conn_event, cc);
	bufferevent_set_timeouts(cc->bev, &tv, &tv);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) == -1 ||
	    crlen != sizeof(cr)) {
		log_warn("control: SO_PEERCRED");
		conn_free(cc);
		return;
	}
	if (cr.uid != 0 && cr.uid != ctl->uid) {
		log_warnx("control: refused pid %ld uid %ld: only root and "
		    "uid %ld may ask", (long)cr.pid, (long)cr.uid,
		    (long)ctl->uid);
		cc->refused = 1;
	}
	bufferevent_enable(cc->bev, EV_READ);
}

/*
 * A socket file left by a daemon that died is replaced; one a running
 * daemon answers on is not.
 */
static int
ctl_stale(const char *path, const struct sockaddr_un *sun, char *err,
    size_t errlen)
{
	struct stat	st;
	int		fd, rc;

	if (lstat(path, &st) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket", path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if (rc == 0) {
		snprintf(err, errlen, "%s: another daemon is running (its "
		    "control socket answers)", path);
		return -1;
	}
	return unlink(path);
}

static int
ctl_open(struct daemon_ctl *ctl, uid_t uid, gid_t gid, char *err,
    size_t errlen)
{
	struct sockaddr_un	sun;
	mode_t			old;
	int			rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (str_lcpy(sun.sun_path, ctl->path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		snprintf(err, errlen, "control socket %s: path longer than "
		    "%zu bytes", ctl->path, sizeof(sun.sun_path) - 1);
		return -1;
	}
	err[0] = '\0';
	if (ctl_stale(ctl->path, &sun, err, errlen) == -1) {
		if (err[0] == '\0')
			snprintf(err, errlen, "control socket %s: %s",
			    ctl->path, strerror(errno));
		return -1;
	}
	if ((ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "control socket: %s", strerror(errno));
		return -1;
	}
	/* Never reachable by others, not even between bind and chmod. */
	old = umask(0117);
	rc = bind(ctl->fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc == -1 || chmod(ctl->path, 0660) == -1 ||
	    chown(ctl->path, uid, gid) == -1 || listen(ctl->fd, 16) == -1) {
		snprintf(err, errlen, "control socket %s: %s", ctl->path,
		    strerror(errno));
		if (rc == 0)
			unlink(ctl->path);
		close(ctl->fd);
		ctl->fd = -1;
		return -1;
	}
	return 0;
}

static void
ctl_free(struct daemon_ctl *ctl)
{
	if (ctl == NULL)
		return;
	while (ctl->conns != NULL)
		conn_free(ctl->conns);
	if (ctl->ev != NULL)
		event_free(ctl->ev);
	if (ctl->fd != -1) {
		close(ctl->fd);
		unlink(ctl->path);
	}
	free(ctl->path);
	free(ctl);
}

/*
 * As the starting user: bind, then give the socket to the user the daemon
 * becomes. Configured: failing is fatal; the default: a warning.
 */
static int
control_bind(struct daemon *d)
{
	struct daemon_ctl	*ctl;
	struct passwd		*pw;
	uid_t			 uid = geteuid();
	gid_t			 gid = getegid();
	char			 err[512];

	if (d->conf->control == NULL)
		return 0;
	if (d->conf->user != NULL && (pw = getpwnam(d->conf->user)) != NULL) {
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	}
	ctl = xcalloc(1, sizeof(*ctl));
	ctl->d = d;
	ctl->path = xstrdup(d->conf->control);
	ctl->uid = uid;
	if (ctl_open(ctl, uid, gid, err, sizeof(err)) == 0) {
		d->ctl = ctl;
		return 0;
	}
	ctl->fd = -1;
	ctl_free(ctl);
	if (d->conf->control_explicit) {
		fprintf(stderr, "fairlist: serve: %s\n", err);
		return -1;
	}
	log_warnx("%s; fairlist status will not reach this daemon "
	    "(configure control { socket PATH })", err);
	return 0;
}

static int
control_start(struct daemon *d)
{
	struct daemon_ctl	*ctl = d->ctl;

	if (ctl == NULL)
		return 0;
	ctl->ev = event_new(d->base, ctl->fd, EV_READ | EV_PERSIST,
	    ctl_accept, ctl);
	if (ctl->ev == NULL || event_add(ctl->ev, NULL) == -1) {
		log_warnx("control: cannot watch the socket");
		return -1;
	}
	return 0;
}

static void
control_stop(struct daemon *d)
{
	ctl_free(d->ctl);
	d->ctl = NULL;
}

static void
control_status(struct daemon *d, json_t *svc, json_t *root)
{
	(void)root;
	if (d->ctl != NULL)
		json_array_append_new(json_object_get(svc, "listen"),
		    json_string(d->ctl->path));
}

const struct daemon_service daemon_control_service = {
	.name = "control",
	.bind = control_bind,
	.start = control_start,
	.stop = control_stop,
	.status = control_status,
};
