"""Figures written to files: one figure per image, and the standard set of a run."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from influence_sim.viz.maps import plot_map
from influence_sim.viz.plotting import (
    MAX_PANELS,
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
        f"Lines: medians; bands: 10th to 90th percentiles over {result.replications} "
        f"replications; spread: {spread}."
    )


def save_standard_plots(
    result: RunResult, folder: Path, *, format: str = "png", dpi: int = DPI
) -> list[Path]:
    """Draw the standard figures of a run into ``folder``.

    Args:
        result: The run.
        folder: Where the files go (created).
        format: ``png``, ``svg`` or ``pdf``.
        dpi: Resolution (of PNG files, and of rasters inside the others).
    """
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    state = focus_state(result)
    few = len(result.scenario.states) <= MAX_PANELS
    figures = {
        "map": lambda ax: plot_map(result, ax=ax),
        f"alignment-{state}": lambda ax: plot_alignment(result, state, ax=ax),
        f"tradeoff-{state}": lambda ax: plot_tradeoff(result, state, ax=ax),
        f"economy-{state}": lambda ax: plot_economy(result, state, ax=ax),
        "regional": lambda ax: plot_regional(result, ax=ax),
    }
    if not few:  # a map and panels of every state would be illegible, and slow
        del figures["map"]
    for name, draw in figures.items():
        caption = None if name == "map" else band_caption(result)
        path = folder / f"{name}.{format}"
        written.append(save_figure(path, draw, caption=caption, dpi=dpi))
    if few:
        for name, grid in (
            ("alignment-all", plot_alignment_grid(result, caption=band_caption(result))),
            ("unrest", plot_unrest_grid(result, caption=band_caption(result))),
        ):
            grid.savefig(folder / f"{name}.{format}", dpi=dpi)
            written.append(folder / f"{name}.{format}")
    else:
        log.warning(
            "%d states: more than %d, so the map and the figures of every state are left "
            "out; regional and focus-state figures are drawn (plot_* draws any state)",
            len(result.scenario.states),
            MAX_PANELS,
        )
    return written
