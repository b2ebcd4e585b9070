"""Small data: SigCoreLogisticRegression vs LogisticRegression on sklearn's bundled sets.

    python benchmarks/bench_small_data.py               # default threads
    python benchmarks/bench_small_data.py --threads 1   # everything under threadpool_limits(1)
    python benchmarks/bench_small_data.py --quick       # fewer repeats

(a) GridSearchCV(cv=5) of Pipeline(StandardScaler(), model) on digits,
    breast_cancer, iris and wine: ours over alpha in [0.25, 0.5, 1, 2, 4] at
    C=1, scikit-learn over C in [0.0625, 0.25, 1, 4, 16], the same five models
    by the L2 identity (alpha, C) == (1, C alpha^2). Total time per dataset and
    overall, ratio ours / sklearn (goal <= 0.5).
(b) One fit of each model (default parameters) on the standardised data,
    each after common.QUIET_SECONDS idle (a fit started while the previous
    contender's BLAS / OpenMP threads still spin shares the cores with them).
(c) Predictions on 1 to all rows of standardised digits (logistic model,
    MLP classifier and regressor, hidden (100,), against scikit-learn's
    models of the same settings): time per call, where a few rows are
    dominated by the call's fixed cost (validation, thread limits).

Each part also times ours under threadpool_limits(1), applied around that
variant only and timed in the same round-robin (goal: default threads <= 1.2x
the one-thread time). All times are medians, the contenders timed in turn
within every repeat.
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import _common as common
from sklearn_sigcore import SigCoreLogisticRegression, SigCoreMLPClassifier, SigCoreMLPRegressor

DATASETS = {"digits": load_digits, "breast_cancer": load_breast_cancer,
            "iris": load_iris, "wine": load_wine}
ALPHAS = [0.25, 0.5, 1.0, 2.0, 4.0]
CS = [a * a for a in ALPHAS]   # 0.0625, 0.25, 1, 4, 16


def ours_grid():
    return GridSearchCV(make_pipeline(StandardScaler(), SigCoreLogisticRegression()),
                        {"sigcorelogisticregression__alpha": ALPHAS}, cv=5)


def sklearn_grid():
    return GridSearchCV(make_pipeline(StandardScaler(), LogisticRegression()),
                        {"logisticregression__C": CS}, cv=5)


def serial():
    return common.limit_threads(1)


def goal(ok):
    return "yes" if ok else "**no**"


def grid_search(data, repeats):
    rows, totals = [], np.zeros(3)
    for name, (X, y) in data.items():
        res = common.round_robin([
            ("sklearn", lambda: sklearn_grid().fit(X, y), None),
            ("ours", lambda: ours_grid().fit(X, y), None),
            ("ours 1 thread", lambda: ours_grid().fit(X, y), serial),
        ], min_repeats=repeats, max_repeats=repeats)
        (t_sk, sk, *_), (t_us, us, *_), (t_1, *_) = res.values()
        totals += (t_sk, t_us, t_1)
        best_alpha = us.best_params_["sigcorelogisticregression__alpha"]
        best_C = sk.best_params_["logisticregression__C"]
        rows.append([name, f"{X.shape[0]}x{X.shape[1]}, {len(np.unique(y))} cl.",
                     f"{t_sk:.3f}", f"{t_us:.3f}", f"{t_1:.3f}", f"{t_us / t_sk:.2f}",
                     f"{t_us / t_1:.2f}", f"{best_alpha:g} / {best_C:g}",
                     f"{us.best_score_:.4f} / {sk.best_score_:.4f}"])
        common.progress(f"grid {name}: sklearn {t_sk:.3f} s, ours {t_us:.3f} s")
    rows.append(["**all four**", "", f"{totals[0]:.3f}", f"{totals[1]:.3f}",
                 f"{totals[2]:.3f}", f"**{totals[1] / totals[0]:.2f}** "
                 f"(goal <= 0.5: {goal(totals[1] <= 0.5 * totals[0])})",
                 f"**{totals[1] / totals[2]:.2f}** "
                 f"(goal <= 1.2: {goal(totals[1] <= 1.2 * totals[2])})", "", ""])
    common.print_table(["dataset", "shape", "sklearn s", "ours s", "ours 1-thread s",
                        "ours / sklearn", "ours / ours 1-thread",
                        "best alpha / best C", "best CV accuracy ours / sklearn"], rows)


def single_fits(data, repeats):
    rows, totals = [], np.zeros(3)
    for name, (X, y) in data.items():
        Xs = StandardScaler().fit_transform(X)
        res = common.round_robin([
            ("sklearn", lambda: LogisticRegression().fit(Xs, y), None),
            ("ours", lambda: SigCoreLogisticRegression().fit(Xs, y), None),
            ("ours 1 thread", lambda: SigCoreLogisticRegression().fit(Xs, y), serial),
        ], min_repeats=repeats, max_repeats=repeats, warmup=np.inf, quiet=True)
        (t_sk, sk, *_), (t_us, us, *_), (t_1, *_) = res.values()
        totals += (t_sk, t_us, t_1)
        gap = common.objective(Xs, y, us.coef_, us.intercept_, 1.0) - \
            common.objective(Xs, y, sk.coef_, sk.intercept_, 1.0)
        rows.append([name, f"{t_sk * 1e3:.2f}", f"{t_us * 1e3:.2f}", f"{t_1 * 1e3:.2f}",
                     f"{t_us / t_sk:.2f}", f"{t_us / t_1:.2f}",
                     f"{common.n_iter(sk)} / {common.n_iter(us)}", f"{gap:+.1e}"])
    rows.append(["**all four**", f"{totals[0] * 1e3:.2f}", f"{totals[1] * 1e3:.2f}",
                 f"{totals[2] * 1e3:.2f}", f"**{totals[1] / totals[0]:.2f}**",
                 f"**{totals[1] / totals[2]:.2f}** "
                 f"(goal <= 1.2: {goal(totals[1] <= 1.2 * totals[2])})", "", ""])
    common.print_table(["dataset", "sklearn ms", "ours ms", "ours 1-thread ms",
                        "ours / sklearn", "ours / ours 1-thread", "iterations sklearn / ours",
                        "objective ours - sklearn"], rows)


def predictions(data, repeats, calls=200):
    X, y = data["digits"]
    Xs = StandardScaler().fit_transform(X)
    mlp = dict(hidden_layer_sizes=(100,), max_iter=20, random_state=0)
    pairs = [
        ("logistic, 10 classes", SigCoreLogisticRegression().fit(Xs, y),
         LogisticRegression().fit(Xs, y), ("predict", "predict_proba")),
        ("MLP classifier (100,)", SigCoreMLPClassifier(**mlp).fit(Xs, y),
         MLPClassifier(activation="logistic", **mlp).fit(Xs, y), ("predict", "predict_proba")),
        ("MLP regressor (100,)", SigCoreMLPRegressor(**mlp).fit(Xs, y.astype(float)),
         MLPRegressor(activation="logistic", **mlp).fit(Xs, y.astype(float)), ("predict",)),
    ]
    rows = []
    for name, ours, theirs, methods in pairs:
        for method in methods:
            for n in (1, 10, 100, len(Xs)):
                Xn = Xs[:n]
                k = calls if n <= 100 else max(calls // 20, 3)

                def loop(model, Xn=Xn, k=k, method=method):
                    call = getattr(model, method)
                    for _ in range(k):
                        out = call(Xn)
                    return out

                res = common.round_robin([
                    ("sklearn", lambda: loop(theirs), None),
                    ("ours", lambda: loop(ours), None),
                    ("ours 1 thread", lambda: loop(ours), serial),
                ], min_repeats=repeats, max_repeats=repeats, warmup=np.inf)
                (t_sk, *_), (t_us, *_), (t_1, *_) = res.values()
                rows.append([name, method, n, f"{t_sk / k * 1e6:.1f}", f"{t_us / k * 1e6:.1f}",
                             f"{t_1 / k * 1e6:.1f}", f"{t_us / t_sk:.2f}"])
    common.print_table(["model", "method", "rows", "sklearn µs", "ours µs",
                        "ours 1-thread µs", "ours / sklearn"], rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=None,
                        help="run everything under threadpool_limits(N), e.g. 1")
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--grid-repeats", type=int, default=None,
                        help="repeats of each grid search (default 7, quick 2)")
    parser.add_argument("--fit-repeats", type=int, default=None,
                        help="repeats of each single fit (default 21, quick 5)")
    args = parser.parse_args()
    grid_repeats = args.grid_repeats or (2 if args.quick else 7)
    fit_repeats = args.fit_repeats or (5 if args.quick else 21)
    data = {name: load(return_X_y=True) for name, load in DATASETS.items()}

    print("# Small data: SigCoreLogisticRegression vs scikit-learn LogisticRegression\n")
    common.describe_machine()
    threads = f"threadpool_limits({args.threads})" if args.threads else \
        f"default threads ({common.usable_cores()} cores usable)"
    start = time.perf_counter()
    with common.limit_threads(args.threads), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        print(f"## (a) GridSearchCV(cv=5), StandardScaler + model, {threads}\n")
        print(f"Ours: alpha in {ALPHAS} (C=1); sklearn: C in {CS} (lbfgs), the same "
              f"models by (alpha, C) == (1, C alpha^2). Median of {grid_repeats} "
              "repeats, seconds per whole search (25 fits + refit + scoring). "
              "'ours 1-thread': ours under threadpool_limits(1), timed alongside"
              + (" (the same as 'ours' here: everything runs under the limit)"
                 if args.threads else "") + ".\n")
        grid_search(data, grid_repeats)
        print(f"## (b) One fit on the standardised data, default parameters, {threads}\n")
        print(f"Median of {fit_repeats} fits, each after {common.QUIET_SECONDS} s idle, "
              "milliseconds; objective gap in float64 (lower is better).\n")
        single_fits(data, fit_repeats)
        print(f"## (c) Predictions on standardised digits, {threads}\n")
        print(f"Median of {fit_repeats} repeats of a loop of calls (200 calls on up to "
              "100 rows, 10 on all 1797), microseconds per call.\n")
        predictions(data, fit_repeats)
    print(f"Ratios < 1: ours is faster. Total run time {time.perf_counter() - start:.0f} s.")
    common.print_load()


if __name__ == "__main__":
    main()
