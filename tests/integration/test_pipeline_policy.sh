#!/usr/bin/env bash
# test_pipeline_policy.sh: the policy server against clients that pipeline
# (issue 9, hostile peer 2). A connection's backlog of pipelined requests
# is not served in one go: a request that arrived on another connection
# in the same loop turn is judged before the backlog is through (the
# order of judgements is read from the -v log, one line per verdict). A
# client that pipelines and never reads its replies stops being served,
# and its sends stall, while a fresh client gets its reply.
. "$FAIRLIST_SRC/tests/lib/common.sh"
. "$FAIRLIST_SRC/tests/lib/hostile.sh"

pport=$(free_port)
policy_conf "$T/fl.conf" "$pport"
"$FAIRLIST" --config "$T/fl.conf" add 192.0.2.1 --reason "listed" \
    --evidence e >/dev/null
"$FAIRLIST" -v --config "$T/fl.conf" serve 2>"$T/serve.log" &
serve_pid=$!
PIDS="$PIDS $serve_pid"

cat > "$T/pp.py" <<'PY'
import os, select, signal, sys
from hostile import connect

def req(client, inst="1a"):
    return ("request=smtpd_access_policy\nprotocol_state=RCPT\n"
        "client_address=%s\nsender=a@example.net\n"
        "recipient=b@example.com\ninstance=%s\n\n" % (client, inst)).encode()

def replies(s, n):
    buf = b""
    while buf.count(b"\n\n") < n:
        d = s.recv(65536)
        if not d:
            break
        buf += d
    return buf.count(b"\n\n")

cmd, port = sys.argv[1], int(sys.argv[2])
if cmd == "up":
    s = connect(port)
    s.sendall(req("192.0.2.99"))
    print(replies(s, 1))
elif cmd == "burst":
    # Two connections, both accepted and served once. With the server
    # stopped, A pipelines N requests (one read's worth) and then B sends
    # one; both are ready when it resumes, A first.
    pid, n = int(sys.argv[3]), int(sys.argv[4])
    a, b = connect(port), connect(port)
    a.sendall(req("192.0.2.10", "warm"))
    b.sendall(req("192.0.2.20", "warm"))
    replies(a, 1)
    replies(b, 1)
    os.kill(pid, signal.SIGSTOP)
    try:
        a.sendall(b"".join(req("192.0.2.10", "a%d" % i) for i in range(n)))
        b.sendall(req("192.0.2.20", "b"))
    finally:
        os.kill(pid, signal.SIGCONT)
    print("a=%d b=%d" % (replies(a, n), replies(b, 1)))
elif cmd == "noread":
    # C pipelines without reading, until the server stops reading from
    # it and C's sends stall; then a fresh client D asks once.
    c = connect(port, rcvbuf=4096)
    c.setblocking(False)
    chunk = b"".join(req("192.0.2.30", "c%d" % i) for i in range(100))
    sent, total = 0, 400 * len(chunk)
    idle = 0
    while sent < total and idle < 20:
        try:
            sent += c.send(chunk)
            idle = 0
        except BlockingIOError:
            select.select([], [c], [], 0.1)
            idle += 1
    print("c stalled" if sent < total else "c sent everything")
    d = connect(port)
    d.sendall(req("192.0.2.1"))
    print("d: %d reply" % replies(d, 1))
PY
pc() { python3 "$T/pp.py" "$@"; }
wait_for pc up "$pport" || { cat "$T/serve.log"; die "server did not start"; }

# A backlog of 150 pipelined requests and one request on another
# connection: B is judged before A's backlog is done.
N=150
check "burst: every request answered" "$(pc burst "$pport" "$serve_pid" $N)" \
    "a=$N b=1"
# The server's verdict lines: "policy: ID client=ADDR rule=...".
before=$(awk '/policy: [0-9a-f]+ client=192.0.2.20 /{ if (++b == 2) {
    print a; exit } } /policy: [0-9a-f]+ client=192.0.2.10 /{ a++ }' \
    "$T/serve.log")
# The warm-up request of A came before; the backlog is a2..a(N+1).
if [ -n "$before" ] && [ "$before" -lt $((N + 1)) ]; then
	ok "burst: B judged after $((before - 1)) of A's $N pipelined requests"
else
	fail "burst: B judged after $((${before:-1} - 1)) of A's $N pipelined requests, want fewer than all"
fi

# C pipelines 40000 requests and reads nothing: the server stops reading
# from it (C's sends stall), and D, a fresh client, is answered.
check "non-reader: stalled, fresh client answered" \
    "$(pc noread "$pport" | tr '\n' '|')" "c stalled|d: 1 reply|"
served=$(grep -c 'policy: [0-9a-f]* client=192.0.2.30 ' "$T/serve.log" || true)
echo "     (the non-reader was served $served of 40000 before it stalled)"
check "serving after the non-reader" "$(pc up "$pport")" "1"
finish
