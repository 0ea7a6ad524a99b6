/*
 * test_classify.c: one DNSBL answer into a watch state (watch/classify.c),
 * the transition rule, the TXT reader, and the webhook body and removal
 * page (watch/event.c). Answers are DNS packets built here byte by byte,
 * including malformed ones: an error code, a wildcard or a broken packet
 * must never come out as a listing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "dns/dns.h"
#include "policy/policy.h"
#include "watch/watch.h"

#define QNAME	"\x01" "5" "\x03" "113" "\x01" "0" "\x03" "203" "\x05" "lists" \
		"\x04" "test"
#define QLEN	(sizeof(QNAME))		/* with the root label */

/*
 * A response to QNAME/A with rcode and n records: codes[i] as A records,
 * or, for code 0, a TXT record "txt" (owner: a pointer to the question).
 */
static size_t
mkpkt(uint8_t *p, int rcode, const uint32_t *codes, int n, const char *txt)
{
	size_t	o = 0, tl;
	int	i;

	memset(p, 0, 12);
	p[2] = 0x81;			/* QR, RD */
	p[3] = (uint8_t)(0x80 | rcode);	/* RA */
	p[5] = 1;
	p[7] = (uint8_t)n;
	o = 12;
	memcpy(p + o, QNAME, QLEN);
	o += QLEN;
	p[o++] = 0; p[o++] = 1; p[o++] = 0; p[o++] = 1;
	for (i = 0; i < n; i++) {
		p[o++] = 0xc0; p[o++] = 12;
		p[o++] = 0; p[o++] = codes[i] != 0 ? 1 : 16;
		p[o++] = 0; p[o++] = 1;
		p[o++] = 0; p[o++] = 0; p[o++] = 0x0e; p[o++] = 0x10;
		if (codes[i] != 0) {
			p[o++] = 0; p[o++] = 4;
			p[o++] = (uint8_t)(codes[i] >> 24);
			p[o++] = (uint8_t)(codes[i] >> 16);
			p[o++] = (uint8_t)(codes[i] >> 8);
			p[o++] = (uint8_t)codes[i];
		} else {
			tl = strlen(txt);
			p[o++] = 0; p[o++] = (uint8_t)(tl + 1);
			p[o++] = (uint8_t)tl;
			memcpy(p + o, txt, tl);
			o += tl;
		}
	}
	return o;
}

#define IP(a, b, c, d)	((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

struct ccase {
	const char		*name;
	enum dns_resolver_status st;
	uint32_t		 codes[4];
	int			 n;
	const char		*preset;	/* list is its zone */
	int			 cut;		/* bytes cut off the end */
	enum watch_state	 want;
	uint32_t		 want_code;
	const char		*want_meaning;	/* substring, or NULL */
};

static const struct ccase ccases[] = {
	{ "nxdomain", DNS_RES_NXDOMAIN, {0}, 0, NULL, 0, WATCH_NOT_LISTED, 0,
	  NULL },
	{ "nodata", DNS_RES_NODATA, {0}, 0, NULL, 0, WATCH_NOT_LISTED, 0,
	  NULL },
	{ "timeout", DNS_RES_TEMPFAIL, {0}, 0, NULL, 0, WATCH_NO_ANSWER, 0,
	  "no answer" },
	{ "listed", DNS_RES_OK, { IP(127, 0, 0, 2) }, 1, NULL, 0,
	  WATCH_LISTED, IP(127, 0, 0, 2), "listed on lists.test (127.0.0.2)" },
	{ "open resolver refused", DNS_RES_OK, { IP(127, 255, 255, 254) }, 1,
	  NULL, 0, WATCH_REFUSED, IP(127, 255, 255, 254), "public or open" },
	{ "rate refused", DNS_RES_OK, { IP(127, 255, 255, 255) }, 1, NULL, 0,
	  WATCH_REFUSED, IP(127, 255, 255, 255), "excessive" },
	{ "zone typo", DNS_RES_OK, { IP(127, 255, 255, 252) }, 1, NULL, 0,
	  WATCH_REFUSED, IP(127, 255, 255, 252), "typo" },
	{ "wildcard 127.0.0.1", DNS_RES_OK, { IP(127, 0, 0, 1) }, 1, NULL, 0,
	  WATCH_BROKEN, IP(127, 0, 0, 1), "not a listing" },
	{ "outside 127/8", DNS_RES_OK, { IP(192, 0, 2, 1) }, 1, NULL, 0,
	  WATCH_BROKEN, IP(192, 0, 2, 1), "parked" },
	{ "error then listing: the listing", DNS_RES_OK,
	  { IP(127, 255, 255, 254), IP(127, 0, 0, 3) }, 2, NULL, 0,
	  WATCH_LISTED, IP(127, 0, 0, 3), NULL },
	{ "only a TXT: not listed", DNS_RES_OK, { 0 }, 1, NULL, 0,
	  WATCH_NOT_LISTED, 0, NULL },
	{ "cut packet: no answer, not a listing", DNS_RES_OK,
	  { IP(127, 0, 0, 2) }, 1, NULL, 3, WATCH_NO_ANSWER, 0, "malformed" },
	{ "header only", DNS_RES_OK, { IP(127, 0, 0, 2) }, 1, NULL, 1000,
	  WATCH_NO_ANSWER, 0, "malformed" },
	{ "preset label", DNS_RES_OK, { IP(127, 0, 0, 4) }, 1, "spamhaus-zen",
	  0, WATCH_LISTED, IP(127, 0, 0, 4), "Spamhaus XBL (127.0.0.4)" },
	{ "preset PBL", DNS_RES_OK, { IP(127, 0, 0, 11) }, 1, "spamhaus-zen",
	  0, WATCH_LISTED, IP(127, 0, 0, 11), "Spamhaus PBL" },
	{ "preset error code", DNS_RES_OK, { IP(127, 255, 255, 254) }, 1,
	  "spamhaus-zen", 0, WATCH_REFUSED, IP(127, 255, 255, 254), NULL },
	{ "preset, a code it does not name", DNS_RES_OK, { IP(127, 0, 0, 8) },
	  1, "spamhaus-zen", 0, WATCH_LISTED, IP(127, 0, 0, 8),
	  "listed on zen.spamhaus.org" },
};

static void
test_classify(void **state)
{
	struct watch_list	 l;
	struct watch_result	 r;
	uint8_t			 pkt[512];
	size_t			 len, i;
	const struct policy_preset *p;

	(void)state;
	for (i = 0; i < sizeof(ccases) / sizeof(ccases[0]); i++) {
		const struct ccase *c = &ccases[i];

		memset(&l, 0, sizeof(l));
		l.kind = WATCH_IP;
		snprintf(l.zone, sizeof(l.zone), "%s", "lists.test");
		if (c->preset != NULL) {
			p = policy_preset_find(c->preset);
			assert_non_null(p);
			l.preset = p;
			snprintf(l.zone, sizeof(l.zone), "%s", "zen.spamhaus.org");
		}
		len = mkpkt(pkt, c->st == DNS_RES_OK ? 0 : 3, c->codes, c->n,
		    "because");
		len = (size_t)c->cut >= len ? 12 : len - (size_t)c->cut;
		watch_classify(&l, c->st, c->st == DNS_RES_OK ? pkt : NULL,
		    len, &r);
		if (r.state != c->want)
			fail_msg("%s: state got %s, want %s", c->name,
			    watch_state_name(r.state),
			    watch_state_name(c->want));
		if (r.code != c->want_code)
			fail_msg("%s: code got %08x, want %08x", c->name,
			    r.code, c->want_code);
		if (c->want_meaning != NULL &&
		    strstr(r.meaning, c->want_meaning) == NULL)
			fail_msg("%s: meaning got '%s', want '%s' in it",
			    c->name, r.meaning, c->want_meaning);
	}
}

/* Every byte count of a listed answer: never a crash, only the whole
   packet is a listing. */
static void
test_classify_prefixes(void **state)
{
	struct watch_list	l;
	struct watch_result	r;
	uint32_t		code = IP(127, 0, 0, 2);
	uint8_t			pkt[512], *copy;
	size_t			len, n;

	(void)state;
	memset(&l, 0, sizeof(l));
	l.kind = WATCH_IP;
	snprintf(l.zone, sizeof(l.zone), "%s", "lists.test");
	len = mkpkt(pkt, 0, &code, 1, NULL);
	for (n = 0; n <= len; n++) {
		copy = malloc(n + 1);
		memcpy(copy, pkt, n);
		watch_classify(&l, DNS_RES_OK, copy, n, &r);
		if ((r.state == WATCH_LISTED) != (n == len))
			fail_msg("%zu of %zu bytes: got %s", n, len,
			    watch_state_name(r.state));
		free(copy);
	}
}

static void
test_txt(void **state)
{
	uint32_t	z = 0;
	uint8_t		pkt[512];
	char		out[64];
	size_t		len;

	(void)state;
	len = mkpkt(pkt, 0, &z, 1, "spam to trap \"t7\"\r\n");
	watch_txt(pkt, len, out, sizeof(out));
	assert_string_equal(out, "spam to trap \"t7\"\\x0d\\x0a");
	watch_txt(pkt, len - 1, out, sizeof(out));
	assert_string_equal(out, "");
	watch_txt(NULL, 0, out, sizeof(out));
	assert_string_equal(out, "");
}

struct tcase {
	enum watch_state	old;
	uint32_t		oldcode;
	enum watch_state	new;
	uint32_t		newcode;
	int			want;
};

static void
test_transition(void **state)
{
	static const struct tcase t[] = {
		{ WATCH_UNKNOWN, 0, WATCH_NOT_LISTED, 0, 1 },
		{ WATCH_UNKNOWN, 0, WATCH_LISTED, 2, 2 },
		{ WATCH_UNKNOWN, 0, WATCH_REFUSED, 3, 2 },
		{ WATCH_NOT_LISTED, 0, WATCH_NOT_LISTED, 0, 0 },
		{ WATCH_NOT_LISTED, 0, WATCH_LISTED, 2, 2 },
		{ WATCH_LISTED, 2, WATCH_LISTED, 2, 0 },
		{ WATCH_LISTED, 2, WATCH_LISTED, 4, 2 },
		{ WATCH_LISTED, 2, WATCH_NOT_LISTED, 0, 2 },
		{ WATCH_LISTED, 2, WATCH_NO_ANSWER, 0, 2 },
		{ WATCH_REFUSED, 3, WATCH_REFUSED, 5, 0 },
		{ WATCH_NO_ANSWER, 0, WATCH_NO_ANSWER, 0, 0 },
	};
	size_t	i;
	int	got;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		got = watch_transition(t[i].old, t[i].oldcode, t[i].new,
		    t[i].newcode);
		if (got != t[i].want)
			fail_msg("%s/%u -> %s/%u: got %d, want %d",
			    watch_state_name(t[i].old), t[i].oldcode,
			    watch_state_name(t[i].new), t[i].newcode, got,
			    t[i].want);
	}
}

static void
test_names(void **state)
{
	int	i;

	(void)state;
	for (i = 0; i < WATCH_NSTATES; i++)
		assert_int_equal(watch_state_parse(watch_state_name(
		    (enum watch_state)i)), i);
	assert_int_equal(watch_state_parse("Listed"), -1);
	assert_string_equal(watch_state_name(WATCH_NSTATES), "?");
}

static void
test_event(void **state)
{
	struct watch_list	 l;
	struct watch_event	 e;
	char			 url[64], *s;
	json_t			*j;

	(void)state;
	memset(&l, 0, sizeof(l));
	watch_removal_url(&l, "192.0.2.1", url, sizeof(url));
	assert_string_equal(url, "");
	l.url = (char *)"https://x.test/check?ip=$ip&again=$ip$";
	watch_removal_url(&l, "192.0.2.1", url, sizeof(url));
	assert_string_equal(url,
	    "https://x.test/check?ip=192.0.2.1&again=192.0.2.1$");
	watch_removal_url(&l, "192.0.2.1", url, 20);
	assert_string_equal(url, "https://x.test/chec");

	memset(&e, 0, sizeof(e));
	e.id = 7;
	e.at = 1795824000;
	e.target = "192.0.2.1";
	e.list = "lists.test";
	e.old = "not-listed";
	e.new = "listed";
	e.code = "127.0.0.2";
	e.text = "bad \xff byte";
	j = watch_event_json(&e);
	s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_string_equal(s, "{\"event\":\"watch.transition\",\"id\":7,"
	    "\"at\":\"2026-11-28T00:00:00Z\",\"target\":\"192.0.2.1\","
	    "\"list\":\"lists.test\",\"old\":\"not-listed\",\"new\":\"listed\","
	    "\"listed\":true,\"code\":\"127.0.0.2\","
	    "\"text\":\"bad \\\\xff byte\",\"removal_url\":null}");
	free(s);
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_classify_prefixes),
		cmocka_unit_test(test_txt),
		cmocka_unit_test(test_transition),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_event),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
