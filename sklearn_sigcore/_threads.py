"""Thread pools decided by the work (DESIGN §4.5).

On few cores an OpenMP team left spinning next to OpenBLAS's threads (or the
reverse) makes every call between them many times slower, so the estimators
run BLAS on one thread around their own kernels, and use threads only where
the work pays for them.
"""

import contextlib

from threadpoolctl import ThreadpoolController

_CONTROLLER = []


def threadpool_controller():
    """One ThreadpoolController, made on first use (it scans the loaded libraries)."""
    if not _CONTROLLER:
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0]


def blas_threads(limit):
    """Context manager: BLAS limited to ``limit`` threads (None: no change)."""
    if limit is None:
        return contextlib.nullcontext()
    return threadpool_controller().limit(limits=limit, user_api="blas")

