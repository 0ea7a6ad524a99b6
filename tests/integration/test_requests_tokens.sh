#!/usr/bin/env bash
# test_requests_tokens.sh: issue 10, the store side of removal and the
# admin tokens, through the CLI and a running daemon: a self-service
# removal (a trap listing) stops answering in DNS; a manual listing waits
# for review and approve removes it; the zone's configured removal policy
# (written into the store by serve) is the one the CLI applies; the
# cooldown lengthens a relisting; tokens are shown once, verify, and stop
# verifying when revoked; every error has its line and exit status.
. "$FAIRLIST_SRC/tests/lib/common.sh"
need dig bind9-dnsutils
need python3 python3

port=$(free_port)
db=$T/fl.db
F=$T/fl.conf
Z=bl.fairlist.test
cat >"$F" <<CONF
db $db
dns {
	listen 127.0.0.1:$port
	workers 1
	reload-interval 50
}
policy { listen off; }
http { listen off; }
zone $Z { }
zone review.test {
	removal trap review
	removal import:* none
	cooldown-window 30d
	cooldown-max 8
}
CONF
fl() { "$FAIRLIST" --config "$F" "$@"; }
set +e
# rc NAME WANT ARGS...: exit status WANT, stderr in $T/err, stdout $T/out.
rc() {
	local name=$1 want=$2 got
	shift 2
	fl "$@" >"$T/out" 2>"$T/err" </dev/null
	got=$?
	check "$name: exit" "$got" "$want"
}
# err NAME PATTERN: stderr is one line matching PATTERN.
err() {
	check "$1: one line" "$(wc -l <"$T/err")" 1
	if grep -Eq "$2" "$T/err"; then ok "$1: message"
	else fail "$1: stderr '$(cat "$T/err")', want /$2/"; fi
}

fl add 192.0.2.1 --evidence e --reason "trap hit" --source trap --expires 1d >/dev/null
fl add 192.0.2.2 --evidence e --reason "manual" >/dev/null
"$FAIRLIST" --config "$F" serve 2>"$T/serve.log" &
PIDS="$PIDS $!"
q() { dig @127.0.0.1 -p "$port" +short +tries=1 +time=2 "$@"; }
listed() { [ "$(q "$1.$Z" A)" = "127.0.0.2" ]; }
gone() { [ -z "$(q "$1.$Z" A)" ]; }
wait_for listed 1.2.0.192 || { cat "$T/serve.log"; die "no DNS answer"; }
wait_for fl zone list || die "serve wrote no zones"

# Self-service: a trap listing goes at once, and DNS follows.
rc "create self-service" 0 requests create 192.0.2.1 --from 198.51.100.7 \
    --note "fixed the open relay"
ref=$(sed -n 's/^request [0-9]* (\([A-Za-z0-9_-]*\)): .*/\1/p' "$T/out")
check "create: reference" "${#ref}" 16
check "create: done" "$(cut -d' ' -f4 "$T/out")" "done;"
if wait_for gone 1.2.0.192; then ok "DNS: the address no longer answers"
else fail "DNS: 1.2.0.192.$Z still answers $(q 1.2.0.192.$Z A)"; fi
check "listing history says why" \
    "$(fl show 192.0.2.1 --all | grep -c " remove by cli:[^ ]*: self-service removal by 198.51.100.7 (request $ref)")" 1
rc "show by reference" 0 requests show "$ref" --json
check "show: state" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["state"], d["ip"], d["requester"], d["note"], ",".join(e["action"] for e in d["history"]))' "$T/out")" \
    "done 192.0.2.1 198.51.100.7 fixed the open relay create,self-service"

# Cooldown: the relisting lasts twice as long, and says so.
fl add 192.0.2.1 --evidence e --reason "trap again" --source trap --expires 1d >/dev/null
exp=$(fl list --json | python3 -c 'import json,sys,datetime as d
for l in json.load(sys.stdin)["listings"]:
    if l["prefix"] == "192.0.2.1":
        f = lambda s: d.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
        print(round((f(l["expires_at"]) - f(l["listed_at"])).total_seconds() / 3600))')
check "cooldown: 48 hours, not 24" "$exp" 48
check "cooldown: the history says why" \
    "$(fl show 192.0.2.1 | grep -c 'listed for 2 days instead of 1 day: self-removed 1 time since')" 1

# Review: a manual listing waits; approve removes it; twice is refused.
rc "create review" 0 requests create 192.0.2.2
id=$(cut -d' ' -f2 "$T/out")
check "create review: open" "$(cut -d' ' -f4 "$T/out")" "open;"
rc "again: the open one" 0 requests create 192.0.2.2
check "again: same id" "$(cut -d' ' -f2 "$T/out")" "$id"
check "again: said so" "$(grep -c 'already open' "$T/out")" 1
check "still listed while open" "$(q 2.2.0.192.$Z A)" "127.0.0.2"
rc "list --state open" 0 requests list --state open --json
check "list: one open" "$(python3 -c 'import json,sys; print([r["id"] for r in json.load(open(sys.argv[1]))["requests"]])' "$T/out")" "[$id]"
rc "list text" 0 requests list
check "list text: two rows" "$(wc -l <"$T/out")" 2
rc "approve" 0 requests approve "$id" --why "checked the logs"
check "approve: one removed" "$(cat "$T/out")" "approved request $id: 1 listing removed"
if wait_for gone 2.2.0.192; then ok "DNS: approved removal no longer answers"
else fail "DNS: 2.2.0.192.$Z still answers"; fi
rc "approve twice" 1 requests approve "$id"
err "approve twice" "^fairlist: requests: request $id is approved already$"
rc "deny approved" 1 requests deny "$id" --why no
err "deny approved" "is approved already"
check "audit: approve by the CLI user" \
    "$(fl audit | grep -c "cli:$(id -un)  removal-approve: request $id")" 1

# Deny.
fl add 192.0.2.3 --evidence e --reason "manual" >/dev/null
rc "create to deny" 0 requests create 192.0.2.3
id3=$(cut -d' ' -f2 "$T/out")
rc "deny without why" 2 requests deny "$id3"
err "deny without why" "^fairlist: requests: deny needs --why TEXT"
rc "deny" 0 requests deny "$id3" --why "still sending spam"
check "deny: state" "$(fl requests show "$id3" | head -1)" "request $id3 ($(fl requests show "$id3" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["ref"])')): denied"
check "denied: still listed" "$(q 3.2.0.192.$Z A)" "127.0.0.2"

# The configured policy: serve wrote it into the store, the CLI applies it.
fl add 198.51.100.1 --zone review.test --evidence e --reason trap --source trap >/dev/null
fl add 198.51.100.2 --zone review.test --evidence e --reason list --source import:x.txt >/dev/null
rc "configured review for trap" 0 requests create 198.51.100.1
check "trap in review.test: open" "$(cut -d' ' -f4 "$T/out")" "open;"
rc "configured none for imports" 0 requests create 198.51.100.2
check "import in review.test: refused" "$(cut -d' ' -f4 "$T/out")" "refused;"

# Request errors.
rc "unlisted" 1 requests create 203.0.113.9
err "unlisted" "^fairlist: requests: 203.0.113.9 is not listed$"
rc "unknown zone" 1 requests create 192.0.2.2 --zone nope.test
err "unknown zone" "unknown zone 'nope.test'"
rc "a range" 1 requests create 192.0.2.0/24
err "a range" "one address, not a range"
rc "unknown id" 1 requests show 999
err "unknown id" "^fairlist: requests: no removal request '999'$"
rc "approve unknown" 1 requests approve nosuchref
err "approve unknown" "no removal request 'nosuchref'"
rc "bad state" 2 requests list --state maybe
err "bad state" "^fairlist: requests: --state maybe: not a state"
rc "no subcommand" 2 requests
err "no subcommand" "^fairlist: requests: list, show, create, approve or deny\?"
rc "unknown subcommand" 2 requests frob
err "unknown subcommand" "unknown subcommand 'frob'"
rc "show without id" 2 requests show
err "show without id" "which request"

# Tokens.
rc "token create" 0 token create --scope write --name ops
sec=$(cat "$T/out")
check "token: 43 base64url characters" "$(printf %s "$sec" | grep -cE '^[A-Za-z0-9_-]{43}$')" 1
check "token: not in the store" "$(python3 -c 'import sys; print(open(sys.argv[1],"rb").read().count(sys.argv[2].encode()))' "$db" "$sec")" 0
printf '%s\n' "$sec" | fl token verify >"$T/out" 2>"$T/err"
check "verify: exit" "$?" 0
check "verify: whose" "$(cat "$T/out")" "valid: ops (scope write)"
printf '%s\n' "${sec%?}x" | fl token verify >/dev/null 2>"$T/err"
check "verify wrong: exit" "$?" 1
err "verify wrong" "^fairlist: token: unknown token$"
rc "token create json" 0 token create --scope admin --json
check "json: default name" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["name"], d["scope"], len(d["token"]))' "$T/out")" "token-2 admin 43"
rc "token list" 0 token list --json
check "list: two in force" "$(python3 -c 'import json,sys; print([(t["name"], t["scope"], t["revoked_at"]) for t in json.load(open(sys.argv[1]))["tokens"]])' "$T/out")" \
    "[('ops', 'write', None), ('token-2', 'admin', None)]"
rc "revoke" 0 token revoke ops
printf '%s\n' "$sec" | fl token verify >/dev/null 2>"$T/err"
check "revoked: exit" "$?" 1
err "revoked" "^fairlist: token: token 'ops' is revoked$"
rc "revoke twice" 1 token revoke ops
err "revoke twice" "revoked already"
rc "revoke by id" 0 token revoke 2
rc "revoke unknown" 1 token revoke ghost
err "revoke unknown" "^fairlist: token: no token 'ghost'$"
rc "bad scope" 2 token create --scope root
err "bad scope" "^fairlist: token: --scope root: not a scope"
rc "no scope" 2 token create
err "no scope" "create needs --scope"
rc "bad name" 2 token create --scope read --name 'a b'
err "bad name" "^fairlist: token: --name a b:"
rc "taken name" 1 token create --scope read --name token-2
err "taken name" "a token named 'token-2' exists"
rc "token list text" 0 token list
check "list text: revoked shown" "$(grep -c 'in force' "$T/out")" 0
check "audit: token rows, no secret" \
    "$(fl audit | grep -c 'token-create\|token-revoke'):$(fl audit | grep -c -- "$sec")" "4:0"

# A bad configured policy is refused before anything starts.
cat >"$T/bad.conf" <<CONF
db $T/other.db
zone x.test { removal trap sometimes; }
CONF
"$FAIRLIST" --config "$T/bad.conf" zone list >/dev/null 2>"$T/err"
check "bad removal policy: exit" "$?" 1
err "bad removal policy" "bad.conf:2: zone x.test: removal SOURCE self-service\|review\|none"
finish
