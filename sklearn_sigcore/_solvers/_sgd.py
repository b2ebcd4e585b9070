"""partial_fit's solver: one epoch of mini-batch proximal stochastic gradient.

Not a ``solver`` option of ``fit`` (scikit-learn's LogisticRegression has no
partial_fit): each call of :meth:`SigCoreLogisticRegression.partial_fit`
solves the problem of the call's data with :class:`SgdSolver`, from the
current coefficients, for one epoch. Like every solver it works on the
α = 1 problem (the penalties divided by α², α), so α = 1e-300 or 1e300 does
not overflow its step size.
"""

from dataclasses import dataclass

import numpy as np

from ._base import Solver

BATCH_ROWS = 32
# steps over which the step size falls by 1 / sqrt(2)
STEP_DECAY = 1000.0


@dataclass
class SgdSchedule:
    """The step-size schedule, carried over from one partial_fit call to the next.

    Attributes
    ----------
    steps : int
        Steps taken so far (the schedule's clock).
    lipschitz : float
        The largest bound of the loss's curvature (without the penalty) of
        the α = 1 problems seen so far.
    """

    steps: int = 0
    lipschitz: float = 0.0


class SgdSolver(Solver):
    """One epoch of proximal SGD over the problem's rows, in shuffled batches.

    Each batch of BATCH_ROWS rows steps θ <- prox_l1(θ - η (g / s + l2 θ)),
    with g the gradient of its summed loss, s its weight and, per entry,
    η = 1 / ((L + l2) √(1 + t / STEP_DECAY)): L the largest
    :meth:`LogisticProblem.loss_curvature_bound` seen by ``schedule`` (this
    problem's included), l2 the entry's L2 strength (0 for the intercept,
    whose step a strong penalty on the coefficients must not stall), t the
    steps so far. ``solve`` returns (θ, 1) and leaves the batches' summed
    losses before their steps in ``running_loss``.
    """

    name = "sgd"
    penalties = ("l2", "l1", "elasticnet", None)
    column_scaled = False
    scales_out = False

    def __init__(self, options, schedule=None):
        super().__init__(options)
        self.schedule = SgdSchedule() if schedule is None else schedule
        self.running_loss = 0.0

    def solve(self, problem, theta0):
        schedule = self.schedule
        schedule.lipschitz = max(schedule.lipschitz, problem.loss_curvature_bound(), 1e-12)
        curvature = schedule.lipschitz + problem.l2_vec
        theta = np.array(theta0, dtype=np.float64)
        n = problem.X.shape[0]
        order = np.random.RandomState(self.options.seed).permutation(n)
        for start in range(0, n, BATCH_ROWS):
            batch_loss, grad, weight = problem.row_sums(theta,
                                                        np.sort(order[start:start + BATCH_ROWS]))
            if weight <= 0:
                continue
            self.running_loss += batch_loss
            eta = 1.0 / (curvature * np.sqrt(1.0 + schedule.steps / STEP_DECAY))
            theta -= eta * (grad / weight + problem.l2_vec * theta)
            theta = problem.prox_l1(theta, eta)
            schedule.steps += 1
        return theta, 1
