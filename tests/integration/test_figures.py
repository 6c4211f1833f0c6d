"""Figure rules: every shock marked and named, bands explained, formats, tidy sweep axes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from influence_sim import run, viz
from influence_sim.cli.commands import main
from influence_sim.format.loading import load_scenario
from influence_sim.format.sweepspec import SweepSpec
from influence_sim.sweeps.sweep import run_sweep
from influence_sim.viz.plotting import SHOCK_KEY_GID, scheduled_shocks
from tests.conftest import SCENARIOS

USER_SHOCK = """\
name: with-a-user-shock
title: Kazakhstan 2022 and a shock of the user's own
extends: {base}
shocks:
  - type: host_economy
    power: russia
    level: 0.8
    at: 2022-02-24
    label: Russia invades Ukraine
    source: A test.
"""


def _texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


@pytest.fixture(scope="module")
def user_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("user")
    path = folder / "user.yaml"
    path.write_text(USER_SHOCK.format(base=SCENARIOS / "kazakhstan-2022.yaml"))
    return run(path, replications=3)


def test_every_scheduled_shock_is_numbered_and_named(user_run):
    ax = Figure(layout="constrained").add_subplot()
    viz.plot_alignment(user_run, "kazakhstan", ax=ax)
    shocks = scheduled_shocks(user_run)
    labels = {s.label for s in user_run.scenario.shocks}
    assert "Russia invades Ukraine" in labels
    assert set(shocks["detail"]) == labels, "one mark per shock the scenario schedules"
    key = [t for t in ax.texts if t.get_gid() == SHOCK_KEY_GID]
    assert len(key) == 1
    for label in labels:
        assert label in key[0].get_text()
    numbers = [t for t in _texts(ax) if t.isdigit()]
    assert sorted(map(int, numbers)) == list(range(1, len(shocks) + 1))


def test_events_carry_their_own_dates_not_their_weeks():
    """Issue 30: the kazakhstan-2022 request is labelled 5 Jan 2022 (the week's first day
    is 3 January), the riots 2 Jan 2022 (their week began on 27 December), and each mark
    stands on its own day."""
    from matplotlib.dates import date2num

    result = run("kazakhstan-2022", replications=2)
    ax = Figure(layout="constrained").add_subplot()
    viz.plot_alignment(result, "kazakhstan", ax=ax)
    key = next(t for t in ax.texts if t.get_gid() == SHOCK_KEY_GID).get_text()
    assert "5 Jan 2022: Tokayev asks the CSTO for troops" in key, key
    assert "2 Jan 2022: Fuel-price protests turn into riots" in key, key
    assert "19 Jan 2022: The CSTO force completes its withdrawal" in key, key
    assert "3 Jan 2022" not in key, "no shock on its week's first day"
    assert "27 Dec" not in key
    lines = {line.get_label(): line.get_xdata()[0] for line in ax.lines}
    request = date2num(pd.Timestamp("2022-01-05"))
    assert date2num(pd.Timestamp(lines["request"])) == request, "on its day, not its week's"
    assert date2num(pd.Timestamp(lines["troops arrive"])) == request, "within hours"
    assert date2num(pd.Timestamp(lines["troops leave"])) == date2num(pd.Timestamp("2022-01-19"))
    numbered = [float(line.get_xdata()[0]) for line in ax.lines if line.get_linestyle() == ":"]
    assert request in numbered


def test_shocks_elsewhere_are_marked_too_and_close_numbers_stack():
    result = run("history-2021-2023", replications=2)
    ax = Figure(layout="constrained").add_subplot()
    viz.plot_alignment(result, "kazakhstan", ax=ax)
    key = next(t for t in ax.texts if t.get_gid() == SHOCK_KEY_GID).get_text()
    assert "The Taliban take Kabul" in key, "a threat to Tajikistan is on Kazakhstan's plot"
    assert key.count("The Taliban take Kabul") == 1, "one shock, one number"
    tags = [t for t in ax.texts if t.get_text().isdigit()]
    heights = [t.get_position()[1] for t in tags]
    assert len(set(heights)) > 1, "numbers of shocks days apart are stacked, not overlaid"


def test_a_request_is_drawn_over_an_arrival_on_the_same_day(user_run):
    ax = Figure(layout="constrained").add_subplot()
    viz.plot_alignment(user_run, "kazakhstan", ax=ax)
    lines = {line.get_label(): line for line in ax.lines}
    request, arrival = lines["request"], lines["troops arrive"]
    assert request.get_xdata()[0] == arrival.get_xdata()[0]
    assert request.get_zorder() > arrival.get_zorder()
    assert arrival.get_linewidth() > 2 * request.get_linewidth()


def test_figures_say_what_their_bands_hold(tmp_path, user_run):
    written = viz.save_standard_plots(user_run, tmp_path)
    assert {p.suffix for p in written} == {".png"}
    caption = viz.files.band_caption(user_run)
    assert "over 3 replications" in caption
    assert "noise only" in caption


def test_a_helper_process_draws_the_same_files(tmp_path, user_run):
    serial = viz.save_standard_plots(user_run, tmp_path / "serial")
    helper = viz.files.figure_helper()
    if helper is None:
        pytest.skip("one core: no helper process")
    with helper:
        parallel = viz.save_standard_plots(user_run, tmp_path / "parallel", helper=helper)
    assert [p.name for p in serial] == [p.name for p in parallel]
    for one, other in zip(serial, parallel, strict=True):
        assert one.read_bytes() == other.read_bytes(), one.name


def test_format_and_dpi_reach_every_figure(tmp_path, capsys):
    out = tmp_path / "runs"
    argv = ["run", "kazakhstan-2022", "--replications", "2", "--out", str(out), "--quiet"]
    assert main([*argv, "--format", "svg"]) == 0
    folder = Path(capsys.readouterr().out.splitlines()[0])
    figures = sorted((folder / "plots").iterdir())
    assert figures
    assert {p.suffix for p in figures} == {".svg"}
    assert all("<svg" in p.read_text()[:2000] for p in figures)
    assert main(["plot", str(folder), "--format", "pdf"]) == 0
    assert (folder / "plots" / "map.pdf").read_bytes()[:5] == b"%PDF-"
    assert main(["plot", str(folder), "--dpi", "40"]) == 0
    small = (folder / "plots" / "map.png").stat().st_size
    assert main(["plot", str(folder), "--dpi", "220"]) == 0
    assert (folder / "plots" / "map.png").stat().st_size > 2 * small
    with pytest.raises(SystemExit):
        main([*argv, "--dpi", "5"])
    assert "dots per inch from 20 to 1200" in capsys.readouterr().err


@pytest.fixture(scope="module")
def grid_sweep(tmp_path_factory):
    folder = tmp_path_factory.mktemp("grid")
    spec = SweepSpec.model_validate(
        {
            "name": "grid",
            "title": "A grid with floating-point levels",
            "base": "kazakhstan-2022",
            "parameters": {
                "powers.russia.security_capacity": [0.1, 1.0],
                "powers.china.economic_capacity": [0.1, 1.0],
            },
            "sampler": {"method": "grid", "n": 10},
            "replications": 1,
            "seed": 3,
            "record": {
                "metrics": [
                    "final_alignment.kazakhstan.russia",
                    "final_alignment.kazakhstan.china",
                ]
            },
        }
    )
    base = load_scenario(SCENARIOS / "kazakhstan-2022.yaml")
    return run_sweep((spec, base), out=folder, workers=1)


def test_heatmap_levels_are_tidy_and_the_colours_say_their_range(grid_sweep):
    levels = grid_sweep.points["powers.russia.security_capacity"].unique()
    assert any(len(repr(float(v))) > 6 for v in levels), "the grid has float residue to tidy"
    ax = Figure(layout="constrained").add_subplot()
    viz.plot_heatmap(grid_sweep, "final_alignment.kazakhstan.russia", ax=ax)
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks == ["0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1"]
    assert ax.get_ylabel().startswith("Russia's security capacity")
    assert "Kazakhstan's overall alignment with Russia at the end (share, 0-1)" in ax.get_title()
    assert ax.images[0].get_cmap().name == "viridis", "a share is not a diverging outcome"
    colourbar = ax.figure.axes[-1].get_ylabel()
    assert "from 0." in colourbar
    table = viz.sweeps.heatmap_table(grid_sweep, "final_alignment.kazakhstan.russia")
    written = table.to_csv()
    assert "0.30000000000000004" not in written
    assert "0.3," in written


def test_a_difference_gets_a_diverging_map_centred_on_zero(grid_sweep):
    metrics = grid_sweep.metrics
    metrics["difference"] = (
        metrics["final_alignment.kazakhstan.china"] - metrics["final_alignment.kazakhstan.russia"]
    )
    assert metrics["difference"].min() < 0 < metrics["difference"].max()
    ax = Figure(layout="constrained").add_subplot()
    viz.plot_heatmap(grid_sweep, "difference", ax=ax)
    image = ax.images[0]
    assert image.get_cmap().name == "RdBu_r"
    assert image.norm(0.0) == pytest.approx(0.5)


def test_analyze_takes_several_folders(grid_sweep, tmp_path, capsys):
    second = run_sweep(
        (grid_sweep.spec, load_scenario(SCENARIOS / "kazakhstan-2022.yaml")),
        out=tmp_path,  # its own folder: two sweeps of one spec in one second share a name
        workers=1,
    )
    assert main(["analyze", str(second.folder), str(grid_sweep.folder), "--format", "svg"]) == 0
    printed = capsys.readouterr().out
    assert "2 sweep folders given" in printed
    for folder in (grid_sweep.folder, second.folder):
        analysis = folder / "analysis" / "final_alignment.kazakhstan.russia"
        assert (analysis / "heatmap.svg").is_file()
        against = pd.read_csv(analysis / "heatmap.csv", index_col=0)
        assert against.shape == (10, 10)


def test_the_map_pales_with_self_reliance_and_frames_the_states(user_run):
    from matplotlib.colors import to_rgb

    from influence_sim.viz.maps import SELF_GREY, alignment_at, map_outlines
    from influence_sim.viz.plotting import colour_of

    ax = Figure(layout="constrained").add_subplot()
    viz.plot_map(user_run, ax=ax)
    values = alignment_at(user_run)
    grey = np.array(SELF_GREY)
    white = np.ones(3)  # the hue of an even lean
    for key, state in user_run.scenario.states.items():
        rings = map_outlines()["countries"][state.iso_a3]["rings"]
        first = [tuple(map(float, p)) for p in rings[0][:3]]
        patch = next(p for p in ax.patches if [tuple(v) for v in p.get_xy()[:3].tolist()] == first)
        fill = np.array(to_rgb(patch.get_facecolor()))
        own = float(values.loc[key, "self"])
        a, b = float(values.loc[key, "russia"]), float(values.loc[key, "china"])
        lean = (b - a) / (a + b)
        ends = [np.array(to_rgb(colour_of(user_run, p))) for p in ("russia", "china")]
        hue = white + abs(lean) * ((ends[1] if lean > 0 else ends[0]) - white)
        # the hue of the lean, paled towards grey by the share kept for itself
        assert np.allclose(fill, (1 - own) * hue + own * grey, atol=0.01), key
    label = ax.figure.axes[-1].get_ylabel()
    assert "lean" in label
    assert "self" in label
    xs = [x for s in user_run.scenario.states.values()
          for r in map_outlines()["countries"][s.iso_a3]["rings"] for x, _ in r]  # fmt: skip
    low, high = ax.get_xlim()
    assert low <= min(xs)
    assert max(xs) <= high
    # The frame is the states' box with a margin, within the outlines' (cut) frame
    from influence_sim.viz.maps import MARGIN, _frame

    shipped = [45.0, 35.0, 90.0, 56.0]
    assert _frame(shipped, [(70.0, 39.0, 80.0, 43.0)]) == (
        70 - MARGIN, 39 - MARGIN, 80 + MARGIN, 43 + MARGIN
    )  # fmt: skip
    assert _frame(shipped, [(44.0, 38.0, 50.0, 42.0)])[0] == 45.0


def test_unrest_has_a_panel_per_state_on_one_scale(user_run):
    figure = viz.plot_unrest_grid(user_run)
    panels = [ax for ax in figure.axes if ax.get_title().endswith(": unrest")]
    assert len(panels) == len(user_run.scenario.states)
    assert len({ax.get_ylim() for ax in panels}) == 1


def test_each_power_keeps_its_colour_and_the_palette_is_colour_blind_safe(user_run):
    from influence_sim.viz.plotting import COLOURS, colour_of

    okabe_ito = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00",
                 "#CC79A7", "#000000"}  # fmt: skip
    assert set(COLOURS) <= okabe_ito
    russia = colour_of(user_run, "russia")
    for plot in (viz.plot_alignment, viz.plot_tradeoff, viz.plot_economy):
        ax = Figure().add_subplot()
        plot(user_run, "kazakhstan", ax=ax)
        drawn = {line.get_color() for line in ax.lines if "Russia" in line.get_label()}
        assert drawn == {russia}, plot.__name__


def test_many_states_fall_back_to_aggregate_figures(tmp_path, caplog):
    import copy

    from influence_sim.format.loading import validate_data

    data = load_scenario(SCENARIOS / "kazakhstan-2022.yaml").to_data()
    for i in range(10):
        state = copy.deepcopy(data["states"]["uzbekistan"])
        state.update(title=f"Copy {i}", iso_a3=None)
        data["states"][f"copy{i}"] = state
    result = run(validate_data(data, {}, "many"), replications=2)
    written = viz.save_standard_plots(result, tmp_path)
    names = {p.stem for p in written}
    assert "regional" in names
    assert not {"map", "alignment-all", "unrest"} & names
    assert "15 states: more than 12" in caplog.text


def test_figures_are_drawn_here_when_the_helper_dies(tmp_path):
    from influence_sim.viz import files

    helper = files.figure_helper()
    if helper is None:
        pytest.skip("one core: no helper process")
    result = run("kazakhstan-2022", replications=2)
    for process in list(helper._processes.values()):  # type: ignore[attr-defined]
        process.kill()
        process.join()
    with helper:
        written = files.save_standard_plots(result, tmp_path, helper=helper)
    assert len(written) == 8  # with the crisis's weeks
    assert {p.name for p in written} == {p.name for p in tmp_path.iterdir()}
    assert all(p.stat().st_size > 10_000 for p in written)


def test_the_map_has_neutral_water_and_a_readable_scale(user_run):
    """Issue 30: the Caspian was a light blue near the scale's 'leans to China' end."""
    ax = Figure(layout="constrained").add_subplot()
    viz.plot_map(user_run, ax=ax)
    red, green, blue, _ = ax.get_facecolor()
    assert red == green == blue, "water in a grey, no colour of the scale"
    bar = next(a for a in ax.figure.axes if a is not ax)
    label = bar.get_ylabel() or bar.get_xlabel()
    assert "lean of overall alignment" in label
    assert bar.yaxis.label.get_fontsize() >= 10
    assert "the week of" in ax.get_title()


def test_a_window_changes_the_axes_and_a_crisis_gets_its_own_figure(tmp_path, capsys):
    """Issue 30: --window on the command line, window= in the API; a scenario with a
    crisis draws its weeks beside the long view. A malformed window is refused."""
    from matplotlib.dates import date2num

    from influence_sim.viz.files import crisis_window

    result = run("kazakhstan-2022", replications=2)
    ax = Figure(layout="constrained").add_subplot()
    viz.plot_alignment(result, "kazakhstan", ax=ax, window=("2021-12-15", "2022-03-31"))
    assert ax.get_xlim() == (date2num(pd.Timestamp("2021-12-15")),
                             date2num(pd.Timestamp("2022-03-31")))  # fmt: skip
    whole = Figure(layout="constrained").add_subplot()
    viz.plot_alignment(result, "kazakhstan", ax=whole)
    assert whole.get_xlim()[1] - whole.get_xlim()[0] > 900  # three years
    start, end = crisis_window(result)
    assert (str(start), str(end)) == ("2021-12-27", "2022-04-03")  # 2 Jan less a week, +13
    args = ["run", "kazakhstan-2022", "--replications", "2", "--out", str(tmp_path), "--quiet"]
    assert main([*args, "--window", "2021-12-15:2022-03-31"]) == 0
    plots = Path(capsys.readouterr().out.splitlines()[0]) / "plots"
    assert (plots / "alignment-kazakhstan-crisis.png").is_file()
    # The command line's --window and the API's window= draw the same figure.
    from influence_sim.viz.files import save_standard_plots

    api = save_standard_plots(result, tmp_path / "api", window=("2021-12-15", "2022-03-31"))
    drawn = next(p for p in api if p.name == "alignment-kazakhstan.png")
    assert drawn.read_bytes() == (plots / "alignment-kazakhstan.png").read_bytes()
    with pytest.raises(SystemExit):
        main([*args, "--window", "2022-03-31"])
    assert "expected FIRST:LAST, two dates" in capsys.readouterr().err
    assert crisis_window(run("central-asia-2021", replications=2)) is None


def test_the_readme_figure_shows_the_crisis_and_one_key_that_overlaps_nothing():
    """Issue 30: the README's figure had the crisis as a sliver and two keys overlapping.

    Now each row puts the crisis weeks beside the first 18 months, one key of the shocks
    sits under the figure, and no legend, key or title overlaps another.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import date2num

    from influence_sim.viz.files import crisis_window, plot_crisis_and_after

    result = run("kazakhstan-2022", replications=2)
    figure = plot_crisis_and_after(result, "kazakhstan")
    FigureCanvasAgg(figure).draw()
    renderer = figure.canvas.get_renderer()
    near, far = figure.axes[0], figure.axes[1]
    first, last = crisis_window(result)
    assert near.get_xlim() == (date2num(pd.Timestamp(first)), date2num(pd.Timestamp(last)))
    assert far.get_xlim()[1] - far.get_xlim()[0] == pytest.approx(546, abs=2)  # 18 months
    assert not any(t.get_gid() == SHOCK_KEY_GID for ax in figure.axes for t in ax.texts)
    key = [t for t in figure.texts if "Tokayev asks the CSTO for troops" in t.get_text()]
    assert len(key) == 1, "one key of the shocks, under the figure"
    assert "5 Jan 2022" in key[0].get_text()
    boxes = [key[0].get_window_extent(renderer)]
    boxes += [legend.get_window_extent(renderer) for legend in figure.legends]
    boxes += [ax.title.get_window_extent(renderer) for ax in figure.axes]
    boxes += [ax.get_window_extent(renderer) for ax in figure.axes]
    assert len(figure.legends) == 2
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)
    labels = [t.get_text() for legend in figure.legends for t in legend.get_texts()]
    assert len(labels) == len(set(labels)), "each entry once"


def test_a_window_numbers_and_keys_only_its_own_shocks(tmp_path):
    """Review of issue 30: numbers of shocks outside a window were drawn far off the axes
    (and broke the layout); the grids took the window only after marking the shocks."""
    from influence_sim.viz.files import crisis_window, save_standard_plots

    result = run("history-2021-2023", replications=2)
    window = crisis_window(result)
    shocks = scheduled_shocks(result)
    assert len(shocks) > 4
    ax = Figure(layout="constrained").add_subplot()
    viz.plot_alignment(result, "tajikistan", ax=ax, window=window)
    numbers = [t for t in ax.texts if t.get_text().isdigit()]
    low, high = ax.get_xlim()
    assert numbers, "the crisis has its shocks"
    assert all(low <= t.get_position()[0] <= high for t in numbers), "all inside the axes"
    inside = shocks[(pd.to_datetime(shocks["date"]) >= pd.Timestamp(window[0]))
                    & (pd.to_datetime(shocks["date"]) <= pd.Timestamp(window[1]))]  # fmt: skip
    assert sorted(int(t.get_text()) for t in numbers) == list(inside["number"])
    key = next(t for t in ax.texts if t.get_gid() == SHOCK_KEY_GID).get_text()
    import re

    shown = [int(n) for n in re.findall(r"\((\d+)\) \d", key)]
    assert shown == list(inside["number"]), "the key names the shocks shown, by their numbers"
    # The saved grid with a window is the API's grid drawn with it, byte for byte.
    saved = save_standard_plots(result, tmp_path, window=window)
    grid = viz.plot_alignment_grid(result, caption=viz_caption(result), window=window)
    grid.savefig(tmp_path / "api.png", dpi=110)
    drawn = next(p for p in saved if p.name == "alignment-all.png")
    assert drawn.read_bytes() == (tmp_path / "api.png").read_bytes()


def viz_caption(result):
    from influence_sim.viz.files import band_caption

    return band_caption(result)
