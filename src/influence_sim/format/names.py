"""Names and fields in a parameter path: which name or field is wrong, and what was meant.

A path reaches a state, power or alliance by its name (``powers.russia.credibility``),
and names one in some of their mappings (``states.kazakhstan.opinion.china``). An
override whose path misspells a name makes a new entry holding one field, and
validation then reports every other field of it as missing, at the line of the section
in a file the user may never have opened. This module finds the name that names
nothing, so the message can say so: ``unknown power 'rusia' in --set ...; did you mean
'russia'?``. A state, power or alliance may still be added by overrides, given whole
(``powers.turkey={title: ..., ...}``) or field by field: a name is reported only when
the scenario it makes is not valid.

Regions are not among these names: they are listed (``population.states.<state>.regions``)
and named by a price shock's ``region``, a value, never a key of a path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from influence_sim.errors import Problem, ScenarioError, one_of, suggest
from influence_sim.format.paths import Path, covers, format_path, parse_path
from influence_sim.format.settable import POWER_BY_STATE

SECTIONS = {"state": "states", "power": "powers", "alliance": "alliances"}
"""Each kind of entry, and the section that defines entries of that kind by name."""
ENTRIES = {section: kind for kind, section in SECTIONS.items()}
"""The sections whose keys are the names of entries: ``powers.<power>``."""
ARTICLE = {"state": "a state", "power": "a power", "alliance": "an alliance"}

REFERENCES: tuple[tuple[Path, str, tuple[str, ...]], ...] = (
    (("population", "states"), "state", ()),
    (("population", "states", "*", "ties"), "power", ()),
    (("states", "*", "opinion"), "power", ()),
    (("states", "*", "elite_affinity"), "power", ()),
    (("states", "*", "reliance", "security"), "power", ("self",)),
    (("states", "*", "reliance", "economy"), "power", ("self",)),
    *((("powers", "*", field), "state", ()) for field in POWER_BY_STATE),
)
"""Mappings whose keys name entries defined elsewhere: (where, the kind, other keys)."""


@dataclass(frozen=True)
class Unknown:
    """A name in a path that names no entry of its kind."""

    at: Path
    """The path up to and including the name: ``("powers", "rusia")``."""
    kind: str
    """``state``, ``power`` or ``alliance``."""
    known: tuple[str, ...]
    """The names it could have been."""
    entry: bool
    """Whether the name is an entry's own (``powers.<name>``), which overrides may add."""

    @property
    def name(self) -> str:
        """The name as written."""
        return str(self.at[-1])

    @property
    def hint(self) -> str:
        """The name meant, if one is close; else the names there are."""
        close = suggest(self.name, self.known)
        if close is not None:
            return close
        added = f", or a new {self.kind} given with every field it needs" if self.entry else ""
        return f"expected {one_of(self.known)}{added}"

    def problem(self, where: str) -> Problem:
        """The problem, naming where the path came from (``--set powers.rusia.x=1``)."""
        return Problem(f"unknown {self.kind} '{self.name}' in {where}", hint=self.hint)


def unknown_name(data: Any, path: Path) -> Unknown | None:
    """The first name in ``path`` that names no entry in the scenario's ``data``, if any.

    An entry's own name counts only when the path goes below it: ``powers.turkey={...}``
    adds a power, ``powers.turkey.title=Turkey`` sets a field of one.
    """
    if not isinstance(data, dict) or not path:
        return None
    head = path[0]
    if isinstance(head, str) and head in ENTRIES and len(path) > 2:
        found = _lookup(data, path[:2], ENTRIES[head], (), entry=True)
        if found is not None:
            return found
    for where, kind, others in REFERENCES:
        if len(path) > len(where) and covers(where, path):
            found = _lookup(data, path[: len(where) + 1], kind, others, entry=False)
            if found is not None:
                return found
    return None


def _lookup(
    data: dict[str, Any], at: Path, kind: str, others: tuple[str, ...], *, entry: bool
) -> Unknown | None:
    section = data.get(SECTIONS[kind])
    if not isinstance(section, dict):
        return None  # a broken section: validation says what is wrong with it
    known = (*(str(k) for k in section), *others)
    return None if at[-1] in known else Unknown(at, kind, known, entry)


def unknown_field(data: Any, path: Path) -> tuple[str, str] | None:
    """The first field in ``path`` that its model does not have: the message and a hint."""
    from influence_sim.format.scenario import Scenario
    from influence_sim.format.validation import fields_at

    for depth, field in enumerate(path):
        allowed = fields_at(Scenario, path[:depth], data)
        if allowed is not None and field not in allowed:
            owner = path[:depth]
            if len(owner) == 2 and owner[0] in ENTRIES:
                of = ARTICLE[ENTRIES[str(owner[0])]]
            else:
                of = f"'{format_path(owner)}'" if owner else "the scenario"
            hint = suggest(str(field), allowed) or f"expected {one_of(allowed)}"
            return f"unknown field '{field}' of {of}", hint
    return None


def path_problem(data: Any, path: Path) -> tuple[str, str] | None:
    """What is wrong with a parameter path on a scenario's data (a sweep's): message, hint.

    Only the path is judged (an unknown name or field), never a value given for it. A
    sweep's path sets one field, which alone never makes a valid entry: an entry's name
    it does not know is a misspelling.
    """
    found = unknown_name(data, path)
    if found is not None:
        return f"unknown {found.kind} '{found.name}' in the parameter path", found.hint
    field = unknown_field(data, path) or _past_the_end(data, path)
    if field is not None:
        return f"the parameter path is wrong: {field[0]}", field[1]
    return None


def written_path_problem(data: Any, text: str) -> tuple[str, str | None] | None:
    """:func:`path_problem` of a path as written (``powers.russia.x``), malformed ones too."""
    try:
        return path_problem(data, parse_path(text))
    except ValueError as exc:
        return str(exc), None


def _past_the_end(data: Any, path: Path) -> tuple[str, str] | None:
    """An index in ``path`` beyond its list's end (``shocks[9]`` of three shocks)."""
    node = data
    for depth, part in enumerate(path):
        if isinstance(node, list):
            if not isinstance(part, int) or not 0 <= part < len(node):
                last = f"'{format_path(path[:depth])}[{len(node) - 1}]'" if node else "none"
                here = format_path(path[: depth + 1])
                return f"'{here}' is not an entry of a list of {len(node)}", f"the last is {last}"
            node = node[part]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None
    return None


def named(error: ScenarioError, unknown: Sequence[tuple[Unknown, str]]) -> ScenarioError:
    """``error``, its problems inside entries that unknown names made given as those names.

    Args:
        error: Validation's problems with the scenario the overrides made.
        unknown: Each unknown name an override's path held, and where it was written.
    """
    problems = list(error.problems)
    names: list[Problem] = []
    for found, where in unknown:
        inside = [p for p in problems if _within(p.path, found.at)]
        if inside:
            problems = [p for p in problems if p not in inside]
            names.append(found.problem(where))
    return ScenarioError([*names, *problems]) if names else error


def _within(path: str | None, at: Path) -> bool:
    """Whether a problem's field path is ``at`` or below it."""
    if path is None:
        return False
    head = format_path(at)
    return path == head or path.startswith((f"{head}.", f"{head}["))
