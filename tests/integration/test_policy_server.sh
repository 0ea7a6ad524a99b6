#!/usr/bin/env bash
# test_policy_server.sh: the Postfix policy server in `fairlist serve`,
# spoken to by a small socket client: many requests on one connection,
# unknown attributes, a request split across many writes, pipelined
# requests answered in order, the header once per message (instance), a
# non-judged state answered DUNNO, every malformed form closing the
# connection without a reply, a unix socket, and the fail-open answer at
# the deadline when a remote list never answers.
. "$FAIRLIST_SRC/tests/lib/common.sh"

today=$(date -u +%F)
dport=$(free_port)
pport=$(free_port)
sock=$T/policy.sock
db=$T/fl.db

# Local lists only: no remote lists, no SPF, so nothing leaves loopback.
cat > "$T/fl.conf" <<CONF
db $db
dns {
	listen 127.0.0.1:$dport
	workers 1
	reload-interval 100
}
zone bl.fairlist.test
zone tag.fairlist.test
policy {
	listen 127.0.0.1:$pport [::1]:$pport unix:$sock
	socket-mode 0600
	blocklist bl.fairlist.test
	blocklist tag.fairlist.test { action tag; }
	resolver 127.0.0.1:$dport
	probe-interval 0
	spf { check no; }
}
CONF
fl() { "$FAIRLIST" --config "$T/fl.conf" "$@"; }

LISTED=192.0.2.1
TAGGED=192.0.2.2
CLEAN=192.0.2.99
fl add "$LISTED" --reason "hit spam traps 3 times" --evidence "trap=t1" \
    >/dev/null
# Only serve writes the configured zones; this add comes before it.
fl zone add tag.fairlist.test >/dev/null
fl add "$TAGGED" --zone tag.fairlist.test --reason "tagged" --evidence e \
    >/dev/null

# A stale socket file (its server is gone) is replaced at startup.
python3 -c "import socket; socket.socket(socket.AF_UNIX).bind('$sock')"
"$FAIRLIST" --config "$T/fl.conf" serve 2>"$T/serve.log" &
PIDS="$PIDS $!"

# The client. Prints each reply's action line (the empty line that ends
# it checked and dropped), "closed" for a close without a reply, or
# "open" when the server keeps the connection but does not answer.
cat > "$T/pc.py" <<'PY'
import socket, sys, threading, time

def req(client, state="RCPT", instance="1a.2b", extra=""):
    return ("request=smtpd_access_policy\nprotocol_state=%s\n"
        "protocol_name=ESMTP\nclient_address=%s\nclient_name=mx.example\n"
        "reverse_client_name=mx.example\nhelo_name=mx.example\n"
        "sender=alice@example.net\nrecipient=bob@example.com\n"
        "recipient_count=0\nqueue_id=\ninstance=%s\nsize=0\n"
        "sasl_method=\nsasl_username=\nsasl_sender=\n%s\n"
        % (state, client, instance, extra)).encode()

def connect(addr):
    if addr.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(addr[5:])
    else:
        host, port = addr.rsplit(":", 1)
        s = socket.create_connection((host.strip("[]"), int(port)))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    # A guard against a hang only (the deadline is far below it).
    s.settimeout(10)
    return s

class Reader:
    def __init__(self, s):
        self.s, self.buf = s, b""
    def reply(self):
        while b"\n\n" not in self.buf:
            try:
                d = self.s.recv(4096)
            except socket.timeout:
                return "open"
            if not d:
                return "closed" if not self.buf else "partial:" + repr(self.buf)
            self.buf += d
        line, self.buf = self.buf.split(b"\n\n", 1)
        if b"\n" in line:
            return "bad reply: " + repr(line)
        return line.decode()

def main():
    cmd, addr = sys.argv[1], sys.argv[2]
    args = sys.argv[3:]
    s = connect(addr)
    r = Reader(s)
    if cmd == "one":
        s.sendall(req(args[0]))
        print(r.reply())
    elif cmd == "many":
        # n requests, one at a time, alternating listed and clean.
        for i in range(int(args[2])):
            s.sendall(req(args[i % 2], instance="m%d" % i))
            print(r.reply())
    elif cmd == "unknown":
        s.sendall(req(args[0], extra="x_future_attribute=1\n"
            "ccert_subject=a=b=c\nencryption_cipher=\n"))
        print(r.reply())
    elif cmd == "split":
        for b in req(args[0]):
            s.sendall(bytes([b]))
            time.sleep(0.001)
        print(r.reply())
    elif cmd == "pipe":
        s.sendall(req(args[0], instance="p1") + req(args[1], instance="p2")
            + req(args[0], state="DATA", instance="p3")
            + req(args[0], instance="p4"))
        print(" | ".join(r.reply() for _ in range(4)))
    elif cmd == "header":
        out = []
        for inst in ("h1", "h1", "h1", "h2", "h2"):
            s.sendall(req(args[0], instance=inst))
            out.append(r.reply())
        print(" | ".join(out))
    elif cmd == "flood":
        # A client that pipelines a lot and starts reading late: the
        # server's writes hit EAGAIN (on a unix socket, whose buffer
        # holds a few hundred replies), its input fills up and it stops
        # reading; every reply must still come, in order.
        s.settimeout(30)
        n = int(args[2])
        data = b"".join(req(args[i % 2], instance="f%d" % i)
            for i in range(n))
        t = threading.Thread(target=s.sendall, args=(data,))
        t.start()
        time.sleep(0.5)
        r = Reader(s)
        for i in range(n):
            print(r.reply())
        t.join()
    elif cmd == "abandon":
        # Close while the request is being judged.
        s.sendall(req(args[0]))
        s.close()
        print("sent")
    elif cmd == "idle":
        print(r.reply())
    elif cmd == "limit":
        # args[0] connections are allowed: fill them, then one more.
        held = [s]
        for i in range(int(args[0]) - 1):
            held.append(connect(addr))
        for h in held:
            h.sendall(req("192.0.2.99", state="CONNECT"))
            print(Reader(h).reply())
        x = connect(addr)
        try:
            x.sendall(req("192.0.2.99", state="CONNECT"))
            print("over the limit: " + Reader(x).reply())
        except (BrokenPipeError, ConnectionResetError):
            print("over the limit: closed")
        for h in held:
            h.close()
    elif cmd == "state":
        s.sendall(req(args[0], state=args[1]))
        print(r.reply())
    elif cmd == "bad":
        good = req("192.0.2.99")
        kind = args[0]
        if kind == "long-line":
            data = good[:-1] + b"x=" + b"v" * 5000 + b"\n\n"
        elif kind == "many-attrs":
            data = good[:-1] + b"a=b\n" * 200 + b"\n"
        elif kind == "nul":
            data = good[:-1] + b"x=a\0b\n\n"
        elif kind == "no-equals":
            data = good[:-1] + b"garbage\n\n"
        elif kind == "no-request":
            data = good.replace(b"request=smtpd_access_policy\n", b"")
        elif kind == "crlf":
            data = good.replace(b"\n", b"\r\n")
        elif kind == "too-big":
            data = good[:-1] + (b"x=" + b"v" * 4000 + b"\n") * 17 + b"\n"
        else:
            sys.exit("unknown kind " + kind)
        # A good request first: answered; then the bad one: closed.
        s.sendall(good)
        first = r.reply()
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            second = r.reply()
        except ConnectionResetError:
            second = "closed"
        print(first + " / " + second)
    else:
        sys.exit("unknown command " + cmd)

main()
PY
pc() { python3 "$T/pc.py" "$@"; }

wait_for pc one "127.0.0.1:$pport" "$CLEAN" || { cat "$T/serve.log"; exit 1; }
REJECT="action=554 5.7.1 Mail from $LISTED refused: listed on bl.fairlist.test since $today (hit spam traps 3 times); see http://127.0.0.1:8080/lookup/$LISTED"
DUNNO="action=DUNNO"

check "listed: reject with the reason" "$(pc one "127.0.0.1:$pport" "$LISTED")" "$REJECT"
check "IPv6 listener" "$(pc one "[::1]:$pport" "$LISTED")" "$REJECT"
check "clean: dunno" "$(pc one "127.0.0.1:$pport" "$CLEAN")" "$DUNNO"

# 200 requests on one connection, each answered in turn.
pc many "127.0.0.1:$pport" "$LISTED" "$CLEAN" 200 > "$T/many.out"
check "many on one connection: count" "$(wc -l < "$T/many.out")" "200"
check "many on one connection: listed" "$(grep -cxF "$REJECT" "$T/many.out")" "100"
check "many on one connection: clean" "$(grep -cxF "$DUNNO" "$T/many.out")" "100"
check "many on one connection: order" "$(sed -n '1p;2p;199p;200p' "$T/many.out" | tr '\n' '|')" \
    "$REJECT|$DUNNO|$REJECT|$DUNNO|"

pc flood "unix:$sock" "$LISTED" "$CLEAN" 3000 > "$T/flood.out"
check "late reader, 3000 pipelined: count" "$(wc -l < "$T/flood.out")" "3000"
check "late reader, 3000 pipelined: order" \
    "$(awk -v r="$REJECT" -v d="$DUNNO" '$0 != (NR % 2 ? r : d) { bad++ } END { print bad + 0 }' "$T/flood.out")" "0"

check "unknown attributes ignored" "$(pc unknown "127.0.0.1:$pport" "$LISTED")" "$REJECT"
check "split into one-byte writes" "$(pc split "127.0.0.1:$pport" "$LISTED")" "$REJECT"
check "pipelined, answered in order" "$(pc pipe "127.0.0.1:$pport" "$LISTED" "$CLEAN")" \
    "$REJECT | $DUNNO | $DUNNO | $REJECT"

# Tagged: the header goes once per message (instance), not per recipient.
TAG=$(pc one "127.0.0.1:$pport" "$TAGGED")
case $TAG in
"action=PREPEND X-Fairlist: "*) check "tag: a PREPEND" ok ok ;;
*) check "tag: a PREPEND" "$TAG" "action=PREPEND X-Fairlist: ..." ;;
esac
check "header once per instance" "$(pc header "127.0.0.1:$pport" "$TAGGED")" \
    "$TAG | $DUNNO | $DUNNO | $TAG | $DUNNO"

# Only RCPT is judged by default: a listed client at other states gets DUNNO.
for st in CONNECT EHLO MAIL DATA END-OF-MESSAGE; do
	check "state $st: dunno" "$(pc state "127.0.0.1:$pport" "$LISTED" "$st")" "$DUNNO"
done
check "state rcpt (lower case) judged" "$(pc state "127.0.0.1:$pport" "$LISTED" rcpt)" "$REJECT"

# Malformed: no reply, the connection closed (SMTPD_POLICY_README).
for kind in long-line many-attrs nul no-equals no-request crlf too-big; do
	check "malformed $kind: closed, no reply" "$(pc bad "127.0.0.1:$pport" "$kind")" \
	    "$DUNNO / closed"
done
check "malformed: logged with the peer" \
    "$(grep -c 'peer=127.0.0.1:[0-9]* malformed request: line too long' "$T/serve.log")" "1"

# The unix socket, with its configured mode.
check "unix socket: listed" "$(pc one "unix:$sock" "$LISTED")" "$REJECT"
check "unix socket: pipelined" "$(pc pipe "unix:$sock" "$LISTED" "$CLEAN")" \
    "$REJECT | $DUNNO | $DUNNO | $REJECT"
check "unix socket mode" "$(stat -c %a "$sock")" "600"

# The server is still healthy after all of the above.
check "still serving" "$(pc one "127.0.0.1:$pport" "$LISTED")" "$REJECT"

# Fail-open: a second daemon whose remote list's server is a UDP socket
# that never reads. The lookup budget is above the deadline, so only the
# deadline can answer; the answer is the configured fail-open one.
uport=$(free_port)
fport=$(free_port)
fdport=$(free_port)
python3 -c "
import socket, time
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(('127.0.0.1', $uport))
time.sleep(600)" &
PIDS="$PIDS $!"
cat > "$T/fo.conf" <<CONF
db $T/fo.db
dns {
	listen 127.0.0.1:$fdport
	workers 1
}
zone bl.fairlist.test
policy {
	listen 127.0.0.1:$fport
	dnsbl never.test*3 { server 127.0.0.1:$uport; }
	resolver 127.0.0.1:$uport
	deadline 600
	lookup-timeout 3000
	fail-open defer
	clients 2
	idle-timeout 1
	probe-interval 0
	spf { check no; }
}
CONF
"$FAIRLIST" --config "$T/fo.conf" serve 2>"$T/fo.log" &
PIDS="$PIDS $!"
wait_for pc state "127.0.0.1:$fport" "$CLEAN" CONNECT || { cat "$T/fo.log"; exit 1; }
FAILOPEN="action=DEFER_IF_PERMIT Sender checks did not finish in time, try again later"
check "deadline: fail-open answer" "$(pc one "127.0.0.1:$fport" "$CLEAN")" "$FAILOPEN"
check "deadline: fail-open again, same connection" \
    "$(pc many "127.0.0.1:$fport" "$CLEAN" "$CLEAN" 2 | sort -u)" "$FAILOPEN"

# A client that closes mid-evaluation: cancelled; the daemon serves on.
check "closed mid-evaluation" "$(pc abandon "127.0.0.1:$fport" "$CLEAN")" "sent"
check "serving after an abandoned evaluation" \
    "$(pc state "127.0.0.1:$fport" "$CLEAN" CONNECT)" "$DUNNO"
# clients 2: a third connection is answered; the least recently active
# one is closed to make room (test_trickle_policy.sh covers which).
check "connection limit" "$(pc limit "127.0.0.1:$fport" 2 | tr '\n' '|')" \
    "$DUNNO|$DUNNO|over the limit: $DUNNO|"
check "connection limit logged" \
    "$(grep -c 'connection limit (2) reached' "$T/fo.log")" "1"
check "serving after the limit" \
    "$(pc state "127.0.0.1:$fport" "$CLEAN" CONNECT)" "$DUNNO"
# idle-timeout 1: a connection that sends nothing is closed.
check "idle connection closed" "$(pc idle "127.0.0.1:$fport")" "closed"

# A unix socket path that is not a socket is refused, not removed.
touch "$T/regular"
"$FAIRLIST" --config "$T/fl.conf" serve --listen "127.0.0.1:$(free_port)" \
    --policy-listen "unix:$T/regular" 2>"$T/regular.log" && rc=0 || rc=$?
check "not a socket: exit status" "$rc" "1"
check "not a socket: message" "$(grep -c "$T/regular exists and is not a socket" "$T/regular.log")" "1"
check "not a socket: file kept" "$(test -f "$T/regular" && echo kept)" "kept"

finish
