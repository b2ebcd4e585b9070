"""Newton solvers: one template, two inner solves (conjugate gradient, Cholesky).

As scikit-learn's ``linear_model/_glm/_newton_solver.py``: each iteration
finds a Newton direction (``inner_solve``), takes a step along it by a
backtracking line search, and checks convergence; the line search and the
convergence test are written once here.
"""

import dataclasses
import warnings

import numpy as np
import scipy.linalg
from sklearn.exceptions import ConvergenceWarning

from sklearn_sigcore._estimator_utils import user_stacklevel
from sklearn_sigcore._threads import outer_blas_threads

from ._base import Solver
from ._lbfgs import LbfgsSolver

EPS = np.finfo(np.float64).eps
# Hessians of at least this size are factorised in single precision (refined
# to double) with BLAS threads (1000 x 1000: ~0.3 GFLOP, tens of
# milliseconds on one core; below, the factorisation costs little).
MIXED_PRECISION_SIZE = 1000
MAX_REFINEMENTS = 10
# Steps in a row that each leave max |gradient| above 0.99 of the smallest
# so far and together lower the objective by less than STALL_DECREASE of
# it, some along directions the conjugate gradient cut short at a flat
# direction (part of the gradient left unsolved), before newton-cg hands
# over to lbfgs. A saturated warm start does this: the intercept's curvature
# underflows, and newton-cg moved it by 0.04 in 100 iterations, from logits
# of 521 where the optimum is at 0.2 (every other direction cut short, the
# objective 194 falling by 6.5e-4 a step). Unpenalised separable data cut
# most directions short too, but their objective keeps falling fast.
STALL_STEPS = 5
STALL_DECREASE = 0.05


class NewtonSolver(Solver):
    """The template: subclasses define ``inner_solve``.

    Convergence as scikit-learn's solver of the same name decides it: max
    |gradient| <= tol at the current point, tested before a direction is
    computed (newton-cg), or after each step together with half the squared
    Newton decrement of the step just taken (``decrement_test``,
    newton-cholesky: no Hessian is formed at the final point).
    """

    decrement_test = False
    # set by inner_solve: its direction leaves part of the gradient unsolved
    # for lack of curvature
    flat_direction = False

    def solve(self, problem, theta0):
        opts = self.options
        theta = theta0.copy()
        value, grad = problem.smooth(theta, store_hessian=True)
        size = self.gradient_size(grad)
        tol = self.gradient_tolerance(problem, grad)
        n_iter = 0  # Newton steps taken
        # the run of steps without progress, from the objective run_value on
        stalls, smallest, flat, run_value = 0, size, False, value
        converged = stopped = False
        while n_iter < opts.max_iter:
            if not self.decrement_test and size <= tol:
                converged = True
                break
            direction = self.inner_solve(problem, theta, grad)
            decrement = 0.5 * float(-np.dot(grad, direction))
            step = None
            if decrement > 0:  # a descent direction
                step = self.line_search(problem, theta, value, grad, direction)
            if step is None:
                if size <= tol:
                    converged = True  # no decrease possible: at machine precision
                    break
                # e.g. a saturated start (all curvature lost): as scikit-learn
                return self.fallback_lbfgs(problem, theta, n_iter)
            previous_size = size
            theta, value, grad, decrease, step_size = step
            size = self.gradient_size(grad)
            n_iter += 1
            if opts.report(n_iter, theta, value):
                stopped = True
                break
            if self.decrement_test and size <= tol and decrement <= opts.tol:
                converged = True
                break
            if decrease <= 64 * EPS * max(abs(value), 1.0) and (
                    step_size < 1e-10 or size > 0.99 * previous_size):
                # no decrease and the gradient stalls: the Newton steps are lost in
                # rounding (a saturated start, or tol below what float32 X resolves)
                if n_iter == opts.max_iter:
                    break
                return self.fallback_lbfgs(problem, theta, n_iter)
            if size > 0.99 * smallest:
                stalls, flat = stalls + 1, flat or self.flat_direction
            else:
                stalls, smallest, flat, run_value = 0, size, False, value
            if (stalls >= STALL_STEPS and flat and n_iter < opts.max_iter
                    and run_value - value <= STALL_DECREASE * abs(run_value)):
                return self.fallback_lbfgs(
                    problem, theta, n_iter,
                    f"have not reduced the gradient for {STALL_STEPS} iterations")
        else:
            converged = not self.decrement_test and size <= tol and opts.max_iter > 0
        if not (converged or stopped):
            self.warn()
        return theta, n_iter

    def fallback_lbfgs(self, problem, theta, n_iter, failure="give no decrease"):
        """Finish with lbfgs after ``n_iter`` steps (scikit-learn's fallback when
        the Newton direction fails), with its warning; (theta, all iterations)."""
        opts = self.options
        warnings.warn(
            f"The Newton steps of the {self.name} solver {failure} at "
            f"iteration {n_iter} (the Hessian has lost its curvature, e.g. from a "
            "saturated warm start, is too ill-conditioned, or tol is below the "
            "objective's rounding). It will now resort to lbfgs instead.",
            ConvergenceWarning, stacklevel=user_stacklevel())
        lbfgs = LbfgsSolver(dataclasses.replace(
            opts, max_iter=opts.max_iter - n_iter,
            report=lambda k, theta, objective=None: opts.report(n_iter + k, theta,
                                                                objective)))
        theta, more = lbfgs.solve(problem, theta)
        return theta, n_iter + more

    def gradient_tolerance(self, problem, grad0):
        """The bound on ``gradient_size`` that ends the solve (scikit-learn's: tol)."""
        return self.options.tol

    @staticmethod
    def gradient_size(grad):
        """The gradient's size the convergence test uses: its largest component."""
        return np.max(np.abs(grad))

    @staticmethod
    def line_search(problem, theta, value, grad, direction):
        """Armijo backtracking along a descent direction; (theta, value, grad,
        decrease, step) or None."""
        slope = float(np.dot(grad, direction))
        step = 1.0
        for _ in range(60):
            new_theta = theta + step * direction
            new_value, new_grad = problem.smooth(new_theta, store_hessian=True)
            if new_value <= value + 1e-4 * step * slope:
                break
            # Below the resolution of f (rounding): judge the step by the gradient.
            if new_value - value <= 16 * EPS * max(abs(value), 1.0) and \
                    np.max(np.abs(new_grad)) < np.max(np.abs(grad)):
                break
            step *= 0.5
        else:
            return None
        return new_theta, new_value, new_grad, value - new_value, step


class NewtonCGSolver(NewtonSolver):
    """scikit-learn's 'newton-cg': CG on Hessian-vector products (inexact Newton)."""

    name = "newton-cg"

    def inner_solve(self, problem, theta, grad):
        direction, self.flat_direction = conjugate_gradient(problem.hessp, grad,
                                                            max_cg=max(20, 2 * theta.size))
        return direction


def conjugate_gradient(hessp, grad, max_cg):
    """Approximately solve H d = -grad (scikit-learn's forcing term).

    Returns (d, flat): ``flat`` when it stopped at a direction without
    curvature before reaching its tolerance.
    """
    x = np.zeros_like(grad)
    r = -grad.copy()
    d = r.copy()
    norm1 = np.abs(grad).sum()
    tol = min(0.5, np.sqrt(norm1)) * norm1
    rr = float(np.dot(r, r))
    for _ in range(max_cg):
        if np.abs(r).sum() <= tol:
            break
        Hd = hessp(d)
        curvature = float(np.dot(d, Hd))
        if curvature <= 1e-16 * rr:
            # no curvature left along d (zero at once: the caller falls back)
            return x, True
        step = rr / curvature
        x += step * d
        r -= step * Hd
        rr_new = float(np.dot(r, r))
        d = r + (rr_new / rr) * d
        rr = rr_new
    return x, False


class NewtonCholeskySolver(NewtonSolver):
    """scikit-learn's 'newton-cholesky': the full Hessian, factorised each step.

    The Hessian X^T D X is accumulated by :func:`hessian_sums`: dense X in
    blocks of rows, one symmetric rank-k update (BLAS syrk) per block on the
    loss pass's OpenMP threads with one-thread BLAS each (OpenMP's threads
    left spinning would fight BLAS's for the cores); CSR X row by row of the
    Hessian from a CSC copy. Only a factorisation of at least
    ``MIXED_PRECISION_SIZE`` rows, long enough for a spinning team to
    matter little, runs with the BLAS threads in force outside the fit, in
    single precision refined to double (:func:`mixed_precision_solve`).
    Converged when, after a step, max |gradient| <= tol and half the
    squared Newton decrement of that step is too (scikit-learn's test).
    """

    name = "newton-cholesky"
    decrement_test = True

    def inner_solve(self, problem, theta, grad):
        H = hessian(problem)
        if H.shape[0] < MIXED_PRECISION_SIZE:
            direction = newton_direction(problem, theta, grad,
                                         lambda rhs: cholesky_solve(H, rhs))
        else:
            # a large factorisation takes the BLAS threads outside the fit's limit
            with outer_blas_threads():
                direction = newton_direction(problem, theta, grad,
                                             lambda rhs: mixed_precision_solve(H, rhs))
        if not np.all(np.isfinite(direction)):
            direction = np.zeros_like(grad)  # no Newton step: the solve falls back
        return direction


def cholesky_solve(H, rhs):
    """H⁻¹ rhs by a float64 Cholesky factorisation (least squares if H is singular)."""
    try:
        factor = scipy.linalg.cho_factor(H, check_finite=False)
        return scipy.linalg.cho_solve(factor, rhs, check_finite=False)
    except np.linalg.LinAlgError:
        # singular (e.g. separable data without a penalty): least squares
        return scipy.linalg.lstsq(H, rhs, check_finite=False)[0]


def mixed_precision_solve(H, rhs):
    """H⁻¹ rhs to float64 accuracy from a float32 Cholesky factorisation.

    LAPACK's dsposv scheme (which scipy does not expose): factorise H in
    single precision (twice the speed), refine x by x += H32⁻¹ (rhs - H x)
    with the residual in double precision, and stop at dsposv's test
    ‖r‖∞ <= ‖x‖∞ ‖H‖∞ ε √m. Falls back to :func:`cholesky_solve` when the
    float32 factorisation fails or the refinement stalls (H too
    ill-conditioned for single precision).
    """
    m = H.shape[0]
    # the transposed view is Fortran-ordered (no copy by LAPACK's wrapper) and,
    # H being symmetric, the same matrix
    factor, info = scipy.linalg.lapack.spotrf(H.astype(np.float32).T, lower=False,
                                              clean=False, overwrite_a=True)
    if info == 0:
        norm_H = float(scipy.linalg.lapack.dlange("1", H.T))  # = ‖H‖∞ (symmetric, no copy)
        x = np.zeros(m)
        residual = rhs
        previous = np.inf
        for _ in range(MAX_REFINEMENTS):
            step, info = scipy.linalg.lapack.spotrs(factor, residual.astype(np.float32),
                                                    lower=False)
            if info != 0 or not np.all(np.isfinite(step)):
                break
            x += step
            residual = rhs - H @ x
            size = float(np.abs(residual).max())
            if size <= float(np.abs(x).max()) * norm_H * EPS * np.sqrt(m):
                return x
            if size > 0.5 * previous:  # not contracting: single precision is too coarse
                break
            previous = size
    return cholesky_solve(H, rhs)


def hessian(problem):
    """The smooth part's Hessian in θ coordinates at the last store_hessian point.

    Multinomial: the softmax is invariant to adding one vector to every
    class's coefficients (and one number to every intercept), so the loss's
    Hessian is singular along those directions: for each feature, the same
    shift u of its coefficient in every class, and one for the intercepts.
    Only the penalty, if any, curves the objective there. Adding
    s u uᵀ / (uᵀu) for each such u (s: the mean diagonal entry) makes the
    matrix definite however small the penalty; :func:`newton_direction`
    takes the exact step along them. For u with entries 1 / d_j at feature
    j of every class (θ's column scale d), s u uᵀ / (uᵀu) is s / K at every
    pair of those entries, whatever d_j: one indexed update of K² p
    entries (a dense outer product per feature cost O(K² p³)).
    """
    H = problem.raw_hessian()  # a new array, in θ coordinates: scaled in place
    H *= problem.inv_s
    H[np.diag_indices_from(H)] += problem.l2_vec
    K, p = problem.K, problem.p
    if K > 1:
        add = max(float(np.trace(H)) / H.shape[0], EPS) / K
        starts = np.arange(K) * p        # where each class's coefficients start
        feature = np.arange(p)
        H[(starts[:, None, None] + feature), (starts[None, :, None] + feature)] += add
        if problem.fit_intercept:
            H[problem.n_coef:, problem.n_coef:] += add
    return H


def newton_direction(problem, theta, grad, solve):
    """The Newton direction -H⁻¹ grad, ``solve(rhs)`` solving with :func:`hessian`.

    Along a penalised flat direction u of the multinomial loss (see
    :func:`hessian`) the objective is the penalty alone, a quadratic with its
    minimum where θ has no component along u (each feature's coefficients
    sum to zero over the classes): the exact Newton step there is minus that
    component, θ's mean over the classes. It is taken directly, and the rest
    of the gradient solved with H, whose u uᵀ terms would otherwise damp the
    step to nothing when the penalty is tiny next to the loss's curvature
    (C = 1e20: rows summing to 1.4 instead of 0).
    """
    shift = np.zeros_like(theta)
    rhs = -grad
    K, n = problem.K, problem.n_coef
    if K > 1 and problem.l2 > 0.0:
        shift[:n] = -np.tile(theta[:n].reshape(K, -1).mean(axis=0), K)
        rhs[:n] += np.tile(grad[:n].reshape(K, -1).mean(axis=0), K)
    if K > 1 and problem.fit_intercept and problem.intercept_l2 > 0.0:
        shift[n:] = -theta[n:].mean()
        rhs[n:] += grad[n:].mean()
    return solve(rhs) + shift
