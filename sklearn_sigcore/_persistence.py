"""Plain, versioned pickled state of the estimators (pickle, joblib and skops).

:class:`PersistenceMixin` gives an estimator a ``__getstate__`` that

* records the running ``sklearn_sigcore.__version__``, which ``__setstate__``
  compares with the running one, warning with :class:`SigCoreVersionWarning`
  (a subclass of scikit-learn's ``InconsistentVersionWarning``) when they
  differ, as scikit-learn does for its own estimators;
* writes the estimator's internal helper objects (the network's layout, its
  output head, the optimiser's moment vectors, partial_fit's step-size
  schedule) as tagged plain dicts, and a sparse ``coef_`` (after
  ``sparsify``) as its three arrays, so that no object of this package other
  than the estimator itself, and no SciPy object, is in the saved state.

**What skops trusts, and what it does not check.** The rest of the state
is numbers, strings, None, lists, tuples, dicts, NumPy arrays and, in the
classifiers, scikit-learn's ``LabelBinarizer``: types that ``skops.io``
trusts by default (Python's builtins, NumPy arrays, scalars and
dtypes, scikit-learn's estimators). So ``skops.io.get_untrusted_types`` lists
the estimator's own class (e.g.
``'sklearn_sigcore._mlp_classifier.SigCoreMLPClassifier'``) and nothing else
for a model saved by this package, unless the model holds objects of other
types: callbacks set with ``set_callbacks``, or other libraries' steps in a
pipeline, are listed too. ``skops.io.load(file, trusted=[...])`` refuses a
file holding any type outside skops' defaults and that list.

Trusting the estimator class means letting skops create it with
``cls.__new__`` (no ``__init__``) and call its ``__setstate__`` on the
loaded state. That ``__setstate__`` does build other objects: from the
tagged dicts it rebuilds the network's ``Layout``, the output heads, the SGD
and Adam optimisers, the ``SgdSchedule`` and SciPy CSR / CSC matrices. Their
classes come from a fixed list in this module (a tag naming anything else
raises ValueError); no name read from the file is imported or looked up
elsewhere, and no code from the file runs. But skops checks types, not
values: every attribute of the estimator and of those helpers (weights,
gains, classes, hyperparameters, optimiser state) is set to what the file
holds, without validation beyond the sparse matrices' structure (indices
within bounds). A user loading with skops must still

* read the list ``get_untrusted_types`` returns before passing it as
  ``trusted``: it should name only the sklearn_sigcore estimator classes the
  file is meant to hold; anything else is a type whose construction you
  would be trusting as well;
* trust the file's source for what the model computes: a tampered file with
  only trusted types still loads, into a model that computes whatever its
  saved state says (inconsistent state is not caught at load), and it is as
  large as the arrays it holds;
* heed :class:`SigCoreVersionWarning`: a model saved by another version is
  loaded as saved, not converted.

pickle and joblib check nothing: loading runs whatever code the file names.

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
        matrix = getattr(sp, name)((state["data"], state["indices"], state["indptr"]),
                                   shape=tuple(state["shape"]))
        try:    # SciPy's kernels index without bounds checks: refuse bad indices here
            matrix.check_format(full_check=True)
        except ValueError as exc:
            raise ValueError(f"Cannot load {estimator_name}: its saved {name} is not a valid "
                             f"sparse matrix ({exc}).") from exc
        return matrix
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
