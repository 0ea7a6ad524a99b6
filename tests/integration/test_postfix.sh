#!/usr/bin/env bash
# test_postfix.sh: the gatekeeper behind a real Postfix. A private Postfix
# instance (tests/lib/postfix.sh) asks `fairlist serve` through
# check_policy_service at RCPT; swaks presents client addresses with
# XCLIENT, and the SMTP replies a sender would see are asserted word for
# word. Remote DNSBLs are zones of a second fairlist on loopback
# (tests/lib/remote_lists.sh): lists.test lists, err.test answers the
# error code 127.255.255.254 for everything, dead.test's server never
# answers. Nothing here queries the system resolver: every list has a
# loopback server, SPF is off, Postfix does no DNS.
. "$FAIRLIST_SRC/tests/lib/common.sh"
. "$FAIRLIST_SRC/tests/lib/remote_lists.sh"
. "$FAIRLIST_SRC/tests/lib/postfix.sh"

# Postfix's master runs as root (it drops to postfix), and so does a
# fairlist that binds in Postfix's private/ folder and then drops to `user`.
if [ "$(id -u)" != 0 ]; then
	echo "FAIL: this test needs root (CI runs as root)"
	exit 1
fi
need postfix postfix
need swaks swaks
need sqlite3 sqlite3

dns_port=$(free_port)
policy_port=$(free_port)
smtp_port=$(free_port)

LISTED=203.0.113.5		# bl.example.org
BOTH=203.0.113.6		# bl.example.org and allow.example.org
INJECT_CLI=203.0.113.7		# bl.example.org, reason with a literal \r\n
INJECT_DB=203.0.113.8		# bl.example.org, reason with a real CR LF
UNLISTED=$REMOTE_UNLISTED	# nowhere (err.test answers its error code)
REMOTE=$REMOTE_LISTED		# lists.test (weight 3 = the threshold)
LISTED6=2001:db8:5::25		# in 2001:db8:5::/48 on bl.example.org
REMOTE6=$REMOTE_LISTED6		# lists.test

# probe-interval 0: dead.test is not skipped by a health probe, so every
# evaluation really waits for its dead server (lookup-timeout) and decides
# without it, which is the case a Postfix admin fears. Its weight 3 alone
# reaches the threshold, so its missing answer could change the verdict
# for every client: the fail-open rule decides, not a plain pass.
# fairlist drops to nobody after binding: the store's folder must be
# writable for it (SQLite WAL).
chmod 0777 "$T"
cat >"$T/fl.conf" <<CONF
db $T/fl.db
user nobody
dns {
	listen 127.0.0.1:$dns_port
	workers 1
}
zone bl.example.org { url "https://bl.example.org/lookup/\$ip" }
zone allow.example.org
policy {
	listen 127.0.0.1:$policy_port unix:$T/postfix/queue/private/fairlist
	deadline 3000
	lookup-timeout 1000
	probe-interval 0
	resolver $DEAD_DNS
	dnsbl lists.test*3 { server $REMOTE_DNS; url "https://lists.test/q/\$ip" }
	dnsbl err.test { server $REMOTE_DNS }
	dnsbl dead.test*3 { server $DEAD_DNS }
	blocklist bl.example.org
	allowlist allow.example.org
	spf { check no }
	removal-address delist@example.test
}
CONF
fl() { "$FAIRLIST" --config "$T/fl.conf" "$@"; }

# Only serve writes the configured zones (with their url); the adds come
# before it.
fl zone add bl.example.org >/dev/null
fl zone add allow.example.org >/dev/null
fl add "$LISTED" --zone bl.example.org --reason "hit spam traps 3 times" \
    --evidence "trap=t1" >/dev/null
fl add "$BOTH" --zone bl.example.org --reason "listed but allowed" \
    --evidence "trap=t2" >/dev/null
fl add "$BOTH" --zone allow.example.org --reason "our customer" \
    --evidence "ticket 12" >/dev/null
fl add 2001:db8:5::/48 --zone bl.example.org --reason "snowshoe range" \
    --evidence "trap=t6" >/dev/null
# The CLI refuses control characters in a reason, so the closest it takes
# is the text of an injection: a backslash, r, backslash, n.
fl add "$INJECT_CLI" --zone bl.example.org \
    --reason 'spam\r\n250 OK' --evidence "trap=t3" >/dev/null
# A store written by something else (an import, a bug, an attacker with
# the file) may hold real CR and LF: put them there behind the CLI's back.
fl add "$INJECT_DB" --zone bl.example.org --reason "placeholder" \
    --evidence "trap=t4" >/dev/null
sqlite3 "$T/fl.db" "UPDATE listing SET reason = 'spam' || char(13, 10) ||
    '250 2.1.5 Ok' || char(13, 10) || 'DATA' WHERE reason = 'placeholder'"

# The date of a listing as the reply shows it ($since, UTC).
since() { fl show "$1" | awk '$1 == "listed:" { print substr($2, 1, 10); exit }'; }

# The unix socket goes where a chrooted smtpd finds it: Postfix's
# private/ folder (owner postfix, mode 0700), made before fairlist binds.
mkdir -p "$T/postfix/queue/private"
chown postfix "$T/postfix/queue/private"
chmod 0700 "$T/postfix/queue/private"

policy_up() { (exec 3<>"/dev/tcp/127.0.0.1/$policy_port") 2>/dev/null; }
# wait_long CMD...: like wait_for, for up to 20 s (a loaded CI machine).
wait_long() {
	local i
	for i in $(seq 1 400); do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.05
	done
	return 1
}
serve() {
	"$FAIRLIST" --config "$T/fl.conf" serve 2>>"$T/serve.log" &
	serve_pid=$!
	PIDS="$PIDS $serve_pid"
	wait_long policy_up || {
		echo "fairlist serve did not listen on 127.0.0.1:$policy_port"
		cat "$T/serve.log"
		FAILS=$((FAILS + 1))
		exit 1
	}
}
serve
check "fairlist runs as nobody" \
    "$(awk '/^Uid:/ { print $2 }' "/proc/$serve_pid/status")" "$(id -u nobody)"

pf_start "$T/postfix" "$smtp_port" "$policy_port" || {
	FAILS=$((FAILS + 1))
	exit 1
}

# rcpt IP [RCPT]: one session from IP up to RCPT TO; PF_REPLY is the reply.
rcpt() {
	pf_smtp --xclient-addr "$1" --to "${2:-user@example.test}" \
	    --quit-after RCPT
}
PRE="554 5.7.1 <user@example.test>: Recipient address rejected:"

rcpt "$LISTED"
check "locally listed: rejected with reason, date and URL" "$PF_REPLY" \
    "$PRE Mail from $LISTED refused: listed on bl.example.org since $(since "$LISTED") (hit spam traps 3 times); see https://bl.example.org/lookup/$LISTED"

rcpt "IPV6:$LISTED6"
check "locally listed IPv6 range: rejected" "$PF_REPLY" \
    "$PRE Mail from $LISTED6 refused: listed on bl.example.org since $(since "$LISTED6") (snowshoe range); see https://bl.example.org/lookup/$LISTED6"

rcpt "$BOTH"
check "allowlisted (and listed): accepted" "$PF_REPLY" "250 2.1.5 Ok"

rcpt "$UNLISTED"
check "unlisted, dead.test silent: accepted (fail-open)" "$PF_REPLY" \
    "250 2.1.5 Ok"
echo "     (RCPT answered in $PF_RCPT_MS ms while dead.test never answers)"
check "unlisted, dead.test silent: fairlist logs the fail-open" \
    "$(grep -c "policy: $UNLISTED: fail-open (dunno): no answer from dead.test in " "$T/serve.log")" "1"

rcpt "$REMOTE"
check "remotely listed: rejected with the dnsbl reply" "$PF_REPLY" \
    "$PRE Mail from $REMOTE refused: listed on lists.test (score 3, threshold 3); see https://lists.test/q/$REMOTE"

rcpt "IPV6:$REMOTE6"
check "remotely listed IPv6: rejected with the dnsbl reply" "$PF_REPLY" \
    "$PRE Mail from $REMOTE6 refused: listed on lists.test (score 3, threshold 3); see https://lists.test/q/$REMOTE6"

for r in postmaster@example.test abuse@example.test delist@example.test; do
	rcpt "$LISTED" "$r"
	check "$r from a listed IP: accepted" "$PF_REPLY" "250 2.1.5 Ok"
	rcpt "$REMOTE" "$r"
	check "$r from a remotely listed IP: accepted" "$PF_REPLY" \
	    "250 2.1.5 Ok"
done

rcpt "$INJECT_CLI"
check "reason with a literal \\r\\n: one line, kept as text" "$PF_REPLY" \
    "$PRE Mail from $INJECT_CLI refused: listed on bl.example.org since $(since "$INJECT_CLI") (spam\\r\\n250 OK); see https://bl.example.org/lookup/$INJECT_CLI"

rcpt "$INJECT_DB"
check "reason with CR LF from the store: one clean line" "$PF_REPLY" \
    "$PRE Mail from $INJECT_DB refused: listed on bl.example.org since $(since "$INJECT_DB") (spam 250 2.1.5 Ok DATA); see https://bl.example.org/lookup/$INJECT_DB"
check "reason with CR LF: the session has no extra reply line" \
    "$(printf '%s\n' "$PF_TRANSCRIPT" | grep -c '^ *<.* 250 2\.1\.5 Ok$')" "0"

# Mail flows while a list is dead: a whole message from an unlisted IP,
# delivered (to discard:) by Postfix.
pf_smtp --xclient-addr "$UNLISTED" --to user@example.test
check "unlisted, whole message: RCPT accepted" "$PF_REPLY" "250 2.1.5 Ok"
echo "     (RCPT answered in $PF_RCPT_MS ms while dead.test never answers)"
check "unlisted, whole message: queued" \
    "$(printf '%s\n' "$PF_TRANSCRIPT" | grep -c '^ *<-  250 2\.0\.0 Ok: queued as ')" "1"
delivered() { pf_log | grep -q 'status=sent (example.test)'; }
wait_long delivered || true
check "unlisted, whole message: delivered to discard:" \
    "$(pf_log | grep -c 'postfix/discard.*to=<user@example.test>.*status=sent')" "1"

# Postfix's view: every reject above was logged with our text, and the
# policy service never failed or timed out.
check "maillog: rejects logged with the reason" \
    "$(pf_log | grep -c "NOQUEUE: reject: RCPT from unknown\[$LISTED\]: $PRE Mail from $LISTED refused")" "1"
check "maillog: no policy service trouble" \
    "$(pf_log | grep -ci -e 'problem talking to' -e 'timed out' -e 'timeout' -e 'not available')" "0"
check "maillog: no fatal or panic" \
    "$(pf_log | grep -c -e 'fatal:' -e 'panic:')" "0"

# The unix socket: the same Postfix, restarted to ask
# unix:private/fairlist (relative to its queue folder, so it works chrooted
# too), with Postfix's own idle limit on policy connections.
pf_stop "$T/postfix"
pf_start "$T/postfix" "$smtp_port" unix:private/fairlist max_idle=60s || {
	FAILS=$((FAILS + 1))
	exit 1
}
check "unix socket: mode" "$(stat -c %a "$T/postfix/queue/private/fairlist")" "666"
rcpt "$LISTED"
check "unix socket: locally listed: rejected" "$PF_REPLY" \
    "$PRE Mail from $LISTED refused: listed on bl.example.org since $(since "$LISTED") (hit spam traps 3 times); see https://bl.example.org/lookup/$LISTED"
rcpt "$UNLISTED"
check "unix socket: unlisted: accepted" "$PF_REPLY" "250 2.1.5 Ok"
check "unix socket: maillog: no policy service trouble" \
    "$(pf_log | grep -ci -e 'problem talking to' -e 'timed out' -e 'timeout' -e 'not available')" "0"

# fairlist gone: Postfix tries twice (smtpd_policy_service_try_limit,
# one second apart), logs it, and applies default_action=DUNNO: mail
# flows, unchecked.
kill "$serve_pid"
wait "$serve_pid" 2>/dev/null || true
rcpt "$LISTED"
check "policy server down: accepted (default_action=DUNNO)" "$PF_REPLY" \
    "250 2.1.5 Ok"
echo "     (RCPT answered in $PF_RCPT_MS ms with the policy server down)"
n=$(pf_log | grep -c 'warning: problem talking to server private/fairlist' || true)
check "policy server down: Postfix logs it" "$((n >= 1))" "1"

# fairlist started again (as root, dropping to nobody): it replaces the
# socket its previous run could not remove from private/, and Postfix's
# next query reaches it.
serve
rcpt "$LISTED"
check "policy server back: locally listed: rejected" "$PF_REPLY" \
    "$PRE Mail from $LISTED refused: listed on bl.example.org since $(since "$LISTED") (hit spam traps 3 times); see https://bl.example.org/lookup/$LISTED"

if [ "$FAILS" -ne 0 ]; then
	echo "--- fairlist serve log"
	tail -40 "$T/serve.log"
	echo "--- postfix maillog"
	pf_log | tail -40
fi
pf_stop "$T/postfix"
check "postfix stopped" "$(pf__alive "$T/postfix" && echo running || echo stopped)" "stopped"
finish
