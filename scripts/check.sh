#!/bin/sh
# check.sh: build and run every test, as CI does.
#  1. a release build with warnings as errors: unit, fuzz-corpus replay and
#     integration tests (real dig/kdig against the real daemon);
#  2. an ASan+UBSan build running the same tests;
#  3. a short libFuzzer run of every fuzz target (FUZZ_SECONDS each).
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh test
jobs=$(nproc)
FUZZ_SECONDS=${FUZZ_SECONDS:-10}

echo "== release build (-Werror)"
cmake -S . -B build -DWERROR=ON >/dev/null
cmake --build build -j "$jobs"
cmake --build build --target check-headers -j "$jobs"
(cd build && ctest --output-on-failure -j "$jobs")

echo "== ASan+UBSan build"
cmake -S . -B build-asan -DWERROR=ON -DSANITIZE=ON >/dev/null
cmake --build build-asan -j "$jobs"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --output-on-failure -j "$jobs")

echo "== libFuzzer, ${FUZZ_SECONDS}s per target"
CC=clang cmake -S . -B build-fuzz -DFUZZ=ON -DSANITIZE=ON >/dev/null
cmake --build build-fuzz -j "$jobs"
ran=0
for t in build-fuzz/fuzz_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	work=$(mktemp -d)
	cp tests/fuzz/"$name".in/* "$work"/ 2>/dev/null || true
	echo "-- $name"
	# A crash, leak, timeout or out-of-memory fails the whole check.
	if ! "$t" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=1024 \
	    -timeout=10 -artifact_prefix="$work/" "$work" >"$work.log" 2>&1; then
		tail -n 40 "$work.log"
		echo "check.sh: $name failed; the input is in $work" >&2
		exit 1
	fi
	tail -n 1 "$work.log"
	rm -rf "$work" "$work.log"
	ran=$((ran + 1))
done
[ "$ran" -gt 0 ] || { echo "check.sh: no fuzz target was built" >&2; exit 1; }
echo "check.sh: all passed"
