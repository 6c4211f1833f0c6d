"""Analysing a sweep: sensitivity indices (SALib), heatmaps, and metric against parameter.

Replications are averaged per point first: the indices describe how the expected
outcome depends on the parameters; the spread across replications is reported
beside them as the noise they must be read against.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from influence_sim.errors import InfluenceSimError
from influence_sim.experiments.sampling import problem
from influence_sim.experiments.sweep import SweepResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def outcome(result: SweepResult, metric: str | None = None) -> str:
    """The metric to analyse: the one asked for, the spec's, or the first final alignment."""
    chosen = metric or result.spec.analysis.metric
    columns = [c for c in result.metrics.columns if "." in c]
    if chosen is None:
        chosen = next(c for c in columns if c.startswith("final_alignment."))
    if chosen not in result.metrics.columns:
        from influence_sim.errors import suggest

        hint = suggest(chosen, columns)
        raise InfluenceSimError(
            f"no metric '{chosen}' in this sweep" + (f"; {hint}" if hint else "")
        )
    return chosen


def point_means(result: SweepResult, metric: str) -> pd.Series:
    """The metric averaged over replications, for every point (NaN where all runs failed)."""
    means = result.metrics.groupby("point")[metric].mean()
    return means.reindex(result.points["point"])


def _salib() -> Any:
    try:
        from SALib.analyze import morris, sobol
    except ImportError:
        raise InfluenceSimError(
            "sensitivity indices need SALib: pip install 'influence-sim[sensitivity]'"
        ) from None
    return sobol, morris


def indices(result: SweepResult, metric: str) -> pd.DataFrame:
    """Sobol (S1, ST with confidence) or Morris (mu*, sigma) indices per parameter.

    Raises:
        InfluenceSimError: For other samplers, or when runs failed (the designs need every point).
    """
    method = result.spec.sampler.method
    if method not in ("sobol", "morris"):
        raise InfluenceSimError(f"indices need a sobol or morris sweep; this one is '{method}'")
    y = point_means(result, metric).to_numpy()
    if not np.isfinite(y).all():
        raise InfluenceSimError(
            f"{int((~np.isfinite(y)).sum())} points have no successful run; the {method} design "
            "needs every point"
        )
    sobol, morris = _salib()
    spec_problem = problem(result.spec)
    names = spec_problem["names"]
    if method == "sobol":
        si = sobol.analyze(spec_problem, y, calc_second_order=False, seed=result.spec.seed)
        return pd.DataFrame(
            {
                "parameter": names,
                "S1": si["S1"],
                "S1_conf": si["S1_conf"],
                "ST": si["ST"],
                "ST_conf": si["ST_conf"],
            }
        )
    x = result.points[names].to_numpy()
    mi = morris.analyze(
        spec_problem, x, y, num_levels=result.spec.sampler.levels, seed=result.spec.seed
    )
    return pd.DataFrame(
        {
            "parameter": names,
            "mu_star": mi["mu_star"],
            "mu_star_conf": mi["mu_star_conf"],
            "sigma": mi["sigma"],
        }
    )


def plot_indices(table: pd.DataFrame, *, metric: str = "", ax: Axes | None = None) -> Axes:
    """A bar plot of Sobol (first-order and total) or Morris (mu*) indices."""
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
        ax.set_xlabel("Sobol index")
    else:
        ax.barh(y, table["mu_star"], 0.6, xerr=table["mu_star_conf"], label="mu*", color="#2980b9")
        ax.set_xlabel("Morris mu*")
    ax.set_yticks(y, table["parameter"])
    ax.invert_yaxis()
    ax.set_title(f"Sensitivity of {metric}" if metric else "Sensitivity")
    ax.legend(loc="lower right", fontsize="small")
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
    table = result.metrics.pivot_table(
        index=paths[0], columns=paths[1], values=metric, aggfunc="median"
    )
    image = ax.imshow(table.to_numpy(), origin="lower", aspect="auto", cmap="RdYlBu_r")
    ax.set_yticks(range(len(table.index)), [f"{v:.2g}" for v in table.index])
    ax.set_xticks(range(len(table.columns)), [f"{v:.2g}" for v in table.columns])
    ax.set(ylabel=paths[0], xlabel=paths[1], title=f"{metric} (median over replications)")
    ax.figure.colorbar(image, ax=ax)
    return ax


def plot_against(
    result: SweepResult, metric: str, parameter: str, *, ax: Axes | None = None
) -> Axes:
    """The metric against one parameter: every run, and the mean per point."""
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.subplots(figsize=(6, 4))[1]
    ax.scatter(result.metrics[parameter], result.metrics[metric], s=4, alpha=0.25, color="#7f8c8d")
    means = result.metrics.groupby("point")[[parameter, metric]].mean()
    ax.scatter(means[parameter], means[metric], s=10, color="#c0392b", label="mean per point")
    ax.set(xlabel=parameter, ylabel=metric)
    ax.legend(loc="best", fontsize="small")
    return ax


def analyze(result: SweepResult, *, metric: str | None = None) -> tuple[Path, list[str]]:
    """Write ``analysis/`` in the sweep folder: tables and plots. Returns it and a summary."""
    from matplotlib.figure import Figure

    chosen = outcome(result, metric)
    folder = result.folder / "analysis"
    folder.mkdir(exist_ok=True)
    lines = [f"{result.n_runs} runs, {result.failed} failed; outcome: {chosen}"]
    spread = result.metrics.groupby("point")[chosen].std().median()
    lines.append(f"median spread across replications of a point (sd): {spread:.4f}")
    if result.spec.sampler.method in ("sobol", "morris"):
        table = indices(result, chosen)
        table.to_csv(folder / "indices.csv", index=False)
        figure = Figure(figsize=(8, 1 + 0.5 * len(table)), layout="constrained")
        plot_indices(table, metric=chosen, ax=figure.add_subplot())
        figure.savefig(folder / "indices.png", dpi=110)
        for row in table.itertuples():
            if "S1" in table:
                lines.append(f"{row.parameter}: S1 {row.S1:.3f}, ST {row.ST:.3f}")
            else:
                lines.append(f"{row.parameter}: mu* {row.mu_star:.4f}, sigma {row.sigma:.4f}")
        if "S1" in table:
            lines.append(f"sum of S1 {table['S1'].sum():.3f} (at most 1 up to sampling error)")
    if result.spec.sampler.method == "grid" and len(result.spec.parameters) == 2:
        figure = Figure(figsize=(7, 5.5), layout="constrained")
        plot_heatmap(result, chosen, ax=figure.add_subplot())
        figure.savefig(folder / "heatmap.png", dpi=110)
        table = result.metrics.pivot_table(
            index=next(iter(result.spec.parameters)),
            columns=list(result.spec.parameters)[1],
            values=chosen,
            aggfunc="median",
        )
        table.to_csv(folder / "heatmap.csv")
        lines.append(f"heatmap: {folder / 'heatmap.png'}")
    for parameter in result.spec.parameters:
        figure = Figure(figsize=(6, 4), layout="constrained")
        plot_against(result, chosen, parameter, ax=figure.add_subplot())
        figure.savefig(folder / f"against-{parameter}.png", dpi=90)
    return folder, lines
