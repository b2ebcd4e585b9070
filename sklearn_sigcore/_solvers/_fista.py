"""FISTA: accelerated proximal gradient for every penalty."""

import numpy as np

from ._base import Solver


class FistaSolver(Solver):
    """Accelerated proximal gradient with backtracking and adaptive restart.

    Converged when the gradient mapping at the extrapolated point is at most
    tol in max norm (the proximal analogue of scikit-learn's gradient test).
    """

    name = "fista"
    penalties = ("l2", "l1", "elasticnet", None)
    gradient_first = True

    def solve(self, problem, theta0):
        opts = self.options
        # how finely f is resolved: float32 data evaluates the loss in float32
        resolution = 1e3 * np.finfo(problem.dtype).eps
        lipschitz = problem.lipschitz_bound()
        x = theta0.copy()
        y = x.copy()
        t = 1.0
        # Start from a fraction of the (often loose) bound: backtracking raises it.
        L = max(lipschitz / 16.0, 1e-12)
        converged = stopped = False
        n_iter = 0
        for n_iter in range(1, opts.max_iter + 1):
            fy, gy = problem.smooth(y)
            if not np.isfinite(fy):     # nothing to descend on: the loop would not end
                raise ValueError(
                    f"The objective is {fy} at iteration {n_iter} of the fista solver: "
                    "the data, the sample or class weights or alpha overflow it; scale "
                    "X or the weights.")
            while True:
                x_new = problem.prox_l1(y - gy / L, 1.0 / L)
                diff = x_new - y
                f_new, g_new = problem.smooth(x_new)
                dd = float(np.dot(diff, diff))
                if dd == 0.0:
                    break
                # local curvature: from f where f resolves it, else from the
                # gradients (TFOCS' rule), so that rounding near the optimum
                # cannot stall the search
                model_gap = f_new - fy - float(np.dot(gy, diff))
                if abs(model_gap) > resolution * max(abs(fy), 1.0):
                    local_L = 2.0 * model_gap / dd
                else:
                    local_L = float(np.linalg.norm(g_new - gy)) / np.sqrt(dd)
                # (a trial point whose objective is not finite needs a larger L)
                if local_L <= L or L >= 1e6 * lipschitz or not np.isfinite(L):
                    break
                L = max(2.0 * L, local_L)
            mapping = L * float(np.max(np.abs(diff))) if diff.size else 0.0
            if opts.report(n_iter, x_new, f_new + problem.l1_norm(x_new)):
                x = x_new
                stopped = True
                break
            if mapping <= opts.tol:
                x = x_new
                converged = True
                break
            # adaptive restart (gradient scheme of O'Donoghue & Candes)
            if float(np.dot(y - x_new, x_new - x)) > 0:
                t = 1.0
            t_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
            y = x_new + ((t - 1.0) / t_new) * (x_new - x)
            x, t = x_new, t_new
            L *= 0.9  # let the step grow back where the curvature is lower
        if not (converged or stopped):
            self.warn()
        return x, n_iter
