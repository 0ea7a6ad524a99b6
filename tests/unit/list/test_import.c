/*
 * test_import.c: the import helpers of list/import.c: the capped line
 * reader, the sort that drops repeated prefixes, the prefix set and the
 * string interner.
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

/* Lines as "text" or "<toolong>", joined by "|". */
static void
read_all(const char *in, size_t inlen, char *out, size_t size)
{
	struct list_reader	 r;
	const char		*line;
	size_t			 len, o = 0;
	int			 toolong, rc;
	FILE			*f = fmemopen((void *)(uintptr_t)in, inlen, "r");

	assert_non_null(f);
	list_reader_init(&r, f);
	out[0] = '\0';
	while ((rc = list_read_line(&r, &line, &len, &toolong)) == 1) {
		o += (size_t)snprintf(out + o, size - o, "%s%.*s",
		    o > 0 ? "|" : "", toolong ? 9 : (int)len,
		    toolong ? "<toolong>" : line);
		if (toolong)
			assert_int_equal(len, 0);
		assert_true(o < size);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(r.consumed, (int64_t)inlen);
	list_reader_free(&r);
	fclose(f);
}

static void
test_reader(void **state)
{
	char	*big = malloc(LIST_LINE_MAX * 3 + 16), out[256];
	size_t	 n;

	(void)state;
	read_all("a\nb\n\nc", 6, out, sizeof(out));
	assert_string_equal(out, "a|b||c");
	read_all("", 0, out, sizeof(out));
	assert_string_equal(out, "");
	/* A line over LIST_LINE_MAX, in the middle and at the end. */
	memcpy(big, "x\n", 2);
	memset(big + 2, 'y', LIST_LINE_MAX * 3);
	n = 2 + LIST_LINE_MAX * 3;
	memcpy(big + n, "\nz\n", 3);
	read_all(big, n + 3, out, sizeof(out));
	assert_string_equal(out, "x|<toolong>|z");
	read_all(big, n, out, sizeof(out));
	assert_string_equal(out, "x|<toolong>");
	free(big);
}

static void
add(struct list_items *v, const char *net, uint32_t line)
{
	struct list_item	*e = list_items_push(v);
	const char		*err;

	assert_int_equal(addr_parse(net, &e->p, &err), 0);
	e->line = line;
}

/* Both sorts: qsort below 1024 entries, the radix sort from 1024 on. */
static void
test_dedupe(void **state)
{
	struct list_items	v;
	char			net[32];
	size_t			i, size;

	(void)state;
	for (size = 5; size <= 5000; size += 4995) {
		int	replace;

		for (replace = 0; replace <= 1; replace++) {
			memset(&v, 0, sizeof(v));
			for (i = 0; i < size; i++) {
				snprintf(net, sizeof(net), "10.0.%zu.%zu",
				    (size - i) / 256 % 256, (size - i) % 256);
				add(&v, net, (uint32_t)i);
			}
			add(&v, "10.0.0.1", 100000);	/* repeats i = size-1 */
			add(&v, "10.0.0.0/24", 100001);
			add(&v, "2001:db8::/32", 100002);
			assert_int_equal(list_items_dedupe(&v, replace), 1);
			assert_int_equal(v.n, size + 2);
			for (i = 1; i < v.n; i++)
				assert_true(memcmp(v.v[i - 1].p.a, v.v[i].p.a,
				    ADDR_LEN) < 0 || (memcmp(v.v[i - 1].p.a,
				    v.v[i].p.a, ADDR_LEN) == 0 &&
				    v.v[i - 1].p.plen < v.v[i].p.plen));
			/* 10.0.0.0/24 sorts before 10.0.0.1/32. */
			assert_int_equal(v.v[1].line, replace ? 100000 :
			    size - 1);
			free(v.v);
		}
	}
}

static void
test_sets(void **state)
{
	struct list_items	 v;
	struct list_pset	 ps;
	struct list_strings	 ss;
	const struct list_item	*base;
	const char		*a;
	char			 key[16];
	size_t			 i;

	(void)state;
	memset(&v, 0, sizeof(v));
	memset(&ps, 0, sizeof(ps));
	memset(&ss, 0, sizeof(ss));
	for (i = 0; i < 3000; i++) {
		snprintf(key, sizeof(key), "192.0.%zu.%zu", i / 256, i % 256);
		add(&v, key, 0);
	}
	base = v.v;
	ps.base = &base;
	for (i = 0; i < v.n; i++)
		assert_int_equal(list_pset_find(&ps, &v.v[i].p, (int64_t)i),
		    -1);
	for (i = 0; i < v.n; i++)
		assert_int_equal(list_pset_find(&ps, &v.v[i].p, -1),
		    (int64_t)i);
	add(&v, "192.0.2.0/24", 0);	/* same address, other length */
	base = v.v;
	assert_int_equal(list_pset_find(&ps, &v.v[v.n - 1].p, -1), -1);
	list_pset_free(&ps);
	free(v.v);

	a = list_strings_intern(&ss, "spam");
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "r%zu", i);
		assert_string_equal(list_strings_intern(&ss, key), key);
	}
	assert_ptr_equal(list_strings_intern(&ss, "spam"), a);
	assert_int_equal(ss.n, 1001);
	list_strings_free(&ss);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_reader),
		cmocka_unit_test(test_dedupe),
		cmocka_unit_test(test_sets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
