"""Calibration by history matching: rule out the parameters that cannot match the data.

Each wave is a sweep (chunked, resumable, run in batches through the ensemble) over a
Latin hypercube of the region not yet ruled out, whose runs record the target file's
data (``record.targets``). A point's implausibility for a datum is
|observed - model| / sqrt(sd^2 + discrepancy^2 + the ensemble's variance of the model's
statistic) (as in ``influence-sim check``); a point whose largest implausibility exceeds
the cut-off is ruled out. The next wave draws within the box of the survivors, widened
by ``expand`` of each prior range. What survives the last wave is the non-implausible
sample (``nroy.csv``: "not ruled out yet"). See ``docs/calibration.md``.

The folder::

    manifest.json      provenance and status
    calibration.yaml   the calibration as given (its target file resolved)
    targets.yaml       the target file
    waves/             one sweep folder per wave
    waves.csv          every point of every wave, its implausibilities and verdict
    plots/waves.png    the points of every wave, ruled out or not
    nroy.csv           the points of the last wave that were not ruled out
    holdout-<i>.yaml   with a ``holdout``: the held-out target files
    holdout.csv        their data predicted from the posterior (``check.predict``)
    abc/               with an ``abc`` section: one sweep folder per ABC generation
    posterior/         particles.csv, generations.csv, posterior.png, pairs.png and,
                       written last, posterior.json (``influence_sim.results.posterior``)
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import yaml

from influence_sim.calibration.checks import implausibility, observed_value, statistic_of
from influence_sim.calibration.folder import (
    HOLDOUT_FILE,
    HOLDOUT_TARGETS,
    NROY_FILE,
    SPEC_FILE,
    TARGETS_FILE,
    VALIDATION_FILE,
    WAVES_FILE,
    Calibration,
    check_setup,
)
from influence_sim.calibration.preflight import fitted_data, preflight
from influence_sim.calibration.validation import fitting_targets, held_out_names
from influence_sim.errors import CalibrationFailed, InfluenceSimError, Interrupted
from influence_sim.format.calibration import CalibrationSpec, load_calibration
from influence_sim.format.loading import load_scenario
from influence_sim.format.sweepspec import SweepSpec
from influence_sim.format.targets import Target, load_targets
from influence_sim.results.posterior import (
    GENERATIONS_FILE,
    POSTERIOR_DIR,
    write_posterior,
)
from influence_sim.results.provenance import invocation
from influence_sim.results.runs import now, versions, whole_folder
from influence_sim.results.storage import atomic_write, digests, folder_name
from influence_sim.sweeps.folder import write_json
from influence_sim.sweeps.sweep import resume_sweep, run_sweep
from influence_sim.sweeps.sweepresult import SweepResult


def calibrate(
    source: str | os.PathLike[str],
    *,
    out: str | os.PathLike[str] = "results",
    workers: int | None = None,
    progress: bool = False,
) -> Calibration:
    """Run a calibration file's history matching into a new folder.

    Raises:
        ScenarioError: For a bad calibration or target file, a parameter path that names
            no parameter, or a prior range beyond the parameter's valid values.
        InfluenceSimError: For a target file without data, a holdout that repeats the
            fitted data, runs that fail (failed runs are never taken as data), or a folder
            that cannot be written.
    """
    spec, _ = load_calibration(source)
    spec = preflight(spec)  # what would fail or mislead, refused before anything runs
    started = now()
    folder = Path(out) / folder_name(spec.name, started, yaml.safe_dump(spec.model_dump()))
    manifest = {
        "kind": "calibration",
        "status": "running",
        "name": spec.name,
        "title": spec.title,
        "seed": spec.seed,
        "method": "history matching",
        "versions": versions(),
        "started": started.isoformat(),
        "command": invocation(),
    }
    holdouts = [_holdout_text(h.targets) for h in spec.holdout]  # refuse bad ones first
    with whole_folder(folder) as where:
        temporary = where.temporary
        (temporary / SPEC_FILE).write_text(yaml.safe_dump(spec.model_dump(mode="json")))
        (temporary / TARGETS_FILE).write_text(_fitted_text(spec))
        for i, text in enumerate(holdouts):
            (temporary / HOLDOUT_TARGETS.format(i)).write_text(text)
        (temporary / "waves").mkdir()
        manifest["files"] = digests(temporary)  # what a resume and a load check
        write_json(temporary / "manifest.json", manifest)
    return _interruptible(where.final, spec, workers, progress)


def resume_calibration(
    folder: str | os.PathLike[str], *, workers: int | None = None, progress: bool = False
) -> Calibration:
    """Finish a calibration folder that was interrupted (done waves are kept).

    Raises:
        InfluenceSimError: If the folder is not a calibration's.
    """
    path = Path(folder)
    if not (path / SPEC_FILE).is_file():
        raise InfluenceSimError(f"{path}: not a calibration folder (no {SPEC_FILE})")
    check_setup(path)
    spec = CalibrationSpec.model_validate(yaml.safe_load((path / SPEC_FILE).read_text()))
    spec = spec.model_copy(update={"targets": str(path / TARGETS_FILE)})
    status = json.loads((path / "manifest.json").read_text()).get("status")
    if status == "failed":
        why = json.loads((path / "manifest.json").read_text()).get("failed", "")
        raise InfluenceSimError(
            f"{path}: this calibration failed ({why}); resuming it would fail the same way: "
            "fix the cause and run the calibration again"
        )
    return _interruptible(path, spec, workers, progress)


def _interruptible(
    folder: Path, spec: CalibrationSpec, workers: int | None, progress: bool
) -> Calibration:
    """The waves; on Ctrl-C, the calibration's folder (not its wave's) is the one to resume."""
    try:
        return _waves(folder, spec, workers, progress)
    except Interrupted:
        raise Interrupted(str(folder), "calibrate") from None


def _target_path(name: str) -> str:
    from influence_sim.format.bundled import bundled_name
    from influence_sim.format.targets import targets_dir

    return str(bundled_name(name, targets_dir()) or Path(name))


def _fitted_text(spec: CalibrationSpec) -> str:
    """The fitted target file as written in the folder: a validation block's fitting years."""
    path = Path(_target_path(spec.targets))
    targets = load_targets(path)
    if targets.validation is None:
        return path.read_text()
    assert spec.scenario is not None  # preflight made it the target file's
    fitted = fitting_targets(targets, load_scenario(spec.scenario))
    fitted = fitted.model_copy(update={"scenario": spec.scenario})
    return yaml.safe_dump(fitted.model_dump(mode="json", exclude_none=True), sort_keys=False)


def _holdout_text(name: str) -> str:
    """A holdout's target file as YAML, its scenario made absolute when a file beside it."""
    path = Path(_target_path(name))
    targets = load_targets(path)
    beside = path.parent / targets.scenario
    if beside.is_file():
        targets = targets.model_copy(update={"scenario": str(beside.resolve())})
    return yaml.safe_dump(targets.model_dump(mode="json"), sort_keys=False)


def _predict_holdout(folder: Path, spec: CalibrationSpec) -> pd.DataFrame:
    """Each holdout's data predicted from the posterior; writes ``holdout.csv`` and its plot."""
    from influence_sim.calibration.checks import predict

    frames = []
    for i, holdout in enumerate(spec.holdout):
        file = folder / HOLDOUT_TARGETS.format(i)
        targets = load_targets(file)
        data = holdout.data
        if targets.validation is not None:
            data = data or held_out_names(targets, load_scenario(targets.scenario))
            _score_holdout(folder, file, holdout.replications, spec.seed)
        table = predict(
            file,
            folder,
            data=data,
            replications=holdout.replications,
            seed=spec.seed,
        )
        table.insert(0, "targets", load_targets(file).name)
        frames.append(table)
    table = pd.concat(frames, ignore_index=True)
    _write_csv(folder / HOLDOUT_FILE, table)
    if len(table) > MAX_PLOTTED:
        return table  # a figure too tall to read; validation.csv and holdout.csv have them
    from influence_sim.viz import plot_holdout, save_figure

    save_figure(
        folder / "plots" / "holdout.png",
        lambda ax: plot_holdout(table, ax=ax),
        size=(9, 2.0 + 0.55 * len(table)),
    )
    return table


MAX_PLOTTED = 40
"""A holdout of more figures gets no ``holdout.png`` (one row each would not be read)."""


def _score_holdout(folder: Path, file: Path, replications: int, seed: int) -> None:
    """A holdout with a validation block, checked with the posterior: ``validation.csv``.

    Each figure scored against the null models (persistence, trend, no preferences);
    the calibration's report prints the held-out summary.
    """
    from influence_sim.calibration.checks import check

    result = check(file, replications=replications, seed=seed, posterior=folder)
    assert result.scores is not None
    _write_csv(folder / VALIDATION_FILE, result.scores)


def _waves(folder: Path, spec: CalibrationSpec, workers: int | None, progress: bool) -> Calibration:
    """Run or resume each wave in turn; write the verdicts after each."""
    targets = load_targets(folder / TARGETS_FILE)
    data = fitted_data(targets, spec)
    scenario_name = spec.scenario or targets.scenario
    observed = _observed(data, scenario_name)
    box = {path: (p.range[0], p.range[1]) for path, p in spec.parameters.items()}
    frames = []
    for wave in range(1, spec.history_matching.waves + 1):
        result = _wave(folder, spec, wave, box, scenario_name, workers, progress)
        _refuse_failures(folder, result, f"wave {wave}")
        verdict = _verdicts(result, spec, data, observed)
        verdict.insert(0, "wave", wave)
        frames.append(verdict)
        table = pd.concat(frames, ignore_index=True)
        _write_csv(folder / WAVES_FILE, table)
        survivors = verdict[verdict["plausible"]]
        if survivors.empty:
            break
        box = _next_box(spec, survivors)
    calibration = Calibration(folder, spec, table)
    if spec.abc is not None and not calibration.nroy.empty:
        try:
            calibration.posterior = _abc(folder, spec, data, observed, box, scenario_name, workers)
        except CalibrationFailed as exc:  # no posterior (collapsed weights, failed runs)
            _mark_failed(folder, str(exc))
            raise
        if spec.holdout:
            calibration.holdout = _predict_holdout(folder, spec)
            if (folder / VALIDATION_FILE).is_file():
                calibration.validation = pd.read_csv(folder / VALIDATION_FILE)
    from influence_sim.viz import plot_waves, save_figure

    parameters = list(spec.parameters)
    save_figure(
        folder / "plots" / "waves.png",
        lambda ax: plot_waves(table, parameters, cutoff=spec.history_matching.cutoff, ax=ax),
        size=(7, 5),
    )
    _write_csv(folder / NROY_FILE, calibration.nroy)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest.update(status="done", finished=now().isoformat(), plausible=len(calibration.nroy))
    write_json(folder / "manifest.json", manifest)
    return calibration


def _refuse_failures(folder: Path, result: SweepResult, stage: str) -> None:
    """Stop, and mark the calibration failed, when any run failed: failures are not data.

    A run that fails says nothing about its point: counting it as ruled out (an
    implausibility of infinity) would shrink the region for a reason that is not the data.
    """
    if not result.failed:
        return
    reasons = "; ".join(f"{n} runs: {message}" for message, n in result.failure_reasons())
    why = f"{stage}: {result.failed} of {result.n_runs} runs failed ({reasons})"
    _mark_failed(folder, why)
    raise CalibrationFailed(
        f"{why}; failed runs are not data, so the calibration stops and its folder is "
        f"marked failed ({folder}): fix the cause and run the calibration again"
    )


def _mark_failed(folder: Path, why: str) -> None:
    """Record in the manifest that the calibration stopped, and why."""
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest.update(status="failed", failed=why, finished=now().isoformat())
    write_json(folder / "manifest.json", manifest)


def _wave(
    folder: Path,
    spec: CalibrationSpec,
    wave: int,
    box: dict[str, tuple[float, float]],
    scenario: str,
    workers: int | None,
    progress: bool,
) -> SweepResult:
    """Wave ``wave``'s sweep: resumed if it was started, run if not."""
    name = f"{spec.name}-wave-{wave:02d}"
    started = sorted((folder / "waves").glob(f"{name}-*"))
    if started:
        return resume_sweep(started[-1], workers=workers, progress=progress)
    seed = int(np.random.SeedSequence(spec.seed, spawn_key=(wave,)).generate_state(1)[0])
    sweep = SweepSpec.model_validate(
        {
            "name": name,
            "title": f"{spec.title}: wave {wave}",
            "base": scenario,
            "parameters": {path: {"range": list(low_high)} for path, low_high in box.items()},
            "sampler": {"method": "lhs", "n": spec.history_matching.points},
            "replications": spec.replications,
            "seed": seed,
            "chunk_size": spec.chunk_size,
            "record": {"metrics": [], "targets": str(folder / TARGETS_FILE)},
        }
    )
    base = load_scenario(scenario)
    return run_sweep((sweep, base), out=folder / "waves", workers=workers, progress=progress)


def _observed(data: list[Target], scenario: str) -> dict[str, float]:
    """Each datum's observed value (a history quantity's from the shipped series)."""
    base = load_scenario(scenario)
    return {target.name: observed_value(target, base) for target in data}


def _verdicts(
    result: SweepResult, spec: CalibrationSpec, data: list[Target], observed: dict[str, float]
) -> pd.DataFrame:
    """Each point's parameters, implausibility per datum, the largest, and the verdict."""
    points = result.points.set_index("point")[list(spec.parameters)]
    by_point = _by_point(result, data)
    rows: list[dict[str, Any]] = []
    for point, values in points.iterrows():
        row: dict[str, Any] = {"point": point}
        row.update({str(k): v for k, v in values.items()})
        largest = -math.inf
        for target, column in zip(data, _of(by_point, point, data), strict=True):
            model = statistic_of(column, target.statistic)
            far = implausibility(target, observed[target.name], model, column)
            row[f"model.{target.name}"] = model
            row[f"implausibility.{target.name}"] = far
            largest = max(largest, far)
        row["implausibility"] = largest
        row["plausible"] = largest <= spec.history_matching.cutoff
        rows.append(row)
    return pd.DataFrame(rows)


def _by_point(result: SweepResult, data: list[Target]) -> dict[int, list[pd.Series]]:
    """Each point's runs' values of each datum (the sweep's target.<name> columns)."""
    columns = [f"target.{t.name}" for t in data]
    return {
        int(cast(int, point)): [runs[c].reset_index(drop=True) for c in columns]
        for point, runs in result.metrics.groupby("point")
    }


def _of(by_point: dict[int, list[pd.Series]], point: Any, data: list[Target]) -> list[pd.Series]:
    """A point's columns; empty (no value: implausible) where every run of it failed."""
    return by_point.get(int(point), [pd.Series(dtype=float) for _ in data])


def _write_csv(path: Path, frame: pd.DataFrame) -> None:
    atomic_write(path, lambda temporary: frame.to_csv(temporary, index=False))


def _next_box(spec: CalibrationSpec, survivors: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """The survivors' box, widened by ``expand`` of each prior range, within the prior."""
    box = {}
    for path, prior in spec.parameters.items():
        low, high = prior.range
        margin = spec.history_matching.expand * (high - low)
        lo = max(low, float(survivors[path].min()) - margin)
        hi = min(high, float(survivors[path].max()) + margin)
        if hi <= lo:  # one survivor and no margin: a sliver around it
            width = 1e-6 * (high - low)
            lo, hi = max(low, lo - width), min(high, hi + width)
        box[path] = (lo, hi)
    return box


def _abc(
    folder: Path,
    spec: CalibrationSpec,
    data: list[Target],
    observed: dict[str, float],
    box: dict[str, tuple[float, float]],
    scenario: str,
    workers: int | None,
) -> pd.DataFrame:
    """ABC-SMC in the last wave's box; writes ``posterior/`` and returns the particles.

    Each batch of proposals is a sweep (``abc/``), resumed if it was started, so a
    calibration killed during ABC resumes to the same particles.
    """
    from influence_sim.calibration.abc import abc_smc

    assert spec.abc is not None
    paths = list(spec.parameters)
    names = [t.name for t in data]
    simulate = _abc_batches(folder, spec, data, scenario, workers)
    low = np.array([box[p][0] for p in paths])
    high = np.array([box[p][1] for p in paths])
    scale = np.array(
        [math.hypot(t.observed.sd, t.observed.discrepancy) for t in data if t.observed]
    )
    posterior = abc_smc(
        simulate,
        low,
        high,
        np.array([observed[n] for n in names]),
        scale,
        particles=spec.abc.particles,
        generations=spec.abc.generations,
        seed=spec.seed,
    )
    particles = pd.DataFrame(posterior.particles, columns=paths)
    particles["weight"] = posterior.weights
    for j, name in enumerate(names):
        particles[f"model.{name}"] = posterior.statistics[:, j]
    out = folder / POSTERIOR_DIR
    out.mkdir(exist_ok=True)
    _write_abc_outputs(out, posterior, particles, paths)
    info = {
        "calibration": spec.name,
        "title": spec.title,
        "scenario": scenario,
        "parameters": paths,
        "prior": {p: list(spec.parameters[p].range) for p in paths},
        "abc_prior": {p: list(box[p]) for p in paths},
        "particles": len(particles),
        "ess": float(posterior.ess),
        "generations": len(posterior.generations),
        "seed": spec.seed,
        "replications": spec.replications,
        "data": names,
        "versions": versions(),
        "created": now().isoformat(),
    }
    write_posterior(out, particles, info)  # posterior.json last: then it is whole
    return particles


def _abc_batches(
    folder: Path, spec: CalibrationSpec, data: list[Target], scenario: str, workers: int | None
) -> Callable[[np.ndarray, int], np.ndarray]:
    """The simulator ABC calls: each batch of proposals run as a sweep, resumed if started."""
    paths = list(spec.parameters)
    base = load_scenario(scenario)

    def simulate(points: np.ndarray, batch: int) -> np.ndarray:
        name = f"{spec.name}-abc-{batch:03d}"
        started = sorted((folder / "abc").glob(f"{name}-*"))
        if started:
            result = resume_sweep(started[-1], workers=workers)
        else:
            seed = np.random.SeedSequence(spec.seed, spawn_key=(1000 + batch,))
            sweep = SweepSpec.model_validate(
                {
                    "name": name,
                    "title": f"{spec.title}: ABC batch {batch}",
                    "base": scenario,
                    "parameters": {path: {"values": [0.0]} for path in paths},
                    "sampler": {
                        "method": "list",
                        "points": [dict(zip(paths, map(float, p), strict=True)) for p in points],
                    },
                    "replications": spec.replications,
                    "seed": int(seed.generate_state(1)[0]),
                    "chunk_size": spec.chunk_size,
                    "record": {"metrics": [], "targets": str(folder / TARGETS_FILE)},
                }
            )
            result = run_sweep((sweep, base), out=folder / "abc", workers=workers)
        _refuse_failures(folder, result, f"ABC batch {batch}")
        by_point = _by_point(result, data)
        return np.array(
            [
                [
                    statistic_of(c, t.statistic)
                    for t, c in zip(data, _of(by_point, i, data), strict=True)
                ]
                for i in range(len(points))
            ]
        )

    return simulate


def _write_abc_outputs(
    out: Path, posterior: Any, particles: pd.DataFrame, paths: list[str]
) -> None:
    """The generations' table and the posterior's figures, in ``posterior/``."""
    generations = pd.DataFrame(
        [
            {
                "generation": g + 1,
                "width": gen.width,
                "simulated": gen.simulated,
                "ess": gen.ess,
                "acceptance": gen.ess / gen.simulated,
            }
            for g, gen in enumerate(posterior.generations)
        ]
    )
    _write_csv(out / GENERATIONS_FILE, generations)
    from influence_sim.viz import plot_pairs, plot_posterior, save_figure

    save_figure(
        out / "posterior.png",
        lambda *axes: plot_posterior(particles, paths, axes=axes),
        size=(4.2 * len(paths), 3.6),
        panels=len(paths),
    )
    save_figure(
        out / "pairs.png",
        lambda *axes: plot_pairs(particles, paths, axes=axes),
        size=(3.2 * len(paths), 3.2 * len(paths)),
        panels=(len(paths), len(paths)),
    )
