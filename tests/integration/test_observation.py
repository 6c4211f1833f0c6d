"""The observation model, the validation protocol and its null models (docs/validation.md)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from influence_sim import load_scenario, run
from influence_sim.calibration.checks import _quantity, check
from influence_sim.calibration.validation import (
    Measured,
    fitting_targets,
    held_out_names,
    signs_line,
)
from influence_sim.cli.commands import main
from influence_sim.engine.compile import compile_scenario
from influence_sim.engine.ensemble import replicate, replication_keys, simulate
from influence_sim.errors import InfluenceSimError, ScenarioError
from influence_sim.format.targets import Quantity, load_targets
from influence_sim.results.observation import (
    Recorded,
    figure_of,
    figures,
    fit_link,
    source_disagreement,
    tolerance,
)
from influence_sim.results.observed import observed
from influence_sim.results.watch import Watch

HISTORY = "history-2015-2021"
STILL = [  # a world held still: reliance, trade and migrants do not move, nor the rouble's noise
    "dynamics.adjustment_rate=0",
    "dynamics.crisis_adjustment=0",
    "dynamics.trade_adjustment=0",
    "dynamics.trade_economy_elasticity=0",
    "dynamics.migrant_adjustment=0",
    "dynamics.host_noise=0",
]


def _shipped(
    series: str, state: str, partner: str, period: str, unit: str, publisher: str | None = None
) -> float:
    frame = observed(series)
    row = frame[
        (frame["state"] == state)
        & (frame["partner"] == partner)
        & (frame["period"] == period)
        & (frame["unit"] == unit)
        & ((frame["publisher"] == publisher) if publisher else (frame["publisher"] != ""))
    ]
    assert len(row) >= 1, (series, state, partner, period)
    return float(row["value"].iloc[0])


def test_a_world_held_still_maps_to_the_figures_computed_by_hand():
    scenario = load_scenario(HISTORY, STILL)
    result = run(scenario, replications=3, seed=1)
    measured = Recorded(result)

    def value(family: str, state: str, partner: str, year: int) -> np.ndarray:
        return measured.values(figure_of(scenario, family, state, partner, year).window).to_numpy()

    # Trade: the share itself, 2015's as the scenario gives it.
    np.testing.assert_allclose(value("trade", "kazakhstan", "russia", 2016), 0.197, atol=1e-12)
    # Arms: security reliance on Russia over that on both powers, 0.55 / (0.55 + 0.05).
    np.testing.assert_allclose(value("arms", "kazakhstan", "russia", 2017), 0.55 / 0.6, atol=1e-9)
    # Remittances: migrants held still, what they send follows the rouble: 2016's index
    # 0.91 from the shock of 4 January, whose row (the state as the week begins) is still
    # 1, so the year's 52 weekly rows average (51 x 0.91 + 1) / 52, against 2015's 1.
    expected = (51 * 0.91 + 1.0) / 52 - 1.0
    np.testing.assert_allclose(value("remittances", "kyrgyzstan", "all", 2016), expected, atol=1e-9)
    # UN voting: the link through known pairs, distance = 1 - 2 x.
    link = fit_link([(0.1, 0.8), (0.3, 0.4), (0.2, 0.6)])
    assert link.intercept == pytest.approx(1.0)
    assert link.slope == pytest.approx(-2.0)
    assert fit_link([(0.2, 0.5), (0.2, 0.7)]).slope == 0.0  # alignment that does not vary
    rising = fit_link([(0.1, 0.4), (0.3, 0.8)])  # closer alignment, further apart: no
    assert (rising.slope, rising.intercept) == (0.0, pytest.approx(0.6))
    assert rising.fitted_slope == pytest.approx(2.0)


def test_the_observed_figures_are_the_shipped_rows():
    scenario = load_scenario(HISTORY)
    found = {f.name: f for f in figures(scenario)}
    trade = found["trade-kazakhstan-china-2019"]
    assert trade.observed == _shipped(
        "trade", "kazakhstan", "china", "2019", "share of foreign trade turnover"
    )
    assert trade.publisher == "International Monetary Fund"
    # Arms: Russia's share of the two powers' deliveries over 2015-2017, from the TIV rows.
    tiv = {
        (p, y): _shipped("arms", "kazakhstan", p, str(y), "TIV million delivered in year")
        for p in ("russia", "china")
        for y in (2015, 2016, 2017)
    }
    russia = sum(tiv["russia", y] for y in (2015, 2016, 2017))
    both = russia + sum(tiv["china", y] for y in (2015, 2016, 2017))
    assert found["arms-kazakhstan-russia-2017"].observed == pytest.approx(russia / both)
    assert "arms-kazakhstan-china-2017" not in found  # China's share is the rest
    # Remittances: against the run's first year, one publisher's series.
    ratio = _shipped("remittances", "tajikistan", "all", "2019", "USD billion") / _shipped(
        "remittances", "tajikistan", "all", "2015", "USD billion"
    )
    assert found["remittances-tajikistan-all-2019"].observed == pytest.approx(ratio - 1)
    assert {f.family for f in found.values()} == {"trade", "arms", "unga", "remittances"}
    assert min(f.year for f in found.values()) == 2015
    assert max(f.year for f in found.values()) == 2021


def test_the_tolerance_rule_is_the_series_own_variability_and_sources():
    rule = tolerance("trade", (2010, 2017))
    frame = observed("trade")
    imf = frame[frame["publisher"] == "International Monetary Fund"]
    imf = imf[imf["unit"] == "share of foreign trade turnover"].copy()
    imf["year"] = imf["period"].astype(int)
    changes = []
    for _, group in imf[imf["year"] <= 2017].groupby(["state", "partner"]):
        changes += list(np.diff(group.sort_values("year")["value"].to_numpy()))
    assert rule.discrepancy == pytest.approx(np.sqrt(np.mean(np.square(changes))))
    assert rule.sd == 0.0005  # what publishing rounds away, the same for every family
    assert rule.band == pytest.approx(3 * np.hypot(rule.sd, rule.discrepancy))
    # The other sources are reported beside it: Kyrgyzstan's government against the IMF.
    unit = "share of foreign trade turnover"
    national = _shipped(
        "trade", "kyrgyzstan", "china", "2017", unit, "Government of the Kyrgyz Republic"
    )
    dots = _shipped("trade", "kyrgyzstan", "china", "2017", unit, "International Monetary Fund")
    assert source_disagreement("trade", (2010, 2017)) == (pytest.approx(abs(national - dots)), 1)
    with pytest.raises(InfluenceSimError, match="no two consecutive trade figures"):
        tolerance("trade", (2000, 2005))


def test_the_un_link_of_a_run_maps_its_alignment_as_fitted_by_hand():
    """Distance = a + b x on a run, a and b least squares on the fitting years (b <= 0)."""
    spec = load_targets(HISTORY)
    scenario = load_scenario(HISTORY)
    result = run(scenario, replications=6, seed=3)
    measured = Measured(result, spec.validation)
    recorded = Recorded(result)
    for partner in ("russia", "china"):
        pairs = [
            (float(recorded.values(f.window).median()), f.observed)
            for f in figures(scenario, ("unga",), (2010, 2017))
            if f.partner == partner
        ]
        x, y = np.array(pairs).T
        slope, intercept = np.polyfit(x, y, 1)
        if slope > 0:
            slope, intercept = 0.0, y.mean()
        figure = figure_of(scenario, "unga", "kazakhstan", partner, 2020)
        alignment = recorded.values(figure.window)
        np.testing.assert_allclose(
            measured.values(figure), intercept + slope * alignment, rtol=1e-12, atol=1e-12
        )


def test_the_persistence_null_scores_as_persistence_in_a_check():
    """Its CRPS is the absolute error of 2017's figure, computed here by hand."""
    result = check(HISTORY, replications=4)
    scores = result.scores.set_index("target")
    imf = "International Monetary Fund"
    for state, partner in (("kazakhstan", "china"), ("tajikistan", "russia")):
        name = f"trade-{state}-{partner}-2019"
        unit = "share of foreign trade turnover"
        last = _shipped("trade", state, partner, "2017", unit, imf)
        now = _shipped("trade", state, partner, "2019", unit, imf)
        assert scores.loc[name, "persistence"] == last
        assert scores.loc[name, "crps_persistence"] == pytest.approx(abs(now - last), abs=1e-12)
        assert scores.loc[name, "role"] == "held_out"
    # A figure of the fitting years is scored too, but not counted as held out.
    assert scores.loc["trade-kazakhstan-china-2016", "role"] == "fitting"
    held = scores[scores["role"] == "held_out"]
    line = result.lines()[-2].strip()
    assert line.startswith(f"data: {int(held['inside_90'].sum())} of {len(held)} held-out")


def test_check_json_gives_each_figure_and_the_summary(tmp_path, capsys):
    args = ["check", "--targets", HISTORY, "--replications", "4", "--out", str(tmp_path)]
    assert main([*args, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert data["summary"] == lines[-2].strip()  # one summary, by either route
    figure = next(t for t in data["targets"] if t["target"] == "trade-kazakhstan-china-2019")
    for key in ("family", "observed", "median", "low_90", "high_90", "crps_model"):
        assert figure[key] is not None, key
    for null in ("persistence", "trend", "no_preferences"):
        assert f"crps_{null}" in figure
        assert f"skill_{null}" in figure
    assert figure["role"] == "held_out"
    # The trade shares' directions: the same by either route, and each by hand.
    signs = {(r["state"], r["partner"]): r for r in data["trade_signs"]}
    assert lines[-3].strip() == signs_line(pd.DataFrame(data["trade_signs"]))
    by = {t["target"]: t for t in data["targets"]}
    row = signs[("kyrgyzstan", "china")]
    first, last = by["trade-kyrgyzstan-china-2015"], by["trade-kyrgyzstan-china-2020"]
    assert (row["from"], row["to"]) == (2015, 2020)
    assert row["observed"] == pytest.approx(0.1381 - 0.1939)  # IMF DOTS, 2015 and 2020
    assert row["model"] == pytest.approx(last["median"] - first["median"])
    assert row["right"] == ((row["observed"] > 0) == (row["model"] > 0))


def test_online_and_table_values_agree_for_observed_figures():
    scenario = load_scenario(HISTORY)
    quantities = [
        Quantity.model_validate({"observation": q})
        for q in (
            {"family": "trade", "state": "kazakhstan", "partner": "china", "year": 2019},
            {"family": "arms", "state": "tajikistan", "partner": "russia", "year": 2018},
            {"family": "remittances", "state": "uzbekistan", "partner": "all", "year": 2021},
        )
    ]
    compiled = compile_scenario(scenario)
    state = replicate(compiled.initial, 5)
    watch = Watch(compiled, quantities, 5)
    watch(0, state, None)
    simulate(compiled, compiled.params.copy(), state, replication_keys(7, 0, 5), [watch])
    result = run(scenario, replications=5, seed=7)
    for quantity, online in zip(quantities, watch.values(), strict=True):
        tables = _quantity(quantity, result).to_numpy()
        np.testing.assert_allclose(online, tables, rtol=1e-12, atol=1e-12, err_msg=str(quantity))


def test_a_un_voting_figure_needs_the_validation_block(write):
    path = write(
        "t.yaml",
        "name: t\ntitle: t\nscenario: history-2015-2021\ntargets:\n"
        "  - name: votes\n    description: d\n    source: s\n"
        "    quantity: {observation: {family: unga, state: kazakhstan, partner: china, "
        "year: 2019}}\n    observed: {sd: 0.1}\n",
    )
    with pytest.raises(InfluenceSimError, match="link fitted on the fitting years"):
        check(path, replications=2)
    bad = write(
        "u.yaml",
        "name: u\ntitle: t\nscenario: history-2015-2021\ntargets:\n"
        "  - name: trade\n    description: d\n    source: s\n"
        "    quantity: {observation: {family: trade, state: kazakhstan, partner: china, "
        "year: 2009}}\n    observed: {sd: 0.1}\n",
    )
    with pytest.raises(InfluenceSimError, match=r"measures no trade figure .*2009"):
        check(bad, replications=2)


def test_a_calibration_fits_the_fitting_years_and_predicts_the_held_out_ones():
    spec = load_targets(HISTORY)
    scenario = load_scenario(HISTORY)
    fitted = fitting_targets(spec, scenario)
    assert fitted.validation is None
    years = {t.quantity.observation.year for t in fitted.targets}
    assert max(years) == 2017
    families = {t.quantity.observation.family for t in fitted.targets}
    assert families == {"trade", "arms", "remittances"}  # UN voting's link is fitted on them
    held = held_out_names(spec, scenario)
    assert held
    assert all(int(name.rsplit("-", 1)[1]) >= 2018 for name in held)
    assert not {t.name for t in fitted.targets} & set(held)
    # An arms figure sums three years: held out only when all three are.
    arms = {int(n.rsplit("-", 1)[1]) for n in held if n.startswith("arms-")}
    assert arms == {2020, 2021}
    straddling = {"arms-kazakhstan-russia-2018", "arms-kazakhstan-russia-2019"}
    assert not straddling & ({t.name for t in fitted.targets} | set(held))
    # Trade: the IMF's alone, so no 2021 figure (its national ones are on other bases).
    assert not [n for n in held if n.startswith("trade-") and n.endswith("-2021")]


def test_the_readme_says_what_the_validation_table_shows():
    """The README's sentence on persistence follows the pooled skill docs/validation.md prints."""
    import re

    from tests.conftest import ROOT

    readme = " ".join((ROOT / "README.md").read_text().split())
    doc = (ROOT / "docs" / "validation.md").read_text()
    skill = float(re.search(r"data: .*skill vs persistence ([+-][0-9.]+)", doc).group(1))
    beats = "the model does not yet beat persistence" not in readme
    assert beats == (skill > 0), skill


def test_bad_validation_blocks_are_refused_with_their_reason(write):
    head = "name: v\ntitle: t\nscenario: history-2015-2021\nvalidation:\n"
    twice = write("twice.yaml", head + "  families: [trade, trade]\n  fit: [2010, 2017]\n"
                  "  held_out: [2018, 2021]\n")  # fmt: skip
    with pytest.raises(ScenarioError, match="families must be unique; repeated: trade"):
        load_targets(twice)
    none_held = write("none.yaml", head + "  families: [trade]\n  fit: [2010, 2017]\n"
                      "  held_out: [2021, 2021]\n")  # fmt: skip
    with pytest.raises(InfluenceSimError, match="no trade figure falls whole in the held-out"):
        check(none_held, replications=2)
    early = write("early.yaml", head + "  families: [trade]\n  fit: [2000, 2005]\n"
                  "  held_out: [2018, 2020]\n")  # fmt: skip
    with pytest.raises(InfluenceSimError, match="no two consecutive trade figures"):
        check(early, replications=2)
    reversed_ = write("rev.yaml", head + "  fit: [2017, 2010]\n  held_out: [2018, 2021]\n")
    with pytest.raises(ScenarioError, match="ends before it starts"):
        load_targets(reversed_)


def test_an_observation_target_reads_its_observed_value_from_the_series(write):
    path = write(
        "t.yaml",
        "name: t\ntitle: t\nscenario: history-2015-2021\ntargets:\n"
        "  - name: trade\n    description: d\n    source: s\n"
        "    quantity: {observation: {family: trade, state: kazakhstan, partner: china, "
        "year: 2019}}\n    observed: {sd: 0.1}\n",
    )
    row = check(path, replications=2).table.iloc[0]
    imf = "International Monetary Fund"
    unit = "share of foreign trade turnover"
    assert row["observed"] == _shipped("trade", "kazakhstan", "china", "2019", unit, imf)
    assert row["holds"]  # |0.14 - 0.15| within sd 0.1
