#!/usr/bin/env bash
# test_sdnotify.sh: the daemon speaks systemd's notify protocol (Type=notify)
# to the datagram socket NOTIFY_SOCKET names, here one the test listens on
# (as systemd does, with SO_PASSCRED): READY=1 only once it answers DNS,
# from its own pid; RELOADING=1 at SIGHUP and READY=1 again once the new
# configuration's zone answers; STOPPING=1 at SIGTERM; STATUS= lines.
. "$FAIRLIST_SRC/tests/lib/common.sh"
need dig bind9-dnsutils
need python3 python3

port=$(free_port)
db=$T/fl.db
sock=$T/notify.sock
conf() {
	printf 'db %s\ndns { listen 127.0.0.1:%s; reload-interval 100; }\n' "$db" "$port"
	printf 'policy { listen off; }\nhttp { listen off; }\n%s\n' "${1:-}"
}
conf > "$T/fl.conf"
q() { dig @127.0.0.1 -p "$port" +short +tries=1 +time=2 "$@"; }

# The listener: each message as "PID<TAB>fields joined by |", and, at each
# READY=1, the answer for 2.0.0.127 in a zone named by the first argument,
# asked right then (so what READY=1 promises is checked at that moment).
python3 - "$sock" "$port" > "$T/msgs" <<'PY' &
import socket, struct, subprocess, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
ready = 0
while True:
    data, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
    pid = "?"
    for lvl, typ, d in anc:
        if lvl == socket.SOL_SOCKET and typ == socket.SCM_CREDENTIALS:
            pid = str(struct.unpack("iII", d[:12])[0])
    fields = data.decode().strip().split("\n")
    line = pid + "\t" + "|".join(f for f in fields if not f.startswith("MONOTONIC_USEC="))
    if any(f.startswith("MONOTONIC_USEC=") for f in fields):
        line += "|MONOTONIC_USEC"
    if "READY=1" in fields:
        ready += 1
        zone = "bl.fairlist.test" if ready == 1 else "new.example"
        a = subprocess.run(["dig", "@127.0.0.1", "-p", sys.argv[2], "+short",
                            "+tries=1", "+time=2", "2.0.0.127." + zone, "A"],
                           capture_output=True, text=True).stdout.strip()
        line += "\tanswer=" + a
    print(line, flush=True)
    if "STOPPING=1" in fields:
        break
PY
lpid=$!
PIDS="$PIDS $lpid"
wait_for test -S "$sock" || die "the listener did not start"

NOTIFY_SOCKET=$sock "$FAIRLIST" --config "$T/fl.conf" serve 2>"$T/serve.log" &
pid=$!
PIDS="$PIDS $pid"
got() { grep -c "$1" "$T/msgs"; }
wait_for grep -q READY=1 "$T/msgs" || { cat "$T/serve.log"; die "no READY=1"; }
check "READY=1 from the daemon's pid" "$(head -1 "$T/msgs" | cut -f1)" "$pid"
check "READY=1 with a STATUS line" \
    "$(head -1 "$T/msgs" | cut -f2 | sed 's/snapshot [0-9]*/snapshot N/')" \
    "READY=1|STATUS=serving: 1 zones, 2 entries, snapshot N"
check "at READY=1 the daemon answers" "$(head -1 "$T/msgs" | cut -f3)" "answer=127.0.0.2"
check "one READY=1 at startup" "$(got READY=1)" 1

# SIGHUP with a new zone: RELOADING=1, then READY=1 once it answers.
conf 'zone new.example { }' > "$T/fl.conf"
kill -HUP "$pid"
ready2() { [ "$(got READY=1)" -ge 2 ]; }
wait_for ready2 || { cat "$T/msgs" "$T/serve.log"; fail "READY=1 after SIGHUP"; }
check "RELOADING=1 at SIGHUP, with MONOTONIC_USEC" \
    "$(sed -n 2p "$T/msgs" | cut -f1,2)" \
    "$pid	RELOADING=1|STATUS=reloading the configuration and the index|MONOTONIC_USEC"
check "READY=1 after the reload" \
    "$(sed -n 3p "$T/msgs" | cut -f2 | sed 's/snapshot [0-9]*/snapshot N/')" \
    "READY=1|STATUS=serving (reloaded): 2 zones, 4 entries, snapshot N"
check "at that READY=1 the new zone answers" "$(sed -n 3p "$T/msgs" | cut -f3)" "answer=127.0.0.2"

kill "$pid"
wait "$pid" || true
wait_for grep -q STOPPING=1 "$T/msgs" || fail "STOPPING=1"
check "STOPPING=1 at SIGTERM" "$(tail -1 "$T/msgs" | cut -f1,2)" \
    "$pid	STOPPING=1|STATUS=stopping"
check "four messages in all" "$(wc -l < "$T/msgs")" 4

# Without NOTIFY_SOCKET nothing is sent and serve runs as before.
"$FAIRLIST" --config "$T/fl.conf" serve 2>"$T/plain.log" &
pid=$!
PIDS="$PIDS $pid"
wait_for q 2.0.0.127.bl.fairlist.test A || fail "serve without NOTIFY_SOCKET"
check "no message without NOTIFY_SOCKET" "$(wc -l < "$T/msgs")" 4
finish
