#!/usr/bin/env bash
# test_mapped_v4.sh: issue 9, item 2. One rule for DNS, show and remove:
# an IPv4-mapped address (::ffff:a.b.c.d) is the IPv4 address, and an IPv6
# prefix never matches an IPv4 query. Checked with dig against the daemon
# and with show, on rows written today and on a row an older fairlist
# wrote as IPv6 (family 6, mapped address).
. "$FAIRLIST_SRC/tests/lib/common.sh"
command -v dig >/dev/null || { echo "FAIL dig missing (Debian package bind9-dnsutils)"; exit 1; }
command -v sqlite3 >/dev/null || { echo "FAIL sqlite3 missing (Debian package sqlite3)"; exit 1; }

port=$(free_port)
db=$T/fl.db
cat > "$T/fl.conf" <<CONF
db $db
dns {
	listen 127.0.0.1:$port
	reload-interval 100
	snapshot-cache no
}
CONF
fl() { "$FAIRLIST" --config "$T/fl.conf" "$@"; }
q() { dig @127.0.0.1 -p "$port" +short +tries=1 +time=2 "$@"; }
# The 32 reversed nibbles of an IPv6 address, for a DNSBL query name.
nibbles() { python3 -c 'import ipaddress, sys
print(".".join(reversed(ipaddress.ip_address(sys.argv[1]).exploded.replace(":", ""))))' "$1"; }
zone=bl.fairlist.test

check "add mapped: stored as IPv4" \
    "$(fl add ::ffff:192.0.2.50 --reason "mapped" --evidence e | cut -d' ' -f1-2)" \
    "listed 192.0.2.50"
check "add the IPv4 form again: a duplicate" \
    "$(fl add 192.0.2.50 --reason "again" --evidence e 2>&1 >/dev/null)" \
    "fairlist: add: already listed: 192.0.2.50 in $zone (id 1)"
fl add ::/0 --reason "all of IPv6" --evidence e >/dev/null
fl add 192.0.2.51 --reason "old row" --evidence e >/dev/null
# What an older fairlist wrote for "add ::ffff:192.0.2.51": family 6.
sqlite3 "$db" "UPDATE listing SET family = 6 WHERE reason = 'old row'"

"$FAIRLIST" --config "$T/fl.conf" serve 2>"$T/serve.log" &
PIDS="$PIDS $!"
wait_for q 2.0.0.127.$zone A || { cat "$T/serve.log"; exit 1; }

check "DNS: mapped listing answers for the IPv4 name" \
    "$(q 50.2.0.192.$zone A)" "127.0.0.2"
check "show: the same address is listed" \
    "$(fl show 192.0.2.50 | head -1)" "192.0.2.50 is listed in $zone"
check "show: in mapped form too" \
    "$(fl show ::ffff:192.0.2.50 | head -1)" "192.0.2.50 is listed in $zone"
check "show --json: one listing, IPv4 prefix" \
    "$(fl show 192.0.2.50 --json | jq -r '[.listings[].prefix] | join(",")')" \
    "192.0.2.50"
check "DNS: old family-6 row answers for the IPv4 name" \
    "$(q 51.2.0.192.$zone A)" "127.0.0.2"
check "show: old family-6 row is listed" \
    "$(fl show 192.0.2.51 | head -1)" "192.0.2.51 is listed in $zone"
check "DNS: ::/0 does not list IPv4" "$(q 99.2.0.192.$zone A)" ""
check "DNS: ::/0 lists IPv6" "$(q "$(nibbles 2001:db8::99).$zone" A)" "127.0.0.2"
check "show: ::/0 does not cover IPv4" \
    "$(fl show 192.0.2.99 | head -1)" "192.0.2.99 is not listed"
check "show: ::/0 covers IPv6" \
    "$(fl show 2001:db8::99 | head -1)" "2001:db8::99 is listed in $zone"
# The IPv4 parent name of a listing is an empty non-terminal (NOERROR);
# a name under no IPv4 listing is NXDOMAIN though ::/0 is listed.
check "DNS: 3.2.0.192 is NXDOMAIN under ::/0" \
    "$(dig @127.0.0.1 -p "$port" +tries=1 +time=2 3.2.0.192.$zone A | grep -o 'status: [A-Z]*')" \
    "status: NXDOMAIN"

check "remove in mapped form removes the IPv4 listing" \
    "$(fl remove ::ffff:192.0.2.50 --why test)" "removed 192.0.2.50 from 1 zone"
check "remove the old family-6 row by its IPv4 form" \
    "$(fl remove 192.0.2.51 --why test)" "removed 192.0.2.51 from 1 zone"
gone=""
for i in $(seq 1 40); do
	gone=$(q 50.2.0.192.$zone A)
	[ -z "$gone" ] && break
	sleep 0.05
done
check "DNS: removed" "$gone" ""
finish
