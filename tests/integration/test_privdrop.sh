#!/usr/bin/env bash
# test_privdrop.sh: started as root with 'user nobody', the daemon binds
# its sockets, then runs as nobody (uid and gid), still answers, and still
# serves changes made by the CLI.
. "$FAIRLIST_SRC/tests/lib/common.sh"

if [ "$(id -u)" != 0 ]; then
	echo "FAIL: this test needs root (CI runs as root)"
	exit 1
fi
chmod 0777 "$T"
port=$(free_port)
db=$T/fl.db
cat > "$T/fl.conf" <<CONF
db $db
user nobody
dns { listen 127.0.0.1:$port; reload-interval 100; }
CONF
q() { dig @127.0.0.1 -p "$port" +short +tries=1 +time=2 "$@"; }
"$FAIRLIST" --config "$T/fl.conf" add 192.0.2.5 --reason r --evidence e >/dev/null
"$FAIRLIST" --config "$T/fl.conf" serve 2>"$T/serve.log" &
pid=$!
PIDS="$PIDS $pid"
wait_for q 2.0.0.127.bl.fairlist.test A || { cat "$T/serve.log"; exit 1; }
nobody_uid=$(id -u nobody)
nobody_gid=$(id -g nobody)
check "real, effective, saved uid are nobody's" \
    "$(awk '/^Uid:/ {print $2, $3, $4}' /proc/$pid/status)" \
    "$nobody_uid $nobody_uid $nobody_uid"
check "gid is nobody's" "$(awk '/^Gid:/ {print $2, $3, $4}' /proc/$pid/status)" \
    "$nobody_gid $nobody_gid $nobody_gid"
check "answers after dropping privileges" "$(q 5.2.0.192.bl.fairlist.test A)" "127.0.0.2"
"$FAIRLIST" --config "$T/fl.conf" add 192.0.2.6 --reason r --evidence e >/dev/null
answers() { [ "$(q 6.2.0.192.bl.fairlist.test A)" = 127.0.0.2 ]; }
wait_for answers || true
check "serves a change made by root's CLI" "$(q 6.2.0.192.bl.fairlist.test A)" "127.0.0.2"
check "no root warning in the log" "$(grep -c 'running as root' "$T/serve.log")" "0"
finish
