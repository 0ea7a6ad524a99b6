/*
 * dkim.h: DKIM signing and verification (RFC 6376, RFC 8463 Ed25519,
 * RFC 8301 algorithm and key-size rules), streaming.
 *
 * Both directions take a message in the same three steps, so that a milter
 * can feed what it receives without keeping the body:
 *
 *   header fields (one call per field, or raw bytes through *_write)
 *   end of headers (*_eoh)
 *   body bytes in chunks of any size (*_body, or *_write)
 *   end of message (*_eom)
 *
 * *_write takes raw message bytes (header block, blank line, body) in
 * chunks of any size and does the split itself; it is what the CLI uses.
 * Bare LF line ends are taken as CRLF everywhere.
 *
 * Protocol code only: no I/O except through the key lookup callback.
 * Objects are not thread-safe: a signer, a verifier or a key cache is
 * used by one thread at a time. Two exceptions, for the milter's workers:
 * a struct dkim_key is only read when signing, so signers on several
 * threads may share one; and a verifier whose keys were taken with
 * dkim_verify_pin may finish (dkim_verify_eom) on another thread than
 * the cache's.
 */
#ifndef FAIRLIST_DKIM_H
#define FAIRLIST_DKIM_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Limits. Input beyond them gets a per-signature result, never a crash. */
#define DKIM_HEADER_BYTES_MAX	(1024 * 1024)	/* header block kept */
#define DKIM_HEADER_FIELDS_MAX	2048		/* header fields kept */
#define DKIM_SIG_FIELD_MAX	16384	/* bytes of one DKIM-Signature */
#define DKIM_VERIFY_SIGS_MAX	16	/* signatures checked per message */
#define DKIM_SIGN_SIGS_MAX	8	/* signatures added per message */
#define DKIM_TAGS_MAX		64	/* tags in one tag list */
#define DKIM_H_MAX		128	/* names in h= */
#define DKIM_KEY_RECORD_MAX	8192	/* bytes of one key record */
#define DKIM_RSA_MIN_BITS	1024	/* RFC 8301 section 3.2 */
#define DKIM_RSA_MAX_BITS	8192	/* bounds the verification cost */
#define DKIM_RSA_DEFAULT_BITS	2048
#define DKIM_CLOCK_SKEW		300	/* seconds allowed on t= and x= */
#define DKIM_KEYCACHE_MAX	4096	/* cached key records */
#define DKIM_KEY_TTL_MIN	60	/* seconds a key record is cached */
#define DKIM_KEY_TTL_MAX	86400
#define DKIM_KEY_NEG_TTL	300	/* cap for "no key" answers */
#define DKIM_DOMAIN_MAX		253
#define DKIM_BPREFIX_MAX	16	/* header.b characters kept */

enum dkim_alg {
	DKIM_ALG_NONE,
	DKIM_ALG_RSA_SHA256,
	DKIM_ALG_ED25519_SHA256,	/* RFC 8463 */
	DKIM_ALG_RSA_SHA1		/* recognised only to refuse it */
};

enum dkim_canon {
	DKIM_CANON_SIMPLE,
	DKIM_CANON_RELAXED
};

/* RFC 8601 section 2.7.1 result values of the dkim method. */
enum dkim_result {
	DKIM_RES_NONE,
	DKIM_RES_PASS,
	DKIM_RES_FAIL,		/* bad signature or body hash, RFC 8301 */
	DKIM_RES_NEUTRAL,
	DKIM_RES_POLICY,
	DKIM_RES_TEMPERROR,	/* key lookup failed for now */
	DKIM_RES_PERMERROR	/* bad syntax, no key, revoked key, ... */
};

/* Name of a result ("pass", ...) and of an algorithm ("rsa-sha256"). */
const char	*dkim_result_name(enum dkim_result r);
const char	*dkim_alg_name(enum dkim_alg a);

/*
 * Parse "relaxed/simple", "relaxed" (= relaxed/simple), ... into OUT:h
 * and OUT:b. Returns 0 or -1.
 */
int	dkim_canon_parse(const char *s, size_t len, enum dkim_canon *h,
	    enum dkim_canon *b);

/* ---- keys ---------------------------------------------------------- */

struct dkim_key;

/*
 * Load a private key: PEM (PKCS#1 or PKCS#8; RSA or Ed25519), or a bare
 * base64 Ed25519 seed of 32 bytes (dkimpy's format). The key is parsed
 * once here; signing never parses it again. Returns NULL with a message
 * in OUT:err. Free with dkim_key_free, which wipes the key.
 */
struct dkim_key	*dkim_key_load(const char *path, char *err, size_t errlen);
struct dkim_key	*dkim_key_from_mem(const void *p, size_t len, char *err,
		    size_t errlen);
/* Generate a key: DKIM_ALG_RSA_SHA256 with bits, or ED25519_SHA256. */
struct dkim_key	*dkim_key_generate(enum dkim_alg alg, int bits, char *err,
		    size_t errlen);
void		 dkim_key_free(struct dkim_key *k);
enum dkim_alg	 dkim_key_alg(const struct dkim_key *k);
int		 dkim_key_bits(const struct dkim_key *k);
/*
 * Write the private key as PKCS#8 PEM to path, created with mode 0600
 * and never overwritten. Returns 0, or -1 with a message in OUT:err.
 */
int		 dkim_key_write_pem(const struct dkim_key *k, const char *path,
		    char *err, size_t errlen);
/*
 * The public key record "v=DKIM1; k=rsa; p=..." as a malloc'ed string
 * the caller frees.
 */
char		*dkim_key_record(const struct dkim_key *k);

/* ---- key lookup ---------------------------------------------------- */

enum dkim_lookup_status {
	DKIM_LOOKUP_OK,		/* *txt holds the record */
	DKIM_LOOKUP_NOTFOUND,	/* NXDOMAIN or no TXT record */
	DKIM_LOOKUP_TEMPFAIL	/* timeout, SERVFAIL, ... */
};

/*
 * Resolver callback: look up the TXT record at name
 * ("sel._domainkey.example.com") and set OUT:txt to a malloc'ed, NUL
 * terminated copy of its strings concatenated (the caller frees it),
 * OUT:txtlen to its length and OUT:ttl to its TTL.
 */
typedef enum dkim_lookup_status (*dkim_lookup_fn)(void *arg,
    const char *name, char **txt, size_t *txtlen, uint32_t *ttl);

struct dkim_keycache;

/*
 * A cache of parsed key records, each kept for its TTL (clamped to
 * DKIM_KEY_TTL_MIN..MAX; "no key" answers at most DKIM_KEY_NEG_TTL,
 * temporary failures not at all). A miss calls fn(arg, ...); fn may be
 * NULL when records are only added with dkim_keycache_put (an async
 * resolver filling the cache before dkim_verify_eom).
 */
struct dkim_keycache	*dkim_keycache_new(dkim_lookup_fn fn, void *arg);
void			 dkim_keycache_free(struct dkim_keycache *kc);
/* Store an answer for name (status and record as from the callback). */
void			 dkim_keycache_put(struct dkim_keycache *kc,
			    const char *name, enum dkim_lookup_status status,
			    const char *txt, size_t txtlen, uint32_t ttl,
			    time_t now);

/*
 * 1 if kc holds an unexpired answer for name (any case) at now, so
 * that an async resolver need not ask for it; 0 otherwise.
 */
int			 dkim_keycache_has(struct dkim_keycache *kc,
			    const char *name, time_t now);

/*
 * Key file: one record a line, "<selector>._domainkey.<domain> <TXT>", the
 * format of libopendkim's DKIM_QUERY_FILE and OpenDKIM's TestPublicKeys.
 * Blank lines and '#' comments are skipped. dkim_keyfile_lookup is a
 * dkim_lookup_fn whose arg is the struct dkim_keyfile (TTL 3600).
 */
struct dkim_keyfile;
struct dkim_keyfile	*dkim_keyfile_load(const char *path, char *err,
			    size_t errlen);
void			 dkim_keyfile_free(struct dkim_keyfile *kf);
enum dkim_lookup_status	 dkim_keyfile_lookup(void *arg, const char *name,
			    char **txt, size_t *txtlen, uint32_t *ttl);

/*
 * Real DNS, synchronous, through src/dns/resolver.h: a dkim_lookup_fn
 * whose arg is a struct dns_resolver * (its deadline bounds the wait).
 */
enum dkim_lookup_status	 dkim_dns_lookup(void *arg, const char *name,
			    char **txt, size_t *txtlen, uint32_t *ttl);
/*
 * An answer as the resolver hands it over (st is an enum
 * dns_resolver_status, pkt the raw response, NULL unless OK), as a
 * lookup status: OUT:txt, OUT:txtlen and OUT:ttl as a dkim_lookup_fn
 * sets them. For resolvers that run on an event loop.
 */
enum dkim_lookup_status	 dkim_dns_answer(int st, const uint8_t *pkt,
			    size_t len, char **txt, size_t *txtlen,
			    uint32_t *ttl);

/* ---- verifying ----------------------------------------------------- */

/* The outcome for one DKIM-Signature field. */
struct dkim_sig_result {
	enum dkim_result	 result;
	const char		*reason;	/* static text, or NULL */
	enum dkim_alg		 alg;
	char			 domain[DKIM_DOMAIN_MAX + 1];	/* d= */
	char			 selector[DKIM_DOMAIN_MAX + 1];	/* s= */
	char			 identity[DKIM_DOMAIN_MAX + 66]; /* i= */
	char			 bprefix[DKIM_BPREFIX_MAX + 1]; /* of b= */
	int			 key_bits;	/* 0 if no key was used */
	int			 testing;	/* key flag t=y */
	int			 has_l;		/* l= was given */
	uint64_t		 l;		/* its value */
	uint64_t		 body_len;	/* canonical body length */
	int			 body_extra;	/* body longer than l= */
	int64_t			 t, x;		/* -1 when absent */
};

struct dkim_verify;

/*
 * Start verifying one message at time now (for t= and x=). Keys come
 * from kc, which must outlive the verifier. Never NULL.
 */
struct dkim_verify	*dkim_verify_new(struct dkim_keycache *kc, time_t now);
void			 dkim_verify_free(struct dkim_verify *v);
/*
 * Forget the message and start another at time now, with the same key
 * cache: as dkim_verify_free and dkim_verify_new, but the buffers, the
 * signature store and the digest contexts are kept for the next message
 * (one verifier per milter connection). Results and key names of the
 * previous message are gone.
 */
void			 dkim_verify_reset(struct dkim_verify *v, time_t now);

/*
 * Untrusted input. One header field, "Name: value" with its folding, with
 * or without the final CRLF. Fields past the limits are counted, not
 * kept, and make every signature a permerror.
 */
void	dkim_verify_header(struct dkim_verify *v, const void *field,
	    size_t len);
/* End of the header block: parses the DKIM-Signature fields. */
void	dkim_verify_eoh(struct dkim_verify *v);
/* Body bytes, any chunking. */
void	dkim_verify_body(struct dkim_verify *v, const void *p, size_t len);
/* Raw message bytes instead of the three calls above. */
void	dkim_verify_write(struct dkim_verify *v, const void *p, size_t len);
/*
 * End of message: fetches keys and checks every signature. After it,
 * results are available. Returns the number of signatures that pass.
 */
int	dkim_verify_eom(struct dkim_verify *v);

/*
 * Before a dkim_verify_eom that runs on another thread: take from the key
 * cache, on the thread that owns it, what every signature needs (a
 * reference to its parsed key, with a verification context of its own),
 * so that eom then reads nothing shared: neither the cache nor its keys,
 * which a later answer may replace. The keys are dropped by eom, reset
 * or free. A miss is a temperror at eom, as it would be then.
 */
void	dkim_verify_pin(struct dkim_verify *v);

/*
 * After eoh: the key names ("sel._domainkey.dom") that eom will need,
 * so an async resolver can put them in the cache first. i counts from 0;
 * NULL past the end. Valid until dkim_verify_free or _reset.
 */
const char	*dkim_verify_keyname(const struct dkim_verify *v, size_t i);

/* Results, in header order (topmost first). Valid until free or reset. */
size_t				 dkim_verify_count(const struct dkim_verify *v);
const struct dkim_sig_result	*dkim_verify_result(const struct dkim_verify *v,
				    size_t i);
/* DKIM-Signature fields past DKIM_VERIFY_SIGS_MAX, not checked. */
size_t				 dkim_verify_skipped(const struct dkim_verify *v);

/* The Authentication-Results field of these results: dmarc_ar_dkim. */

/* ---- signing ------------------------------------------------------- */

struct dkim_sign_opts {
	struct dkim_key		*key;		/* borrowed, must outlive */
	const char		*domain;	/* d= */
	const char		*selector;	/* s= */
	const char		*identity;	/* i=, or NULL for none */
	enum dkim_canon		 hcanon, bcanon;
	/*
	 * h= exactly as written ("from : to : subject"), or NULL for the
	 * default list: each of DKIM_SIGN_HEADERS present, once per
	 * occurrence, plus one extra From and Subject (oversigning: adding
	 * one more breaks the signature).
	 */
	const char		*headers;
	int64_t			 t;		/* t=; -1 means now */
	int64_t			 expire;	/* x= = t + expire; 0: no x= */
	int			 qtag;		/* write q=dns/txt */
	int			 ltag;		/* write l= (never by default) */
};

/*
 * Header fields signed by default, when present (lower case). "from"
 * stays first and "subject" third: sign.c oversigns them by position.
 */
#define DKIM_SIGN_HEADERS \
	"from", "reply-to", "subject", "date", "to", "cc", "message-id", \
	"in-reply-to", "references", "mime-version", "content-type", \
	"content-transfer-encoding", "content-disposition", "sender", \
	"list-id", "list-unsubscribe", "list-unsubscribe-post", "list-post", \
	"resent-from", "resent-to", "resent-cc", "resent-date", \
	"resent-message-id", "resent-sender"

struct dkim_sign;

/*
 * Check a selector and a signing domain (RFC 6376 section 3.1): DNS
 * labels of letters, digits, '-' and '_', and selector._domainkey.domain
 * within DKIM_DOMAIN_MAX. Neither can then hold '/' or an empty label,
 * so a selector is also safe as a file name. Returns 0, or -1 with a
 * message in OUT:err.
 */
int	dkim_names_check(const char *selector, const char *domain, char *err,
	    size_t errlen);

struct dkim_sign	*dkim_sign_new(void);
void			 dkim_sign_free(struct dkim_sign *s);
/*
 * Add one signature to make (before any header is fed). Signatures with
 * the same body canonicalization share one body hash. Returns 0, or -1
 * with a message in OUT:err (bad domain or selector, too many).
 */
int	dkim_sign_add(struct dkim_sign *s, const struct dkim_sign_opts *o,
	    char *err, size_t errlen);
void	dkim_sign_header(struct dkim_sign *s, const void *field, size_t len);
void	dkim_sign_eoh(struct dkim_sign *s);
void	dkim_sign_body(struct dkim_sign *s, const void *p, size_t len);
void	dkim_sign_write(struct dkim_sign *s, const void *p, size_t len);
/*
 * Compute the signatures. Returns 0, or -1 with a message in OUT:err
 * (header block over the limits, no From field, signing failure).
 */
int	dkim_sign_eom(struct dkim_sign *s, char *err, size_t errlen);
/*
 * The i-th DKIM-Signature field, complete and folded with CRLF line
 * ends, for the caller to prepend in order (0 first). NULL past the end.
 * Valid until dkim_sign_free.
 */
const char	*dkim_sign_field(const struct dkim_sign *s, size_t i);

#endif /* FAIRLIST_DKIM_H */
