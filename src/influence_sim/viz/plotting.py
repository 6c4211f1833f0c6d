"""Figures of a run. Each ``plot_*`` takes ``ax=None`` and returns the Axes it drew on.

Lines are medians across replications; bands span the 10th to 90th percentiles.
The map is in :mod:`.maps`; writing figures to files in :mod:`.files`.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from influence_sim.viz.live import changing
from influence_sim.viz.shocks import (
    first_replication,
    scheduled_shocks,
    scripted_days,
    shock_key,
    shocks_within,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from influence_sim.results.runs import RunResult

BAND = (0.1, 0.9)
COLOURS = ["#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
"""Okabe and Ito's colour-blind-safe palette; powers take it in scenario order, so a power
has the same colour in every figure of a run (Russia vermillion, China blue)."""
SELF_COLOUR = "#7f7f7f"
STATE_COLOURS = ["#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
"""States' colours where states are the lines (unrest), apart from the first powers'."""
MAX_PANELS = 12
"""Beyond this many states, figures of every state give way to aggregate ones."""
MARKED = {
    "request": ("request", "#000000", "--"),
    "arrival": ("troops arrive", "#c0392b", "-"),
    "withdrawal": ("troops leave", "#c0392b", "-."),
    "freeze": ("freezes its alliance", "#8e44ad", ":"),
    "exit": ("leaves its alliance", "#8e44ad", "--"),
}
"""What a run decided, marked where it concerns the state: label, colour, line."""
SHOCK_STYLE = ("scheduled shock (numbered)", "#555555", ":")
"""Every shock the scenario schedules, numbered, with its label in a key under the axes."""
LINE_WIDTH = {"arrival": 2.6}
"""Arrivals drawn wide and faint beneath, so a request on the same day stays visible."""


SHARE = "share (0-1)"
"""The y axis of alignment and reliance: shares of a state's whole, 0 to 1."""


def axes_or_new(ax: Axes | None) -> Axes:
    """``ax``, or the Axes of a new pyplot figure (for notebooks) when it is None."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(8, 4.5))[1]


def _dates(ax: Axes) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))


Window = tuple[Any, Any]
"""The dates a time figure shows, first and last (``2021-12-15``, ``2022-03-31``)."""


def set_window(ax: Axes, window: Window | None) -> None:
    """Show only ``window`` on the time axis (before events are marked and numbered)."""
    if window is None:
        return
    from matplotlib.dates import date2num

    if len(window) != 2 or pd.Timestamp(window[0]) >= pd.Timestamp(window[1]):  # as --window
        raise ValueError(f"window={window!r}: expected (FIRST, LAST), two dates, FIRST first")
    ax.set_xlim(*(float(date2num(pd.Timestamp(day))) for day in window))


def _finish(
    ax: Axes,
    result: RunResult,
    state: str,
    events: bool,
    title: str,
    ylabel: str = SHARE,
    window: Window | None = None,
) -> Axes:
    """Events, title, shares on the y axis, legend and dates: how a state's plot ends."""
    set_window(ax, window)
    if events:
        mark_events(ax, result, state)
    ax.set(title=title, ylabel=ylabel, ylim=(0, 1))
    _legend(ax)
    _dates(ax)
    return ax


def _legend(ax: Axes) -> None:
    """The legend beside the axes, clear of the lines and of the shocks' numbers."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)


def focus_state(result: RunResult) -> str:
    """The state a scenario is about: the first one a shock names, else the first state."""
    for shock in result.scenario.shocks:
        state = getattr(shock, "state", None)
        if state:
            return str(state)
    return next(iter(result.scenario.states))


def colour_of(result: RunResult, option: str) -> str:
    """A fixed colour per power (in scenario order), grey for ``self``."""
    powers = list(result.scenario.powers)
    return SELF_COLOUR if option not in powers else COLOURS[powers.index(option) % len(COLOURS)]


def label_of(result: RunResult, option: str) -> str:
    """The title of a power, or "self" for a state's own share."""
    return result.scenario.powers[option].title if option in result.scenario.powers else "self"


def _bands(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    grouped = frame.groupby(by, observed=True)["value"]
    out = grouped.quantile(np.array([BAND[0], 0.5, BAND[1]])).unstack()
    out.columns = ["low", "median", "high"]
    return out.reset_index()


def _draw(ax: Axes, rows: pd.DataFrame, colour: str, label: str, **line: Any) -> None:
    """A median and its band, marked as what changes from step to step (``viz.live``)."""
    (median,) = ax.plot(rows["date"], rows["median"], color=colour, label=label, **line)
    band = None
    if rows["low"].ne(rows["high"]).any():
        band = ax.fill_between(
            rows["date"], rows["low"], rows["high"], color=colour, alpha=0.18, lw=0
        )
    changing(median, band)


def mark_events(ax: Axes, result: RunResult, state: str | None = None) -> Axes:
    """Mark the scheduled shocks and, for ``state`` (or all), what the run decided.

    Every shock the scenario schedules is a dotted line with a number at the top of the
    axes (numbers stacked where shocks fall close together) and its label in a key
    under the axes. Requests, arrivals, withdrawals and alliances frozen or left are
    marked in their own style where they concern ``state``, from replication 0 (shocks
    are the same in every replication; decisions may differ, the events table has them
    all).
    """
    first = first_replication(result)
    shocks = scheduled_shocks(result)
    decided = first[first["kind"].astype(str).isin(list(MARKED))]
    if state:
        decided = decided[(decided["actor"] == state) | (decided["target"] == state)]
    seen: set[str] = set()
    scripted = scripted_days(result)
    for _, row in decided.iterrows():
        kind = str(row["kind"])
        label, colour, dash = MARKED[kind]
        wide = LINE_WIDTH.get(kind)
        key = (int(row["step"]), kind, str(row["actor"]), str(row["target"]))
        ax.axvline(
            scripted.get(key, row["date"]),
            color=colour,
            ls=dash,
            lw=wide or 1.0,
            alpha=0.35 if wide else 0.9,
            zorder=1.5 if wide else 2.5,
            label=None if label in seen else label,
        )
        seen.add(label)
    _number_shocks(ax, shocks)
    return ax


SHOCK_KEY_GID = "shock-key"
"""The ``gid`` of the key text under an Axes (a grid of panels shows one key instead)."""


def _number_shocks(ax: Axes, shocks: pd.DataFrame) -> None:
    """Dotted lines numbered at the top, stacked when close, and the key under the axes."""
    if shocks.empty:
        return
    from matplotlib.dates import date2num
    from matplotlib.transforms import blended_transform_factory

    label, colour, dash = SHOCK_STYLE
    top = blended_transform_factory(ax.transData, ax.transAxes)
    low, high = ax.get_xlim()  # in days (matplotlib's date unit)
    shocks = shocks_within(shocks, low, high)  # a window shows its own, with their numbers
    if shocks.empty:
        return
    near = max(high - low, 1.0) / 30  # numbers closer than this stack downwards
    box = {"boxstyle": "circle,pad=0.2", "fc": "white", "ec": "#999999", "lw": 0.6}
    last: float | None = None
    level = 0
    for number, date in zip(
        shocks["number"], date2num(pd.to_datetime(shocks["date"])), strict=True
    ):
        ax.axvline(
            date,
            color=colour,
            ls=dash,
            lw=0.8,
            alpha=0.7,
            zorder=1,
            label=label if number == shocks["number"].iloc[0] else None,
        )
        close = last is not None and date - last < near
        level = (level + 1) % 8 if close else 0
        last = date
        ax.text(
            date,
            0.97 - 0.08 * level,
            str(number),
            transform=top,
            ha="center",
            va="top",
            fontsize="x-small",
            color="#333333",
            bbox=box,
        )
    ax.text(
        0.0,
        -0.17,  # below the dates and their offset ("2022-Jan")
        shock_key(shocks),
        transform=ax.transAxes,
        ha="left",
        va="top",
        fontsize="x-small",
        color="#333333",
        wrap=True,
        gid=SHOCK_KEY_GID,
    )


def plot_alignment(
    result: RunResult,
    state: str | None = None,
    *,
    domain: str = "overall",
    events: bool = True,
    ax: Axes | None = None,
    window: Window | None = None,
) -> Axes:
    """A state's alignment with each power (and ``self``) over time.

    Args:
        result: A run.
        state: The state (default: the one the scenario's shocks are about).
        domain: ``overall``, ``security`` or ``economy``.
        events: Mark the scheduled shocks and the requests, arrivals, withdrawals and
            alliances frozen or left (``mark_events``).
        ax: Where to draw.
        window: The first and last dates shown (the crisis weeks, say); all by default.
    """
    ax = axes_or_new(ax)
    state = state or focus_state(result)
    frame = result.tables["alignment"]
    rows = frame[(frame["state"] == state) & (frame["domain"] == domain)]
    bands = _bands(rows, ["date", "power"])
    for option, part in bands.groupby("power", observed=True):
        _draw(ax, part, colour_of(result, str(option)), label_of(result, str(option)))
    title = result.scenario.states[state].title
    return _finish(ax, result, state, events, f"{title}: {domain} alignment", window=window)


def plot_tradeoff(
    result: RunResult,
    state: str | None = None,
    *,
    events: bool = True,
    ax: Axes | None = None,
    window: Window | None = None,
) -> Axes:
    """Security reliance (solid) against economic reliance (dashed) on each power.

    The article's division of labour: Russia for security, China for the economy.
    """
    ax = axes_or_new(ax)
    state = state or focus_state(result)
    frame = result.tables["alignment"]
    rows = frame[(frame["state"] == state) & frame["power"].isin(list(result.scenario.powers))]
    bands = _bands(rows[rows["domain"] != "overall"], ["date", "power", "domain"])
    for (option, domain), part in bands.groupby(["power", "domain"], observed=True):
        dash = "-" if domain == "security" else "--"
        _draw(
            ax,
            part,
            colour_of(result, str(option)),
            f"{label_of(result, str(option))}, {domain}",
            ls=dash,
        )
    title = result.scenario.states[state].title
    title = f"{title}: security against economic reliance"
    return _finish(ax, result, state, events, title, window=window)


ECONOMIC_TIES = {
    "trade": ("trade share", "-"),
    "remittances": ("remittances / GDP", "--"),
    "debt": ("debt / GDP", ":"),
}
"""The economic ties ``plot_economy`` draws: column of the ``powers`` table, label, line."""


def plot_economy(
    result: RunResult,
    state: str | None = None,
    *,
    events: bool = True,
    ax: Axes | None = None,
    window: Window | None = None,
) -> Axes:
    """A state's economic ties with each power: trade share, remittances and debt (of GDP).

    Each power in its colour; trade solid, remittances dashed, debt dotted. Ties that are
    zero throughout are left out.
    """
    ax = axes_or_new(ax)
    state = state or focus_state(result)
    frame = result.tables["powers"]
    rows = frame[frame["state"] == state]
    top = 0.05
    for column, (label, dash) in ECONOMIC_TIES.items():
        bands = _bands(rows.rename(columns={column: "value"}), ["date", "power"])
        for power, part in bands.groupby("power", observed=True):
            if not (part["high"] > 0).any():
                continue
            name = f"{label_of(result, str(power))}, {label}"
            _draw(ax, part, colour_of(result, str(power)), name, ls=dash)
            top = max(top, float(part["high"].max()))
    title = result.scenario.states[state].title
    ax = _finish(
        ax, result, state, events, f"{title}: economic ties", "share of trade, of GDP", window
    )
    ax.set_ylim(0, min(1.0, np.ceil(24 * top) / 20))  # a fifth above, to the next 0.05
    return ax


def plot_regional(
    result: RunResult,
    *,
    domain: str = "overall",
    events: bool = True,
    ax: Axes | None = None,
    window: Window | None = None,
) -> Axes:
    """The region's alignment with each power, weighted as the scenario says."""
    ax = axes_or_new(ax)
    frame = result.tables["regional"]
    bands = _bands(frame[frame["domain"] == domain], ["date", "power"])
    for option, part in bands.groupby("power", observed=True):
        _draw(ax, part, colour_of(result, str(option)), label_of(result, str(option)))
    set_window(ax, window)
    if events:
        mark_events(ax, result)
    weights = result.scenario.observation.regional_weights
    ax.set(title=f"Regional {domain} alignment ({weights} weights)", ylabel=SHARE, ylim=(0, 1))
    _legend(ax)
    _dates(ax)
    return ax


def figure_key(
    figure: Any, result: RunResult, events: bool, caption: str | None, window: Window | None = None
) -> None:
    """Under a figure of panels: the key of the shocks ``window`` shows, then the caption."""
    shocks = scheduled_shocks(result) if events else pd.DataFrame()
    if window is not None and len(shocks):
        shocks = shocks_within(shocks, *window)
    lines = [shock_key(shocks)] if len(shocks) else []
    lines += [caption] if caption else []
    if lines:
        figure.supxlabel("\n".join(lines), fontsize="x-small", color="#333333", wrap=True)


def drop_keys(ax: Axes) -> None:
    """Remove an Axes' own key of the shocks (a figure of panels shows one for all)."""
    for text in [t for t in ax.texts if t.get_gid() == SHOCK_KEY_GID]:
        text.remove()


def plot_unrest_grid(
    result: RunResult,
    *,
    events: bool = True,
    fig: Any = None,
    caption: str | None = None,
    window: Window | None = None,
) -> Any:
    """Unrest in each state, one panel each on a shared scale; returns the Figure.

    Five states' bands near zero overlap on one Axes; here each has its own panel. The
    scale is shared (0 to the largest 90th percentile) so panels compare.
    """
    from matplotlib.figure import Figure

    states = list(result.scenario.states)
    cols = min(3, len(states))
    rows = int(np.ceil(len(states) / cols))
    figure = (
        fig if fig is not None else Figure(figsize=(5 * cols, 2.8 * rows), layout="constrained")
    )
    frame = result.tables["states"].rename(columns={"unrest": "value"})
    bands = _bands(frame, ["date", "state"])
    top = max(0.05, float(bands["high"].max()) * 1.1)
    for i, key in enumerate(states):
        ax = figure.add_subplot(rows, cols, i + 1)
        part = bands[bands["state"] == key]
        _draw(ax, part, "#555555", "unrest")
        set_window(ax, window)
        if events:
            mark_events(ax, result, key)
            drop_keys(ax)
        ax.set(title=f"{result.scenario.states[key].title}: unrest", ylim=(0, top))
        ax.set_ylabel("share active (0-1)")
        _dates(ax)
    figure_key(figure, result, events, caption, window)
    return figure


def plot_unrest(
    result: RunResult,
    *,
    events: bool = True,
    ax: Axes | None = None,
    window: Window | None = None,
) -> Axes:
    """Unrest in each state, on one Axes (``plot_unrest_grid`` gives each its panel)."""
    ax = axes_or_new(ax)
    frame = result.tables["states"].rename(columns={"unrest": "value"})
    bands = _bands(frame, ["date", "state"])
    for i, (state, part) in enumerate(bands.groupby("state", observed=True)):
        title = result.scenario.states[str(state)].title
        _draw(ax, part, STATE_COLOURS[i % len(STATE_COLOURS)], title)
    set_window(ax, window)
    if events:
        mark_events(ax, result)
    ax.set(title="Unrest", ylabel="unrest", ylim=(0, 1))
    _legend(ax)
    _dates(ax)
    return ax


def paired_difference(
    base: RunResult, other: RunResult, *, state: str, power: str, domain: str = "overall"
) -> pd.DataFrame:
    """``other - base`` per replication and step (the runs must share seeds and calendar).

    Raises:
        ValueError: If the runs are not paired.
    """
    if (base.seed, base.replications) != (other.seed, other.replications):
        raise ValueError("the runs are not paired: they need the same seed and replications")
    keys = ["replication", "step", "date"]

    def pick(result: RunResult) -> pd.DataFrame:
        frame = result.tables["alignment"]
        rows = frame[
            (frame["state"] == state) & (frame["power"] == power) & (frame["domain"] == domain)
        ]
        return rows[[*keys, "value"]].set_index(keys)

    joined = pd.merge(
        pick(other), pick(base), left_index=True, right_index=True, suffixes=("_other", "_base")
    )
    if joined.empty:
        raise ValueError("the runs share no steps: their calendars differ")
    joined["value"] = joined["value_other"] - joined["value_base"]
    return joined.reset_index()


def plot_comparison(
    base: RunResult,
    other: RunResult,
    *,
    state: str | None = None,
    power: str | None = None,
    domain: str = "overall",
    events: bool = True,
    ax: Axes | None = None,
    label: str | None = None,
) -> Axes:
    """The paired difference ``other - base`` in a state's alignment with a power.

    ``label`` names the difference in the legend (default: ``B minus A`` by name).
    """
    ax = axes_or_new(ax)
    state = state or focus_state(base)
    power = power or next(iter(base.scenario.powers))
    diff = paired_difference(base, other, state=state, power=power, domain=domain)
    bands = _bands(diff, ["date"])
    _draw(ax, bands, colour_of(base, power), _difference_label(base, other, label))
    ax.axhline(0, color="black", lw=0.6)
    if events:
        mark_events(ax, other, state)
    title = base.scenario.states[state].title
    what = "alignment" if domain == "overall" else "reliance"
    ax.set(
        title=f"{title}: {domain} {what} on {label_of(base, power)}, paired difference",
        ylabel="difference in share (0-1)",
    )
    _legend(ax)
    _dates(ax)
    return ax


def plot_comparison_unrest(
    base: RunResult,
    other: RunResult,
    *,
    state: str | None = None,
    events: bool = True,
    ax: Axes | None = None,
    label: str | None = None,
) -> Axes:
    """The paired difference ``other - base`` in a state's unrest (replication by replication).

    Raises:
        ValueError: If the runs are not paired.
    """
    if (base.seed, base.replications) != (other.seed, other.replications):
        raise ValueError("the runs are not paired: they need the same seed and replications")
    ax = axes_or_new(ax)
    state = state or focus_state(base)
    keys = ["replication", "step", "date"]

    def pick(result: RunResult) -> pd.Series:
        frame = result.tables["states"]
        return frame[frame["state"] == state].set_index(keys)["unrest"]

    diff = (pick(other) - pick(base)).dropna().rename("value").reset_index()
    _draw(ax, _bands(diff, ["date"]), "#555555", _difference_label(base, other, label))
    ax.axhline(0, color="black", lw=0.6)
    if events:
        mark_events(ax, other, state)
    title = base.scenario.states[state].title
    ax.set(title=f"{title}: unrest, paired difference", ylabel="difference in unrest (0-1)")
    _legend(ax)
    _dates(ax)
    return ax


def plot_alignment_grid(
    result: RunResult,
    *,
    events: bool = True,
    fig: Any = None,
    caption: str | None = None,
    window: Window | None = None,
) -> Any:
    """Every state's overall alignment, small multiples (one legend); returns the Figure.

    Args:
        result: The run.
        events: Mark the events on each panel (one key of the shocks under the panels).
        fig: A Figure to draw on (default: a new one sized to the states).
        caption: A line under the figure (what its bands hold).
        window: The first and last dates shown; all by default.
    """
    from matplotlib.figure import Figure

    states = list(result.scenario.states)
    cols = min(3, len(states))
    rows = int(np.ceil(len(states) / cols))
    figure = (
        fig if fig is not None else Figure(figsize=(5 * cols, 3.4 * rows), layout="constrained")
    )
    for i, key in enumerate(states):
        ax = figure.add_subplot(rows, cols, i + 1)
        plot_alignment(result, key, events=events, ax=ax, window=window)
        legend = ax.get_legend()
        if not i:
            handles, labels = ax.get_legend_handles_labels()
        if legend is not None:
            legend.remove()  # one legend for the figure, beside the panels
        drop_keys(ax)
    figure.legend(handles, labels, loc="outside right upper", fontsize="small", frameon=False)
    figure_key(figure, result, events, caption, window)
    return figure


def _difference_label(base: Any, other: Any, label: str | None) -> str:
    """The legend's name of a paired difference, wrapped.

    Run names carry their overrides, and two long ones on one line leave the axes no room.
    """
    return textwrap.fill(label or f"{other.name} minus {base.name}", 60)
