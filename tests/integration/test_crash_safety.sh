#!/usr/bin/env bash
# test_crash_safety.sh: an acknowledged change survives kill -9, and a bulk
# transaction killed half way leaves nothing of itself.
#
# 1. A loop runs "fairlist add 10.x.y.z" one process after another and
#    records each address only after the command exited 0. At a random
#    moment the whole loop (its session: the shell and the running
#    fairlist) gets SIGKILL. Then: the store passes PRAGMA integrity_check,
#    every recorded address is listed, and the CLI still works. Three rounds.
# 2. "fairlist import" (one store transaction for the whole file) of
#    400,000 lines gets SIGKILL once it has written 4 MB to the store's
#    WAL: the zone then holds all of the file or none of it, an import
#    acknowledged before (exit 0) is all there, every add acknowledged in
#    part 1 is still listed, and the store passes PRAGMA integrity_check.
set -eu
. "$FAIRLIST_SRC/tests/lib/common.sh"
need sqlite3 sqlite3
need jq jq
LOOP=""
trap 'if [ -n "$LOOP" ]; then kill -9 -- "-$LOOP" 2>/dev/null || true; fi; cleanup' EXIT
DB=$T/fl.db
fl() { "$FAIRLIST" --db "$DB" "$@"; }

# hex of the 128-bit stored form of an IPv4 address (IPv4-mapped).
v4hex() {
	local IFS=.
	set -- $1
	printf '00000000000000000000FFFF%02X%02X%02X%02X\n' "$1" "$2" "$3" "$4"
}

fl zone add bl.fairlist.test >/dev/null	# creates the store
ACK=$T/acked
: >"$ACK"
for round in 1 2 3; do
	start=$((round * 100000))
	# setsid: the loop leads its own session, so one kill reaches the
	# shell and whichever fairlist it is running at that moment.
	setsid bash -c '
		i=$1
		while :; do
			a="10.$((i >> 16 & 255)).$((i >> 8 & 255)).$((i & 255))"
			if "$FAIRLIST" --db "$2" add "$a" --reason "crash test" \
			    --evidence "round $3" >/dev/null 2>&1; then
				echo "$a" >>"$4"
			fi
			i=$((i + 1))
		done' loop "$start" "$DB" "$round" "$ACK" &
	LOOP=$!
	# A random moment between 0.5 and 2.5 s.
	ms=$((RANDOM % 2000 + 500))
	sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
	sid=$LOOP
	kill -9 -- "-$sid" 2>/dev/null || true
	wait "$sid" 2>/dev/null || true
	LOOP=""
	# Nothing of the session may survive (a fairlist still writing);
	# a killed child may linger as a zombie until init reaps it.
	for i in $(seq 1 50); do
		alive=$(ps -o stat= -s "$sid" | grep -vc '^Z' || true)
		[ "$alive" -eq 0 ] && break
		sleep 0.1
	done
	check "round $round: killed after ${ms} ms, session gone" "$alive" "0"
	check "round $round: integrity" "$(sqlite3 "$DB" 'PRAGMA integrity_check')" "ok"
	# Only complete lines: a line cut by the kill was still acknowledged,
	# but its address cannot be read back.
	grep -E '^10\.[0-9]+\.[0-9]+\.[0-9]+$' "$ACK" | while read -r a; do v4hex "$a"; done |
	    sort >"$T/want"
	sqlite3 "$DB" "SELECT hex(lo) FROM listing WHERE removed_at IS NULL" | sort >"$T/have"
	missing=$(comm -23 "$T/want" "$T/have" | wc -l)
	acked=$(wc -l <"$T/want")
	check "round $round: all $acked acknowledged adds present" "$missing" "0"
	[ "$acked" -gt 0 ] || fail "round $round: no add was acknowledged"
	echo "     round $round: $acked acknowledged so far, $(wc -l <"$T/have") in the store"
	# The store is usable after the crash.
	check "round $round: add after crash" \
	    "$(fl add 192.0.2.$round --reason after --evidence crash >/dev/null 2>&1; echo $?)" "0"
	check "round $round: show after crash" \
	    "$(fl show "$(head -1 "$ACK")" --json | jq -r .listed)" "true"
done

# 2. A bulk transaction killed half way.
# count ZONE: the zone's current listings.
count() {
	sqlite3 "$DB" "SELECT count(*) FROM listing l JOIN zone z ON z.id = l.zone
	    WHERE z.name = '$1' AND l.removed_at IS NULL"
}
# hex of every current listing, sorted.
current() {
	sqlite3 "$DB" "SELECT hex(lo) FROM listing WHERE removed_at IS NULL" | sort
}
fl zone add acked.test >/dev/null
fl zone add bulk.test >/dev/null
python3 -c '
for i in range(1000):
    print("198.18.%d.%d" % (i >> 8, i & 255))' >"$T/acked.txt"
check "acknowledged import exits 0" \
    "$(fl import "$T/acked.txt" --format plain --zone acked.test >/dev/null 2>&1; echo $?)" "0"
check "acknowledged import: all rows" "$(count acked.test)" "1000"
current >"$T/before"
python3 -c '
for i in range(400000):
    print("172.%d.%d.%d" % (16 + (i >> 16), (i >> 8) & 255, i & 255))' >"$T/bulk.txt"
n=$(wc -l <"$T/bulk.txt")
wal_size() { stat -c %s "$DB-wal" 2>/dev/null || echo 0; }
killed=0
for attempt in 1 2 3 4 5; do
	w0=$(wal_size)
	# The binary itself in the background, not the fl function: $! of a
	# function is the subshell running it, and SIGKILL to that leaves the
	# import running, still holding the write lock.
	"$FAIRLIST" --db "$DB" import "$T/bulk.txt" --format plain \
	    --zone bulk.test --reason "bulk crash test" >/dev/null 2>&1 &
	pid=$!
	# Kill once the import has written 4 MB of its transaction to the WAL
	# (the whole file takes about 15 MB): well inside the transaction.
	while kill -0 "$pid" 2>/dev/null &&
	    [ "$(wal_size)" -lt $((w0 + 4 * 1024 * 1024)) ]; do
		sleep 0.01
	done
	kill -9 "$pid" 2>/dev/null || true
	rc=0
	wait "$pid" 2>/dev/null || rc=$?
	got=$(count bulk.test)
	if [ "$rc" -ne 137 ]; then
		echo "     attempt $attempt: import exited $rc before the kill ($got rows)"
		[ "$got" = 0 ] || sqlite3 "$DB" "DELETE FROM listing WHERE zone =
		    (SELECT id FROM zone WHERE name = 'bulk.test')"
		continue
	fi
	killed=$((killed + 1))
	check "bulk killed (attempt $attempt): integrity" \
	    "$(sqlite3 "$DB" 'PRAGMA integrity_check')" "ok"
	case "$got" in
	0 | "$n") check "bulk killed (attempt $attempt): all or nothing ($got rows)" yes yes ;;
	*) check "bulk killed (attempt $attempt): all or nothing" "$got" "0 or $n" ;;
	esac
	check "bulk killed (attempt $attempt): the acknowledged import is whole" \
	    "$(count acked.test)" "1000"
	check "bulk killed (attempt $attempt): no acknowledged listing lost" \
	    "$(current | comm -23 "$T/before" - | wc -l)" "0"
	break
done
[ "$killed" -gt 0 ] || fail "no import was killed by SIGKILL in 5 attempts"
rc=0
fl import "$T/bulk.txt" --format plain --zone bulk.test >/dev/null 2>"$T/err" || rc=$?
check "import after the kill: exit 0" "$rc" "0"
[ "$rc" -eq 0 ] || cat "$T/err"
check "import after the kill: all rows" "$(count bulk.test)" "$n"
check "import after the kill: integrity" "$(sqlite3 "$DB" 'PRAGMA integrity_check')" "ok"

finish
