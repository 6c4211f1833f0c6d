"""Drawing a sweep's points: grid, Latin hypercube, Sobol (Saltelli), Morris, or a list.

Every sampler is deterministic given the sweep's seed: the points, in order, are
the same on every machine, so a point's number is a stable id. The sampling draws
from ``SeedSequence(seed, spawn_key=(SAMPLING_KEY,))``, a stream no run uses.
"""

from __future__ import annotations

import itertools
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from influence_sim.errors import InfluenceSimError
from influence_sim.format.sweepspec import (
    DistributionParameter,
    RangeParameter,
    SweepSpec,
    ValuesParameter,
    base_label,
    categorical_paths,
)

SAMPLING_KEY = 2**32
"""The spawn key of the sampling stream (runs use keys below 2**32)."""


def _salib() -> Any:
    try:
        import SALib  # noqa: F401
        from SALib.sample import morris, sobol
    except ImportError:
        raise InfluenceSimError(
            "the sobol and morris samplers need SALib: pip install 'influence-sim[sensitivity]'"
        ) from None
    return sobol, morris


def problem(spec: SweepSpec) -> dict[str, Any]:
    """The SALib problem of a sweep: names, bounds and distributions."""
    names: list[str] = []
    bounds: list[list[Any]] = []
    dists: list[str] = []
    for path, parameter in spec.parameters.items():
        names.append(path)
        if isinstance(parameter, RangeParameter):
            bounds.append(list(parameter.range))
            dists.append("unif")
        elif isinstance(parameter, DistributionParameter):
            kind = parameter.distribution
            if kind == "uniform":
                bounds.append([parameter.low, parameter.high])
                dists.append("unif")
            elif kind == "triangular":
                bounds.append([parameter.low, parameter.high, parameter.mode])
                dists.append("triang")
            else:
                bounds.append([parameter.mean, parameter.sd])
                dists.append("norm" if kind == "normal" else "lognorm")
    return {"num_vars": len(names), "names": names, "bounds": bounds, "dists": dists}


def _seed(spec: SweepSpec) -> int:
    return int(np.random.SeedSequence(spec.seed, spawn_key=(SAMPLING_KEY,)).generate_state(1)[0])


BASE = "base"
"""The column of a point's base scenario, when the sweep has several."""
PAIR = "pair"
"""The column of a point's pair: the points that differ only in levels share it (and noise)."""


def sample(spec: SweepSpec) -> pd.DataFrame:
    """The sweep's points: a ``point`` column (0, 1, ...) and one column per parameter.

    With levels (words, true/false) among the values, each combination of levels is
    crossed with one design over the other parameters, and a ``pair`` column numbers
    that design's rows: the points of a pair differ only in their levels, and their runs
    share their noise (the stream keyed by ``(seed, (pair, replication))``).
    """
    levels = {p: list(spec.parameters[p].values) for p in categorical_paths(spec)}  # type: ignore[union-attr]
    if isinstance(spec.base, list):  # the base scenarios: a factor like a switch
        levels = {BASE: [base_label(b) for b in spec.base], **levels}
    if levels and spec.sampler.method != "list":
        return _crossed(spec, levels)
    frame = pd.DataFrame(_design(spec, list(spec.parameters)), columns=list(spec.parameters))
    for path in spec.parameters:  # numbers stay numbers beside the words of levels
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in frame[path])
        if path not in levels and numbers:
            frame[path] = frame[path].astype(float)
    frame.insert(0, "point", np.arange(len(frame), dtype=np.int64))
    if levels:  # a list: points with the same other values are a pair
        others = [p for p in spec.parameters if p not in levels]
        if BASE in levels:  # every listed point on every base
            frame = pd.concat(
                [frame.assign(**{BASE: label}) for label in levels[BASE]], ignore_index=True
            )
            frame["point"] = np.arange(len(frame), dtype=np.int64)
        keys = frame[others].apply(tuple, axis=1) if others else pd.Series([()] * len(frame))
        frame[PAIR] = pd.factorize(keys)[0].astype(np.int64)
    return frame


def _crossed(spec: SweepSpec, levels: dict[str, list[Any]]) -> pd.DataFrame:
    """Every combination of levels crossed with one design over the other parameters."""
    others = [p for p in spec.parameters if p not in levels]
    design = _design(spec, others) if others else np.empty((1, 0))
    combos = list(itertools.product(*levels.values()))
    rows: list[dict[str, Any]] = []
    for combo in combos:
        for pair, values in enumerate(design):
            row: dict[str, Any] = dict(zip(others, map(float, values), strict=True))
            row.update(zip(levels, combo, strict=True))
            row[PAIR] = pair
            rows.append(row)
    columns = [*([BASE] if BASE in levels else []), *spec.parameters, PAIR]
    frame = pd.DataFrame(rows, columns=columns)
    frame.insert(0, "point", np.arange(len(frame), dtype=np.int64))
    frame[PAIR] = frame[PAIR].astype(np.int64)
    return frame


def _design(spec: SweepSpec, paths: list[str]) -> np.ndarray:
    """The sampler's rows over ``paths`` (all parameters, or those that are not levels)."""
    method = spec.sampler.method
    chosen = {p: spec.parameters[p] for p in paths}
    if method == "grid":
        axes = []
        for parameter in chosen.values():
            if isinstance(parameter, ValuesParameter):
                axes.append(list(parameter.values))
            elif isinstance(parameter, RangeParameter):
                axes.append(list(np.linspace(*parameter.range, spec.sampler.n or 2)))
        product = list(itertools.product(*axes))
        if any(isinstance(v, str | bool) for row in product for v in row):
            return np.array(product, dtype=object)
        return np.array(product, dtype=float)
    if method == "list":
        rows = [[point[p] for p in paths] for point in spec.sampler.points or []]
        return np.array(rows, dtype=object if any(
            isinstance(v, str | bool) for row in rows for v in row) else float)  # fmt: skip
    if method == "lhs":
        return _latin(chosen, spec.seed, int(spec.sampler.n or 1))
    sobol, morris = _salib()
    if method == "sobol":
        return np.asarray(
            sobol.sample(problem(spec), spec.sampler.n, calc_second_order=False, seed=_seed(spec))
        )
    return np.asarray(
        morris.sample(
            problem(spec), spec.sampler.n, num_levels=spec.sampler.levels, seed=_seed(spec)
        )
    )


def _latin(parameters: dict[str, Any], seed: int, n: int) -> np.ndarray:
    """A Latin hypercube: each parameter's n strata used once, in random pairings."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(SAMPLING_KEY,)))
    columns = []
    for parameter in parameters.values():
        u = (rng.permutation(n) + rng.random(n)) / n
        columns.append(_quantile(parameter, u))
    return np.column_stack(columns)


def _quantile(parameter: Any, u: np.ndarray) -> np.ndarray:
    """Map uniform draws in (0, 1) to the parameter's distribution."""
    if isinstance(parameter, RangeParameter):
        low, high = parameter.range
        return low + u * (high - low)
    kind = parameter.distribution
    if kind == "uniform":
        return parameter.low + u * (parameter.high - parameter.low)
    if kind == "triangular":
        low, high, c = parameter.low, parameter.high, parameter.mode
        left = u < c
        out = np.empty_like(u)
        out[left] = low + (high - low) * np.sqrt(u[left] * c)
        out[~left] = high - (high - low) * np.sqrt((1 - u[~left]) * (1 - c))
        return out
    z = np.array([NormalDist().inv_cdf(float(min(max(x, 1e-12), 1 - 1e-12))) for x in u])
    values = parameter.mean + parameter.sd * z
    return np.exp(values) if kind == "lognormal" else values
