/*
 * cmd_dkim.c: "fairlist dkim keygen|sign|verify".
 *
 * keygen writes a private key (PEM, mode 0600) and its DNS record; sign
 * reads a message on stdin and writes it with one DKIM-Signature per
 * --key prepended; verify checks every signature of a message on stdin,
 * prints one line per signature and an Authentication-Results field (or
 * JSON), and exits 0 only if at least one signature passes. Keys come
 * from a key file (--keys, the TestPublicKeys format) or from DNS.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "core/buf.h"
#include "core/sockaddr.h"
#include "core/str.h"
#include "dkim/dkim.h"
#include "dmarc/dmarc.h"
#include "dns/resolver.h"

#define CHUNK		(64 * 1024)
#define MAX_KEYS	DKIM_SIGN_SIGS_MAX

static void
usage_keygen(FILE *f)
{
	fprintf(f, "usage: fairlist dkim keygen --algorithm rsa|ed25519 "
	    "[--bits N] --selector S\n"
	    "                     --domain D --out DIR\n"
	    "Writes DIR/S.private (PEM, mode 0600) and DIR/S.txt (the key\n"
	    "record in key-file format) and prints the DNS TXT record.\n"
	    "DIR is made (mode 0700) if it does not exist.\n"
	    "  --bits N   RSA modulus size, default %d\n",
	    DKIM_RSA_DEFAULT_BITS);
}

static void
usage_sign(FILE *f)
{
	fprintf(f, "usage: fairlist dkim sign --key FILE --selector S "
	    "--domain D [options] < msg > signed\n"
	    "  --key FILE        private key (PEM, or a base64 Ed25519 "
	    "seed); repeat\n"
	    "                    --key/--selector pairs to sign several "
	    "times in one pass\n"
	    "  --selector S      selector (one for all keys, or one per "
	    "key, in order)\n"
	    "  --domain D        signing domain d=\n"
	    "  --algorithm A     rsa-sha256|ed25519-sha256 (checked "
	    "against the key)\n"
	    "  --canon H/B       simple|relaxed, default relaxed/relaxed\n"
	    "  --identity I      i= (e.g. @mail.example.com)\n"
	    "  --headers LIST    h= as written, e.g. 'from:to:subject' "
	    "(default: the\n"
	    "                    usual list, From and Subject oversigned)\n"
	    "  --time T          t= (Unix seconds, default now)\n"
	    "  --expire DUR      x= = t + DUR (e.g. 7d)\n"
	    "  --query-tag       write q=dns/txt\n"
	    "  --body-length     write l= (not recommended)\n");
}

static void
usage_verify(FILE *f)
{
	fprintf(f, "usage: fairlist dkim verify [--keys FILE] [--json] "
	    "[--authserv-id ID]\n"
	    "                     [--time T] [--timeout MS] "
	    "[--resolver IP[:PORT],...] < msg\n"
	    "  --keys FILE   key records, one per line: "
	    "'sel._domainkey.dom record'\n"
	    "                (default: DNS, the system resolvers or "
	    "--resolver)\n"
	    "  --timeout MS  DNS timeout per try (two tries), default "
	    "5000\n"
	    "  --time T      verify as of Unix time T (default now)\n"
	    "Prints one line per signature and an Authentication-Results "
	    "field.\n"
	    "Exit status: 0 if a signature passes, 1 if none does, 2 on "
	    "usage errors.\n");
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: fairlist dkim keygen|sign|verify [--help]\n");
	usage_keygen(f);
	usage_sign(f);
	usage_verify(f);
}

/* Read all of stdin. Returns 0 or -1. */
static int
read_stdin(struct sbuf *b)
{
	size_t	n;

	for (;;) {
		sbuf_reserve(b, CHUNK);
		n = fread(b->s + b->len, 1, CHUNK, stdin);
		b->len += n;
		b->s[b->len] = '\0';
		if (n < CHUNK)
			break;
	}
	if (ferror(stdin)) {
		cli_err("dkim", "error reading stdin");
		return -1;
	}
	return 0;
}

static int
parse_alg(const char *s, enum dkim_alg *a)
{
	if (strcmp(s, "rsa") == 0 || strcmp(s, "rsa-sha256") == 0)
		*a = DKIM_ALG_RSA_SHA256;
	else if (strcmp(s, "ed25519") == 0 ||
	    strcmp(s, "ed25519-sha256") == 0)
		*a = DKIM_ALG_ED25519_SHA256;
	else
		return -1;
	return 0;
}

static int
dkim_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "algorithm", required_argument, NULL, 'a' },
		{ "bits", required_argument, NULL, 'b' },
		{ "selector", required_argument, NULL, 's' },
		{ "domain", required_argument, NULL, 'd' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	enum dkim_alg	 alg = DKIM_ALG_NONE;
	const char	*sel = NULL, *dom = NULL, *out = NULL, *errstr;
	int		 ch, bits = DKIM_RSA_DEFAULT_BITS;
	char		 err[256], path[4096], *rec;
	struct dkim_key	*k;
	FILE		*f;
	size_t		 i, n;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			if (parse_alg(optarg, &alg) == -1) {
				cli_err("dkim keygen",
				    "unknown algorithm '%s'", optarg);
				return 2;
			}
			break;
		case 'b':
			bits = (int)str_tonum(optarg, DKIM_RSA_MIN_BITS,
			    DKIM_RSA_MAX_BITS, &errstr);
			if (errstr != NULL) {
				cli_err("dkim keygen", "bits "
				    "%s: %s", optarg, errstr);
				return 2;
			}
			break;
		case 's':
			sel = optarg;
			break;
		case 'd':
			dom = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			usage_keygen(stdout);
			return 0;
		default:
			return cli_opt_err("dkim keygen", ch, argv);
		}
	}
	if (alg == DKIM_ALG_NONE || sel == NULL || dom == NULL ||
	    out == NULL || optind != argc) {
		if (optind != argc)
			cli_err("dkim keygen", "unexpected argument '%s' (see "
			    "'fairlist dkim keygen --help')", argv[optind]);
		else
			cli_err("dkim keygen", "--algorithm, --selector, "
			    "--domain and --out are required (see 'fairlist "
			    "dkim keygen --help')");
		return 2;
	}
	/* The selector names files in DIR: no '/', no "..". */
	if (dkim_names_check(sel, dom, err, sizeof(err)) == -1) {
		cli_err("dkim keygen", "%s", err);
		return 2;
	}
	/* A missing key folder is made, private to its owner. */
	if (mkdir(out, 0700) == -1 && errno != EEXIST) {
		cli_err("dkim keygen", "%s: %s", out,
		    strerror(errno));
		return 1;
	}
	if ((k = dkim_key_generate(alg, bits, err, sizeof(err))) == NULL) {
		cli_err("dkim keygen", "%s", err);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/%s.private", out, sel);
	if (dkim_key_write_pem(k, path, err, sizeof(err)) == -1) {
		cli_err("dkim keygen", "%s", err);
		dkim_key_free(k);
		return 1;
	}
	rec = dkim_key_record(k);
	dkim_key_free(k);
	snprintf(path, sizeof(path), "%s/%s.txt", out, sel);
	if ((f = fopen(path, "w")) == NULL ||
	    fprintf(f, "%s._domainkey.%s %s\n", sel, dom, rec) < 0 ||
	    fclose(f) != 0) {
		cli_err("dkim keygen", "cannot write %s",
		    path);
		free(rec);
		return 1;
	}
	/* Zone file form: TXT strings of at most 255 bytes. */
	printf("%s._domainkey.%s. IN TXT (", sel, dom);
	n = strlen(rec);
	for (i = 0; i < n; i += 250)
		printf(" \"%.*s\"", (int)(n - i < 250 ? n - i : 250), rec + i);
	printf(" )\n");
	free(rec);
	return 0;
}

static int
dkim_signcmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "selector", required_argument, NULL, 's' },
		{ "domain", required_argument, NULL, 'd' },
		{ "algorithm", required_argument, NULL, 'a' },
		{ "canon", required_argument, NULL, 'c' },
		{ "identity", required_argument, NULL, 'i' },
		{ "headers", required_argument, NULL, 'H' },
		{ "time", required_argument, NULL, 't' },
		{ "expire", required_argument, NULL, 'x' },
		{ "query-tag", no_argument, NULL, 'q' },
		{ "body-length", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char		*keyp[MAX_KEYS], *sels[MAX_KEYS], *errstr;
	size_t			 nkeys = 0, nsels = 0, i;
	struct dkim_key		*keys[MAX_KEYS];
	struct dkim_sign_opts	 o;
	enum dkim_alg		 alg = DKIM_ALG_NONE;
	int			 ch, rc = 1, lf;
	int64_t			 d;
	char			 err[256];
	struct sbuf		 msg;
	struct dkim_sign	*s = NULL;
	const char		*fld;

	memset(&o, 0, sizeof(o));
	o.hcanon = o.bcanon = DKIM_CANON_RELAXED;
	o.t = -1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (ch) {
		case 'k':
		case 's':
			if ((ch == 'k' ? nkeys : nsels) == MAX_KEYS) {
				cli_err("dkim sign", "at most "
				    "%d keys", MAX_KEYS);
				return 2;
			}
			if (ch == 'k')
				keyp[nkeys++] = optarg;
			else
				sels[nsels++] = optarg;
			break;
		case 'd':
			o.domain = optarg;
			break;
		case 'a':
			if (parse_alg(optarg, &alg) == -1) {
				cli_err("dkim sign", "unknown "
				    "algorithm '%s'", optarg);
				return 2;
			}
			break;
		case 'c':
			if (dkim_canon_parse(optarg, strlen(optarg), &o.hcanon,
			    &o.bcanon) == -1) {
				cli_err("dkim sign", "bad "
				    "canonicalization '%s'", optarg);
				return 2;
			}
			break;
		case 'i':
			o.identity = optarg;
			break;
		case 'H':
			o.headers = optarg;
			break;
		case 't':
			o.t = str_tonum(optarg, 0, 999999999999LL, &errstr);
			if (errstr != NULL) {
				cli_err("dkim sign", "time %s:"
				    " %s", optarg, errstr);
				return 2;
			}
			break;
		case 'x':
			if (str_duration(optarg, &d) == -1 || d <= 0) {
				cli_err("dkim sign", "bad "
				    "duration '%s'", optarg);
				return 2;
			}
			o.expire = d;
			break;
		case 'q':
			o.qtag = 1;
			break;
		case 'l':
			o.ltag = 1;
			break;
		case 'h':
			usage_sign(stdout);
			return 0;
		default:
			return cli_opt_err("dkim sign", ch, argv);
		}
	}
	if (nkeys == 0 || o.domain == NULL || optind != argc ||
	    (nsels != 1 && nsels != nkeys)) {
		cli_err("dkim sign", "%s (see 'fairlist dkim sign --help')",
		    optind != argc ? "unexpected argument" : nsels != 1 &&
		    nkeys > 0 && o.domain != NULL ? "one --selector, or one "
		    "per --key" : "--key, --selector and --domain are "
		    "required");
		return 2;
	}
	memset(keys, 0, sizeof(keys));
	sbuf_init(&msg);
	s = dkim_sign_new();
	for (i = 0; i < nkeys; i++) {
		if ((keys[i] = dkim_key_load(keyp[i], err,
		    sizeof(err))) == NULL) {
			cli_err("dkim sign", "%s", err);
			goto out;
		}
		if (alg != DKIM_ALG_NONE && dkim_key_alg(keys[i]) != alg) {
			cli_err("dkim sign", "%s is not an "
			    "%s key", keyp[i], dkim_alg_name(alg));
			goto out;
		}
		o.key = keys[i];
		o.selector = sels[nsels == 1 ? 0 : i];
		if (dkim_sign_add(s, &o, err, sizeof(err)) == -1) {
			cli_err("dkim sign", "%s", err);
			goto out;
		}
	}
	if (read_stdin(&msg) == -1)
		goto out;
	for (i = 0; i < msg.len; i += CHUNK)
		dkim_sign_write(s, msg.s + i, msg.len - i < CHUNK ?
		    msg.len - i : CHUNK);
	if (dkim_sign_eom(s, err, sizeof(err)) == -1) {
		cli_err("dkim sign", "%s", err);
		goto out;
	}
	/* Keep the message's own line ends. */
	{
		const char	*nl = memchr(msg.s, '\n', msg.len);

		lf = nl != NULL && (nl == msg.s || nl[-1] != '\r');
	}
	for (i = 0; (fld = dkim_sign_field(s, i)) != NULL; i++) {
		for (; *fld != '\0'; fld++)
			if (!(lf && *fld == '\r'))
				putchar(*fld);
	}
	if (msg.len > 0)
		fwrite(msg.s, 1, msg.len, stdout);
	rc = fflush(stdout) == 0 ? 0 : 1;
out:
	dkim_sign_free(s);
	for (i = 0; i < nkeys; i++)
		dkim_key_free(keys[i]);
	sbuf_free(&msg);
	return rc;
}

static json_t *
result_json(const struct dkim_sig_result *r)
{
	json_t	*o = json_object();

	json_object_set_new(o, "result", json_string(dkim_result_name(
	    r->result)));
	json_object_set_new(o, "reason", str_json(r->reason));
	json_object_set_new(o, "domain", str_json(r->domain));
	json_object_set_new(o, "selector", str_json(r->selector));
	json_object_set_new(o, "identity", str_json(r->identity));
	json_object_set_new(o, "algorithm", json_string(dkim_alg_name(
	    r->alg)));
	json_object_set_new(o, "b", str_json(r->bprefix));
	json_object_set_new(o, "key_bits", json_integer(r->key_bits));
	json_object_set_new(o, "testing", json_boolean(r->testing));
	json_object_set_new(o, "l", r->has_l ? json_integer((json_int_t)
	    r->l) : json_null());
	json_object_set_new(o, "body_length", json_integer((json_int_t)
	    r->body_len));
	json_object_set_new(o, "body_longer_than_l",
	    json_boolean(r->body_extra));
	return o;
}

static int
dkim_verifycmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "keys", required_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'j' },
		{ "authserv-id", required_argument, NULL, 'A' },
		{ "time", required_argument, NULL, 't' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "resolver", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char			*keysp = NULL, *errstr;
	const char			*servers = NULL;
	struct dns_resolver		*res = NULL;
	char				 authserv[256], err[256], *ar;
	int				 ch, json = 0, timeout = 5000, npass;
	time_t				 now = time(NULL);
	struct dkim_keyfile		*kf = NULL;
	struct dkim_keycache		*kc;
	struct dkim_verify		*v;
	struct sbuf			 msg;
	size_t				 i, n;
	const struct dkim_sig_result	*r;

	if (gethostname(authserv, sizeof(authserv)) == -1)
		str_lcpy(authserv, "localhost", sizeof(authserv));
	authserv[sizeof(authserv) - 1] = '\0';
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (ch) {
		case 'k':
			keysp = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'A':
			str_lcpy(authserv, optarg, sizeof(authserv));
			break;
		case 't':
			now = (time_t)str_tonum(optarg, 0, 999999999999LL,
			    &errstr);
			if (errstr != NULL) {
				cli_err("dkim verify", "time "
				    "%s: %s", optarg, errstr);
				return 2;
			}
			break;
		case 'T':
			timeout = (int)str_tonum(optarg, 1, 60000, &errstr);
			if (errstr != NULL) {
				cli_err("dkim verify",
				    "timeout %s: %s", optarg, errstr);
				return 2;
			}
			break;
		case 'R':
			servers = optarg;
			break;
		case 'h':
			usage_verify(stdout);
			return 0;
		default:
			return cli_opt_err("dkim verify", ch, argv);
		}
	}
	if (optind != argc) {
		cli_err("dkim verify", "unexpected argument '%s' (see "
		    "'fairlist dkim verify --help')", argv[optind]);
		return 2;
	}
	if (servers != NULL &&
	    sa_servers_check(servers, 53, err, sizeof(err)) == -1) {
		cli_err("dkim verify", "--resolver: %s", err);
		return 2;
	}
	if (keysp != NULL) {
		if ((kf = dkim_keyfile_load(keysp, err, sizeof(err))) ==
		    NULL) {
			cli_err("dkim verify", "%s", err);
			return 1;
		}
		kc = dkim_keycache_new(dkim_keyfile_lookup, kf);
	} else {
		/* timeout is per try; the resolver tries twice. */
		if ((res = dns_resolver_new(servers, timeout, err,
		    sizeof(err))) == NULL) {
			cli_err("dkim verify", "%s", err);
			return 1;
		}
		kc = dkim_keycache_new(dkim_dns_lookup, res);
	}
	sbuf_init(&msg);
	if (read_stdin(&msg) == -1) {
		dkim_keycache_free(kc);
		dkim_keyfile_free(kf);
		dns_resolver_free(res);
		return 1;
	}
	v = dkim_verify_new(kc, now);
	for (i = 0; i < msg.len; i += CHUNK)
		dkim_verify_write(v, msg.s + i, msg.len - i < CHUNK ?
		    msg.len - i : CHUNK);
	npass = dkim_verify_eom(v);
	n = dkim_verify_count(v);
	ar = dmarc_ar_dkim(v, authserv);
	if (json) {
		json_t	*o = json_object(), *a = json_array();

		for (i = 0; i < n; i++)
			json_array_append_new(a, result_json(
			    dkim_verify_result(v, i)));
		json_object_set_new(o, "signatures", a);
		json_object_set_new(o, "not_checked", json_integer(
		    (json_int_t)dkim_verify_skipped(v)));
		json_object_set_new(o, "authentication_results",
		    str_json(ar));
		if (cli_json_print(o, 0) == -1)
			npass = 0;
	} else {
		for (i = 0; i < n; i++) {
			r = dkim_verify_result(v, i);
			printf("%s d=%s s=%s a=%s b=%.8s", dkim_result_name(
			    r->result), r->domain[0] ? r->domain : "?",
			    r->selector[0] ? r->selector : "?",
			    dkim_alg_name(r->alg), r->bprefix);
			if (r->testing)
				printf(" testing");
			if (r->body_extra)
				printf(" l=%llu body=%llu",
				    (unsigned long long)r->l,
				    (unsigned long long)r->body_len);
			if (r->reason != NULL)
				printf(" (%s)", r->reason);
			printf("\n");
		}
		if (n == 0)
			printf("none (no DKIM-Signature)\n");
		if (dkim_verify_skipped(v) > 0)
			printf("%zu more signatures not checked (limit %d)\n",
			    dkim_verify_skipped(v), DKIM_VERIFY_SIGS_MAX);
		/* The field with LF line ends, for a terminal or a file. */
		for (i = 0; ar[i] != '\0'; i++)
			if (ar[i] != '\r')
				putchar(ar[i]);
	}
	free(ar);
	dkim_verify_free(v);
	dkim_keycache_free(kc);
	dkim_keyfile_free(kf);
	dns_resolver_free(res);
	sbuf_free(&msg);
	return npass > 0 ? 0 : 1;
}

int
cmd_dkim(struct cli *c, int argc, char **argv)
{
	(void)c;
	if (argc < 2) {
		cli_err("dkim", "keygen, sign or verify? (see 'fairlist dkim "
		    "--help')");
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "keygen") == 0)
		return dkim_keygen(argc - 1, argv + 1);
	if (strcmp(argv[1], "sign") == 0)
		return dkim_signcmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "verify") == 0)
		return dkim_verifycmd(argc - 1, argv + 1);
	cli_err("dkim", "unknown subcommand '%s' (keygen, sign or verify)",
	    argv[1]);
	return 2;
}
