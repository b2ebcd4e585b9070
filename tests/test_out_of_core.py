"""Training from chunks with partial_fit gives what an in-memory fit gives."""

import itertools

import numpy as np
import pytest
from sklearn.datasets import make_classification

from sklearn_sigcore import SigCoreLogisticRegression, SigCoreMLPClassifier


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=6000, n_features=10, n_informative=6,
                               random_state=0)
    return X[:5000], y[:5000], X[5000:], y[5000:]


def csv_chunks(path, rows):
    with open(path) as handle:
        while block := list(itertools.islice(handle, rows)):
            table = np.loadtxt(block, delimiter=",", ndmin=2)
            yield table[:, :-1], table[:, -1].astype(int)


def test_logistic_from_csv_chunks_matches_in_memory(data, tmp_path):
    X, y, X_test, y_test = data
    path = tmp_path / "train.csv"
    np.savetxt(path, np.column_stack([X, y]), delimiter=",")
    # chunks of 500 of 5000 rows: C times 10 for fit(C=1)'s model
    model = SigCoreLogisticRegression(alpha=1.0, C=10.0, random_state=0)
    seen = 0
    for epoch in range(5):
        for X_chunk, y_chunk in csv_chunks(path, rows=500):
            assert X_chunk.shape[0] <= 500   # never more than one chunk in memory
            model.partial_fit(X_chunk, y_chunk, classes=np.array([0, 1]))
            seen += X_chunk.shape[0]
    assert seen == 5 * X.shape[0]
    reference = SigCoreLogisticRegression(alpha=1.0).fit(X, y)
    agreement = np.mean(model.predict(X_test) == reference.predict(X_test))
    assert agreement >= 0.97
    assert model.score(X_test, y_test) >= reference.score(X_test, y_test) - 0.02
    np.testing.assert_allclose(model.predict_proba(X_test), reference.predict_proba(X_test),
                               atol=0.1)


@pytest.mark.parametrize("C_calls, matches", [(0.1, 0.01), (0.01, 0.001)])
def test_logistic_chunks_penalty_is_relative_to_each_call(data, C_calls, matches):
    # each call's objective is fit's on the call's rows, so chunks of 500 of
    # 5000 rows at C fit fit(C / 10)'s model; C times 10 fits fit(C)'s (the
    # README's recipe); the two fits differ by about 50 %
    X, y, _, _ = data
    model = SigCoreLogisticRegression(C=C_calls, random_state=0)
    for epoch in range(5):
        for start in range(0, len(y), 500):
            model.partial_fit(X[start:start + 500], y[start:start + 500], classes=[0, 1])
    reference = SigCoreLogisticRegression(C=matches, tol=1e-10).fit(X, y)
    other = SigCoreLogisticRegression(C=0.01 if matches == 0.001 else 0.001,
                                      tol=1e-10).fit(X, y)
    distance = [np.linalg.norm(model.coef_ - m.coef_) / np.linalg.norm(m.coef_)
                for m in (reference, other)]
    assert distance[0] < 0.1 < 0.5 < distance[1]


def test_mlp_from_dask_array_blocks_matches_in_memory(data):
    da = pytest.importorskip("dask.array")
    X, y, X_test, y_test = data
    X_dask = da.from_array(X, chunks=(500, X.shape[1]))
    y_dask = da.from_array(y, chunks=500)
    model = SigCoreMLPClassifier(hidden_layer_sizes=(16,), random_state=0)
    for epoch in range(20):
        for X_block, y_block in zip(X_dask.to_delayed().ravel(), y_dask.to_delayed()):
            model.partial_fit(X_block.compute(), y_block.compute(), classes=np.array([0, 1]))
    reference = SigCoreMLPClassifier(hidden_layer_sizes=(16,), random_state=0,
                                     max_iter=20).fit(X, y)
    assert model.score(X_test, y_test) >= reference.score(X_test, y_test) - 0.03
    assert np.mean(model.predict(X_test) == reference.predict(X_test)) >= 0.9
