"""Gains learned with the weights (learn_alpha): gradients, solvers, attributes, continuation."""

import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit, logsumexp, xlogy
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from _helpers import numerical_gradient
from sklearn_sigcore import SigCoreMLPClassifier, SigCoreMLPRegressor
from sklearn_sigcore._activations import ACTIVATIONS, activation_value
from sklearn_sigcore._heads import LogLossHead, MultinomialHead, regression_head
from sklearn_sigcore._network import Layout, Network, glorot_init
from sklearn_sigcore._optimizers import AdamOptimizer, SGDOptimizer


@pytest.fixture(scope="module")
def digits_split():
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    return train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)


def quiet(fit, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fit(*args, **kwargs)


# --------------------------------------------------------------------------
# d loss / d theta (alpha = exp(theta)) against finite differences
# --------------------------------------------------------------------------
HEADS = {
    "binary": (1, lambda n: LogLossHead(n)),
    "multiclass": (4, lambda n: MultinomialHead(n)),
    "multilabel": (3, lambda n: LogLossHead(n)),
    "squared": (2, lambda n: regression_head("squared_error", "identity", n)),
    "sigmoid-out": (2, lambda n: regression_head("squared_error", "sigmoid", n)),
    "poisson": (2, lambda n: regression_head("poisson", "identity", n)),
}


def reference_objective(params, layout, activation, X, Y, target, s, l2):
    """The weighted loss + L2 of a network with gains exp(theta), from scratch."""
    coefs, intercepts = layout.views(params)
    h = X
    for i, (W, b) in enumerate(zip(coefs, intercepts)):
        z = h @ W + b
        if i < len(coefs) - 1:
            alpha = np.exp(params[layout.gain_slices[i]])    # 1 value or one per unit
            h = activation_value(activation, alpha * z)
        else:
            h = z
    if target == "multiclass":
        per_sample = logsumexp(h, axis=1) - h[np.arange(len(h)), Y.argmax(axis=1)]
    elif target in ("binary", "multilabel"):
        per_sample = (np.logaddexp(0, h) - Y * h).sum(axis=1)
    elif target == "sigmoid-out":
        per_sample = 0.5 * ((expit(h) - Y) ** 2).sum(axis=1)
    elif target == "poisson":
        per_sample = (xlogy(Y, Y) - Y * h - Y + np.exp(h)).sum(axis=1)
    else:
        per_sample = 0.5 * ((h - Y) ** 2).sum(axis=1)
    penalty = sum(float((W ** 2).sum()) for W in coefs)
    return float(s @ per_sample) / s.sum() + 0.5 * l2 / s.sum() * penalty


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("learn", ["layer", "unit"])
@pytest.mark.parametrize("target", sorted(HEADS))
def test_gain_gradients_match_finite_differences(activation, learn, target):
    rng = np.random.RandomState(1)
    n, n_features, hidden = 9, 4, [5, 3]
    n_out, make_head = HEADS[target]
    X = rng.standard_normal((n, n_features))
    if target == "multiclass":
        Y = np.eye(n_out)[rng.randint(0, n_out, n)]
        target_arr = Y.argmax(axis=1).astype(float)
    elif target == "poisson":
        Y = rng.poisson(2.0, (n, n_out)).astype(float)
        target_arr = Y
    else:
        Y = (rng.rand(n, n_out) > 0.5).astype(float) if target in ("binary", "multilabel") \
            else rng.uniform(0, 1, (n, n_out))
        target_arr = Y
    s = rng.uniform(0.2, 3.0, n)            # sample weights
    l2 = 0.3
    layout = Layout([n_features] + hidden + [n_out], learn)
    params = rng.standard_normal(layout.size) * 0.7
    for sl in layout.gain_slices:           # gains between about 0.3 and 3
        params[sl] = rng.uniform(-1.2, 1.2, sl.stop - sl.start)
    head = make_head(n_out)
    net = Network(layout, params.copy(), [1.0, 1.0], activation, head, 1)
    w = s / s.sum()
    loss = net.loss_grad(X, np.ascontiguousarray(target_arr), w, l2 / s.sum(),
                         net.buffers(n), head.tile(w))

    def f(p):
        return reference_objective(p, layout, activation, X, Y, target, s, l2)

    assert loss == pytest.approx(f(params), rel=1e-10)
    assert_allclose(net.grad, numerical_gradient(f, params), rtol=1e-5, atol=1e-7)
    theta_grad = np.concatenate([net.grad[sl] for sl in layout.gain_slices])
    assert np.any(np.abs(theta_grad) > 1e-4)     # the gains do get a gradient


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_unit_gains_clip_at_the_limit_and_stay_flat_there(dtype):
    # theta beyond +-LOG_GAIN_LIMIT: the unit uses the clipped gain exp(+-limit)
    # and gets no gain gradient; the others are exp(theta), as NumPy computes it
    from sklearn_sigcore._network import LOG_GAIN_LIMIT

    rng = np.random.RandomState(3)
    X, y = rng.standard_normal((10, 4)).astype(dtype), rng.randint(0, 3, 10).astype(dtype)
    layout = Layout([4, 5, 3, 3], "unit")
    params = (rng.standard_normal(layout.size) * 0.5).astype(dtype)
    first, second = layout.gain_slices
    params[first.start] = 30.0          # clipped to the upper limit
    params[first.start + 1] = -30.0     # and to the lower one: gain 1e-10, σ' > 0
    params[second.start + 1] = -25.0
    net = Network(layout, params.copy(), [1.0, 1.0], "sigmoid", MultinomialHead(3), 1)
    theta = params[first.start:].astype(np.float64)
    expected = np.exp(np.clip(theta, -LOG_GAIN_LIMIT, LOG_GAIN_LIMIT))
    gains = net.hidden_gains()
    assert_allclose(np.concatenate(gains), expected, rtol=1e-15)
    assert gains[0][0] == pytest.approx(np.exp(LOG_GAIN_LIMIT), rel=1e-15)
    assert gains[0][1] == pytest.approx(np.exp(-LOG_GAIN_LIMIT), rel=1e-15)
    # the hidden layer computes sigma(g (z + b)) with those gains
    coefs, intercepts = layout.views(params.astype(np.float64))
    h1 = expit(gains[0] * (X.astype(np.float64) @ coefs[0] + intercepts[0]))
    acts = net.forward(X, [np.empty((10, u), dtype) for u in (5, 3, 3)])
    assert_allclose(acts[0], h1, rtol=1e-6 if dtype == np.float32 else 1e-14, atol=1e-7)
    w = np.full(10, 0.1, dtype=dtype)
    net.loss_grad(X, y, w, 0.0, net.buffers(10))
    # the units at the lower limit are not saturated: only the clipping
    # makes their gain gradient zero (the unit at the upper one saturates)
    clipped = [first.start, first.start + 1, second.start + 1]
    assert all(net.grad[i] == 0 for i in clipped)
    assert np.count_nonzero(net.grad[first.start:]) == layout.size - first.start - 3
    theta_unclipped = params.astype(np.float64)
    theta_unclipped[first.start + 1] = -LOG_GAIN_LIMIT
    free = Network(layout, theta_unclipped.astype(dtype), [1.0, 1.0], "sigmoid",
                   MultinomialHead(3), 1)
    free.loss_grad(X, y, w, 0.0, free.buffers(10))
    assert free.grad[first.start + 1] != 0      # at the limit itself, not clipped
    # a start beyond the range (alpha=1e-12 or 1e12) is packed on the limit,
    # where the gain still learns, not beyond it, where it would be frozen
    packed = layout.pack(layout.views(params)[0], layout.views(params)[1], dtype,
                         [np.full(5, 1e-12), np.full(3, 1e12)])
    assert_array_equal(packed[first], -LOG_GAIN_LIMIT)
    assert_array_equal(packed[second], LOG_GAIN_LIMIT)


def test_layer_gains_with_fixed_values_are_the_fixed_network():
    # learn_alpha='layer' at theta = log(alpha) computes the fixed network's loss
    rng = np.random.RandomState(2)
    X, y = rng.standard_normal((12, 5)), rng.randint(0, 3, 12).astype(float)
    fixed = Layout([5, 6, 3])
    learned = Layout([5, 6, 3], "layer")
    p = rng.standard_normal(fixed.size)
    coefs, intercepts = fixed.views(p)
    w = np.full(12, 1 / 12)
    a = Network(fixed, p.copy(), [2.5], "sigmoid", MultinomialHead(3), 1)
    b = Network(learned, learned.pack(coefs, intercepts, np.float64, [2.5]), [1.0],
                "sigmoid", MultinomialHead(3), 1)
    la = a.loss_grad(X, y, w, 0.0, a.buffers(12))
    lb = b.loss_grad(X, y, w, 0.0, b.buffers(12))
    assert la == pytest.approx(lb, rel=1e-14)
    assert_allclose(b.grad[:fixed.size], a.grad, rtol=1e-12)


# --------------------------------------------------------------------------
# Estimators
# --------------------------------------------------------------------------
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
@pytest.mark.parametrize("learn", ["layer", "unit"])
def test_every_solver_learns_the_gains(digits_split, solver, learn):
    X_train, X_test, y_train, y_test = digits_split
    kw = dict(hidden_layer_sizes=(32, 16), alpha=1.0, random_state=0,
              max_iter=100 if solver == "lbfgs" else 30,
              solver=solver, learning_rate_init=0.1 if solver == "sgd" else 0.01)
    fixed = quiet(SigCoreMLPClassifier(**kw).fit, X_train, y_train)
    learned = quiet(SigCoreMLPClassifier(**kw, learn_alpha=learn).fit, X_train, y_train)
    assert learned.alphas_.shape == (2,)
    assert not np.allclose(learned.alphas_, 1.0)
    assert_array_equal(fixed.alphas_, [1.0, 1.0])
    assert learned.alpha_curve_.shape == (learned.n_iter_, 2)
    assert_allclose(learned.alpha_curve_[-1], learned.alphas_, rtol=1e-12)
    assert_array_equal(fixed.alpha_curve_, np.full((fixed.n_iter_, 2), 1.0))
    if solver == "lbfgs":       # a different problem for L-BFGS: compare with its start
        assert learned.loss_ < 0.5 * learned.loss_curve_[0]
    else:
        assert learned.loss_ < fixed.loss_
    if learn == "unit":
        assert [g.shape for g in learned.unit_alphas_] == [(32,), (16,)]
        assert_allclose(learned.alphas_, [np.exp(np.log(g).mean())
                                          for g in learned.unit_alphas_])
    else:
        assert not hasattr(learned, "unit_alphas_")
    assert learned.get_params()["alpha"] == 1.0     # what the user passed
    assert learned.score(X_test, y_test) > 0.8


@pytest.mark.parametrize("seed", range(3))
def test_learned_gains_help_where_fixed_gains_hurt(digits_split, seed):
    # issue 10's goal: from alpha = 0.05 (near-linear, vanishing units) the learned
    # gain reaches a lower training loss than the same fixed gain
    X_train, _, y_train, _ = digits_split
    kw = dict(hidden_layer_sizes=(64,), alpha=0.05, max_iter=100, random_state=seed)
    fixed = quiet(SigCoreMLPClassifier(**kw).fit, X_train, y_train)
    learned = quiet(SigCoreMLPClassifier(**kw, learn_alpha="layer").fit, X_train, y_train)
    assert learned.loss_ < fixed.loss_
    assert learned.alphas_[0] > 0.05


def test_partial_fit_continues_from_the_learned_gains(digits_split):
    X_train, _, y_train, _ = digits_split
    kw = dict(hidden_layer_sizes=(16,), learn_alpha="unit", alpha=0.5, random_state=0,
              shuffle=False)
    fit = quiet(SigCoreMLPClassifier(max_iter=3, **kw).fit, X_train, y_train)
    part = SigCoreMLPClassifier(**kw)
    for _ in range(3):
        part.partial_fit(X_train, y_train, classes=np.arange(10))
    for a, b in zip(part.unit_alphas_, fit.unit_alphas_):
        assert_allclose(a, b, rtol=1e-12)
    assert_allclose(part.alpha_curve_, fit.alpha_curve_, rtol=1e-12)
    assert_allclose(part.coefs_[0], fit.coefs_[0], rtol=1e-12)
    # after a pickle round trip the next epoch is the same too
    again = pickle.loads(pickle.dumps(part))
    part.partial_fit(X_train, y_train)
    again.partial_fit(X_train, y_train)
    assert_array_equal(again.unit_alphas_[0], part.unit_alphas_[0])


def test_warm_start_continues_from_the_learned_gains(digits_split):
    X_train, _, y_train, _ = digits_split
    reg = SigCoreMLPRegressor((8,), alpha=0.2, learn_alpha="layer", max_iter=20,
                              learning_rate_init=0.02, random_state=0)
    y = (y_train - y_train.mean()) / y_train.std()
    quiet(reg.fit, X_train, y)
    learned = reg.alphas_[0]
    assert abs(np.log(learned / 0.2)) > 0.1
    quiet(reg.set_params(warm_start=True, max_iter=1).fit, X_train, y)
    step = abs(np.log(reg.alphas_[0] / learned))                # one epoch on
    assert step < 0.5 * abs(np.log(learned / 0.2))               # not back at 0.2
    assert reg.alpha_curve_.shape == (21, 1)
    # switching learn_alpha off keeps the network, with the gains of `alpha`
    quiet(reg.set_params(learn_alpha=False).fit, X_train, y)
    assert_array_equal(reg.alphas_, [0.2])


@pytest.mark.parametrize("then", ["layer", False])
def test_unit_gains_continued_per_layer_keep_the_network(then):
    # one gain per layer (the units' geometric mean) continues the per-unit
    # gains: each unit's ratio to it moves into its weights and intercept
    X, y = load_digits(n_class=3, return_X_y=True)
    X = StandardScaler().fit_transform(X)
    model = quiet(SigCoreMLPClassifier((8,), alpha="auto", learn_alpha="unit", solver="lbfgs",
                                       max_iter=100, random_state=0, warm_start=True).fit,
                  X, y)
    assert np.ptp(np.log(model.unit_alphas_[0])) > 0.3     # the units differ
    before = model.predict_proba(X)
    geometric_mean = np.exp(np.mean(np.log(model.unit_alphas_[0])))
    # a step too small to move any weight
    model.set_params(learn_alpha=then, solver="sgd", momentum=0.0,
                     learning_rate_init=1e-300, max_iter=1)
    quiet(model.fit, X, y)
    assert_allclose(model.alphas_, [geometric_mean], rtol=1e-12)
    assert not hasattr(model, "unit_alphas_")
    assert_allclose(model.predict_proba(X), before, rtol=0, atol=1e-10)


def test_float32_learned_gains(digits_split):
    X_train, _, y_train, _ = digits_split
    kw = dict(hidden_layer_sizes=(16,), learn_alpha="layer", alpha=0.5, max_iter=5,
              random_state=0)
    c64 = quiet(SigCoreMLPClassifier(**kw).fit, X_train, y_train)
    c32 = quiet(SigCoreMLPClassifier(**kw).fit, X_train.astype(np.float32), y_train)
    assert c32.coefs_[0].dtype == np.float32
    assert_allclose(c32.alphas_, c64.alphas_, rtol=1e-3)


def test_diagnostics_display_plots_the_gains(digits_split):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from sklearn_sigcore.plotting import TrainingDiagnosticsDisplay

    X_train, _, y_train, _ = digits_split
    clf = quiet(SigCoreMLPClassifier((8, 8), learn_alpha="layer", max_iter=4,
                                     random_state=0).fit, X_train, y_train)
    display = TrainingDiagnosticsDisplay.from_estimator(clf)
    assert len(display.ax_) == 4
    lines = display.ax_[3].get_lines()
    assert len(lines) == 2
    assert_allclose(lines[0].get_ydata(), clf.alpha_curve_[:, 0])
    fixed = quiet(SigCoreMLPClassifier((8,), max_iter=2, random_state=0).fit,
                  X_train, y_train)
    assert len(TrainingDiagnosticsDisplay.from_estimator(fixed).ax_) == 3
    matplotlib.pyplot.close("all")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_per_unit_sigmoid_kernels(dtype):
    # learn_alpha='unit' runs sigma(g_j (z + b_j)) and its derivative in one pass
    # each; column j is the kernels' sigmoid at alpha = g_j, bit for bit.
    from sklearn_sigcore import kernels
    from sklearn_sigcore._mlp_fast import bias_sigmoid_cols, sigmoid_backward_cols

    rng = np.random.default_rng(0)
    z = (rng.standard_normal((23, 7)) * 6).astype(dtype)
    b = rng.standard_normal(7).astype(dtype)
    gains = np.exp(rng.uniform(-3, 3, 7))
    gains[0] = 1e-10
    out = z.copy()
    bias_sigmoid_cols(out, b, gains)
    for j in range(7):
        assert_array_equal(out[:, j], kernels.sigmoid(z[:, j] + b[j], gains[j]))
    d = rng.standard_normal((23, 7)).astype(dtype)
    g = gains.astype(dtype)
    h = out.astype(np.float64)       # h - h^2 cancels near 1: an absolute bound
    expected = d * g.astype(np.float64) * (h - h * h)
    scale = float(np.max(np.abs(d) * g))
    sums = np.full(7, np.nan, dtype=dtype)
    d_plain = d.copy()
    sigmoid_backward_cols(out, d, g, sums)      # with the intercept gradient
    sigmoid_backward_cols(out, d_plain, g)
    eps = np.finfo(dtype).eps
    assert_allclose(d, expected, rtol=4 * eps, atol=4 * eps * scale)
    assert_array_equal(d_plain, d)
    assert_allclose(sums, d.astype(np.float64).sum(axis=0), rtol=0, atol=30 * eps * scale)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gain_gradients_kernel(dtype):
    # d L / d theta = sum(W * G) + b * gb per unit, summed per layer for
    # 'layer'; zero where theta is clipped
    from sklearn_sigcore._mlp_fast import gain_gradients
    from sklearn_sigcore._network import LOG_GAIN_LIMIT

    rng = np.random.default_rng(1)
    cols, b, gb = (rng.standard_normal(9).astype(dtype) for _ in range(3))
    per_unit = cols.astype(np.float64) + b.astype(np.float64) * gb
    theta = rng.standard_normal(9).astype(dtype)
    theta[4] = LOG_GAIN_LIMIT + 1
    theta[7] = -LOG_GAIN_LIMIT - 1
    out = np.full(9, np.nan, dtype=dtype)
    gain_gradients(cols, b, gb, theta, out, LOG_GAIN_LIMIT)
    expected = np.where(np.abs(theta) > LOG_GAIN_LIMIT, 0, per_unit)
    tol = 4 * np.finfo(dtype).eps
    assert_allclose(out, expected, rtol=tol, atol=tol)
    layer_theta = np.array([0.5, LOG_GAIN_LIMIT + 1, -2.0], dtype=dtype)
    out = np.full(3, np.nan, dtype=dtype)
    gain_gradients(cols, b, gb, layer_theta, out, LOG_GAIN_LIMIT, np.array([4, 6, 9]))
    expected = [per_unit[:4].sum(), 0, per_unit[6:].sum()]
    assert_allclose(out, expected, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("learn", [None, "layer", "unit"])
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("optimizer", [AdamOptimizer, SGDOptimizer])
def test_fused_optimizer_step_is_gradient_then_step(dtype, learn, activation, optimizer):
    # loss_grad(..., optimizer=) steps each layer as its gradient is formed
    # (with the L2 term and the gains' gradient summed in the same pass): it
    # must equal the whole gradient first, then one step on the whole vector
    rng = np.random.default_rng(0)
    layout = Layout([7, 6, 5, 3], learn)
    p0 = glorot_init(layout, activation, np.random.RandomState(0), dtype, [1.3, 0.7])
    X = rng.standard_normal((20, 7)).astype(dtype)
    y = rng.integers(0, 3, 20).astype(dtype)
    w = np.full(20, 1 / 20, dtype=dtype)
    reference = Network(layout, p0.copy(), [1.3, 0.7], activation, MultinomialHead(3), 1)
    loss_ref = reference.loss_grad(X, y, w, 0.3, reference.buffers(20))
    step = optimizer(layout.size, dtype, 0.01)
    step.begin_step()
    step.step_slice(reference.params, reference.grad, slice(0, layout.size), 0.0)
    fused = Network(layout, p0.copy(), [1.3, 0.7], activation, MultinomialHead(3), 1)
    loss = fused.loss_grad(X, y, w, 0.3, fused.buffers(20),
                           optimizer=optimizer(layout.size, dtype, 0.01))
    tol = 1e-12 if dtype == np.float64 else 2e-5
    assert_allclose(loss, loss_ref, rtol=tol)
    assert_allclose(fused.params, reference.params, rtol=tol, atol=tol)
    assert not np.array_equal(fused.params, p0)   # a step was taken
