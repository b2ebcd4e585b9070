"""SigCoreMLPClassifier: gradients, parity with scikit-learn, depth, diagnostics."""

import inspect
import pickle
import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import logsumexp
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from _helpers import numerical_gradient
from sklearn_sigcore import kernels
from sklearn_sigcore import SigCoreMLPClassifier
from sklearn_sigcore._activations import ACTIVATIONS, activation_value
from sklearn_sigcore._heads import LogLossHead, MultinomialHead
from sklearn_sigcore._network import AUTO_GAIN, AUTO_TARGET_STD
from sklearn_sigcore._network import Layout as _Layout
from sklearn_sigcore._network import Network as _Network
from sklearn_sigcore._network import auto_init as _auto_init


def _head(multinomial, n_outputs):
    return MultinomialHead(n_outputs) if multinomial else LogLossHead(n_outputs)

ACTIVATION_NAMES = sorted(ACTIVATIONS)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def digits_split(digits):
    X, y = digits
    return train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)


# --------------------------------------------------------------------------
# Gradient of the training objective against finite differences
# --------------------------------------------------------------------------
def reference_objective(params, layout, alphas, activation, X, Y, multinomial, s, l2):
    """sum_i s_i loss_i / S + l2 / (2 S) sum ||W||^2, written from scratch."""
    coefs, intercepts = layout.views(params)
    h = X
    for i, (W, b) in enumerate(zip(coefs, intercepts)):
        z = h @ W + b
        h = activation_value(activation, alphas[i] * z) if i < len(coefs) - 1 else z
    if multinomial:
        per_sample = logsumexp(h, axis=1) - h[np.arange(len(h)), Y.argmax(axis=1)]
    else:
        per_sample = (np.logaddexp(0, h) - Y * h).sum(axis=1)
    S = s.sum()
    penalty = sum(float((W ** 2).sum()) for W in coefs)
    return float(s @ per_sample) / S + 0.5 * l2 / S * penalty


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@pytest.mark.parametrize("alphas", [[1.0, 1.0], [2.5, 2.5], [0.3, 4.0]],
                         ids=["alpha1", "alpha2.5", "per_layer"])
@pytest.mark.parametrize("target", ["binary", "multiclass", "multilabel"])
@pytest.mark.parametrize("weighted", [False, True])
def test_gradient_matches_finite_differences(activation, alphas, target, weighted):
    rng = np.random.RandomState(0)
    n, n_features, hidden = 9, 4, [5, 3]
    X = rng.standard_normal((n, n_features))
    n_out = {"binary": 1, "multiclass": 4, "multilabel": 3}[target]
    if target == "multiclass":
        Y = np.eye(n_out)[rng.randint(0, n_out, n)]
    else:
        Y = (rng.rand(n, n_out) > 0.5).astype(float)
    multinomial = target == "multiclass"
    if weighted:   # sample weights times class weights, as the estimator composes them
        s = rng.uniform(0.2, 3.0, n) * rng.uniform(0.5, 2.0, n)
    else:
        s = np.ones(n)
    l2 = 0.3
    layout = _Layout([n_features] + hidden + [n_out])
    params = rng.standard_normal(layout.size) * 0.7
    net = _Network(layout, params.copy(), alphas, activation, _head(multinomial, n_out), 1)
    buf = net.buffers(n)
    w = s / s.sum()
    target_arr = Y.argmax(axis=1).astype(float) if multinomial else np.ascontiguousarray(Y)
    tiled = None if (multinomial or n_out == 1) else np.repeat(w, n_out)
    loss = net.loss_grad(X, target_arr, w, l2 / s.sum(), buf, tiled)

    def f(p):
        return reference_objective(p, layout, alphas, activation, X, Y, multinomial, s, l2)

    assert loss == pytest.approx(f(params), rel=1e-10)
    assert_allclose(net.grad, numerical_gradient(f, params), rtol=1e-5, atol=1e-7)


def test_gradient_float32_matches_float64():
    rng = np.random.RandomState(1)
    layout = _Layout([6, 7, 5, 3])
    params = rng.standard_normal(layout.size) * 0.5
    X = rng.standard_normal((11, 6))
    y = rng.randint(0, 3, 11).astype(float)
    w = np.full(11, 1 / 11)
    grads = []
    for dtype in (np.float64, np.float32):
        net = _Network(layout, params.astype(dtype), [3.0, 0.5], "sigmoid", _head(True, 3),
                       1)
        net.loss_grad(X.astype(dtype), y.astype(dtype), w.astype(dtype), 0.01,
                      net.buffers(11))
        assert net.grad.dtype == dtype
        grads.append(net.grad.astype(float))
    assert_allclose(grads[1], grads[0], rtol=2e-4, atol=1e-6)


def test_class_weight_is_sample_weight_times_class_weight(digits):
    X, y = digits
    X, y = X[:300], y[:300]
    cw = {c: 1.0 + 0.3 * c for c in range(10)}
    sw = np.random.RandomState(0).uniform(0.5, 2, len(y))
    a = SigCoreMLPClassifier((16,), class_weight=cw, max_iter=5, random_state=0)
    b = SigCoreMLPClassifier((16,), max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a.fit(X, y, sample_weight=sw)
        b.fit(X, y, sample_weight=sw * np.array([cw[c] for c in y]))
    for ca, cb in zip(a.coefs_, b.coefs_):
        assert_allclose(ca, cb, rtol=1e-12, atol=1e-14)


def test_balanced_class_weight_counts_weighted_samples():
    X, y = make_classification(60, 5, weights=[0.8], random_state=0)
    sw = np.where(y == 1, 4.0, 1.0)
    a = SigCoreMLPClassifier((4,), class_weight="balanced", max_iter=3, random_state=0)
    b = SigCoreMLPClassifier((4,), max_iter=3, random_state=0)
    counts = np.bincount(y, weights=sw)
    per_class = sw.sum() / (2 * counts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a.fit(X, y, sample_weight=sw)
        b.fit(X, y, sample_weight=sw * per_class[y])
    assert_allclose(a.coefs_[0], b.coefs_[0], rtol=1e-12)


# --------------------------------------------------------------------------
# alpha = 1, 'sigmoid' is scikit-learn's MLPClassifier(activation='logistic')
# --------------------------------------------------------------------------
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
@pytest.mark.parametrize("shuffle", [True, False])
def test_alpha_one_reproduces_sklearn_logistic_mlp(digits_split, solver, shuffle):
    X_train, X_test, y_train, _ = digits_split
    kw = dict(hidden_layer_sizes=(20, 10), solver=solver, max_iter=15, random_state=3,
              shuffle=shuffle, batch_size=64, learning_rate_init=0.01, l2=1e-3)
    ours = SigCoreMLPClassifier(alpha=1.0, **kw)
    theirs = MLPClassifier(activation="logistic", alpha=kw.pop("l2"),
                           **{k: v for k, v in kw.items() if k != "l2"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X_train, y_train)
        theirs.fit(X_train, y_train)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        assert_allclose(a, b, rtol=1e-7, atol=1e-9)
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-8)
    if solver != "lbfgs":
        assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-8)
    assert_allclose(ours.predict_proba(X_test), theirs.predict_proba(X_test), atol=1e-7)
    assert ours.n_iter_ == theirs.n_iter_


@pytest.mark.parametrize("n_classes", [2, 10])
def test_alpha_one_early_stopping_holds_out_sklearns_rows(digits_split, n_classes):
    # scikit-learn stratifies the validation split for binary targets only
    X_train, _, y_train, _ = digits_split
    if n_classes == 2:
        y_train = y_train % 2
    kw = dict(hidden_layer_sizes=(20,), max_iter=30, random_state=0, early_stopping=True,
              learning_rate_init=0.01)
    ours = SigCoreMLPClassifier(alpha=1.0, **kw)
    theirs = MLPClassifier(activation="logistic", **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X_train, y_train)
        theirs.fit(X_train, y_train)
    assert ours.n_iter_ == theirs.n_iter_
    assert_allclose(ours.validation_scores_, theirs.validation_scores_)
    assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-8)


@pytest.mark.parametrize("labels", [np.zeros(150, dtype=int), np.array(["a"] * 150)])
def test_alpha_one_single_class_fits_as_sklearn(labels):
    # MLPClassifier fits targets of one class (a fold of rare labels, say) and
    # predicts it; predict_proba keeps its two columns [1 - p, p]
    X = StandardScaler().fit_transform(load_iris(return_X_y=True)[0])
    kw = dict(hidden_layer_sizes=(5,), max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pairs = [(SigCoreMLPClassifier(alpha=1.0, **kw).fit(X, labels),
                  MLPClassifier(activation="logistic", **kw).fit(X, labels)),
                 (SigCoreMLPClassifier(alpha=1.0, **kw).partial_fit(X, labels,
                                                                    classes=labels[:1]),
                  MLPClassifier(activation="logistic", **kw).partial_fit(X, labels,
                                                                         classes=labels[:1]))]
    for ours, theirs in pairs:
        assert_array_equal(ours.classes_, theirs.classes_)
        assert_array_equal(ours.predict(X), labels)
        assert ours.predict_proba(X).shape == theirs.predict_proba(X).shape == (150, 2)
        assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-12)
        assert ours.score(X, labels) == 1.0


@pytest.mark.parametrize("dataset", ["digits", "breast_cancer"])
def test_cv_accuracy_at_least_sklearn(dataset):
    """5-fold CV, standardised, hidden (100,), 300 epochs: >= sklearn - 0.5 points."""
    loader = load_digits if dataset == "digits" else load_breast_cancer
    X, y = loader(return_X_y=True)
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    kw = dict(hidden_layer_sizes=(100,), max_iter=300, random_state=0)
    # One BLAS thread: same results, and sklearn's small GEMMs do not crawl
    # when other processes share the cores.
    with warnings.catch_warnings(), threadpool_limits(1, user_api="blas"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = cross_val_score(make_pipeline(StandardScaler(),
                                             SigCoreMLPClassifier(alpha=1.0, **kw)), X, y,
                               cv=cv).mean()
        theirs = cross_val_score(make_pipeline(StandardScaler(),
                                               MLPClassifier(activation="logistic", **kw)),
                                 X, y, cv=cv).mean()
    assert ours >= theirs - 0.005, (ours, theirs)
    assert ours > (0.95 if dataset == "digits" else 0.96)


# --------------------------------------------------------------------------
# Depth: alpha='auto'
# --------------------------------------------------------------------------
@pytest.mark.parametrize("n_layers, goal, seeds", [(8, 0.95, (0, 3)), (16, 0.94, (1, 4)),
                                                    (32, 0.93, (2, 5))])
def test_auto_alpha_trains_deep_sigmoid_networks(digits, n_layers, goal, seeds):
    """Issue 4's setup: standardised digits, stratified 75/25, adam, 200 epochs.

    The goal holds for the mean over two seeds, and each seed comes within
    0.01 of it (α = 1 gives 0.10 from 8 layers on).  A single seed's
    32-layer trajectory depends on the CPU's rounding: adam's loss spikes
    once near the end and the plateau rule stops it there (seed 2: at least
    0.967 on an AMD EPYC, 0.927 on an Intel Xeon, both AVX-512).
    """
    X, y = digits
    scores = []
    for seed in seeds:
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25,
                                                            stratify=y, random_state=seed)
        clf = SigCoreMLPClassifier((64,) * n_layers, alpha="auto", random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X_train, y_train)
        scores.append(clf.score(X_test, y_test))
        assert clf.alphas_.shape == (n_layers,)
    assert np.mean(scores) >= goal and min(scores) >= goal - 0.01, scores


def test_alpha_one_deep_sigmoid_network_vanishes(digits_split):
    """The failure 'auto' fixes: 8 sigmoid layers at alpha=1 stay near chance."""
    X_train, X_test, y_train, y_test = digits_split
    clf = SigCoreMLPClassifier((64,) * 8, alpha=1.0, random_state=0, max_iter=30)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_train, y_train)
    assert clf.score(X_test, y_test) < 0.5
    first, last = clf.gradient_norms_[0, 0], clf.gradient_norms_[0, -1]
    assert first < 1e-3 * last     # the gradient reaching layer 1 has vanished


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("scale", [1.0, 1e4, 1e-4, 1e30])
def test_auto_init_centres_and_scales_pre_activations(digits, activation, scale):
    # whatever the scale of X (the rescaling factor was clipped to [1e-3, 1e3])
    X = digits[0][:800] * scale     # below AUTO_SAMPLE_SIZE: the whole sample is used
    layout = _Layout([64, 32, 32, 32, 10])
    rng = np.random.RandomState(0)
    params, alphas = _auto_init(layout, activation, rng, np.float64, X, None, 1)
    net = _Network(layout, params, alphas, activation, _head(True, 10), 1)
    coefs, intercepts = layout.views(params)
    h = X
    target = AUTO_TARGET_STD.get(activation, 1.0)
    for i in range(3):
        u = alphas[i] * (h @ coefs[i] + intercepts[i])
        assert_allclose(u.mean(axis=0), 0, atol=1e-9)
        assert np.sqrt((u ** 2).mean()) == pytest.approx(target, rel=1e-6)
        h = activation_value(activation, u)
    if activation == "sigmoid":
        assert alphas == [AUTO_GAIN["sigmoid"]] * 3
    assert_allclose(net.decision(X), h @ coefs[3] + intercepts[3], rtol=1e-10, atol=1e-12)


def test_auto_uses_sample_weights_like_repetitions(digits):
    X, y = digits
    X, y = X[:200], y[:200]
    sw = np.random.RandomState(0).randint(0, 3, len(y))
    layout = _Layout([64, 16, 16, 10])
    a, alpha_a = _auto_init(layout, "tanh", np.random.RandomState(0), np.float64, X,
                            sw.astype(float), 1)
    b, alpha_b = _auto_init(layout, "tanh", np.random.RandomState(0), np.float64,
                            np.repeat(X, sw, axis=0), None, 1)
    assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    assert_allclose(alpha_a, alpha_b, rtol=1e-12)


# --------------------------------------------------------------------------
# Diagnostics
# --------------------------------------------------------------------------
def test_diagnostics_are_the_gradient_and_saturation_of_a_batch(digits_split):
    """Full batch, no shuffle: epoch k's record is exactly the start-of-epoch state."""
    X_train, _, y_train, _ = digits_split
    X, y = X_train[:150], y_train[:150]
    kw = dict(hidden_layer_sizes=(12, 8), alpha=[3.0, 6.0], batch_size=150, shuffle=False,
              max_iter=1, random_state=0, l2=0.5)
    clf = SigCoreMLPClassifier(**kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
        before = [c.copy() for c in clf.coefs_], [b.copy() for b in clf.intercepts_]
        clf.set_params(warm_start=True).fit(X, y)
    assert clf.gradient_norms_.shape == (2, 3)
    assert clf.saturation_.shape == (2, 2)
    # Saturation from a direct forward pass with the parameters before epoch 2.
    coefs, intercepts = before
    h = X
    expected_sat = []
    for i, a in enumerate(clf.alphas_):
        h = kernels.sigmoid(h @ coefs[i] + intercepts[i], a)
        expected_sat.append(np.mean((h < 0.01) | (h > 0.99)))
    assert_allclose(clf.saturation_[1], expected_sat, rtol=1e-12)
    # Gradient norms from the finite-difference-checked network at those parameters.
    layout = _Layout([64, 12, 8, 10])
    net = _Network(layout, layout.pack(coefs, intercepts, np.float64), clf.alphas_,
                   "sigmoid", _head(True, 10), 1)
    w = np.full(150, 1 / 150)
    yi = np.searchsorted(clf.classes_, y).astype(float)
    net.loss_grad(X, yi, w, 0.5 / 150, net.buffers(150))
    assert_allclose(clf.gradient_norms_[1], [np.linalg.norm(g) for g in net.coef_grads],
                    rtol=1e-10)


def test_large_alpha_saturates(digits_split):
    X_train, _, y_train, _ = digits_split
    sat = {}
    for alpha in (0.5, 40.0):
        clf = SigCoreMLPClassifier((32,), alpha=alpha, max_iter=2, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X_train, y_train)
        assert np.all((clf.saturation_ >= 0) & (clf.saturation_ <= 1))
        sat[alpha] = clf.saturation_[0, 0]
    assert sat[0.5] < 0.01 < 0.5 < sat[40.0]


# --------------------------------------------------------------------------
# Estimator behaviour
# --------------------------------------------------------------------------
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_float32_is_kept(digits_split, solver):
    X_train, X_test, y_train, _ = digits_split
    clf = SigCoreMLPClassifier((16,), solver=solver, max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_train.astype(np.float32), y_train)
    assert all(c.dtype == np.float32 for c in clf.coefs_ + clf.intercepts_)
    assert clf.predict_proba(X_test.astype(np.float32)).dtype == np.float32
    # float64 X is computed in float64 with the weights upcast, as
    # scikit-learn's MLPs do (found by a user trial: it returned float32)
    proba = clf.predict_proba(X_test)
    assert proba.dtype == np.float64
    h = X_test
    for W, b in zip(clf.coefs_[:-1], clf.intercepts_[:-1]):
        h = 1.0 / (1.0 + np.exp(-(h @ W.astype(np.float64) + b.astype(np.float64))))
    z = h @ clf.coefs_[-1].astype(np.float64) + clf.intercepts_[-1].astype(np.float64)
    assert_allclose(proba, np.exp(z - logsumexp(z, axis=1, keepdims=True)), rtol=1e-12)
    ref = SigCoreMLPClassifier((16,), solver=solver, max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref.fit(X_train, y_train)
    assert_allclose(clf.predict_proba(X_test), ref.predict_proba(X_test), atol=2e-3)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_sparse_matches_dense(digits_split, solver):
    X_train, X_test, y_train, _ = digits_split
    X_train = np.where(np.abs(X_train) < 0.5, 0.0, X_train)
    dense = SigCoreMLPClassifier((16,), solver=solver, max_iter=5, random_state=0)
    sparse = SigCoreMLPClassifier((16,), solver=solver, max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        dense.fit(X_train, y_train)
        sparse.fit(sp.csr_matrix(X_train), y_train)
    assert_allclose(sparse.coefs_[0], dense.coefs_[0], rtol=1e-8, atol=1e-10)
    assert_allclose(sparse.predict_proba(sp.csc_matrix(X_test)),
                    dense.predict_proba(X_test), atol=1e-9)


def test_partial_fit_equals_fit_epochs(digits_split):
    X_train, _, y_train, _ = digits_split
    kw = dict(hidden_layer_sizes=(16,), shuffle=False, random_state=0, alpha=2.0)
    fit = SigCoreMLPClassifier(max_iter=3, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit.fit(X_train, y_train)
    part = SigCoreMLPClassifier(**kw)
    for _ in range(3):
        part.partial_fit(X_train, y_train, classes=np.arange(10))
    assert_allclose(part.coefs_[0], fit.coefs_[0], rtol=1e-12)
    assert_allclose(part.loss_curve_, fit.loss_curve_, rtol=1e-12)
    assert part.t_ == fit.t_ == 3 * len(y_train)


def test_partial_fit_batch_with_missing_classes(digits_split):
    X_train, X_test, y_train, _ = digits_split
    clf = SigCoreMLPClassifier((16,), random_state=0)
    clf.partial_fit(X_train[y_train < 5], y_train[y_train < 5], classes=np.arange(10))
    clf.partial_fit(X_train[y_train >= 5], y_train[y_train >= 5])
    assert_array_equal(clf.classes_, np.arange(10))
    assert clf.predict_proba(X_test).shape == (len(X_test), 10)


@pytest.mark.skipif("sample_weight" not in inspect.signature(MLPClassifier.partial_fit).parameters,
                    reason="scikit-learn < 1.7: partial_fit takes no sample_weight")
def test_partial_fit_positional_arguments_as_scikit_learn(digits_split):
    # code written for scikit-learn >= 1.7 passes sample_weight third
    X_train, _, y_train, _ = digits_split
    assert (list(inspect.signature(SigCoreMLPClassifier.partial_fit).parameters)
            == list(inspect.signature(MLPClassifier.partial_fit).parameters))
    sw = np.where(y_train % 2 == 0, 2.0, 0.5)
    kw = dict(hidden_layer_sizes=(8,), random_state=0)
    ours = SigCoreMLPClassifier(alpha=1.0, **kw).partial_fit(X_train, y_train, sw,
                                                            np.arange(10))
    theirs = MLPClassifier(activation="logistic", **kw).partial_fit(X_train, y_train, sw,
                                                                   np.arange(10))
    assert_allclose(ours.coefs_[0], theirs.coefs_[0], rtol=1e-7, atol=1e-10)


def test_multilabel(digits_split):
    X_train, X_test, y_train, _ = digits_split
    Y = np.column_stack([y_train % 2, y_train > 4, y_train == 0]).astype(int)
    clf = SigCoreMLPClassifier((32,), alpha="auto", max_iter=100, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_train, Y)
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 3
    proba = clf.predict_proba(X_test)
    assert proba.shape == (len(X_test), 3)
    assert_array_equal(clf.predict(X_test), (proba > 0.5).astype(int))
    assert clf.score(X_train, Y) > 0.9


def test_binary_probabilities_and_log_probabilities():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    clf = SigCoreMLPClassifier((8,), alpha=3.0, max_iter=50, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    proba = clf.predict_proba(X)
    assert_allclose(proba.sum(axis=1), 1)
    assert_allclose(np.exp(clf.predict_log_proba(X)), proba, rtol=1e-12)
    assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    far = X[:3] * 1e4   # logits far out: log-probabilities stay finite
    assert np.isfinite(clf.predict_log_proba(far)).all()


def test_warm_start_early_stopping_and_convergence_warning(digits_split):
    X_train, _, y_train, _ = digits_split
    clf = SigCoreMLPClassifier((16,), max_iter=3, random_state=0)
    with pytest.warns(ConvergenceWarning) as ours:
        clf.fit(X_train, y_train)
    with pytest.warns(ConvergenceWarning) as theirs:
        MLPClassifier((16,), max_iter=3, random_state=0).fit(X_train, y_train)
    # scikit-learn's text first: a filterwarnings(message=...) for it matches ours
    assert str(ours[0].message).startswith(str(theirs[0].message))
    clf.set_params(warm_start=True)
    with pytest.warns(ConvergenceWarning):
        clf.fit(X_train, y_train)
    assert len(clf.loss_curve_) == 6 and clf.gradient_norms_.shape == (6, 2)
    es = SigCoreMLPClassifier((16,), early_stopping=True, random_state=0, max_iter=200)
    es.fit(X_train, y_train)
    assert es.best_loss_ is None and len(es.validation_scores_) == es.n_iter_ < 200
    assert es.best_validation_score_ == max(es.validation_scores_)


def test_pickle_round_trip_and_replaced_coefs(digits_split):
    X_train, X_test, y_train, _ = digits_split
    clf = SigCoreMLPClassifier((16,), alpha=[2.0], max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_train, y_train)
    again = pickle.loads(pickle.dumps(clf))
    assert_allclose(again.predict_proba(X_test), clf.predict_proba(X_test))
    again.coefs_[0][:] = 0.0        # edits of the public arrays are honoured
    flat = again.predict_proba(X_test)
    assert_allclose(flat, flat[:1].repeat(len(X_test), axis=0))


def test_no_hidden_layer_is_a_linear_model(digits_split):
    X_train, X_test, y_train, y_test = digits_split
    clf = SigCoreMLPClassifier((), solver="lbfgs", max_iter=300, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_train, y_train)
    assert clf.n_layers_ == 2 and clf.alphas_.shape == (0,)
    assert clf.saturation_.shape[1] == 0
    assert clf.score(X_test, y_test) > 0.9


def test_docstring_parameters_follow_sklearn():
    ours = SigCoreMLPClassifier().get_params()
    theirs = MLPClassifier().get_params()
    theirs["l2"] = theirs.pop("alpha")
    for name, value in theirs.items():
        if name == "activation":
            continue
        assert ours[name] == value, name
    assert ours["activation"] == "sigmoid" and ours["alpha"] == 1.0
    assert ours["class_weight"] is None


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_verbose_prints_one_line_per_epoch(digits_split, solver, capsys):
    X_train, _, y_train, _ = digits_split
    clf = SigCoreMLPClassifier((8,), solver=solver, max_iter=4, verbose=1, random_state=0,
                               early_stopping=solver == "sgd")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_train, y_train)
    out = capsys.readouterr().out.splitlines()
    lines = [ln for ln in out if ln.startswith("Iteration")]
    assert len(lines) == clf.n_iter_ == len(clf.loss_curve_)
    assert all(f"loss = {loss:.8f}" in ln for ln, loss in zip(lines, clf.loss_curve_))
    if solver == "sgd":      # scikit-learn's format: the score on a line of its own
        scores = [f"Validation score: {s:f}" for s in clf.validation_scores_]
        assert [ln for ln in out if ln.startswith("Validation score: ")] == scores


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_scoring_monitor_callback(digits_split, solver):
    callback = pytest.importorskip("sklearn.callback")
    X_train, _, y_train, _ = digits_split
    monitor = callback.ScoringMonitor(scoring="accuracy")
    clf = SigCoreMLPClassifier((8,), solver=solver, max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.set_callbacks(monitor).fit(X_train, y_train)
    scores = [row["accuracy"] for row in monitor.get_logs().data if "accuracy" in row]
    assert len(scores) == clf.n_iter_ + 1      # every epoch, then the fitted model
    assert scores[-1] == pytest.approx(clf.score(X_train, y_train))


def test_warm_start_uses_the_current_alpha(digits_split):
    X_train, _, y_train, _ = digits_split
    clf = SigCoreMLPClassifier((8, 8), alpha="auto", max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_train, y_train)
        auto = clf.alphas_.copy()
        clf.set_params(warm_start=True).fit(X_train, y_train)       # 'auto': kept
        assert_array_equal(clf.alphas_, auto)
        clf.set_params(alpha=[1.5, 3.0]).fit(X_train, y_train)      # new gains used
        assert_array_equal(clf.alphas_, [1.5, 3.0])
        clf.partial_fit(X_train, y_train)
        assert_array_equal(clf.alphas_, [1.5, 3.0])


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_partial_fit_after_pickle_continues_identically(digits_split, solver):
    X_train, _, y_train, _ = digits_split
    clf = SigCoreMLPClassifier((16,), solver=solver, shuffle=False, random_state=0)
    clf.partial_fit(X_train, y_train, classes=np.arange(10))
    again = pickle.loads(pickle.dumps(clf))
    clf.partial_fit(X_train, y_train)
    again.partial_fit(X_train, y_train)
    for a, b in zip(clf.coefs_ + clf.intercepts_, again.coefs_ + again.intercepts_):
        assert_array_equal(a, b)


@pytest.mark.parametrize("activation", ["tanh", "relu", "elu"])
def test_initial_network_does_not_depend_on_the_input_scale(digits_split, activation):
    # Glorot's bounds assume unit-variance inputs: the first layer is divided by
    # the input's RMS, so 20 X starts where X does (no saturated tanh units).
    # The sigmoid keeps scikit-learn's initialisation (the parity tests above).
    X_train, _, y_train, _ = digits_split
    X_train = X_train + 0.5        # RMS about 1.1 here; 20 times that below
    kw = dict(hidden_layer_sizes=(16,), activation=activation, max_iter=1,
              learning_rate_init=1e-12, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        small = SigCoreMLPClassifier(**kw).fit(X_train, y_train)
        large = SigCoreMLPClassifier(**kw).fit(20 * X_train, y_train)
    assert_allclose(20 * large.coefs_[0], small.coefs_[0], rtol=1e-6)
    rms = np.sqrt(np.mean(X_train ** 2))
    bound = np.sqrt(6 / (64 + 16)) / rms
    assert np.abs(small.coefs_[0]).max() <= bound * (1 + 1e-6)
    assert np.abs(small.coefs_[0]).max() > 0.9 * bound


def test_tanh_class_weight_on_unscaled_blobs():
    # scikit-learn's check_class_weight_classifiers: unscaled blobs (std 20), one
    # class weighted 1000; before the input-RMS scaling ~45 % of the tanh units
    # started (and stayed) saturated and only 0.80-0.86 of the predictions
    # went to the heavy class over these seeds.
    from sklearn.datasets import make_blobs

    X, y = make_blobs(centers=3, random_state=0, cluster_std=20)
    X_train, X_test, y_train, _ = train_test_split(X, y, test_size=0.5, random_state=0)
    for seed in range(5):
        clf = SigCoreMLPClassifier(activation="tanh", max_iter=1000, n_iter_no_change=20,
                                   class_weight={0: 1000, 1: 1e-4, 2: 1e-4},
                                   random_state=seed).fit(X_train, y_train)
        assert np.mean(clf.predict(X_test) == 0) > 0.87
        assert clf.saturation_[0, 0] < 0.1


@pytest.mark.parametrize("alpha", [1.0, 2.0, 2.7, 0.05, 1e-70, 1e70])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_bias_sigmoid_is_the_kernel_bit_for_bit(alpha, dtype):
    # The training loop's fused z <- sigma(alpha (z + b)) takes the kernels'
    # route (float lanes for float32 where the CPU allows, else double).
    from sklearn_sigcore._mlp_fast import bias_sigmoid

    rng = np.random.default_rng(0)
    z = (rng.standard_normal((37, 29)) * 6).astype(dtype)
    z[0, :4] = [0.0, -0.0, 200.0, -200.0]
    b = rng.standard_normal(29).astype(dtype)
    expected = kernels.sigmoid(z + b, alpha)
    bias_sigmoid(z, b, alpha)
    assert z.dtype == dtype
    assert_array_equal(z, expected)


@pytest.mark.parametrize("n_features", [1, 7, 16, 100, 2500, 3000])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gather_rows_is_fancy_indexing(n_features, dtype):
    # The shuffled mini-batch copy (with prefetches of the rows ahead).
    from sklearn_sigcore._mlp_fast import gather_rows

    rng = np.random.default_rng(0)
    X = rng.standard_normal((500, n_features)).astype(dtype)
    for n_rows in (0, 1, 15, 17, 200):
        idx = rng.permutation(500)[:n_rows]
        out = np.empty((n_rows, n_features), dtype=dtype)
        gather_rows(X, idx, out)
        assert_array_equal(out, X[idx])
    with pytest.raises(ValueError, match="shape"):
        gather_rows(X, idx, np.empty((len(idx) - 1, n_features), dtype=dtype))
    with pytest.raises(ValueError, match="shape"):
        gather_rows(X, idx, np.empty((len(idx), n_features + 1), dtype=dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bias_add_is_numpys_broadcast_add(dtype):
    from sklearn_sigcore._mlp_fast import bias_add

    rng = np.random.default_rng(0)
    for shape in [(200, 10), (7, 1), (0, 3), (3, 0)]:
        z = rng.standard_normal(shape).astype(dtype)
        b = rng.standard_normal(shape[1]).astype(dtype)
        expected = z + b
        bias_add(z, b)
        assert_array_equal(z, expected)


def test_step_kernels_check_their_arrays():
    # The per-batch kernels read raw buffers: anything they cannot read as
    # such is refused with a clear error instead of being misread.
    from sklearn_sigcore._mlp_fast import (adam_block, adam_step, bias_add, gain_gradients,
                                           sigmoid_backward)

    z = np.zeros((4, 3))
    b = np.zeros(3)
    with pytest.raises(TypeError, match="b must be float64 in native byte order, got <f4"):
        bias_add(z, b.astype(np.float32))
    with pytest.raises(TypeError, match="native byte order, got >f8"):
        bias_add(z, b.astype(">f8"))
    with pytest.raises(TypeError, match="float32 or float64, got int64"):
        bias_add(z.astype(np.int64), b)
    with pytest.raises(TypeError, match="numpy array, got list"):
        bias_add(z, [0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="C-contiguous and aligned"):
        bias_add(np.zeros((3, 4)).T, np.zeros(4).astype(np.float64)[:3])
    with pytest.raises(ValueError, match="2-dimensional"):
        bias_add(z.ravel(), b)
    with pytest.raises(ValueError, match="one entry per column"):
        bias_add(z, np.zeros(4))
    frozen = z.copy()
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        bias_add(frozen, b)
    with pytest.raises(ValueError, match="differ in shape"):
        sigmoid_backward(z, np.zeros((4, 2)), 1.0)
    p, g, m, v = (np.zeros(6) for _ in range(4))
    with pytest.raises(ValueError, match="differ in length"):
        adam_step(p, g, m, np.zeros(5), 1e-3, 0.9, 0.999, 1e-8)
    with pytest.raises(ValueError, match="no rows of 4"):
        adam_block(p, g, m, v, 4, 1e-3, 0.9, 0.999, 1e-8, 0.0, np.zeros(4))
    assert_array_equal(p, 0)      # nothing was written
    cols, theta = np.zeros(5), np.zeros(2)
    with pytest.raises(ValueError, match="need one per unit"):
        gain_gradients(cols, cols, cols, theta, np.zeros(2), 23.0)
    with pytest.raises(ValueError, match="ends must rise to the 5 units"):
        gain_gradients(cols, cols, cols, theta, np.zeros(2), 23.0, np.array([3, 4]))
    with pytest.raises(ValueError, match="ends must rise"):
        gain_gradients(cols, cols, cols, theta, np.zeros(2), 23.0, np.array([3, 2]))
    with pytest.raises(TypeError, match="ends must be"):
        gain_gradients(cols, cols, cols, theta, np.zeros(2), 23.0, np.array([3.0, 5.0]))


def _unaligned(X):
    buf = np.empty(X.nbytes + 1, dtype=np.uint8)
    out = np.ndarray(X.shape, dtype=X.dtype, buffer=buf[1:])
    out[...] = X
    return out


@pytest.mark.parametrize("layout", [np.asfortranarray, _unaligned])
def test_other_memory_layouts_train_the_same_network(digits_split, layout):
    # Aligned C-ordered X takes the prefetching row copy, any other layout
    # (F order; unaligned, as a dask chunk may be) np.take.
    X_train, _, y_train, _ = digits_split
    assert X_train.flags.c_contiguous
    X_other = layout(X_train)
    assert not (X_other.flags.c_contiguous and X_other.flags.aligned)
    kw = dict(hidden_layer_sizes=(16,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        c = SigCoreMLPClassifier(**kw).fit(np.ascontiguousarray(X_train), y_train)
        f = SigCoreMLPClassifier(**kw).fit(X_other, y_train)
    for a, b in zip(c.coefs_, f.coefs_):
        assert_array_equal(a, b)


@pytest.mark.parametrize("name", ["sigmoid_backward", "tanh_backward"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_backward_sums_the_columns_as_numpy(name, dtype):
    # The pass that scales delta also gives the layer's intercept gradient.
    from sklearn_sigcore import _mlp_fast

    kernel = getattr(_mlp_fast, name)
    rng = np.random.default_rng(0)
    h = rng.uniform(-1, 1, (23, 9)).astype(dtype)
    delta = rng.standard_normal((23, 9)).astype(dtype)
    plain = delta.copy()
    kernel(h, plain, 1.5)
    sums = np.full(9, np.nan, dtype=dtype)
    kernel(h, delta, 1.5, sums)
    assert_array_equal(delta, plain)
    assert_array_equal(sums, plain.sum(axis=0))
    with pytest.raises(ValueError, match="colsum"):
        kernel(h, delta, 1.5, np.empty(8, dtype=dtype))
    with pytest.raises(ValueError, match="shape"):
        kernel(h, delta[:5], 1.5)


def test_input_rms_of_huge_entries():
    # the squares of entries beyond 1e154 overflowed: the first layer was
    # then left undivided (an RMS of 1.0)
    from sklearn_sigcore._network import input_rms

    X = np.random.default_rng(0).standard_normal((50, 4))
    for scale in (1e-160, 1e160, 1e300):
        assert input_rms(X * scale) == pytest.approx(scale * input_rms(X), rel=1e-12)
        assert input_rms(sp.csr_matrix(X * scale)) == pytest.approx(scale * input_rms(X),
                                                                    rel=1e-12)


@pytest.mark.parametrize("params", [dict(solver="adam", max_iter=2),
                                    dict(solver="lbfgs", max_iter=2),
                                    dict(solver="lbfgs", max_fun=3)], ids=str)
def test_convergence_warning_starts_as_scikit_learn(params):
    # filters written for scikit-learn's message ("lbfgs failed to converge",
    # "Stochastic Optimizer: Maximum iterations") catch ours too
    X, y = load_iris(return_X_y=True)

    def message(estimator):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            estimator.fit(X, y)
        [msg] = [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]
        return msg

    expected = message(MLPClassifier((8,), random_state=0, **params))
    got = message(SigCoreMLPClassifier((8,), alpha=1.0, random_state=0, **params))
    # up to the iteration count (scipy counts max_fun's evaluations apart)
    # and lbfgs's status line (worded differently before scikit-learn 1.8)
    lead = re.split(r" after \d| \(status", expected)[0]
    assert "converge" in lead and got.startswith(lead)


@pytest.mark.parametrize("y", [
    np.array(["b", "a", "b", "a"]),                       # binary, string labels
    np.array([3, 1, 2, 1, 3]),                            # multiclass
    np.array([[1, 0, 1], [0, 1, 1], [0, 0, 0]]),          # multilabel
    np.array([7, 7, 7]),                                  # a single class
], ids=["binary", "multiclass", "multilabel", "one class"])
def test_predicted_labels_are_the_label_binarizers(y):
    # predict's direct label rule must give LabelBinarizer.inverse_transform's
    # labels and dtype, ties, zeros and NaN scores included
    from sklearn.preprocessing import LabelBinarizer

    from sklearn_sigcore._mlp_classifier import _predicted_labels

    lb = LabelBinarizer().fit(y)
    width = 1 if lb.y_type_ == "binary" else len(lb.classes_)
    rng = np.random.default_rng(0)
    z = rng.standard_normal((60, width))
    z[:5] = 0.0
    z[5:10, 0] = np.nan
    z[10:15] = 1.5          # ties across classes
    for scores in (z, z.ravel() if width == 1 else z, z.astype(np.float32)):
        got = _predicted_labels(lb, scores)
        expected = lb.inverse_transform(scores, threshold=0.0)
        assert got.dtype == expected.dtype
        assert_array_equal(got, expected)
