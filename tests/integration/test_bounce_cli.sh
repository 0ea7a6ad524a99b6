#!/bin/bash
# test_bounce_cli.sh: "fairlist bounce classify": exit status 0 for a
# classified bounce, 1 for unknown, 2 for bad usage or an unreadable
# file; --json fields (class, action, list, ip, status, rule, dsn);
# --text, FILE, stdin and "-" give the same answer; a message larger
# than the read limit is cut, not refused.
set -eu
. "$FAIRLIST_SRC/tests/lib/common.sh"
set +e	# each step checks its own status
need python3 python3
C=$FAIRLIST_SRC/tests/data/bounce/cases

# json FILE KEY: one field of a JSON object ("null" for null).
json() {
	python3 -c 'import json,sys
v = json.load(open(sys.argv[1]))[sys.argv[2]]
print("null" if v is None else str(v).lower() if isinstance(v, bool) else v)' "$1" "$2"
}

# A DSN from a file: exit 0 and the JSON fields.
"$FAIRLIST" bounce classify --json "$C/dsn-postfix-zen.eml" >"$T/a.json" 2>"$T/err"
check "dsn file: exit" "$?" 0
check "dsn file: class" "$(json "$T/a.json" class)" blocklist
check "dsn file: action" "$(json "$T/a.json" action)" keep
check "dsn file: list" "$(json "$T/a.json" list)" zen.spamhaus.org
check "dsn file: ip" "$(json "$T/a.json" ip)" 203.0.113.5
check "dsn file: status" "$(json "$T/a.json" status)" 5.7.1
check "dsn file: dsn" "$(json "$T/a.json" dsn)" true
check "dsn file: rule" "$(json "$T/a.json" rule)" spamhaus-query
check "dsn file: recipient" "$(json "$T/a.json" recipient)" "rfc822; alice@example.com"

# The same message on stdin and as "-".
"$FAIRLIST" bounce classify --json <"$C/dsn-postfix-zen.eml" >"$T/b.json"
check "stdin: exit" "$?" 0
check "stdin: same JSON as the file" "$(cmp -s "$T/a.json" "$T/b.json" && echo same)" same
"$FAIRLIST" bounce classify --json - <"$C/dsn-postfix-zen.eml" >"$T/c.json"
check "'-': same JSON as the file" "$(cmp -s "$T/a.json" "$T/c.json" && echo same)" same

# --text: the resolver error, and a dead mailbox is suppress.
"$FAIRLIST" bounce classify --json --text '554 5.7.1 Service unavailable; Client host [203.0.113.5] blocked using zen.spamhaus.org; Error: open resolver; https://www.spamhaus.org/returnc/pub/192.0.2.53' >"$T/d.json"
check "--text resolver: exit" "$?" 0
check "--text resolver: class" "$(json "$T/d.json" class)" resolver-error
check "--text resolver: dsn" "$(json "$T/d.json" dsn)" false
"$FAIRLIST" bounce classify --text '550 5.1.1 <x@example.com>: Recipient address rejected: User unknown' >"$T/e.out"
check "--text user unknown: exit" "$?" 0
check "--text user unknown: text output" "$(grep -E '^(class|action):' "$T/e.out" | tr -s ' ' | tr '\n' ';')" "class: user-unknown;action: suppress;"

# Unknown: exit 1, class unknown, still one JSON object.
"$FAIRLIST" bounce classify --json --text 'Something went wrong.' >"$T/f.json"
check "unknown: exit" "$?" 1
check "unknown: class" "$(json "$T/f.json" class)" unknown
check "unknown: list null" "$(json "$T/f.json" list)" null
printf '' | "$FAIRLIST" bounce classify >/dev/null
check "empty stdin: exit" "$?" 1

# Errors: exit 2 with one "fairlist: bounce ..." line.
"$FAIRLIST" bounce classify "$T/missing.eml" >/dev/null 2>"$T/err"
check "missing file: exit" "$?" 2
check "missing file: message" "$(cat "$T/err")" "fairlist: bounce classify: $T/missing.eml: No such file or directory"
"$FAIRLIST" bounce classify --bogus >/dev/null 2>"$T/err"
check "bad option: exit" "$?" 2
check "bad option: one line" "$(wc -l <"$T/err")" 1
"$FAIRLIST" bounce classify --text x extra >/dev/null 2>"$T/err"
check "--text and FILE: exit" "$?" 2
"$FAIRLIST" bounce classify a b >/dev/null 2>"$T/err"
check "two files: exit" "$?" 2
"$FAIRLIST" bounce frobnicate >/dev/null 2>"$T/err"
check "unknown subcommand: exit" "$?" 2
check "unknown subcommand: message" "$(cat "$T/err")" "fairlist: bounce: unknown subcommand 'frobnicate' (classify)"
"$FAIRLIST" bounce classify --help >"$T/help"
check "--help: exit" "$?" 0
check "--help: usage" "$(grep -c '^usage: fairlist bounce classify' "$T/help")" 1

# Past the 4 MiB read limit: the answer behind it is not read (unknown),
# and the command neither fails nor refuses.
python3 -c 'import sys
sys.stdout.write("From: a@example.org\nContent-Type: text/plain\n\n")
sys.stdout.write(("x" * 79 + "\n") * 60000)
sys.stdout.write("550 5.1.1 User unknown\n")' >"$T/big.eml"
"$FAIRLIST" bounce classify "$T/big.eml" >/dev/null
check "over the limit: exit (unknown)" "$?" 1
head -c 1000 "$T/big.eml" >"$T/small.eml"
echo "550 5.1.1 User unknown" >>"$T/small.eml"
"$FAIRLIST" bounce classify "$T/small.eml" >/dev/null
check "under the limit: exit (classified)" "$?" 0

finish
