/*
 * bench_dkim.c: DKIM messages per CPU second for fairlist and for the
 * OpenSSL ceiling, one cell per run.
 *
 *   bench_dkim fairlist|ceiling sign|verify MSG KEY SELECTOR KEYS SECONDS
 *
 * MSG is the unsigned message for sign and the signed one for verify; KEY
 * the private key (PEM); KEYS the key file (TestPublicKeys format). The
 * ceiling does only what any DKIM implementation must: SHA-256 of the
 * body and of the header block, and the RSA or Ed25519 operation, with
 * the key parsed once and the digest method fetched once. fairlist does
 * the whole job: header split, canonicalization (relaxed/relaxed), tag
 * parsing, key cache lookup, the signature field; verify uses one verifier
 * reset between messages, as a milter connection does. Prints both rates.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "core/buf.h"
#include "dkim/dkim.h"

static double
cpu_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE	*f = fopen(path, "rb");
	char	*b;
	long	 n;

	if (f == NULL) {
		perror(path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	b = malloc((size_t)n + 1);
	if (fread(b, 1, (size_t)n, f) != (size_t)n)
		exit(1);
	b[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return b;
}

static const char	*msg, *keyp, *sel, *keysp;
static size_t		 msglen;

/* ---- fairlist ---- */

static struct dkim_key		*fl_key;
static struct dkim_keycache	*fl_kc;

static int
fl_sign(void)
{
	struct dkim_sign	*s = dkim_sign_new();
	struct dkim_sign_opts	 o;
	char			 err[256];
	int			 ok;

	memset(&o, 0, sizeof(o));
	o.key = fl_key;
	o.domain = "example.com";
	o.selector = sel;
	o.hcanon = o.bcanon = DKIM_CANON_RELAXED;
	o.t = -1;
	dkim_sign_add(s, &o, err, sizeof(err));
	dkim_sign_write(s, msg, msglen);
	ok = dkim_sign_eom(s, err, sizeof(err)) == 0 &&
	    dkim_sign_field(s, 0) != NULL;
	dkim_sign_free(s);
	return ok;
}

/* One verifier for every message, reset in between, as a connection. */
static int
fl_verify(void)
{
	static struct dkim_verify	*v;

	if (v == NULL)
		v = dkim_verify_new(fl_kc, time(NULL));
	else
		dkim_verify_reset(v, time(NULL));
	dkim_verify_write(v, msg, msglen);
	return dkim_verify_eom(v) == 1;
}

/* ---- OpenSSL ceiling ---- */

static EVP_MD		*c_md;
static EVP_PKEY		*c_priv, *c_pub;
static EVP_PKEY_CTX	*c_ctx;
static EVP_MD_CTX	*c_mctx;
static int		 c_ed;
static size_t		 c_hlen;		/* header block length */
static unsigned char	 c_sig[1024];
static size_t		 c_siglen;

static void
c_hash(unsigned char *bh, unsigned char *hh)
{
	unsigned int	n;

	EVP_Digest(msg + c_hlen, msglen - c_hlen, bh, &n, c_md, NULL);
	EVP_Digest(msg, c_hlen, hh, &n, c_md, NULL);
}

static int
c_sign(void)
{
	unsigned char	bh[32], hh[32];
	size_t		len = sizeof(c_sig);

	c_hash(bh, hh);
	if (c_ed)
		return EVP_DigestSignInit(c_mctx, NULL, NULL, NULL,
		    c_priv) == 1 && EVP_DigestSign(c_mctx, c_sig, &len, hh,
		    32) == 1;
	return EVP_PKEY_sign(c_ctx, c_sig, &len, hh, 32) == 1;
}

static int
c_verify(void)
{
	unsigned char	bh[32], hh[32];

	c_hash(bh, hh);
	if (c_ed)
		return EVP_DigestVerifyInit(c_mctx, NULL, NULL, NULL,
		    c_pub) == 1 && EVP_DigestVerify(c_mctx, c_sig, c_siglen,
		    hh, 32) == 1;
	return EVP_PKEY_verify(c_ctx, c_sig, c_siglen, hh, 32) == 1;
}

static void
c_setup(int verify)
{
	FILE		*f = fopen(keyp, "r");
	const char	*e;
	unsigned char	 hh[32], bh[32];
	size_t		 len = sizeof(c_sig);

	c_md = EVP_MD_fetch(NULL, "SHA256", NULL);
	c_priv = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	c_ed = EVP_PKEY_get_base_id(c_priv) == EVP_PKEY_ED25519;
	{
		/* A public-only key, as a verifier has. */
		unsigned char		*der = NULL;
		const unsigned char	*dp;
		int			 dl = i2d_PUBKEY(c_priv, &der);

		dp = der;
		c_pub = d2i_PUBKEY(NULL, &dp, dl);
		OPENSSL_free(der);
	}
	c_mctx = EVP_MD_CTX_new();
	e = strstr(msg, "\r\n\r\n");
	c_hlen = e != NULL ? (size_t)(e - msg) + 4 : msglen;
	if (!c_ed) {
		c_ctx = EVP_PKEY_CTX_new_from_pkey(NULL, verify ? c_pub :
		    c_priv, NULL);
		if (verify)
			EVP_PKEY_verify_init(c_ctx);
		else
			EVP_PKEY_sign_init(c_ctx);
		EVP_PKEY_CTX_set_rsa_padding(c_ctx, RSA_PKCS1_PADDING);
		EVP_PKEY_CTX_set_signature_md(c_ctx, c_md);
	}
	if (verify) {
		/* A valid signature of this header hash to check. */
		c_hash(bh, hh);
		if (c_ed) {
			EVP_DigestSignInit(c_mctx, NULL, NULL, NULL, c_priv);
			EVP_DigestSign(c_mctx, c_sig, &len, hh, 32);
		} else {
			EVP_PKEY_CTX	*s = EVP_PKEY_CTX_new_from_pkey(NULL,
			    c_priv, NULL);

			EVP_PKEY_sign_init(s);
			EVP_PKEY_CTX_set_rsa_padding(s, RSA_PKCS1_PADDING);
			EVP_PKEY_CTX_set_signature_md(s, c_md);
			EVP_PKEY_sign(s, c_sig, &len, hh, 32);
			EVP_PKEY_CTX_free(s);
		}
		c_siglen = len;
	}
}

/*
 * Run fn for about secs of CPU time in rounds that alternate with the
 * other side, so that both see the same machine load. Returns msgs/s.
 */
static void
pair(int (*a)(void), int (*b)(void), double secs, double *ra, double *rb)
{
	double	ta = 0, tb = 0, t0;
	long	na = 0, nb = 0, i;

	while (ta + tb < 2 * secs) {
		t0 = cpu_now();
		for (i = 0; i < 8; i++)
			if (!a())
				exit(1);
		ta += cpu_now() - t0;
		na += 8;
		t0 = cpu_now();
		for (i = 0; i < 8; i++)
			if (!b())
				exit(1);
		tb += cpu_now() - t0;
		nb += 8;
	}
	*ra = (double)na / ta;
	*rb = (double)nb / tb;
}

int
main(int argc, char **argv)
{
	double		 secs, rc, rf;
	char		 err[256];
	int		 verify;
	struct dkim_keyfile *kf;

	if (argc != 7) {
		fprintf(stderr, "usage: bench_dkim sign|verify MSG KEY "
		    "SELECTOR KEYS SECONDS\n"
		    "prints: ceiling_msgs/s fairlist_msgs/s\n");
		return 2;
	}
	verify = strcmp(argv[1], "verify") == 0;
	msg = slurp(argv[2], &msglen);
	keyp = argv[3];
	sel = argv[4];
	keysp = argv[5];
	secs = atof(argv[6]);
	if ((kf = dkim_keyfile_load(keysp, err, sizeof(err))) == NULL ||
	    (fl_key = dkim_key_load(keyp, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	fl_kc = dkim_keycache_new(dkim_keyfile_lookup, kf);
	c_setup(verify);
	if (!(verify ? fl_verify() : fl_sign()) ||
	    !(verify ? c_verify() : c_sign())) {
		fprintf(stderr, "bench_dkim: %s: first message failed\n",
		    argv[1]);
		return 1;
	}
	if (getenv("BENCH_COUNT") != NULL) {
		/*
		 * For callgrind: BENCH_COUNT more messages on one side
		 * (BENCH_ONLY, fairlist by default), no clock, no output.
		 */
		const char	*o = getenv("BENCH_ONLY");
		int		 f = o == NULL || strcmp(o, "ceiling") != 0;
		int		 (*fn)(void) = verify ? (f ? fl_verify :
				    c_verify) : (f ? fl_sign : c_sign);
		long		 n = atol(getenv("BENCH_COUNT")), i;

		for (i = 0; i < n; i++)
			if (!fn())
				return 1;
		return 0;
	}
	if (getenv("BENCH_ONLY") != NULL) {
		/* For profiling one side: BENCH_ONLY=fairlist|ceiling. */
		int	f = strcmp(getenv("BENCH_ONLY"), "fairlist") == 0;
		int	(*fn)(void) = verify ? (f ? fl_verify : c_verify) :
			    (f ? fl_sign : c_sign);

		pair(fn, fn, secs, &rc, &rf);
	} else if (verify)
		pair(c_verify, fl_verify, secs, &rc, &rf);
	else
		pair(c_sign, fl_sign, secs, &rc, &rf);
	printf("%.0f %.0f\n", rc, rf);
	return 0;
}
