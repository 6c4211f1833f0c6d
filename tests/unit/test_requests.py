"""Requests for troops: who asks when, what answers them, and which alliance is asked."""

from __future__ import annotations

import numpy as np

from influence_sim import load_scenario
from influence_sim.drivers.runner import run
from influence_sim.engine.compile import compile_scenario
from influence_sim.engine.ensemble import replicate
from influence_sim.engine.kernel import noise_width, step
from influence_sim.engine.requests import default_alliance
from influence_sim.engine.schedule import StepShocks
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

    result = run(KZ, replications=50, overrides=["powers.russia.security_capacity=0.2"])
    answers = result.tables["events"]
    answers = answers[answers["kind"].isin(["accept", "decline"])]
    assert len(answers) == len(_requests(result))
    (line,) = [x for x in describe(result) if x.startswith("Responses:")]
    accepted = (answers["kind"] == "accept").sum()
    declined = (answers["kind"] == "decline").sum()
    assert 0 < declined < len(answers), "at the capacity limit, some of each"
    assert f"russia accepted {accepted} and declined {declined} of {len(answers)} requests" in line
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
    return step(state, params, shocks, noise), kz


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
    from influence_sim.experiments.chunks import _stack

    params, _ = _stack([(compiled, 1), (compiled, 1)])  # two rows, as a sweep stacks points
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
    best = default_alliance(params)
    assert best.shape == (2, len(compiled.states))
    assert (best[0] == 0).all()
    assert (best[1] == 1).all()
    # In a step, an automatic request in row 1 goes to the alliance China leads.
    state = replicate(compiled.initial, 2)
    kz = compiled.states.index("kazakhstan")
    state.unrest[:, kz] = 0.99
    state.armed[:, kz] = True
    shocks = StepShocks.quiet(len(compiled.states), len(compiled.powers))
    noise = np.zeros((2, noise_width(params.n_states, params.n_powers)))
    events = step(state, params, shocks, noise)
    assert events.requested[0, kz] == russia
    assert events.requested[1, kz] == china
