"""SigCoreMLPClassifier: a multi-layer perceptron classifier whose hidden units are f(alpha z)."""

import warnings

import numpy as np
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target, unique_labels
from sklearn.utils.validation import _check_sample_weight, column_or_1d

from . import kernels
from ._activations import SATURATION_DOC
from ._dask import DaskScoreMixin, lazy_on_dask
from ._estimator_utils import class_sample_weights, labels_of_scores, two_column_proba
from ._heads import LogLossHead, MultinomialHead
from ._kernels import softmax_rows
from ._mlp_base import (
    GAIN_ATTRIBUTES_DOC,
    KERNEL_THREADS,
    LEARN_ALPHA_DOC,
    MLP_PARAMETER_CONSTRAINTS,
    BaseSigCoreMLP,
    Targets,
)
from ._progress import CallbackSupportMixin

__all__ = ["SigCoreMLPClassifier"]


def _predicted_labels(lb, z):
    """``lb.inverse_transform(z, threshold=0.0)`` of output scores z; binary and
    multiclass labels by :func:`labels_of_scores` (the LabelBinarizer's own
    checks cost ~50 µs a call, as much as the rest of a prediction of a few
    rows), other targets (multilabel, a single class) by the LabelBinarizer."""
    if lb.y_type_ in ("binary", "multiclass") and len(lb.classes_) >= 2:
        return labels_of_scores(lb.classes_, z)
    return lb.inverse_transform(z, threshold=0.0)


class SigCoreMLPClassifier(DaskScoreMixin, CallbackSupportMixin, ClassifierMixin,
                           BaseSigCoreMLP):
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
        Weights start as scikit-learn's (Glorot uniform); for activations
        other than 'sigmoid' the first layer's are divided by the root mean
        square of X, since Glorot's bounds assume unit-variance inputs and
        unscaled data would start tanh units saturated.

    alpha : float, array-like of shape (n_hidden_layers,) or 'auto', default=1.0
        Gain of the hidden layers: h = f(alpha (W h_prev + b)). A float > 0 is
        used by every hidden layer, a sequence gives one gain per hidden
        layer, and 'auto' chooses the gains (and the initialisation) from the
        training data, see Notes. The gains used are stored in ``alphas_``.
        With ``warm_start`` or ``partial_fit`` a float or sequence replaces
        the gains, while 'auto' keeps the current ones (``alphas_``: those
        it chose at initialisation, or learned or set by a later fit).
        Under ``partial_fit`` 'auto' chooses from the first call's rows (up
        to 1000): give that call a representative chunk, not a few rows.
        With ``alpha=1`` and 'sigmoid' the network is scikit-learn's
        ``MLPClassifier(activation='logistic')``.

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
        Whether to print progress messages: one line per epoch / lbfgs
        iteration (``Iteration k, loss = ...``, followed by ``Validation
        score: ...`` under ``early_stopping``, as in scikit-learn). With
        scikit-learn >= 1.9, ``set_callbacks`` attaches ``sklearn.callback``
        callbacks (``ProgressBar``, ``ScoringMonitor``), which see every epoch.

    warm_start : bool, default=False
        Reuse the previous solution as the initialisation of ``fit``.

    momentum : float, default=0.9
        Momentum of 'sgd'.

    nesterovs_momentum : bool, default=True
        Whether 'sgd' uses Nesterov's momentum.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop when the
        validation accuracy stops improving (stochastic solvers).  The split
        is scikit-learn's: stratified for binary targets only (its
        MLPClassifier stratifies when the network has one output, so not
        for multiclass targets either, whatever its docstring says), so the
        same ``random_state`` holds out the same rows.

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
        Loss at the end of training (log-loss, summed over the labels of a
        multilabel target, plus the L2 term).
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
    {gain_attributes}
    gradient_norms_ : ndarray of shape (n_epochs, `n_layers_` - 1)
        Per epoch (or lbfgs iteration) and layer: Frobenius norm of the
        gradient of the loss with respect to the layer's weights, averaged
        over a few sampled mini-batches of the epoch.
    saturation_ : ndarray of shape (n_epochs, n_hidden_layers)
        Per epoch and hidden layer: fraction of outputs where the activation
        is flat (for 'sigmoid': within 0.01 of 0 or 1), on the same sampled
        mini-batches.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
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
        **MLP_PARAMETER_CONSTRAINTS,
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
        learn_alpha=False,
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
        self.learn_alpha = learn_alpha

    # --------------------------------------------------------------- targets
    def _prepare_targets(self, X, y, sample_weight, incremental, first_pass, classes):
        y, lb = self._validate_labels(y, incremental, first_pass, classes)
        multilabel = lb.y_type_.startswith("multilabel")
        sample_weight = self._sample_weights(X, None if multilabel else y, sample_weight,
                                             lb)
        dtype = X.dtype
        if lb.y_type_ == "multiclass":
            # class indices (the labels are checked above; sorted classes_):
            # a fraction of the one-hot matrix's cost
            head = MultinomialHead(len(lb.classes_))
            target = np.searchsorted(lb.classes_, y).astype(dtype)
        else:
            Y = lb.transform(y)
            if hasattr(Y, "toarray"):
                Y = Y.toarray()
            head = LogLossHead(Y.shape[1])
            target = np.ascontiguousarray(Y, dtype=dtype)
        return Targets(y=y, target=target, head=head, sample_weight=sample_weight,
                       attributes=dict(_label_binarizer=lb, classes_=lb.classes_))

    def _sample_weights(self, X, y_labels, sample_weight, lb):
        """Sample weights times class weights, validated; None if all ones."""
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=X.dtype,
                                                 ensure_non_negative=True)
        cw = self.class_weight
        if cw is not None and y_labels is None:
            warnings.warn("class_weight is ignored for multilabel targets.", UserWarning)
            cw = None
        if cw is not None:
            classes = lb.classes_
            sample_weight = class_sample_weights(cw, classes,
                                                 np.searchsorted(classes, y_labels),
                                                 sample_weight, y_labels, X.dtype)
        if sample_weight is not None:
            total = float(np.sum(sample_weight, dtype=np.float64))
            if not total > 0:
                raise ValueError("The sample weights (times the class weights) sum to "
                                 "zero: at least one sample needs a positive weight.")
        return sample_weight

    def _validate_labels(self, y, incremental, first_pass, classes):
        """Label binarizer and labels; never changes self."""
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
        return y, lb

    def _stratify(self, y, targets):
        # as scikit-learn's MLPClassifier: stratified when there is one output
        lb = targets.attributes["_label_binarizer"]
        return y if lb.y_type_ == "binary" else None

    def _validation_score(self, net, X, y, sample_weight, targets):
        """Accuracy on the early-stopping validation set."""
        z = net.decision(X)
        if not np.isfinite(z).all():
            return np.nan
        pred = _predicted_labels(targets.attributes["_label_binarizer"], z)
        return accuracy_score(y, pred, sample_weight=sample_weight)

    # ------------------------------------------------------------------ fit
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

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Update the network with one epoch over the given data.

        The arguments come in the order of scikit-learn 1.9's
        ``MLPClassifier.partial_fit`` (before 1.7 it took ``classes`` third).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Class labels (a subset of `classes`), or a multilabel indicator matrix.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.
        classes : array-like of shape (n_classes,), default=None
            All the classes, required on the first call. A label of `y` not in
            `classes` is an error.

        Returns
        -------
        self : SigCoreMLPClassifier
            The updated estimator.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=True,
                         classes=classes)

    # ------------------------------------------------------------ predict
    @lazy_on_dask
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
        return _predicted_labels(self._label_binarizer, z)

    @lazy_on_dask
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

    @lazy_on_dask
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
        if self.out_activation_ == "softmax":
            softmax_rows(z, z, 1.0, log, KERNEL_THREADS)
            return z
        if self.n_outputs_ == 1:  # binary: columns P(classes_[0]), P(classes_[1])
            return two_column_proba(z, log=log)
        if log:                   # multilabel: each label on its own
            return kernels.log_sigmoid(z, 1.0, out=z)
        return self._head.output(z, KERNEL_THREADS)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = True
        return tags


SigCoreMLPClassifier.__doc__ = (SigCoreMLPClassifier.__doc__
                                .replace("{saturation}", SATURATION_DOC)
                                .replace("{learn_alpha}", LEARN_ALPHA_DOC)
                                .replace("{gain_attributes}", GAIN_ATTRIBUTES_DOC))
