/*
 * test_work.c: the milter's worker pool (milter/work.c). With 0, 1 and 4
 * workers: every job's run() runs once, off the loop thread when there
 * are workers; done() runs once, on the loop thread, never from within
 * submit, and only after run(); a job its owner detached while it ran is
 * still handed to done() (which frees it), so nothing is freed under a
 * worker; and milter_pool_free runs what is queued and calls done() for
 * every job left.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <event2/event.h>

#include "milter/milter_int.h"

#define NJOBS	200

struct tjob {
	struct milter_job	 job;
	int			 id;
	atomic_int		 ran;
	int			 off_loop;	/* run() was not on the loop */
	int			 done;
	int			 detached;	/* the owner let go */
	int			*ndone;
};

static pthread_t	loop_thread;
static int		in_submit;
static int		done_in_submit, done_off_loop, done_before_run;

static void
trun(struct milter_job *j)
{
	struct tjob		*t = (struct tjob *)j;
	struct timespec		 ts = { 0, 200000 };	/* 0.2 ms of "work" */

	if (t->id % 3 == 0)
		nanosleep(&ts, NULL);
	t->off_loop = !pthread_equal(pthread_self(), loop_thread);
	atomic_fetch_add(&t->ran, 1);
}

static void
tdone(struct milter_job *j)
{
	struct tjob	*t = (struct tjob *)j;

	if (in_submit)
		done_in_submit++;
	if (!pthread_equal(pthread_self(), loop_thread))
		done_off_loop++;
	if (atomic_load(&t->ran) != 1)
		done_before_run++;
	t->done++;
	(*t->ndone)++;
	if (t->detached)
		free(t);	/* the owner's part: it is ours now */
}

static void
run_pool(int nworkers, int free_early)
{
	struct event_base	*base = event_base_new();
	struct milter_pool	*p;
	struct tjob		*jobs[NJOBS];
	int			 i, ndone = 0, ndetached = 0, kept = 0;

	loop_thread = pthread_self();
	done_in_submit = done_off_loop = done_before_run = 0;
	p = milter_pool_new(base, nworkers);
	assert_int_equal(milter_pool_workers(p), nworkers);
	for (i = 0; i < NJOBS; i++) {
		jobs[i] = calloc(1, sizeof(*jobs[i]));
		jobs[i]->id = i;
		jobs[i]->ndone = &ndone;
		jobs[i]->job.run = trun;
		jobs[i]->job.done = tdone;
		in_submit = 1;
		milter_pool_submit(p, &jobs[i]->job);
		in_submit = 0;
		/* Every fourth owner lets go at once: done() frees it. */
		if (i % 4 == 1) {
			jobs[i]->detached = 1;
			jobs[i] = NULL;
			ndetached++;
		}
	}
	if (!free_early)
		while (ndone < NJOBS)
			event_base_loop(base, EVLOOP_ONCE);
	milter_pool_free(p);
	assert_int_equal(ndone, NJOBS);
	assert_int_equal(done_in_submit, 0);
	assert_int_equal(done_off_loop, 0);
	assert_int_equal(done_before_run, 0);
	for (i = 0; i < NJOBS; i++) {
		if (jobs[i] == NULL)
			continue;
		kept++;
		if (atomic_load(&jobs[i]->ran) != 1 || jobs[i]->done != 1)
			fail_msg("%d workers: job %d ran %d times, done %d "
			    "times, want 1 and 1", nworkers, i,
			    atomic_load(&jobs[i]->ran), jobs[i]->done);
		if (jobs[i]->off_loop != (nworkers > 0))
			fail_msg("%d workers: job %d ran %s the loop thread",
			    nworkers, i, jobs[i]->off_loop ? "off" : "on");
		free(jobs[i]);
	}
	assert_int_equal(kept + ndetached, NJOBS);
	event_base_free(base);
}

static void
test_no_workers(void **state)
{
	(void)state;
	run_pool(0, 0);
}

static void
test_one_worker(void **state)
{
	(void)state;
	run_pool(1, 0);
}

static void
test_four_workers(void **state)
{
	(void)state;
	run_pool(4, 0);
}

/* Freed with jobs queued and running: all run, all get done(). */
static void
test_free_with_jobs(void **state)
{
	(void)state;
	run_pool(1, 1);
	run_pool(4, 1);
	run_pool(0, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_workers),
		cmocka_unit_test(test_one_worker),
		cmocka_unit_test(test_four_workers),
		cmocka_unit_test(test_free_with_jobs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
