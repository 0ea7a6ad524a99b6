/*
 * traps_svc.c: the trap receiver (src/traps) as a daemon service: SMTP on
 * the loop with bufferevents, one traps_smtp session per connection.
 *
 * Off unless the configuration has a traps { } block. Its sockets are
 * bound before privileges are dropped. At start it opens a store
 * connection of its own (the reload thread owns d->st) and creates the
 * zones it writes to when they do not exist yet. Each whole message is
 * classified (traps_classify) and judged (traps_list) on the loop; the
 * listing is on disk before the 250. A store error answers 451 4.3.0 and
 * logs (the sender retries; nothing is listed by accident, nothing is
 * lost). Limits: the idle timeout on every read and write, the session
 * limit on the whole connection, `clients` connections (a new one past
 * it gets 421 and is closed), replies the peer does not read stop its
 * input at TRAPS_OUT_MAX bytes.
 *
 * Logs one line per message (peer, class, rule, zone, outcome), one per
 * store error, and rate-limited warnings for peers that misbehave. On
 * SIGHUP the new block applies to connections accepted after it; the
 * listen addresses need a restart (conf.c).
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <jansson.h>

#include "core/listen.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/sockaddr.h"
#include "core/str.h"
#include "core/xmalloc.h"
#include "daemon/daemon_int.h"
#include "store/store.h"
#include "traps/traps.h"

#define TS_ACCEPTS	64	/* accepts per wake-up */
#define TS_WARNS	10	/* peer warnings per second */

struct tconn;

struct traps_srv {
	struct daemon		*d;		/* d->conf: the running block */
	struct event_base	*base;
	struct store		*st;
	struct listen_sock	 ls[TRAPS_LISTEN_MAX];
	struct event		*lev[TRAPS_LISTEN_MAX];
	int			 nl;
	TAILQ_HEAD(, tconn)	 conns;
	int			 nconns;
	uint32_t		 next_id;
	struct log_limit	 warn_limit;
	/* for fairlist status */
	uint64_t		 messages, spam, backscatter, listed, ranges;
	uint64_t		 already, failed;
};

struct tconn {
	TAILQ_ENTRY(tconn)	 entry;
	struct traps_srv	*s;
	struct daemon_conf	*conf;		/* held: its traps { } */
	struct bufferevent	*bev;
	struct event		*session;
	uint32_t		 id;
	char			 peer[SA_TEXT_MAX];
	struct addr_prefix	 addr;
	struct traps_smtp	 smtp;
	struct sbuf		 out;
	int			 closing;	/* free once out drains */
	int			 paused;	/* reading stopped: out full */
};

static struct metrics_family	*m_msgs;

__attribute__((constructor)) static void
traps_metrics(void)
{
	static const char *const classes[] = { "spam", "backscatter", NULL };
	static const char *const outcomes[] = { "listed", "already",
		"failed", NULL };
	static const struct metrics_label labels[] = {
		{ "class", classes, 0 },
		{ "outcome", outcomes, 0 },
	};

	m_msgs = metrics_counter("fairlist_trap_messages_total",
	    "Messages the trap receiver accepted, by class and what the "
	    "listing step did.", labels, 2);
}

static int
warn_ok(struct traps_srv *s)
{
	return log_limit_ok(&s->warn_limit, TS_WARNS, "traps");
}

static void
conn_free(struct tconn *c)
{
	if (c->session != NULL)
		event_free(c->session);
	bufferevent_free(c->bev);
	traps_smtp_free(&c->smtp);
	sbuf_free(&c->out);
	daemon_conf_drop(c->conf);
	TAILQ_REMOVE(&c->s->conns, c, entry);
	c->s->nconns--;
	free(c);
}

static void
conn_flush(struct tconn *c)
{
	if (c->out.len == 0)
		return;
	bufferevent_write(c->bev, c->out.s, c->out.len);
	sbuf_reset(&c->out);
}

/* Write what is pending, stop reading, free once it is written. */
static void
conn_close(struct tconn *c)
{
	conn_flush(c);
	c->closing = 1;
	bufferevent_disable(c->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		conn_free(c);
}

/* A whole message: classify, list, and 250 or 451. */
static int
message(struct tconn *c)
{
	struct traps_srv	*s = c->s;
	struct traps_smtp	*m = &c->smtp;
	struct traps_verdict	 v;
	struct traps_hit	 h;
	struct traps_outcome	 o;
	char			 err[STORE_ERR_MAX];
	int			 ok;

	traps_classify(m->msg.s != NULL ? m->msg.s : "", m->msg.len,
	    m->null_sender, &v);
	memset(&h, 0, sizeof(h));
	h.at = (int64_t)time(NULL);
	h.peer = c->addr;
	h.trap = m->rcpt;
	h.msgid = v.msgid;
	h.v = &v;
	traps_sha256_hex(m->msg.s != NULL ? m->msg.s : "", m->msg.len,
	    h.sha256);
	s->messages++;
	if (v.cls == TRAPS_SPAM)
		s->spam++;
	else
		s->backscatter++;
	ok = s->st != NULL &&
	    traps_list(s->st, &c->conf->tc, &h, &o, err, sizeof(err)) == 0;
	if (!ok) {
		s->failed++;
		log_warnx("traps: %08x %s: %s (rule %s): not listed: %s; "
		    "answered 451", c->id, c->peer, traps_class_name(v.cls),
		    v.rule, s->st != NULL ? err : "no store connection");
	} else if (o.already) {
		s->already++;
		log_info("traps: %08x %s: %s (rule %s) sha256=%s: already "
		    "listed in %s", c->id, c->peer, traps_class_name(v.cls),
		    v.rule, h.sha256, o.zone);
	} else {
		s->listed++;
		log_info("traps: %08x %s: %s (rule %s) sha256=%s: listed in "
		    "%s (id %lld, listing %d, expires in %lld s)", c->id,
		    c->peer, traps_class_name(v.cls), v.rule, h.sha256,
		    o.zone, (long long)o.id, o.relistings + 1,
		    (long long)(o.expires_at - h.at));
		if (o.range_id > 0) {
			s->ranges++;
			log_info("traps: range %s listed in %s (id %lld): "
			    "%d addresses", o.range, c->conf->tc.range_zone,
			    (long long)o.range_id, o.range_count);
		}
	}
	metrics_inc(m_msgs, metrics_series(m_msgs, (const char *const[]){
	    traps_class_name(v.cls), !ok ? "failed" : o.already ? "already" :
	    "listed" }));
	traps_smtp_done(m, ok, &c->out);
	return 0;
}

/* Feed what is buffered to the session; frees c when it closes. */
static void
conn_process(struct tconn *c)
{
	struct evbuffer		*in = bufferevent_get_input(c->bev);
	enum traps_smtp_event	 ev;
	unsigned char		*p;
	size_t			 len, used;

	while (!c->paused && (len = evbuffer_get_length(in)) > 0) {
		p = evbuffer_pullup(in, (ssize_t)len);
		used = 0;
		ev = traps_smtp_feed(&c->smtp, p, len, &used, &c->out);
		evbuffer_drain(in, used);
		if (ev == TRAPS_EV_MESSAGE)
			message(c);
		if (ev == TRAPS_EV_CLOSE) {
			conn_close(c);
			return;
		}
		conn_flush(c);
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) >
		    TRAPS_OUT_MAX) {
			/* The peer does not read its replies: wait. */
			c->paused = 1;
			bufferevent_disable(c->bev, EV_READ);
		}
		if (ev == TRAPS_EV_MORE)
			break;
	}
	conn_flush(c);
}

static void
conn_read(struct bufferevent *bev, void *arg)
{
	(void)bev;
	conn_process(arg);
}

/* The output drained (libevent's low watermark is 0). */
static void
conn_write(struct bufferevent *bev, void *arg)
{
	struct tconn	*c = arg;

	(void)bev;
	if (c->closing) {
		conn_free(c);
		return;
	}
	if (c->paused) {
		c->paused = 0;
		bufferevent_enable(c->bev, EV_READ);
		conn_process(c);
	}
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct tconn	*c = arg;

	(void)bev;
	if (what & BEV_EVENT_TIMEOUT) {
		log_info("traps: %08x %s: idle for %d s; closing", c->id,
		    c->peer, c->conf->tc.idle_s);
		if (!c->closing) {
			sbuf_adds(&c->out, "421 4.4.2 idle timeout; "
			    "closing\r\n");
			bufferevent_set_timeouts(c->bev, NULL, NULL);
			conn_close(c);
			return;
		}
	} else if ((what & BEV_EVENT_ERROR) && warn_ok(c->s))
		log_warnx("traps: %08x %s: %s; closing", c->id, c->peer,
		    strerror(EVUTIL_SOCKET_ERROR()));
	conn_free(c);
}

static void
on_session(evutil_socket_t fd, short what, void *arg)
{
	struct tconn	*c = arg;

	(void)fd;
	(void)what;
	if (c->closing) {
		conn_free(c);
		return;
	}
	log_info("traps: %08x %s: session limit of %d s; closing", c->id,
	    c->peer, c->conf->tc.session_s);
	sbuf_adds(&c->out, "421 4.4.2 session time limit; closing\r\n");
	conn_close(c);
}

/* The peer's address as a host prefix (IPv4-mapped for IPv4). */
static int
peer_addr(const struct sockaddr_storage *ss, struct addr_prefix *p)
{
	memset(p, 0, sizeof(*p));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)ss;

		addr_from_v4(p->a, ntohl(s4->sin_addr.s_addr));
		p->family = 4;
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		memcpy(p->a, &s6->sin6_addr, ADDR_LEN);
		p->family = addr_is_v4(p->a, NULL) ? 4 : 6;
	} else
		return -1;
	p->plen = 128;
	return 0;
}

static void
srv_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct traps_srv	*s = arg;
	struct sockaddr_storage	 ss;
	struct tconn		*c;
	struct timeval		 tv;
	socklen_t		 sl;
	int			 fd, i, one = 1;
	static const char	 busy[] = "421 4.3.2 too busy; try later\r\n";

	(void)what;
	for (i = 0; i < TS_ACCEPTS; i++) {
		sl = sizeof(ss);
		if ((fd = accept4(lfd, (struct sockaddr *)&ss, &sl,
		    SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED && warn_ok(s))
				log_warn("traps: accept");
			return;
		}
		if (s->nconns >= s->d->conf->tc.clients) {
			if (warn_ok(s))
				log_warnx("traps: %d connections (clients); "
				    "refusing one", s->nconns);
			(void)!write(fd, busy, sizeof(busy) - 1);
			close(fd);
			continue;
		}
		c = xcalloc(1, sizeof(*c));
		c->s = s;
		c->conf = s->d->conf;
		daemon_conf_hold(c->conf);
		c->id = ++s->next_id;
		sa_format((struct sockaddr *)&ss, c->peer, sizeof(c->peer));
		if (peer_addr(&ss, &c->addr) == -1) {
			daemon_conf_drop(c->conf);
			free(c);
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		traps_smtp_init(&c->smtp, &c->conf->tc);
		sbuf_init(&c->out);
		c->bev = bufferevent_socket_new(s->base, fd,
		    BEV_OPT_CLOSE_ON_FREE);
		c->session = evtimer_new(s->base, on_session, c);
		TAILQ_INSERT_TAIL(&s->conns, c, entry);
		s->nconns++;
		bufferevent_setcb(c->bev, conn_read, conn_write, conn_event, c);
		tv.tv_sec = c->conf->tc.idle_s;
		tv.tv_usec = 0;
		bufferevent_set_timeouts(c->bev, &tv, &tv);
		tv.tv_sec = c->conf->tc.session_s;
		evtimer_add(c->session, &tv);
		bufferevent_enable(c->bev, EV_READ | EV_WRITE);
		traps_smtp_greet(&c->smtp, &c->out);
		conn_flush(c);
		log_debug("traps: %08x connection from %s", c->id, c->peer);
	}
}

static void
srv_free(struct traps_srv *s)
{
	int	i;

	if (s == NULL)
		return;
	while (!TAILQ_EMPTY(&s->conns))
		conn_free(TAILQ_FIRST(&s->conns));
	for (i = 0; i < s->nl; i++) {
		if (s->lev[i] != NULL)
			event_free(s->lev[i]);
		listen_close(&s->ls[i]);
	}
	store_close(s->st);
	free(s);
}

static int
traps_bind(struct daemon *d)
{
	const struct traps_conf	*tc = &d->conf->tc;
	struct traps_srv	*s;
	char			 err[512];
	int			 i;

	if (tc->nlisten == 0)
		return 0;
	s = xcalloc(1, sizeof(*s));
	s->d = d;
	TAILQ_INIT(&s->conns);
	for (i = 0; i < tc->nlisten; i++) {
		s->ls[i].fd = -1;
		s->nl = i + 1;
		if (listen_bind(&s->ls[i], tc->listen[i], 0, "traps", err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "fairlist: serve: %s\n", err);
			srv_free(s);
			return -1;
		}
	}
	d->tsrv = s;
	return 0;
}

/* Create the zones the receiver writes to, when missing. */
static int
ensure_zones(struct store *st, const struct traps_conf *tc)
{
	const char	*z[3] = { tc->zone, tc->backscatter_zone,
	    tc->range_zone };
	int		 i, r;

	for (i = 0; i < 3; i++) {
		if (z[i] == NULL)
			continue;
		if ((r = store_zone_exists(st, z[i])) == 1)
			continue;
		if (r == -1 || store_zone_put(st, z[i], 0, NULL, NULL,
		    TRAPS_ACTOR) == -1) {
			log_warnx("traps: zone %s: %s", z[i],
			    store_errmsg(st));
			return -1;
		}
		log_info("traps: created zone %s", z[i]);
	}
	return 0;
}

static int
traps_start(struct daemon *d)
{
	struct traps_srv	*s = d->tsrv;
	char			 err[STORE_ERR_MAX];
	int			 i;

	if (s == NULL)
		return 0;
	s->base = d->base;
	if ((s->st = store_open(d->conf->db, STORE_LEAN, err)) == NULL) {
		log_warnx("traps: %s: %s", d->conf->db, err);
		return -1;
	}
	if (ensure_zones(s->st, &d->conf->tc) == -1)
		return -1;
	for (i = 0; i < s->nl; i++) {
		s->lev[i] = event_new(d->base, s->ls[i].fd,
		    EV_READ | EV_PERSIST, srv_accept, s);
		if (s->lev[i] == NULL || event_add(s->lev[i], NULL) == -1) {
			log_warnx("traps: cannot listen on %s",
			    s->ls[i].name);
			return -1;
		}
		log_info("traps: listening on %s", s->ls[i].name);
	}
	return 0;
}

/*
 * SIGHUP: connections accepted from now on take the new block; each
 * open one holds a reference to the configuration it started with
 * (daemon_conf_hold), so it ends with the limits and zones it began with.
 */
static int
traps_reload(struct daemon *d, struct daemon_conf *nc)
{
	struct traps_srv	*s = d->tsrv;

	if (s == NULL)
		return 0;
	if (nc->tc.ndomains == 0) {
		/* keep_restart kept the sockets: refuse every RCPT. */
		log_warnx("traps: the traps { } block is gone; every "
		    "recipient is refused until a restart");
		return 0;
	}
	return ensure_zones(s->st, &nc->tc);
}

static void
traps_stop(struct daemon *d)
{
	srv_free(d->tsrv);
	d->tsrv = NULL;
}

static void
traps_status(struct daemon *d, struct json_t *svc, struct json_t *root)
{
	struct traps_srv	*s = d->tsrv;
	int			 i;

	(void)root;
	if (s == NULL)
		return;
	for (i = 0; i < s->nl; i++)
		json_array_append_new(json_object_get(svc, "listen"),
		    json_string(s->ls[i].name));
	json_object_set_new(svc, "messages", json_integer((json_int_t)
	    s->messages));
	json_object_set_new(svc, "spam", json_integer((json_int_t)s->spam));
	json_object_set_new(svc, "backscatter", json_integer((json_int_t)
	    s->backscatter));
	json_object_set_new(svc, "listed", json_integer((json_int_t)
	    s->listed));
	json_object_set_new(svc, "already_listed", json_integer((json_int_t)
	    s->already));
	json_object_set_new(svc, "ranges", json_integer((json_int_t)
	    s->ranges));
	json_object_set_new(svc, "failed", json_integer((json_int_t)
	    s->failed));
	json_object_set_new(svc, "connections", json_integer(s->nconns));
}

const struct daemon_service daemon_traps_service = {
	.name = "traps",
	.bind = traps_bind,
	.start = traps_start,
	.reload = traps_reload,
	.stop = traps_stop,
	.status = traps_status,
};
