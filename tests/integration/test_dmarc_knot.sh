#!/bin/bash
# test_dmarc_knot.sh: "fairlist dmarc check" through c-ares against
# records served by Knot DNS on 127.0.0.1:<free port>: p=reject, sp for a
# subdomain through the organizational-domain fallback, pct=0 and
# pct=100, strict against relaxed alignment of SPF and DKIM, no record
# (none), a TXT that is not DMARC (fallback), two DMARC records (none), a
# record split into strings, np for a domain that does not exist (RFC
# 9091), the PSL wildcard *.ck, a REFUSED answer (temperror), the 550
# text, Authentication-Results and --json.
# Fails, naming the Debian package knot, when knotd is missing.
set -eu
. "$FAIRLIST_SRC/tests/lib/common.sh"
set +e	# each step checks its own status
fail() { [ -f "$T/knot.log" ] && cat "$T/knot.log"; die "$*"; }
need knotd knot
[ -f /usr/share/publicsuffix/public_suffix_list.dat ] ||
	die "no public suffix list: install the Debian package publicsuffix"

cat >"$T/example.test.zone" <<'ZONE'
$ORIGIN example.test.
$TTL 300
@	IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 300
	IN NS ns
ns	IN A 127.0.0.1
_dmarc	IN TXT "v=DMARC1; p=reject; sp=quarantine; rua=mailto:d@example.test"
_dmarc.strict	IN TXT "v=DMARC1; p=reject; adkim=s; aspf=s"
_dmarc.pct0	IN TXT "v=DMARC1; p=reject; pct=0"
_dmarc.pct100	IN TXT "v=DMARC1; p=reject; pct=100"
_dmarc.notdmarc	IN TXT "v=spf1 -all"
_dmarc.two	IN TXT "v=DMARC1; p=reject"
_dmarc.two	IN TXT "v=DMARC1; p=none"
_dmarc.split	IN TXT "v=DMARC1; " "p=reject; " "adkim=s"
ZONE
cat >"$T/np.test.zone" <<'ZONE'
$ORIGIN np.test.
$TTL 300
@	IN SOA ns.np.test. hostmaster.np.test. 1 3600 600 86400 300
	IN NS ns
ns	IN A 127.0.0.1
_dmarc	IN TXT "v=DMARC1; p=none; sp=quarantine; np=reject"
www	IN A 192.0.2.1
ZONE
cat >"$T/nodmarc.test.zone" <<'ZONE'
$ORIGIN nodmarc.test.
$TTL 300
@	IN SOA ns.nodmarc.test. hostmaster.nodmarc.test. 1 3600 600 86400 300
	IN NS ns
ns	IN A 127.0.0.1
@	IN TXT "v=spf1 -all"
ZONE
# *.ck is a wildcard rule of the public suffix list: foo.ck is a public
# suffix, so the organizational domain of a.b.foo.ck is b.foo.ck.
cat >"$T/foo.ck.zone" <<'ZONE'
$ORIGIN foo.ck.
$TTL 300
@	IN SOA ns.foo.ck. hostmaster.foo.ck. 1 3600 600 86400 300
	IN NS ns
ns	IN A 127.0.0.1
_dmarc	IN TXT "v=DMARC1; p=none"
_dmarc.b	IN TXT "v=DMARC1; p=reject; sp=quarantine"
ZONE

port=$(free_port)
mkdir -p "$T/db"
cat >"$T/knot.conf" <<CONF
server:
    listen: 127.0.0.1@$port
    rundir: $T
log:
  - target: stderr
    any: warning
database:
    storage: $T/db
zone:
  - domain: example.test
    file: $T/example.test.zone
  - domain: np.test
    file: $T/np.test.zone
  - domain: nodmarc.test
    file: $T/nodmarc.test.zone
  - domain: foo.ck
    file: $T/foo.ck.zone
CONF
knotd -c "$T/knot.conf" >"$T/knot.log" 2>&1 &
knot_pid=$!
PIDS="$PIDS $knot_pid"
ready() {
	"$FAIRLIST" dmarc check --from example.test --dns-server "127.0.0.1:$port" \
	    --timeout 200 2>/dev/null | grep -qx 'dmarc=fail (no aligned SPF or DKIM pass)'
}
wait_for ready || fail "knotd did not answer on port $port"

# run FROM [ARGS...]: the check's output in $out.
run() {
	local from=$1
	shift
	out=$("$FAIRLIST" dmarc check --from "$from" --dns-server "127.0.0.1:$port" \
	    --timeout 1000 --authserv-id mx.test "$@") ||
		fail "$from $*: exit status $?"
}

# expect NAME FROM RESULT DISPOSITION POLICY [ARGS...]; POLICY "-": no record.
expect() {
	local name=$1 from=$2 want=$3 disp=$4 pol=$5 res d p
	shift 5
	run "$from" "$@"
	res=$(printf '%s\n' "$out" | sed -n '1s/^dmarc=\([a-z]*\).*/\1/p')
	d=$(printf '%s\n' "$out" | sed -n 's/^disposition: \([a-z]*\).*/\1/p')
	p=$(printf '%s\n' "$out" | sed -n 's/^policy: //p')
	[ -n "$p" ] || p=-
	if [ "$res $d $p" != "$want $disp $pol" ]; then
		echo "$out"
		fail "$name: got '$res $d $p', want '$want $disp $pol'"
	fi
	ok "$name: $want $disp $pol"
}

expect "p=reject, nothing passes" example.test fail reject p=reject
printf '%s\n' "$out" | grep -qx 'reply: 550 5.7.1 DMARC policy of example.test (p=reject) rejects this message: From example.test is not aligned with a passing SPF or DKIM identity' ||
	{ echo "$out"; fail "the 550 text"; }
ok "the 550 names the domain and the policy"
expect "From address, aligned DKIM" 'Jo <jo@example.test>' pass none p=reject \
    --dkim example.test:pass
expect "DKIM fail does not count" example.test fail reject p=reject \
    --dkim example.test:fail
expect "aligned SPF" example.test pass none p=reject \
    --spf-domain bounce.example.test --spf pass
expect "SPF softfail does not count" example.test fail reject p=reject \
    --spf-domain example.test --spf softfail
expect "another domain's DKIM" example.test fail reject p=reject \
    --dkim example.net:pass
# The organizational-domain fallback: sp applies to a subdomain.
expect "subdomain: sp through the org domain" mail.example.test fail quarantine sp=quarantine
expect "subdomain, relaxed DKIM of the parent" a.mail.example.test pass none sp=quarantine \
    --dkim example.test:pass
# Strict alignment (its own record at strict.example.test).
expect "strict DKIM, subdomain d=" strict.example.test fail reject p=reject \
    --dkim sub.strict.example.test:pass
expect "strict DKIM, same d=" strict.example.test pass none p=reject \
    --dkim strict.example.test:pass
expect "strict SPF, subdomain" strict.example.test fail reject p=reject \
    --spf-domain x.strict.example.test --spf pass
expect "relaxed SPF, subdomain" example.test pass none p=reject \
    --spf-domain x.strict.example.test --spf pass
# pct.
expect "pct=0: reject becomes quarantine" pct0.example.test fail quarantine p=reject
printf '%s\n' "$out" | grep -qx 'disposition: quarantine (outside pct)' ||
	{ echo "$out"; fail "pct=0 sampled out"; }
expect "pct=100" pct100.example.test fail reject p=reject
# Discovery.
expect "no record: none" nodmarc.test none none -
expect "no record at a subdomain or its org: none" a.nodmarc.test none none -
expect "a TXT that is not DMARC: the org domain's" notdmarc.example.test fail quarantine sp=quarantine
expect "two DMARC records: none" two.example.test none none -
expect "a record split into strings" split.example.test fail reject p=reject \
    --dkim sub.split.example.test:pass
# RFC 9091 np: nx.np.test does not exist, www.np.test does.
expect "np for a domain that does not exist" nx.np.test fail reject np=reject
expect "sp for one that exists" www.np.test fail quarantine sp=quarantine
# The public suffix list's wildcard.
expect "PSL wildcard *.ck" a.b.foo.ck fail quarantine sp=quarantine
expect "PSL wildcard: relaxed needs the same org domain" a.b.foo.ck fail quarantine sp=quarantine \
    --dkim c.foo.ck:pass
expect "PSL wildcard: aligned within b.foo.ck" a.b.foo.ck pass none sp=quarantine \
    --dkim b.foo.ck:pass
# A name outside Knot's zones is REFUSED: temperror.
expect "refused: temperror" elsewhere.invalid temperror none -
# No usable From domain.
expect "From addresses in two domains: permerror" 'a@example.test, b@example.net' permerror none -
expect "From without a domain: permerror" 'undisclosed-recipients:;' permerror none -

# Authentication-Results: one field with spf, dkim and dmarc.
run example.test --spf-domain example.test --spf pass --dkim example.test:pass \
    --dkim other.test:fail
ar=$(printf '%s\n' "$out" | sed -n '/^Authentication-Results:/,$p' | tr -d '\n')
want='Authentication-Results: mx.test;	spf=pass smtp.mailfrom=example.test;	dkim=pass header.d=example.test;	dkim=fail header.d=other.test;	dmarc=pass (p=reject dis=none) header.from=example.test'
[ "$ar" = "$want" ] || { echo "$out"; fail "Authentication-Results: got '$ar'"; }
ok "Authentication-Results"

# --json.
out=$("$FAIRLIST" dmarc check --from mail.example.test --dns-server "127.0.0.1:$port" \
    --json) || fail "json exit status"
for kv in '"result": "fail"' '"policy_tag": "sp"' '"record_domain": "example.test"' \
    '"org_domain": "example.test"' '"disposition": "quarantine"' '"pct": 100' \
    '"rua": "mailto:d@example.test"'; do
	printf '%s\n' "$out" | grep -qF "$kv" || { echo "$out"; fail "json: no $kv"; }
done
ok "--json"

# A server that does not answer: temperror, exit 0; timeout(1) only
# turns a hang into a failure (no wall-clock threshold).
dead=$(free_port)
out=$(timeout 60 "$FAIRLIST" dmarc check --from example.test \
    --dns-server "127.0.0.1:$dead" --timeout 200) || fail "dead server: exit status $?"
printf '%s\n' "$out" | head -1 | grep -q '^dmarc=temperror' || { echo "$out"; fail "dead server"; }
ok "unreachable -> temperror"

# Usage errors: exit 2 with the command's name.
err=$("$FAIRLIST" dmarc check --from example.test --spf pass 2>&1); rc=$?
[ $rc = 2 ] && printf '%s\n' "$err" | grep -q '^fairlist: dmarc check: --spf and --spf-domain go together' ||
	fail "usage error: rc $rc, '$err'"
err=$("$FAIRLIST" dmarc check --from example.test --dkim nocolon 2>&1); rc=$?
[ $rc = 2 ] || fail "bad --dkim: rc $rc"
err=$("$FAIRLIST" dmarc check --from example.test --psl "$T/none.dat" 2>&1); rc=$?
[ $rc = 1 ] && printf '%s\n' "$err" | grep -q "none.dat" || fail "missing --psl: rc $rc, '$err'"
ok "usage errors"
finish
