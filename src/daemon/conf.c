/*
 * conf.c: the daemon's configurations: their references (a configuration
 * replaced by SIGHUP lives on until the DNS readers and the policy
 * evaluations that use it are done) and the settings a reload cannot
 * apply without new sockets.
 *
 * Logs one warning per setting a SIGHUP did not apply.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"
#include "core/log.h"
#include "core/xmalloc.h"
#include "daemon/daemon_int.h"

void
daemon_conf_free(struct daemon_conf *c)
{
	if (c == NULL)
		return;
	policy_conf_free(&c->pc);
	web_conf_free(&c->wc);
	milter_conf_free(&c->mc);
	watch_conf_free(&c->wac);
	traps_conf_free(&c->tc);
	conf_free(c->cf);
	free(c->db);
	free(c->user);
	free(c->file_db);
	free(c->control);
	free(c);
}

void
daemon_conf_hold(struct daemon_conf *c)
{
	atomic_fetch_add(&c->refs, 1);
}

void
daemon_conf_drop(struct daemon_conf *c)
{
	if (c != NULL && atomic_fetch_sub(&c->refs, 1) == 1)
		daemon_conf_free(c);
}

void
daemon_conf_retire(struct daemon *d, struct daemon_conf *c)
{
	pthread_mutex_lock(&d->retired_mu);
	c->retired_next = d->retired;
	d->retired = c;
	pthread_mutex_unlock(&d->retired_mu);
}

void
daemon_conf_drop_list(struct daemon_conf *list)
{
	struct daemon_conf	*next;

	for (; list != NULL; list = next) {
		next = list->retired_next;
		daemon_conf_drop(list);
	}
}

static int
same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static void
not_applied(const char *what)
{
	log_warnx("SIGHUP: %s changed: it needs a restart; not applied",
	    what);
}

/* *dst becomes a copy of src (NULL stays NULL). */
static void
keep_str(char **dst, const char *src)
{
	free(*dst);
	*dst = src != NULL ? xstrdup(src) : NULL;
}

/* Listen addresses and socket mode of one service: the same? */
static int
same_listen(char *const *a, int na, int ma, char *const *b, int nb, int mb)
{
	int	i;

	if (na != nb || ma != mb)
		return 0;
	for (i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return 0;
	return 1;
}

/* The running addresses and mode (src) replace nc's (dst). */
static void
keep_listen(char **dst, int *ndst, int *mdst, char *const *src, int nsrc,
    int msrc)
{
	int	i;

	for (i = 0; i < *ndst; i++) {
		free(dst[i]);
		dst[i] = NULL;
	}
	for (i = 0; i < nsrc; i++)
		dst[i] = xstrdup(src[i]);
	*ndst = nsrc;
	*mdst = msrc;
}

void
daemon_conf_keep_restart(const struct daemon_conf *run,
    struct daemon_conf *nc)
{
	struct dnsbl_server_conf	a = run->sc, b = nc->sc;
	int				mode;	/* traps: no unix sockets */

	/* Both were built from zeroed memory: padding compares equal. */
	a.dns = b.dns = NULL;
	if (memcmp(&a, &b, sizeof(a)) != 0)
		not_applied("dns { listen, workers, tcp-*, rrl }");
	nc->sc = run->sc;
	nc->sc.dns = &nc->dc;
	if (run->reload_ms != nc->reload_ms)
		not_applied("dns { reload-interval }");
	nc->reload_ms = run->reload_ms;
	if (run->snapcache != nc->snapcache)
		not_applied("dns { snapshot-cache }");
	nc->snapcache = run->snapcache;
	if (!same_str(run->user, nc->user))
		not_applied("user");
	keep_str(&nc->user, run->user);
	if (!same_str(run->file_db, nc->file_db))
		not_applied("db");
	keep_str(&nc->file_db, run->file_db);
	keep_str(&nc->db, run->db);
	if (!same_str(run->control, nc->control))
		not_applied("control { socket }");
	keep_str(&nc->control, run->control);
	nc->control_explicit = run->control_explicit;
	if (!same_listen(run->pc.listen, run->pc.nlisten,
	    run->pc.socket_mode, nc->pc.listen, nc->pc.nlisten,
	    nc->pc.socket_mode))
		not_applied("policy { listen, socket-mode }");
	keep_listen(nc->pc.listen, &nc->pc.nlisten, &nc->pc.socket_mode,
	    run->pc.listen, run->pc.nlisten, run->pc.socket_mode);
	if (!same_listen(run->mc.listen, run->mc.nlisten,
	    run->mc.socket_mode, nc->mc.listen, nc->mc.nlisten,
	    nc->mc.socket_mode))
		not_applied("milter { listen, socket-mode }");
	keep_listen(nc->mc.listen, &nc->mc.nlisten, &nc->mc.socket_mode,
	    run->mc.listen, run->mc.nlisten, run->mc.socket_mode);
	if (!same_listen(run->tc.listen, run->tc.nlisten, 0, nc->tc.listen,
	    nc->tc.nlisten, 0))
		not_applied("traps { listen }");
	keep_listen(nc->tc.listen, &nc->tc.nlisten, &mode, run->tc.listen,
	    run->tc.nlisten, 0);
	nc->policy_explicit = run->policy_explicit;
	if (!same_str(run->wc.listen, nc->wc.listen) ||
	    run->wc.clients != nc->wc.clients ||
	    run->wc.workers != nc->wc.workers)
		not_applied("http { listen, clients, workers }");
	keep_str(&nc->wc.listen, run->wc.listen);
	nc->wc.clients = run->wc.clients;
	nc->wc.workers = run->wc.workers;
	nc->wc.explicit = run->wc.explicit;
}
