#!/usr/bin/env bash
# test_web_answers.sh: the HTTP service's answers, byte for byte, against
# the golden files of tests/data/web_answers/ (status line, headers and
# body of each): the JSON API and the pages for a listed address (two
# zones, a reason with markup, quotes, a backslash and non-ASCII UTF-8),
# an unlisted one (IPv4, IPv6), a range, an exclusion inside the range,
# a removed listing and its history, a relisting's cooldown, removal
# requests in every state (done, open, approved, denied; the JSON answer
# of POST /api/v1/removal) and the error answers; and that a zone added
# while the daemon runs is in the next answer (the workers cache zones). So a rewrite of the
# answer writers cannot change one byte unseen.
#
# Only what must vary is normalised, by sed on fixed fields: RFC 3339
# times, the Date header, the CLI's user name, the CSRF token and the requests' references.
# FAIRLIST_GOLDEN_UPDATE=1 writes the golden files instead of comparing.
. "$FAIRLIST_SRC/tests/lib/common.sh"
need curl curl
need python3 python3

GOLD=$FAIRLIST_SRC/tests/data/web_answers
db=$T/fl.db
# Every write in a second of its own: a history is sorted by time, ties
# in the order read, so two writes in one second could swap places.
tick() {
	local s
	s=$(date +%s)
	while [ "$(date +%s)" = "$s" ]; do sleep 0.05; done
}
fl() { tick; "$FAIRLIST" --db "$db" "$@"; }
dport=$(free_port)
pport=$(free_port)
hport=$(free_port)
H=http://127.0.0.1:$hport

cat > "$T/fl.conf" <<CONF
db $db
dns {
	listen 127.0.0.1:$dport
	workers 1
}
policy {
	listen 127.0.0.1:$pport
}
http {
	listen 127.0.0.1:$hport
	public-url https://bl.example.org/
}
CONF

fl zone add second.test --code 127.0.0.4 >/dev/null
fl add 192.0.2.1 --reason '<script>alert("x")</script> & spam, café – 東京 😀' \
    --evidence 'Received: from <b>x</b> C:\path "q" it'"'"'s' --expires 7d >/dev/null
fl add 192.0.2.1 --zone second.test --code 127.0.0.5 --reason 'second opinion' \
    --evidence 'report 4' --source import:feed.txt >/dev/null
fl add 198.51.100.0/24 --reason 'range of a spam run' --evidence 'trap hits' >/dev/null
fl add 198.51.100.7 --reason 'an old one' --evidence 'one hit' >/dev/null
fl remove 198.51.100.7 --why 'fixed by the operator' >/dev/null
fl add 198.51.100.9 --exclude --reason 'our customer' >/dev/null
fl add 203.0.113.7 --reason 'trap hit' --evidence 'trap=t9' --source trap \
    --expires 1d >/dev/null
fl add 203.0.113.8 --reason 'manual listing' --evidence 'report 17' >/dev/null
fl add 203.0.113.9 --reason 'manual, to deny' --evidence 'report 18' >/dev/null
fl add 203.0.113.10 --reason 'manual, to approve' --evidence 'report 19' >/dev/null
fl add 2001:db8::5 --zone second.test --reason 'v6 spam' --evidence 'trap=t6' \
    --source auto >/dev/null

"$FAIRLIST" --config "$T/fl.conf" serve 2>"$T/serve.log" &
SERVE=$!
PIDS="$PIDS $SERVE"
wait_for curl -sf "$H/" || die "no HTTP answer: $(cat "$T/serve.log")"

post() {
	tick
	curl -s -H 'Content-Type: application/json' -d "$1" "$H/api/v1/removal"
}
ref_of() { python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])'; }

# The requests: done (self-service), open, denied, approved.
post '{"ip": "203.0.113.7", "note": "fixed <b>it</b> \\ \"really\""}' > "$T/rm-done"
ref_done=$(ref_of < "$T/rm-done")
post '{"ip": "203.0.113.8"}' > "$T/rm-open"
ref_open=$(ref_of < "$T/rm-open")
post '{"ip": "203.0.113.9", "note": "please"}' > "$T/rm-deny"
ref_deny=$(ref_of < "$T/rm-deny")
post '{"ip": "203.0.113.10"}' > "$T/rm-approve"
ref_approve=$(ref_of < "$T/rm-approve")
for r in "$ref_done" "$ref_open" "$ref_deny" "$ref_approve"; do
	case $r in ????????????????) ;; *) die "a removal answer without a reference" ;; esac
done
fl requests deny "$ref_deny" --why 'still sending <spam>' >/dev/null
fl requests approve "$ref_approve" --why 'looks clean' >/dev/null
# A relisting after the self-service removal: its cooldown.
fl add 203.0.113.7 --reason 'trap hit again' --evidence 'trap=t9' --source trap \
    --expires 1d >/dev/null
# The daemon sees the writes at its next poll; the web reads the store.
wait_for sh -c "curl -s '$H/api/v1/lookup/203.0.113.7' | grep -q 'trap hit again'" ||
	die "the relisting is not seen"

user=$(id -un)
# norm: the answer on stdin with what must vary replaced.
norm() {
	sed -E -e 's/\r$//' \
	    -e 's/^Date: .*/Date: DATE/' \
	    -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z/TIME/g' \
	    -e 's/fl_csrf=[0-9]+\.[0-9a-f]{32}/fl_csrf=CSRF/g' \
	    -e 's/name="csrf" value="[0-9]+\.[0-9a-f]{32}"/name="csrf" value="CSRF"/g' \
	    -e "s/$ref_done/REF_DONE/g; s/$ref_open/REF_OPEN/g" \
	    -e "s/$ref_deny/REF_DENY/g; s/$ref_approve/REF_APPROVE/g" \
	    -e "s/cli:$user/cli:USER/g"
}

# answer NAME FILE|URL [CURL ARGS]: compare (or write) one golden file.
answer() {
	local name=$1 url=$2 got
	shift 2
	got=$T/$name.got
	if [ -f "$url" ]; then
		norm < "$url" > "$got"
	else
		curl -s -i "$@" "$url" | norm > "$got"
	fi
	if [ "${FAIRLIST_GOLDEN_UPDATE:-}" = 1 ]; then
		mkdir -p "$GOLD"
		cp "$got" "$GOLD/$name.txt"
		ok "$name: written"
	elif [ ! -f "$GOLD/$name.txt" ]; then
		fail "$name: no golden file $GOLD/$name.txt (FAIRLIST_GOLDEN_UPDATE=1)"
	elif cmp -s "$got" "$GOLD/$name.txt"; then
		ok "$name"
	else
		fail "$name: differs from the golden file"
		diff -u "$GOLD/$name.txt" "$got" | head -40
	fi
}

# The removal answers (202 JSON), as POST wrote them.
answer removal-done "$T/rm-done"
answer removal-open "$T/rm-open"
answer removal-again "$H/api/v1/removal" -H 'Content-Type: application/json' \
    -d '{"ip": "203.0.113.8"}'

for ip in 192.0.2.1 192.0.2.200 2001:db8::1 2001:db8::5 198.51.100.1 \
    198.51.100.7 198.51.100.9 203.0.113.7 203.0.113.8 203.0.113.9 \
    203.0.113.10; do
	n=$(echo "$ip" | tr ':' '_')
	answer "api-$n" "$H/api/v1/lookup/$ip"
	answer "page-$n" "$H/lookup/$ip"
done
# HEAD: the same head, no body.
answer head-api-192.0.2.1 "$H/api/v1/lookup/192.0.2.1" -I

for r in done open deny approve; do
	eval "ref=\$ref_$r"
	answer "api-request-$r" "$H/api/v1/request/$ref"
	answer "page-request-$r" "$H/request/$ref"
done

# Errors.
answer err-api-bad "$H/api/v1/lookup/nope"
answer err-api-prefix "$H/api/v1/lookup/192.0.2.0%2F24"
answer err-api-pct "$H/api/v1/lookup/%zz"
answer err-api-v4 "$H/api/v1/lookup/300.1.2.3"
answer err-page-script "$H/lookup/%3Cscript%3E"
answer err-page-prefix "$H/lookup/192.0.2.0%2F24"
answer err-api-404 "$H/api/v1/nope"
answer err-page-404 "$H/nope"
answer err-api-request "$H/api/v1/request/AAAAAAAAAAAAAAAA"
answer err-page-request "$H/request/..%2F"
answer err-method "$H/api/v1/lookup/192.0.2.1" -X DELETE
answer err-removal-unlisted "$H/api/v1/removal" \
    -H 'Content-Type: application/json' -d '{"ip": "192.0.2.200"}'
answer err-removal-json "$H/api/v1/removal" \
    -H 'Content-Type: application/json' -d '{"ip": 7}'
answer index "$H/"
answer search "$H/lookup?ip=192.0.2.1"

# The zones are cached by the web workers: a zone another process adds
# later is in the next answer, on the API and on the page.
# (The POSTs above cleared the cache: a lookup fills it first.)
curl -s -o /dev/null "$H/api/v1/lookup/192.0.2.1"
curl -s -o /dev/null "$H/lookup/192.0.2.1"
fl zone add third.test --code 127.0.0.6 >/dev/null
fl add 192.0.2.1 --zone third.test --reason 'third' --evidence 'e3' >/dev/null
if wait_for sh -c "curl -s '$H/api/v1/lookup/192.0.2.1' | grep -q '\"zone\":\"third.test\",\"prefix\":\"192.0.2.1\",\"range\":false,\"addresses\":\"1\",\"reason\":\"third\".*\"code\":\"127.0.0.6\"'"; then
	ok "a zone added later is in the API answer"
else
	fail "a zone added later: $(curl -s "$H/api/v1/lookup/192.0.2.1")"
fi
case $(curl -s "$H/lookup/192.0.2.1") in *'id="zone-third.test"'*'<code>127.0.0.6</code>'*) ok "a zone added later is on the page" ;;
*) fail "a zone added later is not on the page" ;; esac

finish
