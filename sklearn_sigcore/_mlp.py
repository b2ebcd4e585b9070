"""SigCoreMLPClassifier: a multi-layer perceptron whose hidden units are f(alpha z)."""

import numbers
import warnings
from dataclasses import dataclass, field

import numpy as np
import scipy.optimize
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target, unique_labels
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from ._activations import ACTIVATIONS, SATURATION_DOC, canonical_activation
from ._diagnostics import EpochRecorder
from ._kernels import (
    UnaryKind,
    binary_loss_gradient,
    multinomial_loss_gradient,
    softmax_rows,
    unary,
)
from ._mlp_fast import axpy
from ._optimizers import AdamOptimizer, SGDOptimizer
from ._progress import CallbackSupportMixin, FitCallbacks
from ._threads import blas_threads
from .kernels import check_alpha

__all__ = ["SigCoreMLPClassifier"]

_STOCHASTIC_SOLVERS = ("sgd", "adam")

# The element-wise kernels run serial between the BLAS calls: the BLAS
# already uses every core, and an OpenMP team spinning next to OpenBLAS's
# threads slows each training step down several times.
_KERNEL_THREADS = 1
# Below this many multiply-adds in the largest GEMM of a training step, the
# BLAS is limited to one thread during fit: threads do not pay off on such
# small products, and on a busy machine spinning BLAS threads make them
# many times slower.
_SERIAL_BLAS_MACS = 4_000_000

# alpha="auto" (see the class Notes): the rows sampled to initialise, the
# standard deviation u = alpha z gets on them, and the gain of each hidden
# layer.  A gain of None would fold the scale into alpha instead of W (which
# raises Adam's effective step on u and made 32-layer networks unstable).
# For the sigmoid, 0.7 rather than 1 kept every 32-layer digits run tried
# (8 seeds) at >= 0.96 test accuracy; at 1 one seed stalled at 0.927.
AUTO_SAMPLE_SIZE = 1000
AUTO_TARGET_STD = {"sigmoid": 0.7, "tanh": 0.5}
AUTO_DEFAULT_TARGET_STD = 1.0
AUTO_GAIN = {"sigmoid": 2.0}
AUTO_DEFAULT_GAIN = 1.0


# --------------------------------------------------------------------------
# Parameter layout: one flat vector, coefficients first, then intercepts.
# --------------------------------------------------------------------------
class _Layout:
    """Offsets of each layer's weights and intercepts in the flat vector."""

    def __init__(self, layer_units):
        self.layer_units = list(layer_units)
        pairs = list(zip(self.layer_units[:-1], self.layer_units[1:]))
        self.coef_slices, self.intercept_slices = [], []
        start = 0
        for fan_in, fan_out in pairs:
            self.coef_slices.append((slice(start, start + fan_in * fan_out), (fan_in, fan_out)))
            start += fan_in * fan_out
        self.n_coef = start
        for _, fan_out in pairs:
            self.intercept_slices.append(slice(start, start + fan_out))
            start += fan_out
        self.size = start

    def views(self, flat):
        coefs = [flat[s].reshape(shape) for s, shape in self.coef_slices]
        intercepts = [flat[s] for s in self.intercept_slices]
        return coefs, intercepts

    def pack(self, coefs, intercepts, dtype):
        flat = np.empty(self.size, dtype=dtype)
        for (s, shape), c in zip(self.coef_slices, coefs):
            flat[s] = np.asarray(c).reshape(-1)
        for s, b in zip(self.intercept_slices, intercepts):
            flat[s] = np.asarray(b).reshape(-1)
        return flat


class _Network:
    """Forward pass and backpropagation over preallocated per-batch buffers."""

    def __init__(self, layout, params, alphas, activation, multinomial, n_threads):
        self.layout = layout
        self.params = params
        self.dtype = params.dtype
        self.coefs, self.intercepts = layout.views(params)
        self.grad = np.zeros_like(params)
        self.coef_grads, self.intercept_grads = layout.views(self.grad)
        self.alphas = [float(a) for a in alphas]
        self.activation = activation
        self.forward_act, self.backward_act, self.saturation = ACTIVATIONS[activation]
        self.multinomial = multinomial
        self.n_threads = n_threads
        self._buffers = {}

    def buffers(self, m):
        """Activation, delta and scratch buffers for a batch of m rows."""
        buf = self._buffers.get(m)
        if buf is None:
            units = self.layout.layer_units[1:]
            acts = [np.empty((m, u), dtype=self.dtype) for u in units]
            deltas = [np.empty((m, u), dtype=self.dtype) for u in units]
            scratch = [np.empty((m, u), dtype=self.dtype) for u in units]
            ones = np.ones(m, dtype=self.dtype)
            loss = np.empty(m * units[-1], dtype=self.dtype)
            n_in = self.layout.layer_units[0]
            x = np.empty((m, n_in), dtype=self.dtype)
            buf = self._buffers[m] = dict(acts=acts, deltas=deltas, scratch=scratch,
                                          ones=ones, loss=loss, x=x)
            if len(self._buffers) > 4:      # keep memory bounded (lbfgs, odd sizes)
                self._buffers.pop(next(iter(self._buffers)))
        return buf

    def forward(self, X, acts, upto=None):
        """Fill acts[i] with the outputs of layer i; the last one holds logits."""
        n_layers = len(self.coefs)
        prev = X
        for i in range(n_layers if upto is None else upto):
            z = acts[i]
            if sp.issparse(prev):
                z[...] = safe_sparse_dot(prev, self.coefs[i])
            else:
                np.matmul(prev, self.coefs[i], out=z)
            if i < n_layers - 1:
                self.forward_act(z, self.intercepts[i], self.alphas[i], self.n_threads)
            else:
                z += self.intercepts[i]
            prev = z
        return acts

    def loss_grad(self, X, target, w, l2c, buf, target_tiled_w=None, optimizer=None,
                  grad_norms=None):
        """Weighted mean loss + L2 term of one batch, and its gradient.

        `w` are the sample weights divided by their sum (so deltas come out
        scaled), `l2c` is l2 / (sum of the raw batch weights).  Without
        `optimizer`, self.grad receives the full gradient.  With one, each
        layer is updated as soon as its gradient is known (and its weights
        are no longer needed by backpropagation); self.grad then holds the
        gradient of the loss without the L2 term, which the optimizer adds.
        `grad_norms`, a list, receives the norm of each layer's weight
        gradient (L2 term included), output layer last.
        """
        acts, deltas = buf["acts"], buf["deltas"]
        self.forward(X, acts)
        n_layers = len(self.coefs)
        last = n_layers - 1
        z_out, d_out = acts[last], deltas[last]
        if self.multinomial:
            loss = multinomial_loss_gradient(z_out, target, w, 1.0,
                                             buf["loss"][:z_out.shape[0]], d_out,
                                             self.n_threads)
        else:
            loss = binary_loss_gradient(z_out.reshape(-1), target.reshape(-1),
                                        w if target_tiled_w is None else target_tiled_w,
                                        1.0, buf["loss"], d_out.reshape(-1), None,
                                        self.n_threads)
        ones = buf["ones"]
        layout = self.layout
        if optimizer is not None:
            optimizer.begin_step()
        sq_norm = 0.0
        norms = []
        for i in range(last, -1, -1):
            prev = X if i == 0 else acts[i - 1]
            d = deltas[i]
            coef_grad = self.coef_grads[i]
            if sp.issparse(prev):
                coef_grad[...] = safe_sparse_dot(prev.T, d)
            else:
                np.matmul(prev.T, d, out=coef_grad)
            np.matmul(ones, d, out=self.intercept_grads[i])
            if i > 0:
                np.matmul(d, self.coefs[i].T, out=deltas[i - 1])
                self.backward_act(acts[i - 1], deltas[i - 1], self.alphas[i - 1],
                                  buf["scratch"][i - 1])
            if l2c:
                flat = self.coefs[i].reshape(-1)
                sq_norm += float(np.dot(flat, flat))
            if grad_norms is not None:
                g = coef_grad + self.dtype.type(l2c) * self.coefs[i] if l2c else coef_grad
                norms.append(float(np.linalg.norm(g)))
            if optimizer is not None:
                coef_slice = layout.coef_slices[i][0]
                optimizer.step_slice(self.params, self.grad, coef_slice, l2c)
                optimizer.step_slice(self.params, self.grad, layout.intercept_slices[i])
        if grad_norms is not None:
            grad_norms.extend(norms[::-1])
        if l2c:
            loss += 0.5 * l2c * sq_norm
            if optimizer is None:
                nc = layout.n_coef
                axpy(self.grad[:nc], self.params[:nc], l2c)
        return float(loss)

    def decision(self, X):
        """Output-layer scores (logits) for X, allocating fresh arrays."""
        n = X.shape[0]
        acts = [np.empty((n, u), dtype=self.dtype) for u in self.layout.layer_units[1:]]
        return self.forward(X, acts)[-1]


# --------------------------------------------------------------------------
# Initialisation
# --------------------------------------------------------------------------
def _glorot_init(layout, activation, rng, dtype):
    """scikit-learn's MLP initialisation (same random draws, same bounds)."""
    coefs, intercepts = [], []
    for (_, (fan_in, fan_out)) in layout.coef_slices:
        factor = 2.0 if activation == "sigmoid" else 6.0
        bound = np.sqrt(factor / (fan_in + fan_out))
        coefs.append(rng.uniform(-bound, bound, (fan_in, fan_out)))
        intercepts.append(rng.uniform(-bound, bound, fan_out))
    return layout.pack(coefs, intercepts, dtype)


def _orthogonal(rng, fan_in, fan_out):
    """A (fan_in, fan_out) matrix with orthonormal rows or columns."""
    a = rng.standard_normal((max(fan_in, fan_out), min(fan_in, fan_out)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))
    return q if fan_in >= fan_out else q.T


def _auto_init(layout, activation, rng, dtype, X, sample_weight, n_threads):
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
        a = target / scale if scale > 0 and np.isfinite(scale) else 1.0
        a = float(np.clip(a, 1e-3, 1e3))
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
    return layout.pack(coefs, intercepts, dtype), alphas


# --------------------------------------------------------------------------
# Training state: built on copies, committed to the estimator at the end.
# --------------------------------------------------------------------------
@dataclass
class _State:
    params: np.ndarray
    alphas: list
    optimizer: object = None
    loss_curve: list = field(default_factory=list)
    validation_scores: list = None
    best_validation_score: float = None
    best_loss: float = None
    best_params: np.ndarray = None
    no_improvement_count: int = 0
    t: int = 0
    n_iter: int = 0
    loss: float = None
    gradient_norms: list = field(default_factory=list)
    saturation: list = field(default_factory=list)


class SigCoreMLPClassifier(CallbackSupportMixin, ClassifierMixin, BaseEstimator):
    """Multi-layer perceptron classifier with sigmoid-core hidden units.

    Every hidden unit computes f(alpha (W h + b)), with f the logistic sigmoid
    by default, so that ``alpha`` -- the gain of the sigmoid core -- is a
    first-class hyperparameter. ``alpha='auto'`` picks one gain per layer from
    the data, together with an initialisation, so that deep sigmoid networks
    train (see Notes). The output layer is the plain logistic (binary and
    multilabel targets) or softmax (multiclass) with its log-loss.

    Parameters keep scikit-learn's :class:`~sklearn.neural_network.MLPClassifier`
    names, defaults and meanings, except that sklearn's L2 strength ``alpha``
    is called ``l2`` here: ``MLPClassifier(alpha=1e-4)`` becomes
    ``SigCoreMLPClassifier(l2=1e-4)``.

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,) or int, default=(100,)
        The ith element is the number of units of the ith hidden layer.

    activation : {'sigmoid', 'logistic', 'tanh', 'relu', 'leaky_relu', 'elu', \
            'identity'}, default='sigmoid'
        Hidden-layer function f, applied to u = alpha z. 'logistic' is an
        alias of 'sigmoid'; 'leaky_relu' has slope 0.01 for u < 0; 'elu' is
        exp(u) - 1 for u < 0.

    alpha : float, array-like of shape (n_hidden_layers,) or 'auto', default=1.0
        Gain of the hidden layers: h = f(alpha (W h_prev + b)). A float > 0 is
        used by every hidden layer, a sequence gives one gain per hidden
        layer, and 'auto' chooses the gains (and the initialisation) from the
        training data, see Notes. The gains used are stored in ``alphas_``.
        With ``warm_start`` or ``partial_fit`` a float or sequence replaces
        the gains, while 'auto' keeps those it chose at initialisation.
        With ``alpha=1`` and 'sigmoid' the network is scikit-learn's
        ``MLPClassifier(activation='logistic')``.

    l2 : float, default=1e-4
        Strength of the L2 penalty on the weights, divided by the (weighted)
        number of samples of each batch: scikit-learn's ``alpha``.

    solver : {'adam', 'sgd', 'lbfgs'}, default='adam'
        Weight optimiser, as in scikit-learn.

    batch_size : int or 'auto', default='auto'
        Minibatch size of the stochastic solvers; 'auto' is min(200, n_samples).

    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Learning-rate schedule of 'sgd'.

    learning_rate_init : float, default=0.001
        Initial step size of 'sgd' and 'adam'.

    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.

    max_iter : int, default=200
        Maximum number of epochs (stochastic solvers) or iterations (lbfgs).

    shuffle : bool, default=True
        Whether to shuffle the samples every epoch (stochastic solvers).

    random_state : int, RandomState instance or None, default=None
        Seeds the initialisation, the shuffling, the early-stopping split
        and the sample that 'auto' uses.

    tol : float, default=1e-4
        Tolerance of the optimisation (see scikit-learn).

    verbose : bool, default=False
        Whether to print progress messages: one line per epoch / lbfgs
        iteration (``Iteration k, loss = ...``, with the validation score
        under ``early_stopping``). With scikit-learn >= 1.9, ``set_callbacks``
        attaches ``sklearn.callback`` callbacks (``ProgressBar``,
        ``ScoringMonitor``), which see every epoch.

    warm_start : bool, default=False
        Reuse the previous solution as the initialisation of ``fit``.

    momentum : float, default=0.9
        Momentum of 'sgd'.

    nesterovs_momentum : bool, default=True
        Whether 'sgd' uses Nesterov's momentum.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop when the
        validation accuracy stops improving (stochastic solvers).

    validation_fraction : float, default=0.1
        Fraction of the training data held out for early stopping.

    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of Adam's moment estimates.

    epsilon : float, default=1e-8
        Numerical stability constant of Adam.

    n_iter_no_change : int, default=10
        Epochs without ``tol`` improvement before stopping.

    max_fun : int, default=15000
        Maximum number of loss evaluations of 'lbfgs'.

    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, multiplied into the sample weights
        ('balanced': n_samples / (n_classes * bincount(y)), counting samples
        by their sample weights, over the classes present in y; in
        ``partial_fit``, in each batch). Ignored, with a
        warning, for multilabel targets.

    Attributes
    ----------
    classes_ : ndarray or list of ndarray
        Class labels.
    loss_ : float
        Loss at the end of training (log-loss plus the L2 term).
    best_loss_ : float or None
        Smallest training loss seen (stochastic solvers, no early stopping).
    loss_curve_ : list of float
        Training loss at the end of each epoch (stochastic solvers), or at
        each iteration (lbfgs).
    validation_scores_ : list of float or None
        Validation accuracy per epoch with ``early_stopping``.
    best_validation_score_ : float or None
        Best validation accuracy with ``early_stopping``.
    t_ : int
        Number of training samples seen by the stochastic solvers.
    coefs_ : list of ndarray of shape (n_units_in, n_units_out)
        Weight matrices, one per layer.
    intercepts_ : list of ndarray of shape (n_units_out,)
        Intercepts, one per layer.
    alphas_ : ndarray of shape (n_hidden_layers,)
        Gain alpha used by each hidden layer.
    gradient_norms_ : ndarray of shape (n_epochs, n_layers_ - 1)
        Per epoch (or lbfgs iteration) and layer: Frobenius norm of the
        gradient of the loss with respect to the layer's weights, averaged
        over a few sampled mini-batches of the epoch.
    saturation_ : ndarray of shape (n_epochs, n_hidden_layers)
        Per epoch and hidden layer: fraction of outputs where the activation
        is flat (for 'sigmoid': within 0.01 of 0 or 1), on the same sampled
        mini-batches.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit (only when X has string names).
    n_iter_ : int
        Epochs (stochastic solvers) or iterations (lbfgs) of the last call.
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Number of output units.
    out_activation_ : str
        'logistic' or 'softmax'.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : The scikit-learn model this follows.

    Notes
    -----
    **Why a gain.** sigma(alpha z) has slope alpha/4 at 0 and mean 1/2. With
    alpha = 1 every layer multiplies the backpropagated signal by at most 1/4,
    and a deep sigmoid network does not train (gradients vanish).

    **alpha='auto'** (a layer-sequential, variance-fixing initialisation, run
    once on a sample of at most 1000 training rows weighted by the sample
    weights). For 'sigmoid' every hidden gain is alpha = 2, because
    sigma(2z) - 1/2 = tanh(z) / 2: with a centred input, a sigmoid layer at
    gain 2 *is* a tanh layer (slope 1/2 at 0, and the 1/2 offset folds into
    the next intercept), so depth behaves as it does for tanh networks.
    Then, layer by layer,

    1. W is a random (semi-)orthogonal matrix (scaled by
       sqrt(fan_out / fan_in) when the layer widens), so it neither shrinks
       nor inflates the signal it receives, in every direction;
    2. the intercept b is minus the mean of W h_prev over the sample: every
       pre-activation is centred at 0, where the slope is largest, which
       also cancels the 1/2 mean of the previous sigmoid outputs;
    3. W and b are rescaled so that u = alpha (W h_prev + b) has standard
       deviation 0.7 over the sample: the units work in the near-linear
       range of the sigmoid, and backpropagation neither vanishes nor
       explodes.

    Other activations get alpha = 1 and the same scheme (standard deviation
    0.5 for 'tanh', 1 otherwise).
    Keeping the gain at 2 and scaling the weights (rather than folding the
    scale into alpha) also keeps Adam's effective step on u moderate, which
    is what makes 32-layer networks train as reliably as 8-layer ones. The
    output layer gets steps 1 and 2.
    The gains are then fixed (``alphas_``) and training proceeds as usual;
    on digits (issue 4's setup) test accuracy stays at 0.96-0.99 from 1 to
    32 hidden layers of 64 units, where alpha = 1 is at chance from 8 layers
    on (``benchmarks/bench_depth.py``).
    Saturation measures: {saturation}

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_sigcore import SigCoreMLPClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> clf = SigCoreMLPClassifier((32,) * 8, alpha="auto", max_iter=30,
    ...                            random_state=0).fit(X[:1000], y[:1000])
    >>> clf.alphas_.shape
    (8,)
    >>> bool(clf.score(X[1000:], y[1000:]) > 0.85)
    True
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(numbers.Integral, 1, None, closed="left")],
        "activation": [StrOptions({"sigmoid", "logistic", "tanh", "relu", "leaky_relu",
                                   "elu", "identity"})],
        "alpha": [Interval(numbers.Real, 0, None, closed="neither"), StrOptions({"auto"}),
                  "array-like"],
        "l2": [Interval(numbers.Real, 0, None, closed="left")],
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "batch_size": [StrOptions({"auto"}), Interval(numbers.Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(numbers.Real, 0, None, closed="neither")],
        "power_t": [Interval(numbers.Real, 0, None, closed="left")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(numbers.Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="left")],
        "beta_1": [Interval(numbers.Real, 0, 1, closed="left")],
        "beta_2": [Interval(numbers.Real, 0, 1, closed="left")],
        "epsilon": [Interval(numbers.Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left"),
                             Options(numbers.Real, {np.inf})],
        "max_fun": [Interval(numbers.Integral, 1, None, closed="left")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="sigmoid",
        *,
        alpha=1.0,
        l2=1e-4,
        solver="adam",
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        class_weight=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.alpha = alpha
        self.l2 = l2
        self.solver = solver
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.class_weight = class_weight

    # ------------------------------------------------------------ validation
    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        if not hasattr(sizes, "__iter__"):
            sizes = [sizes]
        sizes = list(sizes)
        for s in sizes:
            if (isinstance(s, (bool, np.bool_)) or not isinstance(s, numbers.Integral)
                    or s <= 0):
                raise ValueError(f"hidden_layer_sizes must be positive integers, got "
                                 f"{self.hidden_layer_sizes!r}.")
        return [int(s) for s in sizes]

    def _alpha_spec(self, n_hidden):
        """'auto' or the list of per-hidden-layer gains, validated."""
        alpha = self.alpha
        if isinstance(alpha, str):
            return "auto"
        if isinstance(alpha, numbers.Real) and not isinstance(alpha, (bool, np.bool_)):
            return [check_alpha(alpha, "alpha")] * n_hidden
        values = np.asarray(alpha, dtype=object).reshape(-1) if np.ndim(alpha) else None
        if values is None:
            return [check_alpha(alpha, "alpha")] * n_hidden
        if len(values) != n_hidden:
            raise ValueError(f"alpha has {len(values)} values but there are {n_hidden} "
                             "hidden layers: give one gain per hidden layer, a single "
                             "float or 'auto'.")
        return [check_alpha(a, f"alpha[{i}]") for i, a in enumerate(values)]

    def _sample_weights(self, X, y_labels, sample_weight, lb, partial):
        """Sample weights times class weights, validated; None if all ones."""
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=X.dtype,
                                                 ensure_non_negative=True)
        cw = self.class_weight
        if cw is not None and lb.y_type_.startswith("multilabel"):
            warnings.warn("class_weight is ignored for multilabel targets.", UserWarning)
            cw = None
        if cw is not None:
            # 'balanced' uses the classes present in y (in partial_fit: this batch).
            classes = lb.classes_
            if cw == "balanced":
                # n / (n_classes * n_c) with weighted counts, so that integer
                # sample weights are the same as repeated samples.
                idx = np.searchsorted(classes, y_labels)
                sw = np.ones(len(idx)) if sample_weight is None else sample_weight
                counts = np.bincount(idx, weights=sw, minlength=len(classes))
                present = classes[counts > 0]
                weights = counts.sum() / (len(present) * counts[counts > 0])
            else:
                present = classes
                weights = compute_class_weight(cw, classes=present, y=y_labels)
            per_class = dict(zip(present, weights))
            cw_samples = np.array([per_class.get(c, 1.0) for c in classes])[
                np.searchsorted(classes, y_labels)].astype(X.dtype)
            sample_weight = cw_samples if sample_weight is None else sample_weight * cw_samples
        if sample_weight is not None:
            total = float(np.sum(sample_weight, dtype=np.float64))
            if not total > 0:
                raise ValueError("The sample weights (times the class weights) sum to "
                                 "zero: at least one sample needs a positive weight.")
        return sample_weight

    def _validate_targets(self, y, incremental, first_pass, classes):
        """Label binarizer and encoded targets; never changes self."""
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        fitted = hasattr(self, "classes_")
        if incremental and (not fitted or first_pass):
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit.")
            lb = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                lb.fit(y)
            else:
                lb.fit(unique_labels(classes))
            if not lb.y_type_.startswith("multilabel"):
                extra = np.setdiff1d(unique_labels(y), lb.classes_)
                if len(extra):
                    raise ValueError(f"`y` has classes not in `classes`: {extra}; "
                                     f"classes={lb.classes_}.")
        elif first_pass:
            lb = LabelBinarizer()
            lb.fit(y)
        else:
            lb = self._label_binarizer
            if incremental and classes is not None and not np.array_equal(
                    self.classes_, unique_labels(classes)):
                raise ValueError(f"`classes={classes!r}` is not the same as on the last "
                                 f"call to partial_fit, was: {self.classes_!r}.")
            y_classes = unique_labels(y)
            if self.warm_start and not incremental:
                if set(y_classes) != set(self.classes_):
                    raise ValueError("warm_start can only be used where `y` has the same "
                                     "classes as in the previous call to fit. Previously "
                                     f"got {self.classes_}, `y` has {y_classes}")
            elif len(np.setdiff1d(y_classes, self.classes_, assume_unique=True)):
                raise ValueError("`y` has classes not in `self.classes_`. "
                                 f"`self.classes_` has {self.classes_}. 'y' has {y_classes}.")
        if len(lb.classes_) < 2:
            raise ValueError("SigCoreMLPClassifier needs samples of at least 2 classes; "
                             f"got 1 class: {lb.classes_}.")
        return y, lb

    # ------------------------------------------------------------------ fit
    def _fit(self, X, y, sample_weight=None, incremental=False, classes=None):
        # validate_data(reset=True) sets n_features_in_ / feature_names_in_ at
        # once: put them back if the call fails, so a fitted model stays whole.
        saved = {k: self.__dict__[k] for k in ("n_features_in_", "feature_names_in_")
                 if k in self.__dict__}
        try:
            return self._fit_unsafe(X, y, sample_weight, incremental, classes)
        except BaseException:
            for key in ("n_features_in_", "feature_names_in_"):
                self.__dict__.pop(key, None)
            self.__dict__.update(saved)
            raise

    def _fit_unsafe(self, X, y, sample_weight, incremental, classes):
        hidden = self._hidden_sizes()
        alpha_spec = self._alpha_spec(len(hidden))
        activation = canonical_activation(self.activation)
        fitted = hasattr(self, "coefs_")
        first_pass = not fitted or (not self.warm_start and not incremental)

        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"], multi_output=True,
                             dtype=(np.float64, np.float32), reset=first_pass)
        if sp.issparse(X):
            X = X.tocsr()
        y, lb = self._validate_targets(y, incremental, first_pass, classes)
        y_labels = y if not lb.y_type_.startswith("multilabel") else None
        sample_weight = self._sample_weights(X, y_labels, sample_weight, lb, incremental)
        Y = lb.transform(y)
        if sp.issparse(Y):
            Y = Y.toarray()
        multinomial = lb.y_type_ == "multiclass"
        dtype = X.dtype
        n_outputs = Y.shape[1]
        if multinomial:
            target = np.argmax(Y, axis=1).astype(dtype)
        else:
            target = np.ascontiguousarray(Y, dtype=dtype)
        layout = _Layout([X.shape[1]] + hidden + [n_outputs])
        rng = check_random_state(self.random_state)
        n_threads = _KERNEL_THREADS
        if self.solver == "lbfgs":
            rows = X.shape[0]
        else:
            rows = min(X.shape[0], 200 if self.batch_size == "auto" else self.batch_size)
        macs = rows * max(a * b for _, (a, b) in layout.coef_slices)
        # lbfgs: one subtask per iteration, plus the one it never runs.
        fit_callbacks = FitCallbacks(self, X, y, sample_weight=sample_weight,
                                     max_subtasks=1 if incremental else self.max_iter
                                     + (self.solver == "lbfgs"))
        callbacks = fit_callbacks if fit_callbacks.active else None
        with blas_threads(1 if macs < _SERIAL_BLAS_MACS else None):
            state = self._train(X, y, sample_weight, incremental, first_pass, lb, layout,
                                alpha_spec, activation, multinomial, target, rng, n_threads,
                                callbacks, hidden, n_outputs)
        for name, value in self._fitted_attributes(state, lb, layout, hidden, n_outputs,
                                                   multinomial).items():
            setattr(self, name, value)
        fit_callbacks.finish()
        return self

    def _train(self, X, y, sample_weight, incremental, first_pass, lb, layout, alpha_spec,
               activation, multinomial, target, rng, n_threads, callbacks, hidden,
               n_outputs):
        """Initialise or copy the state, run the solver; returns the new state."""
        dtype = X.dtype

        if first_pass:
            if alpha_spec == "auto":
                params, alphas = _auto_init(layout, activation, rng, dtype, X,
                                            sample_weight, n_threads)
            else:
                params, alphas = _glorot_init(layout, activation, rng, dtype), alpha_spec
            state = _State(params=params, alphas=alphas)
            if self.solver in _STOCHASTIC_SOLVERS:
                if self.early_stopping:
                    state.validation_scores = []
                    state.best_validation_score = -np.inf
                else:
                    state.best_loss = np.inf
        else:
            if [c.shape for c in self.coefs_] != [shape for _, shape in layout.coef_slices]:
                raise ValueError("The network shape changed since the last fit "
                                 f"(layers {layout.layer_units}); refit without "
                                 "warm_start / partial_fit.")
            state = _State(
                params=layout.pack(self.coefs_, self.intercepts_, dtype),
                # warm start / partial_fit: the current gains, or those chosen
                # by 'auto' when the network was initialised
                alphas=list(self.alphas_) if alpha_spec == "auto" else alpha_spec,
                optimizer=getattr(self, "_optimizer", None),
                loss_curve=list(getattr(self, "loss_curve_", [])),
                validation_scores=(None if self.validation_scores_ is None
                                   else list(self.validation_scores_)),
                best_validation_score=self.best_validation_score_,
                best_loss=self.best_loss_,
                no_improvement_count=getattr(self, "_no_improvement_count", 0),
                t=self.t_,
                gradient_norms=list(self.gradient_norms_),
                saturation=list(self.saturation_),
            )
            if state.optimizer is not None:
                state.optimizer = state.optimizer.astype(dtype)

        net = _Network(layout, state.params, state.alphas, activation, multinomial,
                       n_threads)
        if callbacks is not None:
            def attributes():
                snapshot = _State(**{**vars(state), "params": state.params.copy()})
                return self._fitted_attributes(snapshot, lb, layout, hidden, n_outputs,
                                               multinomial)
            callbacks.attributes = attributes
        if self.solver in _STOCHASTIC_SOLVERS:
            self._fit_stochastic(net, state, X, target, y, sample_weight, lb, rng,
                                 incremental, callbacks)
        else:
            self._fit_lbfgs(net, state, X, target, sample_weight, callbacks)

        if not np.isfinite(state.params).all():
            raise ValueError("Solver produced non-finite parameter weights. The input "
                             "data may contain large values and need to be preprocessed.")
        return state

    def _fitted_attributes(self, state, lb, layout, hidden, n_outputs, multinomial):
        """The fitted attributes a training state stands for (set only at the end)."""
        coefs, intercepts = layout.views(state.params)
        attributes = dict(
            _label_binarizer=lb,
            classes_=lb.classes_,
            n_outputs_=n_outputs,
            n_layers_=len(layout.layer_units),
            out_activation_="softmax" if multinomial else "logistic",
            _layout=layout,
            _params=state.params,
            coefs_=coefs,
            intercepts_=intercepts,
            alphas_=np.asarray(state.alphas, dtype=float),
            n_iter_=state.n_iter,
            loss_=state.loss,
            loss_curve_=state.loss_curve,
            t_=state.t,
            gradient_norms_=np.asarray(state.gradient_norms, dtype=float).reshape(
                len(state.gradient_norms), len(layout.coef_slices)),
            saturation_=np.asarray(state.saturation, dtype=float).reshape(
                len(state.saturation), len(hidden)),
        )
        if self.solver in _STOCHASTIC_SOLVERS:
            attributes.update(
                _optimizer=state.optimizer,
                _no_improvement_count=state.no_improvement_count,
                validation_scores_=state.validation_scores,
                best_validation_score_=state.best_validation_score,
                best_loss_=state.best_loss,
            )
        else:
            attributes.update(validation_scores_=None, best_validation_score_=None,
                              best_loss_=None)
        return attributes

    def _batch_weights(self, sw_batch, m, n_outputs, multinomial, dtype, cache):
        """(w / sum w, tiled copy for multilabel, sum w) for one batch."""
        if sw_batch is None:
            key = m
            if key not in cache:
                w = np.full(m, 1.0 / m, dtype=dtype)
                tiled = None if multinomial or n_outputs == 1 else np.repeat(w, n_outputs)
                cache[key] = (w, tiled, float(m))
            return cache[key]
        total = float(np.sum(sw_batch, dtype=np.float64))
        if total <= 0:
            w = np.zeros(m, dtype=dtype)
            total = np.inf
        else:
            w = (sw_batch / total).astype(dtype, copy=False)
        tiled = None if multinomial or n_outputs == 1 else np.repeat(w, n_outputs)
        return w, tiled, total

    def _fit_stochastic(self, net, state, X, target, y, sample_weight, lb, rng,
                        incremental, callbacks=None):
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        n_outputs = target.shape[1] if target.ndim == 2 else 1
        if state.optimizer is None or not incremental:
            n = state.params.size
            if self.solver == "sgd":
                state.optimizer = SGDOptimizer(n, state.params.dtype, self.learning_rate_init,
                                               self.learning_rate, self.momentum,
                                               self.nesterovs_momentum, self.power_t)
            else:
                state.optimizer = AdamOptimizer(n, state.params.dtype,
                                                self.learning_rate_init, self.beta_1,
                                                self.beta_2, self.epsilon)
        opt = state.optimizer
        early_stopping = self.early_stopping
        if early_stopping:
            stratify = y if lb.y_type_ in ("binary", "multiclass") else None
            arrays = [X, target, y] + ([] if sample_weight is None else [sample_weight])
            split = train_test_split(*arrays, random_state=rng,
                                     test_size=self.validation_fraction, stratify=stratify)
            X_tr, X_val, t_tr, _, _, y_val = split[:6]
            sw_tr, sw_val = (None, None) if sample_weight is None else split[6:8]
            if X_val.shape[0] < 2:
                raise ValueError("The validation set is too small. Increase "
                                 "'validation_fraction' or the size of your dataset.")
            if sp.issparse(X_tr):
                X_tr = X_tr.tocsr()
        else:
            X_tr, t_tr, sw_tr = X, target, sample_weight
        n = X_tr.shape[0]
        if self.batch_size == "auto":
            batch_size = min(200, n)
        else:
            if self.batch_size > n:
                warnings.warn("Got `batch_size` less than 1 or larger than sample size. "
                              "It is going to be clipped")
            batch_size = int(np.clip(self.batch_size, 1, n))
        starts = list(range(0, n, batch_size))
        stride = EpochRecorder.stride(len(starts))
        recorder = EpochRecorder(len(net.coefs), net.saturation)
        sample_idx = np.arange(n)
        sparse_X = sp.issparse(X_tr)
        weight_cache = {}
        l2 = self.l2
        state.n_iter = 0
        try:
            for it in range(self.max_iter):
                end_task = None if callbacks is None else callbacks.task("epoch")
                if self.shuffle:
                    # As sklearn.utils.shuffle: same random stream as MLPClassifier.
                    sample_idx = sample_idx[rng.permutation(n)]
                    # Targets and weights in epoch order: batches are slices.
                    t_epoch = t_tr[sample_idx]
                    sw_epoch = None if sw_tr is None else sw_tr[sample_idx]
                else:
                    t_epoch, sw_epoch = t_tr, sw_tr
                accumulated = 0.0
                for b, start in enumerate(starts):
                    stop = min(start + batch_size, n)
                    m = stop - start
                    buf = net.buffers(m)
                    if self.shuffle:
                        idx = sample_idx[start:stop]
                        if sparse_X:
                            Xb = X_tr[idx]
                        else:
                            Xb = buf["x"]
                            np.take(X_tr, idx, axis=0, out=Xb)
                    else:
                        Xb = X_tr[start:stop]
                    tb = t_epoch[start:stop]
                    swb = None if sw_epoch is None else sw_epoch[start:stop]
                    w, tiled, total = self._batch_weights(swb, m, n_outputs,
                                                          net.multinomial, net.dtype,
                                                          weight_cache)
                    record = b % stride == 0
                    norms = [] if record else None
                    loss = net.loss_grad(Xb, tb, w, l2 / total, buf, tiled, opt, norms)
                    accumulated += loss * m
                    if record:
                        recorder.record_batch(norms, buf["acts"][:-1])
                state.n_iter += 1
                state.loss = accumulated / n
                state.t += n
                state.loss_curve.append(state.loss)
                recorder.end_epoch()
                message = "Iteration %d, loss = %.8f" % (state.n_iter, state.loss)
                if early_stopping:
                    score = self._accuracy(net, X_val, y_val, sw_val, lb)
                    state.validation_scores.append(score)
                    message += ", validation score = %f" % score
                if self.verbose:
                    print(message)
                if early_stopping:
                    if score < state.best_validation_score + self.tol:
                        state.no_improvement_count += 1
                    else:
                        state.no_improvement_count = 0
                    if score > state.best_validation_score:
                        state.best_validation_score = score
                        state.best_params = net.params.copy()
                else:
                    if state.loss_curve[-1] > state.best_loss - self.tol:
                        state.no_improvement_count += 1
                    else:
                        state.no_improvement_count = 0
                    if state.loss_curve[-1] < state.best_loss:
                        state.best_loss = state.loss_curve[-1]
                opt.iteration_ends(state.t)
                if end_task is not None and end_task():
                    break       # a callback asked to stop
                if state.no_improvement_count > self.n_iter_no_change:
                    if early_stopping:
                        msg = ("Validation score did not improve more than tol=%f for %d "
                               "consecutive epochs." % (self.tol, self.n_iter_no_change))
                    else:
                        msg = ("Training loss did not improve more than tol=%f for %d "
                               "consecutive epochs." % (self.tol, self.n_iter_no_change))
                    if opt.trigger_stopping(msg, self.verbose):
                        break
                    state.no_improvement_count = 0
                if incremental:
                    break
                if state.n_iter == self.max_iter:
                    warnings.warn("Stochastic Optimizer: Maximum iterations (%d) reached and "
                                  "the optimization hasn't converged yet." % self.max_iter,
                                  ConvergenceWarning)
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.")
        finally:
            g, s = recorder.arrays()
            state.gradient_norms.extend(g)
            state.saturation.extend(s)
        if early_stopping and state.best_params is not None:
            state.params[...] = state.best_params
            state.best_params = None

    def _accuracy(self, net, X, y, sample_weight, lb):
        z = net.decision(X)
        if not np.isfinite(z).all():
            return np.nan
        pred = lb.inverse_transform(z, threshold=0.0)
        from sklearn.metrics import accuracy_score

        return accuracy_score(y, pred, sample_weight=sample_weight)

    def _fit_lbfgs(self, net, state, X, target, sample_weight, callbacks=None):
        n = X.shape[0]
        n_outputs = target.shape[1] if target.ndim == 2 else 1
        w, tiled, total = self._batch_weights(sample_weight, n, n_outputs, net.multinomial,
                                              net.dtype, {})
        l2c = self.l2 / total
        buf = net.buffers(n)
        recorder = EpochRecorder(len(net.coefs), net.saturation)
        x64 = state.params.astype(np.float64)

        last = {}

        def fun(x):
            net.params[...] = x
            loss = net.loss_grad(X, target, w, l2c, buf, tiled)
            last["loss"] = loss
            return loss, net.grad.astype(np.float64)

        task = {"end": None if callbacks is None else callbacks.task("lbfgs-iter")}

        def callback(xk):
            # L-BFGS-B calls back after its line search, whose last evaluation
            # is the accepted point: the buffers hold its activations.
            recorder.record_batch([np.linalg.norm(g) for g in net.coef_grads],
                                  buf["acts"][:-1])
            recorder.end_epoch()
            state.loss_curve.append(float(last["loss"]))
            state.n_iter += 1
            state.loss = float(last["loss"])
            if self.verbose:
                print("Iteration %d, loss = %.8f" % (state.n_iter, state.loss))
            if callbacks is not None:
                saved = net.params.copy()
                net.params[...] = xk
                task["end"]()
                net.params[...] = saved
                task["end"] = callbacks.task("lbfgs-iter")

        state.n_iter = 0
        opt_res = scipy.optimize.minimize(
            fun, x64, method="L-BFGS-B", jac=True, callback=callback,
            options={"maxfun": self.max_fun, "maxiter": self.max_iter, "gtol": self.tol},
        )
        if task["end"] is not None:
            task["end"](ran=False)
        state.n_iter = _check_lbfgs_result(opt_res, self.max_iter)
        state.loss = float(opt_res.fun)
        net.params[...] = opt_res.x
        g, s = recorder.arrays()
        state.gradient_norms.extend(g)
        state.saturation.extend(s)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the network to X and y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 data is trained and kept in float32.
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Class labels, or a multilabel indicator matrix.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights (multiplied by the class weights).

        Returns
        -------
        self : SigCoreMLPClassifier
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    def _check_solver(self):
        if self.solver not in _STOCHASTIC_SOLVERS:
            raise AttributeError("partial_fit is only available for stochastic optimizers. "
                                 f"{self.solver} is not stochastic.")
        return True

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Update the network with one epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Class labels (a subset of `classes`), or a multilabel indicator matrix.
        classes : array-like of shape (n_classes,), default=None
            All the classes, required on the first call. A label of `y` not in
            `classes` is an error.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.

        Returns
        -------
        self : SigCoreMLPClassifier
            The updated estimator.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=True,
                         classes=classes)

    # ------------------------------------------------------------ predict
    def _network(self):
        return _Network(self._layout, self._params_in_use(), self.alphas_,
                        canonical_activation(self.activation),
                        self.out_activation_ == "softmax", _KERNEL_THREADS)

    def _params_in_use(self):
        """The flat parameters, rebuilt if coefs_ / intercepts_ were replaced."""
        params = getattr(self, "_params", None)
        coefs, intercepts = getattr(self, "coefs_"), getattr(self, "intercepts_")
        if (params is None or not all(np.shares_memory(c, params) for c in coefs)
                or not all(np.shares_memory(b, params) for b in intercepts)):
            dtype = np.result_type(*coefs)
            params = self._layout.pack(coefs, intercepts, dtype)
        return params

    def _decision(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=["csr", "csc"],
                          dtype=(np.float64, np.float32), reset=False)
        net = self._network()
        if X.dtype != net.dtype:
            X = X.astype(net.dtype)
        if sp.issparse(X):
            X = X.tocsr()
        return net.decision(X)

    def predict(self, X):
        """Predict class labels (or a label indicator matrix for multilabel).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Predicted labels.
        """
        z = self._decision(X)
        if self.n_outputs_ == 1:
            z = z.ravel()
        return self._label_binarizer.inverse_transform(z, threshold=0.0)

    def predict_proba(self, X):
        """Probability of each class.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Class probabilities in the order of `classes_` (for multilabel:
            the probability of each label).
        """
        return self._output(X, log=False)

    def predict_log_proba(self, X):
        """Logarithm of the class probabilities, computed without log(0).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities in the order of `classes_`.
        """
        return self._output(X, log=True)

    def _output(self, X, log):
        """Probabilities (log=False) or log-probabilities of the output layer."""
        z = self._decision(X)
        nt = _KERNEL_THREADS
        if self.out_activation_ == "softmax":
            softmax_rows(z, z, 1.0, log, nt)
            return z
        kind = UnaryKind.LOG_SIGMOID if log else UnaryKind.SIGMOID
        if self.n_outputs_ == 1:  # binary: columns P(classes_[0]), P(classes_[1])
            out = np.empty((z.shape[0], 2), dtype=z.dtype)
            pos = np.ascontiguousarray(z[:, 0])
            neg = -pos
            unary(kind, pos, pos, 1.0, nt)
            unary(kind, neg, neg, 1.0, nt)
            out[:, 0], out[:, 1] = neg, pos
            return out
        flat = z.reshape(-1)  # multilabel: each label on its own
        unary(kind, flat, flat, 1.0, nt)
        return z

    def __getstate__(self):
        # coefs_ / intercepts_ are views of one flat vector; pickle them alone.
        state = super().__getstate__()
        state.pop("_params", None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if "coefs_" in state and "_layout" in state:
            dtype = np.result_type(*self.coefs_)
            self._params = self._layout.pack(self.coefs_, self.intercepts_, dtype)
            self.coefs_, self.intercepts_ = self._layout.views(self._params)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = True
        return tags


SigCoreMLPClassifier.__doc__ = SigCoreMLPClassifier.__doc__.replace(
    "{saturation}", SATURATION_DOC)


def _check_lbfgs_result(result, max_iter):
    if result.status != 0:
        msg = result.message
        if isinstance(msg, bytes):
            msg = msg.decode("latin1")
        warnings.warn("lbfgs failed to converge after %d iteration(s) (status=%d):\n%s\n"
                      % (result.nit, result.status, msg), ConvergenceWarning, stacklevel=3)
    return min(result.nit, max_iter)
