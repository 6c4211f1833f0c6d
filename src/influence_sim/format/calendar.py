"""Durations such as ``2 weeks`` and the mapping between dates and steps.

A scenario's calendar has a start date, a fixed step length (a whole number of
days or weeks) and a horizon. Step ``k`` covers the days
``[start + k * step, start + (k + 1) * step)``, so a date falls in exactly one
step. Durations given in months or years are counted on the calendar from the
date they start at (``3 years`` from 2021-12-27 ends on 2024-12-27).

Rounding, stated once: a *duration* (how long an uprising lasts) covers every
step it touches, so it is rounded up and is at least one step; a *delay* (how
long troops take to arrive) is rounded down, so troops that arrive within hours
arrive in the step they were requested in.
"""

from __future__ import annotations

import calendar as _cal
import math
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, PlainSerializer, WithJsonSchema

Unit = Literal["step", "hour", "day", "week", "month", "year"]

_UNITS: dict[str, Unit] = {
    "step": "step",
    "steps": "step",
    "hour": "hour",
    "hours": "hour",
    "h": "hour",
    "day": "day",
    "days": "day",
    "d": "day",
    "week": "week",
    "weeks": "week",
    "w": "week",
    "month": "month",
    "months": "month",
    "year": "year",
    "years": "year",
    "y": "year",
}
_PATTERN = re.compile(r"^\s*(\d{1,6})\s*([a-z]+)\s*$")
DURATION_REGEX = r"^\s*\d{1,6}\s*(steps?|hours?|h|days?|d|weeks?|w|months?|years?|y)\s*$"


@dataclass(frozen=True, order=True)
class Duration:
    """A positive length of time: ``amount`` of ``unit``.

    Attributes:
        amount: How many units (a whole number, at least 1; 0 only for delays).
        unit: ``step``, ``hour``, ``day``, ``week``, ``month`` or ``year``.
    """

    amount: int
    unit: Unit

    @classmethod
    def parse(cls, value: object) -> Duration:
        """Read ``"2 weeks"``, ``"36 hours"``, ``"3 years"`` or an integer count of steps.

        Raises:
            ValueError: If the text is not a whole number followed by a unit.
        """
        if isinstance(value, Duration):
            return value
        if isinstance(value, bool):
            raise ValueError(f"expected a duration such as '2 weeks', found {value!r}")
        if isinstance(value, int):
            if value < 0:
                raise ValueError(f"a duration cannot be negative, found {value}")
            return cls(value, "step")
        if isinstance(value, str):
            match = _PATTERN.match(value.lower())
            if match and match.group(2) in _UNITS:
                return cls(int(match.group(1)), _UNITS[match.group(2)])
        raise ValueError(
            f"expected a duration such as '2 weeks', '36 hours', '3 years' or a whole number "
            f"of steps, found {value!r}"
        )

    def __str__(self) -> str:
        return f"{self.amount} {self.unit}{'' if self.amount == 1 else 's'}"

    def end_from(self, start: date, step_days: int) -> date:
        """The date this duration ends at when it starts at ``start``."""
        if self.unit == "step":
            return start + timedelta(days=self.amount * step_days)
        if self.unit == "hour":
            return start + timedelta(hours=self.amount)
        if self.unit == "day":
            return start + timedelta(days=self.amount)
        if self.unit == "week":
            return start + timedelta(weeks=self.amount)
        months = self.amount * (12 if self.unit == "year" else 1)
        return add_months(start, months)

    def days_from(self, start: date, step_days: int) -> float:
        """The length of this duration in days, counted from ``start``."""
        if self.unit == "hour":
            return self.amount / 24
        return float((self.end_from(start, step_days) - start).days)


def add_months(start: date, months: int) -> date:
    """``start`` moved by whole months, clamped to the month's last day (Jan 31 + 1 month)."""
    total = start.month - 1 + months
    year, month = start.year + total // 12, total % 12 + 1
    day = min(start.day, _cal.monthrange(year, month)[1])
    return date(year, month, day)


def _parse_duration(value: object) -> Duration:
    return Duration.parse(value)


DurationField = Annotated[
    Duration,
    BeforeValidator(_parse_duration),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": DURATION_REGEX},
                {"type": "integer", "minimum": 0},
            ],
            "description": "A duration such as '2 weeks', '36 hours', '3 years', "
            "or a whole number of steps.",
        }
    ),
]


def _positive(duration: Duration) -> Duration:
    if duration.amount < 1:
        raise ValueError(f"expected a duration of at least one unit, found '{duration}'")
    return duration


PositiveDurationField = Annotated[DurationField, AfterValidator(_positive)]


def long_date(day: date) -> str:
    """A date as a reader writes it: ``5 January 2022``."""
    return f"{day.day} {day:%B %Y}"


@dataclass(frozen=True)
class Timeline:
    """The resolved calendar: start, step length in days and number of steps."""

    start: date
    step_days: int
    n_steps: int

    @property
    def end(self) -> date:
        """The first day after the last step."""
        return self.start + timedelta(days=self.step_days * self.n_steps)

    @property
    def step_word(self) -> str:
        """What a step is called in words: ``week``, ``day``, or ``step of N days``."""
        return {7: "week", 1: "day"}.get(self.step_days, f"step of {self.step_days} days")

    @property
    def steps_word(self) -> str:
        """Steps in words, plural: ``weeks``, ``days``, or ``steps of N days``."""
        return {7: "weeks", 1: "days"}.get(self.step_days, f"steps of {self.step_days} days")

    def period_of(self, step: int) -> str:
        """A step in words: ``the week of 3 January 2022``, ``5 January 2022`` for a day."""
        text = long_date(self.date_of(step))
        return text if self.step_days == 1 else f"the {self.step_word} of {text}"

    def step_of(self, when: date | int) -> int:
        """The step a date falls in (may be outside ``[0, n_steps)``); steps pass through."""
        if isinstance(when, int):
            return when
        return math.floor((when - self.start).days / self.step_days)

    def date_of(self, step: int) -> date:
        """The first day of a step."""
        return self.start + timedelta(days=self.step_days * step)

    def duration_steps(self, duration: Duration, start: date | int = 0) -> int:
        """How many steps a duration covers: rounded up, at least one."""
        if duration.unit == "step":
            return max(1, duration.amount)
        begin = self.date_of(start) if isinstance(start, int) else start
        return max(1, math.ceil(duration.days_from(begin, self.step_days) / self.step_days - 1e-9))

    def delay_steps(self, delay: Duration) -> int:
        """How many whole steps a delay lasts: rounded down, may be zero."""
        if delay.unit == "step":
            return delay.amount
        return math.floor(delay.days_from(self.start, self.step_days) / self.step_days + 1e-9)

    def describe(self, when: date | int) -> str:
        """A date or step as people read it in messages: ``2022-01-05 (step 1)``."""
        if isinstance(when, int):
            try:
                return f"step {when} ({self.date_of(when).isoformat()})"
            except OverflowError:
                return f"step {when}"
        return f"{when.isoformat()} (step {self.step_of(when)})"
