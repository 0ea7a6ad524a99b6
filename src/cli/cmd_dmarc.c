/*
 * cmd_dmarc.c: "fairlist dmarc": evaluate DMARC (RFC 7489) for a From
 * address or domain against given SPF and DKIM results, looking the
 * policy up in DNS.
 *
 *   fairlist dmarc check --from ADDR|DOMAIN [--spf-domain D --spf RESULT]
 *       [--dkim DOMAIN:RESULT ...] [--dns-server IP[:PORT],...]
 *       [--timeout MS] [--psl FILE] [--authserv-id ID] [--json]
 *
 * The lookups go through c-ares (dns/resolver.c) to the system's
 * resolvers or --dns-server, with the same deadline as `fairlist spf`.
 * Prints the result, the record that applied, the alignment, the
 * disposition, the 550 text for a reject and the Authentication-Results
 * field; exits 0 whatever the DMARC result, 1 when the public suffix
 * list or the resolver cannot be set up, 2 on bad usage.
 */
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
#include "spf/spf.h"

static void
usage_dmarc(FILE *f)
{
	fprintf(f,
	    "usage: fairlist dmarc check --from ADDR|DOMAIN [options]\n"
	    "\n"
	    "check: evaluate DMARC (RFC 7489) for one message's identifiers.\n"
	    "  --from ADDR|DOMAIN   the From address (a From field's value)\n"
	    "                       or the author domain\n"
	    "  --spf-domain D       the domain SPF checked (MAIL FROM's, or "
	    "HELO)\n"
	    "  --spf RESULT         its SPF result (pass, fail, none, ...)\n"
	    "  --dkim D:RESULT      a DKIM signature's d= and result "
	    "(repeatable,\n"
	    "                       up to %d)\n"
	    "  --dns-server IP:PORT ask this server (c-ares), not the "
	    "system's\n"
	    "  --timeout MS         per-try DNS timeout (default %d)\n"
	    "  --psl FILE           public suffix list (default %s)\n"
	    "  --authserv-id ID     authserv-id of Authentication-Results\n"
	    "                       (default: the host name)\n"
	    "  --json               print one JSON object\n",
	    DKIM_VERIFY_SIGS_MAX, DNS_RESOLVER_TIMEOUT_MS, DMARC_PSL_DEFAULT);
}

static int
dkim_result_parse(const char *s)
{
	int	r;

	for (r = DKIM_RES_NONE; r <= DKIM_RES_PERMERROR; r++)
		if (strcmp(s, dkim_result_name((enum dkim_result)r)) == 0)
			return r;
	return -1;
}

/* The c-ares callback: the answer goes straight to the state machine. */
struct lookup {
	struct dmarc	*d;
	int		 done;
};

static void
on_answer(void *arg, enum dns_resolver_status st, const uint8_t *pkt,
    size_t len)
{
	struct lookup	*l = arg;

	dmarc_answer_raw(l->d, st, pkt, len);
	l->done = 1;
}

static void
discover(struct dmarc *d, struct dns_resolver *dr)
{
	struct lookup	l;

	l.d = d;
	while (dmarc_step(d) == DMARC_STEP_QUERY) {
		l.done = 0;
		dns_resolver_query(dr, dmarc_query_name(d),
		    dmarc_query_type(d), on_answer, &l);
		/* The resolver's deadline (timeout x tries) ends the wait. */
		while (!l.done)
			dns_resolver_wait(dr);
	}
}

static const char *
align_name(enum dmarc_align a)
{
	return a == DMARC_ALIGN_STRICT ? "s" : "r";
}

static int
print_json(const struct dmarc_verdict *v, const char *reply, const char *ar)
{
	json_t	*o = json_object();
	int	 rec = v->result == DMARC_RES_PASS ||
		    v->result == DMARC_RES_FAIL;

	json_object_set_new(o, "result", json_string(
	    dmarc_result_name(v->result)));
	json_object_set_new(o, "reason", str_json(v->reason));
	json_object_set_new(o, "from_domain", str_json(v->from));
	json_object_set_new(o, "org_domain", str_json(v->org));
	json_object_set_new(o, "record_domain", str_json(rec ?
	    v->record_at : NULL));
	json_object_set_new(o, "policy", rec ? json_string(
	    dmarc_policy_name(v->policy)) : json_null());
	json_object_set_new(o, "policy_tag", str_json(rec ?
	    v->policy_tag : NULL));
	if (rec) {
		json_object_set_new(o, "p", json_string(
		    dmarc_policy_name(v->rec.p)));
		json_object_set_new(o, "sp", json_string(
		    dmarc_policy_name(v->rec.sp)));
		json_object_set_new(o, "np", json_string(
		    dmarc_policy_name(v->rec.np)));
		json_object_set_new(o, "adkim", json_string(
		    align_name(v->rec.adkim)));
		json_object_set_new(o, "aspf", json_string(
		    align_name(v->rec.aspf)));
		json_object_set_new(o, "pct", json_integer(v->rec.pct));
		json_object_set_new(o, "rua", str_json(v->rec.rua));
		json_object_set_new(o, "ruf", str_json(v->rec.ruf));
	}
	json_object_set_new(o, "spf_aligned", json_boolean(v->spf_aligned));
	json_object_set_new(o, "dkim_aligned", json_boolean(v->dkim_aligned));
	json_object_set_new(o, "dkim_domain", str_json(v->dkim_domain));
	json_object_set_new(o, "disposition", json_string(
	    dmarc_disposition_name(v->disposition)));
	json_object_set_new(o, "sampled_out", json_boolean(v->sampled_out));
	json_object_set_new(o, "reply", str_json(reply));
	json_object_set_new(o, "authentication_results", str_json(ar));
	return cli_json_print(o, 0) == 0 ? 0 : 1;
}

static void
print_text(const struct dmarc_verdict *v, const char *reply, const char *ar)
{
	const char	*p;

	printf("dmarc=%s", dmarc_result_name(v->result));
	if (v->reason != NULL)
		printf(" (%s)", v->reason);
	printf("\n");
	if (v->from[0] != '\0')
		printf("from: %s (organizational domain %s)\n", v->from,
		    v->org);
	if (v->result == DMARC_RES_PASS || v->result == DMARC_RES_FAIL) {
		printf("record: _dmarc.%s: p=%s sp=%s np=%s adkim=%s aspf=%s "
		    "pct=%d\n", v->record_at, dmarc_policy_name(v->rec.p),
		    dmarc_policy_name(v->rec.sp), dmarc_policy_name(v->rec.np),
		    align_name(v->rec.adkim), align_name(v->rec.aspf),
		    v->rec.pct);
		printf("policy: %s=%s\n", v->policy_tag,
		    dmarc_policy_name(v->policy));
	}
	printf("aligned: spf %s, dkim %s%s%s\n", v->spf_aligned ? "yes" : "no",
	    v->dkim_aligned ? "yes" : "no", v->dkim_domain != NULL ?
	    " d=" : "", v->dkim_domain != NULL ? v->dkim_domain : "");
	printf("disposition: %s%s\n", dmarc_disposition_name(v->disposition),
	    v->sampled_out ? " (outside pct)" : "");
	if (reply != NULL)
		printf("reply: 550 %s\n", reply);
	/* The field with LF line ends, for a terminal or a file. */
	for (p = ar; *p != '\0'; p++)
		if (*p != '\r')
			putchar(*p);
	putchar('\n');
}

static int
dmarc_check(int argc, char **argv)
{
	static const struct option	opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "spf-domain", required_argument, NULL, 'D' },
		{ "spf", required_argument, NULL, 'S' },
		{ "dkim", required_argument, NULL, 'k' },
		{ "dns-server", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "psl", required_argument, NULL, 'p' },
		{ "authserv-id", required_argument, NULL, 'A' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct dmarc_dkim	 dk[DKIM_VERIFY_SIGS_MAX];
	char			 dkd[DKIM_VERIFY_SIGS_MAX][DMARC_DOMAIN_MAX + 1];
	struct dmarc_auth	 auth;
	struct dmarc_verdict	 v;
	struct dmarc_ar		 ar;
	struct dmarc_psl	*psl = NULL;
	struct dns_resolver	*dr = NULL;
	struct dmarc		*d = NULL;
	struct sbuf		 b;
	const char		*from = NULL, *server = NULL, *pslfile = NULL;
	const char		*e, *colon;
	char			 dom[DMARC_DOMAIN_MAX + 1], authserv[256];
	char			 err[512], reply[512];
	int			 ch, json = 0, timeout = 0, spf = -1, r, rc = 1;
	enum dmarc_from_status	 fst = DMARC_FROM_OK;
	size_t			 n;

	memset(&auth, 0, sizeof(auth));
	if (gethostname(authserv, sizeof(authserv)) == -1)
		str_lcpy(authserv, "localhost", sizeof(authserv));
	authserv[sizeof(authserv) - 1] = '\0';
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (ch) {
		case 'f': from = optarg; break;
		case 'D': auth.spf_domain = optarg; break;
		case 's': server = optarg; break;
		case 'p': pslfile = optarg; break;
		case 'j': json = 1; break;
		case 'A':
			str_lcpy(authserv, optarg, sizeof(authserv));
			break;
		case 'S':
			if ((spf = spf_result_parse(optarg)) == -1) {
				cli_err("dmarc check", "--spf %s: not an SPF "
				    "result (pass, fail, softfail, neutral, "
				    "none, temperror, permerror)", optarg);
				return 2;
			}
			break;
		case 'k':
			colon = strrchr(optarg, ':');
			n = colon != NULL ? (size_t)(colon - optarg) : 0;
			if (colon == NULL || n == 0 || n > DMARC_DOMAIN_MAX ||
			    (r = dkim_result_parse(colon + 1)) == -1) {
				cli_err("dmarc check", "--dkim %s: want "
				    "DOMAIN:RESULT (pass, fail, neutral, "
				    "policy, none, temperror, permerror)",
				    optarg);
				return 2;
			}
			if (auth.ndkim == DKIM_VERIFY_SIGS_MAX) {
				cli_err("dmarc check", "at most %d --dkim",
				    DKIM_VERIFY_SIGS_MAX);
				return 2;
			}
			memcpy(dkd[auth.ndkim], optarg, n);
			dkd[auth.ndkim][n] = '\0';
			memset(&dk[auth.ndkim], 0, sizeof(dk[0]));
			dk[auth.ndkim].domain = dkd[auth.ndkim];
			dk[auth.ndkim].result = (enum dkim_result)r;
			auth.ndkim++;
			break;
		case 't':
			timeout = (int)str_tonum(optarg, 1, 60000, &e);
			if (e != NULL) {
				cli_err("dmarc check", "--timeout %s: %s",
				    optarg, e);
				return 2;
			}
			break;
		case 'h':
			usage_dmarc(stdout);
			return 0;
		default:
			return cli_opt_err("dmarc check", ch, argv);
		}
	}
	if (optind != argc) {
		cli_err("dmarc check", "unexpected argument '%s' (see "
		    "'fairlist dmarc check --help')", argv[optind]);
		return 2;
	}
	if (from == NULL) {
		cli_err("dmarc check", "--from is required (see 'fairlist "
		    "dmarc check --help')");
		return 2;
	}
	if ((spf == -1) != (auth.spf_domain == NULL)) {
		cli_err("dmarc check", "--spf and --spf-domain go together");
		return 2;
	}
	if (server != NULL &&
	    sa_servers_check(server, 53, err, sizeof(err)) == -1) {
		cli_err("dmarc check", "--dns-server: %s", err);
		return 2;
	}
	auth.spf = spf == -1 ? SPF_NONE : (enum spf_result)spf;
	auth.dkim = dk;
	auth.roll = dmarc_roll();
	/* An address (a From value) or a bare domain. */
	if (strpbrk(from, "@<\"(:,") != NULL) {
		fst = dmarc_from_domain(from, strlen(from), dom, sizeof(dom));
	} else if (dmarc_domain_norm(from, strlen(from), dom,
	    sizeof(dom)) == -1) {
		cli_err("dmarc check", "--from %s: not a domain name", from);
		return 2;
	}
	if ((psl = dmarc_psl_load(pslfile, err, sizeof(err))) == NULL) {
		cli_err("dmarc check", "%s", err);
		return 1;
	}
	if ((dr = dns_resolver_new(server, timeout, err, sizeof(err))) ==
	    NULL) {
		cli_err("dmarc check", "%s", err);
		goto out;
	}
	d = dmarc_new(psl, fst == DMARC_FROM_OK ? dom : NULL);
	discover(d, dr);
	dmarc_eval(d, &auth, &v);
	if (fst != DMARC_FROM_OK)
		v.reason = dmarc_from_why(fst);
	memset(&ar, 0, sizeof(ar));
	ar.authserv_id = authserv;
	ar.has_spf = auth.spf_domain != NULL;
	ar.spf = auth.spf;
	ar.spf_mailfrom = auth.spf_domain;
	ar.has_dkim = 1;
	ar.dkim = dk;
	ar.ndkim = auth.ndkim;
	ar.dmarc = &v;
	sbuf_init(&b);
	dmarc_ar_write(&ar, &b);
	if (v.disposition == DMARC_DISP_REJECT)
		dmarc_reply(&v, reply, sizeof(reply));
	if (json)
		rc = print_json(&v, v.disposition == DMARC_DISP_REJECT ?
		    reply : NULL, b.s);
	else {
		print_text(&v, v.disposition == DMARC_DISP_REJECT ? reply :
		    NULL, b.s);
		rc = 0;
	}
	sbuf_free(&b);
out:
	dmarc_free(d);
	dns_resolver_free(dr);
	dmarc_psl_free(psl);
	return rc;
}

int
cmd_dmarc(struct cli *c, int argc, char **argv)
{
	(void)c;
	if (argc < 2) {
		cli_err("dmarc", "check? (see 'fairlist dmarc --help')");
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage_dmarc(stdout);
		return 0;
	}
	if (strcmp(argv[1], "check") == 0)
		return dmarc_check(argc - 1, argv + 1);
	cli_err("dmarc", "unknown subcommand '%s' (check)", argv[1]);
	return 2;
}
