#!/usr/bin/env bash
# test_milter_deadline.sh: the end-of-message deadline holds while the
# checks are stuck. The milter's resolver is a UDP port that reads every
# query and answers none, so SPF (from MAIL), DMARC discovery (from the
# end of the headers) and the key of the message's DKIM-Signature (at the
# end of the message) all wait; c-ares would give up only after two tries
# of `timeout` each, so `timeout 2s` must end the stage first. A real
# Postfix (tests/lib/postfix.sh) with milter_default_action = tempfail
# relays to smtp-sink, so a milter that let Postfix's own
# milter_command_timeout / milter_content_timeout run out would get the
# message deferred, not delivered:
#   - fail-open accept: the message is delivered, unchecked (no
#     Authentication-Results of ours), and the log names the stage that
#     ran out and the answer;
#   - after SIGHUP with fail-open tempfail: the sender gets 451 4.3.0 and
#     the log says tempfail;
#   - the answers that come (or time out) after the deadline are dropped:
#     the daemon lives on and signs the next outbound message.
. "$FAIRLIST_SRC/tests/lib/common.sh"
. "$FAIRLIST_SRC/tests/lib/postfix.sh"

if [ "$(id -u)" != 0 ]; then
	echo "FAIL: this test needs root (CI runs as root)"
	exit 1
fi
need postfix postfix
need smtp-sink postfix
need swaks swaks
need python3 python3

dns_port=$(free_port)
silent_port=$(free_port)
policy_port=$(free_port)
milter_port=$(free_port)
smtp_port=$(free_port)
sink_port=$(free_port)

# The silent resolver: takes every query, answers none.
/usr/bin/python3 - "$silent_port" >"$T/silent.log" 2>&1 <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', int(sys.argv[1])))
print('listening', flush=True)
n = 0
while True:
    s.recvfrom(4096)
    n += 1
    print('query', n, flush=True)
PY
PIDS="$PIDS $!"
wait_for grep -q listening "$T/silent.log" || die "the silent resolver did not start"

"$FAIRLIST" dkim keygen --algorithm rsa --selector s1 --domain example.org \
    --out "$T/keys" >/dev/null || die "keygen"

conf() {
	cat >"$T/fl.conf" <<CONF
db $T/fl.db
dns {
	listen 127.0.0.1:$dns_port
	workers 1
}
http {
	listen off
}
policy {
	listen off
	resolver 127.0.0.1:$silent_port
}
milter {
	listen 127.0.0.1:$milter_port
	sign {
		key example.org s1 $T/keys/s1.private
		networks 10.0.0.0/8
	}
	authserv-id mx.example.test
	timeout 2s
	fail-open $1
	workers 2
}
CONF
}
conf accept
"$FAIRLIST" --config "$T/fl.conf" serve >"$T/serve.log" 2>&1 &
SERVE=$!
PIDS="$PIDS $SERVE"
wait_for grep -q "milter: listening" "$T/serve.log" ||
    { cat "$T/serve.log"; die "serve did not start the milter"; }

mkdir -p "$T/sink"
chmod 0777 "$T/sink"
smtp-sink -u nobody -d "$T/sink/%M." "127.0.0.1:$sink_port" 20 \
    >"$T/sink.log" 2>&1 &
PIDS="$PIDS $!"
wait_for bash -c "exec 3<>/dev/tcp/127.0.0.1/$sink_port" ||
    die "smtp-sink did not start"

# Postfix's own deadlines far above ours, and tempfail when they run out.
PF_MAIN_EXTRA="smtpd_milters = { inet:127.0.0.1:$milter_port, default_action=tempfail }
milter_default_action = tempfail
milter_command_timeout = 20s
milter_content_timeout = 20s
relay_transport = smtp:[127.0.0.1]:$sink_port
default_transport = smtp:[127.0.0.1]:$sink_port
smtp_tls_security_level = none
smtpd_recipient_restrictions = reject_unauth_destination"
PF_MASTER_EXTRA="smtp      unix  -       -       n       -       -       smtp"
pf_start "$T/postfix" "$smtp_port" "$policy_port" ||
    die "postfix did not start"

# A message with a DKIM-Signature of example.org: its key is looked up at
# the end of the message.
printf 'From: alice@example.org\r\nTo: rcpt@example.test\r\nSubject: stuck checks\r\nDate: Mon, 07 Dec 2026 12:00:00 +0000\r\nMessage-ID: <deadline@example.org>\r\n\r\nA body whose checks never finish.\r\nThe last line.\r\n' >"$T/plain.eml"
"$FAIRLIST" dkim sign --key "$T/keys/s1.private" --selector s1 \
    --domain example.org <"$T/plain.eml" >"$T/signed.eml" || die "dkim sign"
grep -q '^DKIM-Signature:' "$T/signed.eml" || die "no DKIM-Signature to look up"

# send NAME CLIENT DATA-FILE: one message through Postfix; DATA_REPLY is
# the reply to the end of DATA; the delivered file becomes $T/NAME.eml
# (empty when none came).
send() {
	local name=$1 client=$2 data=$3 before i f
	before=$(ls "$T/sink" | wc -l)
	pf_smtp --xclient-addr "$client" --from alice@example.org \
	    --to rcpt@example.test --data "@$data"
	DATA_REPLY=$(printf '%s\n' "$PF_TRANSCRIPT" | awk '/^ *-> \./ { on = 1; next }
		on && /^ *<(-|\*\*) / { sub(/^ *<(-|\*\*) +/, ""); print; exit }')
	: >"$T/$name.eml"
	case "$DATA_REPLY" in
	250*) ;;
	*) return 0 ;;
	esac
	for i in $(seq 1 400); do
		[ "$(ls "$T/sink" | wc -l)" -gt "$before" ] && break
		sleep 0.05
	done
	f=$(ls -t "$T/sink" | head -1)
	if [ -z "$f" ] || [ "$(ls "$T/sink" | wc -l)" -le "$before" ]; then
		fail "$name: accepted but nothing delivered"
		return 0
	fi
	# smtp-sink writes the file as the bytes come: wait for the end.
	for i in $(seq 1 400); do
		grep -q 'The last line' "$T/sink/$f" && break
		sleep 0.05
	done
	cp "$T/sink/$f" "$T/$name.eml"
	rm -f "$T/sink/$f"
}

# 1. fail-open accept: delivered unchecked, within Postfix's deadlines.
send stuck 192.0.2.10 "$T/signed.eml"
case "$DATA_REPLY" in
250*) ok "stuck checks, fail-open accept: the end of DATA is accepted" ;;
*) fail "stuck checks, fail-open accept: end of DATA got '$DATA_REPLY'"
   printf '%s\n' "$PF_TRANSCRIPT" | tail -8 ;;
esac
[ -s "$T/stuck.eml" ] && ok "stuck checks: delivered" ||
    fail "stuck checks: not delivered"
check "stuck checks: no Authentication-Results of ours (unchecked)" \
    "$(grep -c '^Authentication-Results: mx.example.test' "$T/stuck.eml")" 0
check "stuck checks: the sender's DKIM-Signature is kept" \
    "$(grep -c '^DKIM-Signature:' "$T/stuck.eml")" 1
wait_for grep -q "the checks (SPF, DKIM keys, DMARC) past 2000 ms; accepted unchecked" \
    "$T/serve.log" && ok "stuck checks: the log names the stage and the answer" ||
    fail "stuck checks: no log line for the deadline"
# The resolver was asked (so the wait was for DNS, not something else).
grep -q '^query' "$T/silent.log" && ok "the silent resolver got the queries" ||
    fail "the silent resolver got no query"
if pf_log | grep -qi 'milter.*time.*out\|milter.*timeout'; then
	fail "Postfix logged a milter timeout"
	pf_log | grep -i 'milter' | tail -5
else
	ok "Postfix logged no milter timeout"
fi

# 2. SIGHUP, fail-open tempfail: 451 4.3.0 at the end of DATA.
conf tempfail
kill -HUP "$SERVE"
wait_for grep -q "milter: the new configuration applies" "$T/serve.log" ||
    fail "SIGHUP: the milter did not take the new configuration"
n0=$(grep -c 'past 2000 ms; tempfail' "$T/serve.log" || true)
send stuck2 192.0.2.11 "$T/signed.eml"
case "$DATA_REPLY" in
451*4.3.0*) ok "stuck checks, fail-open tempfail: 451 4.3.0 ($DATA_REPLY)" ;;
*) fail "stuck checks, fail-open tempfail: end of DATA got '$DATA_REPLY'"
   printf '%s\n' "$PF_TRANSCRIPT" | tail -8 ;;
esac
check "stuck checks, tempfail: not delivered" "$(wc -c <"$T/stuck2.eml")" 0
check "stuck checks, tempfail: logged" \
    "$(( $(grep -c 'past 2000 ms; tempfail' "$T/serve.log" || true) - n0 ))" 1

# 3. The late answers are dropped: the daemon lives and signs.
send out 10.1.2.3 "$T/plain.eml"
kill -0 "$SERVE" 2>/dev/null && ok "the daemon is alive" ||
    fail "the daemon died"
check "outbound after the stuck ones: signed" \
    "$(grep -c '^DKIM-Signature:' "$T/out.eml")" 1
finish
