"""The dashboard's panels drawn live (``viz.live``): pixel for pixel their ordinary rendering.

A live figure draws only what changed on pixels it kept; a stale background would show
an old line, an event not yet marked, a moved limit. So every frame of the crisis weeks
(the uprising, the request, the arrival, the withdrawal) is compared, every panel, with
the figure rendered whole by ``savefig``, and most frames must have been drawn cheaply.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from influence_sim.viz.live import LiveFigure, changing

pytest.importorskip("solara", reason="the dashboard extra is not installed")


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def _ordinary(figure: Figure, dpi: float) -> np.ndarray:
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=dpi)
    return _pixels(out.getvalue())


@pytest.mark.filterwarnings("ignore:Failed to validate hooks:UserWarning")  # Mesa's own
def test_every_panel_is_its_ordinary_rendering_from_the_crisis_to_the_end():
    from influence_sim.dashboard import app

    model = app.DashboardModel()
    live = {name: LiveFigure(app.DPI) for name in app.PANELS}
    # The crisis (the uprising, the request, the arrival, the withdrawal), the time axes
    # widening (after weeks 13 and 26), and the lines reaching the end of the run.
    compared = {1, 2, 3, 4, 5, 13, 14, 15, 26, 27, 28, 154, 155, 156}
    while model.steps < max(compared):
        model.step()
        if model.steps not in compared:
            continue
        for name in app.PANELS:
            frame = _pixels(live[name].png(app.panel_figure(name, model)))
            whole = _ordinary(app.panel_figure(name, model), app.DPI)
            assert frame.shape == whole.shape, name
            differ = int((frame != whole).any(axis=2).sum())
            assert differ == 0, f"{name}, week {model.steps}: {differ} pixels differ"
    for name, figure in live.items():
        # Whole again only where the still part changed: the first week, the request,
        # the arrival and withdrawal, and each new span (13, 26, 52, 104, 156 weeks).
        assert figure.whole <= 8, (name, figure.whole)
        assert figure.whole < len(compared) / 2, (name, figure.whole)
    assert live["map"].whole == 1


def test_a_change_outside_the_marked_artists_renders_whole():
    """An unmarked change (a limit, a still line moved) is never drawn on kept pixels."""

    def figure(points: int, mark_at: float, top: float) -> Figure:
        fig = Figure(figsize=(4, 3), layout="constrained")
        ax = fig.add_subplot()
        (line,) = ax.plot(np.arange(points), np.linspace(0, 1, points), label="values")
        changing(line)
        ax.axvline(mark_at, color="k", ls="--", label="event")
        ax.set(xlim=(0, 20), ylim=(0, top), title="a panel")
        ax.legend()
        return fig

    live = LiveFigure(dpi=80)
    cases = [(3, 5, 1), (4, 5, 1), (5, 5, 1), (6, 7, 1), (7, 7, 1), (8, 7, 2)]
    wholes = []
    for case in cases:
        frame = _pixels(live.png(figure(*case)))
        assert np.array_equal(frame, _ordinary(figure(*case), 80)), case
        wholes.append(live.whole)
    # Whole at the start, when the event moved and when the limit moved; cheap between.
    assert wholes == [1, 1, 1, 2, 2, 3]


@pytest.mark.filterwarnings("ignore:Failed to validate hooks:UserWarning")  # Mesa's own
def test_the_citizens_panel_live_is_its_ordinary_rendering():
    from influence_sim.dashboard import app
    from influence_sim.viz.citizens import plot_citizens

    model = app.DashboardModel("kazakhstan-2022-citizens")
    live = LiveFigure(app.DPI)
    for _ in range(4):
        model.step()
        views = model.citizens()
        titles = [view.region for view in views]
        frame = _pixels(live.png(plot_citizens(views, titles)))
        whole = _ordinary(plot_citizens(views, titles), app.DPI)
        assert np.array_equal(frame, whole), f"week {model.steps}"
    assert live.whole == 1, "the lattices and their counts change; the rest stays"


@pytest.mark.filterwarnings("ignore:Failed to validate hooks:UserWarning")  # Mesa's own
def test_the_time_axes_open_on_the_crisis_and_widen_as_the_run_goes():
    """The first weeks fill the panels (not a sliver of three years); the span doubles."""
    from influence_sim.dashboard import app

    model = app.DashboardModel()
    timeline = model.compiled.timeline
    spans = []
    for _ in range(model.n_steps):
        first, last = app.time_axis(model)
        assert first == timeline.start
        spans.append(timeline.step_of(last))
        model.step()
    assert sorted(set(spans)) == [13, 26, 52, 104, 156]
    assert spans[:14] == [13] * 14
    assert spans[14] == 26
    assert all(step <= span for step, span in enumerate(spans)), "the lines stay inside"


def test_the_dashboard_benchmark_runs(tmp_path):
    """``make bench`` runs it: it must not rot (what it prints is measured, not checked)."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_dashboard.py"), "--quick"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert "ratio whole/live" in done.stdout
    assert "panels rendered whole (live), in all: map 1" in done.stdout
