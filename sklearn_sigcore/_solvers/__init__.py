"""The solvers of SigCoreLogisticRegression, one registry.

Every solver is a small class over :class:`LogisticProblem` (the objective at
α = 1 in the solver's coordinates) with the penalties it accepts as data and
one ``solve(problem, theta0) -> (theta, n_iter)``. The registry drives the
estimator's ``solver`` options, its solver / penalty errors and ``'auto'``
(which may also take a solver of :data:`AUTO_SOLVERS`).  ``_sgd`` holds
partial_fit's proximal stochastic gradient epoch, outside the registry.
"""

from ._base import SolverOptions, warn_not_converged
from ._fista import FistaSolver
from ._lbfgs import LbfgsSolver
from ._liblinear import CoordinateDescentSolver, LiblinearSolver
from ._newton import NewtonCGSolver, NewtonCholeskySolver
from ._problem import LogisticProblem, column_rms, column_scale, column_square_sums
from ._sag import SagaSolver, SagSolver

SOLVERS = {cls.name: cls for cls in (LbfgsSolver, LiblinearSolver, NewtonCGSolver,
                                     NewtonCholeskySolver, SagSolver, SagaSolver,
                                     FistaSolver)}
# what only solver='auto' takes (no scikit-learn name of its own)
AUTO_SOLVERS = {CoordinateDescentSolver.name: CoordinateDescentSolver}
ALL_SOLVERS = {**SOLVERS, **AUTO_SOLVERS}

__all__ = ["SOLVERS", "ALL_SOLVERS", "LogisticProblem", "SolverOptions", "column_rms",
           "column_scale", "column_square_sums", "warn_not_converged"]
