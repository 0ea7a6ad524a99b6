/* test_snap.c: saving and loading index snapshots (list/snap.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/addr.h"
#include "list/list.h"
#include "list/list_int.h"

#define NOW	1000000
#define GEN	0x0123456789abcdefULL

static uint64_t	rng = 88172645463325252ULL;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void
tmp_path(char *path, size_t size)
{
	const char	*dir = getenv("TMPDIR");
	int		 fd;

	snprintf(path, size, "%s/test_snap.XXXXXX",
	    dir != NULL ? dir : "/tmp");
	fd = mkstemp(path);
	assert_true(fd != -1);
	close(fd);
}

/* Random address: mostly inside the ranges the listings use. */
static void
rnd_addr(uint8_t a[ADDR_LEN])
{
	uint64_t	r = rnd();
	int		i;

	switch (r % 4) {
	case 0:		/* 10.0.0.0/14 */
		addr_from_v4(a, 0x0a000000u | (uint32_t)(rnd() & 0x3ffff));
		break;
	case 1:		/* any IPv4 */
		addr_from_v4(a, (uint32_t)rnd());
		break;
	case 2:		/* 2001:db8::/32, mostly near the start */
		memset(a, 0, ADDR_LEN);
		a[0] = 0x20;
		a[1] = 0x01;
		a[2] = 0x0d;
		a[3] = 0xb8;
		a[4] = (uint8_t)(rnd() & 3);
		a[5] = (uint8_t)rnd();
		for (i = 6; i < ADDR_LEN; i++)
			a[i] = (r >> 8) & 1 ? 0 : (uint8_t)rnd();
		break;
	default:
		for (i = 0; i < ADDR_LEN; i++)
			a[i] = (uint8_t)rnd();
		break;
	}
}

static const char *const reasons[] = { "spam trap", "open relay",
    "snowshoe", "", "manual: see ticket 42" };

/* A random index of n listings per zone in nz zones. */
static struct index *
rnd_index(int nz, size_t n)
{
	struct index_builder	*b = index_builder_new();
	struct index_zone	 z;
	struct addr_prefix	 p;
	char			 name[64];
	size_t			 i;
	int			 zi;

	for (zi = 0; zi < nz; zi++) {
		memset(&z, 0, sizeof(z));
		snprintf(name, sizeof(name), "z%d.bl.test", zi);
		z.name = name;
		z.code = 0x7f000002u + (uint32_t)zi;
		z.txt = zi % 2 ? "$reason" : NULL;
		z.url = "http://x/$ip";
		z.serial = 100 + zi;
		assert_int_equal(index_builder_zone(b, &z), zi);
		for (i = 0; i < n; i++) {
			uint64_t	r = rnd();
			int64_t		exp = 0;

			memset(&p, 0, sizeof(p));
			rnd_addr(p.a);
			if (addr_is_v4(p.a, NULL)) {
				p.family = 4;
				p.plen = r % 3 == 0 ? 96 + 8 + rnd() % 25 : 128;
			} else {
				p.family = 6;
				p.plen = (uint8_t)(16 + rnd() % 113);
			}
			addr_mask(p.a, p.plen);
			if (r % 5 == 0)
				exp = NOW - 50 + (int64_t)(rnd() % 100);
			assert_int_equal(index_builder_add(b, zi, &p,
			    r % 11 == 0, (r >> 20) % 4 == 0 ? 0x7f00000a : 0,
			    reasons[(r >> 8) % 5], NOW - (int64_t)(r % 3),
			    exp), 0);
		}
	}
	return index_builder_finish(b);
}

static void
hit_eq(const struct index_hit *a, const struct index_hit *b)
{
	assert_int_equal(a->plen, b->plen);
	assert_int_equal(a->exclude, b->exclude);
	assert_memory_equal(a->a, b->a, ADDR_LEN);
	assert_int_equal(a->v == NULL, b->v == NULL);
	if (a->v != NULL) {
		assert_int_equal(a->v->code, b->v->code);
		assert_int_equal(a->v->reason_len, b->v->reason_len);
		assert_string_equal(a->v->reason, b->v->reason);
		assert_int_equal(a->v->listed_at, b->v->listed_at);
		assert_int_equal(a->v->expires_at, b->v->expires_at);
	}
}

/* Every observable answer of x and y agrees. */
static void
index_eq(const struct index *x, const struct index *y, size_t probes)
{
	struct index_hit	hx[16], hy[16];
	struct addr_prefix	p;
	uint8_t			a[ADDR_LEN];
	size_t			i, nx, ny, k;
	int			z, mx, my;
	int64_t			t;

	assert_int_equal(index_zone_count(x), index_zone_count(y));
	for (t = NOW - 60; t <= NOW + 60; t += 7)
		assert_int_equal(index_next_expiry(x, t),
		    index_next_expiry(y, t));
	for (z = 0; z < index_zone_count(x); z++) {
		const struct index_zone	*zx = index_zone_get(x, z);
		const struct index_zone	*zy = index_zone_get(y, z);

		assert_string_equal(zx->name, zy->name);
		assert_string_equal(zx->txt, zy->txt);
		assert_string_equal(zx->url, zy->url);
		assert_int_equal(zx->code, zy->code);
		assert_int_equal(zx->serial, zy->serial);
		assert_int_equal(index_zone_size(x, z), index_zone_size(y, z));
		assert_int_equal(index_zone_find(y, zx->name,
		    strlen(zx->name)), z);
		for (i = 0; i < probes; i++) {
			t = NOW - 60 + (int64_t)(rnd() % 120);
			rnd_addr(a);
			mx = index_match(x, z, a, t, &hx[0]);
			my = index_match(y, z, a, t, &hy[0]);
			assert_int_equal(mx, my);
			if (mx)
				hit_eq(&hx[0], &hy[0]);
			nx = index_lookup(x, z, a, t, hx, 16);
			ny = index_lookup(y, z, a, t, hy, 16);
			assert_int_equal(nx, ny);
			for (k = 0; k < nx; k++)
				hit_eq(&hx[k], &hy[k]);
			memcpy(p.a, a, ADDR_LEN);
			p.plen = (uint8_t)(rnd() % 129);
			p.family = 6;
			assert_int_equal(index_any_within(x, z, &p),
			    index_any_within(y, z, &p));
		}
	}
}

static void
test_round_trip(void **state)
{
	static const struct { int nz; size_t n; } sizes[] = {
	    { 0, 0 }, { 1, 0 }, { 1, 1 }, { 1, 50 }, { 3, 2000 },
	    { 2, 20000 } };
	struct index	*idx, *back;
	char		 path[256], err[256];
	size_t		 i;

	(void)state;
	tmp_path(path, sizeof(path));
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		idx = rnd_index(sizes[i].nz, sizes[i].n);
		assert_int_equal(index_save(idx, GEN, path), 0);
		err[0] = '\0';
		back = index_open_saved(path, GEN, err, sizeof(err));
		if (back == NULL)
			fail_msg("case %zu: got NULL (%s), want a snapshot", i,
			    err);
		index_eq(idx, back, 3000);
		/* A saved load saves to the same bytes. */
		index_free(back);
		index_free(idx);
	}
	unlink(path);
}

/* The bytes of a small saved index. */
static char *
small_file(size_t *len)
{
	struct index	*idx = rnd_index(2, 40);
	char		 path[256], *buf;
	FILE		*f;
	long		 n;

	tmp_path(path, sizeof(path));
	assert_int_equal(index_save(idx, GEN, path), 0);
	index_free(idx);
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	unlink(path);
	*len = (size_t)n;
	return buf;
}

static void
test_wrong_gen_and_missing(void **state)
{
	struct index	*idx = rnd_index(1, 10);
	char		 path[256], tmp[300], err[256];

	(void)state;
	tmp_path(path, sizeof(path));
	assert_int_equal(index_save(idx, GEN, path), 0);
	index_free(idx);
	err[0] = '\0';
	assert_null(index_open_saved(path, GEN + 1, err, sizeof(err)));
	assert_int_equal(errno, ESTALE);
	assert_non_null(strstr(err, "stale"));
	unlink(path);
	assert_null(index_open_saved(path, GEN, err, sizeof(err)));
	assert_int_equal(errno, ENOENT);
	/* No path.tmp is left behind by a successful save. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(access(tmp, F_OK), -1);
}

static void
test_truncated(void **state)
{
	struct index	*idx;
	char		*buf, err[256], path[256];
	size_t		 len, i;
	FILE		*f;

	(void)state;
	buf = small_file(&len);
	idx = index_open_saved_mem(buf, len, GEN, err, sizeof(err));
	assert_non_null(idx);
	index_free(idx);
	for (i = 0; i < len; i++) {
		err[0] = '\0';
		idx = index_open_saved_mem(buf, i, GEN, err, sizeof(err));
		if (idx != NULL)
			fail_msg("length %zu of %zu: got a snapshot, want "
			    "NULL", i, len);
		assert_int_equal(errno, EINVAL);
		assert_true(err[0] != '\0');
	}
	/* The same through a file, for a few lengths. */
	tmp_path(path, sizeof(path));
	for (i = 0; i < len; i += len / 7 + 1) {
		f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(buf, 1, i, f), i);
		fclose(f);
		assert_null(index_open_saved(path, GEN, err, sizeof(err)));
		assert_non_null(strstr(err, path));
	}
	unlink(path);
	free(buf);
}

static void
test_flipped_byte(void **state)
{
	struct index	*idx;
	char		*buf, err[256];
	size_t		 len, i;
	int		 bit;

	(void)state;
	buf = small_file(&len);
	for (i = 0; i < len; i++) {
		for (bit = 0; bit < 8; bit += 3) {
			buf[i] ^= (char)(1 << bit);
			err[0] = '\0';
			idx = index_open_saved_mem(buf, len, GEN, err,
			    sizeof(err));
			if (idx != NULL)
				fail_msg("byte %zu bit %d flipped: got a "
				    "snapshot, want NULL", i, bit);
			assert_true(err[0] != '\0');
			buf[i] ^= (char)(1 << bit);
		}
	}
	free(buf);
}

/*
 * Damage behind a valid checksum: each structural check must hold on its
 * own. Offsets are those of struct snap_hdr / snap_zone in snap.c.
 */
static void
test_huge_counts(void **state)
{
	static const struct { const char *name; size_t off; uint64_t v; }
	    t[] = {
		{ "nzones", 40, 65 },
		{ "nzones huge", 40, 0xffffffffu },
		{ "nvalues", 48, (uint64_t)1 << 62 },
		{ "nvalues fits u32", 48, 0x7fffffff },
		{ "values offset", 56, 1 << 20 },
		{ "strsize", 64, 1 },
		{ "strings offset", 72, (uint64_t)-1 },
		{ "zone 0 name offset", 80, 1 << 30 },
		{ "zone 0 topbits", 80 + 36, 40 },
		{ "zone 0 n32", 80 + 40, (uint64_t)1 << 40 },
		{ "zone 0 n32 zero", 80 + 40, 0 },
		{ "zone 0 k32 offset", 80 + 48, 8 },
		{ "zone 0 nnodes", 80 + 72, (uint64_t)1 << 59 },
		{ "zone 0 nint", 80 + 88, 0 },
		{ "zone 0 nint huge", 80 + 88, (uint64_t)-1 / 16 },
		{ "zone 1 inode offset", 80 + 112 + 104, 0 },
	};
	struct index	*idx;
	char		*buf, *cp, err[256];
	size_t		 len, i;
	uint64_t	 old;

	(void)state;
	buf = small_file(&len);
	cp = malloc(len);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memcpy(cp, buf, len);
		memcpy(&old, cp + t[i].off, 8);
		if (old == t[i].v)
			fail_msg("%s: the test changes nothing", t[i].name);
		memcpy(cp + t[i].off, &t[i].v, 8);
		index_snap_seal(cp, len);
		err[0] = '\0';
		idx = index_open_saved_mem(cp, len, GEN, err, sizeof(err));
		if (idx != NULL)
			fail_msg("%s: got a snapshot, want NULL", t[i].name);
		assert_true(err[0] != '\0');
	}
	/* Every 8-byte word of the file set to a large value, resealed. */
	for (i = 0; i + 8 <= len; i += 8) {
		uint64_t	v = (uint64_t)1 << 33;

		memcpy(cp, buf, len);
		memcpy(cp + i, &v, 8);
		index_snap_seal(cp, len);
		idx = index_open_saved_mem(cp, len, GEN, err, sizeof(err));
		index_free(idx);	/* a harmless word may still load */
	}
	free(cp);
	free(buf);
}

static void
test_foreign(void **state)
{
	static const char	text[] = "# not a snapshot, but a list file "
	    "longer than a snapshot header\n192.0.2.1\n192.0.2.2\n"
	    "198.51.100.0/24\n";
	char			buf[4096], err[256];
	size_t			i;

	(void)state;
	assert_null(index_open_saved_mem(text, sizeof(text), GEN, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "magic"));
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (char)rnd();
	assert_null(index_open_saved_mem(buf, sizeof(buf), GEN, err,
	    sizeof(err)));
	assert_null(index_open_saved_mem(NULL, 0, GEN, err, sizeof(err)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_wrong_gen_and_missing),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_flipped_byte),
		cmocka_unit_test(test_huge_counts),
		cmocka_unit_test(test_foreign),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
