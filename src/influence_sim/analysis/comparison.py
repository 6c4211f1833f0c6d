"""Paired comparisons: two scenarios run with the same seeds, replication by replication.

Replication *r* of both runs draws the same noise (common random numbers), so the
difference ``b - a`` per replication isolates what the scenarios change.
"""

from __future__ import annotations

import json
import os
import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from influence_sim.errors import InfluenceSimError, one_of
from influence_sim.format.loading import Overrides, override_list, resolve_scenario
from influence_sim.format.scenario import Scenario
from influence_sim.results.provenance import invocation
from influence_sim.results.runs import (
    RunResult,
    scenario_hash,
    versions,
    whole_folder,
)
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
        overrides_a: Overrides of ``a`` alone (``--set-a``), after those of both.
        overrides_b: Overrides of ``b`` alone (``--set-b``).
    """

    a: RunResult
    b: RunResult
    state: str
    differences: pd.DataFrame
    folder: Path | None = None
    command: list[str] = field(default_factory=list)
    overrides_a: list[str] = field(default_factory=list)
    overrides_b: list[str] = field(default_factory=list)

    @property
    def what(self) -> str:
        """What is compared, in words: ``B minus A``, each with its own overrides."""

        def side(result: RunResult, own: list[str]) -> str:
            return f"{result.name} with {', '.join(own)}" if own else result.name

        return f"{side(self.b, self.overrides_b)} minus {side(self.a, self.overrides_a)}"

    def summary(self) -> list[str]:
        """One line per power: the largest median paired difference, and the last.

        Each with the 10th to 90th percentiles of the replications' paired differences,
        so a difference that noise could make is seen as one.
        """
        lines = []
        what = self.what
        for power in self.a.scenario.powers:
            rows = self.differences[self.differences["power"] == power]
            spread = rows.groupby("step")["value"].quantile(np.array([0.1, 0.5, 0.9])).unstack()
            per_step = spread[0.5]
            biggest = int(np.abs(per_step.to_numpy()).argmax())
            scenario = self.a.scenario
            when = scenario.timeline.period_of(int(per_step.index[biggest]))
            lines.append(
                f"{scenario.states[self.state].title}'s overall alignment with "
                f"{scenario.powers[power].title}, {what} (median of paired differences): "
                f"{_at(spread, biggest)} in {when}, "
                f"{_at(spread, len(per_step) - 1)} at the end"
            )
        return lines

    def folder_name(self) -> str:
        """``compare-<a>-vs-<b>-<timestamp>-<hash>``: the hash covers both runs' inputs."""
        a, b = self.a, self.b
        key = f"{scenario_hash(a.scenario)}:{scenario_hash(b.scenario)}:{a.seed}:{a.replications}"
        key += f":{self.overrides_a}:{self.overrides_b}"
        return folder_name(f"compare-{a.name}-vs-{b.name}", a.started, key)

    def _manifest(self) -> dict[str, Any]:
        """What the comparison's folder records of how it was made."""
        return {
            "kind": "comparison",
            "status": "complete",
            "a": f"a-{self.a.name}",
            "b": f"b-{self.b.name}",
            "a_scenario_sha256": scenario_hash(self.a.scenario),
            "b_scenario_sha256": scenario_hash(self.b.scenario),
            "overrides_a": self.overrides_a,
            "overrides_b": self.overrides_b,
            "seed": self.a.seed,
            "seed_derivation": "influence_sim.engine.draws.stream_keys(seed, "
            "(replication,)), the same for a and b",
            "replications": self.a.replications,
            "state": self.state,
            "difference": "b minus a, paired by replication",
            "started": self.a.started.isoformat(),
            "finished": self.b.finished.isoformat(),
            "versions": versions(),
            "platform": platform.platform(),
            "command": self.command,
        }

    def save(
        self,
        out: str | os.PathLike[str] = "results",
        *,
        plots: bool = True,
        format: str = "png",
        dpi: int = 110,
    ) -> Path:
        """Write both results folders, ``differences.parquet``, a manifest and ``plots/``.

        Figures are ``format`` (png, svg, pdf) at ``dpi``.

        Raises:
            InfluenceSimError: If the folder exists already or cannot be written.
        """
        from influence_sim.viz import save_figure, save_standard_plots
        from influence_sim.viz.plotting import plot_comparison, plot_comparison_unrest

        def draw(result: RunResult, where: Path) -> object:
            return save_standard_plots(result, where, format=format, dpi=dpi)

        with whole_folder(Path(out) / self.folder_name()) as dest:
            folder = dest.temporary
            self.a.save(folder, name=f"a-{self.a.name}", draw=draw if plots else None)
            self.b.save(folder, name=f"b-{self.b.name}", draw=draw if plots else None)
            self.differences.to_parquet(folder / "differences.parquet", index=False)
            caption = (
                f"Line: median of the paired differences; band: their 10th to 90th "
                f"percentiles over {self.a.replications} replications (paired by seed)."
            )
            for power in self.a.scenario.powers if plots else ():
                for domain, suffix in (("overall", ""), ("security", "-security")):
                    save_figure(
                        folder / "plots" / f"comparison-{self.state}-{power}{suffix}.{format}",
                        lambda ax, power=power, domain=domain: plot_comparison(
                            self.a,
                            self.b,
                            state=self.state,
                            power=power,
                            domain=domain,
                            ax=ax,
                            label=self.what,
                        ),
                        dpi=dpi,
                        caption=caption,
                    )
            if plots:
                save_figure(
                    folder / "plots" / f"comparison-{self.state}-unrest.{format}",
                    lambda ax: plot_comparison_unrest(
                        self.a, self.b, state=self.state, ax=ax, label=self.what
                    ),
                    dpi=dpi,
                    caption=caption,
                )
            manifest = self._manifest()
            (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        self.folder = dest.final
        # Each run's folder as it now is (it was written inside the hidden one).
        self.a.folder = dest.final / f"a-{self.a.name}"
        self.b.folder = dest.final / f"b-{self.b.name}"
        return dest.final


def _at(spread: pd.DataFrame, i: int) -> str:
    """A step's median paired difference with the 10th and 90th percentiles."""
    low, mid, high = (float(spread.iloc[i][q]) for q in (0.1, 0.5, 0.9))
    return f"{mid:+.3f} (10-90% of replications {low:+.3f} to {high:+.3f})"


def compare(
    base: Scenario | str | os.PathLike[str],
    other: Scenario | str | os.PathLike[str],
    *,
    seed: int | None = None,
    replications: int | None = None,
    overrides: Overrides = (),
    overrides_a: Overrides = (),
    overrides_b: Overrides = (),
    state: str | None = None,
    progress: bool = False,
) -> Comparison:
    """Run two scenarios with the same seeds and pair their results.

    Args:
        base: The reference scenario (a ``Scenario``, a file or a bundled name).
        other: The scenario compared with it (the same scenario with ``overrides_b``
            compares a change of one thing).
        seed: The seed of both (default: the reference's).
        replications: How many replications of both (default: the reference's).
        overrides: Applied to both scenarios.
        overrides_a: Applied to ``base`` alone, after ``overrides``.
        overrides_b: Applied to ``other`` alone, after ``overrides``.
        state: The state compared (default: the one the scenarios' shocks name).
        progress: Show progress bars.

    Returns:
        The pairing; ``.summary()`` says it in words, ``.save(out)`` writes it.

    Raises:
        InfluenceSimError: If the scenarios cannot be paired (different calendars).
    """
    from influence_sim.drivers.runner import run
    from influence_sim.viz.plotting import focus_state, paired_difference

    changes = override_list(overrides)
    only_a, only_b = override_list(overrides_a), override_list(overrides_b)
    first = resolve_scenario(base, [*changes, *only_a])
    seed = first.seed if seed is None else seed
    replications = first.replications if replications is None else replications
    a, b = (
        run(
            s,
            seed=seed,
            replications=replications,
            overrides=[*changes, *own],
            progress=progress,
        )
        for s, own in ((base, only_a), (other, only_b))
    )
    if a.scenario.timeline != b.scenario.timeline:
        raise InfluenceSimError(
            f"'{a.name}' and '{b.name}' have different calendars; a paired comparison needs "
            "the same calendar"
        )
    if state is None:
        state = focus_state(b)
    elif state not in a.scenario.states:
        raise InfluenceSimError(
            f"--state {state}: not a state of '{a.name}'; expected "
            + one_of(list(a.scenario.states))
        )
    differences = pd.concat(
        [
            paired_difference(a, b, state=state, power=p).assign(power=p, state=state)
            for p in a.scenario.powers
        ],
        ignore_index=True,
    )
    return Comparison(
        a,
        b,
        state,
        differences,
        command=invocation(),
        overrides_a=only_a,
        overrides_b=only_b,
    )
