/*
 * verify.c: DKIM verification of every signature of a message, streaming.
 *
 * Implements RFC 6376 section 6 (verifier actions) for up to
 * DKIM_VERIFY_SIGS_MAX signatures per message, each with its own result;
 * further DKIM-Signature fields are counted (dkim_verify_skipped) and not
 * checked. Rules beyond the syntax checked in tags.c: t= not in the future
 * and x= not past, both with DKIM_CLOCK_SKEW seconds of slack; the key
 * record (revoked, k= against a=, h=, s=, t=s against i=); RSA keys of at
 * least 1024 bits and no rsa-sha1 (RFC 8301); l= larger than the body
 * fails, a body longer than l= passes and is reported (body_extra).
 * Each distinct body canonicalization (and l=) is hashed once. Digests
 * are compared with CRYPTO_memcmp. Results map to RFC 8601 values; the
 * Authentication-Results field is written by dmarc/authres.c
 * (dmarc_ar_dkim). One verifier serves many messages in turn
 * (dkim_verify_reset), keeping its buffers and digest contexts. No
 * logging.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "core/log.h"
#include "core/xmalloc.h"
#include "dkim/dkim_int.h"

struct vsig {
	struct dkim_sig	 sig;
	enum dkim_result res;
	const char	*why;
	size_t		 field;		/* index in the header store */
	size_t		 body;		/* index in bodies */
	char		 keyname[DKIM_DOMAIN_MAX + 1];
	struct dkim_keyans pin;		/* dkim_verify_pin's answer */
	struct dkim_pubkey pinkey;	/* its key, when pin.key */
};

struct dkim_verify {
	struct dkim_keycache	*kc;
	time_t			 now;
	struct dkim_hdrs	 h;
	int			 eoh;
	int			 eom;
	int			 pinned;	/* keys taken: kc not used */
	struct vsig		*sigs;
	size_t			 nsigs;
	size_t			 sigs_cap;	/* kept across resets */
	size_t			 skipped;
	struct dkim_bhash	 bodies[DKIM_VERIFY_SIGS_MAX];
	uint8_t			 bdigest[DKIM_VERIFY_SIGS_MAX][32];
	size_t			 nbodies;
	size_t			 nmd;		/* bodies with a digest context */
	struct dkim_sig_result	*res;
	size_t			 res_cap;
	struct sbuf		 scratch;
	struct sbuf		 tmp;
	EVP_MD_CTX		*md;
};

const char *
dkim_result_name(enum dkim_result r)
{
	switch (r) {
	case DKIM_RES_NONE:
		return "none";
	case DKIM_RES_PASS:
		return "pass";
	case DKIM_RES_FAIL:
		return "fail";
	case DKIM_RES_NEUTRAL:
		return "neutral";
	case DKIM_RES_POLICY:
		return "policy";
	case DKIM_RES_TEMPERROR:
		return "temperror";
	case DKIM_RES_PERMERROR:
		return "permerror";
	default:
		return "?";
	}
}

const char *
dkim_alg_name(enum dkim_alg a)
{
	switch (a) {
	case DKIM_ALG_RSA_SHA256:
		return "rsa-sha256";
	case DKIM_ALG_ED25519_SHA256:
		return "ed25519-sha256";
	case DKIM_ALG_RSA_SHA1:
		return "rsa-sha1";
	case DKIM_ALG_NONE:
	default:
		return "unknown";
	}
}

struct dkim_verify *
dkim_verify_new(struct dkim_keycache *kc, time_t now)
{
	struct dkim_verify	*v = xcalloc(1, sizeof(*v));

	v->kc = kc;
	v->now = now;
	dkim_hdrs_init(&v->h);
	sbuf_init(&v->scratch);
	sbuf_init(&v->tmp);
	return v;
}

/* Drop the keys dkim_verify_pin took. */
static void
unpin(struct dkim_verify *v)
{
	size_t	i;

	if (!v->pinned)
		return;
	for (i = 0; i < v->nsigs; i++)
		if (v->sigs[i].pin.key != NULL) {
			dkim_pubkey_clear(&v->sigs[i].pinkey);
			v->sigs[i].pin.key = NULL;
		}
	v->pinned = 0;
}

void
dkim_verify_reset(struct dkim_verify *v, time_t now)
{
	unpin(v);
	v->now = now;
	dkim_hdrs_reset(&v->h);
	v->eoh = v->eom = 0;
	v->nsigs = v->skipped = v->nbodies = 0;
	/* sigs, res, the digest contexts and the buffers stay allocated. */
}

void
dkim_verify_free(struct dkim_verify *v)
{
	size_t	i;

	if (v == NULL)
		return;
	unpin(v);
	for (i = 0; i < v->nmd; i++)
		dkim_bhash_free(&v->bodies[i]);
	dkim_hdrs_free(&v->h);
	sbuf_free(&v->scratch);
	sbuf_free(&v->tmp);
	EVP_MD_CTX_free(v->md);
	free(v->sigs);
	free(v->res);
	free(v);
}

void
dkim_verify_header(struct dkim_verify *v, const void *field, size_t len)
{
	if (!v->eoh)
		dkim_hdrs_add(&v->h, field, len);
}

/* A body hasher for (canon, limit), shared between signatures. */
static size_t
body_for(struct dkim_verify *v, enum dkim_canon c, uint64_t limit)
{
	size_t	i;

	for (i = 0; i < v->nbodies; i++)
		if (v->bodies[i].canon == c && v->bodies[i].limit == limit)
			return i;
	/* A verifier that was reset reuses the digest contexts it has. */
	if (v->nbodies < v->nmd)
		dkim_bhash_reset(&v->bodies[v->nbodies], c, limit);
	else {
		dkim_bhash_init(&v->bodies[v->nbodies], c, limit);
		v->nmd++;
	}
	return v->nbodies++;
}

void
dkim_verify_eoh(struct dkim_verify *v)
{
	struct vsig		*s;
	const struct dkim_hfield *f;
	const char		*val, *colon;
	size_t			 i, voff;

	size_t			 nsig = 0;

	if (v->eoh)
		return;
	v->eoh = 1;
	/* Allocate what the message needs: a vsig is several KB. */
	for (i = 0; i < v->h.n; i++)
		if (dkim_hdrs_is(&v->h, i, "DKIM-Signature", 14))
			nsig++;
	if (nsig > DKIM_VERIFY_SIGS_MAX) {
		v->skipped = nsig - DKIM_VERIFY_SIGS_MAX;
		nsig = DKIM_VERIFY_SIGS_MAX;
	}
	/* Not cleared: each member is set below. Kept across resets. */
	if (nsig > v->sigs_cap) {
		free(v->sigs);
		v->sigs = xreallocarray(NULL, nsig, sizeof(*v->sigs));
		v->sigs_cap = nsig;
	}
	for (i = 0; i < v->h.n && v->nsigs < nsig; i++) {
		if (!dkim_hdrs_is(&v->h, i, "DKIM-Signature", 14))
			continue;
		s = &v->sigs[v->nsigs++];
		s->field = i;
		s->body = 0;
		s->why = NULL;
		s->keyname[0] = '\0';
		s->pin.key = NULL;
		f = &v->h.f[i];
		colon = memchr(v->h.buf.s + f->off, ':', f->len);
		voff = (size_t)(colon - (v->h.buf.s + f->off)) + 1;
		val = v->h.buf.s + f->off + voff;
		s->res = dkim_sig_parse(val, f->len - voff, voff, &s->sig,
		    &s->why);
		if (v->h.dropped > 0) {
			/* What was signed may be among the dropped fields. */
			s->res = DKIM_RES_PERMERROR;
			s->why = "header block over the limits";
			continue;
		}
		if (s->res != DKIM_RES_NONE)
			continue;
		/* Section 3.5 t= and x=, with DKIM_CLOCK_SKEW of slack. */
		if (s->sig.t != -1 && s->sig.t > (int64_t)v->now +
		    DKIM_CLOCK_SKEW) {
			s->res = DKIM_RES_FAIL;
			s->why = "signature timestamp t= is in the future";
			continue;
		}
		if (s->sig.x != -1 && s->sig.x + DKIM_CLOCK_SKEW <
		    (int64_t)v->now) {
			s->res = DKIM_RES_FAIL;
			s->why = "signature expired (x=)";
			continue;
		}
		/* tags.c checked that the name fits. */
		{
			size_t	sl = strlen(s->sig.s), dl = strlen(s->sig.d);

			if (sl + 12 + dl >= sizeof(s->keyname)) {
				s->res = DKIM_RES_PERMERROR;
				s->why = "invalid selector s=";
				continue;
			}
			memcpy(s->keyname, s->sig.s, sl);
			memcpy(s->keyname + sl, "._domainkey.", 12);
			memcpy(s->keyname + sl + 12, s->sig.d, dl + 1);
		}
		s->body = body_for(v, s->sig.bcanon, s->sig.has_l ? s->sig.l :
		    UINT64_MAX);
	}
}

void
dkim_verify_body(struct dkim_verify *v, const void *p, size_t len)
{
	size_t	i;

	if (!v->eoh)
		dkim_verify_eoh(v);
	for (i = 0; i < v->nbodies; i++)
		dkim_bhash_update(&v->bodies[i], p, len);
}

void
dkim_verify_write(struct dkim_verify *v, const void *p, size_t len)
{
	size_t	n;

	if (!v->eoh) {
		n = dkim_hdrs_write(&v->h, p, len);
		if (!dkim_hdrs_done(&v->h))
			return;
		dkim_verify_eoh(v);
		p = (const uint8_t *)p + n;
		len -= n;
	}
	dkim_verify_body(v, p, len);
}

const char *
dkim_verify_keyname(const struct dkim_verify *v, size_t i)
{
	size_t	k;

	for (k = 0; k < v->nsigs; k++)
		if (v->sigs[k].keyname[0] != '\0' && i-- == 0)
			return v->sigs[k].keyname;
	return NULL;
}

/* The header hash of one signature (RFC 6376 section 3.7). */
static void
header_hash(struct dkim_verify *v, struct vsig *s, uint8_t *digest)
{
	const struct dkim_hfield *f = &v->h.f[s->field];
	const char		*fs = v->h.buf.s + f->off;
	struct sbuf		*tmp = &v->tmp;
	unsigned int		 n = 32;

	if (v->md == NULL && (v->md = EVP_MD_CTX_new()) == NULL)
		fatalx("dkim: EVP_MD_CTX_new");
	EVP_DigestInit_ex(v->md, dkim_sha256(), NULL);
	dkim_hash_headers(v->md, &v->h, s->sig.hnames, s->sig.nh,
	    s->sig.hcanon, &v->scratch);
	/* The signature field itself, b= value removed, no final CRLF. */
	sbuf_reset(tmp);
	sbuf_add(tmp, fs, s->sig.boff);
	sbuf_add(tmp, fs + s->sig.bend, f->len - s->sig.bend);
	sbuf_reset(&v->scratch);
	dkim_canon_header(s->sig.hcanon, tmp->s, tmp->len, &v->scratch);
	EVP_DigestUpdate(v->md, v->scratch.s, v->scratch.len);
	EVP_DigestFinal_ex(v->md, digest, &n);
}

/* Check one signature whose syntax passed; sets s->res and s->why. */
static void
check_sig(struct dkim_verify *v, struct vsig *s, struct dkim_sig_result *r)
{
	struct dkim_keyans	 ans;
	struct dkim_pubkey	*k;
	struct dkim_bhash	*b = &v->bodies[s->body];
	uint8_t			 hh[32];

	if (v->pinned)
		ans = s->pin;
	else
		dkim_keycache_get(v->kc, s->keyname, v->now, &ans);
	if (ans.status == DKIM_LOOKUP_TEMPFAIL) {
		s->res = DKIM_RES_TEMPERROR;
		s->why = "key lookup failed";
		return;
	}
	if (ans.status == DKIM_LOOKUP_NOTFOUND) {
		s->res = DKIM_RES_PERMERROR;
		s->why = "no key record";
		return;
	}
	if (ans.key == NULL) {
		s->res = DKIM_RES_PERMERROR;
		s->why = ans.why != NULL ? ans.why : "bad key record";
		return;
	}
	k = ans.key;
	r->testing = k->testing;
	r->key_bits = k->bits;
	if (k->revoked) {
		s->res = DKIM_RES_PERMERROR;
		s->why = "key revoked (empty p=)";
		return;
	}
	if (k->ktype != s->sig.alg) {
		s->res = DKIM_RES_PERMERROR;
		s->why = "key type k= does not match a=";
		return;
	}
	if (!k->sha256_ok) {
		s->res = DKIM_RES_PERMERROR;
		s->why = "key h= does not allow sha256";
		return;
	}
	if (k->ktype == DKIM_ALG_RSA_SHA256 && k->bits < DKIM_RSA_MIN_BITS) {
		s->res = DKIM_RES_FAIL;
		s->why = "RSA key shorter than 1024 bits (RFC 8301)";
		return;
	}
	/* Section 3.6.1 t=s: i= must not be a subdomain of d=. */
	if (k->strict && strcmp(s->sig.idomain, s->sig.d) != 0) {
		s->res = DKIM_RES_PERMERROR;
		s->why = "key has t=s but i= is a subdomain of d=";
		return;
	}
	if (s->sig.has_l && s->sig.l > b->total) {
		s->res = DKIM_RES_FAIL;
		s->why = "l= is longer than the body";
		return;
	}
	header_hash(v, s, hh);
	if (!dkim_pubkey_verify(k, hh, s->sig.b, s->sig.blen)) {
		s->res = DKIM_RES_FAIL;
		s->why = "signature did not verify";
		return;
	}
	if (CRYPTO_memcmp(v->bdigest[s->body], s->sig.bh, 32) != 0) {
		s->res = DKIM_RES_FAIL;
		s->why = "body hash did not verify";
		return;
	}
	s->res = DKIM_RES_PASS;
	if (s->sig.has_l && b->total > s->sig.l) {
		r->body_extra = 1;
		s->why = "body is longer than l=";
	}
}

int
dkim_verify_eom(struct dkim_verify *v)
{
	struct vsig		*s;
	struct dkim_sig_result	*r;
	size_t			 i;
	int			 npass = 0;

	if (v->eom)
		return -1;
	v->eom = 1;
	if (!v->eoh) {
		dkim_hdrs_flush(&v->h);
		dkim_verify_eoh(v);
	}
	for (i = 0; i < v->nbodies; i++)
		dkim_bhash_final(&v->bodies[i], v->bdigest[i]);
	if (v->nsigs + 1 > v->res_cap) {
		free(v->res);
		v->res_cap = v->nsigs + 1;
		v->res = xcalloc(v->res_cap, sizeof(*v->res));
	} else
		memset(v->res, 0, (v->nsigs + 1) * sizeof(*v->res));
	for (i = 0; i < v->nsigs; i++) {
		s = &v->sigs[i];
		r = &v->res[i];
		if (s->res == DKIM_RES_NONE)
			check_sig(v, s, r);
		r->result = s->res;
		r->reason = s->why;
		r->alg = s->sig.alg;
		memcpy(r->domain, s->sig.d, sizeof(r->domain));
		memcpy(r->selector, s->sig.s, sizeof(r->selector));
		memcpy(r->identity, s->sig.i, sizeof(r->identity));
		memcpy(r->bprefix, s->sig.bprefix, sizeof(r->bprefix));
		r->has_l = s->sig.has_l;
		r->l = s->sig.l;
		if (s->keyname[0] != '\0')
			r->body_len = v->bodies[s->body].total;
		r->t = s->sig.t;
		r->x = s->sig.x;
		if (r->result == DKIM_RES_PASS)
			npass++;
	}
	unpin(v);
	return npass;
}

void
dkim_verify_pin(struct dkim_verify *v)
{
	struct vsig	*s;
	size_t		 i;

	if (v->pinned || v->eom)
		return;
	if (!v->eoh) {
		dkim_hdrs_flush(&v->h);
		dkim_verify_eoh(v);
	}
	for (i = 0; i < v->nsigs; i++) {
		s = &v->sigs[i];
		memset(&s->pin, 0, sizeof(s->pin));
		if (s->res != DKIM_RES_NONE)
			continue;
		dkim_keycache_get(v->kc, s->keyname, v->now, &s->pin);
		if (s->pin.key != NULL) {
			dkim_pubkey_copy(s->pin.key, &s->pinkey);
			s->pin.key = &s->pinkey;
		}
	}
	v->pinned = 1;
}

size_t
dkim_verify_count(const struct dkim_verify *v)
{
	return v->eom ? v->nsigs : 0;
}

const struct dkim_sig_result *
dkim_verify_result(const struct dkim_verify *v, size_t i)
{
	if (!v->eom || i >= v->nsigs)
		return NULL;
	return &v->res[i];
}

size_t
dkim_verify_skipped(const struct dkim_verify *v)
{
	return v->skipped + v->h.dropped_sigs;
}
