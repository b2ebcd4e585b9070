"""Time per epoch of SigCoreMLPClassifier against scikit-learn's MLPClassifier.

Setup of issue 4: adam, batch 200, hidden (256, 128),
make_classification(50000, 100, n_informative=40, n_classes=10), sigmoid
hidden units (sklearn: activation='logistic'), float64 and float32 (sklearn
fed float32 too).  Beside each time: the achieved GFLOP/s of the network's
GEMMs and the "GEMM limit", the time the same GEMMs (batch shapes, same
BLAS, same threads) take alone, measured in the same run.  Also: the cost of
recording the diagnostics (gradient_norms_, saturation_).

Usage::

    python benchmarks/bench_mlp.py [--epochs 3] [--repeats 5] [--quick]
"""

import argparse
import os
import platform
import time
import warnings

import numpy as np
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from sklearn_sigcore import _diagnostics
from sklearn_sigcore._mlp import SigCoreMLPClassifier

HIDDEN = (256, 128)
BATCH = 200


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    blas = "unknown"
    try:
        from threadpoolctl import threadpool_info

        infos = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        blas = ", ".join(f"{i['internal_api']} {i.get('version')} ({i['num_threads']} threads"
                         f", {i.get('architecture')})" for i in infos)
    except Exception:  # pragma: no cover - informative only
        pass
    return cpu, cores, blas


def layer_shapes(n_features, n_classes):
    units = [n_features, *HIDDEN, n_classes]
    return list(zip(units[:-1], units[1:]))


def flops_per_epoch(n, shapes):
    """Multiply-adds x2 of forward, weight-gradient and delta GEMMs."""
    fwd = sum(2 * n * a * b for a, b in shapes)
    wgrad = fwd
    dprop = sum(2 * n * a * b for a, b in shapes[1:])   # no delta for the input
    return fwd + wgrad + dprop


def gemm_limit(n, shapes, dtype, repeats):
    """Seconds per epoch of the network's GEMMs alone (numpy matmul, out=)."""
    rng = np.random.default_rng(0)
    sizes = [BATCH] * (n // BATCH) + ([n % BATCH] if n % BATCH else [])
    mats = {}
    for m in set(sizes):
        mats[m] = [(rng.standard_normal((m, a)).astype(dtype),
                    rng.standard_normal((a, b)).astype(dtype),
                    np.empty((m, b), dtype), np.empty((a, b), dtype),
                    rng.standard_normal((m, b)).astype(dtype), np.empty((m, a), dtype))
                   for a, b in shapes]
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for m in sizes:
            for i, (x, w, z, gw, d, dx) in enumerate(mats[m]):
                np.matmul(x, w, out=z)
                np.matmul(x.T, d, out=gw)
                if i:
                    np.matmul(d, w.T, out=dx)
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def time_per_epoch(make, X, y, epochs):
    clf = make(epochs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        t0 = time.perf_counter()
        clf.fit(X, y)
        elapsed = time.perf_counter() - t0
    assert clf.coefs_[0].dtype == X.dtype
    return elapsed / epochs


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="10000 samples, 2 epochs")
    args = parser.parse_args()
    n = 10000 if args.quick else 50000
    epochs, repeats = (2, 2) if args.quick else (args.epochs, args.repeats)

    cpu, cores, blas = machine()
    print(f"CPU: {cpu}; cores available: {cores}")
    print(f"BLAS: {blas}")
    X, y = make_classification(n, 100, n_informative=40, n_classes=10, random_state=0)
    shapes = layer_shapes(X.shape[1], 10)
    gflop = flops_per_epoch(n, shapes) / 1e9
    print(f"make_classification({n}, 100, n_informative=40, n_classes=10); adam, batch "
          f"{BATCH}, hidden {HIDDEN}; {epochs} epochs, best of {repeats} interleaved repeats; "
          f"{gflop:.2f} GFLOP of GEMMs per epoch\n")

    rows = []
    for dtype in (np.float64, np.float32):
        Xd = X.astype(dtype)

        def sk(e):
            return MLPClassifier(HIDDEN, activation="logistic", batch_size=BATCH,
                                 max_iter=e, random_state=0, tol=0, n_iter_no_change=1000)

        def ours(e):
            return SigCoreMLPClassifier(HIDDEN, batch_size=BATCH, max_iter=e, random_state=0,
                                        tol=0, n_iter_no_change=1000)

        # Interleaved repeats, best of each: other processes on a shared
        # machine only ever make a run slower.
        t_sk, t_ours, t_nodiag, t_gemm = [], [], [], []
        for _ in range(repeats):
            t_gemm.append(gemm_limit(n, shapes, dtype, 1))
            t_sk.append(time_per_epoch(sk, Xd, y, epochs))
            t_ours.append(time_per_epoch(ours, Xd, y, epochs))
            # Diagnostics switched off (no sampled batch) to measure their cost.
            saved = _diagnostics.EpochRecorder.__dict__["stride"]
            _diagnostics.EpochRecorder.stride = staticmethod(lambda n_batches: 10 ** 9)
            try:
                t_nodiag.append(time_per_epoch(ours, Xd, y, epochs))
            finally:
                _diagnostics.EpochRecorder.stride = saved
        rows.append((np.dtype(dtype).name, min(t_sk), min(t_ours), min(t_nodiag),
                     min(t_gemm), gflop))

    header = ("| dtype | sklearn s/epoch | ours s/epoch | ours/sklearn | sklearn GFLOP/s "
              "| ours GFLOP/s | GEMM limit s/epoch | GEMM GFLOP/s | diagnostics cost |")
    print(header)
    print("|---" * 9 + "|")
    for name, t_sk, t_ours, t_nodiag, t_gemm, gf in rows:
        print(f"| {name} | {t_sk:.3f} | {t_ours:.3f} | {t_ours / t_sk:.2f} | {gf / t_sk:.1f} "
              f"| {gf / t_ours:.1f} | {t_gemm:.3f} | {gf / t_gemm:.1f} "
              f"| {100 * (t_ours - t_nodiag) / t_nodiag:+.1f} % |")


if __name__ == "__main__":
    main()
