"""The scheduled shocks of a run as figures show them: each on its own date, in a key.

A shock is applied in the step its date falls in, and the events table stamps it with
that step's first day; a reader wants its own (Tokayev's request on 5 January 2022, not
the 3rd). Also the requests, arrivals and withdrawals a scenario scripted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from influence_sim.results.runs import RunResult


def first_replication(result: RunResult) -> pd.DataFrame:
    """The events of the run's first replication (shocks are the same in every one)."""
    events = result.tables["events"]
    return events[events["replication"] == events["replication"].min()] if len(events) else events


def scheduled_shocks(result: RunResult) -> pd.DataFrame:
    """The scenario's shocks as they happened, one row each (``date``, ``detail``), by date.

    A shock that touches several states is one event per state in the events table;
    here it is one row. Its ``date`` is the shock's own (Tokayev's request on 5 January
    2022), not the first day of the step it falls in, which the events table gives.
    """
    first = first_replication(result)
    shocks = first[first["kind"].astype(str).str.startswith("shock:")]
    shocks = shocks.drop_duplicates(["date", "kind", "detail"]).copy()
    own = _own_dates(result)
    keys = zip(shocks["step"], shocks["kind"].astype(str), shocks["detail"], strict=True)
    shocks["date"] = [own.get(key, date) for key, date in zip(keys, shocks["date"], strict=True)]
    shocks = shocks.sort_values("date", kind="stable")
    shocks["number"] = range(1, len(shocks) + 1)  # the same in every figure of the run
    return shocks


def scripted_days(result: RunResult) -> dict[tuple[int, str, str, str], pd.Timestamp]:
    """The own dates of what a run did as its script said, by (step, kind, actor, target).

    A scripted request (and troops arriving in its step: "within hours") and a scripted
    withdrawal are drawn on their day, as the numbered shocks are, not on the first day
    of their step.
    """
    from datetime import date

    from influence_sim.format.shocks import SecurityRequestShock, WithdrawalShock

    scenario, timeline = result.scenario, result.scenario.timeline
    out: dict[tuple[int, str, str, str], pd.Timestamp] = {}
    for shock in scenario.shocks:
        if not isinstance(shock.at, date):
            continue
        step, day = timeline.step_of(shock.at), pd.Timestamp(shock.at)
        if isinstance(shock, SecurityRequestShock):
            lead = scenario.alliances[shock.to].lead if shock.to in scenario.alliances else shock.to
            out[(step, "request", shock.state, shock.to)] = day
            out[(step, "arrival", lead, shock.state)] = day
        elif isinstance(shock, WithdrawalShock):
            by = scenario.alliances[shock.by].lead if shock.by in scenario.alliances else shock.by
            out[(step, "withdrawal", by, shock.state)] = day
    return out


def own_dates(result: RunResult, events: pd.DataFrame) -> list[pd.Timestamp | None]:
    """Each event's own date (rows of an events table), or None where it has only a step.

    A scheduled shock's date, and a scripted request's, arrival's or withdrawal's day;
    what the run decided has only its step (the table's ``date``, the step's first day).
    """
    shocks, scripted = _own_dates(result), scripted_days(result)
    out: list[pd.Timestamp | None] = []
    for step, kind, actor, target, detail in zip(
        events["step"].astype(int),
        events["kind"].astype(str),
        events["actor"].astype(str),
        events["target"].astype(str),
        events["detail"].astype(str),
        strict=True,
    ):
        if kind.startswith("shock:"):
            out.append(shocks.get((step, kind, detail)))
        else:
            out.append(scripted.get((step, kind, actor, target)))
    return out


def _own_dates(result: RunResult) -> dict[tuple[int, str, str], pd.Timestamp]:
    """Each scheduled shock's own date, by (step, kind, detail) as the events table has it."""
    from datetime import date

    timeline = result.scenario.timeline
    out: dict[tuple[int, str, str], pd.Timestamp] = {}
    for shock in result.scenario.shocks:
        step = timeline.step_of(shock.at)
        detail = shock.words
        when = shock.at if isinstance(shock.at, date) else timeline.date_of(shock.at)
        out.setdefault((step, f"shock:{shock.type}", detail), pd.Timestamp(when))
    return out


def shock_key(shocks: pd.DataFrame) -> str:
    """The key of the numbered shocks: ``(1) 2 Jan 2022: label`` each."""
    return "   ".join(
        f"({number}) {day_month_year(date)}: {detail}"
        for number, date, detail in zip(
            shocks["number"], shocks["date"], shocks["detail"], strict=True
        )
    )


def shocks_within(shocks: pd.DataFrame, low: Any, high: Any) -> pd.DataFrame:
    """The shocks from ``low`` to ``high`` (dates, or matplotlib's days), numbers kept."""
    from matplotlib.dates import date2num

    days = date2num(pd.to_datetime(shocks["date"]))
    first, last = (float(date2num(pd.Timestamp(x))) if not isinstance(x, float) else x
                   for x in (low, high))  # fmt: skip
    return shocks[(days >= first) & (days <= last)]


def day_month_year(date: Any) -> str:
    """A date as a reader writes it: ``5 Jan 2022``."""
    stamp = pd.Timestamp(date)
    return f"{stamp.day} {stamp:%b %Y}"
