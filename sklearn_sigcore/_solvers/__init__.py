"""The solvers of SigCoreLogisticRegression, one registry.

Every solver is a small class over :class:`LogisticProblem` (the objective at
α = 1 in the solver's coordinates) with the penalties it accepts as data and
one ``solve(problem, theta0) -> (theta, n_iter)``. The registry drives the
estimator's ``solver`` options, its solver / penalty errors and ``'auto'``
(which may also take a solver of :data:`AUTO_SOLVERS`); partial_fit runs
the solver of :data:`PARTIAL_FIT_SOLVERS` (one epoch of proximal SGD per
call).
"""

from ._base import SolverOptions, warn_not_converged
from ._fista import FistaSolver
from ._lbfgs import LbfgsSolver
from ._liblinear import CoordinateDescentSolver, LiblinearSolver
from ._newton import NewtonCGSolver, NewtonCholeskySolver
from ._problem import (LogisticProblem, column_rms, column_scale, column_square_sums,
                       column_sums)
from ._sag import SagaSolver, SagSolver
from ._sgd import SgdSchedule, SgdSolver

SOLVERS = {cls.name: cls for cls in (LbfgsSolver, LiblinearSolver, NewtonCGSolver,
                                     NewtonCholeskySolver, SagSolver, SagaSolver,
                                     FistaSolver)}
# what only solver='auto' takes (no scikit-learn name of its own)
AUTO_SOLVERS = {CoordinateDescentSolver.name: CoordinateDescentSolver}
# what only partial_fit takes
PARTIAL_FIT_SOLVERS = {SgdSolver.name: SgdSolver}
ALL_SOLVERS = {**SOLVERS, **AUTO_SOLVERS, **PARTIAL_FIT_SOLVERS}

__all__ = ["SOLVERS", "ALL_SOLVERS", "PARTIAL_FIT_SOLVERS", "CoordinateDescentSolver",
           "LogisticProblem", "SgdSchedule",
           "SolverOptions", "column_rms", "column_scale", "column_square_sums",
           "column_sums",
           "warn_not_converged"]
