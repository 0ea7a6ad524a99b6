#!/usr/bin/env bash
# test_status.sh: fairlist status over the control socket. The daemon runs
# as nobody (started as root): the socket is 0660, nobody's, in nobody's
# group; root and nobody get the status (text and JSON, checked against the
# store and the daemon); a uid in the socket's group is refused by the
# daemon (SO_PEERCRED), any other uid by the socket's mode. Bad requests and
# a silent peer do not stop it; a socket left by a killed daemon is
# replaced, one a running daemon answers on is not; SIGTERM removes it.
. "$FAIRLIST_SRC/tests/lib/common.sh"

[ "$(id -u)" = 0 ] || die "this test needs root (CI runs as root)"
need jq jq
need setpriv util-linux
need dig bind9-dnsutils
chmod 0777 "$T"
uid=$(id -u nobody)
gid=$(id -g nobody)
port=$(free_port)
pport=$(free_port)
hport=$(free_port)
db=$T/fl.db
sock=$T/ctl.sock
cat > "$T/fl.conf" <<CONF
db $db
user nobody
dns { listen 127.0.0.1:$port; reload-interval 100; }
policy { listen 127.0.0.1:$pport; }
http { listen 127.0.0.1:$hport; }
control { socket $sock; }
CONF
fl() { "$FAIRLIST" --config "$T/fl.conf" "$@"; }
q() { dig @127.0.0.1 -p "$port" +short +tries=1 +time=2 "$@"; }
fl add 192.0.2.5 --reason r --evidence e >/dev/null
"$FAIRLIST" --config "$T/fl.conf" serve 2>"$T/serve.log" &
pid=$!
PIDS="$PIDS $pid"
wait_for q 2.0.0.127.bl.fairlist.test A || { cat "$T/serve.log"; die "serve did not start"; }

check "socket mode, owner, group" "$(stat -c '%a %u %g %F' "$sock")" \
    "660 $uid $gid socket"

fl status > "$T/st.txt" 2>"$T/st.err" || { cat "$T/st.err"; fail "status as root"; }
version=$("$FAIRLIST" --version | awk '{ print $2 }')
serial=$(fl zone list --json | jq -r '.zones[0].serial')
check "text: version and pid" "$(head -1 "$T/st.txt")" \
    "fairlist $version, pid $pid, user nobody"
check "text: dns service" "$(grep '^service dns:' "$T/st.txt")" \
    "service dns: 127.0.0.1:$port"
check "text: policy service" "$(grep '^service policy:' "$T/st.txt")" \
    "service policy: 127.0.0.1:$pport"
check "text: http service" "$(grep '^service http:' "$T/st.txt")" \
    "service http: 127.0.0.1:$hport"
check "text: control service" "$(grep '^service control:' "$T/st.txt")" \
    "service control: $sock"
# One listing and the two RFC 5782 test points.
check "text: zone with its serial" "$(grep '^zone ' "$T/st.txt")" \
    "zone bl.fairlist.test: serial $serial, 3 entries"
check "text: no secondaries" "$(grep -c '^secondaries: none$' "$T/st.txt")" 1

fl status --json > "$T/st1.json"
check "json: pid" "$(jq .pid "$T/st1.json")" "$pid"
check "json: uid and user" "$(jq -r '"\(.uid) \(.user)"' "$T/st1.json")" "$uid nobody"
check "json: version" "$(jq -r .version "$T/st1.json")" "$version"
check "json: services" "$(jq -r '[.services[].name] | join(",")' "$T/st1.json")" \
    "dns,policy,http,control"
check "json: dns listen" "$(jq -r '.services[0].listen[0]' "$T/st1.json")" "127.0.0.1:$port"
check "json: uptime is a number" "$(jq '.uptime_s | type' "$T/st1.json")" '"number"'
check "json: started is today's" "$(jq -r '.started[0:10]' "$T/st1.json")" "$(date -u +%F)"
check "json: secondaries array" "$(jq -c .secondaries "$T/st1.json")" "[]"
gen1=$(jq .snapshot.generation "$T/st1.json")
check "json: zone entries" "$(jq '.zones[0].entries' "$T/st1.json")" 3

# A change: a new snapshot, a new serial, one more entry.
fl add 192.0.2.6 --reason r --evidence e >/dev/null
listed() { [ "$(q 6.2.0.192.bl.fairlist.test A)" = 127.0.0.2 ]; }
wait_for listed || fail "the change is served"
fl status --json > "$T/st2.json"
serial2=$(fl zone list --json | jq -r '.zones[0].serial')
check "json: generation rose" "$(jq ".snapshot.generation > $gen1" "$T/st2.json")" true
check "json: new serial" "$(jq '.zones[0].serial' "$T/st2.json")" "$serial2"
check "json: serial changed" "$([ "$serial2" != "$serial" ] && echo yes)" yes
check "json: one more entry" "$(jq '.zones[0].entries' "$T/st2.json")" 4
check "json: snapshot totals" "$(jq -c '[.snapshot.zones, .snapshot.entries]' "$T/st2.json")" "[1,4]"
check "json: age is small" "$(jq '.snapshot.age_s >= 0 and .snapshot.age_s < 60' "$T/st2.json")" true

# Who may ask.
as() { setpriv --reuid="$1" --regid="$2" --clear-groups "$FAIRLIST" --config "$T/fl.conf" status --json; }
as "$uid" "$gid" > "$T/nobody.json" 2>"$T/nobody.err" ||
    { cat "$T/nobody.err"; fail "the daemon's user may ask"; }
check "the daemon's user gets the status" "$(jq .pid "$T/nobody.json" 2>/dev/null)" "$pid"
rc=0; as 54321 "$gid" > /dev/null 2>"$T/group.err" || rc=$?
check "a uid in the socket's group is refused" "$rc" 1
check "and told why" "$(cat "$T/group.err")" \
    "fairlist: status: the daemon refused: permission denied: only root and the daemon's user may ask"
check "the refusal is logged" "$(grep -c 'control: refused .* uid 54321' "$T/serve.log")" 1
rc=0; as 54321 54321 > /dev/null 2>"$T/other.err" || rc=$?
check "another uid cannot connect" "$rc" 1
check "and is told so" "$(grep -c 'Permission denied (only root and the daemon' "$T/other.err")" 1

# Bad requests get an error; a silent peer does not block the others.
ask_raw() {
	python3 - "$sock" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode().decode('unicode_escape').encode('latin-1'))
data = b""
while True:
    b = s.recv(65536)
    if not b: break
    data += b
print(data.decode().strip())
PY
}
check "unknown request" "$(ask_raw 'hello\n' | jq -r .error)" 'unknown request (want "status")'
check "over-long line" "$(ask_raw "$(printf 'a%.0s' $(seq 1 100))" | jq -r .error)" \
    'unknown request (want "status")'
check "CRLF line" "$(ask_raw 'status\r\n' | jq .pid)" "$pid"
python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); time.sleep(30)' "$sock" &
silent=$!
PIDS="$PIDS $silent"
sleep 0.2
check "status beside a silent peer" "$(fl status --json | jq .pid)" "$pid"
kill "$silent"

# A second daemon on the same socket refuses to start.
port2=$(free_port)
sed "s/127.0.0.1:$port;/127.0.0.1:$port2;/; s/policy { .* }/policy { listen off; }/; s/http { .* }/http { listen off; }/" \
    "$T/fl.conf" > "$T/two.conf"
rc=0; timeout 20 "$FAIRLIST" --config "$T/two.conf" serve 2>"$T/two.log" || rc=$?
check "a second daemon on the socket fails" "$rc" 1
check "and says why" "$(grep -c 'another daemon is running' "$T/two.log")" 1
check "the first still answers" "$(fl status --json | jq .pid)" "$pid"

# SIGTERM removes the socket; kill -9 leaves it, and a restart replaces it.
kill "$pid"; wait "$pid" || true
check "SIGTERM removes the socket" "$([ -e "$sock" ] && echo left || echo gone)" gone
rc=0; fl status 2>"$T/down.err" || rc=$?
check "status without a daemon fails" "$rc" 1
check "and says so" "$(grep -c "no daemon answers on $sock" "$T/down.err")" 1
"$FAIRLIST" --config "$T/fl.conf" serve 2>"$T/serve2.log" &
pid=$!
PIDS="$PIDS $pid"
wait_for fl status || die "restart"
kill -9 "$pid"; wait "$pid" || true
check "kill -9 leaves the socket" "$([ -S "$sock" ] && echo left)" left
"$FAIRLIST" --config "$T/fl.conf" serve 2>"$T/serve3.log" &
pid=$!
PIDS="$PIDS $pid"
wait_for fl status || { cat "$T/serve3.log"; fail "a stale socket is replaced"; }
check "status after replacing a stale socket" "$(fl status --json | jq .pid)" "$pid"

# control { socket off }: no socket, and status says so.
sed "s|control { socket .* }|control { socket off; }|" "$T/fl.conf" > "$T/off.conf"
rc=0; "$FAIRLIST" --config "$T/off.conf" status 2>"$T/off.err" || rc=$?
check "socket off: status fails" "$rc" 1
check "socket off: and says so" "$(cat "$T/off.err")" \
    "fairlist: status: the control socket is off (control { socket off })"
finish
