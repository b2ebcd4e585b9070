"""Our L-BFGS loop against scipy's L-BFGS-B, the algorithm it reproduces."""

import numpy as np
import pytest
import scipy.optimize
from numpy.testing import assert_allclose
from scipy.special import expit, log_expit
from sklearn.datasets import load_breast_cancer, make_classification
from sklearn.preprocessing import StandardScaler

from sklearn_sigcore._estimator_utils import minimize_lbfgs
from sklearn_sigcore._lbfgs_fast import ABNORMAL, CONVERGENCE, LIMIT, lbfgs


def logistic_objective(X, y, l2):
    """Mean log-loss + L2 of binary logistic regression with an intercept."""
    sign = 2.0 * y - 1.0

    def fun(w):
        z = sign * (X @ w[:-1] + w[-1])
        r = -sign * expit(-z) / len(y)
        return (-log_expit(z).mean() + 0.5 * l2 * w[:-1] @ w[:-1],
                np.r_[X.T @ r + l2 * w[:-1], r.sum()])

    return fun


def rosenbrock(x):
    return scipy.optimize.rosen(x), scipy.optimize.rosen_der(x)


def problems():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    Xc, yc = make_classification(2000, 50, random_state=0)
    quad = np.linspace(1.0, 30.0, 12)
    return {
        "breast_cancer": (logistic_objective(X, y, 1 / len(y)), np.zeros(31)),
        "classification": (logistic_objective(Xc, yc, 1e-5), np.zeros(51)),
        "rosenbrock": (rosenbrock, np.array([-1.2, 1.0])),
        "quadratic": (lambda x: (0.5 * x @ (quad * x), quad * x), np.ones(12)),
    }


def scipy_lbfgsb(fun, x0, **options):
    return scipy.optimize.minimize(fun, x0, jac=True, method="L-BFGS-B", options=options)


@pytest.mark.parametrize("name", ["breast_cancer", "classification", "rosenbrock", "quadratic"])
@pytest.mark.parametrize("gtol, ftol", [(1e-4, 64 * np.finfo(float).eps), (1e-5, 2.2e-9)])
def test_same_iterates_as_scipy(name, gtol, ftol):
    fun, x0 = problems()[name]
    ref = scipy_lbfgsb(fun, x0, maxiter=1000, gtol=gtol, ftol=ftol, maxls=50)
    x, value, n_iter, status, message = lbfgs(fun, x0, max_iter=1000, gtol=gtol, ftol=ftol,
                                              maxls=50)
    assert ref.status == 0 and status == CONVERGENCE
    assert n_iter == ref.nit
    assert_allclose(x, ref.x, rtol=1e-9, atol=1e-12)
    assert value == pytest.approx(ref.fun, rel=1e-12, abs=1e-12 * fun(x0)[0])
    assert message.startswith("CONVERGENCE")
    # the same stopping rule fired (scipy < 1.15 spells it with underscores, in bytes)
    ref_message = ref.message.decode() if isinstance(ref.message, bytes) else ref.message
    assert ("GRADIENT" in message) == ("GRADIENT" in ref_message)


def test_iteration_limit_as_scipy():
    fun, x0 = problems()["rosenbrock"]
    ref = scipy_lbfgsb(fun, x0, maxiter=7)
    x, _, n_iter, status, message = lbfgs(fun, x0, max_iter=7, gtol=1e-5, ftol=2.2e-9)
    assert (status, n_iter, ref.status, ref.nit) == (LIMIT, 7, 1, 7)
    assert "ITERATIONS" in message
    assert_allclose(x, ref.x, rtol=1e-12)


def test_evaluation_limit():
    fun, x0 = problems()["rosenbrock"]
    calls = []

    def counted(x):
        calls.append(1)
        return fun(x)

    _, _, _, status, message = lbfgs(counted, x0, max_iter=1000, gtol=1e-5, ftol=2.2e-9,
                                     max_fun=10)
    assert status == LIMIT and "EVALUATIONS" in message
    assert 10 < len(calls) <= 10 + 20      # stops after the iteration that passed the limit


def test_gradient_at_start_below_gtol_takes_no_step():
    x0 = np.array([1e-9, -1e-9])
    x, value, n_iter, status, _ = lbfgs(lambda x: (float(x @ x), 2 * x), x0,
                                        max_iter=10, gtol=1e-6, ftol=0.0)
    assert (n_iter, status) == (0, CONVERGENCE)
    assert_allclose(x, x0)
    assert value == pytest.approx(2e-18)


def test_callback_stops_at_the_accepted_iterate():
    fun, x0 = problems()["breast_cancer"]
    seen = []

    def on_iteration(n_iter, x):
        seen.append((n_iter, x))
        return n_iter == 3

    res = minimize_lbfgs(fun, x0, max_iter=100, gtol=1e-8, on_iteration=on_iteration)
    assert res.stopped and res.n_iter == 3 and res.fun is None
    assert [k for k, _ in seen] == [1, 2, 3]
    assert_allclose(res.x, seen[-1][1])
    # each iterate is its own array: the ones handed out earlier are unchanged
    ref = scipy_lbfgsb(fun, x0, maxiter=2, gtol=1e-8)
    assert_allclose(seen[1][1], ref.x, rtol=1e-10)


def test_a_reused_gradient_buffer_is_copied():
    """A function may return the same gradient array at every call."""
    quad = np.linspace(1.0, 5.0, 6)
    buffer = np.empty(6)

    def fun(x):
        np.multiply(quad, x, out=buffer)
        return 0.5 * float(x @ buffer), buffer

    x, _, _, status, _ = lbfgs(fun, np.ones(6), max_iter=100, gtol=1e-10, ftol=0.0)
    assert status == CONVERGENCE
    assert_allclose(x, 0.0, atol=1e-9)


def test_infinite_values_beyond_a_radius_shrink_the_step():
    """Trial points where f is inf (outside |x| < 2) halve the step."""
    outside = []

    def fun(x):
        if np.abs(x).max() >= 2:
            outside.append(x)
            return np.inf, np.full_like(x, np.nan)
        return float((np.exp(x) - 7 * x).sum()), np.exp(x) - 7

    x, value, _, status, _ = lbfgs(fun, np.full(3, -1.9), max_iter=100, gtol=1e-8, ftol=0.0)
    assert outside                        # the case is exercised
    assert status == CONVERGENCE
    assert_allclose(x, np.log(7), rtol=1e-9)


@pytest.mark.parametrize("maxls", [3, 20])
def test_a_failed_line_search_ends_abnormally_at_the_last_good_point(maxls):
    """f rises along -g (the gradient has the wrong sign): as scipy, no step is taken."""
    x0 = np.array([1.0, 2.0])

    def fun(x):
        return float(np.abs(x).sum()), -np.sign(x)

    ref = scipy_lbfgsb(fun, x0, gtol=1e-8, ftol=0.0, maxls=maxls)
    x, value, n_iter, status, message = lbfgs(fun, x0, max_iter=100, gtol=1e-8, ftol=0.0,
                                              maxls=maxls)
    assert (status, n_iter) == (ABNORMAL, 0) == (ref.status, ref.nit)
    assert "ABNORMAL" in message
    assert_allclose(x, x0)
    assert value == 3.0


def test_bad_gradient_shape_and_nan_gradient():
    with pytest.raises(ValueError, match="gradient has shape"):
        lbfgs(lambda x: (float(x @ x), np.ones(5)), np.ones(3), max_iter=10, gtol=1e-8,
              ftol=0.0)
    # a NaN gradient at the start is not "small": the run does not report convergence
    _, _, n_iter, status, _ = lbfgs(lambda x: (0.0, np.full(3, np.nan)), np.ones(3),
                                    max_iter=10, gtol=1e-8, ftol=0.0)
    assert status != CONVERGENCE and n_iter == 0
