/*
 * test_reply.c: reply templates (policy/reply.c): every variable, $$ and
 * ${name}, unknown variables kept, sanitising of hostile values (CR/LF
 * injection, control bytes, non-ASCII, long values), the total cap and
 * small buffers; and the configuration-time check.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "policy/policy.h"

/* The invariants every expansion must keep, whatever the input. */
static void
check_text(const char *name, const char *out, size_t len, size_t cap)
{
	size_t	i;

	if (strlen(out) != len)
		fail_msg("%s: returned %zu, strlen %zu", name, len,
		    strlen(out));
	if (len > cap)
		fail_msg("%s: length %zu over cap %zu", name, len, cap);
	if (len > 0 && (out[0] == ' ' || out[len - 1] == ' '))
		fail_msg("%s: leading or trailing space in '%s'", name, out);
	for (i = 0; i < len; i++) {
		if ((unsigned char)out[i] < 0x20 ||
		    (unsigned char)out[i] > 0x7e)
			fail_msg("%s: byte 0x%02x at %zu", name,
			    (unsigned char)out[i], i);
		if (i > 0 && out[i] == ' ' && out[i - 1] == ' ')
			fail_msg("%s: two spaces at %zu", name, i);
	}
}

static const struct policy_vars vars = {
	.ip = "192.0.2.1",
	.list = "bl.example.org",
	.zone = "bl.example.org",
	.since = "2026-11-20",
	.listed = "2026-11-20T10:00:00Z",
	.reason = "hit spam traps 3 times",
	.url = "https://bl.example.org/lookup/192.0.2.1",
	.code = "127.0.0.2",
	.score = "4",
	.threshold = "3",
	.sender = "a@example.com",
	.helo = "mail.example.com",
	.spf = "fail",
	.explanation = "not authorised",
};

static const struct {
	const char	*name;
	const char	*tmpl;
	const char	*want;
} cases[] = {
	{ "issue example",
	    "Mail from $ip refused: listed on $list since $since ($reason); "
	    "see $url",
	    "Mail from 192.0.2.1 refused: listed on bl.example.org since "
	    "2026-11-20 (hit spam traps 3 times); see "
	    "https://bl.example.org/lookup/192.0.2.1" },
	{ "all", "$ip $list $zone $since $listed $reason $url $code $score "
	    "$threshold $sender $helo $spf $explanation",
	    "192.0.2.1 bl.example.org bl.example.org 2026-11-20 "
	    "2026-11-20T10:00:00Z hit spam traps 3 times "
	    "https://bl.example.org/lookup/192.0.2.1 127.0.0.2 4 3 "
	    "a@example.com mail.example.com fail not authorised" },
	{ "braces", "${ip}x${score}/${threshold}", "192.0.2.1x4/3" },
	{ "dollar", "cost $$5 $$ip", "cost $5 $ip" },
	{ "longest match", "$ipx $ip.", "$ipx 192.0.2.1." },
	{ "unknown kept", "$foo ${bar} $IP", "$foo ${bar} $IP" },
	{ "bad brace", "${ip ${} ${IP}", "${ip ${} ${IP}" },
	{ "lone dollar", "$ $5 end$", "$ $5 end$" },
	{ "punct after", "[$ip]", "[192.0.2.1]" },
	{ "spaces collapse", "  a   b  ", "a b" },
	{ "empty", "", "" },
	{ "only var", "$code", "127.0.0.2" },
};

static void
test_expand(void **state)
{
	char	out[POLICY_REPLY_MAX + 1];
	size_t	i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = policy_reply_expand(cases[i].tmpl, &vars, out,
		    sizeof(out));
		check_text(cases[i].name, out, n, POLICY_REPLY_MAX);
		if (strcmp(out, cases[i].want) != 0)
			fail_msg("%s: got '%s', want '%s'", cases[i].name,
			    out, cases[i].want);
	}
}

static const struct {
	const char	*name;
	const char	*reason;
	const char	*want;
} hostile[] = {
	{ "crlf smtp", "x\r\n250 OK\r\nMAIL FROM:<a>", "[x 250 OK MAIL "
	    "FROM:<a>]" },
	{ "lf only", "a\nb", "[a b]" },
	{ "tab nul-free ctl", "a\tb\x01\x7f" "c", "[a b c]" },
	{ "bell esc", "\x07\x1b[31mred", "[[31mred]" },
	{ "utf-8", "caf\xc3\xa9", "[caf??]" },
	{ "high bytes", "\x80\xff", "[??]" },
	{ "only ctl", "\r\n\t", "[]" },
	{ "leading trailing", "  x  ", "[x]" },
	{ "dollar not re-expanded", "$ip ${ip} $$", "[$ip ${ip} $$]" },
	{ "empty", "", "[]" },
};

static void
test_hostile(void **state)
{
	struct policy_vars	v;
	char			out[POLICY_REPLY_MAX + 1];
	size_t			i, n;

	(void)state;
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		memset(&v, 0, sizeof(v));
		v.reason = hostile[i].reason;
		n = policy_reply_expand("[$reason]", &v, out, sizeof(out));
		check_text(hostile[i].name, out, n, POLICY_REPLY_MAX);
		if (strcmp(out, hostile[i].want) != 0)
			fail_msg("%s: got '%s', want '%s'", hostile[i].name,
			    out, hostile[i].want);
	}
	/* A NULL vars and NULL values expand to nothing. */
	n = policy_reply_expand("a $ip b $reason c", NULL, out, sizeof(out));
	assert_string_equal(out, "a b c");
	assert_int_equal(n, 5);
	/* A hostile template is cleaned just the same. */
	n = policy_reply_expand("\r\n554 x\x00", &vars, out, sizeof(out));
	assert_string_equal(out, "554 x");
	n = policy_reply_expand("a\r\n\x80z", &vars, out, sizeof(out));
	check_text("template", out, n, POLICY_REPLY_MAX);
	assert_string_equal(out, "a ?z");
}

/* One variable is cut at POLICY_VAR_MAX with "...". */
static void
test_var_cap(void **state)
{
	struct policy_vars	v;
	char			big[3000], out[POLICY_REPLY_MAX + 1];
	size_t			n;

	(void)state;
	memset(&v, 0, sizeof(v));
	memset(big, 'r', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	v.reason = big;
	n = policy_reply_expand("$reason", &v, out, sizeof(out));
	check_text("var cap", out, n, POLICY_REPLY_MAX);
	assert_int_equal(n, POLICY_VAR_MAX);
	assert_string_equal(out + n - 3, "...");
	assert_int_equal(out[n - 4], 'r');

	/* Exactly POLICY_VAR_MAX bytes: kept whole. */
	big[POLICY_VAR_MAX] = '\0';
	n = policy_reply_expand("$reason", &v, out, sizeof(out));
	assert_int_equal(n, POLICY_VAR_MAX);
	assert_int_equal(out[n - 1], 'r');

	/* Cut right after a space: no space before the dots. */
	memset(big, 'r', POLICY_VAR_MAX + 10);
	big[POLICY_VAR_MAX - 4] = ' ';
	big[POLICY_VAR_MAX + 10] = '\0';
	n = policy_reply_expand("<$reason>", &v, out, sizeof(out));
	check_text("var cap space", out, n, POLICY_REPLY_MAX);
	assert_null(strstr(out, " ..."));

	/* Control bytes that collapse do not count against the cap. */
	memset(big, '\n', 1000);
	memcpy(big + 1000, "ok", 3);
	n = policy_reply_expand("$reason", &v, out, sizeof(out));
	assert_string_equal(out, "ok");
}

/* The whole reply is cut at POLICY_REPLY_MAX, or the buffer. */
static void
test_total_cap(void **state)
{
	struct policy_vars	v;
	char			val[POLICY_VAR_MAX * 2], tmpl[POLICY_TEMPLATE_MAX];
	char			out[2048], small[16];
	size_t			n, sizes[] = { 1, 2, 3, 4, 5, 8, 16 }, i;

	(void)state;
	memset(&v, 0, sizeof(v));
	memset(val, 'v', sizeof(val) - 1);
	val[sizeof(val) - 1] = '\0';
	v.reason = val;
	v.list = val;
	v.helo = val;
	snprintf(tmpl, sizeof(tmpl), "$reason $list $helo $reason $list");
	n = policy_reply_expand(tmpl, &v, out, sizeof(out));
	check_text("total cap", out, n, POLICY_REPLY_MAX);
	assert_int_equal(n, POLICY_REPLY_MAX);
	assert_string_equal(out + n - 3, "...");

	/* Long literal text is capped too. */
	memset(tmpl, 'x', sizeof(tmpl) - 1);
	tmpl[sizeof(tmpl) - 1] = '\0';
	n = policy_reply_expand(tmpl, &v, out, sizeof(out));
	assert_int_equal(n, POLICY_REPLY_MAX);

	/* Small buffers: always terminated, never over. */
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(small, 'Z', sizeof(small));
		n = policy_reply_expand("hello $ip world", &vars, small,
		    sizes[i]);
		if (n >= sizes[i])
			fail_msg("outlen %zu: got length %zu", sizes[i], n);
		check_text("small", small, n, sizes[i] - 1);
		if (sizes[i] < sizeof(small) && small[sizes[i]] != 'Z')
			fail_msg("outlen %zu: wrote past the buffer",
			    sizes[i]);
	}
	n = policy_reply_expand("hello", &vars, small, 0);
	assert_int_equal(n, 0);
}

static const struct {
	const char	*name;
	const char	*tmpl;
	int		 rc;
	const char	*err;
} check_cases[] = {
	{ "ok", "Mail from $ip refused: see $url", 0, NULL },
	{ "ok braces dollar", "${ip}$$ ${explanation}", 0, NULL },
	{ "ok all", "$ip $list $zone $since $listed $reason $url $code "
	    "$score $threshold $sender $helo $spf $explanation", 0, NULL },
	{ "empty", "", -1, "empty" },
	{ "unknown", "listed: $resaon", -1, "unknown variable '$resaon'" },
	{ "unknown brace", "${foo}", -1, "unknown variable '$foo'" },
	{ "longest match", "$ipaddr", -1, "unknown variable '$ipaddr'" },
	{ "lone dollar", "cost 5$", -1, "names no variable" },
	{ "dollar digit", "$5", -1, "names no variable" },
	{ "upper", "$IP", -1, "names no variable" },
	{ "open brace", "${ip", -1, "names no variable" },
	{ "empty brace", "${}", -1, "names no variable" },
	{ "cr", "a\rb", -1, "control character 0x0d" },
	{ "lf", "a\nb", -1, "control character 0x0a" },
	{ "tab", "a\tb", -1, "control character 0x09" },
	{ "del", "a\x7f" "b", -1, "control character 0x7f" },
	{ "utf-8", "caf\xc3\xa9", -1, "non-ASCII" },
};

static void
test_check(void **state)
{
	char	err[256], big[POLICY_TEMPLATE_MAX + 1];
	size_t	i;
	int	rc;

	(void)state;
	for (i = 0; i < sizeof(check_cases) / sizeof(check_cases[0]); i++) {
		err[0] = '\0';
		rc = policy_reply_check(check_cases[i].tmpl, err, sizeof(err));
		if (rc != check_cases[i].rc)
			fail_msg("%s: got %d (%s), want %d",
			    check_cases[i].name, rc, err, check_cases[i].rc);
		if (rc == -1 && strstr(err, check_cases[i].err) == NULL)
			fail_msg("%s: got '%s', want '%s'",
			    check_cases[i].name, err, check_cases[i].err);
	}
	memset(big, 'a', sizeof(big));
	big[POLICY_TEMPLATE_MAX - 1] = '\0';
	assert_int_equal(policy_reply_check(big, err, sizeof(err)), 0);
	big[POLICY_TEMPLATE_MAX - 1] = 'a';
	big[POLICY_TEMPLATE_MAX] = '\0';
	assert_int_equal(policy_reply_check(big, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_var_cap),
		cmocka_unit_test(test_total_cap),
		cmocka_unit_test(test_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
