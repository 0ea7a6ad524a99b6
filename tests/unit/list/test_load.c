/*
 * test_load.c: compiling the index from a real store (list/load.c): every
 * zone, listings in force only, RFC 5782 test points in every zone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/addr.h"
#include "list/list.h"
#include "store/store.h"

static struct addr_prefix
pfx(const char *s)
{
	struct addr_prefix	 p;
	const char		*err;

	if (addr_parse(s, &p, &err) == -1)
		fail_msg("bad test prefix %s: %s", s, err);
	return p;
}

static void
add(struct store *s, const char *zone, const char *p, int excl,
    uint32_t code, const char *reason, int64_t expires)
{
	struct store_listing	l;

	memset(&l, 0, sizeof(l));
	l.zone = zone;
	l.prefix = pfx(p);
	l.exclude = excl;
	l.code = code;
	l.reason = reason;
	l.evidence = "test";
	l.source = "test";
	l.expires_at = expires;
	if (store_add(s, &l, "test") < 0)
		fail_msg("store_add %s: %s", p, store_errmsg(s));
}

static void
test_load(void **state)
{
	static const struct {
		const char	*zone;
		const char	*addr;
		int		 later;		/* query after the expiry */
		const char	*want;		/* reason; NULL: not listed */
		uint32_t	 code;
	} t[] = {
		{ "bl.fairlist.test", "192.0.2.1", 0, "single", 0x7f000002 },
		{ "bl.fairlist.test", "192.0.2.9", 0, "range", 0x7f000003 },
		{ "bl.fairlist.test", "192.0.2.7", 0, NULL, 0 },
		{ "bl.fairlist.test", "192.0.2.20", 0, "short-lived",
		  0x7f000002 },
		{ "bl.fairlist.test", "192.0.2.20", 1, "range", 0x7f000003 },
		{ "bl.fairlist.test", "2001:db8::1", 0, "v6", 0x7f000002 },
		{ "bl.fairlist.test", "127.0.0.2", 0, LIST_TEST_REASON,
		  0x7f000002 },
		{ "bl.fairlist.test", "::ffff:127.0.0.2", 0, LIST_TEST_REASON,
		  0x7f000002 },
		{ "bl.fairlist.test", "127.0.0.1", 0, NULL, 0 },
		{ "second.test", "192.0.2.1", 0, NULL, 0 },
		{ "second.test", "198.51.100.5", 0, "other zone", 0x7f000009 },
		{ "second.test", "127.0.0.2", 0, LIST_TEST_REASON, 0x7f000009 },
		{ "second.test", "127.0.0.1", 0, NULL, 0 },
		{ "second.test", "127.0.0.3", 0, NULL, 0 },
	};
	char			 dir[] = "/tmp/fairlist-load-XXXXXX", path[64];
	char			 err[STORE_ERR_MAX], cmd[128];
	struct store		*s;
	struct index		*idx, *later;
	int64_t			 now = (int64_t)time(NULL);
	size_t			 i;
	int			 fails = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.db", dir);
	if ((s = store_open(path, 0, err)) == NULL)
		fail_msg("store_open: %s", err);
	assert_int_equal(store_zone_put(s, "second.test", 0x7f000009, NULL,
	    NULL, "test"), 0);
	add(s, "bl.fairlist.test", "192.0.2.1", 0, 0, "single", 0);
	add(s, "bl.fairlist.test", "192.0.2.0/24", 0, 0x7f000003, "range", 0);
	add(s, "bl.fairlist.test", "192.0.2.7", 1, 0, "hole", 0);
	add(s, "bl.fairlist.test", "192.0.2.20", 0, 0, "short-lived",
	    now + 100);
	add(s, "bl.fairlist.test", "2001:db8::/32", 0, 0, "v6", 0);
	/* The store lists 127.0.0.1: the test point still wins. */
	add(s, "bl.fairlist.test", "127.0.0.1", 0, 0, "not allowed", 0);
	add(s, "second.test", "198.51.100.0/24", 0, 0, "other zone", 0);

	idx = index_load(s, now);
	later = index_load(s, now + 200);
	assert_non_null(idx);
	assert_non_null(later);
	assert_int_equal(index_zone_count(idx), 2);
	assert_int_equal(index_next_expiry(idx, now), now + 100);
	assert_int_equal(index_next_expiry(later, now + 200), 0);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const struct index	*x = t[i].later ? later : idx;
		struct addr_prefix	 a = pfx(t[i].addr);
		struct index_hit	 h;
		int			 z, r;

		z = index_zone_find(x, t[i].zone, strlen(t[i].zone));
		assert_true(z >= 0);
		r = index_match(x, z, a.a, t[i].later ? now + 200 : now, &h);
		if (t[i].want == NULL ? r != 0 : (r != 1 ||
		    strcmp(h.v->reason, t[i].want) != 0 ||
		    h.v->code != t[i].code)) {
			print_error("%s %s: got %s (code %x), want %s\n",
			    t[i].zone, t[i].addr, r ? h.v->reason :
			    "not listed", r ? h.v->code : 0,
			    t[i].want != NULL ? t[i].want : "not listed");
			fails++;
		}
	}
	index_free(idx);
	index_free(later);
	store_close(s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		print_error("could not remove %s\n", dir);
	assert_int_equal(fails, 0);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
