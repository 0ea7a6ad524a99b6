#!/usr/bin/env bash
# test_milter_sendmail.sh: the milter behind a real Sendmail 8.17 (Debian's
# sendmail-bin, which conflicts with the postfix package: scripts/deps.sh
# test downloads it and sendmail-cf, and this test unpacks them with
# dpkg-deb -x into its own folder, never installing them). The .cf is
# made with m4 from sendmail-cf's cf.m4 and the .mc of docs/MILTER.md's
# Sendmail guide (INPUT_MAIL_FILTER); Sendmail runs as `sendmail -bD` on
# a loopback port, in a mount and UTS namespace of its own whose host
# name and /etc/hosts are mx.example.test (Sendmail sleeps a minute when
# its host name has no dot), and relays to smtp-sink. Knot serves the
# SPF, DKIM and _dmarc records. Mail submitted from 127.0.0.1 (sign {
# networks }) is signed and dkimpy verifies it; mail from 127.0.0.2 gets
# one Authentication-Results header with spf, dkim and dmarc (a forged
# one of ours removed), and a p=reject failure gets the 550 5.7.1 at the
# swaks side.
. "$FAIRLIST_SRC/tests/lib/common.sh"

if [ "$(id -u)" != 0 ]; then
	echo "FAIL: this test needs root (CI runs as root)"
	exit 1
fi
need m4 m4
need unshare util-linux
need swaks swaks
need smtp-sink postfix
need knotd knot
need dpkg-deb dpkg
/usr/bin/python3 -c 'import dkim' 2>/dev/null ||
    die "python3 module dkim not found: install the Debian package python3-dkim"
debs=${FAIRLIST_DEBS:-/var/cache/fairlist-test/debs}
bin_deb=$(ls "$debs"/sendmail-bin_*.deb 2>/dev/null | tail -1)
cf_deb=$(ls "$debs"/sendmail-cf_*.deb 2>/dev/null | tail -1)
[ -n "$bin_deb" ] && [ -n "$cf_deb" ] ||
    die "no sendmail-bin and sendmail-cf packages in $debs: run 'scripts/deps.sh test' (it downloads them there)"
for lib in liblockfile1 libwrap0; do
	dpkg-query -W -f='${Status}' "$lib" 2>/dev/null | grep -q "ok installed" ||
	    die "sendmail-bin needs $lib: install the Debian package $lib"
done

SM="$T/sm"
dpkg-deb -x "$bin_deb" "$SM" || die "dpkg-deb -x $bin_deb"
dpkg-deb -x "$cf_deb" "$SM" || die "dpkg-deb -x $cf_deb"
SENDMAIL="$SM/usr/libexec/sendmail/sendmail"
[ -x "$SENDMAIL" ] || die "no $SENDMAIL in $bin_deb"

knot_port=$(free_port)
dns_port=$(free_port)
milter_port=$(free_port)
smtp_port=$(free_port)
sink_port=$(free_port)

"$FAIRLIST" dkim keygen --algorithm rsa --selector s1 --domain example.org \
    --out "$T/keys" >/dev/null || die "keygen rsa"
keyrec=$("$FAIRLIST" dkim keygen --algorithm ed25519 --selector k1 \
    --domain pass.test --out "$T/inkeys") || die "keygen ed25519"

# pass.test: SPF allows 127.0.0.2, DKIM key k1, p=reject; rej.test:
# SPF allows nobody, p=reject.
cat >"$T/pass.test.zone" <<ZONE
\$ORIGIN pass.test.
\$TTL 300
@	IN SOA ns.pass.test. hostmaster.pass.test. 1 3600 600 86400 300
	IN NS ns
ns	IN A 127.0.0.1
@	IN TXT "v=spf1 ip4:127.0.0.2 -all"
_dmarc	IN TXT "v=DMARC1; p=reject"
$keyrec
ZONE
cat >"$T/rej.test.zone" <<'ZONE'
$ORIGIN rej.test.
$TTL 300
@	IN SOA ns.rej.test. hostmaster.rej.test. 1 3600 600 86400 300
	IN NS ns
ns	IN A 127.0.0.1
@	IN TXT "v=spf1 -all"
_dmarc	IN TXT "v=DMARC1; p=reject"
ZONE
mkdir -p "$T/knotdb"
cat >"$T/knot.conf" <<CONF
server:
    listen: 127.0.0.1@$knot_port
    rundir: $T
log:
  - target: stderr
    any: warning
database:
    storage: $T/knotdb
zone:
  - domain: pass.test
    file: $T/pass.test.zone
  - domain: rej.test
    file: $T/rej.test.zone
CONF
knotd -c "$T/knot.conf" >"$T/knot.log" 2>&1 &
PIDS="$PIDS $!"
wait_for bash -c "dig +short +time=1 +tries=1 -p $knot_port @127.0.0.1 \
    _dmarc.pass.test TXT | grep -q DMARC1" ||
    { cat "$T/knot.log"; die "knotd did not answer on port $knot_port"; }

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
	resolver 127.0.0.1:$knot_port
}
milter {
	listen 127.0.0.1:$milter_port
	sign {
		key example.org s1 $T/keys/s1.private
		networks 127.0.0.1/32
	}
	authserv-id mx.example.test
	timeout 5s
	dmarc { reject yes }
}
CONF
"$FAIRLIST" --config "$T/fl.conf" serve >"$T/serve.log" 2>&1 &
PIDS="$PIDS $!"
wait_for grep -q "milter: listening" "$T/serve.log" ||
    { cat "$T/serve.log"; die "serve did not start the milter"; }

# smtp-sink drops to nobody: it must reach its folder.
chmod o+x "$T"
mkdir -p "$T/sink"
chmod 0777 "$T/sink"
smtp-sink -u nobody -d "$T/sink/%M." "127.0.0.1:$sink_port" 20 \
    >"$T/sink.log" 2>&1 &
PIDS="$PIDS $!"
wait_for bash -c "exec 3<>/dev/tcp/127.0.0.1/$sink_port" ||
    die "smtp-sink did not start"

# The .mc: docs/MILTER.md's guide (the INPUT_MAIL_FILTER line), plus what
# a private instance needs: its own queue, pid and status files, no DNS
# (hosts from a file, nocanonify), everything relayed to the sink.
mkdir -p "$T/mqueue"
chmod 0700 "$T/mqueue"
: >"$T/statistics"
printf 'hosts files\n' >"$T/service.switch"
printf '127.0.0.1 localhost mx.example.test mx\n::1 localhost6 mx.example.test mx\n' \
    >"$T/hosts"
cat >"$T/sendmail.mc" <<MC
divert(-1)
divert(0)dnl
include(\`$SM/usr/share/sendmail/cf/m4/cf.m4')dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`mx.example.test')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`QUEUE_DIR', \`$T/mqueue')dnl
define(\`STATUS_FILE', \`$T/statistics')dnl
define(\`ALIAS_FILE', \`')dnl
define(\`confPID_FILE', \`$T/sendmail.pid')dnl
define(\`confSERVICE_SWITCH_FILE', \`$T/service.switch')dnl
define(\`confHOSTS_FILE', \`$T/hosts')dnl
define(\`SMART_HOST', \`[127.0.0.1]')dnl
define(\`RELAY_MAILER_ARGS', \`TCP \$h $sink_port')dnl
define(\`ESMTP_MAILER_ARGS', \`TCP \$h $sink_port')dnl
define(\`SMTP_MAILER_ARGS', \`TCP \$h $sink_port')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`promiscuous_relay')dnl
FEATURE(\`accept_unresolvable_domains')dnl
DAEMON_OPTIONS(\`Port=$smtp_port, Addr=127.0.0.1, Name=MTA')dnl
INPUT_MAIL_FILTER(\`fairlist', \`S=inet:$milter_port@127.0.0.1, T=C:10s;S:30s;R:30s;E:60s')dnl
MAILER(\`smtp')dnl
MC
m4 "$T/sendmail.mc" >"$T/sendmail.cf" 2>"$T/m4.log" ||
    { cat "$T/m4.log"; die "m4 could not make sendmail.cf"; }
grep -q "^Xfairlist, S=inet:$milter_port@127.0.0.1" "$T/sendmail.cf" ||
    die "sendmail.cf has no milter line"

unshare --mount --uts sh -c "mount --bind '$T/hosts' /etc/hosts &&
    hostname mx.example.test &&
    exec '$SENDMAIL' -C '$T/sendmail.cf' -bD" >"$T/sendmail.log" 2>&1 &
SMPID=$!
PIDS="$PIDS $SMPID"
# Up to 20 s: Sendmail reads its .cf and binds.
for i in $(seq 1 400); do
	(exec 3<>"/dev/tcp/127.0.0.1/$smtp_port") 2>/dev/null && break
	kill -0 "$SMPID" 2>/dev/null || break
	sleep 0.05
done
(exec 3<>"/dev/tcp/127.0.0.1/$smtp_port") 2>/dev/null ||
    { cat "$T/sendmail.log"; die "sendmail did not listen on $smtp_port"; }
ok "sendmail $(basename "$bin_deb" .deb) listens with INPUT_MAIL_FILTER"

# send NAME SOURCE MAILFROM FILE: one message from SOURCE (127.0.0.1 or
# .2) through Sendmail; $DATA_REPLY is the reply to the end of DATA and
# the delivered file becomes $T/NAME.eml (empty when none came).
send() {
	local name=$1 src=$2 from=$3 data=$4 before i f
	before=$(ls "$T/sink" | wc -l)
	swaks --server "127.0.0.1:$smtp_port" --local-interface "$src" \
	    --timeout 30 --ehlo client.example --from "$from" \
	    --to rcpt@example.test --data "$data" >"$T/$name.swaks" 2>&1 || true
	DATA_REPLY=$(awk '/^ *-> \./ { on = 1; next }
		on && /^ *<(-|\*\*) / { sub(/^ *<(-|\*\*) +/, ""); print; exit }' \
	    "$T/$name.swaks")
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
	# smtp-sink makes the file at DATA and writes it as the bytes come:
	# read it once the message's last line (msg below) is in.
	for i in $(seq 1 400); do
		grep -q 'A second line' "$T/sink/$f" && break
		sleep 0.05
	done
	sed 's/$/\r/' "$T/sink/$f" >"$T/$name.eml"
	rm -f "$T/sink/$f"
}

# msg FILE FROM [HEADER]: a message.
msg() {
	{
		printf 'From: %s\r\nTo: rcpt@example.test\r\n' "$2"
		printf 'Subject: sendmail test\r\nDate: Mon, 07 Dec 2026 12:00:00 +0000\r\n'
		printf 'Message-ID: <%s@test>\r\n' "$(basename "$1")"
		[ -z "${3:-}" ] || printf '%s\r\n' "$3"
		printf '\r\nHello through Sendmail.\r\nA second line.\r\n'
	} >"$1"
}

# The unfolded Authentication-Results fields of a delivered message.
ar() {
	tr -d '\r' <"$1" | awk '/^[^ \t]/ { if (h != "") print h; h = "" }
		/^Authentication-Results:/ { h = $0; next }
		/^[ \t]/ && h != "" { sub(/^[ \t]+/, " "); h = h $0 }
		/^$/ { exit }
		END { if (h != "") print h }'
}

# 1. Outbound: from 127.0.0.1 (sign { networks }) the message is signed.
msg "$T/out.msg" "Alice <alice@example.org>"
send out 127.0.0.1 alice@example.org "$T/out.msg"
check "outbound: accepted" "${DATA_REPLY%% *}" 250
check "outbound: one DKIM-Signature" \
    "$(grep -c '^DKIM-Signature:' "$T/out.eml")" 1
check "outbound: dkimpy verifies it" \
    "$(/usr/bin/python3 "$FAIRLIST_SRC/tests/lib/dkimpy_verify.py" --each \
    "$T/keys/s1.txt" "$T/out.eml" | tr '\n' ' ')" "s1 pass "
check "outbound: no Authentication-Results" \
    "$(grep -c '^Authentication-Results:' "$T/out.eml" || true)" 0

# 2. Inbound from 127.0.0.2: SPF pass, DKIM pass, DMARC pass in one AR;
# the forged one with our authserv-id is gone.
msg "$T/in.msg" "Bob <bob@pass.test>" \
    "Authentication-Results: mx.example.test; dmarc=pass header.from=forged.test"
"$FAIRLIST" dkim sign --key "$T/inkeys/k1.private" --selector k1 \
    --domain pass.test <"$T/in.msg" >"$T/in.signed" || die "dkim sign"
send in 127.0.0.2 bob@pass.test "$T/in.signed"
check "inbound: accepted" "${DATA_REPLY%% *}" 250
a=$(ar "$T/in.eml")
check "inbound: one Authentication-Results" "$(printf '%s\n' "$a" |
    grep -c .)" 1
for w in "spf=pass smtp.mailfrom=bob@pass.test" \
    "dkim=pass header.d=pass.test" \
    "dmarc=pass (p=reject dis=none) header.from=pass.test"; do
	case "$a" in
	*"$w"*) ok "inbound: has '$w'" ;;
	*) fail "inbound: no '$w' in: $a" ;;
	esac
done
check "inbound: only the sender's signature" "$(grep -c '^DKIM-Signature:' "$T/in.eml")" 1
check "inbound: forged AR removed" "$(grep -c 'forged.test' "$T/in.eml")" 0

# 3. DMARC p=reject failure, reject yes: 550 5.7.1 at the swaks side.
msg "$T/rej.msg" "carol@rej.test"
send rej 127.0.0.2 carol@rej.test "$T/rej.msg"
check "p=reject failure: 550 naming the domain and the policy" \
    "$DATA_REPLY" "550 5.7.1 DMARC policy of rej.test (p=reject) rejects this message: From rej.test is not aligned with a passing SPF or DKIM identity"
check "p=reject failure: not delivered" "$(wc -c <"$T/rej.eml")" 0

[ "$FAILS" -eq 0 ] || { tail -20 "$T/serve.log"; cat "$T/sendmail.log"; }
finish
