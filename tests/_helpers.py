"""Test helpers shared by the test modules."""

import numpy as np
import sklearn
from sklearn.utils.fixes import parse_version

# scikit-learn 1.8 chooses the penalty by l1_ratio and C (penalty deprecated)
NEW_PENALTY_API = parse_version(sklearn.__version__).release >= (1, 8)


def penalty_params(penalty="l2", C=1.0, l1_ratio=None):
    """The parameters that choose a penalty, the installed scikit-learn's way
    (``l1_ratio`` and ``C`` from 1.8 on, ``penalty`` before)."""
    ratio = {"l2": 0.0, "l1": 1.0, "elasticnet": l1_ratio, None: 0.0}[penalty]
    if not NEW_PENALTY_API:
        params = dict(penalty=penalty, C=C)
        if penalty == "elasticnet":
            params["l1_ratio"] = l1_ratio
        return params
    return dict(C=np.inf if penalty is None else C, l1_ratio=ratio)


def numerical_gradient(f, x, eps=1e-6):
    """Central finite differences of the scalar function f at x."""
    grad = np.empty_like(x)
    for j in range(x.size):
        xp, xm = x.copy(), x.copy()
        xp[j] += eps
        xm[j] -= eps
        grad[j] = (f(xp) - f(xm)) / (2 * eps)
    return grad
