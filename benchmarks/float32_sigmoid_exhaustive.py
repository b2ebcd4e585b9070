"""Worst error of the float32 sigmoid over every float32 input (all 2**32 bit patterns).

Too slow for the test suite (two to three minutes per alpha on 2 cores); the
tests check the same bound against mpmath on a grid.  The reference is
scipy.special.expit in float64 at u = alpha * x formed in double, within a few
double ulp, which is 2**-28 of a float32 ulp.  Also checks that NaN comes out
exactly for NaN in, and counts steps down between consecutive inputs
(monotonicity).

    python benchmarks/float32_sigmoid_exhaustive.py                  # alpha 1 and 3.7
    python benchmarks/float32_sigmoid_exhaustive.py --alpha 0.1 2 1e20
"""

import argparse
import time

import numpy as np
from scipy.special import expit

from sklearn_sigcore import kernels

CHUNK = 2**24


def ascending_floats():
    """Every float32 except NaN, in increasing order, in chunks (-inf ... -0, +0 ... +inf)."""
    negative_inf = np.uint32(0xFF800000)   # below it, smaller patterns are smaller magnitudes
    for negative in (True, False):
        for start in range(0, 0x7F800001, CHUNK):
            bits = np.arange(start, min(start + CHUNK, 0x7F800001), dtype=np.uint32)
            yield (negative_inf - bits if negative else bits).view(np.float32)


def nan_inputs():
    """Every float32 NaN bit pattern (both signs, every payload)."""
    payloads = np.arange(1, 2**23, dtype=np.uint32)
    return np.concatenate([0x7F800000 + payloads, 0xFF800000 + payloads]).view(np.float32)


def check(alpha):
    worst, worst_x, steps_down, previous, nan_from_numbers = 0.0, None, 0, -np.inf, 0
    nan_out = int(np.count_nonzero(np.isnan(kernels.sigmoid(nan_inputs(), alpha))))
    for x in ascending_floats():
        got = kernels.sigmoid(x, alpha)
        nan_from_numbers += int(np.count_nonzero(np.isnan(got)))
        with np.errstate(over="ignore"):
            reference = expit(alpha * x.astype(np.float64))
        rounded = reference.astype(np.float32)
        ulp = np.spacing(np.abs(rounded)).astype(np.float64)
        error = np.abs(got.astype(np.float64) - reference) / ulp
        k = int(np.argmax(error))
        if error[k] > worst:
            worst, worst_x = float(error[k]), float(x[k])
        steps_down += int(np.count_nonzero(np.diff(got) < 0)) + int(got[0] < previous)
        previous = got[-1]
    return worst, worst_x, steps_down, nan_out == 2**24 - 2 and nan_from_numbers == 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alpha", type=float, nargs="+", default=[1.0, 3.7])
    args = parser.parse_args()
    print(f"{'alpha':>10} {'worst ulp':>10} {'at x':>16} {'steps down':>11} {'NaN ok':>7} {'s':>6}")
    for alpha in args.alpha:
        start = time.perf_counter()
        worst, worst_x, steps_down, nan_ok = check(alpha)
        print(f"{alpha:10.4g} {worst:10.4f} {worst_x:16.9g} {steps_down:11d} "
              f"{str(nan_ok):>7} {time.perf_counter() - start:6.0f}")


if __name__ == "__main__":
    main()
