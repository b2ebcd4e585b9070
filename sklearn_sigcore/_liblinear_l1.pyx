# cython: boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""scikit-learn's 'liblinear' L1 logistic regression, solved by newGLMNET.

With x~_i = [x_i, B] (B > 0 appends a constant feature, the intercept) and
per-sample costs c_i, the problem is

    min_w  ||w||_1 + sum_i c_i log(1 + exp(-y_i w.x~_i)),

solved by newGLMNET (Yuan, Ho & Lin 2012; liblinear's ``solve_l1r_lr``),
reading the columns of X for the coordinate descent and, when X comes by
rows (CSR, C order), the rows for each iteration's gradient (on OpenMP
threads for large X).  The weight of the constant feature is penalised like
any other, as in scikit-learn's bundled liblinear, or left out of the norm
(``free_bias``: this package's own objective).  Stopping rules, iteration
caps and the treatment of zero-cost samples follow that liblinear (see the
docstring); the random permutations come from our own generator, so iterates
differ from scikit-learn's while the optimum is the same.
"""

from libc.math cimport fabs, fmin, fmax, INFINITY
from libc.stdint cimport uint64_t

from cpython.ref cimport PyObject
from cython.parallel cimport parallel, prange

import numpy as np

from sklearn_sigcore._kernels import openmp_effective_n_threads
from sklearn_sigcore._liblinear_data import lanes, problem_arrays, rows_in_place, seed64

from sklearn_sigcore._liblinear_lanes cimport (
    data_t, index_t, ll_row_grad_hess_f32, ll_row_grad_hess_f64, ll_sum,
    ll_dot_f64, ll_step_dot3_f32, ll_step_dot3_f64, ll_loss, ll_loss_change,
    ll_loss_derivatives, _shuffle, _lane, _lane_dot3, _lane_axpy, _lane_grad_hess,
)


cdef extern from "_ll_exchange.h":
    enum: LL_LINE
    ctypedef struct ll_exchange:
        pass
    int ll_exchange_available() noexcept nogil
    int ll_thread_num() noexcept nogil
    int ll_num_threads() noexcept nogil
    void ll_exchange_reset(ll_exchange *x) noexcept nogil
    double ll_exchange_sum(ll_exchange *x, int me, long step, double mine,
                           long *slow) noexcept nogil


# newGLMNET: outer iterations build the quadratic model of the loss at w
# (gradient and Hessian diagonal per feature, the Hessian X'DX used through
# X d); coordinate descent with shrinking minimises model + ||.||_1 over the
# direction; a backtracking line search on the true objective takes the step.

cdef enum:
    L1_MAX_CD = 1000         # coordinate-descent cycles per outer iteration
    L1_MAX_LINESEARCH = 20
# Hessian diagonal shift (liblinear's), against division by an empty column.
# Not on the free intercept with a positive curvature: with tiny costs
# (C α ~ 1e-30) it would dwarf that curvature and freeze the intercept.
cdef double L1_NU = 1e-12
cdef double L1_SIGMA = 0.01        # sufficient-decrease constant of the line search
cdef double L1_MAX_STEP = 10.0     # bound on one coordinate step of the inner problem
cdef double L1_MIN_STEP = 1e-12    # smaller coordinate steps are skipped
# liblinear's step bounds and Hessian shift are in units of the weights and
# of the loss, right for features of order one.  For a feature whose largest
# |x| lies outside this range they are also taken in units of 1 / max |x|
# (the shift in units of its largest possible curvature, the mean cost times
# max |x|^2), whichever is looser: X * s at C / s is then the problem X at C.
# At X * 1e13 every step of ~1e-13 fell below L1_MIN_STEP and the fit froze
# at zero (scikit-learn's liblinear too, which refuses only values above
# 1e30); at X * 1e-13 the shift outweighed the curvature and the fit stopped
# 2.5 % above the optimum.  Never tighter than liblinear's: a column of
# counts with one outlier of 1e6 would otherwise cap its steps at 1e-5.
cdef double L1_UNIT_LOW = 1e-3, L1_UNIT_HIGH = 1e3
# Relative size below which a change of the summed loss may be rounding: a
# sum of n losses in 8 partial sums is off by at most ~n/8 ulps (below 1e-8
# up to ~10^8 samples), typically by ~sqrt(n) ulps.  Below it, the change is
# summed term by term instead.
cdef double L1_SUM_NOISE = 1e-8
# The two threads of a split coordinate descent hand over to one (thread 0,
# both halves) once, after at least SPLIT_MIN_STEPS steps in the fit, one
# step in SPLIT_MAX_SLOW_SHARE made a thread yield its core: more busy
# threads than cores.  With cores of their own ~1 % of the steps do (in
# bursts: 1 in 8 of the first 64 was seen); sharing them, nearly all.
cdef enum:
    SPLIT_MIN_STEPS = 256
    SPLIT_MAX_SLOW_SHARE = 2
# Which rows a coordinate-descent pass reads (its ``part``): all of them,
# summed as one; half 0 or half 1 (one of two threads); or both halves on
# one thread, summed as two threads sum them (half 0's sum plus half 1's),
# so that the result does not depend on whether the threads gave up.
cdef enum:
    PART_ALL = -1
    PART_BOTH = 2


cdef struct L1Work:
    double *wpd       # w + direction (the inner problem's variable)
    double *grad      # gradient of the loss per feature
    double *hdiag     # Hessian diagonal per feature, plus its shift nu
    double *nu        # that shift per feature: shift, or 0 for a free intercept
    double *min_step  # smaller steps of the feature are skipped (see L1_UNIT_LOW)
    double *max_step  # bound on one step of the feature
    double *shift     # the Hessian shift per feature but a free intercept's
    Py_ssize_t *index # feature order; shrunk features moved to the end
    double *margin    # w.x~_i
    double *xtd       # x~_i.(wpd - w)
    double *g         # d loss_i / d margin_i
    double *h         # d^2 loss_i / d margin_i^2
    double *hx        # (h_i, xtd_i) interleaved: X's columns when sparse gather
                      # rows from all over, and a pair costs one cache line
    Py_ssize_t free_j # the constant feature's index when its weight has no L1 term, else -1
    int n_threads     # threads of the row pass of _grad_hess
    bint reporting    # call on_iteration after each outer iteration
    double *partial   # n_threads x 2 x n_features sums of that pass
    # The coordinate descent on two threads, each over its half of the rows
    # (sparse X; see _coordinate_descent), when mid is not NULL:
    const Py_ssize_t *mid   # per column of X: its first stored entry of a row >= half
    Py_ssize_t half         # the second half's first row
    ll_exchange *exchange   # where the threads trade their partial sums
    long split_steps        # steps traded so far in this fit
    bint split_alone        # given up: one thread, the sums still taken by halves
    double *wpd1            # the second thread's copies of wpd and index
    Py_ssize_t *index1


cdef void _rows_grad_hess(const data_t *rdata, const index_t *rindices,
                          const index_t *rindptr, Py_ssize_t lo, Py_ssize_t hi,
                          Py_ssize_t n_features, const double *g, const double *h,
                          double *grad, double *hdiag) noexcept nogil:
    """grad += X[lo:hi]'g, hdiag += (X*X)[lo:hi]'h, one row at a time."""
    cdef const data_t *val
    cdef const index_t *idx
    cdef Py_ssize_t nnz, i, j, k
    cdef double gi, hi_, x
    for i in range(lo, hi):
        gi = g[i]
        hi_ = h[i]
        if gi == 0 and hi_ == 0:
            continue
        nnz = _lane(rdata, rindices, rindptr, n_features, i, &val, &idx)
        if idx == NULL:
            if data_t is float:
                ll_row_grad_hess_f32(gi, hi_, val, grad, hdiag, nnz)
            else:
                ll_row_grad_hess_f64(gi, hi_, val, grad, hdiag, nnz)
        else:
            for k in range(nnz):
                j = idx[k]
                x = val[k]
                grad[j] += gi * x
                hdiag[j] += hi_ * x * x


cdef void _grad_hess(const data_t *data, const index_t *indices,
                     const index_t *indptr, const data_t *rdata,
                     const index_t *rindices, const index_t *rindptr, bint has_rows,
                     Py_ssize_t n_samples, Py_ssize_t n_features, double bias,
                     L1Work *wk) noexcept nogil:
    """Gradient and Hessian diagonal of the loss for every feature.

    X'g and (X*X)'h.  Read by rows when the caller's X has a row layout:
    each row is one pass into small per-feature sums, where by columns every
    entry gathers g_i and h_i from all over the sample arrays.  The row pass
    runs on ``wk.n_threads`` threads, each summing its rows apart.
    """
    cdef const data_t *val
    cdef const index_t *idx
    cdef Py_ssize_t nnz, j, t, lo, hi
    cdef Py_ssize_t nt = wk.n_threads
    cdef double *part
    if has_rows and nt > 1:
        # one fixed range of rows per part, summed in part order: the same
        # sums at every run (the iterates follow thresholds)
        for t in prange(nt, num_threads=nt, schedule="static", chunksize=1):
            lo = t * n_samples // nt
            hi = (t + 1) * n_samples // nt
            part = wk.partial + t * 2 * n_features
            for j in range(2 * n_features):
                part[j] = 0.0
            _rows_grad_hess(rdata, rindices, rindptr, lo, hi, n_features, wk.g, wk.h,
                            part, part + n_features)
        for j in range(n_features):
            wk.grad[j] = 0.0
            wk.hdiag[j] = 0.0
        for t in range(nt):
            part = wk.partial + t * 2 * n_features
            for j in range(n_features):
                wk.grad[j] += part[j]
                wk.hdiag[j] += part[n_features + j]
    elif has_rows:
        for j in range(n_features):
            wk.grad[j] = 0.0
            wk.hdiag[j] = 0.0
        _rows_grad_hess(rdata, rindices, rindptr, 0, n_samples, n_features, wk.g, wk.h,
                        wk.grad, wk.hdiag)
    else:
        for j in range(n_features):
            nnz = _lane(data, indices, indptr, n_samples, j, &val, &idx)
            _lane_grad_hess(val, idx, nnz, wk.g, wk.h, &wk.grad[j], &wk.hdiag[j])
    if bias > 0:            # the constant column x~_ij = bias
        wk.grad[n_features] = bias * ll_sum(wk.g, n_samples)
        wk.hdiag[n_features] = bias * bias * ll_sum(wk.h, n_samples)
    for j in range(n_features + (bias > 0)):
        wk.nu[j] = 0.0 if j == wk.free_j and wk.hdiag[j] > 0 else wk.shift[j]
        wk.hdiag[j] += wk.nu[j]


cdef inline double _l1_violation(double wj, double g, double bound,
                                 bint free) noexcept nogil:
    """How far coordinate j is from L1 optimality (the minimum-norm subgradient
    of g + sign(w_j)), or -1 when w_j = 0 sits well inside its subdifferential
    (|g| < 1 - bound): liblinear shrinks such coordinates out of the sweep.
    A ``free`` coordinate (no L1 term) is |g| away, and never shrunk."""
    cdef double gp = g + 1.0, gn = g - 1.0
    if free:
        return fabs(g)
    if wj == 0:
        if gp < 0:
            return -gp
        if gn > 0:
            return gn
        if gp > bound and gn < -bound:
            return -1.0
        return 0.0
    return fabs(gp) if wj > 0 else fabs(gn)


cdef inline double _col_model_grad(const data_t *data, const index_t *indices,
                                   const index_t *indptr, Py_ssize_t n_samples,
                                   Py_ssize_t n_features, double bias, Py_ssize_t j,
                                   L1Work *wk, int part) noexcept nogil:
    """(X'D X d)_j: the change of the model gradient along the direction d
    (sparse X: from the pairs wk.hx), over the rows of ``part`` (see
    PART_ALL)."""
    cdef const data_t *val
    cdef const index_t *idx
    cdef Py_ssize_t nnz, i, lo, hi
    cdef double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
    if part == PART_BOTH:
        return (_col_model_grad(data, indices, indptr, n_samples, n_features, bias, j, wk, 0)
                + _col_model_grad(data, indices, indptr, n_samples, n_features, bias, j,
                                  wk, 1))
    if j == n_features:
        if indptr == NULL:
            return bias * ll_dot_f64(wk.h, wk.xtd, n_samples)
        _rows_of(wk, part, n_samples, &lo, &hi)
        for i in range(lo, hi - 3, 4):     # four sums: not one add chain
            s0 += wk.hx[2 * i] * wk.hx[2 * i + 1]
            s1 += wk.hx[2 * i + 2] * wk.hx[2 * i + 3]
            s2 += wk.hx[2 * i + 4] * wk.hx[2 * i + 5]
            s3 += wk.hx[2 * i + 6] * wk.hx[2 * i + 7]
        for i in range(hi - (hi - lo) % 4, hi):
            s0 += wk.hx[2 * i] * wk.hx[2 * i + 1]
        return bias * ((s0 + s1) + (s2 + s3))
    nnz = _half_lane(data, indices, indptr, n_samples, j, wk, part, &val, &idx)
    return _lane_dot3(val, idx, nnz, wk.h, wk.xtd, wk.hx)


cdef inline void _rows_of(const L1Work *wk, int part, Py_ssize_t n_samples,
                         Py_ssize_t *lo, Py_ssize_t *hi) noexcept nogil:
    """The rows [lo, hi) of half ``part`` (0 or 1), else all rows."""
    lo[0] = wk.half if part == 1 else 0
    hi[0] = wk.half if part == 0 else n_samples


cdef inline Py_ssize_t _half_lane(const data_t *data, const index_t *indices,
                                  const index_t *indptr, Py_ssize_t n_samples,
                                  Py_ssize_t j, L1Work *wk, int part,
                                  const data_t **val, const index_t **idx) noexcept nogil:
    """Column j of X (as _lane), or its entries in the rows of half ``part``
    when ``part`` is 0 or 1 (sparse X)."""
    cdef Py_ssize_t lo, hi
    if part != 0 and part != 1:
        return _lane(data, indices, indptr, n_samples, j, val, idx)
    if part == 0:
        lo, hi = indptr[j], wk.mid[j]
    else:
        lo, hi = wk.mid[j], indptr[j + 1]
    val[0] = data + lo
    idx[0] = indices + lo
    return hi - lo


cdef inline void _col_axpy(const data_t *data, const index_t *indices,
                           const index_t *indptr, Py_ssize_t n_samples,
                           Py_ssize_t n_features, double bias, Py_ssize_t j,
                           double a, double *v, Py_ssize_t stride, L1Work *wk,
                           int part) noexcept nogil:
    """v[i * stride] += a x~_ij over column j (stride 2 on sparse X: the X d
    slots of the pairs wk.hx), over the rows of ``part`` (see PART_ALL; each
    entry on its own, so PART_BOTH is PART_ALL)."""
    cdef const data_t *val
    cdef const index_t *idx
    cdef Py_ssize_t nnz, i, lo, hi
    cdef double ab = a * bias
    if j == n_features:
        _rows_of(wk, part, n_samples, &lo, &hi)
        for i in range(lo, hi):
            v[i * stride] += ab
        return
    nnz = _half_lane(data, indices, indptr, n_samples, j, wk, part, &val, &idx)
    if stride == 1:
        _lane_axpy(val, idx, nnz, a, v)
    else:
        for i in range(nnz):
            v[stride * <Py_ssize_t>idx[i]] += a * val[i]


cdef void _step_bounds(const data_t *data, const index_t *indices, const index_t *indptr,
                       Py_ssize_t n_samples, Py_ssize_t n_features, double bias,
                       double mean_cost, L1Work *wk) noexcept nogil:
    """Each feature's step bounds and Hessian shift (see L1_UNIT_LOW)."""
    cdef const data_t *val
    cdef const index_t *idx
    cdef Py_ssize_t j, k, nnz
    cdef double largest, unit
    for j in range(n_features + (bias > 0)):
        if j == n_features:
            largest = bias
        else:
            nnz = _lane(data, indices, indptr, n_samples, j, &val, &idx)
            largest = 0.0
            for k in range(nnz):
                largest = fmax(largest, fabs(<double>val[k]))
        wk.min_step[j], wk.max_step[j], wk.shift[j] = L1_MIN_STEP, L1_MAX_STEP, L1_NU
        if largest > 0 and not (L1_UNIT_LOW <= largest <= L1_UNIT_HIGH):
            unit = 1.0 / largest
            wk.min_step[j] = L1_MIN_STEP * fmin(unit, 1.0)
            wk.max_step[j] = L1_MAX_STEP * fmax(unit, 1.0)
            wk.shift[j] = fmin(L1_NU, L1_NU * mean_cost * largest * largest)


cdef void _margins(const data_t *data, const index_t *indices, const index_t *indptr,
                   Py_ssize_t n_samples, Py_ssize_t n_features, double bias,
                   const double *w, double *margin) noexcept nogil:
    """margin = X~ w, from scratch."""
    cdef Py_ssize_t i, j
    for i in range(n_samples):
        margin[i] = bias * w[n_features] if bias > 0 else 0.0
    for j in range(n_features):
        if w[j] != 0:
            _col_axpy(data, indices, indptr, n_samples, n_features, bias, j, w[j],
                      margin, 1, NULL, PART_ALL)


cdef int _coordinate_descent(
    const data_t *data, const index_t *indices, const index_t *indptr,
    Py_ssize_t n_samples, Py_ssize_t n_features, double bias, Py_ssize_t active,
    double stop_gnorm1, double l, const double *w, double *wpd, Py_ssize_t *index,
    uint64_t *rng, L1Work *wk, int part, long *step, bint *moved,
) noexcept nogil:
    """Coordinate descent with shrinking on the quadratic model plus the L1
    norm, over wpd = w + d (X d in wk.xtd, or in the pairs wk.hx on sparse
    X), until a cycle's summed violation is at most ``stop_gnorm1`` on all
    ``active`` features of ``index``; returns the cycles run, ``moved``: if
    any coordinate moved.

    ``part`` PART_ALL or PART_BOTH: one thread.  ``part`` 0 or 1: one of
    two threads that run the same cycles, each with its own wpd, index and
    rng (equal copies), each reading and updating only the rows of its half
    (L1Work.mid), trading the halves' model gradients per coordinate (the
    fit's exchange ``step`` counts them); their sums are the same bits on
    both, so both take every decision alike.  When the threads keep waiting
    for each other (more busy threads than cores), they agree to stop at
    the same step: thread 1 returns, thread 0 goes on as PART_BOTH and sets
    wk.split_alone.
    """
    cdef:
        Py_ssize_t qp_active = active, s, j, t, next_j
        Py_ssize_t free_j = wk.free_j
        double qp_gmax_old = INFINITY, qp_gmax_new, qp_gnorm1_new
        double gp, gn, violation, gj, hj, z, next_model_grad = 0.0
        int cd_iter = 0
        long slow
        bint any_moved = False
    while cd_iter < L1_MAX_CD:
        qp_gmax_new = 0.0
        qp_gnorm1_new = 0.0
        _shuffle(index, qp_active, rng)
        s = 0
        next_j = -1
        while s < qp_active:
            j = index[s]
            hj = wk.hdiag[j]
            gj = wk.grad[j] + (wpd[j] - w[j]) * wk.nu[j]
            if j == next_j:     # computed with the previous step
                gj += next_model_grad
            elif part == PART_ALL or part == PART_BOTH:
                gj += _col_model_grad(data, indices, indptr, n_samples,
                                      n_features, bias, j, wk, part)
            else:
                gj += ll_exchange_sum(wk.exchange, part, step[0], _col_model_grad(
                    data, indices, indptr, n_samples, n_features, bias, j, wk, part),
                    &slow)
                step[0] += 1
                if step[0] >= SPLIT_MIN_STEPS and slow * SPLIT_MAX_SLOW_SHARE > step[0]:
                    if part == 1:
                        return cd_iter
                    part = PART_BOTH    # column j's step, and all after it, on thread 0
                    wk.split_alone = True
            next_j = -1
            gp = gj + 1.0
            gn = gj - 1.0
            violation = _l1_violation(wpd[j], gj, qp_gmax_old / l, j == free_j)
            if violation < 0:
                qp_active -= 1
                t = index[s]
                index[s] = index[qp_active]
                index[qp_active] = t
                continue
            s += 1

            # Minimiser of the one-variable model with its |.| term.
            if j == free_j:
                z = -gj / hj
            elif gp < hj * wpd[j]:
                z = -gp / hj
            elif gn > hj * wpd[j]:
                z = -gn / hj
            else:
                z = -wpd[j]
            if fabs(z) < wk.min_step[j]:
                continue
            z = fmin(fmax(z, -wk.max_step[j]), wk.max_step[j])

            any_moved = True
            qp_gmax_new = fmax(qp_gmax_new, violation)
            qp_gnorm1_new += violation
            wpd[j] += z
            if (indptr == NULL and j < n_features and s < qp_active
                    and index[s] < n_features):
                # Dense columns: the step and the next feature's model
                # gradient in one pass.
                next_j = index[s]
                if data_t is float:
                    next_model_grad = ll_step_dot3_f32(
                        z, data + j * n_samples, data + next_j * n_samples,
                        wk.h, wk.xtd, n_samples)
                else:
                    next_model_grad = ll_step_dot3_f64(
                        z, data + j * n_samples, data + next_j * n_samples,
                        wk.h, wk.xtd, n_samples)
            elif indptr == NULL:
                _col_axpy(data, indices, indptr, n_samples, n_features, bias, j,
                          z, wk.xtd, 1, wk, PART_ALL)
            else:   # sparse: X d lives in the pairs
                _col_axpy(data, indices, indptr, n_samples, n_features, bias, j,
                          z, wk.hx + 1, 2, wk, part)

        cd_iter += 1
        if qp_gnorm1_new <= stop_gnorm1:
            if qp_active == active:
                break
            # Converged on the shrunk set: check all of it once more.
            qp_active = active
            qp_gmax_old = INFINITY
            continue
        qp_gmax_old = qp_gmax_new
    moved[0] = any_moved
    return cd_iter


cdef int _split_coordinate_descent(
    const data_t *data, const index_t *indices, const index_t *indptr,
    Py_ssize_t n_samples, Py_ssize_t n_features, double bias, Py_ssize_t active,
    double stop_gnorm1, double l, const double *w, uint64_t *rng, L1Work *wk,
    bint *moved,
) noexcept nogil:
    """_coordinate_descent on two threads, one per half of the rows, or on
    one as PART_BOTH if the OpenMP runtime grants only one."""
    cdef:
        Py_ssize_t nf = n_features + (bias > 0), j
        uint64_t rng1 = rng[0]
        long step1 = wk.split_steps
        int cycles = 0
        bint moved_by_0 = False, moved_by_1 = False
        # results through pointers: Cython makes variables assigned inside
        # the parallel block private to each thread
        int *cycles_of = &cycles
        bint *moved_of_0 = &moved_by_0
        bint *moved_of_1 = &moved_by_1
        long *step1_of = &step1
        int me = 0
    for j in range(nf):
        wk.wpd1[j] = wk.wpd[j]
        wk.index1[j] = wk.index[j]
    with parallel(num_threads=2):
        me = ll_thread_num()
        if me == 0:
            cycles_of[0] = _coordinate_descent(
                data, indices, indptr, n_samples, n_features, bias, active, stop_gnorm1,
                l, w, wk.wpd, wk.index, rng, wk, 0 if ll_num_threads() == 2 else PART_BOTH,
                &wk.split_steps, moved_of_0)
        else:
            _coordinate_descent(
                data, indices, indptr, n_samples, n_features, bias, active, stop_gnorm1,
                l, w, wk.wpd1, wk.index1, &rng1, wk, 1, step1_of, moved_of_1)
    moved[0] = moved_by_0
    return cycles


cdef void _l1_newglmnet(
    const data_t *data, const index_t *indices, const index_t *indptr,
    const data_t *rdata, const index_t *rindices, const index_t *rindptr,
    bint has_rows, Py_ssize_t n_samples, Py_ssize_t n_features, double bias,
    bint free_bias, const double *y, const double *cost, Py_ssize_t n_kept, double eps,
    int max_iter, uint64_t *rng, double *w, L1Work *wk, int *n_iter, bint *converged,
    PyObject *on_iteration,
) noexcept nogil:
    cdef:
        Py_ssize_t nf = n_features + (bias > 0)
        # the constant feature's index when its weight has no L1 term, else -1
        Py_ssize_t free_j = n_features if free_bias and bias > 0 else -1
        Py_ssize_t j, s, i, t, active
        double gmax_old = INFINITY, gmax_new, gnorm1_new, gnorm1_init = -1.0
        double inner_eps = 1.0
        double violation, delta, cond
        double w_norm = 0.0, w_norm_new, loss_sum, loss_new_sum = 0.0, loss_change
        double l = <double>n_kept
        int newton_iter = 0, cd_iter, qp_no_change = 0, n_search
        bint moved

    converged[0] = False
    wk.free_j = free_j
    _step_bounds(data, indices, indptr, n_samples, n_features, bias,
                 ll_sum(cost, n_samples) / l, wk)
    for j in range(nf):
        w[j] = 0.0
        wk.wpd[j] = 0.0
        wk.index[j] = j
    for i in range(n_samples):
        wk.margin[i] = 0.0
        wk.xtd[i] = 0.0
    loss_sum = ll_loss(wk.margin, wk.xtd, y, cost, n_samples)
    ll_loss_derivatives(wk.margin, y, cost, wk.g, wk.h, n_samples)

    while newton_iter < max_iter:
        # Gradient and Hessian diagonal; shrink features at 0 whose
        # subgradient was well inside [-1, 1] at the previous iteration.
        _grad_hess(data, indices, indptr, rdata, rindices, rindptr, has_rows,
                   n_samples, n_features, bias, wk)
        gmax_new = 0.0
        gnorm1_new = 0.0
        active = nf
        s = 0
        while s < active:
            j = wk.index[s]
            violation = _l1_violation(w[j], wk.grad[j], gmax_old / l, j == free_j)
            if violation < 0:  # shrink: w_j = 0 well inside its subdifferential
                active -= 1
                t = wk.index[s]
                wk.index[s] = wk.index[active]
                wk.index[active] = t
                continue
            gmax_new = fmax(gmax_new, violation)
            gnorm1_new += violation
            s += 1

        if newton_iter == 0:
            gnorm1_init = gnorm1_new
        if gnorm1_new <= eps * gnorm1_init or qp_no_change >= 10:
            converged[0] = True
            break
        qp_no_change += 1

        # Coordinate descent on the quadratic model, over wpd = w + d.
        for i in range(n_samples):
            wk.xtd[i] = 0.0
        if indptr != NULL:
            for i in range(n_samples):
                wk.hx[2 * i] = wk.h[i]
                wk.hx[2 * i + 1] = 0.0
        if wk.mid == NULL or wk.split_alone:
            cd_iter = _coordinate_descent(data, indices, indptr, n_samples, n_features,
                                          bias, active, inner_eps * gnorm1_init, l, w,
                                          wk.wpd, wk.index, rng, wk,
                                          PART_ALL if wk.mid == NULL else PART_BOTH,
                                          &wk.split_steps, &moved)
        else:
            cd_iter = _split_coordinate_descent(data, indices, indptr, n_samples,
                                                n_features, bias, active,
                                                inner_eps * gnorm1_init, l, w, rng, wk,
                                                &moved)
        if moved:
            qp_no_change = 0

        if indptr != NULL:
            for i in range(n_samples):
                wk.xtd[i] = wk.hx[2 * i + 1]

        # Backtracking line search on the objective along d = wpd - w.
        delta = 0.0
        w_norm_new = 0.0
        for j in range(nf):
            delta += wk.grad[j] * (wk.wpd[j] - w[j])
            if j != free_j:
                w_norm_new += fabs(wk.wpd[j])
        delta += w_norm_new - w_norm

        for n_search in range(L1_MAX_LINESEARCH):
            loss_new_sum = ll_loss(wk.margin, wk.xtd, y, cost, n_samples)
            loss_change = loss_new_sum - loss_sum
            if fabs(loss_change) <= L1_SUM_NOISE * (loss_sum + loss_new_sum):
                # Within reach of the rounding of the sums: sum the changes.
                loss_change = ll_loss_change(wk.margin, wk.xtd, y, cost, n_samples)
            cond = w_norm_new - w_norm + loss_change - L1_SIGMA * delta
            if cond <= 0:
                break
            w_norm_new = 0.0
            for j in range(nf):
                wk.wpd[j] = 0.5 * (w[j] + wk.wpd[j])
                if j != free_j:
                    w_norm_new += fabs(wk.wpd[j])
            delta *= 0.5
            for i in range(n_samples):
                wk.xtd[i] *= 0.5

        if cond <= 0:
            for j in range(nf):
                w[j] = wk.wpd[j]
            w_norm = w_norm_new
            for i in range(n_samples):
                wk.margin[i] += wk.xtd[i]
            loss_sum = loss_new_sum
        else:
            # No sufficient decrease: keep w, and rebuild the margins from it
            # to shed the rounding of the accumulated updates.
            for j in range(nf):
                wk.wpd[j] = w[j]
            _margins(data, indices, indptr, n_samples, n_features, bias, w, wk.margin)
            for i in range(n_samples):
                wk.xtd[i] = 0.0
            loss_sum = ll_loss(wk.margin, wk.xtd, y, cost, n_samples)
        ll_loss_derivatives(wk.margin, y, cost, wk.g, wk.h, n_samples)

        # One cycle sufficed: the model is easy, solve the next one tighter.
        if cd_iter == 1:
            inner_eps *= 0.25
        newton_iter += 1
        gmax_old = gmax_new
        if wk.reporting and _report(on_iteration, newton_iter):
            converged[0] = True     # stopped on request: not a failure
            break
    n_iter[0] = newton_iter


cdef bint _report(PyObject *on_iteration, int n_iter) noexcept with gil:
    return (<object> on_iteration)(n_iter)


cdef void _row_splits(const index_t *indices, const index_t *indptr,
                      Py_ssize_t n_features, Py_ssize_t half,
                      Py_ssize_t *mid) noexcept nogil:
    """mid[j]: the first stored entry of column j in a row >= half (sorted
    row indices: by bisection)."""
    cdef Py_ssize_t j, lo, hi, k
    for j in range(n_features):
        lo = indptr[j]
        hi = indptr[j + 1]
        while lo < hi:
            k = (lo + hi) // 2
            if indices[k] < half:
                lo = k + 1
            else:
                hi = k
        mid[j] = lo


def _l1_fit(const data_t[::1] data, const index_t[::1] indices,
            const index_t[::1] indptr, const data_t[::1] rdata,
            const index_t[::1] rindices, const index_t[::1] rindptr,
            Py_ssize_t n_features, double bias, bint free_bias,
            const double[::1] y, const double[::1] cost, Py_ssize_t n_kept,
            double eps, int max_iter, uint64_t seed, double[::1] w, int n_threads,
            Py_ssize_t split_half, on_iteration):
    """Run :func:`_l1_newglmnet` on columns of X (dense F-ordered when indptr is empty).

    rdata, rindices, rindptr: X by rows (dense C-ordered when rindptr is empty),
    or rdata empty when X has no row layout at hand; n_threads: threads of
    the row pass; split_half: the coordinate descent on two threads, the
    second over the rows from this one on (sparse X with sorted indices), or
    -1: on one thread; on_iteration: None or a _Reporter.
    """
    cdef:
        Py_ssize_t n_samples = y.shape[0]
        Py_ssize_t nf = w.shape[0]
        double[::1] wpd = np.empty(nf)
        double[::1] grad = np.empty(nf)
        double[::1] hdiag = np.empty(nf)
        double[::1] nu = np.empty(nf)
        double[:, ::1] bounds = np.empty((3, nf))
        Py_ssize_t[::1] index = np.empty(nf, dtype=np.intp)
        # margin, xtd, g, h and the pairs hx: one block (numpy asks the
        # kernel for huge pages from 4 MB, which spares the gathers TLB misses)
        double[:, ::1] per_sample = np.empty((6 if indptr.shape[0] > 0 else 4, n_samples))
        double[::1] partial = np.empty(n_threads * 2 * n_features if n_threads > 1 else 1)
        bint split = split_half >= 0 and indptr.shape[0] > 0
        Py_ssize_t[::1] mid = np.empty(n_features if split else 1, dtype=np.intp)
        double[::1] wpd1 = np.empty(nf if split else 1)
        Py_ssize_t[::1] index1 = np.empty(nf if split else 1, dtype=np.intp)
        # the exchange's slots aligned to their LL_LINE bytes
        unsigned char[::1] exchange = np.empty(sizeof(ll_exchange) + LL_LINE if split else 1,
                                               dtype=np.uint8)
        L1Work wk
        const index_t *ind_ptr = NULL
        const index_t *ptr_ptr = NULL
        const data_t *rdata_ptr = NULL
        const index_t *rind_ptr = NULL
        const index_t *rptr_ptr = NULL
        bint has_rows = rdata.shape[0] > 0
        uint64_t rng = seed
        int n_iter = 0
        bint converged = True
    if n_kept == 0 or nf == 0:
        return 0, True
    wk.wpd = &wpd[0]
    wk.grad = &grad[0]
    wk.hdiag = &hdiag[0]
    wk.nu = &nu[0]
    wk.min_step = &bounds[0, 0]
    wk.max_step = &bounds[1, 0]
    wk.shift = &bounds[2, 0]
    wk.index = &index[0]
    wk.margin = &per_sample[0, 0]
    wk.xtd = &per_sample[1, 0]
    wk.g = &per_sample[2, 0]
    wk.h = &per_sample[3, 0]
    wk.hx = &per_sample[4, 0] if indptr.shape[0] > 0 else NULL
    wk.n_threads = n_threads
    wk.reporting = on_iteration is not None
    wk.partial = &partial[0]
    wk.mid = NULL
    wk.split_steps = 0
    wk.split_alone = False
    if split:
        wk.half = split_half
        _row_splits(&indices[0], &indptr[0], n_features, wk.half, &mid[0])
        wk.mid = &mid[0]
        wk.wpd1 = &wpd1[0]
        wk.index1 = &index1[0]
        wk.exchange = <ll_exchange *> (&exchange[0] + (-<size_t>&exchange[0]) % LL_LINE)
        ll_exchange_reset(wk.exchange)
    if indptr.shape[0] > 0:
        ind_ptr = &indices[0]
        ptr_ptr = &indptr[0]
    if has_rows:
        rdata_ptr = &rdata[0]
        if rindptr.shape[0] > 0:
            rind_ptr = &rindices[0]
            rptr_ptr = &rindptr[0]
    with nogil:
        _l1_newglmnet(&data[0], ind_ptr, ptr_ptr, rdata_ptr, rind_ptr, rptr_ptr,
                      has_rows, n_samples, n_features, bias, free_bias,
                      &y[0], &cost[0], n_kept, eps, max_iter, &rng, &w[0], &wk,
                      &n_iter, &converged, <PyObject *> on_iteration)
    if on_iteration is not None and on_iteration.error is not None:
        raise on_iteration.error
    return n_iter, converged


class _Reporter:
    """``on_iteration(n_iter, w)`` made safe to call from the C loop: an
    exception stops the loop and is raised once the loop has returned."""

    def __init__(self, on_iteration, w):
        self.on_iteration, self.w, self.error = on_iteration, w, None

    def __call__(self, n_iter):
        try:
            return bool(self.on_iteration(n_iter, self.w))
        except BaseException as exc:    # re-raised by _l1_fit
            self.error = exc
            return True



# Stored entries of X per thread of the row pass (a pass over fewer is not
# worth waking a thread for).
ROW_PASS_GRAIN = 1 << 19
# Mean stored entries per column of sparse X from which the coordinate
# descent runs on two threads.  Each coordinate step then trades a partial
# sum between them (~0.3 us on the 2-core VMs), worth it for a column of
# ~200 entries and more; each half of the rows' (h, X d) pairs also fits in
# its core's L2 cache where all of them may not.  Only from 2 x
# ROW_PASS_GRAIN entries in all (where the row pass, given X by rows, runs
# on two threads too): waking an idle thread costs up to ~7 ms on these
# VMs, more than a smaller fit takes.
CD_SPLIT_NNZ = 256


def _half_of_entries(indices, rindptr, n_samples):
    """The row that splits the stored entries of X in half, rounded down to
    a multiple of 4 (the halves' (h, X d) pairs then start on a 64-byte
    boundary when the block does); from the row pointers of X by rows, else
    counted from X's column indices."""
    if rindptr.shape[0] > 0:
        ends = np.asarray(rindptr)[1:]
    else:
        ends = np.cumsum(np.bincount(indices, minlength=n_samples))
    return int(np.searchsorted(ends, ends[-1] / 2)) & ~3


def liblinear_l1r_primal(X, y, cost, double bias, double tol, int max_iter, seed,
                         bint free_bias=False, n_threads=None, on_iteration=None):
    """L1-regularised binary logistic regression by newGLMNET.

    Minimises ``||w||_1 + sum_i cost_i log(1 + exp(-y_i w.x~_i))`` with
    ``x~_i = [x_i, bias]`` when ``bias > 0`` (the weight of the constant
    feature is penalised too), as scikit-learn's
    ``LogisticRegression(solver='liblinear', penalty='l1')`` does, by
    liblinear's ``solve_l1r_lr`` (Yuan, Ho & Lin 2012): each outer
    iteration minimises a quadratic model of the loss plus the L1 norm by
    coordinate descent over the features (with shrinking), then takes a
    backtracking line search step on the true objective.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        float32 or float64 values (others are converted to float64).  Read
        by columns, in place when F-ordered or CSC with int32 / int64
        indices; C-ordered, CSR or other layouts are copied once into that
        form (one more X in memory).  A C-ordered or CSR X is then also read
        in place by rows, for the gradient.  Arithmetic is in float64.
    y : ndarray of shape (n_samples,)
        Labels; values > 0 are the positive class (+1), others -1.
    cost : ndarray of shape (n_samples,)
        ``C * sample_weight_i * class_weight[y_i]``.  Samples with a cost of
        at most 1e-300 count as absent (zero cost).
    bias : float
        Value of the appended constant feature (scikit-learn's
        ``intercept_scaling``); ``bias <= 0`` appends none.
    tol : float
        liblinear's ``eps``.  With ``n`` samples of positive cost, ``n+`` of
        them positive and ``n-`` negative, stop at the first outer iteration
        whose summed violation of the optimality conditions (over the
        features not shrunk) is at most
        ``tol * max(min(n+, n-), 1) / n`` times that of the first, or after
        10 outer iterations in a row in which coordinate descent moved no
        feature.
    max_iter : int
        Cap on the outer (Newton) iterations.
    seed : int
        Seed of the random permutations of the features.
    free_bias : bool, default=False
        Leave the constant feature's weight out of the L1 norm (an
        unpenalised intercept, as the other solvers fit it): its coordinate
        takes plain Newton steps on the model and is never shrunk.
    n_threads : int or None, default=None
        Most threads (None: the OpenMP default).  For the pass over the rows
        that gives each iteration's gradient: one per ROW_PASS_GRAIN stored
        entries of X, and per 4 x n_features of them, at most.  The
        coordinate descent runs on two threads when X is sparse with at
        least CD_SPLIT_NNZ stored entries per column on average and 2 x
        ROW_PASS_GRAIN in all (each thread over the rows of half of the
        entries; on one thread otherwise, and where OpenMP is not built
        with GCC-style atomics, as on Windows).  Each thread sums a fixed
        range of rows, so the result does not depend on the timing (it may
        differ in the last bits between one thread and more).
    on_iteration : callable, default=None
        ``on_iteration(n_iter, w)`` after every outer iteration, with the
        current weights (read them, do not keep them); True stops the run
        there, which counts as converged.

    Returns
    -------
    w : ndarray of shape (n_features + (bias > 0),)
        The weights, with exact zeros; the intercept is ``bias * w[-1]``
        when ``bias > 0``.
    n_iter : int
        Outer iterations run.
    converged : bool
        Whether a stopping rule was met or ``on_iteration`` asked to stop
        (False when ``max_iter`` outer iterations ran without either).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_sigcore._liblinear_l1 import liblinear_l1r_primal
    >>> X = np.array([[-2.0, 0.1], [-1.0, -0.1], [1.0, 0.1], [2.0, -0.1]])
    >>> y = np.array([-1.0, -1.0, 1.0, 1.0])
    >>> w, n_iter, converged = liblinear_l1r_primal(X, y, np.ones(4), 1.0, 1e-8, 100, 0)
    >>> bool(w[0] > 0), float(w[1]), converged
    (True, 0.0, True)
    """
    y, cost = problem_arrays(X, y, cost)
    data, indices, indptr, n_features = lanes(X, by_rows=False)
    rdata, rindices, rindptr = rows_in_place(X, data.dtype, indices.dtype)
    w = np.zeros(n_features + (bias > 0))
    kept = cost > 0
    n_kept = int(np.count_nonzero(kept))
    n_pos = int(np.count_nonzero(y[kept] > 0))
    eps = tol * max(min(n_pos, n_kept - n_pos), 1) / max(n_kept, 1)
    # each thread zeroes and hands back 2 x n_features partial sums per pass
    n_threads = openmp_effective_n_threads(n_threads)
    split_half = -1
    if (indptr.shape[0] > 0 and n_threads >= 2 and ll_exchange_available()
            and data.shape[0] >= max(CD_SPLIT_NNZ * n_features, 2 * ROW_PASS_GRAIN)):
        split_half = _half_of_entries(indices, rindptr, y.shape[0])
    n_threads = max(1, min(n_threads, rdata.shape[0] // ROW_PASS_GRAIN,
                           rdata.shape[0] // (4 * max(n_features, 1))))
    n_iter, converged = _l1_fit(data, indices, indptr, rdata, rindices, rindptr,
                                n_features, bias, free_bias, y, cost, n_kept, eps, max_iter,
                                seed64(seed), w, n_threads, split_half,
                                None if on_iteration is None else _Reporter(on_iteration, w))
    return w, n_iter, bool(converged)
