"""Code written for scikit-learn's LogisticRegression runs on ours unchanged:
every parameter and value, with scikit-learn's own errors and warnings
(checked against the installed scikit-learn itself), sparsify / densify,
max_iter=0, and the limits of α and of the scale of X."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from sklearn_sigcore import SigCoreLogisticRegression

from _helpers import NEW_PENALTY_API, penalty_params

SOLVER_NAMES = ["lbfgs", "liblinear", "newton-cg", "newton-cholesky", "sag", "saga"]


@pytest.fixture(scope="module")
def binary():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X)[:200], y[:200]


@pytest.fixture(scope="module")
def three_classes():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def outcome(estimator, X, y):
    """(error type and message, or None; the warnings' categories and messages)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            estimator.fit(X, y)
            error = None
        except ValueError as exc:
            error = (type(exc), str(exc))
    seen = sorted({(w.category.__name__, str(w.message)) for w in caught
                   if not issubclass(w.category, ConvergenceWarning)})
    return error, seen


def parameter_sets():
    """Combinations scikit-learn rejects or warns about, and fine ones."""
    sets = []
    for solver in SOLVER_NAMES:
        sets += [dict(solver=solver), dict(solver=solver, dual=True),
                 dict(solver=solver, C=np.inf), dict(solver=solver, n_jobs=2),
                 dict(solver=solver, intercept_scaling=5.0)]
        for l1_ratio in (0.0, 0.5, 1.0):
            sets.append(dict(solver=solver, l1_ratio=l1_ratio))
        for penalty in ("l1", "l2", "elasticnet", None):
            sets.append(dict(solver=solver, penalty=penalty))
            sets.append(dict(solver=solver, penalty=penalty, l1_ratio=0.5))
            sets.append(dict(solver=solver, penalty=penalty, C=0.5))
    sets.append(dict(solver="liblinear", penalty="l1", dual=True))
    sets.append(dict(solver="liblinear", l1_ratio=1.0, dual=True))
    return sets


@pytest.mark.parametrize("params", parameter_sets(), ids=str)
def test_same_errors_and_warnings_as_sklearn(binary, params):
    X, y = binary
    params = dict(params, max_iter=20)
    if not NEW_PENALTY_API:
        if "penalty" not in params and "l1_ratio" in params:
            params["penalty"] = "elasticnet"
        if params["solver"] == "liblinear" and params.get("C") == np.inf:
            pytest.skip("scikit-learn < 1.8 runs liblinear at C=inf forever; ours "
                        "raises its 'penalty=None is not supported' error")
    expected = outcome(LogisticRegression(**params), X, y)
    got = outcome(SigCoreLogisticRegression(**params), X, y)
    assert got == expected


@pytest.mark.skipif(not NEW_PENALTY_API, reason="scikit-learn < 1.8 fits multiclass "
                    "liblinear one-vs-rest and has no 1e30 check; ours follows 1.9")
def test_liblinear_rejects_multiclass_and_huge_values(binary, three_classes):
    for X, y in (three_classes, (np.where(binary[0] > 2, 1e31, binary[0]), binary[1])):
        expected = outcome(LogisticRegression(solver="liblinear"), X, y)
        assert expected[0] is not None
        error = outcome(SigCoreLogisticRegression(solver="liblinear"), X, y)[0]
        # ours leads with check_estimator's 'Only binary classification is
        # supported.' (multi_class tag False for liblinear)
        assert error[0] is expected[0][0] and expected[0][1] in error[1]


def convergence_messages(estimator, X, y):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        estimator.fit(X, y)
    return [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]


@pytest.mark.parametrize("solver", SOLVER_NAMES)
def test_convergence_warning_starts_as_scikit_learn(binary, solver):
    # filters written for scikit-learn's message (warnings.filterwarnings(
    # "ignore", message="lbfgs failed to converge")) catch ours too
    X, y = binary
    params = dict(solver=solver, max_iter=1, tol=1e-12, random_state=0)
    [expected] = convergence_messages(LogisticRegression(**params), X, y)
    [got] = convergence_messages(SigCoreLogisticRegression(**params), X, y)
    # up to what depends on the fit (newton-cg's loss) or on the version
    # (scikit-learn < 1.8 says "lbfgs failed to converge (status=1)")
    lead = expected.split(" at loss")[0].split(" (status")[0].split("\n")[0]
    assert "converge" in lead
    assert got.startswith(lead)
    if solver == "lbfgs":
        assert got.split("\n\n")[0] == expected.split("\n\n")[0] or not NEW_PENALTY_API


def test_liblinear_rejects_tol_zero_as_scikit_learn(binary):
    X, y = binary
    expected = outcome(LogisticRegression(solver="liblinear", tol=0.0), X, y)[0]
    assert expected is not None and "eps <= 0" in expected[1]
    error = outcome(SigCoreLogisticRegression(solver="liblinear", tol=0.0), X, y)[0]
    assert error[0] is expected[0] and "eps <= 0" in error[1]


def test_liblinear_ignores_warm_start_as_scikit_learn(binary):
    # every liblinear solver starts from zero: a warm refit stopped after one
    # iteration is the cold one-iteration fit (the primal L2 Newton warm-started)
    X, y = binary
    for extra in (dict(), dict(dual=True), dict(l1_ratio=1.0)):
        kw = dict(solver="liblinear", tol=1e-10, random_state=0, **extra)
        for Model in (LogisticRegression, SigCoreLogisticRegression):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cold = Model(max_iter=1, **kw).fit(X, y)
                warm = Model(warm_start=True, max_iter=1000, **kw).fit(X, y)
                warm.set_params(max_iter=1).fit(X, y)
            assert_array_equal(warm.coef_, cold.coef_, err_msg=f"{Model.__name__} {extra}")


def test_every_sklearn_parameter_with_its_default():
    ours = SigCoreLogisticRegression().get_params()
    theirs = LogisticRegression().get_params()
    theirs.pop("multi_class", None)  # deprecated in 1.5, removed in 1.8
    for name, value in theirs.items():
        assert name in ours
        if name != "solver":  # ours defaults to 'auto' (same optimum, faster)
            assert ours[name] == value or (ours[name] is None and value is None), name
    assert ours["solver"] == "auto"


@pytest.mark.parametrize("solver", SOLVER_NAMES + ["fista", "auto"])
def test_max_iter_zero_leaves_the_start_with_a_warning(binary, solver):
    X, y = binary
    clf = SigCoreLogisticRegression(solver=solver, max_iter=0)
    with pytest.warns(ConvergenceWarning, match="max_iter=0"):
        clf.fit(X, y)
    assert_array_equal(clf.coef_, 0.0)
    assert_array_equal(clf.intercept_, 0.0)
    assert clf.n_iter_[0] == 0
    assert_allclose(clf.predict_proba(X), 0.5)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_sparsify_densify(binary, three_classes, n_classes):
    X, y = binary if n_classes == 2 else three_classes
    clf = SigCoreLogisticRegression(**penalty_params("l1", C=0.1), solver="saga",
                                    random_state=0, max_iter=1000).fit(X, y)
    dense_outputs = [clf.predict(X), clf.predict_proba(X), clf.predict_log_proba(X),
                     clf.decision_function(X), clf.score(X, y)]
    assert (clf.coef_ == 0).any()
    assert clf.sparsify() is clf
    assert sp.issparse(clf.coef_)
    for method, expected in zip(("predict", "predict_proba", "predict_log_proba",
                                 "decision_function"), dense_outputs):
        assert_allclose(getattr(clf, method)(X), expected, rtol=1e-12)
        assert_allclose(getattr(clf, method)(sp.csr_matrix(X)), expected, rtol=1e-12)
    assert clf.score(X, y) == dense_outputs[-1]
    clf.set_params(warm_start=True).fit(X, y)  # a warm start from a sparse coef_
    assert not sp.issparse(clf.coef_)
    clf.sparsify().partial_fit(X, y)
    assert clf.densify() is clf and isinstance(clf.coef_, np.ndarray)


@pytest.mark.parametrize("solver", ["lbfgs", "newton-cg", "newton-cholesky", "fista", "auto"])
@pytest.mark.parametrize("case", ["X*1e150", "X*1e155", "X*1e-150", "alpha=1e300",
                                  "alpha=1e-300"])
def test_any_alpha_and_scale_of_X_reach_the_optimum(binary, solver, case):
    """σ(α(w·x + b)) at extreme α or X·s is the α = 1 model on X with
    coefficients and C scaled: the same probabilities, no warning.

    α = 1e300 at C = 1 is the unpenalised α = 1 model (C α² overflows);
    α = 1e-300 is the intercept-only one (C α² underflows: coef_ is 0)."""
    X, y = binary
    X = X + np.random.default_rng(0).normal(scale=1.5, size=X.shape)  # not separable
    scale, alpha, C, reference_C = {
        # X·s at C is X at C·s² (the penalty is on w)
        "X*1e150": (1e150, 1.0, 0.5e-300, 0.5), "X*1e-150": (1e-150, 1.0, 0.5e300, 0.5),
        # C·S below 1e-300, yet the coefficients do not vanish: X's scale makes up for it
        "X*1e155": (1e155, 1.0, 0.5e-310, 0.5),
        "alpha=1e300": (1.0, 1e300, 1.0, np.inf), "alpha=1e-300": (1.0, 1e-300, 1.0, None),
    }[case]
    if reference_C is None:  # the intercept-only model: the class frequencies
        expected = np.tile(np.bincount(y) / len(y), (len(y), 1))
    else:
        reference = SigCoreLogisticRegression(C=reference_C, solver="lbfgs", tol=1e-10,
                                              max_iter=1000).fit(X, y)
        expected = reference.predict_proba(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = SigCoreLogisticRegression(solver=solver, alpha=alpha, C=C, tol=1e-8,
                                        max_iter=1000).fit(X * scale, y)
        probs = clf.predict_proba(X * scale)
    assert_allclose(probs, expected, atol=1e-5)
    if scale != 1.0:
        assert_allclose(clf.coef_ * scale, reference.coef_, rtol=1e-4)
    if alpha < 1:
        assert_array_equal(clf.coef_, 0.0)


@pytest.mark.parametrize("solver", ["auto", "liblinear"])
@pytest.mark.parametrize("scale", [1e-13, 1e-4, 1e13, 1e20])
def test_l1_coordinate_descent_at_any_scale_of_X(binary, solver, scale):
    """X·s at C/s is X at C for L1 (the penalty |w| = |s w| / s): the same
    model. The coordinate descent froze at zero from X·1e13 (liblinear's
    absolute step bounds, scikit-learn's too) and stopped above the optimum
    at X·1e-13 (its absolute Hessian shift)."""
    X, y = binary
    X = X + np.random.default_rng(0).normal(scale=1.5, size=X.shape)  # not separable
    # liblinear's intercept column keeps its value: scale it with X
    extra = dict(intercept_scaling=scale) if solver == "liblinear" else {}
    kw = dict(solver=solver, tol=1e-7, max_iter=1000, random_state=0)
    reference = SigCoreLogisticRegression(**penalty_params("l1", C=1.0), **kw).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = SigCoreLogisticRegression(**penalty_params("l1", C=1.0 / scale), **kw,
                                        **extra).fit(X * scale, y)
    assert 0 < np.count_nonzero(reference.coef_) < X.shape[1]
    assert_array_equal(clf.coef_ == 0, reference.coef_ == 0)
    assert_allclose(clf.coef_ * scale, reference.coef_, rtol=1e-4, atol=1e-5)
    assert_allclose(clf.predict_proba(X * scale), reference.predict_proba(X), atol=1e-6)


@pytest.mark.parametrize("scale", [1e160, 1e300])
def test_auto_l1_where_the_coordinate_descent_would_overflow(binary, scale):
    """X·1e160 at C = 1 is X without penalty (|w| = |s w| / s). The
    coordinate descent's curvature (costs times x²) overflows there: it
    returned zero coefficients, without a warning; 'auto' takes fista."""
    X, y = binary
    X = X + np.random.default_rng(0).normal(scale=1.5, size=X.shape)  # not separable
    reference = SigCoreLogisticRegression(C=np.inf, tol=1e-10, max_iter=1000).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = SigCoreLogisticRegression(**penalty_params("l1", C=1.0), tol=1e-8,
                                        max_iter=1000).fit(X * scale, y)
    assert_allclose(clf.coef_ * scale, reference.coef_, rtol=1e-4, atol=1e-5)
    assert_allclose(clf.predict_proba(X * scale), reference.predict_proba(X), atol=1e-6)


def test_auto_rule():
    """'auto' by penalty, classes and shape (the documented rule)."""
    from sklearn_sigcore._logistic_params import choose_solver
    tall, wide = np.zeros((50, 5)), np.zeros((5, 50))
    assert choose_solver(tall, "l2", 3) == choose_solver(wide, None, 2) == "lbfgs"
    assert choose_solver(wide, "l1", 2) == choose_solver(tall, "l1", 2) == "coordinate descent"
    assert choose_solver(tall, "l1", 3) == choose_solver(tall, "elasticnet", 2) == "saga"
    assert choose_solver(wide, "elasticnet", 2) == choose_solver(wide, "l1", 3) == "fista"


def test_one_class_error_is_scikit_learns(binary):
    X, y = binary
    expected = outcome(LogisticRegression(), X, np.zeros_like(y))[0]
    assert expected is not None
    assert outcome(SigCoreLogisticRegression(), X, np.zeros_like(y))[0] == expected


@pytest.mark.parametrize("solver", ["auto", "liblinear"])
def test_l1_coordinate_descent_on_counts_with_outliers(solver):
    # raw counts with a few values up to 2e5: the step bounds of a feature
    # with an outlier must not shrink to its 1 / max |x| (that took 2-3x the
    # iterations and stopped 0.5 % above the optimum, without a warning)
    rng = np.random.default_rng(0)
    X = rng.poisson(1.0, size=(3000, 40)).astype(float)
    X[rng.integers(0, 3000, 30), rng.integers(0, 40, 30)] = rng.integers(2000, 200000, 30)
    y = (X[:, :5].sum(axis=1) + rng.normal(size=3000) > 5).astype(int)

    def objective(model):
        z = X @ model.coef_.ravel() + model.intercept_[0]
        w = np.abs(model.coef_).sum()
        if solver == "liblinear":   # its intercept is a penalised feature of value 1
            w += abs(model.intercept_[0])
        return w + np.logaddexp(0, -np.where(y == 1, 1, -1) * z).sum()

    kw = dict(**penalty_params("l1", C=1.0), solver=solver, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = SigCoreLogisticRegression(**kw).fit(X, y)
        optimum = SigCoreLogisticRegression(**kw, tol=1e-10, max_iter=1000).fit(X, y)
    assert model.n_iter_[0] < 60
    assert objective(model) - objective(optimum) < 1e-3 * objective(optimum)
