/*
 * test_zone.c: a zone as records (xfr/zone.c). An oracle test: each
 * case's zone is built, then every probed address name is looked up in
 * the records as a standard server does (exact name, else the wildcard
 * at the closest encloser, RFC 4592 section 3.3.1) and the answer (A
 * and TXT, or none) must be fairlist's own (index_match and the TXT
 * expansion the DNS server uses).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/addr.h"
#include "list/list.h"
#include "xfr/xfr.h"

#define NOW	1000		/* the transfer's time */

/* One listing of a case: prefix, reason (NULL: an exclusion), expiry. */
struct add {
	const char	*pfx;
	const char	*reason;
	int64_t		 expires;	/* 0: never */
};

struct tcase {
	const char	*name;
	const char	*txt;		/* zone TXT template */
	struct add	 adds[10];
	const char	*probe[6];	/* blocks whose addresses are probed */
	size_t		 expand_max;
	size_t		 want_left_out;
	size_t		 max_names;	/* the zone stays small: at most */
};

static const struct tcase cases[] = {
	{ "a /32", "$reason", { { "192.0.2.1", "one", 0 } },
	    { "192.0.2.0/24" }, 1000, 0, 2 },
	{ "a /24 is one wildcard", "$reason",
	    { { "192.0.2.0/24", "net", 0 } },
	    { "192.0.2.0/23" }, 1000, 0, 1 },
	{ "a /24 with an exclusion", "$reason",
	    { { "192.0.2.0/24", "net", 0 }, { "192.0.2.7", NULL, 0 } },
	    { "192.0.2.0/24", "192.0.3.0/24" }, 1000, 0, 255 },
	{ "a /16 with a /32 of its own and an excluded /24", "$reason",
	    { { "10.20.0.0/16", "big", 0 }, { "10.20.5.5", "host", 0 },
	      { "10.20.9.0/24", NULL, 0 } },
	    { "10.20.5.0/24", "10.20.9.0/24", "10.20.10.0/24",
	      "10.21.0.0/24", "10.19.255.0/24" }, 1000, 0, 300 },
	/*
	 * /32s before, inside and after a range (the snapshot gives the
	 * /32s first, then the range: the build merges them in order), an
	 * excluded /32 in the range, four reasons.
	 */
	{ "/32s around and inside a /24", "$reason",
	    { { "9.255.255.255", "below", 0 }, { "10.0.0.1", "low", 0 },
	      { "10.0.1.0/24", "mid", 0 }, { "10.0.1.7", NULL, 0 },
	      { "10.0.1.9", "inside", 0 }, { "10.0.2.9", "high", 0 } },
	    { "9.255.255.0/24", "10.0.0.0/24", "10.0.1.0/24",
	      "10.0.2.0/24" }, 1000, 0, 300 },
	{ "a /20 and a /22 inside with another reason", "$reason",
	    { { "172.16.0.0/20", "wide", 0 },
	      { "172.16.4.0/22", "narrow", 0 },
	      { "172.16.6.128/25", NULL, 0 } },
	    { "172.16.0.0/24", "172.16.5.0/24", "172.16.6.0/24",
	      "172.16.15.0/24", "172.16.16.0/24" }, 1000, 0, 300 },
	{ "one-digit octets get no wildcard", "$reason",
	    { { "1.2.3.0/24", "digits", 0 } },
	    { "1.2.3.0/24", "1230::/124" }, 1000, 0, 256 },
	{ "$ip in the template expands ranges", "$reason for $ip",
	    { { "198.51.100.0/25", "half", 0 },
	      { "198.51.100.9", NULL, 0 } },
	    { "198.51.100.0/24" }, 1000, 0, 127 },
	{ "past expand-max a range is left out", "$ip",
	    { { "203.0.113.0/24", "net", 0 }, { "203.0.112.1", "h", 0 } },
	    { "203.0.112.0/24" }, 100, 1, 1 },
	{ "an expired listing answers as absent", "$reason",
	    { { "100.64.0.0/24", "old", NOW - 1 },
	      { "100.64.0.0/16", "outer", 0 },
	      { "100.64.1.1", "gone", NOW } },
	    { "100.64.0.0/24", "100.64.1.0/24" }, 1000, 0, 10 },
	{ "IPv6 /48, a /64 excluded, a /128 listed", "$reason",
	    { { "2001:db8:1::/48", "v6net", 0 },
	      { "2001:db8:1:2::/64", NULL, 0 },
	      { "2001:db8:1:3::5", "v6host", 0 },
	      { "2001:db8:2::1", "lone", 0 } },
	    { "2001:db8:1:2::/124", "2001:db8:1:3::/124",
	      "2001:db8:1:4::/124", "2001:db8:2::/124", "2001:db8:3::/124" },
	    1000, 0, 200 },
	{ "the IPv4-mapped test points", "$reason",
	    { { "127.0.0.2", "test", 0 }, { "127.0.0.1", NULL, 0 } },
	    { "127.0.0.0/24", "::ffff:127.0.0.0/120" }, 1000, 0, 2 },
	{ "IPv6 /63 is two /64 wildcards", "$reason",
	    { { "2001:db8:0:10::/63", "pair", 0 } },
	    { "2001:db8:0:10::/124", "2001:db8:0:11::/124",
	      "2001:db8:0:12::/124" }, 1000, 0, 2 },
};

/* The records as text names relative to the zone, sorted. */
struct rec {
	char		name[80];
	uint32_t	code;
	char		txt[LIST_TXT_EXPAND_MAX];
};

static struct rec	*recs;
static size_t		 nrecs;
static char		(*ents)[80];	/* every suffix of every name */
static size_t		 nents;

static int
rec_cmp(const void *a, const void *b)
{
	return strcmp(((const struct rec *)a)->name,
	    ((const struct rec *)b)->name);
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void
labels_text(const uint8_t *w, size_t len, char *dst)
{
	size_t	i = 0, n = 0;

	while (i < len) {
		if (n > 0)
			dst[n++] = '.';
		memcpy(dst + n, w + i + 1, w[i]);
		n += w[i];
		i += 1 + (size_t)w[i];
	}
	dst[n] = '\0';
}

static void
load_recs(const struct xfr_zone *z)
{
	size_t		 i;
	const char	*p;

	nrecs = xfr_zone_count(z);
	recs = calloc(nrecs + 1, sizeof(*recs));
	ents = calloc(nrecs * 40 + 1, sizeof(*ents));
	nents = 0;
	for (i = 0; i < nrecs; i++) {
		const struct xfr_name	*n = xfr_zone_get(z, i);
		uint8_t			 w[80];
		size_t			 len = xfr_name_labels(n, w), tl;

		labels_text(w, len, recs[i].name);
		recs[i].code = xfr_name_code(z, n);
		tl = xfr_name_txt(z, n, recs[i].txt, sizeof(recs[i].txt) - 1);
		recs[i].txt[tl] = '\0';
		for (p = recs[i].name; p != NULL; p = strchr(p, '.'),
		    p = p != NULL ? p + 1 : NULL)
			strcpy(ents[nents++], p);
	}
	qsort(recs, nrecs, sizeof(*recs), rec_cmp);
	qsort(ents, nents, sizeof(*ents), str_cmp);
	for (i = 1; i < nrecs; i++)
		if (strcmp(recs[i].name, recs[i - 1].name) == 0)
			fail_msg("name %s twice", recs[i].name);
}

static const struct rec *
find_rec(const char *name)
{
	struct rec	key;

	if (snprintf(key.name, sizeof(key.name), "%s", name) >=
	    (int)sizeof(key.name))
		return NULL;
	return bsearch(&key, recs, nrecs, sizeof(*recs), rec_cmp);
}

static int
exists(const char *name)
{
	return name[0] == '\0' ||
	    bsearch(name, ents, nents, sizeof(*ents), str_cmp) != NULL;
}

/* RFC 4592 lookup of name in the records: the record, or NULL. */
static const struct rec *
lookup(const char *name)
{
	const struct rec	*r;
	const char		*anc;
	char			 wild[96];

	if ((r = find_rec(name)) != NULL)
		return r;
	if (exists(name))
		return NULL;		/* an empty non-terminal */
	for (anc = strchr(name, '.'); ; anc = strchr(anc + 1, '.')) {
		const char	*a = anc == NULL ? "" : anc + 1;

		if (exists(a)) {
			snprintf(wild, sizeof(wild), a[0] != '\0' ? "*.%s" :
			    "*", a);
			return find_rec(wild);
		}
		if (anc == NULL)
			return NULL;
	}
}

/* The query name of a: dotted for IPv4, nibbles if nibbles is set. */
static void
name_of(const uint8_t a[ADDR_LEN], int nibbles, char *dst)
{
	static const char	hex[] = "0123456789abcdef";
	size_t			n = 0;
	int			i;

	if (!nibbles && addr_is_v4(a, NULL)) {
		snprintf(dst, 32, "%u.%u.%u.%u", a[15], a[14], a[13], a[12]);
		return;
	}
	for (i = 15; i >= 0; i--) {
		dst[n++] = hex[a[i] & 0xf];
		dst[n++] = '.';
		dst[n++] = hex[a[i] >> 4];
		dst[n++] = '.';
	}
	dst[n - 1] = '\0';
}

static void
check_case(const struct tcase *t)
{
	struct index_builder	*b = index_builder_new();
	struct index_zone	 iz;
	struct index		*idx;
	struct xfr_zone		*z;
	struct xfr_zone_stats	 st;
	size_t			 i, probes = 0;
	uint64_t		 k, count;

	memset(&iz, 0, sizeof(iz));
	iz.name = "bl.test";
	iz.code = 0x7f000002;
	iz.txt = t->txt;
	iz.serial = 9;
	assert_int_equal(index_builder_zone(b, &iz), 0);
	for (i = 0; i < 10 && t->adds[i].pfx != NULL; i++) {
		struct addr_prefix	 p;
		const char		*err;

		assert_int_equal(addr_parse(t->adds[i].pfx, &p, &err), 0);
		assert_int_equal(index_builder_add(b, 0, &p,
		    t->adds[i].reason == NULL, 0, t->adds[i].reason, 1,
		    t->adds[i].expires), 0);
	}
	idx = index_builder_finish(b);
	z = xfr_zone_build(idx, 0, NOW, t->expand_max, &st);
	assert_non_null(z);
	assert_int_equal(xfr_zone_serial(z), 9);
	load_recs(z);
	if (st.left_out != t->want_left_out)
		fail_msg("%s: left out %zu, want %zu", t->name, st.left_out,
		    t->want_left_out);
	if (nrecs > t->max_names)
		fail_msg("%s: %zu names, want at most %zu", t->name, nrecs,
		    t->max_names);
	for (i = 0; i < 6 && t->probe[i] != NULL; i++) {
		struct addr_prefix	 p;
		const char		*err;

		assert_int_equal(addr_parse(t->probe[i], &p, &err), 0);
		count = (uint64_t)1 << (128 - p.plen);
		for (k = 0; k < count; k++) {
			struct index_hit	 h;
			const struct rec	*r;
			uint8_t			 a[ADDR_LEN];
			char			 name[80], ip[ADDR_TEXT_MAX];
			char			 want[LIST_TXT_EXPAND_MAX];
			size_t			 wl;
			int			 listed;

			memcpy(a, p.a, ADDR_LEN);
			a[14] = (uint8_t)(a[14] + (k >> 8));
			a[15] = (uint8_t)(a[15] + (k & 0xff));
			name_of(a, strchr(t->probe[i], ':') != NULL, name);
			r = lookup(name);
			listed = index_match(idx, 0, a, NOW, &h);
			probes++;
			if (!listed || h.v == NULL) {
				if (r != NULL && !(t->want_left_out > 0))
					fail_msg("%s: %s: got %s (%s), want "
					    "none", t->name, name, r->name,
					    r->txt);
				continue;
			}
			if (r == NULL)
				fail_msg("%s: %s: got none, want listed",
				    t->name, name);
			addr_ntop(a, addr_is_v4(a, NULL) ? 4 : 6, ip,
			    sizeof(ip));
			wl = list_txt_expand(want, sizeof(want) - 1,
			    index_zone_get(idx, 0), h.v, ip, strlen(ip));
			want[wl] = '\0';
			if (strcmp(want, r->txt) != 0 ||
			    r->code != (h.v->code ? h.v->code : 0x7f000002))
				fail_msg("%s: %s: got TXT '%s' from %s, want "
				    "'%s'", t->name, name, r->txt, r->name,
				    want);
		}
	}
	assert_true(probes > 0);
	free(recs);
	free(ents);
	xfr_zone_free(z);
	index_free(idx);
}

static void
test_cases(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i]);
}

/* A bad zone number gives NULL; NULL frees. */
static void
test_bad_zone(void **state)
{
	struct index_builder	*b = index_builder_new();
	struct index		*idx = index_builder_finish(b);
	struct xfr_zone_stats	 st;

	(void)state;
	assert_null(xfr_zone_build(idx, 0, NOW, 10, &st));
	xfr_zone_free(NULL);
	index_free(idx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_bad_zone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
