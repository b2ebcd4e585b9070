"""The Newton-Cholesky Hessian sums against a direct dense formula."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose

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
    n, p = 1100, 9  # several blocks of rows, one of them partial
    X = rng.normal(size=(n, p)) * rng.uniform(0.1, 3.0, p)
    X[rng.random((n, p)) < 0.6] = 0.0
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
