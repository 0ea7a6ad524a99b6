#!/usr/bin/env bash
# test_daemon_snapcache.sh: a snapshot cache that cannot be written
# (issue 9, hostile peer 5) is warned once, not after every compile, and
# its recovery is logged once ("writable again"). The cache is made
# unwritable with a directory where index_save writes <db>.snap.tmp, which
# fails for root too (EISDIR).
. "$FAIRLIST_SRC/tests/lib/common.sh"
need dig bind9-dnsutils

port=$(free_port)
db=$T/fl.db
cat > "$T/fl.conf" <<CONF
db $db
dns { listen 127.0.0.1:$port; workers 1; reload-interval 50; }
zone bl.fairlist.test
CONF
fl() { "$FAIRLIST" --config "$T/fl.conf" "$@"; }
q() { dig @127.0.0.1 -p "$port" +short +tries=1 +time=2 "$@"; }
listed() { [ "$(q "$1" A)" = "127.0.0.2" ]; }
# saved N: the log shows N successful or failed save attempts so far.
wrote() { [ "$(grep -c 'snapshot cache: wrote' "$T/serve.log")" -ge "$1" ]; }
warned() { [ "$(grep -c 'snapshot cache: cannot write' "$T/serve.log")" -ge "$1" ]; }

mkdir "$db.snap.tmp"
"$FAIRLIST" -v --config "$T/fl.conf" serve 2>"$T/serve.log" &
PIDS="$PIDS $!"
wait_for q 2.0.0.127.bl.fairlist.test A || { cat "$T/serve.log"; die "no answer"; }
wait_for warned 1 || fail "the startup compile's save was not attempted"

# Three compiles while the cache cannot be written: each is followed by a
# failed save once the daemon is idle (the listing answers first).
for i in 1 2 3; do
	fl add "192.0.2.$i" --reason "r$i" --evidence e >/dev/null
	wait_for listed "$i.2.0.192.bl.fairlist.test" || fail "192.0.2.$i not served"
	sleep 0.3	# idle polls: the save comes after the publish
done
check "three failing saves warned once" \
    "$(grep -c 'snapshot cache: cannot write' "$T/serve.log")" "1"
check "no recovery logged yet" "$(grep -c 'writable again' "$T/serve.log")" "0"

rmdir "$db.snap.tmp"
fl add 192.0.2.9 --reason r9 --evidence e >/dev/null
wait_for listed 9.2.0.192.bl.fairlist.test || fail "192.0.2.9 not served"
wait_for wrote 1 || fail "no save after the cache became writable"
check "recovery logged once" "$(grep -c "snapshot cache: $db.snap writable again" "$T/serve.log")" "1"
check "the cache file exists" "$([ -s "$db.snap" ] && echo yes)" "yes"

# Unwritable again: one new warning, after a new compile.
mkdir "$db.snap.tmp"
fl add 192.0.2.10 --reason r10 --evidence e >/dev/null
wait_for listed 10.2.0.192.bl.fairlist.test || fail "192.0.2.10 not served"
wait_for warned 2 || fail "the second failure was not warned"
fl add 192.0.2.11 --reason r11 --evidence e >/dev/null
wait_for listed 11.2.0.192.bl.fairlist.test || fail "192.0.2.11 not served"
sleep 0.3
check "second failure warned once" \
    "$(grep -c 'snapshot cache: cannot write' "$T/serve.log")" "2"
finish
