"""SigCoreMLPRegressor: a multi-layer perceptron regressor whose hidden units are f(alpha z)."""

import numpy as np
from sklearn.base import RegressorMixin, _fit_context
from sklearn.metrics import r2_score
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import _check_sample_weight, column_or_1d

from ._activations import SATURATION_DOC
from ._dask import DaskScoreMixin, lazy_on_dask
from ._heads import regression_head
from ._mlp_base import (
    GAIN_ATTRIBUTES_DOC,
    KERNEL_THREADS,
    LEARN_ALPHA_DOC,
    MLP_PARAMETER_CONSTRAINTS,
    BaseSigCoreMLP,
    Targets,
)
from ._progress import CallbackSupportMixin

__all__ = ["SigCoreMLPRegressor"]


class SigCoreMLPRegressor(DaskScoreMixin, CallbackSupportMixin, RegressorMixin,
                          BaseSigCoreMLP):
    """Multi-layer perceptron regressor with sigmoid-core hidden units.

    The network of :class:`SigCoreMLPClassifier` (hidden units f(alpha z),
    per-layer gains, ``alpha='auto'``, learned gains, diagnostics) with the
    outputs of scikit-learn's :class:`~sklearn.neural_network.MLPRegressor`:
    identity outputs and half the squared error by default, σ(z) outputs for
    targets in [0, 1] (``out_activation='sigmoid'``), or exp(z) outputs with
    half the Poisson deviance (``loss='poisson'``). Single and multi-output
    targets, sample weights, dense and sparse X, float32 kept.

    Parameters are scikit-learn's ``MLPRegressor`` names, defaults and
    meanings, except that scikit-learn's L2 strength ``alpha`` is ``l2`` here
    (``MLPRegressor(alpha=1e-4)`` becomes ``SigCoreMLPRegressor(l2=1e-4)``),
    the default activation is 'sigmoid', and ``loss`` is keyword-only.

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,) or int, default=(100,)
        The ith element is the number of units of the ith hidden layer.

    activation : {'sigmoid', 'logistic', 'tanh', 'relu', 'leaky_relu', 'elu', \
            'identity'}, default='sigmoid'
        Hidden-layer function f, applied to u = alpha z ('logistic' is an
        alias of 'sigmoid').
        Weights start as scikit-learn's (Glorot uniform); for activations
        other than 'sigmoid' the first layer's are divided by the root mean
        square of X, since Glorot's bounds assume unit-variance inputs and
        unscaled data would start tanh units saturated.

    loss : {'squared_error', 'poisson'}, default='squared_error'
        Half the squared error, or half the Poisson deviance with exp(z)
        outputs (targets >= 0), as scikit-learn. The loss of a sample is
        summed over the outputs.

    out_activation : {'identity', 'sigmoid'}, default='identity'
        Output function of the squared error: the identity (scikit-learn's)
        or σ(z), for targets in [0, 1] (then every target must lie there, to
        within 4 ulp of the dtype, which MinMaxScaler's rounding can leave).

    alpha : float, array-like of shape (n_hidden_layers,) or 'auto', default=1.0
        Gain of the hidden layers, as in :class:`SigCoreMLPClassifier`. With
        ``alpha=1`` and 'sigmoid' the network is scikit-learn's
        ``MLPRegressor(activation='logistic')``.

    {learn_alpha}

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
        Print one line per epoch / lbfgs iteration; with scikit-learn >= 1.9,
        ``set_callbacks`` attaches ``sklearn.callback`` callbacks.

    warm_start : bool, default=False
        Reuse the previous solution as the initialisation of ``fit``.

    momentum : float, default=0.9
        Momentum of 'sgd'.

    nesterovs_momentum : bool, default=True
        Whether 'sgd' uses Nesterov's momentum.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop when the
        validation R^2 stops improving (stochastic solvers).

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

    Attributes
    ----------
    loss_ : float
        Loss at the end of training (plus the L2 term). For several outputs
        it is the sum over the outputs, the objective whose gradient trains
        the network (for squared error scikit-learn reports the mean but
        steps on the sum; for ``loss='poisson'`` it sums too).
    best_loss_ : float or None
        Smallest training loss seen (stochastic solvers, no early stopping).
    loss_curve_ : list of float
        Training loss per epoch (stochastic solvers) or lbfgs iteration.
    validation_scores_ : list of float or None
        Validation R^2 per epoch with ``early_stopping``.
    best_validation_score_ : float or None
        Best validation R^2 with ``early_stopping``.
    t_ : int
        Number of training samples seen by the stochastic solvers.
    coefs_ : list of ndarray of shape (n_units_in, n_units_out)
        Weight matrices, one per layer.
    intercepts_ : list of ndarray of shape (n_units_out,)
        Intercepts, one per layer.
    {gain_attributes}
    gradient_norms_ : ndarray of shape (n_epochs, `n_layers_` - 1)
        Per epoch and layer: norm of the gradient of the loss with respect
        to the layer's weights, on a few sampled mini-batches.
    saturation_ : ndarray of shape (n_epochs, n_hidden_layers)
        Per epoch and hidden layer: fraction of outputs where the activation
        is flat ({saturation}).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit (only when X has string names).
    n_iter_ : int
        Epochs (stochastic solvers) or iterations (lbfgs) of the last call.
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Number of outputs.
    out_activation_ : str
        'identity', 'logistic' (``out_activation='sigmoid'``) or 'exp' (Poisson).

    See Also
    --------
    sklearn.neural_network.MLPRegressor : The scikit-learn model this follows.
    SigCoreMLPClassifier : The same network for classification.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_sigcore import SigCoreMLPRegressor
    >>> x = np.linspace(-5, 5, 50).reshape(-1, 1)
    >>> y = 1 / (1 + np.exp(-3 * x.ravel()))
    >>> reg = SigCoreMLPRegressor((1,), out_activation="sigmoid", learn_alpha="layer",
    ...                           l2=0.0, solver="lbfgs", max_iter=2000, tol=1e-12,
    ...                           random_state=0).fit(x, y)
    >>> bool(reg.score(x, y) > 0.999)
    True
    """

    _numeric_targets = True

    _parameter_constraints: dict = {
        **MLP_PARAMETER_CONSTRAINTS,
        "loss": [StrOptions({"squared_error", "poisson"})],
        "out_activation": [StrOptions({"identity", "sigmoid"})],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="sigmoid",
        *,
        loss="squared_error",
        out_activation="identity",
        alpha=1.0,
        learn_alpha=False,
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
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.loss = loss
        self.out_activation = out_activation
        self.alpha = alpha
        self.learn_alpha = learn_alpha
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

    # --------------------------------------------------------------- targets
    def _prepare_targets(self, X, y, sample_weight, incremental, first_pass, classes):
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        # aligned and C-ordered: the kernels read it as a raw buffer (a dask chunk
        # may arrive unaligned)
        Y = np.require(y.reshape(-1, 1) if y.ndim == 1 else y, dtype=X.dtype,
                       requirements="CA")
        if not first_pass and Y.shape[1] != self.n_outputs_:
            raise ValueError(f"y has {Y.shape[1]} output(s) but the model was fitted with "
                             f"n_outputs_={self.n_outputs_}: pass targets of that shape.")
        if self.loss == "poisson":
            if self.out_activation != "identity":
                raise ValueError("loss='poisson' has exp(z) outputs: leave out_activation "
                                 f"at 'identity', got {self.out_activation!r}.")
            if np.any(Y < 0):
                raise ValueError("Some value(s) of y are negative which is not allowed for "
                                 "Poisson regression.")
        elif self.out_activation == "sigmoid" and Y.size:
            # a few ulp of slack: MinMaxScaler's [0, 1] ends at 1 + 2.2e-16 at times
            slack = 4 * float(np.finfo(Y.dtype).eps)
            if not (Y.min() >= -slack and Y.max() <= 1 + slack):
                raise ValueError(
                    "out_activation='sigmoid' needs targets in [0, 1] (to within 4 ulp); "
                    f"y has values in [{float(Y.min())!r}, {float(Y.max())!r}]: rescale "
                    "them, e.g. with MinMaxScaler.")
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=X.dtype,
                                                 ensure_non_negative=True)
            if not float(np.sum(sample_weight, dtype=np.float64)) > 0:
                raise ValueError("The sample weights sum to zero: at least one sample "
                                 "needs a positive weight.")
        head = regression_head(self.loss, self.out_activation, Y.shape[1])
        return Targets(y=y, target=Y, head=head, sample_weight=sample_weight,
                       attributes={})

    def _stratify(self, y, targets):
        return None

    def _validation_score(self, net, X, y, sample_weight, targets):
        """R^2 on the early-stopping validation set."""
        pred = targets.head.output(net.decision(X), KERNEL_THREADS)
        if not np.isfinite(pred).all():
            return np.nan
        return r2_score(y, pred.ravel() if pred.shape[1] == 1 else pred,
                        sample_weight=sample_weight)

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the network to X and y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 data is trained and kept in float32.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.

        Returns
        -------
        self : SigCoreMLPRegressor
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Update the network with one epoch (sgd, adam) or one lbfgs run over the data.

        With ``solver='lbfgs'`` one call runs that solver (up to ``max_iter``
        iterations) from the current weights on the given data, as
        scikit-learn's ``MLPRegressor.partial_fit`` does (its classifier has
        no ``partial_fit`` for lbfgs, nor has ours).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values, with as many outputs as on the first call.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.

        Returns
        -------
        self : SigCoreMLPRegressor
            The updated estimator.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    # ------------------------------------------------------------ predict
    @lazy_on_dask
    def predict(self, X):
        """Predicted targets.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions (1-D for a single output).
        """
        z = self._decision(X)       # checks that the model is fitted
        pred = self._head.output(z, KERNEL_THREADS)
        return pred.ravel() if pred.shape[1] == 1 else pred

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.positive_only = self.loss == "poisson"
        return tags


SigCoreMLPRegressor.__doc__ = (SigCoreMLPRegressor.__doc__
                               .replace("{saturation}", SATURATION_DOC)
                               .replace("{learn_alpha}", LEARN_ALPHA_DOC)
                               .replace("{gain_attributes}", GAIN_ATTRIBUTES_DOC))
