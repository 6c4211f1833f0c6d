"""The dashboard in a real browser: Debian's chromium, driven by Playwright (no download).

The test serves ``influence-sim dashboard`` on localhost, loads the page, moves a
slider, steps the model and checks that the page follows; it keeps a screenshot in
``results/test-artifacts/``. Where chromium or Playwright is missing it says so and skips.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "results" / "test-artifacts"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def dashboard_log(tmp_path_factory):
    """Where the dashboard's server writes (standard output and error)."""
    return tmp_path_factory.mktemp("dashboard") / "server.log"


@pytest.fixture(scope="module")
def dashboard(dashboard_log):
    yield from _serve(dashboard_log, [])


@pytest.fixture(scope="module")
def citizens_dashboard(tmp_path_factory):
    yield from _serve(
        tmp_path_factory.mktemp("citizens") / "server.log", ["kazakhstan-2022-citizens"]
    )


def _serve(where: Path, args: list[str]):
    if shutil.which(CHROMIUM) is None:
        pytest.skip(f"no browser: {CHROMIUM} is not installed (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    pytest.importorskip("solara", reason="the dashboard extra is not installed")
    port = _free_port()
    log = where.open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "influence_sim", "dashboard", *args, "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        os.killpg(server.pid, signal.SIGKILL)
        pytest.fail("the dashboard did not start within 90 s")
    yield url
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)
    log.close()


STEP_IN_PAGE = """async (k) => {
  const button = [...document.querySelectorAll('button')]
    .find(b => b.innerText.trim().toLowerCase() === 'step');
  const want = `Events (step ${k} of `;
  const start = performance.now();
  button.click();
  while (!document.body.innerText.includes(want)) {
    if (performance.now() - start > 60000) { throw new Error(`no ${want} after 60 s`); }
    await new Promise(r => requestAnimationFrame(r));
  }
  await Promise.all([...document.images].map(
    i => i.complete ? null : new Promise(r => { i.onload = r; i.onerror = r; })));
  return (performance.now() - start) / 1000;
}"""
"""Press Step in the page and wait there until it shows step k and its figures: seconds."""


def step(page, n: int, first: int = 1) -> list[float]:
    """Press Step n times, each time waiting until the page shows the step done.

    How long each step took, click to page (the events and every figure shown), is
    timed in the page and written to ``results/test-artifacts/dashboard-steps.txt``:
    measured, never asserted (``benchmarks/bench_dashboard.py`` follows issue 30's
    target of 0.5 s on the server).
    """
    took = [page.evaluate(STEP_IN_PAGE, k) for k in range(first, first + n)]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with (ARTIFACTS / "dashboard-steps.txt").open("a") as log:
        log.write(" ".join(f"{t:.2f}" for t in took) + " s a step in the browser\n")
    return took


WATCH_STEPS = """() => {
  window.seenSteps = [];
  const look = () => {
    const m = document.body.innerText.match(/Events \\(step (\\d+) of/);
    if (m && window.seenSteps[window.seenSteps.length - 1] !== +m[1]) {
      window.seenSteps.push(+m[1]);
    }
  };
  new MutationObserver(look).observe(document.body, {subtree: true, childList: true,
                                                      characterData: true});
}"""
"""Record in the page every step the events panel shows, in order."""


def _play(page, steps: int) -> None:
    """Play ``steps`` weeks from where the page is, then pause: every week is drawn.

    The rate is logged, not asserted.
    """
    shown = page.get_by_text("Events (step ").first.inner_text()
    at = int(shown.split("(step ")[1].split(" ")[0])
    page.evaluate(WATCH_STEPS)
    start = time.perf_counter()
    page.get_by_role("button", name="▶").click()
    page.wait_for_function(
        "n => window.seenSteps.some(k => k >= n)", arg=at + steps, timeout=120_000
    )
    took = time.perf_counter() - start
    page.get_by_role("button", name="❚❚").click()
    seen = [k for k in page.evaluate("window.seenSteps") if k > at]
    assert seen[:steps] == list(range(at + 1, at + steps + 1)), f"weeks skipped: {seen}"
    with (ARTIFACTS / "dashboard-steps.txt").open("a") as log:
        log.write(
            f"played {steps} steps in {took:.1f} s: 156 would take {156 * took / steps:.0f} s\n"
        )


def _whole(locator) -> bool:
    """Whether an element's text is shown whole (not cut by an ellipsis or its box)."""
    return bool(locator.evaluate("e => e.scrollWidth <= e.clientWidth + 1"))


def _check_slider_values(page) -> None:
    """Every slider shows its value; Russia's security capacity shows the scenario's."""
    labels = page.locator(".v-slider__thumb-label")
    shown = [labels.nth(i) for i in range(labels.count()) if labels.nth(i).is_visible()]
    assert len(shown) == page.locator(".v-slider").count(), "each slider shows its value"
    texts = [label.inner_text().strip() for label in shown]
    assert "0.8" in texts, texts  # powers.russia.security_capacity in kazakhstan-2022


def _check_layout(page) -> None:
    """The panels do not overlap, and each figure stays inside its panel."""
    items = page.locator(".vue-grid-item")
    boxes = [items.nth(i).bounding_box() for i in range(items.count())]
    boxes = [b for b in boxes if b is not None]
    assert len(boxes) >= 7
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = (
                a["x"] + a["width"] <= b["x"] + 1
                or b["x"] + b["width"] <= a["x"] + 1
                or a["y"] + a["height"] <= b["y"] + 1
                or b["y"] + b["height"] <= a["y"] + 1
            )
            assert apart, f"panels overlap: {a} and {b}"
    for i in range(items.count()):
        item = items.nth(i)
        outer = item.bounding_box()
        for k in range(item.locator("img").count()):
            inner = item.locator("img").nth(k).bounding_box()
            assert outer is not None
            assert inner is not None
            assert inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 2, (
                "a figure runs out of its panel"
            )


@contextlib.contextmanager
def browser_page(url: str):
    """A page of the headless browser at ``url``, loaded; closed after the block."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.goto(url, wait_until="networkidle", timeout=90_000)
        yield page
        browser.close()


def test_the_dashboard_in_a_browser(dashboard):
    with browser_page(dashboard) as page:
        page.get_by_text("Levers", exact=True).wait_for(timeout=60_000)
        page.get_by_text("Events (step 0 of 156)").wait_for(timeout=60_000)
        assert page.get_by_text("Russia: security capacity").is_visible()
        label = page.get_by_text("Does the CSTO answer requests?")
        assert label.is_visible()
        assert _whole(label), "the label is not cut off"
        assert not page.get_by_text("Page 0", exact=True).is_visible(), "no lone tab"
        # Before the first step: the map of the start, and a word instead of empty charts
        assert page.get_by_text("the figures over time appear").count() >= 4
        assert page.locator(".vue-grid-item img").count() == 1
        _check_slider_values(page)
        # Issue 30: controls in a class's words, none it does not need.
        assert page.get_by_text("Pause between weeks while playing (ms)").is_visible()
        for mesa_label in ("Play Interval (ms)", "Render Interval (steps)", "Use Threads"):
            assert page.get_by_text(mesa_label).count() == 0, mesa_label
        # The words of the figures, on the page as in the guide.
        assert page.get_by_text("Glossary", exact=True).count() == 1
        assert page.get_by_text("one tick of the model's clock").count() == 1
        page.screenshot(path=str(ARTIFACTS / "dashboard-start.png"), full_page=True)

        # Step as it happened: Russia answers Kazakhstan's request.
        images = page.locator(".vue-grid-item img")
        before = images.nth(0).get_attribute("src")
        step(page, 3)
        assert page.get_by_text("accept: russia → kazakhstan").count() >= 1
        assert page.get_by_role("cell", name="5 Jan 2022").count() >= 1, "own dates"
        assert images.nth(0).get_attribute("src") != before, "the plots follow the model"
        assert images.count() == 6, "map, trade-off, economy, region, unrest, alignment"
        _check_layout(page)
        page.screenshot(path=str(ARTIFACTS / "dashboard-stepped.png"), full_page=True)
        now = page.get_by_text("3 of 156 weeks run: the figures reach 17 January 2022.")
        assert now.is_visible(), "the week shown in words and dates"
        _play(page, steps=20)

        # Move Russia's capacity down to nothing and reset: now Russia declines.
        track = (
            page.locator(".v-input")
            .filter(has_text="Russia: security capacity")
            .locator(".v-slider")
        )
        box = track.bounding_box()
        assert box is not None
        page.mouse.click(box["x"] + 2, box["y"] + box["height"] / 2)
        page.get_by_role("button", name="Reset").click()  # SolaraViz rebuilds the model on reset
        page.get_by_text("Events (step 0 of 156)").wait_for(timeout=30_000)
        step(page, 3)
        assert page.get_by_text("decline: russia → kazakhstan").count() >= 1
        assert page.get_by_text("accept: russia → kazakhstan").count() == 0
        page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
    assert (ARTIFACTS / "dashboard.png").stat().st_size > 20_000
    assert Path(ARTIFACTS / "dashboard-stepped.png").is_file()
    assert Path(ARTIFACTS / "dashboard-start.png").is_file()


def test_the_citizens_are_shown_beside_the_map(citizens_dashboard):
    with browser_page(citizens_dashboard) as page:
        page.get_by_text("Events (step 0 of 156)").wait_for(timeout=60_000)
        page.get_by_text("are placed on the first day").wait_for(timeout=30_000)
        assert page.locator(".vue-grid-item img").count() == 1, "the map only, before a step"
        step(page, 2)
        assert page.get_by_text("are placed on the first day").count() == 0
        assert page.get_by_text("request: kazakhstan → csto").count() >= 1, "it emerged"
        images = page.locator(".vue-grid-item img")
        assert images.count() == 7, "map, citizens, trade-off, economy, region, unrest, alignment"
        _check_layout(page)
        page.screenshot(path=str(ARTIFACTS / "dashboard-citizens.png"), full_page=True)


def test_the_dashboard_command_prints_one_line(dashboard, dashboard_log):
    """The terminal is quiet: the address once, no version nag, no warnings.

    ``dashboard`` serves in this process too (under xdist, this test may run apart
    from the browser's), and skips where there is no browser.
    """
    lines = [line for line in dashboard_log.read_text().splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("influence-sim dashboard: http://127.0.0.1:")


def test_the_guide_and_the_page_share_one_glossary():
    from influence_sim.results.glossary import glossary_markdown
    from tests.conftest import ROOT

    assert glossary_markdown() in (ROOT / "docs" / "classroom.md").read_text()
