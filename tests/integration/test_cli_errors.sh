#!/bin/bash
# test_cli_errors.sh: bad command lines are refused with one error line
# "fairlist: COMMAND: message" and exit status 2, before any work is done
# (issue 9: DNS server addresses that the old parsers accepted and sent
# elsewhere; error lines of every form).
. "$FAIRLIST_SRC/tests/lib/common.sh"

# refuse NAME PATTERN ARGS...: exit 2, stderr one line matching PATTERN.
refuse() {
	local name=$1 pat=$2 rc
	shift 2
	"$FAIRLIST" --db "$T/t.db" "$@" </dev/null >"$T/out" 2>"$T/err"
	rc=$?
	check "$name: exit" "$rc" 2
	check "$name: one line" "$(wc -l <"$T/err")" 1
	if grep -Eq "$pat" "$T/err"; then
		echo "ok   $name: message"
	else
		echo "FAIL $name: stderr '$(cat "$T/err")', want /$pat/"
		FAILS=$((FAILS + 1))
	fi
}
set +e

# Item 1: each address the configuration refuses, on every command that
# takes a DNS server.
for a in 8.8.8.8.8 1.2.3.4.5.6 127.0.0.1.5 127.0.0.1:0 127.1 \
    '[127.0.0.1]:53' 127.0.0.1,127.1; do
	refuse "spf --dns-server $a" \
	    "^fairlist: spf check: --dns-server: bad DNS server" \
	    spf check --ip 192.0.2.1 --mail-from a@example.org --dns-server "$a"
	refuse "check --resolver $a" \
	    "^fairlist: check: --resolver: bad DNS server" \
	    check 192.0.2.1 --resolver "$a"
	refuse "dkim verify --resolver $a" \
	    "^fairlist: dkim verify: --resolver: bad DNS server" \
	    dkim verify --resolver "$a"
done
# The store was not touched by any of them.
check "no store made" "$(ls "$T" | grep -c '^t\.db')" 0

finish
