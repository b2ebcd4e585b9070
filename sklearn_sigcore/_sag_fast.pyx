# SAG and SAGA for the binary and multinomial logistic loss.
#
# The algorithm is scikit-learn's (sklearn/linear_model/_sag_fast.pyx.tp):
# the same updates, step size and stopping rule, so that the iterates follow
# the same law and the fits converge in about the same number of epochs
# (four deliberate differences: each row's sample weight enters the step
# size, the intercept is part of the stopping test, and its steps are not
# damped on sparse data -- scikit-learn's damping by 0.01 left weighted fits
# of small sparse data unconverged after 20000 epochs, and without it the
# 200000 x 5000 benchmark converges in the same 26 / 56 epochs; under a
# penalty that sets the step size, or on rows far from unit scale, the
# intercept's steps are longer or shorter, see _intercept_feature).  What
# differs is how an epoch runs:
#
# * Dense rows take a direct path with no lazy bookkeeping: every feature is
#   touched by every update anyway, so the L2 shrink, the SAGA correction,
#   the averaged-gradient step, the prox and the next sample's score are one
#   fused pass over the coefficients (C below, vectorised, with runtime
#   dispatch to AVX2 / AVX-512 like the package's kernels).
# * Sparse rows use just-in-time updates: cumulative sums of the step scales
#   (G, and P for the L1 prox) let an update touch only the non-zeros of its
#   row; the weights are kept as wscale * w so that the L2 shrink is O(1).
#   The lazy prox is exact (the CSR path reproduces the dense path's
#   iterates) and costs O(1) per catch-up except where a weight crosses or
#   leaves 0.
# * Per sample, the label, the weight, a seen flag and the K remembered
#   gradients sit in one record (one or two cache lines), and the rows and
#   records of the next samples are prefetched: the sample order is drawn a
#   whole epoch ahead from a splitmix64 generator.
#
# Everything is computed in float64 whatever X's dtype.

from libc.math cimport fabs
from libc.stdint cimport int32_t, int64_t, uint64_t

import math
import numbers

import numpy as np
import scipy.sparse as sp

from sklearn_sigcore._kernels cimport sc_sigmoid

cdef extern from *:
    """
    #include "_sigcore_math.h"

    /* Into L2 (locality 2): rows are read a few samples later, and on the
       dense path a row fills many lines that would crowd L1 */
    #if defined(__GNUC__) || defined(__clang__)
    #define SAG_PREFETCH(addr) __builtin_prefetch(addr, 0, 2)
    #else
    #define SAG_PREFETCH(addr) ((void)0)
    #endif

    /* splitmix64 (Steele, Lea & Flood 2014): a 64-bit state, one add and
       two multiplies per draw, and it passes BigCrush. */
    static inline uint64_t sag_splitmix64(uint64_t *state)
    {
        uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }

    /* count uniform draws from [0, n), with replacement.  Lemire's
       multiply-and-reject (2019) is exactly uniform; n beyond 32 bits
       falls back to a modulo, biased by at most n / 2**64. */
    static void sag_draw_indices(uint64_t *state, int64_t n, int64_t *out, int64_t count)
    {
        int64_t t;
        if (n > 0xFFFFFFFFll) {
            for (t = 0; t < count; t++) out[t] = (int64_t)(sag_splitmix64(state) % (uint64_t)n);
            return;
        }
        for (t = 0; t < count; t++) {
            uint32_t n32 = (uint32_t)n;
            uint64_t m = (sag_splitmix64(state) >> 32) * (uint64_t)n32;
            if ((uint32_t)m < n32) {
                uint32_t threshold = (uint32_t)(-n32) % n32;
                while ((uint32_t)m < threshold)
                    m = (sag_splitmix64(state) >> 32) * (uint64_t)n32;
            }
            out[t] = (int64_t)(m >> 32);
        }
    }

    static inline void sag_prefetch_bytes(const void *addr, size_t bytes)
    {
        uintptr_t a = (uintptr_t)addr & ~(uintptr_t)63, end = (uintptr_t)addr + bytes;
        for (; a < end; a += 64) SAG_PREFETCH((const void *)a);
    }

    /*
     * One dense update of one class row, fused with the next sample's score:
     *   s_j += d x_j
     *   w_j  = shrink w_j - a x_j - c s_j        (a: SAGA correction, c: step / m)
     *   w_j  = soft_threshold(w_j, thr)          (when prox)
     * and returns sum_j w_j xn_j.  The score is summed in eight fixed lanes,
     * which the compiler keeps in vector registers without reassociating.
     */
    #define SAG_ROW_STEP(J, L, PROX)                                              \\
        {                                                                         \\
            double xj = (double)x[J], sj = s[J] + d * xj;                         \\
            double wj = shrink * w[J] - a * xj - c * sj;                          \\
            if (PROX) {                                                           \\
                double hi = wj - thr, lo = wj + thr;                              \\
                wj = hi > 0.0 ? hi : (lo < 0.0 ? lo : 0.0);                       \\
            }                                                                     \\
            s[J] = sj;                                                            \\
            w[J] = wj;                                                            \\
            acc[L] += wj * (double)xn[J];                                         \\
        }

    #define SAG_LANES_SUM(acc) \\
        (((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])))

    #define SAG_DENSE_ROW(SUFFIX, T)                                              \\
    SC_DISPATCH static double sag_dense_row_##SUFFIX(                             \\
        double *__restrict w, double *__restrict s, const T *__restrict x,        \\
        const T *__restrict xn, ptrdiff_t p, double d, double shrink, double a,   \\
        double c, double thr, int prox)                                           \\
    {                                                                             \\
        double acc[8] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};                 \\
        ptrdiff_t j = 0, l;                                                       \\
        if (prox) {                                                               \\
            for (; j + 8 <= p; j += 8)                                            \\
                for (l = 0; l < 8; l++) SAG_ROW_STEP(j + l, l, 1)                 \\
            for (l = 0; j + l < p; l++) SAG_ROW_STEP(j + l, l, 1)                 \\
        } else {                                                                  \\
            for (; j + 8 <= p; j += 8)                                            \\
                for (l = 0; l < 8; l++) SAG_ROW_STEP(j + l, l, 0)                 \\
            for (l = 0; j + l < p; l++) SAG_ROW_STEP(j + l, l, 0)                 \\
        }                                                                         \\
        return SAG_LANES_SUM(acc);                                                \\
    }                                                                             \\
                                                                                  \\
    SC_DISPATCH static double sag_dot_##SUFFIX(                                   \\
        const double *__restrict w, const T *__restrict x, ptrdiff_t p)           \\
    {                                                                             \\
        double acc[8] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};                 \\
        ptrdiff_t j = 0, l;                                                       \\
        for (; j + 8 <= p; j += 8)                                                \\
            for (l = 0; l < 8; l++) acc[l] += w[j + l] * (double)x[j + l];        \\
        for (l = 0; j + l < p; l++) acc[l] += w[j + l] * (double)x[j + l];        \\
        return SAG_LANES_SUM(acc);                                                \\
    }

    SAG_DENSE_ROW(f64, double)
    SAG_DENSE_ROW(f32, float)
    """
    void sag_draw_indices(uint64_t *state, int64_t n, int64_t *out, int64_t count) noexcept nogil
    void sag_prefetch_bytes(const void *addr, size_t nbytes) noexcept nogil
    double sag_dense_row_f64(double *w, double *s, const double *x, const double *xn,
                             Py_ssize_t p, double d, double shrink, double a, double c,
                             double thr, int prox) noexcept nogil
    double sag_dense_row_f32(double *w, double *s, const float *x, const float *xn,
                             Py_ssize_t p, double d, double shrink, double a, double c,
                             double thr, int prox) noexcept nogil
    double sag_dot_f64(const double *w, const double *x, Py_ssize_t p) noexcept nogil
    double sag_dot_f32(const double *w, const float *x, Py_ssize_t p) noexcept nogil
    double sc_exp_small(double x) noexcept nogil
    const double SC_EXP_SMALL_SCALE

ctypedef fused real_t:
    float
    double

ctypedef fused index_t:
    int32_t
    int64_t

# Layout of a sample's record: label, weight, seen flag, then K gradients.
cdef enum:
    REC_Y = 0
    REC_SW = 1
    REC_SEEN = 2
    REC_MEM = 3

# The lazy path rescales its weights when wscale falls below this, as
# scikit-learn does.
cdef double MIN_WSCALE = 1e-9
# rows whose largest weighted squared norm lies in [2**-ROW_SCALE_RANGE,
# 2**ROW_SCALE_RANGE] keep the intercept column at 1 (see _intercept_feature)
ROW_SCALE_RANGE = 20

# How many samples ahead rows and records are prefetched: far enough to hide
# a memory access behind the updates in between (measured: 4 to 6 best on
# dense and CSR X).
cdef enum:
    AHEAD = 4


# X's storage: dense or CSR, float64 or float32 data, int32 or int64 indices.
cdef enum XKind:
    DENSE_F64
    DENSE_F32
    CSR_F64_I32
    CSR_F32_I32
    CSR_F64_I64
    CSR_F32_I64


cdef struct SagState:
    XKind kind
    const void *x_data          # X (dense) or its CSR data
    const void *x_indices       # CSR only
    const void *x_indptr        # CSR only
    Py_ssize_t n, p, K, R       # samples, features, classes (1: binary), record length
    double step, l2, l1         # step size and penalties in scikit-learn's scaling
    double b_step               # the intercept's step (step * its feature squared)
    double shrink               # 1 - step * l2
    bint saga, prox, fit_intercept
    double *rec                 # (n, R) sample records
    double *W                   # coefficients: (K, p) dense path, (p, K) lazy path
    double *S                   # sum of the remembered gradients, laid out as W
    double *b                   # intercept (K)
    double *isg                 # sum of the remembered intercept gradients (K)
    double *z                   # scores of the current sample (K)
    double *d                   # new minus remembered gradient of the sample (K)
    int64_t *order              # sample order of the epoch (n)
    Py_ssize_t n_seen
    uint64_t rng
    # lazy path only
    double wscale
    double *G                   # (n + 1) cumulative averaged-gradient steps, / wscale
    double *P                   # (n + 1) cumulative prox thresholds, / wscale
    int64_t *last               # (p) steps already applied to each feature


cdef inline void _sample_gradient(SagState *st, double *rec) noexcept nogil:
    """Loss gradient of the sample with scores st.z; st.d = new - remembered."""
    cdef Py_ssize_t k, K = st.K
    cdef double y = rec[REC_Y], sw = rec[REC_SW], g, zmax, total, e, inv
    cdef Py_ssize_t yi = <Py_ssize_t>y
    cdef double *mem = rec + REC_MEM
    if K == 1:
        # sigma(z) - 1 as -sigma(-z): no cancellation for confident positives
        g = sw * (-sc_sigmoid(-st.z[0]) if y == 1.0 else sc_sigmoid(st.z[0]))
        st.d[0] = g - mem[0]
        mem[0] = g
        return
    # softmax through the max: exp of non-positive arguments only
    zmax = st.z[0]
    for k in range(1, K):
        if st.z[k] > zmax:
            zmax = st.z[k]
    total = 0.0
    for k in range(K):
        e = sc_exp_small(st.z[k] - zmax) * SC_EXP_SMALL_SCALE
        st.d[k] = e
        total += e
    inv = 1.0 / total
    for k in range(K):
        g = sw * (st.d[k] * inv - (1.0 if k == yi else 0.0))
        st.d[k] = g - mem[k]
        mem[k] = g


cdef inline void _update_intercept(SagState *st, double m) noexcept nogil:
    """Intercept step with the averaged gradient (and SAGA's correction)."""
    cdef Py_ssize_t k
    cdef double step
    for k in range(st.K):
        st.isg[k] += st.d[k]
        if st.fit_intercept:
            step = st.b_step * st.isg[k] / m
            if st.saga:
                step += st.b_step * (1.0 - 1.0 / m) * st.d[k]
            st.b[k] -= step


cdef inline double _mark_seen(SagState *st, double *rec) noexcept nogil:
    """Count the sample as seen; returns the number of samples seen so far."""
    if rec[REC_SEEN] == 0.0:
        rec[REC_SEEN] = 1.0
        st.n_seen += 1
    return <double>st.n_seen


cdef void _dense_epoch(SagState *st, const real_t *X) noexcept nogil:
    """One epoch (n updates) on dense C-ordered X, coefficients W as (K, p)."""
    cdef Py_ssize_t n = st.n, p = st.p, K = st.K, t, k
    cdef int64_t *order = st.order
    cdef const real_t *x
    cdef const real_t *xn
    cdef double *rec
    cdef double m, a, c, thr = st.step * st.l1
    sag_draw_indices(&st.rng, n, order, n)
    x = X + order[0] * p
    for k in range(K):
        if real_t is double:
            st.z[k] = sag_dot_f64(st.W + k * p, x, p) + st.b[k]
        else:
            st.z[k] = sag_dot_f32(st.W + k * p, x, p) + st.b[k]
    for t in range(n):
        if t + AHEAD < n:
            sag_prefetch_bytes(X + order[t + AHEAD] * p, p * sizeof(real_t))
            sag_prefetch_bytes(st.rec + order[t + AHEAD] * st.R, st.R * sizeof(double))
        rec = st.rec + order[t] * st.R
        m = _mark_seen(st, rec)
        _sample_gradient(st, rec)
        _update_intercept(st, m)
        # the last update of the epoch scores a dummy row: the next epoch
        # starts from a fresh score
        xn = X + order[t + 1] * p if t + 1 < n else x
        c = st.step / m
        a = st.step * (1.0 - 1.0 / m) if st.saga else 0.0
        for k in range(K):
            if real_t is double:
                st.z[k] = sag_dense_row_f64(st.W + k * p, st.S + k * p, x, xn, p, st.d[k],
                                            st.shrink, a * st.d[k], c, thr, st.prox)
            else:
                st.z[k] = sag_dense_row_f32(st.W + k * p, st.S + k * p, x, xn, p, st.d[k],
                                            st.shrink, a * st.d[k], c, thr, st.prox)
            st.z[k] += st.b[k]
        x = xn


cdef inline double _soft_threshold(double x, double thr) noexcept nogil:
    if x > thr:
        return x - thr
    if x < -thr:
        return x + thr
    return 0.0


cdef inline double _lagged_prox(double w, double s, const double *G, const double *P,
                                int64_t first, int64_t T) noexcept nogil:
    """Apply steps first..T-1 of w <- soft_threshold(w - s dG, dP) to w.

    Closed forms where they are exact, so that a catch-up costs O(1):

    * w keeps its sign throughout: the steps add up.  Step k moves a
      positive w by -(dG_k s + dP_k) = -dP_k (s / (m_k l1) + 1), m_k the
      number of samples seen, which never decreases; so the moves change
      sign at most once, from up to down, the path's minimum is at one of
      its ends, and the composed value keeping w's sign proves it
      (symmetrically for a negative w).
    * Every step's gradient part is at most its threshold: w shrinks toward
      0 and stays there once it gets there, so the steps compose into one
      soft-thresholding (an idea of lightning's, which scikit-learn tests on
      the sums).  The ratio |s| dG_k / dP_k = |s| / (m_k l1) never grows, so
      the first step tells.

    Otherwise (w crosses or leaves 0) the steps are applied one by one.
    """
    cdef double A = s * (G[T] - G[first]), thr = P[T] - P[first], v
    cdef int64_t u
    if w > 0.0:
        v = w - A - thr
        if v > 0.0:
            return v
    elif w < 0.0:
        v = w - A + thr
        if v < 0.0:
            return v
    if fabs(s) * (G[first + 1] - G[first]) <= P[first + 1] - P[first]:
        return _soft_threshold(w - A, thr)
    for u in range(first, T):
        w = _soft_threshold(w - s * (G[u + 1] - G[u]), P[u + 1] - P[u])
    return w


cdef inline void _catch_up(SagState *st, Py_ssize_t j, int64_t T) noexcept nogil:
    """Bring feature j's coefficients up to step T (lazy path, W as (p, K))."""
    cdef Py_ssize_t k, K = st.K
    cdef int64_t first = st.last[j]
    cdef double *w = st.W + j * K
    cdef double *s = st.S + j * K
    cdef double dG
    if st.prox:
        for k in range(K):
            w[k] = _lagged_prox(w[k], s[k], st.G, st.P, first, T)
    else:
        dG = st.G[T] - st.G[first]
        for k in range(K):
            w[k] -= dG * s[k]
    st.last[j] = T


cdef void _flush(SagState *st, int64_t T) noexcept nogil:
    """Apply every pending step, fold wscale into W and restart the lag clock."""
    cdef Py_ssize_t j, q, size = st.p * st.K
    for j in range(st.p):
        if st.last[j] < T:
            _catch_up(st, j, T)
        st.last[j] = 0
    for q in range(size):
        st.W[q] *= st.wscale
    st.wscale = 1.0


cdef inline void _sparse_scores(SagState *st, const real_t *data, const index_t *indices,
                                Py_ssize_t q0, Py_ssize_t q1, int64_t T) noexcept nogil:
    """st.z = scores of a CSR row, its features brought up to step T first."""
    cdef Py_ssize_t K = st.K, q, j, k
    cdef int64_t *last = st.last
    cdef double *W = st.W
    cdef double v, z0 = 0.0
    if K == 1:
        # binary: the score stays in a register
        for q in range(q0, q1):
            j = indices[q]
            if last[j] < T:
                _catch_up(st, j, T)
            z0 += W[j] * data[q]
        st.z[0] = st.wscale * z0 + st.b[0]
        return
    for k in range(K):
        st.z[k] = 0.0
    for q in range(q0, q1):
        j = indices[q]
        if last[j] < T:
            _catch_up(st, j, T)
        v = data[q]
        for k in range(K):
            st.z[k] += W[j * K + k] * v
    for k in range(K):
        st.z[k] = st.wscale * st.z[k] + st.b[k]


cdef inline void _sparse_accumulate(SagState *st, const real_t *data, const index_t *indices,
                                    Py_ssize_t q0, Py_ssize_t q1, double a) noexcept nogil:
    """S += d x for the row's features, and (SAGA) W -= a d x."""
    cdef Py_ssize_t K = st.K, q, j, k
    cdef double *W = st.W
    cdef double *S = st.S
    cdef double v, d0 = st.d[0], ad0 = a * st.d[0]
    if K == 1:
        for q in range(q0, q1):
            j = indices[q]
            v = data[q]
            S[j] += d0 * v
            W[j] -= ad0 * v
        return
    for q in range(q0, q1):
        j = indices[q]
        v = data[q]
        for k in range(K):
            S[j * K + k] += st.d[k] * v
            W[j * K + k] -= a * st.d[k] * v


cdef void _sparse_epoch(SagState *st, const real_t *data, const index_t *indices,
                        const index_t *indptr) noexcept nogil:
    """One epoch (n updates) on CSR X with just-in-time updates, W as (p, K)."""
    cdef Py_ssize_t n = st.n, t, q0, q1
    cdef int64_t T = 0
    cdef int64_t *order = st.order
    cdef double *rec
    cdef double m, a
    sag_draw_indices(&st.rng, n, order, n)
    for t in range(n):
        if t + 2 * AHEAD < n:
            # the record and the row bounds 2 AHEAD samples ahead, the row AHEAD ahead
            sag_prefetch_bytes(st.rec + order[t + 2 * AHEAD] * st.R, st.R * sizeof(double))
            sag_prefetch_bytes(indptr + order[t + 2 * AHEAD], 2 * sizeof(index_t))
        if t + AHEAD < n:
            q0 = indptr[order[t + AHEAD]]
            q1 = indptr[order[t + AHEAD] + 1]
            sag_prefetch_bytes(data + q0, (q1 - q0) * sizeof(real_t))
            sag_prefetch_bytes(indices + q0, (q1 - q0) * sizeof(index_t))
        rec = st.rec + order[t] * st.R
        m = _mark_seen(st, rec)
        q0 = indptr[order[t]]
        q1 = indptr[order[t] + 1]
        _sparse_scores(st, data, indices, q0, q1, T)
        _sample_gradient(st, rec)
        st.wscale *= st.shrink
        a = st.step * (1.0 - 1.0 / m) / st.wscale if st.saga else 0.0
        _sparse_accumulate(st, data, indices, q0, q1, a)
        _update_intercept(st, m)
        st.G[T + 1] = st.G[T] + st.step / (st.wscale * m)
        if st.prox:
            st.P[T + 1] = st.P[T] + st.step * st.l1 / st.wscale
        T += 1
        if st.wscale < MIN_WSCALE:
            _flush(st, T)
            T = 0
    _flush(st, T)


cdef void _epoch(SagState *st) noexcept nogil:
    """One epoch on X, whatever its storage."""
    if st.kind == DENSE_F64:
        _dense_epoch(st, <const double *>st.x_data)
    elif st.kind == DENSE_F32:
        _dense_epoch(st, <const float *>st.x_data)
    elif st.kind == CSR_F64_I32:
        _sparse_epoch(st, <const double *>st.x_data, <const int32_t *>st.x_indices,
                      <const int32_t *>st.x_indptr)
    elif st.kind == CSR_F32_I32:
        _sparse_epoch(st, <const float *>st.x_data, <const int32_t *>st.x_indices,
                      <const int32_t *>st.x_indptr)
    elif st.kind == CSR_F64_I64:
        _sparse_epoch(st, <const double *>st.x_data, <const int64_t *>st.x_indices,
                      <const int64_t *>st.x_indptr)
    else:
        _sparse_epoch(st, <const float *>st.x_data, <const int64_t *>st.x_indices,
                      <const int64_t *>st.x_indptr)


cdef void _row_square_norms(SagState *st, double *out) noexcept nogil:
    """out[i] = ||x_i||**2, in float64."""
    if st.kind == DENSE_F64:
        _row_square_norms_dense(<const double *>st.x_data, st.n, st.p, out)
    elif st.kind == DENSE_F32:
        _row_square_norms_dense(<const float *>st.x_data, st.n, st.p, out)
    elif st.kind == CSR_F64_I32:
        _row_square_norms_csr(<const double *>st.x_data, <const int32_t *>st.x_indptr,
                              st.n, out)
    elif st.kind == CSR_F32_I32:
        _row_square_norms_csr(<const float *>st.x_data, <const int32_t *>st.x_indptr,
                              st.n, out)
    elif st.kind == CSR_F64_I64:
        _row_square_norms_csr(<const double *>st.x_data, <const int64_t *>st.x_indptr,
                              st.n, out)
    else:
        _row_square_norms_csr(<const float *>st.x_data, <const int64_t *>st.x_indptr,
                              st.n, out)


cdef void _row_square_norms_dense(const real_t *X, Py_ssize_t n, Py_ssize_t p,
                                  double *out) noexcept nogil:
    cdef Py_ssize_t i, j
    cdef double acc, v
    for i in range(n):
        acc = 0.0
        for j in range(p):
            v = X[i * p + j]
            acc += v * v
        out[i] = acc


cdef void _row_square_norms_csr(const real_t *data, const index_t *indptr, Py_ssize_t n,
                                double *out) noexcept nogil:
    cdef Py_ssize_t i, q
    cdef double acc, v
    for i in range(n):
        acc = 0.0
        for q in range(indptr[i], indptr[i + 1]):
            v = data[q]
            acc += v * v
        out[i] = acc


def _address(a):
    """Address of a C-contiguous array's first element (kept alive by the caller)."""
    return a.__array_interface__["data"][0]


def _auto_step_size(max_weighted_sum, l2_scaled, n_samples, saga):
    """scikit-learn's get_auto_step_size for the logistic losses, with each
    row's squared norm (plus 1 for the intercept) times its sample weight:
    the Lipschitz constant of that sample's term. scikit-learn leaves the
    weights out, so weights above 1 give it steps too long to converge
    (weights of 4 on 15 rows: no convergence in 20000 epochs); with unit
    weights the two rules agree."""
    L = 0.25 * max_weighted_sum + l2_scaled
    if not L > 0:   # all-zero X, no intercept, no penalty: nothing moves, any step
        return 1.0
    if saga:
        return 1.0 / (2.0 * L + min(2.0 * n_samples * l2_scaled, L))
    return 1.0 / L


def _intercept_feature(max_weighted_sum, max_row_square, l2_scaled, max_sample_weight):
    """The square of the intercept's feature value s (b = s b', b' the
    coordinate the steps move): 1, as scikit-learn, unless

    * the rows are far from unit scale: with r = max_i s_i |x_i|^2 / max_i s_i
      (``max_row_square`` over ``max_sample_weight``) outside
      [2^-ROW_SCALE_RANGE, 2^ROW_SCALE_RANGE], s^2 = r rounded to a power of
      two, so that b' moves in the units of the weights: X times 1e-50 at C
      times 1e100 (the same model) otherwise left the weights crawling at a
      1e-100th of their step while the intercept settled, and the fit
      stopped at zero weights (scikit-learn's ran to max_iter); X scaled by
      powers of two beyond the range then all run the same iterates;
    * the penalty sets the step size (l2 S / n above the loss's
      0.25 max_i s_i (|x_i|^2 + s^2), ``max_weighted_sum`` the max for s = 1).
      There the steps, about 1 / l2, leave the unpenalised intercept crawling
      (breast_cancer at C = 1e-8: a log-odds of 0.003 for 0.52, which
      scikit-learn's sag stops at too); s^2 = 4 l2 S / (n max s_i) makes the
      intercept's own term of the step rule as large as the penalty, which at
      most halves the weights' steps and keeps SAG's convergence condition.

    Either way it is SAG on X with an intercept column of value s.
    """
    square = 1.0
    row_scale = max_row_square / max_sample_weight if max_sample_weight > 0 else 0.0
    if row_scale > 0 and not 2.0 ** -ROW_SCALE_RANGE <= row_scale <= 2.0 ** ROW_SCALE_RANGE:
        square = math.ldexp(1.0, round(math.log2(row_scale)))
        # an upper bound of max_i s_i (|x_i|^2 + s^2)
        max_weighted_sum = max_row_square + square * max_sample_weight
    if l2_scaled <= 0.25 * max_weighted_sum:
        return square
    return max(square, 4.0 * l2_scaled / max_sample_weight)


def sag_solve(X, y, sample_weight, n_classes, fit_intercept, l2, l1, coef, intercept, *,
              saga, tol, max_iter, seed, step_size=None, report=None):
    r"""SAG / SAGA for L2 (and, with SAGA, L1 / elastic-net) logistic regression.

    Minimises

    .. math::

        f(W, b) = \frac{1}{S} \sum_i s_i \ell_i(W x_i + b)
                  + \frac{l_2}{2} \|W\|_F^2 + l_1 \|W\|_1,
        \qquad S = \sum_i s_i,

    with the binary log-loss (``n_classes == 1``) or the multinomial one
    (``n_classes >= 2``); the intercept is not penalised.  This is
    scikit-learn's ``LogisticRegression`` objective with
    ``l2 = (1 - l1_ratio) / (C S)`` and ``l1 = l1_ratio / (C S)``.

    The algorithm is scikit-learn's SAG (Schmidt, Le Roux & Bach 2013) and
    SAGA (Defazio, Bach & Lacoste-Julien 2014): same updates, step size,
    lazy prox and stopping rule (see the module's comment for the three
    deliberate differences).  It runs on
    :math:`(S / n) f`, the mean of the weighted losses plus the penalties
    scaled by :math:`S / n`, as scikit-learn's ``sag_solver`` does, so that
    the iterates are scikit-learn's for the same data.

    Parameters
    ----------
    X : ndarray of shape (n, p) or scipy.sparse CSR matrix
        float64 or float32, never copied (a dense X that is not C-contiguous
        is).  CSR indices may be int32 or int64.
    y : ndarray of shape (n,)
        Binary: 0. or 1.  Multinomial: the class index 0 .. K - 1 as float.
    sample_weight : ndarray of shape (n,) or None
        Non-negative weights, class weights included; None means all 1.
    n_classes : int
        1 for the binary loss, K >= 2 for the multinomial loss over K classes.
    fit_intercept : bool
        Whether to fit the intercept.  If False, ``intercept`` is a fixed
        offset of the scores.
    l2, l1 : float
        Penalty strengths of the objective above; ``l1 > 0`` needs SAGA.
    coef : ndarray of shape (K, p)
        Initial coefficients (K = 1 for binary); not modified.
    intercept : ndarray of shape (K,)
        Initial intercept; not modified.
    saga : bool
        SAGA (unbiased steps, proximal L1) instead of SAG.
    tol : float
        Stop after the first epoch where max |W - W_prev| / max |W| <= tol
        (or W and its change are both zero), W_prev being W one epoch
        earlier (the initial coefficients for the first epoch), W including
        the intercept b / s, s its column's value (scikit-learn leaves it
        out, and its damped steps on sparse data can leave it short of the
        optimum), whose own change must also be at most tol times
        max(s max |W|, 1).
    max_iter : int
        Maximum number of epochs; an epoch is n updates, each on a sample
        drawn uniformly with replacement.
    seed : int
        Seed of the sample-drawing generator (splitmix64).
    step_size : float, default=None
        Step on :math:`(S / n) f`.  None: scikit-learn's rule
        (``get_auto_step_size``) with L the largest squared row norm (plus 1
        with an intercept) times the row's sample weight, over 4, plus
        :math:`l_2 S / n` (scikit-learn leaves out the weight); SAG takes 1 / L,
        SAGA 1 / (2 L + min(2 l_2 S, L)); where the penalty term dominates L,
        or the rows are far from unit scale, the intercept's column takes
        another value than 1 (the same objective; see
        ``_intercept_feature``). Must keep
        ``step_size * l2 * S / n < 1``.
    report : callable, default=None
        ``report(epoch, coef, intercept) -> bool`` is called after each
        epoch (1-based) with views of the current (K, p) coefficients and
        intercept, valid during the call only (copy them to keep them; do
        not modify them).  Returning True stops the solver.

    Returns
    -------
    coef : ndarray of shape (K, p)
        Final coefficients, float64.
    intercept : ndarray of shape (K,)
        Final intercept, float64.
    n_epochs : int
        Number of epochs run.
    converged : bool
        Whether the stopping rule was met (False when max_iter was reached or
        ``report`` stopped the solver first).

    Raises
    ------
    ValueError
        For inconsistent inputs, and when the iterates overflow (as
        scikit-learn does; a smaller step or scaled features help).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_sigcore._sag_fast import sag_solve
    >>> X = np.array([[-1.0, 0.5], [-2.0, 0.0], [1.0, -0.5], [2.0, 1.0]])
    >>> y = np.array([0.0, 0.0, 1.0, 1.0])
    >>> coef, intercept, n_epochs, converged = sag_solve(
    ...     X, y, None, 1, True, 1.0 / 4, 0.0, np.zeros((1, 2)), np.zeros(1),
    ...     saga=False, tol=1e-8, max_iter=1000, seed=0)
    >>> converged, coef.shape
    (True, (1, 2))
    """
    cdef SagState st
    cdef double max_sq
    cdef double *norms_ptr

    sparse = sp.issparse(X)
    if sparse:
        if X.format != "csr":
            raise ValueError(f"X must be a CSR matrix, got format {X.format!r}.")
        data = np.ascontiguousarray(X.data)
        indices = np.ascontiguousarray(X.indices)
        if indices.dtype not in (np.int32, np.int64):
            raise ValueError(f"CSR indices must be int32 or int64, got {indices.dtype}.")
        indptr = np.ascontiguousarray(X.indptr, dtype=indices.dtype)
    else:
        X = data = np.ascontiguousarray(X)
        if X.ndim != 2:
            raise ValueError(f"X must be 2-dimensional, got shape {X.shape}.")
    if data.dtype not in (np.float64, np.float32):
        raise ValueError(f"X must be float64 or float32, got {data.dtype}.")
    n, p = X.shape
    if n < 1 or p < 1:
        raise ValueError(f"X must have at least one sample and one feature, got {X.shape}.")
    if not (isinstance(n_classes, numbers.Integral) and n_classes >= 1):
        raise ValueError(f"n_classes must be a positive integer, got {n_classes!r}.")
    K = 1 if n_classes == 1 else int(n_classes)

    y = np.asarray(y, dtype=np.float64)
    if y.shape != (n,):
        raise ValueError(f"y must have shape ({n},), got {y.shape}.")
    if not np.isin(y, np.arange(max(K, 2), dtype=np.float64)).all():
        raise ValueError(
            "y must hold 0. and 1. (binary)." if K == 1
            else f"y must hold class indices 0 .. {K - 1} as floats."
        )
    if sample_weight is None:
        sw = np.ones(n)
    else:
        sw = np.asarray(sample_weight, dtype=np.float64)
        if sw.shape != (n,):
            raise ValueError(f"sample_weight must have shape ({n},), got {sw.shape}.")
        if not (np.isfinite(sw).all() and (sw >= 0).all()):
            raise ValueError("sample_weight must be finite and non-negative.")
    sw_sum = float(sw.sum())
    if not sw_sum > 0:
        raise ValueError("The sample weights sum to zero.")

    coef = np.asarray(coef, dtype=np.float64)
    intercept = np.asarray(intercept, dtype=np.float64)
    if coef.shape != (K, p) or intercept.shape != (K,):
        raise ValueError(
            f"coef and intercept must have shapes ({K}, {p}) and ({K},), "
            f"got {coef.shape} and {intercept.shape}."
        )
    l2 = float(l2)
    l1 = float(l1)
    if not (0 <= l2 < np.inf and 0 <= l1 < np.inf):
        raise ValueError(f"l2 and l1 must be finite and non-negative, got {l2} and {l1}.")
    if l1 > 0 and not saga:
        raise ValueError("An L1 penalty (l1 > 0) needs saga=True.")
    if max_iter < 0 or not tol >= 0:
        raise ValueError(f"max_iter and tol must be non-negative, got {max_iter} and {tol}.")

    if sparse:
        st.kind = (CSR_F64_I32, CSR_F32_I32, CSR_F64_I64, CSR_F32_I64)[
            (data.dtype == np.float32) + 2 * (indices.dtype == np.int64)]
        st.x_indices = <const void *><size_t>_address(indices)
        st.x_indptr = <const void *><size_t>_address(indptr)
    else:
        st.kind = DENSE_F32 if data.dtype == np.float32 else DENSE_F64
    st.x_data = <const void *><size_t>_address(data)
    st.n, st.p, st.K, st.R = n, p, K, K + REC_MEM

    # scikit-learn's scaling: the mean (over n) of the weighted losses
    l2_scaled = l2 * sw_sum / n
    l1_scaled = l1 * sw_sum / n
    intercept_square = 1.0
    automatic = step_size is None
    if automatic:
        # one pass over X: every maximum max_i s_i (||x_i||^2 + s^2) below (s
        # an intercept column's value) comes from the row norms; a NaN (a norm
        # that overflowed, times a zero weight) is left out, as that row is
        norms = np.empty(n)
        norms_ptr = <double *><size_t>_address(norms)
        with nogil:
            _row_square_norms(&st, norms_ptr)

        def weighted_max(extra):
            with np.errstate(over="ignore", invalid="ignore"):
                return float(np.fmax.reduce(sw * (norms + extra), initial=0.0))

        max_sq = weighted_max(1.0 if fit_intercept else 0.0)
        if not np.isfinite(max_sq):
            raise ValueError("The squared norms of X's rows overflow float64: scale X.")
        if fit_intercept:
            intercept_square = _intercept_feature(max_sq, weighted_max(0.0), l2_scaled,
                                                  float(sw.max(initial=0.0)))
            if intercept_square != 1.0:
                max_sq = weighted_max(intercept_square)
        step_size = _auto_step_size(max_sq, l2_scaled, n, saga)
    step_size = float(step_size)
    if automatic and not (np.isfinite(l2_scaled) and step_size > 0
                          and step_size * l2_scaled < 1):
        # a penalty near the top of float64 (C alpha^2 ~ 1e-308 on large X)
        raise ValueError(
            f"The penalty (l2 S / n = {l2_scaled:g}) is too strong for SAG's steps in "
            "float64: use a larger C * alpha**2, or solver='lbfgs'.")
    if not (step_size > 0 and step_size * l2_scaled < 1):
        raise ValueError(
            f"step_size must be positive with step_size * l2 * S / n < 1, got {step_size}."
        )

    # working arrays: these names keep them alive while st points into them
    records = np.zeros((n, st.R))
    records[:, REC_Y] = y
    records[:, REC_SW] = sw
    W = np.array(coef.T if sparse else coef, order="C")
    S = np.zeros_like(W)
    b = intercept.copy()
    isg = np.zeros(K)
    z = np.zeros(K)
    d = np.zeros(K)
    order = np.empty(n, dtype=np.int64)
    G = np.zeros(n + 1 if sparse else 1)
    P = np.zeros(n + 1 if sparse and l1 > 0 else 1)
    last = np.zeros(p if sparse else 1, dtype=np.int64)

    st.step, st.l2, st.l1 = step_size, l2_scaled, l1_scaled
    st.shrink = 1.0 - step_size * l2_scaled
    st.b_step = step_size * intercept_square
    st.saga, st.prox, st.fit_intercept = saga, saga and l1 > 0, fit_intercept
    st.rec = <double *><size_t>_address(records)
    st.W = <double *><size_t>_address(W)
    st.S = <double *><size_t>_address(S)
    st.b = <double *><size_t>_address(b)
    st.isg = <double *><size_t>_address(isg)
    st.z = <double *><size_t>_address(z)
    st.d = <double *><size_t>_address(d)
    st.order = <int64_t *><size_t>_address(order)
    st.n_seen = 0
    st.rng = <uint64_t>(int(seed) & 0xFFFFFFFFFFFFFFFF)
    st.wscale = 1.0
    st.G = <double *><size_t>_address(G)
    st.P = <double *><size_t>_address(P)
    st.last = <int64_t *><size_t>_address(last)

    coef_view = W.T if sparse else W
    intercept_scale = math.sqrt(intercept_square)
    previous = coef.copy()
    previous_b = b.copy()
    n_epochs = 0
    converged = False
    while n_epochs < max_iter:
        with nogil:
            _epoch(&st)
        n_epochs += 1
        if not (np.isfinite(W).all() and np.isfinite(b).all()):
            raise ValueError(
                f"Floating-point overflow at epoch {n_epochs}: the iterates are not "
                "finite. Scaling the features or a smaller step_size might help."
            )
        # scikit-learn's stopping rule, with the intercept too (its steps are
        # damped on sparse data, so it can lag behind the coefficients).  The
        # intercept, a log-odds, has settled once it moves by at most tol
        # times max(largest weight, 1): when every weight's optimum is ~0
        # (a strong penalty), its rounding-level moves relative to ~0
        # would otherwise keep the epochs going to max_iter.
        # All in the units of the coordinates the steps move (the intercept's
        # b / s, see _intercept_feature; s = 1 as a rule).
        max_weight = max(np.abs(coef_view).max(),
                         np.abs(b).max() / intercept_scale if fit_intercept else 0.0)
        max_change = np.abs(coef_view - previous).max()
        converged = max_change <= tol * max_weight if max_weight > 0 else max_change == 0
        if fit_intercept:
            converged = converged and np.abs(b - previous_b).max() <= tol * max(
                intercept_scale * max_weight, 1.0)
        previous[...] = coef_view
        previous_b[...] = b
        stop = report is not None and report(n_epochs, coef_view, b)
        if converged or stop:
            break
    return np.ascontiguousarray(coef_view), b, n_epochs, bool(converged)
