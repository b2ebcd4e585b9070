/*
 * C kernels of the liblinear solvers (_liblinear_dual.pyx, _liblinear_l1.pyx):
 * dense kernels over one contiguous lane of X (a row or a column) against
 * double vectors, and the per-sample loss sums of the L1 solver.  They get
 * the package's AVX2 / AVX-512 clones (SC_DISPATCH); the sparse lanes gather
 * and scatter, which vectorise poorly anyway, and are plain Cython
 * (_liblinear_lanes.pxd).
 */
#ifndef SIGCORE_LIBLINEAR_H
#define SIGCORE_LIBLINEAR_H

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

/* return sum_{i < n} TERM(i), kept in LL_ACC partial sums (the tail apart) */
#define LL_SUM(TERM)                                                           \
    do {                                                                       \
        double acc[LL_ACC] = {0.0}, s = 0.0;                                   \
        ptrdiff_t i = 0, k;                                                    \
        for (; i + LL_ACC <= n; i += LL_ACC)                                   \
            for (k = 0; k < LL_ACC; k++)                                       \
                acc[k] += TERM(i + k);                                         \
        for (; i < n; i++)                                                     \
            s += TERM(i);                                                      \
        for (k = 0; k < LL_ACC; k++)                                           \
            s += acc[k];                                                       \
        return s;                                                              \
    } while (0)
#define LL_DOT_TERM(i) ((double)x[i] * v[i])
#define LL_DOT3_TERM(i) ((double)x[i] * a[i] * b[i])
#define LL_SQNORM_TERM(i) ((double)x[i] * (double)x[i])

#define LL_DENSE_KERNELS(SUFFIX, T)                                            \
SC_DISPATCH static double ll_dot_##SUFFIX(const T *LL_RESTRICT x,              \
                                          const double *LL_RESTRICT v,         \
                                          ptrdiff_t n)                         \
{                                                                              \
    LL_SUM(LL_DOT_TERM);                                                       \
}                                                                              \
/* sum_i x_i a_i b_i */                                                        \
SC_DISPATCH static double ll_dot3_##SUFFIX(const T *LL_RESTRICT x,             \
                                           const double *LL_RESTRICT a,        \
                                           const double *LL_RESTRICT b,        \
                                           ptrdiff_t n)                        \
{                                                                              \
    LL_SUM(LL_DOT3_TERM);                                                      \
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
    LL_SUM(LL_SQNORM_TERM);                                                    \
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

#endif /* SIGCORE_LIBLINEAR_H */
