#!/usr/bin/env bash
# test_serve.sh: the daemon end to end: startup on the defaults given by a
# config, CLI changes visible over DNS within a second, no failed query
# while snapshots are swapped, expiry with no command, a failed reload
# keeps the last good data, SIGHUP, IPv6 listen, config zones.
. "$FAIRLIST_SRC/tests/lib/common.sh"

port=$(free_port)
db=$T/fl.db
cat > "$T/fl.conf" <<CONF
db $db
dns {
	listen 127.0.0.1:$port [::1]:$port
	workers 2
	reload-interval 100
}
zone bl.fairlist.test
zone second.test { code 127.0.0.9; txt "second: \$reason"; }
CONF
fl() { "$FAIRLIST" --config "$T/fl.conf" "$@"; }
q() { dig @127.0.0.1 -p "$port" +short +tries=1 +time=2 "$@"; }

fl add 192.0.2.1 --reason "hit spam traps 3 times" --evidence "trap=t1" >/dev/null
"$FAIRLIST" --config "$T/fl.conf" serve 2>"$T/serve.log" &
serve_pid=$!
PIDS="$PIDS $serve_pid"
wait_for q 2.0.0.127.bl.fairlist.test A || { cat "$T/serve.log"; exit 1; }

check "listed A" "$(q 1.2.0.192.bl.fairlist.test A)" "127.0.0.2"
check "listed TXT has the reason" \
    "$(q 1.2.0.192.bl.fairlist.test TXT | grep -c 'hit spam traps 3 times')" "1"
check "config zone code" "$(q 2.0.0.127.second.test A)" "127.0.0.9"
check "config zone txt" "$(q 2.0.0.127.second.test TXT | cut -c1-9)" '"second: '
check "IPv6 listener" \
    "$(dig @::1 -p "$port" +short +tries=1 +time=2 1.2.0.192.bl.fairlist.test A)" "127.0.0.2"
check "TCP" "$(q +tcp 1.2.0.192.bl.fairlist.test A)" "127.0.0.2"

# A change made by another process is served without a restart (the
# reload thread polls every reload-interval, 1 s by default). The time it
# took is printed, not asserted: shared machines are noisy.
start=$(date +%s%N)
fl add 198.51.100.7 --reason "new listing" --evidence "e" >/dev/null
seen=""
for i in $(seq 1 800); do
	seen=$(q 7.100.51.198.bl.fairlist.test A)
	[ "$seen" = "127.0.0.2" ] && break
	sleep 0.025
done
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "add visible over DNS" "$seen" "127.0.0.2"
echo "     (visible after ${ms} ms)"

fl remove 198.51.100.7 --why "test" >/dev/null
for i in $(seq 1 800); do
	seen=$(q 7.100.51.198.bl.fairlist.test A)
	[ -z "$seen" ] && break
	sleep 0.025
done
check "remove visible over DNS" "$seen" ""

# No query fails while snapshots are swapped: probe while 30 changes land.
python3 "$FAIRLIST_SRC/tests/lib/dnsprobe.py" 127.0.0.1 "$port" \
    1.2.0.192.bl.fairlist.test 127.0.0.2 4 400 >"$T/probe.out" 2>&1 &
probe=$!
for i in $(seq 1 30); do
	fl add "203.0.113.$i" --reason "swap $i" --evidence e >/dev/null
	sleep 0.1
done
if wait "$probe"; then probe_rc=0; else probe_rc=1; fi
check "no failed query during 30 swaps ($(cat "$T/probe.out" | tail -1))" "$probe_rc" "0"
check "last swap visible" "$(q 30.113.0.203.bl.fairlist.test A)" "127.0.0.2"

# Expiry: the listing stops answering at its expiry with no command.
fl add 192.0.2.77 --reason "short" --evidence e --expires 4s >/dev/null
answers() { [ "$(q "$1" A)" = "$2" ]; }
wait_for answers 77.2.0.192.bl.fairlist.test 127.0.0.2 || true
check "expiring listing answers first" "$(q 77.2.0.192.bl.fairlist.test A)" "127.0.0.2"
sleep 4.5
check "expired listing stops answering" "$(q 77.2.0.192.bl.fairlist.test A)" ""

# A failed reload keeps the last good data (rbldnsd answers SERVFAIL here).
sqlite3 "$db" "ALTER TABLE listing RENAME TO listing_gone"
sleep 0.5
check "failed reload keeps serving" "$(q 1.2.0.192.bl.fairlist.test A)" "127.0.0.2"
check "failed reload is logged" "$(grep -c 'keeping the previous snapshot' "$T/serve.log")" "1"
sqlite3 "$db" "ALTER TABLE listing_gone RENAME TO listing"
wait_for grep -q 'store readable again' "$T/serve.log"
check "recovers after the store is readable" "$(grep -c 'store readable again' "$T/serve.log")" "1"

# SIGHUP forces a rebuild.
n=$(grep -c 'reload:' "$T/serve.log")
kill -HUP "$serve_pid"
sleep 0.5
check "SIGHUP rebuilds" "$(( $(grep -c 'reload:' "$T/serve.log") > n ))" "1"

finish
