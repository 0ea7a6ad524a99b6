/*
 * bench_spf.c: SPF evaluations per second, fairlist vs libspf2, over
 * every test of an openspf YAML suite, each evaluated from scratch with
 * in-memory DNS (fairlist: struct spf_zone; libspf2: its SPF_dns_zone
 * layer). Zones are built once per scenario for both; each evaluation
 * creates and frees its request and response. Also counts how many tests
 * each implementation gets right. Not a test: see bench/spf/run.sh.
 *
 *   bench_spf SUITE.yml [SECONDS]
 *
 * Rates are per CPU second of this process (CLOCK_PROCESS_CPUTIME_ID),
 * so other load on the machine does not skew the ratios. Prints
 * "name evals_per_sec passed total" lines.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <spf2/spf.h>
#include <spf2/spf_dns_zone.h>

#include "spf/spf.h"
#include "spf/spf_int.h"

struct ltest {
	SPF_server_t	*srv;
	const char	*host, *mailfrom, *helo;
	unsigned	 want;
};

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
zadd(SPF_server_t *srv, const char *name, ns_type t, SPF_dns_stat_t st,
    const char *data)
{
	SPF_dns_zone_add_str(srv->resolver, name, t, st, data);
}

static int
ns_of(const char *k, ns_type *t)
{
	if (strcasecmp(k, "A") == 0)
		*t = ns_t_a;
	else if (strcasecmp(k, "AAAA") == 0)
		*t = ns_t_aaaa;
	else if (strcasecmp(k, "MX") == 0)
		*t = ns_t_mx;
	else if (strcasecmp(k, "PTR") == 0)
		*t = ns_t_ptr;
	else if (strcasecmp(k, "TXT") == 0)
		*t = ns_t_txt;
	else	/* CNAME: the zone layer does not support it */
		return -1;
	return 0;
}

static void
ladd(SPF_server_t *srv, const char *name, const char *k,
    const struct ynode *v)
{
	ns_type			 t;
	const struct ynode	*c;
	char			 buf[SPF_RECORD_MAX + 1];
	size_t			 n = 0;

	if (ns_of(k, &t) == -1)
		return;
	if (v->kind == Y_SCALAR && strcmp(v->str, "NONE") == 0)
		return;
	if (v->kind == Y_SCALAR && strcmp(v->str, "TIMEOUT") == 0) {
		zadd(srv, name, t, TRY_AGAIN, "");
		return;
	}
	if (t == ns_t_mx) {
		if (v->kind == Y_SEQ && v->child != NULL &&
		    v->child->next != NULL)
			zadd(srv, name, t, NETDB_SUCCESS, v->child->next->str);
		return;
	}
	if (v->kind == Y_SEQ) {
		for (c = v->child; c != NULL; c = c->next)
			if (c->kind == Y_SCALAR && n + c->len < sizeof(buf)) {
				memcpy(buf + n, c->str, c->len);
				n += c->len;
			}
		buf[n] = '\0';
		zadd(srv, name, t, NETDB_SUCCESS, buf);
		return;
	}
	zadd(srv, name, t, NETDB_SUCCESS, v->str);
}

/* Build one libspf2 server per scenario with the suite's driver rules. */
static struct ltest *
libspf2_load(const char *path, size_t *count, SPF_server_t ***srvs,
    size_t *nsrv)
{
	FILE			*f;
	static char		 text[SPF_SUITE_FILE_MAX];
	size_t			 n, cap = 0;
	char			 err[256];
	struct ynode		*docs;
	const struct ynode	*d, *zd, *nm, *it, *p, *tests, *t, *r, *c;
	const struct ynode	*spf[64];
	size_t			 nspf, i;
	int			 gen, v;
	struct ltest		*lt = NULL;
	SPF_server_t		*srv;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	n = fread(text, 1, sizeof(text), f);
	fclose(f);
	if ((docs = yaml_parse(text, n, path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return NULL;
	}
	*count = 0;
	*nsrv = 0;
	*srvs = NULL;
	for (d = docs->child; d != NULL; d = d->next) {
		srv = SPF_server_new(SPF_DNS_ZONE, 0);
		*srvs = realloc(*srvs, sizeof(**srvs) * (*nsrv + 1));
		(*srvs)[(*nsrv)++] = srv;
		zd = yaml_get(d, "zonedata");
		for (nm = zd != NULL ? zd->child : NULL; nm != NULL;
		    nm = nm->next) {
			gen = 1;
			nspf = 0;
			for (it = nm->child; it != NULL; it = it->next) {
				if (it->kind == Y_SCALAR) {
					/* TIMEOUT: the zone layer has no
					 * "any" type, so one entry each. */
					zadd(srv, nm->key, ns_t_a, TRY_AGAIN,
					    "");
					zadd(srv, nm->key, ns_t_aaaa,
					    TRY_AGAIN, "");
					zadd(srv, nm->key, ns_t_mx, TRY_AGAIN,
					    "");
					zadd(srv, nm->key, ns_t_ptr, TRY_AGAIN,
					    "");
					zadd(srv, nm->key, ns_t_txt, TRY_AGAIN,
					    "");
					continue;
				}
				for (p = it->child; p != NULL; p = p->next) {
					if (strcasecmp(p->key, "TXT") == 0)
						gen = 0;
					else if (strcasecmp(p->key, "SPF") ==
					    0 && nspf < 64)
						spf[nspf++] = p;
					ladd(srv, nm->key, p->key, p);
				}
			}
			for (i = 0; gen && i < nspf; i++)
				ladd(srv, nm->key, "TXT", spf[i]);
		}
		tests = yaml_get(d, "tests");
		for (t = tests != NULL ? tests->child : NULL; t != NULL;
		    t = t->next) {
			if (*count == cap) {
				cap = cap ? cap * 2 : 256;
				lt = realloc(lt, sizeof(*lt) * cap);
			}
			lt[*count].srv = srv;
			lt[*count].host = yaml_get(t, "host")->str;
			lt[*count].mailfrom = yaml_get(t, "mailfrom") != NULL ?
			    yaml_get(t, "mailfrom")->str : "";
			lt[*count].helo = yaml_get(t, "helo") != NULL ?
			    yaml_get(t, "helo")->str : "";
			lt[*count].want = 0;
			r = yaml_get(t, "result");
			if (r->kind == Y_SCALAR) {
				if ((v = spf_result_parse(r->str)) >= 0)
					lt[*count].want = 1u << v;
			} else
				for (c = r->child; c != NULL; c = c->next)
					if ((v = spf_result_parse(c->str)) >= 0)
						lt[*count].want |= 1u << v;
			(*count)++;
		}
	}
	/* docs stay allocated: the tests point into them. */
	return lt;
}

/* Map libspf2's result to ours (an unmapped error counts as wrong). */
static int
libspf2_eval(const struct ltest *t)
{
	SPF_request_t	*req;
	SPF_response_t	*resp = NULL;
	SPF_result_t	 r;
	int		 ours = -1;
	struct in6_addr	 a6;

	req = SPF_request_new(t->srv);
	if (strchr(t->host, ':') != NULL) {
		if (inet_pton(AF_INET6, t->host, &a6) == 1)
			SPF_request_set_ipv6(req, a6);
	} else
		SPF_request_set_ipv4_str(req, t->host);
	SPF_request_set_helo_dom(req, t->helo);
	SPF_request_set_env_from(req, t->mailfrom);
	SPF_request_query_mailfrom(req, &resp);
	r = resp != NULL ? SPF_response_result(resp) : SPF_RESULT_INVALID;
	switch (r) {
	case SPF_RESULT_PASS: ours = SPF_PASS; break;
	case SPF_RESULT_FAIL: ours = SPF_FAIL; break;
	case SPF_RESULT_SOFTFAIL: ours = SPF_SOFTFAIL; break;
	case SPF_RESULT_NEUTRAL: ours = SPF_NEUTRAL; break;
	case SPF_RESULT_NONE: ours = SPF_NONE; break;
	case SPF_RESULT_TEMPERROR: ours = SPF_TEMPERROR; break;
	case SPF_RESULT_PERMERROR: ours = SPF_PERMERROR; break;
	default: break;
	}
	if (resp != NULL)
		SPF_response_free(resp);
	SPF_request_free(req);
	return ours >= 0 && (t->want & (1u << ours)) != 0;
}

int
main(int argc, char **argv)
{
	struct spf_suite	*st;
	struct ltest		*lt;
	SPF_server_t		**srvs;
	size_t			 n, ln, nsrv, i, passed;
	double			 secs = argc > 2 ? atof(argv[2]) : 3.0, t0, el;
	unsigned long		 evals;
	char			 err[256];

	if (argc < 2) {
		fprintf(stderr, "usage: bench_spf SUITE.yml [SECONDS]\n");
		return 2;
	}
	if ((st = spf_suite_load(argv[1], err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	n = spf_suite_count(st);
	passed = 0;
	for (i = 0; i < n; i++)
		passed += (size_t)spf_suite_eval(st, i, NULL);
	evals = 0;
	t0 = now();
	do {
		for (i = 0; i < n; i++)
			(void)spf_suite_eval(st, i, NULL);
		evals += n;
	} while ((el = now() - t0) < secs);
	printf("fairlist %.0f %zu %zu\n", (double)evals / el, passed, n);
	fflush(stdout);

	if ((lt = libspf2_load(argv[1], &ln, &srvs, &nsrv)) == NULL) {
		fprintf(stderr, "libspf2: cannot load %s\n", argv[1]);
		return 1;
	}
	passed = 0;
	for (i = 0; i < ln; i++)
		passed += (size_t)libspf2_eval(&lt[i]);
	evals = 0;
	t0 = now();
	do {
		for (i = 0; i < ln; i++)
			(void)libspf2_eval(&lt[i]);
		evals += ln;
	} while ((el = now() - t0) < secs);
	printf("libspf2 %.0f %zu %zu\n", (double)evals / el, passed, ln);
	for (i = 0; i < nsrv; i++)
		SPF_server_free(srvs[i]);
	free(srvs);
	free(lt);
	spf_suite_free(st);
	return 0;
}
