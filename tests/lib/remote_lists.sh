# remote_lists.sh: public DNSBLs simulated on loopback with real servers,
# for the gatekeeper's tests (sourced, bash).
#
# Usage, after tests/lib/common.sh (it needs FAIRLIST, T, PIDS, free_port):
#
#	. "$FAIRLIST_SRC/tests/lib/common.sh"
#	. "$FAIRLIST_SRC/tests/lib/remote_lists.sh"
#
# Sourcing starts the servers and returns once they answer (or exits 1 with
# the server's log). Their processes are added to PIDS, so common.sh's EXIT
# trap stops them; a test with its own trap calls remote_lists_stop.
#
# What runs:
#   - a second `fairlist serve` (its own store in $T/remote/, one worker, no
#     policy listener) on REMOTE_DNS=127.0.0.1:PORT, UDP and TCP, serving
#       lists.test  192.0.2.10, 192.0.2.11 and 198.51.100.0/28 with code
#                   127.0.0.2, 192.0.2.12 with 127.0.0.4, 2001:db8::10 with
#                   127.0.0.2; TXT is the listing's reason
#       other.test  192.0.2.10 with 127.0.0.2
#       err.test    every IPv4 address (0.0.0.0/0) answers 127.255.255.254,
#                   the Spamhaus "you may not query" error code
#   - a dead server on DEAD_DNS=127.0.0.1:PORT2: a UDP socket and a TCP
#     listener that never answer (connections are accepted by the kernel's
#     backlog and then left silent).
#
# Every fairlist zone also answers the RFC 5782 test points on its own:
# 2.0.0.127.ZONE is listed (127.0.0.2), 1.0.0.127.ZONE is not. That holds
# for err.test too (the test point is more specific than 0.0.0.0/0), so a
# health probe finds err.test alive and its answers count as errors.
#
# Variables exported (addresses as the client would connect from):
#   REMOTE_DNS, REMOTE_PORT, DEAD_DNS, DEAD_PORT
#   REMOTE_LISTED_BOTH   192.0.2.10  on lists.test and other.test (127.0.0.2)
#   REMOTE_LISTED        192.0.2.11  on lists.test only (127.0.0.2)
#   REMOTE_LISTED_CODE4  192.0.2.12  on lists.test only, code 127.0.0.4
#   REMOTE_LISTED_RANGE  198.51.100.5  inside 198.51.100.0/28 on lists.test
#   REMOTE_LISTED6       2001:db8::10  on lists.test (127.0.0.2)
#   REMOTE_UNLISTED      192.0.2.99  on no list (except err.test's error)
#   REMOTE_REASON        the reason (TXT) of REMOTE_LISTED
# Zones: REMOTE_ZONE_LISTS=lists.test REMOTE_ZONE_OTHER=other.test
#        REMOTE_ZONE_ERR=err.test
#
# Example policy block for the fairlist under test:
#	policy { resolver $REMOTE_DNS; dnsbl lists.test*2 other.test err.test }
# (key names: docs/CONFIG.md).

: "${T:?source tests/lib/common.sh first}"

REMOTE_ZONE_LISTS=lists.test
REMOTE_ZONE_OTHER=other.test
REMOTE_ZONE_ERR=err.test
REMOTE_LISTED_BOTH=192.0.2.10
REMOTE_LISTED=192.0.2.11
REMOTE_LISTED_CODE4=192.0.2.12
REMOTE_LISTED_RANGE=198.51.100.5
REMOTE_LISTED6=2001:db8::10
REMOTE_UNLISTED=192.0.2.99
REMOTE_REASON="sent spam to trap t7 (remote list)"
export REMOTE_ZONE_LISTS REMOTE_ZONE_OTHER REMOTE_ZONE_ERR REMOTE_LISTED_BOTH
export REMOTE_LISTED REMOTE_LISTED_CODE4 REMOTE_LISTED_RANGE REMOTE_LISTED6
export REMOTE_UNLISTED REMOTE_REASON

_rl_dir=$T/remote
_rl_pids=""

remote_lists_stop() {
	local p
	for p in $_rl_pids; do kill "$p" 2>/dev/null || true; done
	for p in $_rl_pids; do wait "$p" 2>/dev/null || true; done
	_rl_pids=""
}

# _rl_conf POLICYBLOCK: the remote server's configuration.
_rl_conf() {
	cat > "$_rl_dir/remote.conf" <<CONF
db $_rl_dir/remote.db
dns {
	listen 127.0.0.1:$REMOTE_PORT
	workers 1
	snapshot-cache no
}
zone lists.test { txt "\$reason" }
zone other.test { txt "\$reason" }
zone err.test { txt "query refused (test error code)" }
$1
CONF
}

_rl_fl() { "$FAIRLIST" --config "$_rl_dir/remote.conf" "$@" >/dev/null; }

_rl_answers() {
	[ "$(dig @127.0.0.1 -p "$REMOTE_PORT" +short +tries=1 +time=1 \
	    "$1" A 2>/dev/null)" = "$2" ]
}

# _rl_wait PID: until the server answers (0), exits or 5 s pass (1).
_rl_wait() {
	local i
	for i in $(seq 1 100); do
		_rl_answers 2.0.0.127.lists.test 127.0.0.2 && return 0
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

_rl_start() {
	local policy try pid
	mkdir -p "$_rl_dir"
	REMOTE_PORT=$(free_port)
	DEAD_PORT=$(free_port)
	REMOTE_DNS=127.0.0.1:$REMOTE_PORT
	DEAD_DNS=127.0.0.1:$DEAD_PORT
	export REMOTE_PORT DEAD_PORT REMOTE_DNS DEAD_DNS

	_rl_conf ""
	# Only serve writes the configured zones; the adds come before it.
	_rl_fl zone add lists.test
	_rl_fl zone add other.test
	_rl_fl zone add err.test
	_rl_fl add "$REMOTE_LISTED_BOTH" --zone lists.test \
	    --reason "listed on two lists" --evidence fixture
	_rl_fl add "$REMOTE_LISTED_BOTH" --zone other.test \
	    --reason "listed on two lists" --evidence fixture
	_rl_fl add "$REMOTE_LISTED" --zone lists.test \
	    --reason "$REMOTE_REASON" --evidence fixture
	_rl_fl add "$REMOTE_LISTED_CODE4" --zone lists.test --code 127.0.0.4 \
	    --reason "code four" --evidence fixture
	_rl_fl add 198.51.100.0/28 --zone lists.test \
	    --reason "snowshoe range" --evidence fixture
	_rl_fl add "$REMOTE_LISTED6" --zone lists.test \
	    --reason "ipv6 listing" --evidence fixture
	# The code on the listing, not the zone: the test point keeps the
	# zone's 127.0.0.2. fairlist refuses to list with an error code, so
	# the fixture writes it into the store by SQL, as a list that
	# answers errors would.
	_rl_fl add 0.0.0.0/0 --zone err.test --code 127.0.0.3 \
	    --reason "error answer for everything" --evidence fixture
	python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE listing SET code = 2147483646 WHERE zone ="
    " (SELECT id FROM zone WHERE name = ?)", ("err.test",))
db.commit()' "$_rl_dir/remote.db"

	# The dead server: binds UDP and TCP on DEAD_PORT and never answers.
	python3 -c 'import socket, sys, time
p = int(sys.argv[1])
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", p))
t = socket.socket()
t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("127.0.0.1", p))
t.listen(64)
while True:
    time.sleep(3600)' "$DEAD_PORT" 2>"$_rl_dir/dead.log" &
	_rl_pids="$_rl_pids $!"
	PIDS="$PIDS $!"

	# No policy listener for this instance: "listen off" where the policy
	# block knows it, else a spare loopback port, else no block at all
	# (a daemon without policy support).
	for try in off port none; do
		case $try in
		off)	policy="policy { listen off }" ;;
		port)	policy="policy { listen 127.0.0.1:$(free_port) }" ;;
		none)	policy="" ;;
		esac
		_rl_conf "$policy"
		"$FAIRLIST" --config "$_rl_dir/remote.conf" serve \
		    2>"$_rl_dir/serve.log" &
		pid=$!
		if _rl_wait "$pid"; then
			_rl_pids="$_rl_pids $pid"
			PIDS="$PIDS $pid"
			REMOTE_POLICY_CONF=$try
			break
		fi
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		pid=""
	done
	if [ -z "$pid" ]; then
		echo "remote_lists.sh: the remote fairlist did not start:" >&2
		cat "$_rl_dir/serve.log" >&2
		exit 1
	fi
	if ! _rl_answers 11.2.0.192.lists.test 127.0.0.2 ||
	    ! _rl_answers 12.2.0.192.lists.test 127.0.0.4 ||
	    ! _rl_answers 10.2.0.192.other.test 127.0.0.2 ||
	    ! _rl_answers 99.2.0.192.err.test 127.255.255.254 ||
	    ! _rl_answers 99.2.0.192.lists.test ""; then
		echo "remote_lists.sh: the remote zones answer wrongly:" >&2
		dig @127.0.0.1 -p "$REMOTE_PORT" +short 99.2.0.192.err.test >&2
		cat "$_rl_dir/serve.log" >&2
		exit 1
	fi
	export REMOTE_POLICY_CONF
}

_rl_start
