from __future__ import annotations

from influence_sim.cli.docs import render, render_format
from tests.conftest import ROOT


def test_parameters_doc_is_current():
    assert (ROOT / "docs" / "parameters.md").read_text() == render(), "run `make docs`"


def test_format_doc_is_current():
    assert (ROOT / "docs" / "scenario-format.md").read_text() == render_format(), "run `make docs`"


def test_format_doc_covers_every_shock_type():
    text = render_format()
    for kind in ("uprising", "security_request", "withdrawal", "external_threat", "set"):
        assert f"`{kind}`" in text
