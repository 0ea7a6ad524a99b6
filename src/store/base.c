/*
 * base.c: the store's shared helpers (store_int.h): error messages,
 * statements, transactions, the checks of text, codes and zone names, and
 * the audit and history rows every write appends.
 *
 * Does not: open the store or know its tables beyond the statements it
 * runs (db.c), or log.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>

#include <sqlite3.h>

#include "core/addr.h"
#include "core/str.h"
#include "store/store.h"
#include "store/store_int.h"

int64_t
st_now(void)
{
	return (int64_t)time(NULL);
}

void
st_seterr(struct store *s, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
}

/*
 * 1 if the last error on s is a full disk: SQLITE_FULL, or an I/O error
 * whose system errno is ENOSPC or EDQUOT (a WAL append that found no room
 * is reported as "disk I/O error").
 */
static int
disk_full(struct store *s)
{
	int	rc = sqlite3_errcode(s->db), e = sqlite3_system_errno(s->db);

	return rc == SQLITE_FULL || (rc == SQLITE_IOERR && (e == ENOSPC ||
	    e == EDQUOT));
}

int
st_dberr(struct store *s, const char *what)
{
	if (disk_full(s))
		st_seterr(s, "disk full: cannot write %s (%s)", s->path, what);
	else
		st_seterr(s, "%s: %s", what, sqlite3_errmsg(s->db));
	return -1;
}

int
st_exec(struct store *s, const char *sql)
{
	char	*msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		if (disk_full(s))
			st_seterr(s, "disk full: cannot write %s (%s)", s->path,
			    sql);
		else
			st_seterr(s, "%s", msg != NULL ? msg :
			    sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

sqlite3_stmt *
st_sql(struct store *s, const char *sql)
{
	struct st_cached	*c;
	int			 i;

	for (i = 0; i < s->nsqlc; i++) {
		c = &s->sqlc[i];
		if (c->sql == sql) {
			sqlite3_reset(c->st);
			return c->st;
		}
	}
	if (s->nsqlc == STORE_SQL_CACHE_MAX) {
		st_seterr(s, "prepare: more than %d cached statements",
		    STORE_SQL_CACHE_MAX);
		return NULL;
	}
	c = &s->sqlc[s->nsqlc];
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &c->st, NULL) != SQLITE_OK) {
		st_dberr(s, "prepare");
		sqlite3_finalize(c->st);
		c->st = NULL;
		return NULL;
	}
	c->sql = sql;
	s->nsqlc++;
	return c->st;
}


/* Step a statement that returns no rows; reset it. */
int
st_step_done(struct store *s, sqlite3_stmt *st, const char *what)
{
	int	rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return st_dberr(s, what);
	return 0;
}

void
st_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v != NULL)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* The index key folded from a 128-bit address: high XOR low 64 bits. */
int64_t
st_addr_key(const uint8_t a[ADDR_LEN])
{
	uint64_t	hi = 0, lo = 0;
	int		i;

	for (i = 0; i < 8; i++) {
		hi = hi << 8 | a[i];
		lo = lo << 8 | a[i + 8];
	}
	return (int64_t)(hi ^ lo);
}

/*
 * The family of a stored prefix, from lo and plen, not the family column:
 * a /96 or longer inside ::ffff:0:0/96 is IPv4 (core/addr.h), whichever
 * text it was added as.
 */
uint8_t
st_row_family(const uint8_t lo[ADDR_LEN], unsigned plen)
{
	return plen >= 96 && addr_is_v4(lo, NULL) ? 4 : 6;
}

const char *
st_col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

int
st_row_listing(sqlite3_stmt *st, struct store_listing *l)
{
	const void	*lo = sqlite3_column_blob(st, 0);

	if (lo == NULL || sqlite3_column_bytes(st, 0) != ADDR_LEN)
		return -1;
	memcpy(l->prefix.a, lo, ADDR_LEN);
	l->prefix.plen = (uint8_t)sqlite3_column_int(st, 1);
	l->prefix.family = st_row_family(l->prefix.a, l->prefix.plen);
	l->exclude = sqlite3_column_int(st, 2);
	l->code = (uint32_t)sqlite3_column_int64(st, 3);
	l->listed_at = sqlite3_column_int64(st, 4);
	l->expires_at = sqlite3_column_int64(st, 5);
	l->reason = st_col_text(st, 6);
	return 0;
}

/*
 * Open a write transaction unless a bulk one is running. *own says
 * whether the caller must end it.
 */
int
st_tx_begin(struct store *s, int *own)
{
	*own = 0;
	if (s->rdonly) {
		st_seterr(s, "store is open read-only");
		return -1;
	}
	if (s->bulk)
		return st_bulk_check(s);
	if (s->reading) {
		st_seterr(s, "a write inside store_read_begin");
		return -1;
	}
	if (st_exec(s, "BEGIN IMMEDIATE") == -1)
		return -1;
	*own = 1;
	return 0;
}

int
st_tx_end(struct store *s, int own, int ok)
{
	char	save[STORE_ERR_MAX];

	if (!own)
		return ok ? 0 : -1;
	if (ok) {
		if (st_exec(s, "COMMIT") == 0)
			return 0;
	}
	memcpy(save, s->err, sizeof(save));
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	memcpy(s->err, save, sizeof(save));
	return -1;
}

/*
 * Text a person or a file gave: bounded, valid UTF-8 without control or
 * bidi characters (str_text_check), whatever the input path.
 */
int
st_check_text(struct store *s, const char *what, const char *v, size_t max)
{
	const char	*why;
	size_t		 len;

	if (v == NULL)
		return 0;
	len = strlen(v);
	if (len > max) {
		st_seterr(s, "%s too long (%zu bytes, at most %zu)", what, len,
		    max);
		return -1;
	}
	if (str_text_check(v, len, &why) == -1) {
		st_seterr(s, "%s %s", what, why);
		return -1;
	}
	return 0;
}

int
store_code_ok(uint32_t code)
{
	return code >= 0x7f000002u && code < 0x7fffff00u;
}

int
st_check_code(struct store *s, uint32_t code)
{
	if (code == 0 || store_code_ok(code))
		return 0;
	st_seterr(s, "code %u.%u.%u.%u is not a listing code (RFC 5782 section "
	    "2.1: use 127.0.0.2 to 127.255.254.255)", code >> 24,
	    (code >> 16) & 0xff, (code >> 8) & 0xff, code & 0xff);
	return -1;
}

int
store_zone_name_ok(const char *name)
{
	size_t	len = strlen(name), i;

	if (len > STORE_ZONE_MAX || !str_dnsname_ok(name, len))
		return 0;
	for (i = 0; i < len; i++)
		if (name[i] >= 'A' && name[i] <= 'Z')
			return 0;
	return 1;
}

int
st_check_zone_name(struct store *s, const char *name)
{
	if (store_zone_name_ok(name))
		return 0;
	st_seterr(s, "invalid zone name '%.64s' (lower-case DNS name, no "
	    "trailing dot)", name);
	return -1;
}

int
st_audit(struct store *s, int64_t now, const char *actor, const char *action,
    const char *detail)
{
	sqlite3_stmt	*st;

	if ((st = st_stmt(s, ST_AUDIT)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	st_bind_text(st, 2, actor != NULL ? actor : "?");
	st_bind_text(st, 3, action);
	st_bind_text(st, 4, detail);
	return st_step_done(s, st, "audit");
}

int
st_event_row(struct store *s, sqlite3_stmt *st, int64_t id, int64_t now,
    const char *actor, const char *action, const char *why)
{
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	st_bind_text(st, 3, actor != NULL ? actor : "?");
	st_bind_text(st, 4, action);
	st_bind_text(st, 5, why);
	return st_step_done(s, st, action);
}

int
st_history(struct store *s, int64_t id, int64_t now, const char *actor,
    const char *action, const char *why)
{
	return st_event_row(s, st_stmt(s, ST_HISTORY), id, now, actor, action,
	    why);
}

int
st_rows_end(struct store *s, sqlite3_stmt *st, int rc, int r,
    const char *what)
{
	sqlite3_reset(st);
	if (r != 0)
		return r;
	if (rc != SQLITE_DONE)
		return st_dberr(s, what);
	return 0;
}

void
st_b64url(char *dst, const uint8_t *src, size_t n)
{
	static const char	 al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	uint32_t		 v;
	size_t			 i;
	int			 bits;

	v = 0;
	bits = 0;
	for (i = 0; i < n; i++) {
		v = v << 8 | src[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			*dst++ = al[(v >> bits) & 0x3f];
		}
	}
	if (bits > 0)
		*dst++ = al[(v << (6 - bits)) & 0x3f];
	*dst = '\0';
}

int
st_random(struct store *s, uint8_t *dst, size_t n)
{
	size_t	got = 0;
	ssize_t	r;

	while (got < n) {
		r = getrandom(dst + got, n - got, 0);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			st_seterr(s, "getrandom: %s", strerror(errno));
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

int
st_key_id(const char *key, int64_t *id)
{
	const char	*p;
	int64_t		 v = 0;

	if (key[0] == '\0' || strlen(key) > 18)
		return 0;
	for (p = key; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		v = v * 10 + (*p - '0');
	}
	*id = v;
	return v > 0;
}

int
st_name_index(const char *const *names, int n, const char *text)
{
	int	i;

	for (i = 1; i < n; i++)
		if (names[i] != NULL && strcmp(names[i], text) == 0)
			return i;
	return -1;
}

const char *
st_name_of(const char *const *names, int n, int v)
{
	return v >= 1 && v < n && names[v] != NULL ? names[v] : "?";
}
