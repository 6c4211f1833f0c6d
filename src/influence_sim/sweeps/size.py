"""How large a sweep is, known before anything is sampled or written."""

from __future__ import annotations

import os
from concurrent.futures import Executor

from influence_sim.errors import InfluenceSimError
from influence_sim.format.loading import resolve_scenario
from influence_sim.format.scenario import Scenario
from influence_sim.format.sweepspec import (
    DistributionParameter,
    RangeParameter,
    SweepSpec,
    ValuesParameter,
)
from influence_sim.results.memory import (
    BUDGET_VARIABLE,
    available_bytes,
    estimate_chunk_bytes,
    human,
)

MAX_POINTS = 50_000_000
"""The most points a sweep samples (each needs a row in memory while sampling)."""


def check_sweep_size(spec: SweepSpec) -> None:
    """Refuse a sweep whose points would not fit in memory, before sampling them.

    Raises:
        InfluenceSimError: With the number of points, the memory they need, and what to do.
    """
    n = count_points(spec)
    d = len(spec.parameters)
    # Sampling builds the points as Python tuples, then a frame; a sweep reads them back.
    needed = n * (120 + 48 * d)
    budget = available_bytes()
    if n > MAX_POINTS or (budget is not None and needed > budget):
        why = f"{n:,} points ({spec.sampler.method}, {d} parameters)"
        if spec.sampler.method == "grid":
            why += " from a grid of n^D"
        limit = human(budget) if budget is not None else "?"
        raise InfluenceSimError(
            f"{why} would need about {human(needed)} of memory to sample (at most "
            f"{MAX_POINTS:,} points, and {limit} is available); use fewer levels or "
            "parameters, or a Latin hypercube or Sobol design of the size you need. The runs "
            "themselves stream to disk chunk by chunk, so their number is not the limit"
        )


def count_points(spec: SweepSpec) -> int:
    """How many points a spec's sampler makes, computed without making them."""
    method, d = spec.sampler.method, len(spec.parameters)
    n = int(spec.sampler.n or 0)
    if method == "grid":
        total = 1
        for parameter in spec.parameters.values():
            total *= len(parameter.values) if isinstance(parameter, ValuesParameter) else (n or 2)
        return total
    if method == "list":
        return len(spec.sampler.points or [])
    if method == "lhs":
        return max(n, 1)
    if method == "sobol":
        return n * (d + 2)
    return n * (d + 1)


def check_chunk_memory(
    spec: SweepSpec,
    bases: list[Scenario],
    executor: str | Executor | None,
    workers: int | None,
) -> None:
    """Refuse a sweep whose chunks, as many at once as it has workers, would not fit.

    A chunk's runs are one batch in one process; the estimate is the largest over the
    bases (with the sweep's overrides) and the extremes of the parameters that size the
    citizens (``population.*``), for a chunk as large as the sweep makes, times the
    chunks that run at once (at most one a worker, and no more than there are). Chunks
    on a dask cluster run in its workers' memory, which is not known here.

    Raises:
        InfluenceSimError: With the estimate, and the chunk size that would fit.
    """
    from influence_sim.engine.compile import compile_scenario

    kind = executor if isinstance(executor, str) else spec.executor.kind
    if kind == "dask" and not isinstance(executor, Executor):
        return
    budget = available_bytes()
    if budget is None:
        return
    total = count_points(spec) * spec.replications
    runs = min(spec.chunk_size, total)  # a sweep smaller than a chunk is one smaller chunk
    chunks = -(-total // spec.chunk_size)
    at_once = 1 if isinstance(executor, Executor) else min(
        chunks, workers or spec.executor.workers or os.cpu_count() or 1
    )  # fmt: skip
    every = spec.record.timeseries_every
    levels = [resolve_scenario(base, list(spec.overrides)) for base in bases]
    worlds = list(levels)
    for path, parameter in spec.parameters.items():  # one at a time: as many as values
        if path.startswith("population."):
            for level in levels:
                for value in _ends(parameter):
                    try:
                        worlds.append(resolve_scenario(level, [f"{path}={value!r}"]))
                    except InfluenceSimError:
                        continue  # a value the sweep file's check refused already
    per_chunk = max(estimate_chunk_bytes(compile_scenario(w), runs, every) for w in worlds)
    if per_chunk * at_once <= budget:
        return
    fits = max(1, int(runs * budget / (per_chunk * at_once) * 0.8))
    budgeted = os.environ.get(BUDGET_VARIABLE, "").strip()
    source = BUDGET_VARIABLE if budgeted else "a share of the memory free now"
    raise InfluenceSimError(
        f"sweep '{spec.name}': a chunk of {runs:,} runs would need about "
        f"{human(per_chunk)} of memory, {at_once} at once (one a worker) about "
        f"{human(per_chunk * at_once)}, more than {human(budget)} ({source}); set "
        f"chunk_size to about {fits:,} or fewer, or use fewer workers"
    )


def _ends(parameter: object) -> list[object]:
    """The values a parameter reaches at its extremes."""
    if isinstance(parameter, ValuesParameter):
        return list(parameter.values)
    if isinstance(parameter, RangeParameter):
        return list(parameter.range)
    if isinstance(parameter, DistributionParameter):
        ends = (getattr(parameter, "low", None), getattr(parameter, "high", None))
        return [v for v in ends if v is not None]
    return []
