/*
 * sign.c: DKIM signing, one or several signatures in one pass.
 *
 * Implements RFC 6376 section 5 (signer actions) with rsa-sha256 and
 * ed25519-sha256 (RFC 8463). Signatures that share a body
 * canonicalization share one body hash. The default header list signs
 * each present field of DKIM_SIGN_HEADERS once per occurrence, plus one
 * more From and Subject than present (section 8.15 oversigning: a
 * second From or Subject added later breaks the signature). t= is always
 * written, x= on request, l= only on request (section 8.2). Tags are
 * written as v a c d i q s t x l h bh b, folded below 78 columns; b= is
 * last so that a verifier's "remove the b= value" gives back exactly what
 * was hashed. Keys are the parsed struct dkim_key: no PEM per message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/xmalloc.h"
#include "dkim/dkim_int.h"

#define FOLD_COL	76

struct ssig {
	struct dkim_key	*key;
	char		*d, *s, *i, *htext;
	enum dkim_canon	 hcanon, bcanon;
	int64_t		 t, expire;
	int		 qtag, ltag;
	size_t		 body;
	struct sbuf	 field;
};

struct dkim_sign {
	struct ssig		 sigs[DKIM_SIGN_SIGS_MAX];
	size_t			 n;
	struct dkim_hdrs	 h;
	int			 eoh, eom;
	struct dkim_bhash	 bodies[2];
	uint8_t			 bdigest[2][32];
	size_t			 nbodies;
	struct sbuf		 scratch;
	EVP_MD_CTX		*md;
};

static const char *const default_headers[] = { DKIM_SIGN_HEADERS };
/* Their lengths; From and Subject (oversigned) are the first and third. */
static size_t	default_len[sizeof(default_headers) /
		    sizeof(default_headers[0])];

struct dkim_sign *
dkim_sign_new(void)
{
	struct dkim_sign	*s = xcalloc(1, sizeof(*s));

	dkim_hdrs_init(&s->h);
	sbuf_init(&s->scratch);
	return s;
}

void
dkim_sign_free(struct dkim_sign *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		free(s->sigs[i].d);
		free(s->sigs[i].s);
		free(s->sigs[i].i);
		free(s->sigs[i].htext);
		sbuf_free(&s->sigs[i].field);
	}
	for (i = 0; i < s->nbodies; i++)
		dkim_bhash_free(&s->bodies[i]);
	dkim_hdrs_free(&s->h);
	sbuf_free(&s->scratch);
	EVP_MD_CTX_free(s->md);
	free(s);
}

/* Split an h= text into names (into buf). Returns the count or -1. */
static int
split_names(const char *text, char *buf, size_t bufsize, char **names,
    size_t max)
{
	size_t	n = 0, o = 0;
	int	from = 0;

	while (*text != '\0') {
		size_t	len;

		while (*text == ' ' || *text == '\t' || *text == '\r' ||
		    *text == '\n' || *text == ':')
			text++;
		if (*text == '\0')
			break;
		len = strcspn(text, " \t\r\n:");
		if (n == max || bufsize - o < len + 1)
			return -1;
		memcpy(buf + o, text, len);
		buf[o + len] = '\0';
		if (strcasecmp(buf + o, "from") == 0)
			from = 1;
		names[n++] = buf + o;
		o += len + 1;
		text += len;
	}
	return from ? (int)n : -1;
}

int
dkim_names_check(const char *selector, const char *domain, char *err,
    size_t errlen)
{
	size_t	dl = strlen(domain);

	if (!dkim_domain_ok(domain, dl)) {
		snprintf(err, errlen, "invalid domain '%s' (want a DNS name: "
		    "letters, digits, '-', '_', dots)", domain);
		return -1;
	}
	/* The key record's name: selector._domainkey.domain. */
	if (!dkim_domain_ok(selector, strlen(selector)) ||
	    strlen(selector) + dl + 12 > DKIM_DOMAIN_MAX) {
		snprintf(err, errlen, "invalid selector '%s' (want DNS labels: "
		    "letters, digits, '-', '_', dots; at most %d bytes with "
		    "the domain)", selector, DKIM_DOMAIN_MAX - 12);
		return -1;
	}
	return 0;
}

int
dkim_sign_add(struct dkim_sign *s, const struct dkim_sign_opts *o, char *err,
    size_t errlen)
{
	struct ssig	*g;
	const char	*at;
	size_t		 dl, il, i;
	char		 buf[2048], *names[DKIM_H_MAX];

	if (s->n == DKIM_SIGN_SIGS_MAX || s->eoh) {
		snprintf(err, errlen, "too many signatures, or too late");
		return -1;
	}
	if (o->key == NULL || o->domain == NULL || o->selector == NULL) {
		snprintf(err, errlen, "key, domain and selector are needed");
		return -1;
	}
	if (dkim_names_check(o->selector, o->domain, err, errlen) == -1)
		return -1;
	dl = strlen(o->domain);
	if (o->identity != NULL) {
		/* Section 3.5 i=: its domain is d= or a subdomain of it. */
		if ((at = strrchr(o->identity, '@')) == NULL ||
		    strlen(o->identity) > DKIM_DOMAIN_MAX + 64 ||
		    (il = strlen(at + 1)) < dl ||
		    strcasecmp(at + 1 + il - dl, o->domain) != 0 ||
		    (il > dl && at[il - dl] != '.')) {
			snprintf(err, errlen, "identity '%s' is not within "
			    "the domain", o->identity);
			return -1;
		}
		for (i = 0; o->identity[i] != '\0'; i++)
			if ((unsigned char)o->identity[i] <= 0x20 ||
			    (unsigned char)o->identity[i] >= 0x7f ||
			    o->identity[i] == ';') {
				snprintf(err, errlen, "identity has a byte "
				    "that needs quoting");
				return -1;
			}
	}
	if (o->headers != NULL && (strlen(o->headers) > 1000 ||
	    strchr(o->headers, ';') != NULL ||
	    split_names(o->headers, buf, sizeof(buf), names,
	    DKIM_H_MAX) < 1)) {
		snprintf(err, errlen, "header list must name From, without "
		    "';', at most %d names", DKIM_H_MAX);
		return -1;
	}
	g = &s->sigs[s->n++];
	g->key = o->key;
	g->d = xstrdup(o->domain);
	g->s = xstrdup(o->selector);
	g->i = o->identity != NULL ? xstrdup(o->identity) : NULL;
	g->htext = o->headers != NULL ? xstrdup(o->headers) : NULL;
	g->hcanon = o->hcanon;
	g->bcanon = o->bcanon;
	g->t = o->t;
	g->expire = o->expire;
	g->qtag = o->qtag;
	g->ltag = o->ltag;
	sbuf_init(&g->field);
	for (i = 0; i < s->nbodies; i++)
		if (s->bodies[i].canon == g->bcanon)
			break;
	if (i == s->nbodies)
		dkim_bhash_init(&s->bodies[s->nbodies++], g->bcanon,
		    UINT64_MAX);
	g->body = i;
	return 0;
}

void
dkim_sign_header(struct dkim_sign *s, const void *field, size_t len)
{
	if (!s->eoh)
		dkim_hdrs_add(&s->h, field, len);
}

void
dkim_sign_eoh(struct dkim_sign *s)
{
	s->eoh = 1;
}

void
dkim_sign_body(struct dkim_sign *s, const void *p, size_t len)
{
	size_t	i;

	s->eoh = 1;
	for (i = 0; i < s->nbodies; i++)
		dkim_bhash_update(&s->bodies[i], p, len);
}

void
dkim_sign_write(struct dkim_sign *s, const void *p, size_t len)
{
	size_t	n;

	if (!s->eoh) {
		n = dkim_hdrs_write(&s->h, p, len);
		if (!dkim_hdrs_done(&s->h))
			return;
		s->eoh = 1;
		p = (const uint8_t *)p + n;
		len -= n;
	}
	dkim_sign_body(s, p, len);
}

/* Column of the end of b (chars after its last LF). */
static size_t
col(const struct sbuf *b)
{
	size_t	i = b->len;

	while (i > 0 && b->s[i - 1] != '\n')
		i--;
	return b->len - i;
}

/* Append " tag=value;" or a fold and "tag=value;". */
static void
add_tag(struct sbuf *b, const char *tag, const char *val)
{
	size_t	n = strlen(tag) + strlen(val) + 2;

	if (col(b) + n + 1 > FOLD_COL)
		sbuf_adds(b, "\r\n\t");
	else
		sbuf_addc(b, ' ');
	sbuf_adds(b, tag);
	sbuf_addc(b, '=');
	sbuf_adds(b, val);
	sbuf_addc(b, ';');
}

/* The default h= list for the message, oversigning From and Subject. */
static size_t
default_names(const struct dkim_hdrs *h, const char **names, size_t max)
{
	size_t	k, i, c, n = 0, nl;

	if (default_len[0] == 0)	/* idempotent, no lock needed */
		for (k = 0; k < sizeof(default_headers) /
		    sizeof(default_headers[0]); k++)
			default_len[k] = strlen(default_headers[k]);
	for (k = 0; k < sizeof(default_headers) / sizeof(default_headers[0]);
	    k++) {
		nl = default_len[k];
		for (c = 0, i = 0; i < h->n; i++)
			if (dkim_hdrs_is(h, i, default_headers[k], nl))
				c++;
		if (k == 0 || k == 2)	/* from, subject */
			c++;
		while (c-- > 0 && n < max)
			names[n++] = default_headers[k];
	}
	return n;
}

static int
make_sig(struct dkim_sign *s, struct ssig *g, char *err, size_t errlen)
{
	struct sbuf	*f = &g->field;
	char		 hbuf[2048], *names[DKIM_H_MAX], num[32];
	const char	*dn[DKIM_H_MAX];
	size_t		 nn, i, siglen;
	int64_t		 t;
	uint8_t		 hh[32], sig[1024];
	unsigned int	 dlen = 32;
	struct sbuf	 b64;

	if (g->htext != NULL)
		nn = (size_t)split_names(g->htext, hbuf, sizeof(hbuf), names,
		    DKIM_H_MAX);
	else {
		nn = default_names(&s->h, dn, DKIM_H_MAX);
		for (i = 0; i < nn; i++)
			names[i] = (char *)(uintptr_t)dn[i];
	}
	t = g->t >= 0 ? g->t : (int64_t)time(NULL);

	sbuf_reset(f);
	sbuf_adds(f, "DKIM-Signature: v=1;");
	add_tag(f, "a", dkim_alg_name(dkim_key_alg(g->key)));
	add_tag(f, "c", g->hcanon == DKIM_CANON_RELAXED ?
	    (g->bcanon == DKIM_CANON_RELAXED ? "relaxed/relaxed" :
	    "relaxed/simple") : (g->bcanon == DKIM_CANON_RELAXED ?
	    "simple/relaxed" : "simple/simple"));
	add_tag(f, "d", g->d);
	if (g->i != NULL)
		add_tag(f, "i", g->i);
	if (g->qtag)
		add_tag(f, "q", "dns/txt");
	add_tag(f, "s", g->s);
	snprintf(num, sizeof(num), "%lld", (long long)t);
	add_tag(f, "t", num);
	if (g->expire > 0) {
		snprintf(num, sizeof(num), "%lld", (long long)(t +
		    g->expire));
		add_tag(f, "x", num);
	}
	if (g->ltag) {
		snprintf(num, sizeof(num), "%llu",
		    (unsigned long long)s->bodies[g->body].total);
		add_tag(f, "l", num);
	}
	if (g->htext != NULL)
		add_tag(f, "h", g->htext);
	else {
		sbuf_adds(f, col(f) + 3 > FOLD_COL ? "\r\n\th=" : " h=");
		for (i = 0; i < nn; i++) {
			if (i > 0) {
				sbuf_addc(f, ':');
				if (col(f) + strlen(names[i]) + 2 > FOLD_COL)
					sbuf_adds(f, "\r\n\t");
			}
			/* Capitalised for readers; names match any case. */
			sbuf_addc(f, names[i][0] & ~0x20);
			sbuf_adds(f, names[i] + 1);
		}
		sbuf_addc(f, ';');
	}
	sbuf_init(&b64);
	dkim_b64_encode(&b64, s->bdigest[g->body], 32);
	add_tag(f, "bh", b64.s);
	sbuf_adds(f, "\r\n\tb=");

	/* Section 5.5/3.7: headers, then this field with an empty b=. */
	if (s->md == NULL && (s->md = EVP_MD_CTX_new()) == NULL)
		fatalx("dkim: EVP_MD_CTX_new");
	EVP_DigestInit_ex(s->md, dkim_sha256(), NULL);
	dkim_hash_headers(s->md, &s->h, names, nn, g->hcanon, &s->scratch);
	sbuf_reset(&s->scratch);
	dkim_canon_header(g->hcanon, f->s, f->len, &s->scratch);
	EVP_DigestUpdate(s->md, s->scratch.s, s->scratch.len);
	EVP_DigestFinal_ex(s->md, hh, &dlen);
	siglen = sizeof(sig);
	if (dkim_key_sign(g->key, hh, sig, &siglen) == -1) {
		sbuf_free(&b64);
		snprintf(err, errlen, "signing with the %s key failed",
		    dkim_alg_name(dkim_key_alg(g->key)));
		return -1;
	}
	sbuf_reset(&b64);
	dkim_b64_encode(&b64, sig, siglen);
	/* Fold b= in whole pieces; its whitespace is not signed. */
	for (i = 0; i < b64.len;) {
		size_t	c = col(f), n = c < FOLD_COL ? FOLD_COL - c : 0;

		if (n == 0) {
			sbuf_adds(f, "\r\n\t");
			continue;
		}
		if (n > b64.len - i)
			n = b64.len - i;
		sbuf_add(f, b64.s + i, n);
		i += n;
	}
	sbuf_adds(f, "\r\n");
	sbuf_free(&b64);
	return 0;
}

int
dkim_sign_eom(struct dkim_sign *s, char *err, size_t errlen)
{
	size_t	i;

	if (s->eom) {
		snprintf(err, errlen, "message already ended");
		return -1;
	}
	s->eom = 1;
	if (!dkim_hdrs_done(&s->h))
		dkim_hdrs_flush(&s->h);
	s->eoh = 1;
	for (i = 0; i < s->nbodies; i++)
		dkim_bhash_final(&s->bodies[i], s->bdigest[i]);
	if (s->h.dropped > 0) {
		snprintf(err, errlen, "header block over the limits (%d "
		    "fields, %d bytes)", DKIM_HEADER_FIELDS_MAX,
		    DKIM_HEADER_BYTES_MAX);
		return -1;
	}
	/* Section 5.4: From must be signed, so a message needs one. */
	for (i = 0; i < s->h.n; i++)
		if (dkim_hdrs_is(&s->h, i, "from", 4))
			break;
	if (s->n > 0 && i == s->h.n) {
		snprintf(err, errlen, "the message has no From field (RFC 6376 "
		    "section 5.4: it must be signed)");
		return -1;
	}
	for (i = 0; i < s->n; i++)
		if (make_sig(s, &s->sigs[i], err, errlen) == -1)
			return -1;
	return 0;
}

const char *
dkim_sign_field(const struct dkim_sign *s, size_t i)
{
	if (!s->eom || i >= s->n || s->sigs[i].field.len == 0)
		return NULL;
	return s->sigs[i].field.s;
}
