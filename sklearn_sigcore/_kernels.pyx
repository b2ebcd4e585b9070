# Array loops over the sigmoid-core functions of _sigcore_math.h.
#
# Every loop splits its contiguous input into one static block per thread and
# hands each block to a C loop that GCC vectorises (with AVX2 / AVX-512 clones
# picked at load time).  Inputs are validated by the Python layer
# (sklearn_sigcore.kernels, the estimators); these functions trust them.

from cython.parallel cimport prange, threadid

import numpy as np

cdef extern from "_sigcore_omp.h" nogil:
    int omp_get_max_threads() noexcept
    int SC_HAVE_OPENMP

cdef extern from "_sigcore_math.h" nogil:
    void sc_sigmoid_array_f64(const double *x, double *out, Py_ssize_t n, double alpha) noexcept
    void sc_sigmoid_array_f32(const float *x, float *out, Py_ssize_t n, double alpha) noexcept
    int sc_sigmoid_f32_route(double alpha) noexcept
    int SC_F32_IN_DOUBLE, SC_F32_LANES, SC_F32_LANES_EXACT
    void sc_log_sigmoid_array_f64(const double *x, double *out, Py_ssize_t n, double alpha) noexcept
    void sc_log_sigmoid_array_f32(const float *x, float *out, Py_ssize_t n, double alpha) noexcept
    void sc_sigmoid_derivative_array_f64(const double *x, double *out, Py_ssize_t n, double alpha) noexcept
    void sc_sigmoid_derivative_array_f32(const float *x, float *out, Py_ssize_t n, double alpha) noexcept
    void sc_logit_array_f64(const double *x, double *out, Py_ssize_t n, double alpha) noexcept
    void sc_logit_array_f32(const float *x, float *out, Py_ssize_t n, double alpha) noexcept
    void sc_binary_loss_f64(const double *z, const double *y, const double *w, double alpha,
                            double *loss, double *grad, double *hess, Py_ssize_t n) noexcept
    void sc_binary_loss_f32(const float *z, const float *y, const float *w, double alpha,
                            float *loss, float *grad, float *hess, Py_ssize_t n) noexcept
    void sc_multinomial_loss_f64(const double *z, const double *y, const double *w, double alpha,
                                 double *loss, double *grad, Py_ssize_t n, Py_ssize_t K) noexcept
    void sc_multinomial_loss_f32(const float *z, const float *y, const float *w, double alpha,
                                 float *loss, float *grad, Py_ssize_t n, Py_ssize_t K) noexcept
    double sc_sum_f64(const double *x, Py_ssize_t n) noexcept
    double sc_sum_f32(const float *x, Py_ssize_t n) noexcept
    void sc_softmax_row_f64(const double *x, double *out, Py_ssize_t n, double alpha,
                            int take_log) noexcept
    void sc_softmax_row_f32(const float *x, float *out, Py_ssize_t n, double alpha,
                            int take_log, double *work) noexcept
    void sc_softmax_block_f64(const double *x, double *out, Py_ssize_t rows, Py_ssize_t K,
                              double alpha, int take_log, double *work) noexcept
    void sc_softmax_block_f32(const float *x, float *out, Py_ssize_t rows, Py_ssize_t K,
                              double alpha, int take_log, double *work) noexcept

cdef enum:
    # Below this many elements per thread, threads cost more than they save.
    MIN_ELEMENTS_PER_THREAD = 32768
    # Entries of a block of softmax rows (its scratch, 4 doubles each, stays in L2).
    SOFTMAX_BLOCK_ELEMENTS = 4096

cpdef enum UnaryKind:
    SIGMOID = 0
    SIGMOID_DERIVATIVE = 1
    LOG_SIGMOID = 2
    LOGIT = 3

HAVE_OPENMP = bool(SC_HAVE_OPENMP)


cdef int effective_n_threads(object n_threads) except -1:
    """Threads to use: all the process may use for None, else `n_threads`.

    ``omp_get_max_threads`` follows OMP_NUM_THREADS and threadpoolctl limits.
    """
    if not SC_HAVE_OPENMP:
        return 1
    if n_threads is None:
        return max(omp_get_max_threads(), 1)
    return n_threads


def float32_sigmoid_route(double alpha):
    """How float32 sigmoid(x, alpha) is computed here: 'double', 'lanes' or 'lanes_exact'."""
    return {SC_F32_IN_DOUBLE: "double", SC_F32_LANES: "lanes",
            SC_F32_LANES_EXACT: "lanes_exact"}[sc_sigmoid_f32_route(alpha)]


def openmp_effective_n_threads(n_threads=None):
    """Python access to :func:`effective_n_threads` (n_threads already checked)."""
    return effective_n_threads(n_threads)


cdef inline int _threads_for(Py_ssize_t n, int n_threads, Py_ssize_t grain) noexcept nogil:
    cdef Py_ssize_t useful = n // grain
    if useful < 1:
        return 1
    if useful < n_threads:
        return <int>useful
    return n_threads


cdef void _unary_block(UnaryKind kind, const floating_t *x, floating_t *out, Py_ssize_t n,
                       double alpha) noexcept nogil:
    if floating_t is double:
        if kind == SIGMOID:
            sc_sigmoid_array_f64(x, out, n, alpha)
        elif kind == SIGMOID_DERIVATIVE:
            sc_sigmoid_derivative_array_f64(x, out, n, alpha)
        elif kind == LOG_SIGMOID:
            sc_log_sigmoid_array_f64(x, out, n, alpha)
        else:
            sc_logit_array_f64(x, out, n, alpha)
    else:
        if kind == SIGMOID:
            sc_sigmoid_array_f32(x, out, n, alpha)
        elif kind == SIGMOID_DERIVATIVE:
            sc_sigmoid_derivative_array_f32(x, out, n, alpha)
        elif kind == LOG_SIGMOID:
            sc_log_sigmoid_array_f32(x, out, n, alpha)
        else:
            sc_logit_array_f32(x, out, n, alpha)


def unary(UnaryKind kind, const floating_t[::1] x, floating_t[::1] out, double alpha,
          int n_threads):
    """out[i] = f(alpha * x[i]) for the function `kind`; out may be x."""
    cdef Py_ssize_t n = x.shape[0], start, stop
    cdef int t, nt = _threads_for(n, n_threads, MIN_ELEMENTS_PER_THREAD)
    if n == 0:
        return
    with nogil:
        if nt == 1:
            _unary_block(kind, &x[0], &out[0], n, alpha)
        else:
            for t in prange(nt, num_threads=nt, schedule="static"):
                start = n * t // nt
                stop = n * (t + 1) // nt
                _unary_block(kind, &x[start], &out[start], stop - start, alpha)


def softmax_rows(const floating_t[:, ::1] x, floating_t[:, ::1] out, double alpha,
                 bint take_log, int n_threads):
    """Softmax (or log-softmax) of alpha * x along each row; out may be x.

    Threads take blocks of about SOFTMAX_BLOCK_ELEMENTS entries (whole rows),
    each with its own scratch (see sc_softmax_block_f64); rows longer than a
    block go to the row function one by one (scratch: one float32 row).
    """
    cdef Py_ssize_t n_rows = x.shape[0], n_cols = x.shape[1], b, i, start, nb
    cdef Py_ssize_t block_rows = min(n_rows, SOFTMAX_BLOCK_ELEMENTS // max(n_cols, 1))
    cdef Py_ssize_t n_blocks
    cdef int nt = _threads_for(n_rows * n_cols, n_threads, MIN_ELEMENTS_PER_THREAD)
    cdef double[:, ::1] work
    if n_rows == 0 or n_cols == 0:
        return
    if block_rows == 0:     # long rows
        work = np.empty((nt, n_cols if floating_t is float else 1))
        with nogil:
            for i in prange(n_rows, num_threads=nt, schedule="static"):
                if floating_t is double:
                    sc_softmax_row_f64(&x[i, 0], &out[i, 0], n_cols, alpha, take_log)
                else:
                    sc_softmax_row_f32(&x[i, 0], &out[i, 0], n_cols, alpha, take_log,
                                       &work[threadid(), 0])
        return
    n_blocks = (n_rows + block_rows - 1) // block_rows
    nt = min(nt, n_blocks)
    work = np.empty((nt, 4 * block_rows * n_cols + n_cols))
    with nogil:
        for b in prange(n_blocks, num_threads=nt, schedule="static"):
            start = b * block_rows
            nb = min(block_rows, n_rows - start)
            if floating_t is double:
                sc_softmax_block_f64(&x[start, 0], &out[start, 0], nb, n_cols, alpha,
                                     take_log, &work[threadid(), 0])
            else:
                sc_softmax_block_f32(&x[start, 0], &out[start, 0], nb, n_cols, alpha,
                                     take_log, &work[threadid(), 0])


cdef double binary_loss_gradient_ptr(
    const floating_t *z, const floating_t *y, const floating_t *w, double alpha,
    floating_t *loss, floating_t *grad, floating_t *hess, Py_ssize_t n,
    int n_threads,
) noexcept nogil:
    """Fused binary log-loss, gradient (and Hessian) over n samples; the total loss.

    hess may be NULL; w may be NULL (unit weights).
    """
    cdef int t, nt = _threads_for(n, n_threads, MIN_ELEMENTS_PER_THREAD // 4)
    cdef Py_ssize_t start, stop
    cdef double total = 0.0
    for t in prange(nt, num_threads=nt, schedule="static"):
        start = n * t // nt
        stop = n * (t + 1) // nt
        total += _binary_block(z + start, y + start, NULL if w == NULL else w + start,
                               alpha, loss + start, grad + start,
                               NULL if hess == NULL else hess + start, stop - start)
    return total


cdef inline double _binary_block(
    const floating_t *z, const floating_t *y, const floating_t *w, double alpha,
    floating_t *loss, floating_t *grad, floating_t *hess, Py_ssize_t n,
) noexcept nogil:
    if floating_t is double:
        sc_binary_loss_f64(z, y, w, alpha, loss, grad, hess, n)
        return sc_sum_f64(loss, n)
    else:
        sc_binary_loss_f32(z, y, w, alpha, loss, grad, hess, n)
        return sc_sum_f32(loss, n)


cdef double multinomial_loss_gradient_ptr(
    const floating_t *z, const floating_t *y, const floating_t *w, double alpha,
    floating_t *loss, floating_t *grad, Py_ssize_t n, Py_ssize_t n_classes,
    int n_threads,
) noexcept nogil:
    """Fused multinomial log-loss and gradient over n rows of n_classes scores."""
    cdef int t, nt = _threads_for(n * n_classes, n_threads, MIN_ELEMENTS_PER_THREAD // 4)
    cdef Py_ssize_t start, stop, K = n_classes
    cdef double total = 0.0
    for t in prange(nt, num_threads=nt, schedule="static"):
        start = n * t // nt
        stop = n * (t + 1) // nt
        total += _multinomial_block(z + start * K, y + start,
                                    NULL if w == NULL else w + start, alpha,
                                    loss + start, grad + start * K, stop - start, K)
    return total


cdef inline double _multinomial_block(
    const floating_t *z, const floating_t *y, const floating_t *w, double alpha,
    floating_t *loss, floating_t *grad, Py_ssize_t n, Py_ssize_t K,
) noexcept nogil:
    if floating_t is double:
        sc_multinomial_loss_f64(z, y, w, alpha, loss, grad, n, K)
        return sc_sum_f64(loss, n)
    else:
        sc_multinomial_loss_f32(z, y, w, alpha, loss, grad, n, K)
        return sc_sum_f32(loss, n)


def binary_loss_gradient(const floating_t[::1] z, const floating_t[::1] y,
                         const floating_t[::1] sample_weight, double alpha,
                         floating_t[::1] loss_out, floating_t[::1] grad_out,
                         floating_t[::1] hess_out, int n_threads):
    """Per-sample binary log-loss of alpha * z, its z-gradient (and Hessian).

    Writes loss_out, grad_out and hess_out (which may be None); sample_weight
    may be None.  Returns the total (weighted) loss.
    """
    cdef Py_ssize_t n = z.shape[0]
    if n == 0:
        return 0.0
    cdef const floating_t *w = NULL if sample_weight is None else &sample_weight[0]
    cdef floating_t *h = NULL if hess_out is None else &hess_out[0]
    cdef double total
    with nogil:
        total = binary_loss_gradient_ptr(&z[0], &y[0], w, alpha, &loss_out[0],
                                         &grad_out[0], h, n, n_threads)
    return total


def multinomial_loss_gradient(const floating_t[:, ::1] z, const floating_t[::1] y,
                              const floating_t[::1] sample_weight, double alpha,
                              floating_t[::1] loss_out, floating_t[:, ::1] grad_out,
                              int n_threads):
    """Per-sample multinomial log-loss of alpha * z and its z-gradient.

    y holds class indices 0..K-1 as floats.  Returns the total (weighted) loss.
    """
    cdef Py_ssize_t n = z.shape[0], K = z.shape[1]
    if n == 0:
        return 0.0
    cdef const floating_t *w = NULL if sample_weight is None else &sample_weight[0]
    cdef double total
    with nogil:
        total = multinomial_loss_gradient_ptr(&z[0, 0], &y[0], w, alpha, &loss_out[0],
                                              &grad_out[0, 0], n, K, n_threads)
    return total
