/*
 * fx.h: the fixture of the store's unit tests: a fresh store in its own
 * temporary directory (setup, teardown), prefixes from text (pfx) and one
 * integer from SQL on a second, raw connection (sql_int). Included by one
 * test file each; the functions are static inline (a file may leave one
 * unused).
 */
#ifndef FAIRLIST_TEST_STORE_FX_H
#define FAIRLIST_TEST_STORE_FX_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "core/addr.h"
#include "store/store.h"

struct fx {
	char		 dir[64];
	char		 path[128];
	struct store	*s;
};

static inline int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));
	char		 err[STORE_ERR_MAX];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/fairlist-store-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/t.db", f->dir);
	f->s = store_open(f->path, 0, err);
	if (f->s == NULL)
		fail_msg("store_open: %s", err);
	*state = f;
	return 0;
}

static inline int
teardown(void **state)
{
	struct fx	*f = *state;
	char		 cmd[200];

	store_close(f->s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(f);
	return 0;
}

static inline struct addr_prefix
pfx(const char *text)
{
	struct addr_prefix	 p;
	const char		*err;

	if (addr_parse(text, &p, &err) == -1)
		fail_msg("addr_parse(%s): %s", text, err);
	return p;
}

/* One integer from a SQL query on a second, raw connection. */
static inline int64_t
sql_int(const char *path, const char *sql)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	int64_t		 v = -1;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("prepare %s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

#endif /* FAIRLIST_TEST_STORE_FX_H */
