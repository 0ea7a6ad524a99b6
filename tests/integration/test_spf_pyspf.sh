#!/bin/bash
# test_spf_pyspf.sh: cross-check against pyspf (Debian python3-spf).
# A hand-made zone and ~50 queries go to pyspf (with a fake DNS serving
# the zone, as pyspf's own test driver does); its results and
# explanations become an openspf-format suite (written as JSON, which is
# YAML too) that "fairlist spf suite" must pass in full. The same zone is
# also written as a master file and a sample of queries is run through
# "fairlist spf check --dns-zone". Fails, naming the Debian package
# python3-spf, when pyspf is missing.
set -eu
. "$FAIRLIST_SRC/tests/lib/common.sh"
set +e	# each step checks its own status
PY=${PYTHON:-/usr/bin/python3}
fail() { die "$*"; }	# any failure ends the test
"$PY" -c 'import spf' 2>/dev/null || die "python3 module spf not found: install the Debian package python3-spf"
tmp=$T

"$PY" - "$tmp" <<'PYEOF' || fail "pyspf driver"
import json, socket, sys
import spf

out = sys.argv[1]
Z = {
  'example.org': [('TXT', 'v=spf1 ip4:192.0.2.0/28 ip6:2001:db8:10::/48 a mx include:inc.example.org exp=why.example.org -all')],
  'why.example.org': [('TXT', '%{i} may not send for %{d} (%{s}, helo %{h})')],
  'example.org.': [],
  'mail.example.org': [('A', '192.0.2.100'), ('AAAA', '2001:db8:20::1')],
  'inc.example.org': [('TXT', 'v=spf1 ip4:198.51.100.0/24 ~all')],
  'mx.example.org': [('A', '192.0.2.110')],
  'a.example.org': [('TXT', 'v=spf1 a/24 a:mail.example.org//64 -all'), ('A', '203.0.113.7')],
  'mxs.example.org': [('TXT', 'v=spf1 mx/30 -all'), ('MX', (10, 'mx.example.org')), ('MX', (20, 'mail.example.org'))],
  'ptr.example.org': [('TXT', 'v=spf1 ptr -all')],
  'ptr2.example.org': [('TXT', 'v=spf1 ptr:example.org ?all')],
  '9.113.0.203.in-addr.arpa': [('PTR', 'host9.ptr.example.org')],
  'host9.ptr.example.org': [('A', '203.0.113.9')],
  '10.113.0.203.in-addr.arpa': [('PTR', 'host10.ptr.example.org')],
  'host10.ptr.example.org': [('A', '203.0.113.99')],
  'red.example.org': [('TXT', 'v=spf1 ip4:203.0.113.50 redirect=example.org')],
  'red2.example.org': [('TXT', 'v=spf1 redirect=%{l1r+}.users.example.org')],
  'alice.users.example.org': [('TXT', 'v=spf1 ip4:203.0.113.60 -all')],
  'ex.example.org': [('TXT', 'v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} -all')],
  '1.113.0.203.bob._spf.ex.example.org': [('A', '127.0.0.2')],
  'soft.example.org': [('TXT', 'v=spf1 ~all')],
  'neutral.example.org': [('TXT', 'v=spf1 ?all')],
  'plus.example.org': [('TXT', 'v=spf1 +all')],
  'empty.example.org': [('TXT', 'v=spf1')],
  'none.example.org': [('TXT', 'just text'), ('A', '192.0.2.1')],
  'two.example.org': [('TXT', 'v=spf1 -all'), ('TXT', 'v=spf1 +all')],
  'syntax.example.org': [('TXT', 'v=spf1 ip4:203.0.113.1/33 -all')],
  'syntax2.example.org': [('TXT', 'v=spf1 foo:bar -all')],
  'mod.example.org': [('TXT', 'v=spf1 unknown=thing ip4:203.0.113.1 -all')],
  'case.example.org': [('TXT', 'V=SPF1 IP4:203.0.113.1 -ALL')],
  'split.example.org': [('TXT', ('v=spf1 ip4:203.0.', '113.2 -all'))],
  'voids.example.org': [('TXT', 'v=spf1 a:n1.example.org a:n2.example.org a:n3.example.org ?all')],
  'voids2.example.org': [('TXT', 'v=spf1 a:n1.example.org a:n2.example.org ?all')],
  'many.example.org': [('TXT', 'v=spf1 a a a a a a a a a a a -all'), ('A', '192.0.2.200')],
  'ten.example.org': [('TXT', 'v=spf1 a a a a a a a a a ip4:203.0.113.1 -all'), ('A', '192.0.2.200')],
  'loop.example.org': [('TXT', 'v=spf1 include:loop2.example.org -all')],
  'loop2.example.org': [('TXT', 'v=spf1 include:loop.example.org -all')],
  'incnone.example.org': [('TXT', 'v=spf1 include:none.example.org -all')],
  'incfail.example.org': [('TXT', 'v=spf1 include:soft.example.org -all')],
  'incpass.example.org': [('TXT', 'v=spf1 -include:plus.example.org +all')],
  'v6.example.org': [('TXT', 'v=spf1 ip6:2001:db8::/32 -all')],
  'expx.example.org': [('TXT', 'v=spf1 -all exp=exp2.example.org')],
  'exp2.example.org': [('TXT', 'Go to http://example.org/why?ip=%{I}&s=%{S}')],
  'cn.example.org': [('CNAME', 'example.org')],
  'incn.example.org': [('TXT', 'v=spf1 include:cn.example.org -all')],
  'alias.example.org': [('TXT', 'v=spf1 a:cname2.example.org -all')],
  'cname2.example.org': [('CNAME', 'mail.example.org')],
  'helo.example.net': [('TXT', 'v=spf1 a -all'), ('A', '198.51.100.77')],
}
Q = [
  ('192.0.2.5', 'user@example.org', 'helo.example.net'),
  ('192.0.2.20', 'user@example.org', 'helo.example.net'),
  ('2001:db8:10::5', 'user@example.org', 'helo.example.net'),
  ('2001:db8:11::5', 'user@example.org', 'helo.example.net'),
  ('192.0.2.100', 'user@example.org', 'helo.example.net'),
  ('2001:db8:20::1', 'user@example.org', 'helo.example.net'),
  ('192.0.2.110', 'user@example.org', 'helo.example.net'),
  ('198.51.100.9', 'user@example.org', 'helo.example.net'),
  ('203.0.113.200', 'user@a.example.org', 'helo.example.net'),
  ('203.0.114.1', 'user@a.example.org', 'helo.example.net'),
  ('2001:db8:20::ffff', 'user@a.example.org', 'helo.example.net'),
  ('192.0.2.109', 'user@mxs.example.org', 'helo.example.net'),
  ('192.0.2.105', 'user@mxs.example.org', 'helo.example.net'),
  ('203.0.113.9', 'user@ptr.example.org', 'helo.example.net'),
  ('203.0.113.10', 'user@ptr.example.org', 'helo.example.net'),
  ('203.0.113.9', 'user@ptr2.example.org', 'helo.example.net'),
  ('203.0.113.50', 'user@red.example.org', 'helo.example.net'),
  ('192.0.2.3', 'user@red.example.org', 'helo.example.net'),
  ('203.0.113.51', 'user@red.example.org', 'helo.example.net'),
  ('203.0.113.60', 'alice@red2.example.org', 'helo.example.net'),
  ('203.0.113.61', 'alice@red2.example.org', 'helo.example.net'),
  ('203.0.113.60', 'carol@red2.example.org', 'helo.example.net'),
  ('203.0.113.1', 'bob@ex.example.org', 'helo.example.net'),
  ('203.0.113.1', 'bob-x@ex.example.org', 'helo.example.net'),
  ('203.0.113.2', 'bob@ex.example.org', 'helo.example.net'),
  ('203.0.113.1', 'x@soft.example.org', 'helo.example.net'),
  ('203.0.113.1', 'x@neutral.example.org', 'helo.example.net'),
  ('203.0.113.1', 'x@plus.example.org', 'helo.example.net'),
  ('203.0.113.1', 'x@empty.example.org', 'helo.example.net'),
  ('203.0.113.1', 'x@none.example.org', 'helo.example.net'),
  ('203.0.113.1', 'x@nxdomain.example.org', 'helo.example.net'),
  ('203.0.113.1', 'x@two.example.org', 'helo.example.net'),
  ('203.0.113.1', 'x@syntax.example.org', 'helo.example.net'),
  ('203.0.113.1', 'x@syntax2.example.org', 'helo.example.net'),
  ('203.0.113.1', 'x@mod.example.org', 'helo.example.net'),
  ('203.0.113.1', 'x@case.example.org', 'helo.example.net'),
  ('203.0.113.2', 'x@split.example.org', 'helo.example.net'),
  ('203.0.113.1', 'x@voids.example.org', 'helo.example.net'),
  ('203.0.113.1', 'x@voids2.example.org', 'helo.example.net'),
  ('203.0.113.1', 'x@many.example.org', 'helo.example.net'),
  ('203.0.113.1', 'x@ten.example.org', 'helo.example.net'),
  ('203.0.113.1', 'x@loop.example.org', 'helo.example.net'),
  ('203.0.113.1', 'x@incnone.example.org', 'helo.example.net'),
  ('203.0.113.1', 'x@incfail.example.org', 'helo.example.net'),
  ('203.0.113.1', 'x@incpass.example.org', 'helo.example.net'),
  ('2001:db8:ffff::1', 'x@v6.example.org', 'helo.example.net'),
  ('2001:db9::1', 'x@v6.example.org', 'helo.example.net'),
  ('::ffff:203.0.113.1', 'x@case.example.org', 'helo.example.net'),
  ('203.0.113.1', 'x&y@expx.example.org', 'helo.example.net'),
  ('192.0.2.5', 'x@incn.example.org', 'helo.example.net'),
  ('192.0.2.100', 'x@alias.example.org', 'helo.example.net'),
  ('198.51.100.77', '', 'helo.example.net'),
  ('198.51.100.78', '', 'helo.example.net'),
  ('198.51.100.77', '@example.org', 'helo.example.net'),
]

def lookup(name, qtype, strict=True, timeout=None):
    name = name.rstrip('.').lower()
    for t, v in Z.get(name, []):
        if t == 'AAAA':
            v = bytes(socket.inet_pton(socket.AF_INET6, v))
        elif t == 'TXT':
            v = tuple(s.encode() for s in ((v,) if isinstance(v, str) else v))
        yield ((name, t), v)

spf.DNSLookup = lookup
tests = {}
for n, (ip, mf, helo) in enumerate(Q):
    q = spf.query(i=ip, s=mf, h=helo, receiver='rcv.example')
    q.set_default_explanation('DEFAULT')
    res, code, exp = q.check()
    t = {'host': ip, 'mailfrom': mf, 'helo': helo, 'result': res}
    if res == 'fail':
        t['explanation'] = exp
    tests['q%02d-%s' % (n, (mf.split('@')[-1] or helo).split('.')[0])] = t

zonedata = {}
for name, rrs in Z.items():
    if not rrs:
        continue
    ent = []
    for t, v in rrs:
        if t == 'TXT':
            ent.append({'TXT': v if isinstance(v, str) else list(v)})
        elif t == 'MX':
            ent.append({'MX': list(v)})
        else:
            ent.append({t: v})
    zonedata[name] = ent
with open(out + '/cross.yml', 'w') as f:
    f.write('# generated from pyspf %s results\n---\n' % spf.__version__)
    f.write(json.dumps({'description': 'pyspf cross-check', 'tests': tests,
        'zonedata': zonedata}, indent=1))
    f.write('\n')

# The same zone as a master file, and the expected results of a sample.
with open(out + '/cross.zone', 'w') as f:
    f.write('$TTL 300\n')
    for name, rrs in Z.items():
        for t, v in rrs:
            if t == 'TXT':
                parts = (v,) if isinstance(v, str) else v
                v = ' '.join('"%s"' % p.replace('\\', '\\\\').replace('"', '\\"') for p in parts)
            elif t == 'MX':
                v = '%d %s.' % v
            elif t in ('PTR', 'CNAME'):
                v = v + '.'
            f.write('%s. IN %s %s\n' % (name, t, v))
with open(out + '/sample', 'w') as f:
    for n in range(0, len(Q), 3):
        ip, mf, helo = Q[n]
        t = tests['q%02d-%s' % (n, (mf.split('@')[-1] or helo).split('.')[0])]
        f.write('%s %s %s %s\n' % (ip, mf or '-', helo, t['result']))
print('%d queries' % len(Q))
PYEOF

out=$("$FAIRLIST" spf suite "$tmp/cross.yml")
status=$?
echo "$out"
[ $status = 0 ] || fail "fairlist disagrees with pyspf"
printf '%s\n' "$out" | tail -n 1 | grep -Eq '^(4[5-9]|5[0-9]) passed, 0 failed$' || fail "unexpected count"
ok "fairlist spf suite passes the suite written from pyspf's results"

while read -r ip mf helo want; do
	[ "$mf" = - ] && mf=""
	got=$("$FAIRLIST" spf check --ip "$ip" --mail-from "$mf" --helo "$helo" \
	    --dns-zone "$tmp/cross.zone" | sed -n 's/^result: //p')
	[ "$got" = "$want" ] || fail "check $ip '$mf': got $got, pyspf $want"
done <"$tmp/sample"
ok "a sample through spf check --dns-zone agrees with pyspf"
finish
