"""Results folders: whole or absent, provenance-stamped, and read back equal."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from influence_sim.cli.commands import main
from influence_sim.drivers.runner import run
from influence_sim.errors import InfluenceSimError
from influence_sim.results.runs import RunResult


@pytest.fixture(scope="module")
def result():
    return run("kazakhstan-2022", replications=4, seed=9)


def test_save_and_load_give_equal_frames(result, tmp_path):
    from influence_sim.viz import save_standard_plots

    folder = result.save(tmp_path, draw=save_standard_plots)
    assert folder.name.startswith("kazakhstan-2022-")
    loaded = RunResult.load(folder)
    assert loaded.scenario == result.scenario
    assert (loaded.seed, loaded.replications, loaded.driver) == (9, 4, "ensemble")
    for name, frame in result.tables.items():
        pd.testing.assert_frame_equal(loaded.tables[name], frame)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["versions"]["mesa"].startswith("3.")
    assert len(manifest["scenario_sha256"]) == 64
    meta = pq.read_schema(folder / "summary.parquet").metadata
    assert json.loads(meta[b"influence_sim"])["seed"] == 9
    for plot in ("alignment-kazakhstan", "tradeoff-kazakhstan", "regional", "unrest"):
        assert (folder / "plots" / f"{plot}.png").stat().st_size > 10_000
    assert (folder / "summary.csv").is_file()


def test_tables_are_tidy(result):
    alignment = result.tables["alignment"]
    assert list(alignment.columns) == [
        "replication",
        "step",
        "date",
        "state",
        "power",
        "domain",
        "value",
    ]
    sums = (
        alignment[alignment["domain"] == "overall"]
        .groupby(["replication", "step", "state"], observed=True)["value"]
        .sum()
    )
    assert (sums - 1).abs().max() < 1e-12
    assert len(result.tables["summary"]) == 4
    events = result.tables["events"]
    assert {"shock:uprising", "request", "accept", "arrival", "withdrawal"} <= set(events["kind"])


def test_an_interrupted_save_leaves_nothing(result, tmp_path, monkeypatch):
    import influence_sim.viz.files as files

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(files, "save_standard_plots", boom)
    with pytest.raises(KeyboardInterrupt):
        result.save(tmp_path, draw=files.save_standard_plots)
    assert list(tmp_path.iterdir()) == []


def test_results_are_never_overwritten(result, tmp_path):
    result.save(tmp_path, name="x")
    with pytest.raises(InfluenceSimError, match="already exists"):
        result.save(tmp_path, name="x")


def test_loading_something_else_is_a_clear_error(tmp_path):
    with pytest.raises(InfluenceSimError, match="not a results folder"):
        RunResult.load(tmp_path)
    (tmp_path / "manifest.json").write_text('{"status": "running"}')
    with pytest.raises(InfluenceSimError, match="did not complete"):
        RunResult.load(tmp_path)


def test_cli_run_and_compare(tmp_path, capsys):
    code = main(
        ["run", "kazakhstan-2022", "--replications", "3", "--out", str(tmp_path), "--quiet"]
    )
    out = capsys.readouterr().out
    assert code == 0
    folder = tmp_path / out.splitlines()[0].split("/")[-1]
    assert (folder / "manifest.json").is_file()
    assert "Requests: Kazakhstan asked the CSTO on 5 January 2022 in 3 of 3 replications" in out
    assert "Responses: Russia accepted 3 of 3 requests, in 3 of 3 replications" in out
    assert "Alignment of Kazakhstan (median): Russia" in out
    code = main(
        [
            *("compare", "kazakhstan-2022", "no-csto-response", "--replications", "3"),
            *("--out", str(tmp_path), "--quiet"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "no-csto-response minus kazakhstan-2022" in out
    compared = next(tmp_path.glob("compare-*"))
    assert (compared / "plots" / "comparison-kazakhstan-russia.png").is_file()
    diffs = pd.read_parquet(compared / "differences.parquet")
    assert set(diffs["power"]) == {"russia", "china"}


def test_cli_run_refuses_bad_arguments(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "kazakhstan-2022", "--replications", "0"])
    assert exit_info.value.code == 2
    assert "at least 1" in capsys.readouterr().err
    assert main(["run", "kazakhstan-2022", "--set", "powers.russia.credibility=2"]) == 1
    assert "less than or equal to 1" in capsys.readouterr().err


def test_plot_command_draws_the_map_and_a_gif(result, tmp_path, capsys):
    folder = result.save(tmp_path)
    assert main(["plot", str(folder), "--animate", "--every", "40", "--step", "2"]) == 0
    out = capsys.readouterr().out
    assert "map.gif" in out
    gif = folder / "plots" / "map.gif"
    assert gif.read_bytes()[:6] in (b"GIF87a", b"GIF89a")
    assert (folder / "plots" / "map.png").stat().st_size > 20_000
    assert (folder / "plots" / "map-step-2.png").is_file()


def test_the_map_ships_with_the_package():
    from influence_sim.viz.maps import map_outlines

    outlines = map_outlines()
    assert {"KAZ", "KGZ", "TJK", "UZB", "TKM"} <= set(outlines["countries"])
    assert "Natural Earth" in outlines["source"]


def test_every_plot_takes_the_same_keywords(result):
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from influence_sim import viz

    for plot in (viz.plot_alignment, viz.plot_tradeoff, viz.plot_regional, viz.plot_unrest):
        quiet, marked = Figure().add_subplot(), Figure().add_subplot()
        assert plot(result, events=False, ax=quiet) is quiet
        plot(result, ax=marked)
        assert len(marked.lines) > len(quiet.lines), plot.__name__  # the events' lines
    ax = Figure().add_subplot()
    assert viz.plot_comparison(result, result, state="kazakhstan", power="russia", ax=ax) is ax
    assert isinstance(viz.plot_map(result, step=2, ax=Figure().add_subplot()), Axes)
    figure = Figure()
    assert viz.plot_alignment_grid(result, events=False, fig=figure) is figure
    assert len(figure.axes) == len(result.scenario.states)


def test_the_long_summary_is_the_wide_one_and_can_be_queried(result, tmp_path):
    wide, long = result.tables["summary"], result.tables["summary_long"]
    assert list(long.columns) == ["replication", "metric", "state", "power", "alliance", "value"]
    assert len(long) == len(wide) * (len(wide.columns) - 1)
    rows = long.query("metric == 'final_alignment' and state == 'kazakhstan' and power == 'china'")
    assert rows["value"].tolist() == wide["final_alignment.kazakhstan.china"].tolist()
    credibility = long.query("metric == 'final_credibility' and power == 'russia'")
    assert credibility["state"].isna().all()
    assert credibility["value"].tolist() == wide["final_credibility.russia"].tolist()
    member = long.query("metric == 'final_member' and alliance == 'csto'")
    assert set(member["state"]) == {"kazakhstan", "kyrgyzstan", "tajikistan"}
    assert member["power"].isna().all()
    # CSV only for small tables, unless asked; Parquet always
    folder = result.save(tmp_path / "small")
    assert (folder / "summary_long.parquet").is_file()
    assert len(result.tables["alignment"]) > 20_000
    assert not (folder / "alignment.csv").exists()
    assert (folder / "summary.csv").is_file()
    everything = result.save(tmp_path / "all", csv=True)
    assert all((everything / f"{name}.csv").is_file() for name in result.tables)
    assert not list((result.save(tmp_path / "none", csv=False)).glob("*.csv"))


def test_the_run_as_an_xarray_cube_holds_every_table(result):
    pytest.importorskip("xarray")
    cube = result.to_xarray()
    alignment = result.tables["alignment"]
    assert cube["alignment"].dims == ("replication", "step", "state", "power", "domain")
    assert cube["alignment"].size == len(alignment)
    for row in alignment.sample(20, random_state=1).itertuples():
        value = cube["alignment"].sel(
            replication=row.replication, step=row.step, state=row.state, power=row.power,
            domain=row.domain,
        )  # fmt: skip
        assert float(value) == row.value
    states = result.tables["states"]
    assert float(cube["unrest"].sum()) == pytest.approx(states["unrest"].sum())
    assert cube["date"].sel(step=0).values == alignment.loc[alignment["step"] == 0, "date"].iloc[0]
    assert cube.attrs["seed"] == result.seed


def test_run_csv_on_the_command_line_is_save_with_csv(tmp_path, capsys):
    """--csv writes every table as CSV, as save(csv=True) does; without it, the small only."""
    from influence_sim.cli.commands import main

    argv = ["run", "kazakhstan-2022", "--replications", "4", "--seed", "9", "--quiet"]
    assert main([*argv, "--no-plots", "--csv", "--out", str(tmp_path / "cli")]) == 0
    folder = Path(capsys.readouterr().out.splitlines()[0])
    api = run("kazakhstan-2022", replications=4, seed=9).save(tmp_path / "api", csv=True)
    assert sorted(p.name for p in folder.glob("*.csv")) == sorted(p.name for p in api.glob("*.csv"))
    for file in api.glob("*.csv"):
        assert (folder / file.name).read_bytes() == file.read_bytes(), file.name


def test_a_run_with_overrides_says_so_in_its_folder_and_figures(tmp_path, capsys):
    """Issue 30: a run with --set is not named or captioned like the unchanged run."""
    import re

    from influence_sim.viz.files import band_caption

    def run_cli(*extra: str) -> Path:
        args = ["run", "kazakhstan-2022", "--replications", "2", *extra]
        assert main([*args, "--out", str(tmp_path), "--quiet"]) == 0
        return Path(capsys.readouterr().out.splitlines()[0])

    changed = run_cli("--set", "powers.russia.security_capacity=0.15")
    assert re.fullmatch(
        r"kazakhstan-2022-russia\.security_capacity=0\.15-\d{8}-\d{6}-[0-9a-f]{8}", changed.name
    ), changed.name
    caption = band_caption(RunResult.load(changed))
    assert caption.startswith("With powers.russia.security_capacity = 0.15. "), caption
    plain = run_cli()
    assert re.fullmatch(r"kazakhstan-2022-\d{8}-\d{6}-[0-9a-f]{8}", plain.name), plain.name
    assert not band_caption(RunResult.load(plain)).startswith("With")
    # No glob characters in a folder name (a shell would take "[0]" for a pattern).
    from influence_sim.format.explain import overrides_slug
    from influence_sim.format.loading import load_scenario

    slug = overrides_slug(load_scenario("kyrgyzstan-2010", ["shocks[0].threatens=regime"]))
    assert slug == "shocks-0-.threatens=regime", slug
