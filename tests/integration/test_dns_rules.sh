#!/usr/bin/env bash
# test_dns_rules.sh: the RFC 5782 answer rules of `fairlist serve`, checked
# with two real clients (dig and kdig) over UDP and TCP, with and without
# EDNS, plus raw packets for the malformed cases.
#
# Starts the daemon on a random loopback port with a temporary store and
# configuration, lists addresses with `fairlist add`, then compares each
# answer, normalised to one line (status, flags, EDNS, records), with the
# wanted line. Prints got/want for every failure and exits non-zero if any.
#
# Environment: FAIRLIST (the binary), FAIRLIST_SRC (the source tree).
set -u

FAIRLIST=${FAIRLIST:?set FAIRLIST to the fairlist binary}
FAIRLIST_SRC=${FAIRLIST_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$FAIRLIST_SRC/tests/lib/common.sh"
set +e	# each step checks its own status
need dig bind9-dnsutils
need kdig knot-dnsutils
need python3 python3

tmp=$T
pid=
cleanup() {
	local i
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		for i in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			echo "warning: fairlist serve ignored SIGTERM for 5 s"
			kill -9 "$pid" 2>/dev/null
		fi
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

port=$(free_port)

db=$tmp/fairlist.db
conf=$tmp/fairlist.conf
sed "s/@PORT@/$port/" > "$conf" <<'EOF'
dns {
	listen 127.0.0.1:@PORT@
	workers 1
	ttl 2100
	ns-ttl 86400
	negative-ttl 300
	ns ns1.bl.test ns2.example.net
	soa-rname hostmaster.bl.test
	refresh 3600
	retry 900
	expire 604800
}
zone bl.test {
	code 127.0.0.2
	txt "$reason, expires $expires, see $url"
	url "https://bl.test/lookup/$ip"
}
zone big.test {
	code 127.0.0.4
	txt "$reason|$reason|$reason|$reason|$reason"
	url "https://big.test/$ip"
}
zone other.example {
	code 127.0.0.3
	txt "$zone says $reason for $ip, listed $listed"
	url "https://other.example/$ip"
}
EOF

fl() { "$FAIRLIST" --db "$db" --config "$conf" "$@"; }

# The zones are written into the store by `serve` at startup; create them
# first so that `add` can use them, then list before serving.
fl zone add bl.test >/dev/null || exit 1
fl zone add big.test >/dev/null || exit 1
fl zone add other.example >/dev/null || exit 1
long=$(python3 -c 'print("L" + "x" * 498 + "R")')
fl add 192.0.2.1 --zone bl.test --reason "spam trap hit" \
    --evidence "trap" --expires 2030-01-01 >/dev/null || exit 1
fl add 198.51.100.0/24 --zone bl.test --reason "dirty range" \
    --evidence "report" --code 127.0.0.3 >/dev/null || exit 1
fl add 198.51.100.7 --zone bl.test --exclude --reason "a good neighbour" \
    >/dev/null || exit 1
fl add 2001:db8::1 --zone bl.test --reason "v6 spam" --evidence "trap" \
    >/dev/null || exit 1
fl add 192.0.2.1 --zone big.test --reason "$long" --evidence "trap" \
    >/dev/null || exit 1
fl add 10.0.0.0/8 --zone other.example --reason "ten" --evidence "x" \
    >/dev/null || exit 1

# Not through fl(): $! must be the daemon itself, not a subshell.
"$FAIRLIST" --db "$db" --config "$conf" serve >"$tmp/serve.log" 2>&1 &
pid=$!
# Wait until it answers (the test point is always there).
for _ in $(seq 50); do
	if dig @127.0.0.1 -p "$port" +short +time=1 +tries=1 \
	    2.0.0.127.bl.test A 2>/dev/null | grep -q 127.0.0.2; then
		break
	fi
	sleep 0.1
done

fails=0
checks=0

# Run one client and print its answer as one line:
#   STATUS flags | edns=UDP|none | AN rr; rr | NS rr; rr
# tool: dig or kdig; the rest are that client's arguments.
ask() {
	local tool=$1 limits
	shift
	# Each client spells its timeout and retry options its own way.
	if [ "$tool" = dig ]; then
		limits="+time=2 +tries=1 +noednsneg"
	else
		limits="+timeout=2 +retry=0"
	fi
	# shellcheck disable=SC2086
	"$tool" @127.0.0.1 -p "$port" +norec $limits "$@" 2>&1 |
	awk -v tool="$tool" '
	/->>HEADER<<-/ {
		match($0, /status: [A-Z]+/)
		status = substr($0, RSTART + 8, RLENGTH - 8)
	}
	/^;; [Ff]lags:/ {
		f = $0
		sub(/^;; [Ff]lags: */, "", f)
		sub(/;.*/, "", f)
		gsub(/ +/, " ", f)
		sub(/ $/, "", f)
		flags = f
	}
	/^; EDNS: version/ { match($0, /udp: [0-9]+/)
		edns = substr($0, RSTART + 5, RLENGTH - 5) }
	/^;; Version: [0-9]+; flags/ { match($0, /UDP size: [0-9]+/)
		edns = substr($0, RSTART + 10, RLENGTH - 10)
		if ($0 ~ /ext-rcode: BADVERS/) status = "BADVERS" }
	/^;; ANSWER SECTION:/ { sec = "AN"; next }
	/^;; AUTHORITY SECTION:/ { sec = "NS"; next }
	/^;; ADDITIONAL SECTION:/ { sec = "AR"; next }
	/^;/ || /^$/ { if ($0 ~ /^$/) sec = ""; next }
	sec != "" {
		r = $0
		gsub(/[ \t]+/, " ", r)
		rr[sec] = rr[sec] (rr[sec] == "" ? "" : "; ") r
	}
	/timed out|no servers could be reached|ERROR:/ { err = 1 }
	END {
		if (err && status == "") { print "NO ANSWER"; exit }
		line = status " " flags " | edns=" (edns == "" ? "none" : edns)
		if (rr["AN"] != "") line = line " | AN " rr["AN"]
		if (rr["NS"] != "") line = line " | NS " rr["NS"]
		print line
	}'
}

# expect WHAT WANT TOOL ARGS...: one answer, compared exactly.
expect() {
	local what=$1 want=$2 tool=$3 got
	shift 3
	got=$(ask "$tool" "$@")
	checks=$((checks + 1))
	# kdig prints names in lower case whatever the wire holds: the case
	# checks compare its output without case (dig and raw bytes do not).
	if [ "$tool" = kdig ] && [ -n "${KDIG_NOCASE:-}" ]; then
		got=${got,,}
		want=${want,,}
	fi
	if [ "$got" != "$want" ]; then
		fails=$((fails + 1))
		printf 'FAIL %s [%s %s]\n  got  %s\n  want %s\n' "$what" "$tool" \
		    "$*" "$got" "$want"
	fi
}

# both WHAT WANT ARGS...: the same answer from dig and kdig over UDP and
# TCP, without EDNS (edns=none in WANT) and with it (edns=4096).
both() {
	local what=$1 want=$2 tool wantedns
	shift 2
	wantedns=${want/edns=none/edns=4096}
	# dig sends ANY over TCP unless told +notcp.
	for tool in dig kdig; do
		expect "$what" "$want" "$tool" +noedns +notcp "$@"
		expect "$what" "$want" "$tool" +noedns +tcp "$@"
		expect "$what (EDNS)" "$wantedns" "$tool" +edns +notcp "$@"
		expect "$what (EDNS)" "$wantedns" "$tool" +edns +tcp "$@"
	done
}

serial=$(dig @127.0.0.1 -p "$port" +short bl.test SOA | awk '{print $3}')
big_serial=$(dig @127.0.0.1 -p "$port" +short big.test SOA | awk '{print $3}')
if [ -z "$serial" ] || [ -z "$big_serial" ]; then
	echo "FAIL: no SOA from the server"
	cat "$tmp/serve.log"
	exit 1
fi
soa="NS bl.test. 300 IN SOA ns1.bl.test. hostmaster.bl.test. $serial 3600 900 604800 300"
tp_txt='"RFC 5782 test point, expires never, see https://bl.test/lookup/127.0.0.2"'
v6=1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2
V6=1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2
v6no=2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2

# RFC 5782 section 5: test points.
both "test point A" "NOERROR qr aa | edns=none | AN 2.0.0.127.bl.test. 2100 IN A 127.0.0.2" \
    2.0.0.127.bl.test A
both "test point TXT" "NOERROR qr aa | edns=none | AN 2.0.0.127.bl.test. 2100 IN TXT $tp_txt" \
    2.0.0.127.bl.test TXT
both "test point 127.0.0.1 not listed" "NXDOMAIN qr aa | edns=none | $soa" \
    1.0.0.127.bl.test A

# Listed addresses: codes, TXT, ANY; other types NODATA.
both "listed A" "NOERROR qr aa | edns=none | AN 1.2.0.192.bl.test. 2100 IN A 127.0.0.2" \
    1.2.0.192.bl.test A
both "listed TXT" "NOERROR qr aa | edns=none | AN 1.2.0.192.bl.test. 2100 IN TXT \"spam trap hit, expires 2030-01-01T00:00:00Z, see https://bl.test/lookup/192.0.2.1\"" \
    1.2.0.192.bl.test TXT
# RFC 8482 section 4.1: ANY gets one RRset, the A record (UDP and TCP).
both "listed ANY" "NOERROR qr aa | edns=none | AN 1.2.0.192.bl.test. 2100 IN A 127.0.0.2" \
    1.2.0.192.bl.test ANY
both "listed AAAA is NODATA" "NOERROR qr aa | edns=none | $soa" \
    1.2.0.192.bl.test AAAA
both "listed MX is NODATA" "NOERROR qr aa | edns=none | $soa" \
    1.2.0.192.bl.test MX
both "range with its own code" "NOERROR qr aa | edns=none | AN 5.100.51.198.bl.test. 2100 IN A 127.0.0.3" \
    5.100.51.198.bl.test A
both "exclusion inside the range" "NXDOMAIN qr aa | edns=none | $soa" \
    7.100.51.198.bl.test A
both "unlisted" "NXDOMAIN qr aa | edns=none | $soa" 9.9.9.9.bl.test A
both "unlisted TXT" "NXDOMAIN qr aa | edns=none | $soa" 9.9.9.9.bl.test TXT

# Case: matched without it, echoed with it.
KDIG_NOCASE=1
both "upper case" "NOERROR qr aa | edns=none | AN 1.2.0.192.BL.TEST. 2100 IN A 127.0.0.2" \
    1.2.0.192.BL.TEST A
both "mixed case NXDOMAIN" "NXDOMAIN qr aa | edns=none | NS bL.TeSt. 300 IN SOA ns1.bL.TeSt. hostmaster.bL.TeSt. $serial 3600 900 604800 300" \
    9.9.9.9.bL.TeSt A
KDIG_NOCASE=

# Zone apex.
both "apex SOA" "NOERROR qr aa | edns=none | AN bl.test. 86400 IN SOA ns1.bl.test. hostmaster.bl.test. $serial 3600 900 604800 300" \
    bl.test SOA
both "apex NS" "NOERROR qr aa | edns=none | AN bl.test. 86400 IN NS ns1.bl.test.; bl.test. 86400 IN NS ns2.example.net." \
    bl.test NS
both "apex ANY is the SOA alone" "NOERROR qr aa | edns=none | AN bl.test. 86400 IN SOA ns1.bl.test. hostmaster.bl.test. $serial 3600 900 604800 300" \
    bl.test ANY
both "unlisted ANY" "NXDOMAIN qr aa | edns=none | $soa" 9.9.9.9.bl.test ANY
both "apex A is NODATA" "NOERROR qr aa | edns=none | $soa" bl.test A
both "apex TXT is NODATA" "NOERROR qr aa | edns=none | $soa" bl.test TXT

# Outside every zone, or not class IN: REFUSED, no AA.
both "outside the zones" "REFUSED qr | edns=none" example.com A
both "suffix not on a label" "REFUSED qr | edns=none" xbl.test A
both "class CH" "REFUSED qr | edns=none" version.bind TXT CH

# Empty non-terminals: NOERROR, no data; other names NXDOMAIN.
both "ENT /8" "NOERROR qr aa | edns=none | $soa" 127.bl.test A
both "ENT /24 of a listing" "NOERROR qr aa | edns=none | $soa" 2.0.192.bl.test TXT
both "ENT inside a range" "NOERROR qr aa | edns=none | $soa" 100.51.198.bl.test A
both "not an ENT" "NXDOMAIN qr aa | edns=none | $soa" 9.9.bl.test A
both "leading zero is not an address" "NXDOMAIN qr aa | edns=none | $soa" \
    01.2.0.192.bl.test A
both "octet 256" "NXDOMAIN qr aa | edns=none | $soa" 1.2.0.256.bl.test A
both "a word" "NXDOMAIN qr aa | edns=none | $soa" www.bl.test A

# IPv6 nibbles (RFC 5782 section 2.4).
both "IPv6 listed" "NOERROR qr aa | edns=none | AN $v6.bl.test. 2100 IN A 127.0.0.2" \
    "$v6.bl.test" A
KDIG_NOCASE=1
both "IPv6 upper-case nibbles" "NOERROR qr aa | edns=none | AN $V6.bl.test. 2100 IN A 127.0.0.2" \
    "$V6.bl.test" A
KDIG_NOCASE=
both "IPv6 TXT" "NOERROR qr aa | edns=none | AN $v6.bl.test. 2100 IN TXT \"v6 spam, expires never, see https://bl.test/lookup/2001:db8::1\"" \
    "$v6.bl.test" TXT
both "IPv6 unlisted" "NXDOMAIN qr aa | edns=none | $soa" "$v6no.bl.test" A
both "IPv6 ENT" "NOERROR qr aa | edns=none | $soa" 8.b.d.0.1.0.0.2.bl.test A

# Several zones, each with its own code and template.
both "other zone code" "NOERROR qr aa | edns=none | AN 1.2.3.10.other.example. 2100 IN A 127.0.0.3" \
    1.2.3.10.other.example A
got=$(ask dig +noedns 1.2.3.10.other.example TXT)
checks=$((checks + 1))
if ! [[ $got =~ \"other\.example\ says\ ten\ for\ 10\.3\.2\.1,\ listed\ [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\"$ ]]; then
	fails=$((fails + 1))
	printf 'FAIL other zone TXT\n  got  %s\n  want ... "other.example says ten for 10.3.2.1, listed YYYY-MM-DDTHH:MM:SSZ"\n' "$got"
fi
both "other zone test point" "NOERROR qr aa | edns=none | AN 2.0.0.127.other.example. 2100 IN A 127.0.0.3" \
    2.0.0.127.other.example A

# EDNS (RFC 6891): BADVERS for version 1, with the OPT it needs.
for tool in dig kdig; do
	expect "EDNS version 1" "BADVERS qr | edns=4096" "$tool" +edns=1 \
	    2.0.0.127.bl.test A
	expect "EDNS version 1 over TCP" "BADVERS qr | edns=4096" "$tool" \
	    +edns=1 +tcp 2.0.0.127.bl.test A
done

# A 2,504-byte TXT: too big for 512 bytes, fits 4096; always over TCP.
bigtxt_len() {
	# Sum of the character-strings of the TXT answer, from dig.
	dig @127.0.0.1 -p "$port" +norec +time=2 +tries=1 "$@" \
	    1.2.0.192.big.test TXT 2>&1 | awk '
	/^;; ->>HEADER/ { match($0, /status: [A-Z]+/); st = substr($0, RSTART + 8, RLENGTH - 8) }
	/^;; flags:/ { tc = ($0 ~ / tc[ ;]/) ? "tc" : "notc" }
	/^;; MSG SIZE/ { size = $NF }
	/IN[ \t]+TXT/ { t = $0; sub(/.*IN[ \t]+TXT[ \t]+/, "", t)
		n = 0; while (match(t, /"[^"]*"/)) { n += RLENGTH - 2; t = substr(t, RSTART + RLENGTH) }
		len += n }
	END { printf "%s %s txt=%d size=%s\n", st, tc, len, (size == "" ? 0 : size) }'
}
big_want_txt=$(( 5 * 500 + 4 ))
check_big() {
	local what=$1 want=$2 got
	shift 2
	got=$(bigtxt_len "$@")
	checks=$((checks + 1))
	if ! [[ $got =~ $want ]]; then
		fails=$((fails + 1))
		printf 'FAIL %s [dig %s]\n  got  %s\n  want %s\n' "$what" "$*" \
		    "$got" "$want"
	fi
}
check_big "big TXT over UDP, no EDNS: TC, empty" \
    "^NOERROR tc txt=0 size=[0-9]+$" +noedns +ignore
check_big "big TXT over UDP, EDNS 1232: TC, empty" \
    "^NOERROR tc txt=0 size=[0-9]+$" +bufsize=1232 +ignore
check_big "big TXT over UDP, EDNS 4096" \
    "^NOERROR notc txt=$big_want_txt size=(2[5-9][0-9][0-9]|3[0-9]{3})$" \
    +bufsize=4096 +ignore
check_big "big TXT over TCP" \
    "^NOERROR notc txt=$big_want_txt size=(2[5-9][0-9][0-9]|3[0-9]{3})$" \
    +noedns +tcp
check_big "big TXT: dig falls back to TCP after TC" \
    "^NOERROR notc txt=$big_want_txt size=(2[5-9][0-9][0-9]|3[0-9]{3})$" \
    +noedns
got=$(kdig @127.0.0.1 -p "$port" +norec +timeout=2 +retry=0 +tcp \
    1.2.0.192.big.test TXT 2>&1 | grep -o 'Received [0-9]* B')
checks=$((checks + 1))
if ! [[ $got =~ ^Received\ (2[5-9][0-9][0-9]|3[0-9]{3})\ B$ ]]; then
	fails=$((fails + 1))
	printf 'FAIL big TXT over TCP [kdig]\n  got  %s\n  want Received 2500-3999 B\n' "$got"
fi
expect "big TXT over UDP, no EDNS: TC" "NOERROR qr aa tc | edns=none" \
    kdig +ignore 1.2.0.192.big.test TXT
expect "big TXT over UDP, EDNS 1232: TC" "NOERROR qr aa tc | edns=4096" \
    kdig +ignore +bufsize=1232 1.2.0.192.big.test TXT

# Raw packets: FORMERR echoing the id, nothing for a response packet.
raw=$(python3 - "$port" <<'EOF'
import socket, struct, sys
port = int(sys.argv[1])
def name(n):
    return b''.join(bytes([len(l)]) + l.encode() for l in n.split('.')) + b'\0'
def hdr(id, flags, qd=1, an=0, ns=0, ar=0):
    return struct.pack('>HHHHHH', id, flags, qd, an, ns, ar)
q = name('2.0.0.127.bl.test') + struct.pack('>HH', 1, 1)
def udp(pkt):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1.0)
    s.sendto(pkt, ('127.0.0.1', port))
    try:
        return s.recv(65535)
    except socket.timeout:
        return None
def tcp(pkt):
    s = socket.create_connection(('127.0.0.1', port), timeout=2)
    s.sendall(struct.pack('>H', len(pkt)) + pkt)
    try:
        n = struct.unpack('>H', s.recv(2))[0]
        b = b''
        while len(b) < n:
            c = s.recv(n - len(b))
            if not c:
                break
            b += c
        return b
    except (socket.timeout, struct.error):
        return None
def show(what, r):
    if r is None:
        print(what, 'none')
        return
    id, fl, qd, an, ns, ar = struct.unpack('>HHHHHH', r[:12])
    print(what, 'id=%04x rcode=%d qr=%d aa=%d qd=%d an=%d ns=%d ar=%d' %
          (id, fl & 15, fl >> 15, (fl >> 10) & 1, qd, an, ns, ar))
show('trailing', udp(hdr(0x1234, 0x0100) + q + b'junk'))
show('trailing-tcp', tcp(hdr(0x1235, 0x0100) + q + b'junk'))
show('compressed', udp(hdr(0x2345, 0x0100) + b'\xc0\x0c\x00\x01\x00\x01'))
show('qdcount2', udp(hdr(0x3456, 0x0100, qd=2) + q + q))
show('response', udp(hdr(0x4567, 0x8400) + q))
show('runt', udp(b'\x56\x78\x01\x00\x00\x01'))
show('notify', udp(hdr(0x6789, 0x2000) + q))
show('ok', udp(hdr(0x789a, 0x0000) + q))
# Case echo on the wire: the question as sent, the answer owner a pointer
# to it, and the SOA owner a pointer into it.
mixed = name('9.9.9.9.Bl.TeSt') + struct.pack('>HH', 1, 1)
r = udp(hdr(0x89ab, 0x0000) + mixed)
if r is None:
    print('case none')
else:
    n = 12 + len(mixed)
    print('case', r[12:12 + len(mixed) - 4] == mixed[:-4], r[n:n + 2].hex())
r = udp(hdr(0x9abc, 0x0000) + name('2.0.0.127.bL.tEsT') + struct.pack('>HH', 1, 1))
def text(w):
    out, i = [], 0
    while w[i]:
        out.append(w[i + 1:i + 1 + w[i]].decode('latin1'))
        i += 1 + w[i]
    return '.'.join(out)
print('case-answer', None if r is None else text(r[12:31]),
      None if r is None else r[35:37].hex())
EOF
)
want_raw='trailing id=1234 rcode=1 qr=1 aa=0 qd=1 an=0 ns=0 ar=0
trailing-tcp id=1235 rcode=1 qr=1 aa=0 qd=1 an=0 ns=0 ar=0
compressed id=2345 rcode=1 qr=1 aa=0 qd=0 an=0 ns=0 ar=0
qdcount2 id=3456 rcode=1 qr=1 aa=0 qd=0 an=0 ns=0 ar=0
response none
runt none
notify id=6789 rcode=4 qr=1 aa=0 qd=0 an=0 ns=0 ar=0
ok id=789a rcode=0 qr=1 aa=1 qd=1 an=1 ns=0 ar=0
case True c014
case-answer 2.0.0.127.bL.tEsT c00c'
checks=$((checks + 1))
if [ "$raw" != "$want_raw" ]; then
	fails=$((fails + 1))
	printf 'FAIL raw packets\n  got\n%s\n  want\n%s\n' "$raw" "$want_raw"
fi

# The daemon survived all of it.
checks=$((checks + 1))
if ! kill -0 "$pid" 2>/dev/null; then
	fails=$((fails + 1))
	echo "FAIL the daemon died"
	cat "$tmp/serve.log"
fi

echo "test_dns_rules: $checks checks, $fails failed"
if [ "$fails" -ne 0 ]; then
	echo "--- serve log"
	tail -n 20 "$tmp/serve.log"
	exit 1
fi
CHECKS=$checks
finish
