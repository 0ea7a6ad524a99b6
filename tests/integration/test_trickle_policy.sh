#!/usr/bin/env bash
# test_trickle_policy.sh: the policy server against clients that hold
# connections (issue 9, hostile peer 1). With every `clients` slot held
# by tricklers (a partial request each), a new client is answered: the
# connection whose last whole request is oldest is closed to make room,
# not the one that just completed a request. A request sent a byte at a
# time is closed after request-timeout, not answered, although each byte
# comes well within idle-timeout.
. "$FAIRLIST_SRC/tests/lib/common.sh"

db=$T/fl.db
# conf NAME PORT REQUEST-TIMEOUT: a server with four connection slots.
conf() {
	cat > "$T/$1.conf" <<CONF
db $db
dns {
	listen 127.0.0.1:$(free_port)
	workers 1
}
zone bl.fairlist.test
policy {
	listen 127.0.0.1:$2
	blocklist bl.fairlist.test
	clients 4
	idle-timeout 60
	request-timeout $3
	probe-interval 0
	spf { check no; }
}
CONF
}
p1=$(free_port)
p2=$(free_port)
conf evict "$p1" 60
conf slow "$p2" 1
"$FAIRLIST" --config "$T/evict.conf" add 192.0.2.1 --reason "listed" \
    --evidence e >/dev/null
"$FAIRLIST" --config "$T/evict.conf" serve 2>"$T/evict.log" &
PIDS="$PIDS $!"
"$FAIRLIST" --config "$T/slow.conf" serve 2>"$T/slow.log" &
PIDS="$PIDS $!"

cat > "$T/tc.py" <<'PY'
import select, socket, sys, time

def req(client):
    return ("request=smtpd_access_policy\nprotocol_state=RCPT\n"
        "client_address=%s\nhelo_name=mx.example\n"
        "sender=alice@example.net\nrecipient=bob@example.com\n"
        "instance=1a\n\n" % client).encode()

def connect(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(10)	# a guard against a hang only
    return s

def state(s):
    # "closed" if the server closed it, "open" if it is still held.
    r, _, _ = select.select([s], [], [], 0)
    if not r:
        return "open"
    try:
        return "closed" if s.recv(1, socket.MSG_PEEK) == b"" else "data"
    except ConnectionResetError:
        return "closed"

def reply(s):
    buf = b""
    while b"\n\n" not in buf:
        try:
            d = s.recv(4096)
        except ConnectionResetError:
            d = b""
        if not d:
            return "closed"
        buf += d
    return buf.split(b"\n", 1)[0].decode()

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
    s = connect(port)
    data = req("192.0.2.1")
    for i, b in enumerate(data):
        try:
            s.sendall(bytes([b]))
        except (BrokenPipeError, ConnectionResetError):
            print("closed after %d of %d bytes" % (i, len(data)))
            sys.exit(0)
        if state(s) == "closed":
            print("closed after %d of %d bytes" % (i + 1, len(data)))
            sys.exit(0)
        time.sleep(0.1)
    print("sent whole: " + reply(s))
PY
pc() { python3 "$T/tc.py" "$@"; }
wait_for pc up "$p1" || { cat "$T/evict.log"; die "server 1 did not start"; }
wait_for pc up "$p2" || { cat "$T/slow.log"; die "server 2 did not start"; }

pc hold "$p1" > "$T/hold.out"
check "c0 answered before the limit" "$(sed -n 1p "$T/hold.out")" \
    "c0: action=DUNNO"
check "a new client is answered while tricklers hold every slot" \
    "$(sed -n 2p "$T/hold.out" | cut -c1-20)" "fifth: action=554 5."
check "the least recently active connection was closed, the others kept" \
    "$(sed -n '3,$p' "$T/hold.out" | tr '\n' '|')" \
    "c0 after: open|trickler 1 after: closed|trickler 2 after: open|trickler 3 after: open|"
check "the limit is logged" \
    "$(grep -c 'connection limit (4) reached; closing the least recently active' "$T/evict.log")" "1"

# request-timeout 1: the trickled request is closed, not answered.
out=$(pc trickle "$p2")
case "$out" in
"closed after "*) ok "a request trickled a byte at a time is closed ($out)" ;;
*) fail "a request trickled a byte at a time: got '$out', want a close" ;;
esac
check "the close is logged" \
    "$(grep -c 'no whole request within 1 s; closing' "$T/slow.log")" "1"
check "still serving after the trickler" "$(pc up "$p2")" "action=DUNNO"
finish
