"""Reading a sweep file: the spec, checked against its base scenario."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from influence_sim.errors import InfluenceSimError, Problem, ScenarioError
from influence_sim.format.bundled import bundled_name, find_scenario, scenario_dir
from influence_sim.format.loading import load_scenario, overrides_from, resolve_scenario
from influence_sim.format.names import written_path_problem
from influence_sim.format.scenario import Scenario
from influence_sim.format.sweepspec import DistributionParameter, RangeParameter, SweepSpec
from influence_sim.format.validation import problems_from
from influence_sim.format.yamlio import read_yaml_file, top_keys


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
    if spec.record.targets is not None:
        spec = _with_targets(spec, file, display, marks)
    if spec.posterior is not None and (file.parent / spec.posterior).is_dir():
        spec = spec.model_copy(update={"posterior": str((file.parent / spec.posterior).resolve())})
    where = marks.get(("base",))
    line = where.line if where else None
    bases: list[Scenario] = []
    overridden: list[dict[str, Any]] = []  # each base with the sweep's overrides, as data
    resolved: list[str] = []
    for given in spec.bases:
        base_file = file.parent / given
        try:
            base_path = base_file if base_file.is_file() else find_scenario(given)
            bases.append(load_scenario(base_path))
            with overrides_from("the sweep's overrides"):
                overridden.append(load_scenario(base_path, spec.overrides).to_data())
        except InfluenceSimError as exc:
            first = exc.problems[0] if isinstance(exc, ScenarioError) else str(exc)
            raise ScenarioError(
                [Problem(f"the base scenario is not valid: {first}", display, line, path="base")]
            ) from None
        resolved.append(str(Path(base_path).resolve()) if base_file.is_file() else given)
    if isinstance(spec.base, list):  # files beside the sweep file, made absolute
        spec = spec.model_copy(update={"base": resolved})
    base = bases[0]
    problems = [
        p
        for b, data in zip(bases, overridden, strict=True)
        for p in _probe_parameters(spec, b, data, display, marks)
    ]
    if problems:
        raise ScenarioError(list(dict.fromkeys(problems)))  # once, whatever the bases
    return spec, base


def _probe_parameters(
    spec: SweepSpec, base: Scenario, data: dict[str, Any], display: str, marks: Any
) -> list[Problem]:
    """Each parameter's path checked on a base, then tried at the ends of its range.

    A path that names no parameter (an unknown name or field) is reported as the path's
    mistake, never as its values'. ``data`` is the base with the sweep's overrides.
    """
    problems = []
    for name, parameter in spec.parameters.items():
        origin = marks.get(("parameters", name))
        line, field = origin.line if origin else None, f"parameters.{name}"
        wrong = written_path_problem(data, name)
        if wrong is not None:
            problems.append(Problem(wrong[0], display, line, path=field, hint=wrong[1]))
            continue
        for value in _probes(parameter):
            try:
                resolve_scenario(base, [*spec.overrides, f"{name}={value!r}"])
            except ScenarioError as exc:
                first = exc.problems[0]
                message = f"{value!r} is not a valid value here: {first.message}"
                problems.append(Problem(message, display, line, path=field, hint=first.hint))
                break
    return problems


def _probes(parameter: Any) -> list[Any]:
    if isinstance(parameter, RangeParameter):
        return list(parameter.range)
    if isinstance(parameter, DistributionParameter):
        if parameter.distribution in ("uniform", "triangular"):
            return [parameter.low, parameter.high]
        return [parameter.mean]
    return list(parameter.values)


SWEEP_KEYS = frozenset({"base", "parameters", "sampler"})
"""Top-level keys only a sweep file has: a file with any of them is read as a sweep."""


def file_kind(name: str | os.PathLike[str]) -> str:
    """What a file holds, by its top-level keys: scenario, sweep, targets or calibration.

    A bundled name is a sweep if a bundled sweep has it; a file that cannot be read as
    YAML is called a scenario (loading it as one then reports what is wrong with it).
    """
    if not Path(name).is_file():
        return "sweep" if is_sweep_file(name) else "scenario"
    keys = top_keys(Path(name))  # read once, at most the cap
    if not SWEEP_KEYS.isdisjoint(keys):
        return "calibration" if {"history_matching", "abc", "targets"} & keys else "sweep"
    if "scenario" in keys and {"targets", "validation"} & keys:
        return "targets"
    return "scenario"


def is_sweep_file(name: str | os.PathLike[str]) -> bool:
    """Whether ``name`` is a sweep file (by its top-level keys) or a bundled sweep's name.

    A file that cannot be read as YAML is not called a sweep: loading it as a scenario
    then reports what is wrong with it.
    """
    path = Path(name)
    if not path.is_file():
        return (
            bundled_name(path) is None and bundled_name(path, scenario_dir() / "sweeps") is not None
        )
    return not SWEEP_KEYS.isdisjoint(top_keys(path))


def _with_targets(spec: SweepSpec, file: Path, display: str, marks: Any) -> SweepSpec:
    """The spec with its target file resolved (beside the sweep file, or bundled), checked."""
    from influence_sim.format.targets import load_targets

    name = spec.record.targets
    assert name is not None
    beside = file.parent / name
    where = marks.get(("record", "targets"))
    line = where.line if where else None
    try:
        targets = load_targets(beside if beside.is_file() else name)
    except InfluenceSimError as exc:
        first = exc.problems[0] if isinstance(exc, ScenarioError) else str(exc)
        raise ScenarioError(
            [
                Problem(
                    f"the target file is not valid: {first}", display, line, path="record.targets"
                )
            ]
        ) from None
    compared = [t.name for t in targets.targets if t.against is not None]
    if compared:
        raise ScenarioError(
            [
                Problem(
                    "a sweep records each run's own values; these targets compare with a "
                    f"counterfactual: {', '.join(compared)}",
                    display,
                    line,
                    path="record.targets",
                    hint="use a target file without 'against', or check the points one by one",
                )
            ]
        )
    resolved = str(beside.resolve()) if beside.is_file() else name
    record = spec.record.model_copy(update={"targets": resolved})
    return spec.model_copy(update={"record": record})
