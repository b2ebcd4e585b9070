"""The SAG / SAGA kernel against scikit-learn's sag and saga solvers.

scikit-learn is the independent reference: LogisticRegression(solver='sag' or
'saga') minimises (1/S) sum_i s_i l_i + l2/2 ||W||^2 + l1 ||W||_1 with
l2 = (1 - l1_ratio) / (C S) and l1 = l1_ratio / (C S), S the total sample
weight.  Both sides are solved to a tight tolerance, so the fits agree to far
better than the 1e-4 asserted.  The dense path and the lazy (CSR) path run the
same iterates for the same seed, which checks the just-in-time bookkeeping.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from sklearn_sigcore._sag_fast import sag_solve

from _helpers import penalty_params

TIGHT = dict(tol=1e-10, max_iter=100_000)


def data(n_classes=2, n=400, p=10, seed=0, sparsify=False):
    X, y = make_classification(n, p, n_informative=6, n_redundant=0, n_classes=n_classes,
                               random_state=seed)
    X = StandardScaler().fit_transform(X)
    if sparsify:
        # about 30 % non-zeros, some empty rows
        X[np.abs(X) < 1.0] = 0.0
    return X, y.astype(np.float64)


def solve(X, y, n_classes, *, solver="sag", C=1.0, l1_ratio=0.0, sample_weight=None,
          fit_intercept=True, **kwargs):
    """sag_solve at scikit-learn's (C, l1_ratio), from zeros."""
    K = 1 if n_classes == 2 else n_classes
    total = X.shape[0] if sample_weight is None else sample_weight.sum()
    options = dict(saga=solver == "saga", seed=0, **TIGHT)
    options.update(kwargs)
    return sag_solve(X, y, sample_weight, K, fit_intercept,
                     (1 - l1_ratio) / (C * total), l1_ratio / (C * total),
                     np.zeros((K, X.shape[1])), np.zeros(K), **options)


def reference(X, y, *, solver="sag", C=1.0, l1_ratio=0.0, sample_weight=None,
              fit_intercept=True):
    penalty = {0.0: "l2", 1.0: "l1"}.get(l1_ratio, "elasticnet")
    with warnings.catch_warnings():
        # older scikit-learn warns that the multinomial default changes
        warnings.simplefilter("ignore", FutureWarning)
        model = LogisticRegression(solver=solver, fit_intercept=fit_intercept, random_state=0,
                                   **penalty_params(penalty, C, l1_ratio), **TIGHT)
        model.fit(X, y, sample_weight=sample_weight)
    return model.coef_, model.intercept_


def assert_same_fit(ours, theirs, rtol=1e-4):
    coef, intercept = ours[:2]
    ref_coef, ref_intercept = theirs
    scale = np.abs(ref_coef).max()
    assert_allclose(coef, ref_coef, rtol=rtol, atol=rtol * scale)
    assert_allclose(intercept, ref_intercept, rtol=rtol, atol=rtol * scale)


CASES = {
    # name: (n_classes, fit options, sparse storage)
    "binary_sag": (2, dict(), None),
    "binary_saga": (2, dict(solver="saga"), None),
    "binary_strong_l2": (2, dict(C=0.01), None),
    "three_classes_sag": (3, dict(), None),
    "four_classes_saga": (4, dict(solver="saga", C=0.5), None),
    "binary_l1": (2, dict(solver="saga", C=0.1, l1_ratio=1.0), None),
    "three_classes_elasticnet": (3, dict(solver="saga", C=0.1, l1_ratio=0.5), None),
    "csr_binary_sag": (2, dict(), np.int32),
    "csr_binary_saga_int64": (2, dict(solver="saga"), np.int64),
    # wscale falls below 1e-9 within an epoch: the lazy path rescales
    "csr_binary_strong_l2": (2, dict(C=1e-3), np.int32),
    "csr_three_classes_sag": (3, dict(), np.int32),
    "csr_binary_l1": (2, dict(solver="saga", C=0.1, l1_ratio=1.0), np.int32),
    "csr_three_classes_elasticnet": (3, dict(solver="saga", C=0.2, l1_ratio=0.5), np.int32),
}


@pytest.mark.parametrize("name", list(CASES))
def test_matches_scikit_learn(name):
    n_classes, options, index_dtype = CASES[name]
    X, y = data(n_classes, sparsify=index_dtype is not None)
    ours = X
    if index_dtype is not None:
        ours = sp.csr_matrix(X)
        ours.indices = ours.indices.astype(index_dtype)
        ours.indptr = ours.indptr.astype(index_dtype)
    result = solve(ours, y, n_classes, **options)
    assert result[3], "not converged"
    assert_same_fit(result, reference(X, y, **options))


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("n_classes, solver", [(2, "sag"), (3, "saga")])
def test_sample_weights(sparse, n_classes, solver):
    X, y = data(n_classes, sparsify=sparse)
    rng = np.random.default_rng(0)
    sample_weight = rng.uniform(0.0, 3.0, X.shape[0])
    sample_weight[:20] = 0.0
    ours = sp.csr_matrix(X) if sparse else X
    result = solve(ours, y, n_classes, solver=solver, sample_weight=sample_weight)
    assert_same_fit(result, reference(X, y, solver=solver, sample_weight=sample_weight))


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_float32_input(sparse, n_classes):
    X, y = data(n_classes, sparsify=sparse)
    X32 = X.astype(np.float32)
    X32.setflags(write=False)   # read-only, and used in place
    ours = sp.csr_matrix(X32) if sparse else X32
    result = solve(ours, y, n_classes, solver="saga", C=0.5, l1_ratio=0.5)
    assert result[0].dtype == np.float64
    # the optimum for the float32 values, solved in float64
    theirs = reference(X32.astype(np.float64), y, solver="saga", C=0.5, l1_ratio=0.5)
    assert_same_fit(result, theirs)


@pytest.mark.parametrize("sparse", [False, True])
def test_no_intercept(sparse):
    X, y = data(3, sparsify=sparse)
    ours = sp.csr_matrix(X) if sparse else X
    coef, intercept, _, _ = solve(ours, y, 3, fit_intercept=False)
    assert_array_equal(intercept, 0.0)
    assert_same_fit((coef, intercept), reference(X, y, fit_intercept=False))


@pytest.mark.parametrize(
    "n_classes, solver, l2, l1",
    [(2, "sag", 1e-2, 0.0), (2, "saga", 1e-2, 0.0), (2, "saga", 0.0, 2e-2),
     (3, "saga", 1e-2, 1e-2), (3, "sag", 1.0, 0.0), (2, "saga", 0.5, 1e-2)],
)
def test_lazy_updates_follow_the_dense_iterates(n_classes, solver, l2, l1):
    """Same seed, no intercept (whose step the sparse path damps): the CSR path's
    just-in-time updates, lazy prox and rescaling give the dense path's iterates."""
    X, y = data(n_classes, n=300, p=12, seed=1, sparsify=True)
    K = 1 if n_classes == 2 else n_classes
    fits = [
        sag_solve(storage, y, None, K, False, l2, l1, np.zeros((K, 12)), np.full(K, 0.3),
                  saga=solver == "saga", tol=0.0, max_iter=7, seed=3)
        for storage in (X, sp.csr_matrix(X))
    ]
    assert fits[0][2] == fits[1][2] == 7
    scale = np.abs(fits[0][0]).max()
    assert_allclose(fits[1][0], fits[0][0], rtol=0, atol=1e-12 * scale)
    if l1 > 0:
        assert_array_equal(fits[1][0] == 0, fits[0][0] == 0)


def test_seed_fixes_the_sample_order():
    X, y = data(2)
    runs = [solve(X, y, 2, tol=0.0, max_iter=3, seed=seed) for seed in (5, 5, 6)]
    assert_array_equal(runs[0][0], runs[1][0])
    assert not np.array_equal(runs[0][0], runs[2][0])


def test_max_iter_reached_is_not_converged():
    X, y = data(2)
    coef, intercept, n_epochs, converged = solve(X, y, 2, tol=1e-12, max_iter=5)
    assert (n_epochs, converged) == (5, False)
    assert np.isfinite(coef).all() and np.isfinite(intercept).all()


@pytest.mark.parametrize("sparse", [False, True])
def test_report_is_called_each_epoch_and_can_stop(sparse):
    X, y = data(3, sparsify=sparse)
    seen = []

    def report(epoch, coef, intercept):
        seen.append((epoch, coef.copy(), intercept.copy()))
        return epoch == 3

    coef, intercept, n_epochs, converged = solve(sp.csr_matrix(X) if sparse else X, y, 3,
                                                 report=report)
    assert [epoch for epoch, _, _ in seen] == [1, 2, 3]
    assert (n_epochs, converged) == (3, False)
    assert seen[0][1].shape == (3, X.shape[1]) and seen[0][2].shape == (3,)
    assert_array_equal(seen[-1][1], coef)
    assert_array_equal(seen[-1][2], intercept)
    assert not np.array_equal(seen[0][1], seen[1][1])


def test_report_returning_false_lets_it_converge():
    X, y = data(2)
    calls = []
    result = solve(X, y, 2, tol=1e-4, report=lambda *args: calls.append(args[0]) or False)
    assert result[3] and calls == list(range(1, result[2] + 1))


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("n_classes, solver, l1_ratio", [(2, "sag", 0.0), (3, "saga", 0.5)])
def test_huge_features_stay_finite(sparse, n_classes, solver, l1_ratio):
    X, y = data(n_classes, sparsify=sparse)
    X = X * 1e150
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        coef, intercept, n_epochs, _ = solve(sp.csr_matrix(X) if sparse else X, y, n_classes,
                                             solver=solver, l1_ratio=l1_ratio, tol=1e-4,
                                             max_iter=50)
    assert np.isfinite(coef).all() and np.isfinite(intercept).all()
    scores = (X @ coef.T) + intercept
    assert np.isfinite(scores).all() and np.abs(scores).max() > 0.1


def test_input_checks():
    X, y = data(2)
    with pytest.raises(ValueError, match="saga"):
        solve(X, y, 2, l1_ratio=0.5)
    with pytest.raises(ValueError, match="class indices"):
        solve(X, np.where(y == 1, 3.0, 0.0), 3)
    with pytest.raises(ValueError, match="float64 or float32"):
        solve(X.astype(np.int64), y, 2)
    with pytest.raises(ValueError, match="shapes"):
        sag_solve(X, y, None, 1, True, 1.0, 0.0, np.zeros((1, 3)), np.zeros(1),
                  saga=False, tol=1e-4, max_iter=10, seed=0)
    with pytest.raises(ValueError, match="step_size"):
        solve(X, y, 2, step_size=-1.0)
