#!/usr/bin/env bash
# test_xfr.sh: zone transfers to real secondaries. Knot (knotd) and NSD,
# each on its own loopback port with its own config and folders, pull
# both zones of a fairlist primary by AXFR with TSIG; then, for a sample
# of 10,000 names (listed /32s, unlisted addresses, ranges expanded and
# as wildcards, exclusions inside them, IPv6, the RFC 5782 test points),
# each secondary's A and TXT answers (rcode and answer section) equal
# fairlist's own. A transfer without the key, with a wrong key, or from
# an address not in allow (127.0.0.2) is refused.
# Fails, naming the Debian package, when knotd, nsd or kdig is missing.
. "$FAIRLIST_SRC/tests/lib/common.sh"
. "$FAIRLIST_SRC/tests/lib/secondaries.sh"
need knotd knot
need nsd nsd
need kdig knot-dnsutils

SECRET=c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=
port=$(free_port)
kport=$(free_port)
nport=$(free_port)
db=$T/fl.db
cat > "$T/fl.conf" <<CONF
db $db
dns {
	listen 127.0.0.1:$port
	workers 1
	reload-interval 100
	ns ns1.fairlist.test
	transfer {
		allow 127.0.0.1
		tsig xfr-key hmac-sha256 $SECRET
	}
}
http { listen 127.0.0.1:$(free_port) }
policy { listen 127.0.0.1:$(free_port) }
CONF
fl() { "$FAIRLIST" --config "$T/fl.conf" "$@"; }
add() { fl add "$@" --evidence "test" >/dev/null || die "fairlist add $*"; }

fl zone add bl.fairlist.test >/dev/null || die "zone add"
fl zone add ranges.test --code 127.0.0.4 --txt 'listed: $reason' >/dev/null ||
    die "zone add ranges.test"
# bl.fairlist.test: the default TXT uses $ip, so ranges are expanded.
python3 - "$T" <<'PY'
import random, sys
random.seed(13)
t = sys.argv[1]
v4 = sorted({"100.%d.%d.%d" % (random.randint(64, 127), random.randint(0, 255),
             random.randint(0, 255)) for _ in range(3000)})
v6 = sorted({"2001:db8:1::%x:%x" % (random.randint(0, 65535),
             random.randint(0, 65535)) for _ in range(60)})
open(t + "/v4.txt", "w").write("\n".join(v4) + "\n")
open(t + "/v6.txt", "w").write("\n".join(v6) + "\n")
PY
fl import "$T/v4.txt" --format plain --reason "bulk" >/dev/null || die "import v4"
fl import "$T/v6.txt" --format plain --reason "bulk six" >/dev/null || die "import v6"
add 192.0.2.0/24 --reason "doc net"
add 192.0.2.7 --exclude --reason "exception"
add 198.51.100.0/25 --reason "half"
add 203.0.113.16/28 --reason "sixteen"
add 203.0.113.20 --reason "one of them"
add 2001:db8:2::/124 --reason "six range"
# ranges.test: a TXT without $ip, so octet-aligned blocks are wildcards.
z="--zone ranges.test"
add 10.0.0.0/8 $z --reason "ten"
add 10.1.0.0/16 $z --exclude --reason "exception"
add 10.2.3.0/24 $z --reason "ten two three"
add 10.2.4.4 $z --exclude --reason "exception"
add 10.3.0.0/20 $z --reason "twenty"
add 10.3.5.5 $z --exclude --reason "exception"
add 10.3.6.6 $z --reason "host" --code 127.0.0.9
add 172.16.0.0/12 $z --reason "twelve"
add 2001:db8:100::/48 $z --reason "six48"
add 2001:db8:100:5::/64 $z --exclude --reason "exception"
add 2001:db8:100:6::1 $z --reason "six host"
add 2001:db8:300::/46 $z --reason "six46"

"$FAIRLIST" --config "$T/fl.conf" serve 2>"$T/serve.log" &
PIDS="$PIDS $!"
wait_for dig @127.0.0.1 -p "$port" +short +tries=1 +time=1 \
    2.0.0.127.ranges.test A || { cat "$T/serve.log"; die "fairlist did not start"; }

start_knot "$kport" "$port" bl.fairlist.test ranges.test
start_nsd "$nport" "$port" bl.fairlist.test ranges.test

# Both pull both zones: wait until each serves fairlist's serials.
for zone in bl.fairlist.test ranges.test; do
	want=$(soa_serial "$port" "$zone")
	[ -n "$want" ] || die "no SOA from fairlist for $zone"
	for sec in "knot $kport" "nsd $nport"; do
		set -- $sec
		wait_serial "$2" "$zone" "$want"
		check "$1 holds $zone at serial $want" "$(soa_serial "$2" "$zone")" \
		    "$want"
	done
done
[ "$FAILS" -eq 0 ] || { cat "$T/serve.log" "$T/knot/knot.log" "$T/nsd/nsd.log"; die "no transfer"; }
grep -q "AXFR" "$T/knot/knot.log" && ok "knot: AXFR in its log" || fail "knot: no AXFR in its log"
check "no TSIG error in fairlist's log" \
    "$(grep -c 'TSIG' "$T/serve.log")" "0"

# The sample: 10,000 names over both zones.
python3 - "$T" <<'PY'
import ipaddress, random, sys
random.seed(5)
t = sys.argv[1]
names = []
def v4(a, zone):
    o = str(a).split(".")
    names.append(".".join(reversed(o)) + "." + zone)
def v6(a, zone):
    h = ipaddress.IPv6Address(a).exploded.replace(":", "")
    names.append(".".join(reversed(h)) + "." + zone)
def some(net, n, f, zone):
    net = ipaddress.ip_network(net)
    for _ in range(n):
        f(net[random.randrange(net.num_addresses)], zone)
def every(net, f, zone):
    for a in ipaddress.ip_network(net):
        f(a, zone)
bl, rz = "bl.fairlist.test", "ranges.test"
listed = [l.strip() for l in open(t + "/v4.txt")]
for a in random.sample(listed, 2500):
    v4(a, bl)
some("100.64.0.0/10", 600, v4, bl)
every("192.0.2.0/24", v4, bl)
every("198.51.100.0/24", v4, bl)
every("203.0.113.0/26", v4, bl)
for a in [l.strip() for l in open(t + "/v6.txt")]:
    v6(a, bl)
some("2001:db8:1::/64", 60, v6, bl)
every("2001:db8:2::/123", v6, bl)
for z in (bl, rz):
    for a in ("127.0.0.2", "127.0.0.1", "127.0.0.3"):
        v4(a, z)
    for a in ("::ffff:127.0.0.2", "::ffff:127.0.0.1", "::1"):
        v6(a, z)
some("10.0.0.0/8", 1000, v4, rz)
some("10.1.0.0/16", 200, v4, rz)
every("10.2.3.0/24", v4, rz)
every("10.2.4.0/24", v4, rz)
some("10.3.0.0/19", 600, v4, rz)
every("10.3.5.0/24", v4, rz)
every("10.3.6.0/24", v4, rz)
some("172.16.0.0/12", 300, v4, rz)
some("172.32.0.0/16", 100, v4, rz)
some("172.15.0.0/16", 100, v4, rz)
some("11.0.0.0/8", 100, v4, rz)
some("2001:db8:100::/48", 300, v6, rz)
some("2001:db8:100:5::/64", 60, v6, rz)
every("2001:db8:100:6::/124", v6, rz)
some("2001:db8:300::/46", 150, v6, rz)
some("2001:db8:304::/46", 50, v6, rz)
some("2001:db8:101::/48", 50, v6, rz)
while len(names) < 10000:
    some("198.18.0.0/15", 1, v4, random.choice((bl, rz)))
open(t + "/names.txt", "w").write("\n".join(names[:10000]) + "\n")
PY
check "sample size" "$(wc -l < "$T/names.txt")" "10000"
if python3 "$FAIRLIST_SRC/tests/lib/dnscompare.py" "$T/names.txt" \
    "127.0.0.1:$port" "127.0.0.1:$kport" "127.0.0.1:$nport" >"$T/compare.out"; then
	ok "knot and nsd answer the 10,000 names as fairlist does"
else
	fail "secondaries differ from fairlist"
fi
cat "$T/compare.out"
# The sample is not trivial: it holds listed and unlisted names.
check "the sample has listed names" \
    "$(dig @127.0.0.1 -p "$kport" +short 5.5.3.10.ranges.test A)$(dig @127.0.0.1 -p "$kport" +short 6.6.3.10.ranges.test A)" \
    "127.0.0.9"

# Who may transfer.
K="hmac-sha256:xfr-key:$SECRET"
axfr() { kdig @127.0.0.1 -p "$port" AXFR ranges.test "$@" 2>&1; }
axfr -y "$K" | grep -q 'Received .* (.* messages, .* records)' &&
    ok "AXFR with the key" || fail "AXFR with the key"
axfr | grep -q "error 'REFUSED'" && ok "AXFR without the key: REFUSED" ||
    fail "AXFR without the key was not refused"
axfr -y "hmac-sha256:xfr-key:c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTM=" |
    grep -q "NOTAUTH\|BADSIG" && ok "AXFR with a wrong secret: BADSIG" ||
    fail "AXFR with a wrong secret"
axfr -b 127.0.0.2 -y "$K" | grep -q "error 'REFUSED'" &&
    ok "AXFR from 127.0.0.2 (not in allow): REFUSED" ||
    fail "AXFR from an address not in allow was not refused"
grep -q "address not in transfer allow" "$T/serve.log" &&
    ok "the refusal is logged" || fail "the refusal is not logged"
[ "$FAILS" -eq 0 ] || cat "$T/serve.log"
finish
