#!/bin/bash
# test_error_format.sh: every error of the listing, report, check, spf and
# dkim commands, and of main's own checks, is one line "fairlist: COMMAND:
# message" on stderr, getopt's complaints included, with no usage text
# after it (issue 9, item 10); check names the store's path once.
. "$FAIRLIST_SRC/tests/lib/common.sh"
need sqlite3 sqlite3
set +e
DB=$T/fl.db
"$FAIRLIST" --db "$DB" zone add x.test >/dev/null || die "zone add"

# err RC CMD ARGS...: exit RC and one line "fairlist: CMD: ..." on stderr.
err() {
	local rc=$1 cmd=$2 name got
	shift 2
	name="$*"
	timeout 20 "$FAIRLIST" --db "$DB" "$@" </dev/null >"$T/out" 2>"$T/err"
	got=$?
	check "$name: exit" "$got" "$rc"
	check "$name: one line" "$(wc -l <"$T/err")" 1
	if grep -q "^fairlist: $cmd: [^ ]" "$T/err"; then
		ok "$name: format"
	else
		fail "$name: stderr '$(cat "$T/err")', want 'fairlist: $cmd: ...'"
	fi
}

# getopt's own complaints, for every command.
for c in add remove show update list audit stats check; do
	err 2 "$c" "$c" --frobnicate
done
err 2 "spf check" spf check --frobnicate
err 2 "spf check" spf check --ip
err 2 "dkim sign" dkim sign --frobnicate
err 2 "dkim keygen" dkim keygen --bits
err 2 "dkim verify" dkim verify --frobnicate
err 2 "zone" zone list --frobnicate
err 2 "import" import --frobnicate
err 2 "export" export --frobnicate
err 2 "export" export --zone
err 2 "serve" serve --frobnicate
err 2 "serve" serve --listen
check "getopt's wording: spf" "$("$FAIRLIST" spf check --frobnicate 2>&1)" \
    "fairlist: spf check: unknown option '--frobnicate' (see 'fairlist spf check --help')"
check "getopt's wording: dkim" "$("$FAIRLIST" dkim sign --selector 2>&1)" \
    "fairlist: dkim sign: option '--selector' needs a value (see 'fairlist dkim sign --help')"

# Missing arguments and subcommands: one line with the hint, no usage.
err 2 "spf" spf
err 2 "spf" spf frob
err 2 "spf check" spf check
err 2 "spf suite" spf suite
err 2 "dkim" dkim
err 2 "dkim" dkim frob
err 2 "dkim sign" dkim sign
err 2 "dkim keygen" dkim keygen
err 2 "dkim verify" dkim verify extra
err 2 "check" check
err 2 "zone" zone
err 1 "show" show 192.0.2.1/24
err 1 "add" add 192.0.2.1 --zone nope.test --reason r --evidence e

# main's own errors name the command, or the word that is not one.
err 2 "frobnicate" frobnicate
check "unknown command" "$("$FAIRLIST" frobnicate 2>&1)" \
    "fairlist: frobnicate: unknown command (see 'fairlist --help')"
check "--db without a value" "$("$FAIRLIST" --db 2>&1)" \
    "fairlist: option '--db' needs a value (see 'fairlist --help')"
err 1 "add" --config "$T/missing.conf" add 192.0.2.1 --reason r --evidence e
printf 'policy {\n\tthreshold lots\n}\n' >"$T/bad.conf"
err 2 "check" --config "$T/bad.conf" check 192.0.2.1
err 1 "list" --config "$T/bad.conf" list

# check: a store it cannot read is named once, with SQLite's reason.
echo "not a database" >"$T/junk.db"
printf 'policy {\n\tlisten off\n\tblocklist x.test\n\tresolver 127.0.0.1:9\n}\n' >"$T/p.conf"
"$FAIRLIST" --db "$T/junk.db" --config "$T/p.conf" check 192.0.2.1 \
    --no-probe >/dev/null 2>"$T/err"
check "check, bad store: exit" "$?" 2
check "check, bad store: message" "$(cat "$T/err")" \
    "fairlist: check: $T/junk.db: file is not a database"

finish
