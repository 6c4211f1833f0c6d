"""What check and calibrate say can be trusted: no silent passes, no crashes (issue 26).

Each test here failed before its fix; the cases are numbered as in the issue.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from influence_sim.calibration.checks import check
from influence_sim.cli.commands import main
from influence_sim.errors import InfluenceSimError, ScenarioError
from influence_sim.format.targets import load_targets
from tests.conftest import SCENARIOS

KZ = SCENARIOS / "kazakhstan-2022.yaml"


def targets_file(tmp_path: Path, *targets: dict, name: str = "t") -> Path:
    path = tmp_path / f"{name}.yaml"
    spec = {
        "name": name,
        "title": "hostile targets",
        "scenario": str(KZ),
        "replications": 2,
        "targets": list(targets),
    }
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def target(quantity: dict, **rest) -> dict:
    return {
        "name": "x",
        "description": "a target",
        "quantity": quantity,
        "source": "a test",
        **({"expect": {"at_most": 0}} | rest),
    }


MISSPELT = [
    (
        {
            "events": {"kind": "decline", "actor": "rusia", "target": "kazakhstan"},
            "measure": "count",
        },
        "unknown power (the actor of 'decline') 'rusia'; did you mean 'russia'?",
    ),
    (
        {"events": {"kind": "acept", "actor": "russia"}},
        "unknown event kind 'acept'; did you mean 'accept'?",
    ),
    (
        {"series": {"table": "states", "state": "kazakstan", "column": "unrest"}, "at": 3},
        "unknown state 'kazakstan'; did you mean 'kazakhstan'?",
    ),
    (
        {"events": {"kind": "request", "actor": "kazakhstan", "target": "cst"}},
        "unknown alliance or power (a request's target) 'cst'; did you mean 'csto'?",
    ),
    (
        {"events": {"kind": "shock:uprising", "target": "kazakstan"}},
        "unknown target of 'shock:uprising' 'kazakstan'; did you mean 'kazakhstan'?",
    ),
]


@pytest.mark.parametrize(("quantity", "message"), MISSPELT, ids=lambda v: str(v)[:40])
def test_1_misspelt_names_in_targets_are_refused_by_check_and_validate(
    quantity, message, tmp_path, capsys
):
    """A misspelt name matched nothing, so 'at most 0' and 'share' targets held."""
    for statistic in ("median", "share"):
        path = targets_file(tmp_path, target(quantity, statistic=statistic))
        with pytest.raises(InfluenceSimError, match="target 'x': ") as caught:
            check(path)
        assert message in str(caught.value)
        assert main(["validate", str(path)]) == 1
        assert message in capsys.readouterr().err


def test_13_a_power_on_the_states_table_is_refused_when_the_file_is_read(tmp_path, capsys):
    quantity = {
        "series": {"table": "states", "state": "kazakhstan", "power": "russia"},
        "at": 3,
    }
    path = targets_file(tmp_path, target(quantity))
    with pytest.raises(ScenarioError, match="the states table has no power"):
        load_targets(path)
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:" in err
    assert "the states table has no power" in err
    assert "Traceback" not in err


def test_20_a_reversed_span_is_an_error_not_a_miss(tmp_path):
    reversed_steps = {"series": {"table": "states", "state": "kazakhstan", "column": "unrest"}}
    path = targets_file(tmp_path, target({**reversed_steps, "over": [10, 2]}))
    with pytest.raises(ScenarioError, match=r"the span over \[10, 2\] ends before it starts"):
        load_targets(path)
    # Dates the other way round, found when the dates are placed on the run's calendar.
    mixed = targets_file(
        tmp_path, target({**reversed_steps, "over": [10, "2022-01-03"]}), name="mixed"
    )
    with pytest.raises(InfluenceSimError, match=r"ends \(step 1\) before it starts \(step 10\)"):
        check(mixed)


def trade_datum(name: str, partner: str, description: str) -> dict:
    """A datum of Kazakhstan's final trade share with ``partner``: 0.2, sd 0.01."""
    return {
        "name": name,
        "description": description,
        "quantity": {"summary": f"final_trade.kazakhstan.{partner}"},
        "observed": {"value": 0.2, "sd": 0.01},
        "source": "a test",
    }


def calibration_file(tmp_path: Path, **fields) -> Path:
    """A small calibration of Kazakhstan 2022's trade with China, against one datum."""
    data = trade_datum("trade", "china", "Kazakhstan's trade share with China at the end")
    targets_file(tmp_path, data, name="data")
    spec = {
        "name": "fit",
        "title": "A fit",
        "targets": "data.yaml",
        "parameters": {"powers.china.economic_capacity": {"range": [0.2, 0.9]}},
        "replications": 2,
        "seed": 1,
        "history_matching": {"waves": 1, "points": 4},
        **fields,
    }
    path = tmp_path / "fit.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def _refused_before_running(path: Path, tmp_path: Path, capsys, message: str) -> None:
    """calibrate refuses with ``message`` and writes nothing; validate says the same."""
    from influence_sim.calibration.fitting import calibrate

    out = tmp_path / "out"
    with pytest.raises(InfluenceSimError) as caught:
        calibrate(path, out=out)
    assert message in str(caught.value)
    assert not out.exists(), "refused before anything was written"
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_2_a_prior_beyond_the_valid_range_is_refused_before_running(tmp_path, capsys):
    """3 of 4 points failed validation and were counted as ruled out by the data."""
    path = calibration_file(
        tmp_path, parameters={"dynamics.migrant_adjustment": {"range": [-1.0, 5.0]}}
    )
    _refused_before_running(
        path, tmp_path, capsys, "the prior range [-1.0, 5.0] reaches -1.0, which is not a valid"
    )


def test_11_a_parameter_path_that_names_nothing_is_refused_before_running(tmp_path, capsys):
    """Every run failed, then KeyError: 'point'; validate had said ok."""
    path = calibration_file(tmp_path, parameters={"dynamics.no_such": {"range": [0, 0.05]}})
    _refused_before_running(path, tmp_path, capsys, "unknown field 'no_such'")


def test_4_a_holdout_that_repeats_the_fitted_data_is_refused(tmp_path, capsys):
    """It was reported as 'out of sample: 1 of 1 held-out figures inside'."""
    path = calibration_file(
        tmp_path,
        abc={"particles": 10, "generations": 1},
        holdout=[{"targets": str(tmp_path / "data.yaml")}],
    )
    _refused_before_running(path, tmp_path, capsys, "predicts data the fit uses (trade)")


def test_6_an_empty_data_list_is_refused(tmp_path, capsys):
    """data: [] ran, every point plausible, fitted to nothing."""
    path = calibration_file(tmp_path, data=[])
    assert main(["validate", str(path)]) == 1
    assert "data: " in capsys.readouterr().err
    from influence_sim.calibration.fitting import calibrate

    with pytest.raises(ScenarioError, match="at least 1 item"):
        calibrate(path, out=tmp_path / "out")


def test_10_a_killed_calibration_does_not_load_as_finished(tmp_path):
    import json

    from influence_sim.calibration import Calibration, calibrate

    done = calibrate(calibration_file(tmp_path), out=tmp_path / "out")
    assert Calibration.load(done.folder).waves.equals(done.waves)
    manifest = done.folder / "manifest.json"
    record = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**record, "status": "running"}))  # as a kill leaves it
    with pytest.raises(InfluenceSimError, match=r"not a finished calibration .* says running"):
        Calibration.load(done.folder)


def test_failed_runs_stop_a_calibration_and_are_never_data(tmp_path, monkeypatch):
    """A wave whose runs fail (here the kernel raises) is not judged: the calibration
    stops, says why and marks its folder failed (cases 2, 11 and 15's rule)."""
    import json

    from influence_sim.calibration.fitting import calibrate
    from influence_sim.sweeps import chunks

    def broken(*args, **kwargs):
        raise FloatingPointError("a broken environment")

    monkeypatch.setattr(chunks, "simulate", broken)
    out = tmp_path / "out"
    with pytest.raises(InfluenceSimError, match=r"wave 1: 8 of 8 runs failed .*are not data"):
        calibrate(calibration_file(tmp_path), out=out, workers=1)
    (folder,) = out.iterdir()
    assert json.loads((folder / "manifest.json").read_text())["status"] == "failed"
    assert not (folder / "waves.csv").exists()
    # clean removes it (case 19: a failed calibration stayed, marked running)
    assert main(["clean", str(out), "--dry-run"]) == 0
    assert folder.is_dir()
    assert main(["clean", str(out)]) == 0
    assert not folder.exists()


def test_17_two_identical_runs_into_one_folder_in_the_same_second_both_land(tmp_path):
    """The second failed with 'cannot write: Directory not empty' and its work was lost."""
    from influence_sim import RunResult, run

    result = run("kazakhstan-2022", replications=1)
    first = result.save(tmp_path)
    second = result.save(tmp_path)  # the same name: the same scenario, seed and second
    assert second == first.with_name(f"{first.name}-2")
    assert RunResult.load(first).tables["summary"].equals(RunResult.load(second).tables["summary"])
    assert result.save(tmp_path).name == f"{first.name}-3"
    with pytest.raises(InfluenceSimError, match="already exists"):
        result.save(tmp_path, name=first.name)  # a name the user chose is never reused


def test_17_a_folder_that_appears_while_a_run_writes_is_not_overwritten(tmp_path):
    from influence_sim.results.runs import whole_folder

    final = tmp_path / "run-20260101-000000-abcdef"
    with whole_folder(final) as dest:
        (dest.temporary / "mine.txt").write_text("mine")
        final.mkdir()  # another process's folder of the same name, finished meanwhile
        (final / "theirs.txt").write_text("theirs")
    assert dest.final == tmp_path / "run-20260101-000000-abcdef-2"
    assert (final / "theirs.txt").read_text() == "theirs"
    assert (dest.final / "mine.txt").read_text() == "mine"


def test_18_integer_parameters_can_be_swept(tmp_path):
    """'16.0 is not a valid value here: expected a valid integer, found 16.0'."""
    from influence_sim.sweeps import run_sweep

    path = tmp_path / "sides.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "sides",
                "title": "lattice sides",
                "base": str(SCENARIOS / "kazakhstan-2022-citizens.yaml"),
                "overrides": ["calendar.horizon=8 weeks"],
                "parameters": {"population.side": {"values": [16, 32]}},
                "sampler": {"method": "grid"},
                "replications": 1,
                "seed": 1,
            }
        )
    )
    result = run_sweep(path, out=tmp_path, workers=1)
    assert result.failed == 0
    assert sorted(result.points["population.side"]) == [16, 32]


def test_9_a_check_goes_only_into_a_run_folder_of_its_own_scenario(tmp_path, capsys):
    """A check of another scenario appeared in a run's report under "Checks", and its
    table had no scenario or seed column."""
    import pandas as pd

    from influence_sim import run

    folder = run("kazakhstan-2022", replications=2).save(tmp_path)
    other = ["check", "no-csto-response", "--replications", "2", "--out", str(folder)]
    assert main(other) == 1
    err = capsys.readouterr().err
    assert "the results of a run of 'kazakhstan-2022', not of 'no-csto-response'" in err
    assert not list(folder.glob("check-*.csv"))
    own = ["check", "kazakhstan-2022", "--replications", "2", "--out", str(folder)]
    assert main(own) in (0, 1)
    (table,) = (pd.read_csv(p) for p in folder.glob("check-*.csv"))
    assert set(table["scenario"]) == {"kazakhstan-2022"}
    assert set(table["seed"]) == {2022}


def test_8_the_command_line_says_in_one_line_that_a_price_shock_changes_nothing(tmp_path, capsys):
    argv = ["run", "kazakhstan-2022-citizens", "--replications", "1", "--no-plots", "--quiet"]
    argv += ["--set", "population.unrest=scripted", "--set", "calendar.horizon=4 weeks"]
    assert main([*argv, "--out", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "influence-sim: warning: scenario 'kazakhstan-2022-citizens': shocks[0]" in err
    assert "with population.unrest: scripted they change nothing" in err
    assert "Warning" not in err  # one line, not Python's warning with its source line


def _posterior_copy(tmp_path: Path) -> Path:
    import shutil

    from influence_sim.results.posterior import Posterior

    folder = tmp_path / "posterior"
    shutil.copytree(Posterior.load("trade-2021-2023").folder, folder)
    return folder


def _rewrite(folder: Path, particles=None, info=None) -> None:
    """Edit a posterior and recompute every checksum, as a determined user could."""
    import json

    from influence_sim.results.posterior import info_checksum
    from influence_sim.results.storage import digest

    if particles is not None:
        particles.to_csv(folder / "particles.csv", index=False)
    record = json.loads((folder / "posterior.json").read_text())
    record.update(info or {})
    record["sha256"] = digest(folder / "particles.csv")["sha256"]
    record["checksum"] = info_checksum(record)
    (folder / "posterior.json").write_text(json.dumps(record))


def test_7_an_edited_posterior_is_refused_even_with_its_checksums_recomputed(tmp_path):
    """A negative weight, a particle outside its prior, a parameter dropped from
    posterior.json or none listed were all accepted (case 7)."""
    import json

    import pandas as pd

    from influence_sim.results.posterior import Posterior

    original = Posterior.load("trade-2021-2023")
    folder = _posterior_copy(tmp_path)
    assert Posterior.load(folder).sha256 == original.sha256
    particles = pd.read_csv(folder / "particles.csv")
    first = original.parameters[0]
    cases = [
        (
            particles.assign(weight=particles["weight"].where(particles.index > 0, -0.5)),
            None,
            "negative weight",
        ),
        (particles.assign(**{first: particles[first] + 100.0}), None, "outside its prior"),
        (None, {"parameters": list(original.parameters[1:])}, "does not list as parameters"),
        (None, {"parameters": []}, "lists no parameter"),
    ]
    for edited, info, message in cases:
        folder = _posterior_copy(tmp_path / message.replace(" ", "-"))
        _rewrite(folder, edited, info)
        with pytest.raises(InfluenceSimError, match=message):
            Posterior.load(folder)
    # posterior.json edited without recomputing: refused by its checksum
    folder = _posterior_copy(tmp_path / "plain-edit")
    record = json.loads((folder / "posterior.json").read_text())
    record["ess"] = 99.0
    (folder / "posterior.json").write_text(json.dumps(record))
    with pytest.raises(InfluenceSimError, match="does not match its checksum"):
        Posterior.load(folder)


@pytest.mark.parametrize(
    ("name", "old", "new"),
    [("calibration.yaml", "cutoff: 3.0", "cutoff: 0.05"), ("targets.yaml", "0.2", "0.3")],
)
def test_3_an_edited_calibration_folder_refuses_resume_and_load(tmp_path, name, old, new):
    """A cutoff or a target's value edited inside the folder re-judged the finished waves
    on --resume and gave another posterior, exit 0."""
    import json

    from influence_sim.calibration import Calibration, calibrate, resume_calibration

    done = calibrate(calibration_file(tmp_path), out=tmp_path / "out")
    manifest = json.loads((done.folder / "manifest.json").read_text())
    assert name in manifest["files"]
    file = done.folder / name
    assert old in file.read_text()
    file.write_text(file.read_text().replace(old, new))
    with pytest.raises(InfluenceSimError, match=f"(?s){name}: .*changed after it started"):
        resume_calibration(done.folder)
    with pytest.raises(InfluenceSimError, match="changed after it started"):
        Calibration.load(done.folder)


def test_19_a_holdout_too_large_for_memory_is_refused_before_the_waves(
    tmp_path, capsys, monkeypatch
):
    """It was refused only after every wave had run, with a hint naming --record-every,
    which calibrate does not have."""
    held = trade_datum("later", "russia", "a later figure")
    targets_file(tmp_path, held, name="later")
    path = calibration_file(
        tmp_path,
        abc={"particles": 10, "generations": 1},
        holdout=[{"targets": str(tmp_path / "later.yaml"), "replications": 100_000}],
    )
    monkeypatch.setenv("INFLUENCE_SIM_MAX_MEMORY", "300MiB")
    _refused_before_running(
        path, tmp_path, capsys, "100,000 replications of kazakhstan-2022 would need about"
    )
    capsys.readouterr()
    assert main(["validate", str(path)]) == 1
    assert "--record-every" not in capsys.readouterr().err


def test_14_a_sweep_whose_chunks_would_not_fit_is_refused_before_it_runs(tmp_path, monkeypatch):
    """A sweep estimated no memory per chunk: one reached 14.1 GiB before it was stopped."""
    from influence_sim.sweeps import run_sweep

    spec = {
        "name": "big",
        "title": "large lattices",
        "base": str(SCENARIOS / "kazakhstan-2022-citizens.yaml"),
        "parameters": {"population.side": {"values": [64, 256]}},
        "sampler": {"method": "grid"},
        "replications": 2000,
        "seed": 1,
        "chunk_size": 2000,
    }
    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump(spec))
    monkeypatch.setenv("INFLUENCE_SIM_MAX_MEMORY", "2GiB")
    with pytest.raises(InfluenceSimError, match=r"a chunk of 2,000 runs would need about") as e:
        run_sweep(path, out=tmp_path / "out", workers=2)
    assert "2 at once (one a worker)" in str(e.value)
    assert "set chunk_size to about" in str(e.value)
    assert not (tmp_path / "out").exists(), "refused before anything was written"


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM from /proc")
@pytest.mark.parametrize(
    ("base", "runs", "every", "overrides"),
    [
        ("kazakhstan-2022.yaml", 2000, None, []),
        ("kazakhstan-2022.yaml", 1000, 2, []),
        (
            "kazakhstan-2022-citizens.yaml",
            40,
            None,
            ["population.side=64", "calendar.horizon=8 weeks"],
        ),
    ],
)
def test_14_the_memory_estimate_of_a_chunk_is_close_to_what_it_uses(base, runs, every, overrides):
    """The peak memory of a one-chunk sweep run in its own process, against the estimate
    (as run's is tested): cautious, not wildly so."""
    import subprocess
    import sys

    from influence_sim.engine.compile import compile_scenario
    from influence_sim.format.loading import load_scenario
    from influence_sim.results.memory import estimate_chunk_bytes

    record = {"timeseries_every": every} if every else {}
    spec = {
        "name": "m", "title": "m", "base": str(SCENARIOS / base), "overrides": overrides,
        "parameters": {"dynamics.unrest_decay": {"values": [0.2]}},
        "sampler": {"method": "grid"}, "replications": runs, "seed": 1, "chunk_size": runs,
        "record": record,
    }  # fmt: skip
    code = f"""
import tempfile, pathlib, yaml
from influence_sim.sweeps import run_sweep

def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024

with tempfile.TemporaryDirectory() as d:
    path = pathlib.Path(d) / "s.yaml"
    path.write_text(yaml.safe_dump({spec!r}))
    before = peak()
    run_sweep(path, out=d, workers=1)
    print(peak() - before)
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    used = int(done.stdout.split()[-1])
    scenario = load_scenario(SCENARIOS / base, overrides)
    estimate = estimate_chunk_bytes(compile_scenario(scenario), runs, every)
    assert used < estimate < 2 * used, (used, estimate)


def test_15_a_failure_outside_the_model_is_not_stored_as_failed_runs(tmp_path, monkeypatch):
    """A broken environment was stored as 20 failed model runs in a sweep marked
    complete, and --resume after the fix re-ran nothing."""
    import json

    from influence_sim.sweeps import chunks, resume_sweep, run_sweep

    path = tmp_path / "s.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "s",
                "title": "s",
                "base": str(KZ),
                "parameters": {"powers.russia.security_capacity": {"values": [0.2, 0.8]}},
                "sampler": {"method": "grid"},
                "replications": 10,
                "seed": 3,
                "chunk_size": 10,
            }
        )
    )
    whole = run_sweep(path, out=tmp_path / "whole", workers=1)
    real = chunks.simulate
    calls = {"n": 0}

    def broken_on_the_second_chunk(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("a broken cache")
        return real(*args, **kwargs)

    monkeypatch.setattr(chunks, "simulate", broken_on_the_second_chunk)
    out = tmp_path / "broken"
    with pytest.raises(InfluenceSimError, match="chunk 1: OSError: a broken cache") as caught:
        run_sweep(path, out=out, workers=1)
    assert "not of the model" in str(caught.value)
    assert "resume with --resume" in str(caught.value)
    (folder,) = out.iterdir()
    assert json.loads((folder / "manifest.json").read_text())["status"] == "running"
    monkeypatch.setattr(chunks, "simulate", real)  # the environment fixed
    resumed = resume_sweep(folder, workers=1)
    assert resumed.failed == 0
    import pandas as pd

    pd.testing.assert_frame_equal(resumed.metrics, whole.metrics, check_exact=True)


def test_19_a_holdout_without_data_is_refused_before_running(tmp_path, capsys):
    pattern = {
        "name": "calm",
        "description": "a pattern, not a datum",
        "quantity": {"summary": "final_trade.kazakhstan.russia"},
        "expect": {"at_least": 0},
        "source": "a test",
    }
    targets_file(tmp_path, pattern, name="patterns")
    path = calibration_file(
        tmp_path,
        abc={"particles": 10, "generations": 1},
        holdout=[{"targets": str(tmp_path / "patterns.yaml")}],
    )
    _refused_before_running(path, tmp_path, capsys, "holdout 1 (")
    assert main(["validate", str(path)]) == 1
    assert "observed" in capsys.readouterr().err


# What an independent review of the fixes above found, each held by a test.


def test_review_a_machine_failure_leaves_a_calibration_resumable_and_clean_keeps_it(
    tmp_path, monkeypatch
):
    import json

    from influence_sim.calibration import calibrate, resume_calibration
    from influence_sim.sweeps import chunks

    real = chunks.simulate

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(chunks, "simulate", full_disk)
    out = tmp_path / "out"
    with pytest.raises(InfluenceSimError, match="not of the model"):
        calibrate(calibration_file(tmp_path), out=out, workers=1)
    (folder,) = out.iterdir()
    assert json.loads((folder / "manifest.json").read_text())["status"] == "running"
    (out / "link").symlink_to(folder)
    assert main(["clean", str(out)]) == 0
    assert folder.is_dir(), "a calibration stopped by the machine is resumable: kept"
    monkeypatch.setattr(chunks, "simulate", real)
    assert resume_calibration(folder, workers=1).waves is not None


def test_review_a_failed_calibration_is_not_resumed_and_its_finished_waves_are_kept(
    tmp_path, monkeypatch
):
    import json

    from influence_sim.calibration import calibrate, fitting, resume_calibration
    from influence_sim.errors import CalibrationFailed

    def collapsed(*args, **kwargs):
        raise CalibrationFailed("ABC generation 1: the weights fell on 1.00 effective particles")

    monkeypatch.setattr(fitting, "_abc", collapsed)
    out = tmp_path / "out"
    with pytest.raises(CalibrationFailed):
        calibrate(calibration_file(tmp_path, abc={"particles": 10, "generations": 1}), out=out)
    (folder,) = out.iterdir()
    assert json.loads((folder / "manifest.json").read_text())["status"] == "failed"
    with pytest.raises(InfluenceSimError, match="resuming it would fail the same way"):
        resume_calibration(folder)
    assert main(["clean", str(out)]) == 0
    assert (folder / "waves.csv").is_file(), "its history matching is a result: kept"


def test_review_a_sweep_smaller_than_a_chunk_is_not_refused_for_a_whole_chunk(monkeypatch):
    from influence_sim.format.loading import load_scenario
    from influence_sim.format.sweepspec import SweepSpec
    from influence_sim.sweeps.size import check_chunk_memory

    base = load_scenario(SCENARIOS / "kazakhstan-2022-citizens.yaml")
    spec = SweepSpec.model_validate(
        {
            "name": "tiny",
            "title": "t",
            "base": "kazakhstan-2022-citizens",
            "parameters": {"dynamics.unrest_decay": {"values": [0.2]}},
            "sampler": {"method": "grid"},
            "replications": 10,
            "seed": 1,
        }
    )
    monkeypatch.setenv("INFLUENCE_SIM_MAX_MEMORY", "4GiB")
    check_chunk_memory(spec, [base], None, 4)  # 10 runs: one chunk of 10, one worker busy
    big = spec.model_copy(update={"replications": 8000})
    with pytest.raises(InfluenceSimError, match=r"a chunk of 2,000 runs .* 4 at once"):
        check_chunk_memory(big, [base], None, 4)


def test_review_citizens_columns_are_known_to_the_target_checks():
    from influence_sim.calibration.checks import check_names
    from influence_sim.format.loading import load_scenario
    from influence_sim.format.targets import TargetFile

    targets = TargetFile.model_validate(
        {
            "name": "t",
            "title": "t",
            "scenario": "kazakhstan-2022-citizens",
            "targets": [
                target({"series": {"table": "states", "state": "kazakhstan", "column": c},
                        "at": 3})
                | {"name": c}
                for c in ("legitimacy", "jailed")
            ],
        }
    )  # fmt: skip
    check_names(targets, load_scenario(SCENARIOS / "kazakhstan-2022-citizens.yaml"))
    with pytest.raises(InfluenceSimError, match="no column 'legitimacy'"):
        check_names(targets, load_scenario(KZ))  # no citizens, no legitimacy


def test_review_priors_valid_alone_but_not_together_are_refused(tmp_path, capsys):
    path = calibration_file(
        tmp_path,
        parameters={
            "states.kazakhstan.reliance.security.russia": {"range": [0.3, 0.9]},
            "states.kazakhstan.reliance.security.china": {"range": [0.0, 0.4]},
        },
    )
    _refused_before_running(path, tmp_path, capsys, "the prior box's corner")


def test_review_a_sweeps_targets_are_checked_with_its_overrides(tmp_path):
    from influence_sim.sweeps import run_sweep

    targets = targets_file(tmp_path, target({"events": {"kind": "shock:uprising"}}))
    path = tmp_path / "s.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "s",
                "title": "s",
                "base": str(KZ),
                "overrides": ["shocks=[]"],
                "parameters": {"dynamics.unrest_decay": {"values": [0.2]}},
                "sampler": {"method": "grid"},
                "replications": 2,
                "seed": 1,
                "record": {"targets": str(targets)},
            }
        )
    )
    with pytest.raises(InfluenceSimError, match="no such shock in the scenario"):
        run_sweep(path, out=tmp_path / "out", workers=1)
    assert not (tmp_path / "out").exists()
    assert main(["validate", str(path)]) == 1  # validate says what the sweep would refuse


def test_review_ctrl_c_during_a_calibration_names_the_calibration_to_resume(tmp_path, monkeypatch):
    from influence_sim.calibration import calibrate, fitting
    from influence_sim.errors import Interrupted

    def stopped(*args, **kwargs):
        raise Interrupted("waves/fit-wave-01-x", "sweep")

    monkeypatch.setattr(fitting, "_waves", stopped)
    with pytest.raises(Interrupted) as caught:
        calibrate(calibration_file(tmp_path), out=tmp_path / "out")
    (folder,) = (tmp_path / "out").iterdir()
    assert (caught.value.folder, caught.value.kind) == (str(folder), "calibrate")


def test_review_one_and_one_point_zero_are_the_same_value(tmp_path):
    from influence_sim.format.sweepspec import ValuesParameter

    with pytest.raises(ValueError, match="a value is repeated"):
        ValuesParameter(values=[1, 1.0])
    assert ValuesParameter(values=[1, 2.5]).values == [1, 2.5]


@pytest.mark.parametrize("prior", [None, [1, 2], {"x": 3}])
def test_review_a_posterior_with_a_malformed_prior_is_refused_not_a_traceback(tmp_path, prior):
    import json

    from influence_sim.results.posterior import Posterior, info_checksum

    folder = _posterior_copy(tmp_path)
    record = json.loads((folder / "posterior.json").read_text())
    if prior is None:
        del record["prior"]
    else:
        record["prior"] = prior
    record["checksum"] = info_checksum(record)
    (folder / "posterior.json").write_text(json.dumps(record))
    with pytest.raises(InfluenceSimError, match="does not give each parameter a"):
        Posterior.load(folder)


def test_review_a_misspelt_counterfactual_override_is_named_as_such(tmp_path, capsys):
    against = {"overrides": ["powers.rusia.credibility=0.5"]}
    path = targets_file(tmp_path, target({"summary": "peak_unrest.kazakhstan"}, against=against))
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert "unknown power 'rusia' in target 'x': against.overrides" in err
    assert "--set" not in err


def test_review_a_batch_out_of_memory_is_run_again_a_run_at_a_time(tmp_path, monkeypatch):
    from influence_sim.sweeps import chunks, run_sweep

    real = chunks.simulate

    def small_only(compiled, params, state, *args, **kwargs):
        if state.n_replications > 1:
            raise MemoryError
        return real(compiled, params, state, *args, **kwargs)

    monkeypatch.setattr(chunks, "simulate", small_only)
    path = tmp_path / "s.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "s",
                "title": "s",
                "base": str(KZ),
                "parameters": {"dynamics.unrest_decay": {"values": [0.2, 0.3, 0.4]}},
                "sampler": {"method": "grid"},
                "replications": 1,
                "seed": 1,
            }
        )
    )  # three points stacked into one batch, which runs out of memory; each alone fits
    assert run_sweep(path, out=tmp_path / "out", workers=1).failed == 0


# A second review of those fixes found these.


def test_review_the_memory_check_tries_population_parameters_one_at_a_time(monkeypatch):
    """Every combination of their ends was compiled: 13,121 scenarios for eight ranges."""
    from influence_sim.format.loading import load_scenario
    from influence_sim.format.sweepspec import SweepSpec
    from influence_sim.sweeps import size

    base = load_scenario(SCENARIOS / "kazakhstan-2022-citizens.yaml")
    ranges = {
        f"population.states.kazakhstan.{field}": {"range": [low, high]}
        for field, low, high in (("police", 0.01, 0.02), ("legitimacy", 0.5, 0.8))
    } | {"population.density": {"range": [0.5, 0.6]}, "population.vision": {"range": [3, 5]}}
    spec = SweepSpec.model_validate(
        {
            "name": "pop",
            "title": "t",
            "base": "kazakhstan-2022-citizens",
            "parameters": ranges,
            "sampler": {"method": "lhs", "n": 4},
            "replications": 1,
            "seed": 1,
        }
    )
    compiled = []
    real = size.estimate_chunk_bytes
    monkeypatch.setattr(
        size, "estimate_chunk_bytes", lambda c, *a: compiled.append(c) or real(c, *a)
    )
    monkeypatch.setenv("INFLUENCE_SIM_MAX_MEMORY", "16GiB")
    size.check_chunk_memory(spec, [base], None, 1)
    assert len(compiled) <= 1 + 2 * len(ranges)  # the base, and each end of each, alone


def test_review_beyond_ten_parameters_a_sample_of_corners_is_tried_and_said(
    tmp_path, capsys, caplog
):
    from influence_sim.calibration.preflight import MAX_CORNERS, probe_corners
    from influence_sim.format.calibration import load_calibration
    from influence_sim.format.loading import load_scenario

    harmless = {
        f"dynamics.{name}": {"range": [0.01, 0.02]}
        for name in (
            "unrest_decay", "memory_decay", "credibility_recovery", "threat_decay",
            "opinion_drift", "posture_response", "host_reversion", "resentment_decay",
            "diversification_decay", "debt_amortization",
        )
    }  # fmt: skip
    pair = {
        "states.kazakhstan.reliance.security.russia": {"range": [0.3, 0.9]},
        "states.kazakhstan.reliance.security.china": {"range": [0.0, 0.4]},
    }
    path = calibration_file(tmp_path, parameters={**harmless, **pair})
    spec, _ = load_calibration(path)
    base = load_scenario(KZ)
    problems = probe_corners(spec, base)
    assert f"{MAX_CORNERS} of them, drawn at random, are tried" in caplog.text
    assert problems, "a quarter of the corners are not valid: a sample finds one"
    assert "the prior box's corner" in problems[0].message


def test_review_clean_ignores_a_folder_whose_manifest_is_a_link(tmp_path):
    import json

    failed = tmp_path / "elsewhere"
    failed.mkdir()
    (failed / "manifest.json").write_text(json.dumps({"kind": "calibration", "status": "failed"}))
    innocent = tmp_path / "results" / "innocent"
    innocent.mkdir(parents=True)
    (innocent / "precious.txt").write_text("keep")
    (innocent / "manifest.json").symlink_to(failed / "manifest.json")
    assert main(["clean", str(tmp_path / "results")]) == 0
    assert (innocent / "precious.txt").is_file()


def test_review_a_huge_whole_number_in_a_sweeps_values_is_no_traceback():
    from influence_sim.format.sweepspec import ValuesParameter

    assert ValuesParameter(values=[10**400, 2]).values == [10**400, 2]
    assert ValuesParameter(values=[2**60, 2**60 + 1]).values == [2**60, 2**60 + 1]
