/*
 * Branch-free elementary functions for the sigmoid core, written so that GCC
 * vectorises the array loops below, plus those array loops.
 *
 * Why C and not Cython: the array loops carry GCC `target_clones`, so one
 * portable shared object holds a baseline x86-64 version and AVX2 / AVX-512
 * versions chosen at load time by the CPU (an ifunc).  Other compilers and
 * platforms get the plain version.  No -ffast-math: every function keeps
 * IEEE semantics (NaN in, NaN out; +-inf give their limits).
 *
 * exp(x) for x <= 0 is computed as m * s with s = 2**n2 a power of two and m
 * a normal number, so that results in the subnormal range are rounded once,
 * at the very end, after every other factor has been multiplied into m.
 */
#ifndef SIGCORE_MATH_H
#define SIGCORE_MATH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <math.h>

/* arch=x86-64-v3 / v4 and the matching __builtin_cpu_supports need GCC 12. */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12 && defined(__x86_64__) \
    && defined(__linux__) && defined(__GLIBC__) && !defined(SIGCORE_NO_DISPATCH)
#define SC_DISPATCH \
    __attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4")))
/* The float-lane sigmoid needs a hardware fma: the x86-64-v3 or v4 clone. */
#define SC_HAVE_HARDWARE_FMA() __builtin_cpu_supports("x86-64-v3")
#else
#define SC_DISPATCH
#if defined(__FMA__) || defined(__aarch64__) || defined(__ARM_FEATURE_FMA) \
    || defined(_M_ARM64) || defined(FP_FAST_FMAF)
#define SC_HAVE_HARDWARE_FMA() 1
#else
#define SC_HAVE_HARDWARE_FMA() 0
#endif
#endif

#if defined(__GNUC__) && !defined(__clang__)
#define SC_IVDEP _Pragma("GCC ivdep")
#else
#define SC_IVDEP
#endif

/*
 * Prefetch the cache lines of [p, p + nbytes) (the data a loop will read a
 * few steps ahead, where the hardware cannot guess the address).  Macros,
 * not functions: GCC deems a function that only prefetches free of side
 * effects and deletes the calls it does not inline early.
 */
#if defined(__GNUC__) || defined(__clang__)
#define SC_PREFETCH_LINE(p) __builtin_prefetch(p)
#else
#define SC_PREFETCH_LINE(p) ((void)(p))
#endif
#define sc_prefetch_range(p, nbytes)                                           \
    do {                                                                       \
        const char *sc_p_ = (const char *)(p);                                 \
        ptrdiff_t sc_n_ = (ptrdiff_t)(nbytes), sc_o_;                          \
        for (sc_o_ = 0; sc_o_ < sc_n_; sc_o_ += 64)                            \
            SC_PREFETCH_LINE(sc_p_ + sc_o_);                                   \
        if (sc_n_ > 0)                                                         \
            SC_PREFETCH_LINE(sc_p_ + sc_n_ - 1);                               \
    } while (0)

#define SC_LN2_HI 0x1.62e42feep-1          /* 33 bits: n * LN2_HI is exact for |n| < 2**20 */
#define SC_LN2_LO 0x1.a39ef35793c76p-33
#define SC_LOG2E 0x1.71547652b82fep0
#define SC_SQRT2 0x1.6a09e667f3bcdp0
#define SC_EXP_SHIFT 0x1.8p52              /* adding it rounds to an integer */

static inline double sc_bits_to_f64(uint64_t b) { double d; memcpy(&d, &b, 8); return d; }
static inline uint64_t sc_f64_to_bits(double d) { uint64_t b; memcpy(&b, &d, 8); return b; }
static inline float sc_bits_to_f32(uint32_t b) { float f; memcpy(&f, &b, 4); return f; }
static inline uint32_t sc_f32_to_bits(float f) { uint32_t b; memcpy(&b, &f, 4); return b; }

/*
 * The polynomials are evaluated by Estrin's scheme (pairs, then powers of r)
 * rather than Horner's: the dependency chain shrinks from 13 to 5
 * multiply-adds (sigmoid: 2.5 -> 2.2 ns per element on one Zen 3 core).  The
 * leading 1 + r is added last, so the tail's roundings are scaled down by r**2.
 */

/*
 * exp(x) = p * 2**n for x in [-1460, 0] (or NaN), p to double precision.
 * Callers clamp x to the range they need (one select per loop, not two).
 */
#define SC_EXP_MIN (-1460.0)               /* alpha e**x < 2**-1075 for any alpha */
static inline double sc_exp_poly(double x, int64_t *n)
{
    double t, nd, r, r2, r4, tail;
    t = x * SC_LOG2E + SC_EXP_SHIFT;
    nd = t - SC_EXP_SHIFT;                 /* round(x / ln 2), in the low bits of t */
    *n = (int64_t)(sc_f64_to_bits(t) - sc_f64_to_bits(SC_EXP_SHIFT));
    r = x - nd * SC_LN2_HI;
    r = r - nd * SC_LN2_LO;                /* |r| <= 0.347 */
    r2 = r * r;
    r4 = r2 * r2;
    /* Taylor to r**13 (error < 2**-57): 1 + r + r**2 (1/2! + r/3! + ... + r**11/13!) */
    tail = ((1.0 / 2 + r * (1.0 / 6)) + r2 * (1.0 / 24 + r * (1.0 / 120)))
         + r4 * ((1.0 / 720 + r * (1.0 / 5040)) + r2 * (1.0 / 40320 + r * (1.0 / 362880)))
         + (r4 * r4) * ((1.0 / 3628800 + r * (1.0 / 39916800))
                        + r2 * (1.0 / 479001600 + r * (1.0 / 6227020800.0)));
    return 1.0 + (r + r2 * tail);
}

/*
 * 2**n as 2**n1 (returned) times 2**n2 (*scale), both normal numbers, for
 * n <= 2046; n below -2044 (far below the subnormals) is taken as -2044.
 */
static inline double sc_pow2_split(int64_t n, double *scale)
{
    int64_t b = n + 4096, b1, b2;          /* biased so that shifts see b >= 0 */
    b = b < 2052 ? 2052 : b;
    b1 = b >> 1;                           /* n1 + 2048 */
    b2 = b - b1;                           /* n2 + 2048 */
    *scale = sc_bits_to_f64((uint64_t)(b2 - 1025) << 52);
    return sc_bits_to_f64((uint64_t)(b1 - 1025) << 52);
}

/* exp(x) = m * (*scale) for x <= 0 (or NaN), m and *scale normal numbers. */
static inline double sc_exp_parts(double x, double *scale)
{
    int64_t n;
    double p = sc_exp_poly(x < SC_EXP_MIN ? SC_EXP_MIN : x, &n);   /* NaN passes */
    return p * sc_pow2_split(n, scale);
}

/*
 * exp(x) = m * SC_EXP_SMALL_SCALE for x <= 0 (or NaN), m a normal number: the
 * cheaper form for results used without a large factor (sigma, log sigma).
 * Below x = -746, exp(x) < 2**-1075 rounds to 0 anyway, so x is clamped
 * there and 2**(n + 64) stays normal without sc_pow2_split's clamps.
 */
#define SC_EXP_SMALL_SCALE 0x1p-64
static inline double sc_exp_small(double x)
{
    int64_t n;
    double p = sc_exp_poly(x < -746.0 ? -746.0 : x, &n);   /* NaN passes */
    return p * sc_bits_to_f64((uint64_t)(n + 64 + 1023) << 52);
}

/*
 * log1p(y) for y in [0, 1] (or NaN).  `precise` selects double precision (1)
 * or about 2**-36, enough for float32 results (0); it is a compile-time
 * constant at every call site.
 */
static inline double sc_log1p_unit(double y, const int precise)
{
    double w = 1.0 + y;
    double c = (y - (w - 1.0)) / w;        /* first-order rounding error of 1 + y */
    int big = w > SC_SQRT2;
    double m = big ? 0.5 * w : w;          /* m in [1/sqrt 2, sqrt 2] */
    double k = big ? 1.0 : 0.0;
    double f = (m - 1.0) / (m + 1.0);      /* log m = 2 atanh f, |f| <= 0.1716 */
    double f2 = f * f, f4 = f2 * f2, q;   /* q = 2/3 + 2/5 f**2 + 2/7 f**4 + ... */
    if (precise) {
        q = ((2.0 / 3 + f2 * (2.0 / 5)) + f4 * (2.0 / 7 + f2 * (2.0 / 9)))
          + (f4 * f4) * (((2.0 / 11 + f2 * (2.0 / 13)) + f4 * (2.0 / 15 + f2 * (2.0 / 17)))
                         + (f4 * f4) * ((2.0 / 19 + f2 * (2.0 / 21))
                                        + f4 * (2.0 / 23 + f2 * (2.0 / 25))));
    } else {
        q = ((2.0 / 3 + f2 * (2.0 / 5)) + f4 * (2.0 / 7 + f2 * (2.0 / 9))) + (f4 * f4) * (2.0 / 11);
    }
    return k * SC_LN2_HI + (2.0 * f + (f * f2 * q + (k * SC_LN2_LO + c)));
}

/* ---- scalar sigmoid-core functions of u = alpha * x ---------------------- */

/*
 * sigma(u) = 1 / (1 + e) for u >= 0 and e / (1 + e) for u < 0, e = exp(-|u|):
 * one division with the numerator selected.  A subnormal e is rounded once
 * (1 + e is then 1); NaN gives e = NaN, hence NaN.
 */
static inline double sc_sigmoid(double u)
{
    double e = sc_exp_small(-fabs(u)) * SC_EXP_SMALL_SCALE;
    return (u >= 0.0 ? 1.0 : e) / (1.0 + e);
}

/* log sigma(u) = min(u, 0) - log1p(exp(-|u|)) */
static inline double sc_log_sigmoid(double u)
{
    double e = sc_exp_small(-fabs(u)) * SC_EXP_SMALL_SCALE;
    return (u < 0.0 ? u : 0.0) - sc_log1p_unit(e, 1);
}

/*
 * alpha * sigma(u) * sigma(-u) = alpha * e / (1 + e)**2 with e = exp(-|u|).
 * The binary exponent of alpha joins the exponent of e before the single
 * final rounding, so a large alpha cannot lift an underflowed e.
 */
static inline double sc_sigmoid_derivative(double u, double alpha)
{
    uint64_t bits = sc_f64_to_bits(alpha);
    int normal = (bits >> 52) != 0;        /* alpha > 0: no sign bit */
    int64_t k = normal ? (int64_t)(bits >> 52) - 1022 : 0;
    double fraction = normal ? sc_bits_to_f64((bits & 0x000fffffffffffffull)
                                              | (1022ull << 52)) : alpha;
    int64_t n;
    double s2, s3, p = sc_exp_poly(fabs(u) > -SC_EXP_MIN ? SC_EXP_MIN : -fabs(u), &n);
    double inv = 1.0 / (1.0 + (p * sc_pow2_split(n, &s2)) * s2);
    return (fraction * inv * inv * p * sc_pow2_split(n + k, &s3)) * s3;
}

/*
 * float32 versions: computed in double and rounded once.  Every float32
 * result of exp(-|u|) is a normal double, so the exponent needs no split, and
 * a Taylor polynomial to r**8 (error < 2**-32) is far below float32's ulp.
 * The derivative takes the double path, which handles any alpha.
 */
static inline double sc_exp_for_f32(double x)
{
    double t, n, r, r2, p;
    x = x < -110.0 ? -110.0 : x;           /* exp(-110) rounds to 0 in float32 */
    t = x * SC_LOG2E + SC_EXP_SHIFT;
    n = t - SC_EXP_SHIFT;
    r = x - n * SC_LN2_HI;
    r = r - n * SC_LN2_LO;
    r2 = r * r;
    p = 1.0 + (r + r2 * (((1.0 / 2 + r * (1.0 / 6)) + r2 * (1.0 / 24 + r * (1.0 / 120)))
                         + (r2 * r2) * ((1.0 / 720 + r * (1.0 / 5040)) + r2 * (1.0 / 40320))));
    return p * sc_bits_to_f64((sc_f64_to_bits(t) - sc_f64_to_bits(SC_EXP_SHIFT) + 1023u) << 52);
}

static inline float sc_sigmoid_f32(float x, double alpha)
{
    double u = alpha * (double)x, e = sc_exp_for_f32(-fabs(u));
    return (float)((u >= 0.0 ? 1.0 : e) / (1.0 + e));   /* as sc_sigmoid */
}
static inline float sc_log_sigmoid_f32(float x, double alpha)
{
    double u = alpha * (double)x;
    return (float)((u < 0.0 ? u : 0.0) - sc_log1p_unit(sc_exp_for_f32(-fabs(u)), 0));
}
static inline float sc_sigmoid_derivative_f32(float x, double alpha)
{
    return (float)sc_sigmoid_derivative(alpha * (double)x, alpha);
}

/*
 * sigma(alpha x) for float32 in float arithmetic: twice the vector width of
 * the double route above, within 0.80 ulp (checked against a double
 * reference over every float32 x, for several alpha), monotone in x.  Plain
 * float arithmetic would lose up to 2.4 ulp, so every rounding that matters
 * is compensated with fmas:
 *   alpha = alpha_hi + alpha_lo (floats), u = alpha x carried as u + u_lo
 *   (`exact`: alpha is a power of two, u_lo = 0);
 *   exp(-|u|) = 2**n (p_hi + p_lo), the reduced argument r exact;
 *   sigma = N / D with N = 1 (u >= 0) or E = exp(-|u|), D = 1 + E, both as
 *   hi + lo; q = N (1 / D) is corrected by the residual (N - q D) / D.
 * E stays scaled by 2**64 in the numerator, so a subnormal sigma is rounded
 * twice only (to 24 bits, then to the subnormal grid: the 0.80 ulp worst
 * case; normal results stay within 0.69 ulp).  Callers use it only with a
 * hardware fma (SC_HAVE_HARDWARE_FMA) and 2**-60 <= alpha <= 2**60.
 */
#define SC_F_LOG2E 0x1.715476p0f
#define SC_F_SHIFT 0x1.8p23f                /* adding it rounds to an integer */
#define SC_F_LN2_HI 0x1.62e430p-1f          /* ln 2 = SC_F_LN2_HI + SC_F_LN2_LO */
#define SC_F_LN2_LO -0x1.05c610p-29f
#define SC_F_EXP_MIN (-110.0f)              /* exp(-110) rounds to 0 in float32 */

static inline float sc_sigmoid_f32_lanes(float x, float alpha_hi, float alpha_lo,
                                         const int exact)
{
    float u = alpha_hi * x;
    float u_lo = exact ? 0.0f : fmaf(alpha_hi, x, -u) + alpha_lo * x;
    int pos = u >= 0.0f;
    float a = -fabsf(u);
    int far = a < SC_F_EXP_MIN;            /* also u = +-inf, where u_lo is not finite */
    float a_lo = (far || exact) ? 0.0f : (pos ? -u_lo : u_lo);
    float t, n, r, r_lo, r2, c, tail, p_hi, p_lo, scale, e_s, e_s_lo, e, e_lo;
    float d, d_lo, num, num_lo, inv, q, res;
    a = far ? SC_F_EXP_MIN : a;            /* NaN passes */
    /* a + a_lo = n ln 2 + r + r_lo; r is exact (the fma rounds once, and the
       difference fits in 24 bits) */
    t = fmaf(a, SC_F_LOG2E, SC_F_SHIFT);
    n = t - SC_F_SHIFT;
    r = fmaf(-n, SC_F_LN2_HI, a);
    r_lo = fmaf(-n, SC_F_LN2_LO, a_lo);
    /* exp(r + r_lo) = 1 + r + tail, Taylor to r**7 (error < 2**-27) */
    r2 = r * r;
    c = (0.5f + r * (1.0f / 6)) + r2 * ((1.0f / 24 + r * (1.0f / 120))
                                        + r2 * (1.0f / 720 + r * (1.0f / 5040)));
    tail = fmaf(r2, c, fmaf(r_lo, fmaf(r2, c, r), r_lo));
    p_hi = 1.0f + (r + tail);
    p_lo = ((1.0f - p_hi) + r) + tail;     /* the rounding errors of p_hi */
    /* E = (p_hi + p_lo) 2**n; 2**(n + 64) is normal for n >= -160 */
    scale = sc_bits_to_f32((sc_f32_to_bits(t) - sc_f32_to_bits(SC_F_SHIFT) + 64 + 127) << 23);
    e_s = p_hi * scale;
    e_s_lo = p_lo * scale;
    e = e_s * 0x1p-64f;
    e_lo = e_s_lo * 0x1p-64f;
    d = 1.0f + e;
    d_lo = ((1.0f - d) + e) + e_lo;        /* 1 + E = d + d_lo */
    num = pos ? 1.0f : e_s;
    num_lo = pos ? 0.0f : e_s_lo;
    inv = 1.0f / d;
    q = num * inv;
    res = fmaf(-q, d, num);                /* N - q D, to first order in the lo parts */
    res = fmaf(-q, d_lo, res + num_lo);
    return fmaf(res, inv, q) * (pos ? 1.0f : 0x1p-64f);
}

/* logit(p) / alpha = log(p / (1 - p)) / alpha, in a form without cancellation. */
static inline double sc_logit(double p, double alpha)
{
    double r;
    if (!(p >= 0.0 && p <= 1.0)) return NAN;           /* also NaN */
    if (p == 0.0) return -INFINITY;
    if (p == 1.0) return INFINITY;
    if (p >= 0.5) r = log1p((2.0 * p - 1.0) / (1.0 - p));   /* both exact */
    else if (p >= 0.25) r = -log1p((1.0 - 2.0 * p) / p);   /* 1 - 2p exact */
    else r = log(p) - log1p(-p);
    return r / alpha;
}

/* ---- array loops (contiguous, out may be x itself) ----------------------- */

#define SC_UNARY_LOOP(NAME, T, EXPR)                                          \
SC_DISPATCH static void NAME(const T *x, T *out, ptrdiff_t n, double alpha)   \
{                                                                             \
    ptrdiff_t i;                                                              \
    SC_IVDEP                                                                  \
    for (i = 0; i < n; i++) out[i] = (EXPR);                                  \
}

SC_UNARY_LOOP(sc_sigmoid_array_f64, double, sc_sigmoid(alpha * x[i]))
SC_UNARY_LOOP(sc_sigmoid_in_double_f32, float, sc_sigmoid_f32(x[i], alpha))
SC_UNARY_LOOP(sc_log_sigmoid_array_f64, double, sc_log_sigmoid(alpha * x[i]))
SC_UNARY_LOOP(sc_log_sigmoid_array_f32, float, sc_log_sigmoid_f32(x[i], alpha))
SC_UNARY_LOOP(sc_sigmoid_derivative_array_f64, double,
              sc_sigmoid_derivative(alpha * x[i], alpha))
SC_UNARY_LOOP(sc_sigmoid_derivative_array_f32, float, sc_sigmoid_derivative_f32(x[i], alpha))
SC_UNARY_LOOP(sc_logit_array_f64, double, sc_logit(x[i], alpha))
SC_UNARY_LOOP(sc_logit_array_f32, float, (float)sc_logit((double)x[i], alpha))

SC_DISPATCH static void sc_sigmoid_lanes_f32(const float *x, float *out, ptrdiff_t n,
                                             float a_hi, float a_lo)
{
    ptrdiff_t i;
    SC_IVDEP
    for (i = 0; i < n; i++) out[i] = sc_sigmoid_f32_lanes(x[i], a_hi, a_lo, 0);
}

SC_DISPATCH static void sc_sigmoid_lanes_exact_f32(const float *x, float *out, ptrdiff_t n,
                                                   float a_hi)
{
    ptrdiff_t i;
    SC_IVDEP
    for (i = 0; i < n; i++) out[i] = sc_sigmoid_f32_lanes(x[i], a_hi, 0.0f, 1);
}

/*
 * Route of the float32 sigmoid: float lanes where the build and the CPU give
 * a hardware fma and 2**-60 <= alpha <= 2**60 (exact when alpha is a power of
 * two), the double route otherwise.  Both stay within 0.80 ulp.
 */
enum { SC_F32_IN_DOUBLE = 0, SC_F32_LANES = 1, SC_F32_LANES_EXACT = 2 };

static int sc_sigmoid_f32_route(double alpha)
{
    float a_hi;
    if (!(alpha >= 0x1p-60 && alpha <= 0x1p60) || !SC_HAVE_HARDWARE_FMA())
        return SC_F32_IN_DOUBLE;
    a_hi = (float)alpha;
    if ((double)a_hi == alpha && (sc_f32_to_bits(a_hi) & 0x007fffffu) == 0)
        return SC_F32_LANES_EXACT;
    return SC_F32_LANES;
}

static void sc_sigmoid_array_f32(const float *x, float *out, ptrdiff_t n, double alpha)
{
    float a_hi;
    switch (sc_sigmoid_f32_route(alpha)) {
    case SC_F32_LANES_EXACT:
        sc_sigmoid_lanes_exact_f32(x, out, n, (float)alpha);
        break;
    case SC_F32_LANES:
        a_hi = (float)alpha;
        sc_sigmoid_lanes_f32(x, out, n, a_hi, (float)(alpha - (double)a_hi));
        break;
    default:
        sc_sigmoid_in_double_f32(x, out, n, alpha);
    }
}

/*
 * Binary log-loss of u = alpha * z and its derivatives with respect to z:
 *   loss = log1p(exp(u)) - y u,  grad = alpha (sigma(u) - y),
 *   hess = alpha**2 sigma(u) sigma(-u)            (hess may be NULL)
 * each multiplied by the sample weight w[i] when w is not NULL.  Each case
 * (weights or not, Hessian or not) is a function of its own, so that the
 * NULL tests are out of the loop and GCC vectorises every case: as four
 * loops of one function, GCC 12 left the unweighted Hessian loop scalar
 * in some translation units (12x slower).
 */
#define SC_BINARY_LOSS_BODY(T, PRECISE, WI, HESS)                             \
    ptrdiff_t i;                                                              \
    SC_IVDEP                                                                  \
    for (i = 0; i < n; i++) {                                                 \
        double u = alpha * (double)z[i], yi = (double)y[i];                   \
        double wi = (WI);                                                     \
        double s2 = 1.0, m = PRECISE ? sc_exp_parts(-fabs(u), &s2)            \
                                     : sc_exp_for_f32(-fabs(u));              \
        double e = m * s2, inv = 1.0 / (1.0 + e);                             \
        double sig = u >= 0.0 ? inv : (m * inv) * s2;                         \
        double lin = u > 0.0 ? (1.0 - yi) * u : -yi * u; /* exact for y in {0,1} */\
        double l = lin + sc_log1p_unit(e, PRECISE);                           \
        loss[i] = (T)(wi * l);                                                \
        grad[i] = (T)(wi * alpha * (sig - yi));                               \
        HESS;                                                                 \
    }

#define SC_BINARY_HESS(T) hess[i] = (T)(((wi * alpha * alpha * inv) * inv * m) * s2)

#define SC_BINARY_LOSS_CASE(NAME, T, PRECISE, WI, HESS)                       \
SC_DISPATCH static void NAME(const T *z, const T *y, const T *w, double alpha,\
                             T *loss, T *grad, T *hess, ptrdiff_t n)          \
{                                                                             \
    (void)w; (void)hess;                                                      \
    SC_BINARY_LOSS_BODY(T, PRECISE, WI, HESS)                                 \
}

#define SC_BINARY_LOSS(SUFFIX, T, PRECISE)                                    \
SC_BINARY_LOSS_CASE(sc_binary_loss_plain_##SUFFIX, T, PRECISE, 1.0, (void)0)  \
SC_BINARY_LOSS_CASE(sc_binary_loss_w_##SUFFIX, T, PRECISE, (double)w[i], (void)0)\
SC_BINARY_LOSS_CASE(sc_binary_loss_h_##SUFFIX, T, PRECISE, 1.0, SC_BINARY_HESS(T))\
SC_BINARY_LOSS_CASE(sc_binary_loss_wh_##SUFFIX, T, PRECISE, (double)w[i],     \
                    SC_BINARY_HESS(T))                                        \
static void sc_binary_loss_##SUFFIX(                                          \
    const T *z, const T *y, const T *w, double alpha,                         \
    T *loss, T *grad, T *hess, ptrdiff_t n)                                   \
{                                                                             \
    if (w == NULL && hess == NULL)                                            \
        sc_binary_loss_plain_##SUFFIX(z, y, w, alpha, loss, grad, hess, n);   \
    else if (hess == NULL)                                                    \
        sc_binary_loss_w_##SUFFIX(z, y, w, alpha, loss, grad, hess, n);       \
    else if (w == NULL)                                                       \
        sc_binary_loss_h_##SUFFIX(z, y, w, alpha, loss, grad, hess, n);       \
    else                                                                      \
        sc_binary_loss_wh_##SUFFIX(z, y, w, alpha, loss, grad, hess, n);      \
}

SC_BINARY_LOSS(f64, double, 1)
SC_BINARY_LOSS(f32, float, 0)

/* exp(d) for d <= 0, in place: the vectorised step of the softmax losses. */
SC_DISPATCH static void sc_exp_nonpos_f64(double *d, ptrdiff_t n)
{
    ptrdiff_t i;
    for (i = 0; i < n; i++) d[i] = sc_exp_small(d[i]) * SC_EXP_SMALL_SCALE;
}

SC_DISPATCH static void sc_exp_nonpos_f32(float *d, ptrdiff_t n)
{
    ptrdiff_t i;
    for (i = 0; i < n; i++) d[i] = (float)sc_exp_for_f32((double)d[i]);
}

/*
 * Multinomial log-loss of u = alpha * z (n rows of K scores, y the class
 * index) and its gradient with respect to z, weighted by w when not NULL:
 *   loss = logsumexp(u) - u_y,  grad_k = alpha (softmax(u)_k - [y == k]).
 * grad doubles as the buffer for the shifted scores, so the exp runs as one
 * vectorised pass over the whole block.
 */
#define SC_MULTINOMIAL_LOSS(SUFFIX, T)                                        \
static void sc_multinomial_loss_##SUFFIX(                                     \
    const T *z, const T *y, const T *w, double alpha,                         \
    T *loss, T *grad, ptrdiff_t n, ptrdiff_t K)                               \
{                                                                             \
    ptrdiff_t i, k;                                                           \
    for (i = 0; i < n; i++) {                                                 \
        const T *zi = z + i * K;                                              \
        T zmax = zi[0];                                                       \
        for (k = 1; k < K; k++) zmax = zi[k] > zmax ? zi[k] : zmax;           \
        for (k = 0; k < K; k++)                                               \
            grad[i * K + k] = (T)(alpha * ((double)zi[k] - (double)zmax));    \
    }                                                                         \
    sc_exp_nonpos_##SUFFIX(grad, n * K);                                      \
    for (i = 0; i < n; i++) {                                                 \
        T *gi = grad + i * K;                                                 \
        const T *zi = z + i * K;                                              \
        ptrdiff_t yi = (ptrdiff_t)y[i];                                       \
        double wi = w ? (double)w[i] : 1.0, total = 0.0, zmax = zi[0], inv;   \
        for (k = 1; k < K; k++) zmax = zi[k] > zmax ? zi[k] : zmax;           \
        for (k = 0; k < K; k++) total += gi[k];                               \
        inv = 1.0 / total;                                                    \
        loss[i] = (T)(wi * (log(total) - alpha * ((double)zi[yi] - zmax)));   \
        for (k = 0; k < K; k++)                                               \
            gi[k] = (T)(wi * alpha * ((double)gi[k] * inv - (k == yi)));      \
    }                                                                         \
}

SC_MULTINOMIAL_LOSS(f64, double)
SC_MULTINOMIAL_LOSS(f32, float)

/* Sum with eight independent accumulators (double), for the loss totals. */
#define SC_SUM(SUFFIX, T)                                                     \
static double sc_sum_##SUFFIX(const T *x, ptrdiff_t n)                        \
{                                                                             \
    double a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;    \
    ptrdiff_t i = 0;                                                          \
    for (; i + 8 <= n; i += 8) {                                              \
        a0 += x[i]; a1 += x[i + 1]; a2 += x[i + 2]; a3 += x[i + 3];           \
        a4 += x[i + 4]; a5 += x[i + 5]; a6 += x[i + 6]; a7 += x[i + 7];       \
    }                                                                         \
    for (; i < n; i++) a0 += x[i];                                            \
    return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));                 \
}

SC_SUM(f64, double)
SC_SUM(f32, float)

/* ---- softmax and log-softmax of alpha * x along one contiguous row -------- */

/*
 * Rows whose maximum is +inf or -inf: the entries equal to the maximum share
 * the mass equally (the limit of softmax of equal entries), the others get 0.
 * Returns 1 if it handled the row.
 */
static int sc_softmax_row_special(const double *x, ptrdiff_t n, double xmax,
                                  double *out, int take_log)
{
    ptrdiff_t k, count = 0;
    if (!isinf(xmax)) return 0;
    for (k = 0; k < n; k++) count += (x[k] == xmax);
    for (k = 0; k < n; k++) {
        if (take_log) out[k] = x[k] == xmax ? -log((double)count) : -INFINITY;
        else out[k] = x[k] == xmax ? 1.0 / (double)count : 0.0;
    }
    return 1;
}

/*
 * Compensated (Neumaier) sum of the softmax terms: with thousands of entries
 * a plain sum's error grows with the row length; this one stays near 1 ulp.
 */
static inline void sc_add_compensated(double *sum, double *err, double v)
{
    double t = *sum + v;
    *err += fabs(*sum) >= fabs(v) ? (*sum - t) + v : (v - t) + *sum;
    *sum = t;
}

/*
 * alpha (xk - xmax) as d + *c: d the rounded value, *c the rounding errors
 * of the subtraction (TwoSum) and of the product (fma), so that exp and log
 * of the exact scaled difference are accurate even where |d| is large.
 * Finite entries whose difference overflows (opposite signs near the largest
 * double) are halved first, exactly, and alpha doubled: alpha (xk - xmax)
 * may still be moderate when alpha is small.
 */
static inline double sc_scaled_difference(double xk, double xmax, double alpha, double *c)
{
    double diff = xk - xmax, bb, err, d;
    *c = 0.0;
    if (isinf(diff)) {
        if (isinf(xk)) return -INFINITY;
        xk *= 0.5;
        xmax *= 0.5;
        alpha *= 2.0;
        diff = xk - xmax;
    }
    bb = diff - xk;
    err = (xk - (diff - bb)) + (-xmax - bb);
    d = alpha * diff;
    if (isfinite(d)) *c = fma(alpha, diff, -d) + alpha * err;
    return d;
}

/*
 * Double precision row, accurate for the exact alpha * x.  The sum leaves
 * out one maximal entry (which contributes exactly 1) so that log-softmax
 * uses log1p and stays accurate when one entry dominates.  out may be x.
 */
static void sc_softmax_row_f64(const double *x, double *out, ptrdiff_t n,
                               double alpha, int take_log)
{
    ptrdiff_t k, kmax = 0;
    double xmax = x[0], rest = 0.0, rest_err = 0.0, d, c, s2, m;
    for (k = 1; k < n; k++) {
        if (x[k] != x[k]) { xmax = x[k]; break; }
        if (x[k] > xmax) { xmax = x[k]; kmax = k; }
    }
    if (xmax != xmax) { for (k = 0; k < n; k++) out[k] = NAN; return; }
    if (sc_softmax_row_special(x, n, xmax, out, take_log)) return;
    for (k = 0; k < n; k++) {
        if (k == kmax) continue;
        d = sc_scaled_difference(x[k], xmax, alpha, &c);
        m = sc_exp_parts(d, &s2);
        sc_add_compensated(&rest, &rest_err, (m * s2) * (1.0 + c));
    }
    rest += rest_err;
    if (take_log) {
        double log_total = log1p(rest);
        for (k = 0; k < n; k++) {
            d = sc_scaled_difference(x[k], xmax, alpha, &c);
            out[k] = (d - log_total) + c;
        }
    } else {
        double inv = 1.0 / (1.0 + rest);
        for (k = 0; k < n; k++) {
            d = sc_scaled_difference(x[k], xmax, alpha, &c);
            m = sc_exp_parts(d, &s2);
            out[k] = ((m * inv) * s2) * (1.0 + c);
        }
    }
}

/* float32 row: computed in double from the exact float inputs, rounded once. */
static void sc_softmax_row_f32(const float *x, float *out, ptrdiff_t n,
                               double alpha, int take_log, double *work)
{
    ptrdiff_t k;
    for (k = 0; k < n; k++) work[k] = (double)x[k];
    sc_softmax_row_f64(work, work, n, alpha, take_log);
    for (k = 0; k < n; k++) out[k] = (float)work[k];
}

/*
 * Rows of a block at once: the formulas of sc_softmax_row_f64 (same sums in
 * the same order), with the scaled differences and their exp computed in
 * passes over the whole block, which GCC vectorises (a row of ten classes
 * gave the vectoriser too little, and the baseline build's fma is a libm
 * call).  Rows whose maximum is NaN or infinite go to the row function.
 * work: 4 * rows * K doubles (plus K more for float32).  out may be x.
 */
SC_DISPATCH static void sc_softmax_exp_parts(const double *d, double *m, double *s2,
                                             ptrdiff_t n)
{
    ptrdiff_t i;
    SC_IVDEP
    for (i = 0; i < n; i++) m[i] = sc_exp_parts(d[i], &s2[i]);
}

#define SC_SOFTMAX_BLOCK(SUFFIX, T, ROW_CALL)                                 \
SC_DISPATCH static void sc_softmax_block_##SUFFIX(const T *x, T *out,         \
    ptrdiff_t rows, ptrdiff_t K, double alpha, int take_log, double *work)    \
{                                                                             \
    double *d = work, *c = work + rows * K, *m = work + 2 * rows * K;         \
    double *s2 = work + 3 * rows * K, *row = work + 4 * rows * K;             \
    ptrdiff_t i, k;                                                           \
    (void)row;                                                                \
    for (i = 0; i < rows; i++) {                                              \
        const T *xi = x + i * K;                                              \
        double xmax = (double)xi[0];                                          \
        int special = 0;                                                      \
        for (k = 1; k < K; k++) {                                             \
            if (xi[k] != xi[k]) { special = 1; break; }                       \
            if ((double)xi[k] > xmax) xmax = (double)xi[k];                   \
        }                                                                     \
        if (special || xmax != xmax || isinf(xmax)) {                         \
            ROW_CALL;                                                         \
            for (k = 0; k < K; k++) d[i * K + k] = NAN;   /* marks the row */ \
            continue;                                                         \
        }                                                                     \
        for (k = 0; k < K; k++)                                               \
            d[i * K + k] = sc_scaled_difference((double)xi[k], xmax, alpha,   \
                                                &c[i * K + k]);               \
    }                                                                         \
    sc_softmax_exp_parts(d, m, s2, rows * K);                                 \
    for (i = 0; i < rows; i++) {                                              \
        const double *di = d + i * K, *ci = c + i * K, *mi = m + i * K;       \
        const double *si = s2 + i * K;                                        \
        const T *xi = x + i * K;                                              \
        T *oi = out + i * K;                                                  \
        ptrdiff_t kmax = 0;                                                   \
        double rest = 0.0, rest_err = 0.0;                                    \
        if (di[0] != di[0]) continue;             /* done by the row function */\
        for (k = 1; k < K; k++) if (xi[k] > xi[kmax]) kmax = k;               \
        for (k = 0; k < K; k++)                                               \
            if (k != kmax)                                                    \
                sc_add_compensated(&rest, &rest_err,                          \
                                   (mi[k] * si[k]) * (1.0 + ci[k]));          \
        rest += rest_err;                                                     \
        if (take_log) {                                                       \
            double log_total = log1p(rest);                                   \
            for (k = 0; k < K; k++) oi[k] = (T)((di[k] - log_total) + ci[k]); \
        } else {                                                              \
            double inv = 1.0 / (1.0 + rest);                                  \
            for (k = 0; k < K; k++)                                           \
                oi[k] = (T)(((mi[k] * inv) * si[k]) * (1.0 + ci[k]));         \
        }                                                                     \
    }                                                                         \
}

SC_SOFTMAX_BLOCK(f64, double, sc_softmax_row_f64(xi, out + i * K, K, alpha, take_log))
SC_SOFTMAX_BLOCK(f32, float, sc_softmax_row_f32(xi, out + i * K, K, alpha, take_log, row))

#endif /* SIGCORE_MATH_H */
