#!/usr/bin/env bash
# Fuzzing at full strength: at least 100,000 generated inputs per target (the test suite runs the same
# jqwik properties with 1,000 tries each). Prints the tries per property and the total per target.
#   scripts/fuzz.sh            # 100k per target
#   TRIES_SCALE=0.1 scripts/fuzz.sh   # a tenth, for a quick look
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
scale="${TRIES_SCALE:-1}"
per() { python3 -c "import math,sys; print(max(1, math.ceil(100000 * $scale / $1)))"; }

run() { # module, test classes, properties in them
    local module="$1" tests="$2" props="$3" tries
    tries="$(per "$props")"
    echo "fuzz: $module ($tests): $props properties x $tries tries" >&2
    local log="/tmp/archlab-fuzz-$module-$tests.log"
    mvn -B -q -ntp -pl "$module" -am test -Dtest="$tests" -Dsurefire.failIfNoSpecifiedTests=false \
        -Djqwik.tries.default="$tries" -Djqwik.reporting.onlyfailures=false 2>&1 | tee "$log" \
        | grep -E "tries =|FAIL|ERROR" || true
    local total
    total="$(grep -E "^tries = " "$log" | awk '{s+=$3} END {print s+0}')"
    if grep -q "FAILURE" "$log"; then
        echo "fuzz: $module FAILED after $total inputs (see $log)" >&2
        exit 1
    fi
    echo "fuzz: $module $tests: $total generated inputs, all clean" >&2
}

run sandbox CheckerFuzzTest 5                      # the language's parser and validator
run sandbox CausalityFuzzTest 1                    # accepted programs, probed for causality on the compiled model
run agent CampaignFileFuzzTest 3                   # the campaign YAML loader
run knowledge-base JsonlImportFuzzTest 3           # the JSONL importer
run agent BrowseApiFuzzTest 1                      # the browser's routes and API parameters
