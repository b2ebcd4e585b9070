"""The demo and the examples run as a user would run them."""

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
    assert "Deep sigmoid networks" in out.out
    assert "[1/" in out.err   # progress goes to stderr


def test_demo_plot_writes_a_figure(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "demo.png"
    assert main(["--quick", "--plot", str(path)]) == 0
    assert path.stat().st_size > 10_000


def test_demo_plot_to_a_missing_folder_fails_before_running(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    assert main(["--quick", "--plot", str(tmp_path / "nowhere" / "demo.png")]) == 2
    err = capsys.readouterr()
    assert "does not exist. Nothing was run." in err.err and "[1/" not in err.err


def test_demo_help_and_bad_argument():
    run = subprocess.run([sys.executable, "-m", "sklearn_sigcore", "--help"],
                         capture_output=True, text=True)
    assert run.returncode == 0 and "--quick" in run.stdout and "--plot" in run.stdout
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
