/* test_index.c: the index snapshot (list/index.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/addr.h"
#include "list/list.h"

#define NOW	1000

struct add {
	const char	*pfx;
	int		 excl;
	const char	*reason;
	int64_t		 expires;
};

struct query {
	const char	*addr;
	const char	*want;		/* prefix of the answer, NULL = not */
};

struct tcase {
	const char	*name;
	struct add	 adds[8];
	struct query	 q[8];
};

static struct addr_prefix
pfx(const char *s)
{
	struct addr_prefix	 p;
	const char		*err;

	if (addr_parse(s, &p, &err) == -1)
		fail_msg("bad test prefix %s: %s", s, err);
	return p;
}

static int
zone_new(struct index_builder *b, const char *name)
{
	struct index_zone	z;

	memset(&z, 0, sizeof(z));
	z.name = name;
	z.code = 0x7f000002;
	z.txt = "$reason";
	z.url = "http://x/$ip";
	z.serial = 7;
	return index_builder_zone(b, &z);
}

static struct index *
build(const struct add *adds, size_t n)
{
	struct index_builder	*b = index_builder_new();
	size_t			 i;
	int			 z = zone_new(b, "bl.test");

	for (i = 0; i < n && adds[i].pfx != NULL; i++) {
		struct addr_prefix	p = pfx(adds[i].pfx);

		assert_int_equal(index_builder_add(b, z, &p, adds[i].excl, 0,
		    adds[i].reason != NULL ? adds[i].reason : adds[i].pfx, 0,
		    adds[i].expires), 0);
	}
	return index_builder_finish(b);
}

static const char *
hit_text(const struct index_hit *h, char *buf, size_t size)
{
	struct addr_prefix	p;

	memcpy(p.a, h->a, ADDR_LEN);
	p.plen = h->plen;
	p.family = addr_is_v4(h->a, NULL) && h->plen >= 96 ? 4 : 6;
	return addr_format(&p, buf, size);
}

static void
test_match_table(void **state)
{
	static const struct tcase t[] = {
	    { "ipv4 /32", { { "192.0.2.1", 0, NULL, 0 } },
	      { { "192.0.2.1", "192.0.2.1" }, { "192.0.2.2", NULL },
		{ "::ffff:192.0.2.1", "192.0.2.1" } } },
	    { "ipv6 prefix", { { "2001:db8::/32", 0, NULL, 0 } },
	      { { "2001:db8:1::5", "2001:db8::/32" },
		{ "2001:db9::", NULL }, { "192.0.2.1", NULL } } },
	    { "ipv6 /128", { { "2001:db8::1", 0, NULL, 0 } },
	      { { "2001:db8::1", "2001:db8::1" },
		{ "2001:db8::2", NULL } } },
	    { "/32 inside CIDR", { { "10.0.0.0/24", 0, NULL, 0 },
		{ "10.0.0.5", 0, NULL, 0 } },
	      { { "10.0.0.5", "10.0.0.5" }, { "10.0.0.6", "10.0.0.0/24" },
		{ "10.0.1.0", NULL }, { "9.255.255.255", NULL } } },
	    { "nested CIDRs", { { "10.0.0.0/8", 0, NULL, 0 },
		{ "10.1.0.0/16", 0, NULL, 0 }, { "10.1.2.0/24", 0, NULL, 0 },
		{ "10.1.2.128/25", 0, NULL, 0 } },
	      { { "10.9.9.9", "10.0.0.0/8" }, { "10.1.9.9", "10.1.0.0/16" },
		{ "10.1.2.3", "10.1.2.0/24" },
		{ "10.1.2.200", "10.1.2.128/25" },
		{ "10.1.3.0", "10.1.0.0/16" }, { "11.0.0.0", NULL } } },
	    { "exclusions inside a listing", { { "10.0.0.0/24", 0, NULL, 0 },
		{ "10.0.0.128/25", 1, NULL, 0 }, { "10.0.0.7", 1, NULL, 0 } },
	      { { "10.0.0.7", NULL }, { "10.0.0.200", NULL },
		{ "10.0.0.8", "10.0.0.0/24" },
		{ "10.0.0.127", "10.0.0.0/24" } } },
	    { "listings inside an exclusion", { { "10.0.0.0/8", 0, NULL, 0 },
		{ "10.0.0.0/16", 1, NULL, 0 }, { "10.0.5.0/24", 0, NULL, 0 },
		{ "10.0.6.6", 0, NULL, 0 } },
	      { { "10.0.5.1", "10.0.5.0/24" }, { "10.0.6.6", "10.0.6.6" },
		{ "10.0.7.1", NULL }, { "10.1.0.0", "10.0.0.0/8" } } },
	    { "expired /32 inside live /24", { { "10.0.0.0/24", 0, NULL, 0 },
		{ "10.0.0.5", 0, NULL, 500 } },
	      { { "10.0.0.5", "10.0.0.0/24" },
		{ "10.0.0.6", "10.0.0.0/24" } } },
	    { "expired CIDR falls back", { { "10.0.0.0/16", 0, NULL, 0 },
		{ "10.0.0.0/24", 0, NULL, NOW }, { "10.0.1.0/24", 0, NULL,
		NOW + 1 }, { "10.0.2.0/24", 0, NULL, 1 } },
	      { { "10.0.0.1", "10.0.0.0/16" }, { "10.0.1.1", "10.0.1.0/24" },
		{ "10.0.2.1", "10.0.0.0/16" } } },
	    { "expired only cover", { { "10.0.0.0/24", 0, NULL, 10 },
		{ "10.0.0.1", 0, NULL, 10 } },
	      { { "10.0.0.1", NULL }, { "10.0.0.2", NULL } } },
	    { "ipv4 /0", { { "0.0.0.0/0", 0, NULL, 0 } },
	      { { "1.2.3.4", "0.0.0.0/0" }, { "255.255.255.255", "0.0.0.0/0" },
		{ "2001:db8::1", NULL } } },
	    /* An IPv6 prefix never matches an IPv4 address (issue 9). */
	    { "ipv6 /0", { { "::/0", 0, NULL, 0 },
		{ "10.0.0.0/8", 1, NULL, 0 } },
	      { { "1.2.3.4", NULL }, { "2001:db8::1", "::/0" },
		{ "10.1.1.1", NULL } } },
	    { "ipv6 /64 and /80 around the mapped space",
	      { { "::/64", 0, NULL, 0 }, { "::/80", 0, NULL, 0 },
		{ "10.0.0.0/8", 0, NULL, 0 } },
	      { { "192.0.2.1", NULL }, { "10.1.1.1", "10.0.0.0/8" },
		{ "::1", "::/80" }, { "::1:0:0:1", "::/64" } } },
	    { "duplicate: later add wins", { { "10.0.0.1", 0, NULL, 0 },
		{ "10.0.0.1", 1, NULL, 0 }, { "10.0.1.0/24", 1, NULL, 0 },
		{ "10.0.1.0/24", 0, NULL, 0 } },
	      { { "10.0.0.1", NULL }, { "10.0.1.1", "10.0.1.0/24" } } },
	    { "adjacent CIDRs", { { "10.0.0.0/25", 0, NULL, 0 },
		{ "10.0.0.128/25", 0, NULL, 0 } },
	      { { "10.0.0.127", "10.0.0.0/25" },
		{ "10.0.0.128", "10.0.0.128/25" }, { "10.0.1.0", NULL } } },
	    { "end of the address space", { { "ffff::/16", 0, NULL, 0 },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1, NULL, 0 } },
	      { { "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", "ffff::/16" },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NULL },
		{ "fffe::1", NULL } } },
	};
	size_t	i, j;
	int	fails = 0;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct index	*idx = build(t[i].adds, 8);

		for (j = 0; j < 8 && t[i].q[j].addr != NULL; j++) {
			struct addr_prefix	a = pfx(t[i].q[j].addr);
			struct index_hit	h;
			char			got[ADDR_TEXT_MAX];
			int			r;

			r = index_match(idx, 0, a.a, NOW, &h);
			if (r)
				hit_text(&h, got, sizeof(got));
			else
				snprintf(got, sizeof(got), "(not listed)");
			if (t[i].q[j].want == NULL ? r != 0 : (r != 1 ||
			    strcmp(got, t[i].q[j].want) != 0)) {
				print_error("%s: %s: got %s, want %s\n",
				    t[i].name, t[i].q[j].addr, got,
				    t[i].q[j].want != NULL ? t[i].q[j].want :
				    "(not listed)");
				fails++;
			}
			if (r && h.v != NULL && strcmp(h.v->reason, got) != 0) {
				print_error("%s: %s: reason %s, want %s\n",
				    t[i].name, t[i].q[j].addr, h.v->reason,
				    got);
				fails++;
			}
		}
		index_free(idx);
	}
	assert_int_equal(fails, 0);
}

static void
test_lookup_order(void **state)
{
	static const struct add adds[] = {
		{ "10.0.0.0/8", 0, NULL, 0 }, { "10.1.0.0/16", 1, NULL, 0 },
		{ "10.1.2.0/24", 0, NULL, 500 }, { "10.1.2.3", 0, NULL, 0 },
		{ "::/0", 0, NULL, 0 },
	};
	/* ::/0 is IPv6: it does not cover an IPv4 address. */
	static const char *const want[] = { "10.1.2.3", "10.1.0.0/16",
	    "10.0.0.0/8" };
	struct index		*idx = build(adds, 5);
	struct addr_prefix	 a = pfx("10.1.2.3");
	struct index_hit	 h[8];
	char			 got[ADDR_TEXT_MAX];
	size_t			 n, i;

	(void)state;
	n = index_lookup(idx, 0, a.a, NOW, h, 8);
	if (n != 3)
		fail_msg("got %zu hits, want 3", n);
	for (i = 0; i < n; i++) {
		hit_text(&h[i], got, sizeof(got));
		if (strcmp(got, want[i]) != 0)
			fail_msg("hit %zu: got %s, want %s", i, got, want[i]);
	}
	assert_int_equal(h[1].exclude, 1);
	assert_null(h[1].v);
	/* max is respected. */
	assert_int_equal(index_lookup(idx, 0, a.a, NOW, h, 2), 2);
	/* Before the /24 expired, it shows up. */
	assert_int_equal(index_lookup(idx, 0, a.a, 100, h, 8), 4);
	index_free(idx);
}

struct within {
	const char	*p;
	int		 want;
};

/* index_any_within over table t on an index of nadds adds. */
static void
check_within(const struct add *adds, size_t nadds, const struct within *t,
    size_t n)
{
	struct index	*idx = build(adds, nadds);
	size_t		 i;
	int		 fails = 0;

	for (i = 0; i < n; i++) {
		struct addr_prefix	p = pfx(t[i].p);
		int			got = index_any_within(idx, 0, &p);

		if (got != t[i].want) {
			print_error("%s: got %d, want %d\n", t[i].p, got,
			    t[i].want);
			fails++;
		}
	}
	assert_int_equal(fails, 0);
	index_free(idx);
}

static void
test_any_within(void **state)
{
	static const struct add adds[] = {
		{ "127.0.0.2", 0, NULL, 0 }, { "10.0.0.0/16", 0, NULL, 0 },
		{ "2001:db8:1::/48", 1, NULL, 0 },
	};
	static const struct within t[] = {
		{ "127.0.0.0/24", 1 }, { "127.0.0.0/8", 1 },
		{ "127.0.1.0/24", 0 },
		{ "127.0.0.2", 1 }, { "127.0.0.3", 0 }, { "10.0.5.0/24", 1 },
		{ "10.0.0.0/8", 1 }, { "10.1.0.0/16", 0 }, { "0.0.0.0/0", 1 },
		{ "2001:db8::/32", 1 }, { "2001:db8:1:2::/64", 1 },
		{ "2001:db8:2::/48", 0 }, { "::/0", 1 }, { "::ffff:0:0/96", 1 },
		{ "12.0.0.0/8", 0 },
	};

	(void)state;
	check_within(adds, 3, t, sizeof(t) / sizeof(t[0]));
}

/* Under ::/0, an IPv4 name is an empty non-terminal only for IPv4 data. */
static void
test_any_within_v6_cover(void **state)
{
	static const struct add adds[] = {
		{ "::/0", 0, NULL, 0 }, { "192.0.2.5", 0, NULL, 0 },
		{ "198.51.100.0/24", 0, NULL, 0 },
	};
	static const struct within t[] = {
		{ "192.0.2.0/24", 1 }, { "192.0.3.0/24", 0 },
		{ "203.0.113.0/24", 0 }, { "198.51.100.0/25", 1 },
		{ "198.51.0.0/16", 1 }, { "10.0.0.0/8", 0 },
		{ "2001:db8::/32", 1 }, { "::/0", 1 }, { "0.0.0.0/0", 1 },
	};

	(void)state;
	check_within(adds, 3, t, sizeof(t) / sizeof(t[0]));
}

static void
test_zones(void **state)
{
	struct index_builder	*b = index_builder_new();
	struct index		*idx;
	struct addr_prefix	 p = pfx("192.0.2.1");
	struct index_hit	 h;
	const struct index_zone	*z;
	int			 z0, z1;

	(void)state;
	z0 = zone_new(b, "bl.test");
	z1 = zone_new(b, "white.test");
	assert_int_equal(z0, 0);
	assert_int_equal(z1, 1);
	assert_int_equal(index_builder_add(b, 5, &p, 0, 0, "x", 0, 0), -1);
	assert_int_equal(index_builder_add(b, z1, &p, 0, 0x7f00000a, "x", 0,
	    0), 0);
	idx = index_builder_finish(b);
	assert_int_equal(index_zone_count(idx), 2);
	assert_int_equal(index_zone_find(idx, "white.test", 10), 1);
	assert_int_equal(index_zone_find(idx, "white.testx", 10), 1);
	assert_int_equal(index_zone_find(idx, "white.tes", 9), -1);
	assert_int_equal(index_zone_find(idx, "nope", 4), -1);
	z = index_zone_get(idx, 1);
	assert_non_null(z);
	assert_string_equal(z->name, "white.test");
	assert_string_equal(z->txt, "$reason");
	assert_int_equal(z->serial, 7);
	assert_null(index_zone_get(idx, 2));
	assert_int_equal(index_match(idx, 0, p.a, NOW, &h), 0);
	assert_int_equal(index_match(idx, 1, p.a, NOW, &h), 1);
	assert_int_equal(h.v->code, 0x7f00000a);
	assert_int_equal(index_match(idx, 2, p.a, NOW, &h), 0);
	assert_int_equal(index_match(idx, -1, p.a, NOW, &h), 0);
	assert_int_equal(index_zone_size(idx, 0), 0);
	assert_int_equal(index_zone_size(idx, 1), 1);
	index_free(idx);
}

/*
 * The store is not trusted for the wire: CR LF, NEL (U+0085), a bidi
 * override (U+202E), a lone continuation byte and a truncated sequence in
 * a reason or a zone's TXT template come out of the index as '?', valid
 * UTF-8 as it was.
 */
static void
test_sanitised_text(void **state)
{
	struct index_builder	*b = index_builder_new();
	struct index		*idx;
	struct index_zone	 z;
	struct addr_prefix	 p = pfx("192.0.2.1"), q = pfx("192.0.2.2");
	struct index_hit	 h;

	(void)state;
	memset(&z, 0, sizeof(z));
	z.name = "bl.test";
	z.code = 0x7f000002;
	z.txt = "$reason\r\nX-Injected: 1";
	z.url = "http://x/\xe2\x80\xae$ip";
	assert_int_equal(index_builder_zone(b, &z), 0);
	assert_int_equal(index_builder_add(b, 0, &p, 0, 0,
	    "spam\r\nfrom\xc2\x85here\xe2\x80\xae" "evil\x80\xe2\x82", 0, 0), 0);
	assert_int_equal(index_builder_add(b, 0, &q, 0, 0,
	    "caf\xc3\xa9 \xe2\x82\xac ok", 0, 0), 0);
	idx = index_builder_finish(b);
	assert_int_equal(index_match(idx, 0, p.a, NOW, &h), 1);
	assert_string_equal(h.v->reason, "spam  from?here?evil???");
	assert_int_equal(h.v->reason_len, strlen(h.v->reason));
	assert_int_equal(index_match(idx, 0, q.a, NOW, &h), 1);
	assert_string_equal(h.v->reason, "caf\xc3\xa9 \xe2\x82\xac ok");
	assert_string_equal(index_zone_get(idx, 0)->txt,
	    "$reason  X-Injected: 1");
	assert_string_equal(index_zone_get(idx, 0)->url, "http://x/?$ip");
	index_free(idx);
}

static void
test_empty(void **state)
{
	struct index		*idx;
	struct addr_prefix	 p = pfx("192.0.2.1");
	struct index_hit	 h;

	(void)state;
	idx = index_builder_finish(index_builder_new());
	assert_int_equal(index_zone_count(idx), 0);
	assert_int_equal(index_match(idx, 0, p.a, NOW, &h), 0);
	assert_int_equal(index_lookup(idx, 0, p.a, NOW, &h, 1), 0);
	assert_int_equal(index_next_expiry(idx, NOW), 0);
	index_free(idx);
	index_free(NULL);
	index_builder_free(NULL);

	/* A zone without entries. */
	{
		struct index_builder	*b = index_builder_new();

		zone_new(b, "bl.test");
		idx = index_builder_finish(b);
		assert_int_equal(index_match(idx, 0, p.a, NOW, &h), 0);
		assert_int_equal(index_any_within(idx, 0, &p), 0);
		index_free(idx);
	}
	/* A builder that is never finished frees everything. */
	{
		struct index_builder	*b = index_builder_new();

		zone_new(b, "bl.test");
		index_builder_add(b, 0, &p, 0, 0, "r", 0, 0);
		index_builder_free(b);
	}
}

static void
test_value_sharing(void **state)
{
	struct index_builder	*b = index_builder_new();
	struct index		*idx;
	struct addr_prefix	 p;
	struct index_hit	 h1, h2, h3;
	char			 reason[32];
	uint32_t		 i;

	(void)state;
	zone_new(b, "bl.test");
	memset(&p, 0, sizeof(p));
	p.plen = 128;
	p.family = 4;
	for (i = 0; i < 10000; i++) {
		addr_from_v4(p.a, 0x0a000000u + i * 7);
		/* A fresh buffer each time: sharing must not need pointers. */
		snprintf(reason, sizeof(reason), "spam %s", "trap");
		index_builder_add(b, 0, &p, 0, 0, reason, 5, 0);
	}
	p = pfx("10.200.0.0/16");
	index_builder_add(b, 0, &p, 0, 0, "spam trap", 5, 0);
	p = pfx("10.201.0.0/16");
	index_builder_add(b, 0, &p, 0, 0, "spam trap", 5, 99999);
	idx = index_builder_finish(b);
	addr_from_v4(p.a, 0x0a000000u);
	assert_int_equal(index_match(idx, 0, p.a, NOW, &h1), 1);
	addr_from_v4(p.a, 0x0a000000u + 9999 * 7);
	assert_int_equal(index_match(idx, 0, p.a, NOW, &h2), 1);
	p = pfx("10.200.1.1");
	assert_int_equal(index_match(idx, 0, p.a, NOW, &h3), 1);
	assert_ptr_equal(h1.v, h2.v);
	assert_ptr_equal(h1.v, h3.v);
	assert_string_equal(h1.v->reason, "spam trap");
	assert_int_equal(h1.v->reason_len, 9);
	assert_int_equal(h1.v->code, 0x7f000002);	/* zone default */
	p = pfx("10.201.1.1");
	assert_int_equal(index_match(idx, 0, p.a, NOW, &h3), 1);
	assert_ptr_not_equal(h1.v, h3.v);
	/* Different values, one interned reason. */
	assert_ptr_equal(h1.v->reason, h3.v->reason);
	assert_int_equal(index_next_expiry(idx, NOW), 99999);
	assert_int_equal(index_next_expiry(idx, 99999), 0);
	assert_int_equal(index_zone_size(idx, 0), 10002);
	index_free(idx);
}

/* The randomized comparison against a linear scan. */
struct rent {
	struct addr_prefix	p;
	int			excl;
	int64_t			expires;
	char			reason[16];
	int			dead;		/* replaced by a later add */
};

static uint64_t	rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static void
random_addr(uint8_t a[ADDR_LEN], int v6)
{
	if (v6) {
		/* A small IPv6 space so that prefixes overlap. */
		memset(a, 0, ADDR_LEN);
		a[0] = 0x20;
		a[1] = 0x01;
		a[2] = (uint8_t)(rnd() & 1);
		a[3] = (uint8_t)rnd();
		a[15] = (uint8_t)rnd();
	} else
		addr_from_v4(a, 0x0a000000u | (rnd() & 0x3ffff));
}

static void
random_prefix(struct rent *e)
{
	int	v6 = rnd() % 4 == 0;

	random_addr(e->p.a, v6);
	e->p.family = v6 ? 6 : 4;
	if (v6)
		e->p.plen = (uint8_t)(rnd() % 3 == 0 ? 128 : 28 + rnd() % 13);
	else
		e->p.plen = (uint8_t)(rnd() % 2 == 0 ? 128 : 96 + 22 +
		    rnd() % 11);
	addr_mask(e->p.a, e->p.plen);
	e->excl = rnd() % 5 == 0;
	e->expires = rnd() % 6 == 0 ? (int64_t)(rnd() % (2 * NOW)) : 0;
	snprintf(e->reason, sizeof(e->reason), "r%u", rnd() % 8);
}

/* Brute force: covers of a, most specific first, live ones only. */
static size_t
brute(const struct rent *e, size_t n, const uint8_t a[ADDR_LEN],
    const struct rent **out, size_t max)
{
	size_t	i, j, k = 0;

	for (i = 0; i < n; i++) {
		if (e[i].dead || !addr_contains(&e[i].p, a))
			continue;
		if (!e[i].excl && e[i].expires != 0 && e[i].expires <= NOW)
			continue;
		/* Insert by plen, descending. */
		for (j = k; j > 0 && out[j - 1]->p.plen < e[i].p.plen; j--)
			if (j < max)
				out[j] = out[j - 1];
		if (j < max)
			out[j] = &e[i];
		if (k < max)
			k++;
	}
	return k;
}

static void
test_random_vs_linear(void **state)
{
	enum { N = 3000, Q = 30000 };
	struct rent		*e = calloc(N, sizeof(*e));
	struct index_builder	*b = index_builder_new();
	struct index		*idx;
	size_t			 i, j, listed = 0, multi = 0, within = 0;
	int			 fails = 0;

	(void)state;
	zone_new(b, "bl.test");
	for (i = 0; i < N; i++) {
		random_prefix(&e[i]);
		for (j = 0; j < i; j++)
			if (!e[j].dead && e[j].p.plen == e[i].p.plen &&
			    memcmp(e[j].p.a, e[i].p.a, ADDR_LEN) == 0)
				e[j].dead = 1;	/* the later add wins */
		index_builder_add(b, 0, &e[i].p, e[i].excl, 0, e[i].reason, 0,
		    e[i].expires);
	}
	idx = index_builder_finish(b);
	for (i = 0; i < Q && fails < 10; i++) {
		uint8_t			 a[ADDR_LEN];
		const struct rent	*want[130];
		struct index_hit	 got[130], h;
		size_t			 nw, ng;
		int			 r, wr;

		random_addr(a, rnd() % 4 == 0);
		nw = brute(e, N, a, want, 130);
		ng = index_lookup(idx, 0, a, NOW, got, 130);
		wr = nw > 0 && !want[0]->excl;
		r = index_match(idx, 0, a, NOW, &h);
		listed += r;
		multi += ng > 1;
		if (r != wr || (r && h.plen != want[0]->p.plen) ||
		    (r && strcmp(h.v->reason, want[0]->reason) != 0)) {
			print_error("query %zu: match got %d/%u, want %d/%u\n",
			    i, r, r ? h.plen : 0, wr,
			    nw > 0 ? want[0]->p.plen : 0);
			fails++;
		}
		if (ng != nw) {
			print_error("query %zu: lookup got %zu hits, want "
			    "%zu\n", i, ng, nw);
			fails++;
			continue;
		}
		for (j = 0; j < ng; j++)
			if (got[j].plen != want[j]->p.plen ||
			    got[j].exclude != want[j]->excl) {
				print_error("query %zu hit %zu: got /%u, want "
				    "/%u\n", i, j, got[j].plen,
				    want[j]->p.plen);
				fails++;
			}
	}
	/* any_within against a scan, on random prefixes. */
	for (i = 0; i < 3000 && fails < 10; i++) {
		struct rent	q;
		int		want = 0, got;

		random_prefix(&q);
		q.p.plen = (uint8_t)(q.p.family == 4 ? 96 + 16 + rnd() % 17 :
		    16 + rnd() % 113);
		addr_mask(q.p.a, q.p.plen);
		for (j = 0; j < N && !want; j++)
			if (!e[j].dead && (addr_contains(&e[j].p, q.p.a) ||
			    addr_contains(&q.p, e[j].p.a)))
				want = 1;
		got = index_any_within(idx, 0, &q.p);
		within += got;
		if (got != want) {
			print_error("any_within %zu: got %d, want %d\n", i, got,
			    want);
			fails++;
		}
	}
	index_free(idx);
	free(e);
	assert_int_equal(fails, 0);
	/* The data must exercise every path, not just "not listed". */
	print_message("random: %zu listed, %zu with nested covers, %zu "
	    "any_within of %d/3000\n", listed, multi, within, Q);
	assert_true(listed > Q / 10 && multi > Q / 20 && within > 300 &&
	    within < 2700);
}

/*
 * IPv4 lookups through the zone's slot table (index_zone_itop): nested
 * ranges spread over the whole IPv4 space, queried at random and at the
 * edges of every range (first, last, one past each), in the compiled
 * snapshot and in the same one saved and loaded again.
 */
static void
test_v4_slots(void **state)
{
	enum { N = 4000, Q = 20000 };
	struct rent		*e = calloc(N, sizeof(*e));
	struct index_builder	*b = index_builder_new();
	struct index		*idx[2];
	char			 path[] = "/tmp/fl-test-index-XXXXXX", err[256];
	size_t			 i, j, listed = 0;
	int			 fails = 0, k, fd;

	(void)state;
	zone_new(b, "bl.test");
	for (i = 0; i < N; i++) {
		uint32_t	v = rnd() << 16 ^ rnd();

		if (i % 8 == 0)
			v = 0xffffff00u | (rnd() & 0xff);	/* the top */
		else if (i % 8 == 1)
			v = rnd() & 0xffff;			/* the bottom */
		addr_from_v4(e[i].p.a, v);
		e[i].p.family = 4;
		e[i].p.plen = (uint8_t)(i % 3 == 0 ? 128 : 96 + 8 + rnd() % 25);
		addr_mask(e[i].p.a, e[i].p.plen);
		e[i].excl = rnd() % 6 == 0;
		e[i].expires = rnd() % 7 == 0 ? (int64_t)(rnd() % (2 * NOW)) :
		    0;
		snprintf(e[i].reason, sizeof(e[i].reason), "s%zu", i % 5);
		for (j = 0; j < i; j++)
			if (!e[j].dead && e[j].p.plen == e[i].p.plen &&
			    memcmp(e[j].p.a, e[i].p.a, ADDR_LEN) == 0)
				e[j].dead = 1;
		index_builder_add(b, 0, &e[i].p, e[i].excl, 0, e[i].reason, 0,
		    e[i].expires);
	}
	idx[0] = index_builder_finish(b);
	assert_true((fd = mkstemp(path)) != -1);
	close(fd);
	assert_int_equal(index_save(idx[0], 7, path), 0);
	idx[1] = index_open_saved(path, 7, err, sizeof(err));
	unlink(path);
	assert_non_null(idx[1]);
	for (i = 0; i < Q + 3 * N && fails < 10; i++) {
		uint8_t			 a[ADDR_LEN];
		const struct rent	*want[130];
		struct index_hit	 h;
		size_t			 nw;
		uint32_t		 v;
		int			 r, wr;

		if (i < Q)
			v = rnd() << 16 ^ rnd();
		else {
			const struct rent	*p = &e[(i - Q) / 3];
			uint32_t		 lo;

			(void)addr_is_v4(p->p.a, &lo);
			v = lo + (uint32_t)((i - Q) % 3 == 0 ? 0 :
			    (i - Q) % 3 == 1 ? (1ull << (128 - p->p.plen)) - 1 :
			    (1ull << (128 - p->p.plen)));
		}
		addr_from_v4(a, v);
		nw = brute(e, N, a, want, 130);
		wr = nw > 0 && !want[0]->excl;
		for (k = 0; k < 2; k++) {
			r = index_match(idx[k], 0, a, NOW, &h);
			if (r != index_match_v4(idx[k], 0, v, NOW, NULL) ||
			    r != wr || (r && h.plen != want[0]->p.plen) ||
			    (r && strcmp(h.v->reason, want[0]->reason) != 0)) {
				print_error("v4 query %zu (%08x) snapshot %d: "
				    "got %d/%u, want %d/%u\n", i, v, k, r,
				    r ? h.plen : 0, wr,
				    nw > 0 ? want[0]->p.plen : 0);
				fails++;
			}
		}
		listed += wr;
	}
	index_free(idx[0]);
	index_free(idx[1]);
	free(e);
	assert_int_equal(fails, 0);
	print_message("v4 slots: %zu listed of %d\n", listed, Q + 3 * N);
	assert_true(listed > (Q + 3 * N) / 10);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_match_table),
		cmocka_unit_test(test_lookup_order),
		cmocka_unit_test(test_any_within),
		cmocka_unit_test(test_any_within_v6_cover),
		cmocka_unit_test(test_zones),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_sanitised_text),
		cmocka_unit_test(test_value_sharing),
		cmocka_unit_test(test_random_vs_linear),
		cmocka_unit_test(test_v4_slots),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
