#!/usr/bin/env bash
# test_import_sync.sh: import and export edge cases: an export of a zone
# without IPv4 entries, a failed export keeping the old file, the round
# trip of reasons up to 512 bytes (UTF-8 and "$" too) through every rbldnsd
# format, a refused default line refusing the entries after it, the exit
# status of an import with refused lines (--keep-going), --evidence,
# --sync delisting what the file no longer holds, and the per-entry probes
# of a small file into a large zone giving what the scan of the zone gives.
. "$FAIRLIST_SRC/tests/lib/common.sh"

need sqlite3 sqlite3
fl() { "$FAIRLIST" --db "$DB" "$@"; }
# run ARGS...: fl into $T/out and $T/err; sets RC. A check that fails
# after it prints the command, its exit status and its stderr, so that a
# failure in CI shows fairlist's own message.
RUN_CMD=""
run() {
	RC=0
	fl "$@" >"$T/out" 2>"$T/err" || RC=$?
	RUN_CMD="$*"
	cp "$T/err" "$T/run.err"
}
eval "common_$(declare -f check)"
check() {
	local before=$FAILS

	common_check "$@"
	if [ "$FAILS" -gt "$before" ] && [ -n "$RUN_CMD" ]; then
		echo "     after: fairlist $RUN_CMD (exit $RC), stderr:"
		sed 's/^/     | /' "$T/run.err"
	fi
}
# listings DB: every listing in force, one line each, sorted.
listings() {
	sqlite3 "$1" "SELECT zone, hex(lo), plen, exclude, code, reason
	    FROM listing WHERE removed_at IS NULL ORDER BY 1, 2, 3"
}
reason_of() {
	fl show "$1" --json | python3 -c 'import json,sys
print(json.load(sys.stdin)["listings"][0]["reason"])'
}
ZONE=bl.fairlist.test

# 1. Export of the default zone of a new store (no IPv4 entries).
DB=$T/a.db
fl zone add "$ZONE" >/dev/null
echo "previous export" > "$T/old.txt"
run export -o "$T/old.txt"
check "empty zone export exit" "$RC" "0"
check "empty zone export: no fatal" "$(grep -c fatal "$T/err")" "0"
check "empty zone export: header written" \
    "$(grep -c '^# fairlist export of zone' "$T/old.txt")" "1"
run export --format ip6trie -o "$T/old6.txt"
check "empty ip6trie export exit" "$RC" "0"
run export --format bind -o "$T/empty.bind"
check "empty zone bind export exit" "$RC" "0"
# The test point's TXT says what the DNS server says ('listed always').
check "bind test point TXT" \
    "$(grep -c $'^\tIN\tTXT\t"RFC 5782 test point (listed always); ' "$T/empty.bind")" "1"
# No epoch date in its text (the SOA serial is a number that may hold 1970).
check "bind test point: no 1970" \
    "$(grep $'\tTXT\t' "$T/empty.bind" | grep -c 1970)" "0"

# 2. Reasons of 512 bytes, "$" and UTF-8, IPv4 and IPv6: every format
# round-trips into a fresh store.
long=$(printf 'r%.0s' $(seq 512))
fl add 192.0.2.1 --reason "$long" --evidence e1 >/dev/null
fl add 192.0.2.8/29 --reason 'costs $5 — ünïcode' --evidence e2 >/dev/null 2>&1
fl add 198.51.100.7 --code 127.0.0.4 --reason "$long" --evidence e3 >/dev/null
fl add 2001:db8::/48 --reason 'v6 $ip' --evidence e4 >/dev/null
for f in ip4set ip4trie ip6trie; do
	run export --format $f -o "$T/e.$f"
	check "export $f" "$RC" "0"
done
for v4 in ip4set ip4trie; do
	DB=$T/$v4.db
	fl zone add "$ZONE" >/dev/null
	for f in $v4 ip6trie; do
		run import --format $f "$T/e.$f"
		check "round trip: import $f exit" "$RC" "0"
	done
	check "round trip ($v4 + ip6trie): same listings" \
	    "$(listings "$DB")" "$(listings "$T/a.db")"
	check "round trip: 512-byte reason" "$(reason_of 192.0.2.1)" "$long"
	check "round trip: UTF-8 and \$" "$(reason_of 192.0.2.9)" \
	    'costs $5 — ünïcode'
done

# 3. A failed export keeps the previous file: the write runs out of room
# (RLIMIT_FSIZE) half-way, the old file is left as it was.
cp "$T/e.ip4set" "$T/keep.ip4set"
DB=$T/a.db
for i in $(seq 1 60); do echo "10.7.$i.0/24 :2:$long"; done > "$T/big.ip4set"
run import "$T/big.ip4set"
check "big import" "$RC" "0"
RC=0
(trap '' XFSZ; ulimit -f 8; exec "$FAIRLIST" --db "$DB" export -o "$T/keep.ip4set") \
    >"$T/out" 2>"$T/err" || RC=$?
check "export beyond the file size limit fails" "$RC" "1"
check "failed export: the previous file is intact" \
    "$(cmp "$T/e.ip4set" "$T/keep.ip4set" && echo same)" "same"
check "failed export: no temporary file left" \
    "$(ls "$T" | grep -c '^keep.ip4set.tmp')" "0"

# 4. A refused default line refuses the entries that would take its value.
DB=$T/d.db
fl zone add "$ZONE" >/dev/null
{
	echo ':127.0.0.2:first reason'
	echo '10.0.0.1'
	printf ':127.0.0.3:%s\n' "$(printf 'x%.0s' $(seq 1100))"
	echo '10.0.0.2'
	echo '10.0.0.3 :127.0.0.5:own text'
	echo ':127.0.0.4:third reason'
	echo '10.0.0.4'
} > "$T/def.ip4set"
run import "$T/def.ip4set"
check "refused lines: exit 1" "$RC" "1"
check "refused lines: the count" \
    "$(grep -c '^fairlist: import: 2 refused (2 malformed lines' "$T/err")" "1"
check "refused default line reported" \
    "$(grep -c "^$T/def.ip4set:3: text too long" "$T/err")" "1"
check "entry after it reported" \
    "$(grep -c "^$T/def.ip4set:4: the default value of line 3 was refused" "$T/err")" "1"
check "entry after it not listed" "$(fl show 10.0.0.2 | head -1)" \
    "10.0.0.2 is not listed"
check "entry with its own text listed" "$(reason_of 10.0.0.3)" "own text"
check "next default applies" "$(reason_of 10.0.0.4)" "third reason"
check "entry before keeps its value" "$(reason_of 10.0.0.1)" "first reason"

# 5. A binary file: every line refused, exit 1; --keep-going exits 0.
head -c 20000 "$FAIRLIST" > "$T/binary"
run import "$T/binary"
check "binary import exit" "$RC" "1"
check "binary import: count printed" \
    "$(grep -c '^fairlist: import: [0-9]* refused' "$T/err")" "1"
run import "$T/binary" --keep-going
check "binary import --keep-going exit" "$RC" "0"
printf '2001:db8::1\n2001:db8::2\n' > "$T/v6.txt"
run import "$T/v6.txt"
check "ip6trie file read as ip4set: exit 1" "$RC" "1"

# 6. --evidence, and the default evidence "FILE line N".
printf '10.1.0.1\n10.1.0.2\n' > "$T/ev.ip4set"
run import "$T/ev.ip4set" --evidence "feed of 2026-12-07"
check "--evidence exit" "$RC" "0"
check "--evidence stored" \
    "$(sqlite3 "$DB" "SELECT DISTINCT evidence FROM listing WHERE hex(lo) LIKE '%0A010001' OR hex(lo) LIKE '%0A010002'")" \
    "feed of 2026-12-07"
check "default evidence names the file and line" \
    "$(sqlite3 "$DB" "SELECT evidence FROM listing WHERE hex(lo) LIKE '%0A000004'")" \
    "def.ip4set line 7"

# 7. --sync: what the file no longer holds is delisted, for this source
# only, with a history row that says so.
DB=$T/s.db
fl zone add "$ZONE" >/dev/null
fl add 10.2.0.9 --reason "by hand" --evidence manual >/dev/null
printf '10.2.0.1\n10.2.0.2\n10.2.0.3\n' > "$T/feed.ip4set"
run import "$T/feed.ip4set" --source feed
check "feed import" "$RC" "0"
printf '10.2.0.1\n10.2.0.3\n10.2.0.4\n' > "$T/feed.ip4set"
run import "$T/feed.ip4set" --source feed --sync
check "--sync exit" "$RC" "0"
check "--sync summary" "$(cut -d: -f2- "$T/out")" \
    " 1 added, 0 replaced, 2 duplicates, 0 skipped (0 malformed, 0 refused by the store), 0 already expired, 1 delisted"
check "--sync delisted the missing entry" "$(fl show 10.2.0.2 | head -1)" \
    "10.2.0.2 is not listed"
check "--sync kept another source's listing" "$(fl show 10.2.0.9 | head -1)" \
    "10.2.0.9 is listed in $ZONE"
check "--sync history row" \
    "$(sqlite3 "$DB" "SELECT action || ': ' || why FROM history WHERE action = 'remove'")" \
    "remove: removed by import --sync $T/feed.ip4set"
printf '10.2.0.1\nnot-an-address\n' > "$T/feed.ip4set"
run import "$T/feed.ip4set" --source feed --sync
check "--sync with a malformed line: exit 1" "$RC" "1"
check "--sync with a malformed line: nothing delisted" \
    "$(fl show 10.2.0.3 | head -1)" "10.2.0.3 is listed in $ZONE"
# 8. Every error line names its command: "fairlist: import: ..." and
# "fairlist: export: ...".
run export --zone nope.test -o "$T/nope.txt"
check "export of a missing zone" "$RC:$(cat "$T/err")" \
    "1:fairlist: export: no zone nope.test (create it with 'fairlist zone add nope.test')"
run import "$T/feed.ip4set" --zone nope.test
check "import into a missing zone" "$RC:$(cat "$T/err")" \
    "1:fairlist: import: no zone nope.test (create it with 'fairlist zone add nope.test')"
run import "$T/no-such-file"
check "import of a missing file" "$RC:$(cat "$T/err")" \
    "1:fairlist: import: $T/no-such-file: No such file or directory"
run export -o "$T/no-such-dir/x"
check "export into a missing folder" "$RC:$(grep -c \
    "^fairlist: export: $T/no-such-dir/x\.tmp[0-9]*: No such file or directory\$" "$T/err")" "1:1"
DB=$T/missing.db
run export
check "export of a missing store" "$RC:$(cat "$T/err")" \
    "1:fairlist: export: $T/missing.db: no such store (a read-only open creates none)"
# 9. The probe path: a file of fewer than 1/8 of the zone's listings
# (IMPORT_PROBE_RATIO) asks the store per entry instead of reading the
# zone. The same imports into a store whose zone also holds 200 other
# listings (probe path) and into one without them (scan path) give the
# same summaries and the same listings: duplicates (a listing, a range,
# an exclusion, another source's), an expired listing listed anew, new
# entries, --sync delisting, --replace updating.
for p in probe scan; do
	DB=$T/$p.db
	fl zone add "$ZONE" >/dev/null
	if [ $p = probe ]; then
		for i in $(seq 1 200); do echo "10.200.$((i / 100)).$((i % 100))"; done \
		    > "$T/base.txt"
		fl import "$T/base.txt" --format plain --source base >/dev/null
	fi
	printf '10.9.0.1\n10.9.0.2\n10.9.0.3\n10.9.0.4\n10.9.0.6\n10.9.1.0/24\n!10.9.0.5\n' \
	    > "$T/p0.ip4set"
	fl import "$T/p0.ip4set" --source feed >/dev/null
	fl add 10.9.0.9 --reason "by hand" --evidence manual >/dev/null
	# 10.9.0.6 expired but not closed yet, as the clock leaves it.
	sqlite3 "$DB" "UPDATE listing SET expires_at = 1000 WHERE hex(lo) LIKE '%0A090006'"
	printf '10.9.0.1\n10.9.0.3\n10.9.0.6\n10.9.0.7\n10.9.1.0/24\n!10.9.0.5\n10.9.0.9\n' \
	    > "$T/p1.ip4set"
	RC=0
	fl -v import "$T/p1.ip4set" --source feed --sync >"$T/$p.out1" \
	    2>"$T/$p.err1" || RC=$?
	check "$p path: --sync import exit" "$RC" "0"
	printf '10.9.0.1\n10.9.0.8\n' > "$T/p2.ip4set"
	RC=0
	fl -v import "$T/p2.ip4set" --source feed --replace --reason updated \
	    >"$T/$p.out2" 2>"$T/$p.err2" || RC=$?
	check "$p path: --replace import exit" "$RC" "0"
done
check "probe path taken" \
    "$(grep -c 'found in .* ms (probed per file entry)' "$T/probe.err1" "$T/probe.err2" | cut -d: -f2 | tr '\n' ' ')" "1 1 "
check "scan path taken" \
    "$(grep -c 'found in .* ms (zone read)' "$T/scan.err1" "$T/scan.err2" | cut -d: -f2 | tr '\n' ' ')" "1 1 "
check "probe path: --sync summary" "$(cut -d: -f2- "$T/probe.out1")" \
    " 2 added, 0 replaced, 5 duplicates, 0 skipped (0 malformed, 0 refused by the store), 0 already expired, 2 delisted"
check "probe path: --replace summary" "$(cut -d: -f2- "$T/probe.out2")" \
    " 2 added, 1 replaced, 0 duplicates, 0 skipped (0 malformed, 0 refused by the store), 0 already expired"
check "same --sync summary both ways" "$(cut -d: -f2- "$T/probe.out1")" \
    "$(cut -d: -f2- "$T/scan.out1")"
check "same --replace summary both ways" "$(cut -d: -f2- "$T/probe.out2")" \
    "$(cut -d: -f2- "$T/scan.out2")"
# feed: listings of 10.9/16 in force, with source and reason; history.
feed() {
	sqlite3 "$1" "SELECT hex(lo), plen, exclude, source, reason FROM listing
	    WHERE removed_at IS NULL AND hex(lo) LIKE '%0A09____' ORDER BY 1, 2"
	sqlite3 "$1" "SELECT hex(l.lo), h.action, h.why FROM history h
	    JOIN listing l ON l.id = h.listing_id ORDER BY 1, 2, 3"
}
check "same listings and history both ways" "$(feed "$T/probe.db")" \
    "$(feed "$T/scan.db")"
check "probe path: --sync delisted 10.9.0.2 and 10.9.0.4" \
    "$(DB=$T/probe.db; fl show 10.9.0.2 | head -1; fl show 10.9.0.4 | head -1)" \
    "10.9.0.2 is not listed
10.9.0.4 is not listed"
check "probe path: expired 10.9.0.6 listed anew, 10.9.0.1 updated" \
    "$(DB=$T/probe.db; reason_of 10.9.0.6; reason_of 10.9.0.1)" \
    "imported from p1.ip4set
updated"
check "probe path: the other 200 listings untouched" \
    "$(sqlite3 "$T/probe.db" "SELECT count(*) FROM listing WHERE removed_at IS NULL AND source = 'base'")" "200"
finish
