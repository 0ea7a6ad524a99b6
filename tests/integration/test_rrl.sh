#!/usr/bin/env bash
# test_rrl.sh: response rate limiting (dns { rrl { } }, src/dnsbl/rrl.c)
# against real sockets.
#
# The daemon limits each /32 to 2 responses a second per name (window 15,
# slip 2). A python client bound to 127.0.0.2 floods one listed name with
# 300 queries at once; it must see some answers, some dropped and some
# truncated (TC, the slip), and fewer answers than queries. Meanwhile
# 127.0.0.3 asks 2 queries of each of 3 accounts (A, TXT, NXDOMAIN), each
# between two parts of the flood: every one is answered, since each of its
# accounts starts with a second of credit. 127.0.0.4 is exempt: its own
# flood is answered whole. After the flood, dig from 127.0.0.2 gets its
# answer over TCP after a slip (the retry RRL relies on). No timing
# thresholds: the rate is low and the flood large, so the counts do not
# depend on how fast the machine is (up to a flood lasting over 100 s).
#
# Environment: FAIRLIST (the binary), FAIRLIST_SRC (the source tree).
set -u
. "$FAIRLIST_SRC/tests/lib/common.sh"
set +e
need dig bind9-dnsutils
need python3 python3

port=$(free_port)
db=$T/fairlist.db
conf=$T/fairlist.conf
cat > "$conf" <<EOF
dns {
	listen 127.0.0.1:$port
	workers 1
	rrl {
		rate 2
		slip 2
		window 15
		ipv4-prefix 32
		exempt 127.0.0.4
	}
}
zone bl.test {
	txt "\$reason (listed \$listed); see \$url"
}
EOF
fl() { "$FAIRLIST" --db "$db" --config "$conf" "$@"; }
fl zone add bl.test >/dev/null || die "zone add"
fl add 192.0.2.1 --zone bl.test --reason "spam trap hit" \
    --evidence trap >/dev/null || die "add"
"$FAIRLIST" --db "$db" --config "$conf" serve >"$T/serve.log" 2>&1 &
pid=$!
PIDS="$pid"
# Wait from 127.0.0.5, an account of its own.
wait_for dig @127.0.0.1 -p "$port" -b 127.0.0.5 +short +time=1 +tries=1 \
    2.0.0.127.bl.test A || { cat "$T/serve.log"; die "serve did not answer"; }

out=$(python3 - "$port" <<'EOF'
import socket, struct, sys
port = int(sys.argv[1])

def query(qid, name, qtype=1):
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for lab in name.split("."):
        q += bytes([len(lab)]) + lab.encode()
    return q + b"\0" + struct.pack(">HH", qtype, 1)

def sock(src):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s

def drain(s, quiet=1.0):
    """Every answer until quiet seconds pass with none: (answered, tc)."""
    ans = tc = 0
    s.settimeout(quiet)
    while True:
        try:
            r = s.recv(4096)
        except socket.timeout:
            return ans, tc
        flags, an = struct.unpack(">H", r[2:4])[0], r[7]
        if flags & 0x0200:
            tc += 1
        elif an > 0:
            ans += 1

def ask(s, qid, name, qtype):
    """One query, one answer within 2 s: 1 if answered with data or an
    rcode, 0 if dropped or truncated."""
    s.send(query(qid, name, qtype))
    s.settimeout(2.0)
    try:
        r = s.recv(4096)
    except socket.timeout:
        return 0
    return 0 if struct.unpack(">H", r[2:4])[0] & 0x0200 else 1

flood, other = sock("127.0.0.2"), sock("127.0.0.3")
n, good, asked = 300, 0, 0
# The other client's 6 queries: 2 for each of 3 accounts.
mine = [("1.2.0.192.bl.test", 1), ("1.2.0.192.bl.test", 16),
        ("9.9.9.9.bl.test", 1)] * 2
for i in range(n):
    flood.send(query(i, "1.2.0.192.bl.test"))
    if i % 50 == 25 and asked < len(mine):
        good += ask(other, 1000 + asked, *mine[asked])
        asked += 1
ans, tc = drain(flood)
while asked < len(mine):
    good += ask(other, 1000 + asked, *mine[asked])
    asked += 1
ex = sock("127.0.0.4")
for i in range(100):
    ex.send(query(i, "1.2.0.192.bl.test"))
exans, extc = drain(ex)
print(n, ans, tc, n - ans - tc, asked, good, exans, extc)
EOF
)
read -r sent ans tc dropped asked good exans extc <<< "$out"
echo "flood from 127.0.0.2: $sent sent, $ans answered, $tc truncated (slip), $dropped dropped"
echo "127.0.0.3: $good of $asked answered; exempt 127.0.0.4: $exans of 100 answered, $extc truncated"
[ -n "$extc" ] || die "the python client failed: $out"
[ "$ans" -ge 1 ] && ok "flood: the first answers get through ($ans)" ||
    fail "flood: no answer at all"
[ "$ans" -lt "$sent" ] && ok "flood: fewer answers than queries" ||
    fail "flood: all $sent answered, want some limited"
[ "$tc" -ge 1 ] && ok "flood: limited answers slip as TC ($tc)" ||
    fail "flood: no TC slip"
[ "$dropped" -ge 1 ] && ok "flood: limited answers dropped ($dropped)" ||
    fail "flood: nothing dropped"
check "other client: every query answered" "$good" "$asked"
check "exempt client: every query answered" "$exans/$extc" "100/0"

# dig from the flooding address: dropped or slipped over UDP, then the
# slip sends it to TCP, where it is answered.
d=$(dig @127.0.0.1 -p "$port" -b 127.0.0.2 +time=2 +tries=2 +noedns \
    +nocookie 1.2.0.192.bl.test A 2>&1)
case $d in
*"Truncated, retrying in TCP mode"*) ok "dig: truncated, retried in TCP" ;;
*) fail "dig: no TC retry: $d" ;;
esac
check "dig: the answer over TCP" \
    "$(printf '%s\n' "$d" | awk '$4 == "A" && $1 ~ /^1\.2\.0\.192/ {print $5}')" \
    "127.0.0.2"

# Bad rrl blocks are refused, with the line and the reason.
bad() {
	local what=$1 block=$2 want=$3 out
	printf 'db %s/none.db\ndns {\n\trrl { %s }\n}\n' "$T" "$block" \
	    > "$T/bad.conf"
	out=$("$FAIRLIST" --config "$T/bad.conf" check --no-probe 127.0.0.1 2>&1)
	case $out in
	*"$want"*) ok "refused: $what" ;;
	*) fail "$what: got '$out', want '$want'" ;;
	esac
}
bad "no rate" "slip 2" "rrl needs 'rate N'"
bad "rate 0" "rate 0" "rrl rate: 0 is too small (at least 1)"
bad "rate too big" "rate 1000001" "rate: 1000001 is too large"
bad "slip 11" "rate 5; slip 11" "slip: 11 is too large"
bad "window 0" "rate 5; window 0" "rrl window: 0 is too small"
bad "ipv4-prefix 7" "rate 5; ipv4-prefix 7" "ipv4-prefix: 7 is too small"
bad "ipv6-prefix 129" "rate 5; ipv6-prefix 129" "ipv6-prefix: 129 is too large"
bad "bad exempt" "rate 5; exempt 10.0.0.1/8" "rrl exempt: 10.0.0.1/8"
bad "unknown key" "rate 5; burst 9" "unknown key 'burst'"

# Reload: rrl is read at startup only; a SIGHUP says so.
sed -i 's/rate 2/rate 3/' "$conf"
kill -HUP "$pid"
wait_for grep -q "rrl" "$T/serve.log"
grep -q "dns { listen, workers, tcp-\*, rrl }" "$T/serve.log" &&
    ok "SIGHUP: rrl needs a restart, and says so" ||
    fail "SIGHUP: no restart message for rrl: $(tail -3 "$T/serve.log")"
finish
