#!/usr/bin/env bash
# test_snapshot_cache.sh: the daemon's snapshot cache (<db>.snap): written
# after a compile, loaded at the next start when the store is unchanged,
# ignored (recompiled) when the store changed while the daemon was down,
# and a corrupt file gives a warning and a compile, never a wrong answer.
. "$FAIRLIST_SRC/tests/lib/common.sh"

port=$(free_port)
db=$T/fl.db
snap=$db.snap
cat > "$T/fl.conf" <<CONF
db $db
dns {
	listen 127.0.0.1:$port
	workers 1
	reload-interval 100
}
zone bl.fairlist.test
CONF
fl() { "$FAIRLIST" --config "$T/fl.conf" "$@"; }
q() { dig @127.0.0.1 -p "$port" +short +tries=1 +time=2 "$@"; }

serve_pid=""
start() {	# start LOG: run the daemon until the test point answers
	"$FAIRLIST" --config "$T/fl.conf" serve 2>"$1" &
	serve_pid=$!
	PIDS="$PIDS $serve_pid"
	wait_for q 2.0.0.127.bl.fairlist.test A || { cat "$1"; exit 1; }
}
stop() {
	kill -TERM "$serve_pid"
	wait "$serve_pid" || true
}

fl add 192.0.2.1 --reason "first listing" --evidence e >/dev/null
fl add 2001:db8::/32 --reason "v6 net" --evidence e >/dev/null

# 1. No cache yet: compile, then the file is written.
start "$T/serve1.log"
check "first start compiled" "$(grep -c "from $db in" "$T/serve1.log")" "1"
wait_for test -s "$snap" || true
stop
check "snapshot written beside the store" "$(test -s "$snap" && echo yes)" "yes"

# 2. Unchanged store: loaded from the file, same answers.
start "$T/serve2.log"
check "second start loaded the snapshot" \
    "$(grep -c "from $snap in" "$T/serve2.log")" "1"
check "listed from the snapshot" "$(q 1.2.0.192.bl.fairlist.test A)" "127.0.0.2"
check "IPv6 listed from the snapshot" \
    "$(q 1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.fairlist.test A)" \
    "127.0.0.2"
check "not listed from the snapshot" "$(q 2.2.0.192.bl.fairlist.test A)" ""
stop

# 3. The store changes while the daemon is down: recompile, new answer.
"$FAIRLIST" --db "$db" add 198.51.100.7 --reason "added while down" \
    --evidence e >/dev/null
start "$T/serve3.log"
check "changed store recompiled" "$(grep -c "from $db in" "$T/serve3.log")" "1"
check "stale snapshot not loaded" "$(grep -c "from $snap in" "$T/serve3.log")" "0"
check "new listing answers" "$(q 7.100.51.198.bl.fairlist.test A)" "127.0.0.2"
check "old listing answers" "$(q 1.2.0.192.bl.fairlist.test A)" "127.0.0.2"
# The reload thread saves the new compile; wait for the file to change.
for i in $(seq 1 50); do
	[ "$snap" -nt "$T/serve2.log" ] && break
	sleep 0.1
done
stop
start "$T/serve3b.log"
check "rewritten snapshot loaded" "$(grep -c "from $snap in" "$T/serve3b.log")" "1"
check "new listing from the snapshot" "$(q 7.100.51.198.bl.fairlist.test A)" "127.0.0.2"
stop

# A removal while down must not be answered from the old file either.
"$FAIRLIST" --db "$db" remove 198.51.100.7 --why "test" >/dev/null
start "$T/serve4.log"
check "removal recompiled" "$(grep -c "from $db in" "$T/serve4.log")" "1"
check "removed listing gone" "$(q 7.100.51.198.bl.fairlist.test A)" ""
for i in $(seq 1 50); do
	[ "$snap" -nt "$T/serve3b.log" ] && break
	sleep 0.1
done
stop

# 4. A corrupt file: a warning, a compile, correct answers.
size=$(stat -c %s "$snap")
dd if=/dev/urandom of="$snap" bs=1 count=16 seek=$((size / 2)) conv=notrunc \
    2>/dev/null
start "$T/serve5.log"
check "corrupt snapshot warned about" \
    "$(grep -c "snapshot cache: .*checksum" "$T/serve5.log")" "1"
check "corrupt snapshot recompiled" "$(grep -c "from $db in" "$T/serve5.log")" "1"
check "listed after corrupt snapshot" "$(q 1.2.0.192.bl.fairlist.test A)" "127.0.0.2"
check "removed stays removed" "$(q 7.100.51.198.bl.fairlist.test A)" ""
stop

# A truncated file too.
truncate -s 100 "$snap"
start "$T/serve6.log"
check "truncated snapshot warned about" \
    "$(grep -c "snapshot cache: .*truncated" "$T/serve6.log")" "1"
check "listed after truncated snapshot" "$(q 1.2.0.192.bl.fairlist.test A)" "127.0.0.2"
stop

# 5. snapshot-cache no: neither read nor written.
rm -f "$snap"
sed -i 's/reload-interval 100/reload-interval 100\n\tsnapshot-cache no/' "$T/fl.conf"
start "$T/serve7.log"
sleep 0.3
stop
check "snapshot-cache no writes nothing" "$(test -e "$snap" && echo yes || echo no)" "no"

finish
