#!/usr/bin/env bash
# test_port53.sh: the daemon binds a port below 1024 (as 53 is) and then
# runs with no privilege left: started as root with 'user nobody', and
# started as nobody with CAP_NET_BIND_SERVICE in its ambient set (what the
# systemd unit's AmbientCapabilities= gives). Each time it answers, runs as
# nobody, and has empty effective, permitted and ambient capability sets.
. "$FAIRLIST_SRC/tests/lib/common.sh"

if [ "$(id -u)" != 0 ]; then
	echo "FAIL: this test needs root (CI runs as root)"
	exit 1
fi
need setpriv util-linux
need dig bind9-dnsutils
need ss iproute2
[ "$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)" -le 1000 ] &&
    die "ports below 1000 are not privileged here (net.ipv4.ip_unprivileged_port_start)"

# A free privileged port (UDP and TCP on 127.0.0.1), not listed by ss.
priv_port() {
	python3 -c 'import random, socket
for _ in range(200):
    p = random.randint(600, 999)
    try:
        t = socket.socket(); t.bind(("127.0.0.1", p))
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", p))
        print(p); break
    except OSError:
        pass'
}

chmod 0777 "$T"
nobody_uid=$(id -u nobody)
nobody_gid=$(id -g nobody)
db=$T/fl.db
"$FAIRLIST" --db "$db" add 192.0.2.5 --reason r --evidence e >/dev/null
chown nobody "$db"*
# setpriv execs the daemon: $! is the daemon's pid.
as_nobody="setpriv --reuid=$nobody_uid --regid=$nobody_gid --init-groups"
with_bind_cap="$as_nobody --inh-caps=+net_bind_service --ambient-caps=+net_bind_service"
field() { awk -v k="$1:" '$1 == k { print $2, $3, $4, $5 }' "/proc/$2/status"; }

# run NAME USERLINE [LAUNCHER]: serve on a privileged port, check it.
run() {
	local name=$1 userline=$2 port pid i
	local -a launcher
	read -r -a launcher <<< "${3:-}"
	port=$(priv_port)
	[ -n "$port" ] || die "no free port below 1000"
	ss -Hlnu "sport = :$port" | grep -q . && die "port $port is in use"
	printf 'db %s\n%s\ndns { listen 127.0.0.1:%s; }\npolicy { listen off; }\n' \
	    "$db" "$userline" "$port" > "$T/$name.conf"
	"${launcher[@]}" "$FAIRLIST" --config "$T/$name.conf" serve \
	    2>"$T/$name.log" &
	pid=$!
	PIDS="$PIDS $pid"
	q() { dig @127.0.0.1 -p "$port" +short +tries=1 +time=2 "$@"; }
	wait_for q 2.0.0.127.bl.fairlist.test A ||
	    { cat "$T/$name.log"; fail "$name: serves on port $port"; return; }
	check "$name: answers on port $port" \
	    "$(q 5.2.0.192.bl.fairlist.test A)" 127.0.0.2
	check "$name: bound the privileged port" \
	    "$(ss -Hlnu "sport = :$port" | wc -l)" 1
	check "$name: uid is nobody's" "$(field Uid "$pid")" \
	    "$nobody_uid $nobody_uid $nobody_uid $nobody_uid"
	check "$name: gid is nobody's" "$(field Gid "$pid")" \
	    "$nobody_gid $nobody_gid $nobody_gid $nobody_gid"
	for i in CapEff CapPrm CapAmb CapInh; do
		check "$name: $i is empty" "$(field $i "$pid")" \
		    "0000000000000000   "
	done
	kill "$pid"
	wait "$pid" || true
}

run root "user nobody"
run ambient "user nobody" "$with_bind_cap"
run ambient-no-user "" "$with_bind_cap"

# Without the capability the bind fails: the port is a privileged one.
port=$(priv_port)
printf 'db %s\ndns { listen 127.0.0.1:%s; }\npolicy { listen off; }\n' \
    "$db" "$port" > "$T/nocap.conf"
rc=0
timeout 20 $as_nobody "$FAIRLIST" --config "$T/nocap.conf" serve \
    2>"$T/nocap.log" || rc=$?
check "without CAP_NET_BIND_SERVICE serve fails" "$rc" 1
check "and says why" "$(grep -c 'Permission denied' "$T/nocap.log")" 1
finish
