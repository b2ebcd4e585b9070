"""scikit-learn's estimator checks for SigCoreMLPClassifier, with no expected failures."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_sigcore._mlp import SigCoreMLPClassifier

# Small networks and few epochs keep the ~50 checks per instance fast; each
# instance still trains to a usable model on the checks' easy problems.
COMMON = dict(max_iter=100)

ESTIMATORS = [
    SigCoreMLPClassifier(**COMMON),
    SigCoreMLPClassifier(**COMMON, alpha=3.0),
    SigCoreMLPClassifier(**COMMON, alpha="auto"),
    SigCoreMLPClassifier(hidden_layer_sizes=(50, 20), alpha=[2.0, 4.0], max_iter=100),
    SigCoreMLPClassifier(**COMMON, solver="sgd", learning_rate_init=0.1),
    SigCoreMLPClassifier(**COMMON, solver="lbfgs"),
    SigCoreMLPClassifier(**COMMON, activation="logistic", class_weight="balanced"),
    SigCoreMLPClassifier(**COMMON, activation="tanh", alpha=0.5),
    SigCoreMLPClassifier(**COMMON, activation="relu"),
    SigCoreMLPClassifier(**COMMON, activation="leaky_relu"),
    SigCoreMLPClassifier(**COMMON, activation="elu"),
    SigCoreMLPClassifier(**COMMON, activation="identity"),
]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
