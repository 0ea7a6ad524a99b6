#!/usr/bin/env bash
# test_cli_admin.sh: issue 9, item 11, the operator's commands: list
# (filters, paging, --json), update (history row, refusals), zone remove
# (refused while listings are in force, --force), zone list --json, audit
# (--since, --json) and stats (per zone and source, ranges, expiring in
# 24 h). Read-only ones create no store.
. "$FAIRLIST_SRC/tests/lib/common.sh"
command -v jq >/dev/null || { echo "FAIL jq missing (Debian package jq)"; exit 1; }
DB=$T/fl.db
fl() { "$FAIRLIST" --db "$DB" "$@"; }
# err ARGS...: the error line of a command that must fail.
err() { local rc=0; fl "$@" >/dev/null 2>"$T/err" || rc=$?; echo "$rc $(cat "$T/err")"; }

fl add 192.0.2.1 --reason "spam trap t1" --evidence "trap t1" >/dev/null
fl add 192.0.2.0/24 --reason "snowshoe range" --evidence "42 hits" \
    --source report:7 --expires 12h >/dev/null
fl zone add z2.test >/dev/null
fl add 2001:db8::/32 --zone z2.test --reason "v6 range" --evidence e >/dev/null
fl add 198.51.100.9 --reason "old" --evidence e >/dev/null
fl remove 198.51.100.9 --why "delisting request 5" >/dev/null

# list: filters and paging.
ids() { fl list "$@" --json | jq -r '[.listings[].id] | join(",")'; }
check "list: in force" "$(ids)" "1,2,3"
check "list --all" "$(ids --all)" "1,2,3,4"
check "list --zone" "$(ids --zone Z2.TEST.)" "3"
check "list --source" "$(ids --source report:7)" "2"
check "list --reason (substring, case)" "$(ids --reason SNOWSHOE)" "2"
check "list --expires-before 1d" "$(ids --expires-before 1d)" "2"
check "list --expires-before 1h" "$(ids --expires-before 1h)" ""
check "list page 1" "$(ids --limit 2)" "1,2"
check "list page 2" "$(ids --limit 2 --offset 2)" "3"
check "list next_offset" "$(fl list --limit 2 --json | jq -r .next_offset)" "2"
check "list last page next_offset" "$(fl list --limit 2 --offset 2 --json | jq -r .next_offset)" "null"
check "list --json fields" \
    "$(fl list --source report:7 --json | jq -c '.listings[0] | [.prefix,.zone,.status,.code,.reason,.evidence]')" \
    '["192.0.2.0/24","bl.fairlist.test","listed","127.0.0.2","snowshoe range","42 hits"]'
check "list text" "$(fl list --zone z2.test)" \
    "3  2001:db8::/32  z2.test  listed  expires never  source cli  reason v6 range"
check "list text paging hint" "$(fl list --limit 1 | tail -1)" "(more: --offset 1)"
check "list bad limit" "$(err list --limit -1)" \
    "1 fairlist: list: --limit -1: not a count (0-1000000000)"

# update: by id and by address, with a history row saying what was.
check "update reason by address" "$(fl update 192.0.2.1 --reason "spam trap t7")" \
    "updated listing 1"
check "update expiry by id" "$(fl update 2 --expires never)" "updated listing 2"
check "update to the same" "$(fl update 2 --expires never)" "listing 2 unchanged"
check "update history" \
    "$(fl show 192.0.2.1 --json | jq -r '.listings[0].history | map(.action + ": " + (.why // "")) | join(" | ")')" \
    "add: spam trap t7 | update: reason was: spam trap t1"
check "update expiry history" \
    "$(fl show 192.0.2.5 --json | jq -r '.listings[0].history[1].why' | sed 's/[0-9T:Z-]*Z/TIME/')" \
    "expires TIME -> never"
check "update: expires never now" "$(fl show 192.0.2.5 --json | jq -r '.listings[0].expires_at')" "null"
check "update removed listing" "$(err update 4 --reason x)" \
    "1 fairlist: update: no listing with id 4 in force or expired (removed listings cannot change)"
check "update unlisted address" "$(err update 203.0.113.1 --reason x)" \
    "1 fairlist: update: 203.0.113.1 is not listed in any zone"
check "update nothing" "$(err update 1)" \
    "2 fairlist: update: nothing to change: give --reason, --evidence or --expires"
check "update bidi reason" "$(err update 1 --reason "$(printf 'a\342\200\256b')")" \
    "1 fairlist: update: reason contains a bidirectional control character"
check "update past expiry" "$(err update 1 --expires 2001-01-01)" \
    "1 fairlist: update: --expires 2001-01-01: that is in the past"
fl add 192.0.2.1 --zone z2.test --reason "also here" --evidence e >/dev/null
check "update ambiguous address" "$(err update 192.0.2.1 --reason x)" \
    "1 fairlist: update: 192.0.2.1 is listed in 2 zones: give --zone"
check "update with --zone" "$(fl update 192.0.2.1 --zone z2.test --reason "also here, updated")" \
    "updated listing 5"

# stats: per zone and source.
check "stats --json" \
    "$(fl stats --json | jq -c '[.zones[] | [.zone,.listings,.ranges,.exclusions,.expiring_24h,([.sources[].source]|join("+"))]]')" \
    '[["bl.fairlist.test",2,1,0,0,"cli+report:7"],["z2.test",2,1,0,0,"cli"]]'
fl add 203.0.113.0/25 --reason "soon" --evidence e --expires 2h >/dev/null
check "stats text" "$(fl stats | head -2)" \
    "bl.fairlist.test: listings 3  ranges 2  exclusions 0  expiring-24h 1
  source cli: listings 2  ranges 1  exclusions 0  expiring-24h 1"

# zone remove: refused while listings are in force, --force takes them.
check "zone remove refused" "$(err zone remove z2.test)" \
    "1 fairlist: zone: zone z2.test has 2 listings in force (remove them first, or --force to remove them with the zone)"
check "zone remove --force" "$(fl zone remove z2.test --force)" \
    "removed zone z2.test (2 listings removed with it)"
check "zone list --json after remove" "$(fl zone list --json | jq -r '[.zones[].name] | join(",")')" \
    "bl.fairlist.test"
check "zone list --json fields" "$(fl zone list --json | jq -c '.zones[0] | [.code,.listings,(.serial > 0)]')" \
    '["127.0.0.2",3,true]'
check "removed zone's listing keeps its history" \
    "$(fl show --all 2001:db8::1 --json | jq -c '.listings[0] | [.zone,.status,.removed_why]')" \
    '["removed:2:z2.test","removed","zone removed"]'
check "removed zone is gone from list" "$(ids --all --zone z2.test)" ""
check "zone remove unknown" "$(err zone remove nope.test)" "1 fairlist: zone: unknown zone 'nope.test'"
check "zone add again" "$(fl zone add z2.test)" "added zone z2.test"
check "zone remove empty zone" "$(fl zone remove z2.test)" \
    "removed zone z2.test (0 listings removed with it)"

# audit: every change, --since, --json.
check "audit actions" "$(fl audit --json | jq -r '[.audit[].action] | unique | join(",")')" \
    "add,remove,update,zone-add,zone-remove"
check "audit rows" "$(fl audit --json | jq '.audit | length')" \
    "$(sqlite3 "$DB" 'SELECT count(*) FROM audit')"
check "audit --limit" "$(fl audit --limit 1 --json | jq -r '.audit[0].action + " " + .audit[0].detail')" \
    "zone-remove z2.test (0 open listings closed)"
check "audit --since future" "$(fl audit --since 2999-01-01 --json | jq '.audit | length')" "0"
check "audit --since 1h" "$(fl audit --since 1h --json | jq '.audit | length')" \
    "$(sqlite3 "$DB" 'SELECT count(*) FROM audit')"
check "audit text" "$(fl audit | head -1 | cut -d' ' -f3-)" \
    "cli:$(id -un)  add: list 192.0.2.1 in bl.fairlist.test (id 1)"
check "audit bad since" "$(err audit --since soon)" \
    "1 fairlist: audit: --since soon: not a time (use 7d, 12h, 2026-12-01, 2026-12-01T10:00Z or @UNIXTIME)"

# Read-only commands create no store.
for cmd in list audit stats; do
	check "$cmd on a missing store" "$(err --db "$T/typo.db" $cmd)" \
	    "1 fairlist: $cmd: $T/typo.db: no such store (a read-only open creates none)"
done
check "no store created" "$(ls "$T"/typo.db* 2>/dev/null || true)" ""
finish
