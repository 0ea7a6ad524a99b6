/*
 * confirm.c: the confirm_sent table (schema version 4): confirmations
 * confirm-check allowed, by recipient address and domain, for its rate
 * limits (store/confirm.h). Rows older than the window are deleted on
 * each take, so the table holds at most one window of sends.
 */
#include <string.h>

#include <sqlite3.h>

#include "store/confirm.h"
#include "store/store.h"
#include "store/store_int.h"

static const char sql_confirm_forget[] =
    "DELETE FROM confirm_sent WHERE at <= ?1";
static const char sql_confirm_count_addr[] =
    "SELECT count(*) FROM confirm_sent WHERE address = ?1 AND at > ?2";
static const char sql_confirm_count_domain[] =
    "SELECT count(*) FROM confirm_sent WHERE domain = ?1 AND at > ?2";
static const char sql_confirm_insert[] =
    "INSERT INTO confirm_sent (at, address, domain) VALUES (?1, ?2, ?3)";

/* The count of one SELECT count(*) with (key, since) into OUT:n. */
static int
count(struct store *s, const char *sql, const char *key, int64_t since,
    int64_t *n)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = st_sql(s, sql)) == NULL)
		return -1;
	st_bind_text(st, 1, key);
	sqlite3_bind_int64(st, 2, since);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return st_dberr(s, "confirm");
	return 0;
}

int
store_confirm_take(struct store *s, const char *address, const char *domain,
    int64_t now, int64_t window, int per_address, int per_domain,
    int64_t *n_addr, int64_t *n_domain)
{
	sqlite3_stmt	*st;
	int64_t		 since = now - window;
	int		 own, ok = 0, rc = STORE_CONFIRM_TAKEN;

	*n_addr = *n_domain = 0;
	if (strlen(address) > STORE_CONFIRM_ADDR_MAX ||
	    strlen(domain) > STORE_CONFIRM_ADDR_MAX) {
		st_seterr(s, "confirm: address longer than %d bytes",
		    STORE_CONFIRM_ADDR_MAX);
		return -1;
	}
	if (st_tx_begin(s, &own) == -1)
		return -1;
	if ((st = st_sql(s, sql_confirm_forget)) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, since);
	if (st_step_done(s, st, "confirm") == -1 ||
	    count(s, sql_confirm_count_addr, address, since, n_addr) == -1 ||
	    count(s, sql_confirm_count_domain, domain, since, n_domain) == -1)
		goto out;
	if (per_address > 0 && *n_addr >= per_address)
		rc = STORE_CONFIRM_ADDRESS_FULL;
	else if (per_domain > 0 && *n_domain >= per_domain)
		rc = STORE_CONFIRM_DOMAIN_FULL;
	else {
		if ((st = st_sql(s, sql_confirm_insert)) == NULL)
			goto out;
		sqlite3_bind_int64(st, 1, now);
		st_bind_text(st, 2, address);
		st_bind_text(st, 3, domain);
		if (st_step_done(s, st, "confirm") == -1)
			goto out;
		(*n_addr)++;
		(*n_domain)++;
	}
	ok = 1;
out:
	if (st_tx_end(s, own, ok) == -1)
		return -1;
	return rc;
}
