"""What the estimators share, tested once through every estimator that uses it."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import make_classification
from sklearn.utils.class_weight import compute_class_weight

from sklearn_sigcore import (
    SigCoreLogisticRegression,
    SigCoreMLPClassifier,
    SigCoreMLPRegressor,
)

@pytest.fixture(scope="module")
def three_classes():
    X, y = make_classification(300, 6, n_informative=4, n_classes=3, random_state=0)
    return X, y


def _balanced_over_present(y, sample_weight):
    """compute_class_weight('balanced') over the classes of positive weight."""
    present = np.unique(y[sample_weight > 0])
    cw = dict(zip(present, compute_class_weight("balanced", classes=present,
                                                y=y[sample_weight > 0])))
    return np.array([cw.get(c, 0.0) for c in y])


@pytest.mark.parametrize("make", [
    lambda: SigCoreLogisticRegression(C=0.05, tol=1e-10, max_iter=1000),
    lambda: SigCoreMLPClassifier((5,), max_iter=20, l2=5.0, random_state=0),
], ids=["logistic", "mlp"])
def test_balanced_weights_of_a_class_without_weight(three_classes, make):
    # Class 2 has samples, all of weight 0: 'balanced' weighs the two other
    # classes as scikit-learn's compute_class_weight does over those classes
    # (the L2 term is divided by the total weight, so its scale matters).
    X, y = three_classes
    sw = (y != 2).astype(float)
    balanced = make().set_params(class_weight="balanced").fit(X, y, sample_weight=sw)
    explicit = make().fit(X, y, sample_weight=sw * _balanced_over_present(y, sw))
    assert_allclose(balanced.predict_proba(X), explicit.predict_proba(X), rtol=1e-6,
                    atol=1e-9)


@pytest.mark.parametrize("make", [
    lambda: SigCoreLogisticRegression(C=0.05, random_state=0),
    lambda: SigCoreMLPClassifier((5,), l2=5.0, random_state=0, shuffle=False),
], ids=["logistic", "mlp"])
def test_balanced_weights_in_a_partial_fit_batch_missing_a_class(three_classes, make):
    X, y = three_classes
    keep = y != 1
    Xb, yb = X[keep], y[keep]
    ones = np.ones(len(yb))
    balanced = make().set_params(class_weight="balanced")
    balanced.partial_fit(Xb, yb, classes=[0, 1, 2])
    explicit = make().partial_fit(Xb, yb, classes=[0, 1, 2],
                                  sample_weight=_balanced_over_present(yb, ones))
    assert_allclose(balanced.predict_proba(X), explicit.predict_proba(X), rtol=1e-6,
                    atol=1e-9)


class StopAtThirdIteration:
    """A callback asking the fit to stop at the end of its third iteration."""

    def __init__(self):
        self.ends = 0

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context, **kwargs):
        pass

    def on_fit_task_end(self, estimator, context, **kwargs):
        self.ends += 1
        return self.ends >= 3


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("make", [
    lambda: SigCoreMLPClassifier((8,), solver="lbfgs", max_iter=50, random_state=0),
    lambda: SigCoreMLPRegressor((8,), solver="lbfgs", max_iter=50, random_state=0),
    lambda: SigCoreLogisticRegression(solver="lbfgs", tol=1e-12, max_iter=50),
], ids=["mlp-classifier", "mlp-regressor", "logistic"])
def test_a_callback_stops_lbfgs(three_classes, make):
    pytest.importorskip("sklearn.callback")
    X, y = three_classes
    model = make().set_callbacks(StopAtThirdIteration()).fit(X, y)
    assert int(np.ravel(model.n_iter_)[0]) == 3
    if hasattr(model, "loss_curve_"):
        assert len(model.loss_curve_) == 3
        # the model is the third iterate: its loss is the curve's last value
        assert model.loss_ == model.loss_curve_[-1]


def test_warnings_point_at_the_users_call():
    # the ConvergenceWarning and the small-gain warning name the line that
    # called fit (it named a line inside the package, at a depth that
    # differed between estimators)
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    fits = [lambda: SigCoreMLPRegressor(max_iter=2).fit(X, y),
            lambda: SigCoreMLPClassifier(solver="lbfgs", max_iter=2).fit(X, y),
            lambda: SigCoreMLPClassifier(alpha=1e-4, max_iter=1).fit(X, y),
            lambda: SigCoreLogisticRegression(max_iter=1).fit(X, y),
            lambda: SigCoreLogisticRegression(max_iter=1, solver="sag").fit(X, y)]
    for fit in fits:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fit()
        assert caught
        for w in caught:
            assert w.filename == __file__, (w.category, w.filename)


PEERS = [
    (SigCoreLogisticRegression(), "LogisticRegression"),
    (SigCoreMLPClassifier((4,), alpha=1.0, max_iter=5, random_state=0), "MLPClassifier"),
    (SigCoreMLPRegressor((4,), alpha=1.0, max_iter=5, random_state=0), "MLPRegressor"),
]


@pytest.mark.parametrize("ours, peer", PEERS, ids=[p for _, p in PEERS])
def test_predictions_validate_X_as_scikit_learn(three_classes, ours, peer):
    # a fit parses numeric strings (dtype float64 / float32), a prediction
    # refuses them (dtype 'numeric'): scikit-learn's rules, so that a wrong
    # column of text is not silently read as numbers
    from sklearn import linear_model, neural_network

    Peer = getattr(linear_model, peer, None) or getattr(neural_network, peer)
    X, y = three_classes
    X_text = X.round(3).astype(str)
    kw = dict(max_iter=5, random_state=0) if peer.startswith("MLP") else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = Peer(**kw).fit(X_text, y)
        model = ours.fit(X_text, y)
    assert model.n_features_in_ == theirs.n_features_in_
    with pytest.raises(ValueError) as expected:
        theirs.predict(X_text)
    with pytest.raises(ValueError) as got:
        model.predict(X_text)
    assert str(got.value) == str(expected.value)
    # integer X is numeric: predicted as its float64 values
    X_int = np.rint(X * 10).astype(np.int64)
    assert np.array_equal(model.predict(X_int), model.predict(X_int.astype(np.float64)))


@pytest.mark.parametrize("ours, peer", PEERS, ids=[p for _, p in PEERS])
def test_float_arrays_predict_checked_as_scikit_learn(three_classes, ours, peer,
                                                     monkeypatch):
    # float ndarrays skip validate_data (validate_predict_X's direct
    # checks): the same predictions, errors and warnings as through it
    import pandas as pd
    import sklearn
    from sklearn import linear_model, neural_network

    from sklearn_sigcore import _estimator_utils
    from sklearn_sigcore._estimator_utils import _plain_predict_X

    Peer = getattr(linear_model, peer, None) or getattr(neural_network, peer)
    X, y = three_classes
    kw = dict(max_iter=5, random_state=0) if peer.startswith("MLP") else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = Peer(**kw).fit(X, y)
        model = sklearn.clone(ours).fit(X, y)
    methods = ["predict"] + (["predict_proba"] if hasattr(model, "predict_proba") else [])
    for Xp in (X, np.asfortranarray(X), X.astype(np.float32), X[::-2]):
        assert _plain_predict_X(model, Xp)
        for method in methods:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                fast = getattr(model, method)(Xp)
            with monkeypatch.context() as patch:     # the same X through validate_data
                patch.setattr(_estimator_utils, "_plain_predict_X", lambda *args: False)
                assert np.array_equal(fast, getattr(model, method)(Xp)), method
            # a contiguous copy: the same up to the products' rounding (NumPy < 2
            # takes strided operands by another route)
            assert_allclose(fast, getattr(model, method)(Xp.tolist()), rtol=1e-12, atol=1e-14)

    def message(call):
        with pytest.raises(ValueError) as raised:
            call()
        return str(raised.value).replace(type(model).__name__, peer)

    bad = {"NaN": X.copy(), "inf": X.copy(), "narrow": X[:, :-1], "no rows": X[:0]}
    bad["NaN"][3, 2] = np.nan
    bad["inf"][5, 1] = -np.inf
    for name, Xb in bad.items():
        assert not _plain_predict_X(model, Xb)
        assert message(lambda: model.predict(Xb)) == message(lambda: theirs.predict(Xb)), name
    # finite X whose sum overflows: the general path, without a warning here
    huge = np.full_like(X, 1e308)
    with np.errstate(all="raise"):
        assert not _plain_predict_X(model, huge)
    # assume_finite: no check, as scikit-learn
    with sklearn.config_context(assume_finite=True):
        assert _plain_predict_X(model, bad["NaN"])
        model.predict(bad["NaN"])
        theirs.predict(bad["NaN"])
    # a model fitted with feature names warns about X without them
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=Warning)
        model.fit(frame, y)
    assert not _plain_predict_X(model, X)
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        model.predict(X)


def _blas_thread_counts():
    from threadpoolctl import threadpool_info

    return [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]


def test_blas_threads_limits_and_restores():
    from threadpoolctl import threadpool_limits

    from sklearn_sigcore._threads import blas_threads, outer_blas_threads

    with threadpool_limits(limits=2, user_api="blas"):
        before = _blas_thread_counts()
        assert set(before) == {2}
        with blas_threads(1):
            assert set(_blas_thread_counts()) == {1}
            with outer_blas_threads():
                assert set(_blas_thread_counts()) == {2}
            assert set(_blas_thread_counts()) == {1}
            with blas_threads(None):
                assert set(_blas_thread_counts()) == {1}
        assert _blas_thread_counts() == before
        with pytest.raises(RuntimeError):
            with blas_threads(1):
                raise RuntimeError("inside")
        assert _blas_thread_counts() == before


def test_blas_threads_leave_other_threads_in_control():
    # OpenBLAS on its own threads takes limits from one Python thread at a
    # time (threadpoolctl >= 3.8): a prediction on the main thread must not
    # keep that control from the others
    import threading

    from threadpoolctl import threadpool_limits

    from sklearn_sigcore._threads import blas_threads

    with blas_threads(1):
        pass
    seen = []

    def work():
        with threadpool_limits(limits=2, user_api="blas"):
            seen.append(_blas_thread_counts())
            with blas_threads(1):
                seen.append(_blas_thread_counts())

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    assert [set(c) for c in seen] == [{2}, {1}]
