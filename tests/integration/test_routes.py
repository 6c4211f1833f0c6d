"""Every route to the same run gives the same answer; the API refuses what it cannot take."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
import yaml

from influence_sim import InfluenceModel, RunResult, load_scenario, run
from influence_sim.cli.commands import main
from influence_sim.errors import InfluenceSimError
from influence_sim.format.loading import resolve_scenario
from influence_sim.sweeps.sweep import run_sweep
from tests.conftest import SCENARIOS

KZ = SCENARIOS / "kazakhstan-2022.yaml"
OVERRIDE = ("powers.russia.security_capacity", 0.1)
METRIC = "final_alignment.kazakhstan.russia"
R = 4


@pytest.fixture
def quiet(tmp_path):
    """Kazakhstan 2022 without noise: every route must then give the same numbers,
    seeds and seed derivations (a sweep's differ from a run's) notwithstanding. Nor
    hazards: troops stay until their scripted withdrawal, and nobody leaves the CSTO."""
    path = tmp_path / "quiet.yaml"
    path.write_text(
        f"name: quiet\nextends: {KZ}\n"
        "dynamics: {unrest_noise: 0.0, opinion_noise: 0.0, host_noise: 0.0,\n"
        "  withdrawal_rate: 0.0, withdrawal_hostility: 0.0, exit_rate: 0.0}\n"
        "calendar: {start: 2021-12-27, step: 1 week, horizon: 1 year}\n"
    )
    return path


def _model_final(model):
    while model.running:
        model.step()
    return float(model.summary.frame()[METRIC].iloc[0])


def test_every_route_to_an_override_gives_the_same_result(quiet, tmp_path, capsys):
    path, value = OVERRIDE
    text = f"{path}={value}"
    results = {}
    results["run(overrides=)"] = run(quiet, replications=R, overrides=[text])
    results["load_scenario(overrides=) then run"] = run(
        load_scenario(quiet, [text]), replications=R
    )
    results["resolve_scenario(Scenario) then run"] = run(
        resolve_scenario(load_scenario(quiet), [text]), replications=R
    )
    results["run(overrides=, driver=mesa)"] = run(
        quiet, replications=R, overrides=[text], driver="mesa"
    )
    assert (
        main(
            [
                "run",
                str(quiet),
                "--replications",
                str(R),
                "--set",
                text,
                "--out",
                str(tmp_path / "cli"),
                "--no-plots",
                "--quiet",
            ]
        )
        == 0
    )
    folder = capsys.readouterr().out.splitlines()[0]
    results["CLI --set"] = RunResult.load(folder)
    finals = {k: r.tables["summary"][METRIC].to_numpy() for k, r in results.items()}
    finals["InfluenceModel(**overrides)"] = np.array(
        [_model_final(InfluenceModel(quiet, replication=i, **{path: value})) for i in range(R)]
    )
    finals["InfluenceModel(overrides=)"] = np.array(
        [_model_final(InfluenceModel(quiet, replication=i, overrides=[text])) for i in range(R)]
    )
    with warnings.catch_warnings():  # solara's hook check warns about Mesa's own component
        warnings.filterwarnings("ignore", "Failed to validate hooks", UserWarning)
        from influence_sim.dashboard.app import DashboardModel  # the sliders' route

    finals["dashboard slider"] = np.array([_model_final(DashboardModel(quiet, **{path: value}))])
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(
        yaml.safe_dump(
            {
                "name": "routes",
                "title": "One point",
                "base": str(quiet),
                "parameters": {path: {"values": [value]}},
                "sampler": {"method": "grid"},
                "replications": R,
                "seed": 1,
                "chunk_size": R,
            }
        )
    )
    finals["sweep point"] = (
        run_sweep(sweep, out=tmp_path / "sweeps", workers=1).metrics[METRIC].to_numpy()
    )
    expected = finals["run(overrides=)"][0]
    for route, values in finals.items():
        np.testing.assert_allclose(values, expected, rtol=0, atol=1e-12, err_msg=route)
    # The test can fail: the same override taken as its own calibrated world differs, and
    # so does the world without the override.
    recalibrated = run(load_scenario(quiet, [text]).as_calibrated(), replications=1)
    baseline = run(quiet, replications=1)
    assert abs(recalibrated.tables["summary"][METRIC].iloc[0] - expected) > 0.02
    assert abs(baseline.tables["summary"][METRIC].iloc[0] - expected) > 0.02


def test_an_override_keeps_its_effect_through_load_scenario():
    # The README's own route: the issue measured +0.008 here against +0.158 with --set.
    def effect(make):
        low, high = (make(v).tables["summary"][METRIC].median() for v in (0.1, 1.0))
        return high - low

    by_run = effect(
        lambda v: run(KZ, replications=30, overrides=[f"powers.russia.security_capacity={v}"])
    )
    by_load = effect(
        lambda v: run(load_scenario(KZ, [f"powers.russia.security_capacity={v}"]), replications=30)
    )
    assert by_run > 0.1
    assert by_load == pytest.approx(by_run, abs=1e-12)


def test_a_departure_is_saved_with_its_reference_and_loads_back_the_same(tmp_path):
    result = run(KZ, replications=2, overrides=["powers.russia.security_capacity=0.1"])
    folder = result.save(tmp_path)
    assert (folder / "reference.yaml").is_file()
    loaded = RunResult.load(folder)
    assert loaded.scenario.is_departure
    again = run(loaded.scenario, replications=2, seed=result.seed)
    pd.testing.assert_frame_equal(again.tables["summary"], result.tables["summary"])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: run(KZ, seed=1.5, replications=1), "seed must be a whole number"),
        (lambda: run(KZ, seed=math.nan, replications=1), "seed must be a whole number"),
        (lambda: run(KZ, seed="abc", replications=1), "seed must be a whole number"),
        (lambda: run(KZ, seed=-1, replications=1), "seed must be from 0"),
        (lambda: run(KZ, replications=2.7), "replications must be a whole number"),
        (lambda: run(KZ, replications="3"), "replications must be a whole number"),
        (lambda: run(KZ, replications=True), "replications must be a whole number"),
        (lambda: run(KZ, replications=0), "replications must be from 1"),
        (lambda: run(KZ, replications=1, record_every=0), "record_every must be from 1"),
        (lambda: run(KZ, replications=1, driver="numba"), "driver must be 'ensemble' or 'mesa'"),
        (lambda: run(KZ, replications=1, overrides="a=1"), "not a single text"),
        (lambda: run(KZ, replications=1, overrides=[1]), "each override is a path=value text"),
        (lambda: InfluenceModel(KZ, seed=-1), "seed must be from 0"),
        (lambda: InfluenceModel(KZ, seed=2.0), "seed must be a whole number"),
        (lambda: InfluenceModel(KZ, replication=-1), "replication must be from 0"),
        (lambda: InfluenceModel(KZ, replication="1"), "replication must be a whole number"),
        (lambda: InfluenceModel(KZ, overrides="a=1"), "not a single text"),
        (lambda: load_scenario(KZ, "a=1"), "not a single text"),
        (lambda: resolve_scenario(load_scenario(KZ), "a=1"), "not a single text"),
    ],
)
def test_the_api_refuses_what_it_would_otherwise_truncate_or_coerce(call, message):
    with pytest.raises(InfluenceSimError, match=message):
        call()


def test_the_api_takes_numpy_whole_numbers():
    result = run(KZ, seed=np.int64(3), replications=np.int32(2))
    assert result.seed == 3
    assert type(result.seed) is int
    assert result.replications == 2


def test_a_damaged_results_folder_is_refused_naming_the_file(tmp_path):
    import json

    folder = run(KZ, replications=2).save(tmp_path)
    part = folder / "alignment.parquet"
    data = bytearray(part.read_bytes())
    data[200:264] = bytes(b ^ 0xFF for b in data[200:264])
    part.write_bytes(bytes(data))
    with pytest.raises(InfluenceSimError, match=r"alignment\.parquet: has been altered"):
        RunResult.load(folder)
    (folder / "summary.csv").unlink()
    with pytest.raises(InfluenceSimError, match=r"summary\.csv: is missing"):
        RunResult.load(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["files"]  # as an older version wrote it
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InfluenceSimError, match="records no checksums"):
        RunResult.load(folder)
    (folder / "manifest.json").write_text("{")
    with pytest.raises(InfluenceSimError, match="damaged manifest"):
        RunResult.load(folder)


def test_overrides_that_complete_an_invalid_file_give_its_own_world(tmp_path):
    text = (SCENARIOS / "central-asia-2021.yaml").read_text().replace("seed: 2021\n", "")
    path = tmp_path / "no-seed.yaml"
    path.write_text(text)
    with pytest.raises(InfluenceSimError, match="seed"):
        load_scenario(path)
    scenario = load_scenario(path, ["seed=2021"])  # valid only with the override
    assert not scenario.is_departure


def test_overrides_may_be_a_mapping_on_every_route():
    texts = ["powers.russia.security_capacity=0.1", "alliances.csto.responds=never"]
    mapping = {"powers.russia.security_capacity": 0.1, "alliances.csto.responds": "never"}
    by_text = run(KZ, replications=2, overrides=texts).tables["summary"]
    by_map = run(KZ, replications=2, overrides=mapping).tables["summary"]
    pd.testing.assert_frame_equal(by_text, by_map)
    expected = load_scenario(KZ, texts)
    assert load_scenario(KZ, mapping) == expected

    def values(scenario):  # sources may say more where a default was overridden
        return scenario.model_dump(exclude={"sources"})

    assert values(resolve_scenario(load_scenario(KZ), mapping)) == values(expected)
    assert values(InfluenceModel(KZ, overrides=mapping).spec) == values(expected)
    with pytest.raises(InfluenceSimError, match="cannot write"):
        run(KZ, replications=1, overrides={"powers.russia.security_capacity": object()})


@pytest.mark.parametrize(
    "text",
    [
        "powers.russia.security_capacity=0.1",  # written in the file
        "dynamics.opinion_drift=0.5",  # left at its default in the file
    ],
)
def test_an_override_is_the_same_scenario_from_a_file_and_from_a_scenario(text):
    """Same values, same sources, same provenance hash: a written value or a default."""
    from influence_sim.results.runs import scenario_hash

    from_file = load_scenario(KZ, [text])
    from_scenario = resolve_scenario(load_scenario(KZ), [text])
    key = text.partition("=")[0]
    assert from_file.sources[key] == from_scenario.sources[key]
    assert from_file.sources[key] == f"Override on the command line: {text}"
    assert scenario_hash(from_file) == scenario_hash(from_scenario)
    assert scenario_hash(from_file) != scenario_hash(load_scenario(KZ))
