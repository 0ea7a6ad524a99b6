#!/usr/bin/env bash
# test_cli_listing.sh: the listing subcommands (add, remove, show, zone) of
# the real binary: every success path, every refusal (one error line on
# stderr, non-zero exit, nothing changed in the store), --help, --json,
# expiry shown as expired, configured zones.
set -eu
. "$FAIRLIST_SRC/tests/lib/common.sh"
need sqlite3 sqlite3
need jq jq
DB=$T/fl.db
fl() { "$FAIRLIST" --db "$DB" "$@"; }

# Everything a refused command must leave alone.
state() {
	sqlite3 "$DB" "SELECT count(*) FROM listing; SELECT count(*) FROM history;
	    SELECT count(*) FROM audit; SELECT group_concat(name || '=' || serial)
	    FROM zone; SELECT count(*) FROM listing WHERE removed_at IS NULL;" |
	    tr '\n' ' '
}

# run ARGS...: fl into $T/out, $T/err; sets RC.
run() {
	RC=0
	fl "$@" >"$T/out" 2>"$T/err" || RC=$?
}

# ok NAME ARGS...: must succeed and print nothing on stderr.
ok() {
	local name=$1
	shift
	run "$@"
	check "$name: exit" "$RC" "0"
	check "$name: stderr" "$(cat "$T/err")" ""
}

# refuse NAME RC WANT_ERR ARGS...: exit RC, exactly the error line WANT_ERR
# on stderr, nothing on stdout, the store unchanged.
refuse() {
	local name=$1 rc=$2 want=$3 before
	shift 3
	before=$(state)
	run "$@"
	check "$name: exit" "$RC" "$rc"
	check "$name: error" "$(cat "$T/err")" "$want"
	check "$name: stdout" "$(cat "$T/out")" ""
	check "$name: nothing changed" "$(state)" "$before"
}

# --help: usage on stdout, exit 0, for every subcommand.
for c in add remove show zone; do
	run "$c" --help
	check "$c --help: exit" "$RC" "0"
	check "$c --help: usage" "$(head -c 6 "$T/out")" "usage:"
	check "$c --help: stderr" "$(cat "$T/err")" ""
done
run zone add --help
check "zone add --help" "$RC/$(head -c 6 "$T/out")" "0/usage:"

# add: success.
ok "add single" add 192.0.2.1 --reason "spam trap hits" --evidence "trap t1"
check "add single: output" "$(cat "$T/out")" \
    "listed 192.0.2.1 in bl.fairlist.test (id 1), expires never"
ok "add range with expiry" add 192.0.2.0/24 --reason "snowshoe range" \
    --evidence "42 IPs hit traps" --expires 2099-01-01 --source "report:7"
check "add range: output" "$(cat "$T/out")" \
    "listed 192.0.2.0/24 in bl.fairlist.test (id 2), expires 2099-01-01T00:00:00Z"
ok "add v6" add 2001:db8::/48 --reason "v6 spam" --evidence "e" --expires 7d \
    --code 127.0.0.4
case "$(cat "$T/out")" in
"listed 2001:db8::/48 in bl.fairlist.test (id 3), expires 20"*Z) check "add v6: output" yes yes ;;
*) check "add v6: output" "$(cat "$T/out")" "listed 2001:db8::/48 ... expires <date>" ;;
esac
ok "add exclusion without evidence" add 192.0.2.7 --exclude --reason "our own relay"
check "exclusion: output" "$(cat "$T/out")" \
    "excluded 192.0.2.7 in bl.fairlist.test (id 4), expires never"
ok "add +12h" add 198.51.100.1 --reason r --evidence e --expires +12h
ok "add zone with trailing dot and capitals" add 198.51.100.2 \
    --zone BL.Fairlist.Test. --reason r --evidence e

# add: refusals.
refuse "host bits" 1 \
    "fairlist: add: 192.0.2.1/24: host bits set (did you mean 192.0.2.0/24?)" \
    add 192.0.2.1/24 --reason x --evidence y
refuse "not an address" 1 "fairlist: add: 300.1.2.3: not an IP address" \
    add 300.1.2.3 --reason x --evidence y
refuse "bad prefix length" 1 "fairlist: add: 10.0.0.0/33: prefix length must be 0-32" \
    add 10.0.0.0/33 --reason x --evidence y
refuse "duplicate" 1 \
    "fairlist: add: already listed: 192.0.2.1 in bl.fairlist.test (id 1)" \
    add 192.0.2.1 --reason again --evidence e
refuse "unknown zone" 1 "fairlist: add: unknown zone 'nope.test'" \
    add 192.0.2.9 --zone nope.test --reason x --evidence y
refuse "tab in reason" 1 "fairlist: add: reason contains a control character" \
    add 192.0.2.9 --reason "$(printf 'a\tb')" --evidence y
refuse "newline in evidence" 1 "fairlist: add: evidence contains a control character" \
    add 192.0.2.9 --reason x --evidence "$(printf 'a\nb')"
refuse "long reason" 1 "fairlist: add: reason too long (513 bytes, at most 512)" \
    add 192.0.2.9 --reason "$(head -c 513 /dev/zero | tr '\0' x)" --evidence y
refuse "empty reason" 1 "fairlist: add: a listing needs a reason" \
    add 192.0.2.9 --reason "" --evidence y
refuse "bad duration" 1 \
    "fairlist: add: --expires 7x: not a time (use 7d, +12h, 2026-12-01, 2026-12-01T10:00Z or never)" \
    add 192.0.2.9 --reason x --evidence y --expires 7x
refuse "expiry in the past" 1 "fairlist: add: --expires 2001-01-01: that is in the past" \
    add 192.0.2.9 --reason x --evidence y --expires 2001-01-01
refuse "code outside 127/8" 1 \
    "fairlist: add: --code 10.0.0.2: must be in 127.0.0.0/8 (RFC 5782)" \
    add 192.0.2.9 --reason x --evidence y --code 10.0.0.2
refuse "code not an address" 1 "fairlist: add: --code two: not an IPv4 address" \
    add 192.0.2.9 --reason x --evidence y --code two
# Issue 9: codes receivers read as errors (RFC 5782 section 2.1, Spamhaus's
# 127.255.255.0/24) are refused.
for c in 127.0.0.0 127.0.0.1 127.255.255.0 127.255.255.254; do
	refuse "code $c" 1 \
	    "fairlist: add: --code $c: receivers take it for an error, not a listing (RFC 5782 section 2.1: use 127.0.0.2 to 127.255.254.255)" \
	    add "203.0.113.${c##*.}" --reason x --evidence y --code "$c"
done
# Issue 9: text that is not clean UTF-8, or blank, is refused.
refuse "NEL in reason" 1 "fairlist: add: reason contains a control character" \
    add 203.0.113.2 --reason "$(printf 'a\302\205b')" --evidence y
refuse "bidi override in reason" 1 \
    "fairlist: add: reason contains a bidirectional control character" \
    add 203.0.113.3 --reason "$(printf 'a\342\200\256b')" --evidence y
refuse "latin-1 reason" 1 "fairlist: add: reason is not valid UTF-8" \
    add 203.0.113.4 --reason "$(printf 'caf\351')" --evidence y
refuse "latin-1 evidence" 1 "fairlist: add: evidence is not valid UTF-8" \
    add 203.0.113.5 --reason x --evidence "$(printf 'caf\351')"
refuse "blank reason" 1 "fairlist: add: a listing needs a reason" \
    add 203.0.113.6 --reason "   " --evidence y
refuse "blank evidence" 1 "fairlist: add: --evidence is blank: no listing without evidence" \
    add 203.0.113.7 --reason x --evidence " "
# On a store of its own, so the ids and audit counts below stay put.
main_db=$DB
DB=$T/ascii.db
run add 192.0.2.77 --reason "$(printf 'Spam an Postf\303\244cher')" --evidence y
check "non-ASCII reason: accepted" "$RC" "0"
check "non-ASCII reason: warned" "$(cat "$T/err")" \
    "fairlist: add: warning: the reason is not ASCII; SMTP replies show each non-ASCII byte as '?'"
check "non-ASCII reason: show --json keeps it" \
    "$(fl show 192.0.2.77 --json | jq -r '.listings[0].reason')" \
    "$(printf 'Spam an Postf\303\244cher')"
DB=$main_db
refuse "no reason" 2 "fairlist: add: --reason is required: no listing without a reason" \
    add 192.0.2.9 --evidence y
refuse "no evidence" 2 "fairlist: add: --evidence is required: no listing without evidence" \
    add 192.0.2.9 --reason x
refuse "no address" 2 "fairlist: add: which address or range? (see 'fairlist add --help')" \
    add --reason x --evidence y
refuse "two addresses" 2 \
    "fairlist: add: one address or range at a time (see 'fairlist add --help')" \
    add 192.0.2.9 192.0.2.10 --reason x --evidence y
refuse "unknown option" 2 \
    "fairlist: add: unknown option '--frobnicate' (see 'fairlist add --help')" \
    add 192.0.2.9 --reason x --evidence y --frobnicate
refuse "option without value" 2 \
    "fairlist: add: option '--reason' needs a value (see 'fairlist add --help')" \
    add 192.0.2.9 --evidence y --reason

# show: text.
ok "show listed" show 192.0.2.1
check "show: headline" "$(head -1 "$T/out")" "192.0.2.1 is listed in bl.fairlist.test"
check "show: most specific first" \
    "$(grep ' in bl.fairlist.test (id' "$T/out" | cut -d' ' -f1 | tr '\n' ' ')" \
    "192.0.2.1 192.0.2.0/24 "
check "show: reason" "$(grep -c '  reason:   spam trap hits' "$T/out")" "1"
check "show: evidence" "$(grep -c '  evidence: trap t1' "$T/out")" "1"
check "show: source" "$(grep -c '  source:   report:7' "$T/out")" "1"
check "show: expires" "$(grep -c '  expires:  2099-01-01T00:00:00Z' "$T/out")" "1"
check "show: history add" "$(grep -c ' add by cli:' "$T/out")" "2"
ok "show exclusion wins" show 192.0.2.7
check "show exclusion: headline" "$(head -1 "$T/out")" "192.0.2.7 is not listed"
check "show exclusion: status" "$(grep -c '(id 4): exclusion' "$T/out")" "1"
ok "show not listed" show 203.0.113.9
check "show not listed: output" "$(cat "$T/out")" "203.0.113.9 is not listed"

# show --json.
ok "show --json" show 192.0.2.1 --json
check "json: listed" "$(jq -r .listed "$T/out")" "true"
check "json: listed_in" "$(jq -r '.listed_in | join(",")' "$T/out")" "bl.fairlist.test"
check "json: prefixes" "$(jq -r '[.listings[].prefix] | join(",")' "$T/out")" \
    "192.0.2.1,192.0.2.0/24"
check "json: statuses" "$(jq -r '[.listings[].status] | join(",")' "$T/out")" \
    "listed,listed"
check "json: fields" "$(jq -r '.listings[1] | [.zone, .reason, .evidence, .source,
    .expires_at, .code, (.history[0].action)] | join("|")' "$T/out")" \
    "bl.fairlist.test|snowshoe range|42 IPs hit traps|report:7|2099-01-01T00:00:00Z|127.0.0.2|add"
check "json: never expires is null" "$(jq -r '.listings[0].expires_at' "$T/out")" "null"
ok "show v6 --json" show 2001:db8::1 --json
check "json v6: code" "$(jq -r '.listings[0].code' "$T/out")" "127.0.0.4"
ok "show not listed --json" show 203.0.113.9 --json
check "json not listed" "$(jq -c '[.listed, (.listings|length)]' "$T/out")" "[false,0]"

refuse "show a range" 1 "fairlist: show: 192.0.2.0/24: give one address, not a range" \
    show 192.0.2.0/24
refuse "show junk" 1 "fairlist: show: nonsense: not an IP address" show nonsense
refuse "show no address" 2 "fairlist: show: which address? (see 'fairlist show --help')" show
run --db "$T/missing.db" show 192.0.2.1
check "show on a missing store: exit" "$RC" "1"
check "show on a missing store: error" "$(cat "$T/err")" \
    "fairlist: show: $T/missing.db: no such store (a read-only open creates none)"
check "show on a missing store: not created" "$(ls "$T/missing.db" 2>/dev/null || true)" ""

# remove.
refuse "remove without why" 2 \
    "fairlist: remove: --why is required: every removal is recorded with its reason" \
    remove 192.0.2.1
refuse "remove not listed" 1 "fairlist: remove: 203.0.113.9 is not listed in any zone" \
    remove 203.0.113.9 --why x
refuse "remove exact prefix only" 1 \
    "fairlist: remove: 192.0.2.0/25 is not listed in any zone" remove 192.0.2.0/25 --why x
refuse "remove unknown zone" 1 "fairlist: remove: unknown zone 'nope.test'" \
    remove 192.0.2.1 --zone nope.test --why x
refuse "remove why with control char" 1 \
    "fairlist: remove: reason contains a control character" \
    remove 192.0.2.1 --why "$(printf 'a\033b')"
ok "remove" remove 192.0.2.1 --why "delisting request 12"
check "remove: output" "$(cat "$T/out")" "removed 192.0.2.1 from 1 zone"
refuse "remove twice" 1 "fairlist: remove: 192.0.2.1 is not listed in bl.fairlist.test" \
    remove 192.0.2.1 --zone bl.fairlist.test --why again
ok "show after remove" show 192.0.2.1 --json
check "after remove: only the range" "$(jq -r '[.listings[].prefix] | join(",")' "$T/out")" \
    "192.0.2.0/24"
ok "show --all" show 192.0.2.1 --all --json
check "--all: removed one too" "$(jq -r '[.listings[] | .prefix + "=" + .status] | join(",")' "$T/out")" \
    "192.0.2.1=removed,192.0.2.0/24=listed"
check "--all: removal in history" "$(jq -r '.listings[0].history | map(.action + ":" + (.why // "")) | join(",")' "$T/out")" \
    "add:spam trap hits,remove:delisting request 12"
check "--all: removed_why" "$(jq -r '.listings[0].removed_why' "$T/out")" "delisting request 12"
ok "re-add after removal" add 192.0.2.1 --reason "back again" --evidence "trap t2"

# Expiry: shown as expired once passed, and then no longer a duplicate.
ok "add expiring in 1s" add 198.51.100.9 --reason "short" --evidence e --expires 1s
sleep 2
ok "show expired" show 198.51.100.9
check "expired: headline" "$(head -1 "$T/out")" "198.51.100.9 is not listed"
check "expired: status" "$(grep -c '): expired$' "$T/out")" "1"
ok "re-add after expiry" add 198.51.100.9 --reason "again" --evidence e
ok "show --all after re-add" show 198.51.100.9 --all --json
check "expired one closed" "$(jq -r '[.listings[] | .status] | join(",")' "$T/out")" \
    "listed,expired"
check "expire event" "$(jq -r '.listings[1].history | map(.action) | join(",")' "$T/out")" \
    "add,expire"

# zone.
ok "zone list" zone list
check "zone list: default zone" "$(grep -c '^bl.fairlist.test  code 127.0.0.2  serial ' "$T/out")" "1"
ok "zone add" zone add BL.Example.ORG --code 127.0.0.3 --txt 'listed: $reason' \
    --url 'https://example.org/l/$ip'
check "zone add: output" "$(cat "$T/out")" "added zone bl.example.org"
ok "zone add again (update)" zone add bl.example.org --code 127.0.0.5
check "zone update: output" "$(cat "$T/out")" "updated zone bl.example.org"
ok "zone list after add" zone list
check "zone list: new zone" "$(grep '^bl.example.org ' "$T/out" | cut -d' ' -f1-4)" \
    "bl.example.org  code 127.0.0.5"
check "zone list: txt kept" "$(grep -c '^  txt listed: \$reason$' "$T/out")" "1"
ok "add in new zone" add 192.0.2.1 --zone bl.example.org --reason r --evidence e
check "add in new zone: output" "$(cat "$T/out")" \
    "listed 192.0.2.1 in bl.example.org (id 10), expires never"
ok "show across zones" show 192.0.2.1 --json
check "listed in both zones" "$(jq -r '.listed_in | join(",")' "$T/out")" \
    "bl.example.org,bl.fairlist.test"
refuse "zone bad name" 1 \
    "fairlist: zone: invalid zone name 'bad name' (lower-case DNS name, no trailing dot)" \
    zone add "bad name"
refuse "zone bad code" 1 "fairlist: zone: --code 1.2.3.4: must be in 127.0.0.0/8 (RFC 5782)" \
    zone add x.test --code 1.2.3.4
refuse "zone error code" 1 \
    "fairlist: zone: --code 127.0.0.1: receivers take it for an error, not a listing (RFC 5782 section 2.1: use 127.0.0.2 to 127.255.254.255)" \
    zone add x.test --code 127.0.0.1
refuse "zone txt control char" 1 "fairlist: zone: TXT template contains a control character" \
    zone add x.test --txt "$(printf 'a\tb')"
refuse "zone no subcommand" 2 "fairlist: zone: list, add or remove? (see 'fairlist zone --help')" zone
refuse "zone unknown subcommand" 2 "fairlist: zone: unknown subcommand 'drop' (list, add or remove)" \
    zone drop x.test
refuse "zone add no name" 2 "fairlist: zone: add: which zone name? (see 'fairlist zone --help')" \
    zone add

# Zones from the configuration: checked by every command, written into
# the store only by serve (issue 9, item 6).
cat > "$T/fl.conf" <<'CONF'
zone conf.test { code 127.0.0.9; txt "conf: $reason"; url "https://c.test/$ip" }
zone bl.fairlist.test
CONF
before=$(state)
ok "config zones: zone add" --config "$T/fl.conf" zone add bl.fairlist.test
ok "zone list" zone list
check "config zone not written" "$(grep -c '^conf.test ' "$T/out")" "0"
check "config zones: nothing written" "$(state)" "$before"
refuse "config zone only: add" 1 \
    "fairlist: add: unknown zone 'conf.test' ($T/fl.conf:1 defines it, but only 'fairlist serve' writes configured zones into the store; or create it with 'fairlist zone add conf.test')" \
    --config "$T/fl.conf" add 192.0.2.200 --zone conf.test --reason r --evidence e
cat > "$T/bad.conf" <<'CONF'
zone conf.test { colour blue }
CONF
refuse "config zone unknown key" 1 "fairlist: zone: $T/bad.conf:1: unknown key 'colour'" \
    --config "$T/bad.conf" zone add bl.fairlist.test
cat > "$T/bad.conf" <<'CONF'
zone code.test { code 127.0.0.1 }
CONF
refuse "config zone error code" 1 \
    "fairlist: zone: $T/bad.conf:1: zone code.test: code 127.0.0.1: receivers take it for an error, not a listing (RFC 5782 section 2.1: use 127.0.0.2 to 127.255.254.255)" \
    --config "$T/bad.conf" zone add other.test

# Every accepted change is in the audit log.
check "audit rows" "$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE action IN ('add','remove')")" \
    "$(( $(sqlite3 "$DB" "SELECT count(*) FROM listing") + 1 ))"
check "integrity" "$(sqlite3 "$DB" 'PRAGMA integrity_check')" "ok"

finish
