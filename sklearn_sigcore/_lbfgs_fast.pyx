# cython: boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""L-BFGS driven in C: scipy's L-BFGS-B without bounds, minus its Python layer.

scikit-learn's 'lbfgs' is scipy's L-BFGS-B with no bounds. On the small
problems most fits are (a few hundred rows), scipy's Python wrapper around
each evaluation (function wrappers, copies, result objects) costs as much as
the loss itself. This module runs the same algorithm with the loop in C, so
an iteration costs the objective's evaluations and a few vector operations:

* the direction is -H g by the two-loop recursion over the last ``memory``
  pairs (s, y) with H0 = s'y / y'y of the newest pair, which is the direction
  L-BFGS-B's compact representation gives when no variable is bounded;
* the first step of a run is 1 / ||d||, later ones 1;
* the line search is Moré and Thuente's (MINPACK-2 ``dcsrch`` / ``dcstep``)
  with L-BFGS-B's constants ftol 1e-3, gtol 0.9, xtol 0.1, at most ``maxls``
  evaluations; a pair with s'y <= eps (-g's) is not stored;
* a failed line search clears the memory and retries along -g; failing with
  an empty memory ends the run ("ABNORMAL");
* after each iteration: the callback, then the iteration and evaluation
  limits, then ||g||_inf <= gtol, then (f_old - f) <= ftol max(|f_old|, |f|, 1)
  — L-BFGS-B's order, so iterates and iteration counts match scipy's up to
  rounding.

A trial point whose value or slope is not finite (which L-BFGS-B does not
guard against) halves the step towards the best point of the search.
"""

from libc.math cimport fabs, sqrt, fmin, fmax, isfinite, isnan
from scipy.linalg.cython_blas cimport daxpy, ddot, dnrm2, dscal

import numpy as np

cdef double EPS = np.finfo(np.float64).eps
cdef double STEP_MAX = 1e10         # L-BFGS-B's bound on a step without bounds
cdef double LS_FTOL = 1e-3          # sufficient decrease
cdef double LS_GTOL = 0.9           # curvature
cdef double LS_XTOL = 0.1           # relative width of the bracket

# what the line search asks for next
cdef enum:
    EVALUATE = 0
    CONVERGED = 1
    WARNING = 2
    ERROR = 3

# run status, as scipy's OptimizeResult.status
CONVERGENCE = 0
LIMIT = 1
ABNORMAL = 2
STOPPED = 3


cdef struct LineSearch:
    bint brackt
    int stage
    double finit, ginit, gtest, width, width1
    double stx, fx, gx, sty, fy, gy, stmin, stmax
    double stpmin, stpmax


cdef int search_start(LineSearch* ls, double stp, double f, double g) noexcept nogil:
    """dcsrch's first call: f, g are the value and slope at step 0."""
    if stp < ls.stpmin or stp > ls.stpmax or g >= 0:
        return ERROR
    ls.brackt = False
    ls.stage = 1
    ls.finit = f
    ls.ginit = g
    ls.gtest = LS_FTOL * g
    ls.width = ls.stpmax - ls.stpmin
    ls.width1 = ls.width / 0.5
    ls.stx = 0.0
    ls.fx = f
    ls.gx = g
    ls.sty = 0.0
    ls.fy = f
    ls.gy = g
    ls.stmin = 0.0
    ls.stmax = stp + 4.0 * stp
    return EVALUATE


cdef int search_step(LineSearch* ls, double* stp_io, double f, double g) noexcept nogil:
    """dcsrch's later calls: f, g at *stp_io; sets the next trial step."""
    cdef double stp = stp_io[0]
    cdef double ftest = ls.finit + stp * ls.gtest
    cdef double fm, fxm, fym, gm, gxm, gym
    cdef int task = EVALUATE
    if ls.stage == 1 and f <= ftest and g >= 0:
        ls.stage = 2
    if ls.brackt and (stp <= ls.stmin or stp >= ls.stmax):
        task = WARNING           # rounding errors prevent progress
    if ls.brackt and ls.stmax - ls.stmin <= LS_XTOL * ls.stmax:
        task = WARNING           # xtol test satisfied
    if stp == ls.stpmax and f <= ftest and g <= ls.gtest:
        task = WARNING
    if stp == ls.stpmin and (f > ftest or g >= ls.gtest):
        task = WARNING
    if f <= ftest and fabs(g) <= LS_GTOL * -ls.ginit:
        task = CONVERGED
    if task != EVALUATE:
        return task
    if ls.stage == 1 and f <= ls.fx and f > ftest:
        # the modified function psi(stp) = f(stp) - f(0) - ftol stp f'(0)
        fm = f - stp * ls.gtest
        fxm = ls.fx - ls.stx * ls.gtest
        fym = ls.fy - ls.sty * ls.gtest
        gm = g - ls.gtest
        gxm = ls.gx - ls.gtest
        gym = ls.gy - ls.gtest
        safeguarded_step(&ls.stx, &fxm, &gxm, &ls.sty, &fym, &gym, &stp, fm, gm,
                         &ls.brackt, ls.stmin, ls.stmax)
        ls.fx = fxm + ls.stx * ls.gtest
        ls.fy = fym + ls.sty * ls.gtest
        ls.gx = gxm + ls.gtest
        ls.gy = gym + ls.gtest
    else:
        safeguarded_step(&ls.stx, &ls.fx, &ls.gx, &ls.sty, &ls.fy, &ls.gy, &stp, f, g,
                         &ls.brackt, ls.stmin, ls.stmax)
    if ls.brackt:
        if fabs(ls.sty - ls.stx) >= 0.66 * ls.width1:
            stp = ls.stx + 0.5 * (ls.sty - ls.stx)
        ls.width1 = ls.width
        ls.width = fabs(ls.sty - ls.stx)
        ls.stmin = fmin(ls.stx, ls.sty)
        ls.stmax = fmax(ls.stx, ls.sty)
    else:
        ls.stmin = stp + 1.1 * (stp - ls.stx)
        ls.stmax = stp + 4.0 * (stp - ls.stx)
    stp = fmin(fmax(stp, ls.stpmin), ls.stpmax)
    if ls.brackt and (stp <= ls.stmin or stp >= ls.stmax
                      or ls.stmax - ls.stmin <= LS_XTOL * ls.stmax):
        stp = ls.stx
    stp_io[0] = stp
    return EVALUATE


cdef inline double cubic_gamma(double theta, double a, double b) noexcept nogil:
    cdef double s = fmax(fabs(theta), fmax(fabs(a), fabs(b)))
    return s * sqrt(fmax(0.0, (theta / s) * (theta / s) - (a / s) * (b / s)))


cdef inline double cubic_minimiser(double stp, double fp, double dp,
                                   double s, double fs, double ds) noexcept nogil:
    """Minimiser of the cubic with values and slopes fp, dp at stp and fs, ds at s."""
    cdef double theta = 3.0 * (fs - fp) / (stp - s) + ds + dp
    cdef double gamma = cubic_gamma(theta, ds, dp)
    if stp > s:
        gamma = -gamma
    return stp + (((gamma - dp) + theta) / (((gamma - dp) + gamma) + ds)) * (s - stp)


cdef void safeguarded_step(double* stx, double* fx, double* dx, double* sty, double* fy,
                           double* dy, double* stp_io, double fp, double dp, bint* brackt,
                           double stpmin, double stpmax) noexcept nogil:
    """dcstep: the next trial step and the updated bracket [stx, sty]."""
    cdef double stp = stp_io[0]
    cdef double theta, gamma, p, q, r, stpc, stpq, stpf
    cdef bint opposite = (dp < 0) != (dx[0] < 0) and dp != 0 and dx[0] != 0
    if fp > fx[0]:
        # higher value: the minimum is bracketed; cubic or half-way quadratic
        theta = 3.0 * (fx[0] - fp) / (stp - stx[0]) + dx[0] + dp
        gamma = cubic_gamma(theta, dx[0], dp)
        if stp < stx[0]:
            gamma = -gamma
        p = (gamma - dx[0]) + theta
        q = ((gamma - dx[0]) + gamma) + dp
        r = p / q
        stpc = stx[0] + r * (stp - stx[0])
        stpq = stx[0] + ((dx[0] / ((fx[0] - fp) / (stp - stx[0]) + dx[0])) / 2.0) * (stp - stx[0])
        if fabs(stpc - stx[0]) <= fabs(stpq - stx[0]):
            stpf = stpc
        else:
            stpf = stpc + (stpq - stpc) / 2.0
        brackt[0] = True
    elif opposite:
        # lower value, slopes of opposite sign: bracketed; cubic or secant
        stpc = cubic_minimiser(stp, fp, dp, stx[0], fx[0], dx[0])
        stpq = stp + (dp / (dp - dx[0])) * (stx[0] - stp)
        stpf = stpc if fabs(stpc - stp) > fabs(stpq - stp) else stpq
        brackt[0] = True
    elif fabs(dp) < fabs(dx[0]):
        # lower value, same sign, slope decreasing in size
        theta = 3.0 * (fx[0] - fp) / (stp - stx[0]) + dx[0] + dp
        gamma = cubic_gamma(theta, dx[0], dp)
        if stp > stx[0]:
            gamma = -gamma
        p = (gamma - dp) + theta
        q = (gamma + (dx[0] - dp)) + gamma
        r = p / q
        if r < 0 and gamma != 0:
            stpc = stp + r * (stx[0] - stp)
        elif stp > stx[0]:
            stpc = stpmax
        else:
            stpc = stpmin
        stpq = stp + (dp / (dp - dx[0])) * (stx[0] - stp)
        if brackt[0]:
            stpf = stpc if fabs(stpc - stp) < fabs(stpq - stp) else stpq
            if stp > stx[0]:
                stpf = fmin(stp + 0.66 * (sty[0] - stp), stpf)
            else:
                stpf = fmax(stp + 0.66 * (sty[0] - stp), stpf)
        else:
            stpf = stpc if fabs(stpc - stp) > fabs(stpq - stp) else stpq
            stpf = fmin(fmax(stpf, stpmin), stpmax)
    elif brackt[0]:
        # lower value, same sign, slope not decreasing: cubic towards sty
        stpf = cubic_minimiser(stp, fp, dp, sty[0], fy[0], dy[0])
    elif stp > stx[0]:
        stpf = stpmax
    else:
        stpf = stpmin
    if fp > fx[0]:
        sty[0] = stp
        fy[0] = fp
        dy[0] = dp
    else:
        if opposite:
            sty[0] = stx[0]
            fy[0] = fx[0]
            dy[0] = dx[0]
        stx[0] = stp
        fx[0] = fp
        dx[0] = dp
    stp_io[0] = stpf


cdef void two_loop(double[:, ::1] S, double[:, ::1] Y, double[::1] rho, double[::1] a,
                   int head, int count, double h0, double[::1] g, double[::1] d) noexcept nogil:
    """d = -H g over the stored pairs (oldest at ``head``)."""
    cdef int n = d.shape[0], one = 1, k, i, m = S.shape[0]
    cdef double coef
    for i in range(n):
        d[i] = -g[i]
    for k in range(count - 1, -1, -1):
        i = (head + k) % m
        a[i] = rho[i] * ddot(&n, &S[i, 0], &one, &d[0], &one)
        coef = -a[i]
        daxpy(&n, &coef, &Y[i, 0], &one, &d[0], &one)
    dscal(&n, &h0, &d[0], &one)
    for k in range(count):
        i = (head + k) % m
        coef = a[i] - rho[i] * ddot(&n, &Y[i, 0], &one, &d[0], &one)
        daxpy(&n, &coef, &S[i, 0], &one, &d[0], &one)


cdef double max_abs(double[::1] v) noexcept nogil:
    """max |v_i|, or NaN if an entry is NaN (a NaN gradient is not small)."""
    cdef double out = 0.0
    cdef Py_ssize_t i
    for i in range(v.shape[0]):
        if isnan(v[i]):
            return v[i]
        out = fmax(out, fabs(v[i]))
    return out


def _evaluate(fun, x):
    value, grad = fun(x)
    # a copy: ``fun`` may return the same buffer at every call
    grad = np.array(grad, dtype=np.float64)
    if grad.shape != x.shape:
        raise ValueError(f"the gradient has shape {grad.shape}; x has shape {x.shape}")
    return float(value), grad


def lbfgs(fun, x0, *, Py_ssize_t max_iter, double gtol, double ftol, int maxls=20,
          Py_ssize_t max_fun=15000, int memory=10, on_iteration=None):
    """Minimise ``fun(x) -> (value, gradient)`` from ``x0`` (see the module docstring).

    ``on_iteration(n_iter, x)`` runs after every iteration; True stops the run
    there. ``fun`` and ``on_iteration`` may keep the arrays they are given:
    each trial point is a new array.

    Returns
    -------
    (x, value, n_iter, status, message)
        status: 0 converged, 1 an iteration / evaluation limit, 2 the line
        search failed with an empty memory, 3 stopped by ``on_iteration``.

    Examples
    --------
    >>> import numpy as np
    >>> x, value, n_iter, status, message = lbfgs(
    ...     lambda x: (float(x @ x), 2 * x), np.ones(3), max_iter=50, gtol=1e-8, ftol=0.0)
    >>> bool(np.abs(x).max() < 1e-8), status, message
    (True, 0, 'CONVERGENCE: NORM OF PROJECTED GRADIENT <= PGTOL')
    """
    if memory < 1 or maxls < 1:
        raise ValueError(f"memory and maxls must be >= 1, got {memory} and {maxls}")
    cdef double[::1] x = np.array(x0, dtype=np.float64).ravel()
    cdef int n = x.shape[0], one = 1
    cdef double f, f_new, gd, gd_old, gd_new, stp, dnorm, f_old, dr, rr, h0 = 1.0
    cdef double[::1] g, g_new, x_new, x_old, g_old
    cdef double[:, ::1] S = np.empty((memory, n))
    cdef double[:, ::1] Y = np.empty((memory, n))
    cdef double[::1] rho = np.empty(memory), a = np.empty(memory)
    cdef double[::1] d = np.empty(n)
    cdef int head = 0, count = 0, n_eval, task, slot, i
    cdef Py_ssize_t n_iter = 0, n_fun = 1
    cdef LineSearch ls
    ls.stpmin = 0.0
    ls.stpmax = STEP_MAX

    f, grad = _evaluate(fun, np.asarray(x))
    g = grad
    if max_abs(g) <= gtol:
        return np.asarray(x), f, 0, CONVERGENCE, "CONVERGENCE: NORM OF PROJECTED GRADIENT <= PGTOL"
    if max_iter <= 0:
        return np.asarray(x), f, 0, LIMIT, "STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT"
    while True:
        # with an empty memory (h0 = 1): steepest descent
        two_loop(S, Y, rho, a, head, count, h0, g, d)
        gd = ddot(&n, &g[0], &one, &d[0], &one)
        dnorm = dnrm2(&n, &d[0], &one)
        stp = fmin(1.0 / dnorm, STEP_MAX) if n_iter == 0 else 1.0
        task = search_start(&ls, stp, f, gd) if gd < 0 else ERROR
        n_eval = 0
        while task == EVALUATE and n_eval < maxls:
            x_arr = np.empty(n)
            x_new = x_arr
            for i in range(n):
                x_new[i] = x[i] + stp * d[i]
            f_new, grad = _evaluate(fun, x_arr)
            g_new = grad
            n_eval += 1
            n_fun += 1
            gd_new = ddot(&n, &g_new[0], &one, &d[0], &one)
            if isfinite(f_new) and isfinite(gd_new):
                task = search_step(&ls, &stp, f_new, gd_new)
            else:
                stp = ls.stx + 0.5 * (stp - ls.stx)
        if task != CONVERGED and task != WARNING:
            # no acceptable step: retry along -g, or give up if that was -g
            if count == 0:
                return (np.asarray(x), f, n_iter, ABNORMAL,
                        "ABNORMAL_TERMINATION_IN_LNSRCH")
            count = head = 0
            h0 = 1.0
            continue
        n_iter += 1
        f_old, gd_old = f, gd
        x_old, g_old = x, g
        x, g, f = x_new, g_new, f_new
        if on_iteration is not None and on_iteration(n_iter, x_arr):
            return x_arr, f, n_iter, STOPPED, "STOPPED BY THE CALLBACK"
        if n_iter >= max_iter:
            return x_arr, f, n_iter, LIMIT, "STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT"
        if n_fun > max_fun:
            return (x_arr, f, n_iter, LIMIT,
                    "STOP: TOTAL NO. OF F AND G EVALUATIONS EXCEEDS LIMIT")
        if max_abs(g) <= gtol:
            return x_arr, f, n_iter, CONVERGENCE, "CONVERGENCE: NORM OF PROJECTED GRADIENT <= PGTOL"
        if f_old - f <= ftol * fmax(fmax(fabs(f_old), fabs(f)), 1.0):
            return (x_arr, f, n_iter, CONVERGENCE,
                    "CONVERGENCE: RELATIVE REDUCTION OF F <= FACTR*EPSMCH")
        # s'y from the slopes, as L-BFGS-B does; skip pairs of no curvature
        dr = (gd_new - gd_old) * stp
        if dr <= EPS * (-gd_old * stp):
            continue
        # the new pair, written where the oldest one was once memory is full
        slot = (head + count) % memory
        for i in range(n):
            S[slot, i] = x[i] - x_old[i]
            Y[slot, i] = g[i] - g_old[i]
        rr = ddot(&n, &Y[slot, 0], &one, &Y[slot, 0], &one)
        rho[slot] = 1.0 / dr
        h0 = dr / rr
        if count < memory:
            count += 1
        else:
            head = (head + 1) % memory
