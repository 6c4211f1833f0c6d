"""The dashboard's work per step, before and after issue 30, measured in one run.

    python benchmarks/bench_dashboard.py            # 20 steps of each, alternating
    python benchmarks/bench_dashboard.py --quick    # 6 of each

A step of the dashboard is a model step, then every panel redrawn as a PNG (what
``solara.FigureMatplotlib`` sends the page). *Before*: each panel made its own snapshot
of the run so far. *After*: one snapshot a step, shared (``dashboard.app.current``).
Both are drawn at the dashboard's ``DPI``; the time each panel takes to draw is printed
too (where a step's time goes: matplotlib's drawing and its layout). The page's own work
(the browser, Solara's messages) comes on top of both and is not measured here: the
browser test records a step as a class sees it. Prints medians and their ratio, and the
time 156 steps would take at the measured rate.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import time
import warnings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--scenario", default="kazakhstan-2022")
    args = parser.parse_args()
    os.environ["INFLUENCE_SIM_SCENARIO"] = args.scenario
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from influence_sim.dashboard import app
    steps = 6 if args.quick else 20

    def step(model: app.DashboardModel, shared: bool) -> float:
        start = time.perf_counter()
        model.step()
        for name in app.PANELS:
            if not shared:
                app._LATEST.clear()  # before: every panel made its own snapshot
            figure = app.panel_figure(name, model)
            began = time.perf_counter()
            figure.savefig(io.BytesIO(), format="png", dpi=app.DPI)
            if shared:
                drawing.setdefault(name, []).append(time.perf_counter() - began)
        return time.perf_counter() - start

    drawing: dict[str, list[float]] = {}

    before_model, after_model = app.DashboardModel(), app.DashboardModel()
    step(before_model, False), step(after_model, True)  # warm: imports, fonts, caches
    before, after = [], []
    for _ in range(steps):  # alternating, so a machine that slows down slows both
        before.append(step(before_model, False))
        after.append(step(after_model, True))
    b, a = statistics.median(before), statistics.median(after)
    n = before_model.n_steps
    print(f"{args.scenario}: a dashboard step (model step and {len(app.PANELS)} panels)")
    print(f"  before: {b:.3f} s (median of {steps}); {n} steps would take {b * n:.0f} s")
    print(f"  after:  {a:.3f} s (median of {steps}); {n} steps would take {a * n:.0f} s")
    print(f"  ratio before/after: {b / a:.2f}")
    print(
        "  drawing each panel (after, median): "
        + ", ".join(f"{name} {statistics.median(t):.3f} s" for name, t in drawing.items())
    )


if __name__ == "__main__":
    main()
