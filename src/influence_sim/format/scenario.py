"""The scenario schema: the single source of truth for the scenario format.

A :class:`Scenario` names states, powers and alliances as data (nothing in the
code names Kazakhstan or Russia), the calendar, the shocks, and the model's
behavioural parameters. The JSON Schema in ``scenarios/schema.json`` is
generated from these models. Reading files lives in :mod:`influence_sim.format.loading`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal, Self

from pydantic import (
    Field,
    PrivateAttr,
    Strict,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from influence_sim.arguments import MAX_REPLICATIONS, MAX_SEED
from influence_sim.format.calendar import Duration, DurationField, PositiveDurationField, Timeline
from influence_sim.format.fields import (
    Name,
    NonNegative,
    Positive,
    SecurityTool,
    Share,
    Signed,
    Spec,
)
from influence_sim.format.parameters import Dynamics
from influence_sim.format.population import Population
from influence_sim.format.references import check_references
from influence_sim.format.shocks import Shock

SOURCES_HOLD = "sources_hold"
"""Validation context key: the data is a valid scenario's with plain values replaced, so
its ``sources`` keys still name parameters and need not be checked again (a sweep's points)."""

SELF = "self"
"""The reliance key for what a state provides for itself (hedging, multi-vector policy)."""

MAX_STEPS = 100_000
"""The most steps a calendar may have."""


class Calendar(Spec):
    """When the scenario starts, how long a step is, and how long it runs."""

    start: date = Field(description="The first day of step 0 (YYYY-MM-DD).")
    step: PositiveDurationField = Field(
        "1 week",
        validate_default=True,
        description="The length of a step: a whole number of days or weeks.",
    )
    horizon: PositiveDurationField = Field(
        description="How long the scenario runs: a duration such as '3 years', or a number "
        "of steps."
    )

    @field_validator("step")
    @classmethod
    def _check_step(cls, step: Duration) -> Duration:
        if step.unit not in ("day", "week") or step.amount < 1:
            raise ValueError(
                f"expected a whole number of days or weeks, such as '1 week', found '{step}'"
            )
        return step

    @model_validator(mode="after")
    def _check_horizon(self) -> Self:
        n_steps = self.timeline.n_steps
        problem = None
        if n_steps < 1:
            problem = f"'{self.horizon}' is shorter than one step of '{self.step}'"
        elif n_steps > MAX_STEPS:
            problem = f"'{self.horizon}' gives {n_steps} steps; at most {MAX_STEPS} are allowed"
        if problem:
            error = PydanticCustomError("reference", "{message}", {"message": problem})
            details = InitErrorDetails(type=error, loc=("horizon",), input=str(self.horizon))
            raise ValidationError.from_exception_data("Calendar", [details])
        return self

    @property
    def timeline(self) -> Timeline:
        """The resolved start, step length in days and number of steps."""
        step_days = self.step.amount * (7 if self.step.unit == "week" else 1)
        if self.horizon.unit == "step":
            n_steps = self.horizon.amount
        else:
            n_steps = int(self.horizon.days_from(self.start, step_days) // step_days)
        return Timeline(self.start, step_days, n_steps)


class Reliance(Spec):
    """A state's starting reliance in each domain: shares per power and ``self``."""

    security: dict[Name, Share] = Field(
        default_factory=dict,
        description="Share of security needs met by each power; 'self' takes the rest unless "
        "given, and then all must sum to 1.",
    )
    economy: dict[Name, Share] = Field(
        default_factory=dict,
        description="Share of economic needs met by each power; 'self' takes the rest unless "
        "given, and then all must sum to 1.",
    )


class StateSpec(Spec):
    """A small state whose government chooses how far to rely on each power."""

    title: str = Field(description="The state's name as shown in tables and plots.")
    iso_a3: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = Field(
        None, description="ISO 3166-1 alpha-3 code, used to draw the state on maps."
    )
    population: Positive = Field(description="Population, millions.")
    gdp: Positive = Field(description="Gross domestic product, USD billion.")
    exports: Positive = Field(
        description="Exports of goods and services, as a share of GDP (the World Bank's "
        "NE.EXP.GNFS.ZS over 100)."
    )
    imports: Positive = Field(
        description="Imports of goods and services, as a share of GDP (the World Bank's "
        "NE.IMP.GNFS.ZS over 100). With exports, it turns shares of trade into shares of "
        "GDP, the economy's one unit."
    )
    unrest: Share = Field(0.0, description="Unrest at the start, in [0, 1].")
    unrest_threshold: Share = Field(
        description="Unrest above which the government asks for foreign troops, in [0, 1]."
    )
    security_capacity: Share = Field(
        description="The state's own capacity to keep order and defend itself, in [0, 1]."
    )
    security_salience: Share = Field(
        description="Weight of security against the economy in calm times, in [0, 1]."
    )
    external_threat: Share = Field(0.0, description="External threat at the start, in [0, 1].")
    opinion: dict[Name, Signed] = Field(
        default_factory=dict,
        description="Public favourability of each power in [-1, 1]; a power not listed is 0.",
    )
    elite_affinity: dict[Name, Signed] = Field(
        default_factory=dict,
        description="The ruling elite's affinity with each power in [-1, 1]; a power not "
        "listed is 0.",
    )
    reliance: Reliance = Field(
        default_factory=Reliance, description="Starting reliance per domain."
    )


class PowerSpec(Spec):
    """A great power that offers security and economic ties."""

    title: str = Field(description="The power's name as shown in tables and plots.")
    security_capacity: Share = Field(
        description="Force the power can project into the region, in [0, 1]."
    )
    deploy_delay: DurationField = Field(
        description="Time from an accepted request to troops on the ground (rounded down to "
        "whole steps; 'within hours' is 0 steps on a weekly calendar)."
    )
    credibility: Share = Field(
        description="Credibility as a security provider at the start, in [0, 1]."
    )
    economic_capacity: Share = Field(
        description="Economic means the power directs at the region, in [0, 1]."
    )
    security_tools: dict[SecurityTool, Share] = Field(
        default_factory=dict,
        description="The security tools the power has and how strong each is, in [0, 1]. "
        "Only a power with 'troops' can deploy; the strongest tool caps its posture.",
    )
    reach: dict[Name, Share] = Field(
        default_factory=dict,
        description="Presence in each state (bases, language, ties), in [0, 1]; 0 if absent.",
    )
    posture: dict[Name, Share] = Field(
        default_factory=dict,
        description="Security assistance in place in each state at the start, in [0, 1].",
    )
    investment: dict[Name, NonNegative] = Field(
        default_factory=dict, description="Investment stock in each state, USD billion."
    )
    trade: dict[Name, Share] = Field(
        default_factory=dict,
        description="Share of each state's foreign trade at the start, in [0, 1]; it moves "
        "with the power's economic capacity and host economy.",
    )
    remittances: dict[Name, Share] = Field(
        default_factory=dict,
        description="Remittances from the power as a share of each state's GDP at the start, "
        "in [0, 1]; they move with the host economy at once and with the migrant stock slowly.",
    )
    routes: dict[Name, Share] = Field(
        default_factory=dict,
        description="Share of each state's exports that cross the power's territory or "
        "pipelines (Kazakhstan's oil through the CPC), in [0, 1]: what a cut would stop.",
    )
    debt: dict[Name, NonNegative] = Field(
        default_factory=dict,
        description="Public debt owed to the power at the start, as a share of each state's GDP.",
    )
    host_economy: Positive = Field(
        1.0,
        description="The power's economy as host of migrants and market, as an index "
        "(1 = the level remittances and trade shares were measured at).",
    )


class AllianceSpec(Spec):
    """An alliance led by a power (the CSTO), or a weaker frame (the SCO)."""

    title: str = Field(description="The alliance's name as shown in tables and plots.")
    lead: Name = Field(description="The power that decides on requests and deploys troops.")
    members: list[Name] = Field(description="The member states.")
    commitment: Share = Field(description="How binding the alliance is, in [0, 1].")
    kind: Literal["collective_defence", "consultative"] = Field(
        "collective_defence",
        description="A consultative frame (the SCO) exchanges intelligence but deploys no troops.",
    )
    responds: Literal["auto", "always", "never"] = Field(
        "auto",
        description="How the lead answers requests: 'auto' weighs its stakes and costs "
        "(docs/decisions.md) and whether it can spare troops; 'always' scripts it willing "
        "(the answer history gave, in a replay), troops to spare still drawn; 'never' "
        "scripts a refusal.",
    )


class Observation(Spec):
    """What is recorded and how the region is summarised."""

    record_every: Annotated[int, Strict(), Field(ge=1)] = Field(
        1, description="Record the state every k steps (the last step is always recorded)."
    )
    regional_weights: Literal["gdp", "population", "equal"] = Field(
        "gdp", description="How states are weighted in the regional alignment."
    )
    security_weight: Share = Field(
        0.5,
        description="The weight of security in the overall alignment index, fixed for the "
        "run (the economy has the rest). Reliance by domain is the model's output; the "
        "index sums it at fixed weights, so a change in how much security matters (its "
        "salience, in the states table) never reads as a change of allegiance.",
    )


class Scenario(Spec):
    """A complete, validated scenario."""

    name: Name = Field(description="Short identifier, used in result folder names.")
    title: str = Field(description="One-line title.")
    description: str = Field("", description="What the scenario shows and why.")
    extends: str | None = Field(
        None,
        description="A scenario file (relative to this one) to start from: mappings merge, "
        "other values are replaced, and shocks are added to the base's shocks.",
    )
    calendar: Calendar = Field(description="Start date, step length and horizon.")
    seed: Annotated[int, Strict(), Field(ge=0, le=MAX_SEED)] = Field(
        description="Seed from which every replication's random generator is derived."
    )
    replications: Annotated[int, Strict(), Field(ge=1, le=MAX_REPLICATIONS)] = Field(
        1, description="How many replications a run makes by default."
    )
    states: dict[Name, StateSpec] = Field(
        min_length=1, description="The states whose alignment is modelled, by id."
    )
    powers: dict[Name, PowerSpec] = Field(min_length=1, description="The great powers, by id.")
    alliances: dict[Name, AllianceSpec] = Field(
        default_factory=dict, description="Alliances and frames, by id."
    )
    shocks: list[Shock] = Field(default_factory=list, description="Scheduled shocks.")
    observation: Observation = Field(default_factory=Observation, description="Recording settings.")
    dynamics: Dynamics = Field(
        default_factory=Dynamics, description="Behavioural parameters (rates per week)."
    )
    population: Population = Field(
        default_factory=Population,
        description="Citizens whose protest and opinions emerge (unrest: citizens), or the "
        "scripted unrest of uprising shocks (the default).",
    )
    sources: dict[str, str | None] = Field(
        default_factory=dict,
        description="Where each value comes from, by parameter path; a path covers every "
        "parameter below it (states.kazakhstan.opinion covers each power's entry) and '*' "
        "stands for any one name (states.*.gdp). The longest match wins; null means no "
        "source. Shocks carry their own 'source'.",
    )

    _calibrated_on: Scenario | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _check_references(self, info: ValidationInfo) -> Self:
        sources = not (info.context or {}).get(SOURCES_HOLD, False)
        errors = check_references(self, sources=sources)
        if errors:
            raise ValidationError.from_exception_data("Scenario", errors)
        return self

    @property
    def timeline(self) -> Timeline:
        """The resolved calendar."""
        return self.calendar.timeline

    @property
    def memberships(self) -> dict[str, list[str]]:
        """The alliances each state belongs to, read from the alliances' member lists."""
        out: dict[str, list[str]] = {s: [] for s in self.states}
        for alliance_id, alliance in self.alliances.items():
            for member in alliance.members:
                out.setdefault(member, []).append(alliance_id)
        return out

    @property
    def reference(self) -> Scenario:
        """The calibrated world this scenario departs from (see ``docs/ODD.md``).

        A scenario read from a file is its own reference. One made from another by
        overrides (``load_scenario(path, overrides=...)``, ``resolve_scenario``, ``--set``,
        a sweep point) remembers the scenario it departs from: its propensities, which
        fix the starting reliance as the starting choice, are that scenario's, so an
        override is a change to the calibrated world rather than a new world calibrated
        anew. :meth:`as_calibrated` makes an overridden scenario its own reference.
        """
        return self._calibrated_on if self._calibrated_on is not None else self

    @property
    def is_departure(self) -> bool:
        """Whether this scenario departs from another (its reference is not itself)."""
        return self._calibrated_on is not None

    def departing_from(self, reference: Scenario) -> Scenario:
        """A copy of this scenario whose calibrated world is ``reference``'s reference."""
        out = self.model_copy()
        root = reference.reference
        out._calibrated_on = None if root is self or same_data(root, out) else root
        return out

    def as_calibrated(self) -> Scenario:
        """A copy that is its own calibrated world: propensities fixed at its own start."""
        out = self.model_copy()
        out._calibrated_on = None
        return out

    def to_data(self) -> dict[str, Any]:
        """The scenario as plain data (dates stay dates), ready for YAML."""
        return self.model_dump(mode="python", exclude={"extends"})


def same_data(a: Scenario, b: Scenario) -> bool:
    """Whether two scenarios hold the same values (whatever worlds they depart from)."""
    return a is b or a.__dict__ == b.__dict__
