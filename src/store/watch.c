/*
 * watch.c: the state of our own addresses on other lists, and its
 * transitions (watch.h), in the tables watch_state and watch_event
 * (schema version 3).
 *
 * Does not: judge an answer (src/watch/ does), log, or send anything.
 */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "core/str.h"
#include "store/store.h"
#include "store/store_int.h"
#include "store/watch.h"

static const char sql_watch_get[] = "SELECT target, list, state,"
    " coalesce(code, ''), coalesce(text, ''), since, checked_at"
    " FROM watch_state WHERE target = ?1 AND list = ?2";
static const char sql_watch_all[] = "SELECT target, list, state,"
    " coalesce(code, ''), coalesce(text, ''), since, checked_at"
    " FROM watch_state ORDER BY target, list";
static const char sql_watch_put[] = "INSERT INTO watch_state (target, list,"
    " state, code, text, since, checked_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
    " ?6) ON CONFLICT (target, list) DO UPDATE SET state = ?3, code = ?4,"
    " text = ?5, since = CASE WHEN ?7 THEN ?6 ELSE since END,"
    " checked_at = ?6";
static const char sql_watch_event[] = "INSERT INTO watch_event (at, target,"
    " list, old, new, code, text, removal_url, notify) VALUES (?1, ?2, ?3,"
    " ?4, ?5, ?6, ?7, ?8, ?9)";
static const char sql_watch_events[] = "SELECT id, at, target, list, old,"
    " new, code, text, removal_url, notify FROM watch_event"
    " ORDER BY id DESC LIMIT ?1";
static const char sql_watch_pending[] = "SELECT id, at, target, list, old,"
    " new, code, text, removal_url, notify FROM watch_event"
    " WHERE notify = 1 ORDER BY id LIMIT ?1";
static const char sql_watch_notified[] = "UPDATE watch_event SET notify = ?2"
    " WHERE id = ?1";

static const char *const notify_names[] = {
	[STORE_WATCH_QUIET] = "quiet",
	[STORE_WATCH_PENDING] = "pending",
	[STORE_WATCH_SENT] = "sent",
	[STORE_WATCH_FAILED] = "failed",
	[STORE_WATCH_NOHOOK] = "no-webhook",
};

const char *
store_watch_notify_name(enum store_watch_notify n)
{
	if ((int)n < 0 || n > STORE_WATCH_NOHOOK)
		return "?";
	return notify_names[n];
}

static void
col_copy(sqlite3_stmt *st, int i, char *dst, size_t dstsize)
{
	const char	*v = st_col_text(st, i);

	str_lcpy(dst, v != NULL ? v : "", dstsize);
}

static void
row_state(sqlite3_stmt *st, struct store_watch *w)
{
	col_copy(st, 0, w->target, sizeof(w->target));
	col_copy(st, 1, w->list, sizeof(w->list));
	col_copy(st, 2, w->state, sizeof(w->state));
	col_copy(st, 3, w->code, sizeof(w->code));
	col_copy(st, 4, w->text, sizeof(w->text));
	w->since = sqlite3_column_int64(st, 5);
	w->checked_at = sqlite3_column_int64(st, 6);
}

int
store_watch_get(struct store *s, const char *target, const char *list,
    struct store_watch *w)
{
	sqlite3_stmt	*st;
	int		 rc;

	memset(w, 0, sizeof(*w));
	if ((st = st_sql(s, sql_watch_get)) == NULL)
		return -1;
	st_bind_text(st, 1, target);
	st_bind_text(st, 2, list);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_state(st, w);
		sqlite3_reset(st);
		return 1;
	}
	return st_rows_end(s, st, rc, 0, "watch state");
}

static const char *
nonempty(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

int64_t
store_watch_put(struct store *s, const char *target, const char *list,
    const char *state, const char *code, const char *text,
    const char *removal_url, int event, enum store_watch_notify notify,
    int64_t now)
{
	struct store_watch	 old;
	sqlite3_stmt		*st;
	int64_t			 id = 0;
	int			 own, ok = 0, r;

	if (st_check_text(s, "watch target", target, STORE_WATCH_NAME_MAX -
	    1) == -1 || st_check_text(s, "watch list", list,
	    STORE_WATCH_NAME_MAX - 1) == -1 || st_check_text(s,
	    "watch state", state, STORE_WATCH_STATE_MAX - 1) == -1 ||
	    st_check_text(s, "watch text", nonempty(text),
	    STORE_WATCH_TEXT_MAX - 1) == -1 || st_check_text(s,
	    "removal URL", nonempty(removal_url), STORE_TEMPLATE_MAX) == -1)
		return -1;
	if (code != NULL && strlen(code) >= STORE_WATCH_CODE_MAX) {
		st_seterr(s, "watch code too long");
		return -1;
	}
	if (st_tx_begin(s, &own) == -1)
		return -1;
	if ((r = store_watch_get(s, target, list, &old)) == -1)
		goto out;
	/*
	 * Another writer (the CLI's check, the daemon's round) may have
	 * stored this very change since the caller read the row: then it
	 * has its event already, and this is no transition.
	 */
	if (event && r == 1 && strcmp(old.state, state) == 0 &&
	    strcmp(old.code, code != NULL ? code : "") == 0)
		event = 0;
	if ((st = st_sql(s, sql_watch_put)) == NULL)
		goto out;
	st_bind_text(st, 1, target);
	st_bind_text(st, 2, list);
	st_bind_text(st, 3, state);
	st_bind_text(st, 4, nonempty(code));
	st_bind_text(st, 5, nonempty(text));
	sqlite3_bind_int64(st, 6, now);
	sqlite3_bind_int(st, 7, event != 0);
	if (st_step_done(s, st, "watch state") == -1)
		goto out;
	if (event) {
		if ((st = st_sql(s, sql_watch_event)) == NULL)
			goto out;
		sqlite3_bind_int64(st, 1, now);
		st_bind_text(st, 2, target);
		st_bind_text(st, 3, list);
		st_bind_text(st, 4, r == 1 ? old.state : "unknown");
		st_bind_text(st, 5, state);
		st_bind_text(st, 6, nonempty(code));
		st_bind_text(st, 7, nonempty(text));
		st_bind_text(st, 8, nonempty(removal_url));
		sqlite3_bind_int(st, 9, (int)notify);
		if (st_step_done(s, st, "watch event") == -1)
			goto out;
		id = sqlite3_last_insert_rowid(s->db);
	}
	ok = 1;
out:
	if (st_tx_end(s, own, ok) == -1)
		return -1;
	return id;
}

int
store_watch_foreach(struct store *s,
    int (*cb)(const struct store_watch *, void *), void *arg)
{
	struct store_watch	 w;
	sqlite3_stmt		*st;
	int			 rc, r = 0;

	if ((st = st_sql(s, sql_watch_all)) == NULL)
		return -1;
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&w, 0, sizeof(w));
		row_state(st, &w);
		r = cb(&w, arg);
	}
	return st_rows_end(s, st, r != 0 ? SQLITE_DONE : rc, r,
	    "watch states");
}

int
store_watch_events(struct store *s, int pending, int limit,
    int (*cb)(const struct store_watch_event *, void *), void *arg)
{
	struct store_watch_event	 e;
	sqlite3_stmt			*st;
	int				 rc, r = 0, n;

	if ((st = st_sql(s, pending ? sql_watch_pending :
	    sql_watch_events)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, limit > 0 ? limit : -1);
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		e.id = sqlite3_column_int64(st, 0);
		e.at = sqlite3_column_int64(st, 1);
		e.target = st_col_text(st, 2);
		e.list = st_col_text(st, 3);
		e.old = st_col_text(st, 4);
		e.new = st_col_text(st, 5);
		e.code = st_col_text(st, 6);
		e.text = st_col_text(st, 7);
		e.removal_url = st_col_text(st, 8);
		n = sqlite3_column_int(st, 9);
		e.notify = n >= 0 && n <= STORE_WATCH_NOHOOK ?
		    (enum store_watch_notify)n : STORE_WATCH_QUIET;
		r = cb(&e, arg);
	}
	return st_rows_end(s, st, r != 0 ? SQLITE_DONE : rc, r,
	    "watch events");
}

int
store_watch_notified(struct store *s, int64_t id,
    enum store_watch_notify notify)
{
	sqlite3_stmt	*st;
	int		 own;

	if (st_tx_begin(s, &own) == -1)
		return -1;
	if ((st = st_sql(s, sql_watch_notified)) == NULL)
		return st_tx_end(s, own, 0);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, (int)notify);
	return st_tx_end(s, own, st_step_done(s, st, "watch event") == 0);
}
