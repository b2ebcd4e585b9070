"""Gradient-flow and saturation records of SigCoreMLPClassifier.

Per epoch the network records, for every layer, the norm of the gradient of
the loss with respect to its weight matrix (``gradient_norms_``), and for every
hidden layer the fraction of its outputs that sit where the activation is
flat (``saturation_``).  Both come from quantities backpropagation has already
computed (the weight gradients and the stored activations), on a few sampled
mini-batches per epoch, so recording them costs a small fraction of an epoch.
"""

import numpy as np

__all__ = ["EpochRecorder", "MAX_SAMPLED_BATCHES"]

# Batches sampled per epoch (evenly spaced); the epoch value is their mean.
MAX_SAMPLED_BATCHES = 4


class EpochRecorder:
    """Accumulate gradient norms and saturation over sampled batches.

    Parameters
    ----------
    n_layers : int
        Number of weight matrices (hidden layers + output layer).
    saturation : callable
        h -> fraction of saturated units, for the hidden activation.
    """

    def __init__(self, n_layers, saturation):
        self.n_layers = n_layers
        self.saturation = saturation
        self.gradient_norms = []
        self.saturations = []
        self._reset()

    def _reset(self):
        self._grad_sum = np.zeros(self.n_layers)
        self._sat_sum = np.zeros(self.n_layers - 1)
        self._count = 0

    @staticmethod
    def stride(n_batches):
        """Record every `stride`-th batch so that at most a few are sampled."""
        return max(1, -(-n_batches // MAX_SAMPLED_BATCHES))

    def record_batch(self, grad_norms, hidden_activations):
        """Add one batch: the weight-gradient norms and the hidden-layer outputs."""
        for i, g in enumerate(grad_norms):
            self._grad_sum[i] += g
        for i, h in enumerate(hidden_activations):
            self._sat_sum[i] += self.saturation(h)
        self._count += 1

    def end_epoch(self):
        """Close the epoch: append its means (NaN if nothing was sampled)."""
        count = self._count if self._count else np.nan
        self.gradient_norms.append(self._grad_sum / count)
        self.saturations.append(self._sat_sum / count)
        self._reset()

    def arrays(self):
        """(gradient_norms, saturation) as 2-D arrays of shape (n_epochs, n)."""
        g = np.array(self.gradient_norms, dtype=float).reshape(-1, self.n_layers)
        s = np.array(self.saturations, dtype=float).reshape(len(self.saturations),
                                                            self.n_layers - 1)
        return g, s
