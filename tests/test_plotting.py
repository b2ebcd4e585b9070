"""Display classes, drawn headless: assertions on the data that was drawn."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from scipy.stats import loguniform  # noqa: E402
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from sklearn_sigcore import SigCoreLogisticRegression, SigCoreMLPClassifier, kernels  # noqa: E402
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


def test_sigmoid_core_display_names_bad_alphas_and_x():
    with pytest.raises(TypeError, match="alphas must be a sequence"):
        SigmoidCoreDisplay.from_alphas(2.0)
    with pytest.raises(ValueError, match="alphas is empty"):
        SigmoidCoreDisplay.from_alphas([])
    with pytest.raises(ValueError, match=r"x must be a non-empty 1-D array, got shape \(3, 4\)"):
        SigmoidCoreDisplay.from_alphas([1.0], x=np.zeros((3, 4)))
    assert plt.get_fignums() == []     # refused before drawing


def _iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


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


def test_alpha_search_display_skips_candidates_without_alpha():
    # a list-of-dict grid: sklearn masks param_alpha where a candidate has no
    # alpha, over leftover memory (here tiny floats) that is no alpha
    results = {"param_alpha": np.ma.MaskedArray([0.5, 1.0, 2.0, 9e-10, 1.5e-9],
                                                mask=[False, False, False, True, True]),
               "mean_test_score": np.array([0.90, 0.92, 0.91, 0.99, 0.95]),
               "std_test_score": np.array([0.01, 0.02, 0.03, 0.0, 0.0]),
               "params": [{"alpha": 0.5}, {"alpha": 1.0}, {"alpha": 2.0},
                          {"C": 0.1}, {"C": 1.0}]}
    display = AlphaSearchDisplay.from_cv_results(results)
    np.testing.assert_array_equal(display.alphas, [0.5, 1.0, 2.0])
    np.testing.assert_array_equal(display.mean_scores, [[0.90, 0.92, 0.91]])
    assert display.group_labels == [""]
    # the best candidate (C=0.1) has no alpha: the best among those with one
    assert display.best_alpha_ == 1.0
    assert "best alpha = 1" in display.ax_.get_title()


def test_alpha_search_display_from_a_list_of_dict_grid_search():
    X, y = _iris()
    search = GridSearchCV(SigCoreLogisticRegression(),
                          [{"alpha": [0.5, 1.0, 2.0]}, {"C": [0.1, 1.0]}], cv=3).fit(X, y)
    assert np.ma.is_masked(search.cv_results_["param_alpha"])
    display = AlphaSearchDisplay.from_estimator(search)
    np.testing.assert_array_equal(display.alphas, [0.5, 1.0, 2.0])
    np.testing.assert_array_equal(display.mean_scores,
                                  [search.cv_results_["mean_test_score"][:3]])


@pytest.fixture(scope="module")
def multimetric_search():
    X, y = _iris()
    search = GridSearchCV(SigCoreLogisticRegression(), {"alpha": [2.0, 0.5, 1.0]}, cv=3,
                          scoring={"acc": "accuracy", "ll": "neg_log_loss"}, refit="acc")
    return search.fit(X, y)


def test_alpha_search_display_takes_the_refit_metric(multimetric_search):
    search = multimetric_search
    results = search.cv_results_
    order = np.argsort(np.asarray(results["param_alpha"], dtype=float))
    display = AlphaSearchDisplay.from_estimator(search)
    assert display.score_name == "acc"
    np.testing.assert_array_equal(display.mean_scores, [results["mean_test_acc"][order]])
    np.testing.assert_array_equal(display.std_scores, [results["std_test_acc"][order]])
    assert display.ax_.get_ylabel() == "mean CV acc"
    display = AlphaSearchDisplay.from_estimator(search, score_name="ll")
    np.testing.assert_array_equal(display.mean_scores, [results["mean_test_ll"][order]])
    assert display.best_alpha_ == results["param_alpha"][np.argmax(results["mean_test_ll"])]
    display = AlphaSearchDisplay.from_cv_results(results, score_name="ll")
    np.testing.assert_array_equal(display.mean_scores, [results["mean_test_ll"][order]])


def test_alpha_search_display_names_missing_metrics(multimetric_search):
    search = multimetric_search
    with pytest.raises(ValueError, match=r"'f1' is not a metric of cv_results.*'acc', 'll'"):
        AlphaSearchDisplay.from_estimator(search, score_name="f1")
    with pytest.raises(ValueError, match=r"metrics \['acc', 'll'\].*pass score_name"):
        AlphaSearchDisplay.from_cv_results(search.cv_results_)
    for refit in (False, lambda results: 0):
        search.set_params(refit=refit)
        try:
            with pytest.raises(ValueError, match="refit.*not a metric name.*pass score_name"):
                AlphaSearchDisplay.from_estimator(search)
            # naming the metric is enough
            AlphaSearchDisplay.from_estimator(search, score_name="ll")
        finally:
            search.set_params(refit="acc")
    assert len(plt.get_fignums()) == 2


def test_alpha_search_display_pools_unshared_random_search_candidates():
    # unsorted, alpha 0.5 twice, every l2 different (a continuous distribution):
    # one line of the best score at each alpha, sorted by alpha
    results = {"param_alpha": np.ma.masked_array([2.0, 0.5, 1.0, 0.5, 4.0], dtype=object),
               "param_l2": np.ma.masked_array([1e-3, 2e-4, 5e-2, 7e-4, 1e-5], dtype=object),
               "mean_test_score": np.array([0.8, 0.7, 0.9, 0.75, 0.85]),
               "std_test_score": np.array([0.01, 0.02, 0.03, 0.04, 0.05]),
               "params": [{"alpha": a, "l2": b} for a, b in
                          zip([2.0, 0.5, 1.0, 0.5, 4.0], [1e-3, 2e-4, 5e-2, 7e-4, 1e-5])]}
    display = AlphaSearchDisplay.from_cv_results(results)
    assert display.group_labels == ["best over l2"]
    (container,) = display.errorbars_
    np.testing.assert_array_equal(container.lines[0].get_xdata(), [0.5, 1.0, 2.0, 4.0])
    np.testing.assert_array_equal(container.lines[0].get_ydata(), [0.75, 0.9, 0.8, 0.85])
    np.testing.assert_array_equal(display.std_scores, [[0.04, 0.03, 0.01, 0.05]])
    assert display.best_alpha_ == 1.0


def test_alpha_search_display_of_a_randomized_search_draws_sorted_lines():
    X, y = _iris()
    search = RandomizedSearchCV(SigCoreLogisticRegression(),
                                {"alpha": loguniform(0.1, 10.0), "C": [0.1, 1.0]},
                                n_iter=16, cv=3, random_state=0).fit(X, y)
    results = search.cv_results_
    display = AlphaSearchDisplay.from_estimator(search)
    assert len(display.errorbars_) == 2
    for label, container in zip(display.group_labels, display.errorbars_):
        rows = [i for i, p in enumerate(results["params"]) if label == f"C={p['C']}"]
        alphas = np.array([results["params"][i]["alpha"] for i in rows])
        order = np.argsort(alphas)
        # each line joins its own points, in the order of alpha, with no gaps
        np.testing.assert_array_equal(container.lines[0].get_xdata(), alphas[order])
        np.testing.assert_array_equal(container.lines[0].get_ydata(),
                                      results["mean_test_score"][np.array(rows)[order]])
    # 16 continuous alphas are not each written under the axis
    labels = [t.get_text() for t in display.ax_.get_xticklabels() if t.get_text()]
    assert len(labels) < 16


def test_alpha_search_display_best_alpha_may_be_auto():
    results = {"param_alpha": np.ma.masked_array([1.0, "auto", 2.0], dtype=object),
               "mean_test_score": np.array([0.7, 0.95, 0.8]),
               "std_test_score": np.array([0.0, 0.02, 0.05]),
               "params": [{"alpha": a} for a in (1.0, "auto", 2.0)]}
    display = AlphaSearchDisplay.from_cv_results(results)
    assert display.best_alpha_ == "auto"
    assert display.ax_.get_title().endswith("(best alpha = auto)")
    results["mean_test_score"] = np.array([0.7, 0.75, 0.8])
    display = AlphaSearchDisplay.from_cv_results(results)
    assert display.best_alpha_ == 2.0
    assert display.ax_.get_title().endswith("(best alpha = 2)")


def test_alpha_search_display_refuses_all_nan_scores():
    results = {"param_alpha": np.ma.masked_array([1.0, "auto", 2.0], dtype=object),
               "mean_test_score": np.full(3, np.nan),
               "std_test_score": np.full(3, np.nan),
               "params": [{"alpha": a} for a in (1.0, "auto", 2.0)]}
    with pytest.raises(ValueError, match="All mean test scores are NaN"):
        AlphaSearchDisplay.from_cv_results(results)
    assert plt.get_fignums() == []     # refused before drawing


def test_training_diagnostics_display_refuses_other_estimators():
    X, y = _iris()
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
    with pytest.raises(ValueError, match="activation must be one of .* got 'softplus'"):
        TrainingDiagnosticsDisplay(loss, norms, saturation, activation="softplus").plot()


@pytest.mark.parametrize("activation, title", [
    ("sigmoid", "saturated fraction\n(output within 0.01 of 0 or 1)"),
    ("logistic", "saturated fraction\n(output within 0.01 of 0 or 1)"),
    ("tanh", "saturated fraction\n(output within 0.02 of -1 or 1)"),
    ("relu", "saturated fraction\n(output 0)"),
])
def test_training_diagnostics_display_titles_saturation_by_activation(activation, title):
    X, y = _iris()
    mlp = SigCoreMLPClassifier(hidden_layer_sizes=(4,), activation=activation, max_iter=3)
    with pytest.warns(Warning):        # ConvergenceWarning: three epochs
        mlp.fit(X, y)
    display = TrainingDiagnosticsDisplay.from_estimator(mlp)
    assert display.activation == ("sigmoid" if activation == "logistic" else activation)
    assert display.ax_[2].get_title() == title


def test_training_diagnostics_display_panels_do_not_overlap():
    # log axes spanning less than a decade label their minor ticks (wide labels)
    epochs = np.linspace(0.0, 1.0, 30)[:, None]
    display = TrainingDiagnosticsDisplay(
        2.4 - 1.2 * epochs[:, 0], 0.02 + [0.05, 0.1, 0.3] * epochs, np.full((30, 2), 0.2),
        1.0 + [0.5, 0.55] * epochs, activation="tanh").plot()
    figure = display.figure_
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    boxes = [ax.get_tightbbox(renderer) for ax in display.ax_]   # titles and labels
    for left, right in zip(boxes, boxes[1:]):
        assert left.x1 < right.x0
    for box in boxes:    # nothing cut off at the figure's edges
        assert box.y0 >= 0 and box.y1 <= figure.bbox.y1
    # on the caller's Axes, the caller's figure layout is left alone
    figure, axes = plt.subplots(1, 3)
    TrainingDiagnosticsDisplay(np.ones(2), np.ones((2, 2)), np.zeros((2, 1))).plot(axes=axes)
    assert figure.get_layout_engine() is None
