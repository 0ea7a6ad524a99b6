#!/usr/bin/env bash
# test_crash_safety.sh: an acknowledged change survives kill -9, and a bulk
# transaction killed half way leaves nothing of itself.
#
# 1. A loop runs "fairlist add 10.x.y.z" one process after another and
#    records each address only after the command exited 0. At a random
#    moment the whole loop (its session: the shell and the running
#    fairlist) gets SIGKILL. Then: the store passes PRAGMA integrity_check,
#    every recorded address is listed, and the CLI still works. Three rounds.
# 2. "fairlist import" (one store transaction for the whole file) is killed
#    while it runs: the zone then holds all of the file or none of it.
set -eu
: "${FAIRLIST:?set FAIRLIST to the fairlist binary}"
: "${FAIRLIST_SRC:?set FAIRLIST_SRC to the source folder}"
T=$(mktemp -d /tmp/fairlist-crash.XXXXXX)
FAILS=0
LOOP=""
cleanup() {
	if [ -n "$LOOP" ]; then kill -9 -- "-$LOOP" 2>/dev/null || true; fi
	if [ "$FAILS" -eq 0 ]; then rm -rf "$T"; else echo "left files in $T" >&2; fi
}
trap cleanup EXIT
DB=$T/fl.db
fl() { "$FAIRLIST" --db "$DB" "$@"; }

check() {
	if [ "$2" = "$3" ]; then
		echo "ok   $1"
	else
		echo "FAIL $1: got '$2', want '$3'"
		FAILS=$((FAILS + 1))
	fi
}

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
	[ "$acked" -gt 0 ] || { echo "FAIL round $round: no add was acknowledged"; FAILS=$((FAILS + 1)); }
	echo "     round $round: $acked acknowledged so far, $(wc -l <"$T/have") in the store"
	# The store is usable after the crash.
	check "round $round: add after crash" \
	    "$(fl add 192.0.2.$round --reason after --evidence crash >/dev/null 2>&1; echo $?)" "0"
	check "round $round: show after crash" \
	    "$(fl show "$(head -1 "$ACK")" --json | jq -r .listed)" "true"
done

# 2. A bulk transaction killed half way.
if "$FAIRLIST" import --help >/dev/null 2>&1; then
	fl zone add bulk.test >/dev/null
	python3 -c '
for i in range(400000):
    print("172.%d.%d.%d" % (16 + (i >> 16), (i >> 8) & 255, i & 255))' >"$T/bulk.txt"
	n=$(wc -l <"$T/bulk.txt")
	killed=0
	for delay in 0.3 0.6 1.0 0.15; do
		fl import "$T/bulk.txt" --format plain --zone bulk.test \
		    --reason "bulk crash test" >/dev/null 2>&1 &
		pid=$!
		sleep "$delay"
		if kill -9 "$pid" 2>/dev/null; then
			wait "$pid" 2>/dev/null || true
			killed=1
			got=$(sqlite3 "$DB" "SELECT count(*) FROM listing l JOIN zone z ON z.id = l.zone
			    WHERE z.name = 'bulk.test' AND l.removed_at IS NULL")
			check "bulk killed after ${delay}s: integrity" \
			    "$(sqlite3 "$DB" 'PRAGMA integrity_check')" "ok"
			case "$got" in
			0 | "$n") check "bulk killed after ${delay}s: all or nothing ($got rows)" yes yes ;;
			*) check "bulk killed after ${delay}s: all or nothing" "$got" "0 or $n" ;;
			esac
			if [ "$got" = "$n" ]; then break; fi
			# Nothing was committed: the zone is still empty, try again.
		else
			wait "$pid" 2>/dev/null || true
			echo "     import finished within ${delay}s, not killed"
			break
		fi
	done
	[ "$killed" -eq 1 ] || { echo "FAIL no import was killed mid-way"; FAILS=$((FAILS + 1)); }
else
	echo "skip bulk kill: 'fairlist import' not available (covered by unit/store/test_crash)"
fi

if [ "$FAILS" -ne 0 ]; then
	echo "$FAILS check(s) failed"
	exit 1
fi
echo "all checks passed"
