#!/usr/bin/env bash
# test_web_workers.sh: issue 10, HTTP on several worker threads
# (http { workers N }): the key's range, the log line, the shared
# clients limit, and removals (self-service through POST /api/v1/removal
# and the admin API) while parallel readers look the same addresses up on
# fresh and kept-alive connections: every answer is a whole 200, its
# "listed" agrees with its listings, no reader sees an address listed
# again after it saw it removed, and at the end every worker says removed
# and DNS no longer answers.
. "$FAIRLIST_SRC/tests/lib/common.sh"
need curl curl
need jq jq
need dig bind9-dnsutils
need python3 python3

db=$T/fl.db
fl() { "$FAIRLIST" --db "$db" "$@"; }
dport=$(free_port)
hport=$(free_port)
H=http://127.0.0.1:$hport
zone=bl.fairlist.test

# --- the key ---
conf() {
	printf 'db %s\ndns {\n\tlisten 127.0.0.1:%s\n\tworkers 1\n}\npolicy {\n\tlisten off\n}\nhttp {\n\tlisten 127.0.0.1:%s\n%s}\n' \
	    "$db" "$dport" "$hport" "$1" > "$T/fl.conf"
}
for bad in 0 65 two; do
	conf "	workers $bad
"
	if out=$(timeout 20 "$FAIRLIST" --config "$T/fl.conf" serve 2>&1); then
		fail "workers $bad: serve started"
	else
		case $out in *"workers"*"must be 1 to 64"*) ok "workers $bad refused" ;;
		*) fail "workers $bad: $out" ;; esac
	fi
done

n=40
for i in $(seq 1 $n); do
	fl add "192.0.2.$i" --reason "trap hit $i" --evidence "trap=t$i" \
	    --source trap --expires 7d >/dev/null
done
W=$(fl token create --scope write --name writer)

conf "	workers 3
	clients 6
"
"$FAIRLIST" --config "$T/fl.conf" serve 2>"$T/serve.log" &
PIDS="$PIDS $!"
wait_for curl -sf "$H/" || die "no HTTP answer: $(cat "$T/serve.log")"
case $(cat "$T/serve.log") in *"listening on 127.0.0.1:$hport, 3 worker threads"*)
	ok "three worker threads" ;; *) fail "log: $(cat "$T/serve.log")" ;; esac

# clients 6 counts the connections of every worker: six held open (on
# whichever workers accepted them), a seventh is told 503. Run under
# TSan too (a build with -fsanitize=thread: FAIRLIST=that binary).
cat > "$T/conns.py" <<'PY'
import socket, sys
port = int(sys.argv[1])
def get(s):
    s.sendall(b"GET /static/style.css HTTP/1.1\r\nHost: x\r\n\r\n")
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(65536)
        if not d:
            break
        buf += d
    return buf.split(b" ")[1].decode() if buf else "closed"
# A connection closed just before (wait_for's curl) counts until its
# worker has read the close: try again until six are served.
import time
for _ in range(100):
    held = [socket.create_connection(("127.0.0.1", port)) for _ in range(6)]
    codes = [get(s) for s in held]
    if codes == ["200"] * 6:
        break
    for s in held:
        s.close()
    time.sleep(0.1)
extra = socket.create_connection(("127.0.0.1", port))
codes.append(get(extra))
print(" ".join(codes))
PY
check "clients across workers" "$(python3 "$T/conns.py" "$hport")" "200 200 200 200 200 200 503"
kill "${PIDS##* }"
wait "${PIDS##* }" 2>/dev/null
PIDS=${PIDS% *}

# The rest with room for the readers and writers below.
conf "	workers 3
"
"$FAIRLIST" --config "$T/fl.conf" serve 2>"$T/serve.log" &
PIDS="$PIDS $!"
wait_for curl -sf "$H/" || die "no HTTP answer: $(cat "$T/serve.log")"

# --- removals while readers run ---
cat > "$T/readers.py" <<'PY'
import http.client, json, sys, threading
port, n, rounds = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
ips = ["192.0.2.%d" % i for i in range(1, n + 1)]
errors, counts = [], {"answers": 0, "listed": 0, "removed": 0}
lock = threading.Lock()
def reader(k, keep):
    gone = set()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for r in range(rounds):
        for ip in ips[k % 4::4] if r % 2 else ips:
            try:
                if not keep:
                    c = http.client.HTTPConnection("127.0.0.1", port,
                                                   timeout=30)
                c.request("GET", "/api/v1/lookup/" + ip)
                resp = c.getresponse()
                body = resp.read()
                if not keep:
                    c.close()
            except OSError as e:
                errors.append("%s: %s" % (ip, e))
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            if resp.status != 200:
                errors.append("%s: status %d" % (ip, resp.status))
                continue
            j = json.loads(body)
            listed = j["listed"]
            if listed != (len(j["listings"]) > 0) or j["ip"] != ip:
                errors.append("%s: inconsistent %s" % (ip, body[:200]))
            if listed and ip in gone:
                errors.append("%s: listed again after removed" % ip)
            if not listed:
                gone.add(ip)
                if not any(h["action"] == "remove" for h in j["history"]):
                    errors.append("%s: unlisted without a remove" % ip)
            with lock:
                counts["answers"] += 1
                counts["listed" if listed else "removed"] += 1
ts = [threading.Thread(target=reader, args=(k, k % 2 == 0))
      for k in range(6)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(json.dumps({"errors": errors[:10], "nerrors": len(errors),
                  **counts}))
PY
python3 "$T/readers.py" "$hport" "$n" 30 > "$T/readers.out" &
rpid=$!
sleep 0.5
# Half by self-service (as many requesters as the rate limit needs), half
# through the admin API; both at once.
(
	for i in $(seq 1 2 $n); do
		curl -s -o /dev/null -w '%{http_code}\n' --interface "127.0.0.$((10 + i / 8))" \
		    -H 'Content-Type: application/json' \
		    -d "{\"ip\": \"192.0.2.$i\"}" "$H/api/v1/removal"
	done > "$T/self.out"
) &
spid=$!
for i in $(seq 2 2 $n); do
	curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $W" \
	    -H 'Content-Type: application/json' \
	    -d "{\"prefix\": \"192.0.2.$i\", \"zone\": \"$zone\", \"why\": \"test $i\"}" \
	    "$H/api/v1/admin/remove"
done > "$T/admin.out"
wait $spid
check "self-service removals: all 202" "$(sort -u "$T/self.out" | tr '\n' ' ')" "202 "
check "admin removals: all 200" "$(sort -u "$T/admin.out" | tr '\n' ' ')" "200 "
wait $rpid
r=$(cat "$T/readers.out")
check "readers: no error" "$(echo "$r" | jq -r '.nerrors')" 0
[ "$(echo "$r" | jq -r '.nerrors')" = 0 ] || echo "$r" | jq -r '.errors[]'
case $(echo "$r" | jq -r '"\(.listed) \(.removed)"') in
0\ *|*\ 0) fail "readers saw one state only: $r" ;;
*) ok "readers saw listings removed: $(echo "$r" | jq -c .)" ;; esac

# Every worker (fresh connections land on any of them) says removed.
bad=0
for k in $(seq 1 30); do
	for i in 1 2 $n; do
		[ "$(curl -s "$H/api/v1/lookup/192.0.2.$i" | jq -r .listed)" = false ] || bad=$((bad + 1))
	done
done
check "after: every lookup says removed" "$bad" 0
unlisted() { [ -z "$(dig +short -p "$dport" @127.0.0.1 1.2.0.192.$zone A)$(dig +short -p "$dport" @127.0.0.1 $n.2.0.192.$zone A)" ]; }
if wait_for unlisted; then ok "after: DNS no longer answers"; else fail "after: still in DNS"; fi
check "store: nothing listed" "$(fl show 192.0.2.7 --json | jq -r '.listed')" false

# SIGHUP reaches every worker (max-body applies on each); workers needs a
# restart and says so.
conf "	workers 2
	max-body 300
"
kill -HUP "${PIDS##* }"
wait_for grep -q 'http { listen, clients, workers }' "$T/serve.log" || fail "SIGHUP: no not-applied line"
big=$(head -c 400 /dev/zero | tr '\0' a)
toobig() { [ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d "{\"ip\": \"$big\"}" "$H/api/v1/removal")" = 413 ]; }
wait_for toobig || fail "SIGHUP: max-body not applied"
codes=$(for k in $(seq 1 12); do curl -s -o /dev/null -w '%{http_code} ' -H 'Content-Type: application/json' -d "{\"ip\": \"$big\"}" "$H/api/v1/removal"; done)
check "SIGHUP: max-body on every worker" "$(echo $codes | tr ' ' '\n' | sort -u | tr '\n' ' ')" "413 "
finish
