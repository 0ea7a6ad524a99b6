/*
 * answer.c: the DNSBL answer path: one query packet in, one response out
 * (RFC 5782, on the codec of dns/wire.c).
 *
 * It answers, from an immutable index snapshot and without I/O, locks,
 * allocation or stdio:
 *   - the zone apex: SOA, NS, ANY (the SOA alone, RFC 8482 section
 *     4.1); other types NODATA;
 *   - <d>.<c>.<b>.<a>.<zone>: IPv4 a.b.c.d (RFC 5782 section 2.1);
 *   - 32 nibble labels: IPv6, least significant nibble first (2.4);
 *   - a listed name: A (the listing's code, else the zone's), TXT (the
 *     zone's template expanded), ANY (the A alone, RFC 8482 section
 *     4.1); other types NODATA;
 *   - an unlisted address or any other name in the zone: NXDOMAIN; an
 *     empty non-terminal (the leading 1-3 octets or 1-31 nibbles of
 *     something in the zone): NOERROR with no data;
 *   - negative answers carry the zone SOA in the authority section with
 *     TTL min(SOA TTL, SOA minimum) (RFC 2308 section 3 and 5);
 *   - a name outside every zone, a class other than IN or ANY, or a zone
 *     transfer (dnsbl/server.c gives transfers to xfr_handle first; what
 *     reaches this is refused): REFUSED without AA.
 * Decimal labels are 0-255 without leading zeros ("0" itself is fine):
 * "01.0.0.127" is not an address, so it is NXDOMAIN, as in rbldnsd.
 *
 * EDNS (RFC 6891): an OPT in the query gets one in the response with our
 * payload size DNS_EDNS_MAX; a version above 0 gets BADVERS. Over UDP the
 * response is limited to 512 bytes, or the client's EDNS size up to
 * DNS_EDNS_MAX; if it does not fit, the answer goes out empty with TC set
 * so the client retries over TCP (RFC 2181 section 9, RFC 7766).
 *
 * Malformed queries get FORMERR with the id, and the question only if it
 * parsed; other opcodes get NOTIMP with the header alone. Neither carries
 * an OPT: the query's OPT may be the malformed part. Responses and runts
 * get nothing (return 0), so two servers cannot ping-pong errors.
 *
 * Peer bytes are never logged here; the caller counts and logs results.
 */
#include <stdatomic.h>
#include <string.h>

#include "core/addr.h"
#include "core/metrics.h"
#include "dns/dns.h"
#include "list/list.h"
#include "dnsbl/dnsbl.h"

#define TXT_STRING_MAX	255	/* one <character-string> (RFC 1035 3.3) */
#define DEFAULT_CODE	0x7f000002u	/* 127.0.0.2 (RFC 5782 section 5) */

/* Everything one answer needs, on the stack. */
struct ans {
	const struct dnsbl_conf	*c;
	const struct index	*idx;
	const struct dns_query	*q;
	struct dns_writer	 w;
	int64_t			 now;
	int			 zone;		/* number, or -1 */
	const struct index_zone	*z;
	unsigned		 zlab;		/* first label of the zone */
	uint16_t		 zoff;		/* packet offset of the apex */
	const uint8_t		*zwire;		/* apex, lower case wire */
	size_t			 zwire_len;
	/* The queried address, when the name is one. */
	uint8_t			 addr[ADDR_LEN];
	int			 family;	/* 4, 6, or 0 */
	uint8_t			 oct[4];
	int			 listed;	/* a listing answered */
};

/*
 * fairlist_dns_queries_total{zone, answer}: "none" for a query outside
 * every zone. Each thread keeps its own counter cells (metrics_cell) per
 * zone number, keyed on the zone's id (index_zone.id, unique in the
 * process), and fills a zone's row on its first query in a snapshot, so
 * a query costs a compare and one relaxed atomic add.
 */
enum { ANS_LISTED, ANS_NXDOMAIN, ANS_NODATA, ANS_REFUSED, ANS_ERROR,
	ANS_N };
static const char *const ans_names[] = { "listed", "nxdomain", "nodata",
	"refused", "error", NULL };
static struct metrics_family		*m_queries;
static int				 m_none;

struct ans_cells {
	uint64_t		 id[INDEX_ZONES_MAX];	/* 0: not filled */
	_Atomic uint64_t	*zone[INDEX_ZONES_MAX][ANS_N];
	_Atomic uint64_t	*none[ANS_N];
	_Atomic uint64_t	 spare;		/* for a series that failed */
};
static _Thread_local struct ans_cells	 m_cells;

__attribute__((constructor)) static void
answer_metrics(void)
{
	static const struct metrics_label labels[] = {
		{ "zone", NULL, INDEX_ZONES_MAX + 2 },
		{ "answer", ans_names, 0 },
	};

	m_queries = metrics_counter("fairlist_dns_queries_total",
	    "DNS queries answered, by zone (none: outside every zone) and "
	    "answer.", labels, 2);
	m_none = metrics_slot(m_queries, 0, "none");
}

/* This thread's cells of zone slot zslot, into OUT:cells[ANS_N]. */
static __attribute__((noinline)) void
fill_cells(_Atomic uint64_t **cells, int zslot)
{
	int	slots[2], k;

	for (k = 0; k < ANS_N; k++) {
		slots[0] = zslot;
		slots[1] = k;
		cells[k] = metrics_cell(m_queries,
		    metrics_series_of(m_queries, slots));
		if (cells[k] == NULL)
			cells[k] = &m_cells.spare;
	}
}

static inline void
count(const struct ans *a, int rcode)
{
	struct ans_cells	*m = &m_cells;
	_Atomic uint64_t	**cells;
	int			 k;

	k = rcode == DNS_R_NOERROR ? (a->listed ? ANS_LISTED : ANS_NODATA) :
	    rcode == DNS_R_NXDOMAIN ? ANS_NXDOMAIN :
	    rcode == DNS_R_REFUSED ? ANS_REFUSED : ANS_ERROR;
	if (a->zone >= 0 && a->zone < INDEX_ZONES_MAX) {
		cells = m->zone[a->zone];
		if (m->id[a->zone] != a->z->id) {
			/* New snapshot: the slot follows the zone's name. */
			fill_cells(cells, metrics_slot(m_queries, 0,
			    a->z->name));
			m->id[a->zone] = a->z->id;
		}
	} else {
		cells = m->none;
		if (cells[0] == NULL)
			fill_cells(cells, m_none);
	}
	atomic_fetch_add_explicit(cells[k], 1, memory_order_relaxed);
}

void
dnsbl_conf_defaults(struct dnsbl_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->ns[0] = "localhost";
	c->nns = 1;
	c->soa_mname = "localhost";
	c->soa_rname = "hostmaster.localhost";
	c->soa_refresh = 3600;
	c->soa_retry = 900;
	c->soa_expire = 604800;
	c->soa_minimum = 300;
	c->ttl = 300;
	c->ns_ttl = 3600;
}

/* One name to wire form for dnsbl_conf_prepare; 0 if bad. */
static int
prep_name(const char *text, uint8_t *w, uint8_t *len, const char **bad)
{
	size_t	n;

	if (text == NULL ||
	    (n = dns_name_from_text(text, w, DNSBL_WIRE_MAX)) == 0) {
		if (bad != NULL)
			*bad = text != NULL ? text : "(none)";
		return 0;
	}
	*len = (uint8_t)n;
	return 1;
}

/* dnsbl_conf.gen: the answer path's per-thread caches key on it. */
static _Atomic uint64_t	conf_gens;

int
dnsbl_conf_prepare(struct dnsbl_conf *c, const char **bad)
{
	size_t	i;

	c->prepared = 0;
	if (bad != NULL)
		*bad = NULL;
	if (c->nns > DNSBL_NS_MAX)
		c->nns = DNSBL_NS_MAX;
	for (i = 0; i < c->nns; i++)
		if (!prep_name(c->ns[i], c->w_ns[i], &c->w_ns_len[i], bad))
			return -1;
	if (!prep_name(c->soa_mname, c->w_mname, &c->w_mname_len, bad) ||
	    !prep_name(c->soa_rname, c->w_rname, &c->w_rname_len, bad))
		return -1;
	c->prepared = 1;
	c->gen = atomic_fetch_add(&conf_gens, 1) + 1;
	return 0;
}

/*
 * The zone holding the question: the longest suffix of the name, on a
 * label boundary, that is a zone, compared in wire form with the zone's
 * lower-case wire name (index_zone.wire) and the question's case folded
 * (RFC 4343). One pass over the zones (at most INDEX_ZONES_MAX, usually
 * a few); for each, the one label boundary where its suffix would start.
 * A zone's labels hold no '.', so a question label holding one never
 * matches a zone label: "a\.b.bl.example" has one label "a.b".
 */
static int
find_zone(struct ans *a)
{
	const struct dns_query	*q = a->q;
	const struct index_zone	*z, *bz = NULL;
	size_t			 zl, s, best_s = q->name_len;
	unsigned		 k, best_k = 0;
	int			 i, nz, best = -1;

	if (q->nlabels == 0)
		return -1;
	nz = index_zone_count(a->idx);
	for (i = 0; i < nz; i++) {
		if ((z = index_zone_get(a->idx, i)) == NULL ||
		    (zl = z->wire_len) <= 1 || zl > q->name_len ||
		    z->wire_labels > q->nlabels)
			continue;
		s = q->name_len - zl;
		/* Longest match: the earliest start. */
		if (s >= best_s)
			continue;
		/*
		 * The label that starts at s, if one does: the zone's labels
		 * are the question's last wire_labels, if it is in the zone.
		 */
		k = q->nlabels - z->wire_labels;
		if (q->label_off[k] != s ||
		    !dns_name_eq_lower(q->name + s, z->wire, zl))
			continue;
		best = i;
		bz = z;
		best_s = s;
		best_k = k;
	}
	if (best < 0)
		return -1;
	a->z = bz;
	a->zlab = best_k;
	a->zoff = (uint16_t)(DNS_HEADER_LEN + best_s);
	a->zwire = bz->wire;
	a->zwire_len = bz->wire_len;
	return best;
}

/*
 * Labels 0..n-1 as decimal octets, the last one first (RFC 5782 section
 * 2.1). Returns 1 if each is 0-255 without a leading zero, else 0.
 */
static int
parse_v4(struct ans *a, unsigned n)
{
	const uint8_t	*l;
	unsigned	 i, d0, d1, d2, v;

	for (i = 0; i < n; i++) {
		l = a->q->name + a->q->label_off[i];
		d0 = (unsigned)l[1] - '0';
		switch (l[0]) {
		case 1:
			v = d0;
			break;
		case 2:
			d1 = (unsigned)l[2] - '0';
			v = d0 == 0 || d1 > 9 ? 256 : d0 * 10 + d1;
			break;
		case 3:
			d1 = (unsigned)l[2] - '0';
			d2 = (unsigned)l[3] - '0';
			v = d0 == 0 || d1 > 9 || d2 > 9 ? 256 :
			    d0 * 100 + d1 * 10 + d2;
			break;
		default:
			return 0;
		}
		/* d0 > 9 (not a digit) makes v too big in every case. */
		if (d0 > 9 || v > 255)
			return 0;
		a->oct[n - 1 - i] = (uint8_t)v;
	}
	for (i = n; i < 4; i++)
		a->oct[i] = 0;
	return 1;
}

/*
 * Labels 0..n-1 as hex nibbles, least significant first (RFC 5782
 * section 2.4; RFC 3596 section 2.5). Fills OUT:addr, zeros after.
 * Returns 1 if every label is one hex digit, else 0. n one-byte labels
 * end exactly at wire offset 2n, and then the name is "\1x\1y...".
 */
static int
parse_v6(const struct ans *a, unsigned n, uint8_t addr[ADDR_LEN])
{
	/* Hex digit values + 1; 0 marks a non-digit. */
	static const uint8_t	hexv[256] = {
		['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
		['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
		['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15,
		['f'] = 16,
		['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15,
		['F'] = 16
	};
	const uint8_t	*w = a->q->name;
	unsigned	 i, j, v;

	if (n > a->q->nlabels || 2 * n != (n < a->q->nlabels ?
	    a->q->label_off[n] : a->q->name_len - 1))
		return 0;
	memset(addr, 0, ADDR_LEN);
	for (i = 0; i < n; i++) {
		if ((v = hexv[w[2 * i + 1]]) == 0)
			return 0;
		j = n - 1 - i;		/* nibble number, from the top */
		addr[j / 2] |= (uint8_t)(j % 2 == 0 ? (v - 1) << 4 : v - 1);
	}
	return 1;
}

/*
 * Write a wire name (lower case), pointing into the question where it
 * ends in the zone apex (RFC 1035 section 4.1.4).
 */
static void
put_name_z(struct ans *a, const uint8_t *name, size_t len)
{
	size_t	i;

	for (i = 0; i < len && name[i] != 0; i += 1 + (size_t)name[i]) {
		if (len - i == a->zwire_len &&
		    memcmp(name + i, a->zwire, len - i) == 0) {
			dns_put_name_ptr(&a->w, name, i, a->zoff);
			return;
		}
	}
	dns_put_name(&a->w, name, len);
}

/* Owner, type, class IN, TTL, and a placeholder RDLENGTH. */
static size_t
rr_head(struct ans *a, uint16_t owner, uint16_t type, uint32_t ttl)
{
	size_t	off;

	dns_put_name_ptr(&a->w, NULL, 0, owner);
	dns_put_u16(&a->w, type);
	dns_put_u16(&a->w, DNS_C_IN);
	dns_put_u32(&a->w, ttl);
	off = a->w.len;
	dns_put_u16(&a->w, 0);
	return off;
}

/* Wire form of a configured name: prepared, or converted now. */
static size_t
conf_name(const char *text, const uint8_t *w, size_t wlen, int prepared,
    uint8_t *buf)
{
	size_t	n;

	if (prepared) {
		memcpy(buf, w, wlen);
		return wlen;
	}
	if (text == NULL || (n = dns_name_from_text(text, buf,
	    DNS_NAME_MAX)) == 0) {
		buf[0] = 0;		/* the root, rather than nothing */
		n = 1;
	}
	return n;
}

/*
 * The zone's SOA record in wire form, built once per thread for each zone
 * of a snapshot and dnsbl_conf (keyed on the zone's process-unique id and
 * the conf's address, as the query counters are) rather than name by name
 * on every negative answer. Its owner and every name that ends in the
 * zone apex are compression pointers to the apex in the question, whose
 * offset depends on the query: the blob holds 0xc000 there and ptr[]
 * says where to add the offset. The TTL sits at SOA_TTL_OFF and is
 * written per answer. A conf that is not prepared (names converted per
 * query) gets a blob built for the one answer.
 */
#define SOA_BLOB_MAX	(2 + 10 + 2 * DNS_NAME_MAX + 20)
#define SOA_TTL_OFF	6		/* after owner (2), type, class */

struct soa_blob {
	uint64_t		 id;		/* zone id, 0: empty */
	const struct dnsbl_conf	*c;
	uint64_t		 gen;		/* c->gen */
	uint32_t		 t[4];		/* refresh, retry, expire, min */
	uint16_t		 len;
	uint8_t			 nptr;
	uint16_t		 ptr[3];	/* offsets of pointers */
	uint8_t			 b[SOA_BLOB_MAX];
};
static _Thread_local struct soa_blob	 soa_cache[INDEX_ZONES_MAX];

static void
blob_u16(struct soa_blob *sb, uint16_t v)
{
	sb->b[sb->len] = (uint8_t)(v >> 8);
	sb->b[sb->len + 1] = (uint8_t)v;
	sb->len += 2;
}

static void
blob_u32(struct soa_blob *sb, uint32_t v)
{
	blob_u16(sb, (uint16_t)(v >> 16));
	blob_u16(sb, (uint16_t)v);
}

/* As put_name_z: a pointer to the apex where the name ends in it. */
static void
blob_name(struct soa_blob *sb, const struct ans *a, const uint8_t *name,
    size_t len)
{
	size_t	i;

	for (i = 0; i < len && name[i] != 0; i += 1 + (size_t)name[i]) {
		if (len - i == a->zwire_len &&
		    memcmp(name + i, a->zwire, len - i) == 0) {
			memcpy(sb->b + sb->len, name, i);
			sb->len += (uint16_t)i;
			sb->ptr[sb->nptr++] = sb->len;
			blob_u16(sb, 0xc000);
			return;
		}
	}
	memcpy(sb->b + sb->len, name, len);
	sb->len += (uint16_t)len;
}

static __attribute__((noinline)) const struct soa_blob *
soa_build(struct ans *a, struct soa_blob *sb)
{
	const struct dnsbl_conf	*c = a->c;
	uint8_t			 name[DNS_NAME_MAX];
	size_t			 n;

	sb->len = 0;
	sb->nptr = 0;
	sb->ptr[sb->nptr++] = 0;
	blob_u16(sb, 0xc000);
	blob_u16(sb, DNS_T_SOA);
	blob_u16(sb, DNS_C_IN);
	blob_u32(sb, c->ns_ttl);
	blob_u16(sb, 0);		/* RDLENGTH, below */
	n = conf_name(c->soa_mname, c->w_mname, c->w_mname_len, c->prepared,
	    name);
	blob_name(sb, a, name, n);
	n = conf_name(c->soa_rname, c->w_rname, c->w_rname_len, c->prepared,
	    name);
	blob_name(sb, a, name, n);
	blob_u32(sb, (uint32_t)a->z->serial);
	blob_u32(sb, c->soa_refresh);
	blob_u32(sb, c->soa_retry);
	blob_u32(sb, c->soa_expire);
	blob_u32(sb, c->soa_minimum);
	sb->b[10] = (uint8_t)((sb->len - 12) >> 8);
	sb->b[11] = (uint8_t)(sb->len - 12);
	sb->id = a->z->id;
	sb->c = c;
	sb->gen = c->gen;
	sb->t[0] = c->soa_refresh;
	sb->t[1] = c->soa_retry;
	sb->t[2] = c->soa_expire;
	sb->t[3] = c->soa_minimum;
	return sb;
}

static inline const struct soa_blob *
soa_blob(struct ans *a)
{
	const struct dnsbl_conf	*c = a->c;
	struct soa_blob		*sb;

	if (a->zone < 0 || a->zone >= INDEX_ZONES_MAX)
		return NULL;
	sb = &soa_cache[a->zone];
	if (sb->id == a->z->id && sb->c == c && c->prepared &&
	    sb->gen == c->gen && sb->t[0] == c->soa_refresh &&
	    sb->t[1] == c->soa_retry && sb->t[2] == c->soa_expire &&
	    sb->t[3] == c->soa_minimum)
		return sb;
	return soa_build(a, sb);
}

static void
put_soa(struct ans *a, int section, uint32_t ttl)
{
	const struct soa_blob	*sb = soa_blob(a);
	struct dns_writer	*w = &a->w;
	uint8_t			*p;
	unsigned		 i;

	if (sb == NULL)
		return;		/* no zone: never reached */
	if (w->cap - w->len < sb->len) {
		w->truncated = 1;	/* as dns_rr_end's roll-back */
		return;
	}
	p = w->buf + w->len;
	memcpy(p, sb->b, sb->len);
	for (i = 0; i < sb->nptr; i++) {
		p[sb->ptr[i]] = (uint8_t)(0xc0 | ((a->zoff >> 8) & 0x3f));
		p[sb->ptr[i] + 1] = (uint8_t)a->zoff;
	}
	p[SOA_TTL_OFF] = (uint8_t)(ttl >> 24);
	p[SOA_TTL_OFF + 1] = (uint8_t)(ttl >> 16);
	p[SOA_TTL_OFF + 2] = (uint8_t)(ttl >> 8);
	p[SOA_TTL_OFF + 3] = (uint8_t)ttl;
	w->len += sb->len;
	if (section == 0)
		w->ancount++;
	else
		w->nscount++;
}

static void
put_ns(struct ans *a)
{
	const struct dnsbl_conf	*c = a->c;
	uint8_t			 name[DNS_NAME_MAX];
	size_t			 i, n, start, rdl;

	for (i = 0; i < c->nns && i < DNSBL_NS_MAX; i++) {
		if (!c->prepared && (c->ns[i] == NULL ||
		    dns_name_from_text(c->ns[i], name, sizeof(name)) == 0))
			continue;	/* a bad name: leave it out */
		n = conf_name(c->ns[i], c->w_ns[i], c->w_ns_len[i],
		    c->prepared, name);
		start = dns_rr_begin(&a->w);
		rdl = rr_head(a, a->zoff, DNS_T_NS, c->ns_ttl);
		put_name_z(a, name, n);
		dns_rr_end(&a->w, start, rdl, 0);
	}
}

/* RFC 2308 section 5: negative answers live min(SOA TTL, minimum). */
static void
put_negative_soa(struct ans *a)
{
	uint32_t	ttl = a->c->ns_ttl;

	if (a->c->soa_minimum < ttl)
		ttl = a->c->soa_minimum;
	put_soa(a, 1, ttl);
}

/* The A record, owner the question name: 16 bytes written at once. */
static void
put_a(struct ans *a, const struct index_value *v)
{
	struct dns_writer	*w = &a->w;
	uint32_t		 code = v->code, ttl = a->c->ttl;
	uint8_t			*p;

	if (code == 0)
		code = a->z->code != 0 ? a->z->code : DEFAULT_CODE;
	if (w->cap - w->len < 16) {
		w->truncated = 1;
		return;
	}
	p = w->buf + w->len;
	p[0] = 0xc0;
	p[1] = DNS_HEADER_LEN;
	p[2] = 0;
	p[3] = DNS_T_A;
	p[4] = 0;
	p[5] = DNS_C_IN;
	p[6] = (uint8_t)(ttl >> 24);
	p[7] = (uint8_t)(ttl >> 16);
	p[8] = (uint8_t)(ttl >> 8);
	p[9] = (uint8_t)ttl;
	p[10] = 0;
	p[11] = 4;
	p[12] = (uint8_t)(code >> 24);
	p[13] = (uint8_t)(code >> 16);
	p[14] = (uint8_t)(code >> 8);
	p[15] = (uint8_t)code;
	w->len += 16;
	w->ancount++;
}

/* An octet in decimal, no leading zeros, into dst; returns 1 to 3. */
static size_t
fmt_octet(char *dst, unsigned v)
{
	if (v >= 100) {
		dst[0] = (char)('0' + v / 100);
		dst[1] = (char)('0' + v / 10 % 10);
		dst[2] = (char)('0' + v % 10);
		return 3;
	}
	if (v >= 10) {
		dst[0] = (char)('0' + v / 10);
		dst[1] = (char)('0' + v % 10);
		return 2;
	}
	dst[0] = (char)('0' + v);
	return 1;
}

/* RFC 5952 text of the queried address, into dst (ADDR_TEXT_MAX). */
static size_t
fmt_ip(const struct ans *a, char *dst)
{
	static const char	hex[] = "0123456789abcdef";
	size_t			n = 0;
	unsigned		i, k, w[8], nw, best = 0, bestlen = 0;
	int			v4, digits;

	if (a->family == 4) {
		for (i = 0; i < 4; i++) {
			if (i > 0)
				dst[n++] = '.';
			n += fmt_octet(dst + n, a->oct[i]);
		}
		return n;
	}
	v4 = addr_is_v4(a->addr, NULL);
	nw = v4 ? 6 : 8;	/* ::ffff:192.0.2.1 keeps its dotted tail */
	for (i = 0; i < 8; i++)
		w[i] = (unsigned)a->addr[2 * i] << 8 | a->addr[2 * i + 1];
	/* The first longest run of two or more zero words becomes "::". */
	for (i = 0; i < nw; i = k + 1) {
		for (k = i; k < nw && w[k] == 0; k++)
			;
		if (k - i > bestlen) {
			best = i;
			bestlen = k - i;
		}
	}
	if (bestlen < 2)
		bestlen = 0;
	for (i = 0; i < nw; i++) {
		if (bestlen > 0 && i == best) {
			dst[n++] = ':';
			dst[n++] = ':';
			i += bestlen - 1;
			continue;
		}
		if (i > 0 && !(bestlen > 0 && i == best + bestlen))
			dst[n++] = ':';
		for (digits = 0, k = 16; k > 0; k -= 4) {
			if ((w[i] >> (k - 4)) != 0 || k == 4 || digits) {
				dst[n++] = hex[(w[i] >> (k - 4)) & 0xf];
				digits = 1;
			}
		}
	}
	if (v4) {
		if (!(bestlen > 0 && best + bestlen == nw))
			dst[n++] = ':';
		for (i = 12; i < 16; i++) {
			n += list_txt_uint(dst + n, a->addr[i], 1);
			if (i < 15)
				dst[n++] = '.';
		}
	}
	return n;
}

/*
 * TXT answers: the template expanded once per listing value (with the
 * listed and expiry times formatted, the reason and the URL in), with
 * only the queried address spliced in per answer (list_txt_compile). Each
 * thread keeps TXT_CACHE of them, direct-mapped on the value's address
 * and keyed on it, the zone's process-unique id and the prepared conf
 * (its address, prepare generation and public_url), so a new snapshot or
 * conf misses. Texts
 * longer than TXT_CACHE_TEXT, with more than TXT_CACHE_IPS addresses, or
 * that could reach DNSBL_TXT_MAX with an address in (where the expansion
 * would be cut) are expanded per answer as before.
 */
#define TXT_CACHE	64
#define TXT_CACHE_TEXT	1024
#define TXT_CACHE_IPS	4

struct txt_entry {
	const struct index_value	*v;		/* NULL: empty */
	uint64_t			 zid;
	const struct dnsbl_conf		*c;
	uint64_t			 gen;
	const char			*base;		/* c->public_url */
	uint16_t			 len;		/* without addresses */
	uint8_t				 nip;
	uint8_t				 ok;		/* cacheable */
	uint16_t			 ipat[TXT_CACHE_IPS];
	char				 text[TXT_CACHE_TEXT];
};
static _Thread_local struct txt_entry	txt_cache[TXT_CACHE];

static const struct txt_entry *
txt_entry(const struct ans *a, const struct index_value *v)
{
	const struct dnsbl_conf	*c = a->c;
	struct txt_entry	*e;
	size_t			 len, nip;

	if (!c->prepared)
		return NULL;
	e = &txt_cache[((uintptr_t)v / sizeof(*v) ^ a->z->id) % TXT_CACHE];
	if (e->v == v && e->zid == a->z->id && e->c == c &&
	    e->gen == c->gen && e->base == c->public_url)
		return e->ok ? e : NULL;
	len = list_txt_compile(e->text, sizeof(e->text), a->z, v,
	    c->public_url, e->ipat, TXT_CACHE_IPS, &nip);
	e->ok = len < sizeof(e->text) && nip <= TXT_CACHE_IPS &&
	    len + nip * (ADDR_TEXT_MAX + 32) < DNSBL_TXT_MAX;
	e->len = (uint16_t)len;
	e->nip = (uint8_t)nip;
	e->v = v;
	e->zid = a->z->id;
	e->c = c;
	e->gen = c->gen;
	e->base = c->public_url;
	return e->ok ? e : NULL;
}

/* The TXT record's head: owner the question, RDLENGTH rdlen. */
static void
txt_head(uint8_t *p, uint32_t ttl, size_t rdlen)
{
	p[0] = 0xc0;
	p[1] = DNS_HEADER_LEN;
	p[2] = 0;
	p[3] = DNS_T_TXT;
	p[4] = 0;
	p[5] = DNS_C_IN;
	p[6] = (uint8_t)(ttl >> 24);
	p[7] = (uint8_t)(ttl >> 16);
	p[8] = (uint8_t)(ttl >> 8);
	p[9] = (uint8_t)ttl;
	p[10] = (uint8_t)(rdlen >> 8);
	p[11] = (uint8_t)rdlen;
}

static void
put_txt(struct ans *a, const struct index_value *v)
{
	char			 buf[DNSBL_TXT_MAX], ip[ADDR_TEXT_MAX + 32];
	const struct txt_entry	*e = txt_entry(a, v);
	struct dns_writer	*w = &a->w;
	size_t			 start = dns_rr_begin(&a->w), rdl, off, n, len;
	size_t			 iplen, i, at;
	uint8_t			 l, *p;

	iplen = fmt_ip(a, ip);
	if (e != NULL && (len = e->len + e->nip * iplen) <= TXT_STRING_MAX) {
		/* One <character-string>, written in place. */
		if (w->cap - w->len < 12 + 1 + len) {
			w->truncated = 1;
			return;
		}
		p = w->buf + w->len;
		txt_head(p, a->c->ttl, 1 + len);
		p[12] = (uint8_t)len;
		p += 13;
		for (i = 0, at = 0; i < e->nip; i++) {
			memcpy(p, e->text + at, e->ipat[i] - at);
			p += e->ipat[i] - at;
			memcpy(p, ip, iplen);
			p += iplen;
			at = e->ipat[i];
		}
		memcpy(p, e->text + at, e->len - at);
		w->len += 13 + len;
		w->ancount++;
		return;
	}
	if (e != NULL) {
		/* Longer: spliced into buf, then cut in strings below. */
		char	*d = buf;

		for (i = 0, at = 0; i < e->nip; i++) {
			memcpy(d, e->text + at, e->ipat[i] - at);
			d += e->ipat[i] - at;
			memcpy(d, ip, iplen);
			d += iplen;
			at = e->ipat[i];
		}
		memcpy(d, e->text + at, e->len - at);
		len = (size_t)(d - buf) + e->len - at;
	} else {
		/* The template as list/txt.c expands it (the BIND export's). */
		len = list_txt_expand_url(buf, sizeof(buf), a->z, v, ip, iplen,
		    a->c->public_url);
	}
	rdl = rr_head(a, DNS_HEADER_LEN, DNS_T_TXT, a->c->ttl);
	/* RFC 1035 section 3.3.14: one or more <character-string>s. */
	off = 0;
	do {
		n = len - off > TXT_STRING_MAX ? TXT_STRING_MAX : len - off;
		l = (uint8_t)n;
		dns_put_bytes(&a->w, &l, 1);
		dns_put_bytes(&a->w, buf + off, n);
		off += n;
	} while (off < len);
	dns_rr_end(&a->w, start, rdl, 0);
}

/*
 * RFC 8482 section 4.1: ANY gets one RRset, the smallest that says what
 * the name is: the A record of a listed name v (its code, what a DNSBL
 * client asks for), the SOA of the apex (v NULL). The same over UDP and
 * TCP, so that a 44-byte query cannot draw the TXT and NS records too.
 */
static void
answer_any(struct ans *a, const struct index_value *v)
{
	if (v != NULL)
		put_a(a, v);
	else
		put_soa(a, 0, a->c->ns_ttl);
}

/* The apex of a zone (RFC 1035 section 6.1, RFC 5782 section 2). */
static int
answer_apex(struct ans *a)
{
	switch (a->q->qtype) {
	case DNS_T_SOA:
		put_soa(a, 0, a->c->ns_ttl);
		break;
	case DNS_T_NS:
		put_ns(a);
		if (a->w.ancount == 0 && !a->w.truncated)
			put_negative_soa(a);
		break;
	case DNS_T_ANY:
		answer_any(a, NULL);
		break;
	default:
		put_negative_soa(a);	/* NODATA */
		break;
	}
	return DNS_R_NOERROR;
}

/*
 * 1 if the name, n labels below the apex, is the parent of something in
 * the zone: a 1-3 octet or 1-31 nibble prefix of a listing.
 */
static int
empty_nonterminal(struct ans *a, unsigned n)
{
	struct addr_prefix	p;

	if (n < 4 && parse_v4(a, n)) {
		addr_from_v4(p.a, (uint32_t)a->oct[0] << 24 |
		    (uint32_t)a->oct[1] << 16 | (uint32_t)a->oct[2] << 8);
		p.plen = (uint8_t)(96 + 8 * n);
		p.family = 4;
		if (index_any_within(a->idx, a->zone, &p))
			return 1;
	}
	if (n < 32 && parse_v6(a, n, p.a)) {
		p.plen = (uint8_t)(4 * n);
		p.family = 6;
		if (index_any_within(a->idx, a->zone, &p))
			return 1;
	}
	return 0;
}

/*
 * The answer for a name n labels below the apex whose lookup gave hit
 * (NULL: nothing lists it): the record asked for, NODATA, or, for a name
 * nothing lists, NODATA when it is an empty non-terminal, else NXDOMAIN.
 */
static int
answer_hit(struct ans *a, const struct index_hit *hit, unsigned n)
{
	if (hit != NULL && hit->v != NULL) {
		a->listed = 1;
		switch (a->q->qtype) {
		case DNS_T_A:
			put_a(a, hit->v);
			return DNS_R_NOERROR;
		case DNS_T_TXT:
			put_txt(a, hit->v);
			return DNS_R_NOERROR;
		case DNS_T_ANY:
			answer_any(a, hit->v);
			return DNS_R_NOERROR;
		default:
			put_negative_soa(a);	/* NODATA: AAAA, MX, ... */
			return DNS_R_NOERROR;
		}
	}
	put_negative_soa(a);
	if (empty_nonterminal(a, n))
		return DNS_R_NOERROR;
	return DNS_R_NXDOMAIN;
}

/* The IPv4 address in a->oct, 4 labels below the apex. */
static int
answer_v4(struct ans *a)
{
	struct index_hit	hit;

	a->family = 4;
	if (index_match_v4(a->idx, a->zone, (uint32_t)a->oct[0] << 24 |
	    (uint32_t)a->oct[1] << 16 | (uint32_t)a->oct[2] << 8 | a->oct[3],
	    a->now, &hit))
		return answer_hit(a, &hit, 4);
	return answer_hit(a, NULL, 4);
}

/* A name below the apex: an address, an empty non-terminal, or nothing. */
static int
answer_below(struct ans *a)
{
	struct index_hit	 hit;
	unsigned		 n = a->zlab;

	if (n == 4 && parse_v4(a, 4))
		return answer_v4(a);
	if (n == 32 && parse_v6(a, 32, a->addr)) {
		a->family = 6;
		if (index_match(a->idx, a->zone, a->addr, a->now, &hit))
			return answer_hit(a, &hit, n);
	}
	return answer_hit(a, NULL, n);
}

static uint16_t
get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * 1 if the n bytes at a (in the packet) are the zone's lower-case wire
 * name w, ASCII letters folded: by 8-byte words, exactly, for the usual
 * lower-case question, and by dns_name_eq_lower for the rest.
 */
static inline int
zone_eq(const uint8_t *a, const uint8_t *w, size_t n)
{
	uint64_t	x, y, u, v;

	if (n >= 8 && n <= 24) {
		memcpy(&x, a, 8);
		memcpy(&y, w, 8);
		memcpy(&u, a + n - 8, 8);
		memcpy(&v, w + n - 8, 8);
		if (((x ^ y) | (u ^ v)) == 0) {
			if (n <= 16)
				return 1;
			memcpy(&x, a + 8, 8);
			memcpy(&y, w + 8, 8);
			if (x == y)
				return 1;
		}
	}
	return dns_name_eq_lower(a, w, n);
}

/* The zone the last fast query of this thread matched: most ask one. */
static _Thread_local int	fast_last;

/*
 * The fast path: the query nearly every DNSBL client sends, read in one
 * pass without dns_parse_query and find_zone. It is a QUERY with one
 * question <d>.<c>.<b>.<a>.<zone>, type A or TXT, class IN, and nothing
 * after it but, perhaps, one OPT of version 0 at the root, in an index
 * whose zones do not nest (one under another: find_zone's longest match
 * decides those). The octets are parsed as the labels are walked (the
 * rules of parse_v4), and the rest of the name must be a zone's apex.
 * Fills what the answer path reads of *OUT:q (id, flags, type, class,
 * the name, its label count, the offsets of its first five labels, EDNS)
 * and the zone and octets of *OUT:a. Returns 1, or 0 for anything else,
 * which then takes the general path: every check here is one that
 * dns_parse_query and find_zone make too, so the two give the same bytes
 * (tests/unit/dnsbl/test_answer.c and fuzz_dnsbl_answer compare them).
 */
static int
fast_query(struct ans *a, struct dns_query *q, const uint8_t *pkt,
    size_t len)
{
	const struct index_zone	*z;
	const uint8_t		*p = pkt + DNS_HEADER_LEN;
	size_t			 left, o, zs, nl, e, rdlen, olen;
	unsigned		 i, l, v, d0, d1, d2, bad = 0;
	int			 nz, k;

	/* QR 0, QUERY, QDCOUNT 1, ANCOUNT NSCOUNT 0, ARCOUNT 0 or 1. */
	if (len < DNS_HEADER_LEN + 4 * 2 + 2 + 4 || (pkt[2] & 0xf8) != 0 ||
	    pkt[4] != 0 || pkt[5] != 1 ||
	    (pkt[6] | pkt[7] | pkt[8] | pkt[9] | pkt[10]) != 0 ||
	    pkt[11] > 1 || index_zones_nested(a->idx))
		return 0;
	left = len - DNS_HEADER_LEN;
	/*
	 * Four labels of 1-3 bytes take at most 16: with 17 bytes or more
	 * after the header every read below is inside the packet (shorter
	 * packets take the general path).
	 */
	if (left < 17)
		return 0;
	for (i = 0, o = 0; i < 4; i++) {
		l = p[o];
		d0 = (unsigned)p[o + 1] - '0';
		switch (l) {
		case 1:
			v = d0;
			bad |= d0 > 9;
			break;
		case 2:
			d1 = (unsigned)p[o + 2] - '0';
			v = d0 * 10 + d1;
			bad |= (d0 - 1 > 8) | (d1 > 9);	/* '0' leads, or not */
			break;
		case 3:
			d1 = (unsigned)p[o + 2] - '0';
			d2 = (unsigned)p[o + 3] - '0';
			v = d0 * 100 + d1 * 10 + d2;
			bad |= (d0 - 1 > 8) | (d1 > 9) | (d2 > 9) | (v > 255);
			break;
		default:
			return 0;
		}
		a->oct[3 - i] = (uint8_t)v;
		q->label_off[i] = (uint8_t)o;
		o += 1 + l;
	}
	if (bad)
		return 0;
	/*
	 * The rest of the name is a zone's wire name: its labels, its root,
	 * within the 255 bytes of a name and followed by type and class.
	 */
	zs = o;
	nz = index_zone_count(a->idx);
	k = fast_last;
	z = k < nz ? index_zone_get(a->idx, k) : NULL;
	if (z == NULL || z->wire_len <= 1 || zs + z->wire_len > DNS_NAME_MAX ||
	    zs + z->wire_len + 4 > left ||
	    !zone_eq(p + zs, z->wire, z->wire_len)) {
		for (k = 0; k < nz; k++) {
			z = index_zone_get(a->idx, k);
			if (z->wire_len > 1 &&
			    zs + z->wire_len <= DNS_NAME_MAX &&
			    zs + z->wire_len + 4 <= left &&
			    zone_eq(p + zs, z->wire, z->wire_len))
				break;
		}
		if (k == nz)
			return 0;
		fast_last = k;
	}
	nl = zs + z->wire_len;
	e = DNS_HEADER_LEN + nl;
	q->qtype = get_u16(pkt + e);
	q->qclass = get_u16(pkt + e + 2);
	if ((q->qtype != DNS_T_A && q->qtype != DNS_T_TXT) ||
	    q->qclass != DNS_C_IN)
		return 0;
	e += 4;
	q->edns = 0;
	q->edns_udp = DNS_UDP_MIN;
	q->edns_version = 0;
	q->edns_do = 0;
	if (pkt[11] == 0) {
		if (e != len)
			return 0;
	} else {
		/* OPT: root owner, type 41, class (payload), TTL, RDLENGTH. */
		if (len - e < 11 || pkt[e] != 0 ||
		    get_u16(pkt + e + 1) != DNS_T_OPT || pkt[e + 6] != 0)
			return 0;	/* not an OPT, or BADVERS */
		rdlen = get_u16(pkt + e + 9);
		if (len - e - 11 != rdlen)
			return 0;
		q->edns = 1;
		v = get_u16(pkt + e + 3);
		q->edns_udp = (uint16_t)(v < DNS_UDP_MIN ? DNS_UDP_MIN : v);
		q->edns_do = (pkt[e + 7] & 0x80) != 0;
		/* Its options must be whole, as read_opt wants them. */
		for (o = e + 11; o < len; o += 4 + olen) {
			if (len - o < 4)
				return 0;
			olen = get_u16(pkt + o + 2);
			if (len - o - 4 < olen)
				return 0;
		}
	}
	q->id = get_u16(pkt);
	q->flags = get_u16(pkt + 2);
	q->name = p;
	q->name_len = nl;
	q->nlabels = (uint8_t)(4 + z->wire_labels);
	q->label_off[4] = (uint8_t)zs;
	a->zone = k;
	a->z = z;
	a->zlab = 4;
	a->zoff = (uint16_t)(DNS_HEADER_LEN + zs);
	a->zwire = z->wire;
	a->zwire_len = z->wire_len;
	return 1;
}

/* The size limit of a response to q, less OUT:reserve for our OPT. */
static size_t
answer_limit(const struct dns_query *q, size_t outsize, int tcp,
    size_t *reserve)
{
	size_t	limit;

	if (tcp)
		limit = DNS_TCP_MAX;
	else if (q->edns)
		limit = q->edns_udp < DNS_EDNS_MAX ? q->edns_udp : DNS_EDNS_MAX;
	else
		limit = DNS_UDP_MIN;
	if (limit > outsize)
		limit = outsize;
	*reserve = q->edns ? 11 : 0;
	return limit > *reserve ? limit - *reserve : 0;
}

/* The end of every answer: TC if cut, our OPT, the count, the header. */
static size_t
answer_end(struct ans *a, const struct dns_query *q, size_t reserve,
    int rcode)
{
	if (a->w.truncated) {
		/* Nothing half-done: TC and an empty answer (RFC 2181 9). */
		dns_writer_rewind(&a->w);
	}
	if (q->edns) {
		a->w.cap += reserve;
		dns_put_opt(&a->w, DNS_EDNS_MAX, q->edns_do, rcode);
	}
	count(a, rcode);
	return dns_writer_finish(&a->w, rcode);
}

size_t
dnsbl_answer(const struct dnsbl_conf *c, const struct index *idx,
    const uint8_t *pkt, size_t len, uint8_t *out, size_t outsize, int tcp,
    int64_t now)
{
	struct dns_query	q;
	struct ans		a;
	struct index_hit	hit;
	size_t			cap, reserve, qlen;
	int			rcode;

	a.idx = idx;
	if (idx == NULL || !fast_query(&a, &q, pkt, len))
		return dnsbl_answer_general(c, idx, pkt, len, out, outsize,
		    tcp, now);
	cap = answer_limit(&q, outsize, tcp, &reserve);
	qlen = DNS_HEADER_LEN + q.name_len + 4;
	if (cap < qlen)
		return dnsbl_answer_general(c, idx, pkt, len, out, outsize,
		    tcp, now);
	/* dns_writer_init's work: the header and question copied back. */
	memcpy(out, pkt, qlen);
	a.w.buf = out;
	a.w.cap = cap;
	a.w.len = qlen;
	a.w.truncated = 0;
	a.w.overflow = 0;
	a.w.flags = DNS_F_QR | DNS_F_AA | (q.flags & DNS_F_RD);
	a.w.qdcount = 1;
	a.w.ancount = a.w.nscount = a.w.arcount = 0;
	a.w.qend = qlen;
	a.c = c;
	a.q = &q;
	a.now = now;
	a.listed = 0;
	a.family = 4;
	/* answer_v4 and answer_hit for the two types the fast path takes. */
	if (index_match_v4(idx, a.zone, (uint32_t)a.oct[0] << 24 |
	    (uint32_t)a.oct[1] << 16 | (uint32_t)a.oct[2] << 8 | a.oct[3], now,
	    &hit) && hit.v != NULL) {
		a.listed = 1;
		if (q.qtype == DNS_T_A)
			put_a(&a, hit.v);
		else
			put_txt(&a, hit.v);
		rcode = DNS_R_NOERROR;
	} else {
		put_negative_soa(&a);
		/*
		 * Only four one-byte labels can also be an IPv6 empty
		 * non-terminal (parse_v6): empty_nonterminal says 0 else.
		 */
		rcode = q.label_off[4] == 8 && empty_nonterminal(&a, 4) ?
		    DNS_R_NOERROR : DNS_R_NXDOMAIN;
	}
	return answer_end(&a, &q, reserve, rcode);
}

int
dnsbl_answer_is_fast(const struct index *idx, const uint8_t *pkt,
    size_t len)
{
	struct dns_query	q;
	struct ans		a;

	a.idx = idx;
	return idx != NULL && fast_query(&a, &q, pkt, len);
}

size_t
dnsbl_answer_general(const struct dnsbl_conf *c, const struct index *idx,
    const uint8_t *pkt, size_t len, uint8_t *out, size_t outsize, int tcp,
    int64_t now)
{
	struct dns_query	q;
	struct ans		a;
	size_t			cap, reserve;
	int			rcode;

	a.zone = -1;
	a.listed = 0;
	switch (dns_parse_query(pkt, len, &q)) {
	case DNS_PARSE_OK:
		break;
	case DNS_PARSE_DROP:
		return 0;
	case DNS_PARSE_NOTIMP:
		dns_writer_init(&a.w, out, outsize, &q, DNS_R_NOTIMP);
		a.w.flags &= (uint16_t)~DNS_F_AA;
		count(&a, DNS_R_NOTIMP);
		return dns_writer_finish(&a.w, DNS_R_NOTIMP);
	case DNS_PARSE_FORMERR:
	default:
		/* Echo the id, and the question if it parsed (name_len). */
		dns_writer_init(&a.w, out, outsize, &q, DNS_R_FORMERR);
		a.w.flags &= (uint16_t)~DNS_F_AA;
		count(&a, DNS_R_FORMERR);
		return dns_writer_finish(&a.w, DNS_R_FORMERR);
	}

	cap = answer_limit(&q, outsize, tcp, &reserve);
	dns_writer_init(&a.w, out, cap, &q, DNS_R_NOERROR);
	a.c = c;
	a.idx = idx;
	a.q = &q;
	a.now = now;
	a.family = 0;

	if (q.edns && q.edns_version > 0) {
		/* RFC 6891 section 6.1.3: we speak version 0 only. */
		a.w.flags &= (uint16_t)~DNS_F_AA;
		rcode = DNS_R_BADVERS;
	} else if ((q.qclass != DNS_C_IN && q.qclass != DNS_C_ANY) ||
	    q.qtype == DNS_T_AXFR || q.qtype == DNS_T_IXFR ||
	    (a.zone = find_zone(&a)) < 0) {
		a.w.flags &= (uint16_t)~DNS_F_AA;
		rcode = DNS_R_REFUSED;
	} else {
		if (a.zlab == 0)
			rcode = answer_apex(&a);
		else
			rcode = answer_below(&a);
	}
	return answer_end(&a, &q, reserve, rcode);
}
