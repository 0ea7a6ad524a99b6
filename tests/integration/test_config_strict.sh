#!/bin/bash
# test_config_strict.sh: --config is checked as strictly by every
# subcommand as by serve, and only serve writes the configured zones into
# the store (issue 9, item 6): an unknown key passes neither add nor check,
# "db a b" creates no store "a", an ns that is not a host name reaches
# neither the BIND export nor the wire, and zone list, zone add and add
# with --config leave an earlier zone add --code alone.
. "$FAIRLIST_SRC/tests/lib/common.sh"
need dig bind9-dnsutils
need sqlite3 sqlite3
set +e
cd "$T" || exit 1
DB=$T/fl.db

# refuse NAME RC PATTERN ARGS...: exit RC, one error line matching PATTERN.
refuse() {
	local name=$1 rc=$2 pat=$3 got
	shift 3
	timeout 20 "$FAIRLIST" "$@" </dev/null >"$T/out" 2>"$T/err"
	got=$?
	check "$name: exit" "$got" "$rc"
	check "$name: one line" "$(wc -l <"$T/err")" 1
	if grep -Eq -- "$pat" "$T/err"; then
		ok "$name: message"
	else
		fail "$name: stderr '$(cat "$T/err")', want /$pat/"
	fi
}

"$FAIRLIST" --db "$DB" zone add z.test --code 127.0.0.5 >/dev/null ||
    die "zone add"
zones() { sqlite3 "$DB" "SELECT group_concat(name || '=' || code || '=' || serial) FROM zone"; }
listings() { sqlite3 "$DB" "SELECT count(*) FROM listing"; }
before=$(zones)

# 1. An unknown key stops add and check, as it stops serve.
printf 'zone z.test\nfrobnicate yes\n' >frob.conf
refuse "unknown key: add" 1 "^fairlist: add: $T/frob.conf:2: unknown key 'frobnicate'$" \
    --db "$DB" --config "$T/frob.conf" add 192.0.2.1 --reason r --evidence e
check "unknown key: add listed nothing" "$(listings)" 0
refuse "unknown key: check" 2 "^fairlist: check: $T/frob.conf:2: unknown key 'frobnicate'$" \
    --db "$DB" --config "$T/frob.conf" check 192.0.2.1 --no-probe
refuse "unknown key: zone list" 1 "^fairlist: zone: $T/frob.conf:2: unknown key 'frobnicate'$" \
    --db "$DB" --config "$T/frob.conf" zone list

# 2. db takes one value: "db a b" is refused and creates no store "a".
printf 'db a b\n' >db.conf
refuse "db a b: zone add" 1 "^fairlist: zone: $T/db.conf:1: db takes one value$" \
    --config "$T/db.conf" zone add x.test
refuse "db a b: add" 1 "^fairlist: add: $T/db.conf:1: db takes one value$" \
    --config "$T/db.conf" add 192.0.2.1 --reason r --evidence e
check "db a b: no store a" "$(ls | grep -c '^a')" 0

# 3. ns and soa-mname are host names: refused before the BIND export and
# before serve puts them on the wire.
printf 'dns { ns "bad name!" }\n' >ns.conf
refuse "bad ns: export" 1 "^fairlist: export: $T/ns.conf:1: ns: 'bad name!' is not a host name" \
    --db "$DB" --config "$T/ns.conf" export --zone z.test --format bind
check "bad ns: nothing exported" "$(grep -c 'bad name' "$T/out")" 0
port=$(free_port)
refuse "bad ns: serve" 1 "^fairlist: serve: $T/ns.conf:1: ns: 'bad name!' is not a host name" \
    --db "$DB" --config "$T/ns.conf" serve --listen "127.0.0.1:$port" --policy-listen off
printf 'dns { ns ns1.example.org; soa-mname "a..b" }\n' >mname.conf
refuse "bad soa-mname: export" 1 "^fairlist: export: $T/mname.conf:1: soa-mname: 'a\.\.b' is not a host name" \
    --db "$DB" --config "$T/mname.conf" export --zone z.test --format bind
printf 'dns { ns ns1.example.org. ns2.example.org }\n' >goodns.conf
"$FAIRLIST" --db "$DB" --config "$T/goodns.conf" export --zone z.test --format bind >bind.out 2>bind.err
check "good ns: export exit" "$?" 0
check "good ns: NS records" "$(grep -c 'IN	NS	ns[12]\.example\.org\.$' bind.out)" 2
check "good ns: no error" "$(cat bind.err)" ""

# 4. Only serve writes the configured zones: zone list, zone add and add
# with --config leave z.test's code 127.0.0.5 from zone add --code.
cat >zones.conf <<CONF
db $DB
zone z.test { code 127.0.0.9; txt "configured: \$reason" }
zone conf-only.test
CONF
"$FAIRLIST" --config "$T/zones.conf" zone list >/dev/null 2>"$T/err"
check "zone list --config: exit" "$?" 0
check "zone list --config: zones unchanged" "$(zones)" "$before"
"$FAIRLIST" --config "$T/zones.conf" zone add other.test >/dev/null 2>"$T/err"
check "zone add --config: exit" "$?" 0
check "zone add --config: z.test keeps its code" \
    "$(sqlite3 "$DB" "SELECT code FROM zone WHERE name = 'z.test'")" 2130706437
check "zone add --config: conf-only.test not written" \
    "$(sqlite3 "$DB" "SELECT count(*) FROM zone WHERE name = 'conf-only.test'")" 0
"$FAIRLIST" --config "$T/zones.conf" add 192.0.2.7 --zone z.test --reason r \
    --evidence e >/dev/null 2>"$T/err"
check "add --config: exit" "$?" 0
check "add --config: z.test keeps its code" \
    "$(sqlite3 "$DB" "SELECT code FROM zone WHERE name = 'z.test'")" 2130706437

# serve applies them: the DNS answer for the listing then carries the
# configured code.
port=$(free_port)
"$FAIRLIST" --config "$T/zones.conf" serve --listen "127.0.0.1:$port" \
    --policy-listen off 2>"$T/serve.log" &
PIDS="$PIDS $!"
q() { dig +short +tries=1 +time=1 -p "$port" @127.0.0.1 "$@"; }
# answers NAME WANT: the A answer is WANT (asked anew on every try).
answers() { test "$(q "$1" A)" = "$2"; }
wait_for answers 7.2.0.192.z.test 127.0.0.9 ||
    { cat "$T/serve.log"; fail "serve: no answer 127.0.0.9"; }
check "serve: z.test code written" \
    "$(sqlite3 "$DB" "SELECT code FROM zone WHERE name = 'z.test'")" 2130706441
check "serve: conf-only.test written" \
    "$(sqlite3 "$DB" "SELECT count(*) FROM zone WHERE name = 'conf-only.test'")" 1
check "serve: TXT from the configuration" "$(q 7.2.0.192.z.test TXT)" '"configured: r"'

finish
