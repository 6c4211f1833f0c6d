"""``run``: pick a driver, run a scenario, and return its tidy results."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from influence_sim import arguments
from influence_sim.engine.compile import Compiled, compile_scenario
from influence_sim.engine.ensemble import replicate, run_ensemble, schedule_signature, stack
from influence_sim.engine.kernel import Params, State, StepEvents
from influence_sim.engine.trajectory import Trajectory
from influence_sim.errors import InfluenceSimError
from influence_sim.format.loading import Overrides, override_list, overrides_from
from influence_sim.format.loading import resolve_scenario as resolve
from influence_sim.format.scenario import MAX_STEPS, Scenario
from influence_sim.results.memory import check_memory, estimate_run_bytes
from influence_sim.results.metrics import Summary
from influence_sim.results.posterior import Posterior
from influence_sim.results.provenance import invocation
from influence_sim.results.runs import RunResult, now
from influence_sim.results.tables import build_tables, long_summary

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
    posterior: Posterior | str | os.PathLike[str] | None = None,
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
        posterior: A calibration's posterior (its folder, or a loaded ``Posterior``):
            each replication runs with parameters drawn from it by weight (its own
            draw, from the seed), so the bands hold parameter uncertainty as well as
            noise. The draws are the ``draws`` table.

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
    drawn = None if posterior is None else _draws(resolved, overrides, posterior, seed, n)
    compiled = compile_scenario(resolved) if drawn is None else drawn.compiled[0]
    check_memory(estimate_run_bytes(compiled, n, every), n, every)
    started = now()
    bar = _progress(n * compiled.timeline.n_steps, enabled=progress)
    batch = None if drawn is None else stack(drawn.compiled, drawn.rows)
    ran = None if batch is None else batch[0]  # each replication's parameters
    try:
        if driver == "ensemble":
            trajectory, summaries = _run_batch(compiled, n, seed, every, bar, batch)
        else:
            trajectory, summaries = _run_mesa(resolved, n, seed, every, bar, drawn)
    finally:
        bar.close()
    tables = _tables(compiled, trajectory, summaries, ran)
    if drawn is not None:
        tables["draws"] = drawn.table
    return RunResult(
        resolved,
        seed,
        n,
        driver,
        tables,
        started,
        now(),
        invocation(),
        posterior=None if drawn is None else drawn.posterior.provenance(),
    )


def _run_batch(
    compiled: Compiled,
    n: int,
    seed: int,
    every: int,
    bar: Any,
    batch: tuple[Params, State] | None,
) -> tuple[Trajectory, pd.DataFrame]:
    """The ensemble driver's run: the trajectory and the summary metrics."""
    # One set of parameters for the run and its summary: a ``set`` shock that changes a
    # threshold mid-run changes it for both (as in the Mesa driver and in sweeps; the
    # summary once read the unchanged copy).
    params, initial = batch or (compiled.params.copy(), replicate(compiled.initial, n))
    summary = Summary(compiled, params, initial)

    def observe(done: int, state: State, events: StepEvents) -> None:
        summary.update(done, state)
        bar.update(n)

    trajectory = run_ensemble(
        compiled, n, seed, record_every=every, observers=[observe], batch=(params, initial)
    )
    return trajectory, summary.frame()


def _tables(
    compiled: Compiled,
    trajectory: Trajectory,
    summaries: pd.DataFrame,
    params: Params | None,
) -> dict[str, pd.DataFrame]:
    """The run's tidy tables, the summary (one row a replication) and its long form."""
    tables = build_tables(compiled, trajectory, params=params)
    summaries.insert(0, "replication", np.arange(len(summaries)))
    tables["summary"] = summaries
    tables["summary_long"] = long_summary(
        summaries, compiled.states, compiled.options, compiled.alliances
    )
    return tables


@dataclass
class _Drawn:
    """Each replication's particle: the scenarios compiled, and which row runs which."""

    posterior: Posterior
    scenarios: list[Scenario]
    compiled: list[Compiled]
    rows: NDArray[np.int64]
    table: pd.DataFrame


def _draws(
    resolved: Scenario,
    overrides: list[str],
    source: Posterior | str | os.PathLike[str],
    seed: int,
    n: int,
) -> _Drawn:
    """Draw each replication's particle and compile the scenario of each one drawn.

    Raises:
        InfluenceSimError: If the posterior cannot be read, or an override sets one of
            its parameters (the two would disagree on what the parameter is).
    """
    posterior = source if isinstance(source, Posterior) else Posterior.load(source)
    clash = sorted({o.split("=", 1)[0].strip() for o in overrides} & set(posterior.parameters))
    if clash:
        raise InfluenceSimError(
            f"{', '.join(clash)}: set by an override and drawn from the posterior "
            f"({posterior.folder}); drop the override, or run without --posterior"
        )
    particles = posterior.draw(seed, ((r,) for r in range(n)))
    used, rows = np.unique(particles, return_inverse=True)
    calibrated = compile_scenario(resolved.reference)
    with overrides_from(f"the posterior's particles ({posterior.folder})"):
        scenarios = [resolve(resolved, posterior.overrides(int(k))) for k in used]
    compiled = [compile_scenario(s, calibrated) for s in scenarios]
    first = schedule_signature(compiled[0])
    for k, item in zip(used, compiled, strict=True):
        if schedule_signature(item) != first:
            raise InfluenceSimError(
                f"{posterior.folder}: particle {k} changes the scenario's shocks or "
                f"alliances ({', '.join(posterior.parameters)}); a posterior over such "
                "parameters cannot run as one ensemble"
            )
    table = posterior.draws_table(particles, {"replication": np.arange(n)})
    return _Drawn(posterior, scenarios, compiled, rows.astype(np.int64), table)


def _run_mesa(
    scenario: Scenario, n: int, seed: int, every: int, bar: Any, drawn: _Drawn | None
) -> tuple[Trajectory, pd.DataFrame]:
    from influence_sim.drivers.model import InfluenceModel  # mesa, only for this driver

    parts, summaries = [], []
    for r in range(n):
        own = scenario if drawn is None else drawn.scenarios[int(drawn.rows[r])]
        model = InfluenceModel(own, seed=seed, replication=r, record_every=every)
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
