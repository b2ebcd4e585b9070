"""SAG and SAGA: stochastic average gradient (Cython, just-in-time sparse updates)."""

import numpy as np
import scipy.sparse as sp

from sklearn_sigcore._sag_fast import sag_solve

from ._base import Solver


class SagSolver(Solver):
    """scikit-learn's 'sag': stochastic average gradient, L2 or no penalty.

    tol and max_iter are scikit-learn's: epochs stop when the largest change
    of a weight over the epoch is at most tol times the largest weight, and
    the intercept's (which scikit-learn leaves out) at most tol times
    max(largest weight, 1): a log-odds that moves less than tol has settled,
    also when every weight's optimum is ~0. sag / saga read X as it is (no
    column scaling): CSC and F-ordered X are copied once, since rows are
    sampled.
    """

    name = "sag"
    column_scaled = False
    scales_out = False
    saga = False

    def solve(self, problem, theta0):
        opts = self.options
        V, c = problem.coefficients(theta0)
        coef = np.array(V, dtype=np.float64)
        intercept = np.zeros(problem.K) if c is None else np.array(c, dtype=np.float64)

        def theta_of(coef, intercept):
            return problem.theta_of(coef, intercept if problem.fit_intercept else None)

        def report(epoch, coef, intercept):
            return opts.report(epoch, theta_of(coef, intercept))

        X = problem.X
        if sp.issparse(X) and X.format != "csr":
            X = X.tocsr()
        elif not sp.issparse(X) and not X.flags.c_contiguous:
            X = np.ascontiguousarray(X)
        coef, intercept, n_epochs, converged = sag_solve(
            X, problem.y, problem.sample_weight, problem.K, problem.fit_intercept,
            problem.l2, problem.l1, coef, intercept, saga=self.saga, tol=opts.tol,
            max_iter=opts.max_iter, seed=opts.seed,
            report=report if opts.reporting else None)
        if not converged and n_epochs >= opts.max_iter:
            self.warn()
        return theta_of(coef, intercept), int(n_epochs)


class SagaSolver(SagSolver):
    """scikit-learn's 'saga': SAGA with the L1 / elastic-net proximal step."""

    name = "saga"
    penalties = ("l2", "l1", "elasticnet", None)
    saga = True
