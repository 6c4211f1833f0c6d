"""The one bridge from names to indices: a Scenario becomes arrays and a schedule.

:func:`compile_scenario` returns a :class:`Compiled` holding the kernel's
:class:`~influence_sim.engine.kernel.Params` (batch axis of 1), the first
:class:`~influence_sim.engine.kernel.State` of one replication, the
:class:`~influence_sim.engine.schedule.Schedule`, and the names that index every axis.
Rates given per week (or per year) are scaled to the calendar's step here.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from influence_sim.engine.citizenry import PopParams, Setup, empty_citizens
from influence_sim.engine.economy import tie_level, volume_of
from influence_sim.engine.kernel import (
    RESPONDS_ALWAYS,
    RESPONDS_AUTO,
    RESPONDS_NEVER,
    Dyn,
    Params,
    State,
    salience_of,
    set_propensity,
)
from influence_sim.engine.lattice import Lattice
from influence_sim.engine.schedule import EconomyShocks, Schedule, StepShocks
from influence_sim.engine.setters import SCALING, TOOLS, scale, setters
from influence_sim.engine.state import MEMBER, OUT
from influence_sim.errors import InfluenceSimWarning, ScenarioError
from influence_sim.format.calendar import Timeline
from influence_sim.format.parameters import Dynamics
from influence_sim.format.scenario import SELF, Scenario, same_data
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

DOMAINS = ("security", "economy")


@dataclass
class Compiled:
    """A scenario ready for the kernel."""

    scenario: Scenario
    timeline: Timeline
    params: Params
    initial: State
    schedule: Schedule
    states: list[str]
    powers: list[str]
    alliances: list[str]

    @property
    def options(self) -> list[str]:
        """The reliance options: the powers, then ``self``."""
        return [*self.powers, SELF]


def _dyn(dynamics: Dynamics, step_days: int) -> Dyn:
    values = {
        name: np.array([scale(name, float(getattr(dynamics, name)), step_days)]) for name in SCALING
    }
    return Dyn(**values, step_weeks=np.array([step_days / 7.0]))


def _warn_of_inert_shocks(scenario: Scenario) -> None:
    """Warn of shocks that change nothing in this scenario (once per scenario and process)."""
    inert = [
        i for i, s in enumerate(scenario.shocks) if isinstance(s, PriceShock)
    ] if not scenario.population.citizens else []  # fmt: skip
    if inert:
        warnings.warn(
            f"scenario '{scenario.name}': shocks[{', '.join(map(str, inert))}] (price_shock) "
            "act through citizens, and with population.unrest: scripted they change nothing; "
            "set population.unrest: citizens, or give the trouble as an uprising",
            InfluenceSimWarning,
            stacklevel=3,
        )


def compile_scenario(
    scenario: Scenario, reference: Scenario | Compiled | None = None, *, warn: bool = True
) -> Compiled:
    """Turn a validated scenario into the kernel's arrays and schedule.

    Args:
        scenario: The scenario to run.
        reference: The calibrated world its propensities come from (see ``docs/ODD.md``):
            the scenario file as written, when ``scenario`` is that file with overrides or
            sweep parameters applied, or that file already compiled. By default the
            scenario's own ``reference``: itself when read from a file, the scenario it
            departs from when made by overrides.
        warn: Warn of shocks that change nothing here (``InfluenceSimWarning``); a sweep's
            chunks compile without, the sweep having warned once when it started.

    Raises:
        ScenarioError: If a ``set`` shock names a parameter the model cannot change
            mid-run, or the reference has other states or powers.
    """
    if warn:
        _warn_of_inert_shocks(scenario)
    names = _Names.of(scenario)
    params = _params(scenario, names)
    initial = _initial(scenario, names, params)
    _calibrate(scenario, reference, names, initial, params)
    if isinstance(reference, Compiled) and _same_schedule(scenario, reference.scenario):
        schedule = reference.schedule  # a sweep point: the base's shocks, compiled once
    else:
        schedule = _schedule(scenario, scenario.timeline, names)
    return Compiled(
        scenario,
        scenario.timeline,
        params,
        initial,
        schedule,
        names.states,
        names.powers,
        names.alliances,
    )


def _same_schedule(a: Scenario, b: Scenario) -> bool:
    """Whether two scenarios compile to the same schedule: everything it is made of is equal.

    Shocks, calendar, states, powers and alliances in order, each alliance's lead, the
    citizens' regions (all it reads; read only, one serves many compiled scenarios).
    """
    if a.shocks != b.shocks or a.calendar != b.calendar:
        return False
    if list(a.states) != list(b.states) or list(a.powers) != list(b.powers):
        return False
    leads = [[(k, v.lead) for k, v in s.alliances.items()] for s in (a, b)]
    (names_a, owner_a), (names_b, owner_b) = regions(a), regions(b)
    return leads[0] == leads[1] and names_a == names_b and np.array_equal(owner_a, owner_b)


@dataclass(frozen=True)
class _Names:
    """The names on each axis, their indices, and builders of arrays indexed by them."""

    scenario: Scenario
    states: list[str]
    powers: list[str]
    alliances: list[str]

    @classmethod
    def of(cls, scenario: Scenario) -> _Names:
        return cls(scenario, list(scenario.states), list(scenario.powers), list(scenario.alliances))

    @property
    def si(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.states)}

    @property
    def pi(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.powers)}

    @property
    def ai(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.alliances)}

    def by_state(self, field: str) -> np.ndarray:
        """A state field, ``(1, S)``."""
        values = [getattr(self.scenario.states[s], field) for s in self.states]
        return np.array([values], dtype=np.float64)

    def by_power(self, field: str) -> np.ndarray:
        """A power field, ``(1, P)``."""
        values = [getattr(self.scenario.powers[p], field) for p in self.powers]
        return np.array([values], dtype=np.float64)

    def power_state(self, field: str) -> np.ndarray:
        """A power's mapping over states, ``(1, P, S)``."""
        si = self.si
        out = np.zeros((1, len(self.powers), len(self.states)))
        for p, power in enumerate(self.powers):
            for state, value in getattr(self.scenario.powers[power], field).items():
                out[0, p, si[state]] = value
        return out

    def state_power(self, field: str) -> np.ndarray:
        """A state's mapping over powers, ``(1, S, P)``."""
        pi = self.pi
        out = np.zeros((1, len(self.states), len(self.powers)))
        for s, state in enumerate(self.states):
            for power, value in getattr(self.scenario.states[state], field).items():
                out[0, s, pi[power]] = value
        return out


def regions(scenario: Scenario) -> tuple[list[str], np.ndarray]:
    """Every state's regions in order, and the state of each, ``(G,)``."""
    names, owner = [], []
    for s, state in enumerate(scenario.states):
        for region in scenario.population.regions_of(state):
            names.append(region)
            owner.append(s)
    return names, np.array(owner, dtype=np.int64)


def _population(scenario: Scenario, names: _Names) -> PopParams:
    """The citizens' structure and parameters, batch axis of 1."""
    spec = scenario.population
    timeline = scenario.timeline
    lattice = Lattice(spec.side, spec.vision)
    region_names, owner = regions(scenario)

    def per_state(field: str, default: float) -> np.ndarray:
        values = []
        for state in names.states:
            given = getattr(spec.states[state], field) if state in spec.states else None
            values.append(default if given is None else given)
        return np.array([values], dtype=np.float64)

    police = per_state("police", spec.police)
    ties = np.zeros((1, len(names.states), len(names.powers)))
    for state, own in spec.states.items():
        for power, share in own.ties.items():
            ties[0, names.si[state], names.pi[power]] = share
    weeks = timeline.step_days / 7.0
    setup = Setup(
        lattice=lattice,
        citizens=int(spec.density * lattice.cells),
        officers=int(np.rint(police.max() * lattice.cells))
        + int(np.ceil(spec.troop_police * lattice.cells)),
        ticks=timeline.step_days,
        region_state=owner,
        regions=tuple(region_names),
        k=spec.arrest_constant,
        threshold=spec.threshold,
        max_jail=max(1, round(spec.max_jail.days_from(timeline.start, 1))),
        rounding=spec.rounding,
        meetings=spec.meetings,
    )

    def one(value: float) -> np.ndarray:
        return np.array([float(value)])

    return PopParams(
        setup=setup,
        legitimacy=per_state("legitimacy", spec.legitimacy),
        police=police,
        cohesion=per_state("elite_cohesion", 1.0),
        ties=ties,
        price_hardship=one(spec.price_hardship),
        distress_hardship=one(spec.distress_hardship),
        uprising_hardship=one(spec.uprising_hardship),
        spread=one(spec.spread),
        backlash=one(spec.backlash),
        legitimacy_recovery=one(1.0 - (1.0 - spec.legitimacy_recovery) ** weeks),
        cohesion_weight=one(spec.cohesion_weight),
        troop_police=one(spec.troop_police),
        opinion_spread=one(spec.opinion_spread),
        confidence=one(spec.confidence),
        convergence=one(spec.convergence),
        tie_weight=one(spec.tie_weight),
    )


def _params(scenario: Scenario, names: _Names) -> Params:
    """The kernel's parameters, batch axis of 1."""
    timeline = scenario.timeline
    s_n, p_n = len(names.states), len(names.powers)
    specs = [scenario.states[s] for s in names.states]
    pspecs = [scenario.powers[p] for p in names.powers]
    weights = {
        "gdp": [s.gdp for s in specs],
        "population": [s.population for s in specs],
        "equal": [1.0] * s_n,
    }[scenario.observation.regional_weights]
    tools = np.zeros((1, p_n, len(TOOLS)))
    for p, power_spec in enumerate(pspecs):
        for tool, level in power_spec.security_tools.items():
            tools[0, p, TOOLS.index(tool)] = level
    responds = {"auto": RESPONDS_AUTO, "always": RESPONDS_ALWAYS, "never": RESPONDS_NEVER}
    dyn = _dyn(scenario.dynamics, timeline.step_days)
    # Trade shares and remittances are given at the starting host economy; their bases
    # are what they would be at index 1 (trade: the volumes whose value that is).
    host = names.by_power("host_economy")[:, :, None]
    alist = [scenario.alliances[a] for a in names.alliances]
    members = np.zeros((len(alist), s_n), dtype=bool)
    si, pi = names.si, names.pi
    for a, alliance in enumerate(alist):
        for member in alliance.members:
            members[a, si[member]] = True
    return Params(
        weights=np.array([[w / sum(weights) for w in weights]], dtype=np.float64),
        alignment_weight=np.full((1, s_n), scenario.observation.security_weight),
        gdp=names.by_state("gdp"),
        exports=names.by_state("exports"),
        imports=names.by_state("imports"),
        unrest_threshold=names.by_state("unrest_threshold"),
        domestic_capacity=names.by_state("security_capacity"),
        salience0=names.by_state("security_salience"),
        elite=names.state_power("elite_affinity"),
        deploy_delay=np.array(
            [[timeline.delay_steps(p.deploy_delay) for p in pspecs]], dtype=np.int64
        ),
        tools=tools,
        credibility0=names.by_power("credibility"),
        reach=names.power_state("reach"),
        trade_base=volume_of(names.power_state("trade"), host, dyn.trade_economy_elasticity),
        remittance_base=names.power_state("remittances") / host,
        routes=names.power_state("routes"),
        econ_ref=names.by_power("economic_capacity"),
        opinion_ref=names.state_power("opinion"),
        ties_ref=tie_level(_reliance(scenario, names)),
        debt_ref=names.power_state("debt"),
        investment_ref=names.power_state("investment"),
        host_trend=host.reshape(1, p_n).copy(),
        alliance_lead=np.array([pi[a.lead] for a in alist], dtype=np.int64),
        alliance_members=members,
        alliance_deploys=np.array([a.kind == "collective_defence" for a in alist], dtype=bool),
        alliance_responds=np.array([responds[a.responds] for a in alist], dtype=np.int64),
        alliance_commitment=np.array([[a.commitment for a in alist]]).reshape(1, len(alist)),
        propensity=np.zeros((1, 2, s_n, p_n + 1)),
        dyn=dyn,
        pop=_population(scenario, names) if scenario.population.citizens else None,
    )


def _reliance(scenario: Scenario, names: _Names) -> np.ndarray:
    """Starting reliance, ``(1, D, S, K)``: each row as given, ``self`` taking the rest."""
    pi, p_n = names.pi, len(names.powers)
    reliance = np.zeros((1, 2, len(names.states), p_n + 1))
    for s, state in enumerate(names.states):
        spec = scenario.states[state]
        for d, domain in enumerate(DOMAINS):
            shares: dict[str, float] = getattr(spec.reliance, domain)
            for power, value in shares.items():
                if power != SELF:
                    reliance[0, d, s, pi[power]] = value
            given = shares.get(SELF)
            reliance[0, d, s, p_n] = given if given is not None else 1.0 - reliance[0, d, s].sum()
    reliance = np.clip(reliance, 0.0, 1.0)
    reliance /= reliance.sum(axis=3, keepdims=True)
    return reliance


def _initial(scenario: Scenario, names: _Names, params: Params) -> State:
    """The first state of one replication."""
    s_n, p_n = len(names.states), len(names.powers)
    unrest = names.by_state("unrest")
    threat = names.by_state("external_threat")
    opinion = names.state_power("opinion")
    distress = np.zeros_like(unrest)
    salience, _, _ = salience_of(params.salience0, params.dyn, unrest, threat, distress)
    return State(
        reliance=_reliance(scenario, names),
        unrest=unrest,
        threat=threat,
        salience=salience,
        opinion=opinion.copy(),
        opinion_base=opinion.copy(),
        credibility=np.repeat(params.credibility0[:, :, None], s_n, axis=2),
        capacity=names.by_power("security_capacity"),
        econ=names.by_power("economic_capacity"),
        posture=names.power_state("posture"),
        investment=names.power_state("investment"),
        trade=names.power_state("trade"),
        trade_volume=params.trade_base.copy(),
        remittances=names.power_state("remittances"),
        migrants=np.ones((1, p_n, s_n)),
        host=names.by_power("host_economy"),
        debt=names.power_state("debt"),
        diversion=np.zeros((1, p_n, s_n)),
        resentment=np.zeros((1, p_n, s_n)),
        distress=distress,
        used_to=names.power_state("remittances"),
        memory=np.zeros((1, s_n, p_n)),
        membership=np.where(params.alliance_members, MEMBER, OUT)[None].astype(np.int64),
        deployed=np.zeros((1, p_n, s_n)),
        pending=np.full((1, p_n, s_n), -1, dtype=np.int64),
        pending_size=np.zeros((1, p_n, s_n)),
        pending_requested=np.zeros((1, p_n, s_n), dtype=bool),
        mission=np.zeros((1, p_n, s_n), dtype=bool),
        invited=np.zeros((1, p_n, s_n), dtype=bool),
        armed=unrest < params.unrest_threshold,
        alarmed=np.zeros((1, p_n), dtype=bool),
        legitimacy=(
            params.pop.legitimacy
            - params.pop.cohesion_weight[:, None] * (1.0 - params.pop.cohesion)
            if params.pop is not None
            else np.zeros((1, s_n))
        ),
        jailed=np.zeros((1, s_n)),
        daily=np.zeros((1, s_n, 0)),
        **empty_citizens(1, p_n),
    )


def _calibrate(
    scenario: Scenario,
    reference: Scenario | Compiled | None,
    names: _Names,
    initial: State,
    params: Params,
) -> None:
    """Set the propensities: from the scenario's own start, or from its reference's."""
    reference = scenario.reference if reference is None else reference
    if reference is scenario or (
        isinstance(reference, Scenario) and same_data(reference, scenario)
    ):
        set_propensity(initial, params)
        return
    calibrated = reference if isinstance(reference, Compiled) else compile_scenario(reference)
    if (calibrated.states, calibrated.powers) != (names.states, names.powers):
        raise ScenarioError.single(
            "overrides cannot add or remove states or powers; write a scenario file instead"
        )
    params.propensity = calibrated.params.propensity.copy()
    # Capacity, opinion, ties and the debt rolled over depart from the calibrated world's.
    for name in ("econ_ref", "opinion_ref", "ties_ref", "debt_ref", "investment_ref"):
        setattr(params, name, getattr(calibrated.params, name).copy())


def _schedule(scenario: Scenario, timeline: Timeline, names: _Names) -> Schedule:
    si, pi, ai = names.si, names.pi, names.ai
    t_n, s_n = timeline.n_steps, len(si)
    region_names, owner = regions(scenario)
    days = timeline.step_days
    price = np.zeros((t_n * days, len(region_names)))  # by day: citizens live day by day
    grievance = np.zeros((t_n, s_n))
    hold = np.zeros((t_n, s_n), dtype=bool)
    waiting = np.zeros((t_n, s_n), dtype=bool)
    economy = _Economy(t_n, len(pi), s_n)
    regime = np.zeros((t_n, s_n), dtype=bool)
    abroad = np.zeros((t_n, s_n))
    source = np.full((t_n, s_n), -1, dtype=np.int64)
    sources = si | {p: -(i + 2) for p, i in pi.items()}  # as ``requests.tie`` reads them
    steps = [
        StepShocks(
            grievance[t],
            hold[t],
            waiting[t],
            economy.step(t),
            regime[t],
            abroad[t],
            source[t],
            price[t * days : (t + 1) * days],
        )
        for t in range(t_n)
    ]
    for index, shock in enumerate(scenario.shocks):
        t = timeline.step_of(shock.at)
        here = steps[t]
        here.applied.append(index)
        if isinstance(shock, _LASTING_ECONOMIC):
            economy.add(shock, timeline, si, pi)
        elif isinstance(shock, UprisingShock | PriceShock):
            n = timeline.duration_steps(shock.duration, shock.at)
            if isinstance(shock, UprisingShock):
                grievance[t : t + n, si[shock.state]] += shock.intensity
            else:
                hit = [
                    g
                    for g, name in enumerate(region_names)
                    if owner[g] == si[shock.state] and shock.region in (None, name)
                ]
                begin = shock.at if isinstance(shock.at, date) else timeline.date_of(shock.at)
                day = (begin - timeline.start).days
                span = max(1, round(shock.duration.days_from(begin, days)))
                price[day : day + span, hit] += shock.size
            # A request answers the trouble under way, and for as long again after it.
            window = (slice(t, t + 2 * n), si[shock.state])
            regime[window] |= shock.threatens == "regime"
            abroad[window] = np.maximum(abroad[window], shock.abroad)
            if shock.origin is not None:  # a state or a power behind it
                source[window] = sources[shock.origin]
        elif isinstance(shock, ExternalThreatShock):
            here.threat_set.append((si[shock.state], shock.level))
            lasts = t_n - t  # a threat without a duration fades but is not over
            if shock.duration is not None:
                lasts = timeline.duration_steps(shock.duration, shock.at)
                hold[t : t + lasts, si[shock.state]] = True
            abroad[t : t + lasts, si[shock.state]] = 1.0  # a threat from outside, by definition
            if shock.origin in sources:  # a state or a power behind it
                source[t : t + lasts, si[shock.state]] = sources[shock.origin]
        elif isinstance(shock, SecurityRequestShock):
            target = ai[shock.to] if shock.to in ai else -(pi[shock.to] + 2)
            here.requests.append((si[shock.state], target))
            # The scripted request is the state's request: it does not also ask on its own
            # before it (noise on top of an uprising would otherwise ask a step early).
            waiting[:t, si[shock.state]] = True
        else:
            _add_event(here, shock, scenario, timeline, (si, pi, ai), index)
    return Schedule(steps)


def _add_event(
    here: StepShocks,
    shock: Any,
    scenario: Scenario,
    timeline: Timeline,
    indices: tuple[dict[str, int], dict[str, int], dict[str, int]],
    index: int,
) -> None:
    """Add a shock that happens in one step (not a lasting uprising or threat)."""
    si, pi, ai = indices

    def lead(name: str) -> int:
        return pi[name] if name in pi else pi[scenario.alliances[name].lead]

    if isinstance(shock, InterventionShock):
        here.interventions.append((lead(shock.by), si[shock.state], shock.size))
    elif isinstance(shock, WithdrawalShock):
        here.withdrawals.append((lead(shock.by), si[shock.state]))
    elif isinstance(shock, OpinionShock):
        here.opinion.append((si[shock.state], pi[shock.power], shock.delta, shock.permanent))
    elif isinstance(shock, InvestmentShock):
        here.investment.append((pi[shock.power], si[shock.state], shock.amount))
    elif isinstance(shock, CapacityChangeShock):
        here.capacity.append((pi[shock.power], DOMAINS.index(shock.domain), shock.factor))
    elif isinstance(shock, HostEconomyShock):
        here.host.append((pi[shock.power], shock.level, shock.permanent))
    elif isinstance(shock, SetShock):
        here.sets.append(setters(shock, timeline, si, pi, ai, index))


_LASTING_ECONOMIC = TradeDisruptionShock | SanctionsShock | LoanShock | MigrationPolicyShock
"""Shocks that last and are held in the schedule's dense economic arrays."""


class _Economy:
    """The dense arrays of the economic shocks in force, one row per step."""

    def __init__(self, t_n: int, p_n: int, s_n: int) -> None:
        self.route_cut = np.zeros((t_n, p_n, s_n))
        self.trade_cut = np.zeros((t_n, p_n, s_n))
        self.coercion = np.zeros((t_n, p_n, s_n))
        self.access = np.ones((t_n, p_n, s_n))
        self.finance_cut = np.zeros((t_n, p_n))
        self.credit = np.zeros((t_n, p_n, s_n))

    def step(self, t: int) -> EconomyShocks:
        """Step ``t``'s rows (views: shocks added later show in them)."""
        return EconomyShocks(
            self.route_cut[t],
            self.trade_cut[t],
            self.coercion[t],
            self.access[t],
            self.finance_cut[t],
            self.credit[t],
        )

    def add(self, shock: Any, timeline: Timeline, si: dict[str, int], pi: dict[str, int]) -> None:
        """Write a lasting economic shock into the rows of the steps it covers.

        Overlapping cuts of one flow keep the deepest; coercion keeps the strongest.
        """
        t = timeline.step_of(shock.at)
        p = pi[shock.power]
        duration = getattr(shock, "duration", None)
        end = (
            timeline.n_steps
            if duration is None
            else t + timeline.duration_steps(duration, shock.at)
        )
        span = slice(t, end)
        if isinstance(shock, TradeDisruptionShock):
            s = si[shock.state]
            cut = self.route_cut if shock.channel == "route" else self.trade_cut
            np.maximum(cut[span, p, s], shock.severity, out=cut[span, p, s])
            if shock.coercive:
                np.maximum(self.coercion[span, p, s], shock.severity, out=self.coercion[span, p, s])
        elif isinstance(shock, SanctionsShock):
            np.maximum(self.trade_cut[span, p], shock.severity, out=self.trade_cut[span, p])
            np.maximum(self.finance_cut[span, p], shock.severity, out=self.finance_cut[span, p])
        elif isinstance(shock, MigrationPolicyShock):
            states = slice(None) if shock.state is None else si[shock.state]
            self.access[span, p, states] = shock.access
            if shock.coercive:
                pressure = self.coercion[span, p, states]
                np.maximum(pressure, 1.0 - shock.access, out=pressure)
        elif isinstance(shock, LoanShock):
            n = timeline.duration_steps(shock.disbursed_over, shock.at)
            self.credit[t : t + n, p, si[shock.state]] += shock.amount / n
