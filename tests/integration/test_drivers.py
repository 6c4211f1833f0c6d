"""One kernel, two drivers: bit-identical trajectories, reproducible seeds, Mesa's tooling."""

from __future__ import annotations

import inspect
import warnings

import mesa
import numpy as np
import pandas as pd
import pytest

from influence_sim import load_scenario
from influence_sim.drivers.agents import PowerAgent, StateAgent
from influence_sim.drivers.model import InfluenceModel
from influence_sim.drivers.runner import run
from influence_sim.engine.compile import compile_scenario
from influence_sim.engine.ensemble import run_ensemble
from influence_sim.engine.kernel import alignment_of
from tests.conftest import BUNDLED, DATA, ROOT

R = 3


@pytest.mark.parametrize(
    "path",
    [*BUNDLED, DATA / "six-states-three-powers.yaml", DATA / "every-economic-shock.yaml"],
    ids=lambda p: p.stem,
)
def test_mesa_and_ensemble_are_bit_identical(path):
    scenario = load_scenario(path)
    compiled = compile_scenario(scenario)
    ensemble = run_ensemble(compiled, R, scenario.seed)
    for r in range(R):
        model = InfluenceModel(scenario, replication=r)
        while model.running:
            model.step()
        assert model.steps == compiled.timeline.n_steps
        for name, array in ensemble.arrays.items():
            np.testing.assert_array_equal(model.trajectory[name][0], array[r], err_msg=name)
        assert model.trajectory.events == [e for e in ensemble.events if e[0] == r]


def test_a_third_power_and_a_sixth_state_run():
    result = run(DATA / "six-states-three-powers.yaml", replications=4)
    frame = result.tables["alignment"]
    assert set(frame["power"].cat.categories) == {"russia", "china", "turkey", "self"}
    assert frame["state"].nunique() == 6
    events = result.tables["events"]
    assert {"request", "accept", "arrival"} <= set(events["kind"])


def test_an_ensemble_split_into_parts_is_the_same_ensemble():
    compiled = compile_scenario(load_scenario(BUNDLED[0]))
    whole = run_ensemble(compiled, 4, 11)
    parts = [run_ensemble(compiled, 2, 11, first=0), run_ensemble(compiled, 2, 11, first=2)]
    for name, array in whole.arrays.items():
        np.testing.assert_array_equal(np.concatenate([p[name] for p in parts]), array)


def test_same_seed_same_results_and_another_seed_differs():
    a = run("kazakhstan-2022", replications=5, seed=3)
    b = run("kazakhstan-2022", replications=5, seed=3)
    c = run("kazakhstan-2022", replications=5, seed=4)
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name])
    assert not a.tables["alignment"]["value"].equals(c.tables["alignment"]["value"])


def test_run_gives_the_same_tables_with_either_driver():
    a = run("kazakhstan-2022", replications=2, driver="ensemble")
    b = run("kazakhstan-2022", replications=2, driver="mesa")
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name])


def test_agents_read_the_kernel():
    model = InfluenceModel("kazakhstan-2022")
    for _ in range(2):
        model.step()
    russia = next(a for a in model.agents_by_type[PowerAgent] if a.key == "russia")
    assert russia.deployed["kazakhstan"] == model.state.deployed[0, 0, 0] > 0
    model.step()
    kz = next(a for a in model.agents_by_type[StateAgent] if a.key == "kazakhstan")
    assert kz.unrest == model.state.unrest[0, 0]
    assert abs(sum(kz.alignment.values()) - 1) < 1e-12
    assert russia.credibility["kazakhstan"] > russia.credibility["uzbekistan"]
    china = next(a for a in model.agents_by_type[PowerAgent] if a.key == "china")
    assert china.trade["turkmenistan"] == model.state.trade[0, 1, 4]
    assert russia.remittances["tajikistan"] == model.state.remittances[0, 0, 2] > 0.2
    assert china.debt["kyrgyzstan"] == model.state.debt[0, 1, 1] > 0.1
    assert russia.host_economy == model.state.host[0, 0]
    assert china.economic_capacity == 0.9
    assert kz.economic_distress == model.state.distress[0, 0] < 0.01
    frame = model.datacollector.get_agent_vars_dataframe()
    assert len(frame) == 4 * 7  # the start and three steps, five states and two powers
    last = frame.xs(3, level="Step")
    assert last["unrest"].notna().sum() == 5
    assert last["mean_posture"].notna().sum() == 2


KZ = ROOT / "scenarios" / "kazakhstan-2022.yaml"
SEED = load_scenario(KZ).seed

MESA_35 = "rng" in inspect.signature(mesa.batch_run).parameters
"""Mesa 3.5's batch_run takes ``rng`` and passes each value as the model's ``seed``."""


def _batch_run(parameters: dict, **kwargs) -> pd.DataFrame:
    """``mesa.batch_run`` over the model, one process; the rows of the states' agents."""
    results = mesa.batch_run(
        InfluenceModel,
        parameters={"scenario": "kazakhstan-2022", **parameters},
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
        **kwargs,
    )
    frame = pd.DataFrame(results)
    return frame[frame["unrest"].notna()].reset_index(drop=True)


def _check_against_ensemble(rows: pd.DataFrame, seed: int, overrides: list[str]) -> None:
    """Each row's state, at the row's step, is the ensemble's replication ``replication``."""
    scenario = load_scenario(KZ, overrides)
    compiled = compile_scenario(scenario)
    ensemble = run_ensemble(compiled, int(rows["replication"].max()) + 1, seed)
    options = [*compiled.powers, "self"]
    for row in rows.itertuples():
        r, t, s = int(row.replication), int(row.Step), compiled.states.index(row.key)
        assert row.unrest == ensemble["unrest"][r, t, s]
        assert row.security_salience == ensemble["salience"][r, t, s]
        assert row.economic_distress == ensemble["distress"][r, t, s]
        alignment = alignment_of(ensemble["reliance"][r, t], compiled.params.alignment_weight[0])
        for k, option in enumerate(options):
            assert getattr(row, f"alignment_{option}") == alignment[s, k]


def test_batch_run_with_replications_swept_is_the_ensemble_bit_for_bit():
    """``parameters={"replication": range(n)}``: the ensemble's replications 0 to n - 1."""
    frame = _batch_run(
        {"replication": range(3), "powers.russia.security_capacity": [0.1, 0.8]}, max_steps=200
    )
    assert len(frame) == 6 * 5  # six runs, five states each, at the last step
    # Mesa 3.3's batch_run reads entry model.steps - 1 of a collection that starts at step
    # 0 (so it labels the state after 155 steps); Mesa 3.5 reads the last (156.0, a float).
    assert len(set(frame["Step"])) == 1
    assert int(frame["Step"].iloc[0]) in (155, 156)
    assert frame.groupby("powers.russia.security_capacity")["unrest"].nunique().min() > 1
    for capacity, rows in frame.groupby("powers.russia.security_capacity"):
        _check_against_ensemble(rows, SEED, [f"powers.russia.security_capacity={capacity}"])
    kz = frame[frame["key"] == "kazakhstan"].groupby("powers.russia.security_capacity")
    # With a tenth of its capacity Russia cannot answer (below acceptance_capacity).
    assert kz["regional_russia"].mean().loc[0.1] < kz["regional_russia"].mean().loc[0.8]


def test_a_models_replication_comes_from_its_arguments_only():
    """No look at the caller: built where batch_run builds it, it is still replication 0."""
    space = {"__name__": "mesa.batchrunner", "InfluenceModel": InfluenceModel}
    exec(  # a frame like Mesa's, holding iteration 2 in its locals
        "def _model_run_func(run):\n    return InfluenceModel(**run[2])\n", space
    )
    model = space["_model_run_func"]((7, 2, {"scenario": "kazakhstan-2022"}))
    assert (model.seed, model.replication) == (SEED, 0)
    assert InfluenceModel("kazakhstan-2022", seed=4, replication=2).replication == 2


def test_seed_none_without_a_replication_warns_that_it_is_the_same_run():
    """What Mesa 3.5's batch_run passes for each iteration (``iterations=n``, ``rng=[None] * n``).

    Every such model is replication 0 of the scenario's seed: the same run, said so.
    """
    with pytest.warns(UserWarning, match=r"the same run.*parameters=\{'replication': range"):
        model = InfluenceModel("kazakhstan-2022", seed=None)
    assert model.replication == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        InfluenceModel("kazakhstan-2022")  # no seed given: the scenario's, replication 0
        InfluenceModel("kazakhstan-2022", seed=None, replication=1)


@pytest.mark.skipif(not MESA_35, reason="rng= is Mesa 3.5's")
def test_mesa_35_rng_values_are_the_runs_seeds():
    frame = _batch_run({"replication": 1}, rng=[5, 6], max_steps=40)
    assert sorted(set(frame["seed"])) == [5, 6]
    for seed, rows in frame.groupby("seed"):
        _check_against_ensemble(rows, int(seed), [])


@pytest.mark.skipif(not MESA_35, reason="rng= is Mesa 3.5's")
def test_mesa_35_iterations_without_a_replication_warn():
    with pytest.warns(UserWarning, match="the same run"):
        frame = _batch_run({}, rng=[None, None], max_steps=20)
    by_iteration = frame.groupby("iteration")["unrest"].apply(list)
    assert by_iteration.loc[0] == by_iteration.loc[1]


@pytest.mark.skipif(MESA_35, reason="Mesa 3.3's iterations")
def test_mesa_33_iterations_repeat_the_run_a_replication_sweep_does_not():
    """Mesa 3.3 tells a model nothing of its iteration: ``iterations=n`` is one run n times.

    As the docstring of ``InfluenceModel`` says; sweeping ``replication`` is the way.
    """
    repeated = _batch_run({}, iterations=2, max_steps=20)
    by_iteration = repeated.groupby("iteration")["unrest"].apply(list)
    assert by_iteration.loc[0] == by_iteration.loc[1]
    swept = _batch_run({"replication": range(2)}, max_steps=20)
    by_replication = swept.groupby("replication")["unrest"].apply(list)
    assert by_replication.loc[0] != by_replication.loc[1]


def test_model_takes_overrides_by_keyword():
    model = InfluenceModel("kazakhstan-2022", **{"powers.russia.credibility": 0.9})
    assert model.spec.powers["russia"].credibility == 0.9
    assert model.state.credibility[0, 0, 0] == 0.9


def test_a_model_refuses_a_scenario_it_cannot_read():
    from influence_sim.errors import InfluenceSimError

    with pytest.raises(
        InfluenceSimError, match="expected a Scenario, a scenario file or a bundled name"
    ):
        InfluenceModel(scenario=object())


def test_a_threshold_set_mid_run_counts_for_the_summary_on_both_drivers(tmp_path):
    """A threshold set mid-run counts for the ensemble's summary as for Mesa's.

    The ensemble's summary once read the unchanged copy of the parameters.
    """
    path = tmp_path / "threshold.yaml"
    path.write_text(
        "name: set-threshold\ntitle: The threshold lowered mid-run\n"
        f"extends: {ROOT / 'scenarios' / 'kazakhstan-2022.yaml'}\n"
        "shocks:\n  - type: set\n    path: states.kazakhstan.unrest_threshold\n"
        "    value: 0.1\n    at: 2022-01-03\n    label: lowered\n    source: A test.\n"
    )
    ensemble = run(path, replications=3)
    mesa = run(path, replications=3, driver="mesa")
    for name, frame in ensemble.tables.items():
        pd.testing.assert_frame_equal(frame, mesa.tables[name], obj=name)
    as_written = run("kazakhstan-2022", replications=3)
    calm = "steps_to_calm.kazakhstan"
    assert (ensemble.summary[calm] > as_written.summary[calm]).all(), "calm is harder to reach"
