"""Running a sweep: load and check the file, sample, execute the chunks, read the results.

``run_sweep`` takes a sweep file (or a validated ``SweepSpec`` and its base) and an
executor: a local process pool by default, a ``dask.distributed`` cluster, or any
``concurrent.futures.Executor``. It keeps at most a few chunks in flight, so memory
stays flat however many runs there are, and it records each chunk's status in the
manifest as it finishes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import multiprocessing
import os
import sys
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from pydantic import ValidationError

from influence_sim import arguments
from influence_sim.errors import InfluenceSimError, Problem, ScenarioError
from influence_sim.experiments.chunks import (
    PARTS,
    ChunkReport,
    ChunkTask,
    part_name,
    run_chunk,
    watch_parent,
)
from influence_sim.experiments.folder import (
    JOURNAL,
    MANIFEST,
    Layout,
    adopt_unrecorded,
    check_setup,
    chunk_problem,
    clean_temporary,
    read_journal,
    read_manifest,
    record_chunk,
    remove_parts,
    verify_sweep,
    write_json,
    writer_lock,
)
from influence_sim.experiments.sampling import sample
from influence_sim.format.bundled import bundled_name, find_scenario, scenario_dir
from influence_sim.format.loading import dump_scenario, load_scenario, parse_scenario
from influence_sim.format.scenario import Scenario
from influence_sim.format.sweepspec import (
    DistributionParameter,
    RangeParameter,
    SweepSpec,
    ValuesParameter,
)
from influence_sim.format.validation import problems_from
from influence_sim.format.yamlio import read_yaml_file
from influence_sim.results.memory import available_bytes, human
from influence_sim.results.runs import now, scenario_hash, versions, whole_folder
from influence_sim.results.storage import digest, digests, folder_name

REFERENCE_FILE = "reference-scenario.yaml"
"""The world a sweep's base departs from, when the base was made by overrides."""
MAX_POINTS = 50_000_000
"""The most points a sweep samples (each needs a row in memory while sampling)."""
log = logging.getLogger(__name__)


def load_sweep(path: str | os.PathLike[str]) -> tuple[SweepSpec, Scenario]:
    """Read and check a sweep file (or a bundled sweep by name); returns the spec and its base.

    The base as written is the calibrated world: the sweep's own ``overrides`` and each
    point's values are departures from it (see the propensities in ``docs/ODD.md``).

    Raises:
        ScenarioError: If the file, its base, or a parameter is not valid; each problem
            names the sweep file, the line and the field.
    """
    file = bundled_name(path, scenario_dir() / "sweeps") or Path(path)  # or a bundled sweep
    display = str(file) if file != Path(path) else str(path)
    data, marks = read_yaml_file(file, display)
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(problems_from(exc, data, marks, display, root=SweepSpec)) from None
    base_file = file.parent / spec.base
    where = marks.get(("base",))
    try:
        base_path = base_file if base_file.is_file() else find_scenario(spec.base)
        base = load_scenario(base_path)
        load_scenario(base_path, spec.overrides)
    except InfluenceSimError as exc:
        first = exc.problems[0] if isinstance(exc, ScenarioError) else str(exc)
        line = where.line if where else None
        raise ScenarioError(
            [Problem(f"the base scenario is not valid: {first}", display, line, path="base")]
        ) from None
    problems = []
    for name, parameter in spec.parameters.items():
        for value in _probes(parameter):
            try:
                from influence_sim.format.loading import resolve_scenario as resolve

                resolve(base, [*spec.overrides, f"{name}={value!r}"])
            except ScenarioError as exc:
                origin = marks.get(("parameters", name))
                problems.append(
                    Problem(
                        f"{value!r} is not a valid value here: {exc.problems[0].message}",
                        file=display,
                        line=origin.line if origin else None,
                        path=f"parameters.{name}",
                        hint=exc.problems[0].hint,
                    )
                )
                break
    if problems:
        raise ScenarioError(problems)
    return spec, base


def _probes(parameter: Any) -> list[Any]:
    if isinstance(parameter, RangeParameter):
        return list(parameter.range)
    if isinstance(parameter, DistributionParameter):
        if parameter.distribution in ("uniform", "triangular"):
            return [parameter.low, parameter.high]
        return [parameter.mean]
    return list(parameter.values)


def spec_hash(spec: SweepSpec, base: Scenario) -> str:
    """A hash of what determines the results: the spec and the resolved base."""
    text = json.dumps(spec.model_dump(mode="json", exclude={"executor"}), sort_keys=True)
    text += scenario_hash(base)
    if base.is_departure:
        text += "reference:" + scenario_hash(base.reference)
    return hashlib.sha256(text.encode()).hexdigest()


class SweepResult:
    """A sweep's tables, read from its folder when first asked for.

    Attributes:
        folder: The sweep folder.
        spec: The sweep spec.
        manifest: The manifest (provenance, counts, and the status of every chunk).
        points: One row per point: ``point`` and the parameter values.
    """

    def __init__(
        self, folder: Path, spec: SweepSpec, manifest: dict[str, Any], points: pd.DataFrame
    ):
        self.folder, self.spec, self.manifest, self.points = folder, spec, manifest, points

    @cached_property
    def runs(self) -> pd.DataFrame:
        """One row per run: point, replication, seed, status (ok or failed), message."""
        return _read_parts(self.folder, "runs")

    @cached_property
    def metrics(self) -> pd.DataFrame:
        """Summary metrics per successful run, with the point's parameter values."""
        metrics = _read_parts(self.folder, "metrics")
        return self.points.merge(metrics, on="point", how="right") if not metrics.empty else metrics

    @cached_property
    def timeseries(self) -> pd.DataFrame:
        """Overall alignment every k steps, if the sweep recorded it (else empty)."""
        return _read_parts(self.folder, "timeseries")

    @property
    def n_runs(self) -> int:
        """How many runs the sweep has."""
        return int(self.manifest.get("runs", len(self.runs)))

    @property
    def failed(self) -> int:
        """How many runs failed (from the manifest of a complete sweep, without reading them)."""
        if "failed" in self.manifest:
            return int(self.manifest["failed"])
        return int((self.runs["status"] == "failed").sum()) if not self.runs.empty else 0

    @classmethod
    def load(
        cls, folder: str | os.PathLike[str], *, partial: bool = False, verify: bool = True
    ) -> SweepResult:
        """Open a sweep folder; its tables are read when first used.

        Args:
            folder: The folder ``influence-sim sweep`` wrote.
            partial: Open an unfinished sweep (its finished chunks) instead of refusing it.
            verify: Check the set-up files and every part against the sizes and SHA-256
                recorded when they were written, each part's provenance, and that every
                (point, replication) is there once; ``False`` skips this, for speed on
                folders you trust.

        Raises:
            InfluenceSimError: If it is not a sweep folder, is damaged (naming the file),
                or is unfinished and not partial.
        """
        path = Path(folder)
        manifest = read_manifest(path)
        if manifest.get("status") != "complete" and not partial:
            raise InfluenceSimError(
                f"{path}: the sweep is not complete; finish it with --resume {path}, or load it "
                "with partial=True"
            )
        spec = _read_spec(path)
        if verify:
            if manifest.get("status") == "complete":
                verify_sweep(path, manifest, _layout(manifest))
            else:
                check_setup(path, manifest)
            _check_spec_hash(path, manifest, spec)
        try:
            points = pd.read_parquet(path / "points.parquet")
        except (OSError, ValueError) as exc:
            raise InfluenceSimError(f"{path / 'points.parquet'}: cannot be read ({exc})") from None
        return cls(path, spec, manifest, points)


def _read_spec(folder: Path) -> SweepSpec:
    file = folder / "spec.yaml"
    try:
        return SweepSpec.model_validate(yaml.safe_load(file.read_text()))
    except FileNotFoundError:
        raise InfluenceSimError(
            f"{file}: is missing; the sweep cannot be resumed or read without it: restore it, "
            "or run the sweep again into a new folder"
        ) from None
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise InfluenceSimError(
            f"{file}: damaged ({type(exc).__name__}); restore it, or run the sweep again"
        ) from None


def _layout(manifest: dict[str, Any]) -> Layout:
    try:
        return Layout(
            int(manifest["runs"]),
            int(manifest["chunk_size"]),
            int(manifest["replications"]),
            str(manifest["spec_sha256"]),
        )
    except (KeyError, TypeError, ValueError):
        raise InfluenceSimError(
            "manifest.json: damaged (runs, chunk_size, replications or spec_sha256 missing); "
            "run the sweep again into a new folder"
        ) from None


def _read_parts(path: Path, kind: str) -> pd.DataFrame:
    files = sorted((path / kind).glob("part-*.parquet")) if (path / kind).is_dir() else []
    frames = [pd.read_parquet(f) for f in files]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame()
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["point", "replication"], kind="stable").reset_index(drop=True)


def _count_failed(folder: Path) -> int:
    """Failed runs, counted part by part (memory stays flat however many runs there are)."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    total = 0
    for part in sorted((folder / "runs").glob("part-*.parquet")):
        status = pq.read_table(part, columns=["status"]).column("status")
        total += int(pc.sum(pc.equal(status, "failed")).as_py() or 0)
    return total


def _executor(
    kind: str, workers: int | None, scheduler: str | None
) -> contextlib.AbstractContextManager[Executor]:
    if kind == "local":
        # An explicit context, never the global start method (mesa.batch_run changes it).
        # forkserver (spawn off Linux) is safe in threaded processes such as notebooks, and
        # the chunk function and its plain-data tasks import cleanly in a fresh process.
        method = "forkserver" if sys.platform.startswith("linux") else "spawn"
        context = multiprocessing.get_context(method)
        if method == "forkserver":
            # The server imports the package once; workers fork from it ready to run.
            context.set_forkserver_preload(["influence_sim.experiments.chunks"])
        # Each worker watches the main process and exits when it is gone (SIGTERM, SIGKILL).
        return ProcessPoolExecutor(
            max_workers=workers or os.cpu_count() or 1,
            mp_context=context,
            initializer=watch_parent,
            initargs=(os.getpid(),),
        )
    if kind == "dask":
        return _dask(workers, scheduler)
    raise InfluenceSimError(f"unknown executor '{kind}'; expected 'local' or 'dask'")


@contextlib.contextmanager
def _dask(workers: int | None, scheduler: str | None) -> Iterator[Executor]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise InfluenceSimError(
            "the dask executor needs dask.distributed: pip install 'influence-sim[cluster]'"
        ) from None
    if scheduler:
        with Client(scheduler) as client:
            yield client.get_executor()
    else:
        with (
            LocalCluster(
                n_workers=workers or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            ) as cluster,
            Client(cluster) as client,
        ):
            yield client.get_executor()


def run_sweep(
    source: str | os.PathLike[str] | SweepSpec | tuple[SweepSpec, Scenario],
    *,
    out: str | os.PathLike[str] = "results",
    executor: str | Executor | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
    command: list[str] | None = None,
    resume: str | os.PathLike[str] | None = None,
) -> SweepResult:
    """Run a sweep into a new folder and return its results.

    Args:
        source: A sweep file or a bundled sweep's name, a ``SweepSpec`` (its base is read
            from its ``base``), or a spec and its base scenario.
        out: Where the sweep folder is created.
        executor: ``"local"`` (a process pool), ``"dask"`` (a ``dask.distributed``
            cluster), or any ``concurrent.futures.Executor`` (default: the spec's).
        workers: Worker processes (default: the spec's, else one per core).
        scheduler: A dask scheduler's address, to use an existing cluster.
        progress: Show a progress bar with runs per second and time left.
        command: The command line, for the manifest.
        resume: Deprecated: use :func:`resume_sweep`.

    Raises:
        ScenarioError: For a bad sweep file.
        InfluenceSimError: For a sweep too large for memory, or a folder that cannot be
            written (full disk, read-only folder).
    """
    if resume is not None:
        import warnings

        warnings.warn(
            "run_sweep(..., resume=folder) is deprecated; use resume_sweep(folder)",
            DeprecationWarning,
            stacklevel=2,
        )
        return resume_sweep(
            resume,
            executor=executor,
            workers=workers,
            scheduler=scheduler,
            progress=progress,
            command=command,
        )
    workers = arguments.optional_whole("run_sweep()", "workers", workers, minimum=1, maximum=4096)
    progress = arguments.flag("run_sweep()", "progress", progress)
    if isinstance(source, tuple):
        spec, base = source
    elif isinstance(source, SweepSpec):
        spec, base = source, load_scenario(find_scenario(source.base))
    else:
        spec, base = load_sweep(source)
    check_sweep_size(spec)
    folder, manifest = _create(spec, base, Path(out), command or [])
    with writer_lock(folder):
        return _finish(folder, manifest, spec, executor, workers, scheduler, progress)


def resume_sweep(
    folder: str | os.PathLike[str],
    *,
    executor: str | Executor | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
    command: list[str] | None = None,
) -> SweepResult:
    """Finish an unfinished sweep folder (or repair a damaged one) and return its results.

    Only chunks that are not done and whole run: a part that is missing, truncated,
    altered, from another sweep or holding other runs is run again, and logged.

    Args:
        folder: The sweep folder.
        executor: As for :func:`run_sweep`.
        workers: As for :func:`run_sweep`.
        scheduler: As for :func:`run_sweep`.
        progress: As for :func:`run_sweep`.
        command: Unused; kept so both functions take the same keywords.

    Raises:
        InfluenceSimError: For a folder that cannot be resumed (edited spec, damaged
            manifest, another writer) or written.
    """
    workers = arguments.optional_whole(
        "resume_sweep()", "workers", workers, minimum=1, maximum=4096
    )
    progress = arguments.flag("resume_sweep()", "progress", progress)
    path = Path(folder)
    manifest = read_manifest(path)
    spec = _read_spec(path)
    with writer_lock(path):
        check_setup(path, manifest)
        _check_spec_hash(path, manifest, spec)
        return _finish(path, manifest, spec, executor, workers, scheduler, progress)


def _finish(
    folder: Path,
    manifest: dict[str, Any],
    spec: SweepSpec,
    executor: str | Executor | None,
    workers: int | None,
    scheduler: str | None,
    progress: bool,
) -> SweepResult:
    """Run the chunks that are not done and whole, then mark the sweep complete."""
    clean_temporary(folder)
    layout = _layout(manifest)
    todo = _chunks_to_run(folder, layout, spec)
    if not todo and manifest.get("status") == "complete":
        return SweepResult.load(folder)  # nothing to do: the record stays as it was
    _execute(folder, manifest, spec, layout, todo, executor, workers, scheduler, progress)
    manifest["status"] = "complete"
    manifest["failed"] = _count_failed(folder)
    manifest["finished"] = now().isoformat()
    manifest["journal"] = digest(folder / JOURNAL)
    write_json(folder / MANIFEST, manifest)
    return SweepResult.load(folder)


def _check_spec_hash(folder: Path, manifest: dict[str, Any], spec: SweepSpec) -> None:
    """The spec and base on disk hash to the manifest's ``spec_sha256``.

    Raises:
        InfluenceSimError: If they do not (the spec or the base was edited).
    """
    try:
        base = parse_scenario((folder / "base-scenario.yaml").read_text(), source="base")
        reference_file = folder / REFERENCE_FILE
        if reference_file.is_file():
            base = base.departing_from(parse_scenario(reference_file.read_text(), source="ref"))
    except (OSError, InfluenceSimError) as exc:
        raise InfluenceSimError(
            f"{folder / 'base-scenario.yaml'}: cannot be read ({exc}); restore it, or run the "
            "sweep again into a new folder"
        ) from None
    if spec_hash(spec, base) != manifest.get("spec_sha256"):
        raise InfluenceSimError(
            f"{folder / 'spec.yaml'}: edited since the sweep started (the spec and base hash "
            "to another value than the manifest's spec_sha256); a sweep's spec cannot change "
            "part-way: restore it, or run the edited spec as a new sweep"
        )


def _create(
    spec: SweepSpec, base: Scenario, out: Path, command: list[str]
) -> tuple[Path, dict[str, Any]]:
    """The sweep folder with its set-up files, appearing whole or not at all."""
    points = sample(spec)
    digest_text = spec_hash(spec, base)
    folder = out / folder_name(spec.name, now(), digest_text)
    if out.exists() and not out.is_dir():
        raise InfluenceSimError(f"{out}: is a file; --out needs a folder")
    n_runs = len(points) * spec.replications
    manifest: dict[str, Any] = {
        "kind": "sweep",
        "status": "running",
        "name": spec.name,
        "title": spec.title,
        "spec_sha256": digest_text,
        "base_sha256": scenario_hash(base),
        "points": len(points),
        "replications": spec.replications,
        "runs": n_runs,
        "chunk_size": spec.chunk_size,
        "n_chunks": -(-n_runs // spec.chunk_size),
        "seed": spec.seed,
        "seed_derivation": "numpy.random.SeedSequence(seed, spawn_key=(point, replication))",
        "versions": versions(),
        "started": now().isoformat(),
        "command": command,
    }
    with whole_folder(folder) as temporary:
        (temporary / "base-scenario.yaml").write_text(dump_scenario(base))
        if base.is_departure:  # a base made by overrides keeps the world it departs from
            (temporary / REFERENCE_FILE).write_text(dump_scenario(base.reference))
        (temporary / "spec.yaml").write_text(
            yaml.safe_dump(spec.model_dump(mode="json"), sort_keys=False)
        )
        points.to_parquet(temporary / "points.parquet", index=False)
        manifest["files"] = digests(temporary)
        write_json(temporary / MANIFEST, manifest)
    return folder, manifest


def _chunks_to_run(folder: Path, layout: Layout, spec: SweepSpec) -> list[int]:
    """The chunks not done and whole; damaged or foreign parts are removed and logged."""
    journal = read_journal(folder)
    kinds = ("runs", "metrics") + (("timeseries",) if spec.record.timeseries_every else ())
    todo = []
    for index in range(layout.n_chunks):
        problem = chunk_problem(folder, index, journal.get(index), layout)
        if problem is None:
            continue
        if problem == "not finished":
            adopted = adopt_unrecorded(folder, index, layout, kinds)
            if adopted is not None:  # written, but the main process died before journaling
                record_chunk(folder, index, adopted)
                continue
            if any((folder / part_name(k, index)).exists() for k in PARTS):
                log.warning(
                    "chunk %d: its parts are incomplete or foreign; running it again", index
                )
        else:
            log.warning("chunk %d: %s; running it again", index, problem)
        remove_parts(folder, index)
        todo.append(index)
    return todo


def _execute(
    folder: Path,
    manifest: dict[str, Any],
    spec: SweepSpec,
    layout: Layout,
    todo: list[int],
    executor: str | Executor | None,
    workers: int | None,
    scheduler: str | None,
    progress: bool,
) -> None:
    """Run the chunks in ``todo``, journaling each as it finishes."""
    reference_file = folder / REFERENCE_FILE
    reference_text = reference_file.read_text() if reference_file.is_file() else None
    base_text = (folder / "base-scenario.yaml").read_text()
    meta = json.dumps({k: manifest[k] for k in ("name", "spec_sha256", "seed", "versions")})
    paths = tuple(spec.parameters)
    points = pd.read_parquet(folder / "points.parquet")
    grid = points[list(paths)].to_numpy(dtype=float)  # row i is point i
    metrics = None if spec.record.metrics == "all" else tuple(spec.record.metrics)

    def task(index: int) -> ChunkTask:
        start = index * spec.chunk_size
        stop = min(layout.runs, start + spec.chunk_size)
        touched = range(start // spec.replications, (stop - 1) // spec.replications + 1)
        return ChunkTask(
            str(folder),
            index,
            start,
            stop,
            spec.replications,
            spec.seed,
            base_text,
            tuple(spec.overrides),
            paths,
            {p: tuple(map(float, grid[p])) for p in touched},
            metrics,
            spec.record.timeseries_every,
            meta,
            reference_text,
        )

    pending = set(todo)
    done_runs = sum(
        min(layout.runs, (i + 1) * spec.chunk_size) - i * spec.chunk_size
        for i in range(layout.n_chunks)
        if i not in pending
    )
    bar = _bar(layout.runs, done_runs, progress)
    workers = workers or spec.executor.workers
    scheduler = scheduler or spec.executor.scheduler
    context = (
        contextlib.nullcontext(executor)
        if isinstance(executor, Executor)
        else _executor(executor or spec.executor.kind, workers, scheduler)
    )
    try:
        with context as pool:
            in_flight: dict[Future[ChunkReport], int] = {}
            queue = list(todo)
            limit = 2 * (workers or os.cpu_count() or 1)
            try:
                while queue or in_flight:
                    while queue and len(in_flight) < limit:
                        index = queue.pop(0)
                        in_flight[pool.submit(run_chunk, task(index))] = index
                    finished, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
                    for future in finished:
                        index = in_flight.pop(future)
                        report = _result(future, folder)
                        record_chunk(folder, index, report.parts or {})
                        bar.update(report.ok + report.failed)
            except BaseException:
                _stop(pool, in_flight)
                raise
    finally:
        bar.close()


def _result(future: Future[ChunkReport], folder: Path) -> ChunkReport:
    try:
        return future.result()
    except BrokenProcessPool:
        raise InfluenceSimError(
            f"a worker process died; the finished chunks are kept: resume with "
            f"--resume {folder}. If you call run_sweep from a script, put the "
            "call under `if __name__ == '__main__':` (Python's rule for process "
            "pools); otherwise the worker may have run out of memory (try a "
            "smaller chunk_size)"
        ) from None
    except InfluenceSimError as exc:  # a write the disk refused, in the worker
        raise InfluenceSimError(
            f"{exc}; the finished chunks are kept: resume with --resume {folder}"
        ) from None


def _stop(pool: Executor, in_flight: dict[Future[ChunkReport], int]) -> None:
    """On an interruption, cancel what has not started and end the local workers now."""
    for future in in_flight:
        future.cancel()
    if isinstance(pool, ProcessPoolExecutor):
        processes = list((getattr(pool, "_processes", None) or {}).values())
        for process in processes:
            with contextlib.suppress(Exception):
                process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)


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


def _bar(total: int, done: int, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(
        total=total,
        initial=done,
        unit=" runs",
        disable=None if enabled else True,
        dynamic_ncols=True,
        smoothing=0.1,
    )
