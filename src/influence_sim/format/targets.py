"""The target file: what a scenario's runs should show, and what was observed.

A target file names a scenario and a list of targets. Each target is a number computed
from the runs (a *quantity*, per replication, then a statistic over replications) and
either an expectation (a pattern: ``at_least``, ``at_most``, ``between``) or an
observation with its uncertainty (a datum: ``observed``). ``influence-sim check`` runs
the scenario and prints each target with the model's value and whether it holds
(``docs/validation.md``). The file is validated like a scenario: errors name the file,
the line and the field.

Quantities, per replication:

- ``summary: steps_to_calm.kazakhstan``: a column of the summary table;
- ``events: {kind: accept, actor: russia, target: kazakhstan}``: whether such an event
  happened (``measure: happened``, 1 or 0), how often (``count``), or the step of the
  first (``first_step``; missing where none happened);
- ``series: {table: alignment, state: kazakhstan, power: russia, domain: security}``
  (``column`` for the states and powers tables) ``at`` a step or date, or reduced
  (``reduce: mean | max | min``) ``over`` a span of steps or dates;
- ``history: {series: remittances, state: kyrgyzstan, partner: russia, period: "2022"}``:
  the model's change beside an observed figure of the shipped series (see
  ``docs/economy-data.md``; its value is the median over replications, as ``docs/history.md``);
- ``observation: {family: trade, state: kazakhstan, partner: china, year: 2019}``: the
  model's counterpart of an observed figure of a validation family (``docs/ODD.md``,
  Observation model). A ``validation`` block makes one such target of every figure the
  run covers, with the tolerance of its family's rule, and scores each against null
  models (``docs/validation.md``).

A target may subtract a second quantity of the same runs (``minus``) and compare the
scenario with a counterfactual (``against``: other overrides of the same scenario, or
another scenario), replication by replication, paired by seed.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Annotated, Literal, Self, TypeVar, get_args

from pydantic import Field, Strict, ValidationError, model_validator

from influence_sim.arguments import MAX_REPLICATIONS
from influence_sim.errors import InfluenceSimError, ScenarioError, one_of
from influence_sim.format.bundled import bundled_name, find_scenario, scenario_dir
from influence_sim.format.fields import Name, Number, Spec
from influence_sim.format.validation import problems_from
from influence_sim.format.yamlio import read_capped, read_yaml_file

Step = Annotated[int, Strict(), Field(ge=0)] | dt.date


class EventQuantity(Spec):
    """Events of a kind, per replication."""

    kind: str = Field(description="The event kind: request, accept, decline, arrival, ...")
    actor: Name | None = Field(None, description="Only events by this actor.")
    target: Name | None = Field(None, description="Only events with this target.")


class SeriesQuantity(Spec):
    """A recorded series: a table's rows for one state, power and domain."""

    table: Literal["alignment", "states", "powers"] = Field(description="The table.")
    state: Name | None = Field(None, description="The state (all tables).")
    power: Name | None = Field(None, description="The power (alignment, powers).")
    domain: Literal["overall", "security", "economy"] | None = Field(
        None, description="The domain (alignment; overall by default)."
    )
    column: str = Field(
        "value", description="The column read (alignment: value; e.g. unrest, credibility)."
    )

    @model_validator(mode="after")
    def _fields_of_the_table(self) -> Self:
        if self.power is not None and self.table == "states":
            raise ValueError(
                "the states table has no power; read the alignment or powers table for one"
            )
        if self.domain is not None and self.table != "alignment":
            raise ValueError(f"only the alignment table has domains, not the {self.table} table")
        return self


class HistoryQuantity(Spec):
    """One row of the shipped observed series, with the model's change beside it."""

    series: Literal["remittances", "trade"] = Field(description="The observed series.")
    state: Name = Field(description="The state.")
    partner: Name = Field(description="The partner as the series names it (russia, all).")
    period: str = Field(description="The observed period, as the series writes it.")


Family = Literal["trade", "arms", "unga", "remittances"]
"""The observed families of the validation protocol."""
PREFERENCES_OFF = (
    "dynamics.offer_weight=0",
    "dynamics.opinion_weight=0",
    "dynamics.elite_weight=0",
)
"""The governments' preferences switched off: the null model's overrides by default."""


class ObservationQuantity(Spec):
    """An observed figure of a validation family, and the model's counterpart of it."""

    family: Family = Field(description="The observed family (docs/ODD.md, Observation model).")
    state: Name = Field(description="The state.")
    partner: Name = Field(description="The power.")
    year: Annotated[int, Strict(), Field(ge=1990, le=2100)] = Field(description="The year.")


class Quantity(Spec):
    """A number per replication (exactly one of summary, events, series, history, observation)."""

    summary: str | None = Field(None, description="A column of the summary table.")
    events: EventQuantity | None = Field(None, description="Events of a kind.")
    measure: Literal["happened", "count", "first_step"] = Field(
        "happened", description="For events: whether, how many, or the step of the first."
    )
    series: SeriesQuantity | None = Field(None, description="A recorded series.")
    at: Step | None = Field(None, description="For a series: the step (or date) read.")
    over: tuple[Step, Step] | None = Field(
        None, description="For a series: the span of steps (or dates) reduced, both ends in."
    )
    reduce: Literal["mean", "max", "min"] = Field(
        "mean", description="For a series over a span: how it is reduced."
    )
    history: HistoryQuantity | None = Field(None, description="An observed figure's row.")
    observation: ObservationQuantity | None = Field(
        None, description="An observed figure of a validation family, its model counterpart."
    )

    @model_validator(mode="after")
    def _one(self) -> Self:
        kinds = ("summary", "events", "series", "history", "observation")
        given = [k for k in kinds if getattr(self, k)]
        if len(given) != 1:
            raise ValueError(
                "expected exactly one of summary, events, series, history, observation; found "
                + (", ".join(given) if given else "none")
            )
        if self.series is not None and (self.at is None) == (self.over is None):
            raise ValueError("a series needs either 'at' (one step) or 'over' (a span)")
        if self.over is not None:
            first, last = self.over
            if type(first) is type(last) and first > last:  # type: ignore[operator]
                raise ValueError(f"the span over [{first}, {last}] ends before it starts")
        return self


class Against(Spec):
    """The counterfactual a target compares with, paired by seed."""

    scenario: str | None = Field(
        None,
        description="Another scenario (bundled name or file); the target file's own if absent.",
    )
    overrides: list[str] = Field(
        default_factory=list, description="Overrides (path=value) of that scenario."
    )


class Expect(Spec):
    """Bounds a pattern's statistic must respect."""

    at_least: Number | None = Field(None, description="The statistic is at least this.")
    at_most: Number | None = Field(None, description="The statistic is at most this.")

    @model_validator(mode="after")
    def _some(self) -> Self:
        if self.at_least is None and self.at_most is None:
            raise ValueError("expected at_least, at_most or both")
        low, high = self.at_least, self.at_most
        if low is not None and high is not None and low > high:
            raise ValueError(f"at_least {low} is above at_most {high}")
        return self


class Observed(Spec):
    """An observed value, its uncertainty, and the model's allowed discrepancy."""

    value: Number | None = Field(
        None, description="The observed value (a history quantity reads it from the series)."
    )
    sd: Annotated[float, Strict(), Field(gt=0)] = Field(
        description="The observation's standard deviation (its uncertainty)."
    )
    discrepancy: Annotated[float, Strict(), Field(ge=0)] = Field(
        0.0, description="The model discrepancy's standard deviation (what it leaves out)."
    )


class Target(Spec):
    """A pattern to hold or a datum to match."""

    name: Name = Field(description="A short id, unique in the file.")
    description: str = Field(description="What it says, in words.")
    quantity: Quantity = Field(description="The number per replication.")
    minus: Quantity | None = Field(None, description="Subtracted, replication by replication.")
    overrides: list[str] = Field(
        default_factory=list,
        description="Overrides (path=value) of the scenario for this target's own run (its "
        "quantity and minus; a counterfactual has its own): what an intervention does "
        "given the answer history gave, say (alliances.csto.responds=always).",
    )
    against: Against | None = Field(
        None, description="A counterfactual: the value is this run's minus that run's."
    )
    statistic: Literal["median", "mean", "share", "min", "max"] = Field(
        "median",
        description="Over replications: median, mean, min, max, or share (of replications "
        "where the value is non-zero).",
    )
    expect: Expect | None = Field(None, description="For a pattern: bounds.")
    observed: Observed | None = Field(None, description="For a datum: the observation.")
    source: str = Field(description="Where the pattern or the figure comes from.")

    @model_validator(mode="after")
    def _either(self) -> Self:
        if (self.expect is None) == (self.observed is None):
            raise ValueError("expected either 'expect' (a pattern) or 'observed' (a datum)")
        needs_value = self.observed is not None and self.observed.value is None
        read = self.quantity.history is not None or self.quantity.observation is not None
        if needs_value and not read:
            raise ValueError(
                "an observed value is needed unless the quantity is history or observation"
            )
        if self.quantity.observation is not None and (self.minus or self.against):
            raise ValueError("an observation is compared as it is: no minus, no against")
        return self


Years = tuple[
    Annotated[int, Strict(), Field(ge=1990, le=2100)],
    Annotated[int, Strict(), Field(ge=1990, le=2100)],
]


class Validation(Spec):
    """The validation protocol: observed families, fitting years, held-out years."""

    families: list[Family] = Field(
        list(get_args(Family)),
        min_length=1,
        description="The observed families compared (docs/validation.md).",
    )
    fit: Years = Field(description="The fitting years, first and last (both in).")
    held_out: Years = Field(description="The held-out years, first and last (both in).")
    preferences_off: list[str] = Field(
        list(PREFERENCES_OFF),
        description="The overrides of the null model without the governments' preferences.",
    )

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        twice = sorted({f for f in self.families if self.families.count(f) > 1})
        if twice:
            raise ValueError(f"families must be unique; repeated: {', '.join(twice)}")
        for name, (first, last) in (("fit", self.fit), ("held_out", self.held_out)):
            if first > last:
                raise ValueError(f"{name} [{first}, {last}] ends before it starts")
        if self.held_out[0] <= self.fit[1]:
            raise ValueError(
                f"the held-out years {list(self.held_out)} must come after the fitting "
                f"years {list(self.fit)}"
            )
        return self


class TargetFile(Spec):
    """A scenario's targets."""

    name: Name = Field(description="The file's id.")
    title: str = Field(description="What the targets are about.")
    scenario: str = Field(description="The scenario run (bundled name or file).")
    replications: Annotated[int, Strict(), Field(ge=2, le=MAX_REPLICATIONS)] = Field(
        30, description="Replications of each run."
    )
    seed: Annotated[int, Strict(), Field(ge=0)] | None = Field(
        None, description="The seed (default: the scenario's)."
    )
    targets: list[Target] = Field(default_factory=list, description="The targets.")
    validation: Validation | None = Field(
        None,
        description="Compare the run with every observed figure of these families: the "
        "fitting and held-out years, scored against null models (docs/validation.md).",
    )

    @model_validator(mode="after")
    def _unique(self) -> Self:
        if not self.targets and self.validation is None:
            raise ValueError("expected targets, a validation block, or both")
        names = [t.name for t in self.targets]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"target names must be unique; repeated: {', '.join(twice)}")
        return self


def targets_dir() -> Path:
    """The folder of bundled target files (one per bundled scenario)."""
    return scenario_dir() / "targets"


def load_targets(path: str | os.PathLike[str]) -> TargetFile:
    """Read and check a target file, or a bundled one by name (``kazakhstan-2022``).

    Raises:
        ScenarioError: If it is not valid; each problem names the file, line and field.
        InfluenceSimError: If there is no such file.
    """
    return read_model_file(path, targets_dir(), "target file", TargetFile)[0]


Model = TypeVar("Model", bound=Spec)


def read_model_file(
    path: str | os.PathLike[str], folder: Path, kind: str, model: type[Model]
) -> tuple[Model, Path]:
    """A YAML file (or a bundled one in ``folder`` by name) read as ``model``; and the file.

    Raises:
        ScenarioError: If it is not valid; each problem names the file, line and field.
        InfluenceSimError: If there is no such file.
    """
    file = bundled_name(path, folder) or Path(path)
    if not file.is_file():
        names = sorted(p.stem for p in folder.glob("*.yaml"))
        raise InfluenceSimError(
            f"no {kind} '{path}': give a file, or one of the bundled {one_of(names)}"
        )
    display = str(file) if file != Path(path) else str(path)
    data, marks = read_yaml_file(file, display)
    try:
        return model.model_validate(data), file
    except ValidationError as exc:
        raise ScenarioError(problems_from(exc, data, marks, display, root=model)) from None


def targets_for(scenario: str | os.PathLike[str]) -> Path:
    """The bundled target file of a scenario: its own, or that of the scenario it extends.

    Raises:
        InfluenceSimError: If neither the scenario nor any file it extends has one.
    """
    path = find_scenario(Path(scenario))
    seen: set[Path] = set()
    while path not in seen:
        seen.add(path)
        own = targets_dir() / f"{path.stem}.yaml"
        if own.is_file():
            return own
        parent = (read_yaml_file(path, str(path))[0] or {}).get("extends")
        if not isinstance(parent, str):
            break
        path = (path.parent / parent).resolve()
    raise InfluenceSimError(
        f"no bundled targets for '{scenario}' or a scenario it extends; give --targets FILE"
    )


def target_text(name: str | os.PathLike[str]) -> str:
    """A target file's text (a path, or a bundled one's name), checked.

    Raises:
        ScenarioError: If it is not valid.
        InfluenceSimError: If there is no such file.
    """
    load_targets(name)
    file = bundled_name(name, targets_dir()) or Path(name)
    text = read_capped(file, str(name)).decode("utf-8")  # the file just checked, capped
    return text.replace("\r\n", "\n").replace("\r", "\n")  # as read_text gave it
