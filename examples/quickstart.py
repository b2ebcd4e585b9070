"""Quickstart: both estimators on breast_cancer, and the kernels.
==============================================================

Run: python examples/quickstart.py
"""

# %%
# Fit the two estimators in Pipelines, like any scikit-learn classifier.
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_sigcore import SigCoreLogisticRegression, SigCoreMLPClassifier, kernels

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

linear = make_pipeline(StandardScaler(), SigCoreLogisticRegression(alpha=2.0))
linear.fit(X_train, y_train)
print(f"SigCoreLogisticRegression(alpha=2): test accuracy {linear.score(X_test, y_test):.3f}")

mlp = make_pipeline(StandardScaler(),
                    SigCoreMLPClassifier(hidden_layer_sizes=(32, 32), alpha="auto",
                                         max_iter=1000, random_state=0))
mlp.fit(X_train, y_train)
print(f"SigCoreMLPClassifier(alpha='auto'): test accuracy {mlp.score(X_test, y_test):.3f}")
print(f"  gains chosen per hidden layer (alphas_): {mlp[-1].alphas_}")

# %%
# Probabilities are sigma of the decision function, as in scikit-learn.
proba = linear.predict_proba(X_test[:3])[:, 1]
print("P(y=1) for three samples:", proba.round(4))
print("sigmoid(decision_function):",
      kernels.sigmoid(linear.decision_function(X_test[:3]), 1.0).round(4))

# %%
# The kernels on their own: exact in the tails, no overflow warnings.
print("sigmoid([-740, 0, 800]) =", kernels.sigmoid([-740.0, 0.0, 800.0], 1.0))
print("log_sigmoid(-1000) =", kernels.log_sigmoid(-1000.0, 1.0))
