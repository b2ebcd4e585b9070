"""GridSearchCV over alpha on a real dask.distributed LocalCluster."""

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_sigcore import SigCoreLogisticRegression, SigCoreMLPClassifier

distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")


@pytest.fixture(scope="module")
def client():
    # Worker processes on the loopback interface only; no dashboard.
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            yield client


@pytest.mark.parametrize(
    "estimator, grid",
    [
        (SigCoreLogisticRegression(), {"alpha": [0.5, 1.0, 3.0]}),
        (SigCoreMLPClassifier(hidden_layer_sizes=(8,), max_iter=15, random_state=0),
         {"alpha": [1.0, "auto"]}),
    ],
)
def test_dask_grid_search_matches_local(client, estimator, grid):
    X, y = load_breast_cancer(return_X_y=True)
    X, y = X[::2], y[::2]
    step = type(estimator).__name__.lower()
    param_grid = {f"{step}__{k}": v for k, v in grid.items()}

    def search():
        return GridSearchCV(make_pipeline(StandardScaler(), estimator), param_grid, cv=3)

    local = search().fit(X, y)
    with joblib.parallel_backend("dask"):
        remote = search().fit(X, y)
    assert client.scheduler_info()["workers"]   # the cluster really had workers
    for key in ("mean_test_score", "std_test_score", "rank_test_score"):
        np.testing.assert_allclose(remote.cv_results_[key], local.cv_results_[key])
    for fold in range(3):
        np.testing.assert_allclose(remote.cv_results_[f"split{fold}_test_score"],
                                   local.cv_results_[f"split{fold}_test_score"])
    assert remote.best_params_ == local.best_params_
