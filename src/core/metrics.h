/*
 * metrics.h: the process's metrics registry: named counters and
 * histograms with labels, rendered in the Prometheus text exposition
 * format (version 0.0.4: HELP and TYPE lines, escaped label values).
 *
 * Families are registered at startup with fixed label sets. A label's
 * values are either fixed (a NULL-terminated list given at registration)
 * or dynamic (registered on first use, at most max of them; past that,
 * every new value is counted as "other"), so cardinality is bounded.
 * A series is one combination of label values, named by an int that
 * metrics_series computes; the hot path keeps that int and pays one
 * relaxed atomic add per event (metrics_inc), on one of METRICS_SHARDS
 * copies of the counters chosen per thread, so that threads on different
 * cores do not share a cache line. Rendering sums the copies.
 *
 * Registration and dynamic values take a mutex and allocate; increments
 * never do. Families live until the process exits.
 */
#ifndef FAIRLIST_METRICS_H
#define FAIRLIST_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct sbuf;

#define METRICS_FAMILIES_MAX	48	/* families per process */
#define METRICS_LABELS_MAX	3	/* labels per family */
#define METRICS_VALUES_MAX	80	/* values of one label, "other" included */
#define METRICS_SERIES_MAX	4096	/* label combinations per family */
#define METRICS_BUCKETS_MAX	16	/* histogram bounds, +Inf aside */
#define METRICS_SHARDS		16	/* copies of each counter */
#define METRICS_NAME_MAX	64	/* bytes of a family or label name */

/*
 * A label: name (letters, digits, '_', not starting with a digit), and
 * values (fixed, NULL-terminated) or NULL with max (dynamic: at most max
 * values, 2 to METRICS_VALUES_MAX; the last slot is "other").
 */
struct metrics_label {
	const char		*name;
	const char *const	*values;
	int			 max;
};

struct metrics_family;

/*
 * Register a counter (name should end in "_total") or a histogram of
 * nbounds increasing upper bounds (observations and bounds are integers,
 * e.g. microseconds; scale turns them into the rendered unit, e.g. 1e-6
 * for seconds). Registering a name again returns the existing family if
 * it has the same type and labels. Bad arguments are our bug: fatalx.
 */
struct metrics_family	*metrics_counter(const char *name, const char *help,
			    const struct metrics_label *labels, int nlabels);
struct metrics_family	*metrics_histogram(const char *name,
			    const char *help, const struct metrics_label *labels,
			    int nlabels, const uint64_t *bounds, int nbounds,
			    double scale);

/*
 * The slot of value for label number label of f: its index among the
 * fixed values (-1 if not one of them), or a dynamic value's slot,
 * registered if new (mutex; "other" when full). Not for the hot path:
 * callers keep the result.
 */
int	metrics_slot(struct metrics_family *f, int label, const char *value);

/* The series of one slot per label (slots[nlabels]); -1 if one is bad. */
int	metrics_series_of(const struct metrics_family *f, const int *slots);

/* metrics_slot for every label then metrics_series_of; -1 if one is bad. */
int	metrics_series(struct metrics_family *f, const char *const *values);

/*
 * Count: add n (1 for metrics_inc) to series of counter f, or observe v
 * in series of histogram f. Lock-free, allocation-free, relaxed atomics.
 * A series < 0 or a NULL f is ignored, so a failed lookup costs nothing.
 */
void	metrics_add(struct metrics_family *f, int series, uint64_t n);
void	metrics_inc(struct metrics_family *f, int series);
void	metrics_observe(struct metrics_family *f, int series, uint64_t v);

/* The sum of a counter series over its shards (tests, the CLI). */
uint64_t metrics_value(const struct metrics_family *f, int series);

/*
 * Append every family, in registration order, to out; or one family.
 * Each family: "# HELP", "# TYPE", then one line per series of
 * registered values (fixed values all, dynamic ones in order of first
 * use), histograms as _bucket (cumulative, le="+Inf" last), _sum and
 * _count.
 */
void	metrics_render(struct sbuf *out);
void	metrics_render_family(const struct metrics_family *f,
	    struct sbuf *out);

/*
 * For families computed at render time (a gauge read from the store):
 * the HELP and TYPE lines, and one sample line with n labels.
 */
void	metrics_write_head(struct sbuf *out, const char *name,
	    const char *help, const char *type);
void	metrics_write_sample(struct sbuf *out, const char *name,
	    const char *const *lnames, const char *const *lvalues, int n,
	    double v);

/*
 * This thread's copy of the counter cell of series of counter f, for a
 * hot path that keeps it per thread and pays one relaxed
 * atomic_fetch_add_explicit per event; NULL if f is not a counter or the
 * series is bad. The cell lives as long as the process (families are
 * never freed); it belongs to the calling thread's shard, so another
 * thread must ask for its own.
 */
_Atomic uint64_t *metrics_cell(struct metrics_family *f, int series);

#endif /* FAIRLIST_METRICS_H */
