# common.sh: helpers for the integration tests (sourced, bash).
# Needs: FAIRLIST (binary), FAIRLIST_SRC (source folder).
set -eu
: "${FAIRLIST:?set FAIRLIST to the fairlist binary}"
: "${FAIRLIST_SRC:?set FAIRLIST_SRC to the source folder}"
T=$(mktemp -d /tmp/fairlist-test.XXXXXX)
FAILS=0
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	if [ "$FAILS" -eq 0 ]; then rm -rf "$T"; else echo "left files in $T" >&2; fi
}
trap cleanup EXIT

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
	if [ "$FAILS" -eq 0 ]; then
		echo "all checks passed"
		exit 0
	fi
	echo "$FAILS check(s) failed"
	exit 1
}
