/*
 * dkim_int.h: helpers shared by the files of src/dkim (tag lists, base64,
 * canonicalization, the header store, body hashers, key records).
 */
#ifndef FAIRLIST_DKIM_INT_H
#define FAIRLIST_DKIM_INT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "core/buf.h"
#include "dkim/dkim.h"

/* ---- tags.c -------------------------------------------------------- */

struct dkim_tag {
	const char	*name;		/* borrowed from the input */
	size_t		 namelen;
	const char	*val;		/* trimmed of surrounding FWS */
	size_t		 vallen;
	size_t		 rawoff;	/* after '=' */
	size_t		 rawend;	/* at ';' or the end */
};

struct dkim_taglist {
	struct dkim_tag	tags[DKIM_TAGS_MAX];
	size_t		ntags;
};

/*
 * Untrusted input (RFC 6376 section 3.2): parse a tag list. Empty
 * tag-specs (";;", a trailing ";") are tolerated. Returns 0, or -1 with
 * a static reason in OUT:why (bad syntax, duplicate tag, too many tags,
 * NUL or 8-bit byte).
 */
int		 dkim_tags_parse(const char *p, size_t len,
		    struct dkim_taglist *tl, const char **why);
const struct dkim_tag *dkim_tags_get(const struct dkim_taglist *tl,
		    const char *name);
/* 1 if the value equals s, ASCII case-insensitively. */
int		 dkim_tag_is(const struct dkim_tag *t, const char *s);

/*
 * Decode base64, skipping FWS (SP, HTAB, CR, LF), to OUT:out (at most
 * cap bytes). Padding only at the end. Returns the length, or -1.
 */
long		 dkim_b64_decode(const char *p, size_t len, uint8_t *out,
		    size_t cap);
/* Append the base64 of p to b. */
void		 dkim_b64_encode(struct sbuf *b, const uint8_t *p, size_t len);

/* 1 if s is a valid domain name (letters, digits, '-', '_', dots). */
int		 dkim_domain_ok(const char *s, size_t len);

/* A parsed DKIM-Signature (RFC 6376 section 3.5). */
struct dkim_sig {
	enum dkim_alg	 alg;
	enum dkim_canon	 hcanon, bcanon;
	char		 d[DKIM_DOMAIN_MAX + 1];
	char		 s[DKIM_DOMAIN_MAX + 1];
	char		 i[DKIM_DOMAIN_MAX + 66];
	const char	*idomain;	/* into i, after '@' */
	size_t		 blen;
	uint8_t		 bh[32];
	int		 has_l;
	uint64_t	 l;
	int64_t		 t, x;
	size_t		 nh;
	size_t		 boff, bend;	/* b= value in the field */
	char		 bprefix[DKIM_BPREFIX_MAX + 1];
	/* Buffers last: dkim_sig_parse clears only what is above. */
	uint8_t		 b[1024];	/* 8192-bit RSA */
	char		*hnames[DKIM_H_MAX];	/* into hbuf */
	char		 hbuf[2048];
};

/*
 * Untrusted input: parse the value of a DKIM-Signature field (after the
 * colon; voff is its offset in the field, for boff/bend). Checks the
 * syntax and the rules that need no key: required tags, v=1, known a=
 * and c=, q=, h= with From, i= within d=, x= after t=. Returns DKIM_RES_
 * NONE when the signature can go on to the key, else the result with a
 * static reason in OUT:why. alg and b are filled as far as parsed.
 */
enum dkim_result dkim_sig_parse(const char *val, size_t len, size_t voff,
		    struct dkim_sig *sig, const char **why);

/* A parsed key record (RFC 6376 section 3.6.1, RFC 8463 section 4). */
struct dkim_pubkey {
	enum dkim_alg	 ktype;		/* RSA_SHA256 (k=rsa) or ED25519 */
	EVP_PKEY	*pkey;		/* NULL if revoked */
	int		 bits;
	int		 revoked;	/* empty p= */
	int		 testing;	/* t=y */
	int		 strict;	/* t=s */
	int		 sha256_ok;	/* h= absent or lists sha256 */
	EVP_PKEY_CTX	*vctx;		/* RSA: verify context, made once */
	EVP_MD_CTX	*vmd;		/* Ed25519: reused digest context */
};

/*
 * Untrusted input: parse a key record. Returns 0, or -1 with a static
 * reason in OUT:why. An RSA key shorter than DKIM_RSA_MIN_BITS parses
 * (bits tells); the verifier fails it. Free with dkim_pubkey_clear.
 */
int		 dkim_pubkey_parse(const char *txt, size_t len,
		    struct dkim_pubkey *k, const char **why);

/* Free what k holds (NULL-safe for each member). */
void		 dkim_pubkey_clear(struct dkim_pubkey *k);

/* ---- canon.c ------------------------------------------------------- */

/*
 * Append the canonical form of one header field (without its final
 * CRLF) to out. RFC 6376 section 3.4.1 (simple) and 3.4.2 (relaxed).
 */
void		 dkim_canon_header(enum dkim_canon c, const char *f,
		    size_t len, struct sbuf *out);

/*
 * Streaming body canonicalizer and hasher, RFC 6376 sections 3.4.3 and
 * 3.4.4 (with errata 1384: an empty relaxed body hashes as nothing).
 * Output bytes are hashed straight from the input where they are
 * unchanged; at most limit bytes are hashed and total counts them all.
 */
struct dkim_bhash {
	enum dkim_canon	 canon;
	uint64_t	 limit;		/* UINT64_MAX: no l= */
	EVP_MD_CTX	*md;
	uint64_t	 total;		/* canonical bytes produced */
	uint64_t	 hashed;
	uint64_t	 nl_pending;	/* empty lines held back */
	int		 in_line;	/* current line has content */
	int		 wsp;		/* relaxed: a WSP run is pending */
	int		 cr;		/* last byte of the previous chunk was CR */
	const uint8_t	*span;		/* output not yet hashed */
	size_t		 spanlen;
};

void		 dkim_bhash_init(struct dkim_bhash *h, enum dkim_canon c,
		    uint64_t limit);
void		 dkim_bhash_update(struct dkim_bhash *h, const uint8_t *p,
		    size_t len);
/* Finish into OUT:digest (32 bytes). */
void		 dkim_bhash_final(struct dkim_bhash *h, uint8_t *digest);
/*
 * Start again for another body, as dkim_bhash_init but reusing the
 * digest context of h (initialised before, not freed since).
 */
void		 dkim_bhash_reset(struct dkim_bhash *h, enum dkim_canon c,
		    uint64_t limit);
void		 dkim_bhash_free(struct dkim_bhash *h);

/*
 * The header block, kept for hashing at the end of the headers. Fields
 * are stored without their final CRLF, bare LF made CRLF.
 */
struct dkim_hfield {
	size_t	off, len;	/* into hdrs.buf.s */
	size_t	namelen;	/* name without trailing WSP; 0: no colon */
};

struct dkim_hdrs {
	struct sbuf		 buf;
	struct dkim_hfield	*f;
	size_t			 n, cap;
	size_t			 dropped;	/* fields past the limits */
	size_t			 dropped_sigs;	/* DKIM-Signatures among them */
	/* Raw split state for *_write. */
	int			 state;
	size_t			 curlen;	/* field being split, at buf end */
};

void		 dkim_hdrs_init(struct dkim_hdrs *h);
/* Empty h for another message, keeping its memory. */
void		 dkim_hdrs_reset(struct dkim_hdrs *h);
void		 dkim_hdrs_free(struct dkim_hdrs *h);
void		 dkim_hdrs_add(struct dkim_hdrs *h, const uint8_t *p,
		    size_t len);
/*
 * Feed raw message bytes. Calls eoh(arg) at the blank line and returns
 * how many bytes were consumed by the header block (the rest is body);
 * returns len while still in the headers.
 */
size_t		 dkim_hdrs_write(struct dkim_hdrs *h, const uint8_t *p,
		    size_t len);
/* 1 once the blank line was seen by dkim_hdrs_write. */
int		 dkim_hdrs_done(const struct dkim_hdrs *h);
/* Finish a header block that ended without a blank line. */
void		 dkim_hdrs_flush(struct dkim_hdrs *h);
/* 1 if field i has the given name (case-insensitive). */
int		 dkim_hdrs_is(const struct dkim_hdrs *h, size_t i,
		    const char *name, size_t namelen);

/*
 * Hash the fields named in names (RFC 6376 section 5.4.2: the last
 * unused instance first, a missing one hashes nothing) with canon c,
 * each followed by CRLF, into md. scratch is reused.
 */
void		 dkim_hash_headers(EVP_MD_CTX *md, const struct dkim_hdrs *h,
		    char *const *names, size_t nnames, enum dkim_canon c,
		    struct sbuf *scratch);

/* The SHA-256 method, fetched once. */
const EVP_MD	*dkim_sha256(void);

/* ---- key.c --------------------------------------------------------- */

/*
 * Sign a 32-byte SHA-256 digest with k: RSASSA-PKCS1-v1_5 for RSA, pure
 * Ed25519 over the digest for RFC 8463. Appends the signature to OUT:sig.
 * Returns 0 or -1.
 */
int		 dkim_key_sign(const struct dkim_key *k,
		    const uint8_t *digest, uint8_t *sig, size_t *siglen);
/*
 * OUT:dst, a copy of src that shares nothing written to: a reference to
 * its key and a verification context of its own, so that another thread
 * can verify with dst while src stays in the cache. Free with
 * dkim_pubkey_clear. src may get its own context made (once).
 */
void		 dkim_pubkey_copy(struct dkim_pubkey *src,
		    struct dkim_pubkey *dst);
/* 1 if sig is a valid signature of digest under k, else 0. */
int		 dkim_pubkey_verify(struct dkim_pubkey *k,
		    const uint8_t *digest, const uint8_t *sig, size_t siglen);

/* A key cache answer. */
struct dkim_keyans {
	enum dkim_lookup_status	 status;
	const char		*why;	/* record error, or NULL */
	struct dkim_pubkey	*key;	/* when status OK and why NULL */
};

/* Look up name (lower case) in kc, asking the resolver on a miss. */
void		 dkim_keycache_get(struct dkim_keycache *kc, const char *name,
		    time_t now, struct dkim_keyans *ans);

#endif /* FAIRLIST_DKIM_INT_H */
