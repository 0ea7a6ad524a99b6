/*
 * record.c: one check into the store (store/watch.h): the state, and on
 * a transition an event with what its alert needs.
 *
 * What is a transition is watch_transition's rule: a new state, or a new
 * code while listed. The first check of a pair that finds it not listed
 * is stored quietly; every other transition is alerted (the caller logs,
 * counts and, with a webhook, the event waits as pending for it).
 */
#include <stdio.h>
#include <string.h>

#include "core/addr.h"
#include "core/str.h"
#include "store/store.h"
#include "store/watch.h"
#include "watch/watch.h"

int
watch_record(struct store *st, const struct watch_check *c, int hook,
    int64_t now, struct watch_recorded *out)
{
	struct store_watch		 w;
	enum store_watch_notify		 n;
	char				 text[STORE_WATCH_TEXT_MAX];
	uint32_t			 oldcode = 0;
	int				 old, r;
	struct addr_prefix		 p;
	const char			*why;

	memset(out, 0, sizeof(*out));
	if ((r = store_watch_get(st, c->t->text, c->l->zone, &w)) == -1)
		return -1;
	old = r == 1 ? watch_state_parse(w.state) : WATCH_UNKNOWN;
	if (old == -1)
		old = WATCH_UNKNOWN;
	/* The stored code is a dotted quad we wrote. */
	if (w.code[0] != '\0' && addr_parse(w.code, &p, &why) == 0 &&
	    p.family == 4)
		addr_is_v4(p.a, &oldcode);
	str_lcpy(out->old, watch_state_name((enum watch_state)old),
	    sizeof(out->old));
	if (c->r.code != 0)
		addr_v4_text(c->r.code, out->code, sizeof(out->code));
	watch_removal_url(c->l, c->t->text, out->removal_url,
	    sizeof(out->removal_url));
	out->transition = watch_transition((enum watch_state)old, oldcode,
	    c->r.state, c->r.code);
	/* Cut to what the store keeps. */
	str_lcpy(text, c->r.meaning, sizeof(text));
	if (c->txt[0] != '\0') {
		str_lcat(text, " -- ", sizeof(text));
		str_lcat(text, c->txt, sizeof(text));
	}
	n = out->transition < 2 ? STORE_WATCH_QUIET : hook ?
	    STORE_WATCH_PENDING : STORE_WATCH_NOHOOK;
	out->event_id = store_watch_put(st, c->t->text, c->l->zone,
	    watch_state_name(c->r.state), out->code, text,
	    c->r.state == WATCH_LISTED ? out->removal_url : NULL,
	    out->transition > 0, n, now);
	if (out->event_id == -1)
		return -1;
	/* Another process stored this change first: not ours to alert. */
	if (out->transition > 0 && out->event_id == 0)
		out->transition = 0;
	return 0;
}
