"""Runs and sweeps that draw their parameters from a posterior: each replication its own
particle, by weight, the same on every route."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from influence_sim import run
from influence_sim.cli.commands import main
from influence_sim.errors import InfluenceSimError
from influence_sim.format.loading import load_scenario
from influence_sim.format.sweepspec import SweepSpec
from influence_sim.results.posterior import Posterior, write_posterior
from influence_sim.results.runs import RunResult
from influence_sim.sweeps.sweep import resume_sweep, run_sweep
from tests.conftest import SCENARIOS

CAPACITY, GDP = "powers.russia.security_capacity", "states.kazakhstan.gdp"


@pytest.fixture
def posterior(tmp_path: Path) -> Posterior:
    """Twelve particles of two parameters, one of which moves the regional weights."""
    rng = np.random.default_rng(3)
    particles = pd.DataFrame(
        {
            CAPACITY: rng.uniform(0.3, 0.9, 12),
            GDP: rng.uniform(50.0, 400.0, 12),
            "weight": rng.uniform(0.0, 1.0, 12),
        }
    )
    particles.loc[4, "weight"] = 0.0  # a particle of weight 0 is never drawn
    prior = {CAPACITY: [0.3, 0.9], GDP: [50.0, 400.0]}  # every posterior says its prior
    info = {"parameters": [CAPACITY, GDP], "prior": prior, "calibration": "hand-made"}
    return write_posterior(tmp_path / "calibration" / "posterior", particles, info)


def test_each_replication_runs_its_own_particle_as_a_run_with_its_overrides(posterior):
    n = 10
    result = run("kazakhstan-2022", replications=n, posterior=posterior.folder.parent)
    draws = result.tables["draws"]
    assert list(draws["replication"]) == list(range(n))
    assert 4 not in set(draws["particle"])
    assert draws["particle"].nunique() > 3, "different replications draw different particles"
    for r in (0, 7):
        alone = run(
            "kazakhstan-2022",
            replications=r + 1,
            overrides=posterior.overrides(draws["particle"][r]),
        )
        assert draws[CAPACITY][r] == posterior.values[draws["particle"][r], 0]
        for name in ("summary", "regional", "alignment", "events"):
            mine = result.tables[name]
            theirs = alone.tables[name]
            pd.testing.assert_frame_equal(
                mine[mine["replication"] == r].reset_index(drop=True),
                theirs[theirs["replication"] == r].reset_index(drop=True),
                obj=f"{name}, replication {r}",
            )


def test_drivers_agree_and_draws_do_not_depend_on_how_many_replications_run(posterior):
    ensemble = run("kazakhstan-2022", replications=6, posterior=posterior, record_every=8)
    mesa = run(
        "kazakhstan-2022", replications=6, posterior=posterior, driver="mesa", record_every=8
    )
    for name, frame in ensemble.tables.items():
        pd.testing.assert_frame_equal(frame, mesa.tables[name], obj=name)
    more = run("kazakhstan-2022", replications=12, posterior=posterior, record_every=8)
    first = more.tables["summary"].iloc[:6].reset_index(drop=True)
    pd.testing.assert_frame_equal(first, ensemble.tables["summary"])
    assert list(more.tables["draws"]["particle"][:6]) == list(ensemble.tables["draws"]["particle"])


def test_draws_follow_the_weights(posterior):
    drawn = posterior.draw(11, ((r,) for r in range(40_000)))
    shares = np.bincount(drawn, minlength=len(posterior.weights)) / len(drawn)
    # 40,000 draws: a share's standard error is at most 0.0025; 4 of them is 0.01
    assert np.abs(shares - posterior.weights).max() < 0.01
    assert shares[4] == 0.0


def test_the_folder_records_the_posterior_and_the_run_says_what_the_bands_hold(
    posterior, tmp_path, capsys
):
    out = tmp_path / "results"
    argv = ["run", "kazakhstan-2022", "--replications", "4", "--out", str(out), "--quiet"]
    assert main([*argv, "--no-plots", "--posterior", str(posterior.folder.parent)]) == 0
    printed = capsys.readouterr().out
    assert "Spread over the 4 replications: noise and parameter uncertainty" in printed
    assert CAPACITY in printed
    assert "hand-made" in printed
    folder = Path(printed.splitlines()[0])
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["posterior"]["sha256"] == posterior.sha256
    assert manifest["posterior"]["parameters"] == [CAPACITY, GDP]
    loaded = RunResult.load(folder)
    assert loaded.posterior == manifest["posterior"]
    assert loaded.tables["draws"].equals(
        run("kazakhstan-2022", replications=4, posterior=posterior).tables["draws"]
    )
    assert main([*argv, "--no-plots"]) == 0
    assert "Spread over the 4 replications: noise only" in capsys.readouterr().out


def test_bad_posteriors_and_clashes_get_clear_errors(posterior, tmp_path, capsys):
    with pytest.raises(InfluenceSimError, match="set by an override and drawn"):
        run("kazakhstan-2022", replications=2, posterior=posterior, overrides={CAPACITY: 0.5})
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["run", "kazakhstan-2022", "--posterior", str(empty), "--quiet"]) == 1
    assert "no posterior" in capsys.readouterr().err
    particles = posterior.folder / "particles.csv"
    particles.write_text(particles.read_text().replace("0.", "0.1", 1))
    with pytest.raises(InfluenceSimError, match="does not match the checksum"):
        Posterior.load(posterior.folder)


def test_a_sweep_run_draws_its_particle_like_a_point_with_its_values(posterior, tmp_path):
    common = {
        "name": "drawn",
        "title": "Drawn",
        "base": "kazakhstan-2022",
        "replications": 1,
        "seed": 7,
        "chunk_size": 3,
        "record": {"metrics": ["final_alignment.kazakhstan.russia", "peak_unrest.kazakhstan"]},
    }
    swept = "powers.china.economic_capacity"
    spec = SweepSpec.model_validate(
        {
            **common,
            "parameters": {swept: [0.3, 0.9]},
            "sampler": {"method": "lhs", "n": 5},
            "posterior": str(posterior.folder.parent),
        }
    )
    base = load_scenario(SCENARIOS / "kazakhstan-2022.yaml")
    drawn = run_sweep((spec, base), out=tmp_path / "a", workers=1)
    particles = drawn.runs["particle"].to_numpy()
    assert drawn.manifest["posterior"]["sha256"] == posterior.sha256
    assert (drawn.folder / "posterior" / "particles.csv").is_file()
    points = [
        {swept: float(value), **posterior.overrides(int(k))}
        for value, k in zip(drawn.points[swept], particles, strict=True)
    ]
    listed = SweepSpec.model_validate(
        {
            **common,
            "parameters": {p: {"values": [0.0]} for p in points[0]},
            "sampler": {"method": "list", "points": points},
        }
    )
    plain = run_sweep((listed, base), out=tmp_path / "b", workers=1)
    columns = ["point", "replication", *common["record"]["metrics"]]  # type: ignore[index]
    pd.testing.assert_frame_equal(drawn.metrics[columns], plain.metrics[columns])
    assert resume_sweep(drawn.folder).metrics.equals(drawn.metrics)
    clash = spec.model_copy(update={"parameters": {CAPACITY: spec.parameters[swept]}})
    with pytest.raises(InfluenceSimError, match="swept or overridden and drawn"):
        run_sweep((clash, base), out=tmp_path / "c", workers=1)


def test_a_bundled_posterior_is_found_by_name(capsys, tmp_path):
    result = run("history-2021-2023", replications=3, posterior="trade-2021-2023")
    assert result.posterior is not None
    assert result.posterior["calibration"] == "trade-2021-2023"
    assert set(result.tables["draws"].columns) == {
        "replication",
        "particle",
        "dynamics.trade_economy_elasticity",
        "dynamics.trade_adjustment",
    }
    with pytest.raises(InfluenceSimError, match="no bundled posterior of that name"):
        Posterior.load("trade-2021-2024")


def test_a_holdout_needs_a_posterior(tmp_path, capsys):
    from influence_sim.format.calibration import load_calibration

    spec = tmp_path / "holdout.yaml"
    spec.write_text(
        "name: h\ntitle: H\ntargets: rouble-2014-2015\n"
        "parameters: {dynamics.migrant_adjustment: {range: [0.0, 0.05]}}\n"
        "replications: 4\nseed: 1\nholdout: [{targets: history-2021-2023}]\n"
    )
    with pytest.raises(InfluenceSimError, match="add an 'abc' section"):
        load_calibration(spec)


def test_check_draws_from_a_posterior_too(capsys, tmp_path):
    from influence_sim.calibration.checks import check

    plain = check("history-2021-2023", replications=20)
    drawn = check("history-2021-2023", replications=20, posterior="trade-2021-2023")
    assert drawn.posterior == "trade-2021-2023"
    assert plain.posterior is None
    trade = drawn.table["target"].str.startswith("trade-")
    assert (drawn.table["model"][trade] != plain.table["model"][trade]).all()
    argv = ["check", "history-2021-2023", "--replications", "20", "--out", str(tmp_path)]
    assert main([*argv, "--posterior", "trade-2021-2023"]) == 0
    printed = capsys.readouterr().out
    assert "(parameters drawn from the posterior of trade-2021-2023)" in printed
    table = pd.read_csv(printed.splitlines()[0])
    assert (table["posterior"] == Posterior.load("trade-2021-2023").sha256).all()
    assert np.allclose(table["model"], drawn.table["model"])
