"""Fast, exact kernels for the sigmoid core sigma(alpha x) and its relatives.

``sigmoid``, ``sigmoid_derivative``, ``log_sigmoid`` and ``logit`` are NumPy
ufuncs of two arguments, ``f(x, alpha)``, as ``scipy.special.expit`` is a
ufunc of one: they broadcast x against alpha, take ``out=``, ``where=``,
``dtype=`` and the other ufunc keywords, and dispatch through
``__array_ufunc__``, so a dask array or a pandas Series goes in and the same
kind comes out (with a dask x, give alpha as a number: dask infers the result
dtype by calling the ufunc on uninitialised values of its array operands).
alpha is required and positional (a ufunc has no default arguments): write
``sigmoid(x, 1.0)``.  float32 x is computed and returned in float32 (alpha
is always carried in double, so its precision is kept); any other real x
(ints, bools, float16, Python numbers) in float64.  Complex or non-numeric
input raises a TypeError naming the argument, and an alpha that is not a
finite number > 0 a ValueError naming alpha.

Threads are decided by the work: a call runs serially below 65536 elements
and on up to ``omp_get_max_threads()`` OpenMP threads above, so
``OMP_NUM_THREADS`` and ``threadpoolctl.threadpool_limits(1, "openmp")`` cap
them (a ufunc takes no ``n_threads`` keyword).  ``softmax`` and
``log_softmax`` are functions with ``axis`` and ``n_threads``.

The scalar argument of the sigmoid core is u = alpha * x, formed in double
precision (float32 ``sigmoid`` carries it as a pair of floats, to the same
effect); the result is accurate to a few units in the last place for that u,
including subnormal results and the limits at +-inf.  NaN in gives NaN out,
and no floating-point warning is raised for any input.
"""

import numbers

import numpy as np

from . import _kernels, _ufuncs

__all__ = [
    "sigmoid",
    "sigmoid_derivative",
    "log_sigmoid",
    "logit",
    "softmax",
    "log_softmax",
]


def check_alpha(alpha, name="alpha"):
    """Return `alpha` as a float after checking it is a finite number > 0.

    A 0-d numeric array counts as its value; booleans are refused.
    """
    if isinstance(alpha, np.ndarray) and alpha.ndim == 0 and alpha.dtype.kind in "iuf":
        alpha = alpha.item()
    if isinstance(alpha, (bool, np.bool_)) or not isinstance(alpha, numbers.Real):
        raise TypeError(f"{name} must be a real number > 0, got {alpha!r} of type "
                        f"{type(alpha).__name__}.")
    alpha = float(alpha)
    if not (np.isfinite(alpha) and alpha > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {alpha!r}.")
    return alpha


def check_n_threads(n_threads):
    """Return the number of threads to use for `n_threads` (None or an int >= 1)."""
    if n_threads is not None:
        if isinstance(n_threads, (bool, np.bool_)) or not isinstance(
            n_threads, numbers.Integral
        ):
            raise TypeError(f"n_threads must be None or a positive int, got {n_threads!r}.")
        if n_threads < 1:
            raise ValueError(f"n_threads must be None or >= 1, got {n_threads}.")
        n_threads = int(n_threads)
    return _kernels.openmp_effective_n_threads(n_threads)


def _as_real_array(x, name):
    """`x` as an ndarray of float32 or float64, refusing what is not real."""
    array = np.asarray(x)
    kind = array.dtype.kind
    if kind == "c":
        raise TypeError(f"{name} must be real; got a complex array ({array.dtype}).")
    if kind not in "biuf":
        raise TypeError(f"{name} must be a real numeric array; got dtype {array.dtype}.")
    if array.dtype not in (np.float32, np.float64):
        array = array.astype(np.float64)
    return array


def _check_out(out, x):
    if out is None:
        return None
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a numpy.ndarray, got {type(out).__name__}.")
    if out.shape != x.shape:
        raise ValueError(f"out has shape {out.shape}, expected {x.shape}.")
    if out.dtype != x.dtype:
        raise ValueError(f"out has dtype {out.dtype}, expected {x.dtype} (the dtype "
                         "of the result for this input).")
    if not out.flags.writeable:
        raise ValueError("out is read-only.")
    return out


_UFUNC_PARAMETERS = """\
    alpha : array_like
        Scale of the sigmoid core: finite numbers > 0 (usually one float),
        broadcast against `{x}`.  Required, and positional: a ufunc has no
        default arguments and takes its inputs by position only.
    out : ndarray, None, or tuple of ndarray and None, optional
        Where to write the result, as for any ufunc (it may be `{x}` itself:
        in place).  The result is cast to its dtype under ``casting``.
    where : array_like, optional
        Where False, `out` keeps its value (without `out`, uninitialised).
    **kwargs
        The other keyword-only arguments of every NumPy ufunc: ``casting``,
        ``order``, ``dtype`` (float32 or float64: the precision to compute
        in), ``subok``, ``signature``."""

_UFUNC_RAISES = """\
    Raises
    ------
    TypeError
        If `{x}` or alpha is complex or not numeric.
    ValueError
        If an alpha is <= 0, NaN or infinite (with a scalar alpha, before
        anything is written to `out`)."""


def _ufunc(kind, doc, x="x"):
    """The ufunc of `kind`, with `doc` completed by the shared sections."""
    doc = doc.replace("%(parameters)s", _UFUNC_PARAMETERS.format(x=x))
    doc = doc.replace("%(raises)s", _UFUNC_RAISES.format(x=x))
    return _ufuncs.make_ufunc(kind, doc)


sigmoid = _ufunc(_ufuncs.SIGMOID, """\
    Sigmoid core sigma(alpha x) = 1 / (1 + exp(-alpha x)), a NumPy ufunc.

    Exact 0 and 1 only where the true value rounds there (results in the
    subnormal range are returned, unlike ``scipy.special.expit``).  float64 is
    within 4 ulp.  float32 is within 1 ulp (at most 0.80 ulp, and monotone,
    over every float32 input for each alpha checked).  Where the
    build and the CPU give a hardware fma (GCC builds on x86-64 Linux running
    on an AVX2 / FMA CPU, and aarch64) and 2**-60 <= alpha <= 2**60, float32
    is computed in float arithmetic with compensated roundings (twice the
    vector width of double); otherwise in double and rounded once.

    Parameters
    ----------
    x : array_like
        Input of any shape.
%(parameters)s

    Returns
    -------
    ndarray or scalar
        sigma(alpha x): float32 for float32 `x`, float64 for other real
        input; a dask array or pandas object stays one (``__array_ufunc__``).

%(raises)s

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_sigcore.kernels import sigmoid
    >>> sigmoid([0.0, 2.0, -800.0], 0.5)
    array([5.00000000e-001, 7.31058579e-001, 1.91516960e-174])
    >>> sigmoid(np.array([1.0], dtype=np.float32), 2.0)
    array([0.8807971], dtype=float32)
    >>> sigmoid(1.0, [[1.0], [2.0]])   # broadcasting over alpha
    array([[0.73105858],
           [0.88079708]])
    """)

sigmoid_derivative = _ufunc(_ufuncs.SIGMOID_DERIVATIVE, """\
    Derivative d/dx sigma(alpha x) = alpha sigma(alpha x) sigma(-alpha x), a ufunc.

    Computed as a product of the two sigmoids, so it stays accurate in the
    tails where sigma (1 - sigma) would cancel. Never negative; at most alpha/4.

    Parameters
    ----------
    x : array_like
        Input of any shape.
%(parameters)s

    Returns
    -------
    ndarray or scalar
        The derivative, in the dtype rules of :func:`sigmoid`.

%(raises)s

    Examples
    --------
    >>> from sklearn_sigcore.kernels import sigmoid_derivative
    >>> sigmoid_derivative([0.0, 40.0], 4.0)
    array([1.00000000e+00, 1.30299541e-69])
    """)

log_sigmoid = _ufunc(_ufuncs.LOG_SIGMOID, """\
    log sigma(alpha x) = -log1p(exp(-alpha x)), finite wherever alpha x is; a ufunc.

    Parameters
    ----------
    x : array_like
        Input of any shape.
%(parameters)s

    Returns
    -------
    ndarray or scalar
        log sigma(alpha x), in the dtype rules of :func:`sigmoid`.

%(raises)s

    Examples
    --------
    >>> from sklearn_sigcore.kernels import log_sigmoid
    >>> log_sigmoid([-1000.0, 0.0, 50.0], 1.0)
    array([-1.00000000e+03, -6.93147181e-01, -1.92874985e-22])
    """)

logit = _ufunc(_ufuncs.LOGIT, """\
    Inverse of :func:`sigmoid`: log(p / (1 - p)) / alpha, a NumPy ufunc.

    Returns -inf at p = 0, +inf at p = 1 and NaN outside [0, 1] (without a
    floating-point warning).

    Parameters
    ----------
    p : array_like
        Probabilities, any shape.
%(parameters)s

    Returns
    -------
    ndarray or scalar
        x such that sigmoid(x, alpha) == p, in the dtype rules of
        :func:`sigmoid`.

%(raises)s

    Examples
    --------
    >>> from sklearn_sigcore.kernels import logit
    >>> logit([0.5, 0.75, 1.0], 2.0)
    array([0.        , 0.54930614,        inf])
    """, x="p")

# doctest does not look inside ufunc objects: list their docstrings here.
__test__ = {f.__name__: f.__doc__ for f in (sigmoid, sigmoid_derivative, log_sigmoid, logit)}


def _apply_rowwise(x, alpha, axis, out, n_threads, take_log):
    x = _as_real_array(x, "x")
    alpha = check_alpha(alpha)
    n_threads = check_n_threads(n_threads)
    out = _check_out(out, x)
    if x.ndim == 0:
        raise ValueError("softmax needs an array with at least one dimension.")
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"axis must be an int, got {axis!r}.")
    axis = int(axis)
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"axis {axis} is out of bounds for an array of dimension {x.ndim}.")
    if x.size == 0:
        # nothing to normalise (scipy's softmax also returns an empty array)
        return out if out is not None else np.empty_like(x)
    moved = np.moveaxis(x, axis, -1)
    rows = np.ascontiguousarray(moved).reshape(-1, moved.shape[-1])
    result = np.empty_like(rows)
    _kernels.softmax_rows(rows, result, alpha, take_log, n_threads)
    result = np.moveaxis(result.reshape(moved.shape), -1, axis)
    if out is not None:
        out[...] = result
        return out
    return result


def softmax(x, alpha=1.0, axis=-1, *, out=None, n_threads=None):
    """Softmax of alpha x along `axis`: exp(alpha x_k) / sum_j exp(alpha x_j).

    alpha is the inverse temperature.  Accurate for the exact alpha x (the
    rounding of alpha (x_k - max x) is carried along).  Where the maximum
    along the axis is +inf or -inf, the entries equal to it share the mass
    equally and the others get 0; a NaN makes its whole slice NaN.

    Parameters
    ----------
    x : array_like
        Input with at least one dimension.
    alpha : float, default=1.0
        Inverse temperature, a finite number > 0.
    axis : int, default=-1
        Axis along which the result sums to 1.
    out : ndarray, optional
        Where to write the result; may be `x` itself.
    n_threads : int, default=None
        Threads to use; None means all the process may use.

    Returns
    -------
    ndarray
        Probabilities with the shape and result dtype of `x`.

    Examples
    --------
    >>> from sklearn_sigcore.kernels import softmax
    >>> softmax([[0.0, 1.0], [1000.0, 1000.0]], alpha=2.0)
    array([[0.11920292, 0.88079708],
           [0.5       , 0.5       ]])
    """
    return _apply_rowwise(x, alpha, axis, out, n_threads, take_log=False)


def log_softmax(x, alpha=1.0, axis=-1, *, out=None, n_threads=None):
    """log softmax(alpha x) = alpha x_k - logsumexp(alpha x) along `axis`.

    Computed through the maximum and log1p, so the largest entry keeps full
    relative accuracy even when it dominates.  Limits as for :func:`softmax`.

    Parameters
    ----------
    x : array_like
        Input with at least one dimension.
    alpha : float, default=1.0
        Inverse temperature, a finite number > 0.
    axis : int, default=-1
        Axis of the normalisation.
    out : ndarray, optional
        Where to write the result; may be `x` itself.
    n_threads : int, default=None
        Threads to use; None means all the process may use.

    Returns
    -------
    ndarray
        Log-probabilities with the shape and result dtype of `x`.

    Examples
    --------
    >>> from sklearn_sigcore.kernels import log_softmax
    >>> log_softmax([0.0, 50.0])
    array([-5.00000000e+01, -1.92874985e-22])
    """
    return _apply_rowwise(x, alpha, axis, out, n_threads, take_log=True)
