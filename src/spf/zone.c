/*
 * zone.c: an in-memory DNS zone for SPF tests, benchmarks and the CLI's
 * --dns-zone, and a bounded master-file reader (RFC 1035 section 5.1).
 *
 * Names are case-insensitive and kept without the trailing dot. Each name
 * has an ordered list of entries; a TIMEOUT entry makes every query that
 * found no record before it answer TEMPFAIL (the openspf suite's driver
 * semantics). CNAMEs are followed up to SPF_ZONE_CNAME_MAX answers; a loop
 * answers TEMPFAIL. Lookups answer synchronously from memory.
 */
#include <ctype.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "core/hash.h"
#include "core/xmalloc.h"
#include "core/str.h"
#include "spf/spf_int.h"

#define T_TIMEOUT	0xffff	/* every type times out from here on */

struct entry {
	uint16_t	 type;
	uint16_t	 pref;
	int		 timeout;	/* this type times out */
	char		*data;
	size_t		 len;
};

struct node {
	char		*name;		/* lower case, no trailing dot */
	size_t		 namelen;
	uint32_t	 hash;
	struct entry	*e;
	size_t		 n, cap;
};

struct spf_zone {
	struct node	**tab;
	size_t		 size, count;
	struct spf_rr	*rr;		/* answer scratch */
	size_t		 rrcap;
	unsigned long	 queries;
};

static uint32_t
hash_name(const char *s, size_t n, char *lower)
{
	size_t		i;

	for (i = 0; i < n; i++) {
		unsigned char	c = (unsigned char)s[i];

		if (c >= 'A' && c <= 'Z')
			c += 32;
		lower[i] = (char)c;
	}
	return (uint32_t)hash_bytes(lower, n, hash_seed());
}

struct spf_zone *
spf_zone_new(void)
{
	struct spf_zone	*z = xcalloc(1, sizeof(*z));

	z->size = 64;
	z->tab = xcalloc(z->size, sizeof(*z->tab));
	return z;
}

void
spf_zone_free(struct spf_zone *z)
{
	size_t	i, k;

	if (z == NULL)
		return;
	for (i = 0; i < z->size; i++) {
		struct node	*nd = z->tab[i];

		if (nd == NULL)
			continue;
		for (k = 0; k < nd->n; k++)
			free(nd->e[k].data);
		free(nd->e);
		free(nd->name);
		free(nd);
	}
	free(z->tab);
	free(z->rr);
	free(z);
}

static struct node *
find(const struct spf_zone *z, const char *name, size_t len)
{
	char		 lower[SPF_NAME_MAX + 8];
	uint32_t	 h;
	size_t		 i;
	struct node	*nd;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len > SPF_NAME_MAX + 4)
		return NULL;
	h = hash_name(name, len, lower);
	for (i = h & (z->size - 1); (nd = z->tab[i]) != NULL;
	    i = (i + 1) & (z->size - 1))
		if (nd->hash == h && nd->namelen == len &&
		    memcmp(nd->name, lower, len) == 0)
			return nd;
	return NULL;
}

static struct node *
get(struct spf_zone *z, const char *name)
{
	size_t		 len = strlen(name), i, k;
	struct node	*nd, **old;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if ((nd = find(z, name, len)) != NULL)
		return nd;
	if ((z->count + 1) * 2 > z->size) {
		old = z->tab;
		z->tab = xcalloc(z->size * 2, sizeof(*z->tab));
		for (i = 0; i < z->size; i++) {
			if (old[i] == NULL)
				continue;
			for (k = old[i]->hash & (z->size * 2 - 1);
			    z->tab[k] != NULL; k = (k + 1) & (z->size * 2 - 1))
				;
			z->tab[k] = old[i];
		}
		z->size *= 2;
		free(old);
	}
	nd = xcalloc(1, sizeof(*nd));
	nd->name = xmalloc(len + 1);
	nd->hash = hash_name(name, len, nd->name);
	nd->name[len] = '\0';
	nd->namelen = len;
	for (i = nd->hash & (z->size - 1); z->tab[i] != NULL;
	    i = (i + 1) & (z->size - 1))
		;
	z->tab[i] = nd;
	z->count++;
	return nd;
}

static struct entry *
add_entry(struct spf_zone *z, const char *name)
{
	struct node	*nd = get(z, name);

	if (nd->n == nd->cap) {
		nd->cap = nd->cap == 0 ? 4 : nd->cap * 2;
		nd->e = xreallocarray(nd->e, nd->cap, sizeof(*nd->e));
	}
	memset(&nd->e[nd->n], 0, sizeof(nd->e[0]));
	return &nd->e[nd->n++];
}

void
spf_zone_add(struct spf_zone *z, const char *name, uint16_t type,
    uint16_t pref, const void *data, size_t len)
{
	struct entry	*e = add_entry(z, name);

	e->type = type;
	e->pref = pref;
	/* Names are stored without the trailing dot. */
	if ((type == DNS_T_MX || type == DNS_T_PTR || type == DNS_T_CNAME) &&
	    len > 0 && ((const char *)data)[len - 1] == '.')
		len--;
	e->data = xmalloc(len + 1);
	memcpy(e->data, data, len);
	e->data[len] = '\0';
	e->len = len;
}

void
spf_zone_timeout(struct spf_zone *z, const char *name)
{
	add_entry(z, name)->type = T_TIMEOUT;
}

/* A per-type timeout ("A: TIMEOUT" in a suite). */
static void
zone_type_timeout(struct spf_zone *z, const char *name, uint16_t type)
{
	struct entry	*e = add_entry(z, name);

	e->type = type;
	e->timeout = 1;
}

int
spf_zone_has(struct spf_zone *z, const char *name, uint16_t type)
{
	struct node	*nd = find(z, name, strlen(name));
	size_t		 i;

	if (nd == NULL)
		return 0;
	for (i = 0; i < nd->n; i++)
		if (nd->e[i].type == type)
			return 1;
	return 0;
}

static void
push_rr(struct spf_zone *z, size_t *n, const struct entry *e)
{
	if (*n >= SPF_ZONE_RR_MAX)
		return;
	if (*n == z->rrcap) {
		z->rrcap = z->rrcap == 0 ? 16 : z->rrcap * 2;
		z->rr = xreallocarray(z->rr, z->rrcap, sizeof(*z->rr));
	}
	z->rr[*n].type = e->type;
	z->rr[*n].pref = e->pref;
	z->rr[*n].data = e->data;
	z->rr[*n].len = e->len;
	(*n)++;
}

void
spf_zone_lookup(struct spf_zone *z, const char *name, uint16_t type,
    struct spf_answer *a)
{
	struct node		*nd;
	const struct entry	*cname;
	size_t			 i, n = 0, hops;
	int			 found;

	z->queries++;
	a->rr = NULL;
	a->nrr = 0;
	a->status = SPF_DNS_OK;
	for (hops = 0; hops <= SPF_ZONE_CNAME_MAX; hops++) {
		if ((nd = find(z, name, strlen(name))) == NULL) {
			/* A CNAME to nowhere answers NXDOMAIN as well. */
			a->status = SPF_DNS_NXDOMAIN;
			break;
		}
		found = 0;
		cname = NULL;
		for (i = 0; i < nd->n; i++) {
			const struct entry	*e = &nd->e[i];

			if (e->type == T_TIMEOUT) {
				if (!found) {
					a->status = SPF_DNS_TEMPFAIL;
					return;
				}
				break;
			}
			if (e->type == type) {
				found = 1;
				if (e->timeout) {
					a->status = SPF_DNS_TEMPFAIL;
					return;
				}
				push_rr(z, &n, e);
			} else if (e->type == DNS_T_CNAME && cname == NULL &&
			    !e->timeout)
				cname = e;
		}
		if (n > 0 || cname == NULL || type == DNS_T_CNAME)
			break;
		name = cname->data;
	}
	if (hops > SPF_ZONE_CNAME_MAX) {
		a->status = SPF_DNS_TEMPFAIL;	/* CNAME loop */
		return;
	}
	a->rr = z->rr;
	a->nrr = n;
}

unsigned long
spf_zone_queries(const struct spf_zone *z)
{
	return z->queries;
}

static void
zone_query(void *ctx, const char *name, uint16_t type,
    void (*cb)(void *arg, const struct spf_answer *a), void *arg)
{
	struct spf_answer	a;

	spf_zone_lookup(ctx, name, type, &a);
	cb(arg, &a);
}

void
spf_zone_resolver(struct spf_zone *z, struct spf_resolver *r)
{
	r->ctx = z;
	r->query = zone_query;
}

/*
 * The master-file reader. Tokens: words, "quoted strings" (with \" \\
 * and \DDD), ( ) to continue a record over lines, ; comments.
 */

struct tok {
	char	*s;
	size_t	 len;
	int	 quoted;
};

struct zf {
	const char	*path;
	int		 line;
	char		 origin[SPF_NAME_MAX + 2];
	char		 last[SPF_NAME_MAX + 2];
	char		*err;
	size_t		 errlen;
};

static int
zf_error(struct zf *zf, const char *msg)
{
	snprintf(zf->err, zf->errlen, "%s:%d: %s", zf->path, zf->line, msg);
	return -1;
}

/* Split one logical record (after joining parentheses) into tokens. */
static int
tokenize(struct zf *zf, char *p, struct tok *t, int *nt, int *paren,
    char *store, size_t *used, size_t storecap)
{
	while (*p != '\0') {
		if (*p == ' ' || *p == '\t' || *p == '\r') {
			p++;
			continue;
		}
		if (*p == ';')
			break;
		if (*p == '(') {
			if (*paren)
				return zf_error(zf, "nested parentheses");
			*paren = 1;
			p++;
			continue;
		}
		if (*p == ')') {
			if (!*paren)
				return zf_error(zf, "unbalanced ')'");
			*paren = 0;
			p++;
			continue;
		}
		if (*nt >= SPF_ZONEFILE_FIELDS_MAX)
			return zf_error(zf, "too many fields");
		t[*nt].s = store + *used;
		t[*nt].len = 0;
		t[*nt].quoted = *p == '"';
		if (*p == '"') {
			p++;
			for (;;) {
				int	c;

				if (*p == '\0')
					return zf_error(zf,
					    "unterminated quoted string");
				if (*p == '"') {
					p++;
					break;
				}
				c = (unsigned char)*p++;
				if (c == '\\') {
					if (isdigit((unsigned char)p[0]) &&
					    isdigit((unsigned char)p[1]) &&
					    isdigit((unsigned char)p[2])) {
						c = (p[0] - '0') * 100 +
						    (p[1] - '0') * 10 +
						    (p[2] - '0');
						if (c > 255)
							return zf_error(zf,
							    "bad \\DDD escape");
						p += 3;
					} else if (*p != '\0')
						c = (unsigned char)*p++;
					else
						return zf_error(zf,
						    "backslash at end of line");
				}
				if (*used + 1 >= storecap)
					return zf_error(zf, "line too long");
				store[(*used)++] = (char)c;
				t[*nt].len++;
			}
		} else {
			while (*p != '\0' && *p != ' ' && *p != '\t' &&
			    *p != '\r' && *p != ';' && *p != '(' &&
			    *p != ')' && *p != '"') {
				if (*used + 1 >= storecap)
					return zf_error(zf, "line too long");
				store[(*used)++] = *p++;
				t[*nt].len++;
			}
		}
		store[(*used)++] = '\0';
		(*nt)++;
	}
	return 0;
}

/* Make an absolute name (no trailing dot) from a zone-file name. */
static int
absolute(struct zf *zf, const struct tok *t, char *out, size_t outlen)
{
	if (t->len == 1 && t->s[0] == '@') {
		str_lcpy(out, zf->origin, outlen);
		return 0;
	}
	if (t->len > 0 && t->s[t->len - 1] == '.') {
		if (t->len - 1 >= outlen)
			return zf_error(zf, "name too long");
		memcpy(out, t->s, t->len - 1);
		out[t->len - 1] = '\0';
		return 0;
	}
	if (zf->origin[0] == '\0') {
		if (t->len >= outlen)
			return zf_error(zf, "name too long");
		memcpy(out, t->s, t->len + 1);
		return 0;
	}
	if ((size_t)snprintf(out, outlen, "%s.%s", t->s, zf->origin) >=
	    outlen)
		return zf_error(zf, "name too long");
	return 0;
}

static int
is_ttl(const struct tok *t)
{
	size_t	i;

	if (t->quoted || t->len == 0 || !isdigit((unsigned char)t->s[0]))
		return 0;
	for (i = 0; i < t->len; i++)
		if (!isalnum((unsigned char)t->s[i]))
			return 0;
	return 1;
}

static int
record(struct spf_zone *z, struct zf *zf, struct tok *t, int nt,
    int owner_given)
{
	char		 name[SPF_NAME_MAX + 2], target[SPF_NAME_MAX + 2];
	char		 txt[SPF_RECORD_MAX];
	uint8_t		 a[16];
	int		 i = 0, k;
	size_t		 len;
	const char	*type, *err;
	long long	 pref;

	if (owner_given) {
		if (absolute(zf, &t[0], name, sizeof(name)) == -1)
			return -1;
		i = 1;
		str_lcpy(zf->last, name, sizeof(zf->last));
	} else {
		if (zf->last[0] == '\0')
			return zf_error(zf, "no owner name");
		str_lcpy(name, zf->last, sizeof(name));
	}
	/* [TTL] [class] or [class] [TTL], both optional. */
	for (k = 0; k < 2 && i < nt; k++) {
		if (is_ttl(&t[i]))
			i++;
		else if (strcasecmp(t[i].s, "IN") == 0 ||
		    strcasecmp(t[i].s, "CH") == 0)
			i++;
	}
	if (i >= nt)
		return zf_error(zf, "missing record type");
	type = t[i++].s;
	if (strcasecmp(type, "A") == 0 || strcasecmp(type, "AAAA") == 0) {
		int	v6 = type[1] != '\0';

		if (nt - i != 1 || inet_pton(v6 ? AF_INET6 : AF_INET,
		    t[i].s, a) != 1)
			return zf_error(zf, v6 ? "bad AAAA address" :
			    "bad A address");
		spf_zone_add(z, name, v6 ? DNS_T_AAAA : DNS_T_A, 0, a,
		    v6 ? 16 : 4);
	} else if (strcasecmp(type, "MX") == 0) {
		if (nt - i != 2)
			return zf_error(zf, "MX needs a preference and a name");
		pref = str_tonum(t[i].s, 0, 65535, &err);
		if (err != NULL)
			return zf_error(zf, "bad MX preference");
		if (absolute(zf, &t[i + 1], target, sizeof(target)) == -1)
			return -1;
		spf_zone_add(z, name, DNS_T_MX, (uint16_t)pref, target,
		    strlen(target));
	} else if (strcasecmp(type, "PTR") == 0 ||
	    strcasecmp(type, "CNAME") == 0) {
		if (nt - i != 1)
			return zf_error(zf, "PTR/CNAME needs one name");
		if (absolute(zf, &t[i], target, sizeof(target)) == -1)
			return -1;
		spf_zone_add(z, name, type[0] == 'P' || type[0] == 'p' ?
		    DNS_T_PTR : DNS_T_CNAME, 0, target, strlen(target));
	} else if (strcasecmp(type, "TXT") == 0 ||
	    strcasecmp(type, "SPF") == 0) {
		if (nt - i < 1)
			return zf_error(zf, "TXT needs a string");
		len = 0;
		for (; i < nt; i++) {
			if (t[i].len > 255)
				return zf_error(zf,
				    "TXT character-string over 255 bytes");
			if (len + t[i].len > sizeof(txt))
				return zf_error(zf, "TXT record too long");
			memcpy(txt + len, t[i].s, t[i].len);
			len += t[i].len;
		}
		/* RFC 7208 evaluators query TXT only; SPF is kept as TXT. */
		spf_zone_add(z, name, DNS_T_TXT, 0, txt, len);
	} else if (strcasecmp(type, "SOA") == 0 ||
	    strcasecmp(type, "NS") == 0) {
		/* Accepted and ignored: real zone files carry them. */
	} else
		return zf_error(zf, "unsupported record type");
	return 0;
}

static int	load_stream(struct spf_zone *z, FILE *f, const char *path,
		    char *err, size_t errlen);

int
spf_zone_load(struct spf_zone *z, const char *path, char *err,
    size_t errlen)
{
	FILE	*f;
	int	 rc;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = load_stream(z, f, path, err, errlen);
	fclose(f);
	return rc;
}

int
spf_zone_parse(struct spf_zone *z, const char *text, size_t len,
    const char *name, char *err, size_t errlen)
{
	FILE	*f;
	int	 rc;

	if (len == 0)
		return 0;
	if ((f = fmemopen((void *)(uintptr_t)text, len, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		return -1;
	}
	rc = load_stream(z, f, name, err, errlen);
	fclose(f);
	return rc;
}

static int
load_stream(struct spf_zone *z, FILE *f, const char *path, char *err,
    size_t errlen)
{
	struct zf	 zf;
	char		*line = NULL, *store = NULL;
	size_t		 cap = 0, used = 0, total = 0;
	ssize_t		 n;
	struct tok	 t[SPF_ZONEFILE_FIELDS_MAX];
	int		 nt = 0, paren = 0, owner = 0, rc = -1, start = 0;
	int		 saved;
	const char	*e;
	long long	 v;

	memset(&zf, 0, sizeof(zf));
	zf.path = path;
	zf.err = err;
	zf.errlen = errlen;
	store = xmalloc(SPF_ZONEFILE_LINE_MAX);
	while ((n = getline(&line, &cap, f)) != -1) {
		zf.line++;
		total += (size_t)n;
		if (total > SPF_ZONEFILE_MAX) {
			zf_error(&zf, "zone file too large");
			goto out;
		}
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if ((size_t)n >= SPF_ZONEFILE_LINE_MAX) {
			zf_error(&zf, "line too long");
			goto out;
		}
		if (memchr(line, '\0', (size_t)n) != NULL) {
			zf_error(&zf, "NUL byte in zone file");
			goto out;
		}
		if (!paren) {
			nt = 0;
			used = 0;
			owner = line[0] != ' ' && line[0] != '\t' &&
			    line[0] != ';' && line[0] != '\0' &&
			    line[0] != '\r';
			start = zf.line;
		}
		if (tokenize(&zf, line, t, &nt, &paren, store, &used,
		    SPF_ZONEFILE_LINE_MAX) == -1)
			goto out;
		if (paren)
			continue;
		if (nt == 0)
			continue;
		saved = zf.line;
		zf.line = start > 0 ? start : zf.line;
		if (strcasecmp(t[0].s, "$ORIGIN") == 0 && owner) {
			if (nt != 2 || t[1].len > SPF_NAME_MAX) {
				zf_error(&zf, "$ORIGIN needs one name");
				goto out;
			}
			str_lcpy(zf.origin, t[1].s, sizeof(zf.origin));
			if (t[1].len > 0 && zf.origin[t[1].len - 1] == '.')
				zf.origin[t[1].len - 1] = '\0';
		} else if (strcasecmp(t[0].s, "$TTL") == 0 && owner) {
			v = nt == 2 ? str_tonum(t[1].s, 0, 2147483647, &e) : 0;
			if (nt != 2 || e != NULL) {
				zf_error(&zf, "$TTL needs a number");
				goto out;
			}
		} else if (t[0].s[0] == '$' && owner) {
			zf_error(&zf, "unsupported directive");
			goto out;
		} else if (record(z, &zf, t, nt, owner) == -1)
			goto out;
		zf.line = saved;
	}
	if (paren) {
		zf_error(&zf, "unbalanced '(' at end of file");
		goto out;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		goto out;
	}
	rc = 0;
out:
	(void)v;
	free(line);
	free(store);
	return rc;
}

void
spf_zone_type_timeout(struct spf_zone *z, const char *name, uint16_t type)
{
	zone_type_timeout(z, name, type);
}
