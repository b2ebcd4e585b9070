"""What α does in a linear model: it trades off against C.
=======================================================

SigCoreLogisticRegression models P(y=1 | x) = σ(α(w·x + b)). The probabilities
depend on α only through α·w and α·b, so with an L2 penalty a fit at (α, C)
gives the same probabilities as a fit at α = 1 with C·α² (``coef_`` is divided by
α); with an L1 penalty the factor is α. This script checks both identities on
the breast-cancer data and, given an output path and matplotlib, draws the
α = 1 regularisation path against the α path at fixed C.

    python examples/plot_alpha_vs_C.py [figure.png]
"""

# %%
import sys

import numpy as np
import sklearn
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler
from sklearn.utils.fixes import parse_version

from sklearn_sigcore import SigCoreLogisticRegression

X, y = load_breast_cancer(return_X_y=True)
X = StandardScaler().fit_transform(X)
C = 0.05
alphas = [0.25, 0.5, 1.0, 2.0, 4.0]

# %%
# L2: (alpha, C) against (1, C * alpha**2)
print("L2 penalty: max |P(alpha, C) - P(1, C alpha^2)|, and alpha * coef vs coef")
for alpha in alphas:
    scaled = SigCoreLogisticRegression(alpha=alpha, C=C, tol=1e-10, max_iter=10_000)
    plain = SigCoreLogisticRegression(alpha=1.0, C=C * alpha**2, tol=1e-10, max_iter=10_000)
    p_scaled = scaled.fit(X, y).predict_proba(X)
    p_plain = plain.fit(X, y).predict_proba(X)
    coef_gap = np.max(np.abs(alpha * scaled.coef_ - plain.coef_))
    print(f"  alpha={alpha:<5} max prob diff {np.max(np.abs(p_scaled - p_plain)):.2e}   "
          f"max |alpha w - w_1| {coef_gap:.2e}   iterations {scaled.n_iter_[0]:>3} "
          f"vs {plain.n_iter_[0]:>3}")

# %%
# L1: (alpha, C) against (1, C * alpha).  The L1 penalty is l1_ratio=1 from
# scikit-learn 1.8 on (which deprecated `penalty`), penalty='l1' before.
if parse_version(sklearn.__version__).release >= (1, 8):
    L1 = dict(l1_ratio=1.0)
else:
    L1 = dict(penalty="l1")
print("L1 penalty: max |P(alpha, C) - P(1, C alpha)|")
for alpha in alphas:
    kw = dict(**L1, solver="fista", tol=1e-10, max_iter=100_000)
    p_scaled = SigCoreLogisticRegression(alpha=alpha, C=C, **kw).fit(X, y).predict_proba(X)
    p_plain = SigCoreLogisticRegression(alpha=1.0, C=C * alpha, **kw).fit(X, y).predict_proba(X)
    print(f"  alpha={alpha:<5} max prob diff {np.max(np.abs(p_scaled - p_plain)):.2e}")

# %%
# Optional figure: the alpha path at fixed C is the C path of the alpha = 1 model.
output = sys.argv[1] if len(sys.argv) > 1 else None
try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    plt = None

if output and plt is not None:
    grid = np.geomspace(0.1, 10, 25)
    alpha_path = [alpha * SigCoreLogisticRegression(alpha=alpha, C=C).fit(X, y).coef_[0]
                  for alpha in grid]
    C_path = [SigCoreLogisticRegression(C=C * alpha**2).fit(X, y).coef_[0] for alpha in grid]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(grid, np.array(C_path)[:, :6], color="0.7", lw=4, label=None)
    ax.plot(grid, np.array(alpha_path)[:, :6], "--", lw=1.5)
    ax.set_xscale("log")
    ax.set_xlabel("alpha (grey: alpha = 1 at C * alpha^2)")
    ax.set_ylabel("alpha * coef_ (first 6 features)")
    ax.set_title(f"alpha path at C={C} = C path of the alpha = 1 model")
    fig.tight_layout()
    fig.savefig(output, dpi=100)
    print(f"figure saved to {output}")
elif output:
    print("matplotlib is not installed: no figure")
