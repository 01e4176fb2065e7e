#!/usr/bin/env bash
# PyTorch export parity: for each reference architecture (knowledge-base/architectures/*.arch, or
# the files given as arguments), writes a parity bundle with `archlab export-pytorch --parity-dir`
# on a small MQAR batch, then runs scripts/pytorch_parity.py, which imports the exported model.py,
# loads archlab's weights, and compares PyTorch's loss with DJL's: |dloss| <= 1e-4 is PASS.
#
# Needs Debian's PyTorch for /usr/bin/python3: apt-get install -y python3-torch. Without it the
# check is skipped (exit 0) unless ARCHLAB_PARITY_REQUIRED=1, which makes a missing torch an error.
#
# Environment: ARCHLAB_PYTHON (default /usr/bin/python3), ARCHLAB_PARITY_DIR (where the bundles go;
# default a temporary directory, removed at the end), ARCHLAB_PARITY_SEED (default 0),
# ARCHLAB_PARITY_TOLERANCE (default 1e-4).
set -euo pipefail

root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
python="${ARCHLAB_PYTHON:-/usr/bin/python3}"
seed="${ARCHLAB_PARITY_SEED:-0}"
tolerance="${ARCHLAB_PARITY_TOLERANCE:-1e-4}"
# a small MQAR: 4 sequences of 64 tokens, 8 key-value pairs, vocab 256 (the task's defaults)
task_args=(--task mqar --option seq_len=64 --option pairs=8 --batch-size 4 --seed "$seed")

if ! "$python" -c 'import torch' > /dev/null 2>&1; then
    echo "pytorch-parity: SKIP: $python cannot import torch." >&2
    echo "pytorch-parity: install Debian's PyTorch with: apt-get install -y python3-torch" >&2
    if [[ "${ARCHLAB_PARITY_REQUIRED:-0}" == "1" ]]; then
        echo "pytorch-parity: ARCHLAB_PARITY_REQUIRED=1, so a missing torch is a failure" >&2
        exit 1
    fi
    exit 0
fi

if (( $# > 0 )); then
    archs=("$@")
else
    shopt -s nullglob
    archs=("$root"/knowledge-base/architectures/*.arch)
    shopt -u nullglob
fi
if (( ${#archs[@]} == 0 )); then
    echo "pytorch-parity: no architectures to check" >&2
    exit 1
fi

if [[ -n "${ARCHLAB_PARITY_DIR:-}" ]]; then
    out="$ARCHLAB_PARITY_DIR"
    mkdir -p "$out"
else
    out="$(mktemp -d)"
    trap 'rm -rf "$out"' EXIT
fi

echo "pytorch-parity: $("$python" -c 'import torch; print("torch", torch.__version__)'), bundles in $out" >&2
bundles=()
failed=0
for arch in "${archs[@]}"; do
    name="$(basename "$arch" .arch)"
    bundle="$out/$name"
    if "$root/archlab" export-pytorch "$arch" --parity-dir "$bundle" "${task_args[@]}" > /dev/null; then
        bundles+=("$bundle")
    else
        echo "FAIL  $name  archlab export-pytorch failed (exit $?)"
        failed=1
    fi
done

status=0
if (( ${#bundles[@]} > 0 )); then
    "$python" "$root/scripts/pytorch_parity.py" --tolerance "$tolerance" "${bundles[@]}" || status=$?
fi
if (( failed != 0 && status == 0 )); then
    status=1
fi
exit "$status"
