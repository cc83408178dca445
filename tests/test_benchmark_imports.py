"""The benchmark scripts are not run by the test suite (they need a region's data), so what they import
from the project is checked here: a module split or a name moved must not leave a script that fails
only when someone runs the benchmark (the people import's script did, after demo.generate became a
package)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def _project_imports() -> list[tuple[str, str, str]]:
    found = []
    for script in sorted(BENCHMARKS.glob("*.py")):
        for node in ast.walk(ast.parse(script.read_text(), filename=str(script))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("stijging"):
                found.extend((script.name, node.module, alias.name) for alias in node.names)
            elif isinstance(node, ast.Import):
                found.extend((script.name, alias.name, "") for alias in node.names if alias.name.startswith("stijging"))
    return found


def test_the_benchmarks_import_something_of_the_project():
    assert len(_project_imports()) > 10


@pytest.mark.parametrize(("script", "module", "name"), _project_imports())
def test_every_name_a_benchmark_imports_exists(script, module, name):
    imported = importlib.import_module(module)
    if name:
        assert hasattr(imported, name) or importlib.util.find_spec(f"{module}.{name}") is not None, (
            f"benchmarks/{script}: from {module} import {name}"
        )
