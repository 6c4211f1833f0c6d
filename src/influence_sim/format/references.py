"""Checks that need the whole scenario: names that refer to other entries, sums, dates.

Field-level checks (types, ranges) are pydantic's; this module checks what only
the whole scenario can tell: that a shock names a state that exists, that a date
falls in the calendar, that reliance shares sum to at most 1. Each problem is
reported at its own field path, so the loader can point at its line.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, get_args

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from influence_sim.errors import one_of, suggest
from influence_sim.format.fields import SecurityTool
from influence_sim.format.parameters import Dynamics
from influence_sim.format.paths import Path, format_path, get_path, leaves, parse_path
from influence_sim.format.settable import MESSAGE, settable
from influence_sim.format.shocks import (
    CapacityChangeShock,
    ExternalThreatShock,
    HostEconomyShock,
    InterventionShock,
    InvestmentShock,
    LoanShock,
    MigrationPolicyShock,
    OpinionShock,
    PriceShock,
    SanctionsShock,
    SecurityRequestShock,
    SetShock,
    TradeDisruptionShock,
    UprisingShock,
    WithdrawalShock,
)

RETIRED_ORIGINS = ("internal", "armed_group")
"""Labels an uprising's origin took until issue 29; they decided a request's answer alone."""
RETIRED_ORIGIN_HINT = (
    "an uprising's or price shock's origin no longer takes 'internal' or 'armed_group' "
    "(one label decided the answer to a request): give what the trouble threatens "
    "(threatens: regime or population) and the independent observers' probability that "
    "armed groups from abroad took part (abroad: 0 to 1), and keep origin for a state or "
    "power behind the trouble (docs/decisions.md)"
)

_ECONOMIC = (
    InvestmentShock
    | TradeDisruptionShock
    | SanctionsShock
    | HostEconomyShock
    | LoanShock
    | MigrationPolicyShock
)

if TYPE_CHECKING:
    from influence_sim.format.calendar import Timeline
    from influence_sim.format.scenario import Scenario

SUM_TOLERANCE = 1e-6
SETTABLE_SECTIONS = ("states", "powers", "alliances", "dynamics")
SOURCED_SECTIONS = (
    "calendar",
    "states",
    "powers",
    "alliances",
    "dynamics",
    "observation",
    "population",
)


class _Errors:
    def __init__(self) -> None:
        self.items: list[InitErrorDetails] = []

    def add(self, loc: Path, message: str, value: Any = None, hint: str | None = None) -> None:
        error = PydanticCustomError("reference", "{message}", {"message": message, "hint": hint})
        self.items.append(InitErrorDetails(type=error, loc=loc, input=value))

    def name(self, loc: Path, value: str, kind: str, choices: Iterable[str]) -> bool:
        """Report ``value`` if it is not among ``choices``; True if it is fine."""
        choices = list(choices)
        if value in choices:
            return True
        hint = suggest(value, choices)
        self.add(loc, f"unknown {kind} '{value}'; expected {one_of(choices)}", value, hint)
        return False

    def keys(self, loc: Path, mapping: dict[str, Any], kind: str, choices: Iterable[str]) -> None:
        choices = list(choices)
        for key in mapping:
            self.name((*loc, key), key, kind, choices)


def check_references(scenario: Scenario, *, sources: bool = True) -> list[InitErrorDetails]:
    """Every cross-reference problem in a scenario, each at its field path.

    ``sources=False`` leaves out whether every ``sources`` key names a parameter (see
    ``loading.validate_data``).
    """
    err = _Errors()
    states, powers, alliances = scenario.states, scenario.powers, scenario.alliances
    _check_ids(err, scenario)
    for sid, state in states.items():
        loc: Path = ("states", sid)
        err.keys((*loc, "opinion"), state.opinion, "power", powers)
        err.keys((*loc, "elite_affinity"), state.elite_affinity, "power", powers)
        for domain in ("security", "economy"):
            shares: dict[str, float] = getattr(state.reliance, domain)
            dloc = (*loc, "reliance", domain)
            err.keys(dloc, shares, "power (or 'self')", [*powers, "self"])
            _check_shares(err, dloc, shares, exact="self" in shares)
    for pid, power in powers.items():
        for field in ("reach", "posture", "investment", "trade", "remittances", "routes", "debt"):
            err.keys(("powers", pid, field), getattr(power, field), "state", states)
    _check_power_sums(err, scenario)
    for aid, alliance in alliances.items():
        err.name(("alliances", aid, "lead"), alliance.lead, "power", powers)
        seen: set[str] = set()
        for i, member in enumerate(alliance.members):
            if err.name(("alliances", aid, "members", i), member, "state", states):
                if member in seen:
                    err.add(("alliances", aid, "members", i), f"state '{member}' is listed twice")
                seen.add(member)
    _check_population(err, scenario)
    _check_shocks(err, scenario)
    if sources:
        _check_sources(err, scenario)
    return err.items


def _check_power_sums(err: _Errors, scenario: Scenario) -> None:
    """Trade, remittance and route shares of each state sum to at most 1 over the powers."""
    for field in ("trade", "remittances", "routes"):
        for sid in scenario.states:
            total = sum(getattr(p, field).get(sid, 0.0) for p in scenario.powers.values())
            if total > 1 + SUM_TOLERANCE:
                err.add(
                    ("powers",),
                    f"the {field} shares of state '{sid}' sum to {total:.3f} over all powers; "
                    "they are shares of one whole and must sum to at most 1",
                )


def _check_population(err: _Errors, scenario: Scenario) -> None:
    population = scenario.population
    err.keys(("population", "states"), population.states, "state", scenario.states)
    owners: dict[str, str] = {}
    for sid, spec in population.states.items():
        loc: Path = ("population", "states", sid)
        err.keys((*loc, "ties"), spec.ties, "power", scenario.powers)
        for i, region in enumerate(spec.regions):
            if region in owners and owners[region] != sid:
                err.add(
                    (*loc, "regions", i),
                    f"region '{region}' is also a region of '{owners[region]}'; regions need "
                    "distinct names",
                    region,
                )
            owners[region] = sid
    if not population.citizens:
        return
    cells = population.side**2
    police = [population.police] + [s.police for s in population.states.values() if s.police]
    crowded = population.density + max(police) + population.troop_police
    if crowded > 1:
        err.add(
            ("population", "density"),
            f"citizens ({population.density:g}), police ({max(police):g}) and foreign troops "
            f"({population.troop_police:g}) per cell come to {crowded:g}; at most one agent "
            "fits in a cell",
            population.density,
        )
    if population.vision >= population.side // 2:
        err.add(
            ("population", "vision"),
            f"vision {population.vision} must be below half the lattice's side "
            f"({population.side}), or citizens would see round the torus",
            population.vision,
        )
    if int(population.density * cells) < 1:
        err.add(("population", "density"), "no citizen fits on the lattice", population.density)


def _check_ids(err: _Errors, scenario: Scenario) -> None:
    owners: dict[str, str] = {}
    for section in ("states", "powers", "alliances"):
        for key in getattr(scenario, section):
            if key == "self":
                err.add((section, key), "'self' is reserved for a state's own reliance", key)
            elif key in owners:
                err.add(
                    (section, key),
                    f"id '{key}' is used in both {owners[key]} and {section}; states, powers "
                    "and alliances need distinct ids",
                    key,
                )
            owners.setdefault(key, section)


def _check_shares(err: _Errors, loc: Path, shares: dict[str, float], *, exact: bool) -> None:
    total = sum(shares.values())
    if exact and abs(total - 1) > SUM_TOLERANCE:
        err.add(loc, f"shares including 'self' must sum to 1, found {total:.6g}", shares)
    elif total > 1 + SUM_TOLERANCE:
        err.add(loc, f"shares must sum to at most 1 ('self' takes the rest), found {total:.6g}")


def _check_trouble_origin(err: _Errors, loc: Path, origin: str, actors: list[str]) -> None:
    """An uprising's or price shock's origin: a state or power, never a retired label."""
    if origin in RETIRED_ORIGINS:
        err.add(loc, RETIRED_ORIGIN_HINT, origin)
    else:
        err.name(loc, origin, "state or power", actors)


def _check_shocks(err: _Errors, scenario: Scenario) -> None:
    states, powers, alliances = scenario.states, scenario.powers, scenario.alliances
    timeline = scenario.timeline
    actors = [*powers, *alliances]
    for i, shock in enumerate(scenario.shocks):
        loc: Path = ("shocks", i)
        _check_when(err, timeline, loc, shock.at)
        if isinstance(shock, UprisingShock | ExternalThreatShock | OpinionShock | PriceShock):
            err.name((*loc, "state"), shock.state, "state", states)
        if isinstance(shock, PriceShock):
            _check_region(err, scenario, loc, shock)
        if isinstance(shock, UprisingShock | PriceShock) and shock.origin is not None:
            _check_trouble_origin(err, (*loc, "origin"), shock.origin, [*states, *powers])
        if isinstance(shock, ExternalThreatShock) and shock.origin != "armed_group":
            if shock.origin == shock.state:
                err.add((*loc, "origin"), "a state cannot threaten itself", shock.origin)
            else:
                err.name(
                    (*loc, "origin"),
                    shock.origin,
                    "origin of a threat from outside ('armed_group'), state or power",
                    ["armed_group", *states, *powers],
                )
        if isinstance(shock, SecurityRequestShock):
            err.name((*loc, "state"), shock.state, "state", states)
            err.name((*loc, "to"), shock.to, "alliance or power", actors)
        if isinstance(shock, InterventionShock | WithdrawalShock):
            err.name((*loc, "by"), shock.by, "power or alliance", actors)
            err.name((*loc, "state"), shock.state, "state", states)
        if isinstance(shock, OpinionShock | CapacityChangeShock | _ECONOMIC):
            err.name((*loc, "power"), shock.power, "power", powers)
        target = getattr(shock, "state", None) if isinstance(shock, _ECONOMIC) else None
        if target is not None:
            err.name((*loc, "state"), target, "state", states)
        if isinstance(shock, SetShock):
            _check_set(err, scenario, (*loc, "path"), shock)


def _check_when(err: _Errors, timeline: Timeline, loc: Path, at: Any) -> None:
    step = timeline.step_of(at)
    if not 0 <= step < timeline.n_steps:
        first, last = timeline.start, timeline.date_of(timeline.n_steps)
        err.add(
            (*loc, "at"),
            f"{timeline.describe(at)} is outside the calendar, which runs from "
            f"{first.isoformat()} to the day before {last.isoformat()} "
            f"(steps 0 to {timeline.n_steps - 1})",
            at,
        )


def _check_region(err: _Errors, scenario: Scenario, loc: Path, shock: PriceShock) -> None:
    if shock.region is not None and shock.state in scenario.states:
        err.name(
            (*loc, "region"),
            shock.region,
            f"region of '{shock.state}' (population.states.{shock.state}.regions)",
            scenario.population.regions_of(shock.state),
        )


def _check_set(err: _Errors, scenario: Scenario, loc: Path, shock: SetShock) -> None:
    try:
        path = parse_path(shock.path)
    except ValueError as exc:
        err.add(loc, str(exc), shock.path)
        return
    if not path or path[0] not in SETTABLE_SECTIONS:
        err.add(
            loc,
            f"a 'set' shock changes a parameter under {', '.join(SETTABLE_SECTIONS)}; "
            f"found '{shock.path}'",
            shock.path,
        )
        return
    data = scenario.model_dump(mode="python", exclude={"shocks", "sources", "extends"})
    try:
        parent = get_path(data, path[:-1])
    except KeyError as missing:
        err.add(loc, f"'{shock.path}' does not exist: no '{missing.args[0]}' there", shock.path)
        return
    current = parent.get(path[-1]) if isinstance(parent, dict) else None
    is_number = isinstance(current, int | float) and not isinstance(current, bool)
    if not isinstance(parent, dict) or not (is_number or path[-1] not in parent):
        err.add(loc, f"'{shock.path}' is not a numeric parameter", shock.path)
        return
    parent[path[-1]] = shock.value
    if not settable(
        path,
        states=scenario.states,
        powers=scenario.powers,
        alliances=scenario.alliances,
        tools=get_args(SecurityTool),
        dynamics=Dynamics.model_fields,
    ):
        err.add(loc, MESSAGE.format(path=shock.path), shock.path)
        return

    try:
        type(scenario).model_validate(data)  # the scenario as the shock would leave it
    except ValidationError as exc:
        first = exc.errors()[0]
        where = format_path(tuple(first["loc"]))
        err.add(
            (*loc[:-1], "value"),
            f"setting '{shock.path}' to {shock.value!r} is not valid: {where}: "
            + str(first["msg"]).replace("Input should be", "expected"),
            shock.value,
        )


def _check_sources(err: _Errors, scenario: Scenario) -> None:
    data = scenario.model_dump(mode="python", include=set(SOURCED_SECTIONS))
    for key in scenario.sources:
        try:
            path = parse_path(key)
        except ValueError as exc:
            err.add(("sources", key), str(exc), key)
            continue
        if path and path[0] == "shocks":
            err.add(("sources", key), "a shock's source goes in its own 'source' field", key)
        elif not _has_parameter(data, path):
            known = {p[:n] for p, _ in leaves(data) for n in range(1, len(p) + 1)}
            names = [format_path(p) for p in known if len(p) == len(path)]
            err.add(
                ("sources", key),
                f"no parameter '{key}' to give a source for",
                key,
                suggest(key, names),
            )


def _has_parameter(node: Any, path: Path) -> bool:
    """Whether ``path`` (``*`` for any one key) leads to a parameter or a group holding one."""
    if not path:
        below = node.values() if isinstance(node, dict) else node
        return not isinstance(node, dict | list) or any(_has_parameter(c, ()) for c in below)
    head, rest = path[0], path[1:]
    if isinstance(node, dict):
        children = list(node.values()) if head == "*" else [node[head]] if head in node else []
    elif isinstance(node, list):
        if head == "*":
            children = node
        else:
            children = [node[head]] if isinstance(head, int) and 0 <= head < len(node) else []
    else:
        return False
    return any(_has_parameter(child, rest) for child in children)
