from __future__ import annotations

import pytest

from influence_sim.cli.docs import render, render_format
from tests.conftest import ROOT


def test_parameters_doc_is_current():
    assert (ROOT / "docs" / "parameters.md").read_text() == render(), "run `make docs`"


def test_history_doc_is_current_and_its_numbers_are_the_runs():
    """docs/history.md is the comparison of a fresh run of the history scenario."""
    from influence_sim.cli.docs import history_table, render_history

    assert (ROOT / "docs" / "history.md").read_text() == render_history(), "run `make docs`"
    _, table = history_table()
    kyrgyz = table[(table["state"] == "kyrgyzstan") & (table["period"] == "2022-01/2022-11")]
    # The rouble's 2022 average against 2021 carries Kyrgyzstan's remittances (+6.1%).
    assert kyrgyz["observed"].iloc[0] == pytest.approx(2.6 / 2.45 - 1)
    assert kyrgyz["model"].iloc[0] == pytest.approx(0.074, abs=0.01)
    assert (ROOT / "docs" / "images" / "history.png").stat().st_size > 10_000


def test_format_doc_is_current():
    assert (ROOT / "docs" / "scenario-format.md").read_text() == render_format(), "run `make docs`"


def test_format_doc_covers_every_shock_type():
    text = render_format()
    for kind in ("uprising", "security_request", "withdrawal", "external_threat", "set"):
        assert f"`{kind}`" in text
