#!/usr/bin/env bash
# test_daemon_listen.sh: serve's --listen (issue 9, new user 10): a bare
# IPv6 address ending in a decimal group (::1:5300) is refused with a hint
# to write [::1]:5300 instead of being served on another address; the
# bracketed form and IPv4 ADDR:PORT serve.
. "$FAIRLIST_SRC/tests/lib/common.sh"
need dig bind9-dnsutils

db=$T/fl.db
"$FAIRLIST" --db "$db" add 192.0.2.1 --reason "listen test" --evidence e >/dev/null

# Refused at once: exit 2, the serve prefix, and the bracketed spelling.
# timeout turns the old behaviour (serving on [::1:5300]:53) into rc 124.
rc=0
timeout 10 "$FAIRLIST" --db "$db" serve --listen ::1:5300 \
    --policy-listen off >"$T/out" 2>"$T/err" || rc=$?
check "::1:5300 refused with usage status" "$rc" "2"
check "the error names serve" "$(grep -c '^fairlist: serve: ' "$T/err")" "1"
check "the error says to write [::1]:5300" "$(grep -cF '[::1]:5300' "$T/err")" "1"

rc=0
timeout 10 "$FAIRLIST" --db "$db" serve --listen 2001:db8::1:53 \
    --policy-listen off >"$T/out" 2>"$T/err2" || rc=$?
check "2001:db8::1:53 refused" "$rc" "2"

# The bracketed form serves on ::1 at that port, IPv4 ADDR:PORT on 127.0.0.1.
port=$(free_port)
"$FAIRLIST" --db "$db" serve --listen "[::1]:$port" \
    --listen "127.0.0.1:$port" --policy-listen off 2>"$T/serve.log" &
PIDS="$PIDS $!"
q6() { dig @::1 -p "$port" +short +tries=1 +time=2 "$@"; }
wait_for q6 2.0.0.127.bl.fairlist.test A || { cat "$T/serve.log"; die "no answer on [::1]:$port"; }
check "[::1]:PORT answers" "$(q6 1.2.0.192.bl.fairlist.test A)" "127.0.0.2"
check "127.0.0.1:PORT answers" \
    "$(dig @127.0.0.1 -p "$port" +short +tries=1 +time=2 1.2.0.192.bl.fairlist.test A)" \
    "127.0.0.2"
finish
