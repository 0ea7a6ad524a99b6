/*
 * test_site.c: DNSBL sites in postscreen syntax (policy/site.c): zone
 * normalisation, filters, weights, malformed specs; matching answers
 * against filters; the error codes; and that every preset parses and
 * says what docs/POLICY.md says it does.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "policy/policy.h"

#define IP4(a, b, c, d)	(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | \
			    ((uint32_t)(c) << 8) | (uint32_t)(d))

static const struct {
	const char	*name;
	const char	*spec;
	int		 rc;
	const char	*zone;		/* want, if rc == 0 */
	int		 weight;
	int		 has_filter;
	const char	*err;		/* substring of the message, rc -1 */
} parse_cases[] = {
	{ "plain", "bl.example.org", 0, "bl.example.org", 1, 0, NULL },
	{ "upper case, dot", "BL.Example.ORG.", 0, "bl.example.org", 1, 0,
	    NULL },
	{ "weight", "bl.example.org*3", 0, "bl.example.org", 3, 0, NULL },
	{ "negative weight", "wl.example.org*-2", 0, "wl.example.org", -2, 0,
	    NULL },
	{ "zero weight", "bl.example.org*0", 0, "bl.example.org", 0, 0,
	    NULL },
	{ "filter", "bl.example.org=127.0.0.2", 0, "bl.example.org", 1, 1,
	    NULL },
	{ "filter weight", "bl.example.org=127.0.[0..3].[2;4;10..11]*5", 0,
	    "bl.example.org", 5, 1, NULL },
	{ "underscore", "_dnsbl.example.org", 0, "_dnsbl.example.org", 1, 0,
	    NULL },
	{ "max weight", "a.b*1000", 0, "a.b", 1000, 0, NULL },
	{ "min weight", "a.b*-1000", 0, "a.b", -1000, 0, NULL },

	{ "empty", "", -1, NULL, 0, 0, "empty zone" },
	{ "only dot", ".", -1, NULL, 0, 0, "empty zone" },
	{ "empty label", "bl..example.org", -1, NULL, 0, 0, "empty label" },
	{ "two trailing dots", "bl.example.org..", -1, NULL, 0, 0,
	    "empty label" },
	{ "leading dot", ".bl.example.org", -1, NULL, 0, 0, "empty label" },
	{ "bad char", "bl example.org", -1, NULL, 0, 0, "bad character" },
	{ "slash", "bl/x.org", -1, NULL, 0, 0, "bad character" },
	{ "control", "bl.example.org\r\n*3", -1, NULL, 0, 0, "control" },
	{ "non-ascii", "bl.\xc3\xa9xample.org", -1, NULL, 0, 0,
	    "bad character" },
	{ "empty zone filter", "=127.0.0.2", -1, NULL, 0, 0, "empty zone" },
	{ "weight x", "bl.example.org*x", -1, NULL, 0, 0, "not an integer" },
	{ "weight empty", "bl.example.org*", -1, NULL, 0, 0,
	    "not an integer" },
	{ "weight twice", "bl.example.org*2*3", -1, NULL, 0, 0,
	    "not an integer" },
	{ "weight space", "bl.example.org* 2", -1, NULL, 0, 0,
	    "not an integer" },
	{ "weight big", "bl.example.org*1001", -1, NULL, 0, 0, "range" },
	{ "weight small", "bl.example.org*-1001", -1, NULL, 0, 0, "range" },
	{ "weight huge", "bl.example.org*99999999999999999999", -1, NULL, 0,
	    0, "range" },
	{ "filter open list", "bl.example.org=127.0.0.[2..", -1, NULL, 0, 0,
	    "after '..'" },
	{ "filter unclosed", "bl.example.org=127.0.0.[2", -1, NULL, 0, 0,
	    "']'" },
	{ "filter three octets", "bl.example.org=127.0.0", -1, NULL, 0, 0,
	    "four octets" },
	{ "filter five octets", "bl.example.org=127.0.0.2.1", -1, NULL, 0, 0,
	    "trailing" },
	{ "filter 256", "bl.example.org=127.0.0.256", -1, NULL, 0, 0,
	    "0..255" },
	{ "filter 4 digits", "bl.example.org=127.0.0.0002", -1, NULL, 0, 0,
	    "0..255" },
	{ "filter empty", "bl.example.org=", -1, NULL, 0, 0, "0..255" },
	{ "filter empty star", "bl.example.org=*2", -1, NULL, 0, 0,
	    "0..255" },
	{ "filter empty list", "bl.example.org=127.0.0.[]", -1, NULL, 0, 0,
	    "in [list]" },
	{ "filter reversed", "bl.example.org=127.0.0.[9..2]", -1, NULL, 0, 0,
	    "m < n" },
	{ "filter comma", "bl.example.org=127.0.0.[2,3]", -1, NULL, 0, 0,
	    "';' or ']'" },
	{ "filter trailing ;", "bl.example.org=127.0.0.[2;]", -1, NULL, 0, 0,
	    "in [list]" },
	{ "filter negative", "bl.example.org=127.0.0.-2", -1, NULL, 0, 0,
	    "0..255" },
	{ "filter double eq", "bl.example.org=127.0.0.2=3", -1, NULL, 0, 0,
	    "trailing" },
	{ "filter range in [", "bl.example.org=127.0.0.[1..2..3]", -1, NULL,
	    0, 0, "';' or ']'" },
};

static void
test_parse(void **state)
{
	struct policy_site	s;
	char			err[256];
	size_t			i;
	int			rc;

	(void)state;
	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		err[0] = '\0';
		rc = policy_site_parse(parse_cases[i].spec, &s, err,
		    sizeof(err));
		if (rc != parse_cases[i].rc)
			fail_msg("%s: got rc %d (%s), want %d",
			    parse_cases[i].name, rc, err, parse_cases[i].rc);
		if (rc == -1) {
			if (strstr(err, parse_cases[i].err) == NULL)
				fail_msg("%s: got error '%s', want it to "
				    "contain '%s'", parse_cases[i].name, err,
				    parse_cases[i].err);
			if (strchr(err, '\r') != NULL ||
			    strchr(err, '\n') != NULL)
				fail_msg("%s: error has CR/LF",
				    parse_cases[i].name);
			continue;
		}
		if (strcmp(s.zone, parse_cases[i].zone) != 0)
			fail_msg("%s: got zone '%s', want '%s'",
			    parse_cases[i].name, s.zone, parse_cases[i].zone);
		if (s.weight != parse_cases[i].weight)
			fail_msg("%s: got weight %d, want %d",
			    parse_cases[i].name, s.weight,
			    parse_cases[i].weight);
		if (s.has_filter != parse_cases[i].has_filter)
			fail_msg("%s: got has_filter %d, want %d",
			    parse_cases[i].name, s.has_filter,
			    parse_cases[i].has_filter);
		if (s.server != NULL || s.reply != NULL || s.url != NULL ||
		    s.label != NULL)
			fail_msg("%s: parse set server/reply/url/label",
			    parse_cases[i].name);
	}
}

/* Zone length limits: 63-byte labels, 253 bytes in all. */
static void
test_zone_limits(void **state)
{
	struct policy_site	s;
	char			spec[600], err[256];
	size_t			n;

	(void)state;
	memset(spec, 'a', 63);
	memcpy(spec + 63, ".org", 5);
	assert_int_equal(policy_site_parse(spec, &s, err, sizeof(err)), 0);
	memset(spec, 'a', 64);
	memcpy(spec + 64, ".org", 5);
	assert_int_equal(policy_site_parse(spec, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "63"));

	/* 4 labels of 63 + 3 dots = 255; trim to exactly 253. */
	for (n = 0; n < 4; n++) {
		memset(spec + n * 64, 'b', 63);
		spec[n * 64 + 63] = '.';
	}
	spec[253] = '\0';
	assert_int_equal(strlen(spec), 253);
	assert_int_equal(policy_site_parse(spec, &s, err, sizeof(err)), 0);
	assert_int_equal(strlen(s.zone), 253);
	/* With a trailing dot it is still 253 bytes of name. */
	spec[253] = '.';
	spec[254] = '\0';
	assert_int_equal(policy_site_parse(spec, &s, err, sizeof(err)), 0);
	spec[253] = 'b';
	assert_int_equal(policy_site_parse(spec, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "253"));

	/* A huge spec: the message stays bounded. */
	memset(spec, 'c', sizeof(spec) - 1);
	spec[sizeof(spec) - 1] = '\0';
	assert_int_equal(policy_site_parse(spec, &s, err, sizeof(err)), -1);
	assert_true(strlen(err) < 200);
	/* A tiny error buffer is still terminated. */
	assert_int_equal(policy_site_parse("x..y", &s, err, 8), -1);
	assert_true(strlen(err) < 8);
}

static const struct {
	const char	*name;
	const char	*spec;
	uint32_t	 code;
	int		 want;
} match_cases[] = {
	{ "no filter .2", "a.b", IP4(127, 0, 0, 2), 1 },
	{ "no filter .11", "a.b", IP4(127, 0, 0, 11), 1 },
	{ "no filter 127.1.2.3", "a.b", IP4(127, 1, 2, 3), 1 },
	{ "no filter .1 error", "a.b", IP4(127, 0, 0, 1), 0 },
	{ "no filter 127.255.255.254", "a.b", IP4(127, 255, 255, 254), 0 },
	{ "no filter 127.255.255.252", "a.b", IP4(127, 255, 255, 252), 0 },
	{ "no filter outside 127/8", "a.b", IP4(10, 0, 0, 2), 0 },
	{ "no filter 0.0.0.0", "a.b", 0, 0 },
	{ "exact", "a.b=127.0.0.2", IP4(127, 0, 0, 2), 1 },
	{ "exact miss", "a.b=127.0.0.2", IP4(127, 0, 0, 3), 0 },
	{ "exact miss octet 3", "a.b=127.0.0.2", IP4(127, 0, 1, 2), 0 },
	{ "range lo", "a.b=127.0.0.[4..7]", IP4(127, 0, 0, 4), 1 },
	{ "range hi", "a.b=127.0.0.[4..7]", IP4(127, 0, 0, 7), 1 },
	{ "range below", "a.b=127.0.0.[4..7]", IP4(127, 0, 0, 3), 0 },
	{ "range above", "a.b=127.0.0.[4..7]", IP4(127, 0, 0, 8), 0 },
	{ "list", "a.b=127.0.0.[10;11]", IP4(127, 0, 0, 11), 1 },
	{ "list miss", "a.b=127.0.0.[10;11]", IP4(127, 0, 0, 12), 0 },
	{ "mixed", "a.b=127.0.[2..15].[0;2..3]", IP4(127, 0, 15, 3), 1 },
	{ "mixed miss", "a.b=127.0.[2..15].[0;2..3]", IP4(127, 0, 16, 3), 0 },
	{ "mixed miss 1", "a.b=127.0.[2..15].[0;2..3]", IP4(127, 0, 2, 1), 0 },
	{ "full range", "a.b=127.[0..255].[0..255].[0..255]",
	    IP4(127, 200, 1, 255), 1 },
	/* An explicit filter on an error code still never matches. */
	{ "filter on error", "a.b=127.255.255.254", IP4(127, 255, 255, 254),
	    0 },
	{ "filter on .1", "a.b=127.0.0.1", IP4(127, 0, 0, 1), 0 },
	{ "filter outside 127", "a.b=10.0.0.2", IP4(10, 0, 0, 2), 0 },
};

static void
test_match(void **state)
{
	struct policy_site	s;
	char			err[256];
	size_t			i;
	int			got;

	(void)state;
	for (i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
		if (policy_site_parse(match_cases[i].spec, &s, err,
		    sizeof(err)) == -1)
			fail_msg("%s: parse: %s", match_cases[i].name, err);
		got = policy_site_match(&s, match_cases[i].code);
		if (got != match_cases[i].want)
			fail_msg("%s: got %d, want %d", match_cases[i].name,
			    got, match_cases[i].want);
	}
}

static void
test_error_codes(void **state)
{
	static const struct {
		uint32_t	code;
		int		want;
	} c[] = {
		{ IP4(127, 0, 0, 1), 1 },
		{ IP4(127, 0, 0, 2), 0 },
		{ IP4(127, 0, 0, 0), 0 },
		{ IP4(127, 0, 1, 2), 0 },
		{ IP4(127, 255, 254, 255), 0 },
		{ IP4(127, 255, 255, 0), 1 },
		{ IP4(127, 255, 255, 252), 1 },
		{ IP4(127, 255, 255, 254), 1 },
		{ IP4(127, 255, 255, 255), 1 },
		{ IP4(126, 255, 255, 255), 1 },
		{ IP4(128, 0, 0, 2), 1 },
		{ IP4(0, 0, 0, 0), 1 },
		{ IP4(192, 0, 2, 1), 1 },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		if (policy_code_is_error(c[i].code) != c[i].want)
			fail_msg("code %08x: got %d, want %d",
			    (unsigned)c[i].code,
			    policy_code_is_error(c[i].code), c[i].want);
}

/* Score of code against every site of a preset. */
static int
preset_score(const struct policy_preset *p, uint32_t code)
{
	struct policy_site	s;
	char			err[256];
	int			i, score = 0;

	for (i = 0; p->sites[i] != NULL; i++) {
		if (policy_site_parse(p->sites[i], &s, err, sizeof(err)) == -1)
			fail_msg("preset %s: %s", p->name, err);
		if (policy_site_match(&s, code))
			score += s.weight;
	}
	return score;
}

static void
test_presets(void **state)
{
	const struct policy_preset *const *all;
	const struct policy_preset	*zen, *uce, *sc;
	int				 n, i, nlabels;

	(void)state;
	for (all = policy_presets(), n = 0; all[n] != NULL; n++) {
		assert_ptr_equal(policy_preset_find(all[n]->name), all[n]);
		assert_non_null(all[n]->about);
		assert_non_null(all[n]->url);
		assert_non_null(strstr(all[n]->url, "$ip"));
		assert_int_equal(strncmp(all[n]->url, "https://", 8), 0);
		for (i = 0; all[n]->sites[i] != NULL; i++)
			assert_non_null(all[n]->labels[i]);
		for (nlabels = 0; all[n]->labels[nlabels] != NULL; nlabels++)
			;
		if (nlabels != i)
			fail_msg("preset %s: %d labels, want %d",
			    all[n]->name, nlabels, i);
		(void)preset_score(all[n], IP4(127, 0, 0, 2));
	}
	assert_true(n >= 6);
	assert_null(policy_preset_find("spamhaus"));
	assert_null(policy_preset_find(""));

	zen = policy_preset_find("spamhaus-zen");
	assert_non_null(zen);
	assert_int_equal(preset_score(zen, IP4(127, 0, 0, 2)), 3);
	assert_int_equal(preset_score(zen, IP4(127, 0, 0, 3)), 3);
	assert_int_equal(preset_score(zen, IP4(127, 0, 0, 4)), 3);
	assert_int_equal(preset_score(zen, IP4(127, 0, 0, 9)), 3);
	assert_int_equal(preset_score(zen, IP4(127, 0, 0, 10)), 3);
	assert_int_equal(preset_score(zen, IP4(127, 0, 0, 11)), 3);
	assert_int_equal(preset_score(zen, IP4(127, 0, 0, 8)), 0);
	assert_int_equal(preset_score(zen, IP4(127, 0, 0, 12)), 0);
	assert_int_equal(preset_score(zen, IP4(127, 255, 255, 252)), 0);
	assert_int_equal(preset_score(zen, IP4(127, 255, 255, 254)), 0);
	assert_int_equal(preset_score(zen, IP4(127, 255, 255, 255)), 0);
	assert_int_equal(preset_score(zen, IP4(127, 0, 0, 1)), 0);

	sc = policy_preset_find("spamcop");
	assert_non_null(sc);
	assert_int_equal(preset_score(sc, IP4(127, 0, 0, 2)), 2);
	assert_int_equal(preset_score(sc, IP4(127, 0, 0, 3)), 0);

	/* Levels 2 and 3 together stay below the default threshold. */
	uce = policy_preset_find("uceprotect");
	assert_non_null(uce);
	assert_int_equal(uce->sites[3] == NULL, 1);
	n = 0;
	for (i = 1; i < 3; i++) {
		struct policy_site	s;
		char			err[256];

		assert_int_equal(policy_site_parse(uce->sites[i], &s, err,
		    sizeof(err)), 0);
		n += s.weight;
	}
	assert_true(n < POLICY_THRESHOLD);
	assert_int_equal(preset_score(policy_preset_find("uceprotect-1"),
	    IP4(127, 0, 0, 2)), 2);
	assert_int_equal(preset_score(policy_preset_find("uceprotect-2"),
	    IP4(127, 0, 0, 2)), 1);
	assert_int_equal(preset_score(policy_preset_find("uceprotect-3"),
	    IP4(127, 0, 0, 2)), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_zone_limits),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_error_codes),
		cmocka_unit_test(test_presets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
