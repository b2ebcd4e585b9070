"""SGD and Adam steppers on one flat parameter vector, updated in place.

The MLP keeps every weight, intercept and learned log-gain in one contiguous
vector (layers are views into it).  A training step calls ``begin_step`` once, then
``step_block`` / ``step_slice`` for each layer's weights as soon as
backpropagation has produced their gradient (while it is still in cache), and
for spans of intercepts or gains;
each call is one fused, allocation-free pass that also adds the L2 term
``l2c * params`` to the gradient.  ``step_block`` does the same on a layer's
weights (rows of ``cols`` values) and returns, from the same pass, the sums
the network would otherwise read the parameters again for (the L2 term of
the loss, the learned gains' gradient).  The update rules, learning-rate schedules and
stopping logic are scikit-learn's (``sklearn.neural_network._stochastic_optimizers``).
"""

import math

import numpy as np

from ._mlp_fast import adam_block, adam_step, sgd_block, sgd_step

__all__ = ["SGDOptimizer", "AdamOptimizer"]


class _BaseOptimizer:
    def __init__(self, n_params, dtype, learning_rate_init):
        self.n_params = n_params
        self.learning_rate_init = learning_rate_init
        self.learning_rate = float(learning_rate_init)

    def iteration_ends(self, time_step):
        """Update the learning rate at the end of an epoch (t = samples seen)."""

    def trigger_stopping(self, msg, verbose):
        """True when training should stop after `n_iter_no_change` bad epochs."""
        if verbose:
            print(msg + " Stopping.")
        return True

    def copy(self):
        new = object.__new__(type(self))
        new.__dict__.update({k: (v.copy() if isinstance(v, np.ndarray) else v)
                             for k, v in self.__getstate__().items()})
        return new

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_view_cache", None)      # views of this object's own arrays
        return state

    def _views(self, params, grad, sl, *states):
        """params[sl], grad[sl] and each states[k][sl], made once per slice."""
        cache = self.__dict__.setdefault("_view_cache", {})
        entry = cache.get((sl.start, sl.stop))
        if entry is None or entry[0] is not params or entry[1] is not grad:
            if entry is not None:
                cache.clear()               # new parameter vector: drop old views
            entry = (params, grad, params[sl], grad[sl]) + tuple(a[sl] for a in states)
            cache[(sl.start, sl.stop)] = entry
        return entry[2:]


class SGDOptimizer(_BaseOptimizer):
    """Stochastic gradient descent with (Nesterov) momentum."""

    def __init__(self, n_params, dtype, learning_rate_init=0.1, lr_schedule="constant",
                 momentum=0.9, nesterov=True, power_t=0.5):
        super().__init__(n_params, dtype, learning_rate_init)
        self.lr_schedule = lr_schedule
        self.momentum = momentum
        self.nesterov = nesterov
        self.power_t = power_t
        self.velocity = np.zeros(n_params, dtype=dtype)

    def iteration_ends(self, time_step):
        if self.lr_schedule == "invscaling":
            self.learning_rate = (float(self.learning_rate_init)
                                  / (time_step + 1) ** self.power_t)

    def trigger_stopping(self, msg, verbose):
        if self.lr_schedule != "adaptive":
            if verbose:
                print(msg + " Stopping.")
            return True
        if self.learning_rate <= 1e-6:
            if verbose:
                print(msg + " Learning rate too small. Stopping.")
            return True
        self.learning_rate /= 5.0
        if verbose:
            print(msg + " Setting learning rate to %f" % self.learning_rate)
        return False

    def begin_step(self):
        """Start a training step (before the step_slice calls)."""

    def step_slice(self, params, grad, sl, l2c=0.0):
        """params[sl] += update(grad[sl] + l2c * params[sl]), in place."""
        p, g, velocity = self._views(params, grad, sl, self.velocity)
        sgd_step(p, g, velocity, self.learning_rate, self.momentum, bool(self.nesterov),
                 l2c)

    def step_block(self, params, grad, sl, cols, l2c, sq, col=None):
        """step_slice on rows of `cols` values; returns sum(params[sl]**2) before
        the step and, with `col`, adds the column sums of params * grad to it."""
        p, g, velocity = self._views(params, grad, sl, self.velocity)
        return sgd_block(p, g, velocity, cols, self.learning_rate, self.momentum,
                         bool(self.nesterov), l2c, sq, col)


class AdamOptimizer(_BaseOptimizer):
    """Adam (Kingma & Ba), with scikit-learn's bias-corrected step size."""

    def __init__(self, n_params, dtype, learning_rate_init=0.001, beta_1=0.9,
                 beta_2=0.999, epsilon=1e-8):
        super().__init__(n_params, dtype, learning_rate_init)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self.ms = np.zeros(n_params, dtype=dtype)
        self.vs = np.zeros(n_params, dtype=dtype)

    def begin_step(self):
        """Start a training step: advance t, set the bias-corrected step size."""
        self.t += 1
        b1, b2 = self.beta_1, self.beta_2
        self._lr = (self.learning_rate_init * math.sqrt(1 - b2 ** self.t)
                    / (1 - b1 ** self.t))

    def step_slice(self, params, grad, sl, l2c=0.0):
        """params[sl] += update(grad[sl] + l2c * params[sl]), in place."""
        p, g, m, v = self._views(params, grad, sl, self.ms, self.vs)
        adam_step(p, g, m, v, self._lr, self.beta_1, self.beta_2, self.epsilon, l2c)

    def step_block(self, params, grad, sl, cols, l2c, sq, col=None):
        """step_slice on rows of `cols` values; returns sum(params[sl]**2) before
        the step and, with `col`, adds the column sums of params * grad to it."""
        p, g, m, v = self._views(params, grad, sl, self.ms, self.vs)
        return adam_block(p, g, m, v, cols, self._lr, self.beta_1, self.beta_2,
                          self.epsilon, l2c, sq, col)
