"""The economy as a lever (docs/ODD.md patterns 7 to 9), and its shocks, on 30 replications.

Effects are medians of paired differences: the same seeds with and without the change,
so what remains is the change's effect, not the noise of the runs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from influence_sim import load_scenario, run
from influence_sim.format.loading import resolve_scenario

R = 30


def series(result, table, column, **where) -> pd.DataFrame:
    """One variable by step (rows) and replication (columns)."""
    frame = result.tables[table]
    for key, value in where.items():
        frame = frame[frame[key] == value]
    return frame.pivot(index="step", columns="replication", values=column)


def alignment(result, state, power, domain="overall") -> pd.DataFrame:
    return series(result, "alignment", "value", state=state, power=power, domain=domain)


@pytest.fixture(scope="module")
def capacity_runs():
    path = "powers.china.economic_capacity"
    return {
        level: run("kazakhstan-2022", replications=R, overrides=[f"{path}={level}"])
        for level in (0.1, 1.0)
    }


def test_7_chinas_economic_capacity_moves_kazakhstan(capacity_runs):
    """Pattern 7: the economic lever moves trade at once and reliance slowly, through flows.

    docs/ODD.md: in three years, trade with China by about 0.10 (many times the spread of
    one world's runs), economic reliance on China by about 0.02 and the overall index by
    about 0.01, each far beyond the spread of the paired differences though within the
    spread between runs.
    """
    low, high = capacity_runs[0.1], capacity_runs[1.0]
    for column, claimed, within in (
        ("final_trade.kazakhstan.china", 0.10, 0.02),
        ("final_economic_reliance.kazakhstan.china", 0.02, 0.006),
        ("final_alignment.kazakhstan.china", 0.01, 0.004),
    ):
        paired = high.summary[column] - low.summary[column]
        assert paired.median() == pytest.approx(claimed, abs=within), (column, paired.median())
        assert paired.median() > 5 * paired.std(), (column, "beyond the paired noise")
    trade = "final_trade.kazakhstan.china"
    assert (high.summary[trade] - low.summary[trade]).median() > 10 * low.summary[trade].std()
    # Through the flows: China's trade share with Kazakhstan falls toward a lower target.
    trade = series(low, "powers", "trade", power="china", state="kazakhstan").median(axis=1)
    assert trade.iloc[-1] < trade.iloc[0] - 0.05


@pytest.fixture(scope="module")
def route_runs():
    return run("kazakhstan-2022", replications=R), run("cpc-route-cut", replications=R)


def test_8_a_route_cut_brings_compliance_then_resentment_and_diversification(route_runs):
    """Pattern 8: coercion through a route the power owns works in months, backfires in years."""
    base, cut = route_runs
    start = cut.scenario.timeline.step_of(cut.scenario.shocks[-1].at)
    gap = (alignment(cut, "kazakhstan", "russia") - alignment(base, "kazakhstan", "russia")).median(
        axis=1
    )
    assert abs(gap.loc[start]) < 1e-12, "the same world until the cut"
    assert gap.loc[start + 1 : start + 13].max() > 0.1, "compliance in the first months"
    assert gap.iloc[-1] < -0.03, "below the world without the cut two years on"
    ties = series(cut, "powers", "diversification", power="russia", state="kazakhstan")
    resentment = series(cut, "powers", "resentment", power="russia", state="kazakhstan")
    assert ties.median(axis=1).iloc[-1] > 0.1, "Kazakhstan diversified away from Russia"
    memory = resentment.median(axis=1)
    assert memory.loc[start + 13] > 0.3
    assert memory.iloc[-1] < 0.5 * memory.loc[start + 13], "resentment fades"
    distress = series(cut, "states", "economic_distress", state="kazakhstan").median(axis=1)
    salience = series(cut, "states", "security_salience", state="kazakhstan").median(axis=1)
    assert distress.loc[start + 1] > 0.5
    assert salience.loc[start + 1] < salience.loc[start] - 0.1, "the economy's salience rises"


def test_9_remittances_follow_the_host_economy_at_once_and_migrants_slowly():
    """Pattern 9: a rouble collapse cuts remittances at once; migrants then leave slowly."""
    base = load_scenario("central-asia-2021", ["dynamics.host_noise=0.0"])
    fall = resolve_scenario(
        base, {"shocks": [{"type": "host_economy", "power": "russia", "level": 0.6, "at": 10}]}
    )
    result = run(fall, replications=2)
    remit = series(result, "powers", "remittances", power="russia", state="tajikistan")
    remit = remit.median(axis=1)
    start = remit.loc[10]
    assert remit.loc[11] == pytest.approx(0.6 * start, rel=0.01), "at once, with the rouble"
    assert remit.loc[60] < remit.loc[11] - 0.01, "then lower still as migrants leave"
    assert remit.iloc[-1] > 0.6 * 0.6 * start, "migrants move toward the lower target"


def test_a_loan_is_paid_out_then_repaid_and_sanctions_cut_trade():
    base = load_scenario("central-asia-2021", ["dynamics.host_noise=0.0"])
    shocks = [
        {"type": "loan", "power": "china", "state": "kyrgyzstan", "amount": 0.85, "at": 4},
        {"type": "sanctions", "power": "russia", "severity": 0.5, "at": 4, "duration": "1 year"},
    ]
    result = run(resolve_scenario(base, {"shocks": shocks}), replications=2)
    debt = series(result, "powers", "debt", power="china", state="kyrgyzstan").median(axis=1)
    gdp = base.states["kyrgyzstan"].gdp
    # Paid out over a year: about 0.85 / 8.5 = 0.1 of GDP more, less a year's repayment.
    assert debt.loc[4 + 52] - debt.loc[4] == pytest.approx(0.85 / gdp, abs=0.02)
    assert debt.loc[156] < debt.loc[4 + 52], "then repaid"
    plain = run(base, replications=2)
    both = alignment(result, "kyrgyzstan", "russia", "economy").median(axis=1)
    without = alignment(plain, "kyrgyzstan", "russia", "economy").median(axis=1)
    assert both.loc[40] < without.loc[40] - 0.01, "sanctions cut Russia's trade and finance"


def test_economic_shocks_are_validated_with_names_and_lines(tmp_path):
    from influence_sim.errors import ScenarioError

    def problems(*shocks: str) -> str:
        path = tmp_path / "bad.yaml"
        path.write_text("name: bad\nextends: central-asia-2021\nshocks:\n" + "".join(shocks))
        with pytest.raises(ScenarioError) as caught:
            load_scenario(path)
        return str(caught.value)

    text = problems("  - {type: loan, power: china, state: kazakhstan, amount: -1, at: 3}\n")
    assert "bad.yaml:4:" in text
    assert "shocks[0].amount: expected greater than 0" in text
    text = problems(
        "  - {type: trade_disruption, power: rusia, state: kazakhstan, at: 3}\n",
        "  - {type: migration_policy, power: russia, state: tajikstan, access: 0.5, at: 3}\n",
    )
    lines = text.splitlines()
    assert any("bad.yaml:4:" in x and "shocks[0].power" in x for x in lines), text
    assert "did you mean 'russia'" in text
    assert any("bad.yaml:5:" in x and "shocks[1].state" in x for x in lines), text
    assert "did you mean 'tajikistan'" in text


def test_the_economy_at_rest_changes_nothing_it_should_not():
    """Without shocks or departures, ties stay near where the scenario puts them."""
    result = run("central-asia-2021", replications=R)
    trade = result.tables["powers"].groupby(["power", "state", "step"], observed=True)["trade"]
    medians = trade.median().unstack("step")
    np.testing.assert_allclose(medians[156], medians[0], atol=0.02)


def test_every_observed_figure_names_its_publisher_and_table():
    from importlib import resources

    folder = resources.files("influence_sim").joinpath("data/observed")
    files = sorted(p.name for p in folder.iterdir() if p.name.endswith(".csv"))
    # The record of requests and Russia's stakes in it name their sources row by row
    # (test_record.py).
    record = ["requests-stakes.csv", "requests.csv"]
    assert files == ["arms.csv", "remittances.csv", *record, "trade.csv", "unga.csv"]
    files = [name for name in files if name not in record]
    scenario = load_scenario("central-asia-2021")
    for name in files:
        with resources.as_file(folder.joinpath(name)) as path:
            frame = pd.read_csv(path)
        assert len(frame) > 0
        for column in ("publisher", "table", "reported_by"):
            assert frame[column].notna().all(), (name, column)
            assert (frame[column].str.len() > 5).all(), (name, column)
        assert set(frame["state"]) <= {*scenario.states, "region"}, name
        assert set(frame["partner"]) <= {*scenario.powers, "all"}, name
        shares = frame[frame["unit"].str.startswith("share")]["value"]
        assert shares.between(0, 1).all(), name
        # A year with no delivery is a zero (SIPRI lists none); everything else is positive.
        zero = frame["value"] == 0
        assert (frame["value"] >= 0).all(), name
        assert frame[zero]["unit"].str.startswith("TIV").all(), name


def test_a_public_turned_against_an_investor_slows_its_investment():
    """Investment flows follow the host public's welcome (news from Xinjiang, May 2022)."""
    base, news = (
        run("kazakhstan-2022", replications=R),
        run("xinjiang-opinion-shock", replications=R),
    )
    stock = {
        name: series(result, "powers", "investment", power="china", state="kazakhstan")
        for name, result in (("base", base), ("news", news))
    }
    gap = (stock["news"] - stock["base"]).median(axis=1)
    at = news.scenario.timeline.step_of(news.scenario.shocks[-1].at)
    assert abs(gap.loc[at]) < 1e-12
    assert gap.iloc[-1] < -0.3  # USD billion, by the end of 2024
    russia = series(news, "powers", "investment", power="russia", state="kazakhstan")
    same = series(base, "powers", "investment", power="russia", state="kazakhstan")
    # Russia's moves only through the ties new investment follows: under 2% of its stock.
    gap = (russia - same).median(axis=1).iloc[-1]
    assert abs(gap) < 0.02 * same.median(axis=1).iloc[-1], "far less than China's"


def test_the_figures_docs_economy_data_quotes_are_the_shipped_ones():
    """Each number the data page states is read from, or computed from, the files."""
    from influence_sim.results.observed import observed
    from tests.conftest import ROOT

    text = " ".join((ROOT / "docs" / "economy-data.md").read_text().split())
    data = {name: observed(name) for name in ("arms", "remittances", "trade")}

    def value(series: str, state: str, partner: str, period: str) -> float:
        frame = data[series]
        row = frame[
            (frame["state"] == state) & (frame["partner"] == partner) & (frame["period"] == period)
        ]
        assert len(row) >= 1, (series, state, partner, period)
        return float(row["value"].iloc[0])

    def usd(state: str, partner: str, period: str) -> str:
        return f"{value('remittances', state, partner, period):g}"

    def pct(series: str, state: str, partner: str, period: str) -> str:
        return f"{100 * value(series, state, partner, period):g}%"

    tajik = (value("remittances", "tajikistan", "russia", "2015"), value(
        "remittances", "tajikistan", "russia", "2014"))  # fmt: skip
    claims = [
        f"USD {usd('tajikistan', 'russia', '2014')} billion in 2014, "
        f"{usd('tajikistan', 'russia', '2015')} billion in 2015",
        f"Kyrgyzstan ({usd('kyrgyzstan', 'russia', '2014')} to "
        f"{usd('kyrgyzstan', 'russia', '2015')} billion)",
        f"Uzbekistan ({usd('uzbekistan', 'russia', '2014')} to "
        f"{usd('uzbekistan', 'russia', '2015')} billion)",
        f"{usd('kyrgyzstan', 'russia', '2022-01/2022-11')} billion in the first eleven months, "
        f"{round(100 * (value('remittances', 'kyrgyzstan', 'russia', '2022-01/2022-11') / value('remittances', 'kyrgyzstan', 'russia', '2021-01/2021-11') - 1))}% more",  # noqa: E501
        f"rose {round(100 * (value('remittances', 'tajikistan', 'all', '2022') / value('remittances', 'tajikistan', 'all', '2021') - 1))}% "  # noqa: E501
        f"({usd('tajikistan', 'all', '2021')} to {usd('tajikistan', 'all', '2022')} billion)",
        f"Russia supplied {pct('arms', 'kazakhstan', 'russia', '2020/2024')} of Kazakhstan's",
        f"and {pct('arms', 'region', 'russia', '2015/2019')} of the region's in 2015-2019, "
        f"China {pct('arms', 'region', 'china', '2015/2019')} (up from "
        f"{pct('arms', 'region', 'china', '2010/2014')} in 2010-2014)",
        f"Kazakhstan's trade ({pct('trade', 'kazakhstan', 'china', '2023-01/2023-09')}",
        f"Russia's ({pct('trade', 'kazakhstan', 'russia', '2023-01/2023-09')})",
        f"({pct('trade', 'uzbekistan', 'china', '2023-01/2023-11')} against "
        f"{pct('trade', 'uzbekistan', 'russia', '2023-01/2023-11')}",
        f"in 2023 ({pct('trade', 'tajikistan', 'russia', '2023')})",
    ]
    for claim in claims:
        assert claim in text, claim
    assert tajik[0] / tajik[1] == pytest.approx(1 / 3, abs=0.02), "fell by two thirds"


def test_the_validation_families_docs_economy_data_describes_are_the_shipped_ones():
    """The shares docs/economy-data.md quotes of the validation families, from the files."""
    from influence_sim.results.observed import observed
    from tests.conftest import ROOT

    text = " ".join((ROOT / "docs" / "economy-data.md").read_text().split())
    trade, arms = observed("trade"), observed("arms")

    def share(state: str, unit: str, publisher: str) -> float:
        rows = trade[
            (trade["state"] == state)
            & (trade["partner"] == "china")
            & (trade["unit"] == unit)
            & (trade["publisher"] == publisher)
        ]
        return float(rows[rows["period"].isin(["2015", "2017"])]["value"].iloc[0])

    imf = "International Monetary Fund"
    mirror = share("kyrgyzstan", "share of foreign trade turnover, partner-reported", imf)
    own = share("kyrgyzstan", "share of foreign trade turnover", imf)  # 2015
    assert f"Kyrgyzstan-China {mirror:.2f} against {own:.2f}" in text
    government = share(
        "kyrgyzstan", "share of foreign trade turnover", "Government of the Kyrgyz Republic"
    )
    rows = trade[(trade["state"] == "kyrgyzstan") & (trade["partner"] == "china")]
    dots_2017 = float(
        rows[(rows["period"] == "2017") & (rows["publisher"] == imf)]["value"].iloc[0]
    )
    assert f"{government:.2f} against the IMF's {dots_2017:.2f}" in text
    tiv = arms[(arms["unit"] == "TIV million delivered in year")]
    tiv = tiv[tiv["period"].astype(int).between(2008, 2021)]
    by = tiv.groupby(["state", "partner"])["value"].sum()
    for state in ("turkmenistan", "uzbekistan"):
        both = (by[state, "russia"] + by[state, "china"]) / by[state, "all"]
        assert f"{both:.2f} of {state.capitalize()}'s" in text, state
    others = [
        (by[s, "russia"] + by[s, "china"]) / by[s, "all"]
        for s in ("kazakhstan", "kyrgyzstan", "tajikistan")
    ]
    assert min(others) >= 0.845, "0.85 to 0.95 of the others'"
    assert max(others) <= 0.955, "0.85 to 0.95 of the others'"


def test_distress_fades_as_households_get_used_to_a_permanent_fall():
    """docs/ODD.md, Distress: about 0.48 at once after January 2015, about 0.29 at its end."""
    result = run("rouble-2014-2015", replications=R)
    states = result.tables["states"].query("state == 'kyrgyzstan'")
    distress = states.groupby("date")["economic_distress"].median()
    at_once = distress.loc[pd.Timestamp("2015-01-12")]
    at_end = distress.loc[pd.Timestamp("2015-12-28")]
    assert at_once == pytest.approx(0.48, abs=0.03)
    assert at_end == pytest.approx(0.29, abs=0.03)
    # Without adaptation (the reference fixed at the start) it stays a crisis all year.
    fixed = run("rouble-2014-2015", replications=R, overrides=["dynamics.distress_adaptation=0"])
    held = fixed.tables["states"].query("state == 'kyrgyzstan'")
    assert held.groupby("date")["economic_distress"].median().loc[
        pd.Timestamp("2015-12-28")
    ] == pytest.approx(0.53, abs=0.03)


def test_exposure_to_a_power_is_a_cost_not_an_attraction():
    """docs/ODD.md, Utilities: more of Kazakhstan's exports crossing Russia lowers its
    economic reliance on Russia (it hedges), where until issue 28 it raised it; without
    the cost the fall is smaller."""
    base = run("kazakhstan-2022", replications=R)
    exposed = run(
        "kazakhstan-2022", replications=R, overrides=["powers.russia.routes.kazakhstan=0.9"]
    )
    column = "final_economic_reliance.kazakhstan.russia"
    effect = (exposed.tables["summary"][column] - base.tables["summary"][column]).median()
    assert effect < -0.05, effect
    free = run(
        "kazakhstan-2022",
        replications=R,
        overrides=["powers.russia.routes.kazakhstan=0.9", "dynamics.exposure_cost=0"],
    )
    assert (free.tables["summary"][column] - base.tables["summary"][column]).median() > effect
