"""scikit-learn estimators built on the sigmoid core sigma(alpha z).

* :class:`SigCoreLogisticRegression`: P(y=1 | x) = sigma(alpha (w.x + b)).
* :class:`SigCoreMLPClassifier`: hidden units f(alpha (W h + b)), with
  ``alpha='auto'`` for deep sigmoid networks and gains learned with the weights.
* :class:`SigCoreMLPRegressor`: the same network for regression.
* :mod:`sklearn_sigcore.kernels`: the fast, exact sigmoid-core kernels.
"""

from . import kernels
from ._logistic import SigCoreLogisticRegression
from ._mlp_classifier import SigCoreMLPClassifier
from ._mlp_regressor import SigCoreMLPRegressor

__version__ = "0.2.0"

__all__ = ["SigCoreLogisticRegression", "SigCoreMLPClassifier", "SigCoreMLPRegressor",
           "kernels", "__version__"]
