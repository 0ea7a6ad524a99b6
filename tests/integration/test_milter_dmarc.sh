#!/usr/bin/env bash
# test_milter_dmarc.sh: SPF, DKIM and DMARC of inbound mail in the milter,
# behind a real Postfix, against records served by Knot DNS on loopback.
# Knot serves SPF, DKIM key and _dmarc records for pass.test, rej.test,
# pct0.test and helo.test; the milter looks them up with policy
# { resolver }. swaks submits through Postfix (XCLIENT sets the client
# address), Postfix relays to smtp-sink, and the delivered message's
# Authentication-Results header is read back:
#   - SPF pass and an aligned DKIM pass: spf=pass smtp.mailfrom,
#     dkim=pass header.d, dmarc=pass header.from;
#   - SPF fail, DKIM pass aligned: dmarc=pass;
#   - an empty MAIL FROM: spf for smtp.helo;
#   - a forged Authentication-Results with our authserv-id is removed,
#     and there is one of ours;
#   - with dmarc { reject yes }: p=reject failing gets 550 5.7.1 naming
#     the domain and the policy at the swaks side, sp=none for a
#     subdomain and pct=0 are delivered with dmarc=fail;
#   - with dmarc { reject no } (the default) the p=reject failure is
#     delivered with dmarc=fail.
. "$FAIRLIST_SRC/tests/lib/common.sh"
. "$FAIRLIST_SRC/tests/lib/postfix.sh"

if [ "$(id -u)" != 0 ]; then
	echo "FAIL: this test needs root (CI runs as root)"
	exit 1
fi
need postfix postfix
need smtp-sink postfix
need swaks swaks
need knotd knot
[ -f /usr/share/publicsuffix/public_suffix_list.dat ] ||
	die "no public suffix list: install the Debian package publicsuffix"

dns_port=$(free_port)
knot_port=$(free_port)
policy_port=$(free_port)
milter_port=$(free_port)
smtp_port=$(free_port)
sink_port=$(free_port)

# The inbound signer's key, published by Knot.
keyrec=$("$FAIRLIST" dkim keygen --algorithm ed25519 --selector k1 \
    --domain pass.test --out "$T/keys") || die "keygen"

cat >"$T/pass.test.zone" <<ZONE
\$ORIGIN pass.test.
\$TTL 300
@	IN SOA ns.pass.test. hostmaster.pass.test. 1 3600 600 86400 300
	IN NS ns
ns	IN A 127.0.0.1
@	IN TXT "v=spf1 ip4:192.0.2.10 -all"
_dmarc	IN TXT "v=DMARC1; p=reject"
$keyrec
ZONE
cat >"$T/rej.test.zone" <<'ZONE'
$ORIGIN rej.test.
$TTL 300
@	IN SOA ns.rej.test. hostmaster.rej.test. 1 3600 600 86400 300
	IN NS ns
ns	IN A 127.0.0.1
@	IN TXT "v=spf1 ip4:192.0.2.10 -all"
sub	IN TXT "v=spf1 ip4:192.0.2.10 -all"
_dmarc	IN TXT "v=DMARC1; p=reject; sp=none"
ZONE
cat >"$T/pct0.test.zone" <<'ZONE'
$ORIGIN pct0.test.
$TTL 300
@	IN SOA ns.pct0.test. hostmaster.pct0.test. 1 3600 600 86400 300
	IN NS ns
ns	IN A 127.0.0.1
@	IN TXT "v=spf1 ip4:192.0.2.10 -all"
_dmarc	IN TXT "v=DMARC1; p=reject; pct=0"
ZONE
cat >"$T/helo.test.zone" <<'ZONE'
$ORIGIN helo.test.
$TTL 300
@	IN SOA ns.helo.test. hostmaster.helo.test. 1 3600 600 86400 300
	IN NS ns
ns	IN A 127.0.0.1
mx	IN TXT "v=spf1 ip4:192.0.2.10 -all"
ZONE
mkdir -p "$T/knotdb"
{
	cat <<CONF
server:
    listen: 127.0.0.1@$knot_port
    rundir: $T
log:
  - target: stderr
    any: warning
database:
    storage: $T/knotdb
zone:
CONF
	for z in pass.test rej.test pct0.test helo.test; do
		printf '  - domain: %s\n    file: %s\n' "$z" "$T/$z.zone"
	done
} >"$T/knot.conf"
knotd -c "$T/knot.conf" >"$T/knot.log" 2>&1 &
PIDS="$PIDS $!"
wait_for bash -c "dig +short +time=1 +tries=1 -p $knot_port @127.0.0.1 \
    _dmarc.pass.test TXT | grep -q DMARC1" ||
    { cat "$T/knot.log"; die "knotd did not answer on port $knot_port"; }

# conf REJECT: the daemon's configuration with dmarc { reject REJECT }.
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
	listen 127.0.0.1:$policy_port
	resolver 127.0.0.1:$knot_port
	spf { check no }
}
milter {
	listen 127.0.0.1:$milter_port
	authserv-id mx.example.test
	timeout 5s
	dmarc { reject $1 }
}
CONF
}

SERVE=""
serve() {
	: >"$T/serve.log"
	"$FAIRLIST" --config "$T/fl.conf" serve >"$T/serve.log" 2>&1 &
	SERVE=$!
	PIDS="$PIDS $SERVE"
	wait_for grep -q "milter: listening" "$T/serve.log" ||
	    { cat "$T/serve.log"; die "serve did not start the milter"; }
}

conf yes
serve

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
smtpd_recipient_restrictions = reject_unauth_destination"
PF_MASTER_EXTRA="smtp      unix  -       -       n       -       -       smtp"
pf_start "$T/postfix" "$smtp_port" "$policy_port" ||
    die "postfix did not start"

# msg NAME FROM [EXTRA-HEADER]: a message file $T/NAME.msg.
msg() {
	{
		printf 'From: %s\r\n' "$2"
		printf 'To: rcpt@example.test\r\n'
		printf 'Subject: dmarc test %s\r\n' "$1"
		printf 'Date: Mon, 07 Dec 2026 12:00:00 +0000\r\n'
		printf 'Message-ID: <%s@test>\r\n' "$1"
		[ -z "${3:-}" ] || printf '%s\r\n' "$3"
		printf '\r\nHello from %s.\r\nA second line.\r\n' "$1"
	} >"$T/$1.msg"
}

# sign NAME: DKIM-sign $T/NAME.msg with k1 of pass.test, in place.
sign() {
	"$FAIRLIST" dkim sign --key "$T/keys/k1.private" --selector k1 \
	    --domain pass.test <"$T/$1.msg" >"$T/$1.signed" || die "dkim sign $1"
	mv "$T/$1.signed" "$T/$1.msg"
}

# send NAME CLIENT MAILFROM: submit $T/NAME.msg through Postfix; the
# delivered file becomes $T/NAME.eml ("" when nothing came); $DATA_REPLY
# is the server's reply to the end of DATA.
send() {
	local name=$1 client=$2 mailfrom=$3 before i f
	before=$(ls "$T/sink" | wc -l)
	pf_smtp --xclient-addr "$client" --ehlo mx.helo.test \
	    --from "$mailfrom" --to rcpt@example.test --data "$T/$name.msg"
	DATA_REPLY=$(printf '%s\n' "$PF_TRANSCRIPT" | awk '
		/^ *-> \./ { on = 1; next }
		on && /^ *<(-|\*\*) / { sub(/^ *<(-|\*\*) +/, ""); print; exit }')
	: >"$T/$name.eml"
	case "$DATA_REPLY" in
	250*) ;;
	*) return 0 ;;
	esac
	for i in $(seq 1 200); do
		[ "$(ls "$T/sink" | wc -l)" -gt "$before" ] && break
		sleep 0.05
	done
	f=$(ls -t "$T/sink" | head -1)
	if [ -z "$f" ] || [ "$(ls "$T/sink" | wc -l)" -le "$before" ]; then
		fail "$name: accepted but nothing delivered"
		return 0
	fi
	cp "$T/sink/$f" "$T/$name.eml"
	rm -f "$T/sink/$f"
}

# ar NAME: the delivered Authentication-Results fields, unfolded, one a
# line.
ar() {
	awk '/^[^ \t]/ { if (h != "") print h; h = "" }
		/^Authentication-Results:/ { h = $0; next }
		/^[ \t]/ && h != "" { sub(/^[ \t]+/, " "); h = h $0 }
		/^$/ { exit }
		END { if (h != "") print h }' "$T/$1.eml"
}

# has NAME WHAT...: each WHAT is in the one AR header of ours.
has() {
	local name=$1 a w
	shift
	a=$(ar "$name")
	check "$name: one Authentication-Results" "$(printf '%s\n' "$a" |
	    grep -c 'mx.example.test')" 1
	for w in "$@"; do
		case "$a" in
		*"$w"*) ok "$name: has '$w'" ;;
		*) fail "$name: no '$w' in: $a" ;;
		esac
	done
}

# 1. SPF pass and DKIM pass, both aligned with pass.test.
msg pass "Alice <alice@pass.test>"
sign pass
send pass 192.0.2.10 alice@pass.test
check "pass: delivered" "${DATA_REPLY%% *}" 250
has pass "spf=pass smtp.mailfrom=alice@pass.test" \
    "dkim=pass header.d=pass.test header.i=@pass.test header.s=k1" \
    "dmarc=pass (p=reject dis=none) header.from=pass.test"

# 2. SPF fails (wrong client), DKIM passes aligned: DMARC passes.
msg dkimonly "alice@pass.test"
sign dkimonly
send dkimonly 192.0.2.99 alice@pass.test
check "dkim only: delivered" "${DATA_REPLY%% *}" 250
has dkimonly "spf=fail smtp.mailfrom=alice@pass.test" \
    "dkim=pass header.d=pass.test" "dmarc=pass" "header.from=pass.test"

# 3. Empty MAIL FROM: SPF checks the HELO name, reported as smtp.helo;
# a forged AR with our authserv-id goes, another one's stays.
msg bounce "MAILER-DAEMON@mx.helo.test" \
    "Authentication-Results: mx.example.test; spf=pass smtp.mailfrom=forged@pass.test; dmarc=pass header.from=pass.test"
printf 'Authentication-Results: other.example; dkim=none\r\n' >"$T/other.hdr"
cat "$T/other.hdr" "$T/bounce.msg" >"$T/bounce.tmp" && mv "$T/bounce.tmp" "$T/bounce.msg"
send bounce 192.0.2.10 "<>"
check "empty MAIL FROM: delivered" "${DATA_REPLY%% *}" 250
has bounce "spf=pass smtp.helo=mx.helo.test" "dkim=none" "dmarc=none"
check "forged AR: removed" "$(grep -c 'forged@pass.test' "$T/bounce.eml")" 0
check "someone else's AR: kept" \
    "$(grep -c '^Authentication-Results: other.example' "$T/bounce.eml")" 1

# 4. p=reject, SPF fails, no DKIM, reject yes: 550 at the end of DATA.
msg rej "Bob <bob@rej.test>"
send rej 192.0.2.99 bob@rej.test
check "reject yes: 550 5.7.1 naming the domain and the policy" \
    "$DATA_REPLY" "550 5.7.1 DMARC policy of rej.test (p=reject) rejects this message: From rej.test is not aligned with a passing SPF or DKIM identity"
check "reject yes: not delivered" "$(wc -c <"$T/rej.eml")" 0
check "reject yes: logged" \
    "$(grep -c 'from=rej.test dmarc=fail policy=p=reject: refused' "$T/serve.log")" 1

# 5. A subdomain under sp=none fails but is delivered, with dmarc=fail.
msg sub "carol@sub.rej.test"
send sub 192.0.2.99 carol@sub.rej.test
check "sp=none: delivered" "${DATA_REPLY%% *}" 250
has sub "spf=fail smtp.mailfrom=carol@sub.rej.test" \
    "dmarc=fail (sp=none dis=none) header.from=sub.rej.test"

# 6. pct=0: the message is outside the sample, delivered, dmarc=fail.
msg pct0 "dave@pct0.test"
send pct0 192.0.2.99 dave@pct0.test
check "pct=0: delivered" "${DATA_REPLY%% *}" 250
has pct0 "dmarc=fail (p=reject dis=quarantine) header.from=pct0.test"

# 7. reject no (the default): the p=reject failure is delivered, marked.
kill "$SERVE"
wait "$SERVE" 2>/dev/null || true
conf no
serve
send rej 192.0.2.99 bob@rej.test
check "reject no: delivered" "${DATA_REPLY%% *}" 250
has rej "spf=fail smtp.mailfrom=bob@rej.test" "dkim=none" \
    "dmarc=fail (p=reject dis=reject) header.from=rej.test"

[ "$FAILS" -eq 0 ] || { pf_log | tail -20; tail -20 "$T/serve.log"; }
finish
