"""L-BFGS (scipy's L-BFGS-B algorithm, our loop) on the fused loss and gradient."""

import numpy as np

from sklearn_sigcore._estimator_utils import minimize_lbfgs

from ._base import Solver

EPS = np.finfo(np.float64).eps


class LbfgsSolver(Solver):
    """scikit-learn's 'lbfgs': L-BFGS-B with gtol = tol on the max-norm gradient."""

    name = "lbfgs"
    gradient_first = True

    def solve(self, problem, theta0):
        opts = self.options
        # scikit-learn's ftol in float64; in float32 the objective is only
        # resolved to ~1e-10 relative, and chasing the rounding costs line searches
        ftol = 64 * EPS if problem.dtype == np.float64 else 1e-10
        last = {}

        def fun(theta):
            last["value"] = problem.smooth(theta)
            return last["value"]

        res = minimize_lbfgs(
            fun, theta0, max_iter=opts.max_iter, gtol=opts.tol, ftol=ftol, maxls=50,
            # the line search's last evaluation is the accepted point
            on_iteration=lambda n_iter, theta: opts.report(n_iter, theta, last["value"][0]))
        if not res.converged:
            self.warn(res.message, res.n_iter)
        return res.x, res.n_iter
