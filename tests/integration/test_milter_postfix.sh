#!/usr/bin/env bash
# test_milter_postfix.sh: the milter behind a real Postfix. A private
# Postfix (tests/lib/postfix.sh) has `smtpd_milters = inet:127.0.0.1:PORT`
# with default_action=accept and relays everything to smtp-sink on
# loopback, which writes each delivered message to a file; swaks submits,
# presenting client addresses with XCLIENT. The delivered messages are
# read back:
#   - mail from sign { networks } is signed with both keys of its From
#     domain (RSA and Ed25519), and dkimpy and OpenDKIM verify both;
#   - a subdomain is signed with its parent's keys (subdomains yes);
#   - a SASL-less client outside networks is not signed;
#   - a From domain without a key passes unsigned, with the log line;
#   - SASL-authenticated clients (XCLIENT LOGIN) are signed;
#   - the gatekeeper's verdict at RCPT (the policy engine, local list
#     bl.test): a listed client gets 554 5.7.1, postmaster@ is accepted;
#   - on SIGHUP a key file that cannot be read keeps the loaded key;
#   - with fairlist dead, mail still flows (default_action=accept).
. "$FAIRLIST_SRC/tests/lib/common.sh"
. "$FAIRLIST_SRC/tests/lib/postfix.sh"

if [ "$(id -u)" != 0 ]; then
	echo "FAIL: this test needs root (CI runs as root)"
	exit 1
fi
need postfix postfix
need smtp-sink postfix
need swaks swaks
need opendkim opendkim
/usr/bin/python3 -c 'import dkim' 2>/dev/null ||
    die "python3 module dkim not found: install the Debian package python3-dkim"

dns_port=$(free_port)
policy_port=$(free_port)
milter_port=$(free_port)
smtp_port=$(free_port)
sink_port=$(free_port)

fl() { "$FAIRLIST" --config "$T/fl.conf" "$@"; }
"$FAIRLIST" dkim keygen --algorithm rsa --selector s1 --domain example.org \
    --out "$T/keys" >/dev/null || die "keygen rsa"
"$FAIRLIST" dkim keygen --algorithm ed25519 --selector e1 \
    --domain example.org --out "$T/keys" >/dev/null || die "keygen ed25519"
cat "$T/keys/s1.txt" "$T/keys/e1.txt" >"$T/keys.txt"

cat >"$T/fl.conf" <<CONF
db $T/fl.db
dns {
	listen 127.0.0.1:$dns_port
	workers 1
}
zone bl.test
policy {
	listen 127.0.0.1:$policy_port
	blocklist bl.test
	spf { check no }
}
milter {
	listen 127.0.0.1:$milter_port
	sign {
		key example.org s1 $T/keys/s1.private
		key example.org e1 $T/keys/e1.private
		networks 10.0.0.0/8
		subdomains yes
	}
	authserv-id mx.example.test
}
CONF

fl zone add bl.test >/dev/null
fl add 192.0.2.66 --zone bl.test --reason "hit spam traps" \
    --evidence "trap=t1" >/dev/null
"$FAIRLIST" --config "$T/fl.conf" serve >"$T/serve.log" 2>&1 &
SERVE=$!
PIDS="$PIDS $SERVE"
wait_for grep -q "milter: listening" "$T/serve.log" ||
    { cat "$T/serve.log"; die "serve did not start the milter"; }

# The sink: every message delivered to it is a file in $T/sink.
mkdir -p "$T/sink"
chmod 0777 "$T/sink"
smtp-sink -u nobody -d "$T/sink/%M." "127.0.0.1:$sink_port" 20 \
    >"$T/sink.log" 2>&1 &
PIDS="$PIDS $!"
wait_for bash -c "exec 3<>/dev/tcp/127.0.0.1/$sink_port" ||
    die "smtp-sink did not start"

PF_MAIN_EXTRA="smtpd_milters = { inet:127.0.0.1:$milter_port, default_action=accept }
milter_default_action = accept
relay_transport = smtp:[127.0.0.1]:$sink_port
default_transport = smtp:[127.0.0.1]:$sink_port
smtp_tls_security_level = none
# The gatekeeper is the milter's: no policy service at RCPT.
smtpd_recipient_restrictions = reject_unauth_destination"
PF_MASTER_EXTRA="smtp      unix  -       -       n       -       -       smtp"
pf_start "$T/postfix" "$smtp_port" "$policy_port" ||
    die "postfix did not start"

# send NAME CLIENT FROM: one message through Postfix; its delivered file
# becomes $T/NAME.eml (CRLF line ends, as dkimpy wants them).
send() {
	local name=$1 client=$2 from=$3 before i f
	before=$(ls "$T/sink" | wc -l)
	# shellcheck disable=SC2086
	pf_smtp --xclient-addr "$client" ${PF_XCLIENT_EXTRA:-} --from "$from" \
	    --to "rcpt@example.test" \
	    --header "Subject: milter test $name" \
	    --body "Hello from $name.
A second line, with trailing space 
and a final line."
	for i in $(seq 1 200); do
		[ "$(ls "$T/sink" | wc -l)" -gt "$before" ] && break
		sleep 0.05
	done
	f=$(ls -t "$T/sink" | head -1)
	[ -n "$f" ] && [ "$(ls "$T/sink" | wc -l)" -gt "$before" ] || {
		fail "$name: nothing delivered"
		printf '%s\n' "$PF_TRANSCRIPT" | tail -5
		return 0
	}
	# smtp-sink makes the file at DATA and writes it as the bytes come:
	# read it once the body's last line is in.
	for i in $(seq 1 400); do
		grep -q 'and a final line' "$T/sink/$f" && break
		sleep 0.05
	done
	sed 's/$/\r/' "$T/sink/$f" >"$T/$name.eml"
	rm -f "$T/sink/$f"
}

# dkimpy KEYS FILE: "SELECTOR pass|fail" for each signature.
dkimpy() {
	/usr/bin/python3 "$FAIRLIST_SRC/tests/lib/dkimpy_verify.py" --each "$@"
}

cat >"$T/v.conf" <<EOF2
Mode v
TestPublicKeys $T/keys.txt
Syslog no
EOF2

# 1. Outbound from networks: two signatures, both verify in both peers.
send out 10.1.2.3 "alice@example.org"
check "outbound: two DKIM-Signature fields" \
    "$(grep -c '^DKIM-Signature:' "$T/out.eml")" 2
check "outbound: d=example.org on both" \
    "$(grep -A3 '^DKIM-Signature:' "$T/out.eml" | grep -o 'd=example.org;' |
    wc -l)" 2
check "outbound: dkimpy verifies both" \
    "$(dkimpy "$T/keys.txt" "$T/out.eml" | sort | tr '\n' ' ')" \
    "e1 pass s1 pass "
check "outbound: one rsa-sha256 and one ed25519-sha256" \
    "$(grep -A4 '^DKIM-Signature:' "$T/out.eml" | grep -o 'a=[a-z0-9-]*' |
    sort | tr '\n' ' ')" "a=ed25519-sha256 a=rsa-sha256 "
timeout 30 opendkim -x "$T/v.conf" -t "$T/out.eml" >"$T/opendkim.out" 2>&1
if grep -q 'verification.*succeeded' "$T/opendkim.out"; then
	ok "outbound: OpenDKIM verifies"
else
	fail "outbound: OpenDKIM: $(cat "$T/opendkim.out")"
fi
# The body changed after signing: every peer must now fail it.
sed 's/^Hello from out/Hello from someone else/' "$T/out.eml" >"$T/bad.eml"
check "outbound: dkimpy fails a changed body" \
    "$(dkimpy "$T/keys.txt" "$T/bad.eml" | sort | tr '\n' ' ')" \
    "e1 fail s1 fail "

# 2. A subdomain falls back to its parent's keys.
send sub 10.9.9.9 "news@lists.example.org"
check "subdomain: signed with d=example.org" \
    "$(grep -A3 '^DKIM-Signature:' "$T/sub.eml" | grep -o 'd=example.org;' |
    wc -l)" 2
check "subdomain: dkimpy verifies" \
    "$(dkimpy "$T/keys.txt" "$T/sub.eml" | sort | tr '\n' ' ')" \
    "e1 pass s1 pass "

# 3. Not from networks and not authenticated: not signed.
send in 192.0.2.10 "bob@example.org"
check "outside networks: not signed" \
    "$(grep -c '^DKIM-Signature:' "$T/in.eml" || true)" 0

# 3b. SASL-authenticated from outside networks (XCLIENT LOGIN sets the
# login Postfix passes as {auth_authen}): signed.
PF_XCLIENT_EXTRA="--xclient-login alice" send sasl 192.0.2.11 \
    "alice@example.org"
check "SASL client: signed" "$(grep -c '^DKIM-Signature:' "$T/sasl.eml" ||
    true)" 2

# 3c. The gatekeeper at RCPT through the milter: a listed client gets the
# actionable 5.7.1, and postmaster@ is still accepted.
pf_smtp --xclient-addr 192.0.2.66 --from "x@spam.test" --to rcpt@example.test
case "$PF_REPLY" in
"554 5.7.1 Mail from 192.0.2.66 refused: listed on bl.test since "*"(hit spam traps)"*)
	ok "listed client: 554 5.7.1 at RCPT naming address, zone and reason" ;;
*)	fail "listed client: got '$PF_REPLY'" ;;
esac
pf_smtp --xclient-addr 192.0.2.66 --from "x@spam.test" \
    --to postmaster@example.test
check "listed client to postmaster@: accepted" "${PF_REPLY%% *}" 250
pf_smtp --xclient-addr 192.0.2.67 --from "x@ok.test" --to rcpt@example.test
check "unlisted client: accepted" "${PF_REPLY%% *}" 250

# 4. A From domain without a key: unsigned, and one log line says so.
send nokey 10.1.2.3 "carol@example.net"
check "no key: not signed" "$(grep -c '^DKIM-Signature:' "$T/nokey.eml" ||
    true)" 0
check "no key: logged" \
    "$(grep -c 'from=example.net: no key; not signed' "$T/serve.log")" 1

# 4b. SIGHUP with a key file gone: the key loaded before keeps signing.
mv "$T/keys/e1.private" "$T/keys/e1.moved"
kill -HUP "$SERVE"
wait_for grep -q "key example.org e1: .*e1.private: .*the key loaded before stays" \
    "$T/serve.log" && ok "SIGHUP: unreadable key logged" ||
    fail "SIGHUP: no log line for the unreadable key"
send hup 10.1.2.3 "alice@example.org"
check "SIGHUP: still signed with both keys" \
    "$(dkimpy "$T/keys.txt" "$T/hup.eml" | sort | tr '\n' ' ')" \
    "e1 pass s1 pass "

# 5. fairlist dead: Postfix's default_action=accept lets mail through.
kill "$SERVE"
wait "$SERVE" 2>/dev/null || true
send dead 10.1.2.3 "alice@example.org"
check "dead milter: delivered, unsigned" \
    "$(grep -c '^DKIM-Signature:' "$T/dead.eml" || true)" 0

[ "$FAILS" -eq 0 ] || { pf_log | tail -20; tail -20 "$T/serve.log"; }
finish
