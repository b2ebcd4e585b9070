"""SigCoreLogisticRegression against scikit-learn, finite differences and its own identities."""

import inspect
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit, logsumexp
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_class_weight

from sklearn_sigcore._kernels import openmp_effective_n_threads
from sklearn_sigcore._linear_loss import LinearLoss
from sklearn_sigcore import SigCoreLogisticRegression
from sklearn_sigcore._solvers import LogisticProblem, column_sums
from sklearn_sigcore._solvers._newton import hessian

from _helpers import NEW_PENALTY_API, penalty_params

TIGHT = dict(tol=1e-10, max_iter=100_000)


def data(n_classes=2, n=300, p=6, seed=0):
    X, y = make_classification(n, p, n_informative=min(p, 4), n_redundant=0,
                               n_classes=n_classes, n_clusters_per_class=1,
                               random_state=seed)
    return StandardScaler().fit_transform(X), y


# class_weight='balanced' counts weighted samples in newer scikit-learn releases
BALANCED_USES_WEIGHTS = "sample_weight" in inspect.signature(compute_class_weight).parameters


def sklearn_model(penalty="l2", C=1.0, l1_ratio=None, **kwargs):
    """sklearn's LogisticRegression (saga for L1 / elastic-net unless told)."""
    params = penalty_params(penalty, C, l1_ratio)
    if params.get("l1_ratio") or penalty in ("l1", "elasticnet"):
        kwargs.setdefault("solver", "saga")
    return LogisticRegression(**params, **kwargs)


def ours_model(penalty="l2", C=1.0, l1_ratio=None, **kwargs):
    """SigCoreLogisticRegression with the same penalty parameters."""
    return SigCoreLogisticRegression(**penalty_params(penalty, C, l1_ratio), **kwargs)


def rel_diff(a, b):
    return np.max(np.abs(np.asarray(a, float) - b)) / max(np.max(np.abs(b)), 1e-12)


def objective(X, y, coef, intercept, C, sample_weight=None, alpha=1.0, l1_ratio=0.0):
    """The documented objective, written independently with scipy."""
    classes = np.unique(y)
    sw = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
    Z = alpha * (np.asarray(X @ coef.T) + intercept)
    if len(classes) == 2:
        u = Z[:, 0]
        t = (y == classes[1]).astype(float)
        loss = np.logaddexp(0, u) - t * u
    else:
        idx = np.searchsorted(classes, y)
        loss = logsumexp(Z, axis=1) - Z[np.arange(len(y)), idx]
    S = sw.sum()
    pen = 0.0 if C == np.inf else ((1 - l1_ratio) * 0.5 * np.sum(coef ** 2)
                                   + l1_ratio * np.abs(coef).sum()) / (C * S)
    return float(np.dot(sw, loss) / S + pen)


# ------------------------------------------------------------ the loss layer
def reference_sums(X, y, sw, alpha, W, b):
    Z = alpha * (np.asarray(X @ W.T) + (0 if b is None else b))
    if W.shape[0] == 1:
        loss = np.logaddexp(0, Z[:, 0]) - y * Z[:, 0]
        Gz = alpha * (expit(Z) - y[:, None])
    else:
        Y = np.eye(W.shape[0])[y.astype(int)]
        loss = logsumexp(Z, axis=1) - np.sum(Z * Y, axis=1)
        Gz = alpha * (np.exp(Z - logsumexp(Z, axis=1, keepdims=True)) - Y)
    Gz *= sw[:, None]
    return float(np.dot(sw, loss)), np.asarray(X.T @ Gz).T, Gz.sum(axis=0)


LAYOUTS = {
    "C": lambda X: np.ascontiguousarray(X),
    "F": lambda X: np.asfortranarray(X),
    "csr32": lambda X: sp.csr_matrix(X),
    "csr64": lambda X: _csr_int64(X),
    "csc": lambda X: sp.csc_matrix(X),
}


def _csr_int64(X):
    M = sp.csr_matrix(X)
    M.indices = M.indices.astype(np.int64)
    M.indptr = M.indptr.astype(np.int64)
    return M


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("K", [1, 3])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("p", [9, 300])  # (300: the BLAS route for several classes)
def test_linear_loss_matches_reference(layout, K, dtype, fit_intercept, p):
    rng = np.random.default_rng(K)
    n = 700
    X = rng.normal(size=(n, p))
    X[rng.random((n, p)) < 0.4] = 0.0
    y = (rng.integers(0, 2, n) if K == 1 else rng.integers(0, K, n)).astype(float)
    sw = rng.uniform(0.0, 2.0, n)
    W, b, alpha = rng.normal(size=(K, p)), rng.normal(size=K), 1.7
    b = b if fit_intercept else None
    ref = reference_sums(X, y, sw, alpha, W, b)
    Xl = LAYOUTS[layout](X.astype(dtype))
    loss = LinearLoss(Xl, y.astype(dtype), sw.astype(dtype), alpha, K, fit_intercept,
                      block_rows=64)
    total, G, gb = loss.loss_gradient(W, b)
    rtol = 1e-11 if dtype == np.float64 else 2e-5
    assert_allclose(total, ref[0], rtol=rtol)
    assert_allclose(G, ref[1], rtol=rtol * 10, atol=rtol * 10 * np.abs(ref[1]).max())
    if fit_intercept:
        assert_allclose(gb, ref[2], rtol=rtol * 10, atol=rtol * 10 * np.abs(ref[2]).max())


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("layout", ["csr32", "csr64"])
def test_csr_loss_with_more_classes_than_a_class_block(dtype, layout):
    """The CSR kernels take the classes 32 at a time (here 40)."""
    rng = np.random.default_rng(7)
    n, p, K = 600, 50, 40
    X = rng.normal(size=(n, p))
    X[rng.random((n, p)) < 0.7] = 0.0
    y = rng.integers(0, K, n).astype(float)
    sw = rng.uniform(0.0, 2.0, n)
    W, b = rng.normal(size=(K, p)), rng.normal(size=K)
    ref = reference_sums(X, y, sw, 0.6, W, b)
    loss = LinearLoss(LAYOUTS[layout](X.astype(dtype)), y.astype(dtype), sw.astype(dtype),
                      0.6, K, True, block_rows=64)
    total, G, gb = loss.loss_gradient(W, b)
    rtol = 1e-11 if dtype == np.float64 else 2e-5
    assert_allclose(total, ref[0], rtol=rtol)
    assert_allclose(G, ref[1], rtol=rtol * 10, atol=rtol * 10 * np.abs(ref[1]).max())
    assert_allclose(gb, ref[2], rtol=rtol * 10, atol=rtol * 10 * np.abs(ref[2]).max())


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("K", [1, 4])
@pytest.mark.parametrize("p", [5, 260])  # (260: the BLAS route for several classes)
def test_hessp_matches_finite_differences(layout, K, p):
    rng = np.random.default_rng(10 + K)
    n = 400
    X = rng.normal(size=(n, p))
    y = (rng.integers(0, 2, n) if K == 1 else rng.integers(0, K, n)).astype(float)
    sw = rng.uniform(0.5, 2.0, n)
    loss = LinearLoss(LAYOUTS[layout](X), y, sw, 0.8, K, True, block_rows=50)
    W, b = rng.normal(size=(K, p)), rng.normal(size=K)
    V, vb = rng.normal(size=(K, p)), rng.normal(size=K)
    loss.loss_gradient(W, b, store_hessian=True)
    HV, Hb = loss.hessp(V, vb)
    eps = 1e-6
    _, G1, g1 = loss.loss_gradient(W + eps * V, b + eps * vb)
    _, G0, g0 = loss.loss_gradient(W - eps * V, b - eps * vb)
    assert_allclose(HV, (G1 - G0) / (2 * eps), rtol=1e-6, atol=1e-6 * np.abs(HV).max())
    assert_allclose(Hb, (g1 - g0) / (2 * eps), rtol=1e-6, atol=1e-6 * np.abs(Hb).max())


@pytest.mark.parametrize("K", [1, 3])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_problem_zero_point_from_class_sums(K, fit_intercept, dtype):
    """The first evaluation at θ = 0, taken from X's per-class row sums (the
    pass that finds the column scale), equals the loss pass over X."""
    rng = np.random.default_rng(4)
    n_classes = 2 if K == 1 else K
    X = (rng.normal(size=(300, 5)) * [1.0, 8.0, 0.125, 1.0, 3.0]).astype(dtype)
    labels = rng.integers(0, n_classes, 300)
    y = (labels if K > 1 else labels == 1).astype(dtype)
    sw = rng.uniform(0.5, 2.0, 300).astype(dtype)
    problem = LogisticProblem(X, y, sw, float(sw.sum(dtype=np.float64)), K, fit_intercept,
                              l2=0.1, scale=np.array([1.0, 0.125, 8.0, 1.0, 0.25]))
    zero = np.zeros(problem.size)
    expected = problem.smooth(zero)
    _, class_sums = column_sums(X, labels, sw, n_classes)
    problem.know_zero_point(class_sums, np.bincount(labels, weights=sw, minlength=n_classes))
    value, grad = problem.smooth(zero)
    tol = 1e-12 if dtype == np.float64 else 1e-6
    assert_allclose(value, expected[0], rtol=tol)
    assert_allclose(grad, expected[1], rtol=tol, atol=tol * np.abs(expected[1]).max())
    # elsewhere (and with the Hessian stored) the pass over X still runs
    theta = rng.normal(size=problem.size) * 0.1
    assert_allclose(problem.smooth(theta)[1], problem.smooth(theta, store_hessian=True)[1])
    assert not np.allclose(problem.smooth(theta)[1], grad)


def test_problem_zero_point_not_taken_from_overflowing_class_sums():
    # two finite rows of 1e308 in one class: their class sum overflows, the
    # loss pass's sum (times a residual of 1/2) does not
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    labels = np.arange(40) % 2
    X[0, 0] = X[2, 0] = 1e308
    problem = LogisticProblem(X, labels.astype(float), None, 40.0, 1, True)
    expected = problem.smooth(np.zeros(problem.size))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, class_sums = column_sums(X, labels, None, 2)
        problem.know_zero_point(class_sums, np.bincount(labels).astype(float))
        value, grad = problem.smooth(np.zeros(problem.size))
    assert np.isfinite(grad).all()
    assert_allclose(grad, expected[1], rtol=1e-12)
    assert value == expected[0]


@pytest.mark.parametrize("solver", ["sag", "saga"])
def test_sag_vanishing_penalty_without_intercept(solver):
    # C alpha^2 below ~1e-300: only the intercept is fitted, and there is
    # none: a zero model (this divided by a zero step bound)
    X, y = data(2)
    clf = SigCoreLogisticRegression(solver=solver, C=1e-320, fit_intercept=False).fit(X, y)
    assert_array_equal(clf.coef_, 0.0)


@pytest.mark.parametrize("K", [1, 3])
@pytest.mark.parametrize("l2", [0.0, 0.3])
@pytest.mark.parametrize("scaled", [False, True])
def test_problem_gradient_hessp_and_hessian_finite_differences(K, l2, scaled):
    """The solvers' objective in their coordinates: θ ⊙ [d, 1] are the α = 1
    coefficients, penalised with l2 (and intercept_l2, liblinear's)."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 4)) * [1.0, 8.0, 0.125, 1.0]
    y = (rng.integers(0, 2, 200) if K == 1 else rng.integers(0, K, 200)).astype(float)
    sw = rng.uniform(0.5, 2.0, 200)
    d = np.array([1.0, 0.125, 8.0, 1.0]) if scaled else None
    problem = LogisticProblem(X, y, sw, sw.sum(), K, True, l2=l2, intercept_l2=l2 / 4,
                              scale=d)
    theta = rng.normal(size=problem.size) * 0.3
    value, grad = problem.smooth(theta, store_hessian=True)
    v = rng.normal(size=problem.size)
    hv = problem.hessp(v)
    H = hessian(problem)
    eps = 1e-6
    fd_grad = np.array([(problem.smooth(theta + eps * e)[0] - problem.smooth(theta - eps * e)[0])
                        / (2 * eps) for e in np.eye(problem.size)])
    assert_allclose(grad, fd_grad, rtol=1e-6, atol=1e-8)
    fd_hv = (problem.smooth(theta + eps * v)[1] - problem.smooth(theta - eps * v)[1]) / (2 * eps)
    assert_allclose(hv, fd_hv, rtol=1e-5, atol=1e-7)
    # the exact Hessian away from the multinomial loss's flat directions (which
    # `hessian` fills in): v without its mean over the classes, per feature
    # and for the intercepts
    if K > 1:
        coef = v[:K * 4].reshape(K, 4)
        v = np.concatenate([(coef - coef.mean(axis=0)).ravel(), v[K * 4:] - v[K * 4:].mean()])
        # along each of them (feature 1 in every class, scaled as θ is, and
        # the intercepts) H adds s u uᵀ / (uᵀu), s the mean diagonal entry
        # before: every diagonal entry got s / K, so trace(H) = s size (1 + 1/K)
        s = np.trace(H) / (problem.size * (1 + 1 / K))
        for entries in (slice(1, K * 4, 4), slice(K * 4, None)):
            u = np.zeros(problem.size)
            u[entries] = 1.0 / problem.factor[entries]
            assert_allclose(H @ u, problem.hessp(u) + s * u, rtol=1e-9, atol=1e-12)
    assert_allclose(H @ v, problem.hessp(v), rtol=1e-9, atol=1e-12)
    # and the value is the documented objective of the coefficients θ ⊙ [d, 1]
    W, b = problem.coefficients(theta)
    assert_allclose(W, theta[:K * 4].reshape(K, 4) * (1.0 if d is None else d))
    C = np.inf if l2 == 0 else 1.0 / (l2 * sw.sum())
    expected = objective(X, y, W, b, C, sample_weight=sw) + 0.5 * l2 / 4 * np.sum(b ** 2)
    assert_allclose(value, expected, rtol=1e-12)


def test_threads_give_the_same_sums():
    rng = np.random.default_rng(5)
    n, p = 80_000, 8  # two grains of 2**18 elements: two threads
    X = rng.normal(size=(n, p))
    y = (rng.random(n) < 0.5).astype(float)
    W, b = rng.normal(size=(1, p)), rng.normal(size=1)
    one = LinearLoss(X, y, None, 1.0, 1, True, n_threads=1)
    two = LinearLoss(X, y, None, 1.0, 1, True, n_threads=2)
    assert one.n_threads == 1
    assert two.n_threads == min(2, openmp_effective_n_threads())
    r1, r2 = one.loss_gradient(W, b), two.loss_gradient(W, b)
    assert_allclose(r1[0], r2[0], rtol=1e-13)
    assert_allclose(r1[1], r2[1], rtol=1e-11)
    assert_allclose(r1[2], r2[2], rtol=1e-11)


# ----------------------------------------------------------- vs scikit-learn
CASES = {
    "binary": dict(),
    "multinomial": dict(n_classes=3),
    "sample_weight": dict(sample_weight=True),
    "class_weight": dict(class_weight={0: 3.0, 1: 0.5}),
    "balanced": dict(n_classes=3, class_weight="balanced"),
    "balanced_weighted": dict(n_classes=3, class_weight="balanced", sample_weight=True),
    "no_intercept": dict(fit_intercept=False),
    "sparse_csr": dict(sparse=True),
    "sparse_csr_multinomial": dict(n_classes=4, sparse=True),
}


def _case(name):
    opts = dict(CASES[name])
    X, y = data(opts.pop("n_classes", 2))
    sw = None
    if opts.pop("sample_weight", False):
        sw = np.random.default_rng(1).uniform(0.2, 3.0, len(y))
    if opts.pop("sparse", False):
        X = X.copy()
        X[np.abs(X) < 0.7] = 0.0
        X = sp.csr_matrix(X)
    return X, y, sw, opts


# Each solver against scikit-learn's solver of the same name ('fista' and
# 'auto' against 'lbfgs'): the same optimum.
SOLVERS = ["lbfgs", "newton-cg", "newton-cholesky", "sag", "saga", "liblinear", "fista",
           "auto"]


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("solver", SOLVERS)
def test_matches_sklearn_l2(name, solver):
    if name == "balanced_weighted" and not BALANCED_USES_WEIGHTS:
        pytest.skip("this scikit-learn's 'balanced' ignores sample_weight")
    X, y, sw, opts = _case(name)
    if solver == "liblinear" and len(np.unique(y)) > 2:
        pytest.skip("liblinear is binary only")
    C = 0.3
    same = dict(solver=solver if solver not in ("fista", "auto") else "lbfgs")
    if solver in ("sag", "saga", "liblinear"):
        same["random_state"] = 0
    ref = sklearn_model("l2", C=C, **same, **opts, **TIGHT).fit(X, y, sample_weight=sw)
    ours = SigCoreLogisticRegression(C=C, solver=solver, random_state=0, **opts,
                                     **TIGHT).fit(X, y, sample_weight=sw)
    assert rel_diff(ours.coef_, ref.coef_) < 1e-4
    if opts.get("fit_intercept", True):
        assert rel_diff(ours.intercept_, ref.intercept_ - ref.intercept_.mean()
                        if len(ref.classes_) > 2 else ref.intercept_) < 1e-4
    assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)
    if solver != "liblinear":  # (liblinear's objective also penalises the intercept)
        f_ours = objective(X, y, ours.coef_, ours.intercept_, C, sw_total(sw, y, opts))
        f_ref = objective(X, y, ref.coef_, ref.intercept_, C, sw_total(sw, y, opts))
        assert f_ours <= f_ref + 1e-12


def sw_total(sw, y, opts):
    """Sample weights times class weights, as both models use them."""
    cw = opts.get("class_weight")
    if cw is None:
        return sw
    classes = np.unique(y)
    extra = {"sample_weight": sw} if BALANCED_USES_WEIGHTS else {}
    factors = compute_class_weight(cw, classes=classes, y=y, **extra)
    out = factors[np.searchsorted(classes, y)]
    return out if sw is None else out * sw


@pytest.mark.parametrize("solver", ["lbfgs", "newton-cg"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_matches_sklearn_no_penalty(solver, n_classes):
    X, y = data(n_classes, n=200)
    X = X + np.random.default_rng(0).normal(scale=2.0, size=X.shape)  # not separable
    ref = sklearn_model(None, **TIGHT).fit(X, y)
    ours = ours_model(None, solver=solver, **TIGHT).fit(X, y)
    assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)
    assert objective(X, y, ours.coef_, ours.intercept_, np.inf) <= \
        objective(X, y, ref.coef_, ref.intercept_, np.inf) + 1e-12


@pytest.mark.parametrize("penalty,l1_ratio", [("l1", 1.0), ("elasticnet", 0.4)])
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("solver", ["saga", "fista", "liblinear", "auto"])
def test_matches_sklearn_l1_elasticnet(penalty, l1_ratio, n_classes, sparse, solver):
    if solver == "liblinear" and (n_classes > 2 or penalty == "elasticnet"):
        pytest.skip("liblinear: binary, L1 or L2")
    X, y = data(n_classes, n=250, p=8)
    X = sp.csr_matrix(X) if sparse else X
    C = 0.1
    same = "liblinear" if solver == "liblinear" else "saga"
    ref = sklearn_model(penalty, C=C, l1_ratio=l1_ratio, tol=1e-12, max_iter=100_000,
                        random_state=0, solver=same).fit(X, y)
    ours = ours_model(penalty, C=C, l1_ratio=l1_ratio, solver=solver, random_state=0,
                      **TIGHT).fit(X, y)
    assert rel_diff(ours.coef_, ref.coef_) < 1e-4
    # the same zeros
    assert_array_equal(ours.coef_ == 0, np.abs(ref.coef_) < 1e-8)
    assert (ours.coef_ == 0).any()
    if solver != "liblinear":
        f = dict(C=C, l1_ratio=l1_ratio)
        assert objective(X, y, ours.coef_, ours.intercept_, **f) <= \
            objective(X, y, ref.coef_, ref.intercept_, **f) + 1e-12


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("sparse", [False, True])
def test_auto_binary_l1_coordinate_descent(fit_intercept, sparse):
    """'auto' on binary L1 (newGLMNET, intercept unpenalised) against
    scikit-learn's saga, with sample and class weights and an alpha."""
    X, y = data(2, n=300, p=10, seed=3)
    X = sp.csr_matrix(X) if sparse else X
    sw = np.random.default_rng(1).uniform(0.2, 3.0, len(y))
    C, alpha = 0.05, 2.0
    opts = dict(fit_intercept=fit_intercept, class_weight={0: 1.0, 1: 2.5})
    # the (alpha, C) -> (1, C alpha) identity of L1: scikit-learn fits alpha = 1
    ref = sklearn_model("l1", C=C * alpha, tol=1e-12, max_iter=100_000, random_state=0,
                        **opts).fit(X, y, sample_weight=sw)
    ours = ours_model("l1", C=C, alpha=alpha, **opts, **TIGHT).fit(X, y, sample_weight=sw)
    assert rel_diff(alpha * ours.coef_, ref.coef_) < 1e-4
    assert_array_equal(ours.coef_ == 0, np.abs(ref.coef_) < 1e-8)
    assert 0 < (ours.coef_ == 0).sum() < X.shape[1]
    if fit_intercept:
        assert alpha * ours.intercept_[0] == pytest.approx(ref.intercept_[0], rel=1e-4)
    f = dict(C=C * alpha, l1_ratio=1.0, sample_weight=sw_total(sw, y, opts))
    assert objective(X, y, alpha * ours.coef_, alpha * ours.intercept_, **f) <= \
        objective(X, y, ref.coef_, ref.intercept_, **f) + 1e-12


@pytest.mark.parametrize("C, alpha", [(1e-300, 1e-300), (1e-300, 1.0), (1e-30, 1.0),
                                      (1.0, 1e-30)])
@pytest.mark.parametrize("weighted", [False, True])
def test_auto_binary_l1_vanishing_penalty(C, alpha, weighted):
    # C alpha tiny: no coefficient survives, the intercept is the (weighted)
    # log-odds of the positive class. C alpha = 1e-600 underflows; at 1e-300
    # the coordinate descent dropped every sample and at 1e-30 its Hessian
    # shift froze the intercept: both returned an intercept of 0
    X, y = data(2, n=300, p=10, seed=4)
    sw = np.random.RandomState(0).uniform(0.2, 3.0, len(y)) if weighted else None
    tiny = ours_model("l1", C=C, alpha=alpha, **TIGHT).fit(X, y, sample_weight=sw)
    assert not tiny.coef_.any()
    p = np.average(y, weights=sw)
    assert alpha * tiny.intercept_[0] == pytest.approx(np.log(p / (1 - p)), rel=1e-6)


@pytest.mark.parametrize("order", ["C", "F"])
def test_dense_layouts_and_csc_agree(order):
    X, y = data(3)
    dense = SigCoreLogisticRegression(solver="lbfgs", **TIGHT).fit(np.asarray(X, order=order), y)
    csc = SigCoreLogisticRegression(solver="lbfgs", **TIGHT).fit(sp.csc_matrix(X), y)
    assert_allclose(dense.coef_, csc.coef_, rtol=1e-8, atol=1e-10)


# ---------------------------------------------------------------- α identity
@pytest.mark.parametrize("solver", ["lbfgs", "newton-cg", "fista"])
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("alpha", [0.25, 3.0])
def test_alpha_C_identity_l2(solver, n_classes, alpha):
    X, y = data(n_classes)
    C = 0.2
    scaled = SigCoreLogisticRegression(alpha=alpha, C=C, solver=solver, **TIGHT).fit(X, y)
    plain = SigCoreLogisticRegression(alpha=1.0, C=C * alpha ** 2, solver=solver,
                                      **TIGHT).fit(X, y)
    # equal up to the solvers' stopping tolerance (lbfgs also stops on ftol)
    assert_allclose(scaled.predict_proba(X), plain.predict_proba(X), atol=1e-6)
    assert rel_diff(alpha * scaled.coef_, plain.coef_) < 1e-5
    assert_allclose(scaled.decision_function(X), plain.decision_function(X),
                    rtol=1e-4, atol=1e-5)
    # and α alone (same C) does change the model
    same_C = SigCoreLogisticRegression(alpha=1.0, C=C, solver=solver, **TIGHT).fit(X, y)
    assert np.max(np.abs(same_C.predict_proba(X) - scaled.predict_proba(X))) > 1e-3


@pytest.mark.parametrize("alpha", [0.5, 2.0])
def test_alpha_C_identity_l1(alpha):
    X, y = data(2, p=8)
    C = 0.05
    scaled = ours_model("l1", alpha=alpha, C=C, solver="fista", **TIGHT).fit(X, y)
    plain = ours_model("l1", alpha=1.0, C=C * alpha, solver="fista", **TIGHT).fit(X, y)
    assert_allclose(scaled.predict_proba(X), plain.predict_proba(X), atol=1e-6)
    assert rel_diff(alpha * scaled.coef_, plain.coef_) < 1e-5


# --------------------------------------------------------- outputs and dtypes
@pytest.mark.parametrize("n_classes", [2, 3])
def test_outputs_are_consistent(n_classes):
    X, y = data(n_classes)
    alpha = 2.5
    clf = SigCoreLogisticRegression(alpha=alpha).fit(X, y)
    raw = X @ clf.coef_.T + clf.intercept_
    d = clf.decision_function(X)
    proba = clf.predict_proba(X)
    if n_classes == 2:
        assert d.shape == (len(y),)
        assert_allclose(d, alpha * raw[:, 0], rtol=1e-12)
        assert_allclose(proba[:, 1], expit(d), rtol=1e-12)
    else:
        assert d.shape == (len(y), n_classes)
        assert_allclose(d, alpha * raw, rtol=1e-12)
        assert_allclose(proba, np.exp(d - logsumexp(d, axis=1, keepdims=True)), rtol=1e-12)
    assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-14)
    assert_allclose(clf.predict_log_proba(X), np.log(proba), rtol=1e-10, atol=1e-12)
    assert_array_equal(clf.predict(X), clf.classes_[np.argmax(proba, axis=1)])
    assert clf.score(X, y) > 0.8
    assert clf.coef_.shape == (1 if n_classes == 2 else n_classes, X.shape[1])


def test_extreme_scores_stay_finite():
    X, y = data(2)
    clf = SigCoreLogisticRegression(alpha=1.0).fit(X, y)
    far = np.full((1, X.shape[1]), 1e150) * np.sign(clf.coef_)
    assert np.isfinite(clf.predict_log_proba(far)).all() or \
        np.all(clf.predict_log_proba(far)[:, 1] == 0)
    assert_allclose(clf.predict_proba(far), [[0.0, 1.0]])
    assert clf.predict_log_proba(far)[0, 0] < -1e100


@pytest.mark.parametrize("solver", ["sag", "saga"])
@pytest.mark.parametrize("sparse", [False, True])
def test_sag_any_row_scale_same_model(solver, sparse):
    """X * 2**k at C / 4**k is the model of X at C (coefficients / 2**k):
    sag and saga reach it at every scale. Rows far from unit scale take an
    intercept column of their own scale (the same iterates at every k beyond
    the range); at X * 2**-166 the intercept used to settle first and the
    fit stopped at zero weights, silently."""
    X, y = make_classification(300, 8, random_state=0)
    X = StandardScaler().fit_transform(X)
    optimum = SigCoreLogisticRegression(solver="lbfgs", tol=1e-10).fit(X, y)
    fits = {}
    for k in (-400, -166, 60, 400):
        f = 2.0 ** k
        Xk = sp.csr_matrix(X * f) if sparse else X * f
        clf = SigCoreLogisticRegression(solver=solver, C=1.0 / f / f, max_iter=3000,
                                        random_state=0).fit(Xk, y)
        fits[k] = (clf.coef_ * f, clf.intercept_, clf.n_iter_)
        assert_allclose(clf.coef_ * f, optimum.coef_, atol=0.05 * np.abs(optimum.coef_).max())
        assert_allclose(clf.intercept_, optimum.intercept_, atol=0.05)
    for k in (-166, 60, 400):
        assert_allclose(fits[k][0], fits[-400][0], rtol=1e-12)
        assert_allclose(fits[k][1], fits[-400][1], rtol=1e-12)
        assert_array_equal(fits[k][2], fits[-400][2])


def test_liblinear_primal_tiny_features_reach_the_limit():
    """liblinear's L2 primal on X * 2**k at C / 4**k (k << 0): in X's units
    the intercept's penalty vanishes, so the optimum is the free-intercept
    model of X at C. The Newton-CG works in column-scaled coordinates; in
    X's own it stopped after 3 steps at zero coefficients, silently."""
    X, y = make_classification(300, 8, random_state=0)
    X = StandardScaler().fit_transform(X)
    free = SigCoreLogisticRegression(solver="lbfgs", tol=1e-12, max_iter=1000).fit(X, y)
    for k in (-300, -100):
        f = 2.0 ** k
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            clf = SigCoreLogisticRegression(solver="liblinear", C=1.0 / f / f,
                                            tol=1e-8).fit(X * f, y)
        assert_allclose(clf.coef_ * f, free.coef_, rtol=1e-4, atol=1e-6)
        assert_allclose(clf.intercept_, free.intercept_, rtol=1e-4, atol=1e-6)


def test_string_labels():
    X, y = data(3)
    labels = np.array(["cat", "dog", "emu"])[y]
    clf = SigCoreLogisticRegression().fit(X, labels)
    assert_array_equal(clf.classes_, ["cat", "dog", "emu"])
    assert set(clf.predict(X)) <= set(labels)


@pytest.mark.parametrize("solver", ["lbfgs", "newton-cg", "fista"])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_float32_end_to_end(solver, sparse, n_classes):
    X, y = data(n_classes)
    X32 = X.astype(np.float32)
    X32 = sp.csr_matrix(X32) if sparse else X32
    clf = SigCoreLogisticRegression(solver=solver, alpha=1.5, tol=1e-5, max_iter=1000)
    clf.fit(X32, y)
    for value in (clf.coef_, clf.intercept_, clf.predict_proba(X32),
                  clf.predict_log_proba(X32), clf.decision_function(X32)):
        assert value.dtype == np.float32
    ref = SigCoreLogisticRegression(solver=solver, alpha=1.5, tol=1e-5,
                                    max_iter=1000).fit(X, y)
    assert ref.coef_.dtype == np.float64
    assert_allclose(clf.coef_, ref.coef_, rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("penalty", ["l2", "l1"])
def test_liblinear_solves_float32_in_float64_as_sklearn(penalty):
    # scikit-learn's liblinear converts X to float64: float64 coefficients
    # and predictions, the same as for float64 X
    X, y = data(2)
    X32 = X.astype(np.float32)
    kw = dict(solver="liblinear", penalty=penalty, tol=1e-8, max_iter=1000, random_state=0)
    ours = SigCoreLogisticRegression(**kw).fit(X32, y)
    theirs = LogisticRegression(**kw).fit(X32, y)
    for value in (ours.coef_, ours.intercept_, ours.predict_proba(X32),
                  ours.decision_function(X32)):
        assert value.dtype == np.float64
    assert theirs.coef_.dtype == np.float64
    assert_allclose(ours.coef_, theirs.coef_, rtol=1e-5, atol=1e-7)
    assert_allclose(ours.predict_proba(X32), theirs.predict_proba(X32), rtol=1e-6)
    wide = SigCoreLogisticRegression(**kw).fit(X32.astype(np.float64), y)
    assert_allclose(ours.coef_, wide.coef_, rtol=1e-12, atol=1e-14)


def test_validation_keeps_X_in_place():
    X, y = data(2, n=2000)
    clf = SigCoreLogisticRegression().fit(X, y)
    for Xin in (X, np.asfortranarray(X), X.astype(np.float32), sp.csr_matrix(X),
                sp.csc_matrix(X)):
        Xv = clf._validate_X(Xin, reset=False)
        if sp.issparse(Xin):
            assert np.shares_memory(Xv.data, Xin.data)
        else:
            assert Xv is Xin


@pytest.mark.parametrize("solver", ["auto", "lbfgs", "sag", "liblinear"])
def test_unsorted_sparse_input_left_untouched(solver):
    # CSR with unsorted indices and a duplicate entry (column selection gives
    # unsorted ones): fitted as its canonical form, the caller's matrix left
    # as it was, and a read-only one (joblib memmaps) accepted
    X, y = data(2, n=300)
    X[np.abs(X) < 0.5] = 0
    order = np.random.default_rng(0).permutation(X.shape[1])
    Xs = sp.csr_matrix(X)[:, order]
    assert not Xs.has_sorted_indices
    Xs = sp.csr_matrix((np.append(Xs.data, 0.25), np.append(Xs.indices, Xs.indices[0]),
                        np.append(Xs.indptr[:-1], Xs.nnz + 1)), shape=Xs.shape)
    Xs.indptr[1:] += np.arange(Xs.shape[0]) == 0      # the duplicate sits in row 0
    Xs.has_canonical_format = False
    dense = Xs.toarray()
    kept = Xs.data.copy(), Xs.indices.copy(), Xs.indptr.copy()
    for a in (Xs.data, Xs.indices, Xs.indptr):
        a.flags.writeable = False
    clf = SigCoreLogisticRegression(solver=solver, tol=1e-10, max_iter=10000).fit(Xs, y)
    for before, after in zip(kept, (Xs.data, Xs.indices, Xs.indptr)):
        assert_array_equal(before, after)
    ref = SigCoreLogisticRegression(solver=solver, tol=1e-10, max_iter=10000).fit(dense, y)
    assert_allclose(clf.coef_, ref.coef_, rtol=1e-6, atol=1e-8)
    assert_allclose(clf.predict_proba(Xs), ref.predict_proba(dense), rtol=1e-6, atol=1e-10)

# ------------------------------------------------------ solver behaviour
@pytest.mark.parametrize("solver", ["lbfgs", "newton-cg", "fista"])
def test_convergence_warning_and_usable_model(solver):
    X, y = data(3)
    clf = SigCoreLogisticRegression(solver=solver, max_iter=1, tol=1e-12)
    with pytest.warns(ConvergenceWarning, match=solver):
        clf.fit(X, y)
    assert clf.n_iter_[0] <= 1
    assert clf.score(X, y) > 0.5


@pytest.mark.parametrize("solver", ["lbfgs", "newton-cg", "fista"])
def test_warm_start_continues(solver):
    X, y = data(2)
    cold = SigCoreLogisticRegression(solver=solver, tol=1e-8, max_iter=1000).fit(X, y)
    warm = SigCoreLogisticRegression(solver=solver, tol=1e-8, max_iter=1000,
                                     warm_start=True).fit(X, y)
    first = warm.n_iter_[0]
    warm.fit(X, y)
    assert warm.n_iter_[0] < first
    assert_allclose(warm.coef_, cold.coef_, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("solver", ["lbfgs", "newton-cholesky", "sag", "liblinear"])
@pytest.mark.parametrize("change", ["classes", "features"])
def test_warm_start_from_another_shape_errors_as_sklearn(solver, change):
    # scikit-learn >= 1.8 refuses to warm start from coefficients of another
    # shape (its liblinear, binary only, ignores warm_start; 1.6-1.7 warm
    # started a binary fit from the first row of multinomial coefficients);
    # a failed fit leaves the model as it was
    X, y = data(2 if solver == "liblinear" else 3)
    if change == "features":
        X2, y2 = X[:, :-1], y
    elif solver == "liblinear":
        X2, y2 = X, np.where(y == 0, 0, 2)      # as many classes, other labels
    else:
        X2, y2 = X[y < 2], y[y < 2]
    peer = [LogisticRegression] if NEW_PENALTY_API else []
    for cls in peer + [SigCoreLogisticRegression]:
        model = cls(solver=solver, warm_start=True, max_iter=20)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
            coef = model.coef_.copy()
            if solver == "liblinear":
                model.fit(X2, y2)
                assert_array_equal(model.classes_, np.unique(y2))
                continue
            with pytest.raises(ValueError, match="Initialization coef is of shape"):
                model.fit(X2, y2)
        assert_array_equal(model.coef_, coef)


@pytest.mark.parametrize("penalty", ["l2", "l1"])
@pytest.mark.parametrize("classes", [(2, 3), (3, 2)])
def test_auto_warm_start_shape_error_does_not_depend_on_its_choice(penalty, classes):
    # 'auto' takes lbfgs, the L1 coordinate descent (binary) or saga
    # (multiclass L1); going between 2 and 3 classes raises with each
    first, second = classes
    X, y = data(3)
    model = SigCoreLogisticRegression(**penalty_params(penalty), warm_start=True,
                                      max_iter=20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X[y < first], y[y < first])
        coef = model.coef_.copy()
        with pytest.raises(ValueError, match="Initialization coef is of shape"):
            model.fit(X[y < second], y[y < second])
    assert_array_equal(model.coef_, coef)


def test_larger_problem_multithreaded_matches_sklearn():
    """A size where the fused pass runs on several threads and BLAS blocks."""
    X, y = make_classification(20_000, 30, n_informative=10, random_state=0)
    ref = sklearn_model("l2", tol=1e-9, max_iter=10_000).fit(X, y)
    ours = SigCoreLogisticRegression(tol=1e-9, max_iter=10_000).fit(X, y)
    assert rel_diff(ours.coef_, ref.coef_) < 1e-4


# ----------------------------------------------------------------- partial_fit
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("penalty", ["l2", "l1"])
def test_partial_fit_approaches_fit(n_classes, penalty):
    X, y = data(n_classes, n=600)
    C = 1.0
    full = ours_model(penalty, C=C, solver="fista", **TIGHT).fit(X, y)
    stream = ours_model(penalty, C=C, random_state=0)
    stream.partial_fit(X[:100], y[:100], classes=np.unique(y))
    for _ in range(60):
        stream.partial_fit(X, y)
    assert stream.n_iter_[0] == 61
    l1 = 1.0 if penalty == "l1" else 0.0
    f_full = objective(X, y, full.coef_, full.intercept_, C, l1_ratio=l1)
    f_stream = objective(X, y, stream.coef_, stream.intercept_, C, l1_ratio=l1)
    assert f_full <= f_stream < f_full + 0.01
    assert np.mean(stream.predict(X) == full.predict(X)) > 0.95


def test_partial_fit_first_call_and_classes():
    X, y = data(3)
    clf = SigCoreLogisticRegression()
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[:10], y[:10], classes=[0, 1, 2])  # a batch need not hold all classes
    assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf.coef_.shape == (3, X.shape[1])
    with pytest.raises(ValueError, match="differs from the classes"):
        clf.partial_fit(X, y, classes=[0, 1])
    X32 = sp.csr_matrix(X.astype(np.float32))
    clf32 = SigCoreLogisticRegression().partial_fit(X32, y, classes=np.unique(y))
    assert clf32.coef_.dtype == np.float32
    assert clf32.predict_proba(X32).dtype == np.float32


def test_partial_fit_after_fit_continues_from_fit():
    X, y = data(2)
    # a fixed seed: one epoch's SGD noise moved a coefficient by up to 0.06
    # over seeds (0.01 typical), against coefficients of 1-3
    clf = SigCoreLogisticRegression(tol=1e-10, random_state=0).fit(X, y)
    before = clf.coef_.copy()
    clf.partial_fit(X, y)
    assert np.max(np.abs(clf.coef_ - before)) < 0.05


def test_partial_fit_streams_the_alpha_one_problem():
    """(α, C) and (1, C α²) stream the same model, and α far from 1 gives
    finite steps: 1e300 the unpenalised limit, 1e-300 zero coefficients."""
    X, y = data(3)
    classes = np.unique(y)

    def stream(**params):
        model = SigCoreLogisticRegression(random_state=0, **params)
        for _ in range(3):
            model.partial_fit(X, y, classes=classes)
        return model

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scaled, plain = stream(alpha=4.0, C=1.0), stream(alpha=1.0, C=16.0)
        huge, large = stream(alpha=1e300), stream(alpha=1e150)
        tiny = stream(alpha=1e-300)
    assert_allclose(scaled.decision_function(X), plain.decision_function(X), rtol=1e-10)
    assert_allclose(4.0 * scaled.coef_, plain.coef_, rtol=1e-10)
    # C α² = 1e300 and 1e600: no penalty left either way
    assert_allclose(huge.decision_function(X), large.decision_function(X), rtol=1e-10)
    assert np.all(np.isfinite(huge.coef_)) and np.abs(huge.coef_).max() > 0
    assert not tiny.coef_.any() and np.all(np.isfinite(tiny.intercept_))
    assert tiny.score(X, y) == np.mean(y == np.bincount(y).argmax())


def test_partial_fit_float32_continues_at_alpha_beyond_float32_range():
    X, y = data(2)
    X32 = X.astype(np.float32)
    model = SigCoreLogisticRegression(alpha=1e39).fit(X32, y)   # α · coef_ > float32 max
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.partial_fit(X32, y)
        model.partial_fit(X32, y)
    assert np.all(np.isfinite(model.coef_)) and model.score(X32, y) > 0.8


def test_partial_fit_intercept_learns_under_a_strong_penalty():
    """C α² = 1e-200 pins the coefficients near 0, not the intercept: it
    streams to the class balance, as fit's does."""
    X, y = data(2, n=400)
    y = (X[:, 0] > 0.85).astype(int)            # about 20 % positives
    fit = SigCoreLogisticRegression(alpha=1e-100).fit(X, y)
    stream = SigCoreLogisticRegression(alpha=1e-100, random_state=0)
    for _ in range(20):
        stream.partial_fit(X, y, classes=[0, 1])
    log_odds = np.log(y.mean() / (1 - y.mean()))
    assert_allclose(fit.decision_function(X), log_odds, atol=1e-2)
    assert_allclose(stream.decision_function(X), log_odds, atol=0.2)   # stuck at 0 once


@pytest.mark.parametrize("alpha", [1e-2, 1e-4, 1e-6, 1e-9])
@pytest.mark.parametrize("solver", ["sag", "saga"])
def test_sag_intercept_reaches_the_optimum_under_a_strong_penalty(solver, alpha):
    """C α² from 1e-4 to 1e-18: the step size is about 1 / penalty, and the
    unpenalised intercept crawled (α = 1e-4: 0.03 for 0.52 after 100 epochs,
    with a warning; α = 1e-6: 0 at once, without one; scikit-learn's sag
    stops at 0.003 at C = 1e-8). At the default tol, as users fit."""
    X, y = make_classification(600, 8, weights=[0.3], random_state=0)
    X = StandardScaler().fit_transform(X)
    if alpha >= 1e-6:
        ref = LogisticRegression(C=alpha ** 2, tol=1e-12, max_iter=10_000).fit(X, y)
        expected = ref.decision_function(X)
    else:  # (scikit-learn's lbfgs stops at 0 too) the coefficients' part is ~1e-18
        expected = np.log(y.mean() / (1 - y.mean()))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ours = SigCoreLogisticRegression(solver=solver, alpha=alpha,
                                         random_state=0).fit(X, y)
    # (at the default tol, seeds scatter the log-odds by up to ~0.01, as at
    # ordinary penalties and in scikit-learn's; it was off by 0.5)
    assert_allclose(ours.decision_function(X), expected, atol=1e-2)


@pytest.mark.parametrize("solver", ["saga", "auto"])
def test_elastic_net_under_a_strong_penalty_fits_the_class_balance(solver):
    """C α² = 1e-12 with half L1: every coefficient is 0 at the optimum, which
    leaves the log-odds of the class balance ('auto' picks saga here)."""
    X, y = make_classification(600, 8, weights=[0.3], random_state=0)
    X = StandardScaler().fit_transform(X)
    model = SigCoreLogisticRegression(solver=solver, alpha=1e-6, random_state=0,
                                      **penalty_params("elasticnet", 1.0, 0.5)).fit(X, y)
    log_odds = np.log(y.mean() / (1 - y.mean()))
    assert_allclose(model.decision_function(X), log_odds, atol=1e-2)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weighted", [False, True])
def test_fused_binary_loss_is_the_kernel_bit_for_bit(dtype, weighted):
    """The fused pass of _linear_loss (blocks, threads) gives the public
    kernel's values exactly.

    With X the identity, z = W and the gradient sums are the per-sample
    gradients, so both can be compared element by element.
    """
    from sklearn_sigcore._kernels import binary_loss_gradient

    z = np.concatenate([np.linspace(-40, 40, 161), [-1e300, -745.0, -1e-300, 0.0,
                                                    1e-300, 745.0, 1e300]])
    if dtype == np.float32:
        z = np.clip(z, -1e30, 1e30)
    z = z.astype(dtype)
    n = len(z)
    y = (np.arange(n) % 2).astype(dtype)
    sw = np.linspace(0.0, 3.0, n).astype(dtype) if weighted else None
    alpha = 1.7
    loss_ref, grad_ref = np.empty(n, dtype), np.empty(n, dtype)
    hess_ref = np.empty(n, dtype)
    total_ref = binary_loss_gradient(z, y, sw, alpha, loss_ref, grad_ref, hess_ref, 1)
    fused = LinearLoss(np.eye(n, dtype=dtype), y, sw, alpha, 1, False, block_rows=32)
    total, G, _ = fused.loss_gradient(z[None, :].astype(np.float64), store_hessian=True)
    assert_array_equal(G[0].astype(dtype), grad_ref)
    assert_array_equal(fused.curvature, hess_ref)
    assert_allclose(total, total_ref, rtol=1e-12)


@pytest.mark.parametrize("dual", [False, True])
@pytest.mark.parametrize("intercept_scaling", [1.0, 10.0])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("alpha", [1.0, 2.0])
def test_liblinear_objective_matches_sklearn(dual, intercept_scaling, sparse, alpha):
    """liblinear penalises the intercept as a feature of value intercept_scaling;
    the dual reaches the primal's optimum; α maps as (α, C) ≡ (1, Cα²)."""
    X, y = data(2, n=300, p=6)
    X = sp.csr_matrix(X) if sparse else X
    sw = np.random.default_rng(2).uniform(0.5, 2.0, len(y))
    C = 0.05
    ref = LogisticRegression(solver="liblinear", C=C * alpha ** 2, dual=dual,
                             intercept_scaling=intercept_scaling, tol=1e-12,
                             max_iter=100_000).fit(X, y, sample_weight=sw)
    ours = SigCoreLogisticRegression(solver="liblinear", C=C, alpha=alpha, dual=dual,
                                     intercept_scaling=intercept_scaling,
                                     **TIGHT).fit(X, y, sample_weight=sw)
    assert rel_diff(alpha * ours.coef_, ref.coef_) < 1e-4
    assert rel_diff(alpha * ours.intercept_, ref.intercept_) < 1e-4


def test_intercept_set_by_hand_as_a_float():
    # models built by setting attributes (as scikit-learn's accept)
    X, y = data(2)
    clf = SigCoreLogisticRegression().fit(X, y)
    expected = clf.predict_proba(X)
    clf.intercept_ = float(clf.intercept_[0])
    assert_allclose(clf.predict_proba(X), expected, rtol=1e-15)


@pytest.mark.parametrize("labels", ["int", "uint8", "bool", "str", "float"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_score_is_scikit_learn_accuracy(labels, n_classes):
    """score skips accuracy_score's target checks for integer labels (a grid
    search's every fold): the same value in every case, the same errors."""
    from sklearn.metrics import accuracy_score
    from sklearn_sigcore import SigCoreMLPClassifier

    if labels == "bool" and n_classes == 3:
        pytest.skip("two values")
    X, y = data(n_classes, n=200)
    y = {"int": y, "uint8": y.astype(np.uint8), "bool": y.astype(bool),
         "str": np.array(["a", "b", "c"])[y], "float": y.astype(float)}[labels]
    model = SigCoreLogisticRegression(C=0.01).fit(X, y)
    assert model.score(X, y) == accuracy_score(y, model.predict(X)) < 1.0
    other = y.copy()
    if labels in ("int", "uint8"):
        other[:7] = 7                       # a label the model never saw
        assert model.score(X, other) == accuracy_score(other, model.predict(X))
        assert model.score(X, y.astype(np.int64).astype(np.uint16)) == model.score(X, y)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        model.score(X, y[:-1])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        accuracy_score(y[:-1], model.predict(X))
    if labels == "int":   # a masked array is not a plain one: scikit-learn's outcome
        masked = np.ma.masked_array(y, mask=np.arange(len(y)) % 3 == 0)

        def outcome(score):
            try:
                return score()
            except TypeError as error:   # (numpy 2 + scikit-learn 1.9; 1.6 on numpy 1 scores it)
                return repr(error)

        assert outcome(lambda: model.score(X, masked)) == \
            outcome(lambda: accuracy_score(masked, model.predict(X)))
    multilabel = np.stack([y == y[0], y != y[0]], axis=1).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = SigCoreMLPClassifier((4,), max_iter=5).fit(X, multilabel)
        with pytest.raises(ValueError) as ours:
            mlp.score(X, multilabel[:, 0])
        with pytest.raises(ValueError) as theirs:
            accuracy_score(multilabel[:, 0], mlp.predict(X))
    assert str(ours.value) == str(theirs.value)
