#!/usr/bin/env bash
# test_xfr_notify.sh: NOTIFY (RFC 1996) with TSIG. A fairlist primary
# with 'notify' naming a Knot and an NSD secondary: after 'fairlist add'
# and 'fairlist remove' each secondary is told, transfers the zone and
# serves the change. Their SOA refresh is an hour, so only the NOTIFY can
# make them transfer within the test. Eventually within 30 s; the time
# is printed, not asserted. The change goes by IXFR (RFC 1995): fairlist
# logs an IXFR difference for each secondary and serial (never the whole
# zone), Knot logs an incoming IXFR, and each secondary's zone after it
# equals a fresh AXFR from fairlist (dig AXFR of both, sorted, diffed).
# fairlist status --json shows each target's last NOTIFY (answered,
# rcode 0; the answers' TSIG is verified) and the last transfer (IXFR,
# serial, bytes). A NOTIFY to a target that never answers is
# sent XFR_NOTIFY_TRIES (5) times and then given up, with a log line.
# Fails, naming the Debian package, when knotd or nsd is missing.
. "$FAIRLIST_SRC/tests/lib/common.sh"
. "$FAIRLIST_SRC/tests/lib/secondaries.sh"
need knotd knot
need nsd nsd

SECRET=c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=
port=$(free_port)
kport=$(free_port)
nport=$(free_port)
dead=$(free_port)	# nobody listens: the NOTIFY is never answered
cat > "$T/fl.conf" <<CONF
db $T/fl.db
dns {
	listen 127.0.0.1:$port
	workers 1
	reload-interval 100
	transfer {
		allow 127.0.0.1
		tsig xfr-key hmac-sha256 $SECRET
		notify 127.0.0.1:$kport 127.0.0.1:$nport
		notify 127.0.0.1:$dead
	}
}
http { listen 127.0.0.1:$(free_port) }
policy { listen 127.0.0.1:$(free_port) }
CONF
fl() { "$FAIRLIST" --config "$T/fl.conf" "$@"; }
z=bl.fairlist.test
fl zone add "$z" >/dev/null || die "zone add"
fl add 192.0.2.1 --reason "first" --evidence "e" >/dev/null || die "add"
# A zone larger than one change, so that the difference is the smaller
# answer: hosts, a range (a wildcard) and an exclusion in it.
for i in 2 3 4 5 6 7 8 9; do
	fl add 192.0.2.$i --reason "host $i" --evidence "e" >/dev/null ||
	    die "add"
done
fl add 203.0.113.0/24 --reason "net" --evidence "e" >/dev/null || die "add"
fl add 203.0.113.9 --exclude --reason "ours" --evidence "e" >/dev/null ||
    die "exclude"

start_knot "$kport" "$port" "$z"
start_nsd "$nport" "$port" "$z"
"$FAIRLIST" --config "$T/fl.conf" serve 2>"$T/serve.log" &
PIDS="$PIDS $!"
wait_for dig @127.0.0.1 -p "$port" +short +tries=1 +time=1 "$z" SOA ||
    { cat "$T/serve.log"; die "fairlist did not start"; }
s0=$(soa_serial "$port" "$z")
for sec in "knot $kport" "nsd $nport"; do
	set -- $sec
	wait_serial "$2" "$z" "$s0"
	check "$1 holds the zone" "$(soa_serial "$2" "$z")" "$s0"
done

# visible PORT NAME WANT: wait up to 30 s until PORT answers NAME's A WANT.
visible() {
	local i got=""
	for i in $(seq 1 300); do
		got=$(dig @127.0.0.1 -p "$1" +short +tries=1 +time=1 "$2" A)
		[ "$got" = "$3" ] && return 0
		sleep 0.1
	done
	return 1
}

start=$(date +%s%N)
fl add 198.51.100.77 --reason "new" --evidence "e" >/dev/null || die "add"
for sec in "knot $kport" "nsd $nport"; do
	set -- $sec
	if visible "$2" 77.100.51.198.$z 127.0.0.2; then
		ok "$1 serves the added address after the NOTIFY"
	else
		fail "$1 does not serve the added address"
	fi
done
echo "     (both after $(( ($(date +%s%N) - start) / 1000000 )) ms)"

fl remove 198.51.100.77 --why "test" >/dev/null || die "remove"
for sec in "knot $kport" "nsd $nport"; do
	set -- $sec
	if visible "$2" 77.100.51.198.$z ""; then
		ok "$1 no longer serves the removed address"
	else
		fail "$1 still serves the removed address"
	fi
done
s2=$(soa_serial "$port" "$z")
check "knot at fairlist's serial" "$(soa_serial "$kport" "$z")" "$s2"
check "nsd at fairlist's serial" "$(soa_serial "$nport" "$z")" "$s2"

# By IXFR: one difference per secondary for each change, no whole zone.
ixfrs=$(grep -c "xfr: zone $z IXFR serial [0-9]* -> $s2 to 127.0.0.1" \
    "$T/serve.log")
check "fairlist sent the removal by IXFR to both" "$ixfrs" 2
ixfrs=$(grep -c "xfr: zone $z IXFR serial $s0 -> [0-9]* to 127.0.0.1" \
    "$T/serve.log")
check "fairlist sent the addition by IXFR to both" "$ixfrs" 2
grep -q "IXFR serial [0-9]* -> $s2 to .*: 2 records deleted, 0 added" \
    "$T/serve.log" && ok "the removal is 2 records deleted" ||
    fail "the removal is not 2 records deleted"
whole=$(grep -c "xfr: zone $z IXFR as the whole zone" "$T/serve.log" || :)
check "no IXFR was answered with the whole zone" "$whole" 0
# Knot logs the transfer, then the refresh it made: an IXFR to $s2, and
# no "AXFR-style IXFR" (the whole zone in an IXFR answer).
grep -B1 "zone updated.*serial [0-9]* -> $s2," "$T/knot/knot.log" |
    grep -q "IXFR, incoming, .*finished" &&
    ok "knot logs an incoming IXFR to $s2" ||
    fail "knot logs no incoming IXFR to $s2"
grep -qi "AXFR-style" "$T/knot/knot.log" &&
    fail "knot received an AXFR-style IXFR" ||
    ok "knot received no AXFR-style IXFR"

# fairlist status: each target's last NOTIFY was answered (its TSIG
# verified: the answers are signed), and the one address all three share
# holds the last transfer, the IXFR to $s2.
# secondary JSON ADDRESS KEY: the KEY of ADDRESS's entry for the zone.
secondary() {
	python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
e = [o for o in j["secondaries"] if o["address"] == sys.argv[2] and
     o["zone"] == sys.argv[3]]
print(json.dumps(e[0][sys.argv[4]]) if len(e) == 1 else "missing")' \
	    "$1" "$2" "$z" "$3"
}
fl status --json > "$T/status.json" || fail "fairlist status --json"
for sec in "knot $kport" "nsd $nport"; do
	set -- $sec
	check "status: $1's NOTIFY serial" \
	    "$(secondary "$T/status.json" "127.0.0.1:$2" notify_serial)" "$s2"
	check "status: $1's NOTIFY answered" \
	    "$(secondary "$T/status.json" "127.0.0.1:$2" notify_result)" \
	    '"answered"'
	check "status: $1's NOTIFY rcode" \
	    "$(secondary "$T/status.json" "127.0.0.1:$2" notify_rcode)" 0
	check "status: $1 has a NOTIFY time" "$(secondary "$T/status.json" \
	    "127.0.0.1:$2" last_notify | grep -c '^"20..-..-..T')" 1
done
check "status: the last transfer to 127.0.0.1" \
    "$(secondary "$T/status.json" 127.0.0.1 transfer)" '"IXFR"'
check "status: its serial" \
    "$(secondary "$T/status.json" 127.0.0.1 transfer_serial)" "$s2"
bytes=$(secondary "$T/status.json" 127.0.0.1 transfer_bytes)
[ "$bytes" -gt 0 ] 2>/dev/null && ok "status: its bytes ($bytes)" ||
    fail "status: transfer bytes $bytes"
grep -q "counted as none" "$T/serve.log" &&
    fail "a NOTIFY answer was not well signed" ||
    ok "every NOTIFY answer was well signed"

# records PORT [KEY]: the zone by AXFR, one record a line, sorted.
records() {
	dig @127.0.0.1 -p "$1" ${2:+-y "$2"} +nocmd +noall +answer +norrcomments \
	    "$z" AXFR | awk '{ $1 = tolower($1); print }' | sort -u
}
records "$port" "hmac-sha256:xfr-key:$SECRET" > "$T/fairlist.axfr"
[ "$(grep -c " IN TXT " "$T/fairlist.axfr")" -ge 10 ] ||
    fail "fairlist's AXFR is short: $(wc -l < "$T/fairlist.axfr") lines"
for sec in "knot $kport" "nsd $nport"; do
	set -- $sec
	records "$2" > "$T/$1.axfr"
	if diff "$T/fairlist.axfr" "$T/$1.axfr" > "$T/$1.diff"; then
		ok "$1's zone after IXFR equals a fresh AXFR from fairlist"
	else
		fail "$1's zone differs from fairlist's AXFR"
		cat "$T/$1.diff"
	fi
done

grep -q "NOTIFY zone $z serial $s2 to 127.0.0.1:$kport" "$T/serve.log" &&
    ok "fairlist logs the NOTIFY" || fail "no NOTIFY in fairlist's log"
grep -qi "notify.*incoming\|incoming.*notify" "$T/knot/knot.log" &&
    ok "knot logs the incoming NOTIFY" || fail "knot logs no NOTIFY"
grep -qi "notify" "$T/nsd/nsd.log" &&
    ok "nsd logs the NOTIFY" || fail "nsd logs no NOTIFY"
# The dead target: 5 sends (0, 1, 3, 7, 11 s after the last change),
# then a warning at 15 s: wait up to 30 s.
for i in $(seq 1 300); do
	grep -q "to 127.0.0.1:$dead: no answer after 5 tries" "$T/serve.log" &&
	    break
	sleep 0.1
done
grep -q "to 127.0.0.1:$dead: no answer after 5 tries" "$T/serve.log" &&
    ok "an unanswered NOTIFY is given up after 5 tries" ||
    fail "no give-up line for the dead target"
fl status --json > "$T/status.json" || fail "fairlist status --json"
check "status: the dead target's NOTIFY" \
    "$(secondary "$T/status.json" "127.0.0.1:$dead" notify_result)" \
    '"no answer"'
check "status: the dead target's rcode" \
    "$(secondary "$T/status.json" "127.0.0.1:$dead" notify_rcode)" null
fl status > "$T/status.txt" || fail "fairlist status"
grep -q "^secondary 127.0.0.1:$kport zone $z: .*notify_result=answered" \
    "$T/status.txt" && ok "status prints knot's line" ||
    { fail "status prints no line for knot"; cat "$T/status.txt"; }
[ "$FAILS" -eq 0 ] || cat "$T/serve.log" "$T/knot/knot.log" "$T/nsd/nsd.log"
finish
