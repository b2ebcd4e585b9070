"""scikit-learn's estimator checks for SigCoreLogisticRegression, with no expected failures."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_sigcore._logistic import SigCoreLogisticRegression

ESTIMATORS = [
    SigCoreLogisticRegression(),
    SigCoreLogisticRegression(alpha=3.0),
    SigCoreLogisticRegression(alpha=0.5, solver="newton-cg"),
    SigCoreLogisticRegression(solver="fista"),
    SigCoreLogisticRegression(penalty="l1", solver="fista", alpha=2.0),
    SigCoreLogisticRegression(penalty="elasticnet", l1_ratio=0.5, solver="fista"),
    SigCoreLogisticRegression(penalty=None, solver="newton-cg", max_iter=200),
    SigCoreLogisticRegression(class_weight="balanced", warm_start=True),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible(estimator, check):
    check(estimator)
