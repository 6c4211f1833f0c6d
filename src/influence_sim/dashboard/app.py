"""The dashboard: ``InfluenceModel`` in the browser, for teaching.

Served by ``influence-sim dashboard [FILE]`` (``solara run`` on this file). Sliders and
switches set the levers a class argues about (Mesa's form of model parameters); Reset
rebuilds the model with them, Step runs a week and ▶ plays the weeks, each drawn before
the next starts (:class:`RunCard`, in a class's words). The panels sit in Mesa's grid.
The plots are the package's own (``viz``), drawn from what the model has recorded so
far; only what changed is drawn each step (``viz.live``). Needs the ``dashboard`` extra.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import solara
from matplotlib.figure import Figure
from mesa.visualization.solara_viz import ComponentsView, ModelCreator
from mesa.visualization.utils import force_update, update_counter

from influence_sim.drivers.model import InfluenceModel
from influence_sim.engine.trajectory import Trajectory
from influence_sim.format.calendar import long_date
from influence_sim.format.explain import alliance_short
from influence_sim.format.loading import resolve_scenario as resolve
from influence_sim.format.scenario import Scenario
from influence_sim.format.shocks import UprisingShock
from influence_sim.results.glossary import glossary_markdown
from influence_sim.results.runs import RunResult, now
from influence_sim.results.tables import build_tables
from influence_sim.viz.live import LiveFigure

SCENARIO = os.environ.get("INFLUENCE_SIM_SCENARIO", "kazakhstan-2022")


class DashboardModel(InfluenceModel):
    """The dashboard's model: ``InfluenceModel`` on the scenario the command was given.

    It also holds what its page keeps between steps: the snapshot of the run so far
    (:func:`current`), each panel's live figure (:func:`panel_png`) and the last step the
    page drew (:func:`wait_until_shown`); :meth:`release` lets them go on Reset (Mesa
    3.3 keeps every model it made alive). A ``scenario`` that is not ours (Mesa 3.5's
    SolaraViz passes its own on Reset) is replaced by the dashboard's.
    """

    def __init__(self, scenario: Any = None, **kwargs: Any) -> None:
        if not isinstance(scenario, Scenario | str | Path):
            scenario = SCENARIO
        super().__init__(scenario, **kwargs)
        self.panels: dict[str, LiveFigure] = {}
        self.shown = -1
        self.latest: tuple[tuple[int, bool], RunResult] | None = None
        self.lock = threading.Lock()  # a step and a snapshot never overlap

    def step(self) -> None:
        """One step of the model (never while a snapshot of it is taken)."""
        with self.lock:
            super().step()

    def release(self) -> None:
        """Let go of the page's figures and snapshot (the model is being replaced)."""
        self.panels.clear()
        self.latest = None


def levers(scenario: Scenario) -> dict[str, Any]:
    """The dashboard's inputs for a scenario: the levers that exist in it, at its values."""
    params: dict[str, Any] = {}
    powers = list(scenario.powers)
    security, economic = powers[0], powers[min(1, len(powers) - 1)]
    first, second = scenario.powers[security], scenario.powers[economic]

    def slider(
        label: str, value: float, low: float = 0.0, high: float = 1.0, step: float = 0.05
    ) -> Any:
        return {
            "type": "SliderFloat",
            "label": label,
            "value": value,
            "min": low,
            "max": high,
            "step": step,
        }

    params[f"powers.{security}.security_capacity"] = slider(
        f"{first.title}: security capacity", first.security_capacity
    )
    delay = scenario.timeline.delay_steps(first.deploy_delay)
    params[f"powers.{security}.deploy_delay"] = {
        "type": "SliderInt",
        "label": f"{first.title}: deployment delay (steps)",
        "value": delay,
        "min": 0,
        "max": 12,
        "step": 1,
    }
    params[f"powers.{economic}.economic_capacity"] = slider(
        f"{second.title}: economic capacity", second.economic_capacity
    )
    params[f"powers.{security}.host_economy"] = slider(
        f"{first.title}: host economy", first.host_economy, 0.3, 1.5
    )
    for tool in ("police_cooperation", "surveillance"):
        params[f"powers.{economic}.security_tools.{tool}"] = slider(
            f"{second.title}: {tool.replace('_', ' ')}", second.security_tools.get(tool, 0.0)
        )
    params["dynamics.opinion_weight"] = slider(
        "Weight of public opinion", scenario.dynamics.opinion_weight, 0.0, 3.0, 0.1
    )
    uprisings = [(i, s) for i, s in enumerate(scenario.shocks) if isinstance(s, UprisingShock)]
    if uprisings:
        i, uprising = uprisings[0]
        params[f"shocks[{i}].intensity"] = slider("Uprising intensity", uprising.intensity)
    for key, alliance in scenario.alliances.items():
        if alliance.kind == "collective_defence":
            params[f"alliances.{key}.responds"] = {
                "type": "Select",
                "label": f"Does the {alliance_short(key, alliance.title)} answer requests?",
                "value": alliance.responds,
                "values": ["auto", "always", "never"],
            }
    return params


STYLE = """
/* One page of panels: no tab bar ("PAGE 0") above it. */
.v-tabs { display: none !important; }
/* Every slider shows its value. */
.v-slider__thumb-label-container { display: block !important; }
.v-slider__thumb-label { font-size: 10px; }
.v-input__slider { margin-top: 26px !important; }  /* room for the value above */
/* Labels wrap instead of being cut. */
.v-label, .v-select__selection { white-space: normal !important; overflow: visible !important; }
/* A panel's figure fits its card. */
.v-card img { max-width: 100%; height: auto; }
"""
"""The dashboard's own styling of Mesa's SolaraViz page (``Styled`` puts it on the page)."""

WAITING = "Press **Step** or **▶**: the figures over time appear once the model has run a step."


def snapshot(model: InfluenceModel) -> RunResult:
    """What the model has recorded so far, as a one-replication run result."""
    recorded = model.trajectory
    done = model.steps if model.running else model.n_steps
    rows = int(np.searchsorted(recorded.steps, min(done, model.n_steps), side="right"))
    trajectory = Trajectory(
        recorded.steps[:rows],
        {name: array[:, :rows] for name, array in recorded.arrays.items()},
        [e for e in recorded.events if e[1] < done],
    )
    tables = build_tables(model.compiled, trajectory)
    return RunResult(model.spec, model.seed, 1, "mesa", tables, now(), now())


DPI = 100
"""The panels' resolution (matplotlib's own; 72 saved a tenth of a step and blurred them)."""


def current(model: DashboardModel) -> RunResult:
    """:func:`snapshot`, made once per step and shared by every panel (each made its own)."""
    with model.lock:
        key = (model.steps, model.running)
        if model.latest is None or model.latest[0] != key:
            model.latest = (key, snapshot(model))
        return model.latest[1]


FIRST_SPAN = 13
"""The steps the time axes span at first (a quarter of weeks): the crisis fills them."""


def time_axis(model: InfluenceModel) -> tuple[Any, Any]:
    """The dates the time panels span: :data:`FIRST_SPAN` steps, doubled as the run goes.

    The span doubles each time the run passes its end, up to the whole run. The axes
    stay still while the lines grow across them, so a panel's still part is drawn once
    per span (:func:`panel_png`), and the first weeks are not a sliver.
    """
    span = min(model.n_steps, FIRST_SPAN)
    while span < min(model.steps, model.n_steps):
        span = min(model.n_steps, 2 * span)
    timeline = model.compiled.timeline
    return timeline.date_of(0), timeline.date_of(span)


def panel_figure(name: str, model: DashboardModel) -> Figure:
    """The figure of one panel (by name) at the model's current step (see :func:`time_axis`)."""
    from influence_sim.viz.maps import plot_map
    from influence_sim.viz.plotting import (
        plot_alignment_grid,
        plot_economy,
        plot_regional,
        plot_tradeoff,
        plot_unrest,
    )

    result = current(model)
    whole = time_axis(model)
    if name == "alignment":
        figure: Figure = plot_alignment_grid(result, window=whole)
        return figure
    draw = {
        "map": lambda ax: plot_map(result, ax=ax),
        "tradeoff": lambda ax: plot_tradeoff(result, ax=ax, window=whole),
        "economy": lambda ax: plot_economy(result, ax=ax, window=whole),
        "region": lambda ax: plot_regional(result, ax=ax, window=whole),
        "unrest": lambda ax: plot_unrest(result, ax=ax, window=whole),
    }[name]
    figure = Figure(figsize=(7, 4.6) if name == "map" else (6.4, 3.6), layout="constrained")
    draw(figure.add_subplot())
    return figure


PANELS = ("map", "tradeoff", "economy", "region", "unrest", "alignment")
"""The figures a step redraws (the citizens' panel apart)."""


def panel_png(name: str, model: DashboardModel) -> bytes:
    """The PNG of one panel now, drawn live (``viz.live``).

    Its still part is drawn once per span of the time axes and per event marked; its
    lines, each step.
    """
    return _live(model, name).png(panel_figure(name, model))


def _live(model: DashboardModel, name: str) -> LiveFigure:
    if name not in model.panels:
        model.panels[name] = LiveFigure(DPI)
    return model.panels[name]


def _show(name: str, model: DashboardModel) -> Any:
    return solara.Image(panel_png(name, model), format="png")


def _started(model: DashboardModel) -> bool:
    """Whether there is anything over time to draw; if not, say how to start."""
    if model.steps:
        return True
    solara.Markdown(WAITING)
    return False


def _time_panel(name: str, what: str) -> Any:
    """The component of a panel over time (``name`` in :data:`PANELS`).

    A word until the first step, then its figure, redrawn each step.
    """

    def panel(model: DashboardModel) -> None:
        update_counter.get()
        if _started(model):
            _show(name, model)

    panel.__name__ = panel.__qualname__ = f"{name.capitalize()}Panel"
    panel.__doc__ = what
    return solara.component(panel)


AlignmentPanel = _time_panel("alignment", "Each state's overall alignment with each power.")
TradeoffPanel = _time_panel("tradeoff", "Security against economic reliance of the focus state.")
EconomyPanel = _time_panel("economy", "Trade shares, remittances and debt of the focus state.")
RegionPanel = _time_panel("region", "Regional alignment.")
UnrestPanel = _time_panel("unrest", "Unrest in each state, in a panel of its own.")


@solara.component
def MapPanel(model: DashboardModel) -> None:
    """The map of the region, coloured by where each state leans now (the start, at 0)."""
    update_counter.get()
    solara.Style(STYLE)
    _show("map", model)


@solara.component
def CitizensPanel(model: DashboardModel) -> None:
    """The citizens of each region, beside the map (scenarios with ``unrest: citizens``)."""
    from influence_sim.viz.citizens import plot_citizens

    update_counter.get()
    views = model.citizens()
    if not views:
        solara.Markdown(
            "**Citizens** are placed on the first day: press **Step** or **▶** to see them."
        )
        return
    titles = [
        f"{model.spec.states[model.state_keys[v.state]].title}: {v.region.replace('_', ' ')}"
        if v.region != model.state_keys[v.state]
        else model.spec.states[model.state_keys[v.state]].title
        for v in views
    ]
    solara.Image(_live(model, "citizens").png(plot_citizens(views, titles)), format="png")


@solara.component
def EventsPanel(model: DashboardModel) -> None:
    """What has happened so far, each on its own date where it has one.

    Drawn, it lets playing go on to the next step (:func:`wait_until_shown`).
    """
    from influence_sim.viz.shocks import day_month_year, own_dates

    update_counter.get()
    done = model.steps
    solara.use_effect(lambda: setattr(model, "shown", done), [model, done])
    timeline = model.compiled.timeline
    lines = ["| step | date | what |", "|---|---|---|"]
    if done:
        result = current(model)
        events = result.tables["events"].sort_values("step", kind="stable")
        days = own_dates(result, events)
        for row, day in zip(events.itertuples(), days, strict=True):
            kind = str(row.kind)
            when = (
                day_month_year(day) if day is not None else timeline.period_of(int(str(row.step)))
            )
            what = (
                str(row.detail)
                if kind.startswith("shock:")
                else f"{kind.replace('_', ' ')}: {row.actor} → {row.target} {row.detail}"
            )
            lines.append(f"| {row.step} | {when} | {what} |")
    solara.Markdown(
        f"**Events** (step {done} of {model.n_steps})\n\n"
        + "\n".join(lines)
        + "\n\n**Glossary**\n\n"
        + glossary_markdown()
    )


PAUSE_MS = 0
"""The pause between steps while playing: none (each step is drawn before the next)."""
SHOWN_WAIT = 30.0
"""Seconds playing waits for a step to be drawn before it stops (the page was closed)."""


def wait_until_shown(model: DashboardModel, timeout: float = SHOWN_WAIT) -> bool:
    """Wait until the page has drawn the model's current step; False if it did not.

    Drawn on the server: the page's widgets hold the step (the browser shows them as
    they arrive). A step's drawing usually ends before ``force_update`` returns; it is
    left to another thread when one is drawing, and then this waits for it.
    """
    deadline = time.monotonic() + timeout
    while model.shown < model.steps:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def play_until(model: DashboardModel, stop: threading.Event, pause_ms: Callable[[], int]) -> str:
    """Step ``model`` until ``stop`` or its end, each step drawn before the next.

    Returns what stopped it early, in words ("" if nothing did).
    """
    word = model.compiled.timeline.step_word
    try:
        while not stop.is_set() and model.running:
            model.step()
            force_update()
            if not wait_until_shown(model):
                return f"Stopped: {word} {model.steps} was not drawn in {SHOWN_WAIT:.0f} s."
            time.sleep(pause_ms() / 1000)
    except Exception as e:  # shown on the page, as Mesa's controller does
        return f"error in step: {e}"
    return ""


@solara.component
def RunCard(model: solara.Reactive[DashboardModel], chosen: solara.Reactive[dict]) -> None:
    """Reset, play and step, and the pause between steps while playing, in a class's words.

    Playing draws every step: the next starts once the page has drawn this one (Mesa's
    own controller steps on while the page draws, and a short pause skipped most
    weeks). Each play has its own stop signal and a play starts only once the one
    before has ended its step, so a pause and a play at once never leave two plays
    stepping, and an old one never stops a new one; a play steps only the model it
    began with.
    """
    playing = solara.use_reactive(False)
    pause = solara.use_reactive(PAUSE_MS)
    error: solara.Reactive[str | None] = solara.use_reactive(None)
    stop = solara.use_ref(threading.Event())  # the current play's stop signal
    signal = stop.current  # this render's play (use_task runs the one of its render)
    one_play = solara.use_memo(threading.Lock, [])
    timeline = model.value.compiled.timeline
    word = timeline.step_word

    def pace() -> int:
        return pause.value

    def one_step() -> None:
        model.value.step()
        force_update()

    def play() -> None:
        if not playing.value or signal.is_set():
            return
        try:
            with one_play:  # a play paused a moment ago ends its step first
                problem = "" if signal.is_set() else play_until(model.value, signal, pace)
            if problem:
                error.set(problem)
        finally:
            if stop.current is signal:  # this is still the current play
                playing.set(False)

    solara.lab.use_task(play, dependencies=[playing.value, signal], prefer_threaded=True)

    def start_or_pause() -> None:
        if playing.value:
            stop.current.set()
            playing.set(False)
        else:
            stop.current = threading.Event()
            error.set(None)
            playing.set(True)

    def reset() -> None:
        stop.current.set()
        playing.set(False)
        error.set(None)
        model.value.release()
        model.set(DashboardModel(**chosen.value))

    running = model.value.running
    with solara.Row(justify="space-between"):
        solara.Button("Reset", color="primary", on_click=reset)
        solara.Button(
            "❚❚" if playing.value else "▶",
            color="primary",
            on_click=start_or_pause,
            disabled=not running,
        )
        solara.Button(
            "Step", color="primary", on_click=one_step, disabled=playing.value or not running
        )
    if error.value:
        solara.Error(error.value)
    solara.Markdown(f"**Step** runs one {word}; **▶** plays them one after another.")
    solara.SliderInt(
        f"Pause between {timeline.steps_word} while playing (ms)",
        value=pause,
        min=0,
        max=1000,
        step=50,
    )


@solara.component
def WeekNow(model: DashboardModel) -> None:
    """How far the run has got, in the scenario's steps and dates."""
    update_counter.get()
    timeline = model.compiled.timeline
    done = model.steps
    reach = long_date(timeline.date_of(min(done, model.n_steps)))
    solara.Markdown(
        f"**{done}** of {model.n_steps} {timeline.steps_word} run: the figures reach {reach}."
        if done
        else f"Not started: the run begins on {reach}."
    )


@solara.component
def Dashboard(
    make: Callable[[], DashboardModel], components: list[Any], inputs: dict[str, Any]
) -> None:
    """The page: the run's controls, the levers and how far the run has got, and panels.

    The panels sit in Mesa's grid; each browser tab makes its own model (``make``).
    """
    first = solara.use_memo(make, [])
    model: solara.Reactive[DashboardModel] = solara.use_reactive(first)
    chosen: solara.Reactive[dict[str, Any]] = solara.use_reactive({})
    with solara.AppBar():
        solara.AppBarTitle(f"influence-sim: {first.spec.title}")
        solara.lab.ThemeToggle()
    with solara.Sidebar(), solara.Column():
        with solara.Card("Run"):
            RunCard(model, chosen)
        with solara.Card("Levers"):
            solara.Markdown("Move a lever, then press **Reset** to run again with it.")
            ModelCreator(model, inputs, model_parameters=chosen)
        with solara.Card("Now"):
            WeekNow(model.value)
    ComponentsView(components, model.value)


scenario = resolve(SCENARIO)
citizens = [(CitizensPanel, 0)] if scenario.population.citizens else []
page = Dashboard(
    DashboardModel,
    [
        (MapPanel, 0),
        *citizens,
        (TradeoffPanel, 0),
        (EconomyPanel, 0),
        (RegionPanel, 0),
        (UnrestPanel, 0),
        (EventsPanel, 0),
        (AlignmentPanel, 0),
    ],
    levers(scenario),
)
