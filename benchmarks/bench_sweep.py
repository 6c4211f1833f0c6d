"""Sweeps at scale, measured in one run; prints times, memory and ratios.

    python benchmarks/bench_sweep.py                 # 2,000-run ratio, then 100k and 1M runs
    python benchmarks/bench_sweep.py --quick         # 200 runs, then 10k and 50k

1. The same 2,000-run sweep (Russia's security capacity x China's economic capacity,
   10 x 10 points x 20 replications of Kazakhstan 2022) through ``influence-sim sweep``
   with one worker (the whole command, start-up included) and through
   ``mesa.batch_run(InfluenceModel)`` in one process; then 2,000 runs at 2,000 points
   (a Latin hypercube, one replication each), whose extra time over the grid is what
   checking and compiling 1,900 more points costs.
2. N replications of the 156-step Kazakhstan 2022 scenario with summary metrics, on all
   cores: total time and peak resident memory (sampled from /proc: the largest process
   and all the sweep's processes together), at two sizes, to show that memory does not
   grow with the number of runs.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mesa
import yaml

from influence_sim import load_scenario
from influence_sim.drivers.model import InfluenceModel
from influence_sim.format.bundled import scenario_dir

ROOT = Path(__file__).resolve().parents[1]


def _group_rss(group: int) -> tuple[int, int]:
    """Largest and total resident memory (KiB) of the processes in a process group."""
    largest = total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) != group:  # fields[2] is the process group
                continue
            for line in (stat.parent / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                    largest, total = max(largest, rss), total + rss
        except (OSError, IndexError, ValueError):
            continue
    return largest, total


def sweep_command(spec: dict, folder: Path, workers: int) -> tuple[float, float, float]:
    """Run ``influence-sim sweep`` in a child process group, sampling its memory.

    Returns:
        Seconds, and the peak resident memory in MiB of the largest process and of all
        the sweep's processes together.
    """
    path = folder / f"{spec['name']}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    start = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "influence_sim",
            "sweep",
            str(path),
            "--out",
            str(folder / "out"),
            "--workers",
            str(workers),
            "--quiet",
        ],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    largest = total = 0
    while process.poll() is None:
        one, every = _group_rss(process.pid)
        largest, total = max(largest, one), max(total, every)
        time.sleep(0.2)
    seconds = time.perf_counter() - start
    if process.returncode:
        raise SystemExit(f"the sweep failed with exit code {process.returncode}")
    return seconds, largest / 1024, total / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--skip-batch-run", action="store_true")
    parser.add_argument("--skip-scale", action="store_true", help="part 1 only")
    args = parser.parse_args()
    base = str(scenario_dir() / "kazakhstan-2022.yaml")
    capacities = [round(0.1 * i, 1) for i in range(1, 11)]
    reps = 2 if args.quick else 20
    grid = {
        "name": "bench-grid",
        "title": "benchmark",
        "base": base,
        "parameters": {
            "powers.russia.security_capacity": {"values": capacities},
            "powers.china.economic_capacity": {"values": capacities},
        },
        "sampler": {"method": "grid"},
        "replications": reps,
        "seed": 1,
        "chunk_size": 1000,
    }
    runs = 100 * reps
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"1. the same {runs:,}-run sweep, one worker\n")
        sweep_s, _, _ = sweep_command(grid, folder, 1)
        print(f"  influence-sim sweep (whole command)          {sweep_s:9.2f} s")
        if not args.skip_batch_run:
            scenario = load_scenario(base)
            start = time.perf_counter()
            mesa.batch_run(
                InfluenceModel,
                parameters={
                    "scenario": [scenario],
                    "powers.russia.security_capacity": capacities,
                    "powers.china.economic_capacity": capacities,
                    "replication": range(reps),
                },
                number_processes=1,
                max_steps=156,
                display_progress=False,
            )
            batch_s = time.perf_counter() - start
            print(f"  mesa.batch_run(InfluenceModel), 1 process   {batch_s:9.2f} s")
            print(
                f"  sweep / batch_run:                           {batch_s / sweep_s:9.0f}x "
                "(target: at least 100x)\n"
            )
        points = {
            **grid,
            "name": "bench-points",
            "parameters": {
                "powers.russia.security_capacity": [0.1, 1.0],
                "powers.china.economic_capacity": [0.1, 1.0],
            },
            "sampler": {"method": "lhs", "n": runs},
            "replications": 1,
        }
        points_s, _, _ = sweep_command(points, folder, 1)
        print(
            f"  the same number of runs at {runs:,} points       {points_s:9.2f} s: "
            f"{(points_s - sweep_s) / (runs - 100) * 1e3:.2f} ms a point more "
            "(checked, compiled, stacked)\n"
        )
        if args.skip_scale:
            return
        sizes = (10_000, 50_000) if args.quick else (100_000, 1_000_000)
        print(
            f"2. replications of Kazakhstan 2022 (156 steps), summary metrics, "
            f"{args.workers} workers\n"
        )
        results = []
        for n in sizes:
            spec = {
                "name": f"bench-{n}",
                "title": "benchmark",
                "base": base,
                "parameters": {"powers.russia.security_capacity": {"values": [0.8]}},
                "sampler": {"method": "grid"},
                "replications": n,
                "seed": 1,
                "chunk_size": 10_000,
            }
            seconds, peak, total = sweep_command(spec, folder, args.workers)
            results.append((n, seconds, total))
            print(
                f"  {n:>9,} runs: {seconds:8.1f} s, "
                f"{n * 156 / seconds:12,.0f} replication-steps/s, "
                f"peak memory: largest process {peak:5.0f} MiB, all processes {total:5.0f} MiB",
                flush=True,
            )
        (small, s_small, m_small), (big, s_big, m_big) = results
        print(
            f"\n  time ratio {big // small}x the runs: {s_big / s_small:.1f}x; "
            f"memory ratio: {m_big / m_small:.2f}x (flat is 1)"
        )
        print("  targets for 1,000,000 runs: at most 60 s and 2,048 MiB (all processes)")


if __name__ == "__main__":
    main()
