/*
 * NumPy ufuncs of (x, alpha) over the array loops of _sigcore_math.h.
 *
 * Each ufunc has two legacy inner loops, (float32, float64) -> float32 and
 * (float64, float64) -> float64: alpha is always carried in double, so a
 * float32 x keeps the accuracy of the double alpha (float32 sigmoid
 * compensates alpha = alpha_hi + alpha_lo).  A type resolver picks the loop
 * from the dtype of x alone: float32 stays float32, any other real input
 * (bool, ints, float16, longdouble, Python floats and ints) is computed in
 * float64.
 * Complex, object and other non-numeric inputs get a TypeError naming the
 * argument.
 *
 * The inner loop splits its work into runs of equal alpha (one run when alpha
 * is a scalar: stride 0), validates every alpha of this inner-loop call first
 * (a ValueError raised with the GIL taken, before this call writes anything;
 * a buffered ufunc call makes several inner-loop calls, so a bad alpha in a
 * later buffer leaves the earlier ones written), and
 * hands each run to the contiguous array routines: directly when x and out
 * are contiguous, else through small stack buffers, so that strided and
 * contiguous inputs give the same bits.  Above SC_UFUNC_GRAIN elements per
 * thread a run is split over OpenMP threads (omp_get_max_threads, which
 * follows OMP_NUM_THREADS and threadpoolctl).
 */
#ifndef SIGCORE_UFUNCS_H
#define SIGCORE_UFUNCS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <fenv.h>
#include <float.h>
#include <numpy/arrayobject.h>
#include <numpy/ufuncobject.h>

/* This module uses only the element-wise array loops of the header. */
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#endif
#include "_sigcore_math.h"
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
#include "_sigcore_omp.h"

/* Below this many elements per thread, threads cost more than they save. */
#define SC_UFUNC_GRAIN 32768
/* Elements per stack buffer for strided input or output. */
#define SC_UFUNC_BUFFER 256

typedef void (*sc_array_f64_fn)(const double *, double *, ptrdiff_t, double);
typedef void (*sc_array_f32_fn)(const float *, float *, ptrdiff_t, double);

typedef struct {
    const char *name;
    const char *x_name;          /* "x", or "p" for logit */
    sc_array_f64_fn f64;
    sc_array_f32_fn f32;
} sc_ufunc_kernel;

enum { SC_UFUNC_SIGMOID = 0, SC_UFUNC_SIGMOID_DERIVATIVE = 1, SC_UFUNC_LOG_SIGMOID = 2,
       SC_UFUNC_LOGIT = 3, SC_UFUNC_COUNT = 4 };

static const sc_ufunc_kernel sc_ufunc_kernels[SC_UFUNC_COUNT] = {
    {"sigmoid", "x", sc_sigmoid_array_f64, sc_sigmoid_array_f32},
    {"sigmoid_derivative", "x", sc_sigmoid_derivative_array_f64,
     sc_sigmoid_derivative_array_f32},
    {"log_sigmoid", "x", sc_log_sigmoid_array_f64, sc_log_sigmoid_array_f32},
    {"logit", "p", sc_logit_array_f64, sc_logit_array_f32},
};

static int sc_ufunc_threads(npy_intp n)
{
    npy_intp useful = n / SC_UFUNC_GRAIN;
    int most;
    if (useful < 2) return 1;
    most = omp_get_max_threads();
    return useful < most ? (int)useful : most;
}

/* The ValueError for a bad alpha; the loop runs without the GIL. */
static void sc_ufunc_bad_alpha(const sc_ufunc_kernel *kernel, double alpha)
{
    PyGILState_STATE state = PyGILState_Ensure();
    if (!PyErr_Occurred()) {
        PyObject *value = PyFloat_FromDouble(alpha);
        if (value != NULL) {
            PyErr_Format(PyExc_ValueError, "%s: alpha must be a finite number > 0, got %R.",
                         kernel->name, value);
            Py_DECREF(value);
        }
    }
    PyGILState_Release(state);
}

/*
 * n elements with a single alpha, x and out of type T with the given byte
 * strides: contiguous blocks go straight to the array routine, others
 * through stack buffers (the routine needs contiguous memory).
 */
#define SC_UFUNC_BLOCK(SUFFIX, T)                                                      \
static void sc_ufunc_block_##SUFFIX(void (*fn)(const T *, T *, ptrdiff_t, double),     \
                                    const char *x, npy_intp sx, char *out,             \
                                    npy_intp so, npy_intp n, double alpha)             \
{                                                                                      \
    T in_buf[SC_UFUNC_BUFFER], out_buf[SC_UFUNC_BUFFER];                               \
    npy_intp start, i, m;                                                              \
    if (sx == (npy_intp)sizeof(T) && so == (npy_intp)sizeof(T)) {                      \
        fn((const T *)x, (T *)out, n, alpha);                                          \
        return;                                                                        \
    }                                                                                  \
    for (start = 0; start < n; start += SC_UFUNC_BUFFER) {                             \
        m = n - start < SC_UFUNC_BUFFER ? n - start : SC_UFUNC_BUFFER;                 \
        for (i = 0; i < m; i++) in_buf[i] = *(const T *)(x + (start + i) * sx);        \
        fn(in_buf, out_buf, m, alpha);                                                 \
        for (i = 0; i < m; i++) *(T *)(out + (start + i) * so) = out_buf[i];           \
    }                                                                                  \
}

SC_UFUNC_BLOCK(f64, double)
SC_UFUNC_BLOCK(f32, float)

static void sc_ufunc_block(const sc_ufunc_kernel *kernel, int is_f32, const char *x,
                           npy_intp sx, char *out, npy_intp so, npy_intp n, double alpha)
{
    if (is_f32) sc_ufunc_block_f32(kernel->f32, x, sx, out, so, n, alpha);
    else sc_ufunc_block_f64(kernel->f64, x, sx, out, so, n, alpha);
}

/* One run of equal alpha: one static block per thread. */
static void sc_ufunc_run(const sc_ufunc_kernel *kernel, int is_f32, const char *x,
                         npy_intp sx, char *out, npy_intp so, npy_intp n, double alpha)
{
    int nt = sc_ufunc_threads(n);   /* 1 without OpenMP */
    if (nt == 1) {
        sc_ufunc_block(kernel, is_f32, x, sx, out, so, n, alpha);
        return;
    }
#ifdef _OPENMP
#pragma omp parallel num_threads(nt)
    {
        int t = omp_get_thread_num();
        npy_intp first = n * t / nt, stop = n * (t + 1) / nt;
        sc_ufunc_block(kernel, is_f32, x + first * sx, sx, out + first * so, so,
                       stop - first, alpha);
    }
#endif
}

static int sc_ufunc_alpha_ok(double alpha) { return alpha > 0.0 && alpha <= DBL_MAX; }

/*
 * The inner loop: args = (x, alpha, out).  The branch-free formulas evaluate
 * both sides of each select and raise overflow / underflow flags for results
 * they then discard (sigmoid of +-1e308, for one); numpy reports the flags a
 * loop leaves behind as warnings, so the loop clears those it raised.  The
 * alphas of a call are checked before it writes anything.  A ValueError set here (with
 * the GIL) reaches the caller on numpy 1.26 and 2.x on every path: numpy
 * checks PyErr_Occurred after a single-call loop and when it frees the
 * iterator of a buffered or broadcast one (tests/test_ufuncs.py).
 */
#define SC_UFUNC_LOOP(SUFFIX, IS_F32)                                                  \
static void sc_ufunc_loop_##SUFFIX(char **args, npy_intp const *dimensions,            \
                                   npy_intp const *steps, void *data)                  \
{                                                                                      \
    const sc_ufunc_kernel *kernel = (const sc_ufunc_kernel *)data;                     \
    npy_intp n = dimensions[0], sx = steps[0], sa = steps[1], so = steps[2], i, j;     \
    const char *x = args[0], *a = args[1];                                             \
    char *out = args[2];                                                               \
    int flags_before;                                                                  \
    double alpha;                                                                      \
    if (n <= 0) return;                                                                \
    for (i = 0; i < (sa == 0 ? 1 : n); i++) {                                          \
        alpha = *(const double *)(a + i * sa);                                         \
        if (!sc_ufunc_alpha_ok(alpha)) {                                               \
            sc_ufunc_bad_alpha(kernel, alpha);                                         \
            return;                                                                    \
        }                                                                              \
    }                                                                                  \
    flags_before = fetestexcept(FE_ALL_EXCEPT);                                        \
    for (i = 0; i < n; i = j) {                                                        \
        alpha = *(const double *)(a + i * sa);                                         \
        j = sa == 0 ? n : i + 1;                                                       \
        while (j < n && *(const double *)(a + j * sa) == alpha) j++;                   \
        sc_ufunc_run(kernel, IS_F32, x + i * sx, sx, out + i * so, so, j - i, alpha);  \
    }                                                                                  \
    if (fetestexcept(FE_ALL_EXCEPT) & ~flags_before)                                   \
        feclearexcept(FE_ALL_EXCEPT & ~flags_before);                                  \
}

SC_UFUNC_LOOP(f64, 0)
SC_UFUNC_LOOP(f32, 1)

/* ---- type resolution ------------------------------------------------------- */

static int sc_ufunc_check_real(PyUFuncObject *ufunc, PyArrayObject *operand,
                               const char *arg_name)
{
    PyArray_Descr *descr = PyArray_DESCR(operand);
    if (descr->kind == 'c') {
        PyErr_Format(PyExc_TypeError, "%s: %s must be real; got a complex array (%S).",
                     ufunc->name, arg_name, (PyObject *)descr);
        return -1;
    }
    if (descr->kind != 'b' && descr->kind != 'i' && descr->kind != 'u'
            && descr->kind != 'f') {
        PyErr_Format(PyExc_TypeError, "%s: %s must be a real numeric array; got dtype %S.",
                     ufunc->name, arg_name, (PyObject *)descr);
        return -1;
    }
    return 0;
}

/* The type number a signature / dtype= entry asks for, NPY_NOTYPE for None. */
static int sc_ufunc_requested_type(PyObject *type_tup, Py_ssize_t index)
{
    PyObject *item;
    if (type_tup == NULL || !PyTuple_Check(type_tup) || PyTuple_GET_SIZE(type_tup) <= index)
        return NPY_NOTYPE;
    item = PyTuple_GET_ITEM(type_tup, index);
    if (item == Py_None) return NPY_NOTYPE;
    if (PyArray_DescrCheck(item)) return ((PyArray_Descr *)item)->type_num;
    return NPY_NOTYPE - 1;       /* a form this resolver does not read */
}

/*
 * float32 x: (float32, float64) -> float32; every other real x: float64.
 * dtype= (or signature=) may ask for either loop; alpha is always float64.
 */
static int sc_ufunc_type_resolver(PyUFuncObject *ufunc, NPY_CASTING casting,
                                  PyArrayObject **operands, PyObject *type_tup,
                                  PyArray_Descr **out_dtypes)
{
    const sc_ufunc_kernel *kernel = (const sc_ufunc_kernel *)ufunc->data[0];
    int compute, want_x, want_alpha, want_out, i;
    if (sc_ufunc_check_real(ufunc, operands[0], kernel->x_name) < 0
            || sc_ufunc_check_real(ufunc, operands[1], "alpha") < 0)
        return -1;
    compute = PyArray_DESCR(operands[0])->type_num == NPY_FLOAT ? NPY_FLOAT : NPY_DOUBLE;
    if (type_tup != NULL && !PyTuple_Check(type_tup)) {
        PyErr_Format(PyExc_TypeError, "%s: unsupported signature %R; use dtype= with "
                     "float32 or float64.", ufunc->name, type_tup);
        return -1;
    }
    want_x = sc_ufunc_requested_type(type_tup, 0);
    want_alpha = sc_ufunc_requested_type(type_tup, 1);
    want_out = sc_ufunc_requested_type(type_tup, 2);
    if (want_out != NPY_NOTYPE) compute = want_out;
    else if (want_x != NPY_NOTYPE) compute = want_x;
    if ((compute != NPY_FLOAT && compute != NPY_DOUBLE)
            || (want_x != NPY_NOTYPE && want_x != compute)
            || (want_alpha != NPY_NOTYPE && want_alpha != NPY_DOUBLE)) {
        PyErr_Format(PyExc_TypeError, "%s: no loop for signature %R; the loops are "
                     "(float32, float64) -> float32 and (float64, float64) -> float64.",
                     ufunc->name, type_tup);
        return -1;
    }
    out_dtypes[0] = PyArray_DescrFromType(compute);
    out_dtypes[1] = PyArray_DescrFromType(NPY_DOUBLE);
    out_dtypes[2] = PyArray_DescrFromType(compute);
    if (PyUFunc_ValidateCasting(ufunc, casting, operands, out_dtypes) < 0) {
        for (i = 0; i < 3; i++) {
            Py_DECREF(out_dtypes[i]);
            out_dtypes[i] = NULL;
        }
        return -1;
    }
    return 0;
}

/* ---- creation ---------------------------------------------------------------- */

static PyUFuncGenericFunction sc_ufunc_functions[2] = {
    (PyUFuncGenericFunction)sc_ufunc_loop_f32, (PyUFuncGenericFunction)sc_ufunc_loop_f64
};
static char sc_ufunc_types[6] = {NPY_FLOAT, NPY_DOUBLE, NPY_FLOAT,
                                 NPY_DOUBLE, NPY_DOUBLE, NPY_DOUBLE};
static void *sc_ufunc_data[SC_UFUNC_COUNT][2];

static int sc_ufunc_import_numpy(void)
{
    if (_import_array() < 0) return -1;
    if (_import_umath() < 0) return -1;
    return 0;
}

/*
 * A new ufunc for kernel `kind` with docstring `doc`, which must outlive it
 * (numpy keeps the pointer).
 */
static PyObject *sc_ufunc_create(int kind, const char *doc)
{
    PyObject *ufunc;
    if (kind < 0 || kind >= SC_UFUNC_COUNT) {
        PyErr_Format(PyExc_ValueError, "no ufunc kernel %d", kind);
        return NULL;
    }
    sc_ufunc_data[kind][0] = sc_ufunc_data[kind][1] = (void *)&sc_ufunc_kernels[kind];
    ufunc = PyUFunc_FromFuncAndData(sc_ufunc_functions, sc_ufunc_data[kind], sc_ufunc_types,
                                    2, 2, 1, PyUFunc_None, sc_ufunc_kernels[kind].name,
                                    doc, 0);
    if (ufunc != NULL) ((PyUFuncObject *)ufunc)->type_resolver = &sc_ufunc_type_resolver;
    return ufunc;
}

#endif /* SIGCORE_UFUNCS_H */
