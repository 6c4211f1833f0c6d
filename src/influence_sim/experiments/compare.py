"""Paired comparisons: two scenarios run with the same seeds, replication by replication.

Replication *r* of both runs draws the same noise (common random numbers), so the
difference ``b - a`` per replication isolates what the scenarios change.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from influence_sim.errors import InfluenceSimError
from influence_sim.format.loading import Overrides, override_list, resolve_scenario
from influence_sim.format.scenario import Scenario
from influence_sim.results.runs import RunResult, scenario_hash, whole_folder
from influence_sim.results.storage import folder_name


@dataclass
class Comparison:
    """Two runs paired by seed, and their differences.

    Attributes:
        a: The reference run.
        b: The run compared with it.
        state: The state the comparison is about (the one the scenarios' shocks name).
        differences: ``b - a`` overall alignment per replication, step and power.
        folder: Where it was saved, once it is.
        command: The command line, when run from one.
    """

    a: RunResult
    b: RunResult
    state: str
    differences: pd.DataFrame
    folder: Path | None = None
    command: list[str] = field(default_factory=list)

    def summary(self) -> list[str]:
        """One line per power: the largest median paired difference, and the last."""
        lines = []
        for power in self.a.scenario.powers:
            rows = self.differences[self.differences["power"] == power]
            per_step = rows.groupby("step")["value"].median()
            biggest = int(np.abs(per_step.to_numpy()).argmax())
            lines.append(
                f"{self.state} overall alignment with {power}, {self.b.name} minus "
                f"{self.a.name} (median of paired differences): {per_step.iloc[biggest]:+.3f} "
                f"at step {per_step.index[biggest]}, {per_step.iloc[-1]:+.3f} at the end"
            )
        return lines

    def folder_name(self) -> str:
        """``compare-<a>-vs-<b>-<timestamp>-<hash>``: the hash covers both runs' inputs."""
        a, b = self.a, self.b
        key = f"{scenario_hash(a.scenario)}:{scenario_hash(b.scenario)}:{a.seed}:{a.replications}"
        return folder_name(f"compare-{a.name}-vs-{b.name}", a.started, key)

    def save(self, directory: str | os.PathLike[str] = "results", *, plots: bool = True) -> Path:
        """Write both results folders, ``differences.parquet``, a manifest and ``plots/``.

        Raises:
            InfluenceSimError: If the folder exists already or cannot be written.
        """
        from influence_sim.viz import plot_comparison, save_figure, save_standard_plots

        draw = save_standard_plots if plots else None
        final = Path(directory) / self.folder_name()
        with whole_folder(final) as folder:
            self.a.save(folder, name=f"a-{self.a.name}", draw=draw)
            self.b.save(folder, name=f"b-{self.b.name}", draw=draw)
            self.differences.to_parquet(folder / "differences.parquet", index=False)
            for power in self.a.scenario.powers if plots else ():
                save_figure(
                    folder / "plots" / f"comparison-{self.state}-{power}.png",
                    lambda ax, power=power: plot_comparison(
                        self.a, self.b, state=self.state, power=power, ax=ax
                    ),
                )
            manifest: dict[str, Any] = {
                "status": "complete",
                "a": f"a-{self.a.name}",
                "b": f"b-{self.b.name}",
                "seed": self.a.seed,
                "replications": self.a.replications,
                "state": self.state,
                "difference": "b minus a, paired by replication",
                "command": self.command,
            }
            (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        self.folder = final
        return final


def compare(
    base: Scenario | str | os.PathLike[str],
    other: Scenario | str | os.PathLike[str],
    *,
    seed: int | None = None,
    replications: int | None = None,
    overrides: Overrides = (),
    progress: bool = False,
    command: list[str] | None = None,
) -> Comparison:
    """Run two scenarios with the same seeds and pair their results.

    Args:
        base: The reference scenario (a ``Scenario``, a file or a bundled name).
        other: The scenario compared with it.
        seed: The seed of both (default: the reference's).
        replications: How many replications of both (default: the reference's).
        overrides: Applied to both scenarios.
        progress: Show progress bars.
        command: The command line, for the manifests.

    Returns:
        The pairing; ``.summary()`` says it in words, ``.save(directory)`` writes it.

    Raises:
        InfluenceSimError: If the scenarios cannot be paired (different calendars).
    """
    from influence_sim.drivers.runner import run
    from influence_sim.viz.plotting import focus_state, paired_difference

    changes = override_list(overrides)
    first = resolve_scenario(base, changes)
    seed = first.seed if seed is None else seed
    replications = first.replications if replications is None else replications
    a, b = (
        run(
            s,
            seed=seed,
            replications=replications,
            overrides=changes,
            progress=progress,
            command=command,
        )
        for s in (base, other)
    )
    if a.scenario.timeline != b.scenario.timeline:
        raise InfluenceSimError(
            f"'{a.name}' and '{b.name}' have different calendars; a paired comparison needs "
            "the same calendar"
        )
    state = focus_state(b)
    differences = pd.concat(
        [
            paired_difference(a, b, state=state, power=p).assign(power=p, state=state)
            for p in a.scenario.powers
        ],
        ignore_index=True,
    )
    return Comparison(a, b, state, differences, command=command or [])
