"""Plain, versioned pickled state of the estimators (pickle, joblib and skops).

:class:`PersistenceMixin` gives an estimator a ``__getstate__`` that

* records the running ``sklearn_sigcore.__version__``, which ``__setstate__``
  compares with the running one, warning with :class:`SigCoreVersionWarning`
  (a subclass of scikit-learn's ``InconsistentVersionWarning``) when they
  differ, as scikit-learn does for its own estimators;
* writes the estimator's internal helper objects (the network's layout, its
  output head, the optimiser's moment vectors, partial_fit's step-size
  schedule) as plain dicts, so that the saved state holds nothing but
  numbers, strings, lists, dicts and NumPy arrays (a sparse ``coef_`` after
  ``sparsify`` too, as its three arrays): ``skops.io.get_untrusted_types``
  then lists the estimator's own class and nothing else, and a
  ``skops.io.load`` trusted with that list cannot build any other object of
  this package.

It cooperates with ``sklearn.base.BaseEstimator.__getstate__`` /
``__setstate__`` through ``super()``; put it left of ``BaseEstimator``.
"""

import warnings

import scipy.sparse as sp
from sklearn.exceptions import InconsistentVersionWarning

from ._heads import (
    LogLossHead,
    MultinomialHead,
    PoissonHead,
    SigmoidSquaredErrorHead,
    SquaredErrorHead,
)
from ._network import Layout
from ._optimizers import AdamOptimizer, SGDOptimizer
from ._solvers import SgdSchedule

__all__ = ["PersistenceMixin", "SigCoreVersionWarning"]

VERSION_KEY = "_sklearn_sigcore_version"
# A model pickled before versions were recorded.
UNKNOWN_VERSION = "unknown (not recorded)"
HELPER_KEY = "__sklearn_sigcore_helper__"

# Helpers saved as their instance dict and rebuilt from it (an optimiser's
# __getstate__ already drops its cache of views).
_BY_DICT = {cls.__name__: cls for cls in (
    LogLossHead, MultinomialHead, SquaredErrorHead, SigmoidSquaredErrorHead, PoissonHead,
    SGDOptimizer, AdamOptimizer, SgdSchedule)}
# Sparse containers saved as their arrays (skops does not trust scipy's types).
_SPARSE = ("csr_matrix", "csc_matrix", "csr_array", "csc_array")


def _running_version():
    # Read at call time: the package module imports the estimators, and so this module.
    import sklearn_sigcore

    return sklearn_sigcore.__version__


class SigCoreVersionWarning(InconsistentVersionWarning):
    """A model saved by another version of sklearn_sigcore is being loaded.

    A subclass of :class:`sklearn.exceptions.InconsistentVersionWarning`, so
    filters on scikit-learn's warning apply to it too. Its inherited
    ``current_sklearn_version`` and ``original_sklearn_version`` attributes
    hold sklearn_sigcore's versions, as do ``current_version`` and
    ``original_version``.

    Parameters
    ----------
    estimator_name : str
        Class name of the loaded estimator.
    current_version : str
        The running version of sklearn_sigcore.
    original_version : str
        The version that saved the model.

    Examples
    --------
    >>> from sklearn.exceptions import InconsistentVersionWarning
    >>> w = SigCoreVersionWarning(estimator_name="SigCoreLogisticRegression",
    ...                           current_version="0.2.0", original_version="0.1.0")
    >>> isinstance(w, InconsistentVersionWarning)
    True
    >>> w.original_version, w.current_version
    ('0.1.0', '0.2.0')
    """

    def __init__(self, *, estimator_name, current_version, original_version):
        super().__init__(estimator_name=estimator_name,
                         current_sklearn_version=current_version,
                         original_sklearn_version=original_version)
        self.current_version = current_version
        self.original_version = original_version

    def __str__(self):
        return (
            f"Loading {self.estimator_name} saved by sklearn_sigcore "
            f"{self.original_version} with sklearn_sigcore {self.current_version}. "
            "The fitted state may have changed meaning between versions: this might "
            "lead to breaking code or invalid results. Refit the model with the running "
            "version, or load it with the version that saved it."
        )


def _to_plain(value):
    """A helper object of this package as a tagged dict of plain values."""
    if isinstance(value, Layout):
        return {HELPER_KEY: "Layout", "state": {"layer_units": list(value.layer_units),
                                                "learn_alpha": value.learn_alpha}}
    name = type(value).__name__
    if name in _SPARSE and getattr(sp, name) is type(value):
        return {HELPER_KEY: name, "state": {"data": value.data, "indices": value.indices,
                                            "indptr": value.indptr,
                                            "shape": list(value.shape)}}
    if _BY_DICT.get(name) is type(value):
        # object.__getstate__ exists from Python 3.11 on (None when the dict is empty)
        getstate = getattr(value, "__getstate__", None)
        state = (getstate() if getstate is not None else None) or vars(value)
        return {HELPER_KEY: name, "state": dict(state)}
    return value


def _from_plain(value, estimator_name):
    """The helper object a tagged dict of ``_to_plain`` stands for."""
    if not (isinstance(value, dict) and HELPER_KEY in value):
        return value
    name, state = value[HELPER_KEY], value["state"]
    if name == "Layout":
        return Layout(**state)
    if name in _SPARSE:
        return getattr(sp, name)((state["data"], state["indices"], state["indptr"]),
                                 shape=tuple(state["shape"]))
    if name not in _BY_DICT:
        raise ValueError(f"Cannot load {estimator_name}: its saved state holds an internal "
                         f"object {name!r} that this version of sklearn_sigcore does not know.")
    obj = object.__new__(_BY_DICT[name])
    obj.__dict__.update(state)
    return obj


class PersistenceMixin:
    """Versioned, plain pickled state; see the module docstring.

    Examples
    --------
    >>> import pickle
    >>> from sklearn_sigcore import SigCoreMLPClassifier
    >>> clf = SigCoreMLPClassifier((3,), solver="lbfgs", random_state=0)
    >>> clf = clf.fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
    >>> sorted(type(v).__name__ for v in clf.__getstate__().values()
    ...        if type(v).__module__.startswith("sklearn_sigcore"))
    []
    >>> loaded = pickle.loads(pickle.dumps(clf))
    >>> bool((loaded.predict_proba([[1.5]]) == clf.predict_proba([[1.5]])).all())
    True
    """

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: object's may be self.__dict__
        state = {key: _to_plain(value) for key, value in state.items()}
        state[VERSION_KEY] = _running_version()
        return state

    def __setstate__(self, state):
        state = dict(state)
        name = type(self).__name__
        saved, running = state.pop(VERSION_KEY, UNKNOWN_VERSION), _running_version()
        if saved != running:
            warnings.warn(SigCoreVersionWarning(estimator_name=name, current_version=running,
                                                original_version=saved))
        super().__setstate__({key: _from_plain(value, name) for key, value in state.items()})
