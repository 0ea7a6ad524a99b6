/*
 * key.c: DKIM keys: private keys parsed once, the public key cache, and
 * the key file used in tests.
 *
 * A private key is read once (PEM PKCS#1/PKCS#8, or a bare base64
 * Ed25519 seed as dkimpy writes it) and keeps its OpenSSL signing context,
 * which each signature duplicates (0.1 us, against 6 us for a new one and
 * 500 us for an RSA-2048 signature), so that threads may sign with one
 * key at once (the milter's workers). Public key
 * records are parsed once per TTL (RFC 6376 section 3.6.1, RFC 8463
 * section 4) and kept with their verification context. Key file bytes
 * are wiped after parsing. No logging: errors go to the caller's buffer.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "core/hash.h"
#include "core/log.h"
#include "core/xmalloc.h"
#include "dkim/dkim_int.h"

#define KEYFILE_MAX	(16 * 1024 * 1024)	/* bytes of a key file */
#define PRIVKEY_MAX	(64 * 1024)		/* bytes of a private key */
#define KEYCACHE_BUCKETS 1024

struct dkim_key {
	enum dkim_alg	 alg;
	EVP_PKEY	*pkey;
	int		 bits;
	EVP_PKEY_CTX	*sctx;		/* RSA: sign context, made once,
					   never used but to be copied */
	EVP_MD_CTX	*smd;		/* Ed25519: the same, a DigestSign
					   context */
};

/* Read a whole file (at most max bytes) into a malloc'ed buffer. */
static char *
read_file(const char *path, size_t max, size_t *len, char *err,
    size_t errlen)
{
	FILE	*f;
	char	*buf;
	size_t	 n = 0, cap = 4096;

	if ((f = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf = xmalloc(cap + 1);
	for (;;) {
		size_t	r = fread(buf + n, 1, cap - n, f);

		n += r;
		if (n < cap)
			break;
		if (cap >= max) {
			explicit_bzero(buf, n);
			free(buf);
			fclose(f);
			snprintf(err, errlen, "%s: file too large", path);
			return NULL;
		}
		{
			/* Grow by hand so that no copy is left unwiped. */
			char	*nb = xmalloc(cap * 2 + 1);

			memcpy(nb, buf, n);
			explicit_bzero(buf, n);
			free(buf);
			buf = nb;
			cap *= 2;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		explicit_bzero(buf, n);
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static struct dkim_key *
key_wrap(EVP_PKEY *pkey, char *err, size_t errlen)
{
	struct dkim_key	*k;
	enum dkim_alg	 alg;

	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_RSA:
		alg = DKIM_ALG_RSA_SHA256;
		if (EVP_PKEY_get_bits(pkey) < DKIM_RSA_MIN_BITS) {
			/* RFC 8301 section 3.2: at least 1024 bits. */
			snprintf(err, errlen, "RSA key shorter than %d bits",
			    DKIM_RSA_MIN_BITS);
			EVP_PKEY_free(pkey);
			return NULL;
		}
		break;
	case EVP_PKEY_ED25519:
		alg = DKIM_ALG_ED25519_SHA256;
		break;
	default:
		snprintf(err, errlen, "key is neither RSA nor Ed25519");
		EVP_PKEY_free(pkey);
		return NULL;
	}
	k = xcalloc(1, sizeof(*k));
	k->alg = alg;
	k->pkey = pkey;
	k->bits = EVP_PKEY_get_bits(pkey);
	if (alg == DKIM_ALG_RSA_SHA256) {
		if ((k->sctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey,
		    NULL)) == NULL || EVP_PKEY_sign_init(k->sctx) != 1 ||
		    EVP_PKEY_CTX_set_rsa_padding(k->sctx,
		    RSA_PKCS1_PADDING) != 1 ||
		    EVP_PKEY_CTX_set_signature_md(k->sctx,
		    dkim_sha256()) != 1) {
			snprintf(err, errlen, "cannot set up RSA signing");
			dkim_key_free(k);
			return NULL;
		}
	} else if ((k->smd = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(k->smd, NULL, NULL, NULL, pkey) != 1) {
		/*
		 * Set up once: a copy costs less than a new context and its
		 * DigestSignInit, which looks the key's methods up again.
		 */
		snprintf(err, errlen, "cannot set up Ed25519 signing");
		dkim_key_free(k);
		return NULL;
	}
	return k;
}

struct dkim_key *
dkim_key_from_mem(const void *p, size_t len, char *err, size_t errlen)
{
	EVP_PKEY	*pkey = NULL;
	BIO		*bio;
	uint8_t		 seed[64];
	long		 n;

	if (len > PRIVKEY_MAX) {
		snprintf(err, errlen, "key too large");
		return NULL;
	}
	if (memmem(p, len, "-----BEGIN", 10) != NULL) {
		if ((bio = BIO_new_mem_buf(p, (int)len)) == NULL)
			return NULL;
		pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"");
		BIO_free(bio);
		if (pkey == NULL) {
			ERR_clear_error();
			snprintf(err, errlen, "not a PEM private key, or "
			    "encrypted");
			return NULL;
		}
		return key_wrap(pkey, err, errlen);
	}
	/* dkimpy's Ed25519 form: base64 of the 32-byte seed. */
	n = dkim_b64_decode(p, len, seed, sizeof(seed));
	if (n == 32)
		pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL,
		    seed, 32);
	explicit_bzero(seed, sizeof(seed));
	if (pkey == NULL) {
		ERR_clear_error();
		snprintf(err, errlen, "neither PEM nor a base64 Ed25519 seed");
		return NULL;
	}
	return key_wrap(pkey, err, errlen);
}

struct dkim_key *
dkim_key_load(const char *path, char *err, size_t errlen)
{
	struct dkim_key	*k;
	char		*buf, e[200];
	size_t		 len;

	if ((buf = read_file(path, PRIVKEY_MAX, &len, err, errlen)) == NULL)
		return NULL;
	k = dkim_key_from_mem(buf, len, e, sizeof(e));
	explicit_bzero(buf, len);
	free(buf);
	if (k == NULL)
		snprintf(err, errlen, "%s: %s", path, e);
	return k;
}

struct dkim_key *
dkim_key_generate(enum dkim_alg alg, int bits, char *err, size_t errlen)
{
	EVP_PKEY	*pkey;

	if (alg == DKIM_ALG_RSA_SHA256) {
		if (bits < DKIM_RSA_MIN_BITS || bits > DKIM_RSA_MAX_BITS) {
			snprintf(err, errlen, "RSA bits must be %d to %d",
			    DKIM_RSA_MIN_BITS, DKIM_RSA_MAX_BITS);
			return NULL;
		}
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	} else if (alg == DKIM_ALG_ED25519_SHA256)
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	else {
		snprintf(err, errlen, "unsupported algorithm");
		return NULL;
	}
	if (pkey == NULL) {
		ERR_clear_error();
		snprintf(err, errlen, "key generation failed");
		return NULL;
	}
	return key_wrap(pkey, err, errlen);
}

void
dkim_key_free(struct dkim_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_CTX_free(k->sctx);
	EVP_MD_CTX_free(k->smd);
	EVP_PKEY_free(k->pkey);	/* OpenSSL clears private key memory */
	free(k);
}

enum dkim_alg
dkim_key_alg(const struct dkim_key *k)
{
	return k->alg;
}

int
dkim_key_bits(const struct dkim_key *k)
{
	return k->bits;
}

int
dkim_key_write_pem(const struct dkim_key *k, const char *path, char *err,
    size_t errlen)
{
	int	 fd;
	FILE	*f;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (PEM_write_PrivateKey(f, k->pkey, NULL, NULL, 0, NULL,
	    NULL) != 1) {
		ERR_clear_error();
		fclose(f);
		snprintf(err, errlen, "%s: cannot write key", path);
		return -1;
	}
	if (fclose(f) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

char *
dkim_key_record(const struct dkim_key *k)
{
	struct sbuf	 b;
	uint8_t		 raw[32], *der = NULL;
	size_t		 rawlen = sizeof(raw);
	int		 n;

	sbuf_init(&b);
	if (k->alg == DKIM_ALG_ED25519_SHA256) {
		/* RFC 8463 section 4.2: the raw public key. */
		if (EVP_PKEY_get_raw_public_key(k->pkey, raw, &rawlen) != 1)
			fatalx("dkim: no raw Ed25519 public key");
		sbuf_adds(&b, "v=DKIM1; k=ed25519; p=");
		dkim_b64_encode(&b, raw, rawlen);
	} else {
		if ((n = i2d_PUBKEY(k->pkey, &der)) <= 0)
			fatalx("dkim: i2d_PUBKEY failed");
		sbuf_adds(&b, "v=DKIM1; k=rsa; p=");
		dkim_b64_encode(&b, der, (size_t)n);
		OPENSSL_free(der);
	}
	return b.s;
}

int
dkim_key_sign(const struct dkim_key *k, const uint8_t *digest, uint8_t *sig,
    size_t *siglen)
{
	EVP_PKEY_CTX	*ctx;
	EVP_MD_CTX	*md;
	int		 ok;

	if (k->alg == DKIM_ALG_RSA_SHA256) {
		/*
		 * A copy of the context initialised once in key_wrap: k is
		 * only read, so threads can sign with it at once.
		 */
		if ((ctx = EVP_PKEY_CTX_dup(k->sctx)) == NULL) {
			ERR_clear_error();
			return -1;
		}
		ok = EVP_PKEY_sign(ctx, sig, siglen, digest, 32) == 1;
		EVP_PKEY_CTX_free(ctx);
		if (!ok)
			ERR_clear_error();
		return ok ? 0 : -1;
	}
	/*
	 * RFC 8463 section 3: pure Ed25519 over the SHA-256 digest, on a
	 * copy of the context key_wrap set up (k is only read, as above).
	 */
	if ((md = EVP_MD_CTX_new()) == NULL)
		return -1;
	ok = EVP_MD_CTX_copy_ex(md, k->smd) == 1 &&
	    EVP_DigestSign(md, sig, siglen, digest, 32) == 1;
	EVP_MD_CTX_free(md);
	if (!ok)
		ERR_clear_error();
	return ok ? 0 : -1;
}

void
dkim_pubkey_clear(struct dkim_pubkey *k)
{
	EVP_PKEY_CTX_free(k->vctx);
	EVP_MD_CTX_free(k->vmd);
	EVP_PKEY_free(k->pkey);
	k->vctx = NULL;
	k->vmd = NULL;
	k->pkey = NULL;
}

/* RSA: the verification context, made once per key. Returns 0 or -1. */
static int
pubkey_vctx(struct dkim_pubkey *k)
{
	if (k->vctx != NULL)
		return 0;
	if ((k->vctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey,
	    NULL)) == NULL || EVP_PKEY_verify_init(k->vctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(k->vctx, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(k->vctx, dkim_sha256()) != 1) {
		EVP_PKEY_CTX_free(k->vctx);
		k->vctx = NULL;
		ERR_clear_error();
		return -1;
	}
	return 0;
}

void
dkim_pubkey_copy(struct dkim_pubkey *src, struct dkim_pubkey *dst)
{
	*dst = *src;
	dst->vctx = NULL;
	dst->vmd = NULL;
	if (src->pkey == NULL)
		return;
	if (EVP_PKEY_up_ref(src->pkey) != 1)
		fatalx("dkim: EVP_PKEY_up_ref");
	if (src->ktype == DKIM_ALG_RSA_SHA256 && pubkey_vctx(src) == 0 &&
	    (dst->vctx = EVP_PKEY_CTX_dup(src->vctx)) == NULL)
		ERR_clear_error();	/* made again by dkim_pubkey_verify */
}

int
dkim_pubkey_verify(struct dkim_pubkey *k, const uint8_t *digest,
    const uint8_t *sig, size_t siglen)
{
	int	ok;

	if (k->pkey == NULL)
		return 0;
	if (k->ktype == DKIM_ALG_RSA_SHA256) {
		if (pubkey_vctx(k) == -1)
			return 0;
		ok = EVP_PKEY_verify(k->vctx, sig, siglen, digest, 32) == 1;
	} else {
		if (k->vmd == NULL && (k->vmd = EVP_MD_CTX_new()) == NULL)
			return 0;
		ok = EVP_DigestVerifyInit(k->vmd, NULL, NULL, NULL,
		    k->pkey) == 1 && EVP_DigestVerify(k->vmd, sig, siglen,
		    digest, 32) == 1;
	}
	if (!ok)
		ERR_clear_error();
	return ok;
}

/* ---- key cache ----------------------------------------------------- */

struct kc_entry {
	struct kc_entry		*next;
	char			*name;
	enum dkim_lookup_status	 status;
	const char		*why;
	struct dkim_pubkey	 key;
	time_t			 expires;
};

struct dkim_keycache {
	dkim_lookup_fn	 fn;
	void		*arg;
	struct kc_entry	*b[KEYCACHE_BUCKETS];
	size_t		 n;
};

/* Selectors and domains come from signatures peers send: seeded. */
static unsigned
kc_hash(const char *s)
{
	return (unsigned)(hash_str(s, hash_seed()) % KEYCACHE_BUCKETS);
}

struct dkim_keycache *
dkim_keycache_new(dkim_lookup_fn fn, void *arg)
{
	struct dkim_keycache	*kc = xcalloc(1, sizeof(*kc));

	kc->fn = fn;
	kc->arg = arg;
	return kc;
}

static void
kc_entry_free(struct kc_entry *e)
{
	dkim_pubkey_clear(&e->key);
	free(e->name);
	free(e);
}

/* Drop expired entries, or all of them when all == 1. */
static void
kc_purge(struct dkim_keycache *kc, time_t now, int all)
{
	struct kc_entry	**pp, *e;
	size_t		  i;

	for (i = 0; i < KEYCACHE_BUCKETS; i++) {
		for (pp = &kc->b[i]; (e = *pp) != NULL;) {
			if (all || e->expires <= now) {
				*pp = e->next;
				kc_entry_free(e);
				kc->n--;
			} else
				pp = &e->next;
		}
	}
}

void
dkim_keycache_free(struct dkim_keycache *kc)
{
	if (kc == NULL)
		return;
	kc_purge(kc, 0, 1);
	free(kc);
}

static struct kc_entry *
kc_find(struct dkim_keycache *kc, const char *name)
{
	struct kc_entry	*e;

	for (e = kc->b[kc_hash(name)]; e != NULL; e = e->next)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

static struct kc_entry *
kc_put(struct dkim_keycache *kc, const char *name,
    enum dkim_lookup_status status, const char *txt, size_t txtlen,
    uint32_t ttl, time_t now)
{
	struct kc_entry	*e, **pp;
	unsigned	 h = kc_hash(name);

	for (pp = &kc->b[h]; (e = *pp) != NULL; pp = &e->next) {
		if (strcmp(e->name, name) == 0) {
			*pp = e->next;
			kc_entry_free(e);
			kc->n--;
			break;
		}
	}
	if (kc->n >= DKIM_KEYCACHE_MAX) {
		kc_purge(kc, now, 0);
		if (kc->n >= DKIM_KEYCACHE_MAX)
			kc_purge(kc, now, 1);	/* bounded, not clever */
	}
	e = xcalloc(1, sizeof(*e));
	e->name = xstrdup(name);
	e->status = status;
	if (status == DKIM_LOOKUP_OK && dkim_pubkey_parse(txt, txtlen,
	    &e->key, &e->why) == -1)
		dkim_pubkey_clear(&e->key);
	if (ttl < DKIM_KEY_TTL_MIN)
		ttl = DKIM_KEY_TTL_MIN;
	if (ttl > DKIM_KEY_TTL_MAX)
		ttl = DKIM_KEY_TTL_MAX;
	if (status != DKIM_LOOKUP_OK && ttl > DKIM_KEY_NEG_TTL)
		ttl = DKIM_KEY_NEG_TTL;
	e->expires = now + (time_t)ttl;
	e->next = kc->b[h];
	kc->b[h] = e;
	kc->n++;
	return e;
}

void
dkim_keycache_put(struct dkim_keycache *kc, const char *name,
    enum dkim_lookup_status status, const char *txt, size_t txtlen,
    uint32_t ttl, time_t now)
{
	char	lname[DKIM_DOMAIN_MAX + 1];
	size_t	i;

	if (status == DKIM_LOOKUP_TEMPFAIL)
		return;		/* never cached */
	for (i = 0; name[i] != '\0' && i < sizeof(lname) - 1; i++)
		lname[i] = (char)tolower((unsigned char)name[i]);
	lname[i] = '\0';
	kc_put(kc, lname, status, txt, txtlen, ttl, now);
}

int
dkim_keycache_has(struct dkim_keycache *kc, const char *name, time_t now)
{
	const struct kc_entry	*e;
	char			 lname[DKIM_DOMAIN_MAX + 1];
	size_t			 i;

	for (i = 0; name[i] != '\0' && i < sizeof(lname) - 1; i++)
		lname[i] = (char)tolower((unsigned char)name[i]);
	lname[i] = '\0';
	e = kc_find(kc, lname);
	return e != NULL && e->expires > now;
}

void
dkim_keycache_get(struct dkim_keycache *kc, const char *name, time_t now,
    struct dkim_keyans *ans)
{
	struct kc_entry		*e;
	enum dkim_lookup_status	 st;
	char			*txt = NULL;
	size_t			 txtlen = 0;
	uint32_t		 ttl = 0;

	memset(ans, 0, sizeof(*ans));
	e = kc_find(kc, name);
	if (e == NULL || e->expires <= now) {
		if (kc->fn == NULL) {
			ans->status = DKIM_LOOKUP_TEMPFAIL;
			return;
		}
		st = kc->fn(kc->arg, name, &txt, &txtlen, &ttl);
		if (st == DKIM_LOOKUP_TEMPFAIL) {
			free(txt);
			ans->status = DKIM_LOOKUP_TEMPFAIL;
			return;
		}
		e = kc_put(kc, name, st, txt, txtlen, ttl, now);
		free(txt);
	}
	ans->status = e->status;
	ans->why = e->why;
	if (e->status == DKIM_LOOKUP_OK && e->why == NULL)
		ans->key = &e->key;
}

/* ---- key file ------------------------------------------------------ */

struct kf_rec {
	char	*name;
	char	*txt;
};

struct dkim_keyfile {
	struct kf_rec	*r;
	size_t		 n;
};

struct dkim_keyfile *
dkim_keyfile_load(const char *path, char *err, size_t errlen)
{
	struct dkim_keyfile	*kf;
	char			*buf, *line, *next, *sp, *end;
	size_t			 len, cap = 0;

	if ((buf = read_file(path, KEYFILE_MAX, &len, err, errlen)) == NULL)
		return NULL;
	kf = xcalloc(1, sizeof(*kf));
	for (line = buf; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		end = line + strlen(line);
		while (end > line && isspace((unsigned char)end[-1]))
			*--end = '\0';
		while (isspace((unsigned char)*line))
			line++;
		if (*line == '\0' || *line == '#')
			continue;
		if ((sp = strpbrk(line, " \t")) == NULL)
			continue;
		*sp++ = '\0';
		while (isspace((unsigned char)*sp))
			sp++;
		if (strlen(line) > 0 && line[strlen(line) - 1] == '.')
			line[strlen(line) - 1] = '\0';
		if (kf->n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			kf->r = xreallocarray(kf->r, cap, sizeof(*kf->r));
		}
		kf->r[kf->n].name = xstrdup(line);
		for (end = kf->r[kf->n].name; *end != '\0'; end++)
			*end = (char)tolower((unsigned char)*end);
		kf->r[kf->n].txt = xstrdup(sp);
		kf->n++;
	}
	free(buf);
	return kf;
}

void
dkim_keyfile_free(struct dkim_keyfile *kf)
{
	size_t	i;

	if (kf == NULL)
		return;
	for (i = 0; i < kf->n; i++) {
		free(kf->r[i].name);
		free(kf->r[i].txt);
	}
	free(kf->r);
	free(kf);
}

enum dkim_lookup_status
dkim_keyfile_lookup(void *arg, const char *name, char **txt, size_t *txtlen,
    uint32_t *ttl)
{
	struct dkim_keyfile	*kf = arg;
	size_t			 i;

	for (i = 0; i < kf->n; i++) {
		if (strcasecmp(kf->r[i].name, name) == 0) {
			*txt = xstrdup(kf->r[i].txt);
			*txtlen = strlen(*txt);
			*ttl = 3600;
			return DKIM_LOOKUP_OK;
		}
	}
	return DKIM_LOOKUP_NOTFOUND;
}
