#!/bin/bash
# bench/dkim/run.sh: DKIM sign and verify, messages per CPU second, for
# fairlist, libopendkim, dkimpy and the OpenSSL ceiling, on a 4 KB and a
# 100 KB message with rsa-sha256 (2048) and ed25519-sha256, relaxed/relaxed.
# Prints a Markdown table with the ratios to the ceiling.
#
#   bench/dkim/run.sh [SECONDS_PER_CELL]      (default 2)
#   bench/dkim/run.sh --callgrind [N]         (default 20)
#
# --callgrind: instructions per verify instead of rates, noise-free:
# callgrind counts the instructions inside bench_dkim's verify function
# at 1 and at 1+N messages, for fairlist and for the ceiling, and prints
# (I(1+N) - I(1)) / N per cell (OpenSSL included: the ceiling is mostly
# OpenSSL, and valgrind's CPU lacks some extensions OpenSSL uses natively,
# so only fairlist - ceiling is a claim about fairlist).
#
# Needs: gcc, libssl-dev, libc-ares-dev, libopendkim-dev, python3-dkim, libjansson-dev.
# Not a test: the numbers depend on the machine and its load.
set -eu
SRC=$(cd "$(dirname "$0")/../.." && pwd)
CG=
if [ "${1:-}" = --callgrind ]; then
	CG=${2:-20}
	set -- 1
fi
SECS=${1:-2}
# DKIM_BENCH_DIR=DIR keeps the binaries, messages and keys there, and
# reuses the keys and signed messages it finds (callgrind counts depend on
# the RSA modulus: compare runs on the same keys); otherwise a temporary
# folder. BENCH_DKIM=FILE runs that bench_dkim binary instead of building
# one (a build of an older tree, for before and after).
if [ -n "${DKIM_BENCH_DIR:-}" ]; then
	W=$DKIM_BENCH_DIR
	mkdir -p "$W"
else
	W=$(mktemp -d)
	trap 'rm -rf "$W"' EXIT
fi
CFLAGS="-O2 -g -D_GNU_SOURCE -I$SRC/src"

# Same optimisation level as the release build (-O2, CMakeLists.txt).
gcc $CFLAGS -o "$W/bench_dkim" "$SRC/bench/dkim/bench_dkim.c" \
    "$SRC"/src/dkim/*.c "$SRC"/src/dns/*.c "$SRC"/src/core/*.c -lcrypto -lcares -levent -ljansson -lpthread
gcc $CFLAGS -o "$W/bench_opendkim" "$SRC/bench/dkim/bench_opendkim.c" -lopendkim
F=${BENCH_DKIM:-$W/bench_dkim}

# Messages: plain text lines of about 72 characters, single spaces.
mkmsg() {	# size file
	awk -v size="$1" 'BEGIN {
		srand(42)
		split("the of and to in is that for it as was with be by on not he this are or his from at which but have an they you were her she there one all we their", w, " ")
		printf "From: Joe SixPack <joe@example.com>\r\nTo: Suzie Q <suzie@example.net>\r\n"
		printf "Subject: Is dinner ready?\r\nDate: Fri, 11 Jul 2003 21:00:37 -0700\r\n"
		printf "Message-ID: <20030712040037.46341.5F8J@example.com>\r\nMIME-Version: 1.0\r\n"
		printf "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
		n = 300; line = ""
		while (n < size) {
			word = w[int(rand() * 32) + 1]
			if (length(line) + length(word) + 1 > 72) {
				printf "%s\r\n", line; n += length(line) + 2; line = word
			} else
				line = (line == "" ? word : line " " word)
		}
		printf "%s\r\n", line
	}' > "$2"
}
mkmsg 4096 "$W/m4k.eml"
mkmsg 102400 "$W/m100k.eml"

"$SRC"/build*/fairlist --version > /dev/null 2>&1 || true
FAIRLIST=${FAIRLIST:-$(ls -t "$SRC"/build*/fairlist 2> /dev/null | head -1)}
if [ ! -f "$W/m100k.ed.eml" ]; then
	"$FAIRLIST" dkim keygen --algorithm rsa --bits 2048 --selector rsa --domain example.com --out "$W" > /dev/null
	"$FAIRLIST" dkim keygen --algorithm ed25519 --selector ed --domain example.com --out "$W" > /dev/null
	cat "$W/rsa.txt" "$W/ed.txt" > "$W/keys.txt"
	openssl pkey -in "$W/ed.private" -outform DER | tail -c 32 | base64 > "$W/ed.seed"
	for m in m4k m100k; do
		for k in rsa ed; do
			"$FAIRLIST" dkim sign --key "$W/$k.private" --selector $k --domain example.com \
			    --canon relaxed/relaxed < "$W/$m.eml" > "$W/$m.$k.eml"
		done
	done
fi

if [ -n "$CG" ]; then
	# Ir inside the side's verify function (fl_verify or c_verify) only,
	# so that setup (the ceiling's RSA signature is blinded: random) does
	# not count: deterministic.
	ir() {	# side count args...
		local side=$1 n=$2 out fn=fl_verify
		shift 2
		[ "$side" = ceiling ] && fn=c_verify
		out=$(BENCH_ONLY=$side BENCH_COUNT=$n valgrind --tool=callgrind \
		    --toggle-collect=$fn --callgrind-out-file=/dev/null "$F" "$@" 2>&1) ||
		    { echo "$out" >&2; exit 1; }
		echo "$out" | sed -n 's/.*Collected : *//p' | tr -d ,
	}
	echo "instructions per verify (callgrind, (I(1+$CG) - I(1)) / $CG), OpenSSL $(openssl version | cut -d' ' -f2)"
	echo
	echo "| message | algorithm | ceiling | fairlist | fairlist - ceiling | ceiling/fairlist |"
	echo "| --- | --- | ---: | ---: | ---: | ---: |"
	for m in m4k m100k; do
		for k in rsa ed; do
			case $k in rsa) alg=rsa-sha256 ;; *) alg=ed25519-sha256 ;; esac
			args="verify $W/$m.$k.eml $W/$k.private $k $W/keys.txt 1"
			c1=$(ir ceiling 1 $args); cn=$(ir ceiling $((CG + 1)) $args)
			f1=$(ir fairlist 1 $args); fn=$(ir fairlist $((CG + 1)) $args)
			size=4KB; [ $m = m100k ] && size=100KB
			awk -v s=$size -v a=$alg -v n=$CG -v c1=$c1 -v cn=$cn -v f1=$f1 -v fn=$fn 'BEGIN {
				c = (cn - c1) / n; f = (fn - f1) / n
				printf "| %s | %s | %.0f | %.0f | %.0f | %.1f%% |\n", s, a, c, f, f - c, 100 * c / f }'
		done
	done
	exit 0
fi

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "OpenSSL $(openssl version | cut -d' ' -f2), $SECS s of CPU per cell, messages/s by CPU time"
echo
echo "| message | algorithm | op | ceiling | fairlist | libopendkim | dkimpy | fairlist/ceiling | fairlist/opendkim |"
echo "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
for m in m4k m100k; do
	for k in rsa ed; do
		case $k in rsa) alg=rsa-sha256 pykey=$W/rsa.private ;; *) alg=ed25519-sha256 pykey=$W/ed.seed ;; esac
		for op in sign verify; do
			if [ $op = sign ]; then in=$W/$m.eml; else in=$W/$m.$k.eml; fi
			read -r c f < <("$F" $op "$in" "$W/$k.private" $k "$W/keys.txt" "$SECS")
			o=$("$W/bench_opendkim" $op "$in" "$W/$k.private" $k "$W/keys.txt" "$SECS" || echo 0)
			p=$(/usr/bin/python3 "$SRC/bench/dkim/bench_dkimpy.py" $op "$in" "$pykey" $k "$W/keys.txt" "$SECS" || echo 0)
			size=4KB; [ $m = m100k ] && size=100KB
			awk -v s=$size -v a=$alg -v op=$op -v c=$c -v f=$f -v o=$o -v p=$p 'BEGIN {
				r = (o > 0) ? sprintf("%.1fx", f / o) : "-"
				printf "| %s | %s | %s | %d | %d | %d | %d | %.0f%% | %s |\n", s, a, op, c, f, o, p, 100 * f / c, r }'
		done
	done
done
