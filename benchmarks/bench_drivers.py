"""The two drivers and mesa.batch_run, measured in one run; prints rates and ratios.

    python benchmarks/bench_drivers.py            # the figures quoted in the docs
    python benchmarks/bench_drivers.py --quick    # smaller counts, for a smoke test

Absolute times drift with the machine's load; the ratios, measured back to back in
one process, are the point.
"""

from __future__ import annotations

import argparse
import time

import mesa

from influence_sim import load_scenario
from influence_sim.drivers.model import InfluenceModel
from influence_sim.engine.compile import compile_scenario
from influence_sim.engine.ensemble import replicate, replication_keys, simulate
from influence_sim.format.bundled import find_scenario
from influence_sim.results.metrics import Summary


def timed(label: str, func):
    start = time.perf_counter()
    out = func()
    seconds = time.perf_counter() - start
    print(f"  {label:<52} {seconds:9.2f} s", flush=True)
    return out, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--scenario", default="kazakhstan-2022")
    args = parser.parse_args()
    mesa_models, big, runs = (5, 1_000, 100) if args.quick else (30, 10_000, 2_000)
    many = 10 * big  # in batches of ``big``, one after another, in this process

    scenario = load_scenario(find_scenario(args.scenario))
    compiled = compile_scenario(scenario)
    steps = compiled.timeline.n_steps
    print(
        f"{scenario.name}: {steps} steps, {len(compiled.states)} states, "
        f"{len(compiled.powers)} powers\n"
    )

    def summaries(n: int):
        """n replications at once, keeping summary metrics only (no trajectory)."""
        state = replicate(compiled.initial, n)
        summary = Summary(compiled, compiled.params, state)
        simulate(
            compiled,
            compiled.params.copy(),
            state,
            replication_keys(scenario.seed, 0, n),
            [lambda done, now, events: summary.update(done, now)],
        )
        return summary.frame()

    def mesa_driver():
        for r in range(mesa_models):
            model = InfluenceModel(scenario, replication=r)
            while model.running:
                model.step()

    _, mesa_s = timed(f"Mesa driver, {mesa_models} models one after another", mesa_driver)
    mesa_rate = mesa_models * steps / mesa_s

    def ensemble_big():
        return summaries(big)

    _, big_s = timed(f"ensemble, {big:,} replications at once", ensemble_big)
    big_rate = big * steps / big_s

    def ensemble_many():
        for _ in range(many // big):
            summaries(big)

    _, many_s = timed(f"ensemble, {many:,} replications, {big:,} at a time", ensemble_many)

    def batch():
        return mesa.batch_run(
            InfluenceModel,
            parameters={"scenario": [scenario], "replication": range(runs)},
            max_steps=steps,
            number_processes=1,
            data_collection_period=-1,
            display_progress=False,
        )

    _, batch_s = timed(f"mesa.batch_run(InfluenceModel), {runs:,} runs", batch)

    def ensemble_runs():
        return summaries(runs)

    _, ens_s = timed(f"ensemble, the same {runs:,} runs", ensemble_runs)

    print()
    print(f"Mesa driver:         {mesa_rate:14,.0f} replication-steps/s")
    print(f"ensemble at {big:>6,}: {big_rate:14,.0f} replication-steps/s")
    print(f"ensemble, {many:,} runs: {many * steps / many_s:11,.0f} replication-steps/s")
    print(f"ensemble / Mesa driver:         {big_rate / mesa_rate:8,.0f}x")
    print(f"ensemble / mesa.batch_run:      {batch_s / ens_s:8,.0f}x  (target: at least 100x)")


if __name__ == "__main__":
    main()
