#!/bin/bash
# test_dkim_interop_sign.sh: fairlist signs (RSA and Ed25519, all four
# canonicalizations, and both at once), dkimpy (python3-dkim) and OpenDKIM
# (opendkim -t with TestPublicKeys) verify; a tampered header or body
# fails in all three. Offline: keys come from a key file, no DNS.
set -eu
. "$FAIRLIST_SRC/tests/lib/common.sh"
set +e	# each step checks its own status
PY=/usr/bin/python3
need opendkim opendkim
$PY -c 'import dkim' 2> /dev/null || die "python3 module dkim not found: install the Debian package python3-dkim"

"$FAIRLIST" dkim keygen --algorithm rsa --selector rsa --domain example.com --out "$T" > /dev/null || die "dkim keygen rsa"
"$FAIRLIST" dkim keygen --algorithm ed25519 --selector ed --domain example.com --out "$T" > /dev/null || die "dkim keygen ed25519"
cat "$T/rsa.txt" "$T/ed.txt" > "$T/keys.txt"

# A message with the usual traps: runs of spaces, a tab, trailing
# whitespace, an empty line inside and empty lines at the end, folding.
printf 'From: Joe SixPack <joe@example.com>\r\nTo: Suzie Q <suzie@example.net>\r\nSubject: Is dinner   ready?\r\n\tfolded part \r\nDate: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\nMessage-ID: <20030712040037.46341.5F8J@example.com>\r\n\r\nHi.\r\n\r\nWe lost the game.  Are you hungry yet?\t \r\n\r\nJoe.\r\n\r\n\r\n' > "$T/msg.eml"

cat > "$T/v.conf" <<EOF2
Mode v
TestPublicKeys $T/keys.txt
Syslog no
EOF2

odk_verify() {	# file -> pass|fail, from the batch run's output
	if grep -qF "$1: verification" "$T/opendkim.out"; then
		if grep -F "$1: verification" "$T/opendkim.out" | grep -q 'succeeded$'; then
			echo pass
		else
			echo fail
		fi
	else
		echo "no-result"
	fi
}

n=0
files=()
for alg in rsa ed25519; do
	sel=rsa; [ $alg = ed25519 ] && sel=ed
	for canon in simple/simple simple/relaxed relaxed/simple relaxed/relaxed; do
		n=$((n + 1))
		f="$T/s$n-$alg-${canon/\//-}"
		"$FAIRLIST" dkim sign --key "$T/$sel.private" --selector $sel \
		    --domain example.com --algorithm $alg --canon $canon \
		    < "$T/msg.eml" > "$f.eml" || { fail "sign $alg $canon"; continue; }
		sed 's/^Subject: Is dinner/Subject: Is lunch/' "$f.eml" > "$f.badhdr.eml"
		sed 's/We lost the game/We won the game/' "$f.eml" > "$f.badbody.eml"
		files+=("$f.eml" "$f.badhdr.eml" "$f.badbody.eml")
	done
done
# Dual signing in one pass: Ed25519 and RSA.
"$FAIRLIST" dkim sign --key "$T/ed.private" --selector ed --key "$T/rsa.private" \
    --selector rsa --domain example.com < "$T/msg.eml" > "$T/dual.eml" || fail "dual sign"
[ "$(grep -c '^DKIM-Signature:' "$T/dual.eml")" = 2 ] || fail "dual: not two signatures"
"$FAIRLIST" dkim verify --keys "$T/keys.txt" < "$T/dual.eml" > "$T/dual.out" || fail "dual: fairlist verify"
[ "$(grep -c '^pass ' "$T/dual.out")" = 2 ] || fail "dual: want two passes: $(cat "$T/dual.out")"
files+=("$T/dual.eml")

$PY "$FAIRLIST_SRC/tests/lib/dkimpy_verify.py" "$T/keys.txt" "${files[@]}" > "$T/dkimpy.out"
# One opendkim run for all files (-t takes a comma-separated list).
list=$(IFS=,; echo "${files[*]}")
timeout 30 opendkim -x "$T/v.conf" -t "$list" > "$T/opendkim.out" 2>&1
for f in "${files[@]}"; do
	b=${f##*/}
	case "$b" in
	*.badhdr.eml|*.badbody.eml) want=fail ;;
	*) want=pass ;;
	esac
	if "$FAIRLIST" dkim verify --keys "$T/keys.txt" < "$f" > "$T/out" 2>&1; then got=pass; else got=fail; fi
	[ $got = $want ] || fail "fairlist verify $b: got $got, want $want: $(head -1 "$T/out")"
	got=$(awk -v b="$b" '$1 == b { print $2 }' "$T/dkimpy.out")
	[ "$got" = $want ] || fail "dkimpy verify $b: got $got, want $want"
	got=$(odk_verify "$f")
	[ $got = $want ] || fail "opendkim verify $b: got $got, want $want"
	echo "$b: $want in fairlist, dkimpy, opendkim"
done

[ "$FAILS" -ne 0 ] || ok "${#files[@]} messages"
finish
