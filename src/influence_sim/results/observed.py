"""The observed economic series shipped with the package, and a run measured against them.

``observed("trade")`` reads ``data/observed/trade.csv`` (see ``docs/economy-data.md``);
:func:`compare_history` sets a run of a history scenario beside the observed changes:
each observed figure for a later period against the scenario's starting year, the model's
change over the same span (the median over replications of yearly means).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

from influence_sim.errors import InfluenceSimError, one_of
from influence_sim.format.scenario import Scenario
from influence_sim.results.runs import RunResult

SERIES = ("arms", "remittances", "requests", "requests-stakes", "trade", "unga")


def observed(series: str) -> pd.DataFrame:
    """One observed series: ``arms``, ``remittances``, ``trade`` or ``unga``.

    Raises:
        InfluenceSimError: For another name.
    """
    if series not in SERIES:
        raise InfluenceSimError(f"no observed series '{series}'; expected one of {SERIES}")
    with resources.as_file(
        resources.files("influence_sim").joinpath(f"data/observed/{series}.csv")
    ) as path:
        return pd.read_csv(path, dtype={"period": str})


def _year_of(period: str) -> int:
    return int(period[:4])


def _months(period: str) -> tuple[int, int]:
    """The months a period covers: ``2022`` is 1-12, ``2022-01/2022-11`` is 1-11."""
    if "/" not in period:
        return 1, 12
    first, last = period.split("/")
    return int(first[5:7]), int(last[5:7])


def _model_means(result: RunResult, column: str, state: str, power: str) -> pd.Series:
    """A ``powers`` column for one state and power, keyed by replication, year and month."""
    frame = result.tables["powers"]
    rows = frame[(frame["state"] == state) & (frame["power"] == power)]
    dates = pd.DatetimeIndex(rows["date"])
    keyed = pd.DataFrame(
        {
            "replication": rows["replication"].to_numpy(),
            "year": dates.year,
            "month": dates.month,
            "value": rows[column].to_numpy(),
        }
    )
    return keyed.set_index(["replication", "year", "month"])["value"]


def _covers(scenario: Scenario, year: int, months: tuple[int, int]) -> bool:
    """Whether the scenario's calendar spans the period, to within a step at either end.

    A figure for months the run only partly covers is skipped.
    """
    from datetime import date, timedelta

    timeline = scenario.timeline
    step = timedelta(days=timeline.step_days)
    first, last = timeline.start, timeline.date_of(timeline.n_steps)
    return first - step <= date(year, months[0], 1) and date(year, months[1], 28) <= last + step


Months = tuple[int, tuple[int, int]]
"""A year and its first and last month."""


@dataclass(frozen=True)
class Span:
    """What the model compares with an observed figure: one ``powers`` column, two spans.

    The change is the mean over ``now`` less the mean over ``then`` (``ratio``: divided,
    less 1), each the mean of the months' means.
    """

    column: str
    state: str
    power: str
    now: Months
    then: Months
    ratio: bool


def history_figures(scenario: Scenario) -> list[tuple[dict[str, object], Span]]:
    """Each observed figure a run of ``scenario`` covers, and how the model's is computed.

    Trade shares: the observed share in a later period against the scenario's starting
    share (the 2021 figure its file cites), and the model's share over the same months
    against its first year. Remittances: the observed ratio of a period to the same
    months a year earlier, and the model's (remittances from Russia; where the figure
    counts all sources, about four fifths come from Russia, see ``note``).
    """
    start_year = scenario.calendar.start.year
    rows: list[tuple[dict[str, object], Span]] = []
    trade = observed("trade")
    # The changes since the scenario's base are of national figures, as its base's are;
    # the IMF's yearly levels are the validation protocol's (results.observation).
    trade = trade[
        (trade["unit"] == "share of foreign trade turnover")
        & (trade["publisher"] != "International Monetary Fund")
    ]
    for item in trade.to_dict("records"):
        state, partner, period = str(item["state"]), str(item["partner"]), str(item["period"])
        now = (_year_of(period), _months(period))
        if now[0] <= start_year or not _covers(scenario, *now):
            continue  # a change needs a later period than the base
        given = scenario.reference.powers[partner].trade.get(state, 0.0)
        row = {
            "quantity": "trade share",
            "state": state,
            "partner": partner,
            "since": str(start_year),
            "period": period,
            "observed": float(item["value"]) - given,
            "publisher": str(item["publisher"]),
        }
        rows.append((row, Span("trade", state, partner, now, (start_year, (1, 12)), False)))
    remit = observed("remittances")
    remit = remit[remit["unit"] == "USD billion"]
    for key, group in remit.groupby(["state", "partner", "publisher"]):
        state, partner, publisher = (str(part) for part in key)
        by_period = {str(k): float(v) for k, v in zip(group["period"], group["value"], strict=True)}
        for period, value in by_period.items():
            year, months = _year_of(period), _months(period)
            earlier = period.replace(str(year), str(year - 1))
            if earlier not in by_period or not (
                _covers(scenario, year - 1, months) and _covers(scenario, year, months)
            ):
                continue
            row = {
                "quantity": "remittances (ratio - 1)",
                "state": state,
                "partner": partner,
                "since": earlier,
                "period": period,
                "observed": value / by_period[earlier] - 1.0,
                "publisher": publisher,
            }
            span = Span("remittances", state, "russia", (year, months), (year - 1, months), True)
            rows.append((row, span))
    return rows


def _span_mean(values: pd.Series, year: int, months: tuple[int, int]) -> pd.Series:
    """Each replication's mean over the months of a year (NaN where none are recorded)."""
    years = values.index.get_level_values("year")
    month = values.index.get_level_values("month")
    chosen = values[(years == year) & (month >= months[0]) & (month <= months[1])]
    replications = values.index.get_level_values("replication").unique()
    return chosen.groupby(level="replication").mean().reindex(replications)


def compare_history(result: RunResult) -> pd.DataFrame:
    """The run's changes beside the observed ones, one row per comparable figure.

    The model's change is the median over replications of each replication's change
    (:func:`history_changes` gives them all).

    Raises:
        InfluenceSimError: If the run covers none of the observed periods.
    """
    rows = [{**row, "model": float(changes.median())} for row, changes in history_changes(result)]
    table = pd.DataFrame(rows)
    table = table[np.isfinite(table["model"])].reset_index(drop=True) if rows else table
    if table.empty:
        raise InfluenceSimError(
            f"the run of {result.scenario.name} covers none of the observed periods"
        )
    table["sign_right"] = np.sign(table["model"]) == np.sign(table["observed"])
    ratio = table["model"] / table["observed"]
    table["within_factor_2"] = (ratio >= 0.5) & (ratio <= 2.0)
    return table


def history_changes(result: RunResult) -> list[tuple[dict[str, object], pd.Series]]:
    """Each observed figure the run covers, with every replication's comparable change.

    The figures are :func:`history_figures`; a change is NaN where a span has no step.
    """
    return [(row, span_changes(result, span)) for row, span in history_figures(result.scenario)]


def span_changes(result: RunResult, span: Span) -> pd.Series:
    """Every replication's change over a figure's spans (NaN where a span has no step)."""
    means = _model_means(result, span.column, span.state, span.power)
    now, then = _span_mean(means, *span.now), _span_mean(means, *span.then)
    return now / then - 1.0 if span.ratio else now - then


def history_figure(
    scenario: Scenario, series: str, state: str, partner: str, period: str
) -> tuple[dict[str, object], Span]:
    """The observed figure of ``series`` a run of ``scenario`` covers, and its spans.

    Raises:
        InfluenceSimError: If there is none; naming the figures there are.
    """
    found = []
    for row, span in history_figures(scenario):
        if span.column == series:
            key = (row["state"], row["partner"], row["period"])
            if key == (state, partner, period):
                return row, span
            found.append("/".join(map(str, key)))
    raise InfluenceSimError(
        f"a run of {scenario.name} has no {series} figure for {state}/{partner}/{period}; "
        "it has " + (one_of(sorted(found)) if found else "none")
    )
