#!/usr/bin/env bash
# test_default_policy.sh: issue 9 item 12, the embedded default. A fresh
# store, `fairlist add`, then `fairlist serve` with no configuration: the
# policy server rejects a listed client with the listing's reason (and
# logs its zone and listing) and answers DUNNO for an unlisted one; a zone
# added while serving is judged from the next reload. With an explicit
# policy { } block that names no local list, the listed client is not
# rejected. Requests carry no sender and no HELO name, so the default SPF
# check asks no DNS: nothing leaves loopback.
. "$FAIRLIST_SRC/tests/lib/common.sh"
need python3 python3

db=$T/fl.db
fl() { "$FAIRLIST" --db "$db" "$@"; }

# ask PORT CLIENT: the action line the policy server gives for CLIENT at
# RCPT ("closed" if it closes without a reply).
ask() { python3 "$FAIRLIST_SRC/tests/lib/policy_ask.py" "$@"; }

# serve_on LOG ARGS...: start serve, wait until its policy port answers.
serve_on() {
	local log=$1
	shift
	"$FAIRLIST" "$@" 2>"$log" &
	SERVE=$!
	PIDS="$PIDS $SERVE"
	wait_for ask "$pport" 192.0.2.250 || die "serve did not answer: $(cat "$log")"
}
stop() {
	kill "$SERVE"
	wait "$SERVE" 2>/dev/null || true
}

fl add 192.0.2.1 --reason "hit spam traps 3 times" --evidence trap1 >/dev/null
zone=$(fl zone list | awk '{print $1; exit}')
url=$(fl zone list | awk '$1 == "url" {print $2; exit}')
today=$(date -u +%F)

# --- no configuration: every zone of the store is a blocklist ---
dport=$(free_port)
pport=$(free_port)
serve_on "$T/serve.log" --db "$db" serve --listen "127.0.0.1:$dport" \
    --policy-listen "127.0.0.1:$pport" --workers 1
check "no config: listed client rejected with the reason" \
    "$(ask "$pport" 192.0.2.1)" \
    "action=554 5.7.1 Mail from 192.0.2.1 refused: listed on $zone since $today (hit spam traps 3 times); see ${url/\$ip/192.0.2.1}"
check "no config: unlisted client" "$(ask "$pport" 192.0.2.2)" "action=DUNNO"
# The log names the zone and the listing (issue 9 item 13: not lists=-).
check "log line" "$(grep -c "policy: client=192.0.2.1 rule=blocklist action=reject zone=$zone listing=192.0.2.1 ms=" "$T/serve.log")" 1

# A zone added while serving is judged once the snapshot has it.
fl zone add later.test >/dev/null
fl add 192.0.2.3 --zone later.test --reason "added later" --evidence e \
    >/dev/null
later() { ask "$pport" 192.0.2.3 | grep -q "listed on later.test since .*(added later)"; }
if wait_for later; then ok "zone added while serving: judged"
else fail "zone added while serving: got '$(ask "$pport" 192.0.2.3)'"; fi
stop

# --- a config without a policy block: the same default ---
pport=$(free_port)
printf 'db %s\ndns {\n\tlisten 127.0.0.1:%s\n\tworkers 1\n}\n' "$db" "$dport" \
    > "$T/nopolicy.conf"
serve_on "$T/serve2.log" --config "$T/nopolicy.conf" serve \
    --policy-listen "127.0.0.1:$pport"
case $(ask "$pport" 192.0.2.1) in
"action=554 5.7.1 "*) ok "config without policy block: rejected" ;;
*)	fail "config without policy block: got '$(ask "$pport" 192.0.2.1)'" ;;
esac
stop

# --- an explicit policy block keeps full control ---
pport=$(free_port)
printf 'db %s\ndns {\n\tlisten 127.0.0.1:%s\n\tworkers 1\n}\npolicy {\n\tlisten 127.0.0.1:%s\n}\n' \
    "$db" "$dport" "$pport" > "$T/explicit.conf"
serve_on "$T/serve3.log" --config "$T/explicit.conf" serve
check "explicit policy block: listed client not rejected" \
    "$(ask "$pport" 192.0.2.1)" "action=DUNNO"
stop

finish
