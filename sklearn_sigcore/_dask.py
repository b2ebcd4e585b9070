"""dask collections in and out: the chunk-wise fit of the linear model and
lazy, block-by-block predictions for every estimator.

dask is imported only when a dask collection is passed (it is the optional
``distributed`` extra).

The fit (:func:`logistic_problem`) persists each row chunk of X, y and
sample_weight, validated and converted, where it is computed (on the
workers of a distributed cluster: X never comes to the calling process),
reads what the checks and the classes need in one pass over the chunks,
then encodes the targets and weights in place and hands the solvers a
:class:`~sklearn_sigcore._solvers._dask_problem.DaskLogisticProblem`.
"""

import functools
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import is_classifier
from sklearn.exceptions import DataConversionWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils import check_array
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_feature_names,
    _check_n_features,
    _check_sample_weight,
)

from sklearn_sigcore._estimator_utils import (
    canonical_sparse,
    class_weights,
    user_stacklevel,
)
from sklearn_sigcore._solvers._problem import column_rms, scale_from_rms
from sklearn_sigcore._threads import threadpool_controller


def is_dask_collection(obj):
    """Whether ``obj`` is a dask collection (array, DataFrame, Series, ...)."""
    return obj is not None and hasattr(obj, "__dask_graph__")


# -------------------------------------------------------------- inputs
def _as_array(obj):
    """A dask array of a dask DataFrame / Series / array, with known chunk sizes."""
    if hasattr(obj, "to_dask_array"):  # DataFrame or Series: lengths in one pass
        return obj.to_dask_array(lengths=True)
    if any(np.isnan(size) for sizes in obj.chunks for size in sizes):
        obj = obj.compute_chunk_sizes()
    return obj


def _row_aligned(obj, X, name):
    """``obj`` (dask, numpy or a scalar) split into X's row chunks, or None."""
    import dask.array as da

    if obj is None or np.ndim(obj) == 0:
        return None
    obj = _as_array(obj) if is_dask_collection(obj) else np.asarray(obj)
    if obj.ndim == 2 and obj.shape[1] == 1 and name == "y":
        warnings.warn("A column-vector y was passed when a 1d array was expected. Please "
                      "change the shape of y to (n_samples, ), for example using ravel().",
                      DataConversionWarning, stacklevel=user_stacklevel())
        obj = obj[:, 0]
    if obj.ndim != 1:
        raise ValueError(f"{name} should be a 1d array, got an array of shape "
                         f"{obj.shape} instead.")
    if obj.shape[0] != X.shape[0]:
        raise ValueError("Found input variables with inconsistent numbers of samples: "
                         f"[{X.shape[0]}, {obj.shape[0]}] (X and {name}).")
    if isinstance(obj, np.ndarray):
        return da.from_array(obj, chunks=(X.chunks[0],))
    return obj.rechunk((X.chunks[0],))


def _prepare_task(X, y, sw, dtype):
    """One chunk validated as the in-memory fit validates X, y and sample_weight."""
    X = check_array(X, accept_sparse="csr", dtype=dtype, ensure_min_samples=0,
                    accept_large_sparse=True, input_name="X")
    if sp.issparse(X):
        X = canonical_sparse(X)        # dask may hold the chunk for others
    else:
        X = np.ascontiguousarray(X)
    y = np.asarray(y).reshape(-1)
    if y.shape[0] != X.shape[0]:  # partitions of a DataFrame and a Series that differ
        raise ValueError("Found input variables with inconsistent numbers of samples: "
                         f"[{X.shape[0]}, {y.shape[0]}] in one partition (X and y). The "
                         "partitions of a dask X and y must hold the same rows: split y "
                         "as X (y.repartition(divisions=X.divisions)) or pass dask arrays.")
    if sw is not None:  # scikit-learn's checks and messages, a scalar made an array
        sw = _check_sample_weight(np.asarray(sw).reshape(-1) if np.ndim(sw) else sw, X,
                                  dtype=dtype)
    return X, y, sw


def _summary_task(chunk):
    """What the checks and the classes need of one chunk."""
    X, y, sw = chunk
    if y.size and y.dtype.kind not in "biuU":
        check_classification_targets(y)
    labels, inverse = np.unique(y, return_inverse=True)
    counts = np.bincount(inverse.reshape(-1), weights=sw, minlength=len(labels))
    return {
        "n": X.shape[0],
        "labels": labels,
        "counts": counts,
        "sw_negative": sw is not None and bool(np.any(sw < 0)),
        "rms": column_rms(X),
    }


def _encode_task(chunk, classes, class_factors, binary, vanishing):
    """The chunk as the solvers read it: targets, sample times class weights."""
    X, y, sw = chunk
    index = np.searchsorted(classes, y)
    target = ((index == 1) if binary else index).astype(X.dtype)
    if class_factors is not None:
        factors = class_factors[index].astype(X.dtype)
        sw = factors if sw is None else sw * factors
    if vanishing:  # the intercept alone (see SigCoreLogisticRegression._problem)
        X = np.zeros((X.shape[0], 1), dtype=X.dtype)
    return X, target, sw


def _merge_rms(summaries, n):
    """Column RMS of the whole of X from each chunk's, without overflow."""
    rms = np.array([s["rms"] for s in summaries])
    rows = np.array([s["n"] for s in summaries], dtype=np.float64)
    top = rms.max(axis=0)
    safe = np.where(top > 0, top, 1.0)
    return top * np.sqrt(((rms / safe) ** 2 * rows[:, None]).sum(axis=0) / max(n, 1))


def _numpy_dtype(dtype):
    """The NumPy dtype of a column's dtype, pandas extension dtypes included
    (nullable Float32 / Int64, pyarrow: their ``numpy_dtype``); object if none."""
    try:
        return np.dtype(getattr(dtype, "numpy_dtype", dtype))
    except TypeError:
        return np.dtype(object)


def _same_partitions(obj, X):
    """Whether ``obj`` is a dask Series split as the dask DataFrame X is (as far
    as dask knows: with unknown divisions the lengths are checked in the tasks)."""
    if not hasattr(obj, "npartitions") or obj.ndim != 1:
        return False
    if obj.npartitions != X.npartitions:
        return False
    return not (obj.known_divisions and X.known_divisions) or obj.divisions == X.divisions


def _row_blocks(estimator, X, y, sample_weight):
    """Delayed row blocks of X, y and sample_weight, n_features and the dtype;
    sets ``n_features_in_`` and ``feature_names_in_``.

    A dask DataFrame with a Series y (and sample_weight) of as many partitions
    is split by its partitions as they are, so that it is read once (their
    lengths are checked in the chunk tasks); anything else becomes dask arrays
    of known chunk sizes, X's row chunks giving everyone's.
    """
    scalar_sw = sample_weight if np.ndim(sample_weight) == 0 else None
    dtype = None
    if hasattr(X, "columns"):
        meta = X._meta  # an empty pandas frame: the names and the dtypes
        _check_n_features(estimator, meta, reset=True)
        _check_feature_names(estimator, meta, reset=True)
        dtypes = set(_numpy_dtype(t) for t in meta.dtypes)
        dtype = np.dtype(np.float32) if dtypes == {np.dtype(np.float32)} else np.dtype(
            np.float64)
        aligned = [obj for obj in (y, sample_weight) if obj is not None and scalar_sw is not obj]
        if all(_same_partitions(obj, X) for obj in aligned):
            x_blocks = X.to_delayed()
            y_blocks = y.to_delayed()
            sw_blocks = (sample_weight.to_delayed() if hasattr(sample_weight, "to_delayed")
                         else [scalar_sw] * len(x_blocks))
            return x_blocks, y_blocks, sw_blocks, meta.shape[1], dtype
    else:
        _check_feature_names(estimator, X, reset=True)
    X = _as_array(X)
    if X.ndim != 2:
        raise ValueError(f"Expected a 2D array for X, got a {X.ndim}D dask array.")
    if X.numblocks[1] > 1:
        X = X.rechunk({1: -1})  # whole rows in each chunk
    _check_n_features(estimator, X, reset=True)
    if dtype is None:
        dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    y = _row_aligned(y, X, "y")
    sw = _row_aligned(sample_weight, X, "sample_weight")
    x_blocks = X.to_delayed().ravel()
    sw_blocks = (sw.to_delayed().ravel() if sw is not None
                 else [scalar_sw] * len(x_blocks))
    return x_blocks, y.to_delayed().ravel(), sw_blocks, X.shape[1], dtype


def logistic_problem(estimator, X, y, sample_weight, penalty_terms):
    """The chunk-wise problem of ``estimator.fit(X, y, sample_weight)``.

    Parameters
    ----------
    estimator : SigCoreLogisticRegression
    X, y, sample_weight : dask collections (or numpy y / sample_weight)
    penalty_terms : callable
        ``penalty_terms(sw_sum, largest_rms) -> dict`` of the problem's
        penalty arguments and ``coef_vanishes`` (``largest_rms()``: the largest
        column RMS of X).

    Returns
    -------
    problem : DaskLogisticProblem
    classes : ndarray
    dtype : numpy dtype of the fitted attributes
    """
    import dask

    from sklearn_sigcore._solvers._dask_problem import DaskLogisticProblem

    x_blocks, y_blocks, sw_blocks, n_features, dtype = _row_blocks(estimator, X, y,
                                                                   sample_weight)
    prepare = dask.delayed(_prepare_task, pure=True)
    raw = dask.persist(*[prepare(xb, yb, swb, dtype)
                         for xb, yb, swb in zip(x_blocks, y_blocks, sw_blocks)])
    summaries = dask.compute(*[dask.delayed(_summary_task, pure=True)(c) for c in raw])

    n = sum(s["n"] for s in summaries)
    if n < 1:
        raise ValueError(f"Found array with 0 sample(s) (shape=(0, {n_features})) while "
                         "a minimum of 1 is required.")
    classes = np.unique(np.concatenate([s["labels"] for s in summaries]))
    counts = np.zeros(len(classes))
    for s in summaries:
        counts[np.searchsorted(classes, s["labels"])] += s["counts"]
    if len(classes) < 2:
        raise ValueError(
            "This solver needs samples of at least 2 classes in the data, but the "
            f"data contains only one class: {classes[0]!r}"
        )
    weighted = sample_weight is not None
    if weighted:
        if any(s["sw_negative"] for s in summaries):
            raise ValueError("Negative values in sample_weight: weights must be >= 0.")
        if not np.any(counts > 0):
            raise ValueError("Sample weights must contain at least one non-zero "
                             "number: all sample weights are zero.")
        if (counts > 0).sum() < 2:
            raise ValueError(
                "Only one class has samples of non-zero weight: at least 2 classes "
                "with positive sample weight are needed."
            )
    factors = (None if estimator.class_weight is None else
               class_weights(estimator.class_weight, classes, counts, classes))
    sw_sum = float(np.dot(counts, factors)) if factors is not None else float(counts.sum())
    if (weighted or factors is not None) and not sw_sum > 0:
        raise ValueError("The sample weights (times the class weights) sum to zero: "
                         "there is nothing to fit.")
    if not weighted and factors is None:
        sw_sum = float(n)

    rms = _merge_rms(summaries, n)
    terms = penalty_terms(sw_sum, lambda: float(rms.max(initial=0.0)))
    vanishing = terms["coef_vanishes"]
    scale = None if vanishing else scale_from_rms(rms, terms["l2"])
    K = 1 if len(classes) == 2 else len(classes)
    encode = dask.delayed(_encode_task, pure=True)
    chunks = dask.persist(*[encode(c, classes, factors, K == 1, vanishing) for c in raw])
    del raw  # the workers keep only the encoded chunks
    problem = DaskLogisticProblem(chunks, n_features, dtype, sw_sum, K,
                                  estimator.fit_intercept, scale=scale, **terms)
    return problem, classes, dtype


def dask_compute(*objs):
    """``dask.compute`` of the dask collections among ``objs`` (others pass through)."""
    import dask

    return dask.compute(*objs)


# ------------------------------------------------------------- outputs
def lazy_on_dask(method):
    """Decorate a predict-like method ``method(self, X)``: on a dask array (or
    DataFrame) it returns a lazy dask array computed block by block, each
    block by the method itself on that block of rows."""

    @functools.wraps(method)
    def wrapper(self, X, *args, **kwargs):
        if not is_dask_collection(X):
            return method(self, X, *args, **kwargs)

        def apply(block):
            # OpenMP limits are per thread: dask's threads would each start a
            # full team next to the others (and BLAS) without this
            with threadpool_controller().limit(limits=1, user_api="openmp"):
                return method(self, block, *args, **kwargs)
        return _map_row_blocks(apply, X)

    return wrapper


def _map_row_blocks(apply, X):
    """``apply`` on each row block of X, concatenated lazily."""
    import dask
    import dask.array as da

    if hasattr(X, "columns"):  # a DataFrame: its partitions keep the column names
        blocks, rows = X.to_delayed(), [np.nan] * X.npartitions
        probe = X._meta.reindex(range(1)).fillna(0)
    else:
        if X.ndim != 2:  # before the probe below would show its own row of zeros
            raise ValueError(f"Expected a 2D array for X, got a {X.ndim}D dask array.")
        if X.numblocks[1] > 1:
            X = X.rechunk({1: -1})
        blocks, rows = X.to_delayed().ravel(), X.chunks[0]
        probe = np.zeros((1,) + X.shape[1:], dtype=X.dtype)
    # the output's trailing shape and dtype, from one row of zeros
    sample = np.asarray(apply(probe))

    def apply_or_empty(block):  # the estimators refuse 0 samples; a block may have none
        if block.shape[0] == 0:
            return np.empty((0,) + sample.shape[1:], dtype=sample.dtype)
        return apply(block)

    parts = [da.from_delayed(dask.delayed(apply_or_empty)(block),
                             shape=(n,) + sample.shape[1:], dtype=sample.dtype)
             for block, n in zip(blocks, rows)]
    return da.concatenate(parts, axis=0)


class DaskScoreMixin:
    """``score`` that also takes dask collections (computed block by block)."""

    def _integer_label_accuracy(self, X, y, sample_weight):
        """accuracy_score's value without its target checks, or None.

        For a classifier of integer (or bool) labels scored on a plain 1-D
        integer or bool array y (not a subclass: a masked array's mean skips
        entries) without weights, the checks cannot fail or change the result
        (both label sets are binary or multiclass; the mean of y == predict(X)
        is the score), and they cost 0.4 ms per call: more than predicting a
        small data set, and paid on every fold of a grid search.
        """
        if not (is_classifier(self) and sample_weight is None
                and type(y) is np.ndarray and y.ndim == 1 and y.dtype.kind in "biu"
                and getattr(getattr(self, "classes_", None), "dtype", None) is not None
                and self.classes_.dtype.kind in "biu"):
            return None
        y_pred = self.predict(X)
        if y_pred.shape != y.shape:
            return accuracy_score(y, y_pred)  # raises scikit-learn's error
        return float(np.mean(y_pred == y))

    def score(self, X, y, sample_weight=None):
        """Mean accuracy (classifiers) or R² (regressors), weighted by
        ``sample_weight``, as scikit-learn's; X, y and sample_weight may be
        dask collections.

        Parameters
        ----------
        X : array-like, sparse matrix or dask collection of shape (n_samples, n_features)
        y : array-like or dask collection of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like or dask collection of shape (n_samples,), default=None

        Returns
        -------
        score : float
        """
        if not any(is_dask_collection(a) for a in (X, y, sample_weight)):
            accuracy = self._integer_label_accuracy(X, y, sample_weight)
            if accuracy is not None:
                return accuracy
            return super().score(X, y, sample_weight=sample_weight)
        import dask
        import dask.array as da

        y_pred = self.predict(X)
        if not is_dask_collection(y_pred):
            y_pred = da.from_array(y_pred, chunks=-1)
        if any(np.isnan(n) for n in y_pred.chunks[0]):
            # a DataFrame's partitions have unknown lengths: bring the
            # predictions (n values) here and score them as scikit-learn does
            with warnings.catch_warnings():
                # y_pred is built from X's partitions, a dask-expr y is not:
                # dask warns that y's expression is computed unoptimised
                warnings.filterwarnings("ignore", message="Computing mixed collections")
                y_pred, y, sample_weight = dask.compute(y_pred, y, sample_weight)
            return self._score_of(np.asarray(y), y_pred, sample_weight)
        y = _as_array(y) if is_dask_collection(y) else da.from_array(np.asarray(y), chunks=-1)
        if y.ndim == 2 and y.shape[1] == 1 and y_pred.ndim == 1:
            y = y[:, 0]  # a column vector, as scikit-learn's metrics take it
        y = y.rechunk(y_pred.chunks[:y.ndim])
        if sample_weight is not None:
            sample_weight = (_as_array(sample_weight) if is_dask_collection(sample_weight)
                             else da.from_array(np.asarray(sample_weight), chunks=-1))
            sample_weight = sample_weight.rechunk((y_pred.chunks[0],))
        if is_classifier(self):  # only the weighted count of hits travels
            hits = y_pred == y
            if hits.ndim == 2:  # multilabel: the whole row must match
                hits = hits.all(axis=1)
            return float(da.average(hits, weights=sample_weight).compute())
        y, y_pred, sample_weight = dask.compute(y, y_pred, sample_weight)
        return self._score_of(y, y_pred, sample_weight)

    def _score_of(self, y, y_pred, sample_weight):
        """scikit-learn's score of in-memory predictions."""
        if is_classifier(self):
            return float(accuracy_score(y, y_pred, sample_weight=sample_weight))
        return float(r2_score(y, y_pred, sample_weight=sample_weight))
