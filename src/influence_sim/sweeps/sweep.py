"""Running a sweep: load and check the file, sample, execute the chunks, read the results.

``run_sweep`` takes a sweep file (or a validated ``SweepSpec`` and its base) and an
executor: a local process pool by default, a ``dask.distributed`` cluster, or any
``concurrent.futures.Executor``. It keeps at most a few chunks in flight, so memory
stays flat however many runs there are, and it records each chunk's status in the
manifest as it finishes.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from influence_sim import arguments
from influence_sim.errors import InfluenceSimError, Interrupted
from influence_sim.format.bundled import find_scenario
from influence_sim.format.loading import dump_scenario, load_scenario, resolve_scenario
from influence_sim.format.scenario import Scenario
from influence_sim.format.sweepfile import load_sweep
from influence_sim.format.sweepspec import (
    SweepSpec,
    base_label,
)
from influence_sim.format.targets import target_text
from influence_sim.results.posterior import INFO_FILE, PARTICLES_FILE, POSTERIOR_DIR, Posterior
from influence_sim.results.provenance import invocation
from influence_sim.results.runs import now, scenario_hash, versions, whole_folder
from influence_sim.results.storage import digest, digests, folder_name
from influence_sim.sweeps.chunks import (
    PARTS,
    ChunkReport,
    ChunkTask,
    base_of,
    part_name,
    run_chunk,
)
from influence_sim.sweeps.executors import (
    chunk_result,
    executor_for,
    progress_bar,
    resume_hint,
    stop_workers,
)
from influence_sim.sweeps.folder import (
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
    write_json,
    writer_lock,
)
from influence_sim.sweeps.sampling import BASE, PAIR, sample
from influence_sim.sweeps.size import (
    MAX_POINTS,
    check_chunk_memory,
    check_sweep_size,
    count_points,
)
from influence_sim.sweeps.sweepresult import (
    BASES_DIR,
    REFERENCE_FILE,
    TARGETS_FILE,
    SweepResult,
    check_spec_hash,
    count_failed,
    layout_of,
    read_base,
    read_bases,
    read_spec,
    spec_hash,
)

__all__ = [
    "MAX_POINTS",
    "REFERENCE_FILE",
    "SweepResult",
    "check_sweep_size",
    "count_points",
    "load_sweep",
    "resume_sweep",
    "run_sweep",
    "spec_hash",
]
log = logging.getLogger(__name__)


def run_sweep(
    source: str | os.PathLike[str] | SweepSpec | tuple[SweepSpec, Scenario],
    *,
    out: str | os.PathLike[str] = "results",
    executor: str | Executor | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
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

    Raises:
        ScenarioError: For a bad sweep file.
        InfluenceSimError: For a sweep too large for memory, or a folder that cannot be
            written (full disk, read-only folder).
    """
    workers = arguments.optional_whole("run_sweep()", "workers", workers, minimum=1, maximum=4096)
    progress = arguments.flag("run_sweep()", "progress", progress)
    if isinstance(source, tuple):
        spec, base = source
    elif isinstance(source, SweepSpec):
        spec, base = source, load_scenario(find_scenario(source.bases[0]))
    else:
        spec, base = load_sweep(source)
    check_sweep_size(spec)
    bases = base_levels(spec, base)
    check_chunk_memory(spec, bases, executor, workers)
    check_record_targets(spec, bases)
    posterior = None if spec.posterior is None else _posterior(spec)
    folder, manifest = _create(spec, base, Path(out), invocation(), posterior)
    log.info("sweeping into %s", folder)
    with writer_lock(folder):
        return _finish(folder, manifest, spec, executor, workers, scheduler, progress)


def resume_sweep(
    folder: str | os.PathLike[str],
    *,
    executor: str | Executor | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
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
    spec = read_spec(path)
    with writer_lock(path):
        check_setup(path, manifest)
        check_spec_hash(path, manifest, spec)
        levels = [base_of(text, None) for text in read_bases(path).values()]
        check_chunk_memory(spec, levels or [read_base(path)], executor, workers)
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
    layout = layout_of(manifest)
    todo = _chunks_to_run(folder, layout, spec)
    if not todo and manifest.get("status") == "complete":
        return SweepResult.load(folder)  # nothing to do: the record stays as it was
    _execute(folder, manifest, spec, layout, todo, executor, workers, scheduler, progress)
    manifest["status"] = "complete"
    manifest["failed"] = count_failed(folder)
    manifest["finished"] = now().isoformat()
    manifest["journal"] = digest(folder / JOURNAL)
    write_json(folder / MANIFEST, manifest)
    # Every part was checked (or written and digested) above: no need to hash it all again.
    return SweepResult.load(folder, verify=False)


def base_levels(spec: SweepSpec, base: Scenario) -> list[Scenario]:
    """The scenarios a sweep's points run on: each level of its base factor, or its base."""
    return list(_other_bases(spec).values()) or [base]


def check_record_targets(spec: SweepSpec, bases: list[Scenario]) -> None:
    """Refuse the sweep's targets if a run of any base level lacks what they name.

    Each level with the sweep's overrides, as its points run (``check_targets``).

    Raises:
        InfluenceSimError: As ``check_targets``.
    """
    if spec.record.targets is None:
        return
    for level in bases:  # as each point's runs will be: the sweep's overrides applied
        check_targets(spec.record.targets, resolve_scenario(level, list(spec.overrides)))


def _other_bases(spec: SweepSpec) -> dict[str, Scenario]:
    """The scenarios of the base factor by label (none for a sweep of one base)."""
    if not isinstance(spec.base, list):
        return {}
    return {base_label(b): load_scenario(find_scenario(b)) for b in spec.base}


def _posterior(spec: SweepSpec) -> Posterior:
    """The sweep's posterior, refused if it draws a parameter the sweep sets too.

    Raises:
        InfluenceSimError: If the posterior cannot be read, or a parameter is both swept
            (or overridden) and drawn.
    """
    assert spec.posterior is not None
    posterior = Posterior.load(spec.posterior)
    set_here = set(spec.parameters) | {o.split("=", 1)[0].strip() for o in spec.overrides}
    clash = sorted(set_here & set(posterior.parameters))
    if clash:
        raise InfluenceSimError(
            f"sweep '{spec.name}': {', '.join(clash)} swept or overridden and drawn from "
            f"the posterior ({posterior.folder}); remove it from 'parameters'/'overrides', "
            "or drop 'posterior'"
        )
    return posterior


def _create(
    spec: SweepSpec,
    base: Scenario,
    out: Path,
    command: list[str],
    posterior: Posterior | None = None,
) -> tuple[Path, dict[str, Any]]:
    """The sweep folder with its set-up files, appearing whole or not at all."""
    points = sample(spec)
    others = {label: dump_scenario(other) for label, other in _other_bases(spec).items()}
    digest_text = spec_hash(spec, base, others)
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
        "seed_derivation": _derivation(spec, PAIR in points),
        "posterior": None if posterior is None else posterior.provenance(),
        "versions": versions(),
        "started": now().isoformat(),
        "command": command,
    }
    with whole_folder(folder) as where:
        temporary = where.temporary
        (temporary / "base-scenario.yaml").write_text(dump_scenario(base))
        for label, text in others.items():  # the base factor's scenarios
            (temporary / BASES_DIR).mkdir(exist_ok=True)
            (temporary / BASES_DIR / f"{label}.yaml").write_text(text)
        if base.is_departure:  # a base made by overrides keeps the world it departs from
            (temporary / REFERENCE_FILE).write_text(dump_scenario(base.reference))
        (temporary / "spec.yaml").write_text(
            yaml.safe_dump(spec.model_dump(mode="json"), sort_keys=False)
        )
        points.to_parquet(temporary / "points.parquet", index=False)
        if spec.record.targets is not None:
            (temporary / TARGETS_FILE).write_text(target_text(spec.record.targets))
        if posterior is not None:  # a copy: the folder resumes and reads without the original
            copy = temporary / POSTERIOR_DIR
            copy.mkdir()
            for name in (PARTICLES_FILE, INFO_FILE):
                shutil.copyfile(posterior.folder / name, copy / name)
        manifest["files"] = digests(temporary)
        write_json(temporary / MANIFEST, manifest)
    return where.final, manifest


def _chunks_to_run(folder: Path, layout: Layout, spec: SweepSpec) -> list[int]:
    """The chunks not done and whole; damaged or foreign parts are removed and logged."""
    journal = read_journal(folder)
    kinds = ("runs", "metrics") + (("timeseries",) if spec.record.timeseries_every else ())
    todo = []
    for index in range(layout.n_chunks):
        problem = chunk_problem(folder, journal.get(index))
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
    """Run the chunks in ``todo``, journaling each as it finishes.

    Raises:
        Interrupted: On Ctrl-C or SIGTERM, after the workers are stopped; the finished
            chunks are kept, and it names the folder to resume.
    """
    task = _chunk_tasks(folder, manifest, spec, layout)
    pending = set(todo)
    done_runs = sum(
        min(layout.runs, (i + 1) * spec.chunk_size) - i * spec.chunk_size
        for i in range(layout.n_chunks)
        if i not in pending
    )
    bar = progress_bar(layout.runs, done_runs, progress)
    workers = workers or spec.executor.workers
    scheduler = scheduler or spec.executor.scheduler
    context = (
        contextlib.nullcontext(executor)
        if isinstance(executor, Executor)
        else executor_for(executor or spec.executor.kind, workers, scheduler)
    )
    limit = 2 * (workers or os.cpu_count() or 1)
    try:
        with context as pool:
            _run_chunks(pool, folder, todo, task, limit, bar)
    except KeyboardInterrupt:
        raise Interrupted(str(folder), "sweep") from None
    finally:
        bar.close()


def _run_chunks(
    pool: Executor,
    folder: Path,
    todo: list[int],
    task: Callable[[int], ChunkTask],
    limit: int,
    bar: Any,
) -> None:
    """Submit the chunks, at most ``limit`` in flight, and journal each as it finishes."""
    in_flight: dict[Future[ChunkReport], int] = {}
    queue = list(todo)
    try:
        while queue or in_flight:
            while queue and len(in_flight) < limit:
                index = queue.pop(0)
                in_flight[pool.submit(run_chunk, task(index))] = index
            finished, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
            for future in finished:
                index = in_flight.pop(future)
                report = chunk_result(future, folder)
                try:
                    record_chunk(folder, index, report.parts or {})
                except InfluenceSimError as exc:  # the journal's write refused
                    raise InfluenceSimError(f"{exc}; {resume_hint(folder)}") from None
                bar.update(report.ok + report.failed)
    except BaseException:
        stop_workers(pool, in_flight)
        raise


def _chunk_tasks(
    folder: Path, manifest: dict[str, Any], spec: SweepSpec, layout: Layout
) -> Callable[[int], ChunkTask]:
    """What a worker needs to run chunk ``index``, from the folder's set-up files."""
    reference_file = folder / REFERENCE_FILE
    reference_text = reference_file.read_text() if reference_file.is_file() else None
    base_text = (folder / "base-scenario.yaml").read_text()
    bases = {path.stem: path.read_text() for path in sorted((folder / BASES_DIR).glob("*.yaml"))}
    targets_file = folder / TARGETS_FILE
    targets_text = targets_file.read_text() if targets_file.is_file() else None
    meta = json.dumps({k: manifest[k] for k in ("name", "spec_sha256", "seed", "versions")})
    paths = tuple(spec.parameters)
    points = pd.read_parquet(folder / "points.parquet")
    grid = points[list(paths)].to_numpy(dtype=object)  # row i is point i
    point_bases = (
        {int(p): str(b) for p, b in zip(points["point"], points[BASE], strict=True)}
        if BASE in points
        else None
    )
    pairs = (
        {int(p): int(q) for p, q in zip(points["point"], points[PAIR], strict=True)}
        if PAIR in points
        else None
    )
    metrics = None if spec.record.metrics == "all" else tuple(spec.record.metrics)
    posterior = (folder / POSTERIOR_DIR / INFO_FILE).is_file()

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
            {p: tuple(map(_native, grid[p])) for p in touched},
            metrics,
            spec.record.timeseries_every,
            meta,
            reference_text,
            targets_text,
            posterior,
            None if pairs is None else {p: pairs[p] for p in touched},
            spec.noise == "common",
            bases or None,
            None if point_bases is None else {p: point_bases[p] for p in touched},
        )

    return task


def _derivation(spec: SweepSpec, paired: bool) -> str:
    """How a run's noise key is made, as the manifest records it."""
    if spec.noise == "common":
        return (
            "influence_sim.engine.draws.stream_keys(seed, (replication,)), the same for "
            "every point (common random numbers), as influence-sim run"
        )
    if paired:
        return (
            "influence_sim.engine.draws.stream_keys(seed, (pair, replication)), pair: the "
            "point's values other than its levels (common random numbers across levels)"
        )
    return "influence_sim.engine.draws.stream_keys(seed, (point, replication))"


def _native(value: Any) -> Any:
    """A point's value as plain Python: a number, else the level as written.

    A whole number is an int (``points.parquet`` holds every number as a float): an
    integer parameter (``population.side``) refuses 16.0, and a float one takes 16 as 16.0.
    """
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, str):
        return value
    number = float(value)
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def check_targets(targets: str, base: Scenario) -> None:
    """Refuse a target file whose quantities name what a run of ``base`` does not have.

    Raises:
        InfluenceSimError: For an unknown state, power, column, event kind or summary
            metric, or a target that compares with a counterfactual.
    """
    from influence_sim.engine.compile import compile_scenario
    from influence_sim.engine.ensemble import replicate
    from influence_sim.format.targets import TargetFile
    from influence_sim.results.metrics import Summary
    from influence_sim.results.watch import check_quantities

    spec = TargetFile.model_validate(yaml.safe_load(target_text(targets)))
    compiled = compile_scenario(base)
    state = replicate(compiled.initial, 1)
    names = set(Summary(compiled, compiled.params, state).frame().columns)
    for target in spec.targets:
        if target.against is not None:
            raise InfluenceSimError(
                f"target '{target.name}' compares with a counterfactual; a sweep records "
                "each run's own values"
            )
        quantities = [q for q in (target.quantity, target.minus) if q is not None]
        for quantity in quantities:
            if quantity.summary is not None and quantity.summary not in names:
                raise InfluenceSimError(
                    f"target '{target.name}': no summary metric '{quantity.summary}'"
                )
        check_quantities(compiled, quantities, f"target '{target.name}'")
