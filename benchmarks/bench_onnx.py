"""Inference time of the ONNX export (onnxruntime) against our predict_proba.

For each model, the same float32 rows (10,000, and 1 for the latency of a
single prediction) go through
``model.predict_proba`` and through the graph ``sklearn_sigcore.onnx`` exports
(``skl2onnx.to_onnx(model, X[:1], options={'zipmap': False})``) run by
onnxruntime's CPU provider, side by side in one process (round-robin, medians
of the repeats), with default threads and with one thread
(``threadpoolctl.threadpool_limits(1)`` for ours, ``SessionOptions
.intra_op_num_threads = 1`` for onnxruntime). Peer: scikit-learn's
``MLPClassifier.predict_proba`` / ``LogisticRegression.predict_proba``
holding the same network (gains folded into the weights). Every run also
checks that the graph gives our labels and probabilities within 1e-5.

Models have float32 parameters (fitted on float32 data), so both sides
compute in float32; ``--float64`` fits them on float64 data instead (then
our predict_proba computes in float64, the graph still in float32).

Usage::

    python benchmarks/bench_onnx.py [--rows 10000 1] [--repeats 15] [--float64]
"""

import argparse
import warnings

import _common
import numpy as np
import onnxruntime as ort
import skl2onnx
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

import sklearn_sigcore.onnx  # noqa: F401  (registers the converters)
from sklearn_sigcore import SigCoreLogisticRegression, SigCoreMLPClassifier

N_FEATURES = 100
N_CLASSES = 10
N_TRAIN = 2000


def models(dtype):
    """(name, fitted model) pairs; a few epochs suffice, only inference is timed."""
    X, y = make_classification(N_TRAIN, N_FEATURES, n_informative=40, n_classes=N_CLASSES,
                               random_state=0)
    X = X.astype(dtype)
    yb = (y >= N_CLASSES // 2).astype(int)
    out = []
    for hidden in [(100,), (256, 128)]:
        out.append((f"MLP {hidden}, sigmoid, alpha=2, {N_CLASSES} classes",
                    SigCoreMLPClassifier(hidden, alpha=2.0, max_iter=3, random_state=0)
                    .fit(X, y)))
    out.append(("MLP (256, 128), relu, alpha='auto', binary",
                SigCoreMLPClassifier((256, 128), "relu", alpha="auto", max_iter=3,
                                     random_state=0).fit(X, yb)))
    out.append(("logistic, alpha=2, binary", SigCoreLogisticRegression(alpha=2.0).fit(X, yb)))
    out.append((f"logistic, alpha=2, {N_CLASSES} classes",
                SigCoreLogisticRegression(alpha=2.0).fit(X, y)))
    return out


def sklearn_twin(model, X, y):
    """scikit-learn's model holding the same function (gains folded into W, b)."""
    if isinstance(model, SigCoreLogisticRegression):
        twin = LogisticRegression(max_iter=5).fit(X[:200], y[:200])
        twin.coef_ = (model.coef_ * model.alpha).astype(model.coef_.dtype)
        twin.intercept_ = (model.intercept_ * model.alpha).astype(model.coef_.dtype)
        return twin
    if model.activation not in ("sigmoid", "relu"):
        return None
    twin = MLPClassifier(model.hidden_layer_sizes,
                         "logistic" if model.activation == "sigmoid" else "relu",
                         max_iter=1).fit(X[:200], y[:200])
    gains = list(np.asarray(model.alphas_, dtype=np.float64)) + [1.0]
    twin.coefs_ = [(c * g).astype(c.dtype) for c, g in zip(model.coefs_, gains)]
    twin.intercepts_ = [(b * g).astype(b.dtype) for b, g in zip(model.intercepts_, gains)]
    return twin


def session(onx, threads):
    options = ort.SessionOptions()
    if threads is not None:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = threads
    return ort.InferenceSession(onx.SerializeToString(), options,
                                providers=["CPUExecutionProvider"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 1],
                        help="batch sizes to time (default: 10000 and 1)")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--float64", action="store_true",
                        help="fit the models on float64 data (float64 parameters)")
    args = parser.parse_args()
    dtype = np.float64 if args.float64 else np.float32

    warnings.simplefilter("ignore")         # ConvergenceWarning: a few epochs on purpose
    X, y = make_classification(max(args.rows), N_FEATURES, n_informative=40,
                               n_classes=N_CLASSES, random_state=1)
    X32 = X.astype(np.float32)
    _common.describe_machine()
    print(f"- onnxruntime {ort.__version__}, skl2onnx {skl2onnx.__version__}; "
          f"{N_FEATURES} features, float32 input, {np.dtype(dtype).name} model parameters\n")

    rows = []
    for name, model in models(dtype):
        _common.progress(name)
        onx = skl2onnx.to_onnx(model, X32[:1], options={"zipmap": False})
        sessions = {threads: session(onx, threads) for threads in (None, 1)}
        feed = {sessions[None].get_inputs()[0].name: X32}
        labels, proba = sessions[None].run(None, feed)
        error = float(np.abs(proba - model.predict_proba(X32)).max())
        same = bool((labels == model.predict(X32)).all())
        twin = sklearn_twin(model, X32, y if len(model.classes_) > 2 else (y >= 5))
        if twin is not None:
            assert np.abs(twin.predict_proba(X32) - model.predict_proba(X32)).max() < 1e-4
        for n_rows in args.rows:
            Xn = X32[:n_rows]
            feed = {sessions[None].get_inputs()[0].name: Xn}
            for threads in (None, 1):
                limit = (lambda n=threads: _common.limit_threads(n))
                contenders = [
                    ("ours", lambda: model.predict_proba(Xn), limit),
                    ("onnx", lambda s=sessions[threads]: s.run(None, feed), None),
                ]
                if twin is not None:
                    contenders.append(("sklearn", lambda: twin.predict_proba(Xn), limit))
                t = _common.round_robin(contenders, min_repeats=args.repeats, budget=1.0)
                ours, onnx = t["ours"].seconds, t["onnx"].seconds
                peer = t["sklearn"].seconds if "sklearn" in t else None
                rows.append([name, n_rows, "default" if threads is None else "1",
                             _common.fmt(ours * 1e3, ".3f"), _common.fmt(onnx * 1e3, ".3f"),
                             _common.ratio(onnx / ours),
                             _common.fmt(None if peer is None else peer * 1e3, ".3f"),
                             "yes" if same else "NO", f"{error:.1e}"])
    _common.print_table(["model", "rows", "threads", "ours predict_proba (ms)",
                         "onnxruntime (ms)", "onnx / ours", "scikit-learn (ms)",
                         "same labels", "max difference of probabilities"], rows)
    _common.print_load()


if __name__ == "__main__":
    main()
