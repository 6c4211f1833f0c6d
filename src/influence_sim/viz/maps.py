"""The map of the region: each state coloured by where it leans between two powers."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from influence_sim.viz.live import changing
from influence_sim.viz.plotting import axes_or_new, colour_of, label_of

SELF_GREY = (0.72, 0.72, 0.72)
"""What a fully self-reliant state would look like on the map."""

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from influence_sim.results.runs import RunResult


def map_outlines() -> dict[str, Any]:
    """The outlines shipped with the package (Natural Earth, public domain, simplified)."""
    import json
    from importlib import resources

    text = resources.files("influence_sim").joinpath("data/central-asia.json").read_text()
    outlines: dict[str, Any] = json.loads(text)
    return outlines


def alignment_at(result: RunResult, step: int | None = None) -> pd.DataFrame:
    """Median overall alignment of every state with every option at a step (default: the last)."""
    frame = result.tables["alignment"]
    rows = frame[frame["domain"] == "overall"]
    step = int(rows["step"].max()) if step is None else step
    rows = rows[rows["step"] == step]
    return rows.groupby(["state", "power"], observed=True)["value"].median().unstack("power")


def plot_map(
    result: RunResult, *, step: int | None = None, ax: Axes | None = None, legend: bool = True
) -> Axes:
    """A map of the region, each state coloured by where it leans between two powers.

    The hue runs from the first power's colour (Russia) through white to the second's
    (China) with the lean (B - A) / (A + B) of their overall alignments; the share the
    state keeps for itself pales it towards grey (a state 85% self-reliant is nearly
    grey, whatever its lean) and is printed under its name. The frame holds every state
    of the scenario that has an outline. States without one in the shipped map
    (``iso_a3`` missing) are listed in the title instead.
    """
    from matplotlib.colors import LinearSegmentedColormap, Normalize
    from matplotlib.patches import Polygon

    ax = axes_or_new(ax)
    outlines = map_outlines()
    powers = list(result.scenario.powers)[:2]
    cmap = LinearSegmentedColormap.from_list(
        "lean", [colour_of(result, powers[0]), "#ffffff", colour_of(result, powers[-1])]
    )
    norm = Normalize(-1, 1)
    values = alignment_at(result, step)
    drawn, missing = set(), []
    bounds: list[tuple[float, float, float, float]] = []
    for key, spec in result.scenario.states.items():
        shape = outlines["countries"].get(spec.iso_a3 or "")
        if shape is None:
            missing.append(spec.title)
            continue
        row = values.loc[key].to_numpy(dtype=float)
        columns = list(values.columns)
        a, b = row[columns.index(powers[0])], row[columns.index(powers[-1])]
        lean = (b - a) / (a + b) if a + b > 0 else 0.0
        own = row[columns.index("self")]
        hue = np.array(cmap(norm(lean))[:3])
        fill = (1.0 - own) * hue + own * np.array(SELF_GREY)
        for ring in shape["rings"]:
            changing(
                ax.add_patch(
                    Polygon(ring, closed=True, facecolor=tuple(fill), edgecolor="#333333", lw=0.8)
                )
            )
        xs = [x for ring in shape["rings"] for x, _ in ring]
        ys = [y for ring in shape["rings"] for _, y in ring]
        bounds.append((min(xs), min(ys), max(xs), max(ys)))
        label = ax.text(
            (min(xs) + max(xs)) / 2,
            (min(ys) + max(ys)) / 2,
            f"{spec.title}\nself {own:.0%}",
            ha="center",
            va="center",
            fontsize=8,
        )
        changing(label)
        drawn.add(spec.iso_a3)
    for code, shape in outlines["countries"].items():
        if code in drawn:
            continue
        for ring in shape["rings"]:
            ax.add_patch(
                Polygon(ring, closed=True, facecolor="#eeeeee", edgecolor="#bbbbbb", lw=0.5)
            )
    lon0, lat0, lon1, lat1 = _frame(outlines["frame"], bounds)
    ax.set(xlim=(lon0, lon1), ylim=(lat0, lat1), aspect=1.3, xticks=[], yticks=[])
    ax.set_facecolor(WATER)  # the Caspian and Aral seas: no colour of the scale
    steps = result.tables["alignment"]["step"]
    shown = int(steps.max()) if step is None else step
    title = f"Where each state leans, {result.scenario.timeline.period_of(shown)} (median)"
    if missing:
        title += f"\nnot on the map: {', '.join(missing)}"
    changing(ax.set_title(title, fontsize=10))  # its date changes with each step
    if legend:
        _scale(ax, label_of(result, powers[0]), label_of(result, powers[-1]), norm, cmap)
    return ax


MARGIN = 3.0
"""Degrees of neighbours shown around the scenario's states."""


def _frame(
    shipped: list[float], bounds: list[tuple[float, float, float, float]]
) -> tuple[float, float, float, float]:
    """The box of the states drawn, with a margin, within the shipped outlines' frame.

    The shipped outlines are cut at their frame (45-90 E, 35-56 N), so a state beyond it
    is drawn as far as the frame goes.
    """
    lon0, lat0, lon1, lat1 = shipped
    if not bounds:
        return lon0, lat0, lon1, lat1
    return (
        max(lon0, min(b[0] for b in bounds) - MARGIN),
        max(lat0, min(b[1] for b in bounds) - MARGIN),
        min(lon1, max(b[2] for b in bounds) + MARGIN),
        min(lat1, max(b[3] for b in bounds) + MARGIN),
    )


WATER = "#bdbdbd"
"""Water in a neutral grey: a light blue read as a lean toward the power drawn in blue."""


def _scale(ax: Axes, first: str, second: str, norm: Any, cmap: Any) -> None:
    """The colour bar, saying what the colour and its paleness mean."""
    from matplotlib.cm import ScalarMappable

    bar = ax.figure.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.7)
    bar.set_ticks([-1, 0, 1], labels=[f"only {first}", "even", f"only {second}"])
    bar.set_label(
        f"lean of overall alignment:\n({second} - {first}) / ({second} + {first});\n"
        "paler: more kept for itself ('self')",
        fontsize="medium",
    )
    bar.ax.tick_params(labelsize="medium")


def animate_map(result: RunResult, path: Path, *, every: int = 1, fps: int = 6) -> Path:
    """Write a GIF of the map over time (one frame every ``every`` recorded steps)."""
    from matplotlib.animation import FuncAnimation, PillowWriter
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 4.6), layout="constrained")
    ax = figure.add_subplot()
    steps = sorted(result.tables["alignment"]["step"].unique())[::every]
    plot_map(result, step=int(steps[0]), ax=ax)

    def frame(i: int) -> list[Any]:
        ax.clear()
        plot_map(result, step=int(steps[i]), ax=ax, legend=False)
        return []

    animation = FuncAnimation(figure, frame, frames=len(steps))
    path.parent.mkdir(parents=True, exist_ok=True)
    animation.save(path, writer=PillowWriter(fps=fps))
    return path
