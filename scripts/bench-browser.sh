#!/usr/bin/env bash
# The experiment browser's scale benchmark: builds a synthetic campaign store of 100,000 experiments,
# serves it with archlab's browser and prints the latency (p50, p95, p99, max) of the table API, the
# table page, the experiment page and the others over many requests, as a Markdown table.
# archlab.agent.browser.BrowseBenchmark is in the agent's test sources, so it does not ship in the jar.
# Results: docs/benchmarks.md. Building the store takes a few minutes on 2 cores; pass --store DIR to
# keep it and measure again without rebuilding.
#
# Usage: scripts/bench-browser.sh [--experiments N] [--requests N] [--store DIR]
# Extra JVM options: ARCHLAB_BENCH_JAVA_OPTS.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$root"
echo "bench-browser: compiling (mvn -pl agent -am test-compile)..." >&2
mvn -o -q -B -ntp -pl agent -am test-compile >&2 || mvn -q -B -ntp -pl agent -am test-compile >&2
deps="$(mktemp)"
trap 'rm -f "$deps"' EXIT
resolve=(-q -B -ntp -pl agent dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$deps")
mvn -o "${resolve[@]}" >&2 || mvn "${resolve[@]}" >&2
# The reactor's own classes first: ~/.m2 may hold older archlab jars.
own="agent/target/test-classes:agent/target/classes"
for m in tools knowledge-base evaluators sandbox; do own="$own:$m/target/classes"; done
cp="$own:$(tr ':' '\n' < "$deps" | grep -v '/dev/archlab/' | paste -sd:)"
# shellcheck disable=SC2086  # a list of JVM options, split on purpose
exec java ${ARCHLAB_BENCH_JAVA_OPTS:-} -cp "$cp" archlab.agent.browser.BrowseBenchmark "$@"
