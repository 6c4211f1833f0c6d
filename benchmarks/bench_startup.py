"""The main job against the import floor, measured in one run; prints times and the ratio.

    python benchmarks/bench_startup.py            # 5 of each, alternating
    python benchmarks/bench_startup.py --quick    # 2 of each

The floor is what any Python tool on this stack pays before it does anything:
``python -c "import mesa, pandas, matplotlib.pyplot"``. The main job is
``influence-sim run kazakhstan-2022`` (50 replications, tables and the seven figures).
The two alternate, so a machine that slows down slows both; the medians are compared.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    rounds = 2 if args.quick else 5
    floor_command = [sys.executable, "-c", "import mesa, pandas, matplotlib.pyplot"]
    floors, runs = [], []
    with tempfile.TemporaryDirectory() as out:
        run_command = [sys.executable, "-m", "influence_sim", "run", "kazakhstan-2022"]
        run_command += ["--out", out, "--quiet"]
        timed(run_command)  # once first: the compiled kernel's cache, the files' pages
        for _ in range(rounds):
            floors.append(timed(floor_command))
            runs.append(timed(run_command))
    floor, run = statistics.median(floors), statistics.median(runs)
    print(f"  import floor (mesa, pandas, matplotlib.pyplot) {floor:6.2f} s, median of {rounds}")
    print(f"  influence-sim run kazakhstan-2022             {run:6.2f} s, median of {rounds}")
    print(f"  run / floor: {run / floor:.2f}x (target: at most 3x)")


if __name__ == "__main__":
    main()
