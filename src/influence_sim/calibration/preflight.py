"""What a calibration would refuse, refused before anything runs (and by ``validate``).

A calibration runs for minutes to hours; a mistake found after its waves have run is
work lost, and one never found is a wrong answer. So before the first run: the data
exist and are named right, the targets name what a run has, every parameter path names
a parameter and both ends of its prior range are valid values, and every holdout is
data left out of the fit (a holdout that repeats the fitted data would report an
out-of-sample test that is in sample).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from influence_sim.calibration.checks import check_names, data_of
from influence_sim.calibration.validation import expand, fitting_targets, held_out_names
from influence_sim.errors import InfluenceSimError, Problem, ScenarioError, one_of
from influence_sim.format.bundled import bundled_name
from influence_sim.format.calibration import CalibrationSpec
from influence_sim.format.loading import load_scenario, resolve_scenario
from influence_sim.format.names import written_path_problem
from influence_sim.format.scenario import Scenario
from influence_sim.format.targets import Target, TargetFile, load_targets, targets_dir

log = logging.getLogger(__name__)


def target_path(name: str) -> Path:
    """A target file's path: the file given, or a bundled one by name."""
    return bundled_name(name, targets_dir()) or Path(name)


def preflight(spec: CalibrationSpec) -> CalibrationSpec:
    """Check a calibration before it runs; returns it with its scenario resolved.

    Raises:
        ScenarioError: For a parameter path that names no parameter, or a prior range
            with an end that is not a valid value.
        InfluenceSimError: For data that are missing or misnamed, targets that name what
            a run does not have, or a holdout that is not data left out of the fit.
    """
    targets = load_targets(spec.targets)
    if spec.scenario is None:  # the target file's scenario, a file beside it made absolute
        beside = target_path(spec.targets).parent / targets.scenario
        scenario = str(beside.resolve()) if beside.is_file() else targets.scenario
        spec = spec.model_copy(update={"scenario": scenario})
    assert spec.scenario is not None
    base = load_scenario(spec.scenario)
    check_names(targets, base)
    targets = fitting_targets(targets, base)  # a validation block: its fitting years
    data = fitted_data(targets, spec)
    problems = probe_priors(spec, base) or probe_corners(spec, base)
    if problems:
        raise ScenarioError(problems)
    for i, holdout in enumerate(spec.holdout):
        held = _check_holdout(i, holdout.targets, holdout.data, data)
        _check_holdout_memory(i, held, target_path(holdout.targets), holdout.replications)
    return spec


def fitted_data(targets: TargetFile, spec: CalibrationSpec) -> list[Target]:
    """The data a calibration matches: those it names (or all), less those it leaves out.

    Raises:
        InfluenceSimError: For a name left out that is not a datum of the target file.
    """
    data = data_of(targets, spec.data)
    names = {t.name for t in data}
    unknown = [n for n in spec.leave_out if n not in names]
    if unknown:
        raise InfluenceSimError(
            f"calibration '{spec.name}': leave_out names {', '.join(unknown)}, which "
            f"{'is' if len(unknown) == 1 else 'are'} not among the data it would match; "
            "expected " + one_of(sorted(names))
        )
    kept = [t for t in data if t.name not in spec.leave_out]
    if not kept:
        raise InfluenceSimError(f"calibration '{spec.name}': leave_out leaves no data to match")
    return kept


def probe_priors(spec: CalibrationSpec, base: Scenario) -> list[Problem]:
    """Each fitted parameter's path checked on the scenario, then tried at both ends."""
    problems = []
    data = base.to_data()
    where = f"calibration '{spec.name}'"
    for name, prior in spec.parameters.items():
        field = f"parameters.{name}"
        wrong = written_path_problem(data, name)
        if wrong is not None:
            problems.append(Problem(wrong[0], where, path=field, hint=wrong[1]))
            continue
        for value in prior.range:
            try:
                resolve_scenario(base, [f"{name}={value!r}"])
            except ScenarioError as exc:
                first = exc.problems[0]
                problems.append(
                    Problem(
                        f"the prior range {list(prior.range)} reaches {value!r}, which is not "
                        f"a valid value here: {first.message}",
                        where,
                        path=field,
                        hint=first.hint,
                    )
                )
                break
    return problems


CORNERS_KEY = 0x636F726E657273
"""The spawn key of the corners' draws ("corners" in ASCII), apart from the runs'."""
MAX_CORNERS = 1024
"""The prior box's corners tried: all of them up to ten parameters, else this many drawn
at random (from the calibration's seed), and a warning says so."""


def probe_corners(spec: CalibrationSpec, base: Scenario) -> list[Problem]:
    """The prior box's corners, tried together.

    Parameters valid one by one may not be valid together (reliance shares that sum
    above 1), and a run that fails stops a calibration.
    """
    paths = list(spec.parameters)
    ends = [spec.parameters[p].range for p in paths]
    for corner in _corners(spec, ends):
        try:
            resolve_scenario(base, [f"{p}={v!r}" for p, v in zip(paths, corner, strict=True)])
        except ScenarioError as exc:
            where = ", ".join(f"{p}={v!r}" for p, v in zip(paths, corner, strict=True))
            first = exc.problems[0]
            return [
                Problem(
                    f"the prior box's corner {where} is not a valid scenario: {first.message}",
                    f"calibration '{spec.name}'",
                    path="parameters",
                    hint="narrow the ranges so that every combination within them is valid",
                )
            ]
    return []


def _corners(spec: CalibrationSpec, ends: list[tuple[float, float]]) -> Iterator[tuple[float, ...]]:
    """Every corner of the box, or ``MAX_CORNERS`` of them at random when there are more."""
    d = len(ends)
    if 2**d <= MAX_CORNERS:
        yield from itertools.product(*ends)
        return
    log.warning(
        "calibration '%s': %d parameters make %d corners of the prior box; %d of them, "
        "drawn at random, are tried (a combination of values that is not valid may remain)",
        spec.name,
        d,
        2**d,
        MAX_CORNERS,
    )
    rng = np.random.default_rng(np.random.SeedSequence(spec.seed, spawn_key=(CORNERS_KEY,)))
    for picks in rng.integers(0, 2, size=(MAX_CORNERS, d)):
        yield tuple(pair[int(k)] for pair, k in zip(ends, picks, strict=True))


def _check_holdout(
    index: int, name: str, chosen: list[str] | None, fitted: list[Target]
) -> TargetFile:
    """A holdout's target file, refused if it has no data or repeats the fitted data."""
    targets = load_targets(name)
    if targets.validation is not None:  # its held-out figures, unless named
        base = load_scenario(targets.scenario)
        targets = expand(targets, base)
        chosen = chosen or held_out_names(targets, base)
    try:
        data = data_of(targets, chosen)
    except InfluenceSimError as exc:
        raise InfluenceSimError(f"holdout {index + 1} ({name}): {exc}") from None
    fitted_keys = {_key(t): t.name for t in fitted}
    repeated = [t.name for t in data if _key(t) in fitted_keys]
    if repeated:
        raise InfluenceSimError(
            f"holdout {index + 1} ({name}) predicts data the fit uses ({', '.join(repeated)}): "
            "a holdout is data left out of the fit, so that predicting it tests the model "
            "out of sample; give it other data (later years), or drop it"
        )
    return targets


def _key(target: Target) -> Any:
    """What makes two data the same: the quantity measured and the figure observed."""
    observed = target.observed.model_dump() if target.observed is not None else None
    return repr((target.quantity.model_dump(), target.minus, observed))


def _check_holdout_memory(index: int, targets: TargetFile, file: Path, replications: int) -> None:
    """Refuse a holdout whose runs would not fit in memory (found now, not after the waves).

    Raises:
        InfluenceSimError: Saying what they would need and what to change.
    """
    from influence_sim.engine.compile import compile_scenario
    from influence_sim.results.memory import (
        BUDGET_VARIABLE,
        available_bytes,
        estimate_run_bytes,
        human,
    )

    beside = file.parent / targets.scenario
    scenario = resolve_scenario(str(beside) if beside.is_file() else targets.scenario)
    every = scenario.observation.record_every
    needed = estimate_run_bytes(compile_scenario(scenario), replications, every)
    budget = available_bytes()
    if budget is not None and needed > budget:
        raise InfluenceSimError(
            f"holdout {index + 1} ({file.name}): {replications:,} replications of "
            f"{scenario.name} would need about {human(needed)} of memory, more than the "
            f"{human(budget)} at hand ({BUDGET_VARIABLE} sets it); give the holdout fewer "
            "'replications'"
        )
