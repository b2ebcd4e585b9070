"""The liblinear-objective kernels against scikit-learn's bundled liblinear.

scikit-learn is the independent reference: for binary y in {-1, +1} and
x~ = [x, B] it minimises 1/2 ||w~||^2 (L2) or ||w~||_1 (L1) plus
sum_i c_i log(1 + exp(-y_i w~.x~_i)), c_i = C * sample_weight_i *
class_weight[y_i], and reports coef_ = w~[:-1], intercept_ = B * w~[-1].  Both
sides are solved to a tight tolerance, so the weights agree to far better
than the 1e-4 asserted.
"""

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import log_expit
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from sklearn_sigcore._liblinear_dual import liblinear_l2r_dual
from sklearn_sigcore._liblinear_l1 import CD_SPLIT_NNZ, ROW_PASS_GRAIN, liblinear_l1r_primal

from _helpers import penalty_params

TIGHT = dict(tol=1e-10, max_iter=100_000)
SOLVERS = {
    # name: (our solver, penalty, sklearn's dual flag)
    "l2_dual": (liblinear_l2r_dual, "l2", True),
    "l2_primal": (liblinear_l2r_dual, "l2", False),   # our dual vs its trust-region Newton
    "l1": (liblinear_l1r_primal, "l1", False),
}


def data(n=300, p=8, seed=0):
    X, y = make_classification(n, p, n_informative=min(p, 5), n_redundant=0,
                               random_state=seed)
    return StandardScaler().fit_transform(X), y


def signs(y):
    return np.where(y == 1, 1.0, -1.0)


def costs(y, C, sample_weight=None, class_weight=None):
    """c_i = C * sample_weight_i * class_weight[y_i]."""
    c = np.full(len(y), float(C))
    if sample_weight is not None:
        c *= sample_weight
    if class_weight is not None:
        c *= np.array([class_weight[label] for label in y])
    return c


def reference(X, y, penalty, dual, C, bias, sample_weight=None, class_weight=None):
    """scikit-learn's liblinear solution as w~ (last entry intercept_ / B)."""
    model = LogisticRegression(
        solver="liblinear", dual=dual, fit_intercept=bias > 0,
        intercept_scaling=bias if bias > 0 else 1.0, class_weight=class_weight,
        random_state=0, **penalty_params(penalty, C), **TIGHT,
    ).fit(X, y, sample_weight=sample_weight)
    w = model.coef_.ravel()
    return np.r_[w, model.intercept_ / bias] if bias > 0 else w


def objective(X, y, w, cost, bias, penalty):
    """The liblinear objective at w~, in float64."""
    X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    margin = X @ w[:len(w) - (bias > 0)] + (bias * w[-1] if bias > 0 else 0.0)
    loss = -np.sum(cost * log_expit(signs(y) * margin))
    return loss + (0.5 * w @ w if penalty == "l2" else np.abs(w).sum())


def rel_diff(a, b):
    return np.max(np.abs(a - b)) / np.max(np.abs(b))


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("layout", ["dense64", "dense32", "csr"])
@pytest.mark.parametrize("bias", [-1.0, 1.0, 10.0])
def test_matches_sklearn(solver, layout, bias):
    fit, penalty, dual = SOLVERS[solver]
    X, y = data(seed=1)
    C = 0.3
    if layout == "dense32":
        X = X.astype(np.float32)
    elif layout == "csr":
        X[np.abs(X) < 0.7] = 0.0     # ~half the entries
        X = sp.csr_matrix(X)
    # scikit-learn fits float32 X as float64 values: the same problem
    ref = reference(X.astype(np.float64), y, penalty, dual, C, bias)
    w, n_iter, converged = fit(X, signs(y), costs(y, C), bias, seed=0, **TIGHT)
    assert converged and 0 < n_iter < TIGHT["max_iter"]
    assert w.shape == ref.shape == (X.shape[1] + (bias > 0),)
    assert rel_diff(w, ref) < 1e-4
    c = costs(y, C)
    f, f_ref = objective(X, y, w, c, bias, penalty), objective(X, y, ref, c, bias, penalty)
    assert f <= f_ref + 1e-9


@pytest.mark.parametrize("solver", SOLVERS)
def test_sample_and_class_weights(solver):
    fit, penalty, dual = SOLVERS[solver]
    X, y = data(n=400, p=10, seed=2)
    rng = np.random.default_rng(0)
    sample_weight = rng.uniform(0.2, 3.0, len(y))
    sample_weight[rng.choice(len(y), 40, replace=False)] = 0.0   # liblinear drops these
    class_weight = {0: 0.4, 1: 2.5}
    C, bias = 0.5, 1.0
    ref = reference(X, y, penalty, dual, C, bias, sample_weight, class_weight)
    w, _, converged = fit(X, signs(y), costs(y, C, sample_weight, class_weight), bias,
                          seed=3, **TIGHT)
    assert converged
    assert rel_diff(w, ref) < 1e-4


def test_l1_zeros_where_sklearn_has_them():
    X, y = data(n=500, p=30, seed=3)
    C, bias = 0.05, 1.0
    ref = reference(X, y, "l1", False, C, bias)
    w, _, converged = liblinear_l1r_primal(X, signs(y), costs(y, C), bias, seed=0, **TIGHT)
    assert converged
    assert 5 <= np.count_nonzero(ref == 0) <= 25    # sparse, not trivially so
    assert_array_equal(w == 0, ref == 0)
    assert rel_diff(w, ref) < 1e-4


def test_l1_penalises_the_intercept():
    # liblinear's L1 solver penalises |w~_last| like any weight: with shifted
    # features and small C it keeps the intercept at exactly 0 while features
    # enter (an unpenalised intercept would absorb the shift).
    X, y = data(n=300, p=5, seed=5)
    X = X + 1.0
    bias = 1.0
    for C, zero_intercept in ((0.02, True), (0.1, False)):
        ref = reference(X, y, "l1", False, C, bias)
        w, _, _ = liblinear_l1r_primal(X, signs(y), costs(y, C), bias, seed=0, **TIGHT)
        assert (ref[-1] == 0) == zero_intercept and np.any(ref[:-1] != 0)
        assert_array_equal(w == 0, ref == 0)
        assert rel_diff(w, ref) < 1e-4


def test_l1_free_bias_is_the_unpenalised_intercept():
    """free_bias: on the data above, where the penalised intercept stays 0, the
    intercept is the one scikit-learn's saga (intercept unpenalised) finds."""
    X, y = data(n=300, p=5, seed=5)
    X = X + 1.0
    C = 0.02
    w, _, converged = liblinear_l1r_primal(X, signs(y), costs(y, C), 1.0, seed=0,
                                           free_bias=True, **TIGHT)
    ref = LogisticRegression(solver="saga", random_state=0, tol=1e-12, max_iter=100_000,
                             **penalty_params("l1", C)).fit(X, y)
    assert converged and w[-1] != 0
    assert_array_equal(w[:-1] == 0, np.abs(ref.coef_.ravel()) < 1e-8)
    assert rel_diff(w, np.r_[ref.coef_.ravel(), ref.intercept_]) < 1e-4


def test_l1_row_pass_threads_agree():
    """Two threads for the gradient's row pass (two grains of non-zeros)."""
    rng = np.random.default_rng(2)
    X = sp.random(8000, 1000, density=0.15, format="csr", random_state=2)
    assert X.nnz >= 2 * 2 ** 19
    y = np.where(X @ rng.normal(size=1000) + rng.logistic(size=8000) > 0, 1.0, -1.0)
    runs = [liblinear_l1r_primal(X, y, costs(y, 0.05), 1.0, 1e-8, 1000, 0, n_threads=nt)
            for nt in (1, 2)]
    (w1, it1, ok1), (w2, it2, ok2) = runs
    assert ok1 and ok2
    assert_array_equal(w1 == 0, w2 == 0)
    assert rel_diff(w2, w1) < 1e-7


def split_rows_data(seed=7):
    """Sparse X with enough entries, per column and in all, for the
    two-thread coordinate descent."""
    rng = np.random.default_rng(seed)
    p, density = 12, 0.5
    n = int(2.05 * ROW_PASS_GRAIN / (p * density))
    X = sp.random(n, p, density=density, format="csr", random_state=seed,
                  data_rvs=lambda k: rng.normal(size=k))
    assert X.nnz >= max(CD_SPLIT_NNZ * p, 2 * ROW_PASS_GRAIN)
    coef = np.r_[rng.normal(size=p // 2), np.zeros(p - p // 2)]
    y = (X @ coef + 0.3 + rng.logistic(size=n) > 0).astype(int)
    return X, y


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("bias", [-1.0, 1.0])
def test_l1_two_thread_coordinate_descent_matches_sklearn(dtype, bias):
    """The coordinate descent on two threads (each half of the rows) reaches
    scikit-learn's liblinear optimum, with weights and zero-cost rows."""
    X, y = split_rows_data()
    rng = np.random.default_rng(1)
    sample_weight = rng.uniform(0.2, 3.0, len(y))
    sample_weight[:300] = 0.0
    C = 1e-3
    ref = reference(X, y, "l1", False, C, bias, sample_weight)
    assert 0 < np.count_nonzero(ref == 0) < len(ref)     # some weights at 0
    for n_threads in (1, 2):
        w, _, converged = liblinear_l1r_primal(X.astype(dtype), signs(y),
                                               costs(y, C, sample_weight), bias, 1e-7, 1000,
                                               seed=0, n_threads=n_threads)
        assert converged
        assert_array_equal(w == 0, ref == 0)
        assert rel_diff(w, ref) < 1e-4


def test_l1_two_thread_free_bias_matches_one_thread():
    X, y = split_rows_data(seed=8)
    # tol 1e-7: the iterates of one and two threads differ by the rounding of
    # the sums (from ~1e-9, that rounding may add or save an iteration)
    runs = [liblinear_l1r_primal(X, signs(y), costs(y, 1e-3), 1.0, 1e-7, 1000, seed=0,
                                 free_bias=True, n_threads=nt) for nt in (1, 2)]
    (w1, it1, ok1), (w2, it2, ok2) = runs
    assert ok1 and ok2 and w1[-1] != 0
    assert it1 == it2
    assert_array_equal(w1 == 0, w2 == 0)
    assert rel_diff(w2, w1) < 1e-12


# Wide sparse X for the two-thread coordinate descent: enough steps per fit
# for its threads to give up the split under contention (SPLIT_MIN_STEPS),
# built the same way here and in a subprocess.
WIDE_SPLIT_FIT = (
    "import numpy as np, scipy.sparse as sp\n"
    "from sklearn_sigcore._liblinear_l1 import liblinear_l1r_primal\n"
    "rng = np.random.default_rng(0)\n"
    "X = sp.random(8000, 200, density=0.66, format='csr', random_state=0,\n"
    "              data_rvs=lambda k: rng.normal(size=k))\n"
    "coef = np.r_[rng.normal(size=100), np.zeros(100)]\n"
    "y = np.where(X @ coef + rng.logistic(size=8000) > 0, 1.0, -1.0)\n"
    "def fit(seed=0):\n"
    "    return liblinear_l1r_primal(X, y, np.full(8000, 0.01), 1.0, 1e-6, 1000, seed,\n"
    "                                n_threads=2)\n"
)


def wide_split_fit():
    scope = {}
    exec(WIDE_SPLIT_FIT, scope)
    assert scope["X"].nnz >= max(CD_SPLIT_NNZ * 200, 2 * ROW_PASS_GRAIN)
    return scope["fit"]


def test_l1_two_thread_coordinate_descent_with_one_thread_granted():
    """OMP_THREAD_LIMIT=1 leaves the two-thread coordinate descent one thread:
    it runs on that one (a thread waiting for a partner would hang), summing
    as the two threads do: the same weights, bit for bit."""
    w, n_iter, ok = wide_split_fit()()
    code = WIDE_SPLIT_FIT + "w, n_iter, ok = fit()\nprint(ok, n_iter, w.tobytes().hex())\n"
    env = dict(os.environ, OMP_THREAD_LIMIT="1", OMP_NUM_THREADS="2")
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == [str(ok), str(n_iter), w.tobytes().hex()]
    assert ok and np.count_nonzero(w) > 0


def test_l1_concurrent_fits_agree():
    """More busy threads than cores (fits in several Python threads at once):
    each two-thread descent, slowed or handed to one thread at some step,
    gives the weights of the same fit run alone, bit for bit."""
    fit = wide_split_fit()
    alone = [fit(seed) for seed in range(4)]
    with ThreadPoolExecutor(4) as pool:
        runs = list(pool.map(fit, range(4)))
    for (w, n_iter, converged), (w_alone, n_iter_alone, _) in zip(runs, alone):
        assert converged and n_iter == n_iter_alone
        assert_array_equal(w, w_alone)


def test_dual_reaches_the_primal_optimum():
    # a poorly conditioned problem (large C, intercept_scaling 10)
    X, y = data(n=300, p=12, seed=5)
    C, bias = 20.0, 10.0
    ref = reference(X, y, "l2", False, C, bias)
    w, _, converged = liblinear_l2r_dual(X, signs(y), costs(y, C), bias, seed=1, **TIGHT)
    assert converged
    assert rel_diff(w, ref) < 1e-4


@pytest.mark.parametrize("fit", [liblinear_l2r_dual, liblinear_l1r_primal])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_layouts_and_index_types_agree(fit, dtype):
    # every layout (read in place or copied) and index type: the same problem
    X, y = data(n=200, p=6, seed=6)
    X[np.abs(X) < 0.5] = 0.0
    X = X.astype(dtype)
    ys, c = signs(y), costs(y, 1.0)
    w0, _, _ = fit(X, ys, c, 1.0, seed=0, **TIGHT)
    csr64, csc64 = sp.csr_matrix(X), sp.csc_matrix(X)
    for A in (csr64, csc64):
        A.indices = A.indices.astype(np.int64)
        A.indptr = A.indptr.astype(np.int64)
    strided = np.repeat(X, 2, axis=1)[:, ::2]
    for Xv in (np.asfortranarray(X), strided, sp.csr_matrix(X), sp.csc_matrix(X), csr64,
               csc64, sp.csr_array(X)):
        w, _, converged = fit(Xv, ys, c, 1.0, seed=0, **TIGHT)
        assert converged
        assert_allclose(w, w0, rtol=1e-7, atol=1e-9)


def test_unsorted_and_duplicate_sparse_entries():
    X, y = data(n=150, p=5, seed=7)
    ys, c = signs(y), costs(y, 1.0)
    coo = sp.coo_matrix(X)
    half = 0.5 * coo.data
    # every entry split in two, in reversed order: not canonical
    dup = sp.coo_matrix((np.r_[half, half][::-1], (np.r_[coo.row, coo.row][::-1],
                                                   np.r_[coo.col, coo.col][::-1])),
                        shape=X.shape)
    for fit in (liblinear_l2r_dual, liblinear_l1r_primal):
        w0, _, _ = fit(X, ys, c, 1.0, seed=0, **TIGHT)
        for fmt in ("csr", "csc"):
            w, _, _ = fit(dup.asformat(fmt), ys, c, 1.0, seed=0, **TIGHT)
            assert_allclose(w, w0, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("fit", [liblinear_l2r_dual, liblinear_l1r_primal])
def test_iteration_cap_and_seed(fit):
    X, y = data(n=300, p=8, seed=8)
    ys, c = signs(y), costs(y, 10.0)
    w, n_iter, converged = fit(X, ys, c, 1.0, 1e-12, 2, 0)
    assert (n_iter, converged) == (2, False)
    a = fit(X, ys, c, 1.0, 1e-4, 10_000, 123)
    b = fit(X, ys, c, 1.0, 1e-4, 10_000, 123)
    assert_array_equal(a[0], b[0])
    assert a[1:] == b[1:] and a[2]


@pytest.mark.parametrize("fit", [liblinear_l2r_dual, liblinear_l1r_primal])
def test_default_tolerance_is_near_the_optimum(fit):
    # scikit-learn's defaults (tol=1e-4, max_iter=100) on both sides: same
    # objective to within what that tolerance allows
    X, y = data(n=400, p=10, seed=9)
    penalty = "l2" if fit is liblinear_l2r_dual else "l1"
    ref = reference(X, y, penalty, penalty == "l2", 1.0, 1.0)
    w, _, converged = fit(X, signs(y), costs(y, 1.0), 1.0, 1e-4, 100, 0)
    assert converged
    c = costs(y, 1.0)
    f_ref, f = objective(X, y, ref, c, 1.0, penalty), objective(X, y, w, c, 1.0, penalty)
    assert abs(f - f_ref) < 1e-3 * f_ref


@pytest.mark.parametrize("fit", [liblinear_l2r_dual, liblinear_l1r_primal])
def test_extreme_scales_stay_finite(fit):
    # Separable data, huge C and huge values: margins in the thousands, dual
    # variables near 0 and near their bounds.  pytest turns RuntimeWarnings
    # into errors; the kernels must not need them.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 4))
    y = (X[:, 0] > 0).astype(int)
    X[:, 0] += np.where(y == 1, 1.0, -1.0)
    for scale, C in ((1.0, 1e8), (1e6, 1.0), (1e-6, 1e-6)):
        w, _, _ = fit(X * scale, signs(y), costs(y, C), 1.0, 1e-4, 50, 0)
        assert np.all(np.isfinite(w))
        margin = signs(y) * (X * scale @ w[:-1] + w[-1])
        if C * scale >= 1:
            assert np.all(margin > 0)


@pytest.mark.parametrize("fit", [liblinear_l2r_dual, liblinear_l1r_primal])
def test_degenerate_problems(fit):
    X, y = data(n=50, p=3, seed=10)
    ys = signs(y)
    # no sample with a positive cost: nothing to fit
    w, n_iter, converged = fit(X, ys, np.zeros(50), 1.0, 1e-4, 100, 0)
    assert_array_equal(w, 0.0) and (n_iter, converged) == (0, True)
    # no features and no intercept
    w, _, _ = fit(X[:, :0], ys, np.ones(50), -1.0, 1e-4, 100, 0)
    assert w.shape == (0,)
    # one class only: the intercept alone leans towards it
    w, _, converged = fit(X, np.ones(50), np.ones(50), 1.0, 1e-6, 1000, 0)
    assert converged and w[-1] > 0
    with pytest.raises(ValueError, match="shape"):
        fit(X, ys[:-1], np.ones(50), 1.0, 1e-4, 100, 0)


def test_l1_on_iteration_sees_each_iteration_and_can_stop():
    X, y = data(n=300, p=8, seed=1)
    seen = []

    def on_iteration(n_iter, w):
        seen.append((n_iter, w.copy()))
        return n_iter == 3

    w, n_iter, converged = liblinear_l1r_primal(X, signs(y), costs(y, 0.5), 1.0, 1e-10, 100,
                                                0, on_iteration=on_iteration)
    assert [k for k, _ in seen] == [1, 2, 3]
    assert (n_iter, converged) == (3, True)
    assert_array_equal(w, seen[-1][1])
    # the same three iterations as a run capped at three
    capped, _, _ = liblinear_l1r_primal(X, signs(y), costs(y, 0.5), 1.0, 1e-10, 3, 0)
    assert_array_equal(w, capped)


def test_l1_on_iteration_errors_propagate():
    X, y = data(n=100, p=4, seed=1)

    def on_iteration(n_iter, w):
        raise KeyError("from the callback")

    with pytest.raises(KeyError, match="from the callback"):
        liblinear_l1r_primal(X, signs(y), costs(y, 0.5), 1.0, 1e-10, 100, 0,
                             on_iteration=on_iteration)
