# Fused loss + gradient (and Hessian-vector products) of a linear model over X.
#
# One pass over X per evaluation: X is walked block by block (BLOCK_ROWS rows,
# GEMM_BLOCK_ROWS on the gemm route of many features);
# for each block the scores Z = X_b W^T + b come from BLAS, the sigmoid-core
# loss kernel turns them into per-sample losses and score gradients Gz, and the
# coefficient gradient G += X_b^T Gz is accumulated while the block is still in
# cache.  Threads take blocks dynamically (robust on a busy machine), each
# thread with its own gradient accumulator, summed at the end; the block
# losses are summed in block order.  Dense C- and F-ordered X and CSR X have Cython paths;
# anything else (CSC) goes through scipy's sparse products with the same kernels
# (two passes, but no copy of X).
#
# The sums returned are raw: sum_i s_i l_i, sum_i s_i dl_i/dz x_i, ...; the
# estimator scales them (1 / S) and adds the penalty.

from cython.parallel cimport prange, threadid
from libc.string cimport memcpy
from scipy.linalg.cython_blas cimport dgemm, dgemv, sgemm, sgemv

import numpy as np
import scipy.sparse as sp

from sklearn_sigcore._kernels import openmp_effective_n_threads
from sklearn_sigcore._kernels import binary_loss_gradient as _binary_kernel
from sklearn_sigcore._kernels import multinomial_loss_gradient as _multinomial_kernel
from sklearn_sigcore.kernels import softmax

# _linear_loss.h includes the sigmoid-core header (sc_binary_loss_*).
cdef extern from "_linear_loss.h" nogil:
    void sc_binary_loss_f64(const double *z, const double *y, const double *w, double alpha,
                            double *loss, double *grad, double *hess, Py_ssize_t n) noexcept
    void sc_binary_loss_f32(const float *z, const float *y, const float *w, double alpha,
                            float *loss, float *grad, float *hess, Py_ssize_t n) noexcept
    void ll_scores_f64(const double *X, Py_ssize_t p, Py_ssize_t nb, const double *W,
                       Py_ssize_t K, const double *b, double *Z) noexcept
    void ll_scores_f32(const float *X, Py_ssize_t p, Py_ssize_t nb, const float *W,
                       Py_ssize_t K, const float *b, float *Z) noexcept
    void ll_accumulate_f64(const double *X, Py_ssize_t p, Py_ssize_t nb, const double *Gz,
                           Py_ssize_t K, double *G) noexcept
    void ll_accumulate_f32(const float *X, Py_ssize_t p, Py_ssize_t nb, const float *Gz,
                           Py_ssize_t K, double *G) noexcept
    void ll_csr_scores_f64_i32(const double *data, const int *indices, const int *indptr,
                               Py_ssize_t nb, const double *W, Py_ssize_t K,
                               double *Z) noexcept
    void ll_csr_scores_f64_i64(const double *data, const long long *indices,
                               const long long *indptr, Py_ssize_t nb,
                               const double *W, Py_ssize_t K, double *Z) noexcept
    void ll_csr_scores_f32_i32(const float *data, const int *indices, const int *indptr,
                               Py_ssize_t nb, const float *W, Py_ssize_t K,
                               float *Z) noexcept
    void ll_csr_scores_f32_i64(const float *data, const long long *indices,
                               const long long *indptr, Py_ssize_t nb,
                               const float *W, Py_ssize_t K, float *Z) noexcept
    void ll_csr_accumulate_f64_i32(const double *data, const int *indices, const int *indptr,
                                   Py_ssize_t nb, const double *Gz,
                                   Py_ssize_t K, double *G) noexcept
    void ll_csr_accumulate_f64_i64(const double *data, const long long *indices,
                                   const long long *indptr, Py_ssize_t nb,
                                   const double *Gz, Py_ssize_t K, double *G) noexcept
    void ll_csr_accumulate_f32_i32(const float *data, const int *indices, const int *indptr,
                                   Py_ssize_t nb, const float *Gz,
                                   Py_ssize_t K, double *G) noexcept
    void ll_csr_accumulate_f32_i64(const float *data, const long long *indices,
                                   const long long *indptr, Py_ssize_t nb,
                                   const float *Gz, Py_ssize_t K, double *G) noexcept

cdef extern from "_sigcore_math.h" nogil:
    void sc_multinomial_loss_f64(const double *z, const double *y, const double *w, double alpha,
                                 double *loss, double *grad, Py_ssize_t n, Py_ssize_t K) noexcept
    void sc_multinomial_loss_f32(const float *z, const float *y, const float *w, double alpha,
                                 float *loss, float *grad, Py_ssize_t n, Py_ssize_t K) noexcept
    double sc_sum_f64(const double *x, Py_ssize_t n) noexcept
    double sc_sum_f32(const float *x, Py_ssize_t n) noexcept

ctypedef fused floating_t:
    float
    double

ctypedef fused index_t:
    int
    long long

# What a pass computes from the block scores Z.
cdef enum:
    LOSS_BINARY = 0        # binary log-loss; aux (n,) receives the Hessian diagonal
    LOSS_MULTINOMIAL = 1   # multinomial log-loss; aux (n, K) receives the scores
    HESSP_BINARY = 2       # Gz = aux * Z (aux: stored Hessian diagonal)
    HESSP_MULTINOMIAL = 3  # Gz = alpha^2 s P (Z - <P, Z>) (aux: stored probabilities)

MODE_LOSS_BINARY = LOSS_BINARY
MODE_LOSS_MULTINOMIAL = LOSS_MULTINOMIAL
MODE_HESSP_BINARY = HESSP_BINARY
MODE_HESSP_MULTINOMIAL = HESSP_MULTINOMIAL

BLOCK_ROWS = 256
cdef Py_ssize_t MIN_WORK_PER_THREAD = 1 << 18   # elements of X per thread (~2 MB f64)
# CSR, binary: with the out-of-line kernels of _linear_loss.h a second thread
# pays off from about 1M non-zeros (2M: 4.9 -> 2.3 ms per pass, 2-core EPYC).
# Several classes (feature-major kernels): two threads halve a pass from
# 0.4M non-zeros x classes on (measured alone); 2M per thread gives the
# estimator's threaded fits (from 4M, its SERIAL_WORK) two threads.
cdef Py_ssize_t MIN_NNZ_PER_THREAD = 1 << 19
cdef Py_ssize_t MIN_NNZ_CLASSES_PER_THREAD = 1 << 21
# C-ordered X, K > 1: from this many features on, BLAS gemm computes the block
# scores and gradients (the row loops of _linear_loss.h win below it on AMD
# EPYC: 50 features, K = 5, 7 ms against 10 per pass over 100000 rows; gemm
# wins at 1000 features, K = 10).
cdef Py_ssize_t GEMM_MIN_FEATURES = 256


def _cpu_vendor():
    """The CPU's vendor string from /proc/cpuinfo ('' where there is none)."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("vendor_id"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


# On Intel CPUs OpenBLAS's dgemm beats the row loops at every shape measured
# (Xeon, AVX-512, one thread, K > 1: digits 1437 x 64, K = 10, 231 against
# 310 us per pass; 10000 x 20, K = 10, 0.74 against 1.46 ms; 100000 x 50,
# K = 5, 10.5 against 12.2 ms; 150 x 4, K = 3, 11.5 against 13.2 us): float64
# X takes gemm at any width there. float32 X keeps the row loops below
# GEMM_MIN_FEATURES, whose sums run in double. A choice by vendor, not by
# timing, keeps a machine's fits reproducible.
cdef bint GEMM_ANY_WIDTH_F64 = _cpu_vendor() == "GenuineIntel"
# Blocks of the gemm route from GEMM_BLOCK_MIN_FEATURES features on: the
# block's scores and its gradient product then run on rows still in L1 / L2
# (Xeon, one thread, per pass: digits 0.196 against 0.247 ms, 10000 x 1000
# with 10 classes 15 against 25 ms, 100000 x 50 with 5 classes 8.1 against
# 10.3 ms; two threads alike); on fewer features the call overhead of small
# blocks outweighs it (100000 x 20, 10 classes, two threads: 4.3 against 3.6).
GEMM_BLOCK_ROWS = 64
cdef Py_ssize_t GEMM_BLOCK_MIN_FEATURES = 48


cdef bint _takes_gemm(bint f_order, Py_ssize_t p, Py_ssize_t K, bint is_double) noexcept nogil:
    """Whether the dense pass forms scores and gradients by BLAS gemm."""
    return not f_order and K > 1 and (
        p >= GEMM_MIN_FEATURES or (is_double and GEMM_ANY_WIDTH_F64))


# ---------------------------------------------------------------- BLAS glue
cdef inline void _gemv(char trans, int m, int n, floating_t *a, int lda,
                       floating_t *x, floating_t beta, floating_t *y) noexcept nogil:
    cdef int one = 1
    cdef floating_t fone = 1.0
    if floating_t is double:
        dgemv(&trans, &m, &n, &fone, a, &lda, x, &one, &beta, y, &one)
    else:
        sgemv(&trans, &m, &n, &fone, a, &lda, x, &one, &beta, y, &one)


cdef inline void _gemm(char ta, char tb, int m, int n, int k, floating_t *a, int lda,
                       floating_t *b, int ldb, floating_t beta, floating_t *c,
                       int ldc) noexcept nogil:
    cdef floating_t fone = 1.0
    if floating_t is double:
        dgemm(&ta, &tb, &m, &n, &k, &fone, a, &lda, b, &ldb, &beta, c, &ldc)
    else:
        sgemm(&ta, &tb, &m, &n, &k, &fone, a, &lda, b, &ldb, &beta, c, &ldc)


# ------------------------------------------------------------- row operation
cdef double _rows_op(int mode, Py_ssize_t start, Py_ssize_t nb, Py_ssize_t K,
                     floating_t *Z, floating_t *Gz, floating_t *L,
                     const floating_t *y, const floating_t *sw, double alpha,
                     floating_t *aux) noexcept nogil:
    """Score gradients Gz of the nb rows whose scores are Z; the loss sum."""
    cdef Py_ssize_t i, k
    cdef double acc, c
    cdef const floating_t *w = NULL if sw == NULL else sw + start
    if mode == LOSS_BINARY:
        if floating_t is double:
            sc_binary_loss_f64(Z, y + start, w, alpha, L, Gz,
                               NULL if aux == NULL else aux + start, nb)
            return sc_sum_f64(L, nb)
        else:
            sc_binary_loss_f32(Z, y + start, w, alpha, L, Gz,
                               NULL if aux == NULL else aux + start, nb)
            return sc_sum_f32(L, nb)
    elif mode == LOSS_MULTINOMIAL:
        if aux != NULL:
            memcpy(aux + start * K, Z, nb * K * sizeof(floating_t))
        if floating_t is double:
            sc_multinomial_loss_f64(Z, y + start, w, alpha, L, Gz, nb, K)
            return sc_sum_f64(L, nb)
        else:
            sc_multinomial_loss_f32(Z, y + start, w, alpha, L, Gz, nb, K)
            return sc_sum_f32(L, nb)
    elif mode == HESSP_BINARY:
        for i in range(nb):
            Gz[i] = aux[start + i] * Z[i]
        return 0.0
    else:
        for i in range(nb):
            acc = 0.0
            for k in range(K):
                acc = acc + <double>aux[(start + i) * K + k] * Z[i * K + k]
            c = alpha * alpha * (1.0 if w == NULL else <double>w[i])
            for k in range(K):
                Gz[i * K + k] = <floating_t>(c * aux[(start + i) * K + k]
                                             * (Z[i * K + k] - acc))
        return 0.0


cdef inline void _add_intercept(floating_t *Z, const floating_t *b, Py_ssize_t nb,
                                Py_ssize_t K) noexcept nogil:
    cdef Py_ssize_t i, k
    if b == NULL:
        return
    for i in range(nb):
        for k in range(K):
            Z[i * K + k] += b[k]


cdef inline void _sum_intercept(const floating_t *Gz, double *gb, Py_ssize_t nb,
                                Py_ssize_t K) noexcept nogil:
    cdef Py_ssize_t i, k
    for i in range(nb):
        for k in range(K):
            gb[k] += Gz[i * K + k]


# ------------------------------------------------------------------- dense
cdef double _dense_range(
    const floating_t *X, bint f_order, bint gemm, Py_ssize_t n, Py_ssize_t p, Py_ssize_t K,
    Py_ssize_t start, Py_ssize_t stop, Py_ssize_t block,
    const floating_t *W, const floating_t *b, const floating_t *y,
    const floating_t *sw, double alpha, int mode, floating_t *aux,
    floating_t *Z, floating_t *Gz, floating_t *L, floating_t *Gt, double *G, double *gb,
) noexcept nogil:
    """Rows [start, stop) of X (n x p, C order, or F order): loss, G += X^T Gz.

    BLAS gemv (K = 1) or, for C order and K > 1, the row-block loops of
    _linear_loss.h (sums in float64) or, with ``gemm`` (many features), BLAS
    gemm; F order and K > 1: BLAS gemm on the strided block.  Each BLAS block's X^T Gz goes through Gt (the data's
    precision) into the float64 accumulator G.
    """
    cdef Py_ssize_t s = start, nb, j, Kp = K * p
    cdef double total = 0.0
    cdef floating_t *Xb
    cdef floating_t *Wm = <floating_t *> W
    while s < stop:
        nb = min(block, stop - s)
        if f_order or K == 1:
            Xb = <floating_t *> X + (s if f_order else s * p)
        if f_order:
            if K == 1:
                _gemv(c'N', <int> nb, <int> p, Xb, <int> n, Wm, 0.0, Z)
            else:
                _gemm(c'T', c'T', <int> K, <int> nb, <int> p, Wm, <int> p, Xb, <int> n,
                      0.0, Z, <int> K)
            _add_intercept(Z, b, nb, K)
        elif K == 1:
            _gemv(c'T', <int> p, <int> nb, Xb, <int> p, Wm, 0.0, Z)
            _add_intercept(Z, b, nb, K)
        elif gemm:
            Xb = <floating_t *> X + s * p
            _gemm(c'T', c'N', <int> K, <int> nb, <int> p, Wm, <int> p, Xb, <int> p,
                  0.0, Z, <int> K)
            _add_intercept(Z, b, nb, K)
        else:
            Xb = <floating_t *> X + s * p
            if floating_t is double:
                ll_scores_f64(Xb, p, nb, W, K, b, Z)
            else:
                ll_scores_f32(Xb, p, nb, W, K, b, Z)
        total += _rows_op(mode, s, nb, K, Z, Gz, L, y, sw, alpha, aux)
        if f_order:
            if K == 1:
                _gemv(c'T', <int> nb, <int> p, Xb, <int> n, Gz, 0.0, Gt)
            else:
                _gemm(c'T', c'T', <int> p, <int> K, <int> nb, Xb, <int> n, Gz, <int> K,
                      0.0, Gt, <int> p)
            for j in range(Kp):
                G[j] += Gt[j]
        elif K == 1:
            _gemv(c'N', <int> p, <int> nb, Xb, <int> p, Gz, 0.0, Gt)
            for j in range(p):
                G[j] += Gt[j]
        elif gemm:
            _gemm(c'N', c'T', <int> p, <int> K, <int> nb, Xb, <int> p, Gz, <int> K,
                  0.0, Gt, <int> p)
            for j in range(Kp):
                G[j] += Gt[j]
        else:
            if floating_t is double:
                ll_accumulate_f64(Xb, p, nb, Gz, K, G)
            else:
                ll_accumulate_f32(Xb, p, nb, Gz, K, G)
        _sum_intercept(Gz, gb, nb, K)
        s += nb
    return total


# --------------------------------------------------------------------- CSR
cdef double _csr_range(
    const floating_t *data, const index_t *indices, const index_t *indptr,
    Py_ssize_t K, Py_ssize_t start, Py_ssize_t stop, Py_ssize_t block,
    const floating_t *W, const floating_t *b, const floating_t *y,
    const floating_t *sw, double alpha, int mode, floating_t *aux,
    floating_t *Z, floating_t *Gz, floating_t *L, double *G, double *gb,
) noexcept nogil:
    cdef Py_ssize_t s = start, nb
    cdef double total = 0.0
    while s < stop:
        nb = min(block, stop - s)
        if floating_t is double:
            if index_t is int:
                ll_csr_scores_f64_i32(data, indices, indptr + s, nb, W, K, Z)
            else:
                ll_csr_scores_f64_i64(data, indices, indptr + s, nb, W, K, Z)
        else:
            if index_t is int:
                ll_csr_scores_f32_i32(data, indices, indptr + s, nb, W, K, Z)
            else:
                ll_csr_scores_f32_i64(data, indices, indptr + s, nb, W, K, Z)
        _add_intercept(Z, b, nb, K)
        total += _rows_op(mode, s, nb, K, Z, Gz, L, y, sw, alpha, aux)
        if floating_t is double:
            if index_t is int:
                ll_csr_accumulate_f64_i32(data, indices, indptr + s, nb, Gz, K, G)
            else:
                ll_csr_accumulate_f64_i64(data, indices, indptr + s, nb, Gz, K, G)
        else:
            if index_t is int:
                ll_csr_accumulate_f32_i32(data, indices, indptr + s, nb, Gz, K, G)
            else:
                ll_csr_accumulate_f32_i64(data, indices, indptr + s, nb, Gz, K, G)
        _sum_intercept(Gz, gb, nb, K)
        s += nb
    return total


# ---------------------------------------------------------------- drivers
def _dense_pass(const floating_t[:, ::1] Xc, bint f_order, const floating_t[:, ::1] W,
                const floating_t[::1] b, const floating_t[::1] y,
                const floating_t[::1] sw, double alpha, int mode, floating_t[::1] aux,
                floating_t[:, ::1] Zbuf, floating_t[:, ::1] Gzbuf, floating_t[:, ::1] Lbuf,
                floating_t[:, ::1] Gtmp, double[:, ::1] Gacc, double[:, ::1] gbacc,
                double[::1] losses, Py_ssize_t block):
    """Xc is X (C order) or X.T (C order, f_order=True)."""
    cdef Py_ssize_t n = Xc.shape[1] if f_order else Xc.shape[0]
    cdef Py_ssize_t p = Xc.shape[0] if f_order else Xc.shape[1]
    cdef Py_ssize_t K = W.shape[0], start, stop
    cdef int t, nt = Gacc.shape[0]
    cdef const floating_t *bp = NULL if b is None else &b[0]
    cdef const floating_t *swp = NULL if sw is None else &sw[0]
    cdef floating_t *auxp = NULL if aux is None else &aux[0]
    cdef Py_ssize_t i, n_blocks = (n + block - 1) // block
    cdef bint gemm = _takes_gemm(f_order, p, K, floating_t is double)
    with nogil:
        for i in prange(n_blocks, num_threads=nt, schedule="dynamic", chunksize=4):
            t = threadid()
            start = i * block
            stop = min(n, start + block)
            losses[i] = _dense_range(&Xc[0, 0], f_order, gemm, n, p, K, start, stop, block,
                                     &W[0, 0], bp, &y[0], swp, alpha, mode, auxp,
                                     &Zbuf[t, 0], &Gzbuf[t, 0], &Lbuf[t, 0],
                                     &Gtmp[t, 0], &Gacc[t, 0], &gbacc[t, 0])


def _csr_pass(const floating_t[::1] data, const index_t[::1] indices,
              const index_t[::1] indptr, const floating_t[:, ::1] W,
              const floating_t[::1] b, const floating_t[::1] y,
              const floating_t[::1] sw, double alpha, int mode, floating_t[::1] aux,
              floating_t[:, ::1] Zbuf, floating_t[:, ::1] Gzbuf, floating_t[:, ::1] Lbuf,
              floating_t[:, ::1] Gtmp, double[:, ::1] Gacc, double[:, ::1] gbacc,
              double[::1] losses, Py_ssize_t block):
    cdef Py_ssize_t n = indptr.shape[0] - 1
    cdef Py_ssize_t K = W.shape[0], start, stop
    cdef int t, nt = Gacc.shape[0]
    cdef const floating_t *bp = NULL if b is None else &b[0]
    cdef const floating_t *swp = NULL if sw is None else &sw[0]
    cdef floating_t *auxp = NULL if aux is None else &aux[0]
    cdef const floating_t *dp = NULL if data.shape[0] == 0 else &data[0]
    cdef const index_t *ip = NULL if indices.shape[0] == 0 else &indices[0]
    cdef Py_ssize_t i, n_blocks = (n + block - 1) // block
    with nogil:
        for i in prange(n_blocks, num_threads=nt, schedule="dynamic", chunksize=4):
            t = threadid()
            start = i * block
            stop = min(n, start + block)
            losses[i] = _csr_range(dp, ip, &indptr[0], K, start, stop, block,
                                   &W[0, 0], bp, &y[0], swp, alpha, mode, auxp,
                                   &Zbuf[t, 0], &Gzbuf[t, 0], &Lbuf[t, 0],
                                   &Gacc[t, 0], &gbacc[t, 0])


def csr_column_square_sums(const floating_t[::1] data, const index_t[::1] indices,
                           Py_ssize_t n_columns, n_threads=None):
    """Σ data[j]² per column index indices[j] (float64): a CSR matrix's column
    sums of squares in one pass over its non-zeros (threads from
    MIN_NNZ_PER_THREAD on, each with its own sums, which together hold no
    more values than the non-zeros).  Non-finite entries make their column's
    sum non-finite; squares may overflow to inf."""
    cdef Py_ssize_t nnz = data.shape[0], j, start, stop
    cdef int t, nt = openmp_effective_n_threads(n_threads)
    cdef double v
    nt = <int> max(1, min(nt, nnz // MIN_NNZ_PER_THREAD, nnz // max(n_columns, 1)))
    cdef double[:, ::1] sums = np.zeros((nt, n_columns))
    if indices.shape[0] != nnz:
        raise ValueError("data and indices differ in length")
    with nogil:
        for t in prange(nt, num_threads=nt, schedule="static"):
            start = nnz * t // nt
            stop = nnz * (t + 1) // nt
            for j in range(start, stop):
                v = data[j]
                sums[t, indices[j]] += v * v
    return np.asarray(sums).sum(axis=0) if nt > 1 else np.asarray(sums[0])


class LinearLoss:
    """Raw sums of the sigmoid-core log-loss of a linear model over (X, y).

    Parameters
    ----------
    X : ndarray (C or F order) or sparse matrix of float32 / float64
        Read in place, never copied (CSR and dense take the fused one-pass
        route, other sparse formats scipy's products).
    y : ndarray of shape (n_samples,), same dtype as X
        0 / 1 targets (binary, ``n_classes == 1``) or class indices.
    sample_weight : ndarray or None
        Per-sample weights (already multiplied by class weights).
    alpha : float
        Scale of the sigmoid core: the loss is evaluated at ``alpha * z``.
    n_classes : int
        Number of score columns K: 1 for binary, else the number of classes.
    fit_intercept : bool
    n_threads : int or None
    block_rows : int or None
        Rows per block of the pass; None: GEMM_BLOCK_ROWS on the gemm route
        of C-ordered X from GEMM_BLOCK_MIN_FEATURES features on, else
        BLOCK_ROWS.
    """

    def __init__(self, X, y, sample_weight, alpha, n_classes, fit_intercept,
                 n_threads=None, block_rows=None):
        self.X = X
        self.dtype = X.dtype
        self.n_samples, self.n_features = X.shape
        self.y = y
        self.sample_weight = sample_weight
        self.alpha = float(alpha)
        self.K = int(n_classes)
        self.fit_intercept = bool(fit_intercept)
        n_threads = openmp_effective_n_threads(n_threads)
        if sp.issparse(X) and X.format == "csr":
            max_threads = (X.nnz // MIN_NNZ_PER_THREAD if self.K == 1
                           else X.nnz * self.K // MIN_NNZ_CLASSES_PER_THREAD)
            self._route = "csr"
        elif sp.issparse(X):
            max_threads = 1
            self._route = "scipy"
        else:
            max_threads = self.n_samples * self.n_features * self.K // MIN_WORK_PER_THREAD
            if X.flags.c_contiguous:
                self._route = "dense_c"
            elif X.flags.f_contiguous:
                self._route = "dense_f"
            else:
                raise ValueError("dense X must be C- or F-contiguous")
        if block_rows is None:
            gemm = self._route == "dense_c" and _takes_gemm(
                False, self.n_features, self.K, X.dtype == np.float64)
            block_rows = (GEMM_BLOCK_ROWS
                          if gemm and self.n_features >= GEMM_BLOCK_MIN_FEATURES
                          else BLOCK_ROWS)
        self.block = int(block_rows)
        self.n_threads = int(max(1, min(n_threads, max_threads,
                                        max(1, self.n_samples // self.block))))
        nt, B, K = self.n_threads, self.block, self.K
        dt = self.dtype
        self._Z = np.empty((nt, B * K), dtype=dt)
        self._Gz = np.empty((nt, B * K), dtype=dt)
        self._L = np.empty((nt, B), dtype=dt)
        self._Gt = np.empty((nt, K * self.n_features), dtype=dt)
        self._aux = None

    # -------------------------------------------------------------- passes
    def _run(self, mode, W, b, aux):
        nt, K, p = self.n_threads, self.K, self.n_features
        Gacc = np.zeros((nt, K * p), dtype=np.float64)
        gbacc = np.zeros((nt, K), dtype=np.float64)
        losses = np.zeros(max(1, -(-self.n_samples // self.block)), dtype=np.float64)
        if aux is not None:
            aux = aux.reshape(-1)
        # the CSR kernels read W and write G feature-major (p x K), handed
        # over in arrays of shape (K, p)
        feature_major = self._route == "csr"
        if feature_major:
            W = np.ascontiguousarray(W.T).reshape(K, p)
        args = (W, b, self.y, self.sample_weight, self.alpha, mode, aux,
                self._Z, self._Gz, self._L, self._Gt, Gacc, gbacc, losses, self.block)
        if self.n_samples > 0:
            if self._route == "dense_c":
                _dense_pass(self.X, False, *args)
            elif self._route == "dense_f":
                _dense_pass(self.X.T, True, *args)
            else:
                X = self.X
                indices, indptr = X.indices, X.indptr
                if indices.dtype != indptr.dtype:  # pragma: no cover - scipy keeps them equal
                    indices = indices.astype(indptr.dtype)
                _csr_pass(X.data, indices, indptr, *args)
        G = Gacc.sum(axis=0)
        G = np.ascontiguousarray(G.reshape(p, K).T) if feature_major else G.reshape(K, p)
        gb = gbacc.sum(axis=0)
        return float(losses.sum()), G, gb

    def _scipy_run(self, mode, W, b, aux):
        """Two-pass route through scipy's sparse products (CSC and friends)."""
        Z = np.ascontiguousarray(self.X @ W.T, dtype=self.dtype)
        if b is not None:
            Z += b
        n = self.n_samples
        sw = self.sample_weight
        total = 0.0
        Gz = np.empty_like(Z)
        if mode == LOSS_BINARY:
            z = Z[:, 0]
            g = np.empty(n, dtype=self.dtype)
            total = _binary_kernel(z, self.y, sw, self.alpha, np.empty(n, self.dtype),
                                   g, None if aux is None else aux, self.n_threads)
            Gz[:, 0] = g
        elif mode == LOSS_MULTINOMIAL:
            if aux is not None:
                aux[...] = Z
            total = _multinomial_kernel(Z, self.y, sw, self.alpha,
                                        np.empty(n, self.dtype), Gz, self.n_threads)
        elif mode == HESSP_BINARY:
            Gz[:, 0] = aux * Z[:, 0]
        else:
            c = self.alpha ** 2 * (1.0 if sw is None else sw[:, None])
            Gz[...] = c * aux * (Z - np.sum(aux * Z, axis=1, keepdims=True))
        G = np.asarray(self.X.T @ Gz, dtype=np.float64).T
        return float(total), np.ascontiguousarray(G), Gz.sum(axis=0, dtype=np.float64)

    def _call(self, mode, W, b, aux):
        W = np.ascontiguousarray(W, dtype=self.dtype).reshape(self.K, self.n_features)
        if self.fit_intercept:
            b = np.ascontiguousarray(b, dtype=self.dtype).reshape(self.K)
        else:
            b = None
        if self._route == "scipy":
            return self._scipy_run(mode, W, b, aux)
        return self._run(mode, W, b, aux)

    def loss_gradient(self, W, b=None, store_hessian=False):
        """(sum_i s_i l_i, G (K, p), gb (K,)) at coefficients W (K, p), intercept b.

        With ``store_hessian`` the curvature needed by :meth:`hessp` at this
        point is kept (the Hessian diagonal for binary, the probabilities for
        multinomial).
        """
        aux = None
        if store_hessian:
            shape = (self.n_samples,) if self.K == 1 else (self.n_samples, self.K)
            aux = np.empty(shape, dtype=self.dtype)
        mode = LOSS_BINARY if self.K == 1 else LOSS_MULTINOMIAL
        result = self._call(mode, W, b, aux)
        if store_hessian:
            if self.K > 1:
                # aux holds the scores: turn them into probabilities in place
                softmax(aux, self.alpha, out=aux)
            self._aux = aux
        return result

    @property
    def curvature(self):
        """What the last ``loss_gradient(..., store_hessian=True)`` kept: the
        weighted Hessian diagonal w.r.t. the scores (binary, (n,)) or the
        probabilities (multinomial, (n, K))."""
        return self._aux

    @curvature.setter
    def curvature(self, value):
        # what hessp needs, kept from a loss_gradient(..., store_hessian=True)
        # of an equal LinearLoss (the chunks of a dask fit keep only this)
        shape = (self.n_samples,) if self.K == 1 else (self.n_samples, self.K)
        if value.shape != shape or value.dtype != self.dtype:
            raise ValueError(f"curvature must be {self.dtype} of shape {shape}")
        self._aux = value

    def hessp(self, V, vb=None):
        """Raw Hessian-vector product sums at the point of the last
        ``loss_gradient(..., store_hessian=True)``: (G (K, p), gb (K,))."""
        if self._aux is None:
            raise RuntimeError("call loss_gradient(..., store_hessian=True) first")
        mode = HESSP_BINARY if self.K == 1 else HESSP_MULTINOMIAL
        _, G, gb = self._call(mode, V, vb, self._aux)
        return G, gb
