#!/usr/bin/env bash
# What the deterministic schedule costs: one small campaign (linear attention on MQAR, two workers,
# an experiment budget) run with schedule: deterministic and schedule: free in turn, A B A B, and the
# wall time of each. Prints each run, the medians and the ratio deterministic / free, and the load.
# Both schedules train the same kind of designs, but not the same ones (free follows arrival order),
# so the ratio is of whole campaigns of equal budget. Results: docs/benchmarks.md.
#
# Usage: scripts/bench-schedule.sh [PAIRS] [EXPERIMENTS]     (defaults 3 pairs, 12 experiments)
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$root"
pairs="${1:-3}"
experiments="${2:-12}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

./archlab --help > /dev/null 2>&1 || true   # builds the jar once, outside the timings

campaign() {   # $1 schedule
    cat > "$work/$1.yaml" <<YAML
name: bench-$1
seed: 5
task: {name: mqar, options: {vocab: 16, seq_len: 24, pairs: 3}}
baseline: $root/knowledge-base/architectures/linear_attention.arch
budget: {experiments: $experiments}
schedule: $1
search: {strategy: mcts}
stages:
  - {name: explore, steps: 60, batch_size: 16, params: {d: 16}}
workers: 2
output: $work/runs
YAML
}
campaign deterministic
campaign free

declare -A times
for i in $(seq 1 "$pairs"); do
    for s in deterministic free; do
        start=$(date +%s.%N)
        ./archlab run "$work/$s.yaml" --no-progress > "$work/$s-$i.out" 2>&1 || { cat "$work/$s-$i.out"; exit 1; }
        end=$(date +%s.%N)
        t=$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.1f", b - a}')
        times[$s]+="$t "
        printf '%-13s run %d: %6.1f s   (load %s)\n' "$s" "$i" "$t" "$(cut -d' ' -f1 /proc/loadavg)"
    done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
d=$(echo "${times[deterministic]}" | median)
f=$(echo "${times[free]}" | median)
printf 'median: deterministic %.1f s, free %.1f s, ratio %.3f (%d experiments, 2 workers, %d pairs)\n' \
    "$d" "$f" "$(awk -v a="$d" -v b="$f" 'BEGIN {print a / b}')" "$experiments" "$pairs"
