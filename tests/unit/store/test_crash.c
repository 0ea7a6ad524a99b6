/*
 * test_crash.c: a process killed with SIGKILL in the middle of a bulk
 * transaction leaves nothing of that transaction, keeps every committed
 * one, and leaves a store that opens cleanly (PRAGMA integrity_check).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "core/addr.h"
#include "store/store.h"
#include "fx.h"

/* As large as the store after batch 1: the second batch drops the index. */
#define BATCH	STORE_REINDEX_MIN

static int64_t
add_v4(struct store *s, uint32_t v)
{
	struct store_listing	l;

	memset(&l, 0, sizeof(l));
	l.zone = STORE_DEFAULT_ZONE;
	addr_from_v4(l.prefix.a, v);
	l.prefix.plen = 128;
	l.prefix.family = 4;
	l.reason = "crash test";
	l.evidence = "bulk";
	return store_add(s, &l, "test");
}

/*
 * Child: commit one batch of BATCH rows and say so ('c'), open a second
 * batch, add BATCH rows, check that the batch now runs without
 * listing_active (exit 9 if not) and say so ('m'), then keep adding until
 * killed.
 */
static void
child(const char *path, int fd)
{
	struct store	*s;
	char		 err[STORE_ERR_MAX];
	uint32_t	 i;

	if ((s = store_open(path, 0, err)) == NULL)
		_exit(2);
	if (store_begin(s) == -1)
		_exit(3);
	for (i = 0; i < BATCH; i++)
		if (add_v4(s, 0x0a000000u + i) <= 0)
			_exit(4);
	if (store_commit(s) == -1 || write(fd, "c", 1) != 1)
		_exit(5);
	if (store_begin(s) == -1)
		_exit(6);
	for (i = 0;; i++) {
		if (add_v4(s, 0x0b000000u + (i & 0xffffff)) <= 0)
			_exit(7);
		if (i == BATCH && !store_batch_unindexed(s))
			_exit(9);
		if (i == BATCH && write(fd, "m", 1) != 1)
			_exit(8);
	}
}

static void
test_kill_mid_bulk(void **state)
{
	char		 dir[] = "/tmp/fairlist-crash-XXXXXX", path[64], cmd[96];
	char		 c, err[STORE_ERR_MAX];
	const char	*ic;
	int		 p[2], status;
	pid_t		 pid;
	struct store	*s;
	sqlite3		*db;
	sqlite3_stmt	*st;
	int64_t		 n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.db", dir);
	assert_int_equal(pipe(p), 0);
	if ((pid = fork()) == 0) {
		close(p[0]);
		child(path, p[1]);
	}
	assert_true(pid > 0);
	close(p[1]);
	if (read(p[0], &c, 1) != 1 || c != 'c')
		fail_msg("child did not commit its first batch");
	if (read(p[0], &c, 1) != 1 || c != 'm') {
		waitpid(pid, &status, 0);
		fail_msg("child did not reach the middle of its second batch "
		    "with listing_active dropped (exit %d)",
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFSIGNALED(status))
		fail_msg("child exited (status %d) before the kill", status);
	close(p[0]);

	/* The store opens, is consistent, holds batch 1 and none of 2. */
	if ((s = store_open(path, 0, err)) == NULL)
		fail_msg("open after kill: %s", err);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1,
	    &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	ic = (const char *)sqlite3_column_text(st, 0);
	if (strcmp(ic, "ok") != 0)
		fail_msg("integrity_check: got '%s', want 'ok'", ic);
	sqlite3_finalize(st);
	sqlite3_close(db);
	n = sql_int(path, "SELECT count(*) FROM listing");
	if (n != BATCH)
		fail_msg("rows after kill: got %lld, want %d (batch 1 only)",
		    (long long)n, BATCH);
	n = sql_int(path, "SELECT open FROM zone WHERE name = "
	    "'bl.fairlist.test'");
	if (n != BATCH)
		fail_msg("zone.open after kill: got %lld, want %d",
		    (long long)n, BATCH);
	/*
	 * The second batch had dropped listing_active (the child checked);
	 * the kill rolled that back too.
	 */
	n = sql_int(path, "SELECT count(*) FROM sqlite_master WHERE type = "
	    "'index' AND name = 'listing_active'");
	if (n != 1)
		fail_msg("listing_active after kill: got %lld, want 1",
		    (long long)n);
	if (add_v4(s, 0x0a000001u) != -1)
		fail_msg("duplicate after kill: got success, want refusal");
	/* And it takes new writes. */
	if (add_v4(s, 0x0b000001u) <= 0)
		fail_msg("add after kill: %s", store_errmsg(s));
	store_close(s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill_mid_bulk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
