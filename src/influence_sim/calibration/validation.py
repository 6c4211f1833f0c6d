"""The validation protocol: every observed figure a run covers, scored against null models.

A target file's ``validation`` block (``docs/validation.md``) names observed families,
fitting years and held-out years. :func:`expand` turns each figure of those families
that a run of the scenario covers into a datum target, its tolerance from its family's
written rule (:func:`influence_sim.results.observation.tolerance`); :func:`score_figures`
scores the runs' predictive distribution of each, and three null models' forecasts of
the same figure, with the CRPS; :func:`summary_line` and :func:`family_table` report them.

The nulls: persistence (the last value observed in the fitting years carried forward),
a linear trend fitted on the fitting years' values, and the model itself with the
governments' preferences switched off (the weights of offers, opinion and elite ties
set to 0), run with the same seed.
"""

from __future__ import annotations

import math
from typing import Any, cast

import numpy as np
import pandas as pd

from influence_sim.errors import InfluenceSimError
from influence_sim.format.scenario import Scenario
from influence_sim.format.targets import Target, TargetFile, Validation
from influence_sim.results.observation import (
    PUBLISHED_SHARE,
    Figure,
    Link,
    Recorded,
    Tolerance,
    family_series,
    figures,
    fit_link,
    persistence,
    tolerance,
    trend,
    whole_years,
)
from influence_sim.results.runs import RunResult
from influence_sim.results.scores import crps_ensemble, crps_point, interval_score, skill

NULLS = ("persistence", "trend", "no_preferences")
"""The null models every figure is scored against."""


def protocol_figures(spec: TargetFile, scenario: Scenario) -> list[Figure]:
    """The figures of a target file's validation block that a run of ``scenario`` covers.

    Each in the fitting years or in the held-out years, the whole of its window (arms:
    three years of deliveries); a figure whose window straddles the two is in neither.
    """
    v = spec.validation
    if v is None:
        return []
    found = figures(scenario, tuple(v.families), (v.fit[0], v.held_out[1]))
    return [f for f in found if role_of(f, v) is not None]


def role_of(figure: Figure, v: Validation) -> str | None:
    """``fitting``, ``held_out``, or None for a figure whose window straddles the two."""
    first, last = figure.window.years
    if v.fit[0] <= figure.year and last <= v.fit[1]:
        return "fitting"
    if first >= v.held_out[0] and figure.year <= v.held_out[1]:
        return "held_out"
    return None


def expand(spec: TargetFile, scenario: Scenario) -> TargetFile:
    """The target file with a datum target for each figure of its validation block.

    Raises:
        InfluenceSimError: If the block's figures are none, or a name is the file's own.
    """
    v = spec.validation
    if v is None:
        return spec
    found = protocol_figures(spec, scenario)
    if not found:
        first, last = whole_years(scenario)
        raise InfluenceSimError(
            f"target file '{spec.name}': no observed figure of {', '.join(v.families)} falls "
            f"in the years {first}-{last} that a run of {scenario.name} records whole and the "
            f"validation years {v.fit[0]}-{v.held_out[1]}"
        )
    for family in v.families:
        roles = {role_of(f, v) for f in found if f.family == family}
        if "held_out" not in roles:
            raise InfluenceSimError(
                f"target file '{spec.name}': no {family} figure falls whole in the held-out "
                f"years {v.held_out[0]}-{v.held_out[1]} of a run of {scenario.name}; drop "
                "the family or change the years"
            )
    base_year = whole_years(scenario)[0]
    rules: dict[str, Tolerance] = {f: tolerance(f, v.fit, base_year) for f in v.families}
    own = {t.name for t in spec.targets}
    added = []
    for figure in found:
        if figure.name in own:
            raise InfluenceSimError(
                f"target file '{spec.name}': target '{figure.name}' has the name of a figure "
                "of its validation block; rename it"
            )
        rule = rules[figure.family]
        role = "fitting" if role_of(figure, v) == "fitting" else "held out"
        description = (
            f"{figure.family}: {figure.state} with {figure.partner}, {figure.year} ({role}; "
            f"{figure.unit})"
        )
        target = {
            "name": figure.name,
            "description": description,
            "quantity": {
                "observation": {
                    "family": figure.family,
                    "state": figure.state,
                    "partner": figure.partner,
                    "year": figure.year,
                }
            },
            "observed": {
                "value": figure.observed,
                "sd": rule.sd if rule.sd > 0 else 1e-9,
                "discrepancy": rule.discrepancy,
            },
            "source": f"{figure.publisher}: {figure.table} (data/observed/{figure.family}.csv)",
        }
        added.append(Target.model_validate(target))
    return spec.model_copy(update={"targets": [*spec.targets, *added]})


def fitting_targets(spec: TargetFile, scenario: Scenario) -> TargetFile:
    """What a calibration fits of a file with a validation block: its fitting years.

    The file's own targets, and a datum target for each figure of the fitting years;
    UN voting is left out (its link is fitted on those years, so it cannot also fit the
    model's parameters). The held-out years are for the holdout's prediction.
    """
    v = spec.validation
    if v is None:
        return spec
    expanded = expand(spec, scenario)
    found = {f.name: f for f in protocol_figures(spec, scenario)}
    kept = [
        t
        for t in expanded.targets
        if t.name not in found or (_fitting(t, v, found) and not _unga(t))
    ]
    return expanded.model_copy(update={"targets": kept, "validation": None})


def held_out_names(spec: TargetFile, scenario: Scenario) -> list[str]:
    """The names of a validation block's figures in its held-out years."""
    v = spec.validation
    if v is None:
        return []
    return [f.name for f in protocol_figures(spec, scenario) if role_of(f, v) == "held_out"]


def _fitting(target: Target, v: Validation, found: dict[str, Figure]) -> bool:
    return role_of(found[target.name], v) == "fitting"


def _unga(target: Target) -> bool:
    return target.quantity.observation is not None and target.quantity.observation.family == "unga"


class Measured:
    """A run's values of the protocol's figures, each window and link computed once."""

    def __init__(self, result: RunResult, validation: Validation | None) -> None:
        self.result, self.validation = result, validation
        self.recorded = Recorded(result)
        self.links: dict[str, Link] = {}

    def values(self, figure: Figure) -> pd.Series:
        """Every replication's value of a figure (UN voting: through the run's fitted link).

        Raises:
            InfluenceSimError: For a UN-voting figure without a validation block.
        """
        values = self.recorded.values(figure.window)
        if figure.family != "unga":
            return values
        if self.validation is None:
            raise InfluenceSimError(
                f"target '{figure.name}': a UN-voting figure is compared through a link "
                "fitted on the fitting years; give the target file a validation block"
            )
        if figure.partner not in self.links:
            self.links[figure.partner] = self.link(figure.partner, self.validation.fit)
        return pd.Series(self.links[figure.partner](values), index=values.index)

    def link(self, partner: str, fit: tuple[int, int]) -> Link:
        """The UN-voting link, fitted on the run's fitting years' figures of ``partner``.

        Each pair: the median over replications of the state's alignment in the year,
        and the observed ideal-point distance.
        """
        pairs = []
        for figure in figures(self.result.scenario, ("unga",), fit):
            if figure.partner == partner:
                model = float(self.recorded.values(figure.window).median())
                if math.isfinite(model):
                    pairs.append((model, figure.observed))
        return fit_link(pairs)


def score_figures(
    spec: TargetFile, scenario: Scenario, main: RunResult, off: RunResult, table: pd.DataFrame
) -> pd.DataFrame:
    """Each figure's scores: the model's and each null's CRPS, the intervals, the band.

    Args:
        spec: The target file, with its validation block.
        scenario: The scenario run.
        main: The run of the scenario.
        off: The run with the preferences off (same seed).
        table: The check's table, for each figure's holds and implausibility.
    """
    v = spec.validation
    assert v is not None
    base_year = whole_years(scenario)[0]
    series: dict[str, pd.DataFrame] = {f: family_series(f, base_year) for f in v.families}
    rules: dict[str, Tolerance] = {f: tolerance(f, v.fit, base_year) for f in v.families}
    checked = table.set_index("target")
    measured, without = Measured(main, v), Measured(off, v)
    rows = []
    for figure in protocol_figures(spec, scenario):
        values = measured.values(figure).dropna()
        nope = without.values(figure).dropna()
        obs = figure.observed
        kept = series[figure.family]
        forecast = {"persistence": persistence(kept, figure, v.fit)}
        forecast["trend"] = trend(kept, figure, v.fit)
        q = (
            values.quantile([0.05, 0.25, 0.5, 0.75, 0.95]).to_numpy()
            if len(values)
            else [math.nan] * 5
        )
        change = obs - forecast["persistence"]
        band = rules[figure.family].band
        row: dict[str, Any] = {
            "target": figure.name,
            "family": figure.family,
            "state": figure.state,
            "partner": figure.partner,
            "year": figure.year,
            "role": role_of(figure, v),
            "observed": obs,
            "median": q[2],
            "low_50": q[1],
            "high_50": q[3],
            "low_90": q[0],
            "high_90": q[4],
            "inside_50": bool(q[1] <= obs <= q[3]),
            "inside_90": bool(q[0] <= obs <= q[4]),
            "interval_score_90": interval_score(q[0], q[4], obs, 0.1),
            "crps_model": crps_ensemble(values.to_numpy(), obs) if len(values) else math.nan,
            "persistence": forecast["persistence"],
            "trend": forecast["trend"],
            "crps_persistence": _point(forecast["persistence"], obs),
            "crps_trend": _point(forecast["trend"], obs),
            "crps_no_preferences": crps_ensemble(nope.to_numpy(), obs) if len(nope) else math.nan,
            "tolerance": math.hypot(rules[figure.family].sd, rules[figure.family].discrepancy),
            "band": band,
            "change": change,
            "band_wider_than_change": bool(math.isfinite(change) and band >= abs(change)),
            "implausibility": float(cast(float, checked.at[figure.name, "implausibility"])),
            "holds": bool(checked.at[figure.name, "holds"]),
            "publisher": figure.publisher,
        }
        for null in NULLS:
            row[f"skill_{null}"] = skill(row["crps_model"], row[f"crps_{null}"])
        if figure.family == "unga":  # the run's link, fitted on the fitting years
            link = measured.links[figure.partner]
            row.update(link_slope=link.slope, link_fitted_slope=link.fitted_slope)
        rows.append(row)
    return pd.DataFrame(rows)


def _point(forecast: float, observed: float) -> float:
    return crps_point(forecast, observed) if math.isfinite(forecast) else math.nan


def pooled(scores: pd.DataFrame) -> dict[str, Any]:
    """Held-out figures pooled: coverage, and the skill against each null.

    Each figure's CRPS is divided by its family's tolerance, so that figures in other
    units weigh alike; a null's skill counts the figures that null forecasts.
    """
    held = scores[scores["role"] == "held_out"]
    out: dict[str, Any] = {
        "figures": len(held),
        "inside_90": int(held["inside_90"].sum()),
        "inside_50": int(held["inside_50"].sum()),
        "above_90": int((held["observed"] > held["high_90"]).sum()),
        "below_90": int((held["observed"] < held["low_90"]).sum()),
    }
    for null in NULLS:
        both = held[np.isfinite(held["crps_model"]) & np.isfinite(held[f"crps_{null}"])]
        model = float((both["crps_model"] / both["tolerance"]).sum())
        reference = float((both[f"crps_{null}"] / both["tolerance"]).sum())
        out[f"skill_{null}"] = skill(model, reference) if len(both) else math.nan
    return out


def family_table(scores: pd.DataFrame) -> pd.DataFrame:
    """Per family, the held-out figures: count, coverage, mean CRPS of each, the skills."""
    rows = []
    held = scores[scores["role"] == "held_out"]
    for family, group in held.groupby("family", sort=False):
        row: dict[str, Any] = {
            "family": family,
            "figures": len(group),
            "coverage_50": float(group["inside_50"].mean()),
            "coverage_90": float(group["inside_90"].mean()),
            "crps_model": float(group["crps_model"].mean()),
        }
        for null in NULLS:
            both = group[np.isfinite(group[f"crps_{null}"])]
            row[f"crps_{null}"] = float(both[f"crps_{null}"].mean()) if len(both) else math.nan
            row[f"skill_{null}"] = (
                skill(float(both["crps_model"].sum()), float(both[f"crps_{null}"].sum()))
                if len(both)
                else math.nan
            )
        row["band_wider"] = int(group["band_wider_than_change"].sum())
        rows.append(row)
    return pd.DataFrame(rows)


def summary_line(scores: pd.DataFrame) -> str:
    """``data: K of N held-out figures inside the 90% interval; skill vs persistence S, ...``."""
    p = pooled(scores)
    return (
        f"data: {p['inside_90']} of {p['figures']} held-out figures inside the 90% interval; "
        f"skill vs persistence {_skill(p['skill_persistence'])}, vs trend "
        f"{_skill(p['skill_trend'])}, vs no preferences {_skill(p['skill_no_preferences'])}"
    )


def _skill(value: float) -> str:
    return "n/a" if not math.isfinite(value) else f"{value:+.2f}"


def trade_signs(scores: pd.DataFrame) -> pd.DataFrame:
    """The sign of each trade share's change, first fitting year to last held-out year.

    One row per state and partner: the observed change, the model's (the change of its
    median), and whether their signs agree (a change within the published rounding,
    0.0005, counts as none).
    """
    trade = scores[(scores["family"] == "trade") & scores["role"].notna()]
    rows = []
    for (state, partner), group in trade.groupby(["state", "partner"], sort=False):
        fitted = group[group["role"] == "fitting"].sort_values("year")
        held = group[group["role"] == "held_out"].sort_values("year")
        if fitted.empty or held.empty:
            continue  # no observed change across the two periods to compare
        first, last = fitted.iloc[0], held.iloc[-1]
        observed = float(last["observed"] - first["observed"])
        model = float(last["median"] - first["median"])
        rows.append(
            {
                "state": state,
                "partner": partner,
                "from": int(first["year"]),
                "to": int(last["year"]),
                "observed": observed,
                "model": model,
                "right": sign_of(observed) == sign_of(model),
            }
        )
    return pd.DataFrame(rows)


def sign_of(change: float) -> int:
    """-1, 0 or 1: a change within the published rounding (0.0005) counts as none."""
    return 0 if abs(change) < PUBLISHED_SHARE else (1 if change > 0 else -1)


def signs_line(signs: pd.DataFrame) -> str:
    """``trade shares: the sign of the change 2015-2020 right for china in K of 5, ...``."""
    if signs.empty:
        return "trade shares: no fitting and held-out years to compare"
    span = f"{signs['from'].min()}-{signs['to'].max()}"
    parts = [
        f"{partner} in {int(group['right'].sum())} of {len(group)}"
        for partner, group in signs.groupby("partner", sort=False)
    ]
    return f"trade shares: the sign of the change {span} right for " + ", ".join(parts)
