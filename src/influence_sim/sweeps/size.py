"""How large a sweep is, known before anything is sampled or written."""

from __future__ import annotations

from influence_sim.errors import InfluenceSimError
from influence_sim.format.sweepspec import (
    SweepSpec,
    ValuesParameter,
)
from influence_sim.results.memory import available_bytes, human

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
