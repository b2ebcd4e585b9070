"""Sigmoid-core kernels against scipy's expit, naive numpy and a memory copy.

Runs every contender in this one process over the same array and prints the
median time, ns per element and the ratio to our default-threads sigmoid.

    python benchmarks/bench_kernels.py            # 1e7 elements
    python benchmarks/bench_kernels.py --quick    # 1e6 elements, fewer repeats
"""

import argparse
import os
import platform
import time

import numpy as np
from scipy.special import expit, log_expit

from sklearn_sigcore import kernels


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


def median_seconds(contenders, repeats):
    """Median time of each contender, timed in turn within every repeat.

    Round-robin rather than one contender after another, so that a slow spell
    of a shared machine falls on all contenders alike and the ratios hold.
    """
    for _, function in contenders:
        function()   # warm up (page faults, thread pool start)
    times = {name: [] for name, _ in contenders}
    for _ in range(repeats):
        for name, function in contenders:
            start = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - start)
    return [(name, float(np.median(times[name]))) for name, _ in contenders]


def naive_sigmoid(x, out):
    with np.errstate(over="ignore"):
        np.negative(x, out=out)
        np.exp(out, out=out)
        out += 1
        np.reciprocal(out, out=out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1e6 elements, 5 repeats")
    parser.add_argument("--size", type=float, default=None, help="number of elements")
    args = parser.parse_args()
    n = int(args.size or (1e6 if args.quick else 1e7))
    repeats = 5 if args.quick else 25
    threads = kernels.check_n_threads(None)

    print(f"Machine: {cpu_description()}")
    print(f"numpy {np.__version__}; our default threads: {threads}; "
          f"{n:.0e} elements, median of {repeats} runs\n")
    header = f"{'dtype':8} {'contender':40} {'median ms':>10} {'ns/elem':>8} {'ratio':>7}"
    for dtype in (np.float64, np.float32):
        x = (np.random.default_rng(0).standard_normal(n) * 8).astype(dtype)
        out = np.empty_like(x)
        contenders = [
            ("sigmoid (ours, default threads)", lambda: kernels.sigmoid(x, out=out)),
            ("sigmoid (ours, n_threads=1)", lambda: kernels.sigmoid(x, out=out, n_threads=1)),
            # alpha not a power of two: float32 alpha * x needs a compensated product
            ("sigmoid (ours, alpha=3.7, n_threads=1)",
             lambda: kernels.sigmoid(x, 3.7, out=out, n_threads=1)),
            ("scipy.special.expit", lambda: expit(x, out=out)),
            ("naive numpy 1/(1+exp(-x))", lambda: naive_sigmoid(x, out)),
            ("np.copyto (memory bandwidth)", lambda: np.copyto(out, x)),
            ("log_sigmoid (ours)", lambda: kernels.log_sigmoid(x, out=out)),
            ("scipy.special.log_expit", lambda: log_expit(x, out=out)),
            ("sigmoid_derivative (ours)", lambda: kernels.sigmoid_derivative(x, out=out)),
        ]
        results = median_seconds(contenders, repeats)
        ours = results[0][1]
        print(header)
        for name, seconds in results:
            print(f"{np.dtype(dtype).name:8} {name:40} {seconds * 1e3:10.2f} "
                  f"{seconds * 1e9 / n:8.3f} {seconds / ours:7.2f}")
        times = dict(results)
        expit_time = times["scipy.special.expit"]
        print(f"-> expit / ours: {expit_time / ours:.1f}x (default threads), "
              f"{expit_time / times['sigmoid (ours, n_threads=1)']:.1f}x (n_threads=1), "
              f"{expit_time / times['sigmoid (ours, alpha=3.7, n_threads=1)']:.1f}x "
              f"(alpha=3.7, n_threads=1); ours / np.copyto: "
              f"{ours / times['np.copyto (memory bandwidth)']:.2f}x\n")


if __name__ == "__main__":
    main()
