/*
 * verdict.c: the decision, facts in and verdict out, and the reply lines
 * Postfix reads.
 *
 * Pure: no I/O, no clock, no allocation. The rules and their order are
 * those of policy_decide() in policy.h (docs/POLICY.md):
 *
 *	exempt > allowlist > blocklist > dnsbl > spf > fail-open > pass
 *
 * A DNSBL score only rejects when it is positive and reaches the
 * threshold, so negative weights (allowlist DNSBLs) and a threshold of 0
 * never turn a clean client into a listed one. Fail-open is narrow: only
 * when the lists still unanswered (TEMPFAIL, PENDING) carry enough
 * positive weight to reach the threshold, or SPF was cut off by the
 * deadline while an SPF fail would have acted. ERROR and DEAD lists are
 * the list's own fault and count as clean.
 *
 * Every text that reaches Postfix is one line of printable ASCII: reply
 * texts come from policy_reply_expand() (which sanitises each variable),
 * and the formatting below scrubs control bytes once more, so a listing
 * reason with CR/LF can never add a line to the policy reply.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/str.h"
#include "policy/policy.h"

#define TPL_BLOCK	"Mail from $ip refused: listed on $zone since " \
			"$since ($reason)"
#define TPL_BLOCK_URL	TPL_BLOCK "; see $url"
#define TPL_DNSBL	"Mail from $ip refused: listed on $list (score " \
			"$score, threshold $threshold)"
#define TPL_DNSBL_URL	TPL_DNSBL "; see $url"
#define TPL_SPF		"Mail from $ip refused: SPF $spf for <$sender>: " \
			"$explanation"
#define TEXT_FAILOPEN	"Sender checks did not finish in time, try " \
			"again later"
#define TEXT_DEFAULT	"Access denied"
#define TAG_DEFAULT	"X-Fairlist"

/* Keep printable ASCII; anything else becomes a space (header safety). */
static void
scrub(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = ' ';
}

/* Append src to dst (size bytes) as printable ASCII only. */
static void
cat_clean(char *dst, size_t size, const char *src)
{
	size_t	n = strlen(dst);

	for (; *src != '\0' && n + 1 < size; src++, n++) {
		unsigned char	c = (unsigned char)*src;

		dst[n] = c >= 0x20 && c <= 0x7e ? (char)c : '?';
	}
	dst[n] = '\0';
}

static const char *
site_name(const struct policy_site *s)
{
	return s->label != NULL ? s->label : s->zone;
}

static void
fmt_since(char *dst, size_t size, int64_t t)
{
	struct tm	tm;
	time_t		tt = (time_t)t;

	dst[0] = '\0';
	if (t <= 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(dst, size, "%Y-%m-%d", &tm) == 0)
		str_lcpy(dst, "unknown", size);
}

static int
counts_listed(const struct policy_list_result *r)
{
	return r->state == POLICY_LIST_LISTED && r->site != NULL;
}

static int
score_of(const struct policy_facts *f)
{
	int	i, score = 0;

	for (i = 0; i < f->nlists; i++)
		if (counts_listed(&f->lists[i]))
			score += f->lists[i].weight;
	return score;
}

/* Could the lists still unanswered have lifted score to the threshold? */
static int
missing_could_list(const struct policy_conf *pc,
    const struct policy_facts *f, int score)
{
	int	i, more = 0;

	for (i = 0; i < f->nlists; i++) {
		const struct policy_list_result	*r = &f->lists[i];

		if ((r->state == POLICY_LIST_TEMPFAIL ||
		    r->state == POLICY_LIST_PENDING) && r->site != NULL &&
		    r->site->weight > 0)
			more += r->site->weight;
	}
	return more > 0 && score + more >= pc->threshold &&
	    score + more > 0;
}

static int
spf_failed(const struct policy_conf *pc, const struct policy_facts *f)
{
	return (f->spf_done && f->spf_result == SPF_FAIL) ||
	    (pc->spf_helo && f->helo_done && f->helo_result == SPF_FAIL);
}

static void
decide_block(const struct policy_conf *pc, const struct policy_facts *f,
    struct policy_verdict *v)
{
	const struct policy_local_hit	*h = &f->block;
	struct policy_vars		 vars;
	char				 since[32], listed[32], code[16];
	const char			*tpl;

	(void)pc;
	v->rule = "blocklist";
	v->action = h->local != NULL ? h->local->action : POLICY_REJECT;
	fmt_since(since, sizeof(since), h->listed_at);
	if (h->listed_at > 0)
		str_isotime(listed, sizeof(listed), h->listed_at);
	else
		str_lcpy(listed, "unknown", sizeof(listed));
	addr_v4_text(h->code, code, sizeof(code));
	memset(&vars, 0, sizeof(vars));
	vars.ip = f->ip;
	vars.list = h->zone;
	vars.zone = h->zone;
	vars.since = since;
	vars.listed = listed;
	vars.reason = h->reason[0] != '\0' ? h->reason : "no reason given";
	vars.url = h->url;
	vars.code = code;
	vars.sender = f->sender;
	vars.helo = f->helo;
	if (h->local != NULL && h->local->reply != NULL)
		tpl = h->local->reply;
	else
		tpl = h->url[0] != '\0' ? TPL_BLOCK_URL : TPL_BLOCK;
	policy_reply_expand(tpl, &vars, v->text, sizeof(v->text));
}

static void
decide_dnsbl(const struct policy_conf *pc, const struct policy_facts *f,
    struct policy_verdict *v)
{
	const struct policy_list_result	*top = NULL;
	const char			*last = NULL;
	struct policy_vars		 vars;
	char				 names[POLICY_VAR_MAX + 1];
	char				 score[16], thr[16], code[16];
	char				 url[POLICY_REPLY_MAX + 1];
	const char			*tpl;
	int				 i;

	v->rule = "dnsbl";
	v->action = pc->action;
	names[0] = '\0';
	for (i = 0; i < f->nlists; i++) {
		const struct policy_list_result	*r = &f->lists[i];

		if (!counts_listed(r) || r->weight <= 0)
			continue;
		if (top == NULL || r->weight > top->weight)
			top = r;
		/* Sites of one preset share a name: say it once. */
		if (last != NULL && strcmp(last, site_name(r->site)) == 0)
			continue;
		if (names[0] != '\0')
			cat_clean(names, sizeof(names), ", ");
		cat_clean(names, sizeof(names), site_name(r->site));
		last = site_name(r->site);
	}
	snprintf(score, sizeof(score), "%d", v->score);
	snprintf(thr, sizeof(thr), "%d", v->threshold);
	memset(&vars, 0, sizeof(vars));
	vars.ip = f->ip;
	url[0] = '\0';
	code[0] = '\0';
	if (top != NULL) {
		vars.zone = top->site->zone;
		vars.list = site_name(top->site);
		if (top->site->url != NULL)
			policy_reply_expand(top->site->url, &vars, url,
			    sizeof(url));
		if (top->ncodes > 0)
			addr_v4_text(top->codes[0], code, sizeof(code));
	}
	vars.list = names;
	vars.url = url;
	vars.code = code;
	vars.score = score;
	vars.threshold = thr;
	vars.sender = f->sender;
	vars.helo = f->helo;
	if (top != NULL && top->site->reply != NULL)
		tpl = top->site->reply;
	else if (pc->dnsbl_reply != NULL)
		tpl = pc->dnsbl_reply;
	else
		tpl = url[0] != '\0' ? TPL_DNSBL_URL : TPL_DNSBL;
	policy_reply_expand(tpl, &vars, v->text, sizeof(v->text));
}

static void
decide_spf(const struct policy_conf *pc, const struct policy_facts *f,
    struct policy_verdict *v)
{
	struct policy_vars	 vars;
	char			 pm[300];
	int			 helo = !(f->spf_done &&
				    f->spf_result == SPF_FAIL);

	v->rule = "spf";
	v->action = pc->spf_fail_action;
	memset(&vars, 0, sizeof(vars));
	vars.ip = f->ip;
	vars.helo = f->helo;
	vars.spf = spf_result_str(SPF_FAIL);
	vars.explanation = helo ? "" : f->spf_explanation;
	/* RFC 7208 section 2.4: an empty sender is postmaster@helo. */
	if (helo || f->sender[0] == '\0') {
		snprintf(pm, sizeof(pm), "postmaster@%s", f->helo);
		vars.sender = pm;
	} else
		vars.sender = f->sender;
	policy_reply_expand(pc->spf_reply != NULL ? pc->spf_reply : TPL_SPF,
	    &vars, v->text, sizeof(v->text));
}

/* "X-Fairlist: rule=dnsbl score=4/3 lists=a,b spf=pass": for TAG. */
static void
tag_header(const struct policy_conf *pc, const struct policy_facts *f,
    struct policy_verdict *v)
{
	char		*h = v->header;
	const char	*last = NULL;
	size_t		 hs = sizeof(v->header);
	char		 num[64];
	int		 i, first = 1;

	h[0] = '\0';
	cat_clean(h, hs, pc->tag_header != NULL && pc->tag_header[0] != '\0' ?
	    pc->tag_header : TAG_DEFAULT);
	cat_clean(h, hs, ": rule=");
	cat_clean(h, hs, v->rule);
	if (f->has_block && strcmp(v->rule, "blocklist") == 0) {
		cat_clean(h, hs, " zone=");
		cat_clean(h, hs, f->block.zone);
	}
	snprintf(num, sizeof(num), " score=%d/%d", v->score, v->threshold);
	cat_clean(h, hs, num);
	for (i = 0; i < f->nlists; i++) {
		const struct policy_list_result	*r = &f->lists[i];

		if (!counts_listed(r))
			continue;
		/* Sites of one zone (presets) come in a row: name it once. */
		if (last != NULL && strcmp(last, r->site->zone) == 0)
			continue;
		cat_clean(h, hs, first ? " lists=" : ",");
		cat_clean(h, hs, r->site->zone);
		last = r->site->zone;
		first = 0;
	}
	if (f->spf_done) {
		cat_clean(h, hs, " spf=");
		cat_clean(h, hs, spf_result_str(f->spf_result));
	}
	scrub(h);
}

void
policy_decide(const struct policy_conf *pc, const struct policy_facts *f,
    struct policy_verdict *v)
{
	v->action = POLICY_DUNNO;
	v->rule = "pass";
	v->text[0] = '\0';
	v->header[0] = '\0';
	v->score = score_of(f);
	v->threshold = pc->threshold;

	if (f->exempt != NULL) {
		v->rule = "exempt";
		return;
	}
	if (f->has_allow) {
		v->rule = "allowlist";
		return;
	}
	if (f->has_block)
		decide_block(pc, f, v);
	else if (v->score > 0 && v->score >= pc->threshold)
		decide_dnsbl(pc, f, v);
	else if (pc->spf_fail_action != POLICY_DUNNO && spf_failed(pc, f))
		decide_spf(pc, f, v);
	else if ((pc->action != POLICY_DUNNO &&
	    missing_could_list(pc, f, v->score)) ||
	    (f->timed_out && pc->spf_fail_action != POLICY_DUNNO &&
	    f->spf_done && f->spf_result == SPF_TEMPERROR)) {
		v->rule = "fail-open";
		v->action = pc->fail_open;
		if (v->action != POLICY_DUNNO)
			str_lcpy(v->text, TEXT_FAILOPEN, sizeof(v->text));
	}
	if (v->action == POLICY_DUNNO && strcmp(v->rule, "exempt") != 0) {
		/* A pass (or a DUNNO rule) still records SPF. */
		if (f->spf_header[0] != '\0') {
			str_lcpy(v->header, f->spf_header,
			    sizeof(v->header));
			scrub(v->header);
		}
	} else if (v->action == POLICY_TAG)
		tag_header(pc, f, v);
	scrub(v->text);
	if (v->text[0] == '\0' && v->action != POLICY_DUNNO &&
	    v->action != POLICY_TAG)
		str_lcpy(v->text, TEXT_DEFAULT, sizeof(v->text));
}

/* Add text to b with any control byte turned into a space. */
static void
add_line(struct sbuf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char	c = (unsigned char)*s;

		sbuf_addc(b, c < 0x20 || c > 0x7e ? ' ' : c);
	}
}

void
policy_action_format(const struct policy_conf *pc,
    const struct policy_verdict *v, int with_header, struct sbuf *b)
{
	int	code;

	switch (v->action) {
	case POLICY_REJECT:
		code = pc->reject_code >= 500 && pc->reject_code <= 599 ?
		    pc->reject_code : 554;
		sbuf_printf(b, "action=%d 5.7.1 ", code);
		add_line(b, v->text[0] != '\0' ? v->text : TEXT_DEFAULT);
		break;
	case POLICY_DEFER:
		sbuf_adds(b, "action=DEFER_IF_PERMIT ");
		add_line(b, v->text[0] != '\0' ? v->text : TEXT_DEFAULT);
		break;
	case POLICY_REPORT:
		sbuf_adds(b, "action=WARN ");
		add_line(b, v->text[0] != '\0' ? v->text : TEXT_DEFAULT);
		break;
	case POLICY_TAG:
	case POLICY_DUNNO:
	default:
		/* The header goes once per message: with_header says. */
		if (with_header && v->header[0] != '\0') {
			sbuf_adds(b, "action=PREPEND ");
			add_line(b, v->header);
		} else
			sbuf_adds(b, "action=DUNNO");
		break;
	}
	sbuf_adds(b, "\n\n");
}

void
policy_failopen_format(const struct policy_conf *pc, struct sbuf *b)
{
	if (pc->fail_open == POLICY_DEFER)
		sbuf_adds(b, "action=DEFER_IF_PERMIT " TEXT_FAILOPEN "\n\n");
	else
		sbuf_adds(b, "action=DUNNO\n\n");
}
