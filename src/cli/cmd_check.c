/*
 * cmd_check.c: `fairlist check IP`, the gatekeeper's verdict for one
 * client, with its reasoning.
 *
 * Runs exactly what the policy server runs for one request: the `policy`
 * block of the configuration (or the defaults), the local lists of the
 * store, one engine on a private event loop, one evaluation. Then prints
 * the verdict line first (the action, the rule that decided, and the reply
 * line Postfix would read), and after it the facts: each local list hit,
 * each remote list's answer, the score against the threshold, SPF and the
 * DNS work. --json prints the same as one object (docs/CLI.md).
 *
 * Exit status: 0 the mail would be accepted (dunno, tag, report), 1 it
 * would be rejected or deferred, 2 no verdict (usage, configuration or
 * store error).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "cli/cli.h"
#include "core/addr.h"
#include "core/buf.h"
#include "core/conf.h"
#include "core/sockaddr.h"
#include "core/str.h"
#include "core/xmalloc.h"
#include "list/list.h"
#include "policy/policy.h"
#include "store/store.h"

#define CHECK_GRACE_MS	1000	/* past the deadline before we give up on
				   the engine (it decides before it) */
#define CHECK_ESC_MAX	(4 * POLICY_TEMPLATE_MAX + 1)	/* \xHH text */

/* What the evaluation left behind: copied out of the callback. */
struct check {
	struct event_base	*base;
	struct policy_facts	 f;
	struct policy_verdict	 v;
	struct sbuf		 line;		/* "action=...\n\n" */
	char			 exempt[128];	/* f.exempt, copied */
	char			 rule[32];	/* v.rule, copied */
	int			 done;
	int			 gave_up;	/* the engine missed the deadline */
};

static void
check_usage(FILE *f)
{
	fprintf(f,
"usage: fairlist [--db PATH] [--config FILE] check IP [--mail-from ADDR]\n"
"                [--helo NAME] [--rcpt ADDR] [--sasl USER] [--json]\n"
"                [--resolver ADDR[:PORT]] [--no-probe]\n"
"\n"
"The gatekeeper's verdict for one SMTP client, as the policy server would\n"
"give it, with its reasoning: local list hits, each remote list's answer,\n"
"the score against the threshold, SPF, cache hits and the time spent.\n"
"\n"
"  --mail-from ADDR      the envelope sender (empty: a bounce)\n"
"  --helo NAME           the HELO/EHLO name\n"
"  --rcpt ADDR           the recipient (postmaster@... is exempt)\n"
"  --sasl USER           the client authenticated as USER\n"
"  --resolver ADDR[:PORT] DNS server for the remote lists and SPF\n"
"                        (replaces the policy block's resolver)\n"
"  --no-probe            no list health probes\n"
"  --json                one JSON object on standard output\n"
"\n"
"Exit status: 0 accepted (dunno, tag, report), 1 rejected or deferred,\n"
"2 usage, configuration or store error. See docs/CLI.md.\n");
}

static const char *
state_name(enum policy_list_state s)
{
	switch (s) {
	case POLICY_LIST_CLEAN:		return "clean";
	case POLICY_LIST_LISTED:	return "listed";
	case POLICY_LIST_ERROR:		return "error";
	case POLICY_LIST_TEMPFAIL:	return "tempfail";
	case POLICY_LIST_DEAD:		return "dead";
	case POLICY_LIST_PENDING:	return "pending";
	default:			return "?";
	}
}

/* 1 if the mail would not be accepted: the exit status. */
static int
refused(enum policy_action a)
{
	return a == POLICY_REJECT || a == POLICY_DEFER;
}

/* The reply line without its "\n\n" end, for printing. */
static const char *
reply_line(struct check *ck)
{
	if (ck->line.s == NULL)
		return "";
	while (ck->line.len > 0 && ck->line.s[ck->line.len - 1] == '\n')
		ck->line.s[--ck->line.len] = '\0';
	return ck->line.s;
}

static void
on_done(void *arg, const struct policy_facts *f, const struct policy_verdict *v)
{
	struct check	*ck = arg;

	/* Both are valid only during this call. */
	memcpy(&ck->f, f, sizeof(ck->f));
	memcpy(&ck->v, v, sizeof(ck->v));
	/* Pointers the contract does not promise to outlive the call. */
	if (f->exempt != NULL) {
		str_lcpy(ck->exempt, f->exempt, sizeof(ck->exempt));
		ck->f.exempt = ck->exempt;
	}
	str_lcpy(ck->rule, v->rule != NULL ? v->rule : "?", sizeof(ck->rule));
	ck->v.rule = ck->rule;
	ck->done = 1;
	if (ck->base != NULL)
		event_base_loopbreak(ck->base);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct check	*ck = arg;

	(void)fd;
	(void)what;
	ck->gave_up = 1;
	event_base_loopbreak(ck->base);
}

/*
 * The local lists: the store's index, or NULL when no local list is
 * configured or there is no store at the path (*OUT:why then says so for
 * the output). The daemon's snapshot cache (<db>.snap) is used when it
 * was saved for the store's current generation, as `serve` does, so a
 * large store is not compiled for one lookup. Returns -1 after printing
 * an error.
 */
static int
load_index(struct cli *c, int nlocal, struct index **idx, const char **why)
{
	struct store	*st;
	char		 err[STORE_ERR_MAX], *snap;
	uint64_t	 gen;

	*idx = NULL;
	*why = NULL;
	if (nlocal == 0)
		return 0;
	if (access(c->db, F_OK) == -1) {
		if (errno != ENOENT) {
			cli_err("check", "%s: %s", c->db, strerror(errno));
			return -1;
		}
		*why = "no store";
		return 0;
	}
	if ((st = store_open(c->db, STORE_RDONLY, err)) == NULL) {
		/* The store's message names the path. */
		cli_err("check", "%s", err);
		return -1;
	}
	if (store_generation(st, &gen) == 0) {
		xasprintf(&snap, "%s.snap", c->db);
		/* Any failure (missing, stale, corrupt) means a compile. */
		*idx = index_open_saved(snap, gen, err, sizeof(err));
		free(snap);
	}
	if (*idx == NULL)
		*idx = index_load(st, (int64_t)time(NULL));
	store_close(st);
	if (*idx == NULL) {
		cli_err("check", "%s: cannot compile the index", c->db);
		return -1;
	}
	return 0;
}

/* ---- text output ---- */

static void
print_hit(const char *kind, const struct policy_local_hit *h)
{
	char	code[16], since[32], until[32], e[CHECK_ESC_MAX];

	addr_v4_text(h->code, code, sizeof(code));
	str_isotime(since, sizeof(since), h->listed_at);
	if (h->expires_at != 0)
		str_isotime(until, sizeof(until), h->expires_at);
	else
		str_lcpy(until, "never", sizeof(until));
	printf("%s: %s in %s (code %s, listed %s, expires %s)\n", kind,
	    h->prefix, h->zone, code, since, until);
	printf("  reason: %s\n", cli_esc(e, sizeof(e), h->reason));
	if (h->url[0] != '\0')
		printf("  url: %s\n", cli_esc(e, sizeof(e), h->url));
}

static void
print_text(const struct policy_conf *pc, struct check *ck,
    const struct policy_query *q, const char *sasl_user,
    const char *no_local)
{
	const struct policy_facts	*f = &ck->f;
	const struct policy_verdict	*v = &ck->v;
	const struct policy_list_result	*r;
	char				 code[16], e[CHECK_ESC_MAX];
	int				 i, k;

	printf("verdict: %s (rule %s) %s\n", policy_action_name(v->action),
	    v->rule != NULL ? v->rule : "?", reply_line(ck));
	printf("client: %s helo %s", f->ip, q->helo != NULL &&
	    q->helo[0] != '\0' ? cli_esc(e, sizeof(e), q->helo) : "-");
	if (q->sender != NULL)
		printf(" mail-from <%s>", cli_esc(e, sizeof(e), q->sender));
	else
		printf(" mail-from -");
	printf(" rcpt %s", q->recipient != NULL ?
	    cli_esc(e, sizeof(e), q->recipient) : "-");
	printf(" sasl %s\n", sasl_user != NULL ?
	    cli_esc(e, sizeof(e), sasl_user) : "-");
	if (f->exempt != NULL)
		printf("exempt: %s\n", f->exempt);
	if (f->has_allow)
		print_hit("allowlist", &f->allow);
	if (f->has_block)
		print_hit("blocklist", &f->block);
	if (!f->has_allow && !f->has_block) {
		if (pc->nlocal == 0 && !pc->local_store)
			printf("local lists: none configured\n");
		else if (no_local != NULL)
			printf("local lists: none (%s)\n", no_local);
		else if (pc->local_store)
			printf("local lists: no hit in the store's zones\n");
		else
			printf("local lists: no hit in %d\n", pc->nlocal);
	}
	if (f->nlists == 0)
		printf("remote lists: %s\n", pc->nsites == 0 ?
		    "none configured" : "not queried");
	else
		printf("remote lists: %d\n", f->nlists);
	for (i = 0; i < f->nlists; i++) {
		r = &f->lists[i];
		printf("  %s", r->site != NULL ? r->site->zone : "?");
		if (r->site != NULL && r->site->label != NULL)
			printf(" (%s)", r->site->label);
		printf(": %s", state_name(r->state));
		for (k = 0; k < r->ncodes && k < POLICY_CODES_MAX; k++) {
			addr_v4_text(r->codes[k], code, sizeof(code));
			printf("%s%s", k == 0 ? " " : ",", code);
		}
		printf(", weight %d of %d, %s, %.1f ms\n", r->weight,
		    r->site != NULL ? r->site->weight : 0,
		    r->cached ? "cached" : "queried", r->ms);
	}
	printf("score: %d, threshold %d\n", v->score, v->threshold);
	if (f->spf_done) {
		printf("spf: %s", spf_result_str(f->spf_result));
		if (f->spf_explanation[0] != '\0')
			printf(" (%s)", cli_esc(e, sizeof(e),
			    f->spf_explanation));
		printf("\n");
	} else
		printf("spf: not checked\n");
	if (f->helo_done)
		printf("spf helo: %s\n", spf_result_str(f->helo_result));
	if (f->spf_header[0] != '\0')
		printf("spf header: %s\n", cli_esc(e, sizeof(e),
		    f->spf_header));
	if (v->header[0] != '\0')
		printf("header: %s\n", cli_esc(e, sizeof(e), v->header));
	if (f->timed_out)
		printf("deadline: passed; answers still out count as "
		    "unknown\n");
	printf("dns: %d cache hits, %d queries, %.1f ms\n", f->cache_hits,
	    f->queries, f->ms);
}

/* ---- JSON output ---- */

/* Milliseconds to 0.1 ms: more digits are noise. */
static json_t *
jms(double ms)
{
	return json_real((double)(long long)(ms * 10 + 0.5) / 10);
}

static json_t *
jcode(uint32_t code)
{
	char	c[16];

	addr_v4_text(code, c, sizeof(c));
	return json_string(c);
}

static json_t *
jtime(int64_t t)
{
	char	s[32];

	if (t == 0)
		return json_null();
	return json_string(str_isotime(s, sizeof(s), t));
}

static json_t *
hit_json(const struct policy_local_hit *h)
{
	json_t	*o = json_object();

	json_object_set_new(o, "zone", str_json(h->zone));
	json_object_set_new(o, "prefix", str_json(h->prefix));
	json_object_set_new(o, "reason", str_json(h->reason));
	json_object_set_new(o, "code", jcode(h->code));
	json_object_set_new(o, "listed_at", jtime(h->listed_at));
	json_object_set_new(o, "expires_at", jtime(h->expires_at));
	json_object_set_new(o, "url", h->url[0] != '\0' ? str_json(h->url) :
	    json_null());
	if (h->local != NULL)
		json_object_set_new(o, "action",
		    json_string(policy_action_name(h->local->action)));
	return o;
}

static void
print_json(struct check *ck, const struct policy_query *q,
    const char *sasl_user)
{
	const struct policy_facts	*f = &ck->f;
	const struct policy_verdict	*v = &ck->v;
	const struct policy_list_result	*r;
	json_t				*o = json_object(), *a, *l, *c, *s;
	int				 i, k;

	json_object_set_new(o, "address", str_json(f->ip));
	json_object_set_new(o, "action",
	    json_string(policy_action_name(v->action)));
	json_object_set_new(o, "rule", str_json(v->rule != NULL ?
	    v->rule : "?"));
	json_object_set_new(o, "reply", str_json(reply_line(ck)));
	json_object_set_new(o, "text", str_json(v->text));
	json_object_set_new(o, "header", v->header[0] != '\0' ?
	    str_json(v->header) : json_null());
	json_object_set_new(o, "accepted", json_boolean(!refused(v->action)));
	json_object_set_new(o, "score", json_integer(v->score));
	json_object_set_new(o, "threshold", json_integer(v->threshold));

	json_object_set_new(o, "helo", str_json(q->helo));
	json_object_set_new(o, "mail_from", str_json(q->sender));
	json_object_set_new(o, "rcpt", str_json(q->recipient));
	json_object_set_new(o, "sasl", str_json(sasl_user));
	json_object_set_new(o, "exempt", str_json(f->exempt));
	json_object_set_new(o, "allowlist", f->has_allow ?
	    hit_json(&f->allow) : json_null());
	json_object_set_new(o, "blocklist", f->has_block ?
	    hit_json(&f->block) : json_null());

	a = json_array();
	for (i = 0; i < f->nlists; i++) {
		r = &f->lists[i];
		l = json_object();
		json_object_set_new(l, "zone", r->site != NULL ?
		    str_json(r->site->zone) : json_null());
		json_object_set_new(l, "label", r->site != NULL ?
		    str_json(r->site->label) : json_null());
		json_object_set_new(l, "state",
		    json_string(state_name(r->state)));
		c = json_array();
		for (k = 0; k < r->ncodes && k < POLICY_CODES_MAX; k++)
			json_array_append_new(c, jcode(r->codes[k]));
		json_object_set_new(l, "codes", c);
		json_object_set_new(l, "weight", json_integer(r->weight));
		json_object_set_new(l, "site_weight", json_integer(
		    r->site != NULL ? r->site->weight : 0));
		json_object_set_new(l, "cached", json_boolean(r->cached));
		json_object_set_new(l, "ttl", json_integer(r->ttl));
		json_object_set_new(l, "ms", jms(r->ms));
		json_array_append_new(a, l);
	}
	json_object_set_new(o, "lists", a);

	s = json_object();
	json_object_set_new(s, "result", f->spf_done ?
	    json_string(spf_result_str(f->spf_result)) : json_null());
	json_object_set_new(s, "explanation", f->spf_explanation[0] != '\0' ?
	    str_json(f->spf_explanation) : json_null());
	json_object_set_new(s, "helo_result", f->helo_done ?
	    json_string(spf_result_str(f->helo_result)) : json_null());
	json_object_set_new(s, "header", f->spf_header[0] != '\0' ?
	    str_json(f->spf_header) : json_null());
	json_object_set_new(o, "spf", s);

	json_object_set_new(o, "timed_out", json_boolean(f->timed_out));
	json_object_set_new(o, "cache_hits", json_integer(f->cache_hits));
	json_object_set_new(o, "queries", json_integer(f->queries));
	json_object_set_new(o, "ms", jms(f->ms));

	cli_json_print(o, 0);
}

/*
 * The engine did not call back by the deadline (it must decide before
 * it): answer as the server would, fail-open, with what is known of the
 * query.
 */
static void
fail_open(const struct policy_conf *pc, struct check *ck,
    const struct policy_query *q)
{
	memset(&ck->f, 0, sizeof(ck->f));
	memset(&ck->v, 0, sizeof(ck->v));
	str_lcpy(ck->f.ip, q->client_address, sizeof(ck->f.ip));
	ck->f.timed_out = 1;
	ck->v.action = pc->fail_open;
	ck->v.rule = "fail-open";
	ck->v.threshold = pc->threshold;
	sbuf_reset(&ck->line);
	policy_failopen_format(pc, &ck->line);
}

int
cmd_check(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mail-from", required_argument, NULL, 'm' },
		{ "helo", required_argument, NULL, 'H' },
		{ "rcpt", required_argument, NULL, 'r' },
		{ "sasl", required_argument, NULL, 's' },
		{ "resolver", required_argument, NULL, 'R' },
		{ "no-probe", no_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct policy_conf	 pc;
	struct policy_query	 q;
	struct addr_prefix	 p;
	struct check		*ck;
	struct index		*idx = NULL;
	struct policy_engine	*e = NULL;
	struct policy_eval	*ev;
	struct event		*timer = NULL;
	struct timeval		 tv;
	const struct conf_node	*node = NULL;
	const char		*sasl_user = NULL, *resolver = NULL;
	const char		*why, *no_local;
	char			 err[512];
	int			 ch, json = 0, probe = 1, rc = 2, ms;

	memset(&q, 0, sizeof(q));
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":m:H:r:s:R:Pjh", opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'm': q.sender = optarg; break;
		case 'H': q.helo = optarg; break;
		case 'r': q.recipient = optarg; break;
		case 's': sasl_user = optarg; q.sasl = 1; break;
		case 'R': resolver = optarg; break;
		case 'P': probe = 0; break;
		case 'j': json = 1; break;
		case 'h':
			check_usage(stdout);
			return 0;
		default:
			return cli_opt_err("check", ch, argv);
		}
	}
	if (cli_operands("check", argc - optind, "address") != 0)
		return 2;
	q.client_address = argv[optind];
	if (addr_parse(q.client_address, &p, &why) == -1) {
		cli_err("check", "%s: %s", q.client_address, why);
		return 2;
	}
	if (p.plen != 128) {
		cli_err("check", "%s: give one address, not a range",
		    q.client_address);
		return 2;
	}
	if (resolver != NULL &&
	    sa_servers_check(resolver, 53, err, sizeof(err)) == -1) {
		cli_err("check", "--resolver: %s", err);
		return 2;
	}
	if (sasl_user != NULL && sasl_user[0] == '\0') {
		cli_err("check", "--sasl needs a user name");
		return 2;
	}

	if (c->conf != NULL)
		node = conf_find(c->conf->root, "policy");
	if (policy_conf_read(c->conf, node, &pc, err, sizeof(err)) == -1) {
		cli_err("check", "%s", err);
		return 2;
	}
	if (resolver != NULL) {
		free(pc.resolver);
		pc.resolver = xstrdup(resolver);
	}
	if (!probe)
		pc.probe_s = 0;
	if (load_index(c, pc.nlocal + pc.local_store, &idx, &no_local) == -1) {
		policy_conf_free(&pc);
		return 2;
	}

	ck = xcalloc(1, sizeof(*ck));
	sbuf_init(&ck->line);
	if ((ck->base = event_base_new()) == NULL) {
		cli_err("check", "event_base_new failed");
		goto out;
	}
	if ((e = policy_engine_new(&pc, ck->base, err, sizeof(err))) == NULL) {
		cli_err("check", "%s", err);
		goto out;
	}
	ev = policy_evaluate(e, idx, &q, on_done, ck);
	/* The index is read only during policy_evaluate. */
	index_free(idx);
	idx = NULL;
	if (!ck->done) {
		/*
		 * The engine decides before the deadline; a guard past it
		 * makes a missing callback a fail-open answer, not a hang.
		 */
		ms = pc.deadline_ms > 0 ? pc.deadline_ms : POLICY_DEADLINE_MS;
		ms += CHECK_GRACE_MS;
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000;
		timer = evtimer_new(ck->base, on_deadline, ck);
		if (timer == NULL || evtimer_add(timer, &tv) == -1) {
			cli_err("check", "cannot set the deadline timer");
			goto out;
		}
		while (!ck->done && !ck->gave_up)
			if (event_base_dispatch(ck->base) != 0)
				break;
		if (!ck->done) {
			if (ev != NULL)
				policy_cancel(ev);
			fail_open(&pc, ck, &q);
			cli_err("check", "no verdict from the engine by the "
			    "deadline: fail-open answer");
		}
	}
	if (ck->done) {
		sbuf_reset(&ck->line);
		policy_action_format(&pc, &ck->v, 1, &ck->line);
	}
	if (json)
		print_json(ck, &q, sasl_user);
	else
		print_text(&pc, ck, &q, sasl_user, no_local);
	rc = refused(ck->v.action) ? 1 : 0;
out:
	if (timer != NULL)
		event_free(timer);
	policy_engine_free(e);
	if (ck->base != NULL)
		event_base_free(ck->base);
	sbuf_free(&ck->line);
	free(ck);
	index_free(idx);
	policy_conf_free(&pc);
	return rc;
}
