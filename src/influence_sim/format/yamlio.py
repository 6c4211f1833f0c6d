"""Reading YAML safely, keeping the line and column of every value.

Scenario files are plain data. This reader refuses what could hurt or confuse:
files that are too large or binary, tags that would build Python objects,
duplicate keys, recursive aliases and alias bombs (a few lines that expand into
millions of nodes), and documents nested too deeply. It returns the data and a
map from each field path to where it stands in the file.
"""

from __future__ import annotations

import json
import re
import stat
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Any

import yaml

from influence_sim.errors import ScenarioError
from influence_sim.format.paths import Path

MAX_BYTES = 1_000_000
"""The largest scenario file read, in bytes."""
MAX_NODES = 200_000
"""The most values a document may expand to, aliases counted at every use."""
MAX_DEPTH = 64
"""The deepest nesting of mappings and lists allowed."""

_PLAIN_TAGS = {
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp", "merge")
}


@dataclass(frozen=True)
class Origin:
    """Where a value came from: a file (or an override) and a 1-based line and column."""

    file: str
    line: int | None = None
    column: int | None = None
    at: tuple[str | int, ...] | None = None
    """The value's path as written in its own file, where merging moved it (an extending
    file's ``shocks[0]`` is ``shocks[3]`` of the merged list)."""


Marks = dict[Path, Origin]


_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML has it


class _Loader(_BaseLoader):  # type: ignore[valid-type,misc]
    """PyYAML's safe loader, except that an impossible date stays text for the schema to reject."""

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)
# YAML 1.1 reads 1e-5 (no dot) as text; people mean a number, as YAML 1.2 and JSON say.
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.VERBOSE,
    ),
    list("-+0123456789."),
)


def read_yaml_file(path: FilePath, display: str) -> tuple[Any, Marks]:
    """Read one YAML file into plain data and the position of every value.

    Args:
        path: The file to read.
        display: How to name the file in messages.

    Returns:
        The data (dicts, lists, scalars) and a map from field paths to positions.

    Raises:
        ScenarioError: If the file cannot be read or is not safe, plain YAML.
    """
    return read_yaml_bytes(read_capped(path, display), display)


def read_capped(path: FilePath, display: str) -> bytes:
    """A file's bytes, refused if it is too large, a folder, or not a regular file.

    Every read of a user's YAML goes through here: nothing more than :data:`MAX_BYTES`
    (and one byte to tell) is read, even if the file grows meanwhile.

    Raises:
        ScenarioError: If the file cannot be read, is larger than the cap, or is not a file.
    """
    try:
        if path.is_dir():
            raise ScenarioError.single(_what_folder(path), file=display)
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            # A device (/dev/zero) never ends and a pipe may never be written: never read.
            raise ScenarioError.single(
                "is not a regular file (a device, a pipe or a socket); save the scenario "
                "to a file and give that",
                file=display,
            )
        if info.st_size > MAX_BYTES:
            raise ScenarioError.single(
                f"the file is {info.st_size:,} bytes; scenario files are limited to {MAX_BYTES:,}",
                file=display,
            )
        with open(path, "rb") as stream:  # at most the cap, even if the file grows
            return stream.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ScenarioError.single("no such file", file=display) from None
    except OSError as exc:
        raise ScenarioError.single(f"cannot read the file: {exc.strerror}", file=display) from None


_OPENED_BY = {
    "sweep": "a sweep's results folder: open it with SweepResult.load(folder) (or "
    "influence-sim analyze FOLDER); its sweep file is spec.yaml inside it",
    "calibration": "a calibration's folder: open it with Calibration.load(folder), or finish "
    "it with influence-sim calibrate --resume FOLDER",
    "comparison": "a comparison's folder: each run in it opens with RunResult.load(folder)",
    "run": "a run's results folder: open it with RunResult.load(folder); its scenario is "
    "scenario.yaml inside it",
}


def _what_folder(path: FilePath) -> str:
    """Why a folder is not a file here, and which call opens it, if it is a results folder."""
    kind = None
    try:
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        kind = manifest.get("kind", "run" if "replications" in manifest else None)
    except (OSError, ValueError, AttributeError):
        pass
    if kind in _OPENED_BY:
        return f"is {_OPENED_BY[kind]}"
    return "is a folder, not a scenario file"


def top_keys(path: FilePath) -> set[str]:
    """The keys of a YAML file's top-level mapping; none if it cannot be read as one.

    Only the nodes are composed (no value is built, so no value can fail here), from at
    most :data:`MAX_BYTES` of the file: a larger one has no keys, and reading it then
    refuses it by its size.
    """
    try:
        raw = read_capped(path, str(path))
        if len(raw) > MAX_BYTES or b"\x00" in raw:
            return set()
        loader = _Loader(raw.decode("utf-8-sig"))
    except (ScenarioError, UnicodeDecodeError, yaml.YAMLError):
        return set()
    try:
        node = loader.get_single_node()
    except (yaml.YAMLError, RecursionError):
        return set()
    finally:
        loader.dispose()
    if not isinstance(node, yaml.MappingNode):
        return set()
    return {key.value for key, _ in node.value if isinstance(key, yaml.ScalarNode)}


def read_yaml_bytes(raw: bytes, display: str) -> tuple[Any, Marks]:
    """Read YAML from bytes; see :func:`read_yaml_file`."""
    if len(raw) > MAX_BYTES:
        raise ScenarioError.single(f"more than {MAX_BYTES:,} bytes of YAML", file=display)
    if b"\x00" in raw:
        raise ScenarioError.single(
            "this is a binary file, not YAML text", file=display, hint="give a .yaml file"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError.single(
            f"the file is not UTF-8 text (byte {exc.start + 1} cannot be decoded)",
            file=display,
            hint="save it as UTF-8",
        ) from None
    return read_yaml_text(text, display)


def read_yaml_text(text: str, display: str) -> tuple[Any, Marks]:
    """Read YAML from text; see :func:`read_yaml_file`."""
    try:
        loader = _Loader(text)
    except yaml.YAMLError as exc:
        raise ScenarioError.single(f"not YAML text: {exc}", file=display) from None
    try:
        node = loader.get_single_node()
        if node is None:
            raise ScenarioError.single(
                "the file is empty; expected a mapping with at least 'name', 'title', "
                "'calendar', 'seed', 'states' and 'powers' (or 'extends')",
                file=display,
            )
        marks: Marks = {}
        _walk(node, (), marks, display, set(), [0])
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = (exc.problem or exc.context or "malformed YAML").strip()
        if "expected a single document" in str(exc):
            problem = "the file holds more than one YAML document; a scenario is one document"
        raise ScenarioError.single(
            f"malformed YAML: {problem}",
            file=display,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None
    except yaml.YAMLError as exc:
        raise ScenarioError.single(f"malformed YAML: {exc}", file=display) from None
    except (ValueError, TypeError, OverflowError) as exc:
        raise ScenarioError.single(f"cannot read a value: {exc}", file=display) from None
    except RecursionError:
        raise ScenarioError.single(
            f"the document is nested too deeply (more than {MAX_DEPTH} levels)", file=display
        ) from None
    finally:
        loader.dispose()
    return data, marks


def _origin(node: yaml.Node, display: str) -> Origin:
    mark = node.start_mark
    return Origin(display, mark.line + 1, mark.column + 1)


def _fail(node: yaml.Node, display: str, message: str, hint: str | None = None) -> ScenarioError:
    where = _origin(node, display)
    return ScenarioError.single(
        message, file=display, line=where.line, column=where.column, hint=hint
    )


def _walk(
    node: yaml.Node,
    path: Path,
    marks: Marks,
    display: str,
    active: set[int],
    count: list[int],
) -> None:
    """Check every node and record positions; aliases are followed and counted at each use."""
    count[0] += 1
    if count[0] > MAX_NODES:
        raise _fail(
            node,
            display,
            f"the document expands to more than {MAX_NODES:,} values through aliases",
            "remove the repeated aliases (an alias bomb?)",
        )
    if len(path) > MAX_DEPTH:
        raise _fail(node, display, f"the document is nested more than {MAX_DEPTH} levels deep")
    if node.tag not in _PLAIN_TAGS:
        raise _fail(
            node,
            display,
            f"the YAML tag '{node.tag}' is not allowed; scenario files hold plain data only "
            "(mappings, lists, text, numbers, booleans, dates)",
        )
    marks.setdefault(path, _origin(node, display))
    if not isinstance(node, yaml.MappingNode | yaml.SequenceNode):
        return
    if id(node) in active:
        raise _fail(node, display, "an alias refers to the mapping or list that contains it")
    active.add(id(node))
    if isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            _walk(child, (*path, index), marks, display, active, count)
    else:
        seen: dict[Any, yaml.Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                _walk(value_node, path, marks, display, active, count)
                continue
            _walk(key_node, (*path, "<key>"), {}, display, active, count)
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else id(key_node)
            if key in seen:
                first = seen[key].start_mark.line + 1
                raise _fail(
                    key_node, display, f"duplicate key '{key}' (first given on line {first})"
                )
            seen[key] = key_node
            _walk(value_node, (*path, key), marks, display, active, count)
    active.discard(id(node))
