#!/usr/bin/env bash
# test_reload.sh: SIGHUP reads the configuration file again (issue 9,
# part 1): a zone's TXT template, the dns { ttl } and the policy
# blocklist's action and reply change without a restart; a bad file keeps
# the running configuration and the log names FILE:LINE; a changed listen
# address is logged as needing a restart and not applied.
. "$FAIRLIST_SRC/tests/lib/common.sh"
need dig bind9-dnsutils
need python3 python3

port=$(free_port)
pport=$(free_port)
db=$T/fl.db
F=$T/fl.conf
write_conf() {	# write_conf TXT TTL ACTION REPLY [DNSPORT]
	cat > "$F" <<CONF
db $db
dns {
	listen 127.0.0.1:${5:-$port}
	workers 1
	ttl $2
	reload-interval 100
}
zone bl.fairlist.test { txt "$1 \$reason"; }
policy {
	listen 127.0.0.1:$pport
	spf { check no; }
	blocklist bl.fairlist.test { action $3; reply "$4 \$ip"; }
}
CONF
}
write_conf "old:" 300 reject "refused-old"
"$FAIRLIST" --config "$F" add 192.0.2.1 --zone bl.fairlist.test \
    --reason spamtrap --evidence e >/dev/null
"$FAIRLIST" --config "$F" serve 2>"$T/serve.log" &
pid=$!
PIDS="$PIDS $pid"

q() { dig @127.0.0.1 -p "$port" +short +tries=1 +time=2 "$@"; }
ttl() { dig @127.0.0.1 -p "$port" +noall +answer +tries=1 +time=2 \
    1.2.0.192.bl.fairlist.test A | awk '{print $2}'; }
txt() { q 1.2.0.192.bl.fairlist.test TXT; }
policy() {
	python3 - "$pport" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(10)
s.sendall(b"request=smtpd_access_policy\nprotocol_state=RCPT\n"
    b"protocol_name=ESMTP\nclient_address=192.0.2.1\nhelo_name=mx.example\n"
    b"sender=alice@example.net\nrecipient=bob@example.com\ninstance=1\n\n")
# The reply is one line and a blank line; a close ends it too.
reply = s.makefile("rb").readline()
print(reply.decode().rstrip("\n"))
PY
}
is() { [ "$("$1")" = "$2" ]; }	# is FUNC WANT

wait_for q 2.0.0.127.bl.fairlist.test A || { cat "$T/serve.log"; die "no DNS answer"; }
wait_for policy || { cat "$T/serve.log"; die "no policy answer"; }
check "TXT before" "$(txt)" '"old: spamtrap"'
check "TTL before" "$(ttl)" "300"
check "policy before" "$(policy)" "action=554 5.7.1 refused-old 192.0.2.1"

# 1. A good change: HUP applies it, with no restart (same pid).
write_conf "new:" 60 defer "later-new"
kill -HUP "$pid"
wait_for is txt '"new: spamtrap"' || fail "TXT did not change"
check "TXT after HUP" "$(txt)" '"new: spamtrap"'
check "TTL after HUP" "$(ttl)" "60"
check "policy after HUP" "$(policy)" \
    "action=DEFER_IF_PERMIT later-new 192.0.2.1"
check "same process" "$(kill -0 "$pid" && echo alive)" "alive"

# 2. A bad file: the running configuration stays; the log names F:LINE.
write_conf "bad:" 30 reject "refused-bad"
sed -i '3i\	frobnicate yes' "$F"
kill -HUP "$pid"
wait_for grep -q "configuration has errors" "$T/serve.log" || fail "no refusal logged"
check "the log names $F:3" "$(grep -c "$F:3: " "$T/serve.log")" "1"
# A rebuild after the refused HUP (192.0.2.99 answers): its answers still
# use the running configuration.
"$FAIRLIST" --db "$db" add 192.0.2.99 --reason x --evidence e >/dev/null
listed99() { [ "$(q 99.2.0.192.bl.fairlist.test A)" = "127.0.0.2" ]; }
wait_for listed99 || fail "no rebuild after the refused HUP"
check "TXT kept" "$(txt)" '"new: spamtrap"'
check "TTL kept" "$(ttl)" "60"
check "policy kept" "$(policy)" "action=DEFER_IF_PERMIT later-new 192.0.2.1"

# 3. A new listen address needs a socket: logged, not applied, the rest is.
other=$(free_port)
write_conf "third:" 60 defer "later-new" "$other"
kill -HUP "$pid"
wait_for is txt '"third: spamtrap"' || fail "TXT did not change with the listen change"
check "restart needed logged" \
    "$(grep -c 'SIGHUP: dns { listen, workers, tcp-\*, rrl } changed: it needs a restart; not applied' "$T/serve.log")" "1"
check "old port still answers" "$(q 1.2.0.192.bl.fairlist.test A)" "127.0.0.2"
check "new port not bound" \
    "$(dig @127.0.0.1 -p "$other" +short +tries=1 +time=1 1.2.0.192.bl.fairlist.test A >/dev/null 2>&1 && echo answered || echo silent)" "silent"

kill -TERM "$pid"
wait "$pid" || fail "serve exited non-zero after the reloads"
finish
