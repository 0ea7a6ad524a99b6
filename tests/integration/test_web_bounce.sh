#!/usr/bin/env bash
# test_web_bounce.sh: issue 12 part 2 on the web, with curl against a
# running `fairlist serve`. POST /api/v1/bounce gives what `fairlist
# bounce classify --json` prints (the same fields and values, for reply
# texts and for every whole message of the corpus, tests/data/bounce),
# plus ours / listed_here / lookup_url / resolver_at_fault / verdict: a
# rejection naming our zone for a listed address says so and links the
# lookup page under public-url, for an address not listed says it is
# not, one naming a third-party list or the receiver's refused resolver
# says that. Every error of the route (bad JSON, both or neither key,
# wrong type, media type, method, a body over max-body). The "paste the
# rejection you got" form: CSRF token in a field and a cookie (refused
# without the cookie or with a forged token), the verdict page with the
# pasted text HTML-escaped, the strict CSP, no script.
. "$FAIRLIST_SRC/tests/lib/common.sh"
need curl curl
need jq jq

db=$T/fl.db
fl() { "$FAIRLIST" --db "$db" "$@"; }
dport=$(free_port)
hport=$(free_port)
H=http://127.0.0.1:$hport
zone=bl.fairlist.test
cat > "$T/fl.conf" <<CONF
db $db
dns {
	listen 127.0.0.1:$dport
	workers 1
}
http {
	listen 127.0.0.1:$hport
	public-url https://bl.example.org/
	max-body 65536
}
CONF
fl add 192.0.2.1 --reason 'trap hit' --evidence 'trap=t1' --source trap \
    --expires 1d >/dev/null || die "add failed"
fl add 192.0.2.2 --reason 'old' --evidence 'e' >/dev/null || die "add failed"
fl remove 192.0.2.2 --why 'fixed' >/dev/null || die "remove failed"

"$FAIRLIST" --config "$T/fl.conf" serve 2>"$T/serve.log" &
PIDS="$PIDS $!"
wait_for curl -sf "$H/" || die "no HTTP answer: $(cat "$T/serve.log")"

code() { local u=$1; shift; curl -s -o /dev/null -w '%{http_code}' "$@" "$u"; }
api() { jq -n --arg t "$1" '{text: $t}' | curl -s -H 'Content-Type: application/json' --data-binary @- "$H/api/v1/bounce"; }
field() { printf '%s' "$1" | jq -r "$2"; }
CLIKEYS='[.class, .action, .list, .ip, .reply, .status, .rule, .explanation, .dsn, .recipient, .remote_mta, .diagnostic]'

# --- the API: our list, the address listed ---
t1='554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using bl.fairlist.test'
o=$(api "$t1")
check "ours, listed: class" "$(field "$o" .class)" blocklist
check "ours, listed: ours" "$(field "$o" .ours)" true
check "ours, listed: listed_here" "$(field "$o" .listed_here)" true
check "ours, listed: lookup_url under public-url" "$(field "$o" .lookup_url)" \
    "https://bl.example.org/lookup/192.0.2.1"
check "ours, listed: resolver not at fault" "$(field "$o" .resolver_at_fault)" false
case $(field "$o" .verdict) in "Yes: the address is listed on our list."*) ok "ours, listed: verdict" ;;
*) fail "ours, listed: verdict $(field "$o" .verdict)" ;; esac
check "API = CLI (ours, listed)" "$(field "$o" "$CLIKEYS|tojson")" \
    "$("$FAIRLIST" bounce classify --json --text "$t1" | jq -c "$CLIKEYS")"

# --- our list, an address removed, one never listed; case of the name ---
o=$(api '550 5.7.1 Client host [192.0.2.2] blocked using BL.Fairlist.Test')
check "ours, removed: listed_here" "$(field "$o" .ours) $(field "$o" .listed_here)" "true false"
case $(field "$o" .verdict) in "The list is ours and does not list the address now"*) ok "ours, removed: verdict" ;;
*) fail "ours, removed: verdict $(field "$o" .verdict)" ;; esac
o=$(api '550 5.7.1 Client host [198.51.100.9] blocked using bl.fairlist.test')
check "ours, never listed: listed_here" "$(field "$o" .listed_here)" false

# --- a third-party list, the receiver's resolver refused ---
t2='554 5.7.1 Service unavailable; Client host [203.0.113.5] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/203.0.113.5'
o=$(api "$t2")
check "third party: list, ours, listed_here, lookup_url" \
    "$(field "$o" '[.list, .ours, .listed_here, .lookup_url]|join(" ")')" "zen.spamhaus.org false  "
check "third party: class" "$(field "$o" .class)" blocklist
check "API = CLI (third party)" "$(field "$o" "$CLIKEYS|tojson")" \
    "$("$FAIRLIST" bounce classify --json --text "$t2" | jq -c "$CLIKEYS")"
t3='554 5.7.1 Service unavailable; Client host [203.0.113.5] blocked using zen.spamhaus.org; Error: open resolver; https://www.spamhaus.org/returnc/pub/203.0.113.1'
o=$(api "$t3")
check "resolver refused: class" "$(field "$o" .class)" resolver-error
check "resolver refused: at fault" "$(field "$o" .resolver_at_fault)" true
case $(field "$o" .verdict) in "You are not listed"*) ok "resolver refused: verdict" ;;
*) fail "resolver refused: verdict $(field "$o" .verdict)" ;; esac

# --- whole messages: the corpus, as message/rfc822 and as JSON "message" ---
n=0
for f in "$FAIRLIST_SRC"/tests/data/bounce/cases/*.eml; do
	want=$("$FAIRLIST" bounce classify --json "$f" | jq -c "$CLIKEYS")
	got=$(curl -s -H 'Content-Type: message/rfc822' --data-binary "@$f" "$H/api/v1/bounce" | jq -c "$CLIKEYS")
	[ "$got" = "$want" ] || fail "API = CLI for $(basename "$f"): got $got, want $want"
	got=$(jq -Rs '{message: .}' "$f" | curl -s -H 'Content-Type: application/json' --data-binary @- "$H/api/v1/bounce" | jq -c "$CLIKEYS")
	[ "$got" = "$want" ] || fail "API (JSON message) = CLI for $(basename "$f"): got $got"
	n=$((n + 1))
done
[ "$n" -ge 5 ] && ok "API = CLI for the $n messages of the corpus" || fail "only $n corpus messages"

# --- errors ---
j() { code "$H/api/v1/bounce" -H 'Content-Type: application/json' --data-binary "$1"; }
check "bad JSON" "$(j '{"text":')" 400
check "both keys" "$(j '{"text":"a","message":"b"}')" 400
check "neither key" "$(j '{}')" 400
check "unknown key" "$(j '{"txt":"550"}')" 400
check "wrong type" "$(j '{"text":550}')" 400
check "media type" "$(code "$H/api/v1/bounce" -H 'Content-Type: text/plain' --data-binary '550 x')" 415
check "GET the API" "$(code "$H/api/v1/bounce")" 405
head -c 70000 /dev/zero | tr '\0' 'a' > "$T/big"
check "a body over max-body" "$(code "$H/api/v1/bounce" -H 'Content-Type: message/rfc822' --data-binary "@$T/big")" 413
check "a NUL in the JSON text" "$(j '{"text":"550 5.7.1 \u0000"}')" 400
o=$(printf '{"text":"550 5.7.1 host [192.0.2.1] blocked using \xff\xfex.test"}' | curl -s -H 'Content-Type: application/json' --data-binary @- "$H/api/v1/bounce")
check "text that is not UTF-8" "$(field "$o" .error)" "bad JSON at byte 50: unable to decode byte 0xff"
o=$(printf 'Subject: x\n\n550 5.7.1 host [192.0.2.1] blocked using \xff\xfex.test\n' | curl -s -H 'Content-Type: message/rfc822' --data-binary @- "$H/api/v1/bounce")
check "8-bit bytes in a message: JSON" "$(field "$o" '.class | type')" string

# --- the form ---
curl -s -c "$T/jar" -D "$T/h" "$H/bounce" > "$T/page"
csrf=$(grep -o 'name="csrf" value="[^"]*"' "$T/page" | cut -d'"' -f4)
[ -n "$csrf" ] && ok "form: CSRF field" || fail "form: no CSRF field"
check "form: cookie" "$(grep -ci '^Set-Cookie: fl_csrf_bounce=.*Path=/bounce.*HttpOnly; SameSite=Strict; Secure' "$T/h")" 1
check "form: strict CSP" "$(grep -ci "^Content-Security-Policy: default-src 'none'" "$T/h")" 1
check "form: no script" "$(grep -ci '<script' "$T/page")" 0
check "form without the cookie" "$(code "$H/bounce" --data-urlencode "text=$t1" --data-urlencode "csrf=$csrf")" 403
check "form with a forged token" "$(code "$H/bounce" -b "$T/jar" --data-urlencode "text=$t1" --data-urlencode "csrf=1.0123456789abcdef0123456789abcdef")" 403
check "form with an unknown field" "$(code "$H/bounce" -b "$T/jar" --data-urlencode "text=$t1" --data-urlencode "csrf=$csrf" --data-urlencode x=1)" 400
check "form with an empty text" "$(code "$H/bounce" -b "$T/jar" --data-urlencode "text= " --data-urlencode "csrf=$csrf")" 400
curl -s -b "$T/jar" "$H/bounce" --data-urlencode "text=$t1 <script>alert(1)</script>" \
    --data-urlencode "csrf=$csrf" > "$T/result"
check "form: the verdict" "$(grep -c '<p class="verdict">Yes: the address is listed on our list.' "$T/result")" 1
check "form: the list, ours" "$(grep -c '<dd class="list">bl.fairlist.test (our list)</dd>' "$T/result")" 1
check "form: the lookup link, on this host" "$(grep -c 'href="/lookup/192.0.2.1"' "$T/result")" 1
check "form: the pasted text escaped" "$(grep -c '&lt;script&gt;alert(1)&lt;/script&gt;</textarea>' "$T/result")" 1
check "form: no script" "$(grep -ci '<script' "$T/result")" 0
curl -s -b "$T/jar" "$H/bounce" --data-urlencode "text=$t3" --data-urlencode "csrf=$csrf" > "$T/result"
check "form: resolver at fault" "$(grep -c '<dd class="resolver">yes: the receiver must fix its DNS</dd>' "$T/result")" 1
check "form: third party, no lookup link" "$(grep -c 'lookup-link' "$T/result")" 0

finish
