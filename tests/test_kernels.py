"""Accuracy, limits and array handling of sklearn_sigcore.kernels.

The reference is mpmath at 300 bits.  The argument of the sigmoid core is
u = alpha * x as the kernels compute it (in double precision, from the input
converted to double); errors are measured in units in the last place (ulp) of
the output dtype at the exact value of the function at u.
"""

import warnings

import mpmath
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sklearn_sigcore import _kernels, kernels

mpmath.mp.prec = 300

TINY64 = np.nextafter(0.0, 1.0)


def special_points():
    """A grid that includes the extremes of every regime of the sigmoid core."""
    points = [
        0.0, -0.0, TINY64, -TINY64, 1e-300, -1e-300, 2.2250738585072014e-308,
        1e-20, -1e-20, 1e-8, -1e-8, 0.5, -0.5, 1.0, -1.0, 2.0, -2.0,
        17.0, -17.0, 36.7, -36.7, 37.5, -37.5, 40.0, -40.0,
        87.3, -87.3, 88.8, -88.8, 103.9, -103.9, 104.5, -104.5,
        708.3, -708.3, 708.4, -708.4, 709.0, -709.0, 709.78, -709.78,
        709.79, -709.79, 710.0, -710.0, 744.4, -744.4, 745.0, -745.0,
        745.13, -745.13, 745.2, -745.2, 746.0, -746.0, 800.0, -800.0,
        1e5, -1e5, 1e300, -1e300, 1e308, -1e308,
        np.finfo(np.float64).max, -np.finfo(np.float64).max,
    ]
    rng = np.random.default_rng(0)
    dense = np.linspace(-760.0, 760.0, 801)
    near_zero = rng.standard_normal(200) * 3.0
    wide = np.concatenate([np.logspace(-30, 3, 150), -np.logspace(-30, 3, 150)])
    float32_tail = -np.linspace(80.0, 106.0, 60)
    return np.concatenate([points, dense, near_zero, wide, float32_tail])


GRID = special_points()
ALPHAS = [1.0, 0.5, 2.0, 3.7]


def _ulps(values, exact, dtype):
    """Largest error of `values` in ulp of `dtype` against mpmath values `exact`."""
    worst = 0.0
    for value, ref in zip(values, exact):
        assert not np.isnan(value), ref   # the references here are all numbers
        with np.errstate(over="ignore"):   # a true value beyond the dtype rounds to inf
            rounded = dtype(float(ref))
        if np.isinf(rounded):
            assert value == rounded, (value, ref)
            continue
        magnitude = np.abs(rounded)
        if magnitude == np.finfo(dtype).max:
            ulp = float(magnitude - np.nextafter(magnitude, dtype(0)))
        else:   # the spacing of 0 is the smallest subnormal
            ulp = float(np.spacing(magnitude))
        error = abs(mpmath.mpf(float(value)) - ref) / ulp
        worst = max(worst, float(error))
    return worst


def _u(x, alpha):
    """The argument u = alpha * x as the kernels form it (in double)."""
    with np.errstate(over="ignore"):
        return np.float64(alpha) * x.astype(np.float64)


def _mp_sigmoid(u):
    u = mpmath.mpf(u)
    return 1 / (1 + mpmath.exp(-u)) if u >= 0 else mpmath.exp(u) / (1 + mpmath.exp(u))


def _mp_log_sigmoid(u):
    u = mpmath.mpf(u)
    return -mpmath.log1p(mpmath.exp(-u)) if u >= 0 else u - mpmath.log1p(mpmath.exp(u))


def _mp_sigmoid_derivative(u, alpha):
    e = mpmath.exp(-abs(mpmath.mpf(u)))
    return alpha * e / (1 + e) ** 2


def _finite_grid(dtype):
    with np.errstate(over="ignore"):
        x = GRID.astype(dtype)
    return x[np.isfinite(x)]


# Stated bounds (ulp of the output dtype).
BOUNDS = {
    "sigmoid": {np.float64: 4, np.float32: 1},
    "log_sigmoid": {np.float64: 4, np.float32: 2},
    "sigmoid_derivative": {np.float64: 16, np.float32: 16},
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("alpha", ALPHAS)
@pytest.mark.parametrize(
    "name, reference",
    [
        ("sigmoid", lambda u, a: _mp_sigmoid(u)),
        ("log_sigmoid", lambda u, a: _mp_log_sigmoid(u)),
        ("sigmoid_derivative", _mp_sigmoid_derivative),
    ],
)
def test_accuracy_against_mpmath(name, reference, alpha, dtype):
    x = _finite_grid(dtype)
    got = getattr(kernels, name)(x, alpha)
    assert got.dtype == dtype
    u = _u(x, alpha)
    exact = [reference(ui, alpha) for ui in u]
    assert _ulps(got, exact, dtype) <= BOUNDS[name][dtype]


# float32 sigmoid routes: float lanes for alpha in [2**-60, 2**60] where the
# build and CPU have a hardware fma (alpha * x exact when alpha is a power of
# two, compensated otherwise), the double route otherwise.  Measured over
# every float32 x (benchmarks/float32_sigmoid_exhaustive.py): at most 0.80
# ulp; asserted here: 1 ulp.
FLOAT32_ROUTES = {1.0: "lanes_exact", 2.0**20: "lanes_exact", 0.25: "lanes_exact",
                  3.7: "lanes", 1 / 3: "lanes", 1.5 * 2.0**-59: "lanes",
                  2.0**61: "double", 1e-25: "double"}
HAVE_FLOAT_LANES = _kernels.float32_sigmoid_route(1.0) != "double"


@pytest.mark.parametrize("alpha", FLOAT32_ROUTES)
def test_float32_sigmoid_route(alpha):
    route = _kernels.float32_sigmoid_route(alpha)
    if not HAVE_FLOAT_LANES:   # no hardware fma in this build or CPU
        assert route == "double"
        pytest.skip("float lanes need a hardware fma")
    assert route == FLOAT32_ROUTES[alpha]


def _float32_sigmoid_grid(alpha):
    """float32 x whose u = alpha x spans every regime, the subnormal band densely."""
    rng = np.random.default_rng(7)
    u = np.concatenate([
        np.linspace(-115.0, 115.0, 1001),
        np.linspace(-104.0, -86.0, 500),          # subnormal and near-subnormal sigma
        rng.standard_normal(300) * 0.01,
        rng.uniform(-90.0, 20.0, 500),
        [0.0, 17.0, -17.0, 87.33, -87.33, 103.97, -103.97],
    ])
    x = (u / alpha).astype(np.float32)
    return x[np.isfinite(x)]


@pytest.mark.parametrize("alpha", FLOAT32_ROUTES)
def test_float32_sigmoid_every_route_against_mpmath(alpha):
    x = _float32_sigmoid_grid(alpha)
    got = kernels.sigmoid(x, alpha)
    assert got.dtype == np.float32
    exact = [_mp_sigmoid(ui) for ui in _u(x, alpha)]
    assert _ulps(got, exact, np.float32) <= 1


@pytest.mark.parametrize("alpha", FLOAT32_ROUTES)
def test_float32_sigmoid_every_route_limits(alpha):
    big, tiny = np.finfo(np.float32).max, np.finfo(np.float32).smallest_subnormal
    x = np.array([-np.inf, np.inf, np.nan, -big, big, -tiny, tiny, -0.0, 0.0], np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            got = kernels.sigmoid(x, alpha)
    np.testing.assert_array_equal(got, [0.0, 1.0, np.nan, 0.0, 1.0, 0.5, 0.5, 0.5, 0.5])


@pytest.mark.parametrize("alpha", [1.0, 3.7])
@pytest.mark.parametrize("start", [-87.6, -20.0, -1e-3, 9.0, 16.0])
def test_float32_sigmoid_monotone_over_consecutive_floats(alpha, start):
    # 2**20 consecutive float32 values: where sigma changes by less than an
    # ulp per step, any error in the rounding shows up as a step down.
    first = np.array([start / alpha], np.float32).view(np.int32)[0]
    bits = first + np.arange(2**20, dtype=np.int32) * (1 if start >= 0 else -1)
    x = np.sort(bits.view(np.float32))
    assert np.all(np.diff(kernels.sigmoid(x, alpha)) >= 0)


def test_sigmoid_returns_subnormals_where_expit_flushes():
    # exp(-740) is a subnormal double: expit returns 0, the true value is not 0.
    x = np.array([-709.9, -720.0, -740.0, -745.0])
    got = kernels.sigmoid(x, 1.0)
    assert np.all(got > 0)
    assert np.all(got < np.finfo(np.float64).tiny)
    exact = [_mp_sigmoid(v) for v in x]
    assert _ulps(got, exact, np.float64) <= 1


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_limits_at_infinity_and_nan(dtype):
    x = np.array([-np.inf, np.inf, np.nan], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            np.testing.assert_array_equal(kernels.sigmoid(x, 1.0), [0.0, 1.0, np.nan])
            np.testing.assert_array_equal(kernels.log_sigmoid(x, 1.0), [-np.inf, 0.0, np.nan])
            np.testing.assert_array_equal(kernels.sigmoid_derivative(x, 1.0), [0.0, 0.0, np.nan])
            np.testing.assert_array_equal(kernels.logit(np.array([0, 1, np.nan], dtype), 1.0),
                                          [-np.inf, np.inf, np.nan])


def test_no_floating_point_warnings_on_extremes():
    big = np.finfo(np.float64).max
    x = np.array([-big, big, -1e308, 1e308, -np.inf, np.inf, np.nan, -TINY64, TINY64])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            for alpha in (1.0, 1e10, 1e-10):
                for f in (kernels.sigmoid, kernels.log_sigmoid, kernels.sigmoid_derivative):
                    f(x, alpha)
                kernels.softmax(x, alpha)
                kernels.log_softmax(x, alpha)
                kernels.logit(np.array([-1.0, 0.0, TINY64, 0.5, 1.0, 2.0, np.nan]), alpha)


def test_sigmoid_derivative_tails_do_not_cancel():
    x = np.array([-60.0, -40.0, 40.0, 60.0, 700.0])
    got = kernels.sigmoid_derivative(x, 1.0)
    naive = kernels.sigmoid(x, 1.0) * (1 - kernels.sigmoid(x, 1.0))
    assert np.all(got > 0)
    assert naive[-1] == 0.0   # the naive form loses the right tail entirely
    exact = [_mp_sigmoid_derivative(v, 1.0) for v in x]
    assert _ulps(got, exact, np.float64) <= 16


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("alpha", [4.0, 1e10, 1e300, 1e-300, 2.0**-1070])
def test_sigmoid_derivative_extreme_alpha(alpha, dtype):
    # alpha * exp(-|u|) must round once: a large alpha may not lift an
    # underflowed exp(-|u|) back above zero, nor a tiny one lose it.
    u_grid = np.concatenate([-np.geomspace(1e-3, 1600, 120), [0.0], np.geomspace(1e-3, 1600, 120)])
    with np.errstate(over="ignore", under="ignore"):
        x = (u_grid / alpha).astype(dtype)
    x = x[np.isfinite(x)]
    got = kernels.sigmoid_derivative(x, alpha)
    exact = [_mp_sigmoid_derivative(u, alpha) for u in _u(x, alpha)]
    assert _ulps(got, exact, dtype) <= 16
    assert kernels.sigmoid_derivative(np.array([-745.0], dtype), 4.0)[0] == 0.0


def test_sigmoid_derivative_bounds():
    x = np.linspace(-50, 50, 10001)
    for alpha in (0.3, 1.0, 4.0):
        d = kernels.sigmoid_derivative(x, alpha)
        assert np.all(d >= 0)
        assert d.max() <= alpha / 4


@pytest.mark.parametrize("dtype, bound", [(np.float64, 4), (np.float32, 1)])
@pytest.mark.parametrize("alpha", [1.0, 0.25, 3.0])
def test_logit_accuracy(dtype, bound, alpha):
    p = np.concatenate([
        [TINY64, 1e-300, 1e-20, 1e-8, 0.1, 0.25, 0.2500001, 0.4999999, 0.5, 0.5000001,
         0.75, 0.9, 1 - 1e-8, 1 - 2**-53],
        np.linspace(0.001, 0.999, 199),
    ]).astype(dtype)
    p = p[(p > 0) & (p < 1)]
    got = kernels.logit(p, alpha)
    assert got.dtype == dtype
    exact = [mpmath.log(mpmath.mpf(float(v)) / (1 - mpmath.mpf(float(v)))) / alpha for v in p]
    assert _ulps(got, exact, dtype) <= bound


def _mp_softmax_row(x, alpha, take_log):
    u = [mpmath.mpf(alpha) * mpmath.mpf(float(v)) for v in x]
    k = u.index(max(u))
    m = u[k]
    # log1p of the entries other than the maximum: log(1 + tiny) would need
    # more than 300 bits when the maximum dominates.
    rest = mpmath.fsum(mpmath.exp(v - m) for j, v in enumerate(u) if j != k)
    if take_log:
        return [v - m - mpmath.log1p(rest) for v in u]
    return [mpmath.exp(v - m) / (1 + rest) for v in u]


@pytest.mark.parametrize("dtype, bound", [(np.float64, 4), (np.float32, 1)])
@pytest.mark.parametrize("alpha", [1.0, 0.37, 5.0])
@pytest.mark.parametrize("take_log", [False, True])
def test_softmax_accuracy(dtype, bound, alpha, take_log):
    rng = np.random.default_rng(1)
    rows = [rng.standard_normal(7) * scale for scale in (0.1, 1.0, 10.0, 100.0)]
    rows += [np.array([0.0, -40.0, -50.0]), np.array([300.0, -300.0, 299.0, 1e-5])]
    function = kernels.log_softmax if take_log else kernels.softmax
    for row in rows:
        row = row.astype(dtype)
        got = function(row, alpha)
        assert got.dtype == dtype
        assert _ulps(got, _mp_softmax_row(row, alpha, take_log), dtype) <= bound


@pytest.mark.parametrize("dtype, bound", [(np.float64, 4), (np.float32, 1)])
@pytest.mark.parametrize("take_log", [False, True])
def test_softmax_many_rows_with_special_rows_inside_blocks(dtype, bound, take_log):
    # rows are computed a block at a time: ordinary rows keep the accuracy of
    # a single row, and rows with NaN / infinities in the middle of a block
    # get their limits without disturbing their neighbours
    rng = np.random.default_rng(4)
    x = (rng.standard_normal((1500, 7)) * rng.choice([0.1, 1.0, 30.0], (1500, 1)))
    special = {3: [np.inf, 0, 1, np.inf, 2, 3, 4], 700: [np.nan] + [0.0] * 6,
               701: [-np.inf] * 7, 1499: [3e38, -3e38, 0, 0, 0, 0, 0]}
    for i, row in special.items():
        x[i] = row
    x = x.astype(dtype)
    function = kernels.log_softmax if take_log else kernels.softmax
    got = function(x, 0.7)
    for i in list(rng.choice(1500, 40, replace=False)) + [2, 4, 699, 702, 1498]:
        if i not in special:
            assert _ulps(got[i], _mp_softmax_row(x[i], 0.7, take_log), dtype) <= bound
    for i in special:
        np.testing.assert_array_equal(got[i], function(x[i], 0.7))
    if take_log:
        expected = [-np.log(2), -np.inf, -np.inf, -np.log(2)] + [-np.inf] * 3
        np.testing.assert_array_equal(got[3], np.array(expected).astype(dtype))
    else:
        np.testing.assert_array_equal(got[3], [0.5, 0, 0, 0.5, 0, 0, 0])
        np.testing.assert_array_equal(got[701], np.full(7, 1 / 7).astype(dtype))
    assert np.isnan(got[700]).all()


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-13), (np.float32, 1e-6)])
def test_softmax_rows_longer_than_a_block(dtype, rtol):
    # rows of more than 4096 entries go to the row function one by one
    from scipy.special import log_softmax as scipy_log_softmax
    from scipy.special import softmax as scipy_softmax

    x = np.random.default_rng(5).standard_normal((3, 5000)) * 4
    x[1, 17] = np.nan
    x = x.astype(dtype)
    for function, reference in [(kernels.softmax, scipy_softmax),
                                (kernels.log_softmax, scipy_log_softmax)]:
        got = function(x, 1.5)
        assert got.dtype == dtype
        for i in (0, 2):
            np.testing.assert_allclose(got[i], reference(1.5 * x[i].astype(np.float64)),
                                       rtol=rtol)
        assert np.isnan(got[1]).all()


@pytest.mark.parametrize("take_log", [False, True])
def test_softmax_difference_overflows_but_scaled_difference_is_moderate(take_log):
    # x_k - max x overflows, alpha (x_k - max x) = -2: not 0 and -inf
    x = np.array([-1e308, 1e308, 0.0])
    function = kernels.log_softmax if take_log else kernels.softmax
    exact = _mp_softmax_row(x, 1e-308, take_log)
    assert _ulps(function(x, 1e-308), exact, np.float64) <= 4
    block = function(np.tile(x, (50, 1)), 1e-308)        # the block path
    assert _ulps(block[17], exact, np.float64) <= 4


@pytest.mark.parametrize("take_log", [False, True])
def test_softmax_accuracy_does_not_decay_with_row_length(take_log):
    # the sum over 20000 comparable terms is compensated: a plain sum was off
    # by tens of ulp
    x = np.random.default_rng(8).standard_normal(20000) * 0.01
    function = kernels.log_softmax if take_log else kernels.softmax
    got = function(x, 1.0)
    exact = _mp_softmax_row(x, 1.0, take_log)
    picked = np.random.default_rng(9).choice(x.size, 40, replace=False)
    assert _ulps(got[picked], [exact[i] for i in picked], np.float64) <= 4


def test_softmax_limits():
    x = np.array([[np.inf, 0.0, np.inf], [-np.inf, -np.inf, -np.inf], [1.0, np.nan, 0.0],
                  [1e308, -1e308, 0.0]])
    np.testing.assert_array_equal(kernels.softmax(x, 3.0),
                                  [[0.5, 0, 0.5], [1 / 3] * 3, [np.nan] * 3, [1, 0, 0]])
    log = kernels.log_softmax(x, 3.0)
    np.testing.assert_array_equal(log[0], [-np.log(2), -np.inf, -np.log(2)])
    np.testing.assert_array_equal(log[3], [0.0, -np.inf, -np.inf])


def test_softmax_axis_and_shapes():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 4, 5))
    for axis in (0, 1, 2, -1, -3):
        got = kernels.softmax(x, 1.5, axis=axis)
        e = np.exp(1.5 * (x - x.max(axis=axis, keepdims=True)))
        np.testing.assert_allclose(got, e / e.sum(axis=axis, keepdims=True), rtol=1e-14)
        np.testing.assert_allclose(kernels.log_softmax(x, 1.5, axis=axis), np.log(got),
                                   rtol=1e-13)


# ---- properties ------------------------------------------------------------

finite_floats = st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False)
alphas = st.floats(1e-3, 1e3, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(hnp.arrays(np.float64, st.integers(1, 300), elements=finite_floats), alphas)
def test_sigmoid_is_monotone(x, alpha):
    x = np.sort(x)
    assert np.all(np.diff(kernels.sigmoid(x, alpha)) >= 0)
    assert np.all(np.diff(kernels.log_sigmoid(x, alpha)) >= 0)


@settings(max_examples=200, deadline=None)
@given(hnp.arrays(np.float32, st.integers(1, 300), elements=st.floats(-1e4, 1e4, width=32)),
       st.one_of(alphas, st.integers(-10, 10).map(lambda k: 2.0**k)))
def test_float32_sigmoid_is_monotone(x, alpha):
    x = np.sort(x)
    assert np.all(np.diff(kernels.sigmoid(x, alpha)) >= 0)


@settings(max_examples=200, deadline=None)
@given(hnp.arrays(np.float64, st.integers(1, 300), elements=finite_floats), alphas)
def test_sigmoid_symmetry(x, alpha):
    np.testing.assert_allclose(kernels.sigmoid(-x, alpha), 1 - kernels.sigmoid(x, alpha),
                               rtol=0, atol=2**-52)
    np.testing.assert_array_equal(kernels.sigmoid_derivative(-x, alpha),
                                  kernels.sigmoid_derivative(x, alpha))


@settings(max_examples=200, deadline=None)
@given(hnp.arrays(np.float64, st.integers(1, 300),
                  elements=st.floats(-30, 30, allow_nan=False)),
       st.floats(0.05, 20))
def test_logit_inverts_sigmoid(x, alpha):
    x = x[np.abs(alpha * x) < 36]   # beyond, sigmoid rounds to 1 and cannot be inverted
    assume(x.size > 0)
    u = alpha * x
    # d logit / dp = 1 / (alpha p (1 - p)): relative rounding of p is amplified by
    # 1 / (1 - p) near p = 1.
    tolerance = 4e-16 * (1 + np.exp(np.abs(u))) / alpha
    np.testing.assert_allclose(kernels.logit(kernels.sigmoid(x, alpha), alpha), x,
                               rtol=0, atol=float(np.max(tolerance)))


@settings(max_examples=200, deadline=None)
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 20), st.integers(1, 30)),
                  elements=finite_floats), alphas)
def test_softmax_rows_sum_to_one(x, alpha):
    p = kernels.softmax(x, alpha)
    assert np.all(p >= 0)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=0, atol=x.shape[1] * 2**-52)
    np.testing.assert_allclose(np.exp(kernels.log_softmax(x, alpha)), p, rtol=1e-12,
                               atol=1e-300)


# ---- dtypes, layouts, out= and threads ----------------------------------------
# (the ufunc machinery of the element-wise kernels: tests/test_ufuncs.py)

ELEMENTWISE = [kernels.sigmoid, kernels.sigmoid_derivative, kernels.log_sigmoid]
ROWWISE = [kernels.softmax, kernels.log_softmax]


@pytest.mark.parametrize("function", ELEMENTWISE + ROWWISE)
def test_other_real_inputs_become_float64(function):
    for x in ([1, 2, 3], np.array([True, False]), np.arange(4, dtype=np.int8),
              np.array([0.5, 1.5], dtype=np.float16)):
        got = function(x, 1.0)
        assert got.dtype == np.float64
        np.testing.assert_allclose(got, function(np.asarray(x, dtype=np.float64), 1.0))


@pytest.mark.parametrize("function", ELEMENTWISE)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_strided_and_fortran_inputs(function, dtype):
    rng = np.random.default_rng(3)
    base = rng.standard_normal((40, 30)).astype(dtype) * 10
    expected = function(base, 1.3)
    for view, want in [(np.asfortranarray(base), expected), (base[::2, 1::3], expected[::2, 1::3]),
                       (base.T, expected.T), (base[::-1], expected[::-1])]:
        got = function(view, 1.3)
        assert got.dtype == dtype
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("function", ELEMENTWISE + [kernels.logit])
def test_out_and_in_place(function):
    rng = np.random.default_rng(4)
    x = rng.uniform(0.01, 0.99, size=(50, 7))
    expected = function(x, 2.0)
    out = np.empty_like(x)
    assert function(x, 2.0, out=out) is out
    np.testing.assert_array_equal(out, expected)
    y = x.copy()
    assert function(y, 2.0, out=y) is y
    np.testing.assert_array_equal(y, expected)
    strided_out = np.empty((50, 14))[:, ::2]
    function(x, 2.0, out=strided_out)
    np.testing.assert_array_equal(strided_out, expected)
    # out overlapping the input with an offset must not see half-written values
    z = np.concatenate([x.ravel(), [0.5]])
    function(z[1:], 2.0, out=z[:-1])
    np.testing.assert_array_equal(z[:-1], function(np.concatenate([x.ravel()[1:], [0.5]]), 2.0))


def test_softmax_out_in_place():
    x = np.random.default_rng(5).standard_normal((6, 4))
    expected = kernels.softmax(x, 2.0, axis=0)
    assert kernels.softmax(x, 2.0, axis=0, out=x) is x
    np.testing.assert_array_equal(x, expected)


def test_zero_dim_and_empty():
    assert kernels.sigmoid(0.0, 1.0) == 0.5
    assert isinstance(kernels.sigmoid(np.float32(0.0), 1.0), np.float32)
    assert kernels.sigmoid(np.empty((0, 3)), 1.0).shape == (0, 3)
    assert kernels.softmax(np.empty((0, 3))).shape == (0, 3)


@pytest.mark.parametrize("function", ROWWISE)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_thread_count_does_not_change_results(function, dtype):
    x = (np.random.default_rng(6).standard_normal((100_001, 3)) * 20).astype(dtype)
    np.testing.assert_array_equal(function(x, 0.7, n_threads=1), function(x, 0.7, n_threads=2))
    np.testing.assert_array_equal(function(x, 0.7, n_threads=1), function(x, 0.7))


@pytest.mark.skipif(not _kernels.HAVE_OPENMP, reason="serial build")
def test_default_threads_follow_threadpoolctl():
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="openmp"):
        assert kernels.check_n_threads(None) == 1
    assert kernels.check_n_threads(None) >= 1
    assert kernels.check_n_threads(3) == 3


# ---- bad input -----------------------------------------------------------------

ALL = ELEMENTWISE + [kernels.logit] + ROWWISE


@pytest.mark.parametrize("function", ALL)
def test_non_real_input_is_a_type_error(function):
    with pytest.raises(TypeError, match="complex"):
        function(np.array([1 + 2j]), 1.0)
    with pytest.raises(TypeError, match="real numeric"):
        function(np.array(["a", "b"]), 1.0)
    with pytest.raises(TypeError, match="real numeric"):
        function(np.array([object()]), 1.0)


@pytest.mark.parametrize("function", ALL)
@pytest.mark.parametrize("alpha", [0.0, -1.0, np.nan, np.inf, -np.inf])
def test_bad_alpha_value(function, alpha):
    with pytest.raises(ValueError, match="alpha"):
        function(np.ones(3) * 0.5, alpha)


@pytest.mark.parametrize("function", ALL)
@pytest.mark.parametrize("alpha", ["1", None, 1 + 0j, object()])
def test_bad_alpha_type(function, alpha):
    with pytest.raises(TypeError, match="alpha"):
        function(np.ones(3) * 0.5, alpha)


@pytest.mark.parametrize("function", ROWWISE)
@pytest.mark.parametrize("alpha", [True, [1.0]])
def test_softmax_alpha_is_one_number(function, alpha):
    # The ufuncs broadcast an array alpha (and read True as 1, as numpy does);
    # the softmax functions take one number.
    with pytest.raises(TypeError, match="alpha"):
        function(np.ones(3) * 0.5, alpha)


@pytest.mark.parametrize("function", ROWWISE)
def test_softmax_alpha_as_0d_array(function):
    np.testing.assert_array_equal(function([0.5, 1.0], np.array(2.0)), function([0.5, 1.0], 2.0))


@pytest.mark.parametrize("function", ROWWISE)
@pytest.mark.parametrize("shape, axis", [((3, 0), -1), ((3, 0), 0), ((0,), 0), ((0, 4), 1)])
def test_softmax_of_an_empty_array(function, shape, axis):
    # as scipy.special.softmax: an empty result of the same shape and dtype
    got = function(np.ones(shape, dtype=np.float32), axis=axis)
    assert got.shape == shape and got.dtype == np.float32


@pytest.mark.parametrize("function", ROWWISE)
def test_bad_out(function):
    x = np.full((4, 3), 0.5)
    with pytest.raises(ValueError, match="out has shape"):
        function(x, out=np.empty((3, 4)))
    with pytest.raises(ValueError, match="out has dtype"):
        function(x, out=np.empty((4, 3), dtype=np.float32))
    with pytest.raises(TypeError, match="out must be a numpy.ndarray"):
        function(x, out=[[0.0] * 3] * 4)
    read_only = np.empty((4, 3))
    read_only.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        function(x, out=read_only)


@pytest.mark.parametrize("n_threads, error", [(0, ValueError), (-2, ValueError),
                                              (1.5, TypeError), ("2", TypeError)])
def test_bad_n_threads(n_threads, error):
    with pytest.raises(error, match="n_threads"):
        kernels.softmax(np.ones(3), n_threads=n_threads)


def test_bad_softmax_axis():
    with pytest.raises(ValueError, match="axis 2 is out of bounds"):
        kernels.softmax(np.ones((2, 2)), axis=2)
    with pytest.raises(TypeError, match="axis"):
        kernels.softmax(np.ones((2, 2)), axis=1.0)
    with pytest.raises(ValueError, match="at least one dimension"):
        kernels.softmax(1.0)
