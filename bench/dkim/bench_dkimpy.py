#!/usr/bin/python3
# bench_dkimpy.py: DKIM messages per CPU second for dkimpy (Debian
# python3-dkim), the same cells as bench_dkim.c.
#   bench_dkimpy.py sign|verify MSG KEY SELECTOR KEYS SECONDS
# KEY is a PEM for RSA, a base64 seed for Ed25519 (dkimpy's format).
import sys, time, dkim

op, msgp, keyp, sel, keysp, secs = sys.argv[1:7]
msg = open(msgp, 'rb').read()
key = open(keyp, 'rb').read()
secs = float(secs)
keys = {}
for line in open(keysp, 'rb'):
    line = line.strip()
    if line:
        name, rec = line.split(None, 1)
        keys[name.lower() + b'.'] = rec

def dnsfunc(name, timeout=5):
    n = name.lower()
    return keys.get(n if n.endswith(b'.') else n + b'.')

alg = b'rsa-sha256' if b'BEGIN' in key else b'ed25519-sha256'

def sign():
    return dkim.sign(msg, sel.encode(), b'example.com', key,
                     canonicalize=(b'relaxed', b'relaxed'),
                     signature_algorithm=alg) != b''

def verify():
    return dkim.verify(msg, dnsfunc=dnsfunc)

fn = verify if op == 'verify' else sign
if not fn():
    sys.exit('bench_dkimpy: first message failed')
n = 0
t0 = time.process_time()
while True:
    for _ in range(4):
        fn()
    n += 4
    t = time.process_time() - t0
    if t >= secs:
        break
print('%.0f' % (n / t))
