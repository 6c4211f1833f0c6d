"""Figures of a sweep, and the set ``influence-sim analyze`` writes.

Sensitivity indices, a heatmap over a two-parameter grid, a metric against a parameter.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from influence_sim.errors import InfluenceSimError
from influence_sim.results.metrics import weighted_interval

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from influence_sim.format.scenario import Scenario
    from influence_sim.sweeps.sweep import SweepResult


def plot_observed(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Observed against modelled changes, one pair of bars per row of a comparison.

    ``table`` is what ``results.observed.compare_history`` returns.
    """
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.subplots(figsize=(9, 4.6))[1]
    y = np.arange(len(table))
    ax.barh(y - 0.2, table["observed"], 0.4, label="observed", color="#7f8c8d")
    ax.barh(y + 0.2, table["model"], 0.4, label="model (median)", color="#2980b9")
    labels = [f"{r.quantity}: {r.state}, {r.partner}, {r.period}" for r in table.itertuples()]
    ax.set_yticks(y, labels, fontsize="small")
    ax.invert_yaxis()
    ax.axvline(0, color="#333333", lw=0.8)
    ax.set(xlabel="change", title="Observed and modelled changes")
    ax.legend(loc="lower right", fontsize="small")
    return ax


def plot_indices(
    table: pd.DataFrame,
    *,
    metric: str = "",
    ax: Axes | None = None,
    scenario: Scenario | None = None,
) -> Axes:
    """A bar plot of Sobol (first-order and total) or Morris (mu*) indices.

    Error bars are SALib's 95% bootstrap confidence intervals; with the sweep's base
    ``scenario`` the parameters are named in words.
    """
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.subplots(figsize=(8, 4.5))[1]
    y = np.arange(len(table))
    if "S1" in table:
        ax.barh(
            y - 0.2, table["ST"], 0.4, xerr=table["ST_conf"], label="total (ST)", color="#2980b9"
        )
        ax.barh(
            y + 0.2,
            table["S1"],
            0.4,
            xerr=table["S1_conf"],
            label="first order (S1)",
            color="#f1c40f",
        )
        ax.set_xlabel("Sobol index (share of the outcome's variance)\nerror bars: 95% "
                      "bootstrap confidence intervals (SALib)")  # fmt: skip
    else:
        ax.barh(y, table["mu_star"], 0.6, xerr=table["mu_star_conf"], label="mu*", color="#2980b9")
        ax.set_xlabel("Morris mu* (mean absolute elementary effect)\nerror bars: 95% "
                      "bootstrap confidence intervals (SALib)")  # fmt: skip
    labels = [_words(scenario, str(p)) for p in table["parameter"]]
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    title = f"Sensitivity of {_metric(scenario, metric)}" if metric else "Sensitivity"
    ax.set_title(textwrap.fill(title, 60), fontsize="medium")  # a long outcome, not clipped
    ax.legend(loc="lower right", fontsize="small")
    return ax


def _metric(scenario: Scenario | None, metric: str) -> str:
    """A summary metric in words, with its unit (the name itself if it is not one)."""
    from influence_sim.results.metrics import metric_words

    titles: dict[str, str] = {}
    if scenario is not None:
        for section in (scenario.states, scenario.powers, scenario.alliances):
            titles.update({key: str(item.title) for key, item in section.items()})
    return metric_words(metric, titles)


def _words(scenario: Scenario | None, path: str) -> str:
    """A parameter path in words (with the path itself, for reference)."""
    if scenario is None:
        return path
    from influence_sim.format.explain import path_words

    words = path_words(scenario, path)
    return path if words == path else f"{words}\n({path})"


def tidy_levels(values: pd.Index) -> pd.Index:
    """Grid levels without floating-point residue (0.30000000000000004 is 0.3)."""
    return pd.Index([float(f"{v:.12g}") for v in values], name=values.name)


def _colour_map(values: np.ndarray) -> tuple[str, Any]:
    """A diverging map centred on 0 when the values straddle it, else a sequential one."""
    from matplotlib.colors import Normalize, TwoSlopeNorm

    finite = values[np.isfinite(values)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if low < 0 < high:
        return "RdBu_r", TwoSlopeNorm(vcenter=0.0, vmin=low, vmax=high)
    return "viridis", Normalize(vmin=low, vmax=high if high > low else low + 1e-12)


def plot_levels(
    table: pd.DataFrame,
    *,
    metric: str = "",
    ax: Axes | None = None,
    scenario: Scenario | None = None,
) -> Axes:
    """Each level against the first, paired by seed: the median difference and its 10-90%.

    ``table`` is what ``sensitivity.level_differences`` returns.
    """
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.subplots(figsize=(8, 1.6 + 0.6 * len(table)))[1]
    y = np.arange(len(table))[::-1]
    ax.hlines(y, table["low"], table["high"], color="#0072B2", lw=5, alpha=0.4,
              label="10th to 90th percentile of the paired differences")  # fmt: skip
    ax.plot(table["median"], y, "|", color="#0072B2", ms=16, mew=2, label="median")
    ax.axvline(0, color="#000000", lw=0.7)
    labels = [f"{r.parameter}:\n{r.level} minus {r.reference}" for r in table.itertuples()]
    ax.set_yticks(y, labels, fontsize="small")
    ax.set_ylim(y.min() - 0.8, y.max() + 0.8)
    ax.set_xlabel("paired difference, run by run (same seed, same other values)")
    title = _metric(scenario, metric) if metric else "Levels"
    ax.set_title(f"{title}: one level against another", fontsize="small", loc="left")
    ax.legend(fontsize="x-small", loc="upper center", bbox_to_anchor=(0.5, -0.35), ncol=2)
    return ax


def plot_heatmap(result: SweepResult, metric: str, *, ax: Axes | None = None) -> Axes:
    """The median of a metric over a grid of two parameters.

    Raises:
        InfluenceSimError: If the sweep is not a grid over exactly two parameters.
    """
    paths = list(result.spec.parameters)
    if result.spec.sampler.method != "grid" or len(paths) != 2:
        raise InfluenceSimError("a heatmap needs a grid sweep over exactly two parameters")
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.subplots(figsize=(7, 5.5))[1]
    table = heatmap_table(result, metric)
    values = table.to_numpy(dtype=float)
    cmap, norm = _colour_map(values)
    image = ax.imshow(values, origin="lower", aspect="auto", cmap=cmap, norm=norm)
    ax.set_yticks(range(len(table.index)), [f"{v:.3g}" for v in table.index])
    ax.set_xticks(range(len(table.columns)), [f"{v:.3g}" for v in table.columns])
    scenario = result.scenario
    ax.set(
        ylabel=_words(scenario, paths[0]),
        xlabel=_words(scenario, paths[1]),
        title=f"{_metric(scenario, metric)}\nmedian over {result.spec.replications} "
        "replications per cell",
    )
    bar = ax.figure.colorbar(image, ax=ax)
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    bar.set_label(f"{metric}: from {low:.3g} to {high:.3g}")
    return ax


def has_heatmap(result: SweepResult) -> bool:
    """Whether the sweep is a grid over exactly two numeric parameters (a heatmap)."""
    from influence_sim.format.sweepspec import categorical_paths

    spec = result.spec
    return (
        spec.sampler.method == "grid" and len(spec.parameters) == 2 and not categorical_paths(spec)
    )


def heatmap_table(result: SweepResult, metric: str) -> pd.DataFrame:
    """The median of a metric per grid cell, levels tidied (``heatmap.csv``)."""
    paths = list(result.spec.parameters)
    table = result.metrics.pivot_table(
        index=paths[0], columns=paths[1], values=metric, aggfunc="median"
    )
    table.index = tidy_levels(table.index)
    table.columns = tidy_levels(table.columns)
    return table


def plot_against(
    result: SweepResult, metric: str, parameter: str, *, ax: Axes | None = None
) -> Axes:
    """The metric against one parameter: every run, and the median per point."""
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.subplots(figsize=(6, 4))[1]
    ax.scatter(result.metrics[parameter], result.metrics[metric], s=4, alpha=0.25,
               color="#7f8c8d", label="each run")  # fmt: skip
    medians = result.metrics.groupby("point")[[parameter, metric]].median()
    ax.scatter(medians[parameter], medians[metric], s=10, color="#c0392b",
               label=f"median per point ({result.spec.replications} replications)")  # fmt: skip
    words = _words(result.scenario, parameter)
    outcome = _metric(result.scenario, metric)
    ax.set(xlabel=words, ylabel=metric, title=f"{outcome}\nagainst {words.splitlines()[0]}")
    ax.title.set_fontsize("small")
    ax.legend(loc="best", fontsize="small")
    return ax


def save_analysis_figures(
    result: SweepResult,
    metric: str,
    table: pd.DataFrame | None,
    out: Path,
    *,
    format: str = "png",
    dpi: int = 110,
    levels: pd.DataFrame | None = None,
) -> list[Path]:
    """Draw what ``analyze`` writes; returns the files.

    Indices (given their table), the heatmap of a two-parameter grid, the paired
    differences between levels (given ``levels``), and the metric against each numeric
    parameter, as ``format`` (png, svg, pdf) at ``dpi``.
    """
    from matplotlib.figure import Figure

    from influence_sim.format.sweepspec import categorical_paths

    written = []
    if table is not None:
        figure = Figure(figsize=(8, 1 + 0.5 * len(table)), layout="constrained")
        plot_indices(table, metric=metric, ax=figure.add_subplot(), scenario=result.scenario)
        written.append(out / f"indices.{format}")
        figure.savefig(written[-1], dpi=dpi)
    if levels is not None and len(levels):
        figure = Figure(figsize=(8, 1.6 + 0.6 * len(levels)), layout="constrained")
        plot_levels(levels, metric=metric, ax=figure.add_subplot(), scenario=result.scenario)
        written.append(out / f"levels.{format}")
        figure.savefig(written[-1], dpi=dpi)
    if has_heatmap(result):
        figure = Figure(figsize=(7, 5.5), layout="constrained")
        plot_heatmap(result, metric, ax=figure.add_subplot())
        written.append(out / f"heatmap.{format}")
        figure.savefig(written[-1], dpi=dpi)
    switches = categorical_paths(result.spec)
    for parameter in [p for p in result.spec.parameters if p not in switches]:
        figure = Figure(figsize=(6, 4), layout="constrained")
        plot_against(result, metric, parameter, ax=figure.add_subplot())
        written.append(out / f"against-{parameter}.{format}")
        figure.savefig(written[-1], dpi=dpi)
    return written


def plot_waves(
    waves: pd.DataFrame,
    parameters: list[str],
    *,
    cutoff: float | None = None,
    ax: Axes | None = None,
) -> Axes:
    """History matching's waves: each point of each wave, ruled out (grey) or not.

    Two parameters: the points in their plane, the last wave's survivors darkest. One
    parameter (or more than two: the first): the largest implausibility against it.
    """
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.subplots(figsize=(7, 5))[1]
    last = int(waves["wave"].max())
    shades = {w: 0.35 + 0.65 * w / last for w in range(1, last + 1)}
    two = len(parameters) >= 2
    for wave in range(1, last + 1):
        rows = waves[waves["wave"] == wave]
        kept, out = rows[rows["plausible"]], rows[~rows["plausible"]]
        x = parameters[0]
        y = parameters[1] if two else "implausibility"
        ax.scatter(out[x], out[y], s=9, color="#bbbbbb", marker="x", linewidths=0.8)
        ax.scatter(
            kept[x],
            kept[y],
            s=12,
            color="#2980b9",
            alpha=shades[wave],
            label=f"wave {wave}: {len(kept)} of {len(rows)} kept",
        )
    if cutoff is not None and not two:
        ax.axhline(cutoff, color="#c0392b", ls="--", lw=0.9, label=f"cut-off {cutoff:g}")
    ax.set_xlabel(parameters[0])
    ax.set_ylabel(parameters[1] if two else "largest implausibility")
    ax.set_title("History matching: points not ruled out (blue), ruled out (grey x)")
    ax.legend(fontsize="small")
    return ax


def plot_posterior(
    particles: pd.DataFrame, parameters: list[str], *, axes: Sequence[Axes] | None = None
) -> list[Axes]:
    """Each parameter's posterior: a weighted histogram, its median and 90% interval.

    ``particles`` has a column per parameter and ``weight`` (what ``calibrate`` writes).
    """
    if axes is None:
        import matplotlib.pyplot as plt

        figure = plt.figure(figsize=(4.2 * len(parameters), 3.6))
        axes = [figure.add_subplot(1, len(parameters), i + 1) for i in range(len(parameters))]
    weights = particles["weight"].to_numpy()
    for ax, path in zip(axes, parameters, strict=True):
        values = particles[path].to_numpy()
        ax.hist(values, bins=30, weights=weights, color="#2980b9", alpha=0.75)
        low, mid, high = weighted_interval(values, weights)
        ax.axvline(mid, color="#000000", lw=1.2, label=f"median {mid:.3g}")
        for edge in (low, high):
            ax.axvline(edge, color="#555555", ls="--", lw=0.9)
        ax.set_xlabel(path)
        ax.set_ylabel("posterior weight")
        ax.set_title(f"90% interval {low:.3g} to {high:.3g}", fontsize="small")
        ax.legend(fontsize="small")
    return list(axes)


def plot_pairs(
    particles: pd.DataFrame, parameters: list[str], *, axes: Sequence[Axes] | None = None
) -> list[Axes]:
    """The posterior's pairwise plot: marginals on the diagonal, particles below it.

    Below the diagonal each particle is a dot whose area is proportional to its weight;
    above it, the weighted correlation of the pair. ``axes`` holds the d x d panels row
    by row (``d`` parameters).
    """
    d = len(parameters)
    if axes is None:
        import matplotlib.pyplot as plt

        axes = list(plt.subplots(d, d, figsize=(3.2 * d, 3.2 * d), squeeze=False)[1].ravel())
    weights = particles["weight"].to_numpy(dtype=float)
    weights = weights / weights.sum()
    values = {p: particles[p].to_numpy(dtype=float) for p in parameters}
    for i, row in enumerate(parameters):
        for j, column in enumerate(parameters):
            ax = axes[i * d + j]
            if i == j:
                ax.hist(values[row], bins=30, weights=weights, color="#2980b9", alpha=0.75)
                ax.set_yticks([])
            elif i > j:
                ax.scatter(
                    values[column],
                    values[row],
                    s=4 + 400 * weights,
                    color="#2980b9",
                    alpha=0.5,
                    linewidths=0,
                )
            else:
                correlation = _weighted_correlation(values[column], values[row], weights)
                ax.text(
                    0.5, 0.5, f"r = {correlation:.2f}", ha="center", va="center", fontsize="large"
                )
                ax.set_axis_off()
            if i == d - 1:
                ax.set_xlabel(column, fontsize="small")
            if j == 0 and i > 0:
                ax.set_ylabel(row, fontsize="small")
    axes[0].set_title("posterior: weighted particles", fontsize="small", loc="left")
    return list(axes)


def _weighted_correlation(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    mx, my = np.average(x, weights=w), np.average(y, weights=w)
    cov = np.average((x - mx) * (y - my), weights=w)
    sx = np.sqrt(np.average((x - mx) ** 2, weights=w))
    sy = np.sqrt(np.average((y - my) ** 2, weights=w))
    return float(cov / (sx * sy)) if sx > 0 and sy > 0 else float("nan")


def plot_holdout(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Held-out data against their prediction from the posterior, one row per datum.

    Each row: the observed value with two standard deviations of its uncertainty
    (black), the posterior predictive median with its 90% interval over replications
    (blue), and the model at its default parameters (grey x). ``table`` is what
    ``check.predict`` returns.
    """
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.subplots(figsize=(9, 2.0 + 0.55 * len(table)), layout="constrained")[1]
    y = np.arange(len(table))[::-1]
    ax.hlines(y, table["low"], table["high"], color="#2980b9", lw=5, alpha=0.45,
              label="posterior predictive, 90% interval")  # fmt: skip
    ax.plot(table["median"], y, "|", color="#2980b9", ms=14, mew=2, label="its median")
    ax.plot(table["at_defaults"], y, "x", color="#7f7f7f", ms=7, label="at the defaults")
    ax.errorbar(table["observed"], y, xerr=2 * table["sd"], fmt="o", color="#000000",
                ms=4, capsize=3, label="observed, ± 2 sd")  # fmt: skip
    ax.set_yticks(y, [f"{t} ({p})" if p else str(t) for t, p in zip(
        table["target"], table["period"].fillna(""), strict=True)], fontsize="small")  # fmt: skip
    ax.axvline(0, color="#cccccc", lw=0.8, zorder=0)
    ax.set_xlabel("change (ratio - 1) or share, as each target defines it")
    ax.set_title("Out of sample: held-out data and the posterior's prediction", loc="left")
    ax.legend(fontsize="x-small", loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=4)
    return ax


COUNT_COLOURS = ("#999999", "#56B4E9", "#0072B2", "#009E73", "#E69F00", "#CC79A7")
"""Okabe and Ito's colours, grey first, for a count from 0."""


def count_scale(most: int) -> tuple[Any, Any, Any]:
    """A colour scale for a count from 0 to ``most``: the counts, a colour map, its norm.

    One colour per whole number (a continuous bar read 0.25 ... 1.75 for a count of 0, 1
    or 2); beyond six counts, viridis in as many steps.
    """
    from matplotlib import colormaps
    from matplotlib.colors import BoundaryNorm, ListedColormap

    counts = np.arange(most + 1)
    colours: list[Any]
    if len(counts) <= len(COUNT_COLOURS):
        colours = list(COUNT_COLOURS[: len(counts)])
    else:
        colours = [colormaps["viridis"](i / (len(counts) - 1)) for i in counts]
    cmap = ListedColormap(colours)
    return counts, cmap, BoundaryNorm(np.arange(len(counts) + 1) - 0.5, cmap.N)
