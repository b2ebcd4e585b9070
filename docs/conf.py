"""Sphinx configuration of the sklearn_sigcore documentation.

Build (warnings are errors, as in CI)::

    python -m sphinx -W -b html docs docs/_build/html
"""

import sys
from pathlib import Path

import numpy as np
from numpydoc.docscrape import NumpyDocString

import sklearn_sigcore

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))

project = "sklearn_sigcore"
author = "the sklearn_sigcore developers"
copyright = "2026, " + author
release = sklearn_sigcore.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "readme_sections",
    "api_coverage",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "_generated", "auto_examples/*.ipynb",
                    "auto_examples/*.py", "auto_examples/*.zip"]
root_doc = "index"
default_role = "literal"   # `x` in a docstring is code, as numpydoc means it
add_function_parentheses = False
smartquotes = False   # keep -- and quotes in option names and code-like text

html_theme = "alabaster"
html_title = f"sklearn_sigcore {release}"

# API reference: one page per public object, generated from the docstrings.
autosummary_generate = True
autosummary_imported_members = False
autodoc_typehints = "none"
# A ufunc's docstring starts with NumPy's generated signature, which autodoc
# cannot parse ("[, signature]"); ufunc_signature below gives the real one.
autodoc_docstring_signature = False
autodoc_default_options = {"member-order": "groupwise"}
api_coverage_modules = ["sklearn_sigcore", "sklearn_sigcore.kernels",
                        "sklearn_sigcore.plotting", "sklearn_sigcore.onnx"]
numpydoc_show_class_members = False   # the class template lists the methods itself
numpydoc_class_members_toctree = False
# Every parameter documented, and nothing documented that is not a parameter.
numpydoc_validation_checks = {"PR01", "PR02"}
# The kernel ufuncs' introspected signature is NumPy's generic one (x1, x2 and
# every ufunc keyword), which their Parameters rightly do not follow.
numpydoc_validation_exclude = {
    r"^sklearn_sigcore\.kernels\.(sigmoid|sigmoid_derivative|log_sigmoid|logit)$"}


def ufunc_signature(app, what, name, obj, options, signature, return_annotation):
    """The signature of a kernel ufunc, with its documented argument names.

    NumPy names a ufunc's inputs x1, x2; the docstring calls them x (or p)
    and alpha, so the page shows those.
    """
    if not isinstance(obj, np.ufunc):
        return None
    if signature is None:
        # autosummary's table documents a ufunc as data, without a signature:
        # an empty (false) result keeps numpydoc's handler from adding one,
        # which autodoc cannot attach there.
        return ()
    doc = NumpyDocString(obj.__doc__)
    inputs = [p.name for p in doc["Parameters"]][:obj.nin]
    return (f"({', '.join(inputs)}, /, out=None, *, where=True, casting='same_kind', "
            "order='K', dtype=None, subok=True)", return_annotation)


def setup(app):
    # Before numpydoc's handler, which would return NumPy's generated line.
    app.connect("autodoc-process-signature", ufunc_signature, priority=400)


# Sections of the README (a name: the start of its heading) included as they are,
# so that the site never shows older numbers than the entry page.
readme_path = str(DOCS.parent / "README.md")
readme_sections = {
    "two_commands": "## The two commands",
    "logistic": "## SigCoreLogisticRegression",
    "mlp": "## SigCoreMLPClassifier",
    "regressor": "## SigCoreMLPRegressor",
    "learned": "## Learned gains",
    "plots": "## Plots, progress and callbacks",
    "scale_out": "## Scale-out",
    "onnx": "## Deployment: ONNX export",
    "persistence": "## Saving and loading",
    "performance": "## Performance",
    "compatibility": "## Compatibility and CI",
    "limitations": "## Known limitations",
}

# The gallery: every example runs during the build and its figures are kept.
# Scripts that draw only when given an output path get one (gallery_argv.py).
sphinx_gallery_conf = {
    "examples_dirs": str(DOCS.parent / "examples"),
    "gallery_dirs": "auto_examples",
    # Each API page lists the gallery examples that use the object.
    "doc_module": ("sklearn_sigcore",),
    "backreferences_dir": "generated/backreferences",
    "filename_pattern": r"/[^/]*\.py$",   # every example runs
    "reset_argv": "gallery_argv.example_argv",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "abort_on_example_error": True,   # a failing example fails the build at once
    "min_reported_time": 1,
}
