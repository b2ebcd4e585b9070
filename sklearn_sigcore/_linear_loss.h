/*
 * Row-block products of a linear model for C-ordered X (n x p), used by
 * _linear_loss.pyx between the sigmoid-core loss kernels:
 *
 *   ll_scores:     Z[i, k] = sum_j X[i, j] W[k, j] + b[k]     (i < nb, k < K)
 *   ll_accumulate: G[k, j] += sum_i Gz[i, k] X[i, j]          (G in float64)
 *
 * Sums run in double whatever the data type (float32 data keeps its digits),
 * with eight independent accumulators that GCC turns into vector lanes
 * without reassociating anything (no -ffast-math).  The functions get the
 * package's AVX2 / AVX-512 clones (SC_DISPATCH).  Used for K > 1 scores,
 * where they beat BLAS gemm on blocks of a few hundred rows (measured: 7 ms
 * instead of 10 ms per pass over a 100000 x 50 X, K = 5, one core); for
 * K = 1 OpenBLAS's gemv is as fast or faster and is kept.
 */
#ifndef SIGCORE_LINEAR_LOSS_H
#define SIGCORE_LINEAR_LOSS_H

#include "_sigcore_math.h"

#define LL_KERNELS(SUFFIX, T)                                                  \
SC_DISPATCH static void ll_scores_##SUFFIX(                                    \
    const T *X, ptrdiff_t p, ptrdiff_t nb, const T *W, ptrdiff_t K,            \
    const T *b, T *Z)                                                          \
{                                                                              \
    ptrdiff_t i, j, k;                                                         \
    for (i = 0; i < nb; i++) {                                                 \
        const T *x = X + i * p;                                                \
        for (k = 0; k < K; k++) {                                              \
            const T *w = W + k * p;                                            \
            double a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0; \
            double s;                                                          \
            for (j = 0; j + 8 <= p; j += 8) {                                  \
                a0 += (double)x[j] * (double)w[j];                             \
                a1 += (double)x[j + 1] * (double)w[j + 1];                     \
                a2 += (double)x[j + 2] * (double)w[j + 2];                     \
                a3 += (double)x[j + 3] * (double)w[j + 3];                     \
                a4 += (double)x[j + 4] * (double)w[j + 4];                     \
                a5 += (double)x[j + 5] * (double)w[j + 5];                     \
                a6 += (double)x[j + 6] * (double)w[j + 6];                     \
                a7 += (double)x[j + 7] * (double)w[j + 7];                     \
            }                                                                  \
            s = ((a0 + a4) + (a1 + a5)) + ((a2 + a6) + (a3 + a7));             \
            for (; j < p; j++) s += (double)x[j] * (double)w[j];               \
            Z[i * K + k] = (T)(b ? s + (double)b[k] : s);                      \
        }                                                                      \
    }                                                                          \
}                                                                              \
                                                                               \
SC_DISPATCH static void ll_accumulate_##SUFFIX(                                \
    const T *X, ptrdiff_t p, ptrdiff_t nb, const T *Gz, ptrdiff_t K, double *G) \
{                                                                              \
    ptrdiff_t i, j, k;                                                         \
    for (i = 0; i < nb; i++) {                                                 \
        const T *x = X + i * p;                                                \
        for (k = 0; k < K; k++) {                                              \
            double g = (double)Gz[i * K + k];                                  \
            double *Gk = G + k * p;                                            \
            if (g == 0.0) continue;                                            \
            SC_IVDEP                                                           \
            for (j = 0; j < p; j++) Gk[j] += g * (double)x[j];                 \
        }                                                                      \
    }                                                                          \
}

LL_KERNELS(f64, double)
LL_KERNELS(f32, float)

/*
 * The same two products for a block of nb CSR rows (indptr points at the
 * block's first row; data and indices are those of the whole matrix), with
 * the coefficients and the gradient stored feature-major, Wt and Gt (p x K):
 *
 *   ll_csr_scores:     Z[i, k] = sum_j data[j] Wt[indices[j], k]
 *   ll_csr_accumulate: Gt[indices[j], k] += data[j] Gz[i, k]
 *
 * Feature-major, each non-zero reads and updates its K entries side by side
 * (a vector operation), where a class-major W gathered them from K rows p
 * apart (100000 x 100 CSR at 20 non-zeros a row, K = 10, one core: 15 ms a
 * pass feature-major, 38 ms class-major, 19 ms through scipy's two
 * products).  For K = 1 both layouts are the same vector.
 * In C rather than Cython, and kept out of line (noinline): inlined into the
 * OpenMP region, the loops ran out of registers and kept their counters on
 * the stack.  The K = 1 gather sums a row in two interleaved accumulators
 * (one chain of dependent additions was the bound: 200000 x 5000 X at
 * 0.2 %, one core, 6.2 -> 4.9 ms per pass with both changes).
 */
#define LL_CSR_CLASS_BLOCK 32
#define LL_CSR_KERNELS(SUFFIX, T, IT)                                          \
__attribute__((noinline)) static void ll_csr_scores_##SUFFIX(                  \
    const T *data, const IT *indices, const IT *indptr, ptrdiff_t nb,          \
    const T *Wt, ptrdiff_t K, T *Z)                                            \
{                                                                              \
    ptrdiff_t i, k, j, k0, kn;                                                 \
    double acc[LL_CSR_CLASS_BLOCK];                                            \
    for (i = 0; i < nb; i++) {                                                 \
        const ptrdiff_t lo = (ptrdiff_t)indptr[i], hi = (ptrdiff_t)indptr[i + 1]; \
        if (K == 1) {                                                          \
            double a0 = 0.0, a1 = 0.0;                                         \
            for (j = lo; j + 1 < hi; j += 2) {                                 \
                a0 += (double)data[j] * (double)Wt[indices[j]];                \
                a1 += (double)data[j + 1] * (double)Wt[indices[j + 1]];        \
            }                                                                  \
            if (j < hi) a0 += (double)data[j] * (double)Wt[indices[j]];        \
            Z[i] = (T)(a0 + a1);                                               \
            continue;                                                          \
        }                                                                      \
        for (k0 = 0; k0 < K; k0 += LL_CSR_CLASS_BLOCK) {                       \
            kn = K - k0 < LL_CSR_CLASS_BLOCK ? K - k0 : LL_CSR_CLASS_BLOCK;    \
            for (k = 0; k < kn; k++) acc[k] = 0.0;                             \
            for (j = lo; j < hi; j++) {                                        \
                const double x = (double)data[j];                              \
                const T *w = Wt + (ptrdiff_t)indices[j] * K + k0;              \
                for (k = 0; k < kn; k++) acc[k] += x * (double)w[k];           \
            }                                                                  \
            for (k = 0; k < kn; k++) Z[i * K + k0 + k] = (T)acc[k];            \
        }                                                                      \
    }                                                                          \
}                                                                              \
__attribute__((noinline)) static void ll_csr_accumulate_##SUFFIX(              \
    const T *data, const IT *indices, const IT *indptr, ptrdiff_t nb,          \
    const T *Gz, ptrdiff_t K, double *Gt)                                      \
{                                                                              \
    ptrdiff_t i, k, j;                                                         \
    for (i = 0; i < nb; i++) {                                                 \
        const ptrdiff_t lo = (ptrdiff_t)indptr[i], hi = (ptrdiff_t)indptr[i + 1]; \
        const T *g = Gz + i * K;                                               \
        if (K == 1) {                                                          \
            const double g0 = (double)g[0];                                    \
            if (g0 == 0.0) continue;                                           \
            for (j = lo; j < hi; j++) Gt[indices[j]] += (double)data[j] * g0;  \
            continue;                                                          \
        }                                                                      \
        for (j = lo; j < hi; j++) {                                            \
            const double x = (double)data[j];                                  \
            double *Gj = Gt + (ptrdiff_t)indices[j] * K;                       \
            for (k = 0; k < K; k++) Gj[k] += x * (double)g[k];                 \
        }                                                                      \
    }                                                                          \
}

LL_CSR_KERNELS(f64_i32, double, int)
LL_CSR_KERNELS(f64_i64, double, long long)
LL_CSR_KERNELS(f32_i32, float, int)
LL_CSR_KERNELS(f32_i64, float, long long)

#endif
