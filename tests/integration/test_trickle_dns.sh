#!/usr/bin/env bash
# test_trickle_dns.sh: TCP DNS against peers that hold connections (issue
# 9, hostile peer 1). With every tcp-clients slot held by tricklers (a
# partial message each), a new client (dig +tcp) is answered: the
# connection whose last whole message is oldest is closed to make room,
# not the one that just completed a query. A query sent a byte at a time
# is closed after tcp-message-timeout, not answered, although each byte
# comes well within tcp-idle-timeout.
. "$FAIRLIST_SRC/tests/lib/common.sh"
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
"$FAIRLIST" --config "$T/evict.conf" add 192.0.2.1 --reason "listed" \
    --evidence e >/dev/null
"$FAIRLIST" --config "$T/evict.conf" serve 2>"$T/evict.log" &
PIDS="$PIDS $!"
"$FAIRLIST" --config "$T/slow.conf" serve 2>"$T/slow.log" &
PIDS="$PIDS $!"
q() { dig @127.0.0.1 -p "$1" +short +tries=1 +time=5 "${@:2}"; }
wait_for q "$p1" +tcp 1.2.0.192.bl.fairlist.test A || {
	cat "$T/evict.log"; die "daemon 1 did not start"; }
wait_for q "$p2" +tcp 1.2.0.192.bl.fairlist.test A || {
	cat "$T/slow.log"; die "daemon 2 did not start"; }

cat > "$T/tc.py" <<'PY'
import select, socket, struct, subprocess, sys, time

def query(name, qid=0x1234):
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack(">HH", 1, 1)
    return struct.pack(">H", len(q)) + q

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

def answer(s):
    hdr = b""
    while len(hdr) < 2:
        d = s.recv(2 - len(hdr))
        if not d:
            return "closed"
        hdr += d
    n = struct.unpack(">H", hdr)[0]
    body = b""
    while len(body) < n:
        d = s.recv(n - len(body))
        if not d:
            return "closed"
        body += d
    return "rcode=%d ancount=%d" % (body[3] & 15, struct.unpack(">H",
        body[6:8])[0])

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
    c0.sendall(query(name))
    print("c0: " + answer(c0))
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
    s = connect(port)
    data = query(name)
    for i, b in enumerate(data):
        try:
            s.sendall(bytes([b]))
        except (BrokenPipeError, ConnectionResetError):
            print("closed after %d of %d bytes" % (i, len(data)))
            sys.exit(0)
        if state(s) == "closed":
            print("closed after %d of %d bytes" % (i + 1, len(data)))
            sys.exit(0)
        time.sleep(0.2)
    print("sent whole: " + answer(s))
PY

# Every slot held: c0 answered, three tricklers, and dig as the fifth.
python3 "$T/tc.py" hold "$p1" > "$T/hold.out"
check "c0 answered before the limit" "$(sed -n 1p "$T/hold.out")" \
    "c0: rcode=0 ancount=1"
check "a new client (dig +tcp) is answered while tricklers hold every slot" \
    "$(sed -n 2p "$T/hold.out")" "dig: 127.0.0.2"
check "the least recently active connection was closed, the others kept" \
    "$(sed -n '3,$p' "$T/hold.out" | tr '\n' '|')" \
    "c0 after: open|trickler 1 after: closed|trickler 2 after: open|trickler 3 after: open|"
check "the limit is logged" \
    "$(grep -c 'tcp connection limit (4) reached; closing the least recently active' "$T/evict.log")" "1"

# tcp-message-timeout 1: the trickled query is closed, not answered.
out=$(python3 "$T/tc.py" trickle "$p2")
case "$out" in
"closed after "*) ok "a query trickled a byte at a time is closed ($out)" ;;
*) fail "a query trickled a byte at a time: got '$out', want a close" ;;
esac
check "still serving after the trickler" \
    "$(q "$p2" +tcp 1.2.0.192.bl.fairlist.test A)" "127.0.0.2"
finish
