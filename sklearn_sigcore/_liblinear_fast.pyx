# cython: boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""scikit-learn's 'liblinear' binary logistic-regression objectives, solved here.

With x~_i = [x_i, B] (B > 0 appends a constant feature, the intercept) and
per-sample costs c_i, the two problems are

* L2: min_w  1/2 ||w||^2 + sum_i c_i log(1 + exp(-y_i w.x~_i)),
  by dual coordinate descent (Yu, Huang & Lin 2011; liblinear's
  ``solve_l2r_lr_dual``), reading the rows of X;
* L1: min_w  ||w||_1 + sum_i c_i log(1 + exp(-y_i w.x~_i)),
  by newGLMNET (Yuan, Ho & Lin 2012; liblinear's ``solve_l1r_lr``),
  reading the columns of X for the coordinate descent and, when X comes by
  rows (CSR, C order), the rows for each iteration's gradient (on OpenMP
  threads for large X).

The weight of the constant feature is penalised like any other, as in
scikit-learn's bundled liblinear (the L1 solver can leave it out of the
norm: ``free_bias``, this package's own objective).  Stopping rules,
iteration caps and the treatment of zero-cost samples follow that liblinear
(see the docstrings); the random permutations come from our own generator, so
iterates differ from scikit-learn's while the optimum is the same.

The dense kernels are C with GCC ``target_clones`` (baseline x86-64 plus AVX2
and AVX-512 versions picked at load time); the sparse ones gather and scatter,
which vectorise poorly anyway, so they are plain Cython.
"""

from libc.math cimport fabs, log, fmin, fmax, INFINITY
from libc.stdint cimport int32_t, int64_t, uint64_t

from cpython.ref cimport PyObject
from cython.parallel cimport prange

import numpy as np
import scipy.sparse as sp

from sklearn_sigcore._kernels import openmp_effective_n_threads

cdef extern from *:
    """
    #include "_sigcore_math.h"

    /*
     * Dense kernels over one contiguous lane (a row or a column of X) against
     * double vectors.  The sums keep LL_ACC partial sums: one running sum is
     * bound by the latency of the add, and without -ffast-math GCC may not
     * split it into vector lanes itself.
     */
    #define LL_ACC 8

    #if defined(_MSC_VER)
    #define LL_RESTRICT __restrict
    #else
    #define LL_RESTRICT restrict
    #endif

    /*
     * Prefetch the cache lines of [p, p + nbytes).  A macro, not a function:
     * GCC deems a function that only prefetches free of side effects and
     * deletes the calls it does not inline early.
     */
    #if defined(__GNUC__) || defined(__clang__)
    #define LL_PREFETCH_LINE(p) __builtin_prefetch(p)
    #else
    #define LL_PREFETCH_LINE(p) ((void)(p))
    #endif
    #define ll_prefetch_range(p, nbytes)                                           \
        do {                                                                       \
            const char *ll_p_ = (const char *)(p);                                 \
            ptrdiff_t ll_n_ = (ptrdiff_t)(nbytes), ll_o_;                          \
            for (ll_o_ = 0; ll_o_ < ll_n_; ll_o_ += 64)                            \
                LL_PREFETCH_LINE(ll_p_ + ll_o_);                                   \
            if (ll_n_ > 0)                                                         \
                LL_PREFETCH_LINE(ll_p_ + ll_n_ - 1);                               \
        } while (0)

    #define LL_DENSE_KERNELS(SUFFIX, T)                                            \
    SC_DISPATCH static double ll_dot_##SUFFIX(const T *LL_RESTRICT x,              \
                                              const double *LL_RESTRICT v,         \
                                              ptrdiff_t n)                         \
    {                                                                              \
        double acc[LL_ACC] = {0.0}, s = 0.0;                                       \
        ptrdiff_t i = 0, k;                                                        \
        for (; i + LL_ACC <= n; i += LL_ACC)                                       \
            for (k = 0; k < LL_ACC; k++)                                           \
                acc[k] += (double)x[i + k] * v[i + k];                             \
        for (; i < n; i++)                                                         \
            s += (double)x[i] * v[i];                                              \
        for (k = 0; k < LL_ACC; k++)                                               \
            s += acc[k];                                                           \
        return s;                                                                  \
    }                                                                              \
    /* sum_i x_i a_i b_i */                                                        \
    SC_DISPATCH static double ll_dot3_##SUFFIX(const T *LL_RESTRICT x,             \
                                               const double *LL_RESTRICT a,        \
                                               const double *LL_RESTRICT b,        \
                                               ptrdiff_t n)                        \
    {                                                                              \
        double acc[LL_ACC] = {0.0}, s = 0.0;                                       \
        ptrdiff_t i = 0, k;                                                        \
        for (; i + LL_ACC <= n; i += LL_ACC)                                       \
            for (k = 0; k < LL_ACC; k++)                                           \
                acc[k] += (double)x[i + k] * a[i + k] * b[i + k];                  \
        for (; i < n; i++)                                                         \
            s += (double)x[i] * a[i] * b[i];                                       \
        for (k = 0; k < LL_ACC; k++)                                               \
            s += acc[k];                                                           \
        return s;                                                                  \
    }                                                                              \
    /* *gx = sum_i x_i g_i and *hx = sum_i x_i^2 h_i in one pass over x */         \
    SC_DISPATCH static void ll_grad_hess_##SUFFIX(const T *LL_RESTRICT x,          \
                                                  const double *LL_RESTRICT g,     \
                                                  const double *LL_RESTRICT h,     \
                                                  ptrdiff_t n, double *gx,         \
                                                  double *hx)                      \
    {                                                                              \
        double ag[LL_ACC] = {0.0}, ah[LL_ACC] = {0.0}, sg = 0.0, sh = 0.0;         \
        ptrdiff_t i = 0, k;                                                        \
        for (; i + LL_ACC <= n; i += LL_ACC)                                       \
            for (k = 0; k < LL_ACC; k++) {                                         \
                double xi = (double)x[i + k];                                      \
                ag[k] += xi * g[i + k];                                            \
                ah[k] += xi * xi * h[i + k];                                       \
            }                                                                      \
        for (; i < n; i++) {                                                       \
            double xi = (double)x[i];                                              \
            sg += xi * g[i];                                                       \
            sh += xi * xi * h[i];                                                  \
        }                                                                          \
        for (k = 0; k < LL_ACC; k++) {                                             \
            sg += ag[k];                                                           \
            sh += ah[k];                                                           \
        }                                                                          \
        *gx = sg;                                                                  \
        *hx = sh;                                                                  \
    }                                                                              \
    /*                                                                             \
     * t += z x, and in the same pass sum_i x2_i h_i t_i with the updated t: a     \
     * coordinate step and the next coordinate's model gradient, for one trip      \
     * through t and h instead of two.                                             \
     */                                                                            \
    SC_DISPATCH static double ll_step_dot3_##SUFFIX(double z, const T *LL_RESTRICT x, \
                                                    const T *LL_RESTRICT x2,       \
                                                    const double *LL_RESTRICT h,   \
                                                    double *LL_RESTRICT t,         \
                                                    ptrdiff_t n)                   \
    {                                                                              \
        double acc[LL_ACC] = {0.0}, s = 0.0, ti;                                   \
        ptrdiff_t i = 0, k;                                                        \
        for (; i + LL_ACC <= n; i += LL_ACC)                                       \
            for (k = 0; k < LL_ACC; k++) {                                         \
                ti = t[i + k] + z * (double)x[i + k];                              \
                t[i + k] = ti;                                                     \
                acc[k] += (double)x2[i + k] * h[i + k] * ti;                       \
            }                                                                      \
        for (; i < n; i++) {                                                       \
            ti = t[i] + z * (double)x[i];                                          \
            t[i] = ti;                                                             \
            s += (double)x2[i] * h[i] * ti;                                        \
        }                                                                          \
        for (k = 0; k < LL_ACC; k++)                                               \
            s += acc[k];                                                           \
        return s;                                                                  \
    }                                                                              \
    /* v += a x */                                                                 \
    SC_DISPATCH static void ll_axpy_##SUFFIX(double a, const T *LL_RESTRICT x,     \
                                             double *LL_RESTRICT v, ptrdiff_t n)   \
    {                                                                              \
        ptrdiff_t i;                                                               \
        for (i = 0; i < n; i++)                                                    \
            v[i] += a * (double)x[i];                                              \
    }                                                                              \
    /* sum_i x_i^2 */                                                              \
    SC_DISPATCH static double ll_sqnorm_##SUFFIX(const T *LL_RESTRICT x,           \
                                                 ptrdiff_t n)                      \
    {                                                                              \
        double acc[LL_ACC] = {0.0}, s = 0.0;                                       \
        ptrdiff_t i = 0, k;                                                        \
        for (; i + LL_ACC <= n; i += LL_ACC)                                       \
            for (k = 0; k < LL_ACC; k++)                                           \
                acc[k] += (double)x[i + k] * (double)x[i + k];                     \
        for (; i < n; i++)                                                         \
            s += (double)x[i] * (double)x[i];                                      \
        for (k = 0; k < LL_ACC; k++)                                               \
            s += acc[k];                                                           \
        return s;                                                                  \
    }

    /* gx += gi x, hx += hi x^2: one row's share of the gradient and Hessian diagonal */
    #define LL_ROW_GRAD_HESS(SUFFIX, T)                                            \
    SC_DISPATCH static void ll_row_grad_hess_##SUFFIX(double gi, double hi,        \
                                                      const T *LL_RESTRICT x,      \
                                                      double *LL_RESTRICT gx,      \
                                                      double *LL_RESTRICT hx,      \
                                                      ptrdiff_t n)                 \
    {                                                                              \
        ptrdiff_t i;                                                               \
        for (i = 0; i < n; i++) {                                                  \
            double xi = (double)x[i];                                              \
            gx[i] += gi * xi;                                                      \
            hx[i] += hi * xi * xi;                                                 \
        }                                                                          \
    }
    LL_ROW_GRAD_HESS(f64, double)
    LL_ROW_GRAD_HESS(f32, float)

    LL_DENSE_KERNELS(f64, double)
    LL_DENSE_KERNELS(f32, float)

    SC_DISPATCH static double ll_sum(const double *LL_RESTRICT x, ptrdiff_t n)
    {
        double acc[LL_ACC] = {0.0}, s = 0.0;
        ptrdiff_t i = 0, k;
        for (; i + LL_ACC <= n; i += LL_ACC)
            for (k = 0; k < LL_ACC; k++)
                acc[k] += x[i + k];
        for (; i < n; i++)
            s += x[i];
        for (k = 0; k < LL_ACC; k++)
            s += acc[k];
        return s;
    }

    /* sum_i c[i] log(1 + exp(-y[i] (m[i] + t[i]))), stable for any margin */
    SC_DISPATCH static double ll_loss(const double *LL_RESTRICT m,
                                      const double *LL_RESTRICT t,
                                      const double *LL_RESTRICT y,
                                      const double *LL_RESTRICT c, ptrdiff_t n)
    {
        double acc[LL_ACC] = {0.0}, s = 0.0;
        ptrdiff_t i = 0, k;
        for (; i + LL_ACC <= n; i += LL_ACC)
            for (k = 0; k < LL_ACC; k++)
                acc[k] -= c[i + k] * sc_log_sigmoid(y[i + k] * (m[i + k] + t[i + k]));
        for (; i < n; i++)
            s -= c[i] * sc_log_sigmoid(y[i] * (m[i] + t[i]));
        for (k = 0; k < LL_ACC; k++)
            s += acc[k];
        return s;
    }

    /*
     * sum_i c[i] (l(y[i] (m[i] + t[i])) - l(y[i] m[i])), l(u) = log(1 + exp(-u)),
     * with each term accurate to a few ulps of itself: for |d| <= 1,
     * l(u + d) - l(u) = log1p(expm1(-d) sigma(-u)), free of the cancellation
     * of a difference of losses.  Scalar libm calls: only used when that
     * cancellation would decide the line search.
     */
    static double ll_loss_change(const double *m, const double *t,
                                 const double *y, const double *c, ptrdiff_t n)
    {
        double s = 0.0;
        ptrdiff_t i;
        for (i = 0; i < n; i++) {
            double u = y[i] * m[i], d = y[i] * t[i];
            if (d == 0.0 || c[i] == 0.0)
                continue;
            if (fabs(d) <= 1.0)
                s += c[i] * log1p(expm1(-d) * sc_sigmoid(-u));
            else
                s += c[i] * (sc_log_sigmoid(u) - sc_log_sigmoid(u + d));
        }
        return s;
    }

    /*
     * Derivatives of c[i] log(1 + exp(-y[i] m)) in the margin m = m[i]:
     * g[i] = -c[i] y[i] sigma(-y[i] m) and h[i] = c[i] sigma(m) sigma(-m).
     */
    SC_DISPATCH static void ll_loss_derivatives(const double *LL_RESTRICT m,
                                                const double *LL_RESTRICT y,
                                                const double *LL_RESTRICT c,
                                                double *LL_RESTRICT g,
                                                double *LL_RESTRICT h, ptrdiff_t n)
    {
        ptrdiff_t i;
        for (i = 0; i < n; i++) {
            g[i] = -c[i] * y[i] * sc_sigmoid(-y[i] * m[i]);
            h[i] = c[i] * sc_sigmoid_derivative(m[i], 1.0);
        }
    }
    """
    void ll_prefetch_range(const void *p, Py_ssize_t nbytes) noexcept nogil
    double ll_dot_f64(const double *x, const double *v, Py_ssize_t n) noexcept nogil
    double ll_dot_f32(const float *x, const double *v, Py_ssize_t n) noexcept nogil
    double ll_dot3_f64(const double *x, const double *a, const double *b,
                       Py_ssize_t n) noexcept nogil
    double ll_dot3_f32(const float *x, const double *a, const double *b,
                       Py_ssize_t n) noexcept nogil
    double ll_step_dot3_f64(double z, const double *x, const double *x2, const double *h,
                            double *t, Py_ssize_t n) noexcept nogil
    double ll_step_dot3_f32(double z, const float *x, const float *x2, const double *h,
                            double *t, Py_ssize_t n) noexcept nogil
    void ll_grad_hess_f64(const double *x, const double *g, const double *h, Py_ssize_t n,
                          double *gx, double *hx) noexcept nogil
    void ll_grad_hess_f32(const float *x, const double *g, const double *h, Py_ssize_t n,
                          double *gx, double *hx) noexcept nogil
    void ll_axpy_f64(double a, const double *x, double *v, Py_ssize_t n) noexcept nogil
    void ll_axpy_f32(double a, const float *x, double *v, Py_ssize_t n) noexcept nogil
    double ll_sqnorm_f64(const double *x, Py_ssize_t n) noexcept nogil
    double ll_sqnorm_f32(const float *x, Py_ssize_t n) noexcept nogil
    void ll_row_grad_hess_f64(double gi, double hi, const double *x, double *gx,
                              double *hx, Py_ssize_t n) noexcept nogil
    void ll_row_grad_hess_f32(double gi, double hi, const float *x, double *gx,
                              double *hx, Py_ssize_t n) noexcept nogil
    double ll_sum(const double *x, Py_ssize_t n) noexcept nogil
    double ll_loss(const double *m, const double *t, const double *y, const double *c,
                   Py_ssize_t n) noexcept nogil
    double ll_loss_change(const double *m, const double *t, const double *y,
                          const double *c, Py_ssize_t n) noexcept nogil
    void ll_loss_derivatives(const double *m, const double *y, const double *c,
                             double *g, double *h, Py_ssize_t n) noexcept nogil


ctypedef fused data_t:
    float
    double

ctypedef fused index_t:
    int32_t
    int64_t


# ---------------------------------------------------------------------------
# Random permutations: splitmix64, bounded by Lemire's multiply-shift.

cdef inline uint64_t _next_u64(uint64_t *state) noexcept nogil:
    state[0] += 0x9E3779B97F4A7C15ULL
    cdef uint64_t z = state[0]
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL
    return z ^ (z >> 31)


cdef inline Py_ssize_t _rand_below(uint64_t *state, Py_ssize_t n) noexcept nogil:
    """Uniform in [0, n), bias at most n / 2**32 (irrelevant for shuffling)."""
    cdef uint64_t r = _next_u64(state)
    if <uint64_t>n <= 0xFFFFFFFFULL:
        return <Py_ssize_t>(((r >> 32) * <uint64_t>n) >> 32)
    return <Py_ssize_t>(r % <uint64_t>n)


cdef inline void _shuffle(Py_ssize_t *a, Py_ssize_t n, uint64_t *state) noexcept nogil:
    cdef Py_ssize_t i, j, t
    for i in range(n - 1):
        j = i + _rand_below(state, n - i)
        t = a[i]
        a[i] = a[j]
        a[j] = t


# ---------------------------------------------------------------------------
# One lane of X: a row (dual solver) or a column (L1 solver).  Dense lanes are
# contiguous (idx is NULL); sparse lanes are the CSR / CSC slices.

cdef inline Py_ssize_t _lane(const data_t *data, const index_t *indices,
                             const index_t *indptr, Py_ssize_t dense_len,
                             Py_ssize_t k, const data_t **val,
                             const index_t **idx) noexcept nogil:
    if indptr == NULL:
        val[0] = data + k * dense_len
        idx[0] = NULL
        return dense_len
    val[0] = data + indptr[k]
    idx[0] = indices + indptr[k]
    return indptr[k + 1] - indptr[k]


cdef inline double _lane_dot(const data_t *val, const index_t *idx, Py_ssize_t nnz,
                             const double *v) noexcept nogil:
    """sum_k x_k v_k over the lane."""
    cdef Py_ssize_t k
    cdef double s = 0.0
    if idx == NULL:
        if data_t is float:
            return ll_dot_f32(val, v, nnz)
        else:
            return ll_dot_f64(val, v, nnz)
    for k in range(nnz):
        s += val[k] * v[idx[k]]
    return s


cdef inline double _lane_dot3(const data_t *val, const index_t *idx, Py_ssize_t nnz,
                              const double *a, const double *b) noexcept nogil:
    """sum_k x_k a_k b_k over the lane."""
    cdef Py_ssize_t k, r
    cdef double s = 0.0
    if idx == NULL:
        if data_t is float:
            return ll_dot3_f32(val, a, b, nnz)
        else:
            return ll_dot3_f64(val, a, b, nnz)
    for k in range(nnz):
        r = idx[k]
        s += val[k] * a[r] * b[r]
    return s


cdef inline void _lane_axpy(const data_t *val, const index_t *idx, Py_ssize_t nnz,
                            double a, double *v) noexcept nogil:
    """v += a x over the lane."""
    cdef Py_ssize_t k
    if idx == NULL:
        if data_t is float:
            ll_axpy_f32(a, val, v, nnz)
        else:
            ll_axpy_f64(a, val, v, nnz)
        return
    for k in range(nnz):
        v[idx[k]] += a * val[k]


cdef inline double _lane_sqnorm(const data_t *val, const index_t *idx,
                                Py_ssize_t nnz) noexcept nogil:
    cdef Py_ssize_t k
    cdef double s = 0.0
    if idx == NULL:
        if data_t is float:
            return ll_sqnorm_f32(val, nnz)
        else:
            return ll_sqnorm_f64(val, nnz)
    for k in range(nnz):
        s += <double>val[k] * val[k]
    return s


cdef inline void _lane_grad_hess(const data_t *val, const index_t *idx, Py_ssize_t nnz,
                                 const double *g, const double *h, double *gx,
                                 double *hx) noexcept nogil:
    """gx = sum_k x_k g_k, hx = sum_k x_k^2 h_k over the lane."""
    cdef Py_ssize_t k, r
    cdef double sg = 0.0, sh = 0.0, x
    if idx == NULL:
        if data_t is float:
            ll_grad_hess_f32(val, g, h, nnz, gx, hx)
        else:
            ll_grad_hess_f64(val, g, h, nnz, gx, hx)
        return
    for k in range(nnz):
        r = idx[k]
        x = val[k]
        sg += x * g[r]
        sh += x * x * h[r]
    gx[0] = sg
    hx[0] = sh


# ---------------------------------------------------------------------------
# L2: dual coordinate descent.
#
# The dual is  min_a 1/2 a'Qa + sum_i a_i log a_i + (c_i - a_i) log(c_i - a_i),
# 0 < a_i < c_i, Q_ij = y_i y_j x~_i.x~_j, and w = sum_i y_i a_i x~_i.  Each
# step minimises over one a_i by Newton's method, on a_i or on c_i - a_i,
# whichever the gradient drives towards its bound, so that the variable that
# may approach 0 is the one stored directly (no cancellation in c_i - a_i).
#
# Samples are visited in random order, so the step is bound by the latency of
# fetching a random row and its dual state: both are prefetched a few samples
# ahead, and the state of sample i is one record of SAMPLE_RECORD doubles.

cdef enum:
    DUAL_MAX_INNER = 100   # Newton steps per coordinate
    SAMPLE_RECORD = 4      # a_i, c_i - a_i, y_i c_i, ||x~_i||^2
    PREFETCH_STATE = 8     # samples ahead: record (and CSR row bounds)
    PREFETCH_ROW = 4       # samples ahead: row values (and indices)
cdef double DUAL_ETA = 0.1  # shrink factor when a Newton step leaves (0, c)
# Smallest dual variable, relative to its bound: a_i ~ c_i exp(-margin_i) is
# then representable for margins up to ~640, and log(z / (c - z)) and the
# curvature c / (z (c - z)) stay finite.  With costs above _MIN_COST the
# floor is at least the smallest normal double.
cdef double DUAL_ALPHA_FLOOR = 1e-280
cdef double DBL_MIN_NORMAL = 2.2250738585072014e-308


cdef void _dual_cd(
    const data_t *data, const index_t *indices, const index_t *indptr,
    Py_ssize_t n_features, double bias, const double *y, const double *cost,
    Py_ssize_t *order, Py_ssize_t n_active, double *record, double eps,
    int max_iter, uint64_t *rng, double *w, int *n_iter, bint *converged,
) noexcept nogil:
    cdef:
        Py_ssize_t s, i, k, nnz
        const data_t *val
        const index_t *idx
        double *rec
        bint has_bias = bias > 0
        double c, yi, a, b, z, z_old, z_min, gp, gpp, step, gmax, sign, d
        double inner_eps = 1e-2
        double inner_eps_min = fmin(1e-8, eps)
        int it = 0, inner, ind1
        Py_ssize_t newton_steps

    converged[0] = False
    for s in range(n_active):
        i = order[s]
        rec = record + SAMPLE_RECORD * i
        c = cost[i]
        rec[0] = fmin(1e-3 * c, 1e-8)
        rec[1] = c - rec[0]
        rec[2] = y[i] * c
        nnz = _lane(data, indices, indptr, n_features, i, &val, &idx)
        rec[3] = _lane_sqnorm(val, idx, nnz)
        _lane_axpy(val, idx, nnz, y[i] * rec[0], w)
        if has_bias:
            rec[3] += bias * bias
            w[n_features] += y[i] * rec[0] * bias

    while it < max_iter:
        _shuffle(order, n_active, rng)
        newton_steps = 0
        gmax = 0.0
        for s in range(n_active):
            if s + PREFETCH_STATE < n_active:
                k = order[s + PREFETCH_STATE]
                ll_prefetch_range(record + SAMPLE_RECORD * k,
                                  SAMPLE_RECORD * sizeof(double))
                if indptr != NULL:
                    ll_prefetch_range(indptr + k, 2 * sizeof(index_t))
            if s + PREFETCH_ROW < n_active:
                nnz = _lane(data, indices, indptr, n_features, order[s + PREFETCH_ROW],
                            &val, &idx)
                ll_prefetch_range(val, nnz * sizeof(data_t))
                if idx != NULL:
                    ll_prefetch_range(idx, nnz * sizeof(index_t))

            i = order[s]
            rec = record + SAMPLE_RECORD * i
            c = fabs(rec[2])
            yi = 1.0 if rec[2] > 0 else -1.0
            nnz = _lane(data, indices, indptr, n_features, i, &val, &idx)
            b = _lane_dot(val, idx, nnz, w)
            if has_bias:
                b += w[n_features] * bias
            b *= yi
            a = rec[3]

            ind1 = 0
            sign = 1.0
            if 0.5 * a * (rec[1] - rec[0]) + b < 0:
                ind1 = 1
                sign = -1.0

            # Minimise z log z + (c - z) log(c - z) + a/2 (z - z_old)^2
            # + sign b (z - z_old) over z in (0, c).
            z_old = rec[ind1]
            z = z_old
            if c - z < 0.5 * c:
                z = 0.1 * z
            z_min = fmax(DUAL_ALPHA_FLOOR * c, DBL_MIN_NORMAL)
            gp = a * (z - z_old) + sign * b + log(z / (c - z))
            gmax = fmax(gmax, fabs(gp))
            inner = 0
            while inner <= DUAL_MAX_INNER:
                if fabs(gp) < inner_eps:
                    break
                gpp = a + c / (c - z) / z
                step = z - gp / gpp
                if step <= 0:
                    z = fmax(z * DUAL_ETA, z_min)
                else:
                    z = step
                gp = a * (z - z_old) + sign * b + log(z / (c - z))
                newton_steps += 1
                inner += 1

            if inner > 0:
                rec[ind1] = z
                rec[1 - ind1] = c - z
                d = sign * (z - z_old) * yi
                _lane_axpy(val, idx, nnz, d, w)
                if has_bias:
                    w[n_features] += d * bias

        it += 1
        if gmax < eps:
            converged[0] = True
            break
        # The inner problems got easy: ask more of them.
        if newton_steps <= n_active // 10:
            inner_eps = fmax(inner_eps_min, 0.1 * inner_eps)
    n_iter[0] = it


def _dual_fit(const data_t[::1] data, const index_t[::1] indices,
              const index_t[::1] indptr, Py_ssize_t n_features, double bias,
              const double[::1] y, const double[::1] cost, Py_ssize_t[::1] order,
              double eps, int max_iter, uint64_t seed, double[::1] w):
    """Run :func:`_dual_cd` on rows of X (dense C-ordered when indptr is empty)."""
    cdef:
        double[::1] record = np.empty(SAMPLE_RECORD * y.shape[0])
        const index_t *ind_ptr = NULL
        const index_t *ptr_ptr = NULL
        uint64_t rng = seed
        int n_iter = 0
        bint converged = True
    if order.shape[0] == 0 or w.shape[0] == 0:
        return 0, True
    if indptr.shape[0] > 0:
        ind_ptr = &indices[0]
        ptr_ptr = &indptr[0]
    with nogil:
        _dual_cd(&data[0], ind_ptr, ptr_ptr, n_features, bias, &y[0], &cost[0],
                 &order[0], order.shape[0], &record[0], eps, max_iter, &rng, &w[0],
                 &n_iter, &converged)
    return n_iter, converged


# ---------------------------------------------------------------------------
# L1: newGLMNET.  Outer iterations build the quadratic model of the loss at w
# (gradient and Hessian diagonal per feature, the Hessian X'DX used through
# X d); coordinate descent with shrinking minimises model + ||.||_1 over the
# direction; a backtracking line search on the true objective takes the step.

cdef enum:
    L1_MAX_CD = 1000         # coordinate-descent cycles per outer iteration
    L1_MAX_LINESEARCH = 20
cdef double L1_NU = 1e-12          # Hessian diagonal shift
cdef double L1_SIGMA = 0.01        # sufficient-decrease constant of the line search
cdef double L1_MAX_STEP = 10.0     # bound on one coordinate step of the inner problem
# Relative size below which a change of the summed loss may be rounding: a
# sum of n losses in 8 partial sums is off by at most ~n/8 ulps (below 1e-8
# up to ~10^8 samples), typically by ~sqrt(n) ulps.  Below it, the change is
# summed term by term instead.
cdef double L1_SUM_NOISE = 1e-8


cdef struct L1Work:
    double *wpd       # w + direction (the inner problem's variable)
    double *grad      # gradient of the loss per feature
    double *hdiag     # Hessian diagonal per feature, plus L1_NU
    Py_ssize_t *index # feature order; shrunk features moved to the end
    double *margin    # w.x~_i
    double *xtd       # x~_i.(wpd - w)
    double *g         # d loss_i / d margin_i
    double *h         # d^2 loss_i / d margin_i^2
    int n_threads     # threads of the row pass of _grad_hess
    bint reporting    # call on_iteration after each outer iteration
    double *partial   # n_threads x 2 x n_features sums of that pass


cdef void _rows_grad_hess(const data_t *rdata, const index_t *rindices,
                          const index_t *rindptr, Py_ssize_t lo, Py_ssize_t hi,
                          Py_ssize_t n_features, const double *g, const double *h,
                          double *grad, double *hdiag) noexcept nogil:
    """grad += X[lo:hi]'g, hdiag += (X*X)[lo:hi]'h, one row at a time."""
    cdef const data_t *val
    cdef const index_t *idx
    cdef Py_ssize_t nnz, i, j, k
    cdef double gi, hi_, x
    for i in range(lo, hi):
        gi = g[i]
        hi_ = h[i]
        if gi == 0 and hi_ == 0:
            continue
        nnz = _lane(rdata, rindices, rindptr, n_features, i, &val, &idx)
        if idx == NULL:
            if data_t is float:
                ll_row_grad_hess_f32(gi, hi_, val, grad, hdiag, nnz)
            else:
                ll_row_grad_hess_f64(gi, hi_, val, grad, hdiag, nnz)
        else:
            for k in range(nnz):
                j = idx[k]
                x = val[k]
                grad[j] += gi * x
                hdiag[j] += hi_ * x * x


cdef void _grad_hess(const data_t *data, const index_t *indices,
                     const index_t *indptr, const data_t *rdata,
                     const index_t *rindices, const index_t *rindptr, bint has_rows,
                     Py_ssize_t n_samples, Py_ssize_t n_features, double bias,
                     L1Work *wk) noexcept nogil:
    """Gradient and Hessian diagonal of the loss for every feature.

    X'g and (X*X)'h.  Read by rows when the caller's X has a row layout:
    each row is one pass into small per-feature sums, where by columns every
    entry gathers g_i and h_i from all over the sample arrays.  The row pass
    runs on ``wk.n_threads`` threads, each summing its rows apart.
    """
    cdef const data_t *val
    cdef const index_t *idx
    cdef Py_ssize_t nnz, j, t, lo, hi
    cdef Py_ssize_t nt = wk.n_threads
    cdef double *part
    if has_rows and nt > 1:
        # one fixed range of rows per part, summed in part order: the same
        # sums at every run (the iterates follow thresholds)
        for t in prange(nt, num_threads=nt, schedule="static", chunksize=1):
            lo = t * n_samples // nt
            hi = (t + 1) * n_samples // nt
            part = wk.partial + t * 2 * n_features
            for j in range(2 * n_features):
                part[j] = 0.0
            _rows_grad_hess(rdata, rindices, rindptr, lo, hi, n_features, wk.g, wk.h,
                            part, part + n_features)
        for j in range(n_features):
            wk.grad[j] = 0.0
            wk.hdiag[j] = 0.0
        for t in range(nt):
            part = wk.partial + t * 2 * n_features
            for j in range(n_features):
                wk.grad[j] += part[j]
                wk.hdiag[j] += part[n_features + j]
    elif has_rows:
        for j in range(n_features):
            wk.grad[j] = 0.0
            wk.hdiag[j] = 0.0
        _rows_grad_hess(rdata, rindices, rindptr, 0, n_samples, n_features, wk.g, wk.h,
                        wk.grad, wk.hdiag)
    else:
        for j in range(n_features):
            nnz = _lane(data, indices, indptr, n_samples, j, &val, &idx)
            _lane_grad_hess(val, idx, nnz, wk.g, wk.h, &wk.grad[j], &wk.hdiag[j])
    if bias > 0:            # the constant column x~_ij = bias
        wk.grad[n_features] = bias * ll_sum(wk.g, n_samples)
        wk.hdiag[n_features] = bias * bias * ll_sum(wk.h, n_samples)
    for j in range(n_features + (bias > 0)):
        wk.hdiag[j] += L1_NU


cdef inline double _l1_violation(double wj, double g, double bound,
                                 bint free) noexcept nogil:
    """How far coordinate j is from L1 optimality (the minimum-norm subgradient
    of g + sign(w_j)), or -1 when w_j = 0 sits well inside its subdifferential
    (|g| < 1 - bound): liblinear shrinks such coordinates out of the sweep.
    A ``free`` coordinate (no L1 term) is |g| away, and never shrunk."""
    cdef double gp = g + 1.0, gn = g - 1.0
    if free:
        return fabs(g)
    if wj == 0:
        if gp < 0:
            return -gp
        if gn > 0:
            return gn
        if gp > bound and gn < -bound:
            return -1.0
        return 0.0
    return fabs(gp) if wj > 0 else fabs(gn)


cdef inline double _col_model_grad(const data_t *data, const index_t *indices,
                                   const index_t *indptr, Py_ssize_t n_samples,
                                   Py_ssize_t n_features, double bias, Py_ssize_t j,
                                   L1Work *wk) noexcept nogil:
    """(X'D X d)_j: the change of the model gradient along the direction d."""
    cdef const data_t *val
    cdef const index_t *idx
    cdef Py_ssize_t nnz
    if j == n_features:
        return bias * ll_dot_f64(wk.h, wk.xtd, n_samples)
    nnz = _lane(data, indices, indptr, n_samples, j, &val, &idx)
    return _lane_dot3(val, idx, nnz, wk.h, wk.xtd)


cdef inline void _col_axpy(const data_t *data, const index_t *indices,
                           const index_t *indptr, Py_ssize_t n_samples,
                           Py_ssize_t n_features, double bias, Py_ssize_t j,
                           double a, double *v) noexcept nogil:
    cdef const data_t *val
    cdef const index_t *idx
    cdef Py_ssize_t nnz, i
    cdef double ab = a * bias
    if j == n_features:
        for i in range(n_samples):
            v[i] += ab
        return
    nnz = _lane(data, indices, indptr, n_samples, j, &val, &idx)
    _lane_axpy(val, idx, nnz, a, v)


cdef void _margins(const data_t *data, const index_t *indices, const index_t *indptr,
                   Py_ssize_t n_samples, Py_ssize_t n_features, double bias,
                   const double *w, double *margin) noexcept nogil:
    """margin = X~ w, from scratch."""
    cdef Py_ssize_t i, j
    for i in range(n_samples):
        margin[i] = bias * w[n_features] if bias > 0 else 0.0
    for j in range(n_features):
        if w[j] != 0:
            _col_axpy(data, indices, indptr, n_samples, n_features, bias, j, w[j],
                      margin)


cdef void _l1_newglmnet(
    const data_t *data, const index_t *indices, const index_t *indptr,
    const data_t *rdata, const index_t *rindices, const index_t *rindptr,
    bint has_rows, Py_ssize_t n_samples, Py_ssize_t n_features, double bias,
    bint free_bias, const double *y, const double *cost, Py_ssize_t n_kept, double eps,
    int max_iter, uint64_t *rng, double *w, L1Work *wk, int *n_iter, bint *converged,
    PyObject *on_iteration,
) noexcept nogil:
    cdef:
        Py_ssize_t nf = n_features + (bias > 0)
        # the constant feature's index when its weight has no L1 term, else -1
        Py_ssize_t free_j = n_features if free_bias and bias > 0 else -1
        Py_ssize_t j, s, i, t, active, qp_active, next_j
        double gmax_old = INFINITY, gmax_new, gnorm1_new, gnorm1_init = -1.0
        double qp_gmax_old, qp_gmax_new, qp_gnorm1_new
        double inner_eps = 1.0
        double gp, gn, violation, gj, hj, z, delta, cond, next_model_grad = 0.0
        double w_norm = 0.0, w_norm_new, loss_sum, loss_new_sum = 0.0, loss_change
        double l = <double>n_kept
        int newton_iter = 0, cd_iter, qp_no_change = 0, n_search

    converged[0] = False
    for j in range(nf):
        w[j] = 0.0
        wk.wpd[j] = 0.0
        wk.index[j] = j
    for i in range(n_samples):
        wk.margin[i] = 0.0
        wk.xtd[i] = 0.0
    loss_sum = ll_loss(wk.margin, wk.xtd, y, cost, n_samples)
    ll_loss_derivatives(wk.margin, y, cost, wk.g, wk.h, n_samples)

    while newton_iter < max_iter:
        # Gradient and Hessian diagonal; shrink features at 0 whose
        # subgradient was well inside [-1, 1] at the previous iteration.
        _grad_hess(data, indices, indptr, rdata, rindices, rindptr, has_rows,
                   n_samples, n_features, bias, wk)
        gmax_new = 0.0
        gnorm1_new = 0.0
        active = nf
        s = 0
        while s < active:
            j = wk.index[s]
            violation = _l1_violation(w[j], wk.grad[j], gmax_old / l, j == free_j)
            if violation < 0:  # shrink: w_j = 0 well inside its subdifferential
                active -= 1
                t = wk.index[s]
                wk.index[s] = wk.index[active]
                wk.index[active] = t
                continue
            gmax_new = fmax(gmax_new, violation)
            gnorm1_new += violation
            s += 1

        if newton_iter == 0:
            gnorm1_init = gnorm1_new
        if gnorm1_new <= eps * gnorm1_init or qp_no_change >= 10:
            converged[0] = True
            break
        qp_no_change += 1

        # Coordinate descent on the quadratic model, over wpd = w + d.
        for i in range(n_samples):
            wk.xtd[i] = 0.0
        qp_active = active
        qp_gmax_old = INFINITY
        cd_iter = 0
        while cd_iter < L1_MAX_CD:
            qp_gmax_new = 0.0
            qp_gnorm1_new = 0.0
            _shuffle(wk.index, qp_active, rng)
            s = 0
            next_j = -1
            while s < qp_active:
                j = wk.index[s]
                hj = wk.hdiag[j]
                gj = wk.grad[j] + (wk.wpd[j] - w[j]) * L1_NU
                if j == next_j:     # computed with the previous step
                    gj += next_model_grad
                else:
                    gj += _col_model_grad(data, indices, indptr, n_samples,
                                          n_features, bias, j, wk)
                next_j = -1
                gp = gj + 1.0
                gn = gj - 1.0
                violation = _l1_violation(wk.wpd[j], gj, qp_gmax_old / l, j == free_j)
                if violation < 0:
                    qp_active -= 1
                    t = wk.index[s]
                    wk.index[s] = wk.index[qp_active]
                    wk.index[qp_active] = t
                    continue
                s += 1

                # Minimiser of the one-variable model with its |.| term.
                if j == free_j:
                    z = -gj / hj
                elif gp < hj * wk.wpd[j]:
                    z = -gp / hj
                elif gn > hj * wk.wpd[j]:
                    z = -gn / hj
                else:
                    z = -wk.wpd[j]
                if fabs(z) < 1e-12:
                    continue
                z = fmin(fmax(z, -L1_MAX_STEP), L1_MAX_STEP)

                qp_no_change = 0
                qp_gmax_new = fmax(qp_gmax_new, violation)
                qp_gnorm1_new += violation
                wk.wpd[j] += z
                if (indptr == NULL and j < n_features and s < qp_active
                        and wk.index[s] < n_features):
                    # Dense columns: the step and the next feature's model
                    # gradient in one pass.
                    next_j = wk.index[s]
                    if data_t is float:
                        next_model_grad = ll_step_dot3_f32(
                            z, data + j * n_samples, data + next_j * n_samples,
                            wk.h, wk.xtd, n_samples)
                    else:
                        next_model_grad = ll_step_dot3_f64(
                            z, data + j * n_samples, data + next_j * n_samples,
                            wk.h, wk.xtd, n_samples)
                else:
                    _col_axpy(data, indices, indptr, n_samples, n_features, bias, j,
                              z, wk.xtd)

            cd_iter += 1
            if qp_gnorm1_new <= inner_eps * gnorm1_init:
                if qp_active == active:
                    break
                # Converged on the shrunk set: check all of it once more.
                qp_active = active
                qp_gmax_old = INFINITY
                continue
            qp_gmax_old = qp_gmax_new

        # Backtracking line search on the objective along d = wpd - w.
        delta = 0.0
        w_norm_new = 0.0
        for j in range(nf):
            delta += wk.grad[j] * (wk.wpd[j] - w[j])
            if j != free_j:
                w_norm_new += fabs(wk.wpd[j])
        delta += w_norm_new - w_norm

        for n_search in range(L1_MAX_LINESEARCH):
            loss_new_sum = ll_loss(wk.margin, wk.xtd, y, cost, n_samples)
            loss_change = loss_new_sum - loss_sum
            if fabs(loss_change) <= L1_SUM_NOISE * (loss_sum + loss_new_sum):
                # Within reach of the rounding of the sums: sum the changes.
                loss_change = ll_loss_change(wk.margin, wk.xtd, y, cost, n_samples)
            cond = w_norm_new - w_norm + loss_change - L1_SIGMA * delta
            if cond <= 0:
                break
            w_norm_new = 0.0
            for j in range(nf):
                wk.wpd[j] = 0.5 * (w[j] + wk.wpd[j])
                if j != free_j:
                    w_norm_new += fabs(wk.wpd[j])
            delta *= 0.5
            for i in range(n_samples):
                wk.xtd[i] *= 0.5

        if cond <= 0:
            for j in range(nf):
                w[j] = wk.wpd[j]
            w_norm = w_norm_new
            for i in range(n_samples):
                wk.margin[i] += wk.xtd[i]
            loss_sum = loss_new_sum
        else:
            # No sufficient decrease: keep w, and rebuild the margins from it
            # to shed the rounding of the accumulated updates.
            for j in range(nf):
                wk.wpd[j] = w[j]
            _margins(data, indices, indptr, n_samples, n_features, bias, w, wk.margin)
            for i in range(n_samples):
                wk.xtd[i] = 0.0
            loss_sum = ll_loss(wk.margin, wk.xtd, y, cost, n_samples)
        ll_loss_derivatives(wk.margin, y, cost, wk.g, wk.h, n_samples)

        # One cycle sufficed: the model is easy, solve the next one tighter.
        if cd_iter == 1:
            inner_eps *= 0.25
        newton_iter += 1
        gmax_old = gmax_new
        if wk.reporting and _report(on_iteration, newton_iter):
            converged[0] = True     # stopped on request: not a failure
            break
    n_iter[0] = newton_iter


cdef bint _report(PyObject *on_iteration, int n_iter) noexcept with gil:
    return (<object> on_iteration)(n_iter)


def _l1_fit(const data_t[::1] data, const index_t[::1] indices,
            const index_t[::1] indptr, const data_t[::1] rdata,
            const index_t[::1] rindices, const index_t[::1] rindptr,
            Py_ssize_t n_features, double bias, bint free_bias,
            const double[::1] y, const double[::1] cost, Py_ssize_t n_kept,
            double eps, int max_iter, uint64_t seed, double[::1] w, int n_threads,
            on_iteration):
    """Run :func:`_l1_newglmnet` on columns of X (dense F-ordered when indptr is empty).

    rdata, rindices, rindptr: X by rows (dense C-ordered when rindptr is empty),
    or rdata empty when X has no row layout at hand; n_threads: threads of
    the row pass; on_iteration: None or a _Reporter.
    """
    cdef:
        Py_ssize_t n_samples = y.shape[0]
        Py_ssize_t nf = w.shape[0]
        double[::1] wpd = np.empty(nf)
        double[::1] grad = np.empty(nf)
        double[::1] hdiag = np.empty(nf)
        Py_ssize_t[::1] index = np.empty(nf, dtype=np.intp)
        double[:, ::1] per_sample = np.empty((4, n_samples))
        double[::1] partial = np.empty(n_threads * 2 * n_features if n_threads > 1 else 1)
        L1Work wk
        const index_t *ind_ptr = NULL
        const index_t *ptr_ptr = NULL
        const data_t *rdata_ptr = NULL
        const index_t *rind_ptr = NULL
        const index_t *rptr_ptr = NULL
        bint has_rows = rdata.shape[0] > 0
        uint64_t rng = seed
        int n_iter = 0
        bint converged = True
    if n_kept == 0 or nf == 0:
        return 0, True
    wk.wpd = &wpd[0]
    wk.grad = &grad[0]
    wk.hdiag = &hdiag[0]
    wk.index = &index[0]
    wk.margin = &per_sample[0, 0]
    wk.xtd = &per_sample[1, 0]
    wk.g = &per_sample[2, 0]
    wk.h = &per_sample[3, 0]
    wk.n_threads = n_threads
    wk.reporting = on_iteration is not None
    wk.partial = &partial[0]
    if indptr.shape[0] > 0:
        ind_ptr = &indices[0]
        ptr_ptr = &indptr[0]
    if has_rows:
        rdata_ptr = &rdata[0]
        if rindptr.shape[0] > 0:
            rind_ptr = &rindices[0]
            rptr_ptr = &rindptr[0]
    with nogil:
        _l1_newglmnet(&data[0], ind_ptr, ptr_ptr, rdata_ptr, rind_ptr, rptr_ptr,
                      has_rows, n_samples, n_features, bias, free_bias,
                      &y[0], &cost[0], n_kept, eps, max_iter, &rng, &w[0], &wk,
                      &n_iter, &converged, <PyObject *> on_iteration)
    if on_iteration is not None and on_iteration.error is not None:
        raise on_iteration.error
    return n_iter, converged


class _Reporter:
    """``on_iteration(n_iter, w)`` made safe to call from the C loop: an
    exception stops the loop and is raised once the loop has returned."""

    def __init__(self, on_iteration, w):
        self.on_iteration, self.w, self.error = on_iteration, w, None

    def __call__(self, n_iter):
        try:
            return bool(self.on_iteration(n_iter, self.w))
        except BaseException as exc:    # re-raised by _l1_fit
            self.error = exc
            return True


# ---------------------------------------------------------------------------
# Python layer: checks, the layout each solver reads, the mapping of tol.

# Stored entries of X per thread of the L1 solver's row pass (a pass over
# fewer is not worth waking a thread for).
ROW_PASS_GRAIN = 1 << 19

# Samples whose cost is at most this are left out, as liblinear leaves out
# zero-weight samples; it keeps the dual variables' floor a normal double.
_MIN_COST = 1e-300


def _problem(X, y, cost):
    """y as -1.0 / +1.0 and cost with negligible costs set to 0 (float64, contiguous)."""
    n_samples = X.shape[0]
    y = np.asarray(y, dtype=np.float64)
    cost = np.asarray(cost, dtype=np.float64)
    if y.shape != (n_samples,) or cost.shape != (n_samples,):
        raise ValueError(
            f"y and cost must have shape ({n_samples},), got {y.shape} and {cost.shape}."
        )
    y = np.where(y > 0, 1.0, -1.0)
    cost = np.where(cost > _MIN_COST, cost, 0.0)
    return y, cost


def _lanes(X, by_rows):
    """(data, indices, indptr, n_features) of X read by rows or by columns.

    Sparse X becomes CSR (rows) or CSC (columns), dense X C- (rows) or
    F-ordered (columns), each with float32 or float64 values; an X already so
    is read in place, any other is copied once.  Duplicate sparse entries are
    summed (in a copy).  Dense X gets empty index arrays.
    """
    if sp.issparse(X):
        X = X.tocsr() if by_rows else X.tocsc()
        if not X.has_canonical_format:
            X = X.copy()
            X.sum_duplicates()
        data = X.data
        if data.dtype not in (np.float32, np.float64):
            data = data.astype(np.float64)
        indices, indptr = X.indices, X.indptr
        if indices.dtype != indptr.dtype or indices.dtype not in (np.int32, np.int64):
            indices = indices.astype(np.int64)
            indptr = indptr.astype(np.int64)
        return (np.ascontiguousarray(data), np.ascontiguousarray(indices),
                np.ascontiguousarray(indptr), X.shape[1])
    X = np.asarray(X)
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    order = "C" if by_rows else "F"
    X = np.asarray(X, order=order)
    no_index = np.empty(0, dtype=np.int32)
    return X.reshape(-1, order=order), no_index, no_index, X.shape[1]


def _rows_in_place(X, dtype, index_dtype):
    """X by rows as (data, indices, indptr), if that needs no copy; else empty arrays.

    The L1 solver reads X by columns but sums its gradient faster by rows;
    it takes the caller's X for that when X is C-ordered or CSR already
    (in the value and index types of the column copy).
    """
    if sp.issparse(X):
        if (X.format == "csr" and X.has_canonical_format and X.dtype == dtype
                and X.indices.dtype == index_dtype == X.indptr.dtype):
            return X.data, X.indices, X.indptr
    elif isinstance(X, np.ndarray) and X.flags.c_contiguous and X.dtype == dtype:
        no_index = np.empty(0, dtype=index_dtype)
        return X.reshape(-1), no_index, no_index
    no_index = np.empty(0, dtype=index_dtype)
    return np.empty(0, dtype=dtype), no_index, no_index


def _seed64(seed):
    return int(seed) & 0xFFFFFFFFFFFFFFFF


def liblinear_l2r_dual(X, y, cost, double bias, double tol, int max_iter, seed):
    """L2-regularised binary logistic regression by dual coordinate descent.

    Minimises ``1/2 ||w||^2 + sum_i cost_i log(1 + exp(-y_i w.x~_i))`` with
    ``x~_i = [x_i, bias]`` when ``bias > 0`` (the weight of the constant
    feature is penalised too), as scikit-learn's
    ``LogisticRegression(solver='liblinear', penalty='l2', dual=True)`` does,
    through the dual problem (liblinear's ``solve_l2r_lr_dual``; Yu, Huang &
    Lin 2011): each step minimises over one dual variable by Newton's method,
    visiting the samples in a new random order every iteration.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        float32 or float64 values (others are converted to float64).  Read
        by rows, in place when C-ordered or CSR with int32 / int64 indices;
        F-ordered, CSC or other layouts are copied once into that form.
        Arithmetic is in float64.
    y : ndarray of shape (n_samples,)
        Labels; values > 0 are the positive class (+1), others -1.
    cost : ndarray of shape (n_samples,)
        ``C * sample_weight_i * class_weight[y_i]``.  Samples with a cost of
        at most 1e-300 are left out, as liblinear drops zero-weight samples.
    bias : float
        Value of the appended constant feature (scikit-learn's
        ``intercept_scaling``); ``bias <= 0`` appends none.
    tol : float
        liblinear's ``eps``: stop after the first iteration in which every
        visited sample's inner problem had a derivative below ``tol`` in
        absolute value at the start of its Newton steps.
    max_iter : int
        Cap on the iterations (passes over the samples).
    seed : int
        Seed of the random permutations.

    Returns
    -------
    w : ndarray of shape (n_features + (bias > 0),)
        The primal weights; the intercept is ``bias * w[-1]`` when
        ``bias > 0``.
    n_iter : int
        Iterations run.
    converged : bool
        Whether the stopping rule was met (False when ``max_iter`` passes
        ran without meeting it; True with ``n_iter == max_iter`` when the
        last pass met it).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_sigcore._liblinear_fast import liblinear_l2r_dual
    >>> X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    >>> y = np.array([-1.0, -1.0, 1.0, 1.0])
    >>> w, n_iter, converged = liblinear_l2r_dual(X, y, np.ones(4), 1.0, 1e-8, 1000, 0)
    >>> w.shape, bool(w[0] > 0), converged
    ((2,), True, True)
    """
    y, cost = _problem(X, y, cost)
    data, indices, indptr, n_features = _lanes(X, by_rows=True)
    w = np.zeros(n_features + (bias > 0))
    order = np.flatnonzero(cost > 0).astype(np.intp)
    n_iter, converged = _dual_fit(data, indices, indptr, n_features, bias, y, cost,
                                  order, tol, max_iter, _seed64(seed), w)
    return w, n_iter, bool(converged)


def liblinear_l1r_primal(X, y, cost, double bias, double tol, int max_iter, seed,
                         bint free_bias=False, n_threads=None, on_iteration=None):
    """L1-regularised binary logistic regression by newGLMNET.

    Minimises ``||w||_1 + sum_i cost_i log(1 + exp(-y_i w.x~_i))`` with
    ``x~_i = [x_i, bias]`` when ``bias > 0`` (the weight of the constant
    feature is penalised too), as scikit-learn's
    ``LogisticRegression(solver='liblinear', penalty='l1')`` does, by
    liblinear's ``solve_l1r_lr`` (Yuan, Ho & Lin 2012): each outer
    iteration minimises a quadratic model of the loss plus the L1 norm by
    coordinate descent over the features (with shrinking), then takes a
    backtracking line search step on the true objective.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        float32 or float64 values (others are converted to float64).  Read
        by columns, in place when F-ordered or CSC with int32 / int64
        indices; C-ordered, CSR or other layouts are copied once into that
        form (one more X in memory).  A C-ordered or CSR X is then also read
        in place by rows, for the gradient.  Arithmetic is in float64.
    y : ndarray of shape (n_samples,)
        Labels; values > 0 are the positive class (+1), others -1.
    cost : ndarray of shape (n_samples,)
        ``C * sample_weight_i * class_weight[y_i]``.  Samples with a cost of
        at most 1e-300 count as absent (zero cost).
    bias : float
        Value of the appended constant feature (scikit-learn's
        ``intercept_scaling``); ``bias <= 0`` appends none.
    tol : float
        liblinear's ``eps``.  With ``n`` samples of positive cost, ``n+`` of
        them positive and ``n-`` negative, stop at the first outer iteration
        whose summed violation of the optimality conditions (over the
        features not shrunk) is at most
        ``tol * max(min(n+, n-), 1) / n`` times that of the first, or after
        10 outer iterations in a row in which coordinate descent moved no
        feature.
    max_iter : int
        Cap on the outer (Newton) iterations.
    seed : int
        Seed of the random permutations of the features.
    free_bias : bool, default=False
        Leave the constant feature's weight out of the L1 norm (an
        unpenalised intercept, as the other solvers fit it): its coordinate
        takes plain Newton steps on the model and is never shrunk.
    n_threads : int or None, default=None
        Most threads for the pass over the rows that gives each iteration's
        gradient (None: the OpenMP default); one per ROW_PASS_GRAIN stored
        entries of X, and per 4 x n_features of them, at most.  Each thread
        sums a fixed range of rows, so the result does not depend on the
        timing.  The coordinate descent itself is sequential.
    on_iteration : callable, default=None
        ``on_iteration(n_iter, w)`` after every outer iteration, with the
        current weights (read them, do not keep them); True stops the run
        there, which counts as converged.

    Returns
    -------
    w : ndarray of shape (n_features + (bias > 0),)
        The weights, with exact zeros; the intercept is ``bias * w[-1]``
        when ``bias > 0``.
    n_iter : int
        Outer iterations run.
    converged : bool
        Whether a stopping rule was met or ``on_iteration`` asked to stop
        (False when ``max_iter`` outer iterations ran without either).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_sigcore._liblinear_fast import liblinear_l1r_primal
    >>> X = np.array([[-2.0, 0.1], [-1.0, -0.1], [1.0, 0.1], [2.0, -0.1]])
    >>> y = np.array([-1.0, -1.0, 1.0, 1.0])
    >>> w, n_iter, converged = liblinear_l1r_primal(X, y, np.ones(4), 1.0, 1e-8, 100, 0)
    >>> bool(w[0] > 0), float(w[1]), converged
    (True, 0.0, True)
    """
    y, cost = _problem(X, y, cost)
    data, indices, indptr, n_features = _lanes(X, by_rows=False)
    rdata, rindices, rindptr = _rows_in_place(X, data.dtype, indices.dtype)
    w = np.zeros(n_features + (bias > 0))
    kept = cost > 0
    n_kept = int(np.count_nonzero(kept))
    n_pos = int(np.count_nonzero(y[kept] > 0))
    eps = tol * max(min(n_pos, n_kept - n_pos), 1) / max(n_kept, 1)
    # each thread zeroes and hands back 2 x n_features partial sums per pass
    n_threads = max(1, min(openmp_effective_n_threads(n_threads),
                           rdata.shape[0] // ROW_PASS_GRAIN,
                           rdata.shape[0] // (4 * max(n_features, 1))))
    n_iter, converged = _l1_fit(data, indices, indptr, rdata, rindices, rindptr,
                                n_features, bias, free_bias, y, cost, n_kept, eps, max_iter,
                                _seed64(seed), w, n_threads,
                                None if on_iteration is None else _Reporter(on_iteration, w))
    return w, n_iter, bool(converged)
