"""The citizens' kernel against Mesa's own Epstein civil-violence example, in one run.

    python benchmarks/bench_citizens.py            # the figures quoted in the note
    python benchmarks/bench_citizens.py --quick    # smaller counts, for a smoke test

Both run Epstein's standard settings (NetLogo's Rebellion model: a 40 x 40 torus, citizen
density 0.7, police 0.04, vision 7, legitimacy 0.82, jail up to 30 ticks, k 2.3,
threshold 0.1) on one core: ours as many lattices at once (``engine.civil.rebel``),
Mesa's one model at a time (``mesa.examples.advanced.epstein_civil_violence``, whose
neighbourhood is a von Neumann diamond of radius 7, 112 cells, where ours is NetLogo's
disk, 149). Rates are citizen-steps and agent-steps (citizens and police) per second;
the ratio is measured back to back in one process, which is the point: absolute times
drift with the machine's load. The whole kazakhstan-2022-citizens run is timed too.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, whatever numpy links to

from influence_sim.engine.civil import Rebellion, rebel, rebellion_keys


def timed(label: str, func):
    start = time.perf_counter()
    out = func()
    seconds = time.perf_counter() - start
    print(f"  {label:<60} {seconds:8.2f} s", flush=True)
    return out, seconds


def mesa_rate(steps: int, models: int, **settings: float) -> tuple[float, float]:
    """Mesa's example: citizen-steps and agent-steps per second over ``models`` runs.

    Epstein's standard settings unless ``settings`` is ``{"defaults": True}`` (then
    Mesa's own defaults: police 0.074, jail up to 1,000 steps).
    """
    from mesa.examples.advanced.epstein_civil_violence.agents import Citizen
    from mesa.examples.advanced.epstein_civil_violence.model import EpsteinCivilViolence

    citizens = agents = 0
    start = time.perf_counter()
    standard = {
        "width": 40,
        "height": 40,
        "citizen_density": 0.7,
        "cop_density": 0.04,
        "citizen_vision": 7,
        "cop_vision": 7,
        "legitimacy": 0.82,
        "max_jail_term": 30,
        "active_threshold": 0.1,
        "arrest_prob_constant": 2.3,
    }
    chosen = {} if settings.get("defaults") else standard
    for seed in range(models):
        model = EpsteinCivilViolence(**chosen, seed=seed)
        for _ in range(steps):
            model.step()
        citizens += len(model.agents_by_type[Citizen]) * steps
        agents += len(model.agents) * steps
    seconds = time.perf_counter() - start
    return citizens / seconds, agents / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    # 256 lattices at once: the grids stay in cache (512 is about 5% slower, 1024 15%).
    batch, ticks, mesa_models, mesa_steps = (64, 50, 1, 10) if args.quick else (256, 400, 3, 50)
    settings = Rebellion()
    per = settings.citizens
    agents = per + settings.officers
    print(
        f"Epstein's standard settings: {per} citizens and {settings.officers} police on "
        f"{settings.side} x {settings.side}\n"
    )
    rebel(settings, 5, rebellion_keys(0, 8))  # warm up
    _, ours = timed(
        f"ours: {batch} lattices x {ticks} ticks",
        lambda: rebel(settings, ticks, rebellion_keys(1, batch)),
    )
    (mesa_citizens, mesa_agents), _ = timed(
        f"mesa: {mesa_models} models x {mesa_steps} steps",
        lambda: mesa_rate(mesa_steps, mesa_models),
    )
    (_, mesa_default), _ = timed(
        f"mesa, its own defaults (police 0.074, jail 1,000): {mesa_models} x {mesa_steps}",
        lambda: mesa_rate(mesa_steps, mesa_models, defaults=True),
    )
    our_citizens = batch * ticks * per / ours
    our_agents = batch * ticks * agents / ours
    print()
    print(f"  ours:  {our_citizens:12,.0f} citizen-steps/s  {our_agents:12,.0f} agent-steps/s")
    print(f"  mesa:  {mesa_citizens:12,.0f} citizen-steps/s  {mesa_agents:12,.0f} agent-steps/s")
    print(f"  mesa on its own defaults: {mesa_default:,.0f} agent-steps/s")
    print(f"  ratio: {our_agents / mesa_agents:,.0f}x (agent-steps, the same settings, this run)")
    print(f"  target 2e7 citizen-steps/s: {our_citizens / 2e7:.2f} of it")

    from influence_sim import load_scenario
    from influence_sim.engine.compile import compile_scenario
    from influence_sim.engine.ensemble import run_ensemble

    scenario = load_scenario("kazakhstan-2022-citizens")
    compiled = compile_scenario(scenario)
    reps = 4 if args.quick else 20
    _, whole = timed(
        f"kazakhstan-2022-citizens: {reps} replications, {compiled.timeline.n_steps} weeks",
        lambda: run_ensemble(compiled, reps, scenario.seed),
    )
    setup = compiled.params.pop.setup
    citizen_days = reps * compiled.timeline.n_steps * setup.ticks * setup.citizens
    citizen_days *= setup.n_regions
    print(f"  {citizen_days / whole:,.0f} citizen-days/s in the whole model")


if __name__ == "__main__":
    main()
