#!/usr/bin/env bash
# test_xfr_restart.sh: IXFR (RFC 1995) across restarts of fairlist, from
# the store's history (store/version.h). A Knot secondary holds the zone;
# fairlist is stopped, the zone changed with the CLI, fairlist started
# again: its startup NOTIFY brings Knot's IXFR, which must be a real
# difference (fairlist logs "IXFR serial OLD -> NEW ... N records
# deleted, M added" and never "IXFR as the whole zone"; Knot logs an
# incoming IXFR, no AXFR-style IXFR), and Knot's zone after it must equal
# a fresh AXFR from fairlist (dig AXFR of both, sorted, diffed). Once for
# an addition, once for a removal. Then Knot's serial is made older than
# what a start reads back (four changes while fairlist is down: the
# three serials before the current one are read back): that IXFR gets
# the whole zone, logged with its reason, and Knot's zone again equals
# fairlist's AXFR. Knot's SOA refresh is an hour: only the NOTIFY can
# bring the transfers within the test. Fails, naming the Debian package,
# when knotd is missing.
. "$FAIRLIST_SRC/tests/lib/common.sh"
. "$FAIRLIST_SRC/tests/lib/secondaries.sh"
need knotd knot
need dig bind9-dnsutils

SECRET=c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=
port=$(free_port)
kport=$(free_port)
cat > "$T/fl.conf" <<CONF
db $T/fl.db
dns {
	listen 127.0.0.1:$port
	workers 1
	reload-interval 100
	transfer {
		allow 127.0.0.1
		tsig xfr-key hmac-sha256 $SECRET
		notify 127.0.0.1:$kport
	}
}
http { listen off }
policy { listen 127.0.0.1:$(free_port) }
CONF
fl() { "$FAIRLIST" --config "$T/fl.conf" "$@"; }
z=bl.fairlist.test
fl zone add "$z" >/dev/null || die "zone add"
# Larger than one change (so the difference is the smaller answer):
# hosts, a range (a wildcard) and an exclusion in it.
for i in 1 2 3 4 5 6 7 8 9; do
	fl add 192.0.2.$i --reason "host $i" --evidence "e" >/dev/null ||
	    die "add"
done
fl add 203.0.113.0/24 --reason "net" --evidence "e" >/dev/null || die "add"
fl add 203.0.113.9 --exclude --reason "ours" --evidence "e" >/dev/null ||
    die "exclude"

FPID=""
run=0
# serve: start fairlist (log $T/serve.N.log) and wait until it answers.
serve() {
	local i
	run=$((run + 1))
	"$FAIRLIST" --config "$T/fl.conf" serve 2>"$T/serve.$run.log" &
	FPID=$!
	PIDS="$PIDS $FPID"
	for i in $(seq 1 300); do
		dig @127.0.0.1 -p "$port" +short +tries=1 +time=1 "$z" SOA \
		    >/dev/null 2>&1 && [ -n "$(soa_serial "$port" "$z")" ] &&
		    return 0
		sleep 0.1
	done
	cat "$T/serve.$run.log"
	die "fairlist did not start"
}
# halt: stop fairlist and wait for it to exit.
halt() {
	kill "$FPID"
	wait "$FPID" 2>/dev/null || :
}
# records PORT [KEY]: the zone by AXFR, one record a line, sorted.
records() {
	dig @127.0.0.1 -p "$1" ${2:+-y "$2"} +nocmd +noall +answer \
	    +norrcomments "$z" AXFR | awk '{ $1 = tolower($1); print }' |
	    sort -u
}
# same NAME: Knot's zone equals a fresh AXFR from fairlist.
same() {
	records "$port" "hmac-sha256:xfr-key:$SECRET" > "$T/fairlist.axfr"
	records "$kport" > "$T/knot.axfr"
	[ "$(grep -c " IN TXT " "$T/fairlist.axfr")" -ge 10 ] ||
	    fail "fairlist's AXFR is short: $(wc -l < "$T/fairlist.axfr")"
	if diff "$T/fairlist.axfr" "$T/knot.axfr" > "$T/knot.diff"; then
		ok "$1: knot's zone equals a fresh AXFR from fairlist"
	else
		fail "$1: knot's zone differs from fairlist's AXFR"
		cat "$T/knot.diff"
	fi
}
# knot_ixfr TO: Knot's log shows an incoming IXFR finished just before
# its zone went to serial TO.
knot_ixfr() {
	grep -B1 "zone updated.*serial [0-9]* -> $1," "$T/knot/knot.log" |
	    grep -q "IXFR, incoming, .*finished"
}

start_knot "$kport" "$port" "$z"
serve
s0=$(soa_serial "$port" "$z")
wait_serial "$kport" "$z" "$s0" || :
check "knot holds the zone at $s0" "$(soa_serial "$kport" "$z")" "$s0"

# 1. An addition while fairlist is down.
halt
sleep 1		# the next serial is at least the next second
fl add 198.51.100.77 --reason "new" --evidence "e" >/dev/null || die "add"
s1=$(sqlite3 "$T/fl.db" "SELECT serial FROM zone WHERE name = '$z'")
serve
wait_serial "$kport" "$z" "$s1" || :
check "after a restart knot is at $s1" "$(soa_serial "$kport" "$z")" "$s1"
grep -q "xfr: zone $z: 3 of 3 older versions read back" "$T/serve.$run.log" &&
    ok "fairlist read the older version back at start" ||
    fail "fairlist logs no older version read back"
grep -q "xfr: zone $z IXFR serial $s0 -> $s1 to 127.0.0.1[^ ]*: 0 records deleted, 2 added" \
    "$T/serve.$run.log" && ok "fairlist sent the addition as a difference" ||
    fail "fairlist did not send the addition as a difference"
check "no whole zone for the addition" \
    "$(grep -c "IXFR as the whole zone" "$T/serve.$run.log" || :)" 0
knot_ixfr "$s1" && ok "knot logs an incoming IXFR to $s1" ||
    fail "knot logs no incoming IXFR to $s1"
same "after the addition"

# 2. A removal while fairlist is down.
halt
sleep 1
fl remove 192.0.2.1 --why "test" >/dev/null || die "remove"
s2=$(sqlite3 "$T/fl.db" "SELECT serial FROM zone WHERE name = '$z'")
serve
wait_serial "$kport" "$z" "$s2" || :
check "after a restart knot is at $s2" "$(soa_serial "$kport" "$z")" "$s2"
grep -q "xfr: zone $z IXFR serial $s1 -> $s2 to 127.0.0.1[^ ]*: 2 records deleted, 0 added" \
    "$T/serve.$run.log" && ok "fairlist sent the removal as a difference" ||
    fail "fairlist did not send the removal as a difference"
check "no whole zone for the removal" \
    "$(grep -c "IXFR as the whole zone" "$T/serve.$run.log" || :)" 0
knot_ixfr "$s2" && ok "knot logs an incoming IXFR to $s2" ||
    fail "knot logs no incoming IXFR to $s2"
check "knot no longer serves the removed address" \
    "$(dig @127.0.0.1 -p "$kport" +short 1.2.0.192.$z A)" ""
same "after the removal"

# 3. Four changes while fairlist is down: Knot's serial is older than the
# three read back, so its IXFR gets the whole zone.
halt
for i in 1 2 3 4; do
	sleep 1
	fl add 198.51.100.$i --reason "late $i" --evidence "e" >/dev/null ||
	    die "add"
done
s3=$(sqlite3 "$T/fl.db" "SELECT serial FROM zone WHERE name = '$z'")
serve
wait_serial "$kport" "$z" "$s3" || :
check "after a restart knot is at $s3" "$(soa_serial "$kport" "$z")" "$s3"
grep -q "xfr: zone $z: 3 of 3 older versions read back" "$T/serve.$run.log" &&
    ok "fairlist read three older versions back" ||
    fail "fairlist did not read three older versions back"
grep -q "xfr: zone $z IXFR as the whole zone serial $s3 to 127.0.0.1[^ ]*: .*the client's serial is not kept" \
    "$T/serve.$run.log" && ok "an older serial gets the whole zone" ||
    fail "an older serial did not get the whole zone"
check "no difference for the older serial" \
    "$(grep -c "IXFR serial $s2 -> $s3" "$T/serve.$run.log" || :)" 0
same "after the whole zone"
[ "$FAILS" -eq 0 ] || cat "$T"/serve.*.log "$T/knot/knot.log"
finish
