# cython: boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""scikit-learn's 'liblinear' L2 logistic regression, solved by dual coordinate descent.

With x~_i = [x_i, B] (B > 0 appends a constant feature, the intercept) and
per-sample costs c_i, the problem is

    min_w  1/2 ||w||^2 + sum_i c_i log(1 + exp(-y_i w.x~_i)),

solved through its dual (Yu, Huang & Lin 2011; liblinear's
``solve_l2r_lr_dual``), reading the rows of X.  The weight of the constant
feature is penalised like any other, as in scikit-learn's bundled
liblinear.  The stopping rule, iteration cap and the treatment of zero-cost
samples follow that liblinear (see the docstring); the random permutations
come from our own generator, so iterates differ from scikit-learn's while
the optimum is the same.
"""

from libc.math cimport fabs, log, fmin, fmax
from libc.stdint cimport uint64_t

import numpy as np

from sklearn_sigcore._liblinear_data import lanes, problem_arrays, seed64

from sklearn_sigcore._liblinear_lanes cimport (
    data_t, index_t, sc_prefetch_range, _shuffle, _lane, _lane_dot, _lane_axpy,
    _lane_sqnorm,
)


# The dual is  min_a 1/2 a'Qa + sum_i a_i log a_i + (c_i - a_i) log(c_i - a_i),
# 0 < a_i < c_i, Q_ij = y_i y_j x~_i.x~_j, and w = sum_i y_i a_i x~_i.  Each
# step minimises over one a_i by Newton's method, on a_i or on c_i - a_i,
# whichever the gradient drives towards its bound, so that the variable that
# may approach 0 is the one stored directly (no cancellation in c_i - a_i).
#
# Samples are visited in random order, so the step is bound by the latency of
# fetching a random row and its dual state: both are prefetched a few samples
# ahead, and the state of sample i is one record of SAMPLE_RECORD doubles.

cdef enum:
    DUAL_MAX_INNER = 100   # Newton steps per coordinate
    SAMPLE_RECORD = 4      # a_i, c_i - a_i, y_i c_i, ||x~_i||^2
    PREFETCH_STATE = 8     # samples ahead: record (and CSR row bounds)
    PREFETCH_ROW = 4       # samples ahead: row values (and indices)
cdef double DUAL_ETA = 0.1  # shrink factor when a Newton step leaves (0, c)
# Smallest dual variable, relative to its bound: a_i ~ c_i exp(-margin_i) is
# then representable for margins up to ~640, and log(z / (c - z)) and the
# curvature c / (z (c - z)) stay finite.  With costs above MIN_COST the
# floor is at least the smallest normal double.
cdef double DUAL_ALPHA_FLOOR = 1e-280
cdef double DBL_MIN_NORMAL = 2.2250738585072014e-308


cdef void _dual_cd(
    const data_t *data, const index_t *indices, const index_t *indptr,
    Py_ssize_t n_features, double bias, const double *y, const double *cost,
    Py_ssize_t *order, Py_ssize_t n_active, double *record, double eps,
    int max_iter, uint64_t *rng, double *w, int *n_iter, bint *converged,
) noexcept nogil:
    cdef:
        Py_ssize_t s, i, k, nnz
        const data_t *val
        const index_t *idx
        double *rec
        bint has_bias = bias > 0
        double c, yi, a, b, z, z_old, z_min, gp, gpp, step, gmax, sign, d
        double inner_eps = 1e-2
        double inner_eps_min = fmin(1e-8, eps)
        int it = 0, inner, ind1
        Py_ssize_t newton_steps

    converged[0] = False
    for s in range(n_active):
        i = order[s]
        rec = record + SAMPLE_RECORD * i
        c = cost[i]
        rec[0] = fmin(1e-3 * c, 1e-8)
        rec[1] = c - rec[0]
        rec[2] = y[i] * c
        nnz = _lane(data, indices, indptr, n_features, i, &val, &idx)
        rec[3] = _lane_sqnorm(val, idx, nnz)
        _lane_axpy(val, idx, nnz, y[i] * rec[0], w)
        if has_bias:
            rec[3] += bias * bias
            w[n_features] += y[i] * rec[0] * bias

    while it < max_iter:
        _shuffle(order, n_active, rng)
        newton_steps = 0
        gmax = 0.0
        for s in range(n_active):
            if s + PREFETCH_STATE < n_active:
                k = order[s + PREFETCH_STATE]
                sc_prefetch_range(record + SAMPLE_RECORD * k,
                                  SAMPLE_RECORD * sizeof(double))
                if indptr != NULL:
                    sc_prefetch_range(indptr + k, 2 * sizeof(index_t))
            if s + PREFETCH_ROW < n_active:
                nnz = _lane(data, indices, indptr, n_features, order[s + PREFETCH_ROW],
                            &val, &idx)
                sc_prefetch_range(val, nnz * sizeof(data_t))
                if idx != NULL:
                    sc_prefetch_range(idx, nnz * sizeof(index_t))

            i = order[s]
            rec = record + SAMPLE_RECORD * i
            c = fabs(rec[2])
            yi = 1.0 if rec[2] > 0 else -1.0
            nnz = _lane(data, indices, indptr, n_features, i, &val, &idx)
            b = _lane_dot(val, idx, nnz, w)
            if has_bias:
                b += w[n_features] * bias
            b *= yi
            a = rec[3]

            ind1 = 0
            sign = 1.0
            if 0.5 * a * (rec[1] - rec[0]) + b < 0:
                ind1 = 1
                sign = -1.0

            # Minimise z log z + (c - z) log(c - z) + a/2 (z - z_old)^2
            # + sign b (z - z_old) over z in (0, c).
            z_old = rec[ind1]
            z = z_old
            if c - z < 0.5 * c:
                z = 0.1 * z
            z_min = fmax(DUAL_ALPHA_FLOOR * c, DBL_MIN_NORMAL)
            gp = a * (z - z_old) + sign * b + log(z / (c - z))
            gmax = fmax(gmax, fabs(gp))
            inner = 0
            while inner <= DUAL_MAX_INNER:
                if fabs(gp) < inner_eps:
                    break
                gpp = a + c / (c - z) / z
                step = z - gp / gpp
                if step <= 0:
                    z = fmax(z * DUAL_ETA, z_min)
                else:
                    z = step
                gp = a * (z - z_old) + sign * b + log(z / (c - z))
                newton_steps += 1
                inner += 1

            if inner > 0:
                rec[ind1] = z
                rec[1 - ind1] = c - z
                d = sign * (z - z_old) * yi
                _lane_axpy(val, idx, nnz, d, w)
                if has_bias:
                    w[n_features] += d * bias

        it += 1
        if gmax < eps:
            converged[0] = True
            break
        # The inner problems got easy: ask more of them.
        if newton_steps <= n_active // 10:
            inner_eps = fmax(inner_eps_min, 0.1 * inner_eps)
    n_iter[0] = it


def _dual_fit(const data_t[::1] data, const index_t[::1] indices,
              const index_t[::1] indptr, Py_ssize_t n_features, double bias,
              const double[::1] y, const double[::1] cost, Py_ssize_t[::1] order,
              double eps, int max_iter, uint64_t seed, double[::1] w):
    """Run :func:`_dual_cd` on rows of X (dense C-ordered when indptr is empty)."""
    cdef:
        double[::1] record = np.empty(SAMPLE_RECORD * y.shape[0])
        const index_t *ind_ptr = NULL
        const index_t *ptr_ptr = NULL
        uint64_t rng = seed
        int n_iter = 0
        bint converged = True
    if order.shape[0] == 0 or w.shape[0] == 0:
        return 0, True
    if indptr.shape[0] > 0:
        ind_ptr = &indices[0]
        ptr_ptr = &indptr[0]
    with nogil:
        _dual_cd(&data[0], ind_ptr, ptr_ptr, n_features, bias, &y[0], &cost[0],
                 &order[0], order.shape[0], &record[0], eps, max_iter, &rng, &w[0],
                 &n_iter, &converged)
    return n_iter, converged



def liblinear_l2r_dual(X, y, cost, double bias, double tol, int max_iter, seed):
    """L2-regularised binary logistic regression by dual coordinate descent.

    Minimises ``1/2 ||w||^2 + sum_i cost_i log(1 + exp(-y_i w.x~_i))`` with
    ``x~_i = [x_i, bias]`` when ``bias > 0`` (the weight of the constant
    feature is penalised too), as scikit-learn's
    ``LogisticRegression(solver='liblinear', penalty='l2', dual=True)`` does,
    through the dual problem (liblinear's ``solve_l2r_lr_dual``; Yu, Huang &
    Lin 2011): each step minimises over one dual variable by Newton's method,
    visiting the samples in a new random order every iteration.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        float32 or float64 values (others are converted to float64).  Read
        by rows, in place when C-ordered or CSR with int32 / int64 indices;
        F-ordered, CSC or other layouts are copied once into that form.
        Arithmetic is in float64.
    y : ndarray of shape (n_samples,)
        Labels; values > 0 are the positive class (+1), others -1.
    cost : ndarray of shape (n_samples,)
        ``C * sample_weight_i * class_weight[y_i]``.  Samples with a cost of
        at most 1e-300 are left out, as liblinear drops zero-weight samples.
    bias : float
        Value of the appended constant feature (scikit-learn's
        ``intercept_scaling``); ``bias <= 0`` appends none.
    tol : float
        liblinear's ``eps``: stop after the first iteration in which every
        visited sample's inner problem had a derivative below ``tol`` in
        absolute value at the start of its Newton steps.
    max_iter : int
        Cap on the iterations (passes over the samples).
    seed : int
        Seed of the random permutations.

    Returns
    -------
    w : ndarray of shape (n_features + (bias > 0),)
        The primal weights; the intercept is ``bias * w[-1]`` when
        ``bias > 0``.
    n_iter : int
        Iterations run.
    converged : bool
        Whether the stopping rule was met (False when ``max_iter`` passes
        ran without meeting it; True with ``n_iter == max_iter`` when the
        last pass met it).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_sigcore._liblinear_dual import liblinear_l2r_dual
    >>> X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    >>> y = np.array([-1.0, -1.0, 1.0, 1.0])
    >>> w, n_iter, converged = liblinear_l2r_dual(X, y, np.ones(4), 1.0, 1e-8, 1000, 0)
    >>> w.shape, bool(w[0] > 0), converged
    ((2,), True, True)
    """
    y, cost = problem_arrays(X, y, cost)
    data, indices, indptr, n_features = lanes(X, by_rows=True)
    w = np.zeros(n_features + (bias > 0))
    order = np.flatnonzero(cost > 0).astype(np.intp)
    n_iter, converged = _dual_fit(data, indices, indptr, n_features, bias, y, cost,
                                  order, tol, max_iter, seed64(seed), w)
    return w, n_iter, bool(converged)

