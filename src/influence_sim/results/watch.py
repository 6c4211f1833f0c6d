"""Targets' quantities computed while a batch runs: one number per replication, no stored path.

:class:`Watch` is an observer of :func:`influence_sim.engine.ensemble.simulate`. It reads
each step's state and events and keeps, per replication, what a target's quantity needs
(a value at a step, a running mean, maximum or minimum over a span, whether or how often
an event happened and when first, the months' means of an observed figure's spans), so
that a batch of many parameter points, each with its replications, can be measured
against targets without recording its trajectories. It gives the same numbers as the
tables of a recorded run (:mod:`influence_sim.calibration.checks`; a test says so).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import date

import numpy as np
from numpy.typing import NDArray

from influence_sim.engine.compile import Compiled
from influence_sim.engine.kernel import (
    ECONOMY,
    SECURITY,
    Params,
    State,
    StepEvents,
    alignment_of,
)
from influence_sim.engine.trajectory import shock_parties
from influence_sim.errors import InfluenceSimError, one_of, suggest
from influence_sim.format.calendar import Timeline
from influence_sim.format.targets import Quantity
from influence_sim.results.observation import Window, figure_of
from influence_sim.results.observed import Span, history_figure

Array = NDArray[np.float64]
Reader = Callable[[State], Array]

STATE_COLUMNS = {
    "unrest": "unrest",
    "external_threat": "threat",
    "security_salience": "salience",
    "economic_distress": "distress",
}
"""The states table's columns and the state arrays (R, S) they come from."""
CITIZEN_COLUMNS = {"legitimacy": "legitimacy", "jailed": "jailed"}
"""The states table's columns with citizens (``population.unrest: citizens``)."""
POWER_COLUMNS = {
    "credibility": "credibility",
    "posture": "posture",
    "deployed": "deployed",
    "investment": "investment",
    "trade": "trade",
    "remittances": "remittances",
    "debt": "debt",
    "resentment": "resentment",
    "diversification": "diversion",
}
"""The powers table's columns read from (R, P, S) arrays."""
POWER_BY_STATE = {"opinion": "opinion", "memory": "memory"}
"""The powers table's columns read from (R, S, P) arrays."""
POWER_ONLY = {
    "security_capacity": "capacity",
    "economic_capacity": "econ",
    "host_economy": "host",
}
"""The powers table's columns read from (R, P) arrays (the same in every state)."""


class Watch:
    """The quantities of targets, per replication, as a batch runs.

    Args:
        compiled: The compiled scenario (names, calendar).
        quantities: What to measure; ``summary`` quantities are not measured here (the
            run's :class:`~influence_sim.results.metrics.Summary` has them).
        replications: The batch's size.
        params: The parameters the batch runs with, when its replications differ (the
            sweep's points): security's weight in the alignment index is read from them.
    """

    def __init__(
        self,
        compiled: Compiled,
        quantities: Sequence[Quantity],
        replications: int,
        params: Params | None = None,
    ) -> None:
        self.compiled = compiled
        weight = (compiled.params if params is None else params).alignment_weight
        self.items = [_item(compiled, q, replications, weight) for q in quantities]

    def __call__(self, done: int, state: State, events: StepEvents | None) -> None:
        """Take in the state after ``done`` steps and the events of the step before."""
        for item in self.items:
            item.observe(done, state, events)

    def values(self) -> list[Array]:
        """Each quantity's value per replication, ``(R,)`` (NaN where it has none)."""
        return [item.value() for item in self.items]


class _Item:
    def observe(self, done: int, state: State, events: StepEvents | None) -> None:
        raise NotImplementedError

    def value(self) -> Array:
        raise NotImplementedError


class _Nothing(_Item):
    """A summary quantity: the summary table has it."""

    def __init__(self, replications: int) -> None:
        self.n = replications

    def observe(self, done: int, state: State, events: StepEvents | None) -> None:
        return

    def value(self) -> Array:
        return np.full(self.n, math.nan)


class _Series(_Item):
    """A series read at one step, or reduced over a span of steps."""

    def __init__(self, read: Reader, first: int, last: int, reduce: str, n: int) -> None:
        self.read, self.first, self.last, self.reduce = read, first, last, reduce
        self.total = np.full(n, math.nan)
        self.count = 0

    def observe(self, done: int, state: State, events: StepEvents | None) -> None:
        if not self.first <= done <= self.last:
            return
        now = self.read(state)
        if self.count == 0:
            self.total = now.astype(float).copy()
        elif self.reduce == "max":
            np.maximum(self.total, now, out=self.total)
        elif self.reduce == "min":
            np.minimum(self.total, now, out=self.total)
        else:
            self.total += now
        self.count += 1

    def value(self) -> Array:
        if self.reduce == "mean" and self.count:
            return self.total / self.count
        return self.total


class _Events(_Item):
    """Whether, how often, and when first events of a kind happened."""

    def __init__(self, mask: Callable[[StepEvents], NDArray[np.bool_]], measure: str, n: int):
        self.mask, self.measure = mask, measure
        self.count = np.zeros(n)
        self.first = np.full(n, math.nan)

    def observe(self, done: int, state: State, events: StepEvents | None) -> None:
        if events is None:
            return
        hit = self.mask(events)
        if hit.any():
            self.count += hit
            self.first[hit & np.isnan(self.first)] = done - 1  # stamped with its step

    def value(self) -> Array:
        if self.measure == "first_step":
            return self.first
        return self.count if self.measure == "count" else (self.count > 0).astype(float)


class _History(_Item):
    """A model change beside an observed figure: the means over the steps of two spans."""

    def __init__(self, read: Reader, span: Span, step_dates: list[date], n: int) -> None:
        self.read, self.span, self.dates = read, span, step_dates
        self.sums = [np.zeros(n), np.zeros(n)]
        self.counts = [0, 0]

    def observe(self, done: int, state: State, events: StepEvents | None) -> None:
        day = self.dates[done]
        for i, (year, (first, last)) in enumerate((self.span.now, self.span.then)):
            if day.year == year and first <= day.month <= last:
                self.sums[i] = self.sums[i] + self.read(state)
                self.counts[i] += 1

    def value(self) -> Array:
        if not all(self.counts):
            return np.full(self.sums[0].shape, math.nan)
        now, then = (total / count for total, count in zip(self.sums, self.counts, strict=True))
        return now / then - 1.0 if self.span.ratio else now - then


class _Window(_Item):
    """An observation's window: a mean over the steps of whole years (or its ratio to a base)."""

    def __init__(self, read: Reader, window: Window, step_dates: list[date], n: int) -> None:
        self.read, self.window, self.dates = read, window, step_dates
        self.spans = [window.years] + ([window.base] if window.base is not None else [])
        self.sums = [np.zeros(n) for _ in self.spans]
        self.counts = [0 for _ in self.spans]

    def observe(self, done: int, state: State, events: StepEvents | None) -> None:
        year = self.dates[done].year
        for i, (first, last) in enumerate(self.spans):
            if first <= year <= last:
                self.sums[i] = self.sums[i] + self.read(state)
                self.counts[i] += 1

    def value(self) -> Array:
        if not all(self.counts):
            return np.full(self.sums[0].shape, math.nan)
        means = [total / count for total, count in zip(self.sums, self.counts, strict=True)]
        return means[0] if len(means) == 1 else means[0] / means[1] - 1.0


def _window_reader(compiled: Compiled, window: Window, weight: Array) -> Reader:
    """The per-step quantity an observation window averages."""
    if window.reader in ("trade", "remittances"):
        return _power_reader(compiled, window.reader, window.state, window.power)
    s = _index(compiled.states, window.state, "state")
    k = _index(compiled.powers, window.power, "power")
    assert s is not None
    assert k is not None
    if window.reader == "alignment":

        def alignment(state: State) -> Array:
            return alignment_of(state.reliance, weight)[:, s, k]

        return alignment
    n_powers = len(compiled.powers)

    def security_share(state: State) -> Array:
        security = state.reliance[:, SECURITY, s, :n_powers]  # options: the powers, then self
        return security[:, k] / security.sum(axis=1)

    return security_share


def _item(compiled: Compiled, quantity: Quantity, n: int, weight: Array) -> _Item:
    """What measures ``quantity``; ``weight``: security's in the alignment index, (B, S)."""
    timeline = compiled.timeline

    def step(when: int | date) -> int:
        return step_within(timeline, when)

    if quantity.summary is not None:
        return _Nothing(n)
    if quantity.events is not None:
        return _Events(_event_mask(compiled, quantity), quantity.measure, n)
    if quantity.history is not None:
        spec = quantity.history
        _, span = history_figure(
            compiled.scenario, spec.series, spec.state, spec.partner, spec.period
        )
        step_dates = [timeline.date_of(k) for k in range(timeline.n_steps + 1)]
        read = _power_reader(compiled, span.column, span.state, span.power)
        return _History(read, span, step_dates, n)
    if quantity.observation is not None:
        seen = quantity.observation
        if seen.family == "unga":  # a distance, through a link fitted on a whole run's figures
            raise InfluenceSimError(
                f"a UN-voting figure ({seen.state}/{seen.partner}/{seen.year}) is compared "
                "through a link fitted on the fitting years, so only a target file's "
                "validation block compares it (docs/validation.md)"
            )
        figure = figure_of(compiled.scenario, seen.family, seen.state, seen.partner, seen.year)
        step_dates = [timeline.date_of(k) for k in range(timeline.n_steps + 1)]
        read = _window_reader(compiled, figure.window, weight)
        return _Window(read, figure.window, step_dates, n)
    assert quantity.series is not None
    read = _series_reader(compiled, quantity, weight)
    if quantity.at is not None:
        at = step(quantity.at)
        return _Series(read, at, at, "mean", n)
    assert quantity.over is not None
    first, last = (step(w) for w in quantity.over)
    if first > last:
        raise InfluenceSimError(
            f"the span over {list(quantity.over)} ends (step {last}) before it starts "
            f"(step {first})"
        )
    return _Series(read, first, last, quantity.reduce, n)


def step_within(timeline: Timeline, when: int | date) -> int:
    """The recorded row a step or date names (row k: the state after k steps).

    Raises:
        InfluenceSimError: If it lies outside the run.
    """
    row = when if isinstance(when, int) else timeline.step_of(when)
    if not 0 <= row <= timeline.n_steps:
        raise InfluenceSimError(
            f"{when} is outside the run, which records steps 0 to {timeline.n_steps} "
            f"({timeline.start.isoformat()} to {timeline.date_of(timeline.n_steps).isoformat()})"
        )
    return row


def _unknown(names: list[str], name: str, kind: str) -> InfluenceSimError:
    """An unknown name, with the name meant if one is close, else the names there are."""
    return InfluenceSimError(
        f"unknown {kind} '{name}'; " + (suggest(name, names) or "expected " + one_of(names))
    )


def _index(names: list[str], name: str | None, kind: str) -> int | None:
    if name is None:
        return None
    if name not in names:
        raise _unknown(names, name, kind)
    return names.index(name)


def _series_reader(compiled: Compiled, quantity: Quantity, weight: Array) -> Reader:
    spec = quantity.series
    assert spec is not None
    s = _index(compiled.states, spec.state, "state")
    if spec.table == "alignment":
        k = _index(compiled.options, spec.power, "power")
        domain = spec.domain or "overall"

        def alignment(state: State) -> Array:
            if domain == "overall":
                values = alignment_of(state.reliance, weight)  # (R, S, K)
            else:
                values = state.reliance[:, SECURITY if domain == "security" else ECONOMY]
            values = values if s is None else values[:, s : s + 1]
            values = values if k is None else values[:, :, k : k + 1]
            return values.reshape(values.shape[0], -1).mean(axis=1)

        return alignment
    if spec.table == "states":
        columns = STATE_COLUMNS | (CITIZEN_COLUMNS if compiled.params.pop is not None else {})
        if spec.column not in columns:
            raise InfluenceSimError(
                f"no column '{spec.column}' in the states table; expected " + one_of(columns)
            )
        name = columns[spec.column]

        def by_state(state: State) -> Array:
            values: Array = getattr(state, name)
            return values[:, s] if s is not None else values.mean(axis=1)

        return by_state
    return _power_reader(compiled, spec.column, spec.state, spec.power)


def _power_reader(
    compiled: Compiled, column: str, state_name: str | None, power: str | None
) -> Reader:
    s = _index(compiled.states, state_name, "state")
    p = _index(compiled.powers, power, "power")
    columns = {**POWER_COLUMNS, **POWER_BY_STATE, **POWER_ONLY}
    if column not in columns:
        raise InfluenceSimError(
            f"no column '{column}' in the powers table; expected " + one_of(columns)
        )
    name = columns[column]

    def read(state: State) -> Array:
        values: Array = getattr(state, name)
        if column in POWER_ONLY:
            values = values[:, :, None]  # the same in every state
        elif column in POWER_BY_STATE:
            values = values.transpose(0, 2, 1)
        values = values if p is None else values[:, p : p + 1]
        if s is not None and column not in POWER_ONLY:
            values = values[:, :, s : s + 1]
        return values.reshape(values.shape[0], -1).mean(axis=1)

    return read


Mask = Callable[[StepEvents], NDArray[np.bool_]]


def _among(names: list[str], name: str | None, kind: str) -> NDArray[np.bool_]:
    """Which of ``names`` an event's actor or target filter keeps (all for none).

    A name that is not among them is refused: it would match nothing, and "at most"
    and "share" targets would then hold by default.
    """
    if name is not None and name not in names:
        raise _unknown(names, name, kind)
    return np.array([name is None or n == name for n in names], dtype=bool)


def _rows(mask: NDArray[np.bool_], axes: tuple[int, ...]) -> NDArray[np.bool_]:
    """Whether each replication (axis 0) has any entry set."""
    return np.asarray(mask.any(axis=axes), dtype=bool)


def _request_mask(compiled: Compiled, actor: str | None, target: str | None, kind: str) -> Mask:
    asker = _among(compiled.states, actor, "state (a request's actor)")
    to = [*compiled.alliances, *compiled.powers]
    allowed = _among(to, target, "alliance or power (a request's target)")
    a_n = len(compiled.alliances)

    def requested(events: StepEvents) -> NDArray[np.bool_]:
        code = events.asked  # (R, S): alliance, -(power + 2), or -1
        column = np.clip(np.where(code >= 0, code, a_n + (-code - 2)), 0, len(to) - 1)
        return _rows((code != -1) & allowed[column] & asker[None, :], (1,))

    return requested


def _answer_mask(compiled: Compiled, actor: str | None, target: str | None, kind: str) -> Mask:
    deciders = _among(compiled.powers, actor, f"power (the actor of '{kind}')")
    asked = _among(compiled.states, target, f"state (the target of '{kind}')")
    p_n = len(compiled.powers)

    def answered(events: StepEvents) -> NDArray[np.bool_]:
        mask = events.accepted if kind == "accept" else events.declined
        who = deciders[np.clip(events.requested, 0, p_n - 1)]
        return _rows(mask & who & asked[None, :], (1,))

    return answered


def _pair_mask(compiled: Compiled, actor: str | None, target: str | None, kind: str) -> Mask:
    by = _among(compiled.powers, actor, f"power (the actor of '{kind}')")
    at = _among(compiled.states, target, f"state (the target of '{kind}')")
    field = {"arrival": "arrived", "order_restored": "restored", "withdrawal": "withdrawn"}[kind]

    def pair(events: StepEvents) -> NDArray[np.bool_]:
        mask: NDArray[np.bool_] = getattr(events, field)
        return _rows(mask & by[None, :, None] & at[None, None, :], (1, 2))

    return pair


def _membership_mask(compiled: Compiled, actor: str | None, target: str | None, kind: str) -> Mask:
    who = _among(compiled.states, actor, f"state (the actor of '{kind}')")
    of = _among(compiled.alliances, target, f"alliance (the target of '{kind}')")
    field = "frozen" if kind == "freeze" else "exited"

    def membership(events: StepEvents) -> NDArray[np.bool_]:
        mask: NDArray[np.bool_] = getattr(events, field)
        return _rows(mask & of[None, :, None] & who[None, None, :], (1, 2))

    return membership


def _alarm_mask(compiled: Compiled, actor: str | None, target: str | None, kind: str) -> Mask:
    by = _among(compiled.powers, actor, "power (the actor of 'reassessment')")
    if target is not None:
        raise InfluenceSimError("a 'reassessment' event has no target (a power raises its posture)")
    return lambda events: _rows(events.alarmed & by[None, :], (1,))


def _shock_mask(compiled: Compiled, actor: str | None, target: str | None, kind: str) -> Mask:
    shocks = compiled.scenario.shocks
    kinds = sorted({f"shock:{s.type}" for s in shocks})
    if kind not in kinds:
        raise _unknown(kinds, kind, "event kind (no such shock in the scenario)")
    parties = [shock_parties(s) for s in shocks if f"shock:{s.type}" == kind]
    for name, side, which in ((actor, 0, "actor"), (target, 1, "target")):
        if name is not None:
            _among(sorted({p[side] for p in parties}), name, f"{which} of '{kind}'")

    def scheduled(events: StepEvents) -> NDArray[np.bool_]:
        hit = False
        for index in events.shocks.applied:
            who, what = shock_parties(shocks[index])
            same = f"shock:{shocks[index].type}" == kind
            hit |= same and actor in (None, who) and target in (None, what)
        return np.full(events.accepted.shape[0], hit, dtype=bool)

    return scheduled


MASKS = {
    "request": _request_mask,
    "accept": _answer_mask,
    "decline": _answer_mask,
    "arrival": _pair_mask,
    "order_restored": _pair_mask,
    "withdrawal": _pair_mask,
    "freeze": _membership_mask,
    "exit": _membership_mask,
    "reassessment": _alarm_mask,
}
"""How each event kind of the events table is read from a step's events."""


def _event_mask(compiled: Compiled, quantity: Quantity) -> Mask:
    spec = quantity.events
    assert spec is not None
    build = _shock_mask if spec.kind.startswith("shock:") else MASKS.get(spec.kind)
    if build is None:
        raise _unknown([*MASKS, "shock:<type>"], spec.kind, "event kind")
    return build(compiled, spec.actor, spec.target, spec.kind)


def check_quantities(compiled: Compiled, quantities: list[Quantity], where: str) -> None:
    """Refuse quantities that name what a run of ``compiled`` does not have, before it runs.

    An unknown state, power, alliance, event kind or column, or a step outside the run,
    is an error naming ``where`` (a target): a misspelt name would otherwise match
    nothing, and a target that only bounds a count or a share would hold by default.

    Raises:
        InfluenceSimError: For the first such name.
    """
    for quantity in quantities:
        if quantity.summary is not None:
            continue
        try:
            _item(compiled, quantity, 1, compiled.params.alignment_weight)
        except InfluenceSimError as exc:
            raise InfluenceSimError(f"{where}: {exc}") from None
