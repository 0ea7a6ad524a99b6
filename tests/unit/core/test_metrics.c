/*
 * test_metrics.c: unit tests for the metrics registry (src/core/metrics.c):
 * the exact Prometheus text of counters and histograms, label escaping,
 * the cardinality cap, concurrent increments and the zone slot cache.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/metrics.h"

static void
want_text(const struct metrics_family *f, const char *want)
{
	struct sbuf	b;

	sbuf_init(&b);
	metrics_render_family(f, &b);
	if (strcmp(b.s != NULL ? b.s : "", want) != 0)
		fail_msg("got:\n%s\nwant:\n%s", b.s != NULL ? b.s : "", want);
	sbuf_free(&b);
}

static void
test_counter_text(void **state)
{
	static const char *const answers[] = { "listed", "nxdomain", NULL };
	static const struct metrics_label labels[] = {
		{ "zone", NULL, 4 },
		{ "answer", answers, 0 },
	};
	struct metrics_family	*f;
	const char		*v[2];

	(void)state;
	f = metrics_counter("t_queries_total", "DNS queries.\nBy \\zone.",
	    labels, 2);
	/* No zone yet: the family has no series. */
	want_text(f, "# HELP t_queries_total DNS queries.\\nBy \\\\zone.\n"
	    "# TYPE t_queries_total counter\n");
	v[0] = "bl.test";
	v[1] = "listed";
	metrics_add(f, metrics_series(f, v), 3);
	v[0] = "a\"b\\c\nd";
	v[1] = "nxdomain";
	metrics_inc(f, metrics_series(f, v));
	v[1] = "bogus";
	assert_int_equal(metrics_series(f, v), -1);
	metrics_inc(f, -1);	/* ignored */
	want_text(f, "# HELP t_queries_total DNS queries.\\nBy \\\\zone.\n"
	    "# TYPE t_queries_total counter\n"
	    "t_queries_total{zone=\"bl.test\",answer=\"listed\"} 3\n"
	    "t_queries_total{zone=\"bl.test\",answer=\"nxdomain\"} 0\n"
	    "t_queries_total{zone=\"a\\\"b\\\\c\\nd\",answer=\"listed\"} 0\n"
	    "t_queries_total{zone=\"a\\\"b\\\\c\\nd\",answer=\"nxdomain\"} 1\n");
	/* Registered again: the same family. */
	assert_ptr_equal(metrics_counter("t_queries_total", "x", labels, 2), f);
}

static void
test_cap(void **state)
{
	static const struct metrics_label label = { "zone", NULL, 3 };
	struct metrics_family	*f;
	const char		*v[1];
	static const char *const zones[] = { "a", "b", "c", "d", "a" };
	size_t			 i;

	(void)state;
	f = metrics_counter("t_capped_total", "Capped.", &label, 1);
	for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		v[0] = zones[i];
		metrics_inc(f, metrics_series(f, v));
	}
	/* Two values, then "other" for c and d. */
	want_text(f, "# HELP t_capped_total Capped.\n"
	    "# TYPE t_capped_total counter\n"
	    "t_capped_total{zone=\"a\"} 2\n"
	    "t_capped_total{zone=\"b\"} 1\n"
	    "t_capped_total{zone=\"other\"} 2\n");
}

static void
test_histogram_text(void **state)
{
	static const char *const routes[] = { "lookup", NULL };
	static const struct metrics_label label = { "route", routes, 0 };
	static const uint64_t bounds[] = { 1000, 5000 };	/* us */
	struct metrics_family	*f;
	int			 s;

	(void)state;
	f = metrics_histogram("t_seconds", "Latency.", &label, 1, bounds, 2,
	    1e-6);
	s = metrics_series(f, routes);
	metrics_observe(f, s, 500);
	metrics_observe(f, s, 1000);	/* le is inclusive */
	metrics_observe(f, s, 2500);
	metrics_observe(f, s, 9000);
	want_text(f, "# HELP t_seconds Latency.\n"
	    "# TYPE t_seconds histogram\n"
	    "t_seconds_bucket{route=\"lookup\",le=\"0.001\"} 2\n"
	    "t_seconds_bucket{route=\"lookup\",le=\"0.005\"} 3\n"
	    "t_seconds_bucket{route=\"lookup\",le=\"+Inf\"} 4\n"
	    "t_seconds_sum{route=\"lookup\"} 0.013\n"
	    "t_seconds_count{route=\"lookup\"} 4\n");
}

static void
test_unlabelled_and_gauge(void **state)
{
	static const char *const ln[] = { "zone", "source" };
	static const char *const lv[] = { "bl.test", "trap" };
	struct metrics_family	*f;
	struct sbuf		 b;

	(void)state;
	f = metrics_counter("t_plain_total", "Plain.", NULL, 0);
	metrics_inc(f, metrics_series_of(f, NULL));
	want_text(f, "# HELP t_plain_total Plain.\n"
	    "# TYPE t_plain_total counter\nt_plain_total 1\n");
	sbuf_init(&b);
	metrics_write_head(&b, "t_listings", "Listings.", "gauge");
	metrics_write_sample(&b, "t_listings", ln, lv, 2, 42);
	assert_string_equal(b.s, "# HELP t_listings Listings.\n"
	    "# TYPE t_listings gauge\n"
	    "t_listings{zone=\"bl.test\",source=\"trap\"} 42\n");
	sbuf_free(&b);
}

#define THREADS	4
#define INCS	100000

static void *
bump(void *arg)
{
	struct metrics_family	*f = arg;
	int			 i;

	for (i = 0; i < INCS; i++)
		metrics_inc(f, 0);
	return NULL;
}

static void
test_threads(void **state)
{
	struct metrics_family	*f;
	pthread_t		 t[THREADS];
	int			 i;

	(void)state;
	f = metrics_counter("t_threads_total", "Threads.", NULL, 0);
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, bump, f), 0);
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(metrics_value(f, 0), (uint64_t)THREADS * INCS);
}

/* metrics_cell: the calling thread's cell, the one metrics_value sums. */
static void
test_cell(void **state)
{
	static const struct metrics_label label = { "zone", NULL, 8 };
	static const uint64_t	 bounds[] = { 10 };
	struct metrics_family	*f, *h;
	_Atomic uint64_t	*c;
	int			 s;

	(void)state;
	f = metrics_counter("t_cells_total", "Cells.", &label, 1);
	s = metrics_series(f, (const char *const[]){ "x.test" });
	assert_true(s >= 0);
	assert_non_null(c = metrics_cell(f, s));
	assert_ptr_equal(metrics_cell(f, s), c);
	atomic_fetch_add_explicit(c, 3, memory_order_relaxed);
	metrics_inc(f, s);
	if (metrics_value(f, s) != 4)
		fail_msg("got %llu, want 4",
		    (unsigned long long)metrics_value(f, s));
	assert_null(metrics_cell(f, -1));
	assert_null(metrics_cell(f, 1 << 20));
	assert_null(metrics_cell(NULL, 0));
	h = metrics_histogram("t_cells_hist", "Hist.", NULL, 0, bounds, 1,
	    1);
	assert_null(metrics_cell(h, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counter_text),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_histogram_text),
		cmocka_unit_test(test_unlabelled_and_gauge),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_cell),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
