"""Regression quality: 5-fold CV R^2 of SigCoreMLPRegressor against MLPRegressor.

Issue 10's setup: ``load_diabetes`` and ``make_friedman1(2000, random_state=0)``,
X and y standardised, the same hidden sizes and epochs for every model (adam,
default step), 5-fold shuffled KFold (random_state=0). scikit-learn's
MLPRegressor runs with each of its activations; ours with the sigmoid at
alpha=1, 'auto', and gains learned from 'auto'. The goal: ours >= the best of
scikit-learn's activations - 0.01.

Usage::

    python benchmarks/bench_regressor.py [--hidden 100] [--epochs 200]
"""

import argparse
import os
import time
import warnings

import numpy as np
from sklearn.datasets import load_diabetes, make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, cross_val_score
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from sklearn_sigcore import SigCoreMLPRegressor


def datasets():
    X, y = load_diabetes(return_X_y=True)
    yield "diabetes", X, y
    X, y = make_friedman1(2000, random_state=0)
    yield "friedman1", X, y


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, nargs="+", default=[100])
    parser.add_argument("--epochs", type=int, default=200)
    args = parser.parse_args()
    hidden = tuple(args.hidden)
    kw = dict(hidden_layer_sizes=hidden, max_iter=args.epochs, random_state=0)
    models = {
        **{f"sklearn {a}": (lambda a=a: MLPRegressor(activation=a, **kw))
           for a in ("relu", "tanh", "logistic", "identity")},
        "ours alpha=1": lambda: SigCoreMLPRegressor(**kw),
        "ours 'auto'": lambda: SigCoreMLPRegressor(alpha="auto", **kw),
        "ours 'auto' + learned": lambda: SigCoreMLPRegressor(alpha="auto",
                                                             learn_alpha="layer", **kw),
    }
    print(f"load average {os.getloadavg()}; hidden {hidden}, {args.epochs} epochs, adam; "
          "X and y standardised; 5-fold CV R^2 (mean); one BLAS thread")
    print("| model | " + " | ".join(name for name, _, _ in datasets()) + " |")
    print("|---" * 3 + "|")
    results = {name: [] for name in models}
    t0 = time.perf_counter()
    for _, X, y in datasets():
        X = StandardScaler().fit_transform(X)
        y = (y - y.mean()) / y.std()
        cv = KFold(5, shuffle=True, random_state=0)
        for name, make in models.items():
            with warnings.catch_warnings(), threadpool_limits(1, user_api="blas"):
                warnings.simplefilter("ignore", ConvergenceWarning)
                results[name].append(cross_val_score(make(), X, y, cv=cv).mean())
    for name, scores in results.items():
        print(f"| {name} | " + " | ".join(f"{s:.4f}" for s in scores) + " |")
    best = np.max([results[n] for n in models if n.startswith("sklearn")], axis=0)
    for name in (n for n in models if n.startswith("ours")):
        gap = np.asarray(results[name]) - best
        print(f"| {name} - best sklearn | " + " | ".join(f"{g:+.4f}" for g in gap) + " |")
    print(f"\n{time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
