"""Grid search over alpha on a dask.distributed cluster (joblib's dask backend).
=============================================================================

The same GridSearchCV runs locally and on a LocalCluster of worker processes
on 127.0.0.1, and the cross-validation results agree.  To use a real cluster,
replace LocalCluster by the scheduler's address: Client("tcp://scheduler:8786").

Run: python examples/dask_grid_search.py   (needs the 'distributed' extra)
"""

# %%
import joblib
import numpy as np
from dask.distributed import Client, LocalCluster
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_sigcore import SigCoreLogisticRegression

X, y = load_breast_cancer(return_X_y=True)
grid = {"sigcorelogisticregression__alpha": [0.5, 1.0, 2.0, 4.0]}


def make_search():
    return GridSearchCV(make_pipeline(StandardScaler(), SigCoreLogisticRegression()),
                        grid, cv=5)



def main():
    local = make_search().fit(X, y)
    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster):
        with joblib.parallel_backend("dask"):
            remote = make_search().fit(X, y)
    same = np.allclose(local.cv_results_["mean_test_score"],
                       remote.cv_results_["mean_test_score"])
    print("mean CV scores (local):  ", local.cv_results_["mean_test_score"].round(4))
    print("mean CV scores (cluster):", remote.cv_results_["mean_test_score"].round(4))
    print("identical results:", same, "| best:", remote.best_params_)


# %%
if __name__ == "__main__":   # worker processes import this file: run only once
    main()
