"""SigCoreLogisticRegression vs sklearn's LogisticRegression, side by side in one process.

    python benchmarks/bench_logistic.py            # the issue's sizes
    python benchmarks/bench_logistic.py --quick    # sizes / 10
    python benchmarks/bench_logistic.py --threads 1 --cases binary,multinomial

For each case: median fit time of both (tol=1e-6, alpha=1, same C), their ratio
(goal <= 0.5), the final objective of each (evaluated the same way, in float64:
ours must be no worse), the time and GB/s of one loss+gradient evaluation of
ours and of sklearn's LinearModelLoss, and np.copyto's GB/s on the same bytes as
the physical limit (bytes of X per second for all three).
"""

import argparse
import os
import platform
import time
import warnings

import numpy as np
import scipy.sparse as sp
from scipy.special import logsumexp
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from sklearn_sigcore._linear_loss import LinearLoss
from sklearn_sigcore._logistic import SigCoreLogisticRegression


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine():
    from threadpoolctl import threadpool_info

    blas = [f"{i['internal_api']} {i.get('version')} ({i['num_threads']} threads)"
            for i in threadpool_info() if i["user_api"] == "blas"]
    import sklearn

    print(f"CPU: {cpu_model()}; cores available: {len(os.sched_getaffinity(0))}")
    print(f"BLAS: {'; '.join(sorted(set(blas))) or 'unknown'}")
    print(f"numpy {np.__version__}, scikit-learn {sklearn.__version__}; "
          f"load average {os.getloadavg()[0]:.2f} (other processes share the cores)")


def objective(X, y, coef, intercept, C):
    """sklearn's objective (float64), the same formula for both models."""
    classes = np.unique(y)
    Z = np.asarray(X @ coef.T.astype(np.float64), dtype=np.float64) + intercept
    if len(classes) == 2:
        t = (y == classes[1])
        loss = np.logaddexp(0, Z[:, 0]) - t * Z[:, 0]
    else:
        loss = logsumexp(Z, axis=1) - Z[np.arange(len(y)), np.searchsorted(classes, y)]
    return float(loss.mean() + 0.5 * np.sum(coef.astype(np.float64) ** 2) / (C * len(y)))


def median_time(fn, repeats):
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), result


def nbytes(X):
    if sp.issparse(X):
        return X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    return X.nbytes


def copy_rate(X, repeats=5):
    src = X.data if sp.issparse(X) else X
    dst = np.empty_like(src)
    np.copyto(dst, src)
    t, _ = median_time(lambda: np.copyto(dst, src), repeats)
    return src.nbytes / t


def sklearn_eval_time(X, y, repeats):
    from sklearn._loss.loss import HalfBinomialLoss, HalfMultinomialLoss
    from sklearn.linear_model._linear_loss import LinearModelLoss

    classes = np.unique(y)
    K = len(classes)
    base = HalfBinomialLoss() if K == 2 else HalfMultinomialLoss(n_classes=K)
    lml = LinearModelLoss(base_loss=base, fit_intercept=True)
    target = (y == classes[1]).astype(X.dtype) if K == 2 else \
        np.searchsorted(classes, y).astype(X.dtype)
    coef = np.zeros((X.shape[1] + 1) * (1 if K == 2 else K), dtype=X.dtype)
    t, _ = median_time(lambda: lml.loss_gradient(coef, X, target, None,
                                                 l2_reg_strength=1.0 / len(y)), repeats)
    return t


def our_eval_time(X, y, repeats):
    classes = np.unique(y)
    K = 1 if len(classes) == 2 else len(classes)
    target = (y == classes[1]).astype(X.dtype) if K == 1 else \
        np.searchsorted(classes, y).astype(X.dtype)
    loss = LinearLoss(X, target, None, 1.0, K, True)
    W, b = np.zeros((K, X.shape[1])), np.zeros(K)
    loss.loss_gradient(W, b)
    t, _ = median_time(lambda: loss.loss_gradient(W, b), repeats)
    return t


def cases(quick, wanted):
    scale = 10 if quick else 1
    if "binary" in wanted or "float32" in wanted:
        X, y = make_classification(200_000 // scale, 100, n_informative=30, random_state=0)
        if "binary" in wanted:
            yield f"binary {len(y)}x100 f64", X, y
        if "float32" in wanted:
            yield "binary float32", X.astype(np.float32), y
    if "multinomial" in wanted:
        X5, y5 = make_classification(100_000 // scale, 50, n_informative=20, n_classes=5,
                                     random_state=0)
        yield f"5 classes {len(y5)}x50 f64", X5, y5
    if "sparse" in wanted:
        rng = np.random.default_rng(0)
        n, p = 200_000 // scale, 5_000
        Xs = sp.random(n, p, density=0.002, format="csr", random_state=0, dtype=np.float64)
        w = rng.normal(size=p) * 3
        ys = (Xs @ w + rng.logistic(size=n) > 0).astype(int)
        yield f"sparse CSR {n}x{p} 0.2%", Xs, ys


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=lambda v: None if v == "all" else int(v),
                        nargs="+", default=[None, 1],
                        help="thread limits to run (threadpoolctl), e.g. all 1")
    parser.add_argument("--cases", default="binary,float32,multinomial,sparse",
                        help="comma-separated subset of: binary, float32, multinomial, sparse")
    args = parser.parse_args()
    repeats = args.repeats
    machine()
    C, tol = 1.0, 1e-6
    header = (f"{'case':<36} {'sklearn s':>9} {'ours s':>8} {'ratio':>6} "
              f"{'obj sklearn':>14} {'obj ours':>14} {'it sk':>5} {'it us':>5} "
              f"{'eval sk ms':>10} {'eval us ms':>10} {'us GB/s':>8} {'copy GB/s':>9}")
    from threadpoolctl import threadpool_limits

    rows = []
    for name, X, y in cases(args.quick, args.cases.split(",")):
        for threads in args.threads:
            with threadpool_limits(limits=threads), warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                t_sk, sk = median_time(lambda: LogisticRegression(
                    C=C, tol=tol, max_iter=1000).fit(X, y), repeats)
                t_us, us = median_time(lambda: SigCoreLogisticRegression(
                    C=C, tol=tol, max_iter=1000).fit(X, y), repeats)
                e_sk = sklearn_eval_time(X, y, 5)
                e_us = our_eval_time(X, y, 5)
                copy = copy_rate(X)
            f_sk = objective(X, y, sk.coef_, sk.intercept_, C)
            f_us = objective(X, y, us.coef_, us.intercept_, C)
            label = f"{name} [{threads or 'all'} thr]"
            rows.append(f"{label:<36} {t_sk:9.3f} {t_us:8.3f} {t_us / t_sk:6.2f} "
                        f"{f_sk:14.10f} {f_us:14.10f} {int(sk.n_iter_[0]):5d} "
                        f"{int(us.n_iter_[0]):5d} {e_sk * 1e3:10.2f} {e_us * 1e3:10.2f} "
                        f"{nbytes(X) / e_us / 1e9:8.2f} {copy / 1e9:9.2f}")
            print(rows[-1] if len(rows) > 1 else header + "\n" + rows[-1], flush=True)
    print("\nratio = ours / sklearn fit time (median of "
          f"{repeats}); obj = (1/n) sum loss + ||w||^2 / (2 C n), lower is better; "
          "GB/s = bytes of X per second (copy: np.copyto source bytes per second).")


if __name__ == "__main__":
    main()
