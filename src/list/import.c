/*
 * import.c: the parts of an import that are not the store's: a capped
 * line reader, the sort that orders a file's entries by address and drops
 * repeated prefixes, a hash set of prefixes and a string interner.
 *
 * The line parser itself is format.c's (list_parse_line); the CLI
 * (cli/cmd_io.c) reads options, calls these and writes to the store. The
 * hash set and the interner hold keys that come from import files, so
 * they hash with core/hash.h's per-process seed.
 */
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/xmalloc.h"
#include "list/list.h"

/* Prefixes come from import files: a seeded hash (core/hash.h). */
static uint64_t
hash_prefix(const struct addr_prefix *p)
{
	return hash_bytes(p->a, ADDR_LEN, hash_seed() ^ p->plen);
}

static int
prefix_eq(const struct addr_prefix *a, const struct addr_prefix *b)
{
	return a->plen == b->plen && memcmp(a->a, b->a, ADDR_LEN) == 0;
}

static void
pset_grow(struct list_pset *s)
{
	size_t		 ncap = s->cap != 0 ? s->cap * 2 : 1024, i;
	uint32_t	*ns = xcalloc(ncap, sizeof(*ns));

	for (i = 0; i < s->cap; i++) {
		size_t	j;

		if (s->slot[i] == 0)
			continue;
		j = hash_prefix(&(*s->base)[s->slot[i] - 1].p) & (ncap - 1);
		while (ns[j] != 0)
			j = (j + 1) & (ncap - 1);
		ns[j] = s->slot[i];
	}
	free(s->slot);
	s->slot = ns;
	s->cap = ncap;
}

/*
 * Find p; if absent and add_idx >= 0, insert add_idx. Returns the index
 * found, or -1.
 */
int64_t
list_pset_find(struct list_pset *s, const struct addr_prefix *p,
    int64_t add_idx)
{
	size_t	j;

	if ((s->n + 1) * 2 > s->cap)
		pset_grow(s);
	j = hash_prefix(p) & (s->cap - 1);
	while (s->slot[j] != 0) {
		if (prefix_eq(&(*s->base)[s->slot[j] - 1].p, p))
			return (int64_t)s->slot[j] - 1;
		j = (j + 1) & (s->cap - 1);
	}
	if (add_idx >= 0) {
		s->slot[j] = (uint32_t)add_idx + 1;
		s->n++;
	}
	return -1;
}

const char *
list_strings_intern(struct list_strings *s, const char *str)
{
	size_t		 j;

	if ((s->n + 1) * 2 > s->cap) {
		size_t	  ncap = s->cap != 0 ? s->cap * 2 : 256, i;
		char	**ns = xcalloc(ncap, sizeof(*ns));

		for (i = 0; i < s->cap; i++) {
			if (s->slot[i] == NULL)
				continue;
			j = hash_str(s->slot[i], hash_seed()) & (ncap - 1);
			while (ns[j] != NULL)
				j = (j + 1) & (ncap - 1);
			ns[j] = s->slot[i];
		}
		free(s->slot);
		s->slot = ns;
		s->cap = ncap;
	}
	j = hash_str(str, hash_seed()) & (s->cap - 1);
	while (s->slot[j] != NULL) {
		if (strcmp(s->slot[j], str) == 0)
			return s->slot[j];
		j = (j + 1) & (s->cap - 1);
	}
	s->slot[j] = xstrdup(str);
	s->n++;
	return s->slot[j];
}

void
list_strings_free(struct list_strings *s)
{
	size_t	i;

	for (i = 0; i < s->cap; i++)
		free(s->slot[i]);
	free(s->slot);
}

int
list_read_line(struct list_reader *r, const char **line, size_t *len,
    int *toolong)
{
	const size_t	cap = LIST_READ_CHUNK + LIST_LINE_MAX + 2;

	*toolong = 0;
	for (;;) {
		char	*nl = memchr(r->buf + r->start, '\n',
			    r->end - r->start);

		if (nl != NULL) {
			*line = r->buf + r->start;
			*len = (size_t)(nl - *line);
			r->consumed += (int64_t)(*len + 1);
			r->start = (size_t)(nl - r->buf) + 1;
			/* Too long, whether or not it fit in the buffer. */
			if (r->skipping || *len > LIST_LINE_MAX) {
				r->skipping = 0;
				*toolong = 1;
				*len = 0;
			}
			return 1;
		}
		if (r->end - r->start > LIST_LINE_MAX) {
			/* Drop what we have and skip to the next newline. */
			r->consumed += (int64_t)(r->end - r->start);
			r->start = r->end = 0;
			r->skipping = 1;
		}
		if (r->eof) {
			if (r->end == r->start && !r->skipping)
				return 0;
			*line = r->buf + r->start;
			*len = r->end - r->start;
			r->consumed += (int64_t)*len;
			r->start = r->end;
			if (r->skipping || *len > LIST_LINE_MAX) {
				r->skipping = 0;
				*toolong = 1;
				*len = 0;
			}
			return 1;
		}
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
		{
			size_t	n = fread(r->buf + r->end, 1, cap - r->end,
				    r->f);

			if (n == 0) {
				if (ferror(r->f))
					return -1;
				r->eof = 1;
			}
			r->end += n;
		}
	}
}

struct skey {
	uint64_t	hi, lo;
	uint32_t	plen;
	uint32_t	idx;		/* file order: ties keep it */
};

static int
skey_cmp(const void *pa, const void *pb)
{
	const struct skey	*a = pa, *b = pb;

	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	if (a->plen != b->plen)
		return a->plen < b->plen ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/*
 * The common case, a file of IPv4 entries: every key has the same hi and
 * the same top 32 bits of lo, so (address, length, file order) sorts as a
 * 40-bit number (32 address bits, 8 length bits) with a stable LSD radix
 * sort, four passes of 11 bits, in linear time instead of qsort's
 * n log n comparisons.
 * Returns 1 if it sorted k, 0 if the keys need the general sort.
 */
static int
skey_radix(struct skey *k, size_t n)
{
	struct skey	*tmp, *src, *dst, *sw;
	size_t		 i, pass, *count;
	uint64_t	 key;
	enum { BITS = 11, BUCKETS = 1 << BITS, PASSES = 4 };	/* 44 bits */

	if (n < 1024)
		return 0;
	for (i = 1; i < n; i++)
		if (k[i].hi != k[0].hi || k[i].lo >> 32 != k[0].lo >> 32 ||
		    k[i].plen > 255)
			return 0;
	tmp = xreallocarray(NULL, n, sizeof(*tmp));
	count = xcalloc(BUCKETS + 1, sizeof(*count));
	src = k;
	dst = tmp;
	/* Entries start in file order, so a stable sort keeps ties in it. */
	for (pass = 0; pass < PASSES; pass++) {
		memset(count, 0, (BUCKETS + 1) * sizeof(*count));
		for (i = 0; i < n; i++) {
			key = (src[i].lo & 0xffffffffu) << 8 | src[i].plen;
			count[((key >> (pass * BITS)) & (BUCKETS - 1)) + 1]++;
		}
		for (i = 0; i < BUCKETS; i++)
			count[i + 1] += count[i];
		for (i = 0; i < n; i++) {
			key = (src[i].lo & 0xffffffffu) << 8 | src[i].plen;
			dst[count[(key >> (pass * BITS)) & (BUCKETS - 1)]++] =
			    src[i];
		}
		sw = src;
		src = dst;
		dst = sw;
	}
	/* After an even number of passes the result is back in k. */
	free(tmp);
	free(count);
	return 1;
}

/*
 * Sort v by (address, length) and drop repeated prefixes: the first in
 * the file stays, or the last with replace. Returns how many were dropped.
 */
size_t
list_items_dedupe(struct list_items *v, int replace)
{
	struct skey	*k = xreallocarray(NULL, v->n + 1, sizeof(*k));
	struct list_item	*out = xreallocarray(NULL, v->n + 1, sizeof(*out));
	size_t		 i, j, n = 0;

	for (i = 0; i < v->n; i++) {
		const uint8_t	*a = v->v[i].p.a;

		k[i].hi = k[i].lo = 0;
		for (j = 0; j < 8; j++) {
			k[i].hi = k[i].hi << 8 | a[j];
			k[i].lo = k[i].lo << 8 | a[j + 8];
		}
		k[i].plen = v->v[i].p.plen;
		k[i].idx = (uint32_t)i;
	}
	if (!skey_radix(k, v->n))
		qsort(k, v->n, sizeof(*k), skey_cmp);
	for (i = 0; i < v->n; i = j) {
		for (j = i + 1; j < v->n && k[j].hi == k[i].hi &&
		    k[j].lo == k[i].lo && k[j].plen == k[i].plen; j++)
			;
		out[n++] = v->v[k[replace ? j - 1 : i].idx];
	}
	free(k);
	free(v->v);
	i = v->n - n;
	v->v = out;
	v->n = v->cap = n;
	return i;
}

struct list_item *
list_items_push(struct list_items *v)
{
	if (v->n == v->cap) {
		v->cap = v->cap != 0 ? v->cap * 2 : 4096;
		v->v = xreallocarray(v->v, v->cap, sizeof(*v->v));
	}
	memset(&v->v[v->n], 0, sizeof(v->v[0]));
	return &v->v[v->n++];
}

void
list_reader_init(struct list_reader *r, FILE *f)
{
	memset(r, 0, sizeof(*r));
	r->f = f;
	r->buf = xmalloc(LIST_READ_CHUNK + LIST_LINE_MAX + 2);
}

void
list_reader_free(struct list_reader *r)
{
	free(r->buf);
	r->buf = NULL;
}

void
list_pset_free(struct list_pset *s)
{
	free(s->slot);
	s->slot = NULL;
	s->cap = s->n = 0;
}
