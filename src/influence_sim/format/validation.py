"""Turning pydantic's validation errors into problems a person can act on.

Each pydantic error has a location (a tuple of field names, list indices and,
inside the shock union, the shock's type) and a message. This module finds the
field path in the user's data, looks up its line, rewrites the message as
"expected ..., found ...", and adds a suggestion for misspelt names.
"""

from __future__ import annotations

import re
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from influence_sim.errors import Problem, describe_value, one_of, suggest
from influence_sim.format.paths import Path, format_path, has
from influence_sim.format.yamlio import Marks, Origin

_QUOTED = re.compile(r"'([^']*)'")
_NAME_RULE = "an id of lowercase letters, digits, '_' or '-', starting with a letter"


def problems_from(
    exc: ValidationError, data: Any, marks: Marks, display: str, root: type[BaseModel] | None = None
) -> list[Problem]:
    """One :class:`Problem` per pydantic error, sorted by position in the file."""
    if root is None:
        from influence_sim.format.scenario import Scenario

        root = Scenario
    problems: list[Problem] = []
    for error in exc.errors(include_url=False):
        path, is_key = _data_path(error["loc"], data)
        message, hint = _message(error, path, is_key, root, data)
        origin, matched = _origin(path, marks, display)
        shown = (*origin.at, *path[matched:]) if origin.at is not None else path
        problems.append(
            Problem(
                message,
                file=origin.file,
                line=origin.line,
                column=origin.column,
                path=format_path(shown) or None,
                hint=hint,
            )
        )
    unique = list(dict.fromkeys(problems))
    unique.sort(key=lambda p: (p.file != display, p.file or "", p.line or 0, p.column or 0))
    return unique


def _data_path(loc: tuple[int | str, ...], data: Any) -> tuple[Path, bool]:
    """Follow a pydantic location through the data, dropping union tags."""
    path: list[str | int] = []
    node = data
    is_key = False
    for part in loc:
        if part == "[key]":
            is_key = True
            continue
        if has(node, part):
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and node.get("type") == part:
            continue  # the discriminated union's tag, not a field
        elif isinstance(part, str) and part.startswith("<") and part.endswith(">"):
            continue  # a tag chosen by a callable discriminator (sweep parameter forms)
        else:
            node = None
        path.append(part)
    return tuple(path), is_key


def _origin(path: Path, marks: Marks, display: str) -> tuple[Origin, int]:
    """Where the longest marked prefix of ``path`` came from, and that prefix's length."""
    for n in range(len(path), -1, -1):
        if path[:n] in marks:
            return marks[path[:n]], n
    return Origin(display), 0


_EXPECTED = {"finite_number": "a finite number", "dict_type": "a mapping", "list_type": "a list"}
"""What pydantic's plain type errors expected, in the package's words."""


def _missing(kind: str, path: Path, ctx: dict[str, Any]) -> str:
    """A required field, or items of a list, that are not there."""
    if kind == "too_short":
        least, found = ctx.get("min_length"), ctx.get("actual_length")
        return f"expected at least {least} item{'s' * (least != 1)}, found {found}"
    if path and isinstance(path[-1], int):
        return f"too few items: expected at least {path[-1] + 1}"
    return f"required field '{path[-1] if path else ''}' is missing"


def _message(
    error: Any, path: Path, is_key: bool, root: type[BaseModel], data: Any
) -> tuple[str, str | None]:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    name = str(path[-1]) if path else ""
    if kind == "reference":
        return ctx["message"], ctx.get("hint")
    if kind in ("missing", "too_short"):
        return _missing(kind, path, ctx), None
    if kind == "extra_forbidden":
        allowed = fields_at(root, path[:-1], data)
        if allowed is None:
            return f"unknown field '{name}'", None
        return f"unknown field '{name}'; expected {one_of(allowed)}", suggest(name, allowed)
    if kind == "union_tag_invalid":
        tags = _QUOTED.findall(str(ctx.get("expected_tags", "")))
        tag = ctx.get("tag")
        return f"unknown shock type '{tag}'; expected {one_of(tags)}", suggest(str(tag), tags)
    if kind == "union_tag_not_found":
        return "a shock needs a 'type', such as 'uprising' or 'security_request'", None
    if kind == "literal_error":
        choices = _QUOTED.findall(str(ctx.get("expected", "")))
        hint = suggest(str(value), choices) if isinstance(value, str) else None
        return f"expected {one_of(choices)}, found {describe_value(value)}", hint
    if kind == "string_pattern_mismatch" and ctx.get("pattern", "").startswith("^[a-z]"):
        what = "key" if is_key else "value"
        hint = (
            f"did you mean '{value.lower()}'?"
            if isinstance(value, str) and value.lower() != value
            else None
        )
        return f"expected {_NAME_RULE} as {what}, found {describe_value(value)}", hint
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, found {describe_value(value)}", None
    message = str(error["msg"])
    message = message.removeprefix("Value error, ")
    message = message.removeprefix("Assertion failed, ")
    if message.startswith("Input should be"):
        message = "expected" + message.removeprefix("Input should be")
        message += f", found {describe_value(value)}"
    return message, None


def fields_at(root: type[BaseModel], path: Path, data: Any) -> list[str] | None:
    """The field names allowed at a path, if the path ends at a model."""
    current: Any = root
    node = data
    for part in path:
        current = _step(_pick(current, node), part)
        node = _child(node, part)
        if current is None:
            return None
    current = _pick(current, node)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return None


def _child(node: Any, part: str | int) -> Any:
    return node[part] if has(node, part) else None


def _pick(annotation: Any, node: Any) -> Any:
    """Resolve optional and union annotations; a union of models by the data's ``type``."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return annotation
    options = [a for a in typing.get_args(annotation) if a is not type(None)]
    if len(options) == 1:
        return _pick(options[0], node)
    tag = node.get("type") if isinstance(node, dict) else None
    for option in options:
        if isinstance(option, type) and issubclass(option, BaseModel):
            field = option.model_fields.get("type")
            if field is not None and tag in typing.get_args(field.annotation):
                return option
    return None


def _step(annotation: Any, part: str | int) -> Any:
    """One step down a type annotation: a model's field, a dict's value, a list's item."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(str(part))
        return field.annotation if field is not None else None
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is dict and len(args) == 2:
        return args[1]
    if origin is list and args:
        return args[0]
    return None
