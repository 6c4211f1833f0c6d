"""The patterns of DESIGN.md section 8, each on the bundled scenarios with 30 replications.

Assertions are on medians across replications (paired by seed where two runs are
compared), with the margins stated in each test. Each pattern is checked twice: with the
scripted uprising (``kazakhstan-2022`` and its counterfactuals) and with citizens whose
uprising emerges from a price shock (``kazakhstan-2022-citizens``, 16 replications: a
citizens' run costs more), the same counterfactuals applied to it. Pattern 2 is what the
intervention does given the answer history gave: ``kazakhstan-2022`` scripts it, and the
citizens' runs are given it too (``HISTORY``); whether Russia comes is estimated on the
record of requests and tested in ``test_decisions.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from influence_sim.drivers.runner import run
from influence_sim.format.loading import load_scenario
from influence_sim.format.scenario import Scenario

R = 30
R_CITIZENS = 16
HISTORY = ["alliances.csto.responds=always"]
MEMBERS = ["kazakhstan", "kyrgyzstan", "tajikistan"]
NON_MEMBERS = ["uzbekistan", "turkmenistan"]


def citizens(shocks: str = "own") -> Scenario:
    """``kazakhstan-2022-citizens``: with its own shocks, none, or China's push added."""
    scenario = load_scenario("kazakhstan-2022-citizens")
    if shocks == "none":
        return scenario.model_copy(update={"shocks": []})
    if shocks == "push":
        push = load_scenario("china-security-push")
        offers = [shock for shock in push.shocks if shock.type == "set"]
        return scenario.model_copy(update={"shocks": [*scenario.shocks, *offers]})
    return scenario


@pytest.fixture(scope="module", params=["scripted", "citizens"])
def runs(request):
    trust = ["states.kazakhstan.opinion.china=0.4"]
    never = ["alliances.csto.responds=never"]
    if request.param == "citizens":
        n = R_CITIZENS
        return {
            "n": n,
            "emergent": True,
            "baseline": run(citizens("none"), replications=n),
            "kz": run(citizens(), replications=n, overrides=HISTORY),
            "none": run(citizens(), replications=n, overrides=never),
            "push": run(citizens("push"), replications=n, overrides=HISTORY),
            "push_trust": run(citizens("push"), replications=n, overrides=[*HISTORY, *trust]),
        }
    same_calendar = ["calendar.start=2021-12-27"]
    return {
        "n": R,
        "emergent": False,
        "baseline": run("central-asia-2021", replications=R, seed=2022, overrides=same_calendar),
        "kz": run("kazakhstan-2022", replications=R),
        "none": run("no-csto-response", replications=R),
        "push": run("china-security-push", replications=R),
        "push_trust": run("china-security-push", replications=R, overrides=trust),
    }


def series(result, state, power, domain="overall") -> pd.DataFrame:
    """Alignment values as a (step x replication) frame."""
    f = result.tables["alignment"]
    rows = f[(f["state"] == state) & (f["power"] == power) & (f["domain"] == domain)]
    return rows.pivot(index="step", columns="replication", values="value")


def median(result, state, power, domain="overall") -> pd.Series:
    return series(result, state, power, domain).median(axis=1)


def paired(a, b, state, power, domain="overall") -> pd.Series:
    """Median over replications of b - a, by step."""
    return (series(b, state, power, domain) - series(a, state, power, domain)).median(axis=1)


def test_1_division_of_labour_holds_at_the_baseline(runs):
    base = runs["baseline"]
    for state in MEMBERS:
        sec_russia = median(base, state, "russia", "security")
        sec_china = median(base, state, "china", "security")
        eco_china = median(base, state, "china", "economy")
        # Russia provides security, China the economy, throughout the three years.
        assert (sec_russia - sec_china).min() > 0.4, state
        assert (eco_china - sec_china).min() > 0.15, state
        assert (sec_russia - median(base, state, "russia", "economy")).min() > 0.15, state
        # Left to itself the division of labour stays put (within 0.05).
        assert abs(sec_russia.iloc[-1] - sec_russia.iloc[0]) < 0.05, state


def test_2_uprising_request_and_intervention(runs):
    kz, none = runs["kz"], runs["none"]
    events = kz.tables["events"]
    asked = events[events["kind"] == "request"].groupby("replication")["step"].min()
    came = events[events["kind"] == "arrival"].groupby("replication")["step"].min()
    if runs["emergent"]:  # the uprising emerges: it need not tip in every replication
        assert len(asked) >= runs["n"] - 2, "asks in nearly every replication"
    else:
        assert len(asked) == runs["n"]
    accepted = events[events["kind"] == "accept"]["replication"].unique()
    assert len(accepted) == len(asked), "the answer history gave, where asked"
    assert set(came.index) == set(accepted)
    assert ((came - asked.loc[came.index]) <= 1).all(), "troops arrive within a step"
    # Unrest falls faster with troops than without (paired by seed): calm comes sooner in
    # the median, and when scripted by more than a step on average run by run (medians 2
    # against 3 weeks, a paired mean of 1.23; 1.2 to 1.7 over five other seeds, where the
    # medians were 2 against 4); with citizens a week sooner (2 weeks against 3), and the
    # gap is in how far it falls (below).
    calm_kz = kz.summary["steps_to_calm.kazakhstan"]
    calm_none = none.summary["steps_to_calm.kazakhstan"]
    assert calm_kz.median() < calm_none.median()
    if not runs["emergent"]:
        assert (calm_none - calm_kz).mean() > 1

    def unrest(result):
        frame = result.tables["states"].query("state == 'kazakhstan'")
        return frame.pivot(index="step", columns="replication", values="unrest")

    gap = unrest(none) - unrest(kz)
    if runs["emergent"]:
        # Citizens' unrest peaks in the week of 3-9 January either way (0.86); the troops
        # act from the next week: summed over weeks 2-8 the paired gap was 0.39 (positive
        # in 15 of 16 replications), 0.28 in week 4 alone.
        assert gap.loc[2:8].sum().median() > 0.2
        assert (gap.loc[2:8].sum() > 0).mean() >= 0.8
    else:
        assert gap.loc[3].median() > 0.1
    # Kazakhstan tilts toward Russia during the crisis: its security reliance itself,
    # and so its overall alignment at the index's fixed weights (security at 0.5).
    security = median(kz, "kazakhstan", "russia", "security")
    assert security.loc[1:13].max() > security.loc[0] + 0.1
    overall = median(kz, "kazakhstan", "russia")
    assert overall.loc[1:4].max() > overall.loc[0] + 0.05
    # Russia's credibility rises in every CSTO member's eyes.
    powers = kz.tables["powers"].query("power == 'russia'")
    cred = powers.groupby(["state", "step"], observed=True)["credibility"].median()
    for state in MEMBERS:
        assert cred.loc[(state, 4)] > cred.loc[(state, 0)] + 0.03, state


def test_3_without_a_response_unrest_lasts_and_reliance_drifts_from_russia(runs):
    kz, none = runs["kz"], runs["none"]
    assert none.summary["steps_to_calm.kazakhstan"].median() > (
        kz.summary["steps_to_calm.kazakhstan"].median()
    )
    sec = median(none, "kazakhstan", "russia", "security")
    # A year on (week 26 was within noise of the 0.05: 0.497 to 0.507 over four seeds).
    assert sec.loc[52] < sec.loc[0] - 0.05, "drifts away from Russia"
    assert paired(kz, none, "kazakhstan", "russia", "security").loc[26] < -0.1


def test_4_china_raises_its_posture_within_its_tools_and_below_russia(runs):
    def posture(result):
        frame = result.tables["powers"]
        return frame.groupby(["power", "step"], observed=True)["posture"].median().unstack(0)

    kz, base = posture(runs["kz"]), posture(runs["baseline"])
    end = kz.index.max()
    assert kz.loc[end, "china"] > kz.loc[0, "china"] + 0.08, "China reassesses and rises"
    assert abs(base.loc[end, "china"] - base.loc[0, "china"]) < 0.01, "not without the shock"
    assert kz["china"].max() < kz["russia"].min(), "below Russia's throughout"
    ceiling = max(runs["kz"].scenario.powers["china"].security_tools.values())
    assert runs["kz"].tables["powers"].query("power == 'china'")["posture"].max() <= ceiling


def test_5_distrust_caps_security_reliance_on_china(runs):
    push, trusted = runs["push"], runs["push_trust"]
    with_distrust = median(push, "kazakhstan", "china", "security")
    assert with_distrust.max() < 0.15, "stays low even when China offers more"
    assert paired(runs["kz"], push, "kazakhstan", "china", "security").iloc[-1] < 0.06
    assert paired(push, trusted, "kazakhstan", "china", "security").iloc[-1] > 0.08, (
        "with the distrust removed, it rises"
    )


def test_6_non_members_feel_the_intervention_far_less(runs):
    kz, base = runs["kz"], runs["baseline"]
    effect = {
        state: abs(paired(base, kz, state, "russia", "security").loc[26])
        for state in MEMBERS[1:] + NON_MEMBERS
    }
    weakest_member = min(effect[s] for s in MEMBERS[1:])
    assert weakest_member > 0.015
    for state in NON_MEMBERS:
        assert effect[state] < 0.3 * weakest_member, (state, effect)
    # ...and only through credibility, which they see in part.
    cred = kz.tables["powers"].query("power == 'russia' and step == 4")
    by_state = cred.groupby("state", observed=True)["credibility"].median()
    assert by_state["uzbekistan"] - 0.6 < 0.5 * (by_state["kyrgyzstan"] - 0.6)


def test_salience_is_reported_and_moves_neither_the_index_nor_the_choice():
    """docs/ODD.md, Observables: the index weighs security at a fixed weight, and salience
    enters nothing else. Kazakhstan's calm-time salience at 0.05 or 0.95 leaves every
    reliance and alignment bit for bit the same; the security weight moves the index."""
    low, high = (
        run(
            "kazakhstan-2022",
            replications=4,
            overrides=[f"states.kazakhstan.security_salience={v}"],
        )
        for v in (0.05, 0.95)
    )
    pd.testing.assert_frame_equal(low.tables["alignment"], high.tables["alignment"])
    states = [r.tables["states"].query("state == 'kazakhstan'") for r in (low, high)]
    gap = states[1]["security_salience"].to_numpy() - states[0]["security_salience"].to_numpy()
    assert gap.mean() > 0.5, "the salience reported differs (by 0.9 in calm weeks)"
    heavy = run("kazakhstan-2022", replications=4, overrides=["observation.security_weight=0.9"])
    frame, base = heavy.tables["alignment"], low.tables["alignment"]
    overall = (frame["domain"] == "overall").to_numpy()
    assert not np.allclose(frame["value"].to_numpy()[overall], base["value"].to_numpy()[overall])
    kept = ~overall  # reliance by domain does not depend on the index's weight
    np.testing.assert_array_equal(frame["value"].to_numpy()[kept], base["value"].to_numpy()[kept])
