"""Tidy pandas frames from a recorded trajectory.

One row per observation, one column per variable: ``alignment`` and ``regional``
are long in (state, power or ``self``, domain); ``states`` holds what belongs to a
state (unrest, threat, salience, economic distress); ``powers`` what belongs to a
power in a state (its credibility there, its posture, its troops, the public's
opinion of it, the refusals and help the state remembers of it, and the economic
ties: trade share, remittances and debt as shares of GDP, investment, the resentment
of its coercion and the diversification away from it).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from influence_sim.engine.compile import Compiled
from influence_sim.engine.kernel import Params, alignment_of
from influence_sim.engine.trajectory import Trajectory

DOMAINS = ("security", "economy", "overall")
DATE_DTYPE: Final = "datetime64[us]"
"""Dates are kept to the microsecond, which Parquet stores as it is."""


def _index(trajectory: Trajectory, first: int) -> tuple[NDArray, NDArray]:
    r_n = trajectory["unrest"].shape[0]
    replications = np.arange(first, first + r_n)
    return replications, trajectory.steps


def dates(compiled: Compiled, steps: NDArray[np.int64]) -> pd.Series:
    """The first day of each step, as dates."""
    t = compiled.timeline
    days = [t.start + timedelta(days=int(s) * t.step_days) for s in steps]
    return pd.Series(pd.to_datetime(days)).astype(DATE_DTYPE)


def alignment_array(trajectory: Trajectory, weight: NDArray[np.float64]) -> NDArray[np.float64]:
    """Reliance by domain and overall alignment, ``(R, rows, 3, S, K)``.

    ``weight``: security's fixed weight in the overall index, ``(1 or R, S)``.
    """
    reliance = trajectory["reliance"]  # (R, rows, 2, S, K)
    overall = alignment_of(reliance, weight[:, None, :])
    return np.concatenate([reliance, overall[:, :, None]], axis=2)


def regional_array(
    compiled: Compiled, trajectory: Trajectory, params: Params | None = None
) -> NDArray[np.float64]:
    """Alignment of the region, ``(R, rows, 3, K)``.

    ``params``: the parameters the replications ran with, when they differ (their
    regional weights and security's weight in the index, ``(1 or R, S)``; default: the
    compiled scenario's).
    """
    ran = compiled.params if params is None else params
    w = ran.weights
    alignment = alignment_array(trajectory, ran.alignment_weight)
    w = np.broadcast_to(w, (alignment.shape[0], w.shape[-1]))
    return np.einsum("rtdsk,rs->rtdk", alignment, w)


Axes = list[tuple[str, list[str] | NDArray[Any]]]


def _long(values: NDArray[np.float64], axes: Axes, name: str = "value") -> pd.DataFrame:
    """A long frame from an array whose axes are named and labelled (C order)."""
    grids = np.meshgrid(*[np.arange(len(labels)) for _, labels in axes], indexing="ij")
    data: dict[str, object] = {}
    for (column, labels), grid in zip(axes, grids, strict=True):
        codes = grid.ravel()
        if isinstance(labels, list):
            data[column] = pd.Categorical.from_codes(codes, categories=pd.Index(labels))
        else:
            data[column] = np.asarray(labels)[codes]
    data[name] = values.ravel()
    return pd.DataFrame(data)


def build_tables(
    compiled: Compiled,
    trajectory: Trajectory,
    first: int = 0,
    *,
    params: Params | None = None,
) -> dict[str, pd.DataFrame]:
    """Every tidy table of a run except ``summary``.

    ``params``: the parameters per replication, when the replications ran different
    ones (their regional weights and security's weight in the alignment index; default:
    the compiled scenario's).
    """
    ran = compiled.params if params is None else params
    replications, steps = _index(trajectory, first)
    step_dates = dates(compiled, steps)
    states, powers, options = compiled.states, compiled.powers, compiled.options

    def with_dates(frame: pd.DataFrame) -> pd.DataFrame:
        frame.insert(2, "date", step_dates.to_numpy()[np.searchsorted(steps, frame["step"])])
        return frame

    alignment = _long(
        alignment_array(trajectory, ran.alignment_weight).transpose(0, 1, 3, 4, 2),
        [
            ("replication", replications),
            ("step", steps),
            ("state", states),
            ("power", options),
            ("domain", list(DOMAINS)),
        ],
    )
    regional = _long(
        regional_array(compiled, trajectory, params).transpose(0, 1, 3, 2),
        [
            ("replication", replications),
            ("step", steps),
            ("power", options),
            ("domain", list(DOMAINS)),
        ],
    )
    base: Axes = [("replication", replications), ("step", steps), ("state", states)]
    state_frame = _long(trajectory["unrest"], base, "unrest")
    state_frame["external_threat"] = trajectory["threat"].ravel()
    state_frame["security_salience"] = trajectory["salience"].ravel()
    state_frame["economic_distress"] = trajectory["distress"].ravel()
    if compiled.params.pop is not None:  # citizens: the government's legitimacy, the jailed
        state_frame["legitimacy"] = trajectory["legitimacy"].ravel()
        state_frame["jailed"] = trajectory["jailed"].ravel()
    pair: Axes = [
        ("replication", replications),
        ("step", steps),
        ("power", powers),
        ("state", states),
    ]
    power_frame = _long(trajectory["credibility"], pair, "credibility")
    for name in ("posture", "deployed", "investment", "trade", "remittances", "debt"):
        power_frame[name] = trajectory[name].ravel()
    power_frame["resentment"] = trajectory["resentment"].ravel()
    power_frame["diversification"] = trajectory["diversion"].ravel()
    power_frame["opinion"] = trajectory["opinion"].transpose(0, 1, 3, 2).ravel()
    power_frame["memory"] = trajectory["memory"].transpose(0, 1, 3, 2).ravel()
    s_n = len(states)
    power_frame["security_capacity"] = np.repeat(trajectory["capacity"].ravel(), s_n)
    power_frame["economic_capacity"] = np.repeat(trajectory["econ"].ravel(), s_n)
    power_frame["host_economy"] = np.repeat(trajectory["host"].ravel(), s_n)
    events = pd.DataFrame(
        trajectory.events, columns=["replication", "step", "kind", "actor", "target", "detail"]
    )
    events = events.sort_values(["replication", "step"], kind="stable").reset_index(drop=True)
    event_dates = [compiled.timeline.date_of(int(s)) for s in events["step"]]
    events["date"] = pd.Series(pd.to_datetime(event_dates), dtype=DATE_DTYPE)
    events = events[["replication", "step", "date", "kind", "actor", "target", "detail"]]
    return {
        "alignment": with_dates(alignment),
        "regional": with_dates(regional),
        "states": with_dates(state_frame),
        "powers": with_dates(power_frame),
        "events": events,
    }


LONG_COLUMNS = ("replication", "metric", "state", "power", "alliance", "value")


def long_summary(
    summary: pd.DataFrame, states: list[str], options: list[str], alliances: list[str]
) -> pd.DataFrame:
    """The summary in long form: one row per replication and metric, for queries.

    ``final_alignment.kazakhstan.russia`` becomes metric ``final_alignment``, state
    ``kazakhstan``, power ``russia``; a metric of a power alone (``final_credibility.china``,
    ``final_regional.self``) has no state, one of membership (``final_member.kyrgyzstan.csto``)
    an alliance instead of a power. ``DataFrame.query("metric == 'final_alignment' and
    power == 'china'")`` then works where the wide table's dotted names cannot. Built
    from codes (about 20 bytes a row), not from repeated strings.
    """
    columns = [c for c in summary.columns if c != "replication"]
    keys: dict[str, list[str | None]] = {"metric": [], "state": [], "power": [], "alliance": []}
    for column in columns:
        metric, *rest = str(column).split(".")
        found: dict[str, str | None] = {"state": None, "power": None, "alliance": None}
        for part in rest:
            if metric == "final_member" and part in alliances:
                found["alliance"] = part
            elif part in states and found["state"] is None:
                found["state"] = part
            elif part in options:
                found["power"] = part
        keys["metric"].append(metric)
        for name, value in found.items():
            keys[name].append(value)
    n = len(summary)
    out: dict[str, Any] = {
        "replication": np.tile(summary["replication"].to_numpy(dtype=np.int32), len(columns))
    }
    for name, per_column in keys.items():
        categories = list(dict.fromkeys(k for k in per_column if k is not None))
        codes = np.array([categories.index(k) if k is not None else -1 for k in per_column])
        out[name] = pd.Categorical.from_codes(
            np.repeat(codes, n).astype(np.int16), categories=pd.Index(categories)
        )
    values = summary[columns].to_numpy(dtype=float) if columns else np.empty((n, 0))
    out["value"] = values.T.ravel()
    return pd.DataFrame(out, columns=list(LONG_COLUMNS))
