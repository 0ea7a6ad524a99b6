/*
 * fuzz_policy_verdict.c: the decision (policy_decide) and the reply lines
 * (policy_action_format, policy_failopen_format) on facts built from
 * arbitrary bytes, against a hand-built configuration: several remote
 * sites (labels, a shared zone, a negative weight, a 253-byte zone, reply
 * and URL templates using every variable), an allowlist and a blocklist
 * with their own actions and templates.
 *
 * Input: a header of bytes choosing the configuration's actions, the
 * threshold, the reject code, the templates and the SPF settings; then
 * the facts: flags, counts, states, weights, codes, times, and strings of
 * arbitrary bytes (client address, sender, HELO, recipient, the local
 * hits' zone, prefix, reason and URL, the SPF explanation and header),
 * each a length byte and that many bytes. Missing input reads as zeros.
 *
 * Invariants: the verdict is deterministic; its reply text is printable
 * ASCII within POLICY_REPLY_MAX bytes; its header is printable ASCII; the
 * rules follow the order of policy.h (exempt and allowlist are DUNNO, the
 * dnsbl rule needs a positive score at the threshold, a clean client
 * with no block, no SPF fail and nothing unanswered passes); every reply
 * line is exactly one "action=..." line followed by "\n\n", printable
 * ASCII, with no other CR or LF.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/str.h"
#include "policy/policy.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define INPUT_MAX	16384
#define NSITES		7

struct in {
	const uint8_t	*p;
	size_t		 left;
};

static unsigned
byte(struct in *in)
{
	if (in->left == 0)
		return 0;
	in->left--;
	return *in->p++;
}

static int
i16(struct in *in)
{
	unsigned	hi = byte(in);

	return (int16_t)(uint16_t)((hi << 8) | byte(in));
}

static uint32_t
u32(struct in *in)
{
	uint32_t	v = 0;
	int		i;

	for (i = 0; i < 4; i++)
		v = (v << 8) | byte(in);
	return v;
}

static int64_t
i64(struct in *in)
{
	uint64_t	v = 0;
	int		i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | byte(in);
	return (int64_t)v;
}

/*
 * A string of arbitrary bytes into dst (size bytes): a length byte, or
 * 0xff for "as long as fits" (filled from the input, repeated), NUL
 * bytes becoming 'x' so the length is what the fuzzer chose.
 */
static void
str(struct in *in, char *dst, size_t size)
{
	size_t	n = byte(in), i;

	if (n == 0xff)
		n = size - 1;
	if (n > size - 1)
		n = size - 1;
	for (i = 0; i < n; i++) {
		dst[i] = (char)(in->left > 0 ? byte(in) : (unsigned)'a' + i % 26);
		if (dst[i] == '\0')
			dst[i] = 'x';
	}
	dst[n] = '\0';
}

/* The conf holds templates as char *: writable copies. */
static char	t_all[] = "$ip $list $zone $since $listed $reason $url $code "
		    "$score $threshold $sender $helo $spf $explanation $$ "
		    "${ip}x $unknown";
static char	t_reason[] = "Blocked: $reason ($url)";
static char	t_empty[] = "";
static char	t_spaces[] = "   $sender   $helo   ";
static char	t_url[] = "https://lookup.example/?ip=$ip&z=$zone";
static char	t_tag[] = "X-Fairlist-Test";

static char *const	templates[] = {
	NULL, t_all, t_reason, t_empty, t_spaces
};

static char *
template(struct in *in)
{
	return templates[byte(in) % (sizeof(templates) / sizeof(templates[0]))];
}

static enum policy_action
action(struct in *in)
{
	return (enum policy_action)(byte(in) % 5);
}

static void
long_zone(char *z)
{
	size_t	i;

	/* 253 bytes: labels of 63 and a short last one. */
	for (i = 0; i < 253; i++)
		z[i] = i % 64 == 63 ? '.' : 'q';
	z[253] = '\0';
}

static void
check_text(const char *s, size_t max, const char *what)
{
	size_t	n = strnlen(s, max + 1);

	(void)what;
	if (n > max)
		abort();
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			abort();
}

/* Exactly "action=...\n\n", printable ASCII on the one line. */
static void
check_line(const struct sbuf *b)
{
	size_t	i;

	if (b->len < 9 || strncmp(b->s, "action=", 7) != 0 ||
	    b->s[b->len - 1] != '\n' || b->s[b->len - 2] != '\n' ||
	    strlen(b->s) != b->len)
		abort();
	for (i = 0; i < b->len - 2; i++)
		if ((unsigned char)b->s[i] < 0x20 ||
		    (unsigned char)b->s[i] > 0x7e)
			abort();
	/* The reply text is bounded too: no line Postfix would choke on. */
	if (b->len - 2 > 7 + 10 + POLICY_REPLY_MAX + POLICY_HEADER_MAX)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct policy_conf	 pc;
	static struct policy_facts	 f;
	static const char *const	 zones[NSITES] = {
		"bl.example", "zen.spamhaus.org", "zen.spamhaus.org",
		"dnswl.example", "bl.spamcop.net", "x.example", NULL
	};
	static const char *const	 labels[NSITES] = {
		NULL, "Spamhaus SBL", "Spamhaus PBL", NULL, "SpamCop", NULL,
		NULL
	};
	struct policy_verdict		 v, v2;
	struct in			 in = { data, size };
	struct sbuf			 b;
	const char			*rules[] = { "exempt", "allowlist",
	    "blocklist", "dnsbl", "spf", "pass", "fail-open" };
	int				 i, k, n, with, known, open;

	if (size > INPUT_MAX)
		return 0;

	/* The configuration. */
	memset(&pc, 0, sizeof(pc));
	pc.nsites = NSITES;
	for (i = 0; i < NSITES; i++) {
		struct policy_site	*s = &pc.sites[i];

		if (zones[i] != NULL)
			str_lcpy(s->zone, zones[i], sizeof(s->zone));
		else
			long_zone(s->zone);
		s->label = labels[i];
		s->weight = i == 3 ? -i16(&in) : i16(&in);
		s->reply = template(&in);
		s->url = byte(&in) & 1 ? t_url : NULL;
		s->has_filter = 0;
	}
	pc.nlocal = 2;
	str_lcpy(pc.local[0].zone, "allow.local", sizeof(pc.local[0].zone));
	pc.local[0].allow = 1;
	str_lcpy(pc.local[1].zone, "block.local", sizeof(pc.local[1].zone));
	pc.local[1].action = action(&in);
	pc.local[1].reply = template(&in);
	pc.threshold = i16(&in);
	pc.action = action(&in);
	pc.fail_open = byte(&in) & 1 ? POLICY_DEFER : POLICY_DUNNO;
	pc.dnsbl_reply = template(&in);
	pc.spf = 1;
	pc.spf_helo = byte(&in) & 1;
	pc.spf_fail_action = action(&in);
	pc.spf_header = (enum policy_spf_header)(byte(&in) % 3);
	pc.spf_reply = template(&in);
	pc.tag_header = byte(&in) & 1 ? t_tag : NULL;
	pc.reject_code = 400 + byte(&in) * 2;

	/* The facts. */
	memset(&f, 0, sizeof(f));
	str(&in, f.ip, sizeof(f.ip));
	str(&in, f.sender, sizeof(f.sender));
	str(&in, f.helo, sizeof(f.helo));
	str(&in, f.recipient, sizeof(f.recipient));
	f.now = i64(&in);
	k = byte(&in);
	f.exempt = k & 1 ? "network" : NULL;
	f.has_allow = (k >> 1) & 1;
	f.has_block = (k >> 2) & 1;
	f.timed_out = (k >> 3) & 1;
	f.spf_done = (k >> 4) & 1;
	f.helo_done = (k >> 5) & 1;
	f.allow.local = &pc.local[0];
	str_lcpy(f.allow.zone, pc.local[0].zone, sizeof(f.allow.zone));
	f.block.local = byte(&in) & 1 ? &pc.local[1] : NULL;
	str(&in, f.block.zone, sizeof(f.block.zone));
	str(&in, f.block.prefix, sizeof(f.block.prefix));
	str(&in, f.block.reason, sizeof(f.block.reason));
	str(&in, f.block.url, sizeof(f.block.url));
	f.block.listed_at = i64(&in);
	f.block.expires_at = i64(&in);
	f.block.code = u32(&in);
	f.spf_result = (enum spf_result)(byte(&in) % 7);
	f.helo_result = (enum spf_result)(byte(&in) % 7);
	str(&in, f.spf_explanation, sizeof(f.spf_explanation));
	str(&in, f.spf_header, sizeof(f.spf_header));
	f.nlists = byte(&in) % (NSITES + 1);
	for (i = 0; i < f.nlists; i++) {
		struct policy_list_result	*r = &f.lists[i];

		k = byte(&in);
		r->site = k & 0x80 ? NULL : &pc.sites[i];
		r->state = (enum policy_list_state)((k & 0x7f) % 6);
		/* The engine counts the site's weight, or a fuzzed one. */
		r->weight = r->state != POLICY_LIST_LISTED ? 0 :
		    (k & 0x40) && r->site != NULL ? r->site->weight : i16(&in);
		r->ncodes = byte(&in) % (POLICY_CODES_MAX + 1);
		for (n = 0; n < r->ncodes; n++)
			r->codes[n] = u32(&in);
		r->cached = byte(&in) & 1;
		r->ttl = u32(&in);
	}

	policy_decide(&pc, &f, &v);
	policy_decide(&pc, &f, &v2);

	/* Pure: the same verdict twice. */
	if (v.action != v2.action || v.rule != v2.rule ||
	    v.score != v2.score || strcmp(v.text, v2.text) != 0 ||
	    strcmp(v.header, v2.header) != 0)
		abort();
	for (known = 0, i = 0; i < (int)(sizeof(rules) / sizeof(rules[0]));
	    i++)
		if (v.rule != NULL && strcmp(v.rule, rules[i]) == 0)
			known = 1;
	if (!known)
		abort();
	check_text(v.text, POLICY_REPLY_MAX, "text");
	check_text(v.header, POLICY_HEADER_MAX - 1, "header");
	if (v.threshold != pc.threshold)
		abort();

	/* The order of judgement. */
	if (f.exempt != NULL && (strcmp(v.rule, "exempt") != 0 ||
	    v.action != POLICY_DUNNO || v.header[0] != '\0'))
		abort();
	if (f.exempt == NULL && f.has_allow &&
	    (strcmp(v.rule, "allowlist") != 0 || v.action != POLICY_DUNNO))
		abort();
	if (f.exempt == NULL && !f.has_allow && f.has_block &&
	    strcmp(v.rule, "blocklist") != 0)
		abort();
	if (strcmp(v.rule, "dnsbl") == 0 &&
	    (v.score <= 0 || v.score < pc.threshold))
		abort();
	/* Nothing against the client: it passes. */
	open = 0;
	for (i = 0; i < f.nlists; i++)
		if (f.lists[i].state == POLICY_LIST_LISTED ||
		    f.lists[i].state == POLICY_LIST_TEMPFAIL ||
		    f.lists[i].state == POLICY_LIST_PENDING)
			open = 1;
	if (f.exempt == NULL && !f.has_allow && !f.has_block && !open &&
	    !f.spf_done && !f.helo_done && (strcmp(v.rule, "pass") != 0 ||
	    v.action != POLICY_DUNNO))
		abort();
	if (v.action != POLICY_DUNNO && v.action != POLICY_TAG &&
	    v.text[0] == '\0')
		abort();

	/* The lines Postfix reads. */
	sbuf_init(&b);
	for (with = 0; with < 2; with++) {
		sbuf_reset(&b);
		policy_action_format(&pc, &v, with, &b);
		check_line(&b);
		if (!with && strncmp(b.s, "action=PREPEND", 14) == 0)
			abort();
	}
	sbuf_reset(&b);
	policy_failopen_format(&pc, &b);
	check_line(&b);
	sbuf_free(&b);
	return 0;
}
