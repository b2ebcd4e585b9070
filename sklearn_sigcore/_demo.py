"""The demo behind ``python -m sklearn_sigcore``.

Grid searches over alpha for both estimators next to scikit-learn's
LogisticRegression and MLPClassifier on the bundled breast_cancer and digits
data, then the deep-sigmoid comparison (alpha=1 against alpha='auto' by
depth).  Needs no network.
"""

import argparse
import os
import sys
import time
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ._logistic import SigCoreLogisticRegression
from ._mlp_classifier import SigCoreMLPClassifier

SETTINGS = {
    # name: (linear alphas, mlp alphas, mlp epochs, depths, deep epochs, rows kept)
    "full": ([0.25, 0.5, 1.0, 2.0, 4.0], [1.0, 4.0, "auto"], 200, [1, 8, 16], 60, None),
    "quick": ([0.5, 1.0, 2.0], [1.0, "auto"], 20, [1, 4], 8, 300),
}


class Progress:
    """Numbered progress lines on stderr, so stdout keeps only the results."""

    def __init__(self, total):
        self.total, self.done, self.start = total, 0, time.perf_counter()

    def step(self, what):
        self.done += 1
        elapsed = time.perf_counter() - self.start
        print(f"[{self.done}/{self.total} {elapsed:5.1f}s] {what}", file=sys.stderr, flush=True)


def _datasets(rows):
    for name, loader in (("breast_cancer", load_breast_cancer), ("digits", load_digits)):
        X, y = loader(return_X_y=True)
        if rows is not None and rows < X.shape[0]:
            X, _, y, _ = train_test_split(X, y, train_size=rows, stratify=y, random_state=0)
        yield name, X, y


def _search(estimator, grid, X, y, cv):
    pipeline = make_pipeline(StandardScaler(), estimator)
    step = pipeline.steps[-1][0]
    search = GridSearchCV(pipeline, {f"{step}__{k}": v for k, v in grid.items()}, cv=cv,
                          n_jobs=1)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    seconds = time.perf_counter() - start
    best_alpha = search.best_params_.get(f"{step}__alpha", "")
    mean_fit = float(np.mean(search.cv_results_["mean_fit_time"]))
    return search, best_alpha, seconds, mean_fit


def run_searches(setting, progress):
    """The alpha searches and baselines: rows of the result table."""
    linear_alphas, mlp_alphas, epochs, _, _, rows = SETTINGS[setting]
    cv = StratifiedKFold(n_splits=3 if setting == "quick" else 5, shuffle=True, random_state=0)
    results, searches = [], {}
    for name, X, y in _datasets(rows):
        contenders = [
            ("SigCoreLogisticRegression", SigCoreLogisticRegression(max_iter=500),
             {"alpha": linear_alphas}),
            ("sklearn LogisticRegression", LogisticRegression(max_iter=500), {}),
            ("SigCoreMLPClassifier", SigCoreMLPClassifier(
                hidden_layer_sizes=(64,), max_iter=epochs, random_state=0),
             {"alpha": mlp_alphas}),
            ("sklearn MLPClassifier(logistic)", MLPClassifier(
                hidden_layer_sizes=(64,), activation="logistic", max_iter=epochs,
                random_state=0), {}),
        ]
        for label, estimator, grid in contenders:
            progress.step(f"{name}: {label}, grid {grid or '(defaults)'}")
            search, best_alpha, seconds, mean_fit = _search(estimator, grid, X, y, cv)
            results.append((name, label, best_alpha, search.best_score_, mean_fit, seconds))
            if grid:
                searches[(name, label)] = search
    return results, searches


def run_depths(setting, progress):
    """Test accuracy on digits by depth, sigmoid networks with alpha=1 and 'auto'."""
    _, _, _, depths, epochs, _ = SETTINGS[setting]
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    rows = []
    for depth in depths:
        scores = {}
        for alpha in (1.0, "auto"):
            layers = "hidden layer" if depth == 1 else "hidden layers"
            progress.step(f"digits, {depth} {layers} of 64, alpha={alpha!r}")
            model = SigCoreMLPClassifier(hidden_layer_sizes=(64,) * depth, alpha=alpha,
                                         max_iter=epochs, random_state=0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(X_train, y_train)
            scores[alpha] = model.score(X_test, y_test)
        rows.append((depth, scores[1.0], scores["auto"]))
    return rows


def print_tables(results, depth_rows, epochs, mlp_epochs):
    print("\nGridSearchCV over alpha in Pipeline(StandardScaler, model), next to "
          "scikit-learn's baselines at their default regularisation (C, alpha; not "
          "searched: for the linear model a search over alpha is one over C, as C alpha^2); "
          f"the MLPs train for up to {mlp_epochs} epochs (convergence warnings silenced)")
    print(f"{'data':14} {'model':32} {'best alpha':>10} {'CV score':>9} "
          f"{'fit s':>7} {'search s':>9}")
    for name, label, alpha, score, mean_fit, seconds in results:
        print(f"{name:14} {label:32} {str(alpha):>10} {score:9.4f} {mean_fit:7.3f} "
              f"{seconds:9.2f}")
    print("fit s: the mean time of one fit (a fold at one grid point). search s: the whole "
          "search; ours fit every alpha of the grid, scikit-learn's baselines only their "
          "one setting. Each library runs with its own threading: ours keeps BLAS to one "
          "thread on data this small, scikit-learn's uses every core, which on a machine "
          "of few cores can make its small fits slower.")
    print(f"\nDeep sigmoid networks on digits (test accuracy, up to {epochs} epochs, adam)")
    print(f"{'hidden layers':>13} {'alpha=1':>9} {'alpha=auto':>11}")
    for depth, plain, auto in depth_rows:
        print(f"{depth:13d} {plain:9.3f} {auto:11.3f}")


def plot_problem(path):
    """Why the figure cannot be written to `path`, told before anything runs.

    Parameters
    ----------
    path : str
        The ``--plot`` argument.

    Returns
    -------
    problem : str or None
        What is wrong, for ``parser.error``; None if the figure can be written.
    """
    if not path:
        return "--plot needs a file name, such as results.png."
    try:
        from matplotlib.backend_bases import FigureCanvasBase
    except ImportError:
        return (f"--plot {path}: matplotlib is not installed "
                "(pip install 'sklearn_sigcore[plot]').")
    if os.path.isdir(path):
        return (f"--plot {path}: is a directory; give a file name, such as "
                f"{os.path.join(path, 'results.png')}.")
    extension = os.path.splitext(path)[1][1:]
    formats = FigureCanvasBase.get_supported_filetypes()
    if extension.lower() not in formats:
        problem = (f"'.{extension}' is not a format matplotlib writes" if extension
                   else "no extension to name the format")
        return f"--plot {path}: {problem}; use one of {', '.join(sorted(formats))}."
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        return f"--plot {path}: the folder {folder} does not exist."
    if not os.access(path if os.path.exists(path) else folder, os.W_OK):
        return f"--plot {path}: cannot write there (permission denied)."
    return None


def save_figure(path, searches, depth_rows):
    """Alpha-search curves and the depth comparison in one figure."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .plotting import AlphaSearchDisplay, SigmoidCoreDisplay

    fig, axes = plt.subplots(2, 3, figsize=(15, 8))
    axes = axes.ravel()
    for ax, ((name, label), search) in zip(axes[[0, 3, 1, 4]], searches.items()):
        AlphaSearchDisplay.from_estimator(search, ax=ax)
        ax.set_title(f"{label}\non {name}", fontsize="small")
    SigmoidCoreDisplay.from_alphas([1.0, 4.0], ax=axes[2])
    depths = [d for d, _, _ in depth_rows]
    positions = np.arange(len(depths))
    axes[5].bar(positions - 0.2, [p for _, p, _ in depth_rows], 0.4, label="alpha=1")
    axes[5].bar(positions + 0.2, [a for _, _, a in depth_rows], 0.4, label="alpha='auto'")
    axes[5].set(xticks=positions, xticklabels=depths, xlabel="hidden layers",
                 ylabel="test accuracy", title="deep sigmoid networks, digits", ylim=(0, 1))
    axes[5].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"Figure written to {path}")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_sigcore",
        description="sklearn_sigcore demo: grid searches over alpha for both estimators "
                    "next to scikit-learn's baselines, and deep sigmoid networks with "
                    "alpha=1 against alpha='auto'. Uses only bundled datasets.",
    )
    parser.add_argument("--quick", action="store_true",
                        help="small data and grids: a few seconds (used by the tests)")
    parser.add_argument("--plot", metavar="FILE",
                        help="also save a figure of the results to FILE (needs matplotlib); "
                             "its extension names the format, one matplotlib writes "
                             "(results.png, results.pdf, results.svg, ...). A FILE without "
                             "an extension, or a directory, is an error, told before "
                             "anything runs")
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.plot is not None and (problem := plot_problem(args.plot)):
        parser.error(problem)
    setting = "quick" if args.quick else "full"
    linear_alphas, mlp_alphas, mlp_epochs, depths, epochs, _ = SETTINGS[setting]
    progress = Progress(total=2 * 4 + 2 * len(depths))
    try:
        results, searches = run_searches(setting, progress)
        depth_rows = run_depths(setting, progress)
    except Exception as error:   # a demo reports and exits non-zero
        print(f"sklearn_sigcore demo failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print_tables(results, depth_rows, epochs, mlp_epochs)
    if args.plot:
        save_figure(args.plot, searches, depth_rows)
    return 0
