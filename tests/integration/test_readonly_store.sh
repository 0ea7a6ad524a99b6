#!/usr/bin/env bash
# test_readonly_store.sh: issue 9, item 5. The commands that only read
# (show, zone list, export, check) work for a user who may read the store
# but not write it or its directory, with and without the -wal and -shm
# files, and write nothing; a missing store is an error naming the path,
# and no command that only reads creates one.
. "$FAIRLIST_SRC/tests/lib/common.sh"
command -v setpriv >/dev/null || { echo "FAIL setpriv missing (Debian package util-linux)"; exit 1; }
command -v sqlite3 >/dev/null || { echo "FAIL sqlite3 missing (Debian package sqlite3)"; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "FAIL must run as root, to run commands as nobody"; exit 1; }

dir=$T/store
mkdir "$dir"
db=$dir/fl.db
cat > "$T/ro.conf" <<CONF
db $db
policy {
	listen off
	blocklist bl.fairlist.test
	spf { check no }
}
CONF
"$FAIRLIST" --db "$db" add 192.0.2.1 --reason "hit traps" --evidence "t1" >/dev/null
# nobody may read everything and write nothing.
chmod 755 "$T" "$dir"
chmod 644 "$dir"/*
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$FAIRLIST" "$@"; }
sum() { cat "$dir"/* | md5sum; }

# run_ro NAME RC WANT ARGS...: as nobody, exit RC, no error line, the first
# line of output (up to a comma) as wanted, no file changed.
run_ro() {
	local name=$1 want_rc=$2 want=$3 before rc=0
	shift 3
	before=$(sum)
	as_nobody "$@" >"$T/out" 2>"$T/err" || rc=$?
	check "$name: exit" "$rc" "$want_rc"
	check "$name: no error" "$(grep '^fairlist:' "$T/err" || true)" ""
	check "$name: output" "$(head -1 "$T/out" | cut -d, -f1)" "$want"
	check "$name: nothing written" "$(sum)" "$before"
}

for files in "with -wal and -shm" "without -wal and -shm"; do
	check "$files: files" "$(ls "$dir" | tr '\n' ' ')" \
	    "$([ "$files" = "with -wal and -shm" ] && echo "fl.db fl.db-shm fl.db-wal " || echo "fl.db ")"
	run_ro "show ($files)" 0 "192.0.2.1 is listed in bl.fairlist.test" \
	    --db "$db" show 192.0.2.1
	run_ro "zone list ($files)" 0 "bl.fairlist.test  code 127.0.0.2  serial $(sqlite3 "$db" 'SELECT serial FROM zone')  listings 1" \
	    --db "$db" zone list
	run_ro "export ($files)" 0 \
	    "# fairlist export of zone bl.fairlist.test as rbldnsd ip4set" \
	    --db "$db" export --zone bl.fairlist.test
	# check exits 1 for a rejected client.
	run_ro "check ($files)" 1 "verdict: reject (rule blocklist) action=554 5.7.1 Mail from 192.0.2.1 refused: listed on bl.fairlist.test since $(date -u +%Y-%m-%d) (hit traps); see http://127.0.0.1:8080/lookup/192.0.2.1" \
	    --config "$T/ro.conf" check 192.0.2.1 --no-probe
	# A store an older fairlist (or any SQLite client) closed last: the
	# -wal and -shm files are gone.
	sqlite3 "$db" "SELECT count(*) FROM zone" >/dev/null
done

# A write is refused, and says why.
rc=0
as_nobody --db "$db" add 192.0.2.2 --reason r --evidence e >/dev/null 2>"$T/err" || rc=$?
check "add as nobody: refused" "$rc" "1"

# A missing store: an error naming it, and nothing created.
for cmd in "show 192.0.2.1" "zone list"; do
	rc=0
	# shellcheck disable=SC2086
	"$FAIRLIST" --db "$T/typo.db" $cmd >/dev/null 2>"$T/err" || rc=$?
	check "$cmd on a missing store: exit" "$rc" "1"
	check "$cmd on a missing store: error" "$(cat "$T/err")" \
	    "fairlist: ${cmd%% *}: $T/typo.db: no such store (a read-only open creates none)"
	check "$cmd on a missing store: not created" "$(ls "$T"/typo.db* 2>/dev/null || true)" ""
done
finish
