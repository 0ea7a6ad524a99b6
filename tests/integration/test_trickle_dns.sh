#!/usr/bin/env bash
# test_trickle_dns.sh: TCP DNS against peers that hold connections (issue
# 9, hostile peer 1). With every tcp-clients slot held by tricklers (a
# partial message each), a new client (dig +tcp) is answered: the
# connection whose last whole message is oldest is closed to make room,
# not the one that just completed a query. A query sent a byte at a time
# is closed after tcp-message-timeout, not answered, although each byte
# comes well within tcp-idle-timeout.
. "$FAIRLIST_SRC/tests/lib/common.sh"
. "$FAIRLIST_SRC/tests/lib/hostile.sh"
need dig bind9-dnsutils

db=$T/fl.db
# conf NAME PORT MESSAGE-TIMEOUT: a daemon with four TCP slots.
conf() {
	cat > "$T/$1.conf" <<CONF
db $db
dns {
	listen 127.0.0.1:$2
	workers 1
	tcp-clients 4
	tcp-idle-timeout 30
	tcp-message-timeout $3
}
zone bl.fairlist.test
policy { listen 127.0.0.1:$(free_port); }
CONF
}
p1=$(free_port)
p2=$(free_port)
conf evict "$p1" 60
conf slow "$p2" 1
serve_pair
q() { dig @127.0.0.1 -p "$1" +short +tries=1 +time=5 "${@:2}"; }
wait_for q "$p1" +tcp 1.2.0.192.bl.fairlist.test A || {
	cat "$T/evict.log"; die "daemon 1 did not start"; }
wait_for q "$p2" +tcp 1.2.0.192.bl.fairlist.test A || {
	cat "$T/slow.log"; die "daemon 2 did not start"; }

cat > "$T/tc.py" <<'PY'
import subprocess, sys
from hostile import connect, state, trickle, dns_query, dns_answer

cmd, port = sys.argv[1], int(sys.argv[2])
name = "1.2.0.192.bl.fairlist.test"
if cmd == "hold":
    # c0 connects first, then three tricklers (one byte of a length
    # each); c0 then completes a query, so the trickler that connected
    # first is the least recently active when a fifth client comes.
    c0 = connect(port)
    t = [connect(port) for _ in range(3)]
    for x in t:
        x.sendall(b"\0")
    c0.sendall(dns_query(name))
    print("c0: " + dns_answer(c0))
    # Every slot is held: dig is the fifth client.
    r = subprocess.run(["dig", "@127.0.0.1", "-p", str(port), "+tcp",
        "+short", "+tries=1", "+time=5", name, "A"], capture_output=True,
        text=True)
    print("dig: " + " ".join((r.stdout + r.stderr).split("\n")).strip())
    print("c0 after: " + state(c0))
    for i, x in enumerate(t):
        print("trickler %d after: %s" % (i + 1, state(x)))
elif cmd == "trickle":
    # One query at a byte every 0.2 s: each byte is well within the
    # idle timeout, the whole message is not within the message one.
    print(trickle(connect(port), dns_query(name), 0.2, dns_answer))
PY

# Every slot held: c0 answered, three tricklers, and dig as the fifth.
python3 "$T/tc.py" hold "$p1" > "$T/hold.out"
check "c0 answered before the limit" "$(sed -n 1p "$T/hold.out")" \
    "c0: rcode=0 ancount=1"
check "a new client (dig +tcp) is answered while tricklers hold every slot" \
    "$(sed -n 2p "$T/hold.out")" "dig: 127.0.0.2"
check_evicted "$T/hold.out" "$T/evict.log"

# tcp-message-timeout 1: the trickled query is closed, not answered.
out=$(python3 "$T/tc.py" trickle "$p2")
check_trickle_closed "a query" "$out"
check "still serving after the trickler" \
    "$(q "$p2" +tcp 1.2.0.192.bl.fairlist.test A)" "127.0.0.2"
finish
