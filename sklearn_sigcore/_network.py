"""The network of the MLP estimators: layout, forward, backward, initialisation.

Every weight, intercept and learned gain lives in one flat parameter vector
(coefficients first, then intercepts, then the log-gains theta); layers are
views into it, so one optimiser step or one L-BFGS vector covers them all.
A hidden layer computes h = f(alpha z) with z = W h_prev + b; the output
layer's scores go to an output head (``_heads``), which owns the output
activation and the loss.

Learned gains (``learn_alpha``) are parameterised as alpha = exp(theta), one
theta per hidden layer ('layer') or per hidden unit ('unit'), so they stay
positive (theta is clipped to +-LOG_GAIN_LIMIT).  With delta = d L / d(alpha z)
backpropagated into the layer, d L / d z = alpha delta and d L / d theta =
alpha d L / d alpha = sum(z * d L / d z) (over the samples, and over the
units for 'layer'), which the layer's weight and intercept gradients give
without another pass over the batch (see ``Network.loss_grad``).
"""

import numpy as np
import scipy.sparse as sp
from sklearn.utils.extmath import safe_sparse_dot

from ._activations import ACTIVATIONS, UNIT_GAIN_KERNELS
from ._mlp_fast import axpy, bias_add, exp_gains, gain_gradients

__all__ = ["Layout", "Network", "glorot_init", "input_rms", "auto_init", "layer_gain",
           "AUTO_GAIN", "AUTO_TARGET_STD"]

# alpha="auto" (see SigCoreMLPClassifier's Notes): the rows sampled to
# initialise, the standard deviation u = alpha z gets on them, and the gain of
# each hidden layer.  A gain of None would fold the scale into alpha instead
# of W (which raises Adam's effective step on u and made 32-layer networks
# unstable).  For the sigmoid, 0.7 rather than 1 kept every 32-layer digits
# run tried (8 seeds) at >= 0.96 test accuracy; at 1 one seed stalled at 0.927.
AUTO_SAMPLE_SIZE = 1000
# Learned gains live in [exp(-LOG_GAIN_LIMIT), exp(LOG_GAIN_LIMIT)] (1e-10 to
# 1e10): theta is clipped there (with zero gradient beyond), so a long L-BFGS
# step on separable data cannot overflow exp(theta).
LOG_GAIN_LIMIT = 23.0
AUTO_TARGET_STD = {"sigmoid": 0.7, "tanh": 0.5}
AUTO_DEFAULT_TARGET_STD = 1.0
AUTO_GAIN = {"sigmoid": 2.0}
# Relative spread of a layer's pre-activations on the sample below which
# 'auto' leaves the layer's scale alone (float32 rounds at ~6e-8).
AUTO_MIN_SPREAD = 1e-6
AUTO_DEFAULT_GAIN = 1.0
# The factor 'auto' rescales a layer by, within [sqrt(tiny), sqrt(max)] of
# the dtype (1e-19 to 1.8e19 in float32): X of any scale up to there gets
# the target std, and the rescaled weights stay normal numbers.
AUTO_FACTOR_RANGE = {np.dtype(t): (float(np.sqrt(np.finfo(t).tiny)),
                                   float(np.sqrt(np.finfo(t).max)))
                     for t in (np.float32, np.float64)}
# Products with at least this many bytes of output go through np.matmul.
# np.dot zero-fills its output before the BLAS call (NumPy's
# cblas_matrixproduct), a pass over memory the BLAS threads then write
# again; np.matmul does not, but costs ~0.3 µs more per call. A 200 x 256
# float64 output: 138 -> 124 µs (Intel Xeon, two threads); 200 x 4: 0.9 ->
# 1.2 µs. np.matmul also leaves BLAS for an inner dimension of 1 (the
# one-output regressor's d @ w.T: 15 -> 37 µs), and before NumPy 2.3 for
# operands that are not contiguous (a user's X[::-1] or X[:, ::2]: 1.2 ->
# 30 ms), where np.dot copies them first: those stay with np.dot.
MATMUL_MIN_BYTES = 16384


def _contiguous(a):
    return a.flags.c_contiguous or a.flags.f_contiguous


def product(a, b, out):
    """out <- a @ b (dense, one dtype) by the cheaper of np.dot and np.matmul."""
    if (out.nbytes >= MATMUL_MIN_BYTES and a.shape[1] > 1 and _contiguous(a)
            and _contiguous(b)):
        np.matmul(a, b, out=out)
    else:
        np.dot(a, b, out=out)


def layer_gain(gain):
    """The gain of a layer: itself, or the geometric mean of an array of unit gains."""
    return float(gain) if np.ndim(gain) == 0 else float(np.exp(np.mean(np.log(gain))))


class Layout:
    """Offsets of each layer's weights, intercepts and log-gains in the flat vector.

    Parameters
    ----------
    layer_units : list of int
        Units of every layer, input and output included.
    learn_alpha : {None, 'layer', 'unit'}, default=None
        Which gains are parameters: none, one per hidden layer, one per hidden unit.
    """

    def __init__(self, layer_units, learn_alpha=None):
        self.layer_units = list(layer_units)
        self.learn_alpha = learn_alpha or None
        pairs = list(zip(self.layer_units[:-1], self.layer_units[1:]))
        self.coef_slices, self.intercept_slices, self.gain_slices = [], [], []
        start = 0
        for fan_in, fan_out in pairs:
            self.coef_slices.append((slice(start, start + fan_in * fan_out), (fan_in, fan_out)))
            start += fan_in * fan_out
        self.n_coef = start
        for _, fan_out in pairs:
            self.intercept_slices.append(slice(start, start + fan_out))
            start += fan_out
        if self.learn_alpha is not None:
            for units in self.layer_units[1:-1]:
                size = 1 if self.learn_alpha == "layer" else units
                self.gain_slices.append(slice(start, start + size))
                start += size
        self.size = start

    def views(self, flat):
        coefs = [flat[s].reshape(shape) for s, shape in self.coef_slices]
        intercepts = [flat[s] for s in self.intercept_slices]
        return coefs, intercepts

    def pack(self, coefs, intercepts, dtype, gains=None):
        """The flat vector of coefs, intercepts and (learned layout) log(gains).

        `gains` holds one float or one array of unit gains per hidden layer.
        """
        flat = np.empty(self.size, dtype=dtype)
        for (s, shape), c in zip(self.coef_slices, coefs):
            flat[s] = np.asarray(c).reshape(-1)
        for s, b in zip(self.intercept_slices, intercepts):
            flat[s] = np.asarray(b).reshape(-1)
        for s, g in zip(self.gain_slices, gains if self.gain_slices else ()):
            # a start beyond the gains' range sits on its bound, where the
            # gradient still acts (beyond it, it is flat: the gain would freeze)
            g = np.clip(np.log(np.asarray(g, dtype=np.float64).reshape(-1)),
                        -LOG_GAIN_LIMIT, LOG_GAIN_LIMIT)
            flat[s] = g.mean() if s.stop - s.start == 1 else np.broadcast_to(g, s.stop - s.start)
        return flat

    def gain_array(self, flat):
        """exp(theta) of every learned gain (float64; the log-gains close the vector)."""
        theta = flat[self.gain_slices[0].start:]
        gains = np.empty(theta.size)
        exp_gains(theta, gains, limit=LOG_GAIN_LIMIT)   # one call (NumPy took five)
        return gains

    def per_layer(self, array):
        """Views of an array laid out as the log-gains, one per hidden layer."""
        start = self.gain_slices[0].start
        return [array[s.start - start:s.stop - start] for s in self.gain_slices]

    def gains(self, flat):
        """Per hidden layer: alpha (float, 'layer') or unit gains (array, 'unit')."""
        if not self.gain_slices:
            return []
        gains = self.gain_array(flat)
        if self.learn_alpha == "layer":
            return gains.tolist()
        return self.per_layer(gains)


class Network:
    """Forward pass and backpropagation over preallocated per-batch buffers.

    Parameters
    ----------
    layout : Layout
    params : ndarray
        The flat parameter vector (updated in place by the optimisers).
    alphas : list of float
        Fixed gains of the hidden layers (ignored where the layout learns them).
    activation : str
        Key of ``ACTIVATIONS``.
    head : output head
        Output activation and loss (``_heads``).
    n_threads : int
        Threads of the element-wise kernels.
    """

    def __init__(self, layout, params, alphas, activation, head, n_threads):
        self.layout = layout
        self.params = params
        self.dtype = params.dtype
        self.coefs, self.intercepts = layout.views(params)
        self.grad = np.zeros_like(params)
        self.coef_grads, self.intercept_grads = layout.views(self.grad)
        self.learned = layout.learn_alpha
        self.alphas = [float(a) for a in alphas] if not self.learned else None
        self.activation = activation
        self.forward_act, self.backward_act, self.saturation = ACTIVATIONS[activation]
        self.unit_kernels = UNIT_GAIN_KERNELS.get(activation) if self.learned == "unit" else None
        self.head = head
        self.n_threads = n_threads
        self._buffers = {}
        self._gains = None
        hidden = layout.layer_units[1:-1]
        # scratch of the fused optimizer steps: column sums of squares
        self._sq = np.empty(max(layout.layer_units[1:]), dtype=self.dtype)
        # What a training step updates in one call, last: the intercepts of
        # every layer and the log-gains that follow them in the vector.
        self._last_step_span = slice(layout.intercept_slices[0].start, layout.size)
        if self.learned and layout.gain_slices:
            # The gains' gradient (gain_gradients, once a step) reads every
            # hidden layer side by side: the per-unit sums of W * G (written
            # by the optimizer's pass over W), the intercepts and theta.
            gains_start = layout.gain_slices[0].start      # the log-gains close the vector
            n_gains = layout.size - gains_start
            hidden_b = slice(layout.intercept_slices[0].start,
                             layout.intercept_slices[len(hidden) - 1].stop)
            self._theta = params[gains_start:]
            col_sums = np.empty(sum(hidden), dtype=self.dtype)
            ends = np.cumsum(hidden)
            self._gain_cols = np.split(col_sums, ends[:-1])
            self._gain_ends = ends.astype(np.intp) if self.learned == "layer" else None
            self._gain_inputs = (col_sums, params[hidden_b], self.grad[hidden_b],
                                 self._theta, self.grad[gains_start:])
            # refresh_gains writes the gains (float64, and for 'unit' in
            # float32 the hi / lo split) into this buffer
            self._gain_buffer = np.empty(n_gains)
        if self.learned == "unit" and layout.gain_slices:
            self._gains = layout.per_layer(self._gain_buffer)
            if self.dtype == np.float32:
                self._split_buffers = (np.empty(n_gains, np.float32),
                                       np.empty(n_gains, np.float32))
                self._unit_gains = layout.per_layer(self._split_buffers[0])
                self._gain_splits = list(zip(self._unit_gains,
                                             layout.per_layer(self._split_buffers[1])))
            else:
                self._split_buffers = (None, None)
                self._unit_gains = self._gains
                self._gain_splits = [None] * len(self._gains)
        self.refresh_gains()

    @property
    def alphas(self):
        """The gain of each hidden layer ('unit': the geometric mean of its units')."""
        if self.learned == "unit":
            return [layer_gain(g) for g in self._gains]
        return self._alphas

    @alphas.setter
    def alphas(self, value):
        self._alphas = value

    def refresh_gains(self):
        """Read the learned gains from the parameters (after a step)."""
        if not self.learned:
            return
        if not self.layout.gain_slices:     # no hidden layer
            self._gains = self.alphas = []
        elif self.learned == "layer":
            exp_gains(self._theta, self._gain_buffer, limit=LOG_GAIN_LIMIT)
            self._gains = self.alphas = self._gain_buffer.tolist()
        else:
            exp_gains(self._theta, self._gain_buffer, *self._split_buffers,
                      limit=LOG_GAIN_LIMIT)

    def buffers(self, m):
        """Activation, delta and scratch buffers for a batch of m rows."""
        buf = self._buffers.get(m)
        if buf is None:
            units = self.layout.layer_units[1:]
            dt = self.dtype
            buf = dict(acts=[np.empty((m, u), dtype=dt) for u in units],
                       deltas=[np.empty((m, u), dtype=dt) for u in units],
                       scratch=[np.empty((m, u), dtype=dt) for u in units],
                       ones=np.ones(m, dtype=dt),
                       loss=np.empty(m * units[-1], dtype=dt),
                       x=np.empty((m, self.layout.layer_units[0]), dtype=dt))
            self._buffers[m] = buf
            if len(self._buffers) > 4:      # keep memory bounded (lbfgs, odd sizes)
                self._buffers.pop(next(iter(self._buffers)))
        return buf

    def forward(self, X, acts):
        """Fill acts[i] with the outputs of layer i; the last one holds the scores."""
        n_layers = len(self.coefs)
        prev = X
        sparse = sp.issparse(X)         # only the input can be sparse
        for i in range(n_layers):
            z = acts[i]
            if sparse and i == 0:
                z[...] = safe_sparse_dot(prev, self.coefs[i])
            elif prev.dtype == z.dtype:
                product(prev, self.coefs[i], z)
            else:
                np.matmul(prev, self.coefs[i], out=z)
            if i == n_layers - 1:
                bias_add(z, self.intercepts[i])
            elif self.unit_kernels is not None:
                self.unit_kernels[0](z, self.intercepts[i], self._gains[i],
                                     self._gain_splits[i])
            elif self.learned == "unit":        # f(g (z + b)) = f(g z + g b)
                gains = self._unit_gains[i]
                z *= gains
                self.forward_act(z, gains * self.intercepts[i], 1.0, self.n_threads)
            else:
                self.forward_act(z, self.intercepts[i], self.alphas[i], self.n_threads)
            prev = z
        return acts

    def loss_grad(self, X, target, w, l2c, buf, target_tiled_w=None, optimizer=None,
                  grad_norms=None):
        """Weighted mean loss + L2 term of one batch, and its gradient.

        `w` are the sample weights divided by their sum (so deltas come out
        scaled), `l2c` is l2 / (sum of the raw batch weights); the L2 term
        acts on the weights only (not on intercepts or gains).  Without
        `optimizer`, self.grad receives the full gradient.  With one, each
        layer's weights are updated as soon as their gradient is known (and
        backpropagation no longer needs them); the intercepts and gains
        (``_last_step_span``) in one step last;
        self.grad then holds the gradient of the loss without the L2 term,
        which the optimizer adds.  The step's pass over a layer's
        weights also gives their squared norm and the per-unit sums of
        W * G the gains' gradient needs.
        `grad_norms`, a list, receives the norm of each layer's weight
        gradient (L2 term included), output layer last.

        The gains' gradient: with D = d L / d z (rows: samples), sum(z * D)
        over the samples is, for z = H W + b, sum(W * H^T D) + b * 1^T D over
        the fan-in.  The weight and intercept gradients hold H^T D and 1^T D,
        so no pass over the batch (nor a stored z) is needed; the sums of
        W * G are taken before the step or the L2 term touch W and G, and
        the gradient is formed before the last step touches b and theta.
        """
        acts, deltas = buf["acts"], buf["deltas"]
        self.refresh_gains()
        self.forward(X, acts)
        last = len(self.coefs) - 1
        loss = self.head.loss_grad(acts[last], target, w, target_tiled_w, buf["loss"],
                                   deltas[last], self.n_threads)
        ones = buf["ones"]
        layout = self.layout
        if optimizer is not None:
            optimizer.begin_step()
        sq_norm = 0.0
        norms = []
        sparse = sp.issparse(X)
        for i in range(last, -1, -1):
            prev = X if i == 0 else acts[i - 1]
            d = deltas[i]
            coef_grad = self.coef_grads[i]
            if sparse and i == 0:
                coef_grad[...] = safe_sparse_dot(prev.T, d)
            else:
                product(prev.T, d, coef_grad)
            if i == last:       # a hidden layer's come from _backward_hidden
                np.dot(ones, d, out=self.intercept_grads[i])
            col = self._gain_cols[i] if self.learned and i < last else None
            if col is not None and optimizer is None:
                np.einsum("fk,fk->k", self.coefs[i], coef_grad, out=col)
            if i > 0:
                product(d, self.coefs[i].T, deltas[i - 1])
                self._backward_hidden(i - 1, acts, deltas, buf)
            if grad_norms is not None:
                g = coef_grad + self.dtype.type(l2c) * self.coefs[i] if l2c else coef_grad
                norms.append(float(np.linalg.norm(g)))
            if optimizer is None:
                if l2c:
                    flat = self.coefs[i].reshape(-1)
                    sq_norm += float(np.dot(flat, flat))
                continue
            # The step's own pass over the weights also sums their squares
            # and, for learned gains, the columns of W * G.
            fan_out = layout.layer_units[i + 1]
            sq_norm += optimizer.step_block(self.params, self.grad, layout.coef_slices[i][0],
                                            fan_out, l2c, self._sq, col)
        if self.learned and layout.gain_slices:
            gain_gradients(*self._gain_inputs, LOG_GAIN_LIMIT, self._gain_ends)
        if optimizer is not None:
            optimizer.step_slice(self.params, self.grad, self._last_step_span)
        if grad_norms is not None:
            grad_norms.extend(norms[::-1])
        if l2c:
            loss += 0.5 * l2c * sq_norm
            if optimizer is None:
                nc = layout.n_coef
                axpy(self.grad[:nc], self.params[:nc], l2c)
        return float(loss)

    def _backward_hidden(self, j, acts, deltas, buf):
        """deltas[j] <- d L / d z_j from d L / d h_j; intercept_grads[j] <- its column sums."""
        d = deltas[j]
        sums = self.intercept_grads[j]
        if self.learned != "unit":      # the activation's pass sums the columns too
            self.backward_act(acts[j], d, self.alphas[j], buf["scratch"][j], sums)
            return
        if self.unit_kernels is not None:
            self.unit_kernels[1](acts[j], d, self._unit_gains[j], sums)
            return
        self.backward_act(acts[j], d, 1.0, buf["scratch"][j])
        d *= self._unit_gains[j]
        np.dot(buf["ones"], d, out=sums)

    def decision(self, X):
        """Output-layer scores for X, allocating fresh arrays."""
        n = X.shape[0]
        acts = [np.empty((n, u), dtype=self.dtype) for u in self.layout.layer_units[1:]]
        self.refresh_gains()
        return self.forward(X, acts)[-1]

    def hidden_gains(self):
        """Per hidden layer: the gain (float) or, for 'unit', the array of unit gains."""
        if self.learned == "unit":
            return [g.copy() for g in self._gains]      # views of the gain buffer
        return list(self._gains) if self.learned else list(self.alphas)


# --------------------------------------------------------------------------
# Initialisation
# --------------------------------------------------------------------------
def glorot_init(layout, activation, rng, dtype, gains=None, input_rms=1.0):
    """scikit-learn's MLP initialisation (same random draws, same bounds).

    Glorot's bounds assume inputs of unit variance: `input_rms`, the root mean
    square of the input, divides the first layer's weights (1 keeps
    scikit-learn's network exactly).
    """
    coefs, intercepts = [], []
    for i, (_, (fan_in, fan_out)) in enumerate(layout.coef_slices):
        factor = 2.0 if activation == "sigmoid" else 6.0
        bound = np.sqrt(factor / (fan_in + fan_out))
        coefs.append(rng.uniform(-bound, bound, (fan_in, fan_out)))
        intercepts.append(rng.uniform(-bound, bound, fan_out))
        if i == 0 and input_rms != 1.0:
            coefs[0] /= input_rms
    return layout.pack(coefs, intercepts, dtype, gains)


def input_rms(X, sample_weight=None):
    """Root mean square of the entries of X (rows weighted), 1.0 if it is 0 or not finite."""
    w = None if sample_weight is None or not np.sum(sample_weight) > 0 else sample_weight

    def rms_of(A):
        with np.errstate(over="ignore"):
            sq = (np.asarray(A.multiply(A).sum(axis=1)).ravel() if sp.issparse(A)
                  else np.einsum("ij,ij->i", A, A, dtype=np.float64))
            return float(np.sqrt(np.average(sq, weights=w) / max(A.shape[1], 1)))

    rms = rms_of(X)
    if np.isinf(rms):   # squares beyond 1e308: again in units of max |X| (a copy)
        top = float(abs(X).max())
        rms = top * rms_of(X.multiply(1.0 / top) if sp.issparse(X)
                           else np.asarray(X, dtype=np.float64) / top)
    return rms if rms > 0 and np.isfinite(rms) else 1.0


def _orthogonal(rng, fan_in, fan_out):
    """A (fan_in, fan_out) matrix with orthonormal rows or columns."""
    a = rng.standard_normal((max(fan_in, fan_out), min(fan_in, fan_out)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))
    return q if fan_in >= fan_out else q.T


def auto_init(layout, activation, rng, dtype, X, sample_weight, n_threads):
    """Data-driven layer-sequential initialisation for alpha='auto'.

    Orthogonal weights, intercepts that centre each pre-activation on the
    (weighted) sample, weights rescaled so alpha z has the target standard
    deviation.  Returns the flat parameter vector and the per-layer gains.
    """
    n = X.shape[0]
    if n > AUTO_SAMPLE_SIZE:
        idx = np.sort(rng.choice(n, AUTO_SAMPLE_SIZE, replace=False))
        Xs = X[idx]
        ws = None if sample_weight is None else sample_weight[idx]
    else:
        Xs, ws = X, sample_weight
    ws = np.full(Xs.shape[0], 1.0) if ws is None else np.asarray(ws, dtype=float)
    if not ws.sum() > 0:        # a sample of zero-weight rows: weigh them equally
        ws = np.ones_like(ws)
    ws = ws / ws.sum()
    target = AUTO_TARGET_STD.get(activation, AUTO_DEFAULT_TARGET_STD)
    forward_act = ACTIVATIONS[activation][0]
    coefs, intercepts, alphas = [], [], []
    prev = Xs
    n_layers = len(layout.coef_slices)
    for i, (_, (fan_in, fan_out)) in enumerate(layout.coef_slices):
        W = _orthogonal(rng, fan_in, fan_out)
        if fan_in < fan_out:
            W *= np.sqrt(fan_out / fan_in)
        z = np.asarray(safe_sparse_dot(prev, W), dtype=float)
        mean = ws @ z
        b = -mean
        coefs.append(W)
        intercepts.append(b)
        if i == n_layers - 1:
            break
        scale = float(np.sqrt(ws @ ((z - mean) ** 2).mean(axis=1)))
        size = float(np.sqrt(ws @ (z ** 2).mean(axis=1)))
        # A spread at the rounding level of z (constant or near-constant
        # inputs) carries no scale: rescaling to it would blow W and b up,
        # and the L2 term then swamped the fit.  Otherwise any scale of X is
        # met, the factor kept where W * a stays normal in the dtype.
        spread = scale > AUTO_MIN_SPREAD * size and np.isfinite(scale)
        a = float(np.clip(target / scale, *AUTO_FACTOR_RANGE[np.dtype(dtype)])) if spread \
            else 1.0
        gain = AUTO_GAIN.get(activation, AUTO_DEFAULT_GAIN)
        if gain is not None:
            W *= a / gain
            b *= a / gain
            z *= a / gain
            a = gain
        alphas.append(a)
        h = (z + b).astype(dtype)
        forward_act(h, None, a, n_threads)
        prev = h.astype(float)
    return layout.pack(coefs, intercepts, dtype, alphas), alphas
