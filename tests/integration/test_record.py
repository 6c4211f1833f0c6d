"""The record of requests and the decisions estimated on it (docs/decisions.md)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from influence_sim.calibration.decisions import (
    ANSWER,
    ASK,
    catalogue,
    fit,
    marginal_effects,
    null_side,
    scores,
)
from tests.conftest import ROOT


def test_the_record_is_sourced_and_stops_where_the_check_begins():
    frame = catalogue()
    assert len(frame) == 20
    assert frame["source"].str.contains("http").all(), "every row names where it was read"
    assert frame["year"].max() == 2022
    late = frame[frame["year"] == 2022]["episode"]
    assert set(late) <= {  # 2022: only the shared catalogue's own episodes
        "kazakhstan-2022-january",
        "kyrgyzstan-tajikistan-2022-january-border-clash",
        "uzbekistan-karakalpakstan-2022",
    }
    assert frame["p_abroad"].between(0, 1).all()
    # Kazakhstan 2022 is coded as observers saw it, not as its president framed it.
    assert frame.set_index("episode").loc["kazakhstan-2022-january", "p_abroad"] == 0.1


def test_what_the_docs_say_the_record_shows():
    """'with the regime itself threatened troops came three times in four ... and never
    for a border, armed groups from abroad or communal violence'."""
    asked = catalogue().query("asked == 1")
    regime = asked[asked["regime"] == 1]
    assert (len(regime), int(regime["troops"].sum())) == (4, 3)
    assert asked[asked["regime"] == 0]["troops"].sum() == 0


def test_each_episode_out_of_sample_is_the_fit_to_the_others():
    fitted = fit(ANSWER)
    rows = ANSWER.data(catalogue())
    for i in (0, 5):
        others = fit(ANSWER, rows.drop(rows.index[i]))
        x = np.concatenate([[1.0], rows.iloc[i][list(ANSWER.inputs)].to_numpy(float)])
        expected = 1.0 / (1.0 + np.exp(-(x @ others.coef)))
        assert fitted.table["out_of_sample"].iloc[i] == pytest.approx(expected, rel=1e-9)


def test_the_answer_beats_the_base_rate_out_of_sample_and_the_ask_barely():
    """docs/decisions.md: log and Brier scores against the base rate on the same episodes."""
    for side, margin in ((ANSWER, 0.1), (ASK, 0.0)):
        mine = scores(fit(side))
        null = scores(fit(null_side(side), side.data(catalogue())))
        assert mine["log"] < null["log"] - margin, side.name
        assert mine["brier"] < null["brier"], side.name
    assert (
        scores(fit(ASK))["log"] > scores(fit(null_side(ASK), ASK.data(catalogue())))["log"] - 0.1
    ), "the asking side barely beats its base rate"


def test_marginal_effects_move_each_input_alone():
    m = marginal_effects(fit(ANSWER), "kazakhstan-2022-january").set_index("input")
    assert m.loc["regime", "at_1"] == pytest.approx(m.loc["regime", "probability"])  # coded 1
    assert m.loc["regime", "at_0"] < m.loc["regime", "at_1"]


def test_the_decisions_doc_is_current():
    from influence_sim.cli.decisions import render_decisions

    assert (ROOT / "docs" / "decisions.md").read_text() == render_decisions(), "make docs"


def test_a_perturbation_of_nothing_is_the_run_itself():
    """analysis.perturb: with spread 0 every draw is the scenario as written."""
    from influence_sim import run
    from influence_sim.analysis.perturb import accepted_share, decision_inputs, perturb

    table = perturb("kazakhstan-2022", "kazakhstan", draws=2, replications=4, spread=0.0)
    plain = accepted_share(run("kazakhstan-2022", replications=4), 4, "kazakhstan")
    assert list(table["accepted"]) == [plain, plain]
    assert len(decision_inputs("kazakhstan")) == 15
    assert set(decision_inputs("kazakhstan")) <= set(table.columns)


def test_the_perturbation_starts_from_the_scenario_with_its_overrides():
    """The answer drawn, not the one history gave: with no spread, every draw is the
    scenario run with the overrides."""
    from influence_sim import run
    from influence_sim.analysis.perturb import accepted_share, perturb

    auto = ["alliances.csto.responds=auto"]
    table = perturb("kazakhstan-2022", "kazakhstan", draws=1, replications=20, spread=0.0,
                    overrides=auto)  # fmt: skip
    drawn = accepted_share(run("kazakhstan-2022", replications=20, overrides=auto), 20,
                           "kazakhstan")  # fmt: skip
    assert table["accepted"].iloc[0] == drawn
    assert 0 < drawn < 1  # drawn, not scripted


def test_a_perturbation_of_an_input_the_scenario_lacks_is_refused_clearly():
    from influence_sim.analysis.perturb import perturb
    from influence_sim.errors import InfluenceSimError

    path = "powers.russia.routes.uzbekistan"
    with pytest.raises(InfluenceSimError, match=re.escape(f"no value at '{path}'")):
        perturb(
            "kazakhstan-2022", "kazakhstan", inputs=["powers.russia.routes.uzbekistan"], draws=1
        )


def test_russias_stakes_are_coded_for_every_episode_with_their_sources():
    from influence_sim.results.observed import observed

    stakes = observed("requests-stakes")
    assert list(stakes["episode"]) == list(catalogue()["episode"])
    assert stakes["source"].str.contains("http").all()
    assert stakes["russian_base"].isin([0, 1]).all()
    for column in ("russian_share_of_arms", "ethnic_russians", "russia_trade_share"):
        known = stakes[column].dropna()
        assert known.between(0, 100).all(), column  # percentages
