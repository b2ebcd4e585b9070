"""Tune alpha with GridSearchCV inside a Pipeline, and plot the search.
====================================================================

Run: python examples/grid_search_alpha.py [figure.png]
"""

# %%
import sys
import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_sigcore import SigCoreMLPClassifier

X, y = load_digits(return_X_y=True)
pipeline = Pipeline([("scale", StandardScaler()),
                     ("mlp", SigCoreMLPClassifier(hidden_layer_sizes=(32,), max_iter=40,
                                                  random_state=0))])
search = GridSearchCV(pipeline, {"mlp__alpha": [0.25, 1.0, 4.0, 16.0]}, cv=3)
with warnings.catch_warnings():
    # 40 epochs keep the example quick: the networks stop before converging
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X, y)
for alpha, score in zip(search.cv_results_["param_mlp__alpha"],
                        search.cv_results_["mean_test_score"]):
    print(f"alpha={alpha:>5}: mean CV accuracy {score:.4f}")
print("best:", search.best_params_)

# %%
# The same search as a figure (needs matplotlib).
if len(sys.argv) > 1:
    import matplotlib

    matplotlib.use("Agg")
    from sklearn_sigcore.plotting import AlphaSearchDisplay

    display = AlphaSearchDisplay.from_estimator(search)
    display.figure_.savefig(sys.argv[1])
    print("figure written to", sys.argv[1])
