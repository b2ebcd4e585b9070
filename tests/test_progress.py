"""Progress reporting: verbose output and scikit-learn's callback API."""

import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler

from sklearn_sigcore import SigCoreLogisticRegression, SigCoreMLPClassifier, SigCoreMLPRegressor

X, y = load_breast_cancer(return_X_y=True)
X = StandardScaler().fit_transform(X)

ESTIMATORS = [
    SigCoreLogisticRegression(max_iter=30),
    SigCoreLogisticRegression(solver="newton-cg", max_iter=10),
    SigCoreLogisticRegression(solver="fista", penalty="l1", max_iter=30),
    SigCoreMLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0),
    SigCoreMLPClassifier(hidden_layer_sizes=(8,), max_iter=5, solver="sgd", early_stopping=True,
                         random_state=0),
    # binary L1 'auto' and liblinear L1: coordinate descent reporting from its C loop
    SigCoreLogisticRegression(penalty="l1", C=0.5, tol=1e-8, random_state=0),
    SigCoreLogisticRegression(solver="liblinear", penalty="l1", C=0.5, tol=1e-8,
                              random_state=0),
]
IDS = ["logistic-lbfgs", "logistic-newton-cg", "logistic-fista", "mlp-adam",
       "mlp-sgd-early-stopping", "logistic-auto-l1", "logistic-liblinear-l1"]
STOPPABLE = [i for i, name in enumerate(IDS) if name != "mlp-sgd-early-stopping"]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_verbose_reports_every_iteration(estimator, capsys):
    estimator.set_params(verbose=1).fit(X, y)
    out = capsys.readouterr().out.splitlines()
    lines = [line for line in out if line.startswith("Iteration ")]
    assert len(lines) == estimator.n_iter_
    assert all("loss = " in line for line in lines)
    if getattr(estimator, "early_stopping", False):
        # scikit-learn's lines: the score follows each iteration's on its own
        scores = [line for line in out if line.startswith("Validation score: ")]
        assert len(scores) == estimator.n_iter_
        assert out.index(scores[0]) == out.index(lines[0]) + 1


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_silent_by_default(estimator, capsys):
    estimator.set_params(verbose=0).fit(X, y)
    assert capsys.readouterr().out == ""


try:
    from sklearn import callback
except ImportError:
    callback = None
needs_callbacks = pytest.mark.skipif(callback is None,
                                     reason="scikit-learn < 1.9 has no callback API")


@pytest.mark.parametrize("estimator", [SigCoreLogisticRegression(random_state=0),
                                       SigCoreMLPClassifier(hidden_layer_sizes=(8,),
                                                            random_state=0)],
                         ids=["logistic", "mlp"])
def test_verbose_partial_fit_reports_each_call(estimator, capsys):
    estimator.set_params(verbose=1)
    for chunk in range(3):
        rows = slice(chunk * 150, (chunk + 1) * 150)
        estimator.partial_fit(X[rows], y[rows], classes=[0, 1])
    lines = [line for line in capsys.readouterr().out.splitlines() if "loss = " in line]
    assert len(lines) == 3


@needs_callbacks
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_scoring_monitor_scores_every_iteration(estimator):
    monitor = callback.ScoringMonitor(scoring="accuracy")
    estimator.set_params(verbose=0).set_callbacks(monitor).fit(X, y)
    scores = [row["accuracy"] for row in monitor.get_logs().data if "accuracy" in row]
    assert len(scores) >= estimator.n_iter_
    assert all(0.0 <= s <= 1.0 for s in scores)
    # the last score is the one of the fitted model
    assert scores[-1] == pytest.approx(estimator.score(X, y))


@needs_callbacks
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_scoring_monitor_sees_lbfgs_partial_fit_of_the_regressor():
    # one subtask per call was allowed, lbfgs reports one per iteration:
    # the callback raised "maximum number of children"
    reg = SigCoreMLPRegressor(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=5,
                              random_state=0)
    monitor = callback.ScoringMonitor(scoring="r2")
    reg.set_callbacks(monitor)
    for rows in (slice(0, 300), slice(300, None)):
        reg.partial_fit(X[rows], y[rows].astype(float))
    scores = [row["r2"] for row in monitor.get_logs().data if "r2" in row]
    assert len(scores) >= 2 and scores[-1] == pytest.approx(reg.score(X[300:], y[300:]))


@needs_callbacks
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_progress_bar_runs(estimator):
    pytest.importorskip("rich")
    estimator.set_params(verbose=0).set_callbacks(callback.ProgressBar()).fit(X, y)
    assert estimator.n_iter_ >= 1


class _StopAfter:
    """A FitCallback that asks the fit to stop once it has seen `n` iterations."""

    def __init__(self, n):
        self.n, self.seen = n, 0

    def setup(self, estimator, context):
        self.seen = 0

    def on_fit_task_begin(self, estimator, context, **kwargs):
        pass

    def on_fit_task_end(self, estimator, context, **kwargs):
        if context.task_name == "fit":
            return False
        self.seen += 1
        return self.seen >= self.n

    def teardown(self, estimator, context):
        pass


@needs_callbacks
@pytest.mark.parametrize("estimator", [ESTIMATORS[i] for i in STOPPABLE],
                         ids=[IDS[i] for i in STOPPABLE])
def test_callback_can_stop_the_fit(estimator, recwarn):
    estimator.set_params(verbose=0, max_iter=50).set_callbacks(_StopAfter(3)).fit(X, y)
    assert estimator.n_iter_ == 3
    # stopped on request: no "did not converge" warning
    assert not [w for w in recwarn if "converge" in str(w.message).lower()]
    assert estimator.score(X, y) > 0.5
