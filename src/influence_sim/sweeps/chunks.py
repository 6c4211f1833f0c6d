"""Sweep chunks: the unit of work, of output and of resuming.

A sweep folder holds ``spec.yaml``, ``base-scenario.yaml``, ``points.parquet``, a
``manifest.json`` (the spec's hash, versions, the status of every chunk), and one
Parquet part per chunk under ``runs/``, ``metrics/`` and, if asked, ``timeseries/``.
A part is written under a temporary name and renamed when whole, and its size and
SHA-256 go back to the main process, which journals them
(:mod:`influence_sim.sweeps.folder`). ``--resume`` runs only the chunks that are not
done and whole,
and since run ``(point, replication)`` draws from the noise stream keyed by
``stream_keys(seed, (point, replication))`` (``engine.draws``) the tables are the same
however the work was split, whichever executor ran it.

Runs of different points are stacked into one batch of the kernel when their
schedules of shocks are the same (any parameter but a shock's own); otherwise each
point runs as its own batch. A point whose parameters are not valid, or whose run
fails, is recorded as failed with its message, and the sweep goes on. A sweep with a
posterior runs each point with the particle each of its runs draws: the unit of
compiling is then a point with a particle.
"""

from __future__ import annotations

import os
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from influence_sim.engine.compile import Compiled, compile_scenario
from influence_sim.engine.draws import stream_keys
from influence_sim.engine.ensemble import schedule_signature, simulate, stack
from influence_sim.engine.kernel import Params, State, StepEvents
from influence_sim.errors import InfluenceSimError, ScenarioError
from influence_sim.format.loading import parse_scenario
from influence_sim.format.scenario import Scenario
from influence_sim.results.metrics import Summary
from influence_sim.results.storage import atomic_write, digest

PARTS = ("runs", "metrics", "timeseries")
VALID = "_valid"
"""A column that marks, until the parts are written, runs whose final state is finite."""


@dataclass(frozen=True)
class ChunkTask:
    """One chunk's work, as plain data that any executor can ship.

    Attributes:
        folder: The sweep folder (shared by the workers).
        index: The chunk's number.
        start: The first run (runs are numbered point by point, replication by replication).
        stop: One past the last run.
        replications: Replications per point.
        seed: The sweep's seed.
        base: The base scenario as written (the calibrated world), as YAML.
        overrides: The sweep's own overrides, applied before each point's values.
        paths: The parameter paths.
        values: The points this chunk touches: point -> values in ``paths`` order (numbers,
            or the words and true/false of levels).
        metrics: Metric names to keep, or None for all.
        timeseries_every: Keep overall alignment every k steps, or None.
        meta: Provenance stored in every part's Parquet metadata.
        reference: The world ``base`` departs from, as YAML, when it is not its own.
        targets: A target file, as YAML, whose targets' values each run records.
        posterior: Whether each run draws parameters from the posterior copied into the
            sweep folder (``posterior/``), run ``(point, replication)`` by the key
            ``(PARTICLE_KEY, point, replication)``.
        pairs: Each point's pair, when the sweep has levels (words) among its values:
            runs draw with the key ``(pair, replication)``, so points that differ only in
            their levels share their noise.
        common_noise: Runs draw with the key ``(replication,)`` (the sweep's
            ``noise: common``), as replication r of a run does.
        bases: The base factor's scenarios as YAML, by label (a sweep over several
            bases; each is its own calibrated world).
        point_bases: Each touched point's base label, with ``bases``.
    """

    folder: str
    index: int
    start: int
    stop: int
    replications: int
    seed: int
    base: str
    overrides: tuple[str, ...]
    paths: tuple[str, ...]
    values: dict[int, tuple[Any, ...]]
    metrics: tuple[str, ...] | None
    timeseries_every: int | None
    meta: str
    reference: str | None = None
    targets: str | None = None
    posterior: bool = False
    pairs: dict[int, int] | None = None
    common_noise: bool = False
    bases: dict[str, str] | None = None
    point_bases: dict[int, str] | None = None


@dataclass(frozen=True)
class ChunkReport:
    """What a finished chunk says: how many runs succeeded and failed, and what it wrote."""

    index: int
    ok: int
    failed: int
    parts: dict[str, dict[str, Any]] | None = None


ENVIRONMENT = (OSError, MemoryError, ImportError, EOFError)
"""Failures of the machine or the installation (a full disk, a broken cache, memory):
the runs they stop say nothing about the model, so they are never recorded as failed
runs; the chunk stops, and a resume runs it again."""


class MachineError(InfluenceSimError):
    """A chunk stopped by a failure outside the model (``ENVIRONMENT``)."""


def _machine(task: ChunkTask, exc: BaseException) -> MachineError:
    return MachineError(
        f"chunk {task.index}: {type(exc).__name__}: {exc} (a failure of the machine or the "
        "installation, not of the model: no run of the chunk is recorded)"
    )


def part_name(kind: str, index: int) -> str:
    """The file of a chunk's part: ``runs/part-00012.parquet``."""
    return f"{kind}/part-{index:05d}.parquet"


def run_chunk(task: ChunkTask) -> ChunkReport:
    """Run one chunk and write its parts; the function every executor calls.

    The package's warnings about the scenario (``InfluenceSimWarning``) were said once,
    when the sweep started: a chunk compiles its points without them.
    """
    runs = np.arange(task.start, task.stop)
    points, reps = runs // task.replications, runs % task.replications
    posterior = _posterior(task)
    particles = None
    if posterior is not None:
        keys_drawn = (_key(task, int(p), int(r)) for p, r in zip(points, reps, strict=True))
        particles = posterior.draw(task.seed, keys_drawn)
    units, keys = _units(points, particles)
    compiled, status = _compile_units(task, keys, posterior)
    metrics, series = _run_units(task, compiled, units, points, reps, status)
    runs_frame = pd.DataFrame(
        {
            "point": points,
            "replication": reps,
            "seed": task.seed,
            "status": ["failed" if int(u) in status else "ok" for u in units],
            "message": [status.get(int(u), "") for u in units],
        }
    )
    if particles is not None:
        runs_frame["particle"] = particles
    metric_frame = pd.concat(metrics, ignore_index=True) if metrics else pd.DataFrame()
    metric_frame = _fail_non_finite(runs_frame, metric_frame)
    parts = _write_parts(task, task.meta, runs_frame, metric_frame, series)
    failed = int((runs_frame["status"] == "failed").sum())
    return ChunkReport(task.index, len(runs_frame) - failed, failed, parts)


def _posterior(task: ChunkTask) -> Any:
    """The sweep's posterior (its copy in the folder, checked once per chunk), if any."""
    if not task.posterior:
        return None
    from influence_sim.results.posterior import POSTERIOR_DIR, Posterior

    return Posterior.load(Path(task.folder) / POSTERIOR_DIR)


def _key(task: ChunkTask, point: int, replication: int) -> tuple[int, ...]:
    """The spawn key a run draws with.

    ``(replication,)`` with common noise (as ``run`` does), else ``(pair, replication)``
    with levels, or ``(point, replication)``.
    """
    if task.common_noise:
        return (replication,)
    return (point if task.pairs is None else task.pairs[point], replication)


def _spawn_keys(task: ChunkTask, points: np.ndarray, reps: np.ndarray) -> np.ndarray:
    """Every run's spawn key (``_key``) as rows of one array, ``(runs, length)``."""
    if task.common_noise:
        return reps[:, None]
    pairs = points if task.pairs is None else np.array([task.pairs[int(p)] for p in points])
    return np.stack([pairs, reps], axis=1)


def _units(
    points: np.ndarray, particles: np.ndarray | None
) -> tuple[np.ndarray, dict[int, tuple[int, int | None]]]:
    """Each run's unit (a point, or a point with a particle) and each unit's key."""
    if particles is None:
        return points, {int(p): (int(p), None) for p in np.unique(points)}
    pairs, units = np.unique(np.stack([points, particles], axis=1), axis=0, return_inverse=True)
    return units.ravel(), {u: (int(p), int(k)) for u, (p, k) in enumerate(pairs)}


def _compile_units(
    task: ChunkTask, keys: dict[int, tuple[int, int | None]], posterior: Any = None
) -> tuple[dict[int, Compiled], dict[int, str]]:
    """Each unit's scenario, compiled against the base as written; invalid ones' messages.

    A unit is a point, with a particle of the posterior when the sweep has one: its
    overrides are the sweep's, the point's values, then the particle's.
    """
    from influence_sim.format.loading import override_text, resolve_scenario

    worlds: dict[str | None, tuple[Scenario, Compiled]] = {}

    def world(label: str | None) -> tuple[Scenario, Compiled]:
        """A base and its calibrated world, compiled once per chunk."""
        if label not in worlds:
            if label is None or task.bases is None:
                scenario = base_of(task.base, task.reference)
            else:
                scenario = parse_scenario(task.bases[label], source=f"bases/{label}.yaml")
            worlds[label] = (scenario, compile_scenario(scenario.reference, warn=False))
        return worlds[label]

    compiled: dict[int, Compiled] = {}
    status: dict[int, str] = {}
    for unit, (point, particle) in keys.items():
        pairs = zip(task.paths, task.values[point], strict=True)
        overrides = [*task.overrides, *(override_text(p, v) for p, v in pairs)]
        if posterior is not None and particle is not None:
            drawn = posterior.overrides(particle).items()
            overrides += [override_text(p, v) for p, v in drawn]
        label = None if task.point_bases is None else task.point_bases[point]
        try:
            base, calibrated = world(label)
            compiled[unit] = compile_scenario(
                resolve_scenario(base, overrides), calibrated, warn=False
            )
        except (ScenarioError, InfluenceSimError) as exc:
            status[unit] = "invalid parameters: " + str(exc).replace("\n", "; ")
    return compiled, status


def _run_units(
    task: ChunkTask,
    compiled: dict[int, Compiled],
    units: np.ndarray,
    points: np.ndarray,
    reps: np.ndarray,
    status: dict[int, str],
) -> tuple[list[pd.DataFrame], list[pd.DataFrame]]:
    """Run the valid units, stacked into batches where they can be.

    A failing batch is run again unit by unit, so that only the failing units are
    marked (in ``status``).
    """
    metrics, series = [], []
    for group in _stackable(compiled):
        rows = np.isin(units, group)
        done = _run_group(task, compiled, units[rows], points[rows], reps[rows])
        if not isinstance(done, Exception):
            metrics.append(done[0])
            series.append(done[1])
            continue
        for unit in group:  # isolate the failure unit by unit (memory too: a unit is small)
            rows = units == unit
            single = _run_group(task, compiled, units[rows], points[rows], reps[rows])
            if isinstance(single, MemoryError):
                raise _machine(task, single)
            if isinstance(single, Exception):
                status[unit] = f"run failed: {type(single).__name__}: {single}"
            else:
                metrics.append(single[0])
                series.append(single[1])
    return metrics, series


def base_of(base: str, reference: str | None) -> Scenario:
    """A sweep's base scenario from its YAML, departing from its reference when it has one."""
    scenario = parse_scenario(base, source="base-scenario.yaml")
    if reference is None:
        return scenario
    return scenario.departing_from(parse_scenario(reference, source="reference-scenario.yaml"))


def _fail_non_finite(runs_frame: pd.DataFrame, metric_frame: pd.DataFrame) -> pd.DataFrame:
    """Mark runs whose final state is not finite as failed; returns the others' metrics."""
    if metric_frame.empty:
        return metric_frame
    broken = ~metric_frame.pop(VALID).to_numpy(dtype=bool)
    if not broken.any():
        return metric_frame
    bad = set(zip(metric_frame["point"][broken], metric_frame["replication"][broken], strict=True))
    for i, (p, r) in enumerate(zip(runs_frame["point"], runs_frame["replication"], strict=True)):
        if (p, r) in bad:
            runs_frame.loc[i, ["status", "message"]] = ["failed", "non-finite state"]
    return metric_frame[~broken]


def _write_parts(
    task: ChunkTask,
    meta: str,
    runs_frame: pd.DataFrame,
    metric_frame: pd.DataFrame,
    series: list[pd.DataFrame],
) -> dict[str, Any]:
    """Write the chunk's parts (provenance ``meta``), the ``runs`` part last; their digests."""
    folder = Path(task.folder)
    parts = {}
    if task.timeseries_every:
        frame = pd.concat(series, ignore_index=True) if series else pd.DataFrame()
        parts.update(_write(folder, part_name("timeseries", task.index), frame, meta))
    if not metric_frame.empty:
        metric_frame = metric_frame.sort_values(["point", "replication"])
    parts.update(_write(folder, part_name("metrics", task.index), metric_frame, meta))
    parts.update(_write(folder, part_name("runs", task.index), runs_frame, meta))
    return parts


def watch_parent(pid: int, every: float = 0.25) -> None:
    """Exit this worker as soon as process ``pid`` (the sweep's main process) is gone.

    Runs as a process pool's initializer: a daemon thread polls, so a worker never
    outlives a main process killed by SIGTERM or SIGKILL, and never writes after it.
    """
    import threading

    def watch() -> None:
        while True:
            time.sleep(every)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                os._exit(70)
            except PermissionError:
                pass

    threading.Thread(target=watch, name="influence-sim-parent-watch", daemon=True).start()


def finite_rows(state: State) -> np.ndarray:
    """Which replications ended in a valid state (nothing NaN or infinite)."""
    ok = np.ones(state.n_replications, dtype=bool)
    for name in ("reliance", "unrest", "opinion", "credibility", "posture", "investment"):
        values = getattr(state, name)
        ok &= np.isfinite(values.reshape(len(values), -1)).all(axis=1)
    return ok


def _write(folder: Path, name: str, frame: pd.DataFrame, meta: str) -> dict[str, Any]:
    """Write a part under a temporary name, rename it, and return its digest by name.

    Raises:
        InfluenceSimError: If the disk refuses the write (full, read-only), naming the part.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    target = folder / name
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), b"influence_sim": meta.encode()}
    )
    atomic_write(target, lambda temporary: pq.write_table(table, temporary))
    return {name: digest(target)}


def _stackable(compiled: dict[int, Compiled]) -> list[list[int]]:
    """Units grouped so that each group shares one schedule of shocks."""
    groups: dict[bytes, list[int]] = {}
    digests: dict[int, bytes] = {}  # points compiled against one base share its schedule
    for point, item in compiled.items():
        groups.setdefault(schedule_signature(item, digests), []).append(point)
    return list(groups.values())


def _run_group(
    task: ChunkTask,
    compiled: dict[int, Compiled],
    units: np.ndarray,
    points: np.ndarray,
    reps: np.ndarray,
) -> tuple[pd.DataFrame, pd.DataFrame] | Exception:
    try:
        used, rows = np.unique(units, return_inverse=True)
        batch = [compiled[int(u)] for u in used]
        params, state = stack(batch, rows.ravel())
        summary = Summary(batch[0], params, state)
        series: list[pd.DataFrame] = []
        observers = [lambda done, now, events: summary.update(done, now)]
        watched = _watch(task, batch[0], state, params)
        if watched is not None:
            observers.append(watched[0])
        every = task.timeseries_every
        if every:
            observers.append(_series_observer(batch[0], params, points, reps, every, series))
            observers[-1](0, state, None)
        keys = stream_keys(task.seed, _spawn_keys(task, points, reps))
        simulate(batch[0], params, state, keys, observers)
        frame = summary.frame()
        targets = {} if watched is None else _target_values(watched, frame)
        if task.metrics is not None:
            frame = frame[list(task.metrics)]
        for name, values in targets.items():
            frame[f"target.{name}"] = values
        frame.insert(0, "replication", reps)
        frame.insert(0, "point", points)
        frame[VALID] = finite_rows(state)
        return frame, pd.concat(series, ignore_index=True) if series else pd.DataFrame()
    except MemoryError as exc:  # a batch too large: its units are run one at a time
        return exc
    except ENVIRONMENT as exc:  # not the model's: the chunk is not done, and resumes
        raise _machine(task, exc) from exc
    except Exception as exc:  # a failing run is data, not a crash of the sweep
        exc.add_note(traceback.format_exc(limit=3))
        return exc


def _watch(
    task: ChunkTask, compiled: Compiled, state: State, params: Params
) -> tuple[Any, Any] | None:
    """A watch over the targets' quantities, started on ``state``, and the targets."""
    if task.targets is None:
        return None
    from influence_sim.format.targets import TargetFile
    from influence_sim.results.watch import Watch

    spec = TargetFile.model_validate(yaml.safe_load(task.targets))
    quantities = [q for t in spec.targets for q in (t.quantity, t.minus) if q is not None]
    watch = Watch(compiled, quantities, state.n_replications, params)
    watch(0, state, None)
    return watch, spec


def _target_values(watched: tuple[Any, Any], summary: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each target's value per run: its quantity less its ``minus`` (summary or watched)."""
    watch, spec = watched
    measured = iter(watch.values())
    out = {}
    for target in spec.targets:
        values = []
        for quantity in (target.quantity, target.minus):
            if quantity is None:
                continue
            online = next(measured)
            values.append(summary[quantity.summary].to_numpy() if quantity.summary else online)
        out[target.name] = values[0] - values[1] if len(values) == 2 else values[0]
    return out


def _series_observer(
    compiled: Compiled,
    params: Params,
    points: np.ndarray,
    reps: np.ndarray,
    every: int,
    out: list[pd.DataFrame],
) -> Any:
    from influence_sim.results.metrics import overall_alignment
    from influence_sim.results.tables import DATE_DTYPE, dates

    last = compiled.timeline.n_steps
    states, options = compiled.states, compiled.options

    def observe(done: int, state: State, events: StepEvents | None) -> None:
        if done % every and done != last:
            return
        align = overall_alignment(state, params.alignment_weight)  # (R, S, K)
        r, s, k = align.shape
        day = dates(compiled, np.array([done]))[0]
        out.append(
            pd.DataFrame(
                {
                    "point": np.repeat(points, s * k),
                    "replication": np.repeat(reps, s * k),
                    "step": done,
                    "date": pd.Series([day] * (r * s * k)).astype(DATE_DTYPE),
                    "domain": pd.Categorical.from_codes(
                        np.zeros(r * s * k, dtype=np.int8), categories=pd.Index(["overall"])
                    ),
                    "state": pd.Categorical.from_codes(
                        np.tile(np.repeat(np.arange(s), k), r), categories=pd.Index(states)
                    ),
                    "power": pd.Categorical.from_codes(
                        np.tile(np.arange(k), r * s), categories=pd.Index(options)
                    ),
                    "alignment": align.ravel(),
                }
            )
        )

    return observe
