"""Display classes, drawn headless: assertions on the data that was drawn."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from sklearn_sigcore import SigCoreLogisticRegression, kernels  # noqa: E402
from sklearn_sigcore.plotting import (  # noqa: E402
    AlphaSearchDisplay,
    SigmoidCoreDisplay,
    TrainingDiagnosticsDisplay,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_sigmoid_core_display_draws_the_kernels():
    display = SigmoidCoreDisplay.from_alphas([0.5, 2.0], x=np.linspace(-3, 3, 61))
    assert len(display.lines_) == 2
    for alpha, (value, derivative) in zip([0.5, 2.0], display.lines_):
        x = value.get_xdata()
        np.testing.assert_array_equal(value.get_ydata(), kernels.sigmoid(x, alpha))
        np.testing.assert_array_equal(derivative.get_ydata(), kernels.sigmoid_derivative(x, alpha))
    assert display.ax_.figure is display.figure_


def test_sigmoid_core_display_on_given_axes_and_bad_alpha():
    _, ax = plt.subplots()
    display = SigmoidCoreDisplay.from_alphas([1.0], ax=ax)
    assert display.ax_ is ax
    assert len(ax.get_lines()) == 2
    with pytest.raises(ValueError, match="alpha"):
        SigmoidCoreDisplay.from_alphas([0.0])


def _search():
    # The display only needs a searched parameter named like alpha; sklearn's
    # LogisticRegression's C stands in, passed as param_name.
    X, y = load_iris(return_X_y=True)
    search = GridSearchCV(
        make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)),
        {"logisticregression__C": [0.01, 0.1, 1.0],
         "logisticregression__fit_intercept": [True, False]},
        cv=3,
    )
    return search.fit(X, y)


def test_alpha_search_display_from_estimator_draws_cv_results():
    search = _search()
    display = AlphaSearchDisplay.from_estimator(search, param_name="logisticregression__C")
    np.testing.assert_array_equal(display.alphas, [0.01, 0.1, 1.0])
    assert len(display.errorbars_) == 2   # one line per fit_intercept value
    results = search.cv_results_
    for label, container in zip(display.group_labels, display.errorbars_):
        line = container.lines[0]
        flag = label.endswith("True")
        rows = [i for i, p in enumerate(results["params"])
                if p["logisticregression__fit_intercept"] == flag]
        order = np.argsort([results["params"][i]["logisticregression__C"] for i in rows])
        np.testing.assert_allclose(line.get_ydata(),
                                   results["mean_test_score"][np.array(rows)[order]])
    assert display.best_alpha_ == search.best_params_["logisticregression__C"]
    assert display.ax_.get_xscale() == "log"


def test_alpha_search_display_finds_the_alpha_parameter():
    results = {"param_clf__alpha": np.ma.masked_array([1.0, 4.0, 2.0], dtype=object),
               "mean_test_score": np.array([0.7, 0.9, 0.8]),
               "std_test_score": np.array([0.0, 0.1, 0.05]),
               "params": [{"clf__alpha": a} for a in (1.0, 4.0, 2.0)]}
    display = AlphaSearchDisplay.from_cv_results(results)
    assert display.param_name == "clf__alpha"
    np.testing.assert_array_equal(display.mean_scores, [[0.7, 0.8, 0.9]])
    np.testing.assert_array_equal(display.std_scores, [[0.0, 0.05, 0.1]])
    assert display.best_alpha_ == 4.0
    with pytest.raises(ValueError, match="not a searched parameter"):
        AlphaSearchDisplay.from_cv_results(results, param_name="C")
    results["param_other__alpha"] = results["param_clf__alpha"]
    with pytest.raises(ValueError, match="pass param_name"):
        AlphaSearchDisplay.from_cv_results(results)


def test_alpha_search_display_draws_auto_as_a_reference_line():
    results = {"param_alpha": np.ma.masked_array([1.0, "auto", 2.0], dtype=object),
               "mean_test_score": np.array([0.7, 0.95, 0.8]),
               "std_test_score": np.array([0.0, 0.02, 0.05]),
               "params": [{"alpha": a} for a in (1.0, "auto", 2.0)]}
    display = AlphaSearchDisplay.from_cv_results(results)
    np.testing.assert_array_equal(display.alphas, [1.0, 2.0])
    np.testing.assert_array_equal(display.reference_lines_["auto"].get_ydata(), [0.95, 0.95])
    assert display.named_scores == {"auto": (0.95, 0.02)}


def test_alpha_search_display_takes_per_layer_lists_as_reference_lines():
    # a grid mixing floats and per-layer lists raised "unhashable type: 'list'"
    grid = [0.5, [1.0, 2.0], 2.0]
    results = {"param_alpha": np.ma.masked_array(grid, dtype=object),
               "mean_test_score": np.array([0.7, 0.9, 0.8]),
               "std_test_score": np.array([0.0, 0.01, 0.05]),
               "params": [{"alpha": a} for a in grid]}
    display = AlphaSearchDisplay.from_cv_results(results)
    np.testing.assert_array_equal(display.alphas, [0.5, 2.0])
    assert display.named_scores == {"[1.0, 2.0]": (0.9, 0.01)}


def test_training_diagnostics_display_refuses_other_estimators():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(TypeError, match="needs a SigCoreMLPClassifier"):
        TrainingDiagnosticsDisplay.from_estimator(SigCoreLogisticRegression().fit(X, y))


def test_training_diagnostics_display_draws_given_curves():
    loss = np.array([2.0, 1.0, 0.5])
    norms = np.array([[1e-3, 1e-1], [2e-3, 2e-1], [3e-3, 3e-1]])
    saturation = np.array([[0.5], [0.25], [0.0]])
    display = TrainingDiagnosticsDisplay(loss, norms, saturation).plot()
    loss_ax, norm_ax, sat_ax = display.ax_
    np.testing.assert_array_equal(loss_ax.get_lines()[0].get_ydata(), loss)
    for layer, line in enumerate(norm_ax.get_lines()):
        np.testing.assert_array_equal(line.get_ydata(), norms[:, layer])
    np.testing.assert_array_equal(sat_ax.get_lines()[0].get_ydata(), saturation[:, 0])
    with pytest.raises(ValueError, match="3 Axes"):
        TrainingDiagnosticsDisplay(loss, norms, saturation).plot(axes=[loss_ax])
