/*
 * probe.c: the health probes of the remote lists (RFC 5782 section 5).
 *
 * Every probe_s seconds each distinct (zone, resolver) is asked for its
 * test points: 127.0.0.2 must be listed (an A in 127/8) and 127.0.0.1
 * must not. A list that fails is DEAD and skipped until a probe passes;
 * each change is logged once. When no list on a resolver answers any
 * probe, the resolver is blamed instead (logged once) and the lists stay
 * in use, so their lookups fail open as configured. A zone too long for
 * the test points is not probed.
 */
#include <stdio.h>

#include "core/addr.h"
#include "core/log.h"
#include "dns/dns.h"
#include "policy/policy_int.h"

/*
 * A round of probes on resolver r is complete: change the lists' states.
 * When no list on r answered anything (every probe a timeout, SERVFAIL or
 * REFUSED), the resolver is the likely culprit, not the lists: their
 * states stay as they were, so lookups go on and fail open as configured
 * instead of every list being skipped as dead.
 */
static void
probe_judge(struct policy_engine *e, struct resolver *r)
{
	struct zlist	*zl;
	int		 i, answered = 0;

	for (i = 0; i < e->nzl; i++)
		if (e->zl[i].r == r && !e->zl[i].noprobe &&
		    e->zl[i].probe_tempfail < 2)
			answered = 1;
	if (!answered) {
		if (!r->down)
			log_warnx("dnsbl: resolver %s answers none of the "
			    "lists' health probes; keeping every list in use "
			    "(its lookups fail open)", r->servers != NULL ?
			    r->servers : "(system)");
		r->down = 1;
		return;
	}
	if (r->down)
		log_info("dnsbl: resolver %s answers health probes again",
		    r->servers != NULL ? r->servers : "(system)");
	r->down = 0;
	for (i = 0; i < e->nzl; i++) {
		zl = &e->zl[i];
		if (zl->r != r || zl->noprobe)
			continue;
		if (!zl->probe_ok && !zl->dead) {
			zl->dead = 1;
			e->st.dead_lists++;
			log_warnx("dnsbl %s: %s; skipping the list until it "
			    "answers", zl->zone, zl->probe_why);
		} else if (zl->probe_ok && zl->dead) {
			zl->dead = 0;
			e->st.dead_lists--;
			log_info("dnsbl %s: test points answer correctly "
			    "again; using the list", zl->zone);
		}
	}
}

static void
probe_answered(void *arg, enum dns_resolver_status st, const uint8_t *pkt,
    size_t len)
{
	struct probe		*p = arg;
	struct zlist		*zl = p->zl;
	struct policy_engine	*e = zl->e;
	uint32_t		 codes[POLICY_CODES_MAX], ttl;
	char			 code[16];
	const char		*why = NULL;
	int			 n = 0, k, ok = 0;

	if (e->closing)
		return;
	if (st == DNS_RES_OK && policy_parse_a(pkt, len, codes, &n, &ttl) == -1)
		st = DNS_RES_TEMPFAIL;
	if (p->point == 2) {
		for (k = 0; k < n; k++)
			if ((codes[k] >> 24) == 127)
				ok = 1;
		if (st == DNS_RES_NXDOMAIN)
			why = "not listed (NXDOMAIN)";
		else if (st == DNS_RES_TEMPFAIL)
			why = "unanswered (timeout, SERVFAIL or REFUSED)";
		else if (!ok && n == 0)
			why = "not listed (no A record)";
		else if (!ok && zl->probe_ok) {
			addr_v4_text(codes[0], code, sizeof(code));
			snprintf(zl->probe_why, sizeof(zl->probe_why),
			    "test point 127.0.0.2 answers %s, outside "
			    "127.0.0.0/8", code);
		}
		if (why != NULL && zl->probe_ok)
			snprintf(zl->probe_why, sizeof(zl->probe_why),
			    "test point 127.0.0.2 %s", why);
	} else {
		ok = st == DNS_RES_NXDOMAIN || st == DNS_RES_NODATA ||
		    (st == DNS_RES_OK && n == 0);
		if (st == DNS_RES_TEMPFAIL)
			why = "unanswered (timeout, SERVFAIL or REFUSED)";
		else if (!ok && zl->probe_ok) {
			addr_v4_text(codes[0], code, sizeof(code));
			snprintf(zl->probe_why, sizeof(zl->probe_why),
			    "test point 127.0.0.1 listed (%s): the list "
			    "answers for every address", code);
		}
		if (why != NULL && zl->probe_ok)
			snprintf(zl->probe_why, sizeof(zl->probe_why),
			    "test point 127.0.0.1 %s", why);
	}
	if (!ok)
		zl->probe_ok = 0;
	if (st == DNS_RES_TEMPFAIL)
		zl->probe_tempfail++;
	if (--zl->probing == 0 && --zl->r->probing == 0)
		probe_judge(e, zl->r);
}

void
policy_probe_all(struct policy_engine *e)
{
	struct zlist		*zl;
	struct resolver		*r;
	char			 name[QNAME_MAX];
	int			 asked[POLICY_SITES_MAX + 1] = { 0 };
	int			 i;

	/*
	 * A round per resolver; one whose last round is still out waits.
	 * Each round is held open (probing + 1) until all its lists were
	 * asked: an answer may come before the query call returns, and the
	 * round must not be judged on the lists asked so far.
	 */
	for (i = 0; i < e->nres; i++)
		if (e->res[i].probing == 0) {
			e->res[i].probe_now = 1;
			e->res[i].probing = 1;
		}
	for (i = 0; i < e->nzl; i++) {
		zl = &e->zl[i];
		if (!zl->r->probe_now || zl->noprobe)
			continue;
		asked[zl->r - e->res] = 1;
		zl->r->probing++;
		zl->probing = 2;
		zl->probe_ok = 1;
		zl->probe_tempfail = 0;
		zl->probe_why[0] = '\0';
		snprintf(name, sizeof(name), "2.0.0.127.%s", zl->zone);
		policy_res_query(zl->r, name, DNS_T_A, probe_answered,
		    &zl->pr[0]);
		snprintf(name, sizeof(name), "1.0.0.127.%s", zl->zone);
		policy_res_query(zl->r, name, DNS_T_A, probe_answered,
		    &zl->pr[1]);
	}
	for (i = 0; i < e->nres; i++) {
		r = &e->res[i];
		if (!r->probe_now)
			continue;
		r->probe_now = 0;
		if (--r->probing == 0 && asked[i])
			probe_judge(e, r);
	}
}
