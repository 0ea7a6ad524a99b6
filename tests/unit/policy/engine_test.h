/*
 * engine_test.h: helpers shared by the engine's unit tests (test_engine.c
 * against real servers, test_cache.c on an in-memory zone): the event
 * base, a configuration of given sites, an engine that must start, and
 * what one evaluation gave. Static: each test binary gets its own copy.
 */
#ifndef FAIRLIST_ENGINE_TEST_H
#define FAIRLIST_ENGINE_TEST_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "policy/policy.h"

static struct event_base	*base;

/* What one evaluation gave. */
struct outcome {
	int			 ran;
	struct policy_facts	 f;
	struct policy_verdict	 v;
};

/*
 * The defaults without probes, SPF or the store's zones as blocklists
 * (local_store), and the given sites.
 */
static void
conf_sites(struct policy_conf *pc, const char *const *sites)
{
	char	err[256];
	int	i;

	assert_int_equal(policy_conf_read(NULL, NULL, pc, err, sizeof(err)),
	    0);
	pc->probe_s = 0;
	pc->local_store = 0;
	pc->spf = 0;
	pc->spf_helo = 0;
	for (i = 0; sites != NULL && sites[i] != NULL; i++) {
		if (policy_site_parse(sites[i], &pc->sites[i], err,
		    sizeof(err)) != 0)
			fail_msg("site %s: %s", sites[i], err);
		pc->nsites++;
	}
}

static void
done(void *arg, const struct policy_facts *f, const struct policy_verdict *v)
{
	struct outcome	*o = arg;

	o->ran++;
	o->f = *f;
	o->v = *v;
	if (event_base_loopbreak(base) != 0)
		fail_msg("loopbreak");
}

/* A timer: sets *arg and stops the loop. */
static void
guard(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
	event_base_loopbreak(base);
}

/* The query of a plain client at ip (rcpt NULL: user@example.net). */
static void
query_of(struct policy_query *q, const char *ip, const char *rcpt)
{
	memset(q, 0, sizeof(*q));
	q->client_address = ip;
	q->helo = "mail.example.org";
	q->sender = "someone@example.org";
	q->recipient = rcpt != NULL ? rcpt : "user@example.net";
}

static struct policy_engine *
engine(const struct policy_conf *pc)
{
	struct policy_engine	*e;
	char			 err[256];

	if ((e = policy_engine_new(pc, base, err, sizeof(err))) == NULL)
		fail_msg("policy_engine_new: %s", err);
	return e;
}

/* The end of a test: free the engine, then the conf it used. */
static void
engine_done(struct policy_engine *e, struct policy_conf *pc)
{
	policy_engine_free(e);
	policy_conf_free(pc);
}

/* Log lines go to stderr: catch them in a file while f runs. */
static int	saved_fd = -1;
static FILE	*caught;

static void
catch_start(void)
{
	fflush(stderr);
	caught = tmpfile();
	assert_non_null(caught);
	saved_fd = dup(2);
	assert_true(saved_fd >= 0);
	assert_true(dup2(fileno(caught), 2) >= 0);
}

/* Stop catching; 1 if a caught line contains want. */
static int
catch_end(const char *want)
{
	char	line[2048];
	int	found = 0;

	fflush(stderr);
	assert_true(dup2(saved_fd, 2) >= 0);
	close(saved_fd);
	rewind(caught);
	while (fgets(line, sizeof(line), caught) != NULL) {
		fputs(line, stderr);
		if (strstr(line, want) != NULL)
			found = 1;
	}
	fclose(caught);
	return found;
}

#endif /* FAIRLIST_ENGINE_TEST_H */
