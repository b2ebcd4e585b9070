"""Gains learned by gradient descent: the design's worked example, then digits.
============================================================================

The sigmoid core σ(αz) of the design has its gain α *trained with the
weights*. ``learn_alpha='layer'`` (one gain per hidden layer) or ``'unit'``
(one per hidden unit) does that, with α = exp(θ) so that gains stay positive.

1. The worked example: targets σ(3x) at 50 points in [-5, 5], fitted by one
   hidden sigmoid unit and a σ output with squared error,
   ``SigCoreMLPRegressor((1,), out_activation='sigmoid', learn_alpha='layer')``
   and no L2 penalty. The output is σ(v σ(α(wx + b)) + c): the exact fit needs
   the hidden unit in its near-linear range (σ(u) ≈ 1/2 + u/4) and a large
   output weight v, so that v α w / 4 ≈ 3. L-BFGS gets there in about 60
   iterations (max error ~1e-3); Adam (step 0.05) needs thousands of epochs for
   the large v and stops near 1e-2. A layer's gain multiplies its weights
   and intercepts, f(α(Wh + b)) = f((αW)h + αb), so the function alone does
   not fix α at any width or depth: only the L2 term on W would (here
   ``l2=0``), and the learned gain drifts along that symmetry (L-BFGS takes
   it small and w large). Learning the gain changes the training dynamics.
2. Learned against fixed gains on digits: from α = 0.05 (every unit near-linear,
   gradients scaled by α/4 per layer) the learned gain grows and reaches a
   lower training loss than the same fixed gain.

    python examples/plot_learned_alpha.py [--full] [figure.png]

By default it runs small (a few seconds); ``--full`` (or SIGCORE_EXAMPLE_FULL=1)
runs 5 seeds of 100 epochs on digits. The figure is written (default
``plot_learned_alpha.png``) when matplotlib is installed.
"""

# %%
import os
import sys
import warnings

import numpy as np
from scipy.special import expit
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklearn_sigcore import SigCoreMLPClassifier, SigCoreMLPRegressor

args = [a for a in sys.argv[1:] if a != "--full"]
full = "--full" in sys.argv[1:] or os.environ.get("SIGCORE_EXAMPLE_FULL", "0") != "0"
output = args[0] if args else "plot_learned_alpha.png"

# %%
# 1. The worked example: sigma(3x) with one hidden unit and a sigma output.
x = np.linspace(-5, 5, 50).reshape(-1, 1)
target = expit(3 * x.ravel())
settings = {
    "lbfgs": dict(solver="lbfgs", max_iter=2000, tol=1e-12),
    "adam": dict(solver="adam", learning_rate_init=0.05, max_iter=3000 if full else 1000,
                 tol=0.0, n_iter_no_change=10 ** 9),
}
fits = {}
for name, kw in settings.items():
    reg = SigCoreMLPRegressor((1,), out_activation="sigmoid", learn_alpha="layer", l2=0.0,
                              random_state=0, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fits[name] = reg.fit(x, target)
    error = np.max(np.abs(reg.predict(x) - target))
    print(f"{name}: {reg.n_iter_} iterations, max |error| = {error:.1e}, "
          f"alpha = {reg.alphas_[0]:.3g}, w = {reg.coefs_[0][0, 0]:.3g}, "
          f"alpha w = {reg.alphas_[0] * reg.coefs_[0][0, 0]:.3g}, "
          f"output weight v = {reg.coefs_[1][0, 0]:.3g}")

# %%
# 2. Learned against fixed gains on digits, from alpha = 0.05.
X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)
seeds = range(5) if full else range(1)
epochs = 100 if full else 30
print(f"\ndigits, one hidden layer of 64, adam, {epochs} epochs, alpha starting at 0.05")
print("| seed | fixed: train loss | learned: train loss | learned alpha | "
      "fixed: test acc | learned: test acc |")
print("|---|---|---|---|---|---|")
curves = {}
for seed in seeds:
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, stratify=y,
                                              random_state=seed)
    row = {}
    for learn in (False, "layer"):
        clf = SigCoreMLPClassifier((64,), alpha=0.05, learn_alpha=learn, max_iter=epochs,
                                   random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X_tr, y_tr)
        row[learn] = clf
        if seed == 0:
            curves[learn] = clf
    fixed, learned = row[False], row["layer"]
    print(f"| {seed} | {fixed.loss_:.4f} | {learned.loss_:.4f} | {learned.alphas_[0]:.2f} | "
          f"{fixed.score(X_te, y_te):.3f} | {learned.score(X_te, y_te):.3f} |")

# %%
# The figure: fitted curves, the gain over the iterations, digits' loss curves.
try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib is not installed: no figure")
else:
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    axes[0].plot(x.ravel(), target, "o", ms=4, color="black", label="targets sigma(3x)")
    for name, reg in fits.items():
        axes[0].plot(x.ravel(), reg.predict(x), label=f"fit ({name})")
    axes[0].set(title="worked example: one hidden unit", xlabel="x")
    axes[0].legend(fontsize="small")
    for name, reg in fits.items():
        axes[1].plot(np.arange(1, reg.n_iter_ + 1), reg.alpha_curve_[:, 0], label=name)
    axes[1].set(title="learned gain alpha", xlabel="iteration / epoch", xscale="log",
                yscale="log")
    axes[1].legend(fontsize="small")
    for learn, clf in curves.items():
        label = "learned alpha" if learn else "fixed alpha = 0.05"
        axes[2].plot(np.arange(1, clf.n_iter_ + 1), clf.loss_curve_, label=label)
    axes[2].set(title="digits: training loss", xlabel="epoch", yscale="log")
    axes[2].legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(output, dpi=100)
    print(f"figure written to {output}")
