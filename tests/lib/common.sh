# common.sh: helpers for the integration tests (sourced, bash).
# Needs: FAIRLIST (binary), FAIRLIST_SRC (source folder).
#
#   need CMD PACKAGE     fail now unless CMD is installed (a peer is never
#                        skipped: CI installs every one, scripts/deps.sh test)
#   check NAME GOT WANT  compare, print "ok NAME" or "FAIL NAME: ...", count
#   ok NAME              count a check that passed
#   fail MESSAGE         count a check that failed, and go on
#   die MESSAGE          print "FAIL: MESSAGE" and exit 1
#   wait_for CMD...      retry CMD for up to 5 s
#   free_port            a free loopback port (UDP and TCP)
#   finish               exit 0 only if checks ran and none failed
set -eu
: "${FAIRLIST:?set FAIRLIST to the fairlist binary}"
: "${FAIRLIST_SRC:?set FAIRLIST_SRC to the source folder}"
T=$(mktemp -d /tmp/fairlist-test.XXXXXX)
FAILS=0
CHECKS=0
PIDS=""
# Daemons (knotd, postfix, named-checkzone) live in sbin.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/sbin" ;; esac
case ":$PATH:" in *:/sbin:*) ;; *) PATH="$PATH:/sbin" ;; esac
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	if [ "$FAILS" -eq 0 ]; then rm -rf "$T"; else echo "left files in $T" >&2; fi
}
trap cleanup EXIT

# need CMD PACKAGE: a missing peer is a failure that names its package.
need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	echo "FAIL: $1 not found: install the Debian package $2"
	FAILS=$((FAILS + 1))
	exit 1
}

die() {
	echo "FAIL: $*"
	FAILS=$((FAILS + 1))
	exit 1
}

ok() {
	echo "ok   $*"
	CHECKS=$((CHECKS + 1))
}

fail() {
	echo "FAIL $*"
	CHECKS=$((CHECKS + 1))
	FAILS=$((FAILS + 1))
}

# A free loopback port (UDP and TCP), chosen by the kernel.
free_port() {
	python3 -c 'import socket
while True:
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p)); print(p); break
    except OSError:
        pass'
}

# check NAME GOT WANT: compare and report.
check() {
	CHECKS=$((CHECKS + 1))
	if [ "$2" = "$3" ]; then
		echo "ok   $1"
	else
		echo "FAIL $1: got '$2', want '$3'"
		FAILS=$((FAILS + 1))
	fi
}

# wait_for CMD...: retry a command for up to 5 s until it succeeds.
wait_for() {
	local i
	for i in $(seq 1 100); do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.05
	done
	return 1
}

finish() {
	if [ "$CHECKS" -eq 0 ]; then
		echo "FAIL: no check ran"
		FAILS=$((FAILS + 1))
		exit 1
	fi
	if [ "$FAILS" -eq 0 ]; then
		echo "all $CHECKS checks passed"
		exit 0
	fi
	echo "$FAILS of $CHECKS check(s) failed"
	exit 1
}
