#!/usr/bin/env bash
# test_conf_keys.sh: etc/fairlist.conf claims to show every key (issue 9
# item 13). The keys the parsers accept are read from their key tables in
# the source: the top level (cli_conf_top_keys, src/cli/cliconf.c), dns { }
# (src/cli/dnsconf.c), zone { } (src/cli/cmd_listing.c), policy { } and
# its blocks (src/policy/pconf.c: the keys[] tables and key_one's
# strcmp(n, ...) chain), milter { } and its blocks (src/milter/mconf.c:
# top_keys, sign_keys, dmarc_keys), watch { } (src/watch/conf.c: keys,
# list_keys), confirm { } (src/confirm/conf.c) and traps { }
# (src/traps/tconf.c: keys). Each must stand at the
# start of a line of etc/fairlist.conf (commented out or not), each must
# be named in docs/CONFIG.md as `KEY`, and the example must still parse.
. "$FAIRLIST_SRC/tests/lib/common.sh"
need python3 python3

S=$FAIRLIST_SRC
python3 - "$S" > "$T/keys" <<'PY'
import re, sys
src = sys.argv[1]

def read(p):
    return open(src + "/" + p).read()

def table(text, name):
    """String literals of every `name[] = { ... }` initializer."""
    out = []
    for m in re.finditer(r"(?<![A-Za-z_])" + re.escape(name) +
                         r"\[\]\s*=\s*\{(.*?)\}", text, re.S):
        out += re.findall(r'"([^"]+)"', m.group(1))
    return out

keys = []
keys += [("top", k) for k in table(read("src/cli/cliconf.c"),
                                   "cli_conf_top_keys")]
keys += [("dns", k) for k in table(read("src/cli/dnsconf.c"), "keys")]
keys += [("zone", k) for k in table(read("src/cli/cmd_listing.c"), "keys")]
p = read("src/policy/pconf.c")
keys += [("policy", k) for k in re.findall(r'strcmp\(n, "([^"]+)"\)', p)]
keys += [("policy-block", k) for k in table(p, "keys")]
m = read("src/milter/mconf.c")
for t in ("top_keys", "sign_keys", "dmarc_keys"):
    keys += [("milter", k) for k in table(m, t)]
w = read("src/watch/conf.c")
for t in ("keys", "list_keys"):
    keys += [("watch", k) for k in table(w, t)]
keys += [("confirm", k) for k in table(read("src/confirm/conf.c"), "keys")]
keys += [("traps", k) for k in table(read("src/traps/tconf.c"), "keys")]
if len(keys) < 40:
    sys.exit("only %d keys found: the tables moved?" % len(keys))
seen = set()
for where, k in keys:
    if (where, k) not in seen:
        seen.add((where, k))
        print(where, k)
PY
[ -s "$T/keys" ] || die "no keys extracted"

conf=$S/etc/fairlist.conf
while read -r where key; do
	if grep -Eq "^[[:space:]]*(#[[:space:]]*)?$key([[:space:]]|\{|\$)" "$conf"; then
		ok "etc/fairlist.conf has $where key $key"
	else
		fail "etc/fairlist.conf lacks $where key $key"
	fi
	if grep -Fq "\`$key" "$S/docs/CONFIG.md"; then
		ok "CONFIG.md names $where key $key"
	else
		fail "CONFIG.md does not name $where key $key"
	fi
done < "$T/keys"

# The example parses: check reads it strictly, with no store needed.
sed "s|^db .*|db $T/none.db|; s|^\(\s*\)probe-interval .*|\1probe-interval 0|" \
    "$conf" > "$T/example.conf"
if out=$("$FAIRLIST" --config "$T/example.conf" check --no-probe 127.0.0.1 2>&1); then
	ok "etc/fairlist.conf is accepted"
else
	fail "etc/fairlist.conf is refused: $out"
fi

finish
