"""Fail the build when a public name is missing from the API reference.

For each module of ``api_coverage_modules`` (conf.py), every name in its
``__all__`` that is not a module or a dunder must be documented as a Python
object (class, function, ...) somewhere in the site. With ``-W`` a missing
name stops the build, so a new public function cannot ship undocumented.
"""

import importlib
import types

from sphinx.util import logging

logger = logging.getLogger(__name__)


def check_coverage(app, env):
    documented = set(env.get_domain("py").objects)
    for module_name in app.config.api_coverage_modules:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            if name.startswith("__") or isinstance(getattr(module, name), types.ModuleType):
                continue
            if f"{module_name}.{name}" not in documented:
                logger.warning("%s.%s is public (in __all__) but not in the API reference "
                               "(docs/api.rst)", module_name, name)


def setup(app):
    app.add_config_value("api_coverage_modules", [], "env")
    app.connect("env-check-consistency", check_coverage)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
