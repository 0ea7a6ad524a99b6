/*
 * server.c: the DNS server around dnsbl_answer.
 *
 * UDP is the hot path. Each listen address gets one socket per worker
 * thread, all bound with SO_REUSEPORT so the kernel spreads queries over
 * them; a worker blocks in recvmmsg, answers the whole batch from the
 * current index snapshot and sends the answers with one sendmmsg (NSD and
 * rbldnsd answer one packet per system call; the batch is most of our
 * speed). TCP (RFC 7766: length-prefixed, pipelined, idle timeout) runs on
 * the daemon's libevent loop.
 *
 * TCP limits, against peers that hold connections (RFC 7766 §6.2.3):
 * tcp_idle closes a connection with no traffic; tcp_message closes one
 * that has not delivered a whole message that long after its first byte,
 * so a byte every few seconds does not keep a slot; at tcp_clients, a new
 * client closes the connection that completed a message least recently
 * (the idle and the slowest) instead of being refused. Pipelined queries
 * are answered one read at a time (libevent reads at most 4 KB, so the
 * other connections get their turn after that), and a connection is not
 * read while more than DNSBL_TCP_OUTBUF of answers wait for the peer.
 *
 * Snapshots are read without locks. A reader announces the snapshot it
 * uses in its own hazard slot for the length of one batch; the publisher
 * swaps the global pointer atomically and frees the old snapshot only when
 * no slot holds it. A swap therefore never stalls a query: readers never
 * wait, only the (reload) thread that publishes does.
 *
 * Response rate limiting (rrl.c), when configured, runs in each UDP
 * worker on its own table: a query whose account is already in debt is
 * dropped (or slipped) before it is answered, and every answer is charged
 * before it is sent. TCP is not limited: its sources cannot be spoofed.
 *
 * Logs: bind errors at startup (fatal to the caller), socket errors once
 * per kind, the TCP connection limit (once a second, with the connection
 * closed to make room).
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "core/addr.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/sockaddr.h"
#include "core/str.h"
#include "core/time.h"
#include "core/xmalloc.h"
#include "dns/dns.h"
#include "list/list.h"
#include "dnsbl/dnsbl.h"
#include "dnsbl/server.h"
#include "xfr/xfr.h"

#define UDP_RCVBUF	(4 * 1024 * 1024)
#define CMSG_SPACE_MAX	128

/* One hazard slot per reader, each on its own cache line. */
struct slot {
	_Atomic(struct index *)	p;
	char			pad[64 - sizeof(void *)];
};

struct worker {
	struct dnsbl_server	*s;
	int			 fd;
	int			 family;
	struct slot		*slot;
	pthread_t		 tid;
	int			 started;
	struct rrl		*rrl;		/* NULL: no rate limiting */
};

struct tcp_conn {
	struct dnsbl_server	*s;
	struct bufferevent	*bev;
	struct event		*msg_timer;	/* tcp_message, from 1st byte */
	TAILQ_ENTRY(tcp_conn)	 lru;		/* by last whole message */
	char			 peer[INET6_ADDRSTRLEN + 8];
	struct sockaddr_storage	 sa;		/* the peer */
	struct xfr_stream	*xs;		/* a zone transfer going out */
	char			 xzone[256];	/* its zone, for the log */
	int			 xixfr;		/* a difference */
	uint32_t		 xserial;
	uint64_t		 xbytes;	/* queued so far */
};

struct dnsbl_server {
	struct dnsbl_server_conf	 c;
	/* c.dns, then what dnsbl_server_set_dns gave */
	_Atomic(const struct dnsbl_conf *) dns;
	_Atomic(struct index *)		 cur;
	atomic_int			 stop;
	struct slot			*slots;		/* [0] is the TCP loop */
	size_t				 nslots;
	struct worker			*workers;
	size_t				 nworkers;
	int				 tcp_fd[DNSBL_LISTEN_MAX];
	struct evconnlistener		*lev[DNSBL_LISTEN_MAX];
	int				 tcp_clients;
	TAILQ_HEAD(, tcp_conn)		 tcp_lru;	/* least recent first */
	struct timeval			 tcp_msg_tv;
	uint8_t				*tcp_out;	/* 2 + DNS_TCP_MAX */
	struct dnsbl_notify		*notify;
	struct xfr_history		*xhist;		/* locks itself */
	atomic_int			 xhold;		/* dnsbl_server_xfr_hold */
	struct dnsbl_secondary		*sec;		/* TCP loop only */
	size_t				 nsec;
};

static struct index *
snap_acquire(struct dnsbl_server *s, struct slot *sl)
{
	struct index	*p;

	/*
	 * Hazard pointer: announce p, then check it is still current. If the
	 * publisher swapped in between, it may not have seen our slot, so
	 * try again with the new pointer.
	 */
	for (;;) {
		p = atomic_load(&s->cur);
		atomic_store(&sl->p, p);
		if (atomic_load(&s->cur) == p)
			return p;
	}
}

static void
snap_release(struct slot *sl)
{
	atomic_store_explicit(&sl->p, NULL, memory_order_release);
}

const struct dnsbl_conf *
dnsbl_server_dns(struct dnsbl_server *s)
{
	return atomic_load(&s->dns);
}

const struct index *
dnsbl_server_loop_acquire(struct dnsbl_server *s)
{
	return snap_acquire(s, &s->slots[0]);
}

void
dnsbl_server_loop_release(struct dnsbl_server *s)
{
	snap_release(&s->slots[0]);
}

void
dnsbl_server_publish(struct dnsbl_server *s, struct index *idx)
{
	struct index	*old;
	size_t		 i;
	int		 busy;

	old = atomic_exchange(&s->cur, idx);
	if (old == NULL || old == idx)
		return;
	/* Wait for every reader that may still hold old to finish its batch. */
	do {
		busy = 0;
		for (i = 0; i < s->nslots; i++)
			if (atomic_load(&s->slots[i].p) == old)
				busy = 1;
		if (busy)
			usleep(200);
	} while (busy);
	index_free(old);
}

void
dnsbl_server_set_dns(struct dnsbl_server *s, const struct dnsbl_conf *dc)
{
	atomic_store(&s->dns, dc);
}

const struct index *
dnsbl_server_current(const struct dnsbl_server *s)
{
	return atomic_load(&((struct dnsbl_server *)(uintptr_t)s)->cur);
}

int
dnsbl_parse_listen(const char *str, struct sockaddr_storage *ss,
    socklen_t *len)
{
	return sa_parse(str, 5300, ss, len);
}

static int
is_wildcard(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_addr.s_addr ==
		    htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(
	    &((const struct sockaddr_in6 *)ss)->sin6_addr);
}

static int
bind_socket(struct sockaddr_storage *ss, socklen_t len, int type,
    char *err)
{
	int	fd, one = 1, rcvbuf = UDP_RCVBUF;
	char	a[INET6_ADDRSTRLEN + 8];

	sa_format((struct sockaddr *)ss, a, sizeof(a));
	/*
	 * The TCP listener is non-blocking: libevent accepts until EAGAIN.
	 * UDP sockets block in recvmmsg with a receive timeout.
	 */
	if ((fd = socket(ss->ss_family, type | SOCK_CLOEXEC |
	    (type == SOCK_STREAM ? SOCK_NONBLOCK : 0), 0)) == -1) {
		snprintf(err, 256, "socket %s: %s", a, strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (type == SOCK_DGRAM) {
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one,
		    sizeof(one)) == -1) {
			snprintf(err, 256, "SO_REUSEPORT %s: %s", a,
			    strerror(errno));
			close(fd);
			return -1;
		}
		/* Best effort: a deep queue absorbs bursts. */
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
		if (is_wildcard(ss)) {
			/* Reply from the address the query was sent to. */
			if (ss->ss_family == AF_INET)
				setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one,
				    sizeof(one));
			else
				setsockopt(fd, IPPROTO_IPV6,
				    IPV6_RECVPKTINFO, &one, sizeof(one));
		}
	}
	if (ss->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)ss, len) == -1) {
		snprintf(err, 256, "bind %s/%s: %s", a,
		    type == SOCK_DGRAM ? "udp" : "tcp", strerror(errno));
		close(fd);
		return -1;
	}
	if (type == SOCK_STREAM && listen(fd, 128) == -1) {
		snprintf(err, 256, "listen %s: %s", a, strerror(errno));
		close(fd);
		return -1;
	}
	/*
	 * Port 0 asks the kernel for a port: learn it, so that the other
	 * workers' sockets and the TCP listener share it.
	 */
	if (ss->ss_family == AF_INET ?
	    ((struct sockaddr_in *)ss)->sin_port == 0 :
	    ((struct sockaddr_in6 *)ss)->sin6_port == 0) {
		socklen_t	l = len;

		getsockname(fd, (struct sockaddr *)ss, &l);
	}
	return fd;
}

struct dnsbl_server *
dnsbl_server_new(const struct dnsbl_server_conf *c, char *err)
{
	struct dnsbl_server	*s;
	size_t			 i, w, n;
	long			 ncpu;
	int			 per;

	if (c->nlisten == 0 || c->nlisten > DNSBL_LISTEN_MAX) {
		snprintf(err, 256, "need 1 to %d listen addresses",
		    DNSBL_LISTEN_MAX);
		return NULL;
	}
	per = c->workers;
	if (per <= 0) {
		/*
		 * One worker per core but one: the spare core takes the
		 * kernel's network processing, the TCP loop and the reload
		 * compiles. Fewer workers also means fuller batches; on 2
		 * cores shared with the client, one worker answered 124k
		 * queries/s at 17 per system call, two 98k at 9.
		 */
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		per = ncpu <= 2 ? 1 : ncpu - 1 > DNSBL_WORKERS_MAX ?
		    DNSBL_WORKERS_MAX : (int)ncpu - 1;
	}
	if (per > DNSBL_WORKERS_MAX)
		per = DNSBL_WORKERS_MAX;
	s = xcalloc(1, sizeof(*s));
	s->c = *c;
	if (s->c.tcp_idle <= 0)
		s->c.tcp_idle = DNSBL_TCP_IDLE;
	if (s->c.tcp_clients <= 0)
		s->c.tcp_clients = DNSBL_TCP_CLIENTS;
	if (s->c.tcp_message <= 0)
		s->c.tcp_message = DNSBL_TCP_MESSAGE;
	s->tcp_msg_tv.tv_sec = s->c.tcp_message;
	TAILQ_INIT(&s->tcp_lru);
	atomic_init(&s->dns, c->dns);
	atomic_init(&s->cur, NULL);
	atomic_init(&s->stop, 0);
	s->nworkers = c->nlisten * (size_t)per;
	s->workers = xcalloc(s->nworkers, sizeof(*s->workers));
	s->nslots = s->nworkers + 1;
	if (posix_memalign((void **)&s->slots, 64,
	    s->nslots * sizeof(*s->slots)) != 0)
		fatalx("dnsbl_server_new: out of memory");
	for (i = 0; i < s->nslots; i++)
		atomic_init(&s->slots[i].p, NULL);
	for (i = 0; i < DNSBL_LISTEN_MAX; i++)
		s->tcp_fd[i] = -1;
	for (i = 0; i < s->nworkers; i++)
		s->workers[i].fd = -1;
	n = 0;
	for (i = 0; i < c->nlisten; i++) {
		struct sockaddr_storage	*ss = &s->c.listen[i];
		socklen_t		 len = s->c.listen_len[i];

		for (w = 0; w < (size_t)per; w++, n++) {
			s->workers[n].s = s;
			s->workers[n].family = ss->ss_family;
			s->workers[n].slot = &s->slots[n + 1];
			if (s->c.rrl.rate > 0)
				s->workers[n].rrl = rrl_new(&s->c.rrl,
				    hash_seed());
			s->workers[n].fd = bind_socket(ss, len, SOCK_DGRAM,
			    err);
			if (s->workers[n].fd == -1)
				goto fail;
		}
		if ((s->tcp_fd[i] = bind_socket(ss, len, SOCK_STREAM,
		    err)) == -1)
			goto fail;
	}
	s->tcp_out = xmalloc(2 + DNS_TCP_MAX);
	return s;
fail:
	dnsbl_server_free(s);
	return NULL;
}

/* Answer one batch of UDP queries; the sender addresses are reused. */
/* The peer's address as 16 bytes (IPv4-mapped for IPv4). */
static void
peer_addr(const struct sockaddr *sa, uint8_t a[ADDR_LEN])
{
	memset(a, 0, ADDR_LEN);
	if (sa->sa_family == AF_INET)
		addr_from_v4(a, ntohl(((const struct sockaddr_in *)(const void *)
		    sa)->sin_addr.s_addr));
	else if (sa->sa_family == AF_INET6)
		memcpy(a, &((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_addr, ADDR_LEN);
}

/* Log what xfr_handle did with a request from peer. */
static void
xfr_log(const struct xfr_req *r, const struct xfr_result *res,
    const char *peer)
{
	const char	*type = r->q.qtype == DNS_T_AXFR ? "AXFR" :
	    r->q.qtype == DNS_T_IXFR ? "IXFR" : "signed query";

	if (res->why != NULL && res->rcode != DNS_R_NOERROR)
		log_info("xfr: %s from %s: %s (rcode %d)", type, peer,
		    res->why, res->rcode);
	else if (r->q.qtype == DNS_T_IXFR && res->why != NULL)
		log_debug("xfr: IXFR zone=%s serial %u from %s: %s",
		    res->zone, r->serial, peer, res->why);
}

/*
 * Cheap first: only counts past the question (or, over TCP, any query)
 * can make a packet xfr_handle's; the rest go to dnsbl_answer at once.
 */
static inline int
maybe_xfr(const uint8_t *pkt, size_t len, int tcp)
{
	return len >= DNS_HEADER_LEN && (pkt[4] << 8 | pkt[5]) == 1 &&
	    (pkt[8] | pkt[9] | pkt[10] | pkt[11] ||
	    (tcp && len > DNS_HEADER_LEN));
}

/*
 * One query packet to its answer: zone transfers and signed queries to
 * xfr_handle (over TCP a transfer sets *OUT:xs), the rest to
 * dnsbl_answer. Returns the length, 0 to send nothing.
 */
static size_t
answer_one(const struct dnsbl_conf *dc, const struct index *idx,
    const uint8_t *pkt, size_t len, const struct sockaddr *peer,
    uint8_t *out, size_t outsize, int tcp, int64_t now,
    struct xfr_history *h, struct xfr_stream **xs, struct xfr_result *res)
{
	struct xfr_req	r;
	uint8_t		a[ADDR_LEN];
	char		p[INET6_ADDRSTRLEN + 8];
	size_t		n;

	*xs = NULL;
	res->zone = NULL;
	if (maybe_xfr(pkt, len, tcp)) {
		switch (xfr_request_parse(pkt, len, &r)) {
		case XFR_PARSE_OK:
			peer_addr(peer, a);
			n = xfr_handle(dc, idx, pkt, len, &r, a, tcp, now, h,
			    out, outsize, xs, res);
			if (res->why != NULL) {
				sa_format(peer, p, sizeof(p));
				xfr_log(&r, res, p);
			}
			return n;
		case XFR_PARSE_FORMERR:
			return xfr_formerr(&r, out, outsize);
		case XFR_PARSE_DROP:
			return 0;
		case XFR_PARSE_PASS:
		default:
			break;
		}
	}
	return dnsbl_answer(dc, idx, pkt, len, out, outsize, tcp, now);
}

static void *
udp_worker(void *arg)
{
	struct worker		*w = arg;
	struct dnsbl_server	*s = w->s;
	struct mmsghdr		*in, *out;
	struct iovec		*iin, *iout;
	struct sockaddr_storage	*peers;
	uint8_t			*ibuf, *obuf, *ctl;
	struct timeval		 tv = { 0, 250000 };
	struct index		*idx;
	const struct dnsbl_conf	*dc;
	int			 n, i, m, sent, r;
	size_t			 len;
	int64_t			 now, now_ms = 0;
	int			 warned = 0;
	enum rrl_action		 act;
	uint8_t			*o;
	struct xfr_stream	*xs;		/* never set over UDP */
	struct xfr_result	 xres;

	in = xcalloc(DNSBL_BATCH, sizeof(*in));
	out = xcalloc(DNSBL_BATCH, sizeof(*out));
	iin = xcalloc(DNSBL_BATCH, sizeof(*iin));
	iout = xcalloc(DNSBL_BATCH, sizeof(*iout));
	peers = xcalloc(DNSBL_BATCH, sizeof(*peers));
	ibuf = xmalloc((size_t)DNSBL_BATCH * DNS_EDNS_MAX);
	obuf = xmalloc((size_t)DNSBL_BATCH * DNS_EDNS_MAX);
	ctl = xcalloc(DNSBL_BATCH, CMSG_SPACE_MAX);
	/* Wake up now and then to notice a stop request. */
	setsockopt(w->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

	/*
	 * The receive entries once: the kernel writes only msg_namelen,
	 * msg_controllen, msg_flags and msg_len, so those alone are reset
	 * for the entries the last recvmmsg filled.
	 */
	for (i = 0; i < DNSBL_BATCH; i++) {
		iin[i].iov_base = ibuf + (size_t)i * DNS_EDNS_MAX;
		iin[i].iov_len = DNS_EDNS_MAX;
		in[i].msg_hdr.msg_name = &peers[i];
		in[i].msg_hdr.msg_iov = &iin[i];
		in[i].msg_hdr.msg_iovlen = 1;
		in[i].msg_hdr.msg_control = ctl + i * CMSG_SPACE_MAX;
		out[i].msg_hdr.msg_iov = &iout[i];
		out[i].msg_hdr.msg_iovlen = 1;
	}
	n = DNSBL_BATCH;
	while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
		for (i = 0; i < n; i++) {
			in[i].msg_hdr.msg_namelen = sizeof(peers[i]);
			in[i].msg_hdr.msg_controllen = CMSG_SPACE_MAX;
			in[i].msg_hdr.msg_flags = 0;
		}
		n = recvmmsg(w->fd, in, DNSBL_BATCH, MSG_WAITFORONE, NULL);
		if (n <= 0) {
			if (n == -1 && errno != EAGAIN &&
			    errno != EWOULDBLOCK && errno != EINTR &&
			    !warned++)
				log_warn("dns: recvmmsg");
			n = 0;
			continue;
		}
		idx = snap_acquire(s, w->slot);
		/* After the acquire: see dnsbl_server_set_dns. */
		dc = atomic_load(&s->dns);
		now = (int64_t)time(NULL);
		if (w->rrl != NULL)
			now_ms = time_mono_ms();
		m = 0;
		for (i = 0; i < n; i++) {
			/* A datagram larger than our buffer: drop it. */
			if (in[i].msg_hdr.msg_flags & MSG_TRUNC)
				continue;
			o = obuf + (size_t)m * DNS_EDNS_MAX;
			/* An account in debt: no need to build the answer. */
			act = w->rrl == NULL ? RRL_PASS : rrl_query(w->rrl,
			    (struct sockaddr *)&peers[i], iin[i].iov_base,
			    in[i].msg_len, now_ms);
			if (act == RRL_SLIP) {
				memcpy(o, iin[i].iov_base, in[i].msg_len);
				len = rrl_slip(o, in[i].msg_len);
			} else if (act == RRL_DROP || idx == NULL)
				len = 0;
			else if (!maybe_xfr(iin[i].iov_base, in[i].msg_len, 0))
				len = dnsbl_answer(dc, idx, iin[i].iov_base,
				    in[i].msg_len, o, DNS_EDNS_MAX, 0, now);
			else
				len = answer_one(dc, idx, iin[i].iov_base,
				    in[i].msg_len, (struct sockaddr *)&peers[i],
				    o, DNS_EDNS_MAX, 0, now, NULL, &xs, &xres);
			if (len > 0 && act == RRL_PASS && w->rrl != NULL) {
				act = rrl_response(w->rrl,
				    (struct sockaddr *)&peers[i], o, len,
				    now_ms);
				if (act == RRL_DROP)
					len = 0;
				else if (act == RRL_SLIP)
					len = rrl_slip(o, len);
			}
			if (len == 0)
				continue;
			iout[m].iov_base = obuf + (size_t)m * DNS_EDNS_MAX;
			iout[m].iov_len = len;
			/* msg_iov and msg_iovlen are set once, above. */
			out[m].msg_hdr.msg_name = &peers[i];
			out[m].msg_hdr.msg_namelen = in[i].msg_hdr.msg_namelen;
			out[m].msg_hdr.msg_control = NULL;
			out[m].msg_hdr.msg_controllen = 0;
			out[m].msg_hdr.msg_flags = 0;
			if (in[i].msg_hdr.msg_controllen > 0) {
				/* Echo the destination address (pktinfo). */
				struct cmsghdr	*cm;

				out[m].msg_hdr.msg_control =
				    in[i].msg_hdr.msg_control;
				out[m].msg_hdr.msg_controllen =
				    in[i].msg_hdr.msg_controllen;
				for (cm = CMSG_FIRSTHDR(&out[m].msg_hdr);
				    cm != NULL;
				    cm = CMSG_NXTHDR(&out[m].msg_hdr, cm)) {
					if (cm->cmsg_level == IPPROTO_IP &&
					    cm->cmsg_type == IP_PKTINFO) {
						struct in_pktinfo *pi =
						    (void *)CMSG_DATA(cm);

						pi->ipi_spec_dst = pi->ipi_addr;
						pi->ipi_ifindex = 0;
					}
				}
			}
			m++;
		}
		snap_release(w->slot);
		for (sent = 0; sent < m; sent += r) {
			r = sendmmsg(w->fd, out + sent,
			    (unsigned)(m - sent), 0);
			if (r <= 0) {
				if (errno == EINTR)
					r = 0;
				else {
					/* Skip the packet that failed. */
					r = 1;
				}
			}
		}
	}
	free(in);
	free(out);
	free(iin);
	free(iout);
	free(peers);
	free(ibuf);
	free(obuf);
	free(ctl);
	return NULL;
}

static void
tcp_close(struct tcp_conn *t)
{
	t->s->tcp_clients--;
	TAILQ_REMOVE(&t->s->tcp_lru, t, lru);
	if (t->xs != NULL)
		log_info("xfr: transfer of zone %s to %s cut off after %zu "
		    "messages", t->xzone, t->peer,
		    xfr_stream_messages(t->xs));
	xfr_stream_free(t->xs);
	event_free(t->msg_timer);
	bufferevent_free(t->bev);
	free(t);
}

static void	tcp_read(struct bufferevent *, void *);

static unsigned
port_of(const struct sockaddr_storage *sa)
{
	if (sa->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)sa)->
		    sin_port);
	if (sa->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_port);
	return 0;
}

/* 1 if a and b are the same address (the ports aside). */
static int
same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	uint8_t	x[ADDR_LEN], y[ADDR_LEN];

	peer_addr((const struct sockaddr *)a, x);
	peer_addr((const struct sockaddr *)b, y);
	return memcmp(x, y, ADDR_LEN) == 0;
}

/*
 * A transfer that ended: to the one notify target of its zone at the
 * peer's address, or to an entry of the address itself when none or
 * several targets share it (the source port says nothing of which).
 */
static void
xfr_done(struct tcp_conn *t)
{
	struct dnsbl_server	*s = t->s;
	struct dnsbl_secondary	*e = NULL;
	struct sockaddr_storage	 host;
	size_t			 i, n = 0;

	for (i = 0; i < s->nsec; i++)
		if (s->sec[i].target && strcmp(s->sec[i].zone, t->xzone) == 0 &&
		    same_host(&s->sec[i].sa, &t->sa)) {
			e = &s->sec[i];
			n++;
		}
	if (n != 1) {
		host = t->sa;
		if (host.ss_family == AF_INET)
			((struct sockaddr_in *)(void *)&host)->sin_port = 0;
		else if (host.ss_family == AF_INET6)
			((struct sockaddr_in6 *)(void *)&host)->sin6_port = 0;
		e = dnsbl_server_secondary(s, &host, 0, t->xzone);
	}
	if (e == NULL)
		return;
	e->xfr_at = (int64_t)time(NULL);
	e->xfr_ixfr = t->xixfr;
	e->xfr_serial = t->xserial;
	e->xfr_bytes = t->xbytes;
}

struct dnsbl_secondary *
dnsbl_server_secondary(struct dnsbl_server *s,
    const struct sockaddr_storage *sa, int target, const char *zone)
{
	struct dnsbl_secondary	*e;
	size_t			 i;

	for (i = 0; i < s->nsec; i++) {
		e = &s->sec[i];
		if (e->target == target && strcmp(e->zone, zone) == 0 &&
		    same_host(&e->sa, sa) && (!target ||
		    port_of(&e->sa) == port_of(sa)))
			return e;
	}
	if (s->nsec == DNSBL_SECONDARIES_MAX)
		return NULL;
	if (s->sec == NULL)
		s->sec = xcalloc(DNSBL_SECONDARIES_MAX, sizeof(*s->sec));
	e = &s->sec[s->nsec++];
	memset(e, 0, sizeof(*e));
	e->sa = *sa;
	e->target = target;
	str_lcpy(e->zone, zone, sizeof(e->zone));
	if (target)
		sa_format((const struct sockaddr *)sa, e->address,
		    sizeof(e->address));
	else {
		uint8_t	a[ADDR_LEN];
		uint32_t v4;

		peer_addr((const struct sockaddr *)sa, a);
		addr_ntop(a, addr_is_v4(a, &v4) ? 4 : 6, e->address,
		    sizeof(e->address));
	}
	return e;
}

void
dnsbl_server_xfr_keep(struct dnsbl_server *s, const struct index *idx,
    const char *zone)
{
	const struct dnsbl_conf	*dc = atomic_load(&s->dns);
	int64_t			 t0 = time_mono_ms();

	if (s->xhist == NULL || dc == NULL || dc->xfr.nallow == 0 ||
	    xfr_history_keep(s->xhist, dc, idx, zone, (int64_t)time(NULL)) ==
	    -1)
		return;
	log_debug("xfr: zone %s built for transfers in %lld ms", zone,
	    (long long)(time_mono_ms() - t0));
}

void
dnsbl_server_xfr_keep_old(struct dnsbl_server *s, const struct index *idx,
    const char *zone, int64_t at)
{
	const struct dnsbl_conf	*dc = atomic_load(&s->dns);

	if (s->xhist != NULL && dc != NULL && dc->xfr.nallow > 0)
		xfr_history_keep_old(s->xhist, dc, idx, zone, at);
}

int
dnsbl_server_xfr_on(struct dnsbl_server *s)
{
	const struct dnsbl_conf	*dc = atomic_load(&s->dns);

	return s->xhist != NULL && dc != NULL && dc->xfr.nallow > 0;
}

void
dnsbl_server_xfr_hold(struct dnsbl_server *s, int hold)
{
	atomic_store(&s->xhold, hold);
	if (!hold)
		dnsbl_notify_wake(s->notify);
}

int
dnsbl_server_xfr_held(struct dnsbl_server *s)
{
	return atomic_load(&s->xhold);
}

size_t
dnsbl_server_secondaries(struct dnsbl_server *s,
    const struct dnsbl_secondary **v)
{
	*v = s->sec;
	return s->nsec;
}

/*
 * Queue the next messages of t's transfer while the output holds less
 * than DNSBL_TCP_OUTBUF; the write callback calls again as it drains.
 * After the last one the connection reads queries again.
 */
static void
tcp_pump(struct tcp_conn *t)
{
	struct evbuffer	*outb = bufferevent_get_output(t->bev);
	uint8_t		*buf = t->s->tcp_out;
	size_t		 n;

	while (evbuffer_get_length(outb) <= DNSBL_TCP_OUTBUF) {
		n = xfr_stream_next(t->xs, buf + 2, DNS_TCP_MAX,
		    (int64_t)time(NULL));
		if (n == 0) {
			log_info("xfr: zone %s to %s: sent, %zu messages, "
			    "%llu bytes", t->xzone, t->peer,
			    xfr_stream_messages(t->xs),
			    (unsigned long long)t->xbytes);
			xfr_done(t);
			xfr_stream_free(t->xs);
			t->xs = NULL;
			bufferevent_enable(t->bev, EV_READ);
			tcp_read(t->bev, t);
			return;
		}
		buf[0] = (uint8_t)(n >> 8);
		buf[1] = (uint8_t)n;
		evbuffer_add(outb, buf, n + 2);
		t->xbytes += n + 2;
	}
}

static void
tcp_read(struct bufferevent *bev, void *arg)
{
	struct tcp_conn		*t = arg;
	struct dnsbl_server	*s = t->s;
	struct evbuffer		*inb = bufferevent_get_input(bev);
	struct evbuffer		*outb = bufferevent_get_output(bev);
	uint8_t			 hdr[2], *pkt;
	uint16_t		 qlen;
	size_t			 len;
	struct index		*idx;
	const struct dnsbl_conf	*dc = atomic_load(&s->dns);
	int			 n = 0;		/* whole messages this call */
	struct xfr_stream	*xs;
	struct xfr_result	 xres;

	/* RFC 7766: each message has a two-byte length; queries pipeline. */
	while (evbuffer_get_length(inb) >= 2 && t->xs == NULL) {
		if (evbuffer_get_length(outb) > DNSBL_TCP_OUTBUF) {
			/*
			 * The client does not read: wait until it has. The
			 * wait is ours, so the message clock stops.
			 */
			bufferevent_disable(bev, EV_READ);
			evtimer_del(t->msg_timer);
			return;
		}
		evbuffer_copyout(inb, hdr, 2);
		qlen = (uint16_t)(hdr[0] << 8 | hdr[1]);
		if (qlen == 0) {
			tcp_close(t);
			return;
		}
		if (evbuffer_get_length(inb) < 2u + qlen) {
			bufferevent_setwatermark(bev, EV_READ, 2u + qlen, 0);
			break;
		}
		bufferevent_setwatermark(bev, EV_READ, 0, 0);
		evbuffer_drain(inb, 2);
		pkt = evbuffer_pullup(inb, qlen);
		idx = snap_acquire(s, &s->slots[0]);
		len = idx == NULL ? 0 : answer_one(dc, idx, pkt, qlen,
		    (struct sockaddr *)&t->sa, s->tcp_out + 2, DNS_TCP_MAX, 1,
		    (int64_t)time(NULL), s->xhist, &xs, &xres);
		snap_release(&s->slots[0]);
		evbuffer_drain(inb, qlen);
		if (xs != NULL) {
			/*
			 * A zone transfer: its messages go out as the peer
			 * reads them (tcp_pump); this connection reads
			 * nothing more until the last one is queued.
			 */
			t->xs = xs;
			str_lcpy(t->xzone, xres.zone, sizeof(t->xzone));
			t->xixfr = xres.ixfr;
			t->xserial = xres.serial;
			t->xbytes = 0;
			if (xres.ixfr)
				log_info("xfr: zone %s IXFR serial %u -> %u "
				    "to %s: %zu records deleted, %zu added",
				    t->xzone, xres.from, xres.serial, t->peer,
				    xres.deleted, xres.added);
			else
				log_info("xfr: zone %s %s serial %u to %s: "
				    "%zu names, %zu wildcards, %zu expanded%s%s",
				    t->xzone, xres.whole != NULL ?
				    "IXFR as the whole zone" : "AXFR",
				    xres.serial, t->peer, xres.st.names,
				    xres.st.wildcards, xres.st.expanded,
				    xres.whole != NULL ? ": " : "",
				    xres.whole != NULL ? xres.whole : "");
			if (xres.st.left_out > 0)
				log_warnx("xfr: zone %s: %zu ranges left out "
				    "of the transfer (past dns { transfer { "
				    "expand-max } }); secondaries do not "
				    "answer them", t->xzone,
				    xres.st.left_out);
			bufferevent_disable(bev, EV_READ);
			evtimer_del(t->msg_timer);
			TAILQ_REMOVE(&s->tcp_lru, t, lru);
			TAILQ_INSERT_TAIL(&s->tcp_lru, t, lru);
			tcp_pump(t);
			return;
		}
		if (len == 0) {
			/* A response or garbage: this peer is not a client. */
			log_debug("dns: tcp %s: dropped a malformed message",
			    t->peer);
			tcp_close(t);
			return;
		}
		s->tcp_out[0] = (uint8_t)(len >> 8);
		s->tcp_out[1] = (uint8_t)len;
		evbuffer_add(outb, s->tcp_out, len + 2);
		n++;
		TAILQ_REMOVE(&s->tcp_lru, t, lru);
		TAILQ_INSERT_TAIL(&s->tcp_lru, t, lru);
	}
	/*
	 * The message clock runs from the first byte of a message to its
	 * last: it starts on a partial message (again after a whole one)
	 * and stops when the input is empty.
	 */
	if (evbuffer_get_length(inb) == 0)
		evtimer_del(t->msg_timer);
	else if (n > 0 || !evtimer_pending(t->msg_timer, NULL))
		evtimer_add(t->msg_timer, &s->tcp_msg_tv);
}

static void
tcp_msg_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct tcp_conn	*t = arg;

	(void)fd;
	(void)what;
	log_debug("dns: tcp %s: no whole message within %d s; closing",
	    t->peer, t->s->c.tcp_message);
	tcp_close(t);
}

static void
tcp_write(struct bufferevent *bev, void *arg)
{
	struct tcp_conn	*t = arg;

	if (t->xs != NULL) {
		tcp_pump(t);
		return;
	}
	if (!(bufferevent_get_enabled(bev) & EV_READ)) {
		bufferevent_enable(bev, EV_READ);
		tcp_read(bev, arg);
	}
}

static void
tcp_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	/* EOF, error or idle timeout: the connection is done. */
	tcp_close(arg);
}

static void
tcp_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct dnsbl_server	*s = arg;
	struct event_base	*base = evconnlistener_get_base(l);
	struct tcp_conn		*t;
	struct timeval		 tv;
	static time_t		 last_warn;

	if (s->tcp_clients >= s->c.tcp_clients) {
		/*
		 * Make room: close the connection whose last whole message
		 * is oldest (idle, or trickling) rather than refuse a
		 * client that may be quick: tricklers cannot hold slots.
		 */
		t = TAILQ_FIRST(&s->tcp_lru);
		if (time(NULL) != last_warn) {
			last_warn = time(NULL);
			log_warnx("dns: tcp connection limit (%d) reached; "
			    "closing the least recently active (%s)",
			    s->c.tcp_clients, t != NULL ? t->peer : "-");
		}
		if (t == NULL) {
			close(fd);
			return;
		}
		tcp_close(t);
	}
	t = xcalloc(1, sizeof(*t));
	t->s = s;
	sa_format(sa, t->peer, sizeof(t->peer));
	if ((size_t)salen <= sizeof(t->sa))
		memcpy(&t->sa, sa, (size_t)salen);
	t->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	t->msg_timer = evtimer_new(base, tcp_msg_timeout, t);
	if (t->bev == NULL || t->msg_timer == NULL) {
		if (t->bev != NULL)
			bufferevent_free(t->bev);
		else
			close(fd);
		if (t->msg_timer != NULL)
			event_free(t->msg_timer);
		free(t);
		return;
	}
	s->tcp_clients++;
	TAILQ_INSERT_TAIL(&s->tcp_lru, t, lru);
	tv.tv_sec = s->c.tcp_idle;
	tv.tv_usec = 0;
	bufferevent_set_timeouts(t->bev, &tv, &tv);
	bufferevent_setcb(t->bev, tcp_read, tcp_write, tcp_event, t);
	bufferevent_setwatermark(t->bev, EV_WRITE, DNSBL_TCP_OUTBUF / 2, 0);
	bufferevent_enable(t->bev, EV_READ | EV_WRITE);
}

int
dnsbl_server_start(struct dnsbl_server *s, struct event_base *base)
{
	size_t	i;
	int	rc;

	for (i = 0; i < s->c.nlisten; i++) {
		s->lev[i] = evconnlistener_new(base, tcp_accept, s,
		    LEV_OPT_CLOSE_ON_FREE, -1, s->tcp_fd[i]);
		if (s->lev[i] == NULL) {
			log_warnx("dns: cannot listen for tcp");
			return -1;
		}
		s->tcp_fd[i] = -1;	/* the listener owns it now */
	}
	s->notify = dnsbl_notify_new(s, base);
	s->xhist = xfr_history_new();
	for (i = 0; i < s->nworkers; i++) {
		rc = pthread_create(&s->workers[i].tid, NULL, udp_worker,
		    &s->workers[i]);
		if (rc != 0) {
			errno = rc;
			log_warn("dns: pthread_create");
			return -1;
		}
		s->workers[i].started = 1;
	}
	for (i = 0; i < s->c.nlisten; i++) {
		char	a[INET6_ADDRSTRLEN + 8];

		sa_format((struct sockaddr *)&s->c.listen[i], a, sizeof(a));
		log_info("dns: serving udp and tcp on %s", a);
	}
	return 0;
}

void
dnsbl_server_free(struct dnsbl_server *s)
{
	size_t	i;

	if (s == NULL)
		return;
	atomic_store(&s->stop, 1);
	for (i = 0; i < s->nworkers; i++)
		if (s->workers[i].started)
			pthread_join(s->workers[i].tid, NULL);
	for (i = 0; i < s->nworkers; i++) {
		if (s->workers[i].fd != -1)
			close(s->workers[i].fd);
		rrl_free(s->workers[i].rrl);
	}
	for (i = 0; i < DNSBL_LISTEN_MAX; i++) {
		if (s->lev[i] != NULL)
			evconnlistener_free(s->lev[i]);
		if (s->tcp_fd[i] != -1)
			close(s->tcp_fd[i]);
	}
	dnsbl_notify_free(s->notify);
	xfr_history_free(s->xhist);
	free(s->sec);
	index_free(atomic_load(&s->cur));
	free(s->workers);
	free(s->slots);
	free(s->tcp_out);
	free(s);
}
