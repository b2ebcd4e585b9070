# Column statistics of dense X in one pass, before a fit reads it again.
#
# A fit needs X's column sums of squares (the column scale, and the finiteness
# check that rides on them) and, for its first loss evaluation at zero
# coefficients, X^T R with R the residuals at zero, which depend on the label
# and the weight of a row only: both come from the per-class weighted row sums
# taken in the same pass (see LogisticProblem.know_zero_point).  On data that
# does not fit in cache this saves one of the few passes over X a fit makes
# (100000 x 1000 dense binary: 8 -> 7).

from cython.parallel cimport prange

import numpy as np

from sklearn_sigcore._kernels import openmp_effective_n_threads

ctypedef fused floating_t:
    float
    double

# elements of X per thread below which a second thread costs more than it saves
MIN_ELEMENTS_PER_THREAD = 1 << 18


cdef void _row_sums(const floating_t *X, Py_ssize_t start, Py_ssize_t stop, Py_ssize_t p,
                    const Py_ssize_t *cls, const double *w, double *sq,
                    double *cs) noexcept nogil:
    """Rows start..stop of C-ordered X: sq[j] += x_ij², cs[cls_i, j] += w_i x_ij
    (cs NULL: squares only). Two rows at a time: half the accumulator traffic."""
    cdef Py_ssize_t i, j
    cdef const floating_t *r0
    cdef const floating_t *r1
    cdef double *c0
    cdef double *c1
    cdef double a, b, w0, w1
    for i in range(start, stop - 1, 2):
        r0 = X + i * p
        r1 = r0 + p
        if cs == NULL:
            for j in range(p):
                a = r0[j]
                b = r1[j]
                sq[j] += a * a + b * b
            continue
        w0 = 1.0 if w == NULL else w[i]
        w1 = 1.0 if w == NULL else w[i + 1]
        c0 = cs + cls[i] * p
        c1 = cs + cls[i + 1] * p
        if c0 == c1:
            for j in range(p):
                a = r0[j]
                b = r1[j]
                sq[j] += a * a + b * b
                c0[j] += w0 * a + w1 * b
        else:
            for j in range(p):
                a = r0[j]
                b = r1[j]
                sq[j] += a * a + b * b
                c0[j] += w0 * a
                c1[j] += w1 * b
    if (stop - start) % 2:
        r0 = X + (stop - 1) * p
        for j in range(p):
            a = r0[j]
            sq[j] += a * a
        if cs != NULL:
            c0 = cs + cls[stop - 1] * p
            w0 = 1.0 if w == NULL else w[stop - 1]
            for j in range(p):
                c0[j] += w0 * r0[j]


cdef double _column_square_sum(const floating_t *col, Py_ssize_t n) noexcept nogil:
    """Σ x_i² of one column of F-ordered X."""
    cdef Py_ssize_t i
    cdef double v, s0 = 0.0, s1 = 0.0
    for i in range(0, n - 1, 2):   # two partial sums: the additions overlap
        v = col[i]
        s0 += v * v
        v = col[i + 1]
        s1 += v * v
    if n % 2:
        v = col[n - 1]
        s0 += v * v
    return s0 + s1


def dense_column_sums(const floating_t[:, :] X, classes=None, weights=None,
                      Py_ssize_t n_classes=0, n_threads=None):
    """Column sums of squares of dense X and, with ``classes`` and X in C
    order, its per-class weighted row sums, in one pass over X (float64 sums).

    Parameters
    ----------
    X : ndarray of shape (n, p), C- or F-contiguous, float32 or float64
    classes : ndarray of shape (n,) of class indices in [0, n_classes), or None
    weights : ndarray of shape (n,) or None
        Row weights (None: ones); used with ``classes`` only.
    n_classes : int
    n_threads : int or None

    Returns
    -------
    square_sums : ndarray of shape (p,)
        Σ_i x_ij² (non-finite where the column holds a non-finite value, inf
        also where the sum overflows).
    class_sums : ndarray of shape (n_classes, p) or None
        Σ_{i: classes_i = k} w_i x_ij; None without ``classes``, for X in
        F order (a column's scattered class sums cost more than a second
        pass over X: 2.7x the squares alone on one thread), and for more
        than n / 8 classes (the sums would grow to a sizeable copy of X).
    """
    cdef Py_ssize_t n = X.shape[0], p = X.shape[1], item = sizeof(floating_t), j
    cdef Py_ssize_t start, stop
    cdef bint c_order = ((p <= 1 or X.strides[1] == item)
                         and (n <= 1 or X.strides[0] == p * item))
    cdef bint f_order = ((n <= 1 or X.strides[0] == item)
                         and (p <= 1 or X.strides[1] == n * item))
    if not (c_order or f_order):
        raise ValueError("X must be C- or F-contiguous")
    # the per-thread class sums stay below an eighth of X's size
    cdef bint with_classes = classes is not None and c_order and 8 * n_classes <= n
    cdef Py_ssize_t K = n_classes if with_classes else 0
    if n == 0 or p == 0:
        return np.zeros(p), (np.zeros((K, p)) if with_classes else None)
    cdef const Py_ssize_t[::1] cls_view
    cdef const double[::1] w_view
    cdef const Py_ssize_t *cls = NULL
    cdef const double *w = NULL
    if with_classes:
        cls_view = np.ascontiguousarray(classes, dtype=np.intp)
        if cls_view.shape[0] != n or not 0 <= np.min(cls_view) <= np.max(cls_view) < K:
            raise ValueError("classes must hold n_samples indices in [0, n_classes)")
        cls = &cls_view[0]
        if weights is not None:
            w_view = np.ascontiguousarray(weights, dtype=np.float64)
            if w_view.shape[0] != n:
                raise ValueError("weights must hold n_samples values")
            w = &w_view[0]
    cdef int t, nt = openmp_effective_n_threads(n_threads)
    nt = <int> max(1, min(nt, n * p // MIN_ELEMENTS_PER_THREAD))
    cdef const floating_t *base = &X[0, 0]
    cdef double[:, ::1] sq_t
    cdef double[:, :, ::1] cs_t
    cdef double[::1] sq
    if f_order and not c_order:
        sq = np.empty(p)
        with nogil:
            for j in prange(p, num_threads=nt, schedule="static"):
                sq[j] = _column_square_sum(base + j * n, n)
        return np.asarray(sq), None
    # rows split between threads, each with its own sums
    sq_t = np.zeros((nt, p))
    cs_t = np.zeros((nt, max(K, 1), p))
    with nogil:
        for t in prange(nt, num_threads=nt, schedule="static"):
            start = n * t // nt
            stop = n * (t + 1) // nt
            _row_sums(base, start, stop, p, cls, w, &sq_t[t, 0],
                      &cs_t[t, 0, 0] if with_classes else NULL)
    return (np.asarray(sq_t).sum(axis=0),
            np.asarray(cs_t).sum(axis=0) if with_classes else None)
