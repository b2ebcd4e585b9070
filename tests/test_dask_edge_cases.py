"""dask inputs users hand over that are not plain float chunks: pandas
extension dtypes, empty blocks and partitions, column-vector and two-column
targets, partitions of X and y that differ, extreme scales.  dask's threaded
scheduler is enough here; tests/test_dask_fit.py covers the cluster."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning

from sklearn_sigcore import SigCoreLogisticRegression, SigCoreMLPClassifier, SigCoreMLPRegressor

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
pd = pytest.importorskip("pandas")


@pytest.fixture(autouse=True)
def threaded_scheduler():
    with dask.config.set(scheduler="threads"):
        yield


def data(n=300, p=5, seed=0):
    X, y = make_classification(n_samples=n, n_features=p, random_state=seed)
    return X, y


def frame(X):
    return pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])


@pytest.mark.parametrize("column_dtype, fitted_dtype", [
    ("Float64", np.float64), ("Float32", np.float32), ("Int64", np.float64),
    ("double[pyarrow]", np.float64)])
def test_dataframe_with_pandas_extension_dtypes(column_dtype, fitted_dtype):
    if "pyarrow" in column_dtype:
        pytest.importorskip("pyarrow")
    X, y = data()
    if column_dtype == "Int64":
        X = np.round(X * 3)
    local_frame = frame(X).astype(column_dtype)
    remote = SigCoreLogisticRegression(tol=1e-10).fit(
        dd.from_pandas(local_frame, npartitions=3), dd.from_pandas(pd.Series(y), npartitions=3))
    local = SigCoreLogisticRegression(tol=1e-10).fit(X.astype(fitted_dtype), y)
    assert remote.coef_.dtype == fitted_dtype
    np.testing.assert_allclose(remote.coef_, local.coef_,
                               rtol=1e-3 if fitted_dtype == np.float32 else 1e-7)


def fitted_models(X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)   # a few epochs suffice
        return [
            (SigCoreLogisticRegression().fit(X, y),
             ("predict", "predict_proba", "predict_log_proba", "decision_function")),
            (SigCoreMLPClassifier((4,), max_iter=5, random_state=0).fit(X, y),
             ("predict", "predict_proba")),
            (SigCoreMLPRegressor((4,), max_iter=5, random_state=0).fit(X, y.astype(float)),
             ("predict",)),
        ]


@pytest.mark.filterwarnings("ignore:X has feature names")
def test_lazy_predictions_over_empty_blocks_and_partitions():
    X, y = data()
    blocks = da.from_array(X, chunks=((100, 0, 150, 0, 50), (X.shape[1],)))
    ordered = X[np.argsort(X[:, 0])]
    partitions = dd.from_pandas(frame(ordered), npartitions=3, sort=False)
    partitions = partitions[partitions["f0"] > 1.0]       # the first two left empty
    kept = ordered[ordered[:, 0] > 1.0]
    assert partitions.map_partitions(len).compute().tolist() == [0, 0, len(kept)]
    for model, methods in fitted_models(X, y):
        for method in methods:
            expected = getattr(model, method)(X)
            np.testing.assert_allclose(getattr(model, method)(blocks).compute(), expected,
                                       rtol=1e-12)
            np.testing.assert_allclose(getattr(model, method)(partitions).compute(),
                                       getattr(model, method)(kept), rtol=1e-12)
            np.testing.assert_allclose(getattr(model, method)(blocks[100:100]).compute(),
                                       expected[:0])


def test_score_with_a_column_vector_y():
    X, y = data()
    Xd = da.from_array(X, chunks=100)
    for model, _ in fitted_models(X, y):
        target = y.astype(float) if isinstance(model, SigCoreMLPRegressor) else y
        column = da.from_array(target[:, None], chunks=100)
        assert model.score(Xd, column) == pytest.approx(model.score(X, target), rel=1e-12)


def test_score_on_dataframes_raises_no_dask_warning():
    X, y = data()
    model = SigCoreLogisticRegression().fit(frame(X), y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        score = model.score(dd.from_pandas(frame(X), npartitions=3),
                            dd.from_pandas(pd.Series(y), npartitions=3))
    assert score == pytest.approx(model.score(frame(X), y))


def test_y_split_otherwise_than_the_dataframe():
    X, y = data()
    Xf = dd.from_pandas(frame(X), npartitions=3)
    local = SigCoreLogisticRegression(tol=1e-10).fit(X, y)
    for y_parts in (dd.from_pandas(pd.Series(y), npartitions=2),
                    dd.from_pandas(pd.Series(y), npartitions=3).repartition(
                        divisions=[0, 50, 150, 299])):
        remote = SigCoreLogisticRegression(tol=1e-10).fit(Xf, y_parts)
        np.testing.assert_allclose(remote.coef_, local.coef_, rtol=1e-7)
    # lengths dask does not know: checked in the tasks, with what to do
    unknown = dd.from_pandas(pd.Series(y), npartitions=3).repartition(
        divisions=[0, 50, 150, 299]).clear_divisions()
    with pytest.raises(ValueError, match=r"inconsistent numbers of samples.*repartition"):
        SigCoreLogisticRegression().fit(Xf.clear_divisions(), unknown)


def test_bad_target_shapes_say_what_is_wrong():
    X, y = data()
    Xf = dd.from_pandas(frame(X), npartitions=3)
    two_columns = dd.from_pandas(pd.DataFrame({"a": y, "b": y}), npartitions=3)
    with pytest.raises(ValueError, match=r"y should be a 1d array.*\(300, 2\)"):
        SigCoreLogisticRegression().fit(Xf, two_columns)
    model = SigCoreLogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match="Expected a 2D array for X, got a 1D dask array"):
        model.predict(da.from_array(X[:, 0], chunks=100))


def test_column_vector_y_warning_names_the_callers_line():
    X, y = data()
    with pytest.warns(DataConversionWarning, match="column-vector y") as record:
        SigCoreLogisticRegression().fit(da.from_array(X, chunks=100),
                                        da.from_array(y[:, None], chunks=100))
    assert record[0].filename == __file__


def test_penalty_underflow_is_judged_on_the_scale_of_x():
    # C alpha^2 = 1e-304 is below the cap, but the columns of X (RMS ~1e152)
    # bear a penalty 1e304 times larger: alpha X = X, the same model as alpha=1
    X, y = data()
    reference = SigCoreLogisticRegression(tol=1e-10).fit(X, y)
    remote = SigCoreLogisticRegression(alpha=1e-152, tol=1e-10).fit(
        da.from_array(X * 1e152, chunks=100), da.from_array(y, chunks=100))
    np.testing.assert_allclose(remote.coef_ * 1e-152 * 1e152, reference.coef_, rtol=1e-6)
