"""Hidden-layer activations of SigCoreMLPClassifier: f(alpha * z), in place.

Each activation is a pair of in-place functions working on C-contiguous
float32 / float64 buffers:

* ``forward(z, b, alpha, n_threads)`` overwrites z = W h (without the
  intercept b, which it adds, or None) with h = f(alpha (z + b));
* ``backward(h, delta, alpha, scratch, colsum=None)`` multiplies delta (the
  gradient with respect to h) by d h / d z = alpha f'(alpha z), computed from
  the stored output h alone (so the pre-activation need not be kept), and
  writes the column sums of the result into `colsum` if given (the layer's
  intercept gradient: the fused kernels sum in the same pass).

``saturated_fraction(h)`` measures how much of a layer sits where the
activation's slope vanishes (see ``SATURATION_DOC``).
"""

import numpy as np

from ._kernels import UnaryKind, unary
from ._mlp_fast import (
    bias_sigmoid,
    bias_sigmoid_cols,
    sigmoid_backward,
    sigmoid_backward_cols,
    sigmoid_saturation,
    tanh_backward,
)

__all__ = ["ACTIVATIONS", "UNIT_GAIN_KERNELS", "canonical_activation", "SATURATION_DOC",
           "SATURATION_BANDS"]

LEAKY_SLOPE = 0.01

# Where each activation's saturation_ counts an output as saturated (its
# slope vanishes there), for plot titles; SATURATION_DOC says it in prose.
SATURATION_BANDS = {
    "sigmoid": "output within 0.01 of 0 or 1",
    "tanh": "output within 0.02 of -1 or 1",
    "relu": "output 0",
    "elu": "output below -0.99",
    "leaky_relu": "never",
    "identity": "never",
}
SATURATION_DOC = (
    "sigmoid: output within 0.01 of 0 or 1; tanh: within 0.02 of -1 or 1 (the "
    "same band, since sigma(2u) = (1 + tanh u) / 2); relu: output 0 (zero "
    "slope); elu: output below -0.99; leaky_relu, identity: never (0)."
)


def _flat(a):
    return a.reshape(-1)


# ---------------------------------------------------------------- forward
def _sigmoid_forward(z, b, alpha, n_threads):
    if b is not None:
        bias_sigmoid(z, b, alpha)       # one fused pass
    else:
        flat = _flat(z)
        unary(UnaryKind.SIGMOID, flat, flat, alpha, n_threads)


def _affine(z, b, alpha):
    if b is not None:
        z += b
    if alpha != 1.0:
        z *= z.dtype.type(alpha)


def _tanh_forward(z, b, alpha, n_threads):
    _affine(z, b, alpha)
    np.tanh(z, out=z)


def _relu_forward(z, b, alpha, n_threads):
    _affine(z, b, alpha)
    np.maximum(z, 0, out=z)


def _leaky_relu_forward(z, b, alpha, n_threads):
    _affine(z, b, alpha)
    # max(u, 0.01 u) is u for u > 0 and 0.01 u otherwise.
    np.maximum(z, z * z.dtype.type(LEAKY_SLOPE), out=z)


def _elu_forward(z, b, alpha, n_threads):
    _affine(z, b, alpha)
    neg = z < 0
    np.expm1(z, out=z, where=neg)


def _identity_forward(z, b, alpha, n_threads):
    _affine(z, b, alpha)


# --------------------------------------------------------------- backward
def _column_sums(delta, colsum):
    if colsum is not None:
        np.add.reduce(delta, axis=0, out=colsum)


def _sigmoid_backward(h, delta, alpha, scratch, colsum=None):
    # d/dz sigma(alpha z) = alpha h (1 - h), one fused pass
    sigmoid_backward(h, delta, alpha, colsum)


def _tanh_backward(h, delta, alpha, scratch, colsum=None):
    # d/dz tanh(alpha z) = alpha (1 - h^2)
    tanh_backward(h, delta, alpha, colsum)


def _relu_backward(h, delta, alpha, scratch, colsum=None):
    delta[h <= 0] = 0
    if alpha != 1.0:
        delta *= delta.dtype.type(alpha)
    _column_sums(delta, colsum)


def _leaky_relu_backward(h, delta, alpha, scratch, colsum=None):
    np.copyto(scratch, alpha)
    scratch[h <= 0] = alpha * LEAKY_SLOPE
    delta *= scratch
    _column_sums(delta, colsum)


def _elu_backward(h, delta, alpha, scratch, colsum=None):
    # f'(u) = 1 for u > 0, exp(u) = h + 1 otherwise
    np.add(h, 1, out=scratch)
    np.minimum(scratch, 1, out=scratch)
    if alpha != 1.0:
        scratch *= scratch.dtype.type(alpha)
    delta *= scratch
    _column_sums(delta, colsum)


def _identity_backward(h, delta, alpha, scratch, colsum=None):
    if alpha != 1.0:
        delta *= delta.dtype.type(alpha)
    _column_sums(delta, colsum)


# ------------------------------------------------------------- saturation
def _sigmoid_saturation(h):
    return sigmoid_saturation(_flat(h))


def _tanh_saturation(h):
    return (np.count_nonzero(h < -0.98) + np.count_nonzero(h > 0.98)) / h.size


def _relu_saturation(h):
    return np.count_nonzero(h <= 0) / h.size


def _elu_saturation(h):
    return np.count_nonzero(h < -0.99) / h.size


def _never_saturated(h):
    return 0.0


ACTIVATIONS = {
    "sigmoid": (_sigmoid_forward, _sigmoid_backward, _sigmoid_saturation),
    "tanh": (_tanh_forward, _tanh_backward, _tanh_saturation),
    "relu": (_relu_forward, _relu_backward, _relu_saturation),
    "leaky_relu": (_leaky_relu_forward, _leaky_relu_backward, _never_saturated),
    "elu": (_elu_forward, _elu_backward, _elu_saturation),
    "identity": (_identity_forward, _identity_backward, _never_saturated),
}


# Fused passes for one gain per unit (learn_alpha='unit'):
# forward(z, b, gains, split) sets z = f(gains (z + b)) (gains: float64, one per
# column; split: for float32, the gains' hi / lo float32 parts, or None),
# backward(h, delta, gains, colsum) multiplies delta by gains f'(u), from the
# output h, and writes the column sums of the result into colsum (the layer's
# intercept gradient).  Activations without an entry scale z and delta with
# NumPy instead.
UNIT_GAIN_KERNELS = {
    "sigmoid": (bias_sigmoid_cols, sigmoid_backward_cols),
}


def canonical_activation(name):
    """The table key for an activation name ('logistic' is 'sigmoid')."""
    return "sigmoid" if name == "logistic" else name


def activation_value(name, u):
    """f(u) for a float or array u (reference implementation, for tests)."""
    u = np.asarray(u, dtype=float)
    name = canonical_activation(name)
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-u))
    if name == "tanh":
        return np.tanh(u)
    if name == "relu":
        return np.maximum(u, 0.0)
    if name == "leaky_relu":
        return np.where(u > 0, u, LEAKY_SLOPE * u)
    if name == "elu":
        return np.where(u > 0, u, np.expm1(np.minimum(u, 0)))
    return u
