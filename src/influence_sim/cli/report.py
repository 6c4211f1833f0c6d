"""Short plain-language accounts of runs and comparisons, for the command line."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from influence_sim.errors import InfluenceSimError
from influence_sim.format.scenario import Scenario
from influence_sim.results.runs import RunResult, now, whole_folder
from influence_sim.viz.plotting import focus_state, paired_difference


def describe(result: RunResult) -> list[str]:
    """Three lines: who asked for troops, who came, how the focus state's alignment moved."""
    events = result.tables["events"]
    n = result.replications
    lines = []
    requests = events[events["kind"] == "request"]
    if requests.empty:
        lines.append("Requests: none.")
    else:
        parts = []
        for (state, to), rows in requests.groupby(["actor", "target"], sort=False):
            first = rows.groupby("replication")["step"].min()
            parts.append(
                f"{state} asked {to} in {first.size} of {n} replications "
                f"(median step {first.median():g})"
            )
        lines.append("Requests: " + "; ".join(parts) + ".")
    answers = events[events["kind"].isin(["accept", "decline"])]
    if answers.empty:
        lines.append("Responses: none.")
    else:
        parts = [_answers(power, rows, n) for power, rows in answers.groupby("actor", sort=False)]
        arrivals = events[events["kind"] == "arrival"]
        if not arrivals.empty:
            lag = _lag(requests, arrivals)
            parts.append(f"troops arrived a median {lag:g} steps after the first request")
        lines.append("Responses: " + "; ".join(parts) + ".")
    lines.append(_movement(result))
    return lines


def _answers(power: object, rows: pd.DataFrame, n: int) -> str:
    """How a power answered: every request counted once, so the counts add up."""
    yes, no = rows[rows["kind"] == "accept"], rows[rows["kind"] == "decline"]
    total = len(rows)
    in_yes, in_no = yes["replication"].nunique(), no["replication"].nunique()
    if no.empty:
        return f"{power} accepted {len(yes)} of {total} requests, in {in_yes} of {n} replications"
    if yes.empty:
        return f"{power} declined {len(no)} of {total} requests, in {in_no} of {n} replications"
    return (
        f"{power} accepted {len(yes)} and declined {len(no)} of {total} requests (some "
        f"replications asked more than once: accepted in {in_yes}, declined in {in_no} of "
        f"{n} replications)"
    )


def _lag(requests: pd.DataFrame, arrivals: pd.DataFrame) -> float:
    asked = requests.groupby(["replication", "actor"])["step"].min().rename("asked")
    came = arrivals.groupby(["replication", "target"])["step"].min().rename("came")
    came.index = came.index.set_names(["replication", "actor"])
    joined = pd.concat([asked, came], axis=1, join="inner")
    return float((joined["came"] - joined["asked"]).median()) if len(joined) else float("nan")


def _movement(result: RunResult) -> str:
    state = focus_state(result)
    frame = result.tables["alignment"]
    rows = frame[(frame["state"] == state) & (frame["domain"] == "overall")]
    medians = rows.groupby(["power", "step"], observed=True)["value"].median()
    parts = []
    for power in result.scenario.powers:
        series = medians.loc[power]
        peak_step = int(series.idxmax())
        parts.append(
            f"{power} {series.iloc[0]:.2f} at the start, {series.max():.2f} at its peak "
            f"(step {peak_step}), {series.iloc[-1]:.2f} at the end"
        )
    title = result.scenario.states[state].title
    return f"Alignment of {title} (median): " + "; ".join(parts) + "."


def compare(
    base: Scenario | str | Path,
    other: Scenario | str | Path,
    *,
    seed: int | None = None,
    replications: int | None = None,
    overrides: list[str] | None = None,
    out: str | os.PathLike[str] = "results",
    progress: bool = False,
    command: list[str] | None = None,
) -> tuple[Path, list[str]]:
    """Run two scenarios with the same seeds and write their paired comparison.

    The folder ``<out>/compare-<a>-vs-<b>-<timestamp>/`` holds both results folders,
    ``differences.parquet`` (``b - a`` per replication, step and power for the state the
    scenarios are about), a manifest, and ``plots/``.

    Returns:
        The folder, and one line per power describing the difference.

    Raises:
        InfluenceSimError: If the scenarios cannot be paired (different calendars).
    """
    from influence_sim.drivers.runner import run
    from influence_sim.format.loading import resolve_scenario as resolve
    from influence_sim.viz.plotting import plot_comparison, save_figure

    first = resolve(base, overrides or [])
    seed = first.seed if seed is None else seed
    replications = first.replications if replications is None else replications
    results = [
        run(
            s,
            seed=seed,
            replications=replications,
            overrides=overrides or [],
            progress=progress,
            command=command,
        )
        for s in (base, other)
    ]
    a, b = results
    if a.scenario.timeline != b.scenario.timeline:
        raise InfluenceSimError(
            f"'{a.name}' and '{b.name}' have different calendars; a paired comparison needs "
            "the same calendar"
        )
    state = focus_state(b)
    powers = list(a.scenario.powers)
    diffs = pd.concat(
        [
            paired_difference(a, b, state=state, power=p).assign(power=p, state=state)
            for p in powers
        ],
        ignore_index=True,
    )
    final = Path(out) / f"compare-{a.name}-vs-{b.name}-{now().strftime('%Y%m%d-%H%M%S')}"
    with whole_folder(final) as folder:
        from influence_sim.viz import save_standard_plots

        a.save(folder, name=f"a-{a.name}", draw=save_standard_plots)
        b.save(folder, name=f"b-{b.name}", draw=save_standard_plots)
        diffs.to_parquet(folder / "differences.parquet", index=False)
        for power in powers:
            save_figure(
                folder / "plots" / f"comparison-{state}-{power}.png",
                lambda ax, power=power: plot_comparison(a, b, state=state, power=power, ax=ax),
            )
        manifest: dict[str, Any] = {
            "status": "complete",
            "a": f"a-{a.name}",
            "b": f"b-{b.name}",
            "seed": seed,
            "replications": replications,
            "state": state,
            "difference": "b minus a, paired by replication",
            "command": command or [],
        }
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    lines = []
    for power in powers:
        per_step = diffs[diffs["power"] == power].groupby("step")["value"].median()
        biggest = int(np.abs(per_step.to_numpy()).argmax())
        lines.append(
            f"{state} overall alignment with {power}, {b.name} minus {a.name} (median of paired "
            f"differences): {per_step.iloc[biggest]:+.3f} at step {per_step.index[biggest]}, "
            f"{per_step.iloc[-1]:+.3f} at the end"
        )
    return final, lines
