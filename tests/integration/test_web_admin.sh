#!/usr/bin/env bash
# test_web_admin.sh: issue 10, the admin API with curl: every route (add,
# list, update, remove, requests list/approve/deny, stats, audit) with
# "Authorization: Bearer TOKEN", and every refusal: no token, a wrong
# one, a revoked one (401), a token of too small a scope (403), bad JSON,
# wrong types and unknown keys (400), unknown routes and methods. A change
# made through the API answers in DNS after the daemon's reload.
. "$FAIRLIST_SRC/tests/lib/common.sh"
need curl curl
need jq jq
need dig bind9-dnsutils

db=$T/fl.db
fl() { "$FAIRLIST" --db "$db" "$@"; }
dport=$(free_port)
hport=$(free_port)
H=http://127.0.0.1:$hport
A=$H/api/v1/admin
zone=bl.fairlist.test
printf 'db %s\ndns {\n\tlisten 127.0.0.1:%s\n\tworkers 1\n}\npolicy {\n\tlisten off\n}\nhttp {\n\tlisten 127.0.0.1:%s\n}\n' \
    "$db" "$dport" "$hport" > "$T/fl.conf"
fl add 192.0.2.50 --reason 'manual' --evidence 'report 1' >/dev/null

# Tokens from the CLI: the secret is printed once, the store keeps its
# SHA-256; "gone" is revoked before the daemon starts.
R=$(fl token create --scope read --name reader)
W=$(fl token create --scope write --name writer)
X=$(fl token create --scope admin --name boss)
V=$(fl token create --scope admin --name gone)
fl token revoke gone >/dev/null

"$FAIRLIST" --config "$T/fl.conf" serve 2>"$T/serve.log" &
PIDS="$PIDS $!"
wait_for curl -sf "$H/" || die "no HTTP answer: $(cat "$T/serve.log")"

# st TOKEN METHOD PATH [BODY]: the status; the body goes to $T/body.
# js: the body.
st() {
	local t=$1 m=$2 p=$3 b=${4:-}
	curl -s -o "$T/body" -w '%{http_code}' -X "$m" ${t:+-H "Authorization: Bearer $t"} \
	    ${b:+-H 'Content-Type: application/json' --data-binary "$b"} "$A/$p"
}
js() { st "$@" >/dev/null; cat "$T/body"; }

# --- authentication ---
check "no token" "$(st '' GET listings)" 401
check "no token: WWW-Authenticate" "$(curl -s -D - -o /dev/null "$A/listings" | tr -d '\r' | grep -i '^WWW-Authenticate:' | cut -d' ' -f2)" Bearer
check "not Bearer" "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Basic $R" "$A/listings")" 401
check "a wrong token" "$(st 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' GET listings)" 401
check "a token cut short" "$(st "${R%?}" GET listings)" 401
check "a revoked token" "$(st "$V" GET listings)" 401
check "unknown route without a token" "$(st '' GET nope)" 401
check "read may list" "$(st "$R" GET listings)" 200
check "read may not add" "$(st "$R" POST listings '{"prefix": "192.0.2.60", "reason": "r", "evidence": "e"}')" 403
check "403 says the scope" "$(js "$R" POST listings '{}' | jq -r .error)" "this route needs a token of scope write (this one is read)"
check "write may not read the audit log" "$(st "$W" GET audit)" 403
check "admin may" "$(st "$X" GET audit)" 200

# --- listings ---
j=$(js "$W" POST listings '{"prefix": "192.0.2.60", "reason": "api <b>listing</b>", "evidence": "ticket 9", "expires_in": 86400}')
id=$(echo "$j" | jq -r .id)
case $id in [1-9]*) ok "add: id $id" ;; *) fail "add: $j" ;; esac
listed() { [ "$(dig +short -p "$dport" @127.0.0.1 60.2.0.192.$zone A)" = 127.0.0.2 ]; }
if wait_for listed; then ok "add: answers in DNS"; else fail "add: not in DNS"; fi
check "add: source and actor" "$(fl show 192.0.2.60 --json | jq -r '.. | objects | select(has("source")) | .source' | head -1)" admin
case $(fl audit --json | jq -r '.audit[].actor') in *token:writer*) ok "audit: token:writer" ;; *) fail "audit actor" ;; esac
check "add: duplicate" "$(st "$W" POST listings '{"prefix": "192.0.2.60", "reason": "r", "evidence": "e"}')" 400
check "add: bad prefix" "$(st "$W" POST listings '{"prefix": "192.0.2.300", "reason": "r", "evidence": "e"}')" 400
check "add: CR/LF in the reason" "$(st "$W" POST listings '{"prefix": "192.0.2.61", "reason": "a\r\nb", "evidence": "e"}')" 400
check "add: missing evidence" "$(js "$W" POST listings '{"prefix": "192.0.2.61", "reason": "r"}' | jq -r .error)" '"evidence" is required'
check "add: wrong type" "$(js "$W" POST listings '{"prefix": "192.0.2.61", "reason": "r", "evidence": "e", "expires_in": "1d"}' | jq -r .error)" '"expires_in" must be an integer'
check "add: unknown key" "$(js "$W" POST listings '{"prefix": "192.0.2.61", "reason": "r", "evidence": "e", "ttl": 1}' | jq -r .error)" 'unknown key "ttl"'
check "add: bad JSON" "$(st "$W" POST listings '{"prefix": ')" 400
check "add: code" "$(st "$W" POST listings '{"prefix": "192.0.2.62", "reason": "r", "evidence": "e", "code": "127.0.0.4"}')" 201
check "list" "$(js "$R" GET 'listings?zone=bl.fairlist.test' | jq -r '[.listings[].prefix] | join(" ")')" "192.0.2.50 192.0.2.60 192.0.2.62"
check "list: limit" "$(js "$R" GET 'listings?limit=1&offset=1' | jq -r '.listings[0].prefix')" 192.0.2.60
check "list: bad limit" "$(st "$R" GET 'listings?limit=0')" 400
check "list: unknown field" "$(st "$R" GET 'listings?color=red')" 400
check "update" "$(js "$W" PATCH "listings/$id" '{"reason": "api listing, updated"}' | jq -r .changed)" true
check "update: seen" "$(curl -s "$H/api/v1/lookup/192.0.2.60" | jq -r '.listings[0].reason')" "api listing, updated"
check "update: no such listing" "$(st "$W" PATCH listings/999999 '{"reason": "x"}')" 400
check "update: unknown key" "$(st "$W" PATCH "listings/$id" '{"zone": "x"}')" 400
check "update: bad id" "$(st "$W" PATCH listings/abc '{}')" 404
check "update: method" "$(st "$W" GET "listings/$id")" 405
check "remove: why required" "$(st "$W" POST remove '{"prefix": "192.0.2.60"}')" 400
check "remove" "$(js "$W" POST remove '{"prefix": "192.0.2.60", "zone": "bl.fairlist.test", "why": "api test"}' | jq -r .removed)" 1
unlisted() { ! listed; }
if wait_for unlisted; then ok "remove: gone from DNS"; else fail "remove: still in DNS"; fi

# --- removal requests ---
r1=$(curl -s -H 'Content-Type: application/json' -d '{"ip": "192.0.2.50"}' "$H/api/v1/removal" | jq -r .id)
fl add 192.0.2.51 --reason 'manual 2' --evidence 'report 2' >/dev/null
r2=$(curl -s -H 'Content-Type: application/json' -d '{"ip": "192.0.2.51"}' "$H/api/v1/removal" | jq -r .id)
check "requests: open" "$(js "$R" GET 'requests?state=open' | jq -r '[.requests[].ip] | sort | join(" ")')" "192.0.2.50 192.0.2.51"
check "requests: the requester's address" "$(js "$R" GET 'requests?state=open' | jq -r '.requests[0].requester')" 127.0.0.1
check "requests: bad state" "$(st "$R" GET 'requests?state=maybe')" 400
check "approve: read may not" "$(st "$R" POST "requests/$r1/approve" '{}')" 403
check "approve" "$(js "$W" POST "requests/$r1/approve" '{"why": "fixed"}' | jq -r '.state + " " + (.removed|tostring)')" "approved 1"
check "approve twice" "$(st "$W" POST "requests/$r1/approve" '{}')" 400
check "approved: public state" "$(curl -s "$H/api/v1/request/$r1" | jq -r .state)" approved
check "deny needs why" "$(st "$W" POST "requests/$r2/deny" '{}')" 400
check "deny" "$(js "$W" POST "requests/$r2/deny" '{"why": "still spamming"}' | jq -r .state)" denied
check "denied: public why" "$(curl -s "$H/api/v1/request/$r2" | jq -r .why)" "still spamming"
check "decide: bad verb" "$(st "$W" POST "requests/$r2/maybe" '{}')" 404
check "decide: unknown key" "$(st "$W" POST "requests/$r2/deny" '{"because": "x"}')" 400

# --- stats and audit ---
check "stats" "$(js "$R" GET stats | jq -r '.stats[] | select(.zone == "bl.fairlist.test" and .source == "admin") | .listings')" 1
check "audit: limit" "$(js "$X" GET 'audit?limit=2' | jq -r '.audit | length')" 2
check "audit: holds the removal's requester" "$(js "$X" GET audit | jq -r '[.audit[].actor] | map(select(. == "web:127.0.0.1")) | length > 0')" true
check "unknown admin route" "$(st "$R" GET nope)" 404
check "stats: method" "$(st "$W" POST stats '{}')" 405
# Revoked while the daemon runs: refused from the next request.
fl token revoke boss >/dev/null
check "a token revoked while serving" "$(st "$X" GET audit)" 401
finish
