"""scikit-learn estimators built on the sigmoid core sigma(alpha z)."""

from . import kernels

__version__ = "0.1.0"

__all__ = ["kernels", "__version__"]
