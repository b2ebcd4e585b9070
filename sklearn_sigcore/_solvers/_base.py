"""What every solver shares: its options, its interface and its convergence warning."""

from dataclasses import dataclass
from typing import Callable

from sklearn_sigcore._estimator_utils import warn_not_converged


@dataclass
class SolverOptions:
    """The estimator's settings a solver reads.

    Attributes
    ----------
    tol : float
        Stopping tolerance (its meaning is each solver's, as in scikit-learn).
    max_iter : int
        Most iterations (epochs for sag / saga).
    report : callable
        ``report(n_iter, theta, objective=None) -> bool``, called after every
        iteration (verbose line, callbacks; the objective is computed when
        needed and not given); True asks the solver to stop.
    reporting : bool
        Whether ``report`` does anything (else a solver may skip the calls).
    seed : int
        Seed of the stochastic solvers' random streams.
    dual : bool
        liblinear's dual formulation.
    intercept_scaling : float
        liblinear's value of the synthetic intercept feature.
    """

    tol: float
    max_iter: int
    report: Callable
    reporting: bool = False
    seed: int = 0
    dual: bool = False
    intercept_scaling: float = 1.0


class Solver:
    """One solver of :class:`LogisticProblem`; subclasses set the class data.

    Attributes
    ----------
    name : str
        The ``solver`` parameter value.
    penalties : tuple
        The penalties it accepts ('l2', 'l1', 'elasticnet', None).
    multiclass : bool
        Whether it fits the multinomial model (liblinear does not).
    column_scaled : bool
        Whether it works in column-scaled coordinates (the gradient-based
        solvers); the row-wise ones read X as it is.
    scales_out : bool
        Whether it only reads the data through the problem's sums over rows
        (loss, gradient, Hessian products), so that those sums can run where
        the rows live (a dask fit); the row- or coordinate-sequential solvers
        (sag, saga, liblinear) cannot.
    warm_start_shape_error : bool
        Whether a warm start from a previous solution of another shape
        raises scikit-learn's ValueError; 'liblinear' does not (as in
        scikit-learn, whose liblinear ignores ``warm_start``).
    gradient_first : bool
        Whether its first evaluation is the loss and gradient at the start
        without the Hessian (lbfgs, fista): from zero coefficients that one
        can come from the column pass (see
        :meth:`LogisticProblem.know_zero_point`).
    """

    name = None
    penalties = ("l2", None)
    multiclass = True
    column_scaled = True
    scales_out = True
    warm_start_shape_error = True
    gradient_first = False

    def __init__(self, options):
        self.options = options

    def solve(self, problem, theta0):
        """Minimise ``problem`` from ``theta0``; returns (theta, n_iter)."""
        raise NotImplementedError

    def warn(self, detail="", n_iter=None):
        warn_not_converged(self.name, self.options.max_iter, detail, n_iter=n_iter)
