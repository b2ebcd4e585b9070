"""Command-line arguments the gallery gives each example (``reset_argv``).

The plotting examples draw only when given an output path, or write to a
default path in the working directory (the examples' source folder during a
build); each gets a path in one scratch directory instead. Its figure stays
open after ``savefig``, so sphinx-gallery still scrapes it into the page.
"""

import tempfile
from pathlib import Path

_FIGURE_DIR = Path(tempfile.mkdtemp(prefix="sigcore-gallery-"))


def example_argv(gallery_conf, script_vars):
    """``[<scratch dir>/<example name>.png]``."""
    return [str(_FIGURE_DIR / (Path(script_vars["src_file"]).stem + ".png"))]
