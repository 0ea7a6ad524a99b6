/*
 * test_round.c: a round of checks (watch/round.c) driven by an in-memory
 * zone through the query hook, answering at once or later, and its
 * results written to a real store (watch/record.c, store/watch.c): the
 * transitions listed -> not-listed -> listed, the quiet first check, the
 * notify values, a code change while listed, an error answer that is
 * never a listing, and cancellation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/conf.h"
#include "dns/dns.h"
#include "store/store.h"
#include "store/watch.h"
#include "watch/watch.h"

/* The zone: qname -> A code (0: NXDOMAIN, 1: timeout) and TXT. */
struct rec {
	char		name[WATCH_QNAME_MAX];
	uint32_t	code;
	const char	*txt;
};

#define PENDING_MAX	64

struct fx {
	struct watch_conf	 wc;
	struct rec		 zone[8];
	int			 nzone;
	int			 later;		/* answer from flush() */
	struct {
		char		 name[WATCH_QNAME_MAX];
		uint16_t	 type;
		void		(*cb)(void *, enum dns_resolver_status,
				    const uint8_t *, size_t);
		void		*arg;
	}			 pend[PENDING_MAX];
	int			 npend;
	int			 queries, txt_queries;
	struct watch_check	 got[16];
	int			 ngot, dones;
	struct store		*st;
	char			 path[64];
	int64_t			 now;
	struct watch_recorded	 rec[16];
};

/* A response packet for name/type with an A or TXT answer. */
static size_t
answer(uint8_t *p, const char *name, uint16_t type, uint32_t code,
    const char *txt)
{
	uint8_t	wire[256];
	size_t	wl = dns_name_from_text(name, wire, sizeof(wire)), o, tl;

	assert_true(wl > 0);
	memset(p, 0, 12);
	p[2] = 0x81;
	p[3] = 0x80;
	p[5] = 1;
	p[7] = 1;
	o = 12;
	memcpy(p + o, wire, wl);
	o += wl;
	p[o++] = 0; p[o++] = (uint8_t)type; p[o++] = 0; p[o++] = 1;
	p[o++] = 0xc0; p[o++] = 12;
	p[o++] = 0; p[o++] = (uint8_t)type; p[o++] = 0; p[o++] = 1;
	p[o++] = 0; p[o++] = 0; p[o++] = 0; p[o++] = 60;
	if (type == DNS_T_A) {
		p[o++] = 0; p[o++] = 4;
		p[o++] = (uint8_t)(code >> 24); p[o++] = (uint8_t)(code >> 16);
		p[o++] = (uint8_t)(code >> 8); p[o++] = (uint8_t)code;
	} else {
		tl = strlen(txt);
		p[o++] = 0; p[o++] = (uint8_t)(tl + 1); p[o++] = (uint8_t)tl;
		memcpy(p + o, txt, tl);
		o += tl;
	}
	return o;
}

static void
respond(struct fx *f, const char *name, uint16_t type,
    void (*cb)(void *, enum dns_resolver_status, const uint8_t *, size_t),
    void *arg)
{
	uint8_t	pkt[512];
	int	i;

	for (i = 0; i < f->nzone; i++) {
		if (strcmp(f->zone[i].name, name) != 0)
			continue;
		if (f->zone[i].code == 0)
			break;
		if (f->zone[i].code == 1) {
			cb(arg, DNS_RES_TEMPFAIL, NULL, 0);
			return;
		}
		if (type == DNS_T_TXT && f->zone[i].txt == NULL)
			break;
		cb(arg, DNS_RES_OK, pkt, answer(pkt, name, type,
		    f->zone[i].code, f->zone[i].txt));
		return;
	}
	cb(arg, DNS_RES_NXDOMAIN, NULL, 0);
}

static void
query(void *qarg, int li, const char *name, uint16_t type,
    void (*cb)(void *, enum dns_resolver_status, const uint8_t *, size_t),
    void *arg)
{
	struct fx	*f = qarg;

	assert_true(li >= 0 && li < f->wc.nlists);
	f->queries++;
	if (type == DNS_T_TXT)
		f->txt_queries++;
	if (!f->later) {
		respond(f, name, type, cb, arg);
		return;
	}
	assert_true(f->npend < PENDING_MAX);
	snprintf(f->pend[f->npend].name, WATCH_QNAME_MAX, "%s", name);
	f->pend[f->npend].type = type;
	f->pend[f->npend].cb = cb;
	f->pend[f->npend].arg = arg;
	f->npend++;
}

/* Answer what is pending (answers may queue more), newest first. */
static void
flush(struct fx *f, int timeout)
{
	while (f->npend > 0) {
		f->npend--;
		if (timeout)
			f->pend[f->npend].cb(f->pend[f->npend].arg,
			    DNS_RES_TEMPFAIL, NULL, 0);
		else
			respond(f, f->pend[f->npend].name,
			    f->pend[f->npend].type, f->pend[f->npend].cb,
			    f->pend[f->npend].arg);
	}
}

static void
each(void *arg, const struct watch_check *c)
{
	struct fx	*f = arg;

	assert_true(f->ngot < 16);
	f->got[f->ngot] = *c;
	if (f->st != NULL && watch_record(f->st, c, f->wc.webhook != NULL,
	    f->now, &f->rec[f->ngot]) == -1)
		fail_msg("record: %s", store_errmsg(f->st));
	f->ngot++;
}

static void
done(void *arg)
{
	((struct fx *)arg)->dones++;
}

static void
set(struct fx *f, int i, const char *name, uint32_t code, const char *txt)
{
	snprintf(f->zone[i].name, sizeof(f->zone[i].name), "%s", name);
	f->zone[i].code = code;
	f->zone[i].txt = txt;
	if (i >= f->nzone)
		f->nzone = i + 1;
}

static int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));
	struct conf	*c;
	char		 err[256];
	const char	*text = "watch { address 192.0.2.1 192.0.2.2\n"
	    "domain ex.org; dnsbl a.test err.test; rhsbl d.test\n"
	    "dnsbl a6.test { url \"http://r/$ip\" } }";

	c = conf_parse(text, strlen(text), "t", err, sizeof(err));
	assert_non_null(c);
	if (watch_conf_read(c, conf_find(c->root, "watch"), &f->wc, err,
	    sizeof(err)) == -1)
		fail_msg("%s", err);
	conf_free(c);
	snprintf(f->path, sizeof(f->path), "/tmp/test_round.XXXXXX");
	assert_true(mkdtemp(f->path) != NULL);
	strncat(f->path, "/s.db", sizeof(f->path) - strlen(f->path) - 1);
	f->now = 1795824000;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;
	char		 dir[80];

	store_close(f->st);
	unlink(f->path);
	snprintf(dir, sizeof(dir), "%s-wal", f->path);
	unlink(dir);
	snprintf(dir, sizeof(dir), "%s-shm", f->path);
	unlink(dir);
	snprintf(dir, sizeof(dir), "%.*s", (int)(strlen(f->path) - 5),
	    f->path);
	rmdir(dir);
	watch_conf_free(&f->wc);
	free(f);
	return 0;
}

static const struct watch_check *
find(struct fx *f, const char *t, const char *l, int *idx)
{
	int	i;

	for (i = 0; i < f->ngot; i++)
		if (strcmp(f->got[i].t->text, t) == 0 &&
		    strcmp(f->got[i].l->zone, l) == 0) {
			if (idx != NULL)
				*idx = i;
			return &f->got[i];
		}
	fail_msg("no check of %s on %s", t, l);
	return NULL;
}

static void
run(struct fx *f)
{
	struct watch_round	*r;

	f->ngot = f->dones = 0;
	r = watch_round_start(&f->wc, query, f, each, done, f);
	flush(f, 0);
	assert_true(watch_round_over(r));
	assert_int_equal(f->dones, 1);
	watch_round_free(r);
}

/* Pairs by kind, TXT only for listings, answers now or later. */
static void
test_round_pairs(void **state)
{
	struct fx	*f = *state;
	int		 later;

	set(f, 0, "1.2.0.192.a.test", 0x7f000002, "spam");
	set(f, 1, "2.2.0.192.err.test", 0x7ffffffe, "no");
	set(f, 2, "ex.org.d.test", 0x7f000004, NULL);
	for (later = 0; later <= 1; later++) {
		f->later = later;
		f->queries = f->txt_queries = 0;
		run(f);
		/* 2 addresses x 3 lists + 1 domain x 1 list */
		assert_int_equal(f->ngot, 7);
		assert_int_equal(f->queries, 7 + 2);
		assert_int_equal(f->txt_queries, 2);
		assert_int_equal(find(f, "192.0.2.1", "a.test", NULL)->r.state,
		    WATCH_LISTED);
		assert_string_equal(find(f, "192.0.2.1", "a.test", NULL)->txt,
		    "spam");
		assert_int_equal(find(f, "192.0.2.2", "err.test",
		    NULL)->r.state, WATCH_REFUSED);
		assert_int_equal(find(f, "192.0.2.2", "a.test", NULL)->r.state,
		    WATCH_NOT_LISTED);
		assert_int_equal(find(f, "ex.org", "d.test", NULL)->r.state,
		    WATCH_LISTED);
		assert_string_equal(find(f, "ex.org", "d.test", NULL)->txt, "");
	}
}

/* Cancelled: no callbacks after it, even as the queries come back. */
static void
test_round_cancel(void **state)
{
	struct fx		*f = *state;
	struct watch_round	*r;

	f->later = 1;
	r = watch_round_start(&f->wc, query, f, each, done, f);
	assert_int_equal(f->ngot, 0);
	assert_false(watch_round_over(r));
	watch_round_cancel(r);
	flush(f, 1);
	assert_true(watch_round_over(r));
	assert_int_equal(f->ngot, 0);
	assert_int_equal(f->dones, 0);
	watch_round_free(r);
	watch_round_free(NULL);
}

static int
count_events(const struct store_watch_event *e, void *arg)
{
	(void)e;
	(*(int *)arg)++;
	return 0;
}

/* The store: states, transitions and their notify values. */
static void
test_record(void **state)
{
	struct fx		*f = *state;
	struct store_watch	 w;
	char			 err[STORE_ERR_MAX];
	int			 i, n;

	f->st = store_open(f->path, 0, err);
	if (f->st == NULL)
		fail_msg("%s", err);
	set(f, 0, "1.2.0.192.a.test", 0x7f000002, "spam");
	set(f, 1, "1.2.0.192.err.test", 1, NULL);		/* timeout */
	set(f, 2, "2.2.0.192.a6.test", 0x7f000003, NULL);
	run(f);
	find(f, "192.0.2.1", "a.test", &i);
	assert_int_equal(f->rec[i].transition, 2);
	assert_string_equal(f->rec[i].old, "unknown");
	assert_true(f->rec[i].event_id > 0);
	find(f, "192.0.2.2", "a.test", &i);
	assert_int_equal(f->rec[i].transition, 1);
	find(f, "192.0.2.1", "err.test", &i);
	assert_int_equal(f->got[i].r.state, WATCH_NO_ANSWER);
	find(f, "192.0.2.2", "a6.test", &i);
	assert_string_equal(f->rec[i].removal_url, "http://r/192.0.2.2");
	assert_int_equal(store_watch_get(f->st, "192.0.2.1", "err.test", &w),
	    1);
	assert_string_equal(w.state, "no-answer");
	assert_int_equal(store_watch_get(f->st, "192.0.2.1", "a.test", &w),
	    1);
	assert_string_equal(w.state, "listed");
	assert_string_equal(w.code, "127.0.0.2");
	assert_string_equal(w.text, "listed on a.test (127.0.0.2) -- spam");
	assert_int_equal(w.since, f->now);
	assert_int_equal(store_watch_get(f->st, "192.0.2.9", "a.test", &w),
	    0);

	/* A second writer that read the row before this change: no event. */
	n = 0;
	assert_int_equal(store_watch_events(f->st, 0, 0, count_events, &n),
	    0);
	assert_int_equal(store_watch_put(f->st, "192.0.2.1", "a.test",
	    "listed", "127.0.0.2", "x", NULL, 1, STORE_WATCH_NOHOOK, f->now),
	    0);
	i = 0;
	assert_int_equal(store_watch_events(f->st, 0, 0, count_events, &i),
	    0);
	assert_int_equal(i, n);

	/* Same answers later: no transition, since stays. */
	f->now += 60;
	run(f);
	find(f, "192.0.2.1", "a.test", &i);
	assert_int_equal(f->rec[i].transition, 0);
	assert_int_equal(store_watch_get(f->st, "192.0.2.1", "a.test", &w),
	    1);
	assert_int_equal(w.since, f->now - 60);
	assert_int_equal(w.checked_at, f->now);

	/* Delisted, then relisted with another code, then the list times
	   out: each is a transition, none of the last is a listing. */
	f->zone[0].code = 0;
	f->now += 60;
	run(f);
	find(f, "192.0.2.1", "a.test", &i);
	assert_int_equal(f->rec[i].transition, 2);
	assert_string_equal(f->rec[i].old, "listed");
	f->zone[0].code = 0x7f000004;
	f->now += 60;
	run(f);
	f->zone[0].code = 0x7f000002;
	f->now += 60;
	run(f);
	find(f, "192.0.2.1", "a.test", &i);
	assert_int_equal(f->rec[i].transition, 2);
	f->zone[0].code = 1;
	f->now += 60;
	run(f);
	find(f, "192.0.2.1", "a.test", &i);
	assert_int_equal(f->got[i].r.state, WATCH_NO_ANSWER);
	assert_int_equal(store_watch_get(f->st, "192.0.2.1", "a.test", &w),
	    1);
	assert_string_equal(w.state, "no-answer");
	/*
	 * Events: the first round writes one per pair (7: three alerted,
	 * four quiet first not-listed), then four for 192.0.2.1 on a.test.
	 */
	n = 0;
	assert_int_equal(store_watch_events(f->st, 0, 0, count_events, &n),
	    0);
	assert_int_equal(n, 11);
	/* No webhook: nothing pending. */
	n = 0;
	assert_int_equal(store_watch_events(f->st, 1, 0, count_events, &n),
	    0);
	assert_int_equal(n, 0);
}

struct notes {
	int64_t	ids[16];
	int	n;
	char	seq[256];
};

static int
collect(const struct store_watch_event *e, void *arg)
{
	struct notes	*x = arg;
	size_t		 l = strlen(x->seq);

	x->ids[x->n++] = e->id;
	snprintf(x->seq + l, sizeof(x->seq) - l, "%s%s>%s/%s", l > 0 ? " " :
	    "", e->old, e->new, store_watch_notify_name(e->notify));
	return x->n >= 16;
}

/* With a webhook: alerted transitions wait as pending, oldest first. */
static void
test_pending(void **state)
{
	struct fx	*f = *state;
	struct notes	 x;
	char		 err[STORE_ERR_MAX];

	f->st = store_open(f->path, 0, err);
	f->wc.webhook = strdup("http://127.0.0.1:9/");
	set(f, 0, "1.2.0.192.a.test", 0x7f000002, NULL);
	run(f);
	f->zone[0].code = 0;
	run(f);
	memset(&x, 0, sizeof(x));
	assert_int_equal(store_watch_events(f->st, 1, 0, collect, &x), 0);
	assert_string_equal(x.seq, "unknown>listed/pending "
	    "listed>not-listed/pending");
	assert_int_equal(store_watch_notified(f->st, x.ids[0],
	    STORE_WATCH_SENT), 0);
	memset(&x, 0, sizeof(x));
	assert_int_equal(store_watch_events(f->st, 1, 0, collect, &x), 0);
	assert_string_equal(x.seq, "listed>not-listed/pending");
	memset(&x, 0, sizeof(x));
	assert_int_equal(store_watch_events(f->st, 0, 1, collect, &x), 0);
	assert_int_equal(x.n, 1);
	assert_string_equal(x.seq, "listed>not-listed/pending");
	memset(&x, 0, sizeof(x));
	assert_int_equal(store_watch_events(f->st, 0, 0, collect, &x), 0);
	if (strstr(x.seq, "unknown>listed/sent") == NULL)
		fail_msg("newest first: %s, want the sent one in it", x.seq);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_pairs, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_round_cancel, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pending, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
