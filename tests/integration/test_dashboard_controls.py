"""The dashboard's run controls (``RunCard``), rendered without a browser.

Playing steps the model in a thread of its own; a pause and a play pressed at once
must never leave two plays stepping the same model, and a Reset must never be stepped
by the play before it.
"""

from __future__ import annotations

import threading
import time

import pytest

solara = pytest.importorskip("solara", reason="the dashboard extra is not installed")
pytestmark = [
    pytest.mark.filterwarnings("ignore:Failed to validate hooks:UserWarning"),  # Mesa's
    pytest.mark.filterwarnings("ignore:There is no current event loop:DeprecationWarning"),
]


class SlowModel:
    """Steps slowly, draws at once (``shown``), and counts steps that overlap."""

    def __init__(self, **levers) -> None:
        self.steps, self.n_steps, self.running, self.shown = 0, 10_000, True, -1
        self.inside = self.overlaps = 0
        self.released = False
        self._count = threading.Lock()

        class Timeline:
            step_word, steps_word = "week", "weeks"

        class Compiled:
            timeline = Timeline()

        self.compiled = Compiled()

    def step(self) -> None:
        with self._count:
            self.inside += 1
            self.overlaps += self.inside > 1
        time.sleep(0.02)
        self.steps += 1
        self.shown = self.steps
        with self._count:
            self.inside -= 1

    def release(self) -> None:
        self.released = True


@pytest.fixture
def controls(monkeypatch):
    import ipyvuetify as v
    from solara.server import kernel, kernel_context

    from influence_sim.dashboard import app

    monkeypatch.setattr(app, "DashboardModel", SlowModel)
    first = SlowModel()

    @solara.component
    def Page():  # noqa: N802 (a component)
        model = solara.use_reactive(first)
        app.RunCard(model, solara.use_reactive({}))
        holder["model"] = model

    holder: dict = {}
    context = kernel_context.VirtualKernelContext(
        id="controls", kernel=kernel.Kernel(), session_id="controls"
    )
    with context:
        _, rc = solara.render(Page(), handle_error=False)

        def press(label: str) -> None:
            rc.find(v.Btn, children=[label]).widget.click()

        def labels() -> list[str]:
            return [str(w.widget.children[0]) for w in rc.find(v.Btn)]

        press.model = lambda: holder["model"].value  # the model the page shows now
        yield first, labels, press
        press_pause = [w for w in rc.find(v.Btn) if w.widget.children == ["❚❚"]]
        for button in press_pause:
            button.widget.click()
        time.sleep(0.1)
        rc.close()


def eventually(condition, timeout: float = 20.0) -> bool:
    """Whether ``condition()`` comes true within ``timeout`` s (threads need their turn)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_pause_and_play_at_once_leave_one_play(controls):
    model, labels, press = controls
    press("▶")
    assert eventually(lambda: model.steps >= 3)
    for _ in range(5):  # a student pressing pause and play in a hurry
        press("❚❚")
        press("▶")
    before = model.steps
    assert eventually(lambda: model.steps >= before + 10), "still playing"
    assert model.overlaps == 0, "two plays stepped the model at once"
    press("❚❚")
    assert eventually(lambda: "▶" in labels())
    time.sleep(0.1)  # a step under way when the pause came ends
    assert eventually(lambda: model.inside == 0)
    stopped = model.steps
    time.sleep(0.3)
    assert model.steps == stopped, "a pause stops every play"


def test_reset_while_playing_stops_the_play_and_releases_the_model(controls):
    model, labels, press = controls
    press("▶")
    assert eventually(lambda: model.steps >= 3)
    press("Reset")
    assert eventually(lambda: "▶" in labels())
    assert model.released, "the old model's figures let go"
    fresh = press.model()
    assert fresh is not model
    time.sleep(0.1)  # a step under way when Reset came ends
    assert eventually(lambda: model.inside == 0)
    stopped = model.steps
    time.sleep(0.3)
    assert model.steps == stopped, "the play stopped"
    assert fresh.steps == 0, "the old play never steps the new model"
