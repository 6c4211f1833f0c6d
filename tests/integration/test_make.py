"""`make run` on a fresh copy of the repository: the main job, and no test tool installed.

The copy is the working tree as it would be committed (``git ls-files``: tracked and new
files, with their changes), so the test sees the Makefile and pyproject.toml being edited.
`make run` then sets up a new virtual environment in the test's folder (pip's cache makes
that quick where it is warm) and runs the bundled scenario, as the README's quickstart does.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

TEST_TOOLS = {"pytest", "playwright", "mypy", "ruff", "hypothesis", "ema-workbench"}
"""What the ``dev`` extra installs for `make test` and the main job does not need."""

OUTER_MAKE = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")
"""Under `make test`, the outer make's variables would reach the inner one through these."""


def _working_tree(into: Path) -> Path:
    """A copy of the repository's files as they are now (no virtual environment, no results)."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git working tree: nothing to copy the files of")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():  # a file deleted but not yet committed is listed too
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, into / name)
    return into


def _make(clone: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in OUTER_MAKE}
    done = subprocess.run(
        ["make", *args], cwd=clone, env=env, capture_output=True, text=True, timeout=900
    )
    if check:
        assert done.returncode == 0, f"make {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done


def _installed(venv: Path) -> set[str]:
    listed = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "list", "--format=json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {re.sub(r"[-_.]+", "-", p["name"]).lower() for p in json.loads(listed)}


def test_make_run_on_a_fresh_clone_installs_no_test_tool(tmp_path):
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    clone = _working_tree(tmp_path / "clone")
    venv, out = tmp_path / "venv", tmp_path / "results"
    where = [f"VENV={venv}", f"OUT={out}", f"PYTHON={sys.executable}"]

    start = time.monotonic()
    done = _make(clone, "run", *where)
    took = time.monotonic() - start

    installed = _installed(venv)
    assert "influence-sim" in installed
    assert {"mesa", "numpy", "pandas", "matplotlib", "pyarrow"} <= installed
    assert not TEST_TOOLS & installed, f"make run installed {sorted(TEST_TOOLS & installed)}"
    (folder,) = out.glob("kazakhstan-2022-*")
    assert (folder / "manifest.json").is_file()
    assert list(folder.glob("summary.*"))
    assert list((folder / "plots").glob("*.png"))
    assert "Requests: Kazakhstan asked the CSTO on 5 January 2022" in done.stdout
    print(f"make run on a fresh clone: {took:.0f} s")

    # Run again: nothing to set up. `make test` (here `make setup`, its set-up) would
    # install the dev extra into the same environment.
    assert _make(clone, "-q", "setup-run", *where, check=False).returncode == 0
    assert "pip install --quiet -e '.[dev]'" in _make(clone, "-n", "setup", *where).stdout
