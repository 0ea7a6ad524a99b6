#!/usr/bin/env bash
# test_xfr_notify.sh: NOTIFY (RFC 1996) with TSIG. A fairlist primary
# with 'notify' naming a Knot and an NSD secondary: after 'fairlist add'
# and 'fairlist remove' each secondary is told, transfers the zone and
# serves the change. Their SOA refresh is an hour, so only the NOTIFY can
# make them transfer within the test. Eventually within 30 s; the time
# is printed, not asserted. A NOTIFY to a target that never answers is
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
[ "$FAILS" -eq 0 ] || cat "$T/serve.log" "$T/knot/knot.log" "$T/nsd/nsd.log"
finish
