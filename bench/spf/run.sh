#!/bin/bash
# run.sh: the SPF benchmark (not a test). Builds fairlist's library in
# $BUILD (default build-spfbench, the project's default RelWithDebInfo -O2),
# links bench_spf.c against it and libspf2 (libspf2-dev), then times
# fairlist, libspf2 and pyspf (python3-spf, python3-yaml) over every test
# of the suite, in-memory DNS for all three, and prints the ratios.
#
#   bench/spf/run.sh [SUITE.yml] [SECONDS]
set -eu
SRC=$(cd "$(dirname "$0")/../.." && pwd)
SUITE=${1:-$SRC/../shared/conformance/spf/rfc7208-tests.yml}
SECS=${2:-5}
BUILD=${BUILD:-$SRC/build-spfbench}
PY=${PYTHON:-/usr/bin/python3}

cmake -S "$SRC" -B "$BUILD" >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target fairlist_lib >/dev/null
# shellcheck disable=SC2046
cc -O2 -std=gnu17 -I"$SRC/src" -o "$BUILD/bench_spf" "$SRC/bench/spf/bench_spf.c" \
	"$BUILD/libfairlist_lib.a" -lspf2 \
	$(pkg-config --libs libcares jansson libcrypto sqlite3 libevent) -lm -lpthread

echo "suite: $SUITE, $SECS s per implementation, $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
out=$("$BUILD/bench_spf" "$SUITE" "$SECS")
py=$("$PY" "$SRC/bench/spf/bench_pyspf.py" "$SUITE" "$SECS")
printf '%s\n%s\n' "$out" "$py" | awk '
{ rate[$1] = $2; pass[$1] = $3; total[$1] = $4; order[NR] = $1 }
END {
	printf "%-9s %14s %12s\n", "impl", "evals/s", "suite";
	for (i = 1; i <= NR; i++) {
		k = order[i];
		printf "%-9s %14.0f %8d/%d\n", k, rate[k], pass[k], total[k];
	}
	printf "fairlist/libspf2 = %.2fx\n", rate["fairlist"] / rate["libspf2"];
	printf "fairlist/pyspf   = %.1fx\n", rate["fairlist"] / rate["pyspf"];
}'
