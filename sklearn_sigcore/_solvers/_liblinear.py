"""scikit-learn's 'liblinear' objective: the intercept is a penalised feature.

liblinear minimises ½‖w̃‖² + Σ c_i ℓ_i (L2) or ‖w̃‖₁ + Σ c_i ℓ_i (L1) over
w̃ = [w, w_b] and rows [x_i, B], B = intercept_scaling, so the intercept
B·w_b is penalised as (b/B)² or |b|/B. The estimator builds that problem
(intercept_l2 = l2/B², intercept_l1 = l1/B); this solver takes it to its
optimum: dual coordinate descent (dual=True) or our Newton-CG on the primal
(L2), liblinear's newGLMNET coordinate descent (L1). Binary only.

The same newGLMNET with the intercept a free coordinate solves this package's
own binary L1 objective: :class:`CoordinateDescentSolver`, what
``solver='auto'`` takes there.
"""

import numpy as np

from sklearn_sigcore._liblinear_dual import liblinear_l2r_dual
from sklearn_sigcore._liblinear_l1 import liblinear_l1r_primal

from ._base import Solver
from ._lbfgs import LbfgsSolver
from ._newton import NewtonCGSolver


class LiblinearSolver(Solver):
    """The liblinear objective: penalties 'l2' (primal or dual) and 'l1'."""

    name = "liblinear"
    penalties = ("l2", "l1")
    multiclass = False
    column_scaled = True     # the primal Newton-CG works in them; the kernels read X as it is
    scales_out = False
    warm_start_shape_error = False

    def solve(self, problem, theta0):
        opts = self.options
        if problem.coef_vanishes:
            # C α² underflowed: the coefficients' optimum is 0, and so is the
            # intercept's, penalised as strongly (see the estimator's _problem)
            return np.zeros(problem.size), 0
        if not (problem.l1 or problem.l2):
            raise _overflow_error()
        if not (problem.l1 or opts.dual):
            # from zero, as every liblinear solver: scikit-learn's ignores warm_start
            return _PrimalNewton(opts).solve(problem, np.zeros(problem.size))
        B = opts.intercept_scaling if problem.fit_intercept else -1.0
        if problem.l1:
            return _run_kernel(self, liblinear_l1r_primal, problem, B, per_iteration=True,
                               n_threads=problem.n_threads)
        return _run_kernel(self, liblinear_l2r_dual, problem, B)


class CoordinateDescentSolver(Solver):
    """'auto' for binary L1: newGLMNET on this package's objective.

    The liblinear solver's L1 coordinate descent with the intercept a free
    coordinate (no L1 term, never shrunk), so it reaches the optimum the
    other solvers reach; liblinear's stopping rule at ``tol``. It starts
    from zero, as liblinear does: its stopping rule is relative to the first
    iteration's violation, so a warm start near the optimum would not stop
    any sooner.
    """

    name = "coordinate descent"
    penalties = ("l1",)
    multiclass = False
    column_scaled = False
    scales_out = False
    warm_start_shape_error = True     # as 'auto''s other choices

    @staticmethod
    def handles(problem, square_sums):
        """Whether the coordinate descent's curvature (the costs times the
        columns' sums of squares ``square_sums``) stays finite in float64."""
        costs = _costs(problem, problem.l1) if problem.l1 else None
        if costs is None or not np.isfinite(costs).all():
            return True     # the intercept alone, or lbfgs (see solve)
        with np.errstate(over="ignore"):
            return bool(np.isfinite(costs.max() * max(float(square_sums.max(initial=0.0)), 1.0))
                        and np.isfinite(costs.sum()))

    def solve(self, problem, theta0):
        costs = _costs(problem, problem.l1) if problem.l1 else None
        if costs is None or not np.isfinite(costs).all():
            # C α underflowed (the estimator's _penalty_terms zeroes l1 and the
            # columns: only the intercept is fitted) or overflowed (the
            # unpenalised limit, where lbfgs ignores the negligible l1)
            return LbfgsSolver(self.options).solve(problem, theta0)
        if costs.max() < TINY_COST:
            theta = _intercept_only_optimum(problem)
            if theta is not None:
                self.options.report(1, theta)
                return theta, 1
        B = 1.0 if problem.fit_intercept else -1.0
        return _run_kernel(self, liblinear_l1r_primal, problem, B, costs, per_iteration=True,
                           free_bias=True, n_threads=problem.n_threads)


# Costs (C α times the sample weights) below this are lost in newGLMNET's
# arithmetic, which works on the loss times them (from 1e-300 it drops the
# samples); there the coefficients sit at 0 unless X is astronomically large.
TINY_COST = 1e-250


def _costs(problem, strength):
    """liblinear's per-sample costs, the weights over the penalty strength (its
    scaling divides the objective by that strength); inf where that overflows."""
    with np.errstate(over="ignore"):
        return (problem.weights() * problem.inv_s) / strength       # sw * inv_s <= 1


def _overflow_error():
    # liblinear's objective is the loss times C α² (C α), plus the norm
    return ValueError(
        "C * alpha**2 (C * alpha for the L1 penalty) times the sample weights overflows: "
        "the liblinear solver needs it finite, as it needs a finite C. Use a smaller "
        "alpha or C, or another solver ('auto', 'saga' or 'fista' reach the "
        "unpenalised limit).")


def _intercept_only_optimum(problem):
    """θ of the model with w = 0 and the optimal intercept (the weighted
    log-odds of the positive class) if it is the L1 problem's optimum (every
    coefficient's gradient within its L1 strength), else None."""
    theta = np.zeros(problem.size)
    if problem.fit_intercept:
        y = np.asarray(problem.y, dtype=np.float64)
        sw = problem.weights()
        share = float(sw @ y) / float(sw.sum())
        theta[problem.n_coef:] = np.log(share) - np.log1p(-share)
    _, grad = problem.smooth(theta)
    inside = np.abs(grad[:problem.n_coef]) <= problem.l1_vec[:problem.n_coef]
    return theta if inside.all() else None


def _run_kernel(solver, kernel, problem, B, cost=None, per_iteration=False, **options):
    """Run a liblinear kernel on ``problem`` (binary), bias feature of value B,
    per-sample costs ``cost`` (by default ``_costs`` at the problem's penalty);
    ``per_iteration``: the kernel takes ``on_iteration`` (reports and stop
    requests after every iteration), else the run is reported once."""
    opts = solver.options
    if cost is None:
        cost = _costs(problem, problem.l1 if problem.l1 else problem.l2)
    if not np.isfinite(cost).all():
        raise _overflow_error()
    y = 2.0 * np.asarray(problem.y, dtype=np.float64) - 1.0

    def theta_of(w):
        c = np.array([B * w[problem.p]]) if problem.fit_intercept else None
        return problem.theta_of(w[None, :problem.p], c)

    if per_iteration and opts.reporting:
        options["on_iteration"] = lambda n_iter, w: opts.report(n_iter, theta_of(w))
    w, n_iter, converged = kernel(problem.X, y, cost, B, opts.tol, opts.max_iter,
                                  opts.seed, **options)
    theta = theta_of(w)
    if not converged:
        solver.warn()
    if not per_iteration:
        opts.report(int(n_iter), theta)
    return theta, int(n_iter)


class _PrimalNewton(NewtonCGSolver):
    """Newton-CG on liblinear's primal L2 objective, with liblinear's stopping
    rule: ‖g‖₂ <= tol · min(#positive, #negative) / n · ‖g at the start‖₂."""

    name = "liblinear"

    def gradient_tolerance(self, problem, grad0):
        y = np.asarray(problem.y)
        positives = int(np.count_nonzero(y > 0))
        share = max(min(positives, y.size - positives), 1) / max(y.size, 1)
        return self.options.tol * share * float(np.linalg.norm(grad0))

    @staticmethod
    def gradient_size(grad):
        return float(np.linalg.norm(grad))
