/*
 * check.h: one SPF check from start to answer, shared by `fairlist spf
 * check`, `fairlist confirm-check` and the daemon's callers: where the
 * DNS answers come from (master-format zone files, or c-ares asking a
 * server or the system's), a synchronous run to the end, and the answer
 * as JSON (the fields of `spf check --json`, docs/SPF.md).
 *
 * The daemon's HTTP service and policy engine evaluate on the loop with
 * spf_run over spf_resolver_raw instead of spf_check_sync, and write
 * the same JSON with spf_check_json.
 */
#ifndef FAIRLIST_SPF_CHECK_H
#define FAIRLIST_SPF_CHECK_H

#include <stddef.h>

#include <jansson.h>

#include "spf/spf.h"

struct spf_source;

/*
 * A source of DNS answers: the nzones zone files of zones (nzones > 0,
 * at most SPF_CLI_ZONES_MAX), else c-ares asking server ("IP:PORT,...";
 * NULL: the system's resolvers) with timeout_ms per try (0: the
 * default). Returns NULL with a message in OUT:err.
 */
struct spf_source	*spf_source_new(const char *const *zones, int nzones,
			    const char *server, int timeout_ms, char *err,
			    size_t errlen);
void			 spf_source_free(struct spf_source *src); /* NULL ok */

/* The resolver over src (borrowed, valid until spf_source_free). */
const struct spf_resolver *spf_source_resolver(struct spf_source *src);
/* The c-ares resolver of src, NULL for zone files (borrowed). */
struct dns_resolver	*spf_source_dns(struct spf_source *src);

/*
 * Evaluate req to the end on src (blocking in dns_resolver_wait). Returns
 * the finished evaluation (spf_free it), or NULL with a message in OUT:err
 * when req is refused by spf_new or the evaluation stalled.
 */
struct spf	*spf_check_sync(struct spf_source *src,
		    const struct spf_request *req, char *err, size_t errlen);

/*
 * A finished evaluation as a new JSON object: result, explanation,
 * mechanism, lookups, dns_queries, problem, domain, received_spf,
 * authentication_results (receiver names the receiving host, may be
 * NULL). A peer's string that is not UTF-8 comes out \xHH-escaped.
 */
json_t	*spf_check_json(const struct spf *s, const char *receiver);

#endif /* FAIRLIST_SPF_CHECK_H */
