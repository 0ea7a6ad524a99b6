#!/usr/bin/env bash
# test_web_browser.sh: issue 10, the lookup pages in a real browser:
# Debian's chromium, headless, driven by chromium-driver and
# python3-selenium (test_web_browser.py). It opens /, looks an address up
# through the form, reads the reason (which holds <script>: shown as text,
# never run), the evidence and the expiry, submits the removal form and
# reads the request's state (done: a trap listing goes by self-service),
# then dig shows the listing gone; pastes a rejection into the bounce
# form (issue 12) and reads the verdict, the list and the resolver's
# fault, and follows its link to the lookup page. Screenshots of the page for a listed
# address, an unlisted one and a range, and of the request page. With
# FAIRLIST_WEB_SHOTS=DIR the screenshots are copied there (docs/ holds
# the ones docs/WEB.md shows).
. "$FAIRLIST_SRC/tests/lib/common.sh"
need chromium chromium
need chromedriver chromium-driver
need dig bind9-dnsutils
need jq jq
need curl curl
/usr/bin/python3 -c 'import selenium' 2>/dev/null ||
    die "python3 selenium not found: install the Debian package python3-selenium"

db=$T/fl.db
fl() { "$FAIRLIST" --db "$db" "$@"; }
dport=$(free_port)
hport=$(free_port)
H=http://127.0.0.1:$hport
printf 'db %s\ndns {\n\tlisten 127.0.0.1:%s\n\tworkers 1\n}\npolicy {\n\tlisten off\n}\nhttp {\n\tlisten 127.0.0.1:%s\n}\n' \
    "$db" "$dport" "$hport" > "$T/fl.conf"
reason='hit spam traps 3 times <script>alert(1)</script>'
fl add 192.0.2.1 --reason "$reason" --evidence 'trap=t1 <b>hit</b>' \
    --expires 7d --source trap >/dev/null
fl add 198.51.100.0/24 --reason 'a snowshoe spam range' --evidence 'trap hits from 40 addresses' >/dev/null
"$FAIRLIST" --config "$T/fl.conf" serve 2>"$T/serve.log" &
PIDS="$PIDS $!"
wait_for curl -sf "$H/" || die "no HTTP answer: $(cat "$T/serve.log")"
expires=$(curl -s "$H/api/v1/lookup/192.0.2.1" | jq -r '.listings[0].expires_at')
mkdir "$T/shots"
out=$(/usr/bin/python3 "$FAIRLIST_SRC/tests/integration/test_web_browser.py" \
    "$H" "$T/shots" "$reason" "$expires" 2>"$T/browser.log") || true
echo "$out"
n=$(echo "$out" | grep -c '^ok ' || true)
CHECKS=$((CHECKS + n))
nf=$(echo "$out" | grep -c '^FAIL' || true)
[ "$n" -gt 0 ] || { echo "browser: $(tail -5 "$T/browser.log")"; nf=$((nf + 1)); }
FAILS=$((FAILS + nf))
gone() { [ -z "$(dig +short -p "$dport" @127.0.0.1 1.2.0.192.bl.fairlist.test A)" ]; }
if wait_for gone; then ok "dig: the listing no longer answers"; else fail "dig: still listed"; fi
for s in web-listed web-not-listed web-range web-request; do
	case $(head -c 8 "$T/shots/$s.png" 2>/dev/null | od -An -tx1 | tr -d ' \n') in
	89504e470d0a1a0a) ok "screenshot $s.png" ;;
	*) fail "screenshot $s.png missing" ;;
	esac
done
if [ -n "${FAIRLIST_WEB_SHOTS:-}" ]; then
	cp "$T/shots/"*.png "$FAIRLIST_WEB_SHOTS/"
fi
finish
