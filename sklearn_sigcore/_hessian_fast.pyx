# The Newton-Cholesky solver's Hessian sums H = Σ_i C_i ⊗ x̃_i x̃_iᵀ over the
# rows x̃_i = [x_i ⊙ d, 1] (d the column scale of the solver's coordinates;
# the 1 only with an intercept), in the layout (k, j): entry k * q + j is
# class k's coefficient of column j (q = p + intercept).
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
# CSR X: H's rows in turn, from the rows of X that hold each column (scipy's
# X.T @ D X builds a sparse product that is nearly dense: 5000 columns at
# 0.2 % density took seconds).

from cython.parallel cimport prange, threadid
from libc.math cimport sqrt
from libc.stdlib cimport malloc, free
from scipy.linalg.cython_blas cimport dsyrk

import numpy as np

from sklearn_sigcore._kernels import openmp_effective_n_threads
from sklearn_sigcore._threads import blas_threads

ctypedef fused floating_t:
    float
    double

ctypedef fused index_t:
    int
    long long

BLOCK_ROWS = 512
# Accumulators of all threads together stay below this many bytes (wider
# problems take one accumulator and one thread).
cdef Py_ssize_t MAX_ACCUMULATOR_BYTES = 1 << 27
cdef enum:
    TILE = 64  # rows and columns of the tiles _mirror_upper copies


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
                       const floating_t *curv, const floating_t *sw, const double *d,
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
            M[r * m + j] = root * (x * d[j])
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
                   const floating_t[::1] sw, const double[::1] d, Py_ssize_t K, bint fit_b,
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
                             min(block, n - start), &curv[0], swp, &d[0], M, D,
                             &acc[t, 0, 0])
    finally:
        for t in range(nt):
            free(bufs[t])
        free(bufs)


def _csr_hessian(const floating_t[::1] data, const index_t[::1] indices,
                 const index_t[::1] indptr, const floating_t[::1] cdata,
                 const index_t[::1] crows, const index_t[::1] cptr, Py_ssize_t p,
                 const floating_t[::1] curv, const floating_t[::1] sw, const double[::1] d,
                 Py_ssize_t K, bint fit_b, double[:, ::1] H, int n_threads):
    """The same sums over CSR rows, H's upper triangle row by row: row (k, j)
    takes the rows of X holding column j (from the CSC copy) and adds their
    entries, so its writes stay in one row of H (row-major pairs scattered
    over all of H missed the cache at every write: 5000 columns, 10x slower).
    Threads take H's rows."""
    cdef Py_ssize_t n = indptr.shape[0] - 1, q = p + fit_b, m = K * q
    cdef Py_ssize_t j, k, l, t, i, a, r, g, lo, hi
    cdef double cw, xij, s, pk
    cdef double *row
    cdef const floating_t *P
    with nogil:
        for j in prange(p, num_threads=n_threads, schedule="dynamic", chunksize=8):
            for k in range(K):
                r = k * q + j
                row = &H[r, 0]
                for t in range(cptr[j], cptr[j + 1]):
                    i = crows[t]
                    xij = <double> cdata[t] * d[j]
                    P = &curv[i * K]
                    lo = indptr[i]
                    hi = indptr[i + 1]
                    s = 1.0 if sw is None else <double> sw[i]
                    pk = <double> P[k]
                    for l in range(K):
                        if K == 1:
                            cw = pk * xij
                        else:
                            cw = s * pk * ((k == l) - <double> P[l]) * xij
                        for a in range(lo, hi):
                            g = l * q + indices[a]
                            if g >= r:
                                row[g] += cw * (<double> data[a] * d[indices[a]])
                        if fit_b:
                            if l >= k:
                                row[l * q + p] += cw
                            else:  # its mirror image, in intercept row l (no other
                                H[l * q + p, r] += cw  # thread writes column r)
        if fit_b:
            # the intercept rows: Σ_i C_i[k, l] for l >= k
            for i in range(n):
                P = &curv[i * K]
                s = 1.0 if sw is None else <double> sw[i]
                for k in range(K):
                    r = k * q + p
                    for l in range(k, K):
                        if K == 1:
                            H[r, r] += <double> P[0]
                        else:
                            H[r, l * q + p] += s * <double> P[k] * ((k == l) - <double> P[l])


def _mirror_upper(double[:, ::1] H):
    """Copy the upper triangle onto the lower one, in tiles (a plain
    transposed copy strides through memory)."""
    cdef Py_ssize_t m = H.shape[0], a, b, i0, j0, i, j, tiles = (m + TILE - 1) // TILE
    with nogil:
        for a in range(tiles):
            i0 = a * TILE
            for b in range(a, tiles):
                j0 = b * TILE
                for i in range(i0, min(i0 + TILE, m)):
                    for j in range(max(j0, i + 1), min(j0 + TILE, m)):
                        H[j, i] = H[i, j]


def hessian_sums(X, curvature, sample_weight, K, fit_intercept, n_threads=None, scale=None):
    """Σ_i C_i ⊗ x̃_i x̃_iᵀ in the (class, column) layout, x̃_i = [x_i ⊙ d, 1].

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
        Threads (None: OpenMP's default).
    scale : ndarray of shape (n_features,) or None
        The column scale d (None: 1), applied to each entry before it is
        multiplied (X times 1e155 has squares beyond float64, X ⊙ d not).

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
    d = np.ones(p) if scale is None else np.ascontiguousarray(scale, dtype=np.float64)
    nt = openmp_effective_n_threads(n_threads)
    if hasattr(X, "indptr"):
        H = np.zeros((m, m))
        Xc = X.tocsc()
        index = np.promote_types(X.indices.dtype, Xc.indices.dtype)
        _csr_hessian(X.data, X.indices.astype(index, copy=False),
                     X.indptr.astype(index, copy=False), Xc.data,
                     Xc.indices.astype(index, copy=False), Xc.indptr.astype(index, copy=False),
                     p, curv, sw, d, K, bool(fit_intercept), H, max(1, min(nt, p // 64)))
    else:
        f_order = not X.flags.c_contiguous and X.flags.f_contiguous
        Xc = X.T if f_order else np.ascontiguousarray(X)
        nt = max(1, min(nt, (n + BLOCK_ROWS - 1) // BLOCK_ROWS,
                        MAX_ACCUMULATOR_BYTES // max(8 * m * m, 1)))
        acc = np.zeros((nt, m, m))
        # each thread's syrk on one BLAS thread (a no-op inside a fit's limit)
        with blas_threads(1 if nt > 1 else None):
            _dense_hessian(Xc, f_order, curv, sw, d, K, bool(fit_intercept), acc, BLOCK_ROWS)
        # BLAS filled its lower triangle (column order): the upper one of this C view
        H = acc[0]
        for t in range(1, nt):
            H += acc[t]
    _mirror_upper(H)
    return H
