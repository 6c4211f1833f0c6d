"""The dashboard's work per step, drawn whole and drawn live, measured in one run.

    python benchmarks/bench_dashboard.py            # 30 steps of each, alternating
    python benchmarks/bench_dashboard.py --quick    # 10 of each

A step of the dashboard is a model step, then every panel's PNG, what the page shows.
*Whole*: each panel's figure rendered whole by ``savefig`` (what the dashboard did
before issue 30, through ``solara.FigureMatplotlib``). *Live*:
``dashboard.app.panel_png``, which draws only what changed on the pixels it kept
(``viz.live``). Both start at the same week and run the same weeks, from just after the
crisis (``--from``), when the marks and legends have stopped changing (the time axes
still widen after weeks 13 and 26, when the live panels render whole: two of the 30
weeks timed); the crisis weeks, which render whole, are timed apart. The page's own work
(Solara's messages, the browser) comes on top: the browser test records a step as a
class sees it. Prints medians, their ratio, and the time 156 steps would take.
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
    parser.add_argument("--from", dest="start", type=int, default=6, help="first week timed")
    args = parser.parse_args()
    os.environ["INFLUENCE_SIM_SCENARIO"] = args.scenario
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from influence_sim.dashboard import app
    steps = 10 if args.quick else 30

    def whole(model: app.DashboardModel) -> float:
        start = time.perf_counter()
        model.step()
        for name in app.PANELS:
            app.panel_figure(name, model).savefig(io.BytesIO(), format="png", dpi=app.DPI)
        return time.perf_counter() - start

    def live(model: app.DashboardModel) -> float:
        start = time.perf_counter()
        model.step()
        for name in app.PANELS:
            app.panel_png(name, model)
        return time.perf_counter() - start

    whole_model, live_model = app.DashboardModel(), app.DashboardModel()
    crisis = [live(live_model) for _ in range(args.start)]
    for _ in range(args.start):
        whole(whole_model)
    before, after = [], []
    for _ in range(steps):  # alternating, so a machine that slows down slows both
        before.append(whole(whole_model))
        after.append(live(live_model))
    b, a = statistics.median(before), statistics.median(after)
    n = live_model.n_steps
    last = args.start + steps
    print(f"{args.scenario}: a dashboard step (model step and {len(app.PANELS)} panels)")
    print(f"  weeks 1-{args.start}, live: " + " ".join(f"{t:.2f}" for t in crisis) + " s")
    print(f"  weeks {args.start + 1}-{last}, whole: {b:.3f} s (median); {n} steps: {b * n:.0f} s")
    print(f"  weeks {args.start + 1}-{last}, live:  {a:.3f} s (median); {n} steps: {a * n:.0f} s")
    print(f"  ratio whole/live: {b / a:.2f}")
    wholes = {name: figure.whole for name, figure in live_model.panels.items()}
    print(
        "  panels rendered whole (live), in all: "
        + ", ".join(f"{k} {v}" for k, v in wholes.items())
    )


if __name__ == "__main__":
    main()
