"""Analysing a sweep: sensitivity indices (SALib), heatmaps, and metric against parameter.

Replications are averaged per point first: the indices describe how the expected
outcome depends on the parameters; the spread across replications is reported
beside them as the noise they must be read against.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from influence_sim.errors import InfluenceSimError
from influence_sim.format.sweepspec import ValuesParameter, categorical_paths
from influence_sim.sweeps.sampling import problem
from influence_sim.sweeps.sweep import SweepResult


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


WIDE = 0.1
"""A Sobol interval wider than this (either side) says the sample is too small."""


def sobol_warning(table: pd.DataFrame, points: int) -> str | None:
    """A warning when Sobol indices come from too small a sample, or None.

    Signs of it: an index below 0 or S1 above ST beyond their intervals, or intervals
    wider than ±:data:`WIDE`.
    """
    signs = []
    negative = table[(table["S1"] + table["S1_conf"] < 0) | (table["ST"] + table["ST_conf"] < 0)]
    if len(negative):
        signs.append("negative indices (" + ", ".join(negative["parameter"]) + ")")
    above = table[table["S1"] - table["S1_conf"] > table["ST"] + table["ST_conf"]]
    if len(above):
        signs.append("S1 above ST (" + ", ".join(above["parameter"]) + ")")
    if (table[["S1_conf", "ST_conf"]] > WIDE).to_numpy().any():
        signs.append(f"intervals wider than ±{WIDE:g}")
    if not signs:
        return None
    return (
        f"warning: {points} points are too few for these Sobol indices: "
        + "; ".join(signs)
        + ". Raise sampler.n (Saltelli's scheme: 500 to 1,000 is common) before reading them."
    )


def analyze(
    result: SweepResult, *, metric: str | None = None, format: str = "png", dpi: int = 110
) -> tuple[Path, list[str]]:
    """Write ``analysis/<metric>/`` in the sweep folder: tables and plots.

    Each metric has its own folder, so analysing a second outcome keeps the first.
    Figures are ``format`` (png, svg, pdf) at ``dpi``. Returns the folder and a summary.
    """
    from influence_sim.viz.sweeps import save_analysis_figures

    chosen = outcome(result, metric)
    folder = result.folder / "analysis" / chosen
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"{result.n_runs} runs, {result.failed} failed; outcome: {chosen}"]
    spread = result.metrics.groupby("point")[chosen].std().median()
    lines.append(f"median spread across replications of a point (sd): {spread:.4f}")
    table = None
    if result.spec.sampler.method in ("sobol", "morris"):
        table = indices(result, chosen)
        table.to_csv(folder / "indices.csv", index=False)
        warning = sobol_warning(table, len(result.points)) if "S1" in table else None
        if warning:
            lines.append(warning)  # before the numbers it qualifies
        for row in table.itertuples():
            if "S1" in table:
                lines.append(
                    f"{row.parameter}: S1 {row.S1:.3f} ± {row.S1_conf:.3f}, "
                    f"ST {row.ST:.3f} ± {row.ST_conf:.3f} (95% bootstrap intervals)"
                )
            else:
                lines.append(f"{row.parameter}: mu* {row.mu_star:.4f}, sigma {row.sigma:.4f}")
        if "S1" in table:
            lines.append(f"sum of S1 {table['S1'].sum():.3f} (at most 1 up to sampling error)")
    from influence_sim.viz.sweeps import has_heatmap, heatmap_table

    if has_heatmap(result):
        heatmap_table(result, chosen).to_csv(folder / "heatmap.csv")
        lines.append(f"heatmap: {folder / f'heatmap.{format}'}")
    differences = level_differences(result, chosen)
    if differences is not None:
        differences.to_csv(folder / "levels.csv", index=False)
        lines.extend(
            f"{row.parameter} = {row.level} minus {row.reference} (paired by seed over "
            f"{row.pairs} runs): median {row.median:+.4f}, 10-90% {row.low:+.4f} to "
            f"{row.high:+.4f}; medians {row.level_median:.4f} against "
            f"{row.reference_median:.4f}"
            for row in differences.itertuples()
        )
    save_analysis_figures(result, chosen, table, folder, format=format, dpi=dpi, levels=differences)
    return folder, lines


def level_differences(result: SweepResult, metric: str) -> pd.DataFrame | None:
    """Each level of each switch against its first level, paired run by run.

    Runs of a pair (the same values but the levels) share their noise, so the
    difference of a run at level L and the run at the first level with the same pair,
    replication and other levels is the effect of the level alone. Returns, per
    parameter and level: the number of paired runs, the median difference and its 10th
    and 90th percentiles, and both levels' medians; None when the sweep has no levels.
    """
    from influence_sim.format.sweepspec import base_label
    from influence_sim.sweeps.sampling import BASE, PAIR

    spec = result.spec
    values: dict[str, list[Any]] = {
        p: list(v.values)
        for p in categorical_paths(spec)
        if isinstance(v := spec.parameters[p], ValuesParameter)
    }
    if isinstance(spec.base, list):
        values = {BASE: [base_label(b) for b in spec.base], **values}
    switches = list(values)
    if not switches:
        return None
    runs = result.metrics
    for column in (PAIR, BASE):
        if column not in runs and column in result.points:
            runs = runs.merge(result.points[["point", column]], on="point")
    rows = []
    for path in switches:
        others = [p for p in switches if p != path]
        keys = [PAIR, "replication", *others]
        levels = values[path]
        reference = runs[runs[path] == levels[0]].set_index(keys)[metric]
        for level in levels[1:]:
            mine = runs[runs[path] == level].set_index(keys)[metric]
            paired = (mine - reference).dropna()
            rows.append(
                {
                    "parameter": path,
                    "level": level,
                    "reference": levels[0],
                    "pairs": len(paired),
                    "median": float(paired.median()),
                    "low": float(paired.quantile(0.1)),
                    "high": float(paired.quantile(0.9)),
                    "level_median": float(mine.median()),
                    "reference_median": float(reference.median()),
                }
            )
    return pd.DataFrame(rows)
