"""The observation model: what each observed series measures of the model's state.

Four families of observed figures (``docs/ODD.md``, Observation model), each a function of
a run's recorded state over a calendar window:

- ``trade``: a power's share of a state's goods trade in a year (the IMF's Direction of
  Trade Statistics as reported by the state, one basis every year) is the model's trade
  share with that power, the mean over the year's steps.
- ``arms``: a power's share of a state's arms deliveries from the model's powers over
  three years (SIPRI trend-indicator values; deliveries are lumpy, so three years are
  summed) is the state's security reliance on the power over its reliance on all the
  powers, the mean over the same three years.
- ``unga``: a state's ideal-point distance from a power in the UN General Assembly
  (Bailey, Strezhnev and Voeten) is ``a + b x`` of the state's overall alignment with
  the power ``x`` (the year's mean); the agenda sets the level of voting, so the
  intercept and slope are fitted on the fitting years, per power, the slope at most 0
  (:func:`fit_link`).
- ``remittances``: the transfers a state receives in a year against the run's first
  year (ratio - 1) are the model's remittances from Russia, the same ratio.

:func:`figures` lists the figures a run of a scenario covers, each with its observed
value; :class:`Recorded` gives every replication's model value from a run's tables
(:mod:`influence_sim.results.watch` gives the same while a batch runs). The null
forecasts (:func:`persistence`, :func:`trend`) and the tolerance rule
(:func:`tolerance`) are computed from the observed series alone, before any run.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import date
from typing import Literal, get_args

import numpy as np
import pandas as pd

from influence_sim.errors import InfluenceSimError, one_of
from influence_sim.format.scenario import Scenario
from influence_sim.format.targets import Family
from influence_sim.results.observed import observed
from influence_sim.results.runs import RunResult

FAMILIES: tuple[str, ...] = get_args(Family)
"""The observed families, in the order the tables list them (the format's ``Family``)."""
TRADE_UNIT = "share of foreign trade turnover"
ARMS_UNIT = "TIV million delivered in year"
UNGA_UNIT = "ideal-point distance"
REMITTANCES_UNIT = "USD billion"
PRIMARY_TRADE = "International Monetary Fund"
"""The trade family's publisher: the IMF's Direction of Trade Statistics (one basis)."""
ARMS_YEARS = 3
"""An arms figure sums the deliveries of this many years, ending in its year."""
PUBLISHED_SHARE = 0.0005
"""Every family's observation sd: what publishing a share to a tenth of a percent rounds
away (the distances and ratios are published finer; one floor keeps the rule one)."""

Reader = Literal["trade", "remittances", "security_share", "alignment"]


@dataclass(frozen=True)
class Window:
    """What the model gives for a figure: a recorded quantity's mean over whole years.

    ``reader`` names the quantity of ``state`` and ``power``: the trade share, the
    remittances, the security reliance on the power over that on all powers, or the
    overall alignment. The value is the mean over the steps dated in ``years`` (both
    ends in); with ``base``, that mean over the mean in the ``base`` years, less 1.
    """

    reader: Reader
    state: str
    power: str
    years: tuple[int, int]
    base: tuple[int, int] | None = None


@dataclass(frozen=True)
class Figure:
    """One observed figure of a family, and the window of a run that measures it."""

    family: str
    state: str
    partner: str
    year: int
    observed: float
    unit: str
    publisher: str
    table: str
    window: Window

    @property
    def name(self) -> str:
        """The target name: ``trade-kazakhstan-china-2019``."""
        return f"{self.family}-{self.state}-{self.partner}-{self.year}"


def family_series(family: str, base_year: int | None = None) -> pd.DataFrame:
    """A family's observed series: one value per state, partner and year.

    Columns ``state, partner, year, value, unit, publisher, table``. Remittances are
    the ratio to ``base_year`` less 1 (rows only where both years are published by the
    same publisher); arms are three-year shares; trade shares the IMF's.

    Raises:
        InfluenceSimError: For an unknown family, or remittances without ``base_year``.
    """
    return _series(family, base_year).copy()


@functools.lru_cache(maxsize=64)
def _series(family: str, base_year: int | None) -> pd.DataFrame:
    """:func:`family_series`, built once per family and base year.

    The shipped files do not change in a process, and a check asks for the same series
    once per figure (171 times for ``history-2015-2021``).
    """
    if family == "trade":
        return _trade_series()
    if family == "arms":
        return _arms_series()
    if family == "unga":
        frame = observed("unga")
        frame = frame[frame["unit"] == UNGA_UNIT]
        return _yearly(frame)
    if family == "remittances":
        if base_year is None:
            raise InfluenceSimError("remittances are measured against a base year; give one")
        return _remittance_series(base_year)
    raise InfluenceSimError(f"no observed family '{family}'; expected {one_of(list(FAMILIES))}")


def _yearly(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of whole years only (period ``2019``), with an integer ``year``."""
    whole = frame[frame["period"].str.fullmatch(r"\d{4}")].copy()
    whole["year"] = whole["period"].astype(int)
    whole["value"] = whole["value"].astype(float)
    columns = ["state", "partner", "year", "value", "unit", "publisher", "table"]
    return whole[columns].reset_index(drop=True)


def _trade_series() -> pd.DataFrame:
    """The IMF's shares alone: one basis (goods, as reported by the state) every year.

    The national figures beside them count services (Uzbekistan) or are rounded
    statements (Kyrgyzstan 2017, Tajikistan 2021); mixed in, a change of source would
    read as a change of trade.
    """
    frame = _yearly(observed("trade"))
    frame = frame[(frame["unit"] == TRADE_UNIT) & (frame["publisher"] == PRIMARY_TRADE)]
    return frame.sort_values(["state", "partner", "year"]).reset_index(drop=True)


def _arms_series() -> pd.DataFrame:
    frame = _yearly(observed("arms"))
    frame = frame[frame["unit"] == ARMS_UNIT]
    tiv = frame.pivot_table(index=["state", "year"], columns="partner", values="value")
    rows = []
    for state, year in tiv.index.to_list():
        span = [(state, y) for y in range(int(year) - ARMS_YEARS + 1, int(year) + 1)]
        if not all(key in tiv.index for key in span):
            continue  # a window must be published whole
        window = tiv.loc[span].fillna(0.0)
        both = float(window["russia"].sum() + window["china"].sum())
        if both <= 0:
            continue  # neither power delivered: no share to measure
        # Russia's share of the two powers' deliveries; China's is the rest, not a figure.
        rows.append(
            {
                "state": state,
                "partner": "russia",
                "year": int(year),
                "value": float(window["russia"].sum()) / both,
                "unit": "share of arms deliveries from Russia and China, three years",
                "publisher": "Stockholm International Peace Research Institute",
                "table": "SIPRI Arms Transfers Database, trade register",
            }
        )
    columns = ["state", "partner", "year", "value", "unit", "publisher", "table"]
    return pd.DataFrame(rows, columns=columns)


def _remittance_series(base_year: int) -> pd.DataFrame:
    frame = _yearly(observed("remittances"))
    frame = frame[frame["unit"] == REMITTANCES_UNIT]
    parts = []
    for _, group in frame.groupby(["state", "publisher"], sort=True):
        base = group[group["year"] == base_year]
        if len(base) != 1 or group["partner"].nunique() != 1:
            continue  # a ratio needs the base year, of one series
        parts.append(group.assign(value=group["value"] / float(base["value"].iloc[0]) - 1.0))
    if not parts:
        return frame.iloc[0:0]
    out = pd.concat(parts, ignore_index=True)
    # One publisher per state: the longest series with the base year (then alphabetical).
    years = out.groupby(["state", "publisher"])["year"].transform("size")
    out = out.assign(years=-years).sort_values(["state", "years", "publisher"], kind="stable")
    chosen = out.groupby("state")["publisher"].transform("first")
    out = out[out["publisher"] == chosen].drop(columns="years").sort_values(["state", "year"])
    return out.reset_index(drop=True)


def _window(family: str, state: str, partner: str, year: int, base_year: int) -> Window:
    if family == "trade":
        return Window("trade", state, partner, (year, year))
    if family == "arms":
        return Window("security_share", state, partner, (year - ARMS_YEARS + 1, year))
    if family == "unga":
        return Window("alignment", state, partner, (year, year))
    # Remittances from all sources move with those from Russia (about four fifths).
    return Window("remittances", state, "russia", (year, year), (base_year, base_year))


def figures(
    scenario: Scenario, families: tuple[str, ...] = FAMILIES, years: tuple[int, int] | None = None
) -> list[Figure]:
    """The observed figures a run of ``scenario`` measures, family by family.

    A figure is measured when the run records every step of its year (remittances:
    and of the run's first year, their base; arms: at least its last year).

    Args:
        scenario: The scenario run.
        families: The families wanted.
        years: Only the figures of these years (both ends in).
    """
    first, last = whole_years(scenario)
    out = []
    for family in families:
        series = family_series(family, first)
        for row in series.to_dict("records"):
            year = int(row["year"])
            if not first <= year <= last or (years and not years[0] <= year <= years[1]):
                continue
            if family == "remittances" and year == first:
                continue  # the base itself
            state, partner = str(row["state"]), str(row["partner"])
            window = _window(family, state, partner, year, first)
            figure = Figure(
                family=family,
                state=state,
                partner=partner,
                year=year,
                observed=float(row["value"]),
                unit=str(row["unit"]),
                publisher=str(row["publisher"]),
                table=str(row["table"]),
                window=window,
            )
            out.append(figure)
    return out


def whole_years(scenario: Scenario) -> tuple[int, int]:
    """The first and last calendar years a run of ``scenario`` records whole."""
    timeline = scenario.timeline
    start, end = timeline.start, timeline.date_of(timeline.n_steps)
    step = timeline.step_days
    first = start.year if (start - date(start.year, 1, 1)).days < step else start.year + 1
    last = end.year if (date(end.year, 12, 31) - end).days < step else end.year - 1
    return first, last


def figure_of(scenario: Scenario, family: str, state: str, partner: str, year: int) -> Figure:
    """The figure a run of ``scenario`` measures for one family, state, partner and year.

    Raises:
        InfluenceSimError: If there is none; naming those there are.
    """
    found = figures(scenario, (family,))
    for figure in found:
        if (figure.state, figure.partner, figure.year) == (state, partner, year):
            return figure
    names = sorted(f"{f.state}/{f.partner}/{f.year}" for f in found)
    raise InfluenceSimError(
        f"a run of {scenario.name} measures no {family} figure for {state}/{partner}/{year}"
        + (f"; it measures {one_of(names)}" if names else "; it measures none of that family")
    )


class Recorded:
    """A run's recorded quantities, each read from its tables once, for many windows."""

    def __init__(self, result: RunResult) -> None:
        self.result = result
        self.replications = pd.RangeIndex(result.replications, name="replication")
        self._years: dict[tuple[str, str, str], tuple[pd.Series, np.ndarray]] = {}

    def values(self, window: Window) -> pd.Series:
        """Every replication's value of a window (NaN where it has none)."""
        key = (window.reader, window.state, window.power)
        if key not in self._years:
            recorded = _recorded(self.result, window)
            years = pd.DatetimeIndex(recorded.index.get_level_values("date")).year.to_numpy()
            self._years[key] = (recorded, years)
        recorded, years = self._years[key]

        def mean_over(span: tuple[int, int]) -> pd.Series:
            chosen = recorded[(years >= span[0]) & (years <= span[1])]
            return chosen.groupby(level="replication").mean().reindex(self.replications)

        now = mean_over(window.years)
        return now if window.base is None else now / mean_over(window.base) - 1.0


def _recorded(result: RunResult, window: Window) -> pd.Series:
    """The window's quantity at every recorded step, keyed by replication and date."""
    if window.reader in ("trade", "remittances"):
        frame = result.tables["powers"]
        rows = frame[(frame["state"] == window.state) & (frame["power"] == window.power)]
        return rows.set_index(["replication", "date"])[window.reader].astype(float)
    frame = result.tables["alignment"]
    rows = frame[frame["state"] == window.state]
    if window.reader == "alignment":
        rows = rows[(rows["domain"] == "overall") & (rows["power"] == window.power)]
        return rows.set_index(["replication", "date"])["value"].astype(float)
    security = rows[rows["domain"] == "security"]
    powers = list(result.scenario.powers)
    by_power = security[security["power"].isin(powers)]
    total = by_power.groupby(["replication", "date"], observed=True)["value"].sum()
    own = by_power[by_power["power"] == window.power].set_index(["replication", "date"])
    return (own["value"] / total).astype(float)


@dataclass(frozen=True)
class Link:
    """The UN-voting link: ideal-point distance = ``intercept + slope`` x alignment."""

    intercept: float
    slope: float
    fitted_slope: float
    """The least-squares slope before its sign was imposed (NaN: no spread to fit)."""

    def __call__(self, alignment: pd.Series) -> pd.Series:
        """The distance the link gives for each alignment."""
        return self.intercept + self.slope * alignment


def fit_link(pairs: list[tuple[float, float]]) -> Link:
    """Least squares through (model alignment, observed distance) pairs of the fitting years.

    The slope's sign is the mapping's, not the fit's: more alignment with a power is
    voting closer to it, so a slope above 0 is set to 0, as with fewer than two pairs
    or alignments that do not vary; the intercept is then the mean distance, and the
    model's alignment says nothing of the votes (its forecast is that constant).
    """
    if not pairs:
        raise InfluenceSimError(
            "the UN-voting link needs ideal-point distances in the fitting years the run "
            "covers; widen the fitting years or start the run earlier"
        )
    x = np.array([p[0] for p in pairs], dtype=float)
    y = np.array([p[1] for p in pairs], dtype=float)
    if len(pairs) < 2 or float(np.ptp(x)) < 1e-9:
        return Link(float(y.mean()), 0.0, math.nan)
    slope, intercept = np.polyfit(x, y, 1)
    if slope > 0:  # closer alignment cannot mean voting further apart: the mean instead
        return Link(float(y.mean()), 0.0, float(slope))
    return Link(float(intercept), float(slope), float(slope))


def persistence(series: pd.DataFrame, figure: Figure, fit: tuple[int, int]) -> float:
    """The last value observed in the fitting years, carried forward (NaN if none)."""
    known = _fitted(series, figure, fit)
    return float(known["value"].iloc[-1]) if len(known) else math.nan


def trend(series: pd.DataFrame, figure: Figure, fit: tuple[int, int]) -> float:
    """The least-squares line through the fitting years' values, at the figure's year.

    With one value in the fitting years it is persistence; with none, NaN.
    """
    known = _fitted(series, figure, fit)
    if len(known) < 2:
        return persistence(series, figure, fit)
    slope, intercept = np.polyfit(known["year"].to_numpy(float), known["value"].to_numpy(), 1)
    return float(intercept + slope * figure.year)


def _fitted(series: pd.DataFrame, figure: Figure, fit: tuple[int, int]) -> pd.DataFrame:
    rows = series[(series["state"] == figure.state) & (series["partner"] == figure.partner)]
    rows = rows[(rows["year"] >= fit[0]) & (rows["year"] <= min(fit[1], figure.year - 1))]
    return rows.sort_values("year")


@dataclass(frozen=True)
class Tolerance:
    """A family's tolerance, by one written rule (``docs/validation.md``).

    ``sd``: what publishing rounds away (a share to a tenth of a percent), the same for
    every family, since no family has a second source of the same basis in the fitting
    years (:func:`source_disagreement` reports the others); ``discrepancy``: the series'
    own year-to-year variability (the root mean square of its one-year changes in the
    fitting years), what a model of yearly means cannot be asked to follow.
    """

    sd: float
    discrepancy: float

    @property
    def band(self) -> float:
        """The pass band's half-width at implausibility 3, without the ensemble's spread."""
        return 3.0 * math.hypot(self.sd, self.discrepancy)


def tolerance(family: str, fit: tuple[int, int], base_year: int | None = None) -> Tolerance:
    """A family's tolerance from its observed series in the fitting years alone."""
    series = family_series(family, base_year)
    series = series[(series["year"] >= fit[0]) & (series["year"] <= fit[1])]
    changes = []
    for _, group in series.groupby(["state", "partner"]):
        by_year = dict(zip(group["year"], group["value"], strict=True))
        changes += [v - by_year[y - 1] for y, v in by_year.items() if y - 1 in by_year]
    if not changes:
        raise InfluenceSimError(
            f"no two consecutive {family} figures in the fitting years {fit[0]}-{fit[1]}, "
            "so no year-to-year change to set its tolerance by; widen the fitting years"
        )
    variability = float(np.sqrt(np.mean(np.square(changes))))
    return Tolerance(PUBLISHED_SHARE, variability)


def source_disagreement(family: str, fit: tuple[int, int]) -> tuple[float, int]:
    """Other publishers' trade shares against the IMF's in the fitting years.

    The root mean square of the differences, and how many pairs (0.0 and 0 for the
    other families).

    Reported beside the tolerance, not in it: the other figures are on other bases
    (services counted, a rounded statement), so they measure the bases' difference more
    than the IMF figure's uncertainty.
    """
    if family != "trade":
        return 0.0, 0
    frame = _yearly(observed("trade"))
    # Like for like: another publisher's share of the same state's trade. A partner's
    # customs over the state's total mixes two bases (re-exports, valuation) and is not.
    frame = frame[frame["unit"] == TRADE_UNIT]
    frame = frame[(frame["year"] >= fit[0]) & (frame["year"] <= fit[1])]
    primary = {
        (str(row["state"]), str(row["partner"]), int(row["year"])): row
        for row in _trade_series().to_dict("records")
    }
    differences = []
    for row in frame.to_dict("records"):
        first = primary.get((str(row["state"]), str(row["partner"]), int(row["year"])))
        if first is not None and row["publisher"] != first["publisher"]:
            differences.append(float(row["value"]) - float(first["value"]))
    if not differences:
        return 0.0, 0
    return float(np.sqrt(np.mean(np.square(differences)))), len(differences)
