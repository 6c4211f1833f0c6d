"""The citizens of each region, as lattices: quiet, in open protest, police (and jail counts).

The figure reads :func:`influence_sim.engine.population.snapshot`, so it serves the
dashboard (a live model) and notebooks alike.
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from influence_sim.engine.population import ACTIVE, EMPTY, POLICE, QUIET, RegionView
from influence_sim.viz.live import changing

CELL_COLOURS = {
    EMPTY: ("#ffffff", "empty"),
    QUIET: ("#56B4E9", "quiet citizen"),
    ACTIVE: ("#D55E00", "in open protest"),
    POLICE: ("#000000", "police and foreign troops"),
}
"""Okabe and Ito's colours, as in every other figure (protest in the vermilion of alarm)."""


def plot_citizens(
    views: Sequence[RegionView], titles: Sequence[str], *, figure: Figure | None = None
) -> Figure:
    """Small multiples of the regions' lattices, each titled with its counts.

    Args:
        views: The regions (``engine.population.snapshot``).
        titles: A title per region (its name as readers know it).
        figure: Draw on this figure (a new one if not given).
    """
    n = max(1, len(views))
    columns = min(n, 4)
    rows = -(-n // columns)
    if figure is None:
        # Small inches, so that the text stays readable when a panel scales it down.
        figure = Figure(figsize=(1.9 * columns, 2.15 * rows + 0.4), layout="constrained")
    cmap = ListedColormap([CELL_COLOURS[k][0] for k in (EMPTY, QUIET, ACTIVE, POLICE)])
    axes = figure.subplots(rows, columns, squeeze=False)
    for ax in axes.ravel():
        ax.set_axis_off()
    for ax, view, title in zip(axes.ravel(), views, titles, strict=False):
        image = ax.imshow(view.grid, cmap=cmap, vmin=0, vmax=3, interpolation="nearest")
        counts = ax.set_title(
            f"{title}\n{view.active} protesting, {view.jailed} jailed", fontsize=8, loc="left"
        )
        changing(image, counts)  # drawn each step on a live figure (the dashboard's)
    handles = [
        Patch(facecolor=c, edgecolor="#999999", label=label) for c, label in CELL_COLOURS.values()
    ]
    figure.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=8, frameon=False)
    return figure
