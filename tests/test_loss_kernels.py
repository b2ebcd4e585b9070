"""The fused log-loss kernels the estimators use: values, finite differences."""

import numpy as np
import pytest
from scipy.special import log_softmax as scipy_log_softmax

from sklearn_sigcore._kernels import binary_loss_gradient, multinomial_loss_gradient
from sklearn_sigcore._column_sums import dense_column_sums
from sklearn_sigcore._linear_loss import csr_column_square_sums


def _binary(z, y, w, alpha, n_threads=2, with_hess=True):
    loss, grad = np.empty_like(z), np.empty_like(z)
    hess = np.empty_like(z) if with_hess else None
    total = binary_loss_gradient(z, y, w, alpha, loss, grad, hess, n_threads)
    return total, loss, grad, hess


def _multinomial(z, y, w, alpha, n_threads=2):
    loss, grad = np.empty(z.shape[0], dtype=z.dtype), np.empty_like(z)
    total = multinomial_loss_gradient(z, y, w, alpha, loss, grad, n_threads)
    return total, loss, grad


@pytest.mark.parametrize("alpha", [1.0, 0.3, 4.0])
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_loss_matches_reference(alpha, weighted):
    rng = np.random.default_rng(0)
    z = rng.standard_normal(1000) * 5
    z[:4] = [-800.0, 800.0, -40.0, 40.0]
    y = (rng.random(1000) < 0.5).astype(np.float64)
    w = rng.uniform(0.1, 3.0, 1000) if weighted else None
    total, loss, _, _ = _binary(z, y, w, alpha)
    u = alpha * z
    reference = np.logaddexp(0.0, u) - y * u   # log(1 + e^u) - y u
    reference = np.where(y == 1, np.logaddexp(0.0, -u), reference)
    if weighted:
        reference *= w
    np.testing.assert_allclose(loss, reference, rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(total, reference.sum(), rtol=1e-13)


@pytest.mark.parametrize("alpha", [1.0, 0.3, 4.0])
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_gradient_and_hessian_by_finite_differences(alpha, weighted):
    rng = np.random.default_rng(1)
    z = rng.standard_normal(200) * 2
    y = (rng.random(200) < 0.5).astype(np.float64)
    w = rng.uniform(0.1, 3.0, 200) if weighted else None
    _, _, grad, hess = _binary(z, y, w, alpha)
    h = 1e-6
    loss_plus = _binary(z + h, y, w, alpha)[1]
    loss_minus = _binary(z - h, y, w, alpha)[1]
    np.testing.assert_allclose(grad, (loss_plus - loss_minus) / (2 * h), rtol=1e-6, atol=1e-9)
    grad_plus = _binary(z + h, y, w, alpha)[2]
    grad_minus = _binary(z - h, y, w, alpha)[2]
    np.testing.assert_allclose(hess, (grad_plus - grad_minus) / (2 * h), rtol=1e-6, atol=1e-9)


def test_binary_soft_labels_and_no_hessian():
    z = np.linspace(-3, 3, 11)
    y = np.linspace(0, 1, 11)
    total, loss, grad, hess = _binary(z, y, None, 2.0, with_hess=False)
    assert hess is None
    np.testing.assert_allclose(loss, np.logaddexp(0, 2 * z) - y * 2 * z, rtol=1e-12)
    np.testing.assert_allclose(grad, 2 * (1 / (1 + np.exp(-2 * z)) - y), rtol=1e-14,
                               atol=1e-16)


@pytest.mark.parametrize("alpha", [1.0, 0.5, 3.0])
@pytest.mark.parametrize("weighted", [False, True])
def test_multinomial_loss_and_gradient(alpha, weighted):
    rng = np.random.default_rng(2)
    n, k = 300, 5
    z = rng.standard_normal((n, k)) * 3
    y = rng.integers(0, k, n).astype(np.float64)
    w = rng.uniform(0.1, 3.0, n) if weighted else None
    total, loss, grad = _multinomial(z, y, w, alpha)
    log_p = scipy_log_softmax(alpha * z, axis=1)
    reference = -log_p[np.arange(n), y.astype(int)] * (w if weighted else 1.0)
    np.testing.assert_allclose(loss, reference, rtol=1e-13)
    np.testing.assert_allclose(total, reference.sum(), rtol=1e-13)
    # finite differences, one class column at a time
    h = 1e-6
    for c in range(k):
        step = np.zeros_like(z)
        step[:, c] = h
        numeric = (_multinomial(z + step, y, w, alpha)[1]
                   - _multinomial(z - step, y, w, alpha)[1]) / (2 * h)
        np.testing.assert_allclose(grad[:, c], numeric, rtol=1e-6, atol=1e-7)


def test_float32_kernels_agree_with_float64():
    rng = np.random.default_rng(3)
    z = (rng.standard_normal(5000) * 4).astype(np.float32)
    y = (rng.random(5000) < 0.5).astype(np.float32)
    w = rng.uniform(0.5, 2, 5000).astype(np.float32)
    t32, l32, g32, h32 = _binary(z, y, w, 1.7)
    t64, l64, g64, h64 = _binary(z.astype(np.float64), y.astype(np.float64),
                                 w.astype(np.float64), 1.7)
    assert l32.dtype == g32.dtype == h32.dtype == np.float32
    np.testing.assert_allclose(l32, l64, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(g32, g64, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(h32, h64, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(t32, t64, rtol=1e-6)
    zz = (rng.standard_normal((2000, 4)) * 4).astype(np.float32)
    yy = rng.integers(0, 4, 2000).astype(np.float32)
    m32 = _multinomial(zz, yy, None, 0.8)
    m64 = _multinomial(zz.astype(np.float64), yy.astype(np.float64), None, 0.8)
    np.testing.assert_allclose(m32[1], m64[1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(m32[2], m64[2], rtol=1e-5, atol=1e-6)


def test_thread_count_gives_same_per_sample_values():
    rng = np.random.default_rng(4)
    z = rng.standard_normal(400_000)
    y = (rng.random(400_000) < 0.5).astype(np.float64)
    serial = _binary(z, y, None, 1.3, n_threads=1)
    parallel = _binary(z, y, None, 1.3, n_threads=2)
    for a, b in zip(serial[1:], parallel[1:]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(serial[0], parallel[0], rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
@pytest.mark.parametrize("n_threads", [1, 2])
def test_csr_column_square_sums(dtype, index_dtype, n_threads):
    # enough non-zeros for two threads to share them (one per 2**19, see
    # _linear_loss); a NaN, an inf and a value whose square overflows keep to
    # their own columns
    rng = np.random.default_rng(0)
    nnz = (1 << 20) + 17
    data = rng.standard_normal(nnz).astype(dtype)
    indices = rng.integers(0, 300, nnz).astype(index_dtype)
    data[:3] = [np.nan, np.inf, 3e38 if dtype == np.float32 else 1e200]
    indices[:3] = [297, 298, 299]
    indices[3:][indices[3:] >= 297] = 0
    expected = np.zeros(300)
    with np.errstate(over="ignore", invalid="ignore"):
        np.add.at(expected, indices, data.astype(np.float64) ** 2)
    got = csr_column_square_sums(data, indices, 300, n_threads)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got[:297], expected[:297], rtol=1e-12)
    assert np.isnan(got[297]) and got[298] == np.inf
    assert got[299] == (np.inf if dtype == np.float64 else float(data[2]) ** 2)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n_threads", [1, 2])
def test_dense_column_sums(dtype, order, weighted, n_threads):
    # an odd row count (rows go in pairs), enough elements for two threads
    # (one per 2**18), class runs and switches between neighbouring rows; a
    # NaN, an inf and a value whose square overflows keep to their own columns
    rng = np.random.default_rng(0)
    n, p, K = 20001, 31, 3
    X = rng.standard_normal((n, p)).astype(dtype)
    big = 3e38 if dtype == np.float32 else 1e200
    X[5, 28], X[6, 29], X[7, 30] = np.nan, np.inf, big
    X = np.asarray(X, order=order)
    classes = np.repeat(rng.integers(0, K, n // 3 + 1), 3)[:n]
    classes[::7] = rng.integers(0, K, classes[::7].size)
    weights = rng.random(n) if weighted else None
    X64 = X.astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        expected_sq = (X64 ** 2).sum(axis=0)
    square_sums, class_sums = dense_column_sums(X, classes, weights, K, n_threads)
    assert square_sums.dtype == np.float64
    np.testing.assert_allclose(square_sums[:28], expected_sq[:28], rtol=1e-12)
    assert np.isnan(square_sums[28]) and square_sums[29] == np.inf
    assert square_sums[30] == (np.inf if dtype == np.float64 else expected_sq[30])
    if order == "F":   # class sums for C order only
        assert class_sums is None
        return
    w = np.ones(n) if weights is None else weights
    expected = np.array([(w[classes == k, None] * X64[classes == k, :28]).sum(axis=0)
                         for k in range(K)])
    np.testing.assert_allclose(class_sums[:, :28], expected, rtol=1e-10, atol=1e-9)
    np.testing.assert_array_equal(dense_column_sums(X, n_threads=n_threads)[0], square_sums)


@pytest.mark.parametrize("shape", [(0, 3), (16, 0), (1, 5), (16, 1), (17, 1), (3, 4)])
def test_dense_column_sums_degenerate_shapes(shape):
    # class sums from 8 rows a class on (here 2 classes: 16 rows)
    X = np.arange(np.prod(shape), dtype=np.float64).reshape(shape) - 2.0
    classes = np.arange(shape[0]) % 2
    square_sums, class_sums = dense_column_sums(X, classes, None, 2)
    np.testing.assert_array_equal(square_sums, (X ** 2).sum(axis=0))
    if shape[0] < 16:
        assert class_sums is None
    else:
        np.testing.assert_array_equal(class_sums,
                                      [X[classes == k].sum(axis=0) for k in (0, 1)])


def test_dense_column_sums_refuses_bad_input():
    X = np.ones((16, 4))
    with pytest.raises(ValueError, match="contiguous"):
        dense_column_sums(X[::2])
    with pytest.raises(ValueError, match="class"):
        dense_column_sums(X, np.arange(16) % 3, None, 2)
    with pytest.raises(ValueError, match="weights"):
        dense_column_sums(X, np.zeros(16, dtype=int), np.ones(15), 2)
