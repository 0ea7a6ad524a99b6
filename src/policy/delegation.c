/*
 * delegation.c: the policy server (Postfix SMTPD_POLICY_README) on the
 * daemon's libevent loop.
 *
 * Listens on TCP ("ADDR:PORT", "[V6]:PORT") and unix sockets
 * ("unix:/path"). Each connection has its own fixed input buffer
 * (POLICY_REQUEST_MAX plus one read chunk) and output buffer, and plain
 * events on its non-blocking socket: no bufferevent copies on the hot
 * path. Requests on one connection are handled one at a time, in order:
 * Postfix waits for each reply, and a pipelining client is answered in
 * order (the next request is not looked at until the previous reply is
 * written out).
 *
 * Per request: scan and parse (request.c). A protocol_state other than
 * the configured one gets "action=DUNNO" at once. Otherwise the engine
 * judges the client; its verdict is formatted with the header (an SPF or
 * tag header to PREPEND) only once per message: the server remembers the
 * last `instance` for which it sent a PREPEND, since Postfix sends one
 * request per recipient with the same instance and adds the header each
 * time it is returned. A per-request timer at deadline_ms answers the
 * fail-open action if the engine has not (the engine itself decides
 * POLICY_MARGIN_MS earlier, so this is the backstop).
 *
 * Against clients that hold or hog the server: a request must arrive
 * whole within request_s of its first byte (after the previous reply),
 * or the connection is closed, so a byte every few minutes does not keep
 * a slot; at `clients`, a new connection closes the one whose last whole
 * request is oldest (idle, or trickling) instead of being refused. A
 * connection gets at most PD_BURST pipelined requests per loop turn and
 * then waits for the next turn, behind the other connections. Its kernel
 * send buffer is PD_SNDBUF: when a reply does not fit (the client does
 * not read its replies), the server stops reading from it until the reply
 * is written.
 *
 * A request=confirm_check (policy { confirm-check yes }; docs/POLICY.md)
 * is not judged by the engine's rules: its SPF runs on the engine
 * (confirm.c), and then confirm_decide counts the send in the store,
 * through a store connection of the server's own on the loop thread,
 * with a short busy timeout (POLICY_CONFIRM_BUSY_MS). Its reply is the
 * decision's lines; a store error, no store, or the deadline (the
 * per-request timer) answers action=DEFER with verdict=error, logged.
 * With confirm-check off, or without client_address or sender, it is a
 * malformed request.
 *
 * Errors: a malformed request (a reader limit, a parse error, no
 * client_address where one is judged) is logged once with the peer and
 * the connection is closed without a reply, as SMTPD_POLICY_README
 * requires. A peer that closes (EOF, even a half-close) is gone: its
 * evaluation is cancelled and nothing more is written. Idle connections
 * close after idle_s, and a peer that does not read a reply for idle_s
 * too. Internal trouble (the engine refusing) is logged and
 * disconnects; Postfix then applies its own default. Peer-caused warnings
 * are rate-limited.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "confirm/confirm.h"
#include "core/listen.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/sockaddr.h"
#include "core/str.h"
#include "core/time.h"
#include "core/xmalloc.h"
#include "dmarc/dmarc.h"
#include "policy/policy.h"
#include "store/store.h"

#define PD_CHUNK	16384		/* bytes asked of one read() */
#define PD_INBUF	(POLICY_REQUEST_MAX + PD_CHUNK)
#define PD_LISTEN_MAX	8		/* = the size of pc->listen */
#define PD_NAME_MAX	(sizeof(((struct sockaddr_un *)0)->sun_path) + 8)
#define PD_ACCEPTS	64		/* accepts per wake-up */
#define PD_WARNS	20		/* peer warnings per second */
#define PD_INSTANCE_MAX	128		/* longer: header every time */
#define PD_BURST	8		/* requests per connection per turn */
#define PD_SNDBUF	16384		/* kernel send buffer (Linux doubles) */
#define PD_STORE_WARN_S	60		/* a store that will not open: one
					   warning per this many seconds */

struct pd_listener {
	struct policy_server	*s;
	int			 fd;
	int			 is_unix;
	struct event		*ev;
	char			 name[PD_NAME_MAX];	/* for logs */
	char			*path;			/* unix socket */
};

struct pd_conn {
	struct policy_server	*s;
	TAILQ_ENTRY(pd_conn)	 lru;		/* by last whole request */
	int			 fd;
	uint32_t		 id;
	char			 peer[PD_NAME_MAX];
	struct event		*rev, *wev, *timer;
	struct event		*rtimer;	/* request_s, partial request */
	struct event		*resume;	/* after a PD_BURST */
	int			 reading;	/* rev is added */

	char			*in;		/* PD_INBUF bytes */
	size_t			 inlen;
	struct policy_reader	 rd;
	size_t			 reqlen;	/* request being judged */
	const char		*client;	/* into in, while busy */
	const char		*instance;	/* into in, while busy */

	struct sbuf		 out;
	size_t			 outoff;

	struct policy_eval	*ev;		/* evaluation in flight */
	struct policy_confirm	*cf;		/* confirm_check's SPF, in
						   flight */
	const struct policy_conf *cf_pc;	/* the conf it started with */
	const char		*cf_sender;	/* into in, while busy */
	const char		*cf_dkim;	/* into in, or NULL */
	int64_t			 cf_t0;		/* time_mono_us() */
	int			 busy;		/* a request is judged */
	int			 in_eval;	/* inside policy_evaluate */
	int			 done_ran;
	char			 hdr_instance[PD_INSTANCE_MAX];	/* PREPEND
						   sent for this message */
};

struct policy_server {
	const struct policy_conf	*pc;
	struct pd_listener		 l[PD_LISTEN_MAX];
	int				 nl;
	struct event_base		*base;
	struct policy_engine		*e;
	struct policy_index_src		 src;
	struct event			*resume;	/* after EMFILE */
	const struct timeval		*idle_tv, *deadline_tv, *request_tv;
	TAILQ_HEAD(, pd_conn)		 conns;		/* least recent first */
	int				 nconns;
	uint32_t			 next_id;
	time_t				 limit_warned;
	struct log_limit		 warn_limit;

	/* confirm_check: the store its sends are counted in */
	char				*db;		/* NULL: none */
	struct store			*st;		/* the server's own */
	time_t				 st_warned;	/* last open failure */
	struct dmarc_psl		*psl;		/* DKIM alignment */
	int				 psl_tried;
};

static void	conn_advance(struct pd_conn *);

/* A peer-caused warning is allowed: PD_WARNS a second (log_limit_ok). */
static int
warn_ok(struct policy_server *s)
{
	return log_limit_ok(&s->warn_limit, PD_WARNS, "policy");
}

struct policy_server *
policy_server_new(const struct policy_conf *pc, char *err, size_t errlen)
{
	struct policy_server	*s;
	struct listen_sock	 ls;
	const char		*spec;
	int			 i, rc;

	if (pc->nlisten <= 0 || pc->nlisten > PD_LISTEN_MAX) {
		snprintf(err, errlen, "policy: need 1 to %d listen addresses",
		    PD_LISTEN_MAX);
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->pc = pc;
	TAILQ_INIT(&s->conns);
	for (i = 0; i < PD_LISTEN_MAX; i++)
		s->l[i].fd = -1;
	for (i = 0; i < pc->nlisten; i++) {
		spec = pc->listen[i];
		s->l[i].s = s;
		rc = listen_bind(&ls, spec, pc->socket_mode, "policy", err,
		    errlen);
		s->nl = i + 1;
		if (rc == -1) {
			policy_server_free(s);
			return NULL;
		}
		s->l[i].fd = ls.fd;
		s->l[i].is_unix = ls.is_unix;
		s->l[i].path = ls.path;
		str_lcpy(s->l[i].name, ls.name, sizeof(s->l[i].name));
	}
	return s;
}

/* ------------------------------------------------------------------ */
/* connections                                                         */
/* ------------------------------------------------------------------ */

static void
conn_close(struct pd_conn *c)
{
	struct policy_server	*s = c->s;

	if (c->ev != NULL)
		policy_cancel(c->ev);
	policy_confirm_cancel(c->cf);
	event_free(c->rev);
	event_free(c->wev);
	event_free(c->timer);
	event_free(c->rtimer);
	event_free(c->resume);
	close(c->fd);
	TAILQ_REMOVE(&s->conns, c, lru);
	s->nconns--;
	sbuf_free(&c->out);
	free(c->in);
	free(c);
}

static void
conn_malformed(struct pd_conn *c, const char *why)
{
	if (warn_ok(c->s))
		log_warnx("policy: %08x peer=%s malformed request: %s; "
		    "closing", c->id, c->peer, why);
	conn_close(c);
}

/* The request is answered: drop its bytes, keep what was pipelined. */
static void
conn_consume(struct pd_conn *c)
{
	if (c->reqlen < c->inlen)
		memmove(c->in, c->in + c->reqlen, c->inlen - c->reqlen);
	c->inlen -= c->reqlen;
	c->reqlen = 0;
	c->client = c->instance = NULL;
	c->cf_sender = c->cf_dkim = NULL;
	c->cf_pc = NULL;
	c->busy = 0;
	policy_reader_init(&c->rd);
}

static void
conn_reply(struct pd_conn *c, const char *line, size_t len)
{
	sbuf_reset(&c->out);
	c->outoff = 0;
	sbuf_add(&c->out, line, len);
	conn_consume(c);
}

static void
conn_done(void *arg, const struct policy_facts *f,
    const struct policy_verdict *v)
{
	struct pd_conn	*c = arg;
	const char	*inst = c->instance;
	int		 with_header;

	c->done_ran = 1;
	c->ev = NULL;
	if (!c->in_eval)
		evtimer_del(c->timer);
	/*
	 * The header goes out once per message: Postfix adds it for every
	 * recipient that returns it. An empty or overlong instance cannot
	 * be told apart from the next message, so it always gets one.
	 */
	with_header = inst[0] == '\0' ||
	    strcmp(inst, c->hdr_instance) != 0;
	sbuf_reset(&c->out);
	c->outoff = 0;
	policy_action_format(c->s->pc, v, with_header, &c->out);
	if (with_header && c->out.len > 15 &&
	    memcmp(c->out.s, "action=PREPEND ", 15) == 0 &&
	    str_lcpy(c->hdr_instance, inst, sizeof(c->hdr_instance)) >=
	    sizeof(c->hdr_instance))
		c->hdr_instance[0] = '\0';
	log_debug("policy: %08x client=%s rule=%s score=%d/%d ms=%.1f%s",
	    c->id, f->ip, v->rule != NULL ? v->rule : "?", v->score,
	    v->threshold, f->ms, f->timed_out ? " timed-out" : "");
	/*
	 * Inside policy_evaluate the request's bytes stay put until it
	 * returns (conn_next consumes them then): the engine may still
	 * read the query's strings.
	 */
	if (c->in_eval)
		return;
	conn_consume(c);
	conn_advance(c);
}

static void	confirm_timeout(struct pd_conn *);

static void
conn_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct pd_conn	*c = arg;
	char		 client[128], inst[64];

	(void)fd;
	(void)what;
	if (c->cf != NULL) {
		confirm_timeout(c);
		return;
	}
	if (c->ev == NULL)
		return;
	policy_cancel(c->ev);
	c->ev = NULL;
	if (warn_ok(c->s))
		log_warnx("policy: %08x peer=%s client=%s instance=%s: no "
		    "verdict within %d ms; answered fail-open (%s)", c->id,
		    c->peer, str_escape(client, sizeof(client), c->client,
		    strlen(c->client)), str_escape(inst, sizeof(inst),
		    c->instance, strlen(c->instance)), c->s->pc->deadline_ms,
		    policy_action_name(c->s->pc->fail_open));
	sbuf_reset(&c->out);
	c->outoff = 0;
	policy_failopen_format(c->s->pc, &c->out);
	conn_consume(c);
	conn_advance(c);
}

static int
state_matches(enum policy_state st, const char *ps)
{
	switch (st) {
	case POLICY_AT_CONNECT:
		return strcasecmp(ps, "CONNECT") == 0;
	case POLICY_AT_HELO:
		return strcasecmp(ps, "HELO") == 0 ||
		    strcasecmp(ps, "EHLO") == 0;
	case POLICY_AT_MAIL:
		return strcasecmp(ps, "MAIL") == 0;
	case POLICY_AT_RCPT:
		return strcasecmp(ps, "RCPT") == 0;
	case POLICY_AT_DATA:
		return strcasecmp(ps, "DATA") == 0;
	case POLICY_AT_EOM:
		return strcasecmp(ps, "END-OF-MESSAGE") == 0;
	default:
		return 0;
	}
}

/* ------------------------------------------------------------------ */
/* confirm_check                                                       */
/* ------------------------------------------------------------------ */

/* fairlist_policy_confirm_total{reason}: every confirm_check answered. */
static struct metrics_family	*m_confirm;

__attribute__((constructor)) static void
confirm_metrics(void)
{
	static const char *const reasons[] = { "spf-pass", "dkim-pass",
		"null-sender", "bad-address", "not-authenticated", "temperror",
		"rate-address", "rate-domain", "store-error", "timeout", NULL };
	static const struct metrics_label labels[] = {
		{ "reason", reasons, 0 },
	};

	m_confirm = metrics_counter("fairlist_policy_confirm_total",
	    "confirm_check requests answered on the policy socket, by "
	    "reason.", labels, 1);
}

static void
confirm_count(const char *reason)
{
	metrics_inc(m_confirm, metrics_series(m_confirm,
	    (const char *const[]){ reason }));
}

/*
 * The server's store connection, opened at the first need. A failure is
 * logged at most once a minute and retried at the next request.
 */
static struct store *
confirm_store(struct policy_server *s)
{
	char	err[STORE_ERR_MAX];
	time_t	now;

	if (s->st != NULL || s->db == NULL)
		return s->st;
	if ((s->st = store_open(s->db, STORE_LEAN, err)) == NULL) {
		now = time(NULL);
		if (now - s->st_warned >= PD_STORE_WARN_S) {
			s->st_warned = now;
			log_warnx("policy: confirm-check: %s", err);
		}
		return NULL;
	}
	/* A writer holding the store must not stall the loop long. */
	store_busy_timeout(s->st, POLICY_CONFIRM_BUSY_MS);
	return s->st;
}

/* The public suffix list for DKIM alignment, at the first need. */
static const struct dmarc_psl *
confirm_psl(struct policy_server *s)
{
	char	err[256];

	if (!s->psl_tried) {
		s->psl_tried = 1;
		if ((s->psl = dmarc_psl_load(NULL, err, sizeof(err))) == NULL)
			log_warnx("policy: confirm-check: %s: DKIM alignment "
			    "is strict (the same domain only)", err);
	}
	return s->psl;
}

/* The reply is in c->out: send it, then go on with the connection. */
static void
confirm_sent(struct pd_conn *c)
{
	c->outoff = 0;
	conn_consume(c);
}

/* Decide with SPF result spf and reply (the request's bytes still held). */
static void
confirm_answer(struct pd_conn *c, enum spf_result spf)
{
	struct policy_server	*s = c->s;
	struct confirm_result	 r;
	struct store		*st;
	char			 err[STORE_ERR_MAX], from[96], client[64];

	str_escape(from, sizeof(from), c->cf_sender, strlen(c->cf_sender));
	str_escape(client, sizeof(client), c->client, strlen(c->client));
	if ((st = confirm_store(s)) == NULL) {
		log_warnx("policy: %08x peer=%s confirm-check client=%s "
		    "sender=%s: no store; answered defer (store-error)",
		    c->id, c->peer, client, from);
		confirm_count("store-error");
		policy_confirm_format_error(POLICY_CONFIRM_STORE, &c->out);
		confirm_sent(c);
		return;
	}
	if (confirm_decide(&c->cf_pc->confirm, st, c->cf_dkim != NULL ?
	    confirm_psl(s) : NULL, c->cf_sender, spf, c->cf_dkim,
	    (int64_t)time(NULL), &r, err, sizeof(err)) == -1) {
		log_warnx("policy: %08x peer=%s confirm-check client=%s "
		    "sender=%s: store: %s; answered defer (store-error)",
		    c->id, c->peer, client, from, err);
		confirm_count("store-error");
		policy_confirm_format_error(POLICY_CONFIRM_STORE, &c->out);
		confirm_sent(c);
		return;
	}
	/* The address as counted (lower case), when it is one. */
	log_info("policy: %08x confirm-check client=%s sender=%s verdict=%s "
	    "reason=%s spf=%s sent=%lld/%lld ms=%.1f", c->id, client,
	    r.address[0] != '\0' ? r.address : from,
	    confirm_verdict_name(r.verdict), confirm_reason_name(r.reason),
	    spf_result_str(r.spf), (long long)r.sent_address,
	    (long long)r.sent_domain, time_ms_since(c->cf_t0));
	confirm_count(confirm_reason_name(r.reason));
	policy_confirm_format(&r, &c->out);
	confirm_sent(c);
}

static void
confirm_spf_done(void *arg, enum spf_result spf)
{
	struct pd_conn	*c = arg;

	c->cf = NULL;
	evtimer_del(c->timer);
	confirm_answer(c, spf);
	conn_advance(c);
}

/* The server's deadline passed before the engine's cut-off answered. */
static void
confirm_timeout(struct pd_conn *c)
{
	char	client[64];

	policy_confirm_cancel(c->cf);
	c->cf = NULL;
	if (warn_ok(c->s))
		log_warnx("policy: %08x peer=%s confirm-check client=%s: no "
		    "decision within %d ms; answered defer (timeout)", c->id,
		    c->peer, str_escape(client, sizeof(client), c->client,
		    strlen(c->client)), c->s->pc->deadline_ms);
	confirm_count("timeout");
	policy_confirm_format_error(POLICY_CONFIRM_TIMEOUT, &c->out);
	confirm_sent(c);
	conn_advance(c);
}

/*
 * Start a confirm_check request (r, parsed in c->in). Returns 1 (taken:
 * answered, or busy) or -1 (the connection was closed).
 */
static int
confirm_next(struct pd_conn *c, const struct policy_request *r)
{
	struct policy_server	*s = c->s;
	struct confirm_result	 probe;
	struct addr_prefix	 p;
	const char		*why;
	char			 err[256];

	if (!s->pc->confirm_check) {
		conn_malformed(c, "request=confirm_check, but confirm-check "
		    "is off (policy { confirm-check yes })");
		return -1;
	}
	if (r->client_address[0] == '\0') {
		conn_malformed(c, "confirm_check: client_address missing");
		return -1;
	}
	if (addr_parse(r->client_address, &p, &why) == -1 || p.plen != 128) {
		conn_malformed(c, "confirm_check: client_address is not one "
		    "address");
		return -1;
	}
	if (!r->has_sender) {
		conn_malformed(c, "confirm_check: sender missing (sender= "
		    "is the null sender)");
		return -1;
	}
	c->busy = 1;
	c->client = r->client_address;
	c->instance = r->instance;
	c->cf_sender = r->sender;
	c->cf_dkim = r->dkim_pass[0] != '\0' ? r->dkim_pass : NULL;
	c->cf_pc = s->pc;
	c->cf_t0 = time_mono_us();
	/* A null sender or a bad address is refused without any DNS. */
	if (confirm_address(r->sender, &probe) == -1) {
		confirm_answer(c, SPF_NONE);
		return 1;
	}
	if ((c->cf = policy_confirm_spf(s->e, r->client_address, r->sender,
	    r->helo_name, confirm_spf_done, c, err, sizeof(err))) == NULL) {
		log_warnx("policy: %08x peer=%s confirm-check: %s; closing",
		    c->id, c->peer, err);
		conn_close(c);
		return -1;
	}
	evtimer_add(c->timer, s->deadline_tv);
	return 1;
}

/*
 * Take the next complete request off the input and start judging it.
 * Returns 1 if a request was taken (answered, or busy), 0 if more bytes
 * are needed, -1 if the connection was closed.
 */
static int
conn_next(struct pd_conn *c)
{
	struct policy_server	*s = c->s;
	struct policy_request	 r;
	struct policy_query	 q;
	struct policy_eval	*ev;
	const struct index	*idx;
	const char		*err;
	long			 n;

	if ((n = policy_reader_scan(&c->rd, c->in, c->inlen, &err)) == 0)
		return 0;
	if (n < 0 || policy_request_parse(c->in, (size_t)n, &r, &err) == -1) {
		conn_malformed(c, err);
		return -1;
	}
	c->reqlen = (size_t)n;
	if (r.kind == POLICY_REQ_CONFIRM)
		return confirm_next(c, &r);
	if (!state_matches(s->pc->state, r.protocol_state)) {
		conn_reply(c, "action=DUNNO\n\n", 14);
		return 1;
	}
	if (r.client_address[0] == '\0') {
		conn_malformed(c, "client_address missing");
		return -1;
	}
	memset(&q, 0, sizeof(q));
	q.client_address = r.client_address;
	q.helo = r.helo_name;
	q.sender = r.sender;
	q.recipient = r.recipient;
	q.sasl = r.sasl_username[0] != '\0';
	c->client = r.client_address;
	c->instance = r.instance;
	c->busy = 1;
	c->done_ran = 0;
	c->in_eval = 1;
	idx = s->src.acquire != NULL ? s->src.acquire(s->src.arg) : NULL;
	ev = policy_evaluate(s->e, idx, &q, conn_done, c);
	if (s->src.release != NULL)
		s->src.release(s->src.arg);
	c->in_eval = 0;
	if (ev == NULL) {
		if (c->done_ran) {
			conn_consume(c);
			return 1;
		}
		log_warnx("policy: %08x peer=%s: the engine refused the "
		    "request; closing", c->id, c->peer);
		conn_close(c);
		return -1;
	}
	c->ev = ev;
	evtimer_add(c->timer, s->deadline_tv);
	return 1;
}

/* Write what is pending. Returns 0 (maybe partly), -1 on error. */
static int
conn_flush(struct pd_conn *c)
{
	ssize_t	n;

	while (c->outoff < c->out.len) {
		n = send(c->fd, c->out.s + c->outoff, c->out.len - c->outoff,
		    MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			log_debug("policy: %08x peer=%s: write: %s", c->id,
			    c->peer, strerror(errno));
			return -1;
		}
		c->outoff += (size_t)n;
	}
	return 0;
}

/*
 * Move the connection on: write out the reply, then take the next
 * pipelined request, until it waits for the engine, the peer's bytes or
 * the peer's reading, or has taken PD_BURST requests in this call (the
 * rest wait for the next loop turn, after the other connections).
 */
static void
conn_advance(struct pd_conn *c)
{
	int	n = 0;

	for (;;) {
		if (c->outoff < c->out.len) {
			if (conn_flush(c) == -1) {
				conn_close(c);
				return;
			}
			if (c->outoff < c->out.len) {
				/* Replies are not read: read no more requests. */
				if (c->reading) {
					event_del(c->rev);
					c->reading = 0;
				}
				event_add(c->wev, c->s->idle_tv);
				return;
			}
		}
		if (c->busy)
			return;
		if (!c->reading && c->inlen < PD_INBUF) {
			event_add(c->rev, c->s->idle_tv);
			c->reading = 1;
		}
		if (n == PD_BURST) {
			if (c->inlen > 0)
				event_active(c->resume, EV_TIMEOUT, 1);
			return;
		}
		switch (conn_next(c)) {
		case -1:
			return;
		case 0:
			/* The request clock runs while a request is partial. */
			if (c->inlen == 0)
				evtimer_del(c->rtimer);
			else if (!evtimer_pending(c->rtimer, NULL))
				evtimer_add(c->rtimer, c->s->request_tv);
			return;
		default:
			break;
		}
		n++;
		evtimer_del(c->rtimer);
		TAILQ_REMOVE(&c->s->conns, c, lru);
		TAILQ_INSERT_TAIL(&c->s->conns, c, lru);
	}
}

static void
conn_resume(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_advance(arg);
}

static void
conn_request_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct pd_conn	*c = arg;

	(void)fd;
	(void)what;
	if (warn_ok(c->s))
		log_warnx("policy: %08x peer=%s: no whole request within %d s; "
		    "closing", c->id, c->peer, c->s->pc->request_s);
	conn_close(c);
}

static void
conn_read(evutil_socket_t fd, short what, void *arg)
{
	struct pd_conn	*c = arg;
	ssize_t		 n;

	if (what & EV_TIMEOUT) {
		/* The idle timeout runs only while we wait for the peer. */
		if (c->busy || c->outoff < c->out.len)
			return;
		log_debug("policy: %08x peer=%s: idle, closing", c->id,
		    c->peer);
		conn_close(c);
		return;
	}
	n = read(fd, c->in + c->inlen, PD_INBUF - c->inlen);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		log_debug("policy: %08x peer=%s: read: %s", c->id, c->peer,
		    strerror(errno));
		conn_close(c);
		return;
	}
	if (n == 0) {
		/* Gone, even if only half-closed: no one reads replies. */
		conn_close(c);
		return;
	}
	c->inlen += (size_t)n;
	if (c->inlen == PD_INBUF) {
		/* Full while busy: wait for the request to be answered. */
		event_del(c->rev);
		c->reading = 0;
	}
	if (!c->busy && c->outoff == c->out.len)
		conn_advance(c);
}

static void
conn_write(evutil_socket_t fd, short what, void *arg)
{
	struct pd_conn	*c = arg;

	(void)fd;
	if (what & EV_TIMEOUT) {
		log_debug("policy: %08x peer=%s: does not read, closing",
		    c->id, c->peer);
		conn_close(c);
		return;
	}
	conn_advance(c);
}

static void
conn_new(struct policy_server *s, struct pd_listener *l, int fd,
    const struct sockaddr *sa)
{
	struct pd_conn	*c;
	int		 one = 1, sndbuf = PD_SNDBUF;

	c = xcalloc(1, sizeof(*c));
	c->s = s;
	c->fd = fd;
	c->id = ++s->next_id;
	c->rev = event_new(s->base, fd, EV_READ | EV_PERSIST, conn_read, c);
	c->wev = event_new(s->base, fd, EV_WRITE, conn_write, c);
	c->timer = evtimer_new(s->base, conn_deadline, c);
	c->rtimer = evtimer_new(s->base, conn_request_timeout, c);
	c->resume = event_new(s->base, -1, 0, conn_resume, c);
	if (c->rev == NULL || c->wev == NULL || c->timer == NULL ||
	    c->rtimer == NULL || c->resume == NULL ||
	    event_add(c->rev, s->idle_tv) == -1) {
		struct event	*evs[] = { c->rev, c->wev, c->timer, c->rtimer,
			    c->resume };
		size_t		 i;

		log_warnx("policy: cannot create connection events");
		for (i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
			if (evs[i] != NULL)
				event_free(evs[i]);
		close(fd);
		free(c);
		return;
	}
	c->reading = 1;
	/* Bounds the replies a client may leave unread (best effort). */
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	if (l->is_unix)
		str_lcpy(c->peer, l->name, sizeof(c->peer));
	else {
		sa_format(sa, c->peer, sizeof(c->peer));
		/* Replies are small and answered at once: no Nagle delay. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	c->in = xmalloc(PD_INBUF);
	sbuf_init(&c->out);
	policy_reader_init(&c->rd);
	TAILQ_INSERT_TAIL(&s->conns, c, lru);
	s->nconns++;
}

/* ------------------------------------------------------------------ */
/* listeners                                                           */
/* ------------------------------------------------------------------ */

static void
listeners_enable(struct policy_server *s, int on)
{
	int	i;

	for (i = 0; i < s->nl; i++) {
		if (s->l[i].ev == NULL)
			continue;
		if (on)
			event_add(s->l[i].ev, NULL);
		else
			event_del(s->l[i].ev);
	}
}

static void
listeners_resume(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	listeners_enable(arg, 1);
}

static void
srv_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct pd_listener	*l = arg;
	struct policy_server	*s = l->s;
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	struct timeval		 tv = { 1, 0 };
	struct pd_conn		*old;
	time_t			 now;
	int			 fd, i;

	(void)what;
	for (i = 0; i < PD_ACCEPTS; i++) {
		len = sizeof(ss);
		fd = accept4(lfd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			switch (errno) {
			case EINTR:
			case ECONNABORTED:
				continue;
			case EAGAIN:
#if EAGAIN != EWOULDBLOCK
			case EWOULDBLOCK:
#endif
				return;
			case EMFILE:
			case ENFILE:
			case ENOBUFS:
			case ENOMEM:
				/* Out of descriptors: pause, do not spin. */
				log_warn("policy: accept on %s; pausing 1 s",
				    l->name);
				listeners_enable(s, 0);
				evtimer_add(s->resume, &tv);
				return;
			default:
				log_warn("policy: accept on %s", l->name);
				return;
			}
		}
		if (s->nconns >= s->pc->clients &&
		    (old = TAILQ_FIRST(&s->conns)) != NULL) {
			/*
			 * Make room: close the connection whose last whole
			 * request is oldest (idle, or trickling); Postfix
			 * reconnects when it needs one.
			 */
			now = time(NULL);
			if (now != s->limit_warned) {
				s->limit_warned = now;
				log_warnx("policy: connection limit (%d) "
				    "reached; closing the least recently "
				    "active, %08x peer=%s", s->pc->clients,
				    old->id, old->peer);
			}
			conn_close(old);
		}
		conn_new(s, l, fd, (struct sockaddr *)&ss);
	}
}

/* The timeouts of s->pc on s->base. Returns 0, or -1 (s unchanged). */
static int
init_timeouts(struct policy_server *s)
{
	const struct timeval	*idle, *deadline, *request;
	struct timeval		 tv;

	tv.tv_sec = s->pc->idle_s > 0 ? s->pc->idle_s : 300;
	tv.tv_usec = 0;
	/* Common timeouts: one queue per duration, O(1) adds. */
	idle = event_base_init_common_timeout(s->base, &tv);
	tv.tv_sec = s->pc->deadline_ms / 1000;
	tv.tv_usec = (s->pc->deadline_ms % 1000) * 1000;
	deadline = event_base_init_common_timeout(s->base, &tv);
	tv.tv_sec = s->pc->request_s > 0 ? s->pc->request_s : 5;
	tv.tv_usec = 0;
	request = event_base_init_common_timeout(s->base, &tv);
	if (idle == NULL || deadline == NULL || request == NULL)
		return -1;
	s->idle_tv = idle;
	s->deadline_tv = deadline;
	s->request_tv = request;
	return 0;
}

void
policy_server_store(struct policy_server *s, const char *db)
{
	free(s->db);
	s->db = db != NULL ? xstrdup(db) : NULL;
}

int
policy_server_start(struct policy_server *s, struct event_base *base,
    struct policy_engine *e, const struct policy_index_src *src)
{
	int	i;

	s->base = base;
	s->e = e;
	if (src != NULL)
		s->src = *src;
	if (init_timeouts(s) == -1 ||
	    (s->resume = evtimer_new(base, listeners_resume, s)) == NULL) {
		log_warnx("policy: cannot create timers");
		return -1;
	}
	for (i = 0; i < s->nl; i++) {
		s->l[i].ev = event_new(base, s->l[i].fd, EV_READ | EV_PERSIST,
		    srv_accept, &s->l[i]);
		if (s->l[i].ev == NULL || event_add(s->l[i].ev, NULL) == -1) {
			log_warnx("policy: cannot listen on %s", s->l[i].name);
			return -1;
		}
	}
	for (i = 0; i < s->nl; i++)
		log_info("policy: serving the Postfix policy protocol on %s",
		    s->l[i].name);
	if (s->pc->confirm_check) {
		/* Opened now so that a bad store shows at startup. */
		(void)confirm_store(s);
		log_info("policy: confirm-check on (request=confirm_check)");
	}
	return 0;
}

int
policy_server_reconf(struct policy_server *s, const struct policy_conf *pc,
    struct policy_engine *e)
{
	const struct policy_conf	*old = s->pc;

	s->pc = pc;
	if (init_timeouts(s) == -1) {
		s->pc = old;
		log_warnx("policy: cannot create timers");
		return -1;
	}
	s->e = e;
	if (pc->confirm_check != old->confirm_check)
		log_info("policy: confirm-check %s", pc->confirm_check ?
		    "on (request=confirm_check)" : "off");
	return 0;
}

void
policy_server_free(struct policy_server *s)
{
	int	i;

	if (s == NULL)
		return;
	while (!TAILQ_EMPTY(&s->conns))
		conn_close(TAILQ_FIRST(&s->conns));
	for (i = 0; i < PD_LISTEN_MAX; i++) {
		if (s->l[i].ev != NULL)
			event_free(s->l[i].ev);
		if (s->l[i].fd != -1)
			close(s->l[i].fd);
		if (s->l[i].path != NULL) {
			/* Best effort: after a privilege drop it may fail. */
			(void)unlink(s->l[i].path);
			free(s->l[i].path);
		}
	}
	if (s->resume != NULL)
		event_free(s->resume);
	store_close(s->st);
	dmarc_psl_free(s->psl);
	free(s->db);
	free(s);
}
