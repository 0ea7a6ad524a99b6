/*
 * list.h: the index, an immutable compiled snapshot of every listing in
 * force, answering "which listings cover this address" without locks; and
 * the list file formats (rbldnsd ip4set/ip4trie/ip6trie, plain) for import
 * and export.
 *
 * A snapshot is built once (index_builder_*), then only read: any number
 * of threads may call the lookup functions on it concurrently. The daemon
 * swaps snapshots with an atomic pointer and frees the old one after every
 * reader has moved on.
 */
#ifndef FAIRLIST_LIST_H
#define FAIRLIST_LIST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/addr.h"

struct store;

#define INDEX_ZONES_MAX	64		/* zones in one snapshot */
#define LIST_TEST_REASON "RFC 5782 test point"	/* reason of 127.0.0.2 */
#define LIST_LINE_MAX	4096		/* bytes of one list file line */
#define LIST_TXT_MAX	513		/* an entry's text and its NUL: a reason
					   of STORE_REASON_MAX bytes fits */
#define LIST_RAW_MAX	(2 * LIST_TXT_MAX)	/* text as written in a file,
						   with "$$" for "$" */
#define LIST_LINE_ENTRIES 64		/* CIDRs one range line can yield */

/* What a listing answers with; shared between listings with equal values. */
struct index_value {
	uint32_t	 code;		/* A record, host order */
	uint32_t	 reason_len;
	const char	*reason;	/* NUL-terminated */
	int64_t		 listed_at;
	int64_t		 expires_at;	/* 0 = never */
};

#define INDEX_WIRE_MAX	255	/* a zone name in wire form (DNS_NAME_MAX) */

/* A zone as the answer path needs it. */
struct index_zone {
	const char	*name;		/* lower case, no trailing dot */
	uint32_t	 code;		/* zone default return code */
	const char	*txt;		/* TXT template */
	const char	*url;		/* lookup URL template */
	int64_t		 serial;
	/*
	 * Set by the index, never by callers: the name in DNS wire form
	 * (lower case), so the answer path matches question names without
	 * converting either; wire_len is 0 for a name that has none.
	 */
	uint8_t		 wire[INDEX_WIRE_MAX];
	size_t		 wire_len;
	unsigned	 wire_labels;	/* labels of wire, root not counted */
	/*
	 * Set by the index: a number (never 0) that no other zone of any
	 * snapshot of this process had, so a per-thread cache keyed on it
	 * (the DNS query counters) cannot take a new snapshot's zone for
	 * the freed one it replaced at the same address.
	 */
	uint64_t	 id;
};

/* One listing that covers an address. */
struct index_hit {
	const struct index_value	*v;	/* NULL for an exclusion */
	uint8_t				 a[ADDR_LEN];	/* its network */
	uint8_t				 plen;	/* 0..128 */
	uint8_t				 exclude;
};

struct index;
struct index_builder;

struct index_builder	*index_builder_new(void);
/* Frees a builder that was not finished. NULL is a no-op. */
void			 index_builder_free(struct index_builder *b);

/* Add a zone; strings are copied. Returns its number (0, 1, ...) or -1. */
int	index_builder_zone(struct index_builder *b, const struct index_zone *z);

/*
 * Add a listing to zone number zone. code 0 means the zone default. For an
 * exclusion, code/reason/times are ignored. Strings are copied (reasons
 * are interned: equal values share memory). Duplicate prefixes in a zone:
 * the later add wins. Returns 0, or -1 for a bad zone number.
 */
int	index_builder_add(struct index_builder *b, int zone,
	    const struct addr_prefix *p, int exclude, uint32_t code,
	    const char *reason, int64_t listed_at, int64_t expires_at);

/* Compile and return the snapshot; the builder is consumed. */
struct index	*index_builder_finish(struct index_builder *b);

void		 index_free(struct index *idx);		/* NULL is a no-op */

int			 index_zone_count(const struct index *idx);
const struct index_zone	*index_zone_get(const struct index *idx, int zone);
/*
 * 1 if a zone of idx lies below another (big.bl.test under bl.test): a
 * name may then be in both, and the longest match decides.
 */
int			 index_zones_nested(const struct index *idx);
/* Zone number for a lower-case name without trailing dot, or -1. */
int			 index_zone_find(const struct index *idx,
			    const char *name, size_t len);
/* Listings (including exclusions) held for a zone. */
size_t			 index_zone_size(const struct index *idx, int zone);
/*
 * Listing or exclusion i (0 <= i < index_zone_size) of zone, in no
 * particular order, expired ones included, into OUT:hit (hit->v is valid
 * as long as idx). Returns 0, or -1 past the end. Zone transfers walk a
 * zone with it.
 */
int			 index_zone_entry(const struct index *idx, int zone,
			    size_t i, struct index_hit *hit);
/* Earliest expires_at > now in the snapshot, or 0. */
int64_t			 index_next_expiry(const struct index *idx,
			    int64_t now);

/*
 * The answer for address a in zone at time now: 1 and the most specific
 * listing in OUT:hit if a is listed, 0 if not (nothing covers it, or the
 * most specific cover is an exclusion). Expired listings are skipped as if
 * absent. Lock-free, allocation-free; the hot path of the DNS server.
 */
int	index_match(const struct index *idx, int zone,
	    const uint8_t a[ADDR_LEN], int64_t now, struct index_hit *hit);
/* index_match for the IPv4 address v4 (host order), as ::ffff:v4. */
int	index_match_v4(const struct index *idx, int zone, uint32_t v4,
	    int64_t now, struct index_hit *hit);

/*
 * Every listing (and exclusion) of zone covering a, most specific first,
 * up to max. Returns how many were written to OUT:hits.
 */
size_t	index_lookup(const struct index *idx, int zone,
	    const uint8_t a[ADDR_LEN], int64_t now, struct index_hit *hits,
	    size_t max);

/*
 * 1 if any listing or exclusion of zone lies within or covers prefix p,
 * else 0. The DNS server uses it to answer empty non-terminals
 * (0.0.127.<zone>) with NOERROR instead of NXDOMAIN.
 */
int	index_any_within(const struct index *idx, int zone,
	    const struct addr_prefix *p);

/*
 * Compile a snapshot from the store: every zone, every active listing at
 * time now, and the RFC 5782 test points (127.0.0.2 listed, 127.0.0.1
 * not, in every zone). Returns NULL and logs on failure, leaving the
 * caller to keep its previous snapshot.
 */
struct index	*index_load(struct store *s, int64_t now);
/*
 * Zone (its name) of the store as it was at serial (store/version.h),
 * alone in an index with the test points, as index_load compiled it at
 * that serial's time, which goes to *OUT:at. NULL when the store cannot
 * give that serial (logged only on a store error).
 */
struct index	*index_load_version(struct store *s, const char *zone,
		    int64_t serial, int64_t *at);

/*
 * Snapshot cache (snap.c): a compiled snapshot saved to a file, so that
 * the daemon starts without compiling. The file records the store
 * generation (store_generation) the snapshot was compiled from; a loader
 * asks for the generation it expects and gets NULL for any other.
 * The format is native (byte order, struct layout): a cache beside the
 * store, not an exchange format.
 */
#define INDEX_SNAP_VERSION	1
#define INDEX_SNAP_MAX		((size_t)4 << 30)	/* bytes of a file */

/*
 * Write idx, compiled from store generation gen, to path atomically:
 * path.tmp is written and renamed over path. Not fsync'd: the file is a
 * cache, and a torn one fails its checksum on load (the daemon then
 * compiles from the store). Returns 0, or -1 with errno set; on failure path is
 * untouched and path.tmp removed. Does not log.
 */
int	index_save(const struct index *idx, uint64_t gen, const char *path);

/*
 * Load a snapshot saved by index_save, if it was saved for generation
 * gen. The file is read once into an anonymous mapping (never mapped, so
 * a later change to the file cannot change the snapshot) and verified in
 * full before use. Returns a snapshot that index_free releases, or NULL
 * with a message in OUT:err (errlen bytes): errno is ENOENT if the file
 * does not exist, ESTALE for another generation, EINVAL for a file that
 * is corrupt, truncated or not a snapshot, else the read error.
 */
struct index	*index_open_saved(const char *path, uint64_t gen, char *err,
		    size_t errlen);

/* The same from len bytes at buf (copied; for tests and the fuzzer). */
struct index	*index_open_saved_mem(const void *buf, size_t len,
		    uint64_t gen, char *err, size_t errlen);

/*
 * List file formats. An entry read from a file; strings borrowed until
 * the next call.
 */
struct list_entry {
	struct addr_prefix	 prefix;
	int			 exclude;
	uint32_t		 code;		/* 0 = default */
	const char		*txt;		/* NULL = default */
	int64_t			 expires_at;	/* "#@expires", 0 = none */
};

enum list_format {
	LIST_FMT_PLAIN,		/* one address or CIDR per line */
	LIST_FMT_IP4SET,	/* rbldnsd ip4set */
	LIST_FMT_IP4TRIE,	/* rbldnsd ip4trie */
	LIST_FMT_IP6TRIE,	/* rbldnsd ip6trie */
	LIST_FMT_BIND		/* BIND master file (export only) */
};

/* Format by name ("plain", "ip4set", ...); -1 if unknown. */
int	list_format_parse(const char *name);
const char *list_format_name(enum list_format f);

/*
 * The line parser: pure (no I/O), one line in, entries out, with the
 * per-file state (default value, $n variables, "#@expires") kept in
 * struct list_parser. docs/IMPORT-EXPORT.md describes the formats.
 */
struct list_parser;

/* A parser for format f (not LIST_FMT_BIND). NULL if f cannot be read. */
struct list_parser	*list_parser_new(enum list_format f);
void			 list_parser_free(struct list_parser *p); /* NULL ok */

/*
 * Untrusted input: parse one line (len bytes, without the newline; a
 * trailing CR is ignored). Returns the number of entries written to
 * OUT:out (at most LIST_LINE_ENTRIES: an ip4set range line yields one
 * CIDR per aligned block), 0 for a blank, comment, default-value or
 * special line, or -1 for a malformed line. *OUT:msg is set to a static
 * message on -1, to a note on a 0 return that deserves one (a skipped
 * "$SOA" line), else NULL. The entries' txt points into the parser and
 * stays valid until the next call.
 */
int	list_parse_line(struct list_parser *p, const char *line, size_t len,
	    struct list_entry *out, const char **msg);

/*
 * Write prefix p as format f writes it (rbldnsd forms; "1.2.3.4" for a
 * single IPv4 address) into dst. Returns dst.
 */
char	*list_format_prefix(const struct addr_prefix *p, char *dst,
	    size_t dstsize);

/*
 * A reason as an rbldnsd value: "$ip" (the queried address, see
 * list_txt_expand) becomes rbldnsd's "$", "$$" stays, any other '$'
 * becomes "$$"; control bytes are dropped, UTF-8 passes. Cut at dstsize
 * on a whole character; returns dst (always NUL-terminated).
 */
char	*list_escape_rbldnsd(const char *text, char *dst, size_t dstsize);

/*
 * Export (export.c). One listing to write; reason NULL = the zone's
 * default, code 0 = the zone's code.
 */
struct list_item {
	struct addr_prefix	 p;
	uint8_t			 excl;
	uint32_t		 code;
	uint32_t		 line;		/* import: line of the file */
	const char		*reason;
	int64_t			 expires;	/* 0 = never */
	int64_t			 listed;
};

/* The SOA and NS records of a BIND export, as the daemon serves them. */
struct list_soa {
	const char	*const *ns;
	size_t		 nns;
	const char	*mname, *rname;
	uint32_t	 refresh, retry, expire, minimum;
	uint32_t	 ttl, ns_ttl;
};

/* What an export left out or could not write exactly. */
struct list_export_stats {
	size_t	other;		/* entries of the other family (rbldnsd) */
	size_t	big;		/* BIND: entries of more than
				   LIST_BIND_EXPAND addresses, not expanded */
	size_t	conflicts;	/* ip4set: nested entries that rbldnsd, at
				   octet granularity, answers differently */
};

#define LIST_BIND_EXPAND	256	/* most names one BIND entry gives */

/*
 * Write the n listings at v of zone z (name, code, txt, url, serial) to o
 * in format f (not LIST_FMT_PLAIN) at time now: v is reordered and *n
 * becomes the number of entries the format holds (the others are counted
 * in OUT:st->other). soa is needed for LIST_FMT_BIND only. Returns 0, or
 * -1 for a format it cannot write; write errors are o's (check ferror).
 */
int	list_export(FILE *o, enum list_format f, const struct index_zone *z,
	    const struct list_soa *soa, struct list_item *v, size_t *n,
	    int64_t now, struct list_export_stats *st);

/*
 * Import (import.c): what an import does between the file and the store.
 * struct list_items is a growable array of listings (zeroed: empty).
 */
struct list_items {
	struct list_item	*v;
	size_t			 n, cap;
};

/* A new zeroed item at the end of v (grows it; never fails). */
struct list_item	*list_items_push(struct list_items *v);

/*
 * Sort v by (address, length) and drop repeated prefixes: the first in
 * the file (the lowest index) stays, or the last with replace. A file of
 * IPv4 entries sorts in linear time (a radix sort). Returns how many were
 * dropped.
 */
size_t	list_items_dedupe(struct list_items *v, int replace);

/*
 * A hash set of prefixes holding indexes into an array of items, *base
 * (the caller's pointer: the array may move). Zeroed: empty.
 */
struct list_pset {
	const struct list_item	**base;
	uint32_t		 *slot;		/* index + 1, 0 = empty */
	size_t			  cap, n;
};

/*
 * Find p; if absent and add_idx >= 0, insert add_idx. Returns the index
 * found, or -1.
 */
int64_t	list_pset_find(struct list_pset *s, const struct addr_prefix *p,
	    int64_t add_idx);
void	list_pset_free(struct list_pset *s);

/* Interned strings: one copy of each, freed together. Zeroed: empty. */
struct list_strings {
	char	**slot;
	size_t	  cap, n;
};

/* The interned copy of str, valid until list_strings_free. */
const char	*list_strings_intern(struct list_strings *s, const char *str);
void		 list_strings_free(struct list_strings *s);

/*
 * Line reader with a cap: a line longer than LIST_LINE_MAX is returned
 * empty with *toolong set, so a hostile file cannot make us allocate.
 * Reads LIST_READ_CHUNK bytes at a time.
 */
#define LIST_READ_CHUNK	(1024 * 1024)
struct list_reader {
	FILE	*f;
	char	*buf;
	size_t	 start, end;
	int	 eof, skipping;
	int64_t	 consumed;	/* bytes of f read as lines so far */
};

void	list_reader_init(struct list_reader *r, FILE *f);
void	list_reader_free(struct list_reader *r);	/* f stays open */
/*
 * Untrusted input: the next line of r->f without its newline, borrowed
 * until the next call, in *OUT:line and *OUT:len. Returns 1 for a line, 0
 * at the end of the file, -1 for a read error (errno set).
 */
int	list_read_line(struct list_reader *r, const char **line, size_t *len,
	    int *toolong);

/*
 * TXT templates (txt.c). list_txt_expand writes zone z's TXT template for
 * a listing of value v, queried as address ip (iplen bytes of text), into
 * dst, cutting it at cap bytes; returns the length (no NUL). A zone
 * without a template (NULL or "") answers "$reason". The variables: $ip,
 * $reason (the listing's reason, where "$ip" is ip, as an imported
 * rbldnsd "$" is, and "$$" is '$'), $listed and $expires (ISO 8601 UTC; $listed is "always" for 0,
 * the RFC 5782 test point, $expires "never" for 0), $zone, $url (z->url,
 * itself expanded, where $url stays as is) and $$; anything else after $
 * is copied as is. No allocation, lock or stdio: the DNS workers call it.
 */
#define LIST_TXT_EXPAND_MAX	4096	/* bytes of an expanded TXT */
#define LIST_TXT_TIME_LEN	20	/* "2026-11-28T10:00:00Z" */
size_t	list_txt_expand(char *dst, size_t cap, const struct index_zone *z,
	    const struct index_value *v, const char *ip, size_t iplen);
/*
 * list_txt_expand with a public base URL (http { public-url }, NULL: none):
 * a zone URL template that starts with STORE_DEFAULT_BASE followed by '/'
 * or its end has base in that place, so that every URL fairlist writes
 * points at the configured address; other templates stay as they are.
 */
size_t	list_txt_expand_url(char *dst, size_t cap, const struct index_zone *z,
	    const struct index_value *v, const char *ip, size_t iplen,
	    const char *base);
/*
 * list_txt_expand_url without the address: the text of every other
 * variable, as for any address, into dst (cut at cap bytes), with the
 * offsets where the address goes into ipat (at most maxip; OUT:nip says
 * how many there are, which may be more). The expansion for an address
 * of iplen bytes is this text with the address inserted at each offset,
 * as long as the length plus nip * iplen stays below the cap it is
 * expanded with (no cut). Returns the length. The DNS answer path keeps
 * it per listing value (dnsbl/answer.c).
 */
size_t	list_txt_compile(char *dst, size_t cap, const struct index_zone *z,
	    const struct index_value *v, const char *base, uint16_t *ipat,
	    size_t maxip, size_t *nip);
/*
 * The rule of list_txt_expand_url for one template: what follows
 * STORE_DEFAULT_BASE in tpl when base is not NULL and tpl starts with it,
 * else NULL (tpl stays as is).
 */
const char	*list_url_rest(const char *tpl, const char *base);
/*
 * tpl with the rule above applied into dst (cap bytes, NUL-terminated, cut
 * at cap). Returns dst.
 */
char	*list_url_rebase(char *dst, size_t cap, const char *tpl,
	    const char *base);
/*
 * v in decimal in dst, zero-padded to width digits (at most 10 bytes, no
 * NUL). Returns the length.
 */
size_t	list_txt_uint(char *dst, unsigned v, unsigned width);
/* t as "2026-11-28T10:00:00Z" in dst (LIST_TXT_TIME_LEN bytes, no NUL). */
size_t	list_txt_time(char *dst, int64_t t);

/*
 * Append text to b as one or more RFC 1035 section 5.1 <character-string>s:
 * quoted, with '"' and '\\' escaped by a backslash, bytes outside
 * printable ASCII as \DDD, split every 255 bytes of data.
 */
struct sbuf;
void	list_bind_txt(struct sbuf *b, const char *text, size_t len);

#endif /* FAIRLIST_LIST_H */
