"""The element-wise kernels as NumPy ufuncs of (x, alpha).

Accuracy is tested in test_kernels.py; here: the ufunc machinery (type
resolution, broadcasting, out= / where= / dtype=), errors raised from the
inner loop on every path numpy takes, dispatch of dask and pandas inputs,
pickling and the thread decision.
"""

import pickle

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from sklearn_sigcore import _kernels, _ufuncs, kernels

UFUNCS = [kernels.sigmoid, kernels.sigmoid_derivative, kernels.log_sigmoid, kernels.logit]
NAMES = ["sigmoid", "sigmoid_derivative", "log_sigmoid", "logit"]


def _inputs(function, n, dtype=np.float64, seed=0):
    """Inputs in the domain of `function` (probabilities for logit)."""
    rng = np.random.default_rng(seed)
    if function is kernels.logit:
        return rng.uniform(0.0, 1.0, n).astype(dtype)
    return (rng.standard_normal(n) * 20).astype(dtype)


@pytest.mark.parametrize("function, name", list(zip(UFUNCS, NAMES)))
def test_they_are_ufuncs_of_two_inputs(function, name):
    assert isinstance(function, np.ufunc)
    assert (function.__name__, function.nin, function.nout) == (name, 2, 1)
    assert function.types == ["fd->f", "dd->d"]
    assert "Parameters" in function.__doc__ and "alpha" in function.__doc__
    assert pickle.loads(pickle.dumps(function)) is function


@pytest.mark.parametrize("function", UFUNCS)
def test_result_dtype_follows_x_only(function):
    x32 = _inputs(function, 50, np.float32)
    for alpha in (1.5, np.float32(1.5), np.float64(1.5), 2, np.array([1.5], np.float32)):
        assert function(x32, alpha).dtype == np.float32
    for x in (x32.astype(np.float64), x32.astype(np.float16), np.arange(3, dtype=np.int8),
              np.arange(3, dtype=np.uint64), [True, False], 0.25):
        assert np.asarray(function(x, np.float32(1.5))).dtype == np.float64
    # A Python float x is not narrowed to the dtype of an array alpha.
    alphas = np.array([0.7, 3.0], np.float32)
    np.testing.assert_array_equal(function(0.3, alphas), function(np.float64(0.3),
                                                                  alphas.astype(np.float64)))


def test_float32_keeps_the_double_alpha():
    # alpha = 3.7 is not a float32 number: computing with float32(3.7) would
    # move u = alpha x by up to 3e-8 relative, several ulp of the result.
    x = np.linspace(-30, 30, 20001, dtype=np.float32)
    got = kernels.sigmoid(x, 3.7)
    reference = kernels.sigmoid(x.astype(np.float64), 3.7)
    with_rounded_alpha = kernels.sigmoid(x, float(np.float32(3.7)))
    ulp = np.spacing(np.abs(got)).astype(np.float64)
    assert np.max(np.abs(got - reference) / ulp) <= 1
    assert np.max(np.abs(with_rounded_alpha - reference) / ulp) > 2


@pytest.mark.parametrize("function", UFUNCS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_broadcasting_and_outer(function, dtype):
    x = _inputs(function, 300, dtype)
    alphas = np.array([0.3, 1.0, 3.7, 1e4])
    grid = function(x[None, :], alphas[:, None])
    assert grid.shape == (4, 300) and grid.dtype == dtype
    for row, alpha in zip(grid, alphas):
        np.testing.assert_array_equal(row, function(x, alpha))
    np.testing.assert_array_equal(function.outer(x[:4], alphas),
                                  function(x[:4, None], alphas[None, :]))
    # alpha varying along the inner loop: element by element, equal runs grouped
    per_element = np.repeat(alphas, 75)
    np.testing.assert_array_equal(
        function(x, per_element),
        np.concatenate([function(x[i * 75:(i + 1) * 75], a) for i, a in enumerate(alphas)]))


@pytest.mark.parametrize("function", UFUNCS)
def test_where_out_and_dtype(function):
    x = _inputs(function, 1000)
    full = function(x, 2.0)
    mask = np.arange(1000) % 3 == 0
    out = np.full(1000, -7.0)
    assert function(x, 2.0, out=out, where=mask) is out
    np.testing.assert_array_equal(out[mask], full[mask])
    assert np.all(out[~mask] == -7.0)
    # dtype= chooses the loop: the input is cast first, as for any ufunc
    np.testing.assert_array_equal(function(x, 2.0, dtype=np.float32),
                                  function(x.astype(np.float32), 2.0))
    np.testing.assert_array_equal(function(x.astype(np.float32), 2.0, dtype=np.float64),
                                  function(x.astype(np.float32).astype(np.float64), 2.0))
    # an out= of another float dtype receives the cast result (casting='same_kind')
    out32 = np.empty(1000, np.float32)
    function(x, 2.0, out=out32)
    np.testing.assert_array_equal(out32, full.astype(np.float32))


@pytest.mark.parametrize("function", UFUNCS)
def test_unsupported_signatures_and_outputs(function):
    x = np.full(4, 0.5)
    with pytest.raises(TypeError):
        function(x, 2.0, out=np.empty(4, np.int64))
    with pytest.raises(TypeError, match="no loop"):
        function(x, 2.0, dtype=np.int64)
    with pytest.raises(TypeError, match="no loop"):
        function(x, 2.0, signature=("f", "f", "f"))
    with pytest.raises(ValueError):
        function(x, 2.0, out=np.empty(5))
    read_only = np.empty(4)
    read_only.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        function(x, 2.0, out=read_only)


@pytest.mark.parametrize("function", UFUNCS)
def test_alpha_is_required_and_positional(function):
    with pytest.raises(TypeError, match="positional arguments"):
        function(np.ones(3))
    with pytest.raises(TypeError, match="positional arguments"):
        function(np.ones(3), alpha=2.0)
    with pytest.raises(TypeError, match="n_threads"):   # threads: threadpoolctl
        function(np.ones(3), 2.0, n_threads=1)


# Every route numpy takes to the inner loop: a single call on contiguous or
# 1-d strided data, the buffered iterator (casts, several chunks), broadcast
# and masked loops, outputs of another dtype.
def _error_routes(bad):
    n = 20_000   # more than one iterator buffer (8192 elements)
    x = np.linspace(-3.0, 3.0, n)
    last_bad = np.ones(n)
    last_bad[-1] = bad   # only the last chunk of the iterator sees it
    return {
        "contiguous": lambda f: f(x, bad),
        "strided": lambda f: f(x[::3], bad),
        "0-d alpha array": lambda f: f(x, np.array(bad)),
        "python scalar x": lambda f: f(0.5, bad),
        "broadcast 2-d": lambda f: f(x[None, :], np.array([[1.0], [bad]])),
        "cast int64 x": lambda f: f(np.arange(n), bad),
        "float32 x": lambda f: f(x.astype(np.float32), bad),
        "where=": lambda f: f(x, bad, out=np.zeros(n), where=x > 0),
        "out float32": lambda f: f(x, bad, out=np.empty(n, np.float32)),
        "alpha array, last chunk": lambda f: f(np.arange(n), last_bad),
        "alpha array, contiguous": lambda f: f(x, last_bad),
        "outer": lambda f: f.outer(x[:10], [1.0, bad]),
    }


@pytest.mark.parametrize("function", UFUNCS)
@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("route", list(_error_routes(0.0)))
def test_bad_alpha_raises_value_error_on_every_route(function, bad, route):
    with pytest.raises(ValueError, match=f"{function.__name__}: alpha must be a finite number"):
        _error_routes(bad)[route](function)
    # nothing is left pending: the next call works
    assert function(np.array([0.5]), 1.0).shape == (1,)


@pytest.mark.parametrize("function", UFUNCS)
def test_bad_scalar_alpha_leaves_out_untouched(function):
    out = np.full(100, 3.0)
    with pytest.raises(ValueError, match="alpha"):
        function(_inputs(function, 100), -2.0, out=out)
    assert np.all(out == 3.0)


@pytest.mark.parametrize("function", UFUNCS)
def test_non_real_inputs_name_the_argument(function):
    x_name = "p" if function is kernels.logit else "x"
    for bad in (np.array([1j]), np.array(["a"]), np.array([None]), np.array(["2020"], "M8[D]")):
        with pytest.raises(TypeError, match=f"{function.__name__}: {x_name} must be"):
            function(bad, 1.0)
        with pytest.raises(TypeError, match=f"{function.__name__}: alpha must be"):
            function(np.ones(2), bad)


# ---- dispatch to other array types -------------------------------------------

@pytest.mark.parametrize("function", UFUNCS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dask_array_in_dask_array_out(function, dtype):
    da = pytest.importorskip("dask.array")
    x = _inputs(function, 10_000, dtype).reshape(100, 100)
    lazy = da.from_array(x, chunks=(30, 40))
    result = function(lazy, 1.7)
    assert isinstance(result, da.Array)
    assert result.dtype == dtype and result.chunks == lazy.chunks
    np.testing.assert_array_equal(result.compute(), function(x, 1.7))
    lazy_out = function(lazy.T, 1.7)   # as the operand of a larger graph
    np.testing.assert_array_equal((lazy_out.T - result).compute(), 0.0)


def test_dask_bad_alpha_raises():
    # dask infers the result dtype by calling the ufunc on a tiny array with
    # the scalar alpha; our ValueError makes its __array_ufunc__ decline, and
    # numpy then raises a TypeError that names the ufunc and the alpha.
    da = pytest.importorskip("dask.array")
    lazy = da.from_array(np.linspace(-1, 1, 100), chunks=10)
    with pytest.raises((ValueError, TypeError), match=r"sigmoid.*-1\.0"):
        kernels.sigmoid(lazy, -1.0)


@pytest.mark.parametrize("function", UFUNCS)
def test_pandas_in_pandas_out(function):
    pd = pytest.importorskip("pandas")
    values = _inputs(function, 50)
    series = pd.Series(values, index=np.arange(100, 150), name="z")
    result = function(series, 2.5)
    assert isinstance(result, pd.Series)
    assert result.name == "z" and result.index.equals(series.index)
    np.testing.assert_array_equal(result.to_numpy(), function(values, 2.5))
    frame = pd.DataFrame({"a": values, "b": values[::-1]}, index=series.index)
    result = function(frame, 2.5)
    assert isinstance(result, pd.DataFrame)
    assert list(result.columns) == ["a", "b"] and result.index.equals(frame.index)
    np.testing.assert_array_equal(result.to_numpy(), function(frame.to_numpy(), 2.5))
    with pytest.raises(ValueError, match="alpha"):
        function(series, 0.0)


# ---- threads -------------------------------------------------------------------

def test_threads_follow_the_size_and_the_limits():
    assert _ufuncs.threads_for(10) == 1
    assert _ufuncs.threads_for(2 * _ufuncs.GRAIN - 1) == 1
    with threadpool_limits(limits=1, user_api="openmp"):
        assert _ufuncs.threads_for(10**8) == 1
    if _kernels.HAVE_OPENMP:
        with threadpool_limits(limits=2, user_api="openmp"):
            assert _ufuncs.threads_for(10**8) == 2
            assert _ufuncs.threads_for(2 * _ufuncs.GRAIN) == 2
    else:
        assert _ufuncs.threads_for(10**8) == 1


@pytest.mark.skipif(not _kernels.HAVE_OPENMP, reason="serial build")
@pytest.mark.parametrize("function", UFUNCS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_thread_count_does_not_change_results(function, dtype):
    x = _inputs(function, 300_001, dtype, seed=6)
    strided = _inputs(function, 600_002, dtype, seed=7)[::2]
    with threadpool_limits(limits=1, user_api="openmp"):
        serial = function(x, 0.7), function(strided, 0.7)
    with threadpool_limits(limits=2, user_api="openmp"):
        threaded = function(x, 0.7), function(strided, 0.7)
    np.testing.assert_array_equal(serial[0], threaded[0])
    np.testing.assert_array_equal(serial[1], threaded[1])
    # the strided route (through buffers) gives the contiguous route's bits
    np.testing.assert_array_equal(threaded[1], function(np.ascontiguousarray(strided), 0.7))
