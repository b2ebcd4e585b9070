"""Time per epoch of both SigCore MLPs against scikit-learn's MLPClassifier / MLPRegressor.

Setup of issue 4: adam, batch 200, hidden (256, 128),
make_classification(50000, 100, n_informative=40, n_classes=10), sigmoid
hidden units (sklearn: activation='logistic'), float64 and float32 (sklearn
fed float32 too); the regressor fits a standardised linear target of the same
X (one output).  Beside each time: the "GEMM limit", the time the same GEMMs
(batch shapes, same BLAS, same threads) take alone, measured in the same run.
Also: the cost of learning the gains (learn_alpha='layer' and 'unit') and of
recording the diagnostics (gradient_norms_, saturation_).

``--blas-threads 1`` runs everything (both estimators and the GEMM limit)
with a one-thread BLAS: the ratio to the GEMM limit then shows the share of
the serial element-wise passes and Python alone.

Usage::

    python benchmarks/bench_mlp.py [--epochs 3] [--repeats 5] [--quick] [--blas-threads N]
"""

import argparse
import os
import platform
import time
import warnings

import numpy as np
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from threadpoolctl import threadpool_limits

from _common import QUIET_SECONDS
from sklearn_sigcore import SigCoreMLPClassifier, SigCoreMLPRegressor, _diagnostics
from sklearn_sigcore._network import product

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


def layer_shapes(n_features, n_outputs):
    units = [n_features, *HIDDEN, n_outputs]
    return list(zip(units[:-1], units[1:]))


def flops_per_epoch(n, shapes):
    """Multiply-adds x2 of forward, weight-gradient and delta GEMMs."""
    fwd = sum(2 * n * a * b for a, b in shapes)
    wgrad = fwd
    dprop = sum(2 * n * a * b for a, b in shapes[1:])   # no delta for the input
    return fwd + wgrad + dprop


def gemm_limit(n, shapes, dtype, repeats):
    """Seconds per epoch of the network's GEMMs alone, called as the estimators call
    them (``_network.product``: np.dot or np.matmul by shape, with out=)."""
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
        time.sleep(QUIET_SECONDS)
        t0 = time.perf_counter()
        for m in sizes:
            for i, (x, w, z, gw, d, dx) in enumerate(mats[m]):
                product(x, w, z)
                product(x.T, d, gw)
                if i:
                    product(d, w.T, dx)
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def time_per_epoch(make, X, y, epochs):
    model = make(epochs)
    time.sleep(QUIET_SECONDS)       # see _common.QUIET_SECONDS
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        t0 = time.perf_counter()
        model.fit(X, y)
        elapsed = time.perf_counter() - t0
    assert model.coefs_[0].dtype == X.dtype
    return elapsed / epochs


def no_diagnostics(make):
    """`make` with the diagnostics switched off (no sampled batch), to time their cost."""
    def wrapped(epochs):
        model = make(epochs)
        fit = model.fit

        def fit_without(*args, **kwargs):
            saved = _diagnostics.EpochRecorder.__dict__["stride"]
            _diagnostics.EpochRecorder.stride = staticmethod(lambda n_batches: 10 ** 9)
            try:
                return fit(*args, **kwargs)
            finally:
                _diagnostics.EpochRecorder.stride = saved
        model.fit = fit_without
        return model
    return wrapped


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="10000 samples, 2 epochs")
    parser.add_argument("--blas-threads", type=int, default=None,
                        help="limit the BLAS to this many threads (default: all)")
    args = parser.parse_args()
    with threadpool_limits(limits=args.blas_threads, user_api="blas"):
        run(args)


def run(args):
    n = 10000 if args.quick else 50000
    epochs, repeats = (2, 2) if args.quick else (args.epochs, args.repeats)

    cpu, cores, blas = machine()
    print(f"CPU: {cpu}; cores available: {cores}; load average {os.getloadavg()}")
    print(f"BLAS: {blas}" + ("" if args.blas_threads is None
                             else f"; limited to {args.blas_threads} thread(s)"))
    X, y = make_classification(n, 100, n_informative=40, n_classes=10, random_state=0)
    t = X @ np.random.default_rng(0).standard_normal(X.shape[1])
    y_reg = (t - t.mean()) / t.std()
    print(f"make_classification({n}, 100, n_informative=40, n_classes=10); adam, batch "
          f"{BATCH}, hidden {HIDDEN}; {epochs} epochs, best of {repeats} interleaved "
          f"repeats, each run after {QUIET_SECONDS:g} s idle\n")

    common = dict(batch_size=BATCH, random_state=0, tol=0, n_iter_no_change=1000)
    tasks = {
        "classifier": (y, 10, MLPClassifier, SigCoreMLPClassifier),
        "regressor": (y_reg, 1, MLPRegressor, SigCoreMLPRegressor),
    }
    rows = []
    for task, (target, n_out, Theirs, Ours) in tasks.items():
        shapes = layer_shapes(X.shape[1], n_out)
        for dtype in (np.float64, np.float32):
            Xd = X.astype(dtype)
            makers = {
                "sklearn": lambda e: Theirs(hidden_layer_sizes=HIDDEN, activation="logistic",
                                            max_iter=e, **common),
                "ours": lambda e: Ours(HIDDEN, max_iter=e, **common),
                "layer": lambda e: Ours(HIDDEN, max_iter=e, learn_alpha="layer", **common),
                "unit": lambda e: Ours(HIDDEN, max_iter=e, learn_alpha="unit", **common),
            }
            makers["no diagnostics"] = no_diagnostics(makers["ours"])
            # Interleaved repeats, best of each: other processes on a shared
            # machine only ever make a run slower.
            times = {name: [] for name in [*makers, "gemm"]}
            for _ in range(repeats):
                times["gemm"].append(gemm_limit(n, shapes, dtype, 1))
                for name, make in makers.items():
                    times[name].append(time_per_epoch(make, Xd, target, epochs))
            rows.append((task, np.dtype(dtype).name, {k: min(v) for k, v in times.items()}))

    print("| estimator | dtype | sklearn s/epoch | ours s/epoch | ours / sklearn "
          "| GEMM limit s/epoch | ours / GEMM limit | learn_alpha='layer' cost "
          "| learn_alpha='unit' cost | diagnostics cost |")
    print("|---" * 10 + "|")
    for task, dtype, t in rows:
        def cost(name):
            return f"{100 * (t[name] - t['ours']) / t['ours']:+.1f} %"
        diag = 100 * (t["ours"] - t["no diagnostics"]) / t["no diagnostics"]
        print(f"| {task} | {dtype} | {t['sklearn']:.3f} | {t['ours']:.3f} "
              f"| {t['ours'] / t['sklearn']:.2f} | {t['gemm']:.3f} "
              f"| {t['ours'] / t['gemm']:.2f} | {cost('layer')} | {cost('unit')} "
              f"| {diag:+.1f} % |")


if __name__ == "__main__":
    main()
