"""SigCoreLogisticRegression.fit on a dask array across a LocalCluster, against
dask-ml's LogisticRegression (lbfgs and admm) on the same cluster and data,
and against our own in-memory fit.

    python benchmarks/bench_dask.py                  # 2,000,000 x 100, 8 chunks
    python benchmarks/bench_dask.py --rows 200000    # a quicker look

The data (float64, binary) are generated on the 2 worker processes, chunk by
chunk, and persisted there: the client never holds them until the in-memory
fit at the end. Every model is judged by the same objective, scikit-learn's
(1/n) Σ log-loss + ‖w‖² / (2 C n), computed on the cluster from its
coefficients. The client's resident memory is sampled every 5 ms during each
dask fit: its growth above the level before the fit is printed.
"""

import argparse
import os
import threading
import time
import warnings

import dask
import dask.array as da
import numpy as np
import psutil
from distributed import Client, LocalCluster, wait

from _common import describe_machine, print_load, print_table
from sklearn_sigcore import SigCoreLogisticRegression


class PeakMemory:
    """Peak resident memory of this process during a block, above its start."""

    def __init__(self, interval=0.005):
        self.process, self.interval = psutil.Process(os.getpid()), interval

    def __enter__(self):
        self.start = self.peak = self.process.memory_info().rss
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self):
        while self.running:
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(self.interval)

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()
        self.growth_mb = (self.peak - self.start) / 2 ** 20


def objective(X, y, coef, intercept, C):
    """scikit-learn's objective of (coef, intercept), computed on the cluster."""
    w, b = np.ravel(coef).astype(np.float64), float(np.ravel(intercept)[0])
    z = X @ w + b
    # log(1 + exp(-z)) for y = 1, log(1 + exp(z)) for y = 0, stably
    loss = da.logaddexp(0.0, da.where(y == 1, -z, z)).sum().compute()
    return float(loss / X.shape[0] + np.dot(w, w) / (2 * C * X.shape[0]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--chunks", type=int, default=8)
    parser.add_argument("--tol", type=float, default=1e-6)
    parser.add_argument("--skip-dask-ml", action="store_true")
    parser.add_argument("--admm-max-iter", type=int, default=100,
                        help="dask-ml's admm takes minutes per 100 iterations here "
                             "(its default max_iter is 100)")
    args = parser.parse_args()
    C = 1.0

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      host="127.0.0.1", dashboard_address=None,
                      memory_limit="10GiB") as cluster, Client(cluster) as client:
        describe_machine()
        print(f"- cluster: LocalCluster, 2 worker processes x 1 thread; data "
              f"{args.rows} x {args.features} float64 "
              f"({args.rows * args.features * 8 / 1e9:.2f} GB) in {args.chunks} chunks, "
              f"binary, C = {C}, tol = {args.tol}")
        rows = -(-args.rows // args.chunks)
        state = da.random.RandomState(0)
        X = state.standard_normal((args.rows, args.features), chunks=(rows, args.features))
        truth = np.random.RandomState(1).standard_normal(args.features) / np.sqrt(
            args.features)
        noise = state.logistic(size=args.rows, chunks=rows)
        y = ((X @ truth + 0.5 + noise) > 0).astype(np.int64)
        X, y = client.persist([X, y])
        wait([X, y])

        results = []

        def run(name, make, fit_args=None):
            model = make()
            with PeakMemory() as memory:
                start = time.perf_counter()
                model.fit(X, y)
                seconds = time.perf_counter() - start
            obj = objective(X, y, model.coef_, model.intercept_, C)
            n_iter = getattr(model, "n_iter_", None)
            results.append([name, seconds, obj, memory.growth_mb,
                            None if n_iter is None else int(np.max(n_iter))])
            print(f"  {name}: {seconds:.2f} s, objective {obj:.10f}, client "
                  f"+{memory.growth_mb:.0f} MB", flush=True)
            return model

        for solver in ("lbfgs", "newton-cholesky", "newton-cg"):
            run(f"ours dask ({solver})",
                lambda: SigCoreLogisticRegression(C=C, tol=args.tol, solver=solver,
                                                  max_iter=1000))
        if not args.skip_dask_ml:
            from dask_ml.linear_model import LogisticRegression as DaskMLLogistic

            for solver, max_iter in (("lbfgs", 1000), ("admm", args.admm_max_iter)):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", FutureWarning)
                    run(f"dask-ml ({solver}, max_iter={max_iter})",
                        lambda: DaskMLLogistic(C=C, tol=args.tol, solver=solver,
                                               max_iter=max_iter))

        # ours in memory: X comes to this process (outside the memory measurement)
        X_local, y_local = dask.compute(X, y)
        for solver in ("lbfgs", "newton-cholesky"):
            model = SigCoreLogisticRegression(C=C, tol=args.tol, solver=solver,
                                              max_iter=1000)
            start = time.perf_counter()
            model.fit(X_local, y_local)
            seconds = time.perf_counter() - start
            obj = objective(X, y, model.coef_, model.intercept_, C)
            results.append([f"ours in memory ({solver})", seconds, obj, None,
                            int(model.n_iter_[0])])
            print(f"  ours in memory ({solver}): {seconds:.2f} s, objective {obj:.10f}",
                  flush=True)

    best_dask_ml = min((r[1] for r in results if r[0].startswith("dask-ml")), default=None)
    best_memory = min(r[1] for r in results if r[0].startswith("ours in memory"))
    best_obj = min(r[2] for r in results)
    rows_out = []
    for name, seconds, obj, growth, n_iter in results:
        rows_out.append([
            name, f"{seconds:.2f}", "n/a" if n_iter is None else str(n_iter),
            f"{obj - best_obj:.1e}",
            "n/a" if best_dask_ml is None else f"{seconds / best_dask_ml:.3f}",
            f"{seconds / best_memory:.2f}",
            "n/a" if growth is None else f"{growth:.0f}",
        ])
    print()
    print_table(["fit", "seconds", "iterations", "objective - best",
                 "time / best dask-ml", "time / best in-memory", "client MB growth"],
                rows_out)
    print_load()


if __name__ == "__main__":
    main()
