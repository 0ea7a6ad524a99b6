/*
 * check.c: one SPF check from start to answer (check.h): the DNS source
 * (zone files or c-ares), the synchronous driver and the JSON answer,
 * split out of `fairlist spf check` so that confirm-check and the daemon
 * share them. Does no printing and no logging.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/str.h"
#include "core/xmalloc.h"
#include "dns/resolver.h"
#include "spf/check.h"
#include "spf/spf.h"

struct spf_source {
	struct spf_zone		*zone;	/* zone files, or NULL */
	struct dns_resolver	*dr;	/* c-ares, or NULL */
	struct spf_resolver	 res;
};

struct spf_source *
spf_source_new(const char *const *zones, int nzones, const char *server,
    int timeout_ms, char *err, size_t errlen)
{
	struct spf_source	*src = xcalloc(1, sizeof(*src));
	int			 i;

	if (nzones > 0) {
		src->zone = spf_zone_new();
		for (i = 0; i < nzones; i++)
			if (spf_zone_load(src->zone, zones[i], err,
			    errlen) == -1) {
				spf_source_free(src);
				return NULL;
			}
		spf_zone_resolver(src->zone, &src->res);
		return src;
	}
	if ((src->dr = dns_resolver_new(server, timeout_ms, err,
	    errlen)) == NULL) {
		spf_source_free(src);
		return NULL;
	}
	spf_resolver_dns(src->dr, &src->res);
	return src;
}

void
spf_source_free(struct spf_source *src)
{
	if (src == NULL)
		return;
	spf_zone_free(src->zone);
	dns_resolver_free(src->dr);
	free(src);
}

const struct spf_resolver *
spf_source_resolver(struct spf_source *src)
{
	return &src->res;
}

struct dns_resolver *
spf_source_dns(struct spf_source *src)
{
	return src->dr;
}

static void
on_done(struct spf *s, void *arg)
{
	(void)s;
	*(int *)arg = 1;
}

struct spf *
spf_check_sync(struct spf_source *src, const struct spf_request *req,
    char *err, size_t errlen)
{
	struct spf	*s;
	int		 finished = 0;

	if ((s = spf_new(req, err, errlen)) == NULL)
		return NULL;
	spf_run(s, &src->res, on_done, &finished);
	/* Every query has a deadline, so the wait ends. */
	while (!finished && src->dr != NULL)
		dns_resolver_wait(src->dr);
	if (!finished) {
		str_lcpy(err, "evaluation stalled", errlen);
		spf_free(s);
		return NULL;
	}
	return s;
}

json_t *
spf_check_json(const struct spf *s, const char *receiver)
{
	struct sbuf	 b1, b2;
	json_t		*o;

	sbuf_init(&b1);
	sbuf_init(&b2);
	spf_received_spf(s, receiver, &b1);
	spf_auth_results(s, receiver, &b2);
	o = json_object();
	json_object_set_new(o, "result",
	    json_string(spf_result_str(spf_result(s))));
	json_object_set_new(o, "explanation", str_json(spf_explanation(s)));
	json_object_set_new(o, "mechanism", str_json(spf_mechanism(s)));
	json_object_set_new(o, "lookups", json_integer(spf_lookups(s)));
	json_object_set_new(o, "dns_queries", json_integer(spf_queries(s)));
	json_object_set_new(o, "problem", str_json(spf_problem(s)));
	json_object_set_new(o, "domain", str_json(spf_domain(s)));
	json_object_set_new(o, "received_spf", str_json(b1.s));
	json_object_set_new(o, "authentication_results", str_json(b2.s));
	sbuf_free(&b1);
	sbuf_free(&b2);
	return o;
}
