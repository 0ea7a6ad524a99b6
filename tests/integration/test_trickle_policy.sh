#!/usr/bin/env bash
# test_trickle_policy.sh: the policy server against clients that hold
# connections (issue 9, hostile peer 1). With every `clients` slot held
# by tricklers (a partial request each), a new client is answered: the
# connection whose last whole request is oldest is closed to make room,
# not the one that just completed a request. A request sent a byte at a
# time is closed after request-timeout, not answered, although each byte
# comes well within idle-timeout.
. "$FAIRLIST_SRC/tests/lib/common.sh"
. "$FAIRLIST_SRC/tests/lib/hostile.sh"

p1=$(free_port)
p2=$(free_port)
policy_conf "$T/evict.conf" "$p1" "clients 4" "idle-timeout 60" \
    "request-timeout 60"
policy_conf "$T/slow.conf" "$p2" "clients 4" "idle-timeout 60" \
    "request-timeout 1"
serve_pair

cat > "$T/tc.py" <<'PY'
import sys
from hostile import connect, state, trickle, policy_req as req
from hostile import policy_reply as reply

cmd, port = sys.argv[1], int(sys.argv[2])
if cmd == "up":
    s = connect(port)
    s.sendall(req("192.0.2.99"))
    print(reply(s))
elif cmd == "hold":
    # c0 connects first, then three tricklers (the start of a request
    # each); c0 then completes a request, so the trickler that connected
    # first is the least recently active when a fifth client comes.
    c0 = connect(port)
    t = [connect(port) for _ in range(3)]
    for x in t:
        x.sendall(b"request=smtpd")
    c0.sendall(req("192.0.2.99"))
    print("c0: " + reply(c0))
    x = connect(port)
    try:
        x.sendall(req("192.0.2.1"))
        print("fifth: " + reply(x))
    except (BrokenPipeError, ConnectionResetError):
        print("fifth: closed")
    print("c0 after: " + state(c0))
    for i, x in enumerate(t):
        print("trickler %d after: %s" % (i + 1, state(x)))
elif cmd == "trickle":
    # One request at a byte every 0.1 s: each byte is well within the
    # idle timeout, the whole request is not within the request one.
    print(trickle(connect(port), req("192.0.2.1"), 0.1, reply))
PY
pc() { python3 "$T/tc.py" "$@"; }
wait_for pc up "$p1" || { cat "$T/evict.log"; die "server 1 did not start"; }
wait_for pc up "$p2" || { cat "$T/slow.log"; die "server 2 did not start"; }

pc hold "$p1" > "$T/hold.out"
check "c0 answered before the limit" "$(sed -n 1p "$T/hold.out")" \
    "c0: action=DUNNO"
check "a new client is answered while tricklers hold every slot" \
    "$(sed -n 2p "$T/hold.out" | cut -c1-20)" "fifth: action=554 5."
check_evicted "$T/hold.out" "$T/evict.log"

# request-timeout 1: the trickled request is closed, not answered.
out=$(pc trickle "$p2")
check_trickle_closed "a request" "$out"
check "the close is logged" \
    "$(grep -c 'no whole request within 1 s; closing' "$T/slow.log")" "1"
check "still serving after the trickler" "$(pc up "$p2")" "action=DUNNO"
finish
