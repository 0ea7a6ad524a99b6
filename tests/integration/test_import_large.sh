#!/usr/bin/env bash
# test_import_large.sh: an import big enough (>= 1,024 entries) to take the
# radix-sort path: duplicates keep the first line of the file (or the last
# with --replace), nested prefixes all survive, and the counts add up.
. "$FAIRLIST_SRC/tests/lib/common.sh"

python3 - "$T" <<'PY'
import random, sys
random.seed(7)
d = sys.argv[1]
lines, first, last = [], {}, {}
addrs = [random.randrange(1 << 24, 223 << 24) for _ in range(4000)]
for i, a in enumerate(addrs):
    ip = "%d.%d.%d.%d" % (a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255)
    lines.append((ip, "first %d" % i))
    first.setdefault(ip, "first %d" % i)
for i in range(600):                      # duplicates, later in the file
    ip = lines[random.randrange(4000)][0]
    lines.append((ip, "dup %d" % i))
    last[ip] = "dup %d" % i
for ip, _ in lines[:4000]:
    last.setdefault(ip, first[ip])
lines.append(("10.0.0.0/8", "wide"))      # nested prefixes, same start
lines.append(("10.0.0.0/16", "narrow"))
lines.append(("10.0.0.0", "single"))
with open(d + "/big.ip4set", "w") as f:
    for ip, r in lines:
        f.write("%s :127.0.0.2:%s\n" % (ip, r))
uniq = len(set(ip for ip, _ in lines))
with open(d + "/expect", "w") as f:
    f.write("%d %d\n" % (uniq, len(lines) - uniq))
    for ip in list(first)[:50]:
        f.write("%s\t%s\t%s\n" % (ip, first[ip], last[ip]))
PY
read -r uniq dups < "$T/expect"
out=$("$FAIRLIST" --db "$T/a.db" import --format ip4set "$T/big.ip4set" 2>&1)
check "import summary" "$(echo "$out" | grep -o '[0-9]* added, 0 replaced, [0-9]* duplicates')" \
    "$uniq added, 0 replaced, $dups duplicates"
"$FAIRLIST" --db "$T/b.db" import --replace --format ip4set "$T/big.ip4set" >/dev/null 2>&1
reason() {
	"$FAIRLIST" --db "$1" show "$2" --json | python3 -c '
import json, sys
print(json.load(sys.stdin)["listings"][0]["reason"])'
}
bad=0
while IFS="$(printf '\t')" read -r ip want_first want_last; do
	[ "$(reason "$T/a.db" "$ip")" = "$want_first" ] || { echo "  $ip: first-wins got $(reason "$T/a.db" "$ip"), want $want_first"; bad=$((bad+1)); }
	[ "$(reason "$T/b.db" "$ip")" = "$want_last" ] || { echo "  $ip: --replace got $(reason "$T/b.db" "$ip"), want $want_last"; bad=$((bad+1)); }
done < <(tail -n +2 "$T/expect")
check "duplicates: first line wins, --replace takes the last (50 addresses)" "$bad" "0"
check "nested prefixes all kept, most specific first" \
    "$("$FAIRLIST" --db "$T/a.db" show 10.0.0.0 --json | python3 -c '
import json, sys
print(",".join(l["reason"] for l in json.load(sys.stdin)["listings"]))')" "single,narrow,wide"
finish
