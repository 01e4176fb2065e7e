#!/usr/bin/env python3
"""Checks archlab's PyTorch export against the DJL compiler, one parity bundle at a time.

Usage: pytorch_parity.py [--tolerance 1e-4] [--logits-tolerance X] BUNDLE_DIR [BUNDLE_DIR ...]

Each BUNDLE_DIR is written by `archlab export-pytorch FILE --parity-dir BUNDLE_DIR` and holds
model.py, weights.bin + weights.json, batch.json and expected.json. For each, this imports model.py,
loads archlab's weights, runs the forward pass in float32 on the CPU on the same batch, computes the
trainer's masked cross-entropy and compares it with the DJL loss in expected.json:
|loss - expected| <= tolerance is PASS. With --logits-tolerance, every logit must also be within X
of DJL's (logits.bin). Prints one line per bundle, then "N passed, N failed"; exits 1 if any fails.
"""

import argparse
import importlib.util
import json
import math
import os
import sys
import traceback

import torch


def masked_cross_entropy(logits, targets, weights):
    """The trainer's loss (Trainer.maskedCrossEntropy): mean NLL over the positions with weight != 0."""
    logp = torch.log_softmax(logits, dim=-1)
    picked = logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    return (-picked * weights).sum() / torch.clamp(weights.sum(), min=1e-9)


def load_module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check(bundle, tolerance, logits_tolerance, index):
    with open(os.path.join(bundle, "expected.json")) as f:
        expected = json.load(f)
    with open(os.path.join(bundle, "batch.json")) as f:
        batch = json.load(f)
    name = expected["arch"]
    module = load_module(os.path.join(bundle, "model.py"), "archlab_export_%d" % index)
    model = getattr(module, expected["class_name"])()
    model.load_archlab_weights(bundle)
    model.eval()
    shape = (batch["batch_size"], batch["seq_len"])
    tokens = torch.tensor(batch["inputs"], dtype=torch.long).reshape(shape)
    targets = torch.tensor(batch["targets"], dtype=torch.long).reshape(shape)
    weights = torch.tensor(batch["weights"], dtype=torch.float32).reshape(shape)
    with torch.no_grad():
        logits = model(tokens)
        loss = masked_cross_entropy(logits, targets, weights).item()
    want = expected["loss"]
    delta = abs(loss - want) if math.isfinite(loss) and math.isfinite(want) else float("inf")
    if list(logits.shape) != expected["logits_shape"]:
        return False, name, "logits shape %s, archlab %s" % (list(logits.shape), expected["logits_shape"])
    logits_path = os.path.join(bundle, "logits.bin")
    if os.path.exists(logits_path):
        with open(logits_path, "rb") as f:
            raw = bytearray(f.read())
        if sys.byteorder != "little":
            raw[0::4], raw[1::4], raw[2::4], raw[3::4] = raw[3::4], raw[2::4], raw[1::4], raw[0::4]
        djl = torch.frombuffer(raw, dtype=torch.float32).reshape(logits.shape)
        dlogit = (logits - djl).abs().max().item()
        what = "max |dlogit| %.2e" % dlogit
    else:
        dlogit = max([abs(logits[tuple(s["index"])].item() - s["value"]) for s in expected["logits_samples"]] + [0.0])
        what = "max |dlogit| %.2e (samples)" % dlogit
    if not math.isfinite(dlogit):
        dlogit = float("inf")
    detail = "|dloss| %.2e  %s  (loss %.7f, archlab %.7f)" % (delta, what, loss, want)
    ok = delta <= tolerance and (logits_tolerance is None or dlogit <= logits_tolerance)
    return ok, name, detail


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tolerance", type=float, default=1e-4, help="the largest |dloss| that passes")
    parser.add_argument("--logits-tolerance", type=float, default=None,
                        help="also require every |dlogit| to be at most this (default: not checked)")
    parser.add_argument("bundles", nargs="+")
    args = parser.parse_args()
    torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))
    failures = 0
    for i, bundle in enumerate(args.bundles):
        try:
            ok, name, detail = check(bundle, args.tolerance, args.logits_tolerance, i)
        except Exception:  # noqa: BLE001 -- a broken export is a failure to report, not a crash
            ok, name = False, os.path.basename(os.path.normpath(bundle))
            detail = "error: " + traceback.format_exc().strip().splitlines()[-1]
            traceback.print_exc(file=sys.stderr)
        print("%s  %-20s %s" % ("PASS" if ok else "FAIL", name, detail), flush=True)
        failures += 0 if ok else 1
    print("%d passed, %d failed" % (len(args.bundles) - failures, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
