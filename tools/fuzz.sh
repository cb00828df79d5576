#!/usr/bin/env bash
# Runs every fuzz test of the module (each func FuzzXxx of a _test.go file), one after another, each
# for the given duration on one worker, and prints a line per fuzzer: package, name, executions, new
# interesting inputs (both "-" when the time went to the baseline: the seeds and the inputs cached by
# earlier runs), PASS or FAIL. Exits non-zero when any fails; a failing input is left in the
# package's testdata/fuzz/FuzzXxx/, where `go test` runs it as a seed from then on.
#
# Usage: tools/fuzz.sh [duration] [name regexp]
#   duration     per fuzzer, as go test -fuzztime takes it (10m, 30s, 1000x); default 10m
#   name regexp  runs only the fuzzers whose name matches; default all
#
# FUZZMINIMIZETIME (default 10s) bounds the minimizing of each new input, crashers included: Go's
# default, 60s, lets an input whose coverage depends on map order stall a run for a minute.
#
# The fuzzing cache (inputs found interesting so far) lives in GOCACHE; nothing else is kept.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${1:-10m}
match=${2:-.}
minimize=${FUZZMINIMIZETIME:-10s}

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

# go test -list prints each package's matching names, then its "ok" line.
if ! list=$(go test -list '^Fuzz' ./... 2>&1); then
	echo "$list"
	echo "fuzz.sh: listing the fuzz tests failed" >&2
	exit 1
fi
module=$(go list -m)
targets=()
names=()
while read -r first second _; do
	case $first in
	Fuzz*) names+=("$first") ;;
	ok)
		for n in "${names[@]}"; do
			targets+=("$second $n")
		done
		names=()
		;;
	esac
done <<<"$list"
if [ ${#targets[@]} -eq 0 ]; then
	echo "fuzz.sh: no fuzz tests found" >&2
	exit 1
fi

row='%-40s %-24s %12s %5s  %s\n'
printf "$row" PACKAGE FUZZER EXECS NEW RESULT
ran=0
failed=0
for i in "${!targets[@]}"; do
	read -r pkg name <<<"${targets[$i]}"
	[[ $name =~ $match ]] || continue
	log="$logs/$i.log"
	result=PASS
	fuzz() { go test -run '^$' -fuzz "^${name}\$" -fuzztime "$duration" -fuzzminimizetime "$minimize" -parallel 1 "$pkg" >"$log" 2>&1; }
	# Go's fuzzing engine itself sometimes fails a run whose -fuzztime ended while a worker was busy,
	# with "context deadline exceeded" and no failing input: such a run is repeated once. A failure
	# with an input (written to testdata/fuzz) or any other message counts at once.
	if ! fuzz; then
		if grep -q 'context deadline exceeded' "$log" && ! grep -q 'Failing input written\|panic:' "$log"; then
			echo "fuzz.sh: $name: go's fuzzer stopped with \"context deadline exceeded\" and no failing input; running it again" >&2
			fuzz || result=FAIL
		else
			result=FAIL
		fi
	fi
	[ $result = PASS ] || failed=$((failed + 1))
	ran=$((ran + 1))
	last=$(grep 'fuzz: elapsed:' "$log" | tail -n 1 || true)
	execs=$(sed -nE 's/.*execs: ([0-9]+).*/\1/p' <<<"$last")
	new=$(sed -nE 's/.*new interesting: ([0-9]+).*/\1/p' <<<"$last")
	printf "$row" "${pkg#"$module"/}" "$name" "${execs:--}" "${new:--}" "$result"
	if [ $result = FAIL ]; then
		tail -n 40 "$log" | sed 's/^/    /'
	fi
done
echo "$ran fuzzers for $duration each, $failed failed"
[ $failed -eq 0 ]
