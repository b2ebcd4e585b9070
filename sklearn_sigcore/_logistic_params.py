"""SigCoreLogisticRegression's parameters as the installed scikit-learn defines
them: the penalty from `penalty` / `l1_ratio` / `C`, scikit-learn's errors and
warnings in scikit-learn's order, and the rule of ``solver='auto'``."""

import warnings

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.utils.fixes import parse_version

# scikit-learn 1.8 deprecated `penalty` in favour of `l1_ratio` (and C=np.inf);
# the defaults and warnings follow the installed version.
NEW_PENALTY_API = parse_version(sklearn.__version__).release >= (1, 8)
PENALTY_DEFAULT = "deprecated" if NEW_PENALTY_API else "l2"
L1_RATIO_DEFAULT = 0.0 if NEW_PENALTY_API else None


def resolve_penalty(est, solver_check=True):
    """(penalty, l1_ratio share) in force, with scikit-learn's warnings and
    errors in scikit-learn's order (the solver check included)."""
    if not NEW_PENALTY_API:
        if solver_check:
            check_solver(est, est.penalty)
        if est.penalty != "elasticnet" and est.l1_ratio is not None:
            warnings.warn("l1_ratio parameter is only used when penalty is "
                          f"'elasticnet'. Got (penalty={est.penalty})")
        if est.penalty == "elasticnet" and est.l1_ratio is None:
            raise ValueError("l1_ratio must be specified when penalty is elasticnet.")
        if est.penalty is None and est.C != 1.0:
            warnings.warn("Setting penalty=None will ignore the C and l1_ratio "
                          "parameters")
        if solver_check and est.solver == "liblinear" and est.n_jobs not in (None, 1):
            warnings.warn("'n_jobs' > 1 does not have any effect when 'solver' is set "
                          f"to 'liblinear'. Got 'n_jobs' = {est.n_jobs}.")
        penalty = "l2" if est.penalty == "deprecated" else est.penalty
        share = {"l2": 0.0, "l1": 1.0, "elasticnet": est.l1_ratio, None: 0.0}[penalty]
        return (None if est.C == np.inf else penalty), share

    # scikit-learn >= 1.8: l1_ratio and C choose; `penalty` is deprecated
    ratio = est.l1_ratio
    if est.penalty == "deprecated":
        if ratio is None:
            warnings.warn("'l1_ratio=None' was deprecated in version 1.8 and will "
                          "trigger an error in 1.10. Use 0<=l1_ratio<=1 instead.",
                          FutureWarning)
        penalty = ("l2" if not ratio else "l1" if ratio == 1 else "elasticnet")
        if est.C == np.inf:
            penalty = None
    else:
        penalty = est.penalty
        warnings.warn(
            "'penalty' was deprecated in version 1.8 and will be removed in 1.10. "
            "To avoid this warning, leave 'penalty' set to its default value and use "
            "'l1_ratio' or 'C' instead. Use l1_ratio=0 instead of penalty='l2', "
            "l1_ratio=1 instead of penalty='l1', l1_ratio set to a float between 0 "
            "and 1 instead of penalty='elasticnet', and C=np.inf instead of "
            "penalty=None.", FutureWarning)
    if solver_check:
        check_solver(est, penalty)
    if penalty != "elasticnet" and ratio is not None and 0 < ratio < 1:
        warnings.warn("l1_ratio parameter is only used when penalty is 'elasticnet'. "
                      f"Got (penalty={penalty})")
    if (est.penalty == "l2" and ratio != 0) or (est.penalty == "l1" and ratio != 1):
        warnings.warn(f"Inconsistent values: penalty={est.penalty} with "
                      f"l1_ratio={ratio}. penalty is deprecated. Please use "
                      "l1_ratio only.")
    if penalty == "elasticnet" and ratio is None:
        raise ValueError("l1_ratio must be specified when penalty is elasticnet.")
    if est.penalty is None:
        if est.C != 1.0:
            warnings.warn("Setting penalty=None will ignore the C and l1_ratio "
                          "parameters")
    elif est.C == np.inf:
        penalty = None
    if solver_check and est.n_jobs is not None:
        warnings.warn(f"'n_jobs' has no effect since 1.8 and will be removed in 1.10. "
                      f"You provided 'n_jobs={est.n_jobs}', please leave it "
                      "unspecified.", FutureWarning)
    share = {"l2": 0.0, "l1": 1.0, "elasticnet": ratio, None: 0.0}[penalty]
    return penalty, share

def check_solver(est, penalty):
    """scikit-learn's solver / penalty / dual errors."""
    solver, dual = est.solver, est.dual
    if solver not in ("liblinear", "saga", "fista", "auto") and \
            penalty not in ("l2", None):
        raise ValueError(f"Solver {solver} supports only 'l2' or None penalties, got "
                         f"{penalty} penalty.")
    if solver != "liblinear" and dual:
        raise ValueError(f"Solver {solver} supports only dual=False, got dual={dual}")
    if penalty == "elasticnet" and solver not in ("saga", "fista", "auto"):
        raise ValueError("Only 'saga' solver supports elasticnet penalty, got "
                         f"solver={solver}.")
    if solver == "liblinear" and penalty is None:
        raise ValueError("C=np.inf as well as penalty=None is not supported for the "
                         "liblinear solver" if NEW_PENALTY_API else
                         "penalty=None is not supported for the liblinear solver")


def check_liblinear_data(est, X, classes, penalty):
    """scikit-learn's liblinear errors: binary only, no values above 1e30, no
    dual L1, tol > 0."""
    if len(classes) > 2:
        raise ValueError(
            "Only binary classification is supported. "
            "The 'liblinear' solver does not support multiclass classification "
            "(n_classes >= 3). Either use another solver or wrap the estimator in a "
            "OneVsRestClassifier to keep applying a one-versus-rest scheme.")
    largest = X.data.max(initial=-np.inf) if sp.issparse(X) else X.max(initial=-np.inf)
    if largest > 1e30:
        raise ValueError(
            "Using the 'liblinear' solver while X contains a maximum value > 1e30 "
            "results in a frozen fit. Please choose another solver or rescale the "
            "input X.")
    if est.dual and penalty == "l1":
        raise ValueError(
            "Unsupported set of arguments: The combination of penalty='l1' and "
            "loss='logistic_regression' are not supported when dual=True, "
            "Parameters: penalty='l1', loss='logistic_regression', dual=True")
    if not est.tol > 0:
        # scikit-learn passes this up from liblinear's own check, as b'eps <= 0'
        raise ValueError(f"eps <= 0: the liblinear solver needs tol > 0, got tol={est.tol}.")


def check_warm_start(coef_shape, n_rows, n_features, fit_intercept):
    """scikit-learn's error for a warm start from coefficients of another
    shape (number of classes or features); `n_rows` is 1 for two classes."""
    width = n_features + int(fit_intercept)
    if coef_shape != (n_rows, n_features):
        expected = f"({width},) or (1, {width})" if n_rows == 1 else f"({n_rows}, {width})"
        raise ValueError(f"Initialization coef is of shape "
                         f"({coef_shape[0]}, {coef_shape[1] + int(fit_intercept)}), "
                         f"expected shape {expected}")


def choose_solver(X, penalty, n_classes):
    """The solver ``solver='auto'`` takes (a documented rule; the optimum is the same).

    * L2 or no penalty: 'lbfgs'. Measured against 'newton-cg' and
      'newton-cholesky' from 1000 x 4 to 200000 x 100, binary to 10 classes,
      dense and CSR, it was the fastest or within 10 % of it nearly
      everywhere; the Newton solvers won only on a few features (and by
      little), and lost up to 8x where the Hessian is large.
    * L1, two classes: 'coordinate descent', liblinear's newGLMNET with a
      free intercept (2-3x faster than 'saga' on CSR 200000 x 5000 at
      C = 0.1); 'fista' where its curvature, the largest cost (C α times
      the sample weight) times a column's sum of squares, overflows float64
      (X values beyond ~1e154; the estimator decides, after this rule).
    * L1 with more classes, elastic-net: 'saga' when there are at least as
      many rows as columns (cheap epochs, sparse updates), else 'fista'.
    """
    if penalty == "l1" and n_classes == 2:
        return "coordinate descent"
    if penalty in ("l1", "elasticnet"):
        return "saga" if X.shape[0] >= X.shape[1] else "fista"
    return "lbfgs"
