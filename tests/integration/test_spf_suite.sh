#!/bin/bash
# test_spf_suite.sh: the openspf RFC 7208 conformance suite must pass in
# full (203 tests), and the runner must report failures and bad files.
set -eu
. "$FAIRLIST_SRC/tests/lib/common.sh"
set +e	# each step checks its own status
SHARED=${FAIRLIST_SHARED:-$FAIRLIST_SRC/../shared}
SUITE=$SHARED/conformance/spf/rfc7208-tests.yml
fail() { die "$*"; }	# any failure ends the test

[ -r "$SUITE" ] || fail "suite not found at $SUITE"
out=$("$FAIRLIST" spf suite "$SUITE") || { echo "$out"; fail "suite exit status"; }
last=$(printf '%s\n' "$out" | tail -n 1)
[ "$last" = "203 passed, 0 failed" ] || { echo "$out"; fail "got '$last'"; }
ok "the RFC 7208 suite: 203 passed, 0 failed"

tmp=$T
# A wrong expectation must be reported as one failing line.
sed 's/^    explanation: See me\.$/    explanation: See you./' "$SUITE" >"$tmp/mut.yml"
out=$("$FAIRLIST" spf suite "$tmp/mut.yml") && fail "mutated suite passed"
printf '%s\n' "$out" | grep -q 'redirect-cancels-prior-exp: got fail "See me.", want fail "See you."' ||
	{ echo "$out"; fail "failure line missing"; }
[ "$(printf '%s\n' "$out" | tail -n 1)" = "202 passed, 1 failed" ] || fail "counts"

# A malformed file gives file:line and a non-zero exit.
printf -- '---\ndescription: x\ntests:\n  t1:\n    host: 1.2.3.4\n   bad: [\n' >"$tmp/bad.yml"
err=$("$FAIRLIST" spf suite "$tmp/bad.yml" 2>&1) && fail "bad file accepted"
printf '%s\n' "$err" | grep -q "bad.yml:[0-9]" || { echo "$err"; fail "no file:line"; }

# Another file in the same format (flow mapping, block scalars, anchors refused).
cat >"$tmp/other.yml" <<'YML'
# a hand-written scenario in the openspf format
---
description: |
  Other file
tests:
  t-pass: {host: 192.0.2.1, mailfrom: "a@x.example", helo: h.example, result: pass}
  t-fail:
    host: 192.0.2.9
    mailfrom: a@x.example
    helo: h.example
    result: [ fail ]
    explanation: >-
      go
      away
zonedata:
  x.example:
    - SPF: v=spf1 ip4:192.0.2.1 -all exp=e.x.example
  e.x.example:
    - TXT: [ "go ", "away" ]
...
YML
out=$("$FAIRLIST" spf suite "$tmp/other.yml") || { echo "$out"; fail "other file"; }
[ "$out" = "2 passed, 0 failed" ] || { echo "$out"; fail "other file counts"; }
printf -- '---\na: &x 1\nb: *x\n' >"$tmp/anchor.yml"
err=$("$FAIRLIST" spf suite "$tmp/anchor.yml" 2>&1) && fail "anchors accepted"
printf '%s\n' "$err" | grep -q "anchors" || { echo "$err"; fail "anchor message"; }
ok "suite runner: counts, failure lines, bad files"
finish
