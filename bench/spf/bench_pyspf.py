#!/usr/bin/python3
"""bench_pyspf.py: pyspf (python3-spf) evaluations per second over every
test of an openspf YAML suite, with the fake DNS of pyspf's own test
driver (zones built once per scenario, a fresh spf.query per test).

    bench_pyspf.py SUITE.yml [SECONDS]

Rates are per CPU second (time.process_time), like bench_spf.c.
Prints "pyspf evals_per_sec passed total".
"""
import socket
import sys
import time

import spf
import yaml


def getrdata(r):
    txt, gen = [], True
    for m in r:
        if isinstance(m, str):
            yield m
            continue
        for t, v in m.items():
            if t == 'TXT':
                gen = False
            elif t == 'SPF' and gen:
                txt.append(('TXT', v))
            if v != 'NONE':
                if t in ('TXT', 'SPF') and isinstance(v, str):
                    yield (t, (v,))
                else:
                    yield (t, v)
    if gen:
        for i in txt:
            yield (i[0], (i[1],) if isinstance(i[1], str) else i[1])


ZONE = {}


def lookup(name, qtype, strict=True, timeout=None):
    timeout = True
    name = '.'.join(x for x in name.split('.') if x)
    for i in ZONE.get(name.lower(), []):
        if i == 'TIMEOUT':
            if timeout:
                raise spf.TempError('DNS timeout')
            return
        t, v = i
        if t == qtype:
            timeout = False
        if v == 'TIMEOUT':
            if t == qtype:
                raise spf.TempError('DNS timeout')
            continue
        if t == 'AAAA':
            v = bytes(socket.inet_pton(socket.AF_INET6, v))
        elif t in ('TXT', 'SPF'):
            v = tuple(s.encode('utf-8') for s in v)
        elif t == 'MX':
            v = tuple(v)
        yield ((name, t), v)


def main():
    path = sys.argv[1]
    secs = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
    tests = []
    with open(path, 'rb') as f:
        for doc in yaml.safe_load_all(f):
            zone = {k.lower(): list(getrdata(v or []))
                    for k, v in (doc.get('zonedata') or {}).items()}
            for name, t in doc['tests'].items():
                want = t['result']
                want = set(want if isinstance(want, list) else [want])
                tests.append((zone, t['host'], t.get('mailfrom', ''),
                              t.get('helo', ''), want))
    spf.DNSLookup = lookup
    global ZONE

    def run(t):
        global ZONE
        ZONE = t[0]
        q = spf.query(i=t[1], s=t[2], h=t[3])
        q.set_default_explanation('DEFAULT')
        try:
            return q.check()[0]
        except Exception:
            return 'exception'

    passed = sum(1 for t in tests if run(t) in t[4])
    n = 0
    t0 = time.process_time()
    while True:
        for t in tests:
            run(t)
        n += len(tests)
        el = time.process_time() - t0
        if el >= secs:
            break
    print('pyspf %.0f %d %d' % (n / el, passed, len(tests)))


if __name__ == '__main__':
    main()
