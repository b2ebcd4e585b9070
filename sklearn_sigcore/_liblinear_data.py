"""The arrays the liblinear solvers read (_liblinear_dual, _liblinear_l1):
labels and costs checked, X by rows or by columns, seeds."""

import numpy as np
import scipy.sparse as sp

from sklearn_sigcore._estimator_utils import canonical_sparse

# Samples whose cost is at most this are left out, as liblinear leaves out
# zero-weight samples; it keeps the dual variables' floor a normal double.
MIN_COST = 1e-300


def problem_arrays(X, y, cost):
    """y as -1.0 / +1.0 and cost with negligible costs set to 0 (float64, contiguous)."""
    n_samples = X.shape[0]
    y = np.asarray(y, dtype=np.float64)
    cost = np.asarray(cost, dtype=np.float64)
    if y.shape != (n_samples,) or cost.shape != (n_samples,):
        raise ValueError(
            f"y and cost must have shape ({n_samples},), got {y.shape} and {cost.shape}."
        )
    y = np.where(y > 0, 1.0, -1.0)
    cost = np.where(cost > MIN_COST, cost, 0.0)
    return y, cost


def lanes(X, by_rows):
    """(data, indices, indptr, n_features) of X read by rows or by columns.

    Sparse X becomes CSR (rows) or CSC (columns), dense X C- (rows) or
    F-ordered (columns), each with float32 or float64 values; an X already so
    is read in place, any other is copied once.  Duplicate sparse entries are
    summed (in a copy).  Dense X gets empty index arrays.
    """
    if sp.issparse(X):
        X = X.tocsr() if by_rows else X.tocsc()
        X = canonical_sparse(X)
        data = X.data
        if data.dtype not in (np.float32, np.float64):
            data = data.astype(np.float64)
        indices, indptr = X.indices, X.indptr
        if indices.dtype != indptr.dtype or indices.dtype not in (np.int32, np.int64):
            indices = indices.astype(np.int64)
            indptr = indptr.astype(np.int64)
        return (np.ascontiguousarray(data), np.ascontiguousarray(indices),
                np.ascontiguousarray(indptr), X.shape[1])
    X = np.asarray(X)
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    order = "C" if by_rows else "F"
    X = np.asarray(X, order=order)
    no_index = np.empty(0, dtype=np.int32)
    return X.reshape(-1, order=order), no_index, no_index, X.shape[1]


def rows_in_place(X, dtype, index_dtype):
    """X by rows as (data, indices, indptr), if that needs no copy; else empty arrays.

    The L1 solver reads X by columns but sums its gradient faster by rows;
    it takes the caller's X for that when X is C-ordered or CSR already
    (in the value and index types of the column copy).
    """
    if sp.issparse(X):
        if (X.format == "csr" and X.has_canonical_format and X.dtype == dtype
                and X.indices.dtype == index_dtype == X.indptr.dtype):
            return X.data, X.indices, X.indptr
    elif isinstance(X, np.ndarray) and X.flags.c_contiguous and X.dtype == dtype:
        no_index = np.empty(0, dtype=index_dtype)
        return X.reshape(-1), no_index, no_index
    no_index = np.empty(0, dtype=index_dtype)
    return np.empty(0, dtype=dtype), no_index, no_index


def seed64(seed):
    return int(seed) & 0xFFFFFFFFFFFFFFFF

