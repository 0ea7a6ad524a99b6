/*
 * spf_int.h: helpers private to src/spf: the per-check arena, the record
 * parser and the macro expander (both fuzzed on their own).
 */
#ifndef FAIRLIST_SPF_INT_H
#define FAIRLIST_SPF_INT_H

#include <stddef.h>
#include <stdint.h>

#include "spf/spf.h"

/*
 * Bump allocator: an inline first block, then heap chunks, all freed by
 * spf_arena_free(). Allocation fails (NULL) past SPF_MEM_MAX bytes so a
 * hostile record cannot make one check use unbounded memory.
 */
struct spf_chunk;

struct spf_arena {
	char			*cur;
	size_t			 left;
	size_t			 total;
	struct spf_chunk	*chunks;
};

void	 spf_arena_init(struct spf_arena *a, void *mem, size_t len);
void	*spf_arena_alloc(struct spf_arena *a, size_t n);
char	*spf_arena_strndup(struct spf_arena *a, const char *s, size_t n);
void	 spf_arena_free(struct spf_arena *a);

enum spf_mech {
	SPF_M_ALL,
	SPF_M_INCLUDE,
	SPF_M_A,
	SPF_M_MX,
	SPF_M_PTR,
	SPF_M_IP4,
	SPF_M_IP6,
	SPF_M_EXISTS
};

/* One mechanism. Strings point into the record text (not NUL-ended). */
struct spf_term {
	uint8_t		 mech;		/* enum spf_mech */
	uint8_t		 qual;		/* enum spf_result of a match */
	uint8_t		 cidr4;		/* 0..32, default 32 */
	uint8_t		 cidr6;		/* 0..128, default 128 */
	uint8_t		 needs_p;	/* spec uses %{p} */
	uint8_t		 addr[16];	/* ip4 (in the first 4) / ip6 */
	const char	*spec;		/* domain-spec, NULL for default */
	uint32_t	 speclen;
	const char	*text;		/* the whole term, for reports */
	uint32_t	 textlen;
};

struct spf_record {
	struct spf_term	*terms;
	size_t		 nterms;
	const char	*redirect;	/* domain-spec or NULL */
	uint32_t	 redirectlen;
	uint8_t		 redirect_p;
	const char	*exp;		/* domain-spec or NULL */
	uint32_t	 explen;
	uint8_t		 exp_p;
};

/*
 * 1 if rec (len bytes) is an SPF version 1 record: "v=spf1" in any case,
 * then a space or the end (RFC 7208 section 4.5).
 */
int	spf_record_is_v1(const char *rec, size_t len);

/*
 * Untrusted input (RFC 7208 sections 4.6 and 12): parse a v=spf1 record
 * of len bytes. The whole record is checked before anything is evaluated
 * (a syntax error anywhere is a permerror). terms must hold at least
 * spf_record_max_terms(len) entries; the parsed record borrows rec.
 * Returns 0, or -1 with a static message in OUT:err.
 */
size_t	spf_record_max_terms(const char *rec, size_t len);
int	spf_record_parse(const char *rec, size_t len, struct spf_term *terms,
	    struct spf_record *out, const char **err);

/* Values the macro letters expand to (RFC 7208 section 7.3). */
struct spf_macro_env {
	const char	*s, *l, *o, *d, *i, *p, *h, *c, *r, *t, *v;
};

/*
 * Untrusted input (RFC 7208 section 7.1): check the syntax of a
 * macro-string. exp != 0 allows c, r and t (explanation text). Sets
 * OUT:needs_p (may be NULL) if %{p} occurs. Returns 0 or -1.
 */
int	spf_macro_check(const char *spec, size_t len, int exp, int *needs_p);

/*
 * Expand a macro-string into OUT:out (outsize bytes, NUL-terminated).
 * Returns the length, -1 on a syntax error anywhere in spec, else -2 if
 * the result would not fit (bounded by outsize, itself at most
 * SPF_EXPAND_MAX).
 */
long	spf_macro_expand(const struct spf_macro_env *env, const char *spec,
	    size_t len, int exp, char *out, size_t outsize);

/*
 * Check a domain-spec at parse time: valid macro-string, non-empty, and
 * ending in a macro or "." toplabel (RFC 7208 section 7.1 domain-end).
 */
int	spf_domain_spec_check(const char *spec, size_t len, int *needs_p);

/*
 * 1 if name (len bytes, one trailing dot allowed) is a usable FQDN:
 * 1..253 bytes, labels 1..63, at least two labels, a toplabel of
 * letters, digits and inner hyphens that is not all digits.
 */
int	spf_domain_ok(const char *name, size_t len);

/*
 * Truncate an expanded name from the left, whole labels at a time, until
 * it is at most SPF_NAME_MAX bytes (RFC 7208 section 7.3). Returns the
 * new start or NULL if impossible.
 */
const char	*spf_name_truncate(const char *name, size_t *len);

/* zone.c: a per-type timeout ("A: TIMEOUT" in a suite). */
void	spf_zone_type_timeout(struct spf_zone *z, const char *name,
	    uint16_t type);

/* yaml.c: the YAML subset tree. Every scalar is a NUL-ended string. */
enum ykind { Y_SCALAR, Y_SEQ, Y_MAP };

struct ynode {
	int		 kind;
	int		 line;
	char		*str;		/* Y_SCALAR: the value */
	size_t		 len;
	char		*key;		/* set when the parent is a Y_MAP */
	size_t		 keylen;
	struct ynode	*child, *last, *next;
};

/*
 * Untrusted input: parse a YAML stream into a Y_SEQ of documents.
 * Returns NULL with "path:line: message" in OUT:err.
 */
struct ynode	*yaml_parse(const char *text, size_t len, const char *path,
		    char *err, size_t errlen);
void		 yaml_free(struct ynode *n);	/* NULL is a no-op */
/* The value of key in mapping map, or NULL. */
struct ynode	*yaml_get(const struct ynode *map, const char *key);

#endif /* FAIRLIST_SPF_INT_H */
