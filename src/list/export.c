/*
 * export.c: the list file writers: rbldnsd ip4set, ip4trie and ip6trie
 * data files that rbldnsd itself loads, and a BIND master file.
 *
 * list_export sorts the listings it is given, keeps those its format can
 * hold, and writes them through the format's row of one writer table.
 * rbldnsd files group entries under ":A:TXT" default lines and
 * "#@expires" comments (fairlist's; rbldnsd ignores them). A BIND file
 * has the SOA and NS records the daemon serves, then A and TXT records per
 * address for the entries of at most LIST_BIND_EXPAND addresses, each
 * address from its most specific entry, its TXT expanded by list/txt.c as
 * the DNS server expands it. No I/O but the FILE given; docs/IMPORT-EXPORT.md
 * is the manual.
 */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/str.h"
#include "core/xmalloc.h"
#include "list/list.h"

/* What one format writes: its entries, and the file. */
struct writer {
	enum list_format	 fmt;
	int			 (*wants)(const struct list_item *);
	size_t			 (*write)(FILE *, enum list_format,
				    const struct index_zone *,
				    const struct list_soa *,
				    const struct list_item *, size_t, int64_t);
};

static int
addr_order(const void *pa, const void *pb)
{
	const struct list_item	*a = pa, *b = pb;
	int			 c;

	if ((c = memcmp(a->p.a, b->p.a, ADDR_LEN)) != 0)
		return c;
	return a->p.plen - b->p.plen;
}

static int
item_cmp(const void *pa, const void *pb)
{
	const struct list_item	*a = pa, *b = pb;
	int			 c;

	/* Exclusions last; then by value, so default lines stay few. */
	if (a->excl != b->excl)
		return a->excl - b->excl;
	if (a->excl)
		return addr_order(a, b);	/* an exclusion has no value */
	if (a->expires != b->expires)
		return a->expires < b->expires ? -1 : 1;
	if (a->code != b->code)
		return a->code < b->code ? -1 : 1;
	if (a->reason != b->reason) {
		if (a->reason == NULL || b->reason == NULL)
			return a->reason == NULL ? -1 : 1;
		if ((c = strcmp(a->reason, b->reason)) != 0)
			return c;
	}
	if (a->p.family != b->p.family)
		return a->p.family - b->p.family;
	if ((c = memcmp(a->p.a, b->p.a, ADDR_LEN)) != 0)
		return c;
	return a->p.plen - b->p.plen;
}

static int
wants_v4(const struct list_item *e)
{
	return e->p.family == 4;
}

static int
wants_v6(const struct list_item *e)
{
	return e->p.family != 4;
}

static int
wants_all(const struct list_item *e)
{
	(void)e;
	return 1;
}

/*
 * rbldnsd ip4set answers at octet granularity: an entry is expanded to
 * /8, /16, /24 or /32 keys, and at one key an exclusion beats a listing
 * and two listings both answer. Count nested pairs in the same octet
 * class that would answer differently from the most-specific rule.
 */
static size_t
ip4set_conflicts(const struct list_item *v, size_t n)
{
	struct list_item	*s;
	size_t			 i, depth = 0, bad = 0;
	size_t			 stack[33];

	if (n == 0)
		return 0;	/* a zone without IPv4 entries */
	s = xreallocarray(NULL, n, sizeof(*s));
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), addr_order);
	for (i = 0; i < n; i++) {
		int		cls = (s[i].p.plen - 96 + 7) / 8;
		uint8_t		last[ADDR_LEN];

		while (depth > 0) {
			addr_last(&s[stack[depth - 1]].p, last);
			if (memcmp(last, s[i].p.a, ADDR_LEN) >= 0)
				break;
			depth--;
		}
		if (depth > 0) {
			const struct list_item	*a = &s[stack[depth - 1]];

			if ((a->p.plen - 96 + 7) / 8 == cls && !s[i].excl &&
			    (a->excl || a->code != s[i].code ||
			    a->reason != s[i].reason))
				bad++;
		}
		if (depth < 33)
			stack[depth++] = i;
	}
	free(s);
	return bad;
}

static size_t
write_rbldnsd(FILE *o, enum list_format f, const struct index_zone *z,
    const struct list_soa *soa, const struct list_item *v, size_t n,
    int64_t now)
{
	char		 when[32], text[LIST_TXT_MAX * 2 + 1];
	char		 net[ADDR_TEXT_MAX];
	const char	*cur_reason = NULL;
	uint32_t	 cur_code = 0;
	int64_t		 cur_exp = 0;
	int		 have_def = 0;
	size_t		 i;

	(void)soa;
	fprintf(o, "# fairlist export of zone %s as rbldnsd %s, %s\n",
	    z->name, list_format_name(f), str_isotime(when, sizeof(when),
	    now));
	fprintf(o, "# load with: rbldnsd ... %s:%s:FILE\n", z->name,
	    list_format_name(f));
	fprintf(o, "# \"#@expires\" lines are fairlist's: rbldnsd ignores "
	    "them (comments)\n");
	for (i = 0; i < n; i++) {
		const struct list_item	*e = &v[i];
		uint32_t		 code = e->code != 0 ? e->code :
					    z->code;

		if (!e->excl && (!have_def || code != cur_code ||
		    e->reason != cur_reason)) {
			fprintf(o, ":%u.%u.%u.%u:%s\n", code >> 24,
			    (code >> 16) & 0xff, (code >> 8) & 0xff,
			    code & 0xff, e->reason != NULL ?
			    list_escape_rbldnsd(e->reason, text,
			    sizeof(text)) : "");
			have_def = 1;
			cur_code = code;
			cur_reason = e->reason;
		}
		if (!e->excl && e->expires != cur_exp) {
			if (e->expires == 0)
				fprintf(o, "#@expires never\n");
			else
				fprintf(o, "#@expires %s\n", str_isotime(when,
				    sizeof(when), e->expires));
			cur_exp = e->expires;
		}
		fprintf(o, "%s%s\n", e->excl ? "!" : "",
		    list_format_prefix(&e->p, net, sizeof(net)));
	}
	return 0;
}

static void
bind_name(const uint8_t a[ADDR_LEN], struct sbuf *b)
{
	uint32_t	v4;
	int		i;

	if (addr_is_v4(a, &v4)) {
		sbuf_printf(b, "%u.%u.%u.%u", v4 & 0xff, (v4 >> 8) & 0xff,
		    (v4 >> 16) & 0xff, v4 >> 24);
		return;
	}
	for (i = ADDR_LEN - 1; i >= 0; i--)
		sbuf_printf(b, "%x.%x%s", a[i] & 0xf, a[i] >> 4,
		    i > 0 ? "." : "");
}

static const char *
absname(const char *n, char *buf, size_t size)
{
	size_t	len = strlen(n);

	snprintf(buf, size, "%s%s", n, len > 0 && n[len - 1] == '.' ? "" :
	    ".");
	return buf;
}

/* The index of v and the RFC 5782 test points, as index_load builds it. */
static struct index *
bind_index(const struct index_zone *z, const struct list_item *v, size_t n,
    struct addr_prefix *tp)
{
	struct index_builder	*b = index_builder_new();
	size_t			 i;

	index_builder_zone(b, z);
	for (i = 0; i < n; i++)
		index_builder_add(b, 0, &v[i].p, v[i].excl, v[i].code,
		    v[i].reason, v[i].listed, v[i].expires);
	memset(tp, 0, sizeof(*tp));
	tp->plen = 128;
	tp->family = 4;
	addr_from_v4(tp->a, 0x7f000002u);
	index_builder_add(b, 0, tp, 0, 0, LIST_TEST_REASON, 0, 0);
	addr_from_v4(tp->a, 0x7f000001u);
	index_builder_add(b, 0, tp, 1, 0, NULL, 0, 0);
	addr_from_v4(tp->a, 0x7f000002u);
	return index_builder_finish(b);
}

/* The A and TXT records of every address of p that p itself answers. */
static void
bind_entry(FILE *o, const struct index *idx, const struct addr_prefix *p,
    int64_t now, struct sbuf *line)
{
	const struct index_zone	*z = index_zone_get(idx, 0);
	char			 ip[ADDR_TEXT_MAX], txt[LIST_TXT_EXPAND_MAX];
	uint64_t		 count = (uint64_t)1 << (128 - p->plen), k;
	uint8_t			 a[ADDR_LEN];
	size_t			 len;

	for (k = 0; k < count; k++) {
		struct index_hit	h;

		memcpy(a, p->a, ADDR_LEN);
		a[15] = (uint8_t)(a[15] + k);
		if (!index_match(idx, 0, a, now, &h) ||
		    h.plen != p->plen || memcmp(h.a, p->a, ADDR_LEN) != 0)
			continue;	/* answered by another entry */
		sbuf_reset(line);
		bind_name(a, line);
		sbuf_printf(line, "\tIN\tA\t%u.%u.%u.%u\n", h.v->code >> 24,
		    (h.v->code >> 16) & 0xff, (h.v->code >> 8) & 0xff,
		    h.v->code & 0xff);
		addr_ntop(a, addr_is_v4(a, NULL) ? 4 : 6, ip, sizeof(ip));
		len = list_txt_expand(txt, sizeof(txt), z, h.v, ip,
		    strlen(ip));
		sbuf_adds(line, "\tIN\tTXT\t");
		list_bind_txt(line, txt, len);
		sbuf_addc(line, '\n');
		fwrite(line->s, 1, line->len, o);
	}
}

/*
 * BIND: one name per address, from the entries of at most
 * LIST_BIND_EXPAND addresses; each address is written once, from its
 * most specific entry, and not at all if that is an exclusion. Larger
 * entries are left out with a comment. Returns the number left out.
 */
static size_t
write_bind(FILE *o, enum list_format f, const struct index_zone *z,
    const struct list_soa *d, const struct list_item *v, size_t n,
    int64_t now)
{
	struct index		*idx;
	struct sbuf		 line;
	struct addr_prefix	 tp;
	char			 n1[300], n2[300], when[32], net[ADDR_TEXT_MAX];
	size_t			 i, j, big = 0;

	(void)f;
	idx = bind_index(z, v, n, &tp);
	fprintf(o, "; fairlist export of zone %s as a BIND master file, %s\n",
	    z->name, str_isotime(when, sizeof(when), now));
	fprintf(o, "; entries of more than %d addresses are not expanded\n",
	    LIST_BIND_EXPAND);
	fprintf(o, "$ORIGIN %s\n$TTL %u\n", absname(z->name, n1,
	    sizeof(n1)), d->ttl);
	fprintf(o, "@\t%u\tIN\tSOA\t%s %s %u %u %u %u %u\n",
	    d->ns_ttl, absname(d->mname, n1, sizeof(n1)),
	    absname(d->rname, n2, sizeof(n2)), (uint32_t)z->serial,
	    d->refresh, d->retry, d->expire, d->minimum);
	for (j = 0; j < d->nns; j++)
		fprintf(o, "@\t%u\tIN\tNS\t%s\n", d->ns_ttl,
		    absname(d->ns[j], n1, sizeof(n1)));
	sbuf_init(&line);
	for (i = 0; i <= n; i++) {
		const struct addr_prefix	*p = i == n ? &tp : &v[i].p;

		if (i < n && v[i].excl)
			continue;
		if (128 - p->plen > 8) {
			fprintf(o, "; %s not expanded (more than %d "
			    "addresses)\n", list_format_prefix(p, net,
			    sizeof(net)), LIST_BIND_EXPAND);
			big++;
			continue;
		}
		bind_entry(o, idx, p, now, &line);
	}
	sbuf_free(&line);
	index_free(idx);
	return big;
}

static const struct writer writers[] = {
	{ LIST_FMT_IP4SET, wants_v4, write_rbldnsd },
	{ LIST_FMT_IP4TRIE, wants_v4, write_rbldnsd },
	{ LIST_FMT_IP6TRIE, wants_v6, write_rbldnsd },
	{ LIST_FMT_BIND, wants_all, write_bind },
};

int
list_export(FILE *o, enum list_format f, const struct index_zone *z,
    const struct list_soa *soa, struct list_item *v, size_t *n, int64_t now,
    struct list_export_stats *st)
{
	const struct writer	*w = NULL;
	size_t			 i, kept = 0;

	for (i = 0; i < sizeof(writers) / sizeof(writers[0]); i++)
		if (writers[i].fmt == f)
			w = &writers[i];
	if (w == NULL || (f == LIST_FMT_BIND && soa == NULL))
		return -1;
	memset(st, 0, sizeof(*st));
	for (i = 0; i < *n; i++) {
		if (w->wants(&v[i]))
			v[kept++] = v[i];
		else
			st->other++;
	}
	*n = kept;
	if (kept > 0)
		qsort(v, kept, sizeof(*v), item_cmp);
	st->big = w->write(o, f, z, soa, v, kept, now);
	if (f == LIST_FMT_IP4SET)
		st->conflicts = ip4set_conflicts(v, kept);
	return 0;
}
