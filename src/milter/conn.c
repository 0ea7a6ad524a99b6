/*
 * conn.c: the milter server on the daemon's libevent loop: listeners,
 * one non-blocking socket per MTA connection (our own read buffer and
 * direct writes: a bufferevent read 4 KiB per wake-up and cost two
 * epoll_ctl calls per reply), and each connection's session.
 *
 * Per connection: option negotiation (version 6; we ask to add and change
 * headers, and for the header values' leading space), then commands until
 * SMFIC_QUIT. SMFIC_QUIT_NC keeps the connection for the MTA's next SMTP
 * session; SMFIC_ABORT ends the message, not the connection. Each command
 * that takes a reply gets one before the next is read.
 *
 * Outbound (the client in sign { networks } or SASL-authenticated, the
 * {auth_authen} macro): the header fields are kept until the end of
 * headers, where the From domain chooses the keys (milter_keyring_find);
 * the signer (dkim_sign_*) then gets the fields and streams the body, and
 * at the end of the message each DKIM-Signature goes in with
 * SMFIR_INSHEADER at the top. Mail that matches no key goes on unsigned,
 * with one log line.
 *
 * Inbound (everyone else, with verify yes): SPF starts at MAIL (check.c)
 * and DMARC policy discovery at the end of the headers, both on the
 * loop's resolver (c-ares); every DKIM signature is verified as the body
 * streams through, its keys looked up at the end of the message. The end
 * of the message waits for all of them within the stage deadline
 * `timeout`, evaluates DMARC (alignment, p/sp/np, pct), and either
 * refuses the message (550 5.7.1, with dmarc { reject yes } and a reject
 * disposition) or inserts one Authentication-Results field at the top
 * (spf, dkim, dmarc: dmarc_ar_write) after deleting every one that
 * claims our authserv-id (SMFIR_CHGHEADER with an empty value), since
 * only we may write those.
 *
 * Errors: a packet that does not frame or parse closes the connection
 * with a log line naming the peer (rate-limited); the MTA then applies
 * its own default action (Postfix: milter_default_action). A stage past
 * its deadline gets the fail-open answer and a log line. Idle
 * connections close after idle-timeout; at `clients` connections a new
 * one is refused with a log line.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "core/buf.h"
#include "core/listen.h"
#include "core/log.h"
#include "core/sockaddr.h"
#include "core/str.h"
#include "core/xmalloc.h"
#include "dmarc/dmarc.h"
#include "dns/dns.h"
#include "dns/evres.h"
#include "milter/milter_int.h"
#include "milter/proto.h"
#include "policy/policy.h"

#define MC_WARNS	20		/* peer warnings per second */
#define MC_ACCEPTS	64		/* accepts per wake-up */
#define MC_AR_MAX	16		/* AR fields of ours deleted */
#define MC_MACRO_MAX	256		/* bytes kept of a macro value */
#define MC_FAIL_TEXT	"Service temporarily unavailable; try again later"
#define MC_READ_MIN	(16 * 1024)	/* free input space per read */
#define MC_IN_KEEP	(128 * 1024)	/* input buffer kept when empty */
/* The longest packet (1 MiB of data, its command and length) and a read. */
#define MC_IN_MAX	(MILTER_LEN_BYTES + 1 + MILTER_DATA_1M + MC_READ_MIN)

/* Actions and protocol flags we ask of the MTA. */
#define MC_ACTIONS	(SMFIF_ADDHDRS | SMFIF_CHGHDRS)
#define MC_PROTO	(SMFIP_HDR_LEADSPC | SMFIP_NOUNKNOWN | SMFIP_NODATA)
/*
 * The commands whose answer is always "continue": asked to get no reply
 * (milter v6 SMFIP_NR_*, Postfix 2.6+ and Sendmail 8.14+ honour them),
 * so the MTA streams CONNECT to the end of the body without waiting
 * for a round trip per command. RCPT too when there is no verdict to
 * give (no policy engine).
 */
#define MC_NOREPLY	(SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | \
			 SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY)

struct mconn;

/*
 * The end of a message on the worker pool: the signer or the verifier
 * (and the keyring its keys are borrowed from) belong to the task from
 * submit to done, whatever happens to the connection meanwhile.
 */
struct mtask {
	struct milter_job	 job;		/* first: the pool's handle */
	struct mconn		*c;		/* NULL: detached, freed in done */
	struct dkim_sign	*sg;
	struct dkim_verify	*vf;
	struct milter_keyring	*kr;
	int			 rc;		/* dkim_sign_eom's */
	int			 npass;		/* dkim_verify_eom's */
	char			 err[256];
};

struct mlistener {
	struct milter_server	*s;
	struct listen_sock	 ls;
	struct event		*ev;
};

/* A DKIM key lookup in flight for a message. */
struct mquery {
	struct mconn	*c;		/* NULL: the connection went away */
	char		 name[DKIM_DOMAIN_MAX + 1];
};

struct mconn {
	struct milter_server	*s;
	TAILQ_ENTRY(mconn)	 entry;
	uint32_t		 id;
	int			 fd;
	struct event		*rev;		/* EV_PERSIST, idle timeout */
	struct event		*wev;		/* added while out is pending */
	int			 rpaused;	/* input full while busy */
	uint8_t			*in;		/* bytes read, not handled */
	size_t			 inoff, inlen, incap;
	char			 peer[LISTEN_NAME_MAX];
	struct sbuf		 out;		/* replies not yet written */
	size_t			 outoff;	/* of out, written */
	int			 tcp;		/* not a unix socket */
	int			 quickack;	/* read, no reply written yet */

	/* negotiated */
	int			 negotiated;
	size_t			 data_max;
	uint32_t		 actions;
	uint32_t		 proto;		/* SMFIP_* agreed */
	int			 leadspc;

	/* the SMTP session */
	char			 addr[ADDR_TEXT_MAX];
	uint8_t			 a[ADDR_LEN];
	int			 has_addr;
	int			 trusted;	/* in sign { networks } */
	char			 auth[MC_MACRO_MAX];	/* {auth_authen} */
	char			 qid[MC_MACRO_MAX];	/* i */
	char			 helo[256];
	char			 sender[SPF_MAILFROM_MAX + 1];	/* MAIL */
	struct policy_eval	*pev;		/* the RCPT verdict in flight */
	int			 in_eval;	/* inside policy_evaluate */

	/* the message */
	struct milter_keyring	*kr;		/* held from EOH */
	struct sbuf		 hdrs;		/* fields, NUL-separated */
	size_t			 nhdrs;
	int			 hdrs_over;	/* past the DKIM limits */
	size_t			 nar;		/* AR fields seen */
	uint32_t		 ar_ours[MC_AR_MAX];	/* their indexes */
	size_t			 nar_ours;
	struct dkim_sign	*sg;
	struct dkim_verify	*vf;
	struct milter_check	*spf;		/* from MAIL */
	struct milter_check	*dm;		/* DMARC, from EOH */
	enum dmarc_from_status	 from_st;
	char			 from[DMARC_DOMAIN_MAX + 1];
	char			 signdom[DKIM_DOMAIN_MAX + 1];
	size_t			 nsig;		/* keys the signer uses */
	int			 busy;		/* waiting on lookups */
	int			 at_eom;	/* the end of message waits */
	int			 in_eom;	/* inside eom_verify */
	int			 pending;	/* key lookups out */
	struct mquery		*queries[DKIM_VERIFY_SIGS_MAX];
	struct event		*deadline;
	struct mtask		*task;		/* on the workers */
	int			 vpass;		/* its verification's passes */
};

struct milter_server {
	const struct milter_conf	*mc;
	struct milter_keyring		*kr;
	struct mlistener		 l[MILTER_LISTEN_MAX];
	int				 nl;
	struct event_base		*base;
	struct dns_evres		*res;
	struct dkim_keycache		*kc;
	struct dmarc_psl		*psl;	/* NULL: no DMARC */
	const struct policy_conf	*pc;	/* resolver, reject code */
	struct policy_engine		*e;	/* NULL: no verdict */
	struct policy_index_src		 src;
	TAILQ_HEAD(, mconn)		 conns;
	int				 nconns;
	uint32_t			 next_id;
	struct log_limit		 warn_limit;
	const struct timeval		*idle_tv;	/* a common timeout */
	struct milter_pool		*pool;
};

static void	conn_process(struct mconn *);

/* Peer-caused warnings: at most MC_WARNS a second (log_limit_ok). */
static int
warn_ok(struct milter_server *s)
{
	return log_limit_ok(&s->warn_limit, MC_WARNS, "milter");
}

/* ------------------------------------------------------------------ */
/* the message                                                         */
/* ------------------------------------------------------------------ */

static void
msg_reset(struct mconn *c)
{
	size_t	i;

	for (i = 0; i < DKIM_VERIFY_SIGS_MAX; i++)
		if (c->queries[i] != NULL) {
			c->queries[i]->c = NULL;	/* freed by its cb */
			c->queries[i] = NULL;
		}
	if (c->deadline != NULL)
		evtimer_del(c->deadline);
	if (c->task != NULL) {
		/* Its result is not wanted: done() frees it. */
		c->task->c = NULL;
		c->task = NULL;
	}
	if (c->pev != NULL)
		policy_cancel(c->pev);
	c->pev = NULL;
	dkim_sign_free(c->sg);
	c->sg = NULL;
	dkim_verify_free(c->vf);
	c->vf = NULL;
	milter_check_free(c->spf);
	c->spf = NULL;
	milter_check_free(c->dm);
	c->dm = NULL;
	c->from_st = DMARC_FROM_NODOMAIN;
	milter_keyring_drop(c->kr);
	c->kr = NULL;
	sbuf_reset(&c->hdrs);
	c->nhdrs = 0;
	c->hdrs_over = 0;
	c->nar = 0;
	c->nar_ours = 0;
	c->from[0] = '\0';
	c->signdom[0] = '\0';
	c->nsig = 0;
	c->busy = 0;
	c->at_eom = 0;
	c->pending = 0;
}

/* The whole SMTP session: QUIT_NC and a new CONNECT start afresh. */
static void
session_reset(struct mconn *c)
{
	msg_reset(c);
	c->addr[0] = '\0';
	c->has_addr = 0;
	c->trusted = 0;
	c->auth[0] = '\0';
	c->qid[0] = '\0';
	c->helo[0] = '\0';
}

static int
is_outbound(const struct mconn *c)
{
	return c->trusted || c->auth[0] != '\0';
}

static void
reply(struct mconn *c, uint8_t cmd)
{
	milter_put(&c->out, cmd);
}

/* "Continue", unless the MTA agreed to get no reply here (nr). */
static void
reply_cont(struct mconn *c, uint32_t nr)
{
	if ((c->proto & nr) == 0)
		reply(c, SMFIR_CONTINUE);
}

/* Our own trouble: the configured fail-open answer. */
static void
reply_fail_open(struct mconn *c)
{
	if (c->s->mc->fail_open == MILTER_FAIL_TEMPFAIL)
		(void)milter_put_replycode(&c->out, 451, "4.3.0",
		    MC_FAIL_TEXT);
	else
		reply(c, SMFIR_CONTINUE);
}

static void
set_addr(struct mconn *c, const struct milter_cmd *m)
{
	struct addr_prefix	 p;
	const char		*e;
	int			 i;

	c->has_addr = 0;
	c->trusted = 0;
	if ((m->family != SMFIA_INET && m->family != SMFIA_INET6) ||
	    addr_parse(m->addr, &p, &e) == -1 || p.plen != 128) {
		str_lcpy(c->addr, m->addr, sizeof(c->addr));
		return;
	}
	addr_format(&p, c->addr, sizeof(c->addr));
	memcpy(c->a, p.a, sizeof(c->a));
	c->has_addr = 1;
	for (i = 0; i < c->s->mc->nnetworks; i++)
		if (c->s->mc->networks[i].family == p.family &&
		    addr_contains(&c->s->mc->networks[i], c->a)) {
			c->trusted = 1;
			break;
		}
}

static void
set_macros(struct mconn *c, const struct milter_cmd *m)
{
	size_t	i;

	for (i = 0; i < m->nmacros; i++) {
		if (milter_macro_is(m->mname[i], "auth_authen"))
			str_lcpy(c->auth, m->mvalue[i], sizeof(c->auth));
		else if (milter_macro_is(m->mname[i], "i"))
			str_lcpy(c->qid, m->mvalue[i], sizeof(c->qid));
	}
}

/* Keep one header field, "Name:" and the value as the MTA gave it. */
static void
msg_header(struct mconn *c, const struct milter_cmd *m)
{
	size_t	nl = strlen(m->hname), add;

	if (strcasecmp(m->hname, "Authentication-Results") == 0) {
		c->nar++;
		if (dmarc_ar_is_ours(m->hvalue, m->hvalue_len,
		    c->s->mc->authserv_id) &&
		    c->nar_ours < MC_AR_MAX && c->nar <= UINT32_MAX)
			c->ar_ours[c->nar_ours++] = (uint32_t)c->nar;
	}
	if (c->hdrs_over)
		return;
	add = nl + 2 + m->hvalue_len + 3;
	if (c->nhdrs >= DKIM_HEADER_FIELDS_MAX ||
	    c->hdrs.len + add > DKIM_HEADER_BYTES_MAX) {
		c->hdrs_over = 1;
		return;
	}
	sbuf_add(&c->hdrs, m->hname, nl);
	sbuf_addc(&c->hdrs, ':');
	if (!c->leadspc)
		sbuf_addc(&c->hdrs, ' ');
	sbuf_add(&c->hdrs, m->hvalue, m->hvalue_len);
	sbuf_add(&c->hdrs, "\r\n", 3);	/* and the NUL separator */
	c->nhdrs++;
}

/*
 * The From domain, from the kept fields, and OUT:c->from_st: a message
 * with no From or with more than one has no usable author domain (RFC
 * 7489 section 6.6.1), nor does one whose From names several domains.
 */
static void
find_from(struct mconn *c)
{
	const char	*p, *end = c->hdrs.s + c->hdrs.len;
	size_t		 n, nfrom = 0;

	c->from[0] = '\0';
	c->from_st = DMARC_FROM_NODOMAIN;
	for (p = c->hdrs.s; p != NULL && p < end; p += n + 1) {
		n = strlen(p);
		if (n >= 7 && strncasecmp(p, "From:", 5) == 0) {
			if (nfrom++ > 0) {
				c->from[0] = '\0';
				c->from_st = DMARC_FROM_MULTIPLE;
				return;
			}
			/* The value without the CRLF msg_header added. */
			c->from_st = dmarc_from_domain(p + 5, n - 7, c->from,
			    sizeof(c->from));
			if (c->from_st != DMARC_FROM_OK)
				c->from[0] = '\0';
		}
	}
}

static void	check_done(void *);

static void
feed_headers(struct mconn *c)
{
	const char	*p, *end = c->hdrs.s + c->hdrs.len;
	size_t		 n;

	for (p = c->hdrs.s; p != NULL && p < end; p += n + 1) {
		n = strlen(p);
		if (c->sg != NULL)
			dkim_sign_header(c->sg, p, n);
		else
			dkim_verify_header(c->vf, p, n);
	}
}

/* End of headers: sign, verify, or neither. */
static void
msg_eoh(struct mconn *c)
{
	const struct milter_mkey	*keys[DKIM_SIGN_SIGS_MAX];
	struct dkim_sign_opts		 o;
	const char			*sd = NULL;
	char				 e[256];
	size_t				 i, n;

	find_from(c);
	if (!is_outbound(c)) {
		if (!c->s->mc->verify)
			return;
		/* Discovery needs only the From domain: it runs with the body. */
		if (c->s->psl != NULL && c->s->res != NULL)
			c->dm = milter_dmarc_start(c->s->res, c->s->psl,
			    c->from_st == DMARC_FROM_OK ? c->from : NULL,
			    check_done, c);
		if (c->hdrs_over)
			return;
		c->vf = dkim_verify_new(c->s->kc, time(NULL));
		feed_headers(c);
		dkim_verify_eoh(c->vf);
		return;
	}
	c->kr = c->s->kr;
	milter_keyring_hold(c->kr);
	n = c->from[0] == '\0' ? 0 : milter_keyring_find(c->kr, c->from,
	    c->s->mc->subdomains, keys, DKIM_SIGN_SIGS_MAX, &sd);
	if (n == 0) {
		log_info("milter: %08x qid=%s from=%s: no key; not signed",
		    c->id, c->qid, c->from[0] != '\0' ? c->from : "(none)");
		return;
	}
	str_lcpy(c->signdom, sd, sizeof(c->signdom));
	c->sg = dkim_sign_new();
	for (i = 0; i < n; i++) {
		memset(&o, 0, sizeof(o));
		o.key = keys[i]->key;
		o.domain = c->signdom;
		o.selector = keys[i]->selector;
		o.hcanon = c->s->mc->hcanon;
		o.bcanon = c->s->mc->bcanon;
		o.headers = c->s->mc->headers;
		o.t = -1;
		if (dkim_sign_add(c->sg, &o, e, sizeof(e)) == -1)
			log_warnx("milter: %08x key %s %s: %s", c->id,
			    c->signdom, keys[i]->selector, e);
		else
			c->nsig++;
	}
	feed_headers(c);
	dkim_sign_eoh(c->sg);
}

static void
msg_body(struct mconn *c, const uint8_t *p, size_t len)
{
	if (c->sg != NULL)
		dkim_sign_body(c->sg, p, len);
	else if (c->vf != NULL)
		dkim_verify_body(c->vf, p, len);
}

/*
 * Put a whole field ("Name: value\r\n", CRLF folding) in with cmd at idx:
 * the MTA wants the value alone, its folding as bare LF, and the space
 * after the colon only when it keeps leading spaces (SMFIP_HDR_LEADSPC).
 */
static void
put_field(struct mconn *c, uint8_t cmd, uint32_t idx, const char *field)
{
	const char	*colon = strchr(field, ':');
	struct sbuf	 name, val;
	const char	*p;

	if (colon == NULL)
		return;
	sbuf_init(&name);
	sbuf_init(&val);
	sbuf_add(&name, field, (size_t)(colon - field));
	p = colon + 1;
	if (!c->leadspc && *p == ' ')
		p++;
	for (; *p != '\0'; p++)
		if (*p != '\r')
			sbuf_addc(&val, *p);
	while (val.len > 0 && val.s[val.len - 1] == '\n')
		val.s[--val.len] = '\0';
	milter_put_header(&c->out, cmd, idx, name.s, val.s);
	sbuf_free(&name);
	sbuf_free(&val);
}

static void
task_free(struct mtask *t)
{
	dkim_sign_free(t->sg);
	dkim_verify_free(t->vf);
	milter_keyring_drop(t->kr);
	free(t);
}

/* On a worker: the signatures, or a verification's hashes and checks. */
static void
task_run(struct milter_job *j)
{
	struct mtask	*t = (struct mtask *)j;

	if (t->sg != NULL)
		t->rc = dkim_sign_eom(t->sg, t->err, sizeof(t->err));
	else
		t->npass = dkim_verify_eom(t->vf);
}

static void	task_done(struct milter_job *);

/* Hand the end of the message to the pool; c is busy until task_done. */
static void
task_submit(struct mconn *c, struct mtask *t)
{
	t->job.run = task_run;
	t->job.done = task_done;
	t->c = c;
	c->task = t;
	c->busy = 1;
	milter_pool_submit(c->s->pool, &t->job);
}

/* Outbound end of message: sign on the pool, within the stage deadline. */
static void
eom_sign(struct mconn *c)
{
	struct mtask	*t = xcalloc(1, sizeof(*t));
	struct timeval	 tv;

	t->sg = c->sg;
	t->kr = c->kr;		/* the signer borrows its keys */
	c->sg = NULL;
	c->kr = NULL;
	tv.tv_sec = c->s->mc->timeout_ms / 1000;
	tv.tv_usec = (c->s->mc->timeout_ms % 1000) * 1000;
	evtimer_add(c->deadline, &tv);
	task_submit(c, t);
}

static void
eom_sign_done(struct mconn *c, struct mtask *t)
{
	const char	*f;
	size_t		 i;

	evtimer_del(c->deadline);
	c->busy = 0;
	if (t->rc == -1)
		log_warnx("milter: %08x qid=%s: not signed: %s", c->id,
		    c->qid, t->err);
	else {
		for (i = 0; (f = dkim_sign_field(t->sg, i)) != NULL; i++)
			put_field(c, SMFIR_INSHEADER, 0, f);
		log_info("milter: %08x qid=%s signed d=%s signatures=%zu",
		    c->id, c->qid, c->signdom, i);
	}
	reply(c, SMFIR_CONTINUE);
}

/*
 * DMARC (RFC 7489 section 6.6.2) from the SPF and DKIM results, into
 * OUT:v. Returns 1 when the message is to be refused: a reject
 * disposition (after pct, sp, np) with dmarc { reject yes }.
 */
static int
eom_dmarc(struct mconn *c, const struct spf *sp, const struct dmarc_dkim *dk,
    size_t ndk, struct dmarc_verdict *v)
{
	struct dmarc_auth	auth;

	memset(&auth, 0, sizeof(auth));
	if (sp != NULL) {
		/* MAIL FROM's domain, or the HELO name (section 3.1.2). */
		auth.spf_domain = spf_domain(sp);
		auth.spf = spf_result(sp);
	}
	auth.dkim = dk;
	auth.ndkim = ndk;
	auth.roll = dmarc_roll();
	dmarc_eval(milter_check_dmarc(c->dm), &auth, v);
	if (c->from_st != DMARC_FROM_OK)
		v->reason = dmarc_from_why(c->from_st);
	return v->disposition == DMARC_DISP_REJECT && c->s->mc->dmarc_reject;
}

/*
 * Everything the end of the message waited for is in: evaluate DMARC,
 * then either refuse the message (550 5.7.1 naming the domain and the
 * policy, dmarc_reply: printable ASCII only, from normalised domain
 * names) or delete the Authentication-Results fields that claim our
 * authserv-id and insert ours, with spf, one dkim per signature and
 * dmarc (dmarc_ar_write, the one writer).
 */
static void
eom_verify_done(struct mconn *c)
{
	struct dmarc_dkim	 dk[DKIM_VERIFY_SIGS_MAX];
	struct dmarc_verdict	 v;
	struct dmarc_ar		 ar;
	const struct spf	*sp = NULL;
	struct sbuf		 b;
	char			 text[MILTER_REPLY_MAX + 1];
	const char		*t;
	size_t			 i, ndk = 0;
	int			 pass = 0;

	evtimer_del(c->deadline);
	c->busy = 0;
	c->at_eom = 0;
	memset(&ar, 0, sizeof(ar));
	ar.authserv_id = c->s->mc->authserv_id;
	if (c->spf != NULL) {
		sp = milter_check_spf(c->spf);
		ar.has_spf = 1;
		ar.spf = spf_result(sp);
		/* Empty MAIL FROM: the HELO identity (RFC 8601 2.7.2). */
		ar.spf_mailfrom = c->sender;
		ar.spf_helo = c->helo;
	}
	if (c->vf != NULL) {
		pass = c->vpass;	/* dkim_verify_eom ran on the pool */
		ndk = dmarc_dkim_from_verify(c->vf, dk, DKIM_VERIFY_SIGS_MAX);
		ar.has_dkim = 1;
		ar.dkim = dk;
		ar.ndkim = ndk;
	}
	if (c->dm != NULL) {
		ar.dmarc = &v;
		if (eom_dmarc(c, sp, dk, ndk, &v)) {
			t = dmarc_reply(&v, text, sizeof(text));
			if (strncmp(t, "5.7.1 ", 6) == 0)
				t += 6;
			(void)milter_put_replycode(&c->out, 550, "5.7.1", t);
			log_info("milter: %08x qid=%s client=%s from=%s "
			    "dmarc=fail policy=%s=%s: refused", c->id, c->qid,
			    c->addr, v.from, v.policy_tag != NULL ?
			    v.policy_tag : "p", dmarc_policy_name(v.policy));
			return;
		}
	}
	for (i = c->nar_ours; i > 0; i--)
		milter_put_header(&c->out, SMFIR_CHGHEADER,
		    c->ar_ours[i - 1], "Authentication-Results", "");
	if (ar.has_spf || ar.has_dkim || ar.dmarc != NULL) {
		sbuf_init(&b);
		dmarc_ar_write(&ar, &b);
		put_field(c, SMFIR_INSHEADER, 0, b.s);
		sbuf_free(&b);
	}
	log_info("milter: %08x qid=%s client=%s verified spf=%s "
	    "signatures=%zu pass=%d dmarc=%s", c->id, c->qid, c->addr,
	    sp != NULL ? spf_result_str(spf_result(sp)) : "-", ndk, pass,
	    ar.dmarc != NULL ? dmarc_result_name(v.result) : "-");
	reply(c, SMFIR_CONTINUE);
}

/* 1 when the checks and key lookups the end of message waits for are in. */
static int
eom_ready(const struct mconn *c)
{
	return c->pending == 0 &&
	    (c->spf == NULL || milter_check_done(c->spf)) &&
	    (c->dm == NULL || milter_check_done(c->dm));
}

/*
 * Every answer is in: the signatures are checked on the pool with the
 * keys taken from the cache here (dkim_verify_pin), and task_done
 * finishes; without a verifier (header block over the limits) at once.
 */
static void
eom_verify_keys(struct mconn *c)
{
	struct mtask	*t;

	if (c->vf == NULL) {
		eom_verify_done(c);
		return;
	}
	dkim_verify_pin(c->vf);
	t = xcalloc(1, sizeof(*t));
	t->vf = c->vf;
	c->vf = NULL;
	task_submit(c, t);
}

/* An answer came in: finish a message that waits for it, and go on. */
static void
eom_wake(struct mconn *c)
{
	if (!c->at_eom || c->in_eom || c->task != NULL || !eom_ready(c))
		return;
	eom_verify_keys(c);
	conn_process(c);
}

/* On the loop: a task is back. */
static void
task_done(struct milter_job *j)
{
	struct mtask	*t = (struct mtask *)j;
	struct mconn	*c = t->c;

	if (c == NULL) {
		/* Past its deadline, or its connection gone: dropped. */
		task_free(t);
		return;
	}
	c->task = NULL;
	if (t->sg != NULL)
		eom_sign_done(c, t);
	else {
		c->vf = t->vf;		/* back to the message */
		t->vf = NULL;
		c->vpass = t->npass;
		eom_verify_done(c);
	}
	task_free(t);
	conn_process(c);
}

/* An SPF or DMARC check is over (check.c). */
static void
check_done(void *arg)
{
	eom_wake(arg);
}

static void
on_key(void *arg, enum dns_resolver_status st, const uint8_t *pkt,
    size_t len)
{
	struct mquery		*q = arg;
	struct mconn		*c = q->c;
	enum dkim_lookup_status	 ls;
	char			*txt = NULL;
	size_t			 txtlen = 0, i;
	uint32_t		 ttl = 0;

	if (c != NULL) {
		ls = dkim_dns_answer(st, pkt, len, &txt, &txtlen, &ttl);
		dkim_keycache_put(c->s->kc, q->name, ls, txt, txtlen, ttl,
		    time(NULL));
		free(txt);
		for (i = 0; i < DKIM_VERIFY_SIGS_MAX; i++)
			if (c->queries[i] == q)
				c->queries[i] = NULL;
		c->pending--;
		eom_wake(c);
	}
	free(q);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct mconn	*c = arg;

	(void)fd;
	(void)what;
	if (!c->busy)
		return;
	log_warnx("milter: %08x qid=%s: %s past %d ms; %s", c->id, c->qid,
	    c->pev != NULL ? "the verdict" : c->task != NULL &&
	    c->task->sg != NULL ? "the signatures" : c->task != NULL ?
	    "the DKIM checks" : "the checks (SPF, DKIM keys, DMARC)",
	    c->s->mc->timeout_ms, c->s->mc->fail_open ==
	    MILTER_FAIL_TEMPFAIL ? "tempfail" : "accepted unchecked");
	if (c->pev != NULL) {
		policy_cancel(c->pev);
		c->pev = NULL;
		c->busy = 0;
	} else
		msg_reset(c);
	reply_fail_open(c);
	conn_process(c);
}

/*
 * Inbound end of message: look up the keys the signatures need (the
 * cache answers the ones it has), wait for them and for the SPF and
 * DMARC checks, within the stage deadline, then verify and write the
 * result. Returns 1 while waiting.
 */
static int
eom_verify(struct mconn *c)
{
	struct mquery	*q;
	struct timeval	 tv;
	const char	*name;
	size_t		 i;

	c->busy = 1;
	c->at_eom = 1;
	c->in_eom = 1;
	for (i = 0; c->vf != NULL && i < DKIM_VERIFY_SIGS_MAX &&
	    (name = dkim_verify_keyname(c->vf, i)) != NULL; i++) {
		if (c->s->res == NULL || dkim_keycache_has(c->s->kc, name,
		    time(NULL)))
			continue;
		q = xcalloc(1, sizeof(*q));
		q->c = c;
		str_lcpy(q->name, name, sizeof(q->name));
		c->queries[i] = q;
		c->pending++;
		dns_evres_query(c->s->res, name, DNS_T_TXT, on_key, q);
	}
	c->in_eom = 0;
	tv.tv_sec = c->s->mc->timeout_ms / 1000;
	tv.tv_usec = (c->s->mc->timeout_ms % 1000) * 1000;
	evtimer_add(c->deadline, &tv);
	if (eom_ready(c))
		eom_verify_keys(c);
	return 1;
}

static void
msg_eom(struct mconn *c)
{
	if (c->sg != NULL) {
		eom_sign(c);
		return;
	}
	if (!is_outbound(c) && c->s->mc->verify) {
		(void)eom_verify(c);
		return;
	}
	reply(c, SMFIR_CONTINUE);
}

/*
 * MAIL: start SPF for inbound mail (RFC 7208 section 2.4: MAIL FROM, or
 * postmaster@ the HELO name when it is empty); it runs while the MTA
 * goes on, and the end of the message waits for its result.
 */
static void
msg_spf(struct mconn *c)
{
	struct spf_request	 req;
	char			 err[256];

	if (is_outbound(c) || !c->s->mc->verify || !c->has_addr ||
	    c->s->res == NULL)
		return;
	memset(&req, 0, sizeof(req));
	req.ip = c->addr;
	req.mail_from = c->sender;
	req.helo = c->helo[0] != '\0' ? c->helo : NULL;
	req.identity = SPF_ID_MAILFROM;
	req.receiver = c->s->mc->authserv_id;
	c->spf = milter_spf_start(c->s->res, &req, check_done, c, err,
	    sizeof(err));
	if (c->spf == NULL)
		log_info("milter: %08x client=%s: no SPF check: %s", c->id,
		    c->addr, err);
}

/* "<a@b>" without its brackets, into dst. */
static void
unbracket(const char *s, char *dst, size_t size)
{
	size_t	n = strlen(s);

	if (n >= 2 && s[0] == '<' && s[n - 1] == '>') {
		s++;
		n -= 2;
	}
	if (n >= size)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/*
 * The gatekeeper's verdict, as the policy server would give it: reject
 * and defer become SMFIR_REPLYCODE (so the MTA says our text, and only
 * this recipient is refused: postmaster@ stays exempt by the engine's
 * own rules); report is logged; everything else goes on.
 */
static void
rcpt_done(void *arg, const struct policy_facts *f,
    const struct policy_verdict *v)
{
	struct mconn	*c = arg;
	const char	*text;

	(void)f;
	c->pev = NULL;
	c->busy = 0;
	evtimer_del(c->deadline);
	text = v->text[0] != '\0' ? v->text : "Mail refused";
	switch (v->action) {
	case POLICY_REJECT:
		(void)milter_put_replycode(&c->out, c->s->pc->reject_code,
		    "5.7.1", text);
		break;
	case POLICY_DEFER:
		(void)milter_put_replycode(&c->out, 450, "4.7.1", text);
		break;
	case POLICY_REPORT:
		log_info("milter: %08x client=%s rule=%s: %s (report only)",
		    c->id, c->addr, v->rule, text);
		reply(c, SMFIR_CONTINUE);
		break;
	case POLICY_DUNNO:
	case POLICY_TAG:
	default:
		reply(c, SMFIR_CONTINUE);
		break;
	}
	if (v->action == POLICY_REJECT || v->action == POLICY_DEFER)
		log_info("milter: %08x client=%s rule=%s: refused at RCPT",
		    c->id, c->addr, v->rule);
	if (!c->in_eval)
		conn_process(c);
}

/* RCPT: judge inbound clients; a reply now, or busy until rcpt_done. */
static void
msg_rcpt(struct mconn *c, const struct milter_cmd *m)
{
	struct policy_query	 q;
	const struct index	*idx;
	char			 rcpt[SPF_MAILFROM_MAX + 1];
	struct timeval		 tv;

	if (c->s->e == NULL || (c->proto & SMFIP_NR_RCPT) ||
	    is_outbound(c) || !c->has_addr) {
		reply_cont(c, SMFIP_NR_RCPT);
		return;
	}
	unbracket(m->arg, rcpt, sizeof(rcpt));
	memset(&q, 0, sizeof(q));
	q.client_address = c->addr;
	q.helo = c->helo;
	q.sender = c->sender;
	q.recipient = rcpt;
	c->busy = 1;
	c->in_eval = 1;
	idx = c->s->src.acquire != NULL ? c->s->src.acquire(c->s->src.arg) :
	    NULL;
	c->pev = policy_evaluate(c->s->e, idx, &q, rcpt_done, c);
	if (c->s->src.release != NULL)
		c->s->src.release(c->s->src.arg);
	c->in_eval = 0;
	if (!c->busy)
		return;		/* answered from the cache */
	if (c->pev == NULL) {
		log_warnx("milter: %08x: the engine refused the request",
		    c->id);
		c->busy = 0;
		reply_fail_open(c);
		return;
	}
	tv.tv_sec = c->s->mc->timeout_ms / 1000;
	tv.tv_usec = (c->s->mc->timeout_ms % 1000) * 1000;
	evtimer_add(c->deadline, &tv);
}

/* ------------------------------------------------------------------ */
/* commands                                                            */
/* ------------------------------------------------------------------ */

/* One command. Returns 0, or -1 when the connection is to close. */
static int
handle(struct mconn *c, const struct milter_pkt *pkt)
{
	struct milter_cmd	 m;
	const char		*err;
	uint32_t		 want;

	if (milter_parse(pkt, &m, &err) == -1) {
		if (warn_ok(c->s))
			log_warnx("milter: %08x %s: malformed command '%c' "
			    "(0x%02x): %s; closing", c->id, c->peer,
			    pkt->cmd >= 0x20 && pkt->cmd < 0x7f ? pkt->cmd :
			    '?', pkt->cmd, err);
		return -1;
	}
	if (!c->negotiated && m.cmd != SMFIC_OPTNEG) {
		if (warn_ok(c->s))
			log_warnx("milter: %08x %s: command '%c' before "
			    "negotiation; closing", c->id, c->peer, m.cmd);
		return -1;
	}
	switch (m.cmd) {
	case SMFIC_OPTNEG:
		want = MC_PROTO | MC_NOREPLY;
		if (c->s->e == NULL)
			want |= SMFIP_NR_RCPT;	/* no verdict to give */
		if (milter_negotiate(&m, MC_ACTIONS, want, &c->actions,
		    &c->proto, &c->data_max, &err) == -1) {
			if (warn_ok(c->s))
				log_warnx("milter: %08x %s: %s; closing",
				    c->id, c->peer, err);
			return -1;
		}
		c->negotiated = 1;
		c->leadspc = (c->proto & SMFIP_HDR_LEADSPC) != 0;
		milter_put_optneg(&c->out, c->actions, c->proto);
		break;
	case SMFIC_MACRO:
		set_macros(c, &m);
		break;
	case SMFIC_CONNECT:
		session_reset(c);
		set_addr(c, &m);
		reply_cont(c, SMFIP_NR_CONN);
		break;
	case SMFIC_MAIL:
		msg_reset(c);
		unbracket(m.arg, c->sender, sizeof(c->sender));
		msg_spf(c);
		reply_cont(c, SMFIP_NR_MAIL);
		break;
	case SMFIC_HELO:
		str_lcpy(c->helo, m.arg, sizeof(c->helo));
		reply_cont(c, SMFIP_NR_HELO);
		break;
	case SMFIC_RCPT:
		msg_rcpt(c, &m);
		break;
	case SMFIC_DATA:
	case SMFIC_UNKNOWN:
		reply(c, SMFIR_CONTINUE);
		break;
	case SMFIC_HEADER:
		msg_header(c, &m);
		reply_cont(c, SMFIP_NR_HDR);
		break;
	case SMFIC_EOH:
		msg_eoh(c);
		reply_cont(c, SMFIP_NR_EOH);
		break;
	case SMFIC_BODY:
		msg_body(c, m.body, m.body_len);
		reply_cont(c, SMFIP_NR_BODY);
		break;
	case SMFIC_BODYEOB:
		msg_body(c, m.body, m.body_len);
		msg_eom(c);
		break;
	case SMFIC_ABORT:
		msg_reset(c);
		break;
	case SMFIC_QUIT_NC:
		session_reset(c);
		break;
	case SMFIC_QUIT:
		return -1;
	default:
		/* milter_parse knows no other command. */
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* connections                                                         */
/* ------------------------------------------------------------------ */

static void
conn_free(struct mconn *c)
{
	msg_reset(c);
	if (c->deadline != NULL)
		event_free(c->deadline);
	event_free(c->rev);
	event_free(c->wev);
	close(c->fd);
	free(c->in);
	sbuf_free(&c->out);
	sbuf_free(&c->hdrs);
	TAILQ_REMOVE(&c->s->conns, c, entry);
	c->s->nconns--;
	free(c);
}

/*
 * Write the replies now, straight from c->out: the MTA waits for them,
 * and a write event per reply would cost two epoll_ctl calls and a loop
 * turn. Only what the socket does not take waits for EV_WRITE. Returns
 * 0, or -1 when the connection is broken (logged).
 */
static int
conn_flush(struct mconn *c)
{
	ssize_t	n;

	while (c->outoff < c->out.len) {
		n = send(c->fd, c->out.s + c->outoff, c->out.len - c->outoff,
		    MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (!event_pending(c->wev, EV_WRITE, NULL))
				event_add(c->wev, c->s->idle_tv);
			return 0;
		}
		if (n == -1) {
			if (warn_ok(c->s))
				log_warnx("milter: %08x %s: %s; closing",
				    c->id, c->peer, strerror(errno));
			return -1;
		}
		c->outoff += (size_t)n;
		c->quickack = 0;	/* the reply carries the ACK */
	}
	sbuf_reset(&c->out);
	c->outoff = 0;
	return 0;
}

/*
 * Handle every whole packet read, unless a stage waits on lookups or a
 * worker (then its callback comes back here), and write the replies
 * once for all of them. Frees c when it closes.
 */
static void
conn_process(struct mconn *c)
{
	struct milter_pkt	 pkt;
	const char		*err = NULL;
	size_t			 len, used, max;
	int			 r, one = 1;

	while (!c->busy) {
		len = c->inlen - c->inoff;
		if (len < MILTER_LEN_BYTES)
			break;
		max = c->negotiated ? c->data_max : MILTER_DATA_64K;
		r = milter_frame(c->in + c->inoff, len, max, &pkt, &used, &err);
		if (r == 0)
			break;
		if (r == -1) {
			if (warn_ok(c->s))
				log_warnx("milter: %08x %s: %s; closing",
				    c->id, c->peer, err);
			conn_free(c);
			return;
		}
		if (handle(c, &pkt) == -1) {
			(void)conn_flush(c);
			conn_free(c);
			return;
		}
		c->inoff += used;
	}
	if (c->inoff == c->inlen) {
		c->inoff = c->inlen = 0;
		if (c->incap > MC_IN_KEEP) {
			free(c->in);
			c->in = NULL;
			c->incap = 0;
		}
	}
	if (conn_flush(c) == -1) {
		conn_free(c);
		return;
	}
	if (c->quickack) {
		/*
		 * A read that got no reply (SMFIP_NR_*: CONNECT to the body
		 * take none): ACK it now. Postfix does not set TCP_NODELAY
		 * on its milter socket, so its next small packet waits
		 * (Nagle) for the ACK of this one, which the kernel would
		 * otherwise delay by up to 40 ms: bench/milter/path saw
		 * 22.6 messages/s at one session, one stall per message.
		 * Linux clears TCP_QUICKACK again by itself, so it is set
		 * per read.
		 */
		c->quickack = 0;
		(void)setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one,
		    sizeof(one));
	}
	if (c->rpaused && !c->busy) {
		c->rpaused = 0;
		event_add(c->rev, c->s->idle_tv);
	}
}

/*
 * Make room for a read: handled bytes dropped, the buffer grown (up to
 * one longest packet and a read) while less than MC_READ_MIN is free.
 * Returns the free space; 0 only while a stage waits with a whole
 * longest packet unhandled.
 */
static size_t
conn_room(struct mconn *c)
{
	size_t	ncap;

	if (c->inoff > 0) {
		memmove(c->in, c->in + c->inoff, c->inlen - c->inoff);
		c->inlen -= c->inoff;
		c->inoff = 0;
	}
	if (c->incap - c->inlen < MC_READ_MIN && c->incap < MC_IN_MAX) {
		ncap = c->incap == 0 ? 2 * MC_READ_MIN : c->incap * 2;
		if (ncap < c->inlen + MC_READ_MIN)
			ncap = c->inlen + MC_READ_MIN;
		if (ncap > MC_IN_MAX)
			ncap = MC_IN_MAX;
		c->in = xreallocarray(c->in, ncap, 1);
		c->incap = ncap;
	}
	return c->incap - c->inlen;
}

/*
 * Readable, or idle past idle-timeout: one read of all that fits (one
 * per wake-up, so connections take turns), then every whole packet.
 */
static void
conn_read(evutil_socket_t fd, short what, void *arg)
{
	struct mconn	*c = arg;
	size_t		 room;
	ssize_t		 n;

	if (what & EV_TIMEOUT) {
		log_info("milter: %08x %s: idle for %d s; closing", c->id,
		    c->peer, c->s->mc->idle_s);
		conn_free(c);
		return;
	}
	if ((room = conn_room(c)) == 0) {
		/* Busy with a full buffer: wait until it is handled. */
		event_del(c->rev);
		c->rpaused = 1;
		return;
	}
	n = recv(fd, c->in + c->inlen, room, 0);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (n <= 0) {
		if (n == -1 && warn_ok(c->s))
			log_warnx("milter: %08x %s: %s; closing", c->id,
			    c->peer, strerror(errno));
		else
			log_debug("milter: %08x %s: closed", c->id, c->peer);
		conn_free(c);
		return;
	}
	c->inlen += (size_t)n;
	c->quickack = c->tcp;
	conn_process(c);
}

/* The socket takes more of the replies, or none came out in idle-timeout. */
static void
conn_write(evutil_socket_t fd, short what, void *arg)
{
	struct mconn	*c = arg;

	(void)fd;
	if (what & EV_TIMEOUT) {
		if (warn_ok(c->s))
			log_warnx("milter: %08x %s: replies not taken in %d s; "
			    "closing", c->id, c->peer, c->s->mc->idle_s);
		conn_free(c);
		return;
	}
	if (conn_flush(c) == -1)
		conn_free(c);
}

static void
srv_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct mlistener	*l = arg;
	struct milter_server	*s = l->s;
	struct sockaddr_storage	 ss;
	struct mconn		*c;
	socklen_t		 sl;
	int			 fd, i, one = 1;

	(void)what;
	for (i = 0; i < MC_ACCEPTS; i++) {
		sl = sizeof(ss);
		if ((fd = accept4(lfd, (struct sockaddr *)&ss, &sl,
		    SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED && warn_ok(s))
				log_warn("milter: accept on %s", l->ls.name);
			return;
		}
		if (s->nconns >= s->mc->clients) {
			if (warn_ok(s))
				log_warnx("milter: %d connections (clients); "
				    "refusing one on %s", s->nconns,
				    l->ls.name);
			close(fd);
			continue;
		}
		c = xcalloc(1, sizeof(*c));
		c->s = s;
		c->id = ++s->next_id;
		c->fd = fd;
		if (l->ls.is_unix)
			str_lcpy(c->peer, l->ls.name, sizeof(c->peer));
		else {
			sa_format((struct sockaddr *)&ss, c->peer,
			    sizeof(c->peer));
			c->tcp = 1;
			/* Replies are whole packets, written at once. */
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
			    sizeof(one));
		}
		sbuf_init(&c->out);
		sbuf_init(&c->hdrs);
		c->rev = event_new(s->base, fd, EV_READ | EV_PERSIST,
		    conn_read, c);
		c->wev = event_new(s->base, fd, EV_WRITE, conn_write, c);
		c->deadline = evtimer_new(s->base, on_deadline, c);
		if (c->rev == NULL || c->wev == NULL || c->deadline == NULL)
			fatalx("milter: event_new");
		TAILQ_INSERT_TAIL(&s->conns, c, entry);
		s->nconns++;
		/* Persistent with a timeout: re-armed by every read. */
		event_add(c->rev, s->idle_tv);
		log_debug("milter: %08x connection from %s", c->id, c->peer);
	}
}

/* ------------------------------------------------------------------ */
/* the server                                                          */
/* ------------------------------------------------------------------ */

struct milter_server *
milter_server_new(const struct milter_conf *mc, char *err, size_t errlen)
{
	struct milter_server	*s;
	int			 i;

	if (mc->nlisten <= 0 || mc->nlisten > MILTER_LISTEN_MAX) {
		snprintf(err, errlen, "milter: need 1 to %d listen addresses",
		    MILTER_LISTEN_MAX);
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->mc = mc;
	TAILQ_INIT(&s->conns);
	if ((s->kr = milter_keyring_load(mc, NULL, err, errlen)) == NULL) {
		free(s);
		return NULL;
	}
	/*
	 * The public suffix list for DMARC's organizational domains, read
	 * once. Without it DMARC is not evaluated (never fail closed).
	 */
	if ((s->psl = dmarc_psl_load(NULL, err, errlen)) == NULL)
		log_warnx("milter: %s; DMARC is not evaluated", err);
	for (i = 0; i < mc->nlisten; i++) {
		s->l[i].s = s;
		s->nl = i + 1;
		if (listen_bind(&s->l[i].ls, mc->listen[i], mc->socket_mode,
		    "milter", err, errlen) == -1) {
			milter_server_free(s);
			return NULL;
		}
	}
	return s;
}

/*
 * idle-timeout as one of the loop's common timeouts: every connection
 * has the same one, so re-arming it at each read is O(1), not a heap
 * update.
 */
static const struct timeval *
idle_timeout(struct milter_server *s)
{
	struct timeval		 tv;
	const struct timeval	*ct;

	tv.tv_sec = s->mc->idle_s;
	tv.tv_usec = 0;
	if ((ct = event_base_init_common_timeout(s->base, &tv)) == NULL)
		fatalx("milter: event_base_init_common_timeout");
	return ct;
}

int
milter_server_start(struct milter_server *s, struct event_base *base,
    const struct policy_conf *pc, struct policy_engine *e,
    const struct policy_index_src *src)
{
	char	err[256];
	int	i, nw;

	s->pc = pc;
	s->e = e;
	if (src != NULL)
		s->src = *src;
	s->base = base;
	s->idle_tv = idle_timeout(s);
	if ((s->res = dns_evres_new(base, pc->resolver, s->mc->timeout_ms, err,
	    sizeof(err))) == NULL)
		log_warnx("milter: %s; no SPF, DKIM keys or DMARC are "
		    "looked up", err);
	s->kc = dkim_keycache_new(NULL, NULL);
	/* workers: one per CPU unless set (0: the loop signs itself). */
	if ((nw = s->mc->workers) == MILTER_WORKERS_CPUS &&
	    (nw = (int)sysconf(_SC_NPROCESSORS_ONLN)) < 1)
		nw = 1;
	if (nw > MILTER_WORKERS_MAX)
		nw = MILTER_WORKERS_MAX;
	s->pool = milter_pool_new(base, nw);
	log_info("milter: %d workers for DKIM", milter_pool_workers(s->pool));
	for (i = 0; i < s->nl; i++) {
		s->l[i].ev = event_new(base, s->l[i].ls.fd,
		    EV_READ | EV_PERSIST, srv_accept, &s->l[i]);
		if (s->l[i].ev == NULL || event_add(s->l[i].ev, NULL) == -1) {
			log_warnx("milter: cannot listen on %s",
			    s->l[i].ls.name);
			return -1;
		}
		log_info("milter: listening on %s", s->l[i].ls.name);
	}
	return 0;
}

int
milter_server_reconf(struct milter_server *s, const struct milter_conf *mc,
    const struct policy_conf *pc, struct policy_engine *e)
{
	struct milter_keyring	*kr;
	char			 err[256];

	s->pc = pc;
	s->e = e;
	/* With a previous keyring, loading never fails. */
	kr = milter_keyring_load(mc, s->kr, err, sizeof(err));
	milter_keyring_drop(s->kr);
	s->kr = kr;
	s->mc = mc;
	if (s->base != NULL)
		s->idle_tv = idle_timeout(s);	/* for events added from now */
	if (s->pool != NULL && mc->workers != MILTER_WORKERS_CPUS &&
	    mc->workers != milter_pool_workers(s->pool))
		log_warnx("milter: workers %d needs a restart; %d go on",
		    mc->workers, milter_pool_workers(s->pool));
	log_info("milter: the new configuration applies to new messages "
	    "(%d keys)", kr->n);
	return 0;
}

void
milter_server_free(struct milter_server *s)
{
	int	i;

	if (s == NULL)
		return;
	while (!TAILQ_EMPTY(&s->conns))
		conn_free(TAILQ_FIRST(&s->conns));
	/* The tasks are detached now: the pool frees them as they end. */
	milter_pool_free(s->pool);
	for (i = 0; i < s->nl; i++) {
		if (s->l[i].ev != NULL)
			event_free(s->l[i].ev);
		listen_close(&s->l[i].ls);
	}
	dns_evres_free(s->res);
	dkim_keycache_free(s->kc);
	dmarc_psl_free(s->psl);
	milter_keyring_drop(s->kr);
	free(s);
}
