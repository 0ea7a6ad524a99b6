#!/usr/bin/env bash
# test_traps.sh: issue 12's trap receiver, end to end. fairlist serve runs
# a traps { } block on loopback; swaks sends to the trap from 127.0.0.N
# source addresses (--local-interface), and every result is read back from
# the daemon's DNS with dig and from `fairlist show --json`:
#   - spam lands in zone (A 127.0.0.2, TXT with the reason), with its
#     evidence: the time, the trap address, the Message-ID, the SHA-256 of
#     the message as received (swaks sends the file and a CRLF), the class
#     and the rule; expiry 24 h; source trap;
#   - a DSN (null sender, multipart/report), an auto-reply (Auto-Submitted)
#     and a list welcome message (wording) land in backscatter-zone only,
#     each naming its rule, and never in zone;
#   - relisting after the listing expired (fairlist update --expires 1)
#     doubles the expiry: 48 h, "listing=2";
#   - range escalation only past range-min (3) distinct spam addresses of
#     127.0.0.0/24: none at 2, the /24 in range-zone at 3 (its TXT says
#     "range listing"), never in zone; backscatter never counts;
#   - a recipient outside the trap domains is refused (550, no relay);
#   - malformed SMTP on the socket: an overlong line, NUL, DATA without
#     RCPT and pipelined junk get 500/554 and, at the tenth error, 421 and
#     a close; no reply echoes the client;
#   - a store error (the zone removed under the daemon) answers 451 and
#     logs, and SIGHUP creates the zone again;
#   - fairlist status counts the messages by class.
. "$FAIRLIST_SRC/tests/lib/common.sh"
need swaks swaks
need dig bind9-dnsutils
need jq jq
need python3 python3

db=$T/fl.db
fl() { "$FAIRLIST" --config "$T/fl.conf" "$@"; }
dport=$(free_port)
pport=$(free_port)
hport=$(free_port)
sport=$(free_port)
Z=bl.trap.test
BS=bs.trap.test
RZ=ranges.trap.test

cat >"$T/fl.conf" <<CONF
db $db
dns {
	listen 127.0.0.1:$dport
	workers 1
}
policy { listen 127.0.0.1:$pport }
http { listen 127.0.0.1:$hport }
control { socket $T/ctl.sock }
traps {
	listen 127.0.0.1:$sport
	domain trap.example.org
	zone $Z
	backscatter-zone $BS
	range-zone $RZ
	range-min 3
	hostname mx.trap.test
}
CONF

# wait_long CMD...: retry CMD for up to 30 s (the machine may be loaded).
wait_long() {
	local i
	for i in $(seq 1 300); do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.1
	done
	return 1
}
"$FAIRLIST" --config "$T/fl.conf" serve >"$T/serve.log" 2>&1 &
SERVE=$!
PIDS="$PIDS $SERVE"
wait_long grep -q "traps: listening on 127.0.0.1:$sport" "$T/serve.log" ||
    { cat "$T/serve.log"; die "serve did not start the trap receiver"; }

# send N FILE [swaks options]: from 127.0.0.N to spam@trap.example.org.
send() {
	local n=$1 file=$2
	shift 2
	swaks --server "127.0.0.1:$sport" --local-interface "127.0.0.$n" \
	    --to spam@trap.example.org --data "$file" "$@" >"$T/swaks.$n" 2>&1
}
# sha FILE: SHA-256 of the message as swaks sends it: CRLF lines and one
# more CRLF before the final dot.
sha() { python3 -c 'import hashlib, sys
d = open(sys.argv[1], "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
print(hashlib.sha256(d + b"\r\n").hexdigest())' "$1"; }
rev() { echo "$1" | awk -F. '{ print $4"."$3"."$2"."$1 }'; }
qa() { dig +short +tries=1 +time=2 -p "$dport" @127.0.0.1 "$(rev "$1").$2" A; }
qtxt() { dig +short +tries=1 +time=2 -p "$dport" @127.0.0.1 "$(rev "$1").$2" TXT; }
js() { fl show "$1" --json; }
# field ADDR ZONE JQ: a field of ADDR's listing in force in ZONE.
field() {
	js "$1" | jq -r --arg z "$2" \
	    "[.listings[] | select(.zone == \$z and .status == \"listed\")][0] | $3"
}
# lifetime ADDR ZONE: expires_at - listed_at in seconds.
lifetime() {
	js "$1" | jq -r --arg z "$2" '[.listings[] | select(.zone == $z and
	    .status == "listed")][0] | (.expires_at | fromdateiso8601) -
	    (.listed_at | fromdateiso8601)'
}
# served ADDR ZONE: wait until the DNS answers for it (the reload thread).
is_served() { [ "$(qa "$1" "$2")" = 127.0.0.2 ]; }
served() { wait_long is_served "$1" "$2"; }

# --- spam --------------------------------------------------------------
printf 'From: seller@spam.test\r\nTo: spam@trap.example.org\r\nSubject: cheap pills\r\nMessage-ID: <spam-1@spam.test>\r\n\r\nbuy now\r\n..a dot-stuffed line\r\n' >"$T/spam.eml"
send 20 "$T/spam.eml" --from seller@spam.test ||
    { cat "$T/swaks.20"; die "swaks spam"; }
grep -q "^<-  250 2.0.0 message accepted" "$T/swaks.20" && ok "spam accepted (250)" ||
    fail "spam accepted: $(tail -3 "$T/swaks.20")"
served 127.0.0.20 $Z && ok "dig: spam source listed in $Z" ||
    fail "dig: 127.0.0.20 not answered in $Z"
check "dig: spam TXT" "$(qtxt 127.0.0.20 $Z | grep -c 'spam trap hit')" 1
check "dig: spam not in $BS" "$(qa 127.0.0.20 $BS)" ""
check "spam source" "$(field 127.0.0.20 $Z .source)" trap
ev=$(field 127.0.0.20 $Z .evidence)
case "$ev" in
*"trap=spam@trap.example.org message-id=<spam-1@spam.test> sha256=$(sha "$T/spam.eml") class=spam rule=no-backscatter-sign listing=1 expiry=1d"*)
	ok "spam evidence: trap, message-id, sha256, class, rule" ;;
*)	fail "spam evidence: $ev (sha256 of the file: $(sha "$T/spam.eml"))" ;;
esac
at=$(field 127.0.0.20 $Z .listed_at)
case "$ev" in "at=$at peer=127.0.0.20 "*) ok "spam evidence: time, peer" ;;
*) fail "spam evidence time: $ev vs $at" ;; esac
check "spam expiry 24 h" "$(lifetime 127.0.0.20 $Z)" 86400
check "spam reason" "$(field 127.0.0.20 $Z .reason)" \
    "spam trap hit: mail to a trap address (rule no-backscatter-sign)"

# --- backscatter: a DSN, an auto-reply, a list welcome ------------------
cat >"$T/dsn.eml" <<'EOF'
From: MAILER-DAEMON@mx.victim.test
To: spam@trap.example.org
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn-1@mx.victim.test>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="b1"

--b1
Content-Type: text/plain

Your message could not be delivered.

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.victim.test
Final-Recipient: rfc822; nobody@victim.test
Action: failed
Status: 5.1.1

--b1--
EOF
cat >"$T/auto.eml" <<'EOF'
From: boss@victim.test
To: spam@trap.example.org
Subject: Out of office: your message
Auto-Submitted: auto-replied
Message-ID: <auto-1@victim.test>

I am away until Monday.
EOF
cat >"$T/welcome.eml" <<'EOF'
From: news-owner@lists.victim.test
To: spam@trap.example.org
Subject: Welcome to the news list
Message-ID: <welcome-1@lists.victim.test>

Thank you for joining. Your password is on the web page.
EOF
send 21 "$T/dsn.eml" --from '<>' || { cat "$T/swaks.21"; die "swaks dsn"; }
send 22 "$T/auto.eml" --from boss@victim.test ||
    { cat "$T/swaks.22"; die "swaks auto-reply"; }
send 23 "$T/welcome.eml" --from news-owner@lists.victim.test ||
    { cat "$T/swaks.23"; die "swaks welcome"; }
for n in 21 22 23; do
	served 127.0.0.$n $BS && ok "dig: 127.0.0.$n listed in $BS" ||
	    fail "dig: 127.0.0.$n not answered in $BS"
	check "dig: 127.0.0.$n not in $Z" "$(qa 127.0.0.$n $Z)" ""
	check "127.0.0.$n listed only in $BS" \
	    "$(js 127.0.0.$n | jq -c .listed_in)" "[\"$BS\"]"
	check "127.0.0.$n expiry 24 h" "$(lifetime 127.0.0.$n $BS)" 86400
	check "127.0.0.$n source" "$(field 127.0.0.$n $BS .source)" trap
done
check "dsn rule" "$(field 127.0.0.21 $BS .evidence | grep -o 'class=[a-z]* rule=[a-z-]*')" \
    "class=backscatter rule=null-sender"
check "dsn sha256" "$(field 127.0.0.21 $BS .evidence | grep -o 'sha256=[0-9a-f]*')" \
    "sha256=$(sha "$T/dsn.eml")"
check "auto-reply rule" "$(field 127.0.0.22 $BS .evidence | grep -o 'rule=[a-z-]*')" \
    "rule=auto-submitted"
check "welcome rule" "$(field 127.0.0.23 $BS .evidence | grep -o 'rule=[a-z-]*')" \
    "rule=welcome-wording"
check "welcome message-id" "$(field 127.0.0.23 $BS .evidence | grep -o 'message-id=[^ ]*')" \
    "message-id=<welcome-1@lists.victim.test>"
check "dig: backscatter TXT" "$(qtxt 127.0.0.23 $BS | grep -c 'backscatter: ')" 1

# --- relisting doubles the expiry --------------------------------------
fl update 127.0.0.20 --zone $Z --expires 1 >/dev/null || die "update --expires"
expired() { [ "$(js 127.0.0.20 | jq -r '.listings[0].status')" = expired ]; }
wait_long expired || die "the listing did not expire"
check "dig: expired listing not answered" "$(qa 127.0.0.20 $Z)" ""
send 20 "$T/spam.eml" --from seller@spam.test || die "swaks relisting"
served 127.0.0.20 $Z && ok "dig: relisted" || fail "dig: not relisted"
check "relisting expiry 48 h" "$(lifetime 127.0.0.20 $Z)" 172800
check "relisting evidence" "$(field 127.0.0.20 $Z .evidence | grep -o 'listing=[0-9]* expiry=[0-9a-z]*')" \
    "listing=2 expiry=2d"
# Listed already: a third message adds nothing.
send 20 "$T/spam.eml" --from seller@spam.test || die "swaks listed"
check "listed again: no new listing" \
    "$(fl show 127.0.0.20 --all --json | jq '[.listings[] | select(.zone == "'$Z'")] | length')" 2

# --- range escalation past range-min -----------------------------------
check "no range at 1 address" "$(qa 127.0.0.99 $RZ)" ""
send 30 "$T/spam.eml" --from seller@spam.test || die "swaks .30"
served 127.0.0.30 $Z || fail "dig: 127.0.0.30 not listed"
check "no range at 2 addresses (backscatter does not count)" \
    "$(fl list --zone $RZ --json | jq '.listings | length')" 0
send 31 "$T/spam.eml" --from seller@spam.test || die "swaks .31"
served 127.0.0.99 $RZ && ok "dig: range listed in $RZ at 3 addresses" ||
    fail "dig: 127.0.0.0/24 not answered in $RZ"
check "range TXT says so" "$(qtxt 127.0.0.99 $RZ | grep -c 'range listing: spam trap hits from 3 addresses of 127.0.0.0/24 within 7d')" 1
check "range prefix" "$(field 127.0.0.99 $RZ .prefix)" 127.0.0.0/24
check "range source" "$(field 127.0.0.99 $RZ .source)" trap
check "range evidence" "$(field 127.0.0.99 $RZ .evidence | grep -o 'addresses: .*')" \
    "addresses: 127.0.0.20 127.0.0.30 127.0.0.31"
check "no range in $Z" "$(qa 127.0.0.99 $Z)" ""
check "range only in $RZ" "$(js 127.0.0.99 | jq -c .listed_in)" "[\"$RZ\"]"

# --- no relay ------------------------------------------------------------
swaks --server "127.0.0.1:$sport" --to someone@example.org \
    --from a@spam.test >"$T/relay" 2>&1 || true
grep -q "^<\*\* 550 5.7.1 relay access denied" "$T/relay" &&
    ok "relay refused (550)" || fail "relay: $(grep '<' "$T/relay" | tail -3)"

# --- malformed SMTP on the socket -----------------------------------------
# An overlong line (500), NUL in a command (500), DATA without RCPT (554),
# pipelined junk after it until the tenth error (421, closed); nothing the
# client sent comes back in a reply.
got=$(python3 - "$sport" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10)
s.settimeout(10)
f = s.makefile("rb")
out = [f.readline()]
s.sendall(b"EHLO evil\r\n" + b"A" * 600 + b"\r\nNO\0OP\r\n"
          b"MAIL FROM:<a@b.test>\r\nDATA\r\n" + b"X-Junk: injected\r\n" * 20)
while True:
    line = f.readline()
    if not line:
        break
    out.append(line)
codes = [l[:4].decode() for l in out if l[3:4] == b" "]
print(" ".join(c.strip() for c in codes))
print("echo" if any(b"evil" in l or b"injected" in l for l in out) else "clean")
PY
)
check "malformed SMTP: replies" "$(echo "$got" | head -1)" \
    "220 250 500 500 250 554 500 500 500 500 500 500 421"
check "malformed SMTP: nothing echoed" "$(echo "$got" | tail -1)" clean

# --- a store error answers 451 -------------------------------------------
fl zone remove $Z --force >/dev/null || die "zone remove"
send 40 "$T/spam.eml" --from seller@spam.test || true
grep -q "^<\*\* 451 4.3.0" "$T/swaks.40" && ok "store error: 451" ||
    fail "store error: $(grep '<' "$T/swaks.40" | tail -2)"
grep -q "traps: .* 127.0.0.40:.*not listed: .*answered 451" "$T/serve.log" &&
    ok "store error logged" || fail "store error not logged"
kill -HUP "$SERVE"
recreated() { [ "$(grep -c "traps: created zone $Z" "$T/serve.log")" = 2 ]; }
wait_long recreated &&
    ok "SIGHUP creates the zone again" || fail "zone not created on SIGHUP"
send 40 "$T/spam.eml" --from seller@spam.test || die "swaks after SIGHUP"
served 127.0.0.40 $Z && ok "listed after SIGHUP" || fail "not listed after SIGHUP"

# --- status --------------------------------------------------------------
st=$(fl status --json) || die "status"
check "status: traps messages" "$(echo "$st" | jq '.services[] | select(.name == "traps") | [.messages, .spam, .backscatter, .failed]' -c)" \
    "[10,7,3,1]"

finish
