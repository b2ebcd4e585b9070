"""Thread pools decided by the work (DESIGN §4.5).

On few cores an OpenMP team left spinning next to OpenBLAS's threads (or the
reverse) makes every call between them many times slower, so the estimators
run BLAS on one thread around their own kernels, and use threads only where
the work pays for them.
"""

import contextlib
import threading

from threadpoolctl import ThreadpoolController

_CONTROLLER = []
_BLAS_LIBRARIES = []
# Per calling thread: the BLAS thread counts in force before each
# blas_threads(limit) still open (outermost first).
_OUTER = threading.local()


def threadpool_controller():
    """One ThreadpoolController, made on first use (it scans the loaded libraries)."""
    if not _CONTROLLER:
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0]


def blas_libraries():
    """The loaded BLAS libraries' threadpoolctl controllers."""
    if not _BLAS_LIBRARIES:
        _BLAS_LIBRARIES.append([lib for lib in threadpool_controller().lib_controllers
                                if lib.user_api == "blas"])
    return _BLAS_LIBRARIES[0]


@contextlib.contextmanager
def blas_threads(limit):
    """Context manager: BLAS limited to ``limit`` threads (None: no change).

    Sets each library's count directly (a few µs): threadpoolctl's ``limit``
    context re-reads every library's information first (~40 µs, as much as
    a prediction of a few rows).
    """
    if limit is None:
        yield
        return
    libraries = blas_libraries()
    counts = [lib.num_threads for lib in libraries]
    stack = _OUTER.__dict__.setdefault("stack", [])
    stack.append(max(counts, default=1))
    try:
        for lib, count in zip(libraries, counts):
            if count != limit:
                lib.set_num_threads(limit)
        yield
    finally:
        for lib, count in zip(libraries, counts):
            if count != limit:
                lib.set_num_threads(count)
        stack.pop()


def outer_blas_threads():
    """Context manager: BLAS back at the thread count in force outside every
    open :func:`blas_threads` (for one large call, such as a factorisation,
    whose work dwarfs an OpenMP team's spin-down)."""
    stack = getattr(_OUTER, "stack", None)
    if not stack:
        return contextlib.nullcontext()
    return threadpool_controller().limit(limits=stack[0], user_api="blas")
