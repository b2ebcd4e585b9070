"""Deep sigmoid networks: alpha = 1 against alpha = 'auto', by depth.
==================================================================

σ(αz) has slope α/4 at 0 and mean 1/2, so with α = 1 and the usual
initialisation each sigmoid layer shrinks the backpropagated signal about 4x:
a deep sigmoid network does not train. ``alpha='auto'`` picks the gain and a
centred, orthogonal, data-scaled initialisation so that depth stops mattering.
This script fits both on the digits data at several depths and shows the
loss curves, the weight-gradient norm of every layer, and the fraction of
saturated units per layer (``loss_curve_``, ``gradient_norms_``,
``saturation_``).

    python examples/plot_deep_sigmoid.py [--full] [figure.png]

By default it runs small (depths 1, 4 and 8, 40 epochs) in a few seconds;
``--full`` (or SIGCORE_EXAMPLE_FULL=1) runs issue 4's setup: depths 1, 8, 16
and 32, 200 epochs. The figure is written (default ``plot_deep_sigmoid.png``)
when matplotlib is installed.
"""

# %%
import os
import sys
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklearn_sigcore import SigCoreMLPClassifier

args = [a for a in sys.argv[1:] if a != "--full"]
full = "--full" in sys.argv[1:] or os.environ.get("SIGCORE_EXAMPLE_FULL", "0") != "0"
output = args[0] if args else "plot_deep_sigmoid.png"
depths = [1, 8, 16, 32] if full else [1, 4, 8]
max_iter = 200 if full else 40

X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y,
                                                    random_state=0)

# %%
# Fit alpha = 1 and alpha = 'auto' at each depth (hidden layers of 64 units).
fits = {}
print(f"{'layers':>6} {'alpha':>6} {'test acc':>8} {'epochs':>6}  "
      f"{'|grad W1| / |grad W_out| (epoch 1)':>34}  alphas_ (first layers)")
for depth in depths:
    for alpha in (1.0, "auto"):
        clf = SigCoreMLPClassifier((64,) * depth, alpha=alpha, max_iter=max_iter,
                                   random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X_train, y_train)
        fits[depth, alpha] = clf
        ratio = clf.gradient_norms_[0, 0] / clf.gradient_norms_[0, -1]
        print(f"{depth:>6} {alpha!s:>6} {clf.score(X_test, y_test):>8.3f} {clf.n_iter_:>6}  "
              f"{ratio:>34.2e}  {np.round(clf.alphas_[:3], 2)}{' ...' if depth > 3 else ''}")

# %%
# Figure: loss curves; gradient norm by layer (first epoch); saturation by layer.
try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    plt = None

if plt is not None:
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    colours = plt.cm.viridis(np.linspace(0, 0.85, len(depths)))
    for colour, depth in zip(colours, depths):
        for alpha, style in ((1.0, "--"), ("auto", "-")):
            clf = fits[depth, alpha]
            label = f"{depth} layers, alpha={alpha}"
            axes[0].plot(clf.loss_curve_, style, color=colour, label=label)
            axes[1].semilogy(np.arange(1, clf.n_layers_), clf.gradient_norms_[0], style,
                             marker="o", ms=3, color=colour, label=label)
            if depth:
                axes[2].plot(np.arange(1, depth + 1), clf.saturation_.mean(axis=0), style,
                             marker="o", ms=3, color=colour, label=label)
    axes[0].set(xlabel="epoch", ylabel="training loss", title="Loss curves")
    axes[1].set(xlabel="layer (last = output)", ylabel="|dL/dW| (epoch 1)",
                title="Gradient norm by layer")
    axes[2].set(xlabel="hidden layer", ylabel="fraction within 0.01 of 0 or 1",
                title="Saturation (mean over epochs)")
    axes[0].legend(fontsize=7)
    fig.suptitle("Sigmoid networks on digits: dashed alpha = 1, solid alpha = 'auto'")
    fig.tight_layout()
    fig.savefig(output, dpi=110)
    print(f"figure written to {output}")
