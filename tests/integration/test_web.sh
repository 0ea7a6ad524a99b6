#!/usr/bin/env bash
# test_web.sh: issue 10, the HTTP service with curl: every read route and
# its errors (bad address, prefix, unknown path, method, header lines,
# oversized body, the connection cap), the security headers,
# X-Forwarded-For only from a trusted proxy, HTML escaping of a reason
# holding <script> on the page, the same text through JSON, TXT (dig) and
# the SMTP reply (the policy server), and public-url as the base of every
# URL those print. Removal: the page's form (CSRF token in a field and a
# cookie) removes a trap listing at once, and dig sees it gone; the JSON
# route opens a request for a manual one; every error of the route (bad
# JSON, wrong types, unknown keys, media type, unknown zone, an unlisted
# address, rate limits with Retry-After); the requester's address is in
# the audit log, not on public pages; the cooldown of a relisting;
# /metrics; a public-url changed by SIGHUP.
. "$FAIRLIST_SRC/tests/lib/common.sh"
need curl curl
need jq jq
need dig bind9-dnsutils
need python3 python3

db=$T/fl.db
fl() { "$FAIRLIST" --db "$db" "$@"; }
dport=$(free_port)
pport=$(free_port)
hport=$(free_port)
H=http://127.0.0.1:$hport
zone=bl.fairlist.test

cat > "$T/fl.conf" <<CONF
db $db
dns {
	listen 127.0.0.1:$dport
	workers 1
}
policy {
	listen 127.0.0.1:$pport
	blocklist $zone
}
http {
	listen 127.0.0.1:$hport
	public-url https://bl.example.org/
	trusted-proxies 127.0.0.2
	max-body 1024
	clients 3
}
CONF

script='<script>alert("x")</script> & spam'
fl add 192.0.2.1 --reason "$script" --evidence 'Received: from <b>x</b>' \
    --expires 7d >/dev/null
fl add 198.51.100.0/24 --reason 'range of a spam run' --evidence 'trap hits' >/dev/null
fl add 198.51.100.7 --reason 'an old one' --evidence 'one hit' >/dev/null
fl remove 198.51.100.7 --why 'fixed by the operator' >/dev/null
fl add 203.0.113.7 --reason 'trap hit' --evidence 'trap=t9' --source trap \
    --expires 1d >/dev/null
fl add 203.0.113.8 --reason 'manual listing' --evidence 'report 17' >/dev/null
# CR/LF never reach a page: the store refuses control characters.
if fl add 192.0.2.9 --reason $'a\r\nb' --evidence e >/dev/null 2>&1; then
	fail "a reason with CR/LF was stored"
else
	ok "a reason with CR/LF is refused"
fi

"$FAIRLIST" --config "$T/fl.conf" serve 2>"$T/serve.log" &
SERVE=$!
PIDS="$PIDS $SERVE"
wait_for curl -sf "$H/" || die "no HTTP answer: $(cat "$T/serve.log")"

# code URL [CURL ARGS]: the status code of a request.
code() { local u=$1; shift; curl -s -o /dev/null -w '%{http_code}' "$@" "$u"; }
hdr() { curl -s -D - -o /dev/null "$1" | tr -d '\r' | grep -i "^$2:" | cut -d' ' -f2-; }

# --- the search form ---
page=$(curl -s "$H/")
case $page in *'name="ip" type="text" value="127.0.0.1"'*) ok "/ prefills the visitor's address" ;;
*) fail "/ prefill: $page" ;; esac
check "X-Forwarded-For from an untrusted peer is ignored" \
    "$(curl -s -H 'X-Forwarded-For: 203.0.113.9' "$H/" | grep -o 'value="[^"]*"')" 'value="127.0.0.1"'
check "X-Forwarded-For from a trusted proxy" \
    "$(curl -s --interface 127.0.0.2 -H 'X-Forwarded-For: 203.0.113.9, 127.0.0.2' "$H/" | grep -o 'value="[^"]*"')" 'value="203.0.113.9"'
check "X-Forwarded-For, two headers, read right to left" \
    "$(curl -s --interface 127.0.0.2 -H 'X-Forwarded-For: 198.51.100.1' -H 'X-Forwarded-For: 203.0.113.10' "$H/" | grep -o 'value="[^"]*"')" 'value="203.0.113.10"'
check "a malformed X-Forwarded-For is ignored" \
    "$(curl -s --interface 127.0.0.2 -H 'X-Forwarded-For: <script>' "$H/" | grep -o 'value="[^"]*"')" 'value="127.0.0.2"'
check "search redirects" "$(code "$H/lookup?ip=+192.0.2.1+")" 303
check "search Location" "$(hdr "$H/lookup?ip=192.0.2.1" Location)" /lookup/192.0.2.1
check "search without an address" "$(code "$H/lookup?q=1")" 400
check "search with a prefix" "$(code "$H/lookup?ip=192.0.2.0%2F24")" 400

# --- the lookup page ---
page=$(curl -s "$H/lookup/192.0.2.1")
case $page in *'&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; spam'*) ok "page: reason escaped" ;;
*) fail "page: reason not found escaped" ;; esac
case $page in *'<script'*) fail "page: holds a <script" ;; *) ok "page: no <script" ;; esac
case $page in *'Received: from &lt;b&gt;x&lt;/b&gt;'*) ok "page: evidence escaped" ;; *) fail "page: evidence" ;; esac
case $page in *'class="expires">20'*) ok "page: expiry" ;; *) fail "page: expiry" ;; esac
case $page in *'class="code"><code>127.0.0.2'*) ok "page: return code" ;; *) fail "page: return code" ;; esac
case $page in *'class="source">cli'*) ok "page: source" ;; *) fail "page: source" ;; esac
check "page: CSP" "$(hdr "$H/lookup/192.0.2.1" Content-Security-Policy)" \
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
check "page: nosniff" "$(hdr "$H/lookup/192.0.2.1" X-Content-Type-Options)" nosniff
check "page: DENY framing" "$(hdr "$H/lookup/192.0.2.1" X-Frame-Options)" DENY
page=$(curl -s "$H/lookup/198.51.100.7")
case $page in *'covers the range <code>198.51.100.0/24</code> (256 addresses)'*) ok "page: a range, and why" ;;
*) fail "page: range" ;; esac
case $page in *'fixed by the operator'*) ok "page: past listing and history" ;; *) fail "page: history" ;; esac
page=$(curl -s "$H/lookup/203.0.113.50")
case $page in *'Not listed here'*'127.255.255'*) ok "page: not listed, and the resolver explanation" ;;
*) fail "page: not listed" ;; esac
page=$(curl -s "$H/lookup/%3Cscript%3E")
case $page in *'&#39;&lt;script&gt;&#39;'*) ok "page: the address as typed, escaped" ;; *) fail "page: bad address: $page" ;; esac
check "page: bad address status" "$(code "$H/lookup/%3Cscript%3E")" 400
check "style sheet" "$(code "$H/static/style.css")" 200
check "style sheet type" "$(hdr "$H/static/style.css" Content-Type)" text/css

# --- the JSON API ---
j=$(curl -s "$H/api/v1/lookup/192.0.2.1")
check "api: listed" "$(echo "$j" | jq -r .listed)" true
check "api: reason, unchanged through JSON" "$(echo "$j" | jq -r '.listings[0].reason')" "$script"
check "api: keys" "$(echo "$j" | jq -c 'keys')" '["history","ip","listed","listings","requests","truncated"]'
check "api: listing keys" "$(echo "$j" | jq -c '.listings[0] | keys')" \
    '["addresses","code","cooldown","evidence","expires_at","id","listed_at","prefix","range","reason","removal","source","state","zone"]'
case $(echo "$j" | jq -r '.listings[0].listed_at + " " + .listings[0].expires_at') in
[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z\ [0-9][0-9][0-9][0-9]-*Z) ok "api: RFC 3339 UTC times" ;;
*) fail "api: times $(echo "$j" | jq -c .listings[0])" ;; esac
check "api: content type" "$(hdr "$H/api/v1/lookup/192.0.2.1" Content-Type)" application/json
j=$(curl -s "$H/api/v1/lookup/198.51.100.7")
check "api: range listing" "$(echo "$j" | jq -r '.listings[0].prefix + " " + (.listings[0].range|tostring)')" "198.51.100.0/24 true"
check "api: history holds the removed listing" "$(echo "$j" | jq -r '[.history[] | select(.action == "remove") | .why] | .[0]')" "fixed by the operator"
check "api: unlisted" "$(curl -s "$H/api/v1/lookup/2001:db8::1" | jq -r '.listed, (.listings|length)' | tr '\n' ' ')" "false 0 "
check "api: bad address" "$(code "$H/api/v1/lookup/300.1.2.3")" 400
check "api: bad address error" "$(curl -s "$H/api/v1/lookup/nope" | jq -r 'keys[0]')" error
check "api: a prefix" "$(code "$H/api/v1/lookup/192.0.2.0%2F24")" 400
check "api: bad percent-encoding" "$(code "$H/api/v1/lookup/%zz")" 400

# --- errors ---
check "unknown path" "$(code "$H/nope")" 404
check "api unknown path is JSON" "$(curl -s "$H/api/v1/nope" | jq -r .error)" "no such page"
check "method" "$(code "$H/" -X DELETE)" 405
hs=(); for i in $(seq 1 70); do hs+=(-H "X-H$i: v"); done
check "too many header lines" "$(code "$H/" "${hs[@]}")" 431
head -c 4096 /dev/zero | tr '\0' a > "$T/big"
check "oversized body" "$(code "$H/" -X POST --data-binary "@$T/big")" 413
big=$(head -c 9000 /dev/zero | tr '\0' a)
case $(code "$H/" -H "X-Big: $big") in 4*) ok "oversized headers refused" ;; *) fail "oversized headers" ;; esac

# clients 3: three connections that sent a request are open, a fourth is
# told 503 and closed; once one closes, a new one is served.
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
held = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
codes = [get(s) for s in held]
extra = socket.create_connection(("127.0.0.1", port))
codes.append(get(extra))
held[0].close()
extra.close()
import time
for _ in range(50):
    s = socket.create_connection(("127.0.0.1", port))
    c = get(s)
    s.close()
    if c == "200":
        break
    time.sleep(0.1)
codes.append(c)
print(" ".join(codes))
PY
check "connection cap" "$(python3 "$T/conns.py" "$hport")" "200 200 200 503 200"

# --- removal through the page's form ---
curl -s -c "$T/jar" "$H/lookup/203.0.113.7" > "$T/page"
csrf=$(grep -o 'name="csrf" value="[^"]*"' "$T/page" | head -1 | cut -d'"' -f4)
case $(grep -c 'class="removal">self-service' "$T/page") in 1) ok "page: self-service removal offered" ;;
*) fail "page: removal policy" ;; esac
check "form without the cookie" "$(code "$H/api/v1/removal" --data-urlencode ip=203.0.113.7 --data-urlencode "csrf=$csrf")" 403
check "form with a forged token" "$(code "$H/api/v1/removal" -b "$T/jar" --data-urlencode ip=203.0.113.7 --data-urlencode "csrf=1.0123456789abcdef0123456789abcdef")" 403
check "form with an unknown field" "$(code "$H/api/v1/removal" -b "$T/jar" --data-urlencode ip=203.0.113.7 --data-urlencode "csrf=$csrf" --data-urlencode x=1)" 400
check "DNS before removal" "$(dig +short -p "$dport" @127.0.0.1 7.113.0.203.$zone A)" 127.0.0.2
loc=$(curl -s -o /dev/null -w '%{redirect_url}' -b "$T/jar" "$H/api/v1/removal" \
    --data-urlencode ip=203.0.113.7 --data-urlencode zone=$zone \
    --data-urlencode "note=fixed <b>it</b>" --data-urlencode "csrf=$csrf")
case $loc in "$H/request/"????????????????) ok "form: 303 to the request" ;; *) fail "form: Location '$loc'" ;; esac
ref=${loc##*/}
gone() { [ -z "$(dig +short -p "$dport" @127.0.0.1 7.113.0.203.$zone A)" ]; }
if wait_for gone; then ok "DNS: the listing no longer answers"; else fail "DNS: still listed"; fi
page=$(curl -s "$H/request/$ref")
case $page in *'State: <strong>done</strong>'*) ok "request page: done" ;; *) fail "request page: $page" ;; esac
case $page in *'fixed &lt;b&gt;it&lt;/b&gt;'*) ok "request page: the note escaped" ;; *) fail "request page: note" ;; esac
case $page in *127.0.0.1*) fail "request page shows the requester's address" ;; *) ok "request page: no requester address" ;; esac
check "api request: state" "$(curl -s "$H/api/v1/request/$ref" | jq -r .state)" done
check "api request: unknown" "$(code "$H/api/v1/request/AAAAAAAAAAAAAAAA")" 404
check "api request: malformed" "$(code "$H/api/v1/request/..%2F")" 404
check "lookup: the request's state" "$(curl -s "$H/api/v1/lookup/203.0.113.7" | jq -r '.requests[0].state')" done
case $(curl -s "$H/lookup/203.0.113.7") in *127.0.0.1*) fail "lookup page shows the requester's address" ;;
*) ok "lookup page: no requester address" ;; esac
case $(fl audit --json | jq -r '.audit[].actor') in *web:127.0.0.1*) ok "audit: the requester's address" ;;
*) fail "audit: no web:127.0.0.1" ;; esac
# Listed again: the cooldown doubles the duration and the page says so.
fl add 203.0.113.7 --reason 'trap hit again' --evidence 'trap=t9' --source trap --expires 1d >/dev/null
j=$(curl -s "$H/api/v1/lookup/203.0.113.7")
check "cooldown: count and multiplier" "$(echo "$j" | jq -r '.listings[0].cooldown | "\(.count) \(.multiplier)"')" "1 2"
case $(curl -s "$H/lookup/203.0.113.7") in *'removed itself 1 time(s)'*) ok "page: the cooldown explained" ;;
*) fail "page: cooldown" ;; esac

# --- removal through JSON ---
post() { curl -s -H 'Content-Type: application/json' "$@" "$H/api/v1/removal"; }
pcode() { curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' "$@" "$H/api/v1/removal"; }
j=$(post -d '{"ip": "203.0.113.8", "note": "please"}')
check "json: a manual listing waits for review" "$(echo "$j" | jq -r '.state + " " + (.pending|tostring)')" "open 1"
check "json: url under public-url" "$(echo "$j" | jq -r .url)" "https://bl.example.org/request/$(echo "$j" | jq -r .id)"
check "json: the same request again" "$(post -d '{"ip": "203.0.113.8"}' | jq -r '.existing')" true
check "json: still listed" "$(dig +short -p "$dport" @127.0.0.1 8.113.0.203.$zone A)" 127.0.0.2
check "json: 202" "$(pcode -d '{"ip": "203.0.113.8"}')" 202
check "json: bad JSON" "$(pcode -d '{"ip": ')" 400
check "json: bad JSON says why" "$(post -d '{"ip": ' | jq -r '.error' | cut -c1-8)" "bad JSON"
check "json: wrong type" "$(post -d '{"ip": 17}' | jq -r .error)" '"ip" must be a string'
check "json: unknown key" "$(post -d '{"ip": "203.0.113.8", "force": true}' | jq -r .error)" 'unknown key "force"'
check "json: no ip" "$(pcode -d '{"zone": "bl.fairlist.test"}')" 400
check "json: not an object" "$(pcode -d '["203.0.113.8"]')" 400
check "json: bad address" "$(pcode -d '{"ip": "203.0.113.300"}')" 400
check "json: a prefix" "$(pcode -d '{"ip": "203.0.113.0/24"}')" 400
check "json: unknown zone" "$(pcode -d '{"ip": "203.0.113.8", "zone": "nope.test"}')" 404
check "json: an address that is not listed" "$(pcode -d '{"ip": "192.0.2.77"}')" 404
check "json: media type" "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: text/plain' -d '{"ip": "203.0.113.8"}' "$H/api/v1/removal")" 415
check "json: GET" "$(code "$H/api/v1/removal")" 405
check "json: oversized body" "$(pcode --data-binary "@$T/big")" 413

# Rate limits: 5 requests an hour for one address (from any requester),
# 10 an hour from one requester (for any address); then 429 + Retry-After.
for i in 3 4 5 6 7; do pcode --interface 127.0.0.$i -d '{"ip": "192.0.2.88"}' >/dev/null; done
check "rate limit per address" "$(pcode --interface 127.0.0.8 -d '{"ip": "192.0.2.88"}')" 429
ra=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' --interface 127.0.0.8 \
    -d '{"ip": "192.0.2.88"}' "$H/api/v1/removal" | tr -d '\r' | grep -i '^Retry-After:' | cut -d' ' -f2)
case $ra in [1-9]*) ok "Retry-After $ra" ;; *) fail "Retry-After '$ra'" ;; esac
for i in $(seq 1 10); do pcode --interface 127.0.0.9 -d "{\"ip\": \"192.0.2.$((100 + i))\"}" >/dev/null; done
check "rate limit per requester" "$(pcode --interface 127.0.0.9 -d '{"ip": "192.0.2.120"}')" 429
check "another requester is not limited" "$(pcode --interface 127.0.0.10 -d '{"ip": "192.0.2.120"}')" 404

# --- the same text and URL in TXT and in the SMTP reply ---
txt=$(dig +short -p "$dport" @127.0.0.1 TXT 1.2.0.192.$zone)
case $txt in *'<script>alert(\"x\")</script> & spam'*'https://bl.example.org/lookup/192.0.2.1'*) ok "TXT: reason and public-url" ;;
*) fail "TXT: $txt" ;; esac
reply=$(python3 "$FAIRLIST_SRC/tests/lib/policy_ask.py" "$pport" 192.0.2.1)
case $reply in *'https://bl.example.org/lookup/192.0.2.1'*) ok "SMTP reply: public-url" ;; *) fail "SMTP reply: $reply" ;; esac
case $reply in *$'\r'*|*$'\n'*) fail "SMTP reply holds CR/LF" ;; *) ok "SMTP reply is one line" ;; esac

# --- /metrics: the registry, the store's gauges, the HTTP requests ---
curl -s "$H/metrics" > "$T/metrics"
check "metrics: type" "$(hdr "$H/metrics" Content-Type)" "text/plain; version=0.0.4; charset=utf-8"
m() { grep -F "$1" "$T/metrics" | head -1 | awk '{print $NF}'; }
n=$(m 'fairlist_http_requests_total{route="api_lookup",status="200"}')
case $n in [1-9]*) ok "metrics: api lookups counted ($n)" ;; *) fail "metrics: api lookups '$n'" ;; esac
check "metrics: 429s counted" "$(m 'fairlist_http_requests_total{route="removal",status="429"}')" 3
check "metrics: 431 counted" "$(m 'fairlist_http_requests_total{route="other",status="431"}')" 1
n=$(m 'fairlist_http_request_duration_seconds_count{route="lookup"}')
case $n in [1-9]*) ok "metrics: page latency histogram ($n)" ;; *) fail "metrics: histogram '$n'" ;; esac
n=$(m 'fairlist_dns_queries_total{zone="bl.fairlist.test",answer="listed"}')
case $n in [1-9]*) ok "metrics: DNS queries ($n)" ;; *) fail "metrics: DNS '$n'" ;; esac
check "metrics: removal requests done" "$(m 'fairlist_removal_requests{state="done"}')" 1
n=$(m 'fairlist_listings{zone="bl.fairlist.test",source="cli"}')
case $n in [1-9]*) ok "metrics: listings by zone and source ($n)" ;; *) fail "metrics: listings '$n'" ;; esac
grep -q '^fairlist_policy_verdicts_total' "$T/metrics" && ok "metrics: policy verdicts" || fail "metrics: no policy verdicts"
# --- SIGHUP: a new public-url applies to TXT, SMTP replies and the API ---
sed -i 's|public-url https://bl.example.org/|public-url https://lists.example.net|' "$T/fl.conf"
kill -HUP "$SERVE"
newurl() { dig +short -p "$dport" @127.0.0.1 TXT 1.2.0.192.$zone | grep -q 'https://lists.example.net/lookup/192.0.2.1'; }
if wait_for newurl; then ok "SIGHUP: TXT has the new public-url"; else fail "SIGHUP: TXT $(dig +short -p "$dport" @127.0.0.1 TXT 1.2.0.192.$zone)"; fi
case $(python3 "$FAIRLIST_SRC/tests/lib/policy_ask.py" "$pport" 192.0.2.1) in
*'https://lists.example.net/lookup/192.0.2.1'*) ok "SIGHUP: SMTP reply has the new public-url" ;;
*) fail "SIGHUP: SMTP reply" ;; esac
fl add 203.0.113.9 --reason 'manual' --evidence 'e' >/dev/null
check "SIGHUP: removal url" "$(curl -s --interface 127.0.0.11 -H 'Content-Type: application/json' -d '{"ip": "203.0.113.9"}' "$H/api/v1/removal" | jq -r .url | cut -d/ -f1-4)" "https://lists.example.net/request"
finish
