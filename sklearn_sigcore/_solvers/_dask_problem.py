"""The logistic-regression objective summed over the chunks of a dask array.

:class:`DaskLogisticProblem` is :class:`LogisticProblem` whose sums over the
rows (loss and gradient, Hessian-vector products, the Hessian, the Lipschitz
bound's squared norms) run as one dask task per chunk, on the worker that
holds the chunk, with the same fused kernels. Only vectors of
n_features x n_classes numbers (and, for newton-cholesky, the Hessian's
blocks) travel; the solver runs in the calling process. Where a Newton
solver stores the curvature at its current point, each chunk's curvature
stays on its worker as a persisted result, so that the Hessian products
later run next to it.
"""

import os
from concurrent.futures import ThreadPoolExecutor

import dask
import numpy as np

from sklearn_sigcore._linear_loss import LinearLoss

from ._problem import LogisticProblem, raw_hessian, weighted_square_norms


def _chunk_loss(chunk, K, fit_intercept):
    X, y, sw = chunk
    # one thread per task: dask runs the chunks side by side
    return LinearLoss(X, y, sw, 1.0, K, fit_intercept, n_threads=1)


def _loss_gradient_task(chunk, V, c, K, fit_intercept, store_hessian):
    """(Σ s_i ℓ_i, G, gb, curvature or None) of one chunk."""
    loss = _chunk_loss(chunk, K, fit_intercept)
    total, G, gb = loss.loss_gradient(V, c, store_hessian=store_hessian)
    return total, G, gb, loss.curvature


def _sums_task(result):
    """The part of a chunk's result that travels: the sums, not the curvature."""
    return result[:3]


def _hessp_task(chunk, stored, V, c, K, fit_intercept):
    loss = _chunk_loss(chunk, K, fit_intercept)
    loss.curvature = stored[3]
    return loss.hessp(V, c)


def _raw_hessian_task(chunk, stored, K, fit_intercept, scale):
    X, _, sw = chunk
    return raw_hessian(X, stored[3], sw, K, fit_intercept, n_threads=1, scale=scale)


def _square_norms_task(chunk, d):
    X, _, sw = chunk
    return weighted_square_norms(X, d, sw)


class _ClusterChunks:
    """Chunks held by a dask.distributed cluster: one task per chunk, submitted
    straight to the scheduler (a few ms a round trip, no graph to build)."""

    def __init__(self, client, chunks):
        self.client = client
        self.handles = client.compute(list(chunks))  # futures of the persisted chunks

    def run(self, fn, *args, kept=None):
        """Submit ``fn(chunk, [kept_i,] *args)`` for every chunk; futures back."""
        kept = [()] * len(self.handles) if kept is None else [(k,) for k in kept]
        return [self.client.submit(fn, chunk, *k, *args, pure=False)
                for chunk, k in zip(self.handles, kept)]

    def fetch(self, handles, part=None):
        """The results (or ``part`` of each, computed where it is) in this process."""
        if part is not None:
            handles = [self.client.submit(part, h, pure=False) for h in handles]
        return self.client.gather(handles)


class _LocalChunks:
    """Chunks computed into this process by a local dask scheduler; the tasks
    then run on a pool of threads (the kernels release the GIL)."""

    def __init__(self, chunks, n_threads):
        self.handles = list(dask.compute(*chunks))
        self.n_threads = max(1, min(len(self.handles), n_threads))

    def run(self, fn, *args, kept=None):
        kept = [()] * len(self.handles) if kept is None else [(k,) for k in kept]
        with ThreadPoolExecutor(self.n_threads) as pool:
            return list(pool.map(lambda chunk, k: fn(chunk, *k, *args), self.handles, kept))

    def fetch(self, handles, part=None):
        return [part(h) for h in handles] if part is not None else list(handles)


def _chunk_runner(chunks):
    """Where the chunk tasks run: the distributed client dask would use, or here."""
    scheduler = dask.base.get_scheduler()
    client = getattr(scheduler, "__self__", None)
    if client is not None and type(client).__name__ == "Client":
        return _ClusterChunks(client, chunks)
    if dask.config.get("scheduler", None) in ("sync", "synchronous", "single-threaded"):
        return _LocalChunks(chunks, 1)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return _LocalChunks(chunks, dask.config.get("num_workers", None) or cores
                        or os.cpu_count() or 1)


class DaskLogisticProblem(LogisticProblem):
    """:class:`LogisticProblem` over persisted chunks ``(X, y, sample_weight)``.

    Parameters
    ----------
    chunks : list of dask.delayed.Delayed
        Persisted (computed, held by the scheduler) tuples of one row block
        each: X (C-ordered float array or CSR matrix), targets in X's dtype
        (as :class:`LogisticProblem`'s ``y``) and sample times class weights
        (or None).
    n_features : int
    dtype : numpy dtype
        Of the chunks' X (float32 or float64).
    sw_sum, n_classes, fit_intercept, l2, l1, intercept_l2, intercept_l1, scale, coef_vanishes
        As :class:`LogisticProblem`.
    """

    def __init__(self, chunks, n_features, dtype, sw_sum, n_classes, fit_intercept, *,
                 l2=0.0, l1=0.0, intercept_l2=0.0, intercept_l1=0.0, scale=None,
                 coef_vanishes=False):
        self.chunks = _chunk_runner(chunks)
        self.dtype = np.dtype(dtype)
        self.X = self.y = self.sample_weight = None  # they live in the chunks
        self._stored = None
        self._set_objective(1 if coef_vanishes else n_features, sw_sum, n_classes,
                            fit_intercept, l2, l1, intercept_l2, intercept_l1, scale,
                            coef_vanishes)

    @staticmethod
    def _total(parts):
        if isinstance(parts[0], tuple):
            return tuple(sum(part[i] for part in parts) for i in range(len(parts[0])))
        return sum(parts)

    def _loss_gradient(self, V, c, store_hessian):
        results = self.chunks.run(_loss_gradient_task, V, c, self.K, self.fit_intercept,
                                  store_hessian)
        if not store_hessian:  # the curvature is None: fetch the results whole
            return self._total([r[:3] for r in self.chunks.fetch(results)])
        self._stored = results  # each chunk's curvature stays where the chunk is
        return self._total(self.chunks.fetch(results, _sums_task))

    def _require_stored(self):
        if self._stored is None:
            raise RuntimeError("call smooth(..., store_hessian=True) first")
        return self._stored

    def _hessp(self, V, c):
        results = self.chunks.run(_hessp_task, V, c, self.K, self.fit_intercept,
                                  kept=self._require_stored())
        return self._total(self.chunks.fetch(results))

    def raw_hessian(self):
        results = self.chunks.run(_raw_hessian_task, self.K, self.fit_intercept, self.scale,
                                  kept=self._require_stored())
        return self._total(self.chunks.fetch(results))

    def _weighted_square_norms(self, d):
        return float(self._total(self.chunks.fetch(self.chunks.run(_square_norms_task, d))))
