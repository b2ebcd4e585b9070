"""Thread pools decided by the work (DESIGN §4.5).

On few cores an OpenMP team left spinning next to OpenBLAS's threads (or the
reverse) makes every call between them many times slower, so the estimators
run BLAS on one thread around their own kernels, and use threads only where
the work pays for them.
"""

import contextlib
import threading

from threadpoolctl import ThreadpoolController

try:
    # threadpoolctl >= 3.8: OpenBLAS on its own threads takes limits from
    # one Python thread at a time, the first to set one, until it lets go
    # (its limit contexts count their nesting here and let go at zero)
    from threadpoolctl import CONTROLLING_THREAD_OWNERSHIP as _OWNERSHIP
except ImportError:  # pragma: no cover - older threadpoolctl: any thread may set
    _OWNERSHIP = None

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
    changed = [(lib, count) for lib, count in zip(libraries, counts) if count != limit]
    stack = _OUTER.__dict__.setdefault("stack", [])
    stack.append(max(counts, default=1))
    owning = bool(changed) and _OWNERSHIP is not None
    if owning:
        _OWNERSHIP.increment()
    try:
        for lib, _ in changed:
            lib.set_num_threads(limit)
        yield
    finally:
        for lib, count in changed:
            lib.set_num_threads(count)
        if owning:      # as threadpoolctl's own contexts: let other threads set limits
            _OWNERSHIP.decrement()
        stack.pop()


def outer_blas_threads():
    """Context manager: BLAS back at the thread count in force outside every
    open :func:`blas_threads` (for one large call, such as a factorisation,
    whose work dwarfs an OpenMP team's spin-down)."""
    stack = getattr(_OUTER, "stack", None)
    if not stack:
        return contextlib.nullcontext()
    return threadpool_controller().limit(limits=stack[0], user_api="blas")
