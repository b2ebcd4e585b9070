"""The demo and the examples run as a user would run them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sklearn_sigcore._demo import main

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("*.py"))


def test_demo_quick_prints_the_tables(capsys):
    assert main(["--quick"]) == 0
    out = capsys.readouterr()
    assert "GridSearchCV over alpha" in out.out
    for model in ("SigCoreLogisticRegression", "sklearn LogisticRegression",
                  "SigCoreMLPClassifier", "sklearn MLPClassifier(logistic)"):
        assert out.out.count(model) == 2   # breast_cancer and digits
    assert "Deep sigmoid networks on digits (test accuracy, up to 8 epochs" in out.out
    assert "[1/" in out.err   # progress goes to stderr


def test_demo_plot_writes_a_figure(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path = tmp_path / "demo.png"
    assert main(["--quick", "--plot", str(path)]) == 0
    assert path.stat().st_size > 10_000
    assert f"Figure written to {path}\n" in capsys.readouterr().out


@pytest.mark.parametrize("plot, problem", [
    ("", "needs a file name"),
    ("results.xyz", "'.xyz' is not a format matplotlib writes"),
    ("results", "no extension"),
    ("figs", "is a directory"),
    ("figs.png", "is a directory"),
    ("nowhere/demo.png", "does not exist"),
])
def test_demo_bad_plot_path_fails_before_running(plot, problem, tmp_path, monkeypatch,
                                                 capsys):
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "figs").mkdir()
    (tmp_path / "figs.png").mkdir()
    with pytest.raises(SystemExit) as exit_:
        main(["--quick", "--plot", plot])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and problem in err and "[1/" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figs", "figs.png"]


def test_demo_plot_to_an_unwritable_place_fails_before_running(tmp_path, monkeypatch,
                                                               capsys):
    pytest.importorskip("matplotlib")
    monkeypatch.setattr(os, "access", lambda *args, **kwargs: False)   # root writes anywhere
    with pytest.raises(SystemExit) as exit_:
        main(["--quick", "--plot", str(tmp_path / "demo.png")])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "cannot write" in err and "[1/" not in err


def test_demo_plot_without_matplotlib_fails_before_running(tmp_path, monkeypatch, capsys):
    for module in ("matplotlib", "matplotlib.backend_bases"):
        monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(SystemExit) as exit_:
        main(["--quick", "--plot", str(tmp_path / "demo.png")])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "matplotlib is not installed" in err
    assert "[1/" not in err


def test_demo_help_and_bad_argument():
    run = subprocess.run([sys.executable, "-m", "sklearn_sigcore", "--help"],
                         capture_output=True, text=True)
    assert run.returncode == 0 and "--quick" in run.stdout and "--plot" in run.stdout
    assert "extension" in run.stdout and "directory" in run.stdout
    run = subprocess.run([sys.executable, "-m", "sklearn_sigcore", "--bogus"],
                         capture_output=True, text=True)
    assert run.returncode != 0 and "unrecognized arguments" in run.stderr


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_example_runs(example, tmp_path):
    run = subprocess.run([sys.executable, str(example)], capture_output=True, text=True,
                         cwd=tmp_path, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip()
    # examples show the installed scikit-learn's current API
    assert "FutureWarning" not in run.stderr, run.stderr[-2000:]
