"""newton-cholesky's pieces: the Hessian sums against a direct dense formula,
the mixed-precision solve against float64 LAPACK, and the large-Hessian route
end to end against scikit-learn."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose

from sklearn.datasets import load_breast_cancer, load_iris, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from sklearn_sigcore import SigCoreLogisticRegression
from sklearn_sigcore._solvers import _newton
from sklearn_sigcore._solvers._newton import mixed_precision_solve
from sklearn_sigcore._solvers._problem import raw_hessian


def reference_hessian(X, curvature, sw, K, fit_intercept):
    """Σ_i C_i ⊗ x̃_i x̃_iᵀ in θ = [W.ravel(), b] layout, written out per block."""
    X = np.asarray(X.toarray() if sp.issparse(X) else X, dtype=np.float64)
    n, p = X.shape
    c = np.asarray(curvature, dtype=np.float64)
    s = np.ones(n) if sw is None or K == 1 else np.asarray(sw, dtype=np.float64)
    if K == 1:
        C = c[:, None, None]
    else:
        C = s[:, None, None] * (np.einsum("ik,kl->ikl", c, np.eye(K))
                                - c[:, :, None] * c[:, None, :])
    size = K * p + (K if fit_intercept else 0)
    H = np.zeros((size, size))
    for k in range(K):
        for l in range(K):
            H[k * p:(k + 1) * p, l * p:(l + 1) * p] = X.T @ (C[:, k, l, None] * X)
            if fit_intercept:
                H[k * p:(k + 1) * p, K * p + l] = X.T @ C[:, k, l]
                H[K * p + l, k * p:(k + 1) * p] = X.T @ C[:, k, l]
                H[K * p + k, K * p + l] = C[:, k, l].sum()
    return H


LAYOUTS = {
    "C": np.ascontiguousarray,
    "F": np.asfortranarray,
    "csr": sp.csr_matrix,
    "csr-int64": lambda A: sp.csr_matrix(
        (sp.csr_matrix(A).data, sp.csr_matrix(A).indices.astype(np.int64),
         sp.csr_matrix(A).indptr.astype(np.int64)), shape=A.shape),
    "csr-unsorted": lambda A: sp.csr_matrix(A)[:, ::-1][:, ::-1],
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("K", [1, 4])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n_threads", [1, 2])
def test_raw_hessian_matches_direct_sums(layout, K, fit_intercept, dtype, n_threads):
    rng = np.random.default_rng(K + 7 * fit_intercept)
    n, p = 1100, 140  # several blocks of rows, one partial; CSR: two threads
    X = rng.normal(size=(n, p)) * rng.uniform(0.1, 3.0, p)
    X[rng.random((n, p)) < 0.9] = 0.0
    X = LAYOUTS[layout](X.astype(dtype))
    sw = rng.uniform(0.2, 2.0, n).astype(dtype)
    if K == 1:
        curvature = (rng.uniform(0, 0.25, n) * sw).astype(dtype)
    else:
        e = rng.exponential(size=(n, K)) ** 3
        curvature = (e / e.sum(axis=1, keepdims=True)).astype(dtype)
    H = raw_hessian(X, curvature, sw, K, fit_intercept, n_threads=n_threads)
    expected = reference_hessian(X, curvature, sw, K, fit_intercept)
    rtol = 1e-12 if dtype == np.float64 else 1e-6
    assert_allclose(H, expected, rtol=rtol, atol=rtol * np.abs(expected).max())
    assert_allclose(H, H.T, rtol=0, atol=0)


def test_raw_hessian_no_rows_and_empty_rows():
    X = sp.csr_matrix((3, 4))
    H = raw_hessian(X, np.full(3, 0.25), None, 1, True)
    expected = np.zeros((5, 5))
    expected[4, 4] = 0.75
    assert_allclose(H, expected)
    H = raw_hessian(np.zeros((0, 4)), np.zeros(0), None, 3, True)
    assert H.shape == (15, 15) and not H.any()


def spd_matrix(m, condition, seed):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(m, m)))
    return (Q * np.geomspace(1.0, 1.0 / condition, m)) @ Q.T


@pytest.mark.parametrize("condition", [1e2, 1e5, 1e12])
def test_mixed_precision_solve_has_float64_accuracy(condition):
    """Refined from a float32 factorisation, or (too ill-conditioned for
    float32) solved in float64: the backward error of a float64 solve."""
    H = spd_matrix(300, condition, 0)
    H = (H + H.T) / 2
    rhs = np.random.default_rng(1).normal(size=300)
    x = mixed_precision_solve(H, rhs)
    backward = np.abs(H @ x - rhs).max() / (np.abs(H).sum(axis=1).max() * np.abs(x).max())
    assert backward < 300 * np.finfo(np.float64).eps
    assert_allclose(x, np.linalg.solve(H, rhs), rtol=condition * 1e-13)


def test_mixed_precision_solve_singular_falls_back_to_least_squares():
    H = np.zeros((4, 4))
    H[:2, :2] = [[2.0, 1.0], [1.0, 2.0]]
    rhs = np.array([1.0, 0.0, 0.0, 0.0])
    assert_allclose(mixed_precision_solve(H, rhs), [2 / 3, -1 / 3, 0, 0], atol=1e-12)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_large_hessian_route_matches_scikit_learn(monkeypatch, n_classes):
    """CSR X, Hessian wider than the mixed-precision threshold (lowered so the
    test stays small): the coefficients of scikit-learn's newton-cholesky."""
    monkeypatch.setattr(_newton, "MIXED_PRECISION_SIZE", 100)
    rng = np.random.default_rng(n_classes)
    X = sp.random(3000, 150, density=0.05, format="csr", random_state=rng)
    y = rng.integers(0, n_classes, 3000)
    y[np.asarray(X[:, :3].sum(axis=1)).ravel() > 0.2] = 0
    ours = SigCoreLogisticRegression(solver="newton-cholesky", tol=1e-10).fit(X, y)
    ref = LogisticRegression(solver="newton-cholesky", tol=1e-10).fit(X, y)
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-5, atol=1e-7)
    assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("layout", ["C", "F", "csr"])
@pytest.mark.parametrize("K", [1, 3])
def test_raw_hessian_applies_the_column_scale_before_multiplying(layout, K):
    """Entries of 1e160 have squares beyond float64; scaled by d = 2^-531 first,
    the sums are those of X ⊙ d."""
    rng = np.random.default_rng(K)
    n, p = 700, 6
    X = rng.normal(size=(n, p))
    X[rng.random((n, p)) < 0.5] = 0.0
    d = np.ldexp(1.0, rng.integers(-3, 4, p))
    d[0] = np.ldexp(1.0, -531)
    X[:, 0] *= 1e160
    e = rng.exponential(size=(n, K))
    curvature = (e / e.sum(axis=1, keepdims=True)) if K > 1 else 0.25 * e[:, 0]
    H = raw_hessian(LAYOUTS[layout](X), curvature, None, K, True, scale=d)
    expected = reference_hessian(X * d, curvature, None, K, True)
    assert np.all(np.isfinite(H))
    assert_allclose(H, expected, rtol=1e-12, atol=1e-12 * np.abs(expected).max())


@pytest.mark.parametrize("case", ["binary", "multinomial", "sparse"])
def test_newton_cholesky_stops_where_scikit_learn_does(case):
    """scikit-learn's test (after a step: max |gradient| <= tol and half the
    step's squared Newton decrement <= tol): the same iterations, the same
    objective, at scikit-learn's default tol."""
    rng = np.random.default_rng(4)
    if case == "sparse":
        X = sp.random(4000, 300, density=0.02, format="csr", random_state=rng)
        y = (X @ rng.normal(size=300) * 3 + rng.logistic(size=4000) > 0).astype(int)
    else:
        X = rng.normal(size=(4000, 12))
        scores = X @ rng.normal(size=(12, 4 if case == "multinomial" else 1))
        y = (np.argmax(scores + rng.gumbel(size=scores.shape), axis=1)
             if case == "multinomial" else (scores[:, 0] + rng.logistic(size=4000) > 0))
    ours = SigCoreLogisticRegression(solver="newton-cholesky").fit(X, y)
    ref = LogisticRegression(solver="newton-cholesky").fit(X, y)
    assert ours.n_iter_[0] == ref.n_iter_[0]
    assert_allclose(ours.predict_proba(X), ref.predict_proba(X), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("solver", ["newton-cholesky", "newton-cg"])
@pytest.mark.parametrize("params", [{"C": 1e20}, {"alpha": 1e10}, {"C": 1e12}])
def test_multinomial_with_a_tiny_penalty_matches_scikit_learn(solver, params):
    # A penalty far below the loss's curvature: the loss is flat along "the same
    # shift of a feature's coefficient in every class", where only the penalty
    # decides, and its optimum has every feature's coefficients summing to zero
    # over the classes (newton-cholesky left sums of 1.4 times the largest entry).
    X, y = make_classification(300, 5, n_informative=4, n_redundant=0, n_classes=3,
                               flip_y=0.2, random_state=0)
    C = params.get("C", 1.0) * params.get("alpha", 1.0) ** 2
    ref = LogisticRegression(C=C, tol=1e-12, max_iter=10000).fit(X, y)
    ours = SigCoreLogisticRegression(solver=solver, tol=1e-10, **params).fit(X, y)
    coef = ours.coef_ * ours.alpha
    assert_allclose(coef.sum(axis=0), 0.0, atol=1e-10 * np.abs(coef).max())
    assert_allclose(coef, ref.coef_, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("solver", ["newton-cholesky", "newton-cg", "lbfgs"])
def test_warm_start_from_a_saturated_solution_reaches_the_optimum(solver):
    # alpha 1e-6 -> 1 under warm_start: the previous coefficients give logits
    # 1e6 times too large, where the loss has lost its curvature; newton-
    # cholesky gave up there (its Newton step vanishes), newton-cg crawled to
    # max_iter (intercept 3.5e5 after 100 steps); both now finish with
    # lbfgs, saying so, as scikit-learn's do when their Newton steps fail.
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    model = SigCoreLogisticRegression(solver=solver, warm_start=True, alpha=1e-6,
                                      tol=1e-8, max_iter=1000).fit(X, y)
    assert np.abs(model.intercept_).max() > 1e5
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.set_params(alpha=1.0).fit(X, y)
    cold = SigCoreLogisticRegression(solver="newton-cholesky", tol=1e-10).fit(X, y)
    assert_allclose(model.coef_, cold.coef_, rtol=1e-4, atol=1e-4)
    assert_allclose(model.intercept_, cold.intercept_, rtol=1e-4, atol=1e-4)
    messages = [str(w.message) for w in caught]
    if solver != "lbfgs":
        assert any("resort to lbfgs" in m for m in messages), messages
    assert not any("did not converge" in m for m in messages), messages
    assert model.n_iter_[0] < 100


def test_newton_hands_over_to_lbfgs_at_the_rounding_floor():
    # float32 X, tol 1e-8 below what its rounding resolves: the line search
    # kept accepting steps of 2e-4 that changed nothing, up to max_iter
    X, y = load_iris(return_X_y=True)
    with pytest.warns(ConvergenceWarning, match="resort to lbfgs"):
        model = SigCoreLogisticRegression(solver="newton-cholesky", tol=1e-8, C=1e4,
                                          max_iter=100).fit(X.astype(np.float32), y)
    assert model.n_iter_[0] < 50
    reference = SigCoreLogisticRegression(solver="newton-cholesky", tol=1e-8,
                                          C=1e4).fit(X, y)
    assert_allclose(model.predict_proba(X), reference.predict_proba(X), atol=1e-4)


def test_newton_cg_keeps_going_where_unpenalised_fits_still_progress():
    # separable data without a penalty: most conjugate-gradient directions
    # are cut short for lack of curvature and max |gradient| is not monotone,
    # yet the objective keeps falling fast; the stall rule handed these over
    # to lbfgs (145 iterations instead of 48 on the second)
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X).astype(np.float32)
    X2, y2 = make_classification(1000, 50, n_informative=10, n_classes=3, class_sep=2,
                                 random_state=2)
    for A, b, tol in [(X, y, 1e-10), (X2.astype(np.float32), y2, 1e-8)]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = SigCoreLogisticRegression(solver="newton-cg", C=np.inf, tol=tol,
                                              max_iter=300).fit(A, b)
        assert not any("resort to lbfgs" in str(w.message) for w in caught)
        assert model.n_iter_[0] < 100
