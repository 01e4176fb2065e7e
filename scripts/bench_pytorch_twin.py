#!/usr/bin/env python3
"""Times training steps of an exported PyTorch twin (archlab export-pytorch's model.py) on the CPU.

Usage: bench_pytorch_twin.py MODEL_PY --batch 32 --seq-len 64 --threads 2 --warmup 30 --steps 60
                             [--max-seconds 60]

One step is what archlab's Trainer does per step: forward, the trainer's masked cross-entropy,
backward, global-norm gradient clipping to 1.0, AdamW (lr 3e-3, betas (0.9, 0.98), weight decay 0.1
on linear, embed and conv1d weights only). The batch is random tokens with one position in eight
scored (MQAR scores 8 of 64); the data's values do not change the work done. The loss is read back
to the host every step, as the Trainer does.

Prints one JSON object: torch's version and BLAS, the thread count, steps/s over the timed steps and
the median step time, the share of all CPUs that other processes used during the timed steps
("others": /proc/stat's busy time minus this process's own), and two references measured in the same process: the best fp32 matmul rate
at 512 and 1024 square (GFLOP/s) and the eager dispatch cost of an add of two 1-element tensors (µs).
The caller (SandboxBenchmark) runs it with the same thread count as DJL.
"""

import argparse
import importlib.util
import json
import os
import statistics
import sys
import time


def snapshot():
    """(wall s, machine busy CPU ns from /proc/stat, this process's CPU ns from its threads' schedstat), or None."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()
        busy = sum(int(fields[i]) for i in (1, 2, 3, 6, 7, 8)) * 10_000_000  # USER_HZ = 100
        own = 0
        for tid in os.listdir("/proc/self/task"):
            try:
                with open("/proc/self/task/%s/schedstat" % tid) as f:
                    own += int(f.read().split()[0])
            except (OSError, IndexError, ValueError):
                pass
        return time.perf_counter(), busy, own
    except (OSError, IndexError, ValueError):
        return None


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("model_py")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--seq-len", type=int, default=64)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--warmup", type=int, default=30)
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-seconds", type=float, default=60.0,
                   help="stop warming up after a quarter of this (at least 3 steps) and timing after this "
                        "(at least 5 steps): a slow BLAS must not stretch the benchmark to many minutes")
    a = p.parse_args()

    import torch

    torch.set_num_threads(a.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass  # already set in this process
    torch.manual_seed(a.seed)

    spec = importlib.util.spec_from_file_location("archlab_twin", a.model_py)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    cls = next(v for v in vars(module).values()
               if isinstance(v, type) and issubclass(v, torch.nn.Module) and v.__module__ == module.__name__)
    model = cls()
    model.train()

    decayed, plain = [], []
    for name, param in model.named_parameters():
        # archlab names: n12_linear_weight; decay on linear, embed and conv1d weights (Trainer, TrainConfig)
        is_matrix = name.endswith("_weight") and any(("_%s_" % op) in name for op in ("linear", "embed", "conv1d"))
        (decayed if is_matrix else plain).append(param)
    opt = torch.optim.AdamW([{"params": decayed, "weight_decay": 0.1}, {"params": plain, "weight_decay": 0.0}],
                            lr=3e-3, betas=(0.9, 0.98))

    vocab = module.VOCAB
    g = torch.Generator().manual_seed(a.seed)
    tokens = torch.randint(0, vocab, (a.batch, a.seq_len), generator=g)
    targets = torch.randint(0, vocab, (a.batch, a.seq_len), generator=g)
    weights = (torch.arange(a.seq_len) % 8 == 7).float().expand(a.batch, a.seq_len).contiguous()

    matmul = 0.0
    for n in (512, 1024):
        x, y = torch.randn(n, n), torch.randn(n, n)
        reps = max(3, int(2e9 / (2 * n ** 3)))
        for _ in range(2):
            x @ y
        for _ in range(5):
            t0 = time.perf_counter()
            for _ in range(reps):
                x @ y
            matmul = max(matmul, 2 * n ** 3 * reps / (time.perf_counter() - t0) / 1e9)
    one = torch.ones(1)
    for _ in range(10000):
        one + one
    calls = 100000
    t0 = time.perf_counter()
    for _ in range(calls):
        one + one
    dispatch_us = (time.perf_counter() - t0) / calls * 1e6
    blas = next((part.split("=", 1)[1] for part in torch.__config__.show().replace(",", " ").split()
                 if part.startswith("BLAS_INFO=")), "unknown")

    def step():
        t0 = time.perf_counter()
        logits = model(tokens)
        loss = module.masked_cross_entropy(logits, targets, weights)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        loss.item()
        return time.perf_counter() - t0

    start = time.perf_counter()
    warm = 0
    while warm < a.warmup and (warm < 3 or time.perf_counter() - start < a.max_seconds / 4):
        step()
        warm += 1
    s0 = snapshot()
    w0 = time.perf_counter()
    timed = []
    while len(timed) < a.steps and (len(timed) < 5 or time.perf_counter() - w0 < a.max_seconds):
        timed.append(step())
    s1 = snapshot()
    others = -1.0
    if s0 is not None and s1 is not None:
        cpus = os.cpu_count() or 1
        others = 100.0 * max(0, (s1[1] - s0[1]) - (s1[2] - s0[2])) / 1e9 / ((s1[0] - s0[0]) * cpus)
    print(json.dumps({
        "torch": torch.__version__,
        "blas": blas,
        "mkl": torch.backends.mkl.is_available(),
        "matmul_gflops": matmul,
        "add_dispatch_us": dispatch_us,
        "threads": torch.get_num_threads(),
        "parameters": sum(p.numel() for p in model.parameters()),
        "warmup_steps": warm,
        "timed_steps": len(timed),
        "steps_per_s": len(timed) / sum(timed),
        "median_step_ms": statistics.median(timed) * 1e3,
        "others": others,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
