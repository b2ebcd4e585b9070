"""L-BFGS (scipy's L-BFGS-B) on the fused loss and gradient."""

import numpy as np
import scipy.optimize

from ._base import Solver

EPS = np.finfo(np.float64).eps


class _StopRequested(Exception):
    """A callback asked the solver to stop (raised out of scipy's loop)."""


class LbfgsSolver(Solver):
    """scikit-learn's 'lbfgs': L-BFGS-B with gtol = tol on the max-norm gradient."""

    name = "lbfgs"

    def solve(self, problem, theta0):
        opts = self.options
        # scikit-learn's ftol in float64; in float32 the objective is only
        # resolved to ~1e-10 relative, and chasing the rounding costs line searches
        ftol = 64 * EPS if problem.X.dtype == np.float64 else 1e-10
        last = {}

        def fun(theta):
            last["value"] = problem.smooth(theta)
            return last["value"]

        accepted = {"theta": theta0, "n_iter": 0}

        def callback(theta):
            # called after the line search, whose last evaluation is the accepted point
            accepted["theta"], accepted["n_iter"] = theta.copy(), accepted["n_iter"] + 1
            if opts.report(accepted["n_iter"], theta, last["value"][0]):
                raise _StopRequested

        try:
            res = scipy.optimize.minimize(
                fun, theta0, method="L-BFGS-B", jac=True, callback=callback,
                options={"maxiter": opts.max_iter, "maxls": 50, "gtol": opts.tol,
                         "ftol": ftol},
            )
        except _StopRequested:
            return accepted["theta"], accepted["n_iter"]
        if res.status != 0:
            msg = res.message.decode() if isinstance(res.message, bytes) else str(res.message)
            self.warn(msg)
        return res.x, int(res.nit)
