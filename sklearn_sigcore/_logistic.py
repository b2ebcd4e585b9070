"""SigCoreLogisticRegression: logistic regression whose probabilities are σ(α(w·x + b))."""

import contextlib
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.optimize
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from sklearn_sigcore import kernels
from sklearn_sigcore._linear_loss import LinearLoss
from sklearn_sigcore._progress import CallbackSupportMixin, FitCallbacks

# Which penalties each solver handles.
SOLVER_PENALTIES = {
    "lbfgs": ("l2", None),
    "newton-cg": ("l2", None),
    "fista": ("l2", "l1", "elasticnet", None),
}

PARTIAL_FIT_BATCH = 32
PARTIAL_FIT_DECAY = 1000.0
EPS = np.finfo(np.float64).eps


@contextlib.contextmanager
def _restore_on_error(estimator):
    """Put back the estimator's attributes if the block raises."""
    state = dict(estimator.__dict__)
    try:
        yield
    except BaseException:
        estimator.__dict__.clear()
        estimator.__dict__.update(state)
        raise


class _Objective:
    """The estimator's objective over a packed parameter vector θ = [W.ravel(), b].

    f(θ) = (1/S) Σ s_i ℓ_i + l2 / 2 ‖W‖² (+ l1 ‖W‖₁, handled by the proximal
    solver), with l2 = (1 − l1_ratio) / (C S) and l1 = l1_ratio / (C S).
    """

    def __init__(self, loss, sw_sum, l2, l1):
        self.loss = loss
        self.K, self.p = loss.K, loss.n_features
        self.fit_intercept = loss.fit_intercept
        self.inv_s = 1.0 / sw_sum
        self.l2 = l2
        self.l1 = l1
        self.n_coef = self.K * self.p
        self.size = self.n_coef + (self.K if self.fit_intercept else 0)

    def unpack(self, theta):
        W = theta[: self.n_coef].reshape(self.K, self.p)
        b = theta[self.n_coef:] if self.fit_intercept else None
        return W, b

    def pack(self, G, gb):
        out = np.empty(self.size)
        out[: self.n_coef] = G.ravel()
        if self.fit_intercept:
            out[self.n_coef:] = gb
        return out

    def smooth(self, theta, store_hessian=False):
        """Value and gradient of the smooth part (loss + L2)."""
        W, b = self.unpack(theta)
        total, G, gb = self.loss.loss_gradient(W, b, store_hessian=store_hessian)
        value = total * self.inv_s
        G *= self.inv_s
        gb = gb * self.inv_s
        if self.l2:
            value += 0.5 * self.l2 * float(np.dot(W.ravel(), W.ravel()))
            G += self.l2 * W
        return value, self.pack(G, gb)

    def hessp(self, v):
        """Hessian of the smooth part times v, at the last store_hessian point."""
        V, vb = self.unpack(v)
        G, gb = self.loss.hessp(V, vb)
        G *= self.inv_s
        if self.l2:
            G += self.l2 * V
        return self.pack(G, gb * self.inv_s)

    def l1_norm(self, theta):
        return self.l1 * float(np.abs(theta[: self.n_coef]).sum()) if self.l1 else 0.0


# ---------------------------------------------------------------- solvers
class _StopRequested(Exception):
    """A callback asked the solver to stop (raised out of scipy's loop)."""


def _solve_lbfgs(obj, theta0, tol, max_iter, report, ftol):
    last = {}

    def fun(theta):
        last["value"] = obj.smooth(theta)
        return last["value"]

    accepted = {"theta": theta0, "n_iter": 0}

    def callback(theta):
        # called after the line search, whose last evaluation is the accepted point
        accepted["theta"], accepted["n_iter"] = theta.copy(), accepted["n_iter"] + 1
        if report(accepted["n_iter"], last["value"][0], theta):
            raise _StopRequested

    try:
        res = scipy.optimize.minimize(
            fun, theta0, method="L-BFGS-B", jac=True, callback=callback,
            options={"maxiter": max_iter, "maxls": 50, "gtol": tol, "ftol": ftol},
        )
    except _StopRequested:
        return accepted["theta"], accepted["n_iter"]
    if res.status != 0:
        msg = res.message.decode() if isinstance(res.message, bytes) else str(res.message)
        _warn_not_converged("lbfgs", max_iter, msg)
    return res.x, int(res.nit)


def _solve_newton_cg(obj, theta0, tol, max_iter, report):
    """Inexact Newton: CG on Hessian-vector products, Armijo backtracking."""
    theta = theta0.copy()
    value, grad = obj.smooth(theta, store_hessian=True)
    n_iter = 0  # Newton steps taken
    converged = stopped = False
    for _ in range(max_iter):
        if np.max(np.abs(grad)) <= tol:
            converged = True
            break
        direction = _conjugate_gradient(obj.hessp, grad, max_cg=max(20, 2 * theta.size))
        slope = float(np.dot(grad, direction))
        if slope >= 0:  # not a descent direction (numerically flat): steepest descent
            direction, slope = -grad, -float(np.dot(grad, grad))
        step = 1.0
        for _ in range(60):
            new_value, new_grad = obj.smooth(theta + step * direction, store_hessian=True)
            if new_value <= value + 1e-4 * step * slope:
                break
            # Below the resolution of f (rounding): judge the step by the gradient.
            if new_value - value <= 16 * EPS * max(abs(value), 1.0) and \
                    np.max(np.abs(new_grad)) < np.max(np.abs(grad)):
                break
            step *= 0.5
        else:
            break  # no decrease possible: at machine precision
        theta = theta + step * direction
        n_iter += 1
        decrease = value - new_value
        value, grad = new_value, new_grad
        if report(n_iter, value, theta):
            stopped = True
            break
        if np.max(np.abs(grad)) <= tol:
            converged = True
            break
        if decrease <= 64 * np.finfo(float).eps * max(abs(value), 1.0) and step < 1e-10:
            break
    if not (converged or stopped):
        _warn_not_converged("newton-cg", max_iter)
    return theta, n_iter


def _conjugate_gradient(hessp, grad, max_cg):
    """Approximately solve H d = -grad (sklearn's forcing term)."""
    x = np.zeros_like(grad)
    r = -grad.copy()
    d = r.copy()
    norm1 = np.abs(grad).sum()
    tol = min(0.5, np.sqrt(norm1)) * norm1
    rr = float(np.dot(r, r))
    for _ in range(max_cg):
        if np.abs(r).sum() <= tol:
            break
        Hd = hessp(d)
        curvature = float(np.dot(d, Hd))
        if curvature <= 1e-16 * rr:
            if not x.any():
                x = -grad.copy()
            break
        step = rr / curvature
        x += step * d
        r -= step * Hd
        rr_new = float(np.dot(r, r))
        d = r + (rr_new / rr) * d
        rr = rr_new
    return x


def _soft_threshold(theta, threshold, n_coef):
    out = theta.copy()
    w = out[:n_coef]
    out[:n_coef] = np.sign(w) * np.maximum(np.abs(w) - threshold, 0.0)
    return out


def _lipschitz_bound(X, sample_weight, sw_sum, alpha, K, fit_intercept, l2):
    """Upper bound of the smooth part's gradient Lipschitz constant."""
    if sp.issparse(X):
        sq = np.asarray(X.multiply(X).sum(axis=1)).ravel()
    else:
        sq = np.einsum("ij,ij->i", X, X, dtype=np.float64)
    sq = sq + (1.0 if fit_intercept else 0.0)
    curvature = 0.25 if K == 1 else 0.5
    weighted = float(np.dot(sq, sample_weight)) if sample_weight is not None else float(sq.sum())
    return curvature * alpha * alpha * weighted / sw_sum + l2


def _solve_fista(obj, theta0, tol, max_iter, report, lipschitz):
    """Accelerated proximal gradient (FISTA) with backtracking and adaptive restart.

    Converged when the gradient mapping at the extrapolated point is at most
    tol in max norm (the proximal analogue of sklearn's gradient criterion).
    """
    n_coef = obj.n_coef
    # how finely f is resolved: float32 data evaluates the loss in float32
    resolution = 1e3 * np.finfo(obj.loss.dtype).eps
    x = theta0.copy()
    y = x.copy()
    t = 1.0
    # Start from a fraction of the (often loose) bound: backtracking raises it.
    L = max(lipschitz / 16.0, 1e-12)
    converged = stopped = False
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        fy, gy = obj.smooth(y)
        while True:
            x_new = _soft_threshold(y - gy / L, obj.l1 / L, n_coef)
            diff = x_new - y
            f_new, g_new = obj.smooth(x_new)
            dd = float(np.dot(diff, diff))
            if dd == 0.0:
                break
            # local curvature: from f where f resolves it, else from the gradients
            # (TFOCS' rule), so that rounding near the optimum cannot stall the search
            model_gap = f_new - fy - float(np.dot(gy, diff))
            if abs(model_gap) > resolution * max(abs(fy), 1.0):
                local_L = 2.0 * model_gap / dd
            else:
                local_L = float(np.linalg.norm(g_new - gy)) / np.sqrt(dd)
            if local_L <= L or L >= 1e6 * lipschitz:
                break
            L = max(2.0 * L, local_L)
        mapping = L * float(np.max(np.abs(diff))) if diff.size else 0.0
        if report(n_iter, f_new + obj.l1_norm(x_new), x_new):
            x = x_new
            stopped = True
            break
        if mapping <= tol:
            x = x_new
            converged = True
            break
        # adaptive restart (gradient scheme of O'Donoghue & Candes)
        if float(np.dot(y - x_new, x_new - x)) > 0:
            t = 1.0
        t_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
        y = x_new + ((t - 1.0) / t_new) * (x_new - x)
        x, t = x_new, t_new
        L *= 0.9  # let the step grow back where the curvature is lower
    if not (converged or stopped):
        _warn_not_converged("fista", max_iter)
    return x, n_iter


def _warn_not_converged(solver, max_iter, detail=""):
    detail = f" ({detail})" if detail else ""
    warnings.warn(
        f"The {solver} solver did not converge within max_iter={max_iter} iterations"
        f"{detail}. Increase max_iter, scale the data (e.g. with StandardScaler) or "
        "loosen tol; the model is usable but not optimal.",
        ConvergenceWarning,
        stacklevel=4,
    )


# -------------------------------------------------------------- estimator
class SigCoreLogisticRegression(CallbackSupportMixin, ClassifierMixin, BaseEstimator):
    """Logistic regression with a tunable sigmoid core: P(y=1 | x) = σ(α(w·x + b)).

    For two classes the model is ``P(y = classes_[1] | x) = σ(α(x·w + b))``
    with σ(u) = 1 / (1 + exp(−u)); for three or more classes it is
    ``softmax(α(W x + b))`` (multinomial). It minimises scikit-learn's
    objective exactly::

        (1 / S) Σ_i s_i ℓ_i + (1 − l1_ratio) / (2 C S) ‖W‖² + l1_ratio / (C S) ‖W‖₁

    where ℓ_i is the log-loss of sample i, s_i its sample weight times its
    class weight, S = Σ_i s_i, and the intercept is not penalised. With
    ``alpha=1`` the fit reproduces :class:`sklearn.linear_model.LogisticRegression`
    (same options) to solver tolerance.

    **What α does in a linear model.** The probabilities depend on α only
    through α·w and α·b. With an L2 penalty, fitting at (α, C) gives the same
    probabilities as fitting at α = 1 with ``C * alpha**2`` (and ``coef_`` is
    then the α = 1 coefficients divided by α); with an L1 penalty the factor is
    ``alpha`` instead of ``alpha**2``; without a penalty α changes nothing but
    the scale of ``coef_``. So in this model α re-parameterises the
    regularisation strength. It also changes the conditioning the solvers see
    (the loss curvature scales with α²), hence the number of iterations a given
    ``tol`` needs. Tune α or C knowing that they trade off one for the other.

    Parameters
    ----------
    penalty : {'l2', 'l1', 'elasticnet'} or None, default='l2'
        Norm of the penalty. ``None`` (or ``C=np.inf``) means no penalty.
    C : float, default=1.0
        Inverse of the regularisation strength, as in scikit-learn (scaled by
        the total sample weight S, see above). Must be > 0; ``np.inf`` means no
        penalty.
    l1_ratio : float in [0, 1], default=0.0
        Elastic-net mixing: the L1 share of the penalty. Only used with
        ``penalty='elasticnet'``.
    alpha : float > 0, default=1.0
        Scale of the sigmoid core σ(α z). Finite and strictly positive.
    fit_intercept : bool, default=True
        Whether to fit the (unpenalised) intercept b.
    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, multiplied into the sample weights
        (``'balanced'``: n_samples / (n_classes * bincount(y))).
    solver : {'lbfgs', 'newton-cg', 'fista'}, default='lbfgs'
        ``'lbfgs'``: scipy's L-BFGS-B on the fused loss and gradient (penalties
        'l2' and None). ``'newton-cg'``: inexact Newton with conjugate
        gradients on Hessian-vector products (penalties 'l2' and None).
        ``'fista'``: accelerated proximal gradient with backtracking and
        restarts (every penalty; the solver for 'l1' and 'elasticnet').
    tol : float >= 0, default=1e-4
        Stop when the largest absolute component of the (projected, for
        'fista' proximal) gradient is at most ``tol``.
    max_iter : int >= 0, default=100
        Maximum number of solver iterations.
    warm_start : bool, default=False
        Start ``fit`` from the previous solution (when the classes and the
        number of features match).
    random_state : int, RandomState instance or None, default=None
        Shuffles the rows of each :meth:`partial_fit` call.
    verbose : int, default=0
        When > 0, print one line per solver iteration (``Iteration k, loss =
        ...``, the objective) or per :meth:`partial_fit` call (its running
        mean loss). With scikit-learn >= 1.9, ``set_callbacks`` attaches
        ``sklearn.callback`` callbacks (``ProgressBar``, ``ScoringMonitor``),
        which see every iteration.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        The w in σ(α(w·x + b)) (one row per class for the multinomial model),
        in the dtype of the training X (float32 or float64).
    intercept_ : ndarray of shape (1,) or (n_classes,)
        The b in σ(α(w·x + b)); zeros when ``fit_intercept=False``.
    n_iter_ : ndarray of shape (1,)
        Solver iterations of the last ``fit`` (epochs so far for
        ``partial_fit``).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn.linear_model.LogisticRegression : the α = 1 model.
    SigCoreMLPClassifier : a network whose hidden units are σ(αz).

    Notes
    -----
    ``decision_function`` returns the log-odds α(Xw + b), so ``predict_proba``
    is σ (softmax) of it exactly as in scikit-learn. ``partial_fit`` takes
    mini-batch proximal stochastic gradient steps (batches of 32 rows, step
    1 / (L √(1 + t / 1000)) with L = α² (mean ‖x‖² + 1) / 4 (/ 2 for
    multinomial), a bound of the curvature, and t the step count) on the
    objective above computed for the data of each call.

    The loss and gradient are computed in one pass over X (blocks of 256 rows:
    scores, the sigmoid-core loss kernel, then the gradient while the block is
    in cache), on all the cores the process may use: OpenMP threads take
    blocks, so ``OMP_NUM_THREADS`` or ``threadpoolctl.threadpool_limits``
    set the count (one thread is often fastest on a machine whose cores are
    busy with other work). Dense (C or F order), CSR and CSC data are read in
    place, never copied; float32 data stays float32 (sums in float64).

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_sigcore import SigCoreLogisticRegression
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = make_pipeline(StandardScaler(), SigCoreLogisticRegression(alpha=2.0))
    >>> clf.fit(X, y).score(X, y) > 0.95
    True
    >>> clf.predict_proba(X[:1]).shape
    (1, 2)

    The (α, C) identity for the L2 penalty:

    >>> import numpy as np
    >>> Xs = StandardScaler().fit_transform(X)
    >>> a = SigCoreLogisticRegression(alpha=2.0, C=0.5, tol=1e-8).fit(Xs, y)
    >>> b = SigCoreLogisticRegression(alpha=1.0, C=0.5 * 2.0**2, tol=1e-8).fit(Xs, y)
    >>> bool(np.allclose(a.predict_proba(Xs), b.predict_proba(Xs), atol=1e-6))
    True
    """

    _parameter_constraints: dict = {
        "penalty": [StrOptions({"l2", "l1", "elasticnet"}), None],
        "C": [Interval(Real, 0, None, closed="right")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "fit_intercept": ["boolean"],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "solver": [StrOptions(set(SOLVER_PENALTIES))],
        "tol": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        penalty="l2",
        *,
        C=1.0,
        l1_ratio=0.0,
        alpha=1.0,
        fit_intercept=True,
        class_weight=None,
        solver="lbfgs",
        tol=1e-4,
        max_iter=100,
        warm_start=False,
        random_state=None,
        verbose=0,
    ):
        self.penalty = penalty
        self.C = C
        self.l1_ratio = l1_ratio
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.class_weight = class_weight
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_class = True
        return tags

    # ------------------------------------------------------------ helpers
    def _check_solver_penalty(self):
        penalty = None if self.C == np.inf else self.penalty
        if penalty not in SOLVER_PENALTIES[self.solver]:
            supported = ", ".join(repr(p) for p in SOLVER_PENALTIES[self.solver])
            raise ValueError(
                f"Solver {self.solver!r} does not support penalty={self.penalty!r}; it "
                f"supports {supported}. Use solver='fista' for 'l1' and 'elasticnet'."
            )
        kernels.check_alpha(self.alpha)
        return penalty

    def _regularisation(self, penalty, sw_sum):
        """(l2, l1) strengths of the objective."""
        if penalty is None:
            return 0.0, 0.0
        strength = 1.0 / (self.C * sw_sum)
        l1_share = {"l2": 0.0, "l1": 1.0, "elasticnet": float(self.l1_ratio)}[penalty]
        return (1.0 - l1_share) * strength, l1_share * strength

    def _validate_X(self, X, reset, y="no_validation"):
        kwargs = dict(accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32],
                      accept_large_sparse=True, reset=reset)
        with_y = not (isinstance(y, str) and y == "no_validation")
        if with_y:
            X, y = validate_data(self, X, y, **kwargs)
        else:
            X = validate_data(self, X, **kwargs)
        if not sp.issparse(X) and not (X.flags.c_contiguous or X.flags.f_contiguous):
            X = np.ascontiguousarray(X)
        if sp.issparse(X):
            X.sum_duplicates()  # no-op when canonical; CSR/CSC kept in place
        return (X, y) if with_y else X

    def _weights(self, X, y_encoded, classes, sample_weight, y):
        """Sample weights times class weights (None when all ones) and their sum."""
        dtype = X.dtype
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=dtype)
            if not np.all(np.isfinite(sample_weight)):
                raise ValueError("sample_weight contains NaN or infinity.")
            if np.any(sample_weight < 0):
                raise ValueError("Negative values in sample_weight: weights must be >= 0.")
            if not np.any(sample_weight > 0):
                raise ValueError("Sample weights must contain at least one non-zero "
                                 "number: all sample weights are zero.")
            present = np.bincount(y_encoded, weights=sample_weight,
                                  minlength=len(classes)) > 0
            if present.sum() < 2:
                raise ValueError(
                    "Only one class has samples of non-zero weight: at least 2 classes "
                    "with positive sample weight are needed."
                )
        if self.class_weight is not None:
            if isinstance(self.class_weight, str):  # 'balanced', counting weighted samples
                counts = np.bincount(y_encoded, weights=sample_weight, minlength=len(classes))
                with np.errstate(divide="ignore"):
                    cw = counts.sum() / (len(classes) * counts.astype(np.float64))
                cw[counts == 0] = 0.0  # classes absent from (X, y): no samples to weigh
            else:
                cw = compute_class_weight(self.class_weight, classes=classes, y=y)
            factors = cw[y_encoded].astype(dtype)
            sample_weight = factors if sample_weight is None else sample_weight * factors
        if sample_weight is None:
            return None, float(X.shape[0])
        sample_weight = np.ascontiguousarray(sample_weight, dtype=dtype)
        sw_sum = float(np.sum(sample_weight, dtype=np.float64))
        if not sw_sum > 0:
            raise ValueError("The sample weights (times the class weights) sum to zero: "
                             "there is nothing to fit.")
        return sample_weight, sw_sum

    @staticmethod
    def _targets(y_encoded, n_classes, dtype):
        if n_classes == 2:
            return (y_encoded == 1).astype(dtype), 1
        return y_encoded.astype(dtype), n_classes

    # ---------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model by minimising the penalised log-loss.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 stays float32.
        y : array-like of shape (n_samples,)
            Class labels (at least two classes).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights, not all zero.

        Returns
        -------
        self : SigCoreLogisticRegression
            The fitted estimator.
        """
        with _restore_on_error(self):
            return self._fit(X, y, sample_weight)

    def _fit(self, X, y, sample_weight):
        user_sample_weight = sample_weight
        penalty = self._check_solver_penalty()
        warm = self.warm_start and hasattr(self, "coef_")
        previous = (self.classes_, self.coef_, self.intercept_) if warm else None
        X, y = self._validate_X(X, reset=True, y=y)
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        classes = encoder.classes_
        if len(classes) < 2:
            raise ValueError(
                "This solver needs samples of at least 2 classes in the data, but the "
                f"data contains only one class: {classes[0]!r}."
            )
        y_encoded = encoder.transform(y)
        sample_weight, sw_sum = self._weights(X, y_encoded, classes, sample_weight, y)
        target, K = self._targets(y_encoded, len(classes), X.dtype)
        l2, l1 = self._regularisation(penalty, sw_sum)

        loss = LinearLoss(X, target, sample_weight, float(self.alpha), K, self.fit_intercept)
        obj = _Objective(loss, sw_sum, l2, l1)
        theta0 = np.zeros(obj.size)
        if previous is not None and np.array_equal(previous[0], classes) \
                and previous[1].shape == (K, X.shape[1]):
            theta0[: obj.n_coef] = previous[1].ravel()
            if self.fit_intercept:
                theta0[obj.n_coef:] = previous[2]

        callbacks = FitCallbacks(self, X, y, sample_weight=user_sample_weight,
                                 max_subtasks=self.max_iter)

        def report(n_iter, objective, theta):
            """Verbose line and callback subtask of one iteration; True to stop."""
            if self.verbose:
                print(f"Iteration {n_iter}, loss = {objective:.8f}", flush=True)
            if not callbacks.active:
                return False
            callbacks.attributes = lambda: self._fitted_attributes(obj, theta, classes,
                                                                   X.dtype, n_iter)
            return callbacks.task("iteration")()

        if self.solver == "lbfgs":
            # sklearn's ftol in float64; in float32 the objective is only resolved
            # to ~1e-10 relative, and chasing the rounding costs line-search steps
            ftol = 64 * EPS if X.dtype == np.float64 else 1e-10
            theta, n_iter = _solve_lbfgs(obj, theta0, self.tol, self.max_iter, report, ftol)
        elif self.solver == "newton-cg":
            theta, n_iter = _solve_newton_cg(obj, theta0, self.tol, self.max_iter, report)
        else:
            lip = _lipschitz_bound(X, sample_weight, sw_sum, float(self.alpha), K,
                                   self.fit_intercept, l2)
            theta, n_iter = _solve_fista(obj, theta0, self.tol, self.max_iter, report, lip)

        for name, value in self._fitted_attributes(obj, theta, classes, X.dtype,
                                                   n_iter).items():
            setattr(self, name, value)
        callbacks.finish()
        for name in ("_partial_fit_steps", "_partial_fit_epochs", "_lipschitz"):
            self.__dict__.pop(name, None)  # a later partial_fit restarts its schedule
        return self

    def _fitted_attributes(self, obj, theta, classes, dtype, n_iter):
        """The fitted attributes of the solver's iterate theta."""
        W, b = obj.unpack(theta)
        K = W.shape[0]
        intercept = np.zeros(K) if b is None else np.array(b, dtype=np.float64)
        if K > 1 and self.fit_intercept:
            intercept -= intercept.mean()  # softmax is shift-invariant: centre it
        return {
            "classes_": classes,
            "coef_": np.ascontiguousarray(W, dtype=dtype),
            "intercept_": intercept.astype(dtype),
            "n_iter_": np.array([n_iter], dtype=np.int32),
        }

    # -------------------------------------------------------- partial_fit
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch of mini-batch stochastic (proximal) gradient steps on (X, y).

        Each call steps on the objective of ``fit`` computed for the data of the
        call (so calling it repeatedly on a whole data set minimises the same
        objective as ``fit``). The step size follows a fixed schedule
        1 / (L √(1 + t / 1000)) on batches of 32 rows, with L a bound of the
        curvature, α² (mean ‖x‖² + 1) / 4 (/ 2 for multinomial; the largest
        seen so far), and t the number of steps so far.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A batch of training data.
        y : array-like of shape (n_samples,)
            Its labels, all in ``classes``.
        classes : array-like of shape (n_classes,), default=None
            Every class of the stream: required on the first call, optional
            (and then equal to ``classes_``) afterwards.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights.

        Returns
        -------
        self : SigCoreLogisticRegression
            The updated estimator.
        """
        with _restore_on_error(self):
            return self._partial_fit(X, y, classes, sample_weight)

    def _partial_fit(self, X, y, classes, sample_weight):
        user_sample_weight = sample_weight
        # _fit_context skips this on a fitted estimator: parameters may have changed
        self._validate_params()
        # partial_fit's proximal SGD handles every penalty, whatever the solver
        penalty = None if self.C == np.inf else self.penalty
        first = not hasattr(self, "classes_")  # else continue from fit / partial_fit
        if first:
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit.")
            classes = np.unique(np.asarray(classes))
            if len(classes) < 2:
                raise ValueError("partial_fit needs at least 2 classes in `classes`, got "
                                 f"{len(classes)}.")
        else:
            if classes is not None and not np.array_equal(np.unique(classes), self.classes_):
                raise ValueError(
                    f"classes={np.unique(classes)!r} differs from the classes of the "
                    f"first partial_fit call, {self.classes_!r}."
                )
            classes = self.classes_
        X, y = self._validate_X(X, reset=first, y=y)
        check_classification_targets(y)
        unknown = np.setdiff1d(np.unique(y), classes)
        if unknown.size:
            raise ValueError(f"y contains labels not in classes: {unknown!r}.")
        encoder = LabelEncoder().fit(classes)
        y_encoded = encoder.transform(y)
        sample_weight, sw_sum = self._weights(X, y_encoded, classes, sample_weight, y)
        target, K = self._targets(y_encoded, len(classes), X.dtype)
        l2, l1 = self._regularisation(penalty, sw_sum)
        alpha = float(self.alpha)

        if first:
            W = np.zeros((K, X.shape[1]))
            b = np.zeros(K)
            steps, epochs, lip = 0, 0, 0.0
        else:
            W = np.array(self.coef_, dtype=np.float64)
            b = np.array(self.intercept_, dtype=np.float64)
            steps = getattr(self, "_partial_fit_steps", 0)
            epochs = getattr(self, "_partial_fit_epochs", 0)
            lip = getattr(self, "_lipschitz", 0.0)
        sq = (np.asarray(X.multiply(X).sum(axis=1)).ravel() if sp.issparse(X)
              else np.einsum("ij,ij->i", X, X, dtype=np.float64))
        curvature = 0.25 if K == 1 else 0.5
        # the mean of ‖x‖² bounds the largest eigenvalue of a batch's average
        # Hessian / (curvature α²) (trace bound); keep the largest seen
        lip = max(lip, curvature * alpha ** 2 * (float(sq.mean()) if sq.size else 0.0)
                  + curvature * alpha ** 2 * self.fit_intercept + l2, 1e-12)

        callbacks = FitCallbacks(self, X, y, sample_weight=user_sample_weight,
                                 max_subtasks=1)
        end_epoch = callbacks.task("epoch") if callbacks.active else None
        rng = check_random_state(self.random_state)
        order = rng.permutation(X.shape[0])
        running_loss = 0.0  # of each batch before its step
        for start in range(0, X.shape[0], PARTIAL_FIT_BATCH):
            idx = np.sort(order[start:start + PARTIAL_FIT_BATCH])
            sw_b = None if sample_weight is None else sample_weight[idx]
            s_b = float(len(idx)) if sw_b is None else float(sw_b.sum(dtype=np.float64))
            if s_b <= 0:
                continue
            Xb = X[idx]
            loss = LinearLoss(Xb, target[idx], sw_b, alpha, K, self.fit_intercept)
            batch_loss, G, gb = loss.loss_gradient(W, b if self.fit_intercept else None)
            running_loss += batch_loss
            eta = 1.0 / (lip * np.sqrt(1.0 + steps / PARTIAL_FIT_DECAY))
            W -= eta * (G / s_b + l2 * W)
            if l1:
                W = np.sign(W) * np.maximum(np.abs(W) - eta * l1, 0.0)
            if self.fit_intercept:
                b -= eta * gb / s_b
            steps += 1
        if K > 1 and self.fit_intercept:
            b -= b.mean()

        fitted = {
            "classes_": classes,
            "coef_": W.astype(X.dtype),
            "intercept_": b.astype(X.dtype),
            "n_iter_": np.array([epochs + 1], dtype=np.int32),
        }
        if self.verbose:
            print(f"Epoch {epochs + 1}, loss = {running_loss / sw_sum:.8f}", flush=True)
        if end_epoch is not None:
            callbacks.attributes = lambda: fitted
            end_epoch()
        for name, value in fitted.items():
            setattr(self, name, value)
        self._partial_fit_steps = steps
        self._partial_fit_epochs = epochs + 1
        self._lipschitz = lip
        callbacks.finish()
        return self

    # ---------------------------------------------------------- predicting
    def decision_function(self, X):
        """Log-odds α(Xw + b): shape (n_samples,) binary, (n_samples, n_classes) else.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray
            ``predict_proba`` is σ (softmax) of these scores.
        """
        return self._scores(X) * self._dtype.type(self.alpha)

    @property
    def _dtype(self):
        return self.coef_.dtype

    def _scores(self, X):
        """Raw scores Xw + b (without α), in the model's dtype."""
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        dtype = np.result_type(X.dtype, self.coef_.dtype)
        Z = X @ self.coef_.T.astype(dtype, copy=False)
        Z = np.asarray(Z, dtype=dtype) + self.intercept_.astype(dtype, copy=False)
        return np.ascontiguousarray(Z[:, 0] if Z.shape[1] == 1 else Z)

    def predict_proba(self, X):
        """Class probabilities σ(α(Xw + b)) (softmax for multinomial).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``.
        """
        Z = self._scores(X)
        alpha = float(self.alpha)
        if Z.ndim == 1:
            out = np.empty((Z.shape[0], 2), dtype=Z.dtype)
            out[:, 1] = kernels.sigmoid(Z, alpha)
            out[:, 0] = kernels.sigmoid(-Z, alpha)
            return out
        return kernels.softmax(Z, alpha)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`, computed stably.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        Z = self._scores(X)
        alpha = float(self.alpha)
        if Z.ndim == 1:
            out = np.empty((Z.shape[0], 2), dtype=Z.dtype)
            out[:, 1] = kernels.log_sigmoid(Z, alpha)
            out[:, 0] = kernels.log_sigmoid(-Z, alpha)
            return out
        return kernels.log_softmax(Z, alpha)

    def predict(self, X):
        """Most probable class of each sample.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        Z = self._scores(X)
        index = (Z > 0).astype(np.intp) if Z.ndim == 1 else np.argmax(Z, axis=1)
        return self.classes_[index]
