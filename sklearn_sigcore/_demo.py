"""The demo behind ``python -m sklearn_sigcore``."""

import argparse
import time

import numpy as np
from scipy.special import expit

from . import kernels


def _median_seconds(function, repeats=5):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def kernel_tour(n):
    """Print what the sigmoid-core kernels compute and how fast, next to scipy."""
    print("The sigmoid core sigma(alpha x) and its relatives")
    x = np.array([-745.0, -40.0, 0.0, 40.0, np.inf])
    print(f"  x                      = {x}")
    print(f"  sigmoid(x)             = {kernels.sigmoid(x)}")
    print(f"  scipy expit(x)         = {expit(x)}   (flushes the subnormal to 0)")
    print(f"  log_sigmoid(x)         = {kernels.log_sigmoid(x)}")
    print(f"  sigmoid_derivative(x, alpha=4) = {kernels.sigmoid_derivative(x, 4.0)}")
    data = np.random.default_rng(0).standard_normal(n)
    out = np.empty_like(data)
    ours = _median_seconds(lambda: kernels.sigmoid(data, out=out))
    scipy = _median_seconds(lambda: expit(data, out=out))
    print(f"\n  {n:.0e} float64 elements: ours {ours * 1e3:.2f} ms, scipy expit "
          f"{scipy * 1e3:.2f} ms ({scipy / ours:.1f}x faster)")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_sigcore",
        description="Tour of sklearn_sigcore: the sigmoid-core kernels at work.",
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, a few seconds")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    kernel_tour(n=10**5 if args.quick else 10**7)
    return 0
