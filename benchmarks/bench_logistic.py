"""SigCoreLogisticRegression vs sklearn's LogisticRegression, side by side in one process.

    python benchmarks/bench_logistic.py                    # the README's cases (tol=1e-6)
    python benchmarks/bench_logistic.py --sweep            # sizes x features x classes x format
    python benchmarks/bench_logistic.py --solvers          # each solver vs sklearn's same-name one
    python benchmarks/bench_logistic.py --defaults         # our defaults vs the fastest peer
    python benchmarks/bench_logistic.py --wide             # multiclass newton-cholesky, wide X
    python benchmarks/bench_logistic.py --sweep --max-rows 10000 --threads 1
    python benchmarks/bench_logistic.py --solvers --quick  # case sizes / 10

Default mode: for each case, median fit time of both (tol=1e-6, alpha=1,
C=1), their ratio (goal <= 0.5), the final objective of each (evaluated the
same way, in float64: ours must be no worse), iterations, the time and GB/s of
one loss + gradient evaluation of ours and of sklearn's LinearModelLoss (private
APIs of both packages: 'n/a' when they change), and np.copyto's GB/s on the
same bytes as the physical limit; per thread limit (default: all, then 1).

--sweep: ours with its default solver vs LogisticRegression() (lbfgs), both at
their default tol (1e-4), C=1, over n_samples x n_features x classes x
{dense float64, CSR}; goal ratio <= 0.8 at every point. --solvers: each solver
name vs sklearn's, at sklearn's default tol (goal <= 0.5). --defaults: ours
without a solver argument vs the fastest of sklearn's solvers that accept the
case and glum (binary cases; benchmark-only, 'glum not installed' otherwise),
goal <= 0.5 at an objective no worse. --wide: solver='newton-cholesky' on
multiclass X of 100-500 features (Hessians of K p rows), dense and CSR, vs
sklearn's. All contenders are timed in turn within
each repeat (medians); a solver our installed version lacks shows as 'n/a'.
"""

import argparse
import time

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

import _common as common
from sklearn_sigcore import SigCoreLogisticRegression
from sklearn_sigcore._logistic import SERIAL_WORK, _work

try:
    import glum
except ImportError:
    glum = None

SOLVERS = ["lbfgs", "liblinear", "newton-cg", "newton-cholesky", "sag", "saga"]
L1_SOLVERS = ["liblinear", "saga"]
SKLEARN_L1_RATIO = tuple(int(v) for v in sklearn.__version__.split(".")[:2]) >= (1, 8)
GB = 1e9


# -------------------------------------------------------------------- models
def sklearn_model(solver="lbfgs", C=1.0, l1=False, **kw):
    if l1:   # scikit-learn >= 1.8 deprecates penalty= in favour of l1_ratio
        kw.update(l1_ratio=1.0) if SKLEARN_L1_RATIO else kw.update(penalty="l1")
    return LogisticRegression(C=C, solver=solver, **kw)


def ours_model(solver=None, C=1.0, l1=False, **kw):
    if solver is not None:   # None: the estimator's default solver
        kw["solver"] = solver
    return SigCoreLogisticRegression(penalty="l1" if l1 else "l2", C=C, **kw)


def sklearn_accepts(solver, n_classes, l1):
    if l1:
        return solver in L1_SOLVERS
    return not (solver == "liblinear" and n_classes > 2)


def objective(X, y, model, C, l1=False, penalise_intercept=False):
    return common.objective(X, y, model.coef_, model.intercept_, C,
                            l1_ratio=1.0 if l1 else 0.0,
                            penalise_intercept=penalise_intercept)


def n_iter(model):
    return common.fmt(model and common.n_iter(model), "d")


# --------------------------------------------------------------------- data
def issue_cases(n_scale, wanted=("binary", "multinomial", "sparse", "sparse-l1")):
    """(name, X, y, C, l1) of the issue's cases; n_scale(n) gives the row count."""
    if "binary" in wanted or "float32" in wanted:
        X, y = make_classification(n_scale(200_000), 100, n_informative=30, random_state=0)
        if "binary" in wanted:
            yield f"binary {len(y)}x100 f64", X, y, 1.0, False
        if "float32" in wanted:
            yield f"binary {len(y)}x100 float32", X.astype(np.float32), y, 1.0, False
    if "multinomial" in wanted:
        X5, y5 = make_classification(n_scale(100_000), 50, n_informative=20, n_classes=5,
                                     random_state=0)
        yield f"5 classes {len(y5)}x50 f64", X5, y5, 1.0, False
    if "sparse" in wanted or "sparse-l1" in wanted:
        n, p = n_scale(200_000), 5_000
        rng = np.random.default_rng(0)
        Xs = sp.random(n, p, density=0.002, format="csr", random_state=0, dtype=np.float64)
        ys = (Xs @ (rng.normal(size=p) * 3) + rng.logistic(size=n) > 0).astype(int)
        if "sparse" in wanted:
            yield f"sparse CSR {n}x{p} 0.2%", Xs, ys, 1.0, False
        if "sparse-l1" in wanted:
            yield f"sparse CSR {n}x{p} 0.2% L1 C=0.1", Xs, ys, 0.1, True


def sweep_data(n, p, K, sparse, seed=0):
    """Gaussian X (CSR: min(p, 20) non-zeros a row), labels of a noisy linear model."""
    rng = np.random.default_rng([seed, n, p, K, sparse])
    if sparse:
        k = min(p, 20)
        # k distinct sorted columns a row: sorted draws from [0, p-k] plus 0..k-1
        cols = np.sort(rng.integers(0, p - k + 1, size=(n, k), dtype=np.int32), axis=1)
        cols += np.arange(k, dtype=np.int32)
        X = sp.csr_matrix((rng.standard_normal(n * k), cols.ravel(),
                           np.arange(0, n * k + 1, k, dtype=np.int64)), shape=(n, p))
    else:
        X, k = rng.standard_normal((n, p)), p
    W = rng.standard_normal((p, 1 if K == 2 else K)) * (2.0 / np.sqrt(k))
    scores = np.asarray(X @ W) + rng.standard_normal(W.shape[1])
    if K == 2:
        return X, (scores[:, 0] + rng.logistic(size=n) > 0).astype(np.int64)
    return X, np.argmax(scores + rng.gumbel(size=scores.shape), axis=1)


# --------------------------------------------------------------- default mode
def eval_times(X, y, repeats=5):
    """One loss + gradient evaluation, sklearn's and ours (private APIs: None if gone)."""
    classes = np.unique(y)
    K = len(classes)
    target = (y == classes[1]) if K == 2 else np.searchsorted(classes, y)
    target = target.astype(X.dtype)
    out = []
    try:
        from sklearn._loss.loss import HalfBinomialLoss, HalfMultinomialLoss
        from sklearn.linear_model._linear_loss import LinearModelLoss
        base = HalfBinomialLoss() if K == 2 else HalfMultinomialLoss(n_classes=K)
        lml = LinearModelLoss(base_loss=base, fit_intercept=True)
        coef = np.zeros((X.shape[1] + 1) * (1 if K == 2 else K), dtype=X.dtype)
        out.append(lambda: lml.loss_gradient(coef, X, target, None,
                                             l2_reg_strength=1.0 / len(y)))
    except Exception:
        out.append(None)
    try:
        from sklearn_sigcore._linear_loss import LinearLoss
        Kc = 1 if K == 2 else K
        loss = LinearLoss(X, target, None, 1.0, Kc, True)
        W, b = np.zeros((Kc, X.shape[1])), np.zeros(Kc)
        out.append(lambda: loss.loss_gradient(W, b))
    except Exception:
        out.append(None)
    contenders = [(name, fn, None) for name, fn in zip(("sk", "us"), out) if fn]
    res = common.round_robin(contenders, repeats, repeats, warmup=np.inf) if contenders else {}
    return [res.get(name, (None,))[0] for name in ("sk", "us")]


def copy_rate(X, repeats=5):
    src = X.data if sp.issparse(X) else X
    dst = np.empty_like(src)
    t = common.round_robin([("copy", lambda: np.copyto(dst, src), None)], repeats,
                           repeats, warmup=np.inf)["copy"][0]
    return src.nbytes / t


def mode_default(args):
    wanted = args.cases.split(",") if args.cases else \
        ["binary", "float32", "multinomial", "sparse"]
    rows = []
    for name, X, y, C, l1 in issue_cases(args.n_scale, wanted):
        for threads in args.threads:
            with common.limit_threads(threads):
                res = common.round_robin(
                    [("sk", lambda: sklearn_model(C=C, tol=1e-6, max_iter=1000).fit(X, y), None),
                     ("us", lambda: ours_model(C=C, tol=1e-6, max_iter=1000).fit(X, y), None)],
                    args.repeats, args.repeats)
                e_sk, e_us = eval_times(X, y)
                copy = copy_rate(X)
            (t_sk, sk, *_), (t_us, us, *_) = res["sk"], res["us"]
            rows.append([name, threads or f"all ({common.usable_cores()})", f"{t_sk:.3f}",
                         f"{t_us:.3f}", f"{t_us / t_sk:.2f}", f"{objective(X, y, sk, C):.10f}",
                         f"{objective(X, y, us, C):.10f}", f"{n_iter(sk)} / {n_iter(us)}",
                         f"{common.fmt(e_sk and e_sk * 1e3, '.2f')} / "
                         f"{common.fmt(e_us and e_us * 1e3, '.2f')}",
                         common.fmt(e_us and common.nbytes(X) / e_us / GB, ".2f"),
                         f"{copy / GB:.2f}"])
            common.progress(f"{name} [{threads or 'all'} threads]: {t_us / t_sk:.2f}")
    print(f"LogisticRegression(tol=1e-6) vs ours at the same tol, median of {args.repeats}\n")
    common.print_table(["case", "threads", "sklearn s", "ours s", "ours / sklearn",
                        "objective sklearn", "objective ours", "iterations sklearn / ours",
                        "eval ms sklearn / ours", "ours GB/s", "copy GB/s"], rows)
    print("objective = (1/n) Σ loss + ‖w‖² / (2Cn) (lower is better); GB/s = bytes of X "
          "read per second by one loss + gradient evaluation (copy: `np.copyto` of X).")


# ---------------------------------------------------------------------- sweep
def mode_sweep(args):
    sizes = [n for n in (100, 1_000, 10_000, 100_000, 1_000_000) if n <= args.max_rows]
    grid = [(fmt, K, p) for fmt in ("dense", "CSR") for K in (2, 10) for p in (4, 20, 100, 1000)]
    done, skipped, last = [], [], {}
    start = time.perf_counter()
    for n in sizes:   # small first: the time budget cuts only the largest points
        for fmt, K, p in grid:
            key, prev = (fmt, K, p), last.get((fmt, K, p))
            reason = None
            if fmt == "dense" and n * p * 8 > 1e9:
                reason = f"dense X is {n * p * 8 / GB:.0f} GB (> 1 GB)"
            elif prev == "skipped":
                reason = "a smaller n of this shape was skipped"
            elif prev:   # time grows about linearly in n
                pred_sk, pred_us = (t * n / prev[0] for t in prev[1:])
                left = args.budget - (time.perf_counter() - start)
                if pred_sk > args.max_fit:
                    reason = f"predicted sklearn fit {pred_sk:.0f} s > {args.max_fit:g} s"
                elif 3 * (pred_sk + pred_us) > left:
                    reason = (f"3 repeats predicted {3 * (pred_sk + pred_us):.0f} s > "
                              f"{max(left, 0):.0f} s left of the {args.budget:g} s budget")
            if reason:
                skipped.append([n, p, K, fmt, reason])
                last[key] = "skipped"
                continue
            X, y = sweep_data(n, p, K, fmt == "CSR")
            # Where fits run threaded (the estimator's rule), the BLAS threads
            # of the fit before spin into the next one: start each fit after
            # an idle pause there (fewer repeats).
            quiet = _work(X, K) >= SERIAL_WORK
            res = common.round_robin(
                [("sk", lambda: sklearn_model().fit(X, y), None),
                 ("us", lambda: ours_model().fit(X, y), None)],
                min_repeats=3, max_repeats=7 if quiet else 100, budget=1.0, quiet=quiet)
            (t_sk, sk, _, reps), (t_us, us, err, _) = res["sk"], res["us"]
            if t_us is None:
                raise RuntimeError(f"ours failed on {key}: {err}")
            last[key] = (n, t_sk, t_us)
            gap = objective(X, y, us, 1.0) - objective(X, y, sk, 1.0)
            density = f" {X.nnz / (n * p):.0%}" if fmt == "CSR" else ""
            done.append([n, p, K, fmt + density, f"{t_sk:.4f}", f"{t_us:.4f}",
                         f"{t_us / t_sk:.2f}", f"{gap:+.1e}", f"{n_iter(sk)} / {n_iter(us)}",
                         f"{reps}{' ²' if quiet else ''}",
                         "yes" if t_us <= 0.8 * t_sk else "**no**"])
            common.progress(f"sweep n={n} p={p} K={K} {fmt}: sklearn {t_sk:.4f} s, "
                            f"ours {t_us:.4f} s ({time.perf_counter() - start:.0f} s so far)")
            del X, y
    done.sort(key=lambda r: (r[3].split()[0], r[2], r[1], r[0]))
    print("Ours (default solver) vs LogisticRegression() (lbfgs), C=1, tol=1e-4, "
          "max_iter=100 both; median over repeats until 1 s spent (3 to 100); "
          "² : work of 2^22 or more (elements of X times score columns, the estimator's "
          f"threading rule: fits run threaded), "
          f"each fit after {common.QUIET_SECONDS} s idle, 3 to 7 repeats\n")
    common.print_table(["n_samples", "n_features", "classes", "format", "sklearn s", "ours s",
                        "ratio", "objective gap", "iterations sklearn / ours", "repeats",
                        "goal ratio ≤ 0.8"], done)
    met = sum(r[-1] == "yes" for r in done)
    print(f"Goal met at {met} of {len(done)} points measured. Objective gap = ours − "
          "sklearn, float64, (1/n) Σ loss + ‖w‖²/(2Cn) (negative: ours lower). Data: "
          "Gaussian X (CSR: min(p, 20) non-zeros a row), labels from a random linear "
          f"model plus logistic / Gumbel noise, fixed seed. Sweep took "
          f"{time.perf_counter() - start:.0f} s.\n")
    if skipped:
        print("Skipped points:\n")
        common.print_table(["n_samples", "n_features", "classes", "format", "why"], skipped)


# ------------------------------------------------------------------ wide
WIDE_CASES = [(1000, 100, 5), (1000, 300, 3), (2000, 200, 10), (800, 500, 4)]


def mode_wide(args):
    """Multiclass newton-cholesky with many features (Hessians of K p rows)."""
    rows = []
    for n, p, K in WIDE_CASES:
        for fmt in ("dense", "CSR"):
            X, y = make_classification(n, p, n_informative=min(p, 20), n_classes=K,
                                       random_state=0)
            if fmt == "CSR":
                X = sp.csr_matrix(X)
            res = common.round_robin(
                [(who, lambda cls=cls: cls(solver="newton-cholesky").fit(X, y), None)
                 for who, cls in (("sk", LogisticRegression),
                                  ("us", SigCoreLogisticRegression))],
                args.repeats, args.repeats, quiet=True)
            (t_sk, sk, _, _), (t_us, us, _, _) = res["sk"], res["us"]
            rows.append([n, p, K, fmt, f"{t_sk:.3f}", f"{t_us:.3f}", f"{t_us / t_sk:.2f}",
                         f"{np.abs(sk.coef_ - us.coef_).max():.1e}",
                         f"{n_iter(sk)} / {n_iter(us)}"])
            common.progress(f"wide {n}x{p} K={K} {fmt}: sklearn {t_sk:.3f} s, ours {t_us:.3f} s")
    print(f"solver='newton-cholesky', scikit-learn's defaults, make_classification("
          f"n_informative=min(p, 20)); median of {args.repeats}, each fit after "
          f"{common.QUIET_SECONDS:g} s idle (CSR: the same dense values)\n")
    common.print_table(["n_samples", "n_features", "classes", "format", "sklearn s", "ours s",
                        "ours / sklearn", "max |coef diff|", "iterations sklearn / ours"],
                       rows)
    print()


# -------------------------------------------------------------------- solvers
def mode_solvers(args):
    rows, notes = [], {}
    for name, X, y, C, l1 in issue_cases(args.n_scale):
        K = len(np.unique(y))
        for solver in SOLVERS:
            if not sklearn_accepts(solver, K, l1):
                continue
            res = common.round_robin(
                [("sk", lambda: sklearn_model(solver, C, l1).fit(X, y), None),
                 ("us", lambda: ours_model(solver, C, l1).fit(X, y), None)],
                args.repeats, args.repeats, slow=args.slow, quiet=True)
            (t_sk, sk, err_sk, n_sk), (t_us, us, err_us, _) = res["sk"], res["us"]
            if err_us:
                notes[solver] = err_us.splitlines()[0][:160]
            if t_sk is None:
                raise RuntimeError(f"sklearn {solver} failed on {name}: {err_sk}")
            mark = " †" if solver == "liblinear" else ""
            obj = [common.fmt(m and objective(X, y, m, C, l1, solver == "liblinear"), ".10f")
                   for m in (sk, us)]
            ratio = t_us and t_us / t_sk
            rows.append([name, solver + mark, f"{t_sk:.3f}" + ("¹" if n_sk < args.repeats else ""),
                         common.fmt(t_us), common.ratio(ratio) + (
                             "" if ratio is None else " ✓" if ratio <= 0.5 else " ✗"),
                         *obj, f"{n_iter(sk)} / {n_iter(us)}"])
            common.progress(f"{name} {solver}: sklearn {t_sk:.3f} s, ours {common.fmt(t_us)}")
    print(f"Each solver at scikit-learn's defaults (tol=1e-4, max_iter=100), ours with the "
          f"same solver name, alpha=1; median of {args.repeats}, each fit after "
          f"{common.QUIET_SECONDS:g} s idle\n")
    common.print_table(["case", "solver", "sklearn s", "ours s", "ours / sklearn (goal ≤ 0.5)",
                        "objective sklearn", "objective ours", "iterations sklearn / ours"],
                       rows)
    print("objective = (1/n) Σ loss + ‖w‖²/(2Cn) (L1 case: + ‖w‖₁/(Cn)), float64, lower is "
          "better. † liblinear penalises its intercept (intercept_scaling=1): its rows "
          "evaluate both models on that objective, b joining w in the penalty. Iterations "
          "at max_iter=100 mean the solver stopped at the cap. scikit-learn's liblinear "
          f"has no multiclass; L1 runs liblinear and saga only. ¹ one fit took over "
          f"{args.slow:g} s: timed once.")
    for solver, err in notes.items():
        print(f"- ours n/a for {solver}: {err}")
    print()


# ------------------------------------------------------------------- defaults
def glum_model(C, n, l1):
    """glum's objective (1/(2n)) deviance + alpha (l1_ratio |w|_1 + (1 - l1_ratio)/2 |w|^2)
    is sklearn's (1/n) sum loss + |w|^2 / (2Cn) (+ |w|_1 / (Cn) for L1) at alpha = 1/(Cn):
    the binomial deviance of 0/1 labels is 2 sum loss; the intercept is not penalised."""
    return glum.GeneralizedLinearRegressor(family="binomial", alpha=1.0 / (C * n),
                                           l1_ratio=1.0 if l1 else 0.0)


def mode_defaults(args):
    rows, notes = [], []
    for name, X, y, C, l1 in issue_cases(args.n_scale):
        K = len(np.unique(y))
        contenders = [("ours", lambda: ours_model(None, C, l1).fit(X, y), None)]
        contenders += [(s, lambda s=s: sklearn_model(s, C, l1).fit(X, y), None)
                       for s in SOLVERS if sklearn_accepts(s, K, l1)]
        if glum is not None and K == 2:
            contenders.append(("glum", lambda: glum_model(C, len(y), l1).fit(X, y), None))
        res = common.round_robin(contenders, args.repeats, args.repeats, slow=args.slow,
                                 quiet=True)
        sk_times = {s: r.seconds for s, r in res.items() if s in SOLVERS and r.seconds}
        fastest = min(sk_times, key=sk_times.get)
        obj = {s: objective(X, y, r.result, C, l1)   # liblinear too: the problem posed
               for s, r in res.items() if r.result is not None}
        peers = [s for s in (fastest, "glum") if res.get(s) and res[s].seconds]
        t_us = res["ours"].seconds
        best = min(peers, key=lambda s: res[s].seconds)
        ratio = t_us and t_us / res[best].seconds
        ok = "n/a" if ratio is None else "yes" if (
            ratio <= 0.5 and obj["ours"] - obj[best] <= 1e-7) else "**no**"
        glum_t = res["glum"].seconds if "glum" in res else None
        once = {s: "¹" if r.repeats < args.repeats else "" for s, r in res.items()}
        rows.append([name, common.fmt(t_us) + once["ours"],
                     f"{fastest} {sk_times[fastest]:.3f}{once[fastest]}",
                     common.fmt(glum_t, missing="—") + once.get("glum", ""),
                     common.ratio(t_us and t_us / sk_times[fastest]),
                     "—" if glum_t is None else common.ratio(t_us and t_us / glum_t),
                     common.fmt(obj.get("ours"), ".10f"), f"{obj[fastest]:.10f}",
                     common.fmt(obj.get("glum"), ".10f", "—"),
                     f"{n_iter(res['ours'].result)} / {n_iter(res[fastest].result)}",
                     f"{ok} (vs {best})"])
        others = ", ".join(f"{s} {t:.3f}" for s, t in sorted(sk_times.items(),
                                                             key=lambda kv: kv[1]))
        common.progress(f"{name}: ours {common.fmt(t_us)}; sklearn {others}; "
                        f"glum {common.fmt(glum_t)}")
        notes += [f"- {s} n/a on {name}: {r.error.splitlines()[0][:160]}"
                  for s, r in res.items() if r.error]
    print(f"Ours with default settings (no solver argument) vs the fastest scikit-learn "
          f"solver accepting the case (each timed, default tol and max_iter) and glum "
          f"(binary cases); median of {args.repeats}, all timed in turn, each fit after "
          f"{common.QUIET_SECONDS:g} s idle\n")
    common.print_table(["case", "ours s", "fastest sklearn s", "glum s",
                        "ours / fastest sklearn", "ours / glum", "objective ours",
                        "objective fastest sklearn", "objective glum",
                        "iterations ours / fastest", "goal ≤ 0.5, objective no worse"], rows)
    print("objective as in --solvers, float64, but every model (liblinear too, which "
          "penalises its intercept) on scikit-learn's objective, the problem posed. glum: "
          "GeneralizedLinearRegressor(family='binomial', alpha=1/(C n), l1_ratio=0 or 1), "
          "its default gradient_tol (1e-4) and solver; the same objective as sklearn's. "
          "Goal: ratio ≤ 0.5 against the fastest peer and ours − peer objective ≤ 1e-7. "
          f"¹ one fit took over {args.slow:g} s: timed once.")
    if notes:
        print("\n".join(notes))
    if glum is None:
        print("glum not installed (`pip install glum` to add it as a peer).")
    print()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--sweep", action="store_true", help="grid of sizes, our defaults")
    mode.add_argument("--solvers", action="store_true", help="each solver vs sklearn's")
    mode.add_argument("--defaults", action="store_true", help="ours vs the fastest peer")
    mode.add_argument("--wide", action="store_true",
                      help="multiclass newton-cholesky, 100-500 features")
    parser.add_argument("--quick", action="store_true",
                        help="case sizes / 10; sweep up to 10000 rows")
    parser.add_argument("--max-rows", type=int, default=None, help="cap on n_samples")
    parser.add_argument("--repeats", type=int, default=3,
                        help="repeats per case (not --sweep, whose repeats adapt)")
    parser.add_argument("--threads", type=lambda v: None if v == "all" else int(v),
                        nargs="+", default=None,
                        help="thread limits (threadpoolctl) to run in turn, e.g. all 1; "
                             "default: all then 1 (default mode), all (other modes)")
    parser.add_argument("--cases", default=None, help="default mode: comma-separated "
                        "subset of binary, float32, multinomial, sparse")
    parser.add_argument("--slow", type=float, default=20.0,
                        help="--solvers/--defaults: a contender whose fit takes longer "
                             "is timed once")
    parser.add_argument("--max-fit", type=float, default=20.0,
                        help="--sweep: skip points whose sklearn fit is predicted longer")
    parser.add_argument("--budget", type=float, default=600.0,
                        help="--sweep: seconds of timing; larger points are skipped after")
    args = parser.parse_args()
    max_rows = args.max_rows or (10_000 if args.quick and args.sweep else 10**9)
    args.max_rows = max_rows
    args.n_scale = lambda n: min(n // 10 if args.quick else n, max_rows)

    title = ("sweep" if args.sweep else "solvers" if args.solvers else
             "defaults" if args.defaults else "wide multiclass" if args.wide else "issue cases")
    print(f"# SigCoreLogisticRegression vs scikit-learn: {title}\n")
    common.describe_machine()
    if args.sweep or args.solvers or args.defaults or args.wide:
        run = (mode_sweep if args.sweep else mode_solvers if args.solvers else
               mode_defaults if args.defaults else mode_wide)
        for threads in args.threads or [None]:
            label = f"threadpool_limits({threads})" if threads else \
                f"default threads ({common.usable_cores()} cores usable)"
            print(f"## {title}, {label}\n")
            with common.limit_threads(threads):
                run(args)
    else:
        args.threads = args.threads or [None, 1]
        mode_default(args)
    common.print_load()


if __name__ == "__main__":
    main()
