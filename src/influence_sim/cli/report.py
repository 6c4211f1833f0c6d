"""Short plain-language accounts of runs and comparisons, for the command line."""

from __future__ import annotations

import pandas as pd

from influence_sim.format.calendar import long_date
from influence_sim.format.explain import alliance_short
from influence_sim.results.runs import RunResult
from influence_sim.viz.plotting import focus_state


def describe(result: RunResult) -> list[str]:
    """A line each: requests, answers, alliances left or frozen (if any), alignment, spread.

    Who asked for troops, who came, who froze its membership of an alliance or left it,
    how the focus state's alignment moved, and what the spread across replications holds
    (noise, or noise and parameters drawn from a posterior).
    """
    events = result.tables["events"]
    n = result.replications
    lines = []
    requests = events[events["kind"] == "request"]
    if requests.empty:
        lines.append("Requests: none.")
    else:
        parts = [
            _asked(result, str(state), str(to), rows, n)
            for (state, to), rows in requests.groupby(["actor", "target"], sort=False)
        ]
        lines.append("Requests: " + "; ".join(parts) + ".")
    answers = events[events["kind"].isin(["accept", "decline"])]
    if answers.empty:
        lines.append("Responses: none.")
    else:
        parts = [
            _answers(_name(result, str(power)), rows, n)
            for power, rows in answers.groupby("actor", sort=False)
        ]
        arrivals = events[events["kind"] == "arrival"]
        if not arrivals.empty:
            parts.append(_arrived(result, _lag(requests, arrivals)))
        lines.append("Responses: " + "; ".join(parts) + ".")
    lines.extend(_alliances(result, events, n))
    lines.append(_movement(result))
    lines.append(f"Spread over the {n} replications: {result.uncertainty}.")
    return lines


def _alliances(result: RunResult, events: pd.DataFrame, n: int) -> list[str]:
    """A line on the members that froze their membership of an alliance or left it, if any."""
    moves = events[events["kind"].isin(["freeze", "exit"])]
    if moves.empty:
        return []
    parts = []
    for (state, alliance), rows in moves.groupby(["actor", "target"], sort=False):
        froze = rows[rows["kind"] == "freeze"]["replication"].nunique()
        left = rows[rows["kind"] == "exit"]["replication"].nunique()
        who, which = _name(result, str(state)), _name(result, str(alliance), article=False)
        text = f"{who} froze its {which} membership in {froze} of {n} replications"
        parts.append(text + (f" and left in {left}" if left else ""))
    return ["Alliances: " + "; ".join(parts) + "."]


def _answers(power: object, rows: pd.DataFrame, n: int) -> str:
    """How a power answered: every request counted once, so the counts add up.

    Declines say what most often weighed against them (the decisions' recorded reasons).
    """
    yes, no = rows[rows["kind"] == "accept"], rows[rows["kind"] == "decline"]
    total = len(rows)
    in_yes, in_no = yes["replication"].nunique(), no["replication"].nunique()
    why = _most_common_against(no)
    if no.empty:
        return f"{power} accepted {len(yes)} of {total} requests, in {in_yes} of {n} replications"
    if yes.empty:
        return (
            f"{power} declined {len(no)} of {total} requests, in {in_no} of {n} replications" + why
        )
    asked_in = rows["replication"].nunique()
    where = (
        f"one per replication, in {asked_in} of {n}"
        if total == asked_in
        else f"some replications asked more than once: accepted in {in_yes}, declined in "
        f"{in_no} of {n} replications"
    )
    return f"{power} accepted {len(yes)} and declined {len(no)} of {total} requests ({where})" + why


def _most_common_against(declines: pd.DataFrame) -> str:
    """``; against: ...`` as most declines recorded it, or nothing."""
    reasons = declines["detail"].str.extract(r"against: (.*)$")[0].dropna()
    if reasons.empty:
        return ""
    return f"; most often against: {reasons.value_counts().index[0]}"


def _name(result: RunResult, key: str, article: bool = True) -> str:
    """A state's or power's title; an alliance's acronym, with its article (``the CSTO``)."""
    scenario = result.scenario
    if key in scenario.states:
        return scenario.states[key].title
    if key in scenario.powers:
        return scenario.powers[key].title
    if key in scenario.alliances:
        short = alliance_short(key, scenario.alliances[key].title)
        return f"the {short}" if article else short
    return key


def _asked(result: RunResult, state: str, to: str, rows: pd.DataFrame, n: int) -> str:
    """``Kazakhstan asked the CSTO on 5 January 2022 in 50 of 50 replications``.

    The scripted date where every replication's first request is the script's; else the
    week (or step) of the median first request.
    """
    from influence_sim.viz.shocks import scripted_days

    timeline = result.scenario.timeline
    first = rows.groupby("replication")["step"].min()
    who, whom = _name(result, state), _name(result, to)
    steps = set(first.unique())
    day = scripted_days(result).get((int(min(steps)), "request", state, to))
    if len(steps) == 1 and day is not None:
        when = f"on {long_date(day.date())}"
        return f"{who} asked {whom} {when} in {first.size} of {n} replications"
    median = round(float(first.median()))
    when = ("on " if timeline.step_days == 1 else "in ") + timeline.period_of(median)
    return f"{who} asked {whom} in {first.size} of {n} replications, first {when} (the median)"


def _arrived(result: RunResult, lag: float) -> str:
    """When troops arrived, in words: the same week as the request, or weeks after."""
    word = result.scenario.timeline.step_word
    if lag == 0:
        return f"troops arrived in the same {word} as the first request (the median)"
    unit = word if lag == 1 else result.scenario.timeline.steps_word
    return f"troops arrived a median of {lag:g} {unit} after the first request"


def _lag(requests: pd.DataFrame, arrivals: pd.DataFrame) -> float:
    asked = requests.groupby(["replication", "actor"])["step"].min().rename("asked")
    came = arrivals.groupby(["replication", "target"])["step"].min().rename("came")
    came.index = came.index.set_names(["replication", "actor"])
    joined = pd.concat([asked, came], axis=1, join="inner")
    return float((joined["came"] - joined["asked"]).median()) if len(joined) else float("nan")


def _movement(result: RunResult) -> str:
    state = focus_state(result)
    frame = result.tables["alignment"]
    rows = frame[(frame["state"] == state) & (frame["domain"] == "overall")]
    medians = rows.groupby(["power", "step"], observed=True)["value"].median()
    parts = []
    for power in result.scenario.powers:
        series = medians.loc[power]
        peak_step = int(series.idxmax())
        when = result.scenario.timeline.period_of(peak_step)
        parts.append(
            f"{_name(result, str(power))} {series.iloc[0]:.2f} at the start, "
            f"{series.max():.2f} at its peak ({when}), "
            f"{series.iloc[-1]:.2f} at the end"
        )
    title = result.scenario.states[state].title
    return f"Alignment of {title} (median): " + "; ".join(parts) + "."
