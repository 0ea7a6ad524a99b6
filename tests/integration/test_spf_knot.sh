#!/bin/bash
# test_spf_knot.sh: "fairlist spf check" through c-ares against a real DNS
# server (Knot DNS) on 127.0.0.1:<random port> (--dns-server), and the
# same zone files read with --dns-zone: both paths must agree with the
# expected results. Covers TXT records split into several strings and one
# larger than 512 bytes (truncated over UDP, fetched again over TCP),
# PTR, MX, AAAA, exp= and a REFUSED answer (temperror).
# Fails, naming the Debian package knot, when knotd is missing.
set -eu
. "$FAIRLIST_SRC/tests/lib/common.sh"
set +e	# each step checks its own status
# Any failure ends the test, with Knot's log.
fail() { [ -f "$tmp/knot.log" ] && cat "$tmp/knot.log"; die "$*"; }
need knotd knot
KNOTD=$(command -v knotd)
tmp=$T

big="\"v=spf1 \""
for i in $(seq 1 40); do big="$big \"ip4:198.51.100.$i \""; done
big="$big \"ip4:192.0.2.50 -all\""

cat >"$tmp/example.test.zone" <<ZONE
\$ORIGIN example.test.
\$TTL 300
@	IN SOA ns.example.test. hostmaster.example.test. (
		1 3600 600 86400 300 )
	IN NS ns
ns	IN A 127.0.0.1
@	IN TXT "v=spf1 ip4:192.0.2.10 a:mail.example.test mx " "include:inc.example.test ?exists:%{i}.q.example.test -all exp=why.example.test"
@	IN MX 10 mx1
mx1	IN A 192.0.2.20
mail	IN A 192.0.2.11
inc	IN TXT "v=spf1 ip4:192.0.2.30 -all"
why	IN TXT "%{i} is not allowed to send for %{d}"
192.0.2.60.q IN A 127.0.0.2
ptr	IN TXT "v=spf1 ptr -all"
h40.ptr	IN A 192.0.2.40
nospf	IN TXT "hello world"
big	IN TXT $big
six	IN TXT "v=spf1 a ~all"
six	IN AAAA 2001:db8::6
soft	300 IN TXT "v=spf1 ~all"
out	IN TXT "v=spf1 include:elsewhere.invalid -all"
ZONE
cat >"$tmp/rev.zone" <<ZONE
\$ORIGIN 2.0.192.in-addr.arpa.
\$TTL 300
@	IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 300
	IN NS ns.example.test.
40	IN PTR h40.ptr.example.test.
ZONE

# A free port: try a few random ones until knotd starts.
started=0
for attempt in 1 2 3 4 5; do
	port=$(( 20000 + RANDOM % 40000 ))
	cat >"$tmp/knot.conf" <<CONF
server:
    listen: 127.0.0.1@$port
    rundir: $tmp
log:
  - target: stderr
    any: warning
database:
    storage: $tmp/db
zone:
  - domain: example.test
    file: $tmp/example.test.zone
  - domain: 2.0.192.in-addr.arpa
    file: $tmp/rev.zone
CONF
	mkdir -p "$tmp/db"
	"$KNOTD" -c "$tmp/knot.conf" >"$tmp/knot.log" 2>&1 &
	knot_pid=$!
	PIDS="$PIDS $knot_pid"
	for i in $(seq 1 50); do
		if "$FAIRLIST" spf check --ip 192.0.2.10 --mail-from a@example.test \
		    --dns-server "127.0.0.1:$port" --timeout 200 2>/dev/null |
		    grep -qx 'result: pass'; then
			started=1
			break
		fi
		kill -0 "$knot_pid" 2>/dev/null || break
		sleep 0.1
	done
	[ $started = 1 ] && break
	kill "$knot_pid" 2>/dev/null; wait "$knot_pid" 2>/dev/null; knot_pid=
done
[ $started = 1 ] || fail "knotd did not start"

# expect IP MAIL-FROM WANT-RESULT [WANT-EXPLANATION], over DNS and from the zone files
expect() {
	local ip=$1 from=$2 want=$3 wexp=${4:-} out res exp
	for mode in server zone; do
		if [ $mode = server ]; then
			out=$("$FAIRLIST" spf check --ip "$ip" --mail-from "$from" \
			    --helo helo.example.test --dns-server "127.0.0.1:$port" \
			    --timeout 1000) || fail "$ip $from ($mode): exit status"
		else
			out=$("$FAIRLIST" spf check --ip "$ip" --mail-from "$from" \
			    --helo helo.example.test --dns-zone "$tmp/example.test.zone" \
			    --dns-zone "$tmp/rev.zone") || fail "$ip $from ($mode): exit status"
		fi
		res=$(printf '%s\n' "$out" | sed -n 's/^result: //p')
		exp=$(printf '%s\n' "$out" | sed -n 's/^explanation: //p')
		[ "$res" = "$want" ] || { echo "$out"; fail "$ip $from ($mode): got $res, want $want"; }
		if [ -n "$wexp" ] && [ "$exp" != "$wexp" ]; then
			echo "$out"; fail "$ip $from ($mode): explanation '$exp', want '$wexp'"
		fi
	done
	ok "$ip $from $want"
}

expect 192.0.2.10 a@example.test pass
expect 192.0.2.11 a@example.test pass
expect 192.0.2.20 a@example.test pass
expect 192.0.2.30 a@example.test pass
expect 192.0.2.60 a@example.test neutral
expect 192.0.2.99 a@example.test fail "192.0.2.99 is not allowed to send for example.test"
expect 192.0.2.40 a@ptr.example.test pass
expect 192.0.2.41 a@ptr.example.test fail
expect 192.0.2.1 a@nospf.example.test none
expect 192.0.2.1 a@nx.example.test none
expect 192.0.2.50 a@big.example.test pass
expect 192.0.2.51 a@big.example.test fail
expect 2001:db8::6 a@six.example.test pass
expect ::ffff:192.0.2.10 a@example.test pass
expect 2001:db8::7 a@six.example.test softfail
expect 192.0.2.1 a@soft.example.test softfail

# 1200 evaluations through one c-ares channel, 100 in flight at a time
# (--batch).
cases="192.0.2.10 a@example.test pass
192.0.2.20 a@example.test pass
192.0.2.30 a@example.test pass
192.0.2.60 a@example.test neutral
192.0.2.99 a@example.test fail
192.0.2.40 a@ptr.example.test pass
192.0.2.41 a@ptr.example.test fail
192.0.2.1 a@nospf.example.test none
192.0.2.50 a@big.example.test pass
2001:db8::6 a@six.example.test pass
2001:db8::7 a@six.example.test softfail
192.0.2.1 a@soft.example.test softfail"
: >"$tmp/batch"
: >"$tmp/want"
for i in $(seq 1 100); do
	printf '%s\n' "$cases" | while read -r ip from want; do
		echo "$ip $from helo.example.test" >>"$tmp/batch"
		echo "$ip $from $want" >>"$tmp/want"
	done
done
"$FAIRLIST" spf check --batch "$tmp/batch" --dns-server "127.0.0.1:$port" \
    --timeout 2000 >"$tmp/got" || fail "batch exit status"
cut -d' ' -f1-3 "$tmp/got" | diff "$tmp/want" - >/dev/null ||
	{ cut -d' ' -f1-3 "$tmp/got" | diff "$tmp/want" - | head; fail "batch results"; }
ok "batch of $(wc -l <"$tmp/batch"), 100 in flight at a time"

# The HELO identity alone (RFC 7208 section 2.3).
out=$("$FAIRLIST" spf check --ip 192.0.2.11 --mail-from a@nospf.example.test \
    --helo example.test --identity helo --dns-server "127.0.0.1:$port")
printf '%s\n' "$out" | grep -qx 'result: pass' || { echo "$out"; fail "helo identity"; }
printf '%s\n' "$out" | grep -q 'spf=pass smtp.helo=example.test' || { echo "$out"; fail "helo A-R"; }
ok "helo identity"

# A name outside knot's zones is REFUSED: temperror through c-ares only.
out=$("$FAIRLIST" spf check --ip 192.0.2.1 --mail-from a@out.example.test \
    --dns-server "127.0.0.1:$port" --timeout 1000 --json) || fail "json exit"
printf '%s\n' "$out" | grep -q '"result":"temperror"' || { echo "$out"; fail "refused: $out"; }
printf '%s\n' "$out" | grep -q '"lookups":1' || fail "json lookups: $out"
ok "refused -> temperror"

# The lookup count is printed.
out=$("$FAIRLIST" spf check --ip 192.0.2.30 --mail-from a@example.test \
    --dns-server "127.0.0.1:$port")
printf '%s\n' "$out" | grep -qx 'lookups: 3' || { echo "$out"; fail "lookup count"; }
printf '%s\n' "$out" | grep -qx 'mechanism: include:inc.example.test' || { echo "$out"; fail "mechanism"; }

# A server that does not answer: temperror within the deadline, exit 0.
dead=$(free_port)	# nothing listens there
# No wall-clock threshold (shared machines are noisy): timeout(1) only
# turns a hang into a failure.
out=$(timeout 60 "$FAIRLIST" spf check --ip 192.0.2.1 \
    --mail-from a@example.test --dns-server "127.0.0.1:$dead" \
    --timeout 200) || fail "dead server: exit status $? (124: hung)"
printf '%s\n' "$out" | grep -qx 'result: temperror' || { echo "$out"; fail "dead server result"; }
ok "unreachable -> temperror"

# Zone file errors name the file and line.
printf '$ORIGIN x.test.\n@ IN TXT "v=spf1 -all"\nbad IN A 999.1.1.1\n' >"$tmp/bad.zone"
err=$("$FAIRLIST" spf check --ip 192.0.2.1 --mail-from a@x.test --dns-zone "$tmp/bad.zone" 2>&1) && fail "bad zone accepted"
printf '%s\n' "$err" | grep -q "bad.zone:3: bad A address" || { echo "$err"; fail "zone error message"; }
ok "zone file errors name the file and line"
finish
