#!/usr/bin/env bash
# test_reload_wake.sh: a change another process commits to the store wakes
# the daemon's reload thread at once (inotify on the store's WAL file),
# not at its next reload-interval: with the longest interval (60 s) an add,
# a remove and an import, one after the other, are each served within the
# few seconds wait_for allows. A poll alone would have to tick inside
# each of those windows (about 1 in 12 each).
. "$FAIRLIST_SRC/tests/lib/common.sh"
need dig bind9-dnsutils

port=$(free_port)
cat > "$T/fl.conf" <<CONF
db $T/fl.db
dns {
	listen 127.0.0.1:$port
	workers 1
	reload-interval 60000
}
zone bl.fairlist.test
CONF
fl() { "$FAIRLIST" --config "$T/fl.conf" "$@"; }
q() { dig @127.0.0.1 -p "$port" +short +tries=1 +time=2 "$@"; }
answers() { [ "$(q "$1" A)" = "$2" ]; }

fl add 192.0.2.1 --reason "first" --evidence e >/dev/null
"$FAIRLIST" --config "$T/fl.conf" serve 2>"$T/serve.log" &
PIDS="$PIDS $!"
wait_for answers 1.2.0.192.bl.fairlist.test 127.0.0.2 || {
	cat "$T/serve.log"; exit 1; }

fl add 198.51.100.7 --reason "added" --evidence e >/dev/null
wait_for answers 7.100.51.198.bl.fairlist.test 127.0.0.2 || true
check "add served before the next poll" \
    "$(q 7.100.51.198.bl.fairlist.test A)" "127.0.0.2"

fl remove 198.51.100.7 --why "test" >/dev/null
wait_for answers 7.100.51.198.bl.fairlist.test "" || true
check "remove served before the next poll" \
    "$(q 7.100.51.198.bl.fairlist.test A)" ""

printf '203.0.113.5\n203.0.113.6\n' > "$T/feed.txt"
fl import "$T/feed.txt" --format plain --zone bl.fairlist.test >/dev/null
wait_for answers 6.113.0.203.bl.fairlist.test 127.0.0.2 || true
check "import served before the next poll" \
    "$(q 6.113.0.203.bl.fairlist.test A)" "127.0.0.2"
check "one compile per change, none failed" \
    "$(grep -c 'compile failed' "$T/serve.log")" "0"
finish
