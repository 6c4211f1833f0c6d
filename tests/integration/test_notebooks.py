"""Every notebook runs from top to bottom (in a temporary folder, not the source tree)."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path, tmp_path):
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert errors == []
    warnings = [
        output["text"]
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream"
        and output.get("name") == "stderr"
        and "Warning" in output.get("text", "")
    ]
    assert warnings == [], "a notebook shows no warnings (deprecations included)"
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == [], f"a notebook leaves no files where it runs: {left}"
    images = [
        output
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if "image/png" in output.get("data", {})
    ]
    assert len(images) >= 2, "every notebook draws figures"


def test_there_is_a_quickstart():
    assert ROOT / "notebooks" / "quickstart.ipynb" in NOTEBOOKS


@pytest.mark.slow
def test_the_readme_line_runs_a_notebook_with_the_notebooks_extra(tmp_path):
    """Issue 30: after make, the notebooks can be opened and run; the README says how.

    The notebooks extra brings JupyterLab and nbconvert; the README's nbconvert line runs
    the quickstart from the command line."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    readme = (ROOT / "README.md").read_text()
    assert "make notebooks" in readme
    assert "jupyter nbconvert --to notebook --execute notebooks/quickstart.ipynb" in readme
    jupyter = Path(sys.executable).with_name("jupyter")
    assert jupyter.is_file(), "the notebooks extra installs jupyter (in make's dev set too)"
    assert Path(sys.executable).with_name("jupyter-lab").is_file()
    (tmp_path / "notebooks").mkdir()
    shutil.copy(ROOT / "notebooks" / "quickstart.ipynb", tmp_path / "notebooks")
    done = subprocess.run(
        [str(jupyter), "nbconvert", "--to", "notebook", "--execute",
         "notebooks/quickstart.ipynb", "--output", "ran.ipynb"],
        cwd=tmp_path, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    ran = nbformat.read(tmp_path / "notebooks" / "ran.ipynb", as_version=4)
    assert not [o for c in ran.cells for o in c.get("outputs", []) if o["output_type"] == "error"]
