#!/usr/bin/env bash
# test_import_export.sh: "fairlist import" and "fairlist export" end to end:
# every format, malformed lines reported as FILE:LINE and skipped, --strict
# writing nothing, the duplicate rule and --replace, one audit row per
# import, the round trip export -> import into a fresh store -> export,
# real rbldnsd loading our ip4set and ip4trie exports and knotd loading
# our BIND export, each answering like our index (fairlist serve when
# built, else "fairlist show") for a sample of addresses.
. "$FAIRLIST_SRC/tests/lib/common.sh"

fl() { "$FAIRLIST" --db "$DB" "$@"; }
DB=$T/a.db

# run ARGS...: fl into $T/out and $T/err; sets RC.
run() {
	RC=0
	fl "$@" >"$T/out" 2>"$T/err" || RC=$?
}

count() {
	sqlite3 "$1" "SELECT count(*) FROM listing WHERE removed_at IS NULL"
}

# strip the export's header comment (it holds the time of the export).
body() { grep -v '^# fairlist export' "$1"; }

cat > "$T/list.ip4set" <<'EOF'
# a sample ip4set file
$SOA 0 ns.example. hostmaster.example. 0 1h 1h 2d 1h
:127.0.0.2:Listed: spam source
192.0.2.1
192.0.2.0/28 :3:range listed for $
10.0.0.1-10.0.0.6
!192.0.2.5
10.1
not-an-address
1.2.3.4/24
192.0.2.1
#@expires 2099-01-01
198.51.100.7 expires in 2099
#@expires never
203.0.113.9 :127.0.0.4
172.16.0.0/12 :5:big range
!172.16.1.0/24
172.16.1.128/25 :6:back in
!172.16.1.200
EOF

# 1. Import: malformed lines reported and skipped, summary on stdout; the
# exit status is 1 since lines were refused.
run import "$T/list.ip4set"
check "import exit" "$RC" "1"
check "import summary" "$(cat "$T/out")" \
    "$T/list.ip4set: 14 added, 0 replaced, 1 duplicates, 2 skipped (2 malformed, 0 refused by the store), 0 already expired"
check "malformed line reported" "$(grep -c "^$T/list.ip4set:9: " "$T/err")" "1"
check "host bits reported" "$(grep -c "^$T/list.ip4set:10: host bits" "$T/err")" "1"
check "\$SOA noted" "$(grep -c "^$T/list.ip4set:2: note:" "$T/err")" "1"
check "listings in store" "$(count "$DB")" "14"
check "one audit row for the import" \
    "$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE action = 'import'")" "1"
check "show: range member" "$(fl show 192.0.2.6 | head -1)" \
    "192.0.2.6 is listed in bl.fairlist.test"
check "show: exclusion" "$(fl show 192.0.2.5 | head -1)" \
    "192.0.2.5 is not listed"
# rbldnsd's "$" is the queried address: stored as "$ip" (the TXT splices it).
check "reason from the file" \
    "$(fl show 192.0.2.6 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["listings"][0]["reason"])')" \
    'range listed for $ip'
check "default line \$ kept, code" \
    "$(fl show 203.0.113.9 --json | python3 -c 'import json,sys; l=json.load(sys.stdin)["listings"][0]; print(l["code"], l["reason"])')" \
    "127.0.0.4 Listed: spam source"
check "#@expires applied" \
    "$(fl show 198.51.100.7 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["listings"][0]["expires_at"])')" \
    "2099-01-01T00:00:00Z"

# 2. Importing again: everything is a duplicate and nothing changes.
run import "$T/list.ip4set"
check "re-import: all duplicates" "$(cut -d: -f2- "$T/out")" \
    " 0 added, 0 replaced, 15 duplicates, 2 skipped (2 malformed, 0 refused by the store), 0 already expired"
check "re-import: store unchanged" "$(count "$DB")" "14"

# --replace: the file wins.
printf '192.0.2.1 :7:replaced reason\n192.0.2.1 :8:later line wins\n' > "$T/replace.ip4set"
run import --replace "$T/replace.ip4set"
check "--replace summary" "$(cut -d: -f2- "$T/out")" \
    " 1 added, 1 replaced, 1 duplicates, 0 skipped (0 malformed, 0 refused by the store), 0 already expired"
check "--replace: the later line" \
    "$(fl show 192.0.2.1 --json | python3 -c 'import json,sys; l=json.load(sys.stdin)["listings"][0]; print(l["code"], l["reason"])')" \
    "127.0.0.8 later line wins"
check "--replace: count unchanged" "$(count "$DB")" "14"

# 3. --strict: one bad line and nothing is written.
printf '203.0.113.50\n999.1.1.1\n203.0.113.51\n' > "$T/strict.ip4set"
audits=$(sqlite3 "$DB" "SELECT count(*) FROM audit")
run import --strict "$T/strict.ip4set"
check "--strict exit" "$RC" "1"
check "--strict reports the line" "$(grep -c "^$T/strict.ip4set:2: " "$T/err")" "1"
check "--strict wrote nothing" "$(count "$DB")" "14"
check "--strict no audit row" "$(sqlite3 "$DB" "SELECT count(*) FROM audit")" "$audits"
run import "$T/strict.ip4set" --reason "manual import" --expires 30d
check "non-strict imports the rest" "$(count "$DB")" "16"
check "--reason used without TXT" "$(fl show 203.0.113.50 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["listings"][0]["reason"])')" \
    "manual import"

# Usage errors.
run import --format csv "$T/strict.ip4set"
check "unknown format is a usage error" "$RC" "2"
run import "$T/strict.ip4set" --zone no.such.zone
check "unknown zone refused" "$RC" "1"
run import "$T/strict.ip4set" --expires yesterday
check "bad --expires refused" "$RC" "2"
run import "$T/no-such-file"
check "missing file refused" "$RC" "1"

# 4. The other formats.
printf ':127.0.1.2: v6 listed\n2001:db8::/32\n2001:21ab:def7:4242 :127.0.1.3: short form\n::1 # localhost\n!2001:db8::bead\n2001:db8:zz::\n' > "$T/list.ip6trie"
run import --format ip6trie "$T/list.ip6trie"
check "ip6trie import" "$(cut -d: -f2- "$T/out" | cut -d, -f1)" " 4 added"
check "ip6trie malformed" "$(grep -c ':6: ' "$T/err")" "1"
printf '# plain\n100.64.0.1\n100.64.1.0/24 # comment\n2001:db8:1::/48\n' > "$T/list.plain"
run import --format plain "$T/list.plain" --reason "plain list"
check "plain import" "$(cut -d: -f2- "$T/out" | cut -d, -f1)" " 3 added"
printf '10.9.0.0/16 :3:trie\n!10.9.1.0/24\n10.9.1.1-10.9.1.2\n' > "$T/list.ip4trie"
run import --format ip4trie "$T/list.ip4trie"
check "ip4trie refuses ranges" "$(grep -c ':3: ranges' "$T/err")" "1"

# 5. Round trip: export, import into a fresh store, export again.
for f in ip4trie ip6trie bind ip4set; do
	run export --format $f -o "$T/out1.$f"
	check "export $f" "$RC" "0"
done
check "ip4set export warns about IPv6" "$(grep -c '^fairlist: export: 5 IPv6 entries' "$T/err")" "1"
check "ip4set export warns about nested octet conflicts" \
    "$(grep -c 'differently in rbldnsd ip4set' "$T/err")" "1"
DB=$T/b.db
run import --format ip4trie "$T/out1.ip4trie"
check "round trip: ip4trie import" "$RC" "0"
run import --format ip6trie "$T/out1.ip6trie"
check "round trip: ip6trie import" "$RC" "0"
check "round trip: same count" "$(count "$T/b.db")" "$(count "$T/a.db")"
run export --format ip4trie -o "$T/out2.ip4trie"
run export --format ip6trie -o "$T/out2.ip6trie"
check "round trip: ip4trie identical" \
    "$(diff <(body "$T/out1.ip4trie") <(body "$T/out2.ip4trie") && echo same)" "same"
check "round trip: ip6trie identical" \
    "$(diff <(body "$T/out1.ip6trie") <(body "$T/out2.ip6trie") && echo same)" "same"
DB=$T/a.db

# BIND: SOA, NS, names; a CIDR over 256 addresses is not expanded.
check "bind SOA" "$(grep -c $'^@\t3600\tIN\tSOA\t' "$T/out1.bind")" "1"
check "bind /32" "$(grep -c $'^1.2.0.192\tIN\tA\t127.0.0.8' "$T/out1.bind")" "1"
check "bind range member" "$(grep -c $'^6.2.0.192\tIN\tA\t127.0.0.3' "$T/out1.bind")" "1"
check "bind exclusion omitted" "$(grep -c '^5.2.0.192' "$T/out1.bind")" "0"
check "bind test point" "$(grep -c $'^2.0.0.127\tIN\tA\t127.0.0.2' "$T/out1.bind")" "1"
check "bind /16 not expanded" "$(grep -c '^; 10.1.0.0/16 not expanded' "$T/out1.bind")" "1"
check "bind /25 inside an unexpanded /12" \
    "$(grep -c $'^129.1.16.172\tIN\tA\t127.0.0.6' "$T/out1.bind")" "1"
check "bind excluded /32 in the /25" "$(grep -c '^200.1.16.172' "$T/out1.bind")" "0"
# The SOA and NS come from dns { } exactly as the daemon serves them.
printf 'dns {\n\tns ns1.example.org ns2.example.org\n\tsoa-rname hostmaster.example.org\n\tttl 600\n\tns-ttl 7200\n\tnegative-ttl 120\n\trefresh 1800\n\tretry 600\n\texpire 1209600\n}\n' > "$T/dns.conf"
RC=0
"$FAIRLIST" --db "$DB" --config "$T/dns.conf" export --format bind -o "$T/conf.bind" 2>"$T/err" || RC=$?
check "bind with dns { }: exit" "$RC" "0"
check "bind with dns { }: SOA" \
    "$(grep -P '^@\t7200\tIN\tSOA\t' "$T/conf.bind" | cut -f5 | cut -d' ' -f1,2,4-)" \
    "ns1.example.org. hostmaster.example.org. 1800 600 1209600 120"
check "bind with dns { }: NS" "$(grep -cP '^@\t7200\tIN\tNS\tns[12]\.example\.org\.$' "$T/conf.bind")" "2"
check "bind with dns { }: TTL" "$(grep -c '^\$TTL 600$' "$T/conf.bind")" "1"
printf 'dns { ttl 99999999 }\n' > "$T/bad.conf"
RC=0
"$FAIRLIST" --db "$DB" --config "$T/bad.conf" export --format bind -o "$T/bad.bind" 2>"$T/err" || RC=$?
check "bind with a bad dns { }: refused" "$RC:$(grep -c 'bad.conf:1: ttl: 99999999 is too large' "$T/err")" "1:1"
printf 'dns { soa-rname "bad name..x" }\n' > "$T/bad.conf"
RC=0
"$FAIRLIST" --db "$DB" --config "$T/bad.conf" export --format bind -o "$T/bad.bind" 2>"$T/err" || RC=$?
check "bind with a bad SOA name: refused" "$RC:$(grep -c 'not a valid DNS name' "$T/err")" "1:1"
if command -v named-checkzone >/dev/null; then
	check "named-checkzone accepts the BIND export" \
	    "$(named-checkzone -q bl.fairlist.test "$T/out1.bind" && echo ok)" "ok"
else
	need named-checkzone bind9-utils
fi

# 6. rbldnsd loads our exports and answers like our index.
need rbldnsd rbldnsd
# A file with no ip4set octet-class conflicts, for the ip4set comparison.
cat > "$T/clean.ip4set" <<'EOF'
:127.0.0.2:clean
192.0.2.1
192.0.2.0/24 :3:range
!192.0.2.77
10.0.0.0/8 :4:ten
!10.1.0.0/16
10.1.2.0/24 :5:inside
10.1.2.7 :6:single
203.0.113.0-203.0.113.20
EOF
DB=$T/c.db
run import "$T/clean.ip4set"
check "clean import" "$RC" "0"
run export --format ip4set -o "$T/clean-out.ip4set"
check "clean ip4set export has no conflict warning" \
    "$(grep -c 'differently in rbldnsd' "$T/err")" "0"
run export --format ip4trie -o "$T/clean-out.ip4trie"

# Only entries of at most 256 addresses, for the BIND comparison.
cat > "$T/small.ip4set" <<'EOF2'
:127.0.0.2:small
192.0.2.1
192.0.2.0/24 :3:range
!192.0.2.77
198.51.100.0/25 :4:half
!198.51.100.64/27
198.51.100.70 :5:inside
203.0.113.0-203.0.113.20
EOF2
DB=$T/d.db
run import "$T/small.ip4set"
check "small import" "$RC" "0"
run export --format bind -o "$T/small.bind"
check "small BIND export: everything expanded" "$(cat "$T/err")" ""

# The sample: every entry's edges and neighbours, plus random addresses.
python3 - "$T" > "$T/sample" <<'PY'
import ipaddress, random, sys
random.seed(5782)
nets = []
for path in ("list.ip4set", "clean.ip4set", "small.ip4set"):
    for line in open(sys.argv[1] + "/" + path):
        w = line.strip().lstrip("!").split(" ")[0].split(":")[0]
        try:
            n = ipaddress.ip_network(w.split("-")[0] if "-" in w else w)
        except ValueError:
            continue
        if n.version == 4:
            nets.append(n)
s = set()
for n in nets:
    a, b = int(n.network_address), int(n.broadcast_address)
    for v in (a - 1, a, a + 1, b - 1, b, b + 1, random.randint(a, b)):
        if 0 < v < 2**32 - 1 and not (v >> 24) == 127:
            s.add(v)
for _ in range(200):
    s.add(random.choice([0x0a000000, 0xc0000200, 0xac100000, 0xcb007100]) +
          random.randint(0, 0x1ffff))
for v in sorted(s):
    print(ipaddress.ip_address(v))
PY
echo "     ($(wc -l < "$T/sample") sample addresses)"
SAMPLE=$T/sample

# answers PORT ZONE: "addr A-records|NX" per sample address, over UDP.
answers() {
	python3 - "$1" "$2" "$SAMPLE" <<'PY'
import ipaddress, socket, struct, sys
port, zone = int(sys.argv[1]), sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
for i, ip in enumerate(open(sys.argv[3]).read().split()):
    if ":" in ip:
        name = ipaddress.ip_address(ip).reverse_pointer[:-len("ip6.arpa")] + zone
    else:
        name = ".".join(reversed(ip.split("."))) + "." + zone
    q = struct.pack(">HHHHHH", i & 0xffff, 0x0100, 1, 0, 0, 0)
    q += b"".join(bytes([len(l)]) + l.encode() for l in name.split("."))
    q += b"\0" + struct.pack(">HH", 1, 1)
    for attempt in range(3):
        s.sendto(q, ("127.0.0.1", port))
        try:
            r = s.recv(4096)
        except socket.timeout:
            continue
        if struct.unpack(">H", r[:2])[0] == i & 0xffff:
            break
    else:
        print(ip, "TIMEOUT")
        sys.exit(0)     # the server is gone: the diff shows it
    an = struct.unpack(">H", r[6:8])[0]
    off = len(q)
    out = []
    for _ in range(an):
        while r[off] != 0:
            if r[off] & 0xc0 == 0xc0:
                off += 1
                break
            off += r[off] + 1
        off += 1
        t, c, ttl, rdl = struct.unpack(">HHIH", r[off:off + 10])
        off += 10
        if t == 1:
            out.append(".".join(str(x) for x in r[off:off + 4]))
        off += rdl
    print(ip, ",".join(sorted(out)) or "NX")
PY
}

# rbldnsd_answers FORMAT FILE ZONE: start rbldnsd on the file, query it.
rbldnsd_answers() {
	local port d
	port=$(free_port)
	d=$(mktemp -d "$T/rbl.XXXX")
	cp "$2" "$d/data"
	# rbldnsd refuses to run as root; it reads the data as that user.
	chmod 755 "$T" "$d"
	chmod 644 "$d/data"
	rbldnsd -n $(if [ "$(id -u)" = 0 ]; then echo "-u nobody"; fi) \
	    -b "127.0.0.1/$port" -w "$d" "$3:$1:data" >"$d/log" 2>&1 &
	local pid=$!
	PIDS="$PIDS $pid"
	if ! wait_for dig @127.0.0.1 -p "$port" +tries=1 +time=1 "$3" SOA; then
		echo "rbldnsd did not start:" >&2
		cat "$d/log" >&2
	fi
	answers "$port" "$3"
	kill "$pid" 2>/dev/null || true
}

# our_answers DB ZONE: fairlist serve if built, else "fairlist show".
our_answers() {
	local port pid
	if "$FAIRLIST" serve --help 2>&1 | grep -q 'not built yet'; then
		echo "     (fairlist serve not built: comparing with 'fairlist show')" >&2
		while read -r ip; do
			"$FAIRLIST" --db "$1" show "$ip" --json | python3 -c '
import json, sys
j = json.load(sys.stdin)
ls = j["listings"]
best = ls[0] if ls else None
print(sys.argv[1], "NX" if best is None or best["exclude"] else
    best.get("code") or "127.0.0.2")' "$ip"
		done < "$SAMPLE"
		return
	fi
	port=$(free_port)
	printf 'db %s\ndns {\n\tlisten 127.0.0.1:%s\n}\n' "$1" "$port" > "$T/serve.conf"
	"$FAIRLIST" --config "$T/serve.conf" serve 2>"$T/serve.log" &
	pid=$!
	PIDS="$PIDS $pid"
	wait_for dig @127.0.0.1 -p "$port" +tries=1 +time=1 2.0.0.127."$2" A ||
	    cat "$T/serve.log" >&2
	answers "$port" "$2"
	# One TXT answer, to compare the BIND export's expanded template.
	dig @127.0.0.1 -p "$port" +short +tries=1 +time=2 \
	    70.100.51.198."$2" TXT > "$T/txt-$(basename "$1")"
	kill "$pid" 2>/dev/null || true
}

our_answers "$T/a.db" bl.fairlist.test > "$T/ours-a"
our_answers "$T/c.db" bl.fairlist.test > "$T/ours-c"
rbldnsd_answers ip4trie "$T/out1.ip4trie" bl.fairlist.test > "$T/rbl-a-trie"
rbldnsd_answers ip4trie "$T/clean-out.ip4trie" bl.fairlist.test > "$T/rbl-c-trie"
rbldnsd_answers ip4set "$T/clean-out.ip4set" bl.fairlist.test > "$T/rbl-c-set"
[ "$(grep -c ' NX$' "$T/ours-a")" -gt 20 ] && [ "$(grep -vc ' NX$' "$T/ours-a")" -gt 20 ] ||
    { echo "FAIL sample too one-sided"; FAILS=$((FAILS + 1)); }
check "rbldnsd ip4trie (nested, exclusions) answers like fairlist" \
    "$(diff "$T/ours-a" "$T/rbl-a-trie" | head -5)" ""
check "rbldnsd ip4trie (clean) answers like fairlist" \
    "$(diff "$T/ours-c" "$T/rbl-c-trie" | head -5)" ""
check "rbldnsd ip4set answers like fairlist" \
    "$(diff "$T/ours-c" "$T/rbl-c-set" | head -5)" ""

# IPv6: rbldnsd ip6trie on our ip6trie export.
cat > "$T/sample6" <<'EOF2'
2001:db8::
2001:db8::1
2001:db8::bead
2001:db8::beae
2001:db8:ffff:ffff:ffff:ffff:ffff:ffff
2001:db9::
2001:db7:ffff:ffff:ffff:ffff:ffff:ffff
2001:db8:1::
2001:db8:1:ffff::1
2001:db8:2::
2001:21ab:def7:4242::
2001:21ab:def7:4242:ffff:ffff:ffff:ffff
2001:21ab:def7:4243::
::1
::2
EOF2
SAMPLE=$T/sample6
our_answers "$T/a.db" bl.fairlist.test > "$T/ours-a6"
rbldnsd_answers ip6trie "$T/out1.ip6trie" bl.fairlist.test > "$T/rbl-a6"
check "rbldnsd ip6trie answers like fairlist" \
    "$(diff "$T/ours-a6" "$T/rbl-a6" | head -5)" ""
check "IPv6 sample has listed addresses" \
    "$(grep -vc ' NX$' "$T/ours-a6")" "10"
SAMPLE=$T/sample

# knotd loads the BIND export and answers like fairlist.
if command -v knotd >/dev/null; then
	kport=$(free_port)
	mkdir -p "$T/knot"
	cp "$T/small.bind" "$T/knot/zone.bind"
	cat > "$T/knot/knot.conf" <<KNOT
server:
    listen: 127.0.0.1@$kport
    rundir: $T/knot
database:
    storage: $T/knot/db
template:
  - id: default
    storage: $T/knot
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: bl.fairlist.test
    file: zone.bind
KNOT
	knotd -c "$T/knot/knot.conf" >"$T/knot/log" 2>&1 &
	PIDS="$PIDS $!"
	wait_for dig @127.0.0.1 -p "$kport" +tries=1 +time=1 bl.fairlist.test SOA ||
	    cat "$T/knot/log" >&2
	our_answers "$T/d.db" bl.fairlist.test > "$T/ours-d"
	answers "$kport" bl.fairlist.test > "$T/knot-d"
	check "knotd on the BIND export answers like fairlist" \
	    "$(diff "$T/ours-d" "$T/knot-d" | head -5)" ""
	check "knotd TXT is the zone template, expanded" \
	    "$(dig @127.0.0.1 -p "$kport" +short 70.100.51.198.bl.fairlist.test TXT | cut -d'(' -f1)" \
	    '"inside '
	if [ -s "$T/txt-d.db" ]; then
		check "knotd TXT equals fairlist serve's TXT" \
		    "$(dig @127.0.0.1 -p "$kport" +short 70.100.51.198.bl.fairlist.test TXT)" \
		    "$(cat "$T/txt-d.db")"
	fi
else
	need knotd knot
fi
finish
