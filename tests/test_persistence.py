"""Saving and loading: pickle, joblib and skops round trips, plain state, version warning."""

import copy
import io
import pickle
import warnings

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_array_equal
from sklearn.base import BaseEstimator
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning, InconsistentVersionWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sklearn_sigcore
from sklearn_sigcore import (
    SigCoreLogisticRegression,
    SigCoreMLPClassifier,
    SigCoreMLPRegressor,
)

from _helpers import penalty_params

sio = pytest.importorskip("skops.io")

PREDICT_METHODS = ("predict", "predict_proba", "decision_function")


@pytest.fixture(scope="module")
def data():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    multilabel = np.c_[y == 0, y == 2, X[:, 0] > 0].astype(int)
    targets = {
        "multiclass": labels,
        "objects": labels.astype(object),   # as pandas hands labels over
        "binary": (y == 2).astype(int),
        "multilabel": multilabel,
        "single": X[:, 0] + 0.5 * X[:, 1] ** 2,
        "multi": np.c_[X[:, 0] - X[:, 2], X[:, 1] * X[:, 3]],
        "unit": 1 / (1 + np.exp(-X[:, 2])),   # targets in [0, 1] for the σ output
    }
    return X, targets


def _sparsified(est, X, y):
    return est.sparsify()


def _streamed(est, X, y):
    return est.partial_fit(X, y)


# name: (factory, target, dtype, after fit, how training continues)
CASES = {
    "logistic-lbfgs": (lambda: SigCoreLogisticRegression(alpha=2.0), "multiclass",
                       np.float64, None, "warm_start"),
    "logistic-newton-cholesky-binary": (
        lambda: SigCoreLogisticRegression(solver="newton-cholesky"), "binary",
        np.float64, None, "warm_start"),
    "logistic-saga-l1-sparsified": (
        lambda: SigCoreLogisticRegression(solver="saga", max_iter=300, random_state=0,
                                          **penalty_params("l1", C=0.05)),
        "multiclass", np.float64, _sparsified, None),
    "logistic-newton-cg-object-labels": (
        lambda: SigCoreLogisticRegression(solver="newton-cg"), "objects", np.float64, None,
        "warm_start"),
    "logistic-liblinear": (lambda: SigCoreLogisticRegression(solver="liblinear"), "binary",
                           np.float64, None, None),
    "logistic-fista-float32": (lambda: SigCoreLogisticRegression(solver="fista"),
                               "multiclass", np.float32, None, None),
    "logistic-partial_fit": (lambda: SigCoreLogisticRegression(alpha=0.5, random_state=0),
                             "multiclass", np.float64, None, "partial_fit"),
    "logistic-saved-after-partial_fit": (  # its step-size schedule is in the state
        lambda: SigCoreLogisticRegression(random_state=0), "binary", np.float32, _streamed,
        "partial_fit"),
    "mlp-binary-adam": (lambda: SigCoreMLPClassifier((6,), max_iter=30, random_state=0),
                        "binary", np.float64, None, "partial_fit"),
    "mlp-multiclass-sgd": (lambda: SigCoreMLPClassifier(
        (6, 5), solver="sgd", learning_rate="adaptive", max_iter=30, random_state=0),
        "multiclass", np.float64, None, "partial_fit"),
    "mlp-multilabel": (lambda: SigCoreMLPClassifier((6,), max_iter=30, random_state=0),
                       "multilabel", np.float64, None, "partial_fit"),
    "mlp-learn-alpha-unit-auto": (lambda: SigCoreMLPClassifier(
        (6, 6), alpha="auto", learn_alpha="unit", max_iter=30, random_state=0),
        "multiclass", np.float64, None, "partial_fit"),
    "mlp-learn-alpha-lbfgs": (lambda: SigCoreMLPClassifier(
        (6,), alpha=[3.0], learn_alpha="layer", solver="lbfgs", max_iter=30,
        warm_start=True, random_state=0), "multiclass", np.float64, None, "warm_start"),
    "mlp-float32-auto": (lambda: SigCoreMLPClassifier(
        (6,), alpha="auto", max_iter=30, random_state=0), "multiclass", np.float32, None,
        "partial_fit"),
    "regressor-single": (lambda: SigCoreMLPRegressor((6,), max_iter=30, random_state=0),
                         "single", np.float64, None, "partial_fit"),
    "regressor-multi-warm": (lambda: SigCoreMLPRegressor(
        (6,), solver="sgd", max_iter=30, warm_start=True, random_state=0), "multi",
        np.float64, None, "warm_start"),
    "regressor-sigmoid-out": (lambda: SigCoreMLPRegressor(
        (6,), out_activation="sigmoid", learn_alpha="layer", max_iter=30, random_state=0),
        "unit", np.float32, None, "partial_fit"),
}


def fitted(name, data, pipeline=False):
    factory, target, dtype, after, _ = CASES[name]
    X, targets = data
    est = factory()
    if pipeline:
        est = make_pipeline(StandardScaler(), est)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X.astype(dtype), targets[target])
    if after is not None:
        after(est, X.astype(dtype), targets[target])
    return est


def round_trip(est, how, tmp_path):
    """est saved and loaded through pickle, joblib or skops (trusting what it lists)."""
    path = tmp_path / "model"
    if how == "pickle":
        return pickle.loads(pickle.dumps(est))
    if how == "joblib":
        joblib.dump(est, path)
        return joblib.load(path)
    sio.dump(est, path)
    return sio.load(path, trusted=sio.get_untrusted_types(file=path))


def predictions(est, X):
    return {m: getattr(est, m)(X) for m in PREDICT_METHODS if hasattr(est, m)}


def assert_same_predictions(a, b, X):
    expected, got = predictions(a, X), predictions(b, X)
    assert expected.keys() == got.keys()
    for method, value in expected.items():
        assert got[method].dtype == value.dtype, method
        assert_array_equal(got[method], value, err_msg=method)


def assert_same_state(a, b, nested=False):
    """The same instance dicts: equal arrays (and dtypes), equal plain values.

    Nested objects are compared by the state they pickle (without caches).
    """
    assert type(a) is type(b)
    getstate = getattr(a, "__getstate__", None) if nested else None
    da, db = (getstate(), b.__getstate__()) if getstate is not None else (vars(a), vars(b))
    assert da.keys() == db.keys()
    for key, value in da.items():
        other = db[key]
        if sp.issparse(value):
            assert sp.issparse(other) and value.format == other.format, key
            value, other = value.toarray(), other.toarray()
        if isinstance(value, np.ndarray):
            assert other.dtype == value.dtype, key
            assert_array_equal(other, value, err_msg=key)
        elif isinstance(value, list) and value and isinstance(value[0], np.ndarray):
            assert len(value) == len(other), key
            for u, v in zip(value, other):
                assert v.dtype == u.dtype, key
                assert_array_equal(v, u, err_msg=key)
        elif type(value).__module__.startswith(("sklearn_sigcore", "sklearn.")):
            assert_same_state(value, other, nested=True)  # helpers, LabelBinarizer
        else:
            assert other == value, key


def qualified_name(obj):
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


@pytest.mark.parametrize("how", ["pickle", "joblib", "skops"])
@pytest.mark.parametrize("name", CASES)
def test_round_trip_keeps_predictions_and_state(name, how, data, tmp_path):
    est = fitted(name, data)
    loaded = round_trip(est, how, tmp_path)
    X = data[0].astype(CASES[name][2])
    assert_same_predictions(est, loaded, X)
    assert_same_state(est, loaded)
    # the loaded model keeps working on data of the other dtype too
    assert_same_predictions(est, loaded, X.astype(np.float32 if X.dtype == np.float64
                                                  else np.float64))


@pytest.mark.parametrize("name", CASES)
def test_skops_lists_only_our_estimator_class(name, data, tmp_path):
    est = fitted(name, data)
    path = tmp_path / "model.skops"
    sio.dump(est, path)
    assert set(sio.get_untrusted_types(file=path)) == {qualified_name(est)}
    assert qualified_name(est).startswith("sklearn_sigcore.")
    with pytest.raises(Exception, match="[Uu]ntrusted"):
        sio.load(path, trusted=[])


@pytest.mark.parametrize("how", ["pickle", "joblib", "skops"])
@pytest.mark.parametrize("name", ["logistic-lbfgs", "mlp-learn-alpha-unit-auto",
                                  "regressor-sigmoid-out", "mlp-multilabel"])
def test_pipeline_round_trip(name, how, data, tmp_path):
    pipe = fitted(name, data, pipeline=True)
    path = tmp_path / "pipe.skops"
    sio.dump(pipe, path)
    assert set(sio.get_untrusted_types(file=path)) == {qualified_name(pipe[-1])}
    loaded = round_trip(pipe, how, tmp_path)
    X = data[0].astype(CASES[name][2]) * 3.0 + 1.0
    assert_same_predictions(pipe, loaded, X)
    assert_same_state(pipe[-1], loaded[-1])


PLAIN_LEAVES = (str, bytes, int, float, bool, type(None), np.generic)


def assert_plain(value, where):
    """Only containers of numbers, strings and arrays (and scikit-learn's objects)."""
    if isinstance(value, (dict, list, tuple)):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if isinstance(value, dict):
                assert isinstance(key, str), f"{where}: key {key!r}"
            assert_plain(item, f"{where}[{key!r}]")
    elif isinstance(value, np.ndarray) or sp.issparse(value):
        assert value.dtype != object or all(isinstance(v, str) for v in value.ravel()), where
    elif isinstance(value, BaseEstimator) and type(value).__module__.startswith("sklearn."):
        assert_plain(value.__getstate__(), where)
    else:
        assert isinstance(value, PLAIN_LEAVES), f"{where}: {type(value)!r}"


@pytest.mark.parametrize("name", CASES)
def test_pickled_state_is_plain(name, data):
    est = fitted(name, data)
    est.predict(data[0][:3])            # predicting must not leave caches in the state
    state = est.__getstate__()
    assert_plain(state, type(est).__name__)
    assert not any(type(v).__module__.startswith("sklearn_sigcore") for v in state.values())


def continue_training(est, how, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if how == "partial_fit":
            est.partial_fit(X, y)
            est.partial_fit(X[::-1], y[::-1])
        else:
            est.set_params(warm_start=True, max_iter=5).fit(X, y)
    return est


@pytest.mark.parametrize("how", ["pickle", "skops"])
@pytest.mark.parametrize("name", [n for n, case in CASES.items() if case[4]])
def test_training_continues_as_without_round_trip(name, how, data, tmp_path):
    X, targets = data
    X = X.astype(CASES[name][2])
    y = targets[CASES[name][1]]
    unsaved, saved = fitted(name, data), fitted(name, data)
    assert_same_state(unsaved, saved)           # fitting is deterministic
    loaded = round_trip(saved, how, tmp_path)
    continue_training(unsaved, CASES[name][4], X, y)
    continue_training(loaded, CASES[name][4], X, y)
    assert_same_state(unsaved, loaded)
    assert_same_predictions(unsaved, loaded, X)


def test_feature_names_survive(data, tmp_path):
    pd = pytest.importorskip("pandas")
    X, targets = data
    frame = pd.DataFrame(X, columns=["sepal length", "sepal width", "petal length", "pw"])
    for est in (SigCoreLogisticRegression(), SigCoreMLPRegressor((4,), solver="lbfgs",
                                                                 random_state=0)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(frame, targets["binary"])
        path = tmp_path / "model.skops"
        sio.dump(est, path)
        assert set(sio.get_untrusted_types(file=path)) == {qualified_name(est)}
        loaded = sio.load(path, trusted=[qualified_name(est)])
        assert_array_equal(loaded.feature_names_in_, frame.columns)
        assert_array_equal(loaded.predict(frame), est.predict(frame))
        with pytest.warns(UserWarning, match="feature names"):
            loaded.predict(X)            # the names are still checked


def test_logistic_partial_fit_from_scratch_after_round_trip(data, tmp_path):
    """An unfitted estimator round-trips too, and its first partial_fit is the same."""
    X, targets = data
    y = targets["multiclass"]
    est = SigCoreLogisticRegression(random_state=0)
    loaded = round_trip(est, "skops", tmp_path)
    classes = np.unique(y)
    assert_same_state(est.partial_fit(X, y, classes=classes),
                      loaded.partial_fit(X, y, classes=classes))


# --------------------------------------------------------------- versions
def version_key(est):
    """The state entry holding the saved sklearn_sigcore version."""
    state = est.__getstate__()
    keys = [k for k, v in state.items()
            if k not in vars(est) and v == sklearn_sigcore.__version__]
    assert len(keys) == 1, keys
    return keys[0]


@pytest.mark.parametrize("name", ["logistic-lbfgs", "mlp-binary-adam",
                                  "regressor-single"])
def test_tampered_version_warns(name, data):
    est = fitted(name, data)
    key = version_key(est)
    state = est.__getstate__()
    state[key] = "0.0.1"
    clone = object.__new__(type(est))
    with pytest.warns(InconsistentVersionWarning) as record:
        clone.__setstate__(state)
    (w,) = [r.message for r in record]
    assert type(w).__name__ == "SigCoreVersionWarning"
    assert (w.estimator_name, w.original_version, w.current_version) == (
        type(est).__name__, "0.0.1", sklearn_sigcore.__version__)
    message = str(w)
    for part in (type(est).__name__, "0.0.1", sklearn_sigcore.__version__):
        assert part in message
    assert key not in vars(clone)
    assert_same_predictions(est, clone, data[0])

    # a model saved before versions were recorded warns too
    del state[key]
    with pytest.warns(InconsistentVersionWarning, match="unknown"):
        object.__new__(type(est)).__setstate__(state)


def saved_by(version, est, how, monkeypatch, tmp_path):
    with monkeypatch.context() as m:
        m.setattr(sklearn_sigcore, "__version__", version)
        if how == "pickle":
            return io.BytesIO(pickle.dumps(est))
        path = tmp_path / "model.skops"
        sio.dump(est, path)
        return path


def load(saved, how):
    if how == "pickle":
        return pickle.load(saved)
    return sio.load(saved, trusted=sio.get_untrusted_types(file=saved))


@pytest.mark.parametrize("how", ["pickle", "skops"])
def test_version_warning_through_pickle_and_skops(how, data, monkeypatch, tmp_path):
    pipe = fitted("mlp-learn-alpha-unit-auto", data, pipeline=True)
    saved = saved_by("0.0.1", pipe, how, monkeypatch, tmp_path)
    with pytest.warns(InconsistentVersionWarning,
                      match=rf"SigCoreMLPClassifier saved by sklearn_sigcore 0\.0\.1 with "
                            rf"sklearn_sigcore {sklearn_sigcore.__version__}"):
        loaded = load(saved, how)
    assert_same_predictions(pipe, loaded, data[0])

    same = saved_by(sklearn_sigcore.__version__, pipe, how, monkeypatch, tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_same_predictions(pipe, load(same, how), data[0])


def test_copies_do_not_warn(data):
    est = fitted("mlp-multiclass-sgd", data)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for other in (copy.deepcopy(est), copy.copy(est)):
            assert_same_predictions(est, other, data[0])


# Classes that exist (in this package, SciPy or builtins) but are not among the
# helpers __setstate__ rebuilds: a tag naming one is refused like an unknown name.
@pytest.mark.parametrize("name", ["NoSuchHelper", "Network", "SigCoreMLPClassifier",
                                  "coo_matrix", "spmatrix", "object", "__class__"])
def test_unknown_internal_object_is_a_clear_error(name, data):
    est = fitted("mlp-binary-adam", data)
    state = est.__getstate__()
    tagged = [k for k, v in state.items() if isinstance(v, dict) and len(v) == 2
              and "state" in v]
    assert tagged                      # the network's helpers are saved as plain dicts
    (tag,) = state[tagged[0]].keys() - {"state"}
    state[tagged[0]] = {tag: name, "state": {}}
    with pytest.raises(ValueError, match=f"SigCoreMLPClassifier.*'{name}'"):
        object.__new__(type(est)).__setstate__(state)


def test_invalid_sparse_coef_is_refused(data, tmp_path):
    """A sparse coef_ is rebuilt from three saved arrays: out-of-range indices
    (which SciPy's kernels would read without bounds checks) fail at load."""
    est = fitted("logistic-saga-l1-sparsified", data)
    state = est.__getstate__()
    (key,) = [k for k, v in state.items() if isinstance(v, dict) and "state" in v
              and "indices" in v["state"]]
    assert key == "coef_"
    saved = state[key]["state"]
    assert saved["indices"].size
    bad = dict(state)
    bad[key] = {**state[key], "state": {**saved, "indices": saved["indices"] + 10**6}}
    with pytest.raises(ValueError, match="SigCoreLogisticRegression.*not a valid sparse"):
        object.__new__(type(est)).__setstate__(bad)
    # a skops file holding such a matrix lists only our class as untrusted, and
    # a load trusting it stops in __setstate__
    coef = est.coef_
    est.coef_ = type(coef)((coef.data, coef.indices + 10**6, coef.indptr), shape=coef.shape)
    path = tmp_path / "model.skops"
    sio.dump(est, path)
    assert set(sio.get_untrusted_types(file=path)) == {qualified_name(est)}
    with pytest.raises(ValueError, match="not a valid sparse"):
        sio.load(path, trusted=[qualified_name(est)])
