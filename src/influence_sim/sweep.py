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

from influence_sim.bundled import find_scenario
from influence_sim.chunks import PARTS, ChunkReport, ChunkTask, chunk_done, run_chunk
from influence_sim.errors import InfluenceSimError, Problem, ScenarioError
from influence_sim.loading import dump_scenario, load_scenario
from influence_sim.results import now, scenario_hash, versions
from influence_sim.sampling import sample
from influence_sim.scenario import Scenario
from influence_sim.sweepspec import DistributionParameter, RangeParameter, SweepSpec
from influence_sim.validation import problems_from
from influence_sim.yamlio import read_yaml_file

REFERENCE_FILE = "reference-scenario.yaml"
"""The world a sweep's base departs from, when the base was made by overrides."""


def load_sweep(path: str | os.PathLike[str]) -> tuple[SweepSpec, Scenario]:
    """Read and check a sweep file; returns the spec and its base scenario as written.

    The base as written is the calibrated world: the sweep's own ``overrides`` and each
    point's values are departures from it (see the propensities in ``docs/ODD.md``).

    Raises:
        ScenarioError: If the file, its base, or a parameter is not valid; each problem
            names the sweep file, the line and the field.
    """
    file = Path(path)
    display = str(path)
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
                from influence_sim.model import resolve

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
    def load(cls, folder: str | os.PathLike[str], *, partial: bool = False) -> SweepResult:
        """Open a sweep folder; its tables are read when first used.

        Args:
            folder: The folder ``influence-sim sweep`` wrote.
            partial: Open an unfinished sweep (its finished chunks) instead of refusing it.

        Raises:
            InfluenceSimError: If it is not a sweep folder, or is unfinished and not partial.
        """
        path = Path(folder)
        manifest = _read_manifest(path)
        if manifest.get("status") != "complete" and not partial:
            raise InfluenceSimError(
                f"{path}: the sweep is not complete; finish it with --resume {path}, or load it "
                "with partial=True"
            )
        spec = SweepSpec.model_validate(yaml.safe_load((path / "spec.yaml").read_text()))
        return cls(path, spec, manifest, pd.read_parquet(path / "points.parquet"))


def _read_manifest(path: Path) -> dict[str, Any]:
    file = path / "manifest.json"
    if not file.is_file():
        raise InfluenceSimError(f"{path}: not a sweep folder (no manifest.json)")
    manifest: dict[str, Any] = json.loads(file.read_text())
    if manifest.get("kind") != "sweep":
        raise InfluenceSimError(f"{path}: not a sweep folder")
    return manifest


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


def _write_json(path: Path, data: dict[str, Any]) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(data, indent=2) + "\n")
    os.replace(temporary, path)


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
            context.set_forkserver_preload(["influence_sim.chunks"])
        return ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1, mp_context=context)
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
    source: str | os.PathLike[str] | tuple[SweepSpec, Scenario],
    *,
    out: str | os.PathLike[str] = "results",
    resume: str | os.PathLike[str] | None = None,
    executor: Executor | None = None,
    kind: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
    command: list[str] | None = None,
) -> SweepResult:
    """Run a sweep, or finish one, and return its results.

    Args:
        source: A sweep file, or a spec and its base scenario (ignored when resuming).
        out: Where the sweep folder is created.
        resume: An unfinished sweep folder to finish: only its missing chunks run.
        executor: Any ``concurrent.futures.Executor`` (then ``kind`` and ``workers`` are unused).
        kind: ``local`` or ``dask`` (default: the spec's).
        workers: Worker processes (default: the spec's, else one per core).
        scheduler: A dask scheduler's address, to use an existing cluster.
        progress: Show a progress bar with runs per second and time left.
        command: The command line, for the manifest.

    Raises:
        ScenarioError: For a bad sweep file.
        InfluenceSimError: For a folder that cannot be resumed or written.
    """
    if resume is not None:
        folder = Path(resume)
        manifest = _read_manifest(folder)
        clean_partial(folder)
        spec = SweepSpec.model_validate(yaml.safe_load((folder / "spec.yaml").read_text()))
        base_text = (folder / "base-scenario.yaml").read_text()
        points = pd.read_parquet(folder / "points.parquet")
    else:
        spec, base = source if isinstance(source, tuple) else load_sweep(source)
        points = sample(spec)
        digest = spec_hash(spec, base)
        folder = Path(out) / f"{spec.name}-{now().strftime('%Y%m%d-%H%M%S')}-{digest[:8]}"
        if folder.exists():
            raise InfluenceSimError(f"{folder}: already exists")
        folder.mkdir(parents=True)
        base_text = dump_scenario(base)
        (folder / "base-scenario.yaml").write_text(base_text)
        if base.is_departure:  # a base made by overrides keeps the world it departs from
            (folder / REFERENCE_FILE).write_text(dump_scenario(base.reference))
        (folder / "spec.yaml").write_text(
            yaml.safe_dump(spec.model_dump(mode="json"), sort_keys=False)
        )
        points.to_parquet(folder / "points.parquet", index=False)
        n_runs = len(points) * spec.replications
        n_chunks = -(-n_runs // spec.chunk_size)
        manifest = {
            "kind": "sweep",
            "status": "running",
            "name": spec.name,
            "title": spec.title,
            "spec_sha256": digest,
            "base_sha256": scenario_hash(base),
            "points": len(points),
            "replications": spec.replications,
            "runs": n_runs,
            "chunk_size": spec.chunk_size,
            "chunks": {str(i): "pending" for i in range(n_chunks)},
            "seed": spec.seed,
            "seed_derivation": "numpy.random.SeedSequence(seed, spawn_key=(point, replication))",
            "versions": versions(),
            "started": now().isoformat(),
            "command": command or [],
        }
        _write_json(folder / "manifest.json", manifest)
    reference_file = folder / REFERENCE_FILE
    reference_text = reference_file.read_text() if reference_file.is_file() else None
    meta = json.dumps({k: manifest[k] for k in ("name", "spec_sha256", "seed", "versions")})
    paths = tuple(spec.parameters)
    grid = points[list(paths)].to_numpy(dtype=float)
    values = {int(p): tuple(map(float, row)) for p, row in zip(points["point"], grid, strict=True)}
    n_runs = len(points) * spec.replications
    todo = [int(i) for i in manifest["chunks"] if not chunk_done(folder, int(i))]
    metrics = None if spec.record.metrics == "all" else tuple(spec.record.metrics)

    def task(index: int) -> ChunkTask:
        start = index * spec.chunk_size
        stop = min(n_runs, start + spec.chunk_size)
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
            {p: values[p] for p in touched},
            metrics,
            spec.record.timeseries_every,
            meta,
            reference_text,
        )

    for index in range(len(manifest["chunks"])):
        if chunk_done(folder, index):
            manifest["chunks"][str(index)] = "done"
    done_runs = sum(
        min(n_runs, (i + 1) * spec.chunk_size) - i * spec.chunk_size
        for i in range(len(manifest["chunks"]))
        if manifest["chunks"][str(i)] == "done"
    )
    bar = _bar(n_runs, done_runs, progress)
    kind = kind or spec.executor.kind
    workers = workers or spec.executor.workers
    scheduler = scheduler or spec.executor.scheduler
    context = (
        contextlib.nullcontext(executor)
        if executor is not None
        else _executor(kind, workers, scheduler)
    )
    try:
        with context as pool:
            in_flight: dict[Future[ChunkReport], int] = {}
            queue = list(todo)
            limit = 2 * (workers or os.cpu_count() or 1)
            while queue or in_flight:
                while queue and len(in_flight) < limit:
                    index = queue.pop(0)
                    in_flight[pool.submit(run_chunk, task(index))] = index
                finished, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
                for future in finished:
                    index = in_flight.pop(future)
                    try:
                        report = future.result()
                    except BrokenProcessPool:
                        raise InfluenceSimError(
                            f"a worker process died; the finished chunks are kept: resume with "
                            f"--resume {folder}. If you call run_sweep from a script, put the "
                            "call under `if __name__ == '__main__':` (Python's rule for process "
                            "pools); otherwise the worker may have run out of memory (try a "
                            "smaller chunk_size)"
                        ) from None
                    manifest["chunks"][str(index)] = "done"
                    _write_json(folder / "manifest.json", manifest)
                    bar.update(report.ok + report.failed)
    finally:
        bar.close()
    manifest["status"] = "complete"
    manifest["failed"] = _count_failed(folder)
    manifest["finished"] = now().isoformat()
    _write_json(folder / "manifest.json", manifest)
    return SweepResult.load(folder)


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


def clean_partial(folder: Path) -> None:
    """Remove temporary part files a killed worker left behind (they never look whole)."""
    for kind in PARTS:
        for stale in (folder / kind).glob(".part-*.tmp") if (folder / kind).is_dir() else []:
            stale.unlink(missing_ok=True)
