/*
 * confirm.c: POST /api/v1/confirm-check (docs/WEB.md), confirm-check on
 * the HTTP service: JSON {"ip", "mail_from", "helo"?, "dkim_pass"?} in,
 * the JSON answer of `fairlist confirm-check --json` out, the same
 * decision (confirm/confirm.h) over the same counts in the store.
 *
 * It needs a bearer token of scope write (admin.c's check): a "send"
 * answer records a send, so a public route would let anyone spend an
 * address's allowance, and it makes the daemon ask DNS for any domain.
 * SPF is evaluated on the HTTP worker's loop (spf_run over a c-ares resolver
 * on the event base, confirm { resolver } or the system's, made at the
 * first request); the answer is sent when it ends. A client that goes
 * away meanwhile leaves its job running without a request to answer
 * (web_confirm_conn_gone).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "confirm/confirm.h"
#include "core/addr.h"
#include "core/log.h"
#include "core/str.h"
#include "core/xmalloc.h"
#include "dmarc/dmarc.h"
#include "dns/evres.h"
#include "spf/spf.h"
#include "store/store.h"
#include "store/token.h"
#include "web/web.h"
#include "web/web_int.h"

/* One confirm-check waiting for its SPF result. */
struct web_cc_job {
	struct web_server		*ws;
	struct evhttp_request		*req;	/* NULL: the client left */
	struct evhttp_connection	*conn;
	struct spf			*s;
	char				*mail_from;
	char				*dkim;	/* or NULL */
	struct web_cc_job		*next;
};

static const struct web_jkey cc_keys[] = {
	{ "ip", JSON_STRING, 1, ADDR_TEXT_MAX - 1 },
	{ "mail_from", JSON_STRING, 1, CONFIRM_ADDR_MAX },
	{ "helo", JSON_STRING, 0, SPF_NAME_MAX },
	{ "dkim_pass", JSON_STRING, 0, CONFIRM_ADDR_MAX },
	{ NULL, 0, 0, 0 },
};

/* The PSL for DKIM alignment, loaded at the first need (NULL: strict). */
static const struct dmarc_psl *
psl_get(struct web_server *ws)
{
	char	err[256];

	if (!ws->psl_tried) {
		ws->psl_tried = 1;
		if ((ws->psl = dmarc_psl_load(NULL, err, sizeof(err))) == NULL)
			log_warnx("http: confirm-check: %s: DKIM alignment is "
			    "strict (the same domain only)", err);
	}
	return ws->psl;
}

/* SPF's raw queries (struct spf_raw) on the service's resolver. */
static void
raw_query(void *ctx, const char *name, uint16_t type,
    void (*cb)(void *, enum dns_resolver_status, const uint8_t *, size_t),
    void *arg)
{
	dns_evres_query(ctx, name, type, cb, arg);
}

/* Decide for req and answer it. */
static void
answer(struct web_server *ws, struct evhttp_request *req,
    const char *mail_from, enum spf_result spf, const char *dkim)
{
	struct confirm_result	r;
	char			err[STORE_ERR_MAX];

	if (confirm_decide(&ws->wc->confirm, ws->st, dkim != NULL ?
	    psl_get(ws) : NULL, mail_from, spf, dkim, (int64_t)time(NULL), &r,
	    err, sizeof(err)) == -1) {
		log_warnx("http: confirm-check: %s", err);
		web_reply_error(req, 1, 500, "the store cannot be written");
		return;
	}
	web_reply_json(req, 200, confirm_result_json(&ws->wc->confirm, &r));
}

static void
job_free(struct web_cc_job *j)
{
	struct web_cc_job	**p;

	for (p = &j->ws->cc_jobs; *p != NULL; p = &(*p)->next)
		if (*p == j) {
			*p = j->next;
			break;
		}
	spf_free(j->s);
	free(j->mail_from);
	free(j->dkim);
	free(j);
}

static void
job_done(struct spf *s, void *arg)
{
	struct web_cc_job	*j = arg;

	if (j->req != NULL)
		answer(j->ws, j->req, j->mail_from, spf_result(s), j->dkim);
	job_free(j);
}

void
web_confirm_conn_gone(struct web_server *ws, struct evhttp_connection *c)
{
	struct web_cc_job	*j;

	for (j = ws->cc_jobs; j != NULL; j = j->next)
		if (j->conn == c)
			j->req = NULL;
}

void
web_confirm_free(struct web_server *ws)
{
	struct web_cc_job	*j;

	/* Nobody to answer; the resolver's free ends the evaluations. */
	for (j = ws->cc_jobs; j != NULL; j = j->next)
		j->req = NULL;
	dns_evres_free(ws->evres);
	ws->evres = NULL;
	while (ws->cc_jobs != NULL)
		job_free(ws->cc_jobs);
	dmarc_psl_free(ws->psl);
	ws->psl = NULL;
}

void
web_route_confirm(struct web_server *ws, struct evhttp_request *req)
{
	struct evbuffer		*b = evhttp_request_get_input_buffer(req);
	struct spf_request	 sr;
	struct confirm_result	 probe;
	struct addr_prefix	 p;
	struct web_cc_job	*j;
	size_t			 len = evbuffer_get_length(b);
	const char		*body = (const char *)evbuffer_pullup(b, -1);
	const char		*ip, *from, *helo, *dkim, *why;
	char			 actor[STORE_TOKEN_NAME_MAX + 16], err[256];
	char			 msg[128];
	json_t			*o;

	if (!web_authorize(ws, req, STORE_SCOPE_WRITE, actor, sizeof(actor)))
		return;
	if (!web_ctype_is(req, "application/json")) {
		web_reply_error(req, 1, 415, "send application/json");
		return;
	}
	if ((o = web_json_read(body != NULL ? body : "", len, cc_keys, err,
	    sizeof(err))) == NULL) {
		web_reply_error(req, 1, 400, err);
		return;
	}
	ip = json_string_value(json_object_get(o, "ip"));
	from = json_string_value(json_object_get(o, "mail_from"));
	helo = json_string_value(json_object_get(o, "helo"));
	dkim = json_string_value(json_object_get(o, "dkim_pass"));
	if (addr_parse(ip, &p, &why) == -1 || p.plen != 128) {
		snprintf(msg, sizeof(msg), "ip '%.64s': %s", ip,
		    p.plen == 128 ? why : "one address, not a prefix");
		web_reply_error(req, 1, 400, msg);
		json_decref(o);
		return;
	}
	/* A null sender or a bad address is refused without any DNS. */
	if (confirm_address(from, &probe) == -1) {
		answer(ws, req, from, SPF_NONE, dkim);
		json_decref(o);
		return;
	}
	if (ws->evres == NULL && (ws->evres = dns_evres_new(ws->base,
	    ws->wc->confirm.resolver[0] != '\0' ? ws->wc->confirm.resolver :
	    NULL, 0, err, sizeof(err))) == NULL) {
		log_warnx("http: confirm-check: %s", err);
		web_reply_error(req, 1, 500, "no resolver for SPF");
		json_decref(o);
		return;
	}
	ws->cc_raw.ctx = ws->evres;
	ws->cc_raw.query = raw_query;
	spf_resolver_raw(&ws->cc_raw, &ws->cc_res);
	memset(&sr, 0, sizeof(sr));
	sr.ip = ip;
	sr.mail_from = from;
	sr.helo = helo;
	sr.identity = SPF_ID_MAILFROM;
	j = xcalloc(1, sizeof(*j));
	j->ws = ws;
	j->req = req;
	j->conn = evhttp_request_get_connection(req);
	j->mail_from = xstrdup(from);
	j->dkim = dkim != NULL ? xstrdup(dkim) : NULL;
	/* spf_new copies what it keeps of sr, which points into o. */
	j->s = spf_new(&sr, err, sizeof(err));
	json_decref(o);
	if (j->s == NULL) {
		web_reply_error(req, 1, 400, err);
		free(j->mail_from);
		free(j->dkim);
		free(j);
		return;
	}
	j->next = ws->cc_jobs;
	ws->cc_jobs = j;
	spf_run(j->s, &ws->cc_res, job_done, j);
}
