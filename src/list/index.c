/*
 * index.c: the immutable index snapshot answering "which listings cover
 * this address", and the builder that compiles it.
 *
 * Layout, per zone:
 *  - IPv4 /32 entries (the bulk of any DNSBL) in a sorted uint32 key
 *    array with a parallel uint32 value array, narrowed by a first-level
 *    table on the top bits of the key (up to 16 bits, 65,537 offsets), then
 *    a binary search of a few elements. 8 bytes per listed address.
 *  - Every other prefix (IPv4 CIDRs in their IPv4-mapped 128-bit form, all
 *    IPv6) as a node with a parent link to the next less specific covering
 *    node, plus the nodes compiled into sorted disjoint intervals of the
 *    128-bit space, each naming its most specific covering node (or none).
 *    One binary search finds the most specific cover; the parent chain
 *    gives the rest, most specific first.
 *  - Values (code, reason, listed_at, expires_at) are interned: equal
 *    values share one struct, and reasons are interned strings, so a
 *    million listings with one reason cost one value. Reasons and the
 *    zone's TXT template and URL are sanitised as they are interned
 *    (intern_text): no control, C1 or bidi character and no invalid
 *    UTF-8 reaches an answer, whatever the store holds.
 *
 * Exclusions (rbldnsd "!") are entries like any other: if the most
 * specific live cover of an address is an exclusion, the address is not
 * listed. Expired listings are skipped at lookup time as if absent (the
 * lookups take now), so listings stop answering at their expiry without
 * a rebuild. Exclusions never expire.
 *
 * Memory: the compiled arrays live in one anonymous mapping released by
 * index_free; interned strings in a chain of malloc'd chunks (a snapshot
 * loaded from a file by snap.c keeps them in its mapping). A snapshot
 * is never written after index_builder_finish, so any number of threads
 * may read it without locks. Nothing here logs or does I/O.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>

#include "core/hash.h"
#include "core/log.h"
#include "core/str.h"
#include "core/xmalloc.h"
#include "dns/dns.h"
#include "list/list.h"
#include "list/list_int.h"

/*
 * The last zone id handed out (index_zone.id): the one piece of process
 * state here, an identity that caches keyed on a zone can trust.
 */
static _Atomic uint64_t	zone_ids;

#define STRCHUNK	65536		/* bytes per string arena chunk */
#define TOPBITS_MAX	16
#define LIST_HUGE_MIN	(2u * 1024 * 1024)	/* bytes: madvise THP from here */
#define SORT32_SMALL	64	/* below this, sort32 sorts by insertion */

/* Builder state. */
struct b32 {
	uint32_t	key;
	uint32_t	val;
};

struct bnode {
	struct ikey	k;
	uint8_t		plen;
	uint8_t		exclude;
	uint32_t	value;
	uint32_t	seq;
};

struct bzone {
	struct index_zone	 z;
	struct lvec		 e32;		/* struct b32 */
	struct lvec		 nodes;		/* struct bnode */
	/* Filled by finish: the compiled arrays before the final copy. */
	struct lvec		 ints;		/* struct ikey */
	struct lvec		 intn;		/* int32_t */
};

struct index_builder {
	struct bzone		 zones[INDEX_ZONES_MAX];
	int			 nzones;
	struct lvec		 values;	/* struct index_value */
	uint32_t		*vhash;		/* value id + 1, 0 = empty */
	size_t			 vhcap;
	const char		**shash;	/* interned strings */
	size_t			 shcap, nstr;
	struct strchunk		*strings;
	uint32_t		 seq;
	/* One-entry cache: imports add runs of equal values. */
	int			 have_last;
	uint32_t		 last_id;
};

/* Memory helpers (list_int.h). */

void *
list_map(size_t size)
{
	void	*p;

	if (size == 0)
		return NULL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		fatal("mmap %zu bytes", size);
	/*
	 * Big arrays on transparent huge pages: a 1e6-entry compile then
	 * takes a few dozen page faults instead of thousands (best effort;
	 * the kernel may have THP off).
	 */
	if (size >= LIST_HUGE_MIN)
		madvise(p, size, MADV_HUGEPAGE);
	return p;
}

void
list_unmap(void *p, size_t size)
{
	if (p != NULL && size > 0)
		munmap(p, size);
}

void
lvec_init(struct lvec *v, size_t esz)
{
	memset(v, 0, sizeof(*v));
	v->esz = esz;
}

void *
lvec_reserve(struct lvec *v, size_t n)
{
	size_t	 ncap;
	void	*np;

	if (v->cap - v->n >= n)
		return (char *)v->p + v->n * v->esz;
	ncap = v->cap != 0 ? v->cap : 4096 / v->esz;
	while (ncap - v->n < n) {
		if (ncap > SIZE_MAX / 2 / v->esz)
			fatalx("lvec: too many elements");
		ncap *= 2;
	}
	if (v->p == NULL)
		np = list_map(ncap * v->esz);
	else {
		/* mremap moves pages instead of copying them. */
		np = mremap(v->p, v->cap * v->esz, ncap * v->esz,
		    MREMAP_MAYMOVE);
		if (np == MAP_FAILED)
			fatal("mremap %zu bytes", ncap * v->esz);
		if (ncap * v->esz >= LIST_HUGE_MIN)
			madvise(np, ncap * v->esz, MADV_HUGEPAGE);
	}
	v->p = np;
	v->cap = ncap;
	return (char *)v->p + v->n * v->esz;
}

void
lvec_push(struct lvec *v, const void *e)
{
	memcpy(lvec_reserve(v, 1), e, v->esz);
	v->n++;
}

void
lvec_free(struct lvec *v)
{
	list_unmap(v->p, v->cap * v->esz);
	v->p = NULL;
	v->n = v->cap = 0;
}

/* Strings: a chain of chunks; oversized strings get their own chunk. */
static const char *
str_store(struct strchunk **head, const char *s, size_t len)
{
	struct strchunk	*c = *head;
	char		*d;

	if (c == NULL || c->size - c->used < len + 1) {
		size_t	size = len + 1 > STRCHUNK ? len + 1 : STRCHUNK;

		c = xmalloc(sizeof(*c) + size);
		c->size = size;
		c->used = 0;
		c->next = *head;
		*head = c;
	}
	d = c->s + c->used;
	memcpy(d, s, len);
	d[len] = '\0';
	c->used += len + 1;
	return d;
}

static void
str_free_all(struct strchunk *c)
{
	struct strchunk	*next;

	for (; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
}

static uint64_t
hash_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static const char *
intern(struct index_builder *b, const char *s)
{
	size_t		 len = strlen(s), i, mask;
	const char	*d;

	if ((b->nstr + 1) * 2 > b->shcap) {
		size_t		 ncap = b->shcap != 0 ? b->shcap * 2 : 64;
		const char	**nh = xcalloc(ncap, sizeof(*nh));

		for (i = 0; i < b->shcap; i++) {
			size_t	j;

			if (b->shash[i] == NULL)
				continue;
			/* Reasons come from files: a seeded hash. */
			j = hash_str(b->shash[i], hash_seed()) & (ncap - 1);
			while (nh[j] != NULL)
				j = (j + 1) & (ncap - 1);
			nh[j] = b->shash[i];
		}
		free(b->shash);
		b->shash = nh;
		b->shcap = ncap;
	}
	mask = b->shcap - 1;
	i = hash_bytes(s, len, hash_seed()) & mask;
	while (b->shash[i] != NULL) {
		if (strcmp(b->shash[i], s) == 0)
			return b->shash[i];
		i = (i + 1) & mask;
	}
	d = str_store(&b->strings, s, len);
	b->shash[i] = d;
	b->nstr++;
	return d;
}

/*
 * Intern text bound for answers. The store is not trusted input for the
 * wire: text that str_text_check refuses (invalid UTF-8, C0 and C1
 * controls, bidirectional controls) is interned with each such character,
 * or each byte of an invalid sequence, replaced by '?'.
 */
static const char *
intern_text(struct index_builder *b, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 len = strlen(s), i = 0, o = 0, n, k;
	const char		*d;
	char			*t;

	if (str_text_check(s, len, NULL) == 0)
		return intern(b, s);
	t = xmalloc(len + 1);
	while (i < len) {
		n = p[i] < 0x80 ? 1 : p[i] >= 0xc2 && p[i] <= 0xdf ? 2 :
		    p[i] >= 0xe0 && p[i] <= 0xef ? 3 :
		    p[i] >= 0xf0 && p[i] <= 0xf4 ? 4 : 0;
		if (n != 0 && n <= len - i &&
		    str_text_check(s + i, n, NULL) == 0) {
			memcpy(t + o, s + i, n);
			o += n;
			i += n;
			continue;
		}
		/* Tab, CR and LF become a space, as the reply layer does. */
		if (p[i] == '\t' || p[i] == '\r' || p[i] == '\n') {
			t[o++] = ' ';
			i++;
			continue;
		}
		t[o++] = '?';
		/* A whole sequence (a C1 or bidi character) is one '?'. */
		for (k = 1; n != 0 && k < n && k < len - i &&
		    (p[i + k] & 0xc0) == 0x80; k++)
			;
		i += n != 0 && k == n ? n : 1;
	}
	t[o] = '\0';
	d = intern(b, t);
	free(t);
	return d;
}

static uint64_t
value_hash(const struct index_value *v)
{
	uint64_t	h;

	h = hash_mix((uint64_t)(uintptr_t)v->reason ^ v->code);
	h = hash_mix(h ^ (uint64_t)v->listed_at);
	return hash_mix(h ^ (uint64_t)v->expires_at);
}

static int
value_eq(const struct index_value *a, const struct index_value *b)
{
	/* Reasons are interned, so pointer equality is string equality. */
	return a->code == b->code && a->reason == b->reason &&
	    a->listed_at == b->listed_at && a->expires_at == b->expires_at;
}

static uint32_t
value_intern(struct index_builder *b, const struct index_value *v)
{
	struct index_value	*vals;
	size_t			 i, mask;

	if ((b->values.n + 1) * 2 > b->vhcap) {
		size_t		 ncap = b->vhcap != 0 ? b->vhcap * 2 : 64;
		uint32_t	*nh = xcalloc(ncap, sizeof(*nh));

		vals = b->values.p;
		for (i = 0; i < b->values.n; i++) {
			size_t	j = value_hash(&vals[i]) & (ncap - 1);

			while (nh[j] != 0)
				j = (j + 1) & (ncap - 1);
			nh[j] = (uint32_t)i + 1;
		}
		free(b->vhash);
		b->vhash = nh;
		b->vhcap = ncap;
	}
	vals = b->values.p;
	mask = b->vhcap - 1;
	i = value_hash(v) & mask;
	while (b->vhash[i] != 0) {
		if (value_eq(&vals[b->vhash[i] - 1], v))
			return b->vhash[i] - 1;
		i = (i + 1) & mask;
	}
	if (b->values.n >= EXCL32 - 1)
		fatalx("index: too many distinct values");
	lvec_push(&b->values, v);
	b->vhash[i] = (uint32_t)b->values.n;
	return (uint32_t)b->values.n - 1;
}

static void
key_of(const uint8_t a[ADDR_LEN], struct ikey *k)
{
	int	i;

	k->hi = k->lo = 0;
	for (i = 0; i < 8; i++) {
		k->hi = k->hi << 8 | a[i];
		k->lo = k->lo << 8 | a[i + 8];
	}
}

static void
key_to(const struct ikey *k, uint8_t a[ADDR_LEN])
{
	int	i;

	for (i = 0; i < 8; i++) {
		a[i] = (uint8_t)(k->hi >> (56 - 8 * i));
		a[i + 8] = (uint8_t)(k->lo >> (56 - 8 * i));
	}
}

static int
key_cmp(const struct ikey *a, const struct ikey *b)
{
	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return 0;
}

/* The last address of the prefix (k, plen). */
static struct ikey
key_last(const struct ikey *k, unsigned plen)
{
	struct ikey	l = *k;

	if (plen == 0) {
		l.hi = l.lo = UINT64_MAX;
	} else if (plen < 64) {
		l.hi |= UINT64_MAX >> plen;
		l.lo = UINT64_MAX;
	} else if (plen < 128) {
		l.lo |= UINT64_MAX >> (plen - 64);
	}
	return l;
}

/* k + 1; returns 0 on wrap-around past the last address. */
static int
key_inc(struct ikey *k)
{
	if (++k->lo != 0)
		return 1;
	return ++k->hi != 0;
}

struct index_builder *
index_builder_new(void)
{
	struct index_builder	*b = xcalloc(1, sizeof(*b));

	lvec_init(&b->values, sizeof(struct index_value));
	return b;
}

static void
bzone_free(struct bzone *z)
{
	lvec_free(&z->e32);
	lvec_free(&z->nodes);
	lvec_free(&z->ints);
	lvec_free(&z->intn);
}

void
index_builder_free(struct index_builder *b)
{
	int	i;

	if (b == NULL)
		return;
	for (i = 0; i < b->nzones; i++)
		bzone_free(&b->zones[i]);
	lvec_free(&b->values);
	free(b->vhash);
	free(b->shash);
	str_free_all(b->strings);
	free(b);
}

void
index_zone_wire(struct index_zone *z)
{
	size_t	i;

	z->wire_len = z->name != NULL ? dns_name_from_text(z->name, z->wire,
	    sizeof(z->wire)) : 0;
	z->wire_labels = 0;
	for (i = 0; i < z->wire_len && z->wire[i] != 0; i += 1 + z->wire[i])
		z->wire_labels++;
	z->id = atomic_fetch_add_explicit(&zone_ids, 1,
	    memory_order_relaxed) + 1;
}

int
index_builder_zone(struct index_builder *b, const struct index_zone *z)
{
	struct bzone	*bz;

	if (b->nzones >= INDEX_ZONES_MAX || z->name == NULL)
		return -1;
	bz = &b->zones[b->nzones];
	memset(bz, 0, sizeof(*bz));
	bz->z = *z;
	bz->z.name = intern(b, z->name);
	bz->z.txt = intern_text(b, z->txt != NULL ? z->txt : "");
	bz->z.url = intern_text(b, z->url != NULL ? z->url : "");
	index_zone_wire(&bz->z);
	lvec_init(&bz->e32, sizeof(struct b32));
	lvec_init(&bz->nodes, sizeof(struct bnode));
	lvec_init(&bz->ints, sizeof(struct ikey));
	lvec_init(&bz->intn, sizeof(int32_t));
	return b->nzones++;
}

int
index_builder_add(struct index_builder *b, int zone,
    const struct addr_prefix *p, int exclude, uint32_t code,
    const char *reason, int64_t listed_at, int64_t expires_at)
{
	struct bzone		*bz;
	struct index_value	 v;
	struct b32		 e;
	struct bnode		 n;
	uint32_t		 id = 0, v4;
	uint8_t			 a[ADDR_LEN];

	if (zone < 0 || zone >= b->nzones || p->plen > 128)
		return -1;
	bz = &b->zones[zone];
	if (!exclude) {
		const struct index_value	*last;

		v.code = code != 0 ? code : bz->z.code;
		if (reason == NULL)
			reason = "";
		v.listed_at = listed_at;
		v.expires_at = expires_at;
		last = b->have_last ?
		    (struct index_value *)b->values.p + b->last_id : NULL;
		if (last != NULL && last->code == v.code &&
		    last->listed_at == listed_at &&
		    last->expires_at == expires_at &&
		    strcmp(last->reason, reason) == 0) {
			id = b->last_id;
		} else {
			v.reason = intern_text(b, reason);
			v.reason_len = (uint32_t)strlen(v.reason);
			id = value_intern(b, &v);
			b->last_id = id;
			b->have_last = 1;
		}
	}
	/* Clear host bits: a sloppy caller must not break the order. */
	memcpy(a, p->a, ADDR_LEN);
	addr_mask(a, p->plen);
	if (p->plen == 128 && addr_is_v4(a, &v4)) {
		e.key = v4;
		e.val = exclude ? EXCL32 : id;
		lvec_push(&bz->e32, &e);
		return 0;
	}
	memset(&n, 0, sizeof(n));
	key_of(a, &n.k);
	n.plen = p->plen;
	n.exclude = exclude != 0;
	n.value = id;
	n.seq = b->seq++;
	lvec_push(&bz->nodes, &n);
	return 0;
}

/*
 * Stable LSD radix sort of the /32 entries by key (two 16-bit passes), so
 * that among equal keys the insertion order stays: the later add wins.
 */
static void
sort32(struct lvec *v)
{
	struct b32	*a = v->p, *tmp;
	size_t		 n = v->n, i, sum;
	size_t		*cnt;
	int		 pass;

	if (n < 2)
		return;
	if (n < SORT32_SMALL) {
		/* Insertion sort: stable, and no 512 KB of counters. */
		for (i = 1; i < n; i++) {
			struct b32	x = a[i];
			size_t		j = i;

			for (; j > 0 && a[j - 1].key > x.key; j--)
				a[j] = a[j - 1];
			a[j] = x;
		}
		return;
	}
	tmp = list_map(n * sizeof(*tmp));
	cnt = xmalloc(65536 * sizeof(*cnt));
	for (pass = 0; pass < 2; pass++) {
		unsigned	 sh = pass * 16;
		struct b32	*src = pass == 0 ? a : tmp;
		struct b32	*dst = pass == 0 ? tmp : a;

		memset(cnt, 0, 65536 * sizeof(*cnt));
		for (i = 0; i < n; i++)
			cnt[(src[i].key >> sh) & 0xffff]++;
		for (sum = 0, i = 0; i < 65536; i++) {
			size_t	c = cnt[i];

			cnt[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			dst[cnt[(src[i].key >> sh) & 0xffff]++] = src[i];
	}
	free(cnt);
	list_unmap(tmp, n * sizeof(*tmp));
}

static int
bnode_cmp(const void *pa, const void *pb)
{
	const struct bnode	*a = pa, *b = pb;
	int			 c;

	if ((c = key_cmp(&a->k, &b->k)) != 0)
		return c;
	if (a->plen != b->plen)
		return a->plen < b->plen ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void
emit_interval(struct bzone *z, const struct ikey *start, int32_t node)
{
	struct ikey	*s = z->ints.p;
	int32_t		*n = z->intn.p;

	if (z->ints.n > 0 && key_cmp(&s[z->ints.n - 1], start) == 0) {
		/* Same start: the later (inner) decision replaces it. */
		z->ints.n--;
		z->intn.n--;
	}
	if (z->ints.n > 0 && n[z->intn.n - 1] == node)
		return;		/* merge with the previous interval */
	lvec_push(&z->ints, start);
	lvec_push(&z->intn, &node);
}

/* Pop the stack entries that end before limit (all if limit is NULL). */
static void
pop_until(struct bzone *z, const struct bnode *nodes, int32_t *stack,
    size_t *depth, const struct ikey *limit)
{
	while (*depth > 0) {
		const struct bnode	*t = &nodes[stack[*depth - 1]];
		struct ikey		 end = key_last(&t->k, t->plen);

		if (limit != NULL && key_cmp(&end, limit) >= 0)
			break;
		(*depth)--;
		if (key_inc(&end))
			emit_interval(z, &end,
			    *depth > 0 ? stack[*depth - 1] : NONE);
	}
}

/* Sort, deduplicate (later add wins) and compile one zone's entries. */
static void
compile_zone(struct bzone *z)
{
	struct b32	*e = z->e32.p;
	struct bnode	*nd = z->nodes.p;
	size_t		 i, o, depth = 0;
	int32_t		*stack;
	struct ikey	 zero = { 0, 0 };

	sort32(&z->e32);
	for (i = 0, o = 0; i < z->e32.n; i++) {
		if (i + 1 < z->e32.n && e[i + 1].key == e[i].key)
			continue;	/* a later add of the same key wins */
		e[o++] = e[i];
	}
	z->e32.n = o;

	if (z->nodes.n > 1)
		qsort(nd, z->nodes.n, sizeof(*nd), bnode_cmp);
	for (i = 0, o = 0; i < z->nodes.n; i++) {
		if (i + 1 < z->nodes.n && nd[i + 1].plen == nd[i].plen &&
		    key_cmp(&nd[i + 1].k, &nd[i].k) == 0)
			continue;
		nd[o++] = nd[i];
	}
	z->nodes.n = o;

	/*
	 * Sweep the nodes in (start, length) order: prefixes nest or are
	 * disjoint, so a stack holds the covers of the current position.
	 * Each node's parent is the stack top when it is pushed.
	 */
	emit_interval(z, &zero, NONE);
	stack = xreallocarray(NULL, 129, sizeof(*stack));
	for (i = 0; i < z->nodes.n; i++) {
		pop_until(z, nd, stack, &depth, &nd[i].k);
		nd[i].seq = depth > 0 ? (uint32_t)stack[depth - 1] :
		    UINT32_MAX;		/* seq now holds the parent */
		stack[depth++] = (int32_t)i;
		emit_interval(z, &nd[i].k, (int32_t)i);
	}
	pop_until(z, nd, stack, &depth, NULL);
	free(stack);
}

static size_t
align_up(size_t n)
{
	return (n + 15) & ~(size_t)15;
}

static unsigned
top_bits(size_t n)
{
	unsigned	bits = 0;

	/* About one to two keys per slot, at most 2^16 slots (256 KB). */
	while (bits < TOPBITS_MAX && ((size_t)1 << (bits + 1)) <= n)
		bits++;
	return bits;
}

struct index *
index_builder_finish(struct index_builder *b)
{
	struct index	*idx = xcalloc(1, sizeof(*idx));
	size_t		 total = 0, off = 0, i;
	char		*m;
	int		 zi;

	for (zi = 0; zi < b->nzones; zi++) {
		struct bzone	*z = &b->zones[zi];

		compile_zone(z);
		if (z->e32.n > 0)
			total += 2 * align_up(z->e32.n * 4) +
			    align_up((((size_t)1 << top_bits(z->e32.n)) + 1) *
			    4);
		total += align_up(z->nodes.n * sizeof(struct inode));
		total += align_up(z->ints.n * sizeof(struct ikey));
		total += align_up(z->intn.n * sizeof(int32_t));
	}
	total += align_up(b->values.n * sizeof(struct index_value));
	idx->mapsize = total;
	idx->map = m = list_map(total);

	for (zi = 0; zi < b->nzones; zi++) {
		struct bzone		*z = &b->zones[zi];
		struct izone		*iz = &idx->zones[zi];
		const struct b32	*e = z->e32.p;
		const struct bnode	*nd = z->nodes.p;

		iz->z = z->z;
		if ((iz->n32 = z->e32.n) > 0) {
			uint32_t	*k = (uint32_t *)(m + off);
			uint32_t	*v = (uint32_t *)(m + off +
					    align_up(iz->n32 * 4));
			uint32_t	*top;
			size_t		 slots, s;
			unsigned	 sh;

			off += 2 * align_up(iz->n32 * 4);
			iz->topbits = top_bits(iz->n32);
			slots = (size_t)1 << iz->topbits;
			top = (uint32_t *)(m + off);
			off += align_up((slots + 1) * 4);
			sh = 32 - iz->topbits;
			for (i = 0, s = 0; i < iz->n32; i++) {
				size_t	slot = (size_t)((uint64_t)e[i].key >>
					    sh);

				while (s <= slot)
					top[s++] = (uint32_t)i;
				k[i] = e[i].key;
				v[i] = e[i].val;
			}
			while (s <= slots)
				top[s++] = (uint32_t)iz->n32;
			iz->k32 = k;
			iz->v32 = v;
			iz->top = top;
		}
		if ((iz->nnodes = z->nodes.n) > 0) {
			struct inode	*n = (struct inode *)(m + off);

			off += align_up(iz->nnodes * sizeof(*n));
			for (i = 0; i < iz->nnodes; i++) {
				n[i].k = nd[i].k;
				n[i].plen = nd[i].plen;
				n[i].exclude = nd[i].exclude;
				n[i].value = nd[i].value;
				n[i].parent = nd[i].seq == UINT32_MAX ? NONE :
				    (int32_t)nd[i].seq;
			}
			iz->nodes = n;
		}
		iz->nint = z->ints.n;
		iz->istart = (struct ikey *)(m + off);
		memcpy(m + off, z->ints.p, z->ints.n * sizeof(struct ikey));
		off += align_up(z->ints.n * sizeof(struct ikey));
		iz->inode = (int32_t *)(m + off);
		memcpy(m + off, z->intn.p, z->intn.n * sizeof(int32_t));
		off += align_up(z->intn.n * sizeof(int32_t));
		index_zone_itop(iz);
		bzone_free(z);
	}
	idx->nzones = b->nzones;
	index_zones_check(idx);
	idx->nvalues = b->values.n;
	idx->values = (struct index_value *)(m + off);
	if (b->values.n > 0)
		memcpy(idx->values, b->values.p,
		    b->values.n * sizeof(struct index_value));
	off += align_up(b->values.n * sizeof(struct index_value));
	/* The interned strings move to the snapshot. */
	idx->strings = b->strings;
	b->strings = NULL;
	b->nzones = 0;
	index_builder_free(b);
	return idx;
}

#define V4MAPPED_LO	0x0000ffff00000000ull	/* ::ffff:0.0.0.0, low half */

static size_t
itop_size(const struct izone *z)
{
	return z->itop == NULL ? 0 :
	    (((size_t)1 << z->itopbits) + 1) * sizeof(uint32_t);
}

void
index_zone_itop(struct izone *z)
{
	size_t		slots, s, j = 0;
	unsigned	sh;

	z->itop = NULL;
	z->itopbits = 0;
	/* A few intervals: the binary search is short anyway. */
	if (z->nint < 8)
		return;
	z->itopbits = top_bits(z->nint);
	slots = (size_t)1 << z->itopbits;
	sh = 32 - z->itopbits;
	z->itop = list_map((slots + 1) * sizeof(uint32_t));
	for (s = 0; s <= slots; s++) {
		uint64_t	lo = V4MAPPED_LO + ((uint64_t)s << sh);

		/* The last interval starting at or before (0, lo). */
		while (j + 1 < z->nint && z->istart[j + 1].hi == 0 &&
		    z->istart[j + 1].lo <= lo)
			j++;
		z->itop[s] = (uint32_t)j;
	}
}

void
index_free(struct index *idx)
{
	int	zi;

	if (idx == NULL)
		return;
	for (zi = 0; zi < idx->nzones; zi++)
		list_unmap(idx->zones[zi].itop, itop_size(&idx->zones[zi]));
	list_unmap(idx->map, idx->mapsize);
	str_free_all(idx->strings);
	free(idx);
}

int
index_zone_count(const struct index *idx)
{
	return idx->nzones;
}

void
index_zones_check(struct index *idx)
{
	const struct index_zone	*a, *b;
	size_t			 i;
	int			 j, k;

	idx->nested = 0;
	for (j = 0; j < idx->nzones; j++) {
		a = &idx->zones[j].z;
		for (k = 0; k < idx->nzones; k++) {
			b = &idx->zones[k].z;
			if (k == j || a->wire_len == 0 ||
			    b->wire_len <= a->wire_len)
				continue;
			/* Is a the tail of b, on one of b's label starts? */
			for (i = 0; i < b->wire_len && b->wire[i] != 0;
			    i += 1 + (size_t)b->wire[i])
				if (b->wire_len - i == a->wire_len &&
				    memcmp(b->wire + i, a->wire,
				    a->wire_len) == 0)
					idx->nested = 1;
		}
	}
}

int
index_zones_nested(const struct index *idx)
{
	return idx->nested;
}

const struct index_zone *
index_zone_get(const struct index *idx, int zone)
{
	if (zone < 0 || zone >= idx->nzones)
		return NULL;
	return &idx->zones[zone].z;
}

int
index_zone_find(const struct index *idx, const char *name, size_t len)
{
	int	i;

	for (i = 0; i < idx->nzones; i++) {
		const char	*n = idx->zones[i].z.name;

		if (strncmp(n, name, len) == 0 && n[len] == '\0')
			return i;
	}
	return -1;
}

size_t
index_zone_size(const struct index *idx, int zone)
{
	if (zone < 0 || zone >= idx->nzones)
		return 0;
	return idx->zones[zone].n32 + idx->zones[zone].nnodes;
}

int64_t
index_next_expiry(const struct index *idx, int64_t now)
{
	int64_t	best = 0;
	size_t	i;

	for (i = 0; i < idx->nvalues; i++) {
		int64_t	e = idx->values[i].expires_at;

		if (e > now && (best == 0 || e < best))
			best = e;
	}
	return best;
}

static int
expired(const struct index_value *v, int64_t now)
{
	return v->expires_at != 0 && v->expires_at <= now;
}

/* Position of key in the zone's /32 array, or -1. */
static ssize_t
find32(const struct izone *z, uint32_t key)
{
	size_t	slot, lo, hi;

	if (z->n32 == 0)
		return -1;
	slot = (size_t)((uint64_t)key >> (32 - z->topbits));
	lo = z->top[slot];
	hi = z->top[slot + 1];
	if (lo == hi)
		return -1;
	/* Branch-free: the last key <= key in [lo, hi). */
	{
		const uint32_t	*base = z->k32 + lo;
		size_t		 n = hi - lo;

		while (n > 1) {
			size_t	half = n / 2;

			base = base[half] <= key ? base + half : base;
			n -= half;
		}
		return *base == key ? (ssize_t)(base - z->k32) : -1;
	}
}

/* Index of the interval holding k (the first interval starts at 0). */
static size_t
find_interval(const struct izone *z, const struct ikey *k)
{
	const struct ikey	*base = z->istart;
	size_t			 n = z->nint;

	/* Last start <= k, branch-free; istart[0] is 0, so one exists. */
	while (n > 1) {
		size_t			 half = n / 2;
		const struct ikey	*m = base + half;
		int			 le;

		le = (m->hi < k->hi) | ((m->hi == k->hi) & (m->lo <= k->lo));

		base = le ? m : base;
		n -= half;
	}
	return (size_t)(base - z->istart);
}

/*
 * n, or NONE if n is an IPv6 prefix (shorter than /96) and v4 is set: an
 * IPv6 prefix never matches an IPv4 address, though ::/0 covers
 * ::ffff:0:0/96 bit for bit. Parents are less specific, so once a chain
 * reaches one, the rest of it is IPv6 too.
 */
static int32_t
family_cut(const struct izone *z, int32_t n, int v4)
{
	return n != NONE && v4 && z->nodes[n].plen < 96 ? NONE : n;
}

/*
 * cover_node for IPv4 address v4: its slot of z->itop bounds the search
 * to the intervals that slot spans (usually one or two).
 */
static int32_t
cover_node_v4(const struct izone *z, uint32_t v4)
{
	const struct ikey	*base;
	uint64_t		 lo = V4MAPPED_LO | v4;
	size_t			 slot, n;

	if (z->nnodes == 0)
		return NONE;
	if (z->itop == NULL) {
		struct ikey	k = { 0, lo };

		return family_cut(z, z->inode[find_interval(z, &k)], 1);
	}
	slot = (size_t)(v4 >> (32 - z->itopbits));
	base = z->istart + z->itop[slot];
	n = z->itop[slot + 1] - z->itop[slot] + 1;
	/* Last start <= (0, lo); base[0] is one (the slot's first). */
	while (n > 1) {
		size_t			 half = n / 2;
		const struct ikey	*m = base + half;

		base = (m->hi == 0 && m->lo <= lo) ? m : base;
		n -= half;
	}
	return family_cut(z, z->inode[base - z->istart], 1);
}

/* The most specific node covering a (of a's family), or NONE. */
static int32_t
cover_node(const struct izone *z, const uint8_t a[ADDR_LEN])
{
	struct ikey	k;

	if (z->nnodes == 0)
		return NONE;
	key_of(a, &k);
	return family_cut(z, z->inode[find_interval(z, &k)],
	    addr_is_v4(a, NULL));
}

static void
hit_node(const struct index *idx, const struct izone *z, int32_t i,
    struct index_hit *hit)
{
	const struct inode	*n = &z->nodes[i];

	key_to(&n->k, hit->a);
	hit->plen = n->plen;
	hit->exclude = n->exclude;
	hit->v = n->exclude ? NULL : &idx->values[n->value];
}

int
index_match(const struct index *idx, int zone, const uint8_t a[ADDR_LEN],
    int64_t now, struct index_hit *hit)
{
	const struct izone	*z;
	uint32_t		 v4;
	int32_t			 n;

	if (idx == NULL || zone < 0 || zone >= idx->nzones)
		return 0;
	if (addr_is_v4(a, &v4))
		return index_match_v4(idx, zone, v4, now, hit);
	z = &idx->zones[zone];
	n = cover_node(z, a);
	while (n != NONE && !z->nodes[n].exclude &&
	    expired(&idx->values[z->nodes[n].value], now))
		n = family_cut(z, z->nodes[n].parent, 0);
	if (n == NONE || z->nodes[n].exclude)
		return 0;
	if (hit != NULL)
		hit_node(idx, z, n, hit);
	return 1;
}

int
index_match_v4(const struct index *idx, int zone, uint32_t v4, int64_t now,
    struct index_hit *hit)
{
	const struct izone	*z;
	ssize_t			 i;
	int32_t			 n;

	if (idx == NULL || zone < 0 || zone >= idx->nzones)
		return 0;
	z = &idx->zones[zone];
	if (z->n32 > 0 && (i = find32(z, v4)) >= 0) {
		uint32_t	val = z->v32[i];

		if (val & EXCL32)
			return 0;
		if (!expired(&idx->values[val], now)) {
			if (hit != NULL) {
				addr_from_v4(hit->a, v4);
				hit->plen = 128;
				hit->exclude = 0;
				hit->v = &idx->values[val];
			}
			return 1;
		}
	}
	n = cover_node_v4(z, v4);
	while (n != NONE && !z->nodes[n].exclude &&
	    expired(&idx->values[z->nodes[n].value], now))
		n = family_cut(z, z->nodes[n].parent, 1);
	if (n == NONE || z->nodes[n].exclude)
		return 0;
	if (hit != NULL)
		hit_node(idx, z, n, hit);
	return 1;
}

size_t
index_lookup(const struct index *idx, int zone, const uint8_t a[ADDR_LEN],
    int64_t now, struct index_hit *hits, size_t max)
{
	const struct izone	*z;
	uint32_t		 v4;
	ssize_t			 i;
	int32_t			 n;
	size_t			 count = 0;

	if (idx == NULL || zone < 0 || zone >= idx->nzones || max == 0)
		return 0;
	z = &idx->zones[zone];
	if (z->n32 > 0 && addr_is_v4(a, &v4) && (i = find32(z, v4)) >= 0) {
		uint32_t	val = z->v32[i];

		if ((val & EXCL32) || !expired(&idx->values[val], now)) {
			memcpy(hits[0].a, a, ADDR_LEN);
			hits[0].plen = 128;
			hits[0].exclude = (val & EXCL32) != 0;
			hits[0].v = (val & EXCL32) ? NULL : &idx->values[val];
			count++;
		}
	}
	for (n = cover_node(z, a); n != NONE && count < max;
	    n = family_cut(z, z->nodes[n].parent, addr_is_v4(a, NULL))) {
		if (!z->nodes[n].exclude &&
		    expired(&idx->values[z->nodes[n].value], now))
			continue;
		hit_node(idx, z, n, &hits[count++]);
	}
	return count;
}

int
index_any_within(const struct index *idx, int zone,
    const struct addr_prefix *p)
{
	static const uint8_t	 v4net[ADDR_LEN] = { 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0xff, 0xff };
	const struct izone	*z;
	struct addr_prefix	 v4p;
	struct ikey		 first, last;
	uint8_t			 a[ADDR_LEN];
	size_t			 i;

	if (idx == NULL || zone < 0 || zone >= idx->nzones || p->plen > 128)
		return 0;
	z = &idx->zones[zone];
	memcpy(a, p->a, ADDR_LEN);
	addr_mask(a, p->plen);

	/* The /32 keys: intersect p with ::ffff:0:0/96. */
	memcpy(v4p.a, v4net, ADDR_LEN);
	v4p.plen = 96;
	if (z->n32 > 0 && (addr_contains(p, v4p.a) || addr_contains(&v4p, a))) {
		uint32_t	lo = 0, hi = UINT32_MAX;
		size_t		l = 0, h = z->n32;

		if (p->plen > 96) {
			addr_is_v4(a, &lo);
			hi = p->plen == 128 ? lo :
			    lo | (uint32_t)(UINT32_MAX >> (p->plen - 96));
		}
		while (l < h) {
			size_t	mid = l + (h - l) / 2;

			if (z->k32[mid] < lo)
				l = mid + 1;
			else
				h = mid;
		}
		if (l < z->n32 && z->k32[l] <= hi)
			return 1;
	}
	if (z->nnodes == 0)
		return 0;
	/*
	 * A node intersects p if the interval holding p's first address has
	 * a node, or the next interval starts inside p (adjacent intervals
	 * without a node are merged, so the next one has a node).
	 */
	key_of(a, &first);
	last = key_last(&first, p->plen);
	i = find_interval(z, &first);
	/*
	 * Inside ::ffff:0:0/96 an IPv6 node does not count (family_cut).
	 * Any IPv6 node covers all of it or none, so after one the next
	 * interval's node, if it starts inside p, is an IPv4 one.
	 */
	if (family_cut(z, z->inode[i], p->plen >= 96 &&
	    addr_is_v4(a, NULL)) != NONE)
		return 1;
	return i + 1 < z->nint && key_cmp(&z->istart[i + 1], &last) <= 0;
}

int
index_zone_entry(const struct index *idx, int zone, size_t i,
    struct index_hit *hit)
{
	const struct izone	*z;

	if (idx == NULL || zone < 0 || zone >= idx->nzones)
		return -1;
	z = &idx->zones[zone];
	if (i < z->n32) {
		addr_from_v4(hit->a, z->k32[i]);
		hit->plen = 128;
		hit->exclude = (z->v32[i] & EXCL32) != 0;
		hit->v = hit->exclude ? NULL : &idx->values[z->v32[i]];
		return 0;
	}
	if (i - z->n32 >= z->nnodes)
		return -1;
	hit_node(idx, z, (int32_t)(i - z->n32), hit);
	return 0;
}
