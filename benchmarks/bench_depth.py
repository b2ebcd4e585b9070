"""Test accuracy by depth: sigmoid networks with alpha=1, 'auto' and learned gains vs sklearn.

Issue 4's setup: digits, standardised, stratified 75/25 split (random_state =
seed), 200 epochs of adam, hidden layers of 64 units, otherwise default
parameters (random_state = seed).  Each cell is the min-max test accuracy
over the seeds (and the mean number of epochs run).

Usage::

    python benchmarks/bench_depth.py            # seeds 0-4, depths 1 8 16 32
    python benchmarks/bench_depth.py --quick    # seed 0 only
    python benchmarks/bench_depth.py --models "'auto' + learned" --depths 8 16 32
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from sklearn_sigcore import SigCoreMLPClassifier

MODELS = {
    "sigmoid alpha=1": lambda h, s: SigCoreMLPClassifier(h, alpha=1.0, random_state=s),
    "sigmoid alpha='auto'": lambda h, s: SigCoreMLPClassifier(h, alpha="auto",
                                                              random_state=s),
    # gains learned with the weights ('layer'), from 'auto' and from a gain too small
    "'auto' + learned": lambda h, s: SigCoreMLPClassifier(h, alpha="auto", learn_alpha="layer",
                                                          random_state=s),
    "0.05 + learned": lambda h, s: SigCoreMLPClassifier(h, alpha=0.05, learn_alpha="layer",
                                                        random_state=s),
    "sklearn logistic": lambda h, s: MLPClassifier(h, activation="logistic", random_state=s),
    "sklearn relu": lambda h, s: MLPClassifier(h, activation="relu", random_state=s),
    "sklearn tanh": lambda h, s: MLPClassifier(h, activation="tanh", random_state=s),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one seed")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--depths", type=int, nargs="+", default=[1, 8, 16, 32])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS),
                        help="columns to run (default: all)")
    args = parser.parse_args()
    models = {name: MODELS[name] for name in args.models}
    seeds = [0] if args.quick else list(range(args.seeds))

    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    print(f"digits, standardised, stratified 75/25, adam, 200 epochs, layers of 64; "
          f"seeds {seeds}; one BLAS thread")
    header = "| hidden layers | " + " | ".join(models) + " |"
    print(header)
    print("|---" * (len(models) + 1) + "|")
    t_start = time.perf_counter()
    for depth in args.depths:
        cells = []
        for name, make in models.items():
            scores, epochs = [], []
            for seed in seeds:
                X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25,
                                                          stratify=y, random_state=seed)
                clf = make((64,) * depth, seed)
                with warnings.catch_warnings(), threadpool_limits(1, user_api="blas"):
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    clf.fit(X_tr, y_tr)
                scores.append(clf.score(X_te, y_te))
                epochs.append(clf.n_iter_)
            lo, hi = min(scores), max(scores)
            acc = f"{lo:.3f}" if lo == hi else f"{lo:.3f}-{hi:.3f}"
            cells.append(f"{acc} ({np.mean(epochs):.0f} ep)")
        print(f"| {depth} | " + " | ".join(cells) + " |", flush=True)
    print(f"\n{time.perf_counter() - t_start:.0f} s")


if __name__ == "__main__":
    main()
