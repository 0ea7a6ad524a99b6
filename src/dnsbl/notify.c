/*
 * notify.c: NOTIFY (RFC 1996) to the secondaries in dns { transfer {
 * notify } } whenever a zone's serial changes, on the daemon's loop.
 *
 * A timer looks at the published snapshot every NOTIFY_POLL_MS, and the
 * reload thread wakes it at once (dnsbl_notify_wake, an eventfd) when it
 * releases the hold after building a new serial for transfers: each zone
 * whose serial differs from the one last seen, and every zone at
 * startup, gets a NOTIFY to every target. A NOTIFY is sent again after
 * XFR_NOTIFY_RETRY_MS, doubling up to XFR_NOTIFY_RETRY_CAP_MS (0, 1, 3,
 * 7, 11 s), until an answer with its id comes from its target, at most
 * XFR_NOTIFY_TRIES times (section 3.6), and given up 4 s after the last
 * send; a newer
 * serial of the same zone replaces a pending one. When the NOTIFY is
 * signed, an answer counts only if it is signed with the key over our
 * request's MAC (RFC 8945 section 5.3; any of the sends': an answer to
 * an earlier one may come late); an unsigned or badly signed answer is
 * logged once and the NOTIFY is sent again as if none had come. Each
 * target's last NOTIFY and answer go to the server's secondaries table
 * for fairlist status. Before the NOTIFYs of a new serial go out, the
 * zone is built as records for the transfers they will bring
 * (dnsbl_server_xfr_keep). The messages and the answer check are
 * xfr/notify.c's.
 *
 * Logs: each NOTIFY sent first (info), its answer (debug; an error
 * rcode as a warning), a bad signature (warning, once per NOTIFY), and a
 * target that never answered (warning).
 */
#include <sys/types.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "core/log.h"
#include "core/sockaddr.h"
#include "core/str.h"
#include "core/time.h"
#include "core/xmalloc.h"
#include "list/list.h"
#include "dnsbl/dnsbl.h"
#include "dnsbl/server.h"
#include "xfr/xfr.h"

#define NOTIFY_POLL_MS	200
#define NOTIFY_PENDING	(XFR_NOTIFY_MAX * INDEX_ZONES_MAX)

struct pending {
	int			used;
	char			zone[256];
	uint32_t		serial;
	struct sockaddr_storage	to;
	socklen_t		tolen;
	uint16_t		id;
	int			tries;
	int64_t			next_ms;
	uint8_t			mac[XFR_NOTIFY_TRIES][XFR_MAC_LEN];	/* sent */
	int			bad;		/* a badly signed answer came */
	struct dnsbl_secondary	*sec;		/* NULL: table full */
};

struct dnsbl_notify {
	struct dnsbl_server	*s;
	struct event		*timer;
	int			 wfd;		/* eventfd: dnsbl_notify_wake */
	struct event		*wev;
	int			 fd[2];		/* IPv4, IPv6 */
	struct event		*ev[2];
	struct {
		char		 name[256];
		uint32_t	 serial;
	}			 seen[INDEX_ZONES_MAX];
	size_t			 nseen;
	struct pending		 p[NOTIFY_PENDING];
};

static int
same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port &&
		    x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	{
		const struct sockaddr_in6 *x = (const void *)a,
		    *y = (const void *)b;

		return x->sin6_port == y->sin6_port &&
		    memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
	}
}

/* Queue zone at serial for target t (replacing an older one). */
static void
queue(struct dnsbl_notify *n, const char *zone, uint32_t serial,
    const struct sockaddr_storage *to, socklen_t tolen, int64_t now)
{
	struct pending	*p = NULL;
	size_t		 i;

	for (i = 0; i < NOTIFY_PENDING; i++) {
		if (n->p[i].used && strcmp(n->p[i].zone, zone) == 0 &&
		    same_addr(&n->p[i].to, to)) {
			p = &n->p[i];
			break;
		}
		if (!n->p[i].used && p == NULL)
			p = &n->p[i];
	}
	if (p == NULL)
		return;		/* cannot happen: one slot per zone and target */
	memset(p, 0, sizeof(*p));
	p->used = 1;
	str_lcpy(p->zone, zone, sizeof(p->zone));
	p->serial = serial;
	memcpy(&p->to, to, tolen);
	p->tolen = tolen;
	if (getrandom(&p->id, sizeof(p->id), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(p->id))
		p->id = (uint16_t)random();
	p->next_ms = now;
	p->sec = dnsbl_server_secondary(n->s, to, 1, zone);
}

/* Zones whose serial changed since the last look: queue their NOTIFYs. */
static void
look(struct dnsbl_notify *n, const struct xfr_conf *xc, int64_t now)
{
	const struct index	*idx = dnsbl_server_loop_acquire(n->s);
	const struct index_zone	*z;
	size_t			 j, t;
	int			 i, nz;

	nz = idx != NULL ? index_zone_count(idx) : 0;
	for (i = 0; i < nz; i++) {
		if ((z = index_zone_get(idx, i)) == NULL)
			continue;
		for (j = 0; j < n->nseen; j++)
			if (strcmp(n->seen[j].name, z->name) == 0)
				break;
		if (j < n->nseen && n->seen[j].serial == (uint32_t)z->serial)
			continue;
		if (j == n->nseen) {
			if (n->nseen == INDEX_ZONES_MAX)
				continue;
			str_lcpy(n->seen[j].name, z->name,
			    sizeof(n->seen[j].name));
			n->nseen++;
		}
		n->seen[j].serial = (uint32_t)z->serial;
		dnsbl_server_xfr_keep(n->s, idx, z->name);
		for (t = 0; t < xc->nnotify; t++)
			queue(n, z->name, (uint32_t)z->serial, &xc->notify[t],
			    xc->notify_len[t], now);
	}
	dnsbl_server_loop_release(n->s);
}

/* Send the NOTIFYs due at now (ms, monotonic); TSIG time is time(). */
static void
send_due(struct dnsbl_notify *n, const struct xfr_conf *xc, int64_t now)
{
	uint8_t		 buf[DNS_UDP_MIN + XFR_TSIG_ROOM];
	char		 to[INET6_ADDRSTRLEN + 8];
	struct pending	*p;
	size_t		 i, len;
	int		 fd;

	for (i = 0; i < NOTIFY_PENDING; i++) {
		p = &n->p[i];
		if (!p->used || p->next_ms > now)
			continue;
		sa_format((struct sockaddr *)&p->to, to, sizeof(to));
		if (p->tries >= XFR_NOTIFY_TRIES) {
			log_warnx("xfr: NOTIFY of zone %s serial %u to %s: "
			    "no %sanswer after %d tries", p->zone, p->serial,
			    to, p->bad ? "well-signed " : "", p->tries);
			if (p->sec != NULL)
				p->sec->notify_result = p->bad ?
				    DNSBL_NOTIFY_BAD_TSIG :
				    DNSBL_NOTIFY_NO_ANSWER;
			p->used = 0;
			continue;
		}
		len = xfr_notify_build(p->zone, p->serial, p->id,
		    xc->tsig ? &xc->key : NULL, buf, sizeof(buf),
		    (int64_t)time(NULL), p->mac[p->tries]);
		fd = n->fd[p->to.ss_family == AF_INET6];
		if (len == 0 || fd == -1) {
			p->used = 0;
			continue;
		}
		if (p->tries == 0)
			log_info("xfr: NOTIFY zone %s serial %u to %s", p->zone,
			    p->serial, to);
		if (p->sec != NULL) {
			p->sec->notify_at = (int64_t)time(NULL);
			p->sec->notify_serial = p->serial;
			if (p->tries == 0)
				p->sec->notify_result = DNSBL_NOTIFY_WAITING;
		}
		(void)sendto(fd, buf, len, 0, (struct sockaddr *)&p->to,
		    p->tolen);
		p->next_ms = now + ((int64_t)XFR_NOTIFY_RETRY_MS << p->tries);
		if (p->next_ms > now + XFR_NOTIFY_RETRY_CAP_MS)
			p->next_ms = now + XFR_NOTIFY_RETRY_CAP_MS;
		p->tries++;
	}
}

/* Look at the snapshot and send what is due, unless held. */
static void
tick(struct dnsbl_notify *n)
{
	const struct dnsbl_conf	*dc = dnsbl_server_dns(n->s);
	int64_t			 now = time_mono_ms();

	/* Held while the daemon reads older versions back (server.h). */
	if (dc != NULL && dc->xfr.nnotify > 0 &&
	    !dnsbl_server_xfr_held(n->s)) {
		look(n, &dc->xfr, now);
		send_due(n, &dc->xfr, now);
	}
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct dnsbl_notify	*n = arg;
	struct timeval		 tv = { 0, NOTIFY_POLL_MS * 1000 };

	(void)fd;
	(void)what;
	tick(n);
	evtimer_add(n->timer, &tv);
}

/*
 * The reload thread released the hold (dnsbl_notify_wake): a new serial
 * is built, its NOTIFYs go now instead of at the next tick, which was up
 * to NOTIFY_POLL_MS of the time from a change to its secondaries.
 */
static void
on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct dnsbl_notify	*n = arg;
	uint64_t		 v;

	(void)what;
	if (read(fd, &v, sizeof(v)) == -1 && errno != EAGAIN &&
	    errno != EINTR)
		log_warn("xfr: reading the NOTIFY wake-up eventfd");
	tick(n);
}

void
dnsbl_notify_wake(struct dnsbl_notify *n)
{
	uint64_t	one = 1;

	/*
	 * A failed write loses nothing: EAGAIN means the counter is full,
	 * a wake-up is pending anyway; otherwise the timer's tick sends.
	 */
	if (n != NULL && n->wfd != -1 &&
	    write(n->wfd, &one, sizeof(one)) == -1 && errno != EAGAIN)
		log_debug("xfr: NOTIFY wake-up: %s", strerror(errno));
}

static void
on_reply(evutil_socket_t fd, short what, void *arg)
{
	struct dnsbl_notify	*n = arg;
	const struct dnsbl_conf	*dc = dnsbl_server_dns(n->s);
	struct sockaddr_storage	 from;
	socklen_t		 flen = sizeof(from);
	uint8_t			 buf[DNS_EDNS_MAX];
	char			 who[INET6_ADDRSTRLEN + 8];
	ssize_t			 r;
	uint16_t		 id;
	size_t			 i;
	int			 rcode, v, k;

	(void)what;
	r = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
	if (r <= 0 || xfr_notify_reply(buf, (size_t)r, &id, &rcode) == -1)
		return;
	for (i = 0; i < NOTIFY_PENDING; i++) {
		struct pending	*p = &n->p[i];

		if (!p->used || p->id != id || !same_addr(&p->to, &from))
			continue;
		sa_format((struct sockaddr *)&from, who, sizeof(who));
		if (dc != NULL && dc->xfr.tsig) {
			/* RFC 8945 5.3: signed over one of our requests. */
			v = XFR_NOTIFY_UNSIGNED;
			for (k = 0; k < p->tries && v != 0; k++)
				v = xfr_notify_verify(&dc->xfr.key, p->mac[k],
				    buf, (size_t)r, (int64_t)time(NULL));
			if (v != 0) {
				if (!p->bad)
					log_warnx("xfr: NOTIFY of zone %s "
					    "serial %u to %s: answer (rcode "
					    "%d) %s, counted as none", p->zone,
					    p->serial, who, rcode,
					    v == XFR_NOTIFY_UNSIGNED ?
					    "unsigned" : v == XFR_TSIG_BADKEY ?
					    "signed with another key" :
					    v == XFR_TSIG_BADTIME ?
					    "signed at a bad time" :
					    "badly signed");
				p->bad = 1;
				continue;
			}
		}
		if (p->sec != NULL) {
			p->sec->notify_result = DNSBL_NOTIFY_ANSWERED;
			p->sec->notify_rcode = rcode;
		}
		if (rcode != DNS_R_NOERROR)
			log_warnx("xfr: NOTIFY of zone %s serial %u to %s: "
			    "rcode %d", p->zone, p->serial, who, rcode);
		else
			log_debug("xfr: NOTIFY of zone %s serial %u to %s: "
			    "answered", p->zone, p->serial, who);
		p->used = 0;
	}
}

struct dnsbl_notify *
dnsbl_notify_new(struct dnsbl_server *s, struct event_base *base)
{
	struct dnsbl_notify	*n = xcalloc(1, sizeof(*n));
	struct timeval		 tv = { 0, NOTIFY_POLL_MS * 1000 };
	int			 i, fam[2] = { AF_INET, AF_INET6 };

	n->s = s;
	for (i = 0; i < 2; i++) {
		n->fd[i] = socket(fam[i], SOCK_DGRAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		if (n->fd[i] == -1)
			continue;
		n->ev[i] = event_new(base, n->fd[i], EV_READ | EV_PERSIST,
		    on_reply, n);
		if (n->ev[i] != NULL)
			event_add(n->ev[i], NULL);
	}
	n->timer = evtimer_new(base, on_timer, n);
	if (n->timer == NULL)
		fatalx("dns: cannot make the NOTIFY timer");
	evtimer_add(n->timer, &tv);
	/* Without it, the timer alone: NOTIFYs up to 200 ms later. */
	n->wfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (n->wfd == -1)
		log_warn("xfr: eventfd for the NOTIFY wake-up");
	else if ((n->wev = event_new(base, n->wfd, EV_READ | EV_PERSIST,
	    on_wake, n)) == NULL || event_add(n->wev, NULL) == -1)
		fatalx("dns: cannot watch the NOTIFY wake-up");
	return n;
}

void
dnsbl_notify_free(struct dnsbl_notify *n)
{
	int	i;

	if (n == NULL)
		return;
	for (i = 0; i < 2; i++) {
		if (n->ev[i] != NULL)
			event_free(n->ev[i]);
		if (n->fd[i] != -1)
			close(n->fd[i]);
	}
	event_free(n->timer);
	if (n->wev != NULL)
		event_free(n->wev);
	if (n->wfd != -1)
		close(n->wfd);
	free(n);
}
