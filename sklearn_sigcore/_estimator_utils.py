"""What every estimator of the package needs, written once.

* :func:`restore_on_error`: a failed fit leaves the estimator as it was;
* :func:`class_sample_weights`: sample weights times class weights;
* :func:`minimize_lbfgs`: L-BFGS (scipy's L-BFGS-B, our loop) whose callback may stop it;
* :func:`warn_not_converged`: the one ConvergenceWarning;
* :func:`user_stacklevel`: the ``stacklevel`` that points a warning at the user's call;
* :func:`canonical_sparse`: sparse X with sorted, unique indices, never changed in place;
* :func:`validate_predict_X`: X for a prediction, by scikit-learn's rules;
* :func:`print_progress`: the ``verbose`` line;
* :func:`two_column_proba`: binary probabilities (or their logs) from log-odds;
* :func:`labels_of_scores`: predicted labels from scores.
"""

import contextlib
import os
import sys
import warnings
from dataclasses import dataclass

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.validation import validate_data

from . import kernels
from ._lbfgs_fast import CONVERGENCE, STOPPED, lbfgs

# scipy's default ftol of L-BFGS-B (factr 1e7 times the machine epsilon)
SCIPY_FTOL = 1e7 * np.finfo(np.float64).eps

__all__ = ["restore_on_error", "class_sample_weights", "class_weights", "minimize_lbfgs",
           "LbfgsResult", "warn_not_converged", "user_stacklevel", "canonical_sparse",
           "validate_predict_X",
           "print_progress", "two_column_proba", "labels_of_scores"]

# Frames a warning should not point into: this package's, and scikit-learn's
# (its _fit_context wrapper sits between a user's fit call and ours).
_LIBRARY_DIRS = tuple(os.path.dirname(m.__file__) + os.sep for m in (sys.modules[__package__],
                                                                    sklearn))


@contextlib.contextmanager
def restore_on_error(estimator):
    """Put back the estimator's attributes if the block raises.

    Examples
    --------
    >>> from sklearn_sigcore import SigCoreLogisticRegression
    >>> est = SigCoreLogisticRegression()
    >>> try:
    ...     with restore_on_error(est):
    ...         est.coef_ = 1.0
    ...         raise ValueError("bad data")
    ... except ValueError:
    ...     pass
    >>> hasattr(est, "coef_")
    False
    """
    state = dict(estimator.__dict__)
    try:
        yield
    except BaseException:
        estimator.__dict__.clear()
        estimator.__dict__.update(state)
        raise


def class_sample_weights(class_weight, classes, y_encoded, sample_weight, y, dtype):
    """Sample weights times the weights of the samples' classes.

    Parameters
    ----------
    class_weight : dict, 'balanced' or None
    classes : ndarray of shape (n_classes,)
        Every class of the model (in ``partial_fit``: of the stream).
    y_encoded : ndarray of int
        Index in `classes` of each sample's label.
    sample_weight : ndarray or None
        Validated sample weights (None: all ones).
    y : ndarray
        The labels (for scikit-learn's checks of a dict's keys).
    dtype : dtype
        Of the returned weights.

    Returns
    -------
    sample_weight : ndarray or None
        None when both are None.

    Notes
    -----
    'balanced' gives each class present in the data (positive weighted count)
    the weight S / (n_present * S_c), with S_c the summed sample weights of
    class c and S their total: every present class then carries S / n_present
    and the total stays S, as scikit-learn's ``compute_class_weight`` does
    when every class is present (it refuses data missing a class). A class
    absent from the data (a ``partial_fit`` batch, or zero sample weights)
    gets weight 0 and does not shrink the others. Counting weighted samples
    makes integer sample weights the same as repeated samples.

    Examples
    --------
    >>> import numpy as np
    >>> class_sample_weights("balanced", np.array([0, 1, 2]), np.array([0, 0, 0, 1]),
    ...                      None, None, np.float64)
    array([0.66666667, 0.66666667, 0.66666667, 2.        ])
    """
    if class_weight is None:
        return sample_weight
    counts = np.bincount(y_encoded, weights=sample_weight, minlength=len(classes))
    factors = class_weights(class_weight, classes, counts, y)[y_encoded].astype(dtype)
    return factors if sample_weight is None else sample_weight * factors


def class_weights(class_weight, classes, counts, y):
    """The weight of each class (see :func:`class_sample_weights`), from the
    summed sample weights ``counts`` of each class.

    Examples
    --------
    >>> import numpy as np
    >>> class_weights("balanced", np.array([0, 1, 2]), np.array([3.0, 1.0, 0.0]), None)
    array([0.66666667, 2.        , 0.        ])
    """
    if isinstance(class_weight, str):       # 'balanced'
        present = counts > 0
        cw = np.zeros(len(classes))
        cw[present] = counts.sum() / (present.sum() * counts[present])
    else:
        cw = compute_class_weight(class_weight, classes=classes, y=y)
    if not np.all(np.isfinite(cw) & (cw >= 0)):  # refused as sample weights are
        raise ValueError(f"class_weight={class_weight!r} gives negative or non-finite "
                         "weights: class weights must be finite and >= 0, as sample "
                         "weights must be.")
    return cw


@dataclass
class LbfgsResult:
    """What :func:`minimize_lbfgs` returns."""

    x: np.ndarray
    fun: float          # objective at x (None when a callback stopped the run)
    n_iter: int
    converged: bool
    message: str
    stopped: bool


def minimize_lbfgs(fun, x0, *, max_iter, gtol, max_fun=15000, ftol=SCIPY_FTOL, maxls=20,
                   on_iteration=None):
    """L-BFGS on ``fun(x) -> (value, gradient)``: scipy's L-BFGS-B without bounds.

    The algorithm, defaults and stopping rules of ``scipy.optimize.minimize(
    method='L-BFGS-B')`` with its options maxiter, gtol, maxfun, ftol and maxls
    (scikit-learn's lbfgs fits), run by our C loop (:mod:`._lbfgs_fast`), so
    iterates agree with scipy's up to rounding at a fraction of its overhead.
    ``on_iteration(n_iter, x)`` runs after every iteration (after the line
    search, whose last evaluation of ``fun`` is the accepted point); when it
    returns True the minimisation stops there, at that iterate.

    Examples
    --------
    >>> import numpy as np
    >>> res = minimize_lbfgs(lambda x: (float(x @ x), 2 * x), np.ones(3), max_iter=50,
    ...                      gtol=1e-8, on_iteration=lambda k, x: k == 1)
    >>> res.n_iter, res.stopped
    (1, True)
    """
    x, value, n_iter, status, message = lbfgs(
        fun, x0, max_iter=max_iter, gtol=gtol, ftol=ftol, maxls=maxls, max_fun=max_fun,
        on_iteration=on_iteration)
    stopped = status == STOPPED
    # a stop on request is not a failure to converge (no warning)
    return LbfgsResult(x, None if stopped else value, n_iter,
                       status in (CONVERGENCE, STOPPED), message, stopped)


def canonical_sparse(X):
    """X with sorted, unique indices (duplicates summed), as the kernels need:
    X itself when it is so, else a canonical copy (never the caller's matrix,
    which may be read-only or shared)."""
    if X.has_canonical_format:
        return X
    X = X.copy()
    X.sum_duplicates()
    return X


def validate_predict_X(estimator, X, accept_sparse):
    """X for a prediction of a fitted ``estimator``, in float32 or float64.

    Validated as scikit-learn's predictions validate it (``dtype='numeric'``:
    an array of strings or bytes is refused, not parsed as numbers as a fit
    does); other non-float dtypes then become float64. A float ndarray of
    the fitted width, for a model fitted without feature names, is
    checked here directly (finite, at least one row: what
    ``validate_data`` would check, and X passes unchanged as it would): the
    general path costs ~100 µs a call, more than a prediction of a few rows.
    Anything else, or a failed check, takes the general path and its
    errors and warnings.
    """
    if _plain_predict_X(estimator, X):
        return X
    X = validate_data(estimator, X, accept_sparse=accept_sparse, reset=False)
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    return X


def _plain_predict_X(estimator, X):
    """Whether X needs no conversion nor check beyond validate_data's for a
    prediction (see :func:`validate_predict_X`)."""
    if not (type(X) is np.ndarray and X.ndim == 2 and X.shape[0] > 0
            and X.dtype in (np.float32, np.float64)
            and X.shape[1] == getattr(estimator, "n_features_in_", None)
            and not hasattr(estimator, "feature_names_in_")):
        return False
    config = sklearn.get_config()
    if config.get("array_api_dispatch"):
        return False
    if config["assume_finite"]:
        return True
    # scikit-learn's first test too: a finite sum means finite entries (one
    # that overflows takes the general path)
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.isfinite(X.sum()))


def user_stacklevel():
    """``stacklevel`` for a ``warnings.warn`` in the calling function that
    names the first frame outside this package and scikit-learn: the user's
    line that called fit, whatever the depth of the call."""
    frame, level = sys._getframe(1), 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_LIBRARY_DIRS):
        frame, level = frame.f_back, level + 1
    return level


# scikit-learn's first words when its solver of the same name stops short,
# so that message filters written for scikit-learn catch ours too
_SKLEARN_LEADS = {
    "newton-cg": "newton-cg failed to converge. ",
    "newton-cholesky": "Newton solver did not converge after {n_iter} iterations. ",
    "sag": "The max_iter was reached which means the coef_ did not converge. ",
    "saga": "The max_iter was reached which means the coef_ did not converge. ",
    "liblinear": "Liblinear failed to converge, increase the number of iterations. ",
}


def warn_not_converged(solver, max_iter, detail="", limit="max_iter", unit="iterations",
                       n_iter=None):
    """The ConvergenceWarning of every iterative fit of the package.

    ``limit`` and ``unit`` name the cap that stopped it (``max_iter`` by
    default), ``n_iter`` the iterations run (default: ``max_iter``). For a
    solver that scikit-learn also has, the message starts as scikit-learn's
    (lbfgs: its status line, ``detail`` being the L-BFGS stop message).
    """
    n_iter = max_iter if n_iter is None else n_iter
    if solver == "lbfgs":
        stop = detail or "STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT"
        status = 1 if "LIMIT" in stop else 2       # scipy's: a cap, or an abnormal stop
        lead, detail = (f"lbfgs failed to converge after {n_iter} iteration(s) "
                        f"(status={status}):\n{stop}\n\n"), ""
    else:
        lead = _SKLEARN_LEADS.get(solver, "").format(n_iter=n_iter)
    detail = f" ({detail})" if detail else ""
    warnings.warn(
        f"{lead}The {solver} solver did not converge within {limit}={max_iter} {unit}"
        f"{detail}. Increase {limit}, scale the data (e.g. with StandardScaler) or "
        "loosen tol; the model is usable but not optimal.",
        ConvergenceWarning,
        stacklevel=user_stacklevel(),
    )


def print_progress(n_iter, loss, validation_score=None, label="Iteration"):
    """The ``verbose`` line of one iteration or epoch."""
    print(f"{label} {n_iter}, loss = {loss:.8f}", flush=True)
    if validation_score is not None:     # scikit-learn's MLPs print it apart
        print(f"Validation score: {validation_score:f}", flush=True)


def two_column_proba(z, alpha=1.0, log=False):
    """Columns P(classes_[0]), P(classes_[1]) (or their logs) of log-odds alpha z.

    Examples
    --------
    >>> import numpy as np
    >>> two_column_proba(np.array([0.0, 2.0]), alpha=0.5)
    array([[0.5       , 0.5       ],
           [0.26894142, 0.73105858]])
    """
    z = np.ascontiguousarray(z).reshape(-1)
    f = kernels.log_sigmoid if log else kernels.sigmoid
    out = np.empty((z.shape[0], 2), dtype=z.dtype)
    out[:, 1] = f(z, alpha)
    out[:, 0] = f(-z, alpha)
    return out


def labels_of_scores(classes, scores):
    """The predicted labels: the class of the largest score in each row, or
    with one score per row (binary log-odds) classes[1] where it is > 0.

    Examples
    --------
    >>> import numpy as np
    >>> labels_of_scores(np.array(["a", "b"]), np.array([-1.0, 0.0, 2.0]))
    array(['a', 'a', 'b'], dtype='<U1')
    """
    if scores.ndim == 1 or scores.shape[1] == 1:
        return classes[(scores.reshape(-1) > 0).astype(np.intp)]
    return classes[np.argmax(scores, axis=1)]


def check_gain(estimator, value, name="alpha"):
    """``kernels.check_alpha`` for an estimator's gain parameter: a bad value
    raises scikit-learn's InvalidParameterError (a ValueError and a
    TypeError), as a parameter outside its constraints does."""
    try:
        return kernels.check_alpha(value, name)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(
            f"The {name.split('[')[0]!r} parameter of {type(estimator).__name__} is "
            f"invalid: {exc}") from None
