"""Sigmoid-core ufuncs against scipy's expit, naive numpy and a memory copy.

Two tables, every contender run in this one process:

1. the time of one call on small arrays (10, 100, 1000 elements: the
   overhead of the call), against ``scipy.special.expit`` and against the
   previous implementation (the Python wrapper the ufuncs replaced, loaded
   from git history when this is a git checkout);
2. the throughput on a large array (1e7 elements) with the default threads
   and with one OpenMP thread (``threadpoolctl``), with the median time, ns
   per element and the ratio to our default-threads sigmoid.

    python benchmarks/bench_kernels.py            # 1e7 elements
    python benchmarks/bench_kernels.py --quick    # 1e6 elements, fewer repeats
"""

import argparse
import importlib.util
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import scipy
from scipy.special import expit, log_expit
from threadpoolctl import ThreadpoolController

import sklearn_sigcore
from sklearn_sigcore import kernels

# The last commit whose kernels.py wrapped the array loops in Python
# functions (sigmoid(x, alpha=1.0, *, out=None, n_threads=None)).
PREVIOUS_COMMIT = "8a6fd84"


def cpu_description():
    model, flags = platform.processor() or "unknown CPU", set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and model in ("", "unknown CPU", "x86_64"):
                    model = line.split(":", 1)[1].strip()
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    isa = [name for name in ("avx2", "fma", "avx512f") if name in flags]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{model}; {cores} cores usable; SIMD: {', '.join(isa) or 'baseline'}"


def load_previous_kernels():
    """The kernels module of PREVIOUS_COMMIT over today's _kernels, or None.

    None when git or the history is missing, or the old wrapper no longer
    runs over today's compiled loops.
    """
    root = Path(sklearn_sigcore.__file__).resolve().parent.parent
    try:
        source = subprocess.run(
            ["git", "show", f"{PREVIOUS_COMMIT}:sklearn_sigcore/kernels.py"], cwd=root,
            capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    # A submodule of the package, so that its `from . import _kernels` works.
    name = "sklearn_sigcore._previous_kernels"
    spec = importlib.util.spec_from_loader(name, loader=None)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "sklearn_sigcore"
    sys.modules[name] = module
    try:
        exec(compile(source, f"{PREVIOUS_COMMIT}:kernels.py", "exec"), module.__dict__)
        module.sigmoid(np.zeros(1), 1.0, n_threads=1)
    except Exception:   # today's _kernels no longer fits the old wrapper
        return None
    return module


def median_seconds(contenders, repeats, number=1):
    """Median time per call of each contender, timed in turn within every repeat.

    Round-robin rather than one contender after another, so that a slow spell
    of a shared machine falls on all contenders alike and the ratios hold.
    """
    for _, function in contenders:
        function()   # warm up (page faults, thread pool start)
    times = {name: [] for name, _ in contenders}
    for _ in range(repeats):
        for name, function in contenders:
            start = time.perf_counter()
            for _ in range(number):
                function()
            times[name].append((time.perf_counter() - start) / number)
    return [(name, float(np.median(times[name]))) for name, _ in contenders]


def naive_sigmoid(x, out):
    with np.errstate(over="ignore"):
        np.negative(x, out=out)
        np.exp(out, out=out)
        out += 1
        np.reciprocal(out, out=out)


def small_array_table(previous):
    print("Time of one call (microseconds), float64, median of 15 x 2000 calls")
    sizes = (10, 100, 1000)
    print(f"{'contender':44} " + " ".join(f"{f'n={n}':>9}" for n in sizes))
    rows = {}
    for n in sizes:
        x = np.random.default_rng(0).standard_normal(n) * 8
        out = np.empty_like(x)
        contenders = [
            ("sigmoid(x, 1.0) (ours, ufunc)", lambda: kernels.sigmoid(x, 1.0)),
            ("sigmoid(x, 1.0, out=out) (ours, ufunc)", lambda: kernels.sigmoid(x, 1.0, out=out)),
            ("sigmoid(x, 3.7) (ours, ufunc)", lambda: kernels.sigmoid(x, 3.7)),
            ("scipy.special.expit(x)", lambda: expit(x)),
            ("np.exp(x) (a one-input numpy ufunc)", lambda: np.exp(x)),
        ]
        if previous is not None:
            contenders.append((f"previous sigmoid(x, 1.0) ({PREVIOUS_COMMIT})",
                               lambda: previous.sigmoid(x, 1.0)))
        for name, seconds in median_seconds(contenders, repeats=15, number=2000):
            rows.setdefault(name, []).append(seconds * 1e6)
    for name, values in rows.items():
        print(f"{name:44} " + " ".join(f"{v:9.3f}" for v in values))
    ours, theirs = rows["sigmoid(x, 1.0) (ours, ufunc)"][0], rows["scipy.special.expit(x)"][0]
    line = f"-> n=10: ours {ours:.3f} us, expit {theirs:.3f} us (ours / expit {ours / theirs:.2f})"
    if previous is not None:
        before = rows[f"previous sigmoid(x, 1.0) ({PREVIOUS_COMMIT})"][0]
        line += f", previous {before:.3f} us ({before / ours:.1f}x slower than the ufunc)"
    print(line + "\n")


def large_array_table(n, repeats, previous, controller):
    def one_thread(function):
        def run():
            with controller.limit(limits=1, user_api="openmp"):
                function()
        return run

    print(f"{n:.0e} elements, median of {repeats} runs")
    header = f"{'dtype':8} {'contender':44} {'median ms':>10} {'ns/elem':>8} {'ratio':>7}"
    for dtype in (np.float64, np.float32):
        x = (np.random.default_rng(0).standard_normal(n) * 8).astype(dtype)
        out = np.empty_like(x)
        contenders = [
            ("sigmoid (ours, default threads)", lambda: kernels.sigmoid(x, 1.0, out=out)),
            ("sigmoid (ours, 1 thread)", one_thread(lambda: kernels.sigmoid(x, 1.0, out=out))),
            # alpha not a power of two: float32 alpha * x needs a compensated product
            ("sigmoid (ours, alpha=3.7, 1 thread)",
             one_thread(lambda: kernels.sigmoid(x, 3.7, out=out))),
            ("scipy.special.expit", lambda: expit(x, out=out)),
            ("naive numpy 1/(1+exp(-x))", lambda: naive_sigmoid(x, out)),
            ("np.copyto (memory bandwidth)", lambda: np.copyto(out, x)),
            ("log_sigmoid (ours)", lambda: kernels.log_sigmoid(x, 1.0, out=out)),
            ("scipy.special.log_expit", lambda: log_expit(x, out=out)),
            ("sigmoid_derivative (ours)", lambda: kernels.sigmoid_derivative(x, 1.0, out=out)),
        ]
        if previous is not None:
            contenders += [
                ("previous sigmoid (default threads)",
                 lambda: previous.sigmoid(x, 1.0, out=out)),
                ("previous sigmoid (n_threads=1)",
                 lambda: previous.sigmoid(x, 1.0, out=out, n_threads=1)),
            ]
        results = median_seconds(contenders, repeats)
        ours = results[0][1]
        print(header)
        for name, seconds in results:
            print(f"{np.dtype(dtype).name:8} {name:44} {seconds * 1e3:10.2f} "
                  f"{seconds * 1e9 / n:8.3f} {seconds / ours:7.2f}")
        times = dict(results)
        expit_time = times["scipy.special.expit"]
        line = (f"-> expit / ours: {expit_time / ours:.1f}x (default threads), "
                f"{expit_time / times['sigmoid (ours, 1 thread)']:.1f}x (1 thread), "
                f"{expit_time / times['sigmoid (ours, alpha=3.7, 1 thread)']:.1f}x "
                f"(alpha=3.7, 1 thread); ours / np.copyto: "
                f"{ours / times['np.copyto (memory bandwidth)']:.2f}x")
        if previous is not None:
            serial = times["previous sigmoid (n_threads=1)"] / times["sigmoid (ours, 1 thread)"]
            line += (f"; previous / ours: "
                     f"{times['previous sigmoid (default threads)'] / ours:.2f}x (default), "
                     f"{serial:.2f}x (1 thread)")
        print(line + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1e6 elements, 5 repeats")
    parser.add_argument("--size", type=float, default=None, help="number of elements")
    args = parser.parse_args()
    n = int(args.size or (1e6 if args.quick else 1e7))
    repeats = 5 if args.quick else 25
    previous = load_previous_kernels()
    controller = ThreadpoolController()

    print(f"Machine: {cpu_description()}; load average {os.getloadavg()[0]:.2f}")
    print(f"numpy {np.__version__}, scipy {scipy.__version__}; our default threads: "
          f"{kernels.check_n_threads(None)}; previous implementation: "
          f"{PREVIOUS_COMMIT if previous is not None else 'not available'}\n")
    small_array_table(previous)
    large_array_table(n, repeats, previous, controller)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
