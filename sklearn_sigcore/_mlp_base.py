"""The shared base of SigCoreMLPClassifier and SigCoreMLPRegressor: fit and training loop.

The estimators differ only in their targets (label encoding or numeric
checks), their output head (``_heads``) and the score early stopping watches
(accuracy or R^2); both hand those to this base through three hooks:
``_prepare_targets``, ``_validation_score`` and ``_stratify``.  Training runs
on copies (a :class:`TrainingState`) and is committed to the estimator only at
the end, so a failed call leaves a fitted model as it was.
"""

import numbers
import warnings
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
)
from sklearn.utils.validation import check_is_fitted, validate_data

from ._activations import canonical_activation
from ._diagnostics import EpochRecorder
from ._estimator_utils import (
    check_gain,
    minimize_lbfgs,
    print_progress,
    restore_on_error,
    user_stacklevel,
    validate_predict_X,
    warn_not_converged,
)
from ._mlp_fast import gather_rows
from ._network import Layout, Network, auto_init, glorot_init, input_rms, layer_gain
from ._optimizers import AdamOptimizer, SGDOptimizer
from ._persistence import PersistenceMixin
from ._progress import FitCallbacks
from ._threads import blas_threads

__all__ = ["BaseSigCoreMLP", "STOCHASTIC_SOLVERS", "MLP_PARAMETER_CONSTRAINTS"]

STOCHASTIC_SOLVERS = ("sgd", "adam")

# The element-wise kernels run serial between the BLAS calls: the BLAS
# already uses every core, and an OpenMP team spinning next to OpenBLAS's
# threads slows each training step down several times.
KERNEL_THREADS = 1
# Below this many multiply-adds in the largest GEMM of a training step, the
# BLAS is limited to one thread during fit: threads do not pay off on such
# small products, and on a busy machine spinning BLAS threads make them
# many times slower.
SERIAL_BLAS_MACS = 4_000_000

MLP_PARAMETER_CONSTRAINTS = {
    "hidden_layer_sizes": ["array-like", Interval(numbers.Integral, 1, None, closed="left")],
    "activation": [StrOptions({"sigmoid", "logistic", "tanh", "relu", "leaky_relu",
                               "elu", "identity"})],
    "alpha": [Interval(numbers.Real, 0, None, closed="neither"), StrOptions({"auto"}),
              "array-like"],
    "learn_alpha": [StrOptions({"layer", "unit"}), Options(bool, {False})],
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
}


@dataclass
class Targets:
    """What an estimator's ``_prepare_targets`` hands to the training loop."""

    y: object                   # the validated y (for callbacks and early stopping)
    target: np.ndarray          # what the head's loss reads, in X's dtype
    head: object
    sample_weight: np.ndarray   # sample (times class) weights, or None
    attributes: dict            # fitted attributes of the targets (classes_, ...)


@dataclass
class TrainingState:
    """Everything a fit changes; built on copies, committed at the end."""

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
    alpha_curve: list = field(default_factory=list)


# Gains below this make the hidden units nearly constant; such values are
# what scikit-learn users pass as its L2 `alpha` (1e-4 by default).
SMALL_GAIN = 1e-3


class BaseSigCoreMLP(PersistenceMixin, BaseEstimator):
    """Fit, partial_fit, training loop and prediction plumbing of both MLPs."""

    _numeric_targets = False

    # ------------------------------------------------------------ validation
    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        if not hasattr(sizes, "__iter__"):
            sizes = [sizes]
        sizes = list(sizes)
        for s in sizes:
            if isinstance(s, (bool, np.bool_)) or not isinstance(s, numbers.Integral):
                raise ValueError(f"hidden_layer_sizes must be positive integers, got "
                                 f"{self.hidden_layer_sizes!r}.")
        if any(s <= 0 for s in sizes):     # scikit-learn's words
            raise ValueError(f"hidden_layer_sizes must be > 0, got {sizes}.")
        return [int(s) for s in sizes]

    def _alpha_spec(self, n_hidden):
        """'auto' or the list of per-hidden-layer gains, validated."""
        alpha = self.alpha
        if isinstance(alpha, str):
            return "auto"
        if isinstance(alpha, np.ndarray) and alpha.ndim == 0:
            alpha = alpha.item()            # a 0-d array is its one value
        if isinstance(alpha, numbers.Real) and not isinstance(alpha, (bool, np.bool_)):
            return [check_gain(self, alpha)] * n_hidden
        if np.ndim(alpha) > 1:
            raise InvalidParameterError(
                f"The 'alpha' parameter of {type(self).__name__} must be a float, 'auto' "
                f"or a flat sequence of one gain per hidden layer, got {np.ndim(alpha)} "
                "dimensions.")
        values = np.asarray(alpha, dtype=object).reshape(-1) if np.ndim(alpha) else None
        if values is None:
            return [check_gain(self, alpha)] * n_hidden
        if len(values) != n_hidden:
            raise InvalidParameterError(
                f"The 'alpha' parameter of {type(self).__name__} has {len(values)} values "
                f"but there are {n_hidden} hidden layers: give one gain per hidden layer, "
                "a single float or 'auto'.")
        return [check_gain(self, a, f"alpha[{i}]") for i, a in enumerate(values)]

    def _learn_alpha(self):
        """None, 'layer' or 'unit' (the parameter constraints admit only those
        and False)."""
        return self.learn_alpha or None

    # ------------------------------------------------------------------ fit
    def _fit(self, X, y, sample_weight=None, incremental=False, classes=None):
        with restore_on_error(self):
            if incremental and hasattr(self, "coefs_"):
                self._validate_params()     # _fit_context skips it for a fitted model
            return self._fit_unsafe(X, y, sample_weight, incremental, classes)

    def _fit_unsafe(self, X, y, sample_weight, incremental, classes):
        hidden = self._hidden_sizes()
        alpha_spec = self._alpha_spec(len(hidden))
        learn = self._learn_alpha()
        activation = canonical_activation(self.activation)
        fitted = hasattr(self, "coefs_")
        first_pass = not fitted or (not self.warm_start and not incremental)
        if self.early_stopping and incremental and self.solver in STOCHASTIC_SOLVERS:
            raise ValueError("partial_fit does not support early_stopping=True")

        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"], multi_output=True,
                             y_numeric=self._numeric_targets,
                             dtype=(np.float64, np.float32), reset=first_pass)
        if sp.issparse(X):
            X = X.tocsr()
        if not first_pass:
            # the network keeps the dtype of its first fit, as scikit-learn's MLPs
            X = X.astype(self.coefs_[0].dtype, copy=False)
        if alpha_spec != "auto" and hidden and min(alpha_spec) < SMALL_GAIN:
            warnings.warn(
                f"alpha={min(alpha_spec):g} is the gain of the hidden units, not "
                "scikit-learn's L2 strength (that is `l2` here): below "
                f"{SMALL_GAIN:g} the units are nearly constant and the network learns "
                f"little. scikit-learn's MLP(alpha={min(alpha_spec):g}) is "
                f"{type(self).__name__}(l2={min(alpha_spec):g}) here.", UserWarning,
                stacklevel=user_stacklevel())
        if (X.dtype == np.float32 and alpha_spec != "auto" and hidden and not learn
                and max(alpha_spec) > float(np.finfo(np.float32).max)):
            raise ValueError(
                f"alpha={max(alpha_spec):g} is beyond the float32 range (3.4e38) of X, "
                "whose precision the network is trained in: pass X as float64.")
        targets = self._prepare_targets(X, y, sample_weight, incremental, first_pass,
                                        classes)
        n_outputs = targets.head.n_outputs
        layout = Layout([X.shape[1]] + hidden + [n_outputs], learn)
        rng = check_random_state(self.random_state)
        if self.solver == "lbfgs":
            rows = X.shape[0]
        else:
            rows = min(X.shape[0], 200 if self.batch_size == "auto" else self.batch_size)
        macs = rows * max(a * b for _, (a, b) in layout.coef_slices)
        # lbfgs: one subtask per iteration, plus the one it never runs.
        fit_callbacks = FitCallbacks(self, X, targets.y,
                                     sample_weight=targets.sample_weight,
                                     max_subtasks=self.max_iter + 1 if self.solver == "lbfgs"
                                     else 1 if incremental else self.max_iter)
        callbacks = fit_callbacks if fit_callbacks.active else None
        with blas_threads(1 if macs < SERIAL_BLAS_MACS else None):
            state = self._train(X, targets, incremental, first_pass, layout, alpha_spec,
                                activation, rng, callbacks)
        for name, value in self._fitted_attributes(state, targets, layout).items():
            setattr(self, name, value)
        if learn != "unit":
            self.__dict__.pop("unit_alphas_", None)
        fit_callbacks.finish()
        return self

    def _start_weights(self, alpha_spec, learn):
        """(coefs, intercepts, gains) a warm start / partial_fit continues
        from (see ``alpha``).

        Per-unit gains g continued as one gain per layer (their geometric
        mean m) leave each unit's ratio r = g / m in its weights and
        intercept: f(g (w h + b)) = f(m (r w h + r b)), the same network.
        """
        coefs, intercepts = list(self.coefs_), list(self.intercepts_)
        previous = getattr(self, "_layout", None)
        if learn and previous is not None and previous.learn_alpha:
            if learn == "unit":     # the learned gains, per unit if they were
                gains = [np.asarray(g) for g in getattr(self, "unit_alphas_", self.alphas_)]
                return coefs, intercepts, gains
            gains = list(self.alphas_)
        elif alpha_spec == "auto":
            gains = list(self.alphas_)
        else:
            return coefs, intercepts, alpha_spec
        for i, unit in enumerate(getattr(self, "unit_alphas_", ())):
            ratio = np.asarray(unit) / gains[i]
            coefs[i] = coefs[i] * ratio.astype(coefs[i].dtype)
            intercepts[i] = intercepts[i] * ratio.astype(intercepts[i].dtype)
        return coefs, intercepts, gains

    def _train(self, X, targets, incremental, first_pass, layout, alpha_spec, activation,
               rng, callbacks):
        """Initialise or copy the state, run the solver; returns the new state."""
        dtype = X.dtype
        sample_weight = targets.sample_weight
        if first_pass:
            if alpha_spec == "auto":
                params, alphas = auto_init(layout, activation, rng, dtype, X,
                                           sample_weight, KERNEL_THREADS)
            else:
                # Glorot's bounds assume unit-variance inputs.  The sigmoid keeps
                # scikit-learn's initialisation (alpha = 1 is its network); other
                # activations divide the first layer by the input's RMS, or on
                # unscaled data (RMS 20) ~45 % of tanh units start saturated and
                # stay frozen (the hidden layer a fixed random partition of X).
                rms = 1.0 if activation == "sigmoid" else input_rms(X, sample_weight)
                params, alphas = glorot_init(layout, activation, rng, dtype, alpha_spec,
                                             rms), alpha_spec
            state = TrainingState(params=params, alphas=alphas)
        else:
            if [c.shape for c in self.coefs_] != [shape for _, shape in layout.coef_slices]:
                raise ValueError("The network shape changed since the last fit "
                                 f"(layers {layout.layer_units}); refit without "
                                 "warm_start / partial_fit.")
            coefs, intercepts, alphas = self._start_weights(alpha_spec, layout.learn_alpha)
            optimizer = getattr(self, "_optimizer", None)
            if optimizer is not None and getattr(optimizer, "n_params", -1) != layout.size:
                optimizer = None        # learn_alpha changed: new parameters, new moments
            state = TrainingState(
                params=layout.pack(coefs, intercepts, dtype, alphas),
                alphas=[layer_gain(a) for a in alphas],
                optimizer=None if optimizer is None else optimizer.copy(),
                loss_curve=list(getattr(self, "loss_curve_", [])),
                validation_scores=(None if self.validation_scores_ is None
                                   else list(self.validation_scores_)),
                best_validation_score=self.best_validation_score_,
                best_loss=self.best_loss_,
                no_improvement_count=getattr(self, "_no_improvement_count", 0),
                t=self.t_,
                gradient_norms=list(self.gradient_norms_),
                saturation=list(self.saturation_),
                alpha_curve=list(getattr(self, "alpha_curve_", [])),
            )
            if not layout.learn_alpha:
                state.alphas = alphas
        if self.solver in STOCHASTIC_SOLVERS:
            # what the stopping rule tracks, where missing: a first fit, or a
            # continuation after lbfgs or with early_stopping switched
            if self.early_stopping and state.validation_scores is None:
                state.validation_scores = []
                state.best_validation_score = -np.inf
            elif not self.early_stopping and state.best_loss is None:
                state.best_loss = np.inf
        net = Network(layout, state.params, state.alphas, activation, targets.head,
                      KERNEL_THREADS)
        if callbacks is not None:
            def attributes():
                snapshot = TrainingState(**{**vars(state), "params": state.params.copy()})
                return self._fitted_attributes(snapshot, targets, layout)
            callbacks.attributes = attributes
        if self.solver in STOCHASTIC_SOLVERS:
            self._fit_stochastic(net, state, X, targets, rng, incremental, callbacks)
        else:
            self._fit_lbfgs(net, state, X, targets, callbacks)
        if not np.isfinite(state.params).all():
            raise ValueError("Solver produced non-finite parameter weights. The input "
                             "data may contain large values and need to be preprocessed.")
        net.refresh_gains()
        state.alphas = net.hidden_gains()
        return state

    def _fitted_attributes(self, state, targets, layout):
        """The fitted attributes a training state stands for (set only at the end)."""
        coefs, intercepts = layout.views(state.params)
        n_hidden = len(layout.layer_units) - 2
        gains = layout.gains(state.params) if layout.learn_alpha else state.alphas
        attributes = dict(
            targets.attributes,
            _head=targets.head,
            n_outputs_=targets.head.n_outputs,
            n_layers_=len(layout.layer_units),
            out_activation_=targets.head.out_activation,
            _layout=layout,
            _params=state.params,
            coefs_=coefs,
            intercepts_=intercepts,
            alphas_=np.array([layer_gain(g) for g in gains], dtype=float),
            alpha_curve_=np.asarray(state.alpha_curve, dtype=float).reshape(
                len(state.alpha_curve), n_hidden),
            n_iter_=state.n_iter,
            loss_=state.loss,
            loss_curve_=state.loss_curve,
            t_=state.t,
            gradient_norms_=np.asarray(state.gradient_norms, dtype=float).reshape(
                len(state.gradient_norms), len(layout.coef_slices)),
            saturation_=np.asarray(state.saturation, dtype=float).reshape(
                len(state.saturation), n_hidden),
        )
        if layout.learn_alpha == "unit":
            attributes["unit_alphas_"] = [np.array(g, dtype=float) for g in gains]
        if self.solver in STOCHASTIC_SOLVERS:
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

    @staticmethod
    def _batch_weights(sw_batch, m, head, dtype, cache):
        """(w / sum w, per-element copy for multi-output log-loss, sum w) of a batch."""
        if sw_batch is None:
            if m not in cache:
                w = np.full(m, 1.0 / m, dtype=dtype)
                cache[m] = (w, head.tile(w), float(m))
            return cache[m]
        total = float(np.sum(sw_batch, dtype=np.float64))
        if total <= 0:
            w = np.zeros(m, dtype=dtype)
            total = np.inf
        else:
            w = (sw_batch / total).astype(dtype, copy=False)
        return w, head.tile(w), total

    def _new_optimizer(self, n_params, dtype):
        if self.solver == "sgd":
            return SGDOptimizer(n_params, dtype, self.learning_rate_init, self.learning_rate,
                                self.momentum, self.nesterovs_momentum, self.power_t)
        return AdamOptimizer(n_params, dtype, self.learning_rate_init, self.beta_1,
                             self.beta_2, self.epsilon)

    def _fit_stochastic(self, net, state, X, targets, rng, incremental, callbacks=None):
        head, target, sample_weight = targets.head, targets.target, targets.sample_weight
        if state.optimizer is None or not incremental:
            state.optimizer = self._new_optimizer(state.params.size, state.params.dtype)
        opt = state.optimizer
        early_stopping = self.early_stopping
        if early_stopping:
            y = targets.y
            arrays = [X, target, y] + ([] if sample_weight is None else [sample_weight])
            split = train_test_split(*arrays, random_state=rng,
                                     test_size=self.validation_fraction,
                                     stratify=self._stratify(y, targets))
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
        sample_idx = np.arange(n, dtype=np.intp)     # gather_rows' index type
        sparse_X = sp.issparse(X_tr)
        # gather_rows reads aligned C-ordered rows (a dask chunk may be unaligned)
        c_rows = not sparse_X and X_tr.flags.c_contiguous and X_tr.flags.aligned
        weight_cache = {}
        l2 = self.l2
        state.n_iter = 0
        try:
            for it in range(self.max_iter):
                end_task = None if callbacks is None else callbacks.task("epoch")
                if self.shuffle:
                    # As sklearn.utils.shuffle: the same random stream as scikit-learn's MLP.
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
                        elif c_rows:
                            Xb = buf["x"]
                            gather_rows(X_tr, idx, Xb)
                        else:
                            Xb = buf["x"]
                            # mode='clip' (the indices are valid): 'raise'
                            # buffers `out`, a second copy of the batch
                            np.take(X_tr, idx, axis=0, out=Xb, mode="clip")
                    else:
                        Xb = X_tr[start:stop]
                    tb = t_epoch[start:stop]
                    swb = None if sw_epoch is None else sw_epoch[start:stop]
                    w, tiled, total = self._batch_weights(swb, m, head, net.dtype,
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
                net.refresh_gains()
                state.alpha_curve.append(list(net.alphas))
                recorder.end_epoch()
                score = None
                if early_stopping:
                    score = self._validation_score(net, X_val, y_val, sw_val, targets)
                    state.validation_scores.append(score)
                if self.verbose:
                    print_progress(state.n_iter, state.loss, score)
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
                    what = "Validation score" if early_stopping else "Training loss"
                    msg = (f"{what} did not improve more than tol={self.tol:f} for "
                           f"{self.n_iter_no_change} consecutive epochs.")
                    if opt.trigger_stopping(msg, self.verbose):
                        break
                    state.no_improvement_count = 0
                if incremental:
                    break
                if state.n_iter == self.max_iter:
                    # scikit-learn's words first: filters written for them match
                    warnings.warn(
                        f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) "
                        "reached and the optimization hasn't converged yet. Increase "
                        "max_iter or loosen tol; the model is usable but not optimal.",
                        ConvergenceWarning, stacklevel=user_stacklevel())
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.")
        finally:
            g, s = recorder.arrays()
            state.gradient_norms.extend(g)
            state.saturation.extend(s)
        if early_stopping and state.best_params is not None:
            state.params[...] = state.best_params
            state.best_params = None

    def _fit_lbfgs(self, net, state, X, targets, callbacks=None):
        n = X.shape[0]
        w, tiled, total = self._batch_weights(targets.sample_weight, n, targets.head,
                                              net.dtype, {})
        l2c = self.l2 / total
        buf = net.buffers(n)
        recorder = EpochRecorder(len(net.coefs), net.saturation)
        last = {}
        # L-BFGS works on x = params * scale.  A layer's log-gain gathers the
        # gradient of all its units, so its first steps dwarf the weights' and
        # saturate the layer; scaling it by the layer's width evens them out.
        scale = np.ones(net.params.size)
        if net.layout.learn_alpha == "layer":
            for sl, units in zip(net.layout.gain_slices, net.layout.layer_units[1:-1]):
                scale[sl] = units
        scaled = net.layout.learn_alpha == "layer"

        def fun(x):
            net.params[...] = x / scale if scaled else x
            # a trial point whose loss overflows is one the line search backs off
            with np.errstate(over="ignore", invalid="ignore"):
                loss = net.loss_grad(X, targets.target, w, l2c, buf, tiled)
            if not np.isfinite(loss) and not last:
                poisson = (" (loss='poisson': log-predictions above ~709 overflow exp)"
                           if getattr(self, "loss", None) == "poisson" else "")
                raise ValueError(
                    f"The loss is {loss} at the start of the lbfgs fit: it overflows "
                    f"{net.dtype.name}{poisson}. The network's outputs, the targets or "
                    "l2 / sum(sample_weight) are too large: lower alpha, use "
                    "alpha='auto', scale X and y, or scale sample_weight up.")
            last["loss"] = loss
            grad = net.grad.astype(np.float64)
            return loss, grad / scale if scaled else grad

        task = {"end": None if callbacks is None else callbacks.task("lbfgs-iter")}

        def on_iteration(n_iter, xk):
            # the line search's last evaluation is the accepted point: the
            # buffers hold its activations and net.grad its gradient
            recorder.record_batch([np.linalg.norm(g) for g in net.coef_grads],
                                  buf["acts"][:-1])
            recorder.end_epoch()
            state.loss_curve.append(float(last["loss"]))
            state.alpha_curve.append(list(net.alphas))
            state.n_iter = n_iter
            state.loss = float(last["loss"])
            if self.verbose:
                print_progress(state.n_iter, state.loss)
            if callbacks is None:
                return False
            saved = net.params.copy()
            net.params[...] = xk / scale if scaled else xk
            stop = task["end"]()
            net.params[...] = saved
            if not stop:
                task["end"] = callbacks.task("lbfgs-iter")
            return stop

        state.n_iter = 0
        x0 = state.params.astype(np.float64)
        result = minimize_lbfgs(fun, x0 * scale if scaled else x0, max_iter=self.max_iter,
                                gtol=self.tol, max_fun=self.max_fun,
                                on_iteration=on_iteration)
        if result.stopped:      # a callback asked to stop: the accepted iterate
            state.loss = float(last["loss"])
        else:
            if task["end"] is not None:
                task["end"](ran=False)
            if not result.converged and "EVALUATIONS" in result.message:    # max_fun's stop
                warn_not_converged("lbfgs", self.max_fun, result.message,
                                   limit="max_fun", unit="loss evaluations",
                                   n_iter=result.n_iter)
            elif not result.converged:
                warn_not_converged("lbfgs", self.max_iter, result.message,
                                   n_iter=result.n_iter)
            state.loss = result.fun
        state.n_iter = min(result.n_iter, self.max_iter)
        net.params[...] = result.x / scale if scaled else result.x
        g, s = recorder.arrays()
        state.gradient_norms.extend(g)
        state.saturation.extend(s)

    # ------------------------------------------------------------ predict
    def _check_solver(self):
        if self.solver not in STOCHASTIC_SOLVERS:
            raise AttributeError("partial_fit is only available for stochastic optimizers. "
                                 f"{self.solver} is not stochastic.")
        return True

    def _network(self, params):
        """The fitted network on ``params``, its flat parameters (in any dtype)."""
        return Network(self._layout, params, self.alphas_,
                       canonical_activation(self.activation), self._head, KERNEL_THREADS)

    def _fitted_gains(self):
        return getattr(self, "unit_alphas_", None) or list(self.alphas_)

    def _params_in_use(self):
        """The flat parameters, rebuilt if coefs_ / intercepts_ were replaced."""
        params = getattr(self, "_params", None)
        coefs, intercepts = self.coefs_, self.intercepts_
        if (params is None or not all(np.shares_memory(c, params) for c in coefs)
                or not all(np.shares_memory(b, params) for b in intercepts)):
            dtype = np.result_type(*coefs)
            params = self._layout.pack(coefs, intercepts, dtype, self._fitted_gains())
        return params

    def _decision(self, X):
        """Output-layer scores of X (before the output activation)."""
        check_is_fitted(self)
        X = validate_predict_X(self, X, accept_sparse=["csr", "csc"])
        # as scikit-learn: float64 if X or the model is (a float32 model
        # computes float64 X with its weights upcast), else float32
        params = self._params_in_use()
        net = self._network(params.astype(np.result_type(X.dtype, params.dtype), copy=False))
        if X.dtype != net.dtype:
            X = X.astype(net.dtype)
        if sp.issparse(X):
            X = X.tocsr()
        return net.decision(X)

    def __getstate__(self):
        # coefs_ / intercepts_ are views of one flat vector (which also holds
        # the learned log-gains exactly): pickle the vector alone.
        state = dict(super().__getstate__())     # a copy: object's is self.__dict__
        if "_layout" in state and "coefs_" in state:
            state["_params"] = self._params_in_use()
            state.pop("coefs_")
            state.pop("intercepts_")
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if "_layout" in state and "_params" in state and "coefs_" not in state:
            self.coefs_, self.intercepts_ = self._layout.views(self._params)


# Shared docstring sections of both estimators (filled in with str.replace).
LEARN_ALPHA_DOC = """learn_alpha : {False, 'layer', 'unit'}, default=False
        Whether the gains are trained with the weights, by the same solver
        (sgd, adam or lbfgs) and exact gradients: False keeps them fixed,
        'layer' learns one gain per hidden layer, 'unit' one per hidden unit,
        starting from ``alpha`` (a float, a list or the gains 'auto' picks).
        Each gain is parameterised as alpha = exp(theta) and theta is
        trained, so gains stay positive and a step changes them by a factor
        (theta is clipped to [-23, 23]: gains from 1e-10 to 1e10); the L2
        penalty ``l2`` does not act on them. ``partial_fit`` and
        ``warm_start`` continue from the learned gains."""

GAIN_ATTRIBUTES_DOC = """alphas_ : ndarray of shape (n_hidden_layers,)
        Gain alpha of each hidden layer (learned with ``learn_alpha``; for
        'unit', the geometric mean of the layer's unit gains).
    unit_alphas_ : list of ndarray of shape (n_units,)
        Learned gain of every hidden unit, one array per hidden layer (only
        with ``learn_alpha='unit'``).
    alpha_curve_ : ndarray of shape (n_epochs, n_hidden_layers)
        ``alphas_`` after every epoch (or lbfgs iteration); constant rows
        when the gains are fixed."""
