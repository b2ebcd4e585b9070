"""SigCoreMLPRegressor: parity with scikit-learn, losses, targets, dtypes, bad input."""

import inspect
import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit, xlogy
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import StandardScaler

from _helpers import numerical_gradient
from sklearn_sigcore import SigCoreMLPRegressor
from sklearn_sigcore._activations import ACTIVATIONS, activation_value
from sklearn_sigcore._heads import regression_head
from sklearn_sigcore._network import Layout, Network

SKLEARN_HAS_LOSS = "loss" in inspect.signature(MLPRegressor).parameters
SKLEARN_HAS_SAMPLE_WEIGHT = "sample_weight" in inspect.signature(MLPRegressor.fit).parameters


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return StandardScaler().fit_transform(X), (y - y.mean()) / y.std()


def quiet_fit(model, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(*args, **kwargs)


def assert_same_network(ours, theirs, X):
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        assert_allclose(a, b, rtol=1e-7, atol=1e-9)
    assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-9, atol=1e-9)
    assert ours.n_iter_ == theirs.n_iter_


# --------------------------------------------------------------------------
# alpha = 1, 'sigmoid' is scikit-learn's MLPRegressor(activation='logistic')
# --------------------------------------------------------------------------
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
@pytest.mark.parametrize("shuffle", [True, False])
def test_alpha_one_reproduces_sklearn_logistic_mlp(diabetes, solver, shuffle):
    X, y = diabetes
    kw = dict(hidden_layer_sizes=(16, 8), solver=solver, max_iter=25, random_state=3,
              shuffle=shuffle, batch_size=64, learning_rate_init=0.01)
    ours = quiet_fit(SigCoreMLPRegressor(alpha=1.0, l2=1e-3, **kw), X, y)
    theirs = quiet_fit(MLPRegressor(activation="logistic", alpha=1e-3, **kw), X, y)
    assert_same_network(ours, theirs, X)
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-8)
    if solver != "lbfgs":
        assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-8)
    assert ours.out_activation_ == theirs.out_activation_ == "identity"


def test_parity_with_early_stopping(diabetes):
    X, y = diabetes
    kw = dict(hidden_layer_sizes=(16,), max_iter=200, random_state=0, early_stopping=True,
              learning_rate_init=0.01)
    ours = quiet_fit(SigCoreMLPRegressor(**kw), X, y)
    theirs = quiet_fit(MLPRegressor(activation="logistic", **kw), X, y)
    assert_same_network(ours, theirs, X)
    assert_allclose(ours.validation_scores_, theirs.validation_scores_, rtol=1e-9)
    assert ours.best_validation_score_ == pytest.approx(theirs.best_validation_score_)


def test_parity_multi_output(diabetes):
    # scikit-learn reports the mean over outputs of the half squared error but
    # steps on its sum; we report the sum: the same training, loss_ x n_outputs.
    X, y = diabetes
    Y = np.column_stack([y, np.sin(y), -y])
    kw = dict(hidden_layer_sizes=(8,), max_iter=20, random_state=0, l2=0.0)
    ours = quiet_fit(SigCoreMLPRegressor(**kw), X, Y)
    theirs = quiet_fit(MLPRegressor(activation="logistic", alpha=0.0,
                                    **{k: v for k, v in kw.items() if k != "l2"}), X, Y)
    assert_same_network(ours, theirs, X)
    assert ours.loss_ == pytest.approx(3 * theirs.loss_, rel=1e-8)
    assert ours.predict(X).shape == (len(X), 3)


@pytest.mark.skipif(not SKLEARN_HAS_SAMPLE_WEIGHT, reason="MLPRegressor without sample_weight")
def test_parity_with_sample_weights(diabetes):
    X, y = diabetes
    sw = np.random.RandomState(0).uniform(0, 3, len(y))
    kw = dict(hidden_layer_sizes=(8,), max_iter=20, random_state=0)
    ours = quiet_fit(SigCoreMLPRegressor(**kw), X, y, sample_weight=sw)
    theirs = quiet_fit(MLPRegressor(activation="logistic", **kw), X, y, sample_weight=sw)
    assert_same_network(ours, theirs, X)


@pytest.mark.skipif(not SKLEARN_HAS_LOSS, reason="MLPRegressor without loss='poisson'")
def test_poisson_matches_sklearn(diabetes):
    X, y = diabetes
    counts = np.round(np.exp(0.5 * y))
    kw = dict(hidden_layer_sizes=(8,), max_iter=20, random_state=0, loss="poisson")
    ours = quiet_fit(SigCoreMLPRegressor(**kw), X, counts)
    theirs = quiet_fit(MLPRegressor(activation="logistic", **kw), X, counts)
    assert ours.out_activation_ == theirs.out_activation_ == "exp"
    assert_same_network(ours, theirs, X)
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-8)


# --------------------------------------------------------------------------
# The heads' loss and gradient against finite differences
# --------------------------------------------------------------------------
def reference_objective(params, layout, alphas, activation, X, Y, head, s, l2):
    """sum_i s_i loss_i / S + l2 / (2 S) sum ||W||^2, written from scratch."""
    coefs, intercepts = layout.views(params)
    h = X
    for i, (W, b) in enumerate(zip(coefs, intercepts)):
        z = h @ W + b
        h = activation_value(activation, alphas[i] * z) if i < len(coefs) - 1 else z
    if head == "sigmoid":
        per_sample = 0.5 * ((expit(h) - Y) ** 2).sum(axis=1)
    elif head == "poisson":
        per_sample = (xlogy(Y, Y / np.exp(h)) - Y + np.exp(h)).sum(axis=1)
    else:
        per_sample = 0.5 * ((h - Y) ** 2).sum(axis=1)
    penalty = sum(float((W ** 2).sum()) for W in coefs)
    return float(s @ per_sample) / s.sum() + 0.5 * l2 / s.sum() * penalty


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("head", ["identity", "sigmoid", "poisson"])
@pytest.mark.parametrize("n_out", [1, 3])
def test_gradient_matches_finite_differences(activation, head, n_out):
    rng = np.random.RandomState(0)
    n, n_features, hidden, alphas = 9, 4, [5, 3], [0.7, 2.5]
    X = rng.standard_normal((n, n_features))
    Y = rng.uniform(0, 1, (n, n_out)) if head != "poisson" else rng.poisson(2, (n, n_out))
    Y = Y.astype(float)
    s = rng.uniform(0.2, 3.0, n)
    l2 = 0.3
    layout = Layout([n_features] + hidden + [n_out])
    params = rng.standard_normal(layout.size) * 0.7
    out = "sigmoid" if head == "sigmoid" else "identity"
    net = Network(layout, params.copy(), alphas, activation,
                  regression_head("poisson" if head == "poisson" else "squared_error", out,
                                  n_out), 1)
    w = s / s.sum()
    loss = net.loss_grad(X, np.ascontiguousarray(Y), w, l2 / s.sum(), net.buffers(n))

    def f(p):
        return reference_objective(p, layout, alphas, activation, X, Y, head, s, l2)

    assert loss == pytest.approx(f(params), rel=1e-10)
    assert_allclose(net.grad, numerical_gradient(f, params), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("n_out", [1, 3])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_squared_error_pass_is_the_numpy_formula(dtype, n_out):
    # The identity head's fused pass: delta = w (z - t), per-sample half
    # squared errors in the data's dtype (the loss lbfgs' line search reads).
    from sklearn_sigcore._mlp_fast import squared_error_gradient

    rng = np.random.default_rng(0)
    z, t = (rng.standard_normal((11, n_out)).astype(dtype) for _ in range(2))
    w = rng.uniform(0, 1, 11).astype(dtype)
    delta = np.full_like(z, np.nan)
    per_sample = np.full(11, np.nan, dtype=dtype)
    squared_error_gradient(z, t, w, delta, per_sample)
    assert_array_equal(delta, (z - t) * w[:, None])
    r = z - t
    expected = 0.5 * np.einsum("ij,ij->i", r, r)
    if n_out == 1:
        assert_array_equal(per_sample, expected)
    else:
        assert_allclose(per_sample, expected, rtol=4 * np.finfo(dtype).eps)
    with pytest.raises(ValueError, match="shape"):
        squared_error_gradient(z, t[:5], w, delta, per_sample)


# --------------------------------------------------------------------------
# Behaviour
# --------------------------------------------------------------------------
def test_designs_worked_example_sigmoid_targets():
    # targets sigma(3x) at 50 points in [-5, 5]: one hidden unit with a learned
    # gain and a sigmoid output fit them (near-linear hidden unit, large output weight)
    x = np.linspace(-5, 5, 50).reshape(-1, 1)
    y = expit(3 * x.ravel())
    reg = quiet_fit(SigCoreMLPRegressor((1,), out_activation="sigmoid", learn_alpha="layer",
                                        l2=0.0, solver="lbfgs", max_iter=2000, tol=1e-12,
                                        random_state=0), x, y)
    assert reg.out_activation_ == "logistic"
    pred = reg.predict(x)
    assert np.all((pred >= 0) & (pred <= 1))
    assert np.max(np.abs(pred - y)) < 0.01
    assert reg.alpha_curve_.shape == (reg.n_iter_, 1)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_float32_is_kept(diabetes, solver):
    X, y = diabetes
    reg = quiet_fit(SigCoreMLPRegressor((8,), solver=solver, max_iter=10, random_state=0),
                    X.astype(np.float32), y.astype(np.float32))
    assert all(c.dtype == np.float32 for c in reg.coefs_ + reg.intercepts_)
    assert reg.predict(X.astype(np.float32)).dtype == np.float32
    # float64 X: float64 predictions from the upcast weights, as scikit-learn's
    h = 1.0 / (1.0 + np.exp(-(X @ reg.coefs_[0].astype(np.float64)
                              + reg.intercepts_[0].astype(np.float64))))
    expected = (h @ reg.coefs_[1].astype(np.float64)).ravel() + float(reg.intercepts_[1][0])
    assert reg.predict(X).dtype == np.float64
    assert_allclose(reg.predict(X), expected, rtol=1e-12)
    ref = quiet_fit(SigCoreMLPRegressor((8,), solver=solver, max_iter=10, random_state=0),
                    X, y)
    if solver == "adam":
        assert_allclose(reg.predict(X), ref.predict(X), atol=1e-3)


def test_sparse_matches_dense(diabetes):
    X, y = diabetes
    X = np.where(np.abs(X) < 0.5, 0.0, X)
    kw = dict(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    dense = quiet_fit(SigCoreMLPRegressor(**kw), X, y)
    sparse = quiet_fit(SigCoreMLPRegressor(**kw), sp.csr_matrix(X), y)
    assert_allclose(sparse.predict(sp.csc_matrix(X)), dense.predict(X), rtol=1e-10)


def _unaligned(a):
    buf = np.empty(a.nbytes + 1, dtype=np.uint8)
    out = np.ndarray(a.shape, dtype=a.dtype, buffer=buf[1:])
    out[...] = a
    return out


@pytest.mark.parametrize("kw", [dict(solver="lbfgs"), dict(shuffle=False)])
def test_unaligned_arrays_train_the_same_network(diabetes, kw):
    # X and y as a dask chunk or a byte buffer may hand them over: unaligned
    X, y = diabetes
    X_u, y_u = _unaligned(X), _unaligned(y)
    assert not (X_u.flags.aligned or y_u.flags.aligned)
    params = dict(hidden_layer_sizes=(8,), max_iter=5, random_state=0, **kw)
    plain = quiet_fit(SigCoreMLPRegressor(**params), X, y)
    unaligned = quiet_fit(SigCoreMLPRegressor(**params), X_u, y_u)
    for a, b in zip(plain.coefs_, unaligned.coefs_):
        assert_array_equal(a, b)


def test_partial_fit_equals_fit_epochs(diabetes):
    X, y = diabetes
    kw = dict(hidden_layer_sizes=(8,), random_state=0, shuffle=False)
    fit = quiet_fit(SigCoreMLPRegressor(max_iter=3, **kw), X, y)
    part = SigCoreMLPRegressor(**kw)
    for _ in range(3):
        part.partial_fit(X, y)
    assert_allclose(part.predict(X), fit.predict(X), rtol=1e-12)
    assert_allclose(part.loss_curve_, fit.loss_curve_, rtol=1e-12)


@pytest.mark.parametrize("first, then", [(np.float32, np.float64), (np.float64, np.float32)])
@pytest.mark.parametrize("continuation", ["partial_fit", "warm_start"])
def test_network_keeps_the_dtype_of_its_first_fit(diabetes, first, then, continuation):
    # as scikit-learn's MLPs: data of another dtype later neither halves the
    # precision of a float64 network nor doubles a float32 one's
    from sklearn.neural_network import MLPClassifier
    from sklearn_sigcore import SigCoreMLPClassifier
    X, y = diabetes
    labels = (y > np.median(y)).astype(int)
    for ours, theirs, target in ((SigCoreMLPRegressor, MLPRegressor, y),
                                 (SigCoreMLPClassifier, MLPClassifier, labels)):
        models = [ours(hidden_layer_sizes=(4,), max_iter=2, random_state=0,
                       warm_start=continuation == "warm_start"),
                  theirs(hidden_layer_sizes=(4,), max_iter=2, activation="logistic",
                         random_state=0, warm_start=continuation == "warm_start")]
        for model in models:
            for dtype in (first, then):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    if continuation == "partial_fit":
                        model.partial_fit(X.astype(dtype), target, **(
                            {"classes": [0, 1]} if target is labels else {}))
                    else:
                        model.fit(X.astype(dtype), target)
            assert model.coefs_[0].dtype == first, type(model).__name__

def test_lbfgs_warning_names_the_cap_that_stopped_it(diabetes):
    X, y = diabetes
    kw = dict(hidden_layer_sizes=(8,), solver="lbfgs", random_state=0)
    with pytest.warns(ConvergenceWarning, match="within max_fun=5 loss evaluations"):
        model = SigCoreMLPRegressor(max_fun=5, max_iter=500, **kw).fit(X, y)
    assert model.n_iter_ < 500
    with pytest.warns(ConvergenceWarning, match="within max_iter=3 iterations"):
        SigCoreMLPRegressor(max_iter=3, **kw).fit(X, y)


def test_lbfgs_partial_fit_is_scikit_learns(diabetes):
    # MLPRegressor(solver='lbfgs').partial_fit runs lbfgs from the current
    # weights on each call's data; ours raised AttributeError (a user trial)
    X, y = diabetes
    kw = dict(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=20, random_state=0)
    ours = SigCoreMLPRegressor(**kw)
    theirs = MLPRegressor(activation="logistic", **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for start in (0, 200, 0):
            ours.partial_fit(X[start:start + 200], y[start:start + 200])
            theirs.partial_fit(X[start:start + 200], y[start:start + 200])
    assert_same_network(ours, theirs, X)
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-9)
    # scikit-learn ignores early_stopping for lbfgs, here too
    for model in (ours, theirs):
        model.set_params(early_stopping=True).partial_fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_       # 80 lbfgs iterations: rounding drifts
    assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-6, atol=1e-6)


def test_score_is_r2_and_pickle_round_trip(diabetes):
    X, y = diabetes
    reg = quiet_fit(SigCoreMLPRegressor((16,), alpha="auto", max_iter=200,
                                        random_state=0), X, y)
    assert 0.4 < reg.score(X, y) < 1
    again = pickle.loads(pickle.dumps(reg))
    assert_array_equal(again.predict(X), reg.predict(X))


def test_verbose_prints_one_line_per_epoch(diabetes, capsys):
    X, y = diabetes
    reg = quiet_fit(SigCoreMLPRegressor((4,), max_iter=4, verbose=1, early_stopping=True,
                                        random_state=0), X, y)
    out = capsys.readouterr().out.splitlines()
    lines = [line for line in out if line.startswith("Iteration ")]
    assert len(lines) == reg.n_iter_ == 4
    assert len([line for line in out if line.startswith("Validation score: ")]) == 4


# --------------------------------------------------------------------------
# Bad input: clear errors, fitted model unchanged
# --------------------------------------------------------------------------
def _snapshot(model):
    return [c.copy() for c in model.coefs_], model.n_features_in_, model.n_iter_


def _assert_unchanged(model, snapshot):
    coefs, n_features, n_iter = snapshot
    for a, b in zip(model.coefs_, coefs):
        assert_array_equal(a, b)
    assert model.n_features_in_ == n_features and model.n_iter_ == n_iter


def test_sigmoid_output_needs_targets_in_unit_interval(diabetes):
    X, y = diabetes
    reg = quiet_fit(SigCoreMLPRegressor((4,), out_activation="sigmoid", max_iter=3,
                                        random_state=0), X, expit(y))
    snap = _snapshot(reg)
    with pytest.raises(ValueError, match=r"needs targets in \[0, 1\]"):
        reg.fit(X[:, :5], y)
    _assert_unchanged(reg, snap)
    # the offending value in full, not rounded back into range
    just_above = np.full(len(y), 0.5)
    just_above[0] = 1.0000001
    with pytest.raises(ValueError, match=r"\[0.5, 1.0000001\]"):
        reg.fit(X, just_above)


def test_sigmoid_output_takes_min_max_scaled_targets(diabetes):
    # MinMaxScaler's maximum can round to 1 + 2.2e-16: a few ulp are accepted
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.preprocessing import MinMaxScaler

    X, y = diabetes
    scaled = MinMaxScaler().fit_transform(y.reshape(-1, 1)).ravel()
    y_off = np.where(scaled == scaled.max(), np.nextafter(1.0, 2.0), scaled)
    y_off[scaled == scaled.min()] = -np.finfo(np.float64).eps
    quiet_fit(SigCoreMLPRegressor((4,), out_activation="sigmoid", max_iter=3), X, y_off)
    model = TransformedTargetRegressor(
        SigCoreMLPRegressor((4,), out_activation="sigmoid", max_iter=3),
        transformer=MinMaxScaler())
    quiet_fit(model, X, y)
    with pytest.raises(ValueError, match=r"needs targets in \[0, 1\]"):
        SigCoreMLPRegressor((4,), out_activation="sigmoid").fit(X, y_off + 1e-14)


def test_partial_fit_rejects_targets_of_another_shape(diabetes):
    X, y = diabetes
    reg = SigCoreMLPRegressor((4,), random_state=0).partial_fit(X, y)
    snap = _snapshot(reg)
    with pytest.raises(ValueError, match="n_outputs_=1"):
        reg.partial_fit(X, np.column_stack([y, y]))
    _assert_unchanged(reg, snap)


@pytest.mark.parametrize("learn_alpha", ["layers", True, "yes", 1])
def test_unknown_learn_alpha(diabetes, learn_alpha):
    X, y = diabetes
    reg = SigCoreMLPRegressor((4,), random_state=0).partial_fit(X, y)
    snap = _snapshot(reg)
    with pytest.raises(ValueError, match="learn_alpha"):
        reg.set_params(learn_alpha=learn_alpha).partial_fit(X, y)
    with pytest.raises(ValueError, match="learn_alpha"):
        reg.fit(X, y)
    _assert_unchanged(reg, snap)


def test_poisson_rejects_negative_targets_and_sigmoid_output(diabetes):
    X, y = diabetes
    with pytest.raises(ValueError, match="negative"):
        SigCoreMLPRegressor(loss="poisson").fit(X, y)
    with pytest.raises(ValueError, match="out_activation"):
        SigCoreMLPRegressor(loss="poisson", out_activation="sigmoid").fit(X, np.abs(y))


def test_non_finite_targets_and_zero_weights(diabetes):
    X, y = diabetes
    bad = y.copy()
    bad[3] = np.nan
    with pytest.raises(ValueError, match="(NaN|infinity)"):
        SigCoreMLPRegressor().fit(X, bad)
    with pytest.raises(ValueError, match="(sum to zero|non-zero)"):
        SigCoreMLPRegressor().fit(X, y, sample_weight=np.zeros(len(y)))


def test_auto_on_constant_features_keeps_the_initial_scale():
    # a constant input gives pre-activations whose spread is rounding: 'auto'
    # rescaled W and b to it by 1e3 (its clip) and the L2 term swamped the fit
    # (loss 25.6 against 0.63 at alpha=1; a user trial)
    rng = np.random.RandomState(0)
    y = rng.randn(50) + 3
    for X in (np.ones((50, 3)), np.column_stack([np.ones(50), 1 + 1e-9 * rng.randn(50)])):
        auto = quiet_fit(SigCoreMLPRegressor(alpha="auto", random_state=0), X, y)
        fixed = quiet_fit(SigCoreMLPRegressor(alpha=1.0, random_state=0), X, y)
        assert np.abs(auto.coefs_[0]).max() < 10
        assert auto.loss_ < 1.05 * fixed.loss_


def test_continuation_after_switching_solver_or_early_stopping(diabetes):
    # lbfgs sets no best_loss_ and early stopping no loss tracking: continuing
    # with adam, or with early_stopping switched, raised TypeError /
    # AttributeError (scikit-learn's MLPs too); each continues now
    X, y = diabetes
    kw = dict(hidden_layer_sizes=(4,), max_iter=5, random_state=0)

    def switched(first, change, continuation):
        model = quiet_fit(SigCoreMLPRegressor(**first, **kw), X, y).set_params(**change)
        before = model.predict(X)
        if continuation == "partial_fit":
            model.partial_fit(X, y)
        else:
            quiet_fit(model.set_params(warm_start=True), X, y)
        assert not np.allclose(model.predict(X), before)     # it trained on
        return model

    for continuation in ("partial_fit", "warm_start"):
        model = switched(dict(solver="lbfgs"), dict(solver="adam"), continuation)
        assert np.isfinite(model.best_loss_)
        model = switched(dict(early_stopping=True), dict(early_stopping=False), continuation)
        assert np.isfinite(model.best_loss_)
    model = switched(dict(), dict(early_stopping=True), "warm_start")
    assert len(model.validation_scores_) == model.n_iter_


def test_poisson_outputs_that_overflow_give_a_clear_error_and_keep_the_model():
    # gains of 30 on two identity layers start the log-predictions far above
    # exp's range: lbfgs cannot start there, and says why (no numpy warnings)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((240, 8))
    y = rng.poisson(np.exp(0.5 * X[:, 0]))
    model = SigCoreMLPRegressor((7, 5), loss="poisson", solver="lbfgs", random_state=0,
                                max_iter=50)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    before = [c.copy() for c in model.coefs_]
    model.set_params(activation="identity", alpha=30.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match="loss=.poisson.: log-predictions above"):
            model.fit(X, y)
    for coef, old in zip(model.coefs_, before):
        np.testing.assert_array_equal(coef, old)
    np.testing.assert_array_equal(model.alphas_, [1.0, 1.0])


def test_poisson_prediction_beyond_exp_range_is_inf_without_warning():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 3))
    y = rng.poisson(1.0, size=50)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = SigCoreMLPRegressor((4,), loss="poisson", max_iter=5, random_state=0).fit(X, y)
    model.intercepts_[-1][...] = 800.0          # log-prediction past log(max float)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert np.all(model.predict(X) == np.inf)


def test_lbfgs_start_that_overflows_names_the_cause():
    # squared error of targets near 1e200 overflows: no blame on poisson
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((40, 3)), rng.standard_normal(40) * 1e200
    with pytest.raises(ValueError, match="overflows float64") as error:
        SigCoreMLPRegressor((3,), solver="lbfgs").fit(X, y)
    assert "poisson" not in str(error.value)
