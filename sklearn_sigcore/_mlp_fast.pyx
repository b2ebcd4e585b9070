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
       col[k] += p[f, k] g[f, k] (the learned gains' gradient, see _network).
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
        ptrdiff_t rows, ptrdiff_t cols)                                         \
    {                                                                           \
        ptrdiff_t i, j;                                                         \
        for (i = 0; i < rows; i++) {                                            \
            const T *hi = h + i * cols;                                         \
            T *di = d + i * cols;                                               \
            for (j = 0; j < cols; j++) di[j] *= g[j] * (hi[j] - hi[j] * hi[j]); \
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
                                       Py_ssize_t rows, Py_ssize_t cols) noexcept nogil
    void mlp_sigmoid_backward_cols_f32(const float *h, float *d, const float *g,
                                       Py_ssize_t rows, Py_ssize_t cols) noexcept nogil
    void sc_prefetch_range(const void *p, Py_ssize_t nbytes) noexcept nogil


from libc.math cimport INFINITY, exp
from libc.string cimport memcpy

# rows of a shuffled batch whose loads are in flight while one is copied,
# and the most bytes they may span
cdef enum:
    GATHER_AHEAD = 16
    GATHER_BYTES = 16384

import numpy as np


ctypedef fused floating_t:
    float
    double


def adam_step(floating_t[::1] params, const floating_t[::1] grad, floating_t[::1] m,
              floating_t[::1] v, double lr, double beta_1, double beta_2, double eps,
              double l2c=0.0):
    """One Adam update with gradient grad + l2c * params (L2 fused in).

    m, v <- moments; params -= lr * m / (sqrt(v) + eps).  Serial on purpose:
    an OpenMP team next to OpenBLAS's threads on the same cores makes every
    training step several times slower (spinning threads).
    """
    cdef Py_ssize_t n = params.shape[0]
    if n == 0:
        return
    with nogil:
        if floating_t is double:
            mlp_adam_f64(&params[0], &grad[0], &m[0], &v[0], n, lr, beta_1, beta_2, eps,
                         l2c)
        else:
            mlp_adam_f32(&params[0], &grad[0], &m[0], &v[0], n, <float>lr,
                         <float>beta_1, <float>beta_2, <float>eps, <float>l2c)


def _block_shape(Py_ssize_t n, Py_ssize_t cols, Py_ssize_t scratch, col):
    """Rows of a block of n parameters in rows of `cols`, the buffers checked."""
    if cols <= 0 or n % cols:
        raise ValueError(f"a block of {n} parameters has no rows of {cols}")
    if scratch < cols:
        raise ValueError(f"the column buffers hold {scratch} values, need {cols}")
    if col is not None and col.shape[0] < cols:
        raise ValueError(f"col holds {col.shape[0]} values, need {cols}")
    return n // cols


def adam_block(floating_t[::1] params, const floating_t[::1] grad, floating_t[::1] m,
               floating_t[::1] v, Py_ssize_t cols, double lr, double beta_1,
               double beta_2, double eps, double l2c, floating_t[::1] sq,
               floating_t[::1] col=None):
    """adam_step on a block of rows of `cols` parameters, fused with two sums.

    Returns the sum of params**2 before the update (the L2 term of the loss);
    with `col`, adds sum over the rows of params * grad (before the update,
    grad without the L2 term) to col[:cols].  `sq` is scratch (>= cols values).
    """
    cdef Py_ssize_t n = params.shape[0], k, rows
    cdef double total = 0.0
    if n == 0:
        return 0.0
    rows = _block_shape(n, cols, sq.shape[0], col)
    with nogil:
        sq[:cols] = 0
        if floating_t is double:
            mlp_adam_block_f64(&params[0], &grad[0], &m[0], &v[0], rows, cols, lr, beta_1,
                               beta_2, eps, l2c, &sq[0], NULL if col is None else &col[0])
        else:
            mlp_adam_block_f32(&params[0], &grad[0], &m[0], &v[0], rows, cols, <float>lr,
                               <float>beta_1, <float>beta_2, <float>eps, <float>l2c,
                               &sq[0], NULL if col is None else &col[0])
        for k in range(cols):
            total += sq[k]
    return total


def sgd_block(floating_t[::1] params, const floating_t[::1] grad, floating_t[::1] velocity,
              Py_ssize_t cols, double learning_rate, double momentum, bint nesterov,
              double l2c, floating_t[::1] sq, floating_t[::1] col=None):
    """sgd_step on a block of rows of `cols` parameters, fused with the sums of adam_block."""
    cdef Py_ssize_t n = params.shape[0], k, rows
    cdef double total = 0.0
    if n == 0:
        return 0.0
    rows = _block_shape(n, cols, sq.shape[0], col)
    with nogil:
        sq[:cols] = 0
        if floating_t is double:
            mlp_sgd_block_f64(&params[0], &grad[0], &velocity[0], rows, cols,
                              learning_rate, momentum, nesterov, l2c, &sq[0],
                              NULL if col is None else &col[0])
        else:
            mlp_sgd_block_f32(&params[0], &grad[0], &velocity[0], rows, cols,
                              <float>learning_rate, <float>momentum, nesterov,
                              <float>l2c, &sq[0], NULL if col is None else &col[0])
        for k in range(cols):
            total += sq[k]
    return total


def bias_sigmoid(floating_t[:, ::1] z, const floating_t[::1] b, double alpha):
    """z <- sigma(alpha (z + b)) in place, b broadcast over the rows."""
    cdef Py_ssize_t rows = z.shape[0], cols = z.shape[1]
    if rows == 0 or cols == 0:
        return
    with nogil:
        if floating_t is double:
            mlp_bias_sigmoid_f64(&z[0, 0], &b[0], rows, cols, alpha)
        else:
            mlp_bias_sigmoid_f32(&z[0, 0], &b[0], rows, cols, alpha)


def gain_split(gains):
    """(hi, lo): float32 arrays with hi + lo = gains to float32's precision squared."""
    gains = np.asarray(gains)
    hi = gains.astype(np.float32)
    return hi, (gains - hi).astype(np.float32)


def exp_gains(const floating_t[::1] theta, double[::1] gains, float[::1] hi=None,
              float[::1] lo=None, double limit=INFINITY):
    """gains <- exp(theta clipped to [-limit, limit]), and with hi, lo the
    float32 split of ``gain_split``; returns whether any theta was clipped.

    One pass for the learned gains of every layer (NumPy took seven calls).
    """
    cdef Py_ssize_t i, n = theta.shape[0]
    cdef double t, g
    cdef float h
    cdef bint clipped = False, split = hi is not None
    if gains.shape[0] != n or (split and (lo is None or hi.shape[0] != n
                                          or lo.shape[0] != n)):
        raise ValueError("gains, hi and lo need theta's length")
    with nogil:
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
            if split:
                h = <float> g
                hi[i] = h
                lo[i] = <float> (g - <double> h)
    return clipped


def bias_sigmoid_cols(floating_t[:, ::1] z, const floating_t[::1] b, const double[::1] gains,
                      split=None):
    """z[i, j] <- sigma(gains[j] (z[i, j] + b[j])) in place (one gain per column).

    The gains must lie in [2**-60, 2**60] (learned gains do: see _network).
    `split`, for float32 z, is ``gain_split(gains)`` if already computed.
    """
    cdef Py_ssize_t rows = z.shape[0], cols = z.shape[1]
    cdef const float[::1] g_hi, g_lo
    if rows == 0 or cols == 0:
        return
    if floating_t is double:
        with nogil:
            mlp_bias_sigmoid_cols_f64(&z[0, 0], &b[0], &gains[0], rows, cols)
    elif mlp_have_fma():
        g_hi, g_lo = gain_split(gains) if split is None else split
        if g_hi.shape[0] < cols or g_lo.shape[0] < cols:
            raise ValueError(f"split holds fewer than {cols} gains")
        with nogil:
            mlp_bias_sigmoid_cols_lanes_f32(&z[0, 0], &b[0], &g_hi[0], &g_lo[0], rows, cols)
    else:
        with nogil:
            mlp_bias_sigmoid_cols_double_f32(&z[0, 0], &b[0], &gains[0], rows, cols)


def sigmoid_backward_cols(const floating_t[:, ::1] h, floating_t[:, ::1] delta,
                          const floating_t[::1] gains):
    """delta[i, j] *= gains[j] h (1 - h): d/dz sigma(g z) from its output, per column."""
    cdef Py_ssize_t rows = h.shape[0], cols = h.shape[1]
    if rows == 0 or cols == 0:
        return
    with nogil:
        if floating_t is double:
            mlp_sigmoid_backward_cols_f64(&h[0, 0], &delta[0, 0], &gains[0], rows, cols)
        else:
            mlp_sigmoid_backward_cols_f32(&h[0, 0], &delta[0, 0], &gains[0], rows, cols)


def sgd_step(floating_t[::1] params, const floating_t[::1] grad, floating_t[::1] velocity,
             double learning_rate, double momentum, bint nesterov, double l2c=0.0):
    """One SGD step with (Nesterov) momentum, as scikit-learn's SGDOptimizer,
    on the gradient grad + l2c * params."""
    cdef Py_ssize_t i, n = params.shape[0]
    cdef floating_t lr = learning_rate, mu = momentum, c = l2c, g, vel
    with nogil:
        for i in range(n):
            g = lr * (grad[i] + c * params[i])
            vel = mu * velocity[i] - g
            velocity[i] = vel
            if nesterov:
                params[i] += mu * vel - g
            else:
                params[i] += vel


def axpy(floating_t[::1] y, const floating_t[::1] x, double a):
    """y += a * x."""
    cdef Py_ssize_t i, n = y.shape[0]
    cdef floating_t s = a
    with nogil:
        for i in range(n):
            y[i] += s * x[i]


def sigmoid_backward(const floating_t[:, ::1] h, floating_t[:, ::1] delta, double alpha,
                     floating_t[::1] colsum=None):
    """delta *= alpha h (1 - h): the derivative of sigma(alpha z) from its output h.

    `colsum`, if given, receives the column sums of the new delta.
    """
    _backward(h, delta, alpha, colsum, False)


def tanh_backward(const floating_t[:, ::1] h, floating_t[:, ::1] delta, double alpha,
                  floating_t[::1] colsum=None):
    """delta *= alpha (1 - h^2): the derivative of tanh(alpha z) from its output h.

    `colsum`, if given, receives the column sums of the new delta.
    """
    _backward(h, delta, alpha, colsum, True)


cdef _backward(const floating_t[:, ::1] h, floating_t[:, ::1] delta, double alpha,
               floating_t[::1] colsum, bint tanh):
    cdef Py_ssize_t rows = h.shape[0], cols = h.shape[1]
    cdef floating_t *sums = NULL
    if delta.shape[0] != rows or delta.shape[1] != cols:
        raise ValueError("h and delta differ in shape")
    if colsum is not None:
        if colsum.shape[0] != cols:
            raise ValueError("colsum needs one entry per column")
        sums = &colsum[0] if cols else NULL
    if rows == 0 or cols == 0:
        if sums != NULL:
            colsum[:] = 0
        return
    with nogil:
        if floating_t is double:
            if tanh:
                mlp_tanh_backward_f64(&h[0, 0], &delta[0, 0], rows, cols, alpha, sums)
            else:
                mlp_sigmoid_backward_f64(&h[0, 0], &delta[0, 0], rows, cols, alpha, sums)
        else:
            if tanh:
                mlp_tanh_backward_f32(&h[0, 0], &delta[0, 0], rows, cols, <float>alpha, sums)
            else:
                mlp_sigmoid_backward_f32(&h[0, 0], &delta[0, 0], rows, cols, <float>alpha,
                                         sums)


def squared_error_gradient(const floating_t[:, ::1] z, const floating_t[:, ::1] target,
                           const floating_t[::1] w, floating_t[:, ::1] delta,
                           floating_t[::1] per_sample):
    """delta = w_i (z - t) and per_sample[i] = |z_i - t_i|^2 / 2, in one pass.

    The identity output head of the regressor (z, t: scores and targets of a
    batch, w: its normalised sample weights); per_sample is summed in the
    data's dtype, output after output, as 0.5 * einsum('ij,ij->i', r, r).
    """
    cdef Py_ssize_t i, k, rows = z.shape[0], cols = z.shape[1]
    cdef floating_t r, s
    if (target.shape[0] != rows or target.shape[1] != cols or delta.shape[0] != rows
            or delta.shape[1] != cols or w.shape[0] != rows or per_sample.shape[0] < rows):
        raise ValueError("z, target, delta, w and per_sample differ in shape")
    with nogil:
        for i in range(rows):
            s = 0
            for k in range(cols):
                r = z[i, k] - target[i, k]
                delta[i, k] = r * w[i]
                s = s + r * r
            per_sample[i] = 0.5 * s


def gather_rows(const floating_t[:, ::1] X, const Py_ssize_t[::1] idx,
                floating_t[:, ::1] out):
    """out[k] = X[idx[k]] (a shuffled mini-batch); the indices must be valid.

    The rows are scattered over a large X, so each copy would wait on
    memory: the cache lines of the rows up to GATHER_AHEAD positions ahead
    (at most GATHER_BYTES of them) are requested first, keeping that many
    rows in flight (np.take, one row after the other, took 1.5-2x as long
    for 200 rows of 100 values from a 20 MB X).  Rows longer than
    GATHER_BYTES are copied plainly: the hardware streams them.
    """
    cdef Py_ssize_t k, n = idx.shape[0], p = X.shape[1]
    cdef Py_ssize_t lead = min(<Py_ssize_t> GATHER_AHEAD,
                               GATHER_BYTES // max(p * <Py_ssize_t> sizeof(floating_t), 1))
    if out.shape[0] != n or out.shape[1] != p:
        raise ValueError(f"out must have shape ({n}, {p}), got "
                         f"({out.shape[0]}, {out.shape[1]})")
    if n == 0 or p == 0:
        return
    with nogil:
        for k in range(n):
            if 0 < lead and k + lead < n:
                sc_prefetch_range(&X[idx[k + lead], 0], p * sizeof(floating_t))
            memcpy(&out[k, 0], &X[idx[k], 0], p * sizeof(floating_t))


def sigmoid_saturation(const floating_t[::1] h):
    """Fraction of h within 0.01 of 0 or 1."""
    cdef Py_ssize_t i, n = h.shape[0], count = 0
    with nogil:
        for i in range(n):
            count += (h[i] < 0.01) | (h[i] > 0.99)
    return count / <double>n if n else 0.0
