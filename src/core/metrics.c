/*
 * metrics.c: the metrics registry and its Prometheus text rendering
 * (metrics.h; format: prometheus.io/docs/instrumenting/exposition_formats,
 * text format 0.0.4).
 *
 * Storage: each family holds METRICS_SHARDS rows of cells, a row per
 * shard, each row a whole number of 64-byte lines. A counter series is
 * one cell; a histogram series is nbounds + 1 bucket cells (not
 * cumulative: rendering adds them up) and one sum cell. A thread takes
 * the next shard on its first count and keeps it.
 *
 * Does not: expire series, or export anything itself (the HTTP service
 * calls metrics_render).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/xmalloc.h"

#define CELLS_PER_LINE	8	/* 64-byte lines of uint64_t */

enum mtype { M_COUNTER, M_HISTOGRAM };

struct mlabel {
	char		 name[METRICS_NAME_MAX];
	const char	*values[METRICS_VALUES_MAX];	/* slot -> value */
	_Atomic int	 n;		/* values registered */
	int		 cap;
	int		 dynamic;
};

struct metrics_family {
	char		 name[METRICS_NAME_MAX];
	char		*help;
	enum mtype	 type;
	int		 nlabels;
	struct mlabel	 label[METRICS_LABELS_MAX];
	int		 stride[METRICS_LABELS_MAX];
	int		 nseries;
	int		 nbounds;
	uint64_t	 bounds[METRICS_BUCKETS_MAX];
	double		 scale;
	int		 cells;		/* per series */
	size_t		 row;		/* cells per shard, padded */
	_Atomic uint64_t *v;
};

static pthread_mutex_t		 mu = PTHREAD_MUTEX_INITIALIZER;
static struct metrics_family	*families[METRICS_FAMILIES_MAX];
static int			 nfamilies;
static _Atomic unsigned		 next_shard;
static _Thread_local int	 my_shard = -1;

static int
name_ok(const char *s)
{
	size_t	i;

	if (s == NULL || s[0] == '\0' || strlen(s) >= METRICS_NAME_MAX ||
	    (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

/* 1 if f was registered with these labels (a second registration). */
static int
same_labels(const struct metrics_family *f, const struct metrics_label *l,
    int n)
{
	int	i;

	if (f->nlabels != n)
		return 0;
	for (i = 0; i < n; i++)
		if (strcmp(f->label[i].name, l[i].name) != 0 ||
		    f->label[i].dynamic != (l[i].values == NULL))
			return 0;
	return 1;
}

static struct metrics_family *
reg(const char *name, const char *help, enum mtype type,
    const struct metrics_label *labels, int nlabels, const uint64_t *bounds,
    int nbounds, double scale)
{
	struct metrics_family	*f;
	void			*mem;
	int			 i, j, nv;
	size_t			 series = 1;

	if (!name_ok(name) || nlabels < 0 || nlabels > METRICS_LABELS_MAX ||
	    nbounds < 0 || nbounds > METRICS_BUCKETS_MAX)
		fatalx("metrics: bad family %s", name != NULL ? name : "?");
	pthread_mutex_lock(&mu);
	for (i = 0; i < nfamilies; i++) {
		if (strcmp(families[i]->name, name) != 0)
			continue;
		f = families[i];
		pthread_mutex_unlock(&mu);
		if (f->type != type || !same_labels(f, labels, nlabels))
			fatalx("metrics: %s registered twice, differently",
			    name);
		return f;
	}
	if (nfamilies == METRICS_FAMILIES_MAX)
		fatalx("metrics: more than %d families", METRICS_FAMILIES_MAX);
	f = xcalloc(1, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->help = xstrdup(help != NULL ? help : "");
	f->type = type;
	f->nlabels = nlabels;
	for (i = nlabels - 1; i >= 0; i--) {
		struct mlabel	*l = &f->label[i];

		if (!name_ok(labels[i].name) || strcmp(labels[i].name, "le") ==
		    0)
			fatalx("metrics: %s: bad label", name);
		snprintf(l->name, sizeof(l->name), "%s", labels[i].name);
		if (labels[i].values != NULL) {
			for (nv = 0; labels[i].values[nv] != NULL; nv++)
				if (nv == METRICS_VALUES_MAX - 1)
					fatalx("metrics: %s: too many values",
					    name);
			if (nv == 0)
				fatalx("metrics: %s: a label without values",
				    name);
			for (j = 0; j < nv; j++)
				l->values[j] = labels[i].values[j];
			l->cap = nv;
			atomic_store(&l->n, nv);
		} else {
			if (labels[i].max < 2 ||
			    labels[i].max > METRICS_VALUES_MAX)
				fatalx("metrics: %s: bad label max", name);
			l->cap = labels[i].max;
			l->dynamic = 1;
		}
		f->stride[i] = (int)series;
		series *= (size_t)l->cap;
		if (series > METRICS_SERIES_MAX)
			fatalx("metrics: %s: more than %d series", name,
			    METRICS_SERIES_MAX);
	}
	f->nseries = (int)series;
	f->nbounds = nbounds;
	for (i = 0; i < nbounds; i++) {
		if (i > 0 && bounds[i] <= bounds[i - 1])
			fatalx("metrics: %s: bounds not increasing", name);
		f->bounds[i] = bounds[i];
	}
	f->scale = scale;
	f->cells = type == M_COUNTER ? 1 : nbounds + 2;
	f->row = ((size_t)f->nseries * (size_t)f->cells + CELLS_PER_LINE - 1) /
	    CELLS_PER_LINE * CELLS_PER_LINE;
	if (posix_memalign(&mem, 64, METRICS_SHARDS * f->row *
	    sizeof(*f->v)) != 0)
		fatalx("metrics: out of memory");
	memset(mem, 0, METRICS_SHARDS * f->row * sizeof(*f->v));
	f->v = mem;
	families[nfamilies++] = f;
	pthread_mutex_unlock(&mu);
	return f;
}

struct metrics_family *
metrics_counter(const char *name, const char *help,
    const struct metrics_label *labels, int nlabels)
{
	return reg(name, help, M_COUNTER, labels, nlabels, NULL, 0, 1);
}

struct metrics_family *
metrics_histogram(const char *name, const char *help,
    const struct metrics_label *labels, int nlabels, const uint64_t *bounds,
    int nbounds, double scale)
{
	return reg(name, help, M_HISTOGRAM, labels, nlabels, bounds, nbounds,
	    scale);
}

int
metrics_slot(struct metrics_family *f, int label, const char *value)
{
	struct mlabel	*l;
	int		 i, n;

	if (f == NULL || label < 0 || label >= f->nlabels || value == NULL)
		return -1;
	l = &f->label[label];
	n = atomic_load(&l->n);
	for (i = 0; i < n; i++)
		if (strcmp(l->values[i], value) == 0)
			return i;
	if (!l->dynamic)
		return -1;
	pthread_mutex_lock(&mu);
	n = atomic_load(&l->n);
	for (i = 0; i < n; i++)
		if (strcmp(l->values[i], value) == 0)
			break;
	if (i == n) {
		if (n < l->cap - 1)
			l->values[n] = xstrdup(value);
		else {
			/* Full: the last slot counts every other value. */
			i = l->cap - 1;
			if (n < l->cap)
				l->values[i] = "other";
			n = l->cap - 1;
		}
		atomic_store(&l->n, n + 1);
	}
	pthread_mutex_unlock(&mu);
	return i;
}

int
metrics_series_of(const struct metrics_family *f, const int *slots)
{
	int	i, s = 0;

	if (f == NULL)
		return -1;
	for (i = 0; i < f->nlabels; i++) {
		if (slots[i] < 0 || slots[i] >= f->label[i].cap)
			return -1;
		s += slots[i] * f->stride[i];
	}
	return s;
}

int
metrics_series(struct metrics_family *f, const char *const *values)
{
	int	slots[METRICS_LABELS_MAX], i;

	if (f == NULL)
		return -1;
	for (i = 0; i < f->nlabels; i++)
		if ((slots[i] = metrics_slot(f, i, values[i])) < 0)
			return -1;
	return metrics_series_of(f, slots);
}

/* This thread's row of f. */
static _Atomic uint64_t *
row(struct metrics_family *f)
{
	if (my_shard < 0)
		my_shard = (int)(atomic_fetch_add_explicit(&next_shard, 1,
		    memory_order_relaxed) % METRICS_SHARDS);
	return f->v + (size_t)my_shard * f->row;
}

void
metrics_add(struct metrics_family *f, int series, uint64_t n)
{
	if (f == NULL || series < 0 || series >= f->nseries ||
	    f->type != M_COUNTER)
		return;
	atomic_fetch_add_explicit(&row(f)[series], n, memory_order_relaxed);
}

void
metrics_inc(struct metrics_family *f, int series)
{
	metrics_add(f, series, 1);
}

void
metrics_observe(struct metrics_family *f, int series, uint64_t v)
{
	_Atomic uint64_t	*c;
	int			 b;

	if (f == NULL || series < 0 || series >= f->nseries ||
	    f->type != M_HISTOGRAM)
		return;
	for (b = 0; b < f->nbounds && v > f->bounds[b]; b++)
		;
	c = row(f) + (size_t)series * (size_t)f->cells;
	atomic_fetch_add_explicit(&c[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&c[f->nbounds + 1], v, memory_order_relaxed);
}

/* Cell k of series summed over the shards. */
static uint64_t
cell_sum(const struct metrics_family *f, int series, int k)
{
	uint64_t	t = 0;
	size_t		i, at = (size_t)series * (size_t)f->cells + (size_t)k;

	for (i = 0; i < METRICS_SHARDS; i++)
		t += atomic_load_explicit(&f->v[i * f->row + at],
		    memory_order_relaxed);
	return t;
}

uint64_t
metrics_value(const struct metrics_family *f, int series)
{
	if (f == NULL || series < 0 || series >= f->nseries ||
	    f->type != M_COUNTER)
		return 0;
	return cell_sum(f, series, 0);
}

/*
 * Escaped text (format 0.0.4): backslash and newline, and in a label
 * value (quote != 0) the double quote too.
 */
static void
put_escaped(struct sbuf *out, const char *s, int quote)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			sbuf_adds(out, "\\\\");
		else if (*s == '\n')
			sbuf_adds(out, "\\n");
		else if (*s == '"' && quote)
			sbuf_adds(out, "\\\"");
		else
			sbuf_addc(out, *s);
	}
}

void
metrics_write_head(struct sbuf *out, const char *name, const char *help,
    const char *type)
{
	sbuf_printf(out, "# HELP %s ", name);
	put_escaped(out, help, 0);
	sbuf_printf(out, "\n# TYPE %s %s\n", name, type);
}

/* name{l1="v1",...,extra} with extra (e.g. le="0.5") or NULL. */
static void
put_series(struct sbuf *out, const char *name, const char *suffix,
    const char *const *lnames, const char *const *lvalues, int n,
    const char *extra)
{
	int	i;

	sbuf_adds(out, name);
	sbuf_adds(out, suffix);
	if (n == 0 && extra == NULL)
		return;
	sbuf_addc(out, '{');
	for (i = 0; i < n; i++) {
		sbuf_printf(out, "%s%s=\"", i > 0 ? "," : "", lnames[i]);
		put_escaped(out, lvalues[i], 1);
		sbuf_addc(out, '"');
	}
	if (extra != NULL)
		sbuf_printf(out, "%s%s", n > 0 ? "," : "", extra);
	sbuf_addc(out, '}');
}

void
metrics_write_sample(struct sbuf *out, const char *name,
    const char *const *lnames, const char *const *lvalues, int n, double v)
{
	put_series(out, name, "", lnames, lvalues, n, NULL);
	sbuf_printf(out, " %.15g\n", v);
}

static void
render_series(const struct metrics_family *f, struct sbuf *out, int series,
    const char *const *lnames, const char *const *lvalues)
{
	char		le[48];
	uint64_t	cum = 0;
	int		b;

	if (f->type == M_COUNTER) {
		put_series(out, f->name, "", lnames, lvalues, f->nlabels, NULL);
		sbuf_printf(out, " %llu\n",
		    (unsigned long long)cell_sum(f, series, 0));
		return;
	}
	for (b = 0; b <= f->nbounds; b++) {
		cum += cell_sum(f, series, b);
		if (b < f->nbounds)
			snprintf(le, sizeof(le), "le=\"%.15g\"",
			    (double)f->bounds[b] * f->scale);
		else
			snprintf(le, sizeof(le), "le=\"+Inf\"");
		put_series(out, f->name, "_bucket", lnames, lvalues,
		    f->nlabels, le);
		sbuf_printf(out, " %llu\n", (unsigned long long)cum);
	}
	put_series(out, f->name, "_sum", lnames, lvalues, f->nlabels, NULL);
	sbuf_printf(out, " %.15g\n", (double)cell_sum(f, series,
	    f->nbounds + 1) * f->scale);
	put_series(out, f->name, "_count", lnames, lvalues, f->nlabels, NULL);
	sbuf_printf(out, " %llu\n", (unsigned long long)cum);
}

void
metrics_render_family(const struct metrics_family *f, struct sbuf *out)
{
	const char	*lnames[METRICS_LABELS_MAX], *lvalues[METRICS_LABELS_MAX];
	int		 n[METRICS_LABELS_MAX], slot[METRICS_LABELS_MAX];
	int		 i, k, series;

	metrics_write_head(out, f->name, f->help, f->type == M_COUNTER ?
	    "counter" : "histogram");
	pthread_mutex_lock(&mu);
	for (i = 0; i < f->nlabels; i++) {
		lnames[i] = f->label[i].name;
		n[i] = atomic_load(&f->label[i].n);
		if (n[i] == 0)
			goto out;	/* no series yet */
		slot[i] = 0;
	}
	/* Every combination of registered values, the first label slowest. */
	for (;;) {
		series = 0;
		for (i = 0; i < f->nlabels; i++) {
			lvalues[i] = f->label[i].values[slot[i]];
			series += slot[i] * f->stride[i];
		}
		render_series(f, out, series, lnames, lvalues);
		for (k = f->nlabels - 1; k >= 0; k--) {
			if (++slot[k] < n[k])
				break;
			slot[k] = 0;
		}
		if (k < 0)
			break;
	}
out:
	pthread_mutex_unlock(&mu);
}

void
metrics_render(struct sbuf *out)
{
	struct metrics_family	*f[METRICS_FAMILIES_MAX];
	int			 i, n;

	pthread_mutex_lock(&mu);
	n = nfamilies;
	memcpy(f, families, sizeof(f[0]) * (size_t)n);
	pthread_mutex_unlock(&mu);
	for (i = 0; i < n; i++)
		metrics_render_family(f[i], out);
}

_Atomic uint64_t *
metrics_cell(struct metrics_family *f, int series)
{
	if (f == NULL || series < 0 || series >= f->nseries ||
	    f->type != M_COUNTER)
		return NULL;
	return &row(f)[series];
}
