#!/bin/bash
# test_confirm_check.sh: issue 12 part 3, "fairlist confirm-check" (no
# backscatter). SPF comes from Knot DNS on 127.0.0.1:<random port>
# through c-ares: pass sends, fail, softfail, none (no record, no
# domain), neutral and a REFUSED answer (temperror) do not; an aligned
# --dkim-pass sends where SPF did not pass, an unaligned one does not;
# the null sender never gets an answer. The per-address and per-domain
# limits of confirm { } are hit across separate runs (the counts are in
# the store), and the window lets them go again. The JSON and the text
# answers agree, and the exit status is 0 send, 1 refuse, 2 error.
# POST /api/v1/confirm-check on a running `fairlist serve` gives the CLI's
# answer, byte for byte, for every refusal, and shares its counts; it
# needs a write token; its errors; a client that leaves early.
# The policy server (policy { confirm-check yes }) answers
# request=confirm_check with the CLI's decision, reason, SPF result and
# explanation for the same Knot cases, shares the counts (the per-address
# limit is reached across the CLI, HTTP and the policy socket), keeps
# answering Postfix's requests on the same connection, closes malformed
# confirm_check requests without a reply (logged), answers
# DEFER/store-error while another writer holds the store and
# DEFER/temperror when the resolver never answers (both logged), and
# closes confirm_check once SIGHUP turns it off.
# Fails, naming the Debian package knot, when knotd is missing.
set -eu
. "$FAIRLIST_SRC/tests/lib/common.sh"
set +e	# each step checks its own status
fail_knot() { [ -f "$T/knot.log" ] && cat "$T/knot.log"; die "$*"; }
need knotd knot
need jq jq

cat >"$T/example.test.zone" <<'ZONE'
$ORIGIN example.test.
$TTL 300
@	IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 300
	IN NS ns
ns	IN A 127.0.0.1
@	IN TXT "v=spf1 ip4:192.0.2.10 -all"
soft	IN TXT "v=spf1 ip4:192.0.2.10 ~all"
neutral	IN TXT "v=spf1 ?all"
nospf	IN TXT "hello world"
lists	IN TXT "v=spf1 ip4:192.0.2.0/24 -all"
ZONE

started=0
for attempt in 1 2 3 4 5; do
	port=$(free_port)
	cat >"$T/knot.conf" <<CONF
server:
    listen: 127.0.0.1@$port
    rundir: $T
log:
  - target: stderr
    any: warning
database:
    storage: $T/kdb
zone:
  - domain: example.test
    file: $T/example.test.zone
CONF
	mkdir -p "$T/kdb"
	knotd -c "$T/knot.conf" >"$T/knot.log" 2>&1 &
	knot_pid=$!
	PIDS="$PIDS $knot_pid"
	for i in $(seq 1 50); do
		if "$FAIRLIST" spf check --ip 192.0.2.10 --mail-from a@example.test \
		    --dns-server "127.0.0.1:$port" --timeout 200 2>/dev/null |
		    grep -qx 'result: pass'; then
			started=1
			break
		fi
		kill -0 "$knot_pid" 2>/dev/null || break
		sleep 0.1
	done
	[ $started = 1 ] && break
	kill "$knot_pid" 2>/dev/null; wait "$knot_pid" 2>/dev/null; knot_pid=
done
[ $started = 1 ] || fail_knot "knotd did not start"

cat >"$T/fl.conf" <<CONF
db $T/fl.db
confirm {
	per-address 2
	per-domain 3
	window 1h
}
CONF
cc() {
	"$FAIRLIST" --config "$T/fl.conf" confirm-check \
	    --dns-server "127.0.0.1:$port" --timeout 1000 "$@"
}

# expect NAME WANT-EXIT WANT-REASON WANT-SPF ARGS...: the JSON answer and
# the exit status; the text answer of the same question (on a fresh
# store, so that the count does not move) says the same.
expect() {
	local name=$1 wexit=$2 wreason=$3 wspf=$4 out rc
	shift 4
	out=$(cc --json "$@" 2>"$T/err"); rc=$?
	check "$name: exit" "$rc" "$wexit"
	check "$name: reason" "$(printf '%s' "$out" | jq -r .reason)" "$wreason"
	check "$name: spf" "$(printf '%s' "$out" | jq -r .spf)" "$wspf"
	check "$name: verdict" "$(printf '%s' "$out" | jq -r .verdict)" \
	    "$([ "$wexit" = 0 ] && echo send || echo refuse)"
}

expect "spf pass" 0 spf-pass pass --ip 192.0.2.10 --mail-from Alice@Example.TEST
expect "spf fail" 1 not-authenticated fail --ip 192.0.2.99 --mail-from bob@example.test
expect "spf softfail" 1 not-authenticated softfail --ip 192.0.2.99 --mail-from bob@soft.example.test
expect "spf neutral" 1 not-authenticated neutral --ip 192.0.2.99 --mail-from bob@neutral.example.test
expect "spf none (no SPF record)" 1 not-authenticated none --ip 192.0.2.99 --mail-from bob@nospf.example.test
expect "spf none (no such name)" 1 not-authenticated none --ip 192.0.2.99 --mail-from bob@gone.example.test
# Knot serves no other zone: REFUSED, a temporary error, held back.
expect "spf temperror (REFUSED)" 1 temperror temperror --ip 192.0.2.99 --mail-from bob@elsewhere.test
expect "null sender" 1 null-sender none --ip 192.0.2.10 --mail-from ''
expect "no domain" 1 bad-address none --ip 192.0.2.10 --mail-from postmaster
expect "softfail, aligned DKIM pass" 0 dkim-pass softfail --ip 192.0.2.99 \
    --mail-from carol@soft.example.test --dkim-pass lists.example.test
expect "fail, unaligned DKIM pass" 1 not-authenticated fail --ip 192.0.2.99 \
    --mail-from dave@example.test --dkim-pass example.net

# A refusal on SPF is not counted: alice has 1 of 2, carol 1 of 2.
out=$(cc --json --ip 192.0.2.10 --mail-from alice@example.test); rc=$?
check "alice again: sent" "$rc $(printf '%s' "$out" | jq -r '.sent_address, .sent_domain' | tr '\n' ' ')" "0 2 2 "
out=$(cc --json --ip 192.0.2.10 --mail-from alice@example.test); rc=$?
check "alice third: per-address limit" "$rc $(printf '%s' "$out" | jq -r .reason)" "1 rate-address"
check "alice third: not counted" "$(printf '%s' "$out" | jq -r .counted)" "false"
# example.test has 2 sends (alice); soft.example.test is another domain.
out=$(cc --json --ip 192.0.2.10 --mail-from erin@example.test); rc=$?
check "erin: third to example.test" "$rc $(printf '%s' "$out" | jq -r .sent_domain)" "0 3"
out=$(cc --ip 192.0.2.10 --mail-from frank@example.test); rc=$?
check "frank: per-domain limit (text)" "$rc $(printf '%s\n' "$out" | sed -n 's/^reason: //p')" "1 rate-domain"
check "frank: explanation" "$(printf '%s\n' "$out" | grep -c '^explanation: 3 confirmations to the domain example.test in the last 3600s already (per-domain 3)$')" "1"

# The window: sends an hour old are forgotten.
sqlite3 "$T/fl.db" "UPDATE confirm_sent SET at = at - 3601" ||
	die "sqlite3 failed (Debian package sqlite3)"
out=$(cc --json --ip 192.0.2.10 --mail-from frank@example.test); rc=$?
check "after the window: frank sends" "$rc $(printf '%s' "$out" | jq -r '.sent_address, .sent_domain' | tr '\n' ' ')" "0 1 1 "
check "rows kept: only the window's" "$(sqlite3 "$T/fl.db" 'SELECT count(*) FROM confirm_sent')" "1"

# Usage errors are exit 2.
cc --ip 192.0.2.10 >/dev/null 2>&1; check "no --mail-from: exit" "$?" "2"
cc --ip 192.0.2.0/24 --mail-from a@example.test >/dev/null 2>&1
check "a prefix: exit" "$?" "2"
printf 'confirm {\n\tper-address -1\n}\n' >"$T/bad.conf"
out=$("$FAIRLIST" --config "$T/bad.conf" confirm-check --ip 192.0.2.10 \
    --mail-from a@example.test 2>&1); rc=$?
check "bad per-address: exit" "$rc" "2"
check "bad per-address: message" "$out" \
    "fairlist: confirm-check: $T/bad.conf:2: confirm: per-address must be 0 (no limit) to 1000000"

# --- the daemon: POST /api/v1/confirm-check answers as the CLI does,
# over the same counts in the store ---
need curl curl
dport=$(free_port)
hport=$(free_port)
pport=$(free_port)
H=http://127.0.0.1:$hport
# srv_conf CONFIRM-CHECK RESOLVER-PORT [DEADLINE]: the daemon's file.
srv_conf() {
	cat >"$T/srv.conf" <<CONF
db $T/srv.db
dns {
	listen 127.0.0.1:$dport
	workers 1
}
http {
	listen 127.0.0.1:$hport
}
policy {
	listen 127.0.0.1:$pport
	confirm-check $1
	deadline ${3:-5000}
}
confirm {
	per-address 2
	per-domain 10
	window 1h
	resolver 127.0.0.1:$2
}
CONF
}
srv_conf yes "$port"
srv() { "$FAIRLIST" --config "$T/srv.conf" "$@"; }
W=$(srv token create --scope write --name lists) || die "token create failed"
R=$(srv token create --scope read --name reader) || die "token create failed"
# Started directly (not through srv), so that $! is the daemon itself.
"$FAIRLIST" --config "$T/srv.conf" serve 2>"$T/serve.log" &
serve_pid=$!
PIDS="$PIDS $serve_pid"
wait_for curl -sf "$H/" || die "no HTTP answer: $(cat "$T/serve.log")"
post() { curl -s -H "Authorization: Bearer $1" -H 'Content-Type: application/json' --data-binary "$2" "$H/api/v1/confirm-check"; }
code() { curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $1" -H 'Content-Type: application/json' --data-binary "$2" "$H/api/v1/confirm-check"; }

# Refusals count nothing: the HTTP answer is the CLI's, byte for byte.
same() {
	local name=$1 json=$2 want got
	shift 2
	want=$(srv confirm-check --json "$@")
	got=$(post "$W" "$json")
	check "HTTP = CLI: $name" "$got" "$want"
}
same "spf fail" '{"ip":"192.0.2.99","mail_from":"bob@example.test"}' --ip 192.0.2.99 --mail-from bob@example.test
same "spf softfail" '{"ip":"192.0.2.99","mail_from":"bob@soft.example.test","helo":"h.example.test"}' --ip 192.0.2.99 --mail-from bob@soft.example.test --helo h.example.test
same "spf none" '{"ip":"192.0.2.99","mail_from":"bob@nospf.example.test"}' --ip 192.0.2.99 --mail-from bob@nospf.example.test
same "spf temperror" '{"ip":"192.0.2.99","mail_from":"bob@elsewhere.test"}' --ip 192.0.2.99 --mail-from bob@elsewhere.test
same "null sender" '{"ip":"192.0.2.99","mail_from":""}' --ip 192.0.2.99 --mail-from ''
same "unaligned DKIM" '{"ip":"192.0.2.99","mail_from":"bob@example.test","dkim_pass":"example.net"}' --ip 192.0.2.99 --mail-from bob@example.test --dkim-pass example.net
# Sends: the CLI's, then the API's, then the CLI's again share one count.
o=$(srv confirm-check --json --ip 192.0.2.10 --mail-from gina@example.test)
check "CLI send 1" "$(printf '%s' "$o" | jq -r '[.verdict, .reason, .sent_address] | join(" ")')" "send spf-pass 1"
o=$(post "$W" '{"ip":"192.0.2.10","mail_from":"Gina@example.test"}')
check "HTTP send 2" "$(printf '%s' "$o" | jq -r '[.verdict, .reason, .sent_address, .spf] | join(" ")')" "send spf-pass 2 pass"
o=$(post "$W" '{"ip":"192.0.2.99","mail_from":"gina@soft.example.test","dkim_pass":"lists.example.test"}')
check "HTTP aligned DKIM" "$(printf '%s' "$o" | jq -r '[.verdict, .reason, .spf, .dkim_aligned] | join(" ")')" "send dkim-pass softfail true"
o=$(srv confirm-check --json --ip 192.0.2.10 --mail-from gina@example.test); rc=$?
check "CLI after HTTP: per-address limit" "$rc $(printf '%s' "$o" | jq -r .reason)" "1 rate-address"
o=$(post "$W" '{"ip":"192.0.2.10","mail_from":"gina@example.test"}')
check "HTTP after CLI: per-address limit" "$(printf '%s' "$o" | jq -r .reason)" "rate-address"
# The route's errors.
check "HTTP: no token" "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary '{"ip":"192.0.2.10","mail_from":"a@example.test"}' "$H/api/v1/confirm-check")" 401
check "HTTP: a read token" "$(code "$R" '{"ip":"192.0.2.10","mail_from":"a@example.test"}')" 403
check "HTTP: bad JSON" "$(code "$W" '{"ip":')" 400
check "HTTP: no mail_from" "$(code "$W" '{"ip":"192.0.2.10"}')" 400
check "HTTP: unknown key" "$(code "$W" '{"ip":"192.0.2.10","mail_from":"a@example.test","x":1}')" 400
check "HTTP: a prefix" "$(code "$W" '{"ip":"192.0.2.0/24","mail_from":"a@example.test"}')" 400
check "HTTP: GET" "$(curl -s -o /dev/null -w '%{http_code}' "$H/api/v1/confirm-check")" 405
check "HTTP: media type" "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $W" -H 'Content-Type: text/plain' --data-binary 'x' "$H/api/v1/confirm-check")" 415
# A client that leaves before SPF ends does not take the daemon down.
python3 - "$hport" "$W" <<'PY'
import socket, sys
body = b'{"ip":"192.0.2.10","mail_from":"hal@example.test"}'
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"POST /api/v1/confirm-check HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
          sys.argv[2].encode() + b"\r\nContent-Type: application/json\r\nContent-Length: " +
          str(len(body)).encode() + b"\r\n\r\n" + body)
s.close()
PY
check "HTTP: still answering after a client left" "$(post "$W" '{"ip":"192.0.2.99","mail_from":"ivy@example.test"}' | jq -r .reason)" "not-authenticated"

# --- the policy server: request=confirm_check answers as the CLI does ---
# ask.py PORT [NAME=VALUE...]: one request of these lines (stdin's bytes
# as they are with no NAME=VALUE); prints the reply's lines, or "closed"
# when the server closed the connection without one.
cat >"$T/ask.py" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(30)
if len(sys.argv) > 2:
    req = "".join(a + "\n" for a in sys.argv[2:]).encode() + b"\n"
else:
    req = sys.stdin.buffer.read()
s.sendall(req)
want = max(req.count(b"\n\n"), 1)
buf = b""
while buf.count(b"\n\n") < want:
    try:
        b = s.recv(4096)
    except ConnectionResetError:
        b = b""
    if not b:
        break
    buf += b
out = buf.decode()
print(out[:-1] if buf.count(b"\n\n") >= want else out + "closed", end="")
PY
pol() { python3 "$T/ask.py" "$pport" request=confirm_check "$@"; }
pget() { printf '%s\n' "$1" | sed -n "s/^$2=//p" | head -n 1; }
# The facts both answers give, in one line: verdict|reason|spf|dkim|text.
pfields() { echo "$(pget "$1" verdict)|$(pget "$1" reason)|$(pget "$1" spf)|$(pget "$1" dkim_aligned)|$(pget "$1" explanation)"; }
cfields() { printf '%s' "$1" | jq -r '[.verdict, .reason, .spf, (if .dkim_aligned then "yes" else "no" end), .explanation] | join("|")'; }
# The action line the CLI's answer maps to (docs/POLICY.md).
caction() {
	case "$(printf '%s' "$1" | jq -r '.verdict + " " + .reason')" in
	"send "*) echo "action=OK" ;;
	"refuse temperror") echo "action=DEFER $(printf '%s' "$1" | jq -r .explanation)" ;;
	*) echo "action=REJECT $(printf '%s' "$1" | jq -r .explanation)" ;;
	esac
}
# psame NAME "ATTR=V ..." CLI-ARGS...: a refusal, the same both ways.
psame() {
	local name=$1 attrs=$2 want got
	shift 2
	want=$(srv confirm-check --json "$@")
	# shellcheck disable=SC2086
	got=$(pol $attrs)
	check "policy = CLI: $name" "$(pfields "$got")" "$(cfields "$want")"
	check "policy = CLI: $name: action" "$(printf '%s\n' "$got" | head -n 1)" "$(caction "$want")"
	check "policy = CLI: $name: not counted" "$(pget "$got" counted)" "no"
}
wait_for python3 "$T/ask.py" "$pport" request=smtpd_access_policy protocol_state=CONNECT </dev/null ||
	die "no policy server: $(cat "$T/serve.log")"
psame "spf fail" "client_address=192.0.2.99 sender=bob@example.test" --ip 192.0.2.99 --mail-from bob@example.test
psame "spf softfail" "client_address=192.0.2.99 sender=bob@soft.example.test helo_name=h.example.test" --ip 192.0.2.99 --mail-from bob@soft.example.test --helo h.example.test
psame "spf neutral" "client_address=192.0.2.99 sender=bob@neutral.example.test" --ip 192.0.2.99 --mail-from bob@neutral.example.test
psame "spf none (no SPF record)" "client_address=192.0.2.99 sender=bob@nospf.example.test" --ip 192.0.2.99 --mail-from bob@nospf.example.test
psame "spf none (no such name)" "client_address=192.0.2.99 sender=bob@gone.example.test" --ip 192.0.2.99 --mail-from bob@gone.example.test
psame "spf temperror (REFUSED)" "client_address=192.0.2.99 sender=bob@elsewhere.test" --ip 192.0.2.99 --mail-from bob@elsewhere.test
psame "null sender" "client_address=192.0.2.99 sender=" --ip 192.0.2.99 --mail-from ''
psame "no domain" "client_address=192.0.2.99 sender=postmaster" --ip 192.0.2.99 --mail-from postmaster
psame "unaligned DKIM" "client_address=192.0.2.99 sender=bob@example.test dkim_pass=example.net" --ip 192.0.2.99 --mail-from bob@example.test --dkim-pass example.net
psame "IPv6 client, spf fail" "client_address=2001:db8::1 sender=bob@example.test" --ip 2001:db8::1 --mail-from bob@example.test
# Sends share one count with the CLI and HTTP: policy 1, CLI 2, then the
# per-address limit everywhere.
o=$(pol client_address=192.0.2.10 sender=Judy@Example.TEST helo_name=mx.example.test)
check "policy send 1" "$(printf '%s\n' "$o" | head -n 1) $(pget "$o" verdict) $(pget "$o" reason) $(pget "$o" spf) $(pget "$o" sent_address) $(pget "$o" counted)" \
    "action=OK send spf-pass pass 1 yes"
check "policy send 1: explanation" "$(pget "$o" explanation)" \
    "judy@example.test: send (SPF passed for example.test; 1 of 2 to the address and $(pget "$o" sent_domain) of 10 to the domain in 3600s)"
o=$(srv confirm-check --json --ip 192.0.2.10 --mail-from judy@example.test)
check "CLI send 2 after the policy's" "$(printf '%s' "$o" | jq -r '[.verdict, .sent_address] | join(" ")')" "send 2"
psame "per-address limit" "client_address=192.0.2.10 sender=judy@example.test" --ip 192.0.2.10 --mail-from judy@example.test
check "HTTP after the policy: per-address limit" "$(post "$W" '{"ip":"192.0.2.10","mail_from":"judy@example.test"}' | jq -r .reason)" "rate-address"
o=$(pol client_address=192.0.2.99 sender=kim@soft.example.test dkim_pass=lists.example.test)
check "policy aligned DKIM" "$(printf '%s\n' "$o" | head -n 1) $(pget "$o" reason) $(pget "$o" spf) $(pget "$o" dkim_aligned) $(pget "$o" sent_address)" \
    "action=OK dkim-pass softfail yes 1"
# Postfix's requests are answered as before, on the same connection too:
# a confirm_check pipelined with a smtpd_access_policy request.
check "Postfix request: unchanged" "$(python3 "$FAIRLIST_SRC/tests/lib/policy_ask.py" "$pport" 192.0.2.99)" "action=DUNNO"
o=$(printf 'request=confirm_check\nclient_address=192.0.2.99\nsender=lee@example.test\n\nrequest=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=192.0.2.99\nsender=\nhelo_name=\nrecipient=u@example.test\n\n' |
    python3 "$T/ask.py" "$pport")
check "pipelined: both answered, in order" "$(printf '%s\n' "$o" | grep '^action=' | cut -d' ' -f1 | tr '\n' ' ')" "action=REJECT action=DUNNO "
# Malformed confirm_check requests: no reply, a close, a log line.
check "no client_address: closed" "$(pol sender=a@example.test)" "closed"
check "a prefix: closed" "$(pol client_address=192.0.2.0/24 sender=a@example.test)" "closed"
check "no sender: closed" "$(pol client_address=192.0.2.10)" "closed"
check "no client_address: logged" "$(grep -c 'malformed request: confirm_check: client_address missing; closing' "$T/serve.log")" "1"
check "no sender: logged" "$(grep -c 'malformed request: confirm_check: sender missing' "$T/serve.log")" "1"
check "every answer logged" "$(grep -c 'policy: [0-9a-f]* confirm-check client=192.0.2.10 sender=judy@example.test verdict=send reason=spf-pass spf=pass sent=1/' "$T/serve.log")" "1"

# Another writer holds the store: DEFER, reason store-error, logged; then
# the same request sends.
python3 - "$T/srv.db" "$T/locked" "$T/unlock" <<'PY' &
import os, sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
while not os.path.exists(sys.argv[3]):
    time.sleep(0.05)
c.execute("ROLLBACK")
PY
locker=$!
PIDS="$PIDS $locker"
wait_for test -f "$T/locked" || die "the store was not locked"
o=$(pol client_address=192.0.2.10 sender=mia@example.test)
touch "$T/unlock"
wait "$locker"
check "store locked: defer" "$(printf '%s\n' "$o" | head -n 1 | cut -d' ' -f1) $(pget "$o" verdict) $(pget "$o" reason)" "action=DEFER error store-error"
check "store locked: logged" "$(grep -c 'confirm-check client=192.0.2.10 sender=mia@example.test: store: .*; answered defer (store-error)' "$T/serve.log")" "1"
o=$(pol client_address=192.0.2.10 sender=mia@example.test)
check "store free again: send" "$(pget "$o" verdict) $(pget "$o" sent_address)" "send 1"
# The per-domain limit (10): new addresses of example.test through the
# policy socket until its tenth send (each one counted once; how many the
# HTTP client that left had spent does not matter), then the policy and
# the CLI both refuse the next address of the domain.
o=$(pol client_address=192.0.2.10 sender=pa@example.test)
n=$(pget "$o" sent_domain)
check "policy send to the domain: first" "$(pget "$o" verdict)" "send"
sends=1
for u in pb pc pd pe pf pg ph pi pj; do
	[ "$n" -ge 10 ] && break
	o=$(pol client_address=192.0.2.10 sender=$u@example.test)
	n=$((n + 1))
	sends=$((sends + 1))
	check "policy send to the domain: $u" "$(pget "$o" verdict) $(pget "$o" sent_domain)" "send $n"
done
check "policy sends to the domain: up to 10" "$n" "10"
psame "per-domain limit" "client_address=192.0.2.10 sender=quinn@example.test" --ip 192.0.2.10 --mail-from quinn@example.test
# Every answer is counted by reason in the metrics.
m=$(curl -s "$H/metrics")
for r in spf-pass:$((2 + sends)) dkim-pass:1 temperror:1 rate-address:1 rate-domain:1 store-error:1 not-authenticated:8; do
	check "metrics: policy confirm answers, ${r%%:*}" "$(printf '%s\n' "$m" | sed -n "s/^fairlist_policy_confirm_total{reason=\"${r%%:*}\"} //p")" "${r#*:}"
done

# A resolver that never answers (SIGHUP to it, deadline 1000 ms): SPF is a
# temperror at the engine's cut-off, so DEFER, as the CLI says.
python3 - "$T/silent.port" <<'PY' &
import socket, sys
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", 0))
t = socket.socket()
t.bind(("127.0.0.1", u.getsockname()[1]))
t.listen(8)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(u.getsockname()[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    u.recvfrom(4096)
PY
PIDS="$PIDS $!"
wait_for test -s "$T/silent.port" || die "no silent resolver"
sport=$(cat "$T/silent.port")
srv_conf yes "$sport" 1000
kill -HUP "$serve_pid"
wait_for grep -q 'SIGHUP: reading the configuration again' "$T/serve.log" || die "no SIGHUP: $(cat "$T/serve.log")"
o=$(pol client_address=192.0.2.10 sender=ned@example.test)
want=$("$FAIRLIST" --config "$T/srv.conf" confirm-check --json --timeout 200 --ip 192.0.2.10 --mail-from ned@example.test)
check "silent resolver: policy = CLI" "$(pfields "$o")" "$(cfields "$want")"
check "silent resolver: defer" "$(printf '%s\n' "$o" | head -n 1)" "$(caction "$want")"
check "silent resolver: logged" "$(grep -c 'confirm-check client=192.0.2.10 sender=ned@example.test verdict=refuse reason=temperror spf=temperror' "$T/serve.log")" "1"
# SIGHUP with confirm-check no: the request is closed unanswered, logged.
srv_conf no "$port"
kill -HUP "$serve_pid"
wait_for grep -q 'policy: confirm-check off' "$T/serve.log" || die "confirm-check stayed on: $(cat "$T/serve.log")"
check "confirm-check off: closed" "$(pol client_address=192.0.2.10 sender=ora@example.test)" "closed"
check "confirm-check off: logged" "$(grep -c 'malformed request: request=confirm_check, but confirm-check is off' "$T/serve.log")" "1"
check "confirm-check off: Postfix still answered" "$(python3 "$FAIRLIST_SRC/tests/lib/policy_ask.py" "$pport" 192.0.2.99)" "action=DUNNO"

finish
