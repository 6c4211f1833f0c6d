"""Loading scenarios: YAML files, ``extends``, dotted overrides, and clear errors.

:func:`load_scenario` is the one way in. It reads the file safely, merges the
scenario it ``extends`` (recursively), applies ``--set`` style overrides, and
validates the result. Every failure is a :class:`~influence_sim.errors.ScenarioError`
whose problems name the file, the line and column, the field path, what was
expected and what was found.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import json
import numbers
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from pathlib import Path as FilePath
from typing import Any

import yaml
from pydantic import ValidationError

from influence_sim.errors import InfluenceSimError, Problem, ScenarioError, describe_value
from influence_sim.format.bundled import DEFAULT_SCENARIO, bundled_name, find_scenario
from influence_sim.format.names import Unknown, named, unknown_name
from influence_sim.format.paths import Path, covers, format_path, parse_path
from influence_sim.format.references import SOURCED_SECTIONS
from influence_sim.format.scenario import SOURCES_HOLD, Scenario
from influence_sim.format.validation import problems_from
from influence_sim.format.yamlio import MAX_BYTES, Marks, Origin, read_yaml_file, read_yaml_text

MAX_EXTENDS = 16
"""The longest chain of ``extends`` followed."""

_ROUTE: ContextVar[str] = ContextVar("overrides_from", default="overrides")
"""How messages name where an override was given: the API's ``overrides``, or ``--set``."""


@contextlib.contextmanager
def overrides_from(route: str) -> Iterator[None]:
    """Name overrides given meanwhile by ``route`` in messages (the command line's ``--set``)."""
    token = _ROUTE.set(route)
    try:
        yield
    finally:
        _ROUTE.reset(token)


def load_scenario(path: str | os.PathLike[str], overrides: Overrides = ()) -> Scenario:
    """Load, resolve and validate a scenario file.

    Args:
        path: The YAML file, or the name of a bundled scenario (``"kazakhstan-2022"``).
        overrides: Dotted assignments applied after ``extends`` is resolved, such as
            ``["powers.russia.security_capacity=0.4"]`` (values are read as YAML), or a
            mapping ``{"powers.russia.security_capacity": 0.4}``.

    Returns:
        The validated scenario, with ``extends`` resolved. With overrides, it departs from
        the file as written, which stays its calibrated world (``Scenario.reference``):
        running it gives what ``run(path, overrides=...)`` and ``--set`` give.

    Raises:
        ScenarioError: If anything is wrong with the file, a base it extends, or an override.
    """
    file = bundled_name(path) or FilePath(path)  # a bare name of a bundled scenario works too
    data, marks = resolve_file(file)
    return _validate_with_overrides(data, marks, overrides, _display(file))


def _validate_with_overrides(
    data: dict[str, Any], marks: Marks, overrides: Overrides, display: str
) -> Scenario:
    """The scenario as written, or, with overrides, a departure from it (its reference)."""
    changes = override_list(overrides)
    if not changes:
        return validate_data(data, marks, display)
    written = copy.deepcopy(data), dict(marks)
    unknown: list[tuple[Unknown, str]] = []
    apply_overrides(data, marks, changes, unknown)
    changed = validate_overridden(data, marks, display, unknown)
    try:
        reference = validate_data(*written, display)
    except ScenarioError:
        return changed  # the file is only valid with the overrides: it is its own world
    return changed.departing_from(reference)


def parse_scenario(text: str, overrides: Overrides = (), *, source: str = "<text>") -> Scenario:
    """Validate a scenario given as YAML text (``extends`` is relative to the working folder).

    Raises:
        ScenarioError: As :func:`load_scenario`.
    """
    data, marks = read_yaml_text(text, source)
    data, marks = _resolve_extends(data, marks, FilePath.cwd() / "<text>", source, [])
    return _validate_with_overrides(data, marks, overrides, source)


def resolve_file(file: FilePath, chain: Sequence[FilePath] = ()) -> tuple[dict[str, Any], Marks]:
    """Read a scenario file and merge the files it extends, without validating.

    Raises:
        ScenarioError: If a file cannot be read, or the ``extends`` chain is broken.
    """
    display = _display(file)
    data, marks = read_yaml_file(file, display)
    return _resolve_extends(data, marks, file, display, [*chain, file.resolve()])


def _resolve_extends(
    data: Any, marks: Marks, file: FilePath, display: str, chain: list[FilePath]
) -> tuple[dict[str, Any], Marks]:
    if not isinstance(data, dict):
        raise ScenarioError.single(
            f"the top level must be a mapping of fields, found {describe_value(data)}",
            file=display,
            line=marks.get((), Origin(display)).line,
        )
    base_name = data.get("extends")
    if base_name is None:
        return data, marks
    where = marks.get(("extends",), Origin(display))
    at = {"file": display, "line": where.line, "column": where.column, "path": "extends"}
    if "name" not in data:
        raise ScenarioError.single(
            "a scenario that extends another needs a 'name' of its own", file=display, line=1
        )
    if not isinstance(base_name, str) or not base_name.strip():
        raise ScenarioError.single(
            f"expected the name of a scenario file, found {describe_value(base_name)}", **at
        )
    base_file = file.parent / base_name
    if not base_file.is_file():  # `extends: kazakhstan-2022`: beside it, or a bundled one
        base_file = bundled_name(base_name, file.parent) or bundled_name(base_name) or base_file
    if base_file.resolve() in chain:
        cycle = " -> ".join(_display(f) for f in [*chain, base_file.resolve()])
        raise ScenarioError.single(f"circular extends: {cycle}", **at)
    if len(chain) >= MAX_EXTENDS:
        raise ScenarioError.single(f"more than {MAX_EXTENDS} files extend one another", **at)
    if not base_file.is_file():
        nearby = sorted(p.name for p in file.parent.glob("*.y*ml"))
        from influence_sim.errors import suggest

        raise ScenarioError.single(
            f"the file it extends, '{_display(base_file)}', does not exist",
            **at,
            hint=suggest(base_name, nearby),
        )
    base, base_marks = resolve_file(base_file, chain)
    return merge(base, base_marks, data, marks)


def merge(
    base: dict[str, Any], base_marks: Marks, child: dict[str, Any], child_marks: Marks
) -> tuple[dict[str, Any], Marks]:
    """Merge a child scenario onto its base.

    Mappings merge key by key, shocks are appended to the base's shocks, and any other
    value in the child replaces the base's. Positions follow the values.
    """
    merged = copy.deepcopy(base)
    merged.pop("extends", None)
    offset = len(base["shocks"]) if isinstance(base.get("shocks"), list) else 0
    shifted: Marks = {}
    for path, origin in child_marks.items():
        if offset and len(path) >= 2 and path[0] == "shocks" and isinstance(path[1], int):
            written = origin.at or path  # errors name the shock as its own file numbers it
            path = ("shocks", path[1] + offset, *path[2:])
            origin = dataclasses.replace(origin, at=written)
        shifted[path] = origin
    replaced: list[Path] = []
    _merge_into(merged, child, (), replaced)
    _unsource(merged, child, replaced)
    marks = {p: o for p, o in base_marks.items() if not any(p[: len(r)] == r for r in replaced)}
    marks.update(shifted)
    merged.pop("extends", None)
    return merged, marks


def _merge_into(
    target: dict[str, Any], child: dict[str, Any], path: Path, replaced: list[Path]
) -> None:
    for key, value in child.items():
        here = (*path, key)
        old = target.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            _merge_into(old, value, here, replaced)
        elif here == ("shocks",) and isinstance(old, list) and isinstance(value, list):
            target[key] = old + copy.deepcopy(value)
        else:
            target[key] = copy.deepcopy(value)
            replaced.append(here)


def _unsource(merged: dict[str, Any], child: dict[str, Any], replaced: list[Path]) -> None:
    """Stop a base's sources from vouching for values the child changed without a source."""
    child_sources = child.get("sources")
    patterns = []
    for key in child_sources if isinstance(child_sources, dict) else ():
        with contextlib.suppress(ValueError):
            patterns.append(parse_path(str(key)))
    for path in replaced:
        if len(path) < 2 or path[0] not in SOURCED_SECTIONS:
            continue
        if not any(covers(p, path) for p in patterns):
            sources = merged.setdefault("sources", {})
            if isinstance(sources, dict):
                sources[format_path(path)] = None


Overrides = Iterable[str] | Mapping[str, Any]
"""``path=value`` texts, or a mapping of paths to values."""


def override_text(path: str, value: Any) -> str:
    """One override as ``path=value`` text, the value written so YAML reads it back as is."""
    if isinstance(value, str):
        # Plain where YAML reads it back as the same text (never -> 'never'), else quoted.
        try:  # a text too long to be read back stays one, to be refused as too long
            plain = len(value) <= MAX_BYTES and yaml.safe_load(value) == value
            plain = plain and "\n" not in value
        except yaml.YAMLError:
            plain = False
        text = value if plain else json.dumps(value)
    elif isinstance(value, bool) or value is None:
        text = json.dumps(value)
    elif isinstance(value, numbers.Integral):
        text = str(int(value))
    elif isinstance(value, numbers.Real):
        text = repr(float(value))
    else:
        try:
            text = json.dumps(value)
        except (TypeError, ValueError):
            raise ScenarioError.single(
                f"cannot write {describe_value(value)} as the value of an override",
                file=f"overrides[{path!r}]",
            ) from None
    return f"{path}={text}"


def override_list(overrides: Overrides) -> list[str]:
    """Overrides as a list of ``path=value`` texts, refusing anything else clearly.

    Args:
        overrides: ``path=value`` texts (``["powers.russia.security_capacity=0.4"]``), or a
            mapping of paths to values (``{"powers.russia.security_capacity": 0.4}``).

    Raises:
        ScenarioError: If ``overrides`` is a single text, not iterable, or holds a non-text.
    """
    if isinstance(overrides, Mapping):
        return [override_text(str(path), value) for path, value in overrides.items()]
    example = "['powers.russia.security_capacity=0.4']"
    if isinstance(overrides, str | bytes):
        raise ScenarioError.single(
            f"overrides are a list of path=value texts, such as {example}, not a single "
            f"text; write [{str(overrides)!r}]",
            file="overrides",
        )
    try:
        changes = list(overrides)
    except TypeError:
        raise ScenarioError.single(
            f"overrides are a list of path=value texts, such as {example}; found "
            f"{describe_value(overrides)}",
            file="overrides",
        ) from None
    for item in changes:
        if not isinstance(item, str):
            raise ScenarioError.single(
                f"each override is a path=value text, such as {example[1:-1]}; found "
                f"{describe_value(item)}",
                file="overrides",
            )
    return changes


def apply_overrides(
    data: dict[str, Any],
    marks: Marks,
    overrides: Overrides,
    unknown: list[tuple[Unknown, str]] | None = None,
) -> bool:
    """Apply ``path=value`` overrides in place; values are read as YAML.

    Args:
        data: The scenario's data, changed in place.
        marks: Where each value was written; an override's values are marked as its own.
        overrides: ``path=value`` texts, or a mapping of paths to values.
        unknown: Where to note each name in a path that named no entry when it was
            applied, with the override (see :func:`validate_overridden`).

    Returns:
        Whether the data kept its shape: every override replaced a value that was neither
        a mapping nor a list with another such value (no key or entry added or removed).

    Raises:
        ScenarioError: If an override is malformed or its path cannot be reached.
    """
    kept = True
    for text in override_list(overrides):
        where = f"{_ROUTE.get()} {text}"
        key, sep, raw = text.partition("=")
        if not sep or not key.strip():
            raise ScenarioError.single(
                "an override is written path=value, such as powers.russia.security_capacity=0.4",
                file=where,
            )
        try:
            path = parse_path(key)
        except ValueError as exc:
            raise ScenarioError.single(str(exc), file=where) from None
        if path[0] == "extends":
            raise ScenarioError.single("'extends' cannot be overridden", file=where)
        if len(raw) > MAX_BYTES:
            raise ScenarioError.single(
                f"the value is more than {MAX_BYTES:,} characters of YAML",
                file=f"{_ROUTE.get()} {key.strip()}=...",
            )
        value, _ = read_yaml_text(raw, where) if raw.strip() else (None, {})
        if unknown is not None and (found := unknown_name(data, path)) is not None:
            unknown.append((found, where))  # reported only if the scenario is not valid
        kept = _set(data, path, value, where) and kept
        # Whether the value was written in the file or left at its default, the override
        # is its source: the same text (so the same hash) from a file and from a Scenario.
        if path[0] in SOURCED_SECTIONS and len(path) > 1:
            sources = data.setdefault("sources", {})
            if isinstance(sources, dict):
                sources[format_path(path)] = f"Override on the command line: {text}"
        for old in [p for p in marks if p[: len(path)] == path]:
            del marks[old]
        marks[path] = Origin(where)
    return kept


def _set(data: Any, path: Path, value: Any, where: str) -> bool:
    """Set ``path`` to ``value``; whether it replaced a plain value with another.

    A plain value is neither a mapping nor a list.
    """
    plain = not isinstance(value, dict | list)
    node = data
    for depth, part in enumerate(path):
        last = depth == len(path) - 1
        here = format_path(path[: depth + 1])
        if isinstance(node, dict):
            if last:
                kept = part in node and not isinstance(node[part], dict | list) and plain
                node[part] = value
                return kept
            else:
                node = node.setdefault(part, {})
        elif isinstance(node, list):
            if not isinstance(part, int) or not 0 <= part < len(node):
                raise ScenarioError.single(
                    f"'{here}' is not an entry of a list of {len(node)}", file=where
                )
            if last:
                kept = not isinstance(node[part], dict | list) and plain
                node[part] = value
                return kept
            else:
                node = node[part]
        else:
            raise ScenarioError.single(
                f"cannot set '{format_path(path)}': '{format_path(path[:depth])}' holds "
                f"{describe_value(node)}, not a mapping or a list",
                file=where,
            )
    return False  # an empty path sets nothing (parse_path refuses one)


def validate_data(
    data: dict[str, Any], marks: Marks, display: str, *, sources_hold: bool = False
) -> Scenario:
    """Validate resolved scenario data, turning pydantic's errors into a ScenarioError.

    Args:
        data: The scenario's data.
        marks: Where each value was written, for the messages.
        display: The file's name, for the messages.
        sources_hold: Skip checking that every ``sources`` key names a parameter: set by
            ``resolve_scenario`` of a ``Scenario`` when the data is a valid scenario's with plain
            values replaced (the keys and what they name are unchanged; a sweep's point).

    Raises:
        ScenarioError: With one problem per invalid field, in file order.
    """
    data = {k: v for k, v in data.items() if k != "extends"}
    try:
        return Scenario.model_validate(data, context={SOURCES_HOLD: True} if sources_hold else None)
    except ValidationError as exc:
        problems = problems_from(exc, data, marks, display)
    except RecursionError:
        problems = [Problem("the document is nested too deeply", file=display)]
    raise ScenarioError(problems)


def validate_overridden(
    data: dict[str, Any],
    marks: Marks,
    display: str,
    unknown: Sequence[tuple[Unknown, str]],
    *,
    sources_hold: bool = False,
) -> Scenario:
    """Validate data that overrides changed, as :func:`validate_data`.

    A name in an override's path that named no entry (``powers.rusia.security_capacity``)
    made one holding a single field: if the scenario is not valid, the problems inside
    that entry (its other fields, missing) are given as the unknown name and the name
    meant, where the override was written.

    Raises:
        ScenarioError: With one problem per invalid field, or unknown name.
    """
    try:
        return validate_data(data, marks, display, sources_hold=sources_hold)
    except ScenarioError as exc:
        raise named(exc, unknown) from None


def resolve_scenario(
    scenario: Scenario | str | os.PathLike[str] | None, overrides: Overrides = ()
) -> Scenario:
    """A scenario from a ``Scenario``, a file or a bundled name, with overrides applied.

    With overrides, the result departs from the scenario as given (or as written in its
    file), which stays its calibrated world: ``Scenario.reference``.

    Raises:
        ScenarioError: For a bad file or override.
        InfluenceSimError: If ``scenario`` is none of the three.
    """
    changes = override_list(overrides)
    if isinstance(scenario, Scenario):
        return _overridden(scenario, changes)
    if scenario is not None and not isinstance(scenario, str | os.PathLike):
        raise InfluenceSimError(
            "expected a Scenario, a scenario file or a bundled name, found "
            f"{type(scenario).__name__}"
        )
    return load_scenario(find_scenario(str(scenario or DEFAULT_SCENARIO)), changes)


def _overridden(scenario: Scenario, changes: list[str]) -> Scenario:
    """``scenario`` with override texts applied, departing from its reference."""
    if not changes:
        return scenario
    data: dict[str, Any] = scenario.to_data()
    marks: dict[Any, Any] = {}
    unknown: list[Any] = []  # unknown names in the paths: see validate_overridden
    kept = apply_overrides(data, marks, changes, unknown)
    # Plain values replaced in a valid scenario: its sources still name parameters.
    changed = validate_overridden(data, marks, scenario.name, unknown, sources_hold=kept)
    return changed.departing_from(scenario)


def dump_scenario(scenario: Scenario) -> str:
    """The resolved scenario as YAML text that loads back to an equal scenario.

    libyaml's emitter where PyYAML has it (seven times faster; the same text, a test
    says so, so hashes of scenarios do not depend on which one wrote them).
    """
    header = "# yaml-language-server: $schema=schema.json\n"
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    data = scenario.to_data()
    return header + yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True)


def _display(file: FilePath) -> str:
    try:
        relative = os.path.relpath(file)
    except ValueError:
        return str(file)
    return relative if not relative.startswith("..") else str(file)
