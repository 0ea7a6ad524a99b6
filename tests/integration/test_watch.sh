#!/usr/bin/env bash
# test_watch.sh: issue 12's watch, end to end. The lists are zones served
# on loopback by a second fairlist (tests/lib/remote_lists.sh): lists.test
# lists our address, err.test answers 127.255.255.254 for everything, and
# dead.test is asked at a port that never answers. `fairlist watch check`
# stores listed, refused and no-answer apart; the remote list delists and
# relists the address and the transitions listed -> not-listed -> listed
# are stored, alerted and shown by `watch status`; an error answer is
# never reported as a listing. Then `fairlist serve` does the same on its
# schedule (interval 1s): every alerted transition is logged, counted in
# /metrics and posted to a webhook sink in python3, which answers the
# first POST with a 500: the same event comes again and is marked sent.
set -eu
: "${FAIRLIST_SRC:?set FAIRLIST_SRC to the source folder}"
. "$FAIRLIST_SRC/tests/lib/common.sh"
need dig bind9-dnsutils
need sqlite3 sqlite3
need curl curl
. "$FAIRLIST_SRC/tests/lib/remote_lists.sh"

db=$T/watch.db
ME=$REMOTE_LISTED		# on lists.test with a TXT reason
CLEAN=$REMOTE_UNLISTED		# on no list (err.test answers its error)
D=$REMOTE_LISTED_BOTH		# the daemon's, on lists.test and other.test
cat > "$T/watch.conf" <<CONF
db $db
watch {
	address $ME $CLEAN
	dnsbl lists.test { url "http://lists.test/remove?ip=\$ip" }
	dnsbl err.test
	dnsbl dead.test { server $DEAD_DNS }
	resolver $REMOTE_DNS
	lookup-timeout 600
	interval 1s
}
CONF
fl() { "$FAIRLIST" --config "$T/watch.conf" "$@"; }
remote() { "$FAIRLIST" --config "$T/remote/remote.conf" "$@" >/dev/null; }

# The remote server reads its store within a reload interval: wait until
# dig sees what the fixture changed.
remote_answers() {
	[ "$(dig @127.0.0.1 -p "$REMOTE_PORT" +short +tries=1 +time=1 \
	    "$1" A 2>/dev/null)" = "$2" ]
}
rev=$(echo "$ME" | awk -F. '{print $4"."$3"."$2"."$1}')

# flat FILE: the JSON of watch check/status as lines, one python3 per
# file ("TARGET LIST KEY=VALUE" per pair, "KEY=VALUE" for the rest, and
# "event N old>new" per event); pair and top grep them.
flat() { python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
for p in d.get("pairs", []):
    for k, v in p.items():
        if k not in ("target", "list"):
            print(p["target"], p["list"], "%s=%s" % (k, v if isinstance(v,
                str) else json.dumps(v)))
for i, e in enumerate(d.get("events", [])):
    print("event", i, e["old"] + ">" + e["new"])
for k, v in d.items():
    if not isinstance(v, list):
        print("%s=%s" % (k, json.dumps(v)))' "$1" > "$1.flat"; }
pair() { # pair FILE TARGET LIST FIELD
	grep -m1 "^$2 $3 $4=" "$1.flat" | sed "s/^[^ ]* [^ ]* $4=//" || true
}
top() { grep -m1 "^$2=" "$1.flat" | sed "s/^$2=//" || true; }

# --- the daemon: started now, checked after the CLI's part ---------------
# It watches D, which the CLI's part leaves alone, so both run at once.
# The webhook sink: answers 500 to the very first POST, 200 after; every
# POST is one JSON line in sink.log: {"status": ..., "body": ...}.
# Three free loopback ports from one python3 (each start costs seconds on
# a loaded machine): the sink, the daemon's DNS and HTTP listeners.
read -r SINK_PORT DNS_PORT HTTP_PORT < <(python3 -c 'import socket
ss = []
while len(ss) < 3:
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p)); ss.append((s, u))
    except OSError:
        pass
print(*[s.getsockname()[1] for s, u in ss])')
python3 -c 'import http.server, json, sys
log = open(sys.argv[2], "a", buffering=1)
n = [0]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        n[0] += 1
        status = 500 if n[0] == 1 else 200
        log.write(json.dumps({"status": status, "type":
            self.headers.get("Content-Type"), "body": json.loads(body)}) + "\n")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()' \
    "$SINK_PORT" "$T/sink.log" 2>"$T/sink.err" &
PIDS="$PIDS $!"

ddb=$T/daemon.db
cat > "$T/daemon.conf" <<CONF
db $ddb
dns { listen 127.0.0.1:$DNS_PORT; workers 1; snapshot-cache no }
policy { listen off }
http { listen 127.0.0.1:$HTTP_PORT }
watch {
	address $D
	dnsbl lists.test { url "http://lists.test/remove?ip=\$ip" }
	dnsbl err.test
	dnsbl dead.test { server $DEAD_DNS }
	resolver $REMOTE_DNS
	lookup-timeout 600
	interval 1s
	webhook http://127.0.0.1:$SINK_PORT/hook
	webhook-backoff 1s
}
CONF
wait_for curl -s -o /dev/null "http://127.0.0.1:$SINK_PORT/" ||
    die "the webhook sink did not start: $(cat "$T/sink.err")"
"$FAIRLIST" --config "$T/daemon.conf" serve 2>"$T/serve.log" &
SERVE=$!
PIDS="$PIDS $SERVE"

dstate() { sqlite3 "$ddb" "SELECT state FROM watch_state WHERE target =
    '$D' AND list = '$1'" 2>/dev/null; }
# until STATE: the daemon's rounds write it (a guard of 60 s, no timing).
until_state() {
	local i
	for i in $(seq 1 600); do
		[ "$(dstate lists.test)" = "$1" ] && return 0
		kill -0 "$SERVE" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
# until_posts N: the sink got N POSTs answered 200.
until_posts() {
	local i
	for i in $(seq 1 600); do
		[ "$(grep -c '"status": 200' "$T/sink.log" 2>/dev/null)" -ge "$1" ] &&
		    return 0
		sleep 0.1
	done
	return 1
}
hooks() { python3 -c 'import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l); b = r["body"]
    print(r["status"], b["id"], b["target"], b["list"], b["old"] + ">" +
        b["new"], b["listed"], b["code"], b["removal_url"])' "$T/sink.log"; }


# --- check: every answer told apart ----------------------------------
rc=0
fl watch check --json > "$T/c1.json" 2>"$T/c1.err" || rc=$?
flat "$T/c1.json"
check "check exit: a listing" "$rc" 1
check "listed on lists.test" "$(pair "$T/c1.json" "$ME" lists.test state)" \
    listed
check "listed code" "$(pair "$T/c1.json" "$ME" lists.test code)" 127.0.0.2
check "listed TXT is the list's reason" \
    "$(pair "$T/c1.json" "$ME" lists.test txt)" "$REMOTE_REASON"
check "removal page" "$(pair "$T/c1.json" "$ME" lists.test removal_url)" \
    "http://lists.test/remove?ip=$ME"
check "clean address not listed" \
    "$(pair "$T/c1.json" "$CLEAN" lists.test state)" not-listed
check "127.255.255.254 is refused, not listed" \
    "$(pair "$T/c1.json" "$ME" err.test state)" refused
check "refused for the clean address too" \
    "$(pair "$T/c1.json" "$CLEAN" err.test state)" refused
check "refused carries its code" \
    "$(pair "$T/c1.json" "$CLEAN" err.test code)" 127.255.255.254
check "a silent server is no-answer" \
    "$(pair "$T/c1.json" "$ME" dead.test state)" no-answer
check "listed count: only the real listing" \
    "$(top "$T/c1.json" listed)" 1

# The store has the state; the first listing is a transition from unknown.
check "stored state" "$(sqlite3 "$db" "SELECT state FROM watch_state WHERE
    target = '$ME' AND list = 'lists.test'")" listed
check "first event: unknown -> listed" "$(sqlite3 "$db" "SELECT old || '>'
    || new FROM watch_event WHERE target = '$ME' AND list = 'lists.test'
    ORDER BY id")" "unknown>listed"
check "a first not-listed is stored quietly" "$(sqlite3 "$db" "SELECT
    notify FROM watch_event WHERE target = '$CLEAN' AND list =
    'lists.test'")" 0
check "an error answer is never stored as a listing" "$(sqlite3 "$db" \
    "SELECT count(*) FROM watch_state WHERE state = 'listed' AND list !=
    'lists.test'")" 0

# A second check with nothing changed writes no event.
n1=$(sqlite3 "$db" "SELECT count(*) FROM watch_event")
rc=0; fl watch check > "$T/c2.txt" 2>&1 || rc=$?
check "second check exit" "$rc" 1
check "no change, no event" "$(sqlite3 "$db" "SELECT count(*) FROM
    watch_event")" "$n1"
grep -q "^$ME lists.test listed: listed on lists.test (127.0.0.2) -- $REMOTE_REASON; removal: http://lists.test/remove?ip=$ME$" \
    "$T/c2.txt" && ok "check's text line" || fail "check's text line: $(cat "$T/c2.txt")"

# --- delisted, then listed again ---------------------------------------
remote remove "$ME" --zone lists.test --why "delisted by the test"
wait_for remote_answers "$rev.lists.test" "" || die "remote did not delist"
rc=0; fl watch check --json > "$T/c3.json" 2>&1 || rc=$?
flat "$T/c3.json"
check "delisted: exit 3 (err.test and dead.test give no usable answer)" \
    "$rc" 3
check "delisted state" "$(pair "$T/c3.json" "$ME" lists.test state)" \
    not-listed
check "delisted is a transition" \
    "$(pair "$T/c3.json" "$ME" lists.test transition)" true
remote add "$ME" --zone lists.test --reason "again" --evidence test
wait_for remote_answers "$rev.lists.test" 127.0.0.2 || die "remote did not relist"
rc=0; fl watch check --json > "$T/c4.json" 2>&1 || rc=$?
flat "$T/c4.json"
check "relisted: exit 1" "$rc" 1
check "relisted state" "$(pair "$T/c4.json" "$ME" lists.test state)" listed
check "transitions stored in order" "$(sqlite3 "$db" "SELECT
    group_concat(old || '>' || new, ' ') FROM (SELECT old, new FROM
    watch_event WHERE target = '$ME' AND list = 'lists.test' ORDER BY
    id)")" "unknown>listed listed>not-listed not-listed>listed"
check "without a webhook the alerts are log-only" "$(sqlite3 "$db" "SELECT
    group_concat(notify) FROM (SELECT notify FROM watch_event WHERE target
    = '$ME' AND list = 'lists.test' ORDER BY id)")" "4,4,4"

# --- status ------------------------------------------------------------
rc=0; fl watch status --json > "$T/s.json" 2>&1 || rc=$?
flat "$T/s.json"
check "status exit: listed" "$rc" 1
check "status state" "$(pair "$T/s.json" "$ME" lists.test state)" listed
check "status removal page" \
    "$(pair "$T/s.json" "$ME" lists.test removal_url)" \
    "http://lists.test/remove?ip=$ME"
check "status newest event first" \
    "$(grep -m1 '^event 0 ' "$T/s.json.flat")" "event 0 not-listed>listed"
check "status counts only listings" "$(top "$T/s.json" listed)" 1
rc=0; fl watch status --events 0 > "$T/s.txt" 2>&1 || rc=$?
grep -q "^$CLEAN err.test refused since " "$T/s.txt" &&
    ok "status text: refused" || fail "status text: $(cat "$T/s.txt")"

# --- errors ------------------------------------------------------------
rc=0; "$FAIRLIST" --db "$db" watch check 2>"$T/e1" || rc=$?
check "check without a watch block: exit 2" "$rc" 2
grep -q "no watch { } block" "$T/e1" && ok "says why" || fail "e1: $(cat "$T/e1")"
printf 'db %s\nwatch {\n\taddress 192.0.2.1\n\tdnsbl x.test\n\twebhook http://h.test/x\n\twebhook-ca /etc/ssl/x.pem\n}\n' \
    "$db" > "$T/bad.conf"
rc=0; "$FAIRLIST" --config "$T/bad.conf" watch status 2>"$T/e2" || rc=$?
check "webhook-ca with an http webhook refused" "$rc" 2
grep -q "bad.conf:6: webhook-ca is for an https:// webhook" "$T/e2" &&
    ok "the refusal names the line" || fail "e2: $(cat "$T/e2")"
printf 'db %s\nwatch {\n\taddress 192.0.2.1\n\tdnsbl x.test\n\twebhook ftp://h.test/x\n}\n' \
    "$db" > "$T/bad2.conf"
rc=0; "$FAIRLIST" --config "$T/bad2.conf" watch status 2>"$T/e3" || rc=$?
check "an ftp webhook refused" "$rc" 2
grep -q "bad2.conf:5: webhook 'ftp://h.test/x': want an http:// or https:// URL" "$T/e3" &&
    ok "ftp refusal names the line" || fail "e3: $(cat "$T/e3")"

# --- the daemon: schedule, webhook with a retry, metrics ---------------
until_state listed || die "the daemon never stored the listing: $(cat "$T/serve.log")"
ok "daemon round: listed"
# lists.test, err.test and dead.test each alert once: three events, the
# first answered 500 and retried.
until_posts 3 || die "webhook: $(cat "$T/sink.log" "$T/serve.log")"
hooks > "$T/h1"
first_id=$(sed -n 1p "$T/h1" | cut -d' ' -f2)
check "first POST answered 500" "$(sed -n 1p "$T/h1" | cut -d' ' -f1)" 500
check "the same event retried, answered 200" \
    "$(grep -c "^200 $first_id " "$T/h1")" 1
grep -q "^200 [0-9]* $D lists.test unknown>listed True 127.0.0.2 http://lists.test/remove?ip=$D$" "$T/h1" &&
    ok "webhook body: the listing" || fail "webhook body: $(cat "$T/h1")"
grep -q "^200 [0-9]* $D err.test unknown>refused False 127.255.255.254 None$" "$T/h1" &&
    ok "webhook body: refused is not a listing" || fail "refused: $(cat "$T/h1")"
grep -q "^200 [0-9]* $D dead.test unknown>no-answer False None None$" "$T/h1" &&
    ok "webhook body: no-answer is not a listing" || fail "no-answer: $(cat "$T/h1")"
check "no error answer posted as a listing" \
    "$(grep -v ' lists.test ' "$T/h1" | grep -c ' True ')" 0
check "content type" "$(python3 -c 'import json, sys
print(json.loads(open(sys.argv[1]).readline())["type"])' "$T/sink.log")" \
    application/json

remote remove "$D" --zone lists.test --why "delisted again"
until_state not-listed || die "the daemon never stored the delisting"
ok "daemon round: not-listed"
until_posts 4 || die "webhook for the delisting: $(cat "$T/sink.log")"
remote add "$D" --zone lists.test --reason "third <b>time</b>" --evidence test
until_state listed || die "the daemon never stored the relisting"
ok "daemon round: listed again"
until_posts 5 || die "webhook for the relisting: $(cat "$T/sink.log")"
hooks | grep " lists.test " | grep "^200" | cut -d' ' -f5 > "$T/h2"
check "webhook: listed -> not-listed -> listed" "$(tr '\n' ' ' < "$T/h2")" \
    "unknown>listed listed>not-listed not-listed>listed "
check "stored transitions" "$(sqlite3 "$ddb" "SELECT group_concat(old ||
    '>' || new || '/' || notify, ' ') FROM (SELECT old, new, notify FROM
    watch_event WHERE list = 'lists.test' ORDER BY id)")" \
    "unknown>listed/2 listed>not-listed/2 not-listed>listed/2"
check "the error answers stay one transition each" "$(sqlite3 "$ddb" \
    "SELECT count(*) FROM watch_event WHERE list != 'lists.test'")" 2
grep -q "watch: $D lists.test: not-listed -> listed: listed on lists.test (127.0.0.2) -- third <b>time</b>; removal: http://lists.test/remove?ip=$D" \
    "$T/serve.log" && ok "log line of the relisting" ||
    fail "log: $(grep watch: "$T/serve.log")"
curl -s "http://127.0.0.1:$HTTP_PORT/metrics" > "$T/metrics"
m() { grep "^$1 " "$T/metrics" | awk '{print $2}'; }
check "metrics: transitions to listed" \
    "$(m 'fairlist_watch_transitions_total{state="listed"}')" 2
check "metrics: webhook retry" \
    "$(m 'fairlist_watch_webhook_total{result="retry"}')" 1
check "metrics: webhook sent" \
    "$(m 'fairlist_watch_webhook_total{result="sent"}')" 5
# The web page and its JSON, from the daemon's store.
curl -s "http://127.0.0.1:$HTTP_PORT/api/v1/watch" > "$T/w.json"
flat "$T/w.json"
check "web api: listed" "$(pair "$T/w.json" "$D" lists.test state)" listed
check "web api: refused is not a listing" \
    "$(pair "$T/w.json" "$D" err.test listed)" false
check "web api: one listing" "$(top "$T/w.json" listed)" 1
check "web api: newest change first" "$(grep -m1 '^event 0 ' \
    "$T/w.json.flat")" "event 0 not-listed>listed"
curl -s "http://127.0.0.1:$HTTP_PORT/watch" > "$T/w.html"
grep -q "third &lt;b&gt;time&lt;/b&gt;" "$T/w.html" &&
    ok "web page: the list's TXT HTML-escaped" || fail "web page: $(grep -c . "$T/w.html") lines"
grep -q "<b>time" "$T/w.html" && fail "web page: raw HTML from a TXT" ||
    ok "web page: no raw HTML from a TXT"
grep -q 'href="http://lists.test/remove?ip='"$D"'"' "$T/w.html" &&
    ok "web page: removal link" || fail "web page: no removal link"
# SIGHUP: the new block's next round starts at once and asks about the
# address it adds.
sed -i "s/^\taddress $D\$/\taddress $D $CLEAN/" "$T/daemon.conf"
kill -HUP "$SERVE"
for i in $(seq 1 600); do
	[ -n "$(sqlite3 "$ddb" "SELECT state FROM watch_state WHERE target =
	    '$CLEAN' AND list = 'lists.test'" 2>/dev/null)" ] && break
	sleep 0.1
done
check "SIGHUP: the added address is checked" "$(sqlite3 "$ddb" "SELECT
    state FROM watch_state WHERE target = '$CLEAN' AND list =
    'lists.test'")" not-listed
kill "$SERVE"
src=0; wait "$SERVE" 2>/dev/null || src=$?
check "the daemon stops cleanly (round, resolvers, webhook freed)" "$src" 0
check "no sanitizer report" "$(grep -c Sanitizer "$T/serve.log")" 0

finish
