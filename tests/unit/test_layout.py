"""The house rules the code keeps: small modules and functions, a tidy package top, one kernel."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

SRC = ROOT / "src" / "influence_sim"
MODULES = sorted(SRC.rglob("*.py"))
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80
TOP = {"__init__.py", "__main__.py", "errors.py", "_lazy.py", "arguments.py"}
"""The package top: the entry points, the errors, and what every layer shares (lazy
exports, the API's argument checks)."""


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_modules_and_functions_stay_small(path: Path):
    text = path.read_text()
    assert text.count("\n") <= MAX_MODULE_LINES, f"{path.name}: split it by idea"
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"{path.name}: functions over {MAX_FUNCTION_LINES} lines: {long}"


def test_the_package_top_holds_only_what_is_shared():
    files = {p.name for p in SRC.iterdir() if p.suffix == ".py"}
    assert files == TOP
    packages = {p.name for p in SRC.iterdir() if (p / "__init__.py").is_file()}
    assert packages == {
        "format", "engine", "results", "drivers", "viz", "sweeps", "calibration",
        "analysis", "integrations", "cli", "dashboard",
    }  # fmt: skip


def test_one_kernel_no_compiled_copy():
    """The numpy kernel is the model; no second implementation of its equations."""
    for path in [*MODULES, ROOT / "pyproject.toml", ROOT / "Makefile"]:
        assert "numba" not in path.read_text().lower(), path
