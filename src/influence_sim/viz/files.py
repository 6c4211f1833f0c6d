"""Figures written to files: one figure per image, and the standard set of a run."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, Executor, Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

from influence_sim.viz.maps import plot_map
from influence_sim.viz.plotting import (
    MAX_PANELS,
    Window,
    drop_keys,
    figure_key,
    focus_state,
    plot_alignment,
    plot_alignment_grid,
    plot_economy,
    plot_regional,
    plot_tradeoff,
    plot_unrest_grid,
)

if TYPE_CHECKING:
    from influence_sim.results.runs import RunResult


log = logging.getLogger(__name__)

FORMATS = ("png", "svg", "pdf")
"""The figure formats the commands write (``--format``)."""
DPI = 110
"""The default resolution of raster figures (``--dpi``)."""


def save_figure(
    path: Path,
    draw: Callable[..., object],
    *,
    size: tuple[float, float] = (8, 4.5),
    panels: int | tuple[int, int] = 1,
    dpi: int = DPI,
    caption: str | None = None,
) -> Path:
    """Draw into a new figure of ``panels`` Axes and save it as ``path``.

    Args:
        path: The image file (its folder is created).
        draw: Called with the Axes, one argument per panel (row by row).
        size: The figure's size in inches.
        panels: How many Axes, in one row, or ``(rows, columns)`` of them.
        dpi: Resolution.
        caption: A line of small text under the figure (what its bands hold).
    """
    from matplotlib.figure import Figure

    figure = Figure(figsize=size, layout="constrained")
    rows, columns = panels if isinstance(panels, tuple) else (1, panels)
    if rows * columns > 1:
        axes = list(figure.subplots(rows, columns, squeeze=False).ravel())
    else:
        axes = [figure.add_subplot()]
    draw(*axes)
    if caption:
        figure.supxlabel(caption, fontsize="x-small", color="#555555")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=dpi)
    return path


def band_caption(result: RunResult) -> str:
    """What a run's lines and bands are, and what their spread holds."""
    spread = (
        "noise only"
        if result.posterior is None
        else "noise and parameters drawn from the posterior of "
        + str(result.posterior.get("calibration") or result.posterior["folder"])
    )
    return (
        overrides_caption(result)
        + f"Lines: medians; bands: 10th to 90th percentiles over {result.replications} "
        f"replications; spread: {spread}."
    )


def overrides_caption(result: RunResult) -> str:
    """``With powers.russia.security_capacity = 0.15. `` for a run made by overrides, else ``""``.

    So that a figure of a changed run is never titled like the unchanged one's.
    """
    from influence_sim.format.explain import overrides_text

    text = overrides_text(result.scenario)
    return f"With {text}. " if text else ""


def figure_helper() -> Executor | None:
    """A process that draws some of a run's figures beside this one, or None on one core.

    Start it before the run: its Python and matplotlib load while the run computes, so
    the figures it takes cost no start-up when they are drawn. Shut it down after use
    (it is an ``Executor``: ``with figure_helper() as helper``).
    """
    if (os.cpu_count() or 1) < 2:
        return None
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    try:
        pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        pool.submit(_ready)
    except OSError:  # no process can be started here: draw in this one
        return None
    return pool


def close_helper(helper: Executor | None) -> None:
    """Stop a figure helper now, whether or not it is busy (after an error, or when done)."""
    if helper is None:
        return
    for process in list((getattr(helper, "_processes", None) or {}).values()):
        process.terminate()
    helper.shutdown(wait=True, cancel_futures=True)


def _ready() -> None:
    """Load what drawing needs (in the helper, while the run computes).

    Then exempt it from the garbage collector's passes (``cli.commands.settle``): the
    helper is a process of its own, and draws a quarter faster.
    """
    import gc

    import matplotlib.backends.backend_agg
    import matplotlib.figure  # noqa: F401

    gc.freeze()


HELPER_FIGURES = ("alignment-all", "unrest", "map")
"""The standard figures a helper process draws (the slowest: a third of the work or so)."""


CRISIS_BEFORE, CRISIS_AFTER = 7, 13 * 7
"""Days shown before the first crisis shock, and after it, in the crisis figure."""


def crisis_window(result: RunResult) -> Window | None:
    """The weeks of a scenario's crisis, or None.

    From a week before its first uprising, price shock or request for troops to thirteen
    weeks after; None if it has none, or if the run is hardly longer than that.
    """
    from datetime import date, timedelta

    timeline = result.scenario.timeline
    kinds = ("uprising", "price_shock", "security_request")
    days = [
        s.at if isinstance(s.at, date) else timeline.date_of(s.at)
        for s in result.scenario.shocks
        if s.type in kinds
    ]
    if not days:
        return None
    first = min(days)
    start = max(timeline.start, first - timedelta(days=CRISIS_BEFORE))
    end = first + timedelta(days=CRISIS_AFTER)
    last = timeline.date_of(timeline.n_steps - 1)
    if (last - timeline.start).days < 2 * (end - start).days:
        return None  # the long view is the crisis
    return (start, end)


def plot_crisis_and_after(
    result: RunResult, state: str | None = None, *, months: int = 18, fig: Any = None
) -> Any:
    """A state's alignment and its trade-off, the crisis weeks beside the months after.

    Two rows (overall alignment; security against economic reliance), each with the
    crisis (:func:`crisis_window`) on the left and the first ``months`` on the right,
    one legend a row and one key of the shocks under them all. Returns the Figure (the
    README's figure). Needs a scenario with a crisis.
    """
    from matplotlib.figure import Figure

    from influence_sim.format.calendar import add_months

    crisis = crisis_window(result)
    if crisis is None:
        raise ValueError(f"{result.name}: no crisis to show (no uprising, price shock or request)")
    state = state or focus_state(result)
    start = result.scenario.timeline.start
    after = (start, add_months(start, months))
    figure = fig if fig is not None else Figure(figsize=(12, 7.4), layout="constrained")
    rows = figure.subplots(2, 2, width_ratios=(1, 2))
    shown: set[str] = set()  # an event's entry in the first legend only
    for (near, far), plot in zip(rows, (plot_alignment, plot_tradeoff), strict=True):
        for ax, window in ((near, crisis), (far, after)):
            plot(result, state, ax=ax, window=window)
            drop_keys(ax)
            legend = ax.get_legend()
            if legend is not None:
                legend.remove()
        far.set_title(f"{far.get_title()}, the first {months} months")
        near.set_title("The crisis weeks")
        handles, labels = far.get_legend_handles_labels()
        new = [i for i, label in enumerate(labels) if label not in shown]
        figure.legend(
            [handles[i] for i in new],
            [labels[i] for i in new],
            loc="outside right lower" if shown else "outside right upper",  # by the rows
            fontsize="small",
            frameon=False,
        )
        shown.update(labels)
    figure_key(figure, result, True, band_caption(result), after)
    return figure


def _standard_names(result: RunResult) -> list[str]:
    """The standard figures of a run, in the order they are listed."""
    state = focus_state(result)
    names = [f"alignment-{state}", f"tradeoff-{state}", f"economy-{state}", "regional"]
    if crisis_window(result) is not None:  # the crisis weeks beside the long view
        names.insert(1, f"alignment-{state}-crisis")
    if len(result.scenario.states) <= MAX_PANELS:
        return ["map", *names, "alignment-all", "unrest"]
    log.warning(
        "%d states: more than %d, so the map and the figures of every state are left "
        "out; regional and focus-state figures are drawn (plot_* draws any state)",
        len(result.scenario.states),
        MAX_PANELS,
    )
    return names


def _save_standard(
    result: RunResult, name: str, path: Path, dpi: int, window: Window | None = None
) -> Path:
    """Draw one of the standard figures (by its name) and save it as ``path``.

    ``window``: the dates every time figure shows (all by default); the crisis figure
    shows the crisis (:func:`crisis_window`) whatever it is.
    """
    if name in ("alignment-all", "unrest"):
        grid = plot_alignment_grid if name == "alignment-all" else plot_unrest_grid
        figure = grid(result, caption=band_caption(result), window=window)
        figure.savefig(path, dpi=dpi)
        return path
    state = focus_state(result)
    crisis = crisis_window(result)
    draw = {
        "map": lambda ax: plot_map(result, ax=ax),
        f"alignment-{state}": lambda ax: plot_alignment(result, state, ax=ax, window=window),
        f"alignment-{state}-crisis": lambda ax: plot_alignment(result, state, ax=ax, window=crisis),
        f"tradeoff-{state}": lambda ax: plot_tradeoff(result, state, ax=ax, window=window),
        f"economy-{state}": lambda ax: plot_economy(result, state, ax=ax, window=window),
        "regional": lambda ax: plot_regional(result, ax=ax, window=window),
    }[name]
    caption = (overrides_caption(result).strip() or None) if name == "map" else band_caption(result)
    return save_figure(path, draw, caption=caption, dpi=dpi)


def save_standard_plots(
    result: RunResult,
    out: Path,
    *,
    format: str = "png",
    dpi: int = DPI,
    helper: Executor | None = None,
    window: Window | None = None,
) -> list[Path]:
    """Draw the standard figures of a run into ``out``.

    Args:
        result: The run.
        out: Where the files go (created).
        format: ``png``, ``svg`` or ``pdf``.
        dpi: Resolution (of PNG files, and of rasters inside the others).
        helper: Another process (``figure_helper``) to draw some of the figures
            (``HELPER_FIGURES``) while this one draws the rest; the files are the same
            either way.
        window: The first and last dates the time figures show (all by default); a
            scenario with a crisis also gets ``alignment-<state>-crisis``, its weeks.
    """
    return start_standard_plots(result, out, format=format, dpi=dpi, helper=helper, window=window)()


def start_standard_plots(
    result: RunResult,
    out: Path,
    *,
    format: str = "png",
    dpi: int = DPI,
    helper: Executor | None = None,
    window: Window | None = None,
) -> Callable[[], list[Path]]:
    """Hand the helper its figures now; returns the function that draws the rest and waits.

    So that this process can do other work (write the tables) while the helper draws;
    ``save_standard_plots`` is the two at once. Arguments as there.
    """
    out.mkdir(parents=True, exist_ok=True)
    names = _standard_names(result)
    paths = {name: out / f"{name}.{format}" for name in names}
    away: dict[str, Future[Path]] = {}
    for name in names:
        if helper is None or name not in HELPER_FIGURES:
            continue
        try:
            away[name] = helper.submit(_save_standard, result, name, paths[name], dpi, window)
        except (BrokenExecutor, RuntimeError):  # the helper died or cannot start: here
            break

    def finish() -> list[Path]:
        for name in names:
            if name not in away:
                _save_standard(result, name, paths[name], dpi, window)
        for name, future in away.items():
            try:
                future.result()
            except BrokenExecutor:  # the helper died (killed, out of memory): draw here
                log.warning("the figure helper stopped; drawing %s here", paths[name].name)
                _save_standard(result, name, paths[name], dpi, window)
        return [paths[name] for name in names]

    return finish
