"""partial_fit's solver: one epoch of mini-batch proximal stochastic gradient.

Not a ``solver`` option of ``fit`` (scikit-learn's LogisticRegression has no
partial_fit): each call of :meth:`SigCoreLogisticRegression.partial_fit`
runs :func:`proximal_sgd_epoch` on the data of the call, from the current
coefficients, on the raw-sum loss of ``_linear_loss`` (the objective of
``fit``, every penalty).
"""

from dataclasses import dataclass

import numpy as np

from sklearn_sigcore._linear_loss import LinearLoss

from ._problem import weighted_square_norms

BATCH_ROWS = 32
# steps over which the step size falls by 1 / sqrt(2)
STEP_DECAY = 1000.0


@dataclass
class SgdState:
    """What carries over from one partial_fit call to the next.

    Attributes
    ----------
    W : ndarray of shape (K, n_features), float64
    b : ndarray of shape (K,), float64
    steps : int
        Steps taken so far (the step-size schedule's clock).
    lipschitz : float
        The largest curvature bound seen so far.
    """

    W: np.ndarray
    b: np.ndarray
    steps: int = 0
    lipschitz: float = 0.0


def curvature_bound(X, alpha, n_classes, fit_intercept, l2):
    """α² c (mean ‖x‖² + intercept) + l2: bounds the largest eigenvalue of a
    batch's average Hessian (trace bound), c = 1/4 (binary) or 1/2."""
    n = X.shape[0]
    mean_sq = weighted_square_norms(X, np.ones(X.shape[1]), None) / n if n else 0.0
    c = 0.25 if n_classes == 1 else 0.5
    return c * alpha ** 2 * mean_sq + c * alpha ** 2 * fit_intercept + l2


def proximal_sgd_epoch(state, X, target, sample_weight, alpha, n_classes, fit_intercept,
                       l2, l1, rng):
    """One pass over (X, target) in shuffled batches of BATCH_ROWS rows, in place.

    Each batch steps W <- prox_l1(W - eta (G / s + l2 W)), b <- b - eta gb / s,
    with G, gb its raw gradient sums, s its weight, and
    eta = 1 / (L sqrt(1 + steps / STEP_DECAY)), L = ``state.lipschitz``
    (the caller raises it to the bound of this data first).  Multinomial
    intercepts are centred at the end.  Returns the sum of the batches'
    losses before their steps.
    """
    order = rng.permutation(X.shape[0])
    running_loss = 0.0
    W, b = state.W, state.b
    for start in range(0, X.shape[0], BATCH_ROWS):
        idx = np.sort(order[start:start + BATCH_ROWS])
        sw_b = None if sample_weight is None else sample_weight[idx]
        s_b = float(len(idx)) if sw_b is None else float(sw_b.sum(dtype=np.float64))
        if s_b <= 0:
            continue
        loss = LinearLoss(X[idx], target[idx], sw_b, alpha, n_classes, fit_intercept)
        batch_loss, G, gb = loss.loss_gradient(W, b if fit_intercept else None)
        running_loss += batch_loss
        eta = 1.0 / (state.lipschitz * np.sqrt(1.0 + state.steps / STEP_DECAY))
        W -= eta * (G / s_b + l2 * W)
        if l1:
            W[...] = np.sign(W) * np.maximum(np.abs(W) - eta * l1, 0.0)
        if fit_intercept:
            b -= eta * gb / s_b
        state.steps += 1
    if n_classes > 1 and fit_intercept:
        b -= b.mean()
    return running_loss
