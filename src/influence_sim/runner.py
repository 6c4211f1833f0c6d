"""``run``: pick a driver, run a scenario, and return its tidy results."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from influence_sim.analysis import Summary
from influence_sim.compile import compile_scenario
from influence_sim.ensemble import replicate, run_ensemble
from influence_sim.errors import InfluenceSimError
from influence_sim.kernel import State, StepEvents
from influence_sim.model import InfluenceModel, resolve
from influence_sim.results import RunResult, now
from influence_sim.scenario import Scenario
from influence_sim.tables import build_tables
from influence_sim.trajectory import Trajectory, record_steps

Driver = Literal["ensemble", "mesa"]
MAX_ALIGNMENT_ROWS = 30_000_000
"""The largest ``alignment`` table a run builds; beyond it, record less often or sweep."""


def run(
    scenario: Scenario | str | Path,
    *,
    seed: int | None = None,
    replications: int | None = None,
    driver: Driver = "ensemble",
    overrides: Iterable[str] = (),
    record_every: int | None = None,
    progress: bool = False,
    command: list[str] | None = None,
) -> RunResult:
    """Run a scenario and return its results.

    Args:
        scenario: A ``Scenario``, a scenario file, or a bundled scenario's name.
        seed: The seed (default: the scenario's).
        replications: How many replications (default: the scenario's).
        driver: ``ensemble`` (all replications at once) or ``mesa`` (one Mesa model each);
            both give bit-identical results.
        overrides: ``path=value`` overrides applied to the scenario.
        record_every: Keep the state every this many steps (default: the scenario's).
        progress: Show a progress bar on standard error.
        command: The command line to store in the manifest.

    Returns:
        The run's tidy frames and provenance.

    Raises:
        InfluenceSimError: For a bad scenario, driver or count.
    """
    overrides = list(overrides)
    resolved = resolve(scenario, overrides)
    reference = resolve(scenario) if overrides else None
    seed = resolved.seed if seed is None else int(seed)
    n = resolved.replications if replications is None else int(replications)
    every = resolved.observation.record_every if record_every is None else int(record_every)
    if driver not in ("ensemble", "mesa"):
        raise InfluenceSimError(f"unknown driver '{driver}'; expected 'ensemble' or 'mesa'")
    if n < 1 or every < 1 or seed < 0:
        raise InfluenceSimError("replications and record_every must be at least 1, seed at least 0")
    compiled = compile_scenario(resolved, reference)
    rows = n * len(record_steps(compiled.timeline.n_steps, every)) * len(compiled.states)
    rows *= len(compiled.options) * 3
    if rows > MAX_ALIGNMENT_ROWS:
        raise InfluenceSimError(
            f"{n} replications recorded every {every} steps would make {rows:,} alignment rows; "
            "record less often (--record-every) or use fewer replications (a sweep keeps only "
            "summary metrics)"
        )
    started = now()
    bar = _progress(n * compiled.timeline.n_steps, enabled=progress)
    try:
        if driver == "ensemble":
            summary = Summary(compiled, compiled.params, replicate(compiled.initial, n))

            def observe(done: int, state: State, events: StepEvents) -> None:
                summary.update(done, state)
                bar.update(n)

            trajectory = run_ensemble(compiled, n, seed, record_every=every, observers=[observe])
            summaries = summary.frame()
        else:
            trajectory, summaries = _run_mesa(scenario, overrides, n, seed, every, bar)
    finally:
        bar.close()
    tables = build_tables(compiled, trajectory)
    summaries.insert(0, "replication", np.arange(n))
    tables["summary"] = summaries
    return RunResult(resolved, seed, n, driver, tables, started, now(), command or [])


def _run_mesa(
    scenario: Scenario | str | Path, overrides: list[str], n: int, seed: int, every: int, bar: Any
) -> tuple[Trajectory, pd.DataFrame]:
    parts, summaries = [], []
    for r in range(n):
        model = InfluenceModel(
            scenario, seed=seed, replication=r, record_every=every, overrides=overrides
        )
        while model.running:
            model.step()
            bar.update(1)
        parts.append(model.trajectory)
        summaries.append(model.summary.frame())
    arrays = {name: np.concatenate([p.arrays[name] for p in parts]) for name in parts[0].arrays}
    events = [row for p in parts for row in p.events]
    return Trajectory(parts[0].steps, arrays, events), pd.concat(summaries, ignore_index=True)


def _progress(total: int, *, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(
        total=total,
        disable=None if enabled else True,  # None: only on a terminal
        unit=" replication-steps",
        unit_scale=True,
        leave=False,
        dynamic_ncols=True,
    )
