# distutils: extra_compile_args = -fno-math-errno
# Fused, allocation-free inner loops of SigCoreMLPClassifier's training step.
#
# Each function makes one pass over contiguous float32 / float64 buffers
# (in place), where NumPy would need several passes and temporaries.  The
# arrays are small (one mini-batch, or the parameter vector), so the loops
# are serial; GCC vectorises them (with AVX2 / AVX-512 clones on x86-64 Linux).

cdef extern from *:
    """
    #include <math.h>
    #include <stddef.h>
    #include "_sigcore_math.h"
    #if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) \\
        && defined(__linux__) && defined(__GLIBC__)
    /* Baseline x86-64 plus AVX2 / AVX-512 clones picked at load time. */
    #define MLP_DISPATCH __attribute__((target_clones("default", "arch=x86-64-v3", \\
                                                      "arch=x86-64-v4")))
    #else
    #define MLP_DISPATCH
    #endif
    #if defined(__GNUC__) || defined(__clang__) || defined(_MSC_VER)
    #define MLP_RESTRICT __restrict
    #else
    #define MLP_RESTRICT
    #endif

    /* Adam: the sqrt of the (never negative) second moment vectorises because
       this module is compiled with -fno-math-errno (see the first line). */
    #define MLP_ADAM(SUFFIX, T, SQRT)                                           \\
    MLP_DISPATCH static void mlp_adam_##SUFFIX(                                 \\
        T *MLP_RESTRICT p, const T *MLP_RESTRICT g, T *MLP_RESTRICT m,         \\
        T *MLP_RESTRICT v, ptrdiff_t n, T lr, T b1, T b2, T eps, T l2c)        \\
    {                                                                           \\
        ptrdiff_t i;                                                            \\
        T c1 = (T)1 - b1, c2 = (T)1 - b2;                                       \\
        for (i = 0; i < n; i++) {                                               \\
            T gi = g[i] + l2c * p[i];                                           \\
            T mi = b1 * m[i] + c1 * gi;                                         \\
            T vi = b2 * v[i] + c2 * gi * gi;                                    \\
            m[i] = mi;                                                          \\
            v[i] = vi;                                                          \\
            p[i] -= lr * mi / (SQRT(vi) + eps);                                 \\
        }                                                                       \\
    }
    MLP_ADAM(f64, double, sqrt)
    MLP_ADAM(f32, float, sqrtf)

    /* The same updates on a rows x cols block (a layer's weights, or its
       intercepts as one row), fused with two sums over the parameters
       before the update, so that no other pass reads them:
       sq[k] += p[f, k]**2 (the loss's L2 term) and, when col is not NULL,
       col[k] += p[f, k] g[f, k] (the learned gains' gradient, see _network;
       the callers zero both first).
       Per-column accumulators keep the loop vectorised (a single scalar sum
       would be a serial chain of adds). */
    #define MLP_BLOCK_LOOP(BODY)                                                \
        ptrdiff_t f, k;                                                         \
        for (f = 0; f < rows; f++) {                                            \
            T *MLP_RESTRICT pf = p + f * cols;                                  \
            const T *MLP_RESTRICT gf = g + f * cols;                            \
            T *MLP_RESTRICT mf = m + f * cols;                                  \
            if (col != NULL) {                                                  \
                for (k = 0; k < cols; k++) {                                    \
                    T pk = pf[k], gr = gf[k];                                   \
                    sq[k] += pk * pk;                                           \
                    col[k] += pk * gr;                                          \
                    BODY                                                        \
                }                                                               \
            } else {                                                            \
                for (k = 0; k < cols; k++) {                                    \
                    T pk = pf[k], gr = gf[k];                                   \
                    sq[k] += pk * pk;                                           \
                    BODY                                                        \
                }                                                               \
            }                                                                   \
        }

    #define MLP_ADAM_BLOCK(SUFFIX, TYPE, SQRT)                                  \
    MLP_DISPATCH static void mlp_adam_block_##SUFFIX(                           \
        TYPE *MLP_RESTRICT p, const TYPE *MLP_RESTRICT g, TYPE *MLP_RESTRICT m, \
        TYPE *MLP_RESTRICT v, ptrdiff_t rows, ptrdiff_t cols, TYPE lr, TYPE b1, \
        TYPE b2, TYPE eps, TYPE l2c, TYPE *MLP_RESTRICT sq,                     \
        TYPE *MLP_RESTRICT col)                                                 \
    {                                                                           \
        typedef TYPE T;                                                         \
        T c1 = (T)1 - b1, c2 = (T)1 - b2;                                       \
        MLP_BLOCK_LOOP(                                                         \
            T *MLP_RESTRICT vf = v + f * cols;                                  \
            T gi = gr + l2c * pk;                                               \
            T mi = b1 * mf[k] + c1 * gi;                                        \
            T vi = b2 * vf[k] + c2 * gi * gi;                                   \
            mf[k] = mi;                                                         \
            vf[k] = vi;                                                         \
            pf[k] = pk - lr * mi / (SQRT(vi) + eps);)                           \
    }
    MLP_ADAM_BLOCK(f64, double, sqrt)
    MLP_ADAM_BLOCK(f32, float, sqrtf)

    /* SGD with (Nesterov) momentum on a block (m: the velocity).  Baseline
       code only, as sgd_step: an fma clone would round differently. */
    #define MLP_SGD_BLOCK(SUFFIX, TYPE)                                         \
    static void mlp_sgd_block_##SUFFIX(                            \
        TYPE *MLP_RESTRICT p, const TYPE *MLP_RESTRICT g, TYPE *MLP_RESTRICT m, \
        ptrdiff_t rows, ptrdiff_t cols, TYPE lr, TYPE mu, int nesterov,         \
        TYPE l2c, TYPE *MLP_RESTRICT sq, TYPE *MLP_RESTRICT col)                \
    {                                                                           \
        typedef TYPE T;                                                         \
        MLP_BLOCK_LOOP(                                                         \
            T gi = lr * (gr + l2c * pk);                                        \
            T vel = mu * mf[k] - gi;                                            \
            mf[k] = vel;                                                        \
            pf[k] = nesterov ? pk + (mu * vel - gi) : pk + vel;)                \
    }
    MLP_SGD_BLOCK(f64, double)
    MLP_SGD_BLOCK(f32, float)

    /* delta *= f'(alpha z) from the output h, on rows x cols; when colsum
       is not NULL it receives the column sums of the new delta (the layer's
       intercept gradient) from the same pass, row after row (the order of
       NumPy's sum over axis 0). */
    #define MLP_BACKWARD_LOOP(NAME, T, SLOPE)                                   \\
    MLP_DISPATCH static void NAME(const T *MLP_RESTRICT h, T *MLP_RESTRICT d,   \\
        ptrdiff_t rows, ptrdiff_t cols, T a, T *MLP_RESTRICT colsum)            \\
    {                                                                           \\
        ptrdiff_t i, j;                                                         \\
        if (colsum == NULL) {                                                   \\
            for (i = 0; i < rows * cols; i++) {                                 \\
                T x = h[i];                                                     \\
                d[i] *= a * (SLOPE);                                            \\
            }                                                                   \\
            return;                                                             \\
        }                                                                       \\
        for (j = 0; j < cols; j++) colsum[j] = 0;                               \\
        for (i = 0; i < rows; i++) {                                            \\
            const T *hi = h + i * cols;                                         \\
            T *di = d + i * cols;                                               \\
            for (j = 0; j < cols; j++) {                                        \\
                T x = hi[j];                                                    \\
                T v = di[j] * (a * (SLOPE));                                    \\
                di[j] = v;                                                      \\
                colsum[j] += v;                                                 \\
            }                                                                   \\
        }                                                                       \\
    }
    #define MLP_LOOPS(SUFFIX, T)                                                \\
    MLP_BACKWARD_LOOP(mlp_sigmoid_backward_##SUFFIX, T, x - x * x)              \\
    MLP_BACKWARD_LOOP(mlp_tanh_backward_##SUFFIX, T, (T)1 - x * x)

    MLP_LOOPS(f64, double)
    MLP_LOOPS(f32, float)

    /* z[i, j] <- sigma(alpha (z[i, j] + b[j])), the kernels' exact sigmoid. */
    MLP_DISPATCH static void mlp_bias_sigmoid_f64(double *MLP_RESTRICT z,
        const double *MLP_RESTRICT b, ptrdiff_t rows, ptrdiff_t cols, double alpha)
    {
        ptrdiff_t i, j;
        for (i = 0; i < rows; i++) {
            double *zi = z + i * cols;
            for (j = 0; j < cols; j++) zi[j] = sc_sigmoid(alpha * (zi[j] + b[j]));
        }
    }
    /* float32: the kernels' route (sigmoid(x, alpha) on float32 arrays), so the
       result is theirs bit for bit: float lanes (twice the vector width)
       where the CPU has an fma and alpha is in range, else in double. */
    #define MLP_BIAS_SIGMOID_LANES(NAME, EXACT)                                 \
    MLP_DISPATCH static void NAME(float *MLP_RESTRICT z,                        \
        const float *MLP_RESTRICT b, ptrdiff_t rows, ptrdiff_t cols,            \
        float a_hi, float a_lo)                                                 \
    {                                                                           \
        ptrdiff_t i, j;                                                         \
        for (i = 0; i < rows; i++) {                                            \
            float *zi = z + i * cols;                                           \
            SC_IVDEP                                                            \
            for (j = 0; j < cols; j++)                                          \
                zi[j] = sc_sigmoid_f32_lanes(zi[j] + b[j], a_hi, a_lo, EXACT);  \
        }                                                                       \
    }
    MLP_BIAS_SIGMOID_LANES(mlp_bias_sigmoid_lanes_f32, 0)
    MLP_BIAS_SIGMOID_LANES(mlp_bias_sigmoid_lanes_exact_f32, 1)

    MLP_DISPATCH static void mlp_bias_sigmoid_double_f32(float *MLP_RESTRICT z,
        const float *MLP_RESTRICT b, ptrdiff_t rows, ptrdiff_t cols, double alpha)
    {
        ptrdiff_t i, j;
        for (i = 0; i < rows; i++) {
            float *zi = z + i * cols;
            for (j = 0; j < cols; j++) zi[j] = sc_sigmoid_f32(zi[j] + b[j], alpha);
        }
    }

    static void mlp_bias_sigmoid_f32(float *z, const float *b, ptrdiff_t rows,
                                     ptrdiff_t cols, double alpha)
    {
        float a_hi = (float)alpha;
        switch (sc_sigmoid_f32_route(alpha)) {
        case SC_F32_LANES_EXACT:
            mlp_bias_sigmoid_lanes_exact_f32(z, b, rows, cols, a_hi, 0.0f);
            break;
        case SC_F32_LANES:
            mlp_bias_sigmoid_lanes_f32(z, b, rows, cols, a_hi, (float)(alpha - (double)a_hi));
            break;
        default:
            mlp_bias_sigmoid_double_f32(z, b, rows, cols, alpha);
        }
    }

    /* Per-unit gains (learn_alpha='unit'): z[i, j] <- sigma(g[j] (z[i, j] + b[j]))
       and d[i, j] *= g[j] h (1 - h), each in one pass.  float32 takes the
       float lanes with every gain split as g_hi + g_lo (the kernels' route for
       a gain in range), or the double route without a hardware fma. */
    static int mlp_have_fma(void) { return SC_HAVE_HARDWARE_FMA(); }

    MLP_DISPATCH static void mlp_bias_sigmoid_cols_f64(double *MLP_RESTRICT z,
        const double *MLP_RESTRICT b, const double *MLP_RESTRICT g, ptrdiff_t rows,
        ptrdiff_t cols)
    {
        ptrdiff_t i, j;
        for (i = 0; i < rows; i++) {
            double *zi = z + i * cols;
            for (j = 0; j < cols; j++) zi[j] = sc_sigmoid(g[j] * (zi[j] + b[j]));
        }
    }
    MLP_DISPATCH static void mlp_bias_sigmoid_cols_lanes_f32(float *MLP_RESTRICT z,
        const float *MLP_RESTRICT b, const float *MLP_RESTRICT g_hi,
        const float *MLP_RESTRICT g_lo, ptrdiff_t rows, ptrdiff_t cols)
    {
        ptrdiff_t i, j;
        for (i = 0; i < rows; i++) {
            float *zi = z + i * cols;
            SC_IVDEP
            for (j = 0; j < cols; j++)
                zi[j] = sc_sigmoid_f32_lanes(zi[j] + b[j], g_hi[j], g_lo[j], 0);
        }
    }
    MLP_DISPATCH static void mlp_bias_sigmoid_cols_double_f32(float *MLP_RESTRICT z,
        const float *MLP_RESTRICT b, const double *MLP_RESTRICT g, ptrdiff_t rows,
        ptrdiff_t cols)
    {
        ptrdiff_t i, j;
        for (i = 0; i < rows; i++) {
            float *zi = z + i * cols;
            for (j = 0; j < cols; j++) zi[j] = sc_sigmoid_f32(zi[j] + b[j], g[j]);
        }
    }
    #define MLP_BACKWARD_COLS(SUFFIX, T)                                        \
    MLP_DISPATCH static void mlp_sigmoid_backward_cols_##SUFFIX(                \
        const T *MLP_RESTRICT h, T *MLP_RESTRICT d, const T *MLP_RESTRICT g,   \
        ptrdiff_t rows, ptrdiff_t cols, T *MLP_RESTRICT colsum)                 \
    {                                                                           \
        ptrdiff_t i, j;                                                         \
        if (colsum != NULL)                                                     \
            for (j = 0; j < cols; j++) colsum[j] = 0;                           \
        for (i = 0; i < rows; i++) {                                            \
            const T *hi = h + i * cols;                                         \
            T *di = d + i * cols;                                               \
            for (j = 0; j < cols; j++) di[j] *= g[j] * (hi[j] - hi[j] * hi[j]); \
            if (colsum != NULL)                                                 \
                for (j = 0; j < cols; j++) colsum[j] += di[j];                  \
        }                                                                       \
    }
    MLP_BACKWARD_COLS(f64, double)
    MLP_BACKWARD_COLS(f32, float)
    """
    void mlp_adam_f64(double *p, const double *g, double *m, double *v, Py_ssize_t n,
                      double lr, double b1, double b2, double eps, double l2c) noexcept nogil
    void mlp_adam_f32(float *p, const float *g, float *m, float *v, Py_ssize_t n,
                      float lr, float b1, float b2, float eps, float l2c) noexcept nogil
    void mlp_adam_block_f64(double *p, const double *g, double *m, double *v,
                            Py_ssize_t rows, Py_ssize_t cols, double lr, double b1,
                            double b2, double eps, double l2c, double *sq,
                            double *col) noexcept nogil
    void mlp_adam_block_f32(float *p, const float *g, float *m, float *v,
                            Py_ssize_t rows, Py_ssize_t cols, float lr, float b1,
                            float b2, float eps, float l2c, float *sq,
                            float *col) noexcept nogil
    void mlp_sgd_block_f64(double *p, const double *g, double *m, Py_ssize_t rows,
                           Py_ssize_t cols, double lr, double mu, int nesterov,
                           double l2c, double *sq, double *col) noexcept nogil
    void mlp_sgd_block_f32(float *p, const float *g, float *m, Py_ssize_t rows,
                           Py_ssize_t cols, float lr, float mu, int nesterov,
                           float l2c, float *sq, float *col) noexcept nogil
    void mlp_bias_sigmoid_f64(double *z, const double *b, Py_ssize_t rows, Py_ssize_t cols,
                              double alpha) noexcept nogil
    void mlp_bias_sigmoid_f32(float *z, const float *b, Py_ssize_t rows, Py_ssize_t cols,
                              double alpha) noexcept nogil
    void mlp_sigmoid_backward_f64(const double *h, double *d, Py_ssize_t rows,
                                  Py_ssize_t cols, double a, double *colsum) noexcept nogil
    void mlp_sigmoid_backward_f32(const float *h, float *d, Py_ssize_t rows,
                                  Py_ssize_t cols, float a, float *colsum) noexcept nogil
    void mlp_tanh_backward_f64(const double *h, double *d, Py_ssize_t rows,
                               Py_ssize_t cols, double a, double *colsum) noexcept nogil
    void mlp_tanh_backward_f32(const float *h, float *d, Py_ssize_t rows,
                               Py_ssize_t cols, float a, float *colsum) noexcept nogil
    int mlp_have_fma() noexcept nogil
    void mlp_bias_sigmoid_cols_f64(double *z, const double *b, const double *g,
                                   Py_ssize_t rows, Py_ssize_t cols) noexcept nogil
    void mlp_bias_sigmoid_cols_lanes_f32(float *z, const float *b, const float *g_hi,
                                         const float *g_lo, Py_ssize_t rows,
                                         Py_ssize_t cols) noexcept nogil
    void mlp_bias_sigmoid_cols_double_f32(float *z, const float *b, const double *g,
                                          Py_ssize_t rows, Py_ssize_t cols) noexcept nogil
    void mlp_sigmoid_backward_cols_f64(const double *h, double *d, const double *g,
                                       Py_ssize_t rows, Py_ssize_t cols,
                                       double *colsum) noexcept nogil
    void mlp_sigmoid_backward_cols_f32(const float *h, float *d, const float *g,
                                       Py_ssize_t rows, Py_ssize_t cols,
                                       float *colsum) noexcept nogil
    void sc_prefetch_range(const void *p, Py_ssize_t nbytes) noexcept nogil


from libc.math cimport INFINITY, exp, fabs
from libc.string cimport memcpy, memset

cimport numpy as cnp

cnp.import_array()

# rows of a shuffled batch whose loads are in flight while one is copied,
# and the most bytes they may span
cdef enum:
    GATHER_AHEAD = 16
    GATHER_BYTES = 16384

import numpy as np


ctypedef fused floating_t:
    float
    double


# ---------------------------------------------------------------- arguments
# These functions run a dozen times per mini-batch, on small arrays, so they
# take ndarrays and check them here: typed-memoryview arguments with fused-type
# dispatch cost 0.6-1.5 µs a call (a training step of a small network spent
# about 13 µs of its 45 on them), these checks a few tens of nanoseconds.
# The checks are the whole of their safety (SIGCORE_CYTHON_DEBUG's bounds
# checks do not reach raw pointers; gather_rows trusts its indices).

cdef int _float_type(object a, str name) except -1:
    """NPY_FLOAT64 or NPY_FLOAT32, the type of ndarray `a` (the others follow it)."""
    if not cnp.PyArray_Check(a):
        raise TypeError(f"{name} must be a numpy array, got {type(a).__name__}")
    cdef int typenum = cnp.PyArray_TYPE(<cnp.ndarray>a)
    if typenum != cnp.NPY_FLOAT64 and typenum != cnp.NPY_FLOAT32:
        raise TypeError(f"{name} must be float32 or float64, got {a.dtype}")
    return typenum


cdef void *_data(object a, int typenum, int ndim, bint writeable, str name) except NULL:
    """The data of `a`, checked: an aligned C-contiguous ndarray of `typenum`
    (or an equivalent type) in native byte order with `ndim` dimensions,
    writeable if asked (numpy never gives NULL)."""
    if not cnp.PyArray_Check(a):
        raise TypeError(f"{name} must be a numpy array, got {type(a).__name__}")
    cdef cnp.ndarray arr = <cnp.ndarray>a
    if not (cnp.PyArray_EquivTypenums(cnp.PyArray_TYPE(arr), typenum)
            and cnp.PyArray_ISNOTSWAPPED(arr)):
        raise TypeError(f"{name} must be {cnp.PyArray_DescrFromType(typenum)} in native "
                        f"byte order, got {arr.dtype.str}")
    if cnp.PyArray_NDIM(arr) != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {a.shape}")
    if not (cnp.PyArray_IS_C_CONTIGUOUS(arr) and cnp.PyArray_ISALIGNED(arr)):
        raise ValueError(f"{name} must be C-contiguous and aligned")
    if writeable and not cnp.PyArray_ISWRITEABLE(arr):
        raise ValueError(f"{name} is read-only")
    return cnp.PyArray_DATA(arr)


cdef inline Py_ssize_t _dim(object a, int axis):
    return cnp.PyArray_DIM(<cnp.ndarray>a, axis)


cdef int _same_length(Py_ssize_t n, object b, object c, object d, str names) except -1:
    if _dim(b, 0) != n or (c is not None and _dim(c, 0) != n) or (d is not None
                                                                  and _dim(d, 0) != n):
        raise ValueError(f"{names} differ in length")
    return 0


cdef struct Block:
    void *params
    void *grad
    void *sq
    void *col
    Py_ssize_t n        # parameters
    Py_ssize_t rows


cdef int _step(Block *block, int t, object params, object grad, object state,
               object state2, str names) except -1:
    """Check params and grad of an optimizer step (state arrays: their lengths
    only) and fill block.params, .grad and .n."""
    block.params = _data(params, t, 1, True, "params")
    block.grad = _data(grad, t, 1, False, "grad")
    block.n = _dim(params, 0)
    return _same_length(block.n, grad, state, state2, names)


cdef int _block(Block *block, int t, object params, object grad, object state,
                object state2, Py_ssize_t cols, object sq, object col,
                str names) except -1:
    """Check the arrays of a block step and fill `block` (rows 0: nothing to do)."""
    _step(block, t, params, grad, state, state2, names)
    block.sq = _data(sq, t, 1, True, "sq")
    block.col = NULL if col is None else _data(col, t, 1, True, "col")
    cdef Py_ssize_t n = block.n
    block.rows = 0
    if n == 0:
        return 0
    if cols <= 0 or n % cols:
        raise ValueError(f"a block of {n} parameters has no rows of {cols}")
    if _dim(sq, 0) < cols:
        raise ValueError(f"the column buffers hold {_dim(sq, 0)} values, need {cols}")
    if col is not None and _dim(col, 0) < cols:
        raise ValueError(f"col holds {_dim(col, 0)} values, need {cols}")
    block.rows = n // cols
    return 0


cdef double _sum(const floating_t *x, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t k
    cdef double total = 0.0
    for k in range(n):
        total += x[k]
    return total


# ---------------------------------------------------------------- optimizers
def adam_step(params, grad, m, v, double lr, double beta_1, double beta_2, double eps,
              double l2c=0.0):
    """One Adam update with gradient grad + l2c * params (L2 fused in).

    m, v <- moments; params -= lr * m / (sqrt(v) + eps).  Serial on purpose:
    an OpenMP team next to OpenBLAS's threads on the same cores makes every
    training step several times slower (spinning threads).
    """
    cdef int t = _float_type(params, "params")
    cdef void *mp = _data(m, t, 1, True, "m")
    cdef void *vp = _data(v, t, 1, True, "v")
    cdef Block b
    _step(&b, t, params, grad, m, v, "params, grad, m and v")
    with nogil:
        if t == cnp.NPY_FLOAT64:
            mlp_adam_f64(<double *>b.params, <double *>b.grad, <double *>mp, <double *>vp,
                         b.n, lr, beta_1, beta_2, eps, l2c)
        else:
            mlp_adam_f32(<float *>b.params, <float *>b.grad, <float *>mp, <float *>vp, b.n,
                         <float>lr, <float>beta_1, <float>beta_2, <float>eps, <float>l2c)


def adam_block(params, grad, m, v, Py_ssize_t cols, double lr, double beta_1,
               double beta_2, double eps, double l2c, sq, col=None):
    """adam_step on a block of rows of `cols` parameters, fused with two sums.

    Returns the sum of params**2 before the update (the L2 term of the loss);
    with `col`, writes the sums over the rows of params * grad (before the
    update, grad without the L2 term) into col[:cols].  `sq` is scratch
    (>= cols values).
    """
    cdef int t = _float_type(params, "params")
    cdef void *mp = _data(m, t, 1, True, "m")
    cdef void *vp = _data(v, t, 1, True, "v")
    cdef Block b
    cdef double total
    _block(&b, t, params, grad, m, v, cols, sq, col, "params, grad, m and v")
    if b.rows == 0:
        return 0.0
    with nogil:
        if t == cnp.NPY_FLOAT64:
            memset(b.sq, 0, cols * sizeof(double))
            if b.col != NULL:
                memset(b.col, 0, cols * sizeof(double))
            mlp_adam_block_f64(<double *>b.params, <double *>b.grad, <double *>mp,
                               <double *>vp, b.rows, cols, lr, beta_1, beta_2, eps, l2c,
                               <double *>b.sq, <double *>b.col)
            total = _sum(<double *>b.sq, cols)
        else:
            memset(b.sq, 0, cols * sizeof(float))
            if b.col != NULL:
                memset(b.col, 0, cols * sizeof(float))
            mlp_adam_block_f32(<float *>b.params, <float *>b.grad, <float *>mp, <float *>vp,
                               b.rows, cols, <float>lr, <float>beta_1, <float>beta_2,
                               <float>eps, <float>l2c, <float *>b.sq, <float *>b.col)
            total = _sum(<float *>b.sq, cols)
    return total


cdef void _sgd_loop(floating_t *params, const floating_t *grad, floating_t *velocity,
                    Py_ssize_t n, floating_t lr, floating_t mu, bint nesterov,
                    floating_t c) noexcept nogil:
    cdef Py_ssize_t i
    cdef floating_t g, vel
    for i in range(n):
        g = lr * (grad[i] + c * params[i])
        vel = mu * velocity[i] - g
        velocity[i] = vel
        if nesterov:
            params[i] += mu * vel - g
        else:
            params[i] += vel


def sgd_step(params, grad, velocity, double learning_rate, double momentum, bint nesterov,
             double l2c=0.0):
    """One SGD step with (Nesterov) momentum, as scikit-learn's SGDOptimizer,
    on the gradient grad + l2c * params."""
    cdef int t = _float_type(params, "params")
    cdef void *u = _data(velocity, t, 1, True, "velocity")
    cdef Block b
    _step(&b, t, params, grad, velocity, None, "params, grad and velocity")
    with nogil:
        if t == cnp.NPY_FLOAT64:
            _sgd_loop(<double *>b.params, <double *>b.grad, <double *>u, b.n, learning_rate,
                      momentum, nesterov, l2c)
        else:
            _sgd_loop(<float *>b.params, <float *>b.grad, <float *>u, b.n,
                      <float>learning_rate, <float>momentum, nesterov, <float>l2c)


def sgd_block(params, grad, velocity, Py_ssize_t cols, double learning_rate,
              double momentum, bint nesterov, double l2c, sq, col=None):
    """sgd_step on a block of rows of `cols` parameters, fused with the sums of adam_block."""
    cdef int t = _float_type(params, "params")
    cdef void *u = _data(velocity, t, 1, True, "velocity")
    cdef Block b
    cdef double total
    _block(&b, t, params, grad, velocity, None, cols, sq, col, "params, grad and velocity")
    if b.rows == 0:
        return 0.0
    with nogil:
        if t == cnp.NPY_FLOAT64:
            memset(b.sq, 0, cols * sizeof(double))
            if b.col != NULL:
                memset(b.col, 0, cols * sizeof(double))
            mlp_sgd_block_f64(<double *>b.params, <double *>b.grad, <double *>u, b.rows, cols,
                              learning_rate, momentum, nesterov, l2c, <double *>b.sq,
                              <double *>b.col)
            total = _sum(<double *>b.sq, cols)
        else:
            memset(b.sq, 0, cols * sizeof(float))
            if b.col != NULL:
                memset(b.col, 0, cols * sizeof(float))
            mlp_sgd_block_f32(<float *>b.params, <float *>b.grad, <float *>u, b.rows, cols,
                              <float>learning_rate, <float>momentum, nesterov, <float>l2c,
                              <float *>b.sq, <float *>b.col)
            total = _sum(<float *>b.sq, cols)
    return total


cdef void _axpy_loop(floating_t *y, const floating_t *x, Py_ssize_t n,
                     floating_t a) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(n):
        y[i] += a * x[i]


def axpy(y, x, double a):
    """y += a * x."""
    cdef int t = _float_type(y, "y")
    cdef void *yp = _data(y, t, 1, True, "y")
    cdef void *xp = _data(x, t, 1, False, "x")
    cdef Py_ssize_t n = _dim(y, 0)
    _same_length(n, x, None, None, "y and x")
    with nogil:
        if t == cnp.NPY_FLOAT64:
            _axpy_loop(<double *>yp, <double *>xp, n, a)
        else:
            _axpy_loop(<float *>yp, <float *>xp, n, <float>a)


# ---------------------------------------------------------------- activations
cdef int _matrix_pair(object a, object b, str names) except -1:
    if _dim(a, 0) != _dim(b, 0) or _dim(a, 1) != _dim(b, 1):
        raise ValueError(f"{names} differ in shape")
    return 0


cdef int _row_vector(object v, Py_ssize_t cols, str name) except -1:
    if _dim(v, 0) != cols:
        raise ValueError(f"{name} needs one entry per column ({cols}), got {_dim(v, 0)}")
    return 0


def bias_sigmoid(z, b, double alpha):
    """z <- sigma(alpha (z + b)) in place, b broadcast over the rows."""
    cdef int t = _float_type(z, "z")
    cdef void *zp = _data(z, t, 2, True, "z")
    cdef void *bp = _data(b, t, 1, False, "b")
    cdef Py_ssize_t rows = _dim(z, 0), cols = _dim(z, 1)
    _row_vector(b, cols, "b")
    with nogil:
        if t == cnp.NPY_FLOAT64:
            mlp_bias_sigmoid_f64(<double *>zp, <double *>bp, rows, cols, alpha)
        else:
            mlp_bias_sigmoid_f32(<float *>zp, <float *>bp, rows, cols, alpha)


cdef void _bias_add_loop(floating_t *z, const floating_t *b, Py_ssize_t rows,
                         Py_ssize_t cols) noexcept nogil:
    cdef Py_ssize_t i, j
    for i in range(rows):
        for j in range(cols):
            z[i * cols + j] += b[j]


def bias_add(z, b):
    """z += b in place, b broadcast over the rows (NumPy's broadcast add took
    2.5 µs on a 200 x 10 batch, ten times this)."""
    cdef int t = _float_type(z, "z")
    cdef void *zp = _data(z, t, 2, True, "z")
    cdef void *bp = _data(b, t, 1, False, "b")
    cdef Py_ssize_t rows = _dim(z, 0), cols = _dim(z, 1)
    _row_vector(b, cols, "b")
    with nogil:
        if t == cnp.NPY_FLOAT64:
            _bias_add_loop(<double *>zp, <double *>bp, rows, cols)
        else:
            _bias_add_loop(<float *>zp, <float *>bp, rows, cols)


def gain_split(gains):
    """(hi, lo): float32 arrays with hi + lo = gains to float32's precision squared."""
    gains = np.asarray(gains)
    hi = gains.astype(np.float32)
    return hi, (gains - hi).astype(np.float32)


cdef bint _exp_gains_loop(const floating_t *theta, double *gains, float *hi, float *lo,
                          Py_ssize_t n, double limit) noexcept nogil:
    cdef Py_ssize_t i
    cdef double t, g
    cdef float h
    cdef bint clipped = False
    for i in range(n):
        t = theta[i]
        if t > limit:
            t = limit
            clipped = True
        elif t < -limit:
            t = -limit
            clipped = True
        g = exp(t)
        gains[i] = g
        if hi != NULL:
            h = <float> g
            hi[i] = h
            lo[i] = <float> (g - <double> h)
    return clipped


def exp_gains(theta, gains, hi=None, lo=None, double limit=INFINITY):
    """gains <- exp(theta clipped to [-limit, limit]), and with hi, lo the
    float32 split of ``gain_split``; returns whether any theta was clipped.

    One pass for the learned gains of every layer (NumPy took seven calls).
    """
    cdef int t = _float_type(theta, "theta")
    cdef void *tp = _data(theta, t, 1, False, "theta")
    cdef double *gp = <double *>_data(gains, cnp.NPY_FLOAT64, 1, True, "gains")
    cdef float *hp = NULL
    cdef float *lp = NULL
    cdef Py_ssize_t n = _dim(theta, 0)
    cdef bint clipped
    if (hi is None) != (lo is None):
        raise ValueError("give both hi and lo, or neither")
    if hi is not None:
        hp = <float *>_data(hi, cnp.NPY_FLOAT32, 1, True, "hi")
        lp = <float *>_data(lo, cnp.NPY_FLOAT32, 1, True, "lo")
    _same_length(n, gains, hi, lo, "theta, gains, hi and lo")
    with nogil:
        if t == cnp.NPY_FLOAT64:
            clipped = _exp_gains_loop(<double *>tp, gp, hp, lp, n, limit)
        else:
            clipped = _exp_gains_loop(<float *>tp, gp, hp, lp, n, limit)
    return clipped


cdef void _gain_gradients_loop(const floating_t *cols, const floating_t *b,
                               const floating_t *gb, const floating_t *theta,
                               floating_t *out, Py_ssize_t units, const Py_ssize_t *ends,
                               Py_ssize_t n_layers, double limit) noexcept nogil:
    cdef Py_ssize_t j, layer, start = 0
    cdef double total
    if ends == NULL:                    # one gain per unit
        for j in range(units):
            out[j] = 0 if fabs(theta[j]) > limit else cols[j] + b[j] * gb[j]
        return
    for layer in range(n_layers):
        total = 0.0
        for j in range(start, ends[layer]):
            total += <double>cols[j] + <double>b[j] * gb[j]
        out[layer] = 0 if fabs(theta[layer]) > limit else <floating_t>total
        start = ends[layer]


def gain_gradients(cols, b, gb, theta, out, double limit, ends=None):
    """out <- d L / d theta of every learned gain, in one pass.

    All hidden layers' units side by side: `cols` holds sum(W * G) per unit
    (its fan-in's weights times their gradient), `b` and `gb` the intercepts
    and their gradient.  Per unit, d L / d theta = cols + b * gb; with `ends`
    (intp, the end of each hidden layer's units) it is summed per layer
    (in double).  A theta beyond +-limit (clipped: the gain is flat there)
    gets 0.
    """
    cdef int t = _float_type(cols, "cols")
    cdef void *cp = _data(cols, t, 1, False, "cols")
    cdef void *bp = _data(b, t, 1, False, "b")
    cdef void *gp = _data(gb, t, 1, False, "gb")
    cdef void *tp = _data(theta, t, 1, False, "theta")
    cdef void *op = _data(out, t, 1, True, "out")
    cdef Py_ssize_t units = _dim(cols, 0), n_out = _dim(out, 0), i
    cdef const Py_ssize_t *ep = NULL
    _same_length(units, b, gb, None, "cols, b and gb")
    _same_length(n_out, theta, None, None, "out and theta")
    if ends is None:
        if n_out != units:
            raise ValueError(f"out holds {n_out} gains, need one per unit ({units})")
    else:
        ep = <const Py_ssize_t *>_data(ends, cnp.NPY_INTP, 1, False, "ends")
        if _dim(ends, 0) != n_out:
            raise ValueError(f"out holds {n_out} gains, need one per layer ({_dim(ends, 0)})")
        for i in range(n_out):
            if ep[i] < (ep[i - 1] if i else 0) or ep[i] > units:
                raise ValueError(f"ends must rise to the {units} units")
        if n_out and ep[n_out - 1] != units:
            raise ValueError(f"ends must rise to the {units} units")
    with nogil:
        if t == cnp.NPY_FLOAT64:
            _gain_gradients_loop(<double *>cp, <double *>bp, <double *>gp, <double *>tp,
                                 <double *>op, units, ep, n_out, limit)
        else:
            _gain_gradients_loop(<float *>cp, <float *>bp, <float *>gp, <float *>tp,
                                 <float *>op, units, ep, n_out, limit)


def bias_sigmoid_cols(z, b, gains, split=None):
    """z[i, j] <- sigma(gains[j] (z[i, j] + b[j])) in place (one gain per column).

    The gains (float64) must lie in [2**-60, 2**60] (learned gains do: see
    _network).  `split`, for float32 z, is ``gain_split(gains)`` if already
    computed.
    """
    cdef int t = _float_type(z, "z")
    cdef void *zp = _data(z, t, 2, True, "z")
    cdef void *bp = _data(b, t, 1, False, "b")
    cdef double *gp = <double *>_data(gains, cnp.NPY_FLOAT64, 1, False, "gains")
    cdef Py_ssize_t rows = _dim(z, 0), cols = _dim(z, 1)
    cdef float *hi
    cdef float *lo
    _row_vector(b, cols, "b")
    _row_vector(gains, cols, "gains")
    if t == cnp.NPY_FLOAT64:
        with nogil:
            mlp_bias_sigmoid_cols_f64(<double *>zp, <double *>bp, gp, rows, cols)
    elif mlp_have_fma():
        g_hi, g_lo = gain_split(gains) if split is None else split
        hi = <float *>_data(g_hi, cnp.NPY_FLOAT32, 1, False, "split[0]")
        lo = <float *>_data(g_lo, cnp.NPY_FLOAT32, 1, False, "split[1]")
        if _dim(g_hi, 0) < cols or _dim(g_lo, 0) < cols:
            raise ValueError(f"split holds fewer than {cols} gains")
        with nogil:
            mlp_bias_sigmoid_cols_lanes_f32(<float *>zp, <float *>bp, hi, lo, rows, cols)
    else:
        with nogil:
            mlp_bias_sigmoid_cols_double_f32(<float *>zp, <float *>bp, gp, rows, cols)


def sigmoid_backward_cols(h, delta, gains, colsum=None):
    """delta[i, j] *= gains[j] h (1 - h): d/dz sigma(g z) from its output, per column.

    `colsum`, if given, receives the column sums of the new delta.
    """
    cdef int t = _float_type(h, "h")
    cdef void *hp = _data(h, t, 2, False, "h")
    cdef void *dp = _data(delta, t, 2, True, "delta")
    cdef void *gp = _data(gains, t, 1, False, "gains")
    cdef void *cp = NULL
    cdef Py_ssize_t rows = _dim(h, 0), cols = _dim(h, 1)
    _matrix_pair(h, delta, "h and delta")
    _row_vector(gains, cols, "gains")
    if colsum is not None:
        cp = _data(colsum, t, 1, True, "colsum")
        _row_vector(colsum, cols, "colsum")
    with nogil:
        if t == cnp.NPY_FLOAT64:
            mlp_sigmoid_backward_cols_f64(<double *>hp, <double *>dp, <double *>gp, rows,
                                          cols, <double *>cp)
        else:
            mlp_sigmoid_backward_cols_f32(<float *>hp, <float *>dp, <float *>gp, rows, cols,
                                          <float *>cp)


def sigmoid_backward(h, delta, double alpha, colsum=None):
    """delta *= alpha h (1 - h): the derivative of sigma(alpha z) from its output h.

    `colsum`, if given, receives the column sums of the new delta.
    """
    _backward(h, delta, alpha, colsum, False)


def tanh_backward(h, delta, double alpha, colsum=None):
    """delta *= alpha (1 - h^2): the derivative of tanh(alpha z) from its output h.

    `colsum`, if given, receives the column sums of the new delta.
    """
    _backward(h, delta, alpha, colsum, True)


cdef _backward(h, delta, double alpha, colsum, bint tanh):
    cdef int t = _float_type(h, "h")
    cdef void *hp = _data(h, t, 2, False, "h")
    cdef void *dp = _data(delta, t, 2, True, "delta")
    cdef void *sums = NULL
    cdef Py_ssize_t rows = _dim(h, 0), cols = _dim(h, 1)
    _matrix_pair(h, delta, "h and delta")
    if colsum is not None:
        sums = _data(colsum, t, 1, True, "colsum")
        _row_vector(colsum, cols, "colsum")
        if rows == 0:
            colsum[:] = 0
            return
    with nogil:
        if t == cnp.NPY_FLOAT64:
            if tanh:
                mlp_tanh_backward_f64(<double *>hp, <double *>dp, rows, cols, alpha,
                                      <double *>sums)
            else:
                mlp_sigmoid_backward_f64(<double *>hp, <double *>dp, rows, cols, alpha,
                                         <double *>sums)
        elif tanh:
            mlp_tanh_backward_f32(<float *>hp, <float *>dp, rows, cols, <float>alpha,
                                  <float *>sums)
        else:
            mlp_sigmoid_backward_f32(<float *>hp, <float *>dp, rows, cols, <float>alpha,
                                     <float *>sums)


def sigmoid_saturation(h):
    """Fraction of h (one-dimensional) within 0.01 of 0 or 1."""
    cdef int t = _float_type(h, "h")
    cdef void *hp = _data(h, t, 1, False, "h")
    cdef Py_ssize_t n = _dim(h, 0), count
    with nogil:
        if t == cnp.NPY_FLOAT64:
            count = _saturated(<double *>hp, n)
        else:
            count = _saturated(<float *>hp, n)
    return count / <double>n if n else 0.0


cdef Py_ssize_t _saturated(const floating_t *h, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i, count = 0
    for i in range(n):
        count += (h[i] < 0.01) | (h[i] > 0.99)
    return count


# ---------------------------------------------------------------- heads, batches
cdef void _squared_error_loop(const floating_t *z, const floating_t *target,
                              const floating_t *w, floating_t *delta,
                              floating_t *per_sample, Py_ssize_t rows,
                              Py_ssize_t cols) noexcept nogil:
    cdef Py_ssize_t i, k
    cdef floating_t r, s
    for i in range(rows):
        s = 0
        for k in range(cols):
            r = z[i * cols + k] - target[i * cols + k]
            delta[i * cols + k] = r * w[i]
            s = s + r * r
        per_sample[i] = 0.5 * s


def squared_error_gradient(z, target, w, delta, per_sample):
    """delta = w_i (z - t) and per_sample[i] = |z_i - t_i|^2 / 2, in one pass.

    The identity output head of the regressor (z, t: scores and targets of a
    batch, w: its normalised sample weights); per_sample is summed in the
    data's dtype, output after output, as 0.5 * einsum('ij,ij->i', r, r).
    """
    cdef int t = _float_type(z, "z")
    cdef void *zp = _data(z, t, 2, False, "z")
    cdef void *tp = _data(target, t, 2, False, "target")
    cdef void *wp = _data(w, t, 1, False, "w")
    cdef void *dp = _data(delta, t, 2, True, "delta")
    cdef void *sp = _data(per_sample, t, 1, True, "per_sample")
    cdef Py_ssize_t rows = _dim(z, 0), cols = _dim(z, 1)
    _matrix_pair(z, target, "z and target")
    _matrix_pair(z, delta, "z and delta")
    if _dim(w, 0) != rows or _dim(per_sample, 0) < rows:
        raise ValueError("w and per_sample need one entry per row of z (shape)")
    with nogil:
        if t == cnp.NPY_FLOAT64:
            _squared_error_loop(<double *>zp, <double *>tp, <double *>wp, <double *>dp,
                                <double *>sp, rows, cols)
        else:
            _squared_error_loop(<float *>zp, <float *>tp, <float *>wp, <float *>dp,
                                <float *>sp, rows, cols)


cdef void _gather_loop(const char *X, const Py_ssize_t *idx, char *out, Py_ssize_t n,
                       Py_ssize_t row_bytes) noexcept nogil:
    cdef Py_ssize_t k
    cdef Py_ssize_t lead = min(<Py_ssize_t> GATHER_AHEAD,
                               GATHER_BYTES // max(row_bytes, 1))
    for k in range(n):
        if 0 < lead and k + lead < n:
            sc_prefetch_range(X + idx[k + lead] * row_bytes, row_bytes)
        memcpy(out + k * row_bytes, X + idx[k] * row_bytes, row_bytes)


def gather_rows(X, idx, out):
    """out[k] = X[idx[k]] (a shuffled mini-batch); the indices (intp) must be valid.

    The rows are scattered over a large X, so each copy would wait on
    memory: the cache lines of the rows up to GATHER_AHEAD positions ahead
    (at most GATHER_BYTES of them) are requested first, keeping that many
    rows in flight (np.take, one row after the other, took 1.5-2x as long
    for 200 rows of 100 values from a 20 MB X).  Rows longer than
    GATHER_BYTES are copied plainly: the hardware streams them.
    """
    cdef int t = _float_type(X, "X")
    cdef const char *xp = <char *>_data(X, t, 2, False, "X")
    cdef const Py_ssize_t *ip = <Py_ssize_t *>_data(idx, cnp.NPY_INTP, 1, False, "idx")
    cdef char *op = <char *>_data(out, t, 2, True, "out")
    cdef Py_ssize_t n = _dim(idx, 0), p = _dim(X, 1)
    if _dim(out, 0) != n or _dim(out, 1) != p:
        raise ValueError(f"out must have shape ({n}, {p}), got {out.shape}")
    with nogil:
        _gather_loop(xp, ip, op, n, p * (8 if t == cnp.NPY_FLOAT64 else 4))
