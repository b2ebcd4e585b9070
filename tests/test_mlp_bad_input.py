"""SigCoreMLPClassifier: bad input gets a clear error and leaves a fitted model as it was."""

import copy
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_sigcore import SigCoreMLPClassifier, SigCoreMLPRegressor

RNG = np.random.RandomState(0)
X = RNG.standard_normal((60, 4))
y = np.arange(60) % 3


def fitted(**params):
    clf = SigCoreMLPClassifier((5,), max_iter=5, random_state=0, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return clf.fit(X, y)


def snapshot(clf):
    state = {k: copy.deepcopy(v) for k, v in vars(clf).items() if not k.startswith("__")}
    state["_coefs"] = [c.copy() for c in clf.coefs_]
    return state


def assert_unchanged(clf, before):
    after = snapshot(clf)
    assert after.keys() == before.keys()
    for key in before:
        a, b = before[key], after[key]
        if key in ("coefs_", "intercepts_", "_coefs"):
            for u, v in zip(a, b):
                assert_array_equal(u, v)
        elif isinstance(a, np.ndarray):
            assert_array_equal(a, b)
        elif key in ("loss_curve_", "n_iter_", "t_", "loss_", "classes_",
                     "n_features_in_", "alphas_"):
            assert np.all(a == b), key


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_X(bad):
    Xb = X.copy()
    Xb[3, 1] = bad
    with pytest.raises(ValueError, match="(NaN|infinity)"):
        SigCoreMLPClassifier((3,)).fit(Xb, y)
    clf = fitted()
    before = snapshot(clf)
    with pytest.raises(ValueError, match="(NaN|infinity)"):
        clf.fit(Xb, y)
    with pytest.raises(ValueError, match="(NaN|infinity)"):
        clf.partial_fit(Xb, y)
    with pytest.raises(ValueError, match="(NaN|infinity)"):
        clf.predict(Xb)
    assert_unchanged(clf, before)




@pytest.mark.parametrize("weights, message", [
    (-np.ones(60), "(?i)negative"),
    (np.zeros(60), "(non-zero|sum to zero)"),
    (np.r_[np.nan, np.ones(59)], "NaN"),
    (np.ones(59), "(shape|samples)"),
])
def test_bad_sample_weight(weights, message):
    clf = fitted()
    before = snapshot(clf)
    with pytest.raises(ValueError, match=message):
        clf.fit(X, y, sample_weight=weights)
    with pytest.raises(ValueError, match=message):
        clf.partial_fit(X, y, sample_weight=weights)
    assert_unchanged(clf, before)


@pytest.mark.parametrize("bad", [-1.0, np.inf, np.nan])
def test_negative_or_non_finite_class_weight(bad):
    # refused as negative sample weights are (a negative one made the loss
    # unbounded below)
    clf = fitted()
    before = snapshot(clf)
    with pytest.raises(ValueError, match="class weights must be finite and >= 0"):
        clf.set_params(class_weight={0: bad, 1: 1.0}).fit(X, y)
    assert_unchanged(clf, before)


def test_class_weight_of_unknown_class():
    with pytest.raises(ValueError, match="not found|not in"):
        SigCoreMLPClassifier((3,), class_weight={7: 2.0}).fit(X, y)


def test_wrong_number_of_features():
    clf = fitted()
    before = snapshot(clf)
    for method in ("predict", "predict_proba", "predict_log_proba"):
        with pytest.raises(ValueError, match="features"):
            getattr(clf, method)(X[:, :3])
    with pytest.raises(ValueError, match="features"):
        clf.partial_fit(X[:, :3], y)
    clf.set_params(warm_start=True)
    with pytest.raises(ValueError, match="features"):
        clf.fit(X[:, :3], y)
    clf.set_params(warm_start=False)
    assert_unchanged(clf, before)


@pytest.mark.parametrize("alpha", [0.0, -1.0, np.nan, np.inf, "big", True, None])
def test_bad_alpha(alpha):
    # scikit-learn's error for a parameter outside its constraints
    with pytest.raises(InvalidParameterError, match="alpha"):
        SigCoreMLPClassifier((3,), alpha=alpha).fit(X, y)


@pytest.mark.parametrize("alpha, message", [
    ([1.0], "1 values but there are 3 hidden layers"),
    ([1.0, 2.0, 3.0, 4.0], "4 values but there are 3 hidden layers"),
    ([1.0, 0.0, 2.0], r"alpha\[1\]"),
    ([1.0, np.nan, 2.0], r"alpha\[1\]"),
    ([1.0, np.inf, 2.0], r"alpha\[1\]"),
    ([1.0, "x", 2.0], r"alpha\[1\]"),
    ([1.0, True, 2.0], r"alpha\[1\]"),
    ([[1.0, 2.0, 3.0]], "flat sequence"),
])
def test_bad_per_layer_alpha(alpha, message):
    with pytest.raises(InvalidParameterError, match=message):
        SigCoreMLPClassifier((5, 4, 3), alpha=alpha).fit(X, y)


def test_zero_dimensional_array_alpha_is_its_value():
    kw = dict(hidden_layer_sizes=(3,), max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = SigCoreMLPClassifier(alpha=np.array(2.0), **kw).fit(X, y)
        b = SigCoreMLPClassifier(alpha=2.0, **kw).fit(X, y)
    assert a.alphas_ == b.alphas_ == [2.0]
    assert_array_equal(a.coefs_[0], b.coefs_[0])


@pytest.mark.parametrize("params, message", [
    (dict(activation="softplus"), "activation"),
    (dict(solver="newton"), "solver"),
    (dict(l2=-1.0), "l2"),
    (dict(hidden_layer_sizes=(3, 0)), "hidden_layer_sizes"),
    (dict(hidden_layer_sizes=(3, 2.5)), "hidden_layer_sizes"),
    (dict(class_weight="unbalanced"), "class_weight"),
    (dict(learning_rate_init=0.0), "learning_rate_init"),
    (dict(learn_alpha="layers"), "learn_alpha"),
    (dict(learn_alpha=True), "learn_alpha"),
])
def test_bad_parameters(params, message):
    with pytest.raises(ValueError, match=message):
        SigCoreMLPClassifier(**params).fit(X, y)


@pytest.mark.parametrize("cls", [SigCoreMLPClassifier, SigCoreMLPRegressor])
def test_scikit_learn_l2_value_passed_as_alpha_warns(cls):
    # MLPClassifier(alpha=1e-4) copied over unchanged gave a chance-level
    # model without a word (a user trial); the warning names `l2`
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.warns(UserWarning, match=r"l2=0.0001\) here") as record:
            cls((5, 4), alpha=[1.0, 1e-4], max_iter=2, random_state=0).fit(X, y)
        assert record[0].filename == __file__     # points at the user's call
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)     # a UserWarning too
        cls((5,), alpha=1e-3, max_iter=2, random_state=0).fit(X, y)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_gain_beyond_float32_with_float32_X(solver):
    # it raised "Solver produced non-finite parameter weights ... large
    # values", blaming the data (adam), or trained on overflowed scores (lbfgs)
    clf = fitted()
    before = snapshot(clf)
    with pytest.raises(ValueError, match=r"beyond the float32 range .* pass X as float64"):
        clf.set_params(alpha=1e39, solver=solver).fit(X.astype(np.float32), y)
    assert_unchanged(clf, before)
    clf.set_params(alpha=1e38).fit(X.astype(np.float32), y)      # in range: fits
    # a learned gain starts clipped (θ = log α to its bound): it fits too
    clf.set_params(alpha=1e39, learn_alpha="layer").fit(X.astype(np.float32), y)


def test_failed_fit_leaves_a_fitted_model_unchanged():
    clf = fitted()
    before = snapshot(clf)
    for params in (dict(alpha=-1.0), dict(alpha=[1.0, 2.0]), dict(activation="nope")):
        with pytest.raises(ValueError):
            clf.set_params(**params).fit(X, y)
        clf.set_params(alpha=1.0, activation="sigmoid")
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        clf.fit(X, np.zeros(59))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):  # new n_features too
        clf.fit(X[:, :2], np.zeros(59))
    assert clf.n_features_in_ == 4
    assert_unchanged(clf, before)
    assert_array_equal(clf.predict(X), fitted().predict(X))


def test_partial_fit_errors_leave_model_unchanged():
    with pytest.raises(ValueError, match="classes must be passed"):
        SigCoreMLPClassifier((3,)).partial_fit(X, y)
    clf = SigCoreMLPClassifier((3,), random_state=0).partial_fit(X, y, classes=[0, 1, 2])
    before = snapshot(clf)
    y_new = y.copy()
    y_new[0] = 5
    with pytest.raises(ValueError, match="classes"):
        clf.partial_fit(X, y_new)
    with pytest.raises(ValueError, match="not the same"):
        clf.partial_fit(X, y, classes=[0, 1, 2, 3])
    assert_unchanged(clf, before)
    with pytest.raises(ValueError, match="not in `classes`"):
        SigCoreMLPClassifier((3,)).partial_fit(X, y_new, classes=[0, 1, 2])


def test_partial_fit_not_available_for_lbfgs():
    clf = SigCoreMLPClassifier(solver="lbfgs")
    assert not hasattr(clf, "partial_fit")


def test_partial_fit_rejects_early_stopping():
    with pytest.raises(ValueError, match="early_stopping"):
        SigCoreMLPClassifier((3,), early_stopping=True).partial_fit(X, y, classes=[0, 1, 2])


def test_not_fitted():
    for method in ("predict", "predict_proba", "predict_log_proba"):
        with pytest.raises(NotFittedError):
            getattr(SigCoreMLPClassifier(), method)(X)


def test_divergence_is_an_error_and_leaves_model_unchanged():
    clf = fitted(solver="sgd", activation="identity", learning_rate_init=1e-3)
    before = snapshot(clf)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="non-finite"):
            clf.set_params(learning_rate_init=1e6).fit(X * 1e150, y)
    assert_unchanged(clf, before)


@pytest.mark.parametrize("sizes", [(0,), (3, 0), 0])
def test_zero_hidden_layer_size_gets_scikit_learns_error(sizes):
    from sklearn.neural_network import MLPRegressor

    X = np.random.default_rng(0).normal(size=(20, 3))
    with pytest.raises(ValueError) as expected:
        MLPRegressor(hidden_layer_sizes=sizes, max_iter=2).fit(X, X[:, 0])
    with pytest.raises(ValueError) as got:
        SigCoreMLPRegressor(hidden_layer_sizes=sizes, max_iter=2).fit(X, X[:, 0])
    assert str(got.value) == str(expected.value).replace("MLPRegressor", "SigCoreMLPRegressor")
