"""Dotted parameter paths: ``powers.russia.security_capacity``, ``shocks[1].intensity``.

A path is a tuple of keys (strings) and list indices (ints). It is written with
dots between keys and brackets around indices; ``shocks.1.intensity`` is read
the same as ``shocks[1].intensity``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

Path = tuple[str | int, ...]

_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@functools.lru_cache(maxsize=4096)  # a sweep checks the same paths at every point
def parse_path(text: str) -> Path:
    """Split ``a.b[2].c`` into ``("a", "b", 2, "c")``.

    Raises:
        ValueError: If the text is empty or malformed.
    """
    if not text or not text.strip():
        raise ValueError("the parameter path is empty")
    parts: list[str | int] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        if text[pos] == "." and parts:
            pos += 1
        match = _TOKEN.match(text, pos)
        if not match:
            raise ValueError(f"cannot read the parameter path {text!r} at character {pos + 1}")
        key, index = match.groups()
        if index is not None:
            parts.append(int(index))
        elif key.isdigit():
            parts.append(int(key))
        else:
            parts.append(key)
        pos = match.end()
    return tuple(parts)


def format_path(path: Path) -> str:
    """Write ``("shocks", 1, "state")`` as ``shocks[1].state``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


def get_path(data: Any, path: Path) -> Any:
    """The value at ``path`` in nested dicts and lists.

    Raises:
        KeyError: If a part of the path is missing.
    """
    node = data
    for part in path:
        if not has(node, part):
            raise KeyError(part)
        node = node[part]
    return node


def has(node: Any, part: str | int) -> bool:
    """Whether ``node[part]`` exists: a key of a dict, or an index of a list."""
    if isinstance(node, dict):
        return part in node
    return isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)


def leaves(data: Any, prefix: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every scalar in nested dicts and lists, with its path, in document order."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from leaves(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from leaves(value, (*prefix, index))
    else:
        yield prefix, data


def covers(pattern: Path, path: Path) -> bool:
    """Whether ``pattern`` is ``path`` or an ancestor of it; ``*`` stands for any one key."""
    if len(pattern) > len(path):
        return False
    return all(p == "*" or p == q for p, q in zip(pattern, path, strict=False))
