/*
 * snap.c: save a compiled index snapshot to a file and load it back.
 *
 * The daemon compiles its snapshot from the store (index_load), which
 * scans every listing; for a large zone that is most of its start-up
 * time. index_save writes the compiled arrays as they are, with every
 * pointer turned into a file offset, and index_open_saved reads the file
 * back into one anonymous mapping and turns the offsets into pointers
 * again: a read of the file plus a linear verify, no build.
 *
 * File layout (native byte order and struct layout; version 1), every
 * section 16-byte aligned, in this order and nowhere else:
 *   struct snap_hdr                   magic, version, gen, sizes, checksum
 *   struct snap_zone[nzones]          per zone: strings and array offsets
 *   struct index_value[nvalues]       reason pointer holds a string offset
 *   per zone: k32[n32] v32[n32] top[2^topbits + 1 if n32 > 0]
 *             struct inode[nnodes] struct ikey[nint] int32_t[nint]
 *   strings[strsize]                  NUL-terminated, last byte NUL
 * The checksum (index_snap_sum) covers the whole file, its own field
 * read as 0.
 *
 * Does not: log, decide whether a file is current (the caller passes the
 * store generation it expects), or keep the file open or mapped.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/str.h"
#include "core/xmalloc.h"
#include "list/list.h"
#include "list/list_int.h"

#define SNAP_MAGIC	"FLSNAP\r\n"	/* 8 bytes, no NUL */
#define SNAP_BOM	0x01020304u	/* byte order mark */
#define SNAP_ALIGN	16

struct snap_hdr {
	char		magic[8];
	uint32_t	version;	/* INDEX_SNAP_VERSION */
	uint32_t	bom;		/* SNAP_BOM as written */
	uint64_t	gen;		/* store generation */
	uint64_t	size;		/* bytes of the whole file */
	uint64_t	sum;		/* index_snap_sum of the rest */
	uint32_t	nzones;
	uint32_t	pad;
	uint64_t	nvalues;
	uint64_t	values;		/* offset of the values */
	uint64_t	strsize;
	uint64_t	strings;	/* offset of the strings */
};

struct snap_zone {
	uint64_t	name, txt, url;	/* string offsets */
	int64_t		serial;
	uint32_t	code;
	uint32_t	topbits;
	uint64_t	n32, k32, v32, top;
	uint64_t	nnodes, nodes;
	uint64_t	nint, istart, inode;
};

/* A saved value: struct index_value with the reason as an offset. */
struct snap_value {
	uint32_t	code;
	uint32_t	reason_len;
	uint64_t	reason;
	int64_t		listed_at;
	int64_t		expires_at;
};

_Static_assert(sizeof(struct snap_hdr) % SNAP_ALIGN == 0, "header size");
_Static_assert(sizeof(struct snap_zone) % SNAP_ALIGN == 0, "zone size");
_Static_assert(sizeof(struct snap_value) == sizeof(struct index_value) &&
    offsetof(struct snap_value, reason) ==
    offsetof(struct index_value, reason) &&
    offsetof(struct snap_value, listed_at) ==
    offsetof(struct index_value, listed_at) &&
    offsetof(struct snap_value, expires_at) ==
    offsetof(struct index_value, expires_at),
    "a saved value is fixed up in place");

static uint64_t
rotl(uint64_t x, unsigned r)
{
	return x << r | x >> (64 - r);
}

uint64_t
index_snap_sum(const void *p, size_t len)
{
	const unsigned char	*s = p;
	uint64_t		 h[4] = { 0x9e3779b97f4a7c15ULL,
	    0xc2b2ae3d27d4eb4fULL, 0x165667b19e3779f9ULL,
	    0x27d4eb2f165667c5ULL };
	uint64_t		 w, r;
	size_t			 i = 0;
	int			 j;

	/* Four independent lanes, so the multiplies overlap. */
	for (; len - i >= 32; i += 32) {
		for (j = 0; j < 4; j++) {
			memcpy(&w, s + i + 8 * j, 8);
			h[j] = rotl((h[j] ^ w) * 0x9fb21c651e98df25ULL, 29);
		}
	}
	r = rotl(h[0], 1) ^ rotl(h[1], 7) ^ rotl(h[2], 12) ^ rotl(h[3], 18);
	for (; i < len; i++)
		r = (r ^ s[i]) * 0x100000001b3ULL;
	r ^= (uint64_t)len;
	r ^= r >> 33;
	r *= 0xff51afd7ed558ccdULL;
	r ^= r >> 33;
	return r;
}

/* The checksum of a file of len bytes whose strings start at strings. */
static uint64_t
snap_file_sum(const char *m, size_t strings, size_t len)
{
	return index_snap_sum(m, strings) ^
	    rotl(index_snap_sum(m + strings, len - strings), 17);
}

void
index_snap_seal(void *buf, size_t len)
{
	struct snap_hdr	h;
	char		*m = buf;

	if (len < sizeof(h))
		return;
	memcpy(&h, m, sizeof(h));
	if (h.strings < sizeof(h) || h.strings > len)
		return;
	h.sum = 0;
	memcpy(m, &h, sizeof(h));
	h.sum = snap_file_sum(m, (size_t)h.strings, len);
	memcpy(m, &h, sizeof(h));
}

static size_t
align16(size_t n)
{
	return (n + SNAP_ALIGN - 1) & ~(size_t)(SNAP_ALIGN - 1);
}

/* Pointer -> string offset map for the writer (reasons are interned). */
struct strmap {
	const char	**key;
	uint64_t	 *off;
	size_t		  cap;
	char		 *buf;
	size_t		  len, bufcap;
};

static uint64_t
strmap_put(struct strmap *m, const char *s)
{
	size_t	i, n;

	i = (size_t)(((uintptr_t)s >> 3) * 0x9e3779b97f4a7c15ULL) &
	    (m->cap - 1);
	while (m->key[i] != NULL) {
		if (m->key[i] == s)
			return m->off[i];
		i = (i + 1) & (m->cap - 1);
	}
	n = strlen(s) + 1;
	while (m->bufcap - m->len < n) {
		m->bufcap = m->bufcap != 0 ? m->bufcap * 2 : 4096;
		m->buf = xreallocarray(m->buf, m->bufcap, 1);
	}
	memcpy(m->buf + m->len, s, n);
	m->key[i] = s;
	m->off[i] = m->len;
	m->len += n;
	return m->off[i];
}

/* Size of a zone's arrays in the file, in layout order. */
static size_t
zone_bytes(const struct izone *z)
{
	size_t	n = 0;

	if (z->n32 > 0)
		n += 2 * align16(z->n32 * 4) +
		    align16((((size_t)1 << z->topbits) + 1) * 4);
	n += align16(z->nnodes * sizeof(struct inode));
	n += align16(z->nint * sizeof(struct ikey));
	n += align16(z->nint * sizeof(int32_t));
	return n;
}

static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = write(fd, p, len > (1u << 30) ? (1u << 30) : len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
index_save(const struct index *idx, uint64_t gen, const char *path)
{
	struct strmap		 sm;
	struct snap_hdr		*h;
	struct snap_zone	*sz;
	struct snap_value	*sv;
	char			 tmp[PATH_MAX];
	char			*m;
	size_t			 total, off, strsize, i, slots;
	int			 zi, fd = -1, saved;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* Strings first: the layout needs their size. */
	memset(&sm, 0, sizeof(sm));
	for (sm.cap = 64; sm.cap < 2 * (idx->nvalues + 3 * INDEX_ZONES_MAX);)
		sm.cap *= 2;
	sm.key = xcalloc(sm.cap, sizeof(*sm.key));
	sm.off = xcalloc(sm.cap, sizeof(*sm.off));
	(void)strmap_put(&sm, "");	/* the table is never empty */

	total = sizeof(*h) + align16((size_t)idx->nzones * sizeof(*sz)) +
	    align16(idx->nvalues * sizeof(*sv));
	for (zi = 0; zi < idx->nzones; zi++)
		total += zone_bytes(&idx->zones[zi]);
	m = list_map(total + SNAP_ALIGN);	/* zeroed: padding is 0 */
	h = (struct snap_hdr *)m;
	sz = (struct snap_zone *)(m + sizeof(*h));
	off = sizeof(*h) + align16((size_t)idx->nzones * sizeof(*sz));
	sv = (struct snap_value *)(m + off);
	for (i = 0; i < idx->nvalues; i++) {
		const struct index_value	*v = &idx->values[i];

		sv[i].code = v->code;
		sv[i].reason_len = v->reason_len;
		sv[i].reason = strmap_put(&sm, v->reason);
		sv[i].listed_at = v->listed_at;
		sv[i].expires_at = v->expires_at;
	}
	h->nvalues = idx->nvalues;
	h->values = off;
	off += align16(idx->nvalues * sizeof(*sv));
	for (zi = 0; zi < idx->nzones; zi++) {
		const struct izone	*z = &idx->zones[zi];
		struct snap_zone	*s = &sz[zi];

		s->name = strmap_put(&sm, z->z.name);
		s->txt = strmap_put(&sm, z->z.txt);
		s->url = strmap_put(&sm, z->z.url);
		s->serial = z->z.serial;
		s->code = z->z.code;
		s->n32 = z->n32;
		s->topbits = z->n32 > 0 ? z->topbits : 0;
		if (z->n32 > 0) {
			slots = ((size_t)1 << z->topbits) + 1;
			s->k32 = off;
			memcpy(m + off, z->k32, z->n32 * 4);
			off += align16(z->n32 * 4);
			s->v32 = off;
			memcpy(m + off, z->v32, z->n32 * 4);
			off += align16(z->n32 * 4);
			s->top = off;
			memcpy(m + off, z->top, slots * 4);
			off += align16(slots * 4);
		}
		s->nnodes = z->nnodes;
		s->nodes = off;
		if (z->nnodes > 0)
			memcpy(m + off, z->nodes,
			    z->nnodes * sizeof(struct inode));
		off += align16(z->nnodes * sizeof(struct inode));
		s->nint = z->nint;
		s->istart = off;
		if (z->nint > 0)
			memcpy(m + off, z->istart,
			    z->nint * sizeof(struct ikey));
		off += align16(z->nint * sizeof(struct ikey));
		s->inode = off;
		if (z->nint > 0)
			memcpy(m + off, z->inode, z->nint * sizeof(int32_t));
		off += align16(z->nint * sizeof(int32_t));
	}
	strsize = sm.len;
	memcpy(h->magic, SNAP_MAGIC, sizeof(h->magic));
	h->version = INDEX_SNAP_VERSION;
	h->bom = SNAP_BOM;
	h->gen = gen;
	h->nzones = (uint32_t)idx->nzones;
	h->strsize = strsize;
	h->strings = off;
	h->size = off + strsize;
	/* Header (sum field 0) and arrays, then the strings after them. */
	h->sum = 0;
	h->sum = index_snap_sum(m, off) ^
	    rotl(index_snap_sum(sm.buf, strsize), 17);

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	/*
	 * No fsync: the file is a cache. After a power cut a torn or empty
	 * file fails its checksum and the daemon compiles from the store;
	 * an fsync of a large file would stall the DNS answers sharing the
	 * disk for nothing.
	 */
	if (fd == -1 || write_all(fd, m, off) == -1 ||
	    write_all(fd, sm.buf, strsize) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1)
		goto fail;
	list_unmap(m, total + SNAP_ALIGN);
	free(sm.key);
	free(sm.off);
	free(sm.buf);
	return 0;
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	unlink(tmp);
	list_unmap(m, total + SNAP_ALIGN);
	free(sm.key);
	free(sm.off);
	free(sm.buf);
	errno = saved;
	return -1;
}

/* Loader state: the region being checked and the running layout. */
struct snap_rd {
	char		*m;
	size_t		 size;
	size_t		 off;		/* next section must start here */
	const char	*err;
	char		*errbuf;
	size_t		 errlen;
};

static void
bad(struct snap_rd *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
bad(struct snap_rd *r, const char *fmt, ...)
{
	va_list	ap;

	if (r->err != NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(r->errbuf, r->errlen, fmt, ap);
	va_end(ap);
	r->err = r->errbuf;
}

/*
 * The next section: n elements of esz bytes, which must start at
 * recorded offset off, equal to the running layout offset, and end
 * within the file. Returns its address, or NULL (also for n == 0) with
 * r->err set on a mismatch.
 */
static void *
section(struct snap_rd *r, const char *what, uint64_t off, uint64_t n,
    size_t esz)
{
	size_t	len;
	void	*p;

	if (r->err != NULL)
		return NULL;
	if (r->off > r->size) {
		bad(r, "%s: past the end of the file", what);
		return NULL;
	}
	if (off != r->off) {
		bad(r, "%s at offset %llu, want %zu", what,
		    (unsigned long long)off, r->off);
		return NULL;
	}
	if (n > (r->size - r->off) / esz) {
		bad(r, "%s: %llu entries do not fit in the file", what,
		    (unsigned long long)n);
		return NULL;
	}
	len = (size_t)n * esz;
	p = n > 0 ? r->m + r->off : NULL;
	/* Padding may run past the end only for the last section. */
	r->off = align16(r->off + len);
	return p;
}

static const char *
string_at(struct snap_rd *r, const char *strs, uint64_t strsize,
    uint64_t off, const char *what)
{
	if (off >= strsize) {
		bad(r, "%s: string offset %llu out of range", what,
		    (unsigned long long)off);
		return "";
	}
	return strs + off;
}

/*
 * Untrusted input (a file on disk that anyone may have damaged or
 * replaced; no RFC): verify every count, offset and array entry that a
 * lookup dereferences, then fix the offsets up into pointers. Takes the
 * region m (size bytes, from list_map(mapsize)); on failure frees it and
 * returns NULL with the reason in errbuf.
 */
static struct index *
snap_parse(char *m, size_t size, size_t mapsize, uint64_t gen, char *errbuf,
    size_t errlen, int *eno)
{
	struct snap_rd		 r;
	struct snap_hdr		 h;
	struct snap_zone	 sz;
	struct snap_value	*sv;
	const char		*strs;
	struct index		*idx;
	uint64_t		 sum, i;
	int			 zi;

	memset(&r, 0, sizeof(r));
	r.m = m;
	r.size = size;
	r.errbuf = errbuf;
	r.errlen = errlen;
	*eno = EINVAL;
	if (size < sizeof(h)) {
		bad(&r, "truncated: %zu bytes, shorter than the header", size);
		goto fail;
	}
	memcpy(&h, m, sizeof(h));
	if (memcmp(h.magic, SNAP_MAGIC, sizeof(h.magic)) != 0) {
		bad(&r, "not a fairlist snapshot (bad magic)");
		goto fail;
	}
	if (h.bom != SNAP_BOM) {
		bad(&r, "written on a machine of another byte order");
		goto fail;
	}
	if (h.version != INDEX_SNAP_VERSION) {
		bad(&r, "format version %u, want %u", h.version,
		    INDEX_SNAP_VERSION);
		goto fail;
	}
	if (h.size != size) {
		bad(&r, "size %zu bytes, header says %llu (truncated?)", size,
		    (unsigned long long)h.size);
		goto fail;
	}
	if (h.gen != gen) {
		bad(&r, "store generation %016llx, want %016llx (stale)",
		    (unsigned long long)h.gen, (unsigned long long)gen);
		*eno = ESTALE;
		goto fail;
	}
	if (h.strings > size || h.strsize != size - h.strings ||
	    h.strings < sizeof(h)) {
		bad(&r, "bad string table (offset %llu, %llu bytes)",
		    (unsigned long long)h.strings,
		    (unsigned long long)h.strsize);
		goto fail;
	}
	memset(m + offsetof(struct snap_hdr, sum), 0, sizeof(h.sum));
	sum = snap_file_sum(m, (size_t)h.strings, size);
	if (sum != h.sum) {
		bad(&r, "checksum mismatch (corrupt file)");
		goto fail;
	}
	if (h.nzones > INDEX_ZONES_MAX) {
		bad(&r, "%u zones, at most %d", h.nzones, INDEX_ZONES_MAX);
		goto fail;
	}
	if (h.strsize == 0 || m[size - 1] != '\0') {
		bad(&r, "string table not NUL-terminated");
		goto fail;
	}
	strs = m + h.strings;
	if (h.nvalues > EXCL32) {
		bad(&r, "%llu values, at most %u", (unsigned long long)
		    h.nvalues, EXCL32);
		goto fail;
	}

	idx = xcalloc(1, sizeof(*idx));
	r.off = sizeof(h);
	/* The zone table: copied out (struct snap_zone is not a pointer). */
	(void)section(&r, "zone table", sizeof(h), h.nzones, sizeof(sz));
	sv = section(&r, "values", h.values, h.nvalues, sizeof(*sv));
	for (i = 0; r.err == NULL && i < h.nvalues; i++) {
		const char	*reason = string_at(&r, strs, h.strsize,
				    sv[i].reason, "value");

		if (r.err == NULL && strlen(reason) != sv[i].reason_len)
			bad(&r, "value %llu: reason length %u, string has "
			    "%zu", (unsigned long long)i, sv[i].reason_len,
			    strlen(reason));
	}
	for (zi = 0; r.err == NULL && zi < (int)h.nzones; zi++) {
		struct izone	*z = &idx->zones[zi];
		size_t		 slots = 0, j;

		memcpy(&sz, m + sizeof(h) + (size_t)zi * sizeof(sz),
		    sizeof(sz));
		z->z.name = string_at(&r, strs, h.strsize, sz.name, "zone");
		z->z.txt = string_at(&r, strs, h.strsize, sz.txt, "zone");
		z->z.url = string_at(&r, strs, h.strsize, sz.url, "zone");
		z->z.serial = sz.serial;
		z->z.code = sz.code;
		index_zone_wire(&z->z);
		if (sz.topbits > 16 || (sz.n32 == 0 && sz.topbits != 0)) {
			bad(&r, "zone %d: %u top bits", zi, sz.topbits);
			break;
		}
		z->n32 = (size_t)sz.n32;
		z->topbits = sz.topbits;
		if (sz.n32 > 0) {
			if (sz.n32 > UINT32_MAX) {
				bad(&r, "zone %d: %llu /32 entries", zi,
				    (unsigned long long)sz.n32);
				break;
			}
			slots = ((size_t)1 << sz.topbits) + 1;
			z->k32 = section(&r, "k32", sz.k32, sz.n32, 4);
			z->v32 = section(&r, "v32", sz.v32, sz.n32, 4);
			z->top = section(&r, "top", sz.top, slots, 4);
		}
		z->nnodes = (size_t)sz.nnodes;
		z->nodes = section(&r, "nodes", sz.nodes, sz.nnodes,
		    sizeof(struct inode));
		z->nint = (size_t)sz.nint;
		z->istart = section(&r, "intervals", sz.istart, sz.nint,
		    sizeof(struct ikey));
		z->inode = section(&r, "interval nodes", sz.inode, sz.nint,
		    sizeof(int32_t));
		if (r.err != NULL)
			break;
		if (sz.nnodes >= (uint64_t)INT32_MAX) {
			bad(&r, "zone %d: %llu nodes", zi,
			    (unsigned long long)sz.nnodes);
			break;
		}
		/* find_interval needs istart[0] == 0 (and one interval). */
		if (z->nint == 0 || z->istart[0].hi != 0 ||
		    z->istart[0].lo != 0) {
			bad(&r, "zone %d: intervals do not start at 0", zi);
			break;
		}
		/* find32: top[] rises from 0 to n32; keys strictly rise. */
		for (j = 0; z->n32 > 0 && j < slots; j++) {
			if (z->top[j] > z->n32 || (j > 0 &&
			    z->top[j] < z->top[j - 1]) ||
			    (j == 0 && z->top[0] != 0) ||
			    (j == slots - 1 && z->top[j] != z->n32)) {
				bad(&r, "zone %d: bad top table", zi);
				break;
			}
		}
		for (j = 0; r.err == NULL && j < z->n32; j++) {
			uint32_t	v = z->v32[j];

			if ((j > 0 && z->k32[j] <= z->k32[j - 1]) ||
			    (v != EXCL32 && v >= h.nvalues))
				bad(&r, "zone %d: bad /32 entry %zu", zi, j);
		}
		/*
		 * Parents point strictly backwards (the compile pushes a
		 * node after its cover), so a parent chain ends.
		 */
		for (j = 0; r.err == NULL && j < z->nnodes; j++) {
			const struct inode	*n = &z->nodes[j];

			if (n->plen > 128 || n->exclude > 1 ||
			    (!n->exclude && n->value >= h.nvalues) ||
			    (n->parent != NONE && (n->parent < 0 ||
			    (size_t)n->parent >= j)))
				bad(&r, "zone %d: bad node %zu", zi, j);
		}
		for (j = 0; r.err == NULL && j < z->nint; j++) {
			int32_t	n = z->inode[j];

			if ((n != NONE && (n < 0 || (size_t)n >= z->nnodes)) ||
			    (j > 0 && (z->istart[j].hi < z->istart[j - 1].hi ||
			    (z->istart[j].hi == z->istart[j - 1].hi &&
			    z->istart[j].lo <= z->istart[j - 1].lo))))
				bad(&r, "zone %d: bad interval %zu", zi, j);
		}
	}
	if (r.err == NULL && h.strings != r.off)
		bad(&r, "strings at offset %llu, want %zu",
		    (unsigned long long)h.strings, r.off);
	if (r.err != NULL) {
		free(idx);
		goto fail;
	}
	for (zi = 0; zi < (int)h.nzones; zi++)
		index_zone_itop(&idx->zones[zi]);
	/* Verified: fix the reason offsets up into pointers, in place. */
	for (i = 0; i < h.nvalues; i++) {
		struct index_value	*v = (struct index_value *)&sv[i];
		uint64_t		 o = sv[i].reason;

		v->reason = strs + o;
	}
	idx->nzones = (int)h.nzones;
	index_zones_check(idx);
	idx->values = (struct index_value *)sv;
	idx->nvalues = (size_t)h.nvalues;
	idx->map = m;
	idx->mapsize = mapsize;
	idx->strings = NULL;
	return idx;
fail:
	list_unmap(m, mapsize);
	return NULL;
}

struct index *
index_open_saved_mem(const void *buf, size_t len, uint64_t gen, char *err,
    size_t errlen)
{
	struct index	*idx;
	char		*m;
	int		 eno;

	if (len > INDEX_SNAP_MAX) {
		snprintf(err, errlen, "%zu bytes, more than %zu", len,
		    INDEX_SNAP_MAX);
		errno = EINVAL;
		return NULL;
	}
	/* list_map(0) is NULL; keep one page so the parser sees memory. */
	m = list_map(len > 0 ? len : 1);
	if (len > 0)
		memcpy(m, buf, len);
	if ((idx = snap_parse(m, len, len > 0 ? len : 1, gen, err, errlen,
	    &eno)) == NULL)
		errno = eno;
	return idx;
}

struct index *
index_open_saved(const char *path, uint64_t gen, char *err, size_t errlen)
{
	struct index	*idx;
	struct stat	 sb;
	size_t		 size, got = 0, mapsize;
	ssize_t		 n = 0;
	char		*m;
	int		 fd, eno;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		eno = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(eno));
		errno = eno;
		return NULL;
	}
	if (fstat(fd, &sb) == -1) {
		eno = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(eno));
		close(fd);
		errno = eno;
		return NULL;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size < 0 ||
	    (uint64_t)sb.st_size > INDEX_SNAP_MAX) {
		snprintf(err, errlen, "%s: not a regular file of at most %zu "
		    "bytes", path, INDEX_SNAP_MAX);
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	size = (size_t)sb.st_size;
	mapsize = size > 0 ? size : 1;
	m = list_map(mapsize);
	/* One read; a file that shrinks meanwhile is caught by the size. */
	while (got < size) {
		n = read(fd, m + got, size - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	eno = errno;
	close(fd);
	if (got < size && n == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(eno));
		list_unmap(m, mapsize);
		errno = eno;
		return NULL;
	}
	if ((idx = snap_parse(m, got, mapsize, gen, err, errlen, &eno)) ==
	    NULL) {
		char	msg[256];

		snprintf(msg, sizeof(msg), "%s", err);
		snprintf(err, errlen, "%s: %s", path, msg);
		errno = eno;
	}
	return idx;
}
