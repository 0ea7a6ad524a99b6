#!/bin/bash
# test_dkim_interop_verify.sh: dkimpy (python3-dkim) and OpenDKIM
# (opendkim -t) sign, RSA and Ed25519, several canonicalizations; fairlist
# verifies them; a tampered header or body fails. Offline, keys from a
# key file.
set -eu
. "$FAIRLIST_SRC/tests/lib/common.sh"
set +e	# each step checks its own status
PY=/usr/bin/python3
need opendkim opendkim
$PY -c 'import dkim' 2> /dev/null || die "python3 module dkim not found: install the Debian package python3-dkim"
need openssl openssl

"$FAIRLIST" dkim keygen --algorithm rsa --bits 1024 --selector rsa --domain example.com --out "$T" > /dev/null || die "dkim keygen rsa"
"$FAIRLIST" dkim keygen --algorithm ed25519 --selector ed --domain example.com --out "$T" > /dev/null || die "dkim keygen ed25519"
cat "$T/rsa.txt" "$T/ed.txt" > "$T/keys.txt"
# dkimpy takes an Ed25519 key as the base64 seed: the last 32 bytes of
# the PKCS#8 DER.
openssl pkey -in "$T/ed.private" -outform DER | tail -c 32 | base64 > "$T/ed.seed"

printf 'From: Joe SixPack <joe@example.com>\r\nTo: Suzie Q <suzie@example.net>\r\nSubject: Is dinner   ready?\r\n\tfolded part \r\nDate: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\nMessage-ID: <20030712040037.46341.5F8J@example.com>\r\n\r\nHi.\r\n\r\nWe lost the game.  Are you hungry yet?\t \r\n\r\nJoe.\r\n\r\n\r\n' > "$T/msg.eml"

files=()
add() {	# a signed file: it, and tampered copies
	sed 's/^Subject: Is dinner/Subject: Is lunch/' "$1" > "${1%.eml}.badhdr.eml"
	sed 's/We lost the game/We won the game/' "$1" > "${1%.eml}.badbody.eml"
	files+=("$1" "${1%.eml}.badhdr.eml" "${1%.eml}.badbody.eml")
}

# dkimpy signs.
cat > "$T/sign.py" <<'PYEOF'
import sys, dkim
key, sel, alg, canon, out = sys.argv[1:6]
msg = open(sys.argv[6], 'rb').read()
h, b = canon.split('/')
sig = dkim.sign(msg, sel.encode(), b'example.com', open(key, 'rb').read(),
                canonicalize=(h.encode(), b.encode()),
                signature_algorithm=alg.encode())
open(out, 'wb').write(sig + msg)
PYEOF
for alg in rsa-sha256 ed25519-sha256; do
	case $alg in rsa*) key=$T/rsa.private sel=rsa ;; *) key=$T/ed.seed sel=ed ;; esac
	for canon in simple/simple relaxed/relaxed relaxed/simple; do
		f="$T/dkimpy-$alg-${canon/\//-}.eml"
		$PY "$T/sign.py" "$key" $sel $alg $canon "$f" "$T/msg.eml" || { fail "dkimpy sign $alg $canon"; continue; }
		add "$f"
	done
done

# OpenDKIM signs (opendkim -t in signing mode prints the field).
for alg in rsa-sha256 ed25519-sha256; do
	case $alg in rsa*) key=$T/rsa.private sel=rsa ;; *) key=$T/ed.private sel=ed ;; esac
	for canon in simple/simple relaxed/relaxed relaxed/simple simple/relaxed; do
		cat > "$T/s.conf" <<EOF2
Mode s
Domain example.com
Selector $sel
KeyFile $key
SignatureAlgorithm $alg
Canonicalization $canon
RequireSafeKeys no
Syslog no
EOF2
		f="$T/opendkim-$alg-${canon/\//-}.eml"
		timeout 10 opendkim -x "$T/s.conf" -t "$T/msg.eml" > "$T/sig.out" 2>&1
		# The field starts at "DKIM-Signature:"; line ends become CRLF.
		sed -n '/^DKIM-Signature:/,$p' "$T/sig.out" |
		    awk '{ sub(/\r$/, ""); printf "%s\r\n", $0 }' > "$f"
		grep -q '^DKIM-Signature:' "$f" || { fail "opendkim sign $alg $canon: $(head -2 "$T/sig.out")"; continue; }
		cat "$T/msg.eml" >> "$f"
		add "$f"
	done
done

for f in "${files[@]}"; do
	b=${f##*/}
	case "$b" in
	*.badhdr.eml|*.badbody.eml) want=fail ;;
	*) want=pass ;;
	esac
	# OpenDKIM's Ed25519 signatures with simple header canonicalization
	# do not verify anywhere (see docs/DKIM.md); dkimpy must agree then.
	case "$b" in
	opendkim-ed25519-sha256-simple-*) want=peer ;;
	esac
	if "$FAIRLIST" dkim verify --keys "$T/keys.txt" < "$f" > "$T/out" 2>&1; then got=pass; else got=fail; fi
	if [ $want = peer ]; then
		echo "$b: fairlist $got ($(head -1 "$T/out"))"
		echo "$f $got" >> "$T/peer.list"
		continue
	fi
	[ $got = $want ] || fail "fairlist verify $b: got $got, want $want: $(cat "$T/out")"
	echo "$b: $got"
done

if [ -s "$T/peer.list" ]; then
	# fairlist and dkimpy must give the same answer on those.
	cat > "$T/verify.py" <<'PYEOF'
import sys, dkim
keys = {}
for line in open(sys.argv[1], 'rb'):
    line = line.strip()
    if line:
        name, rec = line.split(None, 1)
        keys[name.lower() + b'.'] = rec
def dnsfunc(name, timeout=5):
    n = name.lower()
    return keys.get(n if n.endswith(b'.') else n + b'.')
for line in open(sys.argv[2]):
    path, got = line.split()
    try:
        ok = dkim.DKIM(open(path, 'rb').read()).verify(dnsfunc=dnsfunc)
    except Exception:
        ok = False
    print(path.rsplit('/', 1)[-1], got, 'pass' if ok else 'fail')
PYEOF
	$PY "$T/verify.py" "$T/keys.txt" "$T/peer.list" | while read -r b ours theirs; do
		echo "$b: fairlist $ours, dkimpy $theirs"
		[ "$ours" = "$theirs" ] || echo "DISAGREE $b" >> "$T/disagree"
	done
	[ -s "$T/disagree" ] && fail "$(cat "$T/disagree")"
fi

[ "$FAILS" -ne 0 ] || ok "${#files[@]} messages"
finish
