# cython: boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""What both liblinear solvers share: the C kernels of _liblinear.h, the value
and index types of X, random permutations and the lanes of X (a row for the
dual solver, a column for the L1 solver)."""

from libc.stdint cimport int32_t, int64_t, uint64_t


cdef extern from "_liblinear.h":
    void sc_prefetch_range(const void *p, Py_ssize_t nbytes) noexcept nogil
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
                              const double *a, const double *b, const double *ab) noexcept nogil:
    """sum_k x_k a_k b_k over the lane: a dense lane reads the vectors a and
    b; a sparse lane reads the pairs (a_r, b_r) interleaved in ``ab``, one
    cache line per row gathered instead of two."""
    cdef Py_ssize_t k, r
    cdef double s = 0.0
    if idx == NULL:
        if data_t is float:
            return ll_dot3_f32(val, a, b, nnz)
        else:
            return ll_dot3_f64(val, a, b, nnz)
    for k in range(nnz):
        r = 2 * <Py_ssize_t>idx[k]
        s += val[k] * ab[r] * ab[r + 1]
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
