#!/usr/bin/env bash
# test_policy_load.sh: one event loop serves 1500 concurrent policy
# requests, each needing its own remote DNSBL lookups at the same moment
# (c-ares, no thread per request).
#
# A single Python process (selectors, non-blocking sockets) opens 1500
# connections to `fairlist serve`, and once all are connected sends on
# each one RCPT request for a distinct client (all of 198.51.100.0/24,
# 203.0.113.0/24 and 192.0.2.0/24, the rest in 2001:db8::/32), so 3000
# uncached queries go to the remote_lists fixture together. Every
# connection must get exactly one well-formed reply and stay open: the
# reject line for the 19 addresses the fixture lists, DUNNO for the others,
# no fail-open answer (fail-open is `defer` here, so one would show) and no
# deadline line in the log. Then the fixture is frozen (SIGSTOP) and the
# same requests are sent again on the same connections: every answer must
# come from the cache, identical (but for the client on both lists, whose
# first answer may come from the engine's early decision: see below).
# Afterwards the daemon must still answer DNS and policy requests (a fresh
# lookup included).
#
# The daemon starts with a soft descriptor limit of 1024 (below what 1500
# clients need): serve must raise it itself. Wall times are printed, never
# asserted.
. "$FAIRLIST_SRC/tests/lib/common.sh"
. "$FAIRLIST_SRC/tests/lib/remote_lists.sh"

N=1500
hard=$(ulimit -H -n)
if [ "$hard" != unlimited ] && [ "$hard" -lt $((N + 400)) ]; then
	# Root may raise it; anyone else gets a failure that says why.
	ulimit -H -n $((N + 400)) 2>/dev/null ||
	    die "the hard descriptor limit ($hard) is below $((N + 400)) and cannot be raised: run as root (CI does) or raise it with ulimit -H -n"
fi

# The fixture's DNS server is the last process remote_lists.sh started.
# A frozen process ignores SIGTERM until continued: thaw it on any exit.
# shellcheck disable=SC2154 # set by remote_lists.sh
RPID=${_rl_pids##* }
trap 'kill -CONT "$RPID" 2>/dev/null || true; cleanup' EXIT

dport=$(free_port)
pport=$(free_port)
cat > "$T/fl.conf" <<CONF
db $T/fl.db
dns {
	listen 127.0.0.1:$dport
	workers 1
}
zone bl.fairlist.test
policy {
	listen 127.0.0.1:$pport
	dnsbl lists.test*3 other.test { server $REMOTE_DNS }
	resolver $REMOTE_DNS
	clients 2000
	fail-open defer
	cache-min-ttl 600
	probe-interval 0
	spf { check no; }
}
CONF

# Soft limit 1024, as on most systems: serve raises it to the hard limit.
(ulimit -S -n 1024 && exec "$FAIRLIST" -v --config "$T/fl.conf" serve) \
    2>"$T/serve.log" &
PIDS="$PIDS $!"

# The addresses, and what each must get.
# REMOTE_LISTED_CODE4 is kept out: a fresh listed client for the end.
{
	for i in $(seq 0 255); do
		echo "198.51.100.$i"
		echo "203.0.113.$i"
		[ "192.0.2.$i" = "$REMOTE_LISTED_CODE4" ] || echo "192.0.2.$i"
	done
	echo "$REMOTE_LISTED6"
	for i in $(seq 1 $((N - 768))); do printf '2001:db8::1:%x\n' "$i"; done
} > "$T/addrs"
check "distinct addresses" "$(sort -u "$T/addrs" | wc -l)" "$N"

reject() {
	echo "action=554 5.7.1 Mail from $1 refused: listed on lists.test (score $2, threshold 3)"
}
DUNNO="action=DUNNO"
while read -r a; do
	case $a in
	"$REMOTE_LISTED_BOTH")
		echo "$a	action=554 5.7.1 Mail from $a refused: listed on lists.test, other.test (score 4, threshold 3)" ;;
	"$REMOTE_LISTED"|"$REMOTE_LISTED6")
		echo "$a	$(reject "$a" 3)" ;;
	198.51.100.[0-9]|198.51.100.1[0-5])	# 198.51.100.0/28
		echo "$a	$(reject "$a" 3)" ;;
	*) echo "$a	$DUNNO" ;;
	esac
done < "$T/addrs" > "$T/want"
check "listed addresses in the set" "$(grep -c 'action=554' "$T/want")" "19"

# The load client. Usage: load.py PORT ADDRS OUT1 OUT2 PAUSEFILE
# Round 1 writes "ADDR<TAB>REPLY" lines to OUT1; then it waits until
# PAUSEFILE exists (the fixture is frozen) and sends round 2 on the same
# connections, into OUT2. A connection's REPLY is its action line, or
# "closed", "no reply", "bad reply: ...", "extra data: ...", "error: ...".
cat > "$T/load.py" <<'PY'
import errno, os, resource, selectors, socket, sys, time

port, addrs_path, out1, out2, pausefile = sys.argv[1:6]
addrs = open(addrs_path).read().split()
n = len(addrs)
GUARD = 30	# seconds: a hang guard, not a timing check

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
want = n + 100
if soft != resource.RLIM_INFINITY and soft < want:
    resource.setrlimit(resource.RLIMIT_NOFILE, (want if hard ==
        resource.RLIM_INFINITY else min(want, hard), hard))

def req(client, i):
    return ("request=smtpd_access_policy\nprotocol_state=RCPT\n"
        "protocol_name=ESMTP\nclient_address=%s\nclient_name=unknown\n"
        "reverse_client_name=unknown\nhelo_name=mx%d.example\n"
        "sender=a%d@example.net\nrecipient=bob@example.com\n"
        "recipient_count=0\nqueue_id=\ninstance=load.%d\nsize=0\n"
        "sasl_method=\nsasl_username=\nsasl_sender=\n\n"
        % (client, i, i, i)).encode()

sel = selectors.DefaultSelector()
socks = []
state = {}	# fd -> [index, buffer, reply or None]

t0 = time.monotonic()
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    rc = s.connect_ex(("127.0.0.1", int(port)))
    if rc not in (0, errno.EINPROGRESS):
        sys.exit("connect %d: %s" % (i, os.strerror(rc)))
    socks.append(s)
    sel.register(s, selectors.EVENT_WRITE, i)
# Wait until every connection is established, so the requests go out
# together rather than as each handshake completes.
pending = n
errors = {}
while pending > 0 and time.monotonic() - t0 < GUARD:
    for key, _ in sel.select(1):
        i = key.data
        err = socks[i].getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err != 0:
            errors[i] = "error: connect: " + os.strerror(err)
        sel.unregister(socks[i])
        pending -= 1
t_conn = time.monotonic() - t0

def round_trip(out_path):
    replies = dict(errors)
    bufs = {}
    t1 = time.monotonic()
    for i, s in enumerate(socks):
        if i in replies:
            continue
        data = req(addrs[i], i)
        try:
            if s.send(data) != len(data):
                replies[i] = "error: short send"
                continue
        except OSError as e:
            replies[i] = "error: send: " + e.strerror
            continue
        bufs[i] = b""
        sel.register(s, selectors.EVENT_READ, i)
    waiting = len(bufs)
    while waiting > 0 and time.monotonic() - t1 < GUARD:
        for key, _ in sel.select(1):
            i = key.data
            try:
                d = socks[i].recv(4096)
            except OSError as e:
                d, replies[i] = None, "error: recv: " + e.strerror
            if not d:
                if i not in replies:
                    replies[i] = "closed"
                sel.unregister(socks[i])
                waiting -= 1
                continue
            bufs[i] += d
            if b"\n\n" in bufs[i]:
                sel.unregister(socks[i])
                waiting -= 1
    wall = time.monotonic() - t1
    for i in bufs:
        if sel.get_map().get(socks[i].fileno()) is not None:
            sel.unregister(socks[i])
    # Anything after the reply, or a close, shows up a moment later.
    time.sleep(0.3)
    for i, b in bufs.items():
        if i in replies:
            continue
        if b"\n\n" not in b:
            replies[i] = "no reply"
            continue
        line, rest = b.split(b"\n\n", 1)
        try:
            more = socks[i].recv(4096, socket.MSG_DONTWAIT)
        except BlockingIOError:
            more = None
        except OSError as e:
            more = ("error " + e.strerror).encode()
        if more is not None:
            replies[i] = "closed after the reply" if more == b"" else \
                "extra data: " + repr(rest + more)
        elif rest:
            replies[i] = "extra data: " + repr(rest)
        elif b"\n" in line or not line.startswith(b"action="):
            replies[i] = "bad reply: " + repr(line)
        else:
            replies[i] = line.decode()
    with open(out_path, "w") as f:
        for i, a in enumerate(addrs):
            f.write("%s\t%s\n" % (a, replies.get(i, "no reply")))
    return wall

w1 = round_trip(out1)
print("round 1: %d connections in %.2f s, %d replies in %.2f s"
    % (n, t_conn, n, w1))
sys.stdout.flush()
while not os.path.exists(pausefile):
    time.sleep(0.05)
w2 = round_trip(out2)
print("round 2 (cache): %d replies in %.2f s" % (n, w2))
for s in socks:
    s.close()
PY

# One request on a fresh connection: prints the reply line.
cat > "$T/one.py" <<'PY'
import socket, sys
port, client, state = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.create_connection(("127.0.0.1", int(port)), timeout=20)
s.sendall(("request=smtpd_access_policy\nprotocol_state=%s\n"
    "client_address=%s\nhelo_name=mx.example\nsender=a@example.net\n"
    "recipient=bob@example.com\ninstance=one\n\n" % (state, client)).encode())
buf = b""
while b"\n\n" not in buf:
    d = s.recv(4096)
    if not d:
        break
    buf += d
print(buf.split(b"\n\n", 1)[0].decode() if b"\n\n" in buf else "closed")
PY
one() { python3 "$T/one.py" "$pport" "$1" "${2:-RCPT}"; }

wait_for one "$REMOTE_UNLISTED" CONNECT || { cat "$T/serve.log"; exit 1; }

python3 "$T/load.py" "$pport" "$T/addrs" "$T/round1" "$T/round2" \
    "$T/frozen" > "$T/load.out" 2>&1 &
lpid=$!
PIDS="$PIDS $lpid"
# Round 1 is done when its output is written; then freeze the fixture.
for i in $(seq 1 1200); do
	[ -s "$T/round1" ] && grep -q '^round 1' "$T/load.out" && break
	kill -0 "$lpid" 2>/dev/null || break
	sleep 0.1
done
kill -STOP "$RPID"
touch "$T/frozen"
wait "$lpid" && rc=0 || rc=$?
kill -CONT "$RPID"
cat "$T/load.out"
check "load client exit status" "$rc" "0"

# compare WANT GOT: the lines that differ (printed: the first few).
compare() {
	local bad
	if [ ! -f "$2" ]; then
		echo "no file $2"
		return
	fi
	bad=$(paste "$1" "$2" | awk -F '\t' '$1 != $3 || $2 != $4' | wc -l)
	if [ "$bad" -ne 0 ]; then
		echo "  $2: first differences (addr, want, addr, got):" >&2
		paste "$1" "$2" | awk -F '\t' '$1 != $3 || $2 != $4' |
		    head -5 >&2
	fi
	echo "$bad"
}
# The engine decides as soon as the lists that answered reach the
# threshold: when lists.test answers before other.test, the client listed
# on both is refused with score 3 and other.test is not named. From the
# cache both answers are there at once: score 4, both named.
sed "s/^\($REMOTE_LISTED_BOTH	\).*/\1$(reject "$REMOTE_LISTED_BOTH" 3)/" \
    "$T/want" > "$T/want_early"
if grep -q "^$REMOTE_LISTED_BOTH	$(reject "$REMOTE_LISTED_BOTH" 3)\$" "$T/round1"; then
	echo "  $REMOTE_LISTED_BOTH: decided before other.test answered (score 3)"
	want1=$T/want_early
else
	want1=$T/want
fi
check "round 1: one reply per connection" "$(wc -l < "$T/round1")" "$N"
check "round 1: replies as expected" "$(compare "$want1" "$T/round1")" "0"
check "round 1: rejects" "$(grep -c '	action=554 5.7.1 ' "$T/round1")" "19"
check "round 1: DUNNO" "$(grep -c '	action=DUNNO$' "$T/round1")" "$((N - 19))"
check "round 1: no fail-open answer" "$(grep -c 'DEFER_IF_PERMIT' "$T/round1")" "0"
# Round 2 with the fixture frozen: an answer not from the cache would be
# the fail-open DEFER_IF_PERMIT after the deadline.
check "round 2 (fixture frozen): replies from the cache" \
    "$(compare "$T/want" "$T/round2")" "0"
check "round 2: identical to round 1 (but for $REMOTE_LISTED_BOTH)" \
    "$(diff <(grep -v "^$REMOTE_LISTED_BOTH	" "$T/round1") \
    <(grep -v "^$REMOTE_LISTED_BOTH	" "$T/round2" 2>&1) | wc -l)" "0"

check "log: no fail-open or deadline" \
    "$(grep -ci 'fail-open\|deadline' "$T/serve.log")" "0"
check "log: no connection limit or accept pause" \
    "$(grep -c 'connection limit\|policy: accept' "$T/serve.log")" "0"
# serve asks for the hard limit, at most 65536 (more than it needs here).
want_nofile=65536
if [ "$hard" != unlimited ] && [ "$hard" -lt $want_nofile ]; then
	want_nofile=$hard
fi
check "descriptor limit raised from 1024" \
    "$(sed -n 's/.*descriptors: soft limit \([0-9]*\) .*/\1/p' "$T/serve.log")" \
    "$want_nofile"
check "log: a verdict per request" \
    "$(grep -c 'policy: [0-9a-f]\{8\} client=.* rule=' "$T/serve.log")" "$((2 * N))"
# Information only: the log does not count DNS queries, but a verdict
# slower than a first try's timeout (lookup-timeout / 3) waited for a
# retry, i.e. a query or its answer was lost.
awk '/policy: client=.* ms=/ { sub(/.* ms=/, ""); ms = $1 + 0
	if (ms > max) max = ms; if (ms > 666) retried++ }
    END { printf "  slowest verdict: %.1f ms; %d waited for a DNS retry\n",
	max, retried }' "$T/serve.log"

# Afterwards: DNS, the policy server, and a fresh lookup.
check "still serving DNS" "$(dig @127.0.0.1 -p "$dport" +short +tries=1 +time=2 \
    2.0.0.127.bl.fairlist.test A)" "127.0.0.2"
check "still serving policy: other state" "$(one 192.0.2.250 CONNECT)" "$DUNNO"
check "still serving policy: cached listed" "$(one "$REMOTE_LISTED")" \
    "$(reject "$REMOTE_LISTED" 3)"
check "still serving policy: fresh lookup, clean" "$(one 2001:db8::ffff)" "$DUNNO"
check "still serving policy: fresh lookup, listed" "$(one "$REMOTE_LISTED_CODE4")" \
    "$(reject "$REMOTE_LISTED_CODE4" 3)"

finish
