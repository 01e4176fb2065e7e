#!/usr/bin/env bash
# Chaos: a real campaign (offline policy, MQAR) SIGKILLed at random moments KILLS times (default 20),
# with sandbox workers killed at random and directives arriving while it is down, resumed each time;
# then the invariants (nothing lost, nothing trained twice, search statistics consistent, directives
# intact) and the counts. SEED fixes the random moments.
#   scripts/chaos-resume.sh            # 20 kills
#   KILLS=40 SEED=7 scripts/chaos-resume.sh
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
args=(-Darchlab.chaos.kills="${KILLS:-20}")
if [[ -n "${SEED:-}" ]]; then args+=(-Darchlab.chaos.seed="$SEED"); fi
mvn -B -q -ntp -pl agent -am test -Dtest=ChaosResumeTest -Dsurefire.failIfNoSpecifiedTests=false \
    -Darchlab.excludedGroups=none "${args[@]}" 2>&1 | tee /tmp/archlab-chaos.log | grep -E "^chaos:|FAIL|ERROR" || true
grep -q "^chaos:" /tmp/archlab-chaos.log && ! grep -q "FAILURE" /tmp/archlab-chaos.log
