/*
 * test_sign.c: signing. RFC 8463 appendix A: re-signing unsigned.eml with
 * the A.1 keys and the published tags gives both published b= values byte
 * for byte, in one pass. Default header list with oversigning, t= always,
 * x= on request, l= never by default, key loading.
 */
#include "dkim_test.h"

#include <ctype.h>

/* The b= value (whitespace removed) of the n-th DKIM-Signature in msg. */
static void
published_b(const char *msg, int n, struct sbuf *out)
{
	const char	*p = msg, *b, *e;

	for (;;) {
		if ((p = strstr(p, "DKIM-Signature:")) == NULL)
			fail_msg("signature %d not found", n);
		if (n-- == 0)
			break;
		p++;
	}
	/* b= is last in the RFC's fields; the field ends at a non-WSP line. */
	if ((b = strstr(p, " b=")) == NULL)
		fail_msg("no b=");
	b += 3;
	for (e = b; *e != '\0'; e++)
		if (e[0] == '\n' && e[1] != ' ' && e[1] != '\t')
			break;
	sbuf_init(out);
	for (; b < e; b++)
		if (!isspace((unsigned char)*b))
			sbuf_addc(out, *b);
}

static void
field_b(const char *field, struct sbuf *out)
{
	const char	*b = strstr(field, "\tb=");

	assert_non_null(b);
	sbuf_init(out);
	for (b += 3; *b != '\0'; b++)
		if (!isspace((unsigned char)*b))
			sbuf_addc(out, *b);
}

static void
resign(const char *edkey)
{
	struct sbuf		 uns, sig, want, got;
	struct dkim_key		*ek, *rk;
	struct dkim_sign	*s;
	struct dkim_sign_opts	 o;
	char			 err[256];
	size_t			 i;

	slurp(shared_path("rfc8463/unsigned.eml"), &uns);
	slurp(shared_path("rfc8463/signed.eml"), &sig);
	ek = dkim_key_load(shared_path(edkey), err, sizeof(err));
	if (ek == NULL)
		fail_msg("%s", err);
	rk = dkim_key_load(shared_path("rfc8463/test.rsa1024.pem"), err,
	    sizeof(err));
	if (rk == NULL)
		fail_msg("%s", err);
	assert_int_equal(dkim_key_alg(ek), DKIM_ALG_ED25519_SHA256);
	assert_int_equal(dkim_key_alg(rk), DKIM_ALG_RSA_SHA256);
	assert_int_equal(dkim_key_bits(rk), 1024);

	s = dkim_sign_new();
	memset(&o, 0, sizeof(o));
	o.domain = "football.example.com";
	o.identity = "@football.example.com";
	o.hcanon = o.bcanon = DKIM_CANON_RELAXED;
	o.headers = "from : to : subject : date : message-id : from : "
	    "subject : date";
	o.t = 1528637909;
	o.qtag = 1;
	o.key = ek;
	o.selector = "brisbane";
	assert_int_equal(dkim_sign_add(s, &o, err, sizeof(err)), 0);
	o.key = rk;
	o.selector = "test";
	assert_int_equal(dkim_sign_add(s, &o, err, sizeof(err)), 0);
	/* Odd chunk sizes on purpose. */
	for (i = 0; i < uns.len; i += 7)
		dkim_sign_write(s, uns.s + i, uns.len - i < 7 ? uns.len - i :
		    7);
	assert_int_equal(dkim_sign_eom(s, err, sizeof(err)), 0);

	published_b(sig.s, 0, &want);
	field_b(dkim_sign_field(s, 0), &got);
	if (strcmp(got.s, want.s) != 0)
		fail_msg("Ed25519 b=: got %s, want %s", got.s, want.s);
	sbuf_free(&want);
	sbuf_free(&got);
	published_b(sig.s, 1, &want);
	field_b(dkim_sign_field(s, 1), &got);
	if (strcmp(got.s, want.s) != 0)
		fail_msg("RSA b=: got %s, want %s", got.s, want.s);
	assert_non_null(strstr(dkim_sign_field(s, 0),
	    "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8="));
	assert_null(dkim_sign_field(s, 2));
	sbuf_free(&want);
	sbuf_free(&got);
	dkim_sign_free(s);
	dkim_key_free(ek);
	dkim_key_free(rk);
	sbuf_free(&uns);
	sbuf_free(&sig);
}

static void
test_rfc8463_resign_pem(void **state)
{
	(void)state;
	resign("rfc8463/brisbane.ed25519.pem");
}

static void
test_rfc8463_resign_seed(void **state)
{
	(void)state;
	resign("rfc8463/brisbane.ed25519.seed.b64");
}

static const char msg[] =
    "From: Joe <joe@example.com>\r\n"
    "To: Sue <sue@example.net>\r\n"
    "Subject: lunch\r\n"
    "Date: Fri, 11 Jul 2003 21:00:37 -0700\r\n"
    "Message-ID: <1@example.com>\r\n"
    "X-Unsigned: yes\r\n"
    "\r\n"
    "Hi.\r\n";

static void
test_default_headers(void **state)
{
	struct dkim_sign_opts	 o;
	struct dkim_key		*k;
	char			 err[256], *out, *h;

	(void)state;
	k = dkim_key_generate(DKIM_ALG_ED25519_SHA256, 0, err, sizeof(err));
	assert_non_null(k);
	memset(&o, 0, sizeof(o));
	o.key = k;
	o.domain = "example.com";
	o.selector = "s1";
	o.t = 1700000000;
	out = sign_msg(&o, msg);
	/* From and Subject oversigned, X-Unsigned left out, no x= or l=. */
	h = strstr(out, "h=");
	assert_non_null(h);
	assert_non_null(strstr(out, "t=1700000000;"));
	assert_null(strstr(out, " x="));
	assert_null(strstr(out, " l="));
	assert_null(strstr(out, "X-unsigned"));
	assert_non_null(strstr(out, "From:From:"));
	assert_non_null(strstr(out, "Subject:Subject:"));
	assert_non_null(strstr(out, "c=simple/simple;"));
	free(out);
	o.expire = 86400;
	o.ltag = 1;
	out = sign_msg(&o, msg);
	assert_non_null(strstr(out, "x=1700086400;"));
	assert_non_null(strstr(out, "l=5;"));
	free(out);
	dkim_key_free(k);
}

static void
test_sign_errors(void **state)
{
	static const char	nofrom[] = "To: b@example.org\r\n"
	    "Subject: hi\r\n\r\nbody\r\n";
	struct dkim_sign	*s = dkim_sign_new();
	struct dkim_sign_opts	 o;
	struct dkim_key		*k;
	char			 err[256];

	(void)state;
	k = dkim_key_generate(DKIM_ALG_ED25519_SHA256, 0, err, sizeof(err));
	memset(&o, 0, sizeof(o));
	o.key = k;
	o.selector = "s";
	o.domain = "exa mple.com";
	assert_int_equal(dkim_sign_add(s, &o, err, sizeof(err)), -1);
	o.domain = "example.com";
	o.identity = "@example.org";
	assert_int_equal(dkim_sign_add(s, &o, err, sizeof(err)), -1);
	o.identity = "@sub.example.com";
	o.headers = "to:subject";
	assert_int_equal(dkim_sign_add(s, &o, err, sizeof(err)), -1);
	o.headers = NULL;
	assert_int_equal(dkim_sign_add(s, &o, err, sizeof(err)), 0);
	/* A message without From cannot be signed (RFC 6376 5.4). */
	dkim_sign_write(s, nofrom, sizeof(nofrom) - 1);
	err[0] = '\0';
	assert_int_equal(dkim_sign_eom(s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no From field"));
	assert_null(dkim_sign_field(s, 0));
	dkim_sign_free(s);
	dkim_key_free(k);
	assert_null(dkim_key_from_mem("garbage", 7, err, sizeof(err)));
	assert_null(dkim_key_from_mem("-----BEGIN PRIVATE KEY-----\nAAAA\n"
	    "-----END PRIVATE KEY-----\n", 59, err, sizeof(err)));
	assert_null(dkim_key_generate(DKIM_ALG_RSA_SHA256, 512, err,
	    sizeof(err)));
	assert_null(dkim_key_load("/nonexistent/key", err, sizeof(err)));
}

/* Selectors and domains: DNS labels, so never a path (issue 9). */
static void
test_names(void **state)
{
	static const struct {
		const char	*sel, *dom;
		int		 ok;
	} cases[] = {
		{ "s1", "example.com", 0 },
		{ "2026-01._x", "mail.example.com", 0 },
		{ "a.b", "example.com", 0 },
		{ "../x", "example.com", -1 },
		{ "a/b", "example.com", -1 },
		{ "..", "example.com", -1 },
		{ "", "example.com", -1 },
		{ "s", "bad domain", -1 },
		{ "s", "example..com", -1 },
		{ "s", "", -1 },
		{ "s", "example.com/..", -1 },
		{ "s", "exa\nmple.com", -1 },
	};
	char	err[256];
	size_t	i;
	int	rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		rc = dkim_names_check(cases[i].sel, cases[i].dom, err,
		    sizeof(err));
		if (rc != cases[i].ok)
			fail_msg("'%s' '%s': got %d (%s), want %d",
			    cases[i].sel, cases[i].dom, rc, err, cases[i].ok);
		if (rc == -1 && strstr(err, "invalid") == NULL)
			fail_msg("'%s' '%s': no reason: '%s'", cases[i].sel,
			    cases[i].dom, err);
	}
}

static void
test_key_record(void **state)
{
	struct dkim_key		*k;
	struct dkim_pubkey	 pk;
	char			 err[256], *rec;
	const char		*why = NULL;

	(void)state;
	k = dkim_key_load(shared_path("rfc8463/brisbane.ed25519.pem"), err,
	    sizeof(err));
	assert_non_null(k);
	rec = dkim_key_record(k);
	/* The record published in RFC 8463 A.2. */
	assert_string_equal(rec, "v=DKIM1; k=ed25519; "
	    "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
	free(rec);
	dkim_key_free(k);
	k = dkim_key_generate(DKIM_ALG_RSA_SHA256, 1024, err, sizeof(err));
	rec = dkim_key_record(k);
	assert_int_equal(dkim_pubkey_parse(rec, strlen(rec), &pk, &why), 0);
	assert_int_equal(pk.bits, 1024);
	dkim_pubkey_clear(&pk);
	free(rec);
	dkim_key_free(k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc8463_resign_pem),
		cmocka_unit_test(test_rfc8463_resign_seed),
		cmocka_unit_test(test_default_headers),
		cmocka_unit_test(test_sign_errors),
		cmocka_unit_test(test_key_record),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
