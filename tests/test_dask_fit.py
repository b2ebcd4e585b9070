"""SigCoreLogisticRegression.fit on dask collections: the in-memory optimum,
computed chunk by chunk on a real LocalCluster of worker processes (and on
dask's threaded scheduler), with lazy predictions."""

import os
import signal
import threading
import time
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

from sklearn_sigcore import SigCoreLogisticRegression

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

SOLVERS = ["lbfgs", "newton-cg", "newton-cholesky", "fista"]


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def client(cluster):
    # by address, as a user connects to a cluster started elsewhere
    with distributed.Client(cluster.scheduler_address) as client:
        yield client


def problem(n_classes, n=1200, p=8, seed=0):
    X, y = make_classification(n_samples=n, n_features=p, n_informative=5,
                               n_classes=n_classes, random_state=seed)
    sw = np.random.RandomState(seed).uniform(0.2, 2.0, size=n)
    return X, y, sw


def chunked(X, y, sw, rows=250):
    return (da.from_array(X, chunks=(rows, X.shape[1])), da.from_array(y, chunks=rows),
            da.from_array(sw, chunks=rows))


def assert_same_model(remote, local, rtol=1e-6):
    np.testing.assert_array_equal(remote.classes_, local.classes_)
    scale = np.abs(local.coef_).max()
    np.testing.assert_allclose(remote.coef_, local.coef_, rtol=0, atol=rtol * scale)
    np.testing.assert_allclose(remote.intercept_, local.intercept_, rtol=0,
                               atol=rtol * max(scale, np.abs(local.intercept_).max()))


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_cluster_fit_reaches_in_memory_optimum(client, solver, n_classes):
    X, y, sw = problem(n_classes)
    # FISTA's many cheap iterations cost a round trip each: a looser tol
    tol, rtol = (1e-6, 1e-5) if solver == "fista" else (1e-8, 1e-6)
    params = dict(solver=solver, tol=tol, max_iter=2000, alpha=1.7, C=0.5)
    local = SigCoreLogisticRegression(**params).fit(X, y, sample_weight=sw)
    remote = SigCoreLogisticRegression(**params).fit(*chunked(X, y, sw))
    assert_same_model(remote, local, rtol)
    assert remote.n_features_in_ == X.shape[1]


@pytest.mark.parametrize("params", [
    dict(solver="auto", C=0.2),
    dict(class_weight="balanced", solver="newton-cholesky"),
    dict(class_weight={0: 2.0, 1: 0.5, 2: 1.0}, solver="lbfgs", fit_intercept=False),
    dict(penalty=None, solver="newton-cg", C=1.0),
])
def test_cluster_fit_penalties_and_class_weights(client, params):
    X, y, sw = problem(3, seed=1)
    params = dict({"tol": 1e-9, "max_iter": 5000}, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # penalty= on scikit-learn >= 1.8
        local = SigCoreLogisticRegression(**params).fit(X, y, sample_weight=sw)
        remote = SigCoreLogisticRegression(**params).fit(*chunked(X, y, sw))
    assert_same_model(remote, local, rtol=1e-5)


@pytest.mark.parametrize("l1_ratio", [0.5, 1.0])
def test_threaded_scheduler_l1_and_elastic_net(l1_ratio):
    # FISTA takes hundreds of cheap iterations: on the threaded scheduler here
    X, y, sw = problem(3, seed=8)
    params = dict(solver="fista", penalty="elasticnet", l1_ratio=l1_ratio, C=0.3,
                  tol=1e-10, max_iter=50000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # penalty= on scikit-learn >= 1.8
        local = SigCoreLogisticRegression(**params).fit(X, y, sample_weight=sw)
        with dask.config.set(scheduler="threads"):
            remote = SigCoreLogisticRegression(**params).fit(*chunked(X, y, sw))
    assert_same_model(remote, local, rtol=1e-6)
    assert np.sum(local.coef_ == 0) > 0   # the L1 part acts
    np.testing.assert_array_equal(remote.coef_ == 0, local.coef_ == 0)


def test_synchronous_scheduler():
    X, y, sw = problem(3, seed=10)
    local = SigCoreLogisticRegression(tol=1e-9).fit(X, y, sample_weight=sw)
    with dask.config.set(scheduler="sync"):
        remote = SigCoreLogisticRegression(tol=1e-9).fit(*chunked(X, y, sw))
    assert_same_model(remote, local)


def test_threaded_scheduler_and_sparse_chunks():
    X, y, sw = problem(2, seed=2)
    X[np.abs(X) < 0.8] = 0.0
    Xd, yd, swd = chunked(X, y, sw)
    Xs = Xd.map_blocks(sp.csr_matrix, dtype=X.dtype)
    params = dict(solver="newton-cholesky", tol=1e-10)
    local = SigCoreLogisticRegression(**params).fit(X, y, sample_weight=sw)
    with dask.config.set(scheduler="threads"):
        dense = SigCoreLogisticRegression(**params).fit(Xd, yd, sample_weight=swd)
        sparse = SigCoreLogisticRegression(**params).fit(Xs, yd, sample_weight=swd)
        proba = sparse.predict_proba(Xs)
        assert isinstance(proba, da.Array)
        np.testing.assert_allclose(proba.compute(), local.predict_proba(X), atol=1e-7)
    assert_same_model(dense, local)
    assert_same_model(sparse, local)


def test_dataframe_float32_and_numpy_targets(client):
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    X, y, sw = problem(2, seed=3)
    frame = pd.DataFrame(X.astype(np.float32), columns=[f"f{j}" for j in range(X.shape[1])])
    ddf = dd.from_pandas(frame, npartitions=4)
    local = SigCoreLogisticRegression(tol=1e-7).fit(frame, y, sample_weight=sw)
    remote = SigCoreLogisticRegression(tol=1e-7).fit(
        ddf, dd.from_pandas(pd.Series(y), npartitions=4), sample_weight=sw)
    assert remote.coef_.dtype == np.float32
    np.testing.assert_array_equal(remote.feature_names_in_, frame.columns)
    assert_same_model(remote, local, rtol=1e-4)   # float32 resolution
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # no feature-name warnings block by block
        labels = remote.predict(ddf)
        assert isinstance(labels, da.Array)
        np.testing.assert_array_equal(labels.compute(), local.predict(frame))
    # partitions of unknown length: score still gives scikit-learn's number
    y_series = dd.from_pandas(pd.Series(y), npartitions=4)
    assert remote.score(ddf, y_series) == pytest.approx(local.score(frame, y), abs=1e-12)
    assert remote.score(ddf, y, sample_weight=sw) == pytest.approx(
        local.score(frame, y, sample_weight=sw), abs=1e-12)


def test_dataframe_partitions_are_read_once():
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    X, y, sw = problem(2, seed=11)
    columns = [f"f{j}" for j in range(X.shape[1])]
    bounds = [0, 300, 650, 900, X.shape[0]]   # partitions of unequal length
    reads = []

    def read(i):   # a partition as a reader of files would make it
        reads.append(i)
        rows = slice(bounds[i], bounds[i + 1])
        return pd.DataFrame(X[rows], columns=columns, index=range(bounds[i], bounds[i + 1]))

    def column(values, i):
        return pd.Series(values[bounds[i]:bounds[i + 1]], index=range(bounds[i], bounds[i + 1]))

    parts = range(len(bounds) - 1)
    frame = dd.from_delayed([dask.delayed(read)(i) for i in parts],
                            meta=pd.DataFrame(X[:0], columns=columns))
    labels = dd.from_delayed([dask.delayed(column)(y, i) for i in parts],
                             meta=pd.Series(y[:0]))
    weights = dd.from_delayed([dask.delayed(column)(sw, i) for i in parts],
                              meta=pd.Series(sw[:0]))
    with dask.config.set(scheduler="threads"):
        remote = SigCoreLogisticRegression(tol=1e-9).fit(frame, labels, sample_weight=weights)
    assert sorted(reads) == list(parts)   # each partition read once
    local = SigCoreLogisticRegression(tol=1e-9).fit(pd.DataFrame(X, columns=columns), y,
                                                   sample_weight=sw)
    assert_same_model(remote, local)
    short = dd.from_pandas(pd.Series(y[:-1]), npartitions=len(parts))
    with dask.config.set(scheduler="threads"), pytest.raises(
            ValueError, match="inconsistent numbers of samples"):
        SigCoreLogisticRegression().fit(frame, short)


def test_lazy_predictions_and_score(client):
    X, y, sw = problem(3, seed=4)
    Xd, yd, swd = chunked(X, y, sw)
    model = SigCoreLogisticRegression().fit(X, y)
    for method in ("predict", "predict_proba", "predict_log_proba", "decision_function"):
        lazy = getattr(model, method)(Xd)
        assert isinstance(lazy, da.Array)
        assert lazy.numblocks[0] == Xd.numblocks[0]   # block by block
        np.testing.assert_allclose(lazy.compute(), getattr(model, method)(X), rtol=1e-12)
    assert model.score(Xd, yd, sample_weight=swd) == pytest.approx(
        model.score(X, y, sample_weight=sw), rel=1e-12)
    assert model.score(Xd, y) == pytest.approx(model.score(X, y), rel=1e-12)


def test_mlp_lazy_predictions_and_score(client):
    from sklearn_sigcore import SigCoreMLPClassifier, SigCoreMLPRegressor

    X, y, sw = problem(3, seed=9)
    Xd, yd, swd = chunked(X, y, sw)
    Y_multi = np.column_stack([y == 0, y == 2]).astype(int)
    targets = np.column_stack([X[:, 0] + X[:, 1], np.sin(X[:, 2])])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)   # 30 epochs suffice here
        models = [
            (SigCoreMLPClassifier((8,), max_iter=30, random_state=0).fit(X, y), y,
             ("predict", "predict_proba", "predict_log_proba")),
            (SigCoreMLPClassifier((8,), max_iter=30, random_state=0).fit(X, Y_multi), Y_multi,
             ("predict", "predict_proba")),
            (SigCoreMLPRegressor((8,), max_iter=30, random_state=0).fit(X, targets), targets,
             ("predict",)),
        ]
        for model, target, methods in models:
            for method in methods:
                lazy = getattr(model, method)(Xd)
                assert isinstance(lazy, da.Array)
                np.testing.assert_allclose(lazy.compute(), getattr(model, method)(X),
                                           rtol=1e-12)
            target_d = da.from_array(target, chunks=(250,) + target.shape[1:])
            assert model.score(Xd, target_d, sample_weight=swd) == pytest.approx(
                model.score(X, target, sample_weight=sw), rel=1e-12)


def test_solvers_that_cannot_scale_out_say_so(client):
    X, y, sw = problem(2)
    Xd, yd, _ = chunked(X, y, sw)
    for solver in ("sag", "saga", "liblinear"):
        with pytest.raises(ValueError, match=f"solver='{solver}' cannot fit a dask X"):
            SigCoreLogisticRegression(solver=solver).fit(Xd, yd)


def test_bad_input_raises_and_keeps_fitted_model(client):
    X, y, sw = problem(2)
    Xd, yd, swd = chunked(X, y, sw)
    model = SigCoreLogisticRegression().fit(X, y)
    before = (model.coef_.copy(), model.intercept_.copy())
    X_nan = X.copy()
    X_nan[700, 3] = np.nan
    cases = [
        ((da.from_array(X_nan, chunks=(250, 8)), yd), {}, "Input X contains NaN"),
        ((Xd, da.zeros(X.shape[0], chunks=250)), {}, "at least 2 classes"),
        ((Xd, yd), {"sample_weight": -swd}, "Negative values in sample_weight"),
        ((Xd, yd), {"sample_weight": swd * np.nan}, "Input sample_weight contains NaN"),
        ((Xd, yd[:-1]), {}, "inconsistent numbers of samples"),
        ((Xd, da.from_array(np.linspace(0, 1, X.shape[0]), chunks=250)), {},
         "Unknown label type"),
    ]
    for args, kwargs, message in cases:
        with pytest.raises(ValueError, match=message):
            model.fit(*args, **kwargs)
        with pytest.raises(ValueError, match=message):   # the same as in memory
            clone(model).fit(*dask.compute(*args), **dict(zip(kwargs, dask.compute(
                *kwargs.values()))))
        np.testing.assert_array_equal(model.coef_, before[0])
        np.testing.assert_array_equal(model.intercept_, before[1])


def test_convergence_warning_and_warm_start(client):
    X, y, sw = problem(3)
    Xd, yd, swd = chunked(X, y, sw)
    with pytest.warns(ConvergenceWarning, match="lbfgs"):
        first = SigCoreLogisticRegression(max_iter=2, warm_start=True).fit(Xd, yd)
    local = SigCoreLogisticRegression(tol=1e-8).fit(X, y)
    first.set_params(max_iter=1000, tol=1e-8).fit(Xd, yd)   # continues from there
    assert_same_model(first, local)


def test_worker_killed_mid_fit_is_recomputed_or_raises(cluster, client):
    """A dead worker's chunks are recomputed from their graph and the fit ends
    at the same optimum, or the fit raises and the previous model stays."""
    X, y, sw = problem(3, n=4000, p=20, seed=5)
    Xd, yd, swd = chunked(X, y, sw, rows=500)
    params = dict(solver="newton-cg", tol=1e-10, max_iter=10000, C=100.0)
    local = SigCoreLogisticRegression(**params).fit(X, y, sample_weight=sw)
    model = SigCoreLogisticRegression().fit(X[:100], y[:100])
    previous = model.coef_.copy()
    outcome = {}

    def fit():
        try:
            model.set_params(**params).fit(Xd, yd, sample_weight=swd)
            outcome["fitted"] = True
        except Exception as exc:   # noqa: BLE001 - the test inspects it below
            outcome["error"] = exc

    pids = client.run(os.getpid)
    thread = threading.Thread(target=fit)
    thread.start()
    time.sleep(1.0)   # the chunks are persisted and the solver is iterating
    victim = sorted(pids)[0]
    os.kill(pids[victim], signal.SIGKILL)
    thread.join(timeout=120)
    assert not thread.is_alive()
    print("killed-worker outcome:", outcome)
    if "fitted" in outcome:
        assert_same_model(model, local, rtol=1e-5)
    else:
        np.testing.assert_array_equal(model.coef_, previous)
        assert "error" in outcome
    client.wait_for_workers(2, timeout=60)


def test_dask_ml_wrappers(client):
    wrappers = pytest.importorskip("dask_ml.wrappers")
    from sklearn_sigcore import SigCoreMLPClassifier

    X, y, _ = problem(2, n=2000, seed=6)
    Xd, yd = da.from_array(X, chunks=(500, 8)), da.from_array(y, chunks=500)
    for estimator in (SigCoreLogisticRegression(random_state=0),
                      SigCoreMLPClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.01,
                                           random_state=0)):
        incremental = wrappers.Incremental(clone(estimator), scoring="accuracy")
        for epoch in range(5):   # each call: one partial_fit per block
            incremental.partial_fit(Xd, yd, classes=[0, 1])
        assert incremental.score(Xd, yd) > 0.8
        post = wrappers.ParallelPostFit(clone(estimator)).fit(X, y)
        lazy = post.predict_proba(Xd)
        assert isinstance(lazy, da.Array)
        np.testing.assert_allclose(lazy.compute(), post.estimator.predict_proba(X),
                                   rtol=1e-12)
    # the regressor: Incremental over partial_fit (no classes), ParallelPostFit predict
    from sklearn_sigcore import SigCoreMLPRegressor
    target = X @ np.linspace(-1, 1, X.shape[1])
    td = da.from_array(target, chunks=500)
    regressor = SigCoreMLPRegressor(hidden_layer_sizes=(8,), learning_rate_init=0.01,
                                    random_state=0)
    incremental = wrappers.Incremental(clone(regressor))
    for epoch in range(20):
        incremental.partial_fit(Xd, td)
    # in memory: dask-ml's own r2_score fails on dask >= 2025 ("cannot broadcast")
    assert incremental.estimator_.score(X, target) > 0.8
    post = wrappers.ParallelPostFit(clone(regressor)).fit(X, target)
    lazy = post.predict(Xd)
    assert isinstance(lazy, da.Array)
    np.testing.assert_allclose(lazy.compute(), post.estimator.predict(X), rtol=1e-12)


def test_hyperband_search_over_alpha(client):
    model_selection = pytest.importorskip("dask_ml.model_selection")
    X, y, _ = problem(2, n=2000, seed=7)
    Xd, yd = da.from_array(X, chunks=(250, 8)), da.from_array(y, chunks=250)
    search = model_selection.HyperbandSearchCV(
        SigCoreLogisticRegression(random_state=0), {"alpha": [0.1, 0.5, 1.0, 2.0, 4.0]},
        max_iter=9, random_state=0)
    try:
        search.fit(Xd, yd, classes=[0, 1])
    except RuntimeError as exc:
        if "asynchronous Client in a synchronous context" not in str(exc):
            raise
        # runs in CI's oldest environment (dask 2025.2, dask-ml 2024.4)
        pytest.xfail("dask-ml#1016: HyperbandSearchCV calls dask.persist inside its "
                     "asynchronous loop, which dask >= 2025.3 refuses")
    assert search.best_params_["alpha"] in (0.1, 0.5, 1.0, 2.0, 4.0)
    assert search.best_score_ > 0.8
    assert search.score(Xd, yd) > 0.8
