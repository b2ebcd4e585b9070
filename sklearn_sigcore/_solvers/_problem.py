"""The logistic-regression objective in the coordinates the solvers work in.

The estimator's model is σ(α(Xw + b)) with the penalty on w. Every solver
sees the same problem at α = 1 instead: with v = αw and c = αb the
probabilities are σ(Xv + c), and the penalty (l2/2)‖w‖² + l1‖w‖₁ becomes
(l2/α²)/2 ‖v‖² + (l1/α)‖v‖₁ (the (α, C) ≡ (1, Cα²) identity). So the
conditioning the solvers see does not depend on α, and α near 0 or 1e300
cannot make them overflow or stall. The gradient-based solvers also work
in column-scaled coordinates v = d ⊙ θ (d a power of two per column, so
the map is exact), which makes columns of any finite scale (X times 1e150)
as easy as standardised ones; the row-wise solvers (sag, saga, liblinear's
coordinate descent) read X as it is.
"""

import math

import numpy as np
import scipy.sparse as sp

from sklearn_sigcore._column_sums import MIN_ELEMENTS_PER_THREAD, dense_column_sums
from sklearn_sigcore._hessian_fast import hessian_sums
from sklearn_sigcore._linear_loss import LinearLoss, csr_column_square_sums

# Columns whose curvature measure (column_scale) lies in
# [2**-COLUMN_SCALE_RANGE, 2**COLUMN_SCALE_RANGE] are left alone (standardised
# data: d = 1, the iterates and the tol criterion are those of the plain problem).
COLUMN_SCALE_RANGE = 8


def column_scale(X, l2=0.0, square_sums=None):
    """Power-of-two scales d (n_features,) that bring each coefficient's
    curvature near that of a standardised column, or None when every column is
    already within range (see :func:`scale_from_rms`); ``square_sums`` are
    X's :func:`column_square_sums` when already known."""
    return scale_from_rms(column_rms(X, square_sums), l2)


def scale_from_rms(rms, l2=0.0):
    """The column scales d of columns of root-mean-square ``rms``, or None.

    The curvature of coefficient j is about rms_j² / 4 + l2 (loss and L2
    penalty): d_j = 2^-round(log2 sqrt(rms_j² + 4 l2)). Scaling by the RMS
    alone would blow up the penalty's curvature on near-empty columns
    (100 x 1000 sparse rows: 100 lbfgs iterations instead of 7).
    """
    rms = np.asarray(rms, dtype=np.float64)
    if rms.size == 0:
        return None
    curvature = np.hypot(rms, 2.0 * np.sqrt(l2))
    exponent = np.zeros(rms.size)
    live = curvature > 0
    exponent[live] = np.round(np.log2(curvature[live]))
    exponent[np.abs(exponent) <= COLUMN_SCALE_RANGE] = 0.0
    if not exponent.any():
        return None
    return np.ldexp(1.0, (-exponent).astype(np.int64))


def column_square_sums(X, n_threads=None):
    """Σ_i x_ij² of each column in float64, in one pass (inf or NaN where a
    column holds a non-finite value, inf also where the sum overflows)."""
    return column_sums(X, n_threads=n_threads)[0]


def column_sums(X, classes=None, weights=None, n_classes=0, n_threads=None):
    """(column sums of squares, per-class weighted row sums or None) of X in
    one pass: see :func:`column_square_sums`; the class sums
    Σ_{i: classes_i = k} w_i x_i (n_classes, p) come with ``classes`` for
    dense C-ordered X (what :meth:`LogisticProblem.know_zero_point` takes)."""
    if sp.issparse(X):
        if X.format not in ("csr", "csc"):
            X = X.tocsr()
        if X.format == "csr" and X.data.dtype in (np.float32, np.float64):
            # one threaded pass over the non-zeros (200000 x 5000 at 0.2 %:
            # 1 ms, against 5 ms for the sparse product below)
            return csr_column_square_sums(X.data, X.indices, X.shape[1], n_threads), None
        with np.errstate(over="ignore", under="ignore"):
            squares = X.data.astype(np.float64) ** 2
        # the squares on X's own index arrays, summed by one sparse product
        # (5-10x faster than bincount or the column-moments helpers)
        X_sq = type(X)((squares, X.indices, X.indptr), shape=X.shape)
        return np.asarray(X_sq.T @ np.ones(X.shape[0]), dtype=np.float64).ravel(), None
    # the squares alone of less than one thread's worth: NumPy's einsum below
    # has less call overhead
    if (X.dtype in (np.float32, np.float64) and (X.flags.c_contiguous or X.flags.f_contiguous)
            and (classes is not None or X.size >= MIN_ELEMENTS_PER_THREAD)):
        return dense_column_sums(X, classes, weights, n_classes, n_threads)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        return np.einsum("ij,ij->j", X, X, dtype=np.float64), None


def column_rms(X, square_sums=None):
    """Root mean square of each column of X, without overflow or underflow.

    One pass of squared sums (or ``square_sums``, those sums already
    computed); columns whose sum overflows or underflows are summed again
    after dividing by their largest magnitude.
    """
    n, p = X.shape
    if n == 0:
        return np.zeros(p)
    sq = column_square_sums(X) if square_sums is None else square_sums
    rms = np.sqrt(sq / n)
    redo = np.flatnonzero(~np.isfinite(sq) | (sq < 1e-250))
    if redo.size:
        rms[redo] = _careful_rms(X, redo)
    return rms


def _careful_rms(X, columns):
    """RMS of the given columns, scaled by their largest magnitude first."""
    n = X.shape[0]
    cols = X[:, columns]
    if sp.issparse(cols):
        cols = cols.tocsc()
        m = np.zeros(len(columns))
        np.maximum.at(m, np.repeat(np.arange(len(columns)), np.diff(cols.indptr)),
                      np.abs(cols.data))
        safe = np.where(m > 0, m, 1.0)
        scaled = cols.data / np.repeat(safe, np.diff(cols.indptr))
        sq = np.bincount(np.repeat(np.arange(len(columns)), np.diff(cols.indptr)),
                         weights=scaled * scaled, minlength=len(columns))
    else:
        cols = np.asarray(cols, dtype=np.float64)
        m = np.abs(cols).max(axis=0)
        safe = np.where(m > 0, m, 1.0)
        sq = np.einsum("ij,ij->j", cols / safe, cols / safe)
    return m * np.sqrt(sq / n)


class LogisticProblem:
    """(1/S) Σ s_i ℓ_i(Xw + b) + penalty, over θ = [V.ravel(), c] at α = 1.

    Parameters
    ----------
    X : ndarray or sparse matrix (float32 / float64)
    y : ndarray
        0 / 1 targets (``n_classes == 1``) or class indices, in X's dtype.
    sample_weight : ndarray or None
        Sample times class weights.
    sw_sum : float
        S, the total weight.
    n_classes : int
        K: 1 (binary) or the number of classes (multinomial).
    fit_intercept : bool
    l2, l1 : float
        Penalty strengths on w = v (coefficients at α = 1).
    intercept_l2, intercept_l1 : float
        Penalty strengths on the intercept c (liblinear penalises it; 0 otherwise).
    scale : ndarray or None
        Column scale d: the coefficients are V = θ_W ⊙ d (per column); None is 1.
    n_threads : int or None
        Threads of the fused loss pass.
    coef_vanishes : bool
        The estimator's coefficients are 0 whatever θ (C α² underflowed: X is
        then a zero column and only the intercept is fitted).

    Attributes
    ----------
    dtype : numpy dtype
        Of X: the precision the loss is evaluated in.
    factor : ndarray of shape (size,)
        θ times this is [V.ravel(), c]: the column scale per coefficient, 1
        for the intercept.

    Notes
    -----
    ``smooth``, ``hessp`` and ``hessian`` are in θ coordinates; ``coefficients``
    maps θ back to (V, c), the α = 1 coefficients.
    """

    def __init__(self, X, y, sample_weight, sw_sum, n_classes, fit_intercept, *,
                 l2=0.0, l1=0.0, intercept_l2=0.0, intercept_l1=0.0, scale=None,
                 n_threads=None, coef_vanishes=False):
        self.X, self.y, self.sample_weight = X, y, sample_weight
        self.dtype = X.dtype
        self.n_threads = n_threads
        self.loss = LinearLoss(X, y, sample_weight, 1.0, int(n_classes), fit_intercept,
                               n_threads=n_threads)
        self._set_objective(X.shape[1], sw_sum, n_classes, fit_intercept, l2, l1,
                            intercept_l2, intercept_l1, scale, coef_vanishes)

    def _set_objective(self, n_features, sw_sum, n_classes, fit_intercept, l2, l1,
                       intercept_l2, intercept_l1, scale, coef_vanishes):
        """The layout of θ and the penalties: everything but the data."""
        self._zero_point = None
        self.coef_vanishes = coef_vanishes
        self.sw_sum = float(sw_sum)
        self.K, self.p = int(n_classes), int(n_features)
        self.fit_intercept = bool(fit_intercept)
        self.l2, self.l1 = float(l2), float(l1)
        self.intercept_l2, self.intercept_l1 = float(intercept_l2), float(intercept_l1)
        self.scale = scale
        self.n_coef = self.K * self.p
        self.size = self.n_coef + (self.K if self.fit_intercept else 0)
        d = np.ones(self.p) if scale is None else np.asarray(scale, dtype=np.float64)
        # θ-coordinate factor of each entry, and the penalties per entry
        self.factor = np.concatenate([np.tile(d, self.K), np.ones(self.size - self.n_coef)])
        n_b = self.size - self.n_coef
        # (l2 d) d: d^2 overflows for columns of RMS below ~1e-154 (0 * inf)
        self.l2_vec = np.concatenate([(self.l2 * self.factor[:self.n_coef])
                                      * self.factor[:self.n_coef],
                                      np.full(n_b, self.intercept_l2)])
        self.l1_vec = np.concatenate([self.l1 * self.factor[:self.n_coef],
                                      np.full(n_b, self.intercept_l1)])
        self.has_l1 = bool(self.l1_vec.any())
        self.inv_s = 1.0 / self.sw_sum

    def know_zero_point(self, class_sums, class_weights):
        """Keep the raw sums at θ = 0, so that a solver's first evaluation
        there reads no X.

        At zero scores the score gradient of row i is s_i (1/2 − y_i)
        (binary) or s_i (1/K − [y_i = k]), a function of its class alone:
        Xᵀ of it follows from X's per-class weighted row sums ``class_sums``
        (n_classes, p; see :func:`column_sums`), taken in the pass that
        finds the column scale, and ``class_weights`` (Σ s_i per class).
        """
        class_sums = np.asarray(class_sums, dtype=np.float64)
        class_weights = np.asarray(class_weights, dtype=np.float64)
        total_weight = float(class_weights.sum())
        with np.errstate(all="ignore"):
            if self.K == 1:
                G = 0.5 * class_sums[0] - 0.5 * class_sums[1]
                gb = np.array([0.5 * total_weight - class_weights[1]])
            else:
                G = class_sums.sum(axis=0) / self.K - class_sums
                gb = total_weight / self.K - class_weights
        # a class sum can overflow where the loss pass's sums (of x_i times
        # residuals below 1) do not: the pass then runs as without this
        if np.isfinite(G).all() and np.isfinite(gb).all():
            loss = total_weight * math.log(2 if self.K == 1 else self.K)
            self._zero_point = (loss, G.reshape(self.K, self.p), gb)

    # ------------------------------------------------- sums over the data
    # The only places that read X: a subclass computing them elsewhere (over
    # the chunks of a dask array) reuses every solver that scales out
    # unchanged (row_sums serves the row-sequential SgdSolver only).
    def _loss_gradient(self, V, c, store_hessian):
        """Raw sums (Σ s_i ℓ_i, G (K, p), gb (K,)) at the α = 1 coefficients."""
        return self.loss.loss_gradient(V, c, store_hessian=store_hessian)

    def _hessp(self, V, c):
        """Raw Hessian-vector product sums (G, gb) at the last stored point."""
        return self.loss.hessp(V, c)

    def raw_hessian(self):
        """Σ_i x̃_i x̃_iᵀ ⊗ C_i at the last stored point, x̃_i = [x_i ⊙ d, 1]
        (θ = [W.ravel(), b] layout, before 1/S and the penalty)."""
        return raw_hessian(self.X, self.loss.curvature, self.sample_weight, self.K,
                           self.fit_intercept, self.n_threads, self.scale)

    def weights(self):
        """The sample weights as float64 (ones when there are none)."""
        if self.sample_weight is None:
            return np.ones(self.X.shape[0])
        return np.asarray(self.sample_weight, dtype=np.float64)

    def row_sums(self, theta, rows):
        """(Σ s_i ℓ_i, its gradient in θ coordinates, Σ s_i) over the given
        rows of X only: the sums of one stochastic step (no penalty, no 1/S)."""
        V, c = self.coefficients(theta)
        sw = None if self.sample_weight is None else self.sample_weight[rows]
        loss = LinearLoss(self.X[rows], self.y[rows], sw, 1.0, self.K, self.fit_intercept,
                          n_threads=1)
        total, G, gb = loss.loss_gradient(V, c)
        weight = float(len(rows)) if sw is None else float(sw.sum(dtype=np.float64))
        return total, self._pack(G, gb, 1.0), weight

    def _weighted_square_norms(self, d):
        """Σ_i s_i ‖x_i ⊙ d‖²: the data term of the Lipschitz bound."""
        return weighted_square_norms(self.X, d, self.sample_weight)

    # ------------------------------------------------------------- layout
    def coefficients(self, theta):
        """(V (K, p), c (K,) or None): the α = 1 coefficients of θ."""
        v = theta * self.factor
        V = v[: self.n_coef].reshape(self.K, self.p)
        c = v[self.n_coef:] if self.fit_intercept else None
        return V, c

    def theta_of(self, V, c):
        """θ of the α = 1 coefficients (V, c): the inverse of ``coefficients``."""
        theta = np.empty(self.size)
        theta[: self.n_coef] = np.asarray(V, dtype=np.float64).ravel()
        if self.fit_intercept:
            theta[self.n_coef:] = c
        return theta / self.factor

    def _pack(self, G, gb, scale=None):
        """Raw sums (G, gb) as a θ-coordinate vector, times ``scale`` (1/S)."""
        out = np.empty(self.size)
        out[: self.n_coef] = G.ravel()
        if self.fit_intercept:
            out[self.n_coef:] = gb
        return out * self.factor * (self.inv_s if scale is None else scale)

    # ----------------------------------------------------------- calculus
    def smooth(self, theta, store_hessian=False):
        """Value and gradient of the smooth part (loss + L2 terms)."""
        V, c = self.coefficients(theta)
        if self._zero_point is not None and not store_hessian and not theta.any():
            total, G, gb = self._zero_point
        else:
            total, G, gb = self._loss_gradient(V, c, store_hessian)
        grad = self._pack(G, gb)
        value = total * self.inv_s
        if self.l2 or self.intercept_l2:
            value += 0.5 * float(np.dot(self.l2_vec * theta, theta))
            grad += self.l2_vec * theta
        return value, grad

    def hessp(self, vec):
        """Hessian of the smooth part times vec, at the last store_hessian point."""
        V, c = self.coefficients(vec)
        G, gb = self._hessp(V, c)
        return self._pack(G, gb) + self.l2_vec * vec

    def l1_norm(self, theta):
        return float(np.dot(self.l1_vec, np.abs(theta))) if self.has_l1 else 0.0

    def objective(self, theta):
        return self.smooth(theta)[0] + self.l1_norm(theta)

    def prox_l1(self, theta, step):
        """Soft-thresholding: the proximal map of Σ step l1_vec |θ| (``step``
        a scalar or one per entry)."""
        if not self.has_l1:
            return theta
        return np.sign(theta) * np.maximum(np.abs(theta) - step * self.l1_vec, 0.0)

    def lipschitz_bound(self):
        """Upper bound of the smooth part's gradient Lipschitz constant (θ coordinates)."""
        return self.loss_curvature_bound() + float(self.l2_vec.max(initial=0.0))

    def loss_curvature_bound(self):
        """Upper bound of the loss part's Hessian eigenvalues (θ coordinates,
        trace bound: c Σ s_i (‖x_i ⊙ d‖² + 1) / S, c = 1/4 binary, 1/2 else)."""
        d = np.ones(self.p) if self.scale is None else self.scale
        weighted = self._weighted_square_norms(d)
        if self.fit_intercept:
            weighted += self.sw_sum
        curvature = 0.25 if self.K == 1 else 0.5
        return curvature * weighted * self.inv_s


def weighted_square_norms(X, d, sample_weight):
    """Σ_i s_i ‖x_i ⊙ d‖² in float64 (s_i = 1 when ``sample_weight`` is None)."""
    if sp.issparse(X):
        X = X.tocsr()
        data = X.data * d[X.indices]
        rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
        sq = np.bincount(rows, weights=data * data, minlength=X.shape[0])
    else:
        sq = np.zeros(X.shape[0])
        for start in range(0, X.shape[0], 4096):
            block = np.asarray(X[start:start + 4096], dtype=np.float64) * d
            sq[start:start + 4096] = np.einsum("ij,ij->i", block, block)
    return float(np.dot(sq, sample_weight)) if sample_weight is not None else float(sq.sum())


def raw_hessian(X, curvature, sample_weight, K, fit_intercept, n_threads=None, scale=None):
    """Σ_i x̃_i x̃_iᵀ ⊗ C_i over rows x̃_i = [x_i ⊙ d, 1] (d: ``scale``): the
    loss Hessian sums in θ coordinates, laid out as θ = [W.ravel()
    (class-major), b] (see :func:`hessian_sums`)."""
    p = X.shape[1]
    if sp.issparse(X):
        X = X.tocsr()
    H = hessian_sums(X, curvature, sample_weight, K, fit_intercept, n_threads, scale)
    if fit_intercept and K > 1:
        # (class, column) layout, the intercept as column p, to θ's [W.ravel(), b]
        q = p + 1
        order = np.concatenate([np.arange(K * q).reshape(K, q)[:, :p].ravel(),
                                np.arange(K) * q + p])
        H = H[np.ix_(order, order)]
    return H
