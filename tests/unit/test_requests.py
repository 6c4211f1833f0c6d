"""Requests for troops: who asks when, what answers them, and which alliance is asked."""

from __future__ import annotations

import numpy as np
import pytest

from influence_sim import load_scenario
from influence_sim.drivers.runner import run
from influence_sim.engine.compile import compile_scenario
from influence_sim.engine.draws import GivenNoise
from influence_sim.engine.ensemble import replicate
from influence_sim.engine.kernel import noise_width, step
from influence_sim.engine.leaving import HOST_ASKS, ORDER_RESTORED, exponential
from influence_sim.engine.requests import (
    alliance_commitment_to,
    default_alliance,
)
from influence_sim.engine.schedule import StepShocks
from influence_sim.engine.state import FROZEN, MEMBER
from tests.conftest import SCENARIOS

KZ = SCENARIOS / "kazakhstan-2022.yaml"


def _requests(result):
    events = result.tables["events"]
    return events[events["kind"] == "request"]


def test_a_scripted_request_is_the_request_noise_does_not_ask_a_step_early():
    # Before the fix, 18 of 50 replications crossed the threshold in week 0 (noise on top
    # of the uprising) and asked before the scripted request of 5 January.
    result = run(KZ, replications=50)
    requests = _requests(result)
    scripted = result.scenario.timeline.step_of(result.scenario.shocks[1].at)
    assert scripted == 1
    assert len(requests) == 50
    assert set(requests["step"]) == {scripted}
    assert requests["replication"].nunique() == 50


def test_the_printout_counts_each_request_once(tmp_path):
    from influence_sim.cli.report import describe

    result = run(
        KZ,
        replications=50,
        overrides=["powers.russia.security_capacity=0.2", "alliances.csto.responds=auto"],
    )
    answers = result.tables["events"]
    answers = answers[answers["kind"].isin(["accept", "decline"])]
    assert len(answers) == len(_requests(result))
    (line,) = [x for x in describe(result) if x.startswith("Responses:")]
    accepted = (answers["kind"] == "accept").sum()
    declined = (answers["kind"] == "decline").sum()
    assert 0 < declined < len(answers), "at the capacity limit, some of each"
    assert f"Russia accepted {accepted} and declined {declined} of {len(answers)} requests" in line
    assert f"(one per replication, in {len(answers)} of 50)" in line
    assert "most often against: troops to spare" in line


def test_after_its_scripted_request_a_state_asks_on_its_own_again(write):
    base = KZ.resolve()
    path = write(
        "later.yaml",
        f"""
name: later
extends: {base}
shocks:
  - {{type: withdrawal, state: kazakhstan, by: csto, at: 2022-01-19}}
  - {{type: uprising, state: kazakhstan, at: 2023-01-02, duration: 3 weeks, intensity: 1.0}}
""",
    )
    result = run(path, replications=20, seed=3)
    requests = _requests(result)
    later = result.scenario.timeline.step_of(result.scenario.shocks[-1].at)
    assert (requests["step"] == 1).sum() == 20
    assert (requests["step"] >= later).sum() > 0  # the automatic rule is back


def _one_step_with_request(compiled, state, params):
    kz = compiled.states.index("kazakhstan")
    csto = compiled.alliances.index("csto")
    shocks = StepShocks.quiet(len(compiled.states), len(compiled.powers), requests=[(kz, csto)])
    noise = np.zeros((state.n_replications, noise_width(params.n_states, params.n_powers)))
    return step(state, params, shocks, GivenNoise(noise)), kz


def test_troops_already_there_answer_a_request_even_without_free_capacity():
    compiled = compile_scenario(load_scenario(KZ))
    params, state = compiled.params.copy(), replicate(compiled.initial, 2)
    russia = compiled.powers.index("russia")
    kz = compiled.states.index("kazakhstan")
    # Replication 0: troops deployed; replication 1: troops on the way. Either way Russia
    # has no free capacity left, below acceptance_capacity.
    state.deployed[0, russia, kz] = state.capacity[0, russia]
    state.pending[1, russia, kz] = 2
    state.pending_size[1, russia, kz] = 0.1
    state.capacity[1, russia] = 0.0
    state.unrest[:, kz] = 0.9  # order not yet restored: the mission goes on
    before = state.credibility.copy()
    events, kz = _one_step_with_request(compiled, state, params)
    assert events.accepted[:, kz].all()
    assert not events.declined.any()
    # No credibility lost for a "decline" that did not happen (recovery alone moves it).
    assert (state.credibility[:, russia] >= np.minimum(before[:, russia], 0.999)).all()
    # The troops now answer the request: their mission goes on, or (their damping having
    # brought unrest under the threshold this step) it counts as order restored.
    assert state.mission[0, russia, kz] or events.restored[0, russia, kz]
    assert state.pending_requested[1, russia, kz]
    assert state.pending_size[1, russia, kz] == 0.1  # nothing new sent


def _two_alliances(compiled):
    from influence_sim.engine.ensemble import stack

    params, _ = stack([compiled, compiled], np.array([0, 1]))  # two rows, as a sweep stacks points
    russia, china = compiled.powers.index("russia"), compiled.powers.index("china")
    members = np.ones((2, len(compiled.states)), dtype=bool)
    params.alliance_lead = np.array([russia, china])
    params.alliance_members = members
    params.alliance_deploys = np.array([True, True])
    params.alliance_responds = np.array([0, 0])
    # Row 0 trusts the first alliance more; row 1 the second (a sweep varying commitments).
    params.alliance_commitment = np.array([[0.9, 0.5], [0.3, 0.8]])
    return params, russia, china


def test_the_alliance_asked_follows_each_rows_commitments():
    compiled = compile_scenario(load_scenario(KZ))
    params, russia, china = _two_alliances(compiled)
    everyone = np.full((1, *params.alliance_members.shape), MEMBER)
    best = default_alliance(params, everyone)
    assert best.shape == (2, len(compiled.states))
    assert (best[0] == 0).all()
    assert (best[1] == 1).all()
    # In a step, an automatic request in row 1 goes to the alliance China leads.
    state = replicate(compiled.initial, 2)
    state.membership = np.repeat(everyone, 2, axis=0)
    kz = compiled.states.index("kazakhstan")
    state.unrest[:, kz] = 0.99
    state.armed[:, kz] = True
    shocks = StepShocks.quiet(len(compiled.states), len(compiled.powers))
    noise = np.zeros((2, noise_width(params.n_states, params.n_powers)))
    events = step(state, params, shocks, GivenNoise(noise))
    assert events.requested[0, kz] == russia
    assert events.requested[1, kz] == china


def _kz_world(replications: int):
    compiled = compile_scenario(load_scenario(KZ))
    state = replicate(compiled.initial, replications)
    names = compiled.states, compiled.powers, compiled.alliances
    return compiled, state, *(n.index(x) for n, x in zip(names, KZ_PARTIES, strict=True))


KZ_PARTIES = ("kazakhstan", "russia", "csto")


def test_a_frozen_member_is_promised_nothing_and_asks_no_alliance():
    compiled, state, kz, russia, csto = _kz_world(2)
    state.membership[1, csto, kz] = FROZEN
    promise = alliance_commitment_to(compiled.params, state.membership)
    assert promise[0, russia, kz] == 0.7  # the CSTO's commitment (central-asia-2021)
    assert promise[1, russia, kz] == 0.0
    assert (promise[0] == promise[1]).sum() == promise[0].size - 1  # nobody else changes
    state.unrest[:, kz] = 0.99
    state.armed[:, kz] = True
    shocks = StepShocks.quiet(len(compiled.states), len(compiled.powers))
    noise = np.zeros((2, noise_width(len(compiled.states), len(compiled.powers))))
    events = step(state, compiled.params.copy(), shocks, GivenNoise(noise))
    assert events.asked[0, kz] == csto
    assert events.asked[1, kz] == -1  # the SCO sends no troops: nobody to ask


def _request_noise(compiled, replications: int, value: float) -> np.ndarray:
    """Zero noise, but the request stage's draws (decisions, hazards) set to ``value``."""
    s_n, p_n = len(compiled.states), len(compiled.powers)
    noise = np.zeros((replications, noise_width(s_n, p_n)))
    start = s_n + s_n * p_n + p_n
    noise[:, start:] = value
    return noise


def test_troops_are_sized_to_the_trouble_against_the_hosts_forces():
    compiled, state, kz, russia, csto = _kz_world(3)
    own = compiled.params.domestic_capacity[0, kz]
    state.unrest[:, kz] = [0.25 * own, 0.5 * own, 0.99]  # a quarter, half, beyond its forces
    shocks = StepShocks.quiet(len(compiled.states), len(compiled.powers), requests=[(kz, csto)])
    step(
        state, compiled.params.copy(), shocks, GivenNoise(_request_noise(compiled, 3, 5.0))
    )  # yes; all stay
    on_way = state.pending[:, russia, kz] >= 0
    size = np.where(on_way, state.pending_size[:, russia, kz], state.deployed[:, russia, kz])
    troops = compiled.params.tools[0, russia, 0]
    full = state.capacity[0, russia] * compiled.params.dyn.deployment_share[0] * troops
    assert size[2] == pytest.approx(full)  # as much as the rule sends when it is all needed
    # Below the host's forces, in proportion to the trouble at the decision.
    assert size[1] / size[0] == pytest.approx(2.0)
    assert size[1] == pytest.approx(full * state.unrest[1, kz] / own, rel=0.2)


def _invited(replications: int, *, mission: bool, opinion: float):
    compiled, state, kz, russia, _ = _kz_world(replications)
    state.deployed[:, russia, kz] = 0.3
    state.invited[:, russia, kz] = True
    state.mission[:, russia, kz] = mission
    state.unrest[:, kz] = 0.99 if mission else 0.0  # mission on: order not restored
    state.opinion[:, kz, russia] = opinion
    width = noise_width(len(compiled.states), len(compiled.powers))
    noise = np.random.default_rng(11).standard_normal((replications, width))
    shocks = StepShocks.quiet(len(compiled.states), len(compiled.powers))
    events = step(state, compiled.params.copy(), shocks, GivenNoise(noise))
    return events.withdrawn[:, russia, kz], events.left[:, russia, kz], compiled.params.dyn


def test_invited_troops_go_home_at_the_hazard_once_order_is_restored():
    n = 20_000
    gone, why, dyn = _invited(n, mission=False, opinion=0.0)
    expected = 1.0 - np.exp(-dyn.withdrawal_rate[0])  # a week's hazard of 0.7: 0.50
    assert gone.mean() == pytest.approx(expected, abs=0.015)
    assert (why[gone] == ORDER_RESTORED).all()
    # While order is not restored they stay, unless the host's public turns on them.
    gone, _, _ = _invited(n, mission=True, opinion=0.0)
    assert not gone.any()
    gone, why, dyn = _invited(n, mission=True, opinion=-1.0)
    assert gone.mean() == pytest.approx(1.0 - np.exp(-dyn.withdrawal_hostility[0]), abs=0.015)
    assert (why[gone] == HOST_ASKS).all()


def test_two_squared_normals_make_the_exponential_the_hazards_use():
    draws = np.random.default_rng(3).standard_normal((200_000, 2))
    variates = exponential(draws)[:, 0]
    for x in (0.1, 0.7, 2.0):
        assert (variates < x).mean() == pytest.approx(1.0 - np.exp(-x), abs=0.005)
