# hostile.sh: shared setup of the hostile-peer tests (sourced after
# common.sh). PYTHONPATH reaches tests/lib/hostile.py.
#
#   policy_conf FILE PORT [LINE...]   a config with one local blocklist,
#                                     bl.fairlist.test, and the policy
#                                     server on 127.0.0.1:PORT; each LINE
#                                     goes into the policy block
#   serve_pair, check_evicted, check_trickle_closed   what both trickle
#                                     tests do
export PYTHONPATH="$FAIRLIST_SRC/tests/lib${PYTHONPATH:+:$PYTHONPATH}"

policy_conf() {
	local f=$1 port=$2 line
	shift 2
	{
		echo "db $T/fl.db"
		echo "dns { listen 127.0.0.1:$(free_port); workers 1; }"
		echo "zone bl.fairlist.test"
		echo "policy {"
		echo "	listen 127.0.0.1:$port"
		echo "	blocklist bl.fairlist.test"
		echo "	probe-interval 0"
		echo "	spf { check no; }"
		for line in "$@"; do echo "	$line"; done
		echo "}"
	} > "$f"
}

# check_evicted HOLD-OUTPUT LOG: of c0 (answered last) and three
# tricklers, only the first trickler was closed, and the log says so.
check_evicted() {
	check "the least recently active connection was closed, the others kept" \
	    "$(sed -n '3,$p' "$1" | tr '\n' '|')" \
	    "c0 after: open|trickler 1 after: closed|trickler 2 after: open|trickler 3 after: open|"
	check "the limit is logged" \
	    "$(grep -c 'connection limit (4) reached; closing the least recently active' "$2")" "1"
}

# check_trickle_closed WHAT OUTPUT: a trickled message was closed.
check_trickle_closed() {
	case "$2" in
	"closed after "*) ok "$1 trickled a byte at a time is closed ($2)" ;;
	*) fail "$1 trickled a byte at a time: got '$2', want a close" ;;
	esac
}

# serve_pair: list 192.0.2.1, start $T/evict.conf and $T/slow.conf, their
# logs in $T/evict.log and $T/slow.log.
serve_pair() {
	"$FAIRLIST" --config "$T/evict.conf" add 192.0.2.1 --reason "listed" \
	    --evidence e >/dev/null
	"$FAIRLIST" --config "$T/evict.conf" serve 2>"$T/evict.log" &
	PIDS="$PIDS $!"
	"$FAIRLIST" --config "$T/slow.conf" serve 2>"$T/slow.log" &
	PIDS="$PIDS $!"
}
