#!/usr/bin/env bash
# Sandbox performance benchmark: compiles the sandbox, then runs
# archlab.sandbox.bench.SandboxBenchmark (test scope, so it does not ship in the jar), which prints
# Markdown tables: the machine's fp32 matmul rate through DJL (the peak), the training throughput of
# the reference Transformer and GLA at d=128 as achieved GFLOP/s and a fraction of that peak, DJL's
# per-op dispatch overhead, worker start-to-ready (cold and warm), and, where /usr/bin/python3 can
# import torch (apt-get install -y python3-torch), the exported PyTorch twin's steps/s beside DJL's.
# Every measurement also says how long its threads waited for a CPU ("queued"): on a shared machine
# a number with a high share is low and noisy. Results and their interpretation: docs/benchmarks.md.
# Takes about 2-3 minutes on an idle 2-core machine. Exits 0 when the benchmark ran.
#
# Usage: scripts/bench-sandbox.sh [--threads N] [--d N] [--batch N] [--warmup N] [--steps N]
#                                 [--python PATH] [--no-worker] [--no-twin] [--no-profile]
#                                 [--no-recurrent | --only-recurrent] [--recurrent-seqs 64,256,1024]
#                                 [--recurrent-batch N] [--recurrent-seconds S] [--chunks 16,32,64]
#                                 [--recurrent-archs transformer,gla,deltanet,mamba,retnet]
# Defaults: threads = nproc, d 128, batch 32, 30 warm-up + 60 timed steps.
# The recurrent section times the Transformer, GLA, DeltaNet, Mamba and RetNet at d=128, 2 layers,
# T in --recurrent-seqs at batch --recurrent-batch (4), each scan design in its chunked and its
# sequential form, about --recurrent-seconds (6) per row, then a chunk-size sweep at T=256;
# --only-recurrent runs just that section (and the matmul peak). At T=1024 the sequential rows take
# several seconds a step.
#
# It compiles the sandbox's sources (and this benchmark) with javac into a temporary directory
# instead of using sandbox/target, so a concurrent `mvn` in the same checkout (which rewrites
# sandbox/target) cannot change or delete classes under a running benchmark or its worker JVMs.
# When the working tree's sandbox does not compile (someone is mid-edit), it benchmarks git HEAD's
# and says so in the output. Maven only resolves the dependency class path (offline first, online
# as a fallback).
# Extra JVM options: ARCHLAB_BENCH_JAVA_OPTS.
set -euo pipefail

root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$root"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
deps="$work/deps.txt"
resolve=(-q -B -ntp -pl sandbox dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$deps")
echo "bench-sandbox: resolving the class path and compiling the sandbox into $work..." >&2
mvn -o "${resolve[@]}" >&2 || mvn "${resolve[@]}" >&2

# compile sandbox sources from $1 (a directory holding src/main) plus this benchmark into $work/classes
compile_from() {
    rm -rf "$work/classes" && mkdir -p "$work/classes"
    find "$1/src/main/java" -name '*.java' > "$work/sources.txt"
    echo sandbox/src/test/java/archlab/sandbox/bench/SandboxBenchmark.java >> "$work/sources.txt"
    javac --release 17 -nowarn -encoding UTF-8 -d "$work/classes" -cp "$(cat "$deps")" @"$work/sources.txt" >&2 \
        && cp -r "$1/src/main/resources/." "$work/classes/"
}
head="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
dirty=""
if [[ -n "$(git status --porcelain -- sandbox/src/main 2>/dev/null)" ]]; then
    dirty=" with uncommitted changes"
fi
source_note="sandbox sources: working tree at $head$dirty"
if ! compile_from sandbox; then
    # another engineer may be mid-edit: measure the last commit's sandbox instead, and say so
    echo "bench-sandbox: the working tree's sandbox does not compile; benchmarking HEAD ($(git rev-parse --short HEAD))" >&2
    mkdir -p "$work/head"
    git archive HEAD sandbox/src/main | tar -x -C "$work/head"
    compile_from "$work/head/sandbox"
    source_note="sandbox sources: git HEAD $head (the working tree did not compile)"
fi
cp sandbox/src/test/resources/simplelogger.properties "$work/classes/"   # DJL's warnings to stderr
cp="$work/classes:$(cat "$deps")"

# the worker JVMs' settings (Sandbox#command): the serial collector adds no GC threads to compete with libtorch
# shellcheck disable=SC2086  # ARCHLAB_BENCH_JAVA_OPTS is a list of JVM options, split on purpose
java -XX:+UseSerialGC -Xmx2g ${ARCHLAB_BENCH_JAVA_OPTS:-} -cp "$cp" archlab.sandbox.bench.SandboxBenchmark \
    --root "$root" --source "$source_note" "$@"
