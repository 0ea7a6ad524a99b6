/*
 * post.c: one webhook POST on a libevent loop, the glue of hook.c
 * (docs/SENDER-CARE.md, "The webhook over https").
 *
 * The phases, each with its deadline:
 *   lookup     the host's A and AAAA records on a c-ares resolver of the
 *              POST's own (dns/evres.h), on the loop: never getaddrinfo,
 *              so a slow name server cannot stall the daemon. The
 *              resolver's own deadline (lookup-timeout) bounds it. An
 *              address literal skips it.
 *   connect    TCP to each address in turn, IPv6 first, until one
 *              connects (webhook-timeout each).
 *   handshake  for https, TLS 1.2 or later on the connected socket (an
 *              OpenSSL socket bufferevent, so a refusal's alert reaches
 *              the server before the close): the chain is verified against
 *              the context's CA store, the host name (SSL_set1_host, no
 *              partial wildcards) or the address (X509_VERIFY_PARAM
 *              set1_ip_asc) against the certificate, and SNI names the
 *              host (RFC 6066 section 3: never for an address). A refused
 *              certificate ends the POST with its X509 reason: nothing is
 *              written, and there is no fallback to plain http.
 *   answer     the request written, the status line read (hook.c), then
 *              the connection closed (webhook-timeout).
 *
 * Logs nothing: the result carries the status code or the reason, and
 * the caller (daemon/watch_svc.c) logs and retries. done runs from a
 * deferred event, never from inside a c-ares or bufferevent callback, so
 * it may start the next POST.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "core/addr.h"
#include "core/buf.h"
#include "core/sockaddr.h"
#include "core/str.h"
#include "core/xmalloc.h"
#include "dns/dns.h"
#include "dns/evres.h"
#include "watch/watch.h"

enum phase { P_LOOKUP, P_CONNECT, P_HANDSHAKE, P_ANSWER, P_DONE };

struct watch_post {
	struct event_base	*base;
	SSL_CTX			*ctx;		/* a reference, or NULL */
	char			*url;
	struct watch_url	 u;		/* path points into url */
	struct sbuf		 req;
	int			 timeout_s;
	/* lookup */
	struct dns_evres	*res;
	int			 qleft;		/* queries not answered */
	enum dns_resolver_status st4, st6;
	uint8_t			 a4[WATCH_HOOK_ADDRS_MAX][ADDR_LEN];
	uint8_t			 a6[WATCH_HOOK_ADDRS_MAX][ADDR_LEN];
	int			 n4, n6;
	/* connect, handshake, answer */
	uint8_t			 addrs[WATCH_HOOK_ADDRS_MAX][ADDR_LEN];
	int			 naddrs, next;
	char			 peer[SA_TEXT_MAX];
	struct bufferevent	*bev;		/* the socket (the fd is ours),
						   or TLS on it (bev's) */
	SSL			*ssl;		/* owned by bev, or NULL */
	int			 in_connect;	/* inside socket_connect */
	int			 connect_failed;
	struct event		*timer;		/* the phase's deadline */
	struct event		*step;		/* after the lookup; done */
	enum phase		 phase;
	int			 cancelled;
	struct watch_post_result result;
	char			 why[512];
	void			(*done)(void *,
				    const struct watch_post_result *);
	void			*arg;
};

static void	connect_next(struct watch_post *p);
static void	on_event(struct bufferevent *bev, short what, void *arg);

/* The earliest OpenSSL error queued (the cause, not its wrappers). */
static const char *
ssl_reason(unsigned long e, char *buf, size_t len)
{
	const char	*r;

	if (e == 0)
		return "no detail from OpenSSL";
	if (ERR_SYSTEM_ERROR(e))
		return strerror(ERR_GET_REASON(e));
	if ((r = ERR_reason_error_string(e)) != NULL)
		return r;
	ERR_error_string_n(e, buf, len);
	return buf;
}

struct ssl_ctx_st *
watch_tls_ctx(const char *cafile, char *err, size_t errlen)
{
	SSL_CTX		*ctx;
	char		 buf[256];

	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		snprintf(err, errlen, "TLS: cannot make a context: %s",
		    ssl_reason(ERR_get_error(), buf, sizeof(buf)));
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (cafile != NULL ? SSL_CTX_load_verify_locations(ctx, cafile,
	    NULL) != 1 : SSL_CTX_set_default_verify_paths(ctx) != 1) {
		snprintf(err, errlen, "%s%s: cannot load the CA "
		    "certificates: %s", cafile != NULL ? "webhook-ca " :
		    "the system's CA store", cafile != NULL ? cafile : "",
		    ssl_reason(ERR_get_error(), buf, sizeof(buf)));
		ERR_clear_error();
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/*
 * Close the connection: the TLS bufferevent owns its socket and SSL; the
 * plain one was made without BEV_OPT_CLOSE_ON_FREE (start_tls takes its
 * socket over), so its socket is closed here.
 */
static void
close_bev(struct watch_post *p)
{
	evutil_socket_t	fd;

	if (p->bev == NULL)
		return;
	if (p->ssl == NULL) {
		fd = bufferevent_getfd(p->bev);
		bufferevent_free(p->bev);
		if (fd >= 0)
			evutil_closesocket(fd);
	} else
		bufferevent_free(p->bev);
	p->bev = NULL;
	p->ssl = NULL;
}

static void
post_free(struct watch_post *p)
{
	p->cancelled = 1;
	/* Its callbacks run here with TEMPFAIL and see cancelled. */
	dns_evres_free(p->res);
	close_bev(p);
	event_free(p->timer);
	event_free(p->step);
	SSL_CTX_free(p->ctx);
	sbuf_free(&p->req);
	free(p->url);
	free(p);
}

/* End the POST: close, and report from the loop (on_step). */
static void
finish(struct watch_post *p, int code, int verify)
{
	close_bev(p);
	evtimer_del(p->timer);
	p->phase = P_DONE;
	p->result.code = code;
	p->result.tls_verify = verify;
	p->result.why = code != 0 ? "" : p->why;
	event_active(p->step, EV_TIMEOUT, 1);
}

static void
arm(struct watch_post *p, enum phase ph)
{
	struct timeval	tv = { p->timeout_s, 0 };

	p->phase = ph;
	evtimer_add(p->timer, &tv);
}

static const char *
status_text(enum dns_resolver_status st)
{
	switch (st) {
	case DNS_RES_OK:
		return "no usable record";
	case DNS_RES_NODATA:
		return "no record";
	case DNS_RES_NXDOMAIN:
		return "NXDOMAIN";
	case DNS_RES_TEMPFAIL:
	default:
		return "no answer";
	}
}

/* --- lookup ---------------------------------------------------------- */

static void
lookup_one(struct watch_post *p)
{
	if (--p->qleft == 0 && !p->cancelled)
		event_active(p->step, EV_TIMEOUT, 1);
}

static void
on_a(void *arg, enum dns_resolver_status st, const uint8_t *pkt, size_t len)
{
	struct watch_post	*p = arg;

	p->st4 = st;
	if (st == DNS_RES_OK && !p->cancelled)
		p->n4 = watch_hook_addrs(pkt, len, DNS_T_A, p->a4,
		    WATCH_HOOK_ADDRS_MAX);
	lookup_one(p);
}

static void
on_aaaa(void *arg, enum dns_resolver_status st, const uint8_t *pkt,
    size_t len)
{
	struct watch_post	*p = arg;

	p->st6 = st;
	if (st == DNS_RES_OK && !p->cancelled)
		p->n6 = watch_hook_addrs(pkt, len, DNS_T_AAAA, p->a6,
		    WATCH_HOOK_ADDRS_MAX);
	lookup_one(p);
}

/* Both answers are in (on_step, outside c-ares): the address list. */
static void
lookup_done(struct watch_post *p)
{
	int	i;

	dns_evres_free(p->res);
	p->res = NULL;
	for (i = 0; i < p->n6 && p->naddrs < WATCH_HOOK_ADDRS_MAX; i++)
		memcpy(p->addrs[p->naddrs++], p->a6[i], ADDR_LEN);
	for (i = 0; i < p->n4 && p->naddrs < WATCH_HOOK_ADDRS_MAX; i++)
		memcpy(p->addrs[p->naddrs++], p->a4[i], ADDR_LEN);
	if (p->naddrs == 0) {
		snprintf(p->why, sizeof(p->why), "no address for %s (A: %s, "
		    "AAAA: %s)", p->u.host, status_text(p->st4),
		    status_text(p->st6));
		finish(p, 0, 0);
		return;
	}
	connect_next(p);
}

static void
on_step(evutil_socket_t fd, short what, void *arg)
{
	struct watch_post	*p = arg;

	(void)fd;
	(void)what;
	switch (p->phase) {
	case P_LOOKUP:
		lookup_done(p);
		return;
	case P_DONE:
		p->done(p->arg, &p->result);
		post_free(p);
		return;
	case P_CONNECT:
	case P_HANDSHAKE:
	case P_ANSWER:
	default:
		return;
	}
}

/* --- answer ---------------------------------------------------------- */

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct watch_post	*p = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	size_t			 n = evbuffer_get_length(in);
	const uint8_t		*s;
	const char		*why;
	int			 code, rc;

	if (p->phase != P_ANSWER)
		return;
	if (n > WATCH_HOOK_ANSWER_MAX)
		n = WATCH_HOOK_ANSWER_MAX;
	if ((s = evbuffer_pullup(in, (ssize_t)n)) == NULL)
		return;
	if ((rc = watch_hook_status(s, n, &code, &why)) == 0)
		return;
	if (rc == 1) {
		finish(p, code, 0);
		return;
	}
	snprintf(p->why, sizeof(p->why), "bad answer from %s: %s", p->peer,
	    why);
	finish(p, 0, 0);
}

static void
send_request(struct watch_post *p)
{
	arm(p, P_ANSWER);
	bufferevent_setwatermark(p->bev, EV_READ, 0, WATCH_HOOK_ANSWER_MAX);
	bufferevent_setcb(p->bev, on_read, NULL, on_event, p);
	if (bufferevent_write(p->bev, p->req.s, p->req.len) == -1 ||
	    bufferevent_enable(p->bev, EV_READ | EV_WRITE) == -1) {
		snprintf(p->why, sizeof(p->why), "cannot send to %s",
		    p->peer);
		finish(p, 0, 0);
	}
}

/* --- handshake ------------------------------------------------------- */

static void
tls_failed(struct watch_post *p, short what)
{
	char		 buf[256];
	long		 v = p->ssl != NULL ? SSL_get_verify_result(p->ssl) :
			    X509_V_OK;
	unsigned long	 e = bufferevent_get_openssl_error(p->bev), e2;

	/* The earliest error is the cause. */
	while ((e2 = bufferevent_get_openssl_error(p->bev)) != 0)
		(void)e2;
	if (v != X509_V_OK) {
		snprintf(p->why, sizeof(p->why), "TLS certificate of %s "
		    "refused: %s (%s %s)", p->peer,
		    X509_verify_cert_error_string(v),
		    p->u.literal ? "address" : "host", p->u.host);
		finish(p, 0, 1);
		return;
	}
	if (e != 0)
		snprintf(p->why, sizeof(p->why), "TLS handshake with %s "
		    "failed: %s", p->peer, ssl_reason(e, buf, sizeof(buf)));
	else
		snprintf(p->why, sizeof(p->why), "TLS handshake with %s "
		    "failed: %s", p->peer, (what & BEV_EVENT_EOF) ?
		    "the server closed the connection" :
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	finish(p, 0, 0);
}

static int
start_tls(struct watch_post *p)
{
	X509_VERIFY_PARAM	*vp;
	struct bufferevent	*f;
	SSL			*ssl;
	evutil_socket_t		 fd;

	ERR_clear_error();
	if ((ssl = SSL_new(p->ctx)) == NULL)
		return -1;
	vp = SSL_get0_param(ssl);
	if (p->u.literal) {
		if (X509_VERIFY_PARAM_set1_ip_asc(vp, p->u.host) != 1)
			goto fail;
	} else {
		X509_VERIFY_PARAM_set_hostflags(vp,
		    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (SSL_set_tlsext_host_name(ssl, p->u.host) != 1 ||
		    SSL_set1_host(ssl, p->u.host) != 1)
			goto fail;
	}
	/* The socket moves to the TLS bufferevent, which closes it. */
	fd = bufferevent_getfd(p->bev);
	f = bufferevent_openssl_socket_new(p->base, fd, ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	if (f == NULL)
		return -1;	/* out of memory: libevent may have freed ssl */
	bufferevent_free(p->bev);
	bufferevent_openssl_set_allow_dirty_shutdown(f, 1);
	p->bev = f;
	p->ssl = ssl;
	return 0;
fail:
	SSL_free(ssl);
	return -1;
}

/* --- connect --------------------------------------------------------- */

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct watch_post	*p = arg;
	struct evbuffer		*in;
	const char		*why;
	int			 code, e = EVUTIL_SOCKET_ERROR();

	(void)bev;
	if (p->in_connect) {
		/* socket_connect failed at once: connect_next goes on. */
		snprintf(p->why, sizeof(p->why), "connect %s: %s", p->peer,
		    evutil_socket_error_to_string(e));
		p->connect_failed = 1;
		return;
	}
	switch (p->phase) {
	case P_CONNECT:
		if (what & BEV_EVENT_CONNECTED) {
			if (!p->u.tls) {
				send_request(p);
				return;
			}
			if (start_tls(p) == -1) {
				snprintf(p->why, sizeof(p->why), "TLS: cannot "
				    "set up the connection to %s", p->peer);
				finish(p, 0, 0);
				return;
			}
			arm(p, P_HANDSHAKE);
			bufferevent_setcb(p->bev, NULL, NULL, on_event, p);
			bufferevent_enable(p->bev, EV_READ | EV_WRITE);
			return;
		}
		snprintf(p->why, sizeof(p->why), "connect %s: %s", p->peer,
		    e != 0 ? evutil_socket_error_to_string(e) : "failed");
		close_bev(p);
		connect_next(p);
		return;
	case P_HANDSHAKE:
		if (what & BEV_EVENT_CONNECTED) {
			send_request(p);
			return;
		}
		tls_failed(p, what);
		return;
	case P_ANSWER:
		/* The server closed: what came may be a whole answer. */
		in = bufferevent_get_input(p->bev);
		if (evbuffer_get_length(in) > 0 && watch_hook_status(
		    evbuffer_pullup(in, -1), evbuffer_get_length(in), &code,
		    &why) == 1) {
			finish(p, code, 0);
			return;
		}
		snprintf(p->why, sizeof(p->why), "%s before a status line "
		    "from %s", (what & BEV_EVENT_EOF) ? "connection closed" :
		    "read error", p->peer);
		finish(p, 0, 0);
		return;
	case P_LOOKUP:
	case P_DONE:
	default:
		return;
	}
}

static socklen_t
to_sa(const uint8_t a[ADDR_LEN], int port, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;
	uint32_t		 v4;

	memset(ss, 0, sizeof(*ss));
	if (addr_is_v4(a, &v4)) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		sin->sin_addr.s_addr = htonl(v4);
		return sizeof(*sin);
	}
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons((uint16_t)port);
	memcpy(&sin6->sin6_addr, a, ADDR_LEN);
	return sizeof(*sin6);
}

/* Connect to the next address; none left: the last failure ends it. */
static void
connect_next(struct watch_post *p)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	int			 rc;

	while (p->next < p->naddrs) {
		sl = to_sa(p->addrs[p->next++], p->u.port, &ss);
		sa_format((struct sockaddr *)&ss, p->peer, sizeof(p->peer));
		if ((p->bev = bufferevent_socket_new(p->base, -1, 0)) ==
		    NULL) {
			snprintf(p->why, sizeof(p->why), "connect %s: cannot "
			    "make a socket", p->peer);
			continue;
		}
		bufferevent_setcb(p->bev, NULL, NULL, on_event, p);
		arm(p, P_CONNECT);
		p->in_connect = 1;
		p->connect_failed = 0;
		rc = bufferevent_socket_connect(p->bev,
		    (struct sockaddr *)&ss, (int)sl);
		p->in_connect = 0;
		if (rc == 0 && !p->connect_failed)
			return;
		if (!p->connect_failed)
			snprintf(p->why, sizeof(p->why), "connect %s: %s",
			    p->peer, evutil_socket_error_to_string(
			    EVUTIL_SOCKET_ERROR()));
		close_bev(p);
	}
	finish(p, 0, 0);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct watch_post	*p = arg;

	(void)fd;
	(void)what;
	switch (p->phase) {
	case P_CONNECT:
		snprintf(p->why, sizeof(p->why), "connect %s: no answer in "
		    "%ds", p->peer, p->timeout_s);
		close_bev(p);
		connect_next(p);
		return;
	case P_HANDSHAKE:
		snprintf(p->why, sizeof(p->why), "TLS handshake with %s: no "
		    "answer in %ds", p->peer, p->timeout_s);
		finish(p, 0, 0);
		return;
	case P_ANSWER:
		snprintf(p->why, sizeof(p->why), "no answer from %s in %ds",
		    p->peer, p->timeout_s);
		finish(p, 0, 0);
		return;
	case P_LOOKUP:
	case P_DONE:
	default:
		return;
	}
}

/* --- start, cancel --------------------------------------------------- */

struct watch_post *
watch_post_start(struct event_base *base, struct ssl_ctx_st *ctx,
    const struct watch_post_req *rq,
    void (*done)(void *, const struct watch_post_result *), void *arg,
    char *err, size_t errlen)
{
	struct watch_post	*p;
	struct addr_prefix	 ap;
	const char		*why;
	char			 rerr[256];

	p = xcalloc(1, sizeof(*p));
	p->url = xstrdup(rq->url);
	if (watch_url_split(p->url, &p->u, &why) == -1) {
		snprintf(err, errlen, "webhook '%.80s': %s", rq->url, why);
		free(p->url);
		free(p);
		return NULL;
	}
	if (p->u.tls && ctx == NULL) {
		snprintf(err, errlen, "webhook '%.80s': no TLS context",
		    rq->url);
		free(p->url);
		free(p);
		return NULL;
	}
	p->base = base;
	if (p->u.tls) {
		SSL_CTX_up_ref(ctx);
		p->ctx = ctx;
	}
	p->timeout_s = rq->timeout_s > 0 ? rq->timeout_s :
	    WATCH_HOOK_TIMEOUT_S;
	p->done = done;
	p->arg = arg;
	sbuf_init(&p->req);
	watch_hook_request(&p->req, &p->u, rq->body, rq->len);
	p->timer = evtimer_new(base, on_timer, p);
	p->step = evtimer_new(base, on_step, p);
	p->phase = P_LOOKUP;
	if (p->u.literal) {
		/* No lookup: lookup_done connects from the loop. */
		if (addr_parse(p->u.host, &ap, &why) == 0) {
			memcpy(p->addrs[0], ap.a, ADDR_LEN);
			p->naddrs = 1;
		}
		event_active(p->step, EV_TIMEOUT, 1);
		return p;
	}
	if ((p->res = dns_evres_new(base, rq->resolver, rq->lookup_ms, rerr,
	    sizeof(rerr))) == NULL) {
		snprintf(p->why, sizeof(p->why), "resolver for %s: %s",
		    p->u.host, rerr);
		finish(p, 0, 0);
		return p;
	}
	p->qleft = 2;
	dns_evres_query(p->res, p->u.host, DNS_T_AAAA, on_aaaa, p);
	dns_evres_query(p->res, p->u.host, DNS_T_A, on_a, p);
	return p;
}

void
watch_post_cancel(struct watch_post *p)
{
	if (p == NULL)
		return;
	post_free(p);
}
