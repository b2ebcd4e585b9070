"""scikit-learn's estimator checks for both MLPs, with no expected failures."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_sigcore import SigCoreMLPClassifier, SigCoreMLPRegressor

# Small networks and few epochs keep the ~50 checks per instance fast; each
# instance still trains to a usable model on the checks' easy problems.
COMMON = dict(max_iter=100)
# check_regressors_train sets `alpha = 0.01` (scikit-learn's L2 name; here the
# gain) and wants R^2 > 0.5: with gain 0.01 the output weights must grow ~100x,
# which Adam reaches with a larger step and more patience (lbfgs does anyway;
# plain sgd does not within the check's budget, so it is not among these).
REGRESSION = dict(max_iter=300, learning_rate_init=0.05, n_iter_no_change=50)

ESTIMATORS = [
    SigCoreMLPClassifier(**COMMON),
    SigCoreMLPClassifier(**COMMON, alpha=3.0),
    SigCoreMLPClassifier(**COMMON, alpha="auto"),
    SigCoreMLPClassifier(hidden_layer_sizes=(50, 20), alpha=[2.0, 4.0], max_iter=100),
    SigCoreMLPClassifier(**COMMON, solver="sgd", learning_rate_init=0.1),
    SigCoreMLPClassifier(**COMMON, solver="lbfgs"),
    SigCoreMLPClassifier(**COMMON, activation="logistic", class_weight="balanced"),
    SigCoreMLPClassifier(**COMMON, activation="tanh", alpha=0.5),
    SigCoreMLPClassifier(**COMMON, activation="tanh"),      # check_class_weight_classifiers
    SigCoreMLPClassifier(**COMMON, activation="relu"),
    SigCoreMLPClassifier(**COMMON, activation="leaky_relu"),
    SigCoreMLPClassifier(**COMMON, activation="elu"),
    SigCoreMLPClassifier(**COMMON, activation="identity"),
    SigCoreMLPClassifier(**COMMON, learn_alpha="layer"),
    SigCoreMLPClassifier(**COMMON, alpha="auto", learn_alpha="unit", solver="lbfgs"),
    SigCoreMLPRegressor(**REGRESSION),
    SigCoreMLPRegressor(**REGRESSION, alpha=3.0, activation="tanh"),
    SigCoreMLPRegressor(**REGRESSION, activation="relu"),
    SigCoreMLPRegressor(**REGRESSION, learn_alpha="layer"),
    SigCoreMLPRegressor(**REGRESSION, learn_alpha="unit", alpha="auto"),
    SigCoreMLPRegressor(**COMMON, alpha="auto", solver="lbfgs"),
    SigCoreMLPRegressor(**COMMON, solver="lbfgs", learn_alpha="layer"),
]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
