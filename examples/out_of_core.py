"""Out-of-core training: partial_fit over chunks of a CSV file and of a dask array.
================================================================================

Neither loop holds more than one chunk of the training data in memory.

Run: python examples/out_of_core.py
"""

# %%
import itertools
import tempfile
from pathlib import Path

import numpy as np
from sklearn.datasets import make_classification

from sklearn_sigcore import SigCoreLogisticRegression, SigCoreMLPClassifier

X, y = make_classification(n_samples=20000, n_features=20, n_informative=10,
                           random_state=0)
X_test, y_test = X[-4000:], y[-4000:]
csv = Path(tempfile.mkdtemp()) / "train.csv"
np.savetxt(csv, np.column_stack([X[:-4000], y[:-4000]]), delimiter=",", fmt="%.6g")


def csv_chunks(path, rows):
    """Yield (X, y) blocks of `rows` lines of the CSV file."""
    with open(path) as handle:
        while block := list(itertools.islice(handle, rows)):
            data = np.loadtxt(block, delimiter=",", ndmin=2)
            yield data[:, :-1], data[:, -1].astype(int)


# %%
classes = np.array([0, 1])
# Each call's penalty is relative to its chunk: chunks of 2000 of the 16000
# training rows at C = 8 fit the model of fit(C=1) on all of them.
n_rows, chunk_rows = len(X) - 4000, 2000
linear = SigCoreLogisticRegression(C=1.0 * n_rows / chunk_rows)
for epoch in range(3):
    for X_chunk, y_chunk in csv_chunks(csv, rows=chunk_rows):
        linear.partial_fit(X_chunk, y_chunk, classes=classes)
print(f"logistic regression from CSV chunks: test accuracy {linear.score(X_test, y_test):.3f}")
in_memory = SigCoreLogisticRegression(C=1.0).fit(X[:-4000], y[:-4000])
print(f"  in memory fit:                       test accuracy "
      f"{in_memory.score(X_test, y_test):.3f}")

# %%
try:
    import dask.array as da
except ImportError:
    da = None
if da is not None:
    X_dask = da.from_array(X[:-4000], chunks=(2000, 20))
    y_dask = da.from_array(y[:-4000], chunks=2000)
    mlp = SigCoreMLPClassifier(hidden_layer_sizes=(32,), random_state=0)
    for epoch in range(5):
        for X_block, y_block in zip(X_dask.to_delayed().ravel(), y_dask.to_delayed()):
            mlp.partial_fit(X_block.compute(), y_block.compute(), classes=classes)
    print(f"MLP from dask array blocks: test accuracy {mlp.score(X_test, y_test):.3f}")
