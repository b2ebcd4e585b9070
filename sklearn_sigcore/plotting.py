"""Visualisations following scikit-learn's Display convention.

Each Display stores the data it draws, has class methods that compute that
data (``from_alphas``, ``from_cv_results``, ``from_estimator``) and a
``plot(ax=...)`` method that sets ``figure_`` and ``ax_`` (``plot(axes=...)``
for TrainingDiagnosticsDisplay, which draws on 3 or 4 Axes).  matplotlib is
imported only when something is drawn (install the ``plot`` extra).
"""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from . import kernels
from ._activations import SATURATION_BANDS, canonical_activation
from ._mlp_base import BaseSigCoreMLP

__all__ = ["SigmoidCoreDisplay", "AlphaSearchDisplay", "TrainingDiagnosticsDisplay"]


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:   # pragma: no cover - depends on the environment
        raise ImportError(
            "Plotting needs matplotlib: pip install 'sklearn_sigcore[plot]'."
        ) from error
    return plt


def _axes(ax):
    if ax is None:
        _, ax = _pyplot().subplots()
    return ax


class SigmoidCoreDisplay:
    """The sigmoid core sigma(alpha x) and its derivative for several alpha.

    Parameters
    ----------
    x : ndarray of shape (n_points,)
        Where the curves are evaluated.
    alphas : sequence of float
        One curve pair per alpha.
    values : ndarray of shape (n_alphas, n_points)
        sigma(alpha x).
    derivatives : ndarray of shape (n_alphas, n_points)
        d/dx sigma(alpha x) = alpha sigma(alpha x) sigma(-alpha x).

    Attributes
    ----------
    lines_ : list of (Line2D, Line2D)
        The value and derivative line for each alpha.
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn_sigcore.plotting import SigmoidCoreDisplay
    >>> display = SigmoidCoreDisplay.from_alphas([1.0, 4.0])
    >>> float(display.derivatives.max(axis=1)[1])
    1.0
    """

    def __init__(self, x, alphas, values, derivatives):
        self.x = x
        self.alphas = alphas
        self.values = values
        self.derivatives = derivatives

    @classmethod
    def from_alphas(cls, alphas=(0.5, 1.0, 4.0), *, x=None, ax=None):
        """Compute the curves for `alphas` over `x` and plot them.

        Parameters
        ----------
        alphas : sequence of float, default=(0.5, 1.0, 4.0)
            The scales alpha > 0, one pair of curves each (at least one; a
            scalar raises a TypeError: pass ``[2.0]`` for one curve).
        x : array-like of shape (n_points,), default=None
            Where the curves are evaluated (1-D, non-empty); None: 401 points
            from -8 to 8.
        ax : matplotlib Axes, default=None
            Axes to draw on; None: a new figure.

        Returns
        -------
        display : SigmoidCoreDisplay
            The drawn display.
        """
        if isinstance(alphas, str) or not np.iterable(alphas):
            raise TypeError(f"alphas must be a sequence of floats, got {alphas!r} "
                            f"(for one curve, pass [{alphas!r}]).")
        alphas = [kernels.check_alpha(a) for a in alphas]
        if not alphas:
            raise ValueError("alphas is empty: pass at least one alpha.")
        x = np.linspace(-8.0, 8.0, 401) if x is None else np.asarray(x, dtype=np.float64)
        if x.ndim != 1 or x.size == 0:
            raise ValueError(f"x must be a non-empty 1-D array, got shape {x.shape}.")
        values = np.array([kernels.sigmoid(x, a) for a in alphas])
        derivatives = np.array([kernels.sigmoid_derivative(x, a) for a in alphas])
        return cls(x, alphas, values, derivatives).plot(ax=ax)

    def plot(self, ax=None):
        """Draw sigma(alpha x) (solid) and its derivative (dashed) on `ax`.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; None: a new figure.

        Returns
        -------
        self : SigmoidCoreDisplay
            With ``lines_``, ``ax_`` and ``figure_`` set.
        """
        ax = _axes(ax)
        self.lines_ = []
        for alpha, value, derivative in zip(self.alphas, self.values, self.derivatives):
            (line,) = ax.plot(self.x, value, label=f"σ({alpha:g}x)")
            (dashed,) = ax.plot(self.x, derivative, linestyle="--", color=line.get_color(),
                                label=f"d/dx σ({alpha:g}x), max {alpha / 4:g}")
            self.lines_.append((line, dashed))
        ax.set_xlabel("x")
        ax.set_title("The sigmoid core and its slope")
        ax.legend(fontsize="small")
        self.ax_, self.figure_ = ax, ax.figure
        return self


def _alpha_param_name(cv_results, param_name):
    names = [key[len("param_"):] for key in cv_results if key.startswith("param_")]
    if param_name is not None:
        if param_name not in names:
            raise ValueError(f"{param_name!r} is not a searched parameter; searched: {names}.")
        return param_name
    found = [name for name in names if name == "alpha" or name.endswith("__alpha")]
    if len(found) != 1:
        raise ValueError(
            "Cannot tell which searched parameter is alpha "
            f"(searched: {names}); pass param_name."
        )
    return found[0]


def _score_name(cv_results, score_name):
    metrics = [key[len("mean_test_"):] for key in cv_results if key.startswith("mean_test_")]
    if score_name is None:
        if metrics == ["score"]:
            return "score"
        raise ValueError(
            f"cv_results holds the metrics {metrics}, not one 'score': pass score_name "
            "(from_estimator takes the search's refit metric)."
        )
    if score_name not in metrics:
        raise ValueError(f"{score_name!r} is not a metric of cv_results; scored: {metrics}.")
    return score_name


# More searched alphas than this (a random search) keep the log axis' own ticks.
_MAX_LABELLED_ALPHAS = 10


class AlphaSearchDisplay:
    """Cross-validated score against alpha, from a grid or randomized search.

    One line (with the standard deviation over the folds as error bars) per
    combination of the other searched parameters, through the alphas that
    combination tried, in increasing order.  When no two candidates share the
    other parameters' values (a RandomizedSearchCV drawing them from
    continuous distributions), a single line labelled ``'best over <names>'``
    holds every candidate.  An alpha met more than once on a line shows its
    best-scoring candidate.  Non-numeric alpha values (``'auto'``) are drawn
    as horizontal reference lines; candidates that do not set alpha at all (a
    list-of-dict ``param_grid``) are left out.

    Parameters
    ----------
    alphas : ndarray of shape (n_alphas,)
        The numeric alphas searched, sorted.
    mean_scores, std_scores : ndarray of shape (n_groups, n_alphas)
        NaN where a group did not try an alpha.
    group_labels : list of str
        The other parameters' values for each line.
    param_name : str
        The searched parameter drawn on the x axis.
    named_scores : dict, default=None
        ``{value: (mean score, std)}`` for non-numeric alpha values (best over
        the other parameters), keyed by the value's str.
    score_name : str, default="score"
        The metric drawn (``mean_test_<score_name>`` of ``cv_results_``).

    Attributes
    ----------
    best_alpha_ : float or str
        The alpha of the highest mean score among the candidates that set
        alpha (available before plotting): a float, or the key of
        `named_scores` (e.g. ``'auto'``) when a non-numeric value scored
        highest.  When the search's best candidate sets no alpha, this is
        still the best alpha among those that do.
    errorbars_ : list of matplotlib ErrorbarContainer
    reference_lines_ : dict of matplotlib Line2D
        The horizontal line drawn for each non-numeric alpha value.
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn_sigcore.plotting import AlphaSearchDisplay
    >>> results = {"param_alpha": [0.5, 1.0, 2.0], "mean_test_score": [0.8, 0.9, 0.85],
    ...            "std_test_score": [0.01, 0.02, 0.01], "params": [{}, {}, {}]}
    >>> AlphaSearchDisplay.from_cv_results(results).best_alpha_
    1.0
    """

    def __init__(self, alphas, mean_scores, std_scores, group_labels, param_name,
                 named_scores=None, score_name="score"):
        self.alphas = alphas
        self.mean_scores = mean_scores
        self.std_scores = std_scores
        self.group_labels = group_labels
        self.param_name = param_name
        self.named_scores = {} if named_scores is None else named_scores
        self.score_name = score_name

    @property
    def best_alpha_(self):
        """The alpha of the highest mean score (the numeric one on a tie)."""
        mean = np.asarray(self.mean_scores, dtype=np.float64)
        scores = {value: score for value, (score, _) in self.named_scores.items()
                  if not np.isnan(score)}
        if not np.isnan(mean).all():
            _, column = np.unravel_index(np.nanargmax(mean), mean.shape)
            scores = {float(self.alphas[column]): np.nanmax(mean), **scores}
        if not scores:
            raise ValueError("All mean test scores are NaN (did every fit fail? See the "
                             "search's error_score): there is no best alpha.")
        return max(scores, key=scores.get)

    @classmethod
    def from_cv_results(cls, cv_results, *, param_name=None, score_name=None, ax=None):
        """Build from a ``cv_results_`` dict (GridSearchCV, RandomizedSearchCV) and plot.

        Parameters
        ----------
        cv_results : dict
            The ``cv_results_`` of a search, with ``param_<name>``,
            ``mean_test_<score_name>``, ``std_test_<score_name>`` and ``params``.
        param_name : str, default=None
            The searched parameter that is alpha (e.g. ``'mlp__alpha'``);
            None: the only one named ``alpha`` or ending in ``__alpha``.
        score_name : str, default=None
            The metric to draw, a key of a multi-metric search's `scoring`;
            None: the single metric ``'score'`` (a multi-metric `cv_results`
            raises a ValueError: name the metric, or use `from_estimator`).
        ax : matplotlib Axes, default=None
            Axes to draw on; None: a new figure.

        Returns
        -------
        display : AlphaSearchDisplay
            The drawn display.
        """
        param_name = _alpha_param_name(cv_results, param_name)
        score_name = _score_name(cv_results, score_name)
        mean_scores = np.asarray(cv_results[f"mean_test_{score_name}"], dtype=np.float64)
        std_scores = np.asarray(cv_results[f"std_test_{score_name}"], dtype=np.float64)
        # a list-of-dict param_grid masks alpha where a candidate does not set it
        values = np.ma.asarray(cv_results[f"param_{param_name}"], dtype=object)
        column, searched = values.data, ~np.ma.getmaskarray(values)
        numeric = searched & np.array([isinstance(a, (int, float, np.number)) for a in column])
        if not numeric.any():
            raise ValueError(f"No numeric value of {param_name!r} was searched.")
        alphas = np.unique(column[numeric].astype(np.float64))
        others = [
            ", ".join(f"{k.split('__')[-1]}={v}" for k, v in sorted(params.items())
                      if k != param_name)
            for params in cv_results["params"]
        ]
        labels = list(dict.fromkeys(others[i] for i in np.flatnonzero(numeric)))
        if len(labels) == np.count_nonzero(numeric) > 1:
            # no two candidates share the other values: one line, not single points
            names = sorted({k.split("__")[-1] for i in np.flatnonzero(numeric)
                            for k in cv_results["params"][i] if k != param_name})
            labels = ["best over " + ", ".join(names)]
            others = labels * len(others)
        rows = {label: row for row, label in enumerate(labels)}
        mean = np.full((len(labels), alphas.size), np.nan)
        std = np.full_like(mean, np.nan)
        named = {}
        for i in np.argsort(-mean_scores, kind="stable"):   # best first (NaN last)
            if numeric[i]:
                cell = rows[others[i]], np.searchsorted(alphas, float(column[i]))
                if np.isnan(mean[cell]):
                    mean[cell], std[cell] = mean_scores[i], std_scores[i]
            elif searched[i]:
                # per-layer lists are not hashable
                named.setdefault(str(column[i]), (float(mean_scores[i]), float(std_scores[i])))
        return cls(alphas, mean, std, labels, param_name, named, score_name).plot(ax=ax)

    @classmethod
    def from_estimator(cls, search, *, param_name=None, score_name=None, ax=None):
        """Build from a fitted search estimator (uses its ``cv_results_``) and plot.

        Parameters
        ----------
        search : fitted GridSearchCV, RandomizedSearchCV or similar
            A search with ``cv_results_``.
        param_name : str, default=None
            The searched parameter that is alpha; None: the only one named
            ``alpha`` or ending in ``__alpha``.
        score_name : str, default=None
            The metric to draw, a key of a multi-metric search's `scoring`;
            None: the single metric, or the search's `refit` metric (a
            ValueError when `refit` is False or a callable).
        ax : matplotlib Axes, default=None
            Axes to draw on; None: a new figure.

        Returns
        -------
        display : AlphaSearchDisplay
            The drawn display.
        """
        check_is_fitted(search, "cv_results_")
        if score_name is None and "mean_test_score" not in search.cv_results_:
            refit = getattr(search, "refit", None)
            if not isinstance(refit, str):
                raise ValueError(f"The search scored several metrics and refit={refit!r} "
                                 "is not a metric name: pass score_name.")
            score_name = refit
        return cls.from_cv_results(search.cv_results_, param_name=param_name,
                                   score_name=score_name, ax=ax)

    def plot(self, ax=None):
        """Draw mean CV score against alpha (log scale) with fold std error bars.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; None: a new figure.

        Returns
        -------
        self : AlphaSearchDisplay
            With ``errorbars_``, ``reference_lines_``, ``ax_`` and ``figure_`` set.
        """
        best = self.best_alpha_         # before drawing: all-NaN scores raise
        ax = _axes(ax)
        alphas = np.asarray(self.alphas, dtype=np.float64)
        self.errorbars_ = []
        for label, mean, std in zip(self.group_labels,
                                    np.asarray(self.mean_scores, dtype=np.float64),
                                    np.asarray(self.std_scores, dtype=np.float64)):
            tried = ~np.isnan(mean)     # a line joins the alphas its group tried
            self.errorbars_.append(ax.errorbar(alphas[tried], mean[tried], yerr=std[tried],
                                               marker="o", capsize=3, label=label or None))
        self.reference_lines_ = {}
        for value, (mean, std) in self.named_scores.items():
            line = ax.axhline(mean, linestyle="--", color="0.3", label=f"alpha={value!r}")
            ax.axhspan(mean - std, mean + std, color="0.3", alpha=0.1)
            self.reference_lines_[value] = line
        ax.set_xscale("log")
        if alphas.size <= _MAX_LABELLED_ALPHAS:
            ax.set_xticks(alphas, [f"{a:g}" for a in alphas])
            ax.minorticks_off()
        ax.set_xlabel(f"{self.param_name} (scale of the sigmoid core)")
        ax.set_ylabel(f"mean CV {self.score_name}")
        best = f"{best:g}" if isinstance(best, float) else best
        ax.set_title(f"CV {self.score_name} against alpha (best alpha = {best})")
        if any(self.group_labels) or self.named_scores:
            ax.legend(fontsize="small")
        self.ax_, self.figure_ = ax, ax.figure
        return self


class TrainingDiagnosticsDisplay:
    """Loss curve, per-layer gradient norms, saturation (and learned gains) of an MLP.

    Parameters
    ----------
    loss_curve : ndarray of shape (n_epochs,)
    gradient_norms : ndarray of shape (n_epochs, n_layers)
        Norm of each weight matrix's gradient per epoch (``gradient_norms_``).
    saturation : ndarray of shape (n_epochs, n_hidden_layers)
        Fraction of hidden outputs where the activation's slope vanishes
        (``saturation_``); the band depends on `activation`.
    alpha_curve : ndarray of shape (n_epochs, n_hidden_layers), default=None
        Gain of each hidden layer per epoch (``alpha_curve_``); when given, a
        fourth panel draws it.
    activation : {'sigmoid', 'logistic', 'tanh', 'relu', 'leaky_relu', 'elu', \
            'identity'}, default='sigmoid'
        The hidden activation; the saturation panel's title names its band
        (sigmoid: output within 0.01 of 0 or 1, tanh: within 0.02 of -1 or 1,
        relu: output 0, elu: below -0.99, leaky_relu and identity: never).

    Attributes
    ----------
    ax_ : ndarray of 3 (4 with `alpha_curve`) matplotlib Axes
        Loss, gradient norms, saturation (, gains).
    figure_ : matplotlib Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn_sigcore.plotting import TrainingDiagnosticsDisplay
    >>> display = TrainingDiagnosticsDisplay(
    ...     np.array([1.0, 0.5]), np.array([[0.1, 1.0], [0.1, 0.8]]), np.array([[0.0], [0.1]]))
    >>> len(display.plot().ax_[1].get_lines())
    2
    """

    def __init__(self, loss_curve, gradient_norms, saturation, alpha_curve=None,
                 activation="sigmoid"):
        self.loss_curve = np.asarray(loss_curve, dtype=np.float64)
        self.gradient_norms = np.asarray(gradient_norms, dtype=np.float64)
        self.saturation = np.asarray(saturation, dtype=np.float64)
        self.alpha_curve = (None if alpha_curve is None
                            else np.asarray(alpha_curve, dtype=np.float64))
        self.activation = activation

    @classmethod
    def from_estimator(cls, estimator, *, axes=None):
        """Build from a fitted SigCore MLP (or a Pipeline ending in one) and plot.

        The gains' panel is drawn when the estimator learned them (``learn_alpha``).

        Parameters
        ----------
        estimator : fitted SigCoreMLPClassifier, SigCoreMLPRegressor or Pipeline
            The network (or a pipeline whose last step is one).
        axes : array-like of matplotlib Axes, default=None
            3 Axes (4 when the gains were learned); None: a new figure.

        Returns
        -------
        display : TrainingDiagnosticsDisplay
            The drawn display.
        """
        final = estimator[-1] if hasattr(estimator, "steps") else estimator
        if not isinstance(final, BaseSigCoreMLP):
            raise TypeError("TrainingDiagnosticsDisplay needs a SigCoreMLPClassifier or "
                            "SigCoreMLPRegressor (or a Pipeline ending in one), got "
                            f"{type(final).__name__}.")
        check_is_fitted(final, ["loss_curve_", "gradient_norms_", "saturation_"])
        learned = getattr(final, "learn_alpha", False) in ("layer", "unit")
        return cls(final.loss_curve_, final.gradient_norms_, final.saturation_,
                   final.alpha_curve_ if learned else None,
                   canonical_activation(final.activation)).plot(axes=axes)

    def plot(self, axes=None):
        """Draw the panels on `axes` or a new figure.

        Parameters
        ----------
        axes : array-like of matplotlib Axes, default=None
            3 Axes (4 with `alpha_curve`); None: a new figure with constrained
            layout (given Axes keep their figure's layout).

        Returns
        -------
        self : TrainingDiagnosticsDisplay
            With ``ax_`` and ``figure_`` set.
        """
        activation = canonical_activation(self.activation)
        band = SATURATION_BANDS.get(activation)
        if band is None:
            raise ValueError(f"activation must be one of {sorted(SATURATION_BANDS)} or "
                             f"'logistic', got {self.activation!r}.")
        if band == "never":
            band = f"never, for {activation}"
        n_panels = 3 if self.alpha_curve is None else 4
        if axes is None:
            _, axes = _pyplot().subplots(1, n_panels, figsize=(4.4 * n_panels, 3.8),
                                         layout="constrained")
        axes = np.asarray(axes).ravel()
        if axes.size != n_panels:
            raise ValueError(f"axes must hold {n_panels} Axes, got {axes.size}.")
        epochs = np.arange(1, self.loss_curve.size + 1)
        axes[0].plot(epochs, self.loss_curve)
        axes[0].set(title="training loss", xlabel="epoch", yscale="log")
        for layer, norms in enumerate(self.gradient_norms.T):
            axes[1].plot(epochs[: norms.size], norms, label=f"W{layer + 1}")
        axes[1].set(title="gradient norm per layer", xlabel="epoch", yscale="log")
        for layer, fraction in enumerate(self.saturation.T):
            axes[2].plot(epochs[: fraction.size], fraction, label=f"hidden {layer + 1}")
        axes[2].set(title=f"saturated fraction\n({band})", xlabel="epoch", ylim=(-0.02, 1.02))
        if self.alpha_curve is not None:
            for layer, gains in enumerate(self.alpha_curve.T):
                axes[3].plot(epochs[: gains.size], gains, label=f"hidden {layer + 1}")
            axes[3].set(title="learned gain alpha per hidden layer", xlabel="epoch",
                        yscale="log")
        if self.gradient_norms.shape[-1] <= 10:
            for ax in axes[1:]:
                ax.legend(fontsize="x-small")
        self.ax_, self.figure_ = axes, axes[0].figure
        return self
