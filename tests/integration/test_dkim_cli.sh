#!/bin/bash
# test_dkim_cli.sh: "fairlist dkim" on the shared conformance vectors:
# RFC 8463 A.3 verifies and re-signing reproduces both published b=
# values; RFC 6376 A.2 and dkimpy's data verify as the README table says;
# keygen, --json, exit codes, --help; bad input (10 MB header block,
# 10,000 signatures, bare LF) gives per-signature results in bounded
# memory.
set -eu
. "$FAIRLIST_SRC/tests/lib/common.sh"
set +e	# each step checks its own status
C=$FAIRLIST_SRC/../shared/conformance/dkim

# verify FILE KEYS WANT_RC WANT_LINES...: exit status and result words.
verify() {
	local f=$1 keys=$2 rc=$3 got n=$FAILS
	shift 3
	"$FAIRLIST" dkim verify --keys "$keys" < "$f" > "$T/out" 2>&1
	got=$?
	[ $got = $rc ] || fail "${f##*/}: exit $got, want $rc: $(cat "$T/out")"
	for w in "$@"; do
		grep -q "^$w" "$T/out" || fail "${f##*/}: no line '$w': $(cat "$T/out")"
	done
	[ "$FAILS" -ne "$n" ] || ok "verify ${f##*/}: exit $rc, $# result line(s)"
}

verify "$C/rfc8463/signed.eml" "$C/rfc8463/keys.txt" 0 \
    "pass d=football.example.com s=brisbane a=ed25519-sha256" \
    "pass d=football.example.com s=test a=rsa-sha256"
verify "$C/rfc6376/a2-signed.eml" "$C/rfc6376/keys.txt" 0 "pass d=example.com s=brisbane"
verify "$C/rfc6376/a2-signed-doublespace.eml" "$C/rfc6376/keys.txt" 1 \
    "fail d=example.com s=brisbane .*body hash did not verify"
D=$C/dkimpy-1.1.4
verify "$D/data/rfc6376.signed.msg" "$D/keys.txt" 0 "pass d=football.example.com s=brisbane" \
    "pass d=football.example.com s=test"
verify "$D/data/rfc6376.signed.rsa.msg" "$D/keys.txt" 0 "pass d=football.example.com s=test"
verify "$D/data/ed25519test2.msg" "$D/keys.txt" 0 "pass d=test.ex s=sed"
verify "$D/data/test2.message" "$D/keys.txt" 0 "pass d=gmail.com s=20120113"
verify "$D/data/test.message.baddomain" "$D/keys.txt" 1 "permerror .*invalid domain d="
verify "$D/data/message.mbox" "$D/keys.txt" 1 "permerror .*no key record"

# RFC 8463: re-sign unsigned.eml with the A.1 keys and the RFC's tags.
"$FAIRLIST" dkim sign --key "$C/rfc8463/brisbane.ed25519.seed.b64" --selector brisbane \
    --key "$C/rfc8463/test.rsa1024.pem" --selector test \
    --domain football.example.com --identity @football.example.com \
    --canon relaxed/relaxed --query-tag --time 1528637909 \
    --headers 'from : to : subject : date : message-id : from : subject : date' \
    < "$C/rfc8463/unsigned.eml" > "$T/resigned.eml" || fail "re-sign"
bvals() {	# the b= values of a message, whitespace removed
	tr -d ' \t\r\n' < "$1" | grep -o ';b=[A-Za-z0-9+/]*=*'
}
bvals "$C/rfc8463/signed.eml" > "$T/want.b"
bvals "$T/resigned.eml" > "$T/got.b"
[ "$(wc -l < "$T/want.b")" = 2 ] || fail "could not read the published b= values"
cmp -s "$T/want.b" "$T/got.b" || fail "re-signed b= differ: $(cat "$T/got.b")"
verify "$T/resigned.eml" "$C/rfc8463/keys.txt" 0 "pass d=football.example.com s=brisbane" \
    "pass d=football.example.com s=test"

# keygen: key mode 0600, record, then sign and verify with it.
"$FAIRLIST" dkim keygen --algorithm ed25519 --selector sel --domain example.org --out "$T" > "$T/zone" || fail keygen
grep -q '^sel._domainkey.example.org. IN TXT ( "v=DKIM1; k=ed25519; p=' "$T/zone" || fail "keygen zone line: $(cat "$T/zone")"
[ "$(stat -c %a "$T/sel.private")" = 600 ] || fail "key mode $(stat -c %a "$T/sel.private")"
"$FAIRLIST" dkim keygen --algorithm ed25519 --selector sel --domain example.org --out "$T" > /dev/null 2>&1 && fail "keygen overwrote a key"
printf 'From: a@example.org\nSubject: x\n\nhello\n' > "$T/lf.eml"
"$FAIRLIST" dkim sign --key "$T/sel.private" --selector sel --domain example.org --expire 1d \
    < "$T/lf.eml" > "$T/lf.signed" || fail "sign LF message"
grep -q $'\r' "$T/lf.signed" && fail "signing an LF message wrote CR"
grep -q ' x=' "$T/lf.signed" || fail "no x= with --expire"
grep -q ' t=' "$T/lf.signed" || fail "no t="
grep -q ' l=' "$T/lf.signed" && fail "l= written by default"
verify "$T/lf.signed" "$T/sel.txt" 0 "pass d=example.org s=sel"
"$FAIRLIST" dkim verify --keys "$T/sel.txt" --json < "$T/lf.signed" > "$T/json" || fail "--json exit"
grep -q '"result": "pass"' "$T/json" || fail "--json: $(cat "$T/json")"
grep -q '"authentication_results": "Authentication-Results: ' "$T/json" || fail "--json AR"
"$FAIRLIST" dkim sign --key "$T/sel.private" --selector sel --domain example.org \
    --algorithm rsa < "$T/lf.eml" > /dev/null 2>&1 && fail "ed25519 key accepted for --algorithm rsa"
# Issue 9: a selector is a DNS label, never a path; a domain a DNS name.
mkdir "$T/keys"
for bad in "--selector ../x --domain example.org" "--selector a/b --domain example.org" \
    "--selector .. --domain example.org" "--selector s --domain bad_domain!" ; do
	# shellcheck disable=SC2086
	"$FAIRLIST" dkim keygen --algorithm ed25519 $bad --out "$T/keys/out" > "$T/out" 2> "$T/err"
	rc=$?
	[ $rc = 2 ] || fail "keygen $bad: exit $rc, want 2"
	grep -Eq '^fairlist: dkim keygen: invalid (selector|domain)' "$T/err" || fail "keygen $bad: stderr '$(cat "$T/err")'"
done
"$FAIRLIST" dkim keygen --algorithm ed25519 --selector s --domain "bad domain" --out "$T/keys/out" > "$T/out" 2> "$T/err"
[ $? = 2 ] || fail "keygen --domain 'bad domain' accepted"
grep -q "^fairlist: dkim keygen: invalid domain 'bad domain'" "$T/err" || fail "bad domain: '$(cat "$T/err")'"
[ -z "$(ls -A "$T/keys")" ] || fail "refused keygen wrote files: $(ls -R "$T/keys")"
# Without From there is nothing to sign (RFC 6376 section 5.4).
printf 'To: b@example.org\nSubject: x\n\nhello\n' | "$FAIRLIST" dkim sign --key "$T/sel.private" \
    --selector sel --domain example.org > "$T/out" 2> "$T/err"
rc=$?
[ $rc = 1 ] || fail "sign without From: exit $rc, want 1"
grep -q '^fairlist: dkim sign: the message has no From field' "$T/err" || fail "sign without From: '$(cat "$T/err")'"
[ -s "$T/out" ] && fail "sign without From wrote output: $(head -2 "$T/out")"
printf 'From: a@example.org\n\nx\n' | "$FAIRLIST" dkim verify --keys "$T/sel.txt" > "$T/out"
[ $? = 1 ] || fail "unsigned message: want exit 1"
grep -q 'dkim=none' "$T/out" || fail "unsigned: no dkim=none"
for sub in "" keygen sign verify; do
	"$FAIRLIST" dkim $sub --help > "$T/help" 2>&1 || fail "dkim $sub --help exit"
	grep -q usage "$T/help" || fail "dkim $sub --help text"
done
"$FAIRLIST" dkim sign > /dev/null 2>&1
[ $? = 2 ] || fail "sign without options: want exit 2"

# Keys from DNS: a small UDP server on 127.0.0.1 answers TXT queries
# from the key file (long records split into 255-byte strings), NXDOMAIN
# otherwise; an unreachable resolver gives temperror.
cat > "$T/dns.py" <<'PYEOF'
import socket, struct, sys
keys = {}
for line in open(sys.argv[1]):
    name, rec = line.strip().split(None, 1)
    keys[name.lower().rstrip('.')] = rec.encode()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', 0))
open(sys.argv[2], 'w').write(str(s.getsockname()[1]))
s.settimeout(20)
while True:
    try:
        q, addr = s.recvfrom(512)
    except socket.timeout:
        break
    qid, flags = struct.unpack('>HH', q[:4])
    i, labels = 12, []
    while q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode()); i += 1 + q[i]
    qend = i + 5
    name = '.'.join(labels).lower()
    rec = keys.get(name)
    hdr = struct.pack('>HHHHHH', qid, 0x8180 if rec else 0x8183, 1, 1 if rec else 0, 0, 0)
    ans = b''
    if rec:
        rdata = b''.join(bytes([len(rec[j:j + 255])]) + rec[j:j + 255] for j in range(0, len(rec), 255))
        ans = struct.pack('>HHHIH', 0xc00c, 16, 1, 600, len(rdata)) + rdata
    s.sendto(hdr + q[12:qend] + ans, addr)
PYEOF
/usr/bin/python3 "$T/dns.py" "$T/sel.txt" "$T/port" &
dnspid=$!
for i in 1 2 3 4 5 6 7 8 9 10; do [ -s "$T/port" ] && break; sleep 0.2; done
"$FAIRLIST" dkim verify --resolver "127.0.0.1:$(cat "$T/port")" --timeout 1000 < "$T/lf.signed" > "$T/out" ||
    fail "DNS key lookup: $(cat "$T/out")"
grep -q '^pass d=example.org s=sel' "$T/out" || fail "DNS key lookup: $(cat "$T/out")"
sed 's/s=sel;/s=nosuch;/' "$T/lf.signed" | "$FAIRLIST" dkim verify --resolver "127.0.0.1:$(cat "$T/port")" \
    --timeout 1000 > "$T/out"
grep -q '^permerror .*no key record' "$T/out" || fail "DNS NXDOMAIN: $(cat "$T/out")"
kill $dnspid 2> /dev/null
"$FAIRLIST" dkim verify --resolver 127.0.0.1:9 --timeout 200 < "$T/lf.signed" > "$T/out"
grep -q '^temperror .*key lookup failed' "$T/out" || fail "DNS unreachable: $(cat "$T/out")"

# Bad input in bounded memory: 10 MB header block, 10,000 signatures.
awk 'BEGIN { printf "DKIM-Signature: v=1; a=ed25519-sha256; d=example.org; s=sel; h=from; bh=AAAA; b=AAAA\r\nX-Big: ";
	for (i = 0; i < 10240; i++) { for (j = 0; j < 20; j++) printf "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"; printf "\r\n " }
	printf "\r\nFrom: a@example.org\r\n\r\nbody\r\n" }' > "$T/big.eml"
/usr/bin/time -f '%M' -o "$T/rss" "$FAIRLIST" dkim verify --keys "$T/sel.txt" < "$T/big.eml" > "$T/out"
grep -q '^permerror .*header block over the limits' "$T/out" || fail "10 MB header: $(cat "$T/out")"
awk 'BEGIN { for (i = 0; i < 10000; i++) printf "DKIM-Signature: v=1; a=rsa-sha256; d=x.org; s=s%d; h=from; bh=AAAA; b=AAAA\r\n", i;
	printf "From: a@example.org\r\n\r\nbody\r\n" }' > "$T/many.eml"
"$FAIRLIST" dkim verify --keys "$T/sel.txt" < "$T/many.eml" > "$T/out"
[ "$(grep -c '^permerror' "$T/out")" = 16 ] || fail "10,000 signatures: want 16 results: $(head -3 "$T/out")"
grep -q '^9984 more signatures not checked' "$T/out" || fail "10,000 signatures: no skipped count"
# Memory: the message itself (10 MB, read whole by the CLI) plus at most
# the 1 MB header store; allow 40 MB (150 MB under AddressSanitizer).
rss=$(tail -1 "$T/rss")
limit=40000
grep -q __asan_init "$FAIRLIST" && limit=150000
[ "$rss" -lt $limit ] || fail "10 MB header: max RSS $rss KB"
echo "10 MB header block: max RSS $rss KB"

finish
