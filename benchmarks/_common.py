"""Helpers shared by the logistic-regression benchmarks (not a benchmark itself).

Machine description, round-robin timing, the float64 objective both models
are judged by, thread limits and Markdown tables. Only the public API of
sklearn_sigcore is used, so the benchmarks keep working while its internals
change.
"""

import collections
import contextlib
import os
import platform
import sys
import time
import warnings

import numpy as np
import scipy.sparse as sp
from scipy.special import logsumexp

_CONTROLLER = None
_START = None
Timing = collections.namedtuple("Timing", "seconds result error repeats")


# ------------------------------------------------------------------ machine
def cpu_model():
    model, flags = platform.processor() or platform.machine(), set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                elif line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                if model and flags:
                    break
    except OSError:
        pass
    isa = [name for name in ("avx2", "fma", "avx512f") if name in flags]
    return f"{model} ({', '.join(isa) or 'baseline SIMD'})"


def usable_cores():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def describe_machine():
    """Print the machine as Markdown lines; call after every library is imported.

    Also (re)builds the thread-pool controller so it sees every BLAS / OpenMP
    library loaded so far.
    """
    global _CONTROLLER, _START
    import scipy
    import sklearn
    from threadpoolctl import ThreadpoolController

    import sklearn_sigcore

    _CONTROLLER = ThreadpoolController()
    _START = (time.perf_counter(), os.times(), _cpu_jiffies())
    blas, omp = [], []
    for lib in _CONTROLLER.info():
        name = os.path.basename(lib.get("filepath", "?"))
        if lib["user_api"] == "blas":
            extra = ", ".join(str(lib[k]) for k in ("architecture", "threading_layer")
                              if lib.get(k))
            blas.append(f"{lib['internal_api']} {lib.get('version')} [{extra}] "
                        f"({name}, {lib['num_threads']} threads)")
        else:
            omp.append(f"{lib['internal_api']} ({name}, {lib['num_threads']} threads)")
    versions = [f"Python {platform.python_version()}", f"numpy {np.__version__}",
                f"scipy {scipy.__version__}", f"scikit-learn {sklearn.__version__}",
                f"sklearn_sigcore {sklearn_sigcore.__version__}"]
    if "glum" in sys.modules:
        versions.append(f"glum {sys.modules['glum'].__version__}")
    print(f"- CPU: {cpu_model()}; cores usable: {usable_cores()} "
          f"(os.cpu_count {os.cpu_count()})")
    print(f"- BLAS: {'; '.join(blas) or 'none found'}")
    print(f"- OpenMP: {'; '.join(omp) or 'none found'}")
    print(f"- {', '.join(versions)}")
    print(f"- {time.strftime('%Y-%m-%d %H:%M')}, load average {os.getloadavg()[0]:.2f} "
          "at start (shared VM: other processes may use the cores)\n", flush=True)


def _cpu_jiffies():
    """(busy, steal) clock ticks of the whole machine so far, or None."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    steal = fields[7] if len(fields) > 7 else 0
    return sum(fields[:8]) - fields[3] - fields[4] - steal, steal


def print_load():
    """How busy the machine was with other work since describe_machine()."""
    if _START is None or _START[2] is None or _cpu_jiffies() is None:
        return
    wall = time.perf_counter() - _START[0]
    hz = os.sysconf("SC_CLK_TCK")
    busy, steal = (b - a for a, b in zip(_START[2], _cpu_jiffies()))
    now = os.times()
    own = (now.user + now.system) - (_START[1].user + _START[1].system)
    others = max(busy / hz - own, 0.0) / wall
    print(f"Load during this run ({wall:.0f} s): this process {own / wall:.2f} cores, other "
          f"processes {others:.2f} of {usable_cores()} cores, hypervisor steal "
          f"{steal / hz / wall:.2f}; load average {os.getloadavg()[0]:.2f} at the end.",
          flush=True)


def limit_threads(n):
    """Context: BLAS and OpenMP pools limited to n threads (None: unchanged)."""
    if n is None:
        return contextlib.nullcontext()
    if _CONTROLLER is None:
        from threadpoolctl import threadpool_limits
        return threadpool_limits(limits=n)
    return _CONTROLLER.limit(limits=n)   # ~20 us, against ~1.5 ms for threadpool_limits


# ------------------------------------------------------------------- timing
# Idle seconds before each timed call with round_robin(..., quiet=True).
# OpenBLAS's threads keep spinning for about 0.1-0.2 s after their last call
# (an OpenMP team for some milliseconds): a fit started inside that window
# shares the cores with them, so in a round robin each contender would be
# billed for the one timed before it.  Both sides start from a quiet machine
# instead (the README's limitations say what a fit pays right after another
# library's threaded call).
QUIET_SECONDS = 0.3


def round_robin(contenders, min_repeats=3, max_repeats=50, budget=0.0, warmup=0.5,
                slow=np.inf, quiet=False):
    """Median seconds of each contender, timed in turn within every repeat.

    contenders: list of (name, fn, context) where fn() runs one fit and
    returns its result and context() (or None) is entered around the call but
    outside the timed region (e.g. a thread limit for one variant only).
    A contender whose first call raises ValueError / TypeError (a solver or
    option that the installed version does not have) is dropped: its entry is
    Timing(None, None, message, 0). Repeats go on until min_repeats are done and
    `budget` seconds spent, at most max_repeats. A first round shorter than
    `warmup` seconds is a warm-up and not counted. A contender whose first call
    took more than `slow` seconds is not called again (repeats=1). With
    `quiet`, each call waits QUIET_SECONDS first (untimed).

    Returns {name: Timing(median seconds or None, last result, error or None,
    repeats counted)}.
    """
    times = {name: [] for name, _, _ in contenders}
    results, errors = {}, {}
    live = list(contenders)

    def run_round():
        spent = 0.0
        for entry in list(live):
            name, fn, context = entry
            if quiet:
                time.sleep(QUIET_SECONDS)
            with (context() if context else contextlib.nullcontext()):
                start = time.perf_counter()
                try:
                    results[name] = fn()
                except (ValueError, TypeError) as exc:   # not supported here
                    if times[name] or name in results:
                        raise
                    errors[name] = f"{type(exc).__name__}: {exc}"
                    live.remove(entry)
                    continue
                elapsed = time.perf_counter() - start
            times[name].append(elapsed)
            spent += elapsed
        return spent

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # ConvergenceWarning at default max_iter etc.
        first = run_round()
        if first < warmup:
            for name in times:
                times[name].clear()
        total, rounds = (0.0, 0) if first < warmup else (first, 1)
        live[:] = [entry for entry in live if not (times[entry[0]] and
                                                   times[entry[0]][0] > slow)]
        while live and (rounds < min_repeats or total < budget) and rounds < max_repeats:
            total += run_round()
            rounds += 1
    return {name: Timing(float(np.median(times[name])) if times[name] else None,
                         results.get(name), errors.get(name), len(times[name]))
            for name, _, _ in contenders}


# ---------------------------------------------------------------- objective
def objective(X, y, coef, intercept, C, *, alpha=1.0, l1_ratio=0.0,
              penalise_intercept=False):
    """scikit-learn's objective in float64, the same formula for every model.

    (1/n) sum_i logloss_i(alpha (X w + b)) + (1 - l1_ratio) ||w||^2 / (2 C n)
    + l1_ratio ||w||_1 / (C n); with penalise_intercept the intercept joins w
    in the penalty (liblinear's objective, intercept_scaling=1).
    """
    classes = np.unique(y)
    coef = np.asarray(coef, dtype=np.float64).reshape(-1, X.shape[1])
    intercept = np.asarray(intercept, dtype=np.float64).ravel()
    Z = alpha * (np.asarray(X @ coef.T, dtype=np.float64) + intercept)
    if len(classes) == 2:
        t = (y == classes[1])
        loss = np.logaddexp(0, Z[:, 0]) - t * Z[:, 0]
    else:
        loss = logsumexp(Z, axis=1) - Z[np.arange(len(y)), np.searchsorted(classes, y)]
    penalised = np.concatenate([coef.ravel(), intercept]) if penalise_intercept \
        else coef.ravel()
    scale = 1.0 / (C * len(y))
    return float(loss.mean() + (1 - l1_ratio) * 0.5 * scale * np.dot(penalised, penalised)
                 + l1_ratio * scale * np.abs(penalised).sum())


def n_iter(model):
    it = getattr(model, "n_iter_", None)
    return None if it is None else int(np.max(it))


def nbytes(X):
    if sp.issparse(X):
        return X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    return X.nbytes


# ------------------------------------------------------------------ output
def fmt(value, spec=".3f", missing="n/a"):
    return missing if value is None else format(value, spec)


def ratio(value):
    """A time ratio: 2 decimals, or 2 significant digits below 0.01."""
    if value is None:
        return "n/a"
    return f"{value:.2f}" if value >= 0.01 else f"{value:.1e}"


def print_table(headers, rows):
    print("| " + " | ".join(headers) + " |")
    print("|" + "---|" * len(headers))
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")
    print(flush=True)


def progress(message):
    print(message, file=sys.stderr, flush=True)
