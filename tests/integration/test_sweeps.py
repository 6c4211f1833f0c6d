"""Sweeps: the file, the samplers, identical tables however executed, resuming, failures."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest
import yaml

from influence_sim.analysis.sensitivity import analyze
from influence_sim.cli.commands import main
from influence_sim.errors import InfluenceSimError
from influence_sim.format.schema import schema_text, sweep_schema
from influence_sim.sweeps.sampling import sample
from influence_sim.sweeps.sweep import SweepResult, load_sweep, run_sweep
from tests.conftest import SCENARIOS

SWEEPS = sorted((SCENARIOS / "sweeps").glob("*.yaml"))
KZ = SCENARIOS / "kazakhstan-2022.yaml"


def sweep_file(tmp_path: Path, name: str = "small", **fields) -> Path:
    spec = {
        "name": name,
        "title": "A small sweep",
        "base": str(KZ),
        "parameters": {
            "powers.russia.security_capacity": [0.1, 1.0],
            "states.kazakhstan.opinion.china": {"values": [-0.5, 0.0, 0.3]},
        },
        "sampler": {"method": "grid", "n": 3},
        "replications": 4,
        "seed": 5,
        "chunk_size": 7,
        **fields,
    }
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def frames(result: SweepResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    return result.runs, result.metrics


def test_sweep_schema_is_current_and_bundled_sweeps_match_it():
    assert (SCENARIOS / "sweep-schema.json").read_text() == schema_text(sweep=True)
    for path in SWEEPS:
        jsonschema.validate(yaml.safe_load(path.read_text()), sweep_schema())
        _, base = load_sweep(path)
        assert base.name == "kazakhstan-2022"


@pytest.mark.parametrize(
    ("change", "fragments"),
    [
        (
            {"parameters": {"powers.russia.securty_capacity": [0.1, 1.0]}},
            ("parameters.powers.russia.securty_capacity", "did you mean 'security_capacity'?"),
        ),
        (
            {"parameters": {"powers.russia.credibility": [0.5, 1.5]}},
            (
                "parameters.powers.russia.credibility",
                "1.5 is not a valid value",
                "less than or equal to 1",
            ),
        ),
        ({"sampler": {"method": "sobol", "n": 100}}, ("sampler", "power of 2, found 100")),
        ({"sampler": {"method": "grid"}}, ("needs sampler.n",)),
        ({"parameters": {"powers.russia.credibility": [0.9, 0.2]}}, ("expected low < high",)),
        ({"replications": 0}, ("replications", "greater than or equal to 1")),
        ({"base": "nowhere.yaml"}, ("base", "no such file")),
        ({"samplr": {"method": "grid"}}, ("unknown field 'samplr'", "did you mean 'sampler'?")),
        (
            {"parameters": {"powers.russia.credibility": {"low": 0.1, "high": 0.9}}},
            ("parameters.powers.russia.credibility: a parameter is written [low, high], {range",),
        ),
        (
            {"parameters": {"powers.russia.credibility": [0.5]}},
            ("parameters.powers.russia.credibility.range[1]: too few items: expected at least 2",),
        ),
        (
            {"parameters": {"powers.russia.credibility": {"values": []}}},
            ("parameters.powers.russia.credibility.values: expected at least 1 item, found 0",),
        ),
        (
            {"parameters": {"powers.russia.credibility": {"distribution": "normal", "mean": 1}}},
            ("parameters.powers.russia.credibility: a normal distribution needs sd",),
        ),
    ],
)
def test_bad_sweep_files_get_clear_messages(tmp_path, capsys, change, fragments):
    path = sweep_file(tmp_path, **change)
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert str(path) in err
    for fragment in fragments:
        assert fragment in err, err
    assert "function-after" not in err  # no names of pydantic's internals
    assert not (tmp_path / "out").exists()
    # validate tells a sweep file by its keys and reports the same problems
    assert main(["validate", str(path)]) == 1
    checked = capsys.readouterr().err
    assert all(fragment in checked for fragment in fragments), checked


def test_validate_checks_sweep_files_and_bundled_sweeps(tmp_path, capsys):
    path = sweep_file(tmp_path)
    assert main(["validate", str(path), "security-vs-economy", "kazakhstan-2022"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        f"ok       {path}: a sweep of 2 parameters (grid sampler, 4 replications) over "
        "kazakhstan-2022"
    )
    assert out[1].startswith("ok       security-vs-economy: a sweep of 2 parameters")
    assert out[2].startswith("ok       kazakhstan-2022: January 2022 unrest")
    assert main(["validate", str(path), "--set", "seed=1"]) == 1
    assert "--set applies to scenarios" in capsys.readouterr().err


def test_samplers_are_deterministic_and_sized(tmp_path):
    grid, _ = load_sweep(sweep_file(tmp_path))
    points = sample(grid)
    assert len(points) == 9
    assert sorted(points["powers.russia.security_capacity"].unique()) == [0.1, 0.55, 1.0]
    lhs, _ = load_sweep(
        sweep_file(
            tmp_path,
            "lhs",
            sampler={"method": "lhs", "n": 50},
            parameters={
                "powers.russia.security_capacity": [0.0, 1.0],
                "dynamics.offer_weight": {"distribution": "normal", "mean": 2.0, "sd": 0.2},
            },
        )
    )
    a, b = sample(lhs), sample(lhs)
    pd.testing.assert_frame_equal(a, b)
    strata = np.floor(a["powers.russia.security_capacity"] * 50)
    assert sorted(strata) == list(range(50)), "one point in each stratum"
    two = {"powers.russia.security_capacity": [0.1, 1.0], "dynamics.offer_weight": [1.0, 3.0]}
    for method, n, points in (("sobol", 8, 8 * (2 + 2)), ("morris", 5, 5 * (2 + 1))):
        spec, _ = load_sweep(
            sweep_file(tmp_path, method, sampler={"method": method, "n": n}, parameters=two)
        )
        assert len(sample(spec)) == points, method


@pytest.mark.slow
def test_tables_are_identical_whatever_the_workers_executor_or_chunks(tmp_path):
    path = sweep_file(tmp_path)
    one = run_sweep(path, out=tmp_path / "one", workers=1)
    two = run_sweep(path, out=tmp_path / "two", workers=2)
    dask = run_sweep(path, out=tmp_path / "dask", executor="dask", workers=2)
    spec, base = load_sweep(path)
    bigger = run_sweep((spec.model_copy(update={"chunk_size": 36}), base), out=tmp_path / "big")
    assert len(one.runs) == 36
    assert one.failed == 0
    for other in (two, dask, bigger):
        for mine, theirs in zip(frames(one), frames(other), strict=True):
            pd.testing.assert_frame_equal(mine, theirs)
    # A point of the sweep is the same as run() with the same seed sequence.
    assert one.metrics["final_alignment.kazakhstan.russia"].nunique() == 36


def test_a_sweep_point_is_calibrated_like_a_run_with_the_same_overrides(tmp_path):
    from influence_sim import load_scenario
    from influence_sim.drivers.runner import run

    override = "powers.russia.security_capacity=0.3"
    path = sweep_file(
        tmp_path,
        replications=30,
        parameters={"powers.russia.security_capacity": {"values": [0.3]}},
        sampler={"method": "grid"},
    )
    swept = run_sweep(path, out=tmp_path, workers=1).metrics
    direct = run("kazakhstan-2022", replications=30, overrides=[override]).tables["summary"]
    # Self-calibrated: the overridden world taken as its own starting equilibrium.
    alone = run(load_scenario(KZ, [override]).as_calibrated(), replications=30)
    alone = alone.tables["summary"]
    metric = "final_alignment.kazakhstan.russia"
    # Seed sequences differ (sweep keys are (point, replication)); the medians agree,
    # and are told apart from the self-calibrated world.
    assert swept[metric].median() == pytest.approx(direct[metric].median(), abs=0.015)
    assert abs(alone[metric].median() - direct[metric].median()) > 0.04


def test_failed_runs_are_recorded_and_the_sweep_goes_on(tmp_path, capsys):
    path = sweep_file(
        tmp_path,
        "failing",
        parameters={
            "states.kazakhstan.reliance.security.russia": [0.3, 0.9],
            "states.kazakhstan.reliance.security.china": [0.05, 0.4],
        },
        sampler={"method": "grid", "n": 3},
        replications=2,
    )
    code = main(["sweep", str(path), "--out", str(tmp_path / "out"), "--workers", "1", "--quiet"])
    captured = capsys.readouterr()
    assert code == 1
    assert "18 runs over 9 points; 4 failed" in captured.out
    assert "invalid parameters" in captured.err
    assert "must sum to at most 1" in captured.err
    result = SweepResult.load(next((tmp_path / "out").iterdir()))
    failed = result.runs[result.runs["status"] == "failed"]
    assert len(failed) == 4
    assert (failed["message"].str.contains("sum")).all()
    assert len(result.metrics) == 14


def _wait_for(path: Path, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists():
            return True
        time.sleep(0.05)
    return False


def _sweep_command(path: Path, out: Path) -> list[str]:
    """The sweep command, in a process of its own, one worker, quiet."""
    command = [sys.executable, "-m", "influence_sim", "sweep", str(path), "--out", str(out)]
    return [*command, "--workers", "1", "--quiet"]


def _sweep_folder(out: Path, name: str) -> Path:
    """The folder a sweep started by another process makes in ``out``, once it is there."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        folders = list(out.glob(f"{name}-*")) if out.exists() else []
        if folders:
            return folders[0]
        time.sleep(0.05)
    raise AssertionError(f"no {name} folder in {out} after 120 s")


@pytest.mark.slow
def test_a_killed_sweep_resumes_to_the_same_tables(tmp_path):
    path = sweep_file(
        tmp_path, "long", replications=30, chunk_size=10, sampler={"method": "grid", "n": 4}
    )
    out = tmp_path / "killed"
    process = subprocess.Popen(
        _sweep_command(path, out),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        folder = _sweep_folder(out, "long")
        assert _wait_for(folder / "runs" / "part-00003.parquet", 120)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "running"
    done = len(list((folder / "runs").glob("part-*.parquet")))
    assert 4 <= done < 36, "killed mid-way"
    with pytest.raises(InfluenceSimError, match="not complete"):
        SweepResult.load(folder)
    assert main(["sweep", "--resume", str(folder), "--workers", "1", "--quiet"]) == 0
    resumed = SweepResult.load(folder)
    whole = run_sweep(path, out=tmp_path / "whole", workers=1)
    for mine, theirs in zip(frames(whole), frames(resumed), strict=True):
        pd.testing.assert_frame_equal(mine, theirs)


@pytest.mark.slow
def test_ctrl_c_on_a_sweep_prints_its_folder_and_the_command_that_resumes_it(tmp_path):
    path = sweep_file(
        tmp_path, "long", replications=30, chunk_size=10, sampler={"method": "grid", "n": 4}
    )
    out = tmp_path / "stopped"
    process = subprocess.Popen(
        _sweep_command(path, out), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    folder = _sweep_folder(out, "long")
    assert _wait_for(folder / "runs" / "part-00001.parquet", 120)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert f"sweeping into {folder}" in err  # said when it started
    resume = f"influence-sim sweep --resume {folder} --workers 1"
    assert f"interrupted; the finished work is kept; resume it with: {resume}" in err
    assert "Traceback" not in err
    assert main([*resume.split()[1:], "--quiet"]) == 0
    assert SweepResult.load(folder).n_runs == 12 * 30


def test_a_results_folder_given_as_a_file_points_to_the_call_that_opens_it(tmp_path, capsys):
    from influence_sim import load_scenario, run

    swept = run_sweep(sweep_file(tmp_path), out=tmp_path / "sweeps", workers=1)
    with pytest.raises(InfluenceSimError, match=r"a sweep's results folder: open it with "
                       r"SweepResult\.load\(folder\)"):  # fmt: skip
        load_sweep(swept.folder)
    ran = run("kazakhstan-2022", replications=1).save(tmp_path / "runs")
    with pytest.raises(InfluenceSimError, match=r"a run's results folder: open it with "
                       r"RunResult\.load\(folder\)"):  # fmt: skip
        load_scenario(ran)
    assert main(["validate", str(swept.folder)]) == 1
    assert "SweepResult.load(folder)" in capsys.readouterr().err


def test_analyze_grid_and_sobol(tmp_path, capsys):
    grid = run_sweep(sweep_file(tmp_path), out=tmp_path, workers=1)
    assert main(["analyze", str(grid.folder)]) == 0
    metric = "final_alignment.kazakhstan.russia"  # the default outcome
    assert (grid.folder / "analysis" / metric / "heatmap.png").stat().st_size > 5000
    path = sweep_file(
        tmp_path,
        "sobol",
        replications=2,
        chunk_size=500,
        sampler={"method": "sobol", "n": 64},
        parameters={
            "powers.russia.security_capacity": [0.1, 1.0],
            "states.kazakhstan.opinion.china": [-0.6, 0.4],
            "dynamics.threat_decay": [0.01, 0.03],
        },
    )
    sobol = run_sweep(path, out=tmp_path, workers=1)
    folder, lines = analyze(sobol, metric="final_alignment.kazakhstan.russia")
    table = pd.read_csv(folder / "indices.csv")
    # Issue 30: each index with its interval, and a small sample says so before them.
    assert any("S1 " in line and " ± " in line and "95% bootstrap" in line for line in lines)
    from influence_sim.analysis.sensitivity import sobol_warning

    warned = [line for line in lines if line.startswith("warning: ")]
    expected = sobol_warning(table, len(sobol.points))
    assert warned == ([expected] if expected else []), "the printout says what the table shows"
    clean = pd.DataFrame({"parameter": ["a", "b"], "S1": [0.5, 0.2], "S1_conf": [0.02, 0.02],
                          "ST": [0.6, 0.3], "ST_conf": [0.03, 0.03]})  # fmt: skip
    assert sobol_warning(clean, 10_000) is None
    small = clean.assign(S1=[0.5, -0.3], ST=[0.4, 0.3])
    said = sobol_warning(small, 64) or ""
    assert "negative indices (b)" in said
    assert "S1 above ST (a)" in said
    assert sobol_warning(clean.assign(ST_conf=[0.5, 0.03]), 64), "a wide interval warns"
    assert list(table["parameter"]) == list(sobol.spec.parameters)
    assert (table["ST"] >= table["S1"] - table["S1_conf"] - table["ST_conf"]).all()
    assert table["S1"].sum() < 1.1
    by_name = table.set_index("parameter")
    assert (
        by_name.loc["powers.russia.security_capacity", "ST"]
        > by_name.loc["dynamics.threat_decay", "ST"]
    )
    with pytest.raises(InfluenceSimError, match=r"no metric 'final_alignment\.kazakstan\.russia'"):
        analyze(sobol, metric="final_alignment.kazakstan.russia")


def test_a_small_sobol_sample_is_flagged():
    """Negative indices, S1 above ST or wide intervals: the warning names them."""
    from influence_sim.analysis.sensitivity import sobol_warning

    table = pd.DataFrame(
        {
            "parameter": ["a", "b"],
            "S1": [-0.2, 0.5],
            "S1_conf": [0.05, 0.02],
            "ST": [0.1, 0.3],
            "ST_conf": [0.03, 0.12],
        }
    )
    said = sobol_warning(table, 32)
    assert said is not None
    assert said.startswith("warning: 32 points are too few")
    assert "negative indices (a)" in said
    assert "S1 above ST (b)" in said
    assert "wider than ±0.1" in said
    fine = table.assign(S1=[0.2, 0.25], S1_conf=0.02, ST=[0.3, 0.3], ST_conf=0.03)
    assert sobol_warning(fine, 4096) is None


def test_parts_carry_provenance(tmp_path):
    import pyarrow.parquet as pq

    result = run_sweep(sweep_file(tmp_path), out=tmp_path, workers=1)
    meta = json.loads(
        pq.read_schema(result.folder / "metrics" / "part-00000.parquet").metadata[b"influence_sim"]
    )
    assert meta["spec_sha256"] == result.manifest["spec_sha256"]
    assert meta["versions"]["numpy"] == np.__version__


def test_a_run_that_ends_in_an_invalid_state_is_recorded_as_failed(tmp_path, monkeypatch):
    import influence_sim.sweeps.chunks as chunks

    real = chunks.simulate

    def corrupting(compiled, params, state, sequences, observers=()):
        out = real(compiled, params, state, sequences, observers)
        state.reliance[0, 0, 0, 0] = np.nan  # the first run of every batch breaks
        return out

    monkeypatch.setattr(chunks, "simulate", corrupting)
    path = sweep_file(tmp_path, chunk_size=36)
    spec, base = load_sweep(path)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        result = run_sweep((spec, base), out=tmp_path, executor=pool)
    failed = result.runs[result.runs["status"] == "failed"]
    assert list(failed["message"]) == ["non-finite state"]
    assert len(result.metrics) == 35
    assert result.failed == 1


def test_an_exception_in_the_kernel_fails_that_point_only(tmp_path, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    import influence_sim.sweeps.chunks as chunks

    real = chunks.simulate

    def failing(compiled, params, state, sequences, observers=()):
        # Any batch that holds the point with Russia's capacity at 0.1 raises.
        if np.isclose(state.capacity[:, 0], 0.1).any():
            raise FloatingPointError("boom")
        return real(compiled, params, state, sequences, observers)

    monkeypatch.setattr(chunks, "simulate", failing)
    spec, base = load_sweep(sweep_file(tmp_path, chunk_size=36))
    with ThreadPoolExecutor(1) as pool:
        result = run_sweep((spec, base), out=tmp_path, executor=pool)
    failed = result.runs[result.runs["status"] == "failed"]
    assert set(failed["point"]) == set(
        result.points.loc[result.points["powers.russia.security_capacity"] == 0.1, "point"]
    )
    assert failed["message"].str.startswith("run failed: FloatingPointError: boom").all()
    assert len(result.metrics) == 36 - len(failed)


def test_results_share_their_attribute_names(tmp_path):
    from influence_sim import run

    record = {"metrics": "all", "timeseries_every": 52}
    sweep = run_sweep(sweep_file(tmp_path, record=record), out=tmp_path, workers=1)
    assert set(sweep.tables) == {"runs", "metrics", "timeseries"}
    series = sweep.timeseries  # dates and domain as in a run's alignment table
    assert len(series)
    table = run(KZ, replications=1).tables["alignment"]
    last = int(series["step"].max())
    day = table.loc[table["step"] == last, "date"].iloc[0]
    assert series.loc[series["step"] == last, "date"].eq(day).all()
    assert set(series["domain"]) == {"overall"}
    pd.testing.assert_frame_equal(sweep.tables["metrics"], sweep.metrics)
    assert sweep.scenario.name == "kazakhstan-2022"
    assert sweep.manifest["kind"] == "sweep"
    assert sweep.folder.is_dir()
    result = run(KZ, replications=1)
    assert result.folder is None
    assert result.manifest["seed"] == result.seed
    folder = result.save(tmp_path / "runs")
    assert result.folder == folder
    assert SweepResult.load(sweep.folder).folder == sweep.folder
    from influence_sim import RunResult

    assert RunResult.load(folder).folder == folder


@pytest.mark.parametrize(
    "sampler",
    [
        {"method": "grid", "n": 3},
        {"method": "lhs", "n": 7},
        {"method": "sobol", "n": 8},
        {"method": "morris", "n": 4, "levels": 4},
        {
            "method": "list",
            "points": [
                {"powers.russia.security_capacity": 0.2, "states.kazakhstan.opinion.china": 0.0}
            ],
        },
    ],
)
def test_the_size_check_counts_what_sampling_makes(tmp_path, sampler):
    from influence_sim.sweeps.size import count_points

    parameters = {
        "powers.russia.security_capacity": [0.1, 1.0],
        "states.kazakhstan.opinion.china": [-0.5, 0.3],
    }
    spec, _ = load_sweep(sweep_file(tmp_path, parameters=parameters, sampler=sampler))
    assert count_points(spec) == len(sample(spec))


def test_a_sweep_over_an_overridden_base_keeps_its_calibrated_world(tmp_path):
    from influence_sim import load_scenario

    spec, base = load_sweep(sweep_file(tmp_path))
    departed = load_scenario(KZ, ["states.kazakhstan.security_salience=0.6"])
    result = run_sweep((spec, departed), out=tmp_path, workers=1)
    assert (result.folder / "reference-scenario.yaml").is_file()
    assert result.scenario.is_departure
    assert result.scenario.reference == base


def test_a_sweep_records_targets_as_a_run_measures_them(tmp_path):
    """Each run's target values, stacked with other points in chunks, are those of the same
    point and seed run alone (measured while it runs, :class:`Watch`)."""
    from influence_sim.engine.compile import compile_scenario
    from influence_sim.engine.draws import stream_keys
    from influence_sim.engine.ensemble import replicate, simulate
    from influence_sim.format.loading import load_scenario
    from influence_sim.format.targets import load_targets
    from influence_sim.results.watch import Watch

    path = sweep_file(tmp_path, record={"targets": "kyrgyzstan-2010"}, base="kyrgyzstan-2010")
    # kyrgyzstan-2010's targets compare with a counterfactual: refused, with the line.
    with pytest.raises(InfluenceSimError, match="compare with a counterfactual"):
        load_sweep(path)
    own = tmp_path / "own.yaml"
    own.write_text(
        "name: own\ntitle: Own\nscenario: kazakhstan-2022\ntargets:\n"
        "  - {name: accepted, description: x, source: y, statistic: share,\n"
        "     quantity: {events: {kind: accept, actor: russia}}, expect: {at_least: 0.5}}\n"
        "  - {name: tilt, description: x, source: y, expect: {at_least: 0},\n"
        "     quantity: {series: {table: alignment, state: kazakhstan, power: russia},\n"
        "                over: [1, 4], reduce: max},\n"
        "     minus: {series: {table: alignment, state: kazakhstan, power: russia}, at: 0}}\n"
        "  - {name: calm, description: x, source: y, expect: {at_least: 0},\n"
        "     quantity: {summary: steps_to_calm.kazakhstan}}\n"
    )
    path = sweep_file(tmp_path, name="with-targets", record={"targets": "own.yaml"})
    result = run_sweep(path, out=tmp_path / "out", workers=1)
    metrics = result.metrics.set_index(["point", "replication"])
    spec = load_targets(own)
    point = 4
    values = dict(zip(result.points.columns[1:], result.points.iloc[point, 1:], strict=True))
    scenario = load_scenario(KZ, [f"{k}={v}" for k, v in values.items()])
    compiled = compile_scenario(scenario, load_scenario(KZ))
    state = replicate(compiled.initial, 4)
    quantities = [spec.targets[0].quantity, spec.targets[1].quantity, spec.targets[1].minus]
    watch = Watch(compiled, quantities, 4)
    watch(0, state, None)
    keys = stream_keys(5, [[point, r] for r in range(4)])
    simulate(compiled, compiled.params.copy(), state, keys, [watch])
    accepted, peak, start = watch.values()
    row = metrics.loc[point]
    np.testing.assert_array_equal(row["target.accepted"].to_numpy(), accepted)
    np.testing.assert_allclose(row["target.tilt"].to_numpy(), peak - start, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(
        row["target.calm"].to_numpy(), row["steps_to_calm.kazakhstan"].to_numpy()
    )


def test_levels_cross_with_ranges_paired_by_seed(tmp_path, capsys):
    """A switch's levels (words) cross the design; a pair's runs share their noise."""
    from influence_sim.sweeps.sampling import PAIR

    base = {
        "name": "levels",
        "title": "Levels crossed with a range",
        "base": "kazakhstan-2022",
        "replications": 3,
        "seed": 5,
        "record": {
            "metrics": ["final_alignment.kazakhstan.russia", "final_regional.russia"],
        },
        "analysis": {"metric": "final_alignment.kazakhstan.russia"},
    }
    # An observation-only switch: the runs of a pair must be identical in the dynamics
    spec = {
        **base,
        "parameters": {
            "observation.regional_weights": {"values": ["gdp", "equal"]},
            "powers.russia.security_capacity": [0.2, 1.0],
        },
        "sampler": {"method": "lhs", "n": 4},
    }
    path = tmp_path / "weights.yaml"
    path.write_text(yaml.safe_dump(spec))
    assert main(["sweep", str(path), "--out", str(tmp_path), "--quiet", "--workers", "1"]) == 0
    folder = Path(capsys.readouterr().out.splitlines()[0])
    result = SweepResult.load(folder)
    assert list(result.points[PAIR]) == [0, 1, 2, 3, 0, 1, 2, 3]
    runs = result.metrics.sort_values([PAIR, "replication", "observation.regional_weights"])
    gdp = runs[runs["observation.regional_weights"] == "gdp"].reset_index(drop=True)
    equal = runs[runs["observation.regional_weights"] == "equal"].reset_index(drop=True)
    metric = "final_alignment.kazakhstan.russia"
    assert gdp[metric].tolist() == equal[metric].tolist(), "common random numbers"
    assert gdp["final_regional.russia"].tolist() != equal["final_regional.russia"].tolist()
    assert "stream_keys(seed, (pair, replication))" in result.manifest["seed_derivation"]

    # The acceptance case: does the CSTO answer, crossed with Russia's capacity (a grid)
    spec = {
        **base,
        "parameters": {
            "alliances.csto.responds": {"values": ["auto", "never"]},
            "powers.russia.security_capacity": [0.4, 1.0],
        },
        "sampler": {"method": "grid", "n": 3},
    }
    path = tmp_path / "responds.yaml"
    path.write_text(yaml.safe_dump(spec))
    assert main(["validate", str(path)]) == 0
    assert main(["sweep", str(path), "--out", str(tmp_path), "--quiet", "--workers", "1"]) == 0
    folder = Path(capsys.readouterr().out.splitlines()[-2].strip())
    assert main(["analyze", str(folder)]) == 0
    printed = capsys.readouterr().out
    assert "alliances.csto.responds = never minus auto (paired by seed over 9 runs)" in printed
    levels = pd.read_csv(folder / "analysis" / metric / "levels.csv")
    assert levels.loc[0, "median"] < -0.05, "nobody came: Kazakhstan ends further from Russia"
    assert (folder / "analysis" / metric / "levels.png").is_file()


@pytest.mark.parametrize(
    ("values", "sampler", "message"),
    [
        (["auto", 1.0], {"method": "grid", "n": 2}, "numbers only or levels"),
        (["auto", "auto"], {"method": "grid", "n": 2}, "a value is repeated"),
        (["auto", "never"], {"method": "sobol", "n": 8}, "run a sweep per level"),
    ],
)
def test_bad_levels_get_clear_messages(tmp_path, capsys, values, sampler, message):
    spec = {
        "name": "bad",
        "title": "Bad levels",
        "base": "kazakhstan-2022",
        "parameters": {
            "alliances.csto.responds": {"values": values},
            "powers.russia.security_capacity": [0.2, 1.0],
        },
        "sampler": sampler,
        "replications": 1,
        "seed": 1,
    }
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(spec))
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr()
    assert message in err.out + err.err


def test_scenarios_as_a_factor_crossed_and_paired(tmp_path, capsys):
    """base: [A, B] crosses the scenarios with the design; a pair's runs share noise."""
    from influence_sim.sweeps.sampling import BASE, PAIR
    from influence_sim.sweeps.sweep import resume_sweep

    twin = tmp_path / "twin.yaml"  # the same world under another name
    twin.write_text((SCENARIOS / "kazakhstan-2022.yaml").read_text().replace(
        "name: kazakhstan-2022", "name: twin", 1))  # fmt: skip
    spec = {
        "name": "bases",
        "title": "Scenarios as a factor",
        "base": ["kazakhstan-2022", "twin.yaml", "no-csto-response"],
        "parameters": {"powers.russia.security_capacity": [0.4, 1.0]},
        "sampler": {"method": "lhs", "n": 3},
        "replications": 2,
        "seed": 3,
        "record": {"metrics": ["final_alignment.kazakhstan.russia"]},
        "analysis": {"metric": "final_alignment.kazakhstan.russia"},
    }
    path = tmp_path / "bases.yaml"
    path.write_text(yaml.safe_dump(spec))
    assert main(["sweep", str(path), "--out", str(tmp_path), "--quiet", "--workers", "1"]) == 0
    folder = Path(capsys.readouterr().out.splitlines()[0])
    result = SweepResult.load(folder)
    assert (
        result.points[BASE].tolist()
        == ["kazakhstan-2022"] * 3 + ["twin"] * 3 + ["no-csto-response"] * 3
    )
    assert result.points[PAIR].tolist() == [0, 1, 2] * 3
    runs = result.metrics.sort_values([BASE, PAIR, "replication"])
    metric = "final_alignment.kazakhstan.russia"
    same = runs[runs[BASE] == "kazakhstan-2022"][metric].tolist()
    assert runs[runs[BASE] == "twin"][metric].tolist() == same, "common random numbers"
    assert main(["analyze", str(folder)]) == 0
    printed = capsys.readouterr().out
    assert (
        "base = twin minus kazakhstan-2022 (paired by seed over 6 runs): median +0.0000" in printed
    )
    assert "base = no-csto-response minus kazakhstan-2022" in printed
    levels = pd.read_csv(folder / "analysis" / metric / "levels.csv").set_index("level")
    assert levels.loc["no-csto-response", "median"] < -0.05
    assert resume_sweep(folder).metrics.equals(result.metrics), "the folder resumes"


@pytest.mark.parametrize(
    ("base", "sampler", "message"),
    [
        (["kazakhstan-2022", "kazakhstan-2022"], {"method": "lhs", "n": 2}, "distinct names"),
        (["kazakhstan-2022", "no-csto-response"], {"method": "sobol", "n": 8}, "one base"),
        (["kazakhstan-2022", "kazakstan-2022"], {"method": "lhs", "n": 2}, "not valid"),
    ],
)
def test_bad_base_factors_get_clear_messages(tmp_path, capsys, base, sampler, message):
    spec = {
        "name": "bad",
        "title": "Bad bases",
        "base": base,
        "parameters": {"powers.russia.security_capacity": [0.2, 1.0]},
        "sampler": sampler,
        "replications": 1,
        "seed": 1,
    }
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(spec))
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr()
    assert message in err.out + err.err


def test_a_list_with_levels_pairs_its_points_and_keeps_numbers_numeric():
    from influence_sim.format.sweepspec import SweepSpec
    from influence_sim.sweeps.sampling import PAIR

    path, capacity = "alliances.csto.responds", "powers.russia.security_capacity"
    points = [{path: level, capacity: value} for value in (0.3, 0.7) for level in ("auto", "never")]
    spec = SweepSpec.model_validate(
        {
            "name": "listed",
            "title": "Listed levels",
            "base": "kazakhstan-2022",
            "parameters": {path: {"values": ["auto", "never"]}, capacity: [0.1, 1.0]},
            "sampler": {"method": "list", "points": points},
            "replications": 1,
            "seed": 1,
        }
    )
    frame = sample(spec)
    assert frame[PAIR].tolist() == [0, 0, 1, 1], "the same capacity, another level: a pair"
    assert frame[capacity].dtype == float


def test_a_sweep_folder_of_the_compiled_kernel_still_loads_and_resumes(tmp_path):
    """Folders written while a compiled kernel existed name it in the journal and the
    manifest (``kernel``, ``kernels``); they load, and a resume finishes them."""
    from influence_sim.sweeps.sweep import resume_sweep

    spec, base = load_sweep(sweep_file(tmp_path))  # 9 points x 4 = 36 runs, chunks of 7: 6
    whole = run_sweep((spec, base), out=tmp_path / "whole")
    old = run_sweep((spec, base), out=tmp_path / "old")
    journal = old.folder / "chunks.jsonl"
    entries = [json.loads(line) for line in journal.read_text().splitlines()]
    stamped = [{**e, "kernel": "numba 0.60.0"} for e in entries if e["chunk"] != 5]
    journal.write_text("".join(json.dumps(e, sort_keys=True) + "\n" for e in stamped))
    for kind in ("runs", "metrics"):
        (old.folder / kind / "part-00005.parquet").unlink()
    manifest = json.loads((old.folder / "manifest.json").read_text())
    manifest["status"] = "running"
    manifest.pop("journal")
    manifest["versions"]["kernel"] = "numba 0.60.0"
    manifest["kernels"] = {"numba 0.60.0": 5}
    (old.folder / "manifest.json").write_text(json.dumps(manifest))
    resumed = resume_sweep(old.folder)
    assert resumed.manifest["status"] == "complete"
    pd.testing.assert_frame_equal(resumed.metrics, whole.metrics, check_exact=True)
    loaded = SweepResult.load(old.folder)
    pd.testing.assert_frame_equal(loaded.runs, whole.runs, check_exact=True)
