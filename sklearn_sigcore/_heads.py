"""Output heads of the networks: the output activation and the loss paired with it.

A head turns the output-layer scores z (one row per sample) into the batch
loss and its gradient with respect to z, and into predictions.  The network
and the training loop only talk to a head, so the classifier and the
regressor share them unchanged:

* :class:`LogLossHead`: logistic outputs with the binary log-loss (binary and
  multilabel targets), delta = sigma(z) - y;
* :class:`MultinomialHead`: softmax with the multinomial log-loss, delta =
  softmax(z) - onehot(y);
* :class:`SquaredErrorHead`: identity outputs with half the squared error,
  delta = z - y;
* :class:`SigmoidSquaredErrorHead`: sigma(z) outputs (targets in [0, 1]) with
  half the squared error, delta = (sigma(z) - y) sigma(z) (1 - sigma(z));
* :class:`PoissonHead`: exp(z) outputs with half the Poisson deviance,
  delta = exp(z) - y.

Every loss is the weighted mean over the samples of the loss summed over the
outputs; ``w`` are the sample weights divided by their sum, so the deltas
come out scaled for the weight gradients.
"""

import numpy as np
from scipy.special import xlogy

from ._kernels import (
    UnaryKind,
    binary_loss_gradient,
    multinomial_loss_gradient,
    softmax_rows,
    unary,
)
from ._mlp_fast import squared_error_gradient

__all__ = ["LogLossHead", "MultinomialHead", "SquaredErrorHead",
           "SigmoidSquaredErrorHead", "PoissonHead", "regression_head"]


class LogLossHead:
    """Logistic outputs, binary log-loss per output (binary and multilabel)."""

    out_activation = "logistic"

    def __init__(self, n_outputs):
        self.n_outputs = n_outputs

    def tile(self, w):
        """Per-element weights for the flat kernel (None with one output)."""
        return None if self.n_outputs == 1 else np.repeat(w, self.n_outputs)

    def loss_grad(self, z, target, w, tiled, loss_buf, delta, n_threads):
        """Weighted mean loss of the scores z; writes d loss / d z into delta."""
        return binary_loss_gradient(z.reshape(-1), target.reshape(-1),
                                    w if tiled is None else tiled, 1.0, loss_buf,
                                    delta.reshape(-1), None, n_threads)

    def output(self, z, n_threads):
        """sigma(z), in place."""
        flat = z.reshape(-1)
        unary(UnaryKind.SIGMOID, flat, flat, 1.0, n_threads)
        return z


class MultinomialHead:
    """Softmax outputs, multinomial log-loss; targets are class indices."""

    out_activation = "softmax"

    def __init__(self, n_outputs):
        self.n_outputs = n_outputs

    def tile(self, w):
        return None

    def loss_grad(self, z, target, w, tiled, loss_buf, delta, n_threads):
        return multinomial_loss_gradient(z, target, w, 1.0, loss_buf[:z.shape[0]], delta,
                                         n_threads)

    def output(self, z, n_threads):
        softmax_rows(z, z, 1.0, False, n_threads)
        return z


class _RegressionHead:
    def __init__(self, n_outputs):
        self.n_outputs = n_outputs

    def tile(self, w):
        return None

    def loss_grad(self, z, target, w, tiled, loss_buf, delta, n_threads):
        out = delta                       # predictions, then the delta, in one buffer
        np.copyto(out, z)
        self.output(out, n_threads)
        per_sample = self._loss(out, target, z)
        self._delta(out, target)
        out *= w[:, None]
        return float(w @ per_sample)

    def _loss(self, pred, target, z):
        """Half the squared error of each sample's outputs (Poisson overrides)."""
        r = pred - target
        return 0.5 * np.einsum("ij,ij->i", r, r)


class SquaredErrorHead(_RegressionHead):
    """Identity outputs, half the squared error summed over the outputs."""

    out_activation = "identity"

    def output(self, z, n_threads):
        return z

    # _RegressionHead's loss and delta in one pass
    def loss_grad(self, z, target, w, tiled, loss_buf, delta, n_threads):
        per_sample = loss_buf[:z.shape[0]]
        squared_error_gradient(z, target, w, delta, per_sample)     # one fused pass
        return float(w @ per_sample)


class SigmoidSquaredErrorHead(_RegressionHead):
    """sigma(z) outputs for targets in [0, 1], half the squared error."""

    out_activation = "logistic"
    output = LogLossHead.output

    def _delta(self, pred, target):
        # (p - y) p (1 - p): the chain rule through sigma, from the output p
        slope = pred * (1 - pred)
        pred -= target
        pred *= slope


class PoissonHead(_RegressionHead):
    """exp(z) outputs (log link), half the Poisson deviance, targets >= 0."""

    out_activation = "exp"

    def output(self, z, n_threads):
        with np.errstate(over="ignore"):    # exp of a log-prediction above ~709: inf
            np.exp(z, out=z)
        return z

    def _loss(self, pred, target, z):
        # y log(y / p) - y + p with log p = z exactly (no log of a rounded exp)
        return (xlogy(target, target) - target * z - target + pred).sum(axis=1)

    def _delta(self, pred, target):
        pred -= target


def regression_head(loss, out_activation, n_outputs):
    """The head of SigCoreMLPRegressor for its ``loss`` and ``out_activation``."""
    if loss == "poisson":
        return PoissonHead(n_outputs)
    if out_activation == "sigmoid":
        return SigmoidSquaredErrorHead(n_outputs)
    return SquaredErrorHead(n_outputs)
