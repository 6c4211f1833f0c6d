"""``run``: pick a driver, run a scenario, and return its tidy results."""

from __future__ import annotations

import os
from typing import Any, Literal

import numpy as np
import pandas as pd

from influence_sim import arguments
from influence_sim.engine.compile import compile_scenario
from influence_sim.engine.ensemble import replicate, run_ensemble
from influence_sim.engine.kernel import State, StepEvents
from influence_sim.engine.trajectory import Trajectory
from influence_sim.format.loading import Overrides, override_list
from influence_sim.format.loading import resolve_scenario as resolve
from influence_sim.format.scenario import MAX_STEPS, Scenario
from influence_sim.results.memory import check_memory, estimate_run_bytes
from influence_sim.results.metrics import Summary
from influence_sim.results.runs import RunResult, now
from influence_sim.results.tables import build_tables

Driver = Literal["ensemble", "mesa"]


def run(
    scenario: Scenario | str | os.PathLike[str],
    *,
    seed: int | None = None,
    replications: int | None = None,
    driver: Driver = "ensemble",
    overrides: Overrides = (),
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
        overrides: ``path=value`` texts, or a mapping of paths to values: departures from
            the scenario as given, which stays the calibrated world.
        record_every: Keep the state every this many steps (default: the scenario's).
        progress: Show a progress bar on standard error.
        command: The command line to store in the manifest.

    Returns:
        The run's tidy frames and provenance.

    Raises:
        InfluenceSimError: For a bad scenario, argument or override (every argument is
            checked: a seed of 1.5 or a count of "3" is refused, never rounded), or a run
            too large for the memory at hand (estimated before anything runs).
    """
    where = "run()"
    seed = arguments.optional_whole(where, "seed", seed, minimum=0, maximum=arguments.MAX_SEED)
    replications = arguments.optional_whole(
        where, "replications", replications, minimum=1, maximum=arguments.MAX_REPLICATIONS
    )
    record_every = arguments.optional_whole(
        where, "record_every", record_every, minimum=1, maximum=MAX_STEPS
    )
    driver = arguments.one_of(where, "driver", driver, ("ensemble", "mesa"))  # type: ignore[assignment]
    progress = arguments.flag(where, "progress", progress)
    overrides = override_list(overrides)
    resolved = resolve(scenario, overrides)
    seed = resolved.seed if seed is None else seed
    n = resolved.replications if replications is None else replications
    every = resolved.observation.record_every if record_every is None else record_every
    compiled = compile_scenario(resolved)
    check_memory(estimate_run_bytes(compiled, n, every), n, every)
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
            trajectory, summaries = _run_mesa(resolved, n, seed, every, bar)
    finally:
        bar.close()
    tables = build_tables(compiled, trajectory)
    summaries.insert(0, "replication", np.arange(n))
    tables["summary"] = summaries
    return RunResult(resolved, seed, n, driver, tables, started, now(), command or [])


def _run_mesa(
    scenario: Scenario, n: int, seed: int, every: int, bar: Any
) -> tuple[Trajectory, pd.DataFrame]:
    from influence_sim.drivers.model import InfluenceModel  # mesa, only for this driver

    parts, summaries = [], []
    for r in range(n):
        model = InfluenceModel(scenario, seed=seed, replication=r, record_every=every)
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
