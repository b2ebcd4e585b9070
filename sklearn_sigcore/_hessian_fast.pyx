# The Newton-Cholesky solver's Hessian sums H = Σ_i C_i ⊗ x̃_i x̃_iᵀ over the
# rows x̃_i = [x_i, 1] (the 1 only with an intercept), in the layout (k, j):
# entry k * q + j is class k's coefficient of column j (q = p + intercept).
#
#   binary:      C_i = c_i (the weighted curvature the loss pass stored)
#   multinomial: C_i = s_i (diag(P_i) - P_i P_iᵀ), written as A - B with
#                A = blockdiag_k Σ s_i P_ik x̃ x̃ᵀ and B = Σ s_i (P_i ⊗ x̃)(P_i ⊗ x̃)ᵀ,
#                so that each block of rows costs one wide symmetric rank-k
#                update (BLAS syrk) instead of K (K + 1) / 2 narrow products.
#
# Dense X: threads take blocks of rows, each scaling its block into a buffer
# and calling one-thread BLAS into its own accumulator (one thread pool, no
# BLAS threads next to OpenMP's); the accumulators are summed at the end.
# CSR X: one pass over the non-zero pairs of each row into the upper triangle
# (scipy's X.T @ D X builds a sparse product that is nearly dense: 5000
# columns at 0.2 % density took seconds).
#
# Only the upper triangle of the (C-ordered) result is filled.

from cython.parallel cimport prange, threadid
from libc.math cimport sqrt
from libc.stdlib cimport malloc, free
from scipy.linalg.cython_blas cimport dsyrk

import numpy as np

from sklearn_sigcore._kernels import openmp_effective_n_threads

ctypedef fused floating_t:
    float
    double

ctypedef fused index_t:
    int
    long long

BLOCK_ROWS = 256
# Accumulators of all threads together stay below this many bytes (wider
# problems take one accumulator and one thread).
cdef Py_ssize_t MAX_ACCUMULATOR_BYTES = 1 << 27


cdef inline void _syrk_lower_c(int width, int nb, double alpha, const double *M, int ldm,
                               double *H, int ldh) noexcept nogil:
    """H (C order, upper) += alpha Mᵀ M for M (nb x width, row stride ldm).

    In BLAS's column order M is a width x nb matrix and the upper triangle of
    C order is BLAS's lower one: dsyrk('L', 'N').
    """
    cdef char uplo = b'L'
    cdef char trans = b'N'
    cdef double beta = 1.0
    dsyrk(&uplo, &trans, &width, &nb, &alpha, <double *> M, &ldm, &beta, H, &ldh)


cdef void _dense_block(const floating_t *X, bint f_order, Py_ssize_t n, Py_ssize_t p,
                       Py_ssize_t K, bint fit_b, Py_ssize_t start, Py_ssize_t nb,
                       const floating_t *curv, const floating_t *sw,
                       double *M, double *D, double *H) noexcept nogil:
    """Add the block's rows [start, start + nb) into H (m x m, upper, C order)."""
    cdef Py_ssize_t q = p + fit_b, m = K * q, i, j, k, r
    cdef double root, scale, x
    cdef const floating_t *P
    for r in range(nb):
        i = start + r
        if K == 1:
            # the stored curvature includes the sample weight (and is >= 0)
            root = sqrt(<double> curv[i]) if curv[i] > 0 else 0.0
        else:
            root = 1.0 if sw == NULL else sqrt(<double> sw[i])
        for j in range(p):
            x = <double> (X[j * n + i] if f_order else X[i * p + j])
            M[r * m + j] = root * x
        if fit_b:
            M[r * m + p] = root
        if K > 1:
            # row of B's factor: sqrt(s) P_ik x̃ for each class k, from the sqrt(s) x̃ above
            P = curv + i * K
            for k in range(K - 1, -1, -1):
                scale = <double> P[k]
                for j in range(q):
                    M[r * m + k * q + j] = scale * M[r * m + j]
    if K == 1:
        _syrk_lower_c(<int> m, <int> nb, 1.0, M, <int> m, H, <int> m)
        return
    for k in range(K):
        # A's diagonal block k: rows sqrt(s P_ik) x̃_i (from sqrt(s) P_ik x̃_i)
        for r in range(nb):
            i = start + r
            scale = <double> curv[i * K + k]
            scale = 1.0 / sqrt(scale) if scale > 0 else 0.0
            for j in range(q):
                D[r * q + j] = M[r * m + k * q + j] * scale
        _syrk_lower_c(<int> q, <int> nb, 1.0, D, <int> q, H + k * q * m + k * q, <int> m)
    _syrk_lower_c(<int> m, <int> nb, -1.0, M, <int> m, H, <int> m)


def _dense_hessian(const floating_t[:, ::1] Xc, bint f_order, const floating_t[::1] curv,
                   const floating_t[::1] sw, Py_ssize_t K, bint fit_b,
                   double[:, :, ::1] acc, Py_ssize_t block):
    cdef Py_ssize_t n = Xc.shape[1] if f_order else Xc.shape[0]
    cdef Py_ssize_t p = Xc.shape[0] if f_order else Xc.shape[1]
    cdef Py_ssize_t q = p + fit_b, m = K * q
    cdef Py_ssize_t n_blocks = (n + block - 1) // block, ib, start
    cdef int t, nt = acc.shape[0]
    cdef const floating_t *swp = NULL if sw is None else &sw[0]
    cdef double *M
    cdef double *D
    cdef double **bufs = <double **> malloc(nt * sizeof(double *))
    if bufs == NULL:
        raise MemoryError()
    for t in range(nt):
        bufs[t] = <double *> malloc((block * m + block * q) * sizeof(double))
        if bufs[t] == NULL:
            for ib in range(t):
                free(bufs[ib])
            free(bufs)
            raise MemoryError()
    try:
        with nogil:
            for ib in prange(n_blocks, num_threads=nt, schedule="dynamic", chunksize=1):
                t = threadid()
                start = ib * block
                M = bufs[t]
                D = bufs[t] + block * m
                _dense_block(&Xc[0, 0], f_order, n, p, K, fit_b, start,
                             min(block, n - start), &curv[0], swp, M, D, &acc[t, 0, 0])
    finally:
        for t in range(nt):
            free(bufs[t])
        free(bufs)


def _csr_hessian(const floating_t[::1] data, const index_t[::1] indices,
                 const index_t[::1] indptr, Py_ssize_t p, const floating_t[::1] curv,
                 const floating_t[::1] sw, Py_ssize_t K, bint fit_b, double[:, ::1] H):
    """The same sums over CSR rows: every pair of a row's entries (x̃'s 1 as an
    entry of column p), into the upper triangle."""
    cdef Py_ssize_t n = indptr.shape[0] - 1, q = p + fit_b, m = K * q
    cdef Py_ssize_t i, a, b, lo, hi, k, l, ja, jb, ga, gb
    cdef double c, s, xa, xab
    cdef double *Hp = &H[0, 0]
    cdef const floating_t *P
    with nogil:
        for i in range(n):
            lo, hi = indptr[i], indptr[i + 1]
            s = 1.0 if sw is None else <double> sw[i]
            P = &curv[i * K]
            for a in range(lo, hi + fit_b):
                ja = indices[a] if a < hi else p
                xa = <double> data[a] if a < hi else 1.0
                for b in range(lo, hi + fit_b):
                    jb = indices[b] if b < hi else p
                    xab = xa * (<double> data[b] if b < hi else 1.0)
                    if K == 1:
                        if ja <= jb:
                            Hp[ja * m + jb] += <double> P[0] * xab
                        continue
                    for k in range(K):
                        ga = k * q + ja
                        c = s * xab * <double> P[k]
                        for l in range(K):
                            gb = l * q + jb
                            if ga <= gb:
                                Hp[ga * m + gb] += c * ((k == l) - <double> P[l])


def hessian_sums(X, curvature, sample_weight, K, fit_intercept, n_threads=None):
    """Σ_i C_i ⊗ x̃_i x̃_iᵀ (upper triangle filled) in the (class, column) layout.

    Parameters
    ----------
    X : ndarray (C or F order) or CSR matrix, float32 or float64
    curvature : ndarray
        The loss pass's stored curvature: the weighted Hessian diagonal
        (binary, (n,)) or the probabilities (multinomial, (n, K)), in X's dtype.
    sample_weight : ndarray or None
        Weights of the multinomial rows (binary: already in ``curvature``).
    K : int
        1 (binary) or the number of classes.
    fit_intercept : bool
    n_threads : int or None
        Threads of the dense route (None: OpenMP's default).

    Returns
    -------
    H : ndarray of shape (K q, K q), float64, q = n_features + fit_intercept
    """
    n, p = X.shape
    q = p + bool(fit_intercept)
    m = K * q
    dtype = X.dtype
    curv = np.ascontiguousarray(curvature, dtype=dtype).reshape(-1)
    sw = None if sample_weight is None else np.ascontiguousarray(sample_weight, dtype=dtype)
    if K == 1:
        sw = None
    if hasattr(X, "indptr"):
        H = np.zeros((m, m))
        _csr_hessian(X.data, X.indices, X.indptr, p, curv, sw, K, bool(fit_intercept), H)
        return H
    f_order = not X.flags.c_contiguous and X.flags.f_contiguous
    Xc = X.T if f_order else np.ascontiguousarray(X)
    nt = openmp_effective_n_threads(n_threads)
    nt = max(1, min(nt, (n + BLOCK_ROWS - 1) // BLOCK_ROWS,
                    MAX_ACCUMULATOR_BYTES // max(8 * m * m, 1)))
    acc = np.zeros((nt, m, m))
    _dense_hessian(Xc, f_order, curv, sw, K, bool(fit_intercept), acc, BLOCK_ROWS)
    H = acc[0]
    for t in range(1, nt):
        H += acc[t]
    # BLAS filled its lower triangle (column order): the upper one of this C view
    return H
