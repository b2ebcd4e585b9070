"""Bad input to SigCoreLogisticRegression: clear errors, and a fitted model left unchanged."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_array_equal
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError

from sklearn_sigcore import SigCoreLogisticRegression

from _helpers import penalty_params


@pytest.fixture(scope="module")
def Xy():
    X, y = make_classification(120, 5, n_informative=3, n_redundant=0, random_state=0)
    return X, y


def fitted(Xy, **params):
    X, y = Xy
    return SigCoreLogisticRegression(**params).fit(X, y)


def snapshot(est):
    return pickle.dumps(est.__dict__)


def _with(X, i, j, value):
    X = X.copy()
    X[i, j] = value
    return X


BAD_FITS = {
    "nan in X": (lambda X, y: (_with(X, 3, 1, np.nan), y, {}), ValueError, "NaN"),
    "inf in X": (lambda X, y: (_with(X, 0, 0, np.inf), y, {}), ValueError, "infinity"),
    "nan in sparse X": (lambda X, y: (sp.csr_matrix(_with(X, 2, 2, np.nan)), y, {}),
                        ValueError, "NaN"),
    "single class": (lambda X, y: (X, np.zeros_like(y), {}), ValueError, "one class"),
    # scikit-learn checks X before y and the weights: X's error comes first
    "nan in X and a single class": (lambda X, y: (_with(X, 3, 1, np.nan), np.zeros_like(y), {}),
                                    ValueError, "Input X contains NaN"),
    "nan in X and mismatched y": (lambda X, y: (_with(X, 3, 1, np.nan), y[:-1], {}),
                                  ValueError, "Input X contains NaN"),
    "inf in X and negative sample weight": (
        lambda X, y: (_with(X, 0, 0, np.inf), y,
                      {"sample_weight": np.r_[-1.0, np.ones(len(y) - 1)]}),
        ValueError, "Input X contains infinity"),
    "negative sample weight": (
        lambda X, y: (X, y, {"sample_weight": np.r_[-1.0, np.ones(len(y) - 1)]}),
        ValueError, "[Nn]egative"),
    "all-zero sample weight": (
        lambda X, y: (X, y, {"sample_weight": np.zeros(len(y))}), ValueError, "zero"),
    "one weighted class": (
        lambda X, y: (X, y, {"sample_weight": (y == 1).astype(float)}), ValueError,
        "Only one class"),
    "mismatched y": (lambda X, y: (X, y[:-1], {}), ValueError, "inconsistent numbers"),
    "mismatched sample_weight": (
        lambda X, y: (X, y, {"sample_weight": np.ones(len(y) + 1)}), ValueError,
        r"sample_weight.shape"),
    "continuous y": (lambda X, y: (X, y + 0.5, {}), ValueError, "Unknown label type"),
    "empty X": (lambda X, y: (X[:0], y[:0], {}), ValueError, "0 sample"),
    "complex X": (lambda X, y: (X + 1j, y, {}), ValueError, "[Cc]omplex"),
    "3-D X": (lambda X, y: (X[:, :, None], y, {}), ValueError, "dim"),
}


@pytest.mark.parametrize("case", list(BAD_FITS))
def test_bad_fit_input_clear_error_and_model_unchanged(Xy, case):
    make, error, match = BAD_FITS[case]
    est = fitted(Xy)
    before = snapshot(est)
    X, y, kwargs = make(*Xy)
    with pytest.raises(error, match=match):
        est.fit(X, y, **kwargs)
    assert snapshot(est) == before
    # a fresh estimator stays unfitted
    fresh = SigCoreLogisticRegression()
    with pytest.raises(error, match=match):
        fresh.fit(X, y, **kwargs)
    assert not hasattr(fresh, "coef_")


BAD_PARAMS = [
    (dict(alpha=0.0), "alpha"),
    (dict(alpha=-1.0), "alpha"),
    (dict(alpha=np.nan), "alpha"),
    (dict(alpha=np.inf), "alpha"),
    (dict(alpha="big"), "alpha"),
    (dict(alpha=True), "alpha"),
    (dict(C=0.0), "C"),
    (dict(C=-1.0), "C"),
    (dict(l1_ratio=1.5), "l1_ratio"),
    (dict(penalty="l3"), "penalty"),
    (dict(solver="sgd"), "solver"),
    (dict(tol=-1.0), "tol"),
    (dict(max_iter=-1), "max_iter"),
    (dict(max_iter=2.5), "max_iter"),
    (dict(class_weight="auto"), "class_weight"),
]


@pytest.mark.parametrize("params,name", BAD_PARAMS)
def test_bad_parameters_name_the_parameter(Xy, params, name):
    est = fitted(Xy)
    before = snapshot(est)
    est.set_params(**params)
    with pytest.raises(ValueError, match=f"'{name}' parameter"):
        est.fit(*Xy)
    with pytest.raises(ValueError, match=f"'{name}' parameter"):
        est.partial_fit(*Xy)
    after = pickle.loads(snapshot(est))
    for key, value in pickle.loads(before).items():
        if key not in params:
            assert_array_equal(after[key], value)


@pytest.mark.parametrize("solver", ["lbfgs", "newton-cg", "newton-cholesky", "sag"])
@pytest.mark.parametrize("penalty", ["l1", "elasticnet"])
def test_unsupported_solver_penalty_pair(Xy, solver, penalty):
    est = fitted(Xy)
    before = snapshot(est)
    est.set_params(solver=solver, **penalty_params(penalty, l1_ratio=0.5))
    with pytest.raises(ValueError, match=f"Solver {solver} supports only 'l2' or None "
                                         f"penalties, got {penalty} penalty"):
        est.fit(*Xy)
    est.set_params(solver=solver, **penalty_params("l2"))
    assert pickle.loads(snapshot(est))["coef_"].tolist() == \
        pickle.loads(before)["coef_"].tolist()


def test_no_penalty_through_C_inf_is_accepted_by_every_solver(Xy):
    for solver in ("lbfgs", "newton-cg", "newton-cholesky", "sag", "saga", "fista"):
        est = SigCoreLogisticRegression(**penalty_params("l2"), solver=solver,
                                        random_state=0).set_params(C=np.inf).fit(*Xy)
        ref = SigCoreLogisticRegression(**penalty_params(None), solver=solver,
                                        random_state=0).fit(*Xy)
        assert_array_equal(est.coef_, ref.coef_)


@pytest.mark.parametrize("params", [dict(alpha=1e200), dict(C=1e200, alpha=1e100),
                                    dict(alpha=1e200, dual=True),
                                    dict(alpha=1e150, dual=True, weight=1e10),
                                    dict(penalty="l1", C=1e300, alpha=1e10)])
def test_liblinear_refuses_an_overflowing_C_alpha(Xy, params):
    # liblinear's objective is the loss times C α² (times the sample
    # weights): infinite, it returned an all-zero or NaN model; now it raises
    # as scikit-learn does for C=np.inf, and leaves a fitted model as it was
    penalty = params.pop("penalty", "l2")
    weights = np.full(len(Xy[1]), params.pop("weight", 1.0))
    est = SigCoreLogisticRegression(solver="liblinear", **penalty_params(penalty))
    est.fit(*Xy)
    before = pickle.dumps({k: v for k, v in vars(est).items() if k.endswith("_")})
    with pytest.raises(ValueError, match="overflows: the liblinear solver needs it finite"):
        est.set_params(**params).fit(*Xy, sample_weight=weights)
    assert pickle.dumps({k: v for k, v in vars(est).items() if k.endswith("_")}) == before
    # just below the overflow the (primal) fit is the unpenalised model's
    est.set_params(alpha=1e150, C=1.0, dual=False).fit(*Xy)
    limit = SigCoreLogisticRegression(**penalty_params(None)).fit(*Xy)
    assert_array_equal(est.predict(Xy[0]), limit.predict(Xy[0]))


def test_liblinear_fits_tiny_weights_at_a_huge_alpha(Xy):
    # C α² = 1e310 overflows alone, but times weights of 1e-10 the costs are finite
    weights = np.full(len(Xy[1]), 1e-10)
    est = SigCoreLogisticRegression(solver="liblinear", alpha=1e155).fit(*Xy,
                                                                          sample_weight=weights)
    limit = SigCoreLogisticRegression(**penalty_params(None)).fit(*Xy)
    assert_array_equal(est.predict(Xy[0]), limit.predict(Xy[0]))


def test_auto_l1_at_an_overflowing_C_alpha_is_the_unpenalised_model(Xy):
    # the coordinate descent got infinite costs and returned zeros
    est = SigCoreLogisticRegression(**penalty_params("l1", C=1e300), alpha=1e10).fit(*Xy)
    limit = SigCoreLogisticRegression(**penalty_params(None)).fit(*Xy)
    assert_array_equal(est.predict(Xy[0]), limit.predict(Xy[0]))
    assert np.all(est.coef_ != 0)


def test_predict_wrong_n_features_and_unfitted(Xy):
    X, y = Xy
    with pytest.raises(NotFittedError):
        SigCoreLogisticRegression().predict(X)
    est = fitted(Xy)
    before = snapshot(est)
    for method in ("predict", "predict_proba", "predict_log_proba", "decision_function"):
        with pytest.raises(ValueError, match="features"):
            getattr(est, method)(X[:, :-1])
        with pytest.raises(ValueError, match="NaN"):
            getattr(est, method)(_with(X, 0, 0, np.nan))
    assert snapshot(est) == before


def test_failed_partial_fit_leaves_model_unchanged(Xy):
    X, y = Xy
    est = SigCoreLogisticRegression().partial_fit(X, y, classes=[0, 1])
    before = snapshot(est)
    with pytest.raises(ValueError, match="features"):
        est.partial_fit(X[:, :-1], y)
    with pytest.raises(ValueError, match="not in classes"):
        est.partial_fit(X, y + 5)
    with pytest.raises(ValueError, match="NaN"):
        est.partial_fit(_with(X, 1, 1, np.nan), y)
    with pytest.raises(ValueError, match="[Nn]egative"):
        est.partial_fit(X, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(ValueError, match="differs"):
        est.partial_fit(X, y, classes=[0, 1, 2])
    assert snapshot(est) == before
    fresh = SigCoreLogisticRegression()
    with pytest.raises(ValueError, match="at least 2 classes"):
        fresh.partial_fit(X, y, classes=[1])
    assert not hasattr(fresh, "classes_")


@pytest.mark.parametrize("fmt", ["dense", "csr", "csc"])
def test_huge_finite_values_are_not_mistaken_for_infinity(Xy, fmt):
    """Squares of 1e200 overflow: the finiteness test that rides on the column
    sums of squares must fall back to scikit-learn's check and accept X."""
    X, y = Xy
    X = X.copy()
    X[:, 0] *= 1e200
    if fmt != "dense":
        X = sp.csr_matrix(X) if fmt == "csr" else sp.csc_matrix(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = SigCoreLogisticRegression(tol=1e-8).fit(X, y)
        probs = clf.predict_proba(X)
    assert np.all(np.isfinite(clf.coef_)) and np.all(np.isfinite(probs))
    assert np.isfinite(clf.coef_[0, 0] * 1e200)
    assert clf.score(X, y) >= SigCoreLogisticRegression().fit(X[:, 1:], y).score(X[:, 1:], y)


@pytest.mark.parametrize("value", [np.inf, -np.inf, np.nan])
def test_non_finite_csr_values_get_scikit_learns_error(Xy, value):
    X, y = Xy
    X = sp.csr_matrix(X)
    X.data[7] = value
    what = "NaN" if np.isnan(value) else "infinity"
    with pytest.raises(ValueError, match=f"Input X contains {what}"):
        SigCoreLogisticRegression().fit(X, y)


@pytest.mark.parametrize("solver", ["lbfgs", "liblinear", "newton-cholesky", "sag", "fista"])
@pytest.mark.parametrize("bad", [-1.0, np.nan, np.inf])
def test_negative_or_non_finite_class_weight(Xy, solver, bad):
    # checked as sample weights are: they gave an unbounded objective, a
    # misleading "sum to zero" or a fista run that never ended
    model = fitted(Xy)
    before = snapshot(model)
    with pytest.raises(ValueError, match="class weights must be finite and >= 0"):
        model.set_params(solver=solver, class_weight={0: bad, 1: 1.0}).fit(*Xy)
    assert snapshot(model.set_params(solver="auto", class_weight=None)) == before


@pytest.mark.parametrize("solver", ["lbfgs", "newton-cholesky", "sag", "fista"])
@pytest.mark.parametrize("weight", [1e307, 1e-320])
def test_sample_weights_whose_sum_or_its_reciprocal_overflows(Xy, solver, weight):
    # fista's backtracking doubled L for ever on the NaN objective (1e307) or
    # gave a NaN intercept (1e-320); the others returned a zero model, blamed
    # X or raised ZeroDivisionError
    X, y = Xy
    with pytest.raises(ValueError, match="sum beyond the float64 range"):
        SigCoreLogisticRegression(solver=solver).fit(X, y, sample_weight=np.full(len(y), weight))


@pytest.mark.parametrize("solver", ["lbfgs", "newton-cg", "newton-cholesky", "fista"])
def test_column_of_rms_below_1e_154_without_penalty(Xy, solver):
    # its column scale squared overflowed: 0 * inf made the L2 term NaN
    X, y = Xy
    tiny = X.copy()
    tiny[:, 0] *= 1e-160
    reference = SigCoreLogisticRegression(C=np.inf, solver=solver, tol=1e-10).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = SigCoreLogisticRegression(C=np.inf, solver=solver, tol=1e-10).fit(tiny, y)
    np.testing.assert_allclose(model.coef_[:, 1:], reference.coef_[:, 1:], rtol=1e-5)
    np.testing.assert_allclose(model.coef_[0, 0] * 1e-160, reference.coef_[0, 0], rtol=1e-5)


@pytest.mark.parametrize("alpha", [1e50, 1e-50])
def test_float32_alpha_beyond_float32_range(Xy, alpha):
    # coef_ = (alpha = 1 solution) / alpha under- or overflowed float32: a
    # zero model or an infinite intercept (imbalanced classes), silently
    X, y = Xy
    y = np.where(np.arange(len(y)) < 30, 1, y)
    model = fitted(Xy)
    before = snapshot(model)
    with pytest.raises(ValueError, match="outside the float32 range .* pass X as float64"):
        model.set_params(alpha=alpha).fit(X.astype(np.float32), y)
    assert snapshot(model.set_params(alpha=1.0)) == before
    SigCoreLogisticRegression(alpha=alpha).fit(X, y)        # float64 is fine


@pytest.mark.parametrize("solver", ["lbfgs", "newton-cholesky", "sag", "auto"])
def test_float64_alpha_so_small_the_intercept_overflows(Xy, solver):
    # alpha = 1e-310: intercept_ = log-odds / alpha is past float64 (it was inf,
    # with numpy's overflow warning); alpha = 1e300 keeps coef_ ~1e-300
    X, y = Xy
    y = np.where(np.arange(len(y)) < 30, 1, y)      # imbalanced: log-odds != 0
    model = fitted(Xy)
    before = snapshot(model)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match="outside the float64 range .* larger alpha"):
            model.set_params(alpha=1e-310, solver=solver).fit(X, y)
    assert snapshot(model.set_params(alpha=1.0, solver="auto")) == before
    large = SigCoreLogisticRegression(alpha=1e300, solver=solver).fit(X, y)
    assert np.all(np.isfinite(large.coef_)) and large.score(X, y) > 0.7
    # partial_fit: once the streamed log-odds over alpha leaves float64 (it was
    # inf, then NaN); the model keeps its last finite state
    streaming = SigCoreLogisticRegression(alpha=1e-310, random_state=0)
    with pytest.raises(ValueError, match="outside the float64 range"):
        for _ in range(10):
            streaming.partial_fit(X, y, classes=[0, 1])
    assert not hasattr(streaming, "coef_") or np.all(np.isfinite(streaming.intercept_))


@pytest.mark.parametrize("solver", ["sag", "saga"])
def test_sag_penalty_beyond_float64_steps(solver):
    # C α² = 1e-309 next to a column of scale 1e5: the penalty's step-size term
    # overflows; the error says so (it read "step_size must be positive ..., got 0.0")
    rng = np.random.RandomState(0)
    X = rng.randn(100, 3)
    y = (X[:, 0] + rng.randn(100) > 0.5).astype(int)
    X[:, 0] *= 1e5
    with pytest.raises(ValueError, match="too strong for SAG's steps .* solver='lbfgs'"):
        SigCoreLogisticRegression(solver=solver, alpha=3e-155).fit(X, y)
    model = SigCoreLogisticRegression(solver=solver, alpha=1e-154, random_state=0).fit(X, y)
    np.testing.assert_allclose(model.decision_function(X), np.log(y.mean() / (1 - y.mean())),
                               atol=1e-2)
