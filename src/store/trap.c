/*
 * trap.c: the trap receiver's range evidence (store/trap.h).
 *
 * Which single addresses of a range were trap-listed in a zone lately:
 * the range escalation of src/traps/list.c needs their number and, for
 * the evidence, the addresses. lo is the 16-byte network-order address
 * (IPv4-mapped for IPv4), so BLOB comparison orders it as addresses and
 * "lo BETWEEN first AND last" is the range. Reads only.
 */
#include <string.h>

#include "store/store_int.h"
#include "store/trap.h"

static const char trap_addrs_sql[] =
    "SELECT DISTINCT lo FROM listing WHERE zone = ?1 AND source = ?2"
    " AND plen = 128 AND exclude = 0 AND lo BETWEEN ?3 AND ?4"
    " AND listed_at >= ?5 ORDER BY lo LIMIT ?6";

int
store_trap_addresses(struct store *s, const char *zone, const char *source,
    const struct addr_prefix *range, int64_t since,
    uint8_t (*addrs)[ADDR_LEN], int max)
{
	sqlite3_stmt	*st;
	uint8_t		 last[ADDR_LEN];
	int64_t		 zid;
	int		 n = 0, rc;

	if ((zid = st_zone_id(s, zone)) == -1)
		return -1;
	if ((st = st_sql(s, trap_addrs_sql)) == NULL)
		return -1;
	addr_last(range, last);
	sqlite3_bind_int64(st, 1, zid);
	st_bind_text(st, 2, source);
	sqlite3_bind_blob(st, 3, range->a, ADDR_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, last, ADDR_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, since);
	sqlite3_bind_int(st, 6, max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < max) {
		if (sqlite3_column_bytes(st, 0) != ADDR_LEN)
			continue;
		memcpy(addrs[n++], sqlite3_column_blob(st, 0), ADDR_LEN);
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sqlite3_reset(st);
		return st_dberr(s, "trap addresses");
	}
	sqlite3_reset(st);
	return n;
}
