"""SigCoreLogisticRegression: logistic regression whose probabilities are σ(α(w·x + b))."""

from dataclasses import replace
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.linear_model._base import SparseCoefMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Hidden, Interval, StrOptions
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    check_array,
    check_is_fitted,
    validate_data,
)

from sklearn_sigcore._dask import (
    DaskScoreMixin,
    dask_compute,
    is_dask_collection,
    lazy_on_dask,
    logistic_problem,
)
from sklearn_sigcore._estimator_utils import (
    canonical_sparse,
    check_gain,
    class_sample_weights,
    labels_of_scores,
    print_progress,
    restore_on_error,
    two_column_proba,
    validate_predict_X,
)
from sklearn_sigcore._kernels import openmp_effective_n_threads, softmax_rows
from sklearn_sigcore._logistic_params import (
    L1_RATIO_DEFAULT,
    PENALTY_DEFAULT,
    check_liblinear_data,
    check_warm_start,
    choose_solver,
    resolve_penalty,
)
from sklearn_sigcore._persistence import PersistenceMixin
from sklearn_sigcore._progress import CallbackSupportMixin, FitCallbacks
from sklearn_sigcore._solvers import (
    ALL_SOLVERS,
    SOLVERS,
    CoordinateDescentSolver,
    LogisticProblem,
    SgdSchedule,
    SolverOptions,
    column_rms,
    column_scale,
    column_sums,
    warn_not_converged,
)
from sklearn_sigcore._threads import blas_threads

# Below this many elements of X times score columns (non-zeros for sparse X)
# a fit or a prediction runs on one thread: our kernels serial and BLAS
# limited to one thread (threads do not pay off there, and spinning pools
# fight over the cores).  Above it the fused pass takes an OpenMP thread per
# 2**18 elements; BLAS stays at one thread around it either way.
SERIAL_WORK = 1 << 22
# (binary, 2M non-zeros, 200000 x 5000 at 0.2 %: a pass on two threads took
# 2.3 ms, on one 4.9; with 10 classes counting non-zeros x 4 x K sent
# 10000-row fits to threads and made them slower — measured with the
# class-major CSR kernels, before the feature-major ones of _linear_loss.h)
SPARSE_ELEMENT_COST = 4
# A prediction's product below this much work runs on one thread anyway
# (OpenBLAS, NumPy's and SciPy's BLAS, threads GEMV from 9216 and GEMM
# from 2**18 multiply-adds): it skips the BLAS limit, ~10 µs of setting and
# restoring the libraries' counts, a third of a one-row prediction.
TINY_PREDICT_WORK = 1 << 13

# Penalty strengths of the α = 1 problem above this: the coefficients vanish.
PENALTY_CAP = 1e300


def _softmax(Z, alpha, take_log):
    """(log-)softmax of alpha Z in place (Z: fresh C-ordered scores), by the
    kernel itself: kernels.softmax's argument checks cost ~25 µs a call, as
    much as the rest of a prediction of a few rows. One thread below
    SERIAL_WORK scores (as a fit)."""
    n_threads = 1 if Z.size < SERIAL_WORK else openmp_effective_n_threads(None)
    softmax_rows(Z, Z, alpha, take_log, n_threads)
    return Z


def _work(X, n_classes):
    """Elements of X times score columns: the size of one pass. With one
    score column a sparse non-zero counts as SPARSE_ELEMENT_COST dense
    elements (its index read, gather and scatter); with several, those
    costs are shared by the columns."""
    K = 1 if n_classes <= 2 else n_classes
    if sp.issparse(X):
        return X.nnz * (SPARSE_ELEMENT_COST if K == 1 else K)
    return X.shape[0] * X.shape[1] * K


class SigCoreLogisticRegression(DaskScoreMixin, CallbackSupportMixin, ClassifierMixin,
                                SparseCoefMixin, PersistenceMixin, BaseEstimator):
    """Logistic regression with a tunable sigmoid core: P(y=1 | x) = σ(α(w·x + b)).

    For two classes the model is ``P(y = classes_[1] | x) = σ(α(x·w + b))``
    with σ(u) = 1 / (1 + exp(−u)); for three or more classes it is
    ``softmax(α(W x + b))`` (multinomial). It minimises scikit-learn's
    objective exactly::

        (1 / S) Σ_i s_i ℓ_i + (1 − l1_ratio) / (2 C S) ‖W‖² + l1_ratio / (C S) ‖W‖₁

    where ℓ_i is the log-loss of sample i, s_i its sample weight times its
    class weight, S = Σ_i s_i, and the intercept is not penalised (except by
    ``solver='liblinear'``, as in scikit-learn). With ``alpha=1`` the fit
    reproduces :class:`sklearn.linear_model.LogisticRegression` (same
    parameters, same solver name) to solver tolerance.

    **What α does in a linear model.** The probabilities depend on α only
    through α·w and α·b. With an L2 penalty, fitting at (α, C) gives the same
    probabilities as fitting at α = 1 with ``C * alpha**2`` (and ``coef_`` is
    then the α = 1 coefficients divided by α); with an L1 penalty the factor is
    ``alpha`` instead of ``alpha**2``; without a penalty α changes nothing but
    the scale of ``coef_``. So in this model α re-parameterises the
    regularisation strength. Tune α or C knowing that they trade off one for
    the other. The solvers work on that α = 1 problem (and the gradient-based
    ones on columns rescaled by exact powers of two where a coefficient's
    curvature, √(rms² + 4 l2) of its column and L2 strength, lies outside
    [2⁻⁸, 2⁸]), so neither α nor the scale of X changes how hard the
    problem is for them; ``tol`` applies to the gradient in those coordinates
    (for α = 1 and standardised data, exactly scikit-learn's test).

    Parameters
    ----------
    penalty : {'l2', 'l1', 'elasticnet'} or None, default='deprecated' ('l2' with scikit-learn < 1.8)
        Norm of the penalty, as the installed scikit-learn defines it: from
        1.8 on it is deprecated (a FutureWarning when set) and ``l1_ratio``
        and ``C`` choose the penalty (``l1_ratio=0``: L2, ``1``: L1, between:
        elastic-net, ``C=np.inf``: none); before 1.8 it is 'l2' by default.
        ``None`` (or ``C=np.inf``) means no penalty.
    C : float, default=1.0
        Inverse of the regularisation strength, as in scikit-learn (scaled by
        the total sample weight S, see above). Must be > 0; ``np.inf`` means no
        penalty.
    l1_ratio : float in [0, 1] or None, default=0.0 (None with scikit-learn < 1.8)
        Elastic-net mixing: the L1 share of the penalty, with scikit-learn's
        meaning for the installed version (see ``penalty``).
    alpha : float > 0, default=1.0
        Scale of the sigmoid core σ(α z). Finite and strictly positive; an
        α whose ``coef_`` or ``intercept_`` (the α = 1 solution over α) would
        leave X's dtype (below ~1e-308 in float64: ``intercept_`` = log-odds / α)
        raises ValueError.
    dual : bool, default=False
        liblinear's dual formulation (``solver='liblinear'``, L2 penalty
        only); it reaches the same optimum as the primal.
    tol : float >= 0, default=1e-4
        Stopping tolerance, each solver's as in scikit-learn: the largest
        absolute component of the gradient ('lbfgs', 'newton-cg',
        'newton-cholesky' which also tests the Newton decrement; 'fista' its
        proximal gradient mapping), the relative change of the weights over an
        epoch ('sag', 'saga'), liblinear's own criteria ('liblinear' with
        ``dual=True`` or L1; its primal L2 uses the gradient test).
    fit_intercept : bool, default=True
        Whether to fit the intercept b.
    intercept_scaling : float > 0, default=1
        ``solver='liblinear'`` only: the intercept is the weight of a
        synthetic feature of this constant value, penalised like the others
        (so the intercept's penalty is (b / intercept_scaling)² or
        abs(b) / intercept_scaling), as in scikit-learn.
    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, multiplied into the sample weights
        (``'balanced'``: n_samples / (n_classes * bincount(y))).
    random_state : int, RandomState instance or None, default=None
        Seeds 'sag', 'saga' and 'liblinear' (their sampling / order), and
        shuffles the rows of each :meth:`partial_fit` call.
    solver : {'auto', 'lbfgs', 'liblinear', 'newton-cg', 'newton-cholesky', 'sag', 'saga', 'fista'}, default='auto'
        Every scikit-learn name solves the objective scikit-learn's solver of
        that name solves, with scikit-learn's errors for penalties it does not
        accept; all are our own implementations on the fused kernels:

        * ``'lbfgs'``: L-BFGS on the fused loss and gradient, scipy's L-BFGS-B
          algorithm (no bounds) run by our C loop (L2, none);
        * ``'newton-cg'``: inexact Newton, conjugate gradients on
          Hessian-vector products (L2, none);
        * ``'newton-cholesky'``: Newton with the full Hessian (multinomial
          K x K blocks) built through BLAS and a Cholesky solve (L2, none);
        * ``'sag'`` / ``'saga'``: stochastic average gradient with
          just-in-time sparse updates, scikit-learn's step size (sag: L2,
          none; saga: every penalty through its proximal step);
        * ``'liblinear'``: the liblinear objective (penalised intercept, see
          ``intercept_scaling``), binary only: dual coordinate descent
          (``dual=True``), Newton-CG (L2 primal) or liblinear's newGLMNET
          coordinate descent (L1);
        * ``'fista'``: accelerated proximal gradient (every penalty);
        * ``'auto'`` (default) picks by problem, always reaching the same
          optimum: L2 / none: 'lbfgs' (measured fastest or within 10 % of
          the Newton solvers nearly everywhere); L1, two classes: liblinear's
          newGLMNET coordinate descent with the intercept unpenalised (no
          name of its own; stops on liblinear's rule at ``tol`` and, like
          liblinear, ignores ``warm_start``); L1 with more classes, elastic-net:
          'saga' when n_samples >= n_features, else 'fista'.
    max_iter : int >= 0, default=100
        Maximum number of solver iterations (epochs for 'sag' / 'saga').
        ``max_iter=0`` runs none: the coefficients are the starting point
        (zeros, or the previous fit under ``warm_start``), with a
        ConvergenceWarning.
    verbose : int, default=0
        When > 0, print one line per solver iteration (``Iteration k, loss =
        ...``, the objective) or per :meth:`partial_fit` call (its running
        mean loss). With scikit-learn >= 1.9, ``set_callbacks`` attaches
        ``sklearn.callback`` callbacks (``ProgressBar``, ``ScoringMonitor``),
        which see every iteration of every solver (liblinear with
        ``dual=True``: its end).
    warm_start : bool, default=False
        Start ``fit`` from the previous solution. A previous solution of
        another shape (number of classes or of features) raises ValueError,
        as in scikit-learn >= 1.8 (1.6-1.7 started a binary fit from the
        first row of multinomial coefficients), except for 'liblinear',
        which starts from zero as scikit-learn's does. 'auto' raises whichever
        solver it picks (its L1 coordinate descent starts from zero, as
        liblinear). With as many classes but other labels the fit starts from
        zero (scikit-learn starts from the previous coefficients).
    n_jobs : int or None, default=None
        Accepted for compatibility and unused, as in scikit-learn (a
        FutureWarning when set, from scikit-learn 1.8 on). Threads follow the
        work and ``threadpoolctl`` / ``OMP_NUM_THREADS`` instead.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        The w in σ(α(w·x + b)) (one row per class for the multinomial model),
        in the dtype of the training X (float32 or float64); a scipy CSR
        matrix after :meth:`sparsify`, which every method accepts.
    intercept_ : ndarray of shape (1,) or (n_classes,)
        The b in σ(α(w·x + b)); zeros when ``fit_intercept=False``.
    n_iter_ : ndarray of shape (1,)
        Solver iterations of the last ``fit`` (epochs so far for
        ``partial_fit``).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn.linear_model.LogisticRegression : the α = 1 model.
    SigCoreMLPClassifier : a network whose hidden units are σ(αz).

    Notes
    -----
    ``decision_function`` returns the log-odds α(Xw + b), so ``predict_proba``
    is σ (softmax) of it exactly as in scikit-learn. ``partial_fit`` takes
    mini-batch proximal stochastic gradient steps (batches of 32 rows) on the
    objective above computed for the data of each call, in the coordinates
    αw of the α = 1 problem (see :meth:`partial_fit`).

    The loss and gradient are computed in one pass over X (blocks of 256 rows:
    scores, the sigmoid-core loss kernel, then the gradient while the block is
    in cache). Threads follow the work: below 2**22 elements of X times score
    columns (non-zeros for sparse X) a fit or prediction runs on one thread
    (our kernels serial, BLAS limited to one thread), which is fastest there;
    above it OpenMP threads take blocks, up to the cores the process may use
    (``OMP_NUM_THREADS`` or ``threadpoolctl.threadpool_limits`` set the
    count), while BLAS stays at one thread inside the fit. Dense (C or F
    order), CSR and CSC data are read in place and never modified (sparse
    data with unsorted or duplicate indices is canonicalised in a copy),
    except by 'sag' / 'saga' (which copy CSC or F-ordered X to rows once)
    and by the L1 coordinate
    descent of 'liblinear' and of 'auto' (which reads columns: CSR or
    C-ordered X is copied to CSC / F order once); float32 data stays float32
    (sums in float64), except with ``solver='liblinear'``, which solves in
    float64, as scikit-learn's.

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

    Code written for scikit-learn runs unchanged, every solver name included:

    >>> liblinear = SigCoreLogisticRegression(solver="liblinear", intercept_scaling=10)
    >>> bool(liblinear.fit(Xs, y).score(Xs, y) > 0.95)
    True
    """


    _parameter_constraints: dict = {
        "penalty": [StrOptions({"l2", "l1", "elasticnet"}), None,
                    Hidden(StrOptions({"deprecated"}))],
        "C": [Interval(Real, 0, None, closed="right")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both"), None],
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "dual": ["boolean"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "fit_intercept": ["boolean"],
        "intercept_scaling": [Interval(Real, 0, None, closed="neither")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "random_state": ["random_state"],
        "solver": [StrOptions(set(SOLVERS) | {"auto"})],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "n_jobs": [None, Integral],
    }

    def __init__(
        self,
        penalty=PENALTY_DEFAULT,
        *,
        C=1.0,
        l1_ratio=L1_RATIO_DEFAULT,
        alpha=1.0,
        dual=False,
        tol=1e-4,
        fit_intercept=True,
        intercept_scaling=1,
        class_weight=None,
        random_state=None,
        solver="auto",
        max_iter=100,
        verbose=0,
        warm_start=False,
        n_jobs=None,
    ):
        self.penalty = penalty
        self.C = C
        self.l1_ratio = l1_ratio
        self.alpha = alpha
        self.dual = dual
        self.tol = tol
        self.fit_intercept = fit_intercept
        self.intercept_scaling = intercept_scaling
        self.class_weight = class_weight
        self.random_state = random_state
        self.solver = solver
        self.max_iter = max_iter
        self.verbose = verbose
        self.warm_start = warm_start
        self.n_jobs = n_jobs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_class = self.solver != "liblinear"  # binary only
        return tags

    # ------------------------------------------------------------ helpers
    def _regularisation(self, penalty, l1_share, sw_sum):
        """(l2, l1) strengths on w in the objective."""
        if penalty is None:
            return 0.0, 0.0
        strength = 1.0 / (self.C * sw_sum)
        return (1.0 - l1_share) * strength, l1_share * strength

    def _validate_X(self, X, reset, y="no_validation", ensure_all_finite=True):
        kwargs = dict(accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32],
                      accept_large_sparse=True, reset=reset,
                      ensure_all_finite=ensure_all_finite)
        with_y = not (isinstance(y, str) and y == "no_validation")
        if with_y:
            X, y = validate_data(self, X, y, **kwargs)
        else:
            X = validate_data(self, X, **kwargs)
        if not sp.issparse(X) and not (X.flags.c_contiguous or X.flags.f_contiguous):
            X = np.ascontiguousarray(X)
        if sp.issparse(X):
            X = canonical_sparse(X)
        return (X, y) if with_y else X

    def _check_finite(self, X):
        """scikit-learn's error if X holds NaN or infinity (nothing otherwise)."""
        check_array(X, accept_sparse=True, dtype=None, input_name="X", estimator=self)

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
        sample_weight = class_sample_weights(self.class_weight, classes, y_encoded,
                                             sample_weight, y, dtype)
        if sample_weight is None:
            return None, float(X.shape[0])
        sample_weight = np.ascontiguousarray(sample_weight, dtype=dtype)
        with np.errstate(over="ignore"):
            sw_sum = float(np.sum(sample_weight, dtype=np.float64))
        if not sw_sum > 0:
            raise ValueError("The sample weights (times the class weights) sum to zero: "
                             "there is nothing to fit.")
        if not np.isfinite(sw_sum) or sw_sum < 1.0 / float(np.finfo(np.float64).max):
            # the solvers divide by the sum: it must have a finite reciprocal
            raise ValueError("The sample weights (times the class weights) sum beyond "
                             "the float64 range: divide them by a common factor k and "
                             "multiply C by k, or the other way round (the same model).")
        return sample_weight, sw_sum

    @staticmethod
    def _targets(y_encoded, n_classes, dtype):
        """0 / 1 targets (binary) or the class indices, in X's dtype."""
        if n_classes == 2:
            return (y_encoded == 1).astype(dtype)
        return y_encoded.astype(dtype)

    # ---------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model by minimising the penalised log-loss.

        X, y and sample_weight may also be dask arrays (or DataFrames /
        Series; chunks of dense or sparse rows): the sums over rows that the
        solver needs then run chunk by chunk where the chunks live, with the
        same kernels, and only coefficient-sized vectors travel (solvers
        'lbfgs', 'newton-cg', 'newton-cholesky', 'fista' and 'auto'; see the
        README's Scale-out section).

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            Training data; float32 stays float32.
        y : array-like of shape (n_samples,)
            Class labels (at least two classes; two for 'liblinear').
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights, not all zero.

        Returns
        -------
        self : SigCoreLogisticRegression
            The fitted estimator.
        """
        with restore_on_error(self):
            return self._fit(X, y, sample_weight)

    def _fit(self, X, y, sample_weight):
        user_sample_weight = sample_weight
        penalty, l1_share = resolve_penalty(self)
        check_gain(self, self.alpha)
        warm = self.warm_start and hasattr(self, "coef_")
        previous = (self.classes_, self._dense_coef(), self.intercept_) if warm else None
        with blas_threads(1):
            if is_dask_collection(X):
                solver_name = self._dask_solver(penalty)
                problem, classes, dtype = logistic_problem(
                    self, X, y, sample_weight,
                    lambda sw_sum, largest_rms: self._penalty_terms(
                        penalty, l1_share, sw_sum, solver_name, largest_rms))
            else:
                if is_dask_collection(y) or is_dask_collection(sample_weight):
                    y, sample_weight = dask_compute(y, sample_weight)  # X is in memory
                try:
                    X, y = self._validate_X(X, reset=True, y=y, ensure_all_finite=False)
                except (ValueError, TypeError):
                    self._check_finite(X)   # scikit-learn checks X before y
                    raise
                if self.solver == "liblinear":
                    # as scikit-learn's: liblinear solves in float64 whatever
                    # X's dtype, and so gives float64 coefficients
                    X = X.astype(np.float64, copy=False)
                problem, classes, solver_name = self._memory_problem(
                    X, y, sample_weight, penalty, l1_share)
                dtype = X.dtype
            K, p = problem.K, self.n_features_in_
            theta0 = np.zeros(problem.size)
            if previous is not None and ALL_SOLVERS[solver_name].warm_start_shape_error:
                check_warm_start(previous[1].shape, K, p, self.fit_intercept)
            if previous is not None and np.array_equal(previous[0], classes) \
                    and previous[1].shape == (K, p) and not problem.coef_vanishes:
                alpha = float(self.alpha)
                # in float64: a float32 coef_ times an α above 3.4e38 would overflow
                theta0 = problem.theta_of(alpha * np.asarray(previous[1], dtype=np.float64),
                                          alpha * np.asarray(previous[2], dtype=np.float64)
                                          if self.fit_intercept else None)

            callbacks = FitCallbacks(self, X, y, sample_weight=user_sample_weight,
                                     max_subtasks=self.max_iter)
            options = SolverOptions(
                tol=self.tol, max_iter=self.max_iter,
                report=self._reporter(problem, callbacks, classes, dtype),
                reporting=bool(self.verbose) or callbacks.active,
                seed=check_random_state(self.random_state).randint(np.iinfo(np.int32).max),
                dual=self.dual, intercept_scaling=float(self.intercept_scaling))
            if self.max_iter == 0:
                warn_not_converged(solver_name, 0, "" if solver_name == "lbfgs"
                                   else "no iteration was run")
                theta, n_iter = theta0, 0
            else:
                theta, n_iter = ALL_SOLVERS[solver_name](options).solve(problem, theta0)

        self._check_coefficient_range(problem, theta, dtype)
        for name, value in self._fitted_attributes(problem, theta, classes, dtype,
                                                   n_iter).items():
            setattr(self, name, value)
        callbacks.finish()
        for name in ("_sgd_schedule", "_partial_fit_epochs"):
            self.__dict__.pop(name, None)  # a later partial_fit restarts its schedule
        return self

    def _memory_problem(self, X, y, sample_weight, penalty, l1_share):
        """(problem, classes, solver name) of a fit on in-memory X, y.

        X's finiteness check rides on the column sums of squares the column
        scale needs (NaN and inf make their column's sum non-finite), taken
        (for lbfgs and fista on large dense X) with the class sums that give
        the first loss evaluation: one pass over X (or its non-zeros)
        instead of two. A non-finite sum calls
        scikit-learn's check, which raises its own error unless the sum
        merely overflowed.
        """
        try:
            if y.dtype.kind not in "biuU":  # 1-D ints, bools, strings are class labels
                check_classification_targets(y)
            classes, y_encoded = np.unique(y, return_inverse=True)
            y_encoded = y_encoded.reshape(-1)
            if self.solver == "liblinear":
                check_liblinear_data(self, X, classes, penalty)
            if len(classes) < 2:
                raise ValueError(
                    "This solver needs samples of at least 2 classes in the data, but "
                    f"the data contains only one class: {classes[0]!r}"
                )
            sample_weight, sw_sum = self._weights(X, y_encoded, classes, sample_weight, y)
        except (ValueError, TypeError):
            self._check_finite(X)   # scikit-learn checks X before y and the weights
            raise
        solver_name = (choose_solver(X, penalty, len(classes)) if self.solver == "auto"
                       else self.solver)
        serial = _work(X, len(classes)) < SERIAL_WORK
        # the class sums where they save a pass over X (not on small data,
        # where the pass costs less than their bookkeeping)
        with_classes = ALL_SOLVERS[solver_name].gradient_first and not serial
        square_sums, class_sums = column_sums(X, y_encoded if with_classes else None,
                                              sample_weight, len(classes),
                                              n_threads=1 if serial else None)
        if not np.all(np.isfinite(square_sums)):
            self._check_finite(X)
        if class_sums is not None:
            class_sums = (class_sums, np.bincount(y_encoded, weights=sample_weight,
                                                  minlength=len(classes)))
        target = self._targets(y_encoded, len(classes), X.dtype)
        problem = self._problem(X, target, sample_weight, sw_sum, len(classes), penalty,
                                l1_share, solver_name, square_sums, class_sums)
        if solver_name == CoordinateDescentSolver.name and not CoordinateDescentSolver.handles(
                problem, square_sums):
            solver_name = "fista"   # X too large for its curvature: the 'auto' rule
            problem = self._problem(X, target, sample_weight, sw_sum, len(classes), penalty,
                                    l1_share, solver_name, square_sums, class_sums)
        return problem, classes, solver_name

    def _problem(self, X, target, sample_weight, sw_sum, n_classes, penalty, l1_share,
                 solver_name, square_sums=None, class_sums=None):
        """The α = 1 problem of in-memory X in the coordinates of ``solver_name``
        (``class_sums``: X's per-class weighted row sums and the class
        weights, which give the loss at zero coefficients without X)."""
        serial = _work(X, n_classes) < SERIAL_WORK
        terms = self._penalty_terms(
            penalty, l1_share, sw_sum, solver_name,
            lambda: float(column_rms(X, square_sums).max(initial=0.0)))
        if terms["coef_vanishes"]:  # the intercept alone: one zero column keeps the layout
            X = np.zeros((X.shape[0], 1), dtype=X.dtype)
            square_sums = class_sums = None
        scale = (column_scale(X, terms["l2"], square_sums)
                 if ALL_SOLVERS[solver_name].column_scaled else None)
        K = 1 if n_classes == 2 else n_classes
        problem = LogisticProblem(X, target, sample_weight, sw_sum, K, self.fit_intercept,
                                  scale=scale, n_threads=1 if serial else None, **terms)
        if class_sums is not None:
            problem.know_zero_point(*class_sums)
        return problem

    def _penalty_terms(self, penalty, l1_share, sw_sum, solver_name, largest_rms=None):
        """The penalties of the α = 1 problem (see the class docstring);
        ``largest_rms()`` gives the largest column RMS of X, asked for only
        when a penalty is past PENALTY_CAP."""
        alpha = float(self.alpha)
        l2, l1 = self._regularisation(penalty, l1_share, sw_sum)
        l2, l1 = l2 / alpha / alpha, l1 / alpha
        # C α² below ~1e-300 (relative to X's scale): the coefficients'
        # optimum underflows to 0 and only the intercept is fitted (see
        # _fitted_attributes); columns of RMS r bear a penalty r² times larger
        vanishing = not (l2 < PENALTY_CAP and l1 < PENALTY_CAP)
        if vanishing and largest_rms is not None and np.isfinite(l2) and np.isfinite(l1):
            with np.errstate(over="ignore"):
                r = max(1.0, largest_rms())
                vanishing = not (l2 < PENALTY_CAP * r * r and l1 < PENALTY_CAP * r)
        intercept_l2 = intercept_l1 = 0.0
        if solver_name == "liblinear" and self.fit_intercept and not vanishing:
            B = float(self.intercept_scaling)
            intercept_l2, intercept_l1 = l2 / B ** 2, l1 / B
        if vanishing:
            l2 = l1 = 0.0
        return {"l2": l2, "l1": l1, "intercept_l2": intercept_l2,
                "intercept_l1": intercept_l1, "coef_vanishes": vanishing}

    def _dask_solver(self, penalty):
        """The solver of a fit on a dask X: one that only needs sums over rows."""
        if self.solver == "auto":
            return "lbfgs" if penalty in ("l2", None) else "fista"
        if not SOLVERS[self.solver].scales_out:
            able = [name for name, cls in SOLVERS.items() if cls.scales_out]
            raise ValueError(
                f"solver={self.solver!r} cannot fit a dask X: it passes over the rows (or "
                f"the coordinates) one at a time. Use one of {able} or 'auto', or pass X "
                "as a NumPy array or SciPy sparse matrix."
            )
        return self.solver

    def _reporter(self, problem, callbacks, classes, dtype):
        """report(n_iter, theta, objective=None): verbose line and callback subtask."""
        def report(n_iter, theta, objective=None):
            if self.verbose:
                if objective is None:
                    objective = problem.objective(theta)
                print_progress(n_iter, objective)
            if not callbacks.active:
                return False
            callbacks.attributes = lambda: self._fitted_attributes(problem, theta, classes,
                                                                   dtype, n_iter)
            return callbacks.task("iteration")()
        return report

    def _fitted_attributes(self, problem, theta, classes, dtype, n_iter):
        """The fitted attributes of the solver's iterate theta."""
        V, c = problem.coefficients(theta)
        alpha = float(self.alpha)
        K = V.shape[0]
        intercept = np.zeros(K) if c is None else np.array(c, dtype=np.float64) / alpha
        if K > 1 and self.fit_intercept:
            intercept -= intercept.mean()  # softmax is shift-invariant: centre it
        coef = (np.zeros((V.shape[0], self.n_features_in_)) if problem.coef_vanishes
                else V / alpha)
        return {
            "classes_": classes,
            "coef_": np.ascontiguousarray(coef, dtype=dtype),
            "intercept_": intercept.astype(dtype),
            "n_iter_": np.array([n_iter], dtype=np.int32),
        }

    def _check_coefficient_range(self, problem, theta, dtype):
        """Refuse a fit whose coef_ / intercept_ (the α = 1 solution over alpha)
        would overflow in X's dtype, or in float32 round to 0 (subnormals, which
        keep the model, pass): float32 at large or small alpha, float64 at alpha
        below ~1e-308, where intercept_ = log-odds / alpha overflows. (A float64
        coefficient lost below 1e-323 at alpha ~1e300 is ~1e-23 of a unit's
        score and passes.)"""
        V, c = problem.coefficients(theta)
        values = np.abs(np.concatenate([np.ravel(V), [] if c is None else np.ravel(c)]))
        info = np.finfo(dtype)
        low = float(info.smallest_subnormal) if dtype == np.float32 else 0.0
        top = float(info.max)
        inside = (values >= low) & (values <= top)      # at alpha = 1
        with np.errstate(over="ignore", under="ignore"):
            scaled = values / float(self.alpha)
        if np.any(inside & ((scaled < low) | (scaled > top))):
            remedy = "pass X as float64" if dtype == np.float32 else "choose a larger alpha"
            raise ValueError(
                f"alpha={float(self.alpha):g} puts coef_ and intercept_ (the alpha = 1 "
                f"coefficients divided by alpha) outside the {info.dtype} range "
                f"[{low:.3g}, {top:.3g}] of X: {remedy}.")

    def _dense_coef(self):
        """coef_ as a dense array (it is sparse after ``sparsify``)."""
        return self.coef_.toarray() if sp.issparse(self.coef_) else self.coef_

    # -------------------------------------------------------- partial_fit
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch of mini-batch stochastic (proximal) gradient steps on (X, y).

        Each call steps on the objective of ``fit`` computed for the data of the
        call (so calling it repeatedly on a whole data set minimises the same
        objective as ``fit``, reaching its optimum in the limit of many
        epochs: slowly where the penalty C α² is weak). The penalty is
        relative to the call's data, as in ``fit``: over chunks of k of n
        rows it weighs n / k times more than in ``fit`` on all n rows, so
        pass C·n/k to fit ``fit(C)``'s model
        (scikit-learn's MLPs scale their L2 term by the batch the same way).
        The steps are taken on the α = 1 problem, the coefficients αw with
        the penalty strength C α² (so that any α in
        (0, inf) gives finite steps), on batches of 32 rows, with the step
        size 1 / ((L + λ) √(1 + t / 1000)): t is the number of steps so far,
        L the largest bound of the loss's curvature seen so far, (m + 1) / 4
        (/ 2 for multinomial; m alone without an intercept) with m the
        (weighted) mean ‖x‖² of the call's rows, and λ the L2 strength of the
        coefficients ((1 - l1_ratio) / (C α² S), S the call's total weight;
        0 for the intercept).

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
        with restore_on_error(self):
            return self._partial_fit(X, y, classes, sample_weight)

    def _partial_fit(self, X, y, classes, sample_weight):
        user_sample_weight = sample_weight
        # _fit_context skips this on a fitted estimator: parameters may have changed
        self._validate_params()
        # partial_fit's proximal SGD handles every penalty, whatever the solver
        penalty, l1_share = resolve_penalty(self, solver_check=False)
        check_gain(self, self.alpha)
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
        target = self._targets(y_encoded, len(classes), X.dtype)
        problem = self._problem(X, target, sample_weight, sw_sum, len(classes), penalty,
                                l1_share, "sgd")
        theta0 = np.zeros(problem.size)
        if not first:
            alpha = float(self.alpha)
            # in float64: a float32 coef_ times an α above 3.4e38 would overflow
            coef = (np.zeros((problem.K, problem.p)) if problem.coef_vanishes
                    else alpha * np.asarray(self._dense_coef(), dtype=np.float64))
            intercept = np.asarray(self.intercept_, dtype=np.float64)
            theta0 = problem.theta_of(coef, alpha * intercept if self.fit_intercept else None)
        # a copy: restore_on_error puts the schedule back if this call fails
        schedule = (SgdSchedule() if first
                    else replace(getattr(self, "_sgd_schedule", SgdSchedule())))
        epochs = 0 if first else getattr(self, "_partial_fit_epochs", 0)
        options = SolverOptions(
            tol=self.tol, max_iter=1, report=lambda *args, **kwargs: False,
            seed=check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        solver = ALL_SOLVERS["sgd"](options, schedule)

        callbacks = FitCallbacks(self, X, y, sample_weight=user_sample_weight,
                                 max_subtasks=1)
        end_epoch = callbacks.task("epoch") if callbacks.active else None
        theta, _ = solver.solve(problem, theta0)
        self._check_coefficient_range(problem, theta, X.dtype)
        fitted = self._fitted_attributes(problem, theta, classes, X.dtype, epochs + 1)
        if self.verbose:
            print_progress(epochs + 1, solver.running_loss / sw_sum, label="Epoch")
        if end_epoch is not None:
            callbacks.attributes = lambda: fitted
            end_epoch()
        for name, value in fitted.items():
            setattr(self, name, value)
        self._sgd_schedule = schedule
        self._partial_fit_epochs = epochs + 1
        callbacks.finish()
        return self

    # ---------------------------------------------------------- predicting
    @lazy_on_dask
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
        X = validate_predict_X(self, X, accept_sparse=["csr", "csc"])
        if sp.issparse(X):
            X = canonical_sparse(X)
        dtype = np.result_type(X.dtype, self.coef_.dtype)
        coef = self.coef_.T.astype(dtype, copy=False)
        work = _work(X, coef.shape[1])
        with blas_threads(1 if TINY_PREDICT_WORK <= work < SERIAL_WORK else None):
            Z = safe_sparse_dot(X, coef, dense_output=True)
        Z = np.asarray(Z, dtype=dtype) + np.asarray(self.intercept_, dtype=dtype)
        return np.ascontiguousarray(Z[:, 0] if Z.shape[1] == 1 else Z)

    @lazy_on_dask
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
            return two_column_proba(Z, alpha)
        return _softmax(Z, alpha, take_log=False)

    @lazy_on_dask
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
            return two_column_proba(Z, alpha, log=True)
        return _softmax(Z, alpha, take_log=True)

    @lazy_on_dask
    def predict(self, X):
        """Most probable class of each sample.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        Z = self._scores(X)     # first: an unfitted model raises NotFittedError
        return labels_of_scores(self.classes_, Z)
