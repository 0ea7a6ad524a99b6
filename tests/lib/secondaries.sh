# secondaries.sh: Knot and NSD as secondaries of a fairlist primary, for
# the zone transfer tests (sourced after common.sh). Each runs as a
# foreground process with its config and folders under $T, pulling with
# TSIG key xfr-key ($SECRET) from 127.0.0.1:PRIMARY and accepting NOTIFY
# from 127.0.0.1 with that key. Both let 127.0.0.1 transfer the zone
# from them without a key, so a test can compare what they hold.
#
#   start_knot PORT PRIMARY ZONE...   knotd on 127.0.0.1:PORT, log $T/knot/knot.log
#   start_nsd PORT PRIMARY ZONE...    nsd on 127.0.0.1:PORT, log $T/nsd/nsd.log
#   soa_serial PORT ZONE              the serial a server answers, or ""
#   wait_serial PORT ZONE SERIAL      wait up to 30 s for it; 1 if not

start_knot() {
	local port=$1 primary=$2 z
	shift 2
	mkdir -p "$T/knot"
	cat > "$T/knot/knot.conf" <<CONF
server:
    listen: 127.0.0.1@$port
    rundir: $T/knot
log:
  - target: $T/knot/knot.log
    any: info
key:
  - id: xfr-key
    algorithm: hmac-sha256
    secret: $SECRET
remote:
  - id: fairlist
    address: 127.0.0.1@$primary
    key: xfr-key
acl:
  - id: from_fairlist
    address: 127.0.0.1
    key: xfr-key
    action: notify
  - id: to_tests
    address: 127.0.0.1
    action: transfer
template:
  - id: default
    storage: $T/knot
    master: fairlist
    acl: [from_fairlist, to_tests]
    zonefile-sync: -1
    zonefile-load: none
    journal-content: none
zone:
CONF
	for z in "$@"; do echo "  - domain: $z" >> "$T/knot/knot.conf"; done
	knotd -c "$T/knot/knot.conf" >"$T/knot/stderr" 2>&1 &
	PIDS="$PIDS $!"
}

start_nsd() {
	local port=$1 primary=$2 z
	shift 2
	mkdir -p "$T/nsd"
	# rrl-ratelimit 0: NSD's default rate limit would slip the tests'
	# bursts of queries from one address.
	cat > "$T/nsd/nsd.conf" <<CONF
server:
    ip-address: 127.0.0.1@$port
    port: $port
    server-count: 1
    username: ""
    chroot: ""
    zonesdir: "$T/nsd"
    database: ""
    zonelistfile: "$T/nsd/zone.list"
    xfrdfile: "$T/nsd/xfrd.state"
    xfrdir: "$T/nsd"
    pidfile: "$T/nsd/nsd.pid"
    logfile: "$T/nsd/nsd.log"
    verbosity: 2
    rrl-ratelimit: 0
remote-control:
    control-enable: no
key:
    name: xfr-key
    algorithm: hmac-sha256
    secret: "$SECRET"
pattern:
    name: fromfairlist
    request-xfr: 127.0.0.1@$primary xfr-key
    allow-notify: 127.0.0.1 xfr-key
    provide-xfr: 127.0.0.1 NOKEY
CONF
	for z in "$@"; do
		printf 'zone:\n    name: %s\n    include-pattern: fromfairlist\n' \
		    "$z" >> "$T/nsd/nsd.conf"
	done
	nsd -d -c "$T/nsd/nsd.conf" >"$T/nsd/stderr" 2>&1 &
	PIDS="$PIDS $!"
}

soa_serial() {
	dig @127.0.0.1 -p "$1" +short +tries=1 +time=1 "$2" SOA 2>/dev/null |
	    awk '{ print $3 }'
}

wait_serial() {
	local i
	for i in $(seq 1 300); do
		[ "$(soa_serial "$1" "$2")" = "$3" ] && return 0
		sleep 0.1
	done
	return 1
}
