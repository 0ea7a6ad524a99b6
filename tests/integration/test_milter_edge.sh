#!/usr/bin/env bash
# test_milter_edge.sh: protocol edge cases against `fairlist serve`'s
# milter, spoken byte by byte by tests/lib/milter_client.py (the MTA side,
# no libmilter), with dkimpy checking every signature the milter adds:
#   - a header sent in 1-byte writes, a header without a value, 8-bit
#     header bytes, a body over 1 MiB in 64 KiB chunks: signed, verifies;
#   - SMFIC_ABORT mid-message, then a new message on the same connection:
#     the signature covers the second message only;
#   - SMFIC_QUIT_NC, then a new SMTP session on the same connection from
#     outside networks: not signed, one Authentication-Results inserted,
#     a forged one claiming our authserv-id deleted (SMFIR_CHGHEADER);
#   - SMFIP_MDS_1M offered: taken, and a 512 KiB body chunk accepted;
#   - 40 connections that close while their signature is being made on
#     the workers: the daemon goes on and signs the next one;
#   - SMFIP_NR_* (no reply to CONNECT, HELO, MAIL, headers, EOH, body)
#     taken when offered, RCPT kept (the policy engine judges there); an
#     MTA that offers none gets a reply to every command;
#   - malformed packets (zero length, a length over the limit, a truncated
#     macro, a truncated header, an unknown command, a command before
#     negotiation) each close their connection with a log line, and the
#     daemon goes on serving.
. "$FAIRLIST_SRC/tests/lib/common.sh"
/usr/bin/python3 -c 'import dkim' 2>/dev/null ||
    die "python3 module dkim not found: install the Debian package python3-dkim"

dns_port=$(free_port)
policy_port=$(free_port)
milter_port=$(free_port)
"$FAIRLIST" dkim keygen --algorithm rsa --selector s1 --domain example.org \
    --out "$T/keys" >/dev/null || die "keygen"

cat >"$T/fl.conf" <<CONF
db $T/fl.db
dns {
	listen 127.0.0.1:$dns_port
	workers 1
}
policy {
	listen 127.0.0.1:$policy_port
	# SPF and DMARC of the inbound session ask our own DNS server
	# (REFUSED for every other zone), never the machine's resolver.
	resolver 127.0.0.1:$dns_port
}
milter {
	listen 127.0.0.1:$milter_port
	sign {
		key example.org s1 $T/keys/s1.private
		networks 10.0.0.0/8
	}
	authserv-id mx.example.test
}
CONF
"$FAIRLIST" --config "$T/fl.conf" serve >"$T/serve.log" 2>&1 &
PIDS="$PIDS $!"
wait_for grep -q "milter: listening" "$T/serve.log" ||
    { cat "$T/serve.log"; die "serve did not start the milter"; }

cat >"$T/edge.py" <<'PY'
import struct, sys, time
sys.path.insert(0, sys.argv[1] + '/tests/lib')
import dkim
from milter_client import Milter, signed_message, MDS_1M, SMFIP_ALL, NR, NR_ALL

port = int(sys.argv[2])
keys = {}
for line in open(sys.argv[3], 'rb'):
    name, rec = line.strip().split(None, 1)
    keys[name.lower() + b'.'] = rec
def dnsfunc(name, timeout=5):
    return keys.get(name.lower() if name.endswith(b'.') else name.lower() + b'.')

def say(ok, what):
    print(('ok   ' if ok else 'FAIL ') + what)

def message(m, headers, body, chunk_hdr=None):
    m.macro(b'M', [('i', 'Q1')])
    m.step(b'M', b'<a@example.org>\0')
    m.step(b'R', b'<b@example.net>\0')
    for i, (n, v) in enumerate(headers):
        m.header(n, v, chunk=1 if chunk_hdr == i else None)
    m.step(b'N')
    for i in range(0, len(body), 65535):
        assert m.step(b'B', body[i:i + 65535])[0] == b'c'
    return m.eom()

def verifies(mods, headers, body):
    msg = signed_message(mods, headers, body)
    try:
        return dkim.verify(msg, dnsfunc=dnsfunc)
    except Exception as e:
        print('dkimpy:', e)
        return False

# 1. Chunked, empty and 8-bit headers, a body over 1 MiB.
m = Milter('127.0.0.1', port)
ver, act, pro = m.negotiate()
say(pro & NR_ALL == NR_ALL & ~(NR[b'R'] | NR[b'T'] | NR[b'U']),
    'no reply asked for CONNECT, HELO, MAIL, headers, EOH, body; RCPT '
    'answered (the engine judges there): 0x%x' % pro)
m.connect('10.1.2.3')
m.step(b'H', b'client.test\0')
hdrs = [('From', b'Alice <a@example.org>'), ('To', b'b@example.net'),
        ('Subject', b'h\xc3\xa9llo w\xc3\xb6rld'), ('X-Empty', b''),
        ('Date', b'Mon, 07 Dec 2026 12:00:00 +0000')]
body = b''.join(b'line %07d of a long body, with some text\r\n' % i
                for i in range(26000))
say(len(body) > 1024 * 1024, 'body over 1 MiB (%d bytes)' % len(body))
cmd, _, mods = message(m, hdrs, body, chunk_hdr=2)
sigs = [x for x in mods if x[2] == 'DKIM-Signature']
say(cmd == b'c' and len(sigs) == 1, 'signed: one DKIM-Signature, continue')
say(verifies(mods, hdrs, body), 'dkimpy verifies chunked/empty/8-bit headers, 1 MiB body')

# 2. Abort mid-message, then a second message on the same connection.
m.macro(b'M', [('i', 'Q2')])
m.step(b'M', b'<a@example.org>\0')
m.header('From', b'a@example.org')
m.header('Subject', b'the aborted one')
m.step(b'N')
m.step(b'B', b'half a body\r\n')
m.send(b'A')
hdrs2 = [('From', b'a@example.org'), ('Subject', b'the second one')]
body2 = b'The second body.\r\n'
cmd, _, mods = message(m, hdrs2, body2)
say(verifies(mods, hdrs2, body2), 'after ABORT: the next message is signed alone')

# 3. QUIT_NC, then an inbound session on the same connection.
m.send(b'K')
m.connect('192.0.2.1')
hdrs3 = [('Authentication-Results', b'mx.example.test; dkim=pass header.d=example.org'),
         ('Authentication-Results', b'other.example; spf=pass'),
         ('From', b'a@example.org'), ('Subject', b'inbound')]
cmd, _, mods = message(m, hdrs3, b'Inbound body.\r\n')
say(not [x for x in mods if x[2] == 'DKIM-Signature'], 'after QUIT_NC, inbound: not signed')
ars = [x for x in mods if x[0] == b'i' and x[2] == 'Authentication-Results']
say(len(ars) == 1 and b'mx.example.test' in ars[0][3] and b'dkim=none' in ars[0][3],
    'inbound: one Authentication-Results, dkim=none: %r' % (ars,))
chg = [x for x in mods if x[0] == b'm']
say(chg == [(b'm', 1, 'Authentication-Results', b'')],
    'inbound: the forged AR (ours, 1st) deleted, the other kept: %r' % (chg,))
m.send(b'Q')
m.close()

# 4. MDS_1M offered: taken, and a 512 KiB chunk accepted.
m = Milter('127.0.0.1', port)
ver, act, pro = m.negotiate(SMFIP_ALL | MDS_1M)
say(pro & MDS_1M, 'MDS_1M negotiated')
m.connect('192.0.2.2')
m.step(b'M', b'<a@example.org>\0')
m.header('From', b'a@example.org')
m.step(b'N')
m.step(b'B', b'x' * (512 * 1024))
cmd, _, mods = m.eom()
say(cmd == b'c', '512 KiB body chunk accepted: %r' % cmd)
m.close()

# 4b. An MTA that offers no SMFIP_NR_*: a reply to every command.
m = Milter('127.0.0.1', port)
ver, act, pro = m.negotiate(SMFIP_ALL & ~NR_ALL)
say(pro & NR_ALL == 0, 'no SMFIP_NR_* offered, none taken: 0x%x' % pro)
got = [m.connect('10.1.2.3')[0], m.step(b'H', b'client.test\0')[0],
       m.step(b'M', b'<a@example.org>\0')[0],
       m.step(b'R', b'<b@example.net>\0')[0],
       m.header('From', b'a@example.org')[0], m.step(b'N')[0],
       m.step(b'B', b'body\r\n')[0]]
cmd, _, mods = m.eom()
say(got == [b'c'] * 7 and cmd == b'c' and
    [x for x in mods if x[2] == 'DKIM-Signature'],
    'without SMFIP_NR_*: continue to each command, signed at EOM: %r' % got)
m.close()

# 4c. Connections that go away while their end of message is on the
# workers (signing), or at once after it: the job's result is dropped,
# nothing freed under it (ASan builds catch it), and the daemon serves.
for i in range(40):
    m = Milter('127.0.0.1', port)
    m.negotiate()
    m.connect('10.1.2.3')
    m.step(b'M', b'<a@example.org>\0')
    m.header('From', b'a@example.org')
    m.step(b'N')
    m.step(b'B', b'gone before the signature\r\n' * (i * 50))
    m.send(b'E')
    if i % 2:
        m.send(b'Q')
    m.close()
m = Milter('127.0.0.1', port)
m.negotiate()
m.connect('10.1.2.3')
cmd, _, mods = message(m, [('From', b'a@example.org')], b'after them\r\n')
say(cmd == b'c' and [x for x in mods if x[2] == 'DKIM-Signature'],
    '40 connections closed during their signing: the next one is signed')
m.close()

# 5. Malformed packets: each closes its connection.
bad = [
    ('zero length', b'\0\0\0\0'),
    ('length over the 64K limit', struct.pack('>I', 0x100000) + b'B'),
    ('truncated macro', struct.pack('>I', 4) + b'DMi\0'),
    ('truncated header', struct.pack('>I', 8) + b'LSubject'),
    ('unknown command', struct.pack('>I', 2) + b'Zx'),
]
for what, data in bad:
    m = Milter('127.0.0.1', port)
    m.negotiate()
    m.raw(data)
    say(m.closed(), 'malformed (%s): connection closed' % what)
    m.close()
m = Milter('127.0.0.1', port)
m.send(b'C', b'h\0' + b'4' + struct.pack('>H', 25) + b'192.0.2.3\0')
say(m.closed(), 'a command before negotiation: connection closed')
m = Milter('127.0.0.1', port)
m.negotiate(SMFIP_ALL & ~NR_ALL)
say(m.connect('10.1.2.3')[0] == b'c', 'the daemon still serves')
m.close()
PY
/usr/bin/python3 "$T/edge.py" "$FAIRLIST_SRC" "$milter_port" "$T/keys/s1.txt" \
    >"$T/edge.out" 2>&1 || true
cat "$T/edge.out"
n_ok=$(grep -c '^ok ' "$T/edge.out" || true)
n_fail=$(grep -c '^FAIL ' "$T/edge.out" || true)
check "edge cases: every check of edge.py ran and passed" "$n_ok/$n_fail" "20/0"
for why in "zero packet length" "packet longer than the negotiated limit" \
    "macro name without a value" "string without its NUL" "unknown command" \
    "before negotiation"; do
	if grep -q "milter: .*$why.*closing" "$T/serve.log"; then
		ok "logged: $why"
	else
		fail "no log line for: $why"
	fi
done
[ "$FAILS" -eq 0 ] || tail -20 "$T/serve.log"
finish
