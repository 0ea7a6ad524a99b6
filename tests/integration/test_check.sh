#!/usr/bin/env bash
# test_check.sh: `fairlist check IP`, the gatekeeper's verdict for one
# client, end to end against real DNS servers on loopback: public DNSBLs
# simulated by a second fairlist (tests/lib/remote_lists.sh: lists.test,
# other.test, err.test answering 127.255.255.254, and a server that never
# answers), SPF records served by Knot (a failure, naming the package, without
# knotd). Covers local blocklist and allowlist, the weighted score at and
# below the threshold, return-code filters, error answers counted as
# unknown, a dead list (fail-open, within the deadline), exemptions (network,
# SASL, postmaster@), --json, exit statuses, and a listing reason with
# quotes, a tab, CR/LF and non-ASCII bytes that never reaches the reply
# line as anything but printable ASCII.
. "$FAIRLIST_SRC/tests/lib/common.sh"
. "$FAIRLIST_SRC/tests/lib/remote_lists.sh"

today=$(date -u +%F)
db=$T/check.db

# The gatekeeper under test: local zones in its own store, remote lists on
# the fixture's server. Weights: lists.test 2 (code 127.0.0.2 only),
# other.test 1, err.test 3 (its error answers must never count).
cat > "$T/check.conf" <<CONF
db $db
policy {
	listen off
	allowlist allow.test
	blocklist block.test
	dnsbl lists.test=127.0.0.2*2
	dnsbl other.test
	dnsbl err.test*3
	threshold 3
	resolver $REMOTE_DNS
	lookup-timeout 1000
	spf { check no }
}
zone allow.test
zone block.test
CONF
fl() { "$FAIRLIST" --config "$T/check.conf" "$@"; }
# Only serve writes the configured zones: check reads the store as it is.
fl zone add allow.test >/dev/null
fl zone add block.test >/dev/null

BLOCKED=203.0.113.5
ODD=203.0.113.9
fl add "$BLOCKED" --zone block.test --reason "hit spam traps 3 times" \
    --evidence "trap=t1" >/dev/null
# Allowlisted, and also on the local blocklist and on lists.test (score 2):
# the allowlist beats both.
fl add "$REMOTE_LISTED" --zone allow.test --reason "our partner" \
    --evidence "ticket 42" >/dev/null
fl add "$REMOTE_LISTED" --zone block.test --reason "should not matter" \
    --evidence e >/dev/null
# The reason of ODD gets quotes, a tab, CR, LF and UTF-8 (the CLI refuses
# control characters; another writer of the store might not).
fl add "$ODD" --zone block.test --reason placeholder --evidence e >/dev/null
sqlite3 "$db" "UPDATE listing SET reason = 'say \"hi\"' || char(9) ||
    'tab' || char(13) || char(10) || 'RCPT TO:<x> ünïcødé' WHERE
    reason = 'placeholder'"

# run [--config FILE] CHECK-ARGS...: out, rc, and out in $T/last.json. The
# timeout is a guard against a hang, not a timing threshold: every deadline
# here is seconds below it.
run() {
	local conf=$T/check.conf
	if [ "${1:-}" = "--config" ]; then conf=$2; shift 2; fi
	rc=0
	out=$(timeout 60 "$FAIRLIST" --config "$conf" check --no-probe "$@" \
	    2>"$T/check.err") || rc=$?
	printf '%s' "$out" > "$T/last.json"
}
first() { printf '%s\n' "$out" | head -1; }
line() { printf '%s\n' "$out" | grep -m1 "^$1" || true; }

# jget EXPR: a Python expression over the last --json output (d), printed
# bare for a string, else as JSON. One python3 serves every call (its
# start-up costs seconds on a loaded machine), through two FIFOs.
mkfifo "$T/py.in" "$T/py.out"
python3 -u -c '
import json, sys
fin = open(sys.argv[1], encoding="utf-8")
fout = open(sys.argv[2], "w", encoding="utf-8")
for line in fin:
    path, expr = line.rstrip("\n").split("\t", 1)
    try:
        d = json.load(open(path, encoding="utf-8"))
        v = eval(expr)
        s = v if isinstance(v, str) else json.dumps(v)
    except Exception as e:
        s = "ERROR %r" % e
    fout.write(s.replace("\n", "\\n") + "\n")
    fout.flush()
' "$T/py.in" "$T/py.out" &
PIDS="$PIDS $!"
exec 7>"$T/py.in" 8<"$T/py.out"
jget() {
	local v
	printf '%s\t%s\n' "$T/last.json" "$1" >&7
	IFS= read -r v <&8
	printf '%s\n' "$v"
}

# A locally blocklisted address: rejected with the listing's reason.
run "$BLOCKED"
check "blocklist: verdict line" "$(first)" \
    "verdict: reject (rule blocklist) action=554 5.7.1 Mail from $BLOCKED refused: listed on block.test since $today (hit spam traps 3 times); see http://127.0.0.1:8080/lookup/$BLOCKED"
check "blocklist: exit 1" "$rc" 1
check "blocklist: hit" "$(line blocklist:)" \
    "blocklist: $BLOCKED in block.test (code 127.0.0.2, listed $(fl show "$BLOCKED" --json | jq -r '.listings[0].listed_at'), expires never)"
check "blocklist: reason" "$(line '  reason:')" "  reason: hit spam traps 3 times"

# Allowlisted: beats the local blocklist and the remote lists.
run "$REMOTE_LISTED"
check "allowlist: verdict line" "$(first)" \
    "verdict: dunno (rule allowlist) action=DUNNO"
check "allowlist: exit 0" "$rc" 0

# Unlisted anywhere (err.test answers its error code for everyone).
run "$REMOTE_UNLISTED" --json
check "unlisted: exit 0" "$rc" 0
check "unlisted: action" "$(jget 'd["action"]')" dunno
check "unlisted: rule" "$(jget 'd["rule"]')" pass
check "unlisted: reply" "$(jget 'd["reply"]')" "action=DUNNO"
check "unlisted: score" "$(jget 'd["score"]')" 0
check "unlisted: threshold" "$(jget 'd["threshold"]')" 3
check "unlisted: lists" "$(jget '[(l["zone"], l["state"], l["weight"]) for l in d["lists"]]')" \
    '[["lists.test", "clean", 0], ["other.test", "clean", 0], ["err.test", "error", 0]]'
check "unlisted: err.test code" "$(jget '[l["codes"] for l in d["lists"]][2]')" \
    '["127.255.255.254"]'
check "unlisted: err.test configured weight" "$(jget 'd["lists"][2]["site_weight"]')" 3
check "unlisted: no local hit" "$(jget '[d["allowlist"], d["blocklist"], d["exempt"]]')" \
    "[null, null, null]"
check "unlisted: queries sent" "$(jget 'd["queries"] >= 3')" true
check "unlisted: json keys" "$(jget 'sorted(d.keys())')" \
    '["accepted", "action", "address", "allowlist", "blocklist", "cache_hits", "exempt", "header", "helo", "lists", "mail_from", "ms", "queries", "rcpt", "reply", "rule", "sasl", "score", "spf", "text", "threshold", "timed_out"]'
check "unlisted: list keys" "$(jget 'sorted(d["lists"][0].keys())')" \
    '["cached", "codes", "label", "ms", "site_weight", "state", "ttl", "weight", "zone"]'
check "unlisted: spf keys" "$(jget 'sorted(d["spf"].keys())')" \
    '["explanation", "header", "helo_result", "result"]'
check "unlisted: text err.test line" \
    "$(run "$REMOTE_UNLISTED"; line '  err.test' | sed 's/, [0-9.]* ms$//')" \
    "  err.test: error 127.255.255.254, weight 0 of 3, queried"

# Listed on lists.test (2) and other.test (1): the score reaches 3.
run "$REMOTE_LISTED_BOTH"
check "remote reject: verdict line" "$(first)" \
    "verdict: reject (rule dnsbl) action=554 5.7.1 Mail from $REMOTE_LISTED_BOTH refused: listed on lists.test, other.test (score 3, threshold 3)"
check "remote reject: exit 1" "$rc" 1
check "remote reject: score line" "$(line score:)" "score: 3, threshold 3"
check "remote reject: lists.test line" "$(line '  lists.test' | sed 's/, [0-9.]* ms$//')" \
    "  lists.test: listed 127.0.0.2, weight 2 of 2, queried"
check "remote reject: other.test line" "$(line '  other.test' | sed 's/, [0-9.]* ms$//')" \
    "  other.test: listed 127.0.0.2, weight 1 of 1, queried"

# Listed on lists.test only, inside a listed range: 2 < 3, accepted.
run "$REMOTE_LISTED_RANGE" --json
check "below threshold: action" "$(jget 'd["action"]')" dunno
check "below threshold: rule" "$(jget 'd["rule"]')" pass
check "below threshold: score" "$(jget 'd["score"]')" 2
check "below threshold: exit 0" "$rc" 0
check "below threshold: accepted" "$(jget 'd["accepted"]')" true

# 127.0.0.4 does not pass the filter lists.test=127.0.0.2: clean.
run "$REMOTE_LISTED_CODE4" --json
check "filter: state" "$(jget 'd["lists"][0]["state"]')" clean
check "filter: codes kept" "$(jget 'd["lists"][0]["codes"]')" '["127.0.0.4"]'
check "filter: weight" "$(jget 'd["lists"][0]["weight"]')" 0
check "filter: score" "$(jget 'd["score"]')" 0

# IPv6 client, listed on lists.test (2 < 3).
run "$REMOTE_LISTED6" --json
check "ipv6: lists.test listed" "$(jget 'd["lists"][0]["state"]')" listed
check "ipv6: score" "$(jget 'd["score"]')" 2

# Exempt: a loopback client, an authenticated client, postmaster@.
run 127.0.0.1
check "exempt network: verdict" "$(first)" "verdict: dunno (rule exempt) action=DUNNO"
check "exempt network: exit 0" "$rc" 0
run "$BLOCKED" --sasl alice --json
check "sasl: rule" "$(jget 'd["rule"]')" exempt
check "sasl: user" "$(jget 'd["sasl"]')" alice
check "sasl: exit 0" "$rc" 0
run "$BLOCKED" --rcpt postmaster@example.test --json
check "postmaster@: rule" "$(jget 'd["rule"]')" exempt
check "postmaster@: rcpt" "$(jget 'd["rcpt"]')" postmaster@example.test
run "$BLOCKED" --rcpt someone@example.test --json
check "other rcpt: rule" "$(jget 'd["rule"]')" blocklist

# An odd reason: the reply stays one line of printable ASCII.
run "$ODD" --json
check "odd reason: rule" "$(jget 'd["rule"]')" blocklist
check "odd reason: reason kept in the facts" \
    "$(jget 'd["blocklist"]["reason"] == "say \"hi\" tab  RCPT TO:<x> ünïcødé"')" true
check "odd reason: reply is printable ASCII" \
    "$(jget 'all(0x20 <= ord(ch) <= 0x7e for ch in d["reply"])')" true
check "odd reason: reply" "$(jget 'd["reply"]')" \
    "action=554 5.7.1 Mail from $ODD refused: listed on block.test since $today (say \"hi\" tab RCPT TO:<x> ??n??c??d??); see http://127.0.0.1:8080/lookup/$ODD"
run "$ODD"
check "odd reason: text output has no CR" "$(printf '%s' "$out" | tr -cd '\r' | wc -c)" 0
check "odd reason: verdict line is printable ASCII" \
    "$(first | LC_ALL=C grep -c '[^ -~]')" 0
check "odd reason: escaped in the text" "$(line '  reason:')" \
    '  reason: say "hi" tab  RCPT TO:<x> \xc3\xbcn\xc3\xafc\xc3\xb8d\xc3\xa9'

# A list whose server never answers: unknown, never listed; the answer
# comes by the deadline and is the fail-open one (DUNNO, then DEFER).
cat > "$T/dead.conf" <<CONF
db $db
policy {
	listen off
	dnsbl lists.test*2 { server $REMOTE_DNS }
	dnsbl dead.test*3 { server $DEAD_DNS }
	threshold 3
	resolver $DEAD_DNS
	deadline 1500
	lookup-timeout 500
	spf { check no }
}
CONF
run --config "$T/dead.conf" "$REMOTE_UNLISTED" --json
check "dead list: exit 0 (fail-open dunno)" "$rc" 0
check "dead list: action" "$(jget 'd["action"]')" dunno
check "dead list: state unknown" \
    "$(jget 'd["lists"][1]["state"] in ("tempfail", "pending")')" true
check "dead list: weight 0" "$(jget 'd["lists"][1]["weight"]')" 0
check "dead list: the live list answered" "$(jget 'd["lists"][0]["state"]')" clean
echo "     (dead list: rule $(jget 'd["rule"]'), $(jget 'd["ms"]') ms, deadline 1500)"
sed -i 's/deadline 1500/deadline 1500; fail-open defer/' "$T/dead.conf"
run --config "$T/dead.conf" "$REMOTE_UNLISTED"
check "dead list, fail-open defer: verdict" "$(first)" \
    "verdict: defer (rule fail-open) action=DEFER_IF_PERMIT Sender checks did not finish in time, try again later"
check "dead list, fail-open defer: exit 1" "$rc" 1
# Listed on the live list (2) while the dead one (3) could have reached
# the threshold: the fail-open answer, not a reject on partial facts.
run --config "$T/dead.conf" "$REMOTE_LISTED_BOTH" --json
check "dead list + listed: action" "$(jget 'd["action"]')" defer
check "dead list + listed: rule" "$(jget 'd["rule"]')" fail-open
check "dead list + listed: score" "$(jget 'd["score"]')" 2
check "dead list + listed: timed out" "$(jget 'd["timed_out"] or d["lists"][1]["state"] == "tempfail"')" true

# With health probes (no --no-probe): the dead list's probe and its lookup
# race, so it is tempfail, pending or dead, but never listed.
run_probe() {
	rc=0
	out=$(timeout 60 "$FAIRLIST" --config "$T/dead.conf" check --json "$@" \
	    2>"$T/check.err") || rc=$?
	printf '%s' "$out" > "$T/last.json"
}
run_probe "$REMOTE_UNLISTED"
check "probes: dead list unknown" \
    "$(jget 'd["lists"][1]["state"] in ("tempfail", "pending", "dead")')" true
check "probes: dead list weight 0" "$(jget 'd["lists"][1]["weight"]')" 0
check "probes: live list clean" "$(jget 'd["lists"][0]["state"]')" clean

# --resolver replaces the block's resolver (not a list's own server).
cat > "$T/res.conf" <<CONF
db $db
policy {
	listen off
	dnsbl lists.test*3
	threshold 3
	resolver $DEAD_DNS
	deadline 1500
	lookup-timeout 500
	spf { check no }
}
CONF
run --config "$T/res.conf" "$REMOTE_LISTED"
check "resolver from the block (dead): fail-open" "$(first)" \
    "verdict: dunno (rule fail-open) action=DUNNO"
run --config "$T/res.conf" "$REMOTE_LISTED" --resolver "$REMOTE_DNS"
check "--resolver: rejected" "$(first)" \
    "verdict: reject (rule dnsbl) action=554 5.7.1 Mail from $REMOTE_LISTED refused: listed on lists.test (score 3, threshold 3)"

# The daemon's snapshot cache (<db>.snap) is used only for the store's
# current generation: a corrupt file, or one older than the store, means a
# compile, never a stale answer.
printf 'not a snapshot' > "$db.snap"
run "$BLOCKED"
check "corrupt snapshot: still the blocklist" "$(first | cut -d' ' -f1-4)" \
    "verdict: reject (rule blocklist)"
rm -f "$db.snap"
sport=$(free_port)
"$FAIRLIST" --config "$T/check.conf" serve --listen "127.0.0.1:$sport" \
    2>"$T/serve.log" &
serve_pid=$!
PIDS="$PIDS $serve_pid"
wait_for test -s "$db.snap" || { cat "$T/serve.log"; check "snapshot written" no yes; }
kill "$serve_pid"; wait "$serve_pid" 2>/dev/null || true
run "$BLOCKED"
check "from the snapshot: the blocklist" "$(first | cut -d' ' -f1-4)" \
    "verdict: reject (rule blocklist)"
fl add 203.0.113.77 --zone block.test --reason "after the snapshot" \
    --evidence e >/dev/null
run 203.0.113.77
check "snapshot older than the store: compiled" "$(line '  reason:')" \
    "  reason: after the snapshot"

# The other actions and their exit statuses: tag and report accept (0),
# defer refuses (1); a zone's own reply template.
cat > "$T/act.conf" <<CONF
db $T/act.db
policy {
	listen off
	blocklist tag.test { action tag }
	blocklist warn.test { action report }
	blocklist defer.test { action defer; reply "Try later, \$ip: \$reason" }
	spf { check no }
	resolver $DEAD_DNS
}
zone tag.test
zone warn.test
zone defer.test
CONF
for z in tag.test warn.test defer.test; do
	"$FAIRLIST" --config "$T/act.conf" zone add "$z" >/dev/null
done
"$FAIRLIST" --config "$T/act.conf" add 203.0.113.21 --zone tag.test \
    --reason "tag reason" --evidence e >/dev/null
"$FAIRLIST" --config "$T/act.conf" add 203.0.113.22 --zone warn.test \
    --reason "warn reason" --evidence e >/dev/null
"$FAIRLIST" --config "$T/act.conf" add 203.0.113.23 --zone defer.test \
    --reason "defer reason" --evidence e >/dev/null
run --config "$T/act.conf" 203.0.113.21 --json
check "tag: reply" "$(jget 'd["reply"]')" \
    "action=PREPEND X-Fairlist: rule=blocklist zone=tag.test score=0/3"
check "tag: header" "$(jget 'd["header"]')" \
    "X-Fairlist: rule=blocklist zone=tag.test score=0/3"
check "tag: exit 0" "$rc" 0
run --config "$T/act.conf" 203.0.113.22
check "report: verdict" "$(first)" \
    "verdict: report (rule blocklist) action=WARN Mail from 203.0.113.22 refused: listed on warn.test since $today (warn reason); see http://127.0.0.1:8080/lookup/203.0.113.22"
check "report: exit 0" "$rc" 0
run --config "$T/act.conf" 203.0.113.23
check "defer: verdict" "$(first)" \
    "verdict: defer (rule blocklist) action=DEFER_IF_PERMIT Try later, 203.0.113.23: defer reason"
check "defer: exit 1" "$rc" 1

# Usage and configuration errors: exit 2, one line on stderr. (Every
# configuration here names a loopback resolver: nothing may reach the
# system's.)
run
check "no address: exit 2" "$rc" 2
check "no address: message" "$(cat "$T/check.err")" \
    "fairlist: check: which address? (see 'fairlist check --help')"
run 192.0.2.0/24
check "range: exit 2" "$rc" 2
check "range: message" "$(cat "$T/check.err")" \
    "fairlist: check: 192.0.2.0/24: give one address, not a range"
run nonsense
check "bad address: exit 2" "$rc" 2
run 192.0.2.1 --frobnicate
check "unknown option: exit 2" "$rc" 2
check "unknown option: message" "$(cat "$T/check.err")" \
    "fairlist: check: unknown option '--frobnicate' (see 'fairlist check --help')"
printf 'policy {\n\tthreshold lots\n}\n' > "$T/bad.conf"
run --config "$T/bad.conf" 192.0.2.1
check "bad config: exit 2" "$rc" 2
check "bad config: names the line" "$(grep -c "bad.conf:2:" "$T/check.err")" 1
# No store at the path: no local lists, still a verdict.
printf 'db %s\npolicy {\n\tlisten off\n\tblocklist block.test\n\tresolver %s\n}\n' \
    "$T/none.db" "$DEAD_DNS" > "$T/nostore.conf"
run --config "$T/nostore.conf" "$BLOCKED"
check "no store: exit 0" "$rc" 0
check "no store: local lists" "$(line 'local lists:')" "local lists: none (no store)"
check "no store: not created" "$([ -e "$T/none.db" ] && echo yes || echo no)" no

# SPF, with the sender's domain served by Knot on loopback.
need knotd knot
KNOTD=$(command -v knotd)
mkdir -p "$T/knot/db"
cat > "$T/knot/spf.test.zone" <<ZONE
\$ORIGIN spf.test.
\$TTL 300
@	IN SOA ns.spf.test. hostmaster.spf.test. 1 3600 600 86400 300
	IN NS ns
ns	IN A 127.0.0.1
@	IN TXT "v=spf1 ip4:$REMOTE_UNLISTED -all exp=why.spf.test"
why	IN TXT "%{i} may not send for %{d}"
mail	IN TXT "v=spf1 ip4:$REMOTE_UNLISTED -all"
ZONE
knot_up=0
for attempt in 1 2 3; do
	kport=$(free_port)
	cat > "$T/knot/knot.conf" <<KCONF
server:
    listen: 127.0.0.1@$kport
    rundir: $T/knot
log:
  - target: stderr
    any: warning
database:
    storage: $T/knot/db
zone:
  - domain: spf.test
    file: $T/knot/spf.test.zone
KCONF
	"$KNOTD" -c "$T/knot/knot.conf" >"$T/knot/knot.log" 2>&1 &
	knot_pid=$!
	PIDS="$PIDS $knot_pid"
	knot_answers() {
		[ -n "$(dig @127.0.0.1 -p "$kport" +short +tries=1 +time=1 \
		    spf.test TXT 2>/dev/null)" ]
	}
	if wait_for knot_answers; then knot_up=1; break; fi
	kill "$knot_pid" 2>/dev/null || true
done
if [ "$knot_up" != 1 ]; then
	cat "$T/knot/knot.log"
	check "knotd started" no yes
	finish
fi
cat > "$T/spf.conf" <<CONF
db $db
policy {
	listen off
	dnsbl lists.test*2 { server $REMOTE_DNS }
	threshold 3
	resolver 127.0.0.1:$kport
	spf {
		check yes
		helo yes
		fail-action reject
		authserv-id mx.example.test
	}
}
CONF
run --config "$T/spf.conf" "$REMOTE_UNLISTED" --mail-from a@spf.test \
    --helo mail.spf.test --json
check "spf pass: result" "$(jget 'd["spf"]["result"]')" pass
check "spf pass: helo" "$(jget 'd["spf"]["helo_result"]')" pass
check "spf pass: action" "$(jget 'd["action"]')" dunno
check "spf pass: header starts" \
    "$(jget 'd["spf"]["header"].split(" ")[0:2]')" '["Received-SPF:", "pass"]'
check "spf pass: exit 0" "$rc" 0
run --config "$T/spf.conf" "$REMOTE_LISTED" --mail-from a@spf.test \
    --helo mail.spf.test --json
check "spf fail: result" "$(jget 'd["spf"]["result"]')" fail
check "spf fail: helo" "$(jget 'd["spf"]["helo_result"]')" fail
check "spf fail: rule" "$(jget 'd["rule"]')" spf
check "spf fail: action" "$(jget 'd["action"]')" reject
check "spf fail: reply" "$(jget 'd["reply"]')" \
    "action=554 5.7.1 Mail from $REMOTE_LISTED refused: SPF fail for <a@spf.test>: $REMOTE_LISTED may not send for spf.test"
check "spf fail: explanation" "$(jget 'd["spf"]["explanation"]')" \
    "$REMOTE_LISTED may not send for spf.test"
check "spf fail: header" "$(jget 'd["spf"]["header"]')" \
    "Received-SPF: fail (mx.example.test: domain of a@spf.test does not designate $REMOTE_LISTED as permitted sender) client-ip=$REMOTE_LISTED; envelope-from=\"a@spf.test\"; helo=mail.spf.test; receiver=mx.example.test; identity=mailfrom; mechanism=\"-all\""
check "spf fail: exit 1" "$rc" 1
run --config "$T/spf.conf" "$REMOTE_LISTED" --mail-from a@spf.test \
    --helo mail.spf.test
check "spf fail: text line" "$(line 'spf:' | cut -d' ' -f1-2)" "spf: fail"

finish
