/*
 * suite.c: run openspf-format conformance suites (the pyspf test files).
 *
 * Each YAML document is a scenario: description, tests (name -> host,
 * mailfrom, helo, result (one or a list), optional explanation) and
 * zonedata (name -> list of { TYPE: value } or TIMEOUT). Driver rules
 * follow the pyspf driver that the files were written for: SPF entries
 * are copied to TXT unless the name has a TXT entry of its own ("TXT:
 * NONE" suppresses the copy), list values of TXT are joined without
 * separators, and the default explanation is "DEFAULT". Errors in the
 * file are reported as "path:line: message".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/str.h"
#include "core/xmalloc.h"
#include "spf/spf_int.h"


struct stest {
	const char	*scenario;
	const char	*name;
	const char	*host, *mailfrom, *helo, *exp;
	unsigned	 want;		/* bit per enum spf_result */
	const char	*want_text;	/* set when a result is unknown */
	struct spf_zone	*zone;
};

struct spf_suite {
	struct ynode	 *docs;
	struct stest	 *t;
	size_t		  n;
	struct spf_zone	**zones;
	size_t		  nzones;
	char		**names;	/* generated scenario names */
	size_t		  nnames;
};

static int
serr(char *err, size_t errlen, const char *path, const struct ynode *n,
    const char *msg)
{
	snprintf(err, errlen, "%s:%d: %s", path, n != NULL ? n->line : 0, msg);
	return -1;
}

static const char *
scalar(const struct ynode *n)
{
	return n != NULL && n->kind == Y_SCALAR ? n->str : NULL;
}

static int
add_rr(struct spf_zone *z, const char *name, const char *type,
    const struct ynode *v, const char *path, char *err, size_t errlen)
{
	uint8_t			 a[16];
	const char		*s = scalar(v), *e;
	const struct ynode	*c;
	struct sbuf		 b;
	long long		 pref;
	uint16_t		 t;

	if (strcasecmp(type, "A") == 0)
		t = DNS_T_A;
	else if (strcasecmp(type, "AAAA") == 0)
		t = DNS_T_AAAA;
	else if (strcasecmp(type, "MX") == 0)
		t = DNS_T_MX;
	else if (strcasecmp(type, "PTR") == 0)
		t = DNS_T_PTR;
	else if (strcasecmp(type, "TXT") == 0)
		t = DNS_T_TXT;
	else if (strcasecmp(type, "CNAME") == 0)
		t = DNS_T_CNAME;
	else
		return 0;	/* SPF (type 99) and others: never asked */
	if (s != NULL && strcmp(s, "NONE") == 0)
		return 0;
	if (s != NULL && strcmp(s, "TIMEOUT") == 0) {
		spf_zone_type_timeout(z, name, t);
		return 0;
	}
	switch (t) {
	case DNS_T_A:
	case DNS_T_AAAA:
		if (s == NULL || inet_pton(t == DNS_T_A ? AF_INET : AF_INET6,
		    s, a) != 1)
			return serr(err, errlen, path, v, "bad address");
		spf_zone_add(z, name, t, 0, a, t == DNS_T_A ? 4 : 16);
		return 0;
	case DNS_T_MX:
		if (v->kind != Y_SEQ || v->child == NULL ||
		    v->child->next == NULL || v->child->next->next != NULL ||
		    scalar(v->child) == NULL || scalar(v->child->next) == NULL)
			return serr(err, errlen, path, v,
			    "MX needs [preference, name]");
		pref = str_tonum(v->child->str, 0, 65535, &e);
		if (e != NULL)
			return serr(err, errlen, path, v, "bad MX preference");
		spf_zone_add(z, name, t, (uint16_t)pref, v->child->next->str,
		    v->child->next->len);
		return 0;
	case DNS_T_PTR:
	case DNS_T_CNAME:
		if (s == NULL)
			return serr(err, errlen, path, v, "name expected");
		spf_zone_add(z, name, t, 0, s, v->len);
		return 0;
	default:
		break;
	}
	/* TXT: a string, or a list of strings joined without spaces. */
	if (s != NULL) {
		spf_zone_add(z, name, t, 0, s, v->len);
		return 0;
	}
	if (v->kind != Y_SEQ)
		return serr(err, errlen, path, v, "TXT needs a string or list");
	sbuf_init(&b);
	sbuf_adds(&b, "");
	for (c = v->child; c != NULL; c = c->next) {
		if (c->kind != Y_SCALAR) {
			sbuf_free(&b);
			return serr(err, errlen, path, c,
			    "TXT list holds a non-string");
		}
		if (b.len + c->len > SPF_RECORD_MAX) {
			sbuf_free(&b);
			return serr(err, errlen, path, c, "TXT too long");
		}
		sbuf_add(&b, c->str, c->len);
	}
	spf_zone_add(z, name, t, 0, b.s, b.len);
	sbuf_free(&b);
	return 0;
}

static int
load_zone(struct spf_zone *z, const struct ynode *zd, const char *path,
    char *err, size_t errlen)
{
	const struct ynode	*nm, *it, *pair;
	const struct ynode	*spf[SPF_SUITE_SPF_MAX];
	size_t			 nspf, i;
	int			 gen;

	if (zd == NULL || (zd->kind == Y_SCALAR && zd->len == 0))
		return 0;
	if (zd->kind != Y_MAP)
		return serr(err, errlen, path, zd, "zonedata is not a mapping");
	for (nm = zd->child; nm != NULL; nm = nm->next) {
		if (nm->kind == Y_SCALAR && nm->len == 0) {
			/* A name with no records: exists, no data. */
			spf_zone_add(z, nm->key, 0, 0, "", 0);
			continue;
		}
		if (nm->kind != Y_SEQ)
			return serr(err, errlen, path, nm,
			    "zone entry is not a list");
		gen = 1;
		nspf = 0;
		for (it = nm->child; it != NULL; it = it->next) {
			if (it->kind == Y_SCALAR) {
				if (strcmp(it->str, "TIMEOUT") != 0)
					return serr(err, errlen, path, it,
					    "unknown zone entry");
				spf_zone_timeout(z, nm->key);
				continue;
			}
			if (it->kind != Y_MAP)
				return serr(err, errlen, path, it,
				    "zone entry is not TYPE: value");
			for (pair = it->child; pair != NULL;
			    pair = pair->next) {
				if (strcasecmp(pair->key, "TXT") == 0)
					gen = 0;
				else if (strcasecmp(pair->key, "SPF") == 0) {
					if (nspf == SPF_SUITE_SPF_MAX)
						return serr(err, errlen, path,
						    pair, "too many SPF");
					spf[nspf++] = pair;
				}
				if (add_rr(z, nm->key, pair->key, pair, path,
				    err, errlen) == -1)
					return -1;
			}
		}
		/* SPF entries become TXT unless TXT is given (README). */
		for (i = 0; gen && i < nspf; i++)
			if (add_rr(z, nm->key, "TXT", spf[i], path, err,
			    errlen) == -1)
				return -1;
	}
	return 0;
}

/*
 * A result name outside RFC 7208 (pyspf's "ambiguous", RFC 4408's
 * "unknown" and "error") cannot be met: the test is kept and fails,
 * showing the name (OUT:text).
 */
static int
parse_results(const struct ynode *r, unsigned *mask, const char **text,
    const char *path, char *err, size_t errlen)
{
	const struct ynode	*c;
	int			 v;

	*mask = 0;
	*text = NULL;
	if (r == NULL)
		return serr(err, errlen, path, r, "test without result");
	if (r->kind == Y_SCALAR) {
		if ((v = spf_result_parse(r->str)) == -1)
			*text = r->str;
		else
			*mask = 1u << v;
		return 0;
	}
	if (r->kind != Y_SEQ || r->child == NULL)
		return serr(err, errlen, path, r, "bad result");
	for (c = r->child; c != NULL; c = c->next) {
		if (c->kind != Y_SCALAR)
			return serr(err, errlen, path, c, "bad result");
		if ((v = spf_result_parse(c->str)) == -1)
			*text = c->str;
		else
			*mask |= 1u << v;
	}
	return 0;
}

static int
build(struct spf_suite *st, const char *path, char *err, size_t errlen)
{
	const struct ynode	*d, *tests, *t, *desc;
	const char		*scenario = NULL;
	char			*nl, num[32];
	struct spf_zone		*z;
	size_t			 cap = 0;
	struct stest		*x;

	for (d = st->docs->child; d != NULL; d = d->next) {
		if (d->kind != Y_MAP)
			return serr(err, errlen, path, d,
			    "scenario is not a mapping");
		/* Older files name a scenario by its comment only. */
		desc = yaml_get(d, "description");
		if (scalar(desc) == NULL)
			desc = yaml_get(d, "comment");
		if (scalar(desc) != NULL) {
			scenario = desc->str;
			while (*scenario == ' ')
				scenario++;
			if ((nl = strchr(scenario, '\n')) != NULL)
				*nl = '\0';
		}
		if (scalar(desc) == NULL) {
			snprintf(num, sizeof(num), "scenario %zu",
			    st->nzones + 1);
			st->names = xreallocarray(st->names, st->nnames + 1,
			    sizeof(*st->names));
			st->names[st->nnames] = xstrdup(num);
			scenario = st->names[st->nnames++];
		}
		tests = yaml_get(d, "tests");
		if (tests == NULL || tests->kind != Y_MAP)
			return serr(err, errlen, path, d,
			    "scenario without a tests mapping");
		z = spf_zone_new();
		st->zones = xreallocarray(st->zones, st->nzones + 1,
		    sizeof(*st->zones));
		st->zones[st->nzones++] = z;
		if (load_zone(z, yaml_get(d, "zonedata"), path, err,
		    errlen) == -1)
			return -1;
		for (t = tests->child; t != NULL; t = t->next) {
			if (t->kind != Y_MAP)
				return serr(err, errlen, path, t,
				    "test is not a mapping");
			if (st->n == cap) {
				cap = cap == 0 ? 64 : cap * 2;
				st->t = xreallocarray(st->t, cap,
				    sizeof(*st->t));
			}
			x = &st->t[st->n];
			memset(x, 0, sizeof(*x));
			x->scenario = scenario;
			x->name = t->key;
			x->host = scalar(yaml_get(t, "host"));
			x->mailfrom = scalar(yaml_get(t, "mailfrom"));
			x->helo = scalar(yaml_get(t, "helo"));
			x->exp = scalar(yaml_get(t, "explanation"));
			x->zone = z;
			if (x->host == NULL)
				return serr(err, errlen, path, t,
				    "test without host");
			if (x->mailfrom == NULL)
				x->mailfrom = "";
			if (parse_results(yaml_get(t, "result"), &x->want,
			    &x->want_text, path, err, errlen) == -1)
				return -1;
			st->n++;
		}
	}
	return 0;
}

struct spf_suite *
spf_suite_load(const char *path, char *err, size_t errlen)
{
	struct spf_suite	*st;
	FILE			*f;
	struct stat		 sb;
	char			*text;
	size_t			 n;

	if ((f = fopen(path, "rb")) == NULL || fstat(fileno(f), &sb) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (f != NULL)
			fclose(f);
		return NULL;
	}
	if (sb.st_size > SPF_SUITE_FILE_MAX || !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file under %d bytes",
		    path, SPF_SUITE_FILE_MAX);
		fclose(f);
		return NULL;
	}
	text = xmalloc((size_t)sb.st_size + 1);
	n = fread(text, 1, (size_t)sb.st_size, f);
	fclose(f);
	st = xcalloc(1, sizeof(*st));
	st->docs = yaml_parse(text, n, path, err, errlen);
	free(text);
	if (st->docs == NULL || build(st, path, err, errlen) == -1) {
		spf_suite_free(st);
		return NULL;
	}
	return st;
}

void
spf_suite_free(struct spf_suite *st)
{
	size_t	i;

	if (st == NULL)
		return;
	for (i = 0; i < st->nzones; i++)
		spf_zone_free(st->zones[i]);
	for (i = 0; i < st->nnames; i++)
		free(st->names[i]);
	free(st->names);
	free(st->zones);
	free(st->t);
	yaml_free(st->docs);
	free(st);
}

size_t
spf_suite_count(const struct spf_suite *st)
{
	return st->n;
}

static int
eval(struct spf_suite *st, size_t i, enum spf_result *got,
    const char **exp, char *expbuf, size_t explen)
{
	const struct stest	*x = &st->t[i];
	struct spf_request	 req;
	struct spf		*s;
	struct spf_answer	 a;
	char			 err[128];
	enum spf_result		 r;
	const char		*e;
	int			 ok;

	memset(&req, 0, sizeof(req));
	req.ip = x->host;
	req.mail_from = x->mailfrom;
	req.helo = x->helo;
	req.identity = SPF_ID_MAILFROM;
	req.default_exp = "DEFAULT";
	req.now = 1;
	if ((s = spf_new(&req, err, sizeof(err))) == NULL) {
		*got = SPF_PERMERROR;
		if (exp != NULL)
			*exp = NULL;
		return (x->want & (1u << SPF_PERMERROR)) != 0;
	}
	while (spf_step(s) == SPF_STEP_QUERY) {
		spf_zone_lookup(x->zone, spf_query_name(s), spf_query_type(s),
		    &a);
		spf_answer(s, &a);
	}
	r = spf_result(s);
	*got = r;
	e = spf_explanation(s);
	ok = (x->want & (1u << r)) != 0;
	if (ok && x->exp != NULL && r == SPF_FAIL)
		ok = e != NULL && strcmp(e, x->exp) == 0;
	if (exp != NULL) {
		if (e != NULL) {
			snprintf(expbuf, explen, "%s", e);
			*exp = expbuf;
		} else
			*exp = NULL;
	}
	spf_free(s);
	return ok;
}

int
spf_suite_eval(struct spf_suite *st, size_t i, enum spf_result *got)
{
	enum spf_result	r;

	return eval(st, i, got != NULL ? got : &r, NULL, NULL, 0);
}

static void
want_str(unsigned mask, const char *other, char *buf, size_t len)
{
	int	r;

	buf[0] = '\0';
	if (other != NULL)
		str_escape(buf, len, other, strlen(other));
	for (r = SPF_NONE; r <= SPF_PERMERROR; r++) {
		if (!(mask & (1u << r)))
			continue;
		if (buf[0] != '\0')
			str_lcat(buf, "|", len);
		str_lcat(buf, spf_result_str(r), len);
	}
}

void
spf_suite_run(struct spf_suite *st, FILE *out, int *passed, int *failed)
{
	size_t		 i;
	enum spf_result	 got;
	const char	*exp;
	char		 expbuf[SPF_EXP_MAX], want[128], e1[256], e2[256];

	for (i = 0; i < st->n; i++) {
		const struct stest	*x = &st->t[i];

		if (eval(st, i, &got, &exp, expbuf, sizeof(expbuf))) {
			(*passed)++;
			continue;
		}
		(*failed)++;
		want_str(x->want, x->want_text, want, sizeof(want));
		if (x->exp != NULL && (x->want & (1u << got)) != 0) {
			str_escape(e1, sizeof(e1), exp != NULL ? exp : "",
			    exp != NULL ? strlen(exp) : 0);
			str_escape(e2, sizeof(e2), x->exp, strlen(x->exp));
			fprintf(out, "FAIL %s: %s: got %s \"%s\", want %s "
			    "\"%s\"\n", x->scenario, x->name,
			    spf_result_str(got), e1, want, e2);
		} else
			fprintf(out, "FAIL %s: %s: got %s, want %s\n",
			    x->scenario, x->name, spf_result_str(got), want);
	}
}
