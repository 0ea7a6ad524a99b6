/*
 * zone.c: a zone of the index snapshot as the records a standard DNS
 * server must hold to answer every address name as fairlist does.
 *
 * fairlist answers an address from its most specific listing in force
 * (an exclusion answers "not listed"). A secondary only has records and
 * RFC 4592 wildcards, so xfr_zone_build turns the listings into names:
 *
 *   - the listings are put on label boundaries first: an IPv4 /20 becomes
 *     sixteen /24 blocks, an IPv6 /63 two /64s (at most 128 or 8 pieces),
 *     a piece keeping the prefix length it came from, so the most
 *     specific listing still wins where pieces meet;
 *   - a block whose addresses all answer alike ("uniform") gets one
 *     wildcard "*.<block>" with that answer, or nothing if it is not
 *     listed; a name of the same answer under a wildcard of that answer
 *     is left out;
 *   - any other block is split into its 256 (IPv4) or 16 (IPv6) children.
 *     It keeps a wildcard with its own answer when none of its children
 *     is wholly unlisted: the children that exist (they hold names) block
 *     it below them (RFC 4592 section 2.2.2, the closest encloser), so
 *     each of them carries its own wildcard or names. A block with a
 *     wholly unlisted child (an exclusion) has no wildcard, since a
 *     wildcard cannot answer NXDOMAIN: its listed children get theirs;
 *   - a wildcard is never put where a name of the other family could fall
 *     under it: an IPv4 block whose labels are all one digit ("*.3.2.1"
 *     would answer the IPv6 names of 1230::/12), an IPv6 block of at most
 *     three one-digit nibbles (four-label IPv4 names), or the apex; such
 *     a block is split instead;
 *   - when the zone's TXT template uses $ip, no wildcard can give each
 *     address its own text, so ranges are expanded into one name per
 *     address, while the zone's expanded names stay within expand-max;
 *     a block past it is left out and counted (the caller logs it).
 *
 * What it does not reproduce (docs/DISTRIBUTION.md): names that are not
 * addresses under a wildcard ("x.4.3.2.1", "300.2.0.192") get the
 * wildcard's records where fairlist says NXDOMAIN; the nibble form of
 * IPv4-mapped addresses (::ffff:a.b.c.d), which fairlist answers from the
 * IPv4 listings, but for the RFC 5782 test points; and empty non-terminals above only exclusions or
 * expired listings, which fairlist answers NOERROR. Listings that expire
 * after the transfer stay on the secondary until the next change.
 *
 * No I/O, no logging.
 */
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "list/list.h"
#include "xfr/xfr.h"
#include "xfr/xfr_int.h"

#define DEFAULT_CODE	0x7f000002u	/* 127.0.0.2 (RFC 5782 section 5) */

/* A listing on a label boundary; ans is value + 1, 0 not listed. */
struct nent {
	uint8_t		a[ADDR_LEN];
	uint8_t		plen;		/* on a boundary */
	uint8_t		oplen;		/* of the listing it came from */
	uint32_t	ans;
};

struct build {
	struct xfr_zone		*z;
	struct xfr_zone_stats	*st;
	size_t			 expand_max;
	struct nent		*e;
	int			 v4;
	unsigned		 step;		/* bits per label */
	unsigned		 root;		/* level of the apex */
};

/* Bits [pos, pos + n) of a, n <= 8. */
static unsigned
bits_at(const uint8_t a[ADDR_LEN], unsigned pos, unsigned n)
{
	unsigned	v = 0, i;

	for (i = 0; i < n; i++)
		v = v << 1 | ((a[(pos + i) / 8] >> (7 - (pos + i) % 8)) & 1);
	return v;
}

/* Set bits [pos, pos + n) of a to v, n <= 8. */
static void
bits_set(uint8_t a[ADDR_LEN], unsigned pos, unsigned n, unsigned v)
{
	unsigned	i, b;

	/* Labels: a whole octet (IPv4) or an aligned nibble (IPv6). */
	if (n == 8 && pos % 8 == 0) {
		a[pos / 8] = (uint8_t)v;
		return;
	}
	if (n == 4 && pos % 4 == 0) {
		b = pos % 8 == 0 ? 4 : 0;
		a[pos / 8] = (uint8_t)((a[pos / 8] & ~(0xfu << b)) |
		    ((v & 0xfu) << b));
		return;
	}
	for (i = 0; i < n; i++) {
		b = pos + i;
		if ((v >> (n - 1 - i)) & 1)
			a[b / 8] |= (uint8_t)(0x80 >> (b % 8));
		else
			a[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
	}
}

static int
nent_cmp(const void *pa, const void *pb)
{
	const struct nent	*a = pa, *b = pb;
	int			 c;

	if ((c = memcmp(a->a, b->a, ADDR_LEN)) != 0)
		return c;
	if (a->plen != b->plen)
		return a->plen - b->plen;
	return b->oplen - a->oplen;	/* the most specific source first */
}

static void
push_name(struct build *b, const uint8_t a[ADDR_LEN], unsigned plen,
    int wild, uint32_t ans)
{
	struct xfr_zone	*z = b->z;
	struct xfr_name	*n;

	if (z->n == z->cap) {
		z->cap = z->cap == 0 ? 1024 : z->cap * 2;
		z->names = xreallocarray(z->names, z->cap, sizeof(*z->names));
	}
	n = &z->names[z->n++];
	memcpy(n->a, a, ADDR_LEN);
	n->plen = (uint8_t)plen;
	n->v4 = (uint8_t)b->v4;
	n->wild = (uint8_t)wild;
	n->val = ans - 1;
	b->st->names++;
	if (wild)
		b->st->wildcards++;
}

/*
 * 1 if a wildcard may stand at block (a, level): below the apex, and no
 * name of the other family can fall under it.
 */
static int
wildcard_ok(const struct build *b, const uint8_t a[ADDR_LEN],
    unsigned level)
{
	unsigned	pos;

	if (!b->z->ip_free || level == b->root)
		return 0;
	if (!b->v4 && level > 12)
		return 1;	/* four nibbles or more: deeper than IPv4 */
	/* Some label that is not one digit: no name of the other family. */
	for (pos = b->root; pos < level; pos += b->step)
		if (bits_at(a, pos, b->step) > 9)
			return 1;
	return 0;
}

static void	block(struct build *, const uint8_t *, unsigned, uint32_t,
		    size_t, size_t, int64_t, int);

/* An address name of answer ans (own: a /32 or /128 listing itself). */
static void
address(struct build *b, const uint8_t a[ADDR_LEN], uint32_t ans, int own)
{
	if (ans == 0)
		return;
	if (!own) {
		if (b->st->expanded >= b->expand_max) {
			b->st->left_out++;
			return;
		}
		b->st->expanded++;
	}
	push_name(b, a, 128, 0, ans);
}

/*
 * Block (a, level) whose addresses answer base unless an entry of
 * [i, j) (all inside it, longer than level) says otherwise. pw is the
 * answer of the wildcard of the parent block (-1: none), which answers
 * this block's addresses if it holds no name. own: base is a listing of
 * exactly this block.
 */
static void
block(struct build *b, const uint8_t *a, unsigned level, uint32_t base,
    size_t i, size_t j, int64_t pw, int own)
{
	const unsigned	 cl = level + b->step, nchild = 1u << b->step;
	uint8_t		 ca[ADDR_LEN];
	size_t		 k, m, *gs, *ge;
	unsigned	 c, *gc, ng = 0, g;
	uint32_t	*gb;
	int		*gown, uniform = 1, unlisted_child = 0;
	int64_t		 w = -1;

	for (k = i; k < j && uniform; k++)
		if (b->e[k].ans != base)
			uniform = 0;
	if (uniform) {
		if ((int64_t)base == pw || base == 0)
			return;
		if (level == 128) {
			address(b, a, base, own);
			return;
		}
		if (wildcard_ok(b, a, level)) {
			push_name(b, a, level, 1, base);
			return;
		}
		if (!b->z->ip_free && (128 - level >= 63 ||
		    b->st->expanded + ((size_t)1 << (128 - level)) >
		    b->expand_max)) {
			b->st->left_out++;	/* too many addresses */
			return;
		}
	}
	if (level == 128)
		return;		/* not reached: an address is uniform */

	/* The children holding entries, in order. */
	gs = xreallocarray(NULL, nchild, sizeof(*gs));
	ge = xreallocarray(NULL, nchild, sizeof(*ge));
	gc = xreallocarray(NULL, nchild, sizeof(*gc));
	gb = xreallocarray(NULL, nchild, sizeof(*gb));
	gown = xreallocarray(NULL, nchild, sizeof(*gown));
	for (k = i; k < j; k = m) {
		c = bits_at(b->e[k].a, level, b->step);
		for (m = k + 1; m < j && bits_at(b->e[m].a, level, b->step) == c;
		    m++)
			;
		gc[ng] = c;
		gown[ng] = 0;
		if (b->e[k].plen == cl) {
			gb[ng] = b->e[k].ans;
			gown[ng] = b->e[k].oplen == cl;
			gs[ng] = k + 1;
		} else {
			gb[ng] = base;
			gs[ng] = k;
		}
		ge[ng] = m;
		if (gb[ng] == 0) {
			for (k = gs[ng]; k < m && b->e[k].ans == 0; k++)
				;
			if (k == m)
				unlisted_child = 1;
		}
		ng++;
	}
	if (base == 0 && ng < nchild)
		unlisted_child = 1;	/* a child with no entry, unlisted */
	if (base != 0 && !unlisted_child && wildcard_ok(b, a, level)) {
		push_name(b, a, level, 1, base);
		w = base;
	}
	/*
	 * Every child when the ones without entries need names (base
	 * listed, no wildcard here), else only those with entries: a /24
	 * of a sparse zone holds a few of its 256.
	 */
	memcpy(ca, a, ADDR_LEN);
	if (w == -1 && base != 0) {
		for (c = 0, g = 0; c < nchild; c++) {
			bits_set(ca, level, b->step, c);
			if (g < ng && gc[g] == c) {
				block(b, ca, cl, gb[g], gs[g], ge[g], w,
				    gown[g]);
				g++;
			} else
				block(b, ca, cl, base, 0, 0, -1, 0);
		}
	} else {
		for (g = 0; g < ng; g++) {
			bits_set(ca, level, b->step, gc[g]);
			block(b, ca, cl, gb[g], gs[g], ge[g], w, gown[g]);
		}
	}
	free(gs);
	free(ge);
	free(gc);
	free(gb);
	free(gown);
}

/*
 * Sort e by nent_cmp. The snapshot gives a zone's /32s first, in address
 * order, then its other entries: the sorted run at the front is kept, the
 * rest sorted and the two merged. A 1M-address zone then costs one pass,
 * not a qsort of 1M entries (40% of its build for transfers, perf).
 */
static void
sort_nents(struct nent *e, size_t n)
{
	struct nent	*m;
	size_t		 run, i, j, k;

	for (run = 1; run < n && nent_cmp(&e[run - 1], &e[run]) <= 0; run++)
		;
	if (run >= n)
		return;
	qsort(e + run, n - run, sizeof(*e), nent_cmp);
	if (nent_cmp(&e[run - 1], &e[run]) <= 0)
		return;
	m = xreallocarray(NULL, n, sizeof(*m));
	for (i = 0, j = run, k = 0; i < run && j < n;)
		m[k++] = nent_cmp(&e[i], &e[j]) <= 0 ? e[i++] : e[j++];
	while (i < run)
		m[k++] = e[i++];
	while (j < n)
		m[k++] = e[j++];
	memcpy(e, m, n * sizeof(*e));
	free(m);
}

/*
 * The listings of one family on label boundaries, sorted, one per block
 * (the most specific source wins). Returns the count; *OUT:out is
 * allocated.
 */
static size_t
normalize(const struct index *idx, int zone, int64_t now, int v4,
    const struct index_value *vbase, const uint32_t *vmap,
    struct nent **out)
{
	struct index_hit	 h;
	struct nent		*e = NULL;
	size_t			 n = 0, cap = 0, i, k, d;
	unsigned		 root = v4 ? 96 : 0, step = v4 ? 8 : 4, up;
	unsigned		 pieces, p;

	for (i = 0; index_zone_entry(idx, zone, i, &h) == 0; i++) {
		int	hv4 = h.plen >= 96 && addr_is_v4(h.a, NULL);

		if (hv4 != v4)
			continue;
		if (h.v != NULL && h.v->expires_at != 0 &&
		    h.v->expires_at <= now)
			continue;	/* expired: as if absent */
		up = root + (h.plen - root + step - 1) / step * step;
		pieces = 1u << (up - h.plen);
		if (n + pieces > cap) {
			cap = cap == 0 ? 1024 : cap * 2;
			if (cap < n + pieces)
				cap = n + pieces;
			e = xreallocarray(e, cap, sizeof(*e));
		}
		for (p = 0; p < pieces; p++) {
			memcpy(e[n].a, h.a, ADDR_LEN);
			if (up > h.plen)
				bits_set(e[n].a, h.plen, up - h.plen, p);
			e[n].plen = (uint8_t)up;
			e[n].oplen = h.plen;
			e[n].ans = h.v == NULL ? 0 :
			    vmap[h.v - vbase] + 1;
			n++;
		}
	}
	/*
	 * RFC 5782 section 5: an IPv6 list answers ::ffff:127.0.0.2 and not
	 * ::ffff:127.0.0.1. fairlist answers IPv4-mapped nibble names from
	 * the IPv4 listings; of those, the test points go in the zone.
	 */
	for (p = 1; !v4 && p <= 2; p++) {
		struct index_hit	th;
		uint8_t			ta[ADDR_LEN];

		addr_from_v4(ta, 0x7f000000u | p);
		if (n + 1 > cap) {
			cap = cap == 0 ? 16 : cap * 2;
			e = xreallocarray(e, cap, sizeof(*e));
		}
		memcpy(e[n].a, ta, ADDR_LEN);
		e[n].plen = e[n].oplen = 128;
		e[n].ans = index_match(idx, zone, ta, now, &th) && th.v != NULL ?
		    vmap[th.v - vbase] + 1 : 0;
		n++;
	}
	sort_nents(e, n);
	for (i = 0, d = 0; i < n; i = k) {
		for (k = i + 1; k < n && e[k].plen == e[i].plen &&
		    memcmp(e[k].a, e[i].a, ADDR_LEN) == 0; k++)
			;
		e[d++] = e[i];
	}
	*out = e;
	return d;
}

/*
 * Copy the values the zone uses. Values are shared in the snapshot (one
 * array), so a map over the span of those the zone uses, walked from the
 * lowest address to the highest, gives each its number: marked in one
 * pass over the entries, numbered in one over the span, no sort of the
 * entries' pointers (a 1M-entry zone sorted 1M of them).
 */
#define VALUE_USED	UINT32_MAX	/* copy_values' mark, before numbering */

static void
copy_values(struct xfr_zone *z, const struct index *idx, int zone,
    const struct index_value **lo, uint32_t **vmap)
{
	const struct index_value	*min = NULL, *max = NULL;
	struct index_hit		 h;
	size_t				 n = 0, i, span;

	for (i = 0; index_zone_entry(idx, zone, i, &h) == 0; i++) {
		if (h.v == NULL)
			continue;
		if (min == NULL || h.v < min)
			min = h.v;
		if (max == NULL || h.v > max)
			max = h.v;
	}
	*lo = min;
	span = min == NULL ? 1 : (size_t)(max - min) + 1;
	*vmap = xcalloc(span, sizeof(**vmap));
	for (i = 0; min != NULL && index_zone_entry(idx, zone, i, &h) == 0;
	    i++)
		if (h.v != NULL && (*vmap)[h.v - min] != VALUE_USED) {
			(*vmap)[h.v - min] = VALUE_USED;
			n++;
		}
	z->values = xcalloc(n > 0 ? n : 1, sizeof(*z->values));
	for (i = 0; n > 0 && i < span; i++) {
		if ((*vmap)[i] != VALUE_USED)
			continue;
		z->values[z->nvalues] = min[i];
		z->values[z->nvalues].reason = xstrdup(min[i].reason != NULL ?
		    min[i].reason : "");
		(*vmap)[i] = (uint32_t)z->nvalues;
		z->nvalues++;
	}
}

/* 1 if the zone's TXT reads the same for any address. */
static int
txt_ip_free(const struct xfr_zone *z)
{
	struct index_value	v = { 0, 1, "x", 1, 2 };
	char			a[LIST_TXT_EXPAND_MAX], b[LIST_TXT_EXPAND_MAX];
	size_t			la, lb;

	la = list_txt_expand(a, sizeof(a), &z->z, &v, "192.0.2.1", 9);
	lb = list_txt_expand(b, sizeof(b), &z->z, &v, "2001:db8::1", 11);
	return la == lb && memcmp(a, b, la) == 0;
}

struct xfr_zone *
xfr_zone_build(const struct index *idx, int zone, int64_t now,
    size_t expand_max, struct xfr_zone_stats *st)
{
	const struct index_zone		*iz;
	const struct index_value	*vlo;
	struct xfr_zone			*z;
	struct build			 b;
	uint32_t			*vmap;
	uint8_t				 a[ADDR_LEN];
	size_t				 n, first;
	int				 fam;

	memset(st, 0, sizeof(*st));
	if (idx == NULL || (iz = index_zone_get(idx, zone)) == NULL)
		return NULL;
	z = xcalloc(1, sizeof(*z));
	atomic_init(&z->refs, 1);
	z->z = *iz;
	z->z.name = xstrdup(iz->name);
	z->z.txt = iz->txt != NULL ? xstrdup(iz->txt) : NULL;
	z->z.url = iz->url != NULL ? xstrdup(iz->url) : NULL;
	z->ip_free = txt_ip_free(z);
	copy_values(z, idx, zone, &vlo, &vmap);
	for (fam = 0; fam < 2; fam++) {
		memset(&b, 0, sizeof(b));
		b.z = z;
		b.st = st;
		b.expand_max = expand_max;
		b.v4 = fam == 0;
		b.step = b.v4 ? 8 : 4;
		b.root = b.v4 ? 96 : 0;
		n = normalize(idx, zone, now, b.v4, vlo, vmap, &b.e);
		memset(a, 0, sizeof(a));
		if (b.v4)
			addr_from_v4(a, 0);
		first = n > 0 && b.e[0].plen == b.root ? 1 : 0;
		block(&b, a, b.root, first ? b.e[0].ans : 0, first, n, -1, 0);
		free(b.e);
	}
	free(vmap);
	z->st = *st;
	return z;
}

void
xfr_zone_free(struct xfr_zone *z)
{
	size_t	i;

	if (z == NULL || atomic_fetch_sub(&z->refs, 1) > 1)
		return;
	for (i = 0; i < z->nvalues; i++)
		free((char *)(uintptr_t)z->values[i].reason);
	free(z->values);
	free(z->names);
	free((char *)(uintptr_t)z->z.name);
	free((char *)(uintptr_t)z->z.txt);
	free((char *)(uintptr_t)z->z.url);
	free(z);
}

struct xfr_zone *
xfr_zone_ref(struct xfr_zone *z)
{
	atomic_fetch_add(&z->refs, 1);
	return z;
}

const char *
xfr_zone_name(const struct xfr_zone *z)
{
	return z->z.name;
}

uint32_t
xfr_zone_serial(const struct xfr_zone *z)
{
	return (uint32_t)z->z.serial;
}

const struct xfr_zone_stats *
xfr_zone_stats(const struct xfr_zone *z)
{
	return &z->st;
}

size_t
xfr_zone_count(const struct xfr_zone *z)
{
	return z->n;
}

const struct xfr_name *
xfr_zone_get(const struct xfr_zone *z, size_t i)
{
	return i < z->n ? &z->names[i] : NULL;
}

size_t
xfr_name_labels(const struct xfr_name *n, uint8_t *w)
{
	static const char	hex[] = "0123456789abcdef";
	size_t			len = 0;
	unsigned		pos, root = n->v4 ? 96 : 0, step = n->v4 ? 8 : 4;
	unsigned		v;

	if (n->wild) {
		w[len++] = 1;
		w[len++] = '*';
	}
	/* The least significant label first (RFC 5782 sections 2.1, 2.4). */
	for (pos = n->plen; pos > root; pos -= step) {
		v = bits_at(n->a, pos - step, step);
		if (n->v4) {
			size_t	at = len++;

			if (v >= 100)
				w[len++] = (uint8_t)('0' + v / 100);
			if (v >= 10)
				w[len++] = (uint8_t)('0' + v / 10 % 10);
			w[len++] = (uint8_t)('0' + v % 10);
			w[at] = (uint8_t)(len - at - 1);
		} else {
			w[len++] = 1;
			w[len++] = (uint8_t)hex[v];
		}
	}
	return len;
}

uint32_t
xfr_name_code(const struct xfr_zone *z, const struct xfr_name *n)
{
	uint32_t	code = z->values[n->val].code;

	if (code == 0)
		code = z->z.code != 0 ? z->z.code : DEFAULT_CODE;
	return code;
}

size_t
xfr_name_txt(const struct xfr_zone *z, const struct xfr_name *n,
    char *dst, size_t cap)
{
	char	ip[ADDR_TEXT_MAX];

	if (n->wild)
		ip[0] = '\0';
	else
		addr_ntop(n->a, n->v4 ? 4 : 6, ip, sizeof(ip));
	return list_txt_expand(dst, cap, &z->z, &z->values[n->val], ip,
	    strlen(ip));
}
