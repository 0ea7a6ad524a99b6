#!/usr/bin/env bash
# test_watch_https.sh: issue 12's watch webhook over https, with the host
# name resolved on the daemon's own resolver. No network: Knot DNS on
# loopback is the watch block's `resolver`; it serves the list the
# daemons watch (bl.test lists 192.0.2.11 with 127.0.0.2 and a TXT) and
# the webhook's names in hooks.test: sink and alias (A 127.0.0.1); nope
# is not there. openssl makes a throwaway CA, a second CA nobody trusts
# and a server certificate from the first for sink.hooks.test and
# 127.0.0.1. A python3 sink (http.server + ssl) serves https with that
# certificate, plain http beside it, and a port that accepts TCP and
# never speaks; it answers the first POST to each path with a 500, then
# 200, and logs every POST (path, TLS or not, SNI, status, body) and
# every failed TLS handshake with its reason.
#
# One `fairlist serve` per case, each with one alerted transition
# (unknown -> listed) to post:
#   a  https://sink.hooks.test/  webhook-ca CA    500, retried, 200; SNI
#   e  https://127.0.0.1/        webhook-ca CA    500, retried, 200; no SNI
#   f  http://sink.hooks.test/   (plain)          500, retried, 200
#   b  https://alias.hooks.test/ webhook-ca CA    hostname mismatch
#   c  https://sink.hooks.test/  (system store)   untrusted CA
#   d  https://sink.hooks.test/  webhook-ca CA2   untrusted CA
#   g  https://sink.hooks.test:SILENT/            handshake timeout
#   h  https://nope.hooks.test/                   no address (NXDOMAIN)
#   i  https://sink.hooks.test/  webhook-ca MISSING  no CA: a warning at
#                                                 start, then every try
#   j  https://sink.hooks.test/j webhook-ca CA    the sink answers junk:
#                                                 a malformed answer
#   l  https://127.0.0.1:CLOSED/                  connection refused
#   k  https://sink.hooks.test/  webhook-ca FILE  FILE holds CA2: refused;
#                                                 then FILE gets CA and a
#                                                 SIGHUP: delivered
# b, c, d, g, h and i never reach HTTP: nothing is posted, each try is
# logged with the reason, and the event ends failed after webhook-tries.
set -eu
: "${FAIRLIST_SRC:?set FAIRLIST_SRC to the source folder}"
. "$FAIRLIST_SRC/tests/lib/common.sh"
need openssl openssl
need knotd knot
need dig bind9-dnsutils
need sqlite3 sqlite3
KNOTD=$(command -v knotd)
ME=192.0.2.11

# --- certificates ------------------------------------------------------
pki() {
	local d=$T/pki
	mkdir -p "$d"
	for ca in ca ca2; do
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		    -nodes -keyout "$d/$ca.key" -out "$d/$ca.pem" -days 2 \
		    -subj "/CN=fairlist test $ca" \
		    -addext "basicConstraints=critical,CA:TRUE" \
		    -addext "keyUsage=critical,keyCertSign,cRLSign" \
		    2>>"$d/log" || return 1
	done
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$d/srv.key" -out "$d/srv.csr" -subj "/CN=sink.hooks.test" \
	    2>>"$d/log" || return 1
	printf '%s\n' "subjectAltName=DNS:sink.hooks.test,IP:127.0.0.1" \
	    "basicConstraints=CA:FALSE" "extendedKeyUsage=serverAuth" \
	    > "$d/srv.ext"
	openssl x509 -req -in "$d/srv.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
	    -CAcreateserial -days 2 -extfile "$d/srv.ext" -out "$d/srv.pem" \
	    2>>"$d/log" || return 1
}
pki || die "openssl: $(cat "$T/pki/log")"
openssl verify -CAfile "$T/pki/ca.pem" "$T/pki/srv.pem" >/dev/null ||
    die "the test's certificate does not verify"

# --- ports -------------------------------------------------------------
# The sink's three, Knot's and one DNS listener per daemon, from one
# python3 (each start costs time on a loaded machine).
read -r TLS_PORT PLAIN_PORT SILENT_PORT KNOT_PORT P_A P_B P_C P_D P_E P_F \
    P_G P_H P_I P_J P_K P_L CLOSED_PORT < <(python3 -c 'import socket
ss = []
while len(ss) < 17:
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p)); ss.append((s, u))
    except OSError:
        pass
print(*[s.getsockname()[1] for s, u in ss])')

# --- Knot: the list and the webhook's names ----------------------------
mkdir -p "$T/knot/db"
cat > "$T/knot/hooks.test.zone" <<ZONE
\$ORIGIN hooks.test.
\$TTL 300
@	IN SOA ns hostmaster 1 3600 600 86400 300
	IN NS ns
ns	IN A 127.0.0.1
sink	IN A 127.0.0.1
alias	IN A 127.0.0.1
ZONE
cat > "$T/knot/bl.test.zone" <<ZONE
\$ORIGIN bl.test.
\$TTL 300
@	IN SOA ns.hooks.test. hostmaster.hooks.test. 1 3600 600 86400 300
	IN NS ns.hooks.test.
11.2.0.192	IN A 127.0.0.2
11.2.0.192	IN TXT "listed by the https test"
ZONE
cat > "$T/knot/knot.conf" <<CONF
server:
    listen: 127.0.0.1@$KNOT_PORT
    rundir: $T/knot
log:
  - target: stderr
    any: warning
database:
    storage: $T/knot/db
zone:
  - domain: hooks.test
    file: $T/knot/hooks.test.zone
  - domain: bl.test
    file: $T/knot/bl.test.zone
CONF
"$KNOTD" -c "$T/knot/knot.conf" >"$T/knot/log" 2>&1 &
KNOT=$!
PIDS="$PIDS $KNOT"
kdig_ok() {
	[ "$(dig @127.0.0.1 -p "$KNOT_PORT" +short +tries=1 +time=1 \
	    sink.hooks.test A 2>/dev/null)" = 127.0.0.1 ]
}
for i in $(seq 1 100); do
	kdig_ok && break
	kill -0 "$KNOT" 2>/dev/null || die "knotd: $(cat "$T/knot/log")"
	sleep 0.1
done
kdig_ok || die "knotd does not answer: $(cat "$T/knot/log")"
check "knot: the list answers" "$(dig @127.0.0.1 -p "$KNOT_PORT" +short \
    11.2.0.192.bl.test A)" 127.0.0.2

# --- the sink ----------------------------------------------------------
python3 -c 'import http.server, json, socket, ssl, sys, threading
tls_port, plain_port, silent_port = (int(a) for a in sys.argv[1:4])
cert, key, out, herr = sys.argv[4:8]
log = open(out, "a", buffering=1)
hlog = open(herr, "a", buffering=1)
lock = threading.Lock()
seen = {}
sni = {}
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
last = [None]
def on_sni(sock, name, c):
    last[0] = name
ctx.sni_callback = on_sni

class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with lock:
            n = seen[self.path] = seen.get(self.path, 0) + 1
        status = 500 if n == 1 else 200
        if self.path == "/j":
            status = "junk"
        log.write(json.dumps({"path": self.path, "status": status,
            "tls": isinstance(self.connection, ssl.SSLSocket),
            "sni": sni.get(self.client_address),
            "host": self.headers.get("Host"),
            "type": self.headers.get("Content-Type"),
            "body": json.loads(body)}) + "\n")
        if status == "junk":
            self.wfile.write(b"SSH-2.0-junk\r\n\r\n")
            self.close_connection = True
            return
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a):
        pass

class TLS(http.server.HTTPServer):
    def get_request(self):
        s, addr = self.socket.accept()
        s.settimeout(10)
        last[0] = None
        try:
            t = ctx.wrap_socket(s, server_side=True)
        except (ssl.SSLError, OSError) as e:
            hlog.write("%s\n" % e)
            s.close()
            raise
        sni[addr] = last[0]
        return t, addr

quiet = socket.socket()
quiet.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
quiet.bind(("127.0.0.1", silent_port))
quiet.listen(16)	# accepted by the kernel, never read
p = http.server.HTTPServer(("127.0.0.1", plain_port), H)
threading.Thread(target=p.serve_forever, daemon=True).start()
TLS(("127.0.0.1", tls_port), H).serve_forever()' \
    "$TLS_PORT" "$PLAIN_PORT" "$SILENT_PORT" "$T/pki/srv.pem" "$T/pki/srv.key" \
    "$T/sink.log" "$T/handshake.log" 2>"$T/sink.err" &
PIDS="$PIDS $!"
sink_up() {
	python3 -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()
socket.create_connection(("127.0.0.1", int(sys.argv[2])), 1).close()' \
	    "$TLS_PORT" "$PLAIN_PORT"
}
# (The probe's connection is a handshake error without an alert.)
wait_for sink_up || die "the sink did not start: $(cat "$T/sink.err")"

# --- the daemons -------------------------------------------------------
# daemon NAME DNSPORT URL [KEY VALUE]...: a fairlist serve watching ME on
# bl.test through Knot, posting to URL, with the extra watch keys.
daemon() {
	local n=$1 port=$2 url=$3 extra=""
	shift 3
	while [ $# -ge 2 ]; do
		extra="$extra	$1 $2
"
		shift 2
	done
	cat > "$T/$n.conf" <<CONF
db $T/$n.db
dns { listen 127.0.0.1:$port; workers 1; snapshot-cache no }
policy { listen off }
http { listen off }
watch {
	address $ME
	dnsbl bl.test
	resolver 127.0.0.1:$KNOT_PORT
	lookup-timeout 3000
	interval 1h
	webhook $url
	webhook-backoff 1s
$extra}
CONF
	"$FAIRLIST" --config "$T/$n.conf" serve 2>"$T/$n.log" &
	eval "PID_$n=$!"
	PIDS="$PIDS $!"
}
daemon a "$P_A" "https://sink.hooks.test:$TLS_PORT/a" webhook-ca "$T/pki/ca.pem"
daemon e "$P_E" "https://127.0.0.1:$TLS_PORT/e" webhook-ca "$T/pki/ca.pem"
daemon f "$P_F" "http://sink.hooks.test:$PLAIN_PORT/f"
daemon b "$P_B" "https://alias.hooks.test:$TLS_PORT/b" \
    webhook-ca "$T/pki/ca.pem" webhook-tries 2
daemon c "$P_C" "https://sink.hooks.test:$TLS_PORT/c" webhook-tries 2
daemon d "$P_D" "https://sink.hooks.test:$TLS_PORT/d" \
    webhook-ca "$T/pki/ca2.pem" webhook-tries 2
daemon g "$P_G" "https://sink.hooks.test:$SILENT_PORT/g" \
    webhook-ca "$T/pki/ca.pem" webhook-tries 2 webhook-timeout 1s
daemon h "$P_H" "https://nope.hooks.test:$TLS_PORT/h" \
    webhook-ca "$T/pki/ca.pem" webhook-tries 1
daemon i "$P_I" "https://sink.hooks.test:$TLS_PORT/i" \
    webhook-ca "$T/pki/missing.pem" webhook-tries 1
daemon j "$P_J" "https://sink.hooks.test:$TLS_PORT/j" \
    webhook-ca "$T/pki/ca.pem" webhook-tries 2
daemon l "$P_L" "https://127.0.0.1:$CLOSED_PORT/l" \
    webhook-ca "$T/pki/ca.pem" webhook-tries 1
cp "$T/pki/ca2.pem" "$T/pki/k-ca.pem"
daemon k "$P_K" "https://sink.hooks.test:$TLS_PORT/k" \
    webhook-ca "$T/pki/k-ca.pem" webhook-tries 20

# k: once its first try is refused, the file gets the right CA and a
# SIGHUP makes the daemon read it again (a guard of 60 s).
for i in $(seq 1 600); do
	grep -q 'TLS certificate of .* refused' "$T/k.log" && break
	sleep 0.1
done
grep -q 'refused: unable to get local issuer certificate' "$T/k.log" &&
    ok "k: refused while the file holds CA2" ||
    fail "k: refused while the file holds CA2: $(grep watch: "$T/k.log")"
cp "$T/pki/ca.pem" "$T/pki/k-ca.pem"
kill -HUP "$PID_k"

# notify N: what became of daemon N's alert (store/watch.h: 1 pending,
# 2 sent, 3 failed), "" before its round wrote it.
notify() { sqlite3 "$T/$1.db" "SELECT group_concat(notify) FROM
    watch_event WHERE list = 'bl.test'" 2>/dev/null || true; }
# until every daemon's alert is sent or failed (a guard of 120 s, not a
# timing threshold: each case ends by itself).
for i in $(seq 1 1200); do
	left=0
	for n in a b c d e f g h i j k l; do
		case $(notify $n) in 2|3) ;; *) left=1 ;; esac
	done
	[ $left = 0 ] && break
	sleep 0.1
done
for n in a b c d e f g h i j k l; do
	eval "pid=\$PID_$n"
	kill -0 "$pid" 2>/dev/null || fail "daemon $n exited: $(cat "$T/$n.log")"
done

# posts PATH: "status tls sni host" per POST to PATH, in order.
posts() { python3 -c 'import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["path"] == sys.argv[2]:
        print(r["status"], r["tls"], r["sni"], r["host"])' "$T/sink.log" "$1"; }
# body PATH FIELD: a field of the last body posted to PATH.
body() { python3 -c 'import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
r = [x for x in r if x["path"] == sys.argv[2]]
print(json.dumps(r[-1]["body"][sys.argv[3]]) if r else "no POST")' \
    "$T/sink.log" "$1" "$2"; }
logged() { # logged NAME TEXT CHECKNAME: the daemon's log has TEXT
	grep -qF -- "$2" "$T/$1.log" && ok "$3" ||
	    fail "$3: want '$2' in: $(grep watch: "$T/$1.log")"
}

# --- a: https by name, with the CA ---------------------------------------
check "a: delivered, after the retry" "$(notify a)" 2
check "a: 500 then 200, both over TLS with SNI" "$(posts /a | tr '\n' ';')" \
    "500 True sink.hooks.test sink.hooks.test:$TLS_PORT;200 True sink.hooks.test sink.hooks.test:$TLS_PORT;"
id=$(sqlite3 "$T/a.db" "SELECT id FROM watch_event WHERE list = 'bl.test'")
check "a: body event" "$(body /a event)" '"watch.transition"'
check "a: body id" "$(body /a id)" "$id"
check "a: body target" "$(body /a target)" "\"$ME\""
check "a: body list" "$(body /a list)" '"bl.test"'
check "a: body old -> new" "$(body /a old) $(body /a new)" '"unknown" "listed"'
check "a: body listed" "$(body /a listed)" true
check "a: body code" "$(body /a code)" '"127.0.0.2"'
check "a: body text" "$(body /a text)" \
    '"listed on bl.test (127.0.0.2) -- listed by the https test"'
check "a: body removal_url" "$(body /a removal_url)" null
check "a: content type" "$(python3 -c 'import json, sys
print([json.loads(l)["type"] for l in open(sys.argv[1])
    if json.loads(l)["path"] == "/a"][0])' "$T/sink.log")" application/json
logged a "HTTP 500 on try 1; again in 1s" "a: the 500 is logged and retried"
logged a "event $id sent (HTTP 200, try 2)" "a: sent on try 2"

# --- e: https to an address literal, with the CA -------------------------
check "e: delivered" "$(notify e)" 2
check "e: over TLS, no SNI for an address (RFC 6066 3)" \
    "$(posts /e | tr '\n' ';')" \
    "500 True None 127.0.0.1:$TLS_PORT;200 True None 127.0.0.1:$TLS_PORT;"

# --- f: plain http by name ---------------------------------------------
check "f: delivered" "$(notify f)" 2
check "f: plain http still works, the name from the daemon's resolver" \
    "$(posts /f | tr '\n' ';')" \
    "500 False None sink.hooks.test:$PLAIN_PORT;200 False None sink.hooks.test:$PLAIN_PORT;"
check "f: body" "$(body /f target) $(body /f new)" "\"$ME\" \"listed\""

# --- b, c, d: the certificate refused: nothing sent ----------------------
for n in b c d g h i l; do
	check "$n: failed, never delivered" "$(notify $n)" 3
	check "$n: nothing reached HTTP" "$(posts /$n | wc -l)" 0
done
logged b "TLS certificate of 127.0.0.1:$TLS_PORT refused: hostname mismatch (host alias.hooks.test)" \
    "b: the wrong host name is logged"
logged c "TLS certificate of 127.0.0.1:$TLS_PORT refused: unable to get local issuer certificate (host sink.hooks.test)" \
    "c: the system store does not trust the test CA"
logged d "TLS certificate of 127.0.0.1:$TLS_PORT refused: unable to get local issuer certificate (host sink.hooks.test)" \
    "d: another CA's webhook-ca does not trust it"
for n in b c d; do
	check "$n: each try logged as a warning" "$(grep -c \
	    'warning: watch: webhook: event [0-9]*: TLS certificate' \
	    "$T/$n.log")" 1
	logged $n "failed after 2 tries (last: TLS certificate of" \
	    "$n: failed after webhook-tries, with the reason"
done
logged g "failed after 2 tries (last: TLS handshake with 127.0.0.1:$SILENT_PORT: no answer in 1s)" \
    "g: the handshake timeout"
logged h "failed after 1 tries (last: no address for nope.hooks.test (A: NXDOMAIN, AAAA: NXDOMAIN))" \
    "h: a name that does not exist"
logged i "warning: watch: webhook: webhook-ca $T/pki/missing.pem: cannot load the CA certificates: " \
    "i: a CA file that cannot be read is a warning at start"
logged i "failed after 1 tries (last: webhook-ca $T/pki/missing.pem: cannot load" \
    "i: and a failed try"
check "k: delivered with the CA file read again after SIGHUP" \
    "$(notify k)" 2
check "k: over TLS after the reload" "$(posts /k | tr '\n' ';')" \
    "500 True sink.hooks.test sink.hooks.test:$TLS_PORT;200 True sink.hooks.test sink.hooks.test:$TLS_PORT;"
logged l "failed after 1 tries (last: connect 127.0.0.1:$CLOSED_PORT: Connection refused)" \
    "l: a closed port"
check "j: a malformed answer is a failed try" "$(notify j)" 3
check "j: posted over TLS, twice" "$(posts /j | tr '\n' ';')" \
    "junk True sink.hooks.test sink.hooks.test:$TLS_PORT;junk True sink.hooks.test sink.hooks.test:$TLS_PORT;"
logged j "failed after 2 tries (last: bad answer from 127.0.0.1:$TLS_PORT: not an HTTP/1.x status line)" \
    "j: the malformed answer is logged"
# The sink saw b, c and d abort the handshake with an alert (2 tries
# each) and k at least once (a second try may come before the SIGHUP),
# and never a plain-text request on its TLS port.
n=$(grep -c 'alert' "$T/handshake.log" || true)
[ "$n" -ge 7 ] && ok "the clients aborted $n handshakes with an alert" ||
    fail "handshake alerts: got $n, want 7 or more: $(cat "$T/handshake.log")"
check "no request in clear on the TLS port" "$(grep -ci 'http request' \
    "$T/handshake.log")" 0

# --- stop --------------------------------------------------------------
for n in a b c d e f g h i j k l; do
	eval "pid=\$PID_$n"
	kill "$pid" 2>/dev/null || true
	rc=0; wait "$pid" 2>/dev/null || rc=$?
	check "$n: stops cleanly" "$rc" 0
	check "$n: no sanitizer report" "$(grep -c Sanitizer "$T/$n.log")" 0
done
finish
