"""A scenario's runs checked against its targets: the patterns it should show, the data.

:func:`check` runs the scenario of a target file (or a scenario given in its place, such
as a user's modified copy) and any counterfactual a target names, with the same seed so
that runs are paired replication by replication, and computes each target: a pattern
holds when its statistic is within the bounds; a datum is matched when its implausibility
|observed - model| / sqrt(sd^2 + discrepancy^2 + the ensemble's variance of the statistic)
is at most 3 (the history-matching cut-off; ``docs/validation.md``).
"""

from __future__ import annotations

import datetime as dt
import math
import os
from typing import Any, cast

import numpy as np
import pandas as pd

from influence_sim.calibration.validation import Measured, expand, score_figures
from influence_sim.calibration.verdict import CheckResult, fmt
from influence_sim.drivers.runner import run
from influence_sim.errors import InfluenceSimError, one_of
from influence_sim.format.loading import load_scenario, overrides_from, resolve_scenario
from influence_sim.format.scenario import Scenario
from influence_sim.format.targets import Quantity, Target, TargetFile, Validation, load_targets
from influence_sim.results.observation import figure_of
from influence_sim.results.observed import history_figure, span_changes
from influence_sim.results.posterior import Posterior
from influence_sim.results.runs import RunResult, scenario_hash
from influence_sim.results.watch import step_within

IMPLAUSIBLE = 3.0
"""A datum whose implausibility exceeds this is not matched (Pukelsheim's three-sigma rule)."""

COLUMNS = (
    "target",
    "description",
    "kind",
    "model",
    "expected",
    "observed",
    "implausibility",
    "holds",
    "replications",
    "source",
)


def check(
    targets: TargetFile | str | os.PathLike[str],
    scenario: Scenario | str | os.PathLike[str] | None = None,
    *,
    replications: int | None = None,
    seed: int | None = None,
    posterior: Posterior | str | os.PathLike[str] | None = None,
) -> CheckResult:
    """Run a scenario and compute each of its targets.

    Args:
        targets: A target file, its path, or a bundled one's name.
        scenario: The scenario run in place of the file's own (a counterfactual that
            names no scenario of its own is this one with its overrides).
        replications: Replications of each run (default: the target file's).
        seed: The seed of every run (default: the target file's, else the scenario's).
        posterior: A calibration's posterior: every run (counterfactuals too) draws each
            replication's parameters from it, so the statistics hold parameter
            uncertainty as well as noise.

    Raises:
        InfluenceSimError: For a target that names a column, event kind or observed row
            the runs do not have, or a scenario that is not valid.
    """
    spec = targets if isinstance(targets, TargetFile) else load_targets(targets)
    main = scenario if scenario is not None else spec.scenario
    base = main if isinstance(main, Scenario) else load_scenario(main)
    check_names(spec, base)
    spec = expand(spec, base)  # its figures are those a run covers
    if posterior is not None and not isinstance(posterior, Posterior):
        posterior = Posterior.load(posterior)
    runs = _Runs(base, replications or spec.replications, _seed(seed, spec, base), posterior)
    runs.validation = spec.validation
    rows = [_evaluate(target, runs) for target in spec.targets]
    table = pd.DataFrame(rows, columns=COLUMNS)
    # What was run, on every row: a table found later says which runs it judged.
    table["scenario"] = base.name
    table["scenario_sha256"] = scenario_hash(base)
    table["seed"] = runs.seed
    scores = None
    if spec.validation is not None:
        scores = score_figures(spec, base, runs.get(None, []), runs.without_preferences(), table)
    drawn_from = None
    if posterior is not None:
        table["posterior"] = posterior.sha256  # the table names what it drew from
        drawn_from = str(posterior.info.get("calibration") or posterior.folder)
    return CheckResult(spec.name, spec.title, base.name, table, drawn_from, scores)


def check_names(targets: TargetFile, scenario: Scenario) -> None:
    """Refuse targets that name a state, power, event kind or step a run does not have.

    Raises:
        InfluenceSimError: Naming the target and the unknown name, with the name meant.
    """
    from influence_sim.engine.compile import compile_scenario
    from influence_sim.results.watch import check_quantities

    compiled = compile_scenario(scenario)
    for target in targets.targets:
        quantities = [q for q in (target.quantity, target.minus) if q is not None]
        check_quantities(compiled, quantities, f"target '{target.name}'")
        if target.overrides:  # its own run, before any run
            with overrides_from(f"target '{target.name}': overrides"):
                resolve_scenario(scenario, target.overrides)
        against = target.against
        if against is not None and against.overrides:  # its counterfactual, before any run
            other: Scenario | str = scenario if against.scenario is None else against.scenario
            with overrides_from(f"target '{target.name}': against.overrides"):
                resolve_scenario(other, against.overrides)


PREDICTION_COLUMNS = (
    "target",
    "period",
    "observed",
    "sd",
    "at_defaults",
    "implausibility_at_defaults",
    "median",
    "low",
    "high",
    "implausibility",
    "inside",
)


def predict(
    targets: TargetFile | str | os.PathLike[str],
    posterior: Posterior | str | os.PathLike[str],
    *,
    data: list[str] | None = None,
    replications: int = 400,
    seed: int | None = None,
) -> pd.DataFrame:
    """The data of a target file predicted from a posterior: the out-of-sample test.

    The target file's scenario runs twice with the same seed: at its defaults, and with
    each replication's parameters drawn from ``posterior``. For each datum: the observed
    value, the model's statistic at the defaults and its implausibility, the posterior
    predictive median with its 5% and 95% quantiles over replications (``low``,
    ``high``: noise and parameter uncertainty), its implausibility, and whether the
    observed value lies in that 90% interval (``inside``).

    Raises:
        InfluenceSimError: For a name in ``data`` that is not a datum of the file.
    """
    spec = targets if isinstance(targets, TargetFile) else load_targets(targets)
    base = load_scenario(spec.scenario)
    spec = expand(spec, base)
    chosen = data_of(spec, data)
    seed = _seed(seed, spec, base)
    plain = run(base, replications=replications, seed=seed)
    drawn = run(base, replications=replications, seed=seed, posterior=posterior)
    measured = (Measured(plain, spec.validation), Measured(drawn, spec.validation))
    rows = []
    for target in chosen:
        assert target.observed is not None
        history, figure = target.quantity.history, target.quantity.observation
        observed = observed_value(target, base)
        at_defaults = _value(target, plain, measured[0])
        values = _value(target, drawn, measured[1])
        model = statistic_of(values, target.statistic)
        kept = values.dropna()
        low, high = (float(kept.quantile(q)) if len(kept) else math.nan for q in (0.05, 0.95))
        default = statistic_of(at_defaults, target.statistic)
        rows.append(
            {
                "target": target.name,
                "period": (
                    history.period
                    if history is not None
                    else str(figure.year)
                    if figure is not None
                    else ""
                ),
                "observed": observed,
                "sd": target.observed.sd,
                "at_defaults": default,
                "implausibility_at_defaults": implausibility(
                    target, observed, default, at_defaults
                ),
                "median": model,
                "low": low,
                "high": high,
                "implausibility": implausibility(target, observed, model, values),
                "inside": bool(low <= observed <= high),
            }
        )
    return pd.DataFrame(rows, columns=PREDICTION_COLUMNS)


def data_of(targets: TargetFile, chosen: list[str] | None) -> list[Target]:
    """A target file's data (targets with an observed value): those named, or all.

    Raises:
        InfluenceSimError: For a file without data, or a name that is not a datum of it.
    """
    data = [t for t in targets.targets if t.observed is not None]
    if not data:
        raise InfluenceSimError(
            f"target file '{targets.name}' has no data (targets with 'observed') to match"
        )
    if chosen is None:
        return data
    names = [t.name for t in data]
    unknown = [n for n in chosen if n not in names]
    if unknown:
        raise InfluenceSimError(
            f"data: {', '.join(unknown)} not among the data of '{targets.name}'; expected "
            + one_of(names)
        )
    return [t for t in data if t.name in chosen]


def _seed(seed: int | None, spec: TargetFile, base: Scenario) -> int:
    if seed is not None:
        return seed
    return spec.seed if spec.seed is not None else base.seed


class _Runs:
    """The runs a check needs, each made once, all with the same seed (paired)."""

    def __init__(
        self, base: Scenario, replications: int, seed: int, posterior: Posterior | None = None
    ) -> None:
        self.base, self.replications, self.seed = base, replications, seed
        self.posterior = posterior
        self.validation: Validation | None = None
        self.measures: dict[int, Measured] = {}
        self.done: dict[tuple[str | None, tuple[str, ...]], RunResult] = {}

    def measured(self, result: RunResult) -> Measured:
        """The run's figures, measured once (with the validation block's link)."""
        key = id(result)
        if key not in self.measures:
            self.measures[key] = Measured(result, self.validation)
        return self.measures[key]

    def without_preferences(self) -> RunResult:
        """The null model without preferences: their weights 0, in a world of its own.

        Its propensities are recomputed (``Scenario.as_calibrated``), so it starts from
        the data as the model does; with the weights 0 as overrides of the calibrated
        world instead, reliance would drift from the start for that reason alone.
        """
        assert self.validation is not None
        with overrides_from("validation.preferences_off"):
            world = resolve_scenario(self.base, self.validation.preferences_off).as_calibrated()
        return run(world, replications=self.replications, seed=self.seed, posterior=self.posterior)

    def get(self, scenario: str | None, overrides: list[str]) -> RunResult:
        key = (scenario, tuple(overrides))
        if key not in self.done:
            which: Scenario | str = self.base if scenario is None else scenario
            with overrides_from("a target's overrides"):
                self.done[key] = run(
                    which,
                    replications=self.replications,
                    seed=self.seed,
                    overrides=overrides,
                    posterior=self.posterior,
                )
        return self.done[key]


def _evaluate(target: Target, runs: _Runs) -> dict[str, Any]:
    result = runs.get(None, target.overrides)
    values = _value(target, result, runs.measured(result))
    if target.against is not None:
        other = runs.get(target.against.scenario, target.against.overrides)
        values = values - _value(target, other)
    model = statistic_of(values, target.statistic)
    row: dict[str, Any] = {
        "target": target.name,
        "description": target.description,
        "model": model,
        "replications": runs.replications,
        "source": target.source,
        "observed": math.nan,
        "implausibility": math.nan,
    }
    if target.expect is not None:
        low, high = target.expect.at_least, target.expect.at_most
        row["kind"] = "pattern"
        row["expected"] = _bounds(low, high)
        row["holds"] = bool(
            not math.isnan(model)
            and (low is None or model >= low)
            and (high is None or model <= high)
        )
        return row
    assert target.observed is not None  # the format ensures one of the two
    obs = observed_value(target, result.scenario)
    distance = implausibility(target, obs, model, values)
    row.update(
        kind="datum",
        expected=f"{fmt(obs)} (sd {fmt(target.observed.sd)})",
        observed=obs,
        implausibility=distance,
        holds=bool(distance <= IMPLAUSIBLE),
    )
    return row


def observed_value(target: Target, scenario: Scenario) -> float:
    """A datum's observed value: as written, or read from the shipped series.

    A history quantity's is the observed change; an observation's the figure's value.
    """
    assert target.observed is not None
    if target.observed.value is not None:
        return float(target.observed.value)
    if target.quantity.history is not None:
        h = target.quantity.history
        row, _ = history_figure(scenario, h.series, h.state, h.partner, h.period)
        return float(cast(float, row["observed"]))
    seen = target.quantity.observation
    assert seen is not None  # the format asks for a value otherwise
    return figure_of(scenario, seen.family, seen.state, seen.partner, seen.year).observed


def _value(target: Target, result: RunResult, measured: Measured | None = None) -> pd.Series:
    """The target's value per replication: its quantity less its ``minus``.

    ``measured``: the run's figures, measured once for many targets.
    """
    spec = target.quantity.observation
    if spec is not None:  # compared as it is (no minus); UN voting through its link
        figure = figure_of(result.scenario, spec.family, spec.state, spec.partner, spec.year)
        return (measured or Measured(result, None)).values(figure)
    values = _quantity(target.quantity, result)
    if target.minus is not None:
        values = values - _quantity(target.minus, result)
    return values


def _quantity(quantity: Quantity, result: RunResult) -> pd.Series:
    """The quantity per replication, indexed by replication (NaN where it has no value)."""
    if quantity.history is not None:
        return _history(quantity, result)[1]
    if quantity.observation is not None:
        spec = quantity.observation
        figure = figure_of(result.scenario, spec.family, spec.state, spec.partner, spec.year)
        return Measured(result, None).values(figure)
    replications = pd.RangeIndex(result.replications, name="replication")
    if quantity.summary is not None:
        summary = result.tables["summary"].set_index("replication")
        if quantity.summary not in summary.columns:
            raise InfluenceSimError(
                f"no summary metric '{quantity.summary}'; expected "
                + one_of([c for c in summary.columns if c != "replication"])
            )
        return summary[quantity.summary].astype(float).reindex(replications)
    if quantity.events is not None:
        return _events(quantity, result, replications)
    assert quantity.series is not None
    return _series(quantity, result, replications)


def _events(quantity: Quantity, result: RunResult, replications: pd.Index) -> pd.Series:
    assert quantity.events is not None
    spec = quantity.events
    events = result.tables["events"]
    rows = events[events["kind"] == spec.kind]
    if spec.actor is not None:
        rows = rows[rows["actor"] == spec.actor]
    if spec.target is not None:
        rows = rows[rows["target"] == spec.target]
    grouped = rows.groupby("replication")["step"]
    if quantity.measure == "first_step":
        return grouped.min().astype(float).reindex(replications)
    counts = grouped.size().astype(float).reindex(replications, fill_value=0.0)
    return counts if quantity.measure == "count" else (counts > 0).astype(float)


def _series(quantity: Quantity, result: RunResult, replications: pd.Index) -> pd.Series:
    spec = quantity.series
    assert spec is not None
    frame = result.tables[spec.table]
    for column, value in (("state", spec.state), ("power", spec.power)):
        if value is not None:
            frame = frame[frame[column] == value]
    if spec.table == "alignment":
        frame = frame[frame["domain"] == (spec.domain or "overall")]
    if spec.column not in frame.columns:
        raise InfluenceSimError(
            f"no column '{spec.column}' in the {spec.table} table; expected "
            + one_of([c for c in frame.columns if c not in ("replication", "step", "date")])
        )
    timeline = result.scenario.timeline

    def step(when: int | dt.date) -> int:
        return step_within(timeline, when)

    # Rows the filters leave at one step (a power's posture in every state) are averaged.
    per_step = frame.groupby(["replication", "step"])[spec.column].mean().astype(float)
    steps = per_step.index.get_level_values("step")
    if quantity.at is not None:
        at = per_step[steps == step(quantity.at)].droplevel("step")
        return at.reindex(replications)
    assert quantity.over is not None
    first, last = (step(w) for w in quantity.over)
    within = per_step[(steps >= first) & (steps <= last)]
    return within.groupby(level="replication").agg(quantity.reduce).reindex(replications)


def _history(quantity: Quantity, result: RunResult) -> tuple[float, pd.Series]:
    """The observed change and every replication's, from the history comparison."""
    spec = quantity.history
    assert spec is not None
    row, span = history_figure(result.scenario, spec.series, spec.state, spec.partner, spec.period)
    replications = pd.RangeIndex(result.replications, name="replication")
    values = span_changes(result, span).astype(float).reindex(replications)
    return float(cast(float, row["observed"])), values


def implausibility(target: Target, observed: float, model: float, values: pd.Series) -> float:
    """|observed - model| / sqrt(sd^2 + discrepancy^2 + the statistic's ensemble variance).

    ``values`` are the replications' values the statistic ``model`` was taken over; NaN
    (no value at all) counts as infinitely implausible.
    """
    assert target.observed is not None
    variance = target.observed.sd**2 + target.observed.discrepancy**2
    variance += ensemble_variance(values, target.statistic)
    distance = abs(observed - model) / math.sqrt(variance)
    return math.inf if math.isnan(distance) else distance


def statistic_of(values: pd.Series, statistic: str) -> float:
    """The statistic over replications (``share``: of those with a non-zero value)."""
    if statistic == "share":
        return float((values.fillna(0.0) != 0).mean())
    kept = values.dropna()
    if kept.empty:
        return math.nan
    return float(getattr(kept, statistic)())


def ensemble_variance(values: pd.Series, statistic: str) -> float:
    """The sampling variance of the statistic over replications (0 when unknown).

    For a mean, var/n; for a median, (pi/2) var/n (its large-sample variance under
    normality); a share, p(1 - p)/n.
    """
    kept = values.dropna()
    n = len(kept)
    if n < 2:
        return 0.0
    if statistic == "share":
        p = float((values.fillna(0.0) != 0).mean())
        return p * (1 - p) / len(values)
    factor = math.pi / 2 if statistic == "median" else 1.0
    return factor * float(np.var(kept, ddof=1)) / n


def _bounds(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"between {fmt(low)} and {fmt(high)}"
    return f"at least {fmt(low)}" if low is not None else f"at most {fmt(high)}"
