/*
 * test_verdict.c: the pure decision (policy/verdict.c). A table of facts
 * covers every rule and their precedence (exempt > allowlist > blocklist
 * > dnsbl > spf > fail-open > pass), every action's reply line, weights
 * (negative ones and the threshold), which unanswered lists may fail
 * open, the SPF and tag headers, and hostile text: CR/LF in a listing
 * reason or a header must never reach the policy reply as a new line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/buf.h"
#include "core/str.h"
#include "core/xmalloc.h"
#include "policy/policy.h"

#define LISTED	1795824000	/* 2026-11-28T00:00:00Z */
#define NLIST	4

/* Sites of the conf: a.test*2 (URL), b.test*1, c.test*-5, d.test*3. */
enum { A, B, C, D };

/* A list state in a case; 0 leaves the list CLEAN. */
struct lst {
	enum policy_list_state	state;
	uint32_t		code;
};

struct tcase {
	const char		*name;
	/* facts */
	const char		*exempt;
	int			 allow;
	int			 block;
	enum policy_action	 block_action;	/* 0: REJECT */
	int			 block_dunno;	/* local action DUNNO */
	const char		*block_reason;
	const char		*block_reply;	/* local template */
	const char		*block_url;
	struct lst		 lists[NLIST];
	int			 spf;		/* 1 + spf_result, 0 none */
	int			 helo;		/* 1 + helo_result, 0 none */
	const char		*spf_header;
	int			 timed_out;
	const char		*sender;
	/* conf */
	int			 threshold;	/* 0: default 3 */
	enum policy_action	 action;	/* 0: REJECT */
	int			 action_dunno;	/* action DUNNO */
	enum policy_action	 spf_action;
	enum policy_action	 fail_open;
	int			 reject_code;	/* 0: 554 */
	int			 with_header0;	/* format with_header 0 */
	/* want */
	const char		*rule;
	enum policy_action	 want_action;
	int			 score;
	const char		*line;		/* exact reply line */
	const char		*prefix;	/* or its beginning */
};

#define L(s)	{ POLICY_LIST_##s, 0x7f000002 }
#define SPF(r)	(1 + (r))

static const struct tcase cases[] = {
	/* exempt beats everything */
	{ .name = "exempt over block and lists", .exempt = "sasl",
	  .block = 1, .lists = { L(LISTED), L(LISTED), {0}, L(LISTED) },
	  .spf = SPF(SPF_FAIL), .spf_action = POLICY_REJECT,
	  .spf_header = "Received-SPF: fail (x)",
	  .rule = "exempt", .score = 6, .line = "action=DUNNO\n\n" },
	/* allowlist beats the blocklist */
	{ .name = "allow over block", .allow = 1, .block = 1,
	  .lists = { L(LISTED), {0}, {0}, L(LISTED) },
	  .rule = "allowlist", .score = 5, .line = "action=DUNNO\n\n" },
	/* blocklist actions */
	{ .name = "block reject", .block = 1, .block_reason = "spam trap",
	  .block_url = "https://bl.example/192.0.2.1",
	  .rule = "blocklist", .want_action = POLICY_REJECT,
	  .line = "action=554 5.7.1 Mail from 192.0.2.1 refused: listed on "
	  "local.test since 2026-11-28 (spam trap); see "
	  "https://bl.example/192.0.2.1\n\n" },
	{ .name = "block without url", .block = 1, .block_reason = "x",
	  .rule = "blocklist", .want_action = POLICY_REJECT,
	  .line = "action=554 5.7.1 Mail from 192.0.2.1 refused: listed on "
	  "local.test since 2026-11-28 (x)\n\n" },
	{ .name = "block beats dnsbl and spf", .block = 1,
	  .block_reason = "r", .lists = { L(LISTED), L(LISTED) },
	  .spf = SPF(SPF_FAIL), .spf_action = POLICY_REJECT,
	  .rule = "blocklist", .want_action = POLICY_REJECT, .score = 3,
	  .prefix = "action=554 5.7.1 Mail from 192.0.2.1 refused: listed "
	  "on local.test" },
	{ .name = "block reason injection", .block = 1,
	  .block_reason = "spam\r\n\r\naction=OK\nX-Evil: 1\r",
	  .rule = "blocklist", .want_action = POLICY_REJECT,
	  .line = "action=554 5.7.1 Mail from 192.0.2.1 refused: listed on "
	  "local.test since 2026-11-28 (spam action=OK X-Evil: 1)\n\n" },
	{ .name = "block url injection", .block = 1, .block_reason = "r",
	  .block_url = "https://x/\r\n\r\naction=OK",
	  .rule = "blocklist", .want_action = POLICY_REJECT,
	  .prefix = "action=554 5.7.1 Mail from 192.0.2.1 refused: " },
	{ .name = "block defer", .block = 1, .block_action = POLICY_DEFER,
	  .block_reason = "r", .rule = "blocklist",
	  .want_action = POLICY_DEFER,
	  .line = "action=DEFER_IF_PERMIT Mail from 192.0.2.1 refused: "
	  "listed on local.test since 2026-11-28 (r)\n\n" },
	{ .name = "block report", .block = 1, .block_action = POLICY_REPORT,
	  .block_reason = "r", .rule = "blocklist",
	  .want_action = POLICY_REPORT,
	  .line = "action=WARN Mail from 192.0.2.1 refused: listed on "
	  "local.test since 2026-11-28 (r)\n\n" },
	{ .name = "block tag", .block = 1, .block_action = POLICY_TAG,
	  .block_reason = "r", .rule = "blocklist", .want_action = POLICY_TAG,
	  .line = "action=PREPEND X-Fairlist: rule=blocklist "
	  "zone=local.test score=0/3\n\n" },
	{ .name = "block dunno", .block = 1, .block_dunno = 1,
	  .block_reason = "r", .rule = "blocklist",
	  .line = "action=DUNNO\n\n" },
	{ .name = "block own template", .block = 1, .block_reason = "r",
	  .block_reply = "$ip banned ($reason) $$5",
	  .rule = "blocklist", .want_action = POLICY_REJECT,
	  .line = "action=554 5.7.1 192.0.2.1 banned (r) $5\n\n" },
	{ .name = "block empty reason", .block = 1, .block_reason = "",
	  .rule = "blocklist", .want_action = POLICY_REJECT,
	  .prefix = "action=554 5.7.1 Mail from 192.0.2.1 refused: listed "
	  "on local.test since 2026-11-28 (" },
	{ .name = "reject code 550", .block = 1, .block_reason = "r",
	  .reject_code = 550, .rule = "blocklist",
	  .want_action = POLICY_REJECT, .prefix = "action=550 5.7.1 Mail " },
	{ .name = "reject code not 5xx", .block = 1, .block_reason = "r",
	  .reject_code = 450, .rule = "blocklist",
	  .want_action = POLICY_REJECT, .prefix = "action=554 5.7.1 Mail " },
	/* dnsbl */
	{ .name = "dnsbl at threshold", .lists = { L(LISTED), L(LISTED) },
	  .rule = "dnsbl", .want_action = POLICY_REJECT, .score = 3,
	  .line = "action=554 5.7.1 Mail from 192.0.2.1 refused: listed on "
	  "a.test, b.test (score 3, threshold 3); see "
	  "https://a.test/q/192.0.2.1\n\n" },
	{ .name = "dnsbl label and heaviest", .lists = { L(LISTED), {0},
	  {0}, L(LISTED) }, .rule = "dnsbl", .want_action = POLICY_REJECT,
	  .score = 5,
	  .line = "action=554 5.7.1 Mail from 192.0.2.1 refused: listed on "
	  "a.test, D List (score 5, threshold 3)\n\n" },
	{ .name = "dnsbl below", .lists = { L(LISTED) }, .rule = "pass",
	  .score = 2, .line = "action=DUNNO\n\n" },
	{ .name = "dnsbl negative weight", .lists = { L(LISTED), L(LISTED),
	  L(LISTED), L(LISTED) }, .rule = "pass", .score = 1,
	  .line = "action=DUNNO\n\n" },
	{ .name = "threshold 0, nothing listed", .threshold = -1,
	  .rule = "pass", .line = "action=DUNNO\n\n" },
	{ .name = "threshold 1", .threshold = 1, .lists = { {0},
	  L(LISTED) }, .rule = "dnsbl", .want_action = POLICY_REJECT,
	  .score = 1, .prefix = "action=554 5.7.1 Mail from 192.0.2.1 "
	  "refused: listed on b.test (score 1, threshold 1)" },
	/* The engine's early decision: lists still out are PENDING. */
	{ .name = "dnsbl reached, a list pending", .lists = { L(PENDING),
	  L(PENDING), {0}, L(LISTED) }, .rule = "dnsbl",
	  .want_action = POLICY_REJECT, .score = 3,
	  .prefix = "action=554 5.7.1 Mail from 192.0.2.1 refused: listed "
	  "on D List (score 3, threshold 3)" },
	{ .name = "dnsbl tag", .action = POLICY_TAG, .lists = { L(LISTED),
	  L(LISTED) }, .spf = SPF(SPF_PASS), .rule = "dnsbl",
	  .want_action = POLICY_TAG, .score = 3,
	  .line = "action=PREPEND X-Fairlist: rule=dnsbl score=3/3 "
	  "lists=a.test,b.test spf=pass\n\n" },
	{ .name = "dnsbl tag, header sent", .action = POLICY_TAG,
	  .lists = { L(LISTED), L(LISTED) }, .with_header0 = 1,
	  .rule = "dnsbl", .want_action = POLICY_TAG, .score = 3,
	  .line = "action=DUNNO\n\n" },
	{ .name = "dnsbl report", .action = POLICY_REPORT,
	  .lists = { {0}, {0}, {0}, L(LISTED) }, .rule = "dnsbl",
	  .want_action = POLICY_REPORT, .score = 3,
	  .prefix = "action=WARN Mail from 192.0.2.1 refused: listed on "
	  "D List" },
	{ .name = "dnsbl beats spf", .lists = { {0}, {0}, {0}, L(LISTED) },
	  .spf = SPF(SPF_FAIL), .spf_action = POLICY_REJECT,
	  .rule = "dnsbl", .want_action = POLICY_REJECT, .score = 3,
	  .prefix = "action=554 5.7.1 Mail from 192.0.2.1 refused: listed "
	  "on D List" },
	{ .name = "error and dead count clean", .lists = { L(ERROR),
	  L(DEAD), {0}, L(DEAD) }, .rule = "pass",
	  .line = "action=DUNNO\n\n" },
	/* spf */
	{ .name = "spf fail rejects", .spf = SPF(SPF_FAIL),
	  .spf_action = POLICY_REJECT, .rule = "spf",
	  .want_action = POLICY_REJECT,
	  .line = "action=554 5.7.1 Mail from 192.0.2.1 refused: SPF fail "
	  "for <s@example.org>: not permitted\n\n" },
	{ .name = "spf fail, action dunno: header",
	  .spf = SPF(SPF_FAIL), .spf_header = "Received-SPF: fail (h)",
	  .rule = "pass", .line = "action=PREPEND Received-SPF: fail (h)\n\n" },
	{ .name = "spf softfail does not reject", .spf = SPF(SPF_SOFTFAIL),
	  .spf_action = POLICY_REJECT, .rule = "pass",
	  .line = "action=DUNNO\n\n" },
	{ .name = "spf helo fail", .spf = SPF(SPF_PASS), .helo = SPF(SPF_FAIL),
	  .spf_action = POLICY_DEFER, .rule = "spf",
	  .want_action = POLICY_DEFER,
	  .line = "action=DEFER_IF_PERMIT Mail from 192.0.2.1 refused: SPF "
	  "fail for <postmaster@mx.example.org>:\n\n" },
	{ .name = "spf bounce sender", .sender = "", .spf = SPF(SPF_FAIL),
	  .spf_action = POLICY_REJECT, .rule = "spf",
	  .want_action = POLICY_REJECT,
	  .prefix = "action=554 5.7.1 Mail from 192.0.2.1 refused: SPF fail "
	  "for <postmaster@mx.example.org>: " },
	{ .name = "spf header injection", .spf = SPF(SPF_PASS),
	  .spf_header = "Received-SPF: pass\r\n\r\naction=OK\r\nX: y",
	  .rule = "pass",
	  .line = "action=PREPEND Received-SPF: pass    action=OK  X: y\n\n" },
	{ .name = "spf header already sent", .spf = SPF(SPF_PASS),
	  .spf_header = "Received-SPF: pass (x)", .with_header0 = 1,
	  .rule = "pass", .line = "action=DUNNO\n\n" },
	/* fail-open */
	{ .name = "tempfail could reach", .lists = { L(TEMPFAIL),
	  L(LISTED) }, .rule = "fail-open", .score = 1,
	  .line = "action=DUNNO\n\n" },
	{ .name = "tempfail could reach, defer", .lists = { L(TEMPFAIL),
	  L(LISTED) }, .fail_open = POLICY_DEFER, .rule = "fail-open",
	  .want_action = POLICY_DEFER, .score = 1,
	  .prefix = "action=DEFER_IF_PERMIT " },
	{ .name = "pending counts like tempfail", .timed_out = 1,
	  .lists = { {0}, {0}, {0}, L(PENDING) }, .fail_open = POLICY_DEFER,
	  .rule = "fail-open", .want_action = POLICY_DEFER,
	  .prefix = "action=DEFER_IF_PERMIT " },
	{ .name = "tempfail cannot reach", .lists = { {0}, L(TEMPFAIL) },
	  .fail_open = POLICY_DEFER, .rule = "pass",
	  .line = "action=DUNNO\n\n" },
	{ .name = "tempfail of a negative list", .lists = { L(LISTED),
	  {0}, L(TEMPFAIL) }, .fail_open = POLICY_DEFER, .rule = "pass",
	  .score = 2, .line = "action=DUNNO\n\n" },
	{ .name = "no fail-open when the action is dunno",
	  .action_dunno = 1, .lists = { L(TEMPFAIL), L(TEMPFAIL) },
	  .fail_open = POLICY_DEFER, .rule = "pass",
	  .line = "action=DUNNO\n\n" },
	{ .name = "spf cut off by the deadline", .timed_out = 1,
	  .spf = SPF(SPF_TEMPERROR), .spf_action = POLICY_REJECT,
	  .fail_open = POLICY_DEFER, .rule = "fail-open",
	  .want_action = POLICY_DEFER, .prefix = "action=DEFER_IF_PERMIT " },
	{ .name = "spf temperror, no deadline", .spf = SPF(SPF_TEMPERROR),
	  .spf_action = POLICY_REJECT, .fail_open = POLICY_DEFER,
	  .rule = "pass", .line = "action=DUNNO\n\n" },
	{ .name = "listed beats fail-open", .lists = { L(LISTED), {0}, {0},
	  L(TEMPFAIL) }, .threshold = 2, .fail_open = POLICY_DEFER,
	  .rule = "dnsbl", .want_action = POLICY_REJECT, .score = 2,
	  .prefix = "action=554 5.7.1 " },
	/* pass */
	{ .name = "nothing at all", .rule = "pass",
	  .line = "action=DUNNO\n\n" },
};

static void
make_conf(struct policy_conf *pc, const struct tcase *t)
{
	static const char *const specs[NLIST] = {
		"a.test*2", "b.test", "c.test*-5", "d.test*3"
	};
	char	err[256];
	int	i;

	assert_int_equal(policy_conf_read(NULL, NULL, pc, err, sizeof(err)),
	    0);
	for (i = 0; i < NLIST; i++) {
		if (policy_site_parse(specs[i], &pc->sites[i], err,
		    sizeof(err)) != 0)
			fail_msg("%s: %s", specs[i], err);
	}
	pc->nsites = NLIST;
	pc->sites[A].url = xstrdup("https://a.test/q/$ip");
	pc->sites[D].label = "D List";
	str_lcpy(pc->local[0].zone, "local.test", POLICY_ZONE_MAX);
	pc->local[0].action = t->block_action != 0 ? t->block_action :
	    t->block_dunno ? POLICY_DUNNO : POLICY_REJECT;
	if (t->block_reply != NULL)
		pc->local[0].reply = xstrdup(t->block_reply);
	pc->nlocal = 1;
	if (t->threshold != 0)
		pc->threshold = t->threshold < 0 ? 0 : t->threshold;
	if (t->action != 0)
		pc->action = t->action;
	else if (t->action_dunno)
		pc->action = POLICY_DUNNO;
	pc->spf_fail_action = t->spf_action;
	pc->fail_open = t->fail_open;
	if (t->reject_code != 0)
		pc->reject_code = t->reject_code;
}

static void
make_facts(const struct policy_conf *pc, struct policy_facts *f,
    const struct tcase *t)
{
	int	i;

	memset(f, 0, sizeof(*f));
	str_lcpy(f->ip, "192.0.2.1", sizeof(f->ip));
	str_lcpy(f->sender, t->sender != NULL ? t->sender : "s@example.org",
	    sizeof(f->sender));
	str_lcpy(f->helo, "mx.example.org", sizeof(f->helo));
	f->exempt = t->exempt;
	if (t->allow) {
		f->has_allow = 1;
		str_lcpy(f->allow.zone, "allow.test", POLICY_ZONE_MAX);
	}
	if (t->block) {
		f->has_block = 1;
		f->block.local = &pc->local[0];
		str_lcpy(f->block.zone, "local.test", POLICY_ZONE_MAX);
		str_lcpy(f->block.prefix, "192.0.2.0/24",
		    sizeof(f->block.prefix));
		str_lcpy(f->block.reason, t->block_reason != NULL ?
		    t->block_reason : "", sizeof(f->block.reason));
		str_lcpy(f->block.url, t->block_url != NULL ? t->block_url :
		    "", sizeof(f->block.url));
		f->block.listed_at = LISTED;
		f->block.code = 0x7f000002;
	}
	f->nlists = NLIST;
	for (i = 0; i < NLIST; i++) {
		struct policy_list_result	*r = &f->lists[i];

		r->site = &pc->sites[i];
		r->state = t->lists[i].state;
		if (r->state == POLICY_LIST_LISTED) {
			r->codes[0] = t->lists[i].code;
			r->ncodes = 1;
			r->weight = pc->sites[i].weight;
		}
	}
	if (t->spf != 0) {
		f->spf_done = 1;
		f->spf_result = (enum spf_result)(t->spf - 1);
		str_lcpy(f->spf_explanation, "not permitted",
		    sizeof(f->spf_explanation));
	}
	if (t->helo != 0) {
		f->helo_done = 1;
		f->helo_result = (enum spf_result)(t->helo - 1);
	}
	if (t->spf_header != NULL)
		str_lcpy(f->spf_header, t->spf_header, sizeof(f->spf_header));
	f->timed_out = t->timed_out;
}

/* No control byte and exactly one line, then the empty line. */
static void
check_one_line(const char *name, const struct sbuf *b)
{
	size_t	i;

	if (b->len < 2 || b->s[b->len - 1] != '\n' || b->s[b->len - 2] != '\n')
		fail_msg("%s: got '%s', not ended by an empty line", name,
		    b->s);
	for (i = 0; i + 2 < b->len; i++)
		if ((unsigned char)b->s[i] < 0x20 ||
		    (unsigned char)b->s[i] > 0x7e)
			fail_msg("%s: got byte 0x%02x at %zu of '%s'", name,
			    (unsigned char)b->s[i], i, b->s);
}

static void
test_table(void **state)
{
	struct policy_conf	 pc;
	struct policy_facts	*f;
	struct policy_verdict	 v, v2;
	struct sbuf		 b;
	size_t			 i;
	int			 bad = 0;

	(void)state;
	f = xmalloc(sizeof(*f));
	sbuf_init(&b);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tcase	*t = &cases[i];

		make_conf(&pc, t);
		make_facts(&pc, f, t);
		policy_decide(&pc, f, &v);
		sbuf_reset(&b);
		policy_action_format(&pc, &v, !t->with_header0, &b);
		check_one_line(t->name, &b);
		if (strcmp(v.rule, t->rule) != 0) {
			print_error("%s: got rule %s, want %s\n", t->name,
			    v.rule, t->rule);
			bad++;
		}
		if (v.action != t->want_action) {
			print_error("%s: got action %s, want %s\n", t->name,
			    policy_action_name(v.action),
			    policy_action_name(t->want_action));
			bad++;
		}
		if (v.score != t->score) {
			print_error("%s: got score %d, want %d\n", t->name,
			    v.score, t->score);
			bad++;
		}
		if (t->line != NULL && strcmp(b.s, t->line) != 0) {
			print_error("%s: got line '%s', want '%s'\n", t->name,
			    b.s, t->line);
			bad++;
		}
		if (t->prefix != NULL &&
		    strncmp(b.s, t->prefix, strlen(t->prefix)) != 0) {
			print_error("%s: got line '%s', want prefix '%s'\n",
			    t->name, b.s, t->prefix);
			bad++;
		}
		/* Pure: the same facts give the same verdict. */
		policy_decide(&pc, f, &v2);
		if (strcmp(v.text, v2.text) != 0 ||
		    strcmp(v.header, v2.header) != 0 ||
		    strcmp(v.rule, v2.rule) != 0 || v.action != v2.action) {
			print_error("%s: second decision differs\n", t->name);
			bad++;
		}
		policy_conf_free(&pc);
	}
	sbuf_free(&b);
	free(f);
	if (bad > 0)
		fail_msg("%d mismatches", bad);
}

/* Hostile bytes anywhere in the facts: the reply stays one line. */
static void
test_hostile_facts(void **state)
{
	static const char *const evil[] = {
		"\r\n", "\n\naction=OK\n\n", "\x01\x7f\xff\xfe", "\t\v\f",
		"a\0b", "%s%n", "$ip$$$", NULL
	};
	struct policy_conf	 pc;
	struct policy_facts	*f;
	struct policy_verdict	 v;
	struct sbuf		 b;
	enum policy_action	 acts[] = { POLICY_REJECT, POLICY_DEFER,
				    POLICY_TAG, POLICY_REPORT, POLICY_DUNNO };
	char			 big[POLICY_REASON_MAX];
	size_t			 i, k;

	(void)state;
	f = xmalloc(sizeof(*f));
	sbuf_init(&b);
	for (k = 0; k < sizeof(acts) / sizeof(acts[0]); k++)
		for (i = 0; evil[i] != NULL; i++) {
			make_conf(&pc, &cases[0]);
			pc.local[0].action = acts[k];
			pc.action = acts[k];
			pc.spf_fail_action = acts[k];
			make_facts(&pc, f, &cases[0]);
			f->exempt = NULL;
			f->has_block = (i % 2) == 0;
			f->block.local = &pc.local[0];
			str_lcpy(f->block.reason, evil[i],
			    sizeof(f->block.reason));
			str_lcpy(f->block.url, evil[i], sizeof(f->block.url));
			str_lcpy(f->block.zone, evil[i],
			    sizeof(f->block.zone));
			str_lcpy(f->sender, evil[i], sizeof(f->sender));
			str_lcpy(f->helo, evil[i], sizeof(f->helo));
			str_lcpy(f->spf_explanation, evil[i],
			    sizeof(f->spf_explanation));
			str_lcpy(f->spf_header, evil[i],
			    sizeof(f->spf_header));
			f->lists[A].state = POLICY_LIST_LISTED;
			f->lists[A].weight = 2;
			f->lists[D].state = POLICY_LIST_LISTED;
			f->lists[D].weight = 3;
			f->spf_done = 1;
			f->spf_result = SPF_FAIL;
			policy_decide(&pc, f, &v);
			sbuf_reset(&b);
			policy_action_format(&pc, &v, 1, &b);
			check_one_line(evil[i], &b);
			if (strlen(v.text) > POLICY_REPLY_MAX)
				fail_msg("text of %zu bytes", strlen(v.text));
			policy_conf_free(&pc);
		}
	/* The longest reason still gives one line of bounded length. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[100] = '\n';
	make_conf(&pc, &cases[0]);
	make_facts(&pc, f, &cases[0]);
	f->exempt = NULL;
	f->has_block = 1;
	str_lcpy(f->block.reason, big, sizeof(f->block.reason));
	policy_decide(&pc, f, &v);
	sbuf_reset(&b);
	policy_action_format(&pc, &v, 1, &b);
	check_one_line("long reason", &b);
	if (strlen(v.text) > POLICY_REPLY_MAX)
		fail_msg("got text of %zu bytes, want at most %d",
		    strlen(v.text), POLICY_REPLY_MAX);
	policy_conf_free(&pc);
	sbuf_free(&b);
	free(f);
}

static void
test_failopen_format(void **state)
{
	struct policy_conf	pc;
	struct sbuf		b;
	char			err[256];

	(void)state;
	assert_int_equal(policy_conf_read(NULL, NULL, &pc, err, sizeof(err)),
	    0);
	sbuf_init(&b);
	policy_failopen_format(&pc, &b);
	assert_string_equal(b.s, "action=DUNNO\n\n");
	pc.fail_open = POLICY_DEFER;
	sbuf_reset(&b);
	policy_failopen_format(&pc, &b);
	if (strncmp(b.s, "action=DEFER_IF_PERMIT ", 23) != 0)
		fail_msg("got '%s', want DEFER_IF_PERMIT", b.s);
	check_one_line("fail-open defer", &b);
	sbuf_free(&b);
	policy_conf_free(&pc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_hostile_facts),
		cmocka_unit_test(test_failopen_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
