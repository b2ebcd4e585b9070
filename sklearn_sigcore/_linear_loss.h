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
 * block's first row; data and indices are those of the whole matrix):
 *
 *   ll_csr_scores:     Z[i, k] = sum_j data[j] W[k, indices[j]]
 *   ll_csr_accumulate: G[k, indices[j]] += data[j] Gz[i, k]
 *
 * In C rather than Cython, and kept out of line (noinline): inlined into the
 * OpenMP region, the loops ran out of registers and kept their counters on
 * the stack.  The gather sums a row in two interleaved accumulators (one
 * chain of dependent additions was the bound: 200000 x 5000 X at 0.2 %,
 * one core, 6.2 -> 4.9 ms per pass with both changes).
 */
#define LL_CSR_KERNELS(SUFFIX, T, IT)                                          \
__attribute__((noinline)) static void ll_csr_scores_##SUFFIX(                  \
    const T *data, const IT *indices, const IT *indptr, ptrdiff_t p,           \
    ptrdiff_t nb, const T *W, ptrdiff_t K, T *Z)                               \
{                                                                              \
    ptrdiff_t i, k, j;                                                         \
    for (i = 0; i < nb; i++) {                                                 \
        const ptrdiff_t lo = (ptrdiff_t)indptr[i], hi = (ptrdiff_t)indptr[i + 1]; \
        for (k = 0; k < K; k++) {                                              \
            const T *Wk = W + k * p;                                           \
            double a0 = 0.0, a1 = 0.0;                                         \
            for (j = lo; j + 1 < hi; j += 2) {                                 \
                a0 += (double)data[j] * (double)Wk[indices[j]];                \
                a1 += (double)data[j + 1] * (double)Wk[indices[j + 1]];        \
            }                                                                  \
            if (j < hi) a0 += (double)data[j] * (double)Wk[indices[j]];        \
            Z[i * K + k] = (T)(a0 + a1);                                       \
        }                                                                      \
    }                                                                          \
}                                                                              \
__attribute__((noinline)) static void ll_csr_accumulate_##SUFFIX(              \
    const T *data, const IT *indices, const IT *indptr, ptrdiff_t p,           \
    ptrdiff_t nb, const T *Gz, ptrdiff_t K, double *G)                         \
{                                                                              \
    ptrdiff_t i, k, j;                                                         \
    for (i = 0; i < nb; i++) {                                                 \
        const ptrdiff_t lo = (ptrdiff_t)indptr[i], hi = (ptrdiff_t)indptr[i + 1]; \
        for (k = 0; k < K; k++) {                                              \
            const double g = (double)Gz[i * K + k];                            \
            double *Gk = G + k * p;                                            \
            if (g == 0.0) continue;                                            \
            for (j = lo; j < hi; j++) Gk[indices[j]] += (double)data[j] * g;   \
        }                                                                      \
    }                                                                          \
}

LL_CSR_KERNELS(f64_i32, double, int)
LL_CSR_KERNELS(f64_i64, double, long long)
LL_CSR_KERNELS(f32_i32, float, int)
LL_CSR_KERNELS(f32_i64, float, long long)

#endif
