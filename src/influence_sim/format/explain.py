"""Every parameter of a scenario with its value and its source.

A scenario's ``sources`` map parameter paths (``states.kazakhstan.gdp``) or
patterns (``states.*.gdp``) to where a value comes from; the longest match
wins. Shocks carry their own ``source``. Behavioural parameters left at their
defaults take the default's documented source.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from influence_sim.errors import ScenarioError
from influence_sim.format.fields import field_source
from influence_sim.format.parameters import Dynamics
from influence_sim.format.paths import Path, covers, format_path, leaves, parse_path
from influence_sim.format.population import Population
from influence_sim.format.references import SOURCED_SECTIONS
from influence_sim.format.scenario import Scenario

ORDER = (
    "calendar",
    "states",
    "powers",
    "alliances",
    "shocks",
    "dynamics",
    "population",
    "observation",
)
"""The sections that hold parameters, in the order they are listed."""

DEFAULTED: dict[str, BaseModel] = {"dynamics": Dynamics(), "population": Population()}
"""Sections whose fields give the source of their own defaults, at their defaults."""

LABEL_KEYS = frozenset({"title", "iso_a3", "label", "source"})
"""Fields that name or describe things rather than set the model: they need no source."""


@dataclass(frozen=True)
class Parameter:
    """One parameter of a scenario.

    Attributes:
        path: Its dotted path, such as ``powers.russia.reach.tajikistan``.
        value: Its value, as written in YAML.
        source: Where the value comes from, or None if the scenario does not say.
    """

    path: str
    value: Any
    source: str | None


def parameters(scenario: Scenario) -> list[Parameter]:
    """Every parameter of the scenario, in document order, with its source."""
    patterns = [(parse_path(key), text) for key, text in scenario.sources.items()]
    data = scenario.model_dump(mode="json", include={*SOURCED_SECTIONS, "shocks"})
    out: list[Parameter] = []
    for section in ORDER:
        for path, value in _leaves(data.get(section), (section,)):
            if path[0] == "shocks":
                source = scenario.shocks[int(path[1])].source
            else:
                source = _lookup(patterns, path) or _default(scenario, path)
            out.append(Parameter(format_path(path), value, source))
    return out


def _leaves(section: Any, prefix: Path) -> Iterator[tuple[Path, Any]]:
    for path, value in leaves(section, prefix):
        if path[-1] not in LABEL_KEYS and value is not None:
            yield path, value


def _lookup(patterns: list[tuple[Path, str | None]], path: Path) -> str | None:
    best: tuple[int, int, str | None] | None = None
    for pattern, text in patterns:
        if covers(pattern, path):
            rank = (len(pattern), -pattern.count("*"), text)
            if best is None or rank[:2] > best[:2]:
                best = rank
    return best[2] if best else None


def _default(scenario: Scenario, path: Path) -> str | None:
    """The source a section's model gives a default, if the scenario keeps that default."""
    defaults = DEFAULTED.get(str(path[0]))
    name = str(path[-1])
    if defaults is None or len(path) != 2 or name not in type(defaults).model_fields:
        return None
    if getattr(getattr(scenario, str(path[0])), name) != getattr(defaults, name):
        return None
    return field_source(type(defaults), name)


def format_table(params: list[Parameter], width: int = 100) -> str:
    """A plain-text table: parameter, value, source (wrapped)."""
    import textwrap

    name_w = min(max((len(p.path) for p in params), default=9), 48)
    value_w = min(max((len(str(p.value)) for p in params), default=5), 14)
    source_w = max(30, width - name_w - value_w - 4)
    lines = [f"{'parameter':<{name_w}}  {'value':<{value_w}}  source"]
    lines.append("-" * min(width, name_w + value_w + 4 + source_w))
    for p in params:
        wrapped = textwrap.wrap(p.source or "(no source given)", source_w) or [""]
        lines.append(f"{p.path:<{name_w}}  {p.value!s:<{value_w}}  {wrapped[0]}")
        lines.extend(f"{'':<{name_w}}  {'':<{value_w}}  {more}" for more in wrapped[1:])
    return "\n".join(lines)


def format_markdown(params: list[Parameter]) -> str:
    """A Markdown table: parameter, value, source."""
    lines = ["| parameter | value | source |", "|---|---|---|"]
    for p in params:
        source = (p.source or "**no source given**").replace("|", "\\|").replace("\n", " ")
        lines.append(f"| `{p.path}` | {p.value!s} | {source} |")
    return "\n".join(lines)


def changed(scenario: Scenario, base: Scenario, *, sources: bool = True) -> list[Parameter]:
    """The parameters whose value (or source) differ from ``base``'s, and added shocks.

    In document order; ``sources=False`` compares values only.
    """

    def seen(p: Parameter) -> tuple[str, str, str | None]:
        return (p.path, str(p.value), p.source if sources else None)

    before = set(map(seen, parameters(base)))
    return [p for p in parameters(scenario) if seen(p) not in before]


def overrides_of(scenario: Scenario) -> list[Parameter]:
    """What a run's overrides changed from the scenario as written (values only).

    None for a scenario not made by overrides.
    """
    return changed(scenario, scenario.reference, sources=False) if scenario.is_departure else []


def alliance_short(key: str, title: str) -> str:
    """An alliance's short name: its id in capitals if an acronym (``CSTO``).

    Else its title, without what follows a bracket.
    """
    return key.upper() if key.isalpha() and len(key) <= 6 else title.split(" (")[0]


SECTIONS = ("powers", "states", "alliances", "dynamics", "population", "observation")
"""Sections a short name of an override leaves out (``russia.security_capacity``)."""


def overrides_text(scenario: Scenario) -> str:
    """The overrides as a reader sees them: ``powers.russia.security_capacity = 0.15; ...``."""
    return "; ".join(f"{p.path} = {p.value}" for p in overrides_of(scenario))


def overrides_slug(scenario: Scenario, width: int = 48) -> str:
    """The overrides in a few characters a folder name can hold: ``russia.security_capacity=0.15``.

    Each path without its section (``powers.``, ``dynamics.``, ...), joined by ``+``; those
    that do not fit in ``width`` are counted (``+2more``).
    """
    parts = []
    for p in overrides_of(scenario):
        head, _, rest = p.path.partition(".")
        text = f"{rest if head in SECTIONS else p.path}={p.value}"
        parts.append("".join(c if c.isalnum() or c in "._=-" else "-" for c in text))
    kept: list[str] = []
    for i, part in enumerate(parts):
        left = len(parts) - i - 1  # after this one
        if len("+".join([*kept, part]) + (f"+{left}more" if left else "")) > width:
            return "+".join([*kept, f"{len(parts) - i}more"]) if kept else f"{len(parts)}overrides"
        kept.append(part)
    return "+".join(kept)


def path_words(scenario: Scenario, path: str) -> str:
    """A dotted parameter path in words, for titles and axis labels.

    ``powers.russia.security_capacity`` is "Russia's security capacity",
    ``states.kazakhstan.opinion.china`` "Kazakhstan's opinion (China)",
    ``dynamics.offer_weight`` "offer weight", ``shocks[0].intensity`` "the shock "label":
    intensity"; a path the scenario does not have is returned as given.
    """
    try:
        parts = parse_path(path)
    except ScenarioError:
        return path
    names: dict[str, str] = {
        key: str(item.title)
        for section in (scenario.states, scenario.powers, scenario.alliances)
        for key, item in section.items()
    }

    def title(key: object) -> str:
        return names.get(str(key), str(key))

    words = [str(p).replace("_", " ") for p in parts]
    head = str(parts[0])
    if head == "dynamics" and len(parts) == 2:
        return words[1]
    if head in ("states", "powers", "alliances") and len(parts) >= 3:
        tail = f" ({title(parts[3])})" if len(parts) > 3 else ""
        return f"{title(parts[1])}'s {words[2]}{tail}"
    if head == "shocks" and len(parts) >= 3 and isinstance(parts[1], int):
        shocks = scenario.shocks
        if parts[1] < len(shocks):
            label = getattr(shocks[parts[1]], "label", None) or shocks[parts[1]].type
            return f'the shock "{label}": {" ".join(words[2:])}'
    return path
