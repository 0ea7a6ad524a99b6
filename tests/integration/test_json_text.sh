#!/bin/bash
# test_json_text.sh: --json output goes through one JSON path (jansson,
# str_json): a reason with quotes, a backslash, UTF-8 and text that
# looks like an escape comes back byte for byte from show --json and list
# --json as parsed by python3's json; a reason that is not UTF-8 (written
# by SQL, as by an old version) keeps its key, in the \xHH form the text
# output shows (issue 9, part 5: the key was dropped).
. "$FAIRLIST_SRC/tests/lib/common.sh"
need sqlite3 sqlite3
need python3 python3
set +e
DB=$T/fl.db
fl() { "$FAIRLIST" --db "$DB" "$@"; }

REASON='say "hi" \ back\slash, café ☃ 名前, \n \u0000 \x41 $reason %s'
fl add 192.0.2.1 --reason "$REASON" --evidence 'e "quoted" \t' >/dev/null \
    2>"$T/err" || { cat "$T/err"; die "add"; }

# jget FILE EXPR: EXPR over the JSON document d in FILE, printed raw.
jget() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
sys.stdout.write(str(eval(sys.argv[2])))' "$1" "$2"
}

fl show 192.0.2.1 --json >"$T/show.json"
check "show --json: exit" "$?" 0
check "show --json: reason" "$(jget "$T/show.json" 'd["listings"][0]["reason"]')" "$REASON"
check "show --json: evidence" "$(jget "$T/show.json" 'd["listings"][0]["evidence"]')" 'e "quoted" \t'
fl list --json >"$T/list.json"
check "list --json: exit" "$?" 0
check "list --json: reason" "$(jget "$T/list.json" 'd["listings"][0]["reason"]')" "$REASON"
check "list --json: UTF-8 as UTF-8" \
    "$(grep -c 'café ☃ 名前' "$T/list.json")" 1

# Not UTF-8 in the store: the key stays, with the escaped text.
sqlite3 "$DB" "UPDATE listing SET reason = CAST(X'6f6c64ff20726f77' AS TEXT) WHERE id = 1"
fl show 192.0.2.1 --json >"$T/bad.json"
check "not UTF-8: show --json exit" "$?" 0
check "not UTF-8: show --json reason kept" \
    "$(jget "$T/bad.json" 'd["listings"][0]["reason"]')" 'old\xff row'
fl list --json >"$T/badl.json"
check "not UTF-8: list --json reason kept" \
    "$(jget "$T/badl.json" 'd["listings"][0]["reason"]')" 'old\xff row'
check "not UTF-8: text output the same" \
    "$(fl show 192.0.2.1 | sed -n 's/^  reason:   //p')" 'old\xff row'

finish
