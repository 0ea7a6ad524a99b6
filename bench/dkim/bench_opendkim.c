/*
 * bench_opendkim.c: DKIM messages per CPU second for libopendkim
 * (Debian libopendkim-dev), one cell per run, the same cells as
 * bench_dkim.c.
 *
 *   bench_opendkim sign|verify MSG KEY SELECTOR KEYS SECONDS
 *
 * Signing hands libopendkim the PEM text, which it parses per message
 * (its API takes the key that way). Verifying reads keys from the key
 * file (DKIM_QUERY_FILE), as its test mode does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <opendkim/dkim.h>

static double
cpu_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE		*f = fopen(path, "rb");
	unsigned char	*b;
	long		 n;

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

static DKIM_LIB		*lib;
static unsigned char	*msg, *key;
static size_t		 msglen, keylen;
static const char	*sel;
static dkim_alg_t	 alg;

static int
od_sign(void)
{
	DKIM_STAT	 st;
	DKIM		*d;
	unsigned char	*hdr;
	size_t		 len;
	int		 ok;

	d = dkim_sign(lib, (const unsigned char *)"bench", NULL, key,
	    (const unsigned char *)sel, (const unsigned char *)"example.com",
	    DKIM_CANON_RELAXED, DKIM_CANON_RELAXED, alg, -1, &st);
	if (d == NULL)
		return 0;
	dkim_chunk(d, msg, msglen);
	dkim_chunk(d, NULL, 0);
	ok = dkim_eom(d, NULL) == DKIM_STAT_OK &&
	    dkim_getsighdr_d(d, 16, &hdr, &len) == DKIM_STAT_OK;
	dkim_free(d);
	return ok;
}

static int
od_verify(void)
{
	DKIM_STAT	 st;
	DKIM		*d;
	DKIM_SIGINFO	*sig;
	int		 ok;

	d = dkim_verify(lib, (const unsigned char *)"bench", NULL, &st);
	if (d == NULL)
		return 0;
	dkim_chunk(d, msg, msglen);
	dkim_chunk(d, NULL, 0);
	ok = dkim_eom(d, NULL) == DKIM_STAT_OK &&
	    (sig = dkim_getsignature(d)) != NULL && DKIM_SIG_CHECK(sig);
	dkim_free(d);
	return ok;
}

int
main(int argc, char **argv)
{
	int		(*fn)(void);
	double		 secs, t0, t;
	long		 n = 0, i;
	int		 q = DKIM_QUERY_FILE;

	if (argc != 7) {
		fprintf(stderr, "usage: bench_opendkim sign|verify MSG KEY "
		    "SELECTOR KEYS SECONDS\n");
		return 2;
	}
	msg = slurp(argv[2], &msglen);
	key = slurp(argv[3], &keylen);
	sel = argv[4];
	secs = atof(argv[6]);
	alg = strstr((char *)key, "BEGIN RSA") != NULL ||
	    keylen > 400 ? DKIM_SIGN_RSASHA256 : DKIM_SIGN_ED25519SHA256;
	lib = dkim_init(NULL, NULL);
	dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYMETHOD, &q,
	    sizeof(q));
	dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYINFO, argv[5],
	    strlen(argv[5]));
	fn = strcmp(argv[1], "verify") == 0 ? od_verify : od_sign;
	if (!fn()) {
		fprintf(stderr, "bench_opendkim: %s: first message failed\n",
		    argv[1]);
		return 1;
	}
	t0 = cpu_now();
	do {
		for (i = 0; i < 16; i++)
			if (!fn())
				return 1;
		n += 16;
		t = cpu_now() - t0;
	} while (t < secs);
	printf("%.0f\n", (double)n / t);
	dkim_close(lib);
	return 0;
}
