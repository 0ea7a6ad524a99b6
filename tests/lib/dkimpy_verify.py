# dkimpy_verify.py: verify DKIM signatures with dkimpy (python3-dkim),
# keys from a key file ("<selector>._domainkey.<domain> <TXT>" a line, as
# `fairlist dkim keygen` writes DIR/S.txt), no DNS.
#
#   dkimpy_verify.py KEYS FILE...      "FILE-NAME pass|fail" per file (the
#                                      topmost signature)
#   dkimpy_verify.py --each KEYS FILE  "SELECTOR pass|fail" per signature
import sys
import dkim

each = sys.argv[1] == '--each'
args = sys.argv[2:] if each else sys.argv[1:]
keys = {}
for line in open(args[0], 'rb'):
    line = line.strip()
    if line and not line.startswith(b'#'):
        name, rec = line.split(None, 1)
        keys[name.lower().rstrip(b'.') + b'.'] = rec


def dnsfunc(name, timeout=5):
    n = name.lower()
    return keys.get(n if n.endswith(b'.') else n + b'.')


def verify(msg, idx):
    d = dkim.DKIM(msg)
    try:
        ok = d.verify(idx=idx, dnsfunc=dnsfunc)
    except Exception:
        ok = False
    return d, 'pass' if ok else 'fail'


for path in args[1:]:
    msg = open(path, 'rb').read()
    if not each:
        print(path.rsplit('/', 1)[-1], verify(msg, 0)[1])
        continue
    head = msg.replace(b'\r\n', b'\n').split(b'\n\n', 1)[0]
    for i in range(head.count(b'\nDKIM-Signature:') +
                   head.startswith(b'DKIM-Signature:')):
        d, res = verify(msg, i)
        print(d.selector.decode() if d.selector else '?', res)
