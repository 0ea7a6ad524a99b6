/*
 * test_verify.c: every verification rule: results and reasons per
 * signature, RFC 8301, key record flags (section 3.6.1), i= within d=,
 * t= and x= with clock skew, l=, key lookup failures, limits, bad input,
 * the conformance vectors, the Authentication-Results field.
 */
#include "dkim_test.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "dmarc/dmarc.h"

#define NOW	1700000000

static struct dkim_key	*edkey, *rsakey;
static char		*edrec, *rsarec;

static int
setup(void **state)
{
	char	err[256];

	(void)state;
	edkey = dkim_key_generate(DKIM_ALG_ED25519_SHA256, 0, err,
	    sizeof(err));
	rsakey = dkim_key_generate(DKIM_ALG_RSA_SHA256, 1024, err,
	    sizeof(err));
	if (edkey == NULL || rsakey == NULL)
		return -1;
	edrec = dkim_key_record(edkey);
	rsarec = dkim_key_record(rsakey);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	dkim_key_free(edkey);
	dkim_key_free(rsakey);
	free(edrec);
	free(rsarec);
	return 0;
}

static const char msg[] =
    "From: Joe <joe@example.com>\r\n"
    "To: Sue <sue@example.net>\r\n"
    "Subject: lunch\r\n"
    "Date: Fri, 11 Jul 2003 21:00:37 -0700\r\n"
    "\r\n"
    "Hi.\r\n"
    "\r\n"
    "We lost the game.  Are you hungry yet?\r\n";

/* A cache with the two test keys and extra records. */
static struct dkim_keycache *
cache(const char *extra_name, const char *extra_rec)
{
	struct dkim_keycache	*kc = dkim_keycache_new(NULL, NULL);

	dkim_keycache_put(kc, "ed._domainkey.example.com", DKIM_LOOKUP_OK,
	    edrec, strlen(edrec), 86400, NOW);
	dkim_keycache_put(kc, "rsa._domainkey.example.com", DKIM_LOOKUP_OK,
	    rsarec, strlen(rsarec), 86400, NOW);
	if (extra_name != NULL)
		dkim_keycache_put(kc, extra_name, extra_rec != NULL ?
		    DKIM_LOOKUP_OK : DKIM_LOOKUP_NOTFOUND, extra_rec,
		    extra_rec != NULL ? strlen(extra_rec) : 0, 3600, NOW);
	return kc;
}

static void
opts(struct dkim_sign_opts *o, int ed)
{
	memset(o, 0, sizeof(*o));
	o->key = ed ? edkey : rsakey;
	o->selector = ed ? "ed" : "rsa";
	o->domain = "example.com";
	o->t = NOW;
	o->hcanon = o->bcanon = DKIM_CANON_RELAXED;
}

/* Verify m and check the one result. */
static void
expect(struct dkim_keycache *kc, const char *m, time_t now,
    enum dkim_result want, const char *why)
{
	struct dkim_verify		*v;
	const struct dkim_sig_result	*r;

	v = verify_msg(kc, m, strlen(m), now, 0);
	assert_int_equal(dkim_verify_count(v), 1);
	r = dkim_verify_result(v, 0);
	if (r->result != want || (why == NULL) != (r->reason == NULL) ||
	    (why != NULL && strstr(r->reason, why) == NULL))
		fail_msg("got %s (%s), want %s (%s)", dkim_result_name(
		    r->result), r->reason != NULL ? r->reason : "-",
		    dkim_result_name(want), why != NULL ? why : "-");
	dkim_verify_free(v);
}

static void
test_roundtrip(void **state)
{
	struct dkim_sign_opts	 o;
	struct dkim_keycache	*kc = cache(NULL, NULL);
	char			*s, *t;
	int			 ed, hc, bc;
	size_t			 chunk;

	(void)state;
	for (ed = 0; ed < 2; ed++)
		for (hc = 0; hc < 2; hc++)
			for (bc = 0; bc < 2; bc++) {
				opts(&o, ed);
				o.hcanon = hc;
				o.bcanon = bc;
				s = sign_msg(&o, msg);
				expect(kc, s, NOW, DKIM_RES_PASS, NULL);
				/* Any chunking gives the same result. */
				for (chunk = 1; chunk < 40; chunk += 7) {
					struct dkim_verify *v = verify_msg(kc,
					    s, strlen(s), NOW, chunk);
					assert_int_equal(dkim_verify_result(v,
					    0)->result, DKIM_RES_PASS);
					dkim_verify_free(v);
				}
				/* Tampered header: signature fails. */
				t = strdup(s);
				*strstr(t, "lunch") = 'p';
				expect(kc, t, NOW, DKIM_RES_FAIL,
				    "signature did not verify");
				free(t);
				/* Tampered body: body hash fails. */
				t = strdup(s);
				*strstr(t, "game") = 'n';
				expect(kc, t, NOW, DKIM_RES_FAIL,
				    "body hash");
				free(t);
				free(s);
			}
	dkim_keycache_free(kc);
}

static void
test_oversigning(void **state)
{
	struct dkim_sign_opts	 o;
	struct dkim_keycache	*kc = cache(NULL, NULL);
	char			*s, *t;

	(void)state;
	opts(&o, 1);
	s = sign_msg(&o, msg);
	/* An added From or Subject breaks the signature. */
	if (asprintf(&t, "%sFrom: evil@example.org\r\n%s", "",
	    s) < 0)
		fail();
	{
		char	*hdr_end = strstr(t, "\r\n\r\n");
		char	*m2;

		*hdr_end = '\0';
		if (asprintf(&m2, "%s\r\nSubject: more\r\n\r\n%s", t,
		    hdr_end + 4) < 0)
			fail();
		expect(kc, m2, NOW, DKIM_RES_FAIL, "signature");
		free(m2);
	}
	free(t);
	free(s);
	dkim_keycache_free(kc);
}

static const struct {
	const char		*name;
	const char		*sig;
	enum dkim_result	 want;
	const char		*why;
} sigs[] = {
	{ "rsa-sha1", "v=1; a=rsa-sha1; d=example.com; s=rsa; h=from; "
	    "bh=AAAAAAAAAAAAAAAAAAAAAAAAAAA=; b=AAAA", DKIM_RES_FAIL,
	    "RFC 8301" },
	{ "h without From", "v=1; a=rsa-sha256; d=example.com; s=rsa; "
	    "h=to:subject; bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=; "
	    "b=AAAA", DKIM_RES_PERMERROR, "h= does not include From" },
	{ "i outside d", "v=1; a=rsa-sha256; d=example.com; s=rsa; "
	    "i=joe@example.org; h=from; "
	    "bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=; b=AAAA",
	    DKIM_RES_PERMERROR, "i= domain is not within d=" },
	{ "i suffix trick", "v=1; a=rsa-sha256; d=example.com; s=rsa; "
	    "i=@badexample.com; h=from; "
	    "bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=; b=AAAA",
	    DKIM_RES_PERMERROR, "i= domain is not within d=" },
	{ "duplicate tag", "v=1; a=rsa-sha256; d=example.com; s=rsa; "
	    "h=from; h=from; bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=;"
	    " b=AAAA", DKIM_RES_PERMERROR, "duplicate tag" },
	{ "invalid base64 b", "v=1; a=rsa-sha256; d=example.com; s=rsa; "
	    "h=from; bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=; b=A*AA",
	    DKIM_RES_PERMERROR, "invalid base64 in b=" },
	{ "invalid base64 bh", "v=1; a=rsa-sha256; d=example.com; s=rsa; "
	    "h=from; bh=AAA; b=AAAA", DKIM_RES_PERMERROR,
	    "invalid base64 in bh=" },
	{ "v=2", "v=2; a=rsa-sha256; d=example.com; s=rsa; h=from; "
	    "bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=; b=AAAA",
	    DKIM_RES_PERMERROR, "version" },
	{ "no v", "a=rsa-sha256; d=example.com; s=rsa; h=from; "
	    "bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=; b=AAAA",
	    DKIM_RES_PERMERROR, "missing v=" },
	{ "unknown a", "v=1; a=rsa-md5; d=example.com; s=rsa; h=from; "
	    "bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=; b=AAAA",
	    DKIM_RES_PERMERROR, "unknown algorithm" },
	{ "unknown c", "v=1; a=rsa-sha256; c=fancy; d=example.com; s=rsa; "
	    "h=from; bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=; b=AAAA",
	    DKIM_RES_PERMERROR, "canonicalization" },
	{ "q=other", "v=1; a=rsa-sha256; q=http; d=example.com; s=rsa; "
	    "h=from; bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=; b=AAAA",
	    DKIM_RES_PERMERROR, "query method" },
	{ "x before t", "v=1; a=rsa-sha256; d=example.com; s=rsa; "
	    "t=1700000000; x=1600000000; h=from; "
	    "bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=; b=AAAA",
	    DKIM_RES_PERMERROR, "x= is before t=" },
	{ "expired", "v=1; a=rsa-sha256; d=example.com; s=rsa; "
	    "x=1699999000; h=from; "
	    "bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=; b=AAAA",
	    DKIM_RES_FAIL, "expired" },
	{ "future t", "v=1; a=rsa-sha256; d=example.com; s=rsa; "
	    "t=1700000400; h=from; "
	    "bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=; b=AAAA",
	    DKIM_RES_FAIL, "future" },
	{ "missing d", "v=1; a=rsa-sha256; s=rsa; h=from; "
	    "bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=; b=AAAA",
	    DKIM_RES_PERMERROR, "missing d=" },
	{ "bad d", "v=1; a=rsa-sha256; d=legitimate.com(.attacker.com; "
	    "s=rsa; h=from; bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=; "
	    "b=AAAA", DKIM_RES_PERMERROR, "invalid domain" },
	{ "bad l", "v=1; a=rsa-sha256; d=example.com; s=rsa; l=12a; "
	    "h=from; bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=; b=AAAA",
	    DKIM_RES_PERMERROR, "l=" },
	{ "8-bit", "v=1; a=rsa-sha256; d=ex\xe4mple.com; s=rsa; h=from; "
	    "bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=; b=AAAA",
	    DKIM_RES_PERMERROR, "invalid character" },
	{ "wrong key type", "v=1; a=ed25519-sha256; d=example.com; s=rsa; "
	    "h=from; bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=; b=AAAA",
	    DKIM_RES_PERMERROR, "does not match a=" },
	{ "no key", "v=1; a=rsa-sha256; d=example.com; s=none; "
	    "h=from; bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=; b=AAAA",
	    DKIM_RES_PERMERROR, "no key record" },
	{ "bad signature", "v=1; a=rsa-sha256; d=example.com; s=rsa; "
	    "h=from; bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=; b=AAAA",
	    DKIM_RES_FAIL, "signature did not verify" },
};

static void
test_sig_rules(void **state)
{
	struct dkim_keycache		*kc = cache("none._domainkey.example.com",
	    NULL);
	struct dkim_verify		*v;
	const struct dkim_sig_result	*r;
	char				*m;
	size_t				 i;

	(void)state;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (asprintf(&m, "DKIM-Signature: %s\r\n%s", sigs[i].sig,
		    msg) < 0)
			fail();
		v = verify_msg(kc, m, strlen(m), NOW, 0);
		r = dkim_verify_result(v, 0);
		assert_non_null(r);
		if (r->result != sigs[i].want || r->reason == NULL ||
		    strstr(r->reason, sigs[i].why) == NULL)
			fail_msg("%s: got %s (%s), want %s (%s)",
			    sigs[i].name, dkim_result_name(r->result),
			    r->reason != NULL ? r->reason : "-",
			    dkim_result_name(sigs[i].want), sigs[i].why);
		dkim_verify_free(v);
		free(m);
	}
	dkim_keycache_free(kc);
}

/* Sign with selector "k" and verify against the record rec. */
static void
key_case(const char *name, int ed, const char *rec, const char *identity,
    enum dkim_result want, const char *why, int testing)
{
	struct dkim_sign_opts		 o;
	struct dkim_keycache		*kc = cache("k._domainkey.example.com",
	    rec);
	struct dkim_verify		*v;
	const struct dkim_sig_result	*r;
	char				*s;

	opts(&o, ed);
	o.selector = "k";
	o.identity = identity;
	s = sign_msg(&o, msg);
	v = verify_msg(kc, s, strlen(s), NOW, 0);
	r = dkim_verify_result(v, 0);
	if (r->result != want || (why != NULL && (r->reason == NULL ||
	    strstr(r->reason, why) == NULL)) || r->testing != testing)
		fail_msg("%s: got %s (%s) testing=%d, want %s (%s)", name,
		    dkim_result_name(r->result), r->reason != NULL ?
		    r->reason : "-", r->testing, dkim_result_name(want),
		    why != NULL ? why : "-");
	dkim_verify_free(v);
	dkim_keycache_free(kc);
	free(s);
}

static void
test_key_rules(void **state)
{
	char		 rec[2048], *p;
	EVP_PKEY	*small;
	unsigned char	*der = NULL;
	int		 n;
	struct sbuf	 b;

	(void)state;
	p = strstr(edrec, "p=");
	snprintf(rec, sizeof(rec), "v=DKIM1; k=ed25519; t=y; %s", p);
	key_case("t=y", 1, rec, NULL, DKIM_RES_PASS, NULL, 1);
	snprintf(rec, sizeof(rec), "v=DKIM1; k=ed25519; t=s; %s", p);
	key_case("t=s, i=@d", 1, rec, "@example.com", DKIM_RES_PASS, NULL, 0);
	key_case("t=s, i=@sub.d", 1, rec, "@sub.example.com",
	    DKIM_RES_PERMERROR, "t=s", 0);
	snprintf(rec, sizeof(rec), "v=DKIM1; k=ed25519; %s", p);
	key_case("i=@sub.d", 1, rec, "joe@sub.example.com", DKIM_RES_PASS,
	    NULL, 0);
	snprintf(rec, sizeof(rec), "v=DKIM1; k=ed25519; h=sha1; %s", p);
	key_case("h=sha1", 1, rec, NULL, DKIM_RES_PERMERROR, "h=", 0);
	snprintf(rec, sizeof(rec), "v=DKIM1; k=ed25519; h=sha1:sha256; %s",
	    p);
	key_case("h=sha1:sha256", 1, rec, NULL, DKIM_RES_PASS, NULL, 0);
	snprintf(rec, sizeof(rec), "v=DKIM1; k=ed25519; s=tlsrpt; %s", p);
	key_case("s=tlsrpt", 1, rec, NULL, DKIM_RES_PERMERROR, "email", 0);
	snprintf(rec, sizeof(rec), "v=DKIM1; k=ed25519; s=email:*; %s", p);
	key_case("s=email", 1, rec, NULL, DKIM_RES_PASS, NULL, 0);
	key_case("revoked", 1, "v=DKIM1; k=ed25519; p=", NULL,
	    DKIM_RES_PERMERROR, "revoked", 0);
	snprintf(rec, sizeof(rec), "k=ed25519; v=DKIM1; %s", p);
	key_case("v= not first", 1, rec, NULL, DKIM_RES_PERMERROR, "v=", 0);
	key_case("k=foo", 1, "v=DKIM1; k=foo; p=AAAA", NULL,
	    DKIM_RES_PERMERROR, "k=", 0);
	key_case("Ed25519 31 bytes", 1, "v=DKIM1; k=ed25519; "
	    "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHUQ==", NULL,
	    DKIM_RES_PERMERROR, "32 bytes", 0);
	/* An Ed25519 record for an RSA signature: no crash, permerror. */
	snprintf(rec, sizeof(rec), "v=DKIM1; k=ed25519; %s", p);
	key_case("k=ed25519 for rsa-sha256", 0, rec, NULL,
	    DKIM_RES_PERMERROR, "does not match", 0);
	/* An RSA record whose p= holds an Ed25519 SPKI. */
	key_case("p= not RSA", 0, "v=DKIM1; k=rsa; "
	    "p=MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
	    NULL, DKIM_RES_PERMERROR, "not an RSA key", 0);
	key_case("p= garbage", 0, "v=DKIM1; p=AAAAAAAA", NULL,
	    DKIM_RES_PERMERROR, "does not parse", 0);
	key_case("p= bad base64", 0, "v=DKIM1; p=AA*A", NULL,
	    DKIM_RES_PERMERROR, "base64", 0);
	key_case("record syntax", 0, "v=DKIM1; p", NULL,
	    DKIM_RES_PERMERROR, "syntax", 0);
	/* RFC 8301: a 512-bit RSA key fails. */
	small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)512);
	assert_non_null(small);
	n = i2d_PUBKEY(small, &der);
	sbuf_init(&b);
	sbuf_adds(&b, "v=DKIM1; k=rsa; p=");
	dkim_b64_encode(&b, der, (size_t)n);
	key_case("RSA 512", 0, b.s, NULL, DKIM_RES_FAIL, "1024", 0);
	sbuf_free(&b);
	OPENSSL_free(der);
	EVP_PKEY_free(small);
}

static void
test_time_rules(void **state)
{
	struct dkim_sign_opts	 o;
	struct dkim_keycache	*kc = cache(NULL, NULL);
	char			*s;

	(void)state;
	opts(&o, 1);
	o.expire = 3600;
	s = sign_msg(&o, msg);
	expect(kc, s, NOW + 3600 + DKIM_CLOCK_SKEW, DKIM_RES_PASS, NULL);
	expect(kc, s, NOW + 3600 + DKIM_CLOCK_SKEW + 1, DKIM_RES_FAIL,
	    "expired");
	/* t= slightly ahead of our clock is accepted. */
	expect(kc, s, NOW - DKIM_CLOCK_SKEW, DKIM_RES_PASS, NULL);
	expect(kc, s, NOW - DKIM_CLOCK_SKEW - 1, DKIM_RES_FAIL, "future");
	free(s);
	dkim_keycache_free(kc);
}

static void
test_body_length(void **state)
{
	struct dkim_sign_opts		 o;
	struct dkim_keycache		*kc = cache(NULL, NULL);
	struct dkim_verify		*v;
	const struct dkim_sig_result	*r;
	char				*s, *m;

	(void)state;
	opts(&o, 1);
	o.ltag = 1;
	s = sign_msg(&o, msg);
	expect(kc, s, NOW, DKIM_RES_PASS, NULL);
	/* Appended text: still a pass, reported as not covered. */
	if (asprintf(&m, "%sBuy now!\r\n", s) < 0)
		fail();
	v = verify_msg(kc, m, strlen(m), NOW, 0);
	r = dkim_verify_result(v, 0);
	assert_int_equal(r->result, DKIM_RES_PASS);
	assert_true(r->has_l);
	assert_true(r->body_extra);
	assert_true(r->body_len > r->l);
	assert_non_null(strstr(r->reason, "longer than l="));
	dkim_verify_free(v);
	free(m);
	/* A shorter body than l= fails. */
	m = strdup(s);
	*strstr(m, "We lost") = '\0';
	expect(kc, m, NOW, DKIM_RES_FAIL, "l= is longer");
	free(m);
	free(s);
	dkim_keycache_free(kc);
}

static int	lookups;

static enum dkim_lookup_status
tempfail_lookup(void *arg, const char *name, char **txt, size_t *txtlen,
    uint32_t *ttl)
{
	(void)arg;
	(void)name;
	(void)txt;
	(void)txtlen;
	(void)ttl;
	lookups++;
	return DKIM_LOOKUP_TEMPFAIL;
}

static enum dkim_lookup_status
counting_lookup(void *arg, const char *name, char **txt, size_t *txtlen,
    uint32_t *ttl)
{
	(void)name;
	lookups++;
	*txt = strdup(arg);
	*txtlen = strlen(arg);
	*ttl = 120;
	return DKIM_LOOKUP_OK;
}

static void
test_lookup(void **state)
{
	struct dkim_sign_opts	 o;
	struct dkim_keycache	*kc;
	char			*s;

	(void)state;
	opts(&o, 1);
	s = sign_msg(&o, msg);
	kc = dkim_keycache_new(tempfail_lookup, NULL);
	lookups = 0;
	expect(kc, s, NOW, DKIM_RES_TEMPERROR, "lookup failed");
	expect(kc, s, NOW, DKIM_RES_TEMPERROR, "lookup failed");
	assert_int_equal(lookups, 2);	/* temporary failures not cached */
	dkim_keycache_free(kc);
	/* Cached for its TTL, asked again after. */
	kc = dkim_keycache_new(counting_lookup, edrec);
	lookups = 0;
	expect(kc, s, NOW, DKIM_RES_PASS, NULL);
	expect(kc, s, NOW + 100, DKIM_RES_PASS, NULL);
	assert_int_equal(lookups, 1);
	expect(kc, s, NOW + 121, DKIM_RES_PASS, NULL);
	assert_int_equal(lookups, 2);
	dkim_keycache_free(kc);
	free(s);
}

static void
test_several(void **state)
{
	struct dkim_sign		*s = dkim_sign_new();
	struct dkim_sign_opts		 o;
	struct dkim_keycache		*kc = cache(NULL, NULL);
	struct dkim_verify		*v;
	char				 err[256], *ar;
	struct sbuf			 m;

	(void)state;
	opts(&o, 1);
	assert_int_equal(dkim_sign_add(s, &o, err, sizeof(err)), 0);
	opts(&o, 0);
	o.bcanon = DKIM_CANON_SIMPLE;
	assert_int_equal(dkim_sign_add(s, &o, err, sizeof(err)), 0);
	dkim_sign_write(s, msg, strlen(msg));
	assert_int_equal(dkim_sign_eom(s, err, sizeof(err)), 0);
	sbuf_init(&m);
	/* A broken third signature between them. */
	sbuf_adds(&m, dkim_sign_field(s, 0));
	sbuf_adds(&m, "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; "
	    "s=rsa; h=from; bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=; "
	    "b=AAAA\r\n");
	sbuf_adds(&m, dkim_sign_field(s, 1));
	sbuf_adds(&m, msg);
	v = verify_msg(kc, m.s, m.len, NOW, 0);
	assert_int_equal(dkim_verify_count(v), 3);
	assert_int_equal(dkim_verify_result(v, 0)->result, DKIM_RES_PASS);
	assert_int_equal(dkim_verify_result(v, 0)->alg,
	    DKIM_ALG_ED25519_SHA256);
	assert_int_equal(dkim_verify_result(v, 1)->result, DKIM_RES_FAIL);
	assert_int_equal(dkim_verify_result(v, 2)->result, DKIM_RES_PASS);
	assert_int_equal(dkim_verify_result(v, 2)->alg, DKIM_ALG_RSA_SHA256);
	assert_string_equal(dkim_verify_keyname(v, 0),
	    "ed._domainkey.example.com");
	ar = dmarc_ar_dkim(v, "mx.example.net");
	/* dmarc/authres.c folds a line before it passes 78 characters. */
	assert_non_null(strstr(ar, "Authentication-Results: mx.example.net;"
	    "\r\n\tdkim=pass header.d=example.com header.i=@example.com "
	    "header.s=ed\r\n\theader.b="));
	assert_non_null(strstr(ar, "dkim=fail reason=\"signature did not "
	    "verify\" header.d=example.com"));
	free(ar);
	dkim_verify_free(v);
	/* No signature at all. */
	v = verify_msg(kc, msg, strlen(msg), NOW, 0);
	assert_int_equal(dkim_verify_count(v), 0);
	ar = dmarc_ar_dkim(v, "mx");
	assert_string_equal(ar, "Authentication-Results: mx;\r\n\tdkim=none"
	    "\r\n");
	free(ar);
	dkim_verify_free(v);
	sbuf_free(&m);
	dkim_sign_free(s);
	dkim_keycache_free(kc);
}

/*
 * One verifier, reset between messages (dkim_verify_reset), gives each
 * message the results a new verifier gives: through more and fewer
 * signatures, bodies (canonicalizations, l=), passes and failures, the
 * field API and raw writes, in chunks.
 */
static void
test_reset(void **state)
{
	struct dkim_sign		*sg = dkim_sign_new();
	struct dkim_sign_opts		 o;
	struct dkim_keycache		*kc = cache(NULL, NULL);
	struct dkim_verify		*v, *fresh;
	const struct dkim_sig_result	*a, *b;
	char				 err[256], *m[6];
	size_t				 i, k, n, round;

	(void)state;
	opts(&o, 1);
	m[0] = sign_msg(&o, msg);			/* ed, relaxed */
	opts(&o, 0);
	o.bcanon = DKIM_CANON_SIMPLE;
	o.ltag = 1;
	m[1] = sign_msg(&o, msg);			/* rsa, simple, l= */
	m[2] = strdup(m[0]);
	*strstr(m[2], "game") = 'n';			/* body hash fails */
	m[3] = strdup(msg);				/* no signature */
	/* Two signatures, two bodies. */
	opts(&o, 1);
	assert_int_equal(dkim_sign_add(sg, &o, err, sizeof(err)), 0);
	opts(&o, 0);
	o.bcanon = DKIM_CANON_SIMPLE;
	assert_int_equal(dkim_sign_add(sg, &o, err, sizeof(err)), 0);
	dkim_sign_write(sg, msg, strlen(msg));
	assert_int_equal(dkim_sign_eom(sg, err, sizeof(err)), 0);
	n = strlen(dkim_sign_field(sg, 0)) + strlen(dkim_sign_field(sg, 1)) +
	    strlen(msg) + 1;
	m[4] = malloc(n);
	snprintf(m[4], n, "%s%s%s", dkim_sign_field(sg, 0),
	    dkim_sign_field(sg, 1), msg);
	m[5] = strdup(m[4]);
	*strstr(m[5], "lunch") = 'p';			/* both fail */
	v = dkim_verify_new(kc, NOW);
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 6; i++) {
			dkim_verify_reset(v, NOW);
			assert_int_equal(dkim_verify_count(v), 0);
			n = strlen(m[i]);
			for (k = 0; k < n; k += 1 + round * 13)
				dkim_verify_write(v, m[i] + k, n - k <
				    1 + round * 13 ? n - k : 1 + round * 13);
			dkim_verify_eom(v);
			fresh = verify_msg(kc, m[i], n, NOW, 0);
			if (dkim_verify_count(v) != dkim_verify_count(fresh))
				fail_msg("message %zu round %zu: got %zu "
				    "results, want %zu", i, round,
				    dkim_verify_count(v),
				    dkim_verify_count(fresh));
			for (k = 0; k < dkim_verify_count(v); k++) {
				a = dkim_verify_result(v, k);
				b = dkim_verify_result(fresh, k);
				if (a->result != b->result ||
				    a->reason != b->reason ||
				    a->body_len != b->body_len ||
				    strcmp(a->selector, b->selector) != 0)
					fail_msg("message %zu round %zu sig "
					    "%zu: got %s (%s), want %s (%s)",
					    i, round, k,
					    dkim_result_name(a->result),
					    a->reason != NULL ? a->reason :
					    "-", dkim_result_name(b->result),
					    b->reason != NULL ? b->reason :
					    "-");
			}
			dkim_verify_free(fresh);
		}
	}
	/* The field API after a reset. */
	dkim_verify_reset(v, NOW);
	dkim_verify_header(v, "From: Joe <joe@example.com>\r\n", 29);
	dkim_verify_eoh(v);
	dkim_verify_body(v, "x\r\n", 3);
	assert_int_equal(dkim_verify_eom(v), 0);
	assert_int_equal(dkim_verify_count(v), 0);
	dkim_verify_free(v);
	for (i = 0; i < 6; i++)
		free(m[i]);
	dkim_sign_free(sg);
	dkim_keycache_free(kc);
}

static void
test_limits(void **state)
{
	struct dkim_keycache	*kc = cache(NULL, NULL);
	struct dkim_verify	*v;
	struct dkim_sign_opts	 o;
	struct sbuf		 m;
	char			*s;
	size_t			 i;

	(void)state;
	/* 10,000 DKIM-Signature fields: 16 results, the rest counted. */
	opts(&o, 1);
	s = sign_msg(&o, msg);
	sbuf_init(&m);
	for (i = 0; i < 10000; i++)
		sbuf_adds(&m, "DKIM-Signature: v=1; a=rsa-sha256; d=x.org; "
		    "s=a; h=from; b=AAAA; bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		    "AAAAAAAAAA=\r\n");
	sbuf_adds(&m, s);
	v = verify_msg(kc, m.s, m.len, NOW, 65536);
	assert_int_equal(dkim_verify_count(v), DKIM_VERIFY_SIGS_MAX);
	assert_int_equal(dkim_verify_result(v, 0)->result,
	    DKIM_RES_PERMERROR);
	assert_string_equal(dkim_verify_result(v, 0)->reason,
	    "header block over the limits");
	dkim_verify_free(v);
	/* A 10 MB header block: bounded, every signature a permerror. */
	sbuf_reset(&m);
	sbuf_adds(&m, s);
	*strstr(m.s, "\r\n\r\n") = '\0';
	m.len = strlen(m.s);
	sbuf_adds(&m, "\r\nX-Big: ");
	for (i = 0; i < 10 * 1024; i++) {
		sbuf_reserve(&m, 1024);
		memset(m.s + m.len, 'x', 1000);
		m.len += 1000;
		sbuf_adds(&m, "\r\n ");
	}
	sbuf_adds(&m, "\r\n\r\nbody\r\n");
	v = verify_msg(kc, m.s, m.len, NOW, 65536);
	assert_int_equal(dkim_verify_count(v), 1);
	assert_int_equal(dkim_verify_result(v, 0)->result,
	    DKIM_RES_PERMERROR);
	dkim_verify_free(v);
	/* The same as one huge field, through the field API. */
	v = dkim_verify_new(kc, NOW);
	dkim_verify_header(v, m.s, m.len);
	dkim_verify_eoh(v);
	dkim_verify_eom(v);
	assert_int_equal(dkim_verify_count(v), 0);
	dkim_verify_free(v);
	sbuf_free(&m);
	free(s);
	dkim_keycache_free(kc);
}

static void
test_bad_bytes(void **state)
{
	struct dkim_keycache	*kc = cache(NULL, NULL);
	struct dkim_sign_opts	 o;
	struct dkim_verify	*v;
	char			*s, *lf;
	size_t			 i, j;
	static const char	 nul[] = "DKIM-Signature: v=1; a=rsa-sha256; "
	    "d=exa\0mple.com; s=rsa; h=from; b=AAAA; bh=AAAA\r\n"
	    "From: \0\xff\xfe\r\n\r\n\0body\xff\r\n";

	(void)state;
	v = verify_msg(kc, nul, sizeof(nul) - 1, NOW, 0);
	assert_int_equal(dkim_verify_count(v), 1);
	assert_int_equal(dkim_verify_result(v, 0)->result,
	    DKIM_RES_PERMERROR);
	assert_string_equal(dkim_verify_result(v, 0)->reason,
	    "NUL byte in tag list");
	dkim_verify_free(v);
	/* Bare LF line ends verify like CRLF. */
	opts(&o, 0);
	o.hcanon = o.bcanon = DKIM_CANON_SIMPLE;
	s = sign_msg(&o, msg);
	lf = strdup(s);
	for (i = j = 0; s[i] != '\0'; i++)
		if (s[i] != '\r')
			lf[j++] = s[i];
	lf[j] = '\0';
	expect(kc, lf, NOW, DKIM_RES_PASS, NULL);
	free(lf);
	free(s);
	dkim_keycache_free(kc);
}

static void
test_vectors(void **state)
{
	struct dkim_keyfile	*kf;
	struct dkim_keycache	*kc;
	struct dkim_verify	*v;
	struct sbuf		 m;
	char			 err[256];
	size_t			 chunk;

	(void)state;
	kf = dkim_keyfile_load(shared_path("rfc8463/keys.txt"), err,
	    sizeof(err));
	assert_non_null(kf);
	kc = dkim_keycache_new(dkim_keyfile_lookup, kf);
	slurp(shared_path("rfc8463/signed.eml"), &m);
	for (chunk = 1; chunk < 64; chunk += 5) {
		v = verify_msg(kc, m.s, m.len, NOW, chunk);
		assert_int_equal(dkim_verify_count(v), 2);
		assert_int_equal(dkim_verify_result(v, 0)->result,
		    DKIM_RES_PASS);
		assert_int_equal(dkim_verify_result(v, 1)->result,
		    DKIM_RES_PASS);
		dkim_verify_free(v);
	}
	sbuf_free(&m);
	dkim_keycache_free(kc);
	dkim_keyfile_free(kf);

	kf = dkim_keyfile_load(shared_path("rfc6376/keys.txt"), err,
	    sizeof(err));
	kc = dkim_keycache_new(dkim_keyfile_lookup, kf);
	slurp(shared_path("rfc6376/a2-signed.eml"), &m);
	v = verify_msg(kc, m.s, m.len, NOW, 0);
	assert_int_equal(dkim_verify_result(v, 0)->result, DKIM_RES_PASS);
	dkim_verify_free(v);
	sbuf_free(&m);
	slurp(shared_path("rfc6376/a2-signed-doublespace.eml"), &m);
	v = verify_msg(kc, m.s, m.len, NOW, 0);
	assert_int_equal(dkim_verify_result(v, 0)->result, DKIM_RES_FAIL);
	assert_string_equal(dkim_verify_result(v, 0)->reason,
	    "body hash did not verify");
	dkim_verify_free(v);
	sbuf_free(&m);
	dkim_keycache_free(kc);
	dkim_keyfile_free(kf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_oversigning),
		cmocka_unit_test(test_sig_rules),
		cmocka_unit_test(test_key_rules),
		cmocka_unit_test(test_time_rules),
		cmocka_unit_test(test_body_length),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_several),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_bad_bytes),
		cmocka_unit_test(test_vectors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
