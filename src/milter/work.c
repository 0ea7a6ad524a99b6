/*
 * work.c: the milter's worker pool: the CPU-heavy end of a message (the
 * DKIM signatures at EOM; a verification's header hashes and its RSA or
 * Ed25519 checks) runs on `milter { workers N }` threads, off the
 * daemon's loop, so that one connection's RSA-2048 signature (0.5 ms)
 * does not hold every other connection's packets, and signing uses every
 * core.
 *
 * A job's run() runs on a worker; its done() runs afterwards on the loop
 * thread, once, in the loop's own time: finished jobs are queued and one
 * write to an eventfd wakes the loop for all that finish before it looks.
 * The pool does not know what a job is for: the owner (conn.c) detaches a
 * job it no longer wants (past its deadline, the connection gone) and
 * frees it in done(), so that nothing a worker still uses is ever freed
 * under it. With no workers (workers 0) run() happens at submit time on
 * the loop and done() still comes later, from the loop. No logging but
 * fatal errors at startup.
 */
#include <sys/eventfd.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/event.h>

#include "core/log.h"
#include "core/xmalloc.h"
#include "milter/milter_int.h"

struct milter_pool {
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	struct milter_job	*qhead, **qtail;	/* to run */
	struct milter_job	*dhead, **dtail;	/* run, done() due */
	int			 stop;
	int			 n;
	pthread_t		*t;
	int			 efd;
	struct event		*ev;
};

static void *
worker(void *arg)
{
	struct milter_pool	*p = arg;
	struct milter_job	*j;
	uint64_t		 one = 1;
	int			 wake;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->qhead == NULL && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		if ((j = p->qhead) == NULL)
			break;		/* stopping, and nothing left to run */
		if ((p->qhead = j->next) == NULL)
			p->qtail = &p->qhead;
		pthread_mutex_unlock(&p->mu);
		j->run(j);
		pthread_mutex_lock(&p->mu);
		j->next = NULL;
		/* One wake-up for every job done before the loop looks. */
		wake = p->dhead == NULL;
		*p->dtail = j;
		p->dtail = &j->next;
		if (wake) {
			while (write(p->efd, &one, sizeof(one)) == -1 &&
			    errno == EINTR)
				;
		}
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* On the loop: done() for every finished job. */
static void
pool_done(evutil_socket_t fd, short what, void *arg)
{
	struct milter_pool	*p = arg;
	struct milter_job	*j, *next;
	uint64_t		 n;

	(void)what;
	/* Read first: a job finished after the swap below wakes us again. */
	if (p->n > 0 && read(fd, &n, sizeof(n)) == -1 && errno != EAGAIN &&
	    errno != EINTR)
		log_warn("milter: reading the workers' eventfd");
	pthread_mutex_lock(&p->mu);
	j = p->dhead;
	p->dhead = NULL;
	p->dtail = &p->dhead;
	pthread_mutex_unlock(&p->mu);
	for (; j != NULL; j = next) {
		next = j->next;
		j->done(j);
	}
}

struct milter_pool *
milter_pool_new(struct event_base *base, int nworkers)
{
	struct milter_pool	*p = xcalloc(1, sizeof(*p));
	int			 i;

	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->qtail = &p->qhead;
	p->dtail = &p->dhead;
	p->efd = -1;
	if (nworkers > 0 &&
	    (p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		fatal("milter: eventfd");
	p->ev = event_new(base, p->efd, p->efd != -1 ? EV_READ | EV_PERSIST :
	    0, pool_done, p);
	if (p->ev == NULL || (p->efd != -1 && event_add(p->ev, NULL) == -1))
		fatalx("milter: cannot watch the worker pool");
	p->t = xcalloc(nworkers > 0 ? (size_t)nworkers : 1, sizeof(*p->t));
	for (i = 0; i < nworkers; i++) {
		if (pthread_create(&p->t[i], NULL, worker, p) != 0)
			fatalx("milter: cannot start worker %d", i);
		p->n++;
	}
	return p;
}

void
milter_pool_submit(struct milter_pool *p, struct milter_job *j)
{
	j->next = NULL;
	if (p->n == 0) {
		/* No workers: run now, finish from the loop as always. */
		j->run(j);
		*p->dtail = j;
		p->dtail = &j->next;
		event_active(p->ev, EV_READ, 0);
		return;
	}
	pthread_mutex_lock(&p->mu);
	*p->qtail = j;
	p->qtail = &j->next;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

int
milter_pool_workers(const struct milter_pool *p)
{
	return p->n;
}

void
milter_pool_free(struct milter_pool *p)
{
	int	i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	/* The workers run what is queued, then stop. */
	for (i = 0; i < p->n; i++)
		pthread_join(p->t[i], NULL);
	pool_done(p->efd, 0, p);
	event_free(p->ev);
	if (p->efd != -1)
		close(p->efd);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p->t);
	free(p);
}
